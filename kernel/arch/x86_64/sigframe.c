#include "asm/sigframe.h"

#include "asm/cpufeature.h"
#include "asm/gdt.h"
#include "asm/thread.h"
#include "asm/trap.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/usercopy.h"
#include "sched/thread.h"

/* Linux struct sigcontext (x86-64), 256 bytes. */
struct sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved[8];
};

struct ucontext {
	uint64_t flags;
	uint64_t link;
	struct user_stack stack;
	struct sigcontext mcontext;
	uint64_t sigmask;
};

struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext uc;
	struct siginfo info;
};

_Static_assert(sizeof(struct sigcontext) == 256, "sigcontext layout");
_Static_assert(sizeof(struct rt_sigframe) == 440, "rt_sigframe layout");

#define RED_ZONE 128
#define UC_FP_XSTATE 0x1
#define UC_SIGCONTEXT_SS 0x2
#define UC_STRICT_RESTORE_SS 0x4
/* RFLAGS bits user code may change through sigreturn (Linux FIX_EFLAGS). */
#define USER_EFLAGS_MASK 0x50dd5ull /* AC RF OF DF TF SF ZF AF PF CF */
#define EFLAGS_RESERVED_ONE 0x2ull
#define EFLAGS_TF (1ull << 8)
#define EFLAGS_DF (1ull << 10)
#define EFLAGS_RF (1ull << 16)
#define FXSAVE_MXCSR 24
#define XSAVE_HEADER 512
#define MXCSR_VALID_MASK 0xffbfu /* all but DAZ-less bit 6 on the oldest CPUs; cleared bits must be 0 */

uint64_t arch_thread_syscall_nr(struct thread *t)
{
	return t->arch.syscall_nr;
}

uint64_t sigframe_min_stack(void)
{
	return sizeof(struct rt_sigframe) + fpu_state_size() + 64 + 16;
}

bool on_alt_stack(uint64_t sp)
{
	struct thread *t = current_thread();
	return t->altstack_size != 0 && sp - t->altstack_sp < t->altstack_size;
}

bool sigframe_setup(struct trap_frame *f, int sig, const struct siginfo *info, const struct k_sigaction *a,
		    uint64_t old_mask)
{
	struct thread *t = current_thread();
	uint64_t sp = f->rsp;
	bool was_on_alt = on_alt_stack(sp);

	if ((a->flags & SA_ONSTACK) && t->altstack_size != 0 && !was_on_alt &&
	    !(t->altstack_flags & SS_DISABLE)) {
		sp = t->altstack_sp + t->altstack_size;
	} else {
		sp -= RED_ZONE;
	}
	/* FPU state first (64-byte aligned for XSAVE), then the frame below it. */
	size_t fpu_size = fpu_state_size();
	sp = (sp - fpu_size) & ~63ull;
	uint64_t fpstate = sp;
	sp -= sizeof(struct rt_sigframe);
	sp = (sp & ~15ull) - 8; /* as if the handler had been called: rsp + 8 aligned */

	struct rt_sigframe frame;
	memset(&frame, 0, sizeof(frame));
	frame.pretcode = a->restorer;
	frame.uc.flags = UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS | (cpu_features.xsave ? UC_FP_XSTATE : 0);
	frame.uc.stack.sp = t->altstack_sp;
	frame.uc.stack.size = t->altstack_size;
	frame.uc.stack.flags = t->altstack_size == 0 ? SS_DISABLE : (was_on_alt ? SS_ONSTACK : 0);
	struct sigcontext *sc = &frame.uc.mcontext;
	sc->r8 = f->r8, sc->r9 = f->r9, sc->r10 = f->r10, sc->r11 = f->r11;
	sc->r12 = f->r12, sc->r13 = f->r13, sc->r14 = f->r14, sc->r15 = f->r15;
	sc->rdi = f->rdi, sc->rsi = f->rsi, sc->rbp = f->rbp, sc->rbx = f->rbx;
	sc->rdx = f->rdx, sc->rax = f->rax, sc->rcx = f->rcx, sc->rsp = f->rsp;
	sc->rip = f->rip, sc->eflags = f->rflags;
	sc->cs = (uint16_t)f->cs;
	sc->ss = (uint16_t)f->ss;
	sc->trapno = f->vector < 256 ? f->vector : 0;
	sc->err = f->vector < 256 ? f->error_code : 0;
	sc->cr2 = info->fault.addr;
	sc->oldmask = old_mask;
	sc->fpstate = fpstate;
	frame.uc.sigmask = old_mask;
	frame.info = *info;

	fpu_save_current();
	if (copy_to_user(fpstate, t->arch.fpu, fpu_size) != 0 || copy_to_user(sp, &frame, sizeof(frame)) != 0)
		return false;
	/* The handler starts with a clean FPU state, like on Linux. */
	fpu_reset(t);
	fpu_restore_current();
	if ((a->flags & SA_ONSTACK) && (t->altstack_flags & SS_AUTODISARM)) {
		t->altstack_sp = 0;
		t->altstack_size = 0;
		t->altstack_flags = SS_DISABLE;
	}

	f->rsp = sp;
	f->rip = a->handler;
	f->rdi = (uint64_t)sig;
	f->rsi = sp + __builtin_offsetof(struct rt_sigframe, info);
	f->rdx = sp + __builtin_offsetof(struct rt_sigframe, uc);
	f->rax = 0;
	f->rflags &= ~(EFLAGS_DF | EFLAGS_TF | EFLAGS_RF);
	f->cs = SEL_USER_CODE | 3;
	f->ss = SEL_USER_DATA | 3;
	return true;
}

/* Makes a user-supplied FPU image safe to load: bad values would fault inside the kernel. */
static void sanitize_fpu(uint8_t *area)
{
	uint32_t mxcsr;

	memcpy(&mxcsr, area + FXSAVE_MXCSR, 4);
	mxcsr &= MXCSR_VALID_MASK;
	memcpy(area + FXSAVE_MXCSR, &mxcsr, 4);
	if (cpu_features.xsave) {
		uint64_t xstate_bv;
		uint32_t a, b, c, d;
		cpuid_count(0xd, 0, &a, &b, &c, &d);
		memcpy(&xstate_bv, area + XSAVE_HEADER, 8);
		xstate_bv &= ((uint64_t)d << 32) | a;
		memcpy(area + XSAVE_HEADER, &xstate_bv, 8);
		memset(area + XSAVE_HEADER + 8, 0, 56); /* XCOMP_BV and reserved: must be zero */
	}
}

long sigframe_return(struct trap_frame *f)
{
	struct thread *t = current_thread();
	struct rt_sigframe frame;
	uint64_t addr = f->rsp - 8; /* the handler's ret popped pretcode */

	if (copy_from_user(&frame, addr, sizeof(frame)) != 0)
		return -EFAULT;
	const struct sigcontext *sc = &frame.uc.mcontext;
	if (sc->fpstate != 0) {
		fpu_save_current();
		if (copy_from_user(t->arch.fpu, sc->fpstate, fpu_state_size()) != 0) {
			fpu_reset(t);
			fpu_restore_current();
			return -EFAULT;
		}
		sanitize_fpu(t->arch.fpu);
		fpu_restore_current();
	}
	f->r8 = sc->r8, f->r9 = sc->r9, f->r10 = sc->r10, f->r11 = sc->r11;
	f->r12 = sc->r12, f->r13 = sc->r13, f->r14 = sc->r14, f->r15 = sc->r15;
	f->rdi = sc->rdi, f->rsi = sc->rsi, f->rbp = sc->rbp, f->rbx = sc->rbx;
	f->rdx = sc->rdx, f->rax = sc->rax, f->rcx = sc->rcx, f->rsp = sc->rsp;
	f->rip = sc->rip;
	f->rflags = (f->rflags & ~USER_EFLAGS_MASK) | (sc->eflags & USER_EFLAGS_MASK) | EFLAGS_RESERVED_ONE;
	f->cs = SEL_USER_CODE | 3;
	f->ss = SEL_USER_DATA | 3;
	f->vector = 0; /* not a syscall frame any more: leave by iretq with every register as restored */
	t->sig_blocked = frame.uc.sigmask & ~SIG_UNBLOCKABLE;
	/* Restore the alternate stack as sigaltstack would (errors ignored, like Linux). */
	if (!on_alt_stack(f->rsp)) {
		if (frame.uc.stack.flags & SS_DISABLE) {
			t->altstack_sp = 0;
			t->altstack_size = 0;
			t->altstack_flags = SS_DISABLE;
		} else if (frame.uc.stack.size >= MINSIGSTKSZ) {
			t->altstack_sp = frame.uc.stack.sp;
			t->altstack_size = frame.uc.stack.size;
			t->altstack_flags = frame.uc.stack.flags & (int32_t)SS_AUTODISARM;
			/* (what sigaltstack stores: the state bits live in the size) */
		}
	}
	return (long)f->rax;
}
