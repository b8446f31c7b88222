/*
 * /proc's system-wide files (contract in procfs_state.h): memory, CPUs, time,
 * the kernel's names and command line, and the file systems the I/O server
 * mounts. Counters are read as they are, without stopping anything: each
 * file is a consistent-enough snapshot, as on Linux.
 */
#include "fd/procfs_state.h"

#include "asm/layout.h"
#include "core/arch.h"
#include "core/bootinfo.h"
#include "core/clock.h"
#include "fd/procfs_format.h"
#include "lib/errno.h"
#include "linux/time.h"
#include "linux/uts.h"
#include "mm/heap.h"
#include "mm/pmm.h"
#include "proc/process.h"
#include "sched/cpu.h"
#include "sched/sched.h"

#define PAGE_KB (PAGE_SIZE / 1024)
#define KERNEL_STACK_KB (KERNEL_STACK_SIZE / 1024)
/* Linux's CommitLimit without swap: overcommit_ratio (50) percent of RAM. */
#define OVERCOMMIT_RATIO_PERCENT 50

/*
 * What the I/O server mounts (sys/io/fs/fs.h fs_mount_standard), in mount
 * order. The server has no request that lists its mounts yet; this table
 * follows fs_mount_standard and must change with it.
 */
static const char mounts_text[] = "rootfs / rootfs rw 0 0\n"
				  "tmpfs /dev tmpfs rw,nosuid,mode=755 0 0\n"
				  "tmpfs /tmp tmpfs rw,nosuid,nodev 0 0\n"
				  "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n";
static const char filesystems_text[] = "nodev\trootfs\n"
				       "nodev\tramfs\n"
				       "nodev\ttmpfs\n"
				       "nodev\tproc\n"
				       "nodev\tpipefs\n";

/* Threads counted over every process: all of them, and those ready or running. */
struct thread_counts {
	unsigned all, running;
};

static void count_threads(struct thread_counts *c)
{
	*c = (struct thread_counts){0, 0};
	uint64_t irq = spin_lock_irqsave(&proc_tree_lock);
	for (struct list_node *n = proc_all.next; n != &proc_all; n = n->next) {
		struct process *p = list_entry(n, struct process, all_link);
		for (struct list_node *m = p->threads.next; m != &p->threads; m = m->next) {
			enum thread_state s = __atomic_load_n(&list_entry(m, struct thread, proc_link)->state,
							      __ATOMIC_RELAXED);
			c->all++;
			if (s == THREAD_READY || s == THREAD_RUNNING)
				c->running++;
		}
	}
	spin_unlock_irqrestore(&proc_tree_lock, irq);
}

/* A CPU's idle time, with the idle stretch it may be in right now (unlocked reads: a statistic). */
static uint64_t cpu_idle_ns(const struct cpu *c, uint64_t now)
{
	uint64_t idle = __atomic_load_n(&c->idle_ns, __ATOMIC_RELAXED);
	const struct thread *idle_thread = c->idle;

	if (idle_thread != NULL && __atomic_load_n(&c->current, __ATOMIC_RELAXED) == idle_thread) {
		uint64_t since = __atomic_load_n(&idle_thread->last_account_ns, __ATOMIC_RELAXED);
		if (now > since)
			idle += now - since;
	}
	return idle;
}

static void format_meminfo(struct procfs_text *t)
{
	struct procfs_meminfo m;
	struct heap_stats heap;
	struct thread_counts threads;
	uint64_t total = pmm_total_pages(), free = pmm_free_pages();

	heap_get_stats(&heap);
	count_threads(&threads);
	m.total = total * PAGE_KB;
	m.free = free * PAGE_KB;
	m.available = m.free; /* no page cache to reclaim: the I/O server's files are its own memory */
	m.slab = heap.pages * PAGE_KB;
	m.kernel_stack = (uint64_t)(threads.all + cpu_count) * KERNEL_STACK_KB;
	m.page_tables = 0;
	m.commit_limit = m.total * OVERCOMMIT_RATIO_PERCENT / 100;
	m.committed = m.total - m.free;
	procfs_format_meminfo(t, &m);
}

static int format_cpuinfo(struct procfs_text *t)
{
	struct arch_cpu_info *info = kmalloc(sizeof(*info));
	uint64_t online = sched_online_mask();

	if (info == NULL)
		return -ENOMEM;
	arch_cpu_info(info);
	for (unsigned i = 0; i < cpu_count && i < MAX_CPUS; i++) {
		if (online & (1ull << i))
			procfs_format_cpuinfo(t, info, i, cpu_count, cpus[i].arch_id);
	}
	kfree(info);
	return 0;
}

static void format_uptime(struct procfs_text *t)
{
	uint64_t now = clock_monotonic_ns(), idle = 0;

	for (unsigned i = 0; i < cpu_count && i < MAX_CPUS; i++)
		idle += cpu_idle_ns(&cpus[i], now);
	procfs_format_uptime(t, now, idle);
}

static void format_loadavg(struct procfs_text *t)
{
	struct thread_counts threads;

	count_threads(&threads);
	procfs_format_loadavg(t, threads.running, threads.all, proc_last_pid());
}

/* Busy time is not split into user and system per CPU: all of it shows as user. */
static int format_stat(struct procfs_text *t)
{
	struct procfs_cpu_time *times = kzalloc(MAX_CPUS * sizeof(*times));
	struct thread_counts threads;
	uint64_t now = clock_monotonic_ns();

	if (times == NULL)
		return -ENOMEM;
	unsigned n = cpu_count < MAX_CPUS ? cpu_count : MAX_CPUS;
	for (unsigned i = 0; i < n; i++) {
		times[i].idle_ns = cpu_idle_ns(&cpus[i], now);
		times[i].user_ns = now > times[i].idle_ns ? now - times[i].idle_ns : 0;
	}
	count_threads(&threads);
	struct procfs_system s = {
		.cpus = times,
		.ncpus = n,
		.boot_time = (time_realtime_ns() - now) / NSEC_PER_SEC,
		.processes = (uint64_t)proc_last_pid(),
		.running = threads.running,
		.blocked = 0, /* sleeps are all interruptible: none is told apart as D */
	};
	procfs_format_system_stat(t, &s);
	kfree(times);
	return 0;
}

int procfs_system_text(enum procfs_system_file which, struct procfs_text *t)
{
	int err = 0;

	switch (which) {
	case PROCFS_SYS_MEMINFO:
		format_meminfo(t);
		break;
	case PROCFS_SYS_CPUINFO:
		err = format_cpuinfo(t);
		break;
	case PROCFS_SYS_UPTIME:
		format_uptime(t);
		break;
	case PROCFS_SYS_LOADAVG:
		format_loadavg(t);
		break;
	case PROCFS_SYS_STAT:
		err = format_stat(t);
		break;
	case PROCFS_SYS_VERSION:
		procfs_text_printf(t, "Linux version %s (tern@tern) (gcc %s) %s\n", UTS_RELEASE, __VERSION__,
				   UTS_VERSION);
		break;
	case PROCFS_SYS_FILESYSTEMS:
		procfs_text_put(t, filesystems_text, sizeof(filesystems_text) - 1);
		break;
	case PROCFS_SYS_CMDLINE:
		procfs_text_put(t, boot_info.cmdline, boot_info.cmdline_len);
		procfs_text_put(t, "\n", 1);
		break;
	case PROCFS_SYS_MOUNTS:
		procfs_text_put(t, mounts_text, sizeof(mounts_text) - 1);
		break;
	case PROCFS_SYS_OSTYPE:
		procfs_text_printf(t, "%s\n", UTS_SYSNAME);
		break;
	case PROCFS_SYS_OSRELEASE:
		procfs_text_printf(t, "%s\n", UTS_RELEASE);
		break;
	case PROCFS_SYS_HOSTNAME:
		procfs_text_printf(t, "%s\n", UTS_NODENAME);
		break;
	case PROCFS_SYS_KERNEL_VERSION:
		procfs_text_printf(t, "%s\n", UTS_VERSION);
		break;
	case PROCFS_SYS_DOMAINNAME:
		procfs_text_printf(t, "%s\n", UTS_DOMAINNAME);
		break;
	default:
		err = -EINVAL;
		break;
	}
	if (err == 0 && t->failed)
		err = -ENOMEM;
	return err;
}
