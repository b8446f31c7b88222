/*
 * kernel/lib/cmdline.c: splitting command lines into words and parsing numbers.
 * Every line is copied to the end of an exact-size heap buffer without a
 * terminator, so ASan proves the parser never reads past len.
 */
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "lib/cmdline.h"

#define MAX_WORDS 64

struct word {
	char key[CMDLINE_KEY_MAX + 8];
	char value[CMDLINE_VALUE_MAX + 8];
	bool has_value;
	bool truncated;
};

struct words {
	struct word w[MAX_WORDS];
	int n;
};

static void collect(void *ctx, const char *key, const char *value, bool truncated)
{
	struct words *ws = ctx;

	assert_non_null(key);
	assert_true(strlen(key) < CMDLINE_KEY_MAX);
	if (value != NULL)
		assert_true(strlen(value) < CMDLINE_VALUE_MAX);
	assert_true(ws->n < MAX_WORDS);
	struct word *w = &ws->w[ws->n++];
	strcpy(w->key, key);
	w->has_value = value != NULL;
	strcpy(w->value, value != NULL ? value : "");
	w->truncated = truncated;
}

/* Parses the first len bytes of line from an unterminated exact-size copy. */
static int parse_bytes(const char *line, size_t len, struct words *ws)
{
	char *copy = malloc(len ? len : 1);

	assert_non_null(copy);
	memcpy(copy, line, len);
	memset(ws, 0, sizeof(*ws));
	int n = cmdline_parse(copy, len, collect, ws);
	free(copy);
	assert_int_equal(n, ws->n);
	return n;
}

static int parse(const char *line, struct words *ws)
{
	return parse_bytes(line, strlen(line), ws);
}

static void expect_word(const struct words *ws, int i, const char *key, const char *value, bool truncated)
{
	assert_true(i < ws->n);
	assert_string_equal(ws->w[i].key, key);
	if (value == NULL) {
		assert_false(ws->w[i].has_value);
	} else {
		assert_true(ws->w[i].has_value);
		assert_string_equal(ws->w[i].value, value);
	}
	assert_int_equal(ws->w[i].truncated, truncated);
}

static void test_empty(void **state)
{
	(void)state;
	struct words ws;

	assert_int_equal(parse("", &ws), 0);
	assert_int_equal(parse("   \t\n  ", &ws), 0);
	assert_int_equal(parse("\x01\x02\x7f", &ws), 0);
	assert_int_equal(cmdline_parse(NULL, 0, collect, &ws), 0);
}

static void test_words_and_values(void **state)
{
	(void)state;
	struct words ws;

	assert_int_equal(parse("quiet", &ws), 1);
	expect_word(&ws, 0, "quiet", NULL, false);
	assert_int_equal(parse("  console=ttyS0   loglevel=8 debug  ", &ws), 3);
	expect_word(&ws, 0, "console", "ttyS0", false);
	expect_word(&ws, 1, "loglevel", "8", false);
	expect_word(&ws, 2, "debug", NULL, false);
	assert_int_equal(parse("empty= =v a=b=c ==", &ws), 4);
	expect_word(&ws, 0, "empty", "", false);
	expect_word(&ws, 1, "", "v", false);
	expect_word(&ws, 2, "a", "b=c", false);
	expect_word(&ws, 3, "", "=", false);
	assert_int_equal(parse("\xc3\xa9t\xc3\xa9=\xff\xfe", &ws), 1);
	expect_word(&ws, 0, "\xc3\xa9t\xc3\xa9", "\xff\xfe", false);
}

static void test_quotes(void **state)
{
	(void)state;
	struct words ws;

	assert_int_equal(parse("init=/bin/sh msg=\"hello big world\" x", &ws), 3);
	expect_word(&ws, 0, "init", "/bin/sh", false);
	expect_word(&ws, 1, "msg", "hello big world", false);
	expect_word(&ws, 2, "x", NULL, false);
	/* Quotes may sit anywhere and are removed. */
	assert_int_equal(parse("a=x\"y z\"w \"quoted key\"=v", &ws), 2);
	expect_word(&ws, 0, "a", "xy zw", false);
	expect_word(&ws, 1, "quoted key", "v", false);
	/* A quoted = is part of the key. */
	assert_int_equal(parse("\"a=b\" \"c\"=\"=d\"", &ws), 2);
	expect_word(&ws, 0, "a=b", NULL, false);
	expect_word(&ws, 1, "c", "=d", false);
	/* An unterminated quote runs to the end of the line. */
	assert_int_equal(parse("a=\"b c  d", &ws), 1);
	expect_word(&ws, 0, "a", "b c  d", false);
	assert_int_equal(parse("\"\" x=\"\"", &ws), 2);
	expect_word(&ws, 0, "", NULL, false);
	expect_word(&ws, 1, "x", "", false);
}

static void test_control_characters(void **state)
{
	(void)state;
	struct words ws;

	/* Outside quotes control characters (and DEL) separate words. */
	assert_int_equal(parse("a\tb\nc\x01" "d\x7f" "e\x1f" "f=1\r", &ws), 6);
	expect_word(&ws, 0, "a", NULL, false);
	expect_word(&ws, 4, "e", NULL, false);
	expect_word(&ws, 5, "f", "1", false);
	/* Inside quotes they become spaces, so no word holds a control character. */
	assert_int_equal(parse("m=\"x\ty\nz\x01w\"", &ws), 1);
	expect_word(&ws, 0, "m", "x y z w", false);
}

static void test_truncation(void **state)
{
	(void)state;
	struct words ws;
	char line[1024], key[CMDLINE_KEY_MAX + 8], value[CMDLINE_VALUE_MAX + 8];

	/* The longest key that fits, and one byte more. */
	memset(key, 'k', CMDLINE_KEY_MAX - 1);
	key[CMDLINE_KEY_MAX - 1] = '\0';
	snprintf(line, sizeof(line), "%s next", key);
	assert_int_equal(parse(line, &ws), 2);
	expect_word(&ws, 0, key, NULL, false);
	snprintf(line, sizeof(line), "%sK=v next", key);
	assert_int_equal(parse(line, &ws), 2);
	expect_word(&ws, 0, key, "v", true);
	expect_word(&ws, 1, "next", NULL, false);

	memset(value, 'v', CMDLINE_VALUE_MAX - 1);
	value[CMDLINE_VALUE_MAX - 1] = '\0';
	snprintf(line, sizeof(line), "k=%s next", value);
	assert_int_equal(parse(line, &ws), 2);
	expect_word(&ws, 0, "k", value, false);
	snprintf(line, sizeof(line), "k=%sVVVVVVVVVV next", value);
	assert_int_equal(parse(line, &ws), 2);
	expect_word(&ws, 0, "k", value, true);
	expect_word(&ws, 1, "next", NULL, false);
	/* A long quoted value: still one word, cut. */
	snprintf(line, sizeof(line), "k=\"%s %s\" after", value, value);
	assert_int_equal(parse(line, &ws), 2);
	expect_word(&ws, 0, "k", value, true);
	expect_word(&ws, 1, "after", NULL, false);
}

static void test_length_bound(void **state)
{
	(void)state;
	struct words ws;

	assert_int_equal(parse_bytes("abc def", 5, &ws), 2);
	expect_word(&ws, 0, "abc", NULL, false);
	expect_word(&ws, 1, "d", NULL, false);
	assert_int_equal(parse_bytes("k=value", 2, &ws), 1);
	expect_word(&ws, 0, "k", "", false);
	assert_int_equal(parse_bytes("k=\"v w\"", 5, &ws), 1);
	expect_word(&ws, 0, "k", "v ", false);
	assert_int_equal(parse_bytes("abc", 0, &ws), 0);
	/* Every prefix of a line parses within its bound. */
	const char *line = "a=1 \"b c\"=\"d e\" f\tg=";
	for (size_t len = 0; len <= strlen(line); len++)
		parse_bytes(line, len, &ws);
}

static void test_embedded_nul(void **state)
{
	(void)state;
	struct words ws;

	assert_int_equal(parse_bytes("a b\0c d", 7, &ws), 2);
	expect_word(&ws, 0, "a", NULL, false);
	expect_word(&ws, 1, "b", NULL, false);
	assert_int_equal(parse_bytes("k=\"x\0y\"", 7, &ws), 1);
	expect_word(&ws, 0, "k", "x", false);
	assert_int_equal(parse_bytes("\0abc", 4, &ws), 0);
}

/* Random bytes: no crash, no read past len, and sane words. */
static void test_random_lines(void **state)
{
	(void)state;
	static const char alphabet[] = "ab=\" \t\x01\x7f\xff\0";
	struct words ws;
	char line[400];

	rng_seed(unit_seed());
	for (int iter = 0; iter < 3000; iter++) {
		size_t len = rng_below(sizeof(line));
		for (size_t i = 0; i < len; i++)
			line[i] = rng_below(3) == 0 ? (char)rng_next() : alphabet[rng_below(sizeof(alphabet) - 1)];
		parse_bytes(line, len, &ws);
		for (int i = 0; i < ws.n; i++) {
			for (const char *p = ws.w[i].key; *p != '\0'; p++)
				assert_true((unsigned char)*p >= 0x20);
			for (const char *p = ws.w[i].value; *p != '\0'; p++)
				assert_true((unsigned char)*p >= 0x20);
		}
	}
}

static void expect_u64(const char *s, bool ok, unsigned long long want)
{
	unsigned long long v = 0xabad1deaull;

	if (cmdline_parse_u64(s, &v) != ok)
		fail_msg("cmdline_parse_u64(\"%s\") should %s", s, ok ? "succeed" : "fail");
	if (ok)
		assert_int_equal(v, want);
	else
		assert_int_equal(v, 0xabad1deaull); /* untouched */
}

static void test_parse_u64(void **state)
{
	(void)state;
	expect_u64("0", true, 0);
	expect_u64("7", true, 7);
	expect_u64("00012", true, 12);
	expect_u64("123456789", true, 123456789);
	expect_u64("18446744073709551615", true, 18446744073709551615ull);
	expect_u64("18446744073709551616", false, 0);
	expect_u64("18446744073709551620", false, 0);
	expect_u64("99999999999999999999", false, 0);
	expect_u64("184467440737095516150", false, 0);
	expect_u64("0x0", true, 0);
	expect_u64("0x1f", true, 0x1f);
	expect_u64("0X1F", true, 0x1f);
	expect_u64("0xDeadBeef", true, 0xdeadbeef);
	expect_u64("0xffffffffffffffff", true, 0xffffffffffffffffull);
	expect_u64("0x0000000000000000ffffffffffffffff", true, 0xffffffffffffffffull);
	expect_u64("0x10000000000000000", false, 0);
	expect_u64("0x", false, 0);
	expect_u64("0xg", false, 0);
	expect_u64("", false, 0);
	expect_u64("-1", false, 0);
	expect_u64("+1", false, 0);
	expect_u64(" 1", false, 0);
	expect_u64("1 ", false, 0);
	expect_u64("12a", false, 0);
	expect_u64("1f", false, 0);
	expect_u64("0b101", false, 0);
	expect_u64("x10", false, 0);
	expect_u64("1x10", false, 0);
	unsigned long long v = 5;
	assert_false(cmdline_parse_u64(NULL, &v));
	assert_int_equal(v, 5);
	/* Every value near a power of ten or sixteen round-trips. */
	for (int shift = 0; shift < 64; shift++) {
		for (int delta = -1; delta <= 1; delta++) {
			unsigned long long want = (1ull << shift) + (unsigned long long)delta;
			char buf[40];
			snprintf(buf, sizeof(buf), "%llu", want);
			expect_u64(buf, true, want);
			snprintf(buf, sizeof(buf), "0x%llx", want);
			expect_u64(buf, true, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_words_and_values),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_embedded_nul),
		cmocka_unit_test(test_random_lines),
		cmocka_unit_test(test_parse_u64),
	};
	return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
