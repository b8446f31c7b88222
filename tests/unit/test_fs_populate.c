/*
 * fs_populate_cpio: cpio newc archives built here in memory (files,
 * directories, symlinks, device nodes, hard links, prefixes, replacement,
 * several archives in a row), checked through fs_handle; and damaged ones
 * (truncated at every length, random bytes changed, bad entries) that must
 * give -EINVAL or skips, never a crash or a leak. Each archive is handed
 * over in an exact-size heap copy so ASan sees any read past it.
 */
#include <string.h>

#include "fs_harness.h"
#include "unit_test.h"

#include "fs/fs_abi.h"

#define NEWC_MAGIC "070701"
#define NEWC_HEADER 110
#define NEWC_FIELDS 13
#define TRAILER_NAME "TRAILER!!!"
#define MTIME 1600000000u
#define ERR_MAX 4096
#define TEXT_MAX (16 * 1024)

struct cpio_buf {
	unsigned char *data;
	size_t len, cap;
};

struct cpio_meta {
	uint32_t ino, mode, uid, gid, nlink, mtime, rdev_major, rdev_minor;
};


static void emit(struct cpio_buf *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = 2 * (b->len + n) + 256;
		b->data = realloc(b->data, b->cap);
		assert_non_null(b->data);
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void align4(struct cpio_buf *b)
{
	static const unsigned char zeros[4];
	emit(b, zeros, (4 - b->len % 4) % 4);
}

static void entry(struct cpio_buf *b, const char *name, const struct cpio_meta *m, const void *data, size_t len)
{
	uint32_t fields[NEWC_FIELDS] = {m->ino,  m->mode,      m->uid,        m->gid, m->nlink, m->mtime,
					(uint32_t)len, 0,      0,        m->rdev_major, m->rdev_minor,
					(uint32_t)strlen(name) + 1, 0};
	char header[NEWC_HEADER + 1];
	memcpy(header, NEWC_MAGIC, 6);
	for (int i = 0; i < NEWC_FIELDS; i++)
		snprintf(header + 6 + 8 * i, 9, "%08X", fields[i]);
	emit(b, header, NEWC_HEADER);
	emit(b, name, strlen(name) + 1);
	align4(b);
	emit(b, data, len);
	align4(b);
}

static uint32_t next_ino = 1000;

static void file(struct cpio_buf *b, const char *name, uint32_t perm, const char *text)
{
	struct cpio_meta m = {.ino = next_ino++, .mode = S_IFREG | perm, .uid = 5, .gid = 6, .nlink = 1,
			      .mtime = MTIME};
	entry(b, name, &m, text, strlen(text));
}

static void dir(struct cpio_buf *b, const char *name, uint32_t perm)
{
	struct cpio_meta m = {.ino = next_ino++, .mode = S_IFDIR | perm, .nlink = 2, .mtime = MTIME + 1};
	entry(b, name, &m, NULL, 0);
}

static void symlink_entry(struct cpio_buf *b, const char *name, const char *target)
{
	struct cpio_meta m = {.ino = next_ino++, .mode = S_IFLNK | 0777, .nlink = 1, .mtime = MTIME};
	entry(b, name, &m, target, strlen(target));
}

static void trailer(struct cpio_buf *b)
{
	struct cpio_meta m = {.nlink = 1};
	entry(b, TRAILER_NAME, &m, NULL, 0);
}

/* Populates from an exact-size copy of the archive. */
static int populate(const struct cpio_buf *b, size_t len, char *err, size_t errlen)
{
	unsigned char *copy = malloc(len > 0 ? len : 1);
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, b->data, len);
	int r = fs_populate_cpio(H.fs, copy, len, err, errlen);
	free(copy);
	return r;
}

static void expect_file(const char *path, const char *text)
{
	static char buf[TEXT_MAX];
	int64_t n = h_get_file(&H, path, buf, sizeof(buf) - 1);
	if (n < 0)
		fail_msg("%s: %lld", path, (long long)n);
	buf[n] = '\0';
	assert_string_equal(buf, text);
}

static struct tern_fs_stat stat_of(const char *path)
{
	struct tern_fs_stat st;
	assert_int_equal(h_stat(&H, path, AT_SYMLINK_NOFOLLOW, &st), 0);
	return st;
}

static void test_basic_tree(void **state)
{
	(void)state;
	struct cpio_buf b = {0};
	dir(&b, "bin", 0755);
	file(&b, "bin/hello", 0755, "#!/bin/sh\necho hi\n");
	file(&b, "./etc/motd", 0644, "welcome\n"); /* parent made on the way */
	symlink_entry(&b, "sbin", "bin");
	symlink_entry(&b, "/abs", "/etc/motd");
	struct cpio_meta chr = {.ino = 1, .mode = S_IFCHR | 0600, .nlink = 1, .rdev_major = 5, .rdev_minor = 1};
	entry(&b, "console", &chr, NULL, 0);
	struct cpio_meta fifo = {.ino = 2, .mode = S_IFIFO | 0644, .nlink = 1};
	entry(&b, "fifo", &fifo, NULL, 0);
	static char big[3 * 4096 + 17];
	memset(big, 'B', sizeof(big) - 1);
	file(&b, "big", 0600, big);
	trailer(&b);
	char err[ERR_MAX];
	assert_int_equal(populate(&b, b.len, err, sizeof(err)), 0);
	assert_string_equal(err, "");

	expect_file("/bin/hello", "#!/bin/sh\necho hi\n");
	expect_file("/sbin/hello", "#!/bin/sh\necho hi\n");
	expect_file("/etc/motd", "welcome\n");
	expect_file("/abs", "welcome\n");
	expect_file("/big", big);
	struct tern_fs_stat st = stat_of("/bin/hello");
	assert_int_equal(st.mode, S_IFREG | 0755);
	assert_int_equal(st.uid, 5);
	assert_int_equal(st.gid, 6);
	assert_int_equal(st.mtime.sec, MTIME);
	assert_int_equal(st.nlink, 1);
	/* A directory's mtime is the archive's, set after its entries were added. */
	st = stat_of("/bin");
	assert_int_equal(st.mode, S_IFDIR | 0755);
	assert_int_equal(st.mtime.sec, MTIME + 1);
	assert_int_equal(stat_of("/etc").mode, S_IFDIR | 0755);
	st = stat_of("/sbin");
	assert_int_equal(st.mode, S_IFLNK | 0777);
	assert_int_equal(st.size, 3);
	st = stat_of("/console");
	assert_int_equal(st.mode, S_IFCHR | 0600);
	assert_int_equal(st.rdev, fs_makedev(5, 1));
	assert_int_equal(stat_of("/fifo").mode, S_IFIFO | 0644);
	/* It is an ordinary tree: the service can change it. */
	assert_int_equal(h_unlink(&H, "/bin/hello"), 0);
	assert_int_equal(h_rmdir(&H, "/bin"), 0);
	free(b.data);
}

static void test_hard_links(void **state)
{
	(void)state;
	struct cpio_buf b = {0};
	/* newc gives the data with the last name of the file. */
	struct cpio_meta m = {.ino = 77, .mode = S_IFREG | 0644, .nlink = 3, .mtime = MTIME};
	entry(&b, "a", &m, NULL, 0);
	dir(&b, "d", 0755);
	entry(&b, "d/b", &m, NULL, 0);
	entry(&b, "c", &m, "shared", 6);
	/* The same inode number with a single link is a file of its own. */
	struct cpio_meta other = m;
	other.nlink = 1;
	entry(&b, "other", &other, "x", 1);
	trailer(&b);
	assert_int_equal(populate(&b, b.len, NULL, 0), 0);
	struct tern_fs_stat a = stat_of("/a"), db = stat_of("/d/b"), c = stat_of("/c");
	assert_int_equal(a.ino, db.ino);
	assert_int_equal(a.ino, c.ino);
	assert_int_equal(a.nlink, 3);
	expect_file("/a", "shared");
	expect_file("/d/b", "shared");
	expect_file("/other", "x");
	free(b.data);
}

static void test_replace_merge_and_root(void **state)
{
	(void)state;
	struct cpio_buf b = {0};
	struct cpio_meta root = {.ino = 1, .mode = S_IFDIR | 0700, .uid = 9, .nlink = 2, .mtime = MTIME + 5};
	entry(&b, ".", &root, NULL, 0);
	file(&b, "f", 0644, "first");
	file(&b, "f", 0600, "second");
	dir(&b, "d", 0755);
	file(&b, "d/x", 0644, "x");
	dir(&b, "d", 0711); /* merges, keeps x */
	file(&b, "d", 0644, "not a dir"); /* d is not empty: skipped */
	dir(&b, "e", 0755);
	file(&b, "e", 0644, "was a dir"); /* empty: replaced */
	symlink_entry(&b, "f", "elsewhere"); /* a file replaced by a symlink */
	trailer(&b);
	char err[ERR_MAX];
	assert_int_equal(populate(&b, b.len, err, sizeof(err)), 1);
	assert_non_null(strstr(err, "d: "));
	struct tern_fs_stat st = stat_of("/");
	assert_int_equal(st.mode, S_IFDIR | 0700);
	assert_int_equal(st.uid, 9);
	assert_int_equal(st.mtime.sec, MTIME + 5);
	assert_int_equal(stat_of("/d").mode, S_IFDIR | 0711);
	expect_file("/d/x", "x");
	expect_file("/e", "was a dir");
	assert_int_equal(stat_of("/f").mode & S_IFMT, S_IFLNK);
	free(b.data);
}

static void test_bad_entries_skipped(void **state)
{
	(void)state;
	struct cpio_buf b = {0};
	file(&b, "../escape", 0644, "no");
	file(&b, "a/../../escape2", 0644, "no");
	file(&b, "ok", 0644, "yes");
	file(&b, "ok/under", 0644, "no"); /* a parent that is a file */
	symlink_entry(&b, "empty-link", "");
	struct cpio_meta weird = {.ino = 3, .mode = 0170000 | 0644, .nlink = 1};
	entry(&b, "weird", &weird, NULL, 0);
	char longname[TERN_NAME_MAX + 10];
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	file(&b, longname, 0644, "no");
	struct cpio_meta not_dir_root = {.ino = 4, .mode = S_IFREG | 0644, .nlink = 1};
	entry(&b, ".", &not_dir_root, NULL, 0);
	trailer(&b);
	char err[ERR_MAX];
	assert_int_equal(populate(&b, b.len, err, sizeof(err)), 7);
	expect_file("/ok", "yes");
	char names[TEXT_MAX];
	assert_true(h_list_sorted(&H, "/", names, sizeof(names)) >= 0);
	assert_string_equal(names, "ok");
	assert_non_null(strstr(err, "../escape"));
	assert_non_null(strstr(err, "weird"));
	/* The message is cut to errlen and terminated. */
	char small[8];
	memset(small, 'x', sizeof(small));
	h_finish(&H);
	h_init(&H, 0);
	assert_int_equal(populate(&b, b.len, small, sizeof(small)), 7);
	assert_true(strlen(small) < sizeof(small));
	char one[1] = {'x'};
	h_finish(&H);
	h_init(&H, 0);
	assert_int_equal(populate(&b, b.len, one, sizeof(one)), 7);
	assert_int_equal(one[0], '\0');
	free(b.data);
}

static void test_concatenated_archives(void **state)
{
	(void)state;
	struct cpio_buf b = {0};
	file(&b, "one", 0644, "1");
	trailer(&b);
	static const unsigned char pad[512];
	emit(&b, pad, sizeof(pad));
	file(&b, "two", 0644, "2");
	file(&b, "one", 0644, "1 again");
	trailer(&b);
	emit(&b, pad, 3); /* trailing zeros, not a multiple of 4 */
	assert_int_equal(populate(&b, b.len, NULL, 0), 0);
	expect_file("/one", "1 again");
	expect_file("/two", "2");
	free(b.data);
}

/* A corrupt archive: -EINVAL, what came before stays, nothing leaks. */
static void test_corrupt(void **state)
{
	(void)state;
	struct cpio_buf b = {0};
	file(&b, "before", 0644, "kept");
	size_t damage = b.len;
	file(&b, "after", 0644, "lost");
	trailer(&b);
	b.data[damage] = 'X'; /* bad magic */
	char err[ERR_MAX];
	assert_int_equal(populate(&b, b.len, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "archive"));
	expect_file("/before", "kept");
	assert_int_equal(h_stat(&H, "/after", 0, NULL), -ENOENT);
	/* No trailer at all, and not an archive at all. */
	h_finish(&H);
	h_init(&H, 0);
	assert_int_equal(populate(&b, damage, NULL, 0), -EINVAL);
	static const char junk[] = "this is not a cpio archive, not at all, no, really not, it is a long sentence "
				   "that goes on for more than one hundred and ten bytes";
	struct cpio_buf j = {0};
	emit(&j, junk, sizeof(junk));
	assert_int_equal(populate(&j, j.len, NULL, 0), -EINVAL);
	free(j.data);
	free(b.data);
}

static struct cpio_buf sample(void)
{
	struct cpio_buf b = {0};
	dir(&b, "d", 0755);
	file(&b, "d/f", 0644, "some file data that spans a little");
	symlink_entry(&b, "d/l", "f");
	struct cpio_meta m = {.ino = 55, .mode = S_IFREG | 0644, .nlink = 2};
	entry(&b, "h1", &m, NULL, 0);
	entry(&b, "d/h2", &m, "linked", 6);
	dir(&b, "d/e", 0700);
	file(&b, "d/e/g", 0600, "g");
	trailer(&b);
	return b;
}

/* Every truncation of a valid archive: -EINVAL (0 for all or none of it), no crash, no leak. */
static void test_truncated_everywhere(void **state)
{
	(void)state;
	struct cpio_buf b = sample();
	for (size_t len = 0; len <= b.len; len++) {
		h_finish(&H);
		h_init(&H, 0);
		int r = populate(&b, len, NULL, 0);
		if (len == b.len || len == 0)
			assert_int_equal(r, 0); /* all of it, or an empty archive: nothing to import */
		else
			assert_int_equal(r, -EINVAL);
	}
	expect_file("/d/h2", "linked");
	free(b.data);
}

/* Random bytes changed: whatever it gives, the service stays whole. */
static void test_random_corruption(void **state)
{
	(void)state;
	enum { ROUNDS = 400 };
	static const char alphabet[] = "0123456789ABCDEFabcdef/.\0\xff";
	rng_seed(unit_seed() ^ 0x63706f);
	struct cpio_buf b = sample();
	unsigned char *orig = malloc(b.len);
	assert_non_null(orig);
	memcpy(orig, b.data, b.len);
	char err[64];
	for (int round = 0; round < ROUNDS; round++) {
		memcpy(b.data, orig, b.len);
		int flips = 1 + (int)rng_below(4);
		for (int k = 0; k < flips; k++)
			b.data[rng_below(b.len)] = (unsigned char)alphabet[rng_below(sizeof(alphabet) - 1)];
		h_finish(&H);
		h_init(&H, 0);
		int r = populate(&b, b.len, err, sizeof(err));
		assert_true(r == -EINVAL || r >= 0);
		assert_true(strlen(err) < sizeof(err));
		/* Whatever was imported lists and stats without trouble. */
		char names[TEXT_MAX];
		assert_true(h_list_sorted(&H, "/", names, sizeof(names)) >= 0);
		assert_int_equal(h_usage(&H).handles, 0);
	}
	free(orig);
	free(b.data);
}

/* Out of pages: -ENOSPC, and everything still comes back at destroy. */
static void test_out_of_space(void **state)
{
	(void)state;
	h_finish(&H);
	h_init(&H, 4);
	struct cpio_buf b = {0};
	static char big[8 * 4096];
	memset(big, 'z', sizeof(big) - 1);
	file(&b, "small", 0644, "s");
	file(&b, "big", 0644, big);
	trailer(&b);
	char err[ERR_MAX];
	assert_int_equal(populate(&b, b.len, err, sizeof(err)), -ENOSPC);
	expect_file("/small", "s");
	free(b.data);
}

/* Mode bits beyond the type and permissions (a damaged header) do not reach stat. */
static void test_mode_bits_masked(void **state)
{
	(void)state;
	struct cpio_buf b = {0};
	struct cpio_meta m = {.ino = 8, .mode = 0x10000000u | S_IFREG | 0644, .nlink = 1};
	entry(&b, "f", &m, "x", 1);
	struct cpio_meta d = {.ino = 9, .mode = 0x20000000u | S_IFDIR | 0755, .nlink = 2};
	entry(&b, "d", &d, NULL, 0);
	entry(&b, ".", &d, NULL, 0);
	trailer(&b);
	int r = populate(&b, b.len, NULL, 0);
	free(b.data);
	assert_true(r >= 0);
	if (r > 0)
		return; /* skipping such entries is as good */
	uint32_t modes[] = {stat_of("/f").mode, stat_of("/d").mode, stat_of("/").mode};
	assert_int_equal(modes[0], S_IFREG | 0644);
	assert_int_equal(modes[1], S_IFDIR | 0755);
	assert_int_equal(modes[2], S_IFDIR | 0755);
}

/* Populating under a mount point goes into the root file system, hidden by the mount. */
static void test_under_mounts(void **state)
{
	(void)state;
	assert_int_equal(fs_mount_standard(H.fs), 0);
	struct cpio_buf b = {0};
	file(&b, "tmp/hidden", 0644, "h");
	file(&b, "dev", 0644, "replaces a mount point?");
	file(&b, "visible", 0644, "v");
	trailer(&b);
	char err[ERR_MAX];
	assert_int_equal(populate(&b, b.len, err, sizeof(err)), 1);
	assert_int_equal(h_stat(&H, "/tmp/hidden", 0, NULL), -ENOENT);
	assert_int_equal(stat_of("/dev").mode & S_IFMT, S_IFDIR);
	expect_file("/visible", "v");
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_basic_tree, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_hard_links, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_replace_merge_and_root, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_bad_entries_skipped, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_concatenated_archives, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_truncated_everywhere, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_random_corruption, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_out_of_space, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_under_mounts, h_setup, h_teardown),
		cmocka_unit_test_setup_teardown(test_mode_bits_masked, h_setup, h_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
