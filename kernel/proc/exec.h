/* execve (proc/exec.c). */
#ifndef PROC_EXEC_H
#define PROC_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Starts a program in the calling (kernel-started) thread, e.g. init; 0 or -errno. from_archive:
 * from the boot initramfs archive instead of the I/O server (the server itself). */
int exec_kernel(const char *path, const char *const argv[], const char *const envp[], bool from_archive);
/* execve with user argv/envp arrays; path already copied in. 0 or -errno (nothing changed then). */
long sys_execve_common(const char *path, uint64_t uargv, uint64_t uenvp);
const char *exec_error_name(int err);

struct file;
/* Opens a kernel path (relative to the cwd) as open(2) would, through the I/O server and /proc (linux/sys_file.c). */
long path_open_kernel(const char *path, uint64_t flags, struct file **out);
/* execveat's file as an absolute path (or one relative to the cwd) in out: dirfd + the user's path,
 * or dirfd's own file with AT_EMPTY_PATH and ""; AT_SYMLINK_NOFOLLOW refuses a final symlink (ELOOP). */
long exec_path_at(int dirfd, uint64_t upath, unsigned flags, char *out, size_t cap);

#endif
