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
 * with the exit status, so it simply returns. The command line, the start, running and
 * done lines, the clock and the power-off are benchlib.c's, shared with smpbench.c.
 *
 * Build: musl-gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -o build/bench/procbench \
 *            bench/guest/procbench.c bench/guest/benchlib.c
 *        (musl has pthreads in libc.a: no -lpthread)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchlib.h"

#define PAGE 4096

/* --- running one benchmark ----------------------------------------------------------- */

/*
 * One benchmark: fn(name, ops, &extra) runs `ops` operations and returns the elapsed ns
 * (and may set *extra to a second figure), or -1 after calling bench_fail() itself. One
 * warm-up call (a tenth of the operations), then -r REPS timed calls; prints the line
 * with the median.
 */
typedef int64_t (*bench_fn)(const char *name, long ops, double *extra);

static void run_bench(const char *name, bench_fn fn, long base_ops, const char *extra_name)
{
	double per_op[BENCH_MAX_REPS], extras[BENCH_MAX_REPS];
	long ops = ops_for(base_ops);
	double extra = 0;
	int64_t ns;

	bench_running(name);
	if (fn(name, warm_ops(ops), &extra) < 0)
		return;
	for (int r = 0; r < bench_reps; r++) {
		extra = 0;
		ns = fn(name, ops, &extra);
		if (ns < 0)
			return;
		per_op[r] = (double)ns / (double)ops;
		extras[r] = extra;
		bench_rep(name, r, "ns_per_op", per_op[r]);
	}
	bench_ns_line(name, per_op, ops);
	if (extra_name)
		printf(" %s=%.1f", extra_name, median(extras, bench_reps));
	bench_end_line();
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
			bench_fail(name, "getpid_mismatch", errno);
			return -1;
		}
	}
	return (int64_t)(now_ns() - t0);
}

/* Waits for child pid and checks it exited with status 0; returns 0 or an errno. */
static int reap(pid_t pid)
{
	int status, err = wait_child(pid, &status);

	if (err)
		return err;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return ECHILD;
	return 0;
}

static int64_t bench_pipe(const char *name, long ops, double *extra)
{
	(void)extra;
	struct pipe_pair pp;
	int err, rerr;
	uint64_t ns;

	if (pipe_fork(name, &pp) != 0)
		return -1;
	if (pp.pid == 0)
		_exit(pipe_answer(&pp, ops) ? 1 : 0);
	err = pipe_pingpong(&pp, ops, &ns);
	pipe_close(&pp);
	rerr = reap(pp.pid);
	if (err || rerr) {
		bench_fail(name, err ? "pingpong" : "child_status", err ? err : rerr);
		return -1;
	}
	return (int64_t)ns;
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
			bench_fail(name, "fork", errno);
			return -1;
		}
		if (pid == 0)
			_exit(0);
		err = reap(pid);
		if (err) {
			bench_fail(name, "waitpid", err);
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
			bench_fail(name, "pthread_create", err);
			return -1;
		}
		err = pthread_join(t, &ret);
		if (err || ret != (void *)(intptr_t)i) {
			bench_fail(name, "pthread_join", err ? err : EINVAL);
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
		bench_fail(name, "mmap", errno);
		return -1;
	}
	t0 = now_ns();
	for (size_t off = 0; off < len; off += PAGE)
		p[off] = 1;
	t1 = now_ns();
	if (munmap((void *)p, len) != 0) {
		bench_fail(name, "munmap", errno);
		return -1;
	}
	t2 = now_ns();
	*extra = (double)(t2 - t1) / (double)ops;
	return (int64_t)(t1 - t0);
}

/* The futex ping-pong: turn is 0 when the main thread may go, 1 when the partner may. */
struct futex_pair {
	volatile int turn;
	long ops;
	int err;
};

static void *futex_partner(void *arg)
{
	struct futex_pair *fp = arg;

	fp->err = futex_answer(&fp->turn, fp->ops);
	return NULL;
}

static int64_t bench_futex(const char *name, long ops, double *extra)
{
	(void)extra;
	struct futex_pair fp = {.turn = 0, .ops = ops, .err = 0};
	pthread_t t;
	uint64_t ns;
	int err = pthread_create(&t, NULL, futex_partner, &fp);

	if (err) {
		bench_fail(name, "pthread_create", err);
		return -1;
	}
	err = futex_pingpong(&fp.turn, ops, &ns);
	if (err) {
		/* The partner may be left waiting; it cannot be joined. Report and go on. */
		bench_fail(name, "futex", err);
		return -1;
	}
	pthread_join(t, NULL);
	if (fp.err) {
		bench_fail(name, "partner_futex", fp.err);
		return -1;
	}
	return (int64_t)ns;
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

static const char *bench_name(size_t i)
{
	return benches[i].name;
}

static void run(size_t i)
{
	run_bench(benches[i].name, benches[i].fn, benches[i].ops, benches[i].extra);
}

int main(int argc, char **argv)
{
	static const struct bench_program procbench = {
		.name = "procbench",
		.count = NBENCH,
		.bench_name = bench_name,
		.run = run,
	};

	return bench_main(&procbench, argc, argv);
}
