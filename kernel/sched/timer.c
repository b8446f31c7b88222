#include "sched/timer.h"

#include "core/clock.h"
#include "core/spinlock.h"
#include "core/tick.h"
#include "sched/cpu.h"
#include "sched/sched.h"
#include "proc/process.h"

#define TICK_NS (NSEC_PER_SEC / TICK_HZ)

/* Per-CPU timer lists; timer_lock[i] protects timer_list[i]. */
static struct spinlock timer_lock[MAX_CPUS];
static struct list_node timer_list[MAX_CPUS];
static struct timer tick_timer[MAX_CPUS];
/* The callback each CPU is running now (written only by that CPU; read by timer_cancel). */
static struct timer *running_timer[MAX_CPUS];

void timer_init(struct timer *t, timer_fn fn, void *data)
{
	t->fn = fn;
	t->data = data;
	t->cpu = NULL;
	list_init(&t->link);
}

static void program_next(unsigned id)
{
	if (!list_empty(&timer_list[id]))
		arch_timer_program(list_entry(timer_list[id].next, struct timer, link)->deadline_ns);
}

/* Removes t from its list if armed; caller holds nothing. */
static bool disarm(struct timer *t)
{
	for (;;) {
		struct cpu *c = __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE);
		if (c == NULL)
			return false;
		uint64_t flags = spin_lock_irqsave(&timer_lock[c->id]);
		if (t->cpu == c) {
			list_remove(&t->link);
			t->cpu = NULL;
			spin_unlock_irqrestore(&timer_lock[c->id], flags);
			return true;
		}
		spin_unlock_irqrestore(&timer_lock[c->id], flags);
	}
}

void timer_arm(struct timer *t, uint64_t deadline_ns)
{
	disarm(t);
	struct cpu *c = this_cpu();
	uint64_t flags = spin_lock_irqsave(&timer_lock[c->id]);
	t->deadline_ns = deadline_ns;
	struct list_node *pos = timer_list[c->id].next;
	while (pos != &timer_list[c->id] && list_entry(pos, struct timer, link)->deadline_ns <= deadline_ns)
		pos = pos->next;
	list_insert_between(&t->link, pos->prev, pos);
	t->cpu = c;
	if (timer_list[c->id].next == &t->link)
		arch_timer_program(deadline_ns);
	spin_unlock_irqrestore(&timer_lock[c->id], flags);
}

/*
 * Like Linux's del_timer_sync: once this returns, t is neither armed nor running
 * anywhere else, so its memory may go. A callback that re-arms its own timer is
 * disarmed again. Must not be called with a lock the callback takes.
 */
bool timer_cancel(struct timer *t)
{
	bool was_armed = false;
	unsigned self = this_cpu()->id;

	for (;;) {
		was_armed |= disarm(t);
		bool running = false;
		for (unsigned i = 0; i < cpu_count; i++) {
			if (i == self)
				continue;
			while (__atomic_load_n(&running_timer[i], __ATOMIC_ACQUIRE) == t) {
				running = true;
				arch_spin_wait();
			}
		}
		if (!running || __atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE) == NULL)
			return was_armed;
	}
}

static void tick(struct timer *t)
{
	if (this_cpu()->id == 0)
		tick_handle();
	sched_tick();
	proc_tick(TICK_NS);
	/* Stay on the grid: a late interrupt does not shift later ticks. */
	uint64_t next = t->deadline_ns + TICK_NS;
	uint64_t now = clock_monotonic_ns();
	if (next <= now)
		next = now + TICK_NS;
	timer_arm(t, next);
}

void timers_start_cpu(void)
{
	struct cpu *c = this_cpu();

	spin_init(&timer_lock[c->id], "timers");
	list_init(&timer_list[c->id]);
	timer_init(&tick_timer[c->id], tick, NULL);
	timer_arm(&tick_timer[c->id], clock_monotonic_ns() + TICK_NS);
}

void timers_interrupt(void)
{
	struct cpu *c = this_cpu();
	unsigned id = c->id;

	for (;;) {
		uint64_t now = clock_monotonic_ns();
		uint64_t flags = spin_lock_irqsave(&timer_lock[id]);
		struct timer *t = NULL;
		if (!list_empty(&timer_list[id])) {
			t = list_entry(timer_list[id].next, struct timer, link);
			if (t->deadline_ns > now) {
				t = NULL;
			} else {
				/* running first: whoever sees it unarmed then also sees it running */
				__atomic_store_n(&running_timer[id], t, __ATOMIC_RELEASE);
				list_remove(&t->link);
				__atomic_store_n(&t->cpu, NULL, __ATOMIC_RELEASE);
			}
		}
		if (t == NULL) {
			program_next(id);
			spin_unlock_irqrestore(&timer_lock[id], flags);
			return;
		}
		spin_unlock_irqrestore(&timer_lock[id], flags);
		t->fn(t);
		__atomic_store_n(&running_timer[id], NULL, __ATOMIC_RELEASE);
	}
}

void timers_stop_tick(void)
{
	timer_cancel(&tick_timer[this_cpu()->id]);
}

void timers_restart_tick(void)
{
	struct timer *t = &tick_timer[this_cpu()->id];

	if (__atomic_load_n(&t->cpu, __ATOMIC_ACQUIRE) == NULL)
		timer_arm(t, clock_monotonic_ns() + TICK_NS);
}
