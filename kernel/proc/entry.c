#include "proc/entry.h"

#include "asm/irqflags.h"
#include "asm/trap.h"
#include "core/clock.h"
#include "core/log.h"
#include "mm/vmspace.h"
#include "proc/process.h"
#include "sched/sched.h"

#define OOM_RETRIES 50
#define FAULT_OOM_KILLED 100 /* the faulting process itself was chosen */

/* Switches the current thread's CPU-time accounting between user and system. */
static void account_switch(bool to_user)
{
	struct thread *t = current_thread();
	uint64_t now = clock_monotonic_ns();
	uint64_t delta = now - t->last_account_ns;

	if (t->in_user)
		t->user_ns += delta;
	else
		t->system_ns += delta;
	t->last_account_ns = now;
	t->in_user = to_user;
}

void entry_from_user(void)
{
	account_switch(false);
}

void exit_to_user(struct trap_frame *frame)
{
	struct thread *t = current_thread();

	for (;;) {
		irq_disable();
		if (this_cpu()->need_resched) {
			irq_enable();
			schedule();
			continue;
		}
		if (t->proc != NULL && signal_pending_current()) {
			irq_enable();
			signal_deliver(frame);
			irq_disable();
			if (!this_cpu()->need_resched && !signal_pending_current())
				break;
			continue;
		}
		break;
	}
	account_switch(true);
}

/* Picks the process with the most resident pages (not init) and kills it. Returns the victim. */
static struct process *oom_kill(void)
{
	struct process *victim = NULL;
	uint64_t best = 0;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);

	for (struct list_node *n = proc_all.next; n != &proc_all; n = n->next) {
		struct process *p = list_entry(n, struct process, all_link);
		if (p->state != PROCESS_ALIVE || p->vm == NULL || p->pid == 1 || p->group_exit)
			continue;
		if (p->vm->rss_pages > best) {
			best = p->vm->rss_pages;
			victim = p;
		}
	}
	if (victim != NULL) {
		pr_err("tern: out of memory: killed process %d (%s), %llu KiB resident\n", victim->pid, victim->name,
		       (unsigned long long)(best * 4));
		signal_send_process_locked(victim, SIGKILL, NULL);
	}
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return victim;
}

static int fault_with_oom(uint64_t addr, unsigned access)
{
	struct process *p = current_process();

	for (int tries = 0;; tries++) {
		int r = vmspace_fault(p->vm, addr, access);
		if (r != FAULT_OOM)
			return r;
		if (p->group_exit || tries == OOM_RETRIES)
			return FAULT_OOM;
		/* Someone must give memory back: the biggest process goes; we wait for it to exit. */
		struct process *victim = oom_kill();
		if (victim == p)
			return FAULT_OOM_KILLED;
		if (victim == NULL)
			return FAULT_OOM;
		irq_enable();
		schedule_until(clock_monotonic_ns() + 10 * NSEC_PER_MSEC);
	}
}

int user_page_fault(uint64_t addr, unsigned access)
{
	struct process *p = current_process();

	if (p == NULL || p->vm == NULL)
		return FAULT_SEGV_MAPERR;
	irq_enable();
	int r = fault_with_oom(addr, access);
	if (r == FAULT_OOM_KILLED)
		return 0; /* SIGKILL is on its way */
	if (r == FAULT_OOM) {
		/* This process is the one to go (or nothing could be freed). */
		pr_err("tern: out of memory: killed process %d (%s)\n", p->pid, p->name);
		signal_send_process(p, SIGKILL, NULL);
		return 0;
	}
	return r;
}

int kernel_user_fault(uint64_t addr, unsigned access)
{
	struct process *p = current_process();

	if (p == NULL || p->vm == NULL || addr >= USER_TOP)
		return FAULT_SEGV_MAPERR;
	return vmspace_fault(p->vm, addr, access);
}
