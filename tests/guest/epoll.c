/*
 * epoll - epoll_create1, epoll_ctl (ADD/MOD/DEL and their errors), epoll_wait
 * and epoll_pwait on pipes and eventfds: EPOLLIN/EPOLLOUT/EPOLLHUP/EPOLLERR,
 * level- vs edge-triggered (EPOLLET), EPOLLONESHOT and re-arming with MOD,
 * maxevents, timeouts 0/positive/infinite, the signal mask of epoll_pwait,
 * a registration outliving a closed duplicate fd, and nested epoll sets.
 */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *ev_str(uint32_t ev)
{
	static char buf[96];
	static const struct bit_name names[] = {{EPOLLIN, "EPOLLIN"},   {EPOLLPRI, "EPOLLPRI"},
						{EPOLLOUT, "EPOLLOUT"}, {EPOLLERR, "EPOLLERR"},
						{EPOLLHUP, "EPOLLHUP"}, {EPOLLRDHUP, "EPOLLRDHUP"}};
	return bits_str(ev, names, ARRAY_SIZE(names), buf, sizeof(buf));
}

static int add(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

static int mod(int ep, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = {.events = events, .data.u64 = data};
	return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

/* epoll_wait for one event; prints "<desc>: n=N events=... data=..." checks. */
static void wait_one(int ep, int timeout, int want_n, const char *want_ev, uint64_t want_data, const char *desc)
{
	struct epoll_event e[4];
	memset(e, 0, sizeof(e));
	int n = epoll_wait(ep, e, 4, timeout);
	check_long(n, want_n, "%s: epoll_wait returns", desc);
	if (want_n >= 1 && n >= 1) {
		check_str(ev_str(e[0].events), want_ev, "%s: events", desc);
		check_hex(e[0].data.u64, want_data, "%s: data", desc);
	}
}

static void test_basics(void)
{
	section("epoll basics");
	int ep = epoll_create1(0);
	check(ep >= 0, "epoll_create1(0)");
	check_long(fcntl(ep, F_GETFD), 0, "no FD_CLOEXEC");
	int ep2 = epoll_create1(EPOLL_CLOEXEC);
	check_long(fcntl(ep2, F_GETFD), FD_CLOEXEC, "EPOLL_CLOEXEC");
	close(ep2);
	CHECK_ERR(epoll_create1(0x1234), EINVAL, "epoll_create1 with unknown flags");
	CHECK_ERR(syscall(SYS_epoll_create, 0), EINVAL, "epoll_create(0) (raw)");
	int old_style = (int)syscall(SYS_epoll_create, 1);
	check(old_style >= 0, "epoll_create(1) (raw)");
	close(old_style);

	int p[2];
	pipe(p);
	CHECK_OK(add(ep, p[0], EPOLLIN, 0x1234), "ADD read end, EPOLLIN");
	wait_one(ep, 0, 0, "", 0, "empty pipe, timeout 0");
	write(p[1], "ab", 2);
	wait_one(ep, 0, 1, "EPOLLIN", 0x1234, "after a write");
	wait_one(ep, 0, 1, "EPOLLIN", 0x1234, "level-triggered: reported again while data remains");
	char buf[64];
	read(p[0], buf, sizeof(buf));
	wait_one(ep, 0, 0, "", 0, "drained");

	CHECK_ERR(add(ep, p[0], EPOLLIN, 0), EEXIST, "ADD twice");
	CHECK_ERR(mod(ep, p[1], EPOLLOUT, 0), ENOENT, "MOD an fd not in the set");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), ENOENT, "DEL an fd not in the set");
	CHECK_ERR(add(ep, ep, EPOLLIN, 0), EINVAL, "ADD the epoll fd to itself");
	CHECK_ERR(add(ep, 42, EPOLLIN, 0), EBADF, "ADD a closed fd");
	CHECK_ERR(add(42, p[0], EPOLLIN, 0), EBADF, "epoll_ctl on a closed epoll fd");
	CHECK_ERR(add(p[0], p[1], EPOLLIN, 0), EINVAL, "epoll_ctl on a pipe as the epoll fd");
	struct epoll_event any = {.events = EPOLLIN};
	CHECK_ERR(epoll_ctl(ep, 99, p[0], &any), EINVAL, "unknown op");
	/* Every op but DEL reads the event first. */
	CHECK_ERR(epoll_ctl(ep, 99, p[0], NULL), EFAULT, "unknown op with a NULL event");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, p[1], NULL), EFAULT, "ADD with a NULL event");
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), ENOENT, "DEL with a NULL event is fine (ENOENT here)");
	int file = open("data/hello.txt", O_RDONLY);
	CHECK_ERR(add(ep, file, EPOLLIN, 0), EPERM, "ADD a regular file (not pollable by epoll)");
	close(file);
	struct epoll_event e[1];
	CHECK_ERR(epoll_wait(ep, e, 0, 0), EINVAL, "maxevents 0");
	CHECK_ERR(epoll_wait(p[0], e, 1, 0), EINVAL, "epoll_wait on a pipe");

	/* MOD and DEL. */
	CHECK_OK(add(ep, p[1], EPOLLOUT, 0x77), "ADD write end, EPOLLOUT");
	wait_one(ep, 0, 1, "EPOLLOUT", 0x77, "write end ready");
	CHECK_OK(mod(ep, p[1], EPOLLIN, 0x78), "MOD write end to EPOLLIN");
	wait_one(ep, 0, 0, "", 0, "write end never readable");
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL), "DEL write end");

	/* Hang-up and error. */
	write(p[1], "x", 1);
	close(p[1]);
	wait_one(ep, 0, 1, "EPOLLIN|EPOLLHUP", 0x1234, "writer closed, data left");
	read(p[0], buf, sizeof(buf));
	CHECK_OK(mod(ep, p[0], 0, 0x1234), "MOD to no events");
	wait_one(ep, 0, 1, "EPOLLHUP", 0x1234, "EPOLLHUP is reported even when not asked for");
	close(p[0]);
	wait_one(ep, 0, 0, "", 0, "closing the only fd removes it from the set");

	pipe(p);
	add(ep, p[1], EPOLLOUT, 0x99);
	close(p[0]);
	wait_one(ep, 0, 1, "EPOLLOUT|EPOLLERR", 0x99, "reader closed: write end");
	close(p[1]);
	close(ep);
}

static void test_triggers(void)
{
	section("edge-triggered and one-shot");
	int ep = epoll_create1(0);
	int p[2];
	pipe(p);
	add(ep, p[0], EPOLLIN | EPOLLET, 1);
	write(p[1], "a", 1);
	wait_one(ep, 0, 1, "EPOLLIN", 1, "EPOLLET: first write");
	wait_one(ep, 0, 0, "", 0, "EPOLLET: not again while the data just sits there");
	write(p[1], "b", 1);
	wait_one(ep, 0, 1, "EPOLLIN", 1, "EPOLLET: a new write is a new edge");
	char buf[8];
	read(p[0], buf, sizeof(buf));
	wait_one(ep, 0, 0, "", 0, "EPOLLET: drained");
	epoll_ctl(ep, EPOLL_CTL_DEL, p[0], NULL);

	add(ep, p[0], EPOLLIN | EPOLLONESHOT, 2);
	write(p[1], "c", 1);
	wait_one(ep, 0, 1, "EPOLLIN", 2, "EPOLLONESHOT: first event");
	write(p[1], "d", 1);
	wait_one(ep, 0, 0, "", 0, "EPOLLONESHOT: disabled after it");
	CHECK_ERR(add(ep, p[0], EPOLLIN, 2), EEXIST, "still registered");
	CHECK_OK(mod(ep, p[0], EPOLLIN | EPOLLONESHOT, 3), "MOD re-arms");
	wait_one(ep, 0, 1, "EPOLLIN", 3, "EPOLLONESHOT: event after re-arming");
	wait_one(ep, 0, 0, "", 0, "and disabled again");
	close(p[0]);
	close(p[1]);
	close(ep);
}

static void test_many(void)
{
	section("several fds, maxevents, duplicates, nesting");
	int ep = epoll_create1(0);
	int a[2], b[2];
	pipe(a);
	pipe(b);
	int e = eventfd(0, 0);
	add(ep, a[0], EPOLLIN, 'a');
	add(ep, b[0], EPOLLIN, 'b');
	add(ep, e, EPOLLIN, 'e');
	write(a[1], "1", 1);
	write(b[1], "2", 1);
	struct epoll_event ev[8];
	check_long(epoll_wait(ep, ev, 8, 0), 2, "two pipes ready (eventfd at 0 is not)");
	int seen = 0;
	for (int round = 0; round < 2; round++) {
		if (epoll_wait(ep, ev, 1, 0) == 1)
			seen |= ev[0].data.u64 == 'a' ? 1 : ev[0].data.u64 == 'b' ? 2 : 4;
	}
	check_long(seen, 3, "two calls with maxevents 1 return both pipes");
	uint64_t one = 1;
	write(e, &one, 8);
	check_long(epoll_wait(ep, ev, 8, 0), 3, "eventfd written: three ready");

	/* The registration belongs to the open file description: it survives
	 * closing the registered fd while a duplicate is open. */
	int dup_fd = dup(a[0]);
	close(a[0]);
	char c;
	read(b[0], &c, 1);
	read(e, &one, 8);
	check_long(epoll_wait(ep, ev, 8, 0), 1, "after closing a's registered fd (dup still open)");
	check_hex(ev[0].data.u64, 'a', "still reported with a's data");
	read(dup_fd, &c, 1);
	close(dup_fd);
	check_long(epoll_wait(ep, ev, 8, 0), 0, "nothing ready");

	/* An epoll set inside another. */
	int outer = epoll_create1(0);
	add(outer, ep, EPOLLIN, 'o');
	check_long(epoll_wait(outer, ev, 8, 0), 0, "outer: inner set has nothing");
	write(b[1], "3", 1);
	check_long(epoll_wait(outer, ev, 8, 0), 1, "outer: inner set became readable");
	check_hex(ev[0].data.u64, 'o', "outer's data");
	check_long(epoll_wait(ep, ev, 8, 0), 1, "inner reports the pipe");
	CHECK_ERR(add(ep, outer, EPOLLIN, 0), ELOOP, "adding the outer set to the inner one: a loop");
	close(outer);
	close(a[1]);
	close(b[0]);
	close(b[1]);
	close(e);
	close(ep);
}

static volatile int handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

static void test_timeouts(void)
{
	section("timeouts and epoll_pwait");
	int ep = epoll_create1(0);
	int p[2];
	pipe(p);
	add(ep, p[0], EPOLLIN, 5);
	struct epoll_event ev[2];
	int64_t t0 = now_ns();
	check_long(epoll_wait(ep, ev, 2, 50), 0, "50 ms timeout, nothing ready");
	check(now_ns() - t0 >= 50 * 1000000LL, "waited >= 50 ms");

	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(50);
		write(p[1], "w", 1);
		_exit(0);
	}
	t0 = now_ns();
	check_long(epoll_wait(ep, ev, 2, -1), 1, "infinite wait woken by a child's write");
	check(now_ns() - t0 >= 40 * 1000000LL, "it blocked until then");
	check_wait(pid, "exited 0", "child");

	char c;
	read(p[0], &c, 1);
	signal(SIGUSR1, on_usr1);
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	handled = 0;
	raise(SIGUSR1);
	CHECK_ERR(epoll_pwait(ep, ev, 2, 1000, &empty), EINTR, "epoll_pwait with a mask unblocking a pending signal");
	check_long(handled, 1, "handler ran");
	handled = 0;
	raise(SIGUSR1);
	check_long(epoll_pwait(ep, ev, 2, 20, &block), 0, "epoll_pwait keeping it blocked: timeout");
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	check_long(handled, 1, "delivered after");

	/* epoll_wait itself is never restarted after a handler. */
	struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_RESTART};
	sigaction(SIGUSR1, &sa, NULL);
	pid_t parent = getpid();
	pid = fork();
	if (pid == 0) {
		sleep_ms(30);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	CHECK_ERR(epoll_wait(ep, ev, 2, 2000), EINTR, "epoll_wait interrupted, even with SA_RESTART");
	check_wait(pid, "exited 0", "child");
	signal(SIGUSR1, SIG_DFL);
	close(p[0]);
	close(p[1]);
	close(ep);
}

int main(void)
{
	test_basics();
	test_triggers();
	test_many();
	test_timeouts();
	return check_done();
}
