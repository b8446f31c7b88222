/*
 * proc - process life cycle: fork, vfork, execve (argv/envp, errors, what
 * survives exec), exit and exit_group, wait4 (WNOHANG, WUNTRACED, WCONTINUED,
 * status macros, rusage), waitid, and orphan reparenting to a subreaper.
 *
 * Self-exec modes (argv[1]) let an exec'd image report what it inherited;
 * the exec'd image prints while its parent waits, so output stays ordered.
 */
#include "check.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *self; /* argv[0], to exec ourselves */
static int global_value = 1;

/* ---------------------------------------------------------------- exec'd modes */

/* Prints argv and envp as received. */
static int mode_print_args(int argc, char **argv, char **envp)
{
	out("  exec'd: argc = %d\n", argc);
	for (int i = 0; i < argc; i++)
		out("  exec'd: argv[%d] = \"%s\"\n", i, argv[i]);
	int n = 0;
	for (char **e = envp; *e != NULL; e++, n++)
		out("  exec'd: envp[%d] = \"%s\"\n", n, *e);
	out("  exec'd: envc = %d\n", n);
	return 0;
}

/* argv[2] = the pid before exec, argv[3] = the parent's pid: both must hold. */
static int mode_same_pid(char **argv)
{
	bool ok = getpid() == atoi(argv[2]) && getppid() == atoi(argv[3]);
	return ok ? 0 : 1;
}

/* Reports the signal state that execve must carry over or reset. */
static int mode_signal_state(void)
{
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	check(sa.sa_handler == SIG_DFL, "  exec'd: caught SIGUSR1 reset to SIG_DFL");
	sigaction(SIGUSR2, NULL, &sa);
	check(sa.sa_handler == SIG_IGN, "  exec'd: ignored SIGUSR2 still SIG_IGN");
	sigset_t mask, pending;
	sigprocmask(SIG_BLOCK, NULL, &mask);
	check(sigismember(&mask, SIGTERM), "  exec'd: SIGTERM still blocked");
	check(!sigismember(&mask, SIGUSR1), "  exec'd: SIGUSR1 still unblocked");
	sigpending(&pending);
	check(sigismember(&pending, SIGTERM), "  exec'd: pending SIGTERM survived exec");
	/* Discard the pending SIGTERM so the exit status is ours. */
	signal(SIGTERM, SIG_IGN);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return check_failures() ? 1 : 0;
}

/* ---------------------------------------------------------------- fork */

static void test_fork(void)
{
	section("fork");
	pid_t parent = getpid();
	check(getpid() == syscall(SYS_getpid), "getpid() equals raw syscall");
	check(gettid() == getpid(), "main thread: gettid == getpid");
	check(getppid() != getpid(), "getppid != getpid");

	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		/* The child reports through its exit code; the parent prints. */
		int bits = 0;
		bits |= (getppid() == parent) << 0;
		bits |= (getpid() != parent) << 1;
		bits |= (gettid() == getpid()) << 2;
		global_value = 2;
		char c = 'x';
		write(p[1], &c, 1);
		_exit(bits);
	}
	check(pid > 0, "fork returns child pid > 0 in parent");
	check(pid != getpid(), "child pid != parent pid");
	char c = 0;
	read(p[0], &c, 1);
	check(c == 'x', "child wrote to inherited pipe");
	int st;
	check(waitpid(pid, &st, 0) == pid, "waitpid returns child pid");
	check(WIFEXITED(st), "WIFEXITED");
	check_long(WEXITSTATUS(st), 7, "child facts bits (ppid, pid, tid)");
	check_long(global_value, 1, "child's write to a global not seen by parent");
	close(p[0]);
	close(p[1]);

	/* Exit status keeps only the low 8 bits. */
	pid = fork();
	if (pid == 0)
		_exit(256 + 3);
	check_wait(pid, "exited 3", "_exit(259)");
	pid = fork();
	if (pid == 0)
		_exit(255);
	check_wait(pid, "exited 255", "_exit(255)");
	pid = fork();
	if (pid == 0) {
		syscall(SYS_exit, 9); /* exit (not exit_group) in a one-thread process */
		_exit(1);
	}
	check_wait(pid, "exited 9", "raw SYS_exit(9)");
	pid = fork();
	if (pid == 0) {
		syscall(SYS_exit_group, 10);
		_exit(1);
	}
	check_wait(pid, "exited 10", "raw SYS_exit_group(10)");
	pid = fork();
	if (pid == 0)
		exit(4); /* through libc exit */
	check_wait(pid, "exited 4", "exit(4)");

	/* A file description (and its offset) is shared across fork. */
	int fd = open("data/hello.txt", O_RDONLY);
	pid = fork();
	if (pid == 0) {
		char buf[6];
		_exit(read(fd, buf, 6) == 6 ? 0 : 1);
	}
	check_wait(pid, "exited 0", "child reads 6 bytes of a shared fd");
	check_long(lseek(fd, 0, SEEK_CUR), 6, "parent's offset after child's read");
	close(fd);
}

/* ---------------------------------------------------------------- vfork */

static void test_vfork(void)
{
	section("vfork");
	volatile int shared = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		shared = 42; /* vfork child borrows the parent's memory */
		_exit(7);
	}
	check(pid > 0, "vfork returns child pid");
	check_long(shared, 42, "parent sees the vfork child's write");
	check_wait(pid, "exited 7", "vfork child _exit(7)");

	pid = vfork();
	if (pid == 0) {
		char mine[16], parent[16];
		snprintf(mine, sizeof(mine), "%d", getpid());
		snprintf(parent, sizeof(parent), "%d", getppid());
		char *argv[] = {(char *)self, "--same-pid", mine, parent, NULL};
		char *envp[] = {NULL};
		execve(self, argv, envp);
		_exit(99);
	}
	check_wait(pid, "exited 0", "vfork + execve keeps pid and ppid");

	/* vfork + failing exec: the child reports the errno through _exit. */
	pid = vfork();
	if (pid == 0) {
		char *argv[] = {"nothing", NULL};
		execve("./does-not-exist", argv, argv + 1);
		_exit(errno == ENOENT ? 0 : 1);
	}
	check_wait(pid, "exited 0", "vfork + execve of a missing file fails with ENOENT");
}

/* ---------------------------------------------------------------- execve */

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_execve(void)
{
	section("execve");
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"argv0-name", "a b", "", "c", NULL};
		char *envp[] = {"FOO=bar", "EMPTY=", "X=1", NULL};
		char *real[] = {argv[0], "--print-args", argv[1], argv[2], argv[3], NULL};
		execve(self, real, envp);
		_exit(99);
	}
	check_wait(pid, "exited 0", "exec with argv and envp");

	pid = fork();
	if (pid == 0) {
		char *argv[] = {(char *)self, "--print-args", NULL};
		char *envp[] = {NULL};
		execve(self, argv, envp);
		_exit(99);
	}
	check_wait(pid, "exited 0", "exec with an empty environment");

	/* Signal state across exec. */
	pid = fork();
	if (pid == 0) {
		signal(SIGUSR1, on_usr1); /* a handler: reset by exec */
		signal(SIGUSR2, SIG_IGN);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		kill(getpid(), SIGTERM); /* stays pending across exec */
		char *argv[] = {(char *)self, "--signal-state", NULL};
		char *envp[] = {NULL};
		execve(self, argv, envp);
		_exit(99);
	}
	check_wait(pid, "exited 0", "exec'd image saw the right signal state");

	/* Errors: each exec fails and returns to us. */
	char *argv[] = {"x", NULL};
	char *envp[] = {NULL};
	CHECK_ERR(execve("./does-not-exist", argv, envp), ENOENT, "execve missing file");
	CHECK_ERR(execve("data", argv, envp), EACCES, "execve a directory");
	CHECK_ERR(execve("data/hello.txt", argv, envp), EACCES, "execve a file without x bits");
	CHECK_ERR(execve("data/hello.txt/x", argv, envp), ENOTDIR, "execve through a file as dir");
	CHECK_ERR(execve("", argv, envp), ENOENT, "execve empty path");
	CHECK_ERR(execve("data/nodir/x", argv, envp), ENOENT, "execve missing directory");
}

/* ---------------------------------------------------------------- wait4 */

static int burn_cpu_50ms(void *arg)
{
	(void)arg;
	struct timespec ts;
	volatile unsigned long x = 0;
	int64_t give_up = now_ns() + 3000000000LL; /* in case the CPU clock never moves */
	do {
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
		clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	} while (ts.tv_sec == 0 && ts.tv_nsec < 50000000 && now_ns() < give_up);
	return 0;
}

static void test_wait4(void)
{
	section("wait4");
	int st;
	CHECK_ERR(wait4(-1, &st, 0, NULL), ECHILD, "wait4(-1) with no children");
	CHECK_ERR(wait4(getpid(), &st, 0, NULL), ECHILD, "wait4(self)");
	CHECK_ERR(wait4(-1, &st, 0x1000, NULL), EINVAL, "wait4 with an unknown option bit");

	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		read(p[0], &c, 1); /* wait for the parent's go */
		_exit(5);
	}
	check_long(wait4(pid, &st, WNOHANG, NULL), 0, "WNOHANG on a running child returns");
	check_long(waitpid(-1, &st, WNOHANG), 0, "WNOHANG, any child, none done returns");
	write(p[1], "g", 1);
	check_wait(pid, "exited 5", "child released by the pipe");
	close(p[0]);
	close(p[1]);

	/* Only the named child is reaped. */
	pid_t a = fork();
	if (a == 0)
		_exit(11);
	pid_t b = fork();
	if (b == 0) {
		sleep_ms(50);
		_exit(12);
	}
	check(waitpid(b, &st, 0) == b && WEXITSTATUS(st) == 12, "waitpid(b) reaps b even if a ended first");
	check(waitpid(-1, &st, 0) == a && WEXITSTATUS(st) == 11, "waitpid(-1) then reaps a");

	/* waitpid(0) waits for our process group; -pgid names it explicitly. */
	a = fork();
	if (a == 0)
		_exit(13);
	check(waitpid(0, &st, 0) == a && WEXITSTATUS(st) == 13, "waitpid(0) reaps a child in our group");
	a = fork();
	if (a == 0)
		_exit(14);
	check(waitpid(-getpgid(0), &st, 0) == a && WEXITSTATUS(st) == 14, "waitpid(-pgid) reaps it");
	a = fork();
	if (a == 0) {
		setpgid(0, 0);
		sleep_ms(30);
		_exit(15);
	}
	setpgid(a, a);
	CHECK_ERR(waitpid(0, &st, 0), ECHILD, "waitpid(0) blocking: no child in our group");
	check(waitpid(-a, &st, 0) == a && WEXITSTATUS(st) == 15, "waitpid(-childgroup) reaps it");

	/* Signals in the status. RLIMIT_CORE=0: Linux dumps no core, so no core flag. */
	struct rlimit zero = {0, 0};
	setrlimit(RLIMIT_CORE, &zero);
	pid = fork();
	if (pid == 0) {
		pause();
		_exit(1);
	}
	kill(pid, SIGTERM);
	check_wait(pid, "killed by SIGTERM", "SIGTERM");
	pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	kill(pid, SIGKILL);
	check_wait(pid, "killed by SIGKILL", "SIGKILL");
	pid = fork();
	if (pid == 0) {
		poke(NULL, 1);
		_exit(1);
	}
	check_wait(pid, "killed by SIGSEGV", "NULL write with RLIMIT_CORE=0 (no core flag)");
	pid = fork();
	if (pid == 0) {
		abort();
	}
	check_wait(pid, "killed by SIGABRT", "abort()");

	/* Stop and continue. The child waits for a byte after it is continued, so its
	 * exit cannot overtake the WCONTINUED report. */
	int go[2];
	pipe(go);
	pid = fork();
	if (pid == 0) {
		char c;
		raise(SIGSTOP);
		read(go[0], &c, 1);
		_exit(6);
	}
	check(waitpid(pid, &st, WUNTRACED) == pid, "WUNTRACED returns the stopped child");
	char buf[64];
	check_str(wait_status_str(st, buf, sizeof(buf)), "stopped by SIGSTOP", "status");
	check(WIFSTOPPED(st) && !WIFEXITED(st) && !WIFSIGNALED(st), "WIFSTOPPED only");
	check_long(waitpid(pid, &st, WNOHANG | WUNTRACED), 0, "the stop is reported once");
	kill(pid, SIGCONT);
	check(waitpid(pid, &st, WCONTINUED) == pid, "WCONTINUED returns the continued child");
	check_str(wait_status_str(st, buf, sizeof(buf)), "continued", "status");
	check(WIFCONTINUED(st), "WIFCONTINUED");
	write(go[1], "x", 1);
	check_wait(pid, "exited 6", "then it exits");
	close(go[0]);
	close(go[1]);

	/* rusage of the waited child. */
	pid = spawn(burn_cpu_50ms, NULL);
	struct rusage ru;
	memset(&ru, 0, sizeof(ru));
	check(wait4(pid, &st, 0, &ru) == pid, "wait4 with rusage");
	long us = ru.ru_utime.tv_sec * 1000000L + ru.ru_utime.tv_usec + ru.ru_stime.tv_sec * 1000000L +
		  ru.ru_stime.tv_usec;
	check(us >= 10000, "child's user+system time >= 10 ms after burning 50 ms");
	check(ru.ru_utime.tv_usec < 1000000 && ru.ru_stime.tv_usec < 1000000, "rusage tv_usec < 1e6");
}

/* ---------------------------------------------------------------- waitid */

static void test_waitid(void)
{
	section("waitid");
	siginfo_t si;
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	memset(&si, 0, sizeof(si));
	check_long(waitid(P_PID, pid, &si, WEXITED | WNOWAIT), 0, "waitid WNOWAIT");
	check(si.si_pid == pid, "si_pid is the child");
	check_str(signal_name(si.si_signo), "SIGCHLD", "si_signo");
	check_str(si_code_name(SIGCHLD, si.si_code), "CLD_EXITED", "si_code");
	check_long(si.si_status, 3, "si_status");
	check(si.si_uid == getuid(), "si_uid is our uid");
	memset(&si, 0, sizeof(si));
	check_long(waitid(P_ALL, 0, &si, WEXITED), 0, "waitid P_ALL after WNOWAIT still finds it");
	check(si.si_pid == pid, "same child");
	CHECK_ERR(waitid(P_PID, pid, &si, WEXITED), ECHILD, "now it is reaped");

	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	memset(&si, 0xff, sizeof(si));
	check_long(waitid(P_PID, pid, &si, WEXITED | WNOHANG), 0, "WNOHANG with nothing to report");
	check_long(si.si_pid, 0, "si_pid zeroed");
	check_long(si.si_signo, 0, "si_signo zeroed");
	kill(pid, SIGKILL);
	memset(&si, 0, sizeof(si));
	check_long(waitid(P_PGID, getpgid(0), &si, WEXITED), 0, "waitid P_PGID");
	check_str(si_code_name(SIGCHLD, si.si_code), "CLD_KILLED", "si_code");
	check_str(signal_name(si.si_status), "SIGKILL", "si_status");

	int go2[2];
	pipe(go2);
	pid = fork();
	if (pid == 0) {
		char c;
		raise(SIGSTOP);
		read(go2[0], &c, 1); /* stays until the continue has been reported */
		_exit(8);
	}
	memset(&si, 0, sizeof(si));
	check_long(waitid(P_PID, pid, &si, WSTOPPED), 0, "waitid WSTOPPED");
	check_str(si_code_name(SIGCHLD, si.si_code), "CLD_STOPPED", "si_code");
	check_str(signal_name(si.si_status), "SIGSTOP", "si_status");
	kill(pid, SIGCONT);
	memset(&si, 0, sizeof(si));
	check_long(waitid(P_PID, pid, &si, WCONTINUED), 0, "waitid WCONTINUED");
	check_str(si_code_name(SIGCHLD, si.si_code), "CLD_CONTINUED", "si_code");
	check_str(signal_name(si.si_status), "SIGCONT", "si_status");
	write(go2[1], "x", 1);
	close(go2[0]);
	close(go2[1]);
	memset(&si, 0, sizeof(si));
	check_long(waitid(P_PID, pid, &si, WEXITED), 0, "waitid WEXITED");
	check_long(si.si_status, 8, "si_status");

	CHECK_ERR(waitid(P_ALL, 0, &si, 0), EINVAL, "waitid with no event option");
	CHECK_ERR(waitid((idtype_t)42, 0, &si, WEXITED), EINVAL, "waitid with a bad idtype");
	CHECK_ERR(waitid(P_ALL, 0, &si, WEXITED), ECHILD, "waitid with no children");
}

/* ---------------------------------------------------------------- orphans */

static void test_orphans(void)
{
	section("orphan reparenting");
	/* Without a subreaper an orphan goes to the nearest reaper (init, or
	 * whatever subreaper the host has); making ourselves the subreaper gives
	 * the same answer everywhere. */
	check_long(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0, "PR_SET_CHILD_SUBREAPER");
	int flag = -1;
	check_long(prctl(PR_GET_CHILD_SUBREAPER, &flag, 0, 0, 0), 0, "PR_GET_CHILD_SUBREAPER");
	check_long(flag, 1, "subreaper flag");

	pid_t me = getpid();
	int p[2], q[2];
	pipe(p); /* parent -> grandchild: "go" */
	pipe(q); /* middle child -> parent: the grandchild's pid */
	pid_t child = fork();
	if (child == 0) {
		pid_t grandchild = fork();
		if (grandchild == 0) {
			pid_t first = getppid();
			/* Wait for our parent to exit, then report our new parent. */
			char go;
			read(p[0], &go, 1);
			int64_t end = now_ns() + 5000000000LL;
			while (getppid() == first && now_ns() < end)
				sleep_ms(1);
			_exit(getppid() == me ? 0 : 1);
		}
		write(q[1], &grandchild, sizeof(grandchild));
		_exit(0);
	}
	pid_t grandchild = 0;
	read(q[0], &grandchild, sizeof(grandchild));
	check_wait(child, "exited 0", "middle child exits");
	write(p[1], "g", 1);
	check_wait(grandchild, "exited 0", "orphaned grandchild reparented to us (and waitable)");
	close(p[0]);
	close(p[1]);
	close(q[0]);
	close(q[1]);
	prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
}

int main(int argc, char **argv, char **envp)
{
	self = argv[0];
	if (argc > 1 && strcmp(argv[1], "--print-args") == 0)
		return mode_print_args(argc, argv, envp);
	if (argc > 3 && strcmp(argv[1], "--same-pid") == 0)
		return mode_same_pid(argv);
	if (argc > 1 && strcmp(argv[1], "--signal-state") == 0)
		return mode_signal_state();

	test_fork();
	test_vfork();
	test_execve();
	test_wait4();
	test_waitid();
	test_orphans();
	return check_done();
}
