/*
 * What the VFS files share: the service's state, mounts, places in the
 * namespace, the path walker, permission checks and the per-request helpers.
 * Private to sys/io/fs.
 *
 * Layout: vfs.c (set-up, mounts, request decoding and dispatch, stat and
 * times), walk.c (path lookup), perm.c (permissions as root and as others),
 * names.c (operations on names: open, mkdir, rename ...), files.c (operations
 * on open handles: pages, getdents ...), handles.c, locks.c, populate.c;
 * ramfs.c and pagemap.c below them.
 */
#ifndef FS_INTERNAL_H
#define FS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs.h"
#include "fs_abi.h"
#include "handles.h"
#include "locks.h"
#include "pagemap.h"
#include "ramfs.h"

/* Largest file: 1 TiB (-EFBIG beyond), well inside what a page map indexes. */
#define FS_MAX_FILE_SIZE (1ull << 40)
#define FS_MOUNT_MAX 8

struct mount {
	struct mount *parent;          /* NULL for "/" */
	struct ramfs_node *mountpoint; /* the directory it hides in parent (a reference) */
	struct ramfs *rfs;             /* NULL for a redirect */
	uint32_t redirect;             /* TERN_FS_PROCFS for /proc, else 0 */
	uint64_t dev;                  /* st_dev of everything in it */
};

/* A place in the namespace: a node seen through a mount, and the entry it was
 * found by (for GETPATH of what is opened there; NULL for a mount's root).
 * node == NULL: the root of a redirect mount (transient, inside walks). */
struct fs_loc {
	struct mount *mnt;
	struct ramfs_node *node;
	struct ramfs_dirent *entry;
};

struct fs {
	struct fs_env env;
	struct page_pool pool;
	struct mount *mounts[FS_MOUNT_MAX];
	unsigned mount_count;
	struct handle_table handles;
	struct handle root_handle; /* TERN_FS_ROOT_HANDLE */
	struct lock_table locks;

	/* The request being served. */
	uint32_t uid, gid;
	struct tern_fs_time now;
	bool now_valid;
	char path[TERN_PATH_MAX];
	char path2[TERN_PATH_MAX];
	char redirect[TERN_PATH_MAX]; /* the rest of a path that crossed into a redirect */
	size_t redirect_len;
	bool redirect_overflow;
};

/* A request as the operations see it: its fields copied out, paths NUL-terminated. */
struct fs_call {
	struct tern_fs_request req;
	const char *path, *path2;
	size_t path_len, path2_len;
	union {
		struct tern_fs_setattr setattr;
		struct tern_fs_lock lock;
	} in;
	bool have_in;
	void *out;
	size_t out_cap;
	struct tern_fs_response *resp;
};

/* vfs.c */
const struct tern_fs_time *fs_now(struct fs *fs);
struct fs_loc fs_root(struct fs *fs);
void fs_fill_stat(const struct fs_loc *loc, struct tern_fs_stat *st);
#define TOUCH_ATIME 1u
#define TOUCH_MTIME 2u
#define TOUCH_CTIME 4u
void fs_touch(struct fs *fs, struct ramfs_node *node, unsigned what);
/* atime on reading, relatime style: only when it is older than mtime or ctime, or a day old. */
void fs_accessed(struct fs *fs, struct ramfs_node *node);
int fs_mount(struct fs *fs, const char *path, uint32_t perm, uint32_t redirect, struct mount **out);

/* walk.c */
enum walk_last_type { LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT };

struct walk_last {
	struct fs_loc dir;  /* the directory holding the last component */
	const char *name;   /* the last component (not NUL-terminated) */
	size_t len;
	enum walk_last_type type;
	bool slash;         /* slashes follow it */
	const char *rest;   /* what follows it (its slashes) */
	size_t rest_len;
};

struct walker {
	struct fs *fs;
	unsigned links; /* symlinks followed so far in this operation */
};

void walker_init(struct walker *w, struct fs *fs);
/* Where a path starts: the root for an absolute one, else the directory handle
 * (-ENOENT: empty path; -EBADF: not a handle; -ENOTDIR: not a directory). */
int walk_start(struct fs *fs, uint64_t handle, const char *path, struct fs_loc *start);
/* The node a "dir, path" operation names: with an empty path and AT_EMPTY_PATH
 * in at_flags, the handle's own node (any type). */
int walk_at(struct walker *w, uint64_t handle, const char *path, size_t len, uint64_t at_flags, bool follow,
	    struct fs_loc *out);
/* Walks all but the last component of path from *start. */
int walk_parent(struct walker *w, struct fs_loc start, const char *path, size_t len, struct walk_last *last);
/* Walks the whole path; follow: resolve a final symlink (a trailing slash always does). */
int walk_lookup(struct walker *w, struct fs_loc start, const char *path, size_t len, bool follow, struct fs_loc *out);
/* The entry last names in its directory (NULL when absent), after the search
 * check; -ENAMETOOLONG, -ENOENT in a removed directory, -EACCES. */
int walk_find(struct walker *w, const struct walk_last *last, struct ramfs_dirent **entry);
/* Follows symlink `link` found in last->dir: *last becomes the target's last component. */
int walk_follow(struct walker *w, struct ramfs_node *link, struct walk_last *last);
/* The place an entry found by walk_find names, through any mount on it. */
int walk_enter(struct walker *w, const struct walk_last *last, struct ramfs_dirent *entry, struct fs_loc *out);
/* -TERN_EREDIRECT with `name` as the redirected path (for a parent inside a redirect). */
int walk_redirect(struct walker *w, const char *name, size_t len);
/* Is dir `a` the same as or above node b in one file system? */
bool walk_is_ancestor(const struct ramfs_node *a, const struct ramfs_node *b);

/* perm.c: the request's credentials against a node. */
int perm_check(struct fs *fs, const struct ramfs_node *node, unsigned mask); /* R_OK|W_OK|X_OK; -EACCES */
bool perm_is_owner(struct fs *fs, const struct ramfs_node *node);            /* owner, or root */
int perm_may_create(struct fs *fs, const struct ramfs_node *dir);
int perm_may_delete(struct fs *fs, const struct ramfs_node *dir, const struct ramfs_node *victim);
/* Owner, group and set-group-ID of a node made in dir with *mode. */
void perm_init_owner(struct fs *fs, const struct ramfs_node *dir, uint32_t *mode, uint32_t *uid, uint32_t *gid);
/* A write or truncate by someone other than root drops set-user-ID (and set-group-ID with group execute). */
void perm_write_kills_suid(struct fs *fs, struct ramfs_node *node);
bool perm_is_root(struct fs *fs);

/* names.c: makes `name` (absent) in dir with the request's credentials as
 * owner (perm_init_owner), links it and updates dir's times. */
int fs_make_node(struct fs *fs, struct ramfs_node *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		 const char *target, size_t target_len, struct ramfs_dirent **entry);

/* names.c and files.c: the operations. Each returns the response's result. */
int64_t op_open(struct fs *fs, struct fs_call *c);
int64_t op_stat(struct fs *fs, struct fs_call *c);
int64_t op_mkdir(struct fs *fs, struct fs_call *c);
int64_t op_mknod(struct fs *fs, struct fs_call *c);
int64_t op_symlink(struct fs *fs, struct fs_call *c);
int64_t op_link(struct fs *fs, struct fs_call *c);
int64_t op_unlink(struct fs *fs, struct fs_call *c);
int64_t op_rename(struct fs *fs, struct fs_call *c);
int64_t op_readlink(struct fs *fs, struct fs_call *c);
int64_t op_setattr(struct fs *fs, struct fs_call *c);
int64_t op_access(struct fs *fs, struct fs_call *c);
int64_t op_statfs(struct fs *fs, struct fs_call *c);
int64_t op_close(struct fs *fs, struct fs_call *c);
int64_t op_read_pages(struct fs *fs, struct fs_call *c);
int64_t op_write_pages(struct fs *fs, struct fs_call *c);
int64_t op_write_undo(struct fs *fs, struct fs_call *c);
int64_t op_getdents(struct fs *fs, struct fs_call *c);
int64_t op_fsync(struct fs *fs, struct fs_call *c);
int64_t op_fallocate(struct fs *fs, struct fs_call *c);
int64_t op_seek(struct fs *fs, struct fs_call *c);
int64_t op_getpath(struct fs *fs, struct fs_call *c);
int64_t op_copy(struct fs *fs, struct fs_call *c);

/* files.c: file data, shared with names.c (truncate) and populate.c. */
int file_truncate(struct fs *fs, struct ramfs_node *node, uint64_t size);
/* Writes bytes into a regular file at offset (populate). 0 or -errno. */
int file_write_bytes(struct fs *fs, struct ramfs_node *node, uint64_t offset, const void *data, size_t len);

#endif
