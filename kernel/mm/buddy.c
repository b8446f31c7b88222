#include "mm/buddy.h"

static void list_push(struct buddy *b, uint32_t pfn, unsigned order)
{
	struct page *p = &b->pages[pfn];
	uint32_t head = b->free_head[order];

	p->next = head;
	p->prev = BUDDY_NONE;
	if (head != BUDDY_NONE)
		b->pages[head].prev = pfn;
	b->free_head[order] = pfn;
	p->order = (uint8_t)order;
	p->flags = (uint8_t)((p->flags & ~PAGE_ALLOCATED) | PAGE_FREE);
}

static void list_unlink(struct buddy *b, uint32_t pfn, unsigned order)
{
	struct page *p = &b->pages[pfn];

	if (p->prev != BUDDY_NONE)
		b->pages[p->prev].next = p->next;
	else
		b->free_head[order] = p->next;
	if (p->next != BUDDY_NONE)
		b->pages[p->next].prev = p->prev;
	p->next = p->prev = BUDDY_NONE;
	p->flags &= (uint8_t)~PAGE_FREE;
}

void buddy_init(struct buddy *b, struct page *pages, uint64_t npages)
{
	b->pages = pages;
	b->npages = npages;
	b->free_pages = 0;
	b->managed_pages = 0;
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		b->free_head[o] = BUDDY_NONE;
	for (uint64_t i = 0; i < npages; i++) {
		pages[i].next = pages[i].prev = BUDDY_NONE;
		pages[i].order = 0;
		pages[i].flags = 0;
		pages[i].reserved = 0;
		pages[i].refcount = 0;
	}
}

/* Inserts the block, merging with its buddy as long as the buddy is a free block of equal order. */
static void insert_and_merge(struct buddy *b, uint64_t pfn, unsigned order)
{
	while (order < BUDDY_MAX_ORDER) {
		uint64_t buddy = pfn ^ (1ull << order);
		if (buddy + (1ull << order) > b->npages)
			break;
		struct page *bp = &b->pages[buddy];
		if (!(bp->flags & PAGE_FREE) || bp->order != order)
			break;
		list_unlink(b, (uint32_t)buddy, order);
		pfn &= ~(1ull << order);
		order++;
	}
	list_push(b, (uint32_t)pfn, order);
}

void buddy_add_range(struct buddy *b, uint64_t start, uint64_t end)
{
	if (end > b->npages)
		end = b->npages;
	while (start < end) {
		unsigned order = 0;
		/* The largest aligned block that starts at start and fits. */
		while (order < BUDDY_MAX_ORDER && (start & ((1ull << (order + 1)) - 1)) == 0 &&
		       start + (1ull << (order + 1)) <= end)
			order++;
		for (uint64_t i = start; i < start + (1ull << order); i++)
			b->pages[i].flags |= PAGE_MANAGED;
		b->managed_pages += 1ull << order;
		b->free_pages += 1ull << order;
		insert_and_merge(b, start, order);
		start += 1ull << order;
	}
}

uint32_t buddy_alloc(struct buddy *b, unsigned order)
{
	unsigned o = order;

	if (order > BUDDY_MAX_ORDER)
		return BUDDY_NONE;
	while (o <= BUDDY_MAX_ORDER && b->free_head[o] == BUDDY_NONE)
		o++;
	if (o > BUDDY_MAX_ORDER)
		return BUDDY_NONE;
	uint32_t pfn = b->free_head[o];
	list_unlink(b, pfn, o);
	/* Split: hand the upper halves back until the block has the wanted order. */
	while (o > order) {
		o--;
		list_push(b, pfn + (1u << o), o);
	}
	b->pages[pfn].order = (uint8_t)order;
	b->pages[pfn].flags |= PAGE_ALLOCATED;
	b->free_pages -= 1ull << order;
	return pfn;
}

enum buddy_error buddy_free(struct buddy *b, uint64_t pfn, unsigned order)
{
	if (order > BUDDY_MAX_ORDER || pfn >= b->npages || (pfn & ((1ull << order) - 1)) != 0 ||
	    pfn + (1ull << order) > b->npages)
		return BUDDY_EINVAL;
	struct page *p = &b->pages[pfn];
	if (p->flags & PAGE_FREE)
		return BUDDY_EDOUBLEFREE;
	if (!(p->flags & PAGE_ALLOCATED) || p->order != order || !(p->flags & PAGE_MANAGED))
		return BUDDY_ENOTALLOC;
	p->flags &= (uint8_t)~PAGE_ALLOCATED;
	b->free_pages += 1ull << order;
	insert_and_merge(b, pfn, order);
	return BUDDY_OK;
}

enum buddy_error buddy_split(struct buddy *b, uint64_t pfn, unsigned order)
{
	if (order > BUDDY_MAX_ORDER || pfn >= b->npages || (pfn & ((1ull << order) - 1)) != 0 ||
	    pfn + (1ull << order) > b->npages)
		return BUDDY_EINVAL;
	struct page *p = &b->pages[pfn];
	if (!(p->flags & PAGE_ALLOCATED) || p->order != order || !(p->flags & PAGE_MANAGED))
		return BUDDY_ENOTALLOC;
	for (uint64_t i = 0; i < (1ull << order); i++) {
		b->pages[pfn + i].order = 0;
		b->pages[pfn + i].flags |= PAGE_ALLOCATED;
	}
	return BUDDY_OK;
}

uint64_t buddy_count_free_blocks(const struct buddy *b, unsigned order)
{
	uint64_t n = 0;

	if (order > BUDDY_MAX_ORDER)
		return 0;
	for (uint32_t p = b->free_head[order]; p != BUDDY_NONE; p = b->pages[p].next)
		n++;
	return n;
}
