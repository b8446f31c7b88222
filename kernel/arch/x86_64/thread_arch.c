#include "asm/thread.h"

#include "asm/cpu.h"
#include "asm/cpufeature.h"
#include "asm/gdt.h"
#include "asm/trap.h"
#include "core/log.h"
#include "core/panic.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "sched/thread.h"

#define FXSAVE_SIZE 512
#define FPU_ALIGN 64
#define MXCSR_DEFAULT 0x1f80 /* all SIMD exceptions masked, round to nearest */
#define XSTATE_ALL 0xffffffffffffffffull

void arch_context_switch(uint64_t *save_rsp, uint64_t new_rsp);
extern char kernel_thread_trampoline[], user_thread_trampoline[];

/* Set once by fpu_init(). */
static size_t fpu_size;
static bool use_xsave;
static uint8_t *fpu_initial;

static void xsave_to(void *area)
{
	if (use_xsave)
		__asm__ volatile("xsave64 (%0)" ::"r"(area), "a"((uint32_t)XSTATE_ALL), "d"((uint32_t)(XSTATE_ALL >> 32))
				 : "memory");
	else
		__asm__ volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static void xrstor_from(const void *area)
{
	if (use_xsave)
		__asm__ volatile("xrstor64 (%0)" ::"r"(area), "a"((uint32_t)XSTATE_ALL), "d"((uint32_t)(XSTATE_ALL >> 32))
				 : "memory");
	else
		__asm__ volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

void fpu_init(void)
{
	uint32_t a, b, c, d;

	use_xsave = cpu_features.xsave;
	fpu_size = FXSAVE_SIZE;
	if (use_xsave) {
		cpuid_count(0xd, 0, &a, &b, &c, &d);
		fpu_size = b; /* size needed for the features enabled in XCR0 */
	}
	fpu_initial = kzalloc(fpu_size + FPU_ALIGN);
	if (fpu_initial == NULL)
		panic("fpu: no memory for the initial FPU image");
	fpu_initial = (uint8_t *)(((uintptr_t)fpu_initial + FPU_ALIGN - 1) & ~(uintptr_t)(FPU_ALIGN - 1));
	uint32_t mxcsr = MXCSR_DEFAULT;
	__asm__ volatile("fninit\n\tldmxcsr %0" ::"m"(mxcsr));
	xsave_to(fpu_initial);
	pr_info("fpu: %s, %zu-byte state\n", use_xsave ? "xsave" : "fxsave", fpu_size);
}

size_t fpu_state_size(void)
{
	return fpu_size;
}

bool fpu_alloc(struct thread *t)
{
	void *raw = kmalloc(fpu_size + FPU_ALIGN);

	if (raw == NULL)
		return false;
	t->arch.fpu_allocation = raw;
	t->arch.fpu = (void *)(((uintptr_t)raw + FPU_ALIGN - 1) & ~(uintptr_t)(FPU_ALIGN - 1));
	memcpy(t->arch.fpu, fpu_initial, fpu_size);
	return true;
}

void fpu_free(struct thread *t)
{
	kfree(t->arch.fpu_allocation);
	t->arch.fpu_allocation = NULL;
	t->arch.fpu = NULL;
}

void fpu_save_current(void)
{
	struct thread *t = current_thread();

	if (t->arch.fpu != NULL)
		xsave_to(t->arch.fpu);
}

void fpu_restore_current(void)
{
	struct thread *t = current_thread();

	if (t->arch.fpu != NULL)
		xrstor_from(t->arch.fpu);
}

void fpu_copy(struct thread *dst, const struct thread *src)
{
	memcpy(dst->arch.fpu, src->arch.fpu, fpu_size);
}

void fpu_reset(struct thread *t)
{
	memcpy(t->arch.fpu, fpu_initial, fpu_size);
}

void arch_set_user_bases(struct thread *t)
{
	wrmsr(MSR_FS_BASE, t->arch.fs_base);
	wrmsr(MSR_KERNEL_GS_BASE, t->arch.gs_base);
}

/* The callee-saved registers arch_context_switch pops, then its return address. */
struct switch_frame {
	uint64_t r15, r14, r13, r12, rbx, rbp;
	uint64_t rip;
};

static void push_switch_frame(struct thread *t, uint64_t top, uint64_t rip, uint64_t r12, uint64_t r13)
{
	/* Keep the ABI alignment: at a function's entry rsp + 8 is 16-byte aligned. */
	top &= ~15ull;
	top -= 8;
	struct switch_frame *f = (struct switch_frame *)(top - sizeof(*f) + 8);
	memset(f, 0, sizeof(*f));
	f->rip = rip;
	f->r12 = r12;
	f->r13 = r13;
	t->saved_rsp = (uint64_t)f;
}

void arch_thread_prepare_kernel(struct thread *t, void (*fn)(void *), void *arg)
{
	/* Below the user register frame, in case this thread later enters user mode. */
	push_switch_frame(t, t->stack.top - sizeof(struct trap_frame), (uint64_t)kernel_thread_trampoline,
			  (uint64_t)fn, (uint64_t)arg);
}

void arch_thread_prepare_user(struct thread *t)
{
	uint64_t frame = (uint64_t)t->arch.user_frame;
	push_switch_frame(t, frame, (uint64_t)user_thread_trampoline, frame, 0);
}

void arch_switch_to(struct thread *prev, struct thread *next)
{
	struct cpu *c = this_cpu();

	if (prev->arch.fpu != NULL)
		xsave_to(prev->arch.fpu);
	if (next->arch.fpu != NULL) {
		xrstor_from(next->arch.fpu);
		if (prev->arch.fs_base != next->arch.fs_base || prev->arch.fpu == NULL)
			wrmsr(MSR_FS_BASE, next->arch.fs_base);
		if (prev->arch.gs_base != next->arch.gs_base || prev->arch.fpu == NULL)
			wrmsr(MSR_KERNEL_GS_BASE, next->arch.gs_base);
	}
	c->kernel_stack_top = next->stack.top;
	gdt_set_kernel_stack(c->id, next->stack.top);
	arch_context_switch(&prev->saved_rsp, next->saved_rsp);
}
