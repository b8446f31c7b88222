#include "asm/serial.h"

#include <stdbool.h>

#include "asm/cpu.h"
#include "asm/ioapic.h"
#include "asm/trap.h"
#include "core/arch.h"
#include "core/console.h"

/* 16550 registers (offsets from the base port; PC16550D data sheet). */
#define UART_DATA 0
#define UART_IER 1 /* interrupt enable */
#define UART_FCR 2 /* FIFO control */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_DLL 0 /* divisor latch, with LCR.DLAB */
#define UART_DLM 1
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define FCR_ENABLE_CLEAR 0x07
#define MCR_DTR_RTS_OUT2 0x0b /* OUT2 gates the IRQ line on PCs */
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20
#define IER_RX_AVAILABLE 0x01
#define DIVISOR_115200 1
/* Bounded wait so a missing UART cannot hang the kernel. */
#define TX_SPIN_LIMIT 100000

/* Set once in serial_init(). */
static bool present;

void serial_init(void)
{
	outb(COM1_PORT + UART_IER, 0);
	outb(COM1_PORT + UART_LCR, LCR_DLAB);
	outb(COM1_PORT + UART_DLL, DIVISOR_115200);
	outb(COM1_PORT + UART_DLM, 0);
	outb(COM1_PORT + UART_LCR, LCR_8N1);
	outb(COM1_PORT + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1_PORT + UART_MCR, MCR_DTR_RTS_OUT2);
	/* With no UART, reads of the line status return 0xff. */
	present = inb(COM1_PORT + UART_LSR) != 0xff;
}

void serial_write(const char *s, size_t n)
{
	if (!present)
		return;
	for (size_t i = 0; i < n; i++) {
		for (int spin = 0; spin < TX_SPIN_LIMIT && !(inb(COM1_PORT + UART_LSR) & LSR_THR_EMPTY); spin++)
			cpu_relax();
		outb(COM1_PORT + UART_DATA, (uint8_t)s[i]);
	}
}

static void serial_irq(struct trap_frame *frame, void *ctx)
{
	(void)frame;
	(void)ctx;
	while (inb(COM1_PORT + UART_LSR) & LSR_DATA_READY)
		console_input_byte((char)inb(COM1_PORT + UART_DATA));
}

void serial_enable_input_irq(void)
{
	if (!present)
		return;
	unsigned vector = ioapic_route_isa_irq(COM1_ISA_IRQ, serial_irq, NULL);
	if (vector != 0)
		outb(COM1_PORT + UART_IER, IER_RX_AVAILABLE);
}

void arch_console_write(const char *s, size_t n)
{
	serial_write(s, n);
}
