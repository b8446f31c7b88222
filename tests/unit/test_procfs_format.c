/*
 * kernel/fd/procfs_format.c: the texts of /proc's files, byte for byte as
 * Linux 6.1 prints them (field order, widths, padding, escapes), the growing
 * text buffer (including running out of memory), CPU masks in both bitmap
 * styles, and the name and path helpers of /proc's lookups.
 */
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "fd/procfs_format.h"
#include "lib/errno.h"

/* ---------------------------------------------------------------- the kernel's helpers, for the host */

/* kmalloc fails once this many more allocations have been made (negative: never). */
static int allocations_left = -1;

void *kmalloc(size_t size)
{
	if (allocations_left == 0)
		return NULL;
	if (allocations_left > 0)
		allocations_left--;
	return malloc(size);
}

void kfree(void *p)
{
	free(p);
}

/* glibc 2.36 has no strlcpy; the kernel's contract (lib/string.h). */
size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size > 0) {
		size_t copy = n < size - 1 ? n : size - 1;
		memcpy(dst, src, copy);
		dst[copy] = '\0';
	}
	return n;
}

/* The text as a C string (it is not terminated). */
static char *text_string(const struct procfs_text *t)
{
	static char buf[8192];
	assert_true(t->len < sizeof(buf));
	memcpy(buf, t->data, t->len);
	buf[t->len] = '\0';
	return buf;
}

/* Is line (without its newline) one whole line of s? */
static bool has_line(const char *s, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = s; (p = strstr(p, line)) != NULL; p++) {
		if ((p == s || p[-1] == '\n') && p[n] == '\n')
			return true;
	}
	return false;
}

/* ---------------------------------------------------------------- a sample process */

#define SIG_BIT(sig) (1ull << ((sig) - 1))

static struct procfs_task sample(void)
{
	struct procfs_task k;

	memset(&k, 0, sizeof(k));
	k.id = 42;
	k.tgid = 42;
	strcpy(k.comm, "sh");
	k.state = 'S';
	k.waiting = true;
	k.ppid = 1;
	k.pgid = 42;
	k.sid = 42;
	k.tty_nr = 0x501;
	k.tpgid = 42;
	k.flags = 0x400100;
	k.utime_ns = 1500000000ull;
	k.stime_ns = 250000000ull;
	k.cutime_ns = 10000000ull;
	k.num_threads = 1;
	k.start_ns = 3500000000ull;
	k.exit_signal = 17;
	k.cpu = 1;
	k.umask = 022;
	k.fd_slots = 64;
	k.sig_blocked = SIG_BIT(2);
	k.sig_ignored = SIG_BIT(13);
	k.sig_caught = SIG_BIT(17) | SIG_BIT(34);
	k.sig_queue_limit = 4096;
	k.rss_limit = UINT64_MAX;
	k.cpus_allowed = 0x3;
	k.nr_cpus = 2;
	k.privileged = true;
	k.has_mm = true;
	k.vm_pages = 100;
	k.rss_pages = 20;
	k.data_pages = 30;
	k.stack_pages = 33;
	k.exec_pages = 1;
	k.start_code = 0x401000;
	k.end_code = 0x402000;
	k.start_stack = 0x7ffc0000;
	k.start_brk = 0x403000;
	k.arg_start = 0x7ffc1000;
	k.arg_end = 0x7ffc100a;
	k.env_start = 0x7ffc100a;
	k.env_end = 0x7ffc1064;
	return k;
}

static void test_stat(void **state)
{
	(void)state;
	struct procfs_text t = {0};
	struct procfs_task k = sample();

	procfs_format_stat(&t, &k);
	assert_string_equal(text_string(&t),
			    "42 (sh) S 1 42 42 1281 42 4194560 0 0 0 0 150 25 1 0 20 0 1 0 350 409600 20 "
			    "18446744073709551615 4198400 4202496 2147221504 0 0 0 2 4096 65536 1 0 0 17 1 0 0 0 0 0 "
			    "0 0 4206592 2147225600 2147225610 2147225610 2147225700 0\n");
	procfs_text_free(&t);

	/* A zombie: no memory, its wait status; a thread other than the leader: exit signal -1. */
	k.has_mm = false;
	k.vm_pages = k.rss_pages = 0;
	k.state = 'Z';
	k.waiting = false;
	k.exit_code = 0x0300;
	k.exit_signal = -1;
	strcpy(k.comm, "a) b");
	procfs_format_stat(&t, &k);
	assert_string_equal(text_string(&t),
			    "42 (a) b) Z 1 42 42 1281 42 4194560 0 0 0 0 150 25 1 0 20 0 1 0 350 0 0 "
			    "18446744073709551615 0 0 0 0 0 0 2 4096 65536 0 0 0 -1 1 0 0 0 0 0 "
			    "0 0 0 0 0 0 0 768\n");
	procfs_text_free(&t);
}

static void test_status(void **state)
{
	(void)state;
	struct procfs_text t = {0};
	struct procfs_task k = sample();

	procfs_format_status(&t, &k);
	assert_string_equal(text_string(&t),
			    "Name:\tsh\n"
			    "Umask:\t0022\n"
			    "State:\tS (sleeping)\n"
			    "Tgid:\t42\n"
			    "Ngid:\t0\n"
			    "Pid:\t42\n"
			    "PPid:\t1\n"
			    "TracerPid:\t0\n"
			    "Uid:\t0\t0\t0\t0\n"
			    "Gid:\t0\t0\t0\t0\n"
			    "FDSize:\t64\n"
			    "Groups:\t \n"
			    "NStgid:\t42\n"
			    "NSpid:\t42\n"
			    "NSpgid:\t42\n"
			    "NSsid:\t42\n"
			    "VmPeak:\t     400 kB\n"
			    "VmSize:\t     400 kB\n"
			    "VmLck:\t       0 kB\n"
			    "VmPin:\t       0 kB\n"
			    "VmHWM:\t      80 kB\n"
			    "VmRSS:\t      80 kB\n"
			    "RssAnon:\t      80 kB\n"
			    "RssFile:\t       0 kB\n"
			    "RssShmem:\t       0 kB\n"
			    "VmData:\t     120 kB\n"
			    "VmStk:\t     132 kB\n"
			    "VmExe:\t       4 kB\n"
			    "VmLib:\t       0 kB\n"
			    "VmPTE:\t       0 kB\n"
			    "VmSwap:\t       0 kB\n"
			    "HugetlbPages:\t       0 kB\n"
			    "CoreDumping:\t0\n"
			    "THP_enabled:\t0\n"
			    "Threads:\t1\n"
			    "SigQ:\t0/4096\n"
			    "SigPnd:\t0000000000000000\n"
			    "ShdPnd:\t0000000000000000\n"
			    "SigBlk:\t0000000000000002\n"
			    "SigIgn:\t0000000000001000\n"
			    "SigCgt:\t0000000200010000\n"
			    "CapInh:\t0000000000000000\n"
			    "CapPrm:\t000001ffffffffff\n"
			    "CapEff:\t000001ffffffffff\n"
			    "CapBnd:\t000001ffffffffff\n"
			    "CapAmb:\t0000000000000000\n"
			    "NoNewPrivs:\t0\n"
			    "Seccomp:\t0\n"
			    "Seccomp_filters:\t0\n"
			    "Speculation_Store_Bypass:\tunknown\n"
			    "SpeculationIndirectBranch:\tunknown\n"
			    "Cpus_allowed:\t3\n"
			    "Cpus_allowed_list:\t0-1\n"
			    "Mems_allowed:\t00000000,00000001\n"
			    "Mems_allowed_list:\t0\n"
			    "voluntary_ctxt_switches:\t0\n"
			    "nonvoluntary_ctxt_switches:\t0\n");
	procfs_text_free(&t);

	/* A zombie has neither umask nor memory lines; an unprivileged one no capabilities; names are escaped. */
	k.has_mm = false;
	k.state = 'Z';
	k.privileged = false;
	k.uid = 1000;
	k.euid = 1001;
	k.suid = 1002;
	k.gid = 100;
	k.egid = 101;
	k.sgid = 102;
	strcpy(k.comm, "a\nb\\c");
	procfs_format_status(&t, &k);
	const char *s = text_string(&t);
	assert_non_null(strstr(s, "Name:\ta\\nb\\\\c\nState:\tZ (zombie)\n"));
	assert_null(strstr(s, "Umask:"));
	assert_null(strstr(s, "VmRSS:"));
	assert_non_null(strstr(s, "Uid:\t1000\t1001\t1002\t1001\nGid:\t100\t101\t102\t101\n"));
	assert_non_null(strstr(s, "NSsid:\t42\nThreads:\t1\n"));
	assert_non_null(strstr(s, "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nCapBnd:\t000001ffffffffff\n"));
	procfs_text_free(&t);
}

static void test_statm(void **state)
{
	(void)state;
	struct procfs_text t = {0};
	struct procfs_task k = sample();

	procfs_format_statm(&t, &k);
	assert_string_equal(text_string(&t), "100 20 0 1 0 63 0\n");
	procfs_text_free(&t);
	k.has_mm = false;
	procfs_format_statm(&t, &k);
	assert_string_equal(text_string(&t), "0 0 0 0 0 0 0\n");
	procfs_text_free(&t);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(procfs_state_name('R'), "R (running)");
	assert_string_equal(procfs_state_name('S'), "S (sleeping)");
	assert_string_equal(procfs_state_name('D'), "D (disk sleep)");
	assert_string_equal(procfs_state_name('T'), "T (stopped)");
	assert_string_equal(procfs_state_name('Z'), "Z (zombie)");
	assert_string_equal(procfs_state_name('X'), "X (dead)");
}

/* ---------------------------------------------------------------- maps, limits, masks */

static void test_maps(void **state)
{
	(void)state;
	struct procfs_text t = {0};
	char want[256];

	/* A name starts in column 73: the header is padded to 72 columns, then one space (seq_pad). */
	procfs_format_map(&t, 0x400000, 0x401000, 0x5, false, 0, 0, 0, 0, "/bin/sh");
	snprintf(want, sizeof(want), "%-72s /bin/sh\n", "00400000-00401000 r-xp 00000000 00:00 0 ");
	assert_string_equal(text_string(&t), want);
	procfs_text_free(&t);

	/* Without a name the line keeps the header's trailing space. */
	procfs_format_map(&t, 0x7ffc00000000ull, 0x7ffc00021000ull, 0x3, false, 0, 0, 0, 0, NULL);
	assert_string_equal(text_string(&t), "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 \n");
	procfs_text_free(&t);

	procfs_format_map(&t, 0x10000, 0x12000, 0x0, true, 0x3000, 8, 1, 1234, "");
	assert_string_equal(text_string(&t), "00010000-00012000 ---s 00003000 08:01 1234 \n");
	procfs_text_free(&t);

	procfs_format_map(&t, 0x7ffc00000000ull, 0x7ffc00021000ull, 0x7, false, 0, 0, 0, 0, "[stack]");
	snprintf(want, sizeof(want), "%-72s [stack]\n", "7ffc00000000-7ffc00021000 rwxp 00000000 00:00 0 ");
	assert_string_equal(text_string(&t), want);
	procfs_text_free(&t);
}

static void test_limits(void **state)
{
	(void)state;
	struct procfs_text t = {0};
	uint64_t soft[16], hard[16];

	for (int i = 0; i < 16; i++)
		soft[i] = hard[i] = UINT64_MAX;
	soft[3] = 8388608;
	soft[7] = 1024;
	hard[7] = 4096;
	soft[13] = hard[13] = 0;
	procfs_format_limits(&t, soft, hard);
	const char *s = text_string(&t);
	const char *start = "Limit                     Soft Limit           Hard Limit           Units     \n"
			    "Max cpu time              unlimited            unlimited            seconds   \n";
	assert_true(strncmp(s, start, strlen(start)) == 0);
	assert_true(has_line(s, "Max stack size            8388608              unlimited            bytes     "));
	assert_true(has_line(s, "Max open files            1024                 4096                 files     "));
	assert_true(has_line(s, "Max nice priority         0                    0                    "));
	assert_true(has_line(s, "Max realtime timeout      unlimited            unlimited            us        "));
	int lines = 0;
	for (const char *p = s; *p != '\0'; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 17);
	procfs_text_free(&t);
}

static void check_masks(uint64_t mask, unsigned nbits, const char *bitmap, const char *list)
{
	struct procfs_text t = {0};

	procfs_format_bitmap(&t, mask, nbits);
	assert_string_equal(t.len > 0 ? text_string(&t) : "", bitmap);
	procfs_text_free(&t);
	procfs_format_bitlist(&t, mask, nbits);
	assert_string_equal(t.len > 0 ? text_string(&t) : "", list);
	procfs_text_free(&t);
}

static void test_cpu_masks(void **state)
{
	(void)state;
	check_masks(0xf, 4, "f", "0-3");
	check_masks(0x5, 4, "5", "0,2");
	check_masks(0x1, 1, "1", "0");
	check_masks(0x0, 8, "00", "");
	check_masks(0xb6, 8, "b6", "1-2,4-5,7");
	check_masks(0x1, 40, "00,00000001", "0");
	check_masks(0x8000000000ull, 40, "80,00000000", "39");
	check_masks(0xffffffffull, 32, "ffffffff", "0-31");
	check_masks(~0ull, 64, "ffffffff,ffffffff", "0-63");
	check_masks(0x8000000000000001ull, 64, "80000000,00000001", "0,63");
	/* Bits past nbits are not shown. */
	check_masks(0xff, 4, "f", "0-3");
}

/* ---------------------------------------------------------------- system files */

static void test_meminfo(void **state)
{
	(void)state;
	struct procfs_text t = {0};
	struct procfs_meminfo m = {.total = 4030892, .free = 3000000, .available = 3000000, .slab = 1200,
				   .kernel_stack = 64, .page_tables = 0, .commit_limit = 2015446, .committed = 1030892};

	procfs_format_meminfo(&t, &m);
	const char *s = text_string(&t);
	const char *start = "MemTotal:        4030892 kB\n"
			    "MemFree:         3000000 kB\n"
			    "MemAvailable:    3000000 kB\n"
			    "Buffers:               0 kB\n";
	assert_true(strncmp(s, start, strlen(start)) == 0);
	assert_non_null(strstr(s, "\nSlab:               1200 kB\n"
				  "SReclaimable:          0 kB\n"
				  "SUnreclaim:         1200 kB\n"
				  "KernelStack:          64 kB\n"));
	assert_non_null(strstr(s, "\nCommitLimit:     2015446 kB\nCommitted_AS:    1030892 kB\n"));
	assert_non_null(strstr(s, "\nVmallocTotal:   34359738367 kB\n"));
	assert_non_null(strstr(s, "\nHugePages_Total:       0\nHugePages_Free:        0\n"));
	const char *last = "\nHugetlb:               0 kB\n";
	assert_true(strlen(s) > strlen(last) && strcmp(s + strlen(s) - strlen(last), last) == 0);
	procfs_text_free(&t);
}

static void test_uptime_loadavg(void **state)
{
	(void)state;
	struct procfs_text t = {0};

	procfs_format_uptime(&t, 12345678901ull, 98765432100ull);
	assert_string_equal(text_string(&t), "12.34 98.76\n");
	procfs_text_free(&t);
	procfs_format_uptime(&t, 0, 0);
	assert_string_equal(text_string(&t), "0.00 0.00\n");
	procfs_text_free(&t);
	procfs_format_loadavg(&t, 2, 10, 123);
	assert_string_equal(text_string(&t), "0.00 0.00 0.00 2/10 123\n");
	procfs_text_free(&t);
}

static void test_system_stat(void **state)
{
	(void)state;
	struct procfs_text t = {0};
	struct procfs_cpu_time cpus[2] = {{1000000000ull, 500000000ull, 2000000000ull}, {0, 0, 3500000000ull}};
	struct procfs_system s = {cpus, 2, 1700000000ull, 77, 1, 0};

	procfs_format_system_stat(&t, &s);
	assert_string_equal(text_string(&t), "cpu  100 0 50 550 0 0 0 0 0 0\n"
					     "cpu0 100 0 50 200 0 0 0 0 0 0\n"
					     "cpu1 0 0 0 350 0 0 0 0 0 0\n"
					     "intr 0\nctxt 0\nbtime 1700000000\nprocesses 77\n"
					     "procs_running 1\nprocs_blocked 0\n"
					     "softirq 0 0 0 0 0 0 0 0 0 0 0\n");
	procfs_text_free(&t);
}

static void test_cpuinfo(void **state)
{
	(void)state;
	struct procfs_text t = {0};
	struct arch_cpu_info c;

	memset(&c, 0, sizeof(c));
	strcpy(c.vendor, "GenuineIntel");
	strcpy(c.model_name, "QEMU Virtual CPU version 2.5+");
	c.family = 6;
	c.model = 6;
	c.stepping = 3;
	c.cpuid_level = 13;
	c.khz = 2993967;
	c.cache_kb = 512;
	c.clflush_bytes = 64;
	c.phys_bits = 40;
	c.virt_bits = 48;
	strcpy(c.flags, "fpu sse sse2");
	procfs_format_cpuinfo(&t, &c, 1, 2, 1);
	assert_string_equal(text_string(&t), "processor\t: 1\n"
					     "vendor_id\t: GenuineIntel\n"
					     "cpu family\t: 6\n"
					     "model\t\t: 6\n"
					     "model name\t: QEMU Virtual CPU version 2.5+\n"
					     "stepping\t: 3\n"
					     "cpu MHz\t\t: 2993.967\n"
					     "cache size\t: 512 KB\n"
					     "physical id\t: 0\n"
					     "siblings\t: 2\n"
					     "core id\t\t: 1\n"
					     "cpu cores\t: 2\n"
					     "apicid\t\t: 1\n"
					     "initial apicid\t: 1\n"
					     "fpu\t\t: yes\n"
					     "fpu_exception\t: yes\n"
					     "cpuid level\t: 13\n"
					     "wp\t\t: yes\n"
					     "flags\t\t: fpu sse sse2\n"
					     "bugs\t\t:\n"
					     "bogomips\t: 5987.93\n"
					     "clflush size\t: 64\n"
					     "cache_alignment\t: 64\n"
					     "address sizes\t: 40 bits physical, 48 bits virtual\n"
					     "power management:\n\n");
	procfs_text_free(&t);

	/* Unknown names, no cache size, no flags. */
	memset(&c, 0, sizeof(c));
	procfs_format_cpuinfo(&t, &c, 0, 1, 0);
	const char *s = text_string(&t);
	assert_non_null(strstr(s, "vendor_id\t: unknown\n"));
	assert_non_null(strstr(s, "model name\t: unknown\n"));
	assert_null(strstr(s, "cache size"));
	assert_non_null(strstr(s, "flags\t\t:\nbugs\t\t:\n"));
	procfs_text_free(&t);
}

/* ---------------------------------------------------------------- the text buffer */

static void test_text_grows(void **state)
{
	(void)state;
	struct procfs_text t = {0};

	for (int i = 0; i < 1000; i++)
		procfs_text_printf(&t, "%04d,", i);
	assert_false(t.failed);
	assert_int_equal(t.len, 5000);
	assert_true(memcmp(t.data, "0000,0001,", 10) == 0);
	assert_true(memcmp(t.data + 4995, "0999,", 5) == 0);
	procfs_text_put(&t, "", 0);
	assert_int_equal(t.len, 5000);
	procfs_text_free(&t);
	assert_null(t.data);
	assert_int_equal(t.len, 0);
}

static void test_text_out_of_memory(void **state)
{
	(void)state;
	struct procfs_text t = {0};
	char block[300];

	memset(block, 'x', sizeof(block));
	allocations_left = 1;
	procfs_text_put(&t, block, 100); /* the first buffer */
	procfs_text_put(&t, block, 300); /* needs a bigger one: fails */
	allocations_left = -1;
	assert_true(t.failed);
	assert_int_equal(t.len, 100);
	procfs_text_put(&t, block, 1); /* stays failed: nothing more is added */
	assert_int_equal(t.len, 100);
	procfs_text_free(&t);
	assert_false(t.failed);
	procfs_text_put(&t, block, 1);
	assert_int_equal(t.len, 1);
	procfs_text_free(&t);
}

/* ---------------------------------------------------------------- names and paths */

static void test_parse_number(void **state)
{
	(void)state;
	assert_int_equal(procfs_parse_number("0", 1), 0);
	assert_int_equal(procfs_parse_number("7", 1), 7);
	assert_int_equal(procfs_parse_number("123", 3), 123);
	assert_int_equal(procfs_parse_number("12345", 3), 123);
	assert_int_equal(procfs_parse_number("2147483647", 10), 2147483647);
	assert_int_equal(procfs_parse_number("2147483648", 10), -1);
	assert_int_equal(procfs_parse_number("99999999999", 11), -1);
	assert_int_equal(procfs_parse_number("", 0), -1);
	assert_int_equal(procfs_parse_number("01", 2), -1);
	assert_int_equal(procfs_parse_number("12a", 3), -1);
	assert_int_equal(procfs_parse_number("-1", 2), -1);
	assert_int_equal(procfs_parse_number("self", 4), -1);
}

static void test_next_name(void **state)
{
	(void)state;
	const char *path = "//self///fd/3/", *name;
	size_t len;

	assert_true(procfs_next_name(&path, &name, &len));
	assert_int_equal(len, 4);
	assert_true(strncmp(name, "self", 4) == 0);
	assert_false(procfs_path_rest_empty(path));
	assert_true(procfs_next_name(&path, &name, &len));
	assert_true(len == 2 && strncmp(name, "fd", 2) == 0);
	assert_true(procfs_next_name(&path, &name, &len));
	assert_true(len == 1 && name[0] == '3');
	assert_string_equal(path, "/");
	assert_true(procfs_path_rest_empty(path));
	assert_false(procfs_next_name(&path, &name, &len));
	assert_string_equal(path, "");

	path = "";
	assert_false(procfs_next_name(&path, &name, &len));
	assert_true(procfs_path_rest_empty(""));
	assert_true(procfs_path_rest_empty("///"));
}

static void test_join_path(void **state)
{
	(void)state;
	char out[16];

	assert_int_equal(procfs_join_path(out, sizeof(out), "/", ""), 1);
	assert_string_equal(out, "/");
	assert_int_equal(procfs_join_path(out, sizeof(out), "/a/b", "/c"), 6);
	assert_string_equal(out, "/a/b/c");
	assert_int_equal(procfs_join_path(out, sizeof(out), "/a/b/", "//c//d"), 9);
	assert_string_equal(out, "/a/b/c//d");
	assert_int_equal(procfs_join_path(out, sizeof(out), "/", "/etc"), 4);
	assert_string_equal(out, "/etc");
	/* A rest of only slashes keeps one: the server must still find a directory. */
	assert_int_equal(procfs_join_path(out, sizeof(out), "/tmp", "//"), 5);
	assert_string_equal(out, "/tmp/");
	assert_int_equal(procfs_join_path(out, sizeof(out), "/tmp/", ""), 4);
	assert_string_equal(out, "/tmp");
	/* 15 characters and the NUL fit exactly; one more does not. */
	assert_int_equal(procfs_join_path(out, sizeof(out), "/0123456789", "/abc"), 15);
	assert_string_equal(out, "/0123456789/abc");
	assert_int_equal(procfs_join_path(out, sizeof(out), "/0123456789", "/abcd"), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stat),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_statm),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_maps),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_cpu_masks),
		cmocka_unit_test(test_meminfo),
		cmocka_unit_test(test_uptime_loadavg),
		cmocka_unit_test(test_system_stat),
		cmocka_unit_test(test_cpuinfo),
		cmocka_unit_test(test_text_grows),
		cmocka_unit_test(test_text_out_of_memory),
		cmocka_unit_test(test_parse_number),
		cmocka_unit_test(test_next_name),
		cmocka_unit_test(test_join_path),
	};
	return cmocka_run_group_tests_name("procfs_format", tests, NULL, NULL);
}
