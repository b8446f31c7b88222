/*
 * File data and open handles through fs_handle: READ_PAGES / WRITE_PAGES
 * (the answered addresses are the server's pages: bytes are written through
 * them and read back), holes, appends, WRITE_UNDO, truncation keeping the
 * bytes past the end zero, COPY, FALLOCATE and SEEK_DATA/SEEK_HOLE,
 * GETDENTS (small buffers, changes during a listing), GETPATH, O_TMPFILE,
 * ETXTBSY, the page limit and STATFS, and fs_usage returning to zero.
 */
#include <string.h>

#include "fs_harness.h"
#include "unit_test.h"

#include "fs/fs_abi.h"

#define PAGE FS_TEST_PAGE
#define TEXT_MAX 8192
#define BIG (5 * PAGE + 123)


static uint64_t must_open(const char *path, uint64_t flags, uint32_t mode)
{
	int64_t fd = h_open(&H, path, flags, mode);
	if (fd <= 0)
		fail_msg("open %s: %lld", path, (long long)fd);
	return (uint64_t)fd;
}

static void closes(uint64_t fd)
{
	assert_int_equal(h_close(&H, fd), 0);
}

static uint64_t size_of(const char *path)
{
	struct tern_fs_stat st;
	assert_int_equal(h_stat(&H, path, 0, &st), 0);
	return st.size;
}

static void fill(unsigned char *buf, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + seed);
}

static bool all_zero(const unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != 0)
			return false;
	}
	return true;
}

static void test_write_read_roundtrip(void **state)
{
	(void)state;
	static unsigned char data[BIG], back[BIG + 100];
	fill(data, sizeof(data), 3);
	uint64_t fd = must_open("/f", O_CREAT | O_RDWR, 0644);
	assert_int_equal(h_write(&H, fd, 0, data, sizeof(data)), sizeof(data));
	struct tern_fs_stat st;
	assert_int_equal(h_fstat(&H, fd, &st), 0);
	assert_int_equal(st.size, BIG);
	assert_int_equal(st.blocks, 6 * PAGE / 512);
	/* Reads stop at the end of the file. */
	assert_int_equal(h_read(&H, fd, 0, back, sizeof(back)), BIG);
	assert_memory_equal(back, data, BIG);
	assert_int_equal(h_read(&H, fd, PAGE - 3, back, 10), 10);
	assert_memory_equal(back, data + PAGE - 3, 10);
	assert_int_equal(h_read(&H, fd, BIG, back, 10), 0);
	assert_int_equal(h_read(&H, fd, BIG + 5000, back, 10), 0);
	/* An overwrite in the middle keeps the size. */
	assert_int_equal(h_write(&H, fd, 100, "XYZ", 3), 3);
	assert_int_equal(h_read(&H, fd, 99, back, 5), 5);
	assert_int_equal(back[0], data[99]);
	assert_memory_equal(back + 1, "XYZ", 3);
	assert_int_equal(h_fstat(&H, fd, &st), 0);
	assert_int_equal(st.size, BIG);
	/* A zero-length write says where it would land and changes nothing. */
	assert_int_equal(h_write(&H, fd, 7, NULL, 0), 0);
	closes(fd);
	/* Another handle sees the same bytes. */
	memset(back, 0, sizeof(back));
	assert_int_equal(h_get_file(&H, "/f", back, sizeof(back)), BIG);
	assert_memory_equal(back + 200, data + 200, BIG - 200);
}

static void test_holes_and_sparse(void **state)
{
	(void)state;
	unsigned char buf[3 * PAGE];
	uint64_t fd = must_open("/sparse", O_CREAT | O_RDWR, 0644);
	uint64_t far = 10ull * PAGE + 5;
	assert_int_equal(h_write(&H, fd, far, "end", 3), 3);
	struct tern_fs_stat st;
	assert_int_equal(h_fstat(&H, fd, &st), 0);
	assert_int_equal(st.size, far + 3);
	assert_int_equal(st.blocks, PAGE / 512);
	/* A hole answers address 0 and reads as zeros. */
	struct tern_fs_request req = {.op = TERN_FS_READ_PAGES, .handle = fd, .offset = 0, .len = 2 * PAGE};
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), 2 * PAGE);
	assert_int_equal(H.resp.data_len, 2 * sizeof(uint64_t));
	assert_true(all_zero(H.out, 2 * sizeof(uint64_t)));
	memset(buf, 0xff, sizeof(buf));
	assert_int_equal(h_read(&H, fd, 0, buf, sizeof(buf)), sizeof(buf));
	assert_true(all_zero(buf, sizeof(buf)));
	/* TERN_PAGES_ALLOCATE fills holes inside the file. */
	req.arg0 = TERN_PAGES_ALLOCATE;
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), 2 * PAGE);
	uint64_t addr[2];
	memcpy(addr, H.out, sizeof(addr));
	assert_true(addr[0] != 0 && addr[1] != 0 && addr[0] != addr[1]);
	assert_int_equal(h_fstat(&H, fd, &st), 0);
	assert_int_equal(st.blocks, 3 * PAGE / 512);
	req.arg0 = 0x80;
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), -EINVAL);
	closes(fd);
}

/* Growing a file shows zeros, whatever was left past its old end in its last page. */
static void test_tail_kept_zero(void **state)
{
	(void)state;
	unsigned char buf[PAGE];
	uint64_t fd = must_open("/t", O_CREAT | O_RDWR, 0644);
	memset(buf, 'a', sizeof(buf));
	assert_int_equal(h_write(&H, fd, 0, buf, 3000), 3000);
	assert_int_equal(h_truncate(&H, "/t", 1000), 0);
	assert_int_equal(size_of("/t"), 1000);
	assert_int_equal(h_truncate(&H, "/t", 3000), 0);
	assert_int_equal(h_read(&H, fd, 0, buf, sizeof(buf)), 3000);
	assert_int_equal(buf[999], 'a');
	assert_true(all_zero(buf + 1000, 2000));

	/* A write past the end in the same page: the gap reads as zeros, the data stays. */
	assert_int_equal(h_truncate(&H, "/t", 10), 0);
	assert_int_equal(h_write(&H, fd, 100, "data", 4), 4);
	assert_int_equal(h_read(&H, fd, 0, buf, sizeof(buf)), 104);
	assert_true(all_zero(buf + 10, 90));
	assert_memory_equal(buf + 100, "data", 4);

	/* Someone scribbles past the end through a shared mapping: an extension hides it. */
	struct tern_fs_request req = {.op = TERN_FS_READ_PAGES, .handle = fd, .offset = 0, .len = 1};
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), 1);
	uint64_t address;
	memcpy(&address, H.out, sizeof(address));
	memset((char *)(uintptr_t)address + 104, 'z', 50);
	assert_int_equal(h_truncate(&H, "/t", 200), 0);
	assert_int_equal(h_read(&H, fd, 0, buf, sizeof(buf)), 200);
	assert_true(all_zero(buf + 104, 96));
	/* Truncating to a page boundary frees the pages past it. */
	assert_int_equal(h_truncate(&H, "/t", 5 * PAGE), 0);
	assert_int_equal(h_write(&H, fd, 4 * PAGE, "x", 1), 1);
	uint64_t pages = h_usage(&H).pages;
	assert_int_equal(h_truncate(&H, "/t", PAGE), 0);
	assert_true(h_usage(&H).pages < pages);
	closes(fd);
}

static void test_append_and_access_modes(void **state)
{
	(void)state;
	char buf[64];
	h_put_file(&H, "/log", "one,", 4);
	uint64_t fd = must_open("/log", O_WRONLY | O_APPEND, 0);
	assert_int_equal(h_append(&H, fd, "two,", 4), 4);
	assert_int_equal(H.resp.offset, 4);
	assert_int_equal(h_append(&H, fd, "three", 5), 5);
	assert_int_equal(H.resp.offset, 8);
	/* A write-only handle cannot read; a read-only one cannot write. */
	assert_int_equal(h_read(&H, fd, 0, buf, 1), -EBADF);
	closes(fd);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(h_get_file(&H, "/log", buf, sizeof(buf)), 13);
	assert_string_equal(buf, "one,two,three");
	fd = must_open("/log", O_RDONLY, 0);
	assert_int_equal(h_write(&H, fd, 0, "x", 1), -EBADF);
	struct tern_fs_request undo = {.op = TERN_FS_WRITE_UNDO, .handle = fd};
	assert_int_equal(h_call(&H, &undo, NULL, NULL, NULL, 0), -EBADF);
	closes(fd);
	/* O_PATH handles do no I/O. */
	fd = must_open("/log", O_PATH, 0);
	assert_int_equal(h_read(&H, fd, 0, buf, 1), -EBADF);
	closes(fd);
	/* Directories: EISDIR. */
	assert_int_equal(h_mkdir(&H, "/d", 0755), 0);
	fd = must_open("/d", O_RDONLY, 0);
	assert_int_equal(h_read(&H, fd, 0, buf, 1), -EISDIR);
	closes(fd);
}

static void test_write_undo(void **state)
{
	(void)state;
	static unsigned char data[3 * PAGE];
	fill(data, sizeof(data), 1);
	uint64_t fd = must_open("/u", O_CREAT | O_RDWR, 0644);
	assert_int_equal(h_write(&H, fd, 0, data, 1000), 1000);
	assert_int_equal(h_write(&H, fd, 1000, data, sizeof(data)), sizeof(data));
	/* The client's buffer faulted after 500 bytes: the file ends at 1500. */
	struct tern_fs_request undo = {.op = TERN_FS_WRITE_UNDO, .handle = fd, .offset = 1500,
				       .arg0 = 1000 + sizeof(data)};
	assert_int_equal(h_call(&H, &undo, NULL, NULL, NULL, 0), 0);
	assert_int_equal(size_of("/u"), 1500);
	/* Someone else grew it meanwhile: left alone. */
	assert_int_equal(h_write(&H, fd, 1500, data, 100), 100);
	undo.offset = 1000;
	undo.arg0 = 1500;
	assert_int_equal(h_call(&H, &undo, NULL, NULL, NULL, 0), 0);
	assert_int_equal(size_of("/u"), 1600);
	closes(fd);
}

static void test_write_limits(void **state)
{
	(void)state;
	uint64_t fd = must_open("/big", O_CREAT | O_RDWR, 0644);
	struct tern_fs_request req = {.op = TERN_FS_WRITE_PAGES, .handle = fd, .offset = 1ull << 40, .len = 1};
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), -EFBIG);
	req.offset = (1ull << 63);
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), -EINVAL);
	/* Right below the limit: short, up to it. */
	req.offset = (1ull << 40) - 10;
	req.len = 100;
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), 10);
	assert_int_equal(size_of("/big"), 1ull << 40);
	/* A huge length is cut to what the output has room for. */
	req.offset = 0;
	req.len = 1ull << 36;
	int64_t n = h_call(&H, &req, NULL, NULL, NULL, 0);
	assert_int_equal(n, (uint64_t)(H_OUT_CAP / sizeof(uint64_t)) * PAGE);
	assert_int_equal(h_truncate(&H, "/big", 0), 0);
	closes(fd);
	assert_int_equal(h_usage(&H).pages, 0);
}

static void test_copy(void **state)
{
	(void)state;
	static unsigned char data[2 * PAGE], back[4 * PAGE];
	fill(data, sizeof(data), 9);
	h_put_file(&H, "/src", data, sizeof(data));
	uint64_t in = must_open("/src", O_RDONLY, 0);
	uint64_t out = must_open("/dst", O_CREAT | O_RDWR, 0644);
	struct tern_fs_request req = {.op = TERN_FS_COPY, .handle = in, .handle2 = out, .offset = 10, .len = PAGE,
				      .arg0 = 0};
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), PAGE);
	assert_int_equal(h_read(&H, out, 0, back, sizeof(back)), PAGE);
	assert_memory_equal(back, data + 10, PAGE);
	/* Past the destination's end, inside its last page: the copied bytes stay. */
	assert_int_equal(h_truncate(&H, "/dst", 10), 0);
	req.offset = 0;
	req.len = 50;
	req.arg0 = 100;
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), 50);
	assert_int_equal(size_of("/dst"), 150);
	assert_int_equal(h_read(&H, out, 0, back, sizeof(back)), 150);
	assert_true(all_zero(back + 10, 90));
	assert_memory_equal(back + 100, data, 50);
	/* Past the source's end: nothing; overlapping within one file: EINVAL. */
	req.offset = sizeof(data);
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), 0);
	req.handle = req.handle2 = out;
	req.offset = 0;
	req.arg0 = 20;
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), -EINVAL);
	req.handle = out;
	req.handle2 = in;
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), -EBADF);
	closes(in);
	closes(out);
}

static int64_t fallocate(uint64_t fd, uint64_t mode, uint64_t offset, uint64_t len)
{
	struct tern_fs_request req = {.op = TERN_FS_FALLOCATE, .handle = fd, .offset = offset, .len = len,
				      .arg0 = mode};
	return h_call(&H, &req, NULL, NULL, NULL, 0);
}

static int64_t seek(uint64_t fd, uint64_t whence, uint64_t offset)
{
	struct tern_fs_request req = {.op = TERN_FS_SEEK, .handle = fd, .offset = offset, .arg0 = whence};
	return h_call(&H, &req, NULL, NULL, NULL, 0);
}

static void test_fallocate_and_seek(void **state)
{
	(void)state;
	unsigned char buf[4 * PAGE];
	uint64_t fd = must_open("/fa", O_CREAT | O_RDWR, 0644);
	assert_int_equal(fallocate(fd, 0, 0, 4 * PAGE), 0);
	assert_int_equal(size_of("/fa"), 4 * PAGE);
	/* Allocated but unwritten: holes for SEEK, zeros for reads. */
	assert_int_equal(seek(fd, SEEK_DATA, 0), -ENXIO);
	assert_int_equal(seek(fd, SEEK_HOLE, 0), 0);
	assert_int_equal(h_write(&H, fd, 2 * PAGE + 5, "d", 1), 1);
	assert_int_equal(seek(fd, SEEK_DATA, 0), 2 * PAGE);
	assert_int_equal(seek(fd, SEEK_DATA, 2 * PAGE + 100), 2 * PAGE + 100);
	assert_int_equal(seek(fd, SEEK_HOLE, 2 * PAGE), 3 * PAGE);
	assert_int_equal(seek(fd, SEEK_HOLE, 4 * PAGE), -ENXIO);
	assert_int_equal(seek(fd, 1, 0), -EINVAL);
	/* Punch a hole across the written page. */
	memset(buf, 'p', sizeof(buf));
	assert_int_equal(h_write(&H, fd, 0, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 100, 2 * PAGE), 0);
	assert_int_equal(h_read(&H, fd, 0, buf, sizeof(buf)), sizeof(buf));
	assert_int_equal(buf[99], 'p');
	assert_true(all_zero(buf + 100, 2 * PAGE));
	assert_int_equal(buf[2 * PAGE + 100], 'p');
	assert_int_equal(seek(fd, SEEK_HOLE, 0), PAGE);
	assert_int_equal(seek(fd, SEEK_DATA, PAGE), 2 * PAGE);
	/* Zero a range. */
	assert_int_equal(fallocate(fd, FALLOC_FL_ZERO_RANGE, 3 * PAGE - 10, 20), 0);
	assert_int_equal(h_read(&H, fd, 0, buf, sizeof(buf)), sizeof(buf));
	assert_true(all_zero(buf + 3 * PAGE - 10, 20));
	assert_int_equal(buf[3 * PAGE + 10], 'p');
	/* Grows the file unless KEEP_SIZE. */
	assert_int_equal(fallocate(fd, FALLOC_FL_KEEP_SIZE, 10 * PAGE, PAGE), 0);
	assert_int_equal(size_of("/fa"), 4 * PAGE);
	assert_int_equal(fallocate(fd, 0, 10 * PAGE, 5), 0);
	assert_int_equal(size_of("/fa"), 10 * PAGE + 5);
	/* Bad arguments. */
	assert_int_equal(fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 1), -EOPNOTSUPP);
	assert_int_equal(fallocate(fd, 0x100, 0, 1), -EOPNOTSUPP);
	assert_int_equal(fallocate(fd, 0, 0, 0), -EINVAL);
	assert_int_equal(fallocate(fd, 0, 1ull << 40, 1), -EFBIG);
	closes(fd);
	fd = must_open("/fa", O_RDONLY, 0);
	assert_int_equal(fallocate(fd, 0, 0, 1), -EBADF);
	closes(fd);
}

static void test_getdents(void **state)
{
	(void)state;
	char names[TEXT_MAX], name[32];
	assert_int_equal(h_mkdir(&H, "/d", 0755), 0);
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "/d/file-%02d", i);
		h_put_file(&H, name, "", 0);
	}
	uint64_t fd = must_open("/d", O_RDONLY | O_DIRECTORY, 0);
	/* One record at a time (32 bytes each) and all at once give the same names. */
	char all[TEXT_MAX];
	assert_int_equal(h_list(&H, fd, H_OUT_CAP, all, sizeof(all)), 50);
	assert_int_equal(h_list(&H, fd, 32, names, sizeof(names)), 50);
	assert_string_equal(names, all);
	assert_non_null(strstr(all, "file-00\nfile-01\n"));
	/* Too small for one record. */
	struct tern_fs_request req = {.op = TERN_FS_GETDENTS, .handle = fd, .offset = 0, .len = 10};
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), -EINVAL);
	/* "." and ".." come first with the right inode numbers. */
	req.len = 64;
	assert_true(h_call(&H, &req, NULL, NULL, NULL, 0) > 0);
	uint64_t ino;
	memcpy(&ino, H.out, sizeof(ino));
	assert_string_equal((char *)H.out + H_DIRENT_NAME, ".");
	struct tern_fs_stat st;
	assert_int_equal(h_stat(&H, "/d", 0, &st), 0);
	assert_int_equal(ino, st.ino);

	/* Changes while a listing runs: each name present throughout shows once,
	 * names added after it began never show. */
	uint64_t cookie = 0;
	int seen[50] = {0};
	int rounds = 0;
	for (;;) {
		struct tern_fs_request r = {.op = TERN_FS_GETDENTS, .handle = fd, .offset = cookie, .len = 64};
		int64_t n = h_call(&H, &r, NULL, NULL, NULL, 0);
		assert_true(n >= 0);
		if (n == 0)
			break;
		for (size_t off = 0; off < (size_t)n;) {
			uint16_t reclen;
			memcpy(&reclen, H.out + off + H_DIRENT_RECLEN, sizeof(reclen));
			const char *nm = (const char *)H.out + off + H_DIRENT_NAME;
			int idx;
			if (sscanf(nm, "file-%d", &idx) == 1) {
				assert_true(idx >= 0 && idx < 50);
				assert_int_equal(seen[idx], 0);
				seen[idx] = 1;
			} else if (strcmp(nm, ".") != 0 && strcmp(nm, "..") != 0) {
				fail_msg("listed %s, added after the listing began", nm);
			}
			off += reclen;
		}
		cookie = H.resp.offset;
		snprintf(name, sizeof(name), "/d/new-%d", rounds);
		h_put_file(&H, name, "", 0);
		snprintf(name, sizeof(name), "/d/file-%02d", 49 - rounds);
		if (rounds < 10)
			assert_int_equal(h_unlink(&H, name), 0);
		snprintf(name, sizeof(name), "/d/file-%02d", rounds * 2);
		char moved[32];
		snprintf(moved, sizeof(moved), "/d/moved-%d", rounds);
		if (rounds < 5)
			assert_int_equal(h_rename(&H, name, moved, 0), 0);
		rounds++;
	}
	for (int i = 0; i < 50; i++) {
		bool removed = i >= 40 || (i % 2 == 0 && i < 10);
		if (!seen[i] && !removed)
			fail_msg("file-%02d present throughout, never listed", i);
	}
	closes(fd);
	/* A removed directory lists nothing. */
	fd = must_open("/d", O_RDONLY | O_DIRECTORY, 0);
	assert_int_equal(h_mkdir(&H, "/e", 0755), 0);
	uint64_t e = must_open("/e", O_RDONLY, 0);
	assert_int_equal(h_rmdir(&H, "/e"), 0);
	req.handle = e;
	req.offset = 0;
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), -ENOENT);
	closes(e);
	/* A file is not a directory. */
	uint64_t f = must_open("/d/new-0", O_RDONLY, 0);
	req.handle = f;
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), -ENOTDIR);
	closes(f);
	closes(fd);
}

static void test_getpath(void **state)
{
	(void)state;
	char path[TERN_PATH_MAX];
	assert_int_equal(fs_mount_standard(H.fs), 0);
	assert_int_equal(h_mkdir(&H, "/a", 0755), 0);
	assert_int_equal(h_mkdir(&H, "/tmp/b", 0755), 0);
	h_put_file(&H, "/a/f", "x", 1);
	h_put_file(&H, "/tmp/b/g", "y", 1);
	uint64_t f = must_open("/a/f", O_RDONLY, 0);
	uint64_t g = must_open("/tmp/b/../b/g", O_RDONLY, 0);
	uint64_t b = must_open("/tmp/b", O_RDONLY, 0);
	uint64_t tmp = must_open("/tmp", O_RDONLY, 0);
	assert_int_equal(h_getpath(&H, f, path, sizeof(path)), 4);
	assert_string_equal(path, "/a/f");
	assert_true(h_getpath(&H, g, path, sizeof(path)) > 0);
	assert_string_equal(path, "/tmp/b/g");
	assert_true(h_getpath(&H, b, path, sizeof(path)) > 0);
	assert_string_equal(path, "/tmp/b");
	assert_true(h_getpath(&H, tmp, path, sizeof(path)) > 0);
	assert_string_equal(path, "/tmp");
	assert_true(h_getpath(&H, TERN_FS_ROOT_HANDLE, path, sizeof(path)) > 0);
	assert_string_equal(path, "/");
	/* Renames show; a removed file is " (deleted)". */
	assert_int_equal(h_rename(&H, "/a", "/c", 0), 0);
	assert_true(h_getpath(&H, f, path, sizeof(path)) > 0);
	assert_string_equal(path, "/c/f");
	assert_int_equal(h_unlink(&H, "/c/f"), 0);
	assert_true(h_getpath(&H, f, path, sizeof(path)) > 0);
	assert_string_equal(path, "/c/f (deleted)");
	assert_int_equal(H.resp.offset, 1);
	/* Still readable after removal. */
	char c;
	assert_int_equal(h_read(&H, f, 0, &c, 1), 1);
	assert_int_equal(c, 'x');
	closes(f);
	assert_int_equal(h_unlink(&H, "/tmp/b/g"), 0);
	assert_int_equal(h_rmdir(&H, "/tmp/b"), 0);
	assert_true(h_getpath(&H, b, path, sizeof(path)) > 0);
	assert_string_equal(path, "/tmp/b (deleted)");
	assert_true(h_getpath(&H, g, path, sizeof(path)) > 0);
	assert_string_equal(path, "/tmp/b/g (deleted)");
	closes(g);
	closes(b);
	closes(tmp);
	assert_int_equal(h_getpath(&H, g, path, sizeof(path)), -EBADF);
}

static void test_tmpfile(void **state)
{
	(void)state;
	char path[TERN_PATH_MAX];
	assert_int_equal(h_mkdir(&H, "/t", 0755), 0);
	uint64_t nodes = h_usage(&H).nodes;
	uint64_t fd = must_open("/t", O_TMPFILE | O_RDWR, 0600);
	assert_int_equal(H.resp.stat.nlink, 0);
	assert_int_equal(h_write(&H, fd, 0, "tmp", 3), 3);
	assert_true(h_getpath(&H, fd, path, sizeof(path)) > 0);
	assert_non_null(strstr(path, "/t/#"));
	assert_non_null(strstr(path, " (deleted)"));
	/* LINK by the handle gives it a name. */
	struct tern_fs_request req = {.op = TERN_FS_LINK, .handle = fd, .handle2 = TERN_FS_ROOT_HANDLE,
				      .arg0 = AT_EMPTY_PATH};
	assert_int_equal(h_call(&H, &req, "", "/t/named", NULL, 0), 0);
	closes(fd);
	char buf[8] = {0};
	assert_int_equal(h_get_file(&H, "/t/named", buf, sizeof(buf)), 3);
	assert_string_equal(buf, "tmp");
	/* O_EXCL: never linkable; closing frees it. */
	fd = must_open("/t", O_TMPFILE | O_RDWR | O_EXCL, 0600);
	assert_int_equal(h_write(&H, fd, 0, "x", 1), 1);
	req.handle = fd;
	assert_int_equal(h_call(&H, &req, "", "/t/other", NULL, 0), -ENOENT);
	closes(fd);
	assert_int_equal(h_usage(&H).nodes, nodes + 1);
	assert_int_equal(h_open(&H, "/t", O_TMPFILE | O_RDONLY, 0600), -EINVAL);
	assert_int_equal(h_open(&H, "/t/named", O_TMPFILE | O_RDWR, 0600), -ENOTDIR);
}

static void test_text_busy(void **state)
{
	(void)state;
	h_put_file(&H, "/prog", "\x7f" "ELF", 4);
	struct tern_fs_setattr attr = {.mode = 0755};
	assert_int_equal(h_setattr(&H, "/prog", TERN_ATTR_MODE, &attr), 0);
	uint64_t w = must_open("/prog", O_WRONLY, 0);
	assert_int_equal(h_open(&H, "/prog", O_RDONLY | TERN_O_EXEC, 0), -ETXTBSY);
	closes(w);
	uint64_t x = must_open("/prog", O_RDONLY | TERN_O_EXEC, 0);
	assert_int_equal(h_open(&H, "/prog", O_WRONLY, 0), -ETXTBSY);
	assert_int_equal(h_open(&H, "/prog", O_RDONLY | O_TRUNC, 0), -ETXTBSY);
	assert_int_equal(h_truncate(&H, "/prog", 0), -ETXTBSY);
	closes(x);
	w = must_open("/prog", O_WRONLY, 0);
	closes(w);
}

/* A page limit: writes run out with ENOSPC (or short), statfs reports it, and pages come back. */
static void test_page_limit_and_statfs(void **state)
{
	(void)state;
	h_finish(&H);
	h_init(&H, 16);
	static unsigned char data[32 * PAGE];
	fill(data, sizeof(data), 5);
	uint64_t fd = must_open("/f", O_CREAT | O_RDWR, 0644);
	int64_t n = h_write(&H, fd, 0, data, sizeof(data));
	assert_true(n > 0 && n < (int64_t)sizeof(data));
	assert_true(h_usage(&H).pages <= 16);
	struct tern_fs_request req = {.op = TERN_FS_WRITE_PAGES, .handle = fd, .offset = sizeof(data), .len = 1};
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), -ENOSPC);
	struct tern_fs_request sf = {.op = TERN_FS_STATFS, .handle = TERN_FS_ROOT_HANDLE};
	assert_int_equal(h_call(&H, &sf, "/", NULL, NULL, 0), 0);
	struct tern_fs_statfs st;
	assert_int_equal(H.resp.data_len, sizeof(st));
	memcpy(&st, H.out, sizeof(st));
	assert_int_equal(st.blocks, 16);
	assert_int_equal(st.bfree, 16 - h_usage(&H).pages);
	assert_int_equal(st.bsize, PAGE);
	assert_int_equal(st.namelen, TERN_NAME_MAX);
	/* What was written reads back. */
	static unsigned char back[32 * PAGE];
	assert_int_equal(h_read(&H, fd, 0, back, (size_t)n), n);
	assert_memory_equal(back, data, (size_t)n);
	closes(fd);
	assert_int_equal(h_unlink(&H, "/f"), 0);
	assert_int_equal(h_usage(&H).pages, 0);
	/* Room again. */
	h_put_file(&H, "/g", data, 8 * PAGE);
}

/* One request straight through fs_handle with `cap` bytes of output. */
static int64_t small_call(struct tern_fs_request *req, const char *path, size_t cap, struct tern_fs_response *resp)
{
	size_t len = path != NULL ? strlen(path) : 0;
	char *in = malloc(len + 1);
	unsigned char *out = malloc(cap + 1);
	assert_non_null(in);
	assert_non_null(out);
	memcpy(in, path != NULL ? path : "", len);
	req->slot = 77;
	req->path_len = (uint32_t)len;
	req->data_len = (uint32_t)len;
	assert_int_equal(fs_handle(H.fs, req, in, len, out, cap, resp), FS_DONE);
	free(in);
	free(out);
	return resp->result;
}

/* Output room smaller than an answer: short answers, EINVAL or ERANGE, never an overflow. */
static void test_small_output_buffers(void **state)
{
	(void)state;
	static unsigned char data[3 * PAGE];
	fill(data, sizeof(data), 4);
	h_put_file(&H, "/f", data, sizeof(data));
	uint64_t fd = must_open("/f", O_RDWR, 0);
	struct tern_fs_response resp;
	struct tern_fs_request req = {.op = TERN_FS_READ_PAGES, .handle = fd, .offset = 100, .len = 3 * PAGE};
	assert_int_equal(small_call(&req, NULL, sizeof(uint64_t), &resp), PAGE - 100);
	assert_int_equal(resp.data_len, sizeof(uint64_t));
	assert_int_equal(small_call(&req, NULL, 2 * sizeof(uint64_t) + 3, &resp), 2 * PAGE - 100);
	assert_int_equal(small_call(&req, NULL, 7, &resp), -EINVAL);
	req.op = TERN_FS_WRITE_PAGES;
	assert_int_equal(small_call(&req, NULL, sizeof(uint64_t), &resp), PAGE - 100);
	assert_int_equal(small_call(&req, NULL, 0, &resp), -EINVAL);
	req = (struct tern_fs_request){.op = TERN_FS_GETPATH, .handle = fd};
	assert_int_equal(small_call(&req, NULL, 1, &resp), -ERANGE);
	assert_int_equal(small_call(&req, NULL, 2, &resp), 2);
	req = (struct tern_fs_request){.op = TERN_FS_STATFS, .handle = TERN_FS_ROOT_HANDLE};
	assert_int_equal(small_call(&req, "/", sizeof(struct tern_fs_statfs) - 1, &resp), -EINVAL);
	assert_int_equal(h_symlink(&H, "/some/target", "/sl"), 0);
	req = (struct tern_fs_request){.op = TERN_FS_READLINK, .handle = TERN_FS_ROOT_HANDLE};
	assert_int_equal(small_call(&req, "/sl", 4, &resp), 4);
	assert_int_equal(resp.data_len, 4);
	assert_int_equal(h_mkdir(&H, "/d", 0755), 0);
	uint64_t d = must_open("/d", O_RDONLY, 0);
	req = (struct tern_fs_request){.op = TERN_FS_GETDENTS, .handle = d, .len = 4096};
	assert_int_equal(small_call(&req, NULL, 23, &resp), -EINVAL);
	assert_int_equal(small_call(&req, NULL, 24, &resp), 24);
	req = (struct tern_fs_request){.op = TERN_FS_OPEN, .handle = TERN_FS_ROOT_HANDLE, .arg0 = O_RDONLY};
	assert_int_equal(fs_mount_standard(H.fs), 0);
	assert_int_equal(small_call(&req, "/proc/self/stat", 4, &resp), -ENAMETOOLONG);
	closes(d);
	closes(fd);
}

/* GETPATH of a node deeper than PATH_MAX: ENAMETOOLONG. */
static void test_getpath_too_long(void **state)
{
	(void)state;
	enum { LEVELS = 17 };
	char name[TERN_NAME_MAX + 1], path[TERN_PATH_MAX];
	memset(name, 'd', TERN_NAME_MAX);
	name[TERN_NAME_MAX] = '\0';
	uint64_t dirs[LEVELS + 1];
	dirs[0] = TERN_FS_ROOT_HANDLE;
	for (int i = 1; i <= LEVELS; i++) {
		struct tern_fs_request mk = {.op = TERN_FS_MKDIR, .handle = dirs[i - 1], .arg0 = 0755};
		assert_int_equal(h_call(&H, &mk, name, NULL, NULL, 0), 0);
		int64_t fd = h_openat(&H, dirs[i - 1], name, O_RDONLY | O_DIRECTORY, 0);
		assert_true(fd > 0);
		dirs[i] = (uint64_t)fd;
	}
	assert_int_equal(h_getpath(&H, dirs[15], path, sizeof(path)), 15 * (TERN_NAME_MAX + 1));
	assert_int_equal(h_getpath(&H, dirs[16], path, sizeof(path)), -ENAMETOOLONG);
	assert_int_equal(h_getpath(&H, dirs[LEVELS], path, sizeof(path)), -ENAMETOOLONG);
	for (int i = LEVELS; i >= 1; i--) {
		struct tern_fs_request rm = {.op = TERN_FS_UNLINK, .handle = dirs[i - 1], .arg0 = AT_REMOVEDIR};
		assert_int_equal(h_call(&H, &rm, name, NULL, NULL, 0), 0);
	}
	for (int i = 1; i <= LEVELS; i++)
		closes(dirs[i]);
	assert_int_equal(h_usage(&H).nodes, 1);
}

/* Everything given back: handles, nodes, pages, across a busy session. */
static void test_usage_returns_to_zero(void **state)
{
	(void)state;
	static unsigned char data[3 * PAGE];
	fill(data, sizeof(data), 2);
	assert_int_equal(fs_mount_standard(H.fs), 0);
	struct fs_usage u0 = h_usage(&H);
	uint64_t fds[10];
	char name[32];
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "/tmp/f%d", i);
		fds[i] = must_open(name, O_CREAT | O_RDWR, 0644);
		assert_int_equal(h_write(&H, fds[i], (uint64_t)i * PAGE, data, sizeof(data)), sizeof(data));
	}
	struct fs_usage u = h_usage(&H);
	assert_int_equal(u.handles, 10);
	assert_int_equal(u.nodes, u0.nodes + 10);
	assert_true(u.pages >= 30);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "/tmp/f%d", i);
		assert_int_equal(h_unlink(&H, name), 0);
	}
	/* Open files outlive their names. */
	assert_int_equal(h_usage(&H).nodes, u0.nodes + 10);
	for (int i = 0; i < 10; i++)
		closes(fds[i]);
	u = h_usage(&H);
	assert_int_equal(u.handles, 0);
	assert_int_equal(u.nodes, u0.nodes);
	assert_int_equal(u.pages, u0.pages);
	assert_int_equal(u.pending, 0);
	/* Many handles at once: the table grows, and every one closes. */
	enum { MANY_HANDLES = 300 };
	static uint64_t many[MANY_HANDLES];
	for (int i = 0; i < MANY_HANDLES; i++)
		many[i] = must_open("/tmp", O_RDONLY, 0);
	assert_int_equal(h_usage(&H).handles, MANY_HANDLES);
	for (int i = 0; i < MANY_HANDLES; i += 2)
		closes(many[i]);
	for (int i = 0; i < MANY_HANDLES; i += 2)
		many[i] = must_open("/dev", O_RDONLY, 0);
	for (int i = 0; i < MANY_HANDLES; i++)
		closes(many[i]);
	/* A handle id, once closed, is not reused as the same id. */
	uint64_t a = must_open("/tmp", O_RDONLY, 0);
	closes(a);
	uint64_t b = must_open("/tmp", O_RDONLY, 0);
	assert_true(a != b);
	assert_int_equal(h_close(&H, a), -EBADF);
	closes(b);
}

/* Destroying a service with open handles, files and mounts frees it all (ASan and the tracker check). */
static void test_destroy_busy(void **state)
{
	(void)state;
	assert_int_equal(fs_mount_standard(H.fs), 0);
	h_put_file(&H, "/tmp/x", "x", 1);
	must_open("/tmp/x", O_RDWR, 0);
	uint64_t fd = must_open("/y", O_CREAT | O_RDWR, 0644);
	assert_int_equal(h_write(&H, fd, 5 * PAGE, "y", 1), 1);
	assert_int_equal(h_unlink(&H, "/y"), 0);
	assert_int_equal(h_mkdir(&H, "/gone", 0755), 0);
	must_open("/gone", O_RDONLY, 0);
	assert_int_equal(h_rmdir(&H, "/gone"), 0);
	must_open("/tmp", O_TMPFILE | O_RDWR, 0600);
	h_destroy(&H);
	h_init(&H, 0); /* for the teardown */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_read_roundtrip, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_holes_and_sparse, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_tail_kept_zero, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_append_and_access_modes, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_write_undo, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_write_limits, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_copy, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_fallocate_and_seek, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_getdents, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_getpath, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_tmpfile, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_text_busy, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_page_limit_and_statfs, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_small_output_buffers, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_getpath_too_long, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_usage_returns_to_zero, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_busy, h_setup, h_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
