#include "core/panic.h"

#include <stdarg.h>

#include "asm/irqflags.h"
#include "core/arch.h"
#include "core/log.h"
#include "lib/printf.h"

/* Set once; the first CPU to panic owns the report. */
static int panic_started;
static enum panic_action panic_action = PANIC_POWEROFF;

void panic_set_action(enum panic_action a)
{
	panic_action = a;
}

bool panic_in_progress(void)
{
	return __atomic_load_n(&panic_started, __ATOMIC_RELAXED) != 0;
}

/* Claims the panic; a second (nested or concurrent) panic just stops its CPU. */
static void claim_panic(void)
{
	irq_save();
	if (__atomic_exchange_n(&panic_started, 1, __ATOMIC_ACQ_REL) != 0)
		arch_halt_forever();
	arch_stop_other_cpus();
	log_enter_panic_mode();
}

__attribute__((noreturn)) static void finish(int status)
{
	if (panic_action == PANIC_HALT) {
		printk(LOG_ALWAYS, "tern: system halted (panic=halt)\n");
		arch_halt_forever();
	}
	printk(LOG_ALWAYS, "tern: powering off\n");
	arch_poweroff(status);
}

void panic_finish(void)
{
	finish(EXIT_STATUS_PANIC);
}

void boot_fail(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	claim_panic();
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(LOG_ALWAYS, "tern: cannot boot: %s\n", msg);
	finish(EXIT_STATUS_BOOT_FAILURE);
}

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	claim_panic();
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printk(LOG_ALWAYS, "tern: panic: %s\n", msg);
	printk(LOG_ALWAYS, "backtrace:\n");
	arch_print_backtrace(arch_frame_pointer(), 0);
	panic_finish();
}

void panic_begin_trap(void)
{
	claim_panic();
}
