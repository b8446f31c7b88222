/*
 * Application-processor start-up code (SDM vol. 3A, 9.4 and 10.4). The boot CPU
 * copies this to TRAMPOLINE_BASE (below 1 MiB) and sends INIT-SIPI-SIPI; the AP
 * starts here in 16-bit real mode at CS = TRAMPOLINE_BASE >> 4, IP = 0, goes
 * through 32-bit protected mode into long mode on a small page table the boot
 * CPU prepared (identity-mapping the trampoline, plus the kernel half), and
 * jumps to the entry point with its stack and argument from the data block.
 */
#include "asm/smp.h"

#define TR(label) ((label) - trampoline_start + TRAMPOLINE_BASE)
#define CR0_PE 0x1
#define CR0_PG_WP_PE 0x80010001
#define CR4_PAE 0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define EFER_NXE 0x800

	.section .rodata
	.balign 16
	.globl trampoline_start, trampoline_end
trampoline_start:
	.code16
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl tr_gdt_desc - trampoline_start
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $0x08, $TR(tr_protected)

	.code32
tr_protected:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl TR(tr_cr3), %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	testl $1, TR(tr_nx)
	jz 1f
	orl $EFER_NXE, %eax
1:	wrmsr
	movl %cr0, %eax
	orl $CR0_PG_WP_PE, %eax
	movl %eax, %cr0
	ljmpl $0x18, $TR(tr_long)

	.code64
tr_long:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq TR(tr_stack), %rsp
	movq TR(tr_arg), %rdi
	movq TR(tr_entry), %rax
	xorl %ebp, %ebp
	jmp *%rax

	.balign 16
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff	/* 0x08: 32-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
	.quad 0x00af9a000000ffff	/* 0x18: 64-bit code */
tr_gdt_end:
tr_gdt_desc:
	.word tr_gdt_end - tr_gdt - 1
	.long TR(tr_gdt)

	/* Filled in by the boot CPU before each start (struct trampoline_data). */
	.balign 8
	.globl trampoline_data
trampoline_data:
tr_cr3:	.long 0
tr_nx:	.long 0
tr_stack: .quad 0
tr_entry: .quad 0
tr_arg:	.quad 0
trampoline_end:
