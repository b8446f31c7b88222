/*
 * The I/O server's file service: the VFS (mount table, path lookup, open
 * handles, record locks) over RAM file systems, answering the kernel's
 * file-service requests (include/tern/fs_proto.h) with Linux's semantics.
 *
 * The event loop owns the IPC channel: for each request it calls fs_handle
 * with the request, its input bytes and room for output, and publishes the
 * response. Every field of a request is treated as hostile: bad input gives a
 * negative errno, never a crash. fs_handle copies what it reads from `in`
 * (once) before it writes anything to `out`, so the two may be the same slot.
 *
 * A TERN_FS_LOCK with TERN_LOCK_WAIT that cannot be granted at once returns
 * FS_PENDING: its response comes later through env->complete (when the lock
 * is granted, or ends with -EINTR by TERN_FS_CANCEL, or -EBADF when its
 * handle is closed). complete may be called from inside fs_handle, for other
 * slots than the request being handled; it must not call back into fs_*.
 *
 * Single-threaded: one thread makes every call on one `struct fs`.
 */
#ifndef FS_FS_H
#define FS_FS_H

#include <stddef.h>
#include <stdint.h>

#include "tern/fs_proto.h"

struct fs;

struct fs_env {
	void *ctx; /* passed to every callback */
	/* A zeroed, 4 KiB-aligned 4 KiB page, or NULL when out of memory (-ENOSPC). */
	void *(*page_alloc)(void *ctx);
	void (*page_free)(void *ctx, void *page);
	/* CLOCK_REALTIME. */
	void (*now)(void *ctx, struct tern_fs_time *t);
	/* The answer to a request fs_handle left pending (resp->slot names it). */
	void (*complete)(void *ctx, const struct tern_fs_response *resp);
	/* Most pages all file systems together may hold (statfs's total; -ENOSPC
	 * beyond it); 0: as many as page_alloc gives (statfs then reports a
	 * nominal total of FS_NOMINAL_PAGES). */
	uint64_t page_limit;
};

#define FS_NOMINAL_PAGES (1ull << 20)

/* A file service with an empty root directory (mode 0755, owned by root), or
 * NULL when out of memory. The callbacks must all be set. */
struct fs *fs_create(const struct fs_env *env);

/* Frees everything: handles, locks, pending requests (not answered), every
 * node and every page (given back through page_free). */
void fs_destroy(struct fs *fs);

/*
 * Fills the root file system from a cpio newc archive (several archives one
 * after another, with zero padding between them, are read in turn): regular
 * files, directories, symlinks, device nodes, FIFOs and sockets with their
 * modes, owners and mtimes; hard links by inode number; missing parent
 * directories are created (0755). A later entry replaces an earlier one of the
 * same name (a directory merges). Entries go into the root file system itself,
 * under any mount. Bad entries are skipped; each skip adds a line to err (cut
 * to errlen, always terminated when errlen > 0).
 *
 * Returns the number of entries skipped (0: all were imported), -EINVAL when
 * the archive itself is corrupt (entries before the damage stay), -ENOSPC or
 * -ENOMEM when memory ran out.
 */
int fs_populate_cpio(struct fs *fs, const void *archive, size_t size, char *err, size_t errlen);

/*
 * The standard mounts, as a Linux system has them:
 *   /dev  a RAM file system (0755) holding null 1:3, zero 1:5, full 1:7,
 *         random 1:8, urandom 1:9, tty 5:0 (0666), console 5:1 (0600), the
 *         symlinks fd -> /proc/self/fd, stdin|stdout|stderr -> /proc/self/fd/0|1|2,
 *         and the directory shm (01777);
 *   /tmp  a RAM file system (01777);
 *   /proc a redirect: any lookup that crosses into it answers -TERN_EREDIRECT.
 * The mount points are created in the root (0755) if missing. Each mount has
 * its own inode numbers and device number, so rename and link between them
 * fail with EXDEV. 0, or -errno (-EEXIST if a mount point is not a directory,
 * -EBUSY if already mounted, -ENOMEM).
 */
int fs_mount_standard(struct fs *fs);

enum fs_status {
	FS_DONE,    /* *resp is the answer */
	FS_PENDING, /* the answer comes later through env->complete */
};

/* Serves one request. in/in_len: the request's data slot (paths and inputs,
 * req->data_len of them valid); out/out_cap: room for output data. */
enum fs_status fs_handle(struct fs *fs, const struct tern_fs_request *req, const void *in, size_t in_len, void *out,
			 size_t out_cap, struct tern_fs_response *resp);

/* What the service holds now (for statistics and leak checks). */
struct fs_usage {
	uint64_t pages;    /* taken from page_alloc, including page-table nodes */
	uint64_t nodes;    /* live nodes in all file systems */
	uint64_t handles;  /* open handles */
	uint64_t pending;  /* requests waiting for a lock */
};
void fs_usage(const struct fs *fs, struct fs_usage *usage);

#endif
