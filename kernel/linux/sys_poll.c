/* poll, select and epoll system calls. */
#include "core/clock.h"
#include "fd/epoll.h"
#include "fd/file.h"
#include "fd/poll.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "linux/time.h"
#include "mm/heap.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "sched/sched.h"

#define POLL_MAX_FDS (1u << 20)
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET POLLPRI
#define SIGSET_SIZE 8

struct pollfd_abi {
	int32_t fd;
	int16_t events;
	int16_t revents;
};

/* Polls every entry once; registers waiters when pt is given. Returns how many have events. */
static int poll_once(struct pollfd_abi *fds, uint64_t n, struct poll_table *pt)
{
	int count = 0;

	for (uint64_t i = 0; i < n; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		struct file *f = fget(fds[i].fd);
		if (f == NULL) {
			fds[i].revents = POLLNVAL;
			count++;
			continue;
		}
		if (pt != NULL)
			pt->file = f;
		unsigned mask = f->ops->poll != NULL ? f->ops->poll(f, pt) : (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM);
		if (pt != NULL)
			pt->file = NULL;
		file_put(f);
		mask &= (unsigned)(uint16_t)fds[i].events | POLLERR | POLLHUP | POLLNVAL;
		fds[i].revents = (int16_t)mask;
		if (mask != 0)
			count++;
	}
	return count;
}

/* The poll loop shared by poll, ppoll, select and pselect. deadline 0: no wait; UINT64_MAX: forever. */
static long poll_wait_loop(struct pollfd_abi *fds, uint64_t n, uint64_t deadline)
{
	struct poll_table pt;
	long result;
	bool first = true;

	poll_table_init(&pt);
	for (;;) {
		sched_prepare_block();
		int count = poll_once(fds, n, first && deadline != 0 ? &pt : NULL);
		first = false;
		if (count > 0 || deadline == 0) {
			result = count;
			break;
		}
		if (signal_pending_current()) {
			result = -ERESTARTNOHAND;
			break;
		}
		if (deadline != UINT64_MAX && clock_monotonic_ns() >= deadline) {
			result = 0;
			break;
		}
		if (pt.failed) /* could not register everywhere: look again soon */
			schedule_until(clock_monotonic_ns() + 10 * NSEC_PER_MSEC);
		else if (deadline == UINT64_MAX)
			schedule();
		else
			schedule_until(deadline);
	}
	sched_cancel_block();
	poll_table_free(&pt);
	return result;
}

/* Applies a temporary signal mask (ppoll, pselect, epoll_pwait); restored by restore_mask or on delivery. */
static int set_temporary_mask(uint64_t umask, uint64_t size)
{
	uint64_t mask;

	if (umask == 0)
		return 0;
	if (size != SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)) != 0)
		return -EFAULT;
	struct thread *t = current_thread();
	t->sig_saved_mask = t->sig_blocked;
	t->sig_restore_mask = true;
	t->sig_blocked = mask & ~SIG_UNBLOCKABLE;
	return 0;
}

/* Without an interrupting signal, the old mask comes back right away. */
static void restore_mask(long result)
{
	struct thread *t = current_thread();

	if (t->sig_restore_mask && result != -ERESTARTNOHAND && result != -EINTR) {
		t->sig_blocked = t->sig_saved_mask;
		t->sig_restore_mask = false;
	}
}

static long do_poll(uint64_t ufds, uint64_t n, uint64_t deadline)
{
	if (n > POLL_MAX_FDS || n > current_process()->rlimits[RLIMIT_NOFILE].cur)
		return -EINVAL;
	struct pollfd_abi *fds = kmalloc(n * sizeof(*fds) + 1);
	if (fds == NULL)
		return -ENOMEM;
	long r = -EFAULT;
	if (copy_from_user(fds, ufds, n * sizeof(*fds)) == 0) {
		r = poll_wait_loop(fds, n, deadline);
		if (r >= 0) {
			/* Only revents go back (Linux copies each revents field). */
			for (uint64_t i = 0; i < n; i++) {
				if (put_user(ufds + i * sizeof(*fds) + 6, fds[i].revents) != 0) {
					r = -EFAULT;
					break;
				}
			}
		}
	}
	kfree(fds);
	return r;
}

static uint64_t deadline_after(uint64_t ns)
{
	return ns == 0 ? 0 : clock_monotonic_ns() + ns;
}

SYSCALL(poll)
{
	int timeout = (int)ARG(2);
	uint64_t deadline = timeout < 0 ? UINT64_MAX : deadline_after((uint64_t)timeout * NSEC_PER_MSEC);
	return do_poll(ARG(0), ARG(1), deadline);
}

static int read_timeout_ts(uint64_t uts, uint64_t *deadline)
{
	struct linux_timespec ts;

	if (uts == 0) {
		*deadline = UINT64_MAX;
		return 0;
	}
	if (copy_from_user(&ts, uts, sizeof(ts)) != 0)
		return -EFAULT;
	if (!timespec_valid(&ts))
		return -EINVAL;
	*deadline = deadline_after(timespec_to_ns(&ts));
	return 0;
}

SYSCALL(ppoll)
{
	uint64_t deadline;
	int err = read_timeout_ts(ARG(2), &deadline);

	if (err == 0)
		err = set_temporary_mask(ARG(3), ARG(4));
	if (err != 0)
		return err;
	long r = do_poll(ARG(0), ARG(1), deadline);
	restore_mask(r);
	return r;
}

/* select: bitmaps in, bitmaps out; built on the poll loop. */
static long do_select(int nfds, uint64_t uin, uint64_t uout, uint64_t uex, uint64_t deadline)
{
	if (nfds < 0 || (uint64_t)nfds > current_process()->rlimits[RLIMIT_NOFILE].cur)
		return -EINVAL;
	size_t words = ((size_t)nfds + 63) / 64;
	size_t bytes = words * 8;
	uint64_t *sets = kzalloc(3 * bytes + 8);
	struct pollfd_abi *fds = kmalloc((size_t)nfds * sizeof(*fds) + 1);
	long r = -ENOMEM;

	if (sets == NULL || fds == NULL)
		goto out;
	uint64_t *in = sets, *outs = sets + words, *ex = sets + 2 * words;
	r = -EFAULT;
	if ((uin && copy_from_user(in, uin, bytes)) || (uout && copy_from_user(outs, uout, bytes)) ||
	    (uex && copy_from_user(ex, uex, bytes)))
		goto out;
	uint64_t n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		uint64_t bit = 1ull << (fd % 64);
		int16_t ev = 0;
		if (in[fd / 64] & bit)
			ev |= POLLIN_SET;
		if (outs[fd / 64] & bit)
			ev |= POLLOUT_SET;
		if (ex[fd / 64] & bit)
			ev |= POLLEX_SET;
		if (ev == 0)
			continue;
		struct file *f = fget(fd);
		if (f == NULL) {
			r = -EBADF;
			goto out;
		}
		file_put(f);
		fds[n].fd = fd;
		fds[n].events = ev;
		n++;
	}
	r = poll_wait_loop(fds, n, deadline);
	if (r < 0)
		goto out;
	memset(sets, 0, 3 * bytes);
	long count = 0;
	for (uint64_t i = 0; i < n; i++) {
		int fd = fds[i].fd;
		uint64_t bit = 1ull << (fd % 64);
		unsigned re = (uint16_t)fds[i].revents;
		if ((fds[i].events & POLLIN) && (re & POLLIN_SET))
			in[fd / 64] |= bit, count++;
		if ((fds[i].events & POLLOUT) && (re & POLLOUT_SET))
			outs[fd / 64] |= bit, count++;
		if ((fds[i].events & POLLPRI) && (re & POLLEX_SET))
			ex[fd / 64] |= bit, count++;
	}
	r = count;
	if ((uin && copy_to_user(uin, in, bytes)) || (uout && copy_to_user(uout, outs, bytes)) ||
	    (uex && copy_to_user(uex, ex, bytes)))
		r = -EFAULT;
out:
	kfree(sets);
	kfree(fds);
	return r;
}

SYSCALL(select)
{
	uint64_t deadline = UINT64_MAX;
	struct linux_timeval tv;

	if (ARG(4) != 0) {
		if (copy_from_user(&tv, ARG(4), sizeof(tv)) != 0)
			return -EFAULT;
		if (tv.tv_sec < 0 || tv.tv_usec < 0)
			return -EINVAL;
		/* Linux rounds tv_usec >= 10^6 into seconds rather than failing. */
		uint64_t ns = (uint64_t)tv.tv_sec * NSEC_PER_SEC + (uint64_t)tv.tv_usec * NSEC_PER_USEC;
		deadline = deadline_after(ns);
	}
	long r = do_select((int)ARG(0), ARG(1), ARG(2), ARG(3), deadline);
	if (ARG(4) != 0 && r >= 0) {
		/* Linux writes back the time left. */
		uint64_t now = clock_monotonic_ns();
		uint64_t left = deadline != 0 && deadline > now ? deadline - now : 0;
		struct linux_timeval rem = {(int64_t)(left / NSEC_PER_SEC), (int64_t)(left % NSEC_PER_SEC / NSEC_PER_USEC)};
		copy_to_user(ARG(4), &rem, sizeof(rem));
	}
	return r;
}

SYSCALL(pselect6)
{
	uint64_t deadline;
	int err = read_timeout_ts(ARG(4), &deadline);

	if (err != 0)
		return err;
	if (ARG(5) != 0) {
		uint64_t sig[2];
		if (copy_from_user(sig, ARG(5), sizeof(sig)) != 0)
			return -EFAULT;
		err = set_temporary_mask(sig[0], sig[1]);
		if (err != 0)
			return err;
	}
	long r = do_select((int)ARG(0), ARG(1), ARG(2), ARG(3), deadline);
	restore_mask(r);
	if (ARG(4) != 0 && r >= 0) {
		uint64_t now = clock_monotonic_ns();
		struct linux_timespec rem = ns_to_timespec(deadline != 0 && deadline > now ? deadline - now : 0);
		copy_to_user(ARG(4), &rem, sizeof(rem));
	}
	return r;
}

/* ---------------------------------------------------------------- epoll */

static long epoll_new(int flags)
{
	struct file *f;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	int err = epoll_create_file(&f);
	if (err != 0)
		return err;
	uint64_t limit = current_process()->rlimits[RLIMIT_NOFILE].cur;
	int fd = fd_install(current_process()->fds, f, 0, (flags & O_CLOEXEC) != 0,
			    limit > FD_HARD_MAX_LIMIT ? FD_HARD_MAX_LIMIT : (unsigned)limit);
	file_put(f);
	return fd;
}

SYSCALL(epoll_create)
{
	if ((int)ARG(0) <= 0)
		return -EINVAL;
	return epoll_new(0);
}

SYSCALL(epoll_create1)
{
	return epoll_new((int)ARG(0));
}

SYSCALL(epoll_ctl)
{
	int op = (int)ARG(1), fd = (int)ARG(2);
	struct epoll_event_abi ev = {0, 0};

	if (op != EPOLL_CTL_DEL && copy_from_user(&ev, ARG(3), sizeof(ev)) != 0)
		return -EFAULT;
	struct file *epf = fget((int)ARG(0));
	if (epf == NULL)
		return -EBADF;
	struct file *target = fget(fd);
	long r;
	if (target == NULL)
		r = -EBADF;
	else if (!file_is_epoll(epf))
		r = -EINVAL;
	else
		r = epoll_ctl_op(epf, op, fd, target, &ev);
	file_put(target);
	file_put(epf);
	return r;
}

static long do_epoll_wait(int epfd, uint64_t uevents, int max, int64_t timeout_ms)
{
	if (max <= 0 || (uint64_t)max > 0x7fffffff / sizeof(struct epoll_event_abi))
		return -EINVAL;
	if (!user_range_ok(uevents, (uint64_t)max * sizeof(struct epoll_event_abi)))
		return -EFAULT;
	struct file *epf = fget(epfd);
	if (epf == NULL)
		return -EBADF;
	if (!file_is_epoll(epf)) {
		file_put(epf);
		return -EINVAL;
	}
	int n = max < EPOLL_COLLECT_MAX ? max : EPOLL_COLLECT_MAX;
	struct epoll_event_abi *events = kmalloc((size_t)n * sizeof(*events));
	if (events == NULL) {
		file_put(epf);
		return -ENOMEM;
	}
	uint64_t deadline = timeout_ms > 0 ? clock_monotonic_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC : 0;
	long r = epoll_wait_events(epf, events, n, deadline, timeout_ms < 0);
	if (r > 0 && copy_to_user(uevents, events, (size_t)r * sizeof(*events)) != 0)
		r = -EFAULT;
	kfree(events);
	file_put(epf);
	return r;
}

SYSCALL(epoll_wait)
{
	return do_epoll_wait((int)ARG(0), ARG(1), (int)ARG(2), (int)ARG(3));
}

SYSCALL(epoll_pwait)
{
	int err = set_temporary_mask(ARG(4), ARG(5));
	if (err != 0)
		return err;
	long r = do_epoll_wait((int)ARG(0), ARG(1), (int)ARG(2), (int)ARG(3));
	restore_mask(r);
	return r;
}

SYSCALL(epoll_pwait2)
{
	int64_t timeout_ms = -1;
	if (ARG(3) != 0) {
		struct linux_timespec ts;
		if (copy_from_user(&ts, ARG(3), sizeof(ts)) != 0)
			return -EFAULT;
		if (!timespec_valid(&ts))
			return -EINVAL;
		timeout_ms = (int64_t)((timespec_to_ns(&ts) + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
	}
	int err = set_temporary_mask(ARG(4), ARG(5));
	if (err != 0)
		return err;
	long r = do_epoll_wait((int)ARG(0), ARG(1), (int)ARG(2), timeout_ms);
	restore_mask(r);
	return r;
}
