/*
 * Whole pages for file data, and the sparse page table of one file.
 *
 * A page pool hands out the zeroed, page-aligned 4 KiB pages the server's
 * environment gives (fs_env.page_alloc) and counts them, so a file system can
 * be held to a size and every page can be proved returned.
 *
 * A page map is a radix tree, 512 slots a level, whose leaves are the pages
 * of one file by page index; a hole is an absent page. Its interior nodes are
 * pool pages too. A page keeps its address for as long as it belongs to the
 * map (the kernel copies to and maps those addresses). A leaf may carry
 * PAGE_UNWRITTEN: allocated by fallocate and never written, which reads as
 * zeros and counts as a hole for SEEK_DATA/SEEK_HOLE, as on tmpfs.
 *
 * Single-threaded: the caller serializes every call on a pool and its maps.
 */
#ifndef FS_PAGEMAP_H
#define FS_PAGEMAP_H

#include <stdbool.h>
#include <stdint.h>

#define FS_PAGE_SHIFT 12
#define FS_PAGE_SIZE (1u << FS_PAGE_SHIFT)
/* Leaf flag in the low (alignment) bits of a page address. */
#define PAGE_UNWRITTEN 1u
#define PAGE_FLAGS_MASK ((uintptr_t)FS_PAGE_SIZE - 1)
/* Four levels of 512 cover 2^36 pages (2^48 bytes), beyond any file size we allow. */
#define PAGE_MAP_MAX_INDEX ((1ull << 36) - 1)

struct page_pool {
	void *(*alloc)(void *ctx);
	void (*free)(void *ctx, void *page);
	void *ctx;
	uint64_t used;  /* pages taken and not yet given back */
	uint64_t limit; /* most pages at once; 0: only alloc's own limit */
};

/* A zeroed page, or NULL when the pool is at its limit or alloc fails (or
 * returns a misaligned page, which is given back). */
void *page_pool_get(struct page_pool *pool);
void page_pool_put(struct page_pool *pool, void *page);

struct page_map {
	uintptr_t root;  /* height 0: the leaf of page 0; else an interior node */
	unsigned height; /* the root covers 512^height pages */
	uint64_t pages;  /* leaves present (data pages, not interior nodes) */
};

/* The leaf of page `index` (address | flags), 0 for a hole. */
uintptr_t page_map_get(const struct page_map *map, uint64_t index);

/* Makes page `index` present, allocating it with `flags` if it is a hole.
 * Returns its leaf, or 0 when out of pages (the map is then unchanged). */
uintptr_t page_map_ensure(struct page_map *map, struct page_pool *pool, uint64_t index, uintptr_t flags);

/* Replaces the flags of present page `index` (no-op on a hole). */
void page_map_set_flags(struct page_map *map, uint64_t index, uintptr_t flags);

/* Frees the pages with index in [first, last] and the nodes left empty. */
void page_map_punch(struct page_map *map, struct page_pool *pool, uint64_t first, uint64_t last);

/* The first index in [from, last] whose page holds data (present and written)
 * when want_data, or is a hole (absent or unwritten) otherwise. */
bool page_map_find(const struct page_map *map, uint64_t from, uint64_t last, bool want_data, uint64_t *found);

/* Frees every page and node. */
void page_map_clear(struct page_map *map, struct page_pool *pool);

#endif
