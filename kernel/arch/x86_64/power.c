#include "asm/power.h"

#include "asm/cpu.h"
#include "asm/irqflags.h"
#include "core/arch.h"
#include "core/log.h"
#include "mm/kva.h"

/* PM1 control register fields (ACPI 6.5, 4.8.3.2.1). */
#define PM1_SLP_TYP_SHIFT 10
#define PM1_SLP_EN (1u << 13)
/* Sleep control register fields for hardware-reduced ACPI (ACPI 6.5, 4.8.3.7). */
#define SLEEP_CTL_TYP_SHIFT 2
#define SLEEP_CTL_EN (1u << 5)
/* How long to wait for the VMM to act on a power-off request. */
#define POWEROFF_SPIN 10000000

/* Copied once at boot. */
static struct {
	bool have_s5;
	uint8_t s5_a, s5_b;
	uint32_t pm1a, pm1b;
	struct acpi_gas sleep_control;
	volatile uint8_t *sleep_register; /* mapped when it is memory */
} power;

void power_init(const struct acpi_info *acpi)
{
	power.have_s5 = acpi->have_s5;
	power.s5_a = acpi->s5_type_a;
	power.s5_b = acpi->s5_type_b;
	power.pm1a = acpi->pm1a_control;
	power.pm1b = acpi->pm1b_control;
	power.sleep_control = acpi->sleep_control;
	if (power.sleep_control.space_id == ACPI_SPACE_MEMORY && power.sleep_control.address != 0)
		power.sleep_register = kva_map_mmio(power.sleep_control.address, 1);
}

static void spin_a_while(void)
{
	for (volatile int i = 0; i < POWEROFF_SPIN; i++)
		cpu_relax();
}

static void acpi_s5(void)
{
	if (!power.have_s5)
		return;
	if (power.sleep_control.address != 0) {
		uint8_t v = (uint8_t)(((power.s5_a & 7) << SLEEP_CTL_TYP_SHIFT) | SLEEP_CTL_EN);
		if (power.sleep_control.space_id == ACPI_SPACE_IO && power.sleep_control.address <= 0xffff)
			outb((uint16_t)power.sleep_control.address, v);
		else if (power.sleep_register != NULL)
			*power.sleep_register = v;
		spin_a_while();
	}
	if (power.pm1a != 0 && power.pm1a <= 0xffff) {
		outw((uint16_t)power.pm1a, (uint16_t)((power.s5_a << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
		if (power.pm1b != 0 && power.pm1b <= 0xffff)
			outw((uint16_t)power.pm1b, (uint16_t)((power.s5_b << PM1_SLP_TYP_SHIFT) | PM1_SLP_EN));
		spin_a_while();
	}
}

void arch_poweroff(int status)
{
	irq_save();
	/* Where QEMU's isa-debug-exit exists this ends the VM at once with our status. */
	outl(DEBUG_EXIT_PORT, (uint32_t)status);
	acpi_s5();
	printk(LOG_ALWAYS, "tern: the VMM did not power off; halting\n");
	arch_halt_forever();
}

void arch_halt_forever(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

void arch_idle(void)
{
	cpu_idle_halt();
}
