#include "pagemap.h"

#include <stddef.h>

#define MAP_BITS 9
#define MAP_FANOUT (1u << MAP_BITS)
#define MAP_MASK (MAP_FANOUT - 1)

void *page_pool_get(struct page_pool *pool)
{
	if (pool->limit != 0 && pool->used >= pool->limit)
		return NULL;
	void *page = pool->alloc(pool->ctx);
	if (page == NULL)
		return NULL;
	if (((uintptr_t)page & PAGE_FLAGS_MASK) != 0) {
		/* Flags live in the low bits of leaves: an unaligned page cannot be kept. */
		pool->free(pool->ctx, page);
		return NULL;
	}
	pool->used++;
	return page;
}

void page_pool_put(struct page_pool *pool, void *page)
{
	pool->used--;
	pool->free(pool->ctx, page);
}

static uintptr_t *node_slots(uintptr_t node)
{
	return (uintptr_t *)node;
}

static void *leaf_page(uintptr_t leaf)
{
	return (void *)(leaf & ~PAGE_FLAGS_MASK);
}

/* Pages covered by one slot of a node at `level` (level 1 holds leaves). */
static uint64_t slot_span(unsigned level)
{
	return 1ull << (MAP_BITS * (level - 1));
}

static uint64_t map_capacity(unsigned height)
{
	return 1ull << (MAP_BITS * height);
}

static unsigned slot_index(uint64_t index, unsigned level)
{
	return (unsigned)(index >> (MAP_BITS * (level - 1))) & MAP_MASK;
}

uintptr_t page_map_get(const struct page_map *map, uint64_t index)
{
	if (index >= map_capacity(map->height))
		return 0;
	uintptr_t entry = map->root;
	for (unsigned level = map->height; level > 0 && entry != 0; level--)
		entry = node_slots(entry)[slot_index(index, level)];
	return entry;
}

static void shrink(struct page_map *map, struct page_pool *pool);

/* The slot of leaf `index`, creating the path to it; NULL when out of pages
 * (nodes created on the way stay, empty: page_map_punch removes them). */
static uintptr_t *leaf_slot(struct page_map *map, struct page_pool *pool, uint64_t index)
{
	while (index >= map_capacity(map->height)) {
		if (map->root != 0) {
			void *node = page_pool_get(pool);
			if (node == NULL)
				return NULL;
			node_slots((uintptr_t)node)[0] = map->root;
			map->root = (uintptr_t)node;
		}
		map->height++;
	}
	uintptr_t *slot = &map->root;
	for (unsigned level = map->height; level > 0; level--) {
		if (*slot == 0) {
			void *node = page_pool_get(pool);
			if (node == NULL)
				return NULL;
			*slot = (uintptr_t)node;
		}
		slot = &node_slots(*slot)[slot_index(index, level)];
	}
	return slot;
}

uintptr_t page_map_ensure(struct page_map *map, struct page_pool *pool, uint64_t index, uintptr_t flags)
{
	if (index > PAGE_MAP_MAX_INDEX)
		return 0;
	uintptr_t *slot = leaf_slot(map, pool, index);
	if (slot != NULL && *slot == 0) {
		void *page = page_pool_get(pool);
		if (page != NULL) {
			*slot = (uintptr_t)page | (flags & PAGE_FLAGS_MASK);
			map->pages++;
		}
	}
	if (slot == NULL || *slot == 0) {
		/* Give back the nodes made on the way, and any levels grown over the old root. */
		page_map_punch(map, pool, index, index);
		shrink(map, pool);
		return 0;
	}
	return *slot;
}

void page_map_set_flags(struct page_map *map, uint64_t index, uintptr_t flags)
{
	if (index >= map_capacity(map->height))
		return;
	uintptr_t *slot = &map->root;
	for (unsigned level = map->height; level > 0 && *slot != 0; level--)
		slot = &node_slots(*slot)[slot_index(index, level)];
	if (*slot != 0)
		*slot = (uintptr_t)leaf_page(*slot) | (flags & PAGE_FLAGS_MASK);
}

static bool node_empty(uintptr_t node)
{
	const uintptr_t *slots = node_slots(node);
	for (unsigned i = 0; i < MAP_FANOUT; i++) {
		if (slots[i] != 0)
			return false;
	}
	return true;
}

/* Frees the leaves of [first, last] below *slot, which covers the pages from
 * `base` at `level` (0: *slot is a leaf), and the node itself if left empty. */
static void punch_slot(struct page_map *map, struct page_pool *pool, uintptr_t *slot, unsigned level, uint64_t base,
		       uint64_t first, uint64_t last)
{
	if (*slot == 0)
		return;
	if (level == 0) {
		page_pool_put(pool, leaf_page(*slot));
		*slot = 0;
		map->pages--;
		return;
	}
	uint64_t span = slot_span(level);
	unsigned lo = first > base ? (unsigned)((first - base) / span) : 0;
	/* last may lie far past this node: clamp before narrowing. */
	uint64_t last_slot = (last - base) / span;
	unsigned hi = last_slot > MAP_MASK ? MAP_MASK : (unsigned)last_slot;
	for (unsigned i = lo; i <= hi; i++) {
		uint64_t child = base + i * span;
		punch_slot(map, pool, &node_slots(*slot)[i], level - 1, child, first > child ? first : child, last);
	}
	if (node_empty(*slot)) {
		page_pool_put(pool, (void *)*slot);
		*slot = 0;
	}
}

/* Drops levels whose root uses only its first slot, so a file cut short gets
 * its small tree back. */
static void shrink(struct page_map *map, struct page_pool *pool)
{
	while (map->height > 0) {
		if (map->root == 0) {
			map->height = 0;
			return;
		}
		uintptr_t *slots = node_slots(map->root);
		for (unsigned i = 1; i < MAP_FANOUT; i++) {
			if (slots[i] != 0)
				return;
		}
		uintptr_t child = slots[0];
		page_pool_put(pool, (void *)map->root);
		map->root = child;
		map->height--;
	}
}

void page_map_punch(struct page_map *map, struct page_pool *pool, uint64_t first, uint64_t last)
{
	uint64_t capacity = map_capacity(map->height);
	if (first > last || first >= capacity)
		return;
	if (last >= capacity)
		last = capacity - 1;
	punch_slot(map, pool, &map->root, map->height, 0, first, last);
	shrink(map, pool);
}

static bool leaf_is_data(uintptr_t leaf)
{
	return leaf != 0 && (leaf & PAGE_UNWRITTEN) == 0;
}

/* page_map_find below one slot covering the pages from `base` at `level`;
 * from and last lie inside what the slot covers. */
static bool find_slot(uintptr_t entry, unsigned level, uint64_t base, uint64_t from, uint64_t last, bool want_data,
		      uint64_t *found)
{
	if (level == 0) {
		if (leaf_is_data(entry) != want_data)
			return false;
		*found = base;
		return true;
	}
	if (entry == 0) {
		if (want_data)
			return false;
		*found = from;
		return true;
	}
	uint64_t span = slot_span(level);
	unsigned lo = (unsigned)((from - base) / span);
	unsigned hi = (unsigned)((last - base) / span);
	for (unsigned i = lo; i <= hi; i++) {
		uint64_t child = base + i * span;
		uint64_t child_last = child + span - 1;
		if (find_slot(node_slots(entry)[i], level - 1, child, from > child ? from : child,
			      last < child_last ? last : child_last, want_data, found))
			return true;
	}
	return false;
}

bool page_map_find(const struct page_map *map, uint64_t from, uint64_t last, bool want_data, uint64_t *found)
{
	if (from > last)
		return false;
	uint64_t capacity = map_capacity(map->height);
	if (from < capacity) {
		uint64_t in_last = last < capacity ? last : capacity - 1;
		if (find_slot(map->root, map->height, 0, from, in_last, want_data, found))
			return true;
	}
	/* Beyond the tree everything is a hole. */
	if (want_data || last < capacity)
		return false;
	*found = from > capacity ? from : capacity;
	return true;
}

void page_map_clear(struct page_map *map, struct page_pool *pool)
{
	page_map_punch(map, pool, 0, map_capacity(map->height) - 1);
	map->root = 0;
	map->height = 0;
}
