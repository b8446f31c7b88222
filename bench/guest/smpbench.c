/*
 * smpbench: SMP scalability benchmarks, one static binary for every guest.
 *
 * The same binary runs as a Tern program (init=/bench/smpbench), as /init of the Linux
 * baseline guest and natively on the host, like procbench.c. Each benchmark runs one
 * untimed warm-up (a tenth of the work; under TCG it also pays for translating the code
 * once), then several timed repetitions, and prints one line with the median:
 *
 *   bench compute_N ops_per_s=MEDIAN ns_per_op=NS threads=N ops=TOTAL reps=R min=MIN
 *         max=MAX cpus_used=K
 *   bench NAME ns_per_op=MEDIAN ops=N reps=R min=MIN max=MAX cpus=A,B
 *
 * compute_N (throughput: higher is better; min/max are ops_per_s): N threads, created
 * and parked before the clock starts, each run a fixed number of iterations of an
 * xorshift/add loop over a private 4 KiB buffer (pure computation, no system calls);
 * ops_per_s is all threads' iterations over the elapsed CLOCK_MONOTONIC time from
 * releasing them to having joined them all. N = 1, 2, 4, ... and the number of online
 * CPUs (sysconf(_SC_NPROCESSORS_ONLN)); the threads are not pinned, so the figure
 * includes the scheduler's placement. cpus_used: how many distinct CPUs the threads
 * finished on (sched_getcpu), median over the repetitions. Every thread must compute
 * the same checksum (the same one for every N): a different one is an error.
 *
 * Ping-pong latency (ns_per_op: one round trip; lower is better):
 *   futex_same   two threads alternating through FUTEX_WAIT/FUTEX_WAKE (private), both
 *                pinned to CPU 0
 *   futex_cross  the same with one thread pinned to CPU 0 and the other to CPU 1: every
 *                wake-up crosses CPUs (an IPI to a halted CPU when it idles)
 *   pipe_same    1-byte ping-pong between two processes over two pipes, both on CPU 0
 *   pipe_cross   the same, parent on CPU 0, child on CPU 1
 * Pinning is sched_setaffinity; each side then checks with sched_getcpu that it runs
 * where it was pinned (an error otherwise). With one CPU online the *_cross benchmarks
 * print "bench NAME skipped=one_cpu_online cpus_online=1" instead (not a failure).
 *
 * A benchmark that goes wrong prints "bench NAME error=WORD errno=E (...)" and the exit
 * status becomes 1. Before each benchmark it prints "smpbench: running NAME", so that a
 * guest that hangs shows where.
 *
 * Usage: smpbench [-r REPS] [-s SCALE] [-v] [NAME...]
 *   -r REPS   timed repetitions per benchmark (default 5)
 *   -s SCALE  multiply every operation count by SCALE (default 1)
 *   -v        also print every repetition ("rep NAME I value=X at_ms=T")
 *   NAME...   run only these: compute futex_same futex_cross pipe_same pipe_cross
 *             (default all, in this order)
 *
 * As PID 1 it ends the VM the way procbench does: isa-debug-exit on Linux (QEMU exits
 * with (status << 1) | 1), else reboot(RB_POWER_OFF); on Tern ioperm gives ENOSYS and
 * PID 1's exit powers off with its status. That, the command line, the start, running
 * and done lines, the clock, the statistics and the ping-pong loops are benchlib.c's,
 * shared with procbench.c.
 *
 * Build: musl-gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -o build/bench/smpbench \
 *            bench/guest/smpbench.c bench/guest/benchlib.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchlib.h"

#define MAX_THREADS 64
#define WORK_WORDS 512 /* 4 KiB private buffer per compute thread */

/* Default operation counts, sized for ~0.1-0.3 s per repetition in a TCG guest. */
#define COMPUTE_OPS 60000000L /* iterations per thread */
#define FUTEX_OPS 3000L
#define PIPE_OPS 1500L

static int ncpus; /* online CPUs, from sysconf(_SC_NPROCESSORS_ONLN) at the start */

/* --- CPU placement ------------------------------------------------------------------ */

/* Pins the calling thread to `cpu`; 0 or an errno (EXDEV: it runs elsewhere after all). */
static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		return errno;
	return sched_getcpu() == cpu ? 0 : EXDEV;
}

/* --- compute: throughput scaling ---------------------------------------------------- */

static uint64_t compute(long iters)
{
	uint64_t buf[WORK_WORDS];
	uint64_t x = 0x9e3779b97f4a7c15ull, h = 0;

	memset(buf, 0, sizeof(buf));
	for (long i = 0; i < iters; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[(unsigned long)i % WORK_WORDS] += x;
		__asm__ volatile("" : : "r"(buf) : "memory"); /* keep it a loop over memory */
	}
	for (int i = 0; i < WORK_WORDS; i++)
		h = h * 31 + buf[i];
	return h ^ x;
}

struct compute_run {
	volatile int go;     /* futex: 0 parked, 1 released */
	volatile int parked; /* threads waiting for go */
	long iters;
};

struct compute_thread {
	pthread_t tid;
	struct compute_run *run;
	uint64_t sum;
	int cpu;
};

static void *compute_main(void *arg)
{
	struct compute_thread *ct = arg;
	struct compute_run *run = ct->run;

	__atomic_add_fetch(&run->parked, 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&run->go, __ATOMIC_ACQUIRE) == 0)
		futex(&run->go, FUTEX_WAIT_PRIVATE, 0);
	ct->sum = compute(run->iters);
	ct->cpu = sched_getcpu();
	return NULL;
}

/*
 * One timed compute run of n threads of `iters` iterations each: returns the elapsed ns
 * (release to all joined) or -1 after bench_fail(). *sum: the common checksum; *used: the
 * number of distinct CPUs the threads finished on.
 */
static int64_t compute_once(const char *name, int n, long iters, uint64_t *sum, int *used)
{
	struct compute_thread th[MAX_THREADS];
	struct compute_run run = {.go = 0, .parked = 0, .iters = iters};
	uint64_t t0, t1;
	int err = 0, created = 0;

	for (; created < n; created++) {
		th[created].run = &run;
		th[created].cpu = -1;
		err = pthread_create(&th[created].tid, NULL, compute_main, &th[created]);
		if (err)
			break;
	}
	/* Wait until every thread is parked, so that creating them is not timed. */
	while (!err && __atomic_load_n(&run.parked, __ATOMIC_ACQUIRE) < n)
		sched_yield();
	t0 = now_ns();
	__atomic_store_n(&run.go, 1, __ATOMIC_RELEASE);
	futex(&run.go, FUTEX_WAKE_PRIVATE, INT_MAX);
	for (int i = 0; i < created; i++)
		pthread_join(th[i].tid, NULL);
	t1 = now_ns();
	if (err) {
		bench_fail(name, "pthread_create", err);
		return -1;
	}
	uint64_t seen = 0;
	*used = 0;
	for (int i = 0; i < n; i++) {
		if (th[i].sum != th[0].sum) {
			bench_fail(name, "checksum_mismatch", EIO);
			return -1;
		}
		if (th[i].cpu >= 0 && th[i].cpu < 64 && !(seen & (1ull << th[i].cpu))) {
			seen |= 1ull << th[i].cpu;
			(*used)++;
		}
	}
	*sum = th[0].sum;
	return (int64_t)(t1 - t0);
}

static void bench_compute_n(int n, uint64_t *reference)
{
	char name[32];
	double rate[BENCH_MAX_REPS], used[BENCH_MAX_REPS], lo, hi, med;
	long iters = ops_for(COMPUTE_OPS);
	uint64_t sum;
	int cpus_used;
	int64_t ns;

	snprintf(name, sizeof(name), "compute_%d", n);
	bench_running(name);
	if (compute_once(name, n, warm_ops(iters), &sum, &cpus_used) < 0)
		return;
	for (int r = 0; r < bench_reps; r++) {
		ns = compute_once(name, n, iters, &sum, &cpus_used);
		if (ns < 0)
			return;
		if (*reference == 0) {
			*reference = sum;
		} else if (sum != *reference) {
			bench_fail(name, "checksum_differs_from_compute_1", EIO);
			return;
		}
		rate[r] = (double)iters * n / ((double)(ns > 0 ? ns : 1) / 1e9);
		used[r] = cpus_used;
		bench_rep(name, r, "value", rate[r]);
	}
	min_max(rate, bench_reps, &lo, &hi);
	med = median(rate, bench_reps);
	printf("bench %s ops_per_s=%.0f ns_per_op=%.3f threads=%d ops=%ld reps=%d min=%.0f "
	       "max=%.0f cpus_used=%.0f", name, med, 1e9 / med, n, iters * n, bench_reps, lo, hi,
	       median(used, bench_reps));
	bench_end_line();
}

static void bench_compute(void)
{
	uint64_t reference = 0;
	int n;

	for (n = 1; n < ncpus && n <= MAX_THREADS; n *= 2)
		bench_compute_n(n, &reference);
	bench_compute_n(ncpus < MAX_THREADS ? ncpus : MAX_THREADS, &reference);
}

/* --- ping-pong latency: futex between threads, pipe between processes -------------- */

/* The futex ping-pong: turn is 0 when the main thread may go, 1 when the partner may. */
struct futex_pair {
	volatile int turn;
	long ops;
	int cpu;
	int err;
	const char *step;
};

static void *futex_partner(void *arg)
{
	struct futex_pair *fp = arg;
	int err = pin_self(fp->cpu);

	if (err) {
		fp->step = "partner_pin";
		fp->err = err;
		/* Still play the game, so that the main thread is not left waiting. */
	}
	err = futex_answer(&fp->turn, fp->ops);
	if (err) {
		fp->step = "partner_futex";
		fp->err = err;
	}
	if (!fp->err && sched_getcpu() != fp->cpu) {
		fp->step = "partner_moved";
		fp->err = EXDEV;
	}
	return NULL;
}

/* main_cpu/partner_cpu: where each side is pinned. Returns ns or -1 after bench_fail(). */
static int64_t futex_once(const char *name, long ops, int main_cpu, int partner_cpu)
{
	struct futex_pair fp = {.turn = 0, .ops = ops, .cpu = partner_cpu, .err = 0};
	pthread_t t;
	uint64_t ns;
	int err = pin_self(main_cpu);

	if (err) {
		bench_fail(name, "pin", err);
		return -1;
	}
	err = pthread_create(&t, NULL, futex_partner, &fp);
	if (err) {
		bench_fail(name, "pthread_create", err);
		return -1;
	}
	err = futex_pingpong(&fp.turn, ops, &ns);
	if (err) {
		bench_fail(name, "futex", err);  /* the partner may be left waiting: no join */
		return -1;
	}
	pthread_join(t, NULL);
	if (fp.err) {
		bench_fail(name, fp.step, fp.err);
		return -1;
	}
	if (sched_getcpu() != main_cpu) {
		bench_fail(name, "moved", EXDEV);
		return -1;
	}
	return (int64_t)ns;
}

/*
 * Pipe ping-pong between this process (pinned to main_cpu) and a child (pinned to
 * child_cpu). The child exits 0 when all went well, 2 when it could not pin itself.
 */
static int64_t pipe_once(const char *name, long ops, int main_cpu, int child_cpu)
{
	struct pipe_pair pp;
	int err, werr, status;
	uint64_t ns;

	err = pin_self(main_cpu);
	if (err) {
		bench_fail(name, "pin", err);
		return -1;
	}
	if (pipe_fork(name, &pp) != 0)
		return -1;
	if (pp.pid == 0) {
		int bad = pin_self(child_cpu) ? 2 : 0;
		if (pipe_answer(&pp, ops))
			_exit(1);
		_exit(bad ? bad : sched_getcpu() == child_cpu ? 0 : 3);
	}
	err = pipe_pingpong(&pp, ops, &ns);
	pipe_close(&pp);
	werr = wait_child(pp.pid, &status);
	if (werr) {
		bench_fail(name, "waitpid", werr);
		return -1;
	}
	if (err) {
		bench_fail(name, "pingpong", err);
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		bench_fail(name, code == 2 ? "child_pin" : code == 3 ? "child_moved" : "child_status",
			   code == 2 || code == 3 ? EXDEV : ECHILD);
		return -1;
	}
	if (sched_getcpu() != main_cpu) {
		bench_fail(name, "moved", EXDEV);
		return -1;
	}
	return (int64_t)ns;
}

typedef int64_t (*pingpong_fn)(const char *name, long ops, int a, int b);

static void bench_pingpong(const char *name, pingpong_fn fn, long base_ops, int a, int b)
{
	double per_op[BENCH_MAX_REPS];
	long ops = ops_for(base_ops);
	cpu_set_t saved;
	int64_t ns;
	int r;

	if (b >= ncpus) {
		printf("bench %s skipped=one_cpu_online cpus_online=%d\n", name, ncpus);
		fflush(stdout);
		return;
	}
	bench_running(name);
	if (sched_getaffinity(0, sizeof(saved), &saved) != 0) {
		bench_fail(name, "sched_getaffinity", errno);
		return;
	}
	if (fn(name, warm_ops(ops), a, b) < 0)
		goto out;
	for (r = 0; r < bench_reps; r++) {
		ns = fn(name, ops, a, b);
		if (ns < 0)
			goto out;
		per_op[r] = (double)ns / (double)ops;
		bench_rep(name, r, "value", per_op[r]);
	}
	bench_ns_line(name, per_op, ops);
	printf(" cpus=%d,%d", a, b);
	bench_end_line();
out:
	/* Unpin again, so that the next benchmark starts as the first one did. */
	if (sched_setaffinity(0, sizeof(saved), &saved) != 0)
		bench_fail(name, "restore_affinity", errno);
}

static void bench_futex_same(void)
{
	bench_pingpong("futex_same", futex_once, FUTEX_OPS, 0, 0);
}

static void bench_futex_cross(void)
{
	bench_pingpong("futex_cross", futex_once, FUTEX_OPS, 0, 1);
}

static void bench_pipe_same(void)
{
	bench_pingpong("pipe_same", pipe_once, PIPE_OPS, 0, 0);
}

static void bench_pipe_cross(void)
{
	bench_pingpong("pipe_cross", pipe_once, PIPE_OPS, 0, 1);
}

static const struct {
	const char *name;
	void (*fn)(void);
} benches[] = {
	{"compute", bench_compute},
	{"futex_same", bench_futex_same},
	{"futex_cross", bench_futex_cross},
	{"pipe_same", bench_pipe_same},
	{"pipe_cross", bench_pipe_cross},
};
#define NBENCH (sizeof(benches) / sizeof(benches[0]))

/* --- the program ------------------------------------------------------------------- */

static const char *bench_name(size_t i)
{
	return benches[i].name;
}

static void run(size_t i)
{
	benches[i].fn();
}

/* Counts the online CPUs (compute_N and the *_cross benchmarks depend on them) and puts
 * them on the start line, where bench/smp.py checks them against QEMU's -smp. */
static void prepare(char *buf, size_t size)
{
	ncpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpus < 1)
		ncpus = 1;
	snprintf(buf, size, "cpus_online=%d cpus_conf=%ld ", ncpus, sysconf(_SC_NPROCESSORS_CONF));
}

int main(int argc, char **argv)
{
	static const struct bench_program smpbench = {
		.name = "smpbench",
		.count = NBENCH,
		.bench_name = bench_name,
		.run = run,
		.prepare = prepare,
	};

	return bench_main(&smpbench, argc, argv);
}
