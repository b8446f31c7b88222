/*
 * fs_mmap - file-backed memory mappings, in fs_mmap.scratch:
 *   - MAP_PRIVATE: the file's data, writes stay private (not in the file,
 *     not in another mapping);
 *   - MAP_SHARED: writes visible to read(), to a second mapping, to a
 *     forked child and from a child's own mapping; write() visible in the
 *     mapping; data kept after munmap, close and unlink; msync (MS_SYNC,
 *     MS_ASYNC, errors);
 *   - mappings past EOF: the rest of the last page reads zeros, a whole
 *     page past EOF raises SIGBUS (BUS_ADRERR at the address touched),
 *     shared and private; ftruncate after mmap shrinking (SIGBUS, the cut
 *     page's tail zeroed) and growing (zeros, no fault);
 *   - protections and errors: writing through PROT_READ (SIGSEGV
 *     SEGV_ACCERR), EACCES for shared writable mappings of O_RDONLY fds and
 *     any mapping of O_WRONLY fds, mprotect to PROT_WRITE refused, ENODEV
 *     for directories and pipes, EINVAL for bad offsets and lengths, EBADF.
 * Fault checks catch the signal with a handler and siglongjmp (check.h).
 */
#include "check.h"
#include "fsutil.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRATCH "fs_mmap.scratch"
#define PAGE 4096

static void make_file(const char *path, size_t size, unsigned seed)
{
	static unsigned char buf[4 * PAGE];
	pattern_fill(buf, size, 0, seed);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	write_full(fd, buf, size);
	close(fd);
}

static unsigned char file_byte(const char *path, off_t off)
{
	unsigned char c = 0xee;
	int fd = open(path, O_RDONLY);
	pread(fd, &c, 1, off);
	close(fd);
	return c;
}

/* ---------------------------------------------------------------- private */

static void test_private(void)
{
	section("MAP_PRIVATE");
	make_file("priv", 3 * PAGE, 1);
	int fd = open("priv", O_RDWR);
	unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(p != MAP_FAILED, "mmap 3 pages MAP_PRIVATE");
	check(pattern_ok(p, 3 * PAGE, 0, 1), "the file's data");
	unsigned char *q = mmap(NULL, 3 * PAGE, PROT_READ, MAP_SHARED, fd, 0);
	p[100] = 'P';
	p[2 * PAGE + 5] = 'Q';
	check(p[100] == 'P' && p[2 * PAGE + 5] == 'Q', "writes land in the private copy");
	check(file_byte("priv", 100) == pattern_byte(100, 1), "not in the file");
	check(q[100] == pattern_byte(100, 1), "not in a shared mapping of it");
	pid_t pid = fork();
	if (pid == 0)
		_exit(p[100] == 'P' ? 0 : 1);
	check_wait(pid, "exited 0", "a forked child sees the parent's private copy");
	munmap(p, 3 * PAGE);
	munmap(q, 3 * PAGE);
	p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, PAGE);
	check(p != MAP_FAILED && pattern_ok(p, PAGE, PAGE, 1), "a mapping at file offset 4096");
	munmap(p, PAGE);
	close(fd);
	fd = open("priv", O_RDONLY);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	check(p != MAP_FAILED, "MAP_PRIVATE PROT_WRITE of an O_RDONLY fd");
	p[0] = 'w';
	check(file_byte("priv", 0) == pattern_byte(0, 1), "a write there stays private");
	munmap(p, PAGE);
	close(fd);
}

/* ---------------------------------------------------------------- shared */

static void test_shared(void)
{
	section("MAP_SHARED");
	make_file("shr", 3 * PAGE, 2);
	int fd = open("shr", O_RDWR);
	unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	unsigned char *q = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	check(p != MAP_FAILED && q != MAP_FAILED && p != q, "two MAP_SHARED mappings");
	p[10] = 'S';
	check(file_byte("shr", 10) == 'S', "a write through the mapping shows in read()");
	check(q[10] == 'S', "and in the other mapping");
	pwrite(fd, "W", 1, PAGE + 1);
	check(p[PAGE + 1] == 'W' && q[PAGE + 1] == 'W', "pwrite() shows in both mappings");
	CHECK_OK(msync(p, 3 * PAGE, MS_SYNC), "msync MS_SYNC");
	CHECK_OK(msync(p, PAGE, MS_ASYNC), "msync MS_ASYNC");
	CHECK_OK(msync(p, PAGE, MS_INVALIDATE), "msync MS_INVALIDATE");
	check(p[10] == 'S', "MS_INVALIDATE kept the data");
	CHECK_ERR(msync(p, PAGE, MS_SYNC | MS_ASYNC), EINVAL, "msync MS_SYNC|MS_ASYNC");
	CHECK_ERR(msync(p + 1, PAGE, MS_SYNC), EINVAL, "msync of an unaligned address");
	CHECK_ERR(msync(p, PAGE, 0x100), EINVAL, "msync with an unknown flag");

	pid_t pid = fork();
	if (pid == 0) {
		p[2 * PAGE] = 'C';
		_exit(0);
	}
	check_wait(pid, "exited 0", "a child writes through the inherited mapping");
	check(p[2 * PAGE] == 'C' && file_byte("shr", 2 * PAGE) == 'C', "the parent and the file see it");
	pid = fork();
	if (pid == 0) {
		int cfd = open("shr", O_RDWR);
		unsigned char *c = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, PAGE);
		if (c == MAP_FAILED)
			_exit(1);
		c[7] = 'K';
		_exit(c[1] == 'W' ? 0 : 2);
	}
	check_wait(pid, "exited 0", "a child maps the file itself and writes");
	check(p[PAGE + 7] == 'K', "the parent's mapping sees it");

	munmap(q, 3 * PAGE);
	close(fd);
	check(p[10] == 'S', "the mapping outlives the fd");
	p[11] = 'T';
	CHECK_OK(unlink("shr"), "unlink the mapped file");
	p[12] = 'U';
	check(p[11] == 'T' && p[12] == 'U', "the mapping still works");
	munmap(p, 3 * PAGE);

	make_file("keep", PAGE, 3);
	fd = open("keep", O_RDWR);
	p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	memcpy(p + 200, "persist", 7);
	munmap(p, PAGE);
	close(fd);
	char buf[8] = {0};
	fd = open("keep", O_RDONLY);
	pread(fd, buf, 7, 200);
	close(fd);
	check_str(buf, "persist", "data written through a mapping stays after munmap and close");
}

/* ---------------------------------------------------------------- EOF, truncate */

static void test_eof(void)
{
	section("past EOF, ftruncate");
	for (int shared = 1; shared >= 0; shared--) {
		const char *how = shared ? "MAP_SHARED" : "MAP_PRIVATE";
		/* A fresh file each time: what a shared mapping writes past EOF
		 * may stay in the cached page (Linux shows it to later mappers). */
		make_file("short", 100, 4);
		int fd = open("short", O_RDWR);
		unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, shared ? MAP_SHARED : MAP_PRIVATE, fd, 0);
		check(p != MAP_FAILED, "%s: 3 pages of a 100-byte file", how);
		check(pattern_ok(p, 100, 0, 4), "%s: the 100 bytes", how);
		check(all_zero(p + 100, PAGE - 100), "%s: the rest of the page is zeros", how);
		check_fault(probe_read, p + PAGE, SIGBUS, BUS_ADRERR, p + PAGE, "%s: read a page past EOF", how);
		check_fault(probe_write, p + 2 * PAGE + 8, SIGBUS, BUS_ADRERR, p + 2 * PAGE + 8,
			    "%s: write two pages past EOF", how);
		check_fault(probe_write, p + 200, 0, 0, NULL, "%s: write in the last page past EOF", how);
		munmap(p, 3 * PAGE);
		close(fd);
		check_long(file_size("short"), 100, "%s: the file is still 100 bytes", how);
	}

	make_file("trunc", 3 * PAGE, 5);
	int tfd = open("trunc", O_RDWR);
	unsigned char *p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, tfd, 0);
	check(pattern_ok(p, 3 * PAGE, 0, 5), "3 mapped pages");
	CHECK_OK(ftruncate(tfd, PAGE + 10), "ftruncate to 4106 bytes");
	check(pattern_ok(p, PAGE + 10, 0, 5), "the first 4106 bytes are kept");
	check(all_zero(p + PAGE + 10, PAGE - 10), "the cut page's tail is zeros");
	check_fault(probe_read, p + 2 * PAGE, SIGBUS, BUS_ADRERR, p + 2 * PAGE, "the page past the new EOF");
	CHECK_OK(ftruncate(tfd, 3 * PAGE), "ftruncate back to 3 pages");
	check_fault(probe_read, p + 2 * PAGE, 0, 0, NULL, "the last page is there again");
	check(all_zero(p + PAGE + 10, 2 * PAGE - 10), "as zeros: the old data is gone");
	p[2 * PAGE + 1] = 'g';
	check(file_byte("trunc", 2 * PAGE + 1) == 'g', "and writable");
	munmap(p, 3 * PAGE);

	/* Growing a file under a mapping made larger than it. */
	ftruncate(tfd, PAGE);
	p = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, tfd, 0);
	check_fault(probe_read, p + 2 * PAGE, SIGBUS, BUS_ADRERR, p + 2 * PAGE, "a 1-page file: page 2 faults");
	pwrite(tfd, "grown", 5, 2 * PAGE + 100);
	check_fault(probe_read, p + 2 * PAGE, 0, 0, NULL, "after a write there it does not");
	check(memcmp(p + 2 * PAGE + 100, "grown", 5) == 0 && all_zero(p + PAGE, PAGE), "the new data, zeros before");
	munmap(p, 3 * PAGE);
	close(tfd);

	/* A hole punched under shared and private mappings: they read zeros there, the rest stays. */
	make_file("punch", 3 * PAGE, 6);
	int pfd = open("punch", O_RDWR);
	unsigned char *s = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, pfd, 0);
	unsigned char *r = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE, pfd, 0);
	check(pattern_ok(s, 3 * PAGE, 0, 6) && pattern_ok(r, 3 * PAGE, 0, 6), "punch: both mappings see the file");
	CHECK_OK(fallocate(pfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, PAGE, PAGE), "punch: page 1");
	check(all_zero(s + PAGE, PAGE) && all_zero(r + PAGE, PAGE), "punch: page 1 reads zeros in both");
	check(pattern_ok(s, PAGE, 0, 6) && pattern_ok(s + 2 * PAGE, PAGE, 2 * PAGE, 6), "punch: pages 0 and 2 kept");
	s[PAGE + 7] = 'h';
	check(file_byte("punch", PAGE + 7) == 'h', "punch: a write there reaches the file");
	munmap(s, 3 * PAGE);
	munmap(r, 3 * PAGE);
	close(pfd);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(void)
{
	section("protections and errors");
	make_file("ro", PAGE, 6);
	int fd = open("ro", O_RDWR);
	unsigned char *p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	check_fault(probe_write, p + 8, SIGSEGV, SEGV_ACCERR, p + 8, "writing through a PROT_READ mapping");
	check(file_byte("ro", 8) == pattern_byte(8, 6), "the file is unchanged");
	CHECK_OK(mprotect(p, PAGE, PROT_READ | PROT_WRITE), "mprotect to PROT_WRITE (fd opened O_RDWR)");
	check_fault(probe_write, p + 8, 0, 0, NULL, "then writing works");
	check(file_byte("ro", 8) == 0x5a, "and reaches the file");
	munmap(p, PAGE);
	close(fd);

	fd = open("ro", O_RDONLY);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0, EACCES,
		  "MAP_SHARED PROT_WRITE of an O_RDONLY fd");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	check(p != MAP_FAILED, "MAP_SHARED PROT_READ of an O_RDONLY fd");
	CHECK_ERR(mprotect(p, PAGE, PROT_READ | PROT_WRITE), EACCES, "mprotect it to PROT_WRITE");
	munmap(p, PAGE);
	close(fd);
	fd = open("ro", O_WRONLY);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0, EACCES,
		  "MAP_SHARED of an O_WRONLY fd");
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0, EACCES,
		  "MAP_PRIVATE of an O_WRONLY fd");
	close(fd);

	mkdir("dir", 0755);
	fd = open("dir", O_RDONLY | O_DIRECTORY);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0, ENODEV, "mmap of a directory");
	close(fd);
	int pp[2];
	pipe(pp);
	CHECK_ERR(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, pp[0], 0) == MAP_FAILED ? -1 : 0, ENODEV, "mmap of a pipe");
	close(pp[0]);
	close(pp[1]);
	fd = open("ro", O_RDWR);
	/* Raw: musl checks offsets itself. */
	CHECK_ERR(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, fd, 100), EINVAL, "an unaligned offset");
	CHECK_ERR(syscall(SYS_mmap, 0, 0, PROT_READ, MAP_SHARED, fd, 0), EINVAL, "length 0");
	CHECK_ERR(syscall(SYS_mmap, 0, PAGE, PROT_READ, MAP_SHARED, 42, 0), EBADF, "a closed fd");
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 100 * PAGE);
	check(p != MAP_FAILED, "a mapping wholly past EOF is allowed");
	check_fault(probe_read, p, SIGBUS, BUS_ADRERR, p, "touching it: SIGBUS");
	munmap(p, PAGE);
	close(fd);
}

int main(void)
{
	watchdog(30);
	umask(022);
	scratch_enter(SCRATCH);
	test_private();
	test_shared();
	test_eof();
	test_errors();
	scratch_leave(SCRATCH);
	return check_done();
}
