/*
 * The kernel's /proc: a read-only file system generated from the kernel's own
 * state (processes, memory, CPUs), in Linux's formats. The I/O server mounts
 * nothing there: a path that enters /proc comes back from it as a redirect
 * (-TERN_EREDIRECT, the rest of the path relative to /proc) and is resolved
 * here. A path that leaves /proc again ("..", or a symlink such as exe or cwd
 * pointing elsewhere) is handed back the same way: -TERN_EREDIRECT with an
 * absolute path for the I/O server in server_path.
 *
 * Paths are relative to dir, a directory opened here, or to the /proc root
 * when dir is NULL. Linux's rules: ENOENT, ENOTDIR, ELOOP; anything that would
 * change /proc gets EACCES (existing names) or ENOENT (new names), as on Linux.
 */
#ifndef FD_PROCFS_H
#define FD_PROCFS_H

#include <stdbool.h>
#include <stddef.h>

struct file;
struct kstat;

bool file_is_procfs(const struct file *f);

/* open(2) on a /proc path; flags as for open (O_PATH, O_DIRECTORY, O_NOFOLLOW ...). */
int procfs_open(struct file *dir, const char *path, unsigned flags, struct file **out, char *server_path,
		size_t server_path_cap);
/* stat(2)/lstat(2) (follow: follow a final symlink). */
int procfs_stat(struct file *dir, const char *path, bool follow, struct kstat *st, char *server_path,
		size_t server_path_cap);
/* readlink(2): the target's length (not NUL-terminated in buf, truncated to cap). */
int procfs_readlink(struct file *dir, const char *path, char *buf, size_t cap, char *server_path,
		    size_t server_path_cap);
/* The absolute path of a /proc directory opened here (getcwd inside /proc). */
int procfs_getpath(struct file *dir, char *buf, size_t cap);

#endif
