/*
 * User-memory copies with fault recovery. The exception table lists, for each
 * instruction here that may touch user memory, where to continue if the page
 * fault handler cannot resolve its fault (asm/usercopy.h, trap.c).
 */
	.section .text

/* uint64_t arch_copy_user(void *dst, const void *src, uint64_t n) */
	.globl arch_copy_user
arch_copy_user:
	movq %rdx, %rcx
	testb $1, smap_enabled(%rip)
	jz 1f
	stac
1:
copy_user_insn:
	rep movsb
	xorl %eax, %eax
	jmp user_access_end

/* uint64_t arch_clear_user(void *dst, uint64_t n) */
	.globl arch_clear_user
arch_clear_user:
	movq %rsi, %rcx
	xorl %eax, %eax
	testb $1, smap_enabled(%rip)
	jz 1f
	stac
1:
clear_user_insn:
	rep stosb
	xorl %eax, %eax
	jmp user_access_end

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
	.quad copy_user_insn, copy_user_fault
	.quad clear_user_insn, copy_user_fault
usercopy_extable_end:
