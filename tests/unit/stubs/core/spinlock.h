/*
 * Host stand-in for kernel/core/spinlock.h (the real one executes cli/sti,
 * which fault in user mode). Same API; the tests are single-threaded, so a
 * lock is a flag, and taking a held lock or releasing a free one aborts: that
 * is a deadlock or an unbalanced unlock in the kernel.
 */
#ifndef CORE_SPINLOCK_H
#define CORE_SPINLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

struct spinlock {
	bool locked;
	const char *name;
};

#define SPINLOCK_INIT(n) {false, (n)}

static inline void spin_init(struct spinlock *l, const char *name)
{
	l->locked = false;
	l->name = name;
}

static inline void spin_lock(struct spinlock *l)
{
	if (l->locked) {
		fprintf(stderr, "spinlock %s: taken while held (deadlock)\n", l->name);
		abort();
	}
	l->locked = true;
}

static inline bool spin_trylock(struct spinlock *l)
{
	if (l->locked)
		return false;
	l->locked = true;
	return true;
}

static inline void spin_unlock(struct spinlock *l)
{
	if (!l->locked) {
		fprintf(stderr, "spinlock %s: released while free\n", l->name);
		abort();
	}
	l->locked = false;
}

static inline bool spin_is_locked(struct spinlock *l)
{
	return l->locked;
}

static inline uint64_t spin_lock_irqsave(struct spinlock *l)
{
	spin_lock(l);
	return 0;
}

static inline void spin_unlock_irqrestore(struct spinlock *l, uint64_t flags)
{
	(void)flags;
	spin_unlock(l);
}

#endif
