/*
 * What generic kernel code needs from the architecture. Implemented under
 * kernel/arch/<arch>/.
 */
#ifndef CORE_ARCH_H
#define CORE_ARCH_H

#include <stddef.h>
#include <stdint.h>

/* Writes to the boot console (COM1 on x86). Callers serialize. */
void arch_console_write(const char *s, size_t n);

/* Ends the VM, reporting status to the host where the VMM allows it. */
__attribute__((noreturn)) void arch_poweroff(int status);
/* Stops this CPU for good (interrupts off). */
__attribute__((noreturn)) void arch_halt_forever(void);

/* Interrupts CPU n so it reschedules (an inter-processor interrupt). */
void arch_kick_cpu(unsigned n);

/* Halts every other CPU now (NMI), for a panic. */
void arch_stop_other_cpus(void);

/* Prints the kernel call chain starting at the given frame pointer. */
void arch_print_backtrace(uint64_t frame_pointer, int skip);
/* The current frame pointer, for backtraces of the caller. */
uint64_t arch_frame_pointer(void);

/* Raw cycle counter and the count taken at the kernel's first instruction. */
uint64_t arch_cycles(void);
uint64_t arch_boot_cycles(void);

/* Waits for an interrupt with interrupts enabled. */
void arch_idle(void);

/* What /proc/cpuinfo says about the processors (all alike in a VM): the arch's own identification. */
#define ARCH_CPU_FLAGS_MAX 1024
struct arch_cpu_info {
	char vendor[16];
	char model_name[64];
	unsigned family, model, stepping, cpuid_level;
	uint64_t khz;           /* the clock the kernel counts time with */
	unsigned cache_kb;      /* 0: unknown */
	unsigned clflush_bytes;
	unsigned phys_bits, virt_bits;
	char flags[ARCH_CPU_FLAGS_MAX]; /* feature names as Linux spells them, space-separated */
};
void arch_cpu_info(struct arch_cpu_info *out);

#endif
