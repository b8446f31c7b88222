#include "core/kmain.h"

#include "core/arch.h"
#include "core/clock.h"
#include "core/initrd.h"
#include "core/log.h"
#include "core/options.h"
#include "core/selftest.h"
#include "core/panic.h"
#include "ipc/server.h"
#include "mm/pmm.h"
#include "proc/process.h"
#include "sched/sched.h"

void kmain(void)
{
	uint64_t boot_ns = clock_cycles_to_ns(arch_cycles() - arch_boot_cycles());

	printk(LOG_ALWAYS, "tern: kernel ready in %llu us\n", (unsigned long long)(boot_ns / NSEC_PER_USEC));
	pr_info("memory: %llu MiB total, %llu MiB free\n", (unsigned long long)(pmm_total_pages() >> 8),
		(unsigned long long)(pmm_free_pages() >> 8));
	bool have_initrd = initrd_init();
	if (kernel_options.test[0] != '\0')
		selftest_run(kernel_options.test);
	if (!have_initrd)
		boot_fail("no initrd: nothing to run as init (QEMU: -initrd build/initrd.img)");
	proc_boot_init();
	/* The I/O server comes first; it starts file service and then init (ipc/server.c). */
	io_server_start(kernel_options.io_server);
	sched_idle_loop();
}
