/*
 * Bringing up the application processors: each one listed by the firmware
 * (ACPI MADT, or the MP table when there is no ACPI) is started with
 * INIT-SIPI-SIPI through the trampoline, one at a time, and ends in its idle
 * loop. Also the IPIs the scheduler and the panic path use.
 */
#include "asm/smp.h"

#include "asm/cpu.h"
#include "asm/cpufeature.h"
#include "asm/gdt.h"
#include "asm/kernel_vm.h"
#include "asm/lapic.h"
#include "asm/layout.h"
#include "asm/mptable.h"
#include "asm/paging.h"
#include "asm/timer.h"
#include "asm/trap.h"
#include "core/arch.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/panic.h"
#include "lib/string.h"
#include "mm/kva.h"
#include "mm/phys.h"
#include "sched/cpu.h"
#include "sched/sched.h"
#include "sched/thread.h"

/* Waits of the start-up protocol (SDM vol. 3A, 9.4.4.1), shortened where VMMs allow. */
#define START_WAIT_FIRST_NS (20 * NSEC_PER_MSEC)
#define START_WAIT_SECOND_NS (500 * NSEC_PER_MSEC)
#define PTE_LARGE_IDENTITY 0x83 /* present, writable, 2 MiB */

extern const char trampoline_start[], trampoline_end[], trampoline_data[];
void ap_entry(uint64_t cpu_index);
void idt_load(void);

/* Set by each AP when it is running its idle loop's set-up (seq-cst). */
static volatile unsigned ap_ready;

static void busy_wait_until(uint64_t deadline, volatile unsigned *flag, unsigned want)
{
	while (clock_monotonic_ns() < deadline && __atomic_load_n(flag, __ATOMIC_ACQUIRE) != want)
		cpu_relax();
}

/* A page table that maps the trampoline 1:1 and the kernel half as the kernel does. */
static void build_trampoline_tables(void)
{
	uint64_t *pml4 = phys_to_virt(TRAMPOLINE_PML4);
	uint64_t *pdpt = phys_to_virt(TRAMPOLINE_PDPT);
	uint64_t *pd = phys_to_virt(TRAMPOLINE_PD);
	const uint64_t *kernel = phys_to_virt(kernel_vm_root());

	memset(pml4, 0, PAGE_SIZE);
	memset(pdpt, 0, PAGE_SIZE);
	memset(pd, 0, PAGE_SIZE);
	for (unsigned i = PT_ENTRIES / 2; i < PT_ENTRIES; i++)
		pml4[i] = kernel[i];
	pml4[0] = TRAMPOLINE_PDPT | PTE_PRESENT | PTE_WRITE;
	pdpt[0] = TRAMPOLINE_PD | PTE_PRESENT | PTE_WRITE;
	pd[0] = 0 | PTE_LARGE_IDENTITY;
}

/* Starts one AP; false if it did not come up. */
static bool start_ap(unsigned index, uint32_t apic_id)
{
	struct cpu *c = &cpus[index];
	struct thread *idle = thread_alloc("idle");
	struct kstack ist[3];

	if (idle == NULL)
		return false;
	for (int i = 0; i < 3; i++) {
		if (!kva_alloc_stack(&ist[i]))
			return false;
		c->ist_tops[i] = ist[i].top;
	}
	c->self = c;
	c->id = index;
	c->arch_id = apic_id;
	c->idle = idle;

	struct trampoline_data *d =
		phys_to_virt(TRAMPOLINE_BASE + (uint64_t)(trampoline_data - trampoline_start));
	d->cr3 = TRAMPOLINE_PML4;
	d->nx = cpu_features.nx;
	d->stack = idle->stack.top - 256;
	d->entry = (uint64_t)ap_entry;
	d->arg = index;
	__atomic_store_n(&ap_ready, 0, __ATOMIC_SEQ_CST);

	lapic_send_init(apic_id);
	lapic_send_startup(apic_id, TRAMPOLINE_BASE);
	busy_wait_until(clock_monotonic_ns() + START_WAIT_FIRST_NS, &ap_ready, 1);
	if (__atomic_load_n(&ap_ready, __ATOMIC_ACQUIRE) != 1) {
		lapic_send_startup(apic_id, TRAMPOLINE_BASE);
		busy_wait_until(clock_monotonic_ns() + START_WAIT_SECOND_NS, &ap_ready, 1);
	}
	return __atomic_load_n(&ap_ready, __ATOMIC_ACQUIRE) == 1;
}

void smp_start_cpus(const struct acpi_info *acpi, unsigned max)
{
	uint32_t ids[MAX_CPUS];
	unsigned n = 0;
	const char *source = "ACPI MADT";

	for (size_t i = 0; i < acpi->ncpus && n < MAX_CPUS; i++) {
		if (acpi->cpus[i].enabled)
			ids[n++] = acpi->cpus[i].apic_id;
	}
	if (n == 0) {
		n = (unsigned)mptable_find_cpus(ids, MAX_CPUS);
		source = "MP table";
	}
	if (n == 0) {
		pr_info("smp: the firmware lists no processors; running on the boot CPU only\n");
		return;
	}
	memcpy(phys_to_virt(TRAMPOLINE_BASE), trampoline_start, (size_t)(trampoline_end - trampoline_start));
	build_trampoline_tables();
	uint32_t self = lapic_id();
	unsigned started = 1, listed = n;
	for (unsigned i = 0; i < n && started < max; i++) {
		if (ids[i] == self)
			continue;
		if (start_ap(started, ids[i]))
			started++;
		else
			pr_warn("smp: CPU with APIC id %u did not start\n", ids[i]);
	}
	cpu_count = started;
	pr_info("smp: %u of %u CPUs running (from the %s%s)\n", started, listed, source,
		max < listed ? ", limited by maxcpus=" : "");
}

/* First C code of an AP, on its idle thread's stack, still on the trampoline's page table. */
__attribute__((noreturn)) void ap_entry(uint64_t index)
{
	struct cpu *c = &cpus[index];

	write_cr3(kernel_vm_root());
	gdt_init((unsigned)index, c->ist_tops);
	idt_load();
	cpu_enable_features_ap();
	cpu_syscall_init();
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	lapic_init_ap();
	sched_init_cpu(c, c->idle);
	c->kernel_stack_top = c->idle->stack.top;
	gdt_set_kernel_stack((unsigned)index, c->idle->stack.top);
	arch_timer_start();
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	__atomic_store_n(&ap_ready, 1, __ATOMIC_RELEASE);
	irq_enable();
	sched_idle_loop();
}

static void reschedule_ipi(struct trap_frame *frame, void *ctx)
{
	(void)frame;
	(void)ctx;
	this_cpu()->need_resched = true;
}

void smp_init_ipis(void)
{
	trap_register(VEC_IPI_RESCHEDULE, reschedule_ipi, NULL);
}

void smp_kick(unsigned cpu)
{
	if (cpu == this_cpu()->id) {
		this_cpu()->need_resched = true;
		return;
	}
	if (cpus[cpu].online)
		lapic_send_ipi(cpus[cpu].arch_id, VEC_IPI_RESCHEDULE);
}

void smp_stop_others(void)
{
	if (cpu_count > 1)
		lapic_send_nmi_all_others();
}

void arch_kick_cpu(unsigned n)
{
	smp_kick(n);
}

void arch_stop_other_cpus(void)
{
	smp_stop_others();
}
