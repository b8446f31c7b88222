#include "core/kmain.h"

#include "core/arch.h"
#include "core/clock.h"
#include "core/initrd.h"
#include "core/log.h"
#include "core/options.h"
#include "core/selftest.h"
#include "mm/pmm.h"

void kmain(void)
{
	uint64_t boot_ns = clock_cycles_to_ns(arch_cycles() - arch_boot_cycles());

	printk(LOG_ALWAYS, "tern: kernel ready in %llu us\n", (unsigned long long)(boot_ns / NSEC_PER_USEC));
	pr_info("memory: %llu MiB total, %llu MiB free\n", (unsigned long long)(pmm_total_pages() >> 8),
		(unsigned long long)(pmm_free_pages() >> 8));
	initrd_init();
	if (kernel_options.test[0] != '\0')
		selftest_run(kernel_options.test);
	pr_notice("tern: no user space yet (init=%s will be started by a later version); idle. "
		  "In QEMU, Ctrl-A X quits.\n",
		  kernel_options.init);
	for (;;)
		arch_idle();
}
