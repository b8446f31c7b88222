#include "asm/lapic.h"

#include "asm/cpu.h"
#include "asm/cpufeature.h"
#include "asm/trap.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/panic.h"
#include "mm/kva.h"

/* Register offsets (SDM vol. 3A, table 11-1); x2APIC MSR = 0x800 + offset / 16. */
#define LAPIC_ID 0x20
#define LAPIC_VERSION 0x30
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ESR 0x280
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INITIAL 0x380
#define LAPIC_TIMER_CURRENT 0x390
#define LAPIC_TIMER_DIVIDE 0x3e0
#define X2APIC_MSR_BASE 0x800

#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull
#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_NMI (4u << 8)
#define LVT_TIMER_ONESHOT (0u << 17)
#define LVT_TIMER_TSC_DEADLINE (2u << 17)
#define TIMER_DIVIDE_BY_16 0x3
/* Longer one-shot counts could overflow; the tick re-arms well before this. */
#define MAX_ONESHOT_NS NSEC_PER_SEC
#define CALIBRATION_NS (2 * NSEC_PER_MSEC) /* against the TSC, already known */

/* Set up once on the boot CPU; every CPU uses the same mode and rates. */
static volatile uint32_t *mmio;
static bool x2apic;
static bool tsc_deadline;
static uint64_t apic_ticks_per_ms; /* APIC timer rate after the divider */
static bool timer_mode_chosen;

static uint32_t lapic_read(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + reg / 16);
	return mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (x2apic)
		wrmsr(X2APIC_MSR_BASE + reg / 16, v);
	else
		mmio[reg / 4] = v;
}

static void lapic_error_irq(struct trap_frame *f, void *ctx)
{
	(void)f;
	(void)ctx;
	lapic_write(LAPIC_ESR, 0);
	pr_warn("lapic: error interrupt, ESR %#x\n", lapic_read(LAPIC_ESR));
}

/* Switches this CPU's local APIC on (and into x2APIC mode when the CPU has it). */
static void enable_this_cpu(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE) | APIC_BASE_ENABLE;

	if (x2apic)
		base |= APIC_BASE_X2APIC;
	wrmsr(MSR_APIC_BASE, base);
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED); /* the 8259s stay masked */
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	trap_register(VEC_LAPIC_ERROR, lapic_error_irq, NULL);
	lapic_write(LAPIC_LVT_ERROR, VEC_LAPIC_ERROR);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | VEC_SPURIOUS);
	lapic_eoi();
}

void lapic_init(uint64_t madt_address)
{
	uint64_t pa = rdmsr(MSR_APIC_BASE) & APIC_BASE_ADDR_MASK;

	if (!cpu_features.apic)
		panic("lapic: this CPU has no local APIC");
	if (pa == 0)
		pa = madt_address;
	x2apic = cpu_features.x2apic;
	if (!x2apic) {
		mmio = kva_map_mmio(pa, 4096);
		if (mmio == NULL)
			panic("lapic: cannot map the APIC at %#llx", (unsigned long long)pa);
	}
	trap_register(VEC_LAPIC_ERROR, lapic_error_irq, NULL);
	enable_this_cpu();
	pr_info("lapic: id %u, version %#x, %s mode\n", lapic_id(), lapic_read(LAPIC_VERSION) & 0xff,
		x2apic ? "x2APIC" : "xAPIC");
}

void lapic_init_ap(void)
{
	enable_this_cpu();
}

/* Interrupt command register (SDM vol. 3A, 11.6.1). */
#define LAPIC_ICR_LOW 0x300
#define LAPIC_ICR_HIGH 0x310
#define ICR_DELIVERY_PENDING (1u << 12)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_MODE_NMI (4u << 8)
#define ICR_MODE_INIT (5u << 8)
#define ICR_MODE_STARTUP (6u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)
#define X2APIC_MSR_ICR 0x830
#define ICR_SPIN_LIMIT 1000000

static void send_icr(uint32_t dest, uint32_t low)
{
	if (x2apic) {
		wrmsr(X2APIC_MSR_ICR, ((uint64_t)dest << 32) | low);
		return;
	}
	uint64_t flags = read_rflags();
	irq_disable();
	lapic_write(LAPIC_ICR_HIGH, dest << 24);
	lapic_write(LAPIC_ICR_LOW, low);
	for (int i = 0; i < ICR_SPIN_LIMIT && (lapic_read(LAPIC_ICR_LOW) & ICR_DELIVERY_PENDING); i++)
		cpu_relax();
	if (flags & RFLAGS_IF)
		irq_enable();
}

void lapic_send_ipi(uint32_t apic_id, unsigned vector)
{
	send_icr(apic_id, vector);
}

void lapic_send_nmi_all_others(void)
{
	send_icr(0, ICR_MODE_NMI | ICR_LEVEL_ASSERT | ICR_ALL_BUT_SELF);
}

void lapic_send_init(uint32_t apic_id)
{
	send_icr(apic_id, ICR_MODE_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_startup(uint32_t apic_id, uint64_t trampoline_pa)
{
	send_icr(apic_id, ICR_MODE_STARTUP | (uint32_t)(trampoline_pa >> 12));
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);
	return x2apic ? id : id >> 24;
}

bool lapic_x2apic_mode(void)
{
	return x2apic;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

/* Measures the APIC timer against the (already calibrated) TSC clock. */
static void calibrate_apic_timer(void)
{
	lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_INITIAL, 0xffffffffu);
	uint64_t start = clock_monotonic_ns();
	while (clock_monotonic_ns() - start < CALIBRATION_NS)
		cpu_relax();
	uint32_t elapsed = 0xffffffffu - lapic_read(LAPIC_TIMER_CURRENT);
	lapic_write(LAPIC_TIMER_INITIAL, 0);
	apic_ticks_per_ms = elapsed / (CALIBRATION_NS / NSEC_PER_MSEC);
	if (apic_ticks_per_ms == 0)
		panic("lapic: the APIC timer does not count");
}

void lapic_timer_init(unsigned vector)
{
	/* The boot CPU decides the mode and calibrates; every CPU programs its own timer. */
	bool first = !timer_mode_chosen;
	timer_mode_chosen = true;
	if (first)
		tsc_deadline = cpu_features.tsc_deadline;
	if (tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER, vector | LVT_TIMER_TSC_DEADLINE);
		if (first)
			pr_info("lapic: timer in TSC-deadline mode\n");
	} else {
		if (first)
			calibrate_apic_timer();
		lapic_write(LAPIC_TIMER_DIVIDE, TIMER_DIVIDE_BY_16);
		lapic_write(LAPIC_LVT_TIMER, vector | LVT_TIMER_ONESHOT);
		if (first)
			pr_info("lapic: timer in one-shot mode, %llu kHz\n", (unsigned long long)apic_ticks_per_ms);
	}
}

bool lapic_timer_uses_tsc_deadline(void)
{
	return tsc_deadline;
}

void lapic_timer_program(uint64_t deadline_ns)
{
	if (tsc_deadline) {
		wrmsr(MSR_TSC_DEADLINE, clock_ns_to_cycles(deadline_ns));
		return;
	}
	uint64_t now = clock_monotonic_ns();
	uint64_t ns = deadline_ns > now ? deadline_ns - now : 0;
	if (ns > MAX_ONESHOT_NS)
		ns = MAX_ONESHOT_NS;
	uint64_t ticks = ns * apic_ticks_per_ms / NSEC_PER_MSEC;
	if (ticks == 0)
		ticks = 1;
	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu;
	lapic_write(LAPIC_TIMER_INITIAL, (uint32_t)ticks);
}
