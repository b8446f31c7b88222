/*
 * Finding processors in the MP table (Intel MultiProcessor Specification 1.4,
 * chapter 4): the floating pointer "_MP_" lies in the first KiB of the EBDA, the
 * last KiB of base memory or the BIOS ROM (0xf0000-0xfffff); it points to the
 * configuration table whose processor entries give the local APIC ids. Every
 * length and checksum is checked before use.
 */
#include "asm/mptable.h"

#include <stdbool.h>

#include "lib/string.h"
#include "mm/phys.h"

#define MP_FLOATING_LENGTH 16
#define MP_CONFIG_HEADER_LENGTH 44
#define MP_ENTRY_PROCESSOR 0
#define MP_PROCESSOR_ENTRY_LENGTH 20
#define MP_OTHER_ENTRY_LENGTH 8
#define MP_CPU_ENABLED 0x1
#define BDA_EBDA_SEGMENT 0x40e
#define BDA_BASE_MEMORY_KIB 0x413
#define BIOS_ROM_START 0xf0000
#define BIOS_ROM_SIZE 0x10000
#define LOW_MEMORY_END 0x100000

static bool checksum_ok(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return sum == 0;
}

static const uint8_t *scan(uint64_t start, uint64_t len)
{
	if (start >= LOW_MEMORY_END || len > LOW_MEMORY_END - start)
		return NULL;
	const uint8_t *p = phys_to_virt(start);
	for (uint64_t off = 0; off + MP_FLOATING_LENGTH <= len; off += 16) {
		if (memcmp(p + off, "_MP_", 4) == 0 && p[off + 8] == 1 && checksum_ok(p + off, MP_FLOATING_LENGTH))
			return p + off;
	}
	return NULL;
}

static const uint8_t *find_floating_pointer(void)
{
	const uint8_t *bda = phys_to_virt(0);
	uint64_t ebda = (uint64_t)(bda[BDA_EBDA_SEGMENT] | bda[BDA_EBDA_SEGMENT + 1] << 8) << 4;
	uint64_t base_kib = (uint64_t)(bda[BDA_BASE_MEMORY_KIB] | bda[BDA_BASE_MEMORY_KIB + 1] << 8);
	const uint8_t *fp = NULL;

	if (ebda != 0)
		fp = scan(ebda, 1024);
	if (fp == NULL && base_kib >= 1)
		fp = scan(base_kib * 1024 - 1024, 1024);
	if (fp == NULL)
		fp = scan(BIOS_ROM_START, BIOS_ROM_SIZE);
	return fp;
}

int mptable_find_cpus(uint32_t *apic_ids, int max)
{
	const uint8_t *fp = find_floating_pointer();
	int n = 0;

	if (fp == NULL)
		return 0;
	uint32_t table = (uint32_t)(fp[4] | fp[5] << 8 | fp[6] << 16 | (uint32_t)fp[7] << 24);
	if (table == 0 || table >= LOW_MEMORY_END - MP_CONFIG_HEADER_LENGTH)
		return 0;
	const uint8_t *h = phys_to_virt(table);
	uint16_t length = (uint16_t)(h[4] | h[5] << 8);
	uint16_t count = (uint16_t)(h[34] | h[35] << 8);
	if (memcmp(h, "PCMP", 4) != 0 || length < MP_CONFIG_HEADER_LENGTH || table + length > LOW_MEMORY_END ||
	    !checksum_ok(h, length))
		return 0;
	const uint8_t *e = h + MP_CONFIG_HEADER_LENGTH, *end = h + length;
	for (unsigned i = 0; i < count && e < end && n < max; i++) {
		if (e[0] == MP_ENTRY_PROCESSOR) {
			if (e + MP_PROCESSOR_ENTRY_LENGTH > end)
				break;
			if (e[3] & MP_CPU_ENABLED)
				apic_ids[n++] = e[1];
			e += MP_PROCESSOR_ENTRY_LENGTH;
		} else {
			e += MP_OTHER_ENTRY_LENGTH;
		}
	}
	return n;
}
