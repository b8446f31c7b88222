/*
 * The scheduler: per-CPU run queues, round robin. User threads are preempted
 * when their time slice ends (on the way back to user mode); kernel code is
 * never preempted, only blocks. The run-queue lock is held across the context
 * switch and released by the thread switched to (finish_switch()).
 */
#ifndef SCHED_SCHED_H
#define SCHED_SCHED_H

#include <stdbool.h>

#include "sched/thread.h"

#define SCHED_SLICE_TICKS 2 /* 20 ms at 100 Hz */

/* Sets up this CPU's run queue and turns the boot flow into its idle... (boot CPU) */
void sched_init_cpu(struct cpu *c, struct thread *idle);
/* Makes a new thread runnable on the least loaded CPU. */
void sched_start(struct thread *t);
/* Gives up the CPU; the caller has set its state (BLOCKED, DEAD...) or stays runnable. */
void schedule(void);
/* Makes a blocked thread runnable with a reason (WAKE_*); false if it was not blocked. */
bool sched_wakeup(struct thread *t, int reason);
/* Resumes a stopped thread. */
void sched_continue(struct thread *t);
/* Called from the timer tick on each CPU. */
void sched_tick(void);
/* Called by a thread right after the switch to it. */
void sched_finish_switch(void);
/* The idle loop of a CPU. */
__attribute__((noreturn)) void sched_idle_loop(void);
/* Frees the stacks of threads that died on this CPU. */
void sched_reap_dead(void);
/* CPUs that are running (bit n: cpus[n]). */
uint64_t sched_online_mask(void);
/* If t is running on another CPU, makes it enter the kernel soon (to see a signal). */
void sched_kick_thread(struct thread *t);
/* Restricts t to the CPUs in mask (moving it if needed); -1 if no online CPU is in mask. */
int sched_set_affinity(struct thread *t, uint64_t mask);

#endif
