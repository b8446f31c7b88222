/*
 * The physical page allocator: every usable RAM page of the machine, handed out
 * in power-of-two blocks (buddy.c). Safe to call from any CPU with interrupts
 * on or off (one spinlock, taken with interrupts disabled).
 */
#ifndef MM_PMM_H
#define MM_PMM_H

#include <stddef.h>
#include <stdint.h>

#include "core/bootinfo.h"

/* A physical range the allocator must never hand out. */
struct phys_range {
	uint64_t start, end; /* [start, end) */
};

/*
 * Builds the page descriptor array and the free lists from the memory map.
 * Only RAM below early_limit is handed out until pmm_add_high_memory() is
 * called (the boot page tables map no more than that).
 */
void pmm_init(const struct mem_region *regions, size_t nregions, const struct phys_range *reserved,
	      size_t nreserved, uint64_t early_limit);
/* Adds the RAM above early_limit, once the direct map covers it. */
void pmm_add_high_memory(void);

/* Allocates 2^order contiguous pages; returns the physical address or 0 when out of memory. */
uint64_t pmm_alloc(unsigned order);
/* The same, zero-filled. */
uint64_t pmm_alloc_zeroed(unsigned order);
/* 2^order physically contiguous, zeroed pages that are each freed on their own (by
 * pmm_page_unref): memory for device DMA that user mappings share. 0 when out of memory. */
uint64_t pmm_alloc_pages_contiguous(unsigned order);
/* Frees a block; a double or invalid free is a kernel bug and panics. */
void pmm_free(uint64_t pa, unsigned order);
/* Hands the whole pages of [start, end), reserved at boot (the initramfs), to the allocator. */
void pmm_release_reserved(uint64_t start, uint64_t end);

/*
 * Reference counts of single pages shared by address spaces (copy-on-write,
 * shared memory). pmm_alloc() returns blocks with a count of 1;
 * pmm_page_unref() frees the page when the count drops to 0.
 */
void pmm_page_ref(uint64_t pa);
void pmm_page_unref(uint64_t pa);
uint32_t pmm_page_refcount(uint64_t pa);

uint64_t pmm_total_pages(void);
uint64_t pmm_free_pages(void);
/* The highest physical address of RAM plus one. */
uint64_t pmm_ram_end(void);

#endif
