/*
 * kernel/lib/printf.c against the host libc's snprintf: a table of formats,
 * random integer conversions, every buffer size for truncation, and the
 * places where the kernel differs on purpose (%p, unknown conversions).
 */
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/types.h>

#include "unit_test.h"

#include "lib/printf.h"

#define OUT_MAX 512
#define GUARD 0x5a

/*
 * Formats with both libc and the kernel and compares text and return value,
 * then repeats the kernel run with every buffer size from 0 to one past the
 * length: the output must be the libc text cut at size-1, always terminated,
 * nothing written past size, and the return value always the full length.
 */
static void __attribute__((format(printf, 3, 4))) check_same(const char *file, int line, const char *fmt, ...)
{
	char want[OUT_MAX], got[OUT_MAX + 16];
	va_list ap, aq;

	va_start(ap, fmt);
	va_copy(aq, ap);
	int want_n = vsnprintf(want, sizeof(want), fmt, aq);
	va_end(aq);
	if (want_n < 0 || want_n >= OUT_MAX)
		fail_msg("%s:%d: format \"%s\" too long for the test buffer", file, line, fmt);

	memset(got, GUARD, sizeof(got));
	va_copy(aq, ap);
	int got_n = kvsnprintf(got, OUT_MAX, fmt, aq);
	va_end(aq);
	if (got_n != want_n || strcmp(got, want) != 0)
		fail_msg("%s:%d: format \"%s\": libc \"%s\" (%d), kernel \"%s\" (%d)", file, line, fmt, want,
			 want_n, got, got_n);

	for (size_t size = 0; size <= (size_t)want_n + 1; size++) {
		memset(got, GUARD, sizeof(got));
		va_copy(aq, ap);
		got_n = kvsnprintf(got, size, fmt, aq);
		va_end(aq);
		if (got_n != want_n)
			fail_msg("%s:%d: format \"%s\" size %zu: returned %d, want %d", file, line, fmt, size, got_n,
				 want_n);
		if (size > 0) {
			size_t keep = size - 1 < (size_t)want_n ? size - 1 : (size_t)want_n;
			if (memcmp(got, want, keep) != 0 || got[keep] != '\0')
				fail_msg("%s:%d: format \"%s\" size %zu: wrong truncated text \"%.*s\"", file, line,
					 fmt, size, (int)keep, got);
		}
		for (size_t i = size; i < sizeof(got); i++) {
			if ((unsigned char)got[i] != GUARD)
				fail_msg("%s:%d: format \"%s\" size %zu: byte %zu written", file, line, fmt, size, i);
		}
	}
	va_end(ap);
}

#define CHECK(...) check_same(__FILE__, __LINE__, __VA_ARGS__)
/* For defined-but-odd flag combinations that gcc's -Wformat frowns upon. */
#define CHECK_ODD(...)                                                                                       \
	_Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wformat\"") CHECK(__VA_ARGS__);   \
	_Pragma("GCC diagnostic pop")

/* Calls the kernel without the compiler's format check, for formats libc would reject. */
static int kernel_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void expect_kernel(const char *want, const char *fmt, ...)
{
	char got[OUT_MAX];
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(got, sizeof(got), fmt, ap);
	va_end(ap);
	if (n != (int)strlen(want) || strcmp(got, want) != 0)
		fail_msg("format \"%s\": want \"%s\", got \"%s\" (%d)", fmt, want, got, n);
}

static void test_plain_text(void **state)
{
	(void)state;
	CHECK("%s", "");
	CHECK("hello, world");
	CHECK("100%% sure %%");
	CHECK("%%%d%%", 5);
	CHECK("a\tb\nc");
}

static void test_signed_decimal(void **state)
{
	(void)state;
	static const int values[] = {0, 1, -1, 7, -7, 42, 1000000, -999999, INT_MAX, INT_MIN, INT_MIN + 1};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		int v = values[i];
		CHECK("%d", v);
		CHECK("%i", v);
		CHECK("[%5d]", v);
		CHECK("[%-5d]", v);
		CHECK("[%05d]", v);
		CHECK("[%+d]", v);
		CHECK("[% d]", v);
		CHECK("[%+05d]", v);
		CHECK("[% 05d]", v);
		CHECK("[%-+8d]", v);
		CHECK("[%- 8d]", v);
		CHECK("[%.3d]", v);
		CHECK("[%.0d]", v);
		CHECK("[%.d]", v);
		CHECK("[%8.3d]", v);
		CHECK("[%-8.3d]", v);
		CHECK_ODD("[%08.3d]", v);
		CHECK("[%+.12d]", v);
		CHECK("[%012d]", v);
		CHECK_ODD("[%+ d]", v);
		CHECK("[%40d]", v);
		CHECK("[%-40d]", v);
		CHECK("[%040d]", v);
	}
	CHECK("%d %d %d", 1, -2, 3);
}

static void test_zero_with_precision_zero(void **state)
{
	(void)state;
	CHECK("[%.0d]", 0);
	CHECK("[%5.0d]", 0);
	CHECK("[%-5.0d]", 0);
	CHECK("[%+.0d]", 0);
	CHECK("[% .0d]", 0);
	CHECK("[%.0u]", 0u);
	CHECK("[%.0x]", 0u);
	CHECK("[%#.0x]", 0u);
	CHECK("[%.0o]", 0u);
	CHECK("[%#.0o]", 0u);
	CHECK("[%#5.0o]", 0u);
	CHECK("[%.0lld]", 0ll);
	CHECK("[%.0d]", 1);
}

static void test_length_modifiers(void **state)
{
	(void)state;
	CHECK("%hhd %hhd %hhd %hhd", 0, 127, -128, 255);
	CHECK("%hhd", 300);
	CHECK("%hhu %hhu %hhx %hho", 255, 256, 0x1ff, 0777);
	CHECK("%hd %hd %hd", 32767, -32768, 65535);
	CHECK("%hu %hx %hX %ho", 65535, 0x12345, 0xabcde, 0177777);
	CHECK("%ld %ld %ld", 0l, LONG_MAX, LONG_MIN);
	CHECK("%lu %lx %lo", ULONG_MAX, ULONG_MAX, ULONG_MAX);
	CHECK("%lld %lld %lld", 0ll, LLONG_MAX, LLONG_MIN);
	CHECK("%llu %llx %llX %llo", ULLONG_MAX, ULLONG_MAX, 0xdeadbeefcafebabeull, ULLONG_MAX);
	CHECK("[%25lld] [%-25lld] [%025lld] [%+lld]", LLONG_MIN, LLONG_MIN, LLONG_MIN, LLONG_MAX);
	CHECK("[%.25lld] [% lld]", LLONG_MIN, LLONG_MAX);
	CHECK("%zu %zx %zd %zd", (size_t)SIZE_MAX, (size_t)12345, (ssize_t)-5, (ssize_t)SSIZE_MAX);
	CHECK("%td %td %tu %tx", (ptrdiff_t)PTRDIFF_MIN, (ptrdiff_t)PTRDIFF_MAX, (size_t)7, (size_t)255);
	CHECK("%jd %jd %ju %jx", INTMAX_MIN, INTMAX_MAX, UINTMAX_MAX, UINTMAX_MAX);
	CHECK("%lli %li %hi %hhi", -5ll, -6l, -7, -8);
	/* Arguments after 64-bit ones are still fetched from the right place. */
	CHECK("%lld|%d|%llx|%s|%hhd|%c", LLONG_MIN, 12, 0x1234567890ull, "str", -3, 'z');
}

static void test_unsigned_hex_octal(void **state)
{
	(void)state;
	static const unsigned values[] = {0, 1, 7, 8, 9, 10, 15, 16, 255, 4096, 0x7fffffff, 0x80000000u, UINT_MAX};
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		unsigned v = values[i];
		CHECK("%u %x %X %o", v, v, v, v);
		CHECK("[%#x] [%#X] [%#o]", v, v, v);
		CHECK("[%10x] [%-10X] [%010o]", v, v, v);
		CHECK("[%#10x] [%#-10X] [%#010x] [%#010o]", v, v, v, v);
		CHECK("[%.5x] [%#.5x] [%#.5o] [%#.1o] [%#.0o]", v, v, v, v, v);
		CHECK_ODD("[%#12.5x] [%#-12.5o] [%#012.5X]", v, v, v);
		CHECK("[%.12u] [%012u] [%-12u]", v, v, v);
	}
}

static void test_char_and_string(void **state)
{
	(void)state;
	CHECK("%c%c%c", 'a', 'B', '!');
	CHECK("[%5c] [%-5c] [%1c]", 'x', 'y', 'z');
	CHECK("[%c]", 0x1e9); /* converted to unsigned char */
	CHECK("[%c]", -23);
	CHECK("%s", "hello");
	CHECK("[%10s] [%-10s] [%2s]", "abc", "abc", "abcdef");
	CHECK("[%.2s] [%.0s] [%.10s] [%-6.2s] [%6.2s]", "abcdef", "abcdef", "abc", "abcdef", "abcdef");
	CHECK("[%s] [%5s] [%.*s]", "", "", 3, "abcdef");
	CHECK("[%*s] [%-*s] [%*s]", 6, "ab", 6, "ab", -6, "ab");
	CHECK("[%.*s] [%.*s]", -1, "negative precision means none", 0, "nothing");
	/* Precision bounds how much is read: the array has no terminator. */
	static const char unterminated[4] = {'w', 'x', 'y', 'z'};
	CHECK("[%.4s] [%.3s]", unterminated, unterminated);
	char big[150];
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK("%s|%.100s|%160s", big, big, big);
}

static void test_null_string(void **state)
{
	(void)state;
	const char *null = NULL;
	expect_kernel("(null)", "%s", null);
	expect_kernel("[  (null)]", "[%8s]", null);
	expect_kernel("[(null)  ]", "[%-8s]", null);
	expect_kernel("[(nu]", "[%.3s]", null);
}

static void test_star_width_precision(void **state)
{
	(void)state;
	CHECK("[%*d]", 8, 42);
	CHECK("[%*d]", -8, 42);
	CHECK("[%-*d]", 8, 42);
	CHECK("[%-*d]", -8, 42);
	CHECK("[%0*d]", 8, -42);
	CHECK("[%.*d]", 5, 42);
	CHECK("[%.*d]", -5, 42);
	CHECK("[%.*d]", 0, 0);
	CHECK("[%*.*d]", 10, 4, -42);
	CHECK("[%*.*x]", -10, 6, 0xabcu);
	CHECK_ODD("[%0*.*d]", 10, -1, 42); /* negative precision: as if none, so 0 pads */
	CHECK("[%*d] [%d]", 0, 5, 6);
	CHECK("[%*lld|%.*llx]", 22, LLONG_MIN, 20, ULLONG_MAX);
	/* A width of INT_MIN cannot be negated: left-justified, no padding (libc reports an error here). */
	expect_kernel("[5]", "[%*d]", INT_MIN, 5);
	expect_kernel("[5]", "[%-*d]", INT_MIN, 5);
}

static void test_wide_padding(void **state)
{
	(void)state;
	char want[11000], got[11000];
	int want_n = snprintf(want, sizeof(want), "[%5000d|%-4096s|%0999x]", -1, "left", 0xabcu);
	int got_n = ksnprintf(got, sizeof(got), "[%5000d|%-4096s|%0999x]", -1, "left", 0xabcu);
	assert_int_equal(got_n, want_n);
	assert_string_equal(got, want);
}

static void test_pointer(void **state)
{
	(void)state;
	expect_kernel("0x0000000000000000", "%p", (void *)0);
	expect_kernel("0x0000000000001234", "%p", (void *)0x1234);
	expect_kernel("0xffff800000000000", "%p", (void *)0xffff800000000000ull);
	expect_kernel("0xffffffffffffffff", "%p", (void *)UINTPTR_MAX);
	expect_kernel("[0x00000000deadbeef] 7", "[%p] %d", (void *)0xdeadbeefull, 7);
	/* # and 0 do not change the fixed form. */
	expect_kernel("0x00000000000000ff", "%#p", (void *)0xff);
	expect_kernel("0x00000000000000ff", "%0p", (void *)0xff);
	char buf[8];
	assert_int_equal(ksnprintf(buf, sizeof(buf), "%p", (void *)0x1), 18);
	assert_string_equal(buf, "0x00000");
}

static void test_unknown_conversions(void **state)
{
	(void)state;
	char buf[64];

	assert_int_equal(kernel_format(buf, sizeof(buf), "a%yb"), 4);
	assert_string_equal(buf, "a%yb");
	kernel_format(buf, sizeof(buf), "[%5k]");
	assert_string_equal(buf, "[%5k]");
	kernel_format(buf, sizeof(buf), "[%-08.3lw]");
	assert_string_equal(buf, "[%-08.3lw]");
	kernel_format(buf, sizeof(buf), "%f %e %g", 1.0, 2.0, 3.0);
	assert_string_equal(buf, "%f %e %g");
	/* A lone % at the end, or a cut-off spec, is printed as written. */
	assert_int_equal(kernel_format(buf, sizeof(buf), "100%"), 4);
	assert_string_equal(buf, "100%");
	kernel_format(buf, sizeof(buf), "x%-5");
	assert_string_equal(buf, "x%-5");
	kernel_format(buf, sizeof(buf), "x%ll");
	assert_string_equal(buf, "x%ll");
	/* A * in an unknown spec still takes its argument: the next one lines up. */
	kernel_format(buf, sizeof(buf), "%*y|%d", 5, 7);
	assert_string_equal(buf, "%*y|7");
	/* %n writes nothing. */
	int n = 12345;
	kernel_format(buf, sizeof(buf), "ab%n|%d", &n, 9);
	assert_int_equal(n, 12345);
	assert_true(strncmp(buf, "ab%n|", 5) == 0);
}

static void test_small_buffers(void **state)
{
	(void)state;
	char buf[16];

	assert_int_equal(ksnprintf(NULL, 0, "%d-%s", 12345, "abc"), 9);
	memset(buf, GUARD, sizeof(buf));
	assert_int_equal(ksnprintf(buf, 0, "%d", 12345), 5);
	assert_int_equal((unsigned char)buf[0], GUARD);
	assert_int_equal(ksnprintf(buf, 1, "%d", 12345), 5);
	assert_string_equal(buf, "");
	assert_int_equal(ksnprintf(buf, 3, "%d", 12345), 5);
	assert_string_equal(buf, "12");
	assert_int_equal(ksnprintf(buf, 6, "%d", 12345), 5);
	assert_string_equal(buf, "12345");
	assert_int_equal(ksnprintf(buf, 1, "%s", ""), 0);
	assert_string_equal(buf, "");
	/* The buffer is exactly size bytes: ASan reports a write past it. */
	for (size_t size = 1; size < 40; size++) {
		char *exact = malloc(size);
		assert_non_null(exact);
		int n = ksnprintf(exact, size, "%s=%08x:%-6d%c", "key", 0xbeefu, -12, '!');
		assert_int_equal(n, 20);
		assert_int_equal(strlen(exact), size - 1 < 20 ? size - 1 : 20);
		free(exact);
	}
}

struct sink_log {
	char text[OUT_MAX];
	size_t len;
	int calls;
	bool empty_call;
};

static void log_sink(void *ctx, const char *s, size_t n)
{
	struct sink_log *log = ctx;

	if (n == 0)
		log->empty_call = true;
	assert_true(log->len + n < sizeof(log->text));
	memcpy(log->text + log->len, s, n);
	log->len += n;
	log->calls++;
}

static int format_to_sink(struct sink_log *log, const char *fmt, ...)
{
	va_list ap;

	memset(log, 0, sizeof(*log));
	va_start(ap, fmt);
	int n = fmt_vformat(log_sink, log, fmt, ap);
	va_end(ap);
	return n;
}

static void test_sink(void **state)
{
	(void)state;
	struct sink_log log;

	int n = format_to_sink(&log, "id=%d name=%-6s|%#x%%", 17, "ab", 255u);
	assert_int_equal(n, (int)log.len);
	assert_string_equal(log.text, "id=17 name=ab    |0xff%");
	assert_false(log.empty_call);
	n = format_to_sink(&log, "%s%.0d%s", "", 0, "");
	assert_int_equal(n, 0);
	assert_int_equal(log.calls, 0);
	/* The sink gets the whole text even where a buffer would cut it. */
	n = format_to_sink(&log, "%200d", 1);
	assert_int_equal(n, 200);
	assert_int_equal(log.len, 200);
	assert_false(log.empty_call);
}

/* Random integer conversions: flags, width, precision (literal or *), length. */
static void test_random_integers(void **state)
{
	(void)state;
	static const char *const lengths[] = {"", "hh", "h", "l", "ll", "z", "t", "j"};
	static const char conversions[] = "diuxXo";

	rng_seed(unit_seed());
	for (int iter = 0; iter < 30000; iter++) {
		char fmt[64];
		size_t f = 0;
		char conv = conversions[rng_below(sizeof(conversions) - 1)];
		const char *len = lengths[rng_below(8)];
		bool is_signed = conv == 'd' || conv == 'i';
		bool star_width = false, star_precision = false;
		int width = 0, precision = 0;

		fmt[f++] = '[';
		fmt[f++] = '%';
		if (rng_below(4) == 0)
			fmt[f++] = '-';
		if (rng_below(4) == 0)
			fmt[f++] = '0';
		if (rng_below(4) == 0)
			fmt[f++] = '+';
		if (rng_below(4) == 0)
			fmt[f++] = ' ';
		if (!is_signed && conv != 'u' && rng_below(3) == 0)
			fmt[f++] = '#';
		switch (rng_below(3)) {
		case 0:
			break;
		case 1:
			f += (size_t)sprintf(fmt + f, "%d", (int)rng_below(30));
			break;
		default:
			fmt[f++] = '*';
			star_width = true;
			width = (int)rng_range(-30, 30);
			break;
		}
		switch (rng_below(4)) {
		case 0:
			break;
		case 1:
			fmt[f++] = '.';
			break;
		case 2:
			f += (size_t)sprintf(fmt + f, ".%d", (int)rng_below(25));
			break;
		default:
			f += (size_t)sprintf(fmt + f, ".*");
			star_precision = true;
			precision = (int)rng_range(-5, 25);
			break;
		}
		f += (size_t)sprintf(fmt + f, "%s%c]", len, conv);
		fmt[f] = '\0';

		uint64_t v;
		switch (rng_below(4)) {
		case 0:
			v = rng_below(20);
			break;
		case 1:
			v = (uint64_t)rng_range(-300, 300);
			break;
		case 2: {
			static const uint64_t edges[] = {0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff,
							 0x80000000, 0xffffffff, 0x7fffffffffffffff,
							 0x8000000000000000, 0xffffffffffffffff};
			v = edges[rng_below(sizeof(edges) / sizeof(edges[0]))];
			break;
		}
		default:
			v = rng_next() >> rng_below(64);
			break;
		}
		bool wide = len[0] == 'l' || len[0] == 'z' || len[0] == 't' || len[0] == 'j';

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#define CALL(...)                                                                                            \
	do {                                                                                                 \
		if (wide)                                                                                    \
			check_same(__FILE__, __LINE__, fmt, __VA_ARGS__ (unsigned long long)v);              \
		else                                                                                         \
			check_same(__FILE__, __LINE__, fmt, __VA_ARGS__ (unsigned)v);                        \
	} while (0)
		if (star_width && star_precision)
			CALL(width, precision, );
		else if (star_width)
			CALL(width, );
		else if (star_precision)
			CALL(precision, );
		else
			CALL();
#undef CALL
#pragma GCC diagnostic pop
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_signed_decimal),
		cmocka_unit_test(test_zero_with_precision_zero),
		cmocka_unit_test(test_length_modifiers),
		cmocka_unit_test(test_unsigned_hex_octal),
		cmocka_unit_test(test_char_and_string),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_star_width_precision),
		cmocka_unit_test(test_wide_padding),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_unknown_conversions),
		cmocka_unit_test(test_small_buffers),
		cmocka_unit_test(test_sink),
		cmocka_unit_test(test_random_integers),
	};
	return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
