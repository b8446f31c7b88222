/*
 * test=NAME actions for the system tests (tests/system/). Each proves one
 * kernel property end to end on a real (emulated) machine:
 *   boot            power off right after boot (status 0)
 *   pagefault       NULL write: the fault report, then a panic
 *   stackoverflow   unbounded recursion: guard page -> double fault on its IST stack
 *   ud              invalid opcode
 *   divzero         integer division by zero
 *   write-text      write to kernel code (W^X): page fault
 *   exec-data       jump into a data page (NX): page fault
 *   panic           an explicit panic
 *   heap            allocator exercise; checks every byte (status 0)
 *   heap-doublefree, heap-overflow, heap-useafterfree: debug checks must panic
 *   pmm             allocates all memory, frees it, checks the counts (status 0)
 *   timer           waits for 20 ticks and reports their duration (status 0)
 *   console-echo    reads a line from the serial console (interrupt driven) and echoes it
 *   panic-smp       a kernel thread pinned to each CPU; all but the first print in a loop
 *                   with interrupts off, the first panics: the report comes out once and
 *                   whole, and no other CPU prints after it (they are stopped by NMI)
 */
#include "core/selftest.h"

#include <stdbool.h>
#include <stdint.h>

#include "core/arch.h"
#include "core/clock.h"
#include "core/console.h"
#include "core/log.h"
#include "core/panic.h"
#include "core/tick.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "sched/cpu.h"
#include "sched/sched.h"
#include "sched/thread.h"

#define HEAP_ROUNDS 2000
#define HEAP_SLOTS 64
#define TIMER_TEST_TICKS 20
#define ECHO_TIMEOUT_NS (20 * NSEC_PER_SEC)
#define ECHO_LINE_MAX 128

/* Keeps the compiler from proving these accesses invalid and dropping them. */
static volatile uintptr_t zero_address;
static volatile int zero_divisor;
static volatile int dividend = 1000;
static volatile int never_reached_depth = -1;
static volatile uint8_t data_page[4096] __attribute__((aligned(4096)));

static void pass(const char *name)
{
	printk(LOG_ALWAYS, "selftest: %s: ok\n", name);
	arch_poweroff(EXIT_STATUS_OK);
}

static int recurse(int depth)
{
	volatile char frame[256];

	frame[0] = (char)depth;
	if (depth == never_reached_depth)
		return 0;
	return recurse(depth + 1) + frame[0];
}

/* Deterministic pseudo-random numbers (xorshift64). */
static uint64_t next_random(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static void test_heap(void)
{
	uint8_t *slot[HEAP_SLOTS] = {0};
	size_t size[HEAP_SLOTS] = {0};
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	struct heap_stats before, after;

	heap_get_stats(&before);
	for (int round = 0; round < HEAP_ROUNDS; round++) {
		unsigned i = (unsigned)(next_random(&rng) % HEAP_SLOTS);
		if (slot[i] != NULL) {
			for (size_t b = 0; b < size[i]; b++) {
				if (slot[i][b] != (uint8_t)(i + b))
					panic("selftest heap: object %u corrupted at byte %zu", i, b);
			}
			kfree(slot[i]);
			slot[i] = NULL;
			continue;
		}
		/* Mostly small objects, sometimes multi-page ones. */
		size[i] = (next_random(&rng) % 8 == 0) ? (size_t)(next_random(&rng) % 40000) + 1
						       : (size_t)(next_random(&rng) % 1100) + 1;
		slot[i] = kmalloc(size[i]);
		if (slot[i] == NULL)
			panic("selftest heap: kmalloc(%zu) failed", size[i]);
		if (((uintptr_t)slot[i] & 15) != 0)
			panic("selftest heap: kmalloc returned misaligned %p", (void *)slot[i]);
		for (size_t b = 0; b < size[i]; b++)
			slot[i][b] = (uint8_t)(i + b);
	}
	for (unsigned i = 0; i < HEAP_SLOTS; i++)
		kfree(slot[i]);
	heap_get_stats(&after);
	if (after.allocations != before.allocations || after.bytes != before.bytes)
		panic("selftest heap: %zu objects / %zu bytes leaked", after.allocations - before.allocations,
		      after.bytes - before.bytes);
	pass("heap");
}

static void test_pmm(void)
{
	uint64_t free_before = pmm_free_pages();
	uint64_t head = 0, count = 0;

	/* Chain every free page through its first word, then free them all. */
	for (;;) {
		uint64_t pa = pmm_alloc(0);
		if (pa == 0)
			break;
		*(uint64_t *)phys_to_virt(pa) = head;
		head = pa;
		count++;
	}
	if (count != free_before)
		panic("selftest pmm: allocated %llu pages, %llu were free", (unsigned long long)count,
		      (unsigned long long)free_before);
	if (pmm_free_pages() != 0)
		panic("selftest pmm: pages left after allocating all");
	while (head != 0) {
		uint64_t next = *(uint64_t *)phys_to_virt(head);
		pmm_free(head, 0);
		head = next;
	}
	if (pmm_free_pages() != free_before)
		panic("selftest pmm: %llu pages free after freeing all, %llu before",
		      (unsigned long long)pmm_free_pages(), (unsigned long long)free_before);
	printk(LOG_ALWAYS, "selftest: pmm: %llu pages (%llu MiB) allocated and freed\n", (unsigned long long)count,
	       (unsigned long long)(count >> 8));
	pass("pmm");
}

static void test_timer(void)
{
	uint64_t start_ticks = tick_count();
	uint64_t start_ns = clock_monotonic_ns();

	while (tick_count() - start_ticks < TIMER_TEST_TICKS) {
		if (clock_monotonic_ns() - start_ns > 10 * NSEC_PER_SEC)
			panic("selftest timer: only %llu ticks in 10 s", (unsigned long long)(tick_count() - start_ticks));
		arch_idle();
	}
	uint64_t ms = (clock_monotonic_ns() - start_ns) / NSEC_PER_MSEC;
	printk(LOG_ALWAYS, "selftest: timer: %d ticks in %llu ms (expected %d ms)\n", TIMER_TEST_TICKS,
	       (unsigned long long)ms, TIMER_TEST_TICKS * 1000 / TICK_HZ);
	pass("timer");
}

static void test_console_echo(void)
{
	char line[ECHO_LINE_MAX];
	size_t n = 0;
	uint64_t start = clock_monotonic_ns();

	printk(LOG_ALWAYS, "selftest: console-echo: type a line\n");
	while (clock_monotonic_ns() - start < ECHO_TIMEOUT_NS) {
		char c;
		if (!console_read_byte(&c)) {
			arch_idle();
			continue;
		}
		if (c == '\r' || c == '\n') {
			line[n] = '\0';
			printk(LOG_ALWAYS, "selftest: echo: %s\n", line);
			pass("console-echo");
		}
		if (n < sizeof(line) - 1)
			line[n++] = c;
	}
	panic("selftest console-echo: no line within %llu s", (unsigned long long)(ECHO_TIMEOUT_NS / NSEC_PER_SEC));
}

#define PANIC_SMP_WAIT_NS (10 * NSEC_PER_SEC)

static volatile unsigned panic_smp_printed; /* CPUs that have printed at least once */

static void panic_smp_thread(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;

	irq_disable();
	if (cpu != 0) {
		bool counted = false;
		for (;;) {
			printk(LOG_ALWAYS, "selftest: panic-smp: cpu %u still running\n", cpu);
			if (!counted)
				__atomic_add_fetch(&panic_smp_printed, 1, __ATOMIC_SEQ_CST);
			counted = true;
			uint64_t until = clock_monotonic_ns() + 200 * NSEC_PER_USEC;
			while (clock_monotonic_ns() < until)
				cpu_relax();
		}
	}
	uint64_t deadline = clock_monotonic_ns() + PANIC_SMP_WAIT_NS;
	while (__atomic_load_n(&panic_smp_printed, __ATOMIC_SEQ_CST) + 1 < cpu_count &&
	       clock_monotonic_ns() < deadline)
		cpu_relax();
	panic("selftest panic-smp: panic on CPU 0 with %u other CPUs busy", cpu_count - 1);
}

static void test_panic_smp(void)
{
	for (unsigned cpu = 0; cpu < cpu_count; cpu++) {
		struct thread *t = thread_create_kernel("panic-smp", panic_smp_thread, (void *)(uintptr_t)cpu);
		if (t == NULL)
			panic("selftest panic-smp: no memory for a thread");
		t->affinity = 1ull << cpu;
		sched_start(t);
	}
	sched_idle_loop();
}

void selftest_run(const char *name)
{
	printk(LOG_ALWAYS, "selftest: %s: start\n", name);
	if (strcmp(name, "boot") == 0) {
		pass("boot");
	} else if (strcmp(name, "pagefault") == 0) {
		*(volatile int *)zero_address = 1;
	} else if (strcmp(name, "stackoverflow") == 0) {
		recurse(0);
	} else if (strcmp(name, "ud") == 0) {
		__builtin_trap();
	} else if (strcmp(name, "divzero") == 0) {
		printk(LOG_ALWAYS, "%d\n", dividend / zero_divisor);
	} else if (strcmp(name, "write-text") == 0) {
		*(volatile uint8_t *)(uintptr_t)&selftest_run = 0xcc;
	} else if (strcmp(name, "exec-data") == 0) {
		data_page[0] = 0xc3; /* ret */
		((void (*)(void))(uintptr_t)data_page)();
	} else if (strcmp(name, "panic") == 0) {
		panic("test panic requested on the command line");
	} else if (strcmp(name, "heap") == 0) {
		test_heap();
	} else if (strcmp(name, "heap-doublefree") == 0) {
		void *p = kmalloc(100);
		kfree(p);
		kfree(p);
	} else if (strcmp(name, "heap-overflow") == 0) {
		char *p = kmalloc(100);
		memset(p, 'x', 101);
		kfree(p);
	} else if (strcmp(name, "heap-useafterfree") == 0) {
		volatile char *p = kmalloc(200);
		kfree((void *)p);
		p[50] = 1;
		for (int i = 0; i < 64; i++)
			(void)kmalloc(200);
	} else if (strcmp(name, "pmm") == 0) {
		test_pmm();
	} else if (strcmp(name, "timer") == 0) {
		test_timer();
	} else if (strcmp(name, "console-echo") == 0) {
		test_console_echo();
	} else if (strcmp(name, "panic-smp") == 0) {
		test_panic_smp();
	} else {
		pr_warn("selftest: unknown test '%s'; ignored\n", name);
		return;
	}
	panic("selftest %s: the expected failure did not happen", name);
}
