#include "asm/ioapic.h"

#include <stdbool.h>

#include "asm/cpu.h"
#include "asm/lapic.h"
#include "core/log.h"
#include "mm/kva.h"

#define IOREGSEL 0x00
#define IOWIN 0x10
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_REDIR 0x10 /* entry n: 0x10 + 2n (low), 0x11 + 2n (high) */
#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

/* 8259 ports and initialization words (Intel 8259A data sheet). */
#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01

struct ioapic {
	volatile uint32_t *regs;
	uint32_t gsi_base;
	uint32_t count;
};

/* Written during boot only. */
static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static unsigned nioapics;
static const struct acpi_info *acpi_tables;

static uint32_t ioapic_read(struct ioapic *io, uint32_t reg)
{
	io->regs[IOREGSEL / 4] = reg;
	return io->regs[IOWIN / 4];
}

static void ioapic_write(struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->regs[IOREGSEL / 4] = reg;
	io->regs[IOWIN / 4] = v;
}

/* Remaps the 8259s away from the exception vectors, then masks them. */
static void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, VEC_PIC_BASE);
	outb(PIC2_DATA, VEC_PIC_BASE + 8);
	outb(PIC1_DATA, 4); /* slave on IRQ2 */
	outb(PIC2_DATA, 2);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, 0xff);
	outb(PIC2_DATA, 0xff);
}

void ioapic_init(const struct acpi_info *acpi)
{
	acpi_tables = acpi;
	pic_disable();
	for (size_t i = 0; i < acpi->nioapics && nioapics < ACPI_MAX_IOAPICS; i++) {
		struct ioapic *io = &ioapics[nioapics];
		io->regs = kva_map_mmio(acpi->ioapics[i].address, 0x20);
		if (io->regs == NULL)
			continue;
		io->gsi_base = acpi->ioapics[i].gsi_base;
		io->count = ((ioapic_read(io, IOAPIC_REG_VERSION) >> 16) & 0xff) + 1;
		for (uint32_t n = 0; n < io->count; n++) {
			ioapic_write(io, IOAPIC_REG_REDIR + 2 * n, REDIR_MASKED);
			ioapic_write(io, IOAPIC_REG_REDIR + 2 * n + 1, 0);
		}
		pr_info("ioapic: id %u at %#llx, GSIs %u-%u\n", acpi->ioapics[i].id,
			(unsigned long long)acpi->ioapics[i].address, io->gsi_base, io->gsi_base + io->count - 1);
		nioapics++;
	}
}

unsigned ioapic_route_isa_irq(unsigned isa_irq, irq_handler_fn handler, void *ctx)
{
	uint32_t gsi = isa_irq;
	uint16_t flags = 0;

	for (size_t i = 0; acpi_tables != NULL && i < acpi_tables->noverrides; i++) {
		if (acpi_tables->overrides[i].isa_irq == isa_irq) {
			gsi = acpi_tables->overrides[i].gsi;
			flags = acpi_tables->overrides[i].flags;
		}
	}
	/* ISA defaults: edge triggered, active high. */
	bool level = (flags & ACPI_MPS_TRIGGER_MASK) == ACPI_MPS_TRIGGER_LEVEL;
	bool low = (flags & ACPI_MPS_POLARITY_MASK) == ACPI_MPS_POLARITY_LOW;
	for (unsigned i = 0; i < nioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi < io->gsi_base || gsi >= io->gsi_base + io->count)
			continue;
		unsigned vector = VEC_IRQ_BASE + gsi;
		if (vector >= VEC_MSI_BASE)
			return 0;
		trap_register(vector, handler, ctx);
		uint32_t n = gsi - io->gsi_base;
		ioapic_write(io, IOAPIC_REG_REDIR + 2 * n + 1, lapic_id() << 24);
		ioapic_write(io, IOAPIC_REG_REDIR + 2 * n,
			     vector | (level ? REDIR_LEVEL : 0) | (low ? REDIR_ACTIVE_LOW : 0));
		return vector;
	}
	return 0;
}

/* The I/O APIC and input serving gsi, or NULL. */
static struct ioapic *ioapic_of(unsigned gsi, uint32_t *n)
{
	for (unsigned i = 0; i < nioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi < io->gsi_base + io->count) {
			*n = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

unsigned ioapic_route_gsi(unsigned gsi, irq_handler_fn handler, void *ctx)
{
	uint32_t n;
	struct ioapic *io = ioapic_of(gsi, &n);
	unsigned vector = VEC_IRQ_BASE + gsi;

	if (io == NULL || vector >= VEC_MSI_BASE)
		return 0;
	/* PCI interrupts are level triggered. An input the MADT overrides says how it is wired;
	 * one of the 16 legacy lines without an override is a PCI link through the PIIX
	 * router (active high); the I/O APIC's own PCI inputs above 15 are active low. */
	uint32_t polarity = gsi < 16 ? 0 : REDIR_ACTIVE_LOW;
	for (size_t i = 0; acpi_tables != NULL && i < acpi_tables->noverrides; i++) {
		if (acpi_tables->overrides[i].gsi == gsi) {
			uint16_t f = acpi_tables->overrides[i].flags;
			polarity = (f & ACPI_MPS_POLARITY_MASK) == ACPI_MPS_POLARITY_LOW ? REDIR_ACTIVE_LOW : 0;
		}
	}
	trap_register(vector, handler, ctx);
	ioapic_write(io, IOAPIC_REG_REDIR + 2 * n + 1, lapic_id() << 24);
	ioapic_write(io, IOAPIC_REG_REDIR + 2 * n, vector | REDIR_LEVEL | polarity | REDIR_MASKED);
	return vector;
}

void ioapic_mask_gsi(unsigned gsi, bool masked)
{
	uint32_t n;
	struct ioapic *io = ioapic_of(gsi, &n);

	if (io == NULL)
		return;
	uint32_t v = ioapic_read(io, IOAPIC_REG_REDIR + 2 * n);
	ioapic_write(io, IOAPIC_REG_REDIR + 2 * n, masked ? v | REDIR_MASKED : v & ~REDIR_MASKED);
}

bool ioapic_gsi_routed(unsigned gsi)
{
	uint32_t n;
	struct ioapic *io = ioapic_of(gsi, &n);

	return io != NULL && (ioapic_read(io, IOAPIC_REG_REDIR + 2 * n) & 0xff) != 0;
}
