/*
 * sys/io/fs/pagemap.c: the page pool (limit, failing and misaligned
 * allocations) and the per-file radix tree of pages (ensure, get, flags,
 * punch, find, clear), checked against a plain model under random
 * operations. Every page handed out must come back: the tracker fails on a
 * double or foreign free and on a page never returned.
 */
#include <stdbool.h>
#include <string.h>

#include "fs_pages.h"
#include "unit_test.h"

#include "fs/pagemap.h"

/* Indices that need one, two, three and four levels of nodes. */
#define IDX_L1 511ull
#define IDX_L2 (512ull * 512 - 1)
#define IDX_L3 (512ull * 512 * 512 - 1)
#define IDX_L4 PAGE_MAP_MAX_INDEX

struct fixture {
	struct page_tracker pages;
	struct page_pool pool;
	struct page_map map;
};

static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	tracker_init(&f->pages);
	f->pool = (struct page_pool){.alloc = tracker_alloc, .free = tracker_free, .ctx = &f->pages};
}

static void fixture_finish(struct fixture *f)
{
	page_map_clear(&f->map, &f->pool);
	assert_int_equal(f->map.pages, 0);
	assert_int_equal(f->map.root, 0);
	assert_int_equal(f->pool.used, 0);
	tracker_finish(&f->pages);
}

static void *page_of(uintptr_t leaf)
{
	return (void *)(leaf & ~PAGE_FLAGS_MASK);
}

static uintptr_t ensure(struct fixture *f, uint64_t index, uintptr_t flags)
{
	uintptr_t leaf = page_map_ensure(&f->map, &f->pool, index, flags);
	assert_true(leaf != 0);
	assert_true(tracker_owns(&f->pages, page_of(leaf)));
	return leaf;
}

static void test_pool_limit_and_failures(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	f.pool.limit = 2;
	void *a = page_pool_get(&f.pool);
	void *b = page_pool_get(&f.pool);
	assert_non_null(a);
	assert_non_null(b);
	assert_null(page_pool_get(&f.pool));
	assert_int_equal(f.pool.used, 2);
	assert_int_equal(((unsigned char *)a)[100], 0);
	page_pool_put(&f.pool, a);
	assert_int_equal(f.pool.used, 1);

	/* alloc's own failure. */
	f.pages.fail_after = 0;
	assert_null(page_pool_get(&f.pool));
	assert_int_equal(f.pool.used, 1);
	f.pages.fail_after = -1;

	/* A misaligned page is given back, not kept. */
	f.pages.misalign = true;
	assert_null(page_pool_get(&f.pool));
	assert_int_equal(f.pool.used, 1);
	assert_int_equal(f.pages.count, 1);
	f.pages.misalign = false;
	page_pool_put(&f.pool, b);
	fixture_finish(&f);
}

static void test_ensure_get_levels(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	assert_int_equal(page_map_get(&f.map, 0), 0);
	assert_int_equal(page_map_get(&f.map, IDX_L4), 0);

	uintptr_t p0 = ensure(&f, 0, 0);
	assert_int_equal(f.map.height, 0);
	assert_int_equal(f.pool.used, 1);
	assert_int_equal(page_map_get(&f.map, 0), p0);
	/* Ensuring a present page returns it unchanged. */
	assert_int_equal(page_map_ensure(&f.map, &f.pool, 0, PAGE_UNWRITTEN), p0);
	memset(page_of(p0), 'a', FS_PAGE_SIZE);

	uintptr_t p1 = ensure(&f, IDX_L1, 0);
	assert_int_equal(f.map.height, 1);
	uintptr_t p2 = ensure(&f, IDX_L2, PAGE_UNWRITTEN);
	assert_int_equal(f.map.height, 2);
	assert_true(p2 & PAGE_UNWRITTEN);
	uintptr_t p3 = ensure(&f, IDX_L3, 0);
	uintptr_t p4 = ensure(&f, IDX_L4, 0);
	assert_int_equal(f.map.height, 4);
	assert_int_equal(f.map.pages, 5);
	/* The page keeps its address (and contents) while the tree grows over it. */
	assert_int_equal(page_map_get(&f.map, 0), p0);
	assert_int_equal(((unsigned char *)page_of(p0))[FS_PAGE_SIZE - 1], 'a');
	assert_int_equal(page_map_get(&f.map, IDX_L1), p1);
	assert_int_equal(page_map_get(&f.map, IDX_L2), p2);
	assert_int_equal(page_map_get(&f.map, IDX_L3), p3);
	assert_int_equal(page_map_get(&f.map, IDX_L4), p4);
	assert_int_equal(page_map_get(&f.map, 1), 0);
	assert_int_equal(page_map_get(&f.map, IDX_L4 - 1), 0);
	/* Beyond what a map can index. */
	assert_int_equal(page_map_ensure(&f.map, &f.pool, IDX_L4 + 1, 0), 0);
	assert_int_equal(page_map_get(&f.map, IDX_L4 + 1), 0);
	assert_int_equal(f.map.pages, 5);

	page_map_set_flags(&f.map, IDX_L2, 0);
	assert_int_equal(page_map_get(&f.map, IDX_L2), p2 & ~(uintptr_t)PAGE_UNWRITTEN);
	page_map_set_flags(&f.map, 5, PAGE_UNWRITTEN); /* a hole stays a hole */
	assert_int_equal(page_map_get(&f.map, 5), 0);
	page_map_set_flags(&f.map, IDX_L4 + 1, PAGE_UNWRITTEN);
	fixture_finish(&f);
}

/* Interior nodes are pool pages: five data pages across a four-level tree take more. */
static void test_nodes_counted_and_shrunk(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	ensure(&f, 0, 0);
	ensure(&f, IDX_L3 + 1, 0);
	assert_int_equal(f.map.height, 4);
	/* root + 3 nodes down to each leaf, sharing only the root. */
	assert_int_equal(f.pool.used, 2 + 1 + 3 + 3);
	page_map_punch(&f.map, &f.pool, IDX_L3 + 1, IDX_L3 + 1);
	/* Only page 0 is left: the tree shrinks back to a bare leaf. */
	assert_int_equal(f.map.height, 0);
	assert_int_equal(f.pool.used, 1);
	assert_int_equal(f.map.pages, 1);
	page_map_punch(&f.map, &f.pool, 0, 0);
	assert_int_equal(f.map.root, 0);
	assert_int_equal(f.pool.used, 0);
	fixture_finish(&f);
}

static void test_punch_ranges(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	for (uint64_t i = 0; i < 2000; i++)
		ensure(&f, i, 0);
	assert_int_equal(f.map.pages, 2000);
	page_map_punch(&f.map, &f.pool, 10, 1500);
	assert_int_equal(f.map.pages, 2000 - 1491);
	for (uint64_t i = 0; i < 2000; i++)
		assert_int_equal(page_map_get(&f.map, i) != 0, i < 10 || i > 1500);
	/* Empty and backwards ranges, ranges past the tree. */
	page_map_punch(&f.map, &f.pool, 5, 4);
	page_map_punch(&f.map, &f.pool, 1u << 30, IDX_L4);
	assert_int_equal(f.map.pages, 509);
	/* A range ending far beyond the tree still clamps. */
	page_map_punch(&f.map, &f.pool, 1600, UINT64_MAX);
	assert_int_equal(f.map.pages, 109);
	fixture_finish(&f);
}

/*
 * A punch whose last index is far past the page, in a four-level tree: the
 * per-node slot range must be clamped before it is narrowed to 32 bits
 * (2^32 + 5 would otherwise wrap to 5 and keep the page).
 */
static void test_punch_wide_range_in_tall_tree(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	const uint64_t far = 1ull << 33;
	ensure(&f, 100, 0);
	ensure(&f, far, 0);
	assert_int_equal(f.map.height, 4);
	page_map_punch(&f.map, &f.pool, 0, (1ull << 32) + 5);
	assert_int_equal(page_map_get(&f.map, 100), 0);
	assert_true(page_map_get(&f.map, far) != 0);
	assert_int_equal(f.map.pages, 1);
	fixture_finish(&f);
}

static void test_find(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	uint64_t found = 12345;
	/* An empty map is one hole. */
	assert_false(page_map_find(&f.map, 0, 100, true, &found));
	assert_true(page_map_find(&f.map, 7, 100, false, &found));
	assert_int_equal(found, 7);
	assert_false(page_map_find(&f.map, 9, 8, false, &found));

	ensure(&f, 3, 0);
	ensure(&f, 4, PAGE_UNWRITTEN);
	ensure(&f, 5, 0);
	ensure(&f, 600, 0);
	assert_true(page_map_find(&f.map, 0, 1000, true, &found));
	assert_int_equal(found, 3);
	assert_true(page_map_find(&f.map, 3, 1000, false, &found));
	assert_int_equal(found, 4); /* unwritten counts as a hole */
	assert_true(page_map_find(&f.map, 4, 1000, true, &found));
	assert_int_equal(found, 5);
	assert_true(page_map_find(&f.map, 6, 1000, true, &found));
	assert_int_equal(found, 600);
	assert_false(page_map_find(&f.map, 6, 599, true, &found));
	assert_true(page_map_find(&f.map, 600, 1000, false, &found));
	assert_int_equal(found, 601);
	assert_false(page_map_find(&f.map, 600, 600, false, &found));
	/* Past the tree's reach: holes. */
	assert_true(page_map_find(&f.map, 600, IDX_L4, false, &found));
	assert_int_equal(found, 601);
	assert_true(page_map_find(&f.map, 1u << 20, IDX_L4, false, &found));
	assert_int_equal(found, 1u << 20);
	assert_false(page_map_find(&f.map, 1u << 20, IDX_L4, true, &found));
	fixture_finish(&f);
}

/* An allocation failing anywhere on the way down leaves the map and the pool as they were. */
static void test_ensure_failure_changes_nothing(void **state)
{
	(void)state;
	static const uint64_t targets[] = {0, 1, IDX_L1 + 1, IDX_L2 + 1, IDX_L3 + 1, IDX_L4};
	for (size_t t = 0; t < sizeof(targets) / sizeof(targets[0]); t++) {
		for (int64_t allowed = 0; allowed < 6; allowed++) {
			struct fixture f;
			fixture_init(&f);
			ensure(&f, 2, 0);
			uint64_t used = f.pool.used;
			unsigned height = f.map.height;
			f.pages.fail_after = allowed;
			uintptr_t leaf = page_map_ensure(&f.map, &f.pool, targets[t], 0);
			f.pages.fail_after = -1;
			if (leaf != 0) {
				assert_int_equal(page_map_get(&f.map, targets[t]), leaf);
				fixture_finish(&f);
				continue;
			}
			assert_int_equal(f.pool.used, used);
			assert_int_equal(f.map.height, height);
			assert_int_equal(f.map.pages, 1);
			assert_true(page_map_get(&f.map, 2) != 0);
			fixture_finish(&f);
		}
	}
}

/* The same through the pool's limit. */
static void test_ensure_at_pool_limit(void **state)
{
	(void)state;
	struct fixture f;
	fixture_init(&f);
	f.pool.limit = 3;
	ensure(&f, 0, 0);
	ensure(&f, 1, 0); /* a root node and two leaves */
	assert_int_equal(f.pool.used, 3);
	assert_int_equal(page_map_ensure(&f.map, &f.pool, 2, 0), 0);
	assert_int_equal(page_map_ensure(&f.map, &f.pool, IDX_L2, 0), 0);
	assert_int_equal(f.pool.used, 3);
	assert_int_equal(f.map.pages, 2);
	assert_int_equal(f.map.height, 1);
	fixture_finish(&f);
}

/* Random operations against a model: present / unwritten per index. */
enum { MODEL_ABSENT, MODEL_DATA, MODEL_UNWRITTEN };

static uint64_t model_index(uint64_t span)
{
	/* Clustered indices with the odd far one, so trees grow and shrink. */
	switch (rng_below(4)) {
	case 0:
		return rng_below(span);
	case 1:
		return rng_below(16);
	case 2:
		return 512 * rng_below(span / 512) + rng_below(3);
	default:
		return span - 1 - rng_below(8);
	}
}

static void model_check(const struct fixture *f, const unsigned char *model, const uintptr_t *leaves, uint64_t span)
{
	uint64_t present = 0;
	for (uint64_t i = 0; i < span; i++) {
		uintptr_t leaf = page_map_get(&f->map, i);
		switch (model[i]) {
		case MODEL_ABSENT:
			assert_int_equal(leaf, 0);
			break;
		case MODEL_DATA:
			assert_int_equal(leaf, leaves[i]);
			assert_int_equal(leaf & PAGE_UNWRITTEN, 0);
			present++;
			break;
		default:
			assert_int_equal(leaf & ~PAGE_FLAGS_MASK, leaves[i] & ~PAGE_FLAGS_MASK);
			assert_true(leaf & PAGE_UNWRITTEN);
			present++;
			break;
		}
	}
	assert_int_equal(f->map.pages, present);
}

static void test_random_against_model(void **state)
{
	(void)state;
	enum { SPAN = 512 * 512 * 2 + 100, STEPS = 3000 };
	rng_seed(unit_seed() ^ 0x70616765);
	struct fixture f;
	fixture_init(&f);
	unsigned char *model = calloc(SPAN, 1);
	uintptr_t *leaves = calloc(SPAN, sizeof(*leaves));
	assert_non_null(model);
	assert_non_null(leaves);
	for (int step = 0; step < STEPS; step++) {
		uint64_t i = model_index(SPAN);
		switch (rng_below(5)) {
		case 0:
		case 1: {
			uintptr_t flags = rng_below(2) ? PAGE_UNWRITTEN : 0;
			uintptr_t leaf = page_map_ensure(&f.map, &f.pool, i, flags);
			assert_true(leaf != 0);
			if (model[i] == MODEL_ABSENT) {
				model[i] = flags ? MODEL_UNWRITTEN : MODEL_DATA;
				leaves[i] = leaf;
			}
			assert_int_equal(leaf, leaves[i]);
			break;
		}
		case 2: {
			uint64_t last = i + rng_below(rng_below(2) ? 4 : 3000);
			page_map_punch(&f.map, &f.pool, i, last);
			for (uint64_t j = i; j <= last && j < SPAN; j++)
				model[j] = MODEL_ABSENT;
			break;
		}
		case 3: {
			uint64_t last = i + rng_below(5000), found;
			bool want_data = rng_below(2) != 0;
			bool expect = false;
			uint64_t expect_at = 0;
			for (uint64_t j = i; j <= last; j++) {
				bool data = j < SPAN && model[j] == MODEL_DATA;
				if (data == want_data) {
					expect = true;
					expect_at = j;
					break;
				}
			}
			assert_int_equal(page_map_find(&f.map, i, last, want_data, &found), expect);
			if (expect)
				assert_int_equal(found, expect_at);
			break;
		}
		default:
			if (model[i] != MODEL_ABSENT) {
				bool unwritten = rng_below(2) != 0;
				page_map_set_flags(&f.map, i, unwritten ? PAGE_UNWRITTEN : 0);
				model[i] = unwritten ? MODEL_UNWRITTEN : MODEL_DATA;
				leaves[i] = (leaves[i] & ~PAGE_FLAGS_MASK) | (unwritten ? PAGE_UNWRITTEN : 0);
			}
			break;
		}
		if (step % 500 == 0)
			model_check(&f, model, leaves, SPAN);
	}
	model_check(&f, model, leaves, SPAN);
	free(model);
	free(leaves);
	fixture_finish(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_limit_and_failures),
		cmocka_unit_test(test_ensure_get_levels),
		cmocka_unit_test(test_nodes_counted_and_shrunk),
		cmocka_unit_test(test_punch_ranges),
		cmocka_unit_test(test_punch_wide_range_in_tall_tree),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_ensure_failure_changes_nothing),
		cmocka_unit_test(test_ensure_at_pool_limit),
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
