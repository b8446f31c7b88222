/*
 * wait4 and waitid: collecting children's exits, stops and continues (Linux
 * kernel/exit.c semantics: pid selectors, WNOHANG, WUNTRACED, WCONTINUED,
 * WNOWAIT, __WALL/__WCLONE, ECHILD when nothing could ever match).
 */
#include "proc/wait.h"

#include "core/clock.h"
#include "lib/errno.h"
#include "proc/process.h"
#include "sched/sched.h"

#define WAIT_STATUS_STOPPED 0x7f
#define WAIT_STATUS_CONTINUED 0xffff

static bool matches(const struct process *self, const struct process *c, const struct wait_request *r)
{
	switch (r->which) {
	case WAIT_PID:
		if (c->pid != r->id)
			return false;
		break;
	case WAIT_PGID:
		if (c->pgid != (r->id == 0 ? self->pgid : r->id))
			return false;
		break;
	case WAIT_ANY:
		break;
	}
	/* A "clone" child (not signalling SIGCHLD) is waited for only with __WCLONE or __WALL. */
	bool clone_child = c->exit_signal != SIGCHLD;
	if (r->options & WALL_FLAG)
		return true;
	return clone_child == ((r->options & WCLONE_FLAG) != 0);
}

/* Fills the result from child c; returns true if c has something to report. Tree lock held. */
static bool collect(struct process *self, struct process *c, const struct wait_request *r, struct wait_result *out)
{
	if (c->state == PROCESS_ZOMBIE && (r->options & WEXITED_FLAG)) {
		out->pid = c->pid;
		out->status = c->exit_code;
		proc_cpu_times(c, &out->user_ns, &out->system_ns);
		out->user_ns += c->child_user_ns;
		out->system_ns += c->child_system_ns;
		out->max_rss_pages = c->max_rss_pages;
		if ((c->exit_code & 0x7f) == 0) {
			out->code = CLD_EXITED;
			out->si_status = (c->exit_code >> 8) & 0xff;
		} else {
			out->code = (c->exit_code & 0x80) ? CLD_DUMPED : CLD_KILLED;
			out->si_status = c->exit_code & 0x7f;
		}
		if (!(r->options & WNOWAIT_FLAG)) {
			self->child_user_ns += out->user_ns;
			self->child_system_ns += out->system_ns;
			proc_reap_locked(c);
		}
		return true;
	}
	if (c->state == PROCESS_ALIVE && c->stopped && c->report_stop && (r->options & WSTOPPED_FLAG)) {
		out->pid = c->pid;
		out->status = (c->stop_signal << 8) | WAIT_STATUS_STOPPED;
		out->code = CLD_STOPPED;
		out->si_status = c->stop_signal;
		if (!(r->options & WNOWAIT_FLAG))
			c->report_stop = false;
		return true;
	}
	if (c->state == PROCESS_ALIVE && c->report_continue && (r->options & WCONTINUED_FLAG)) {
		out->pid = c->pid;
		out->status = WAIT_STATUS_CONTINUED;
		out->code = CLD_CONTINUED;
		out->si_status = SIGCONT;
		if (!(r->options & WNOWAIT_FLAG))
			c->report_continue = false;
		return true;
	}
	return false;
}

long proc_wait(const struct wait_request *r, struct wait_result *out)
{
	struct process *self = current_process();
	struct waiter w;
	long result;

	out->pid = 0;
	waiter_add(&self->child_wait, &w);
	for (;;) {
		sched_prepare_block();
		uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
		bool any = false, found = false;
		for (struct list_node *n = self->children.next; n != &self->children; n = n->next) {
			struct process *c = list_entry(n, struct process, sibling);
			if (!matches(self, c, r))
				continue;
			any = true;
			if (collect(self, c, r, out)) {
				found = true;
				break;
			}
		}
		spin_unlock_irqrestore(&proc_tree_lock, flags);
		if (found) {
			result = out->pid;
			break;
		}
		if (!any) {
			result = -ECHILD;
			break;
		}
		if (r->options & WNOHANG_FLAG) {
			result = 0;
			break;
		}
		if (signal_pending_current()) {
			result = -ERESTARTSYS;
			break;
		}
		schedule();
	}
	sched_cancel_block();
	waiter_remove(&w);
	return result;
}
