#include "asm/gdt.h"

#include "asm/layout.h"
#include "asm/trap.h"
#include "lib/string.h"
#include "sched/cpu.h"

/* 64-bit TSS (SDM vol. 3A, 8.7). */
struct __attribute__((packed)) tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

struct __attribute__((packed)) descriptor_pointer {
	uint16_t limit;
	uint64_t base;
};

/* Segment descriptor access/flag values (SDM vol. 3A, 3.4.5). */
#define DESC_KERNEL_CODE 0x00af9a000000ffffull /* P, DPL0, code, L */
#define DESC_KERNEL_DATA 0x00cf92000000ffffull /* P, DPL0, data, writable */
#define DESC_USER_CODE32 0x00cffa000000ffffull /* P, DPL3, 32-bit code */
#define DESC_USER_DATA 0x00cff2000000ffffull   /* P, DPL3, data */
#define DESC_USER_CODE 0x00affa000000ffffull   /* P, DPL3, code, L */
#define TSS_TYPE_AVAILABLE 0x89                /* P, 64-bit TSS available */
#define EARLY_IST_STACK_SIZE 4096

/* Each CPU's GDT and TSS (written by that CPU at bring-up, then by its context switches). */
static uint64_t gdt[MAX_CPUS][8] __attribute__((aligned(16)));
static struct tss tss[MAX_CPUS] __attribute__((aligned(16)));
/* The boot CPU's IST stacks until the kernel virtual area can give guarded ones. */
static uint8_t early_ist_stacks[3][EARLY_IST_STACK_SIZE] __attribute__((aligned(16)));

static void set_tss_descriptor(uint64_t *slot, const struct tss *t)
{
	uint64_t base = (uint64_t)t;
	uint64_t limit = sizeof(*t) - 1;

	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | ((uint64_t)TSS_TYPE_AVAILABLE << 40) |
		  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

void gdt_init(unsigned cpu, const uint64_t ist_tops[3])
{
	struct descriptor_pointer ptr;
	uint64_t *g = gdt[cpu];
	struct tss *t = &tss[cpu];

	g[0] = 0;
	g[SEL_KERNEL_CODE / 8] = DESC_KERNEL_CODE;
	g[SEL_KERNEL_DATA / 8] = DESC_KERNEL_DATA;
	g[SEL_USER_CODE32 / 8] = DESC_USER_CODE32;
	g[SEL_USER_DATA / 8] = DESC_USER_DATA;
	g[SEL_USER_CODE / 8] = DESC_USER_CODE;
	memset(t, 0, sizeof(*t));
	t->iomap_base = sizeof(*t); /* no I/O permission bitmap: user port I/O faults */
	for (unsigned i = 0; i < 3; i++)
		t->ist[i] = ist_tops != NULL ? ist_tops[i] : (uint64_t)early_ist_stacks[i] + EARLY_IST_STACK_SIZE;
	set_tss_descriptor(&g[SEL_TSS / 8], t);

	ptr.limit = sizeof(gdt[0]) - 1;
	ptr.base = (uint64_t)g;
	__asm__ volatile("lgdt %0" ::"m"(ptr));
	/* Reload CS through a far return, then the data segments and the task register. */
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %[ds], %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t"
			 "ltr %w[tss]"
			 :
			 : [cs] "i"(SEL_KERNEL_CODE), [ds] "i"(SEL_KERNEL_DATA), [tss] "r"(SEL_TSS)
			 : "rax", "memory");
}

void gdt_set_ist(unsigned cpu, unsigned slot, uint64_t stack_top)
{
	if (slot >= 1 && slot <= 7)
		tss[cpu].ist[slot - 1] = stack_top;
}

void gdt_set_kernel_stack(unsigned cpu, uint64_t stack_top)
{
	tss[cpu].rsp[0] = stack_top;
}
