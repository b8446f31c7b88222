/*
 * The initial user stack of a new program (System V x86-64 psABI, 3.4.1):
 *
 *   rsp -> argc, argv[0..argc-1], NULL, envp[...], NULL, auxv pairs, AT_NULL,
 *          then the 16 AT_RANDOM bytes and all strings above them.
 *
 * Pure: builds into a kernel buffer that stands for the top of the stack, so
 * it is host-tested. The caller copies the result into the new address space.
 */
#ifndef PROC_EXEC_STACK_H
#define PROC_EXEC_STACK_H

#include <stddef.h>
#include <stdint.h>

/* Auxiliary vector types (Linux include/uapi/linux/auxvec.h). */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_MINSIGSTKSZ 51

#define EXEC_AUXV_MAX 32

struct exec_stack_args {
	const char *const *argv;
	size_t argc;
	const char *const *envp;
	size_t envc;
	const char *execfn;
	const char *platform;
	uint8_t random[16];
	uint64_t auxv[EXEC_AUXV_MAX][2]; /* without AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL */
	size_t nauxv;
};

/* Where things went: the initial stack pointer and the argument and environment strings. */
struct exec_stack_layout {
	uint64_t sp;                 /* 16-byte aligned */
	uint64_t arg_start, arg_end; /* argv strings, NULs included (Linux mm->arg_start/arg_end) */
	uint64_t env_start, env_end;
};

/*
 * Lays the stack out in buf, whose last byte is at user address stack_top - 1.
 * Returns 0 and fills *out; -E2BIG if it does not fit in buf_size bytes.
 */
int exec_stack_build(uint8_t *buf, size_t buf_size, uint64_t stack_top, const struct exec_stack_args *args,
		     struct exec_stack_layout *out);

/* Bytes exec_stack_build needs for these arguments (an upper bound). */
size_t exec_stack_size(const struct exec_stack_args *args);

#endif
