/*
 * Sleeping locks, for state that must stay locked across a user-memory copy
 * or a block (pipe buffers, the tty). Not for interrupt handlers.
 */
#ifndef SCHED_MUTEX_H
#define SCHED_MUTEX_H

#include <stdbool.h>

#include "sched/wait.h"

struct thread;

struct mutex {
	struct spinlock lock; /* protects owner */
	struct thread *owner;
	struct wait_queue waiters;
};

#define MUTEX_INIT(name) {SPINLOCK_INIT("mutex"), NULL, WAIT_QUEUE_INIT((name).waiters)}

void mutex_init(struct mutex *m);
void mutex_lock(struct mutex *m);
bool mutex_trylock(struct mutex *m);
void mutex_unlock(struct mutex *m);

#endif
