/*
 * fs_link - names on a writable file system, in fs_link.scratch:
 *   - link/linkat: one inode under two names (nlink, shared data), EEXIST,
 *     EPERM for directories, ENOENT, a symlink linked itself or (with
 *     AT_SYMLINK_FOLLOW) its target, AT_EMPTY_PATH (also of an unlinked
 *     file: ENOENT);
 *   - symlink/symlinkat/readlink/readlinkat: any target text, lstat size,
 *     readlink's silent truncation (no ERANGE, no NUL), EINVAL on
 *     non-links and size 0, AT_EMPTY_PATH, relative targets resolved from
 *     the link's directory, empty and over-long targets;
 *   - symlink loops (ELOOP), a chain of 40 links (works) and 41 (ELOOP),
 *     dangling links;
 *   - rename/renameat/renameat2: over files (an open fd keeps the old one),
 *     over empty directories, a directory into its own subtree (EINVAL),
 *     file over directory (EISDIR), directory over file (ENOTDIR), over a
 *     non-empty directory (ENOTEMPTY), "." (EBUSY), trailing slashes,
 *     renaming to itself and onto another link of the same inode (nothing
 *     happens), ".." and nlink of moved directories, RENAME_NOREPLACE
 *     (EEXIST), RENAME_EXCHANGE (files, file with directory), bad flags;
 *   - EXDEV for rename and link from here into /dev (a separate mount).
 */
#include "check.h"
#include "fsutil.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define SCRATCH "fs_link.scratch"
#define EXDEV_NAME "/dev/tern-fs_link-exdev-probe"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static long renameat2_raw(int olddir, const char *old, int newdir, const char *new, unsigned flags)
{
	return syscall(SYS_renameat2, olddir, old, newdir, new, flags);
}

static long nlink_of(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? (long)st.st_nlink : -1;
}

static bool same_inode(const char *a, const char *b)
{
	struct stat sa, sb;
	return lstat(a, &sa) == 0 && lstat(b, &sb) == 0 && sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

/* readlink as a string, or "<ERRNO>". */
static const char *link_text(const char *path)
{
	static char buf[PATH_MAX + 1];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0) {
		snprintf(buf, sizeof(buf), "<%s>", errno_name(errno));
		return buf;
	}
	buf[n] = '\0';
	return buf;
}

/* ---------------------------------------------------------------- link */

static void test_link(void)
{
	section("link, linkat");
	put_file("f", "data", 0644);
	CHECK_OK(link("f", "h"), "link f h");
	check(same_inode("f", "h"), "the same inode");
	check(nlink_of("f") == 2 && nlink_of("h") == 2, "nlink 2 on both names");
	int fd = open("h", O_WRONLY | O_APPEND);
	write(fd, "+more", 5);
	close(fd);
	check_str(get_file("f"), "data+more", "a write through one name shows through the other");
	CHECK_ERR(link("f", "h"), EEXIST, "link onto an existing name");
	CHECK_ERR(link("f", "f"), EEXIST, "link onto itself");
	CHECK_ERR(link("missing", "x"), ENOENT, "link of a missing file");
	CHECK_ERR(link("f", "nodir/x"), ENOENT, "link into a missing directory");
	CHECK_ERR(link("f/", "x"), ENOTDIR, "link of \"file/\"");
	mkdir("d", 0755);
	CHECK_ERR(link("d", "dlink"), EPERM, "link of a directory");
	check_long(nlink_of("d"), 2, "the directory's nlink unchanged");
	CHECK_OK(link("f", "d/h2"), "link into a subdirectory");
	check_long(nlink_of("f"), 3, "nlink 3");
	CHECK_OK(unlink("h"), "unlink one name");
	check_long(nlink_of("f"), 2, "nlink 2");
	check_str(get_file("d/h2"), "data+more", "the data is still there");

	symlink("f", "sym");
	CHECK_OK(link("sym", "symhard"), "link() of a symlink");
	check_str(describe_path("symhard", true), "symlink 0777 size=1 nlink=2", "links the symlink itself");
	CHECK_OK(linkat(AT_FDCWD, "sym", AT_FDCWD, "l0", 0), "linkat without flags");
	check(same_inode("sym", "l0"), "the symlink itself");
	CHECK_OK(linkat(AT_FDCWD, "sym", AT_FDCWD, "l1", AT_SYMLINK_FOLLOW), "linkat AT_SYMLINK_FOLLOW");
	check(same_inode("f", "l1"), "the target");
	check_long(nlink_of("f"), 3, "the target's nlink 3");
	symlink("nowhere", "dangling");
	CHECK_ERR(linkat(AT_FDCWD, "dangling", AT_FDCWD, "l2", AT_SYMLINK_FOLLOW), ENOENT,
		  "AT_SYMLINK_FOLLOW through a dangling link");
	CHECK_OK(linkat(AT_FDCWD, "dangling", AT_FDCWD, "l2", 0), "a dangling symlink itself can be linked");

	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK_OK(linkat(dfd, "h2", AT_FDCWD, "l3", 0), "linkat from a dirfd");
	CHECK_OK(linkat(AT_FDCWD, "f", dfd, "l4", 0), "linkat to a dirfd");
	check(same_inode("d/l4", "f"), "d/l4 is f");
	CHECK_ERR(linkat(42, "h2", AT_FDCWD, "l5", 0), EBADF, "linkat with a closed dirfd");
	CHECK_ERR(linkat(AT_FDCWD, "f", AT_FDCWD, "l5", 0x1), EINVAL, "linkat with an unknown flag");
	close(dfd);
	fd = open("f", O_RDONLY);
	CHECK_OK(linkat(fd, "", AT_FDCWD, "l6", AT_EMPTY_PATH), "linkat AT_EMPTY_PATH of an open file");
	check(same_inode("f", "l6"), "the same inode");
	CHECK_ERR(linkat(fd, "", AT_FDCWD, "l7", 0), ENOENT, "an empty path without AT_EMPTY_PATH");
	close(fd);
	put_file("gone", "gone", 0644);
	fd = open("gone", O_RDONLY);
	unlink("gone");
	CHECK_ERR(linkat(fd, "", AT_FDCWD, "back", AT_EMPTY_PATH), ENOENT, "linkat AT_EMPTY_PATH of an unlinked file");
	close(fd);
	check(!exists("back"), "no name made");
}

/* ---------------------------------------------------------------- symlink */

static void test_symlink(void)
{
	section("symlink, symlinkat, readlink, readlinkat");
	CHECK_OK(symlink("any text: not/a path ~", "odd"), "symlink with an odd target text");
	check_str(link_text("odd"), "any text: not/a path ~", "readlink gives it back");
	check_str(describe_path("odd", true), "symlink 0777 size=22 nlink=1", "lstat: size = the text's length");
	CHECK_ERR(symlink("f", "odd"), EEXIST, "symlink onto an existing link");
	CHECK_ERR(symlink("f", "f"), EEXIST, "symlink onto a file");
	CHECK_ERR(symlink("f", "dangling"), EEXIST, "symlink onto a dangling link");
	CHECK_ERR(symlink("", "empty"), ENOENT, "an empty target");
	CHECK_ERR(symlink("f", "nodir/s"), ENOENT, "symlink in a missing directory");
	CHECK_ERR(symlink("f", "f/s"), ENOTDIR, "symlink under a file");
	CHECK_ERR(syscall(SYS_symlink, NULL, "s"), EFAULT, "a NULL target");

	char *target = malloc(PATH_MAX + 1);
	memset(target, 't', PATH_MAX);
	target[PATH_MAX - 1] = '\0';
	CHECK_OK(symlink(target, "long"), "a target of 4095 bytes");
	check_long((long)strlen(link_text("long")), PATH_MAX - 1, "reads back 4095 bytes");
	target[PATH_MAX - 1] = 't';
	target[PATH_MAX] = '\0';
	CHECK_ERR(symlink(target, "toolong"), ENAMETOOLONG, "a target of 4096 bytes");
	free(target);

	char buf[64];
	memset(buf, 'x', sizeof(buf));
	check_long(readlink("sym", buf, sizeof(buf)), 1, "readlink sym: 1 byte");
	check(buf[0] == 'f' && buf[1] == 'x', "\"f\", no NUL written");
	symlink("0123456789", "digits");
	memset(buf, 'x', sizeof(buf));
	check_long(readlink("digits", buf, 4), 4, "a 4-byte buffer: 4, no error");
	check(memcmp(buf, "0123x", 5) == 0, "the first 4 bytes, nothing after");
	check_long(readlink("digits", buf, 10), 10, "an exact buffer");
	CHECK_ERR(syscall(SYS_readlink, "digits", buf, 0), EINVAL, "size 0");
	CHECK_ERR(readlink("f", buf, sizeof(buf)), EINVAL, "readlink of a file");
	CHECK_ERR(readlink("d", buf, sizeof(buf)), EINVAL, "readlink of a directory");
	CHECK_ERR(readlink("missing", buf, sizeof(buf)), ENOENT, "readlink of a missing name");
	CHECK_ERR(readlink("digits/", buf, sizeof(buf)), ENOENT, "readlink of \"link/\" (follows to a missing file)");
	CHECK_ERR(readlink("sym/", buf, sizeof(buf)), ENOTDIR, "readlink of \"link-to-file/\"");
	CHECK_ERR(syscall(SYS_readlink, "digits", WILD_KERNEL_DIRECT, 10), EFAULT, "into kernel memory");

	int dfd = open("d", O_RDONLY | O_DIRECTORY);
	CHECK_OK(symlinkat("../f", dfd, "up"), "symlinkat relative to a dirfd");
	check_str(get_file("d/up"), "data+more", "a relative target starts at the link's directory");
	memset(buf, 0, sizeof(buf));
	check_long(readlinkat(dfd, "up", buf, sizeof(buf)), 4, "readlinkat");
	check_str(buf, "../f", "text");
	int lfd = openat(dfd, "up", O_PATH | O_NOFOLLOW);
	memset(buf, 0, sizeof(buf));
	check_long(readlinkat(lfd, "", buf, sizeof(buf)), 4, "readlinkat(O_PATH fd of the link, \"\")");
	check_str(buf, "../f", "text");
	close(lfd);
	lfd = open("f", O_PATH);
	CHECK_ERR(readlinkat(lfd, "", buf, sizeof(buf)), ENOENT, "readlinkat(fd of a file, \"\"): ENOENT, not EINVAL");
	close(lfd);
	CHECK_ERR(readlinkat(42, "up", buf, sizeof(buf)), EBADF, "readlinkat with a closed dirfd");
	CHECK_ERR(symlinkat("x", 42, "y"), EBADF, "symlinkat with a closed dirfd");
	close(dfd);
	symlink("d", "dsym");
	check_str(get_file("dsym/up"), "data+more", "a link to a directory in the middle of a path");
	check_str(link_text("dsym/up"), "../f", "readlink through it");
}

/* ---------------------------------------------------------------- loops */

static void test_loops(void)
{
	section("symlink loops, chains, dangling links");
	symlink("loop_b", "loop_a");
	symlink("loop_a", "loop_b");
	symlink("self", "self");
	struct stat st;
	CHECK_ERR(open("loop_a", O_RDONLY), ELOOP, "open of a 2-link loop");
	CHECK_ERR(stat("loop_a", &st), ELOOP, "stat of it");
	CHECK_OK(lstat("loop_a", &st), "lstat of it");
	CHECK_ERR(open("self", O_RDONLY), ELOOP, "open of a link to itself");
	CHECK_ERR(open("self", O_WRONLY | O_CREAT, 0644), ELOOP, "O_CREAT through it");
	CHECK_ERR(stat("self/x", &st), ELOOP, "a loop in the middle of a path");
	CHECK_ERR(access("loop_b", F_OK), ELOOP, "access of a loop");
	CHECK_ERR(chdir("loop_a"), ELOOP, "chdir into a loop");
	CHECK_ERR(mkdir("self/x", 0755), ELOOP, "mkdir under a loop");
	check_str(link_text("loop_a"), "loop_b", "readlink of a loop works");
	CHECK_OK(unlink("self"), "unlink of a loop works");

	/* c0 -> c1 -> ... -> cN -> f: N+1 links followed. */
	char name[32], next[32];
	mkdir("chain", 0755);
	put_file("chain/end", "end", 0644);
	for (int i = 0; i <= 41; i++) {
		snprintf(name, sizeof(name), "chain/c%02d", i);
		snprintf(next, sizeof(next), i == 41 ? "end" : "c%02d", i + 1);
		symlink(next, name);
	}
	/* From c02: 40 links (c02..c41) to reach end; from c01: 41. */
	check_str(get_file("chain/c02"), "end", "a chain of 40 links resolves");
	check_str(get_file("chain/c01"), "<ELOOP>", "a chain of 41 links: ELOOP");
	CHECK_ERR(stat("chain/c00", &st), ELOOP, "stat of a chain of 42");
	/* Links in directory position count towards the same limit. */
	mkdir("deep", 0755);
	put_file("deep/f", "deep", 0644);
	symlink("deep", "dl00");
	for (int i = 1; i < 40; i++) {
		snprintf(name, sizeof(name), "dl%02d", i);
		snprintf(next, sizeof(next), "dl%02d", i - 1);
		symlink(next, name);
	}
	check_str(get_file("dl39/f"), "deep", "40 links as a directory component");
	char path[512];
	snprintf(path, sizeof(path), "dl39/../dl00/f");
	check_str(get_file(path), "<ELOOP>", "41 links over two components: the limit is per lookup, ELOOP");

	check_str(describe_path("dangling", false), "ENOENT", "stat of a dangling link");
	check_str(describe_path("dangling", true), "symlink 0777 size=7 nlink=2", "lstat of it (two names)");
	check_str(link_text("dangling"), "nowhere", "readlink of it");
	put_file("nowhere", "now here", 0644);
	check_str(get_file("dangling"), "now here", "it works once the target exists");
	unlink("nowhere");
	check_str(get_file("dangling"), "<ENOENT>", "and dangles again after the target goes");
}

/* ---------------------------------------------------------------- rename */

static void test_rename(void)
{
	section("rename, renameat");
	put_file("r1", "one", 0644);
	put_file("r2", "two", 0644);
	int old = open("r2", O_RDONLY);
	CHECK_OK(rename("r1", "r2"), "rename a file over a file");
	check(!exists("r1"), "the old name is gone");
	check_str(get_file("r2"), "one", "the new name has the moved file");
	char buf[16] = {0};
	read(old, buf, sizeof(buf));
	check_str(buf, "two", "an fd of the replaced file still reads it");
	struct stat st;
	fstat(old, &st);
	check_long((long)st.st_nlink, 0, "and it has nlink 0");
	close(old);

	CHECK_OK(rename("r2", "r2"), "rename a file to itself");
	check_str(get_file("r2"), "one", "nothing changed");
	link("r2", "r2link");
	CHECK_OK(rename("r2", "r2link"), "rename onto another link of the same inode");
	check(exists("r2") && exists("r2link") && nlink_of("r2") == 2, "nothing happens: both names stay");

	mkdir("src", 0755);
	put_file("src/inside", "in", 0644);
	mkdir("emptydst", 0755);
	CHECK_OK(rename("src", "emptydst"), "rename a directory over an empty directory");
	check_str(get_file("emptydst/inside"), "in", "its contents moved along");
	check(!exists("src"), "the old name is gone");
	mkdir("full", 0755);
	put_file("full/x", "", 0644);
	mkdir("mover", 0755);
	CHECK_ERR(rename("mover", "full"), ENOTEMPTY, "over a non-empty directory");
	CHECK_ERR(rename("mover", "mover/sub"), EINVAL, "a directory into itself");
	mkdir("mover/a", 0755);
	mkdir("mover/a/b", 0755);
	CHECK_ERR(rename("mover", "mover/a/b/c"), EINVAL, "a directory into its own subtree");
	CHECK_ERR(rename("mover/a", "mover/a/b/c"), EINVAL, "a subdirectory into its own subtree");
	CHECK_ERR(rename("r2", "mover"), EISDIR, "a file over a directory");
	CHECK_ERR(rename("mover", "r2"), ENOTDIR, "a directory over a file");
	CHECK_ERR(rename("missing", "x"), ENOENT, "a missing name");
	CHECK_ERR(rename("r2", "nodir/x"), ENOENT, "into a missing directory");
	CHECK_ERR(rename("r2", "r2link/x"), ENOTDIR, "under a file");
	CHECK_ERR(rename(".", "x"), EBUSY, "rename \".\"");
	CHECK_ERR(rename("mover/..", "x"), EBUSY, "rename \"dir/..\"");
	CHECK_ERR(rename("r2", "."), EBUSY, "rename onto \".\"");
	CHECK_ERR(rename("r2", "r3/"), ENOTDIR, "a file to \"name/\"");
	CHECK_ERR(rename("r2/", "r3"), ENOTDIR, "\"file/\" to a name");
	CHECK_OK(rename("mover/", "moved/"), "a directory with trailing slashes");
	check_str(describe_path("moved", true), "directory 0755 nlink=3", "moved");
	CHECK_ERR(syscall(SYS_rename, NULL, "x"), EFAULT, "a NULL old name");

	/* ".." and nlink follow a moved directory. */
	mkdir("p1", 0755);
	mkdir("p2", 0755);
	mkdir("p1/kid", 0755);
	check(nlink_of("p1") == 3 && nlink_of("p2") == 2, "p1 nlink 3, p2 nlink 2");
	CHECK_OK(rename("p1/kid", "p2/kid"), "move p1/kid to p2/kid");
	check(nlink_of("p1") == 2 && nlink_of("p2") == 3, "now p1 nlink 2, p2 nlink 3");
	check(same_inode("p2/kid/..", "p2"), "p2/kid/.. is p2");

	symlink("r2", "rsym");
	CHECK_OK(rename("rsym", "rsym2"), "rename a symlink");
	check_str(link_text("rsym2"), "r2", "the link moved, its text unchanged");
	check(exists("r2"), "the target stays");

	int d1 = open("p1", O_RDONLY | O_DIRECTORY), d2 = open("p2", O_RDONLY | O_DIRECTORY);
	put_file("p1/f", "pf", 0644);
	CHECK_OK(renameat(d1, "f", d2, "g"), "renameat between two dirfds");
	check_str(get_file("p2/g"), "pf", "p2/g");
	CHECK_ERR(renameat(42, "f", d2, "g"), EBADF, "renameat with a closed dirfd");
	close(d1);
	close(d2);

	section("renameat2");
	put_file("x1", "x1", 0644);
	put_file("x2", "x2", 0644);
	CHECK_ERR(renameat2_raw(AT_FDCWD, "x1", AT_FDCWD, "x2", RENAME_NOREPLACE), EEXIST,
		  "RENAME_NOREPLACE onto an existing name");
	check_str(get_file("x2"), "x2", "nothing changed");
	CHECK_OK(renameat2_raw(AT_FDCWD, "x1", AT_FDCWD, "x3", RENAME_NOREPLACE), "RENAME_NOREPLACE to a new name");
	check(!exists("x1") && exists("x3"), "renamed");
	CHECK_OK(renameat2_raw(AT_FDCWD, "x2", AT_FDCWD, "x3", RENAME_EXCHANGE), "RENAME_EXCHANGE of two files");
	check(strcmp(get_file("x2"), "x1") == 0 && strcmp(get_file("x3"), "x2") == 0, "their contents swapped names");
	mkdir("xd", 0755);
	put_file("xd/in", "", 0644);
	CHECK_OK(renameat2_raw(AT_FDCWD, "x2", AT_FDCWD, "xd", RENAME_EXCHANGE), "RENAME_EXCHANGE of a file and a directory");
	check(exists("x2/in") && strcmp(get_file("xd"), "x1") == 0, "swapped");
	CHECK_ERR(renameat2_raw(AT_FDCWD, "x3", AT_FDCWD, "none", RENAME_EXCHANGE), ENOENT,
		  "RENAME_EXCHANGE with a missing name");
	mkdir("x2/sub", 0755);
	CHECK_ERR(renameat2_raw(AT_FDCWD, "x2", AT_FDCWD, "x2/sub", RENAME_EXCHANGE), EINVAL,
		  "RENAME_EXCHANGE of a directory with its own subdirectory");
	CHECK_OK(renameat2_raw(AT_FDCWD, "x3", AT_FDCWD, "x3", RENAME_EXCHANGE), "RENAME_EXCHANGE of a name with itself");
	CHECK_ERR(renameat2_raw(AT_FDCWD, "x3", AT_FDCWD, "xd", RENAME_EXCHANGE | RENAME_NOREPLACE), EINVAL,
		  "RENAME_EXCHANGE|RENAME_NOREPLACE");
	CHECK_ERR(renameat2_raw(AT_FDCWD, "x3", AT_FDCWD, "x4", 0x80), EINVAL, "an unknown flag");
	CHECK_OK(renameat2_raw(AT_FDCWD, "x3", AT_FDCWD, "x4", 0), "renameat2 without flags");
	check(exists("x4") && !exists("x3"), "renamed");

	section("EXDEV");
	put_file("cross", "c", 0644);
	int r = rename("cross", EXDEV_NAME);
	int err = errno;
	check_str(r == 0 ? "ok" : errno_name(err), "EXDEV", "rename into /dev");
	if (r == 0)
		rename(EXDEV_NAME, "cross");
	r = link("cross", EXDEV_NAME);
	err = errno;
	check_str(r == 0 ? "ok" : errno_name(err), "EXDEV", "link into /dev");
	if (r == 0)
		unlink(EXDEV_NAME);
	check(exists("cross"), "the file stayed here");
}

int main(void)
{
	watchdog(30);
	umask(022);
	scratch_enter(SCRATCH);
	test_link();
	test_symlink();
	test_loops();
	test_rename();
	scratch_leave(SCRATCH);
	return check_done();
}
