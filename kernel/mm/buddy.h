/*
 * A binary buddy allocator over page frame numbers. Pure bookkeeping: it never
 * touches the pages it manages (free lists are linked through the page
 * descriptor array), so it is unit-tested on the host without real memory.
 *
 * Not thread-safe: the caller (pmm.c) holds the lock.
 */
#ifndef MM_BUDDY_H
#define MM_BUDDY_H

#include <stdbool.h>
#include <stdint.h>

/* Largest block: 2^10 pages = 4 MiB. */
#define BUDDY_MAX_ORDER 10
#define BUDDY_NONE UINT32_MAX

/* Page descriptor flags. */
#define PAGE_FREE 0x01     /* head of a free block */
#define PAGE_ALLOCATED 0x02 /* head of an allocated block */
#define PAGE_MANAGED 0x04  /* part of the buddy pool (freed at least once) */

/* One per physical page frame, 16 bytes. */
struct page {
	uint32_t next, prev; /* free-list links (pfn indices) when PAGE_FREE */
	uint8_t order;       /* block order when PAGE_FREE or PAGE_ALLOCATED */
	uint8_t flags;
	uint16_t reserved;
	uint32_t refcount;   /* for sharing (copy-on-write) in later layers */
};

struct buddy {
	struct page *pages;
	uint64_t npages; /* pages[] covers pfns 0 .. npages-1 */
	uint32_t free_head[BUDDY_MAX_ORDER + 1];
	uint64_t free_pages;
	uint64_t managed_pages;
};

enum buddy_error {
	BUDDY_OK = 0,
	BUDDY_EINVAL = -1,      /* pfn out of range, misaligned or bad order */
	BUDDY_EDOUBLEFREE = -2, /* the block is already free */
	BUDDY_ENOTALLOC = -3,   /* not the head of an allocated block of that order */
};

/* pages[] must hold npages entries; all start unmanaged (not allocatable). */
void buddy_init(struct buddy *b, struct page *pages, uint64_t npages);
/* Adds pfns [start, end) to the pool. They must not be in it already. */
void buddy_add_range(struct buddy *b, uint64_t start, uint64_t end);
/* Returns the first pfn of a free block of 2^order pages, or BUDDY_NONE. */
uint32_t buddy_alloc(struct buddy *b, unsigned order);
/* Returns a block from buddy_alloc; detects double and invalid frees. */
enum buddy_error buddy_free(struct buddy *b, uint64_t pfn, unsigned order);
/* Turns an allocated block into 2^order allocated single pages, each freed on its own. */
enum buddy_error buddy_split(struct buddy *b, uint64_t pfn, unsigned order);
/* Number of free blocks of exactly this order (for tests and statistics). */
uint64_t buddy_count_free_blocks(const struct buddy *b, unsigned order);

#endif
