#include "asm/cpufeature.h"

#include "asm/cpu.h"
#include "asm/gdt.h"
#include "asm/paging.h"
#include "core/log.h"
#include "lib/string.h"

struct cpu_features cpu_features;
uint8_t smap_enabled;

/* CPUID bits (SDM vol. 2A, CPUID). */
#define CPUID1_EDX_FXSR (1u << 24)
#define CPUID1_EDX_SSE (1u << 25)
#define CPUID1_EDX_SSE2 (1u << 26)
#define CPUID1_EDX_APIC (1u << 9)
#define CPUID1_ECX_PCID (1u << 17)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_AVX (1u << 28)
#define CPUID1_ECX_RDRAND (1u << 30)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define CPUID7_EBX_FSGSBASE (1u << 0)
#define CPUID7_EBX_SMEP (1u << 7)
#define CPUID7_EBX_RDSEED (1u << 18)
#define CPUID7_EBX_SMAP (1u << 20)
#define CPUID7_ECX_UMIP (1u << 2)
#define CPUIDX1_EDX_NX (1u << 20)
#define CPUIDX1_EDX_PDPE1GB (1u << 26)
#define CPUIDX7_EDX_INVARIANT_TSC (1u << 8)
#define XCR0_X87 (1u << 0)
#define XCR0_SSE (1u << 1)
#define XCR0_AVX (1u << 2)

static void copy_regs(char *dst, uint32_t a, uint32_t b, uint32_t c)
{
	memcpy(dst, &a, 4);
	memcpy(dst + 4, &b, 4);
	memcpy(dst + 8, &c, 4);
	dst[12] = '\0';
}

void cpu_detect(void)
{
	struct cpu_features *f = &cpu_features;
	uint32_t a, b, c, d;

	cpuid(0, &a, &b, &c, &d);
	f->max_leaf = a;
	copy_regs(f->vendor, b, d, c);
	cpuid(1, &a, &b, &c, &d);
	f->stepping = a & 0xf;
	f->model = (a >> 4) & 0xf;
	f->family = (a >> 8) & 0xf;
	if (f->family == 0xf)
		f->family += (a >> 20) & 0xff;
	if (f->family >= 6)
		f->model |= ((a >> 16) & 0xf) << 4;
	f->fxsr = d & CPUID1_EDX_FXSR;
	f->sse = d & CPUID1_EDX_SSE;
	f->sse2 = d & CPUID1_EDX_SSE2;
	f->apic = d & CPUID1_EDX_APIC;
	f->pcid = c & CPUID1_ECX_PCID;
	f->x2apic = c & CPUID1_ECX_X2APIC;
	f->tsc_deadline = c & CPUID1_ECX_TSC_DEADLINE;
	f->xsave = c & CPUID1_ECX_XSAVE;
	f->avx = c & CPUID1_ECX_AVX;
	f->rdrand = c & CPUID1_ECX_RDRAND;
	bool hypervisor = c & CPUID1_ECX_HYPERVISOR;
	if (f->max_leaf >= 7) {
		cpuid_count(7, 0, &a, &b, &c, &d);
		f->fsgsbase = b & CPUID7_EBX_FSGSBASE;
		f->smep = b & CPUID7_EBX_SMEP;
		f->smap = b & CPUID7_EBX_SMAP;
		f->rdseed = b & CPUID7_EBX_RDSEED;
		f->umip = c & CPUID7_ECX_UMIP;
	}
	cpuid(0x80000000, &a, &b, &c, &d);
	f->max_ext_leaf = a;
	if (f->max_ext_leaf >= 0x80000001) {
		cpuid(0x80000001, &a, &b, &c, &d);
		f->nx = d & CPUIDX1_EDX_NX;
		f->pdpe1gb = d & CPUIDX1_EDX_PDPE1GB;
	}
	if (f->max_ext_leaf >= 0x80000004) {
		uint32_t r[12];
		for (uint32_t i = 0; i < 3; i++)
			cpuid(0x80000002 + i, &r[4 * i], &r[4 * i + 1], &r[4 * i + 2], &r[4 * i + 3]);
		memcpy(f->brand, r, 48);
		f->brand[48] = '\0';
	}
	if (f->max_ext_leaf >= 0x80000007) {
		cpuid(0x80000007, &a, &b, &c, &d);
		f->invariant_tsc = d & CPUIDX7_EDX_INVARIANT_TSC;
	}
	if (hypervisor) {
		cpuid(0x40000000, &a, &b, &c, &d);
		f->max_hv_leaf = a;
		copy_regs(f->hypervisor, b, c, d);
	}
	paging_set_nx_supported(f->nx);
}

static void enable_features(bool announce);

void cpu_enable_features(void)
{
	enable_features(true);
}

void cpu_enable_features_ap(void)
{
	enable_features(false);
}

static void enable_features(bool announce)
{
	struct cpu_features *f = &cpu_features;
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();

	/* x87/SSE for user programs: FPU on (no emulation), #MF and SIMD exceptions native. */
	cr0 = (cr0 & ~(CR0_EM | CR0_TS)) | CR0_MP | CR0_NE | CR0_WP;
	write_cr0(cr0);
	if (f->fxsr)
		cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (f->xsave)
		cr4 |= CR4_OSXSAVE;
	if (f->smep)
		cr4 |= CR4_SMEP;
	if (f->smap) {
		cr4 |= CR4_SMAP;
		smap_enabled = 1;
	}
	if (f->umip)
		cr4 |= CR4_UMIP;
	write_cr4(cr4);
	if (f->xsave) {
		uint64_t xcr0 = XCR0_X87 | XCR0_SSE;
		uint32_t a, b, c, d;
		cpuid_count(0xd, 0, &a, &b, &c, &d);
		if (f->avx && (a & XCR0_AVX))
			xcr0 |= XCR0_AVX;
		xsetbv(0, xcr0);
	}
	if (f->nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	if (!announce)
		return;
	pr_info("cpu: %s, family %u model %u; nx %d smep %d smap %d umip %d xsave %d avx %d x2apic %d "
		"tsc-deadline %d%s%s\n",
		f->brand[0] != '\0' ? f->brand : f->vendor, f->family, f->model, f->nx, f->smep, f->smap,
		f->umip, f->xsave, f->avx, f->x2apic, f->tsc_deadline, f->hypervisor[0] != '\0' ? "; hypervisor " : "",
		f->hypervisor);
}

/* SYSCALL/SYSRET MSRs (SDM vol. 3A, 5.8.8). */
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_FMASK 0xc0000084
/* Cleared on entry: IF, TF, DF, AC, NT. */
#define SYSCALL_RFLAGS_MASK ((1u << 9) | (1u << 8) | (1u << 10) | (1u << 18) | (1u << 14))

void syscall_entry(void);

void cpu_syscall_init(void)
{
	wrmsr(MSR_STAR, ((uint64_t)SEL_USER_CODE32 << 48) | ((uint64_t)SEL_KERNEL_CODE << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	wrmsr(MSR_FMASK, SYSCALL_RFLAGS_MASK);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}
