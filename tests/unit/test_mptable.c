/*
 * kernel/arch/x86_64/mptable.c on MP tables (Intel MultiProcessor Specification
 * 1.4, chapter 4) built here in a fake first MiB of physical memory. The arena
 * is exactly 1 MiB from malloc, so ASan catches any read past its end.
 */
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "asm/mptable.h"
#include "mm/phys.h"

#define LOW_MIB 0x100000u
#define BDA_EBDA_SEGMENT 0x40e
#define BDA_BASE_MEMORY_KIB 0x413
#define EBDA 0x9fc00u
#define HEADER 44
#define PROC_LEN 20
#define OTHER_LEN 8
#define CPU_ENABLED 0x1
#define CPU_BOOT 0x2

static uint8_t *mem;

static int setup(void **state)
{
	(void)state;
	mem = calloc(1, LOW_MIB);
	assert_non_null(mem);
	phys_map_offset = (uintptr_t)mem;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(mem);
	return 0;
}

static void put16(uint32_t pa, uint16_t v)
{
	mem[pa] = (uint8_t)v;
	mem[pa + 1] = (uint8_t)(v >> 8);
}

static void put32(uint32_t pa, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		mem[pa + i] = (uint8_t)(v >> (8 * i));
}

static void fix_checksum(uint32_t pa, uint32_t len, uint32_t at)
{
	uint8_t sum = 0;
	mem[at] = 0;
	for (uint32_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + mem[pa + i]);
	mem[at] = (uint8_t)-sum;
}

/* The 16-byte floating pointer structure at pa, pointing at the table at table_pa. */
static void floating_pointer(uint32_t pa, uint32_t table_pa)
{
	memcpy(mem + pa, "_MP_", 4);
	put32(pa + 4, table_pa);
	mem[pa + 8] = 1; /* length in 16-byte paragraphs */
	mem[pa + 9] = 4; /* spec revision 1.4 */
	fix_checksum(pa, 16, pa + 10);
}

struct table {
	uint32_t pa, at;
	uint16_t count;
};

static struct table table_begin(uint32_t pa)
{
	memcpy(mem + pa, "PCMP", 4);
	mem[pa + 6] = 4;
	memcpy(mem + pa + 8, "TERNTEST", 8);
	put32(pa + 36, 0xfee00000u);
	return (struct table){pa, pa + HEADER, 0};
}

static void processor(struct table *t, uint8_t apic_id, uint8_t flags)
{
	mem[t->at] = 0;
	mem[t->at + 1] = apic_id;
	mem[t->at + 2] = 0x14; /* local APIC version */
	mem[t->at + 3] = flags;
	t->at += PROC_LEN;
	t->count++;
}

static void other(struct table *t, uint8_t type)
{
	mem[t->at] = type;
	t->at += OTHER_LEN;
	t->count++;
}

static void table_end(struct table *t)
{
	put16(t->pa + 4, (uint16_t)(t->at - t->pa));
	put16(t->pa + 34, t->count);
	fix_checksum(t->pa, t->at - t->pa, t->pa + 7);
}

/* A typical table at pa: bus, four processors (the third disabled), I/O APIC, interrupts. */
static void typical_table(uint32_t pa)
{
	struct table t = table_begin(pa);
	processor(&t, 0, CPU_ENABLED | CPU_BOOT);
	processor(&t, 1, CPU_ENABLED);
	processor(&t, 2, 0);
	processor(&t, 6, CPU_ENABLED);
	other(&t, 1); /* bus */
	other(&t, 2); /* I/O APIC */
	other(&t, 3); /* I/O interrupt */
	other(&t, 4); /* local interrupt */
	table_end(&t);
}

static void set_ebda(uint32_t pa)
{
	put16(BDA_EBDA_SEGMENT, (uint16_t)(pa >> 4));
}

static void expect_ids(const uint32_t *want, int n)
{
	uint32_t ids[16];
	memset(ids, 0xff, sizeof(ids));
	assert_int_equal(mptable_find_cpus(ids, 16), n);
	for (int i = 0; i < n; i++)
		assert_int_equal(ids[i], want[i]);
}

static const uint32_t TYPICAL[] = {0, 1, 6};

static void test_nothing_there(void **state)
{
	(void)state;
	uint32_t ids[4];
	assert_int_equal(mptable_find_cpus(ids, 4), 0);
}

static void test_in_the_ebda(void **state)
{
	(void)state;
	set_ebda(EBDA);
	floating_pointer(EBDA + 0x40, 0x9fd00);
	typical_table(0x9fd00);
	expect_ids(TYPICAL, 3);
}

static void test_in_the_last_kib_of_base_memory(void **state)
{
	(void)state;
	put16(BDA_BASE_MEMORY_KIB, 512);
	floating_pointer(512 * 1024 - 1024 + 0x3f0, 0x7000);
	typical_table(0x7000);
	expect_ids(TYPICAL, 3);
}

static void test_in_the_bios_rom(void **state)
{
	(void)state;
	set_ebda(EBDA); /* an EBDA without the structure: the ROM is searched next */
	floating_pointer(0xf5a30, 0xf5a40);
	typical_table(0xf5a40);
	expect_ids(TYPICAL, 3);
}

static void test_floating_pointer_must_be_aligned_and_valid(void **state)
{
	(void)state;
	typical_table(0xf6000);
	floating_pointer(0xf5a38, 0xf6000); /* not on a 16-byte boundary */
	test_nothing_there(state);
	memset(mem + 0xf5a38, 0, 16);

	floating_pointer(0xf5a30, 0xf6000);
	mem[0xf5a30 + 11] ^= 1; /* checksum broken */
	test_nothing_there(state);

	floating_pointer(0xf5a30, 0xf6000);
	mem[0xf5a30 + 8] = 2; /* claims 32 bytes */
	fix_checksum(0xf5a30, 16, 0xf5a30 + 10);
	test_nothing_there(state);

	floating_pointer(0xf5a30, 0xf6000);
	expect_ids(TYPICAL, 3);
}

static void test_bad_table_pointers(void **state)
{
	(void)state;
	floating_pointer(0xf0000, 0); /* no table (a default configuration): not supported */
	test_nothing_there(state);
	floating_pointer(0xf0000, 0x100000);
	test_nothing_there(state);
	floating_pointer(0xf0000, 0xffffffffu);
	test_nothing_there(state);
	floating_pointer(0xf0000, LOW_MIB - 20); /* header would cross the end of low memory */
	test_nothing_there(state);
}

static void test_bad_tables(void **state)
{
	(void)state;
	floating_pointer(0xf0000, 0xf1000);

	typical_table(0xf1000);
	mem[0xf1000 + 50] ^= 0x40; /* checksum broken */
	test_nothing_there(state);

	typical_table(0xf1000);
	mem[0xf1000] = 'X';
	fix_checksum(0xf1000, mem[0xf1004] | mem[0xf1005] << 8, 0xf1007);
	test_nothing_there(state);

	memset(mem + 0xf1000, 0, 0x1000);
	struct table t = table_begin(0xf1000);
	table_end(&t);
	put16(0xf1004, HEADER - 1); /* shorter than its header */
	fix_checksum(0xf1000, HEADER - 1, 0xf1007);
	test_nothing_there(state);
}

static void test_table_running_past_low_memory(void **state)
{
	(void)state;
	uint32_t pa = LOW_MIB - 64;
	floating_pointer(0xf0000, pa);
	struct table t = table_begin(pa);
	processor(&t, 3, CPU_ENABLED);
	table_end(&t);
	put16(pa + 4, 200); /* past the end of the first MiB (and of the arena) */
	test_nothing_there(state);
	put16(pa + 4, 64);
	fix_checksum(pa, 64, pa + 7);
	expect_ids((const uint32_t[]){3}, 1);
}

static void test_counts_that_lie(void **state)
{
	(void)state;
	floating_pointer(0xf0000, 0xf1000);
	struct table t = table_begin(0xf1000);
	processor(&t, 4, CPU_ENABLED);
	processor(&t, 5, CPU_ENABLED);
	table_end(&t);
	/* More entries claimed than the length holds: stop at the length. */
	put16(0xf1000 + 34, 60000);
	fix_checksum(0xf1000, t.at - t.pa, 0xf1007);
	expect_ids((const uint32_t[]){4, 5}, 2);
	/* A processor entry cut short by the length is not used. */
	put16(0xf1000 + 4, (uint16_t)(t.at - t.pa - 4));
	fix_checksum(0xf1000, t.at - t.pa - 4, 0xf1007);
	expect_ids((const uint32_t[]){4}, 1);
	/* Fewer claimed than present: only those. */
	put16(0xf1000 + 4, (uint16_t)(t.at - t.pa));
	put16(0xf1000 + 34, 1);
	fix_checksum(0xf1000, t.at - t.pa, 0xf1007);
	expect_ids((const uint32_t[]){4}, 1);
}

static void test_max_is_respected(void **state)
{
	(void)state;
	floating_pointer(0xf0000, 0xf1000);
	struct table t = table_begin(0xf1000);
	for (int i = 0; i < 10; i++)
		processor(&t, (uint8_t)(10 + i), CPU_ENABLED);
	table_end(&t);
	uint32_t ids[4] = {0, 0, 0, 0xdead};
	assert_int_equal(mptable_find_cpus(ids, 3), 3);
	assert_int_equal(ids[0], 10);
	assert_int_equal(ids[2], 12);
	assert_int_equal(ids[3], 0xdead);
}

/* Random entry bytes under a valid header: never a read outside the table, never more than max. */
static void test_random_entries(void **state)
{
	(void)state;
	rng_seed(unit_seed());
	for (int round = 0; round < 2000; round++) {
		uint32_t len = (uint32_t)rng_range(HEADER, 600);
		uint32_t pa = LOW_MIB - len; /* flush with the end: any overread leaves the arena */
		memset(mem + 0xf0000, 0, LOW_MIB - 0xf0000);
		floating_pointer(0xf0000, pa);
		table_begin(pa);
		for (uint32_t i = HEADER; i < len; i++)
			mem[pa + i] = (uint8_t)(rng_below(4) == 0 ? 0 : rng_next());
		put16(pa + 4, (uint16_t)len);
		put16(pa + 34, (uint16_t)rng_below(100));
		fix_checksum(pa, len, pa + 7);
		uint32_t ids[8];
		int n = mptable_find_cpus(ids, 8);
		assert_true(n >= 0 && n <= 8);
	}
}

#define MP_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		MP_TEST(test_nothing_there),
		MP_TEST(test_in_the_ebda),
		MP_TEST(test_in_the_last_kib_of_base_memory),
		MP_TEST(test_in_the_bios_rom),
		MP_TEST(test_floating_pointer_must_be_aligned_and_valid),
		MP_TEST(test_bad_table_pointers),
		MP_TEST(test_bad_tables),
		MP_TEST(test_table_running_past_low_memory),
		MP_TEST(test_counts_that_lie),
		MP_TEST(test_max_is_respected),
		MP_TEST(test_random_entries),
	};
	return cmocka_run_group_tests_name("mptable", tests, NULL, NULL);
}
