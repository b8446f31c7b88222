/*
 * kernel/mm/heap.c on a host backend: pages from aligned_alloc, tracked so
 * that every page the heap holds or gives back is accounted for, and a
 * corruption hook that records what the heap reported (the kernel's panics;
 * here the heap returns and the test checks the report).
 */
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "mm/heap.h"

#define MAX_BLOCKS 8192
#define PAGE HEAP_PAGE_SIZE

struct block {
	void *p;
	unsigned order;
	bool returned; /* given back by the heap, kept (not freed) in deferred mode */
};

static struct block blocks[MAX_BLOCKS];
static size_t nblocks;
static size_t pages_held;    /* pages the heap holds now */
static int alloc_budget;     /* alloc_pages calls left before it fails; < 0: unlimited */
static bool defer_release;   /* keep returned blocks readable (for double-free tests on large blocks) */
static int corruptions;
static const char *last_what;
static const void *last_ptr;

static void *backend_alloc_pages(unsigned order)
{
	if (alloc_budget == 0)
		return NULL;
	if (alloc_budget > 0)
		alloc_budget--;
	assert_true(order < 20);
	void *p = aligned_alloc(PAGE, (size_t)PAGE << order);
	assert_non_null(p);
	memset(p, 0xee, (size_t)PAGE << order); /* pages arrive dirty */
	assert_true(nblocks < MAX_BLOCKS);
	blocks[nblocks++] = (struct block){p, order, false};
	pages_held += (size_t)1 << order;
	return p;
}

static void backend_free_pages(void *p, unsigned order)
{
	for (size_t i = 0; i < nblocks; i++) {
		if (blocks[i].p != p || blocks[i].returned)
			continue;
		if (blocks[i].order != order)
			fail_msg("free_pages(%p, %u): allocated with order %u", p, order, blocks[i].order);
		pages_held -= (size_t)1 << order;
		if (defer_release) {
			blocks[i].returned = true;
		} else {
			free(p); /* the heap must not touch it again: ASan watches */
			blocks[i] = blocks[--nblocks];
		}
		return;
	}
	fail_msg("free_pages(%p, %u): not a block the heap holds", p, order);
}

static void backend_corruption(const char *what, const void *ptr)
{
	corruptions++;
	last_what = what;
	last_ptr = ptr;
}

static const struct heap_backend backend = {backend_alloc_pages, backend_free_pages, backend_corruption};

static int setup(void **state)
{
	(void)state;
	nblocks = 0;
	pages_held = 0;
	alloc_budget = -1;
	defer_release = false;
	corruptions = 0;
	last_what = NULL;
	last_ptr = NULL;
	heap_init(&backend);
	return 0;
}

/* Releases whatever the heap still holds; the next setup starts a fresh heap. */
static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nblocks; i++)
		free(blocks[i].p);
	nblocks = 0;
	return 0;
}

static struct heap_stats stats(void)
{
	struct heap_stats s;
	heap_get_stats(&s);
	return s;
}

static void expect_corruption(const char *what_part, const void *ptr)
{
	if (corruptions != 1)
		fail_msg("%d corruption reports, want 1 (\"%s\")", corruptions, what_part);
	if (last_what == NULL || strstr(last_what, what_part) == NULL)
		fail_msg("report \"%s\", want one containing \"%s\"", last_what ? last_what : "(none)", what_part);
	assert_ptr_equal(last_ptr, ptr);
	corruptions = 0;
	last_what = NULL;
}

static void expect_no_corruption(void)
{
	if (corruptions != 0)
		fail_msg("unexpected corruption report \"%s\" for %p", last_what, last_ptr);
}

static unsigned char pattern(size_t index, size_t offset)
{
	return (unsigned char)(index * 131 + offset * 7 + 1);
}

static void fill(unsigned char *p, size_t n, size_t index)
{
	for (size_t i = 0; i < n; i++)
		p[i] = pattern(index, i);
}

static void check_fill(const unsigned char *p, size_t n, size_t index)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != pattern(index, i))
			fail_msg("object %zu (%p) byte %zu overwritten", index, (const void *)p, i);
	}
}

/* Every size from 1 to 5000, all live at once, then freed in a scrambled order. */
static void test_all_sizes(void **state)
{
	(void)state;
	enum { N = 5000 };
	static unsigned char *ptrs[N + 1];
	size_t bytes = 0;

	for (size_t size = 1; size <= N; size++) {
		unsigned char *p = kmalloc(size);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p & 15, 0);
		assert_true(kmalloc_usable_size(p) >= size);
		fill(p, size, size);
		ptrs[size] = p;
		bytes += size;
	}
	struct heap_stats s = stats();
	assert_int_equal(s.allocations, N);
	assert_int_equal(s.bytes, bytes);
	assert_int_equal(s.pages, pages_held);
	for (size_t size = 1; size <= N; size++)
		check_fill(ptrs[size], size, size);

	rng_seed(unit_seed());
	for (size_t i = N; i > 1; i--) {
		size_t j = 1 + rng_below(i);
		unsigned char *t = ptrs[i];
		ptrs[i] = ptrs[j];
		ptrs[j] = t;
	}
	for (size_t i = 1; i <= N; i++)
		kfree(ptrs[i]);
	expect_no_corruption();
	s = stats();
	assert_int_equal(s.allocations, 0);
	assert_int_equal(s.bytes, 0);
	assert_int_equal(s.pages, pages_held);
	/* At most one empty slab kept per size class (7 classes). */
	assert_true(s.pages <= 7);
}

static void test_large_sizes(void **state)
{
	(void)state;
	static const size_t sizes[] = {1025, 4000, 4032, 4033, 4096, 8128, 8129, 65536, 1 << 20, (1 << 22) + 5};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t before = pages_held;
		unsigned char *p = kmalloc(sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p & 15, 0);
		size_t usable = kmalloc_usable_size(p);
		assert_true(usable >= sizes[i]);
		memset(p, 0x3c, usable); /* the whole usable size is writable */
		struct heap_stats s = stats();
		assert_int_equal(s.allocations, 1);
		assert_int_equal(s.bytes, sizes[i]);
		assert_int_equal(s.pages, pages_held);
		assert_true(pages_held > before);
		kfree(p);
		expect_no_corruption();
		s = stats();
		assert_int_equal(s.allocations, 0);
		assert_int_equal(s.bytes, 0);
		assert_int_equal(pages_held, before);
	}
}

static void test_zero_size_and_null(void **state)
{
	(void)state;
	void *p = kmalloc(0);
	assert_non_null(p);
	assert_true(kmalloc_usable_size(p) >= 1);
	kfree(p);
	kfree(NULL);
	expect_no_corruption();
	assert_int_equal(stats().allocations, 0);
}

static void test_kzalloc(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 24, 100, 1000, 1001, 5000, 70000};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		/* Dirty a slot first so that kzalloc gets it back. */
		unsigned char *d = kmalloc(sizes[i]);
		assert_non_null(d);
		memset(d, 0xff, sizes[i]);
		kfree(d);
		unsigned char *p = kzalloc(sizes[i]);
		assert_non_null(p);
		for (size_t k = 0; k < sizes[i]; k++)
			assert_int_equal(p[k], 0);
		kfree(p);
	}
	expect_no_corruption();
}

static void test_slabs_returned(void **state)
{
	(void)state;
	enum { N = 400 }; /* 126 objects of class 32 fit a slab: four slabs */
	static void *ptrs[N];

	for (size_t i = 0; i < N; i++) {
		ptrs[i] = kmalloc(8);
		assert_non_null(ptrs[i]);
	}
	assert_int_equal(stats().pages, 4);
	assert_int_equal(pages_held, 4);
	for (size_t i = 0; i < N; i++)
		kfree(ptrs[i]);
	expect_no_corruption();
	assert_int_equal(stats().pages, 1); /* one empty slab is kept */
	assert_int_equal(pages_held, 1);
	/* and reused */
	void *p = kmalloc(8);
	assert_int_equal(pages_held, 1);
	kfree(p);
}

static void test_out_of_memory(void **state)
{
	(void)state;
	alloc_budget = 0;
	assert_null(kmalloc(16));
	assert_null(kmalloc(5000));
	assert_null(kzalloc(100));
	struct heap_stats s = stats();
	assert_int_equal(s.allocations, 0);
	assert_int_equal(s.bytes, 0);
	assert_int_equal(s.pages, 0);
	/* One page: the first slab works, the next size class does not. */
	alloc_budget = 1;
	void *p = kmalloc(40);
	assert_non_null(p);
	assert_null(kmalloc(500));
	alloc_budget = -1;
	kfree(p);
	assert_null(kmalloc((size_t)1 << 41)); /* refused before asking for pages */
	expect_no_corruption();
}

/* Sizes whose class computation overflows must fail, not return a small object. */
static void test_huge_sizes_fail(void **state)
{
	(void)state;
	static const size_t sizes[] = {SIZE_MAX, SIZE_MAX - 7, SIZE_MAX - 20, SIZE_MAX / 2 + 1};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		void *p = kmalloc(sizes[i]);
		if (p != NULL)
			fail_msg("kmalloc(%#zx) returned %p (usable size %zu), want NULL", sizes[i], p,
				 kmalloc_usable_size(p));
	}
	assert_int_equal(stats().allocations, 0);
}

/* kmalloc_usable_size promises the caller may use that many bytes. */
static void test_usable_size_is_usable(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 8, 9, 10, 40, 41, 100, 500, 1000};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = kmalloc(sizes[i]);
		assert_non_null(p);
		size_t usable = kmalloc_usable_size(p);
		assert_true(usable >= sizes[i]);
		memset(p, 0x42, usable);
		kfree(p);
		if (corruptions != 0)
			fail_msg("kmalloc(%zu), usable size %zu: writing it all is reported as \"%s\"", sizes[i],
				 usable, last_what);
	}
}

static void test_double_free_small(void **state)
{
	(void)state;
	void *keep = kmalloc(100); /* keeps the slab busy so it is not given back */
	void *p = kmalloc(100);
	kfree(p);
	struct heap_stats before = stats();
	kfree(p);
	expect_corruption("double free", p);
	struct heap_stats after = stats();
	assert_int_equal(after.allocations, before.allocations);
	assert_int_equal(after.bytes, before.bytes);
	/* The heap still works and does not hand p out twice. */
	void *a = kmalloc(100), *b = kmalloc(100);
	assert_ptr_not_equal(a, b);
	kfree(a);
	kfree(b);
	kfree(keep);
	expect_no_corruption();
}

static void test_double_free_large(void **state)
{
	(void)state;
	defer_release = true; /* the second kfree reads the returned block's header */
	void *p = kmalloc(10000);
	assert_non_null(p);
	kfree(p);
	kfree(p);
	expect_corruption("double free", p);
	assert_int_equal(stats().allocations, 0);
	assert_int_equal(stats().pages, 0);
}

static void test_overflow_detected(void **state)
{
	(void)state;
	void *keep = kmalloc(1);
	for (size_t size = 1; size <= 1000; size += (size < 40 ? 1 : 37)) {
		unsigned char *p = kmalloc(size);
		assert_non_null(p);
		memset(p, 0, size);
		p[size] = 0x99; /* one byte too far */
		kfree(p);
		expect_corruption("overflow", p);
	}
	kfree(keep);
}

static void test_underflow_detected(void **state)
{
	(void)state;
	void *keep = kmalloc(64);
	for (int offset = 1; offset <= 8; offset++) {
		unsigned char *p = kmalloc(64);
		p[-offset] ^= 0x10;
		kfree(p);
		expect_corruption("header overwritten", p);
	}
	/* The whole header smashed. */
	unsigned char *p = kmalloc(64);
	memset(p - 16, 0x77, 16);
	kfree(p);
	expect_corruption("header overwritten", p);
	kfree(keep);
}

static void test_foreign_pointers(void **state)
{
	(void)state;
	unsigned char *page = aligned_alloc(PAGE, PAGE);
	assert_non_null(page);
	memset(page, 0, PAGE);

	/* A page the heap never handed out. */
	kfree(page + 128);
	expect_corruption("did not return", page + 128);
	kfree(page + 64); /* where a large block's data would start: a zero header reads as freed */
	assert_int_equal(corruptions, 1);
	corruptions = 0;

	/* Inside a slab: not an object start, and in the slab header. */
	unsigned char *obj = kmalloc(100);
	kfree(obj + 16);
	expect_corruption("did not return", obj + 16);
	unsigned char *slab = (unsigned char *)((uintptr_t)obj & ~(uintptr_t)(PAGE - 1));
	kfree(slab + 32);
	expect_corruption("did not return", slab + 32);
	kfree(slab);
	expect_corruption("did not return", slab);
	/* Past the last object of the slab: between slots, and where slot 31 of 31 would be. */
	kfree(slab + PAGE - 16);
	expect_corruption("did not return", slab + PAGE - 16);
	unsigned char *beyond = slab + 64 + 31 * 128 + 16; /* class 128: (4096 - 64) / 128 = 31 slots */
	kfree(beyond);
	expect_corruption("did not return", beyond);

	/* Inside a large block. */
	unsigned char *big = kmalloc(6000);
	kfree(big + 16);
	expect_corruption("did not return", big + 16);
	kfree(big + 4096);
	expect_corruption("did not return", big + 4096);

	/* Misaligned. */
	kfree(obj + 1);
	expect_corruption("misaligned", obj + 1);
	kfree(big + 8);
	expect_corruption("misaligned", big + 8);

	/* The real objects are intact and still free normally. */
	kfree(obj);
	kfree(big);
	expect_no_corruption();
	assert_int_equal(stats().allocations, 0);
	free(page);
}

static void test_use_after_free_detected(void **state)
{
	(void)state;
	void *keep = kmalloc(200);
	unsigned char *p = kmalloc(200);
	kfree(p);
	p[50] = 1; /* write to freed memory */
	unsigned char *q = kmalloc(200); /* the same slot comes back and is checked */
	assert_ptr_equal(q, p);
	expect_corruption("use after free", p);
	kfree(q);
	kfree(keep);
	expect_no_corruption();
}

/* Random sizes and orders: contents survive, objects never overlap, stats add up. */
static void test_random_stress(void **state)
{
	(void)state;
	enum { SLOTS = 600 };
	static unsigned char *ptr[SLOTS];
	static size_t size[SLOTS];
	size_t live = 0, bytes = 0;

	rng_seed(unit_seed());
	for (int step = 0; step < 40000; step++) {
		size_t i = rng_below(SLOTS);
		if (ptr[i] != NULL) {
			check_fill(ptr[i], size[i], i);
			kfree(ptr[i]);
			ptr[i] = NULL;
			live--;
			bytes -= size[i];
		} else {
			/* Mostly small sizes, some up to the largest class, a few large blocks. */
			size_t n = 1 + rng_below(rng_below(4) != 0 ? 200 : 1024);
			if (rng_below(50) == 0)
				n = 1000 + rng_below(20000);
			ptr[i] = rng_below(8) == 0 ? kzalloc(n) : kmalloc(n);
			assert_non_null(ptr[i]);
			assert_int_equal((uintptr_t)ptr[i] & 15, 0);
			size[i] = n;
			fill(ptr[i], n, i);
			live++;
			bytes += n;
		}
		if (step % 5000 == 0) {
			struct heap_stats s = stats();
			assert_int_equal(s.allocations, live);
			assert_int_equal(s.bytes, bytes);
			assert_int_equal(s.pages, pages_held);
			for (size_t k = 0; k < SLOTS; k++) {
				if (ptr[k] != NULL)
					check_fill(ptr[k], size[k], k);
			}
		}
	}
	for (size_t i = 0; i < SLOTS; i++) {
		if (ptr[i] != NULL) {
			check_fill(ptr[i], size[i], i);
			kfree(ptr[i]);
			ptr[i] = NULL;
		}
	}
	expect_no_corruption();
	struct heap_stats s = stats();
	assert_int_equal(s.allocations, 0);
	assert_int_equal(s.bytes, 0);
	assert_int_equal(s.pages, pages_held);
	assert_true(s.pages <= 7);
}

#define HEAP_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		HEAP_TEST(test_all_sizes),
		HEAP_TEST(test_large_sizes),
		HEAP_TEST(test_zero_size_and_null),
		HEAP_TEST(test_kzalloc),
		HEAP_TEST(test_slabs_returned),
		HEAP_TEST(test_out_of_memory),
		HEAP_TEST(test_usable_size_is_usable),
		HEAP_TEST(test_double_free_small),
		HEAP_TEST(test_double_free_large),
		HEAP_TEST(test_overflow_detected),
		HEAP_TEST(test_underflow_detected),
		HEAP_TEST(test_foreign_pointers),
		HEAP_TEST(test_use_after_free_detected),
		HEAP_TEST(test_random_stress),
		/* Last: it hands the heap sizes whose arithmetic wraps. */
		HEAP_TEST(test_huge_sizes_fail),
	};
	return cmocka_run_group_tests_name("heap", tests, NULL, NULL);
}
