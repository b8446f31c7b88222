/*
 * mem2 - mremap (grow in place, grow by moving, shrink, MREMAP_FIXED,
 * errors), madvise (MADV_DONTNEED on private vs shared memory, errors), brk
 * (grow, shrink, contents), lazy allocation of a 1 GiB mapping, copy-on-write
 * after fork (both directions, untouched pages, several children), and stack
 * growth (a few MB of recursion; overflow caught on an alternate stack).
 */
#include "check.h"

#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL

static char *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

static bool all_bytes(const char *p, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

/* ---------------------------------------------------------------- mremap */

static void test_mremap(void)
{
	section("mremap");
	/* Grow in place: reserve 5 pages, keep 2 (the fifth is for the blocker). */
	char *p = map(5 * PAGE);
	munmap(p + 2 * PAGE, 3 * PAGE);
	memset(p, 'g', 2 * PAGE);
	char *q = mremap(p, 2 * PAGE, 4 * PAGE, 0);
	check(q == p, "grow in place when the space after is free");
	check(all_bytes(q, 2 * PAGE, 'g'), "old data kept");
	check(all_bytes(q + 2 * PAGE, 2 * PAGE, 0), "new pages are zero");

	/* Blocked growth: ENOMEM without MREMAP_MAYMOVE, a move with it. */
	char *blocker = mmap(p + 4 * PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	check(blocker == p + 4 * PAGE, "a mapping right after it");
	CHECK_ERR(mremap(p, 4 * PAGE, 8 * PAGE, 0), ENOMEM, "grow into a mapping without MAYMOVE");
	q = mremap(p, 4 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
	check(q != MAP_FAILED && q != p, "MREMAP_MAYMOVE moves it");
	check(all_bytes(q, 2 * PAGE, 'g') && all_bytes(q + 2 * PAGE, 62 * PAGE, 0), "data moved with it, rest zero");
	check_fault(probe_read, p, SIGSEGV, SEGV_MAPERR, p, "old address unmapped");
	munmap(blocker, PAGE);

	/* Shrink: same address, the tail is gone. */
	char *r = mremap(q, 64 * PAGE, 3 * PAGE, 0);
	check(r == q, "shrink stays in place");
	check(all_bytes(r, 2 * PAGE, 'g'), "data kept");
	check_fault(probe_read, r + 3 * PAGE, SIGSEGV, SEGV_MAPERR, r + 3 * PAGE, "tail unmapped");

	/* MREMAP_FIXED to a chosen free address. */
	char *target = map(3 * PAGE);
	munmap(target, 3 * PAGE);
	q = mremap(r, 3 * PAGE, 3 * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, target);
	check(q == target, "MREMAP_FIXED moves to the address asked for");
	check(all_bytes(q, 2 * PAGE, 'g'), "data kept");
	check_fault(probe_read, r, SIGSEGV, SEGV_MAPERR, r, "source unmapped");

	/* Private mappings keep copy-on-write state across a move. */
	q[0] = 'p';
	pid_t pid = fork();
	if (pid == 0) {
		char *m = mremap(q, 3 * PAGE, 16 * PAGE, MREMAP_MAYMOVE);
		if (m == MAP_FAILED)
			_exit(1);
		m[0] = 'c';
		_exit(m[1] == 'g' ? 0 : 2);
	}
	check_wait(pid, "exited 0", "child moves and writes a private mapping");
	check(q[0] == 'p', "parent's copy unchanged");

	CHECK_ERR(syscall(SYS_mremap, q + 1, PAGE, 2 * PAGE, 0), EINVAL, "unaligned old address");
	CHECK_ERR(syscall(SYS_mremap, q, 3 * PAGE, 0, 0), EINVAL, "new size 0");
	CHECK_ERR(syscall(SYS_mremap, q, 3 * PAGE, 4 * PAGE, MREMAP_FIXED, target + 64 * PAGE), EINVAL,
		  "MREMAP_FIXED without MREMAP_MAYMOVE");
	CHECK_ERR(syscall(SYS_mremap, q, 3 * PAGE, 4 * PAGE, 0x80), EINVAL, "unknown flag");
	munmap(q, 3 * PAGE);
	CHECK_ERR(syscall(SYS_mremap, q, PAGE, 2 * PAGE, MREMAP_MAYMOVE), EFAULT, "old range not mapped");
}

/* ---------------------------------------------------------------- madvise */

static void test_madvise(void)
{
	section("madvise");
	char *p = map(4 * PAGE);
	memset(p, 'd', 4 * PAGE);
	CHECK_OK(madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED), "MADV_DONTNEED on 2 private pages");
	check(all_bytes(p + PAGE, 2 * PAGE, 0), "they read back as zero");
	check(all_bytes(p, PAGE, 'd') && all_bytes(p + 3 * PAGE, PAGE, 'd'), "neighbours kept");
	p[PAGE] = 'n';
	check(p[PAGE] == 'n', "writable again");

	char *s = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	memset(s, 's', 2 * PAGE);
	CHECK_OK(madvise(s, 2 * PAGE, MADV_DONTNEED), "MADV_DONTNEED on shared anonymous memory");
	check(all_bytes(s, 2 * PAGE, 's'), "shared memory keeps its data (it lives in the shared object)");
	munmap(s, 2 * PAGE);

	static const int advice[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED};
	for (size_t i = 0; i < ARRAY_SIZE(advice); i++)
		CHECK_OK(madvise(p, 4 * PAGE, advice[i]), "madvise advice %d", advice[i]);
	check(p[0] == 'd' && p[PAGE] == 'n', "data unchanged by the hints");
	CHECK_ERR(madvise(p + 1, PAGE, MADV_DONTNEED), EINVAL, "unaligned address");
	CHECK_ERR(madvise(p, PAGE, 12345), EINVAL, "unknown advice");
	munmap(p + 2 * PAGE, PAGE);
	CHECK_ERR(madvise(p, 4 * PAGE, MADV_WILLNEED), ENOMEM, "range with a hole");
	CHECK_OK(madvise(p, 0, MADV_DONTNEED), "length 0");
	munmap(p, 4 * PAGE);
}

/* ---------------------------------------------------------------- brk */

static void test_brk(void)
{
	section("brk");
	/* No malloc between these calls: musl's allocator also uses brk. */
	char *start = (char *)syscall(SYS_brk, 0);
	check(start != NULL && ((unsigned long)start & 7) == 0, "brk(0) returns the current break");
	char *grown = (char *)syscall(SYS_brk, start + 64 * 1024 + 100);
	check(grown == start + 64 * 1024 + 100, "grow by 64 KiB + 100 returns the new break");
	bool zero = true;
	for (char *c = start; c < grown; c++)
		zero = zero && *c == 0;
	check(zero, "new heap reads zero");
	memset(start, 'b', (size_t)(grown - start));
	check(start[64 * 1024 + 99] == 'b', "and is writable to the byte before the break");
	char *page_end = (char *)(((unsigned long)grown + PAGE - 1) & ~(PAGE - 1));
	check_fault(probe_read, page_end, SIGSEGV, SEGV_MAPERR, page_end, "the page after the break is unmapped");

	char *shrunk = (char *)syscall(SYS_brk, start + PAGE);
	check(shrunk == start + PAGE, "shrink to one page");
	check(start[10] == 'b', "kept part keeps its data");
	char *gone = (char *)(((unsigned long)start + 2 * PAGE) & ~(PAGE - 1));
	check_fault(probe_read, gone, SIGSEGV, SEGV_MAPERR, gone, "released pages are unmapped");
	grown = (char *)syscall(SYS_brk, start + 8 * PAGE);
	check(grown == start + 8 * PAGE, "grow again");
	check(gone[0] == 0, "re-grown pages are fresh zeros");

	char *below = (char *)syscall(SYS_brk, (char *)PAGE);
	check(below == grown, "brk below the heap start fails: returns the unchanged break");
	char *huge = (char *)syscall(SYS_brk, start + (1UL << 46));
	check(huge == grown, "brk to 64 TiB fails: returns the unchanged break");
	syscall(SYS_brk, start);
	check((char *)syscall(SYS_brk, 0) == start, "back to the start");
}

/* ---------------------------------------------------------------- lazy allocation */

static void test_lazy(void)
{
	section("lazy allocation");
	size_t len = 1UL << 30;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(p != MAP_FAILED, "mmap 1 GiB");
	if (p == MAP_FAILED)
		return;
	bool ok = true;
	for (size_t off = 0; off < len; off += 64UL << 20)
		p[off + 123] = (char)(off >> 26);
	p[len - 1] = 'z';
	for (size_t off = 0; off < len; off += 64UL << 20)
		ok = ok && p[off + 123] == (char)(off >> 26) && p[off + PAGE] == 0;
	check(ok, "17 pages touched across it read back; an untouched neighbour reads zero");
	check(p[len - 1] == 'z' && p[len - 2] == 0, "last byte");
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	check(ru.ru_maxrss < 256 * 1024, "max RSS stays well under 256 MiB");
	CHECK_OK(munmap(p, len), "munmap 1 GiB");
}

/* ---------------------------------------------------------------- copy-on-write */

static char cow_data[3 * PAGE] = {1}; /* .data */
static char cow_bss[2 * PAGE];        /* .bss, untouched before fork */

static void test_cow(void)
{
	section("copy-on-write after fork");
	char *heap = map(2 * PAGE);
	memset(heap, 'p', 2 * PAGE);
	memset(cow_data, 'p', sizeof(cow_data));
	int to_child[2], to_parent[2];
	pipe(to_child);
	pipe(to_parent);
	char c;
	pid_t pid = fork();
	if (pid == 0) {
		/* Child writes everything, then checks it does not see the parent's
		 * writes made after the fork. */
		memset(heap, 'c', PAGE);
		memset(cow_data, 'c', PAGE);
		cow_bss[0] = 'c';
		write(to_parent[1], "w", 1);
		read(to_child[0], &c, 1);
		bool ok = heap[0] == 'c' && heap[PAGE] == 'p' && cow_data[0] == 'c' && cow_data[2 * PAGE] == 'p' &&
			  cow_bss[0] == 'c' && cow_bss[PAGE] == 0;
		_exit(ok ? 0 : 1);
	}
	read(to_parent[0], &c, 1);
	check(heap[0] == 'p' && heap[PAGE] == 'p', "child's heap writes not seen by parent");
	check(cow_data[0] == 'p', "child's .data writes not seen by parent");
	check(cow_bss[0] == 0, "child's write to an untouched .bss page not seen by parent");
	heap[PAGE] = 'P';
	cow_data[2 * PAGE] = 'P';
	cow_bss[PAGE] = 'P';
	write(to_child[1], "r", 1);
	check_wait(pid, "exited 0", "child did not see the parent's later writes");

	/* Several children from the same pages. */
	pid_t kids[4];
	for (int i = 0; i < 4; i++) {
		kids[i] = fork();
		if (kids[i] == 0) {
			for (int round = 0; round < 50; round++) {
				heap[round] = (char)('A' + i);
				sched_yield();
			}
			bool ok = true;
			for (int round = 0; round < 50; round++)
				ok = ok && heap[round] == (char)('A' + i);
			_exit(ok ? 0 : 1);
		}
	}
	for (int i = 0; i < 4; i++)
		check_wait(kids[i], "exited 0", "child %d saw only its own writes", i);
	check(heap[0] == 'p', "parent unchanged");

	/* A child's COW of the stack. */
	volatile int on_stack = 5;
	pid = fork();
	if (pid == 0) {
		on_stack = 6;
		_exit(on_stack == 6 ? 0 : 1);
	}
	check_wait(pid, "exited 0", "child writes a stack variable");
	check_long(on_stack, 5, "parent's stack variable");
	munmap(heap, 2 * PAGE);
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
}

/* ---------------------------------------------------------------- stack */

/* Uses about 4 KiB of stack per level; returns a value depending on all levels. */
static unsigned long deep(int depth)
{
	volatile char frame[4000];
	frame[0] = (char)depth;
	frame[sizeof(frame) - 1] = (char)(depth >> 8);
	if (depth == 0)
		return 1;
	unsigned long below = deep(depth - 1);
	return below * 31 + (unsigned char)frame[0] + (unsigned char)frame[sizeof(frame) - 1];
}

static unsigned long deep_expected(int depth)
{
	unsigned long v = 1;
	for (int d = 1; d <= depth; d++)
		v = v * 31 + (unsigned char)(char)d + (unsigned char)(char)(d >> 8);
	return v;
}

static char altstack[65536];

/* Exits 0 when running on the alternate stack for a SEGV_MAPERR (the
 * overflowing access hits the unmapped space below the stack). */
static void on_overflow(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	char marker;
	bool on_alt = &marker >= altstack && &marker < altstack + sizeof(altstack);
	_exit(!on_alt ? 3 : si->si_code == SEGV_MAPERR ? 0 : 4);
}

static void test_stack(void)
{
	section("stack growth");
	struct rlimit rl;
	getrlimit(RLIMIT_STACK, &rl);
	check(rl.rlim_cur >= 8UL << 20, "RLIMIT_STACK >= 8 MiB");
	check(deep(1500) == deep_expected(1500), "recursion through ~6 MB of stack");

	pid_t pid = fork();
	if (pid == 0) {
		struct rlimit small = {1 << 20, rl.rlim_max};
		setrlimit(RLIMIT_STACK, &small);
		stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
		sigaltstack(&ss, NULL);
		struct sigaction sa = {.sa_sigaction = on_overflow, .sa_flags = SA_SIGINFO | SA_ONSTACK};
		sigaction(SIGSEGV, &sa, NULL);
		deep(100000);
		_exit(1);
	}
	check_wait(pid, "exited 0", "overflow past a 1 MiB RLIMIT_STACK: SIGSEGV handled on the alternate stack");
	pid = fork();
	if (pid == 0) {
		struct rlimit small = {1 << 20, rl.rlim_max};
		setrlimit(RLIMIT_STACK, &small);
		deep(100000);
		_exit(1);
	}
	check_wait(pid, "killed by SIGSEGV", "overflow with no handler");
}

int main(void)
{
	test_mremap();
	test_madvise();
	test_brk();
	test_lazy();
	test_cow();
	test_stack();
	return check_done();
}
