/* Powering the VM off: isa-debug-exit (QEMU, carries a status), ACPI S5, else halt. */
#ifndef ASM_POWER_H
#define ASM_POWER_H

#include "acpi/acpi.h"

/* QEMU's isa-debug-exit: writing v exits QEMU with status (v << 1) | 1. */
#define DEBUG_EXIT_PORT 0xf4

/* Remembers the FADT's sleep registers for arch_poweroff(). */
void power_init(const struct acpi_info *acpi);

#endif
