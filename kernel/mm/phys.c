#include "mm/phys.h"

#ifdef __KERNEL__
#include "asm/layout.h"
uintptr_t phys_map_offset = DIRECT_MAP_BASE;
#else
uintptr_t phys_map_offset;
#endif
