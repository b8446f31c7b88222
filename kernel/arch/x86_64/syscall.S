/*
 * SYSCALL entry (SDM vol. 2B, SYSCALL): rcx = user rip, r11 = user rflags,
 * interrupts off (FMASK), still on the user stack with the user GS base. We
 * switch to the thread's kernel stack, build a struct trap_frame exactly like an
 * interrupt's (vector SYSCALL_VECTOR), and leave through trap_return.
 */
#include "asm/gdt.h"
#include "asm/trap_offsets.h"

	.section .text
	.globl syscall_entry
	.balign 16
syscall_entry:
	swapgs
	movq %rsp, %gs:8		/* cpu->user_rsp_scratch */
	movq %gs:16, %rsp		/* cpu->kernel_stack_top */
	pushq $(SEL_USER_DATA | 3)	/* ss */
	pushq %gs:8			/* rsp */
	pushq %r11			/* rflags */
	pushq $(SEL_USER_CODE | 3)	/* cs */
	pushq %rcx			/* rip */
	pushq $0			/* error code */
	pushq $SYSCALL_VECTOR
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	pushq FRAME_RIP(%rsp)		/* frame record for backtraces */
	pushq FRAME_RBP+8(%rsp)
	movq %rsp, %rbp
	sti
	call syscall_dispatch
	addq $16, %rsp
	jmp trap_return
