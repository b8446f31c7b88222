/*
 * The native Tern calls (include/tern/syscall.h): numbers above Linux's
 * range, dispatched here from the system-call entry. Each checks the
 * caller's capabilities itself.
 */
#include "ipc/native.h"

#include "ipc/device.h"
#include "ipc/server.h"
#include "lib/errno.h"
#include "linux/syscall.h"
#include "proc/process.h"
#include "tern/syscall.h"

static long native_caps(const struct syscall_args *args)
{
	(void)args;
	return current_process()->caps;
}

static long native_serve(const struct syscall_args *args) { return io_server_serve(ARG(0)); }
static long native_wait(const struct syscall_args *args) { return io_server_wait(ARG(0), ARG(1)); }
static long native_initrd(const struct syscall_args *args) { return io_server_initrd(ARG(0)); }

static long native_pci_config(const struct syscall_args *args)
{
	return device_pci_config((uint32_t)ARG(0), (uint32_t)ARG(1), (uint32_t)ARG(2), (uint32_t)ARG(3), ARG(4) != 0);
}

static long native_mmio_map(const struct syscall_args *args) { return device_mmio_map(ARG(0), ARG(1)); }
static long native_dma_alloc(const struct syscall_args *args) { return device_dma_alloc(ARG(0), ARG(1)); }

static long native_irq_bind(const struct syscall_args *args)
{
	return device_irq_bind((uint32_t)ARG(0), (uint32_t)ARG(1), (uint32_t)ARG(2), ARG(3));
}

static long native_irq_ack(const struct syscall_args *args) { return device_irq_ack((uint32_t)ARG(0)); }

static long native_ioport(const struct syscall_args *args)
{
	return device_ioport((uint32_t)ARG(0), (uint32_t)ARG(1), (uint32_t)ARG(2), ARG(3) != 0);
}

static const syscall_fn native_table[TERN_SYS_END - TERN_SYSCALL_BASE] = {
	[TERN_SYS_CAPS - TERN_SYSCALL_BASE] = native_caps,
	[TERN_SYS_SERVE - TERN_SYSCALL_BASE] = native_serve,
	[TERN_SYS_WAIT - TERN_SYSCALL_BASE] = native_wait,
	[TERN_SYS_INITRD - TERN_SYSCALL_BASE] = native_initrd,
	[TERN_SYS_PCI_CONFIG - TERN_SYSCALL_BASE] = native_pci_config,
	[TERN_SYS_MMIO_MAP - TERN_SYSCALL_BASE] = native_mmio_map,
	[TERN_SYS_DMA_ALLOC - TERN_SYSCALL_BASE] = native_dma_alloc,
	[TERN_SYS_IRQ_BIND - TERN_SYSCALL_BASE] = native_irq_bind,
	[TERN_SYS_IRQ_ACK - TERN_SYSCALL_BASE] = native_irq_ack,
	[TERN_SYS_IOPORT - TERN_SYSCALL_BASE] = native_ioport,
};

bool native_syscall(uint64_t nr, const struct syscall_args *args, long *ret)
{
	if (nr < TERN_SYSCALL_BASE || nr >= TERN_SYS_END)
		return false;
	*ret = native_table[nr - TERN_SYSCALL_BASE](args);
	return true;
}
