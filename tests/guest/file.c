/*
 * file - read-only file system calls on data/ (copied next to the tests):
 * open/openat (flags, dirfds, errors), read, readv, pread64, lseek, fstat/
 * stat/lstat/newfstatat/statx (type, permission bits, size, link count,
 * owner relation), getdents64 (names sorted before printing), readlink,
 * access/faccessat, getcwd/chdir/fchdir.
 *
 * Nothing here writes: the tree is read-only inside Tern. Inode numbers,
 * times, block counts and the absolute path of the test directory are never
 * printed.
 */
#include "check.h"
#include "fsutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static void expect_stat(const char *path, const char *want)
{
	check_str(describe_path(path, false), want, "stat %s", path);
}

static void expect_lstat(const char *path, const char *want)
{
	check_str(describe_path(path, true), want, "lstat %s", path);
}

/* ---------------------------------------------------------------- open and read */

static void test_open_read(void)
{
	section("open, read, pread, lseek");
	int fd = open("data/hello.txt", O_RDONLY);
	check_long(fd, 3, "open data/hello.txt");
	char buf[64] = {0};
	check_long(read(fd, buf, sizeof(buf)), 13, "read returns the 13 bytes");
	check_str(buf, "Hello, Tern!\n", "content");
	check_long(read(fd, buf, sizeof(buf)), 0, "read at EOF");
	memset(buf, 0, sizeof(buf));
	check_long(pread(fd, buf, 5, 7), 5, "pread 5 bytes at 7");
	check_str(buf, "Tern!", "content");
	check_long(lseek(fd, 0, SEEK_CUR), 13, "pread did not move the offset");
	check_long(pread(fd, buf, 5, 100), 0, "pread beyond EOF");
	CHECK_ERR(pread(fd, buf, 5, -1), EINVAL, "pread at a negative offset");
	close(fd);

	fd = open("data/lines.txt", O_RDONLY);
	check_long(lseek(fd, 0, SEEK_END), 5000, "SEEK_END: size 5000");
	check_long(lseek(fd, 2490, SEEK_SET), 2490, "SEEK_SET 2490");
	memset(buf, 0, sizeof(buf));
	read(fd, buf, 10);
	check_str(buf, "line 0250\n", "line 250");
	check_long(lseek(fd, 10, SEEK_CUR), 2510, "SEEK_CUR +10");
	check_long(lseek(fd, -10, SEEK_END), 4990, "SEEK_END -10");
	memset(buf, 0, sizeof(buf));
	check_long(read(fd, buf, 64), 10, "read near the end is short");
	check_str(buf, "line 0500\n", "last line");
	check_long(lseek(fd, 10000, SEEK_SET), 10000, "seek beyond the end is allowed");
	check_long(read(fd, buf, 10), 0, "reading there gives EOF");
	CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL, "negative offset");
	CHECK_ERR(lseek(fd, -6000, SEEK_END), EINVAL, "SEEK_END before the start");
	CHECK_ERR(lseek(fd, 0, 42), EINVAL, "bad whence");
	check_long(lseek(fd, 10000, SEEK_SET), 10000, "offset unchanged by the failed seeks");

	/* A read crossing a page boundary, and readv. */
	lseek(fd, 4090, SEEK_SET);
	memset(buf, 0, sizeof(buf));
	read(fd, buf, 20);
	check_str(buf, "line 0410\nline 0411\n", "read across the 4 KiB boundary");
	lseek(fd, 0, SEEK_SET);
	char a[5] = {0}, b[11] = {0};
	struct iovec iov[2] = {{a, 4}, {b, 10}};
	check_long(readv(fd, iov, 2), 14, "readv 4+10");
	check(memcmp(a, "line", 4) == 0 && memcmp(b, " 0001\nline", 10) == 0, "readv content");
	close(fd);

	fd = open("data/empty.txt", O_RDONLY);
	check_long(read(fd, buf, 10), 0, "empty file reads 0");
	close(fd);

	CHECK_ERR(open("data/missing.txt", O_RDONLY), ENOENT, "open a missing file");
	CHECK_ERR(open("data/nodir/x", O_RDONLY), ENOENT, "open under a missing directory");
	CHECK_ERR(open("data/hello.txt/x", O_RDONLY), ENOTDIR, "open through a file");
	CHECK_ERR(open("data/hello.txt", O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file");
	CHECK_ERR(open("", O_RDONLY), ENOENT, "open the empty path");
	CHECK_ERR(open("data/dir", O_WRONLY), EISDIR, "open a directory for writing");
	CHECK_ERR(open("data/link", O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on a symlink");
	CHECK_ERR(open("data/dangling", O_RDONLY), ENOENT, "open a dangling symlink");
	char longname[300];
	memset(longname, 'n', 256);
	longname[256] = '\0';
	CHECK_ERR(open(longname, O_RDONLY), ENAMETOOLONG, "a 256-byte name");
	char *longpath = malloc(PATH_MAX + 10);
	memset(longpath, 'p', PATH_MAX + 5);
	for (int i = 100; i < PATH_MAX; i += 100)
		longpath[i] = '/';
	longpath[PATH_MAX + 5] = '\0';
	CHECK_ERR(open(longpath, O_RDONLY), ENAMETOOLONG, "a path longer than PATH_MAX");
	free(longpath);

	fd = open("data/link", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	read(fd, buf, sizeof(buf));
	check_str(buf, "Hello, Tern!\n", "open follows the symlink");
	close(fd);
	fd = open("data/dirlink/a.txt", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	read(fd, buf, sizeof(buf));
	check_str(buf, "alpha\n", "a directory symlink in the middle of a path");
	close(fd);
	fd = open("data/dir/../dir/./sub/c.txt", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	read(fd, buf, sizeof(buf));
	check_str(buf, "charlie\n", "'.' and '..' components");
	close(fd);

	int dfd = open("data/dir", O_RDONLY | O_DIRECTORY);
	check(dfd >= 0, "open a directory with O_DIRECTORY");
	CHECK_ERR(read(dfd, buf, 10), EISDIR, "read a directory fd");
	fd = openat(dfd, "b.txt", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	read(fd, buf, sizeof(buf));
	check_str(buf, "bravo\n", "openat relative to a directory fd");
	CHECK_ERR(openat(fd, "x", O_RDONLY), ENOTDIR, "openat relative to a file fd");
	CHECK_ERR(openat(42, "b.txt", O_RDONLY), EBADF, "openat relative to a closed fd");
	char cwd[PATH_MAX], abs[PATH_MAX + 32];
	getcwd(cwd, sizeof(cwd));
	snprintf(abs, sizeof(abs), "%s/data/hello.txt", cwd);
	int afd = openat(42, abs, O_RDONLY);
	check(afd >= 0, "openat with an absolute path ignores the (bad) dirfd");
	close(afd);
	afd = openat(AT_FDCWD, "data/hello.txt", O_RDONLY);
	check(afd >= 0, "openat(AT_FDCWD)");
	close(afd);
	close(fd);
	close(dfd);
}

/* ---------------------------------------------------------------- stat */

static void test_stat(void)
{
	section("stat family");
	expect_stat("data/hello.txt", "regular 0644 size=13 nlink=1");
	expect_stat("data/lines.txt", "regular 0644 size=5000 nlink=1");
	expect_stat("data/empty.txt", "regular 0644 size=0 nlink=1");
	expect_stat("data", "directory 0755 nlink=4");
	expect_stat("data/dir", "directory 0755 nlink=3");
	expect_stat("data/dir/sub", "directory 0755 nlink=2");
	expect_stat("data/elf/tiny_exit42", "regular 0755 size=132 nlink=1");
	expect_stat("data/link", "regular 0644 size=13 nlink=1");
	expect_lstat("data/link", "symlink 0777 size=9 nlink=1");
	expect_lstat("data/dirlink", "symlink 0777 size=3 nlink=1");
	expect_stat("data/dirlink", "directory 0755 nlink=3");
	expect_lstat("data/dangling", "symlink 0777 size=14 nlink=1");
	expect_stat("data/dangling", "ENOENT");
	expect_stat("data/missing", "ENOENT");
	expect_stat("data/hello.txt/", "ENOTDIR");
	expect_lstat("data/dir/", "directory 0755 nlink=3");

	struct stat s1, s2, s3;
	stat("data/hello.txt", &s1);
	stat("data/link", &s2);
	lstat("data/link", &s3);
	check(s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev, "stat through the link: same inode as the target");
	check(s1.st_ino != s3.st_ino, "lstat: the link's own inode");
	check(s1.st_uid == getuid(), "files belong to our uid");
	check(s1.st_rdev == 0, "st_rdev 0 for a regular file");

	int fd = open("data/lines.txt", O_RDONLY);
	struct stat fs;
	CHECK_OK(fstat(fd, &fs), "fstat");
	check_str(describe_stat(&fs), "regular 0644 size=5000 nlink=1", "fstat");
	CHECK_ERR(fstat(42, &fs), EBADF, "fstat of a closed fd");
	int dfd = open("data/dir", O_RDONLY | O_DIRECTORY);
	CHECK_OK(fstatat(dfd, "a.txt", &fs, 0), "newfstatat relative to a directory fd");
	check_str(describe_stat(&fs), "regular 0644 size=6 nlink=1", "data/dir/a.txt");
	CHECK_OK(fstatat(AT_FDCWD, "data/link", &fs, AT_SYMLINK_NOFOLLOW), "newfstatat AT_SYMLINK_NOFOLLOW");
	check_str(describe_stat(&fs), "symlink 0777 size=9 nlink=1", "data/link");
	CHECK_OK(fstatat(fd, "", &fs, AT_EMPTY_PATH), "newfstatat AT_EMPTY_PATH on an fd");
	check_long(fs.st_size, 5000, "size");
	CHECK_ERR(fstatat(fd, "", &fs, 0), ENOENT, "empty path without AT_EMPTY_PATH");
	CHECK_ERR(fstatat(AT_FDCWD, "data/hello.txt", &fs, 0x12345), EINVAL, "unknown flags");

	struct statx_raw sx;
	memset(&sx, 0, sizeof(sx));
	CHECK_OK(syscall(SYS_statx, AT_FDCWD, "data/lines.txt", 0, STATX_BASIC_STATS, &sx), "statx");
	check((sx.stx_mask & 0x7ff) == STATX_BASIC_STATS, "stx_mask has the basic stats");
	check(sx.stx_mode == (S_IFREG | 0644) && sx.stx_size == 5000 && sx.stx_nlink == 1, "mode, size, nlink");
	check(sx.stx_ino == fs.st_ino, "stx_ino equals st_ino");
	memset(&sx, 0, sizeof(sx));
	CHECK_OK(syscall(SYS_statx, AT_FDCWD, "data/link", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx),
		 "statx AT_SYMLINK_NOFOLLOW");
	check(S_ISLNK(sx.stx_mode) && sx.stx_size == 9, "a symlink of 9 bytes");
	CHECK_OK(syscall(SYS_statx, dfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx), "statx AT_EMPTY_PATH");
	check(S_ISDIR(sx.stx_mode) && sx.stx_nlink == 3, "the directory, nlink 3");
	CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "data/hello.txt", 0x40000000, STATX_BASIC_STATS, &sx), EINVAL,
		  "statx with unknown flags");
	CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "data/hello.txt", 0, 0x80000000u, &sx), EINVAL,
		  "statx with the reserved mask bit");
	CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "data/nope", 0, STATX_BASIC_STATS, &sx), ENOENT, "statx missing");
	close(fd);
	close(dfd);
}

/* ---------------------------------------------------------------- getdents64 */

/* Lists a directory with getdents64 and a buffer of bufsize bytes into
 * line as the sorted "name(type)" list. Returns the number of calls. */
static int list_dir(const char *path, size_t bufsize, char *line, size_t linesize)
{
	struct dir_list list;
	line[0] = '\0';
	if (dir_read(path, bufsize, &list) != 0)
		return 0;
	dir_line(&list, false, line, linesize);
	int calls = list.calls;
	dir_free(&list);
	return calls;
}

static void test_getdents(void)
{
	section("getdents64");
	char line[1024];
	list_dir("data/dir", 4096, line, sizeof(line));
	check_str(line, ".(dir) ..(dir) a.txt(reg) b.txt(reg) sub(dir)", "data/dir");
	list_dir("data", 4096, line, sizeof(line));
	check_str(line,
		  ".(dir) ..(dir) dangling(lnk) dir(dir) dirlink(lnk) elf(dir) empty.txt(reg) hello.txt(reg) "
		  "lines.txt(reg) link(lnk)",
		  "data");
	int calls = list_dir("data", 48, line, sizeof(line));
	check_str(line,
		  ".(dir) ..(dir) dangling(lnk) dir(dir) dirlink(lnk) elf(dir) empty.txt(reg) hello.txt(reg) "
		  "lines.txt(reg) link(lnk)",
		  "data, read through a 48-byte buffer");
	check(calls >= 5, "that took several calls");
	list_dir("data/dir/sub", 4096, line, sizeof(line));
	check_str(line, ".(dir) ..(dir) c.txt(reg)", "data/dir/sub");

	int fd = open("data/dir", O_RDONLY | O_DIRECTORY);
	char buf[4096];
	CHECK_ERR(syscall(SYS_getdents64, fd, buf, 8), EINVAL, "a buffer too small for one entry");
	long first = syscall(SYS_getdents64, fd, buf, sizeof(buf));
	check(first > 0, "read all entries");
	check_long(syscall(SYS_getdents64, fd, buf, sizeof(buf)), 0, "then 0 at the end");
	check_long(lseek(fd, 0, SEEK_SET), 0, "lseek to 0 rewinds");
	check(syscall(SYS_getdents64, fd, buf, sizeof(buf)) == first, "same entries again");
	close(fd);
	fd = open("data/hello.txt", O_RDONLY);
	CHECK_ERR(syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR, "getdents64 on a file");
	close(fd);
	CHECK_ERR(syscall(SYS_getdents64, 42, buf, sizeof(buf)), EBADF, "getdents64 on a closed fd");
}

/* ---------------------------------------------------------------- links, access */

static void test_readlink_access(void)
{
	section("readlink, access");
	char buf[64];
	memset(buf, 'x', sizeof(buf));
	check_long(readlink("data/link", buf, sizeof(buf)), 9, "readlink returns the length");
	check(memcmp(buf, "hello.txt", 9) == 0 && buf[9] == 'x', "the target, not NUL-terminated");
	memset(buf, 'x', sizeof(buf));
	check_long(readlink("data/link", buf, 4), 4, "a 4-byte buffer: truncated");
	check(memcmp(buf, "hell", 4) == 0 && buf[4] == 'x', "first 4 bytes");
	check_long(readlink("data/dangling", buf, sizeof(buf)), 14, "a dangling link still reads");
	CHECK_ERR(readlink("data/hello.txt", buf, sizeof(buf)), EINVAL, "readlink a regular file");
	CHECK_ERR(readlink("data/missing", buf, sizeof(buf)), ENOENT, "readlink a missing path");
	CHECK_ERR(syscall(SYS_readlink, "data/link", buf, 0), EINVAL, "readlink with size 0");
	int dfd = open("data", O_RDONLY | O_DIRECTORY);
	check_long(readlinkat(dfd, "dirlink", buf, sizeof(buf)), 3, "readlinkat");
	close(dfd);

	CHECK_OK(access("data/hello.txt", F_OK), "access F_OK");
	CHECK_OK(access("data/hello.txt", R_OK), "access R_OK");
	CHECK_ERR(access("data/hello.txt", X_OK), EACCES, "access X_OK on a 0644 file");
	CHECK_OK(access("data/elf/tiny_exit42", X_OK), "access X_OK on a 0755 file");
	CHECK_OK(access("data/dir", X_OK), "access X_OK on a directory");
	CHECK_ERR(access("data/missing", F_OK), ENOENT, "access a missing file");
	CHECK_ERR(access("data/dangling", F_OK), ENOENT, "access follows a dangling link");
	CHECK_ERR(access("data/hello.txt/x", F_OK), ENOTDIR, "access through a file");
	CHECK_ERR(syscall(SYS_access, "data/hello.txt", 0x10), EINVAL, "access with a bad mode");
	dfd = open("data/dir", O_RDONLY | O_DIRECTORY);
	CHECK_OK(faccessat(dfd, "a.txt", R_OK, 0), "faccessat relative to a directory fd");
	CHECK_ERR(faccessat(dfd, "zzz", R_OK, 0), ENOENT, "faccessat missing");
	close(dfd);
}

/* ---------------------------------------------------------------- cwd */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void test_cwd(void)
{
	section("getcwd, chdir, fchdir");
	char start[PATH_MAX], now[PATH_MAX];
	long len = syscall(SYS_getcwd, start, sizeof(start));
	check(len > 1 && start[0] == '/', "getcwd: an absolute path");
	check(len == (long)strlen(start) + 1, "raw getcwd returns the length with the NUL");
	CHECK_ERR(syscall(SYS_getcwd, now, 1), ERANGE, "a 1-byte buffer");
	CHECK_ERR(syscall(SYS_getcwd, now, 0), ERANGE, "a 0-byte buffer");
	CHECK_ERR(syscall(SYS_getcwd, now, (size_t)len - 1), ERANGE, "one byte too small");
	check(syscall(SYS_getcwd, now, (size_t)len) == len, "exactly big enough");

	CHECK_OK(chdir("data"), "chdir data");
	getcwd(now, sizeof(now));
	check(ends_with(now, "/data") && strncmp(now, start, strlen(start)) == 0, "cwd is <start>/data");
	check(access("hello.txt", F_OK) == 0, "relative paths follow");
	CHECK_OK(chdir("dirlink"), "chdir through a symlink");
	getcwd(now, sizeof(now));
	check(ends_with(now, "/data/dir"), "getcwd shows the resolved path .../data/dir");
	CHECK_OK(chdir("../.."), "chdir ../..");
	getcwd(now, sizeof(now));
	check_str(strcmp(now, start) == 0 ? "start" : now, "start", "back at the start");

	int dfd = open("data/dir/sub", O_RDONLY | O_DIRECTORY);
	CHECK_OK(fchdir(dfd), "fchdir data/dir/sub");
	getcwd(now, sizeof(now));
	check(ends_with(now, "/data/dir/sub"), "cwd ends with /data/dir/sub");
	check(access("c.txt", R_OK) == 0, "c.txt visible");
	int ffd = open("c.txt", O_RDONLY);
	CHECK_ERR(fchdir(ffd), ENOTDIR, "fchdir to a file");
	CHECK_ERR(fchdir(42), EBADF, "fchdir to a closed fd");
	close(ffd);
	close(dfd);
	chdir(start);
	CHECK_ERR(chdir("data/hello.txt"), ENOTDIR, "chdir to a file");
	CHECK_ERR(chdir("data/missing"), ENOENT, "chdir to a missing directory");
	CHECK_ERR(chdir(""), ENOENT, "chdir to the empty path");
	getcwd(now, sizeof(now));
	check(strcmp(now, start) == 0, "cwd unchanged by the failures");
}

int main(void)
{
	test_open_read();
	test_stat();
	test_getdents();
	test_readlink_access();
	test_cwd();
	return check_done();
}
