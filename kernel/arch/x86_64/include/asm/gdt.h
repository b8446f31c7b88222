/*
 * Segments: the GDT (flat 64-bit code/data for kernel and user) and the TSS with
 * the interrupt stack table. Selector layout follows SYSCALL/SYSRET's rules
 * (SDM vol. 3A, 5.8.8): STAR's user base 0x18 gives SS 0x20 and CS 0x28.
 */
#ifndef ASM_GDT_H
#define ASM_GDT_H

#define SEL_KERNEL_CODE 0x08
#define SEL_KERNEL_DATA 0x10
#define SEL_USER_CODE32 0x18
#define SEL_USER_DATA 0x20
#define SEL_USER_CODE 0x28
#define SEL_TSS 0x30

#ifndef __ASSEMBLY__
#include <stdint.h>

/*
 * Builds and loads CPU cpu's GDT and TSS. ist_tops: the double-fault, NMI and
 * machine-check stacks (IST1..3); NULL (boot CPU, early) uses small static ones.
 */
void gdt_init(unsigned cpu, const uint64_t ist_tops[3]);
/* Points an IST slot (1..7) of a CPU at a new stack top. */
void gdt_set_ist(unsigned cpu, unsigned slot, uint64_t stack_top);
/* The stack the CPU switches to on entry from user mode. */
void gdt_set_kernel_stack(unsigned cpu, uint64_t stack_top);
#endif

#endif
