/*
 * The monotonic nanosecond clock, driven by a free-running cycle counter (the
 * TSC on x86) whose frequency the arch code measured at boot.
 */
#ifndef CORE_CLOCK_H
#define CORE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define NSEC_PER_SEC 1000000000ull
#define NSEC_PER_MSEC 1000000ull
#define NSEC_PER_USEC 1000ull

/* Starts the clock; time 0 is when the counter read base_cycles (the kernel's first instruction). */
void clock_init(uint64_t freq_hz, uint64_t base_cycles);
bool clock_ready(void);
uint64_t clock_frequency(void);
/* Nanoseconds since the kernel started; never goes backwards. */
uint64_t clock_monotonic_ns(void);
/* Converts a monotonic time to the counter value it corresponds to. */
uint64_t clock_ns_to_cycles(uint64_t ns);
/* Converts a cycle count (a difference) to nanoseconds. */
uint64_t clock_cycles_to_ns(uint64_t cycles);

#endif
