/*
 * Reading the ACPI tables the VMM provides (ACPI 6.5 spec, chapter 5): RSDP ->
 * XSDT/RSDT -> MADT (CPUs, I/O APICs, interrupt overrides), FADT (power
 * management ports, the S5 sleep type from the DSDT), HPET and MCFG.
 *
 * Pure parsing: tables are reached through a caller-supplied mapping function,
 * every length and checksum is checked, and a malformed table is skipped with
 * a warning, never trusted. Host unit tests feed it hand-built tables.
 */
#ifndef ACPI_ACPI_H
#define ACPI_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS 256
#define ACPI_MAX_IOAPICS 16
#define ACPI_MAX_OVERRIDES 32
#define ACPI_MAX_NMIS 16
#define ACPI_MAX_TABLES 64
#define ACPI_MAX_MCFG 8

/* Generic Address Structure (ACPI 6.5, 5.2.3.2). */
struct acpi_gas {
	uint8_t space_id; /* ACPI_SPACE_* */
	uint8_t bit_width, bit_offset, access_size;
	uint64_t address;
};
#define ACPI_SPACE_MEMORY 0
#define ACPI_SPACE_IO 1

/* MADT interrupt-source-override and NMI flags (ACPI 6.5, table 5.50). */
#define ACPI_MPS_POLARITY_MASK 0x3
#define ACPI_MPS_POLARITY_HIGH 0x1
#define ACPI_MPS_POLARITY_LOW 0x3
#define ACPI_MPS_TRIGGER_MASK 0xc
#define ACPI_MPS_TRIGGER_EDGE 0x4
#define ACPI_MPS_TRIGGER_LEVEL 0xc

struct acpi_cpu {
	uint32_t apic_id;
	uint32_t uid;
	bool enabled;        /* usable now */
	bool online_capable; /* may be hot-added */
};

struct acpi_ioapic {
	uint32_t id;
	uint64_t address;
	uint32_t gsi_base;
};

struct acpi_override {
	uint8_t isa_irq;
	uint32_t gsi;
	uint16_t flags; /* ACPI_MPS_* */
};

struct acpi_nmi {
	uint32_t uid; /* 0xff / 0xffffffff: all processors */
	uint8_t lint;
	uint16_t flags;
};

struct acpi_mcfg {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

struct acpi_table_ref {
	char signature[5];
	uint64_t address;
	uint32_t length;
};

struct acpi_info {
	uint64_t rsdp_address;
	uint8_t revision;
	char oem_id[7];

	bool have_madt;
	uint64_t lapic_address;
	bool pcat_compat; /* dual 8259s present (must be masked) */
	struct acpi_cpu cpus[ACPI_MAX_CPUS];
	size_t ncpus;
	struct acpi_ioapic ioapics[ACPI_MAX_IOAPICS];
	size_t nioapics;
	struct acpi_override overrides[ACPI_MAX_OVERRIDES];
	size_t noverrides;
	struct acpi_nmi nmis[ACPI_MAX_NMIS];
	size_t nnmis;

	bool have_fadt;
	bool hw_reduced;
	uint16_t boot_arch_flags; /* IAPC_BOOT_ARCH */
	uint32_t pm1a_control, pm1b_control; /* I/O ports, 0 if absent */
	uint32_t pm_timer_port;
	bool pm_timer_32bit;
	struct acpi_gas sleep_control; /* hardware-reduced ACPI */
	struct acpi_gas reset_register;
	uint8_t reset_value;
	uint64_t dsdt_address;
	bool have_s5;
	uint8_t s5_type_a, s5_type_b;

	uint64_t hpet_address; /* 0 if absent */

	struct acpi_mcfg mcfg[ACPI_MAX_MCFG];
	size_t nmcfg;

	struct acpi_table_ref tables[ACPI_MAX_TABLES]; /* every table found, for reservation */
	size_t ntables;
};

/* Returns a pointer to len readable bytes at physical address pa, or NULL. */
typedef const void *(*acpi_map_fn)(uint64_t pa, size_t len);
/* Receives warnings about malformed tables. */
typedef void (*acpi_warn_fn)(const char *message, const char *signature);

/* Looks for the RSDP in the BIOS areas (EBDA first KiB, 0xe0000-0xfffff); 0 if none. */
uint64_t acpi_find_rsdp(acpi_map_fn map);

/* Parses all tables reachable from the RSDP; false (with *error) if the RSDP or root table is unusable. */
bool acpi_parse(uint64_t rsdp_address, acpi_map_fn map, acpi_warn_fn warn, struct acpi_info *out,
		const char **error);

/* The SLP_TYPa/b values of the \_S5_ package in an AML byte stream; false if not found. */
bool acpi_find_s5(const uint8_t *aml, size_t len, uint8_t *type_a, uint8_t *type_b);

#endif
