#include "core/tick.h"

/* Incremented by the boot CPU's tick only (kernel/sched/timer.c). */
static uint64_t ticks;

void tick_handle(void)
{
	__atomic_store_n(&ticks, ticks + 1, __ATOMIC_RELAXED);
}

uint64_t tick_count(void)
{
	return __atomic_load_n(&ticks, __ATOMIC_RELAXED);
}
