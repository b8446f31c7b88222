/*
 * Device grants for the I/O server (native calls, include/tern/syscall.h):
 * PCI configuration space, uncached mappings of device memory, DMA memory
 * with its physical address, interrupts delivered as notifications, and port
 * I/O. All need TERN_CAP_DEVICE; anything else gets -EPERM.
 */
#ifndef IPC_DEVICE_H
#define IPC_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

long device_pci_config(uint32_t bdf, uint32_t offset, uint32_t size, uint32_t value, bool write);
long device_mmio_map(uint64_t phys, uint64_t size);
long device_dma_alloc(uint64_t size, uint64_t uphys);
long device_irq_bind(uint32_t kind, uint32_t number, uint32_t bit, uint64_t umsi);
long device_irq_ack(uint32_t bit);
long device_ioport(uint32_t port, uint32_t size, uint32_t value, bool write);

#endif
