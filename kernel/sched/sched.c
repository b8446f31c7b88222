#include "sched/sched.h"

#include "core/arch.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/panic.h"
#include "sched/cpu.h"
#include "mm/vmspace.h"
#include "proc/process.h"

struct cpu cpus[MAX_CPUS];
unsigned cpu_count;

void sched_init_cpu(struct cpu *c, struct thread *idle)
{
	spin_init(&c->rq.lock, "runqueue");
	list_init(&c->rq.ready);
	list_init(&c->dead);
	c->idle = idle;
	c->current = idle;
	idle->cpu = c;
	idle->state = THREAD_RUNNING;
	idle->kernel_only = true;
}

/* Charges the time since the last switch to the thread that ran. */
static void account(struct cpu *c, struct thread *prev, uint64_t now)
{
	uint64_t delta = now - prev->last_account_ns;

	if (prev == c->idle)
		c->idle_ns += delta;
	else if (prev->in_user)
		prev->user_ns += delta;
	else
		prev->system_ns += delta;
}

static struct cpu *least_loaded_cpu(void)
{
	struct cpu *best = this_cpu();

	for (unsigned i = 0; i < cpu_count; i++) {
		struct cpu *c = &cpus[i];
		if (c->online && c->rq.nr_ready < best->rq.nr_ready)
			best = c;
	}
	return best;
}

/* Queues t on c; caller holds c's run-queue lock. */
static void enqueue(struct cpu *c, struct thread *t)
{
	t->cpu = c;
	t->state = THREAD_READY;
	list_push_back(&c->rq.ready, &t->run_link);
	c->rq.nr_ready++;
	if (c->current == c->idle)
		c->need_resched = true;
}

void sched_start(struct thread *t)
{
	struct cpu *c = least_loaded_cpu();
	uint64_t flags = spin_lock_irqsave(&c->rq.lock);

	enqueue(c, t);
	spin_unlock_irqrestore(&c->rq.lock, flags);
	/* Another CPU's idle loop notices need_resched at its next interrupt (IPIs come with SMP). */
}

bool sched_wakeup(struct thread *t, int reason)
{
	/* The thread cannot change CPUs while blocked, so t->cpu is stable here. */
	struct cpu *c = t->cpu;
	bool woken = false;
	uint64_t flags = spin_lock_irqsave(&c->rq.lock);

	if (t->state == THREAD_BLOCKED) {
		t->wake_reason = reason;
		if (c->current == t)
			t->state = THREAD_RUNNING; /* still on its way into schedule() */
		else
			enqueue(c, t);
		woken = true;
	}
	spin_unlock_irqrestore(&c->rq.lock, flags);
	return woken;
}

void sched_continue(struct thread *t)
{
	struct cpu *c = t->cpu;
	uint64_t flags = spin_lock_irqsave(&c->rq.lock);

	if (t->state == THREAD_STOPPED) {
		if (c->current == t)
			t->state = THREAD_RUNNING;
		else
			enqueue(c, t);
	}
	spin_unlock_irqrestore(&c->rq.lock, flags);
}

void sched_finish_switch(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->prev;

	if (prev != NULL && prev->state == THREAD_DEAD)
		list_push_back(&c->dead, &prev->run_link);
	c->prev = NULL;
	spin_unlock(&c->rq.lock);
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current;
	uint64_t flags = spin_lock_irqsave(&c->rq.lock);

	c->need_resched = false;
	if (prev != c->idle && (prev->state == THREAD_RUNNING || prev->state == THREAD_READY)) {
		/* Preempted or yielding: back of the queue. */
		prev->state = THREAD_READY;
		list_push_back(&c->rq.ready, &prev->run_link);
		c->rq.nr_ready++;
	}
	struct thread *next = c->idle;
	if (!list_empty(&c->rq.ready)) {
		next = list_entry(c->rq.ready.next, struct thread, run_link);
		list_remove(&next->run_link);
		c->rq.nr_ready--;
	}
	next->state = THREAD_RUNNING;
	next->slice = SCHED_SLICE_TICKS;
	if (next == prev) {
		spin_unlock_irqrestore(&c->rq.lock, flags);
		return;
	}
	uint64_t now = clock_monotonic_ns();
	account(c, prev, now);
	next->last_account_ns = now;
	next->cpu = c;
	c->current = next;
	c->prev = prev;
	/* Kernel threads run on whatever address space is loaded (its kernel half is the same). */
	if (next->proc != NULL && next->proc->vm != NULL)
		vmspace_activate(next->proc->vm);
	arch_switch_to(prev, next);
	/* Back in prev, perhaps much later; whoever switched to us held the lock. */
	sched_finish_switch();
	irq_restore(flags);
}

void sched_tick(void)
{
	struct cpu *c = this_cpu();
	struct thread *t = c->current;

	if (t == c->idle) {
		if (c->rq.nr_ready > 0)
			c->need_resched = true;
		return;
	}
	if (t->slice > 0)
		t->slice--;
	if (t->slice == 0 && c->rq.nr_ready > 0)
		c->need_resched = true;
}

void sched_reap_dead(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		uint64_t flags = spin_lock_irqsave(&c->rq.lock);
		struct thread *t = NULL;
		if (!list_empty(&c->dead)) {
			t = list_entry(c->dead.next, struct thread, run_link);
			list_remove(&t->run_link);
		}
		spin_unlock_irqrestore(&c->rq.lock, flags);
		if (t == NULL)
			return;
		thread_free(t);
	}
}

void sched_idle_loop(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		sched_reap_dead();
		irq_disable();
		if (c->need_resched || c->rq.nr_ready > 0) {
			irq_enable();
			schedule();
			continue;
		}
		/* sti; hlt: an interrupt between the check and the halt still wakes us. */
		arch_idle();
	}
}
