#include "sched/wait.h"

#include "sched/sched.h"
#include "sched/thread.h"
#include "sched/timer.h"

void wait_queue_init(struct wait_queue *q)
{
	spin_init(&q->lock, "waitq");
	list_init(&q->waiters);
}

void waiter_add(struct wait_queue *q, struct waiter *w)
{
	w->thread = current_thread();
	w->func = NULL;
	w->data = NULL;
	w->queue = q;
	uint64_t flags = spin_lock_irqsave(&q->lock);
	list_push_back(&q->waiters, &w->link);
	spin_unlock_irqrestore(&q->lock, flags);
}

void waiter_add_callback(struct wait_queue *q, struct waiter *w, waiter_fn fn, void *data)
{
	w->thread = NULL;
	w->func = fn;
	w->data = data;
	w->queue = q;
	uint64_t flags = spin_lock_irqsave(&q->lock);
	list_push_back(&q->waiters, &w->link);
	spin_unlock_irqrestore(&q->lock, flags);
}

/* Wakes one waiter; returns true if a thread became runnable or a callback ran. */
static bool wake_one(struct waiter *w)
{
	if (w->func != NULL) {
		w->func(w);
		return true;
	}
	return sched_wakeup(w->thread, WAKE_NORMAL);
}

void waiter_remove(struct waiter *w)
{
	struct wait_queue *q = w->queue;
	uint64_t flags = spin_lock_irqsave(&q->lock);
	list_remove(&w->link);
	spin_unlock_irqrestore(&q->lock, flags);
}

void wake_up_all(struct wait_queue *q)
{
	uint64_t flags = spin_lock_irqsave(&q->lock);
	for (struct list_node *n = q->waiters.next; n != &q->waiters; n = n->next)
		wake_one(list_entry(n, struct waiter, link));
	spin_unlock_irqrestore(&q->lock, flags);
}

int wake_up_n(struct wait_queue *q, int max)
{
	int woken = 0;
	uint64_t flags = spin_lock_irqsave(&q->lock);
	for (struct list_node *n = q->waiters.next; n != &q->waiters && woken < max; n = n->next) {
		if (wake_one(list_entry(n, struct waiter, link)))
			woken++;
	}
	spin_unlock_irqrestore(&q->lock, flags);
	return woken;
}

bool wait_queue_empty(struct wait_queue *q)
{
	uint64_t flags = spin_lock_irqsave(&q->lock);
	bool empty = list_empty(&q->waiters);
	spin_unlock_irqrestore(&q->lock, flags);
	return empty;
}

void sched_prepare_block(void)
{
	struct thread *t = current_thread();
	uint64_t flags = spin_lock_irqsave(&t->cpu->rq.lock);
	t->state = THREAD_BLOCKED;
	t->wake_reason = WAKE_NORMAL;
	spin_unlock_irqrestore(&t->cpu->rq.lock, flags);
}

void sched_cancel_block(void)
{
	struct thread *t = current_thread();
	uint64_t flags = spin_lock_irqsave(&t->cpu->rq.lock);
	if (t->state == THREAD_BLOCKED)
		t->state = THREAD_RUNNING;
	spin_unlock_irqrestore(&t->cpu->rq.lock, flags);
}

static void wake_sleeper(struct timer *tm)
{
	sched_wakeup(tm->data, WAKE_TIMEOUT);
}

int schedule_until(uint64_t deadline_ns)
{
	struct thread *t = current_thread();
	struct timer tm;

	timer_init(&tm, wake_sleeper, t);
	timer_arm(&tm, deadline_ns);
	schedule();
	timer_cancel(&tm);
	return t->wake_reason;
}
