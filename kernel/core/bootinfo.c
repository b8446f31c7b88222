#include "core/bootinfo.h"

struct boot_info boot_info;

uint64_t boot_usable_ram(const struct boot_info *bi)
{
	uint64_t total = 0;

	for (size_t i = 0; i < bi->nregions; i++) {
		if (bi->regions[i].type == MEM_USABLE)
			total += bi->regions[i].size;
	}
	return total;
}
