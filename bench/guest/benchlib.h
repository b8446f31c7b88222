/*
 * benchlib.h - what the in-guest benchmark programs (procbench.c, smpbench.c, fsbench.c) share;
 * the code is in benchlib.c.
 *
 * Each program is one static musl binary that runs as a Tern program (init=/bench/NAME),
 * as /init of the Linux baseline guest and natively on the host. They print the same
 * kind of lines, which bench/proc.py and bench/smp.py parse (PROG: the program's name):
 *
 *   PROG: start sysname=S release=R pid=P [its own fields] reps=R scale=S clock_res_ns=N
 *   PROG: running NAME                   before each benchmark, so a hang shows where
 *   rep NAME I KEY=X at_ms=T             with -v: one timed repetition (T: CLOCK_MONOTONIC)
 *   bench NAME key=value ...             the result: medians over the repetitions
 *   bench NAME error=WORD errno=E (...)  a benchmark that went wrong (exit status 1)
 *   PROG: done failures=F total_ms=T
 *
 * bench_main() is the program around the benchmarks: the command line
 * (PROG [-r REPS] [-s SCALE] [-v] [NAME...]), the start and done lines, the exit status
 * (0; 1 when a benchmark failed; 2 for a bad command line) and, as PID 1, ending the VM.
 * The helpers below are for the benchmarks themselves. Output goes through stdio, line
 * buffered: flush stdout before fork() (the child would print the parent's buffer too).
 */
#ifndef BENCHLIB_H
#define BENCHLIB_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* From <linux/futex.h>, which musl-gcc's include path does not have. */
#define FUTEX_WAIT_PRIVATE (0 | 128)
#define FUTEX_WAKE_PRIVATE (1 | 128)

/* The most timed repetitions -r accepts: the per-repetition arrays are this long. */
#define BENCH_MAX_REPS 64

/* ---- the program ---- */

struct bench_program {
	const char *name; /* "procbench": starts its own lines and the usage text */
	size_t count;     /* its benchmarks, 0 .. count-1, in the order they run */
	/* The name NAME... selects benchmark i by. */
	const char *(*bench_name)(size_t i);
	/* Runs benchmark i: prints its running, result or error lines. */
	void (*run)(size_t i);
	/*
	 * Optional (NULL: none). Called once the command line is good, before the start line:
	 * sets up what the benchmarks need and writes the program's own start-line fields
	 * into buf, each followed by a space ("cpus_online=2 "), or leaves buf empty.
	 */
	void (*prepare)(char *buf, size_t size);
};

/*
 * The whole program: parses the command line, prints the start line, runs the benchmarks
 * named (all when none is), prints the done line and returns the exit status. As PID 1 it
 * first ends the VM with that status: on Linux through QEMU's isa-debug-exit (QEMU exits
 * with (status << 1) | 1), after draining the console, else reboot(RB_POWER_OFF); on Tern
 * (where ioperm gives ENOSYS) it returns, and PID 1's exit powers off with the status.
 */
int bench_main(const struct bench_program *prog, int argc, char **argv);

/* -r REPS: timed repetitions per benchmark, 1 .. BENCH_MAX_REPS (default 5). */
extern int bench_reps;

/* ---- measuring ---- */

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t now_ns(void);
/* The median of v[0..n-1] (n >= 1); sorts v. */
double median(double *v, int n);
/* The smallest and the largest of v[0..n-1] (n >= 1). */
void min_max(const double *v, int n, double *lo, double *hi);
/* A benchmark's operation count: its default `base` times -s SCALE, at least 1. */
long ops_for(long base);
/* The untimed warm-up's operation count for `ops`: a tenth, at least 1. */
long warm_ops(long ops);

/* ---- output lines ---- */

/* "PROG: running NAME", flushed. */
void bench_running(const char *name);
/* With -v: "rep NAME R KEY=VALUE at_ms=NOW" for timed repetition r. */
void bench_rep(const char *name, int r, const char *key, double value);
/* "bench NAME error=WHAT errno=ERR (text)", flushed; counts a failure (exit status 1).
 * what: one word saying which step went wrong. */
void bench_fail(const char *name, const char *what, int err);
/*
 * Starts a latency result line, "bench NAME ns_per_op=MEDIAN ops=OPS reps=R min=MIN
 * max=MAX", from per_op[0..bench_reps-1] (sorted by it). The caller may print further
 * " key=value" fields and ends the line with bench_end_line().
 */
void bench_ns_line(const char *name, double *per_op, long ops);
/* Ends a result line and flushes it. */
void bench_end_line(void);

/* ---- ping-pong building blocks ---- */

/* The futex system call with no timeout; -1 and errno on failure. */
long futex(volatile int *addr, int op, int val);
/*
 * A futex ping-pong between two threads through one word, *turn: 1 while the partner's
 * side may go, 0 while the main side may. The main side runs futex_pingpong(), which
 * makes one untimed exchange (the start handshake) and then `ops` timed round trips:
 * returns 0 and the timed part's length in *ns, or an errno. The partner runs
 * futex_answer(turn, ops): ops + 1 exchanges, handshake included; 0 or an errno.
 */
int futex_pingpong(volatile int *turn, long ops, uint64_t *ns);
int futex_answer(volatile int *turn, long ops);
/*
 * The same between two processes over two pipes, one byte at a time. pipe_fork() makes
 * the pipes and forks (flushing stdout first: the child would print the parent's buffer
 * again); in each process `in` and `out` are then that side's ends and the other ends are
 * closed. It returns 0 in both, pid being the child's in the parent and 0 in the child,
 * or -1 in the parent after bench_fail(name, "pipe" or "fork", errno), nothing left open.
 * The parent runs pipe_pingpong() (one untimed exchange, then `ops` timed round trips;
 * 0 and *ns, or an errno), the child pipe_answer() (ops + 1 exchanges; 0 or an errno:
 * EPIPE when the parent went away); each ends with pipe_close().
 */
struct pipe_pair {
	int in, out; /* this side's ends: it reads `in` and writes `out` */
	pid_t pid;   /* in the parent the child, in the child 0 */
};

int pipe_fork(const char *name, struct pipe_pair *pp);
int pipe_pingpong(const struct pipe_pair *pp, long ops, uint64_t *ns);
int pipe_answer(const struct pipe_pair *pp, long ops);
void pipe_close(const struct pipe_pair *pp);
/* Waits for child pid (retrying EINTR): 0 with its wait status in *status, or an errno. */
int wait_child(pid_t pid, int *status);

#endif
