#include "asm/gdt.h"
#include "asm/trap.h"

/* 64-bit interrupt gate (SDM vol. 3A, 6.14.1). */
struct __attribute__((packed)) idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};

struct __attribute__((packed)) idt_pointer {
	uint16_t limit;
	uint64_t base;
};

#define GATE_INTERRUPT 0x8e /* P, DPL0, 64-bit interrupt gate (IF cleared on entry) */

extern const uint64_t trap_stub_table[256];

/* Written once at boot, then only read by the CPU. */
static struct idt_gate idt[256] __attribute__((aligned(16)));

static void set_gate(unsigned vector, uint64_t handler, unsigned ist)
{
	idt[vector] = (struct idt_gate){
		.offset_low = (uint16_t)handler,
		.selector = SEL_KERNEL_CODE,
		.ist = (uint8_t)ist,
		.type_attr = GATE_INTERRUPT,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_high = (uint32_t)(handler >> 32),
		.reserved = 0,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		unsigned ist = 0;
		if (v == VEC_DOUBLE_FAULT)
			ist = IST_DOUBLE_FAULT;
		else if (v == VEC_NMI)
			ist = IST_NMI;
		else if (v == VEC_MACHINE_CHECK)
			ist = IST_MACHINE_CHECK;
		set_gate(v, trap_stub_table[v], ist);
	}
	idt_load();
}

void idt_load(void)
{
	struct idt_pointer ptr;

	ptr.limit = sizeof(idt) - 1;
	ptr.base = (uint64_t)idt;
	__asm__ volatile("lidt %0" ::"m"(ptr));
}
