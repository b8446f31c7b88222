/*
 * The periodic tick: the arch timer interrupt calls tick_handle() TICK_HZ times
 * a second on each CPU; time slices and timeouts hang off it in later layers.
 */
#ifndef CORE_TICK_H
#define CORE_TICK_H

#include <stdint.h>

#define TICK_HZ 100

/* Called from the timer interrupt (interrupts off). */
void tick_handle(void);
/* Ticks since the timer started. */
uint64_t tick_count(void);

#endif
