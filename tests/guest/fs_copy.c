/*
 * fs_copy - in-kernel copies between files, in fs_copy.scratch:
 *   - sendfile file->file and file->pipe, with an offset pointer (the input
 *     fd's offset stays, *offset moves) and without (the fd's offset moves),
 *     short counts at EOF, 0 at EOF, 1 MiB in a loop; errors (EBADF for the
 *     wrong access modes, EINVAL for an O_APPEND output and a negative
 *     offset);
 *   - copy_file_range with and without offset pointers, at and past EOF,
 *     into a hole past the destination's end, within one file (EINVAL when
 *     the ranges overlap), from a sparse source; errors (flags, O_APPEND,
 *     access modes, directories, pipes).
 */
#include "check.h"
#include "fsutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SCRATCH "fs_copy.scratch"

static long cfr(int in, loff_t *in_off, int out, loff_t *out_off, size_t len, unsigned flags)
{
	return syscall(SYS_copy_file_range, in, in_off, out, out_off, len, flags);
}

/* ---------------------------------------------------------------- sendfile */

static void test_sendfile(void)
{
	section("sendfile");
	put_file("src", "0123456789abcdefghij", 0644);
	int in = open("src", O_RDONLY);
	int out = open("dst", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check_long(sendfile(out, in, NULL, 5), 5, "file->file, no offset pointer: 5 bytes");
	check_long(lseek(in, 0, SEEK_CUR), 5, "the input fd's offset moved to 5");
	check_long(lseek(out, 0, SEEK_CUR), 5, "the output fd's offset moved to 5");
	off_t off = 10;
	check_long(sendfile(out, in, &off, 4), 4, "with an offset pointer at 10: 4 bytes");
	check_long(off, 14, "*offset moved to 14");
	check_long(lseek(in, 0, SEEK_CUR), 5, "the input fd's offset stayed at 5");
	check_str(get_file("dst"), "01234abcd", "dst");
	check_long(sendfile(out, in, NULL, 100), 15, "100 asked, 15 left: 15");
	check_long(sendfile(out, in, NULL, 100), 0, "at EOF: 0");
	off = 100;
	check_long(sendfile(out, in, &off, 10), 0, "an offset past EOF: 0");
	check_long(off, 100, "*offset unchanged");
	check_str(get_file("dst"), "01234abcd56789abcdefghij", "dst");
	check_long(sendfile(out, in, NULL, 0), 0, "count 0");
	off = -1;
	CHECK_ERR(sendfile(out, in, &off, 1), EINVAL, "a negative offset");
	CHECK_ERR(sendfile(in, in, NULL, 1), EBADF, "output fd opened O_RDONLY");
	CHECK_ERR(sendfile(out, out, NULL, 1), EBADF, "input fd opened O_WRONLY");
	CHECK_ERR(sendfile(out, 42, NULL, 1), EBADF, "a closed input fd");
	close(out);
	out = open("dst", O_WRONLY | O_APPEND);
	CHECK_ERR(sendfile(out, in, NULL, 1), EINVAL, "an O_APPEND output");
	close(out);

	int p[2];
	pipe(p);
	off = 2;
	check_long(sendfile(p[1], in, &off, 6), 6, "file->pipe: 6 bytes from 2");
	char buf[32] = {0};
	check_long(read(p[0], buf, sizeof(buf)), 6, "the pipe holds 6");
	check_str(buf, "234567", "data");
	lseek(in, 18, SEEK_SET);
	check_long(sendfile(p[1], in, NULL, 10), 2, "file->pipe from the fd's offset 18: 2 left");
	memset(buf, 0, sizeof(buf));
	read(p[0], buf, sizeof(buf));
	check_str(buf, "ij", "data");
	close(p[0]);
	close(p[1]);
	close(in);

	/* 1 MiB, in a loop, into a file that already has other data. */
	enum { BIG = 1 << 20 };
	unsigned char *data = malloc(BIG), *back = malloc(BIG);
	pattern_fill(data, BIG, 0, 7);
	in = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write_full(in, data, BIG);
	out = open("bigcopy", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(out, "header", 6);
	off = 0;
	long total = 0, r;
	while (total < BIG && (r = sendfile(out, in, &off, BIG)) > 0)
		total += r;
	check_long(total, BIG, "1 MiB file->file");
	check_long(file_size("bigcopy"), BIG + 6, "after a 6-byte header");
	check_long(pread(out, back, BIG, 6), BIG, "read it back");
	check(pattern_ok(back, BIG, 0, 7), "identical");
	close(in);
	close(out);
	free(data);
	free(back);
}

/* ---------------------------------------------------------------- copy_file_range */

static void test_copy_file_range(void)
{
	section("copy_file_range");
	put_file("a", "ABCDEFGHIJKLMNOPQRST", 0644);
	int in = open("a", O_RDONLY);
	int out = open("b", O_RDWR | O_CREAT | O_TRUNC, 0644);
	check_long(cfr(in, NULL, out, NULL, 5, 0), 5, "no offset pointers: 5 bytes");
	check(lseek(in, 0, SEEK_CUR) == 5 && lseek(out, 0, SEEK_CUR) == 5, "both fd offsets moved to 5");
	loff_t io = 10, oo = 2;
	check_long(cfr(in, &io, out, &oo, 3, 0), 3, "with offset pointers (10 -> 2): 3 bytes");
	check(io == 13 && oo == 5, "both pointers moved by 3");
	check(lseek(in, 0, SEEK_CUR) == 5 && lseek(out, 0, SEEK_CUR) == 5, "the fd offsets did not");
	check_str(get_file("b"), "ABKLM", "b");
	check_long(cfr(in, NULL, out, NULL, 100, 0), 15, "100 asked, 15 left: 15");
	check_long(cfr(in, NULL, out, NULL, 100, 0), 0, "at EOF: 0");
	io = 50;
	check_long(cfr(in, &io, out, NULL, 10, 0), 0, "an offset past EOF: 0");
	check_str(get_file("b"), "ABKLMFGHIJKLMNOPQRST", "b");
	io = 0;
	oo = 30;
	check_long(cfr(in, &io, out, &oo, 4, 0), 4, "to 10 bytes past the end of b");
	check_long(file_size("b"), 34, "b grew to 34");
	char buf[40];
	memset(buf, 'x', sizeof(buf));
	pread(out, buf, sizeof(buf), 0);
	check(all_zero(buf + 20, 10) && memcmp(buf + 30, "ABCD", 4) == 0, "a gap of zeros, then the data");

	/* Within one file. */
	int rw = open("a", O_RDWR);
	io = 0;
	oo = 10;
	check_long(cfr(rw, &io, rw, &oo, 5, 0), 5, "within one file, apart");
	check_str(get_file("a"), "ABCDEFGHIJABCDEPQRST", "a");
	io = 0;
	oo = 3;
	CHECK_ERR(cfr(rw, &io, rw, &oo, 5, 0), EINVAL, "within one file, overlapping");
	close(rw);

	/* A sparse source. */
	int sp = open("sparse", O_RDWR | O_CREAT | O_TRUNC, 0644);
	pwrite(sp, "end", 3, 100000);
	int sc = open("sparsecopy", O_RDWR | O_CREAT | O_TRUNC, 0644);
	long total = 0, r;
	while ((r = cfr(sp, NULL, sc, NULL, 200000, 0)) > 0)
		total += r;
	check_long(total, 100003, "a sparse file of 100003 bytes copied");
	static char whole[100003];
	memset(whole, 'x', sizeof(whole));
	check_long(pread(sc, whole, sizeof(whole), 0), 100003, "read the copy");
	check(all_zero(whole, 100000) && memcmp(whole + 100000, "end", 3) == 0, "zeros, then \"end\"");
	close(sp);
	close(sc);

	CHECK_ERR(cfr(in, NULL, out, NULL, 1, 1), EINVAL, "flags 1");
	int ap = open("b", O_WRONLY | O_APPEND);
	CHECK_ERR(cfr(in, NULL, ap, NULL, 1, 0), EBADF, "an O_APPEND output");
	close(ap);
	int wo = open("b", O_WRONLY);
	CHECK_ERR(cfr(wo, NULL, out, NULL, 1, 0), EBADF, "input opened O_WRONLY");
	CHECK_ERR(cfr(in, NULL, in, NULL, 1, 0), EBADF, "output opened O_RDONLY");
	close(wo);
	io = -1;
	CHECK_ERR(cfr(in, &io, out, NULL, 1, 0), EOVERFLOW, "a negative input offset: EOVERFLOW (not EINVAL)");
	mkdir("d", 0755);
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK_ERR(cfr(dfd, NULL, out, NULL, 1, 0), EISDIR, "a directory as input");
	close(dfd);
	int p[2];
	pipe(p);
	CHECK_ERR(cfr(p[0], NULL, out, NULL, 1, 0), EINVAL, "a pipe as input");
	CHECK_ERR(cfr(in, NULL, p[1], NULL, 1, 0), EINVAL, "a pipe as output");
	close(p[0]);
	close(p[1]);
	CHECK_ERR(cfr(42, NULL, out, NULL, 1, 0), EBADF, "a closed fd");
	close(in);
	close(out);
}

int main(void)
{
	watchdog(30);
	umask(022);
	scratch_enter(SCRATCH);
	test_sendfile();
	test_copy_file_range();
	scratch_leave(SCRATCH);
	return check_done();
}
