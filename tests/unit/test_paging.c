/*
 * kernel/arch/x86_64/paging.c on page tables that live in a host arena. The
 * tables' "physical" addresses are small fake numbers; phys_map_offset makes
 * phys_to_virt() land in the arena, as the direct map does in the kernel.
 */
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "asm/paging.h"
#include "lib/errno.h"
#include "mm/phys.h"
#include "mm/vm.h"

#define ARENA_PAGES 256
#define PHYS_BASE 0x10000000ull /* fake physical address of the arena's first page */
#define K4 0x1000ull
#define M2 0x200000ull
#define G1 0x40000000ull

static void *arena;
static unsigned arena_used;
static int alloc_budget; /* table pages left to hand out; < 0: unlimited */
static uint64_t root;

static uint64_t alloc_table(void)
{
	if (alloc_budget == 0 || arena_used == ARENA_PAGES)
		return 0;
	if (alloc_budget > 0)
		alloc_budget--;
	uint64_t pa = PHYS_BASE + (uint64_t)arena_used++ * K4;
	memset(phys_to_virt(pa), 0, K4);
	return pa;
}

static int setup(void **state)
{
	(void)state;
	arena = aligned_alloc(K4, ARENA_PAGES * K4);
	assert_non_null(arena);
	memset(arena, 0xcc, ARENA_PAGES * K4);
	phys_map_offset = (uintptr_t)arena - PHYS_BASE;
	arena_used = 0;
	alloc_budget = -1;
	paging_set_nx_supported(false);
	root = alloc_table();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

/* The entry for va at `level` (4 = PML4), walking down through present non-leaf entries; NULL if absent. */
static uint64_t *entry_at(uint64_t va, int level)
{
	uint64_t *t = phys_to_virt(root);

	for (int l = PT_LEVEL_PML4; l > level; l--) {
		uint64_t e = t[pt_index(va, l)];
		if (!(e & PTE_PRESENT) || (e & PTE_LARGE))
			return NULL;
		t = phys_to_virt(e & PTE_ADDR_MASK);
	}
	return &t[pt_index(va, level)];
}

static void expect_mapped(uint64_t va, uint64_t pa_want, uint64_t flags_want)
{
	uint64_t pa = 0;
	uint64_t e = pt_lookup(root, va, &pa);

	if (!(e & PTE_PRESENT))
		fail_msg("%#llx: not mapped", (unsigned long long)va);
	if (pa != pa_want)
		fail_msg("%#llx: maps to %#llx, want %#llx", (unsigned long long)va, (unsigned long long)pa,
			 (unsigned long long)pa_want);
	if ((e & flags_want) != flags_want)
		fail_msg("%#llx: entry %#llx lacks flags %#llx", (unsigned long long)va, (unsigned long long)e,
			 (unsigned long long)flags_want);
}

static void expect_unmapped(uint64_t va)
{
	uint64_t pa = 0xdead;
	uint64_t e = pt_lookup(root, va, &pa);
	if (e != 0)
		fail_msg("%#llx: mapped (entry %#llx), want unmapped", (unsigned long long)va, (unsigned long long)e);
	assert_int_equal(pa, 0xdead); /* untouched */
}

static void test_index_and_canonical(void **state)
{
	(void)state;
	uint64_t va = 0xffff888012345678ull;

	assert_int_equal(pt_index(va, PT_LEVEL_PML4), 273);
	assert_int_equal(pt_index(va, PT_LEVEL_PDPT), 0);
	assert_int_equal(pt_index(va, PT_LEVEL_PD), 0x91);
	assert_int_equal(pt_index(va, PT_LEVEL_PT), 0x145);
	assert_int_equal(pt_index(0xffffffff80000000ull, PT_LEVEL_PML4), 511);
	assert_int_equal(pt_index(0xffffffff80000000ull, PT_LEVEL_PDPT), 510);
	assert_int_equal(pt_index(0x7fffffffffffull, PT_LEVEL_PML4), 255);
	/* The four indices and the page offset give back bits 0..47. */
	rng_seed(unit_seed());
	for (int i = 0; i < 1000; i++) {
		uint64_t v = rng_next() & 0xffffffffffffull;
		uint64_t back = v & 0xfff;
		for (int l = 1; l <= 4; l++)
			back |= (uint64_t)pt_index(v, l) << (12 + 9 * (l - 1));
		assert_int_equal(back, v);
	}

	assert_true(va_is_canonical(0));
	assert_true(va_is_canonical(0x00007fffffffffffull));
	assert_false(va_is_canonical(0x0000800000000000ull));
	assert_false(va_is_canonical(0x00ff000000000000ull));
	assert_false(va_is_canonical(0xffff7fffffffffffull));
	assert_true(va_is_canonical(0xffff800000000000ull));
	assert_true(va_is_canonical(0xffff888000000000ull));
	assert_true(va_is_canonical(0xffffffffffffffffull));
	assert_false(va_is_canonical(0x8000000000000000ull));
	assert_false(va_is_canonical(0x7fffffffffffffffull));
}

static void test_pte_flags(void **state)
{
	(void)state;
	for (int nx = 0; nx <= 1; nx++) {
		paging_set_nx_supported(nx);
		for (unsigned f = 0; f < 32; f++) {
			uint64_t want = PTE_PRESENT;
			if (f & VM_WRITE)
				want |= PTE_WRITE;
			if (f & VM_USER)
				want |= PTE_USER;
			if (f & VM_NOCACHE)
				want |= PTE_PCD | PTE_PWT;
			if (f & VM_GLOBAL)
				want |= PTE_GLOBAL;
			if (nx && !(f & VM_EXEC))
				want |= PTE_NX;
			assert_int_equal(paging_pte_flags(f), want);
		}
	}
	/* Without NX support the bit is reserved and never set. */
	paging_set_nx_supported(false);
	assert_int_equal(paging_pte_flags(0) & PTE_NX, 0);
	paging_set_nx_supported(true);
	assert_int_equal(paging_pte_flags(0) & PTE_NX, PTE_NX);
	assert_int_equal(paging_pte_flags(VM_EXEC) & PTE_NX, 0);
}

static void test_map_4k(void **state)
{
	(void)state;
	uint64_t va = 0x400000, pa = 0x12345000;

	assert_int_equal(pt_map(root, va, pa, K4, PTE_PRESENT | PTE_WRITE, false, alloc_table), 0);
	assert_int_equal(arena_used, 4); /* root + PDPT + PD + PT */
	expect_mapped(va, pa, PTE_PRESENT | PTE_WRITE);
	expect_mapped(va + 0x123, pa + 0x123, PTE_PRESENT);
	expect_mapped(va + 0xfff, pa + 0xfff, PTE_PRESENT);
	expect_unmapped(va + K4);
	expect_unmapped(va - K4);
	expect_unmapped(0);
	uint64_t e = pt_lookup(root, va, NULL); /* pa may be NULL */
	assert_int_equal(e, pa | PTE_PRESENT | PTE_WRITE);
	assert_int_equal(*entry_at(va, PT_LEVEL_PT), pa | PTE_PRESENT | PTE_WRITE);

	/* A neighbour reuses the tables. */
	assert_int_equal(pt_map(root, va + K4, pa + 0x10000, K4, PTE_PRESENT, false, alloc_table), 0);
	assert_int_equal(arena_used, 4);
	expect_mapped(va + K4 + 5, pa + 0x10005, PTE_PRESENT);
	/* size 0 maps nothing */
	assert_int_equal(pt_map(root, 0x800000, 0, 0, PTE_PRESENT, false, alloc_table), 0);
	expect_unmapped(0x800000);
}

static void test_map_many_4k(void **state)
{
	(void)state;
	uint64_t va = 0x7f0000000000ull - 16 * K4, pa = 0x100000;

	/* Crosses a page-table and a PD boundary. */
	assert_int_equal(pt_map(root, va, pa, 1040 * K4, PTE_PRESENT | PTE_WRITE, false, alloc_table), 0);
	for (uint64_t i = 0; i < 1040; i++)
		expect_mapped(va + i * K4 + (i & 0xfff), pa + i * K4 + (i & 0xfff), PTE_PRESENT | PTE_WRITE);
	expect_unmapped(va - K4);
	expect_unmapped(va + 1040 * K4);
}

static void test_map_2m(void **state)
{
	(void)state;
	uint64_t va = 0x40000000, pa = 0x80000000;

	assert_int_equal(pt_map(root, va, pa, 2 * M2, PTE_PRESENT | PTE_WRITE, true, alloc_table), 0);
	assert_int_equal(arena_used, 3); /* no page tables below the PD */
	uint64_t e = pt_lookup(root, va, NULL);
	assert_true(e & PTE_LARGE);
	expect_mapped(va, pa, PTE_PRESENT | PTE_WRITE | PTE_LARGE);
	expect_mapped(va + 0x1fffff, pa + 0x1fffff, PTE_LARGE);
	expect_mapped(va + M2 + 0x12345, pa + M2 + 0x12345, PTE_LARGE);
	expect_unmapped(va + 2 * M2);

	/* Without allow_large the same range takes 4 KiB pages. */
	uint64_t va2 = 0x80000000;
	assert_int_equal(pt_map(root, va2, pa, 2 * M2, PTE_PRESENT, false, alloc_table), 0);
	assert_false(pt_lookup(root, va2, NULL) & PTE_LARGE);
	expect_mapped(va2 + M2 + 0x12345, pa + M2 + 0x12345, PTE_PRESENT);
	assert_int_equal(arena_used, 3 + 1 + 2); /* one more PD, two PTs */
}

static void test_map_mixed_sizes(void **state)
{
	(void)state;
	/* va and pa differ by a 2 MiB multiple: 4 KiB head, one 2 MiB page, 4 KiB tail. */
	uint64_t va = 0x1ff000, pa = 0x40000000 + 0x1ff000, size = K4 + M2 + K4;

	assert_int_equal(pt_map(root, va, pa, size, PTE_PRESENT, true, alloc_table), 0);
	assert_false(pt_lookup(root, 0x1ff000, NULL) & PTE_LARGE);
	assert_true(pt_lookup(root, 0x200000, NULL) & PTE_LARGE);
	assert_true(pt_lookup(root, 0x3fffff, NULL) & PTE_LARGE);
	assert_false(pt_lookup(root, 0x400000, NULL) & PTE_LARGE);
	for (uint64_t off = 0; off < size; off += 0x3ff1)
		expect_mapped(va + off, pa + off, PTE_PRESENT);
	expect_unmapped(va + size);

	/* pa not 2 MiB aligned where va is: only 4 KiB pages. */
	uint64_t va2 = 0x40000000, pa2 = 0x1000;
	assert_int_equal(pt_map(root, va2, pa2, M2, PTE_PRESENT, true, alloc_table), 0);
	assert_false(pt_lookup(root, va2, NULL) & PTE_LARGE);
	expect_mapped(va2 + M2 - 1, pa2 + M2 - 1, PTE_PRESENT);
}

static void test_exists(void **state)
{
	(void)state;
	assert_int_equal(pt_map(root, 0x600000, 0x1000, K4, PTE_PRESENT, false, alloc_table), 0);
	assert_int_equal(pt_map(root, 0x600000, 0x9000, K4, PTE_PRESENT | PTE_WRITE, false, alloc_table), -EEXIST);
	expect_mapped(0x600000, 0x1000, PTE_PRESENT);
	assert_false(pt_lookup(root, 0x600000, NULL) & PTE_WRITE);

	/* 2 MiB over a region that has 4 KiB pages. */
	assert_int_equal(pt_map(root, 0x600000, 0x200000, M2, PTE_PRESENT, true, alloc_table), -EEXIST);
	expect_mapped(0x600000, 0x1000, PTE_PRESENT);

	/* 4 KiB inside an existing 2 MiB page, and 2 MiB on top of it. */
	assert_int_equal(pt_map(root, 0xc00000, 0x400000, M2, PTE_PRESENT, true, alloc_table), 0);
	assert_int_equal(pt_map(root, 0xc00000 + 0x5000, 0x7000, K4, PTE_PRESENT, false, alloc_table), -EEXIST);
	assert_int_equal(pt_map(root, 0xc00000, 0x600000, M2, PTE_PRESENT, true, alloc_table), -EEXIST);
	assert_int_equal(pt_map(root, 0xc00000, 0x600000, K4, PTE_PRESENT, true, alloc_table), -EEXIST);
	expect_mapped(0xc00000 + 0x5000, 0x405000, PTE_LARGE);

	/* A range whose tail collides stops there. */
	assert_int_equal(pt_map(root, 0x5fe000, 0x20000, 3 * K4, PTE_PRESENT, false, alloc_table), -EEXIST);
	expect_mapped(0x600000, 0x1000, PTE_PRESENT);
}

static void test_einval(void **state)
{
	(void)state;
	uint64_t f = PTE_PRESENT;

	assert_int_equal(pt_map(root, 0x400800, 0x1000, K4, f, false, alloc_table), -EINVAL);
	assert_int_equal(pt_map(root, 0x400000, 0x1001, K4, f, false, alloc_table), -EINVAL);
	assert_int_equal(pt_map(root, 0x400000, 0x1000, 0x800, f, false, alloc_table), -EINVAL);
	assert_int_equal(pt_map(root, 0x0000800000000000ull, 0x1000, K4, f, false, alloc_table), -EINVAL);
	assert_int_equal(pt_map(root, 0xffff7ffffffff000ull, 0x1000, K4, f, false, alloc_table), -EINVAL);
	/* Starts canonical, runs into the hole. */
	assert_int_equal(pt_map(root, 0x00007ffffffff000ull, 0x1000, 2 * K4, f, false, alloc_table), -EINVAL);
	assert_int_equal(pt_map(root, 0xffff7ffffffff000ull, 0x1000, 2 * K4, f, false, alloc_table), -EINVAL);
	assert_int_equal(arena_used, 1); /* nothing was built */
	expect_unmapped(0x400000);
	expect_unmapped(0x00007ffffffff000ull);

	/* The last page of the canonical lower half is fine. */
	assert_int_equal(pt_map(root, 0x00007ffffffff000ull, 0x1000, K4, f, false, alloc_table), 0);
	expect_mapped(0x00007fffffffffffull, 0x1fff, f);
	/* Non-canonical addresses never look up. */
	expect_unmapped(0x0000800000000000ull);
	expect_unmapped(0xfffffffffffff000ull & 0x0000ffffffffffffull);
}

/* A range that runs past the top of the address space wraps to 0: it must be refused. */
static void test_einval_wrap_at_top(void **state)
{
	(void)state;
	int err = pt_map(root, 0xfffffffffffff000ull, 0x1000, 2 * K4, PTE_PRESENT, false, alloc_table);
	uint64_t e = pt_lookup(root, 0, NULL);
	if (err != -EINVAL || e != 0)
		fail_msg("pt_map(va=0xfffffffffffff000, size=0x2000) returned %d, and va 0 is %s; want -EINVAL and "
			 "nothing mapped",
			 err, e ? "mapped" : "unmapped");
}

static void test_enomem(void **state)
{
	(void)state;
	for (int budget = 0; budget < 3; budget++) {
		teardown(state); /* a fresh tree each round */
		setup(state);
		alloc_budget = budget;
		/* Needs PDPT, PD, PT: fails at each in turn. */
		assert_int_equal(pt_map(root, 0x400000, 0x1000, K4, PTE_PRESENT, false, alloc_table), -ENOMEM);
		expect_unmapped(0x400000);
		/* What was built stays usable: a retry with pages succeeds. */
		alloc_budget = -1;
		assert_int_equal(pt_map(root, 0x400000, 0x1000, K4, PTE_PRESENT, false, alloc_table), 0);
		assert_int_equal(arena_used, 4);
		expect_mapped(0x400000, 0x1000, PTE_PRESENT);
	}
	teardown(state);
	setup(state);
	/* Runs out midway through a range (the second page needs a new page table). */
	assert_int_equal(pt_map(root, 0x200000 - 2 * K4, 0x1000, 4 * K4, PTE_PRESENT, false, alloc_table), 0);
	alloc_budget = 0;
	assert_int_equal(pt_map(root, 0x400000 - K4, 0x9000, 2 * K4, PTE_PRESENT, false, alloc_table), -ENOMEM);
	expect_unmapped(0x400000);
	expect_mapped(0x200000, 0x3000, PTE_PRESENT); /* earlier mappings untouched */
}

static void test_unmap(void **state)
{
	(void)state;
	uint64_t va = 0x10000000, pa = 0x20000000;

	assert_int_equal(pt_map(root, va, pa, 4 * K4, PTE_PRESENT, false, alloc_table), 0);
	assert_int_equal(pt_unmap(root, va + K4, K4), 0);
	expect_mapped(va, pa, PTE_PRESENT);
	expect_unmapped(va + K4);
	expect_mapped(va + 2 * K4, pa + 2 * K4, PTE_PRESENT);
	/* Unmapping what is not mapped is fine; then map again. */
	assert_int_equal(pt_unmap(root, va + K4, K4), 0);
	assert_int_equal(pt_unmap(root, 0x7f0000000000ull, 8 * K4), 0);
	assert_int_equal(pt_map(root, va + K4, 0x5000, K4, PTE_PRESENT, false, alloc_table), 0);
	expect_mapped(va + K4, 0x5000, PTE_PRESENT);
	assert_int_equal(pt_unmap(root, va, 4 * K4), 0);
	for (int i = 0; i < 4; i++)
		expect_unmapped(va + (uint64_t)i * K4);

	/* Misaligned */
	assert_int_equal(pt_unmap(root, va + 1, K4), -EINVAL);
	assert_int_equal(pt_unmap(root, va, K4 + 1), -EINVAL);

	/* 2 MiB pages: whole ones go, part of one is refused. */
	assert_int_equal(pt_map(root, 0x40000000, 0x80000000, 2 * M2, PTE_PRESENT, true, alloc_table), 0);
	assert_int_equal(pt_unmap(root, 0x40000000 + K4, K4), -EINVAL);
	assert_int_equal(pt_unmap(root, 0x40000000, K4), -EINVAL);
	assert_int_equal(pt_unmap(root, 0x40000000 + K4, M2), -EINVAL); /* long enough, but starts inside */
	expect_mapped(0x40000000 + K4, 0x80000000 + K4, PTE_LARGE);
	assert_int_equal(pt_unmap(root, 0x40000000, M2), 0);
	expect_unmapped(0x40000000);
	expect_mapped(0x40000000 + M2, 0x80000000 + M2, PTE_LARGE);
	/* A range of 4 KiB steps over an unmapped part, then a whole large page. */
	assert_int_equal(pt_unmap(root, 0x40000000, 2 * M2), 0);
	expect_unmapped(0x40000000 + M2);
	/* The large slot is free again. */
	assert_int_equal(pt_map(root, 0x40000000, 0x80000000, M2, PTE_PRESENT, true, alloc_table), 0);
	expect_mapped(0x40000000 + 7, 0x80000000 + 7, PTE_LARGE);
}

/* A non-canonical address must not reach the entry of its canonical twin. */
static void test_unmap_noncanonical(void **state)
{
	(void)state;
	uint64_t kva = 0xffff800000000000ull;

	assert_int_equal(pt_map(root, kva, 0x1000, K4, PTE_PRESENT, false, alloc_table), 0);
	int err = pt_unmap(root, 0x0000800000000000ull, K4); /* same indices, bits 63..48 clear */
	uint64_t e = pt_lookup(root, kva, NULL);
	if (e == 0)
		fail_msg("pt_unmap(0x0000800000000000) returned %d and removed the mapping of 0xffff800000000000", err);
	assert_int_equal(err, -EINVAL);
}

static void test_user_propagation(void **state)
{
	(void)state;
	uint64_t kva = 0x600000, uva = 0x601000, other = 0x7f0000000000ull;

	/* A kernel page: upper levels without USER. */
	assert_int_equal(pt_map(root, kva, 0x1000, K4, PTE_PRESENT | PTE_WRITE, false, alloc_table), 0);
	for (int l = PT_LEVEL_PML4; l > PT_LEVEL_PT; l--) {
		assert_true(*entry_at(kva, l) & PTE_PRESENT);
		assert_true(*entry_at(kva, l) & PTE_WRITE);
		assert_false(*entry_at(kva, l) & PTE_USER);
	}
	/* A user page next to it: the shared upper entries gain USER; the kernel leaf does not. */
	assert_int_equal(pt_map(root, uva, 0x2000, K4, PTE_PRESENT | PTE_USER, false, alloc_table), 0);
	for (int l = PT_LEVEL_PML4; l > PT_LEVEL_PT; l--)
		assert_true(*entry_at(uva, l) & PTE_USER);
	assert_false(pt_lookup(root, kva, NULL) & PTE_USER);
	assert_true(pt_lookup(root, uva, NULL) & PTE_USER);
	/* A fresh user path gets USER at every level, a 2 MiB one too. */
	assert_int_equal(pt_map(root, other, 0x200000, M2, PTE_PRESENT | PTE_USER, true, alloc_table), 0);
	for (int l = PT_LEVEL_PML4; l > PT_LEVEL_PD; l--)
		assert_true(*entry_at(other, l) & PTE_USER);
	assert_true(*entry_at(other, PT_LEVEL_PD) & PTE_LARGE);
	assert_true(*entry_at(other, PT_LEVEL_PD) & PTE_USER);
	/* Another PML4 slot with kernel pages stays supervisor-only. */
	assert_int_equal(pt_map(root, 0xffff888000000000ull, 0, K4, PTE_PRESENT, false, alloc_table), 0);
	assert_false(*entry_at(0xffff888000000000ull, PT_LEVEL_PML4) & PTE_USER);
}

static void test_kernel_half(void **state)
{
	(void)state;
	uint64_t direct = 0xffff888000000000ull, text = 0xffffffff80000000ull;

	assert_int_equal(pt_map(root, direct, 0, 4 * M2, PTE_PRESENT | PTE_WRITE | PTE_GLOBAL, true, alloc_table), 0);
	assert_int_equal(pt_map(root, text, 0x1000000, 16 * K4, PTE_PRESENT | PTE_GLOBAL, false, alloc_table), 0);
	expect_mapped(direct + 0x123456, 0x123456, PTE_LARGE | PTE_GLOBAL | PTE_WRITE);
	expect_mapped(direct + 4 * M2 - 1, 4 * M2 - 1, PTE_LARGE);
	expect_mapped(text + 0xabc, 0x1000abc, PTE_GLOBAL);
	expect_mapped(0xffffffff8000ffffull, 0x100ffff, PTE_PRESENT);
	expect_unmapped(text + 16 * K4);
	expect_unmapped(0); /* nothing leaked into the lower half */
	expect_unmapped(0x0000088000000000ull);
	uint64_t *pml4 = phys_to_virt(root);
	for (int i = 0; i < 512; i++)
		assert_int_equal(pml4[i] != 0, i == 273 || i == 511);
	/* The top page of the address space. */
	assert_int_equal(pt_map(root, 0xfffffffffffff000ull, 0x3000, K4, PTE_PRESENT, false, alloc_table), 0);
	expect_mapped(0xffffffffffffffffull, 0x3fff, PTE_PRESENT);
}

static void test_nx_and_high_bits(void **state)
{
	(void)state;
	paging_set_nx_supported(true);
	uint64_t f = paging_pte_flags(VM_WRITE);
	assert_true(f & PTE_NX);
	assert_int_equal(pt_map(root, 0x400000, 0xfffff000000ull, K4, f, false, alloc_table), 0);
	assert_int_equal(pt_map(root, 0x600000, 0xffffffe00000ull, M2, f, true, alloc_table), 0);
	uint64_t pa = 0;
	uint64_t e = pt_lookup(root, 0x400abc, &pa);
	assert_true(e & PTE_NX);
	assert_int_equal(pa, 0xfffff000abcull); /* NX is not part of the address */
	e = pt_lookup(root, 0x7fffff, &pa);
	assert_true(e & PTE_NX);
	assert_true(e & PTE_LARGE);
	assert_int_equal(pa, 0xffffffffffffull);
	paging_set_nx_supported(false);
}

static void test_lookup_large_entries(void **state)
{
	(void)state;
	/* The kernel never builds 1 GiB pages, but lookup understands them (firmware or boot tables might). */
	assert_int_equal(pt_map(root, 0x600000, 0x1000, K4, PTE_PRESENT, false, alloc_table), 0); /* PDPT for slot 0 */
	uint64_t *pdpt_entry = entry_at(3 * G1, PT_LEVEL_PDPT);
	assert_non_null(pdpt_entry);
	*pdpt_entry = 5 * G1 | PTE_PRESENT | PTE_WRITE | PTE_LARGE;
	expect_mapped(3 * G1 + 0x12345678, 5 * G1 + 0x12345678, PTE_LARGE);
	/* Mapping inside it is refused; unmapping part of it too. */
	assert_int_equal(pt_map(root, 3 * G1 + M2, 0, K4, PTE_PRESENT, false, alloc_table), -EEXIST);
	assert_int_equal(pt_map(root, 3 * G1, 0, M2, PTE_PRESENT, true, alloc_table), -EEXIST);
	assert_int_equal(pt_unmap(root, 3 * G1, M2), -EINVAL);
	assert_int_equal(pt_unmap(root, 3 * G1, G1), 0);
	expect_unmapped(3 * G1);

	/* In a large entry bit 12 is PAT, not address. */
	uint64_t *pd_entry = entry_at(0x800000, PT_LEVEL_PD);
	assert_non_null(pd_entry);
	*pd_entry = 0x40000000 | PTE_PRESENT | PTE_LARGE | (1ull << 12);
	expect_mapped(0x800000 + 0x1234, 0x40001234, PTE_LARGE);
	*pdpt_entry = 5 * G1 | PTE_PRESENT | PTE_LARGE | (1ull << 12);
	expect_mapped(3 * G1 + 0x5678, 5 * G1 + 0x5678, PTE_LARGE);
}

/* Random non-overlapping maps and unmaps checked against a shadow list. */
static void test_random_against_shadow(void **state)
{
	(void)state;
	enum { SLOTS = 64 };
	struct { uint64_t va, pa, size; bool live; } m[SLOTS];

	memset(m, 0, sizeof(m));
	rng_seed(unit_seed());
	for (int step = 0; step < 3000; step++) {
		int i = (int)rng_below(SLOTS);
		/* Slot i owns the 4 MiB window at 1 GiB + i * 4 MiB (same PDPT, distinct PD entries). */
		uint64_t window = G1 + (uint64_t)i * 2 * M2;
		if (m[i].live) {
			assert_int_equal(pt_unmap(root, m[i].va, m[i].size), 0);
			for (uint64_t off = 0; off < m[i].size; off += K4)
				expect_unmapped(m[i].va + off);
			m[i].live = false;
		} else {
			/*
			 * The lower 2 MiB of the window only ever holds 4 KiB pages and the
			 * upper only a large page: unmapping leaves page tables behind, and a
			 * large page cannot go where a (now empty) page table still is.
			 */
			bool large = rng_below(3) == 0;
			uint64_t size = large ? M2 : K4 * (1 + rng_below(16));
			uint64_t va = large ? window + M2 : window + K4 * rng_below(512 - 16);
			uint64_t pa = large ? M2 * rng_below(1000) : K4 * rng_below(1u << 20);
			int err = pt_map(root, va, pa, size, PTE_PRESENT | PTE_WRITE, large, alloc_table);
			assert_int_equal(err, 0);
			m[i] = (typeof(m[i])){va, pa, size, true};
		}
		for (int k = 0; k < SLOTS; k++) {
			if (m[k].live) {
				uint64_t off = rng_below(m[k].size);
				expect_mapped(m[k].va + off, m[k].pa + off, PTE_PRESENT | PTE_WRITE);
			}
		}
	}
}

/* ---------------------------------------------------------------- walking, visiting and freeing tables */

static void test_walk(void **state)
{
	(void)state;
	/* Without create nothing is built. */
	assert_null(pt_walk(root, 0x400000, false, alloc_table));
	assert_int_equal(arena_used, 1);

	/* With create: PDPT, PD and PT, user-accessible in the lower half; the leaf slot is empty. */
	uint64_t *pte = pt_walk(root, 0x400000, true, alloc_table);
	assert_non_null(pte);
	assert_int_equal(*pte, 0);
	assert_int_equal(arena_used, 4);
	for (int l = PT_LEVEL_PML4; l > PT_LEVEL_PT; l--)
		assert_true(*entry_at(0x400000, l) & PTE_USER);
	assert_ptr_equal(pte, entry_at(0x400000, PT_LEVEL_PT));
	*pte = 0x7000 | PTE_PRESENT | PTE_USER;
	expect_mapped(0x400123, 0x7123, PTE_USER);
	assert_ptr_equal(pt_walk(root, 0x400fff, false, alloc_table), pte);
	assert_ptr_equal(pt_walk(root, 0x401000, false, alloc_table), pte + 1);

	/* In the upper half the tables are supervisor-only. */
	pte = pt_walk(root, 0xffff800000000000ull, true, alloc_table);
	assert_non_null(pte);
	for (int l = PT_LEVEL_PML4; l > PT_LEVEL_PT; l--)
		assert_false(*entry_at(0xffff800000000000ull, l) & PTE_USER);

	/* A 2 MiB page has no 4 KiB entry. */
	assert_int_equal(pt_map(root, 0x40000000, 0, M2, PTE_PRESENT, true, alloc_table), 0);
	assert_null(pt_walk(root, 0x40001000, false, alloc_table));
	assert_null(pt_walk(root, 0x40001000, true, alloc_table));

	/* Allocation failure. */
	alloc_budget = 0;
	assert_null(pt_walk(root, 0x7f0000000000ull, true, alloc_table));
}

struct visit_log {
	uint64_t va[64];
	uint64_t pte[64];
	int n;
};

static void record_leaf(void *ctx, uint64_t va, uint64_t *pte)
{
	struct visit_log *log = ctx;
	assert_true(log->n < 64);
	log->va[log->n] = va;
	log->pte[log->n] = *pte;
	log->n++;
}

static void visit(uint64_t start, uint64_t end, struct visit_log *log)
{
	memset(log, 0, sizeof(*log));
	pt_for_each_leaf(root, start, end, record_leaf, log);
}

static void test_for_each_leaf(void **state)
{
	(void)state;
	static const uint64_t pages[] = {0x1000, 0x2000, 0x1ff000, 0x200000, 0x7fffffe00000ull, 0x7ffffffff000ull};
	struct visit_log log;

	for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
		int err = pt_map(root, pages[i], 0x100000 + i * K4, K4, PTE_PRESENT | PTE_USER, false, alloc_table);
		assert_int_equal(err, 0);
	}
	/* Not visited: a 2 MiB page and the kernel half. */
	assert_int_equal(pt_map(root, 0x40000000, 0, M2, PTE_PRESENT | PTE_USER, true, alloc_table), 0);
	assert_int_equal(pt_map(root, 0xffff800000000000ull, 0, K4, PTE_PRESENT, false, alloc_table), 0);
	/* Visited: a saved (not present) entry; not visited: an empty slot next to it. */
	uint64_t *saved = pt_walk(root, 0x5000, true, alloc_table);
	*saved = 0x9000 | PTE_SAVED;

	visit(0, UINT64_MAX, &log);
	assert_int_equal(log.n, 7);
	static const uint64_t want[] = {0x1000, 0x2000, 0x5000, 0x1ff000, 0x200000, 0x7fffffe00000ull,
					0x7ffffffff000ull};
	for (int i = 0; i < 7; i++)
		assert_int_equal(log.va[i], want[i]); /* in address order */
	assert_int_equal(log.pte[2], 0x9000 | PTE_SAVED);
	assert_int_equal(log.pte[0] & PTE_ADDR_MASK, 0x100000);

	/* Bounds: [start, end) in pages. */
	visit(0x2000, 0x200000, &log);
	assert_int_equal(log.n, 3);
	assert_int_equal(log.va[0], 0x2000);
	assert_int_equal(log.va[2], 0x1ff000);
	visit(0x2000, 0x2001, &log);
	assert_int_equal(log.n, 1);
	visit(0x3000, 0x5000, &log);
	assert_int_equal(log.n, 0);
	visit(0x200000, 0x100, &log);
	assert_int_equal(log.n, 0);
	visit(0x7ffffffff000ull, 0xffffffffffffffffull, &log);
	assert_int_equal(log.n, 1);
}

static void clear_leaf(void *ctx, uint64_t va, uint64_t *pte)
{
	(void)va;
	(*(int *)ctx)++;
	*pte = 0;
}

static void test_for_each_leaf_may_clear(void **state)
{
	(void)state;
	int n = 0;
	struct visit_log log;

	assert_int_equal(pt_map(root, 0x10000, 0x10000, 40 * K4, PTE_PRESENT, false, alloc_table), 0);
	pt_for_each_leaf(root, 0x10000, 0x10000 + 40 * K4, clear_leaf, &n);
	assert_int_equal(n, 40);
	visit(0, UINT64_MAX, &log);
	assert_int_equal(log.n, 0);
	expect_unmapped(0x10000);
}

static uint64_t freed[ARENA_PAGES];
static int nfreed;

static void record_free(uint64_t pa)
{
	for (int i = 0; i < nfreed; i++) {
		if (freed[i] == pa)
			fail_msg("table page %#llx freed twice", (unsigned long long)pa);
	}
	assert_true(nfreed < ARENA_PAGES);
	freed[nfreed++] = pa;
}

static void test_free_user_tables(void **state)
{
	(void)state;
	/* Kernel half first: these tables must survive. */
	assert_int_equal(pt_map(root, 0xffff888000000000ull, 0, 2 * M2, PTE_PRESENT, true, alloc_table), 0);
	assert_int_equal(pt_map(root, 0xffffffff80000000ull, 0x1000000, K4, PTE_PRESENT, false, alloc_table), 0);
	unsigned kernel_tables = arena_used - 1;
	/* User half: 4 KiB pages in two PML4 slots, a 2 MiB page, a 1 GiB page. */
	assert_int_equal(pt_map(root, 0x1000, 0x1000, K4, PTE_PRESENT | PTE_USER, false, alloc_table), 0);
	assert_int_equal(pt_map(root, 0x201000, 0x2000, K4, PTE_PRESENT | PTE_USER, false, alloc_table), 0);
	int err = pt_map(root, 0x7f0000000000ull, 0x3000, 3 * K4, PTE_PRESENT | PTE_USER, false, alloc_table);
	assert_int_equal(err, 0);
	assert_int_equal(pt_map(root, 0x40000000, 0, M2, PTE_PRESENT | PTE_USER, true, alloc_table), 0);
	*entry_at(0x80000000, PT_LEVEL_PDPT) = 4 * G1 | PTE_PRESENT | PTE_USER | PTE_LARGE;
	unsigned user_tables = arena_used - 1 - kernel_tables;

	nfreed = 0;
	pt_free_user_tables(root, record_free);
	/* Every user table page freed once (and no data page: all of them are table pages). */
	assert_int_equal(nfreed, user_tables);
	for (int i = 0; i < nfreed; i++) {
		assert_true(freed[i] >= PHYS_BASE + K4 && freed[i] < PHYS_BASE + arena_used * K4);
		assert_int_equal(freed[i] & (K4 - 1), 0);
	}
	uint64_t *pml4 = phys_to_virt(root);
	for (int i = 0; i < 256; i++)
		assert_int_equal(pml4[i], 0);
	expect_unmapped(0x1000);
	expect_unmapped(0x40000000);
	expect_mapped(0xffff888000000000ull + M2 + 5, M2 + 5, PTE_LARGE);
	expect_mapped(0xffffffff80000000ull, 0x1000000, PTE_PRESENT);
	/* Nothing left to free. */
	nfreed = 0;
	pt_free_user_tables(root, record_free);
	assert_int_equal(nfreed, 0);
}

#define PAGING_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_and_canonical),
		PAGING_TEST(test_pte_flags),
		PAGING_TEST(test_map_4k),
		PAGING_TEST(test_map_many_4k),
		PAGING_TEST(test_map_2m),
		PAGING_TEST(test_map_mixed_sizes),
		PAGING_TEST(test_exists),
		PAGING_TEST(test_einval),
		PAGING_TEST(test_einval_wrap_at_top),
		PAGING_TEST(test_enomem),
		PAGING_TEST(test_unmap),
		PAGING_TEST(test_unmap_noncanonical),
		PAGING_TEST(test_user_propagation),
		PAGING_TEST(test_kernel_half),
		PAGING_TEST(test_nx_and_high_bits),
		PAGING_TEST(test_lookup_large_entries),
		PAGING_TEST(test_random_against_shadow),
		PAGING_TEST(test_walk),
		PAGING_TEST(test_for_each_leaf),
		PAGING_TEST(test_for_each_leaf_may_clear),
		PAGING_TEST(test_free_user_tables),
	};
	return cmocka_run_group_tests_name("paging", tests, NULL, NULL);
}
