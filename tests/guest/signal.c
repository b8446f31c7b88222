/*
 * signal - sending and handling signals: rt_sigaction (SA_SIGINFO fields,
 * SA_RESETHAND, SA_NODEFER, sa_mask, errors), rt_sigprocmask (blocking,
 * pending delivered on unblock, coalescing vs queueing, delivery order),
 * rt_sigpending, rt_sigsuspend, kill (self, child, process group by 0 and
 * -pgid, signal 0, ESRCH, EINVAL), tkill/tgkill info, default actions,
 * SIGCHLD (siginfo, SA_NOCLDSTOP, SIG_IGN and SA_NOCLDWAIT auto-reaping),
 * SIGPIPE and EPIPE.
 *
 * Handlers only record into volatile globals; the main flow prints.
 */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SIG_RT (SIGRTMIN + 2) /* a real-time signal musl does not use itself */

static volatile int hits;
static volatile int last_sig;
static volatile siginfo_t last_info;
static volatile int order[8], order_len;
static volatile int nested_depth, max_depth;
static volatile int blocked_inside; /* was the signal blocked while handling it? */
static volatile int usr2_blocked_inside;

static void counting_handler(int sig)
{
	hits++;
	last_sig = sig;
	if (order_len < 8)
		order[order_len++] = sig;
}

static void info_handler(int sig, siginfo_t *si, void *ctx)
{
	(void)ctx;
	hits++;
	last_sig = sig;
	memcpy((void *)&last_info, si, sizeof(*si));
}

/* Installs handler (plain or SA_SIGINFO) with flags and an optional mask. */
static void install(int sig, void (*plain)(int), void (*info)(int, siginfo_t *, void *), int flags,
		    const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	if (info != NULL) {
		sa.sa_sigaction = info;
		flags |= SA_SIGINFO;
	} else {
		sa.sa_handler = plain;
	}
	sa.sa_flags = flags;
	if (mask != NULL)
		sa.sa_mask = *mask;
	sigaction(sig, &sa, NULL);
}

static void reset(void)
{
	hits = 0;
	last_sig = 0;
	order_len = 0;
	memset((void *)&last_info, 0, sizeof(last_info));
}

static bool is_blocked(int sig)
{
	sigset_t cur;
	sigprocmask(SIG_BLOCK, NULL, &cur);
	return sigismember(&cur, sig);
}

/* ---------------------------------------------------------------- sigaction */

static volatile int nodefer_calls;

/* Re-raises its signal until it has run 3 times in all: nested with
 * SA_NODEFER, one after the other without. */
static void nodefer_handler(int sig)
{
	nodefer_calls++;
	nested_depth++;
	if (nested_depth > max_depth)
		max_depth = nested_depth;
	blocked_inside = is_blocked(sig);
	if (nodefer_calls < 3)
		raise(sig);
	nested_depth--;
}

static void mask_handler(int sig)
{
	(void)sig;
	usr2_blocked_inside = is_blocked(SIGUSR2);
	blocked_inside = is_blocked(SIGUSR1);
}

static void test_sigaction(void)
{
	section("sigaction");
	struct sigaction sa, old;
	install(SIGUSR1, counting_handler, NULL, 0, NULL);
	memset(&old, 0, sizeof(old));
	sigaction(SIGUSR1, NULL, &old);
	check(old.sa_handler == counting_handler, "query returns the installed handler");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &sa, &old);
	check(old.sa_handler == counting_handler, "replacing returns the old action");
	sigaction(SIGUSR1, NULL, &old);
	check(old.sa_handler == SIG_IGN, "now SIG_IGN");
	reset();
	kill(getpid(), SIGUSR1);
	check_long(hits, 0, "an ignored signal does nothing");

	sa.sa_handler = counting_handler;
	CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL, "handler for SIGKILL");
	CHECK_ERR(sigaction(SIGSTOP, &sa, NULL), EINVAL, "handler for SIGSTOP");
	sa.sa_handler = SIG_IGN;
	CHECK_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL, "ignore SIGKILL");
	CHECK_OK(sigaction(SIGKILL, NULL, &old), "query SIGKILL");
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		unsigned long mask;
	} ksa = {0};
	CHECK_ERR(syscall(SYS_rt_sigaction, 0, NULL, &ksa, 8), EINVAL, "rt_sigaction signal 0");
	CHECK_ERR(syscall(SYS_rt_sigaction, 65, NULL, &ksa, 8), EINVAL, "rt_sigaction signal 65");
	CHECK_ERR(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &ksa, 4), EINVAL, "rt_sigaction sigsetsize 4");
	CHECK_OK(syscall(SYS_rt_sigaction, SIGUSR1, NULL, &ksa, 8), "rt_sigaction query");
	check(ksa.handler == (void *)SIG_IGN, "kernel's view: SIG_IGN");

	/* SA_SIGINFO fields from kill, tgkill and raise. */
	install(SIGUSR1, NULL, info_handler, 0, NULL);
	reset();
	kill(getpid(), SIGUSR1);
	check_long(hits, 1, "kill(self): delivered before kill returned");
	check_str(signal_name(last_info.si_signo), "SIGUSR1", "si_signo");
	check_str(si_code_name(SIGUSR1, last_info.si_code), "SI_USER", "si_code from kill");
	check(last_info.si_pid == getpid(), "si_pid is the sender (us)");
	check(last_info.si_uid == getuid(), "si_uid is our uid");
	reset();
	syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
	check_str(si_code_name(SIGUSR1, last_info.si_code), "SI_TKILL", "si_code from tgkill");
	check(last_info.si_pid == getpid(), "si_pid");
	reset();
	raise(SIGUSR1);
	check_str(si_code_name(SIGUSR1, last_info.si_code), "SI_TKILL", "si_code from raise()");

	/* SA_RESETHAND: one delivery, then back to SIG_DFL. */
	install(SIGUSR1, counting_handler, NULL, SA_RESETHAND, NULL);
	reset();
	raise(SIGUSR1);
	check_long(hits, 1, "SA_RESETHAND: handled once");
	sigaction(SIGUSR1, NULL, &old);
	check(old.sa_handler == SIG_DFL, "SA_RESETHAND: handler reset to SIG_DFL");

	/* Without SA_NODEFER the signal is blocked inside its handler. */
	install(SIGUSR1, nodefer_handler, NULL, 0, NULL);
	max_depth = 0;
	nodefer_calls = 0;
	raise(SIGUSR1);
	check_long(nodefer_calls, 3, "handler runs");
	check_long(max_depth, 1, "without SA_NODEFER: re-raise inside waits (depth)");
	check_long(blocked_inside, 1, "signal blocked inside its handler");
	check_bool(is_blocked(SIGUSR1), false, "unblocked again after the handler");
	install(SIGUSR1, nodefer_handler, NULL, SA_NODEFER, NULL);
	max_depth = 0;
	nodefer_calls = 0;
	raise(SIGUSR1);
	check_long(nodefer_calls, 3, "handler runs");
	check_long(max_depth, 3, "SA_NODEFER: re-raise nests (depth)");
	check_long(blocked_inside, 0, "SA_NODEFER: not blocked inside");

	/* sa_mask is added while the handler runs. */
	sigset_t m;
	sigemptyset(&m);
	sigaddset(&m, SIGUSR2);
	install(SIGUSR1, mask_handler, NULL, 0, &m);
	raise(SIGUSR1);
	check_long(usr2_blocked_inside, 1, "sa_mask's SIGUSR2 blocked inside the handler");
	check_bool(is_blocked(SIGUSR2), false, "and unblocked after");
	signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------- masks */

static void test_masks(void)
{
	section("sigprocmask, sigpending");
	install(SIGUSR1, counting_handler, NULL, 0, NULL);
	install(SIGUSR2, counting_handler, NULL, 0, NULL);
	install(SIG_RT, counting_handler, NULL, 0, NULL);
	sigset_t set, old, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	CHECK_OK(sigprocmask(SIG_BLOCK, &set, &old), "block SIGUSR1");
	check_bool(sigismember(&old, SIGUSR1), false, "old mask did not have it");
	reset();
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	kill(getpid(), SIGUSR1);
	check_long(hits, 0, "blocked: not delivered");
	sigpending(&pending);
	check(sigismember(&pending, SIGUSR1), "sigpending shows SIGUSR1");
	check_bool(sigismember(&pending, SIGUSR2), false, "and not SIGUSR2");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	check_long(hits, 1, "unblock: delivered once (standard signals coalesce)");
	sigpending(&pending);
	check_bool(sigismember(&pending, SIGUSR1), false, "no longer pending");

	/* Real-time signals queue. */
	sigemptyset(&set);
	sigaddset(&set, SIG_RT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	reset();
	for (int i = 0; i < 3; i++)
		kill(getpid(), SIG_RT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	check_long(hits, 3, "real-time signal sent 3 times while blocked: handled 3 times");

	/* Several pending at once: lowest number first. Each handler blocks
	 * the other two, so they run one after the other (without that, Linux
	 * sets up all three frames before returning to user mode and the last
	 * one set up runs first). */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIG_RT);
	install(SIGUSR1, counting_handler, NULL, 0, &set);
	install(SIGUSR2, counting_handler, NULL, 0, &set);
	install(SIG_RT, counting_handler, NULL, 0, &set);
	sigprocmask(SIG_BLOCK, &set, NULL);
	reset();
	kill(getpid(), SIG_RT);
	kill(getpid(), SIGUSR2);
	kill(getpid(), SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	check(order_len == 3 && order[0] == SIGUSR1 && order[1] == SIGUSR2 && order[2] == SIG_RT,
	      "delivery order: SIGUSR1, SIGUSR2, then the real-time signal");

	/* SIG_SETMASK, and SIGKILL/SIGSTOP cannot be blocked. */
	sigfillset(&set);
	CHECK_OK(sigprocmask(SIG_SETMASK, &set, &old), "SIG_SETMASK everything");
	sigprocmask(SIG_BLOCK, NULL, &set);
	check(sigismember(&set, SIGUSR1) && sigismember(&set, SIGTERM), "SIGUSR1, SIGTERM blocked");
	check(!sigismember(&set, SIGKILL) && !sigismember(&set, SIGSTOP), "SIGKILL and SIGSTOP silently not blocked");
	sigprocmask(SIG_SETMASK, &old, NULL);
	CHECK_ERR(syscall(SYS_rt_sigprocmask, 3, &set, NULL, 8), EINVAL, "bad 'how'");
	CHECK_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, 16), EINVAL, "sigsetsize 16");
	CHECK_ERR(syscall(SYS_rt_sigpending, &set, 16), EINVAL, "rt_sigpending sigsetsize 16");

	/* Ignoring a pending signal discards it. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(getpid(), SIGUSR1);
	signal(SIGUSR1, SIG_IGN);
	sigpending(&pending);
	check_bool(sigismember(&pending, SIGUSR1), false, "setting SIG_IGN discards the pending signal");
	install(SIGUSR1, counting_handler, NULL, 0, NULL);
	reset();
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	check_long(hits, 0, "nothing delivered on unblock");
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	signal(SIG_RT, SIG_DFL);
}

/* ---------------------------------------------------------------- sigsuspend */

static void test_sigsuspend(void)
{
	section("sigsuspend");
	install(SIGUSR1, counting_handler, NULL, 0, NULL);
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);
	reset();
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(20);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	CHECK_ERR(sigsuspend(&empty), EINTR, "sigsuspend returns after the handler");
	check_long(hits, 1, "handler ran once");
	check(is_blocked(SIGUSR1), "old mask (SIGUSR1 blocked) restored");
	check_wait(pid, "exited 0", "sender");

	/* Already pending when sigsuspend unblocks it. */
	reset();
	kill(getpid(), SIGUSR1);
	CHECK_ERR(sigsuspend(&empty), EINTR, "sigsuspend with the signal already pending");
	check_long(hits, 1, "handled");
	CHECK_ERR(syscall(SYS_rt_sigsuspend, &empty, 4), EINVAL, "rt_sigsuspend sigsetsize 4");
	sigprocmask(SIG_UNBLOCK, &block, NULL);
	signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------- kill */

static volatile int got_usr1;

static void child_usr1(int sig)
{
	(void)sig;
	got_usr1 = 1;
}

/* A child that reports (exit 0) once it received SIGUSR1. */
static pid_t spawn_listener(int ready_fd)
{
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t block, empty;
		sigemptyset(&block);
		sigaddset(&block, SIGUSR1);
		sigprocmask(SIG_BLOCK, &block, NULL);
		install(SIGUSR1, child_usr1, NULL, 0, NULL);
		write(ready_fd, "r", 1);
		sigemptyset(&empty);
		while (!got_usr1)
			sigsuspend(&empty);
		_exit(0);
	}
	return pid;
}

static void test_kill(void)
{
	section("kill");
	CHECK_OK(kill(getpid(), 0), "kill(self, 0): exists");
	CHECK_ERR(kill(0x3fffffff, 0), ESRCH, "kill(missing pid, 0)");
	CHECK_ERR(kill(0x3fffffff, SIGTERM), ESRCH, "kill(missing pid, SIGTERM)");
	CHECK_ERR(kill(-0x3fffffff, SIGTERM), ESRCH, "kill(-missing group)");
	CHECK_ERR(kill(getpid(), 65), EINVAL, "kill with signal 65");
	CHECK_ERR(kill(getpid(), -1), EINVAL, "kill with signal -1");

	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	CHECK_OK(kill(pid, 0), "kill(child, 0)");
	CHECK_OK(kill(pid, SIGTERM), "kill(child, SIGTERM)");
	check_wait(pid, "killed by SIGTERM", "child");
	CHECK_ERR(kill(pid, 0), ESRCH, "kill(reaped child, 0)");

	/* Zombies still exist for kill(pid, 0). */
	pid = fork();
	if (pid == 0)
		_exit(0);
	siginfo_t si;
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	CHECK_OK(kill(pid, 0), "kill(zombie, 0)");
	CHECK_OK(kill(pid, SIGKILL), "kill(zombie, SIGKILL) is accepted");
	check_wait(pid, "exited 0", "zombie's status unchanged");

	/* Our group: kill(0, sig) and kill(-pgid, sig) reach every member. */
	install(SIGUSR1, counting_handler, NULL, 0, NULL);
	int p[2];
	pipe(p);
	char c;
	pid_t a = spawn_listener(p[1]);
	pid_t b = spawn_listener(p[1]);
	read(p[0], &c, 1);
	read(p[0], &c, 1);
	reset();
	CHECK_OK(kill(0, SIGUSR1), "kill(0, SIGUSR1)");
	check_long(hits, 1, "we got it too");
	check_wait(a, "exited 0", "first child got it");
	check_wait(b, "exited 0", "second child got it");
	a = spawn_listener(p[1]);
	read(p[0], &c, 1);
	reset();
	CHECK_OK(kill(-getpgid(0), SIGUSR1), "kill(-pgid, SIGUSR1)");
	check_long(hits, 1, "we got it too");
	check_wait(a, "exited 0", "child got it");
	a = fork();
	if (a == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	setpgid(a, a);
	CHECK_OK(kill(-a, SIGTERM), "kill(-child's own group)");
	check_wait(a, "killed by SIGTERM", "child in its own group");
	close(p[0]);
	close(p[1]);
	signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------- default actions */

static int raise_and_report(void *arg)
{
	raise((int)(long)arg);
	return 42; /* only reached when the default action is to ignore */
}

static void test_defaults(void)
{
	section("default actions");
	struct rlimit zero = {0, 0};
	setrlimit(RLIMIT_CORE, &zero);
	const int terminate[] = {SIGHUP, SIGINT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM, SIGPIPE, SIGRTMIN + 1};
	char want[64];
	for (size_t i = 0; i < ARRAY_SIZE(terminate); i++) {
		int sig = terminate[i];
		snprintf(want, sizeof(want), "killed by %s", signal_name(sig));
		check_wait(spawn(raise_and_report, (void *)(long)sig), want, "default action of %s", signal_name(sig));
	}
	static const int core[] = {SIGQUIT, SIGABRT, SIGSYS, SIGTRAP, SIGXCPU};
	for (size_t i = 0; i < ARRAY_SIZE(core); i++) {
		int sig = core[i];
		snprintf(want, sizeof(want), "killed by %s", signal_name(sig));
		check_wait(spawn(raise_and_report, (void *)(long)sig), want, "default action of %s (core, RLIMIT_CORE=0)",
			   signal_name(sig));
	}
	static const int ignore[] = {SIGCHLD, SIGURG, SIGWINCH, SIGCONT};
	for (size_t i = 0; i < ARRAY_SIZE(ignore); i++) {
		int sig = ignore[i];
		check_wait(spawn(raise_and_report, (void *)(long)sig), "exited 42", "default action of %s",
			   signal_name(sig));
	}
}

/* ---------------------------------------------------------------- SIGCHLD */

static void test_sigchld(void)
{
	section("SIGCHLD");
	install(SIGCHLD, NULL, info_handler, 0, NULL);
	sigset_t block, empty;
	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigemptyset(&empty);
	sigprocmask(SIG_BLOCK, &block, NULL);

	reset();
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	while (hits == 0)
		sigsuspend(&empty);
	check(last_info.si_pid == pid, "si_pid is the child");
	check_str(si_code_name(SIGCHLD, last_info.si_code), "CLD_EXITED", "si_code");
	check_long(last_info.si_status, 7, "si_status");
	check_wait(pid, "exited 7", "child still waitable after the handler");

	reset();
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGKILL);
	while (hits == 0)
		sigsuspend(&empty);
	check_str(si_code_name(SIGCHLD, last_info.si_code), "CLD_KILLED", "killed child: si_code");
	check_str(signal_name(last_info.si_status), "SIGKILL", "si_status");
	check_wait(pid, "killed by SIGKILL", "child");

	/* The child exits only when told, so that the CLD_CONTINUED and
	 * CLD_EXITED notifications cannot merge into one pending SIGCHLD. */
	int go[2];
	pipe(go);
	reset();
	pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		char c;
		read(go[0], &c, 1);
		_exit(0);
	}
	while (hits == 0)
		sigsuspend(&empty);
	check_str(si_code_name(SIGCHLD, last_info.si_code), "CLD_STOPPED", "stopped child: si_code");
	check_str(signal_name(last_info.si_status), "SIGSTOP", "si_status");
	reset();
	kill(pid, SIGCONT);
	while (hits == 0)
		sigsuspend(&empty);
	check_str(si_code_name(SIGCHLD, last_info.si_code), "CLD_CONTINUED", "continued child: si_code");
	check_str(signal_name(last_info.si_status), "SIGCONT", "si_status");
	reset();
	write(go[1], "g", 1);
	while (hits == 0)
		sigsuspend(&empty);
	check_str(si_code_name(SIGCHLD, last_info.si_code), "CLD_EXITED", "then exited: si_code");
	check_wait(pid, "exited 0", "child");
	close(go[0]);
	close(go[1]);

	/* SA_NOCLDSTOP: no SIGCHLD for stop/continue, still one for exit. */
	install(SIGCHLD, NULL, info_handler, SA_NOCLDSTOP, NULL);
	reset();
	pid = fork();
	if (pid == 0) {
		raise(SIGSTOP);
		_exit(3);
	}
	int st;
	waitpid(pid, &st, WUNTRACED);
	sigset_t pending;
	sigpending(&pending);
	check_bool(sigismember(&pending, SIGCHLD), false, "SA_NOCLDSTOP: no SIGCHLD for the stop");
	kill(pid, SIGCONT);
	while (hits == 0)
		sigsuspend(&empty);
	check_str(si_code_name(SIGCHLD, last_info.si_code), "CLD_EXITED", "only the exit was signalled");
	check_wait(pid, "exited 3", "child");
	sigprocmask(SIG_UNBLOCK, &block, NULL);

	/* SIG_IGN and SA_NOCLDWAIT: children are reaped automatically. */
	signal(SIGCHLD, SIG_IGN);
	pid = fork();
	if (pid == 0)
		_exit(1);
	CHECK_ERR(waitpid(pid, &st, 0), ECHILD, "SIGCHLD ignored: wait finds no child once it exited");
	install(SIGCHLD, SIG_DFL, NULL, SA_NOCLDWAIT, NULL);
	pid = fork();
	if (pid == 0)
		_exit(1);
	CHECK_ERR(waitpid(pid, &st, 0), ECHILD, "SA_NOCLDWAIT: same");
	signal(SIGCHLD, SIG_DFL);
	pid = fork();
	if (pid == 0)
		_exit(2);
	check_wait(pid, "exited 2", "SIG_DFL again: child waitable");
}

/* ---------------------------------------------------------------- SIGPIPE */

static int write_to_closed_pipe(void *arg)
{
	(void)arg;
	int p[2];
	pipe(p);
	close(p[0]);
	write(p[1], "x", 1);
	return 0;
}

static void test_sigpipe(void)
{
	section("SIGPIPE and EPIPE");
	check_wait(spawn(write_to_closed_pipe, NULL), "killed by SIGPIPE", "write to a pipe with no reader");
	int p[2];
	pipe(p);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	CHECK_ERR(write(p[1], "x", 1), EPIPE, "SIGPIPE ignored: write fails with EPIPE");
	install(SIGPIPE, NULL, info_handler, 0, NULL);
	reset();
	CHECK_ERR(write(p[1], "x", 1), EPIPE, "SIGPIPE handled: write fails with EPIPE");
	check_long(hits, 1, "handler ran");
	check_str(si_code_name(SIGPIPE, last_info.si_code), "SI_USER", "si_code");
	check(last_info.si_pid == getpid(), "si_pid is ourselves");
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigprocmask(SIG_BLOCK, &set, NULL);
	reset();
	CHECK_ERR(write(p[1], "x", 1), EPIPE, "SIGPIPE blocked: EPIPE");
	sigset_t pending;
	sigpending(&pending);
	check(sigismember(&pending, SIGPIPE), "SIGPIPE left pending");
	signal(SIGPIPE, SIG_IGN); /* discard it */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	signal(SIGPIPE, SIG_DFL);
	close(p[1]);
}

int main(void)
{
	test_sigaction();
	test_masks();
	test_sigsuspend();
	test_kill();
	test_defaults();
	test_sigchld();
	test_sigpipe();
	return check_done();
}
