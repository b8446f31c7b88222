/* The local APIC (SDM vol. 3A, chapter 11), in xAPIC (MMIO) or x2APIC (MSR) mode. */
#ifndef ASM_LAPIC_H
#define ASM_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Enables this CPU's local APIC; physical base from MSR or MADT. */
void lapic_init(uint64_t madt_address);
uint32_t lapic_id(void);
void lapic_eoi(void);
bool lapic_x2apic_mode(void);

/* Timer. TSC-deadline when the CPU has it, else the APIC timer in one-shot mode. */
void lapic_timer_init(unsigned vector);
bool lapic_timer_uses_tsc_deadline(void);
/* Fires the timer vector once at (or just after) a monotonic time. */
void lapic_timer_program(uint64_t deadline_ns);

#endif
