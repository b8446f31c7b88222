/* CPU features found by CPUID at boot (arch/x86_64/cpu.c). */
#ifndef ASM_CPUFEATURE_H
#define ASM_CPUFEATURE_H

#include <stdbool.h>
#include <stdint.h>

struct cpu_features {
	char vendor[13];
	char brand[49];
	char hypervisor[13]; /* "" on bare metal */
	uint32_t max_leaf, max_ext_leaf, max_hv_leaf;
	uint32_t family, model, stepping;
	bool nx, pdpe1gb, sse, sse2, fxsr, xsave, avx, x2apic, tsc_deadline, invariant_tsc;
	bool smep, smap, umip, rdrand, rdseed, fsgsbase, apic, pcid;
};

extern struct cpu_features cpu_features;
/* 1 when CR4.SMAP is on: the entry code then clears RFLAGS.AC (read by isr.S). */
extern uint8_t smap_enabled;

/* Reads CPUID (early; no side effects). */
void cpu_detect(void);
/* Turns on what the kernel relies on: NX, write protect, SSE state, SMEP/SMAP/UMIP. */
void cpu_enable_features(void);
/* The same on an application processor (quietly). */
void cpu_enable_features_ap(void);
/* Points SYSCALL at syscall_entry (syscall.S) and sets the segment selectors. */
void cpu_syscall_init(void);

#endif
