/*
 * A page source for the file-service tests (sys/io/fs): hands out zeroed,
 * 4 KiB-aligned 4 KiB pages from the heap and remembers every one it gave,
 * so a test can prove that each page came back exactly once (a double or
 * foreign free fails at once) and can make the next allocations fail.
 */
#ifndef FS_PAGES_H
#define FS_PAGES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "unit_test.h"

#define FS_TEST_PAGE 4096u

struct page_tracker {
	void **live;       /* pages handed out and not yet returned */
	size_t count, cap;
	uint64_t allocs;   /* successful allocations so far */
	uint64_t frees;
	int64_t fail_after; /* allocations still allowed; < 0: no limit */
	bool misalign;      /* hand out a page one byte off (then expect it back) */
};

static inline void tracker_init(struct page_tracker *t)
{
	memset(t, 0, sizeof(*t));
	t->fail_after = -1;
}

static inline void *tracker_alloc(void *ctx)
{
	struct page_tracker *t = ctx;
	if (t->fail_after == 0)
		return NULL;
	if (t->fail_after > 0)
		t->fail_after--;
	/* Exactly one page, so ASan sees any access past it; two for a misaligned one. */
	size_t size = t->misalign ? 2 * FS_TEST_PAGE : FS_TEST_PAGE;
	void *page = aligned_alloc(FS_TEST_PAGE, size);
	assert_non_null(page);
	memset(page, 0, size);
	if (t->misalign)
		page = (char *)page + 1;
	if (t->count == t->cap) {
		t->cap = t->cap == 0 ? 64 : t->cap * 2;
		t->live = realloc(t->live, t->cap * sizeof(*t->live));
		assert_non_null(t->live);
	}
	t->live[t->count++] = page;
	t->allocs++;
	return page;
}

static inline void tracker_free(void *ctx, void *page)
{
	struct page_tracker *t = ctx;
	for (size_t i = 0; i < t->count; i++) {
		if (t->live[i] == page) {
			t->live[i] = t->live[--t->count];
			t->frees++;
			/* Scribble over it: a page used after its return then reads garbage. */
			if (((uintptr_t)page & (FS_TEST_PAGE - 1)) == 0)
				memset(page, 0xa5, FS_TEST_PAGE);
			free((void *)((uintptr_t)page & ~(uintptr_t)(FS_TEST_PAGE - 1)));
			return;
		}
	}
	fail_msg("page %p returned but not handed out (or returned twice)", page);
}

static inline bool tracker_owns(const struct page_tracker *t, const void *page)
{
	for (size_t i = 0; i < t->count; i++) {
		if (t->live[i] == page)
			return true;
	}
	return false;
}

/* Every page given back; frees the tracker's own list. */
static inline void tracker_finish(struct page_tracker *t)
{
	if (t->count != 0)
		fail_msg("%zu pages never returned", t->count);
	free(t->live);
	t->live = NULL;
	t->cap = 0;
}

#endif
