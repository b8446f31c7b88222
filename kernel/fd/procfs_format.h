/*
 * The text of /proc's files in Linux's formats (fs/proc/array.c, meminfo.c,
 * task_mmu.c ... of Linux 6.1, the release Tern reports), byte for byte where
 * programs parse them. procfs.c gathers a snapshot of the kernel's state into
 * the plain structures below; these functions only format, so the host unit
 * tests (tests/unit/test_procfs_format.c) check them without a kernel. Also
 * the name and path helpers of /proc's lookups.
 */
#ifndef FD_PROCFS_FORMAT_H
#define FD_PROCFS_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arch.h"

/* USER_HZ: the clock tick of every time /proc shows in ticks (stat, task stat). */
#define PROCFS_HZ 100
#define PROCFS_PAGE_KB 4

/* A text growing on the kernel heap. When memory runs out, failed is set and the text stops growing. */
struct procfs_text {
	char *data;
	size_t len, cap;
	bool failed;
};

void procfs_text_printf(struct procfs_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void procfs_text_put(struct procfs_text *t, const void *bytes, size_t n);
/* Frees the text and makes it empty again (failed cleared): ready for reuse. */
void procfs_text_free(struct procfs_text *t);

/* What /proc/<pid>/stat, status and statm show about a process, or about one thread (task/<tid>/). */
struct procfs_task {
	int id;                 /* field 1 and Pid: the pid, or the thread's id in a thread's view */
	int tgid;               /* the process id */
	char comm[16];          /* NUL-terminated */
	char state;             /* Linux's letter: R, S, D, T, Z, X */
	bool waiting;           /* blocked in the kernel (stat's wchan flag) */
	int ppid, pgid, sid;
	int tty_nr, tpgid;      /* controlling terminal (Linux's device encoding), foreground group; 0, -1: none */
	uint64_t flags;         /* PF_* */
	uint64_t utime_ns, stime_ns;   /* CPU time of the view (all threads, or the one) */
	uint64_t cutime_ns, cstime_ns; /* of waited-for children */
	int num_threads;
	uint64_t start_ns;      /* since boot */
	int exit_signal;        /* -1 for a thread other than the leader */
	int cpu;                /* the CPU it ran on last */
	int exit_code;          /* a zombie's wait status, else 0 */
	unsigned umask;
	uint32_t uid, euid, suid, gid, egid, sgid; /* fsuid/fsgid are the effective ones */
	unsigned fd_slots;      /* FDSize */
	uint64_t sig_pending;   /* the thread's own (bit n - 1 for signal n) */
	uint64_t sig_shared;    /* the process's */
	uint64_t sig_blocked, sig_ignored, sig_caught;
	unsigned sig_queued;
	uint64_t sig_queue_limit;
	uint64_t rss_limit;     /* RLIMIT_RSS in bytes (all ones: unlimited) */
	uint64_t cpus_allowed;  /* bit n: CPU n */
	unsigned nr_cpus;       /* the CPUs that exist (width of Cpus_allowed) */
	bool privileged;        /* euid 0: every capability */
	/* Memory; has_mm false (a zombie): zeros, and status has no Vm lines. */
	bool has_mm;
	uint64_t vm_pages, rss_pages, hwm_pages;
	uint64_t data_pages, stack_pages, exec_pages; /* Linux's data_vm, stack_vm, exec_vm */
	uint64_t start_code, end_code, start_stack, start_brk;
	uint64_t arg_start, arg_end, env_start, env_end;
};

void procfs_format_stat(struct procfs_text *t, const struct procfs_task *k);
void procfs_format_status(struct procfs_text *t, const struct procfs_task *k);
void procfs_format_statm(struct procfs_text *t, const struct procfs_task *k);

/* One line of /proc/<pid>/maps. prot: PROT_READ/WRITE/EXEC bits; name NULL or "" for none. */
void procfs_format_map(struct procfs_text *t, uint64_t start, uint64_t end, unsigned prot, bool shared,
		       uint64_t offset, unsigned dev_major, unsigned dev_minor, uint64_t ino, const char *name);

/* /proc/<pid>/limits from the soft and hard values of Linux's 16 resources (RLIM_INFINITY: all ones). */
void procfs_format_limits(struct procfs_text *t, const uint64_t soft[16], const uint64_t hard[16]);

/* A CPU mask in Linux's two bitmap styles over nbits bits: "%*pb" ("3", "ff,ffffffff") and "%*pbl" ("0-1,4"). */
void procfs_format_bitmap(struct procfs_text *t, uint64_t mask, unsigned nbits);
void procfs_format_bitlist(struct procfs_text *t, uint64_t mask, unsigned nbits);

/* /proc/meminfo; all values in KiB. */
struct procfs_meminfo {
	uint64_t total, free, available, slab, kernel_stack, page_tables, commit_limit, committed;
};
void procfs_format_meminfo(struct procfs_text *t, const struct procfs_meminfo *m);

/* /proc/uptime: seconds since boot and idle seconds summed over the CPUs, to 1/100 s. */
void procfs_format_uptime(struct procfs_text *t, uint64_t uptime_ns, uint64_t idle_ns);

/* /proc/stat. Per CPU its busy and idle time; the "cpu" line sums them. */
struct procfs_cpu_time {
	uint64_t user_ns, system_ns, idle_ns;
};
struct procfs_system {
	const struct procfs_cpu_time *cpus;
	unsigned ncpus;
	uint64_t boot_time;     /* seconds since 1970 */
	uint64_t processes;     /* forks since boot */
	unsigned running, blocked;
};
void procfs_format_system_stat(struct procfs_text *t, const struct procfs_system *s);

/* /proc/loadavg: no load averages are kept (0.00); runnable and all threads, the last pid handed out. */
void procfs_format_loadavg(struct procfs_text *t, unsigned running, unsigned threads, int last_pid);

/* One processor's paragraph of /proc/cpuinfo (x86's format): CPU index of ncpus, with its APIC id. */
void procfs_format_cpuinfo(struct procfs_text *t, const struct arch_cpu_info *c, unsigned index, unsigned ncpus,
			   uint32_t apic_id);

/* The status line text of a state letter: "R (running)". */
const char *procfs_state_name(char state);

/*
 * A decimal number as /proc names processes, threads and descriptors: digits
 * only, no leading zero (but "0" itself), below 2^31. -1 otherwise.
 */
int procfs_parse_number(const char *name, size_t len);

/*
 * Path walking. procfs_next_name skips slashes and gives the next component
 * (name, len) and moves *path past it; false at the end. procfs_path_rest_empty
 * says whether only slashes remain.
 */
bool procfs_next_name(const char **path, const char **name, size_t *len);
bool procfs_path_rest_empty(const char *path);

/*
 * Joins a path that left /proc: prefix (an absolute path) and what is left
 * to walk after the component that left (rest: "" or starting with '/'); a
 * rest of only slashes keeps one, so the I/O server still demands a directory.
 * NUL-terminated in out; its length, or -ENAMETOOLONG when cap is too small.
 */
int procfs_join_path(char *out, size_t cap, const char *prefix, const char *rest);

#endif
