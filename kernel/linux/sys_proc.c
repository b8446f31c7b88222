/* Process, thread and identity system calls. */
#include "asm/cpu.h"
#include "asm/sigframe.h"
#include "asm/thread.h"
#include "asm/trap.h"
#include "core/clock.h"
#include "fd/file.h"
#include "lib/errno.h"
#include "linux/abi.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "mm/usercopy.h"
#include "mm/vmspace.h"
#include "proc/clone.h"
#include "proc/exec.h"
#include "proc/futex.h"
#include "proc/process.h"
#include "proc/wait.h"
#include "sched/sched.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_GET_DUMPABLE 3
#define PR_SET_DUMPABLE 4
#define PR_SET_NAME 15
#define PR_GET_NAME 16
#define PR_SET_NO_NEW_PRIVS 38
#define PR_GET_NO_NEW_PRIVS 39
#define PR_SET_CHILD_SUBREAPER 36
#define PR_GET_CHILD_SUBREAPER 37
#define P_ALL 0
#define P_PID 1
#define P_PGID 2
#define RUSAGE_SELF 0
#define RUSAGE_CHILDREN (-1)
#define RUSAGE_THREAD 1
#define CLOCK_TICKS_PER_SEC 100

SYSCALL(getpid) { (void)args; return current_process()->pid; }
SYSCALL(gettid) { (void)args; return current_thread()->tid; }

SYSCALL(getppid)
{
	(void)args;
	struct process *p = current_process();
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	int ppid = p->parent != NULL ? p->parent->pid : 0;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return ppid;
}

SYSCALL(getuid) { (void)args; return current_process()->uid; }
SYSCALL(geteuid) { (void)args; return current_process()->euid; }
SYSCALL(getgid) { (void)args; return current_process()->gid; }
SYSCALL(getegid) { (void)args; return current_process()->egid; }

static long put_three(uint64_t a, uint64_t b, uint64_t c, uint32_t x, uint32_t y, uint32_t z)
{
	if (put_user(a, x) != 0 || put_user(b, y) != 0 || put_user(c, z) != 0)
		return -EFAULT;
	return 0;
}

SYSCALL(getresuid)
{
	struct process *p = current_process();
	return put_three(ARG(0), ARG(1), ARG(2), p->uid, p->euid, p->suid);
}

SYSCALL(getresgid)
{
	struct process *p = current_process();
	return put_three(ARG(0), ARG(1), ARG(2), p->gid, p->egid, p->sgid);
}

/* Root may become anyone; others only switch among their own ids (setresuid semantics). */
static long set_ids(uint32_t *real, uint32_t *eff, uint32_t *saved, int64_t r, int64_t e, int64_t s)
{
	bool privileged = current_process()->euid == 0;
	uint32_t ids[3] = {*real, *eff, *saved};
	int64_t want[3] = {r, e, s};

	for (int i = 0; i < 3; i++) {
		if (want[i] == -1 || (uint32_t)want[i] == 0xffffffffu)
			continue;
		if (!privileged && want[i] != ids[0] && want[i] != ids[1] && want[i] != ids[2])
			return -EPERM;
	}
	if (r != -1 && (uint32_t)r != 0xffffffffu)
		*real = (uint32_t)r;
	if (e != -1 && (uint32_t)e != 0xffffffffu)
		*eff = (uint32_t)e;
	if (s != -1 && (uint32_t)s != 0xffffffffu)
		*saved = (uint32_t)s;
	return 0;
}

SYSCALL(setresuid)
{
	struct process *p = current_process();
	return set_ids(&p->uid, &p->euid, &p->suid, (int32_t)ARG(0), (int32_t)ARG(1), (int32_t)ARG(2));
}

SYSCALL(setresgid)
{
	struct process *p = current_process();
	return set_ids(&p->gid, &p->egid, &p->sgid, (int32_t)ARG(0), (int32_t)ARG(1), (int32_t)ARG(2));
}

SYSCALL(setuid)
{
	struct process *p = current_process();
	int32_t id = (int32_t)ARG(0);
	if (p->euid == 0)
		return set_ids(&p->uid, &p->euid, &p->suid, id, id, id);
	return set_ids(&p->uid, &p->euid, &p->suid, -1, id, -1);
}

SYSCALL(setgid)
{
	struct process *p = current_process();
	int32_t id = (int32_t)ARG(0);
	if (p->euid == 0)
		return set_ids(&p->gid, &p->egid, &p->sgid, id, id, id);
	return set_ids(&p->gid, &p->egid, &p->sgid, -1, id, -1);
}

SYSCALL(setreuid)
{
	struct process *p = current_process();
	return set_ids(&p->uid, &p->euid, &p->suid, (int32_t)ARG(0), (int32_t)ARG(1), -1);
}

SYSCALL(setregid)
{
	struct process *p = current_process();
	return set_ids(&p->gid, &p->egid, &p->sgid, (int32_t)ARG(0), (int32_t)ARG(1), -1);
}

SYSCALL(getgroups)
{
	(void)args;
	return 0; /* no supplementary groups */
}

SYSCALL(setgroups)
{
	if (current_process()->euid != 0)
		return -EPERM;
	return ARG(0) == 0 ? 0 : -EINVAL;
}

/* ---------------------------------------------------------------- groups and sessions */

SYSCALL(getpgid)
{
	int pid = (int)ARG(0);
	struct process *self = current_process();
	if (pid == 0)
		return self->pgid;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = proc_find(pid);
	long r = p != NULL ? p->pgid : -ESRCH;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return r;
}

SYSCALL(getpgrp)
{
	(void)args;
	return current_process()->pgid;
}

SYSCALL(getsid)
{
	int pid = (int)ARG(0);
	if (pid == 0)
		return current_process()->sid;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = proc_find(pid);
	long r = p != NULL ? p->sid : -ESRCH;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return r;
}

SYSCALL(setpgid)
{
	int pid = (int)ARG(0), pgid = (int)ARG(1);
	struct process *self = current_process();
	long r = 0;

	if (pgid < 0)
		return -EINVAL;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = pid == 0 ? self : proc_find(pid);
	if (p == NULL || (p != self && p->parent != self)) {
		r = -ESRCH;
	} else if (p != self && p->did_exec) {
		r = -EACCES;
	} else if (p->sid == p->pid) {
		r = -EPERM; /* a session leader cannot move */
	} else if (p->sid != self->sid) {
		r = -EPERM;
	} else {
		if (pgid == 0)
			pgid = p->pid;
		bool exists = pgid == p->pid;
		for (struct list_node *n = proc_all.next; !exists && n != &proc_all; n = n->next) {
			struct process *q = list_entry(n, struct process, all_link);
			if (q->pgid == pgid && q->sid == self->sid && q->state == PROCESS_ALIVE)
				exists = true;
		}
		if (!exists)
			r = -EPERM;
		else
			p->pgid = pgid;
	}
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return r;
}

SYSCALL(setsid)
{
	(void)args;
	struct process *self = current_process();
	long r;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	bool group_in_use = false;
	for (struct list_node *n = proc_all.next; n != &proc_all; n = n->next) {
		struct process *q = list_entry(n, struct process, all_link);
		if (q->pgid == self->pid && q != self)
			group_in_use = true;
	}
	if (self->pgid == self->pid || group_in_use) {
		r = -EPERM;
	} else {
		self->sid = self->pgid = self->pid;
		r = self->pid;
	}
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return r;
}

/* ---------------------------------------------------------------- creation and exit */

SYSCALL(fork)
{
	return proc_clone(args->frame, SIGCHLD, 0, 0, 0, 0);
}

SYSCALL(vfork)
{
	return proc_clone(args->frame, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
}

/* x86-64 argument order: flags, stack, parent_tid, child_tid, tls. */
SYSCALL(clone)
{
	return proc_clone(args->frame, ARG(0), ARG(1), ARG(2), ARG(3), ARG(4));
}

SYSCALL(execve)
{
	char path[PATH_MAX];
	long len = strncpy_from_user(path, ARG(0), sizeof(path));
	if (len < 0)
		return len;
	return sys_execve_common(path, ARG(1), ARG(2));
}

SYSCALL(execveat)
{
	char *path = kmalloc(PATH_MAX);
	if (path == NULL)
		return -ENOMEM;
	long err = exec_path_at((int)ARG(0), ARG(1), (unsigned)ARG(4), path, PATH_MAX);
	if (err == 0)
		err = sys_execve_common(path, ARG(2), ARG(3));
	kfree(path);
	return err;
}

SYSCALL(exit)
{
	proc_exit_thread(wait_status_exit((int)ARG(0)));
}

SYSCALL(exit_group)
{
	proc_exit_group(wait_status_exit((int)ARG(0)));
}

struct linux_rusage {
	struct linux_timeval utime, stime;
	int64_t maxrss, ixrss, idrss, isrss, minflt, majflt, nswap, inblock, oublock, msgsnd, msgrcv, nsignals, nvcsw,
		nivcsw;
};

static struct linux_timeval ns_to_timeval(uint64_t ns)
{
	struct linux_timeval tv = {(int64_t)(ns / NSEC_PER_SEC), (int64_t)(ns % NSEC_PER_SEC / NSEC_PER_USEC)};
	return tv;
}

static long put_rusage(uint64_t addr, uint64_t user_ns, uint64_t system_ns, uint64_t rss_pages)
{
	struct linux_rusage ru;

	if (addr == 0)
		return 0;
	memset(&ru, 0, sizeof(ru));
	ru.utime = ns_to_timeval(user_ns);
	ru.stime = ns_to_timeval(system_ns);
	ru.maxrss = (int64_t)(rss_pages * 4);
	return copy_to_user(addr, &ru, sizeof(ru));
}

SYSCALL(wait4)
{
	int pid = (int)ARG(0);
	unsigned options = (unsigned)ARG(2);
	struct wait_request r = {WAIT_ANY, 0, (options & ~(unsigned)WEXITED_FLAG) | WEXITED_FLAG};
	struct wait_result res;

	if (options & ~(unsigned)(WNOHANG_FLAG | WSTOPPED_FLAG | WCONTINUED_FLAG | WALL_FLAG | WCLONE_FLAG |
				  WNOTHREAD_FLAG))
		return -EINVAL;
	if (pid > 0)
		r.which = WAIT_PID, r.id = pid;
	else if (pid == 0)
		r.which = WAIT_PGID, r.id = 0;
	else if (pid < -1)
		r.which = WAIT_PGID, r.id = -pid;
	long got = proc_wait(&r, &res);
	if (got > 0) {
		if (ARG(1) != 0 && put_user(ARG(1), (int32_t)res.status) != 0)
			return -EFAULT;
		if (put_rusage(ARG(3), res.user_ns, res.system_ns, res.max_rss_pages) != 0)
			return -EFAULT;
	}
	return got;
}

SYSCALL(waitid)
{
	int which = (int)ARG(0), id = (int)ARG(1);
	unsigned options = (unsigned)ARG(3);
	struct wait_request r = {WAIT_ANY, 0, options};
	struct wait_result res;

	if (!(options & (WEXITED_FLAG | WSTOPPED_FLAG | WCONTINUED_FLAG)) ||
	    (options & ~(unsigned)(WNOHANG_FLAG | WSTOPPED_FLAG | WEXITED_FLAG | WCONTINUED_FLAG | WNOWAIT_FLAG |
				   WALL_FLAG | WCLONE_FLAG | WNOTHREAD_FLAG)))
		return -EINVAL;
	if (which == P_PID) {
		if (id <= 0)
			return -EINVAL;
		r.which = WAIT_PID, r.id = id;
	} else if (which == P_PGID) {
		if (id < 0)
			return -EINVAL;
		r.which = WAIT_PGID, r.id = id;
	} else if (which != P_ALL) {
		return -EINVAL;
	}
	long got = proc_wait(&r, &res);
	if (got < 0)
		return got;
	if (ARG(2) != 0) {
		struct siginfo info;
		memset(&info, 0, sizeof(info));
		if (got > 0) {
			info.signo = SIGCHLD;
			info.code = res.code;
			info.child.pid = res.pid;
			info.child.status = res.si_status;
			info.child.utime = (int64_t)(res.user_ns / (NSEC_PER_SEC / CLOCK_TICKS_PER_SEC));
			info.child.stime = (int64_t)(res.system_ns / (NSEC_PER_SEC / CLOCK_TICKS_PER_SEC));
		}
		if (copy_to_user(ARG(2), &info, sizeof(info)) != 0)
			return -EFAULT;
	}
	if (put_rusage(ARG(4), res.user_ns, res.system_ns, res.max_rss_pages) != 0)
		return -EFAULT;
	return 0;
}

/* ---------------------------------------------------------------- thread bookkeeping */

SYSCALL(set_tid_address)
{
	current_thread()->clear_child_tid = ARG(0);
	return current_thread()->tid;
}

SYSCALL(set_robust_list)
{
	if (ARG(1) != 3 * sizeof(uint64_t))
		return -EINVAL;
	current_thread()->robust_list = ARG(0);
	return 0;
}

SYSCALL(get_robust_list)
{
	int tid = (int)ARG(0);
	struct thread *t = current_thread();
	if (tid != 0) {
		uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
		t = thread_find(tid);
		uint64_t head = t != NULL ? t->robust_list : 0;
		spin_unlock_irqrestore(&proc_tree_lock, flags);
		if (t == NULL)
			return -ESRCH;
		if (put_user(ARG(1), head) != 0 || put_user(ARG(2), (uint64_t)(3 * sizeof(uint64_t))) != 0)
			return -EFAULT;
		return 0;
	}
	if (put_user(ARG(1), t->robust_list) != 0 || put_user(ARG(2), (uint64_t)(3 * sizeof(uint64_t))) != 0)
		return -EFAULT;
	return 0;
}

SYSCALL(arch_prctl)
{
	struct thread *t = current_thread();

	switch (ARG(0)) {
	case ARCH_SET_FS:
		if (ARG(1) >= USER_TOP)
			return -EPERM;
		t->arch.fs_base = ARG(1);
		arch_set_user_bases(t);
		return 0;
	case ARCH_SET_GS:
		if (ARG(1) >= USER_TOP)
			return -EPERM;
		t->arch.gs_base = ARG(1);
		arch_set_user_bases(t);
		return 0;
	case ARCH_GET_FS:
		return put_user(ARG(1), t->arch.fs_base);
	case ARCH_GET_GS:
		return put_user(ARG(1), t->arch.gs_base);
	default:
		return -EINVAL;
	}
}

SYSCALL(prctl)
{
	struct process *p = current_process();
	char name[PROC_NAME_MAX];

	switch (ARG(0)) {
	case PR_SET_NAME: {
		long n = strncpy_from_user(name, ARG(1), sizeof(name));
		if (n == -EFAULT)
			return -EFAULT;
		name[sizeof(name) - 1] = '\0';
		/* The name is per thread; the process shows its leader's. */
		strlcpy(current_thread()->name, name, sizeof(current_thread()->name));
		if (current_thread() == p->leader)
			strlcpy(p->name, name, sizeof(p->name));
		return 0;
	}
	case PR_GET_NAME:
		memset(name, 0, sizeof(name));
		strlcpy(name, current_thread()->name, sizeof(name));
		return copy_to_user(ARG(1), name, sizeof(name));
	case PR_SET_CHILD_SUBREAPER:
		p->child_subreaper = ARG(1) != 0;
		return 0;
	case PR_GET_CHILD_SUBREAPER:
		return put_user(ARG(1), (int32_t)p->child_subreaper);
	case PR_SET_PDEATHSIG:
		if (ARG(1) > NSIG)
			return -EINVAL;
		return 0;
	case PR_GET_PDEATHSIG:
		return put_user(ARG(1), (int32_t)0);
	case PR_GET_DUMPABLE:
		return 1;
	case PR_SET_DUMPABLE:
		return ARG(1) <= 1 ? 0 : -EINVAL;
	case PR_SET_NO_NEW_PRIVS:
		return ARG(1) == 1 ? 0 : -EINVAL;
	case PR_GET_NO_NEW_PRIVS:
		return 0;
	default:
		return -EINVAL;
	}
}

/* ---------------------------------------------------------------- scheduling */

SYSCALL(sched_yield)
{
	(void)args;
	schedule();
	return 0;
}

/* The thread a scheduling call names: 0 is the caller. Caller holds proc_tree_lock. */
static struct thread *sched_target(int tid)
{
	return tid == 0 ? current_thread() : thread_find(tid);
}

SYSCALL(sched_getaffinity)
{
	size_t len = ARG(1);

	if (len < sizeof(uint64_t) || (len & (sizeof(uint64_t) - 1)) != 0)
		return -EINVAL;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	struct thread *t = sched_target((int)ARG(0));
	uint64_t mask = t != NULL ? t->affinity & sched_online_mask() : 0;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	if (t == NULL)
		return -ESRCH;
	/* Like Linux, only the kernel's mask size (8 bytes for 64 CPUs) is written. */
	if (put_user(ARG(2), mask) != 0)
		return -EFAULT;
	return sizeof(uint64_t);
}

SYSCALL(sched_setaffinity)
{
	uint64_t mask = 0;
	size_t len = ARG(1);

	/* Linux reads what it is given (a mask shorter than 64 bits is zero-extended). */
	if (copy_from_user(&mask, ARG(2), len < sizeof(mask) ? len : sizeof(mask)) != 0)
		return -EFAULT;
	if ((mask & sched_online_mask()) == 0)
		return -EINVAL;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	struct thread *t = sched_target((int)ARG(0));
	if (t == NULL) {
		spin_unlock_irqrestore(&proc_tree_lock, flags);
		return -ESRCH;
	}
	/* The tree lock keeps t from exiting; the run-queue locks nest inside it. */
	int r = sched_set_affinity(t, mask);
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	if (r != 0)
		return -EINVAL;
	/* Moving ourselves: leave this CPU before returning. */
	if (t == current_thread() && !(mask & (1ull << this_cpu()->id)))
		schedule();
	return 0;
}

SYSCALL(getcpu)
{
	if (ARG(0) != 0 && put_user(ARG(0), (uint32_t)this_cpu()->id) != 0)
		return -EFAULT;
	if (ARG(1) != 0 && put_user(ARG(1), (uint32_t)0) != 0)
		return -EFAULT;
	return 0;
}

SYSCALL(sched_getscheduler)
{
	(void)args;
	return 0; /* SCHED_OTHER */
}

SYSCALL(sched_getparam)
{
	return put_user(ARG(1), (int32_t)0);
}

SYSCALL(sched_get_priority_max)
{
	return ARG(0) == 0 ? 0 : 99;
}

SYSCALL(sched_get_priority_min)
{
	return ARG(0) == 0 ? 0 : 1;
}

SYSCALL(getpriority)
{
	(void)args;
	return 20; /* nice 0, in the kernel's 40 - nice encoding */
}

SYSCALL(setpriority)
{
	(void)args;
	return 0;
}

/* ---------------------------------------------------------------- limits and usage */

static long get_limit(struct process *p, unsigned resource, uint64_t addr)
{
	if (resource >= RLIMIT_COUNT)
		return -EINVAL;
	struct rlimit_pair r = p->rlimits[resource];
	return copy_to_user(addr, &r, sizeof(r));
}

static long set_limit(struct process *p, unsigned resource, const struct rlimit_pair *r)
{
	if (resource >= RLIMIT_COUNT || r->cur > r->max)
		return -EINVAL;
	if (r->max > p->rlimits[resource].max && p->euid != 0)
		return -EPERM;
	if (resource == RLIMIT_NOFILE && r->max > FD_HARD_MAX_LIMIT)
		return -EPERM;
	p->rlimits[resource] = *r;
	return 0;
}

SYSCALL(getrlimit)
{
	return get_limit(current_process(), (unsigned)ARG(0), ARG(1));
}

SYSCALL(setrlimit)
{
	struct rlimit_pair r;
	if (copy_from_user(&r, ARG(1), sizeof(r)) != 0)
		return -EFAULT;
	return set_limit(current_process(), (unsigned)ARG(0), &r);
}

SYSCALL(prlimit64)
{
	int pid = (int)ARG(0);
	unsigned resource = (unsigned)ARG(1);
	struct process *p = current_process();
	struct rlimit_pair r, old;

	if (pid != 0 && pid != p->pid) {
		uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
		p = proc_find(pid);
		spin_unlock_irqrestore(&proc_tree_lock, flags);
		if (p == NULL)
			return -ESRCH;
	}
	if (resource >= RLIMIT_COUNT)
		return -EINVAL;
	old = p->rlimits[resource];
	if (ARG(2) != 0) {
		if (copy_from_user(&r, ARG(2), sizeof(r)) != 0)
			return -EFAULT;
		long err = set_limit(p, resource, &r);
		if (err != 0)
			return err;
	}
	if (ARG(3) != 0 && copy_to_user(ARG(3), &old, sizeof(old)) != 0)
		return -EFAULT;
	return 0;
}

SYSCALL(getrusage)
{
	struct process *p = current_process();
	int who = (int)ARG(0);
	uint64_t u, s;

	if (who == RUSAGE_SELF) {
		proc_cpu_times(p, &u, &s);
	} else if (who == RUSAGE_CHILDREN) {
		u = p->child_user_ns;
		s = p->child_system_ns;
	} else if (who == RUSAGE_THREAD) {
		u = current_thread()->user_ns;
		s = current_thread()->system_ns;
	} else {
		return -EINVAL;
	}
	if (ARG(1) == 0)
		return -EFAULT;
	return put_rusage(ARG(1), u, s, p->vm != NULL ? p->vm->rss_pages : 0);
}

SYSCALL(times)
{
	struct process *p = current_process();
	uint64_t u, s;
	int64_t t[4];
	const uint64_t tick = NSEC_PER_SEC / CLOCK_TICKS_PER_SEC;

	proc_cpu_times(p, &u, &s);
	t[0] = (int64_t)(u / tick);
	t[1] = (int64_t)(s / tick);
	t[2] = (int64_t)(p->child_user_ns / tick);
	t[3] = (int64_t)(p->child_system_ns / tick);
	if (ARG(0) != 0 && copy_to_user(ARG(0), t, sizeof(t)) != 0)
		return -EFAULT;
	return (long)(clock_monotonic_ns() / tick);
}

SYSCALL(futex)
{
	return futex_op(ARG(0), (int)ARG(1), (uint32_t)ARG(2), ARG(3), ARG(4), (uint32_t)ARG(5));
}

#define SCHED_OTHER 0
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_RESET_ON_FORK 0x40000000
#define PER_LINUX 0
#define PERSONALITY_QUERY 0xffffffffu

static long check_sched_target(int pid)
{
	if (pid < 0)
		return -EINVAL;
	if (pid == 0)
		return 0;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	bool found = thread_find(pid) != NULL;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return found ? 0 : -ESRCH;
}

SYSCALL(sched_setparam)
{
	int32_t prio;
	long err = check_sched_target((int)ARG(0));
	if (err != 0)
		return err;
	if (ARG(1) == 0)
		return -EINVAL;
	if (get_user(prio, ARG(1)) != 0)
		return -EFAULT;
	return prio == 0 ? 0 : -EINVAL;
}

SYSCALL(sched_setscheduler)
{
	int policy = (int)ARG(1) & ~SCHED_RESET_ON_FORK;
	int32_t prio;
	long err = check_sched_target((int)ARG(0));
	if (err != 0)
		return err;
	if (ARG(2) == 0)
		return -EINVAL;
	if (get_user(prio, ARG(2)) != 0)
		return -EFAULT;
	if (policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE)
		return prio == 0 ? 0 : -EINVAL;
	return policy >= 0 && policy <= 6 ? -EPERM : -EINVAL;
}

SYSCALL(sched_rr_get_interval)
{
	long err = check_sched_target((int)ARG(0));
	if (err != 0)
		return err;
	/* The round-robin slice of the scheduler. */
	struct linux_timespec ts = {0, (int64_t)(SCHED_SLICE_TICKS * (NSEC_PER_SEC / 100))};
	return copy_to_user(ARG(1), &ts, sizeof(ts));
}

SYSCALL(personality)
{
	uint32_t persona = (uint32_t)ARG(0);
	if (persona == PERSONALITY_QUERY || persona == PER_LINUX)
		return PER_LINUX;
	return -EINVAL;
}

SYSCALL(mlockall)
{
	/* MCL_CURRENT 1, MCL_FUTURE 2, MCL_ONFAULT 4: memory is never swapped anyway. */
	if (ARG(0) == 0 || (ARG(0) & ~7ull) || ARG(0) == 4)
		return -EINVAL;
	return 0;
}

SYSCALL(munlockall)
{
	(void)args;
	return 0;
}
