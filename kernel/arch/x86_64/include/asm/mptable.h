/* The Intel MultiProcessor Specification table (v1.4), for VMMs without ACPI. */
#ifndef ASM_MPTABLE_H
#define ASM_MPTABLE_H

#include <stdint.h>

/* Fills apic_ids with the enabled processors' local APIC ids; returns how many (0: no table). */
int mptable_find_cpus(uint32_t *apic_ids, int max);

#endif
