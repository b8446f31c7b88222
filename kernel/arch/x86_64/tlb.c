#include "asm/tlb.h"

#include <stdbool.h>
#include <stddef.h>

#include "asm/irqflags.h"
#include "asm/lapic.h"
#include "asm/layout.h"
#include "asm/trap.h"
#include "core/spinlock.h"
#include "sched/cpu.h"

/* Past this many pages a full flush is cheaper than invlpg one by one. */
#define FLUSH_ALL_THRESHOLD 32
#define KERNEL_ROOT 0 /* a request for kernel (global) mappings */

/* One shootdown at a time; shootdown_lock protects request. */
static struct spinlock shootdown_lock = SPINLOCK_INIT("tlb-shootdown");
static struct {
	uint64_t root;
	uint64_t start, end; /* end == 0: everything */
} request;
/* CPUs that have not flushed for the current request yet (read by spinners, asm/spin_wait.h). */
volatile uint64_t tlb_shootdown_targets;

static void flush_local(uint64_t root, uint64_t start, uint64_t end)
{
	if (root != KERNEL_ROOT && read_cr3_root() != root)
		return;
	if (end == 0 || (end - start) / PAGE_SIZE > FLUSH_ALL_THRESHOLD) {
		if (root == KERNEL_ROOT) {
			/* Global pages survive a CR3 load: toggle CR4.PGE to drop them too. */
			uint64_t cr4 = read_cr4();
			write_cr4(cr4 & ~CR4_PGE);
			write_cr4(cr4);
		} else {
			load_cr3_root(root);
		}
		return;
	}
	for (uint64_t va = start; va < end; va += PAGE_SIZE)
		invlpg(va);
}

/* Does this CPU's part of the current request, if it has one. */
static void serve_request(void)
{
	uint64_t self = 1ull << this_cpu()->id;

	if (!(__atomic_load_n(&tlb_shootdown_targets, __ATOMIC_ACQUIRE) & self))
		return;
	flush_local(request.root, request.start, request.end);
	__atomic_and_fetch(&tlb_shootdown_targets, ~self, __ATOMIC_ACQ_REL);
}

void tlb_serve_pending(void)
{
	serve_request();
}

static void shootdown_irq(struct trap_frame *f, void *ctx)
{
	(void)f;
	(void)ctx;
	serve_request();
}

void tlb_init_ipis(void)
{
	trap_register(VEC_IPI_TLB, shootdown_irq, NULL);
}

static uint64_t online_mask(void)
{
	uint64_t m = 0;

	for (unsigned i = 0; i < cpu_count && i < 64; i++) {
		if (__atomic_load_n(&cpus[i].online, __ATOMIC_ACQUIRE))
			m |= 1ull << i;
	}
	return m;
}

static void shootdown(uint64_t root, const uint64_t *cpu_mask, uint64_t start, uint64_t end)
{
	uint64_t self = 1ull << this_cpu()->id;

	flush_local(root, start, end);
	/* The page-table stores must be visible before the mask is read: a CPU that joins the
	 * mask after this read (vmspace_activate) then walks the new tables. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint64_t others = __atomic_load_n(cpu_mask, __ATOMIC_RELAXED) & ~self & online_mask();
	if (others == 0)
		return;
	while (!spin_trylock(&shootdown_lock))
		serve_request();
	/* (the lock's own spin would also serve it; trylock keeps the order explicit) */
	request.root = root;
	request.start = start;
	request.end = end;
	__atomic_store_n(&tlb_shootdown_targets, others, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < cpu_count && i < 64; i++) {
		if (others & (1ull << i))
			lapic_send_ipi(cpus[i].arch_id, VEC_IPI_TLB);
	}
	while (__atomic_load_n(&tlb_shootdown_targets, __ATOMIC_ACQUIRE) != 0)
		cpu_relax();
	spin_unlock(&shootdown_lock);
}

void tlb_flush_page(uint64_t root, const uint64_t *cpu_mask, uint64_t va)
{
	shootdown(root, cpu_mask, va, va + PAGE_SIZE);
}

void tlb_flush_range(uint64_t root, const uint64_t *cpu_mask, uint64_t start, uint64_t end)
{
	if (end > start)
		shootdown(root, cpu_mask, start, end);
}

void tlb_flush_all(uint64_t root, const uint64_t *cpu_mask)
{
	shootdown(root, cpu_mask, 0, 0);
}

void tlb_flush_kernel_range(uint64_t start, uint64_t end)
{
	static const uint64_t every_cpu = ~0ull;

	if (end > start)
		shootdown(KERNEL_ROOT, &every_cpu, start, end);
}
