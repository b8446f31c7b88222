/*
 * mem - mmap, munmap and mprotect: anonymous private and shared mappings,
 * MAP_FIXED and MAP_FIXED_NOREPLACE, address hints, PROT_NONE, partial
 * munmap and holes, mprotect splits, faults with their si_code (SEGV_MAPERR
 * vs SEGV_ACCERR) and si_addr, executing from RWX and from NX memory, and the
 * argument errors.
 */
#include "check.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096UL

static char *map(size_t len, int prot)
{
	void *p = mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* True when every byte of [p, p+len) equals c. */
static bool all_bytes(const char *p, size_t len, char c)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return false;
	return true;
}

static void test_anonymous(void)
{
	section("anonymous mappings");
	char *p = map(3 * PAGE, PROT_READ | PROT_WRITE);
	check(p != NULL, "mmap 3 pages");
	check(((unsigned long)p & (PAGE - 1)) == 0, "page aligned");
	check(all_bytes(p, 3 * PAGE, 0), "zero filled");
	memset(p, 'a', 3 * PAGE);
	check(all_bytes(p, 3 * PAGE, 'a'), "writable and reads back");
	CHECK_OK(munmap(p, 3 * PAGE), "munmap");
	check_fault(probe_read, p, SIGSEGV, SEGV_MAPERR, p, "read after munmap");

	/* A length that is not a page multiple covers the whole last page. */
	char *reserve = map(3 * PAGE, PROT_NONE); /* so that nothing else sits after it */
	munmap(reserve + 2 * PAGE, PAGE);
	p = mmap(reserve, PAGE + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(p == reserve, "mmap 4097 bytes");
	check_fault(probe_write, p + 2 * PAGE - 1, 0, 0, NULL, "last byte of the second page is mapped");
	check_fault(probe_write, p + 2 * PAGE, SIGSEGV, SEGV_MAPERR, p + 2 * PAGE, "third page is not");
	munmap(p, 2 * PAGE);

	/* Many small mappings, then unmapped in another order. */
	char *many[200];
	bool ok = true;
	for (int i = 0; i < 200; i++) {
		many[i] = map(PAGE, PROT_READ | PROT_WRITE);
		if (many[i] == NULL)
			ok = false;
		else
			many[i][0] = (char)i;
	}
	for (int i = 0; i < 200; i += 2)
		ok = ok && many[i][0] == (char)i && munmap(many[i], PAGE) == 0;
	for (int i = 1; i < 200; i += 2)
		ok = ok && many[i][0] == (char)i && munmap(many[i], PAGE) == 0;
	check(ok, "200 one-page mappings, written, unmapped out of order");

	/* Read-only from the start: reads give zero, writes fault. */
	p = map(PAGE, PROT_READ);
	check(p != NULL && p[100] == 0, "PROT_READ mapping reads zero");
	check_fault(probe_write, p + 8, SIGSEGV, SEGV_ACCERR, p + 8, "write to PROT_READ");
	munmap(p, PAGE);
}

static void test_fixed(void)
{
	section("MAP_FIXED, MAP_FIXED_NOREPLACE, hints");
	char *p = map(4 * PAGE, PROT_READ | PROT_WRITE);
	memset(p, 'x', 4 * PAGE);
	char *q = mmap(p + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	check(q == p + PAGE, "MAP_FIXED returns the address asked for");
	check(all_bytes(p + PAGE, 2 * PAGE, 0), "the replaced pages are fresh zeros");
	check(all_bytes(p, PAGE, 'x') && all_bytes(p + 3 * PAGE, PAGE, 'x'), "neighbours untouched");

	CHECK_ERR(mmap(p + PAGE, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0), EEXIST,
		  "MAP_FIXED_NOREPLACE over a mapping");
	CHECK_ERR(mmap(p + 3 * PAGE, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
		  EEXIST, "MAP_FIXED_NOREPLACE overlapping the end");
	check(all_bytes(p + 3 * PAGE, PAGE, 'x'), "still intact");
	munmap(p + 2 * PAGE, PAGE); /* a hole */
	q = mmap(p + 2 * PAGE, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	check(q == p + 2 * PAGE, "MAP_FIXED_NOREPLACE into a hole");
	munmap(p, 4 * PAGE);

	/* A free hint is taken as is. */
	q = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(q == p, "a free, aligned hint is used");
	char *r = mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(r != MAP_FAILED && r != p, "a busy hint is moved, not an error");
	munmap(q, PAGE);
	munmap(r, PAGE);
	q = mmap(p + 5, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check(q != MAP_FAILED && ((unsigned long)q & (PAGE - 1)) == 0, "an unaligned hint still gives an aligned map");
	munmap(q, PAGE);
}

static void test_shared(void)
{
	section("MAP_SHARED anonymous");
	volatile int *shared = (int *)mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	volatile int *private = (int *)map(PAGE, PROT_READ | PROT_WRITE);
	*shared = 1;
	*private = 1;
	pid_t pid = fork();
	if (pid == 0) {
		*shared = 2;
		*private = 2;
		_exit(0);
	}
	check_wait(pid, "exited 0", "child writes both");
	check_long(*shared, 2, "MAP_SHARED: parent sees the child's write");
	check_long(*private, 1, "MAP_PRIVATE: parent keeps its value");
	munmap((void *)shared, PAGE);
	munmap((void *)private, PAGE);
}

static void test_protect(void)
{
	section("mprotect and faults");
	char *p = map(3 * PAGE, PROT_READ | PROT_WRITE);
	memset(p, 'm', 3 * PAGE);
	CHECK_OK(mprotect(p + PAGE, PAGE, PROT_NONE), "mprotect middle page PROT_NONE");
	check_fault(probe_read, p + PAGE + 16, SIGSEGV, SEGV_ACCERR, p + PAGE + 16, "read PROT_NONE");
	check_fault(probe_write, p + PAGE, SIGSEGV, SEGV_ACCERR, p + PAGE, "write PROT_NONE");
	check_fault(probe_write, p + PAGE - 1, 0, 0, NULL, "write the page before");
	check_fault(probe_write, p + 2 * PAGE, 0, 0, NULL, "write the page after");
	CHECK_OK(mprotect(p + PAGE, PAGE, PROT_READ), "mprotect PROT_READ");
	check(p[PAGE + 5] == 'm', "contents kept under PROT_NONE");
	check_fault(probe_write, p + PAGE + 5, SIGSEGV, SEGV_ACCERR, p + PAGE + 5, "write PROT_READ");
	CHECK_OK(mprotect(p, 3 * PAGE, PROT_READ | PROT_WRITE), "mprotect all back to RW");
	check_fault(probe_write, p + PAGE + 5, 0, 0, NULL, "write RW again");
	munmap(p, 3 * PAGE);

	/* A fresh PROT_NONE mapping faults too (nothing to populate). */
	p = map(PAGE, PROT_NONE);
	check_fault(probe_read, p, SIGSEGV, SEGV_ACCERR, p, "read a PROT_NONE mmap");
	munmap(p, PAGE);

	/* Unmapped addresses: MAPERR, with the exact address. */
	check_fault(probe_read, NULL, SIGSEGV, SEGV_MAPERR, NULL, "read NULL");
	check_fault(probe_write, (char *)16, SIGSEGV, SEGV_MAPERR, (char *)16, "write address 16");

	/* Execute: RWX memory runs, NX memory faults. */
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static const unsigned char ret42[] = {0xb8, 42, 0, 0, 0, 0xc3}; /* mov eax, 42; ret */
	memcpy(p, ret42, sizeof(ret42));
	check_long(((int (*)(void))(void *)p)(), 42, "code written to an RWX page runs and returns");
	CHECK_OK(mprotect(p, PAGE, PROT_READ | PROT_WRITE), "mprotect RW (drop exec)");
	check_fault(probe_exec, p, SIGSEGV, SEGV_ACCERR, p, "call into a non-exec page");
	CHECK_OK(mprotect(p, PAGE, PROT_READ | PROT_EXEC), "mprotect RX");
	check_long(((int (*)(void))(void *)p)(), 42, "runs again");
	check_fault(probe_write, p, SIGSEGV, SEGV_ACCERR, p, "write to RX page");
	munmap(p, PAGE);
	char on_stack[16];
	memcpy(on_stack, ret42, sizeof(ret42));
	check_fault(probe_exec, on_stack, SIGSEGV, SEGV_ACCERR, on_stack, "call into the stack");

	/* Faults in a child with no handler: killed by SIGSEGV. */
	p = map(PAGE, PROT_READ);
	pid_t pid = fork();
	if (pid == 0) {
		poke(p, 1);
		_exit(0);
	}
	check_wait(pid, "killed by SIGSEGV", "unhandled write fault");
	munmap(p, PAGE);
}

static void test_unmap(void)
{
	section("munmap: partial and holes");
	char *p = map(8 * PAGE, PROT_READ | PROT_WRITE);
	for (int i = 0; i < 8; i++)
		memset(p + i * PAGE, '0' + i, PAGE);
	CHECK_OK(munmap(p + 2 * PAGE, 2 * PAGE), "unmap pages 2-3");
	CHECK_OK(munmap(p + 7 * PAGE, PAGE), "unmap page 7");
	check_fault(probe_read, p + 2 * PAGE, SIGSEGV, SEGV_MAPERR, p + 2 * PAGE, "page 2 gone");
	check_fault(probe_read, p + 4 * PAGE - 1, SIGSEGV, SEGV_MAPERR, p + 4 * PAGE - 1, "page 3 gone");
	check_fault(probe_read, p + 7 * PAGE, SIGSEGV, SEGV_MAPERR, p + 7 * PAGE, "page 7 gone");
	bool ok = true;
	for (int i = 0; i < 7; i++)
		if (i != 2 && i != 3)
			ok = ok && all_bytes(p + i * PAGE, PAGE, (char)('0' + i));
	check(ok, "pages 0, 1, 4, 5, 6 keep their data");
	CHECK_OK(munmap(p, 8 * PAGE), "unmap the whole range across the holes");
	check_fault(probe_read, p + 5 * PAGE, SIGSEGV, SEGV_MAPERR, p + 5 * PAGE, "all gone");
	CHECK_OK(munmap(p, 8 * PAGE), "unmapping an unmapped range succeeds");
}

/* Through syscall(): musl's wrappers check (and fix) some arguments themselves. */
static long sys_mmap(void *addr, size_t len, int prot, int flags, int fd, long off)
{
	return syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static void test_errors(void)
{
	section("argument errors (raw system calls)");
	char *p = map(2 * PAGE, PROT_READ | PROT_WRITE);
	CHECK_ERR(sys_mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL, "mmap length 0");
	CHECK_ERR(sys_mmap(p + 1, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), EINVAL,
		  "MAP_FIXED unaligned address");
	CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_ANONYMOUS, -1, 0), EINVAL, "neither MAP_PRIVATE nor MAP_SHARED");
	CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 5), EINVAL, "unaligned offset");
	CHECK_ERR(sys_mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, -1, 0), EBADF, "no MAP_ANONYMOUS and fd -1");
	CHECK_ERR(sys_mmap(NULL, 1UL << 47, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM,
		  "128 TiB: larger than the address space");
	CHECK_ERR(sys_mmap(NULL, (size_t)-4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM,
		  "length near 2^64");
	CHECK_ERR(sys_mmap((void *)0x7ffffffff000ul, 2 * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
		  ENOMEM, "MAP_FIXED crossing the top of user space");
	CHECK_ERR(sys_mmap(WILD_KERNEL_TEXT, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0), ENOMEM,
		  "MAP_FIXED at a kernel address");
	CHECK_ERR(syscall(SYS_munmap, p + 1, PAGE), EINVAL, "munmap unaligned");
	CHECK_ERR(syscall(SYS_munmap, p, 0), EINVAL, "munmap length 0");
	CHECK_ERR(syscall(SYS_munmap, WILD_KERNEL_TEXT, PAGE), EINVAL, "munmap a kernel address");
	CHECK_ERR(syscall(SYS_munmap, WILD_NONCANONICAL, PAGE), EINVAL, "munmap a non-canonical address");
	CHECK_ERR(syscall(SYS_mprotect, p + 1, PAGE, PROT_READ), EINVAL, "mprotect unaligned");
	CHECK_ERR(syscall(SYS_mprotect, p, PAGE, 0x100), EINVAL, "mprotect unknown prot bit");
	CHECK_OK(syscall(SYS_mprotect, p, 0, PROT_READ), "mprotect length 0");
	munmap(p + PAGE, PAGE);
	CHECK_ERR(syscall(SYS_mprotect, p, 2 * PAGE, PROT_READ), ENOMEM, "mprotect over a hole");
	CHECK_ERR(syscall(SYS_mprotect, WILD_KERNEL_TEXT, PAGE, PROT_READ), ENOMEM, "mprotect a kernel address");
	munmap(p, PAGE);
}

int main(void)
{
	test_anonymous();
	test_fixed();
	test_shared();
	test_protect();
	test_unmap();
	test_errors();
	return check_done();
}
