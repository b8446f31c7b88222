#include "asm/timer.h"

#include <stddef.h>
#include <stdint.h>

#include "asm/lapic.h"
#include "asm/trap.h"
#include "sched/timer.h"

static void timer_interrupt(struct trap_frame *frame, void *ctx)
{
	(void)frame;
	(void)ctx;
	timers_interrupt();
}

void arch_timer_program(uint64_t deadline_ns)
{
	lapic_timer_program(deadline_ns);
}

void arch_timer_start(void)
{
	trap_register(VEC_LAPIC_TIMER, timer_interrupt, NULL);
	lapic_timer_init(VEC_LAPIC_TIMER);
	timers_start_cpu();
}
