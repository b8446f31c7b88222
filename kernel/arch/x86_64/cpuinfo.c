/*
 * The processor's identification for /proc/cpuinfo (core/arch.h): CPUID
 * leaves read again, and the feature bits named as Linux names them
 * (arch/x86/include/asm/cpufeatures.h), in Linux's word order.
 */
#include "core/arch.h"

#include "asm/cpu.h"
#include "asm/cpufeature.h"
#include "core/clock.h"
#include "lib/string.h"

enum cpuid_register { REG_EAX, REG_EBX, REG_ECX, REG_EDX };

struct feature_name {
	uint32_t leaf, subleaf;
	uint8_t reg, bit;
	const char *name;
};

#define LEAF_BASIC 1u
#define LEAF_EXT 0x80000001u
#define LEAF_STRUCTURED 7u
#define LEAF_XSAVE 0xdu
#define LEAF_L2_CACHE 0x80000006u
#define LEAF_POWER 0x80000007u
#define LEAF_ADDRESS_SIZES 0x80000008u
#define POWER_EDX_INVARIANT_TSC 8
#define DEFAULT_PHYS_BITS 36
#define DEFAULT_VIRT_BITS 48

static const struct feature_name features[] = {
	/* word 0: leaf 1 EDX */
	{LEAF_BASIC, 0, REG_EDX, 0, "fpu"}, {LEAF_BASIC, 0, REG_EDX, 1, "vme"}, {LEAF_BASIC, 0, REG_EDX, 2, "de"},
	{LEAF_BASIC, 0, REG_EDX, 3, "pse"}, {LEAF_BASIC, 0, REG_EDX, 4, "tsc"}, {LEAF_BASIC, 0, REG_EDX, 5, "msr"},
	{LEAF_BASIC, 0, REG_EDX, 6, "pae"}, {LEAF_BASIC, 0, REG_EDX, 7, "mce"}, {LEAF_BASIC, 0, REG_EDX, 8, "cx8"},
	{LEAF_BASIC, 0, REG_EDX, 9, "apic"}, {LEAF_BASIC, 0, REG_EDX, 11, "sep"},
	{LEAF_BASIC, 0, REG_EDX, 12, "mtrr"}, {LEAF_BASIC, 0, REG_EDX, 13, "pge"},
	{LEAF_BASIC, 0, REG_EDX, 14, "mca"}, {LEAF_BASIC, 0, REG_EDX, 15, "cmov"},
	{LEAF_BASIC, 0, REG_EDX, 16, "pat"}, {LEAF_BASIC, 0, REG_EDX, 17, "pse36"},
	{LEAF_BASIC, 0, REG_EDX, 18, "pn"}, {LEAF_BASIC, 0, REG_EDX, 19, "clflush"},
	{LEAF_BASIC, 0, REG_EDX, 21, "dts"}, {LEAF_BASIC, 0, REG_EDX, 22, "acpi"},
	{LEAF_BASIC, 0, REG_EDX, 23, "mmx"}, {LEAF_BASIC, 0, REG_EDX, 24, "fxsr"},
	{LEAF_BASIC, 0, REG_EDX, 25, "sse"}, {LEAF_BASIC, 0, REG_EDX, 26, "sse2"}, {LEAF_BASIC, 0, REG_EDX, 27, "ss"},
	{LEAF_BASIC, 0, REG_EDX, 28, "ht"}, {LEAF_BASIC, 0, REG_EDX, 29, "tm"}, {LEAF_BASIC, 0, REG_EDX, 30, "ia64"},
	{LEAF_BASIC, 0, REG_EDX, 31, "pbe"},
	/* word 1: leaf 0x80000001 EDX */
	{LEAF_EXT, 0, REG_EDX, 11, "syscall"}, {LEAF_EXT, 0, REG_EDX, 19, "mp"}, {LEAF_EXT, 0, REG_EDX, 20, "nx"},
	{LEAF_EXT, 0, REG_EDX, 22, "mmxext"}, {LEAF_EXT, 0, REG_EDX, 25, "fxsr_opt"},
	{LEAF_EXT, 0, REG_EDX, 26, "pdpe1gb"}, {LEAF_EXT, 0, REG_EDX, 27, "rdtscp"}, {LEAF_EXT, 0, REG_EDX, 29, "lm"},
	{LEAF_EXT, 0, REG_EDX, 30, "3dnowext"}, {LEAF_EXT, 0, REG_EDX, 31, "3dnow"},
	/* word 3 (Linux's own): the invariant TSC */
	{LEAF_POWER, 0, REG_EDX, POWER_EDX_INVARIANT_TSC, "constant_tsc"},
	{LEAF_POWER, 0, REG_EDX, POWER_EDX_INVARIANT_TSC, "nonstop_tsc"},
	/* word 4: leaf 1 ECX */
	{LEAF_BASIC, 0, REG_ECX, 0, "pni"}, {LEAF_BASIC, 0, REG_ECX, 1, "pclmulqdq"},
	{LEAF_BASIC, 0, REG_ECX, 2, "dtes64"}, {LEAF_BASIC, 0, REG_ECX, 3, "monitor"},
	{LEAF_BASIC, 0, REG_ECX, 4, "ds_cpl"}, {LEAF_BASIC, 0, REG_ECX, 5, "vmx"}, {LEAF_BASIC, 0, REG_ECX, 6, "smx"},
	{LEAF_BASIC, 0, REG_ECX, 7, "est"}, {LEAF_BASIC, 0, REG_ECX, 8, "tm2"}, {LEAF_BASIC, 0, REG_ECX, 9, "ssse3"},
	{LEAF_BASIC, 0, REG_ECX, 10, "cid"}, {LEAF_BASIC, 0, REG_ECX, 11, "sdbg"},
	{LEAF_BASIC, 0, REG_ECX, 12, "fma"}, {LEAF_BASIC, 0, REG_ECX, 13, "cx16"},
	{LEAF_BASIC, 0, REG_ECX, 14, "xtpr"}, {LEAF_BASIC, 0, REG_ECX, 15, "pdcm"},
	{LEAF_BASIC, 0, REG_ECX, 17, "pcid"}, {LEAF_BASIC, 0, REG_ECX, 18, "dca"},
	{LEAF_BASIC, 0, REG_ECX, 19, "sse4_1"}, {LEAF_BASIC, 0, REG_ECX, 20, "sse4_2"},
	{LEAF_BASIC, 0, REG_ECX, 21, "x2apic"}, {LEAF_BASIC, 0, REG_ECX, 22, "movbe"},
	{LEAF_BASIC, 0, REG_ECX, 23, "popcnt"}, {LEAF_BASIC, 0, REG_ECX, 24, "tsc_deadline_timer"},
	{LEAF_BASIC, 0, REG_ECX, 25, "aes"}, {LEAF_BASIC, 0, REG_ECX, 26, "xsave"},
	{LEAF_BASIC, 0, REG_ECX, 28, "avx"}, {LEAF_BASIC, 0, REG_ECX, 29, "f16c"},
	{LEAF_BASIC, 0, REG_ECX, 30, "rdrand"}, {LEAF_BASIC, 0, REG_ECX, 31, "hypervisor"},
	/* word 6: leaf 0x80000001 ECX */
	{LEAF_EXT, 0, REG_ECX, 0, "lahf_lm"}, {LEAF_EXT, 0, REG_ECX, 1, "cmp_legacy"},
	{LEAF_EXT, 0, REG_ECX, 2, "svm"}, {LEAF_EXT, 0, REG_ECX, 3, "extapic"},
	{LEAF_EXT, 0, REG_ECX, 4, "cr8_legacy"}, {LEAF_EXT, 0, REG_ECX, 5, "abm"}, {LEAF_EXT, 0, REG_ECX, 6, "sse4a"},
	{LEAF_EXT, 0, REG_ECX, 7, "misalignsse"}, {LEAF_EXT, 0, REG_ECX, 8, "3dnowprefetch"},
	{LEAF_EXT, 0, REG_ECX, 9, "osvw"}, {LEAF_EXT, 0, REG_ECX, 10, "ibs"}, {LEAF_EXT, 0, REG_ECX, 11, "xop"},
	{LEAF_EXT, 0, REG_ECX, 12, "skinit"}, {LEAF_EXT, 0, REG_ECX, 13, "wdt"}, {LEAF_EXT, 0, REG_ECX, 15, "lwp"},
	{LEAF_EXT, 0, REG_ECX, 16, "fma4"}, {LEAF_EXT, 0, REG_ECX, 17, "tce"},
	{LEAF_EXT, 0, REG_ECX, 19, "nodeid_msr"}, {LEAF_EXT, 0, REG_ECX, 21, "tbm"},
	{LEAF_EXT, 0, REG_ECX, 22, "topoext"}, {LEAF_EXT, 0, REG_ECX, 23, "perfctr_core"},
	{LEAF_EXT, 0, REG_ECX, 24, "perfctr_nb"}, {LEAF_EXT, 0, REG_ECX, 26, "bpext"},
	{LEAF_EXT, 0, REG_ECX, 28, "perfctr_llc"}, {LEAF_EXT, 0, REG_ECX, 29, "mwaitx"},
	/* word 9: leaf 7 EBX */
	{LEAF_STRUCTURED, 0, REG_EBX, 0, "fsgsbase"}, {LEAF_STRUCTURED, 0, REG_EBX, 1, "tsc_adjust"},
	{LEAF_STRUCTURED, 0, REG_EBX, 2, "sgx"}, {LEAF_STRUCTURED, 0, REG_EBX, 3, "bmi1"},
	{LEAF_STRUCTURED, 0, REG_EBX, 4, "hle"}, {LEAF_STRUCTURED, 0, REG_EBX, 5, "avx2"},
	{LEAF_STRUCTURED, 0, REG_EBX, 7, "smep"}, {LEAF_STRUCTURED, 0, REG_EBX, 8, "bmi2"},
	{LEAF_STRUCTURED, 0, REG_EBX, 9, "erms"}, {LEAF_STRUCTURED, 0, REG_EBX, 10, "invpcid"},
	{LEAF_STRUCTURED, 0, REG_EBX, 11, "rtm"}, {LEAF_STRUCTURED, 0, REG_EBX, 12, "cqm"},
	{LEAF_STRUCTURED, 0, REG_EBX, 14, "mpx"}, {LEAF_STRUCTURED, 0, REG_EBX, 15, "rdt_a"},
	{LEAF_STRUCTURED, 0, REG_EBX, 16, "avx512f"}, {LEAF_STRUCTURED, 0, REG_EBX, 17, "avx512dq"},
	{LEAF_STRUCTURED, 0, REG_EBX, 18, "rdseed"}, {LEAF_STRUCTURED, 0, REG_EBX, 19, "adx"},
	{LEAF_STRUCTURED, 0, REG_EBX, 20, "smap"}, {LEAF_STRUCTURED, 0, REG_EBX, 21, "avx512ifma"},
	{LEAF_STRUCTURED, 0, REG_EBX, 23, "clflushopt"}, {LEAF_STRUCTURED, 0, REG_EBX, 24, "clwb"},
	{LEAF_STRUCTURED, 0, REG_EBX, 25, "intel_pt"}, {LEAF_STRUCTURED, 0, REG_EBX, 26, "avx512pf"},
	{LEAF_STRUCTURED, 0, REG_EBX, 27, "avx512er"}, {LEAF_STRUCTURED, 0, REG_EBX, 28, "avx512cd"},
	{LEAF_STRUCTURED, 0, REG_EBX, 29, "sha_ni"}, {LEAF_STRUCTURED, 0, REG_EBX, 30, "avx512bw"},
	{LEAF_STRUCTURED, 0, REG_EBX, 31, "avx512vl"},
	/* word 10: leaf 0xd subleaf 1 EAX */
	{LEAF_XSAVE, 1, REG_EAX, 0, "xsaveopt"}, {LEAF_XSAVE, 1, REG_EAX, 1, "xsavec"},
	{LEAF_XSAVE, 1, REG_EAX, 2, "xgetbv1"}, {LEAF_XSAVE, 1, REG_EAX, 3, "xsaves"},
	/* word 16: leaf 7 ECX */
	{LEAF_STRUCTURED, 0, REG_ECX, 1, "avx512vbmi"}, {LEAF_STRUCTURED, 0, REG_ECX, 2, "umip"},
	{LEAF_STRUCTURED, 0, REG_ECX, 3, "pku"}, {LEAF_STRUCTURED, 0, REG_ECX, 4, "ospke"},
	{LEAF_STRUCTURED, 0, REG_ECX, 5, "waitpkg"}, {LEAF_STRUCTURED, 0, REG_ECX, 6, "avx512_vbmi2"},
	{LEAF_STRUCTURED, 0, REG_ECX, 8, "gfni"}, {LEAF_STRUCTURED, 0, REG_ECX, 9, "vaes"},
	{LEAF_STRUCTURED, 0, REG_ECX, 10, "vpclmulqdq"}, {LEAF_STRUCTURED, 0, REG_ECX, 11, "avx512_vnni"},
	{LEAF_STRUCTURED, 0, REG_ECX, 12, "avx512_bitalg"}, {LEAF_STRUCTURED, 0, REG_ECX, 13, "tme"},
	{LEAF_STRUCTURED, 0, REG_ECX, 14, "avx512_vpopcntdq"}, {LEAF_STRUCTURED, 0, REG_ECX, 16, "la57"},
	{LEAF_STRUCTURED, 0, REG_ECX, 22, "rdpid"}, {LEAF_STRUCTURED, 0, REG_ECX, 24, "bus_lock_detect"},
	{LEAF_STRUCTURED, 0, REG_ECX, 25, "cldemote"}, {LEAF_STRUCTURED, 0, REG_ECX, 27, "movdiri"},
	{LEAF_STRUCTURED, 0, REG_ECX, 28, "movdir64b"}, {LEAF_STRUCTURED, 0, REG_ECX, 29, "enqcmd"},
	{LEAF_STRUCTURED, 0, REG_ECX, 30, "sgx_lc"},
	/* word 18: leaf 7 EDX */
	{LEAF_STRUCTURED, 0, REG_EDX, 2, "avx512_4vnniw"}, {LEAF_STRUCTURED, 0, REG_EDX, 3, "avx512_4fmaps"},
	{LEAF_STRUCTURED, 0, REG_EDX, 4, "fsrm"}, {LEAF_STRUCTURED, 0, REG_EDX, 8, "avx512_vp2intersect"},
	{LEAF_STRUCTURED, 0, REG_EDX, 10, "md_clear"}, {LEAF_STRUCTURED, 0, REG_EDX, 14, "serialize"},
	{LEAF_STRUCTURED, 0, REG_EDX, 16, "tsxldtrk"}, {LEAF_STRUCTURED, 0, REG_EDX, 18, "pconfig"},
	{LEAF_STRUCTURED, 0, REG_EDX, 19, "arch_lbr"}, {LEAF_STRUCTURED, 0, REG_EDX, 20, "ibt"},
	{LEAF_STRUCTURED, 0, REG_EDX, 22, "amx_bf16"}, {LEAF_STRUCTURED, 0, REG_EDX, 23, "avx512_fp16"},
	{LEAF_STRUCTURED, 0, REG_EDX, 24, "amx_tile"}, {LEAF_STRUCTURED, 0, REG_EDX, 25, "amx_int8"},
	{LEAF_STRUCTURED, 0, REG_EDX, 28, "flush_l1d"}, {LEAF_STRUCTURED, 0, REG_EDX, 29, "arch_capabilities"},
	{LEAF_STRUCTURED, 0, REG_EDX, 31, "spec_ctrl_ssbd"},
};

/* A leaf exists when it is at most the highest basic or extended leaf CPUID reports. */
static bool leaf_exists(uint32_t leaf)
{
	if (leaf >= 0x80000000u)
		return leaf <= cpu_features.max_ext_leaf;
	return leaf <= cpu_features.max_leaf;
}

/* CPUID answers already read (a VM exit each): the few leaves the table names. */
#define LEAF_CACHE_SIZE 8
struct leaf_cache {
	unsigned n;
	struct {
		uint32_t leaf, subleaf, regs[4];
	} e[LEAF_CACHE_SIZE];
};

static uint32_t cpuid_reg(struct leaf_cache *c, uint32_t leaf, uint32_t subleaf, uint8_t reg)
{
	uint32_t r[4] = {0, 0, 0, 0};

	for (unsigned i = 0; i < c->n; i++) {
		if (c->e[i].leaf == leaf && c->e[i].subleaf == subleaf)
			return c->e[i].regs[reg];
	}
	if (leaf_exists(leaf))
		cpuid_count(leaf, subleaf, &r[REG_EAX], &r[REG_EBX], &r[REG_ECX], &r[REG_EDX]);
	if (c->n < LEAF_CACHE_SIZE) {
		c->e[c->n].leaf = leaf;
		c->e[c->n].subleaf = subleaf;
		memcpy(c->e[c->n].regs, r, sizeof(r));
		c->n++;
	}
	return r[reg];
}

static void add_flag(char *flags, size_t cap, const char *name)
{
	size_t len = strlen(flags), n = strlen(name);

	if (len + n + 2 > cap)
		return;
	if (len > 0)
		flags[len++] = ' ';
	memcpy(flags + len, name, n + 1);
}

void arch_cpu_info(struct arch_cpu_info *out)
{
	const struct cpu_features *f = &cpu_features;
	struct leaf_cache cache = {.n = 0};

	memset(out, 0, sizeof(*out));
	strlcpy(out->vendor, f->vendor, sizeof(out->vendor));
	/* The brand string is right-aligned by some CPUs; Linux strips the leading spaces. */
	const char *brand = f->brand;
	while (*brand == ' ')
		brand++;
	strlcpy(out->model_name, brand, sizeof(out->model_name));
	out->family = f->family;
	out->model = f->model;
	out->stepping = f->stepping;
	out->cpuid_level = f->max_leaf;
	out->khz = clock_frequency() / 1000;
	out->cache_kb = cpuid_reg(&cache, LEAF_L2_CACHE, 0, REG_ECX) >> 16;
	out->clflush_bytes = ((cpuid_reg(&cache, LEAF_BASIC, 0, REG_EBX) >> 8) & 0xff) * 8;
	uint32_t sizes = cpuid_reg(&cache, LEAF_ADDRESS_SIZES, 0, REG_EAX);
	out->phys_bits = sizes != 0 ? (sizes & 0xff) : DEFAULT_PHYS_BITS;
	out->virt_bits = sizes != 0 ? ((sizes >> 8) & 0xff) : DEFAULT_VIRT_BITS;
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		const struct feature_name *fn = &features[i];
		if (cpuid_reg(&cache, fn->leaf, fn->subleaf, fn->reg) & (1u << fn->bit))
			add_flag(out->flags, sizeof(out->flags), fn->name);
	}
}
