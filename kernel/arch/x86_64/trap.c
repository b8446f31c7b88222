/*
 * Exception reports and interrupt dispatch. An exception in user mode becomes
 * a signal (a page fault is first offered to the address space). In the kernel
 * only a fault inside a user-memory copy is recoverable; anything else is fatal:
 * it prints what happened (vector, error code, RIP with its function, CR2, all
 * registers, a backtrace) and panics.
 */
#include "asm/trap.h"
#include "asm/trap_offsets.h"

#include "asm/cpu.h"
#include "asm/lapic.h"
#include "core/arch.h"
#include "core/ksyms.h"
#include "core/log.h"
#include "core/panic.h"
#include "lib/printf.h"
#include "asm/usercopy.h"
#include "mm/vmspace.h"
#include "proc/entry.h"
#include "proc/signal.h"

struct irq_slot {
	irq_handler_fn handler;
	void *ctx;
};

/* Filled in during boot before interrupts are enabled; read-only afterwards. */
static struct irq_slot irq_table[256];

static const char *const exception_names[VEC_EXCEPTION_COUNT] = {
	[0] = "#DE divide error",
	[1] = "#DB debug",
	[2] = "NMI",
	[3] = "#BP breakpoint",
	[4] = "#OF overflow",
	[5] = "#BR bound range",
	[6] = "#UD invalid opcode",
	[7] = "#NM device not available",
	[8] = "#DF double fault",
	[9] = "coprocessor segment overrun",
	[10] = "#TS invalid TSS",
	[11] = "#NP segment not present",
	[12] = "#SS stack fault",
	[13] = "#GP general protection",
	[14] = "#PF page fault",
	[16] = "#MF x87 floating point",
	[17] = "#AC alignment check",
	[18] = "#MC machine check",
	[19] = "#XM SIMD floating point",
	[20] = "#VE virtualization",
	[21] = "#CP control protection",
	[28] = "#HV hypervisor injection",
	[29] = "#VC VMM communication",
	[30] = "#SX security",
};

void trap_register(unsigned vector, irq_handler_fn handler, void *ctx)
{
	if (vector < VEC_EXCEPTION_COUNT || vector > 255)
		panic("trap_register: vector %u is not an interrupt vector", vector);
	irq_table[vector].handler = handler;
	irq_table[vector].ctx = ctx;
}

static void describe_page_fault(uint64_t err, char *buf, size_t size)
{
	/* Error code bits (SDM vol. 3A, 4.7). */
	ksnprintf(buf, size, " [%s %s %s%s%s]", (err & 1) ? "protection" : "not-present",
		  (err & 2) ? "write" : ((err & 16) ? "instruction-fetch" : "read"), (err & 4) ? "user" : "kernel",
		  (err & 8) ? " reserved-bit" : "", (err & 32) ? " protection-key" : "");
}

static void print_symbol_line(const char *label, uint64_t addr)
{
	uint64_t off = 0;
	const char *name = ksyms_lookup(addr, &off);

	if (name != NULL)
		printk(LOG_ALWAYS, "  %s 0x%016llx <%s+0x%llx>\n", label, (unsigned long long)addr, name,
		       (unsigned long long)off);
	else
		printk(LOG_ALWAYS, "  %s 0x%016llx\n", label, (unsigned long long)addr);
}

static void report_exception(const struct trap_frame *f)
{
	const char *name = f->vector < VEC_EXCEPTION_COUNT ? exception_names[f->vector] : NULL;
	char detail[96] = "";
	uint64_t cr2 = read_cr2();

	if (f->vector == VEC_PAGE_FAULT)
		describe_page_fault(f->error_code, detail, sizeof(detail));
	printk(LOG_ALWAYS, "tern: kernel fault: %s (vector %llu), error code %#llx%s\n",
	       name != NULL ? name : "reserved exception", (unsigned long long)f->vector,
	       (unsigned long long)f->error_code, detail);
	if (f->vector == VEC_PAGE_FAULT)
		printk(LOG_ALWAYS, "  faulting address (cr2) 0x%016llx%s\n", (unsigned long long)cr2,
		       cr2 < 4096 ? " (NULL pointer dereference)" : "");
	if (f->vector == VEC_DOUBLE_FAULT)
		printk(LOG_ALWAYS, "  (a double fault in the kernel is usually a kernel stack overflow "
				   "into its guard page)\n");
	print_symbol_line("rip", f->rip);
	printk(LOG_ALWAYS, "  cs  0x%04llx  rflags 0x%08llx  rsp 0x%016llx  ss 0x%04llx\n", (unsigned long long)f->cs,
	       (unsigned long long)f->rflags, (unsigned long long)f->rsp, (unsigned long long)f->ss);
	printk(LOG_ALWAYS, "  rax 0x%016llx  rbx 0x%016llx  rcx 0x%016llx\n", (unsigned long long)f->rax,
	       (unsigned long long)f->rbx, (unsigned long long)f->rcx);
	printk(LOG_ALWAYS, "  rdx 0x%016llx  rsi 0x%016llx  rdi 0x%016llx\n", (unsigned long long)f->rdx,
	       (unsigned long long)f->rsi, (unsigned long long)f->rdi);
	printk(LOG_ALWAYS, "  rbp 0x%016llx  r8  0x%016llx  r9  0x%016llx\n", (unsigned long long)f->rbp,
	       (unsigned long long)f->r8, (unsigned long long)f->r9);
	printk(LOG_ALWAYS, "  r10 0x%016llx  r11 0x%016llx  r12 0x%016llx\n", (unsigned long long)f->r10,
	       (unsigned long long)f->r11, (unsigned long long)f->r12);
	printk(LOG_ALWAYS, "  r13 0x%016llx  r14 0x%016llx  r15 0x%016llx\n", (unsigned long long)f->r13,
	       (unsigned long long)f->r14, (unsigned long long)f->r15);
	printk(LOG_ALWAYS, "  cr0 0x%016llx  cr2 0x%016llx  cr3 0x%016llx  cr4 0x%016llx\n",
	       (unsigned long long)read_cr0(), (unsigned long long)cr2, (unsigned long long)read_cr3(),
	       (unsigned long long)read_cr4());
	printk(LOG_ALWAYS, "backtrace:\n");
	print_symbol_line("#0", f->rip);
	arch_print_backtrace(f->rbp, 0);
}

/* The signal a user-mode exception raises (Linux arch/x86/kernel/traps.c). */
static void user_exception(struct trap_frame *f)
{
	uint64_t addr = 0;
	int sig, code;

	switch (f->vector) {
	case VEC_PAGE_FAULT: {
		addr = read_cr2();
		unsigned access = FAULT_USER | ((f->error_code & PF_WRITE) ? FAULT_WRITE : 0) |
				  ((f->error_code & PF_INSTRUCTION) ? FAULT_EXEC : 0);
		int r = user_page_fault(addr, access);
		if (r == 0)
			return;
		if (r == FAULT_SIGBUS) {
			sig = SIGBUS, code = BUS_ADRERR; /* a file mapping past the end of its file */
			break;
		}
		sig = SIGSEGV;
		code = r == FAULT_SEGV_ACCERR ? SEGV_ACCERR : SEGV_MAPERR;
		break;
	}
	case VEC_DIVIDE:
		sig = SIGFPE, code = FPE_INTDIV, addr = f->rip;
		break;
	case VEC_INVALID_OPCODE:
		sig = SIGILL, code = ILL_ILLOPN, addr = f->rip;
		break;
	case VEC_BREAKPOINT:
	case VEC_DEBUG:
		sig = SIGTRAP, code = TRAP_BRKPT, addr = f->rip;
		break;
	case VEC_X87_FP:
	case VEC_SIMD_FP:
		sig = SIGFPE, code = FPE_FLTDIV, addr = f->rip;
		break;
	case VEC_ALIGNMENT:
		sig = SIGBUS, code = BUS_ADRALN, addr = f->rip;
		break;
	case VEC_STACK_FAULT:
		sig = SIGBUS, code = SI_KERNEL;
		break;
	default: /* #GP, #NP, #OF, #BR ...: Linux sends SIGSEGV with SI_KERNEL */
		sig = SIGSEGV, code = SI_KERNEL;
		break;
	}
	signal_fault(sig, code, addr);
}

static void handle_exception(struct trap_frame *f)
{
	if (f->vector == VEC_NMI) {
		/* Another CPU is panicking: stop here so its report comes out alone and intact. */
		if (panic_in_progress())
			arch_halt_forever();
		/* An NMI is not an error: the host (or a watchdog) may send one. */
		printk(LOG_WARNING, "tern: NMI received at %#llx\n", (unsigned long long)f->rip);
		return;
	}
	if ((f->cs & 3) == 3 && f->vector != VEC_DOUBLE_FAULT && f->vector != VEC_MACHINE_CHECK) {
		user_exception(f);
		return;
	}
	if (f->vector == VEC_PAGE_FAULT) {
		/* A kernel access to user memory: resolve it (lazy page, COW) or fail the copy. */
		uint64_t addr = read_cr2();
		uint64_t fixup = usercopy_fixup(f->rip);
		if (fixup != 0) {
			unsigned access = (f->error_code & PF_WRITE) ? FAULT_WRITE : 0;
			if (kernel_user_fault(addr, access) == 0)
				return;
			f->rip = fixup;
			return;
		}
	}
	panic_begin_trap();
	report_exception(f);
	panic_finish();
}

_Static_assert(__builtin_offsetof(struct trap_frame, rip) == FRAME_RIP, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == FRAME_VECTOR, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, rcx) == FRAME_RCX, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, r11) == FRAME_R11, "trap frame layout");
_Static_assert(sizeof(struct trap_frame) == FRAME_SIZE, "trap frame layout");

void trap_dispatch(struct trap_frame *f)
{
	if ((f->cs & 3) == 3)
		entry_from_user();
	if (f->vector < VEC_EXCEPTION_COUNT) {
		handle_exception(f);
		return;
	}
	if (f->vector == VEC_SPURIOUS)
		return; /* no EOI for spurious interrupts (SDM vol. 3A, 11.9) */
	struct irq_slot *slot = &irq_table[f->vector];
	if (slot->handler != NULL)
		slot->handler(f, slot->ctx);
	else
		printk(LOG_WARNING, "tern: unexpected interrupt on vector %llu\n", (unsigned long long)f->vector);
	if (f->vector >= VEC_IRQ_BASE)
		lapic_eoi();
}
