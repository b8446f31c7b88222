/*
 * Entry stubs for all 256 interrupt vectors. Each pushes an error code (0 when
 * the CPU pushes none) and its vector, then the common code saves the general
 * registers as struct trap_frame (asm/trap.h) and calls trap_dispatch().
 */

	.section .text
	.balign 16
trap_common:
	cld
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
	/* A frame record (rip, rbp) so backtraces run through the interrupted code. */
	movq %rsp, %rdi
	pushq 17*8(%rsp)		/* frame->rip */
	pushq 9*8(%rsp)			/* frame->rbp, one slot further now */
	movq %rsp, %rbp
	call trap_dispatch
	addq $16, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector and error code */
	iretq

	.altmacro
	/* The CPU pushes an error code for vectors 8, 10-14, 17, 21, 29, 30
	 * (SDM vol. 3A, table 6-1); the others get a 0 pushed in its place. */
	.macro TRAP_STUB v
	.balign 16
trap_stub_\v:
	.if !(\v == 8 || (\v >= 10 && \v <= 14) || \v == 17 || \v == 21 || \v == 29 || \v == 30)
	pushq $0
	.endif
	pushq $\v
	jmp trap_common
	.endm

	.set vec, 0
	.rept 256
	TRAP_STUB %vec
	.set vec, vec + 1
	.endr

	.macro STUB_ADDR v
	.quad trap_stub_\v
	.endm

	.section .rodata
	.balign 8
	.globl trap_stub_table
trap_stub_table:
	.set vec, 0
	.rept 256
	STUB_ADDR %vec
	.set vec, vec + 1
	.endr
