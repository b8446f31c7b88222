/*
 * What /proc shows, taken from the kernel's state: internal to the /proc
 * files (procfs.c names and serves them; procfs_task.c and procfs_system.c
 * gather and format).
 *
 * Nothing here keeps a process alive or holds a lock across calls: each call
 * takes the locks it needs (proc_tree_lock first, as docs/architecture.md
 * orders them), copies what it wants, and lets go. A process is named by its
 * pid and its start time, since pids are reused; a thread view adds a tid.
 * A process or thread that has gone answers -ESRCH (a zombie is still there).
 */
#ifndef FD_PROCFS_STATE_H
#define FD_PROCFS_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct file;
struct procfs_text;

struct procfs_who {
	int pid;
	int tid;           /* 0: the whole process */
	uint64_t start_ns; /* when the process was created: its identity */
};

/* The process a pid names, or the process of a thread id (Linux's /proc/<tid>); -ENOENT if none. */
int procfs_who_process(int id, struct procfs_who *out);
/* The calling process, or (thread) the calling thread. */
void procfs_who_current(bool thread, struct procfs_who *out);
/* Thread tid of w's process; -ENOENT if it has no such thread. */
int procfs_who_thread(const struct procfs_who *w, int tid, struct procfs_who *out);
bool procfs_who_alive(const struct procfs_who *w);

/* Who owns a process's /proc entries, and what the caller may do there. */
struct procfs_owner {
	uint32_t uid, gid;  /* its effective ids (Linux's task_dump_owner) */
	bool same_process;  /* the caller is one of its threads */
	bool may_inspect;   /* Linux's PTRACE_MODE_READ_FSCREDS check: same process, same ids, or root */
	unsigned threads;
};
int procfs_owner(const struct procfs_who *w, struct procfs_owner *out);

/* Up to cap ids >= from, ascending: processes, threads of w, open descriptors of w. The count or -ESRCH. */
int procfs_list_processes(int from, int *ids, int cap);
int procfs_list_threads(const struct procfs_who *w, int from, int *ids, int cap);
int procfs_list_fds(const struct procfs_who *w, int from, int *ids, int cap);
unsigned procfs_count_processes(void);

/* The program's path (NUL-terminated): -ENOENT for a zombie or a program without one, -ENAMETOOLONG. */
int procfs_exe_path(const struct procfs_who *w, char *buf, size_t cap);
/* The working directory with a reference (*out NULL: "/"); -ENOENT for a zombie. */
int procfs_cwd(const struct procfs_who *w, struct file **out);
/* The file at descriptor fd, with a reference; -ENOENT if none. */
int procfs_fd(const struct procfs_who *w, int fd, struct file **out);

/* Per-process files. */
enum procfs_task_file {
	PROCFS_TASK_STAT,
	PROCFS_TASK_STATUS,
	PROCFS_TASK_STATM,
	PROCFS_TASK_CMDLINE,
	PROCFS_TASK_ENVIRON,
	PROCFS_TASK_COMM,
	PROCFS_TASK_MAPS,
	PROCFS_TASK_LIMITS,
	PROCFS_TASK_MOUNTS,
};
/* Appends the file's text; 0, -ESRCH, -ENOMEM. */
int procfs_task_text(const struct procfs_who *w, enum procfs_task_file which, struct procfs_text *t);
/* Writing comm: only a process's own threads may rename (else -EINVAL, as Linux). */
int procfs_set_comm(const struct procfs_who *w, const char *name);

/* System-wide files. */
enum procfs_system_file {
	PROCFS_SYS_MEMINFO,
	PROCFS_SYS_CPUINFO,
	PROCFS_SYS_UPTIME,
	PROCFS_SYS_LOADAVG,
	PROCFS_SYS_STAT,
	PROCFS_SYS_VERSION,
	PROCFS_SYS_FILESYSTEMS,
	PROCFS_SYS_CMDLINE,
	PROCFS_SYS_MOUNTS,
	PROCFS_SYS_OSTYPE,
	PROCFS_SYS_OSRELEASE,
	PROCFS_SYS_HOSTNAME,
	PROCFS_SYS_KERNEL_VERSION,
	PROCFS_SYS_DOMAINNAME,
};
/* Appends the file's text; 0 or -ENOMEM. */
int procfs_system_text(enum procfs_system_file which, struct procfs_text *t);

#endif
