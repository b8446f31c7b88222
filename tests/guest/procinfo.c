/*
 * procinfo - process attributes: process groups and sessions (setpgid,
 * getpgid, setsid, getsid), user and group ids, prctl(PR_SET_NAME /
 * PR_GET_NAME), sched_yield, sched_getaffinity, rlimits (getrlimit,
 * setrlimit, prlimit64, RLIMIT_NOFILE enforced), getrusage, times, uname,
 * set_tid_address.
 *
 * Expects to run under the runner, which makes each test a process group
 * leader.
 */
#include "check.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- groups */

static int child_setsid(void *arg)
{
	(void)arg;
	pid_t me = getpid();
	if (setsid() != me)
		return 1;
	if (getsid(0) != me || getpgid(0) != me || getpgrp() != me)
		return 2;
	if (setsid() != -1 || errno != EPERM) /* now a group leader */
		return 3;
	if (setpgid(0, 0) != -1 || errno != EPERM) /* a session leader cannot move */
		return 4;
	return 0;
}

static void test_groups(void)
{
	section("process groups and sessions");
	pid_t me = getpid();
	check(getpgid(0) == me, "runner made us a group leader: getpgid(0) == getpid");
	check(getpgrp() == getpgid(0), "getpgrp == getpgid(0)");
	check(getpgid(me) == getpgid(0), "getpgid(self) == getpgid(0)");
	check(getsid(0) == getsid(getppid()), "same session as the runner");
	check(getsid(0) != me, "not a session leader");
	CHECK_ERR(setsid(), EPERM, "setsid as a group leader");
	CHECK_ERR(getpgid(0x3fffffff), ESRCH, "getpgid of a missing pid");
	CHECK_ERR(getsid(0x3fffffff), ESRCH, "getsid of a missing pid");
	CHECK_ERR(setpgid(0x3fffffff, 0), ESRCH, "setpgid of a missing pid");
	CHECK_ERR(setpgid(0, -1), EINVAL, "setpgid with a negative pgid");

	check_wait(spawn(child_setsid, NULL), "exited 0", "child: setsid makes a new session and group; then setsid and setpgid fail with EPERM");

	/* A child moves into its own group, then a second child joins it. */
	int go[2];
	pipe(go);
	pid_t a = fork();
	if (a == 0) {
		char c;
		read(go[0], &c, 1);
		_exit(getpgid(0) == getpid() ? 0 : 1);
	}
	check_long(setpgid(a, a), 0, "setpgid(child, child)");
	check(getpgid(a) == a, "child leads its group");
	pid_t b = fork();
	if (b == 0) {
		char c;
		read(go[0], &c, 1);
		_exit(getpgid(0) == a ? 0 : 1);
	}
	check_long(setpgid(b, a), 0, "setpgid(second child, first child's group)");
	check(getpgid(b) == a, "second child in that group");
	CHECK_ERR(setpgid(b, 0x3ffffff0), EPERM, "setpgid into a group that does not exist");
	write(go[1], "gg", 2);
	check_wait(a, "exited 0", "first child saw its group");
	check_wait(b, "exited 0", "second child saw its group");
	close(go[0]);
	close(go[1]);

	/* After a child execs, its parent may no longer move it. The exec'd
	 * image says when it runs (an EOF on a close-on-exec pipe would come a
	 * moment too early: Linux closes those fds before it marks the exec). */
	int sync[2];
	pipe(sync);
	pid_t c = fork();
	if (c == 0) {
		dup2(sync[1], 3);
		char *argv[] = {"procinfo", "--sleep", NULL};
		char *envp[] = {NULL};
		execve("./procinfo", argv, envp);
		_exit(99);
	}
	char x = 0;
	read(sync[0], &x, 1);
	close(sync[0]);
	close(sync[1]);
	CHECK_ERR(setpgid(c, c), EACCES, "setpgid on a child after it exec'd");
	kill(c, SIGKILL);
	check_wait(c, "killed by SIGKILL", "exec'd child");

	/* A child in another session cannot be moved. */
	int s[2];
	pipe(s);
	c = fork();
	if (c == 0) {
		setsid();
		write(s[1], "s", 1);
		pause();
		_exit(0);
	}
	read(s[0], &x, 1);
	CHECK_ERR(setpgid(c, getpgid(0)), EPERM, "setpgid on a child in another session");
	kill(c, SIGKILL);
	check_wait(c, "killed by SIGKILL", "session child");
	close(s[0]);
	close(s[1]);
}

/* ---------------------------------------------------------------- ids */

static void test_ids(void)
{
	section("user and group ids");
	uid_t r, e, sv;
	gid_t gr, ge, gsv;
	check(getuid() == geteuid(), "getuid == geteuid");
	check(getgid() == getegid(), "getgid == getegid");
	CHECK_OK(getresuid(&r, &e, &sv), "getresuid");
	check(r == getuid() && e == geteuid() && sv == geteuid(), "getresuid matches (saved == effective)");
	CHECK_OK(getresgid(&gr, &ge, &gsv), "getresgid");
	check(gr == getgid() && ge == getegid() && gsv == getegid(), "getresgid matches");
	check(syscall(SYS_getuid) == (long)getuid(), "raw getuid matches");
	check(syscall(SYS_geteuid) == (long)geteuid(), "raw geteuid matches");
	check(syscall(SYS_getgid) == (long)getgid(), "raw getgid matches");
	check(syscall(SYS_getegid) == (long)getegid(), "raw getegid matches");
}

/* ---------------------------------------------------------------- prctl */

static void test_prctl(void)
{
	section("prctl names");
	char name[32];
	memset(name, 'x', sizeof(name));
	CHECK_OK(prctl(PR_GET_NAME, name, 0, 0, 0), "PR_GET_NAME");
	check_str(name, "procinfo", "initial name is the exec'd file name");
	CHECK_OK(prctl(PR_SET_NAME, "tern-test", 0, 0, 0), "PR_SET_NAME tern-test");
	prctl(PR_GET_NAME, name, 0, 0, 0);
	check_str(name, "tern-test", "name");
	CHECK_OK(prctl(PR_SET_NAME, "0123456789abcdefghij", 0, 0, 0), "PR_SET_NAME of 20 chars");
	memset(name, 'x', sizeof(name));
	prctl(PR_GET_NAME, name, 0, 0, 0);
	check_str(name, "0123456789abcde", "name cut to 15 chars");
	check_long(name[16], 'x', "PR_GET_NAME writes 16 bytes, no more");
	CHECK_ERR(prctl(0x7fff0000, 0, 0, 0, 0), EINVAL, "unknown prctl option");

	pid_t pid = fork();
	if (pid == 0) {
		char n[16];
		prctl(PR_GET_NAME, n, 0, 0, 0);
		_exit(strcmp(n, "0123456789abcde") == 0 ? 0 : 1);
	}
	check_wait(pid, "exited 0", "fork child inherits the name");
	prctl(PR_SET_NAME, "procinfo", 0, 0, 0);
}

/* ---------------------------------------------------------------- scheduling */

static void test_sched(void)
{
	section("sched");
	CHECK_OK(sched_yield(), "sched_yield");
	cpu_set_t set;
	CPU_ZERO(&set);
	long n = syscall(SYS_sched_getaffinity, 0, sizeof(set), &set);
	check(n > 0 && n % 8 == 0 && n <= (long)sizeof(set), "sched_getaffinity returns a size in longs");
	check(CPU_COUNT(&set) >= 1, "at least one CPU in the mask");
	CHECK_OK(syscall(SYS_sched_getaffinity, getpid(), sizeof(set), &set), "sched_getaffinity(getpid())");
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0, 7, &set), EINVAL, "size not a multiple of 8");
	CHECK_ERR(syscall(SYS_sched_getaffinity, 0x3fffffff, sizeof(set), &set), ESRCH, "missing pid");
	check(sysconf(_SC_NPROCESSORS_ONLN) >= 1, "sysconf(_SC_NPROCESSORS_ONLN) >= 1");
}

/* ---------------------------------------------------------------- rlimits */

static void test_rlimits(void)
{
	section("rlimits");
	struct rlimit rl, old;
	static const int resources[] = {RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE,
					RLIMIT_NOFILE, RLIMIT_AS, RLIMIT_NPROC, RLIMIT_MEMLOCK};
	for (size_t i = 0; i < ARRAY_SIZE(resources); i++) {
		getrlimit(resources[i], &rl);
		check(rl.rlim_cur <= rl.rlim_max, "resource %d: soft <= hard", resources[i]);
	}
	CHECK_ERR(getrlimit(99, &rl), EINVAL, "getrlimit(99)");
	CHECK_ERR(syscall(SYS_prlimit64, 0, 99, NULL, &rl), EINVAL, "prlimit64(99)");

	rl.rlim_cur = 10;
	rl.rlim_max = 5;
	CHECK_ERR(setrlimit(RLIMIT_NOFILE, &rl), EINVAL, "setrlimit soft > hard");

	/* Enforcement, in a child (lowering a hard limit cannot be undone). */
	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit lim = {16, 16}, got;
		if (setrlimit(RLIMIT_NOFILE, &lim) != 0)
			_exit(1);
		getrlimit(RLIMIT_NOFILE, &got);
		if (got.rlim_cur != 16 || got.rlim_max != 16)
			_exit(2);
		int last = -1, fd;
		while ((fd = dup(0)) >= 0)
			last = fd;
		if (errno != EMFILE || last != 15)
			_exit(3);
		if (fcntl(0, F_DUPFD, 16) != -1 || errno != EINVAL)
			_exit(4);
		if (dup2(0, 16) != -1 || errno != EBADF)
			_exit(5);
		lim.rlim_max = 32;
		lim.rlim_cur = 16;
		/* Raising the hard limit needs CAP_SYS_RESOURCE; we cannot know that
		 * we have it everywhere, so only the soft limit is moved back. */
		struct rlimit soft = {8, 16};
		if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &soft, &got) != 0)
			_exit(6);
		if (got.rlim_cur != 16 || got.rlim_max != 16)
			_exit(7);
		if (dup(0) != -1 || errno != EMFILE) /* 0..15 are open, limit 8 */
			_exit(8);
		_exit(0);
	}
	check_wait(pid, "exited 0", "RLIMIT_NOFILE=16: fds 0..15, then EMFILE; F_DUPFD/dup2 beyond -> EINVAL/EBADF");

	struct rlimit core_new = {0, 0}, core_old;
	getrlimit(RLIMIT_CORE, &old);
	CHECK_OK(syscall(SYS_prlimit64, 0, RLIMIT_CORE, NULL, &core_old), "prlimit64 read");
	check(core_old.rlim_cur == old.rlim_cur && core_old.rlim_max == old.rlim_max,
	      "prlimit64 old value equals getrlimit");
	core_new.rlim_max = old.rlim_max;
	CHECK_OK(syscall(SYS_prlimit64, getpid(), RLIMIT_CORE, &core_new, NULL), "prlimit64(getpid()) set");
	getrlimit(RLIMIT_CORE, &rl);
	check(rl.rlim_cur == 0, "RLIMIT_CORE soft now 0");
	setrlimit(RLIMIT_CORE, &old);
	CHECK_ERR(syscall(SYS_prlimit64, 0x3fffffff, RLIMIT_CORE, NULL, &rl), ESRCH, "prlimit64 of a missing pid");

	/* Limits are inherited across fork. */
	getrlimit(RLIMIT_NOFILE, &old);
	pid = fork();
	if (pid == 0) {
		struct rlimit got;
		getrlimit(RLIMIT_NOFILE, &got);
		_exit(got.rlim_cur == old.rlim_cur && got.rlim_max == old.rlim_max ? 0 : 1);
	}
	check_wait(pid, "exited 0", "child inherits the limits");
}

/* ---------------------------------------------------------------- usage */

/* Busy work until `clock` advanced ms (or 3 s of wall time passed). */
static void burn_cpu_ms(long ms, clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	int64_t end = ts.tv_sec * 1000000000LL + ts.tv_nsec + ms * 1000000LL;
	int64_t give_up = now_ns() + 3000000000LL;
	volatile unsigned long x = 0;
	do {
		for (int i = 0; i < 20000; i++)
			x += (unsigned long)i;
		clock_gettime(clock, &ts);
	} while (ts.tv_sec * 1000000000LL + ts.tv_nsec < end && now_ns() < give_up);
}

static long tv_us(struct timeval tv)
{
	return tv.tv_sec * 1000000L + tv.tv_usec;
}

static int burn_child(void *arg)
{
	(void)arg;
	burn_cpu_ms(60, CLOCK_PROCESS_CPUTIME_ID);
	return 0;
}

static void test_usage(void)
{
	section("getrusage and times");
	struct rusage before, after, ru;
	CHECK_OK(getrusage(RUSAGE_SELF, &before), "getrusage(RUSAGE_SELF)");
	burn_cpu_ms(50, CLOCK_PROCESS_CPUTIME_ID);
	getrusage(RUSAGE_SELF, &after);
	long used = tv_us(after.ru_utime) + tv_us(after.ru_stime) - tv_us(before.ru_utime) - tv_us(before.ru_stime);
	check(used >= 20000, "self user+system time grew >= 20 ms after 50 ms of work");
	check(after.ru_utime.tv_usec < 1000000 && after.ru_stime.tv_usec < 1000000, "tv_usec < 1e6");
	CHECK_OK(getrusage(RUSAGE_THREAD, &ru), "getrusage(RUSAGE_THREAD)");
	check(tv_us(ru.ru_utime) + tv_us(ru.ru_stime) >= 20000, "thread time >= 20 ms");
	CHECK_ERR(getrusage(42, &ru), EINVAL, "getrusage(42)");

	CHECK_OK(getrusage(RUSAGE_CHILDREN, &before), "getrusage(RUSAGE_CHILDREN)");
	struct tms t0, t1;
	clock_t c0 = times(&t0);
	check(c0 != (clock_t)-1, "times() succeeds");
	check_wait(spawn(burn_child, NULL), "exited 0", "child burns 60 ms");
	sleep_ms(50);
	getrusage(RUSAGE_CHILDREN, &after);
	used = tv_us(after.ru_utime) + tv_us(after.ru_stime) - tv_us(before.ru_utime) - tv_us(before.ru_stime);
	check(used >= 20000, "children's time grew >= 20 ms once the child was waited for");
	clock_t c1 = times(&t1);
	check(c1 - c0 >= 5, "times() return grew >= 5 ticks over > 50 ms");
	check(t1.tms_cutime + t1.tms_cstime - t0.tms_cutime - t0.tms_cstime >= 2,
	      "tms_cutime+tms_cstime grew >= 2 ticks");
	check(t1.tms_utime + t1.tms_stime >= 2, "own tms_utime+tms_stime >= 2 ticks");
	check_long(sysconf(_SC_CLK_TCK), 100, "sysconf(_SC_CLK_TCK)");
	check(syscall(SYS_times, NULL) > 0, "times(NULL) succeeds");
}

/* ---------------------------------------------------------------- uname */

static void test_uname(void)
{
	section("uname");
	struct utsname u;
	CHECK_OK(uname(&u), "uname");
	check_str(u.sysname, "Linux", "sysname");
	check_str(u.machine, "x86_64", "machine");
	check(u.release[0] >= '1' && u.release[0] <= '9', "release starts with a digit");
	check(strlen(u.nodename) > 0, "nodename not empty");
}

/* ---------------------------------------------------------------- tid address */

static void test_tid_address(void)
{
	section("set_tid_address");
	/* In a child: musl's own pointer (into its thread descriptor) cannot be
	 * put back afterwards. */
	pid_t pid = fork();
	if (pid == 0) {
		static int word;
		_exit(syscall(SYS_set_tid_address, &word) == gettid() ? 0 : 1);
	}
	check_wait(pid, "exited 0", "set_tid_address returns the caller's tid");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--sleep") == 0) {
		write(3, "r", 1); /* running the new image */
		for (;;)
			pause();
	}
	test_groups();
	test_ids();
	test_prctl();
	test_sched();
	test_rlimits();
	test_usage();
	test_uname();
	test_tid_address();
	return check_done();
}
