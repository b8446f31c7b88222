/*
 * kernel/mm/buddy.c: allocation and freeing at every order, splitting and
 * merging, ranges with odd edges and holes, error codes, and a randomized run
 * checked against a shadow model after every step.
 */
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "mm/buddy.h"

#define BLOCK(order) (1ull << (order))

struct fixture {
	struct buddy b;
	struct page *pages;
	uint64_t npages;
	uint32_t *owner; /* shadow: 0 free or unmanaged, else the id of the allocation holding the page */
	bool *managed;   /* shadow: added to the pool */
};

static struct fixture *fixture_new(uint64_t npages)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	/* Exactly npages descriptors: ASan catches an index past the end. */
	f->pages = malloc(npages * sizeof(struct page));
	f->owner = calloc(npages, sizeof(uint32_t));
	f->managed = calloc(npages, sizeof(bool));
	assert_non_null(f->pages);
	assert_non_null(f->owner);
	assert_non_null(f->managed);
	memset(f->pages, 0xa5, npages * sizeof(struct page)); /* buddy_init must clear it */
	f->npages = npages;
	buddy_init(&f->b, f->pages, npages);
	return f;
}

static void fixture_free(struct fixture *f)
{
	free(f->pages);
	free(f->owner);
	free(f->managed);
	free(f);
}

static void add_range(struct fixture *f, uint64_t start, uint64_t end)
{
	buddy_add_range(&f->b, start, end);
	for (uint64_t p = start; p < end && p < f->npages; p++)
		f->managed[p] = true;
}

/* The blocks the pool should hold when [start, end) is free and fully merged. */
static void canonical_blocks(uint64_t start, uint64_t end, uint64_t counts[BUDDY_MAX_ORDER + 1])
{
	while (start < end) {
		unsigned o = 0;
		while (o < BUDDY_MAX_ORDER && (start & (BLOCK(o + 1) - 1)) == 0 && start + BLOCK(o + 1) <= end)
			o++;
		counts[o]++;
		start += BLOCK(o);
	}
}

static void expect_counts(const struct fixture *f, const uint64_t counts[BUDDY_MAX_ORDER + 1])
{
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		if (buddy_count_free_blocks(&f->b, o) != counts[o])
			fail_msg("order %u: %llu free blocks, want %llu", o,
				 (unsigned long long)buddy_count_free_blocks(&f->b, o), (unsigned long long)counts[o]);
	}
}

/*
 * Checks every invariant against the shadow: free lists well linked, free
 * blocks aligned, managed, disjoint and not allocated; no two free buddies of
 * the same order (they must have merged); free plus allocated pages make up
 * exactly the managed ones; the counters match.
 */
static void validate(const struct fixture *f)
{
	const struct buddy *b = &f->b;
	unsigned char *covered = calloc(f->npages, 1);
	uint64_t free_pages = 0, managed = 0;

	assert_non_null(covered);
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		uint32_t prev = BUDDY_NONE;
		uint64_t steps = 0;
		for (uint32_t p = b->free_head[o]; p != BUDDY_NONE; p = b->pages[p].next) {
			assert_true(++steps <= f->npages); /* no cycle */
			assert_true(p + BLOCK(o) <= f->npages);
			assert_int_equal(p & (BLOCK(o) - 1), 0);
			const struct page *pg = &b->pages[p];
			assert_true(pg->flags & PAGE_FREE);
			assert_false(pg->flags & PAGE_ALLOCATED);
			assert_int_equal(pg->order, o);
			assert_int_equal(pg->prev, prev);
			for (uint64_t i = p; i < p + BLOCK(o); i++) {
				if (covered[i] || f->owner[i] != 0 || !f->managed[i])
					fail_msg("free block %u order %u: page %llu also elsewhere or unmanaged",
						 p, o, (unsigned long long)i);
				assert_true(b->pages[i].flags & PAGE_MANAGED);
				covered[i] = 1;
			}
			if (o < BUDDY_MAX_ORDER) {
				uint64_t q = p ^ BLOCK(o);
				const struct page *bp = q + BLOCK(o) <= f->npages ? &b->pages[q] : NULL;
				if (bp != NULL && (bp->flags & PAGE_FREE) && bp->order == o)
					fail_msg("free buddies %u and %llu of order %u not merged", p,
						 (unsigned long long)q, o);
			}
			free_pages += BLOCK(o);
			prev = p;
		}
	}
	for (uint64_t i = 0; i < f->npages; i++) {
		if (f->managed[i]) {
			managed++;
			if (!covered[i] && f->owner[i] == 0)
				fail_msg("managed page %llu is neither free nor allocated", (unsigned long long)i);
		} else {
			assert_false(covered[i]);
			assert_false(b->pages[i].flags & PAGE_MANAGED);
		}
	}
	assert_int_equal(free_pages, b->free_pages);
	assert_int_equal(managed, b->managed_pages);
	free(covered);
}

/* Allocates through the fixture, checking the block against the shadow. */
static uint32_t alloc_checked(struct fixture *f, unsigned order, uint32_t id)
{
	uint64_t before = f->b.free_pages;
	uint32_t p = buddy_alloc(&f->b, order);

	if (p == BUDDY_NONE) {
		assert_int_equal(f->b.free_pages, before);
		for (unsigned o = order; o <= BUDDY_MAX_ORDER; o++)
			assert_int_equal(buddy_count_free_blocks(&f->b, o), 0);
		return p;
	}
	assert_true(p + BLOCK(order) <= f->npages);
	assert_int_equal(p & (BLOCK(order) - 1), 0);
	for (uint64_t i = p; i < p + BLOCK(order); i++) {
		if (f->owner[i] != 0 || !f->managed[i])
			fail_msg("page %llu handed out twice or unmanaged", (unsigned long long)i);
		f->owner[i] = id;
	}
	assert_int_equal(f->b.free_pages, before - BLOCK(order));
	return p;
}

static void free_checked(struct fixture *f, uint32_t p, unsigned order)
{
	uint64_t before = f->b.free_pages;

	assert_int_equal(buddy_free(&f->b, p, order), BUDDY_OK);
	for (uint64_t i = p; i < p + BLOCK(order); i++)
		f->owner[i] = 0;
	assert_int_equal(f->b.free_pages, before + BLOCK(order));
}

static void test_empty_pool(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(64);

	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		assert_int_equal(f->b.free_head[o], BUDDY_NONE);
		assert_int_equal(buddy_alloc(&f->b, o), BUDDY_NONE);
		assert_int_equal(buddy_count_free_blocks(&f->b, o), 0);
	}
	for (uint64_t i = 0; i < 64; i++)
		assert_int_equal(f->pages[i].flags, 0);
	assert_int_equal(f->b.free_pages, 0);
	assert_int_equal(f->b.managed_pages, 0);
	assert_int_equal(buddy_alloc(&f->b, BUDDY_MAX_ORDER + 1), BUDDY_NONE);
	assert_int_equal(buddy_count_free_blocks(&f->b, BUDDY_MAX_ORDER + 1), 0);
	validate(f);
	fixture_free(f);
}

static void test_whole_max_blocks(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(4 * BLOCK(BUDDY_MAX_ORDER));

	add_range(f, 0, f->npages);
	assert_int_equal(buddy_count_free_blocks(&f->b, BUDDY_MAX_ORDER), 4);
	for (unsigned o = 0; o < BUDDY_MAX_ORDER; o++)
		assert_int_equal(buddy_count_free_blocks(&f->b, o), 0);
	assert_int_equal(f->b.free_pages, f->npages);
	assert_int_equal(f->b.managed_pages, f->npages);
	validate(f);
	fixture_free(f);
}

static void test_split_and_merge(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(BLOCK(BUDDY_MAX_ORDER));

	add_range(f, 0, f->npages);
	/* One page splits the block into one free block of every lower order. */
	uint32_t p = alloc_checked(f, 0, 1);
	assert_int_equal(p, 0);
	for (unsigned o = 0; o < BUDDY_MAX_ORDER; o++)
		assert_int_equal(buddy_count_free_blocks(&f->b, o), 1);
	assert_int_equal(buddy_count_free_blocks(&f->b, BUDDY_MAX_ORDER), 0);
	validate(f);
	free_checked(f, p, 0);
	assert_int_equal(buddy_count_free_blocks(&f->b, BUDDY_MAX_ORDER), 1);
	for (unsigned o = 0; o < BUDDY_MAX_ORDER; o++)
		assert_int_equal(buddy_count_free_blocks(&f->b, o), 0);
	validate(f);

	/* Every order, allocated together, then freed in reverse: back to one block. */
	uint32_t blocks[BUDDY_MAX_ORDER + 1];
	for (unsigned o = 0; o < BUDDY_MAX_ORDER; o++) {
		blocks[o] = alloc_checked(f, o, o + 1);
		assert_int_not_equal(blocks[o], BUDDY_NONE);
		validate(f);
	}
	assert_int_equal(f->b.free_pages, 1); /* 1024 - (1 + 2 + ... + 512) */
	for (unsigned o = BUDDY_MAX_ORDER; o-- > 0;) {
		free_checked(f, blocks[o], o);
		validate(f);
	}
	assert_int_equal(buddy_count_free_blocks(&f->b, BUDDY_MAX_ORDER), 1);
	assert_int_equal(f->b.free_pages, f->npages);

	blocks[BUDDY_MAX_ORDER] = alloc_checked(f, BUDDY_MAX_ORDER, 99);
	assert_int_equal(blocks[BUDDY_MAX_ORDER], 0);
	assert_int_equal(buddy_alloc(&f->b, 0), BUDDY_NONE);
	free_checked(f, 0, BUDDY_MAX_ORDER);
	validate(f);
	fixture_free(f);
}

/* A split block's pages are freed one by one, in any order, and merge back whole. */
static void test_split_block_frees_page_by_page(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(BLOCK(BUDDY_MAX_ORDER));

	add_range(f, 0, f->npages);
	uint32_t p = alloc_checked(f, 4, 1);
	assert_int_equal(buddy_split(&f->b, p, 4), BUDDY_OK);
	/* Each page is now a block of its own: freeing the block as a whole is refused. */
	assert_int_equal(buddy_free(&f->b, p, 4), BUDDY_ENOTALLOC);
	for (unsigned i = 0; i < BLOCK(4); i += 2) {
		free_checked(f, p + i + 1, 0);
		validate(f);
	}
	for (unsigned i = 0; i < BLOCK(4); i += 2)
		free_checked(f, p + i, 0);
	assert_int_equal(buddy_free(&f->b, p, 0), BUDDY_EDOUBLEFREE);
	assert_int_equal(f->b.free_pages, f->npages);
	assert_int_equal(buddy_count_free_blocks(&f->b, BUDDY_MAX_ORDER), 1);
	/* Only whole allocated blocks split. */
	assert_int_equal(buddy_split(&f->b, 0, 0), BUDDY_ENOTALLOC);
	uint32_t q = alloc_checked(f, 2, 2);
	assert_int_equal(buddy_split(&f->b, q, 1), BUDDY_ENOTALLOC); /* not its order */
	assert_int_equal(buddy_split(&f->b, q + 1, 2), BUDDY_EINVAL);  /* misaligned */
	assert_int_equal(buddy_split(&f->b, q + 1, 0), BUDDY_ENOTALLOC);
	assert_int_equal(buddy_split(&f->b, q, BUDDY_MAX_ORDER + 1), BUDDY_EINVAL);
	free_checked(f, q, 2);
	validate(f);
	fixture_free(f);
}

static void test_exhaustion(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(3000);
	static uint32_t got[3000];
	uint64_t n = 0;

	add_range(f, 5, 2999);
	for (;;) {
		uint32_t p = alloc_checked(f, 0, (uint32_t)n + 1);
		if (p == BUDDY_NONE)
			break;
		got[n++] = p;
	}
	assert_int_equal(n, 2994);
	assert_int_equal(f->b.free_pages, 0);
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		assert_int_equal(buddy_alloc(&f->b, o), BUDDY_NONE);
	validate(f);
	for (uint64_t i = 0; i < n; i++)
		free_checked(f, got[i], 0);
	uint64_t want[BUDDY_MAX_ORDER + 1] = {0};
	canonical_blocks(5, 2999, want);
	expect_counts(f, want);
	validate(f);
	fixture_free(f);
}

static void test_unaligned_ranges(void **state)
{
	(void)state;
	static const uint64_t ranges[][2] = {{3, 1000}, {1, 2}, {0, 1}, {1023, 1025}, {511, 2049}, {7, 7}, {10, 3}};

	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		struct fixture *f = fixture_new(4096);
		uint64_t start = ranges[r][0], end = ranges[r][1];
		uint64_t want[BUDDY_MAX_ORDER + 1] = {0};
		uint64_t size = end > start ? end - start : 0;

		add_range(f, start, end);
		canonical_blocks(start, end, want);
		expect_counts(f, want);
		assert_int_equal(f->b.free_pages, size);
		assert_int_equal(f->b.managed_pages, size);
		validate(f);
		/* Page by page, exactly the range comes out. */
		for (uint64_t i = 0; i < size; i++) {
			uint32_t p = alloc_checked(f, 0, 1);
			assert_true(p >= start && p < end);
		}
		assert_int_equal(buddy_alloc(&f->b, 0), BUDDY_NONE);
		validate(f);
		fixture_free(f);
	}
}

static void test_holes(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(2048);
	uint64_t want[BUDDY_MAX_ORDER + 1] = {0};

	add_range(f, 0, 100);
	add_range(f, 200, 1024);
	add_range(f, 1030, 2048);
	canonical_blocks(0, 100, want);
	canonical_blocks(200, 1024, want);
	canonical_blocks(1030, 2048, want);
	expect_counts(f, want);
	validate(f);

	/* Drain, then free everything: blocks never merge across a hole. */
	static uint32_t got[2048];
	uint64_t n = 0;
	uint32_t p;
	while ((p = alloc_checked(f, 0, 1 + (uint32_t)n)) != BUDDY_NONE) {
		assert_false(p >= 100 && p < 200);
		assert_false(p >= 1024 && p < 1030);
		got[n++] = p;
	}
	assert_int_equal(n, 100 + 824 + 1018);
	rng_seed(unit_seed());
	for (uint64_t i = n; i > 1; i--) { /* free in random order */
		uint64_t j = rng_below(i);
		uint32_t t = got[i - 1];
		got[i - 1] = got[j];
		got[j] = t;
	}
	for (uint64_t i = 0; i < n; i++)
		free_checked(f, got[i], 0);
	expect_counts(f, want);
	validate(f);
	fixture_free(f);
}

static void test_adjacent_ranges_merge(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(BLOCK(BUDDY_MAX_ORDER));

	add_range(f, 0, 3);
	add_range(f, 3, 700);
	add_range(f, 700, 1024);
	assert_int_equal(buddy_count_free_blocks(&f->b, BUDDY_MAX_ORDER), 1);
	assert_int_equal(f->b.free_pages, 1024);
	validate(f);
	fixture_free(f);

	/* Added page by page, in reverse. */
	f = fixture_new(BLOCK(BUDDY_MAX_ORDER));
	for (uint64_t p = BLOCK(BUDDY_MAX_ORDER); p-- > 0;)
		add_range(f, p, p + 1);
	assert_int_equal(buddy_count_free_blocks(&f->b, BUDDY_MAX_ORDER), 1);
	validate(f);
	fixture_free(f);
}

static void test_odd_page_count(void **state)
{
	(void)state;
	/* The last block's buddy would lie past npages: no merge, no access there. */
	struct fixture *f = fixture_new(1000);
	uint64_t want[BUDDY_MAX_ORDER + 1] = {0};

	add_range(f, 0, 5000); /* clamped to npages */
	canonical_blocks(0, 1000, want);
	expect_counts(f, want);
	assert_int_equal(f->b.managed_pages, 1000);
	validate(f);
	uint32_t p = alloc_checked(f, 3, 1); /* the 8-page block at 992 */
	assert_int_equal(p, 992);
	/* Aligned, but the block would run past npages. */
	assert_int_equal(buddy_free(&f->b, 992, 4), BUDDY_EINVAL);
	assert_int_equal(buddy_free(&f->b, 512, BUDDY_MAX_ORDER), BUDDY_EINVAL);
	free_checked(f, p, 3);
	expect_counts(f, want);
	validate(f);
	fixture_free(f);
}

static void test_free_errors(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(2048);

	add_range(f, 0, 1024);
	uint32_t a = alloc_checked(f, 2, 1);
	uint32_t b = alloc_checked(f, 2, 2);
	assert_int_equal(a, 0);
	assert_int_equal(b, 4);
	add_range(f, 1040, 2040); /* 1024..1039 and 2040..2047 stay unmanaged */
	uint64_t free_before = f->b.free_pages;

	/* Out of range, bad order, misaligned, past the end. */
	assert_int_equal(buddy_free(&f->b, 2048, 0), BUDDY_EINVAL);
	assert_int_equal(buddy_free(&f->b, UINT64_MAX, 0), BUDDY_EINVAL);
	assert_int_equal(buddy_free(&f->b, 0, BUDDY_MAX_ORDER + 1), BUDDY_EINVAL);
	assert_int_equal(buddy_free(&f->b, 0, 64), BUDDY_EINVAL);
	assert_int_equal(buddy_free(&f->b, 4, 3), BUDDY_EINVAL);
	assert_int_equal(buddy_free(&f->b, 2, 2), BUDDY_EINVAL);
	assert_int_equal(buddy_free(&f->b, 2040, 4), BUDDY_EINVAL);
	/* Wrong order for an allocated head. */
	assert_int_equal(buddy_free(&f->b, 0, 1), BUDDY_ENOTALLOC);
	assert_int_equal(buddy_free(&f->b, 0, 3), BUDDY_ENOTALLOC);
	assert_int_equal(buddy_free(&f->b, 4, 0), BUDDY_ENOTALLOC);
	/* A page inside an allocated block. */
	assert_int_equal(buddy_free(&f->b, 1, 0), BUDDY_ENOTALLOC);
	assert_int_equal(buddy_free(&f->b, 6, 1), BUDDY_ENOTALLOC);
	/* Unmanaged pages. */
	assert_int_equal(buddy_free(&f->b, 1024, 0), BUDDY_ENOTALLOC);
	assert_int_equal(buddy_free(&f->b, 1032, 3), BUDDY_ENOTALLOC);
	assert_int_equal(buddy_free(&f->b, 2044, 2), BUDDY_ENOTALLOC);
	assert_int_equal(buddy_free(&f->b, 1024, BUDDY_MAX_ORDER), BUDDY_ENOTALLOC);
	/* Never allocated: the head of a free block, and a page inside one. */
	assert_int_equal(buddy_free(&f->b, 8, 3), BUDDY_EDOUBLEFREE);
	assert_int_equal(buddy_free(&f->b, 9, 0), BUDDY_ENOTALLOC);
	assert_int_equal(f->b.free_pages, free_before);
	validate(f);

	/* Double free while the block is still a free head (its buddy b is allocated). */
	free_checked(f, a, 2);
	assert_int_equal(buddy_free(&f->b, a, 2), BUDDY_EDOUBLEFREE);
	validate(f);
	/* Freeing b merges both; a second free of either is refused. */
	free_checked(f, b, 2);
	assert_int_not_equal(buddy_free(&f->b, b, 2), BUDDY_OK);
	assert_int_not_equal(buddy_free(&f->b, a, 2), BUDDY_OK);
	assert_int_equal(buddy_count_free_blocks(&f->b, BUDDY_MAX_ORDER), 1);
	validate(f);
	fixture_free(f);
}

struct live_block {
	uint32_t pfn;
	unsigned order;
	uint32_t id;
};

static void test_random_stress(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(6000);
	static struct live_block live[6000];
	size_t nlive = 0;
	uint32_t next_id = 1;
	uint64_t want[BUDDY_MAX_ORDER + 1] = {0};

	add_range(f, 1, 1500);
	add_range(f, 1537, 4096);
	add_range(f, 4100, 5999);
	canonical_blocks(1, 1500, want);
	canonical_blocks(1537, 4096, want);
	canonical_blocks(4100, 5999, want);

	rng_seed(unit_seed());
	for (int step = 0; step < 60000; step++) {
		if (nlive == 0 || rng_below(100) < 55) {
			/* Mostly small blocks, sometimes any order. */
			unsigned order = (unsigned)(rng_below(4) == 0 ? rng_below(BUDDY_MAX_ORDER + 1) : rng_below(3));
			uint32_t p = alloc_checked(f, order, next_id);
			if (p != BUDDY_NONE)
				live[nlive++] = (struct live_block){p, order, next_id++};
		} else {
			size_t i = rng_below(nlive);
			struct live_block blk = live[i];
			live[i] = live[--nlive];
			for (uint64_t k = blk.pfn; k < blk.pfn + BLOCK(blk.order); k++)
				assert_int_equal(f->owner[k], blk.id);
			free_checked(f, blk.pfn, blk.order);
			if (rng_below(8) == 0) { /* a second free is refused and changes nothing */
				uint64_t before = f->b.free_pages;
				assert_int_not_equal(buddy_free(&f->b, blk.pfn, blk.order), BUDDY_OK);
				assert_int_equal(f->b.free_pages, before);
			}
		}
		if (step % 1000 == 0)
			validate(f);
	}
	validate(f);
	while (nlive > 0) {
		struct live_block blk = live[--nlive];
		free_checked(f, blk.pfn, blk.order);
	}
	expect_counts(f, want);
	validate(f);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_pool),
		cmocka_unit_test(test_whole_max_blocks),
		cmocka_unit_test(test_split_and_merge),
		cmocka_unit_test(test_split_block_frees_page_by_page),
		cmocka_unit_test(test_exhaustion),
		cmocka_unit_test(test_unaligned_ranges),
		cmocka_unit_test(test_holes),
		cmocka_unit_test(test_adjacent_ranges_merge),
		cmocka_unit_test(test_odd_page_count),
		cmocka_unit_test(test_free_errors),
		cmocka_unit_test(test_random_stress),
	};
	return cmocka_run_group_tests_name("buddy", tests, NULL, NULL);
}
