/*
 * Scheduling policy, kept free of locks and per-CPU globals so the host unit
 * tests can drive it (tests/unit/test_placement.c). sched.c takes a snapshot of
 * each CPU's load, asks here where a thread should go or whom to steal from,
 * and does the locking itself. Decisions on a stale snapshot are only less
 * good, never wrong: sched.c rechecks what correctness needs under the locks.
 */
#ifndef SCHED_PLACEMENT_H
#define SCHED_PLACEMENT_H

#include <stdbool.h>
#include <stdint.h>

/* What placement needs to know about one CPU. */
struct cpu_load {
	bool online;
	bool idle;          /* running its idle thread with nothing queued */
	unsigned nr_ready;  /* threads waiting in its run queue */
};

/*
 * Where a thread allowed on the CPUs in `affinity` (bit i: CPU i) should run:
 * `prefer` (the CPU it last ran on, or -1) when allowed and idle; else the
 * lowest-numbered idle CPU it may use; else the allowed CPU with the fewest
 * ready threads, `prefer` winning ties. -1 when no online CPU is allowed.
 */
int placement_choose(const struct cpu_load *cpus, unsigned n, uint64_t affinity, int prefer);

/* The online CPU other than `self` with the most ready threads (ties: the lowest), or -1 if none has any. */
int placement_busiest(const struct cpu_load *cpus, unsigned n, unsigned self);

/* Whether the running thread's slice is used up and someone else is waiting: time to switch. */
bool placement_should_preempt(unsigned slice_left, unsigned nr_ready);

#endif
