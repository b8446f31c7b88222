/* The 16550 UART at COM1: the kernel console. */
#ifndef ASM_SERIAL_H
#define ASM_SERIAL_H

#include <stddef.h>

#define COM1_PORT 0x3f8
#define COM1_ISA_IRQ 4

/* Programs 115200 8N1 with FIFOs; usable right after. */
void serial_init(void);
void serial_write(const char *s, size_t n);
/* Turns on the receive interrupt (through the I/O APIC) feeding console_input_byte(). */
void serial_enable_input_irq(void);

#endif
