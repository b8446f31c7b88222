/*
 * What a CPU does while it spins for a lock. Besides pausing, it serves a TLB
 * shootdown addressed to it: the lock holder may be waiting for exactly that,
 * and the spinner may have interrupts disabled (so the IPI would never land).
 */
#ifndef ASM_SPIN_WAIT_H
#define ASM_SPIN_WAIT_H

#include <stdint.h>

#include "asm/cpu.h"

/* Nonzero while a shootdown waits for some CPU (arch/x86_64/tlb.c). */
extern volatile uint64_t tlb_shootdown_targets;
void tlb_serve_pending(void);

static inline void arch_spin_wait(void)
{
	cpu_relax();
	if (__atomic_load_n(&tlb_shootdown_targets, __ATOMIC_RELAXED) != 0)
		tlb_serve_pending();
}

#endif
