/* Signal system calls. */
#include "asm/sigframe.h"
#include "asm/trap.h"
#include "core/clock.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "linux/time.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "sched/sched.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define SIGSET_SIZE 8

static bool valid_signal(int sig)
{
	return sig >= 1 && sig <= NSIG;
}

SYSCALL(rt_sigaction)
{
	int sig = (int)ARG(0);
	struct process *p = current_process();
	struct k_sigaction act, old;

	if (ARG(3) != SIGSET_SIZE)
		return -EINVAL;
	if (!valid_signal(sig))
		return -EINVAL;
	if (ARG(1) != 0) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		if (copy_from_user(&act, ARG(1), sizeof(act)) != 0)
			return -EFAULT;
		act.mask &= ~SIG_UNBLOCKABLE;
	}
	uint64_t flags = spin_lock_irqsave(&p->sighand->lock);
	old = p->sighand->action[sig - 1];
	if (ARG(1) != 0)
		p->sighand->action[sig - 1] = act;
	spin_unlock_irqrestore(&p->sighand->lock, flags);
	/* Setting a signal to be ignored discards its pending instances (POSIX). */
	if (ARG(1) != 0 && signal_ignored(p, sig)) {
		flags = spin_lock_irqsave(&proc_tree_lock);
		spin_lock(&p->lock);
		signal_flush(p, SIG_BIT(sig));
		spin_unlock(&p->lock);
		spin_unlock_irqrestore(&proc_tree_lock, flags);
	}
	if (ARG(2) != 0 && copy_to_user(ARG(2), &old, sizeof(old)) != 0)
		return -EFAULT;
	return 0;
}

SYSCALL(rt_sigprocmask)
{
	struct thread *t = current_thread();
	uint64_t set = 0, old = t->sig_blocked;

	if (ARG(3) != SIGSET_SIZE)
		return -EINVAL;
	if (ARG(1) != 0) {
		if (copy_from_user(&set, ARG(1), sizeof(set)) != 0)
			return -EFAULT;
		switch (ARG(0)) {
		case SIG_BLOCK:
			t->sig_blocked |= set;
			break;
		case SIG_UNBLOCK:
			t->sig_blocked &= ~set;
			break;
		case SIG_SETMASK:
			t->sig_blocked = set;
			break;
		default:
			return -EINVAL;
		}
		t->sig_blocked &= ~SIG_UNBLOCKABLE;
	}
	if (ARG(2) != 0 && copy_to_user(ARG(2), &old, sizeof(old)) != 0)
		return -EFAULT;
	return 0;
}

SYSCALL(rt_sigreturn)
{
	return sigframe_return(args->frame);
}

SYSCALL(rt_sigpending)
{
	struct thread *t = current_thread();
	if (ARG(1) > SIGSET_SIZE)
		return -EINVAL;
	uint64_t pending = (t->sig_pending | t->proc->sig_pending) & t->sig_blocked;
	return copy_to_user(ARG(0), &pending, ARG(1));
}

/* Sleeps with a temporary mask until a signal is delivered; returns -EINTR via the frame. */
static long suspend_with_mask(uint64_t mask)
{
	struct thread *t = current_thread();

	t->sig_saved_mask = t->sig_blocked;
	t->sig_restore_mask = true;
	t->sig_blocked = mask & ~SIG_UNBLOCKABLE;
	for (;;) {
		sched_prepare_block();
		if (signal_pending_current())
			break;
		schedule();
	}
	sched_cancel_block();
	return -ERESTARTNOHAND;
}

SYSCALL(rt_sigsuspend)
{
	uint64_t mask;

	if (ARG(1) != SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(&mask, ARG(0), sizeof(mask)) != 0)
		return -EFAULT;
	return suspend_with_mask(mask);
}

SYSCALL(pause)
{
	(void)args;
	for (;;) {
		sched_prepare_block();
		if (signal_pending_current())
			break;
		schedule();
	}
	sched_cancel_block();
	return -ERESTARTNOHAND;
}

SYSCALL(sigaltstack)
{
	struct thread *t = current_thread();
	struct user_stack old = {t->altstack_sp, 0, 0, t->altstack_size};
	bool on = on_alt_stack(args->frame->rsp);

	/* Reported flags: the state, plus the flag bits it was set with (SS_AUTODISARM). */
	old.flags = (t->altstack_size == 0 ? SS_DISABLE : on ? SS_ONSTACK : 0) |
		    (t->altstack_flags & (int32_t)SS_AUTODISARM);
	if (ARG(0) != 0) {
		struct user_stack ss;
		if (copy_from_user(&ss, ARG(0), sizeof(ss)) != 0)
			return -EFAULT;
		if (on)
			return -EPERM;
		int mode = ss.flags & ~(int32_t)SS_AUTODISARM;
		if (mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK)
			return -EINVAL;
		/* Nothing to change: success before any size check (Linux). */
		if (ss.sp == t->altstack_sp && ss.size == t->altstack_size && ss.flags == t->altstack_flags)
			goto report;
		if (mode == SS_DISABLE) {
			t->altstack_sp = 0;
			t->altstack_size = 0;
			t->altstack_flags = SS_DISABLE;
		} else {
			if (ss.size < MINSIGSTKSZ)
				return -ENOMEM;
			t->altstack_sp = ss.sp;
			t->altstack_size = ss.size;
			t->altstack_flags = ss.flags;
		}
	}
report:
	if (ARG(1) != 0 && copy_to_user(ARG(1), &old, sizeof(old)) != 0)
		return -EFAULT;
	return 0;
}

static struct siginfo user_info(int sig, int code)
{
	struct siginfo info = signal_info_from_current(sig);

	info.code = code;
	return info;
}

SYSCALL(kill)
{
	int pid = (int)ARG(0), sig = (int)ARG(1);
	struct process *self = current_process();
	struct siginfo info = user_info(sig, SI_USER);
	long r = 0;

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	if (pid > 0) {
		struct process *p = proc_find(pid);
		r = p != NULL ? signal_send_process_locked(p, sig, &info) : -ESRCH;
	} else if (pid == 0) {
		r = signal_send_group_locked(self->pgid, sig, &info);
	} else if (pid == -1) {
		int found = 0;
		for (struct list_node *n = proc_all.next; n != &proc_all; n = n->next) {
			struct process *p = list_entry(n, struct process, all_link);
			if (p->pid == 1 || p == self || p->state != PROCESS_ALIVE)
				continue;
			found++;
			signal_send_process_locked(p, sig, &info);
		}
		r = found > 0 ? 0 : -ESRCH;
	} else {
		r = signal_send_group_locked(-pid, sig, &info);
	}
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	/* kill(pid, sig) to oneself delivers before returning: go through the exit path now. */
	return r;
}

static long send_to_thread(int tgid, int tid, int sig)
{
	struct siginfo info = user_info(sig, SI_TKILL);

	if (tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	struct thread *t = thread_find(tid);
	long r = -ESRCH;
	/* Sent under the tree lock: the thread cannot exit (and be freed) meanwhile. */
	if (t != NULL && (tgid <= 0 || t->proc->pid == tgid))
		r = sig == 0 ? 0 : signal_send_thread_locked(t, sig, &info);
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return r;
}

SYSCALL(tkill)
{
	return send_to_thread(-1, (int)ARG(0), (int)ARG(1));
}

SYSCALL(tgkill)
{
	if ((int)ARG(0) <= 0)
		return -EINVAL;
	return send_to_thread((int)ARG(0), (int)ARG(1), (int)ARG(2));
}

SYSCALL(rt_sigqueueinfo)
{
	struct siginfo info;
	int pid = (int)ARG(0), sig = (int)ARG(1);

	if (copy_from_user(&info, ARG(2), sizeof(info)) != 0)
		return -EFAULT;
	if (!valid_signal(sig))
		return -EINVAL;
	/* Programs may not forge kernel-generated signals. */
	if (info.code >= 0 || info.code == SI_TKILL)
		return -EPERM;
	info.signo = sig;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = proc_find(pid);
	long r = p != NULL ? signal_send_process_locked(p, sig, &info) : -ESRCH;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return r;
}

SYSCALL(rt_sigtimedwait)
{
	uint64_t set;
	struct thread *t = current_thread();
	struct process *p = t->proc;
	uint64_t deadline = 0;

	if (ARG(3) != SIGSET_SIZE)
		return -EINVAL;
	if (copy_from_user(&set, ARG(0), sizeof(set)) != 0)
		return -EFAULT;
	set &= ~SIG_UNBLOCKABLE;
	if (ARG(2) != 0) {
		struct linux_timespec ts;
		if (copy_from_user(&ts, ARG(2), sizeof(ts)) != 0)
			return -EFAULT;
		if (!timespec_valid(&ts))
			return -EINVAL;
		deadline = clock_monotonic_ns() + timespec_to_ns(&ts);
	}
	for (;;) {
		sched_prepare_block();
		struct siginfo info;
		int sig = signal_take(t, set, &info);
		if (sig != 0) {
			sched_cancel_block();
			if (ARG(1) != 0 && copy_to_user(ARG(1), &info, sizeof(info)) != 0)
				return -EFAULT;
			return sig;
		}
		if (p->group_exit || t->exit_pending || ((t->sig_pending | p->sig_pending) & ~t->sig_blocked & ~set)) {
			sched_cancel_block();
			return -EINTR;
		}
		if (ARG(2) != 0 && clock_monotonic_ns() >= deadline) {
			sched_cancel_block();
			return -EAGAIN;
		}
		if (ARG(2) != 0)
			schedule_until(deadline);
		else
			schedule();
	}
}
