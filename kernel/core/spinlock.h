/*
 * Spinlocks. A lock taken from both thread and interrupt context must use the
 * _irqsave variants. Lock order (outermost first): sched (later issues) > pmm >
 * heap > log. The console lock may be taken inside any of them. Panic breaks
 * locks it cannot get (see panic.c).
 */
#ifndef CORE_SPINLOCK_H
#define CORE_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include "asm/cpu.h"
#include "asm/irqflags.h"
#include "asm/spin_wait.h"

struct spinlock {
	uint32_t next_ticket;
	uint32_t now_serving;
	const char *name;
};

#define SPINLOCK_INIT(n) {0, 0, (n)}

static inline void spin_init(struct spinlock *l, const char *name)
{
	l->next_ticket = 0;
	l->now_serving = 0;
	l->name = name;
}

/* Ticket lock: FIFO order, so no CPU starves. */
static inline void spin_lock(struct spinlock *l)
{
	uint32_t ticket = __atomic_fetch_add(&l->next_ticket, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->now_serving, __ATOMIC_ACQUIRE) != ticket)
		arch_spin_wait(); /* may serve other CPUs' requests: the holder may be waiting on us */
}

static inline bool spin_trylock(struct spinlock *l)
{
	uint32_t serving = __atomic_load_n(&l->now_serving, __ATOMIC_RELAXED);
	uint32_t expected = serving;

	return __atomic_compare_exchange_n(&l->next_ticket, &expected, serving + 1, false, __ATOMIC_ACQUIRE,
					   __ATOMIC_RELAXED);
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->now_serving, l->now_serving + 1, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(struct spinlock *l)
{
	return __atomic_load_n(&l->now_serving, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next_ticket, __ATOMIC_RELAXED);
}

static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
	uint64_t flags = irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	spin_unlock(l);
	irq_restore(flags);
}

#endif
