/*
 * stress_fork - guest-only stress test (not compared with the host): 1000
 * cycles of fork, exit with a cycle-dependent status, and wait; every status
 * must come back right and no child may be left over.
 */
#include "check.h"

#include <sys/wait.h>
#include <unistd.h>

#define CYCLES 1000

int main(void)
{
	int bad = 0, failed_forks = 0;
	int64_t t0 = now_ns();
	for (int i = 0; i < CYCLES; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			failed_forks++;
			continue;
		}
		if (pid == 0)
			_exit(i & 0xff);
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != (i & 0xff))
			bad++;
	}
	int64_t ms = (now_ns() - t0) / 1000000;
	check_long(failed_forks, 0, "failed forks");
	check_long(bad, 0, "wrong or missing exit statuses");
	CHECK_ERR(waitpid(-1, NULL, WNOHANG), ECHILD, "no child left");
	out("info: %d cycles in %lld ms\n", CYCLES, (long long)ms);
	out("stress_fork: %s\n", check_failures() == 0 ? "PASS" : "FAIL");
	return check_done();
}
