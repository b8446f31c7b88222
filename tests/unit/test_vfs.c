/*
 * The file service through fs_handle: the path walker (".", "..", symlinks
 * and their limit, trailing slashes, name lengths), OPEN's flags, the name
 * operations (mkdir, rmdir, unlink, rename with its flags, link, symlink),
 * the standard mounts (EXDEV between them, the /proc redirect), request
 * decoding, and permissions as a user other than root. Errnos are Linux's.
 */
#include <string.h>

#include "fs_harness.h"
#include "unit_test.h"

#include "fs/fs_abi.h"

#define LONG_NAME 300
#define TEXT_MAX 8192


static uint64_t ino_of(const char *path, uint64_t flags)
{
	struct tern_fs_stat st;
	assert_int_equal(h_stat(&H, path, flags, &st), 0);
	return st.ino;
}

static uint32_t type_of(const char *path, uint64_t flags)
{
	struct tern_fs_stat st;
	assert_int_equal(h_stat(&H, path, flags, &st), 0);
	return st.mode & S_IFMT;
}

static void put(const char *path, const char *text)
{
	h_put_file(&H, path, text, strlen(text));
}

static void expect_file(const char *path, const char *text)
{
	char buf[TEXT_MAX];
	int64_t n = h_get_file(&H, path, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, text);
}

static void expect_names(const char *path, const char *names)
{
	char buf[TEXT_MAX];
	assert_true(h_list_sorted(&H, path, buf, sizeof(buf)) >= 0);
	assert_string_equal(buf, names);
}

static void test_root_and_empty(void **state)
{
	(void)state;
	struct tern_fs_stat st;
	assert_int_equal(h_stat(&H, "/", 0, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0755);
	assert_int_equal(st.uid, 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(h_stat(&H, "", 0, NULL), -ENOENT);
	assert_int_equal(h_stat(&H, "nothing", 0, NULL), -ENOENT);
	expect_names("/", "");
	/* The root handle names "/" for relative paths. */
	assert_int_equal(h_mkdir(&H, "rel", 0755), 0);
	assert_int_equal(type_of("/rel", 0), S_IFDIR);
}

static void test_dots_and_slashes(void **state)
{
	(void)state;
	assert_int_equal(h_mkdir(&H, "/a", 0755), 0);
	assert_int_equal(h_mkdir(&H, "/a/b", 0755), 0);
	put("/a/f", "x");
	uint64_t b = ino_of("/a/b", 0);
	assert_int_equal(ino_of("/a/./b/../b", 0), b);
	assert_int_equal(ino_of("//a///b//", 0), b);
	assert_int_equal(ino_of("/a/b/.", 0), b);
	assert_int_equal(ino_of("/..", 0), ino_of("/", 0));
	assert_int_equal(ino_of("/../../a/..", 0), ino_of("/", 0));
	/* Through a file: ENOTDIR, with or without more after it. */
	assert_int_equal(h_stat(&H, "/a/f/", 0, NULL), -ENOTDIR);
	assert_int_equal(h_stat(&H, "/a/f/x", 0, NULL), -ENOTDIR);
	assert_int_equal(h_stat(&H, "/a/f/.", 0, NULL), -ENOTDIR);
	assert_int_equal(h_open(&H, "/a/f/", O_RDONLY, 0), -ENOTDIR);
	assert_int_equal(h_stat(&H, "/a/nope/x", 0, NULL), -ENOENT);
	assert_int_equal(h_stat(&H, "/a/nope/", 0, NULL), -ENOENT);
}

static void test_relative_to_handle(void **state)
{
	(void)state;
	assert_int_equal(h_mkdir(&H, "/d", 0755), 0);
	put("/d/f", "hello");
	put("/top", "t");
	int64_t d = h_open(&H, "/d", O_RDONLY | O_DIRECTORY, 0);
	assert_true(d > 0);
	struct tern_fs_request req = {.op = TERN_FS_STAT, .handle = (uint64_t)d};
	assert_int_equal(h_call(&H, &req, "f", NULL, NULL, 0), 0);
	assert_int_equal(H.resp.stat.size, 5);
	assert_int_equal(h_call(&H, &req, "../top", NULL, NULL, 0), 0);
	assert_int_equal(H.resp.stat.size, 1);
	/* An absolute path ignores the handle. */
	assert_int_equal(h_call(&H, &req, "/top", NULL, NULL, 0), 0);
	/* A file is no starting directory; a closed handle no handle. */
	int64_t f = h_open(&H, "/d/f", O_RDONLY, 0);
	req.handle = (uint64_t)f;
	assert_int_equal(h_call(&H, &req, "x", NULL, NULL, 0), -ENOTDIR);
	assert_int_equal(h_close(&H, (uint64_t)f), 0);
	assert_int_equal(h_call(&H, &req, "x", NULL, NULL, 0), -EBADF);
	assert_int_equal(h_close(&H, (uint64_t)f), -EBADF);
	req.handle = 0x123456789ull;
	assert_int_equal(h_call(&H, &req, "x", NULL, NULL, 0), -EBADF);
	assert_int_equal(h_close(&H, TERN_FS_ROOT_HANDLE), -EBADF);
	assert_int_equal(h_close(&H, TERN_FS_NO_HANDLE), -EBADF);
	assert_int_equal(h_close(&H, (uint64_t)d), 0);
}

static void test_symlinks(void **state)
{
	(void)state;
	assert_int_equal(h_mkdir(&H, "/a", 0755), 0);
	assert_int_equal(h_mkdir(&H, "/a/b", 0755), 0);
	put("/a/b/f", "data");
	assert_int_equal(h_symlink(&H, "b", "/a/rel"), 0);
	assert_int_equal(h_symlink(&H, "/a/b/f", "/abs"), 0);
	assert_int_equal(h_symlink(&H, "../rel/f", "/a/b/up"), 0);
	assert_int_equal(h_symlink(&H, "/missing", "/dangling"), 0);

	assert_int_equal(type_of("/a/rel", 0), S_IFDIR);
	assert_int_equal(type_of("/a/rel", AT_SYMLINK_NOFOLLOW), S_IFLNK);
	/* A trailing slash follows even with NOFOLLOW. */
	assert_int_equal(type_of("/a/rel/", AT_SYMLINK_NOFOLLOW), S_IFDIR);
	assert_int_equal(ino_of("/a/rel/f", 0), ino_of("/a/b/f", 0));
	assert_int_equal(ino_of("/abs", 0), ino_of("/a/b/f", 0));
	assert_int_equal(ino_of("/a/b/up", 0), ino_of("/a/b/f", 0));
	expect_file("/a/rel/f", "data");
	/* A symlink to a file with a trailing slash. */
	assert_int_equal(h_stat(&H, "/abs/", 0, NULL), -ENOTDIR);
	assert_int_equal(h_stat(&H, "/dangling", 0, NULL), -ENOENT);
	assert_int_equal(type_of("/dangling", AT_SYMLINK_NOFOLLOW), S_IFLNK);

	char buf[TERN_PATH_MAX];
	assert_int_equal(h_readlink(&H, "/a/b/up", buf, sizeof(buf)), 8);
	assert_string_equal(buf, "../rel/f");
	assert_int_equal(h_readlink(&H, "/a/b/f", buf, sizeof(buf)), -EINVAL);
	struct tern_fs_stat st;
	assert_int_equal(h_stat(&H, "/abs", AT_SYMLINK_NOFOLLOW, &st), 0);
	assert_int_equal(st.size, strlen("/a/b/f"));
	assert_int_equal(st.mode, S_IFLNK | 0777);
	/* An empty target is refused. */
	assert_int_equal(h_symlink(&H, "", "/empty"), -ENOENT);
	assert_int_equal(h_symlink(&H, "x", "/abs"), -EEXIST);
}

static void test_symlink_limit(void **state)
{
	(void)state;
	char name[32], target[32];
	put("/f", "end");
	assert_int_equal(h_symlink(&H, "f", "/l0"), 0);
	for (int i = 1; i <= TERN_SYMLINK_MAX; i++) {
		snprintf(name, sizeof(name), "/l%d", i);
		snprintf(target, sizeof(target), "l%d", i - 1);
		assert_int_equal(h_symlink(&H, target, name), 0);
	}
	/* l39 takes 40 follows: allowed; l40 takes 41. */
	snprintf(name, sizeof(name), "/l%d", TERN_SYMLINK_MAX - 1);
	expect_file(name, "end");
	snprintf(name, sizeof(name), "/l%d", TERN_SYMLINK_MAX);
	assert_int_equal(h_stat(&H, name, 0, NULL), -ELOOP);
	assert_int_equal(h_open(&H, name, O_RDONLY, 0), -ELOOP);
	assert_int_equal(type_of(name, AT_SYMLINK_NOFOLLOW), S_IFLNK);

	assert_int_equal(h_symlink(&H, "/loop2", "/loop1"), 0);
	assert_int_equal(h_symlink(&H, "/loop1", "/loop2"), 0);
	assert_int_equal(h_stat(&H, "/loop1", 0, NULL), -ELOOP);
	assert_int_equal(h_stat(&H, "/loop1/x", 0, NULL), -ELOOP);
	assert_int_equal(h_open(&H, "/loop1", O_CREAT | O_WRONLY, 0644), -ELOOP);
	assert_int_equal(h_symlink(&H, "self", "/self"), 0);
	assert_int_equal(h_stat(&H, "/self/", 0, NULL), -ELOOP);
	assert_int_equal(h_mkdir(&H, "/self/x", 0755), -ELOOP);
}

static void test_name_lengths(void **state)
{
	(void)state;
	char path[TERN_PATH_MAX + 16];
	path[0] = '/';
	memset(path + 1, 'n', TERN_NAME_MAX + 1);
	path[TERN_NAME_MAX + 2] = '\0';
	assert_int_equal(h_stat(&H, path, 0, NULL), -ENAMETOOLONG);
	assert_int_equal(h_mkdir(&H, path, 0755), -ENAMETOOLONG);
	assert_int_equal(h_open(&H, path, O_CREAT | O_WRONLY, 0644), -ENAMETOOLONG);
	/* In the middle of a path too. */
	strcat(path, "/x");
	assert_int_equal(h_stat(&H, path, 0, NULL), -ENAMETOOLONG);
	/* 255 is fine. */
	path[TERN_NAME_MAX + 1] = '\0';
	assert_int_equal(h_stat(&H, path, 0, NULL), -ENOENT);
	assert_int_equal(h_mkdir(&H, path, 0755), 0);
	char listing[TEXT_MAX];
	assert_int_equal(h_list_sorted(&H, "/", listing, sizeof(listing)), 1);
	assert_string_equal(listing, path + 1);
	/* A whole path of PATH_MAX bytes or more. */
	memset(path, '/', TERN_PATH_MAX);
	path[TERN_PATH_MAX] = '\0';
	assert_int_equal(h_stat(&H, path, 0, NULL), -ENAMETOOLONG);
	path[TERN_PATH_MAX - 1] = '\0';
	assert_int_equal(h_stat(&H, path, 0, NULL), 0);
}

static void test_open_flags(void **state)
{
	(void)state;
	assert_int_equal(h_mkdir(&H, "/dir", 0755), 0);
	put("/file", "contents");
	assert_int_equal(h_symlink(&H, "file", "/link"), 0);
	assert_int_equal(h_symlink(&H, "newfile", "/dangling"), 0);

	int64_t fd = h_open(&H, "/file", O_RDONLY, 0);
	assert_true(fd > (int64_t)TERN_FS_ROOT_HANDLE);
	assert_int_equal(H.resp.stat.size, 8);
	assert_int_equal(H.resp.stat.mode, S_IFREG | 0644);
	assert_int_equal(h_close(&H, (uint64_t)fd), 0);

	assert_int_equal(h_open(&H, "/link", O_RDONLY | O_NOFOLLOW, 0), -ELOOP);
	fd = h_open(&H, "/link", O_PATH | O_NOFOLLOW, 0);
	assert_true(fd > 0);
	assert_int_equal(H.resp.stat.mode & S_IFMT, S_IFLNK);
	assert_int_equal(h_close(&H, (uint64_t)fd), 0);
	assert_int_equal(h_open(&H, "/file", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
	assert_int_equal(h_open(&H, "/link", O_RDONLY | O_DIRECTORY, 0), -ENOTDIR);
	fd = h_open(&H, "/dir", O_RDONLY | O_DIRECTORY, 0);
	assert_true(fd > 0);
	assert_int_equal(h_close(&H, (uint64_t)fd), 0);
	assert_int_equal(h_open(&H, "/dir", O_WRONLY, 0), -EISDIR);
	assert_int_equal(h_open(&H, "/dir", O_RDONLY | O_TRUNC, 0), -EISDIR);
	assert_int_equal(h_open(&H, "/new", O_CREAT | O_DIRECTORY, 0644), -EINVAL);
	assert_int_equal(h_open(&H, "/dir", O_CREAT | O_RDONLY, 0644), -EISDIR);
	assert_int_equal(h_open(&H, "/new/", O_CREAT | O_RDWR, 0644), -EISDIR);
	assert_int_equal(h_open(&H, "/missing", O_RDONLY, 0), -ENOENT);

	/* O_EXCL: any existing name fails, a dangling symlink too. */
	assert_int_equal(h_open(&H, "/file", O_CREAT | O_EXCL | O_WRONLY, 0644), -EEXIST);
	assert_int_equal(h_open(&H, "/dangling", O_CREAT | O_EXCL | O_WRONLY, 0644), -EEXIST);
	assert_int_equal(h_open(&H, "/dir", O_CREAT | O_EXCL | O_WRONLY, 0644), -EEXIST);
	assert_int_equal(h_open(&H, "/link", O_CREAT | O_NOFOLLOW | O_WRONLY, 0644), -ELOOP);
	/* Without O_EXCL a dangling symlink creates its target. */
	fd = h_open(&H, "/dangling", O_CREAT | O_WRONLY, 0640);
	assert_true(fd > 0);
	assert_int_equal(H.resp.stat.mode, S_IFREG | 0640);
	assert_int_equal(h_close(&H, (uint64_t)fd), 0);
	assert_int_equal(type_of("/newfile", AT_SYMLINK_NOFOLLOW), S_IFREG);
	/* O_CREAT on an existing file opens it as it is. */
	fd = h_open(&H, "/file", O_CREAT | O_RDONLY, 0600);
	assert_int_equal(H.resp.stat.mode, S_IFREG | 0644);
	assert_int_equal(H.resp.stat.size, 8);
	assert_int_equal(h_close(&H, (uint64_t)fd), 0);

	/* O_TRUNC empties it, and sets mtime. */
	struct tern_fs_stat before, after;
	assert_int_equal(h_stat(&H, "/file", 0, &before), 0);
	fd = h_open(&H, "/link", O_WRONLY | O_TRUNC, 0);
	assert_true(fd > 0);
	assert_int_equal(H.resp.stat.size, 0);
	assert_int_equal(h_close(&H, (uint64_t)fd), 0);
	assert_int_equal(h_stat(&H, "/file", 0, &after), 0);
	assert_int_equal(after.size, 0);
	assert_int_equal(after.blocks, 0);
	assert_true(after.mtime.sec > before.mtime.sec);
	expect_file("/file", "");
}

static void test_mkdir_rmdir_unlink(void **state)
{
	(void)state;
	struct tern_fs_stat st;
	assert_int_equal(h_mkdir(&H, "/d", 0750), 0);
	assert_int_equal(h_stat(&H, "/d", 0, &st), 0);
	assert_int_equal(st.mode, S_IFDIR | 0750);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(h_mkdir(&H, "/d", 0755), -EEXIST);
	assert_int_equal(h_mkdir(&H, "/d/sub/", 0755), 0);
	assert_int_equal(h_mkdir(&H, "/d/.", 0755), -EEXIST);
	assert_int_equal(h_mkdir(&H, "/x/y", 0755), -ENOENT);
	assert_int_equal(h_stat(&H, "/d", 0, &st), 0);
	assert_int_equal(st.nlink, 3);
	put("/d/f", "1");

	assert_int_equal(h_rmdir(&H, "/d"), -ENOTEMPTY);
	assert_int_equal(h_rmdir(&H, "/d/f"), -ENOTDIR);
	assert_int_equal(h_unlink(&H, "/d/sub"), -EISDIR);
	assert_int_equal(h_unlink(&H, "/d/sub/"), -EISDIR);
	assert_int_equal(h_unlink(&H, "/d/f/"), -ENOTDIR);
	assert_int_equal(h_rmdir(&H, "/d/."), -EINVAL);
	assert_int_equal(h_rmdir(&H, "/d/sub/.."), -ENOTEMPTY);
	assert_int_equal(h_rmdir(&H, "/"), -EBUSY);
	assert_int_equal(h_unlink(&H, "/"), -EISDIR);
	assert_int_equal(h_unlink(&H, "/d/none"), -ENOENT);

	assert_int_equal(h_unlink(&H, "/d/f"), 0);
	assert_int_equal(h_rmdir(&H, "/d/sub/"), 0);
	assert_int_equal(h_stat(&H, "/d", 0, &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(h_rmdir(&H, "/d"), 0);
	assert_int_equal(h_stat(&H, "/d", 0, NULL), -ENOENT);
	assert_int_equal(h_stat(&H, "/", 0, &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(h_usage(&H).nodes, 1);
}

static void test_mknod(void **state)
{
	(void)state;
	struct tern_fs_stat st;
	assert_int_equal(h_mknod(&H, "/fifo", S_IFIFO | 0600, 0), 0);
	assert_int_equal(h_stat(&H, "/fifo", 0, &st), 0);
	assert_int_equal(st.mode, S_IFIFO | 0600);
	assert_int_equal(h_mknod(&H, "/null", S_IFCHR | 0666, fs_makedev(1, 3)), 0);
	assert_int_equal(h_stat(&H, "/null", 0, &st), 0);
	assert_int_equal(st.rdev, fs_makedev(1, 3));
	assert_int_equal(h_mknod(&H, "/plain", 0644, 0), 0);
	assert_int_equal(type_of("/plain", 0), S_IFREG);
	assert_int_equal(h_mknod(&H, "/dir", S_IFDIR | 0755, 0), -EPERM);
	assert_int_equal(h_mknod(&H, "/bad", 0170000 | 0644, 0), -EINVAL);
	assert_int_equal(h_mknod(&H, "/fifo", S_IFIFO | 0600, 0), -EEXIST);
	assert_int_equal(h_mknod(&H, "/sock", S_IFSOCK | 0600, 0), 0);
	assert_int_equal(h_open(&H, "/sock", O_RDONLY, 0), -ENXIO);
}

static void test_rename(void **state)
{
	(void)state;
	assert_int_equal(h_mkdir(&H, "/a", 0755), 0);
	assert_int_equal(h_mkdir(&H, "/a/sub", 0755), 0);
	assert_int_equal(h_mkdir(&H, "/b", 0755), 0);
	assert_int_equal(h_mkdir(&H, "/full", 0755), 0);
	put("/full/x", "x");
	put("/one", "1");
	put("/two", "2");

	/* Replace a file: the old target goes. */
	uint64_t nodes = h_usage(&H).nodes;
	assert_int_equal(h_rename(&H, "/one", "/two", 0), 0);
	expect_file("/two", "1");
	assert_int_equal(h_stat(&H, "/one", 0, NULL), -ENOENT);
	assert_int_equal(h_usage(&H).nodes, nodes - 1);
	put("/one", "1b");
	assert_int_equal(h_rename(&H, "/one", "/two", RENAME_NOREPLACE), -EEXIST);
	assert_int_equal(h_rename(&H, "/one", "/three", RENAME_NOREPLACE), 0);
	assert_int_equal(h_rename(&H, "/three", "/two", RENAME_EXCHANGE), 0);
	expect_file("/two", "1b");
	expect_file("/three", "1");
	assert_int_equal(h_rename(&H, "/two", "/none", RENAME_EXCHANGE), -ENOENT);
	assert_int_equal(h_rename(&H, "/two", "/three", RENAME_EXCHANGE | RENAME_NOREPLACE), -EINVAL);
	assert_int_equal(h_rename(&H, "/two", "/three", 0x80), -EINVAL);
	assert_int_equal(h_rename(&H, "/none", "/x", 0), -ENOENT);
	/* Onto itself: nothing happens. */
	assert_int_equal(h_rename(&H, "/two", "/two", 0), 0);
	expect_file("/two", "1b");

	/* Directories. */
	assert_int_equal(h_rename(&H, "/a", "/a/sub/deeper", 0), -EINVAL);
	assert_int_equal(h_rename(&H, "/a", "/a/sub", 0), -EINVAL);
	assert_int_equal(h_rename(&H, "/a/sub", "/a", 0), -ENOTEMPTY);
	assert_int_equal(h_rename(&H, "/a", "/a/sub", RENAME_EXCHANGE), -EINVAL);
	assert_int_equal(h_rename(&H, "/a", "/full", 0), -ENOTEMPTY);
	assert_int_equal(h_rename(&H, "/a", "/two", 0), -ENOTDIR);
	assert_int_equal(h_rename(&H, "/two", "/a", 0), -EISDIR);
	assert_int_equal(h_rename(&H, "/two/", "/x", 0), -ENOTDIR);
	assert_int_equal(h_rename(&H, "/two", "/x/", 0), -ENOTDIR);
	assert_int_equal(h_rename(&H, "/a/.", "/x", 0), -EBUSY);
	struct tern_fs_stat st;
	assert_int_equal(h_rename(&H, "/a/sub", "/b/sub/", 0), 0);
	assert_int_equal(h_stat(&H, "/a", 0, &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(h_stat(&H, "/b", 0, &st), 0);
	assert_int_equal(st.nlink, 3);
	/* Over an empty directory. */
	assert_int_equal(h_rename(&H, "/b/sub", "/a", 0), 0);
	assert_int_equal(h_stat(&H, "/b", 0, &st), 0);
	assert_int_equal(st.nlink, 2);
	expect_names("/", "a b full three two");
	/* Exchange a directory and a file across directories. */
	assert_int_equal(h_rename(&H, "/a", "/full/x", RENAME_EXCHANGE), 0);
	assert_int_equal(type_of("/a", 0), S_IFREG);
	assert_int_equal(type_of("/full/x", 0), S_IFDIR);
	assert_int_equal(h_stat(&H, "/full", 0, &st), 0);
	assert_int_equal(st.nlink, 3);
	assert_int_equal(h_stat(&H, "/", 0, &st), 0);
	assert_int_equal(st.nlink, 4); /* b, full and the root's own two */
}

static void test_link(void **state)
{
	(void)state;
	put("/f", "data");
	assert_int_equal(h_mkdir(&H, "/d", 0755), 0);
	assert_int_equal(h_symlink(&H, "f", "/sl"), 0);
	assert_int_equal(h_link(&H, "/f", "/d/g", 0), 0);
	struct tern_fs_stat st;
	assert_int_equal(h_stat(&H, "/d/g", 0, &st), 0);
	assert_int_equal(st.nlink, 2);
	assert_int_equal(st.ino, ino_of("/f", 0));
	expect_file("/d/g", "data");
	assert_int_equal(h_link(&H, "/f", "/d/g", 0), -EEXIST);
	assert_int_equal(h_link(&H, "/d", "/d2", 0), -EPERM);
	assert_int_equal(h_link(&H, "/none", "/x", 0), -ENOENT);
	assert_int_equal(h_link(&H, "/f", "/x/", 0), -ENOENT);
	assert_int_equal(h_link(&H, "/f", "/x", 0x1), -EINVAL);
	/* A symlink itself, or what it names with AT_SYMLINK_FOLLOW. */
	assert_int_equal(h_link(&H, "/sl", "/sl2", 0), 0);
	assert_int_equal(type_of("/sl2", AT_SYMLINK_NOFOLLOW), S_IFLNK);
	assert_int_equal(h_link(&H, "/sl", "/f3", AT_SYMLINK_FOLLOW), 0);
	assert_int_equal(h_stat(&H, "/f", 0, &st), 0);
	assert_int_equal(st.nlink, 3);
	assert_int_equal(h_unlink(&H, "/f"), 0);
	expect_file("/f3", "data");
	assert_int_equal(h_stat(&H, "/f3", 0, &st), 0);
	assert_int_equal(st.nlink, 2);
}

static void test_standard_mounts(void **state)
{
	(void)state;
	assert_int_equal(fs_mount_standard(H.fs), 0);
	assert_int_equal(fs_mount_standard(H.fs), -EBUSY);
	struct tern_fs_stat root, tmp, dev, null;
	assert_int_equal(h_stat(&H, "/", 0, &root), 0);
	assert_int_equal(h_stat(&H, "/tmp", 0, &tmp), 0);
	assert_int_equal(h_stat(&H, "/dev", 0, &dev), 0);
	assert_int_equal(tmp.mode, S_IFDIR | 01777);
	assert_int_equal(dev.mode, S_IFDIR | 0755);
	assert_true(root.dev != tmp.dev && tmp.dev != dev.dev && root.dev != dev.dev);
	assert_int_equal(h_stat(&H, "/dev/null", 0, &null), 0);
	assert_int_equal(null.mode, S_IFCHR | 0666);
	assert_int_equal(null.rdev, fs_makedev(1, 3));
	assert_int_equal(null.dev, dev.dev);
	assert_int_equal(type_of("/dev/shm", 0), S_IFDIR);
	struct tern_fs_stat shm;
	assert_int_equal(h_stat(&H, "/dev/shm", 0, &shm), 0);
	assert_int_equal(shm.mode, S_IFDIR | 01777);
	char buf[TERN_PATH_MAX];
	assert_int_equal(h_readlink(&H, "/dev/stdout", buf, sizeof(buf)), 15);
	assert_string_equal(buf, "/proc/self/fd/1");
	/* ".." out of a mount's root reaches the root file system. */
	assert_int_equal(ino_of("/tmp/..", 0), root.ino);
	assert_int_equal(ino_of("/tmp/../dev/null", 0), null.ino);

	/* Between mounts: EXDEV. */
	put("/tmp/x", "x");
	put("/y", "y");
	assert_int_equal(h_rename(&H, "/tmp/x", "/x", 0), -EXDEV);
	assert_int_equal(h_rename(&H, "/y", "/tmp/y", 0), -EXDEV);
	assert_int_equal(h_link(&H, "/tmp/x", "/x", 0), -EXDEV);
	assert_int_equal(h_link(&H, "/y", "/dev/y", 0), -EXDEV);
	assert_int_equal(h_rename(&H, "/tmp/x", "/tmp/z", 0), 0);
	assert_int_equal(h_rename(&H, "/tmp/z", "/proc/z", 0), -EXDEV);
	assert_int_equal(h_rename(&H, "/tmp", "/tmp2", 0), -EBUSY);
	assert_int_equal(h_rmdir(&H, "/tmp"), -EBUSY);
	assert_int_equal(h_unlink(&H, "/tmp"), -EISDIR);
	expect_names("/", "dev proc tmp y");
}

/* The answer of a redirect: -TERN_EREDIRECT, the rest of the path, TERN_FS_PROCFS. */
static void expect_redirect(int64_t r, const char *rest)
{
	assert_int_equal(r, -TERN_EREDIRECT);
	assert_int_equal(H.resp.offset, TERN_FS_PROCFS);
	assert_int_equal(H.resp.data_len, strlen(rest));
	assert_memory_equal(H.out, rest, strlen(rest));
}

static void test_proc_redirect(void **state)
{
	(void)state;
	assert_int_equal(fs_mount_standard(H.fs), 0);
	expect_redirect(h_open(&H, "/proc/self/stat", O_RDONLY, 0), "self/stat");
	expect_redirect(h_stat(&H, "/proc", 0, NULL), "");
	expect_redirect(h_stat(&H, "/proc/", 0, NULL), "/");
	expect_redirect(h_stat(&H, "/proc/1/status", AT_SYMLINK_NOFOLLOW, NULL), "1/status");
	expect_redirect(h_access(&H, "/proc/meminfo", R_OK), "meminfo");
	char buf[64];
	expect_redirect(h_readlink(&H, "/proc/self/exe", buf, sizeof(buf)), "self/exe");
	/* Through a symlink: the rest after the link is appended. */
	expect_redirect(h_open(&H, "/dev/stdin", O_RDONLY, 0), "self/fd/0");
	expect_redirect(h_stat(&H, "/dev/fd/3", 0, NULL), "self/fd/3");
	expect_redirect(h_mkdir(&H, "/proc/x", 0755), "x");
	/* ".." inside /proc comes back out. */
	assert_int_equal(type_of("/proc/../tmp", 0), S_IFDIR);
	/* Relative to a handle in /tmp. */
	int64_t tmp = h_open(&H, "/tmp", O_RDONLY | O_DIRECTORY, 0);
	struct tern_fs_request req = {.op = TERN_FS_OPEN, .handle = (uint64_t)tmp, .arg0 = O_RDONLY};
	expect_redirect(h_call(&H, &req, "../proc/cpuinfo", NULL, NULL, 0), "cpuinfo");
	assert_int_equal(h_close(&H, (uint64_t)tmp), 0);
	assert_int_equal(h_usage(&H).handles, 0);
	/* Rests that add up past PATH_MAX through a symlink: ENAMETOOLONG, not an overflow. */
	static char target[TERN_PATH_MAX], path[TERN_PATH_MAX];
	strcpy(target, "/proc/");
	memset(target + 6, 'a', 3000);
	assert_int_equal(h_symlink(&H, target, "/p1"), 0);
	strcpy(path, "/p1/");
	memset(path + 4, 'b', 2000);
	assert_int_equal(h_stat(&H, path, 0, NULL), -ENAMETOOLONG);
	expect_redirect(h_stat(&H, "/p1", 0, NULL), target + 6);
	/* Short enough: the link's rest, then the path's. */
	path[4 + 1000] = '\0';
	static char rest[2 * TERN_PATH_MAX];
	strcpy(rest, target + 6);
	strcat(rest, path + 3);
	expect_redirect(h_stat(&H, path, 0, NULL), rest);
}

static void test_request_decoding(void **state)
{
	(void)state;
	unsigned char slot[16] = "abc";
	unsigned char out[64];
	struct tern_fs_response resp;
	/* data_len beyond the slot. */
	struct tern_fs_request req = {.slot = 9, .op = TERN_FS_STAT, .handle = TERN_FS_ROOT_HANDLE, .path_len = 3,
				      .data_len = 17};
	assert_int_equal(fs_handle(H.fs, &req, slot, sizeof(slot), out, sizeof(out), &resp), FS_DONE);
	assert_int_equal(resp.slot, 9);
	assert_int_equal(resp.result, -EINVAL);
	/* Paths longer than the data. */
	req.data_len = 3;
	req.path2_len = 1;
	assert_int_equal(fs_handle(H.fs, &req, slot, sizeof(slot), out, sizeof(out), &resp), FS_DONE);
	assert_int_equal(resp.result, -EINVAL);
	req.path2_len = 0xffffffffu;
	assert_int_equal(fs_handle(H.fs, &req, slot, sizeof(slot), out, sizeof(out), &resp), FS_DONE);
	assert_int_equal(resp.result, -EINVAL);
	/* A NUL inside a path. */
	memcpy(slot, "a\0c", 3);
	req.path2_len = 0;
	assert_int_equal(fs_handle(H.fs, &req, slot, sizeof(slot), out, sizeof(out), &resp), FS_DONE);
	assert_int_equal(resp.result, -EINVAL);
	/* Unknown operations. */
	req.op = TERN_FS_OP_COUNT;
	req.path_len = req.data_len = 0;
	assert_int_equal(fs_handle(H.fs, &req, slot, sizeof(slot), out, sizeof(out), &resp), FS_DONE);
	assert_int_equal(resp.result, -ENOSYS);
	req.op = TERN_FS_NOP;
	assert_int_equal(fs_handle(H.fs, &req, slot, sizeof(slot), out, sizeof(out), &resp), FS_DONE);
	assert_int_equal(resp.result, -ENOSYS);
	req.op = 0xffff;
	assert_int_equal(fs_handle(H.fs, &req, slot, sizeof(slot), out, sizeof(out), &resp), FS_DONE);
	assert_int_equal(resp.result, -ENOSYS);
	/* SETATTR without its input structure. */
	put("/f", "x");
	struct tern_fs_request sa = {.op = TERN_FS_SETATTR, .handle = TERN_FS_ROOT_HANDLE, .arg0 = TERN_ATTR_MODE};
	assert_int_equal(h_call(&H, &sa, "/f", NULL, NULL, 0), -EINVAL);
	/* The input and output may be the same buffer. */
	unsigned char *both = calloc(1, H_OUT_CAP);
	assert_non_null(both);
	memcpy(both, "/f", 2);
	struct tern_fs_request st = {.slot = 3, .op = TERN_FS_STAT, .handle = TERN_FS_ROOT_HANDLE, .path_len = 2,
				     .data_len = 2};
	assert_int_equal(fs_handle(H.fs, &st, both, H_OUT_CAP, both, H_OUT_CAP, &resp), FS_DONE);
	assert_int_equal(resp.result, 0);
	assert_int_equal(resp.stat.size, 1);
	free(both);
}

/* Credentials: a user (uid 1000, gid 100) against root's files and each other's. */
#define USER 1000
#define OTHER 1001
#define GROUP 100

static void as(uint32_t uid, uint32_t gid)
{
	H.uid = uid;
	H.gid = gid;
}

static void test_permissions(void **state)
{
	(void)state;
	assert_int_equal(fs_mount_standard(H.fs), 0);
	assert_int_equal(h_mkdir(&H, "/priv", 0700), 0);
	put("/priv/secret", "s");
	put("/pub", "p");
	assert_int_equal(h_mkdir(&H, "/shared", 0777), 0);

	as(USER, GROUP);
	assert_int_equal(h_stat(&H, "/priv/secret", 0, NULL), -EACCES);
	assert_int_equal(h_open(&H, "/priv", O_RDONLY, 0), -EACCES);
	assert_int_equal(h_stat(&H, "/priv", 0, NULL), 0);
	assert_int_equal(h_mkdir(&H, "/mine", 0755), -EACCES);
	assert_int_equal(h_open(&H, "/new", O_CREAT | O_WRONLY, 0644), -EACCES);
	assert_int_equal(h_open(&H, "/pub", O_WRONLY, 0), -EACCES);
	int64_t fd = h_open(&H, "/pub", O_RDONLY, 0);
	assert_true(fd > 0);
	assert_int_equal(h_close(&H, (uint64_t)fd), 0);
	assert_int_equal(h_unlink(&H, "/pub"), -EACCES);
	assert_int_equal(h_access(&H, "/pub", R_OK), 0);
	assert_int_equal(h_access(&H, "/pub", W_OK), -EACCES);
	assert_int_equal(h_access(&H, "/pub", X_OK), -EACCES);
	struct tern_fs_setattr attr = {.mode = 0777};
	assert_int_equal(h_setattr(&H, "/pub", TERN_ATTR_MODE, &attr), -EPERM);
	assert_int_equal(h_truncate(&H, "/pub", 0), -EACCES);

	/* A file the user makes is the user's, with the user's group. */
	fd = h_open(&H, "/shared/u", O_CREAT | O_RDWR, 0600);
	assert_true(fd > 0);
	assert_int_equal(H.resp.stat.uid, USER);
	assert_int_equal(H.resp.stat.gid, GROUP);
	assert_int_equal(h_close(&H, (uint64_t)fd), 0);
	assert_int_equal(h_setattr(&H, "/shared/u", TERN_ATTR_MODE, &attr), 0);
	attr.uid = 0;
	assert_int_equal(h_setattr(&H, "/shared/u", TERN_ATTR_UID, &attr), -EPERM);

	/* Sticky /tmp: another user may not remove or rename the file. */
	put("/tmp/owned", "o");
	as(OTHER, GROUP);
	assert_int_equal(h_unlink(&H, "/tmp/owned"), -EPERM);
	assert_int_equal(h_rename(&H, "/tmp/owned", "/tmp/stolen", 0), -EPERM);
	fd = h_open(&H, "/shared/u", O_RDONLY, 0);
	assert_true(fd > 0);
	assert_int_equal(h_close(&H, (uint64_t)fd), 0);
	/* Without the sticky bit, write access to the directory is enough. */
	assert_int_equal(h_unlink(&H, "/shared/u"), 0);
	as(USER, GROUP);
	assert_int_equal(h_unlink(&H, "/tmp/owned"), 0);

	/* Root reads anything, but executes only what has an execute bit. */
	as(0, 0);
	fd = h_open(&H, "/pub", O_RDONLY | TERN_O_EXEC, 0);
	assert_int_equal(fd, -EACCES);
	assert_int_equal(h_access(&H, "/pub", X_OK), -EACCES);
	assert_int_equal(h_access(&H, "/priv", X_OK), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_root_and_empty, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_dots_and_slashes, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_relative_to_handle, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_symlink_limit, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_name_lengths, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_open_flags, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_mkdir_rmdir_unlink, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_mknod, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_rename, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_link, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_standard_mounts, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_proc_redirect, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_request_decoding, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_permissions, h_setup, h_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
