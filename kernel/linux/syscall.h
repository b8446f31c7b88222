/*
 * The Linux system-call layer: one table from syscall number to handler
 * (linux/syscall_table.c). Each handler receives the six argument registers
 * and the caller's register frame and returns the value for rax (-errno on
 * failure). Unknown numbers return -ENOSYS, logged once per process and number.
 */
#ifndef LINUX_SYSCALL_H
#define LINUX_SYSCALL_H

#include <stdint.h>

struct trap_frame;

struct syscall_args {
	uint64_t a[6];
	struct trap_frame *frame;
};

typedef long (*syscall_fn)(const struct syscall_args *args);

/* How completely a call follows Linux (for docs/syscalls.md). */
enum syscall_status { SYS_FULL, SYS_PARTIAL };

struct syscall_entry {
	syscall_fn fn;
	const char *name;
	enum syscall_status status;
	const char *note; /* what is missing, for partial ones */
};

#define SYSCALL_TABLE_SIZE 460
extern const struct syscall_entry syscall_table[SYSCALL_TABLE_SIZE];

#define SYSCALL(name) long sys_##name(const struct syscall_args *args)
#define ARG(i) (args->a[i])

/* Every handler's prototype, so a definition with another signature fails to compile. */
#define X(nr, name, status, note) SYSCALL(name);
#include "linux/syscall_list.h"
#undef X

/* Called from the syscall entry code. */
void syscall_dispatch(struct trap_frame *frame);

#endif
