#include "linux/time.h"

#include "core/clock.h"
#include "core/log.h"

/* realtime = monotonic + offset; written at boot and by settimeofday. */
static int64_t realtime_offset_ns;

void time_init(void)
{
	uint64_t secs = arch_rtc_read_seconds();

	realtime_offset_ns = (int64_t)(secs * NSEC_PER_SEC) - (int64_t)clock_monotonic_ns();
	pr_info("time: real-time clock reads %llu s since 1970\n", (unsigned long long)secs);
}

uint64_t time_realtime_ns(void)
{
	return (uint64_t)((int64_t)clock_monotonic_ns() + __atomic_load_n(&realtime_offset_ns, __ATOMIC_RELAXED));
}

void time_set_realtime_ns(uint64_t ns)
{
	__atomic_store_n(&realtime_offset_ns, (int64_t)ns - (int64_t)clock_monotonic_ns(), __ATOMIC_RELAXED);
}
