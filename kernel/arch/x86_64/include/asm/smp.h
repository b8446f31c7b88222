/* Starting the other CPUs (arch/x86_64/smp.c, trampoline.S). */
#ifndef ASM_SMP_H
#define ASM_SMP_H

/* Where the start-up code is copied (a page below 1 MiB; the first MiB is never allocated). */
#define TRAMPOLINE_BASE 0x8000
/* Three pages after it hold the APs' temporary page tables. */
#define TRAMPOLINE_PML4 0x9000
#define TRAMPOLINE_PDPT 0xa000
#define TRAMPOLINE_PD 0xb000

#ifndef __ASSEMBLY__
#include <stdint.h>

#include "acpi/acpi.h"

struct trampoline_data {
	uint32_t cr3;
	uint32_t nx;
	uint64_t stack;
	uint64_t entry;
	uint64_t arg;
};

/* Brings up the CPUs the firmware lists (ACPI MADT, else the MP table), at most max in all. */
void smp_start_cpus(const struct acpi_info *acpi, unsigned max);
/* Halts every other CPU at once (NMI): the panic path. */
void smp_stop_others(void);
/* Registers the IPI handlers (boot CPU, before any AP starts). */
void smp_init_ipis(void);
/* Makes cpu reschedule soon (an IPI unless it is this one). */
void smp_kick(unsigned cpu);
#endif

#endif
