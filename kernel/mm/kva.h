/*
 * The kernel virtual area: kernel stacks, each with an unmapped guard page
 * below it (an overflow faults instead of corrupting memory), and mappings of
 * device memory (MMIO).
 */
#ifndef MM_KVA_H
#define MM_KVA_H

#include <stdbool.h>
#include <stdint.h>

struct kstack {
	uint64_t base; /* lowest usable byte; the guard page is just below */
	uint64_t top;  /* initial stack pointer */
};

void kva_init(void);
/* A new KERNEL_STACK_SIZE stack; false when out of memory. */
bool kva_alloc_stack(struct kstack *out);
void kva_free_stack(const struct kstack *s);
/* Maps device memory uncached; returns its virtual address or NULL. Never unmapped. */
void *kva_map_mmio(uint64_t pa, uint64_t size);

#endif
