/* Fatal kernel errors: report, then power off or halt as panic= says. */
#ifndef CORE_PANIC_H
#define CORE_PANIC_H

#include <stdbool.h>

/* QEMU isa-debug-exit values (host status = value * 2 + 1) for how the kernel ended. */
#define EXIT_STATUS_OK 0
#define EXIT_STATUS_BOOT_FAILURE 0x7d /* the machine cannot run Tern (host sees 251) */
#define EXIT_STATUS_SERVER_DIED 0x7c  /* the I/O server ended: no more files (host sees 249) */
#define EXIT_STATUS_PANIC 0x7f        /* a kernel bug (host sees 255) */

enum panic_action {
	PANIC_POWEROFF, /* default: the VMM sees the VM end with EXIT_STATUS_PANIC */
	PANIC_HALT,     /* stop all CPUs, leave the VM up for inspection */
};

void panic_set_action(enum panic_action a);

/* Prints the message and the caller's backtrace, then ends the system. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

/* Claims the panic for a trap report (a second panic stops its CPU instead). */
void panic_begin_trap(void);
/*
 * The machine as configured cannot run the kernel (too little memory, no
 * memory map ...): a clear message, no backtrace, then the panic= action
 * with EXIT_STATUS_BOOT_FAILURE.
 */
__attribute__((noreturn, format(printf, 1, 2))) void boot_fail(const char *fmt, ...);

/* Entry for the trap handler, which has already printed its report. */
__attribute__((noreturn)) void panic_finish(void);

/* True once a panic has begun (other code then avoids locks). */
bool panic_in_progress(void);

/* Asserts a kernel invariant. */
#define KASSERT(cond)                                                                          \
	do {                                                                                   \
		if (!(cond))                                                                   \
			panic("assertion failed: %s (%s:%d)", #cond, __FILE__, __LINE__);      \
	} while (0)

#endif
