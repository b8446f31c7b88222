#include "ipc/device.h"

#include "asm/devices.h"
#include "asm/layout.h"
#include "core/log.h"
#include "core/spinlock.h"
#include "ipc/server.h"
#include "lib/errno.h"
#include "mm/pmm.h"
#include "mm/usercopy.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "proc/process.h"
#include "tern/syscall.h"

#define PCI_CONFIG_SIZE 4096u
#define PCI_LEGACY_CONFIG_SIZE 256u
#define PCI_BDF_MAX 0xffffu
/* Largest grants: one device window, one DMA buffer (the buddy allocator's largest block). */
#define MMIO_MAX (1ull << 30)
#define DMA_MAX_ORDER 10
#define NOTIFY_BITS 64

static bool allowed(void)
{
	return (current_process()->caps & TERN_CAP_DEVICE) != 0;
}

static bool size_ok(uint32_t size, uint64_t where)
{
	return (size == 1 || size == 2 || size == 4) && (where & (size - 1)) == 0;
}

long device_pci_config(uint32_t bdf, uint32_t offset, uint32_t size, uint32_t value, bool write)
{
	if (!allowed())
		return -EPERM;
	if (bdf > PCI_BDF_MAX || offset >= PCI_CONFIG_SIZE || !size_ok(size, offset))
		return -EINVAL;
	if (offset >= PCI_LEGACY_CONFIG_SIZE && !pci_config_extended(bdf))
		return write ? 0 : (long)((size == 4) ? UINT32_MAX : (1u << (8 * size)) - 1);
	if (write) {
		pci_config_write(bdf, offset, size, value);
		return 0;
	}
	return (long)pci_config_read(bdf, offset, size);
}

long device_mmio_map(uint64_t phys, uint64_t size)
{
	if (!allowed())
		return -EPERM;
	uint64_t base = phys & ~(uint64_t)(PAGE_SIZE - 1);
	if (size == 0 || size > MMIO_MAX || phys + size < phys)
		return -EINVAL;
	uint64_t span = (phys - base + size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	if (!device_memory_grantable(base, span))
		return -EINVAL; /* RAM or the kernel's own devices: never */
	struct vm_object *o = vm_object_phys(base, span, true);
	if (o == NULL)
		return -ENOMEM;
	int64_t addr = vmspace_map(current_process()->vm, 0, span, VM_PROT_READ | VM_PROT_WRITE, VMA_SHARED, o, 0,
				   false, false);
	vm_object_put(o);
	return addr < 0 ? addr : addr + (int64_t)(phys - base);
}

long device_dma_alloc(uint64_t size, uint64_t uphys)
{
	if (!allowed())
		return -EPERM;
	if (size == 0 || size > (PAGE_SIZE << DMA_MAX_ORDER))
		return -EINVAL;
	unsigned order = 0;
	while ((PAGE_SIZE << order) < size)
		order++;
	uint64_t pa = pmm_alloc_pages_contiguous(order);
	if (pa == 0)
		return -ENOMEM;
	/* A shared object owns the pages: munmap or exit gives them back, one by one. */
	struct vm_object *o = vm_object_anon(PAGE_SIZE << order);
	if (o == NULL) {
		for (uint64_t i = 0; i < (1ull << order); i++)
			pmm_page_unref(pa + i * PAGE_SIZE);
		return -ENOMEM;
	}
	for (uint64_t i = 0; i < (1ull << order); i++)
		vm_object_set_page(o, i, pa + i * PAGE_SIZE);
	int64_t addr = vmspace_map(current_process()->vm, 0, PAGE_SIZE << order, VM_PROT_READ | VM_PROT_WRITE,
				   VMA_SHARED, o, 0, false, false);
	vm_object_put(o);
	if (addr < 0)
		return addr;
	if (copy_to_user(uphys, &pa, sizeof(pa)) != 0) {
		vmspace_unmap(current_process()->vm, (uint64_t)addr, PAGE_SIZE << order);
		return -EFAULT;
	}
	return addr;
}

/* ---------------------------------------------------------------- interrupts */

struct notify_bit {
	bool used;
	bool gsi;
	unsigned number; /* the GSI */
};

static struct spinlock bits_lock = SPINLOCK_INIT("device-bits");
static struct notify_bit bits[NOTIFY_BITS];

static void notify(void *ctx)
{
	io_server_notify(1ull << (uintptr_t)ctx);
}

long device_irq_bind(uint32_t kind, uint32_t number, uint32_t bit, uint64_t umsi)
{
	if (!allowed())
		return -EPERM;
	if (bit >= NOTIFY_BITS || (kind != TERN_IRQ_GSI && kind != TERN_IRQ_MSI))
		return -EINVAL;
	uint64_t flags = spin_lock_irqsave(&bits_lock);
	bool taken = bits[bit].used;
	if (!taken)
		bits[bit].used = true;
	spin_unlock_irqrestore(&bits_lock, flags);
	if (taken)
		return -EBUSY;
	int err;
	if (kind == TERN_IRQ_GSI) {
		bits[bit].gsi = true;
		bits[bit].number = number;
		err = gsi_bind(number, notify, (void *)(uintptr_t)bit);
	} else {
		uint32_t address, data;
		err = msi_bind(notify, (void *)(uintptr_t)bit, &address, &data);
		if (err == 0) {
			uint64_t msi = address | (uint64_t)data << 32;
			if (copy_to_user(umsi, &msi, sizeof(msi)) != 0)
				err = -EFAULT; /* the vector stays bound to the bit: harmless */
		}
	}
	if (err != 0 && err != -EFAULT) {
		flags = spin_lock_irqsave(&bits_lock);
		bits[bit].used = false;
		spin_unlock_irqrestore(&bits_lock, flags);
	}
	return err;
}

long device_irq_ack(uint32_t bit)
{
	if (!allowed())
		return -EPERM;
	if (bit >= NOTIFY_BITS || !bits[bit].used)
		return -EINVAL;
	if (bits[bit].gsi)
		gsi_unmask(bits[bit].number);
	return 0;
}

long device_ioport(uint32_t port, uint32_t size, uint32_t value, bool write)
{
	if (!allowed())
		return -EPERM;
	if (!size_ok(size, port) || !port_range_grantable(port, size))
		return -EINVAL;
	if (write) {
		port_out((uint16_t)port, size, value);
		return 0;
	}
	return (long)port_in((uint16_t)port, size);
}
