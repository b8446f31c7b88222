#include "asm/tsc.h"

#include <stdbool.h>
#include "lib/string.h"

#include "asm/cpu.h"
#include "asm/cpufeature.h"
#include "asm/layout.h"
#include "core/arch.h"
#include "core/log.h"
#include "mm/kva.h"

#define CALIBRATION_MS 5 /* 6000 PIT ticks: 0.02% resolution */
#define PIT_HZ 1193182ull          /* 8254 input clock */
#define PIT_CHANNEL0 0x40
#define PIT_COMMAND 0x43
#define PIT_CH0_RATE_LOHI 0x34     /* channel 0, lo/hi byte, mode 2, binary */
#define PIT_LATCH_CH0 0x00
#define ACPI_PM_TIMER_HZ 3579545ull
#define HPET_CAPABILITIES 0x00     /* bits 63:32 = period in femtoseconds */
#define HPET_CONFIG 0x10
#define HPET_CONFIG_ENABLE 0x1
#define HPET_COUNTER 0xf0
#define FEMTOSECONDS_PER_SECOND 1000000000000000ull
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define HV_TIMING_LEAF 0x40000010
/* A source that shows no progress after this many reads is taken as absent. */
#define STUCK_LIMIT 2000000

/* kvmclock's per-CPU record (Linux Documentation/virt/kvm/x86/msr.rst). */
struct pvclock_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((aligned(64)));

/* Used once during boot; then idle. */
static struct pvclock_time_info pvclock;

static uint64_t from_cpuid_leaves(void)
{
	uint32_t a, b, c, d;

	if (cpu_features.max_leaf >= 0x15) {
		cpuid(0x15, &a, &b, &c, &d);
		if (a != 0 && b != 0 && c != 0)
			return (uint64_t)c * b / a;
		if (a != 0 && b != 0 && cpu_features.max_leaf >= 0x16) {
			uint32_t base_mhz;
			cpuid(0x16, &base_mhz, &b, &c, &d);
			if (base_mhz != 0)
				return (uint64_t)base_mhz * 1000000;
		}
	}
	return 0;
}

static uint64_t from_hypervisor_leaf(void)
{
	uint32_t khz, b, c, d;

	if (cpu_features.max_hv_leaf < HV_TIMING_LEAF)
		return 0;
	cpuid(HV_TIMING_LEAF, &khz, &b, &c, &d);
	return (uint64_t)khz * 1000;
}

static uint64_t from_kvmclock(void)
{
	uint32_t features, b, c, d;

	if (strcmp(cpu_features.hypervisor, "KVMKVMKVM") != 0 || cpu_features.max_hv_leaf < 0x40000001)
		return 0;
	cpuid(0x40000001, &features, &b, &c, &d);
	if (!(features & KVM_FEATURE_CLOCKSOURCE2))
		return 0;
	uint64_t pa = (uint64_t)&pvclock - KERNEL_VMA;
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, pa | 1);
	uint32_t version, mul;
	int8_t shift;
	do {
		version = __atomic_load_n(&pvclock.version, __ATOMIC_ACQUIRE);
		mul = pvclock.tsc_to_system_mul;
		shift = pvclock.tsc_shift;
	} while ((version & 1) != 0 || version != __atomic_load_n(&pvclock.version, __ATOMIC_ACQUIRE));
	wrmsr(MSR_KVM_SYSTEM_TIME_NEW, 0);
	if (mul == 0)
		return 0;
	/* ns = (tsc << shift) * mul >> 32, so Hz = 10^9 * 2^32 / mul / 2^shift. */
	uint64_t hz = (uint64_t)((1000000000ull << 32) / mul);
	return shift >= 0 ? hz >> shift : hz << -shift;
}

static uint16_t pit_read_channel0(void)
{
	outb(PIT_COMMAND, PIT_LATCH_CH0);
	uint8_t lo = inb(PIT_CHANNEL0);
	uint8_t hi = inb(PIT_CHANNEL0);
	return (uint16_t)(lo | hi << 8);
}

/*
 * Counts TSC cycles across `target` ticks of a counter read by `read`, which
 * wraps at `mask`. Works for counters that count up or (with down) down.
 */
static uint64_t measure(uint64_t (*read)(void *), void *ctx, uint64_t mask, bool down, uint64_t hz)
{
	uint64_t target = hz * CALIBRATION_MS / 1000;
	uint64_t prev = read(ctx), elapsed = 0;
	uint64_t tsc_start = rdtsc();
	long stuck = 0;

	while (elapsed < target) {
		uint64_t now = read(ctx);
		uint64_t delta = (down ? prev - now : now - prev) & mask;
		if (delta == 0 && ++stuck > STUCK_LIMIT)
			return 0;
		if (delta > mask / 2)
			continue; /* a torn or backwards read; skip it */
		elapsed += delta;
		prev = now;
	}
	uint64_t cycles = rdtsc() - tsc_start;
	return cycles * hz / elapsed; /* < 2^64: cycles ~1e9 at most, hz <= 1e9 */
}

static uint64_t read_pit(void *ctx)
{
	(void)ctx;
	return pit_read_channel0();
}

static uint64_t from_pit(void)
{
	outb(PIT_COMMAND, PIT_CH0_RATE_LOHI);
	outb(PIT_CHANNEL0, 0xff);
	outb(PIT_CHANNEL0, 0xff);
	/* No PIT: the port floats at 0xffff. */
	uint16_t a = pit_read_channel0();
	if (a == 0xffff && pit_read_channel0() == 0xffff && pit_read_channel0() == 0xffff)
		return 0;
	return measure(read_pit, NULL, 0xffff, true, PIT_HZ);
}

static uint64_t read_hpet(void *ctx)
{
	volatile uint8_t *regs = ctx;
	return *(volatile uint64_t *)(regs + HPET_COUNTER);
}

static uint64_t from_hpet(uint64_t address)
{
	if (address == 0)
		return 0;
	volatile uint8_t *regs = kva_map_mmio(address, 0x400);
	if (regs == NULL)
		return 0;
	uint64_t period_fs = *(volatile uint64_t *)(regs + HPET_CAPABILITIES) >> 32;
	if (period_fs == 0 || period_fs > 100000000) /* the spec caps the period at 100 ns */
		return 0;
	*(volatile uint64_t *)(regs + HPET_CONFIG) |= HPET_CONFIG_ENABLE;
	return measure(read_hpet, (void *)regs, ~0ull, false, FEMTOSECONDS_PER_SECOND / period_fs);
}

static uint64_t read_pm_timer(void *ctx)
{
	return inl((uint16_t)(uintptr_t)ctx);
}

static uint64_t from_pm_timer(const struct acpi_info *acpi)
{
	if (acpi == NULL || acpi->pm_timer_port == 0 || acpi->pm_timer_port > 0xffff)
		return 0;
	uint64_t mask = acpi->pm_timer_32bit ? 0xffffffffull : 0xffffffull;
	return measure(read_pm_timer, (void *)(uintptr_t)acpi->pm_timer_port, mask, false, ACPI_PM_TIMER_HZ);
}

uint64_t tsc_measure_frequency(const struct acpi_info *acpi, const char **method)
{
	uint64_t hz;

	if ((hz = from_cpuid_leaves()) != 0) {
		*method = "CPUID leaf 0x15";
	} else if ((hz = from_hypervisor_leaf()) != 0) {
		*method = "hypervisor leaf 0x40000010";
	} else if ((hz = from_kvmclock()) != 0) {
		*method = "kvmclock";
	} else if ((hz = from_pit()) != 0) {
		*method = "PIT calibration";
	} else if ((hz = from_hpet(acpi != NULL ? acpi->hpet_address : 0)) != 0) {
		*method = "HPET calibration";
	} else if ((hz = from_pm_timer(acpi)) != 0) {
		*method = "ACPI PM timer calibration";
	} else {
		*method = "none";
	}
	return hz;
}

uint64_t arch_cycles(void)
{
	return rdtsc();
}

/* Written by boot.S at the kernel's first instruction. */
extern uint64_t boot_tsc;

uint64_t arch_boot_cycles(void)
{
	return boot_tsc;
}
