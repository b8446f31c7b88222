/*
 * I/O APICs (Intel 82093AA data sheet) and the legacy 8259 PICs, which are
 * masked for good. ISA IRQs are mapped to GSIs through the MADT's overrides.
 */
#ifndef ASM_IOAPIC_H
#define ASM_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "acpi/acpi.h"
#include "asm/trap.h"

/* Masks the 8259s and every I/O APIC input. */
void ioapic_init(const struct acpi_info *acpi);
/* Routes an ISA IRQ to the boot CPU; returns its vector, or 0 if no I/O APIC serves it. */
unsigned ioapic_route_isa_irq(unsigned isa_irq, irq_handler_fn handler, void *ctx);
/* Routes a GSI (level triggered, polarity from the MADT) to the boot CPU, masked; its vector or 0. */
unsigned ioapic_route_gsi(unsigned gsi, irq_handler_fn handler, void *ctx);
/* Masks or unmasks a GSI routed before. */
void ioapic_mask_gsi(unsigned gsi, bool masked);
/* Whether a GSI is routed already (by the kernel or a grant). */
bool ioapic_gsi_routed(unsigned gsi);

#endif
