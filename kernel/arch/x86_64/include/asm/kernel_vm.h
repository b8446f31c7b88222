/* Building and switching to the kernel's page tables (arch/x86_64/kernel_vm.c). */
#ifndef ASM_KERNEL_VM_H
#define ASM_KERNEL_VM_H

#include <stddef.h>
#include <stdint.h>

#include "core/bootinfo.h"
#include "mm/pmm.h"

/* Builds the direct map (RAM plus the extra ranges, e.g. ACPI tables) and the W^X image map; loads CR3. */
void kernel_vm_init(const struct boot_info *bi, const struct phys_range *extra, size_t nextra);
uint64_t kernel_vm_root(void);

#endif
