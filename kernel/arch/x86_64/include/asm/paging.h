/*
 * x86-64 4-level page tables (SDM vol. 3A, 4.5). These helpers work on any
 * table tree given its root's physical address; table pages are reached through
 * phys_to_virt(), so they run unchanged in host unit tests.
 */
#ifndef ASM_PAGING_H
#define ASM_PAGING_H

#include <stdbool.h>
#include <stdint.h>

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_USER (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_ACCESSED (1ull << 5)
#define PTE_DIRTY (1ull << 6)
#define PTE_LARGE (1ull << 7) /* PS: 2 MiB page in a PD entry */
#define PTE_GLOBAL (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define PT_ENTRIES 512

/* Page-table levels, counted from the leaf. */
#define PT_LEVEL_PT 1
#define PT_LEVEL_PD 2
#define PT_LEVEL_PDPT 3
#define PT_LEVEL_PML4 4

/* Returns the physical address of a new zeroed page-table page, or 0. */
typedef uint64_t (*pt_alloc_fn)(void);

/* Whether the CPU supports NX; when not, PTE_NX must never be set (it is a reserved bit then). */
void paging_set_nx_supported(bool supported);
/* Translates VM_* flags (mm/vm.h) to leaf PTE bits. */
uint64_t paging_pte_flags(unsigned vm_flags);

static inline unsigned pt_index(uint64_t va, int level)
{
	return (unsigned)((va >> (12 + 9 * (level - 1))) & 511);
}

/* True for addresses whose bits 63..47 are all equal (canonical 48-bit). */
static inline bool va_is_canonical(uint64_t va)
{
	uint64_t top = va >> 47;
	return top == 0 || top == 0x1ffff;
}

/*
 * Maps [va, va+size) -> [pa, pa+size) with leaf bits pte_flags. With
 * allow_large, 2 MiB pages are used where both addresses are aligned.
 * Returns 0, -ENOMEM (no table page), -EEXIST (something is already mapped
 * there) or -EINVAL (misaligned or non-canonical).
 */
int pt_map(uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t pte_flags, bool allow_large,
	   pt_alloc_fn alloc);
/* Clears the leaf entries of [va, va+size); splitting 2 MiB pages is not supported (-EINVAL). */
int pt_unmap(uint64_t root, uint64_t va, uint64_t size);
/* Looks va up; returns the leaf entry (0 if not mapped) and the physical address. */
uint64_t pt_lookup(uint64_t root, uint64_t va, uint64_t *pa);

/*
 * The leaf (4 KiB) entry for va, creating missing tables with alloc when
 * create is set (user tables are marked user-accessible). NULL if va is not
 * mapped at 4 KiB granularity and create is off, or on allocation failure.
 */
uint64_t *pt_walk(uint64_t root, uint64_t va, bool create, pt_alloc_fn alloc);

/* Calls fn for each present (or PTE_SAVED) 4 KiB leaf in [start, end) (user half), skipping empty tables. */
typedef void (*pt_leaf_fn)(void *ctx, uint64_t va, uint64_t *pte);
void pt_for_each_leaf(uint64_t root, uint64_t start, uint64_t end, pt_leaf_fn fn, void *ctx);

/* Frees every table page below the user/kernel boundary (PML4 entries 0..255) and clears them. */
typedef void (*pt_free_fn)(uint64_t pa);
void pt_free_user_tables(uint64_t root, pt_free_fn free_page);

/* PTE accessors for generic memory code (kernel/mm/vmspace.c). */
#define PTE_SAVED (1ull << 10) /* software bit: not present, but the page stays (PROT_NONE) */
/* Software bit: the frame is not the allocator's (device memory, the initramfs): never reference counted. */
#define PTE_UNMANAGED (1ull << 9)
static inline bool pte_present(uint64_t pte) { return (pte & PTE_PRESENT) != 0; }
static inline bool pte_writable(uint64_t pte) { return (pte & PTE_WRITE) != 0; }
static inline uint64_t pte_address(uint64_t pte) { return pte & PTE_ADDR_MASK; }
static inline bool pte_unmanaged(uint64_t pte) { return (pte & PTE_UNMANAGED) != 0; }

#endif
