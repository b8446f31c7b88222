#include "sched/thread.h"

#include "core/log.h"
#include "core/panic.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/scratch.h"
#include "sched/sched.h"

struct thread *thread_alloc(const char *name)
{
	struct thread *t = kzalloc(sizeof(*t));

	if (t == NULL)
		return NULL;
	if (!kva_alloc_stack(&t->stack)) {
		kfree(t);
		return NULL;
	}
	strlcpy(t->name, name, sizeof(t->name));
	list_init(&t->run_link);
	list_init(&t->proc_link);
	list_init(&t->sig_queue);
	t->state = THREAD_BLOCKED; /* not runnable until sched_start() */
	t->slice = SCHED_SLICE_TICKS;
	t->affinity = ~0ull;
	return t;
}

struct thread *thread_create_kernel(const char *name, void (*fn)(void *), void *arg)
{
	struct thread *t = thread_alloc(name);

	if (t == NULL)
		return NULL;
	t->kernel_only = true;
	arch_thread_prepare_kernel(t, fn, arg);
	return t;
}

void thread_free(struct thread *t)
{
	KASSERT(t->state == THREAD_DEAD);
	if (t->arch.fpu != NULL)
		fpu_free(t);
	kva_free_stack(&t->stack);
	scratch_release(t);
	kfree(t);
}

void thread_exit(void)
{
	struct thread *t = current_thread();

	irq_disable();
	t->state = THREAD_DEAD;
	schedule();
	panic("thread_exit: a dead thread ran again");
}
