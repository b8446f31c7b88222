/*
 * Processes: a thread group sharing an address space, file descriptors, a
 * working directory and signal handlers (each of those can also be shared
 * with other processes through clone flags, so each is its own reference-
 * counted object). Linux semantics throughout: pid = the thread group id,
 * process groups and sessions, zombies until the parent waits.
 *
 * Locking: proc_tree_lock (process.c) protects the tree (parent, children),
 * the pid table, process and thread lists and exit/stop state. p->lock
 * protects p's signal state (pending sets, queue, thread masks). Order:
 * proc_tree_lock > p->lock > sighand->lock > run-queue locks.
 */
#ifndef PROC_PROCESS_H
#define PROC_PROCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/spinlock.h"
#include "lib/list.h"
#include "proc/signal.h"
#include "sched/timer.h"
#include "sched/wait.h"

struct vmspace;
struct fd_table;
struct thread;

#define PROC_NAME_MAX 16
#define PATH_MAX 4096
#define RLIMIT_COUNT 16

/* Working directory (shared with CLONE_FS). */
struct file;

/* Working directory and umask, shared by CLONE_FS. */
struct fs_context {
	int refs;
	struct spinlock lock; /* protects cwd and umask */
	struct file *cwd;     /* a directory opened with O_PATH (an I/O server or /proc one); NULL: "/" */
	unsigned umask;
};

struct rlimit_pair {
	uint64_t cur, max;
};

enum process_state {
	PROCESS_ALIVE,
	PROCESS_ZOMBIE, /* all threads gone; exit status kept for the parent */
};

struct process {
	int pid;
	int pgid, sid;
	enum process_state state;
	struct process *parent;
	struct list_node children;     /* struct process.sibling */
	struct list_node sibling;
	struct list_node all_link;     /* in the global list */
	struct list_node threads;      /* struct thread.proc_link */
	int nthreads;
	struct thread *leader;

	struct vmspace *vm;
	struct fd_table *fds;
	struct fs_context *fs;
	struct sighand *sighand;

	struct spinlock lock;          /* signal state below */
	uint64_t sig_pending;          /* process-directed pending signals */
	struct list_node sig_queue;
	int exit_signal;               /* sent to the parent at exit (SIGCHLD; clone's low byte) */

	/* Exit and job control (proc_tree_lock). */
	bool group_exit;               /* exit_group or a fatal signal: all threads leave */
	int exit_code;                 /* wait status, Linux encoding */
	bool stopped;
	int stop_signal;
	bool report_stop;              /* WUNTRACED has not seen this stop yet */
	bool report_continue;          /* WCONTINUED has not seen this continue yet */
	struct wait_queue child_wait;  /* the parent sleeps here in wait4 */
	struct thread *vfork_parent;   /* blocked in vfork until this child execs or exits */
	struct wait_queue exec_wait;   /* execve waits here for the other threads to exit */

	char name[PROC_NAME_MAX];
	uint32_t uid, euid, suid, gid, egid, sgid;
	struct rlimit_pair rlimits[RLIMIT_COUNT];
	uint64_t start_ns;
	uint64_t dead_user_ns, dead_system_ns;    /* of its exited threads */
	uint64_t child_user_ns, child_system_ns;  /* of its waited-for children */
	uint64_t max_rss_pages;

	/* ITIMER_REAL (alarm/setitimer): sends SIGALRM. */
	struct timer real_timer;
	uint64_t real_interval_ns;
	/* ITIMER_VIRTUAL and ITIMER_PROF: CPU-time budgets, checked on each tick. */
	uint64_t virt_left_ns, virt_interval_ns;
	uint64_t prof_left_ns, prof_interval_ns;

	uint64_t unknown_syscalls[8];  /* logged-once bitmap of -ENOSYS numbers */
	bool child_subreaper;
	bool did_exec;                 /* setpgid on a child that exec'd: EACCES */
	bool posix_locks;              /* has taken fcntl record locks: closes must tell the server */
	/* Set by execve, for /proc: where argv and envp strings are in the new image, and the
	 * path the program was started from (kmalloc'd; NULL for kernel-started images). */
	uint64_t arg_start, arg_end, env_start, env_end;
	char *exe_path;
	uint32_t caps;                 /* TERN_CAP_*: fixed when the process is started (include/tern/syscall.h) */
	uint32_t flags;
};

extern struct spinlock proc_tree_lock;
extern struct list_node proc_all; /* every process, by all_link (proc_tree_lock) */

static inline struct process *current_process(void);

/* Sets up process bookkeeping (pids, futexes) before the first process. */
void proc_boot_init(void);
/*
 * A process started by the kernel (no parent) with one thread that runs
 * entry(arg) in the kernel, to exec its program; fds 0-2 are the console.
 * Not yet scheduled: sched_start(p->leader). Panics when out of memory.
 */
struct process *proc_start_first(const char *name, int pid, void (*entry)(void *), void *arg);
/* Creates and starts PID 1 running path (through the I/O server) with the command line's arguments. */
void proc_start_init(const char *path);

struct vm_object;
/* Takes pages of o with index in [first, end) out of every process's address space (truncation). */
void proc_zap_object(struct vm_object *o, uint64_t first, uint64_t end);

/* Lookup by pid or tid; caller holds proc_tree_lock. */
struct process *proc_find(int pid);
struct thread *thread_find(int tid);
int pid_alloc(void);
void pid_free(int pid);
/* The pid handed out last (/proc/loadavg). */
int proc_last_pid(void);

/* Thread group leader or init for orphans, etc. */
struct process *proc_init_process(void);

/* Total CPU time of all threads of p (alive and dead). */
void proc_cpu_times(struct process *p, uint64_t *user_ns, uint64_t *system_ns);

/* Ends the calling thread (exit), or its whole process (exit_group); code is the wait status. */
__attribute__((noreturn)) void proc_exit_thread(int status);
__attribute__((noreturn)) void proc_exit_group(int status);

/* fork/vfork/clone; returns the child's tid or -errno. The frame is the caller's user registers. */
struct trap_frame;
long proc_clone(struct trap_frame *frame, uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
		uint64_t tls);

/* Called on each tick with its length: charges ITIMER_VIRTUAL/ITIMER_PROF of the running process. */
void proc_tick(uint64_t ns);

/* A vfork child let its parent go on (exec or exit). Takes proc_tree_lock. */
void proc_release_vfork_parent(struct process *child);

/* Internal to kernel/proc. */
struct process *process_alloc(void);
bool proc_attach_thread(struct process *p, struct thread *t);
void proc_reap_locked(struct process *p);
void proc_change_tid_locked(struct thread *t, int tid);
void proc_real_timer_fired(struct timer *tm);
int wait_status_exit(int code);
/* Returns to user mode with the given frame (a new thread's first entry). */
__attribute__((noreturn)) void arch_enter_user(struct trap_frame *frame);

/* Linux resource numbers (asm-generic/resource.h). */
#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_LOCKS 10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE 12
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14
#define RLIMIT_RTTIME 15
#define RLIM_INFINITY (~0ull)

/* The fs_context and its reference counting. */
struct fs_context *fs_context_create(void);
/* A copy for fork without CLONE_FS (the cwd is shared as a file reference). */
struct fs_context *fs_context_copy(struct fs_context *src);
void fs_context_put(struct fs_context *fs);

#include "sched/thread.h"

static inline struct process *current_process(void)
{
	return current_thread()->proc;
}

#endif
