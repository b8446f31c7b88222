/*
 * The x86-64 boot sequence, from boot.S's jump to the generic kmain(). Order
 * matters: the console and the IDT first (so every later failure is reported),
 * then memory, then interrupts and time.
 */
#include "acpi/acpi.h"
#include "asm/cpu.h"
#include "asm/cpufeature.h"
#include "asm/gdt.h"
#include "asm/ioapic.h"
#include "asm/kernel_vm.h"
#include "asm/lapic.h"
#include "asm/layout.h"
#include "asm/power.h"
#include "asm/pvh.h"
#include "asm/serial.h"
#include "asm/smp.h"
#include "asm/tlb.h"
#include "asm/timer.h"
#include "asm/trap.h"
#include "asm/tsc.h"
#include "core/arch.h"
#include "core/bootinfo.h"
#include "core/clock.h"
#include "core/random.h"
#include "core/kmain.h"
#include "core/log.h"
#include "core/options.h"
#include "core/panic.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/kva.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "linux/time.h"
#include "sched/sched.h"
#include "sched/thread.h"
#include "asm/thread.h"

/* Below this much RAM the kernel refuses to boot, with a message. */
#define MIN_RAM_MIB 20
#define LOW_MEMORY_END 0x100000ull /* BIOS data, EBDA, VGA, option ROMs: never allocated */
#define DEFAULT_LAPIC_ADDRESS 0xfee00000ull
#define DEFAULT_IOAPIC_ADDRESS 0xfec00000ull
#define MAX_RESERVED_RANGES 48

void x86_boot_main(uint32_t start_info_pa);

extern char __kernel_start[], __kernel_end[];

/* Filled in during boot; read-only afterwards. */
static struct acpi_info acpi;
static struct thread *boot_idle;

static const void *early_acpi_map(uint64_t pa, size_t len)
{
	if (pa >= BOOT_MAPPED_LIMIT || len > BOOT_MAPPED_LIMIT - pa)
		return NULL;
	return phys_to_virt(pa);
}

static void acpi_warning(const char *message, const char *signature)
{
	pr_warn("acpi: %s: %s\n", signature, message);
}

static void acpi_setup(void)
{
	const char *error = NULL;
	uint64_t rsdp = boot_info.rsdp_paddr;

	if (rsdp == 0)
		rsdp = acpi_find_rsdp(early_acpi_map);
	if (rsdp == 0 || !acpi_parse(rsdp, early_acpi_map, acpi_warning, &acpi, &error)) {
		pr_warn("acpi: %s; assuming one CPU and the standard APIC addresses\n",
			rsdp == 0 ? "no RSDP found" : error);
		acpi.lapic_address = DEFAULT_LAPIC_ADDRESS;
		acpi.ioapics[0] = (struct acpi_ioapic){0, DEFAULT_IOAPIC_ADDRESS, 0};
		acpi.nioapics = 1;
		return;
	}
	if (!acpi.have_madt) {
		acpi.lapic_address = DEFAULT_LAPIC_ADDRESS;
		if (acpi.nioapics == 0) {
			acpi.ioapics[0] = (struct acpi_ioapic){0, DEFAULT_IOAPIC_ADDRESS, 0};
			acpi.nioapics = 1;
		}
	}
	pr_info("acpi: RSDP %#llx rev %u (%s), %zu tables; %zu CPUs, %zu I/O APICs%s%s\n",
		(unsigned long long)acpi.rsdp_address, acpi.revision, acpi.oem_id, acpi.ntables, acpi.ncpus,
		acpi.nioapics, acpi.hw_reduced ? ", hardware-reduced" : "", acpi.have_s5 ? ", S5" : "");
}

static uint64_t page_down(uint64_t v) { return v & ~(PAGE_SIZE - 1); }
static uint64_t page_up(uint64_t v) { return (v + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }

static void *heap_alloc_pages(unsigned order)
{
	uint64_t pa = pmm_alloc(order);
	return pa != 0 ? phys_to_virt(pa) : NULL;
}

static void heap_free_pages(void *p, unsigned order)
{
	pmm_free(virt_to_phys(p), order);
}

static void heap_corruption(const char *what, const void *ptr)
{
	panic("heap: %s (pointer %p)", what, ptr);
}

static const struct heap_backend kernel_heap_backend = {heap_alloc_pages, heap_free_pages, heap_corruption};

static void memory_setup(void)
{
	struct phys_range reserved[MAX_RESERVED_RANGES];
	struct phys_range acpi_ranges[ACPI_MAX_TABLES];
	size_t n = 0, nacpi = 0;

	reserved[n++] = (struct phys_range){0, LOW_MEMORY_END};
	reserved[n++] = (struct phys_range){(uint64_t)__kernel_start - KERNEL_VMA,
					    page_up((uint64_t)__kernel_end - KERNEL_VMA)};
	for (size_t i = 0; i < boot_info.nmodules && n < MAX_RESERVED_RANGES; i++)
		reserved[n++] = (struct phys_range){page_down(boot_info.modules[i].paddr),
						    page_up(boot_info.modules[i].paddr + boot_info.modules[i].size)};
	for (size_t i = 0; i < acpi.ntables; i++) {
		struct phys_range r = {page_down(acpi.tables[i].address),
				       page_up(acpi.tables[i].address + acpi.tables[i].length)};
		acpi_ranges[nacpi++] = r;
		if (n < MAX_RESERVED_RANGES)
			reserved[n++] = r;
	}
	pmm_init(boot_info.regions, boot_info.nregions, reserved, n, BOOT_MAPPED_LIMIT);
	kernel_vm_init(&boot_info, acpi_ranges, nacpi);
	pmm_add_high_memory();
	heap_init(&kernel_heap_backend);
	kva_init();
}

static void check_memory(void)
{
	uint64_t usable = boot_usable_ram(&boot_info);

	for (size_t i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		pr_debug("memory: %#014llx-%#014llx type %u\n", (unsigned long long)r->base,
			 (unsigned long long)(r->base + r->size - 1), r->type);
	}
	if (usable < (uint64_t)MIN_RAM_MIB << 20)
		boot_fail("not enough memory: %llu MiB usable, Tern needs at least %d MiB",
		      (unsigned long long)(usable >> 20), MIN_RAM_MIB);
}

static void time_setup(void)
{
	const char *method = NULL;
	uint64_t hz = tsc_measure_frequency(&acpi, &method);

	if (hz == 0) {
		hz = 1000000000ull;
		pr_warn("tsc: no way to measure the TSC frequency; assuming 1 GHz (times will be wrong)\n");
	}
	clock_init(hz, arch_boot_cycles());
	pr_info("tsc: %llu.%03llu MHz (%s)%s\n", (unsigned long long)(hz / 1000000),
		(unsigned long long)(hz / 1000 % 1000), method,
		cpu_features.invariant_tsc ? ", invariant" : "");
}

static void allocate_ist_stacks(void)
{
	static const unsigned slots[] = {IST_DOUBLE_FAULT, IST_NMI, IST_MACHINE_CHECK};

	for (unsigned i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
		struct kstack s;
		if (!kva_alloc_stack(&s))
			panic("boot: no memory for interrupt stacks");
		gdt_set_ist(0, slots[i], s.top);
	}
}

/* The boot CPU's per-CPU data, reached through GS from now on; the boot flow becomes its idle thread. */
static void percpu_setup(struct thread *idle)
{
	struct cpu *c = &cpus[0];

	c->self = c;
	c->id = 0;
	c->arch_id = lapic_id();
	c->online = true;
	cpu_count = 1;
	wrmsr(MSR_GS_BASE, (uint64_t)c);
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	sched_init_cpu(c, idle);
	c->kernel_stack_top = idle->stack.top;
	gdt_set_kernel_stack(0, idle->stack.top);
}

__attribute__((noreturn)) static void boot_continue(void)
{
	allocate_ist_stacks();
	cpu_enable_features();
	fpu_init();
	cpu_syscall_init();
	lapic_init(acpi.lapic_address);
	percpu_setup(boot_idle);
	ioapic_init(&acpi);
	power_init(&acpi);
	time_setup();
	random_init();
	time_init();
	arch_timer_start();
	serial_enable_input_irq();
	irq_enable();
	smp_init_ipis();
	tlb_init_ipis();
	smp_start_cpus(&acpi, kernel_options.max_cpus != 0 ? kernel_options.max_cpus : MAX_CPUS);
	kmain();
}

__attribute__((noreturn)) static void call_on_stack(uint64_t top, void (*fn)(void))
{
	__asm__ volatile("movq %0, %%rsp\n\t"
			 "xorl %%ebp, %%ebp\n\t"
			 "call *%1\n\t"
			 "ud2" ::"r"(top),
			 "r"(fn)
			 : "memory");
	__builtin_unreachable();
}

void x86_boot_main(uint32_t start_info_pa)
{
	serial_init();
	cpu_detect();
	gdt_init(0, NULL);
	idt_init();
	pvh_parse(start_info_pa, &boot_info);
	options_parse(boot_info.cmdline, boot_info.cmdline_len);
	if (boot_info.cmdline_truncated)
		pr_warn("cmdline: longer than %d bytes; truncated\n", BOOT_CMDLINE_MAX - 1);
	char shown[BOOT_CMDLINE_MAX];
	str_escape(boot_info.cmdline, shown, sizeof(shown));
	pr_info("tern: booted by %s; command line: %s\n", boot_info.loader, shown);
	check_memory();
	acpi_setup();
	memory_setup();
	boot_idle = thread_alloc("idle0");
	if (boot_idle == NULL)
		panic("boot: no memory for the boot thread");
	call_on_stack(boot_idle->stack.top - sizeof(struct trap_frame), boot_continue);
}

const struct acpi_info *arch_acpi(void)
{
	return &acpi;
}
