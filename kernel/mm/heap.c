#include "mm/heap.h"

#include <stdbool.h>
#include <stdint.h>

#include "core/spinlock.h"
#include "lib/list.h"
#include "lib/string.h"

#define SLAB_MAGIC 0x51ab51ab51ab51abull
#define LARGE_MAGIC 0x1a26e1a26e1a26e1ull
#define OBJ_LIVE 0xa110ca7eu
#define OBJ_FREED 0xf2eef2eeu
#define POISON_BYTE 0x6b
#define CANARY 0xc0ffee11deadbeefull
#define CLASS_COUNT 7 /* 16 32 64 128 256 512 1024 */
#define MIN_CLASS_SHIFT 4
#define HEADER_SIZE 64 /* slab and large-block header; keeps objects 16-byte aligned */

/* At the start of every slab page. */
struct slab {
	uint64_t magic;
	struct list_node link; /* in the class's partial list while it has free objects */
	void *free_list;
	uint16_t class_index;
	uint16_t free_count;
	uint16_t capacity;
};

/* At the start of every large block. */
struct large {
	uint64_t magic;
	size_t size;
	unsigned order;
};

/* Debug header before each small object (16 bytes, keeps alignment). */
struct obj_header {
	uint32_t state;
	uint32_t size;
	uint64_t canary_head;
};

_Static_assert(sizeof(struct slab) <= HEADER_SIZE, "slab header too large");
_Static_assert(sizeof(struct large) <= HEADER_SIZE, "large header too large");
_Static_assert(sizeof(struct obj_header) == 16, "object header must keep 16-byte alignment");

/* heap_lock protects everything below. */
static struct spinlock heap_lock = SPINLOCK_INIT("heap");
static const struct heap_backend *backend;
static struct list_node partial[CLASS_COUNT];
static struct heap_stats stats;

static size_t class_size(unsigned c) { return (size_t)1 << (c + MIN_CLASS_SHIFT); }

static size_t debug_overhead(void)
{
	return HEAP_DEBUG ? sizeof(struct obj_header) + sizeof(uint64_t) : 0;
}

static int class_for(size_t size)
{
	if (size > HEAP_SMALL_MAX)
		return -1; /* also keeps size + overhead from wrapping */
	size_t need = size + debug_overhead();

	for (unsigned c = 0; c < CLASS_COUNT; c++) {
		if (need <= class_size(c))
			return (int)c;
	}
	return -1;
}

static void corrupt(const char *what, const void *p)
{
	backend->corruption(what, p);
}

void heap_init(const struct heap_backend *b)
{
	backend = b;
	for (unsigned c = 0; c < CLASS_COUNT; c++)
		list_init(&partial[c]);
	memset(&stats, 0, sizeof(stats));
}

static struct slab *slab_create(unsigned c)
{
	struct slab *s = backend->alloc_pages(0);
	size_t sz = class_size(c);

	if (s == NULL)
		return NULL;
	s->magic = SLAB_MAGIC;
	s->class_index = (uint16_t)c;
	s->capacity = (uint16_t)((HEAP_PAGE_SIZE - HEADER_SIZE) / sz);
	s->free_count = s->capacity;
	s->free_list = NULL;
	for (int i = s->capacity - 1; i >= 0; i--) {
		char *obj = (char *)s + HEADER_SIZE + (size_t)i * sz;
		if (HEAP_DEBUG) {
			memset(obj, POISON_BYTE, sz);
			((struct obj_header *)(void *)obj)->state = OBJ_FREED;
		}
		*(void **)(void *)(obj + (HEAP_DEBUG ? sizeof(struct obj_header) : 0)) = s->free_list;
		s->free_list = obj;
	}
	list_push_front(&partial[c], &s->link);
	stats.pages++;
	return s;
}

/* Checks that a free object's payload still holds the poison (no use after free). */
static void check_poison(const char *obj, size_t sz)
{
	/* A freed object's canary_head holds where it was freed (kfree's caller). */
	uint64_t freed_by = ((const struct obj_header *)(const void *)obj)->canary_head;
	for (size_t i = sizeof(struct obj_header) + sizeof(void *); i < sz; i++) {
		if ((unsigned char)obj[i] != POISON_BYTE) {
			/* Name the first changed byte (offset into the object, 8 bytes there): it tells
			 * which field of which structure was written after the free. */
			static char what[128] = "write to freed memory (use after free) at +0x";
			static const char hex[] = "0123456789abcdef";
			size_t off = i - sizeof(struct obj_header), at = 45, word = i & ~(size_t)7;
			for (int shift = 12; shift >= 0; shift -= 4)
				what[at++] = hex[(off >> shift) & 15];
			what[at++] = ':';
			for (size_t b = 0; b < 8 && word + b < sz; b++) {
				what[at++] = hex[((unsigned char)obj[word + b] >> 4) & 15];
				what[at++] = hex[(unsigned char)obj[word + b] & 15];
			}
			const char *by = " freed by 0x";
			while (*by != '\0')
				what[at++] = *by++;
			for (int shift = 60; shift >= 0; shift -= 4)
				what[at++] = hex[(freed_by >> shift) & 15];
			what[at] = '\0';
			corrupt(what, obj + sizeof(struct obj_header));
			return;
		}
	}
}

static void *small_alloc(unsigned c, size_t size)
{
	if (list_empty(&partial[c]) && slab_create(c) == NULL)
		return NULL;
	struct slab *s = container_of(partial[c].next, struct slab, link);
	char *obj = s->free_list;
	size_t hdr = HEAP_DEBUG ? sizeof(struct obj_header) : 0;

	void *next = *(void **)(void *)(obj + hdr);
	if (next != NULL && ((uintptr_t)next & ~(uintptr_t)(HEAP_PAGE_SIZE - 1)) != (uintptr_t)s) {
		corrupt("slab free list corrupted (write to freed memory?)", obj + hdr);
		return NULL;
	}
	s->free_list = next;
	if (--s->free_count == 0)
		list_remove(&s->link);
	if (HEAP_DEBUG) {
		struct obj_header *h = (struct obj_header *)(void *)obj;
		if (h->state != OBJ_FREED)
			corrupt("slab free list corrupted", obj);
		check_poison(obj, class_size(c));
		h->state = OBJ_LIVE;
		h->size = (uint32_t)size;
		h->canary_head = CANARY;
		uint64_t canary = CANARY;
		memcpy(obj + hdr + size, &canary, sizeof(canary));
	}
	return obj + hdr;
}

static void *large_alloc(size_t size)
{
	unsigned order = 0;

	if (size > ((size_t)1 << 40))
		return NULL;
	while (((size_t)HEAP_PAGE_SIZE << order) < size + HEADER_SIZE)
		order++;
	struct large *l = backend->alloc_pages(order);
	if (l == NULL)
		return NULL;
	l->magic = LARGE_MAGIC;
	l->size = size;
	l->order = order;
	stats.pages += (size_t)1 << order;
	return (char *)l + HEADER_SIZE;
}

void *kmalloc(size_t size)
{
	void *p;

	if (size == 0)
		size = 1;
	int c = class_for(size);
	uint64_t flags = spin_lock_irqsave(&heap_lock);
	p = c >= 0 ? small_alloc((unsigned)c, size) : large_alloc(size);
	if (p != NULL) {
		stats.allocations++;
		stats.bytes += size;
	}
	spin_unlock_irqrestore(&heap_lock, flags);
	return p;
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

static void small_free(struct slab *s, char *p, uint64_t caller)
{
	size_t sz = class_size(s->class_index);
	size_t hdr = HEAP_DEBUG ? sizeof(struct obj_header) : 0;
	char *obj = p - hdr;
	size_t offset = (size_t)(obj - ((char *)s + HEADER_SIZE));

	if (offset % sz != 0 || offset / sz >= s->capacity) {
		corrupt("kfree of a pointer that kmalloc did not return", p);
		return;
	}
	size_t size = 0;
	if (HEAP_DEBUG) {
		struct obj_header *h = (struct obj_header *)(void *)obj;
		if (h->state == OBJ_FREED) {
			corrupt("double free", p);
			return;
		}
		if (h->state != OBJ_LIVE || h->canary_head != CANARY) {
			corrupt("heap header overwritten (underflow or wild pointer)", p);
			return;
		}
		uint64_t canary;
		memcpy(&canary, p + h->size, sizeof(canary));
		if (canary != CANARY) {
			corrupt("write past the end of a heap object (overflow)", p);
			return;
		}
		size = h->size;
		memset(obj, POISON_BYTE, sz);
		h->state = OBJ_FREED;
		h->canary_head = caller; /* for a use-after-free report */
	}
	*(void **)(void *)p = s->free_list;
	s->free_list = obj;
	if (s->free_count++ == 0)
		list_push_front(&partial[s->class_index], &s->link);
	stats.allocations--;
	stats.bytes -= size;
	/* Give a wholly free slab back unless it is the class's only partial one. */
	if (s->free_count == s->capacity && partial[s->class_index].next->next != &partial[s->class_index]) {
		list_remove(&s->link);
		s->magic = 0;
		backend->free_pages(s, 0);
		stats.pages--;
	}
}

void kfree(void *ptr)
{
	char *p = ptr;

	if (p == NULL)
		return;
	if (((uintptr_t)p & 15) != 0) {
		corrupt("kfree of a misaligned pointer", p);
		return;
	}
	uint64_t flags = spin_lock_irqsave(&heap_lock);
	uintptr_t page = (uintptr_t)p & ~(uintptr_t)(HEAP_PAGE_SIZE - 1);
	struct slab *s = (struct slab *)page;
	struct large *l = (struct large *)page;
	if ((uintptr_t)p - page == HEADER_SIZE && l->magic == LARGE_MAGIC) {
		stats.allocations--;
		stats.bytes -= l->size;
		stats.pages -= (size_t)1 << l->order;
		l->magic = 0;
		backend->free_pages(l, l->order);
	} else if ((uintptr_t)p - page == HEADER_SIZE && l->magic == 0) {
		corrupt("double free", p);
	} else if ((uintptr_t)p - page > HEADER_SIZE - 1 && s->magic == SLAB_MAGIC) {
		small_free(s, p, (uint64_t)(uintptr_t)__builtin_return_address(0));
	} else {
		corrupt("kfree of a pointer that kmalloc did not return", p);
	}
	spin_unlock_irqrestore(&heap_lock, flags);
}

size_t kmalloc_usable_size(const void *ptr)
{
	uintptr_t page = (uintptr_t)ptr & ~(uintptr_t)(HEAP_PAGE_SIZE - 1);
	const struct large *l = (const struct large *)page;

	if ((uintptr_t)ptr - page == HEADER_SIZE && l->magic == LARGE_MAGIC)
		return ((size_t)HEAP_PAGE_SIZE << l->order) - HEADER_SIZE;
	if (HEAP_DEBUG)
		return ((const struct obj_header *)ptr - 1)->size; /* the canary sits right after it */
	const struct slab *s = (const struct slab *)page;
	return class_size(s->class_index);
}

void heap_get_stats(struct heap_stats *out)
{
	uint64_t flags = spin_lock_irqsave(&heap_lock);
	*out = stats;
	spin_unlock_irqrestore(&heap_lock, flags);
}

char *kstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = kmalloc(n);

	if (copy != NULL)
		memcpy(copy, s, n);
	return copy;
}
