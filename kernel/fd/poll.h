/*
 * Readiness: how poll, select and epoll wait on many files at once. A file's
 * poll op reports its current POLL* bits and, given a poll_table, registers
 * the caller on the wait queue(s) that will be woken when that changes.
 */
#ifndef FD_POLL_H
#define FD_POLL_H

#include <stdbool.h>
#include <stdint.h>

#include "sched/wait.h"

struct file;

/* A registration holds a reference to its file: a close elsewhere must not free the queue under it. */
struct poll_entry {
	struct waiter waiter;
	struct file *file;
};

struct poll_table;
/* How a poll_table registers on a queue (epoll installs callbacks instead of waking a thread). */
typedef void (*poll_queue_fn)(struct poll_table *pt, struct wait_queue *q);

/* One registration set: a list of waiters, grown as files register. */
struct poll_table {
	struct poll_entry *entries;
	unsigned count, capacity;
	bool failed;          /* out of memory: the caller falls back to short sleeps */
	poll_queue_fn queue;  /* NULL: register the current thread */
	void *data;           /* for queue */
	struct file *file;    /* the file being polled (set by the caller for poll_wait's reference) */
};

void poll_table_init(struct poll_table *pt);
/* Called by a file's poll op: registers the current thread on q. */
void poll_wait(struct poll_table *pt, struct wait_queue *q);
/* Removes every registration and drops the file references they held. */
void poll_table_free(struct poll_table *pt);

#endif
