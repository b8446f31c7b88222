/* Dispatch of the native Tern calls (include/tern/syscall.h). */
#ifndef IPC_NATIVE_H
#define IPC_NATIVE_H

#include <stdbool.h>
#include <stdint.h>

struct syscall_args;

/* Runs native call nr if it is one (true, result in *ret); false for any other number. */
bool native_syscall(uint64_t nr, const struct syscall_args *args, long *ret);

#endif
