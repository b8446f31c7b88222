/* Saving and restoring the interrupt flag around critical sections. */
#ifndef ASM_IRQFLAGS_H
#define ASM_IRQFLAGS_H

#include <stdbool.h>
#include <stdint.h>

/* Disables interrupts; returns the flags to hand to irq_restore(). */
static inline uint64_t irq_save(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f)::"memory");
	return f;
}

static inline void irq_restore(uint64_t flags)
{
	if (flags & (1ull << 9))
		__asm__ volatile("sti" ::: "memory");
}

static inline bool irq_enabled(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return (f & (1ull << 9)) != 0;
}

#endif
