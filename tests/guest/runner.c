/*
 * runner - runs guest tests and frames their output for the system tests.
 *
 *   runner [DIR [NAME... | @LISTFILE]]
 *
 * chdir(DIR) (default /tests), then runs each NAME (default: the names in
 * DIR/list, one a line) as ./NAME with stdout and stderr on a pipe, and prints
 *
 *   @@@ begin NAME
 *   <everything the test wrote>
 *   @@@ end NAME exit=N          (or signal=N, or timeout)
 *
 * and at the end "@@@ summary passed=P failed=F". A newline is added before
 * the end marker when the output did not end with one, so markers always
 * start a line. A test passes when it exits 0. Exits 0 when every test passed,
 * else 1 (inside Tern the runner is PID 1 and the kernel powers off then).
 *
 * Each test gets a clean start: its own process group, stdin on /dev/null,
 * every signal at its default action and unblocked, a fixed environment
 * (PATH only), no other open fds, RLIMIT_CORE 0 and an 8 MiB RLIMIT_STACK. A test that runs longer than its time
 * limit (TIMEOUT_S, or STRESS_TIMEOUT_S for names starting with "stress_")
 * is killed with its whole process group.
 *
 * Only a small set of system calls is used (fork, execve, pipe2, dup2, poll,
 * read, write, wait4, kill, setpgid, nanosleep, clock_gettime, rt_sigaction,
 * rt_sigprocmask, prlimit64, open, close, chdir, getpid, exit_group), so the
 * runner works early.
 * No signal handlers: timeouts come from poll() against a monotonic deadline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef TIMEOUT_S
#define TIMEOUT_S 60
#endif
#ifndef STRESS_TIMEOUT_S
#define STRESS_TIMEOUT_S 600
#endif
/* Core dumps off (so "killed by SIGSEGV" never gains a "(core)" that depends
 * on the host), and the usual 8 MiB stack, the same on the host and Tern. */
#define STACK_LIMIT (8UL << 20)
#define MAX_TESTS 256
#define LIST_MAX (64 * 1024)

static bool is_init;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	for (int done = 0; done < n;) {
		ssize_t w = write(1, buf + done, (size_t)(n - done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		done += (int)w;
	}
}

static void write_all(const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(1, buf, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* In the forked child: the clean start described above, then exec. */
static void exec_test(const char *name, int out_fd)
{
	char path[300];
	snprintf(path, sizeof(path), "./%s", name);

	setpgid(0, 0);
	struct rlimit rl;
	if (getrlimit(RLIMIT_CORE, &rl) == 0) {
		rl.rlim_cur = 0;
		setrlimit(RLIMIT_CORE, &rl);
	}
	if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_max >= STACK_LIMIT) {
		rl.rlim_cur = STACK_LIMIT;
		setrlimit(RLIMIT_STACK, &rl);
	}
	int null = open("/dev/null", O_RDONLY);
	if (null >= 0 && null != 0) {
		dup2(null, 0);
		close(null);
	}
	dup2(out_fd, 1);
	dup2(out_fd, 2);
	if (out_fd > 2)
		close(out_fd);

	struct sigaction dfl;
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < 65; sig++)
		sigaction(sig, &dfl, NULL); /* fails harmlessly for KILL/STOP and musl's own */
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	char *argv[] = {path, NULL};
	char *envp[] = {"PATH=/bin:/usr/bin", NULL};
	execve(path, argv, envp);
	say("runner: cannot exec %s: errno %d\n", path, errno);
	_exit(127);
}

/* Reaps pid (and, as PID 1, any orphan that ends meanwhile) until pid is
 * gone or the deadline passes. Returns true with *status set when reaped. */
static bool reap(pid_t pid, long long deadline, int *status)
{
	long nap = 1;
	for (;;) {
		int st;
		pid_t r = waitpid(is_init ? -1 : pid, &st, WNOHANG);
		if (r == pid) {
			*status = st;
			return true;
		}
		if (r > 0)
			continue; /* an orphan reparented to us */
		if (r < 0 && errno != EINTR)
			return false;
		if (deadline != 0 && now_ms() >= deadline)
			return false;
		nap_ms(nap);
		if (nap < 50)
			nap *= 2;
	}
}

/* Runs one test; returns true when it passed. */
static bool run_test(const char *name)
{
	int p[2];
	say("@@@ begin %s\n", name);
	if (pipe2(p, O_CLOEXEC) < 0) {
		say("runner: pipe2: errno %d\n@@@ end %s exit=127\n", errno, name);
		return false;
	}
	pid_t pid = fork();
	if (pid < 0) {
		say("runner: fork: errno %d\n@@@ end %s exit=127\n", errno, name);
		close(p[0]);
		close(p[1]);
		return false;
	}
	if (pid == 0)
		exec_test(name, p[1]);
	setpgid(pid, pid); /* also in the child: whichever runs first wins */
	close(p[1]);

	bool stress = strncmp(name, "stress_", 7) == 0;
	long long deadline = now_ms() + 1000LL * (stress ? STRESS_TIMEOUT_S : TIMEOUT_S);
	bool timed_out = false;
	char last = '\n';
	char buf[4096];
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		int r = poll(&pfd, 1, left > 1000 ? 1000 : (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		ssize_t n = read(p[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: every writer is gone */
		write_all(buf, (size_t)n);
		last = buf[n - 1];
	}

	int status = 0;
	bool reaped = !timed_out && reap(pid, deadline, &status);
	if (!reaped) {
		timed_out = true;
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		reap(pid, now_ms() + 10000, &status);
	}
	close(p[0]);
	if (last != '\n')
		say("\n");
	if (timed_out) {
		say("@@@ end %s timeout\n", name);
		return false;
	}
	if (WIFSIGNALED(status)) {
		say("@@@ end %s signal=%d\n", name, WTERMSIG(status));
		return false;
	}
	say("@@@ end %s exit=%d\n", name, WEXITSTATUS(status));
	return WEXITSTATUS(status) == 0;
}

/* Reads a list file (in DIR) into buf and splits it into names (blank lines and
 * lines starting with '#' are skipped). Returns the count, or -1. */
static int read_list(const char *file, char *buf, size_t size, char **names, int max)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	int count = 0;
	for (char *line = buf; *line != '\0' && count < max;) {
		char *end = strchr(line, '\n');
		if (end != NULL)
			*end = '\0';
		if (line[0] != '\0' && line[0] != '#')
			names[count++] = line;
		if (end == NULL)
			break;
		line = end + 1;
	}
	return count;
}

int main(int argc, char **argv)
{
	static char list[LIST_MAX];
	char *names[MAX_TESTS];
	int count = 0;
	const char *dir = argc > 1 ? argv[1] : "/tests";

	is_init = getpid() == 1;
	/* An inherited SIG_IGN for SIGCHLD would make children unwaitable. */
	signal(SIGCHLD, SIG_DFL);
	if (chdir(dir) < 0) {
		say("runner: cannot chdir to %s: errno %d\n", dir, errno);
		say("@@@ summary passed=0 failed=1\n");
		return 1;
	}
	if (argc > 2 && argv[2][0] == '@') {
		/* "@FILE": the names come from another list file in DIR. */
		count = read_list(argv[2] + 1, list, sizeof(list), names, MAX_TESTS);
		if (count < 0) {
			say("runner: cannot read %s/%s: errno %d\n", dir, argv[2] + 1, errno);
			say("@@@ summary passed=0 failed=1\n");
			return 1;
		}
	} else if (argc > 2) {
		for (int i = 2; i < argc && count < MAX_TESTS; i++)
			names[count++] = argv[i];
	} else {
		count = read_list("list", list, sizeof(list), names, MAX_TESTS);
		if (count < 0) {
			say("runner: cannot read %s/list: errno %d\n", dir, errno);
			say("@@@ summary passed=0 failed=1\n");
			return 1;
		}
	}

	int passed = 0, failed = 0;
	for (int i = 0; i < count; i++) {
		if (run_test(names[i]))
			passed++;
		else
			failed++;
	}
	say("@@@ summary passed=%d failed=%d\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
