#include "ipc/server.h"

#include "asm/layout.h"
#include "core/arch.h"
#include "core/clock.h"
#include "core/initrd.h"
#include "core/log.h"
#include "core/options.h"
#include "core/panic.h"
#include "fd/remote.h"
#include "ipc/channel.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/usercopy.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "proc/exec.h"
#include "proc/process.h"
#include "proc/signal.h"
#include "sched/sched.h"
#include "tern/syscall.h"

/* How much of the server's console output is kept for the report when it dies. */
#define LOG_TAIL_SIZE 2048
#define LOG_TAIL_LINES 10

static struct process *server;   /* set once at start */
static struct channel *channel;  /* set by TERN_SYS_SERVE */
static bool serving;
static struct vm_object *initrd_object; /* the archive as mapped for the server (a reference) */

static struct spinlock tail_lock = SPINLOCK_INIT("io-server-log");
static char tail[LOG_TAIL_SIZE];  /* a ring of its last output */
static uint64_t tail_bytes;       /* bytes ever written */

bool proc_is_io_server(const struct process *p)
{
	return p != NULL && p == server;
}

void io_server_log(const char *buf, size_t len)
{
	uint64_t flags = spin_lock_irqsave(&tail_lock);
	for (size_t i = 0; i < len; i++)
		tail[(tail_bytes + i) % LOG_TAIL_SIZE] = buf[i];
	tail_bytes += len;
	spin_unlock_irqrestore(&tail_lock, flags);
}

/* Prints the last LOG_TAIL_LINES complete lines of the kept output. */
static void print_tail(void)
{
	static char copy[LOG_TAIL_SIZE + 1];
	uint64_t flags = spin_lock_irqsave(&tail_lock);
	size_t n = tail_bytes < LOG_TAIL_SIZE ? (size_t)tail_bytes : LOG_TAIL_SIZE;
	for (size_t i = 0; i < n; i++)
		copy[i] = tail[(tail_bytes - n + i) % LOG_TAIL_SIZE];
	spin_unlock_irqrestore(&tail_lock, flags);
	copy[n] = '\0';
	if (n == 0) {
		printk(LOG_ALWAYS, "tern: it wrote nothing to the console\n");
		return;
	}
	/* Start after the LOG_TAIL_LINES-th newline from the end (ignoring a final one). */
	size_t start = 0;
	int lines = 0;
	for (size_t i = n - 1; i-- > 0;) {
		if (copy[i] == '\n' && ++lines == LOG_TAIL_LINES) {
			start = i + 1;
			break;
		}
	}
	if (start == 0 && tail_bytes > LOG_TAIL_SIZE) {
		while (start < n && copy[start] != '\n')
			start++; /* a partial first line: skip it */
		start++;
	}
	printk(LOG_ALWAYS, "tern: its last output:\n");
	char *line = copy + (start < n ? start : n);
	while (*line != '\0') {
		char *end = line;
		while (*end != '\0' && *end != '\n')
			end++;
		char saved = *end;
		*end = '\0';
		printk(LOG_ALWAYS, "tern: | %s\n", line);
		if (saved == '\0')
			break;
		line = end + 1;
	}
}

void io_server_died(struct process *p)
{
	int status = p->exit_code;
	if ((status & 0x7f) == 0)
		printk(LOG_ALWAYS, "tern: the I/O server (pid %d, %s) exited with status %d\n", p->pid, p->name,
		       (status >> 8) & 0xff);
	else
		printk(LOG_ALWAYS, "tern: the I/O server (pid %d, %s) was killed by signal %d (%s)\n", p->pid, p->name,
		       status & 0x7f, signal_name(status & 0x7f));
	print_tail();
	if (channel != NULL)
		channel_kill(channel);
	printk(LOG_ALWAYS, "tern: no file service without it; powering off\n");
	arch_poweroff(EXIT_STATUS_SERVER_DIED);
}

static void server_thread_main(void *arg)
{
	const char *path = arg;
	struct thread *t = current_thread();
	const char *argv[OPTIONS_IO_ARGS + 2] = {path};
	const char *envp[] = {"PATH=/sbin:/bin", NULL};

	for (unsigned i = 0; i < kernel_options.n_io_args; i++)
		argv[1 + i] = kernel_options.io_args[i];

	t->kernel_only = false;
	int err = exec_kernel(path, argv, envp, true);
	if (err != 0)
		boot_fail("cannot start the I/O server %s: error %d (%s)", path, -err, exec_error_name(err));
	current_process()->caps = TERN_CAP_FS_SERVER | TERN_CAP_DEVICE;
	arch_enter_user(t->arch.user_frame);
}

void io_server_start(const char *path)
{
	int pid = pid_alloc();

	if (pid < 0)
		boot_fail("no process id for the I/O server");
	/* Made now so notifications work before it serves (its device set-up may wait for them). */
	channel = channel_create();
	if (channel == NULL)
		boot_fail("no memory for the I/O server's channel");
	server = proc_start_first("iod", pid, server_thread_main, (void *)path);
	pr_info("tern: starting the I/O server %s (pid %d)\n", path, pid);
	sched_start(server->leader);
}

/*
 * The archive's pages go back to the allocator once the server serves (its files
 * are in the server's memory by then, and its own image was copied at exec),
 * unless the server still maps them (then they stay, said once).
 */
static void release_initrd(void)
{
	if (initrd_object != NULL && __atomic_load_n(&initrd_object->refs, __ATOMIC_ACQUIRE) != 1) {
		pr_warn("initrd: the I/O server still maps the archive; its memory stays in use\n");
		return;
	}
	vm_object_put(initrd_object);
	initrd_object = NULL;
	size_t bytes = initrd_release();
	if (bytes > 0)
		pr_info("initrd: %zu KiB given back\n", bytes >> 10);
}

long io_server_serve(uint64_t uinfo)
{
	struct process *p = current_process();
	struct tern_serve info;

	if (!(p->caps & TERN_CAP_FS_SERVER) || p != server)
		return -EPERM;
	if (serving)
		return -EBUSY;
	struct channel *ch = channel;
	uint64_t size;
	int64_t addr = channel_map(ch, p->vm, &size);
	if (addr < 0)
		return addr; /* the channel stays allocated: a second try may map it (rare) */
	info.ring = (uint64_t)addr;
	info.ring_size = size;
	if (copy_to_user(uinfo, &info, sizeof(info)) != 0) {
		vmspace_unmap(p->vm, (uint64_t)addr, size);
		return -EFAULT;
	}
	serving = true;
	remote_attach(ch, p->vm);
	release_initrd();
	pr_info("tern: the I/O server is up; starting %s\n", kernel_options.init);
	proc_start_init(kernel_options.init);
	return 0;
}

long io_server_wait(uint64_t uevents, uint64_t timeout_ns)
{
	struct process *p = current_process();
	uint64_t events = 0;

	if (!(p->caps & TERN_CAP_FS_SERVER) || p != server)
		return -EPERM;
	uint64_t deadline = timeout_ns == UINT64_MAX ? UINT64_MAX : clock_monotonic_ns() + timeout_ns;
	if (deadline < timeout_ns)
		deadline = UINT64_MAX;
	int r = channel_server_wait(channel, deadline, &events);
	if (r < 0)
		return r;
	if (uevents != 0 && copy_to_user(uevents, &events, sizeof(events)) != 0) {
		channel_notify(channel, events); /* not lost: next time */
		return -EFAULT;
	}
	return r;
}

long io_server_initrd(uint64_t uinfo)
{
	struct process *p = current_process();
	struct tern_initrd info;
	uint64_t phys;
	size_t size;

	if (!(p->caps & TERN_CAP_FS_SERVER))
		return -EPERM;
	initrd_range(&phys, &size); /* size 0 once given back */
	if (size == 0)
		return -ENOENT;
	/* Read-only and never writable: the archive is the boot loader's, shared with nobody. */
	uint64_t base = phys & ~(uint64_t)(PAGE_SIZE - 1);
	uint64_t span = (phys - base + size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	struct vm_object *o = vm_object_phys(base, span, false);
	if (o == NULL)
		return -ENOMEM;
	int64_t addr = vmspace_map(p->vm, 0, span, VM_PROT_READ, VMA_SHARED | VMA_NOWRITE, o, 0, false, false);
	if (addr < 0) {
		vm_object_put(o);
		return addr;
	}
	/* Our reference tells at tern_serve whether any mapping of it is left. */
	struct vm_object *old = initrd_object;
	initrd_object = o;
	vm_object_put(old);
	info.address = (uint64_t)addr + (phys - base);
	info.size = size;
	if (copy_to_user(uinfo, &info, sizeof(info)) != 0)
		return -EFAULT;
	return 0;
}

void io_server_notify(uint64_t bits)
{
	if (channel != NULL)
		channel_notify(channel, bits);
}
