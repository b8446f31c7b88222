/*
 * The kernel's virtual address layout on x86-64 (48-bit, 4-level paging).
 *
 *   0x0000000000000000 - 0x00007fffffffffff  user space (later issues)
 *   0xffff888000000000 - ...                 direct map of all RAM (phys + DIRECT_MAP_BASE)
 *   0xffffc90000000000 - 0xffffc97fffffffff  kernel virtual area: stacks with guard
 *                                            pages, MMIO mappings (mm/kva.c)
 *   0xffffffff80000000 - 0xffffffffffffffff  the kernel image (phys + KERNEL_VMA),
 *                                            linked for -mcmodel=kernel
 */
#ifndef ASM_LAYOUT_H
#define ASM_LAYOUT_H

#define KERNEL_VMA 0xffffffff80000000
/* Physical load address of the kernel image (above the legacy first MiB). */
#define KERNEL_PHYS 0x100000
#define DIRECT_MAP_BASE 0xffff888000000000
#define KVA_BASE 0xffffc90000000000
#define KVA_SIZE 0x0000008000000000

/* The boot page tables map this much physical memory (identity and direct map). */
#define BOOT_MAPPED_LIMIT 0x100000000ull

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12
#define LARGE_PAGE_SIZE 0x200000ull

/* Size of every kernel thread stack, not counting its guard page. */
#define KERNEL_STACK_SIZE (16 * 1024)

#endif
