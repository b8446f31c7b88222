/*
 * kernel/lib/string.c against the host libc on random inputs, alignments and
 * overlaps. The kernel's functions are built as tern_* (rename_string.h);
 * this file uses libc's under the usual names as the reference.
 */
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "rename_string.h"
#include "lib/string.h"
#undef memcpy
#undef memmove
#undef memset
#undef memcmp
#undef strlen
#undef strnlen
#undef strcmp
#undef strncmp
#undef strchr
#undef strlcpy
#undef str_escape

#define AREA 512

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

static void fill_random(unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)rng_next();
}

/* A random string of len bytes in 1..255 from a small alphabet (so strings share prefixes). */
static void random_string(char *s, size_t len, bool high_bytes)
{
	static const char alphabet[] = "aab\x01\x7f";
	for (size_t i = 0; i < len; i++) {
		if (high_bytes && rng_below(4) == 0)
			s[i] = (char)(0x80 + rng_below(128));
		else
			s[i] = alphabet[rng_below(sizeof(alphabet) - 1)];
	}
	s[len] = '\0';
}

static void setup_seed(void)
{
	rng_seed(unit_seed());
}

static void test_memcpy(void **state)
{
	(void)state;
	static unsigned char src[AREA], dst[AREA], want[AREA];

	setup_seed();
	for (int iter = 0; iter < 20000; iter++) {
		size_t so = rng_below(16), d_off = rng_below(16);
		size_t n = rng_below(4) == 0 ? rng_below(16) : rng_below(AREA - 32);
		fill_random(src, sizeof(src));
		fill_random(dst, sizeof(dst));
		memcpy(want, dst, sizeof(dst));
		memcpy(want + d_off, src + so, n);
		assert_ptr_equal(tern_memcpy(dst + d_off, src + so, n), dst + d_off);
		assert_memory_equal(dst, want, sizeof(dst));
	}
}

static void test_memcpy_exact_buffers(void **state)
{
	(void)state;
	/* Exact-size heap buffers: ASan reports any access past n. */
	setup_seed();
	for (size_t n = 0; n < 80; n++) {
		for (size_t misalign = 0; misalign < 9; misalign++) {
			unsigned char *s = malloc(n + misalign + 1), *d = malloc(n + 1);
			assert_non_null(s);
			assert_non_null(d);
			fill_random(s, n + misalign + 1);
			tern_memcpy(d + 1, s + misalign + 1, n);
			assert_memory_equal(d + 1, s + misalign + 1, n);
			free(s);
			free(d);
		}
	}
}

static void test_memmove(void **state)
{
	(void)state;
	static unsigned char buf[AREA], want[AREA];

	setup_seed();
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = rng_below(4) == 0 ? rng_below(24) : rng_below(AREA / 2);
		size_t so = rng_below(AREA - n + 1), d_off;
		switch (rng_below(3)) {
		case 0: /* anywhere */
			d_off = rng_below(AREA - n + 1);
			break;
		case 1: /* destination just above the source */
			d_off = so + rng_below(17);
			if (d_off + n > AREA)
				d_off = AREA - n;
			break;
		default: /* destination just below the source */
			d_off = so >= 16 ? so - rng_below(17) : 0;
			break;
		}
		fill_random(buf, sizeof(buf));
		memcpy(want, buf, sizeof(buf));
		memmove(want + d_off, want + so, n);
		assert_ptr_equal(tern_memmove(buf + d_off, buf + so, n), buf + d_off);
		assert_memory_equal(buf, want, sizeof(buf));
	}
}

static void test_memset(void **state)
{
	(void)state;
	static unsigned char buf[AREA], want[AREA];

	setup_seed();
	for (int iter = 0; iter < 20000; iter++) {
		size_t off = rng_below(16);
		size_t n = rng_below(3) == 0 ? rng_below(20) : rng_below(AREA - 16);
		int c;
		switch (rng_below(4)) {
		case 0:
			c = 0;
			break;
		case 1:
			c = -1 - (int)rng_below(300); /* only the low byte counts */
			break;
		case 2:
			c = 0x100 + (int)rng_below(0x1000);
			break;
		default:
			c = (int)rng_below(256);
			break;
		}
		fill_random(buf, sizeof(buf));
		memcpy(want, buf, sizeof(buf));
		memset(want + off, c, n);
		assert_ptr_equal(tern_memset(buf + off, c, n), buf + off);
		assert_memory_equal(buf, want, sizeof(buf));
	}
	for (size_t n = 0; n < 40; n++) {
		unsigned char *exact = malloc(n + 1);
		assert_non_null(exact);
		tern_memset(exact + 1, 0xab, n);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(exact[i + 1], 0xab);
		free(exact);
	}
}

static void test_memcmp(void **state)
{
	(void)state;
	static unsigned char a[AREA], b[AREA];

	setup_seed();
	assert_int_equal(tern_memcmp(a, b, 0), 0);
	assert_true(tern_memcmp("\x80", "\x7f", 1) > 0); /* bytes compare as unsigned */
	assert_true(tern_memcmp("\x01", "\xff", 1) < 0);
	for (int iter = 0; iter < 20000; iter++) {
		size_t ao = rng_below(8), bo = rng_below(8);
		size_t n = rng_below(AREA - 8);
		fill_random(a, sizeof(a));
		memcpy(b + bo, a + ao, n);
		if (n > 0 && rng_below(4) != 0)
			b[bo + rng_below(n)] = (unsigned char)rng_next();
		assert_int_equal(sign(tern_memcmp(a + ao, b + bo, n)), sign(memcmp(a + ao, b + bo, n)));
	}
}

static void test_strlen_strnlen(void **state)
{
	(void)state;
	static char buf[AREA];

	setup_seed();
	assert_int_equal(tern_strlen(""), 0);
	assert_int_equal(tern_strnlen("", 5), 0);
	assert_int_equal(tern_strnlen("abc", 0), 0);
	for (int iter = 0; iter < 5000; iter++) {
		size_t off = rng_below(16), len = rng_below(AREA - 32);
		random_string(buf + off, len, true);
		assert_int_equal(tern_strlen(buf + off), strlen(buf + off));
		size_t max = rng_below(len + 10);
		assert_int_equal(tern_strnlen(buf + off, max), strnlen(buf + off, max));
	}
	/* strnlen reads no further than max: an unterminated exact-size buffer. */
	for (size_t n = 0; n < 40; n++) {
		char *s = malloc(n + 1);
		assert_non_null(s);
		memset(s, 'x', n + 1);
		assert_int_equal(tern_strnlen(s, n + 1), n + 1);
		s[n] = '\0';
		assert_int_equal(tern_strlen(s), n);
		free(s);
	}
}

static void test_strcmp_strncmp(void **state)
{
	(void)state;
	static char a[128], b[128];

	setup_seed();
	assert_int_equal(tern_strcmp("", ""), 0);
	assert_true(tern_strcmp("a", "") > 0);
	assert_true(tern_strcmp("", "a") < 0);
	assert_true(tern_strcmp("\xe9", "z") > 0); /* unsigned */
	assert_int_equal(tern_strncmp("abc", "abd", 2), 0);
	assert_int_equal(tern_strncmp("abc", "xyz", 0), 0);
	assert_true(tern_strncmp("ab", "abc", 5) < 0);
	for (int iter = 0; iter < 20000; iter++) {
		random_string(a, rng_below(12), rng_below(2) == 0);
		if (rng_below(2) == 0)
			strcpy(b, a);
		else
			random_string(b, rng_below(12), rng_below(2) == 0);
		if (b[0] != '\0' && rng_below(3) == 0)
			b[rng_below(strlen(b))] = (char)rng_below(256) ?: 'q';
		assert_int_equal(sign(tern_strcmp(a, b)), sign(strcmp(a, b)));
		size_t n = rng_below(16);
		assert_int_equal(sign(tern_strncmp(a, b, n)), sign(strncmp(a, b, n)));
	}
	/* strncmp stops at n even without terminators (exact-size buffers). */
	char *x = malloc(4), *y = malloc(4);
	assert_non_null(x);
	assert_non_null(y);
	memcpy(x, "abcd", 4);
	memcpy(y, "abcd", 4);
	assert_int_equal(tern_strncmp(x, y, 4), 0);
	y[3] = 'e';
	assert_true(tern_strncmp(x, y, 4) < 0);
	free(x);
	free(y);
}

static void test_strchr(void **state)
{
	(void)state;
	static char buf[64];
	static const int probes[] = {'a', 'b', 0x01, 0x7f, 0, 0xe9, -23, 'a' + 256, 0x180};

	setup_seed();
	const char *s = "hello";
	assert_ptr_equal(tern_strchr(s, 'l'), s + 2);
	assert_ptr_equal(tern_strchr(s, 'o'), s + 4);
	assert_ptr_equal(tern_strchr(s, '\0'), s + 5);
	assert_null(tern_strchr(s, 'z'));
	for (int iter = 0; iter < 5000; iter++) {
		random_string(buf, rng_below(40), true);
		for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
			assert_ptr_equal(tern_strchr(buf, probes[i]), strchr(buf, probes[i]));
		int c = (int)rng_below(256);
		assert_ptr_equal(tern_strchr(buf, c), strchr(buf, c));
	}
}

/* The BSD semantics, written out: glibc before 2.38 has no strlcpy. */
static size_t reference_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size > 0) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static void test_strlcpy(void **state)
{
	(void)state;
	char buf[16];

	memset(buf, '#', sizeof(buf));
	assert_int_equal(tern_strlcpy(buf, "hello", 0), 5);
	assert_int_equal(buf[0], '#'); /* size 0 writes nothing */
	assert_int_equal(tern_strlcpy(buf, "hello", 1), 5);
	assert_string_equal(buf, "");
	assert_int_equal(tern_strlcpy(buf, "hello", 3), 5);
	assert_string_equal(buf, "he");
	assert_int_equal(buf[3], '#');
	assert_int_equal(tern_strlcpy(buf, "hello", 6), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(tern_strlcpy(buf, "", 16), 0);
	assert_string_equal(buf, "");

	setup_seed();
	for (int iter = 0; iter < 3000; iter++) {
		char src[64];
		random_string(src, rng_below(40), true);
		size_t size = rng_below(50);
		/* An exact-size destination: ASan catches a write past size. */
		char *dst = malloc(size ? size : 1), want[64];
		assert_non_null(dst);
		assert_int_equal(tern_strlcpy(dst, src, size), reference_strlcpy(want, src, size));
		if (size > 0)
			assert_string_equal(dst, want);
		free(dst);
	}
}

/* Each input byte becomes one unit (itself or \xNN); units that do not fit whole stop the output. */
static void reference_escape(const char *in, char *out, size_t cap)
{
	size_t o = 0;

	if (cap == 0)
		return;
	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		char unit[5];
		if (c >= 0x20 && c <= 0x7e)
			snprintf(unit, sizeof(unit), "%c", c);
		else
			snprintf(unit, sizeof(unit), "\\x%02x", c);
		size_t n = strlen(unit);
		if (o + n > cap - 1)
			break;
		memcpy(out + o, unit, n);
		o += n;
	}
	out[o] = '\0';
}

static void test_str_escape(void **state)
{
	(void)state;
	char out[64];

	tern_str_escape("plain text ~", out, sizeof(out));
	assert_string_equal(out, "plain text ~");
	tern_str_escape("a\nb\x7f\x1f\xff\x80 ", out, sizeof(out));
	assert_string_equal(out, "a\\x0ab\\x7f\\x1f\\xff\\x80 ");
	tern_str_escape("", out, sizeof(out));
	assert_string_equal(out, "");
	memset(out, '#', sizeof(out));
	tern_str_escape("abc", out, 0);
	assert_int_equal(out[0], '#');
	tern_str_escape("abc", out, 1);
	assert_string_equal(out, "");
	tern_str_escape("abc", out, 3);
	assert_string_equal(out, "ab");
	/* An escape is never cut in half. */
	tern_str_escape("a\x01", out, 5);
	assert_string_equal(out, "a");
	tern_str_escape("a\x01", out, 6);
	assert_string_equal(out, "a\\x01");
	/* Output stops at the first unit that does not fit, even if a later one would. */
	tern_str_escape("\x01z", out, 4);
	assert_string_equal(out, "");

	setup_seed();
	for (int iter = 0; iter < 3000; iter++) {
		char in[40], want[200];
		size_t len = rng_below(sizeof(in) - 1);
		for (size_t i = 0; i < len; i++)
			in[i] = (char)(1 + rng_below(255));
		in[len] = '\0';
		size_t cap = rng_below(4 * len + 3);
		char *exact = malloc(cap ? cap : 1);
		assert_non_null(exact);
		tern_str_escape(in, exact, cap);
		reference_escape(in, want, cap);
		if (cap > 0)
			assert_string_equal(exact, want);
		free(exact);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy),
		cmocka_unit_test(test_memcpy_exact_buffers),
		cmocka_unit_test(test_memmove),
		cmocka_unit_test(test_memset),
		cmocka_unit_test(test_memcmp),
		cmocka_unit_test(test_strlen_strnlen),
		cmocka_unit_test(test_strcmp_strncmp),
		cmocka_unit_test(test_strchr),
		cmocka_unit_test(test_strlcpy),
		cmocka_unit_test(test_str_escape),
	};
	return cmocka_run_group_tests_name("string", tests, NULL, NULL);
}
