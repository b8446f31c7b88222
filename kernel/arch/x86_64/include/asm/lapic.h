/* The local APIC (SDM vol. 3A, chapter 11), in xAPIC (MMIO) or x2APIC (MSR) mode. */
#ifndef ASM_LAPIC_H
#define ASM_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

/* Enables the boot CPU's local APIC (physical base from MSR or MADT) and maps it. */
void lapic_init(uint64_t madt_address);
/* Enables an application processor's local APIC (after lapic_init on the boot CPU). */
void lapic_init_ap(void);

/* Inter-processor interrupts. */
void lapic_send_ipi(uint32_t apic_id, unsigned vector);
void lapic_send_nmi_all_others(void);
void lapic_send_init(uint32_t apic_id);
void lapic_send_startup(uint32_t apic_id, uint64_t trampoline_pa);
uint32_t lapic_id(void);
void lapic_eoi(void);
bool lapic_x2apic_mode(void);

/* Timer. TSC-deadline when the CPU has it, else the APIC timer in one-shot mode. */
void lapic_timer_init(unsigned vector);
bool lapic_timer_uses_tsc_deadline(void);
/* Fires the timer vector once at (or just after) a monotonic time. */
void lapic_timer_program(uint64_t deadline_ns);

#endif
