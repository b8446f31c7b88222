/* kill [-SIGNAL] PID...: sends a signal (default SIGTERM) by number or name. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	int number;
} names[] = {{"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"KILL", SIGKILL}, {"USR1", SIGUSR1},
	     {"USR2", SIGUSR2}, {"TERM", SIGTERM}, {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}};

int main(int argc, char **argv)
{
	int sig = SIGTERM, i = 1, status = 0;

	if (argc > 1 && argv[1][0] == '-') {
		const char *s = argv[1] + 1;
		if (strncmp(s, "SIG", 3) == 0)
			s += 3;
		sig = atoi(s);
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			if (strcmp(s, names[k].name) == 0)
				sig = names[k].number;
		}
		i = 2;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: kill [-SIGNAL] PID...\n");
		return 2;
	}
	for (; i < argc; i++) {
		if (kill(atoi(argv[i]), sig) != 0) {
			perror("kill");
			status = 1;
		}
	}
	return status;
}
