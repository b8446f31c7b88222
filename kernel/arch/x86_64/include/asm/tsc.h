/*
 * The TSC's frequency, from the best source available: CPUID leaf 0x15/0x16,
 * the hypervisor's timing leaf 0x40000010, kvmclock, else calibration against
 * the PIT, the HPET or the ACPI PM timer.
 */
#ifndef ASM_TSC_H
#define ASM_TSC_H

#include <stdint.h>

#include "acpi/acpi.h"

/* Returns Hz and names the method used; 0 if nothing could measure it. */
uint64_t tsc_measure_frequency(const struct acpi_info *acpi, const char **method);

#endif
