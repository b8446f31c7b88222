/*
 * The RAM file system: nodes (inodes), directories and their entries, file
 * data in pool pages. One `struct ramfs` is one file system instance (one
 * mount's super block: its own inode numbers, its own device number at the
 * VFS). It knows nothing of paths, mounts, handles or permissions; the VFS
 * (vfs.c, walk.c, names.c, files.c) drives it and sets the times.
 *
 * Lifetimes. A node lives while it has links (nlink) or references (refs:
 * open handles, removed entries still naming something inside it, lock
 * waiters). An entry lives while it is linked into its directory or has
 * references (handles opened through it, for GETPATH; a directory keeps the
 * entry that names it). A removed entry that is still referenced holds a
 * reference on its directory, so ".." and GETPATH of what was opened through
 * it keep working, as on Linux.
 *
 * Directory listings. Every entry gets a cookie, unique in its directory for
 * the directory's lifetime and increasing in insertion order; a listing walks
 * cookies upwards, so entries removed or added meanwhile never make it see an
 * entry twice under one cookie or loop (a re-added entry has a new cookie).
 *
 * Single-threaded: the caller serializes all calls.
 */
#ifndef FS_RAMFS_H
#define FS_RAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"
#include "pagemap.h"
#include "tern/fs_proto.h"

struct mount;
struct lock_state;
struct ramfs_node;

/* Linux tmpfs reports a directory's size as 20 bytes an entry plus 40 (BOGO_DIRENT_SIZE). */
#define RAMFS_DIRENT_BOGO_SIZE 20u
/* The first cookie of a real entry: 0 and 1 are "." and "..". */
#define RAMFS_FIRST_COOKIE 2u

struct ramfs_dirent {
	char *name;
	uint32_t name_len;
	uint32_t refs;            /* handles opened through it; the directory it names */
	struct ramfs_node *dir;   /* the directory it is (or, removed, was) in */
	struct ramfs_node *node;  /* what it names; NULL once removed */
	struct ramfs_dirent *hash_next;
	uint64_t hash;
	uint64_t cookie;
	uint32_t slot; /* its index in dir's cookie array while linked */
	bool linked;
	struct list_node orphan; /* in fs->orphans while removed (or detached) and referenced */
};

struct ramfs_dir_slot {
	uint64_t cookie;
	struct ramfs_dirent *entry; /* NULL: removed (a tombstone until compaction) */
};

struct ramfs_dir {
	struct ramfs_dirent **buckets;
	uint32_t bucket_mask;         /* buckets - 1 (a power of two), or 0 with no buckets */
	struct ramfs_dir_slot *slots; /* by increasing cookie */
	uint32_t slots_used, slots_cap;
	uint32_t count;               /* linked entries */
	uint64_t next_cookie;
	struct ramfs_dirent *self;    /* the entry naming this directory; NULL for a root */
};

struct ramfs_symlink {
	char *target;
	uint32_t len;
};

struct ramfs_node {
	struct ramfs *fs;
	uint64_t ino;
	uint64_t rdev;
	uint64_t size; /* regular files */
	uint32_t mode, uid, gid, nlink;
	struct tern_fs_time atime, mtime, ctime;
	uint32_t refs;
	uint32_t writers, executors; /* VFS: handles open for writing / execution (ETXTBSY) */
	bool linkable;                /* VFS: an O_TMPFILE file that LINK may still name */
	struct mount *covered;        /* VFS: the mount whose root hides this directory */
	struct lock_state *locks;     /* locks.c: record and flock locks, NULL when none */
	struct list_node all;         /* in fs->nodes */
	union {
		struct ramfs_dir dir;     /* S_IFDIR */
		struct page_map pages;    /* S_IFREG */
		struct ramfs_symlink link; /* S_IFLNK */
	};
};

struct ramfs {
	struct page_pool *pool;
	struct ramfs_node *root;
	uint64_t next_ino;
	uint64_t nodes;         /* live nodes */
	struct list_node nodes_list;
	struct list_node orphans; /* removed entries still referenced: ramfs_destroy frees them */
	uint64_t hash_seed;
	/* Called when a node is freed with locks still attached (locks.c frees them). */
	void (*release_locks)(struct ramfs_node *node);
};

/* A new instance whose root directory has mode S_IFDIR | perm; NULL when out of memory. */
struct ramfs *ramfs_create(struct page_pool *pool, uint32_t perm, uint32_t uid, uint32_t gid,
			   const struct tern_fs_time *now);
/* Frees every node, entry and page, whatever still refers to them. */
void ramfs_destroy(struct ramfs *fs);

/* A new node with no links and no references (the caller links it or drops it
 * with ramfs_node_put after a get); a symlink gets its target here. NULL when
 * out of memory. */
struct ramfs_node *ramfs_node_new(struct ramfs *fs, uint32_t mode, uint32_t uid, uint32_t gid, uint64_t rdev,
				  const char *target, size_t target_len, const struct tern_fs_time *now);
void ramfs_node_get(struct ramfs_node *node);
/* Drops a reference; frees the node when it has neither links nor references. */
void ramfs_node_put(struct ramfs_node *node);
/* Frees a node made by ramfs_node_new that was never linked or referenced. */
void ramfs_node_discard(struct ramfs_node *node);

static inline bool ramfs_is_dir(const struct ramfs_node *node)
{
	return (node->mode & 0170000u) == 0040000u;
}

/* The entry `name` in dir, or NULL. */
struct ramfs_dirent *ramfs_lookup(const struct ramfs_node *dir, const char *name, size_t len);

/* Links node into dir as `name` (not present). Link counts: node +1 (a
 * directory also counts its "."), dir +1 for a directory's "..". The new
 * entry goes to *entry unless entry is NULL. 0 or -ENOMEM (nothing changed). */
int ramfs_link(struct ramfs_node *dir, const char *name, size_t len, struct ramfs_node *node,
	       struct ramfs_dirent **entry);

/* Unlinks an entry: node -1 (a directory goes to 0 and its parent -1). The
 * node is freed here if nothing else holds it. */
void ramfs_unlink(struct ramfs_dirent *entry);

/* Moves an entry into new_dir as `name` (not present there; new_dir may be its
 * directory). Its cookie changes. 0 or -ENOMEM (nothing changed). */
int ramfs_move(struct ramfs_dirent *entry, struct ramfs_node *new_dir, const char *name, size_t len);

/* Swaps two entries' places (directory and name). 0 or -ENOMEM (nothing changed). */
int ramfs_exchange(struct ramfs_dirent *a, struct ramfs_dirent *b);

/* A reference on an entry (kept by handles for GETPATH) and its release. */
void ramfs_dirent_get(struct ramfs_dirent *entry);
void ramfs_dirent_put(struct ramfs_dirent *entry);

/* A removed, referenced entry `name` in dir that names nothing (an O_TMPFILE
 * file's "#ino" name for GETPATH). NULL when out of memory. */
struct ramfs_dirent *ramfs_dirent_detached(struct ramfs_node *dir, const char *name, size_t len);

/* The first linked entry of dir with cookie in [from, end), or NULL. */
struct ramfs_dirent *ramfs_dir_next(const struct ramfs_node *dir, uint64_t from, uint64_t end);

/* The directory containing dir ("..") inside this instance; the root is its own parent. */
struct ramfs_node *ramfs_parent(const struct ramfs_node *dir);

/* Size as stat reports it, and blocks (512-byte units of data pages). */
uint64_t ramfs_stat_size(const struct ramfs_node *node);
uint64_t ramfs_stat_blocks(const struct ramfs_node *node);

#endif
