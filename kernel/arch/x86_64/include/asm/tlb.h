/*
 * TLB maintenance after page-table changes. A user address space records the
 * CPUs it is loaded on (cpu_mask); a change flushes this CPU if it uses that
 * space and sends one shootdown IPI to the others in the mask, waiting until
 * they have flushed. Kernel mappings are flushed on every CPU.
 *
 * Callers may hold spinlocks, with interrupts on or off: a CPU waiting to send
 * its own shootdown serves requests addressed to it meanwhile.
 */
#ifndef ASM_TLB_H
#define ASM_TLB_H

#include <stdint.h>

#include "asm/cpu.h"
#include "asm/paging.h"

static inline uint64_t read_cr3_root(void)
{
	return read_cr3() & PTE_ADDR_MASK;
}

static inline void load_cr3_root(uint64_t root)
{
	write_cr3(root);
}

/* cpu_mask points at the space's mask; it is read after a fence, once the page-table stores are visible. */
void tlb_flush_page(uint64_t root, const uint64_t *cpu_mask, uint64_t va);
void tlb_flush_range(uint64_t root, const uint64_t *cpu_mask, uint64_t start, uint64_t end);
/* Flushes every non-global entry (user mappings) of root. */
void tlb_flush_all(uint64_t root, const uint64_t *cpu_mask);
/* Kernel mappings (global pages): every CPU flushes the range. */
void tlb_flush_kernel_range(uint64_t start, uint64_t end);
/* Registers the shootdown IPI handler (boot CPU). */
void tlb_init_ipis(void);

#endif
