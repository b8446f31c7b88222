#include "sched/mutex.h"

#include "core/panic.h"
#include "sched/sched.h"
#include "sched/thread.h"

void mutex_init(struct mutex *m)
{
	spin_init(&m->lock, "mutex");
	m->owner = NULL;
	wait_queue_init(&m->waiters);
}

bool mutex_trylock(struct mutex *m)
{
	bool got = false;
	uint64_t flags = spin_lock_irqsave(&m->lock);

	if (m->owner == NULL) {
		m->owner = current_thread();
		got = true;
	}
	spin_unlock_irqrestore(&m->lock, flags);
	return got;
}

void mutex_lock(struct mutex *m)
{
	struct waiter w;

	if (mutex_trylock(m))
		return;
	KASSERT(m->owner != current_thread());
	waiter_add(&m->waiters, &w);
	for (;;) {
		sched_prepare_block();
		if (mutex_trylock(m))
			break;
		schedule();
	}
	sched_cancel_block();
	waiter_remove(&w);
}

/*
 * The wake-up happens under m->lock: the moment another thread can take the
 * mutex it may also free it (a last reference dropped under the mutex), so
 * releasing m->lock must be the last touch of *m.
 */
void mutex_unlock(struct mutex *m)
{
	uint64_t flags = spin_lock_irqsave(&m->lock);
	KASSERT(m->owner == current_thread());
	m->owner = NULL;
	wake_up_n(&m->waiters, 1);
	spin_unlock_irqrestore(&m->lock, flags);
}
