/*
 * One-shot kernel timers on a monotonic nanosecond deadline. Each CPU keeps its
 * armed timers sorted and programs its hardware timer (arch_timer_program) for
 * the earliest one; the periodic tick is one such timer. Callbacks run in
 * interrupt context with interrupts off and must not block.
 */
#ifndef SCHED_TIMER_H
#define SCHED_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#include "lib/list.h"

struct cpu;
struct timer;

typedef void (*timer_fn)(struct timer *t);

struct timer {
	uint64_t deadline_ns;
	timer_fn fn;
	void *data;
	struct list_node link;
	struct cpu *cpu; /* whose list it is on; NULL when not armed */
};

void timer_init(struct timer *t, timer_fn fn, void *data);
/* Arms (or re-arms) t on this CPU. */
void timer_arm(struct timer *t, uint64_t deadline_ns);
/* Disarms t and waits out its callback if another CPU is running it; returns true if
 * it had not fired yet. Safe from any CPU; not from inside a lock its callback takes. */
bool timer_cancel(struct timer *t);

/* Starts this CPU's tick and timer list (arch_timer_program must work). */
void timers_start_cpu(void);
/* Tickless idle: an idle CPU stops its periodic tick and restarts it when it wakes. */
void timers_stop_tick(void);
void timers_restart_tick(void);

/* Called by the arch timer interrupt: runs expired timers, programs the next deadline. */
void timers_interrupt(void);

/* Arch: fire the timer interrupt at (or soon after) the deadline. */
void arch_timer_program(uint64_t deadline_ns);

#endif
