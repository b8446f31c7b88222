/*
 * The kernel's own page tables: a direct map of all RAM (2 MiB pages where
 * possible, never executable) and the kernel image mapped W^X (text RX,
 * rodata R, data and bss RW). They replace boot.S's tables early in boot.
 */
#include "asm/cpu.h"
#include "asm/layout.h"
#include "asm/paging.h"
#include "asm/tlb.h"
#include "core/bootinfo.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/spinlock.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/vm.h"

extern char __kernel_start[], __text_end[], __rodata_end[], __kernel_end[];

#define LOW_MEMORY_LIMIT 0x100000ull

/* kernel_vm_lock serializes changes to the kernel's page tables. */
static struct spinlock kernel_vm_lock = SPINLOCK_INIT("kernel-vm");
static uint64_t kernel_root;

static uint64_t alloc_table_page(void)
{
	return pmm_alloc_zeroed(0);
}

static void map_or_panic(uint64_t va, uint64_t pa, uint64_t size, unsigned flags, bool large)
{
	int err = pt_map(kernel_root, va, pa, size, paging_pte_flags(flags), large, alloc_table_page);
	if (err != 0)
		panic("paging: cannot map %#llx -> %#llx (+%#llx): error %d", (unsigned long long)va,
		      (unsigned long long)pa, (unsigned long long)size, err);
}

static uint64_t image_phys(const char *sym)
{
	return (uint64_t)sym - KERNEL_VMA;
}

/* Maps [start, end) of physical memory into the direct map, skipping pages already there. */
static void direct_map_range(uint64_t start, uint64_t end)
{
	start &= ~(PAGE_SIZE - 1);
	end = (end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	while (start < end) {
		/* Largest chunk: up to the next 2 MiB boundary when unaligned, else whole 2 MiB pages. */
		uint64_t chunk_end = end;
		if ((start & (LARGE_PAGE_SIZE - 1)) != 0) {
			uint64_t next = (start + LARGE_PAGE_SIZE) & ~(LARGE_PAGE_SIZE - 1);
			chunk_end = next < end ? next : end;
		} else if (end - start >= LARGE_PAGE_SIZE) {
			chunk_end = start + ((end - start) & ~(LARGE_PAGE_SIZE - 1));
		}
		for (uint64_t pa = start; pa < chunk_end;) {
			uint64_t step = ((pa & (LARGE_PAGE_SIZE - 1)) == 0 && chunk_end - pa >= LARGE_PAGE_SIZE)
						? LARGE_PAGE_SIZE
						: PAGE_SIZE;
			if (pt_lookup(kernel_root, DIRECT_MAP_BASE + pa, NULL) == 0)
				map_or_panic(DIRECT_MAP_BASE + pa, pa, step, VM_WRITE | VM_GLOBAL, step == LARGE_PAGE_SIZE);
			pa += step;
		}
		start = chunk_end;
	}
}

void kernel_vm_init(const struct boot_info *bi, const struct phys_range *extra, size_t nextra)
{
	kernel_root = pmm_alloc_zeroed(0);
	if (kernel_root == 0)
		panic("paging: no memory for the kernel page tables");

	for (size_t i = 0; i < bi->nregions; i++) {
		const struct mem_region *r = &bi->regions[i];
		if (r->type == MEM_USABLE || r->type == MEM_ACPI || r->type == MEM_NVS)
			direct_map_range(r->base, r->base + r->size);
	}
	for (size_t i = 0; i < nextra; i++)
		direct_map_range(extra[i].start, extra[i].end);
	/* The first MiB whatever its type: the BIOS data area, EBDA and ROM hold the MP table. */
	direct_map_range(0, LOW_MEMORY_LIMIT);

	uint64_t text = (uint64_t)__kernel_start, rodata = (uint64_t)__text_end;
	uint64_t data = (uint64_t)__rodata_end, end = (uint64_t)__kernel_end;
	map_or_panic(text, image_phys(__kernel_start), rodata - text, VM_EXEC | VM_GLOBAL, false);
	map_or_panic(rodata, image_phys(__text_end), data - rodata, VM_GLOBAL, false);
	map_or_panic(data, image_phys(__rodata_end), end - data, VM_WRITE | VM_GLOBAL, false);

	/* Every user address space copies the kernel half of the top-level table once, so
	 * the slots the kernel maps into later (stacks and MMIO in the kernel virtual
	 * area) must exist now; the direct map and the image are complete already. */
	uint64_t *pml4 = phys_to_virt(kernel_root);
	unsigned kva_slot = pt_index(KVA_BASE, PT_LEVEL_PML4);
	if (!(pml4[kva_slot] & PTE_PRESENT)) {
		uint64_t pdpt = pmm_alloc_zeroed(0);
		if (pdpt == 0)
			panic("paging: no memory for kernel page tables");
		pml4[kva_slot] = pdpt | PTE_PRESENT | PTE_WRITE;
	}
	write_cr3(kernel_root);
	write_cr4(read_cr4() | CR4_PGE);
	pr_info("paging: kernel tables at %#llx; text %llu KiB RX, rodata %llu KiB R, data %llu KiB RW\n",
		(unsigned long long)kernel_root, (unsigned long long)((rodata - text) >> 10),
		(unsigned long long)((data - rodata) >> 10), (unsigned long long)((end - data) >> 10));
}

uint64_t kernel_vm_root(void)
{
	return kernel_root;
}

int kernel_map(uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	uint64_t irq = spin_lock_irqsave(&kernel_vm_lock);
	int err = pt_map(kernel_root, va, pa, size, paging_pte_flags(flags), false, alloc_table_page);
	spin_unlock_irqrestore(&kernel_vm_lock, irq);
	return err;
}

void kernel_unmap(uint64_t va, uint64_t size)
{
	uint64_t irq = spin_lock_irqsave(&kernel_vm_lock);
	pt_unmap(kernel_root, va, size);
	spin_unlock_irqrestore(&kernel_vm_lock, irq);
	tlb_flush_kernel_range(va, va + size);
}

bool kernel_translate(uint64_t va, uint64_t *pa)
{
	uint64_t root = kernel_root != 0 ? kernel_root : (read_cr3() & PTE_ADDR_MASK);
	return pt_lookup(root, va, pa) != 0;
}
