/*
 * fork, vfork and clone (Linux kernel/fork.c semantics): a new thread in the
 * caller's process (CLONE_THREAD) or a new process whose address space, files,
 * working directory and signal handlers are shared or copied per clone flag.
 */
#include "asm/sigframe.h"
#include "asm/thread.h"
#include "asm/trap.h"
#include "fd/file.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/usercopy.h"
#include "mm/vmspace.h"
#include "proc/clone.h"
#include "proc/process.h"
#include "sched/sched.h"

#define CLONE_SIGNAL_MASK 0xff
/* Flags this kernel accepts; others that change semantics it cannot honour give EINVAL. */
#define CLONE_SUPPORTED                                                                                    \
	(CLONE_SIGNAL_MASK | CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_PTRACE | CLONE_VFORK |  \
	 CLONE_PARENT | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS | CLONE_PARENT_SETTID |                   \
	 CLONE_CHILD_CLEARTID | CLONE_DETACHED | CLONE_CHILD_SETTID | CLONE_IO)

static int check_flags(uint64_t flags)
{
	if (flags & ~(uint64_t)CLONE_SUPPORTED)
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	return 0;
}

/* A new process with p's resources shared or copied per flags; NULL when out of memory. */
static struct process *new_process(struct process *parent, uint64_t flags)
{
	struct process *p = process_alloc();

	if (p == NULL)
		return NULL;
	p->vm = parent->vm;
	if (flags & CLONE_VM)
		vmspace_get(p->vm);
	else
		p->vm = vmspace_fork(parent->vm);
	p->fds = parent->fds;
	if (flags & CLONE_FILES)
		__atomic_add_fetch(&p->fds->refs, 1, __ATOMIC_RELAXED);
	else
		p->fds = fd_table_copy(parent->fds);
	p->fs = parent->fs;
	if (flags & CLONE_FS) {
		__atomic_add_fetch(&p->fs->refs, 1, __ATOMIC_RELAXED);
	} else {
		p->fs = fs_context_copy(parent->fs);
	}
	p->sighand = parent->sighand;
	if (flags & CLONE_SIGHAND)
		__atomic_add_fetch(&p->sighand->refs, 1, __ATOMIC_RELAXED);
	else
		p->sighand = sighand_copy(parent->sighand);
	if (p->vm == NULL || p->fds == NULL || p->fs == NULL || p->sighand == NULL) {
		if (p->vm != NULL)
			vmspace_put(p->vm);
		fd_table_put(p->fds);
		fs_context_put(p->fs);
		sighand_put(p->sighand);
		kfree(p);
		return NULL;
	}
	memcpy(p->name, parent->name, sizeof(p->name));
	p->uid = parent->uid, p->euid = parent->euid, p->suid = parent->suid;
	p->gid = parent->gid, p->egid = parent->egid, p->sgid = parent->sgid;
	memcpy(p->rlimits, parent->rlimits, sizeof(p->rlimits));
	p->pgid = parent->pgid;
	p->sid = parent->sid;
	/* A child runs the same program: same rights, arguments and path until it execs. */
	p->caps = parent->caps;
	p->arg_start = parent->arg_start;
	p->arg_end = parent->arg_end;
	p->env_start = parent->env_start;
	p->env_end = parent->env_end;
	p->exe_path = parent->exe_path != NULL ? kstrdup(parent->exe_path) : NULL;
	p->exit_signal = (int)(flags & CLONE_SIGNAL_MASK);
	if (p->exit_signal > NSIG)
		p->exit_signal = 0;
	return p;
}

static void free_unstarted_process(struct process *p)
{
	vmspace_put(p->vm);
	fd_table_put(p->fds);
	fs_context_put(p->fs);
	sighand_put(p->sighand);
	kfree(p->exe_path);
	kfree(p);
}

/*
 * Waits until the vfork child execs or exits (or we are being killed). The
 * link between the two lives under proc_tree_lock: whichever side ends it first
 * clears both pointers, so neither can touch the other after it is gone.
 */
static void wait_for_vfork(void)
{
	struct thread *self = current_thread();

	for (;;) {
		sched_prepare_block();
		uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
		bool waiting = self->vfork_child != NULL;
		if (waiting && (self->proc->group_exit || self->exit_pending)) {
			self->vfork_child->vfork_parent = NULL;
			self->vfork_child = NULL;
			waiting = false;
		}
		spin_unlock_irqrestore(&proc_tree_lock, flags);
		if (!waiting)
			break;
		schedule();
	}
	sched_cancel_block();
}

long proc_clone(struct trap_frame *frame, uint64_t flags, uint64_t stack, uint64_t parent_tid, uint64_t child_tid,
		uint64_t tls)
{
	struct thread *self = current_thread();
	struct process *parent = self->proc;
	struct process *p = parent;
	int err = check_flags(flags);

	if (err != 0)
		return err;
	struct thread *t = thread_alloc(self->name);
	if (t == NULL)
		return -ENOMEM;
	if (!fpu_alloc(t)) {
		t->state = THREAD_DEAD;
		thread_free(t);
		return -ENOMEM;
	}
	fpu_save_current();
	fpu_copy(t, self);
	if (!(flags & CLONE_THREAD)) {
		p = new_process(parent, flags);
		if (p == NULL) {
			t->state = THREAD_DEAD;
			thread_free(t);
			return -ENOMEM;
		}
	}
	int tid = pid_alloc();
	if (tid < 0) {
		if (p != parent)
			free_unstarted_process(p);
		t->state = THREAD_DEAD;
		thread_free(t);
		return tid;
	}
	t->tid = tid;

	/* The child resumes from the same system call, returning 0, on its own stack if given. */
	t->arch.user_frame = (struct trap_frame *)(t->stack.top - sizeof(struct trap_frame));
	memcpy(t->arch.user_frame, frame, sizeof(*frame));
	t->arch.user_frame->rax = 0;
	if (stack != 0)
		t->arch.user_frame->rsp = stack;
	t->arch.fs_base = (flags & CLONE_SETTLS) ? tls : self->arch.fs_base;
	t->arch.gs_base = self->arch.gs_base;
	t->sig_blocked = self->sig_blocked;
	t->affinity = self->affinity; /* inherited, as on Linux */
	if (!(flags & CLONE_VM) || (flags & CLONE_VFORK)) {
		t->altstack_sp = self->altstack_sp;
		t->altstack_size = self->altstack_size;
		t->altstack_flags = self->altstack_flags;
	} else {
		t->altstack_flags = SS_DISABLE;
	}
	if (flags & CLONE_CHILD_CLEARTID)
		t->clear_child_tid = child_tid;
	arch_thread_prepare_user(t);

	if (flags & CLONE_PARENT_SETTID)
		put_user(parent_tid, (int32_t)tid); /* Linux ignores a fault here */
	if (flags & CLONE_CHILD_SETTID) {
		int32_t v = tid;
		vmspace_write(p->vm, child_tid, &v, sizeof(v));
	}

	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	if (parent->group_exit || !proc_attach_thread(p, t)) {
		/* The caller is being killed, or no memory: nothing started. */
		pid_free(tid);
		spin_unlock_irqrestore(&proc_tree_lock, irq);
		if (p != parent)
			free_unstarted_process(p);
		t->state = THREAD_DEAD;
		thread_free(t);
		return parent->group_exit ? -EINTR : -ENOMEM;
	}
	if (p != parent) {
		p->pid = tid;
		p->leader = t;
		struct process *real_parent = (flags & CLONE_PARENT) && parent->parent != NULL ? parent->parent : parent;
		p->parent = real_parent;
		list_push_back(&real_parent->children, &p->sibling);
		list_push_back(&proc_all, &p->all_link);
		if (flags & CLONE_VFORK) {
			p->vfork_parent = self;
			self->vfork_child = p;
		}
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	sched_start(t);
	if (flags & CLONE_VFORK)
		wait_for_vfork();
	return tid;
}
