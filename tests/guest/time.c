/*
 * time - clocks and timers: clock_gettime (REALTIME after 2020, MONOTONIC
 * never going back, BOOTTIME >= MONOTONIC, process and thread CPU clocks
 * advancing with work), clock_getres, gettimeofday, time, nanosleep and
 * clock_nanosleep (relative, TIMER_ABSTIME, past deadlines, interruption,
 * errors), setitimer/getitimer ITIMER_REAL (one-shot, periodic, not
 * inherited by fork), alarm's return values and SIGALRM.
 *
 * Only relations are printed: no clock value is deterministic.
 */
#include "check.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MS 1000000LL
#define Y2020 1577836800L /* 2020-01-01T00:00:00Z */

static int64_t ts_ns(struct timespec ts)
{
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;
	clock_gettime(c, &ts);
	return ts_ns(ts);
}

/* Busy work until `clock` advanced ns (or 3 s of wall time passed, so that
 * a clock that never moves fails a check instead of hanging). */
static void burn_cpu(clockid_t clock, int64_t ns)
{
	int64_t end = clock_ns(clock) + ns, give_up = clock_ns(CLOCK_MONOTONIC) + 3000 * MS;
	volatile unsigned long x = 0;
	while (clock_ns(clock) < end && clock_ns(CLOCK_MONOTONIC) < give_up)
		for (int i = 0; i < 10000; i++)
			x += (unsigned long)i;
}

static void *thread_clock(void *arg)
{
	int64_t *delta = arg;
	int64_t t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	burn_cpu(CLOCK_THREAD_CPUTIME_ID, 30 * MS);
	*delta = clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0;
	return NULL;
}

static void test_clocks(void)
{
	section("clock_gettime, clock_getres, gettimeofday, time");
	struct timespec ts;
	CHECK_OK(clock_gettime(CLOCK_REALTIME, &ts), "CLOCK_REALTIME");
	check(ts.tv_sec > Y2020, "after 2020-01-01");
	check(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000, "tv_nsec in [0, 1e9)");

	bool monotonic = true;
	int64_t prev = clock_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < 2000; i++) {
		int64_t now = clock_ns(CLOCK_MONOTONIC);
		monotonic = monotonic && now >= prev;
		prev = now;
	}
	check(monotonic, "CLOCK_MONOTONIC never goes back over 2000 reads");
	int64_t mono = clock_ns(CLOCK_MONOTONIC), boot = clock_ns(CLOCK_BOOTTIME);
	check(boot >= mono, "CLOCK_BOOTTIME >= CLOCK_MONOTONIC");
	check(mono > 0, "CLOCK_MONOTONIC > 0");

	int64_t t0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID), w0 = clock_ns(CLOCK_MONOTONIC);
	burn_cpu(CLOCK_PROCESS_CPUTIME_ID, 30 * MS);
	int64_t used = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - t0, wall = clock_ns(CLOCK_MONOTONIC) - w0;
	check(used >= 30 * MS, "process CPU clock advanced 30 ms during busy work");
	check(used <= wall + 20 * MS, "and not (much) more than the wall time");
	t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	burn_cpu(CLOCK_THREAD_CPUTIME_ID, 20 * MS);
	check(clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0 >= 20 * MS, "thread CPU clock advanced >= 20 ms");
	int64_t before_sleep = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	sleep_ms(50);
	check(clock_ns(CLOCK_THREAD_CPUTIME_ID) - before_sleep < 25 * MS, "a 50 ms sleep uses < 25 ms of CPU");
	pthread_t t;
	int64_t thread_delta = 0;
	int64_t proc0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	pthread_create(&t, NULL, thread_clock, &thread_delta);
	pthread_join(t, NULL);
	check(thread_delta >= 30 * MS, "another thread's own CPU clock advanced >= 30 ms");
	check(clock_ns(CLOCK_PROCESS_CPUTIME_ID) - proc0 >= 30 * MS, "the process clock includes that thread's time");

	CHECK_ERR(clock_gettime((clockid_t)1000, &ts), EINVAL, "clock_gettime(clock 1000)");
	CHECK_ERR(syscall(SYS_clock_gettime, -1000, &ts), EINVAL, "clock_gettime(clock -1000)");

	static const clockid_t clocks[] = {CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME};
	for (size_t i = 0; i < ARRAY_SIZE(clocks); i++) {
		struct timespec res = {42, 42};
		CHECK_OK(clock_getres(clocks[i], &res), "clock_getres(%d)", (int)clocks[i]);
		check(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 1000000, "clock %d: 0 < resolution <= 1 ms",
		      (int)clocks[i]);
	}
	CHECK_OK(syscall(SYS_clock_getres, CLOCK_MONOTONIC, NULL), "clock_getres with a NULL result");
	CHECK_ERR(syscall(SYS_clock_getres, 1000, &ts), EINVAL, "clock_getres(clock 1000)");

	struct timeval tv;
	CHECK_OK(syscall(SYS_gettimeofday, &tv, NULL), "gettimeofday");
	clock_gettime(CLOCK_REALTIME, &ts);
	check(tv.tv_usec >= 0 && tv.tv_usec < 1000000, "tv_usec in [0, 1e6)");
	check(ts.tv_sec - tv.tv_sec <= 1 && ts.tv_sec >= tv.tv_sec, "agrees with CLOCK_REALTIME to a second");
	time_t tt = 0;
	long now = syscall(SYS_time, &tt);
	check(now > Y2020 && now == tt, "time() returns the seconds and stores them");
	check_long(syscall(SYS_time, NULL) >= now, 1, "time(NULL)");
}

/* ---------------------------------------------------------------- sleeping */

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

static void test_sleep(void)
{
	section("nanosleep and clock_nanosleep");
	struct timespec req = {0, 30 * MS}, rem = {9, 9};
	int64_t t0 = now_ns();
	CHECK_OK(nanosleep(&req, &rem), "nanosleep 30 ms");
	check(now_ns() - t0 >= 30 * MS, "slept >= 30 ms");
	struct timespec zero = {0, 0};
	CHECK_OK(nanosleep(&zero, NULL), "nanosleep 0");
	struct timespec bad = {0, 1000000000};
	CHECK_ERR(nanosleep(&bad, NULL), EINVAL, "tv_nsec = 1e9");
	bad.tv_nsec = -1;
	CHECK_ERR(nanosleep(&bad, NULL), EINVAL, "tv_nsec = -1");
	struct timespec neg = {-1, 0};
	CHECK_ERR(nanosleep(&neg, NULL), EINVAL, "tv_sec = -1");

	/* Relative and absolute clock_nanosleep (returns the error number). */
	t0 = now_ns();
	check_long(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0, "clock_nanosleep MONOTONIC 30 ms");
	check(now_ns() - t0 >= 30 * MS, "slept >= 30 ms");
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_nsec += 40 * MS;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	check_long(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL), 0, "TIMER_ABSTIME 40 ms ahead");
	check(clock_ns(CLOCK_MONOTONIC) >= ts_ns(deadline), "woke at or after the deadline");
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 0;
	deadline.tv_nsec += 20 * MS;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	check_long(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &deadline, NULL), 0, "REALTIME TIMER_ABSTIME");
	check(clock_ns(CLOCK_REALTIME) >= ts_ns(deadline), "woke at or after the deadline");
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec -= 1;
	t0 = now_ns();
	check_long(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL), 0, "deadline in the past");
	check(now_ns() - t0 < 500 * MS, "returned at once");
	check_str(errno_name(clock_nanosleep((clockid_t)1000, 0, &req, NULL)), "EINVAL", "unknown clock");
	check_str(errno_name(clock_nanosleep(CLOCK_MONOTONIC, 0, &bad, NULL)), "EINVAL", "bad tv_nsec");
	check_str(errno_name(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, NULL)), "EINVAL",
		  "CLOCK_THREAD_CPUTIME_ID");

	/* Interrupted: EINTR with the time left (relative only). */
	signal(SIGALRM, on_alarm);
	struct itimerval it = {{0, 0}, {0, 30000}};
	setitimer(ITIMER_REAL, &it, NULL);
	struct timespec long_req = {2, 0};
	rem.tv_sec = rem.tv_nsec = 0;
	check_str(errno_name(clock_nanosleep(CLOCK_MONOTONIC, 0, &long_req, &rem)), "EINTR",
		  "clock_nanosleep interrupted by SIGALRM");
	check(rem.tv_sec == 1 || (rem.tv_sec == 2 && rem.tv_nsec == 0), "remaining time between 1 and 2 s");
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 2;
	setitimer(ITIMER_REAL, &it, NULL);
	rem.tv_sec = 77;
	check_str(errno_name(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, &rem)), "EINTR",
		  "TIMER_ABSTIME interrupted");
	check_long(rem.tv_sec, 77, "rem untouched for TIMER_ABSTIME");
	signal(SIGALRM, SIG_DFL);
}

/* ---------------------------------------------------------------- timers */

static void test_itimer(void)
{
	section("setitimer, getitimer, alarm");
	signal(SIGALRM, on_alarm);
	struct itimerval it, old;
	CHECK_OK(getitimer(ITIMER_REAL, &old), "getitimer with none set");
	check(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0, "it_value is 0");

	memset(&it, 0, sizeof(it));
	it.it_value.tv_usec = 50000;
	alarms = 0;
	int64_t t0 = now_ns();
	CHECK_OK(setitimer(ITIMER_REAL, &it, &old), "setitimer 50 ms one-shot");
	getitimer(ITIMER_REAL, &old);
	/* A loaded host may stall the CPU past the 50 ms: then it has fired (and shows 0). */
	check(old.it_value.tv_sec == 0 && old.it_value.tv_usec <= 50000 && (old.it_value.tv_usec > 0 || alarms > 0),
	      "getitimer: 0 < left <= 50 ms");
	while (alarms == 0)
		pause();
	check(now_ns() - t0 >= 50 * MS, "SIGALRM after >= 50 ms");
	getitimer(ITIMER_REAL, &old);
	check(old.it_value.tv_sec == 0 && old.it_value.tv_usec == 0, "one-shot: disarmed after firing");

	/* Periodic. */
	it.it_value.tv_usec = 20000;
	it.it_interval.tv_usec = 20000;
	alarms = 0;
	t0 = now_ns();
	setitimer(ITIMER_REAL, &it, NULL);
	while (alarms < 3)
		pause();
	int64_t took = now_ns() - t0;
	memset(&it, 0, sizeof(it));
	CHECK_OK(setitimer(ITIMER_REAL, &it, &old), "disarm");
	check(old.it_interval.tv_usec == 20000, "the old value had the 20 ms interval");
	check(took >= 60 * MS, "3 periodic signals took >= 60 ms");
	int seen = alarms;
	sleep_ms(50);
	check_long(alarms - seen, 0, "no more signals after disarming");

	/* Not inherited across fork. */
	it.it_value.tv_sec = 5;
	setitimer(ITIMER_REAL, &it, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct itimerval c;
		getitimer(ITIMER_REAL, &c);
		_exit(c.it_value.tv_sec == 0 && c.it_value.tv_usec == 0 ? 0 : 1);
	}
	check_wait(pid, "exited 0", "fork child has no timer");
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);

	it.it_value.tv_usec = 1000000;
	CHECK_ERR(setitimer(ITIMER_REAL, &it, NULL), EINVAL, "tv_usec = 1e6");
	it.it_value.tv_usec = 0;
	CHECK_ERR(setitimer(5, &it, NULL), EINVAL, "unknown timer 5");
	CHECK_ERR(getitimer(5, &old), EINVAL, "getitimer(5)");

	/* alarm() returns the seconds left (rounded up from half a second). */
	check_long(alarm(5), 0, "alarm(5) with none pending");
	check_long(alarm(3), 5, "alarm(3) returns the ~5 s left");
	check_long(alarm(0), 3, "alarm(0) returns the ~3 s left and cancels");
	check_long(alarm(0), 0, "nothing pending now");
	alarms = 0;
	t0 = now_ns();
	alarm(1);
	while (alarms == 0)
		pause();
	check(now_ns() - t0 >= 999 * MS, "alarm(1): SIGALRM after >= 1 s");
	signal(SIGALRM, SIG_DFL);
}

int main(void)
{
	test_clocks();
	test_sleep();
	test_itimer();
	return check_done();
}
