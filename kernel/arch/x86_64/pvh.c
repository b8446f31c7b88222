/*
 * Copying the PVH start-of-day information (Xen's
 * include/public/arch-x86/hvm/start_info.h) into struct boot_info.
 */
#include "asm/pvh.h"

#include "asm/layout.h"
#include "core/log.h"
#include "core/panic.h"
#include "lib/string.h"
#include "mm/phys.h"

#define HVM_START_MAGIC 0x336ec578
#define HVM_MEMMAP_TYPE_RAM 1

struct hvm_start_info {
	uint32_t magic;
	uint32_t version; /* 0, or 1 with the memory map */
	uint32_t flags;
	uint32_t nr_modules;
	uint64_t modlist_paddr;
	uint64_t cmdline_paddr;
	uint64_t rsdp_paddr;
	uint64_t memmap_paddr;
	uint32_t memmap_entries;
	uint32_t reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr;
	uint64_t size;
	uint64_t cmdline_paddr;
	uint64_t reserved;
};

struct hvm_memmap_table_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
	uint32_t reserved;
};

/* A loader-given structure must lie in the memory the boot page tables map. */
static const void *boot_pointer(uint64_t pa, uint64_t len)
{
	if (pa == 0 || pa >= BOOT_MAPPED_LIMIT || len > BOOT_MAPPED_LIMIT - pa)
		return NULL;
	return phys_to_virt(pa);
}

static void sort_regions(struct boot_info *bi)
{
	for (size_t i = 1; i < bi->nregions; i++) {
		struct mem_region r = bi->regions[i];
		size_t j = i;
		while (j > 0 && bi->regions[j - 1].base > r.base) {
			bi->regions[j] = bi->regions[j - 1];
			j--;
		}
		bi->regions[j] = r;
	}
}

static void copy_cmdline(uint64_t pa, struct boot_info *bi)
{
	const char *s = boot_pointer(pa, 1);

	if (s == NULL)
		return;
	size_t max = BOOT_MAPPED_LIMIT - pa;
	size_t n = 0;
	while (n < max && n < BOOT_CMDLINE_MAX - 1 && s[n] != '\0') {
		bi->cmdline[n] = s[n];
		n++;
	}
	bi->cmdline[n] = '\0';
	bi->cmdline_len = n;
	bi->cmdline_truncated = n == BOOT_CMDLINE_MAX - 1 && n < max && s[n] != '\0';
}

void pvh_parse(uint64_t start_info_pa, struct boot_info *bi)
{
	const struct hvm_start_info *si = boot_pointer(start_info_pa, sizeof(*si));

	memset(bi, 0, sizeof(*bi));
	bi->loader = "PVH";
	if (si == NULL || si->magic != HVM_START_MAGIC)
		boot_fail("no PVH start info (magic %#x at %#llx); boot with a PVH loader (QEMU -kernel, "
		      "Cloud Hypervisor, Firecracker)",
		      si != NULL ? si->magic : 0, (unsigned long long)start_info_pa);
	copy_cmdline(si->cmdline_paddr, bi);
	bi->rsdp_paddr = si->rsdp_paddr;

	if (si->nr_modules > 0) {
		const struct hvm_modlist_entry *mods =
			boot_pointer(si->modlist_paddr, (uint64_t)si->nr_modules * sizeof(*mods));
		if (mods == NULL) {
			pr_warn("boot: module list at %#llx is not readable; ignoring modules\n",
				(unsigned long long)si->modlist_paddr);
		} else {
			for (uint32_t i = 0; i < si->nr_modules && bi->nmodules < BOOT_MAX_MODULES; i++) {
				if (mods[i].size == 0)
					continue;
				bi->modules[bi->nmodules++] = (struct boot_module){mods[i].paddr, mods[i].size};
			}
		}
	}

	if (si->version < 1 || si->memmap_entries == 0)
		boot_fail("the loader gave no memory map (start info version %u)", si->version);
	const struct hvm_memmap_table_entry *map =
		boot_pointer(si->memmap_paddr, (uint64_t)si->memmap_entries * sizeof(*map));
	if (map == NULL)
		boot_fail("memory map at %#llx is not readable", (unsigned long long)si->memmap_paddr);
	for (uint32_t i = 0; i < si->memmap_entries; i++) {
		/* microvm ends the map with an all-zero entry. */
		if (map[i].size == 0)
			continue;
		if (bi->nregions == BOOT_MAX_REGIONS) {
			pr_warn("boot: memory map has more than %d entries; the rest is ignored\n", BOOT_MAX_REGIONS);
			break;
		}
		uint32_t type = map[i].type;
		if (type < MEM_USABLE || type > MEM_UNUSABLE)
			type = MEM_RESERVED;
		bi->regions[bi->nregions++] = (struct mem_region){map[i].addr, map[i].size, type};
	}
	sort_regions(bi);
}
