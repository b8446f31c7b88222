/*
 * TLB maintenance after page-table changes. Each call takes the root of the
 * address space that changed and flushes only if this CPU is using it (other
 * CPUs get shootdown IPIs with SMP).
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

void tlb_flush_page(uint64_t root, uint64_t va);
void tlb_flush_range(uint64_t root, uint64_t start, uint64_t end);
/* Flushes every non-global entry (user mappings). */
void tlb_flush_all(uint64_t root);

#endif
