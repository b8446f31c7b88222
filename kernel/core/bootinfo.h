/*
 * What the boot loader told us, in the kernel's own form (copied out of
 * hvm_start_info early, so nothing depends on the loader's memory afterwards).
 */
#ifndef CORE_BOOTINFO_H
#define CORE_BOOTINFO_H

#include <stddef.h>
#include <stdint.h>

#define MEM_USABLE 1   /* E820 type 1 */
#define MEM_RESERVED 2
#define MEM_ACPI 3
#define MEM_NVS 4
#define MEM_UNUSABLE 5

#define BOOT_MAX_REGIONS 128
#define BOOT_MAX_MODULES 8
#define BOOT_CMDLINE_MAX 2048

struct mem_region {
	uint64_t base, size;
	uint32_t type;
};

struct boot_module {
	uint64_t paddr, size;
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	size_t cmdline_len;
	int cmdline_truncated;
	struct mem_region regions[BOOT_MAX_REGIONS];
	size_t nregions;
	struct boot_module modules[BOOT_MAX_MODULES];
	size_t nmodules;
	uint64_t rsdp_paddr; /* 0 when the loader gave none */
	const char *loader;  /* "PVH" */
};

/* Filled in once by the arch entry code before kmain(). */
extern struct boot_info boot_info;

/* Total bytes of MEM_USABLE RAM. */
uint64_t boot_usable_ram(const struct boot_info *bi);

#endif
