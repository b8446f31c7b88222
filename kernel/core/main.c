#include "core/kmain.h"

#include "core/arch.h"
#include "core/clock.h"
#include "core/initrd.h"
#include "core/log.h"
#include "core/options.h"
#include "core/selftest.h"
#include "core/panic.h"
#include "fd/initramfs.h"
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
	size_t size = 0;
	const void *archive = have_initrd ? initrd_data(&size) : NULL;
	initramfs_init(archive, size);
	if (!have_initrd)
		boot_fail("no initrd: nothing to run as init (QEMU: -initrd build/initrd.img)");
	pr_info("tern: starting %s\n", kernel_options.init);
	proc_start_init(kernel_options.init);
	sched_idle_loop();
}
