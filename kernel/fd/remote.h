/*
 * Files the I/O server serves, as the kernel sees them. A request goes out on
 * the server's channel (ipc/channel.h) in the protocol of
 * include/tern/fs_proto.h and the calling thread sleeps for the answer.
 *
 * An open server file is a struct file whose priv names the server's handle;
 * the kernel keeps its position. Data moves between the client's buffers and
 * the server's file pages directly: the server answers with the addresses of
 * those pages in its own address space, and the kernel finds the frames
 * behind them (vmspace_get_page on the server's space) and copies, or maps
 * them (mmap, exec).
 *
 * What the server opens may be a node the kernel serves: a device (by its
 * number), a FIFO (a kernel pipe shared by every opener of that node) or a
 * path into /proc (the server redirects; kernel/fd/procfs.c resolves it).
 */
#ifndef FD_REMOTE_H
#define FD_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tern/fs_proto.h"

struct channel;
struct file;
struct kstat;
struct vmspace;

/* The server is up: its channel and address space (a reference is taken). */
void remote_attach(struct channel *ch, struct vmspace *server_vm);
/* False until the server is up (and after it died). */
bool remote_available(void);

/* One request with up to two paths; output data (if any) goes to out. */
struct remote_request {
	uint16_t op;
	uint64_t handle, handle2;
	const char *path, *path2;   /* NUL-terminated, or NULL */
	uint64_t offset, len, arg0, arg1;
	const void *in;             /* more input after the paths */
	size_t in_len;
	void *out;                  /* kernel buffer for the answer's data */
	size_t out_cap;
	size_t out_len;             /* set: bytes placed in out */
	struct tern_fs_response resp; /* set: the whole answer */
	bool interruptible;         /* a signal cancels it (lock waits) */
};

/* Sends the request and waits; returns resp.result (-EIO without a server). */
int64_t remote_call(struct remote_request *r);

/* The server's handle behind an open file, or TERN_FS_NO_HANDLE for other files. */
uint64_t remote_handle(const struct file *f);
bool file_is_remote(const struct file *f);
/* The server file (dev, ino) is now `size` bytes long (truncate, O_TRUNC, a
 * punched hole's end): pages past it leave every mapping of it. */
void remote_file_shrunk(uint64_t dev, uint64_t ino, uint64_t size);
/* A hole was punched in f's file: the whole pages inside it leave every mapping (fresh zeros on the next fault). */
void remote_file_punched(struct file *f, uint64_t offset, uint64_t len);
/* A server file that is a directory (its type as opened). */
bool remote_is_dir(const struct file *f);

/*
 * Opens path relative to the directory handle dir, with open(2) flags and a
 * mode (umask already applied), and makes the struct file for whatever it is.
 * -TERN_EREDIRECT: the path leads into /proc; the rest of it is in redirect.
 */
int remote_open(uint64_t dir, const char *path, uint64_t flags, unsigned mode, struct file **out, char *redirect,
		size_t redirect_cap);

/* Converts the protocol's stat. */
void remote_stat_convert(const struct tern_fs_stat *in, struct kstat *out);

/* The process pid closed a descriptor of f: its POSIX locks on the file go (if it may have any). */
void remote_file_closed(struct file *f, int pid);

/* The absolute path of the node behind a server file (" (deleted)" appended if it was removed),
 * NUL-terminated in buf; its length or -errno (-ENAMETOOLONG if cap is too small). */
int remote_getpath(struct file *f, char *buf, size_t cap);
/* A new open file description for the same node (open of /proc/<pid>/fd/N), with these flags. */
int remote_reopen(struct file *f, unsigned flags, struct file **out);

/* flock(2) on a server file (op: LOCK_SH/EX/UN, maybe | LOCK_NB). */
long remote_flock(struct file *f, unsigned op);
/* fcntl F_GETLK / F_SETLK / F_SETLKW on a server file; uflock is the caller's struct flock. */
long remote_fcntl_lock(struct file *f, int cmd, uint64_t uflock);

/* Reads len bytes at offset into a kernel buffer (exec reads headers this way); bytes read or -errno. */
int64_t remote_read_kernel(struct file *f, void *buf, size_t len, uint64_t offset);

#endif
