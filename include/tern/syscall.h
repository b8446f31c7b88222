/*
 * Native Tern system calls: numbers above Linux's range (Linux x86-64 will
 * not reach 4096), called with the same `syscall` instruction and register
 * convention. Each checks the caller's capabilities (fixed when the process
 * is started; ordinary programs have none): without the right one the
 * answer is -EPERM. An unknown native number is -ENOSYS like any other.
 */
#ifndef TERN_SYSCALL_H
#define TERN_SYSCALL_H

#include <stdint.h>

#define TERN_SYSCALL_BASE 4096

enum tern_syscall {
	/* () -> the caller's TERN_CAP_* bits. Anyone. */
	TERN_SYS_CAPS = TERN_SYSCALL_BASE,
	/* (struct tern_serve *out): become the file server: the kernel maps the channel
	 * (include/tern/ipc.h) into the caller and starts sending it file requests; then
	 * starts init. TERN_CAP_FS_SERVER; once per boot (EBUSY). */
	TERN_SYS_SERVE,
	/* (uint64_t *events, uint64_t timeout_ns): take the responses published in the
	 * completion ring, then sleep until a request is waiting, a notification bit is
	 * set, or the timeout (UINT64_MAX: none) passes. Returns 1 with the pending
	 * notification bits moved to *events (and cleared), 0 on timeout, -EINTR on a
	 * signal. TERN_CAP_FS_SERVER. */
	TERN_SYS_WAIT,
	/* (struct tern_initrd *out): map the boot initramfs (cpio newc) read-only into the
	 * caller. TERN_CAP_FS_SERVER. */
	TERN_SYS_INITRD,
	/* (uint32_t bdf, uint32_t offset, uint32_t size, uint32_t value, int write): PCI
	 * configuration space access; size 1, 2 or 4, naturally aligned, offset < 4096
	 * (>= 256 only with ECAM). Returns the value read (or 0 after a write); all ones
	 * for a missing device, as the hardware answers. TERN_CAP_DEVICE. */
	TERN_SYS_PCI_CONFIG,
	/* (uint64_t phys, uint64_t size) -> the address of an uncached mapping of device
	 * memory (a PCI BAR or a known device window; never RAM). TERN_CAP_DEVICE. */
	TERN_SYS_MMIO_MAP,
	/* (uint64_t size, uint64_t *phys) -> the address of zeroed, physically contiguous
	 * memory for DMA, with its physical address in *phys. Freed with munmap or at
	 * exit. TERN_CAP_DEVICE. */
	TERN_SYS_DMA_ALLOC,
	/* (uint32_t kind, uint32_t number, uint32_t bit, uint64_t *msi): deliver an
	 * interrupt as notification `bit` (0-63) of TERN_SYS_WAIT. kind TERN_IRQ_GSI: I/O
	 * APIC input `number` (level, active low: PCI INTx), masked after each delivery
	 * until TERN_SYS_IRQ_ACK; kind TERN_IRQ_MSI: a new vector whose MSI address (low
	 * 32 bits) and data (high 32 bits) come back in *msi for the device's MSI or MSI-X
	 * table. TERN_CAP_DEVICE. */
	TERN_SYS_IRQ_BIND,
	/* (uint32_t bit): unmask the GSI bound to `bit` after serving it. TERN_CAP_DEVICE. */
	TERN_SYS_IRQ_ACK,
	/* (uint32_t port, uint32_t size, uint32_t value, int write): one in/out on an I/O
	 * port the kernel does not use itself. Returns the value read. TERN_CAP_DEVICE. */
	TERN_SYS_IOPORT,
	TERN_SYS_END
};

/* Capabilities. */
#define TERN_CAP_FS_SERVER 0x1u
#define TERN_CAP_DEVICE 0x2u

#define TERN_IRQ_GSI 1u
#define TERN_IRQ_MSI 2u

struct tern_serve {
	uint64_t ring;      /* where the channel region is mapped */
	uint64_t ring_size;
};

struct tern_initrd {
	uint64_t address;
	uint64_t size;
};

#endif
