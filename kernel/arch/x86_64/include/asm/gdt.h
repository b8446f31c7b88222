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

/* Loads this CPU's GDT and TSS; IST stacks start as small static ones. */
void gdt_init(void);
/* Points an IST slot (1..7) at a new stack top. */
void gdt_set_ist(unsigned slot, uint64_t stack_top);
/* The stack the CPU switches to on entry from user mode. */
void gdt_set_kernel_stack(uint64_t stack_top);
#endif

#endif
