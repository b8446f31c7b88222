/*
 * kernel/lib/cpio.c: reading newc archives built here and by the real cpio
 * tool, and rejecting malformed ones. Every archive is handed to the reader in
 * an exact-size heap copy, so ASan proves it never reads outside it.
 */
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_test.h"

#include "lib/cpio.h"

#define HEADER_SIZE 110
#define TRAILER "TRAILER!!!"

struct archive {
	unsigned char *buf;
	size_t len, cap;
};

struct fields {
	uint32_t ino, mode, uid, gid, nlink, mtime, dev_major, dev_minor, rdev_major, rdev_minor, check;
};

static void put(struct archive *a, const void *p, size_t n)
{
	if (n == 0)
		return;
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 64;
		a->buf = realloc(a->buf, a->cap);
		assert_non_null(a->buf);
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void pad4(struct archive *a)
{
	static const char zeros[4];
	put(a, zeros, (4 - a->len % 4) % 4);
}

/* Appends one entry; namesize and filesize are what the header claims. */
static void add_raw(struct archive *a, const char *magic, const struct fields *f, const char *name,
		    uint32_t namesize, const void *data, size_t data_len, uint32_t filesize, bool lowercase)
{
	char header[HEADER_SIZE + 1];
	const char *hex = lowercase ? "%08x" : "%08X";
	uint32_t values[13] = {f->ino,       f->mode,      f->uid,        f->gid,        f->nlink,
			       f->mtime,     filesize,     f->dev_major,  f->dev_minor,  f->rdev_major,
			       f->rdev_minor, namesize,    f->check};

	memcpy(header, magic, 6);
	for (int i = 0; i < 13; i++) {
		char field[9];
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(field, sizeof(field), hex, values[i]);
#pragma GCC diagnostic pop
		memcpy(header + 6 + 8 * i, field, 8);
	}
	put(a, header, HEADER_SIZE);
	put(a, name, strlen(name) + 1);
	pad4(a);
	put(a, data, data_len);
	pad4(a);
}

static void add_file(struct archive *a, const char *name, uint32_t mode, const void *data, size_t len)
{
	struct fields f = {.ino = 100 + (uint32_t)a->len, .mode = mode, .nlink = 1, .mtime = 1700000000};
	add_raw(a, "070701", &f, name, (uint32_t)strlen(name) + 1, data, len, (uint32_t)len, false);
}

static void add_trailer(struct archive *a)
{
	struct fields f = {.nlink = 1};
	add_raw(a, "070701", &f, TRAILER, sizeof(TRAILER), NULL, 0, 0, false);
}

/* An exact-size copy of the first len bytes. */
static unsigned char *exact_copy(const void *p, size_t len)
{
	unsigned char *c = malloc(len ? len : 1);
	assert_non_null(c);
	memcpy(c, p, len);
	return c;
}

/* One step on a fresh copy (the entry's pointers dangle afterwards: status and offset only). */
static enum cpio_status next_in_copy(const struct archive *a, size_t len, size_t *offset, struct cpio_entry *e,
				     const char **error)
{
	unsigned char *c = exact_copy(a->buf, len);
	*error = NULL;
	enum cpio_status st = cpio_next(c, len, offset, e, error);
	free(c);
	return st;
}

/* Expects CPIO_ERROR at offset 0, with a reason, and *offset untouched. */
static void expect_error(const struct archive *a, size_t len)
{
	struct cpio_entry e;
	const char *error;
	size_t offset = 0;

	assert_int_equal(next_in_copy(a, len, &offset, &e, &error), CPIO_ERROR);
	assert_non_null(error);
	assert_int_equal(offset, 0);
}

static void test_single_file_fields(void **state)
{
	(void)state;
	struct archive a = {0};
	struct fields f = {.ino = 0x12345678, .mode = 0100644, .uid = 1000, .gid = 0xabcdef01, .nlink = 3,
			   .mtime = 0x65432100, .dev_major = 8, .dev_minor = 1, .rdev_major = 0xfe, .rdev_minor = 0xdc,
			   .check = 0};
	add_raw(&a, "070701", &f, "etc/hostname", 13, "tern\n", 5, 5, false);
	add_trailer(&a);

	unsigned char *c = exact_copy(a.buf, a.len);
	struct cpio_entry e;
	const char *error = NULL;
	size_t offset = 0;
	assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_ENTRY);
	assert_string_equal(e.name, "etc/hostname");
	assert_int_equal(e.name_len, 12);
	assert_ptr_equal(e.name, (const char *)c + HEADER_SIZE);
	assert_int_equal(e.data_len, 5);
	assert_ptr_equal(e.data, c + 124); /* 110 + 13 = 123, padded to 124 */
	assert_memory_equal(e.data, "tern\n", 5);
	assert_int_equal(e.ino, 0x12345678);
	assert_int_equal(e.mode, 0100644);
	assert_int_equal(e.uid, 1000);
	assert_int_equal(e.gid, 0xabcdef01);
	assert_int_equal(e.nlink, 3);
	assert_int_equal(e.mtime, 0x65432100);
	assert_int_equal(e.dev_major, 8);
	assert_int_equal(e.dev_minor, 1);
	assert_int_equal(e.rdev_major, 0xfe);
	assert_int_equal(e.rdev_minor, 0xdc);
	assert_int_equal(offset, 132);
	assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_END);
	assert_int_equal(offset, a.len);
	free(c);
	free(a.buf);
}

static void test_lowercase_hex_and_crc_magic(void **state)
{
	(void)state;
	struct archive a = {0};
	struct fields f = {.ino = 0xabcdef, .mode = 040755, .nlink = 2, .mtime = 0xfedcba98, .check = 0x1234};
	add_raw(&a, "070702", &f, "dir", 4, NULL, 0, 0, true);
	add_trailer(&a);

	unsigned char *c = exact_copy(a.buf, a.len);
	struct cpio_entry e;
	const char *error;
	size_t offset = 0;
	assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_ENTRY);
	assert_string_equal(e.name, "dir");
	assert_int_equal(e.ino, 0xabcdef);
	assert_int_equal(e.mode, 040755);
	assert_int_equal(e.mtime, 0xfedcba98);
	assert_int_equal(e.data_len, 0);
	assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_END);
	free(c);
	free(a.buf);
}

/* Every name length mod 4 against every data length mod 4: padding is right in all cases. */
static void test_alignment_combinations(void **state)
{
	(void)state;
	struct archive a = {0};
	char names[64][16];
	int n = 0;
	static const char data[] = "0123456789abcdef";

	for (int name_len = 1; name_len <= 8; name_len++) {
		for (int data_len = 0; data_len <= 7; data_len++) {
			snprintf(names[n], sizeof(names[n]), "%.*s", name_len, "nnnnnnnn");
			names[n][0] = (char)('A' + data_len);
			add_file(&a, names[n], 0100600, data, (size_t)data_len);
			n++;
		}
	}
	add_trailer(&a);

	unsigned char *c = exact_copy(a.buf, a.len);
	struct cpio_entry e;
	const char *error;
	size_t offset = 0;
	for (int i = 0; i < n; i++) {
		assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_ENTRY);
		assert_string_equal(e.name, names[i]);
		assert_int_equal(e.name_len, strlen(names[i]));
		assert_int_equal(e.data_len, (size_t)(i % 8));
		assert_memory_equal(e.data, data, e.data_len);
		assert_int_equal(offset % 4, 0);
	}
	assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_END);
	free(c);
	free(a.buf);
}

/* The real tool's output, from a directory made here. */
static void test_real_cpio_tool(void **state)
{
	(void)state;
	char dir[] = "/tmp/tern-cpio-XXXXXX";
	char path[256], cmd[512];

	if (access("/usr/bin/cpio", X_OK) != 0 && access("/bin/cpio", X_OK) != 0)
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0750), 0);
	snprintf(path, sizeof(path), "%s/sub/hello.txt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("hello from the host\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/empty", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(chmod(path, 0604), 0);
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink("sub/hello.txt", path), 0);

	snprintf(cmd, sizeof(cmd),
		 "cd %s && printf 'empty\\nlink\\nsub\\nsub/hello.txt\\n' | cpio --quiet -o -H newc --owner=0:0", dir);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	struct archive a = {0};
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), p)) > 0)
		put(&a, chunk, got);
	assert_int_equal(pclose(p), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(a.len % 512, 0); /* the tool pads to its block size */

	unsigned char *c = exact_copy(a.buf, a.len);
	struct cpio_entry e;
	const char *error = NULL;
	size_t offset = 0;

	assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_ENTRY);
	assert_string_equal(e.name, "empty");
	assert_int_equal(e.mode, 0100604);
	assert_int_equal(e.data_len, 0);
	assert_int_equal(e.uid, 0);
	assert_int_equal(e.gid, 0);

	assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_ENTRY);
	assert_string_equal(e.name, "link");
	assert_int_equal(e.mode & 0170000, 0120000);
	assert_int_equal(e.data_len, strlen("sub/hello.txt"));
	assert_memory_equal(e.data, "sub/hello.txt", e.data_len);

	assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_ENTRY);
	assert_string_equal(e.name, "sub");
	assert_int_equal(e.mode, 040750);
	assert_true(e.nlink >= 2);

	assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_ENTRY);
	assert_string_equal(e.name, "sub/hello.txt");
	assert_int_equal(e.mode & 0170000, 0100000);
	assert_int_equal(e.data_len, 20);
	assert_memory_equal(e.data, "hello from the host\n", 20);
	assert_int_equal(e.nlink, 1);

	assert_int_equal(cpio_next(c, a.len, &offset, &e, &error), CPIO_END);
	assert_true(offset <= a.len);
	free(c);

	/* Cut anywhere, the tool's archive gives an error or the end, within bounds. */
	for (size_t len = 0; len <= a.len; len++) {
		c = exact_copy(a.buf, len);
		enum cpio_status st;
		int entries = 0;
		offset = 0;
		while ((st = cpio_next(c, len, &offset, &e, &error)) == CPIO_ENTRY)
			assert_true(++entries <= 4);
		assert_true(st == CPIO_ERROR || (st == CPIO_END && entries == 4));
		free(c);
	}
	free(a.buf);
}

/*
 * Cuts a valid archive at every byte: the entries that fit whole come back
 * intact, then the reader stops with CPIO_ERROR, or CPIO_END once the
 * trailer's header and name are in.
 */
static void test_truncated_everywhere(void **state)
{
	(void)state;
	struct archive a = {0};
	size_t entry_end[3];

	add_file(&a, "a", 0100644, "x", 1);
	entry_end[0] = a.len - 3; /* data "x" ends before its padding */
	add_file(&a, "dir/b", 0100644, "0123456789", 10);
	entry_end[1] = a.len - 2;
	add_file(&a, "c", 0100644, NULL, 0);
	entry_end[2] = a.len; /* an empty file ends where its name's padding ends */
	size_t trailer_off = a.len;
	add_trailer(&a);
	size_t end_needed = trailer_off + ((HEADER_SIZE + sizeof(TRAILER) + 3) & ~(size_t)3);

	for (size_t len = 0; len <= a.len; len++) {
		unsigned char *c = exact_copy(a.buf, len);
		struct cpio_entry e;
		const char *error = NULL;
		size_t offset = 0;
		int entries = 0;
		enum cpio_status st;

		while ((st = cpio_next(c, len, &offset, &e, &error)) == CPIO_ENTRY) {
			assert_true(entries < 3);
			assert_true(offset <= len);
			assert_true((const unsigned char *)e.data + e.data_len <= c + len);
			entries++;
		}
		int want_entries = 0;
		while (want_entries < 3 && entry_end[want_entries] <= len)
			want_entries++;
		if (entries != want_entries)
			fail_msg("length %zu: %d entries, want %d", len, entries, want_entries);
		if (len >= end_needed) {
			assert_int_equal(st, CPIO_END);
		} else {
			assert_int_equal(st, CPIO_ERROR);
			assert_non_null(error);
		}
		free(c);
	}
	free(a.buf);
}

static void test_bad_magic(void **state)
{
	(void)state;
	static const char *const magics[] = {"070707", "070703", "070700", "707010", "\0\0\0\0\0\0", "07070 "};

	for (size_t i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
		struct archive a = {0};
		struct fields f = {.mode = 0100644};
		add_raw(&a, magics[i], &f, "x", 2, "d", 1, 1, false);
		add_trailer(&a);
		expect_error(&a, a.len);
		free(a.buf);
	}
}

static void test_bad_hex_digit(void **state)
{
	(void)state;
	static const char bad[] = {'g', 'G', ' ', '-', 'x', '\0', ':', '/', '@', '`'};
	struct archive good = {0};
	add_file(&good, "name", 0100644, "data", 4);
	add_trailer(&good);

	/* One bad character in each position of each of the 13 fields. */
	for (size_t pos = 6; pos < HEADER_SIZE; pos++) {
		for (size_t b = 0; b < sizeof(bad); b++) {
			struct archive a = {0};
			put(&a, good.buf, good.len);
			a.buf[pos] = (unsigned char)bad[b];
			expect_error(&a, a.len);
			free(a.buf);
		}
	}
	free(good.buf);
}

static void test_bad_sizes(void **state)
{
	(void)state;
	struct fields f = {.mode = 0100644, .nlink = 1};
	struct archive a;

	/* namesize 0 */
	a = (struct archive){0};
	add_raw(&a, "070701", &f, "x", 0, "d", 1, 1, false);
	add_trailer(&a);
	expect_error(&a, a.len);
	free(a.buf);

	/* namesize past the end, and huge */
	static const uint32_t namesizes[] = {200, 0x7fffffff, 0xffffffff};
	for (size_t i = 0; i < 3; i++) {
		a = (struct archive){0};
		add_raw(&a, "070701", &f, "name", namesizes[i], NULL, 0, 0, false);
		expect_error(&a, a.len);
		free(a.buf);
	}

	/* namesize one short: the last name byte is not a NUL */
	a = (struct archive){0};
	add_raw(&a, "070701", &f, "name", 4, NULL, 0, 0, false);
	add_trailer(&a);
	expect_error(&a, a.len);
	free(a.buf);

	/* a NUL inside the name */
	a = (struct archive){0};
	add_raw(&a, "070701", &f, "na", 5, NULL, 0, 0, false); /* "na\0" + pad: name bytes "na\0\0\0" */
	add_trailer(&a);
	expect_error(&a, a.len);
	free(a.buf);

	/* file size past the end, and huge */
	static const uint32_t filesizes[] = {5, 100, 0x7fffffff, 0xfffffffc, 0xffffffff};
	for (size_t i = 0; i < sizeof(filesizes) / sizeof(filesizes[0]); i++) {
		a = (struct archive){0};
		add_raw(&a, "070701", &f, "file", 5, "abcd", 4, filesizes[i], false);
		expect_error(&a, a.len);
		free(a.buf);
	}

	/* the name alone ends the archive: no room for the data's padding */
	a = (struct archive){0};
	add_raw(&a, "070701", &f, "file", 5, NULL, 0, 1, false);
	expect_error(&a, HEADER_SIZE + 5);
	free(a.buf);
}

static void test_offsets(void **state)
{
	(void)state;
	struct archive a = {0};
	struct cpio_entry e;
	const char *error;
	size_t offset;

	add_file(&a, "f", 0100644, "abc", 3);
	/* No trailer: after the last entry the reader reports an error, not the end. */
	offset = 0;
	assert_int_equal(next_in_copy(&a, a.len, &offset, &e, &error), CPIO_ENTRY);
	assert_int_equal(offset, a.len);
	assert_int_equal(next_in_copy(&a, a.len, &offset, &e, &error), CPIO_ERROR);
	assert_int_equal(offset, a.len);
	/* An offset past the end, or so large that offset + header wraps. */
	offset = a.len + 1;
	assert_int_equal(next_in_copy(&a, a.len, &offset, &e, &error), CPIO_ERROR);
	offset = SIZE_MAX - 50;
	assert_int_equal(next_in_copy(&a, a.len, &offset, &e, &error), CPIO_ERROR);
	assert_int_equal(offset, SIZE_MAX - 50);
	/* Data that ends the archive without padding: the offset stops at the end. */
	assert_int_equal(a.len % 4, 0);
	offset = 0;
	assert_int_equal(next_in_copy(&a, a.len - 1, &offset, &e, &error), CPIO_ENTRY);
	assert_int_equal(offset, a.len - 1);
	free(a.buf);
}

/* Random damage to a valid archive: never a crash or an out-of-bounds read. */
static void test_random_corruption(void **state)
{
	(void)state;
	struct archive good = {0};
	add_file(&good, "one", 0100644, "first file", 10);
	add_file(&good, "two/three", 0100755, "#!/bin/sh\n", 10);
	add_trailer(&good);

	rng_seed(unit_seed());
	for (int iter = 0; iter < 5000; iter++) {
		unsigned char *c = exact_copy(good.buf, good.len);
		size_t len = good.len - rng_below(good.len / 4);
		int flips = 1 + (int)rng_below(4);
		for (int i = 0; i < flips; i++) {
			size_t pos = rng_below(len);
			/* Any byte, or a hex digit (which keeps the header parseable but wrong). */
			static const char hexdigits[] = "0123456789abcdefF";
			c[pos] = rng_below(2) ? (unsigned char)rng_next() : (unsigned char)hexdigits[rng_below(17)];
		}
		unsigned char *t = exact_copy(c, len);
		struct cpio_entry e;
		const char *error;
		size_t offset = 0;
		int steps = 0;
		enum cpio_status st;
		while ((st = cpio_next(t, len, &offset, &e, &error)) == CPIO_ENTRY) {
			assert_true(offset <= len);
			assert_true((const unsigned char *)e.data + e.data_len <= t + len);
			assert_int_equal(strlen(e.name), e.name_len);
			assert_true(++steps < 10);
		}
		free(t);
		free(c);
	}
	free(good.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_file_fields),
		cmocka_unit_test(test_lowercase_hex_and_crc_magic),
		cmocka_unit_test(test_alignment_combinations),
		cmocka_unit_test(test_real_cpio_tool),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_bad_magic),
		cmocka_unit_test(test_bad_hex_digit),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_random_corruption),
	};
	return cmocka_run_group_tests_name("cpio", tests, NULL, NULL);
}
