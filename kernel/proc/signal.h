/*
 * POSIX signals with Linux's numbers, siginfo layout and delivery rules.
 * Each thread has a blocked mask and private pending set; each process a
 * shared pending set. Handlers (struct sighand) may be shared by several
 * processes (CLONE_SIGHAND). Delivery happens on the way back to user mode
 * (signal_deliver()), one handler frame at a time.
 */
#ifndef PROC_SIGNAL_H
#define PROC_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/spinlock.h"
#include "lib/list.h"

#define NSIG 64
#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGSTKFLT 16
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGIO 29
#define SIGPWR 30
#define SIGSYS 31
#define SIGRTMIN 32

#define SIG_BIT(sig) (1ull << ((sig) - 1))
#define SIG_UNBLOCKABLE (SIG_BIT(SIGKILL) | SIG_BIT(SIGSTOP))

/* sigaction flags and special handlers (Linux uapi asm-generic/signal-defs.h, x86 signal.h). */
#define SA_NOCLDSTOP 0x00000001u
#define SA_NOCLDWAIT 0x00000002u
#define SA_SIGINFO 0x00000004u
#define SA_RESTORER 0x04000000u
#define SA_ONSTACK 0x08000000u
#define SA_RESTART 0x10000000u
#define SA_NODEFER 0x40000000u
#define SA_RESETHAND 0x80000000u
#define SIG_DFL 0ull
#define SIG_IGN 1ull

/* si_code values. */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_QUEUE (-1)
#define SI_TIMER (-2)
#define SI_TKILL (-6)
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTDIV 3
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define TRAP_BRKPT 1
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

/* Linux's siginfo_t for x86-64: 128 bytes. */
struct siginfo {
	int32_t signo;
	int32_t errnum;
	int32_t code;
	int32_t pad0;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
			uint64_t value;
		} kill;
		struct {
			int32_t tid;
			int32_t overrun;
			uint64_t value;
		} timer;
		struct {
			int32_t pid;
			uint32_t uid;
			int32_t status;
			int32_t pad;
			int64_t utime, stime;
		} child;
		struct {
			uint64_t addr;
		} fault;
		uint8_t raw[112];
	};
};

/* The kernel's sigaction (Linux struct kernel_sigaction on x86-64). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};

struct sighand {
	int refs;
	struct spinlock lock; /* protects action */
	struct k_sigaction action[NSIG];
};

struct thread;
struct process;
struct trap_frame;

struct sighand *sighand_create(void);
struct sighand *sighand_copy(const struct sighand *src);
void sighand_put(struct sighand *sh);
/* execve: handlers go back to default, ignored signals stay ignored. */
void sighand_reset_for_exec(struct sighand *sh);

/* Sends sig to one thread / to a process (any thread takes it). info may be NULL (SI_KERNEL). */
int signal_send_thread(struct thread *t, int sig, const struct siginfo *info);
int signal_send_process(struct process *p, int sig, const struct siginfo *info);
/* SI_USER info naming the current process as sender (kill, and the kernel's SIGPIPE). */
struct siginfo signal_info_from_current(int sig);
/* The same with proc_tree_lock already held by the caller. */
int signal_send_thread_locked(struct thread *t, int sig, const struct siginfo *info);
int signal_send_process_locked(struct process *p, int sig, const struct siginfo *info);
/* Sends sig to every process of group pgid (not init); -ESRCH if none. Caller holds proc_tree_lock. */
int signal_send_group_locked(int pgid, int sig, const struct siginfo *info);

/* True if the current thread has a signal to act on (or must exit or stop). */
bool signal_pending_current(void);
/* "SIGSEGV" and the like for the common signals; "signal" for the rest. */
const char *signal_name(int sig);
/* Signal state of the current thread from a fault: sends sig with the fault's info. */
void signal_fault(int sig, int code, uint64_t addr);

/* On the way to user mode: acts on pending signals (may not return: exit). */
void signal_deliver(struct trap_frame *frame);
/* Takes a pending signal from mask (blocked or not), for sigtimedwait; 0 if none. */
int signal_take(struct thread *t, uint64_t mask, struct siginfo *info);
/* Frees queued siginfo of a dying thread. */
void signal_thread_cleanup(struct thread *t);
/* Drops pending instances of the signals in mask from p and its threads. */
void signal_flush(struct process *p, uint64_t mask);

/* The default action of a signal. */
enum sig_default { SIG_DEFAULT_TERM, SIG_DEFAULT_CORE, SIG_DEFAULT_IGNORE, SIG_DEFAULT_STOP, SIG_DEFAULT_CONT };
enum sig_default signal_default_action(int sig);
/* Is sig ignored by p right now (SIG_IGN, or SIG_DFL with an ignore default)? */
bool signal_ignored(struct process *p, int sig);

/* Syscall restart codes (never reach user space). */
#define ERESTARTSYS 512
#define ERESTARTNOINTR 513
#define ERESTARTNOHAND 514
#define ERESTART_RESTARTBLOCK 516

#endif
