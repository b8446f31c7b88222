/*
 * The open-file table: a handle is the server's side of one open file
 * description (a node, the mount it was opened in, the name it was opened
 * through and its open flags). The kernel names handles by 64-bit ids: a
 * slot index and a generation, so a stale or forged id finds nothing.
 *
 * While open, a handle holds a reference on its node and on its entry, and
 * counts as a writer or executor of the node (ETXTBSY).
 */
#ifndef FS_HANDLES_H
#define FS_HANDLES_H

#include <stdbool.h>
#include <stdint.h>

struct fs;
struct fs_loc;
struct ramfs_node;
struct ramfs_dirent;
struct mount;

/* Most handles open at once (-ENFILE beyond). */
#define HANDLES_MAX (1u << 20)

struct handle {
	uint64_t id;
	struct mount *mnt;
	struct ramfs_node *node;
	struct ramfs_dirent *entry; /* the name it was opened through, or NULL (a mount root) */
	uint64_t flags;             /* the open flags */
	bool readable, writable;
	bool path_only;             /* O_PATH: names the node, no I/O */
	bool exec;                  /* TERN_O_EXEC */
	bool listing;               /* GETDENTS started: list_end is set */
	uint64_t list_end;          /* GETDENTS lists cookies below this (those present when it began) */
};

struct handle_table {
	struct handle **slots; /* NULL: free */
	uint32_t *generations;
	uint32_t cap;
	uint32_t open;
	uint32_t next_free; /* a hint: no free slot below it */
};

void handles_init(struct handle_table *table);

/* Opens a handle on loc with `flags`: takes its references and counts it as
 * writer/executor. The caller has checked permissions and ETXTBSY.
 * NULL with *err = -ENFILE or -ENOMEM. */
struct handle *handle_open(struct fs *fs, const struct fs_loc *loc, struct ramfs_dirent *entry, uint64_t flags,
			   int *err);

/* The handle with this id (TERN_FS_ROOT_HANDLE: the root directory's), or NULL. */
struct handle *handle_find(struct fs *fs, uint64_t id);

/* Closes a handle (not the root's): its flock locks go, its pending lock
 * waits end with -EBADF, its references are dropped. */
void handle_close(struct fs *fs, struct handle *h);

/* Closes every handle (fs_destroy). */
void handles_close_all(struct fs *fs);

#endif
