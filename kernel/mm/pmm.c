#include "mm/pmm.h"

#include <stdbool.h>

#include "asm/layout.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/spinlock.h"
#include "lib/string.h"
#include "mm/buddy.h"
#include "mm/phys.h"

#define MAX_HIGH_RANGES 64
#define MAX_RESERVED 64

/* pmm_lock protects buddy and the high-range list. */
static struct spinlock pmm_lock = SPINLOCK_INIT("pmm");
static struct buddy buddy;
static uint64_t ram_end;
static struct phys_range high_ranges[MAX_HIGH_RANGES];
static size_t high_count;

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
static uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }

static bool overlaps(uint64_t s, uint64_t e, const struct phys_range *r)
{
	return s < r->end && r->start < e;
}

/* A page-aligned place for `bytes` inside usable RAM below limit, clear of reserved ranges. */
static uint64_t find_space(const struct mem_region *regions, size_t n, const struct phys_range *res,
			   size_t nres, uint64_t bytes, uint64_t limit)
{
	for (size_t i = 0; i < n; i++) {
		if (regions[i].type != MEM_USABLE)
			continue;
		uint64_t start = align_up(regions[i].base, PAGE_SIZE);
		uint64_t end = align_down(regions[i].base + regions[i].size, PAGE_SIZE);
		if (end > limit)
			end = limit;
		while (start + bytes <= end) {
			bool clash = false;
			for (size_t r = 0; r < nres; r++) {
				if (overlaps(start, start + bytes, &res[r])) {
					start = align_up(res[r].end, PAGE_SIZE);
					clash = true;
					break;
				}
			}
			if (!clash)
				return start;
		}
	}
	return 0;
}

/* Adds [start, end) minus the reserved ranges; parts above early_limit are kept for later. */
static void add_usable(uint64_t start, uint64_t end, const struct phys_range *res, size_t nres,
		       uint64_t early_limit)
{
	while (start < end) {
		uint64_t piece_end = end;
		bool skipped = false;
		for (size_t r = 0; r < nres; r++) {
			if (res[r].start <= start && start < res[r].end) {
				start = align_up(res[r].end, PAGE_SIZE);
				skipped = true;
				break;
			}
			if (start < res[r].start && res[r].start < piece_end)
				piece_end = align_down(res[r].start, PAGE_SIZE);
		}
		if (skipped)
			continue;
		if (piece_end <= start) {
			start += PAGE_SIZE;
			continue;
		}
		uint64_t low_end = piece_end < early_limit ? piece_end : early_limit;
		if (start < low_end)
			buddy_add_range(&buddy, start >> PAGE_SHIFT, low_end >> PAGE_SHIFT);
		uint64_t high_start = start > early_limit ? start : early_limit;
		if (high_start < piece_end) {
			if (high_count < MAX_HIGH_RANGES)
				high_ranges[high_count++] = (struct phys_range){high_start, piece_end};
			else
				pr_warn("pmm: too many memory ranges; ignoring %#llx-%#llx\n",
					(unsigned long long)high_start, (unsigned long long)piece_end);
		}
		start = piece_end;
	}
}

void pmm_init(const struct mem_region *regions, size_t n, const struct phys_range *reserved, size_t nres,
	      uint64_t early_limit)
{
	struct phys_range res[MAX_RESERVED + 1];

	if (nres > MAX_RESERVED)
		panic("pmm: %zu reserved ranges, at most %d supported", nres, MAX_RESERVED);
	memcpy(res, reserved, nres * sizeof(res[0]));

	for (size_t i = 0; i < n; i++) {
		if (regions[i].type == MEM_USABLE && regions[i].base + regions[i].size > ram_end)
			ram_end = regions[i].base + regions[i].size;
	}
	uint64_t npages = align_down(ram_end, PAGE_SIZE) >> PAGE_SHIFT;
	if (npages >= BUDDY_NONE)
		npages = BUDDY_NONE - 1;
	uint64_t array_bytes = align_up(npages * sizeof(struct page), PAGE_SIZE);
	uint64_t array_pa = find_space(regions, n, res, nres, array_bytes, early_limit);
	if (array_pa == 0)
		panic("pmm: no room for the page array (%llu KiB)", (unsigned long long)(array_bytes >> 10));
	res[nres++] = (struct phys_range){array_pa, array_pa + array_bytes};

	buddy_init(&buddy, phys_to_virt(array_pa), npages);
	for (size_t i = 0; i < n; i++) {
		if (regions[i].type != MEM_USABLE)
			continue;
		uint64_t start = align_up(regions[i].base, PAGE_SIZE);
		uint64_t end = align_down(regions[i].base + regions[i].size, PAGE_SIZE);
		if (end > npages << PAGE_SHIFT)
			end = npages << PAGE_SHIFT;
		add_usable(start, end, res, nres, early_limit);
	}
	pr_info("pmm: %llu MiB usable, %llu MiB free now, page array %llu KiB at %#llx\n",
		(unsigned long long)(buddy.managed_pages >> 8), (unsigned long long)(buddy.free_pages >> 8),
		(unsigned long long)(array_bytes >> 10), (unsigned long long)array_pa);
}

void pmm_add_high_memory(void)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	for (size_t i = 0; i < high_count; i++)
		buddy_add_range(&buddy, high_ranges[i].start >> PAGE_SHIFT, high_ranges[i].end >> PAGE_SHIFT);
	high_count = 0;
	spin_unlock_irqrestore(&pmm_lock, flags);
}

uint64_t pmm_alloc(unsigned order)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	uint32_t pfn = buddy_alloc(&buddy, order);
	if (pfn != BUDDY_NONE)
		buddy.pages[pfn].refcount = 1;
	spin_unlock_irqrestore(&pmm_lock, flags);
	return pfn == BUDDY_NONE ? 0 : (uint64_t)pfn << PAGE_SHIFT;
}

uint64_t pmm_alloc_zeroed(unsigned order)
{
	uint64_t pa = pmm_alloc(order);

	if (pa != 0)
		memset(phys_to_virt(pa), 0, PAGE_SIZE << order);
	return pa;
}

void pmm_release_reserved(uint64_t start, uint64_t end)
{
	start = align_up(start, PAGE_SIZE);
	end = align_down(end, PAGE_SIZE);
	if (start >= end)
		return;
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	buddy_add_range(&buddy, start >> PAGE_SHIFT, end >> PAGE_SHIFT);
	spin_unlock_irqrestore(&pmm_lock, flags);
}

void pmm_free(uint64_t pa, unsigned order)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	enum buddy_error err = buddy_free(&buddy, pa >> PAGE_SHIFT, order);
	spin_unlock_irqrestore(&pmm_lock, flags);
	if (err == BUDDY_EDOUBLEFREE)
		panic("pmm: double free of %#llx (order %u)", (unsigned long long)pa, order);
	if (err != BUDDY_OK)
		panic("pmm: invalid free of %#llx (order %u)", (unsigned long long)pa, order);
}

static struct page *page_of(uint64_t pa)
{
	uint64_t pfn = pa >> PAGE_SHIFT;

	if (pfn >= buddy.npages)
		panic("pmm: %#llx is not RAM", (unsigned long long)pa);
	return &buddy.pages[pfn];
}

void pmm_page_ref(uint64_t pa)
{
	__atomic_add_fetch(&page_of(pa)->refcount, 1, __ATOMIC_RELAXED);
}

void pmm_page_unref(uint64_t pa)
{
	uint32_t left = __atomic_sub_fetch(&page_of(pa)->refcount, 1, __ATOMIC_ACQ_REL);

	if (left == UINT32_MAX)
		panic("pmm: reference count of %#llx went below zero", (unsigned long long)pa);
	if (left == 0)
		pmm_free(pa & ~(PAGE_SIZE - 1), 0);
}

uint32_t pmm_page_refcount(uint64_t pa)
{
	return __atomic_load_n(&page_of(pa)->refcount, __ATOMIC_RELAXED);
}

uint64_t pmm_total_pages(void) { return buddy.managed_pages; }
uint64_t pmm_free_pages(void) { return buddy.free_pages; }
uint64_t pmm_ram_end(void) { return ram_end; }

uint64_t pmm_alloc_pages_contiguous(unsigned order)
{
	uint64_t flags = spin_lock_irqsave(&pmm_lock);
	uint32_t pfn = buddy_alloc(&buddy, order);
	if (pfn != BUDDY_NONE) {
		if (buddy_split(&buddy, pfn, order) != BUDDY_OK)
			panic("pmm: cannot split a block it just allocated");
		for (uint32_t i = 0; i < (1u << order); i++)
			buddy.pages[pfn + i].refcount = 1;
	}
	spin_unlock_irqrestore(&pmm_lock, flags);
	if (pfn == BUDDY_NONE)
		return 0;
	uint64_t pa = (uint64_t)pfn << PAGE_SHIFT;
	memset(phys_to_virt(pa), 0, PAGE_SIZE << order);
	return pa;
}
