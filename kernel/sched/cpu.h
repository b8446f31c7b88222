/*
 * Per-CPU state. Each CPU reaches its own struct cpu through this_cpu() (the GS
 * base on x86-64). The first fields are read by the arch entry code at fixed
 * offsets (CPU_OFFSET_* below), so their order is part of the contract.
 */
#ifndef SCHED_CPU_H
#define SCHED_CPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/spinlock.h"
#include "lib/list.h"

#define MAX_CPUS 64

struct thread;

struct runqueue {
	struct spinlock lock; /* protects the queue and the state of threads whose cpu is this one */
	struct list_node ready;
	unsigned nr_ready;
};

struct cpu {
	struct cpu *self;           /* CPU_OFFSET_SELF */
	uint64_t user_rsp_scratch;  /* CPU_OFFSET_USER_RSP: syscall entry parks the user stack here */
	uint64_t kernel_stack_top;  /* CPU_OFFSET_KERNEL_STACK: the running thread's kernel stack */
	struct thread *current;     /* CPU_OFFSET_CURRENT */
	unsigned id;
	uint32_t arch_id;           /* local APIC id */
	bool online;
	volatile bool need_resched;
	struct runqueue rq;
	struct thread *idle;
	struct thread *prev;        /* the thread switched away from, for finish_switch() */
	struct list_node dead;      /* exited threads whose stacks can be freed */
	uint64_t idle_ns, busy_ns, last_switch_ns;
	uint64_t ist_tops[3];       /* its double-fault, NMI and machine-check stacks */
};

#define CPU_OFFSET_SELF 0
#define CPU_OFFSET_USER_RSP 8
#define CPU_OFFSET_KERNEL_STACK 16
#define CPU_OFFSET_CURRENT 24

extern struct cpu cpus[MAX_CPUS];
extern unsigned cpu_count;

/* This CPU's struct (interrupts may be on: threads do not migrate while running kernel code). */
static inline struct cpu *this_cpu(void)
{
	struct cpu *c;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

static inline struct thread *current_thread(void)
{
	struct thread *t;

	__asm__ volatile("movq %%gs:24, %0" : "=r"(t));
	return t;
}

#endif
