/* execve (proc/exec.c). */
#ifndef PROC_EXEC_H
#define PROC_EXEC_H

#include <stdint.h>

/* Starts a program in the calling (kernel-started) thread, e.g. init; 0 or -errno. */
int exec_kernel(const char *path, const char *const argv[], const char *const envp[]);
/* execve with user argv/envp arrays; path already copied in. 0 or -errno (nothing changed then). */
long sys_execve_common(const char *path, uint64_t uargv, uint64_t uenvp);
const char *exec_error_name(int err);

#endif
