/*
 * The kernel heap: kmalloc/kfree for objects of any size.
 *
 * Small objects (up to HEAP_SMALL_MAX bytes) come from per-size-class slabs of
 * one page; larger ones from whole page blocks with a header. Every pointer is
 * at least 16-byte aligned. With HEAP_DEBUG (on by default) each small object
 * carries a header and a tail canary: kfree detects double frees, frees of
 * foreign pointers and writes past the end, and freed memory is poisoned so
 * that use-after-free is caught when the object is handed out again.
 *
 * Safe on any CPU; one lock, taken with interrupts disabled.
 */
#ifndef MM_HEAP_H
#define MM_HEAP_H

#include <stddef.h>

#ifndef HEAP_DEBUG
#define HEAP_DEBUG 1
#endif

#define HEAP_SMALL_MAX 1024
#define HEAP_PAGE_SIZE 4096

/* Where the heap gets its pages, and whom it tells about corruption. */
struct heap_backend {
	void *(*alloc_pages)(unsigned order); /* HEAP_PAGE_SIZE-aligned, or NULL */
	void (*free_pages)(void *p, unsigned order);
	/* Called on detected corruption; in the kernel it panics and does not return. */
	void (*corruption)(const char *what, const void *ptr);
};

void heap_init(const struct heap_backend *backend);
void *kmalloc(size_t size);
void *kzalloc(size_t size);
/* kfree(NULL) does nothing. */
void kfree(void *p);
/* A kmalloc'd copy of a NUL-terminated string; NULL when out of memory. */
char *kstrdup(const char *s);
/* The usable size of an allocation (at least what was asked). */
size_t kmalloc_usable_size(const void *p);

struct heap_stats {
	size_t allocations; /* live objects */
	size_t bytes;       /* bytes requested by live objects */
	size_t pages;       /* pages held by the heap */
};
void heap_get_stats(struct heap_stats *out);

#endif
