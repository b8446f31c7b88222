/*
 * Kernel context switch. Only the callee-saved registers need saving: the
 * switch is an ordinary function call for the compiler.
 *
 *   void arch_context_switch(uint64_t *save_rsp, uint64_t new_rsp)
 */
	.section .text
	.globl arch_context_switch
arch_context_switch:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, (%rdi)
	movq %rsi, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

/* First code of a new kernel thread: r12 = fn, r13 = arg (see thread_arch.c). */
	.globl kernel_thread_trampoline
kernel_thread_trampoline:
	call sched_finish_switch
	sti
	movq %r13, %rdi
	call *%r12
	call thread_exit
	ud2

/* First code of a new user thread: its user registers are at r12 (struct trap_frame). */
	.globl user_thread_trampoline
user_thread_trampoline:
	call sched_finish_switch
	movq %r12, %rsp
	jmp trap_return

/* void arch_enter_user(struct trap_frame *frame): the first return of a thread to user mode. */
	.globl arch_enter_user
arch_enter_user:
	movq %rdi, %rsp
	jmp trap_return
