/* The PVH boot protocol's start info, as read by the kernel. */
#ifndef ASM_PVH_H
#define ASM_PVH_H

#include <stdint.h>

#include "core/bootinfo.h"

/* Copies everything the kernel needs out of the loader's structures; panics with a message if unusable. */
void pvh_parse(uint64_t start_info_pa, struct boot_info *bi);

#endif
