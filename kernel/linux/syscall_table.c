#include "lib/errno.h"
#include "linux/syscall.h"

/* Aliases and calls whose behaviour is a one-liner. */
SYSCALL(fdatasync)
{
	return sys_fsync(args);
}

SYSCALL(mlock2)
{
	return sys_mlock(args);
}

const struct syscall_entry syscall_table[SYSCALL_TABLE_SIZE] = {
#define X(nr, name, status, note) [nr] = {sys_##name, #name, SYS_##status, note},
#include "linux/syscall_list.h"
#undef X
};
