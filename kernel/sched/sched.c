#include "sched/sched.h"

#include "core/arch.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/panic.h"
#include "mm/vmspace.h"
#include "proc/process.h"
#include "sched/cpu.h"
#include "sched/placement.h"
#include "sched/timer.h"

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
	idle->affinity = 1ull << c->id;
}

uint64_t sched_online_mask(void)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < cpu_count && i < 64; i++) {
		if (__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			m |= 1ull << i;
	}
	return m;
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

static bool allowed(const struct thread *t, const struct cpu *c)
{
	return c->online && (t->affinity & (1ull << c->id)) != 0;
}

/* Every CPU's load as placement.c sees it. Unlocked reads: a heuristic, never a correctness condition. */
static void snapshot(struct cpu_load *load)
{
	for (unsigned i = 0; i < cpu_count; i++) {
		const struct cpu *c = &cpus[i];
		unsigned ready = __atomic_load_n(&c->rq.nr_ready, __ATOMIC_RELAXED);
		load[i].online = __atomic_load_n(&c->online, __ATOMIC_RELAXED);
		load[i].nr_ready = ready;
		load[i].idle = __atomic_load_n(&c->current, __ATOMIC_RELAXED) == c->idle && ready == 0;
	}
}

/* Where t should run (placement_choose), preferring prefer; this CPU if t may run nowhere. */
static struct cpu *choose_cpu(const struct thread *t, struct cpu *prefer)
{
	struct cpu_load load[MAX_CPUS];

	snapshot(load);
	int i = placement_choose(load, cpu_count, t->affinity, prefer != NULL ? (int)prefer->id : -1);
	return i >= 0 ? &cpus[i] : this_cpu();
}

/* Queues t on c; caller holds c's run-queue lock. */
static void enqueue(struct cpu *c, struct thread *t)
{
	t->cpu = c;
	t->state = THREAD_READY;
	list_push_back(&c->rq.ready, &t->run_link);
	c->rq.nr_ready++;
}

/* Makes c look at its queue soon: at once if it is idling. */
static void kick(struct cpu *c)
{
	if (c == this_cpu())
		c->need_resched = c->need_resched || c->current == c->idle;
	else if (c->current == c->idle)
		arch_kick_cpu(c->id);
}

/* Puts a runnable thread that is on no queue onto c's. */
static void enqueue_on(struct cpu *c, struct thread *t)
{
	uint64_t flags = spin_lock_irqsave(&c->rq.lock);
	enqueue(c, t);
	spin_unlock_irqrestore(&c->rq.lock, flags);
	kick(c);
}

void sched_start(struct thread *t)
{
	if (t->affinity == 0)
		t->affinity = ~0ull;
	enqueue_on(choose_cpu(t, this_cpu()), t);
}

/* Locks the run queue of the CPU t belongs to (t->cpu may change until we hold it). */
static struct cpu *lock_thread_cpu(struct thread *t, uint64_t *flags)
{
	for (;;) {
		struct cpu *c = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
		*flags = spin_lock_irqsave(&c->rq.lock);
		if (t->cpu == c)
			return c;
		spin_unlock_irqrestore(&c->rq.lock, *flags);
	}
}

bool sched_wakeup(struct thread *t, int reason)
{
	uint64_t flags;
	struct cpu *c = lock_thread_cpu(t, &flags);

	if (t->state != THREAD_BLOCKED) {
		spin_unlock_irqrestore(&c->rq.lock, flags);
		return false;
	}
	t->wake_reason = reason;
	if (c->current == t) {
		/* Still on its way into schedule(): it simply keeps running. */
		t->state = THREAD_RUNNING;
		spin_unlock_irqrestore(&c->rq.lock, flags);
		return true;
	}
	struct cpu *target = choose_cpu(t, c);
	if (target == c) {
		enqueue(c, t);
		spin_unlock_irqrestore(&c->rq.lock, flags);
		kick(c);
		return true;
	}
	/* Off its old CPU: ready but on no queue until the target's lock is ours. */
	t->state = THREAD_READY;
	__atomic_store_n(&t->cpu, target, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&c->rq.lock, flags);
	enqueue_on(target, t);
	return true;
}

void sched_continue(struct thread *t)
{
	uint64_t flags;
	struct cpu *c = lock_thread_cpu(t, &flags);

	if (t->state == THREAD_STOPPED) {
		if (c->current == t) {
			t->state = THREAD_RUNNING;
		} else {
			enqueue(c, t);
			spin_unlock_irqrestore(&c->rq.lock, flags);
			kick(c);
			return;
		}
	}
	spin_unlock_irqrestore(&c->rq.lock, flags);
}

void sched_kick_thread(struct thread *t)
{
	struct cpu *c = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);

	if (c != NULL && c->current == t && c != this_cpu())
		arch_kick_cpu(c->id);
}

void sched_finish_switch(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->prev;
	bool migrate = false;

	if (prev != NULL && prev->state == THREAD_DEAD)
		list_push_back(&c->dead, &prev->run_link);
	if (prev != NULL && prev->state == THREAD_READY && prev->migrating)
		migrate = true;
	c->prev = NULL;
	spin_unlock(&c->rq.lock);
	/* A thread whose affinity no longer includes this CPU goes to one it may use, now that
	 * it is off this CPU's stack (and no lock is held). */
	if (migrate) {
		prev->migrating = false;
		enqueue_on(choose_cpu(prev, NULL), prev);
	}
}

void schedule(void)
{
	struct cpu *c = this_cpu();
	struct thread *prev = c->current;
	uint64_t flags = spin_lock_irqsave(&c->rq.lock);

	c->need_resched = false;
	if (prev != c->idle && (prev->state == THREAD_RUNNING || prev->state == THREAD_READY)) {
		prev->state = THREAD_READY;
		if (allowed(prev, c)) {
			/* Preempted or yielding: back of the queue. */
			list_push_back(&c->rq.ready, &prev->run_link);
			c->rq.nr_ready++;
		} else {
			prev->migrating = true; /* queued elsewhere by the next thread, after the switch */
		}
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
	/* A space stays loaded only on CPUs running its threads: an exiting process can then
	 * free its page tables without asking other CPUs to let go of them. */
	vmspace_activate(next->proc != NULL ? next->proc->vm : NULL);
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
	if (placement_should_preempt(t->slice, c->rq.nr_ready))
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

/* Takes a ready thread this CPU may run from the busiest other queue; true if one came. */
static bool steal(void)
{
	struct cpu *self = this_cpu();
	struct cpu_load load[MAX_CPUS];

	snapshot(load);
	int b = placement_busiest(load, cpu_count, self->id);
	if (b < 0)
		return false;
	struct cpu *busiest = &cpus[b];
	struct thread *t = NULL;
	uint64_t flags = spin_lock_irqsave(&busiest->rq.lock);
	/* From the back: the thread that waited least there has the coldest cache anyway. */
	for (struct list_node *n = busiest->rq.ready.prev; n != &busiest->rq.ready; n = n->prev) {
		struct thread *cand = list_entry(n, struct thread, run_link);
		if (allowed(cand, self)) {
			t = cand;
			list_remove(&t->run_link);
			busiest->rq.nr_ready--;
			__atomic_store_n(&t->cpu, self, __ATOMIC_RELEASE);
			break;
		}
	}
	spin_unlock_irqrestore(&busiest->rq.lock, flags);
	if (t == NULL)
		return false;
	flags = spin_lock_irqsave(&self->rq.lock);
	enqueue(self, t);
	spin_unlock_irqrestore(&self->rq.lock, flags);
	return true;
}

void sched_idle_loop(void)
{
	struct cpu *c = this_cpu();

	for (;;) {
		sched_reap_dead();
		if (c->rq.nr_ready == 0)
			steal();
		irq_disable();
		if (c->need_resched || c->rq.nr_ready > 0) {
			irq_enable();
			schedule();
			continue;
		}
		/* Tickless idle: no periodic interrupt while there is nothing to do. An interrupt
		 * between the check and the halt still wakes us (sti; hlt). */
		timers_stop_tick();
		arch_idle();
		timers_restart_tick();
	}
}

int sched_set_affinity(struct thread *t, uint64_t mask)
{
	mask &= sched_online_mask();
	if (mask == 0)
		return -1;
	uint64_t flags;
	struct cpu *c = lock_thread_cpu(t, &flags);
	t->affinity = mask;
	bool move_now = false;
	if (!allowed(t, c)) {
		if (t->state == THREAD_READY && c->current != t) {
			/* Waiting on a queue it may no longer use: take it off and requeue. */
			list_remove(&t->run_link);
			c->rq.nr_ready--;
			move_now = true;
		} else if (c->current == t) {
			c->need_resched = true; /* schedule() hands it over */
			if (c != this_cpu())
				arch_kick_cpu(c->id);
		}
	}
	spin_unlock_irqrestore(&c->rq.lock, flags);
	if (move_now)
		enqueue_on(choose_cpu(t, NULL), t);
	return 0;
}
