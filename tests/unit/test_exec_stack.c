/*
 * kernel/proc/exec_stack.c: initial user stacks built into a heap buffer of
 * exactly the size given (so ASan catches any write outside it) that stands
 * for the user addresses [top - size, top), then read back the way a libc
 * start routine reads them: argc at sp, argv, envp, auxv up to AT_NULL, and
 * the strings and random bytes the pointers lead to, each address translated
 * back into the buffer and checked to lie inside it.
 */
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "lib/errno.h"
#include "proc/exec_stack.h"

#define TOP 0x7ffffffde000ull

/* The user addresses [top - size, top), held in buf. */
struct view {
	const uint8_t *buf;
	size_t size;
	uint64_t top;
};

/* n bytes at user address addr, inside the buffer. */
static const uint8_t *at(const struct view *v, uint64_t addr, size_t n)
{
	uint64_t base = v->top - v->size;
	assert_true(addr >= base && addr <= v->top);
	assert_true(n <= v->top - addr);
	return v->buf + (addr - base);
}

static uint64_t word(const struct view *v, uint64_t addr)
{
	uint64_t w;
	memcpy(&w, at(v, addr, sizeof(w)), sizeof(w));
	return w;
}

/* The NUL-terminated string at addr, terminated inside the buffer; its length in *len. */
static const char *string_at(const struct view *v, uint64_t addr, size_t *len)
{
	const char *s = (const char *)at(v, addr, 1);
	size_t max = v->top - addr;
	*len = strnlen(s, max);
	assert_true(*len < max);
	return s;
}

struct range {
	uint64_t lo, hi;
};

static int range_cmp(const void *a, const void *b)
{
	const struct range *x = a, *y = b;
	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/*
 * Decodes the stack at sp and checks it against args: layout, every pointer,
 * every string and the random bytes; the vectors below all the data, and no
 * two strings (or the random bytes) sharing a byte.
 */
static void check_stack(const uint8_t *buf, size_t size, uint64_t top, const struct exec_stack_args *a, uint64_t sp)
{
	const struct view v = {buf, size, top};
	size_t nranges = 0;
	struct range *ranges = calloc(a->argc + a->envc + 3, sizeof(*ranges));
	assert_non_null(ranges);

	assert_int_equal(sp % 16, 0);
	assert_true(sp >= top - size && sp < top);

	/* argc, argv[], NULL */
	uint64_t p = sp;
	assert_int_equal(word(&v, p), a->argc);
	p += 8;
	uint64_t next = 0;
	for (size_t i = 0; i < a->argc; i++, p += 8) {
		uint64_t s = word(&v, p);
		size_t len;
		assert_string_equal(string_at(&v, s, &len), a->argv[i]);
		assert_int_equal(len, strlen(a->argv[i]));
		if (i > 0)
			assert_int_equal(s, next); /* in order, one after the other */
		next = s + len + 1;
		ranges[nranges++] = (struct range){s, s + len + 1};
	}
	assert_int_equal(word(&v, p), 0);
	p += 8;

	/* envp[], NULL: the environment strings follow the argument strings */
	for (size_t i = 0; i < a->envc; i++, p += 8) {
		uint64_t s = word(&v, p);
		size_t len;
		assert_string_equal(string_at(&v, s, &len), a->envp[i]);
		assert_int_equal(len, strlen(a->envp[i]));
		if (i > 0 || a->argc > 0)
			assert_int_equal(s, next);
		next = s + len + 1;
		ranges[nranges++] = (struct range){s, s + len + 1};
	}
	assert_int_equal(word(&v, p), 0);
	p += 8;

	/* auxv: the given pairs in order, then AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL */
	size_t n = 0;
	uint64_t random = 0, execfn = 0, platform = 0;
	for (;; n++, p += 16) {
		uint64_t type = word(&v, p), value = word(&v, p + 8);
		if (n < a->nauxv) {
			assert_int_equal(type, a->auxv[n][0]);
			assert_int_equal(value, a->auxv[n][1]);
			continue;
		}
		static const uint64_t tail[] = {AT_RANDOM, AT_EXECFN, AT_PLATFORM, AT_NULL};
		assert_true(n - a->nauxv < 4);
		assert_int_equal(type, tail[n - a->nauxv]);
		if (type == AT_RANDOM)
			random = value;
		else if (type == AT_EXECFN)
			execfn = value;
		else if (type == AT_PLATFORM)
			platform = value;
		else {
			assert_int_equal(value, 0);
			p += 16;
			break;
		}
	}
	assert_int_equal(n, a->nauxv + 3);
	const uint64_t vectors_end = p;

	assert_memory_equal(at(&v, random, 16), a->random, 16);
	ranges[nranges++] = (struct range){random, random + 16};
	size_t len;
	assert_string_equal(string_at(&v, execfn, &len), a->execfn);
	ranges[nranges++] = (struct range){execfn, execfn + len + 1};
	assert_string_equal(string_at(&v, platform, &len), a->platform);
	ranges[nranges++] = (struct range){platform, platform + len + 1};

	/* All data above the vectors, nothing shared. */
	qsort(ranges, nranges, sizeof(*ranges), range_cmp);
	for (size_t i = 0; i < nranges; i++) {
		assert_true(ranges[i].lo >= vectors_end);
		assert_true(ranges[i].hi <= top);
		if (i > 0)
			assert_true(ranges[i - 1].hi <= ranges[i].lo);
	}
	free(ranges);
}

/* Builds into an exact-size buffer prefilled with fill; returns the result, the buffer in *out if asked. */
static int build(size_t size, uint64_t top, const struct exec_stack_args *a, uint64_t *sp, uint8_t fill,
		 uint8_t **out)
{
	uint8_t *buf = malloc(size);
	assert_true(buf != NULL || size == 0);
	if (size > 0)
		memset(buf, fill, size);
	struct exec_stack_layout layout;
	int rc = exec_stack_build(buf, size, top, a, &layout);
	if (rc == 0) {
		*sp = layout.sp;
		check_stack(buf, size, top, a, *sp);
		/* The string areas hold exactly the strings, NULs included. */
		size_t arg_bytes = 0, env_bytes = 0;
		for (size_t i = 0; i < a->argc; i++)
			arg_bytes += strlen(a->argv[i]) + 1;
		for (size_t i = 0; i < a->envc; i++)
			env_bytes += strlen(a->envp[i]) + 1;
		assert_int_equal(layout.arg_end - layout.arg_start, arg_bytes);
		assert_int_equal(layout.env_end - layout.env_start, env_bytes);
		assert_int_equal(layout.arg_end, layout.env_start);
		if (a->argc > 0)
			assert_memory_equal(buf + (layout.arg_start - (top - size)), a->argv[0], strlen(a->argv[0]) + 1);
	}
	else
		assert_int_equal(rc, -E2BIG);
	if (out != NULL)
		*out = buf;
	else
		free(buf);
	return rc;
}

static void fill_random_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 17 + 3);
}

static void standard_args(struct exec_stack_args *a)
{
	static const char *const argv[] = {"/bin/sh", "-c", "echo hi", ""};
	static const char *const envp[] = {"HOME=/", "TERM=vt100", "PATH=/bin:/usr/bin"};
	memset(a, 0, sizeof(*a));
	a->argv = argv;
	a->argc = 4;
	a->envp = envp;
	a->envc = 3;
	a->execfn = "/bin/sh";
	a->platform = "x86_64";
	fill_random_bytes(a->random, sizeof(a->random));
	static const uint64_t aux[][2] = {{AT_PHDR, 0x400040}, {AT_PHENT, 56},     {AT_PHNUM, 5},
					  {AT_PAGESZ, 4096},   {AT_BASE, 0},      {AT_FLAGS, 0},
					  {AT_ENTRY, 0x401000}, {AT_UID, 1000},   {AT_EUID, 1000},
					  {AT_GID, 100},       {AT_EGID, 100},    {AT_HWCAP, 0x178bfbff},
					  {AT_CLKTCK, 100},    {AT_SECURE, 0},    {AT_HWCAP2, 2},
					  {AT_MINSIGSTKSZ, 2048}};
	a->nauxv = sizeof(aux) / sizeof(aux[0]);
	memcpy(a->auxv, aux, sizeof(aux));
}

static void test_standard_stack(void **state)
{
	(void)state;
	struct exec_stack_args a;
	standard_args(&a);
	uint64_t sp = 0;
	uint8_t *buf;
	const size_t size = 64 * 1024;
	assert_int_equal(build(size, TOP, &a, &sp, 0xee, &buf), 0);
	assert_true(TOP - sp <= exec_stack_size(&a));
	/* What a start routine does by hand: the first few words. */
	const uint8_t *base = buf + (sp - (TOP - size));
	uint64_t w[6];
	memcpy(w, base, sizeof(w));
	assert_int_equal(w[0], 4);
	assert_string_equal((const char *)buf + (w[1] - (TOP - size)), "/bin/sh");
	assert_string_equal((const char *)buf + (w[2] - (TOP - size)), "-c");
	assert_string_equal((const char *)buf + (w[3] - (TOP - size)), "echo hi");
	assert_string_equal((const char *)buf + (w[4] - (TOP - size)), "");
	assert_int_equal(w[5], 0);
	free(buf);

	/* exec_stack_size bytes exactly are enough. */
	assert_int_equal(build(exec_stack_size(&a), TOP, &a, &sp, 0, NULL), 0);
}

static void test_empty(void **state)
{
	(void)state;
	struct exec_stack_args a;
	memset(&a, 0, sizeof(a));
	a.execfn = "";
	a.platform = "x86_64";
	uint64_t sp;
	assert_int_equal(build(exec_stack_size(&a), TOP, &a, &sp, 0x11, NULL), 0);
	/* argc 0, argv NULL, envp NULL, then 4 auxv pairs: 11 words at least. */
	assert_true(TOP - sp >= 11 * 8 + 16);

	/* argv and envp are NULL here: with zero counts they are never followed. */
	assert_null(a.argv);
	assert_null(a.envp);
	a.execfn = "/init";
	assert_int_equal(build(exec_stack_size(&a), TOP, &a, &sp, 0x22, NULL), 0);
}

/* Smallest buffer that works: top - sp; every size below it is -E2BIG without a write outside. */
static void check_every_size_below(const struct exec_stack_args *a, uint64_t top)
{
	uint64_t sp, sp2;
	uint8_t *big, *exact;
	const size_t bound = exec_stack_size(a);
	assert_int_equal(build(bound, top, a, &sp, 0x5a, &big), 0);
	const size_t need = top - sp;
	assert_true(need <= bound);
	for (size_t size = 0; size < need; size++)
		assert_int_equal(build(size, top, a, &sp2, 0x5a, NULL), -E2BIG);
	/* From the minimum up, the same stack pointer and the same bytes. */
	for (size_t size = need; size <= bound; size++) {
		assert_int_equal(build(size, top, a, &sp2, 0x5a, &exact), 0);
		assert_int_equal(sp2, sp);
		assert_memory_equal(exact + (size - need), big + (bound - need), need);
		free(exact);
	}
	free(big);
}

static void test_too_small(void **state)
{
	(void)state;
	struct exec_stack_args a;
	standard_args(&a);
	check_every_size_below(&a, TOP);
	check_every_size_below(&a, TOP - 8);

	static const char *const one[] = {"x"};
	memset(&a, 0, sizeof(a));
	a.argv = one;
	a.argc = 1;
	a.execfn = "x";
	a.platform = "x86_64";
	check_every_size_below(&a, TOP);
	a.argc = 0;
	a.envp = one;
	a.envc = 1;
	check_every_size_below(&a, TOP + 3);
}

/* argc/envc/nauxv parities and unaligned tops: sp is always 16-byte aligned and the bound holds. */
static void test_alignment(void **state)
{
	(void)state;
	static const char *const strs[] = {"a", "bb", "ccc", "dddd", "eeeee"};
	for (size_t argc = 0; argc < 4; argc++) {
		for (size_t envc = 0; envc < 4; envc++) {
			for (size_t nauxv = 0; nauxv < 3; nauxv++) {
				for (uint64_t off = 0; off < 16; off++) {
					struct exec_stack_args a;
					memset(&a, 0, sizeof(a));
					a.argv = strs;
					a.argc = argc;
					a.envp = strs + 1;
					a.envc = envc;
					a.execfn = strs[off % 5];
					a.platform = "x86_64";
					a.nauxv = nauxv;
					for (size_t i = 0; i < nauxv; i++) {
						a.auxv[i][0] = AT_PAGESZ + i;
						a.auxv[i][1] = off * 1000 + i;
					}
					uint64_t sp;
					assert_int_equal(build(exec_stack_size(&a), TOP - off, &a, &sp, 0, NULL), 0);
					assert_int_equal(sp % 16, 0);
				}
			}
		}
	}
}

/* A random string of len bytes, none of them NUL. */
static char *random_string(size_t len)
{
	char *s = malloc(len + 1);
	assert_non_null(s);
	for (size_t i = 0; i < len; i++)
		s[i] = (char)(1 + rng_below(255));
	s[len] = '\0';
	return s;
}

static size_t random_length(void)
{
	switch (rng_below(10)) {
	case 0:
		return 0;
	case 1:
		return rng_below(4) == 0 ? 100 * 1024 : rng_below(100 * 1024 + 1);
	default:
		return rng_below(40);
	}
}

static size_t random_count(void)
{
	switch (rng_below(6)) {
	case 0:
		return 0;
	case 1:
		return 1;
	case 2:
		return 1000 + rng_below(3000);
	default:
		return rng_below(20);
	}
}

static void test_random_arguments(void **state)
{
	(void)state;
	rng_seed(unit_seed());
	static const uint64_t given[] = {AT_PHDR,  AT_PHENT, AT_PHNUM, AT_PAGESZ, AT_BASE,  AT_FLAGS,  AT_ENTRY,
					 AT_UID,   AT_EUID,  AT_GID,   AT_EGID,   AT_HWCAP, AT_CLKTCK, AT_SECURE,
					 AT_HWCAP2, AT_MINSIGSTKSZ, 33, 51};
	for (int iter = 0; iter < 120; iter++) {
		struct exec_stack_args a;
		memset(&a, 0, sizeof(a));
		size_t argc = random_count(), envc = random_count();
		/* Many entries: short strings, so a case stays a few MiB at most. */
		bool many = argc + envc > 100;
		char **argv = calloc(argc + 1, sizeof(char *));
		char **envp = calloc(envc + 1, sizeof(char *));
		assert_non_null(argv);
		assert_non_null(envp);
		for (size_t i = 0; i < argc; i++)
			argv[i] = random_string(many ? rng_below(30) : random_length());
		for (size_t i = 0; i < envc; i++)
			envp[i] = random_string(many ? rng_below(30) : random_length());
		char *execfn = random_string(rng_below(8) == 0 ? 0 : rng_below(300));
		a.argv = (const char *const *)argv;
		a.argc = argc;
		a.envp = (const char *const *)envp;
		a.envc = envc;
		a.execfn = execfn;
		a.platform = rng_below(8) == 0 ? "" : "x86_64";
		for (size_t i = 0; i < 16; i++)
			a.random[i] = (uint8_t)rng_next();
		a.nauxv = rng_below(4) == 0 ? EXEC_AUXV_MAX : rng_below(EXEC_AUXV_MAX + 1);
		for (size_t i = 0; i < a.nauxv; i++) {
			a.auxv[i][0] = given[rng_below(sizeof(given) / sizeof(given[0]))];
			a.auxv[i][1] = rng_next();
		}
		uint64_t top = TOP - (rng_below(4) == 0 ? rng_below(16) : 0);

		uint64_t sp, sp2;
		size_t bound = exec_stack_size(&a);
		assert_int_equal(build(bound, top, &a, &sp, (uint8_t)iter, NULL), 0);
		size_t need = top - sp;
		assert_true(need <= bound);
		/* and not wildly over: the vectors, the data and a little slack */
		assert_true(bound - need <= 256);
		assert_int_equal(build(need, top, &a, &sp2, 0, NULL), 0);
		assert_int_equal(sp2, sp);
		assert_int_equal(build(need - 1, top, &a, &sp2, 0, NULL), -E2BIG);
		assert_int_equal(build(rng_below(need), top, &a, &sp2, 0, NULL), -E2BIG);

		for (size_t i = 0; i < argc; i++)
			free(argv[i]);
		for (size_t i = 0; i < envc; i++)
			free(envp[i]);
		free(argv);
		free(envp);
		free(execfn);
	}
}

/* The arguments are only read. */
static void test_args_unchanged(void **state)
{
	(void)state;
	struct exec_stack_args a, copy;
	standard_args(&a);
	memcpy(&copy, &a, sizeof(a));
	uint64_t sp;
	assert_int_equal(build(4096, TOP, &a, &sp, 0, NULL), 0);
	assert_memory_equal(&a, &copy, sizeof(a));
	assert_string_equal(a.argv[0], "/bin/sh");
	assert_string_equal(a.envp[2], "PATH=/bin:/usr/bin");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_standard_stack),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_random_arguments),
		cmocka_unit_test(test_args_unchanged),
	};
	return cmocka_run_group_tests_name("exec_stack", tests, NULL, NULL);
}
