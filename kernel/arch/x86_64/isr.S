/*
 * Entry stubs for all 256 interrupt vectors. Each pushes an error code (0 when
 * the CPU pushes none) and its vector, then the common code saves the general
 * registers as struct trap_frame (asm/trap.h) and calls trap_dispatch().
 */

#include "asm/trap_offsets.h"

	.section .text
	.balign 16
trap_common:
	cld
	/* From user mode: switch to the kernel's GS base (struct cpu). NMI, #DF and
	 * #MC can also hit in the few instructions around a swapgs; they only log
	 * and panic, never use this_cpu(). */
	testb $3, 24(%rsp)		/* cs, above vector and error code */
	jz 1f
	swapgs
1:	/* SMAP: user mode (or a user-copy window) may have left RFLAGS.AC set. */
	testb $1, smap_enabled(%rip)
	jz 2f
	clac
2:	pushq %rax
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
	pushq FRAME_RIP(%rsp)
	pushq FRAME_RBP+8(%rsp)
	movq %rsp, %rbp
	call trap_dispatch
	addq $16, %rsp
	/* fall through */

/*
 * The one way back from the kernel to interrupted code, with rsp at a struct
 * trap_frame. Returning to user mode first runs exit_to_user() (signals,
 * rescheduling), then leaves by sysret when the frame allows it, else iretq.
 */
	.globl trap_return
trap_return:
	testb $3, FRAME_CS(%rsp)
	jz restore_and_iret
	cli
	movq %rsp, %rdi
	call exit_to_user
	/* sysret needs rcx = rip and r11 = rflags (SDM vol. 2B, SYSRET); anything a
	 * signal handler or execve changed goes out through iretq instead. */
	cmpq $SYSCALL_VECTOR, FRAME_VECTOR(%rsp)
	jne swap_and_iret
	movq FRAME_RCX(%rsp), %rcx
	cmpq FRAME_RIP(%rsp), %rcx
	jne swap_and_iret
	movq FRAME_R11(%rsp), %r11
	cmpq FRAME_RFLAGS(%rsp), %r11
	jne swap_and_iret
	/* A non-canonical rip would fault in kernel mode after sysret (CVE-2012-0217). */
	movq %rcx, %rax
	sarq $47, %rax
	jnz swap_and_iret
	testq $RFLAGS_SYSRET_UNSAFE, %r11
	jnz swap_and_iret
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	addq $8, %rsp			/* r11 = rflags already */
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	addq $8, %rsp			/* rcx = rip already */
	popq %rbx
	popq %rax
	movq FRAME_RSP - FRAME_VECTOR(%rsp), %rsp	/* user stack */
	swapgs
	sysretq

swap_and_iret:
	swapgs
restore_and_iret:
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
