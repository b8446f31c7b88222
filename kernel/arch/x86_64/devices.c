#include "asm/devices.h"

#include "acpi/acpi.h"
#include "asm/cpu.h"
#include "asm/ioapic.h"
#include "asm/lapic.h"
#include "asm/layout.h"
#include "asm/trap.h"
#include "core/bootinfo.h"
#include "core/spinlock.h"
#include "lib/errno.h"
#include "mm/kva.h"
#include "sched/cpu.h"

/* PCI Local Bus Specification 3.0, 3.2.2.3.2: configuration mechanism #1. */
#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_CONFIG_ENABLE 0x80000000u
/* PCI Express Base Specification, 7.2.2: ECAM gives each bus 1 MiB, each function 4 KiB. */
#define ECAM_BUS_SIZE (1u << 20)
#define PCI_BUSES 256
/* The MSI message address of the local APICs (Intel SDM vol. 3A, 11.11.1). */
#define MSI_ADDRESS_BASE 0xfee00000u
#define LAPIC_WINDOW 0xfee00000ull
#define LAPIC_WINDOW_SIZE 0x100000ull
#define IOAPIC_WINDOW_SIZE 0x1000ull
#define HPET_WINDOW_SIZE 0x400ull
#define QEMU_DEBUG_EXIT_PORT 0xf4

/* protects the two-step legacy configuration cycle and the ECAM mappings */
static struct spinlock pci_lock = SPINLOCK_INIT("pci");
static volatile uint8_t *ecam_bus[PCI_BUSES];

static const struct acpi_mcfg *ecam_for(unsigned bus)
{
	const struct acpi_info *a = arch_acpi();

	for (size_t i = 0; i < a->nmcfg; i++) {
		const struct acpi_mcfg *m = &a->mcfg[i];
		if (m->segment == 0 && bus >= m->bus_start && bus <= m->bus_end)
			return m;
	}
	return NULL;
}

/* The ECAM window of a bus, mapped on first use; NULL without ECAM. Caller holds pci_lock. */
static volatile uint8_t *ecam_window(unsigned bus)
{
	if (ecam_bus[bus] == NULL) {
		const struct acpi_mcfg *m = ecam_for(bus);
		if (m == NULL)
			return NULL;
		ecam_bus[bus] = kva_map_mmio(m->base + (uint64_t)(bus - m->bus_start) * ECAM_BUS_SIZE, ECAM_BUS_SIZE);
	}
	return ecam_bus[bus];
}

bool pci_config_extended(uint32_t bdf)
{
	return ecam_for((bdf >> 8) & 0xff) != NULL;
}

uint32_t pci_config_read(uint32_t bdf, uint32_t offset, unsigned size)
{
	uint32_t v = UINT32_MAX;
	uint64_t flags = spin_lock_irqsave(&pci_lock);

	if (offset < 256) {
		outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (bdf << 8) | (offset & 0xfc));
		uint16_t port = (uint16_t)(PCI_CONFIG_DATA + (offset & 3));
		v = size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
	} else {
		volatile uint8_t *w = ecam_window((bdf >> 8) & 0xff);
		if (w != NULL) {
			volatile uint8_t *a = w + ((bdf & 0xff) << 12) + offset;
			v = size == 1 ? *a : size == 2 ? *(volatile uint16_t *)a : *(volatile uint32_t *)a;
		}
	}
	spin_unlock_irqrestore(&pci_lock, flags);
	if (v == UINT32_MAX && size < 4)
		v = (1u << (8 * size)) - 1;
	return v;
}

void pci_config_write(uint32_t bdf, uint32_t offset, unsigned size, uint32_t value)
{
	uint64_t flags = spin_lock_irqsave(&pci_lock);

	if (offset < 256) {
		outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | (bdf << 8) | (offset & 0xfc));
		uint16_t port = (uint16_t)(PCI_CONFIG_DATA + (offset & 3));
		if (size == 1)
			outb(port, (uint8_t)value);
		else if (size == 2)
			outw(port, (uint16_t)value);
		else
			outl(port, value);
	} else {
		volatile uint8_t *w = ecam_window((bdf >> 8) & 0xff);
		if (w != NULL) {
			volatile uint8_t *a = w + ((bdf & 0xff) << 12) + offset;
			if (size == 1)
				*a = (uint8_t)value;
			else if (size == 2)
				*(volatile uint16_t *)a = (uint16_t)value;
			else
				*(volatile uint32_t *)a = value;
		}
	}
	spin_unlock_irqrestore(&pci_lock, flags);
}

/* ---------------------------------------------------------------- ports */

struct port_range {
	uint32_t first, last;
};

/* The kernel's own: 8259 PICs, PIT, keyboard controller (reset), RTC/CMOS, POST, COM1, PCI config. */
static const struct port_range kernel_ports[] = {
	{0x20, 0x21}, {0x40, 0x43}, {0x60, 0x64}, {0x70, 0x71}, {0x80, 0x80},
	{0xa0, 0xa1}, {0x3f8, 0x3ff}, {0xcf8, 0xcff}, {QEMU_DEBUG_EXIT_PORT, QEMU_DEBUG_EXIT_PORT + 3},
};

static bool overlaps(uint32_t a, uint32_t b, uint32_t first, uint32_t last)
{
	return a <= last && b >= first;
}

bool port_range_grantable(uint32_t port, unsigned size)
{
	const struct acpi_info *a = arch_acpi();
	uint32_t last = port + size - 1;

	if (port > 0xffff || last > 0xffff)
		return false;
	for (size_t i = 0; i < sizeof(kernel_ports) / sizeof(kernel_ports[0]); i++) {
		if (overlaps(port, last, kernel_ports[i].first, kernel_ports[i].last))
			return false;
	}
	/* ACPI power management: PM1 control and status blocks and the PM timer. */
	const uint32_t acpi_ports[] = {a->pm1a_control, a->pm1b_control, a->pm_timer_port};
	for (size_t i = 0; i < sizeof(acpi_ports) / sizeof(acpi_ports[0]); i++) {
		if (acpi_ports[i] != 0 && overlaps(port, last, acpi_ports[i], acpi_ports[i] + 3))
			return false;
	}
	return true;
}

uint32_t port_in(uint16_t port, unsigned size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

void port_out(uint16_t port, unsigned size, uint32_t value)
{
	if (size == 1)
		outb(port, (uint8_t)value);
	else if (size == 2)
		outw(port, (uint16_t)value);
	else
		outl(port, value);
}

/* ---------------------------------------------------------------- memory */

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

bool device_memory_grantable(uint64_t phys, uint64_t size)
{
	const struct acpi_info *a = arch_acpi();

	if (size == 0 || phys + size < phys || phys + size > (1ull << 52))
		return false;
	/* Low memory holds the BIOS, the trampoline and legacy tables. */
	if (phys < 0x100000)
		return false;
	for (size_t i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		bool ram = r->type == MEM_USABLE || r->type == MEM_ACPI || r->type == MEM_NVS;
		if (ram && ranges_overlap(phys, size, r->base, r->size))
			return false;
	}
	if (ranges_overlap(phys, size, LAPIC_WINDOW, LAPIC_WINDOW_SIZE))
		return false;
	for (size_t i = 0; i < a->nioapics; i++) {
		if (ranges_overlap(phys, size, a->ioapics[i].address, IOAPIC_WINDOW_SIZE))
			return false;
	}
	if (a->hpet_address != 0 && ranges_overlap(phys, size, a->hpet_address, HPET_WINDOW_SIZE))
		return false;
	for (size_t i = 0; i < a->nmcfg; i++) {
		uint64_t len = (uint64_t)(a->mcfg[i].bus_end - a->mcfg[i].bus_start + 1) * ECAM_BUS_SIZE;
		if (ranges_overlap(phys, size, a->mcfg[i].base, len))
			return false; /* configuration space goes through pci_config_* */
	}
	return true;
}

/* ---------------------------------------------------------------- interrupts */

struct bound_irq {
	device_irq_fn fn;
	void *ctx;
	unsigned gsi; /* for a GSI: masked on delivery */
	bool is_gsi;
};

static struct bound_irq bound[256]; /* by vector */
static struct spinlock irq_lock = SPINLOCK_INIT("device-irqs");

static void deliver(struct trap_frame *f, void *ctx)
{
	struct bound_irq *b = ctx;

	(void)f;
	if (b->is_gsi)
		ioapic_mask_gsi(b->gsi, true); /* level triggered: quiet until the server has served it */
	b->fn(b->ctx);
}

int gsi_bind(unsigned gsi, device_irq_fn fn, void *ctx)
{
	uint64_t flags = spin_lock_irqsave(&irq_lock);
	unsigned vector = VEC_IRQ_BASE + gsi;
	int err = 0;

	if (vector >= VEC_MSI_BASE)
		err = -EINVAL;
	else if (bound[vector].fn != NULL || ioapic_gsi_routed(gsi))
		err = -EBUSY;
	if (err == 0) {
		bound[vector] = (struct bound_irq){fn, ctx, gsi, true};
		if (ioapic_route_gsi(gsi, deliver, &bound[vector]) == 0) {
			bound[vector].fn = NULL;
			err = -EINVAL;
		}
	}
	spin_unlock_irqrestore(&irq_lock, flags);
	if (err == 0)
		ioapic_mask_gsi(gsi, false);
	return err;
}

void gsi_unmask(unsigned gsi)
{
	ioapic_mask_gsi(gsi, false);
}

int msi_bind(device_irq_fn fn, void *ctx, uint32_t *address, uint32_t *data)
{
	uint64_t flags = spin_lock_irqsave(&irq_lock);
	unsigned vector = VEC_MSI_BASE;

	while (vector < VEC_IRQ_LIMIT && bound[vector].fn != NULL)
		vector++;
	if (vector == VEC_IRQ_LIMIT) {
		spin_unlock_irqrestore(&irq_lock, flags);
		return -ENOSPC;
	}
	bound[vector] = (struct bound_irq){fn, ctx, 0, false};
	trap_register(vector, deliver, &bound[vector]);
	spin_unlock_irqrestore(&irq_lock, flags);
	*address = MSI_ADDRESS_BASE | (cpus[0].arch_id << 12);
	*data = vector; /* fixed delivery, edge triggered */
	return 0;
}
