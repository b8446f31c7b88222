#include "mm/scratch.h"

#include <stdint.h>

#include "mm/heap.h"
#include "sched/sched.h"
#include "sched/thread.h"

_Static_assert(SCRATCH_PER_THREAD <= 8, "one byte of in-use bits");

void *scratch_get(void)
{
	struct thread *t = current_thread();

	if (t != NULL && t->scratch == NULL)
		t->scratch = kmalloc((size_t)SCRATCH_SIZE * SCRATCH_PER_THREAD);
	if (t != NULL && t->scratch != NULL) {
		for (unsigned i = 0; i < SCRATCH_PER_THREAD; i++) {
			if (!(t->scratch_used & (1u << i))) {
				t->scratch_used |= (uint8_t)(1u << i);
				return (uint8_t *)t->scratch + (size_t)i * SCRATCH_SIZE;
			}
		}
	}
	return kmalloc(SCRATCH_SIZE);
}

void scratch_put(void *p)
{
	struct thread *t = current_thread();

	if (p == NULL)
		return;
	uintptr_t base = t != NULL ? (uintptr_t)t->scratch : 0, at = (uintptr_t)p;
	if (base != 0 && at >= base && at < base + (uintptr_t)SCRATCH_SIZE * SCRATCH_PER_THREAD) {
		t->scratch_used &= (uint8_t)~(1u << ((at - base) / SCRATCH_SIZE));
		return;
	}
	kfree(p);
}

void scratch_release(struct thread *t)
{
	kfree(t->scratch);
	t->scratch = NULL;
	t->scratch_used = 0;
}
