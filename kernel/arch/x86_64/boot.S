/*
 * PVH entry (xen/include/public/arch-x86/hvm/start_info.h and
 * docs/misc/pvh.pandoc in Xen): the VMM enters at the 32-bit physical address in
 * the XEN_ELFNOTE_PHYS32_ENTRY note, in protected mode with paging off, flat
 * segments, interrupts off, and %ebx holding the physical address of struct
 * hvm_start_info. We record the TSC, build nothing (the boot page tables are
 * static), switch to long mode and jump to the kernel linked at KERNEL_VMA.
 *
 * Boot page tables: the first 4 GiB, in 2 MiB pages, at three places:
 * identity (PML4[0], needed while we jump), the direct map (DIRECT_MAP_BASE) and
 * the kernel image window (KERNEL_VMA maps physical 0..2 GiB). The C code replaces
 * them with W^X tables early (arch/x86_64/paging.c).
 */
#include "asm/layout.h"

#define PHYS(sym) ((sym) - KERNEL_VMA)

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PTE_P 0x1
#define PTE_W 0x2
#define PTE_PS 0x80
#define MSR_EFER 0xc0000080
#define CPUID_EXT_LM (1 << 29)
#define CPUID_EXT_NX (1 << 20)
#define COM1 0x3f8

	.section .note.pvh, "a"
	.balign 4
	.long 4				/* name size: "Xen\0" */
	.long 8				/* descriptor size: a 64-bit address (.quad) */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.quad PHYS(pvh_start)
	.balign 4

	.section .boot.text, "ax"
	.code32
	.globl pvh_start
pvh_start:
	/* Boot time starts here: the very first instruction reads the TSC. */
	rdtsc
	movl %eax, PHYS(boot_tsc)
	movl %edx, PHYS(boot_tsc) + 4
	cli
	cld
	movl %ebx, PHYS(boot_start_info)

	/* Long mode is required; say so on COM1 instead of faulting silently. */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	testl $CPUID_EXT_LM, %edx
	jz no_long_mode
	movl %edx, %edi			/* remember NX support */

	movl $PHYS(boot_pml4), %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl $0x20, %eax			/* CR4.PAE */
	movl %eax, %cr4
	movl $MSR_EFER, %ecx
	rdmsr
	orl $0x100, %eax		/* EFER.LME */
	testl $CPUID_EXT_NX, %edi
	jz 1f
	orl $0x800, %eax		/* EFER.NXE */
1:	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax		/* CR0.PG | CR0.WP | CR0.PE */
	movl %eax, %cr0
	lgdt PHYS(boot_gdt_desc)
	ljmp $0x08, $PHYS(long_mode_low)

no_long_mode:
	movl $PHYS(msg_no_long_mode), %esi
1:	lodsb
	testb %al, %al
	jz 3f
	movb %al, %ah
	movw $COM1 + 5, %dx		/* line status: wait for the transmitter */
2:	inb %dx, %al
	testb $0x20, %al
	jz 2b
	movb %ah, %al
	movw $COM1, %dx
	outb %al, %dx
	jmp 1b
3:	hlt
	jmp 3b

	.code64
long_mode_low:
	movabsq $long_mode_high, %rax
	jmp *%rax

	.section .text
long_mode_high:
	movl $0x10, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	/* Zero .bss: not every VMM clears memory beyond the file image. */
	movabsq $__bss_start, %rdi
	movabsq $__bss_end, %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp			/* terminates backtraces */
	movl boot_start_info, %edi
	call x86_boot_main
4:	cli
	hlt
	jmp 4b

	.section .rodata
msg_no_long_mode:
	.asciz "tern: this CPU has no 64-bit long mode; cannot boot\r\n"

	.section .data
	.balign 8
	.globl boot_tsc
boot_tsc:
	.quad 0
boot_start_info:
	.long 0

	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long PHYS(boot_gdt)

	.balign 4096
	.globl boot_pml4
boot_pml4:
	.quad PHYS(boot_pdpt_low) + (PTE_P | PTE_W)
	.fill 272, 8, 0
	.quad PHYS(boot_pdpt_low) + (PTE_P | PTE_W)	/* 273: DIRECT_MAP_BASE */
	.fill 237, 8, 0
	.quad PHYS(boot_pdpt_high) + (PTE_P | PTE_W)	/* 511: KERNEL_VMA */
boot_pdpt_low:
	.quad PHYS(boot_pd) + (PTE_P | PTE_W)
	.quad PHYS(boot_pd) + 0x1000 + (PTE_P | PTE_W)
	.quad PHYS(boot_pd) + 0x2000 + (PTE_P | PTE_W)
	.quad PHYS(boot_pd) + 0x3000 + (PTE_P | PTE_W)
	.fill 508, 8, 0
boot_pdpt_high:
	.fill 510, 8, 0
	.quad PHYS(boot_pd) + (PTE_P | PTE_W)
	.quad PHYS(boot_pd) + 0x1000 + (PTE_P | PTE_W)
boot_pd:
	.set i, 0
	.rept 2048
	.quad (i << 21) | (PTE_P | PTE_W | PTE_PS)
	.set i, i + 1
	.endr

	.section .bss
	.balign 4096
boot_stack:
	.skip KERNEL_STACK_SIZE
	.globl boot_stack_top
boot_stack_top:
