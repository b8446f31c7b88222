/*
 * fs_meta - file metadata on a writable file system, in fs_meta.scratch:
 *   - stat/fstat/lstat/newfstatat (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH) and
 *     statx (mask, basic fields, agreement with stat): type, mode, nlink
 *     (files and directories), size, owner; EFAULT and ENOENT;
 *   - chmod/fchmod/fchmodat/fchmodat2 (all 12 bits as root, through links,
 *     EOPNOTSUPP for a symlink itself);
 *   - chown/fchown/lchown/fchownat: stored ids read back, -1 keeps a value,
 *     set-user-ID and set-group-ID cleared by a chown even as root;
 *   - truncate/ftruncate growing (zeros) and shrinking, errors;
 *   - fallocate: default mode, FALLOC_FL_KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE
 *     (zeros exactly in the range), errors;
 *   - utimensat/futimens: explicit times read back exactly (also before
 *     1970), UTIME_NOW and UTIME_OMIT, NULL times, AT_SYMLINK_NOFOLLOW;
 *   - which operations change mtime and ctime: write, truncate, ftruncate,
 *     chmod, link, creating and removing in a directory, but not read or an
 *     empty write (only before/after relations are printed);
 *   - access/faccessat/faccessat2 as root: F_OK, R_OK, W_OK, X_OK (EACCES
 *     without any x bit), flags;
 *   - statfs/fstatfs succeed (nothing host-specific printed).
 *
 * The ctime checks need the clock to move between the "before" and "after"
 * stat: one 30 ms pause before a batch of changes gives even a coarse
 * (jiffy) clock time to advance; nothing depends on how long it really was.
 */
#include "check.h"
#include "fsutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SCRATCH "fs_meta.scratch"

#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif
#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif
#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

/* a later than b. */
static bool later(struct timespec a, struct timespec b)
{
	return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec > b.tv_nsec);
}

static struct stat stat_of(const char *path)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	if (lstat(path, &st) != 0)
		fail("lstat %s: %s", path, errno_name(errno));
	return st;
}

/* ---------------------------------------------------------------- stat */

static void test_stat(void)
{
	section("stat, fstat, lstat, newfstatat, statx");
	put_file("f", "12345", 0640);
	mkdir("d", 0755);
	symlink("f", "lnk");
	mkfifo("fifo", 0600);
	check_str(describe_path("f", false), "regular 0640 size=5 nlink=1", "stat f");
	check_str(describe_path("lnk", false), "regular 0640 size=5 nlink=1", "stat lnk (follows)");
	check_str(describe_path("lnk", true), "symlink 0777 size=1 nlink=1", "lstat lnk");
	check_str(describe_path("d", false), "directory 0755 nlink=2", "stat d: nlink 2");
	mkdir("d/s1", 0755);
	mkdir("d/s2", 0755);
	put_file("d/file", "", 0644);
	check_str(describe_path("d", false), "directory 0755 nlink=4", "two subdirectories: nlink 4");
	rmdir("d/s2");
	check_str(describe_path("d", false), "directory 0755 nlink=3", "one removed: nlink 3");
	check_str(describe_path("fifo", false), "fifo 0600 size=0 nlink=1", "stat fifo");
	check_str(describe_path("missing", false), "ENOENT", "stat missing");
	check_str(describe_path("f/x", false), "ENOTDIR", "stat f/x");
	check_str(describe_path("f/", false), "ENOTDIR", "stat f/");
	check_str(describe_path("d/", false), "directory 0755 nlink=3", "stat d/");

	struct stat st, lst;
	stat("f", &st);
	check(st.st_uid == getuid() && st.st_gid == getgid(), "a new file belongs to our uid and gid");
	check(st.st_rdev == 0, "st_rdev 0");
	check(st.st_blksize > 0, "st_blksize > 0");
	stat("lnk", &lst);
	check(st.st_ino == lst.st_ino && st.st_dev == lst.st_dev, "stat through the link: the same inode");
	lstat("lnk", &lst);
	check(st.st_ino != lst.st_ino, "lstat: another inode");
	struct stat d1, d2;
	stat("d", &d1);
	stat("d/s1/..", &d2);
	check(d1.st_ino == d2.st_ino, "d/s1/.. is d");

	int fd = open("f", O_RDONLY);
	struct stat fs;
	CHECK_OK(fstat(fd, &fs), "fstat");
	check(fs.st_ino == st.st_ino && fs.st_size == 5, "the same file, size 5");
	CHECK_OK(fstatat(fd, "", &fs, AT_EMPTY_PATH), "newfstatat AT_EMPTY_PATH");
	check(fs.st_ino == st.st_ino, "the same file");
	CHECK_ERR(fstatat(fd, "", &fs, 0), ENOENT, "empty path without AT_EMPTY_PATH");
	CHECK_OK(fstatat(AT_FDCWD, "lnk", &fs, AT_SYMLINK_NOFOLLOW), "newfstatat AT_SYMLINK_NOFOLLOW");
	check_str(describe_stat(&fs), "symlink 0777 size=1 nlink=1", "the link");
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK_OK(fstatat(dfd, "file", &fs, 0), "newfstatat relative to a dirfd");
	check_str(describe_stat(&fs), "regular 0644 size=0 nlink=1", "d/file");
	CHECK_ERR(fstatat(fd, "x", &fs, 0), ENOTDIR, "newfstatat relative to a file fd");
	CHECK_ERR(fstatat(AT_FDCWD, "f", &fs, 0x10000), EINVAL, "newfstatat with an unknown flag");
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, "f", WILD_KERNEL_DIRECT, 0), EFAULT, "stat into kernel memory");
	CHECK_ERR(syscall(SYS_newfstatat, AT_FDCWD, NULL, &fs, 0), EFAULT, "stat of a NULL path");
	CHECK_ERR(syscall(SYS_fstat, fd, NULL), EFAULT, "fstat into NULL");
	CHECK_ERR(fstat(42, &fs), EBADF, "fstat of a closed fd");

	struct statx_raw sx;
	memset(&sx, 0, sizeof(sx));
	CHECK_OK(syscall(SYS_statx, AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx), "statx f");
	check((sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS, "stx_mask has the basic stats");
	check(sx.stx_mode == (S_IFREG | 0640) && sx.stx_size == 5 && sx.stx_nlink == 1, "mode, size, nlink");
	check(sx.stx_ino == st.st_ino && sx.stx_uid == st.st_uid && sx.stx_gid == st.st_gid,
	      "ino, uid, gid as stat");
	check(sx.stx_mtime.tv_sec == st.st_mtim.tv_sec && sx.stx_mtime.tv_nsec == st.st_mtim.tv_nsec &&
		      sx.stx_ctime.tv_sec == st.st_ctim.tv_sec && sx.stx_ctime.tv_nsec == st.st_ctim.tv_nsec,
	      "mtime and ctime as stat");
	check(sx.stx_blksize == st.st_blksize && sx.stx_blocks == (uint64_t)st.st_blocks, "blksize, blocks as stat");
	memset(&sx, 0, sizeof(sx));
	CHECK_OK(syscall(SYS_statx, AT_FDCWD, "lnk", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS, &sx),
		 "statx AT_SYMLINK_NOFOLLOW");
	check(S_ISLNK(sx.stx_mode) && sx.stx_size == 1, "the link, size 1");
	memset(&sx, 0, sizeof(sx));
	CHECK_OK(syscall(SYS_statx, dfd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx), "statx AT_EMPTY_PATH");
	check(S_ISDIR(sx.stx_mode) && sx.stx_nlink == 3, "the directory, nlink 3");
	memset(&sx, 0, sizeof(sx));
	CHECK_OK(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x2u /* STATX_MODE */, &sx), "statx asking for the mode only");
	check((sx.stx_mask & 0x2u) != 0 && sx.stx_mode == (S_IFREG | 0640), "the mode is there");
	CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x80000000u, &sx), EINVAL, "statx reserved mask bit");
	CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &sx), ENOENT, "statx missing");
	CHECK_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0, STATX_BASIC_STATS, NULL), EFAULT, "statx into NULL");
	close(fd);
	close(dfd);
}

/* ---------------------------------------------------------------- chmod */

static void test_chmod(void)
{
	section("chmod, fchmod, fchmodat, fchmodat2");
	put_file("m", "m", 0644);
	CHECK_OK(chmod("m", 0600), "chmod 0600");
	check_mode(mode_of("m"), 0600, "mode");
	CHECK_OK(chmod("m", 07777), "chmod 07777");
	check_mode(mode_of("m"), 07777, "all 12 bits stored");
	CHECK_OK(chmod("m", S_IFDIR | 0640), "chmod with file type bits in the mode");
	check_str(describe_path("m", true), "regular 0640 size=1 nlink=1", "they are ignored");
	symlink("m", "mlink");
	CHECK_OK(chmod("mlink", 0604), "chmod through a symlink");
	check_mode(mode_of("m"), 0604, "changes the target");
	check_mode(mode_of("mlink"), 0777, "not the link");
	int fd = open("m", O_RDONLY);
	CHECK_OK(fchmod(fd, 0611), "fchmod on an O_RDONLY fd");
	check_mode(mode_of("m"), 0611, "mode");
	close(fd);
	mkdir("md", 0755);
	int dfd = open("md", O_RDONLY | O_DIRECTORY);
	CHECK_OK(fchmod(dfd, 01777), "fchmod a directory 01777");
	check_mode(mode_of("md"), 01777, "mode");
	put_file("md/x", "", 0644);
	CHECK_OK(syscall(SYS_fchmodat, dfd, "x", 0700), "fchmodat relative to a dirfd");
	check_mode(mode_of("md/x"), 0700, "mode");
	CHECK_OK(syscall(SYS_fchmodat2, dfd, "x", 0750, 0), "fchmodat2 without flags");
	check_mode(mode_of("md/x"), 0750, "mode");
	CHECK_OK(syscall(SYS_fchmodat2, AT_FDCWD, "m", 0644, AT_SYMLINK_NOFOLLOW),
		 "fchmodat2 AT_SYMLINK_NOFOLLOW on a regular file");
	check_mode(mode_of("m"), 0644, "mode");
	CHECK_ERR(syscall(SYS_fchmodat2, AT_FDCWD, "mlink", 0600, AT_SYMLINK_NOFOLLOW), EOPNOTSUPP,
		  "fchmodat2 AT_SYMLINK_NOFOLLOW on a symlink");
	check_mode(mode_of("m"), 0644, "the target is unchanged");
	CHECK_ERR(syscall(SYS_fchmodat2, AT_FDCWD, "m", 0600, 0x8), EINVAL, "fchmodat2 with an unknown flag");
	close(dfd);
	CHECK_ERR(chmod("missing", 0644), ENOENT, "chmod missing");
	CHECK_ERR(fchmod(42, 0644), EBADF, "fchmod of a closed fd");
	CHECK_ERR(syscall(SYS_chmod, NULL, 0644), EFAULT, "chmod of a NULL path");
}

/* ---------------------------------------------------------------- chown */

static void expect_owner(const char *path, bool nofollow, long uid, long gid, const char *desc)
{
	struct stat st;
	int r = nofollow ? lstat(path, &st) : stat(path, &st);
	check(r == 0 && (long)st.st_uid == uid && (long)st.st_gid == gid, "%s: owner %ld:%ld", desc, uid, gid);
}

static void test_chown(void)
{
	section("chown, fchown, lchown, fchownat");
	put_file("o", "o", 0644);
	CHECK_OK(chown("o", 1234, 5678), "chown 1234:5678");
	expect_owner("o", false, 1234, 5678, "o");
	CHECK_OK(chown("o", (uid_t)-1, 42), "chown -1:42");
	expect_owner("o", false, 1234, 42, "uid kept");
	CHECK_OK(chown("o", 7, (gid_t)-1), "chown 7:-1");
	expect_owner("o", false, 7, 42, "gid kept");
	symlink("o", "olink");
	CHECK_OK(chown("olink", 100, 200), "chown through a symlink");
	expect_owner("o", false, 100, 200, "the target");
	expect_owner("olink", true, 0, 0, "the link itself is still root's");
	CHECK_OK(lchown("olink", 300, 400), "lchown the link");
	expect_owner("olink", true, 300, 400, "the link");
	expect_owner("o", false, 100, 200, "the target unchanged");
	CHECK_OK(fchownat(AT_FDCWD, "olink", 500, 600, AT_SYMLINK_NOFOLLOW), "fchownat AT_SYMLINK_NOFOLLOW");
	expect_owner("olink", true, 500, 600, "the link");
	CHECK_OK(fchownat(AT_FDCWD, "olink", 700, 800, 0), "fchownat without flags");
	expect_owner("o", false, 700, 800, "follows to the target");
	int fd = open("o", O_RDONLY);
	CHECK_OK(fchown(fd, 0, 0), "fchown back to 0:0");
	expect_owner("o", false, 0, 0, "o");
	CHECK_OK(fchownat(fd, "", 9, 9, AT_EMPTY_PATH), "fchownat AT_EMPTY_PATH");
	expect_owner("o", false, 9, 9, "o");
	close(fd);
	mkdir("od", 0755);
	CHECK_OK(chown("od", 11, 12), "chown a directory");
	expect_owner("od", false, 11, 12, "od");

	/* Set-id bits: a chown clears them on a regular file, root or not. */
	chmod("o", 06755);
	check_mode(mode_of("o"), 06755, "chmod 06755");
	CHECK_OK(chown("o", 1, 1), "chown");
	check_mode(mode_of("o"), 0755, "set-user-ID and set-group-ID cleared");
	chmod("o", 06755);
	CHECK_OK(chown("o", (uid_t)-1, (gid_t)-1), "chown -1:-1");
	check_mode(mode_of("o"), 0755, "cleared even by chown(-1, -1)");
	chmod("o", 02644);
	CHECK_OK(chown("o", 2, 2), "chown of a 02644 file");
	check_mode(mode_of("o"), 02644, "set-group-ID without group execute stays");
	chmod("od", 02755);
	CHECK_OK(chown("od", 3, 3), "chown of a 02755 directory");
	check_mode(mode_of("od"), 02755, "a directory keeps set-group-ID");
	CHECK_ERR(chown("missing", 1, 1), ENOENT, "chown missing");
	CHECK_ERR(fchown(42, 1, 1), EBADF, "fchown of a closed fd");
	CHECK_ERR(fchownat(AT_FDCWD, "o", 1, 1, 0x8), EINVAL, "fchownat with an unknown flag");
}

/* ---------------------------------------------------------------- truncate */

static void test_truncate(void)
{
	section("truncate, ftruncate");
	put_file("t", "0123456789", 0644);
	CHECK_OK(truncate("t", 4), "truncate to 4");
	check_str(get_file("t"), "0123", "content");
	CHECK_OK(truncate("t", 8), "truncate to 8");
	char buf[16];
	memset(buf, 'x', sizeof(buf));
	int fd = open("t", O_RDWR);
	check_long(read(fd, buf, sizeof(buf)), 8, "8 bytes");
	check(memcmp(buf, "0123\0\0\0\0", 8) == 0, "the grown part reads as zeros");
	CHECK_OK(ftruncate(fd, 2), "ftruncate to 2");
	check_long(lseek(fd, 0, SEEK_CUR), 8, "the offset stays past the end");
	check_long(read(fd, buf, sizeof(buf)), 0, "read there: EOF");
	check_long(write(fd, "Z", 1), 1, "write there");
	memset(buf, 'x', sizeof(buf));
	check_long(pread(fd, buf, sizeof(buf), 0), 9, "the file is 9 bytes");
	check(memcmp(buf, "01\0\0\0\0\0\0Z", 9) == 0, "the old bytes did not come back: zeros");
	CHECK_OK(ftruncate(fd, 0), "ftruncate to 0");
	check_long(file_size("t"), 0, "empty");
	CHECK_OK(ftruncate(fd, 3 << 20), "ftruncate to 3 MiB");
	check_long(file_size("t"), 3 << 20, "size");
	check_long(pread(fd, buf, 8, (3 << 20) - 4), 4, "the last bytes");
	check(all_zero(buf, 4), "zeros");
	CHECK_ERR(ftruncate(fd, -1), EINVAL, "ftruncate to -1");
	close(fd);
	CHECK_ERR(truncate("t", -1), EINVAL, "truncate to -1");
	mkdir("td", 0755);
	CHECK_ERR(truncate("td", 0), EISDIR, "truncate a directory");
	CHECK_ERR(truncate("missing", 0), ENOENT, "truncate missing");
	fd = open("t", O_RDONLY);
	CHECK_ERR(ftruncate(fd, 0), EINVAL, "ftruncate of an O_RDONLY fd");
	close(fd);
	CHECK_ERR(ftruncate(42, 0), EBADF, "ftruncate of a closed fd");
	int p[2];
	pipe(p);
	CHECK_ERR(ftruncate(p[1], 0), EINVAL, "ftruncate of a pipe");
	close(p[0]);
	close(p[1]);
}

/* ---------------------------------------------------------------- fallocate */

static void test_fallocate(void)
{
	section("fallocate");
	enum { N = 3 * 4096 };
	static char data[N], buf[N];
	pattern_fill(data, N, 0, 3);
	int fd = open("fa", O_RDWR | O_CREAT | O_TRUNC, 0644);
	CHECK_OK(fallocate(fd, 0, 0, 10000), "fallocate 10000 bytes of an empty file");
	check_long(file_size("fa"), 10000, "size 10000");
	memset(buf, 'x', sizeof(buf));
	check_long(pread(fd, buf, sizeof(buf), 0), 10000, "read it");
	check(all_zero(buf, 10000), "zeros");
	CHECK_OK(fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 50000), "FALLOC_FL_KEEP_SIZE beyond the end");
	check_long(file_size("fa"), 10000, "size still 10000");
	CHECK_OK(ftruncate(fd, 0), "ftruncate to 0");
	pwrite(fd, data, N, 0);
	CHECK_OK(fallocate(fd, 0, 100, 200), "fallocate inside the data");
	check_long(file_size("fa"), N, "size unchanged");
	memset(buf, 0, sizeof(buf));
	pread(fd, buf, N, 0);
	check(pattern_ok(buf, N, 0, 3), "data unchanged");
	CHECK_OK(fallocate(fd, 0, N - 10, 20), "fallocate across the end");
	check_long(file_size("fa"), N + 10, "grows the file by 10");
	CHECK_OK(ftruncate(fd, N), "back to 3 pages");

	CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1000, 5000),
		 "PUNCH_HOLE|KEEP_SIZE [1000, 6000)");
	check_long(file_size("fa"), N, "size unchanged");
	memset(buf, 'x', sizeof(buf));
	pread(fd, buf, N, 0);
	check(pattern_ok(buf, 1000, 0, 3), "before the range: data");
	check(all_zero(buf + 1000, 5000), "the range: zeros");
	check(pattern_ok(buf + 6000, N - 6000, 6000, 3), "after the range: data");
	CHECK_OK(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, N - 100, 1000),
		 "PUNCH_HOLE|KEEP_SIZE across the end");
	check_long(file_size("fa"), N, "size unchanged");
	memset(buf, 'x', sizeof(buf));
	pread(fd, buf, N, 0);
	check(all_zero(buf + N - 100, 100) && pattern_ok(buf + 6000, N - 6100, 6000, 3), "the tail is zeros");
	CHECK_ERR(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10), EOPNOTSUPP, "PUNCH_HOLE without KEEP_SIZE");
	CHECK_ERR(fallocate(fd, 0, 0, 0), EINVAL, "length 0");
	CHECK_ERR(fallocate(fd, 0, -1, 10), EINVAL, "offset -1");
	CHECK_ERR(fallocate(fd, 0, 0, -10), EINVAL, "length -10");
	close(fd);
	fd = open("fa", O_RDONLY);
	CHECK_ERR(fallocate(fd, 0, 0, 10), EBADF, "an O_RDONLY fd");
	close(fd);
	int p[2];
	pipe(p);
	CHECK_ERR(fallocate(p[1], 0, 0, 10), ESPIPE, "a pipe");
	close(p[0]);
	close(p[1]);
	CHECK_ERR(fallocate(42, 0, 0, 10), EBADF, "a closed fd");
}

/* ---------------------------------------------------------------- times */

static void test_utimensat(void)
{
	section("utimensat, futimens");
	put_file("u", "u", 0644);
	struct timespec ts[2] = {{1000000000, 123456789}, {1234567890, 987654321}};
	CHECK_OK(utimensat(AT_FDCWD, "u", ts, 0), "utimensat with explicit times");
	struct stat st = stat_of("u");
	check(same_time(st.st_atim, ts[0]), "atime reads back exactly");
	check(same_time(st.st_mtim, ts[1]), "mtime reads back exactly");
	struct statx_raw sx;
	memset(&sx, 0, sizeof(sx));
	syscall(SYS_statx, AT_FDCWD, "u", 0, STATX_BASIC_STATS, &sx);
	check(sx.stx_mtime.tv_sec == 1234567890 && sx.stx_mtime.tv_nsec == 987654321 &&
		      sx.stx_atime.tv_sec == 1000000000 && sx.stx_atime.tv_nsec == 123456789,
	      "statx sees the same");

	struct timespec omit_now[2] = {{0, UTIME_OMIT}, {2000000000, 5}};
	CHECK_OK(utimensat(AT_FDCWD, "u", omit_now, 0), "atime UTIME_OMIT, mtime explicit");
	st = stat_of("u");
	check(same_time(st.st_atim, ts[0]), "atime unchanged");
	check(st.st_mtim.tv_sec == 2000000000 && st.st_mtim.tv_nsec == 5, "mtime set");
	struct timespec before = st.st_ctim;
	omit_now[0].tv_nsec = UTIME_NOW;
	omit_now[1].tv_nsec = UTIME_OMIT;
	CHECK_OK(utimensat(AT_FDCWD, "u", omit_now, 0), "atime UTIME_NOW, mtime UTIME_OMIT");
	st = stat_of("u");
	check(!same_time(st.st_atim, ts[0]) && !later(before, st.st_atim), "atime is now (not before the last ctime)");
	check(st.st_mtim.tv_sec == 2000000000 && st.st_mtim.tv_nsec == 5, "mtime unchanged");
	CHECK_OK(utimensat(AT_FDCWD, "u", NULL, 0), "NULL times: both now");
	st = stat_of("u");
	check(st.st_mtim.tv_sec != 2000000000 && !later(before, st.st_mtim), "mtime is now");

	struct timespec old[2] = {{-86400, 500}, {-1, 999999999}};
	CHECK_OK(utimensat(AT_FDCWD, "u", old, 0), "times before 1970");
	st = stat_of("u");
	check(same_time(st.st_atim, old[0]) && same_time(st.st_mtim, old[1]), "read back exactly");
	struct timespec future[2] = {{4000000000LL, 1}, {4102444800LL, 2}};
	CHECK_OK(utimensat(AT_FDCWD, "u", future, 0), "times after 2038");
	st = stat_of("u");
	check(same_time(st.st_atim, future[0]) && same_time(st.st_mtim, future[1]), "read back exactly");

	int fd = open("u", O_RDONLY);
	CHECK_OK(futimens(fd, ts), "futimens on an O_RDONLY fd (as owner)");
	st = stat_of("u");
	check(same_time(st.st_mtim, ts[1]), "mtime set");
	CHECK_OK(syscall(SYS_utimensat, fd, NULL, old, 0), "utimensat(fd, NULL path): the fd itself");
	st = stat_of("u");
	check(same_time(st.st_mtim, old[1]), "mtime set");
	close(fd);

	symlink("u", "ulink");
	struct stat link_before = stat_of("ulink");
	CHECK_OK(utimensat(AT_FDCWD, "ulink", ts, AT_SYMLINK_NOFOLLOW), "AT_SYMLINK_NOFOLLOW on a symlink");
	struct stat link_after = stat_of("ulink");
	st = stat_of("u");
	check(same_time(link_after.st_mtim, ts[1]) && !same_time(link_before.st_mtim, ts[1]), "the link's mtime set");
	check(same_time(st.st_mtim, old[1]), "the target's unchanged");
	CHECK_OK(utimensat(AT_FDCWD, "ulink", future, 0), "without the flag");
	st = stat_of("u");
	check(same_time(st.st_mtim, future[1]), "the target's set");

	struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
	CHECK_ERR(utimensat(AT_FDCWD, "u", bad, 0), EINVAL, "tv_nsec 1000000000");
	bad[0].tv_nsec = -1;
	CHECK_ERR(utimensat(AT_FDCWD, "u", bad, 0), EINVAL, "tv_nsec -1");
	CHECK_ERR(utimensat(AT_FDCWD, "missing", ts, 0), ENOENT, "missing file");
	CHECK_ERR(utimensat(AT_FDCWD, "u", ts, 0x8), EINVAL, "unknown flag");
	CHECK_ERR(syscall(SYS_utimensat, AT_FDCWD, "u", WILD_KERNEL_DIRECT, 0), EFAULT, "times in kernel memory");
}

/* Which operations move mtime and ctime. Every file starts with an explicit
 * old mtime; after one pause the operations run, then before/after compare. */
static void test_change_times(void)
{
	section("mtime and ctime changes");
	static const char *const names[] = {"w", "tr", "ftr", "same_tr", "same_ftr", "ch", "ln", "rd", "w0", "dir"};
	enum { W, TR, FTR, SAME_TR, SAME_FTR, CH, LN, RD, W0, DIR, COUNT };
	struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
	struct stat before[COUNT], after[COUNT];
	for (int i = 0; i < COUNT; i++) {
		if (i == DIR) {
			mkdir(names[i], 0755);
			put_file("dir/victim", "", 0644);
		} else {
			put_file(names[i], "0123456789", 0644);
		}
		utimensat(AT_FDCWD, names[i], old, 0);
		before[i] = stat_of(names[i]);
	}
	sleep_ms(30); /* see the comment at the top */

	int fd = open("w", O_WRONLY);
	write(fd, "x", 1);
	close(fd);
	truncate("tr", 3);
	fd = open("ftr", O_WRONLY);
	ftruncate(fd, 20);
	close(fd);
	truncate("same_tr", 10);
	fd = open("same_ftr", O_WRONLY);
	ftruncate(fd, 10);
	close(fd);
	chmod("ch", 0600);
	link("ln", "ln2");
	char buf[16];
	fd = open("rd", O_RDONLY);
	read(fd, buf, sizeof(buf));
	close(fd);
	fd = open("w0", O_WRONLY);
	write(fd, buf, 0);
	close(fd);
	put_file("dir/new", "", 0644);
	unlink("dir/victim");

	for (int i = 0; i < COUNT; i++)
		after[i] = stat_of(names[i]);
#define MOVED(i, field) later(after[i].field, before[i].field)
#define KEPT(i, field) same_time(after[i].field, before[i].field)
	check(MOVED(W, st_mtim) && MOVED(W, st_ctim), "write: mtime and ctime change");
	check(MOVED(TR, st_mtim) && MOVED(TR, st_ctim), "truncate (shrinking): mtime and ctime change");
	check(MOVED(FTR, st_mtim) && MOVED(FTR, st_ctim), "ftruncate (growing): mtime and ctime change");
	check(MOVED(SAME_TR, st_mtim) && MOVED(SAME_TR, st_ctim), "truncate to the same size: both change too");
	check(MOVED(SAME_FTR, st_mtim) && MOVED(SAME_FTR, st_ctim), "ftruncate to the same size: both change");
	check(KEPT(CH, st_mtim) && MOVED(CH, st_ctim), "chmod: ctime changes, mtime does not");
	check(KEPT(LN, st_mtim) && MOVED(LN, st_ctim), "link: ctime changes (nlink), mtime does not");
	check_long((long)after[LN].st_nlink, 2, "nlink after link");
	check(KEPT(RD, st_mtim) && KEPT(RD, st_ctim), "read: neither changes");
	check(KEPT(W0, st_mtim) && KEPT(W0, st_ctim), "a write of 0 bytes: neither changes");
	check(MOVED(DIR, st_mtim) && MOVED(DIR, st_ctim), "creating and removing in a directory: its times change");
	check(!later(after[W].st_mtim, after[W].st_ctim) && !later(after[W].st_ctim, after[W].st_mtim),
	      "write: mtime equals ctime");
#undef MOVED
#undef KEPT
}

/* ---------------------------------------------------------------- access */

static void test_access(void)
{
	section("access, faccessat, faccessat2 (as root)");
	put_file("a0", "", 0);
	put_file("a644", "", 0644);
	put_file("a100", "", 0100);
	put_file("a001", "", 0001);
	mkdir("ad", 0);
	symlink("nowhere", "adangle");
	CHECK_OK(access("a0", F_OK), "F_OK on a 0000 file");
	CHECK_OK(access("a0", R_OK | W_OK), "R_OK|W_OK on a 0000 file");
	CHECK_ERR(access("a0", X_OK), EACCES, "X_OK on a 0000 file");
	CHECK_ERR(access("a644", X_OK), EACCES, "X_OK on a 0644 file");
	CHECK_ERR(access("a644", R_OK | X_OK), EACCES, "R_OK|X_OK on a 0644 file");
	CHECK_OK(access("a100", X_OK), "X_OK on a 0100 file");
	CHECK_OK(access("a001", X_OK), "X_OK on a 0001 file (any x bit)");
	CHECK_OK(access("a001", R_OK | W_OK | X_OK), "R_OK|W_OK|X_OK on it");
	CHECK_OK(access("ad", R_OK | W_OK | X_OK), "R_OK|W_OK|X_OK on a 0000 directory");
	CHECK_ERR(access("missing", F_OK), ENOENT, "missing");
	CHECK_ERR(access("adangle", F_OK), ENOENT, "a dangling symlink");
	CHECK_ERR(access("a644/x", F_OK), ENOTDIR, "through a file");
	CHECK_ERR(syscall(SYS_access, "a644", 8), EINVAL, "mode 8");
	CHECK_ERR(syscall(SYS_access, NULL, F_OK), EFAULT, "NULL path");
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK_OK(faccessat(dfd, "a644", R_OK, 0), "faccessat relative to a dirfd");
	CHECK_ERR(faccessat(dfd, "a644", X_OK, 0), EACCES, "faccessat X_OK");
	CHECK_ERR(faccessat(42, "a644", R_OK, 0), EBADF, "faccessat with a closed dirfd");
	CHECK_OK(syscall(SYS_faccessat2, dfd, "a100", X_OK, 0), "faccessat2 without flags");
	CHECK_OK(syscall(SYS_faccessat2, AT_FDCWD, "a644", R_OK | W_OK, AT_EACCESS), "faccessat2 AT_EACCESS");
	CHECK_OK(syscall(SYS_faccessat2, AT_FDCWD, "adangle", F_OK, AT_SYMLINK_NOFOLLOW),
		 "faccessat2 AT_SYMLINK_NOFOLLOW on a dangling symlink");
	CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "adangle", F_OK, 0), ENOENT, "the same without the flag");
	int fd = open("a100", O_RDONLY);
	CHECK_OK(syscall(SYS_faccessat2, fd, "", X_OK, AT_EMPTY_PATH), "faccessat2 AT_EMPTY_PATH");
	CHECK_ERR(syscall(SYS_faccessat2, fd, "", X_OK, 0), ENOENT, "an empty path without AT_EMPTY_PATH");
	close(fd);
	CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "a644", F_OK, 0x1), EINVAL, "faccessat2 with an unknown flag");
	CHECK_ERR(syscall(SYS_faccessat2, AT_FDCWD, "a644", 8, 0), EINVAL, "faccessat2 with mode 8");
	close(dfd);
}

/* ---------------------------------------------------------------- statfs */

static void test_statfs(void)
{
	section("statfs, fstatfs");
	struct statfs a, b;
	CHECK_OK(statfs(".", &a), "statfs .");
	check(a.f_bsize > 0 && a.f_namelen == 255, "f_bsize > 0, f_namelen 255");
	int fd = open("a644", O_RDONLY);
	CHECK_OK(fstatfs(fd, &b), "fstatfs of a file in it");
	check(a.f_type == b.f_type && a.f_bsize == b.f_bsize, "the same file system");
	close(fd);
	CHECK_OK(statfs("a644", &b), "statfs of a file");
	CHECK_ERR(statfs("missing", &b), ENOENT, "statfs missing");
	CHECK_ERR(fstatfs(42, &b), EBADF, "fstatfs of a closed fd");
	CHECK_ERR(syscall(SYS_statfs, ".", NULL), EFAULT, "statfs into NULL");
}

int main(void)
{
	watchdog(30);
	umask(022);
	scratch_enter(SCRATCH);
	test_stat();
	test_chmod();
	test_chown();
	test_truncate();
	test_fallocate();
	test_utimensat();
	test_change_times();
	test_access();
	test_statfs();
	scratch_leave(SCRATCH);
	return check_done();
}
