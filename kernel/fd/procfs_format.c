#include "fd/procfs_format.h"

#include <stdarg.h>

#include "lib/errno.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/heap.h"

#define NSEC_PER_TICK (1000000000ull / PROCFS_HZ)
#define TEXT_FIRST_CAP 256
/* Linux 6.1's capabilities: CAP_CHOWN (0) .. CAP_CHECKPOINT_RESTORE (40). */
#define CAP_FULL_SET 0x000001ffffffffffull
/* seq_setwidth in show_vma_header_prefix: 25 + sizeof(void *) * 6 - 1 columns before a name. */
#define MAPS_NAME_COLUMN 72
#define PROT_READ_BIT 0x1u
#define PROT_WRITE_BIT 0x2u
#define PROT_EXEC_BIT 0x4u
#define PID_NAME_DIGITS_MAX 10

/* ---------------------------------------------------------------- text */

static bool reserve(struct procfs_text *t, size_t more)
{
	if (t->failed)
		return false;
	if (more <= t->cap - t->len)
		return true;
	size_t cap = t->cap > 0 ? t->cap : TEXT_FIRST_CAP;
	while (more > cap - t->len) {
		if (cap > SIZE_MAX / 2) {
			t->failed = true;
			return false;
		}
		cap *= 2;
	}
	char *data = kmalloc(cap);
	if (data == NULL) {
		t->failed = true;
		return false;
	}
	if (t->len > 0)
		memcpy(data, t->data, t->len);
	kfree(t->data);
	t->data = data;
	t->cap = cap;
	return true;
}

void procfs_text_put(struct procfs_text *t, const void *bytes, size_t n)
{
	if (n == 0 || !reserve(t, n))
		return;
	memcpy(t->data + t->len, bytes, n);
	t->len += n;
}

static void text_sink(void *ctx, const char *s, size_t n)
{
	procfs_text_put(ctx, s, n);
}

void procfs_text_printf(struct procfs_text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vformat(text_sink, t, fmt, ap);
	va_end(ap);
}

void procfs_text_free(struct procfs_text *t)
{
	kfree(t->data);
	t->data = NULL;
	t->len = t->cap = 0;
	t->failed = false;
}

/* ---------------------------------------------------------------- processes */

static unsigned long long ticks(uint64_t ns)
{
	return ns / NSEC_PER_TICK;
}

static unsigned long long kib(uint64_t pages)
{
	return (unsigned long long)pages * PROCFS_PAGE_KB;
}

const char *procfs_state_name(char state)
{
	switch (state) {
	case 'R':
		return "R (running)";
	case 'S':
		return "S (sleeping)";
	case 'D':
		return "D (disk sleep)";
	case 'T':
		return "T (stopped)";
	case 't':
		return "t (tracing stop)";
	case 'Z':
		return "Z (zombie)";
	case 'X':
		return "X (dead)";
	default:
		return "I (idle)";
	}
}

/* Only the low 31 signals, in decimal: the obsolete fields 31-34 of stat (Linux 2.0 compatibility). */
static unsigned long long old_sigset(uint64_t set)
{
	return set & 0x7fffffffull;
}

void procfs_format_stat(struct procfs_text *t, const struct procfs_task *k)
{
	char comm[sizeof(k->comm)];

	strlcpy(comm, k->comm, sizeof(comm));
	/* Fields 1-25: ids, state, terminal, flags, faults (none counted), times, priority 20 / nice 0. */
	procfs_text_printf(t,
			   "%d (%s) %c %d %d %d %d %d %llu 0 0 0 0 %llu %llu %lld %lld 20 0 %d 0 %llu %llu %llu %llu",
			   k->id, comm, k->state, k->ppid, k->pgid, k->sid, k->tty_nr, k->tpgid,
			   (unsigned long long)k->flags, ticks(k->utime_ns), ticks(k->stime_ns),
			   (long long)ticks(k->cutime_ns), (long long)ticks(k->cstime_ns), k->num_threads,
			   ticks(k->start_ns), (unsigned long long)k->vm_pages * PROCFS_PAGE_KB * 1024,
			   (unsigned long long)k->rss_pages, (unsigned long long)k->rss_limit);
	/* 26-30: code range, stack start, saved sp and ip (Linux shows the last two only for core dumps). */
	procfs_text_printf(t, " %llu %llu %llu 0 0", (unsigned long long)(k->has_mm ? k->start_code : 0),
			   (unsigned long long)(k->has_mm ? k->end_code : 0),
			   (unsigned long long)(k->has_mm ? k->start_stack : 0));
	/* 31-44: signals, wchan flag, nswap, cnswap, exit signal, CPU, rt priority, policy, blkio, guest. */
	procfs_text_printf(t, " %llu %llu %llu %llu %d 0 0 %d %d 0 0 0 0 0", old_sigset(k->sig_pending),
			   old_sigset(k->sig_blocked), old_sigset(k->sig_ignored), old_sigset(k->sig_caught),
			   k->waiting ? 1 : 0, k->exit_signal, k->cpu);
	/* 45-52: data range (not kept), brk start, argument and environment strings, exit code. */
	if (k->has_mm)
		procfs_text_printf(t, " 0 0 %llu %llu %llu %llu %llu", (unsigned long long)k->start_brk,
				   (unsigned long long)k->arg_start, (unsigned long long)k->arg_end,
				   (unsigned long long)k->env_start, (unsigned long long)k->env_end);
	else
		procfs_text_printf(t, " 0 0 0 0 0 0 0");
	procfs_text_printf(t, " %d\n", k->exit_code);
}

/* The name as status shows it: a newline and a backslash escaped (seq_escape_str, "\n\\"). */
static void put_escaped_name(struct procfs_text *t, const char *name, size_t max)
{
	for (size_t i = 0; i < max && name[i] != '\0'; i++) {
		if (name[i] == '\n')
			procfs_text_put(t, "\\n", 2);
		else if (name[i] == '\\')
			procfs_text_put(t, "\\\\", 2);
		else
			procfs_text_put(t, &name[i], 1);
	}
}

static void format_status_memory(struct procfs_text *t, const struct procfs_task *k)
{
	uint64_t hwm = k->hwm_pages > k->rss_pages ? k->hwm_pages : k->rss_pages;

	procfs_text_printf(t, "VmPeak:\t%8llu kB\nVmSize:\t%8llu kB\nVmLck:\t%8u kB\nVmPin:\t%8u kB\n",
			   kib(k->vm_pages), kib(k->vm_pages), 0u, 0u);
	procfs_text_printf(t, "VmHWM:\t%8llu kB\nVmRSS:\t%8llu kB\n", kib(hwm), kib(k->rss_pages));
	/* Resident pages are not told apart by kind: all count as anonymous. */
	procfs_text_printf(t, "RssAnon:\t%8llu kB\nRssFile:\t%8u kB\nRssShmem:\t%8u kB\n", kib(k->rss_pages), 0u, 0u);
	procfs_text_printf(t, "VmData:\t%8llu kB\nVmStk:\t%8llu kB\nVmExe:\t%8llu kB\nVmLib:\t%8u kB\n",
			   kib(k->data_pages), kib(k->stack_pages), kib(k->exec_pages), 0u);
	procfs_text_printf(t, "VmPTE:\t%8u kB\nVmSwap:\t%8u kB\nHugetlbPages:\t%8u kB\n", 0u, 0u, 0u);
	procfs_text_printf(t, "CoreDumping:\t0\nTHP_enabled:\t0\n");
}

void procfs_format_status(struct procfs_text *t, const struct procfs_task *k)
{
	procfs_text_printf(t, "Name:\t");
	put_escaped_name(t, k->comm, sizeof(k->comm));
	procfs_text_printf(t, "\n");
	if (k->has_mm)
		procfs_text_printf(t, "Umask:\t%04o\n", k->umask & 0777);
	procfs_text_printf(t, "State:\t%s\nTgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
			   procfs_state_name(k->state), k->tgid, k->id, k->ppid);
	procfs_text_printf(t, "Uid:\t%u\t%u\t%u\t%u\nGid:\t%u\t%u\t%u\t%u\n", k->uid, k->euid, k->suid, k->euid,
			   k->gid, k->egid, k->sgid, k->egid);
	/* "Groups:\t" then one " %u" per group and a trailing space Linux keeps for compatibility. */
	procfs_text_printf(t, "FDSize:\t%u\nGroups:\t \nNStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
			   k->fd_slots, k->tgid, k->id, k->pgid, k->sid);
	if (k->has_mm)
		format_status_memory(t, k);
	procfs_text_printf(t, "Threads:\t%d\nSigQ:\t%u/%llu\n", k->num_threads, k->sig_queued,
			   (unsigned long long)k->sig_queue_limit);
	procfs_text_printf(t,
			   "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\nSigIgn:\t%016llx\nSigCgt:\t%016llx\n",
			   (unsigned long long)k->sig_pending, (unsigned long long)k->sig_shared,
			   (unsigned long long)k->sig_blocked, (unsigned long long)k->sig_ignored,
			   (unsigned long long)k->sig_caught);
	unsigned long long caps = k->privileged ? CAP_FULL_SET : 0;
	procfs_text_printf(t,
			   "CapInh:\t%016llx\nCapPrm:\t%016llx\nCapEff:\t%016llx\nCapBnd:\t%016llx\nCapAmb:\t%016llx\n",
			   0ull, caps, caps, CAP_FULL_SET, 0ull);
	procfs_text_printf(t, "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
			      "Speculation_Store_Bypass:\tunknown\nSpeculationIndirectBranch:\tunknown\n");
	procfs_text_printf(t, "Cpus_allowed:\t");
	procfs_format_bitmap(t, k->cpus_allowed, k->nr_cpus);
	procfs_text_printf(t, "\nCpus_allowed_list:\t");
	procfs_format_bitlist(t, k->cpus_allowed, k->nr_cpus);
	/* One memory node, in a 64-node bitmap (NODES_SHIFT 6, as Debian's kernels). */
	procfs_text_printf(t, "\nMems_allowed:\t00000000,00000001\nMems_allowed_list:\t0\n");
	procfs_text_printf(t, "voluntary_ctxt_switches:\t0\nnonvoluntary_ctxt_switches:\t0\n");
}

void procfs_format_statm(struct procfs_text *t, const struct procfs_task *k)
{
	if (!k->has_mm) {
		procfs_text_printf(t, "0 0 0 0 0 0 0\n");
		return;
	}
	uint64_t page = PROCFS_PAGE_KB * 1024;
	uint64_t text = k->end_code > k->start_code
				? ((k->end_code + page - 1) / page) - (k->start_code / page)
				: 0;
	procfs_text_printf(t, "%llu %llu 0 %llu 0 %llu 0\n", (unsigned long long)k->vm_pages,
			   (unsigned long long)k->rss_pages, (unsigned long long)text,
			   (unsigned long long)(k->data_pages + k->stack_pages));
}

/* ---------------------------------------------------------------- maps, limits, masks */

void procfs_format_map(struct procfs_text *t, uint64_t start, uint64_t end, unsigned prot, bool shared,
		       uint64_t offset, unsigned dev_major, unsigned dev_minor, uint64_t ino, const char *name)
{
	char line[128];
	int n = ksnprintf(line, sizeof(line), "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
			  (unsigned long long)start, (unsigned long long)end, (prot & PROT_READ_BIT) ? 'r' : '-',
			  (prot & PROT_WRITE_BIT) ? 'w' : '-', (prot & PROT_EXEC_BIT) ? 'x' : '-', shared ? 's' : 'p',
			  (unsigned long long)offset, dev_major, dev_minor, (unsigned long long)ino);

	procfs_text_put(t, line, (size_t)n);
	if (name != NULL && name[0] != '\0') {
		/* seq_pad: spaces up to the name column, then one more. */
		for (int col = n; col < MAPS_NAME_COLUMN; col++)
			procfs_text_put(t, " ", 1);
		procfs_text_put(t, " ", 1);
		procfs_text_put(t, name, strlen(name));
	}
	procfs_text_put(t, "\n", 1);
}

/* fs/proc/base.c lnames[], in RLIMIT_* order. */
static const struct {
	const char *name, *unit;
} limit_names[16] = {
	{"Max cpu time", "seconds"},        {"Max file size", "bytes"},      {"Max data size", "bytes"},
	{"Max stack size", "bytes"},        {"Max core file size", "bytes"}, {"Max resident set", "bytes"},
	{"Max processes", "processes"},     {"Max open files", "files"},     {"Max locked memory", "bytes"},
	{"Max address space", "bytes"},     {"Max file locks", "locks"},     {"Max pending signals", "signals"},
	{"Max msgqueue size", "bytes"},     {"Max nice priority", NULL},     {"Max realtime priority", NULL},
	{"Max realtime timeout", "us"},
};

static void format_limit_value(struct procfs_text *t, uint64_t v)
{
	if (v == UINT64_MAX)
		procfs_text_printf(t, "%-20s ", "unlimited");
	else
		procfs_text_printf(t, "%-20llu ", (unsigned long long)v);
}

void procfs_format_limits(struct procfs_text *t, const uint64_t soft[16], const uint64_t hard[16])
{
	procfs_text_printf(t, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < 16; i++) {
		procfs_text_printf(t, "%-25s ", limit_names[i].name);
		format_limit_value(t, soft[i]);
		format_limit_value(t, hard[i]);
		if (limit_names[i].unit != NULL)
			procfs_text_printf(t, "%-10s", limit_names[i].unit);
		procfs_text_put(t, "\n", 1);
	}
}

/* lib/vsprintf.c bitmap_string: 32-bit chunks, most significant first, the first one only as wide as its bits. */
void procfs_format_bitmap(struct procfs_text *t, uint64_t mask, unsigned nbits)
{
	if (nbits > 64)
		nbits = 64;
	if (nbits == 0)
		return;
	unsigned chunk = nbits % 32 != 0 ? nbits % 32 : 32;
	int first = (int)((nbits + 31) / 32) * 32 - 32;
	for (int bit = first; bit >= 0; bit -= 32) {
		uint64_t value = (mask >> bit) & ((1ull << chunk) - 1);
		procfs_text_printf(t, "%s%0*llx", bit == first ? "" : ",", (int)((chunk + 3) / 4),
				   (unsigned long long)value);
		chunk = 32;
	}
}

/* bitmap_list_string: ranges "a-b" and single bits, comma-separated. */
void procfs_format_bitlist(struct procfs_text *t, uint64_t mask, unsigned nbits)
{
	bool first = true;

	if (nbits > 64)
		nbits = 64;
	for (unsigned bit = 0; bit < nbits;) {
		if (!(mask & (1ull << bit))) {
			bit++;
			continue;
		}
		unsigned end = bit;
		while (end + 1 < nbits && (mask & (1ull << (end + 1))))
			end++;
		if (end == bit)
			procfs_text_printf(t, "%s%u", first ? "" : ",", bit);
		else
			procfs_text_printf(t, "%s%u-%u", first ? "" : ",", bit, end);
		first = false;
		bit = end + 1;
	}
}

/* ---------------------------------------------------------------- system files */

static void meminfo_line(struct procfs_text *t, const char *label, uint64_t kb)
{
	procfs_text_printf(t, "%-16s%8llu kB\n", label, (unsigned long long)kb);
}

static void meminfo_count(struct procfs_text *t, const char *label, uint64_t n)
{
	procfs_text_printf(t, "%-16s%8llu\n", label, (unsigned long long)n);
}

/* x86-64's vmalloc area (VMALLOC_SIZE_TB 32 with 4-level paging), as Linux reports it. */
#define VMALLOC_TOTAL_KB 34359738367ull
#define HUGE_PAGE_KB 2048

void procfs_format_meminfo(struct procfs_text *t, const struct procfs_meminfo *m)
{
	meminfo_line(t, "MemTotal:", m->total);
	meminfo_line(t, "MemFree:", m->free);
	meminfo_line(t, "MemAvailable:", m->available);
	static const char *const no_page_cache[] = {"Buffers:", "Cached:", "SwapCached:", "Active:", "Inactive:",
						    "Active(anon):", "Inactive(anon):", "Active(file):",
						    "Inactive(file):", "Unevictable:", "Mlocked:", "SwapTotal:",
						    "SwapFree:", "Dirty:", "Writeback:", "AnonPages:", "Mapped:",
						    "Shmem:", "KReclaimable:"};
	for (size_t i = 0; i < sizeof(no_page_cache) / sizeof(no_page_cache[0]); i++)
		meminfo_line(t, no_page_cache[i], 0);
	meminfo_line(t, "Slab:", m->slab);
	meminfo_line(t, "SReclaimable:", 0);
	meminfo_line(t, "SUnreclaim:", m->slab);
	meminfo_line(t, "KernelStack:", m->kernel_stack);
	meminfo_line(t, "PageTables:", m->page_tables);
	meminfo_line(t, "NFS_Unstable:", 0);
	meminfo_line(t, "Bounce:", 0);
	meminfo_line(t, "WritebackTmp:", 0);
	meminfo_line(t, "CommitLimit:", m->commit_limit);
	meminfo_line(t, "Committed_AS:", m->committed);
	meminfo_line(t, "VmallocTotal:", VMALLOC_TOTAL_KB);
	meminfo_line(t, "VmallocUsed:", 0);
	meminfo_line(t, "VmallocChunk:", 0);
	meminfo_line(t, "Percpu:", 0);
	meminfo_line(t, "AnonHugePages:", 0);
	meminfo_line(t, "ShmemHugePages:", 0);
	meminfo_line(t, "ShmemPmdMapped:", 0);
	meminfo_line(t, "FileHugePages:", 0);
	meminfo_line(t, "FilePmdMapped:", 0);
	meminfo_count(t, "HugePages_Total:", 0);
	meminfo_count(t, "HugePages_Free:", 0);
	meminfo_count(t, "HugePages_Rsvd:", 0);
	meminfo_count(t, "HugePages_Surp:", 0);
	meminfo_line(t, "Hugepagesize:", HUGE_PAGE_KB);
	meminfo_line(t, "Hugetlb:", 0);
}

void procfs_format_uptime(struct procfs_text *t, uint64_t uptime_ns, uint64_t idle_ns)
{
	uint64_t up = uptime_ns / (NSEC_PER_TICK), idle = idle_ns / (NSEC_PER_TICK);

	procfs_text_printf(t, "%llu.%02llu %llu.%02llu\n", (unsigned long long)(up / PROCFS_HZ),
			   (unsigned long long)(up % PROCFS_HZ), (unsigned long long)(idle / PROCFS_HZ),
			   (unsigned long long)(idle % PROCFS_HZ));
}

void procfs_format_system_stat(struct procfs_text *t, const struct procfs_system *s)
{
	struct procfs_cpu_time sum = {0, 0, 0};

	for (unsigned i = 0; i < s->ncpus; i++) {
		sum.user_ns += s->cpus[i].user_ns;
		sum.system_ns += s->cpus[i].system_ns;
		sum.idle_ns += s->cpus[i].idle_ns;
	}
	/* user nice system idle iowait irq softirq steal guest guest_nice */
	procfs_text_printf(t, "cpu  %llu 0 %llu %llu 0 0 0 0 0 0\n", ticks(sum.user_ns), ticks(sum.system_ns),
			   ticks(sum.idle_ns));
	for (unsigned i = 0; i < s->ncpus; i++)
		procfs_text_printf(t, "cpu%u %llu 0 %llu %llu 0 0 0 0 0 0\n", i, ticks(s->cpus[i].user_ns),
				   ticks(s->cpus[i].system_ns), ticks(s->cpus[i].idle_ns));
	procfs_text_printf(t, "intr 0\nctxt 0\nbtime %llu\nprocesses %llu\nprocs_running %u\nprocs_blocked %u\n",
			   (unsigned long long)s->boot_time, (unsigned long long)s->processes, s->running, s->blocked);
	procfs_text_printf(t, "softirq 0 0 0 0 0 0 0 0 0 0 0\n");
}

void procfs_format_loadavg(struct procfs_text *t, unsigned running, unsigned threads, int last_pid)
{
	procfs_text_printf(t, "0.00 0.00 0.00 %u/%u %d\n", running, threads, last_pid);
}

/* arch/x86/kernel/cpu/proc.c show_cpuinfo, with one package of ncpus cores and no hyperthreads. */
void procfs_format_cpuinfo(struct procfs_text *t, const struct arch_cpu_info *c, unsigned index, unsigned ncpus,
			   uint32_t apic_id)
{
	procfs_text_printf(t, "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\nmodel name\t: %s\n",
			   index, c->vendor[0] != '\0' ? c->vendor : "unknown", c->family, c->model,
			   c->model_name[0] != '\0' ? c->model_name : "unknown");
	procfs_text_printf(t, "stepping\t: %u\ncpu MHz\t\t: %llu.%03llu\n", c->stepping,
			   (unsigned long long)(c->khz / 1000), (unsigned long long)(c->khz % 1000));
	if (c->cache_kb != 0)
		procfs_text_printf(t, "cache size\t: %u KB\n", c->cache_kb);
	procfs_text_printf(t, "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n", ncpus, index,
			   ncpus);
	procfs_text_printf(t, "apicid\t\t: %u\ninitial apicid\t: %u\n", apic_id, apic_id);
	procfs_text_printf(t, "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: %u\nwp\t\t: yes\n", c->cpuid_level);
	procfs_text_printf(t, "flags\t\t:%s%s\nbugs\t\t:\n", c->flags[0] != '\0' ? " " : "", c->flags);
	/* bogomips: twice the clock in MHz (loops_per_jiffy of a calibrated delay loop). */
	uint64_t bogo = c->khz * 2 / 10;
	procfs_text_printf(t, "bogomips\t: %llu.%02llu\n", (unsigned long long)(bogo / 100),
			   (unsigned long long)(bogo % 100));
	procfs_text_printf(t, "clflush size\t: %u\ncache_alignment\t: %u\n", c->clflush_bytes, c->clflush_bytes);
	procfs_text_printf(t, "address sizes\t: %u bits physical, %u bits virtual\npower management:\n\n",
			   c->phys_bits, c->virt_bits);
}

/* ---------------------------------------------------------------- names and paths */

int procfs_parse_number(const char *name, size_t len)
{
	int64_t v = 0;

	if (len == 0 || len > PID_NAME_DIGITS_MAX || (len > 1 && name[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v <= INT32_MAX ? (int)v : -1;
}

bool procfs_next_name(const char **path, const char **name, size_t *len)
{
	const char *p = *path;

	while (*p == '/')
		p++;
	if (*p == '\0') {
		*path = p;
		return false;
	}
	const char *end = p;
	while (*end != '\0' && *end != '/')
		end++;
	*name = p;
	*len = (size_t)(end - p);
	*path = end;
	return true;
}

bool procfs_path_rest_empty(const char *path)
{
	while (*path == '/')
		path++;
	return *path == '\0';
}

int procfs_join_path(char *out, size_t cap, const char *prefix, const char *rest)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	bool more = rest[0] != '\0';
	while (*rest == '/')
		rest++;
	size_t r = strlen(rest);
	bool slash = more && prefix[n - 1] != '/';
	if (n + (slash ? 1 : 0) + r + 1 > cap)
		return -ENAMETOOLONG;
	memcpy(out, prefix, n);
	if (slash)
		out[n++] = '/';
	memcpy(out + n, rest, r);
	n += r;
	out[n] = '\0';
	return (int)n;
}
