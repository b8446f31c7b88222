/*
 * kernel/acpi/acpi.c on tables built here in a fake physical address space.
 * The map callback hands out an exact-size heap copy of what was asked and
 * frees the previous one, so ASan proves the parser reads only within what it
 * mapped and never uses a mapping after the next map call (the contract lets
 * the kernel's mapper reuse one window).
 */
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "acpi/acpi.h"

/* ---------------------------------------------------------------- fake physical memory */

#define LOW_SIZE 0x100000ull /* the first MiB: BIOS data area, EBDA, 0xe0000-0xfffff */
#define TABLES_BASE 0x7fe0000ull
#define TABLES_SIZE 0x40000ull
#define HIGH_BASE 0x100000000ull /* above 4 GiB: only an XSDT can point here */
#define HIGH_SIZE 0x10000ull
#define UNMAPPED 0x50000000ull   /* nothing lives here */

struct region {
	uint64_t base, size;
	uint8_t *mem;
};

static struct region regions[3];
static void *window;
static int map_calls;

static const void *map_phys(uint64_t pa, size_t len)
{
	map_calls++;
	free(window);
	window = NULL;
	for (int i = 0; i < 3; i++) {
		struct region *r = &regions[i];
		if (pa >= r->base && pa - r->base <= r->size && len <= r->size - (pa - r->base)) {
			window = malloc(len ? len : 1);
			assert_non_null(window);
			memcpy(window, r->mem + (pa - r->base), len);
			return window;
		}
	}
	return NULL;
}

/* A pointer for writing fake physical memory. */
static uint8_t *phys(uint64_t pa)
{
	for (int i = 0; i < 3; i++) {
		if (pa >= regions[i].base && pa < regions[i].base + regions[i].size)
			return regions[i].mem + (pa - regions[i].base);
	}
	fail_msg("fake physical address %#llx is not backed", (unsigned long long)pa);
	return NULL;
}

#define MAX_WARNINGS 128
static char warnings[MAX_WARNINGS][96];
static int nwarnings;

static void warn(const char *message, const char *signature)
{
	assert_non_null(message);
	assert_non_null(signature);
	if (nwarnings < MAX_WARNINGS)
		snprintf(warnings[nwarnings], sizeof(warnings[0]), "%s: %s", signature, message);
	nwarnings++;
}

static bool warned(const char *signature, const char *message_part)
{
	for (int i = 0; i < nwarnings && i < MAX_WARNINGS; i++) {
		if (strncmp(warnings[i], signature, 4) == 0 && strstr(warnings[i], message_part) != NULL)
			return true;
	}
	return false;
}

static int setup(void **state)
{
	(void)state;
	regions[0] = (struct region){0, LOW_SIZE, calloc(1, LOW_SIZE)};
	regions[1] = (struct region){TABLES_BASE, TABLES_SIZE, calloc(1, TABLES_SIZE)};
	regions[2] = (struct region){HIGH_BASE, HIGH_SIZE, calloc(1, HIGH_SIZE)};
	for (int i = 0; i < 3; i++)
		assert_non_null(regions[i].mem);
	nwarnings = 0;
	map_calls = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 3; i++)
		free(regions[i].mem);
	free(window);
	window = NULL;
	return 0;
}

/* ---------------------------------------------------------------- table builders */

static void w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void w32(uint8_t *p, uint32_t v) { w16(p, (uint16_t)v); w16(p + 2, (uint16_t)(v >> 16)); }
static void w64(uint8_t *p, uint64_t v) { w32(p, (uint32_t)v); w32(p + 4, (uint32_t)(v >> 32)); }

static void set_checksum(uint8_t *p, size_t len, size_t at)
{
	uint8_t sum = 0;
	p[at] = 0;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	p[at] = (uint8_t)-sum;
}

static void put_rsdp(uint64_t pa, uint8_t revision, uint32_t rsdt, uint64_t xsdt)
{
	uint8_t *p = phys(pa);
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + 9, "TERNOE", 6);
	p[15] = revision;
	w32(p + 16, rsdt);
	set_checksum(p, 20, 8);
	if (revision >= 2) {
		w32(p + 20, 36);
		w64(p + 24, xsdt);
		set_checksum(p, 36, 32);
	}
}

/* A table being built in place. */
struct table {
	uint64_t pa;
	uint8_t *p;
	uint32_t len;
};

static struct table table_begin(uint64_t pa, const char *sig, uint8_t revision)
{
	struct table t = {pa, phys(pa), 36};
	memset(t.p, 0, 36);
	memcpy(t.p, sig, 4);
	t.p[8] = revision;
	memcpy(t.p + 10, "TERNOE", 6);
	memcpy(t.p + 16, "TERNTEST", 8);
	return t;
}

static void table_put(struct table *t, const void *bytes, size_t n)
{
	memcpy(t->p + t->len, bytes, n);
	t->len += (uint32_t)n;
}

static void table_zeros(struct table *t, size_t n)
{
	memset(t->p + t->len, 0, n);
	t->len += (uint32_t)n;
}

/* Writes the length and the checksum. */
static void table_end(struct table *t)
{
	w32(t->p + 4, t->len);
	set_checksum(t->p, t->len, 9);
}

static void root_table(uint64_t pa, const char *sig, const uint64_t *entries, size_t n)
{
	struct table t = table_begin(pa, sig, 1);
	size_t size = sig[0] == 'X' ? 8 : 4;
	for (size_t i = 0; i < n; i++) {
		uint8_t e[8];
		w64(e, entries[i]);
		table_put(&t, e, size);
	}
	table_end(&t);
}

static struct table madt_begin(uint64_t pa, uint32_t lapic, uint32_t flags)
{
	struct table t = table_begin(pa, "APIC", 5);
	uint8_t h[8];
	w32(h, lapic);
	w32(h + 4, flags);
	table_put(&t, h, 8);
	return t;
}

static void madt_lapic(struct table *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	uint8_t e[8] = {0, 8, uid, id};
	w32(e + 4, flags);
	table_put(t, e, 8);
}

static void madt_ioapic(struct table *t, uint8_t id, uint32_t address, uint32_t gsi_base)
{
	uint8_t e[12] = {1, 12, id, 0};
	w32(e + 4, address);
	w32(e + 8, gsi_base);
	table_put(t, e, 12);
}

static void madt_override(struct table *t, uint8_t bus, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	uint8_t e[10] = {2, 10, bus, irq};
	w32(e + 4, gsi);
	w16(e + 8, flags);
	table_put(t, e, 10);
}

static void madt_nmi(struct table *t, uint8_t uid, uint16_t flags, uint8_t lint)
{
	uint8_t e[6] = {4, 6, uid};
	w16(e + 3, flags);
	e[5] = lint;
	table_put(t, e, 6);
}

static void madt_lapic_override(struct table *t, uint64_t address)
{
	uint8_t e[12] = {5, 12};
	w64(e + 4, address);
	table_put(t, e, 12);
}

static void madt_x2apic(struct table *t, uint32_t id, uint32_t flags, uint32_t uid)
{
	uint8_t e[16] = {9, 16};
	w32(e + 4, id);
	w32(e + 8, flags);
	w32(e + 12, uid);
	table_put(t, e, 16);
}

static void madt_x2apic_nmi(struct table *t, uint16_t flags, uint32_t uid, uint8_t lint)
{
	uint8_t e[12] = {10, 12};
	w16(e + 2, flags);
	w32(e + 4, uid);
	e[8] = lint;
	table_put(t, e, 12);
}

static void gas(uint8_t *p, uint8_t space, uint8_t width, uint8_t access, uint64_t address)
{
	p[0] = space;
	p[1] = width;
	p[2] = 0;
	p[3] = access;
	w64(p + 4, address);
}

/* FADT field offsets (ACPI 6.5, table 5.9). */
#define FADT_DSDT 40
#define FADT_PM1A_CNT 64
#define FADT_PM1B_CNT 68
#define FADT_PM_TMR 76
#define FADT_BOOT_ARCH 109
#define FADT_FLAGS 112
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_DSDT 140
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM1B_CNT 184
#define FADT_SLEEP_CONTROL 244
#define FADT_FULL_LENGTH 276
#define FLAG_TMR_VAL_EXT (1u << 8)
#define FLAG_RESET_REG_SUP (1u << 10)
#define FLAG_HW_REDUCED (1u << 20)

/* A full FADT with every field this parser reads set; the caller may shorten it before table_end. */
static struct table fadt_full(uint64_t pa, uint32_t dsdt, uint64_t x_dsdt, uint32_t flags)
{
	struct table t = table_begin(pa, "FACP", 6);
	table_zeros(&t, FADT_FULL_LENGTH - 36);
	w32(t.p + FADT_DSDT, dsdt);
	w32(t.p + FADT_PM1A_CNT, 0x604);
	w32(t.p + FADT_PM1B_CNT, 0);
	w32(t.p + FADT_PM_TMR, 0x608);
	w16(t.p + FADT_BOOT_ARCH, 0x0003);
	w32(t.p + FADT_FLAGS, flags);
	gas(t.p + FADT_RESET_REG, ACPI_SPACE_IO, 8, 1, 0xcf9);
	t.p[FADT_RESET_VALUE] = 0x06;
	w64(t.p + FADT_X_DSDT, x_dsdt);
	gas(t.p + FADT_X_PM1A_CNT, ACPI_SPACE_IO, 16, 2, 0xb004);
	gas(t.p + FADT_X_PM1B_CNT, ACPI_SPACE_MEMORY, 16, 2, 0x1234); /* memory space: not a port */
	gas(t.p + FADT_SLEEP_CONTROL, ACPI_SPACE_IO, 8, 1, 0x500);
	return t;
}

static void dsdt(uint64_t pa, const uint8_t *aml, size_t n)
{
	struct table t = table_begin(pa, "DSDT", 2);
	table_put(&t, aml, n);
	table_end(&t);
}

static void hpet(uint64_t pa, uint8_t space, uint64_t address)
{
	struct table t = table_begin(pa, "HPET", 1);
	table_zeros(&t, 20);
	w32(t.p + 36, 0x8086a201);
	gas(t.p + 40, space, 64, 0, address);
	table_end(&t);
}

static void mcfg(uint64_t pa, int n)
{
	struct table t = table_begin(pa, "MCFG", 1);
	table_zeros(&t, 8);
	for (int i = 0; i < n; i++) {
		uint8_t e[16] = {0};
		w64(e, 0xb0000000ull + (uint64_t)i * 0x10000000);
		w16(e + 8, (uint16_t)i);
		e[10] = (uint8_t)i;
		e[11] = (uint8_t)(0xff - i);
		table_put(&t, e, 16);
	}
	table_end(&t);
}

/* ---------------------------------------------------------------- a full, well-formed set */

#define RSDP_PA 0xf5a40ull
#define RSDT_PA (TABLES_BASE + 0x0000)
#define XSDT_PA (TABLES_BASE + 0x0800)
#define MADT_PA (TABLES_BASE + 0x1000)
#define FADT_PA (TABLES_BASE + 0x2000)
#define DSDT_PA (TABLES_BASE + 0x3000)
#define OLD_DSDT_PA (TABLES_BASE + 0x4000)
#define HPET_PA (TABLES_BASE + 0x5000)
#define MCFG_PA (TABLES_BASE + 0x6000)
#define HIGH_MCFG_PA (HIGH_BASE + 0x1000)

static const uint8_t s5_aml[] = {
	0x10, 0x05, '_', 'S', 'B', '_',                          /* some scope first */
	0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x02, 0x00, 0x00, /* \_S4 (not ours) */
	0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x07, 0x00, 0x00,
};

static void build_madt(void)
{
	struct table t = madt_begin(MADT_PA, 0xfee00000, 1);
	madt_lapic(&t, 0, 0, 1);
	madt_lapic(&t, 1, 1, 1);
	madt_lapic(&t, 2, 2, 0); /* neither enabled nor online-capable: left out */
	madt_lapic(&t, 3, 5, 2); /* online-capable only */
	madt_ioapic(&t, 2, 0xfec00000, 0);
	madt_ioapic(&t, 3, 0xfec01000, 24);
	madt_override(&t, 0, 0, 2, 0);
	madt_override(&t, 0, 9, 9, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_LEVEL);
	madt_override(&t, 1, 5, 5, 0); /* not the ISA bus: ignored */
	madt_nmi(&t, 0xff, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_EDGE, 1);
	madt_nmi(&t, 1, 0, 0);
	static const uint8_t unknown[6] = {0x7f, 6, 1, 2, 3, 4};
	table_put(&t, unknown, sizeof(unknown));
	madt_x2apic(&t, 300, 1, 300);
	madt_x2apic(&t, 1, 1, 77); /* APIC ID 1 again: listed once */
	madt_x2apic_nmi(&t, ACPI_MPS_TRIGGER_LEVEL | ACPI_MPS_POLARITY_LOW, 0xffffffff, 1);
	madt_lapic_override(&t, 0xfee10000ull);
	table_end(&t);
}

static void build_common_tables(void)
{
	build_madt();
	struct table f = fadt_full(FADT_PA, (uint32_t)OLD_DSDT_PA, DSDT_PA, FLAG_TMR_VAL_EXT | FLAG_RESET_REG_SUP);
	table_end(&f);
	dsdt(DSDT_PA, s5_aml, sizeof(s5_aml));
	static const uint8_t no_s5[] = {0x10, 0x05, '_', 'S', 'B', '_'};
	dsdt(OLD_DSDT_PA, no_s5, sizeof(no_s5));
	hpet(HPET_PA, ACPI_SPACE_MEMORY, 0xfed00000);
	mcfg(MCFG_PA, 1);
	mcfg(HIGH_MCFG_PA, 2);
}

static bool parse(struct acpi_info *info, const char **error)
{
	*error = NULL;
	memset(info, 0x5a, sizeof(*info)); /* acpi_parse must clear it */
	return acpi_parse(RSDP_PA, map_phys, warn, info, error);
}

static void expect_table(const struct acpi_info *info, size_t i, const char *sig, uint64_t pa)
{
	assert_true(i < info->ntables);
	assert_string_equal(info->tables[i].signature, sig);
	assert_int_equal(info->tables[i].address, pa);
	assert_true(info->tables[i].length >= 36);
}

static void expect_standard_madt(const struct acpi_info *info)
{
	assert_true(info->have_madt);
	assert_int_equal(info->lapic_address, 0xfee10000ull); /* the override entry wins */
	assert_true(info->pcat_compat);
	assert_int_equal(info->ncpus, 4);
	static const struct acpi_cpu cpus[] = {{0, 0, true, false}, {1, 1, true, false}, {5, 3, false, true},
					       {300, 300, true, false}};
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(info->cpus[i].apic_id, cpus[i].apic_id);
		assert_int_equal(info->cpus[i].uid, cpus[i].uid);
		assert_int_equal(info->cpus[i].enabled, cpus[i].enabled);
		assert_int_equal(info->cpus[i].online_capable, cpus[i].online_capable);
	}
	assert_int_equal(info->nioapics, 2);
	assert_int_equal(info->ioapics[0].id, 2);
	assert_int_equal(info->ioapics[0].address, 0xfec00000);
	assert_int_equal(info->ioapics[0].gsi_base, 0);
	assert_int_equal(info->ioapics[1].id, 3);
	assert_int_equal(info->ioapics[1].address, 0xfec01000);
	assert_int_equal(info->ioapics[1].gsi_base, 24);
	assert_int_equal(info->noverrides, 2);
	assert_int_equal(info->overrides[0].isa_irq, 0);
	assert_int_equal(info->overrides[0].gsi, 2);
	assert_int_equal(info->overrides[0].flags, 0);
	assert_int_equal(info->overrides[1].isa_irq, 9);
	assert_int_equal(info->overrides[1].gsi, 9);
	assert_int_equal(info->overrides[1].flags & ACPI_MPS_TRIGGER_MASK, ACPI_MPS_TRIGGER_LEVEL);
	assert_int_equal(info->overrides[1].flags & ACPI_MPS_POLARITY_MASK, ACPI_MPS_POLARITY_HIGH);
	assert_int_equal(info->nnmis, 3);
	assert_int_equal(info->nmis[0].uid, 0xffffffffu);
	assert_int_equal(info->nmis[0].lint, 1);
	assert_int_equal(info->nmis[0].flags, ACPI_MPS_POLARITY_HIGH | ACPI_MPS_TRIGGER_EDGE);
	assert_int_equal(info->nmis[1].uid, 1);
	assert_int_equal(info->nmis[1].lint, 0);
	assert_int_equal(info->nmis[2].uid, 0xffffffffu);
	assert_int_equal(info->nmis[2].lint, 1);
	assert_int_equal(info->nmis[2].flags, ACPI_MPS_TRIGGER_LEVEL | ACPI_MPS_POLARITY_LOW);
}

static void expect_standard_fadt(const struct acpi_info *info)
{
	assert_true(info->have_fadt);
	assert_false(info->hw_reduced);
	assert_int_equal(info->boot_arch_flags, 3);
	assert_int_equal(info->pm1a_control, 0xb004); /* X_PM1a_CNT_BLK in I/O space wins */
	assert_int_equal(info->pm1b_control, 0);      /* X_PM1b_CNT_BLK is in memory space: ignored */
	assert_int_equal(info->pm_timer_port, 0x608);
	assert_true(info->pm_timer_32bit);
	assert_int_equal(info->reset_register.space_id, ACPI_SPACE_IO);
	assert_int_equal(info->reset_register.bit_width, 8);
	assert_int_equal(info->reset_register.access_size, 1);
	assert_int_equal(info->reset_register.address, 0xcf9);
	assert_int_equal(info->reset_value, 6);
	assert_int_equal(info->sleep_control.space_id, ACPI_SPACE_IO);
	assert_int_equal(info->sleep_control.address, 0x500);
	assert_int_equal(info->dsdt_address, DSDT_PA); /* X_DSDT wins over DSDT */
	assert_true(info->have_s5);
	assert_int_equal(info->s5_type_a, 5);
	assert_int_equal(info->s5_type_b, 7);
}

/* ---------------------------------------------------------------- tests */

static void test_rsdt_v1(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;

	build_common_tables();
	uint64_t entries[] = {MADT_PA, FADT_PA, HPET_PA, MCFG_PA};
	root_table(RSDT_PA, "RSDT", entries, 4);
	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);

	assert_true(parse(info, &error));
	assert_null(error);
	assert_int_equal(nwarnings, 0);
	assert_int_equal(info->rsdp_address, RSDP_PA);
	assert_int_equal(info->revision, 0);
	assert_string_equal(info->oem_id, "TERNOE");
	expect_standard_madt(info);
	expect_standard_fadt(info);
	assert_int_equal(info->hpet_address, 0xfed00000);
	assert_int_equal(info->nmcfg, 1);
	assert_int_equal(info->mcfg[0].base, 0xb0000000);
	assert_int_equal(info->mcfg[0].segment, 0);
	assert_int_equal(info->mcfg[0].bus_start, 0);
	assert_int_equal(info->mcfg[0].bus_end, 0xff);
	assert_int_equal(info->ntables, 6);
	expect_table(info, 0, "RSDT", RSDT_PA);
	expect_table(info, 1, "APIC", MADT_PA);
	expect_table(info, 2, "FACP", FADT_PA);
	expect_table(info, 3, "DSDT", DSDT_PA);
	expect_table(info, 4, "HPET", HPET_PA);
	expect_table(info, 5, "MCFG", MCFG_PA);
	assert_int_equal(info->tables[0].length, 36 + 16);
	assert_int_equal(info->tables[2].length, FADT_FULL_LENGTH);
	free(info);
}

static void test_xsdt_v2(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;

	build_common_tables();
	/* The RSDT lists less: seeing the MCFG above 4 GiB proves the XSDT was used. */
	uint64_t rsdt_entries[] = {MADT_PA};
	root_table(RSDT_PA, "RSDT", rsdt_entries, 1);
	uint64_t xsdt_entries[] = {MADT_PA, FADT_PA, 0, HPET_PA, HIGH_MCFG_PA};
	root_table(XSDT_PA, "XSDT", xsdt_entries, 5);
	put_rsdp(RSDP_PA, 2, (uint32_t)RSDT_PA, XSDT_PA);

	assert_true(parse(info, &error));
	assert_int_equal(nwarnings, 0);
	assert_int_equal(info->revision, 2);
	expect_standard_madt(info);
	expect_standard_fadt(info);
	assert_int_equal(info->hpet_address, 0xfed00000);
	assert_int_equal(info->nmcfg, 2);
	assert_int_equal(info->mcfg[1].base, 0xc0000000);
	assert_int_equal(info->mcfg[1].segment, 1);
	assert_int_equal(info->mcfg[1].bus_start, 1);
	assert_int_equal(info->mcfg[1].bus_end, 0xfe);
	assert_int_equal(info->ntables, 6); /* the 0 entry is skipped */
	expect_table(info, 0, "XSDT", XSDT_PA);
	expect_table(info, 5, "MCFG", HIGH_MCFG_PA);

	/* A bad extended checksum, or no XSDT address: back to the RSDT. */
	put_rsdp(RSDP_PA, 2, (uint32_t)RSDT_PA, XSDT_PA);
	phys(RSDP_PA)[32] ^= 1;
	assert_true(parse(info, &error));
	expect_table(info, 0, "RSDT", RSDT_PA);
	assert_false(info->have_fadt);
	put_rsdp(RSDP_PA, 2, (uint32_t)RSDT_PA, 0);
	assert_true(parse(info, &error));
	expect_table(info, 0, "RSDT", RSDT_PA);
	/* The XSDT length in an odd size: the partial last entry is ignored. */
	put_rsdp(RSDP_PA, 2, (uint32_t)RSDT_PA, XSDT_PA);
	struct table x = table_begin(XSDT_PA, "XSDT", 1);
	uint8_t e[12];
	w64(e, HPET_PA);
	w32(e + 8, (uint32_t)MADT_PA);
	table_put(&x, e, 12);
	table_end(&x);
	assert_true(parse(info, &error));
	assert_int_equal(info->ntables, 2);
	assert_false(info->have_madt);
	free(info);
}

static void test_bad_rsdp(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;

	build_common_tables();
	uint64_t entries[] = {MADT_PA};
	root_table(RSDT_PA, "RSDT", entries, 1);

	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);
	phys(RSDP_PA)[8] ^= 0x40; /* checksum */
	assert_false(parse(info, &error));
	assert_non_null(error);

	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);
	phys(RSDP_PA)[0] = 'r'; /* signature, checksum fixed up */
	set_checksum(phys(RSDP_PA), 20, 8);
	assert_false(parse(info, &error));
	assert_non_null(error);

	error = NULL;
	assert_false(acpi_parse(UNMAPPED, map_phys, warn, info, &error));
	assert_non_null(error);
	/* An RSDP in the last 20 bytes that can be mapped. */
	put_rsdp(LOW_SIZE - 20, 0, (uint32_t)RSDT_PA, 0);
	assert_true(acpi_parse(LOW_SIZE - 20, map_phys, warn, info, &error));
	assert_true(info->have_madt);
	free(info);
}

static void test_unusable_root(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;

	/* XSDT in unmapped memory. */
	put_rsdp(RSDP_PA, 2, 0, UNMAPPED);
	assert_false(parse(info, &error));
	assert_non_null(error);
	assert_true(warned("????", "not readable"));

	/* RSDT with a bad checksum. */
	uint64_t entries[] = {MADT_PA};
	root_table(RSDT_PA, "RSDT", entries, 1);
	phys(RSDT_PA)[36] ^= 1;
	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);
	nwarnings = 0;
	assert_false(parse(info, &error));
	assert_true(warned("RSDT", "checksum"));

	/* RSDT that claims to run past the end of memory. */
	root_table(TABLES_BASE + TABLES_SIZE - 40, "RSDT", entries, 1);
	w32(phys(TABLES_BASE + TABLES_SIZE - 40) + 4, 100);
	put_rsdp(RSDP_PA, 0, (uint32_t)(TABLES_BASE + TABLES_SIZE - 40), 0);
	nwarnings = 0;
	assert_false(parse(info, &error));
	assert_true(warned("RSDT", "not readable"));
	free(info);
}

static void test_bad_tables_skipped(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;

	build_common_tables();
	phys(MADT_PA)[50] ^= 0x10; /* MADT checksum now wrong */
	struct table h = table_begin(HPET_PA, "HPET", 1);
	w32(h.p + 4, 20); /* length below the header size */
	struct table m = table_begin(MCFG_PA, "MCFG", 1);
	w32(m.p + 4, 0xffffffff); /* absurd length */
	struct table big = table_begin(TABLES_BASE + 0x7000, "SSDT", 1);
	w32(big.p + 4, 3u << 20); /* plausible length, but not that much memory */
	uint64_t entries[] = {MADT_PA, FADT_PA, HPET_PA, MCFG_PA, UNMAPPED, TABLES_BASE + 0x7000, 0};
	root_table(RSDT_PA, "RSDT", entries, 7);
	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);

	assert_true(parse(info, &error));
	assert_true(warned("APIC", "checksum"));
	assert_true(warned("HPET", "length"));
	assert_true(warned("MCFG", "length"));
	assert_true(warned("????", "not readable"));
	assert_true(warned("SSDT", "not readable"));
	assert_int_equal(nwarnings, 5);
	assert_false(info->have_madt);
	assert_int_equal(info->ncpus, 0);
	assert_int_equal(info->hpet_address, 0);
	assert_int_equal(info->nmcfg, 0);
	/* The good ones are still there. */
	expect_standard_fadt(info);
	assert_int_equal(info->ntables, 3);
	expect_table(info, 1, "FACP", FADT_PA);
	expect_table(info, 2, "DSDT", DSDT_PA);

	/* A DSDT with a bad checksum: the FADT stands, without S5. */
	phys(DSDT_PA)[40] ^= 1;
	nwarnings = 0;
	assert_true(parse(info, &error));
	assert_true(warned("DSDT", "checksum"));
	assert_true(info->have_fadt);
	assert_false(info->have_s5);
	free(info);
}

static void test_madt_malformed_entries(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;
	uint64_t entries[] = {MADT_PA};
	root_table(RSDT_PA, "RSDT", entries, 1);
	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);

	/* An entry of length 0 (would loop forever) after two good ones. */
	struct table t = madt_begin(MADT_PA, 0xfee00000, 0);
	madt_lapic(&t, 0, 0, 1);
	madt_ioapic(&t, 0, 0xfec00000, 0);
	static const uint8_t zero_len[8] = {0, 0, 1, 1, 1, 0, 0, 0};
	table_put(&t, zero_len, sizeof(zero_len));
	madt_lapic(&t, 2, 2, 1);
	table_end(&t);
	assert_true(parse(info, &error));
	assert_true(warned("APIC", "malformed"));
	assert_true(info->have_madt);
	assert_false(info->pcat_compat);
	assert_int_equal(info->ncpus, 1);
	assert_int_equal(info->nioapics, 1);

	/* An entry of length 1. */
	t = madt_begin(MADT_PA, 0xfee00000, 0);
	static const uint8_t one_len[2] = {1, 1};
	table_put(&t, one_len, 2);
	table_end(&t);
	nwarnings = 0;
	assert_true(parse(info, &error));
	assert_true(warned("APIC", "malformed"));

	/* The last entry runs past the table's end. */
	t = madt_begin(MADT_PA, 0xfee00000, 0);
	madt_lapic(&t, 0, 0, 1);
	madt_x2apic(&t, 7, 1, 7);
	t.len -= 4;
	table_end(&t);
	nwarnings = 0;
	assert_true(parse(info, &error));
	assert_true(warned("APIC", "malformed"));
	assert_int_equal(info->ncpus, 1);

	/* Entries shorter than their type needs are ignored, not misread. */
	t = madt_begin(MADT_PA, 0xfee00000, 0);
	static const uint8_t short_entries[] = {0, 4, 1, 1, /* LAPIC */ 1, 8, 1, 0, 0, 0, 0xc0, 0xfe, /* IOAPIC */
						9, 12, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, /* x2APIC */
						5, 8, 0, 0, 0, 0, 0, 0};
	table_put(&t, short_entries, sizeof(short_entries));
	table_end(&t);
	nwarnings = 0;
	assert_true(parse(info, &error));
	assert_int_equal(nwarnings, 0);
	assert_int_equal(info->ncpus, 0);
	assert_int_equal(info->nioapics, 0);
	assert_int_equal(info->lapic_address, 0xfee00000);

	/* Shorter than the MADT's fixed part. */
	t = table_begin(MADT_PA, "APIC", 5);
	table_zeros(&t, 4);
	table_end(&t);
	nwarnings = 0;
	assert_true(parse(info, &error));
	assert_true(warned("APIC", "short"));
	assert_false(info->have_madt);
	assert_int_equal(info->ntables, 2); /* still recorded for reservation */

	/* A trailing single byte after the last entry is ignored. */
	t = madt_begin(MADT_PA, 0xfee00000, 0);
	madt_lapic(&t, 0, 0, 1);
	table_zeros(&t, 1);
	table_end(&t);
	nwarnings = 0;
	assert_true(parse(info, &error));
	assert_int_equal(nwarnings, 0);
	assert_int_equal(info->ncpus, 1);
	free(info);
}

static void test_madt_limits(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;
	uint64_t entries[] = {MADT_PA, MCFG_PA};
	root_table(RSDT_PA, "RSDT", entries, 2);
	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);

	struct table t = madt_begin(MADT_PA, 0xfee00000, 0);
	for (uint32_t i = 0; i < 300; i++)
		madt_x2apic(&t, i, 1, i);
	for (uint8_t i = 0; i < 20; i++)
		madt_ioapic(&t, i, 0xfec00000 + i * 0x1000u, i * 24u);
	for (uint8_t i = 0; i < 40; i++)
		madt_override(&t, 0, i, i, 0);
	for (uint8_t i = 0; i < 20; i++)
		madt_nmi(&t, i, 0, 1);
	/* Duplicates of APIC IDs already listed by LAPIC entries do not count twice either. */
	for (uint8_t i = 0; i < 10; i++)
		madt_lapic(&t, i, i, 1);
	table_end(&t);
	mcfg(MCFG_PA, 10);

	assert_true(parse(info, &error));
	assert_int_equal(info->ncpus, ACPI_MAX_CPUS);
	for (size_t i = 0; i < ACPI_MAX_CPUS; i++)
		assert_int_equal(info->cpus[i].apic_id, i);
	assert_int_equal(info->nioapics, ACPI_MAX_IOAPICS);
	assert_int_equal(info->noverrides, ACPI_MAX_OVERRIDES);
	assert_int_equal(info->nnmis, ACPI_MAX_NMIS);
	assert_int_equal(info->nmcfg, ACPI_MAX_MCFG);
	free(info);
}

static void test_duplicate_cpus(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;
	uint64_t entries[] = {MADT_PA};
	root_table(RSDT_PA, "RSDT", entries, 1);
	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);

	struct table t = madt_begin(MADT_PA, 0xfee00000, 1);
	madt_x2apic(&t, 0, 1, 0);
	madt_lapic(&t, 0, 0, 1);
	madt_lapic(&t, 1, 1, 1);
	madt_x2apic(&t, 1, 1, 1);
	madt_lapic(&t, 1, 1, 1);
	madt_lapic(&t, 2, 2, 0);  /* disabled: not added */
	madt_x2apic(&t, 2, 1, 2); /* so this one is */
	table_end(&t);
	assert_true(parse(info, &error));
	assert_int_equal(info->ncpus, 3);
	assert_int_equal(info->cpus[0].apic_id, 0);
	assert_int_equal(info->cpus[1].apic_id, 1);
	assert_int_equal(info->cpus[2].apic_id, 2);
	assert_true(info->cpus[2].enabled);
	free(info);
}

static void test_fadt_variants(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;
	uint64_t entries[] = {FADT_PA};
	root_table(RSDT_PA, "RSDT", entries, 1);
	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);
	dsdt(DSDT_PA, s5_aml, sizeof(s5_aml));

	/* Revision 1: 116 bytes. No reset register, no X_ fields (the bytes after the table are not read). */
	struct table f = fadt_full(FADT_PA, (uint32_t)DSDT_PA, 0x1234567, FLAG_RESET_REG_SUP);
	f.len = 116;
	table_end(&f);
	assert_true(parse(info, &error));
	assert_int_equal(nwarnings, 0);
	assert_true(info->have_fadt);
	assert_int_equal(info->pm1a_control, 0x604);
	assert_int_equal(info->pm_timer_port, 0x608);
	assert_false(info->pm_timer_32bit);
	assert_int_equal(info->reset_register.address, 0);
	assert_int_equal(info->dsdt_address, DSDT_PA);
	assert_true(info->have_s5);
	assert_int_equal(info->sleep_control.address, 0);

	/* 129 bytes: the reset register, but still no X_DSDT. */
	f = fadt_full(FADT_PA, (uint32_t)DSDT_PA, 0x1234567, FLAG_RESET_REG_SUP);
	f.len = 129;
	table_end(&f);
	assert_true(parse(info, &error));
	assert_int_equal(info->reset_register.address, 0xcf9);
	assert_int_equal(info->reset_value, 6);
	assert_int_equal(info->dsdt_address, DSDT_PA);

	/* Without RESET_REG_SUP the register is not reported. */
	f = fadt_full(FADT_PA, (uint32_t)DSDT_PA, 0, 0);
	table_end(&f);
	assert_true(parse(info, &error));
	assert_int_equal(info->reset_register.address, 0);
	assert_int_equal(info->dsdt_address, DSDT_PA); /* X_DSDT 0: the 32-bit one stays */

	/* One byte short of the flags: not usable. */
	f = fadt_full(FADT_PA, (uint32_t)DSDT_PA, 0, 0);
	f.len = 115;
	table_end(&f);
	nwarnings = 0;
	assert_true(parse(info, &error));
	assert_true(warned("FACP", "short"));
	assert_false(info->have_fadt);
	assert_false(info->have_s5);

	/* Hardware-reduced ACPI: sleep control register, no PM1 ports. */
	f = fadt_full(FADT_PA, 0, DSDT_PA, FLAG_HW_REDUCED);
	w32(f.p + FADT_PM1A_CNT, 0);
	w32(f.p + FADT_PM_TMR, 0);
	gas(f.p + FADT_X_PM1A_CNT, ACPI_SPACE_IO, 0, 0, 0);
	gas(f.p + FADT_SLEEP_CONTROL, ACPI_SPACE_MEMORY, 8, 1, 0xfeda0004);
	table_end(&f);
	assert_true(parse(info, &error));
	assert_true(info->hw_reduced);
	assert_int_equal(info->pm1a_control, 0);
	assert_int_equal(info->pm_timer_port, 0);
	assert_int_equal(info->sleep_control.space_id, ACPI_SPACE_MEMORY);
	assert_int_equal(info->sleep_control.bit_width, 8);
	assert_int_equal(info->sleep_control.address, 0xfeda0004);
	assert_int_equal(info->dsdt_address, DSDT_PA);
	assert_true(info->have_s5);

	/* X_PM1 blocks out of the I/O port range are ignored. */
	f = fadt_full(FADT_PA, (uint32_t)DSDT_PA, 0, 0);
	gas(f.p + FADT_X_PM1A_CNT, ACPI_SPACE_IO, 16, 2, 0x10000);
	gas(f.p + FADT_X_PM1B_CNT, ACPI_SPACE_IO, 16, 2, 0xb008);
	table_end(&f);
	assert_true(parse(info, &error));
	assert_int_equal(info->pm1a_control, 0x604);
	assert_int_equal(info->pm1b_control, 0xb008);

	/* DSDT unreadable: warned, no S5, FADT kept. */
	f = fadt_full(FADT_PA, (uint32_t)UNMAPPED, 0, 0);
	table_end(&f);
	nwarnings = 0;
	assert_true(parse(info, &error));
	assert_true(info->have_fadt);
	assert_false(info->have_s5);
	assert_int_equal(nwarnings, 1);
	free(info);
}

static void test_hpet_variants(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;
	uint64_t entries[] = {HPET_PA};
	root_table(RSDT_PA, "RSDT", entries, 1);
	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);

	hpet(HPET_PA, ACPI_SPACE_IO, 0xfed00000); /* must be memory */
	assert_true(parse(info, &error));
	assert_int_equal(info->hpet_address, 0);

	struct table t = table_begin(HPET_PA, "HPET", 1); /* too short for its address */
	table_zeros(&t, 10);
	table_end(&t);
	assert_true(parse(info, &error));
	assert_int_equal(info->hpet_address, 0);
	assert_int_equal(info->ntables, 2);
	free(info);
}

static void test_table_limit(void **state)
{
	(void)state;
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error;
	uint64_t entries[80];

	hpet(HPET_PA, ACPI_SPACE_MEMORY, 0xfed00000);
	for (int i = 0; i < 80; i++)
		entries[i] = HPET_PA;
	root_table(RSDT_PA, "RSDT", entries, 80);
	put_rsdp(RSDP_PA, 0, (uint32_t)RSDT_PA, 0);
	assert_true(parse(info, &error));
	assert_int_equal(info->ntables, ACPI_MAX_TABLES);
	assert_int_equal(info->hpet_address, 0xfed00000);
	free(info);
}

/* ---------------------------------------------------------------- \_S5_ in AML */

static int find_s5(const uint8_t *aml, size_t len, uint8_t *a, uint8_t *b)
{
	uint8_t *copy = malloc(len ? len : 1); /* exact size: no reading past len */
	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, aml, len);
	*a = *b = 0xee;
	bool found = acpi_find_s5(copy, len, a, b);
	free(copy);
	return found;
}

static void expect_s5(const uint8_t *aml, size_t len, uint8_t a_want, uint8_t b_want)
{
	uint8_t a, b;
	assert_true(find_s5(aml, len, &a, &b));
	assert_int_equal(a, a_want);
	assert_int_equal(b, b_want);
}

static void test_s5_forms(void **state)
{
	(void)state;
	/* QEMU's: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) */
	static const uint8_t qemu[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00};
	expect_s5(qemu, sizeof(qemu), 0, 0);
	static const uint8_t root_prefix[] = {0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x01, 0x00, 0, 0};
	expect_s5(root_prefix, sizeof(root_prefix), 1, 0);
	static const uint8_t ones[] = {0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x01, 0x01};
	expect_s5(ones, sizeof(ones), 1, 1);
	static const uint8_t bytes[] = {0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x07, 0x0a, 0x05, 0, 0};
	expect_s5(bytes, sizeof(bytes), 7, 5);
	static const uint8_t word_dword[] = {0x08, '_', 'S', '5', '_', 0x12, 0x0b, 0x02,
					     0x0b, 0x05, 0x00, 0x0c, 0x06, 0x00, 0x00, 0x00};
	expect_s5(word_dword, sizeof(word_dword), 5, 6);
	/* Two- and three-byte PkgLength encodings. */
	static const uint8_t pkglen2[] = {0x08, '_', 'S', '5', '_', 0x12, 0x40, 0x00,
					  0x04, 0x0a, 0x03, 0x0a, 0x04, 0,    0};
	expect_s5(pkglen2, sizeof(pkglen2), 3, 4);
	static const uint8_t pkglen4[] = {0x08, '_', 'S', '5', '_', 0x12, 0xc0, 0, 0, 0, 0x02, 0x00, 0x01};
	expect_s5(pkglen4, sizeof(pkglen4), 0, 1);
	/* One element: b defaults to 0. */
	static const uint8_t single[] = {0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x0a, 0x09};
	expect_s5(single, sizeof(single), 9, 0);
	/* After an impostor that is not a Name, the real one is found. */
	static const uint8_t impostor[] = {0x70, '_', 'S', '5', '_', 0x60, /* Store (_S5_, Local0) */
					   0x08, '_', 'S', '5', '_', 0x0a, 0x05, /* Name (_S5_, 5): not a package */
					   0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0a, 0x02, 0x01};
	expect_s5(impostor, sizeof(impostor), 2, 1);
}

static void test_s5_absent_or_truncated(void **state)
{
	(void)state;
	uint8_t a, b;

	assert_false(find_s5(NULL, 0, &a, &b));
	static const uint8_t none[] = {0x10, 0x05, '_', 'S', 'B', '_', 0x08, '_',
				       'S',  '4',  '_', 0x12, 0x03, 0x01, 0x00};
	assert_false(find_s5(none, sizeof(none), &a, &b));
	static const uint8_t unnamed[] = {'_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x00};
	assert_false(find_s5(unnamed, sizeof(unnamed), &a, &b));
	static const uint8_t bad_element[] = {0x08, '_', 'S', '5', '_', 0x12, 0x03, 0x01, 0x0d, 'x', 0};
	assert_false(find_s5(bad_element, sizeof(bad_element), &a, &b));

	/* Every prefix of each form: a result, if any, is the right one; nothing is read past the end. */
	static const uint8_t forms[][16] = {
		{0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x07, 0x0a, 0x05, 0, 0},
		{0x08, '\\', '_', 'S', '5', '_', 0x12, 0x0b, 0x02, 0x0b, 0x07, 0x00, 0x0c, 0x05, 0, 0},
		{0x08, '_', 'S', '5', '_', 0x12, 0xc0, 0, 0, 0, 0x02, 0x0c, 0x07, 0, 0, 0},
	};
	for (size_t f = 0; f < 3; f++) {
		for (size_t len = 0; len <= 16; len++) {
			if (find_s5(forms[f], len, &a, &b)) {
				assert_int_equal(a, 7);
				assert_true(b == 5 || b == 0);
			}
		}
		expect_s5(forms[f], 16, 7, f == 0 ? 5 : 0); /* forms 1 and 2 end inside their second element */
	}
}

/* Random bytes around "_S5_": no crash, no out-of-bounds read. */
static void test_s5_random(void **state)
{
	(void)state;
	uint8_t buf[48], a, b;

	rng_seed(unit_seed());
	for (int i = 0; i < 20000; i++) {
		size_t len = rng_below(sizeof(buf) + 1);
		for (size_t k = 0; k < len; k++)
			buf[k] = rng_below(3) ? (uint8_t)rng_below(16) : (uint8_t)rng_next();
		if (len >= 6) {
			size_t at = rng_below(len - 4);
			memcpy(buf + at, "_S5_", 4);
			if (at > 0)
				buf[at - 1] = 0x08;
			if (at + 4 < len)
				buf[at + 4] = 0x12;
		}
		find_s5(buf, len, &a, &b);
	}
}

/* ---------------------------------------------------------------- finding the RSDP */

static void set_ebda_segment(uint16_t segment)
{
	w16(phys(0x40e), segment);
}

static void test_find_rsdp(void **state)
{
	(void)state;
	/* Nothing anywhere. */
	set_ebda_segment(0x9fc0);
	assert_int_equal(acpi_find_rsdp(map_phys), 0);

	/* In the BIOS area. */
	put_rsdp(0xf5a40, 0, 0x1000, 0);
	assert_int_equal(acpi_find_rsdp(map_phys), 0xf5a40);

	/* The EBDA is searched first. */
	put_rsdp(0x9fc00 + 0x30, 2, 0x1000, 0x2000);
	assert_int_equal(acpi_find_rsdp(map_phys), 0x9fc30);

	/* A bad checksum in the EBDA: the BIOS-area one is used. */
	phys(0x9fc30)[8] ^= 1;
	assert_int_equal(acpi_find_rsdp(map_phys), 0xf5a40);
	memset(phys(0x9fc30), 0, 36);

	/* Only 16-byte aligned positions count. */
	memset(phys(0xf5a40), 0, 36);
	put_rsdp(0xf5a48, 0, 0x1000, 0);
	assert_int_equal(acpi_find_rsdp(map_phys), 0);
	memset(phys(0xf5a48), 0, 36);

	/* Both ends of the BIOS area. */
	put_rsdp(0xe0000, 0, 0x1000, 0);
	assert_int_equal(acpi_find_rsdp(map_phys), 0xe0000);
	memset(phys(0xe0000), 0, 20);
	put_rsdp(0xfffe0, 0, 0x1000, 0);
	assert_int_equal(acpi_find_rsdp(map_phys), 0xfffe0);
	memset(phys(0xfffe0), 0, 20);

	/* Below 0xe0000 and outside the EBDA: not searched. */
	put_rsdp(0xd0000, 0, 0x1000, 0);
	assert_int_equal(acpi_find_rsdp(map_phys), 0);

	/* The EBDA's last 16-byte slot that holds 20 bytes. */
	put_rsdp(0x9fc00 + 1024 - 32, 0, 0x1000, 0);
	assert_int_equal(acpi_find_rsdp(map_phys), 0x9fc00 + 1024 - 32);
	memset(phys(0x9fc00 + 1024 - 32), 0, 20);
	/* Past the EBDA's first KiB: not searched. */
	put_rsdp(0x9fc00 + 1024, 0, 0x1000, 0);
	assert_int_equal(acpi_find_rsdp(map_phys), 0);
	memset(phys(0x9fc00 + 1024), 0, 20);

	/* An implausible EBDA segment is not followed. */
	put_rsdp(0x30000, 0, 0x1000, 0);
	set_ebda_segment(0x3000);
	assert_int_equal(acpi_find_rsdp(map_phys), 0);
	set_ebda_segment(0);
	assert_int_equal(acpi_find_rsdp(map_phys), 0);
}

static const void *map_nothing(uint64_t pa, size_t len)
{
	(void)pa;
	(void)len;
	return NULL;
}

static void test_find_rsdp_unmappable(void **state)
{
	(void)state;
	assert_int_equal(acpi_find_rsdp(map_nothing), 0);
	struct acpi_info *info = malloc(sizeof(*info));
	const char *error = NULL;
	assert_false(acpi_parse(RSDP_PA, map_nothing, warn, info, &error));
	assert_non_null(error);
	free(info);
}

#define ACPI_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		ACPI_TEST(test_rsdt_v1),
		ACPI_TEST(test_xsdt_v2),
		ACPI_TEST(test_bad_rsdp),
		ACPI_TEST(test_unusable_root),
		ACPI_TEST(test_bad_tables_skipped),
		ACPI_TEST(test_madt_malformed_entries),
		ACPI_TEST(test_madt_limits),
		ACPI_TEST(test_duplicate_cpus),
		ACPI_TEST(test_fadt_variants),
		ACPI_TEST(test_hpet_variants),
		ACPI_TEST(test_table_limit),
		ACPI_TEST(test_s5_forms),
		ACPI_TEST(test_s5_absent_or_truncated),
		ACPI_TEST(test_s5_random),
		ACPI_TEST(test_find_rsdp),
		ACPI_TEST(test_find_rsdp_unmappable),
	};
	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
