/* Wall-clock time and conversions for the time system calls. */
#ifndef LINUX_TIME_H
#define LINUX_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "linux/abi.h"

/* Reads the real-time clock at boot (the arch's RTC). */
void time_init(void);
/* Nanoseconds since 1970 (UTC). */
uint64_t time_realtime_ns(void);
/* Adjusts the wall clock (settimeofday/clock_settime). */
void time_set_realtime_ns(uint64_t ns);

static inline uint64_t timespec_to_ns(const struct linux_timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000ull + (uint64_t)ts->tv_nsec;
}

static inline struct linux_timespec ns_to_timespec(uint64_t ns)
{
	struct linux_timespec ts = {(int64_t)(ns / 1000000000ull), (int64_t)(ns % 1000000000ull)};
	return ts;
}

static inline bool timespec_valid(const struct linux_timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 && ts->tv_nsec < 1000000000;
}

/* Arch: seconds since 1970 from the hardware clock, or 0 if there is none. */
uint64_t arch_rtc_read_seconds(void);

#endif
