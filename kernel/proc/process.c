/*
 * Process lifecycle: the pid table, creation of PID 1, thread and process
 * exit, zombies and reparenting to init (or a subreaper).
 */
#include "proc/process.h"

#include "asm/trap.h"
#include "core/arch.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/options.h"
#include "core/panic.h"
#include "fd/file.h"
#include "fd/tty.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/usercopy.h"
#include "mm/vmspace.h"
#include "proc/exec.h"
#include "proc/futex.h"
#include "ipc/server.h"
#include "sched/sched.h"

#define PID_MAX 32768
#define PID_HASH_SIZE 256
/* Linux's defaults for a new init (include/asm-generic/resource.h). */
#define DEFAULT_STACK_LIMIT (8ull << 20)
#define DEFAULT_NPROC 4096

struct spinlock proc_tree_lock = SPINLOCK_INIT("proc-tree");
struct list_node proc_all = LIST_HEAD_INIT(proc_all);

/* Threads by tid (proc_tree_lock). A process is found through its leader's tid. */
static struct list_node pid_hash[PID_HASH_SIZE];
static uint8_t pid_used[PID_MAX / 8];
static int last_pid;
static struct process *init_process;

struct pid_link {
	struct list_node link;
	int tid;
	struct thread *thread;
};

static void pid_hash_init(void)
{
	if (pid_hash[0].next == NULL) {
		for (int i = 0; i < PID_HASH_SIZE; i++)
			list_init(&pid_hash[i]);
	}
}

int pid_alloc(void)
{
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	for (int tries = 0; tries < PID_MAX; tries++) {
		int pid = last_pid + 1;
		if (pid >= PID_MAX)
			pid = 300; /* like Linux, wrap above the low pids daemons took */
		last_pid = pid;
		if (!(pid_used[pid / 8] & (1u << (pid % 8)))) {
			pid_used[pid / 8] |= (uint8_t)(1u << (pid % 8));
			spin_unlock_irqrestore(&proc_tree_lock, flags);
			return pid;
		}
	}
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return -EAGAIN;
}

int proc_last_pid(void)
{
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	int pid = last_pid;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	return pid;
}

/* Caller holds proc_tree_lock. */
void pid_free(int pid)
{
	if (pid > 0 && pid < PID_MAX)
		pid_used[pid / 8] &= (uint8_t)~(1u << (pid % 8));
}

/* Registers t under its tid; caller holds proc_tree_lock. */
static bool thread_register(struct thread *t)
{
	struct pid_link *l = kmalloc(sizeof(*l));

	if (l == NULL)
		return false;
	l->tid = t->tid;
	l->thread = t;
	list_push_back(&pid_hash[t->tid % PID_HASH_SIZE], &l->link);
	return true;
}

static void thread_unregister(struct thread *t)
{
	struct list_node *b = &pid_hash[t->tid % PID_HASH_SIZE];

	for (struct list_node *n = b->next; n != b; n = n->next) {
		struct pid_link *l = list_entry(n, struct pid_link, link);
		if (l->thread == t) {
			list_remove(&l->link);
			kfree(l);
			return;
		}
	}
}

struct thread *thread_find(int tid)
{
	if (tid <= 0)
		return NULL;
	struct list_node *b = &pid_hash[tid % PID_HASH_SIZE];
	for (struct list_node *n = b->next; n != b; n = n->next) {
		struct pid_link *l = list_entry(n, struct pid_link, link);
		if (l->tid == tid)
			return l->thread;
	}
	return NULL;
}

struct process *proc_find(int pid)
{
	for (struct list_node *n = proc_all.next; n != &proc_all; n = n->next) {
		struct process *p = list_entry(n, struct process, all_link);
		if (p->pid == pid)
			return p;
	}
	return NULL;
}

struct process *proc_init_process(void)
{
	return init_process;
}

/* ---------------------------------------------------------------- fs context */

struct fs_context *fs_context_create(void)
{
	struct fs_context *fs = kzalloc(sizeof(*fs));

	if (fs == NULL)
		return NULL;
	fs->refs = 1;
	spin_init(&fs->lock, "fs");
	fs->cwd = NULL;
	fs->umask = 022;
	return fs;
}

struct fs_context *fs_context_copy(struct fs_context *src)
{
	struct fs_context *fs = fs_context_create();

	if (fs == NULL)
		return NULL;
	spin_lock(&src->lock);
	fs->cwd = src->cwd;
	if (fs->cwd != NULL)
		file_get(fs->cwd);
	fs->umask = src->umask;
	spin_unlock(&src->lock);
	return fs;
}

void fs_context_put(struct fs_context *fs)
{
	if (fs == NULL || __atomic_sub_fetch(&fs->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (fs->cwd != NULL)
		file_put(fs->cwd);
	kfree(fs);
}

/* ---------------------------------------------------------------- creation */

struct process *process_alloc(void)
{
	struct process *p = kzalloc(sizeof(*p));

	if (p == NULL)
		return NULL;
	list_init(&p->children);
	list_init(&p->sibling);
	list_init(&p->all_link);
	list_init(&p->threads);
	list_init(&p->sig_queue);
	spin_init(&p->lock, "process");
	wait_queue_init(&p->child_wait);
	wait_queue_init(&p->exec_wait);
	timer_init(&p->real_timer, proc_real_timer_fired, p);
	p->exit_signal = SIGCHLD;
	p->start_ns = clock_monotonic_ns();
	return p;
}

/* Default resource limits (Linux's for init). */
static void default_limits(struct process *p)
{
	for (int i = 0; i < RLIMIT_COUNT; i++)
		p->rlimits[i] = (struct rlimit_pair){RLIM_INFINITY, RLIM_INFINITY};
	p->rlimits[RLIMIT_STACK] = (struct rlimit_pair){DEFAULT_STACK_LIMIT, RLIM_INFINITY};
	p->rlimits[RLIMIT_CORE] = (struct rlimit_pair){0, RLIM_INFINITY};
	p->rlimits[RLIMIT_NOFILE] = (struct rlimit_pair){FD_DEFAULT_MAX, FD_HARD_MAX};
	p->rlimits[RLIMIT_NPROC] = (struct rlimit_pair){DEFAULT_NPROC, DEFAULT_NPROC};
	p->rlimits[RLIMIT_SIGPENDING] = (struct rlimit_pair){DEFAULT_NPROC, DEFAULT_NPROC};
	p->rlimits[RLIMIT_MEMLOCK] = (struct rlimit_pair){8ull << 20, 8ull << 20};
	p->rlimits[RLIMIT_MSGQUEUE] = (struct rlimit_pair){819200, 819200};
}

/* Adds a thread to a process and the pid table; caller holds proc_tree_lock. */
bool proc_attach_thread(struct process *p, struct thread *t)
{
	if (!thread_register(t))
		return false;
	t->proc = p;
	list_push_back(&p->threads, &t->proc_link);
	p->nthreads++;
	return true;
}

static void init_thread_main(void *arg)
{
	const char *path = arg;
	struct thread *t = current_thread();
	const char *argv[OPTIONS_INIT_ARGS + 2] = {path};
	const char *envp[OPTIONS_INIT_ENV + 4] = {"HOME=/", "TERM=linux", "PATH=/sbin:/usr/sbin:/bin:/usr/bin"};

	for (unsigned i = 0; i < kernel_options.nargs; i++)
		argv[1 + i] = kernel_options.init_args[i];
	for (unsigned i = 0; i < kernel_options.nenv; i++)
		envp[3 + i] = kernel_options.init_env[i];
	t->kernel_only = false;
	int err = exec_kernel(path, argv, envp, false);
	if (err != 0)
		panic("cannot start init %s: error %d (%s)", path, -err, exec_error_name(err));
	arch_enter_user(t->arch.user_frame);
}

void proc_boot_init(void)
{
	pid_hash_init();
	futex_init();
	/* PID 1 is init's even though the I/O server starts first. */
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	pid_used[0] |= 1u << 1;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
}

struct process *proc_start_first(const char *name, int pid, void (*entry)(void *), void *arg)
{
	struct process *p = process_alloc();
	struct thread *t = thread_create_kernel(name, entry, arg);
	if (p == NULL || t == NULL)
		panic("no memory for %s", name);
	p->fds = fd_table_create();
	p->fs = fs_context_create();
	p->sighand = sighand_create();
	p->vm = vmspace_create();
	if (p->fds == NULL || p->fs == NULL || p->sighand == NULL || p->vm == NULL || !fpu_alloc(t))
		panic("no memory for %s", name);
	default_limits(p);
	/* fds 0, 1, 2: the console, as Linux's init gets /dev/console. */
	struct file *console = tty_open_console(O_RDWR);
	if (console == NULL)
		panic("no memory for the console");
	for (int fd = 0; fd < 3; fd++)
		fd_install(p->fds, console, fd, false, FD_DEFAULT_MAX);
	file_put(console);

	t->tid = pid;
	p->pid = p->pgid = p->sid = t->tid;
	p->leader = t;
	strlcpy(p->name, name, sizeof(p->name));
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	list_push_back(&proc_all, &p->all_link);
	if (!proc_attach_thread(p, t))
		panic("no memory for %s", name);
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	t->arch.user_frame = (struct trap_frame *)(t->stack.top - sizeof(struct trap_frame));
	return p;
}

void proc_start_init(const char *path)
{
	struct process *p = proc_start_first("init", 1, init_thread_main, (void *)path);
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	init_process = p;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	tty_set_controlling(p->sid, p->pgid);
	sched_start(p->leader);
}

/* ---------------------------------------------------------------- CPU time */

void proc_cpu_times(struct process *p, uint64_t *user_ns, uint64_t *system_ns)
{
	uint64_t u = p->dead_user_ns, s = p->dead_system_ns;

	for (struct list_node *n = p->threads.next; n != &p->threads; n = n->next) {
		struct thread *t = list_entry(n, struct thread, proc_link);
		u += t->user_ns;
		s += t->system_ns;
	}
	*user_ns = u;
	*system_ns = s;
}

/* ---------------------------------------------------------------- exit */

/* The wait status of a normal exit(code). */
int wait_status_exit(int code)
{
	return (code & 0xff) << 8;
}

/* Gives p's children to a new parent: the nearest subreaper ancestor, else init. Caller holds the tree lock. */
static void reparent_children(struct process *p)
{
	struct process *reaper = init_process;

	for (struct process *a = p->parent; a != NULL && a != init_process; a = a->parent) {
		if (a->child_subreaper && a->state == PROCESS_ALIVE) {
			reaper = a;
			break;
		}
	}
	bool zombie_moved = false;
	while (!list_empty(&p->children)) {
		struct process *c = list_entry(p->children.next, struct process, sibling);
		list_remove(&c->sibling);
		c->parent = reaper;
		list_push_back(&reaper->children, &c->sibling);
		if (c->state == PROCESS_ZOMBIE)
			zombie_moved = true;
	}
	if (zombie_moved)
		wake_up_all(&reaper->child_wait);
}

/* Tells the parent its child ended: SIGCHLD (or the clone exit signal) and a wake-up. Tree lock held. */
static void notify_parent(struct process *p)
{
	struct process *parent = p->parent;
	struct siginfo info = {0};
	int status = p->exit_code;

	info.signo = p->exit_signal;
	info.child.pid = p->pid;
	if ((status & 0x7f) == 0) {
		info.code = CLD_EXITED;
		info.child.status = (status >> 8) & 0xff;
	} else {
		info.code = (status & 0x80) ? CLD_DUMPED : CLD_KILLED;
		info.child.status = status & 0x7f;
	}
	uint64_t u, s;
	proc_cpu_times(p, &u, &s);
	info.child.utime = (int64_t)(u / (NSEC_PER_SEC / 100));
	info.child.stime = (int64_t)(s / (NSEC_PER_SEC / 100));
	if (p->exit_signal > 0)
		signal_send_process_locked(parent, p->exit_signal, &info);
	wake_up_all(&parent->child_wait);
}

void proc_release_vfork_parent(struct process *child)
{
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	struct thread *parent = child->vfork_parent;
	if (parent != NULL) {
		child->vfork_parent = NULL;
		parent->vfork_child = NULL;
		sched_wakeup(parent, WAKE_NORMAL);
	}
	spin_unlock_irqrestore(&proc_tree_lock, flags);
}

/*
 * The last thread of p is leaving: p's resources go first (closing files may
 * block), then p becomes a zombie for its parent (or disappears if nobody will
 * wait). From the moment the parent can see the zombie it may free p, so the
 * exiting thread lets go of p before telling it.
 */
static void process_exit(struct thread *t, struct process *p)
{
	timer_cancel(&p->real_timer);
	proc_release_vfork_parent(p);
	if (proc_is_io_server(p))
		io_server_died(p);
	if (p == init_process) {
		int status = p->exit_code;
		int code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f);
		printk(LOG_ALWAYS, "tern: init exited with status %d; powering off\n", code);
		arch_poweroff(code & 0x7f);
	}
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	struct vmspace *vm = p->vm;
	struct fd_table *fds = p->fds;
	struct fs_context *fs = p->fs;
	p->vm = NULL;
	p->fds = NULL;
	p->fs = NULL;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	fd_table_put(fds);
	fs_context_put(fs);
	vmspace_put(vm);

	flags = spin_lock_irqsave(&proc_tree_lock);
	reparent_children(p);
	p->state = PROCESS_ZOMBIE;
	/* A parent ignoring SIGCHLD (or with SA_NOCLDWAIT) never reaps: no zombie then. */
	bool autoreap = false;
	if (p->parent != NULL && p->exit_signal == SIGCHLD) {
		struct k_sigaction a = p->parent->sighand->action[SIGCHLD - 1];
		autoreap = a.handler == SIG_IGN || (a.flags & SA_NOCLDWAIT);
	}
	t->proc = NULL;
	notify_parent(p);
	if (autoreap)
		proc_reap_locked(p);
	spin_unlock_irqrestore(&proc_tree_lock, flags);
}

/*
 * Order matters on SMP: the thread leaves the address space before it stops
 * counting as one of the process's threads (the last one frees the space),
 * and stops using p before p can be freed (by the zombie's reaper, once the
 * last thread is gone).
 */
void proc_exit_thread(int status)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;

	futex_exit_robust_list(t);
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	/* The tid goes first: whoever the CLONE_CHILD_CLEARTID wake below lets go must find
	 * the thread gone (tgkill: ESRCH). */
	thread_unregister(t);
	bool others = p->nthreads > 1 || (p->vm != NULL && p->vm->refs > 1);
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	/* CLONE_CHILD_CLEARTID: zero the tid word and wake a joiner (futex on it). */
	if (t->clear_child_tid != 0 && p->vm != NULL && others) {
		put_user(t->clear_child_tid, (int32_t)0);
		futex_wake_address(t->clear_child_tid, 1);
	}
	signal_thread_cleanup(t);
	vmspace_activate(NULL);
	flags = spin_lock_irqsave(&proc_tree_lock);
	if (!p->group_exit && p->nthreads == 1)
		p->exit_code = status;
	list_remove(&t->proc_link);
	p->nthreads--;
	p->dead_user_ns += t->user_ns;
	p->dead_system_ns += t->system_ns;
	bool last = p->nthreads == 0;
	if (t->tid != p->pid)
		pid_free(t->tid);
	if (!last) {
		wake_up_all(&p->exec_wait); /* an execve may be waiting for the other threads to go */
		t->proc = NULL;
	}
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	if (last)
		process_exit(t, p);
	thread_exit();
}

void proc_exit_group(int status)
{
	struct process *p = current_process();
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);

	if (!p->group_exit) {
		p->group_exit = true;
		p->exit_code = status;
		for (struct list_node *n = p->threads.next; n != &p->threads; n = n->next) {
			struct thread *t = list_entry(n, struct thread, proc_link);
			if (t != current_thread()) {
				sched_wakeup(t, WAKE_SIGNAL);
				sched_continue(t);
			}
		}
	}
	status = p->exit_code;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	proc_exit_thread(status);
}

/* Frees a zombie; caller holds proc_tree_lock. */
void proc_reap_locked(struct process *p)
{
	list_remove(&p->sibling);
	list_remove(&p->all_link);
	pid_free(p->pid);
	sighand_put(p->sighand);
	signal_flush(p, ~0ull);
	kfree(p->exe_path);
	kfree(p);
}

void proc_change_tid_locked(struct thread *t, int tid)
{
	int old = t->tid;

	thread_unregister(t);
	t->tid = tid;
	if (!thread_register(t))
		t->tid = old; /* out of memory: keep the old id (lookups by it still work) */
	else
		pid_free(old);
}

/* Counts a CPU-time itimer down; true when it expired (and re-arms it from its interval). */
static bool itimer_expired(uint64_t *left, uint64_t interval, uint64_t ns)
{
	if (*left == 0)
		return false;
	if (*left > ns) {
		*left -= ns;
		return false;
	}
	*left = interval;
	return true;
}

void proc_tick(uint64_t ns)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;

	if (p == NULL || t == this_cpu()->idle || p->state != PROCESS_ALIVE)
		return;
	if (t->in_user && itimer_expired(&p->virt_left_ns, p->virt_interval_ns, ns))
		signal_send_process(p, SIGVTALRM, NULL);
	if (itimer_expired(&p->prof_left_ns, p->prof_interval_ns, ns))
		signal_send_process(p, SIGPROF, NULL);
}

/* ---------------------------------------------------------------- file truncation */

void proc_zap_object(struct vm_object *o, uint64_t first, uint64_t end)
{
	unsigned count = 0, n = 0;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	for (struct list_node *l = proc_all.next; l != &proc_all; l = l->next)
		count++;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	struct vmspace **spaces = kmalloc((count + 1) * sizeof(*spaces));
	if (spaces == NULL)
		return;
	/* Each address space once, with a reference (p->vm changes only under the tree lock). */
	flags = spin_lock_irqsave(&proc_tree_lock);
	for (struct list_node *l = proc_all.next; l != &proc_all && n <= count; l = l->next) {
		struct vmspace *vs = list_entry(l, struct process, all_link)->vm;
		bool seen = vs == NULL;
		for (unsigned i = 0; i < n && !seen; i++)
			seen = spaces[i] == vs;
		if (!seen) {
			vmspace_get(vs);
			spaces[n++] = vs;
		}
	}
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	for (unsigned i = 0; i < n; i++) {
		vmspace_zap_object(spaces[i], o, first, end);
		vmspace_put(spaces[i]);
	}
	kfree(spaces);
}
