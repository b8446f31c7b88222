/*
 * fs_dir - directories on a writable file system, in fs_dir.scratch:
 *   - mkdir/mkdirat: modes (set-id bits dropped, umask), EEXIST (also for a
 *     file, a dangling symlink and with a trailing slash), ENOENT parent,
 *     ENOTDIR, ENAMETOOLONG, EBADF, the parent's nlink, set-group-ID
 *     directories passing on their group and the bit;
 *   - rmdir: ENOTEMPTY, ENOTDIR (files, symlinks), EINVAL for ".",
 *     trailing slash; unlink of a directory (EISDIR), unlinkat with and
 *     without AT_REMOVEDIR;
 *   - getdents64 over 300 entries through small and large buffers: every
 *     name exactly once with the right d_type, rewinding, resuming at a
 *     saved d_off, a removed directory (ENOENT);
 *   - reading a directory while entries are created and deleted: it ends,
 *     no name twice, every untouched entry exactly once;
 *   - chdir/fchdir/getcwd: relative paths, ERANGE, a renamed cwd, a removed
 *     cwd (getcwd ENOENT, no new entries in it);
 *   - unlink of an open file: its data stays readable and writable, nlink 0,
 *     the name can be reused.
 * Listings are sorted before printing.
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
#include <unistd.h>

#define SCRATCH "fs_dir.scratch"

/* The sorted "name(type)" listing of a directory, without "." and "..". */
static const char *listing(const char *path)
{
	static char line[4096];
	struct dir_list list;
	if (dir_read(path, 4096, &list) != 0) {
		snprintf(line, sizeof(line), "<%s>", errno_name(errno));
		return line;
	}
	dir_line(&list, true, line, sizeof(line));
	dir_free(&list);
	return line;
}

static long nlink_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? (long)st.st_nlink : -1;
}

/* ---------------------------------------------------------------- mkdir */

static void test_mkdir(void)
{
	section("mkdir, mkdirat");
	CHECK_OK(mkdir("d", 0755), "mkdir d");
	check_str(describe_path("d", true), "directory 0755 nlink=2", "d");
	CHECK_ERR(mkdir("d", 0755), EEXIST, "mkdir d again");
	CHECK_ERR(mkdir("d/", 0755), EEXIST, "mkdir d/ again");
	CHECK_OK(mkdir("e/", 0755), "mkdir e/ (trailing slash)");
	check_str(describe_path("e", true), "directory 0755 nlink=2", "e");
	CHECK_OK(mkdir("f//", 0700), "mkdir f// (two slashes)");
	check_str(describe_path("f", true), "directory 0700 nlink=2", "f");
	CHECK_ERR(mkdir("nope/x", 0755), ENOENT, "mkdir under a missing directory");
	put_file("file", "x", 0644);
	CHECK_ERR(mkdir("file", 0755), EEXIST, "mkdir over a file");
	CHECK_ERR(mkdir("file/x", 0755), ENOTDIR, "mkdir under a file");
	symlink("nowhere", "dangling");
	CHECK_ERR(mkdir("dangling", 0755), EEXIST, "mkdir over a dangling symlink");
	check(!exists("nowhere"), "its target was not created");
	CHECK_ERR(mkdir("", 0755), ENOENT, "mkdir \"\"");
	char name[300];
	memset(name, 'n', 256);
	name[256] = '\0';
	CHECK_ERR(mkdir(name, 0755), ENAMETOOLONG, "mkdir of a 256-byte name");
	CHECK_ERR(syscall(SYS_mkdir, NULL, 0755), EFAULT, "mkdir of a NULL path");

	CHECK_OK(mkdir("m", 07777), "mkdir with mode 07777");
	check_mode(mode_of("m"), 01755, "set-id bits dropped, sticky kept, umask applied");
	umask(0);
	CHECK_OK(mkdir("m0", 0777), "mkdir 0777 with umask 0");
	check_mode(mode_of("m0"), 0777, "mode");
	umask(022);

	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK_OK(mkdirat(dfd, "sub", 0750), "mkdirat relative to a dirfd");
	check_str(describe_path("d/sub", true), "directory 0750 nlink=2", "d/sub");
	check_long(nlink_of("d"), 3, "d's nlink grew to 3");
	CHECK_OK(mkdirat(dfd, "sub2", 0750), "mkdirat sub2");
	check_long(nlink_of("d"), 4, "nlink 4");
	CHECK_OK(mkdirat(AT_FDCWD, "d/sub3", 0750), "mkdirat AT_FDCWD");
	CHECK_ERR(mkdirat(42, "x", 0755), EBADF, "mkdirat with a closed dirfd");
	int ffd = open("file", O_RDONLY);
	CHECK_ERR(mkdirat(ffd, "x", 0755), ENOTDIR, "mkdirat relative to a file fd");
	close(ffd);
	close(dfd);
	check_str(listing("d"), "sub(dir) sub2(dir) sub3(dir)", "d");

	/* A set-group-ID directory passes its group on, and the bit to subdirectories. */
	mkdir("g", 0755);
	chown("g", 0, 77);
	chmod("g", 02755);
	mkdir("g/sub", 0755);
	put_file("g/file", "", 0644);
	struct stat st;
	lstat("g/sub", &st);
	check(st.st_gid == 77 && (st.st_mode & 07777) == 02755, "a subdirectory gets group 77 and set-group-ID");
	lstat("g/file", &st);
	check(st.st_gid == 77 && (st.st_mode & 07777) == 0644, "a file gets group 77 only");
}

/* ---------------------------------------------------------------- rmdir, unlink */

static void test_rmdir(void)
{
	section("rmdir, unlink, unlinkat");
	CHECK_ERR(rmdir("d"), ENOTEMPTY, "rmdir of a non-empty directory");
	CHECK_ERR(rmdir("file"), ENOTDIR, "rmdir of a file");
	symlink("e", "elink");
	CHECK_ERR(rmdir("elink"), ENOTDIR, "rmdir of a symlink to a directory");
	CHECK_ERR(rmdir("."), EINVAL, "rmdir \".\"");
	CHECK_ERR(rmdir("e/."), EINVAL, "rmdir \"e/.\"");
	CHECK_ERR(rmdir("e/.."), ENOTEMPTY, "rmdir \"e/..\"");
	CHECK_ERR(rmdir("missing"), ENOENT, "rmdir of a missing directory");
	CHECK_ERR(rmdir(""), ENOENT, "rmdir \"\"");
	CHECK_OK(rmdir("e/"), "rmdir \"e/\" (trailing slash)");
	check(!exists("e"), "e is gone");
	check(exists("elink"), "the link to it stays (dangling)");
	long before = nlink_of("d");
	CHECK_OK(rmdir("d/sub3"), "rmdir d/sub3");
	check_long(nlink_of("d") - before, -1, "d's nlink went down by one");

	CHECK_ERR(unlink("d"), EISDIR, "unlink of a directory");
	CHECK_ERR(unlink("d/"), EISDIR, "unlink of \"dir/\"");
	CHECK_ERR(unlink("file/"), ENOTDIR, "unlink of \"file/\"");
	CHECK_ERR(unlink("missing"), ENOENT, "unlink of a missing file");
	CHECK_ERR(unlink("file/x"), ENOTDIR, "unlink under a file");
	CHECK_OK(unlink("elink"), "unlink of a dangling symlink");
	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	put_file("d/f1", "", 0644);
	CHECK_ERR(unlinkat(dfd, "sub2", 0), EISDIR, "unlinkat without AT_REMOVEDIR on a directory");
	CHECK_ERR(unlinkat(dfd, "f1", AT_REMOVEDIR), ENOTDIR, "unlinkat AT_REMOVEDIR on a file");
	CHECK_OK(unlinkat(dfd, "sub2", AT_REMOVEDIR), "unlinkat AT_REMOVEDIR on a directory");
	CHECK_OK(unlinkat(dfd, "f1", 0), "unlinkat of a file");
	CHECK_ERR(unlinkat(dfd, "sub", 0x1), EINVAL, "unlinkat with an unknown flag");
	CHECK_ERR(unlinkat(42, "sub", AT_REMOVEDIR), EBADF, "unlinkat with a closed dirfd");
	close(dfd);
	check_str(listing("d"), "sub(dir)", "d");
}

/* ---------------------------------------------------------------- getdents64 */

#define MANY 300

/* Checks a listing of "big": ".", "..", e000..e299, and the special entries. */
static void check_big_listing(const struct dir_list *list, const char *how)
{
	int seen[MANY] = {0};
	int dots = 0, others = 0, bad_type = 0, dup = 0;
	for (int i = 0; i < list->count; i++) {
		const char *n = list->names[i];
		unsigned char t = list->types[i];
		if (i > 0 && strcmp(n, list->names[i - 1]) == 0)
			dup++;
		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0) {
			dots++;
			bad_type += t != DT_DIR;
		} else if (n[0] == 'e' && strlen(n) == 4) {
			int k = atoi(n + 1);
			if (k >= 0 && k < MANY)
				seen[k]++;
			bad_type += t != DT_REG;
		} else {
			others++;
			bad_type += strcmp(n, "zdir") == 0 ? t != DT_DIR
				    : strcmp(n, "zlink") == 0 ? t != DT_LNK
				    : strcmp(n, "zfifo") == 0 ? t != DT_FIFO
								: 1;
		}
	}
	int once = 0;
	for (int k = 0; k < MANY; k++)
		once += seen[k] == 1;
	check_long(list->count, MANY + 5, "%s: entries", how);
	check(dots == 2 && others == 3 && dup == 0, "%s: \".\", \"..\" and the 3 others, no name twice", how);
	check_long(once, MANY, "%s: files seen exactly once", how);
	check_long(bad_type, 0, "%s: wrong d_types", how);
}

static void test_getdents(void)
{
	section("getdents64 over 300 entries");
	mkdir("big", 0755);
	char name[32];
	for (int k = 0; k < MANY; k++) {
		snprintf(name, sizeof(name), "big/e%03d", k);
		put_file(name, "", 0644);
	}
	mkdir("big/zdir", 0755);
	symlink("e000", "big/zlink");
	mkfifo("big/zfifo", 0644);
	struct dir_list list;
	CHECK_OK(dir_read("big", 65536, &list), "read with a 64 KiB buffer");
	check_big_listing(&list, "64 KiB buffer");
	dir_free(&list);
	CHECK_OK(dir_read("big", 256, &list), "read with a 256-byte buffer");
	check_big_listing(&list, "256-byte buffer");
	check(list.calls >= 20, "that took many calls");
	dir_free(&list);

	int fd = open("big", O_RDONLY | O_DIRECTORY);
	static char buf[65536];
	long n1 = syscall(SYS_getdents64, fd, buf, 300);
	check(n1 > 0 && n1 <= 300, "a first small read");
	/* Remember where the last record of that read said to go on. */
	long off = 0;
	int64_t resume = 0;
	while (off < n1) {
		struct linux_dirent64 *d = (void *)(buf + off);
		resume = d->d_off;
		off += d->d_reclen;
	}
	long total1 = 0, r;
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		total1 += r;
	check_long(syscall(SYS_getdents64, fd, buf, sizeof(buf)), 0, "at the end: 0, again");
	check(lseek(fd, resume, SEEK_SET) == resume, "lseek to the saved d_off");
	long total2 = 0;
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		total2 += r;
	check(total1 > 0 && total1 == total2, "resuming there gives the same rest");
	check_long(lseek(fd, 0, SEEK_SET), 0, "lseek to 0");
	long again = 0;
	while ((r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		again += r;
	check(again == n1 + total1, "rewinding gives everything again");
	lseek(fd, 0, SEEK_SET);
	CHECK_ERR(syscall(SYS_getdents64, fd, buf, 10), EINVAL, "a 10-byte buffer");
	CHECK_ERR(syscall(SYS_getdents64, fd, WILD_KERNEL_DIRECT, 4096), EFAULT, "a buffer in kernel memory");
	close(fd);
	fd = open("file", O_RDONLY);
	CHECK_ERR(syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR, "getdents64 on a file");
	close(fd);

	mkdir("empty", 0755);
	check_str(listing("empty"), "", "an empty directory: only . and ..");
	CHECK_OK(dir_read("empty", 4096, &list), "read it");
	check_long(list.count, 2, "2 entries");
	dir_free(&list);
	fd = open("empty", O_RDONLY | O_DIRECTORY);
	CHECK_OK(rmdir("empty"), "remove it while open");
	CHECK_ERR(syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOENT, "getdents64 of the removed directory");
	struct stat st;
	CHECK_OK(fstat(fd, &st), "fstat still works");
	check_long((long)st.st_nlink, 0, "nlink 0");
	CHECK_ERR(openat(fd, "new", O_WRONLY | O_CREAT, 0644), ENOENT, "creating in it");
	close(fd);

	/* Names of every length 1..255 and bytes outside ASCII survive. */
	mkdir("names", 0755);
	char longname[300];
	int made = 0;
	for (int len = 1; len <= 255; len += 127) {
		memset(longname, 'L', (size_t)len);
		longname[len] = '\0';
		char path[320];
		snprintf(path, sizeof(path), "names/%s", longname);
		made += put_file(path, "", 0644) == 0;
	}
	made += put_file("names/\xc3\xa9t\xc3\xa9 \x01\x7f", "", 0644) == 0;
	CHECK_OK(dir_read("names", 4096, &list), "a directory with odd names");
	int found = 0;
	for (int i = 0; i < list.count; i++) {
		size_t l = strlen(list.names[i]);
		found += (l == 1 || l == 128 || l == 255) && list.names[i][0] == 'L';
		found += strcmp(list.names[i], "\xc3\xa9t\xc3\xa9 \x01\x7f") == 0;
	}
	check(made == 4 && found == 4, "names of 1, 128 and 255 bytes and UTF-8/control bytes listed intact");
	dir_free(&list);
}

/* Reads "churn" through a small buffer while creating and deleting entries
 * after every call. */
static void test_readdir_churn(void)
{
	section("getdents64 while entries come and go");
	enum { START = 200, MAXCALLS = 5000 };
	mkdir("churn", 0755);
	char name[64];
	for (int k = 0; k < START; k++) {
		snprintf(name, sizeof(name), "churn/s%03d", k);
		put_file(name, "", 0644);
	}
	static int seen_start[START], deleted[START];
	memset(seen_start, 0, sizeof(seen_start));
	memset(deleted, 0, sizeof(deleted));
	int fd = open("churn", O_RDONLY | O_DIRECTORY);
	static char buf[512];
	int calls = 0, created = 0, seen_new = 0, odd = 0, next_victim = START - 1;
	long r;
	/* Names seen, to find repeats: the start names by index, new ones by number. */
	static unsigned char seen_n[MAXCALLS * 4];
	memset(seen_n, 0, sizeof(seen_n));
	int repeats = 0;
	while (calls < MAXCALLS && (r = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		calls++;
		for (long off = 0; off < r;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			off += d->d_reclen;
			int k;
			if (d->d_name[0] == 's' && sscanf(d->d_name + 1, "%d", &k) == 1 && k >= 0 && k < START) {
				repeats += seen_start[k] > 0;
				seen_start[k]++;
			} else if (d->d_name[0] == 'n' && sscanf(d->d_name + 1, "%d", &k) == 1 && k >= 0 &&
				   k < (int)sizeof(seen_n)) {
				repeats += seen_n[k] > 0;
				seen_n[k] = 1;
				seen_new++;
			} else if (strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0) {
				odd++;
			}
		}
		/* Three new names, and two old ones deleted from the far end. */
		for (int i = 0; i < 3 && created < (int)sizeof(seen_n); i++, created++) {
			snprintf(name, sizeof(name), "churn/n%d", created);
			put_file(name, "", 0644);
		}
		for (int i = 0; i < 2 && next_victim >= START / 2; i++, next_victim--) {
			snprintf(name, sizeof(name), "churn/s%03d", next_victim);
			unlink(name);
			deleted[next_victim] = 1;
		}
	}
	close(fd);
	int untouched_once = 0, untouched = 0;
	for (int k = 0; k < START; k++) {
		if (deleted[k])
			continue;
		untouched++;
		untouched_once += seen_start[k] == 1;
	}
	check(calls < MAXCALLS, "the listing came to an end");
	check_long(repeats, 0, "names returned twice");
	check_long(odd, 0, "names never created");
	check(untouched > 0 && untouched_once == untouched, "every entry never deleted was returned exactly once");
	struct dir_list list;
	dir_read("churn", 4096, &list);
	check(list.count == 2 + START - (START - 1 - next_victim) + created, "a fresh listing counts them all");
	dir_free(&list);
}

/* ---------------------------------------------------------------- cwd */

static const char *cwd_tail(void)
{
	static char buf[PATH_MAX];
	long r = syscall(SYS_getcwd, buf, sizeof(buf));
	if (r < 0)
		return errno_name(errno);
	const char *at = strstr(buf, "/" SCRATCH);
	return at != NULL ? at : buf;
}

static void test_cwd(void)
{
	section("chdir, fchdir, getcwd");
	int home = open(".", O_RDONLY | O_DIRECTORY);
	mkdir("c", 0755);
	mkdir("c/inner", 0755);
	put_file("c/inner/here", "here", 0644);
	check_str(cwd_tail(), "/" SCRATCH, "getcwd");
	CHECK_OK(chdir("c/inner"), "chdir c/inner");
	check_str(cwd_tail(), "/" SCRATCH "/c/inner", "getcwd");
	check_str(get_file("here"), "here", "relative paths start there");
	char buf[PATH_MAX];
	long len = syscall(SYS_getcwd, buf, sizeof(buf));
	check(len > 0 && len == (long)strlen(buf) + 1, "getcwd returns the length with the NUL");
	CHECK_ERR(syscall(SYS_getcwd, buf, (size_t)len - 1), ERANGE, "a buffer one byte short: ERANGE");
	CHECK_ERR(syscall(SYS_getcwd, buf, 0), ERANGE, "a 0-byte buffer: ERANGE");
	check(syscall(SYS_getcwd, buf, (size_t)len) == len, "an exact buffer");
	CHECK_ERR(syscall(SYS_getcwd, WILD_KERNEL_DIRECT, sizeof(buf)), EFAULT, "a buffer in kernel memory");
	errno = 0;
	check(getcwd(buf, 4) == NULL && errno == ERANGE, "libc getcwd with 4 bytes: NULL, ERANGE");

	/* Rename the cwd (and its parent) from inside. */
	CHECK_OK(rename("../../c", "../../c2"), "rename the parent of the cwd");
	check_str(cwd_tail(), "/" SCRATCH "/c2/inner", "getcwd follows");
	CHECK_OK(rename("../inner", "../inner2"), "rename the cwd itself");
	check_str(cwd_tail(), "/" SCRATCH "/c2/inner2", "getcwd follows");
	check_str(get_file("here"), "here", "relative paths still work");
	CHECK_OK(chdir(".."), "chdir ..");
	check_str(cwd_tail(), "/" SCRATCH "/c2", "getcwd");

	/* fchdir. */
	int dfd = open("inner2", O_RDONLY | O_DIRECTORY);
	CHECK_OK(fchdir(dfd), "fchdir inner2");
	check_str(cwd_tail(), "/" SCRATCH "/c2/inner2", "getcwd");
	int ffd = open("here", O_RDONLY);
	CHECK_ERR(fchdir(ffd), ENOTDIR, "fchdir to a file");
	close(ffd);
	CHECK_ERR(fchdir(42), EBADF, "fchdir to a closed fd");
	CHECK_ERR(chdir("here"), ENOTDIR, "chdir to a file");
	CHECK_ERR(chdir("missing"), ENOENT, "chdir to a missing directory");
	CHECK_ERR(chdir(""), ENOENT, "chdir \"\"");
	CHECK_ERR(syscall(SYS_chdir, NULL), EFAULT, "chdir NULL");
	check_str(cwd_tail(), "/" SCRATCH "/c2/inner2", "cwd unchanged by the failures");
	CHECK_OK(fchdir(home), "fchdir back to the scratch directory");
	mkdir("locked", 0);
	CHECK_OK(chdir("locked"), "chdir into a 0000 directory (root)");
	CHECK_OK(fchdir(home), "fchdir back");

	/* A removed cwd. */
	mkdir("doomed", 0755);
	CHECK_OK(chdir("doomed"), "chdir doomed");
	CHECK_OK(rmdir("../doomed"), "rmdir it while it is the cwd");
	CHECK_ERR(syscall(SYS_getcwd, buf, sizeof(buf)), ENOENT, "getcwd: ENOENT");
	CHECK_ERR(open("new", O_WRONLY | O_CREAT, 0644), ENOENT, "creating a file in it");
	CHECK_ERR(mkdir("newdir", 0755), ENOENT, "creating a directory in it");
	int cfd = open(".", O_RDONLY | O_DIRECTORY);
	check(cfd >= 0, "opening \".\" still works");
	close(cfd);
	check_str(listing("."), "<ENOENT>", "listing it");
	CHECK_OK(chdir(".."), "chdir .. from it");
	check_str(cwd_tail(), "/" SCRATCH, "back in the scratch directory");
	close(dfd);
	close(home);
}

/* ---------------------------------------------------------------- unlink while open */

static void test_unlink_open(void)
{
	section("unlink of an open file");
	put_file("open", "still here", 0644);
	int fd = open("open", O_RDWR);
	CHECK_OK(unlink("open"), "unlink it");
	check(!exists("open"), "the name is gone");
	struct stat st;
	fstat(fd, &st);
	check_long((long)st.st_nlink, 0, "fstat: nlink 0");
	check_long((long)st.st_size, 10, "fstat: size 10");
	char buf[32] = {0};
	check_long(pread(fd, buf, sizeof(buf), 0), 10, "read through the fd");
	check_str(buf, "still here", "data");
	check_long(pwrite(fd, "STILL", 5, 0), 5, "write through the fd");
	put_file("open", "new file", 0644);
	memset(buf, 0, sizeof(buf));
	pread(fd, buf, sizeof(buf), 0);
	check_str(buf, "STILL here", "the old file, not the new one of the same name");
	check_str(get_file("open"), "new file", "the new file");
	int d = dup(fd);
	close(fd);
	memset(buf, 0, sizeof(buf));
	check_long(pread(d, buf, 5, 0), 5, "a dup keeps it alive after close");
	close(d);

	put_file("multi", "m", 0644);
	link("multi", "multi2");
	check_long(nlink_of("multi"), 2, "two links: nlink 2");
	unlink("multi2");
	check_long(nlink_of("multi"), 1, "one unlinked: nlink 1");
	check_str(get_file("multi"), "m", "data intact");
}

int main(void)
{
	watchdog(30);
	umask(022);
	scratch_enter(SCRATCH);
	test_mkdir();
	test_rmdir();
	test_getdents();
	test_readdir_churn();
	test_cwd();
	test_unlink_open();
	scratch_leave(SCRATCH);
	return check_done();
}
