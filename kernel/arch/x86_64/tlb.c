#include "asm/tlb.h"

#include "asm/layout.h"

/* Past this many pages a full flush is cheaper than invlpg one by one. */
#define FLUSH_ALL_THRESHOLD 32

void tlb_flush_page(uint64_t root, uint64_t va)
{
	if (read_cr3_root() == root)
		invlpg(va);
}

void tlb_flush_range(uint64_t root, uint64_t start, uint64_t end)
{
	if (read_cr3_root() != root)
		return;
	if ((end - start) / PAGE_SIZE > FLUSH_ALL_THRESHOLD) {
		load_cr3_root(root);
		return;
	}
	for (uint64_t va = start; va < end; va += PAGE_SIZE)
		invlpg(va);
}

void tlb_flush_all(uint64_t root)
{
	if (read_cr3_root() == root)
		load_cr3_root(root);
}
