#include "proc/signal.h"

#include "asm/sigframe.h"
#include "asm/trap.h"
#include "asm/trap_offsets.h"
#include "core/log.h"
#include "core/panic.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "proc/process.h"
#include "sched/sched.h"

/* Signals whose default action dumps core (reported to the parent with the core flag). */
#define CORE_SIGNALS                                                                                       \
	(SIG_BIT(SIGQUIT) | SIG_BIT(SIGILL) | SIG_BIT(SIGTRAP) | SIG_BIT(SIGABRT) | SIG_BIT(SIGBUS) |      \
	 SIG_BIT(SIGFPE) | SIG_BIT(SIGSEGV) | SIG_BIT(SIGXCPU) | SIG_BIT(SIGXFSZ) | SIG_BIT(SIGSYS))
#define IGNORE_SIGNALS (SIG_BIT(SIGCHLD) | SIG_BIT(SIGURG) | SIG_BIT(SIGWINCH))
#define STOP_SIGNALS (SIG_BIT(SIGSTOP) | SIG_BIT(SIGTSTP) | SIG_BIT(SIGTTIN) | SIG_BIT(SIGTTOU))
/* Faults the CPU raised: delivered first, and reported on the console when they kill. */
#define SYNC_SIGNALS (SIG_BIT(SIGSEGV) | SIG_BIT(SIGBUS) | SIG_BIT(SIGILL) | SIG_BIT(SIGFPE) | SIG_BIT(SIGTRAP))

struct queued_signal {
	struct list_node link;
	struct siginfo info;
};

enum sig_default signal_default_action(int sig)
{
	uint64_t bit = SIG_BIT(sig);

	if (sig == SIGCONT)
		return SIG_DEFAULT_CONT;
	if (bit & STOP_SIGNALS)
		return SIG_DEFAULT_STOP;
	if (bit & IGNORE_SIGNALS)
		return SIG_DEFAULT_IGNORE;
	if (bit & CORE_SIGNALS)
		return SIG_DEFAULT_CORE;
	return SIG_DEFAULT_TERM;
}

/* ---------------------------------------------------------------- handler tables */

struct sighand *sighand_create(void)
{
	struct sighand *sh = kzalloc(sizeof(*sh));

	if (sh == NULL)
		return NULL;
	sh->refs = 1;
	spin_init(&sh->lock, "sighand");
	return sh;
}

struct sighand *sighand_copy(const struct sighand *src)
{
	struct sighand *sh = sighand_create();

	if (sh != NULL)
		memcpy(sh->action, src->action, sizeof(sh->action));
	return sh;
}

void sighand_put(struct sighand *sh)
{
	if (sh != NULL && __atomic_sub_fetch(&sh->refs, 1, __ATOMIC_ACQ_REL) == 0)
		kfree(sh);
}

void sighand_reset_for_exec(struct sighand *sh)
{
	uint64_t flags = spin_lock_irqsave(&sh->lock);
	for (int i = 0; i < NSIG; i++) {
		struct k_sigaction *a = &sh->action[i];
		uint64_t handler = a->handler == SIG_IGN ? SIG_IGN : SIG_DFL;
		memset(a, 0, sizeof(*a));
		a->handler = handler;
	}
	spin_unlock_irqrestore(&sh->lock, flags);
}

static struct k_sigaction action_of(struct process *p, int sig)
{
	struct k_sigaction a;
	uint64_t flags = spin_lock_irqsave(&p->sighand->lock);
	a = p->sighand->action[sig - 1];
	spin_unlock_irqrestore(&p->sighand->lock, flags);
	return a;
}

bool signal_ignored(struct process *p, int sig)
{
	struct k_sigaction a = action_of(p, sig);

	if (a.handler == SIG_IGN)
		return true;
	return a.handler == SIG_DFL && signal_default_action(sig) == SIG_DEFAULT_IGNORE;
}

/* ---------------------------------------------------------------- sending */

static void wake_for_signal(struct thread *t)
{
	/* Blocked: wake it. Running on another CPU: interrupt it so it sees the signal now. */
	if (!sched_wakeup(t, WAKE_SIGNAL))
		sched_kick_thread(t);
}

/* Wakes every thread of p so each notices a group event (exit, stop) on its way out of the kernel. */
static void wake_all_threads(struct process *p)
{
	for (struct list_node *n = p->threads.next; n != &p->threads; n = n->next) {
		struct thread *t = list_entry(n, struct thread, proc_link);
		wake_for_signal(t);
		sched_continue(t);
	}
}

/* Queues info on list unless a non-realtime instance is already pending (those do not queue). */
static void enqueue_info(struct list_node *queue, uint64_t *pending, int sig, const struct siginfo *info)
{
	if ((*pending & SIG_BIT(sig)) && sig < SIGRTMIN)
		return;
	struct queued_signal *q = kmalloc(sizeof(*q));
	if (q != NULL) {
		if (info != NULL) {
			q->info = *info;
		} else {
			memset(&q->info, 0, sizeof(q->info));
			q->info.code = SI_KERNEL;
		}
		q->info.signo = sig;
		list_push_back(queue, &q->link);
	}
	*pending |= SIG_BIT(sig);
}

static void drop_queued(struct list_node *queue, uint64_t *pending, uint64_t mask)
{
	for (struct list_node *n = queue->next; n != queue;) {
		struct queued_signal *q = list_entry(n, struct queued_signal, link);
		n = n->next;
		if (mask & SIG_BIT(q->info.signo)) {
			list_remove(&q->link);
			kfree(q);
		}
	}
	*pending &= ~mask;
}

void signal_flush(struct process *p, uint64_t mask)
{
	drop_queued(&p->sig_queue, &p->sig_pending, mask);
	for (struct list_node *n = p->threads.next; n != &p->threads; n = n->next) {
		struct thread *t = list_entry(n, struct thread, proc_link);
		drop_queued(&t->sig_queue, &t->sig_pending, mask);
	}
}

/* Stop and continue act when sent, not when delivered (POSIX). Caller holds tree lock and p->lock. */
static void job_control_on_send(struct process *p, int sig)
{
	if (sig == SIGCONT || sig == SIGKILL) {
		signal_flush(p, STOP_SIGNALS);
		if (p->stopped) {
			p->stopped = false;
			p->report_stop = false;
			if (sig == SIGCONT)
				p->report_continue = true;
			wake_all_threads(p);
			if (p->parent != NULL) {
				wake_up_all(&p->parent->child_wait);
				if (sig == SIGCONT) {
					struct k_sigaction a = action_of(p->parent, SIGCHLD);
					if (!(a.flags & SA_NOCLDSTOP)) {
						struct siginfo info = {0};
						info.code = CLD_CONTINUED;
						info.child.pid = p->pid;
						info.child.status = SIGCONT;
						enqueue_info(&p->parent->sig_queue, &p->parent->sig_pending, SIGCHLD, &info);
					}
				}
			}
		}
	} else if (SIG_BIT(sig) & STOP_SIGNALS) {
		signal_flush(p, SIG_BIT(SIGCONT));
	}
}

/* Picks a thread of p to handle a process-directed signal: one that does not block it. */
static struct thread *pick_thread(struct process *p, int sig)
{
	for (struct list_node *n = p->threads.next; n != &p->threads; n = n->next) {
		struct thread *t = list_entry(n, struct thread, proc_link);
		if (!(t->sig_blocked & SIG_BIT(sig)))
			return t;
	}
	return NULL;
}

/* Caller holds proc_tree_lock. */
static int send_locked(struct process *p, struct thread *target, int sig, const struct siginfo *info)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (sig == 0 || p->state != PROCESS_ALIVE || p->nthreads == 0)
		return 0; /* signal 0 only checks; a zombie takes signals and ignores them */
	uint64_t flags = spin_lock_irqsave(&p->lock);
	job_control_on_send(p, sig);
	/* An ignored signal is dropped at once (except that it may still wake a stopped process above). */
	if (signal_ignored(p, sig) && !(target != NULL && (target->sig_blocked & SIG_BIT(sig)))) {
		spin_unlock_irqrestore(&p->lock, flags);
		return 0;
	}
	if (target != NULL) {
		enqueue_info(&target->sig_queue, &target->sig_pending, sig, info);
	} else {
		enqueue_info(&p->sig_queue, &p->sig_pending, sig, info);
		target = pick_thread(p, sig);
	}
	/* A fatal signal nobody handles ends the whole process at once (Linux's fatal-signal shortcut). */
	struct k_sigaction a = action_of(p, sig);
	bool fatal = sig == SIGKILL ||
		     (a.handler == SIG_DFL &&
		      (signal_default_action(sig) == SIG_DEFAULT_TERM || signal_default_action(sig) == SIG_DEFAULT_CORE) &&
		      target != NULL && !(target->sig_blocked & SIG_BIT(sig)) && !(SIG_BIT(sig) & SYNC_SIGNALS));
	if (fatal && !p->group_exit) {
		p->group_exit = true;
		p->exit_code = sig;
		wake_all_threads(p);
	} else if (target != NULL) {
		wake_for_signal(target);
	}
	spin_unlock_irqrestore(&p->lock, flags);
	return 0;
}

static int send(struct process *p, struct thread *target, int sig, const struct siginfo *info)
{
	uint64_t tree = spin_lock_irqsave(&proc_tree_lock);
	int r = send_locked(p, target, sig, info);
	spin_unlock_irqrestore(&proc_tree_lock, tree);
	return r;
}

struct siginfo signal_info_from_current(int sig)
{
	struct siginfo info;
	struct process *p = current_process();

	memset(&info, 0, sizeof(info));
	info.signo = sig;
	info.code = SI_USER;
	info.kill.pid = p->pid;
	info.kill.uid = p->uid;
	return info;
}

int signal_send_thread(struct thread *t, int sig, const struct siginfo *info)
{
	return send(t->proc, t, sig, info);
}

int signal_send_process(struct process *p, int sig, const struct siginfo *info)
{
	return send(p, NULL, sig, info);
}

int signal_send_thread_locked(struct thread *t, int sig, const struct siginfo *info)
{
	return send_locked(t->proc, t, sig, info);
}

int signal_send_process_locked(struct process *p, int sig, const struct siginfo *info)
{
	return send_locked(p, NULL, sig, info);
}

int signal_send_group_locked(int pgid, int sig, const struct siginfo *info)
{
	int found = 0, err = 0;

	for (struct list_node *n = proc_all.next; n != &proc_all; n = n->next) {
		struct process *p = list_entry(n, struct process, all_link);
		if (p->pgid != pgid || p->state != PROCESS_ALIVE || p->pid == 1)
			continue;
		found++;
		int r = send_locked(p, NULL, sig, info);
		if (r != 0)
			err = r;
	}
	return found == 0 ? -ESRCH : err;
}

void signal_fault(int sig, int code, uint64_t addr)
{
	struct thread *t = current_thread();
	struct siginfo info = {0};

	info.code = code;
	info.fault.addr = addr;
	/* A fault signal that is blocked or ignored cannot be delivered: it kills (Linux force_sig). */
	struct process *p = t->proc;
	uint64_t flags = spin_lock_irqsave(&p->sighand->lock);
	struct k_sigaction *a = &p->sighand->action[sig - 1];
	if ((t->sig_blocked & SIG_BIT(sig)) || a->handler == SIG_IGN) {
		t->sig_blocked &= ~SIG_BIT(sig);
		a->handler = SIG_DFL;
	}
	spin_unlock_irqrestore(&p->sighand->lock, flags);
	send(p, t, sig, &info);
}

/* ---------------------------------------------------------------- receiving */

static uint64_t deliverable(struct thread *t)
{
	return (t->sig_pending | t->proc->sig_pending) & ~t->sig_blocked;
}

bool signal_pending_current(void)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;

	if (p == NULL)
		return false;
	return p->group_exit || p->stopped || t->exit_pending || deliverable(t) != 0;
}

/* Takes the lowest signal of mask that is pending (faults first) with its info. Caller holds p->lock. */
static int dequeue_mask(struct thread *t, uint64_t mask, struct siginfo *info)
{
	uint64_t set = (t->sig_pending | t->proc->sig_pending) & mask;

	if (set == 0)
		return 0;
	uint64_t sync = set & SYNC_SIGNALS;
	int sig = __builtin_ctzll(sync != 0 ? sync : set) + 1;
	struct list_node *queue = (t->sig_pending & SIG_BIT(sig)) ? &t->sig_queue : &t->proc->sig_queue;
	uint64_t *pending = (t->sig_pending & SIG_BIT(sig)) ? &t->sig_pending : &t->proc->sig_pending;
	bool more = false;
	bool found = false;
	memset(info, 0, sizeof(*info));
	info->signo = sig;
	info->code = SI_KERNEL;
	for (struct list_node *n = queue->next; n != queue;) {
		struct queued_signal *q = list_entry(n, struct queued_signal, link);
		n = n->next;
		if (q->info.signo != sig)
			continue;
		if (found) {
			more = true;
			break;
		}
		*info = q->info;
		list_remove(&q->link);
		kfree(q);
		found = true;
	}
	if (!more)
		*pending &= ~SIG_BIT(sig);
	return sig;
}

static int dequeue(struct thread *t, struct siginfo *info)
{
	return dequeue_mask(t, ~t->sig_blocked, info);
}

int signal_take(struct thread *t, uint64_t mask, struct siginfo *info)
{
	uint64_t flags = spin_lock_irqsave(&t->proc->lock);
	int sig = dequeue_mask(t, mask, info);
	spin_unlock_irqrestore(&t->proc->lock, flags);
	return sig;
}

void signal_thread_cleanup(struct thread *t)
{
	drop_queued(&t->sig_queue, &t->sig_pending, ~0ull);
}

/* Puts the whole process into the stopped state and tells the parent. Caller holds nothing. */
static void group_stop(struct process *p, int sig)
{
	uint64_t tree = spin_lock_irqsave(&proc_tree_lock);
	if (!p->stopped && !p->group_exit) {
		p->stopped = true;
		p->stop_signal = sig;
		p->report_stop = true;
		p->report_continue = false;
		wake_all_threads(p);
		struct process *parent = p->parent;
		if (parent != NULL) {
			wake_up_all(&parent->child_wait);
			struct k_sigaction a = action_of(parent, SIGCHLD);
			if (!(a.flags & SA_NOCLDSTOP) && a.handler != SIG_IGN) {
				spin_lock(&parent->lock);
				struct siginfo info = {0};
				info.signo = SIGCHLD;
				info.code = CLD_STOPPED;
				info.child.pid = p->pid;
				info.child.status = sig;
				enqueue_info(&parent->sig_queue, &parent->sig_pending, SIGCHLD, &info);
				struct thread *t = pick_thread(parent, SIGCHLD);
				if (t != NULL)
					wake_for_signal(t);
				spin_unlock(&parent->lock);
			}
		}
	}
	spin_unlock_irqrestore(&proc_tree_lock, tree);
}

/* Blocks the current thread while its process is stopped. */
static void wait_while_stopped(struct process *p)
{
	struct thread *t = current_thread();

	for (;;) {
		uint64_t tree = spin_lock_irqsave(&proc_tree_lock);
		bool stop = p->stopped && !p->group_exit;
		if (stop) {
			spin_lock(&t->cpu->rq.lock);
			t->state = THREAD_STOPPED;
			spin_unlock(&t->cpu->rq.lock);
		}
		spin_unlock_irqrestore(&proc_tree_lock, tree);
		if (!stop)
			return;
		schedule();
	}
}

const char *signal_name(int sig)
{
	static const char *const names[] = {
		[SIGHUP] = "SIGHUP",   [SIGINT] = "SIGINT",   [SIGQUIT] = "SIGQUIT", [SIGILL] = "SIGILL",
		[SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT", [SIGBUS] = "SIGBUS",   [SIGFPE] = "SIGFPE",
		[SIGKILL] = "SIGKILL", [SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
		[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM", [SIGSYS] = "SIGSYS",
	};
	const char *name = sig > 0 && sig < (int)(sizeof(names) / sizeof(names[0])) ? names[sig] : NULL;
	return name != NULL ? name : "signal";
}

static void report_fatal_fault(struct process *p, const struct siginfo *info, const struct trap_frame *f)
{
	pr_warn("tern: pid %d (%s) killed by %s at rip %#llx, fault address %#llx\n", p->pid, p->name,
		signal_name(info->signo), (unsigned long long)f->rip, (unsigned long long)info->fault.addr);
}

/* What a syscall interrupted by this signal returns, or whether it is restarted. */
static void fix_syscall_return(struct trap_frame *f, const struct k_sigaction *a, bool handler)
{
	struct thread *t = current_thread();

	if (f->vector != SYSCALL_VECTOR)
		return;
	long ret = (long)f->rax;
	bool restart = false;
	switch (ret) {
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		restart = !handler;
		break;
	case -ERESTARTSYS:
		restart = !handler || (a->flags & SA_RESTART);
		break;
	case -ERESTARTNOINTR:
		restart = true;
		break;
	default:
		return;
	}
	if (restart) {
		f->rax = ret == -ERESTART_RESTARTBLOCK ? SYSCALL_RESTART_NUMBER : arch_thread_syscall_nr(t);
		f->rip -= SYSCALL_INSN_SIZE;
	} else {
		f->rax = (uint64_t)-EINTR;
	}
}

void signal_deliver(struct trap_frame *f)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;

	for (;;) {
		if (t->exit_pending)
			proc_exit_thread(0);
		if (p->group_exit)
			proc_exit_thread(p->exit_code);
		if (p->stopped) {
			wait_while_stopped(p);
			continue;
		}
		struct siginfo info;
		uint64_t flags = spin_lock_irqsave(&p->lock);
		int sig = dequeue(t, &info);
		spin_unlock_irqrestore(&p->lock, flags);
		if (sig == 0)
			break;
		struct k_sigaction a = action_of(p, sig);
		if (a.handler == SIG_IGN)
			continue;
		if (a.handler == SIG_DFL) {
			switch (signal_default_action(sig)) {
			case SIG_DEFAULT_IGNORE:
			case SIG_DEFAULT_CONT:
				continue;
			case SIG_DEFAULT_STOP:
				/* Orphaned process groups ignore terminal stops (POSIX); not modelled yet. */
				group_stop(p, sig);
				continue;
			case SIG_DEFAULT_CORE:
			case SIG_DEFAULT_TERM:
				if (SIG_BIT(sig) & SYNC_SIGNALS)
					report_fatal_fault(p, &info, f);
				/* Tern writes no core files, so the status never has the core flag (as Linux
				 * with RLIMIT_CORE 0). */
				proc_exit_group(sig);
			}
		}
		/* A handler: build its frame on the user stack, saving the mask to restore on return. */
		fix_syscall_return(f, &a, true);
		uint64_t old_mask = t->sig_restore_mask ? t->sig_saved_mask : t->sig_blocked;
		t->sig_restore_mask = false;
		if (!sigframe_setup(f, sig, &info, &a, old_mask)) {
			/* The stack is unusable: Linux kills with SIGSEGV. */
			pr_warn("tern: pid %d (%s): cannot push a signal frame; killed\n", p->pid, p->name);
			proc_exit_group(SIGSEGV);
		}
		flags = spin_lock_irqsave(&p->sighand->lock);
		if (a.flags & SA_RESETHAND)
			p->sighand->action[sig - 1].handler = SIG_DFL;
		spin_unlock_irqrestore(&p->sighand->lock, flags);
		t->sig_blocked |= a.mask & ~SIG_UNBLOCKABLE;
		if (!(a.flags & SA_NODEFER))
			t->sig_blocked |= SIG_BIT(sig) & ~SIG_UNBLOCKABLE;
		return;
	}
	/* No handler ran: a syscall interrupted for nothing restarts. */
	struct k_sigaction none = {0};
	fix_syscall_return(f, &none, false);
	if (t->sig_restore_mask) {
		t->sig_restore_mask = false;
		t->sig_blocked = t->sig_saved_mask;
	}
}
