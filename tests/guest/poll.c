/*
 * poll - poll, ppoll, select and pselect6 on pipes and eventfds: readiness
 * (POLLIN, POLLOUT, POLLHUP when the writer is gone, POLLERR for a pipe with
 * no reader, POLLNVAL for a closed fd, negative fds ignored), timeouts (0,
 * positive, infinite and woken), the signal mask of ppoll/pselect, select's
 * fd sets and remaining-time update, and argument errors.
 */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* revents as "POLLIN|POLLHUP" ("0" when none). */
static const char *events_str(int ev)
{
	static char buf[128];
	static const struct bit_name names[] = {
		{POLLIN, "POLLIN"},         {POLLPRI, "POLLPRI"},       {POLLOUT, "POLLOUT"},
		{POLLERR, "POLLERR"},       {POLLHUP, "POLLHUP"},       {POLLNVAL, "POLLNVAL"},
		{POLLRDNORM, "POLLRDNORM"}, {POLLRDBAND, "POLLRDBAND"}, {POLLWRNORM, "POLLWRNORM"},
		{POLLWRBAND, "POLLWRBAND"}, {POLLRDHUP, "POLLRDHUP"}};
	return bits_str((unsigned)ev, names, ARRAY_SIZE(names), buf, sizeof(buf));
}

/* poll() one fd for events with timeout; prints "<desc>: ret=N revents=...". */
static void poll_one(int fd, short events, int timeout, long want_ret, const char *want_ev, const char *desc)
{
	struct pollfd p = {.fd = fd, .events = events, .revents = 0x7fff};
	int r = poll(&p, 1, timeout);
	check_long(r, want_ret, "%s: poll returns", desc);
	check_str(events_str(p.revents), want_ev, "%s: revents", desc);
}

static void test_poll_pipe(void)
{
	section("poll on pipes");
	int p[2];
	pipe(p);
	poll_one(p[0], POLLIN, 0, 0, "0", "empty pipe, read end");
	poll_one(p[1], POLLOUT, 0, 1, "POLLOUT", "empty pipe, write end");
	write(p[1], "x", 1);
	poll_one(p[0], POLLIN, 0, 1, "POLLIN", "one byte, read end");
	poll_one(p[0], POLLIN | POLLRDNORM | POLLOUT, 0, 1, "POLLIN|POLLRDNORM", "read end asked for IN|RDNORM|OUT");
	poll_one(p[1], POLLIN, 0, 0, "0", "write end asked for POLLIN");

	struct pollfd two[3] = {{.fd = p[0], .events = POLLIN}, {.fd = -1, .events = POLLIN}, {.fd = p[1], .events = POLLOUT}};
	two[1].revents = 0x55;
	check_long(poll(two, 3, 0), 2, "three entries, one with fd -1: count");
	check_str(events_str(two[1].revents), "0", "the negative fd is ignored and its revents zeroed");

	/* Full pipe: no POLLOUT. */
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	char buf[4096];
	memset(buf, 'z', sizeof(buf));
	while (write(p[1], buf, sizeof(buf)) > 0)
		;
	poll_one(p[1], POLLOUT, 0, 0, "0", "full pipe, write end");
	read(p[0], buf, sizeof(buf));
	poll_one(p[1], POLLOUT, 0, 1, "POLLOUT", "after reading a page");

	/* Writer closed: POLLHUP (with POLLIN while data remains). */
	close(p[1]);
	poll_one(p[0], POLLIN, 0, 1, "POLLIN|POLLHUP", "writer closed, data left");
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	poll_one(p[0], POLLIN, 0, 1, "POLLHUP", "writer closed, drained");
	poll_one(p[0], 0, 0, 1, "POLLHUP", "POLLHUP is reported even when not asked for");
	close(p[0]);

	/* Reader closed: POLLERR on the write end. */
	pipe(p);
	close(p[0]);
	poll_one(p[1], POLLOUT, 0, 1, "POLLOUT|POLLERR", "reader closed, write end");
	close(p[1]);

	/* A closed fd: POLLNVAL. */
	poll_one(42, POLLIN, 0, 1, "POLLNVAL", "closed fd 42");
}

static void test_poll_time(void)
{
	section("poll timeouts");
	int p[2];
	pipe(p);
	int64_t t0 = now_ns();
	poll_one(p[0], POLLIN, 50, 0, "0", "50 ms on an empty pipe");
	check(now_ns() - t0 >= 50 * 1000000LL, "waited >= 50 ms");

	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(50);
		write(p[1], "w", 1);
		_exit(0);
	}
	t0 = now_ns();
	poll_one(p[0], POLLIN, -1, 1, "POLLIN", "infinite timeout, child writes after 50 ms");
	check(now_ns() - t0 >= 40 * 1000000LL, "it blocked until then");
	check_wait(pid, "exited 0", "child");
	char c;
	read(p[0], &c, 1);

	t0 = now_ns();
	check_long(poll(NULL, 0, 30), 0, "poll with no fds sleeps 30 ms");
	check(now_ns() - t0 >= 30 * 1000000LL, "waited >= 30 ms");

	struct timespec ts = {0, 20 * 1000000};
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	t0 = now_ns();
	check_long(ppoll(&pf, 1, &ts, NULL), 0, "ppoll with a 20 ms timespec");
	check(now_ns() - t0 >= 20 * 1000000LL, "waited >= 20 ms");
	struct timespec bad = {0, 1000000000};
	CHECK_ERR(ppoll(&pf, 1, &bad, NULL), EINVAL, "ppoll with tv_nsec = 1e9");

	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	CHECK_ERR(syscall(SYS_poll, &pf, (unsigned long)rl.rlim_cur + 1, 0), EINVAL, "poll with nfds > RLIMIT_NOFILE");
	close(p[0]);
	close(p[1]);
}

static void test_poll_eventfd(void)
{
	section("poll on an eventfd");
	int e = eventfd(0, EFD_NONBLOCK);
	poll_one(e, POLLIN | POLLOUT, 0, 1, "POLLOUT", "counter 0");
	uint64_t v = 2;
	write(e, &v, 8);
	poll_one(e, POLLIN | POLLOUT, 0, 1, "POLLIN|POLLOUT", "counter 2");
	v = UINT64_MAX - 3;
	write(e, &v, 8);
	poll_one(e, POLLIN | POLLOUT, 0, 1, "POLLIN", "counter at the maximum");
	read(e, &v, 8);
	poll_one(e, POLLIN | POLLOUT, 0, 1, "POLLOUT", "after reading it");
	close(e);
}

/* ---------------------------------------------------------------- signal masks */

static volatile int handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void test_sigmask(void)
{
	section("ppoll and pselect signal masks");
	signal(SIGUSR1, on_usr1);
	sigset_t block, empty, now;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	int p[2];
	pipe(p);
	struct pollfd pf = {.fd = p[0], .events = POLLIN};
	struct timespec ts = {1, 0};

	handled = 0;
	raise(SIGUSR1);
	check_long(handled, 0, "SIGUSR1 pending while blocked");
	CHECK_ERR(ppoll(&pf, 1, &ts, &empty), EINTR, "ppoll with a mask that unblocks it");
	check_long(handled, 1, "handler ran inside ppoll");
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(sigismember(&now, SIGUSR1), "mask restored after ppoll");

	handled = 0;
	raise(SIGUSR1);
	fd_set rd;
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	CHECK_ERR(pselect(p[0] + 1, &rd, NULL, NULL, &ts, &empty), EINTR, "pselect with a mask that unblocks it");
	check_long(handled, 1, "handler ran inside pselect");
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(sigismember(&now, SIGUSR1), "mask restored after pselect");

	/* With the signal still blocked by the given mask: just a timeout. */
	handled = 0;
	raise(SIGUSR1);
	struct timespec short_ts = {0, 20 * 1000000};
	check_long(ppoll(&pf, 1, &short_ts, &block), 0, "ppoll keeping it blocked times out");
	check_long(handled, 0, "no handler");
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	check_long(handled, 1, "delivered when unblocked");
	close(p[0]);
	close(p[1]);
	signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------- select */

static void test_select(void)
{
	section("select");
	int p[2], q[2];
	pipe(p); /* 3, 4 */
	pipe(q); /* 5, 6 */
	fd_set rd, wr;
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(q[0], &rd);
	FD_SET(p[1], &wr);
	struct timeval tv = {0, 0};
	check_long(select(7, &rd, &wr, NULL, &tv), 1, "nothing to read, p writable: count");
	check(!FD_ISSET(p[0], &rd) && !FD_ISSET(q[0], &rd) && FD_ISSET(p[1], &wr), "sets rewritten to the ready fds");

	write(q[1], "q", 1);
	FD_ZERO(&rd);
	FD_ZERO(&wr);
	FD_SET(p[0], &rd);
	FD_SET(q[0], &rd);
	FD_SET(p[1], &wr);
	FD_SET(q[1], &wr);
	check_long(select(7, &rd, &wr, NULL, &tv), 3, "q readable, both writable: count");
	check(FD_ISSET(q[0], &rd) && !FD_ISSET(p[0], &rd), "read set: q only");

	/* Linux writes the time left back into the timeval (raw syscall: musl's
	 * select passes the kernel a copy, and normalises tv_usec itself). */
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(30);
		write(p[1], "p", 1);
		_exit(0);
	}
	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	tv.tv_sec = 2;
	tv.tv_usec = 0;
	check_long(syscall(SYS_select, p[0] + 1, &rd, NULL, NULL, &tv), 1, "blocking select woken by the child");
	check(tv.tv_sec < 2 && (tv.tv_sec > 0 || tv.tv_usec > 0), "timeval updated to the time left (0 < left < 2 s)");
	check_wait(pid, "exited 0", "child");

	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	FD_SET(q[0], &rd);
	char buf[4];
	read(p[0], buf, 1);
	read(q[0], buf, 1);
	tv.tv_sec = 0;
	tv.tv_usec = 30000;
	int64_t t0 = now_ns();
	check_long(syscall(SYS_select, q[0] + 1, &rd, NULL, NULL, &tv), 0, "30 ms timeout");
	check(now_ns() - t0 >= 30 * 1000000LL, "waited >= 30 ms");
	check(tv.tv_sec == 0 && tv.tv_usec == 0, "timeval left at 0");

	close(q[1]);
	FD_ZERO(&rd);
	FD_SET(q[0], &rd);
	tv.tv_usec = 0;
	check_long(select(q[0] + 1, &rd, NULL, NULL, &tv), 1, "writer gone: readable (EOF)");

	FD_ZERO(&rd);
	FD_SET(42, &rd);
	CHECK_ERR(select(43, &rd, NULL, NULL, &tv), EBADF, "a closed fd in the set");
	CHECK_ERR(select(-1, NULL, NULL, NULL, &tv), EINVAL, "nfds -1");
	/* tv_usec beyond a second is folded into tv_sec, not refused. */
	struct timeval badtv = {0, 1500000};
	FD_ZERO(&rd);
	FD_SET(p[1], &rd);
	check_long(syscall(SYS_select, p[1] + 1, NULL, &rd, NULL, &badtv), 1, "tv_usec = 1.5e6 is accepted");
	FD_ZERO(&rd);
	badtv.tv_sec = -1;
	badtv.tv_usec = 0;
	CHECK_ERR(syscall(SYS_select, 1, &rd, NULL, NULL, &badtv), EINVAL, "negative tv_sec");
	struct timespec ts = {0, 0};
	FD_ZERO(&rd);
	FD_SET(p[1], &rd);
	check_long(pselect(p[1] + 1, NULL, &rd, NULL, &ts, NULL), 1, "pselect: write end writable");
	close(p[0]);
	close(p[1]);
	close(q[0]);
}

/* A thread closes both ends of the pipe another one is polling: the blocked poll must
 * stay safe (it holds the file, not the descriptor) and report POLLNVAL when it looks again. */
static int closing_pipe[2];

static void *close_both_ends(void *arg)
{
	(void)arg;
	struct timespec ts = {0, 50 * 1000 * 1000};
	nanosleep(&ts, NULL);
	close(closing_pipe[0]);
	close(closing_pipe[1]);
	return NULL;
}

static void test_poll_closed_by_other_thread(void)
{
	section("descriptors closed while polled");
	for (int round = 0; round < 20; round++) {
		pipe(closing_pipe);
		pthread_t th;
		pthread_create(&th, NULL, close_both_ends, NULL);
		struct pollfd p = {.fd = closing_pipe[0], .events = POLLIN};
		int r = poll(&p, 1, 150);
		pthread_join(th, NULL);
		/* Still blocked when the close came (the usual case): the timeout ends the
		 * wait and the last look finds the descriptor gone. */
		if (round == 0 || r != 1 || p.revents != POLLNVAL)
			out("poll on a pipe both of whose ends another thread closed: ret=%d revents=%s\n", r,
			    events_str(p.revents));
	}
}

int main(void)
{
	test_poll_pipe();
	test_poll_time();
	test_poll_eventfd();
	test_sigmask();
	test_select();
	test_poll_closed_by_other_thread();
	return check_done();
}
