/*
 * Open files and file descriptor tables. A struct file is one open-file
 * description (offset and status flags shared by dup and fork, as on Linux);
 * its ops say what it is: a pipe end, the console, /dev/null, an initramfs
 * file or directory, an eventfd, an epoll instance.
 *
 * Read and write take user buffer addresses; each implementation copies with
 * copy_to_user/copy_from_user. Blocking implementations honour O_NONBLOCK and
 * return -ERESTARTSYS when a signal interrupts them.
 */
#ifndef FD_FILE_H
#define FD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/spinlock.h"
#include "lib/list.h"
#include "linux/abi.h"

struct file;
struct poll_table;
struct vm_object;

/* What stat reports about an open file, before conversion to struct stat or statx. */
struct kstat {
	uint64_t dev, ino, rdev;
	uint32_t mode, nlink, uid, gid;
	uint64_t size, blocks;
	uint32_t blksize;
	struct linux_timespec atime, mtime, ctime;
};

struct file_ops {
	const char *name;
	/* pos: the offset to use and update (NULL for streams without one). */
	int64_t (*read)(struct file *f, uint64_t buf, size_t len, uint64_t *pos);
	int64_t (*write)(struct file *f, uint64_t buf, size_t len, uint64_t *pos);
	int64_t (*lseek)(struct file *f, int64_t offset, int whence);
	/* Current readiness (POLL* bits); registers a waiter on each queue when pt is given. */
	unsigned (*poll)(struct file *f, struct poll_table *pt);
	long (*ioctl)(struct file *f, unsigned cmd, uint64_t arg);
	int (*stat)(struct file *f, struct kstat *st);
	int64_t (*getdents)(struct file *f, uint64_t buf, size_t len);
	/* A memory object for the file's bytes [offset, offset + len) (object offset 0 is
	 * file offset `offset`), or NULL if it cannot be mapped. */
	struct vm_object *(*mmap_object)(struct file *f, uint64_t offset, uint64_t len, bool shared);
	void (*release)(struct file *f);
};

struct file {
	int refs;
	const struct file_ops *ops;
	unsigned flags;       /* O_ACCMODE, O_APPEND, O_NONBLOCK ... (F_SETFL changes some) */
	struct spinlock lock; /* protects pos and flags */
	uint64_t pos;
	void *priv;
	/* Type-specific state of the open file that is not its position (a FIFO
	 * reader's "no writer seen yet" mark, like Linux's f_pipe); 0 when unused. */
	uint64_t version;
	struct list_node epitems; /* epoll registrations watching this file (fd/epoll.c) */
};

struct file *file_create(const struct file_ops *ops, unsigned flags, void *priv);
void file_get(struct file *f);
/* Takes a reference unless the file is already being released; false then. */
bool file_tryget(struct file *f);
void file_put(struct file *f);
bool file_readable(const struct file *f);
bool file_writable(const struct file *f);

/* Descriptor tables (shared with CLONE_FILES). */
#define FD_DEFAULT_MAX 1024
#define FD_HARD_MAX 4096
#define FD_HARD_MAX_LIMIT (1u << 20) /* Linux nr_open */

struct fd_table {
	int refs;
	struct spinlock lock; /* protects the slots */
	unsigned size;
	struct file **files;
	uint8_t *cloexec;
};

struct fd_table *fd_table_create(void);
struct fd_table *fd_table_copy(struct fd_table *src);
void fd_table_put(struct fd_table *t);
/* Lowest free descriptor >= min (below limit); -EMFILE if none. The table keeps a reference. */
int fd_install(struct fd_table *t, struct file *f, int min, bool cloexec, unsigned limit);
/* Puts f at exactly fd (closing what was there). */
int fd_install_at(struct fd_table *t, struct file *f, int fd, bool cloexec, unsigned limit);
/* The file at fd with a new reference, or NULL. */
struct file *fd_get(struct fd_table *t, int fd);
int fd_close(struct fd_table *t, int fd);
int fd_set_cloexec(struct fd_table *t, int fd, bool on);
int fd_get_cloexec(struct fd_table *t, int fd);
/* execve: closes every close-on-exec descriptor. */
void fd_close_on_exec(struct fd_table *t);

/* The current process's table shortcuts. */
struct file *fget(int fd);

#endif
