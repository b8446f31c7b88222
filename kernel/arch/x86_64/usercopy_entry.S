/*
 * User-memory copies with fault recovery. The exception table lists, for each
 * instruction here that may touch user memory, where to continue if the page
 * fault handler cannot resolve its fault (asm/usercopy.h, trap.c).
 */
	.section .text

/*
 * Eight bytes at a time, then the tail: CPUs without fast `rep movsb` (ERMS), and
 * QEMU's TCG, which runs a string instruction one element per iteration, copy a
 * page several times faster by quadwords.
 */

/* uint64_t arch_copy_user(void *dst, const void *src, uint64_t n) */
	.globl arch_copy_user
arch_copy_user:
	movq %rdx, %rcx
	andl $7, %edx          /* the tail */
	shrq $3, %rcx          /* the quadwords */
	testb $1, smap_enabled(%rip)
	jz 1f
	stac
1:
copy_user_qwords:
	rep movsq
	movl %edx, %ecx
copy_user_insn:
	rep movsb
	xorl %eax, %eax
	jmp user_access_end

/* uint64_t arch_clear_user(void *dst, uint64_t n) */
	.globl arch_clear_user
arch_clear_user:
	movq %rsi, %rcx
	movq %rsi, %rdx
	andl $7, %edx
	shrq $3, %rcx
	xorl %eax, %eax
	testb $1, smap_enabled(%rip)
	jz 1f
	stac
1:
clear_user_qwords:
	rep stosq
	movl %edx, %ecx
clear_user_insn:
	rep stosb
	xorl %eax, %eax
	jmp user_access_end

/* A fault in the quadword part (rcx quadwords and the rdx-byte tail left): go on
 * byte by byte from there, so the count left at a real fault is exact. */
copy_user_fault_qwords:
	leaq (%rdx,%rcx,8), %rcx
	jmp copy_user_insn
clear_user_fault_qwords:
	leaq (%rdx,%rcx,8), %rcx
	jmp clear_user_insn

/* A fault the kernel could not resolve: rcx bytes were left undone. */
copy_user_fault:
	movq %rcx, %rax
user_access_end:
	testb $1, smap_enabled(%rip)
	jz 2f
	clac
2:	ret

	.section .rodata
	.balign 8
	.globl usercopy_extable, usercopy_extable_end
usercopy_extable:
	.quad copy_user_qwords, copy_user_fault_qwords
	.quad copy_user_insn, copy_user_fault
	.quad clear_user_qwords, clear_user_fault_qwords
	.quad clear_user_insn, copy_user_fault
usercopy_extable_end:
