/*
 * init: PID 1 of Tern.
 *
 * Runs the commands of /etc/rc one by one (a line each, words separated by
 * blanks, '#' starts a comment), then the console program (/bin/sh, or what
 * /etc/console names) in a new session with the console as its controlling
 * terminal. When the console program ends, init exits with its status, and the
 * kernel powers the machine off. Meanwhile init reaps every orphan it inherits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE_MAX_LEN 1024
#define ARGS_MAX 64
#define RC_PATH "/etc/rc"
#define CONSOLE_PATH "/etc/console"
#define DEFAULT_CONSOLE_PROGRAM "/bin/sh"

static char *const environment[] = {"PATH=/bin:/sbin:/usr/bin:/usr/sbin", "HOME=/", "TERM=linux", NULL};

/* Splits line into words in place; returns the count. */
static int split(char *line, char **argv, int max)
{
	int n = 0;

	for (char *p = line; *p != '\0' && n < max - 1;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0' || *p == '#')
			break;
		argv[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
	argv[n] = NULL;
	return n;
}

/* Waits for pid, reaping any other child that ends meanwhile; returns pid's status. */
static int wait_for(pid_t pid)
{
	for (;;) {
		int status;
		pid_t got = waitpid(-1, &status, 0);
		if (got == pid)
			return status;
		if (got < 0 && errno == ECHILD)
			return 0;
	}
}

static pid_t start(char **argv, int console_session)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	/* The child gets default signal handling and, for the console program, a session of its own. */
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (console_session) {
		setsid();
		ioctl(0, TIOCSCTTY, 1);
	}
	execve(argv[0], argv, environment);
	fprintf(stderr, "init: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void run_rc(void)
{
	FILE *f = fopen(RC_PATH, "r");
	char line[LINE_MAX_LEN];

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		char *argv[ARGS_MAX];
		if (split(line, argv, ARGS_MAX) == 0)
			continue;
		int status = wait_for(start(argv, 0));
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fprintf(stderr, "init: %s failed (status %#x)\n", argv[0], status);
	}
	fclose(f);
}

static void console_program(char *buf, size_t size)
{
	FILE *f = fopen(CONSOLE_PATH, "r");

	snprintf(buf, size, "%s", DEFAULT_CONSOLE_PROGRAM);
	if (f != NULL) {
		if (fgets(buf, (int)size, f) != NULL)
			buf[strcspn(buf, "\n")] = '\0';
		fclose(f);
	}
}

int main(void)
{
	char command[LINE_MAX_LEN];
	char *argv[ARGS_MAX];

	if (getpid() != 1) {
		fprintf(stderr, "init: must run as process 1\n");
		return 1;
	}
	/* init ignores the keyboard signals; its children get the defaults back. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	run_rc();
	console_program(command, sizeof(command));
	if (split(command, argv, ARGS_MAX) == 0 || access(argv[0], X_OK) != 0) {
		printf("init: no console program (%s); powering off\n", argv[0] != NULL ? argv[0] : "none");
		return 0;
	}
	int status = wait_for(start(argv, 1));
	/* Orphans still running are reaped until they are all gone. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
