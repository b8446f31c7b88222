/*
 * benchlib.c - the code the in-guest benchmark programs share; the contract is in
 * benchlib.h.
 *
 * The state here (the command-line settings and the failure count) belongs to the
 * program's main thread: only it prints results and errors. Partner threads and child
 * processes hand their errors back to it instead of calling bench_fail().
 */
#define _GNU_SOURCE
#include "benchlib.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* QEMU's isa-debug-exit device, as tools/qemu.py configures it (iobase 0xf4, 4 ports). */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PORTS 4

int bench_reps = 5;
static double scale = 1.0;
static int verbose;
static int failures;
static const char *program_name; /* for the running lines; set by bench_main() */

/* ---- measuring ---- */

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

void min_max(const double *v, int n, double *lo, double *hi)
{
	*lo = *hi = v[0];
	for (int i = 1; i < n; i++) {
		*lo = v[i] < *lo ? v[i] : *lo;
		*hi = v[i] > *hi ? v[i] : *hi;
	}
}

long ops_for(long base)
{
	double n = (double)base * scale;

	return n < 1.0 ? 1 : (long)n;
}

long warm_ops(long ops)
{
	return ops / 10 ? ops / 10 : 1;
}

/* ---- output lines ---- */

void bench_running(const char *name)
{
	printf("%s: running %s\n", program_name, name);
	fflush(stdout);
}

void bench_rep(const char *name, int r, const char *key, double value)
{
	if (verbose)
		printf("rep %s %d %s=%.1f at_ms=%.0f\n", name, r, key, value, (double)now_ns() / 1e6);
}

void bench_fail(const char *name, const char *what, int err)
{
	printf("bench %s error=%s errno=%d (%s)\n", name, what, err, strerror(err));
	fflush(stdout);
	failures++;
}

void bench_ns_line(const char *name, double *per_op, long ops)
{
	double lo, hi;

	min_max(per_op, bench_reps, &lo, &hi); /* before median() sorts per_op */
	printf("bench %s ns_per_op=%.1f ops=%ld reps=%d min=%.1f max=%.1f", name,
	       median(per_op, bench_reps), ops, bench_reps, lo, hi);
}

void bench_end_line(void)
{
	printf("\n");
	fflush(stdout);
}

/* ---- ping-pong building blocks ---- */

long futex(volatile int *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

/* Sleeps while *addr is `value`; a wake-up that came first (EAGAIN) is no error. */
static int futex_wait_while(volatile int *addr, int value)
{
	while (__atomic_load_n(addr, __ATOMIC_ACQUIRE) == value) {
		if (futex(addr, FUTEX_WAIT_PRIVATE, value) != 0 && errno != EAGAIN && errno != EINTR)
			return errno;
	}
	return 0;
}

/* Hands the turn over (*addr = value) and wakes the other side. */
static int futex_pass(volatile int *addr, int value)
{
	__atomic_store_n(addr, value, __ATOMIC_RELEASE);
	if (futex(addr, FUTEX_WAKE_PRIVATE, 1) < 0)
		return errno;
	return 0;
}

/* One round trip from the main side: give the partner its turn, wait to get it back. */
static int futex_round_trip(volatile int *turn)
{
	int err = futex_pass(turn, 1);

	return err ? err : futex_wait_while(turn, 1);
}

int futex_pingpong(volatile int *turn, long ops, uint64_t *ns)
{
	int err = futex_round_trip(turn); /* the start handshake: the partner is running */
	uint64_t t0 = now_ns();

	for (long i = 0; i < ops && !err; i++)
		err = futex_round_trip(turn);
	*ns = now_ns() - t0;
	return err;
}

int futex_answer(volatile int *turn, long ops)
{
	/* ops + 1: the first exchange is the start handshake, not timed. */
	for (long i = 0; i <= ops; i++) {
		int err = futex_wait_while(turn, 0);
		if (!err)
			err = futex_pass(turn, 0);
		if (err)
			return err;
	}
	return 0;
}

static int read_byte(int fd, char *c)
{
	for (;;) {
		ssize_t n = read(fd, c, 1);
		if (n == 1)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return n == 0 ? EPIPE : errno;
	}
}

static int write_byte(int fd, char c)
{
	for (;;) {
		ssize_t n = write(fd, &c, 1);
		if (n == 1)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		return n == 0 ? EIO : errno;
	}
}

int pipe_fork(const char *name, struct pipe_pair *pp)
{
	int down[2], up[2]; /* parent to child, child to parent */

	if (pipe(down) != 0) {
		bench_fail(name, "pipe", errno);
		return -1;
	}
	if (pipe(up) != 0) {
		bench_fail(name, "pipe", errno);
		close(down[0]);
		close(down[1]);
		return -1;
	}
	fflush(stdout);
	pp->pid = fork();
	if (pp->pid < 0) {
		bench_fail(name, "fork", errno);
		for (int i = 0; i < 2; i++) {
			close(down[i]);
			close(up[i]);
		}
		return -1;
	}
	pp->in = pp->pid ? up[0] : down[0];
	pp->out = pp->pid ? down[1] : up[1];
	close(pp->pid ? up[1] : down[1]);
	close(pp->pid ? down[0] : up[0]);
	return 0;
}

/* One round trip from the parent: a byte out, the child's answer back. */
static int pipe_round_trip(const struct pipe_pair *pp)
{
	char c = 'x';
	int err = write_byte(pp->out, c);

	return err ? err : read_byte(pp->in, &c);
}

int pipe_pingpong(const struct pipe_pair *pp, long ops, uint64_t *ns)
{
	int err = pipe_round_trip(pp); /* the start handshake: the child is running */
	uint64_t t0 = now_ns();

	for (long i = 0; i < ops && !err; i++)
		err = pipe_round_trip(pp);
	*ns = now_ns() - t0;
	return err;
}

int pipe_answer(const struct pipe_pair *pp, long ops)
{
	char c;

	/* ops + 1: the first exchange is the start handshake, not timed. */
	for (long i = 0; i <= ops; i++) {
		int err = read_byte(pp->in, &c);
		if (!err)
			err = write_byte(pp->out, c);
		if (err)
			return err;
	}
	return 0;
}

void pipe_close(const struct pipe_pair *pp)
{
	close(pp->in);
	close(pp->out);
}

int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR)
			return errno;
	}
	return 0;
}

/* ---- the program ---- */

static inline void outl_port(unsigned int value, unsigned short port)
{
	__asm__ volatile("outl %0, %w1" : : "a"(value), "Nd"(port));
}

/*
 * As PID 1: ends the VM with `status`; returns on Tern (PID 1's exit powers off). On Linux
 * it first waits for the console to send what was written (tcdrain): isa-debug-exit ends
 * QEMU at once, and the serial driver may still hold the end of the last line (seen with
 * several vCPUs: "smpbench: done" came out cut short).
 */
static void power_off(int status)
{
	errno = 0;
	if (ioperm(DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS, 1) == 0) {
		tcdrain(STDOUT_FILENO);
		tcdrain(STDERR_FILENO);
		outl_port((unsigned int)status, DEBUG_EXIT_PORT);
	} else if (errno == ENOSYS)
		return;
	sync();
	reboot(RB_POWER_OFF);
}

static void usage(const struct bench_program *prog)
{
	fprintf(stderr, "usage: %s [-r REPS] [-s SCALE] [-v] [NAME...]\nbenchmarks:", prog->name);
	for (size_t i = 0; i < prog->count; i++)
		fprintf(stderr, " %s", prog->bench_name(i));
	fprintf(stderr, "\n");
}

/* Reads -r, -s and -v and checks the NAMEs; 0, or -1 after printing why and the usage. */
static int parse_command_line(const struct bench_program *prog, int argc, char **argv)
{
	int opt;

	while ((opt = getopt(argc, argv, "r:s:vh")) != -1) {
		switch (opt) {
		case 'r':
			bench_reps = atoi(optarg);
			break;
		case 's':
			scale = strtod(optarg, NULL);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage(prog);
			return -1;
		}
	}
	if (bench_reps < 1 || bench_reps > BENCH_MAX_REPS || !(scale > 0)) {
		usage(prog);
		return -1;
	}
	for (int i = optind; i < argc; i++) {
		size_t j = 0;
		while (j < prog->count && strcmp(argv[i], prog->bench_name(j)) != 0)
			j++;
		if (j == prog->count) {
			fprintf(stderr, "%s: unknown benchmark %s\n", prog->name, argv[i]);
			usage(prog);
			return -1;
		}
	}
	return 0;
}

/* Whether the command line selects benchmark i: no NAME selects them all. */
static int selected(const struct bench_program *prog, size_t i, int argc, char **argv)
{
	int wanted = optind == argc;

	for (int a = optind; a < argc && !wanted; a++)
		wanted = strcmp(argv[a], prog->bench_name(i)) == 0;
	return wanted;
}

/* Everything but the power-off; returns the exit status. */
static int run_program(const struct bench_program *prog, int argc, char **argv)
{
	struct utsname u;
	struct timespec res;
	char fields[256] = "";
	uint64_t t0;

	program_name = prog->name;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (parse_command_line(prog, argc, argv) != 0)
		return 2;
	if (prog->prepare)
		prog->prepare(fields, sizeof(fields));
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	clock_getres(CLOCK_MONOTONIC, &res);
	printf("%s: start sysname=%s release=%s pid=%d %sreps=%d scale=%g clock_res_ns=%ld\n",
	       prog->name, u.sysname, u.release, (int)getpid(), fields, bench_reps, scale,
	       (long)res.tv_sec * 1000000000L + res.tv_nsec);
	t0 = now_ns();
	for (size_t i = 0; i < prog->count; i++) {
		if (selected(prog, i, argc, argv))
			prog->run(i);
	}
	printf("%s: done failures=%d total_ms=%.0f\n", prog->name, failures,
	       (double)(now_ns() - t0) / 1e6);
	return failures ? 1 : 0;
}

int bench_main(const struct bench_program *prog, int argc, char **argv)
{
	int status = run_program(prog, argc, argv);

	fflush(stdout);
	fflush(stderr);
	if (getpid() == 1)
		power_off(status);
	return status;
}
