/*
 * Physical <-> virtual translation for memory in the direct map.
 * In the kernel the offset is the arch's DIRECT_MAP_BASE; host unit tests point
 * it at an arena so that code walking "physical" structures runs unchanged.
 */
#ifndef MM_PHYS_H
#define MM_PHYS_H

#include <stdint.h>

extern uintptr_t phys_map_offset;

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)(pa + phys_map_offset);
}

/* Only for pointers into the direct map. */
static inline uint64_t virt_to_phys(const void *va)
{
	return (uint64_t)(uintptr_t)va - phys_map_offset;
}

#endif
