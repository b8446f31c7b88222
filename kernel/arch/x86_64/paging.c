#include "asm/paging.h"

#include "lib/errno.h"
#include "mm/phys.h"
#include "mm/vm.h"

#define LARGE_SIZE (1ull << 21)
#define SMALL_SIZE (1ull << 12)

/* Set once at boot. */
static bool nx_supported;

void paging_set_nx_supported(bool supported)
{
	nx_supported = supported;
}

uint64_t paging_pte_flags(unsigned vm_flags)
{
	uint64_t f = PTE_PRESENT;

	if (vm_flags & VM_WRITE)
		f |= PTE_WRITE;
	if (vm_flags & VM_USER)
		f |= PTE_USER;
	if (vm_flags & VM_NOCACHE)
		f |= PTE_PCD | PTE_PWT;
	if (vm_flags & VM_GLOBAL)
		f |= PTE_GLOBAL;
	if (!(vm_flags & VM_EXEC) && nx_supported)
		f |= PTE_NX;
	return f;
}

/* [va, va+size) lies within one canonical half and does not wrap. */
static bool range_is_canonical(uint64_t va, uint64_t size)
{
	if (!va_is_canonical(va))
		return false;
	if (size == 0)
		return true;
	uint64_t last = va + size - 1;
	return last >= va && ((va ^ last) >> 47) == 0;
}

static uint64_t *table(uint64_t pa)
{
	return phys_to_virt(pa & PTE_ADDR_MASK);
}

/* The entry for va at `level`, allocating the tables above it; NULL on failure (*err set). */
static uint64_t *walk_create(uint64_t root, uint64_t va, int level, bool user, pt_alloc_fn alloc, int *err)
{
	uint64_t *t = table(root);

	for (int l = PT_LEVEL_PML4; l > level; l--) {
		uint64_t *e = &t[pt_index(va, l)];
		if (!(*e & PTE_PRESENT)) {
			uint64_t page = alloc();
			if (page == 0) {
				*err = -ENOMEM;
				return NULL;
			}
			/* Upper levels grant everything; the leaf decides. */
			*e = page | PTE_PRESENT | PTE_WRITE | (user ? PTE_USER : 0);
		} else if (*e & PTE_LARGE) {
			*err = -EEXIST;
			return NULL;
		} else if (user && !(*e & PTE_USER)) {
			*e |= PTE_USER;
		}
		t = table(*e);
	}
	return &t[pt_index(va, level)];
}

int pt_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t pte_flags, bool allow_large,
	   pt_alloc_fn alloc)
{
	bool user = (pte_flags & PTE_USER) != 0;
	int err = 0;

	if (((va | pa | size) & (SMALL_SIZE - 1)) != 0 || !range_is_canonical(va, size))
		return -EINVAL;
	while (size > 0) {
		bool large = allow_large && ((va | pa) & (LARGE_SIZE - 1)) == 0 && size >= LARGE_SIZE;
		int level = large ? PT_LEVEL_PD : PT_LEVEL_PT;
		uint64_t *e = walk_create(root, va, level, user, alloc, &err);
		if (e == NULL)
			return err;
		if (*e & PTE_PRESENT)
			return -EEXIST;
		*e = pa | pte_flags | (large ? PTE_LARGE : 0);
		uint64_t step = large ? LARGE_SIZE : SMALL_SIZE;
		va += step;
		pa += step;
		size -= step;
	}
	return 0;
}

/* The leaf entry for va and its level, or NULL if nothing maps va. */
static uint64_t *walk_find(uint64_t root, uint64_t va, int *level_out)
{
	uint64_t *t = table(root);

	for (int l = PT_LEVEL_PML4; l >= PT_LEVEL_PT; l--) {
		uint64_t *e = &t[pt_index(va, l)];
		if (!(*e & PTE_PRESENT))
			return NULL;
		if (l == PT_LEVEL_PT || ((*e & PTE_LARGE) && l <= PT_LEVEL_PDPT)) {
			*level_out = l;
			return e;
		}
		t = table(*e);
	}
	return NULL;
}

int pt_unmap(uint64_t root, uint64_t va, uint64_t size)
{
	if (((va | size) & (SMALL_SIZE - 1)) != 0 || !range_is_canonical(va, size))
		return -EINVAL;
	while (size > 0) {
		int level = 0;
		uint64_t *e = walk_find(root, va, &level);
		uint64_t step = SMALL_SIZE;
		if (e != NULL) {
			if (level != PT_LEVEL_PT) {
				step = 1ull << (12 + 9 * (level - 1));
				if ((va & (step - 1)) != 0 || size < step)
					return -EINVAL;
			}
			*e = 0;
		}
		va += step;
		size = size > step ? size - step : 0;
	}
	return 0;
}

uint64_t pt_lookup(uint64_t root, uint64_t va, uint64_t *pa)
{
	int level = 0;

	if (!va_is_canonical(va))
		return 0;
	uint64_t *e = walk_find(root, va, &level);
	if (e == NULL)
		return 0;
	uint64_t page_size = 1ull << (12 + 9 * (level - 1));
	uint64_t base = *e & PTE_ADDR_MASK & ~(page_size - 1);
	if (pa != NULL)
		*pa = base + (va & (page_size - 1));
	return *e;
}

uint64_t *pt_walk(uint64_t root, uint64_t va, bool create, pt_alloc_fn alloc)
{
	uint64_t *t = table(root);
	bool user = va < (1ull << 47);

	for (int l = PT_LEVEL_PML4; l > PT_LEVEL_PT; l--) {
		uint64_t *e = &t[pt_index(va, l)];
		if (!(*e & PTE_PRESENT)) {
			if (!create)
				return NULL;
			uint64_t page = alloc();
			if (page == 0)
				return NULL;
			*e = page | PTE_PRESENT | PTE_WRITE | (user ? PTE_USER : 0);
		} else if (*e & PTE_LARGE) {
			return NULL;
		}
		t = table(*e);
	}
	return &t[pt_index(va, PT_LEVEL_PT)];
}

static void for_each_level(uint64_t table_pa, int level, uint64_t base, uint64_t start, uint64_t end, pt_leaf_fn fn,
			   void *ctx)
{
	uint64_t *t = table(table_pa);
	uint64_t span = 1ull << (12 + 9 * (level - 1));

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t lo = base + i * span, hi = lo + span;
		if (hi <= start || lo >= end)
			continue;
		uint64_t e = t[i];
		if (level == PT_LEVEL_PT) {
			if (e & (PTE_PRESENT | PTE_SAVED))
				fn(ctx, lo, &t[i]);
			continue;
		}
		if ((e & PTE_PRESENT) && !(e & PTE_LARGE))
			for_each_level(e, level - 1, lo, start, end, fn, ctx);
	}
}

void pt_for_each_leaf(uint64_t root, uint64_t start, uint64_t end, pt_leaf_fn fn, void *ctx)
{
	if (end > (1ull << 47))
		end = 1ull << 47;
	if (start < end)
		for_each_level(root, PT_LEVEL_PML4, 0, start, end, fn, ctx);
}

static void free_level(uint64_t table_pa, int level, pt_free_fn free_page)
{
	uint64_t *t = table(table_pa);

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		if ((t[i] & PTE_PRESENT) && !(t[i] & PTE_LARGE) && level > PT_LEVEL_PD)
			free_level(t[i], level - 1, free_page);
		if ((t[i] & PTE_PRESENT) && level > PT_LEVEL_PT && !(t[i] & PTE_LARGE))
			free_page(t[i] & PTE_ADDR_MASK);
		t[i] = 0;
	}
}

void pt_free_user_tables(uint64_t root, pt_free_fn free_page)
{
	uint64_t *pml4 = table(root);

	for (unsigned i = 0; i < PT_ENTRIES / 2; i++) {
		if (!(pml4[i] & PTE_PRESENT))
			continue;
		free_level(pml4[i], PT_LEVEL_PDPT, free_page);
		free_page(pml4[i] & PTE_ADDR_MASK);
		pml4[i] = 0;
	}
}
