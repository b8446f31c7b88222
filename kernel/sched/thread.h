/*
 * Threads: the unit the scheduler runs. A thread belongs to a process (kernel
 * threads belong to the kernel process) and owns a kernel stack with a guard
 * page. User threads also own an FPU/SSE/AVX save area.
 */
#ifndef SCHED_THREAD_H
#define SCHED_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "asm/thread.h"
#include "lib/list.h"
#include "mm/kva.h"
#include "sched/cpu.h"

enum thread_state {
	THREAD_READY,    /* on a run queue (or about to be) */
	THREAD_RUNNING,  /* on a CPU */
	THREAD_BLOCKED,  /* waiting; woken by sched_wakeup() */
	THREAD_STOPPED,  /* job-control stop; woken by SIGCONT/SIGKILL */
	THREAD_DEAD,     /* exited; its stack is freed after it switched away */
};

struct process;

struct thread {
	uint64_t saved_rsp;           /* kernel stack pointer while switched out */
	struct arch_thread arch;      /* user FS base, FPU state, user register frame */
	struct kstack stack;
	enum thread_state state;
	bool kernel_only;             /* never returns to user mode */
	struct cpu *cpu;              /* whose run queue the thread is on */
	int tid;
	char name[16];
	struct process *proc;
	struct list_node run_link;    /* run queue or cpu->dead */
	struct list_node proc_link;   /* in proc->threads */
	unsigned slice;               /* ticks left in this time slice */
	uint64_t affinity;            /* CPUs it may run on (bit n: cpus[n]) */
	bool migrating;               /* off this CPU: must be queued where its affinity allows */
	uint64_t user_ns, system_ns;  /* CPU time */
	uint64_t last_account_ns;
	bool in_user;                 /* accounting: charging user or system time */
	/* Signals (kernel/proc/signal.c). */
	uint64_t sig_blocked;
	uint64_t sig_pending;
	struct list_node sig_queue;   /* queued siginfo for sig_pending bits */
	uint64_t sig_saved_mask;      /* restored after rt_sigsuspend/pselect/ppoll */
	bool sig_restore_mask;
	uint64_t altstack_sp, altstack_size;
	int altstack_flags;
	/* Thread bookkeeping for the Linux ABI. */
	uint64_t clear_child_tid;     /* set_tid_address / CLONE_CHILD_CLEARTID */
	uint64_t robust_list, robust_list_len;
	int exit_code;
	uint64_t restart_deadline;    /* restart_syscall: where an interrupted sleep resumes */
	uint64_t restart_rem;
	bool exit_pending;            /* another thread's execve ends this one */
	struct process *vfork_child;  /* while blocked in vfork (proc_tree_lock) */
	void *wait_channel;           /* what it blocks on, for debugging */
	int wake_reason;              /* WAKE_* : why a blocked thread was woken */
	void *scratch;                /* mm/scratch.c: its system calls' path buffers */
	uint8_t scratch_used;
};

#define WAKE_NORMAL 0
#define WAKE_TIMEOUT 1
#define WAKE_SIGNAL 2

/* A kernel thread running fn(arg); it is ready to run when this returns. NULL when out of memory. */
struct thread *thread_create_kernel(const char *name, void (*fn)(void *), void *arg);
/* A thread object with a kernel stack but no start context (for user threads). */
struct thread *thread_alloc(const char *name);
/* Frees a dead thread's memory. */
void thread_free(struct thread *t);
/* Ends the calling thread. */
__attribute__((noreturn)) void thread_exit(void);

#endif
