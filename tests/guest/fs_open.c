/*
 * fs_open - opening, reading and writing files on a writable file system,
 * in the scratch directory fs_open.scratch:
 *   - open/openat/creat flags: O_CREAT (mode bits, umask, an existing file
 *     keeps its mode, dangling symlinks are created through), O_EXCL (also
 *     on symlinks), O_TRUNC (also with O_RDONLY), O_APPEND on two
 *     descriptors (and pwrite, which appends anyway), O_DIRECTORY,
 *     O_NOFOLLOW (ELOOP), O_PATH (fstat and dirfd work, I/O is EBADF),
 *     directories opened for writing (EISDIR), trailing slashes;
 *   - errors: ENOENT, ENOTDIR, ENAMETOOLONG (a 256-byte component; a path
 *     of 4096 bytes, while 4095 works), EFAULT (bad path pointers, a path
 *     running into an unmapped page), EBADF (bad dirfd), dirfd-relative
 *     opens and AT_FDCWD;
 *   - offsets shared by dup and fork, separate after a second open;
 *   - the umask on created files, directories and FIFOs;
 *   - read/write/readv/writev/pread64/pwrite64/preadv/pwritev, EBADF on the
 *     wrong access mode, EFAULT buffers, a 1 MiB round trip;
 *   - lseek SEEK_SET/CUR/END/DATA/HOLE (page-aligned data and holes, past
 *     EOF -> ENXIO, negative -> EINVAL), sparse files reading zeros.
 */
#include "check.h"
#include "fsutil.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRATCH "fs_open.scratch"

/* ---------------------------------------------------------------- creation */

static void test_create(void)
{
	section("O_CREAT, O_EXCL, O_TRUNC, creat");
	int fd = open("a", O_WRONLY | O_CREAT, 0666);
	check(fd >= 0, "O_CREAT makes a new file");
	check_str(describe_path("a", true), "regular 0644 size=0 nlink=1", "new file (0666 & ~022)");
	check_long(write(fd, "hello", 5), 5, "write 5 bytes");
	close(fd);
	CHECK_ERR(open("a", O_WRONLY | O_CREAT | O_EXCL, 0600), EEXIST, "O_CREAT|O_EXCL on an existing file");
	fd = open("a", O_RDWR | O_CREAT, 0600);
	check(fd >= 0, "O_CREAT on an existing file opens it");
	check_mode(fd_mode(fd), 0644, "its mode is unchanged");
	char buf[64] = {0};
	check_long(read(fd, buf, sizeof(buf)), 5, "and its data is still there");
	close(fd);
	fd = open("a", O_RDONLY | O_EXCL);
	check(fd >= 0, "O_EXCL without O_CREAT is ignored");
	close(fd);

	fd = open("allbits", O_WRONLY | O_CREAT | O_EXCL, 07777);
	check_mode(fd_mode(fd), 07755, "O_CREAT with 07777: set-id and sticky bits kept, umask applied");
	close(fd);
	fd = open("nomode", O_RDWR | O_CREAT | O_EXCL, 0);
	check(fd >= 0, "O_CREAT with mode 0 still gives a read-write fd");
	check_mode(fd_mode(fd), 0, "mode 0000");
	check_long(write(fd, "x", 1), 1, "writable through that fd");
	close(fd);

	/* O_TRUNC, also with O_RDONLY (Linux truncates). */
	put_file("t", "some text", 0644);
	fd = open("t", O_WRONLY | O_TRUNC);
	check_long(file_size("t"), 0, "O_WRONLY|O_TRUNC empties the file");
	close(fd);
	put_file("t", "some text", 0644);
	fd = open("t", O_RDONLY | O_TRUNC);
	check(fd >= 0, "O_RDONLY|O_TRUNC opens");
	check_long(file_size("t"), 0, "and truncates too");
	close(fd);
	put_file("t", "some text", 0644);
	fd = open("t", O_RDWR);
	check_long(file_size("t"), 9, "without O_TRUNC the data stays");
	close(fd);

	fd = creat("c", 0640);
	check(fd >= 0, "creat");
	check_hex((unsigned long)(fcntl(fd, F_GETFL) & O_ACCMODE), O_WRONLY, "creat opens write-only");
	check_mode(fd_mode(fd), 0640, "mode 0640");
	write(fd, "data", 4);
	close(fd);
	fd = creat("c", 0600);
	check_long(file_size("c"), 0, "creat of an existing file truncates it");
	check_mode(mode_of("c"), 0640, "and keeps its mode");
	close(fd);

	/* Symlinks: O_EXCL never follows, O_CREAT alone creates the target. */
	symlink("a", "lnk");
	symlink("nowhere", "dangling");
	symlink("nodir/file", "dangling2");
	CHECK_ERR(open("lnk", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST, "O_CREAT|O_EXCL on a symlink");
	CHECK_ERR(open("dangling", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST,
		  "O_CREAT|O_EXCL on a dangling symlink");
	check(!exists("nowhere"), "the link's target was not created");
	fd = open("dangling", O_WRONLY | O_CREAT, 0644);
	check(fd >= 0, "O_CREAT through a dangling symlink");
	check(exists("nowhere"), "creates the target");
	close(fd);
	CHECK_ERR(open("dangling2", O_WRONLY | O_CREAT, 0644), ENOENT,
		  "O_CREAT through a dangling symlink into a missing directory");
	CHECK_ERR(open("lnk", O_RDONLY | O_CREAT | O_NOFOLLOW, 0644), ELOOP, "O_CREAT|O_NOFOLLOW on a symlink");
	CHECK_ERR(open("nodir/f", O_WRONLY | O_CREAT, 0644), ENOENT, "O_CREAT under a missing directory");
	CHECK_ERR(open("a/f", O_WRONLY | O_CREAT, 0644), ENOTDIR, "O_CREAT under a file");
}

/* ---------------------------------------------------------------- append */

static void test_append(void)
{
	section("O_APPEND");
	put_file("ap", "", 0644);
	int fd1 = open("ap", O_WRONLY | O_APPEND);
	int fd2 = open("ap", O_WRONLY | O_APPEND);
	write(fd1, "aa", 2);
	write(fd2, "bb", 2);
	write(fd1, "cc", 2);
	check_str(get_file("ap"), "aabbcc", "two O_APPEND fds interleave at the end");
	check_long(lseek(fd1, 0, SEEK_SET), 0, "lseek to 0");
	write(fd1, "dd", 2);
	check_str(get_file("ap"), "aabbccdd", "the next write still goes to the end");
	check_long(lseek(fd1, 0, SEEK_CUR), 8, "and leaves the offset there");
	check_long(lseek(fd2, 0, SEEK_CUR), 4, "the other fd's offset is its own");
	check_long(pwrite(fd1, "P", 1, 0), 1, "pwrite at offset 0 on an O_APPEND fd");
	check_str(get_file("ap"), "aabbccddP", "appends anyway (Linux)");
	int fd3 = open("ap", O_WRONLY);
	write(fd3, "Z", 1);
	check_str(get_file("ap"), "ZabbccddP", "a plain fd writes at its offset");
	check_hex((unsigned long)(fcntl(fd1, F_GETFL) & O_APPEND), O_APPEND, "F_GETFL shows O_APPEND");
	CHECK_OK(fcntl(fd1, F_SETFL, 0), "F_SETFL clears O_APPEND");
	lseek(fd1, 1, SEEK_SET);
	write(fd1, "Y", 1);
	check_str(get_file("ap"), "ZYbbccddP", "then writes go to the offset");
	CHECK_OK(fcntl(fd3, F_SETFL, O_APPEND), "F_SETFL sets O_APPEND");
	write(fd3, "!", 1);
	check_str(get_file("ap"), "ZYbbccddP!", "then writes append");
	close(fd1);
	close(fd2);
	close(fd3);
}

/* ---------------------------------------------------------------- flags */

static void test_flags(void)
{
	section("O_DIRECTORY, O_NOFOLLOW, O_PATH, directories");
	mkdir("d", 0755);
	put_file("d/f", "in d", 0644);
	symlink("d", "dlink");
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	check(fd >= 0, "O_DIRECTORY on a directory");
	close(fd);
	fd = open("d", O_RDONLY);
	check(fd >= 0, "a directory opens O_RDONLY without O_DIRECTORY too");
	char buf[64];
	CHECK_ERR(read(fd, buf, sizeof(buf)), EISDIR, "read of a directory fd");
	CHECK_ERR(write(fd, "x", 1), EBADF, "write to it");
	close(fd);
	CHECK_ERR(open("a", O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file");
	fd = open("dlink", O_RDONLY | O_DIRECTORY);
	check(fd >= 0, "O_DIRECTORY on a symlink to a directory");
	close(fd);
	CHECK_ERR(open("dlink", O_RDONLY | O_DIRECTORY | O_NOFOLLOW), ENOTDIR,
		  "O_DIRECTORY|O_NOFOLLOW on a symlink to a directory");
	CHECK_ERR(open("newdir", O_RDONLY | O_DIRECTORY | O_CREAT, 0755), EINVAL, "O_DIRECTORY|O_CREAT");
	check(!exists("newdir"), "nothing created");
	CHECK_ERR(open("d", O_WRONLY), EISDIR, "a directory opened O_WRONLY");
	CHECK_ERR(open("d", O_RDWR), EISDIR, "a directory opened O_RDWR");
	CHECK_ERR(open("d", O_RDONLY | O_CREAT, 0644), EISDIR, "O_CREAT on an existing directory");
	CHECK_ERR(open("d", O_RDONLY | O_TRUNC), EISDIR, "O_TRUNC on a directory");

	CHECK_ERR(open("lnk", O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on a symlink");
	CHECK_ERR(open("dangling", O_RDONLY | O_NOFOLLOW), ELOOP, "O_NOFOLLOW on a dangling symlink");
	fd = open("dlink/f", O_RDONLY | O_NOFOLLOW);
	check(fd >= 0, "O_NOFOLLOW only concerns the last component");
	close(fd);
	fd = open("a", O_RDONLY | O_NOFOLLOW);
	check(fd >= 0, "O_NOFOLLOW on a regular file");
	close(fd);

	/* O_PATH: a handle for the name, no I/O. */
	fd = open("a", O_PATH);
	check(fd >= 0, "O_PATH open");
	check_hex((unsigned long)fcntl(fd, F_GETFL), O_PATH, "F_GETFL = O_PATH");
	struct stat st;
	CHECK_OK(fstat(fd, &st), "fstat through O_PATH");
	check_str(describe_stat(&st), "regular 0644 size=5 nlink=1", "the file");
	CHECK_ERR(read(fd, buf, 1), EBADF, "read through O_PATH");
	CHECK_ERR(write(fd, "x", 1), EBADF, "write through O_PATH");
	CHECK_ERR(pread(fd, buf, 1, 0), EBADF, "pread through O_PATH");
	/* Raw: musl emulates fchmod on O_PATH fds through /proc/self/fd. */
	CHECK_ERR(syscall(SYS_fchmod, fd, 0600), EBADF, "fchmod through O_PATH");
	CHECK_ERR(ftruncate(fd, 0), EBADF, "ftruncate through O_PATH");
	CHECK_OK(fstatat(fd, "", &st, AT_EMPTY_PATH), "fstatat AT_EMPTY_PATH through O_PATH");
	int d2 = dup(fd);
	check(d2 >= 0, "dup of an O_PATH fd");
	close(d2);
	close(fd);
	fd = open("lnk", O_PATH | O_NOFOLLOW);
	check(fd >= 0, "O_PATH|O_NOFOLLOW on a symlink");
	CHECK_OK(fstat(fd, &st), "fstat");
	check_str(describe_stat(&st), "symlink 0777 size=1 nlink=1", "the link itself");
	close(fd);
	int dfd = open("d", O_PATH | O_DIRECTORY);
	fd = openat(dfd, "f", O_RDONLY);
	check(fd >= 0, "an O_PATH directory fd works as dirfd");
	memset(buf, 0, sizeof(buf));
	read(fd, buf, sizeof(buf));
	check_str(buf, "in d", "content");
	close(fd);
	CHECK_ERR(syscall(SYS_getdents64, dfd, buf, sizeof(buf)), EBADF, "getdents64 through O_PATH");
	close(dfd);

	section("trailing slashes");
	CHECK_ERR(open("a/", O_RDONLY), ENOTDIR, "open(\"file/\")");
	fd = open("d/", O_RDONLY);
	check(fd >= 0, "open(\"dir/\")");
	close(fd);
	fd = open("dlink/", O_RDONLY | O_NOFOLLOW);
	check(fd >= 0, "open(\"dirlink/\", O_NOFOLLOW): the slash makes it follow");
	close(fd);
	CHECK_ERR(open("lnk/", O_RDONLY), ENOTDIR, "open(\"filelink/\")");
	CHECK_ERR(open("d/", O_WRONLY), EISDIR, "open(\"dir/\", O_WRONLY)");
	CHECK_ERR(open("new/", O_WRONLY | O_CREAT, 0644), EISDIR, "O_CREAT of \"new/\"");
	check(!exists("new"), "nothing created");
	CHECK_ERR(open("a/", O_WRONLY | O_CREAT, 0644), EISDIR, "O_CREAT of an existing \"file/\"");
	CHECK_ERR(open("d/", O_RDONLY | O_CREAT, 0644), EISDIR, "O_CREAT of an existing \"dir/\"");
	CHECK_ERR(open("missing/", O_RDONLY), ENOENT, "open(\"missing/\")");
	CHECK_ERR(open("a/.", O_RDONLY), ENOTDIR, "open(\"file/.\")");
	fd = open("d/.", O_RDONLY);
	check(fd >= 0, "open(\"dir/.\")");
	close(fd);
	fd = open("d//f", O_RDONLY);
	check(fd >= 0, "open(\"dir//f\"): repeated slashes");
	close(fd);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(void)
{
	section("lookup errors");
	CHECK_ERR(open("missing", O_RDONLY), ENOENT, "a missing file");
	CHECK_ERR(open("missing/f", O_RDONLY), ENOENT, "under a missing directory");
	CHECK_ERR(open("", O_RDONLY), ENOENT, "the empty path");
	CHECK_ERR(open("a/f", O_RDONLY), ENOTDIR, "through a regular file");
	CHECK_ERR(open("lnk/f", O_RDONLY), ENOTDIR, "through a symlink to a file");

	char name[300];
	memset(name, 'n', 255);
	name[255] = '\0';
	int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0, "a 255-byte name can be created");
	close(fd);
	check(exists(name), "and found");
	CHECK_OK(unlink(name), "and removed");
	memset(name, 'n', 256);
	name[256] = '\0';
	CHECK_ERR(open(name, O_RDONLY), ENAMETOOLONG, "a 256-byte name");
	CHECK_ERR(open(name, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG, "creating a 256-byte name");
	char inner[320];
	snprintf(inner, sizeof(inner), "%s/f", name);
	CHECK_ERR(open(inner, O_RDONLY), ENAMETOOLONG, "a 256-byte directory component");

	/* "./" repeated, then "aa": 4095 bytes resolve, 4096 do not. */
	put_file("aa", "AA", 0644);
	char *path = malloc(PATH_MAX + 16);
	size_t len = 0;
	while (len < PATH_MAX - 3)
		len += (size_t)sprintf(path + len, "./");
	/* len is 4094: add "aa" for 4096 bytes (+ NUL), or "a" for 4095. */
	strcpy(path + len, "a");
	check_long((long)strlen(path), 4095, "path length");
	fd = open(path, O_RDONLY);
	check(fd >= 0, "a 4095-byte path opens");
	close(fd);
	strcpy(path + len, "aa");
	check_long((long)strlen(path), 4096, "path length");
	CHECK_ERR(open(path, O_RDONLY), ENAMETOOLONG, "a 4096-byte path");
	free(path);

	section("bad pointers and dirfds");
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY), EFAULT, "path NULL");
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, (char *)1, O_RDONLY), EFAULT, "path (char *)1");
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, WILD_KERNEL_DIRECT, O_RDONLY), EFAULT, "path in kernel memory");
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, WILD_NONCANONICAL, O_RDONLY), EFAULT, "path non-canonical");
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(pages + 4096, 4096);
	memset(pages, 'a', 4096);
	CHECK_ERR(syscall(SYS_openat, AT_FDCWD, pages + 4096 - 2, O_RDONLY), EFAULT,
		  "a path that runs into an unmapped page");
	pages[4095] = '\0';
	fd = (int)syscall(SYS_openat, AT_FDCWD, pages + 4096 - 3, O_RDONLY);
	check(fd >= 0, "the same bytes with a NUL before the unmapped page: \"aa\" opens");
	close(fd);
	munmap(pages, 4096);

	CHECK_ERR(openat(42, "a", O_RDONLY), EBADF, "openat with a closed dirfd");
	CHECK_ERR(openat(-5, "a", O_RDONLY), EBADF, "openat with dirfd -5");
	fd = open("a", O_RDONLY);
	CHECK_ERR(openat(fd, "x", O_RDONLY), ENOTDIR, "openat relative to a file fd");
	close(fd);
	char cwd[PATH_MAX], abs[PATH_MAX + 8];
	check(getcwd(cwd, sizeof(cwd)) != NULL, "getcwd");
	snprintf(abs, sizeof(abs), "%s/a", cwd);
	fd = openat(42, abs, O_RDONLY);
	check(fd >= 0, "an absolute path ignores a bad dirfd");
	close(fd);
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	fd = openat(dfd, "f", O_RDONLY);
	check(fd >= 0, "openat(dirfd, \"f\")");
	close(fd);
	fd = openat(dfd, "../a", O_RDONLY);
	check(fd >= 0, "openat(dirfd, \"../a\")");
	close(fd);
	fd = openat(dfd, "g", O_WRONLY | O_CREAT | O_EXCL, 0644);
	check(fd >= 0, "openat creates relative to the dirfd");
	close(fd);
	check(exists("d/g"), "d/g exists");
	fd = openat(AT_FDCWD, "a", O_RDONLY);
	check(fd >= 0, "openat(AT_FDCWD, \"a\")");
	close(fd);
	close(dfd);
}

/* ---------------------------------------------------------------- offsets */

static void test_offsets(void)
{
	section("offsets: dup, fork, a second open");
	put_file("off", "0123456789abcdef", 0644);
	int fd = open("off", O_RDONLY);
	int d = dup(fd);
	char buf[16] = {0};
	read(fd, buf, 4);
	check_long(lseek(d, 0, SEEK_CUR), 4, "dup shares the offset");
	read(d, buf, 2);
	check_long(lseek(fd, 0, SEEK_CUR), 6, "both ways");
	pid_t pid = fork();
	if (pid == 0) {
		char c[3];
		_exit(read(fd, c, 3) == 3 ? 0 : 1);
	}
	check_wait(pid, "exited 0", "child read 3 bytes");
	check_long(lseek(fd, 0, SEEK_CUR), 9, "fork shares the offset");
	int other = open("off", O_RDONLY);
	check_long(lseek(other, 0, SEEK_CUR), 0, "a second open has its own offset");
	read(other, buf, 1);
	check_long(lseek(fd, 0, SEEK_CUR), 9, "and does not move the first");
	memset(buf, 0, sizeof(buf));
	read(fd, buf, 3);
	check_str(buf, "9ab", "first fd reads on from 9");
	close(fd);
	close(d);
	close(other);
}

/* ---------------------------------------------------------------- umask */

static void test_umask(void)
{
	section("umask");
	check_mode(umask(0), 022, "umask(0) returns the old 022");
	int fd = open("u0", O_WRONLY | O_CREAT, 0777);
	close(fd);
	check_mode(mode_of("u0"), 0777, "file with umask 0");
	check_mode(umask(077), 0, "umask(077) returns 0");
	fd = open("u77", O_WRONLY | O_CREAT, 0666);
	close(fd);
	check_mode(mode_of("u77"), 0600, "file with umask 077");
	mkdir("ud", 0777);
	check_mode(mode_of("ud"), 0700, "directory with umask 077");
	mkfifo("uf", 0666);
	check_mode(mode_of("uf"), 0600, "FIFO with umask 077");
	umask(0222);
	fd = open("u222", O_RDWR | O_CREAT, 0666);
	check(fd >= 0, "a file created 0444 by the umask still opens O_RDWR");
	check_long(write(fd, "w", 1), 1, "and takes writes");
	close(fd);
	check_mode(mode_of("u222"), 0444, "mode 0444");
	check_mode(umask(022), 0222, "umask(022) returns 0222");
	pid_t pid = fork();
	if (pid == 0)
		_exit((int)umask(0));
	check_wait(pid, "exited 18", "a child inherits the umask (022 = 18)");
}

/* ---------------------------------------------------------------- I/O */

static void test_io(void)
{
	section("read, write, readv, writev, pread, pwrite, preadv, pwritev");
	int fd = open("io", O_RDWR | O_CREAT | O_TRUNC, 0644);
	check_long(write(fd, "hello world", 11), 11, "write 11");
	check_long(write(fd, "", 0), 0, "write 0 bytes");
	check_long(lseek(fd, 0, SEEK_CUR), 11, "offset 11");
	char buf[64] = {0};
	check_long(read(fd, buf, sizeof(buf)), 0, "read at EOF");
	check_long(pread(fd, buf, 5, 6), 5, "pread 5 at 6");
	check_str(buf, "world", "content");
	check_long(lseek(fd, 0, SEEK_CUR), 11, "pread leaves the offset");
	check_long(pwrite(fd, "W", 1, 6), 1, "pwrite 1 at 6");
	check_long(lseek(fd, 0, SEEK_CUR), 11, "pwrite leaves the offset");
	check_str(get_file("io"), "hello World", "content");
	check_long(pread(fd, buf, 5, 100), 0, "pread beyond EOF");
	CHECK_ERR(pread(fd, buf, 5, -1), EINVAL, "pread at -1");
	CHECK_ERR(pwrite(fd, buf, 5, -1), EINVAL, "pwrite at -1");

	struct iovec wv[3] = {{"ab", 2}, {"", 0}, {"cdef", 4}};
	lseek(fd, 0, SEEK_SET);
	check_long(writev(fd, wv, 3), 6, "writev 2+0+4 at 0");
	check_long(lseek(fd, 0, SEEK_CUR), 6, "offset 6");
	check_str(get_file("io"), "abcdefWorld", "content");
	char x[3] = {0}, y[4] = {0};
	struct iovec rv[2] = {{x, 2}, {y, 3}};
	lseek(fd, 0, SEEK_SET);
	check_long(readv(fd, rv, 2), 5, "readv 2+3");
	check(strcmp(x, "ab") == 0 && strcmp(y, "cde") == 0, "readv scattered in order");
	struct iovec pv[2] = {{"XY", 2}, {"Z", 1}};
	check_long(pwritev(fd, pv, 2, 8), 3, "pwritev 2+1 at 8");
	check_str(get_file("io"), "abcdefWoXYZ", "content");
	memset(x, 0, sizeof(x));
	memset(y, 0, sizeof(y));
	check_long(preadv(fd, rv, 2, 7), 4, "preadv at 7: 4 left");
	check(strcmp(x, "oX") == 0 && strcmp(y, "YZ") == 0, "preadv content");
	check_long(lseek(fd, 0, SEEK_CUR), 5, "preadv/pwritev leave the offset");
	check_long(pwritev(fd, pv, 2, 20), 3, "pwritev beyond EOF");
	check_long(file_size("io"), 23, "extends the file to 23");
	memset(buf, 'x', sizeof(buf));
	check_long(pread(fd, buf, 23, 0), 23, "read it all");
	check(all_zero(buf + 11, 9), "the gap reads as zeros");
	close(fd);

	fd = open("io", O_RDONLY);
	CHECK_ERR(write(fd, "x", 1), EBADF, "write to an O_RDONLY fd");
	CHECK_ERR(pwrite(fd, "x", 1, 0), EBADF, "pwrite to an O_RDONLY fd");
	CHECK_ERR(writev(fd, wv, 1), EBADF, "writev to an O_RDONLY fd");
	CHECK_ERR(read(fd, WILD_KERNEL_DIRECT, 4), EFAULT, "read into kernel memory");
	CHECK_ERR(syscall(SYS_read, fd, NULL, 4), EFAULT, "read into NULL");
	check_long(lseek(fd, 0, SEEK_CUR), 0, "the failed reads left the offset");
	close(fd);
	fd = open("io", O_WRONLY);
	CHECK_ERR(read(fd, buf, 1), EBADF, "read from an O_WRONLY fd");
	CHECK_ERR(pread(fd, buf, 1, 0), EBADF, "pread from an O_WRONLY fd");
	CHECK_ERR(write(fd, WILD_KERNEL_DIRECT, 4), EFAULT, "write from kernel memory");
	CHECK_ERR(syscall(SYS_write, fd, NULL, 4), EFAULT, "write from NULL");
	check_long(file_size("io"), 23, "the failed writes changed nothing");
	check_str(get_file("io"), "abcdefWoXYZ", "content");
	close(fd);
	CHECK_ERR(read(42, buf, 1), EBADF, "read from a closed fd");

	/* 1 MiB in one write, read back in odd pieces. */
	enum { BIG = 1 << 20 };
	unsigned char *big = malloc(BIG), *back = malloc(BIG);
	pattern_fill(big, BIG, 0, 1);
	fd = open("big", O_RDWR | O_CREAT | O_TRUNC, 0644);
	check_long(write(fd, big, BIG), BIG, "write 1 MiB at once");
	lseek(fd, 0, SEEK_SET);
	memset(back, 0, BIG);
	size_t got = 0, piece = 1;
	ssize_t n;
	while (got < BIG && (n = read(fd, back + got, piece < BIG - got ? piece : BIG - got)) > 0) {
		got += (size_t)n;
		piece = piece * 3 % 65521 + 1;
	}
	check_long((long)got, BIG, "read back in odd pieces");
	check(pattern_ok(back, BIG, 0, 1), "the same bytes");
	check_long(pread(fd, back, 20, 4090), 20, "pread across a page boundary");
	check(pattern_ok(back, 20, 4090, 1), "content");
	close(fd);
	free(big);
	free(back);
}

/* ---------------------------------------------------------------- lseek, holes */

static void test_seek(void)
{
	section("lseek, SEEK_DATA, SEEK_HOLE, sparse files");
	enum { PAGE = 4096, FAR = 1 << 20 };
	static char page[PAGE];
	pattern_fill(page, PAGE, 0, 2);
	int fd = open("sparse", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_ERR(lseek(fd, 0, SEEK_DATA), ENXIO, "SEEK_DATA in an empty file");
	CHECK_ERR(lseek(fd, 0, SEEK_HOLE), ENXIO, "SEEK_HOLE in an empty file");
	write(fd, page, PAGE);
	check_long(lseek(fd, FAR, SEEK_SET), FAR, "SEEK_SET 1 MiB (past EOF)");
	check_long(file_size("sparse"), PAGE, "seeking did not grow the file");
	write(fd, page, PAGE);
	check_long(file_size("sparse"), FAR + PAGE, "a write there did");
	check_long(lseek(fd, 0, SEEK_END), FAR + PAGE, "SEEK_END");
	check_long(lseek(fd, -10, SEEK_END), FAR + PAGE - 10, "SEEK_END -10");
	check_long(lseek(fd, 5, SEEK_CUR), FAR + PAGE - 5, "SEEK_CUR +5");
	check_long(lseek(fd, -100, SEEK_CUR), FAR + PAGE - 105, "SEEK_CUR -100");
	CHECK_ERR(lseek(fd, -1, SEEK_SET), EINVAL, "SEEK_SET -1");
	CHECK_ERR(lseek(fd, -(FAR + PAGE) - 1, SEEK_END), EINVAL, "SEEK_END before the start");
	CHECK_ERR(lseek(fd, -(FAR + PAGE), SEEK_CUR), EINVAL, "SEEK_CUR before the start");
	CHECK_ERR(lseek(fd, 0, 5), EINVAL, "whence 5");
	check_long(lseek(fd, 0, SEEK_CUR), FAR + PAGE - 105, "failed seeks keep the offset");

	check_long(lseek(fd, 0, SEEK_DATA), 0, "SEEK_DATA from 0");
	check_long(lseek(fd, 0, SEEK_HOLE), PAGE, "SEEK_HOLE from 0: the end of the first page");
	check_long(lseek(fd, 100, SEEK_HOLE), PAGE, "SEEK_HOLE from 100");
	check_long(lseek(fd, PAGE, SEEK_HOLE), PAGE, "SEEK_HOLE inside a hole: the same offset");
	check_long(lseek(fd, 0, SEEK_CUR), PAGE, "SEEK_HOLE moved the offset");
	check_long(lseek(fd, PAGE, SEEK_DATA), FAR, "SEEK_DATA from the hole");
	check_long(lseek(fd, 5000, SEEK_DATA), FAR, "SEEK_DATA from inside the hole");
	check_long(lseek(fd, FAR + 10, SEEK_DATA), FAR + 10, "SEEK_DATA inside data: the same offset");
	check_long(lseek(fd, FAR, SEEK_HOLE), FAR + PAGE, "SEEK_HOLE in the last data: EOF");
	CHECK_ERR(lseek(fd, FAR + PAGE, SEEK_DATA), ENXIO, "SEEK_DATA at EOF");
	CHECK_ERR(lseek(fd, FAR + PAGE, SEEK_HOLE), ENXIO, "SEEK_HOLE at EOF");
	CHECK_ERR(lseek(fd, FAR + 2 * PAGE, SEEK_DATA), ENXIO, "SEEK_DATA past EOF");
	CHECK_ERR(lseek(fd, -1, SEEK_DATA), ENXIO, "SEEK_DATA at -1");
	check_long(lseek(fd, 0, SEEK_CUR), FAR + PAGE, "failed SEEK_DATA/SEEK_HOLE keep the offset");

	static char buf[PAGE];
	memset(buf, 'x', sizeof(buf));
	check_long(pread(fd, buf, 100, 500000), 100, "pread in the hole");
	check(all_zero(buf, 100), "zeros");
	memset(buf, 'x', sizeof(buf));
	check_long(pread(fd, buf, PAGE, FAR - PAGE / 2), PAGE, "pread across the hole's end");
	check(all_zero(buf, PAGE / 2) && pattern_ok(buf + PAGE / 2, PAGE / 2, 0, 2), "zeros, then data");
	close(fd);

	/* A hole inside one page, and one made by ftruncate. */
	fd = open("small", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(fd, "ab", 2);
	lseek(fd, 10, SEEK_SET);
	write(fd, "cd", 2);
	memset(buf, 'x', 12);
	check_long(pread(fd, buf, 20, 0), 12, "a file of 12 bytes");
	check(memcmp(buf, "ab\0\0\0\0\0\0\0\0cd", 12) == 0, "\"ab\", 8 zeros, \"cd\"");
	close(fd);
	fd = open("tail", O_RDWR | O_CREAT | O_TRUNC, 0644);
	write(fd, page, PAGE);
	CHECK_OK(ftruncate(fd, 16 * PAGE), "ftruncate to 64 KiB");
	check_long(lseek(fd, 0, SEEK_HOLE), PAGE, "SEEK_HOLE: the grown tail is a hole");
	CHECK_ERR(lseek(fd, PAGE, SEEK_DATA), ENXIO, "no data after it");
	memset(buf, 'x', sizeof(buf));
	check_long(pread(fd, buf, PAGE, 15 * PAGE), PAGE, "read the last page");
	check(all_zero(buf, PAGE), "zeros");
	close(fd);
}

int main(void)
{
	watchdog(30);
	umask(022);
	scratch_enter(SCRATCH);
	test_create();
	test_append();
	test_flags();
	test_errors();
	test_offsets();
	test_umask();
	test_io();
	test_seek();
	scratch_leave(SCRATCH);
	return check_done();
}
