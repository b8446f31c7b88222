/*
 * Signal frames on the user stack, laid out exactly as Linux x86-64 does
 * (struct rt_sigframe: return address, ucontext, siginfo, then the FPU state),
 * so libc's handlers, sa_restorer and rt_sigreturn work unchanged.
 */
#ifndef ASM_SIGFRAME_H
#define ASM_SIGFRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "proc/signal.h"

struct trap_frame;
struct thread;

#define SYSCALL_RESTART_NUMBER 219 /* restart_syscall */
#define SYSCALL_INSN_SIZE 2        /* the syscall instruction, for restarting */

/* Linux stack_t. */
struct user_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};
#define SS_ONSTACK 1
#define SS_DISABLE 2
#define SS_AUTODISARM (1u << 31)
#define MINSIGSTKSZ 2048

/* Pushes a handler frame and points the registers at the handler; false if the stack is unusable. */
bool sigframe_setup(struct trap_frame *f, int sig, const struct siginfo *info, const struct k_sigaction *a,
		    uint64_t old_mask);
/* rt_sigreturn: restores registers, FPU state, mask and alternate stack; returns the restored rax, or -EFAULT... */
long sigframe_return(struct trap_frame *f);
/* The number of the system call the thread is in. */
uint64_t arch_thread_syscall_nr(struct thread *t);
/* The least stack a signal frame needs (AT_MINSIGSTKSZ). */
uint64_t sigframe_min_stack(void);
/* True if sp is on the current thread's alternate signal stack. */
bool on_alt_stack(uint64_t sp);

#endif
