/*
 * The x86-64 part of a thread: user segment bases, the FPU/SSE/AVX save area and
 * the saved user registers. The kernel itself never touches FPU registers
 * (-mgeneral-regs-only), so a thread's user FPU state stays live in the
 * registers until the thread is switched out (eager save/restore).
 */
#ifndef ASM_THREAD_H
#define ASM_THREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct trap_frame;
struct thread;

struct arch_thread {
	uint64_t fs_base;
	uint64_t gs_base;
	void *fpu;                     /* XSAVE/FXSAVE image, 64-byte aligned; NULL for kernel threads */
	void *fpu_allocation;          /* what kmalloc returned for it */
	struct trap_frame *user_frame; /* user registers, at the top of the kernel stack */
	uint64_t syscall_nr;           /* of the system call in progress, for restarts */
};

/* Reads the CPU's FPU state-size needs and makes the initial FPU image (boot CPU, once). */
void fpu_init(void);
/* Size in bytes of an FPU image (XSAVE area or the 512-byte FXSAVE area). */
size_t fpu_state_size(void);
/* Gives t an FPU area holding the initial state; false when out of memory. */
bool fpu_alloc(struct thread *t);
void fpu_free(struct thread *t);
/* Saves the live FPU registers into current's area (before copying it, e.g. fork). */
void fpu_save_current(void);
/* Loads current's area into the registers (after changing it, e.g. sigreturn). */
void fpu_restore_current(void);
/* Copies the FPU image of src to dst (same sizes). */
void fpu_copy(struct thread *dst, const struct thread *src);
/* Resets t's image to the initial state (execve). */
void fpu_reset(struct thread *t);

/* Loads the current thread's user FS and GS bases into the CPU (after changing them). */
void arch_set_user_bases(struct thread *t);

/* Prepares t's kernel stack so the first switch to it calls fn(arg). */
void arch_thread_prepare_kernel(struct thread *t, void (*fn)(void *), void *arg);
/* Prepares t's kernel stack so the first switch to it returns to user mode with t's user_frame. */
void arch_thread_prepare_user(struct thread *t);
/* Switches from prev (the current thread) to next; returns when prev runs again. */
void arch_switch_to(struct thread *prev, struct thread *next);

#endif
