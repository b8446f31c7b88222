/*
 * Advisory locks, Linux's two independent kinds:
 *  - POSIX record locks (fcntl F_GETLK/F_SETLK/F_SETLKW): byte ranges owned
 *    by a process (the request's pid) on a node; a process's own locks never
 *    conflict with each other: setting one splits, trims and merges what it
 *    holds. They go with TERN_FS_UNLOCK_PROCESS (the process closed a
 *    descriptor of the node), or with the node.
 *  - flock locks: whole-file, shared or exclusive, owned by a handle (an open
 *    file description); converting one drops the old lock first, as Linux does
 *    (a failed non-blocking upgrade loses it). They go when the handle closes.
 * A lock that cannot be granted at once with TERN_LOCK_WAIT waits: the request
 * stays pending until the lock is granted (answered 0 through env->complete),
 * cancelled (-EINTR), its handle closed (-EBADF), or a POSIX wait would close a
 * cycle of processes waiting on each other (-EDEADLK, at once).
 */
#ifndef FS_LOCKS_H
#define FS_LOCKS_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/list.h"
#include "tern/fs_proto.h"

struct fs;
struct handle;
struct ramfs_node;

/* Waits followed when looking for a deadlock (Linux: MAX_DEADLK_ITERATIONS). */
#define LOCKS_DEADLOCK_DEPTH 10
/* The end of a lock "to the end of the file": Linux's OFFSET_MAX. */
#define LOCK_OFFSET_MAX ((uint64_t)INT64_MAX)

struct lock_table {
	struct list_node waiters; /* pending waits, oldest first */
	uint64_t count;
};

void locks_init(struct lock_table *table);
/* Forgets every waiter without answering (fs_destroy). */
void locks_destroy(struct fs *fs);

/* TERN_FS_LOCK on handle h: cmd is the request's arg0, *lk its lock (GET
 * writes its answer there). Returns 0 or -errno; *pending when the request
 * waits (then the caller answers nothing now). */
int locks_request(struct fs *fs, struct handle *h, uint32_t slot, int32_t pid, uint64_t cmd, struct tern_fs_lock *lk,
		  bool *pending);

/* TERN_FS_UNLOCK_PROCESS: pid's POSIX locks on node go. */
void locks_unlock_process(struct fs *fs, struct ramfs_node *node, int32_t pid);

/* TERN_FS_CANCEL: the wait in `slot` ends with -EINTR. 0, or -ENOENT if none. */
int locks_cancel(struct fs *fs, uint32_t slot);

/* A handle closes: its flock lock goes, its waits end with -EBADF. */
void locks_handle_closed(struct fs *fs, struct handle *h);

/* A node is freed: its locks go (no waiter can refer to it: waiters hold it). */
void locks_release_node(struct ramfs_node *node);

#endif
