#include "core/clock.h"

#include "core/arch.h"

/* Written once by clock_init() before other CPUs run; read-only afterwards. */
static uint64_t base_cycles;
static uint64_t frequency;
static uint64_t mult; /* ns = cycles * mult >> SHIFT */
static uint64_t last_ns;
static uint64_t inverse; /* cycles = ns * inverse >> INVERSE_SHIFT */
#define INVERSE_SHIFT 28
#define SHIFT 32

void clock_init(uint64_t freq_hz, uint64_t base)
{
	mult = (NSEC_PER_SEC << SHIFT) / freq_hz; /* 10^9 * 2^32 < 2^64 */
	base_cycles = base;
	inverse = (freq_hz << INVERSE_SHIFT) / NSEC_PER_SEC; /* freq < 2^36 Hz */
	frequency = freq_hz;
}

bool clock_ready(void)
{
	return frequency != 0;
}

uint64_t clock_frequency(void)
{
	return frequency;
}

uint64_t clock_ns_to_cycles(uint64_t ns)
{
	return base_cycles + (uint64_t)(((unsigned __int128)ns * inverse) >> INVERSE_SHIFT);
}

uint64_t clock_cycles_to_ns(uint64_t cycles)
{
	return (uint64_t)(((unsigned __int128)cycles * mult) >> SHIFT);
}

uint64_t clock_monotonic_ns(void)
{
	if (frequency == 0)
		return 0;
	uint64_t now = clock_cycles_to_ns(arch_cycles() - base_cycles);
	/* Guard against a counter that steps back a little (unsynchronized CPUs). */
	uint64_t prev = __atomic_load_n(&last_ns, __ATOMIC_RELAXED);
	while (now > prev) {
		if (__atomic_compare_exchange_n(&last_ns, &prev, now, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return now;
	}
	return prev > now ? prev : now;
}
