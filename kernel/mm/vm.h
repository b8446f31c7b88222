/*
 * Mapping memory into the kernel's address space (the contract; the page-table
 * format lives in arch/x86_64/paging.c).
 */
#ifndef MM_VM_H
#define MM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Mapping attributes. Every mapping is readable; W^X is enforced by callers. */
#define VM_WRITE (1u << 0)
#define VM_EXEC (1u << 1)
#define VM_USER (1u << 2)
#define VM_NOCACHE (1u << 3) /* device memory (MMIO) */
#define VM_GLOBAL (1u << 4)  /* kept in the TLB across address-space switches */

/* Maps [va, va+size) to [pa, pa+size) in the kernel's tables; 0 or a -errno. */
int kernel_map(uint64_t va, uint64_t pa, uint64_t size, unsigned flags);
/* Removes a kernel mapping and flushes it from this CPU's TLB. */
void kernel_unmap(uint64_t va, uint64_t size);
/* The physical address behind a kernel virtual address; false if unmapped. */
bool kernel_translate(uint64_t va, uint64_t *pa);

#endif
