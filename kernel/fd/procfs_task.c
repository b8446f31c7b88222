/*
 * /proc's view of processes and threads (contract in procfs_state.h): finds
 * them by pid and start time under proc_tree_lock, copies what the files show
 * into plain structures, and formats outside the lock (procfs_format.c).
 * Address spaces are looked at through a reference taken under the tree lock,
 * so a process that exits meanwhile leaves nothing dangling.
 */
#include "fd/procfs_state.h"

#include "asm/layout.h"
#include "fd/file.h"
#include "fd/procfs_format.h"
#include "fd/tty.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/scratch.h"
#include "mm/pmm.h"
#include "mm/vmspace.h"
#include "proc/process.h"
#include "sched/sched.h"

/* include/linux/sched.h task flags. */
#define PF_EXITING 0x00000004u
#define PF_FORKNOEXEC 0x00000040u
#define PF_SUPERPRIV 0x00000100u
#define PF_RANDOMIZE 0x00400000u

/* Shared anonymous memory is shmem on Linux, shown under this name. */
#define SHARED_ANON_NAME "/dev/zero (deleted)"

/* ---------------------------------------------------------------- finding */

/* A thread or process name, which its owner may be rewriting (prctl, comm): never past its array. */
static void copy_name(char dst[PROC_NAME_MAX], const char *src)
{
	size_t n = 0;

	while (n < PROC_NAME_MAX - 1 && src[n] != '\0') {
		dst[n] = src[n];
		n++;
	}
	dst[n] = '\0';
}

/* The process w names; caller holds proc_tree_lock. NULL when it has gone. */
static struct process *find_locked(const struct procfs_who *w)
{
	struct process *p = proc_find(w->pid);

	return p != NULL && p->start_ns == w->start_ns ? p : NULL;
}

static struct thread *thread_of_locked(struct process *p, int tid)
{
	struct thread *t = thread_find(tid);

	return t != NULL && t->proc == p ? t : NULL;
}

/*
 * The thread w shows: its own for a thread view, else the leader while it
 * lives (the first thread once it has gone; NULL for a zombie). p->leader is
 * only compared, never followed: a leader that exited may be freed.
 */
static struct thread *view_thread_locked(struct process *p, const struct procfs_who *w)
{
	struct thread *first = NULL;

	if (w->tid != 0)
		return thread_of_locked(p, w->tid);
	for (struct list_node *n = p->threads.next; n != &p->threads; n = n->next) {
		struct thread *t = list_entry(n, struct thread, proc_link);
		if (t == p->leader)
			return t;
		if (first == NULL)
			first = t;
	}
	return first;
}

int procfs_who_process(int id, struct procfs_who *out)
{
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = proc_find(id);
	if (p == NULL) {
		struct thread *t = thread_find(id);
		p = t != NULL ? t->proc : NULL;
	}
	if (p != NULL)
		*out = (struct procfs_who){p->pid, 0, p->start_ns};
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return p != NULL ? 0 : -ENOENT;
}

void procfs_who_current(bool thread, struct procfs_who *out)
{
	struct process *p = current_process();

	/* The caller's own pid and start time: only exec (by this very thread) changes them. */
	*out = (struct procfs_who){p->pid, thread ? current_thread()->tid : 0, p->start_ns};
}

int procfs_who_thread(const struct procfs_who *w, int tid, struct procfs_who *out)
{
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);
	bool found = p != NULL && thread_of_locked(p, tid) != NULL;
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	if (!found)
		return -ENOENT;
	*out = (struct procfs_who){w->pid, tid, w->start_ns};
	return 0;
}

bool procfs_who_alive(const struct procfs_who *w)
{
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);
	bool alive = p != NULL && (w->tid == 0 || thread_of_locked(p, w->tid) != NULL);
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return alive;
}

/* Linux's ptrace_may_access(PTRACE_MODE_READ_FSCREDS): the caller's effective ids match all of the target's. */
static bool may_inspect_locked(const struct process *p)
{
	const struct process *me = current_process();

	if (p == me || me->euid == 0)
		return true;
	return me->euid == p->uid && me->euid == p->euid && me->euid == p->suid && me->egid == p->gid &&
	       me->egid == p->egid && me->egid == p->sgid;
}

int procfs_owner(const struct procfs_who *w, struct procfs_owner *out)
{
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);
	if (p != NULL)
		*out = (struct procfs_owner){p->euid, p->egid, p == current_process(), may_inspect_locked(p),
					     (unsigned)p->nthreads};
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return p != NULL ? 0 : -ESRCH;
}

/* ---------------------------------------------------------------- listings */

/* Adds id to the cap smallest ids kept sorted in ids[0..*n). */
static void keep_smallest(int *ids, int *n, int cap, int id)
{
	if (*n == cap && id >= ids[cap - 1])
		return;
	int i = *n < cap ? (*n)++ : cap - 1;
	while (i > 0 && ids[i - 1] > id) {
		ids[i] = ids[i - 1];
		i--;
	}
	ids[i] = id;
}

int procfs_list_processes(int from, int *ids, int cap)
{
	int n = 0;
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);

	for (struct list_node *node = proc_all.next; node != &proc_all; node = node->next) {
		struct process *p = list_entry(node, struct process, all_link);
		if (p->pid >= from)
			keep_smallest(ids, &n, cap, p->pid);
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return n;
}

unsigned procfs_count_processes(void)
{
	unsigned n = 0;
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);

	for (struct list_node *node = proc_all.next; node != &proc_all; node = node->next)
		n++;
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return n;
}

int procfs_list_threads(const struct procfs_who *w, int from, int *ids, int cap)
{
	int n = 0;
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);

	if (p != NULL) {
		for (struct list_node *node = p->threads.next; node != &p->threads; node = node->next) {
			struct thread *t = list_entry(node, struct thread, proc_link);
			if (t->tid >= from)
				keep_smallest(ids, &n, cap, t->tid);
		}
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return p != NULL ? n : -ESRCH;
}

int procfs_list_fds(const struct procfs_who *w, int from, int *ids, int cap)
{
	int n = 0;
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);

	/* Order: proc_tree_lock > the table's lock (nothing takes the tree lock under a table lock). */
	if (p != NULL && p->fds != NULL) {
		struct fd_table *t = p->fds;
		spin_lock(&t->lock);
		for (unsigned fd = from > 0 ? (unsigned)from : 0; fd < t->size && n < cap; fd++) {
			if (t->files[fd] != NULL)
				ids[n++] = (int)fd;
		}
		spin_unlock(&t->lock);
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return p != NULL ? n : -ESRCH;
}

/* ---------------------------------------------------------------- links */

int procfs_exe_path(const struct procfs_who *w, char *buf, size_t cap)
{
	int err = -ESRCH;
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);

	/* exec swaps exe_path under the tree lock, so the copy is whole. */
	if (p != NULL) {
		err = -ENOENT;
		if (p->vm != NULL && p->exe_path != NULL)
			err = strlcpy(buf, p->exe_path, cap) < cap ? 0 : -ENAMETOOLONG;
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return err == -ESRCH ? -ENOENT : err;
}

int procfs_cwd(const struct procfs_who *w, struct file **out)
{
	int err = -ENOENT;
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);

	*out = NULL;
	if (p != NULL && p->fs != NULL) {
		spin_lock(&p->fs->lock);
		*out = p->fs->cwd;
		if (*out != NULL)
			file_get(*out);
		spin_unlock(&p->fs->lock);
		err = 0;
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return err;
}

int procfs_fd(const struct procfs_who *w, int fd, struct file **out)
{
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);

	*out = p != NULL && p->fds != NULL ? fd_get(p->fds, fd) : NULL;
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return *out != NULL ? 0 : -ENOENT;
}

/* ---------------------------------------------------------------- stat, status, statm */

static char thread_state_letter(const struct thread *t)
{
	switch (__atomic_load_n(&t->state, __ATOMIC_RELAXED)) {
	case THREAD_READY:
	case THREAD_RUNNING:
		return 'R';
	case THREAD_BLOCKED:
		return 'S';
	case THREAD_STOPPED:
		return 'T';
	default:
		return 'X';
	}
}

/* A process runs if any thread does; else it is stopped or, like its shown thread, sleeping. */
static char process_state_letter(struct process *p, const struct thread *shown)
{
	if (p->state == PROCESS_ZOMBIE)
		return 'Z';
	for (struct list_node *n = p->threads.next; n != &p->threads; n = n->next) {
		if (thread_state_letter(list_entry(n, struct thread, proc_link)) == 'R')
			return 'R';
	}
	if (p->stopped)
		return 'T';
	return shown != NULL ? thread_state_letter(shown) : 'S';
}

static unsigned count_list(const struct list_node *head)
{
	unsigned n = 0;

	for (const struct list_node *node = head->next; node != head; node = node->next)
		n++;
	return n;
}

/* Signal state; caller holds the tree lock (p->lock and the handler lock nest inside it). */
static void gather_signals_locked(struct process *p, const struct thread *t, struct procfs_task *k)
{
	spin_lock(&p->lock);
	k->sig_shared = p->sig_pending;
	k->sig_queued = count_list(&p->sig_queue);
	for (struct list_node *n = p->threads.next; n != &p->threads; n = n->next)
		k->sig_queued += count_list(&list_entry(n, struct thread, proc_link)->sig_queue);
	if (t != NULL) {
		k->sig_pending = t->sig_pending;
		k->sig_blocked = t->sig_blocked;
	}
	spin_unlock(&p->lock);
	if (p->sighand == NULL)
		return;
	spin_lock(&p->sighand->lock);
	for (int sig = 1; sig <= NSIG; sig++) {
		uint64_t handler = p->sighand->action[sig - 1].handler;
		if (handler == SIG_IGN)
			k->sig_ignored |= SIG_BIT(sig);
		else if (handler != SIG_DFL)
			k->sig_caught |= SIG_BIT(sig);
	}
	spin_unlock(&p->sighand->lock);
}

/* Everything but memory; caller holds the tree lock. */
static void gather_task_locked(struct process *p, struct thread *t, const struct procfs_who *w, int tty_session,
			       int tty_pgrp, struct procfs_task *k)
{
	bool zombie = p->state == PROCESS_ZOMBIE;

	k->id = w->tid != 0 ? w->tid : p->pid;
	k->tgid = p->pid;
	copy_name(k->comm, w->tid != 0 ? t->name : p->name);
	k->state = w->tid != 0 ? (zombie ? 'Z' : thread_state_letter(t)) : process_state_letter(p, t);
	k->waiting = k->state == 'S';
	k->ppid = p->parent != NULL ? p->parent->pid : 0;
	k->pgid = p->pgid;
	k->sid = p->sid;
	bool has_tty = tty_session != 0 && p->sid == tty_session;
	k->tty_nr = has_tty ? (int)TTY_CONSOLE_DEV : 0;
	k->tpgid = has_tty ? tty_pgrp : -1;
	k->flags = PF_RANDOMIZE | (p->did_exec ? 0 : PF_FORKNOEXEC) | (p->euid == 0 ? PF_SUPERPRIV : 0) |
		   (zombie || p->group_exit ? PF_EXITING : 0);
	if (w->tid != 0) {
		k->utime_ns = t->user_ns;
		k->stime_ns = t->system_ns;
	} else {
		proc_cpu_times(p, &k->utime_ns, &k->stime_ns);
	}
	k->cutime_ns = p->child_user_ns;
	k->cstime_ns = p->child_system_ns;
	k->num_threads = p->nthreads;
	k->start_ns = p->start_ns;
	k->exit_signal = w->tid != 0 && t != p->leader ? -1 : p->exit_signal;
	k->cpu = t != NULL && t->cpu != NULL ? (int)t->cpu->id : 0;
	k->exit_code = zombie ? p->exit_code : 0;
	if (p->fs != NULL) {
		spin_lock(&p->fs->lock);
		k->umask = p->fs->umask;
		spin_unlock(&p->fs->lock);
	}
	k->uid = p->uid;
	k->euid = p->euid;
	k->suid = p->suid;
	k->gid = p->gid;
	k->egid = p->egid;
	k->sgid = p->sgid;
	k->fd_slots = p->fds != NULL ? p->fds->size : 0;
	gather_signals_locked(p, t, k);
	k->sig_queue_limit = p->rlimits[RLIMIT_SIGPENDING].cur;
	k->rss_limit = p->rlimits[RLIMIT_RSS].cur;
	k->nr_cpus = cpu_count;
	k->cpus_allowed = (t != NULL ? t->affinity : ~0ull) & sched_online_mask();
	k->privileged = p->euid == 0;
	k->hwm_pages = p->max_rss_pages;
	k->arg_start = p->arg_start;
	k->arg_end = p->arg_end;
	k->env_start = p->env_start;
	k->env_end = p->env_end;
	k->start_stack = p->arg_start; /* the initial frame lies just below the argument strings */
}

/* Sizes by kind of region, as Linux's mm counters (data_vm, stack_vm, exec_vm). */
static void gather_memory(struct vmspace *vs, struct procfs_task *k)
{
	spin_lock(&vs->lock);
	for (struct list_node *n = vs->vmas.next; n != &vs->vmas; n = n->next) {
		const struct vma *v = list_entry(n, struct vma, link);
		uint64_t pages = (v->end - v->start) / PAGE_SIZE;
		k->vm_pages += pages;
		if (v->flags & VMA_GROWSDOWN) {
			k->stack_pages += pages;
		} else if ((v->prot & VM_PROT_WRITE) && !(v->flags & VMA_SHARED)) {
			k->data_pages += pages;
		} else if ((v->prot & VM_PROT_EXEC) && !(v->prot & VM_PROT_WRITE)) {
			k->exec_pages += pages;
			if (k->end_code == 0) {
				/* The program's text: the first executable region (Linux keeps the ELF's). */
				k->start_code = v->start;
				k->end_code = v->end;
			}
		}
	}
	k->rss_pages = vs->rss_pages;
	k->start_brk = vs->brk_start;
	spin_unlock(&vs->lock);
}

/*
 * Fills k for w, memory included. Fields Linux shows only to those who may
 * inspect the process (addresses, exit code, wait state) are zero for others.
 */
static int gather_task(const struct procfs_who *w, struct procfs_task *k)
{
	int tty_session, tty_pgrp;
	struct vmspace *vs = NULL;
	bool found = false, permitted = false;

	/* The tty lock is never taken under the tree lock. */
	tty_get_controlling(&tty_session, &tty_pgrp);
	memset(k, 0, sizeof(*k));
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);
	struct thread *t = p != NULL ? view_thread_locked(p, w) : NULL;
	if (p != NULL && (w->tid == 0 || t != NULL)) {
		found = true;
		gather_task_locked(p, t, w, tty_session, tty_pgrp, k);
		permitted = may_inspect_locked(p);
		if (p->vm != NULL && p->state == PROCESS_ALIVE) {
			vs = p->vm;
			vmspace_get(vs);
		}
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	if (!found)
		return -ESRCH;
	if (vs != NULL) {
		k->has_mm = true;
		gather_memory(vs, k);
		vmspace_put(vs);
	}
	if (!permitted) {
		k->start_code = k->end_code = k->start_stack = k->start_brk = 0;
		k->arg_start = k->arg_end = k->env_start = k->env_end = 0;
		k->exit_code = 0;
		k->waiting = false;
	}
	return 0;
}

/* ---------------------------------------------------------------- memory of a process */

/* The address space (a reference) and the argument or environment range; -ESRCH, or *vs NULL for a zombie. */
static int get_space(const struct procfs_who *w, bool environment, struct vmspace **vs, uint64_t *start,
		     uint64_t *end)
{
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);

	*vs = NULL;
	if (p != NULL && p->vm != NULL && p->state == PROCESS_ALIVE) {
		*vs = p->vm;
		vmspace_get(*vs);
		*start = environment ? p->env_start : p->arg_start;
		*end = environment ? p->env_end : p->arg_end;
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return p != NULL ? 0 : -ESRCH;
}

/* Copies [start, end) of another address space page by page; stops at the first hole. */
static void put_user_range(struct procfs_text *t, struct vmspace *vs, uint64_t start, uint64_t end)
{
	for (uint64_t at = start; at < end && !t->failed;) {
		uint64_t page_end = (at & ~(PAGE_SIZE - 1)) + PAGE_SIZE;
		uint64_t n = (end < page_end ? end : page_end) - at;
		uint64_t pa = vmspace_get_page(vs, at, false);
		if (pa == 0)
			return;
		procfs_text_put(t, (const uint8_t *)phys_to_virt(pa) + (at % PAGE_SIZE), n);
		pmm_page_unref(pa);
		at += n;
	}
}

static int format_strings(const struct procfs_who *w, bool environment, struct procfs_text *t)
{
	struct vmspace *vs;
	uint64_t start = 0, end = 0;
	int err = get_space(w, environment, &vs, &start, &end);

	if (err != 0 || vs == NULL)
		return err; /* a zombie's are empty */
	put_user_range(t, vs, start, end);
	vmspace_put(vs);
	return 0;
}

/* One line of maps, gathered under the space's lock; a file's name comes after it. */
struct map_line {
	uint64_t start, end, offset;
	unsigned prot;
	bool shared;
	const char *name;         /* [stack], [heap] ... or NULL */
	struct vm_object *object; /* a file's, with a reference (its name is asked for unlocked) */
};

/* Linux's split of a 64-bit dev_t into major and minor (new_decode_dev's inverse of makedev). */
static unsigned dev_major(uint64_t dev)
{
	return (unsigned)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffull));
}

static unsigned dev_minor(uint64_t dev)
{
	return (unsigned)((dev & 0xff) | ((dev >> 12) & ~0xffull));
}

/* The regions, at most cap of them; their number. Caller holds the space's lock. */
static size_t gather_maps_locked(struct vmspace *vs, struct map_line *lines, size_t cap)
{
	size_t n = 0;
	for (struct list_node *l = vs->vmas.next; l != &vs->vmas && n < cap; l = l->next) {
		const struct vma *v = list_entry(l, struct vma, link);
		struct map_line *m = &lines[n++];
		*m = (struct map_line){.start = v->start, .end = v->end, .prot = v->prot,
				       .shared = (v->flags & VMA_SHARED) != 0};
		if (v->flags & VMA_GROWSDOWN)
			m->name = "[stack]";
		else if (v->object == NULL && v->start <= vs->brk && v->end >= vs->brk_start)
			m->name = "[heap]";
		else if (v->object != NULL && v->object->kind == VM_OBJECT_ANON && (v->flags & VMA_SHARED))
			m->name = SHARED_ANON_NAME;
		if (v->object != NULL && v->object->kind == VM_OBJECT_FILE) {
			m->offset = v->offset;
			if (v->object->ops->describe != NULL && vm_object_tryget(v->object))
				m->object = v->object;
		}
	}
	return n;
}

static int format_maps(const struct procfs_who *w, struct procfs_text *t)
{
	struct vmspace *vs;
	uint64_t unused_start, unused_end;
	int err = get_space(w, false, &vs, &unused_start, &unused_end);

	if (err != 0 || vs == NULL)
		return err;
	/* Gathered under the lock, formatted after it: a file's name is the I/O server's
	 * to give (a request that sleeps). Regions added meanwhile wait for the next read. */
	spin_lock(&vs->lock);
	size_t count = 0;
	for (struct list_node *l = vs->vmas.next; l != &vs->vmas; l = l->next)
		count++;
	spin_unlock(&vs->lock);
	struct map_line *lines = kmalloc((count + 1) * sizeof(*lines));
	char *path = scratch_get();
	if (lines == NULL || path == NULL) {
		kfree(lines);
		scratch_put(path);
		vmspace_put(vs);
		return -ENOMEM;
	}
	spin_lock(&vs->lock);
	size_t n = gather_maps_locked(vs, lines, count + 1);
	spin_unlock(&vs->lock);
	vmspace_put(vs);
	for (size_t i = 0; i < n; i++) {
		struct map_line *m = &lines[i];
		uint64_t dev = 0, ino = 0, base = 0;
		const char *name = m->name;
		if (m->object != NULL) {
			if (m->object->ops->describe(m->object, path, PATH_MAX, &dev, &ino, &base) == 0) {
				name = path;
				m->offset += base; /* the object starts at that file offset */
			}
			vm_object_put(m->object);
		}
		procfs_format_map(t, m->start, m->end, m->prot, m->shared, m->offset, dev_major(dev), dev_minor(dev),
				  ino, name);
	}
	scratch_put(path);
	kfree(lines);
	return 0;
}

/* ---------------------------------------------------------------- small files */

static int format_comm(const struct procfs_who *w, struct procfs_text *t)
{
	char name[PROC_NAME_MAX] = "";
	bool found = false;
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);
	struct thread *th = p != NULL && w->tid != 0 ? thread_of_locked(p, w->tid) : NULL;

	if (p != NULL && (w->tid == 0 || th != NULL)) {
		copy_name(name, th != NULL ? th->name : p->name);
		found = true;
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	if (!found)
		return -ESRCH;
	procfs_text_printf(t, "%s\n", name);
	return 0;
}

static int format_limits(const struct procfs_who *w, struct procfs_text *t)
{
	uint64_t soft[RLIMIT_COUNT], hard[RLIMIT_COUNT];
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);

	if (p != NULL) {
		for (int i = 0; i < RLIMIT_COUNT; i++) {
			soft[i] = p->rlimits[i].cur;
			hard[i] = p->rlimits[i].max;
		}
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	if (p == NULL)
		return -ESRCH;
	procfs_format_limits(t, soft, hard);
	return 0;
}

int procfs_task_text(const struct procfs_who *w, enum procfs_task_file which, struct procfs_text *t)
{
	struct procfs_task k;
	int err;

	switch (which) {
	case PROCFS_TASK_STAT:
	case PROCFS_TASK_STATUS:
	case PROCFS_TASK_STATM:
		err = gather_task(w, &k);
		if (err != 0)
			return err;
		if (which == PROCFS_TASK_STAT)
			procfs_format_stat(t, &k);
		else if (which == PROCFS_TASK_STATUS)
			procfs_format_status(t, &k);
		else
			procfs_format_statm(t, &k);
		break;
	case PROCFS_TASK_CMDLINE:
	case PROCFS_TASK_ENVIRON:
		err = format_strings(w, which == PROCFS_TASK_ENVIRON, t);
		break;
	case PROCFS_TASK_COMM:
		err = format_comm(w, t);
		break;
	case PROCFS_TASK_MAPS:
		err = format_maps(w, t);
		break;
	case PROCFS_TASK_LIMITS:
		err = format_limits(w, t);
		break;
	case PROCFS_TASK_MOUNTS:
		err = procfs_who_alive(w) ? procfs_system_text(PROCFS_SYS_MOUNTS, t) : -ESRCH;
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (err == 0 && t->failed)
		err = -ENOMEM;
	return err;
}

int procfs_set_comm(const struct procfs_who *w, const char *name)
{
	int err = -ESRCH;
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	struct process *p = find_locked(w);
	struct thread *t = p != NULL ? view_thread_locked(p, w) : NULL;

	if (p != NULL && t != NULL) {
		err = -EINVAL;
		if (p == current_process()) {
			strlcpy(t->name, name, sizeof(t->name));
			if (t == p->leader)
				strlcpy(p->name, name, sizeof(p->name));
			err = 0;
		}
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
	return err;
}
