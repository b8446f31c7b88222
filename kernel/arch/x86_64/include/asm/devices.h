/*
 * Hardware access the kernel grants to the I/O server (ipc/device.c): PCI
 * configuration space, port I/O the kernel does not use itself, which
 * physical ranges are device memory, and interrupt lines and MSI vectors
 * delivered to a callback.
 */
#ifndef ASM_DEVICES_H
#define ASM_DEVICES_H

#include <stdbool.h>
#include <stdint.h>

struct acpi_info;
/* The ACPI tables found at boot (boot_main.c). */
const struct acpi_info *arch_acpi(void);

/* PCI configuration space of bus/device/function bdf (bus << 8 | device << 3 | function):
 * legacy ports for the first 256 bytes, ECAM (ACPI MCFG) beyond. Missing: all ones. */
uint32_t pci_config_read(uint32_t bdf, uint32_t offset, unsigned size);
void pci_config_write(uint32_t bdf, uint32_t offset, unsigned size, uint32_t value);
/* Whether offsets 256-4095 exist (ECAM for segment 0 covers the bus). */
bool pci_config_extended(uint32_t bdf);

/* Whether [port, port + size) is free of the kernel's own devices (PICs, PIT, RTC,
 * COM1, PCI configuration, ACPI power management, QEMU's debug exit). */
bool port_range_grantable(uint32_t port, unsigned size);
uint32_t port_in(uint16_t port, unsigned size);
void port_out(uint16_t port, unsigned size, uint32_t value);

/* Whether [phys, phys + size) is device memory the kernel does not use itself: not RAM or
 * ACPI tables (per the firmware's map), not the local APIC, I/O APICs or HPET. */
bool device_memory_grantable(uint64_t phys, uint64_t size);

typedef void (*device_irq_fn)(void *ctx);
/* Routes an I/O APIC input (level triggered, active low: PCI INTx) to fn, which runs in
 * interrupt context with the line masked; gsi_unmask() lets the next one in. 0, -EBUSY
 * (taken), -EINVAL (no such input). */
int gsi_bind(unsigned gsi, device_irq_fn fn, void *ctx);
void gsi_unmask(unsigned gsi);
/* A new vector for a device's MSI/MSI-X: its message address and data (fixed delivery to
 * the boot CPU). 0 or -ENOSPC. */
int msi_bind(device_irq_fn fn, void *ctx, uint32_t *address, uint32_t *data);

#endif
