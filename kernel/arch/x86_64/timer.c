#include "asm/timer.h"

#include <stddef.h>
#include <stdint.h>

#include "asm/lapic.h"
#include "asm/trap.h"
#include "core/clock.h"
#include "core/tick.h"

/* Set once in timer_init(). */
static uint64_t cycles_per_tick;

static void timer_interrupt(struct trap_frame *frame, void *ctx)
{
	(void)frame;
	(void)ctx;
	lapic_timer_arm(cycles_per_tick);
	tick_handle();
}

void timer_init(void)
{
	cycles_per_tick = clock_frequency() / TICK_HZ;
	trap_register(VEC_LAPIC_TIMER, timer_interrupt, NULL);
	lapic_timer_init(VEC_LAPIC_TIMER);
	lapic_timer_arm(cycles_per_tick);
}
