/*
 * The I/O server's device self-test (iod.test=devices on the kernel command
 * line): exercises every device grant against devices QEMU can add, and
 * prints one line per check, for tests/system/test_io.py.
 *
 * - PCI configuration space: the devices on bus 0;
 * - QEMU's "edu" teaching device (docs/specs/edu.rst in QEMU), if present:
 *   its BAR mapped (identification, liveness, factorial registers), a DMA
 *   round trip through its buffer, and its interrupt by MSI and by INTx;
 * - port I/O: a line written to an isa-debugcon at port 0xe9, if asked.
 */
#include "devtest.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "tern/syscall.h"

#define PCI_VENDOR 0x00
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY 0x2
#define PCI_COMMAND_MASTER 0x4
#define PCI_COMMAND_INTX_DISABLE 0x400
#define PCI_STATUS 0x06
#define PCI_STATUS_CAPABILITIES 0x10
#define PCI_BAR0 0x10
#define PCI_CAPABILITIES 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_CAP_MSI 0x05
#define MSI_CONTROL_ENABLE 0x1
#define MSI_CONTROL_64BIT 0x80

#define EDU_VENDOR_DEVICE 0x11e81234u
#define EDU_ID 0x00
#define EDU_LIVENESS 0x04
#define EDU_FACTORIAL 0x08
#define EDU_STATUS 0x20
#define EDU_STATUS_COMPUTING 0x1
#define EDU_IRQ_STATUS 0x24
#define EDU_IRQ_RAISE 0x60
#define EDU_IRQ_ACK 0x64
#define EDU_DMA_SRC 0x80
#define EDU_DMA_DST 0x88
#define EDU_DMA_COUNT 0x90
#define EDU_DMA_CMD 0x98
#define EDU_DMA_START 0x1
#define EDU_DMA_TO_RAM 0x2
#define EDU_DMA_BUFFER 0x40000
#define EDU_BAR_SIZE (1u << 20)
#define DMA_BYTES 4096
/* Bytes moved each way: QEMU's edu refuses a transfer that ends exactly at the
 * end of its 4 KiB buffer (its range check is off by one), so half of it. */
#define DMA_XFER 2048
#define DEBUGCON_PORT 0xe9
#define WAIT_NS 5000000000ull
#define MSI_BIT 0
#define INTX_BIT 1

static long pci(unsigned bdf, unsigned offset, unsigned size, uint32_t value, int write)
{
	return syscall(TERN_SYS_PCI_CONFIG, bdf, offset, size, value, write);
}

static unsigned bdf_of(unsigned dev, unsigned fn)
{
	return dev << 3 | fn;
}

static uint32_t mmio_read(volatile uint8_t *bar, unsigned reg)
{
	return *(volatile uint32_t *)(bar + reg);
}

static void mmio_write(volatile uint8_t *bar, unsigned reg, uint32_t v)
{
	*(volatile uint32_t *)(bar + reg) = v;
}

static void mmio_write64(volatile uint8_t *bar, unsigned reg, uint64_t v)
{
	*(volatile uint64_t *)(bar + reg) = v;
}

static bool wait_until_clear(volatile uint8_t *bar, unsigned reg, uint32_t bits)
{
	for (int i = 0; i < 10000000; i++) {
		if ((mmio_read(bar, reg) & bits) == 0)
			return true;
	}
	return false;
}

/* Waits for notification bit; true if it came. */
static bool wait_for_bit(unsigned bit)
{
	uint64_t events = 0;
	long r = syscall(TERN_SYS_WAIT, &events, WAIT_NS);
	return r == 1 && (events & (1ull << bit));
}

static int find_msi(unsigned bdf)
{
	if (!(pci(bdf, PCI_STATUS, 2, 0, 0) & PCI_STATUS_CAPABILITIES))
		return -1;
	unsigned at = (unsigned)pci(bdf, PCI_CAPABILITIES, 1, 0, 0) & 0xfc;
	for (int hops = 0; at != 0 && hops < 48; hops++) {
		if ((pci(bdf, at, 1, 0, 0) & 0xff) == PCI_CAP_MSI)
			return (int)at;
		at = (unsigned)pci(bdf, at + 1, 1, 0, 0) & 0xfc;
	}
	return -1;
}

static void edu_interrupts(unsigned bdf, volatile uint8_t *bar)
{
	/* MSI: the kernel gives the message; the device's capability gets it. */
	int cap = find_msi(bdf);
	uint64_t msi = 0;
	if (cap < 0 || syscall(TERN_SYS_IRQ_BIND, TERN_IRQ_MSI, 0, MSI_BIT, &msi) != 0) {
		printf("iod: devtest: edu msi: cannot bind (%s)\n", cap < 0 ? "no capability" : strerror(errno));
	} else {
		unsigned control = (unsigned)pci(bdf, (unsigned)cap + 2, 2, 0, 0);
		pci(bdf, (unsigned)cap + 4, 4, (uint32_t)msi, 1);
		unsigned data_at = (unsigned)cap + ((control & MSI_CONTROL_64BIT) ? 12 : 8);
		if (control & MSI_CONTROL_64BIT)
			pci(bdf, (unsigned)cap + 8, 4, 0, 1);
		pci(bdf, data_at, 2, (uint32_t)(msi >> 32), 1);
		pci(bdf, (unsigned)cap + 2, 2, control | MSI_CONTROL_ENABLE, 1);
		mmio_write(bar, EDU_IRQ_RAISE, 0x1);
		bool got = wait_for_bit(MSI_BIT);
		uint32_t status = mmio_read(bar, EDU_IRQ_STATUS);
		mmio_write(bar, EDU_IRQ_ACK, status);
		printf("iod: devtest: edu msi %s (status %#x)\n", got ? "ok" : "missing", status);
		pci(bdf, (unsigned)cap + 2, 2, control & ~MSI_CONTROL_ENABLE, 1);
	}
	/* INTx: the I/O APIC line the firmware assigned, level triggered, acked by the server. */
	unsigned line = (unsigned)pci(bdf, PCI_INTERRUPT_LINE, 1, 0, 0);
	if (line == 0 || line == 0xff || syscall(TERN_SYS_IRQ_BIND, TERN_IRQ_GSI, line, INTX_BIT, NULL) != 0) {
		printf("iod: devtest: edu intx: cannot bind line %u (%s)\n", line, strerror(errno));
		return;
	}
	unsigned command = (unsigned)pci(bdf, PCI_COMMAND, 2, 0, 0);
	pci(bdf, PCI_COMMAND, 2, command & ~PCI_COMMAND_INTX_DISABLE, 1);
	mmio_write(bar, EDU_IRQ_RAISE, 0x2);
	bool got = wait_for_bit(INTX_BIT);
	uint32_t status = mmio_read(bar, EDU_IRQ_STATUS);
	mmio_write(bar, EDU_IRQ_ACK, status);
	syscall(TERN_SYS_IRQ_ACK, INTX_BIT);
	/* Acked at the device and unmasked: no second interrupt may come. */
	bool again = wait_for_bit(INTX_BIT);
	printf("iod: devtest: edu intx %s (status %#x)%s\n", got ? "ok" : "missing", status,
	       again ? " but it fired again" : "");
}

static void edu_dma(volatile uint8_t *bar)
{
	uint64_t phys = 0;
	uint8_t *buf = (uint8_t *)syscall(TERN_SYS_DMA_ALLOC, DMA_BYTES, &phys);
	if (buf == (uint8_t *)-1) {
		printf("iod: devtest: dma alloc failed: %s\n", strerror(errno));
		return;
	}
	for (int i = 0; i < DMA_BYTES; i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	mmio_write64(bar, EDU_DMA_SRC, phys);
	mmio_write64(bar, EDU_DMA_DST, EDU_DMA_BUFFER);
	mmio_write64(bar, EDU_DMA_COUNT, DMA_XFER);
	mmio_write64(bar, EDU_DMA_CMD, EDU_DMA_START);
	bool in = wait_until_clear(bar, EDU_DMA_CMD, EDU_DMA_START);
	memset(buf, 0, DMA_BYTES);
	mmio_write64(bar, EDU_DMA_SRC, EDU_DMA_BUFFER);
	mmio_write64(bar, EDU_DMA_DST, phys);
	mmio_write64(bar, EDU_DMA_COUNT, DMA_XFER);
	mmio_write64(bar, EDU_DMA_CMD, EDU_DMA_START | EDU_DMA_TO_RAM);
	bool out = wait_until_clear(bar, EDU_DMA_CMD, EDU_DMA_START);
	int bad = 0;
	for (int i = 0; i < DMA_XFER; i++)
		bad += buf[i] != (uint8_t)(i * 7 + 3);
	printf("iod: devtest: edu dma %s (%d bytes wrong)\n", in && out && bad == 0 ? "ok" : "failed", bad);
}

static void edu(unsigned bdf)
{
	uint32_t bar0 = (uint32_t)pci(bdf, PCI_BAR0, 4, 0, 0) & ~0xfu;
	unsigned command = (unsigned)pci(bdf, PCI_COMMAND, 2, 0, 0);
	pci(bdf, PCI_COMMAND, 2, command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER, 1);
	volatile uint8_t *bar = (volatile uint8_t *)syscall(TERN_SYS_MMIO_MAP, (uint64_t)bar0, EDU_BAR_SIZE);
	if (bar == (volatile uint8_t *)-1) {
		printf("iod: devtest: edu bar %#x cannot be mapped: %s\n", bar0, strerror(errno));
		return;
	}
	uint32_t id = mmio_read(bar, EDU_ID);
	mmio_write(bar, EDU_LIVENESS, 0x12345678);
	uint32_t live = mmio_read(bar, EDU_LIVENESS);
	mmio_write(bar, EDU_FACTORIAL, 5);
	bool done = wait_until_clear(bar, EDU_STATUS, EDU_STATUS_COMPUTING);
	uint32_t fact = mmio_read(bar, EDU_FACTORIAL);
	printf("iod: devtest: edu id %#x liveness %s factorial(5) = %u%s\n", id, live == ~0x12345678u ? "ok" : "bad",
	       fact, done ? "" : " (timed out)");
	edu_dma(bar);
	edu_interrupts(bdf, bar);
}

static void refusals(void)
{
	/* The kernel's own resources stay refused even with the device right. */
	long ram = syscall(TERN_SYS_MMIO_MAP, 0x200000, 4096);
	long lapic = syscall(TERN_SYS_MMIO_MAP, 0xfee00000, 4096);
	long com1 = syscall(TERN_SYS_IOPORT, 0x3f8, 1, 0, 0);
	long pic = syscall(TERN_SYS_IOPORT, 0x21, 1, 0xff, 1);
	printf("iod: devtest: refused: ram %s lapic %s com1 %s pic %s\n", ram == -1 ? strerror(errno) : "MAPPED",
	       lapic == -1 ? strerror(errno) : "MAPPED", com1 == -1 ? strerror(errno) : "GRANTED",
	       pic == -1 ? strerror(errno) : "GRANTED");
}

void devtest_run(bool debugcon)
{
	unsigned found = 0;

	printf("iod: devtest: start\n");
	for (unsigned dev = 0; dev < 32; dev++) {
		for (unsigned fn = 0; fn < 8; fn++) {
			uint32_t id = (uint32_t)pci(bdf_of(dev, fn), PCI_VENDOR, 4, 0, 0);
			if ((id & 0xffff) == 0xffff) {
				if (fn == 0)
					break;
				continue;
			}
			found++;
			printf("iod: devtest: pci 00:%02x.%u %04x:%04x\n", dev, fn, id & 0xffff, id >> 16);
			if (id == EDU_VENDOR_DEVICE)
				edu(bdf_of(dev, fn));
		}
	}
	printf("iod: devtest: %u pci functions\n", found);
	if (debugcon) {
		const char *msg = "iod: port i/o ok\n";
		long err = 0;
		for (const char *c = msg; *c != '\0' && err == 0; c++)
			err = syscall(TERN_SYS_IOPORT, DEBUGCON_PORT, 1, (unsigned char)*c, 1);
		printf("iod: devtest: debugcon %s\n", err == 0 ? "written" : strerror(errno));
	}
	refusals();
	printf("iod: devtest: done\n");
	fflush(stdout);
}
