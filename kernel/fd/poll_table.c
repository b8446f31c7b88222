#include "fd/poll.h"

#include "fd/file.h"

#include "mm/heap.h"
#include "lib/string.h"

void poll_table_init(struct poll_table *pt)
{
	pt->entries = NULL;
	pt->count = 0;
	pt->capacity = 0;
	pt->failed = false;
	pt->queue = NULL;
	pt->data = NULL;
	pt->file = NULL;
}

void poll_wait(struct poll_table *pt, struct wait_queue *q)
{
	if (pt == NULL)
		return;
	if (pt->queue != NULL) {
		pt->queue(pt, q);
		return;
	}
	if (pt->count == pt->capacity) {
		unsigned cap = pt->capacity == 0 ? 16 : pt->capacity * 2;
		struct poll_entry *e = kmalloc(cap * sizeof(*e));
		if (e == NULL) {
			pt->failed = true;
			return;
		}
		/* Waiters are linked into queues: link the copies before unlinking the originals,
		 * so no wake-up finds us on neither. */
		for (unsigned i = 0; i < pt->count; i++) {
			waiter_add(pt->entries[i].waiter.queue, &e[i].waiter);
			waiter_remove(&pt->entries[i].waiter);
			e[i].file = pt->entries[i].file;
		}
		kfree(pt->entries);
		pt->entries = e;
		pt->capacity = cap;
	}
	struct poll_entry *entry = &pt->entries[pt->count++];
	entry->file = pt->file;
	if (entry->file != NULL)
		file_get(entry->file);
	waiter_add(q, &entry->waiter);
}

void poll_table_free(struct poll_table *pt)
{
	for (unsigned i = 0; i < pt->count; i++)
		waiter_remove(&pt->entries[i].waiter);
	for (unsigned i = 0; i < pt->count; i++)
		file_put(pt->entries[i].file);
	kfree(pt->entries);
	poll_table_init(pt);
}
