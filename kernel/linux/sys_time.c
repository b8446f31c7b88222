/* Time system calls: clocks, sleeping and interval timers. */
#include "core/clock.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "linux/time.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "sched/mutex.h"
#include "sched/sched.h"

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_REALTIME_ALARM 8
#define CLOCK_BOOTTIME_ALARM 9
#define CLOCK_TAI 11
#define TIMER_ABSTIME 1
#define ITIMER_REAL 0
#define ITIMER_VIRTUAL 1
#define ITIMER_PROF 2
/* CPU-time clock ids of other processes and threads (Linux posix-cpu-timers.h). */
#define CPUCLOCK_PERTHREAD_MASK 4
#define CPUCLOCK_CLOCK_MASK 3
#define CPUCLOCK_SCHED 2
#define COARSE_RESOLUTION_NS (NSEC_PER_SEC / 100)

/* CPU time of a thread including the current, not yet accounted slice. */
static uint64_t thread_cpu_ns(struct thread *t)
{
	uint64_t ns = t->user_ns + t->system_ns;
	if (t == current_thread())
		ns += clock_monotonic_ns() - t->last_account_ns;
	return ns;
}

static uint64_t process_cpu_ns(struct process *p)
{
	uint64_t u, s;
	proc_cpu_times(p, &u, &s);
	return u + s + (clock_monotonic_ns() - current_thread()->last_account_ns) * (p == current_process());
}

/* Reads clock id; -EINVAL for unknown clocks. */
static int read_clock(int id, uint64_t *ns)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_REALTIME_ALARM:
	case CLOCK_TAI:
		*ns = time_realtime_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_BOOTTIME_ALARM:
		*ns = clock_monotonic_ns();
		return 0;
	case CLOCK_PROCESS_CPUTIME_ID:
		*ns = process_cpu_ns(current_process());
		return 0;
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = thread_cpu_ns(current_thread());
		return 0;
	default:
		break;
	}
	if (id >= 0 || (id & CPUCLOCK_CLOCK_MASK) == 3)
		return -EINVAL;
	/* A CPU clock of another process or thread: pid is ~(id >> 3). */
	int who = ~(id >> 3);
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	int err = 0;
	if (id & CPUCLOCK_PERTHREAD_MASK) {
		struct thread *t = thread_find(who == 0 ? current_thread()->tid : who);
		if (t == NULL || t->proc != current_process())
			err = -EINVAL;
		else
			*ns = thread_cpu_ns(t);
	} else {
		struct process *p = who == 0 ? current_process() : proc_find(who);
		if (p == NULL)
			err = -EINVAL;
		else
			*ns = process_cpu_ns(p);
	}
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return err;
}

SYSCALL(clock_gettime)
{
	uint64_t ns;
	int err = read_clock((int)ARG(0), &ns);

	if (err != 0)
		return err;
	struct linux_timespec ts = ns_to_timespec(ns);
	return copy_to_user(ARG(1), &ts, sizeof(ts));
}

SYSCALL(clock_getres)
{
	uint64_t ns;
	int id = (int)ARG(0);
	int err = read_clock(id, &ns);

	if (err != 0)
		return err;
	if (ARG(1) == 0)
		return 0;
	struct linux_timespec ts = {0, 1};
	if (id == CLOCK_REALTIME_COARSE || id == CLOCK_MONOTONIC_COARSE)
		ts.tv_nsec = (int64_t)COARSE_RESOLUTION_NS;
	return copy_to_user(ARG(1), &ts, sizeof(ts));
}

SYSCALL(clock_settime)
{
	struct linux_timespec ts;

	if ((int)ARG(0) != CLOCK_REALTIME)
		return -EINVAL;
	if (current_process()->euid != 0)
		return -EPERM;
	if (copy_from_user(&ts, ARG(1), sizeof(ts)) != 0)
		return -EFAULT;
	if (!timespec_valid(&ts))
		return -EINVAL;
	time_set_realtime_ns(timespec_to_ns(&ts));
	return 0;
}

SYSCALL(gettimeofday)
{
	if (ARG(0) != 0) {
		uint64_t ns = time_realtime_ns();
		struct linux_timeval tv = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC)};
		if (copy_to_user(ARG(0), &tv, sizeof(tv)) != 0)
			return -EFAULT;
	}
	if (ARG(1) != 0) {
		int32_t tz[2] = {0, 0};
		if (copy_to_user(ARG(1), tz, sizeof(tz)) != 0)
			return -EFAULT;
	}
	return 0;
}

SYSCALL(settimeofday)
{
	struct linux_timeval tv;

	if (current_process()->euid != 0)
		return -EPERM;
	if (ARG(0) == 0)
		return 0;
	if (copy_from_user(&tv, ARG(0), sizeof(tv)) != 0)
		return -EFAULT;
	if (tv.tv_sec < 0 || tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EINVAL;
	time_set_realtime_ns((uint64_t)tv.tv_sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * NSEC_PER_USEC);
	return 0;
}

SYSCALL(time)
{
	int64_t secs = (int64_t)(time_realtime_ns() / NSEC_PER_SEC);

	if (ARG(0) != 0 && put_user(ARG(0), secs) != 0)
		return -EFAULT;
	return secs;
}

/*
 * Sleeps until the monotonic deadline. On a signal: -ERESTART_RESTARTBLOCK
 * (restart_syscall resumes toward the same deadline when no handler runs),
 * after writing the time left to rem when asked.
 */
static long sleep_until(uint64_t deadline, uint64_t rem_addr)
{
	struct thread *t = current_thread();

	for (;;) {
		sched_prepare_block();
		uint64_t now = clock_monotonic_ns();
		if (now >= deadline) {
			sched_cancel_block();
			return 0;
		}
		if (signal_pending_current()) {
			sched_cancel_block();
			if (rem_addr != 0) {
				struct linux_timespec rem = ns_to_timespec(deadline - now);
				if (copy_to_user(rem_addr, &rem, sizeof(rem)) != 0)
					return -EFAULT;
			}
			t->restart_deadline = deadline;
			t->restart_rem = rem_addr;
			return -ERESTART_RESTARTBLOCK;
		}
		schedule_until(deadline);
	}
}

SYSCALL(nanosleep)
{
	struct linux_timespec ts;

	if (copy_from_user(&ts, ARG(0), sizeof(ts)) != 0)
		return -EFAULT;
	if (!timespec_valid(&ts))
		return -EINVAL;
	return sleep_until(clock_monotonic_ns() + timespec_to_ns(&ts), ARG(1));
}

SYSCALL(clock_nanosleep)
{
	int id = (int)ARG(0), flags = (int)ARG(1);
	struct linux_timespec ts;
	uint64_t now;

	if (id == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	int err = read_clock(id, &now);
	if (err != 0)
		return err;
	if (id == CLOCK_PROCESS_CPUTIME_ID || id < 0)
		return -EOPNOTSUPP;
	if (copy_from_user(&ts, ARG(2), sizeof(ts)) != 0)
		return -EFAULT;
	if (!timespec_valid(&ts))
		return -EINVAL;
	uint64_t want = timespec_to_ns(&ts);
	uint64_t mono = clock_monotonic_ns();
	uint64_t deadline;
	if (flags & TIMER_ABSTIME)
		deadline = want > now ? mono + (want - now) : mono;
	else
		deadline = mono + want;
	/* An absolute sleep is simply restarted; only relative ones report the time left. */
	long r = sleep_until(deadline, (flags & TIMER_ABSTIME) ? 0 : ARG(3));
	if (r == -ERESTART_RESTARTBLOCK && (flags & TIMER_ABSTIME))
		return -ERESTARTNOHAND;
	return r;
}

SYSCALL(restart_syscall)
{
	(void)args;
	struct thread *t = current_thread();
	return sleep_until(t->restart_deadline, t->restart_rem);
}

/* ---------------------------------------------------------------- interval timers */

struct linux_itimerval {
	struct linux_timeval interval, value;
};

static struct linux_timeval to_timeval(uint64_t ns)
{
	struct linux_timeval tv = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC)};
	return tv;
}

static uint64_t from_timeval(const struct linux_timeval *tv)
{
	return (uint64_t)tv->tv_sec * NSEC_PER_SEC + (uint64_t)tv->tv_usec * NSEC_PER_USEC;
}

void proc_real_timer_fired(struct timer *tm)
{
	struct process *p = tm->data;

	signal_send_process(p, SIGALRM, NULL);
	if (p->real_interval_ns != 0)
		timer_arm(tm, tm->deadline_ns + p->real_interval_ns);
}

static void get_itimer(struct process *p, int which, struct linux_itimerval *out)
{
	memset(out, 0, sizeof(*out));
	if (which == ITIMER_REAL) {
		out->interval = to_timeval(p->real_interval_ns);
		if (p->real_timer.cpu != NULL) {
			uint64_t now = clock_monotonic_ns(), d = p->real_timer.deadline_ns;
			/* A timer about to fire reports the smallest non-zero value, as on Linux. */
			out->value = to_timeval(d > now ? d - now : NSEC_PER_USEC);
		}
	} else if (which == ITIMER_VIRTUAL) {
		out->interval = to_timeval(p->virt_interval_ns);
		out->value = to_timeval(p->virt_left_ns);
	} else {
		out->interval = to_timeval(p->prof_interval_ns);
		out->value = to_timeval(p->prof_left_ns);
	}
}

/* Serializes changes to real-time itimers: the timer may be re-armed only by its own callback,
 * and timer_cancel (which waits that callback out) must not run twice at once for one timer. */
static struct mutex itimer_mutex = MUTEX_INIT(itimer_mutex);

static long set_itimer(int which, const struct linux_itimerval *v, struct linux_itimerval *old)
{
	struct process *p = current_process();

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	if (v->value.tv_sec < 0 || v->value.tv_usec < 0 || v->value.tv_usec >= 1000000 || v->interval.tv_sec < 0 ||
	    v->interval.tv_usec < 0 || v->interval.tv_usec >= 1000000)
		return -EINVAL;
	get_itimer(p, which, old);
	uint64_t value = from_timeval(&v->value), interval = from_timeval(&v->interval);
	if (which == ITIMER_REAL) {
		mutex_lock(&itimer_mutex);
		timer_cancel(&p->real_timer);
		p->real_interval_ns = interval;
		if (value != 0)
			timer_arm(&p->real_timer, clock_monotonic_ns() + value);
		mutex_unlock(&itimer_mutex);
	} else if (which == ITIMER_VIRTUAL) {
		p->virt_left_ns = value;
		p->virt_interval_ns = interval;
	} else {
		p->prof_left_ns = value;
		p->prof_interval_ns = interval;
	}
	return 0;
}

SYSCALL(getitimer)
{
	struct linux_itimerval v;
	int which = (int)ARG(0);

	if (which < ITIMER_REAL || which > ITIMER_PROF)
		return -EINVAL;
	get_itimer(current_process(), which, &v);
	return copy_to_user(ARG(1), &v, sizeof(v));
}

SYSCALL(setitimer)
{
	struct linux_itimerval v, old;

	memset(&v, 0, sizeof(v));
	if (ARG(1) != 0 && copy_from_user(&v, ARG(1), sizeof(v)) != 0)
		return -EFAULT;
	long r = set_itimer((int)ARG(0), &v, &old);
	if (r == 0 && ARG(2) != 0 && copy_to_user(ARG(2), &old, sizeof(old)) != 0)
		return -EFAULT;
	return r;
}

SYSCALL(alarm)
{
	struct linux_itimerval v, old;

	memset(&v, 0, sizeof(v));
	v.value.tv_sec = (int64_t)(uint32_t)ARG(0);
	set_itimer(ITIMER_REAL, &v, &old);
	/* Seconds left, rounded to the nearest, at least 1 if any time was left (Linux). */
	int64_t secs = old.value.tv_sec + (old.value.tv_usec >= 500000 ? 1 : 0);
	if (secs == 0 && old.value.tv_usec != 0)
		secs = 1;
	return secs;
}
