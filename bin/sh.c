/*
 * sh: Tern's small shell (not yet POSIX-complete).
 *
 *   sh                 interactive, on the terminal (prompt, job control)
 *   sh -c 'commands'   run commands and exit
 *   sh FILE            run a script
 *
 * Syntax: words with '...' and "..." quoting and backslash escapes; $NAME,
 * ${NAME} and $? expansion; pipelines (a | b | c); redirections < > >> 2> 2>&1;
 * lists with ; && || and a trailing & for background jobs; # comments.
 * Builtins: cd, pwd, exit, export, unset, jobs, fg, bg, wait, true, false.
 * Each pipeline runs in its own process group; in an interactive shell the
 * foreground group owns the terminal, so ^C and ^Z reach only it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define LINE_MAX_LEN 4096
#define WORDS_MAX 256
#define STAGES_MAX 16
#define JOBS_MAX 32

struct stage {
	char *argv[WORDS_MAX];
	int argc;
	char *in, *out;
	bool append, err_to_out;
	char *err;
};

struct job {
	pid_t pgid;
	pid_t pids[STAGES_MAX];
	int npids, alive;
	bool stopped;
	int status;
	char command[128];
};

static bool interactive;
static int last_status;
static struct job jobs[JOBS_MAX];
static pid_t shell_pgid;

/* ---------------------------------------------------------------- words */

struct lexer {
	const char *p;
	char buf[LINE_MAX_LEN * 2];
	size_t used;
};

static char *store(struct lexer *lx, const char *s, size_t n)
{
	if (lx->used + n + 1 > sizeof(lx->buf))
		return NULL;
	char *out = lx->buf + lx->used;
	memcpy(out, s, n);
	out[n] = '\0';
	lx->used += n + 1;
	return out;
}

/* Appends $NAME's value (or $?) at *out; advances *p past the name. */
static void expand_variable(const char **p, char *out, size_t *len, size_t cap)
{
	char name[128];
	size_t n = 0;
	const char *s = *p;
	bool braced = *s == '{';

	if (braced)
		s++;
	if (*s == '?') {
		n = (size_t)snprintf(name, sizeof(name), "%d", last_status);
		s++;
		if (braced && *s == '}')
			s++;
		*p = s;
		for (size_t i = 0; i < n && *len < cap - 1; i++)
			out[(*len)++] = name[i];
		return;
	}
	while ((*s == '_' || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')) &&
	       n < sizeof(name) - 1)
		name[n++] = *s++;
	name[n] = '\0';
	if (braced && *s == '}')
		s++;
	*p = s;
	if (n == 0) {
		if (*len < cap - 1)
			out[(*len)++] = '$';
		return;
	}
	const char *v = getenv(name);
	for (; v != NULL && *v != '\0' && *len < cap - 1; v++)
		out[(*len)++] = *v;
}

/* The next token: a word, or an operator (| ; & && || < > >> 2> 2>&1). NULL at the end. */
static char *next_token(struct lexer *lx, bool *is_operator)
{
	char word[LINE_MAX_LEN];
	size_t len = 0;
	const char *p = lx->p;

	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (*p == '\0' || *p == '#') {
		lx->p = p;
		return NULL;
	}
	*is_operator = false;
	static const char *const ops[] = {"2>&1", "&&", "||", ">>", "2>", "|", ";", "&", "<", ">"};
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i]);
		if (strncmp(p, ops[i], n) == 0) {
			lx->p = p + n;
			*is_operator = true;
			return store(lx, ops[i], n);
		}
	}
	while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n' && !strchr("|;&<>", *p) && len < sizeof(word) - 1) {
		if (*p == '\\' && p[1] != '\0') {
			word[len++] = p[1];
			p += 2;
		} else if (*p == '\'') {
			for (p++; *p != '\0' && *p != '\'' && len < sizeof(word) - 1; p++)
				word[len++] = *p;
			if (*p == '\'')
				p++;
		} else if (*p == '"') {
			for (p++; *p != '\0' && *p != '"' && len < sizeof(word) - 1;) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\' || p[1] == '$')) {
					word[len++] = p[1];
					p += 2;
				} else if (*p == '$') {
					p++;
					expand_variable(&p, word, &len, sizeof(word));
				} else {
					word[len++] = *p++;
				}
			}
			if (*p == '"')
				p++;
		} else if (*p == '$') {
			p++;
			expand_variable(&p, word, &len, sizeof(word));
		} else {
			word[len++] = *p++;
		}
	}
	lx->p = p;
	return store(lx, word, len);
}

/* ---------------------------------------------------------------- jobs */

static struct job *new_job(void)
{
	for (int i = 0; i < JOBS_MAX; i++) {
		if (jobs[i].pgid == 0) {
			memset(&jobs[i], 0, sizeof(jobs[i]));
			return &jobs[i];
		}
	}
	return NULL;
}

static struct job *job_of(pid_t pid)
{
	for (int i = 0; i < JOBS_MAX; i++) {
		for (int k = 0; jobs[i].pgid != 0 && k < jobs[i].npids; k++) {
			if (jobs[i].pids[k] == pid)
				return &jobs[i];
		}
	}
	return NULL;
}

/* Records what happened to one child; returns its job. */
static struct job *note_status(pid_t pid, int status)
{
	struct job *j = job_of(pid);

	if (j == NULL)
		return NULL;
	if (WIFSTOPPED(status)) {
		j->stopped = true;
	} else if (WIFCONTINUED(status)) {
		j->stopped = false;
	} else {
		j->alive--;
		if (pid == j->pids[j->npids - 1])
			j->status = status;
	}
	return j;
}

static int status_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 128 + WSTOPSIG(status);
}

static void give_terminal(pid_t pgid)
{
	if (interactive)
		tcsetpgrp(0, pgid);
}

/* Waits for a foreground job to finish or stop; returns its exit code. */
static int wait_job(struct job *j)
{
	give_terminal(j->pgid);
	while (j->alive > 0 && !j->stopped) {
		int status;
		pid_t pid = waitpid(-j->pgid, &status, WUNTRACED);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		note_status(pid, status);
	}
	give_terminal(shell_pgid);
	int code;
	if (j->stopped) {
		fprintf(stderr, "\n[%d] Stopped  %s\n", (int)(j - jobs) + 1, j->command);
		code = 128 + SIGTSTP;
	} else {
		code = status_code(j->status);
		if (WIFSIGNALED(j->status) && WTERMSIG(j->status) != SIGINT && WTERMSIG(j->status) != SIGPIPE)
			fprintf(stderr, "%s\n", strsignal(WTERMSIG(j->status)));
		j->pgid = 0;
	}
	return code;
}

static void reap_background(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG | WUNTRACED)) > 0) {
		struct job *j = note_status(pid, status);
		if (j != NULL && j->alive == 0) {
			if (interactive)
				fprintf(stderr, "[%d] Done  %s\n", (int)(j - jobs) + 1, j->command);
			j->pgid = 0;
		}
	}
}

/* ---------------------------------------------------------------- running */

static int redirect(const char *path, int fd, int flags)
{
	int f = open(path, flags, 0644);

	if (f < 0) {
		fprintf(stderr, "sh: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (f != fd) {
		dup2(f, fd);
		close(f);
	}
	return 0;
}

static void exec_stage(struct stage *s)
{
	if (s->in != NULL && redirect(s->in, 0, O_RDONLY) != 0)
		_exit(1);
	if (s->out != NULL && redirect(s->out, 1, O_WRONLY | O_CREAT | (s->append ? O_APPEND : O_TRUNC)) != 0)
		_exit(1);
	if (s->err != NULL && redirect(s->err, 2, O_WRONLY | O_CREAT | O_TRUNC) != 0)
		_exit(1);
	if (s->err_to_out)
		dup2(1, 2);
	execvp(s->argv[0], s->argv);
	fprintf(stderr, "sh: %s: %s\n", s->argv[0], errno == ENOENT ? "not found" : strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static int builtin(struct stage *s, bool *handled);

static int run_pipeline(struct stage *stages, int n, bool background, const char *text)
{
	bool handled = false;

	if (n == 1 && !background) {
		int code = builtin(&stages[0], &handled);
		if (handled)
			return code;
	}
	struct job *j = new_job();
	if (j == NULL) {
		fprintf(stderr, "sh: too many jobs\n");
		return 1;
	}
	snprintf(j->command, sizeof(j->command), "%s", text);
	int prev_read = -1;
	for (int i = 0; i < n; i++) {
		int p[2] = {-1, -1};
		if (i + 1 < n && pipe(p) != 0) {
			perror("sh: pipe");
			break;
		}
		pid_t pid = fork();
		if (pid == 0) {
			setpgid(0, j->pgid);
			if (!background && j->pgid == 0)
				give_terminal(getpid());
			for (int sig = 1; sig < NSIG; sig++)
				signal(sig, SIG_DFL);
			if (prev_read >= 0) {
				dup2(prev_read, 0);
				close(prev_read);
			}
			if (p[1] >= 0) {
				dup2(p[1], 1);
				close(p[1]);
				close(p[0]);
			}
			exec_stage(&stages[i]);
		}
		if (pid < 0) {
			perror("sh: fork");
			break;
		}
		if (j->pgid == 0)
			j->pgid = pid;
		setpgid(pid, j->pgid);
		j->pids[j->npids++] = pid;
		j->alive++;
		if (prev_read >= 0)
			close(prev_read);
		if (p[1] >= 0)
			close(p[1]);
		prev_read = p[0];
	}
	if (prev_read >= 0)
		close(prev_read);
	if (j->npids == 0) {
		j->pgid = 0;
		return 1;
	}
	if (background) {
		if (interactive)
			fprintf(stderr, "[%d] %d\n", (int)(j - jobs) + 1, (int)j->pgid);
		return 0;
	}
	return wait_job(j);
}

static struct job *pick_job(struct stage *s)
{
	if (s->argc > 1) {
		int n = atoi(s->argv[1] + (s->argv[1][0] == '%'));
		if (n >= 1 && n <= JOBS_MAX && jobs[n - 1].pgid != 0)
			return &jobs[n - 1];
		return NULL;
	}
	for (int i = JOBS_MAX - 1; i >= 0; i--) {
		if (jobs[i].pgid != 0)
			return &jobs[i];
	}
	return NULL;
}

static int builtin(struct stage *s, bool *handled)
{
	const char *cmd = s->argv[0];

	*handled = true;
	if (strcmp(cmd, "cd") == 0) {
		const char *dir = s->argc > 1 ? s->argv[1] : getenv("HOME");
		if (chdir(dir != NULL ? dir : "/") != 0) {
			fprintf(stderr, "sh: cd: %s: %s\n", dir, strerror(errno));
			return 1;
		}
		return 0;
	}
	if (strcmp(cmd, "pwd") == 0) {
		char buf[4096];
		if (getcwd(buf, sizeof(buf)) == NULL)
			return 1;
		printf("%s\n", buf);
		fflush(stdout);
		return 0;
	}
	if (strcmp(cmd, "exit") == 0)
		exit(s->argc > 1 ? atoi(s->argv[1]) : last_status);
	if (strcmp(cmd, "true") == 0)
		return 0;
	if (strcmp(cmd, "false") == 0)
		return 1;
	if (strcmp(cmd, "export") == 0) {
		for (int i = 1; i < s->argc; i++) {
			char *eq = strchr(s->argv[i], '=');
			if (eq != NULL) {
				*eq = '\0';
				setenv(s->argv[i], eq + 1, 1);
			}
		}
		return 0;
	}
	if (strcmp(cmd, "unset") == 0) {
		for (int i = 1; i < s->argc; i++)
			unsetenv(s->argv[i]);
		return 0;
	}
	if (strcmp(cmd, "jobs") == 0) {
		for (int i = 0; i < JOBS_MAX; i++) {
			if (jobs[i].pgid != 0)
				printf("[%d] %s  %s\n", i + 1, jobs[i].stopped ? "Stopped" : "Running", jobs[i].command);
		}
		fflush(stdout);
		return 0;
	}
	if (strcmp(cmd, "fg") == 0 || strcmp(cmd, "bg") == 0) {
		struct job *j = pick_job(s);
		if (j == NULL) {
			fprintf(stderr, "sh: %s: no such job\n", cmd);
			return 1;
		}
		j->stopped = false;
		kill(-j->pgid, SIGCONT);
		return cmd[0] == 'f' ? wait_job(j) : 0;
	}
	if (strcmp(cmd, "wait") == 0) {
		for (int i = 0; i < JOBS_MAX; i++) {
			if (jobs[i].pgid != 0 && !jobs[i].stopped)
				last_status = wait_job(&jobs[i]);
		}
		return 0;
	}
	*handled = false;
	return 0;
}

/* Parses and runs one line. */
static void run_line(const char *line)
{
	struct lexer lx = {.p = line};
	struct stage stages[STAGES_MAX];
	int n = 0;
	bool op;
	char *tok;
	enum { THEN_ALWAYS, THEN_AND, THEN_OR } mode = THEN_ALWAYS;

	memset(stages, 0, sizeof(stages));
	for (;;) {
		tok = next_token(&lx, &op);
		bool end = tok == NULL || (op && (!strcmp(tok, ";") || !strcmp(tok, "&") || !strcmp(tok, "&&") ||
						 !strcmp(tok, "||")));
		if (end) {
			if (n > 0 || stages[0].argc > 0) {
				int count = stages[n].argc > 0 ? n + 1 : n;
				bool run = mode == THEN_ALWAYS || (mode == THEN_AND && last_status == 0) ||
					   (mode == THEN_OR && last_status != 0);
				if (count > 0 && run)
					last_status = run_pipeline(stages, count, tok != NULL && !strcmp(tok, "&"), line);
			}
			if (tok == NULL)
				break;
			mode = !strcmp(tok, "&&") ? THEN_AND : !strcmp(tok, "||") ? THEN_OR : THEN_ALWAYS;
			memset(stages, 0, sizeof(stages));
			n = 0;
			continue;
		}
		struct stage *s = &stages[n];
		if (op && !strcmp(tok, "|")) {
			if (s->argc == 0 || n + 1 == STAGES_MAX) {
				fprintf(stderr, "sh: syntax error near |\n");
				last_status = 2;
				return;
			}
			n++;
		} else if (op && !strcmp(tok, "2>&1")) {
			s->err_to_out = true;
		} else if (op) {
			char *target = next_token(&lx, &op);
			if (target == NULL || op) {
				fprintf(stderr, "sh: syntax error near %s\n", tok);
				last_status = 2;
				return;
			}
			if (!strcmp(tok, "<"))
				s->in = target;
			else if (!strcmp(tok, "2>"))
				s->err = target;
			else {
				s->out = target;
				s->append = !strcmp(tok, ">>");
			}
		} else if (s->argc < WORDS_MAX - 1) {
			s->argv[s->argc++] = tok;
		}
	}
}

static void prompt(void)
{
	char cwd[256];

	if (getcwd(cwd, sizeof(cwd)) == NULL)
		strcpy(cwd, "?");
	fprintf(stderr, "tern:%s# ", cwd);
}

int main(int argc, char **argv)
{
	FILE *in = stdin;
	char line[LINE_MAX_LEN];

	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		run_line(argv[2]);
		return last_status;
	}
	if (argc > 1) {
		in = fopen(argv[1], "r");
		if (in == NULL) {
			fprintf(stderr, "sh: %s: %s\n", argv[1], strerror(errno));
			return 127;
		}
	}
	interactive = in == stdin && isatty(0);
	if (interactive) {
		signal(SIGINT, SIG_IGN);
		signal(SIGQUIT, SIG_IGN);
		signal(SIGTSTP, SIG_IGN);
		signal(SIGTTOU, SIG_IGN);
		signal(SIGTTIN, SIG_IGN);
		shell_pgid = getpid();
		setpgid(0, shell_pgid);
		tcsetpgrp(0, shell_pgid);
	}
	for (;;) {
		reap_background();
		if (interactive)
			prompt();
		if (fgets(line, sizeof(line), in) == NULL) {
			if (interactive)
				fputc('\n', stderr);
			break;
		}
		run_line(line);
	}
	return last_status;
}
