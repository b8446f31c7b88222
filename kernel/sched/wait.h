/*
 * Wait queues: a thread blocks until a condition holds, a signal arrives or a
 * deadline passes. The pattern (no lost wake-ups: the state is set to BLOCKED
 * before the condition is checked, and a wake-up in between just makes
 * schedule() return at once):
 *
 *	struct waiter w;
 *	waiter_add(&q, &w);
 *	for (;;) {
 *		sched_prepare_block();
 *		if (condition)
 *			break;
 *		if (signal_pending_current()) { err = -EINTR; break; }
 *		schedule();
 *	}
 *	sched_cancel_block();
 *	waiter_remove(&w);
 */
#ifndef SCHED_WAIT_H
#define SCHED_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/spinlock.h"
#include "lib/list.h"

struct thread;

struct wait_queue {
	struct spinlock lock; /* protects waiters */
	struct list_node waiters;
};

struct waiter;
/* A waiter with a callback is not woken: the callback runs (in the waker's context, queue lock held). */
typedef void (*waiter_fn)(struct waiter *w);

struct waiter {
	struct thread *thread;
	struct wait_queue *queue;
	struct list_node link;
	waiter_fn func; /* NULL: wake thread */
	void *data;
};

#define WAIT_QUEUE_INIT(name) {SPINLOCK_INIT("waitq"), LIST_HEAD_INIT((name).waiters)}

void wait_queue_init(struct wait_queue *q);
/* Registers the current thread on q. */
void waiter_add(struct wait_queue *q, struct waiter *w);
/* Registers a callback on q instead of a thread. */
void waiter_add_callback(struct wait_queue *q, struct waiter *w, waiter_fn fn, void *data);
void waiter_remove(struct waiter *w);
/* Wakes every waiter. Safe from interrupt handlers. */
void wake_up_all(struct wait_queue *q);
/* Wakes at most n waiters (those actually blocked count); returns how many. */
int wake_up_n(struct wait_queue *q, int n);
bool wait_queue_empty(struct wait_queue *q);

/* Marks the current thread blocked (before it checks its condition). */
void sched_prepare_block(void);
/* Undoes sched_prepare_block() if nobody woke us. */
void sched_cancel_block(void);

/*
 * Sleeps until the deadline (monotonic ns) or a wake-up. Returns the wake
 * reason (WAKE_TIMEOUT when the deadline passed). For use inside the loop
 * above in place of schedule() when there is a deadline.
 */
int schedule_until(uint64_t deadline_ns);

#endif
