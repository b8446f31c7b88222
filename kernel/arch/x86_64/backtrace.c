/*
 * Kernel backtraces by walking the frame-pointer chain (the kernel is built
 * with -fno-omit-frame-pointer). Every frame is checked to be mapped before it
 * is read, so a corrupt stack ends the trace instead of faulting again.
 */
#include <stdbool.h>

#include "asm/cpu.h"
#include "asm/layout.h"
#include "core/arch.h"
#include "core/ksyms.h"
#include "core/log.h"
#include "mm/vm.h"

#define BACKTRACE_MAX_FRAMES 32
#define KERNEL_HALF_START 0xffff800000000000ull

static bool readable(uint64_t addr)
{
	uint64_t pa;

	return addr >= KERNEL_HALF_START && (addr & 7) == 0 && kernel_translate(addr, &pa) &&
	       kernel_translate(addr + 8, &pa);
}

void arch_print_backtrace(uint64_t fp, int skip)
{
	for (int depth = 0; depth < BACKTRACE_MAX_FRAMES + skip; depth++) {
		if (fp == 0 || !readable(fp))
			return;
		uint64_t next = ((uint64_t *)fp)[0];
		uint64_t ret = ((uint64_t *)fp)[1];
		if (ret == 0)
			return;
		if (depth >= skip) {
			uint64_t off = 0;
			/* ret - 1: the call instruction, which may be the last one of its function. */
			const char *name = ksyms_lookup(ret - 1, &off);
			if (name != NULL)
				printk(LOG_ALWAYS, "  #%d 0x%016llx %s+0x%llx\n", depth - skip + 1, (unsigned long long)ret, name,
				       (unsigned long long)(off + 1));
			else
				printk(LOG_ALWAYS, "  #%d 0x%016llx ?\n", depth - skip + 1, (unsigned long long)ret);
		}
		if (next <= fp)
			return; /* stacks grow down: the chain must go up */
		fp = next;
	}
	printk(LOG_ALWAYS, "  ...\n");
}

uint64_t arch_frame_pointer(void)
{
	return (uint64_t)__builtin_frame_address(0);
}
