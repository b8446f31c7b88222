#include "mm/kva.h"

#include "asm/layout.h"
#include "core/log.h"
#include "core/spinlock.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/vm.h"

#define STACK_SLOT_SIZE (KERNEL_STACK_SIZE + PAGE_SIZE)
#define STACK_AREA_SIZE (KVA_SIZE / 2)
#define MMIO_AREA_BASE (KVA_BASE + STACK_AREA_SIZE)

struct free_slot {
	struct free_slot *next;
	uint64_t base;
};

/*
 * Freed stacks stay mapped, up to this many, and are handed out again: unmapping
 * one would need a TLB shootdown on every CPU, on every thread exit.
 */
#define STACK_CACHE_MAX 64

/* kva_lock protects the bump pointers and the free stack list. */
static struct spinlock kva_lock = SPINLOCK_INIT("kva");
static uint64_t next_stack_slot;
static uint64_t next_mmio;
static struct free_slot *free_slots;
static uint64_t cached_stacks[STACK_CACHE_MAX]; /* bases of mapped, unused stacks */
static unsigned ncached;

void kva_init(void)
{
	next_stack_slot = KVA_BASE;
	next_mmio = MMIO_AREA_BASE;
}

static uint64_t take_slot(void)
{
	uint64_t slot = 0;
	uint64_t flags = spin_lock_irqsave(&kva_lock);

	if (free_slots != NULL) {
		struct free_slot *f = free_slots;
		free_slots = f->next;
		slot = f->base;
		spin_unlock_irqrestore(&kva_lock, flags);
		kfree(f);
		return slot;
	}
	if (next_stack_slot + STACK_SLOT_SIZE <= KVA_BASE + STACK_AREA_SIZE) {
		slot = next_stack_slot;
		next_stack_slot += STACK_SLOT_SIZE;
	}
	spin_unlock_irqrestore(&kva_lock, flags);
	return slot;
}

static void give_back_slot(uint64_t slot)
{
	struct free_slot *f = kmalloc(sizeof(*f));

	if (f == NULL)
		return; /* leaks address space only, never memory */
	f->base = slot;
	uint64_t flags = spin_lock_irqsave(&kva_lock);
	f->next = free_slots;
	free_slots = f;
	spin_unlock_irqrestore(&kva_lock, flags);
}

static void unmap_and_free(uint64_t base, uint64_t mapped)
{
	for (uint64_t va = base; va < base + mapped; va += PAGE_SIZE) {
		uint64_t pa;
		if (kernel_translate(va, &pa)) {
			kernel_unmap(va, PAGE_SIZE);
			pmm_free(pa, 0);
		}
	}
}

bool kva_alloc_stack(struct kstack *out)
{
	uint64_t flags = spin_lock_irqsave(&kva_lock);
	if (ncached > 0) {
		uint64_t base = cached_stacks[--ncached];
		spin_unlock_irqrestore(&kva_lock, flags);
		out->base = base;
		out->top = base + KERNEL_STACK_SIZE;
		return true;
	}
	spin_unlock_irqrestore(&kva_lock, flags);
	uint64_t slot = take_slot();

	if (slot == 0)
		return false;
	uint64_t base = slot + PAGE_SIZE; /* slot's first page is the guard */
	for (uint64_t off = 0; off < KERNEL_STACK_SIZE; off += PAGE_SIZE) {
		uint64_t pa = pmm_alloc(0);
		if (pa == 0 || kernel_map(base + off, pa, PAGE_SIZE, VM_WRITE) != 0) {
			if (pa != 0)
				pmm_free(pa, 0);
			unmap_and_free(base, off);
			give_back_slot(slot);
			return false;
		}
	}
	out->base = base;
	out->top = base + KERNEL_STACK_SIZE;
	return true;
}

void kva_free_stack(const struct kstack *s)
{
	uint64_t flags = spin_lock_irqsave(&kva_lock);
	if (ncached < STACK_CACHE_MAX) {
		cached_stacks[ncached++] = s->base;
		spin_unlock_irqrestore(&kva_lock, flags);
		return;
	}
	spin_unlock_irqrestore(&kva_lock, flags);
	unmap_and_free(s->base, KERNEL_STACK_SIZE);
	give_back_slot(s->base - PAGE_SIZE);
}

void *kva_map_mmio(uint64_t pa, uint64_t size)
{
	uint64_t offset = pa & (PAGE_SIZE - 1);
	uint64_t start = pa - offset;
	uint64_t len = (size + offset + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	uint64_t flags = spin_lock_irqsave(&kva_lock);
	uint64_t va = next_mmio;

	if (va + len > KVA_BASE + KVA_SIZE) {
		spin_unlock_irqrestore(&kva_lock, flags);
		return NULL;
	}
	next_mmio += len + PAGE_SIZE; /* a hole between mappings catches overruns */
	spin_unlock_irqrestore(&kva_lock, flags);
	if (kernel_map(va, start, len, VM_WRITE | VM_NOCACHE) != 0) {
		pr_err("kva: cannot map MMIO %#llx (+%#llx)\n", (unsigned long long)pa, (unsigned long long)size);
		return NULL;
	}
	return (void *)(va + offset);
}
