#include "acpi/acpi.h"

#include "lib/string.h"

/* Table layouts (ACPI 6.5, chapter 5.2). Offsets are named to keep the reads explicit. */
#define RSDP_SIGNATURE "RSD PTR "
#define RSDP_V1_LENGTH 20
#define RSDP_OFF_OEM 9
#define RSDP_OFF_REVISION 15
#define RSDP_OFF_RSDT 16
#define RSDP_OFF_LENGTH 20
#define RSDP_OFF_XSDT 24
#define RSDP_V2_LENGTH 36

#define SDT_HEADER_LENGTH 36
#define SDT_OFF_LENGTH 4
#define SDT_MAX_LENGTH (4u << 20)

#define MADT_OFF_LAPIC 36
#define MADT_OFF_FLAGS 40
#define MADT_OFF_ENTRIES 44
#define MADT_PCAT_COMPAT 0x1
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_LAPIC_NMI 4
#define MADT_LAPIC_OVERRIDE 5
#define MADT_X2APIC 9
#define MADT_X2APIC_NMI 10
#define LAPIC_ENABLED 0x1
#define LAPIC_ONLINE_CAPABLE 0x2

#define FADT_OFF_DSDT 40
#define FADT_OFF_PM1A_CNT 64
#define FADT_OFF_PM1B_CNT 68
#define FADT_OFF_PM_TMR 76
#define FADT_OFF_BOOT_ARCH 109
#define FADT_OFF_FLAGS 112
#define FADT_OFF_RESET_REG 116
#define FADT_OFF_RESET_VALUE 128
#define FADT_OFF_X_DSDT 140
#define FADT_OFF_X_PM1A_CNT 172
#define FADT_OFF_X_PM1B_CNT 184
#define FADT_OFF_SLEEP_CONTROL 244
#define FADT_FLAG_TMR_VAL_EXT (1u << 8)
#define FADT_FLAG_RESET_REG_SUP (1u << 10)
#define FADT_FLAG_HW_REDUCED (1u << 20)

#define HPET_OFF_ADDRESS 40
#define MCFG_OFF_ENTRIES 44
#define MCFG_ENTRY_LENGTH 16

/* AML opcodes (ACPI 6.5, 20.3). */
#define AML_NAME_OP 0x08
#define AML_PACKAGE_OP 0x12
#define AML_ZERO_OP 0x00
#define AML_ONE_OP 0x01
#define AML_BYTE_PREFIX 0x0a
#define AML_WORD_PREFIX 0x0b
#define AML_DWORD_PREFIX 0x0c

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

static struct acpi_gas read_gas(const uint8_t *p)
{
	struct acpi_gas g = {p[0], p[1], p[2], p[3], rd64(p + 4)};
	return g;
}

static bool rsdp_valid(const uint8_t *p)
{
	if (memcmp(p, RSDP_SIGNATURE, 8) != 0 || !checksum_ok(p, RSDP_V1_LENGTH))
		return false;
	return true;
}

uint64_t acpi_find_rsdp(acpi_map_fn map)
{
	/* The EBDA segment is stored at 0x40e in the BIOS data area. */
	const uint8_t *bda = map(0x40e, 2);
	uint64_t areas[2][2] = {{0, 0}, {0xe0000, 0x20000}};

	if (bda != NULL) {
		uint64_t ebda = (uint64_t)rd16(bda) << 4;
		if (ebda >= 0x80000 && ebda < 0xa0000)
			areas[0][0] = ebda, areas[0][1] = 1024;
	}
	for (int a = 0; a < 2; a++) {
		if (areas[a][1] == 0)
			continue;
		const uint8_t *p = map(areas[a][0], areas[a][1]);
		if (p == NULL)
			continue;
		for (uint64_t off = 0; off + RSDP_V1_LENGTH <= areas[a][1]; off += 16) {
			if (rsdp_valid(p + off))
				return areas[a][0] + off;
		}
	}
	return 0;
}

/* Maps a whole table after validating its header, length and checksum. */
static const uint8_t *map_table(uint64_t pa, acpi_map_fn map, acpi_warn_fn warn, uint32_t *len_out)
{
	const uint8_t *h = map(pa, SDT_HEADER_LENGTH);
	char sig[5];

	if (h == NULL) {
		warn("table header not readable", "????");
		return NULL;
	}
	memcpy(sig, h, 4);
	sig[4] = '\0';
	uint32_t len = rd32(h + SDT_OFF_LENGTH);
	if (len < SDT_HEADER_LENGTH || len > SDT_MAX_LENGTH) {
		warn("bad table length", sig);
		return NULL;
	}
	const uint8_t *t = map(pa, len);
	if (t == NULL) {
		warn("table not readable", sig);
		return NULL;
	}
	if (!checksum_ok(t, len)) {
		warn("bad table checksum", sig);
		return NULL;
	}
	*len_out = len;
	return t;
}

static void record_table(struct acpi_info *out, const char *sig, uint64_t pa, uint32_t len)
{
	if (out->ntables >= ACPI_MAX_TABLES)
		return;
	struct acpi_table_ref *r = &out->tables[out->ntables++];
	memcpy(r->signature, sig, 4);
	r->signature[4] = '\0';
	r->address = pa;
	r->length = len;
}

static void add_cpu(struct acpi_info *out, uint32_t apic_id, uint32_t uid, uint32_t flags)
{
	if (!(flags & (LAPIC_ENABLED | LAPIC_ONLINE_CAPABLE)) || out->ncpus >= ACPI_MAX_CPUS)
		return;
	for (size_t i = 0; i < out->ncpus; i++) {
		if (out->cpus[i].apic_id == apic_id)
			return; /* listed twice (LAPIC and x2APIC entries) */
	}
	out->cpus[out->ncpus++] =
		(struct acpi_cpu){apic_id, uid, (flags & LAPIC_ENABLED) != 0, (flags & LAPIC_ONLINE_CAPABLE) != 0};
}

static void add_nmi(struct acpi_info *out, uint32_t uid, uint8_t lint, uint16_t flags)
{
	if (out->nnmis < ACPI_MAX_NMIS)
		out->nmis[out->nnmis++] = (struct acpi_nmi){uid, lint, flags};
}

static void parse_madt(const uint8_t *t, uint32_t len, acpi_warn_fn warn, struct acpi_info *out)
{
	if (len < MADT_OFF_ENTRIES) {
		warn("table too short", "APIC");
		return;
	}
	out->have_madt = true;
	out->lapic_address = rd32(t + MADT_OFF_LAPIC);
	out->pcat_compat = (rd32(t + MADT_OFF_FLAGS) & MADT_PCAT_COMPAT) != 0;
	for (uint32_t off = MADT_OFF_ENTRIES; off + 2 <= len;) {
		const uint8_t *e = t + off;
		uint8_t type = e[0], elen = e[1];
		if (elen < 2 || off + elen > len) {
			warn("malformed entry; rest ignored", "APIC");
			return;
		}
		switch (type) {
		case MADT_LAPIC:
			if (elen >= 8)
				add_cpu(out, e[3], e[2], rd32(e + 4));
			break;
		case MADT_IOAPIC:
			if (elen >= 12 && out->nioapics < ACPI_MAX_IOAPICS)
				out->ioapics[out->nioapics++] = (struct acpi_ioapic){e[2], rd32(e + 4), rd32(e + 8)};
			break;
		case MADT_OVERRIDE:
			if (elen >= 10 && e[2] == 0 && out->noverrides < ACPI_MAX_OVERRIDES)
				out->overrides[out->noverrides++] = (struct acpi_override){e[3], rd32(e + 4), rd16(e + 8)};
			break;
		case MADT_LAPIC_NMI:
			if (elen >= 6)
				add_nmi(out, e[2] == 0xff ? 0xffffffffu : e[2], e[5], rd16(e + 3));
			break;
		case MADT_LAPIC_OVERRIDE:
			if (elen >= 12)
				out->lapic_address = rd64(e + 4);
			break;
		case MADT_X2APIC:
			if (elen >= 16)
				add_cpu(out, rd32(e + 4), rd32(e + 12), rd32(e + 8));
			break;
		case MADT_X2APIC_NMI:
			if (elen >= 12)
				add_nmi(out, rd32(e + 4), e[8], rd16(e + 2));
			break;
		default:
			break;
		}
		off += elen;
	}
}

/* Skips an AML PkgLength (ACPI 6.5, 20.2.4); returns bytes consumed or 0. */
static size_t aml_pkg_length_size(const uint8_t *p, size_t left)
{
	if (left == 0)
		return 0;
	size_t n = 1 + (p[0] >> 6);
	return n <= left ? n : 0;
}

/* Reads one integer element of a package; returns bytes consumed or 0. */
static size_t aml_integer(const uint8_t *p, size_t left, uint8_t *value)
{
	if (left == 0)
		return 0;
	switch (p[0]) {
	case AML_ZERO_OP:
		*value = 0;
		return 1;
	case AML_ONE_OP:
		*value = 1;
		return 1;
	case AML_BYTE_PREFIX:
		if (left < 2)
			return 0;
		*value = p[1];
		return 2;
	case AML_WORD_PREFIX:
		if (left < 3)
			return 0;
		*value = p[1];
		return 3;
	case AML_DWORD_PREFIX:
		if (left < 5)
			return 0;
		*value = p[1];
		return 5;
	default:
		return 0;
	}
}

bool acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *type_a, uint8_t *type_b)
{
	for (size_t i = 0; i + 4 <= len; i++) {
		if (memcmp(aml + i, "_S5_", 4) != 0)
			continue;
		/* NameOp, optionally a root prefix '\', then the name. */
		bool named = (i >= 1 && aml[i - 1] == AML_NAME_OP) ||
			     (i >= 2 && aml[i - 1] == '\\' && aml[i - 2] == AML_NAME_OP);
		if (!named)
			continue;
		size_t p = i + 4;
		if (p >= len || aml[p] != AML_PACKAGE_OP)
			continue;
		p++;
		size_t n = aml_pkg_length_size(aml + p, len - p);
		if (n == 0)
			continue;
		p += n;
		if (p >= len)
			continue;
		p++; /* NumElements */
		uint8_t a = 0, b = 0;
		size_t k = aml_integer(aml + p, len - p, &a);
		if (k == 0)
			continue;
		p += k;
		if (aml_integer(aml + p, len - p, &b) == 0)
			b = 0;
		*type_a = a;
		*type_b = b;
		return true;
	}
	return false;
}

static void parse_fadt(const uint8_t *t, uint32_t len, acpi_map_fn map, acpi_warn_fn warn, struct acpi_info *out)
{
	if (len < FADT_OFF_FLAGS + 4) {
		warn("table too short", "FACP");
		return;
	}
	out->have_fadt = true;
	uint32_t flags = rd32(t + FADT_OFF_FLAGS);
	out->hw_reduced = (flags & FADT_FLAG_HW_REDUCED) != 0;
	out->boot_arch_flags = rd16(t + FADT_OFF_BOOT_ARCH);
	out->pm1a_control = rd32(t + FADT_OFF_PM1A_CNT);
	out->pm1b_control = rd32(t + FADT_OFF_PM1B_CNT);
	out->pm_timer_port = rd32(t + FADT_OFF_PM_TMR);
	out->pm_timer_32bit = (flags & FADT_FLAG_TMR_VAL_EXT) != 0;
	out->dsdt_address = rd32(t + FADT_OFF_DSDT);
	if (len >= FADT_OFF_RESET_VALUE + 1 && (flags & FADT_FLAG_RESET_REG_SUP)) {
		out->reset_register = read_gas(t + FADT_OFF_RESET_REG);
		out->reset_value = t[FADT_OFF_RESET_VALUE];
	}
	if (len >= FADT_OFF_X_DSDT + 8 && rd64(t + FADT_OFF_X_DSDT) != 0)
		out->dsdt_address = rd64(t + FADT_OFF_X_DSDT);
	if (len >= FADT_OFF_X_PM1B_CNT + 12) {
		struct acpi_gas a = read_gas(t + FADT_OFF_X_PM1A_CNT);
		struct acpi_gas b = read_gas(t + FADT_OFF_X_PM1B_CNT);
		if (a.space_id == ACPI_SPACE_IO && a.address != 0 && a.address <= 0xffff)
			out->pm1a_control = (uint32_t)a.address;
		if (b.space_id == ACPI_SPACE_IO && b.address != 0 && b.address <= 0xffff)
			out->pm1b_control = (uint32_t)b.address;
	}
	if (len >= FADT_OFF_SLEEP_CONTROL + 12)
		out->sleep_control = read_gas(t + FADT_OFF_SLEEP_CONTROL);

	if (out->dsdt_address != 0) {
		uint32_t dlen = 0;
		const uint8_t *d = map_table(out->dsdt_address, map, warn, &dlen);
		if (d != NULL) {
			record_table(out, "DSDT", out->dsdt_address, dlen);
			out->have_s5 = acpi_find_s5(d + SDT_HEADER_LENGTH, dlen - SDT_HEADER_LENGTH, &out->s5_type_a,
						    &out->s5_type_b);
		}
	}
}

static void parse_mcfg(const uint8_t *t, uint32_t len, struct acpi_info *out)
{
	for (uint32_t off = MCFG_OFF_ENTRIES; off + MCFG_ENTRY_LENGTH <= len && out->nmcfg < ACPI_MAX_MCFG;
	     off += MCFG_ENTRY_LENGTH) {
		const uint8_t *e = t + off;
		out->mcfg[out->nmcfg++] = (struct acpi_mcfg){rd64(e), rd16(e + 8), e[10], e[11]};
	}
}

static void parse_table(uint64_t pa, acpi_map_fn map, acpi_warn_fn warn, struct acpi_info *out)
{
	uint32_t len = 0;
	const uint8_t *t = map_table(pa, map, warn, &len);

	if (t == NULL)
		return;
	char sig[5];
	memcpy(sig, t, 4);
	sig[4] = '\0';
	record_table(out, sig, pa, len);
	if (memcmp(sig, "APIC", 4) == 0)
		parse_madt(t, len, warn, out);
	else if (memcmp(sig, "FACP", 4) == 0)
		parse_fadt(t, len, map, warn, out);
	else if (memcmp(sig, "HPET", 4) == 0 && len >= HPET_OFF_ADDRESS + 12) {
		struct acpi_gas g = read_gas(t + HPET_OFF_ADDRESS);
		if (g.space_id == ACPI_SPACE_MEMORY)
			out->hpet_address = g.address;
	} else if (memcmp(sig, "MCFG", 4) == 0)
		parse_mcfg(t, len, out);
}

bool acpi_parse(uint64_t rsdp_address, acpi_map_fn map, acpi_warn_fn warn, struct acpi_info *out,
		const char **error)
{
	memset(out, 0, sizeof(*out));
	const uint8_t *r = map(rsdp_address, RSDP_V1_LENGTH);
	if (r == NULL || !rsdp_valid(r)) {
		*error = "no valid RSDP";
		return false;
	}
	out->rsdp_address = rsdp_address;
	out->revision = r[RSDP_OFF_REVISION];
	memcpy(out->oem_id, r + RSDP_OFF_OEM, 6);
	out->oem_id[6] = '\0';

	uint64_t root = rd32(r + RSDP_OFF_RSDT);
	size_t entry_size = 4;
	if (out->revision >= 2) {
		const uint8_t *r2 = map(rsdp_address, RSDP_V2_LENGTH);
		if (r2 != NULL && rd32(r2 + RSDP_OFF_LENGTH) >= RSDP_V2_LENGTH && checksum_ok(r2, RSDP_V2_LENGTH) &&
		    rd64(r2 + RSDP_OFF_XSDT) != 0) {
			root = rd64(r2 + RSDP_OFF_XSDT);
			entry_size = 8;
		}
	}
	uint32_t len = 0;
	const uint8_t *t = map_table(root, map, warn, &len);
	if (t == NULL) {
		*error = "root table (XSDT/RSDT) unusable";
		return false;
	}
	record_table(out, entry_size == 8 ? "XSDT" : "RSDT", root, len);
	/* Copy the entry list: the map function may reuse its window. */
	uint64_t entries[ACPI_MAX_TABLES];
	size_t n = 0;
	for (uint32_t off = SDT_HEADER_LENGTH; off + entry_size <= len && n < ACPI_MAX_TABLES; off += entry_size)
		entries[n++] = entry_size == 8 ? rd64(t + off) : rd32(t + off);
	for (size_t i = 0; i < n; i++) {
		if (entries[i] != 0)
			parse_table(entries[i], map, warn, out);
	}
	return true;
}
