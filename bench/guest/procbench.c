/*
 * procbench: process and system-call microbenchmarks, one static binary for every guest.
 *
 * The same binary runs as a Tern program (init=/bench/procbench), as /init of the Linux
 * baseline guest and natively on the host. Each benchmark runs a fixed number of
 * operations per repetition, several repetitions (after one untimed warm-up, which
 * under TCG also pays for translating the code once), and prints one line:
 *
 *   bench NAME ns_per_op=MEDIAN ops=N reps=R min=MIN max=MAX [extra=...]
 *
 * ns_per_op is the median over the repetitions of (elapsed CLOCK_MONOTONIC ns / N).
 * A benchmark that goes wrong prints "bench NAME error=WORD errno=E ..." instead and the
 * program's exit status becomes 1. Before each benchmark it prints "procbench: running
 * NAME", so that a guest that hangs shows where.
 *
 * Benchmarks (operation = what one ns_per_op figure costs):
 *   noop      one iteration of an empty loop (the loop overhead, for reference)
 *   getpid    syscall(SYS_getpid): one system-call round trip
 *   pipe      1-byte ping-pong between two processes over two pipes: one round trip
 *   fork      fork + _exit in the child + waitpid in the parent: one cycle
 *   thread    pthread_create + pthread_join of a thread that returns at once
 *   pagefault first write to one page of a fresh anonymous mapping (munmap not timed;
 *             reported as munmap_ns_per_page)
 *   futex     two threads alternating through FUTEX_WAIT/FUTEX_WAKE: one round trip
 *
 * Usage: procbench [-r REPS] [-s SCALE] [-v] [NAME...]
 *   -r REPS   timed repetitions per benchmark (default 5)
 *   -s SCALE  multiply every operation count by SCALE (default 1; e.g. 0.1 or 10)
 *   -v        also print every repetition ("rep NAME I ns_per_op=X at_ms=T", T: the
 *             CLOCK_MONOTONIC time at its end)
 *   NAME...   run only these benchmarks (default all, in the order above)
 *
 * As PID 1 (a guest's first program) it ends the VM when done: on Linux through QEMU's
 * isa-debug-exit (ioperm + outl of the exit status; QEMU exits with (status << 1) | 1),
 * else reboot(RB_POWER_OFF). On Tern, ioperm gives ENOSYS and exiting PID 1 powers off
 * with the exit status, so it simply returns.
 *
 * Build: musl-gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -o build/bench/procbench \
 *            bench/guest/procbench.c   (musl has pthreads in libc.a: no -lpthread)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PORTS 4
#define MAX_REPS 64
/* From <linux/futex.h>, which musl-gcc's include path does not have. */
#define FUTEX_WAIT_PRIVATE (0 | 128)
#define FUTEX_WAKE_PRIVATE (1 | 128)
#define PAGE 4096

static int reps = 5;
static double scale = 1.0;
static int failures;
static int verbose;

/* --- time and reporting ------------------------------------------------------------ */

static uint64_t now_ns(void)
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

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

/* Operation count for a benchmark: its default times -s SCALE, at least 1. */
static long ops_for(long base)
{
	double n = (double)base * scale;

	return n < 1.0 ? 1 : (long)n;
}

/* Reports a failed benchmark; `what` is one word saying which step went wrong. */
static void fail(const char *name, const char *what, int err)
{
	printf("bench %s error=%s errno=%d (%s)\n", name, what, err, strerror(err));
	fflush(stdout);
	failures++;
}

/*
 * One benchmark: fn(name, ops, &extra) runs `ops` operations and returns the elapsed ns
 * (and may set *extra to a second figure), or -1 after calling fail() itself. One warm-up
 * call (ops / 10, at least 1), then `reps` timed calls; prints the line with the median.
 */
typedef int64_t (*bench_fn)(const char *name, long ops, double *extra);

static void run_bench(const char *name, bench_fn fn, long base_ops, const char *extra_name)
{
	double per_op[MAX_REPS], extras[MAX_REPS], lo, hi;
	long ops = ops_for(base_ops), warm = ops / 10 ? ops / 10 : 1;
	double extra = 0;
	int64_t ns;

	printf("procbench: running %s\n", name);
	fflush(stdout);
	if (fn(name, warm, &extra) < 0)
		return;
	for (int r = 0; r < reps; r++) {
		extra = 0;
		ns = fn(name, ops, &extra);
		if (ns < 0)
			return;
		per_op[r] = (double)ns / (double)ops;
		extras[r] = extra;
		if (verbose)
			printf("rep %s %d ns_per_op=%.1f at_ms=%.0f\n", name, r, per_op[r],
			       (double)now_ns() / 1e6);
	}
	lo = hi = per_op[0];
	for (int r = 1; r < reps; r++) {
		lo = per_op[r] < lo ? per_op[r] : lo;
		hi = per_op[r] > hi ? per_op[r] : hi;
	}
	printf("bench %s ns_per_op=%.1f ops=%ld reps=%d min=%.1f max=%.1f", name,
	       median(per_op, reps), ops, reps, lo, hi);
	if (extra_name)
		printf(" %s=%.1f", extra_name, median(extras, reps));
	printf("\n");
	fflush(stdout);
}

/* --- the benchmarks ------------------------------------------------------------------ */

static int64_t bench_noop(const char *name, long ops, double *extra)
{
	(void)name;
	(void)extra;
	uint64_t t0 = now_ns();
	for (long i = 0; i < ops; i++)
		__asm__ volatile("" ::: "memory");
	return (int64_t)(now_ns() - t0);
}

static int64_t bench_getpid(const char *name, long ops, double *extra)
{
	(void)extra;
	pid_t me = getpid();
	uint64_t t0 = now_ns();
	for (long i = 0; i < ops; i++) {
		if (syscall(SYS_getpid) != me) {
			fail(name, "getpid_mismatch", errno);
			return -1;
		}
	}
	return (int64_t)(now_ns() - t0);
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

/* Waits for child pid and checks it exited with status 0; returns 0 or an errno. */
static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return errno;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ECHILD;
	return 0;
}

static int64_t bench_pipe(const char *name, long ops, double *extra)
{
	(void)extra;
	int down[2], up[2], err;
	char c = 'x';
	pid_t pid;
	uint64_t t0, t1;

	if (pipe(down) != 0 || pipe(up) != 0) {
		fail(name, "pipe", errno);
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		fail(name, "fork", errno);
		return -1;
	}
	if (pid == 0) {
		close(down[1]);
		close(up[0]);
		/* ops + 1: the first exchange is the start handshake, not timed. */
		for (long i = 0; i <= ops; i++) {
			if (read_byte(down[0], &c) || write_byte(up[1], c))
				_exit(1);
		}
		_exit(0);
	}
	close(down[0]);
	close(up[1]);
	err = write_byte(down[1], c);
	if (!err)
		err = read_byte(up[0], &c);
	t0 = now_ns();
	for (long i = 0; i < ops && !err; i++) {
		err = write_byte(down[1], c);
		if (!err)
			err = read_byte(up[0], &c);
	}
	t1 = now_ns();
	close(down[1]);
	close(up[0]);
	int rerr = reap(pid);
	if (err || rerr) {
		fail(name, err ? "pingpong" : "child_status", err ? err : rerr);
		return -1;
	}
	return (int64_t)(t1 - t0);
}

static int64_t bench_fork(const char *name, long ops, double *extra)
{
	(void)extra;
	uint64_t t0;
	int err;

	fflush(stdout);
	t0 = now_ns();
	for (long i = 0; i < ops; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			fail(name, "fork", errno);
			return -1;
		}
		if (pid == 0)
			_exit(0);
		err = reap(pid);
		if (err) {
			fail(name, "waitpid", err);
			return -1;
		}
	}
	return (int64_t)(now_ns() - t0);
}

static void *thread_nothing(void *arg)
{
	return arg;
}

static int64_t bench_thread(const char *name, long ops, double *extra)
{
	(void)extra;
	uint64_t t0 = now_ns();
	for (long i = 0; i < ops; i++) {
		pthread_t t;
		void *ret;
		int err = pthread_create(&t, NULL, thread_nothing, (void *)(intptr_t)i);
		if (err) {
			fail(name, "pthread_create", err);
			return -1;
		}
		err = pthread_join(t, &ret);
		if (err || ret != (void *)(intptr_t)i) {
			fail(name, "pthread_join", err ? err : EINVAL);
			return -1;
		}
	}
	return (int64_t)(now_ns() - t0);
}

/* ops = pages: maps ops pages, writes one byte to each, unmaps. */
static int64_t bench_pagefault(const char *name, long ops, double *extra)
{
	size_t len = (size_t)ops * PAGE;
	uint64_t t0, t1, t2;
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		fail(name, "mmap", errno);
		return -1;
	}
	t0 = now_ns();
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = 1;
	t1 = now_ns();
	if (munmap((void *)p, len) != 0) {
		fail(name, "munmap", errno);
		return -1;
	}
	t2 = now_ns();
	*extra = (double)(t2 - t1) / (double)ops;
	return (int64_t)(t1 - t0);
}

static long futex(volatile int *addr, int op, int val)
{
	return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

/* The futex ping-pong: turn is 0 when the main thread may go, 1 when the partner may. */
struct futex_pair {
	volatile int turn;
	long ops;
	int err;
};

static int futex_wait_while(volatile int *addr, int value)
{
	while (__atomic_load_n(addr, __ATOMIC_ACQUIRE) == value) {
		if (futex(addr, FUTEX_WAIT_PRIVATE, value) != 0 && errno != EAGAIN && errno != EINTR)
			return errno;
	}
	return 0;
}

static int futex_pass(volatile int *addr, int value)
{
	__atomic_store_n(addr, value, __ATOMIC_RELEASE);
	if (futex(addr, FUTEX_WAKE_PRIVATE, 1) < 0)
		return errno;
	return 0;
}

static void *futex_partner(void *arg)
{
	struct futex_pair *fp = arg;

	/* ops + 1: the first exchange is the start handshake, not timed. */
	for (long i = 0; i <= fp->ops; i++) {
		int err = futex_wait_while(&fp->turn, 0);
		if (!err)
			err = futex_pass(&fp->turn, 0);
		if (err) {
			fp->err = err;
			break;
		}
	}
	return NULL;
}

static int64_t bench_futex(const char *name, long ops, double *extra)
{
	(void)extra;
	struct futex_pair fp = {.turn = 0, .ops = ops, .err = 0};
	pthread_t t;
	uint64_t t0, t1;
	int err = pthread_create(&t, NULL, futex_partner, &fp);

	if (err) {
		fail(name, "pthread_create", err);
		return -1;
	}
	err = futex_pass(&fp.turn, 1);
	if (!err)
		err = futex_wait_while(&fp.turn, 1);
	t0 = now_ns();
	for (long i = 0; i < ops && !err; i++) {
		err = futex_pass(&fp.turn, 1);
		if (!err)
			err = futex_wait_while(&fp.turn, 1);
	}
	t1 = now_ns();
	if (err) {
		/* The partner may be left waiting; it cannot be joined. Report and go on. */
		fail(name, "futex", err);
		return -1;
	}
	pthread_join(t, NULL);
	if (fp.err) {
		fail(name, "partner_futex", fp.err);
		return -1;
	}
	return (int64_t)(t1 - t0);
}

/*
 * Default operation counts: each benchmark should take about 0.1-0.5 s per repetition in a
 * TCG guest (several seconds in all), and far less natively.
 */
static const struct {
	const char *name;
	bench_fn fn;
	long ops;
	const char *extra;
} benches[] = {
	{"noop", bench_noop, 20000000, NULL},
	{"getpid", bench_getpid, 100000, NULL},
	{"pipe", bench_pipe, 2000, NULL},
	{"fork", bench_fork, 100, NULL},
	{"thread", bench_thread, 300, NULL},
	{"pagefault", bench_pagefault, 4096, "munmap_ns_per_page"},
	{"futex", bench_futex, 5000, NULL},
};
#define NBENCH (sizeof(benches) / sizeof(benches[0]))

/* --- the program ------------------------------------------------------------------- */

static inline void outl_port(unsigned int value, unsigned short port)
{
	__asm__ volatile("outl %0, %w1" : : "a"(value), "Nd"(port));
}

/* As PID 1: ends the VM with `status` (see the header); returns on Tern. */
static void power_off(int status)
{
	errno = 0;
	if (ioperm(DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS, 1) == 0)
		outl_port((unsigned int)status, DEBUG_EXIT_PORT);
	else if (errno == ENOSYS)
		return; /* Tern: PID 1's exit powers off with its status. */
	sync();
	reboot(RB_POWER_OFF);
}

static void usage(void)
{
	fprintf(stderr, "usage: procbench [-r REPS] [-s SCALE] [-v] [NAME...]\nbenchmarks:");
	for (size_t i = 0; i < NBENCH; i++)
		fprintf(stderr, " %s", benches[i].name);
	fprintf(stderr, "\n");
}

/* Parses the arguments and runs the benchmarks; returns the exit status. */
static int procbench(int argc, char **argv)
{
	struct utsname u;
	struct timespec res;
	int opt, status;
	uint64_t t0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "r:s:vh")) != -1) {
		switch (opt) {
		case 'r':
			reps = atoi(optarg);
			break;
		case 's':
			scale = strtod(optarg, NULL);
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (reps < 1 || reps > MAX_REPS || !(scale > 0)) {
		usage();
		return 2;
	}
	for (int i = optind; i < argc; i++) {
		size_t j = 0;
		while (j < NBENCH && strcmp(argv[i], benches[j].name) != 0)
			j++;
		if (j == NBENCH) {
			fprintf(stderr, "procbench: unknown benchmark %s\n", argv[i]);
			usage();
			return 2;
		}
	}
	if (uname(&u) != 0)
		memset(&u, 0, sizeof(u));
	clock_getres(CLOCK_MONOTONIC, &res);
	printf("procbench: start sysname=%s release=%s pid=%d reps=%d scale=%g clock_res_ns=%ld\n",
	       u.sysname, u.release, (int)getpid(), reps, scale,
	       (long)res.tv_sec * 1000000000L + res.tv_nsec);
	t0 = now_ns();
	for (size_t i = 0; i < NBENCH; i++) {
		int wanted = optind == argc;
		for (int a = optind; a < argc && !wanted; a++)
			wanted = strcmp(argv[a], benches[i].name) == 0;
		if (wanted)
			run_bench(benches[i].name, benches[i].fn, benches[i].ops, benches[i].extra);
	}
	status = failures ? 1 : 0;
	printf("procbench: done failures=%d total_ms=%.0f\n", failures, (double)(now_ns() - t0) / 1e6);
	return status;
}

int main(int argc, char **argv)
{
	int status = procbench(argc, argv);

	fflush(stdout);
	fflush(stderr);
	if (getpid() == 1)
		power_off(status);
	return status;
}
