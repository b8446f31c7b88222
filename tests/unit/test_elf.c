/*
 * kernel/proc/elf.c: ELF64 images built here in memory (the host's <elf.h>
 * gives the layouts), valid ones of both types and every kind of malformed
 * one. Every image is handed to elf_parse in an exact-size heap copy, so ASan
 * proves it never reads outside it; every successful parse is checked against
 * the program headers it came from (check_info).
 */
#include <elf.h>
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "lib/errno.h"
#include "proc/elf.h"

#define PAGE 0x1000ull
/* The end of user space that segments must fit below (kernel/mm/vmspace.h USER_TOP). */
#define USER_LIMIT 0x00007ffffffff000ull
#define PHENT ((uint64_t)sizeof(Elf64_Phdr))
#define EHSIZE ((uint64_t)sizeof(Elf64_Ehdr))

struct image {
	uint8_t *buf;
	size_t size;
};

static uint64_t page_down(uint64_t v)
{
	return v & ~(PAGE - 1);
}

static uint64_t page_up(uint64_t v)
{
	return (v + PAGE - 1) & ~(PAGE - 1);
}

static Elf64_Ehdr get_ehdr(const struct image *im)
{
	Elf64_Ehdr eh;
	assert_true(im->size >= EHSIZE);
	memcpy(&eh, im->buf, sizeof(eh));
	return eh;
}

static void put_ehdr(struct image *im, const Elf64_Ehdr *eh)
{
	assert_true(im->size >= EHSIZE);
	memcpy(im->buf, eh, sizeof(*eh));
}

static uint64_t phdr_pos(const struct image *im, unsigned i)
{
	uint64_t pos = get_ehdr(im).e_phoff + (uint64_t)i * PHENT;
	assert_true(pos <= im->size && PHENT <= im->size - pos);
	return pos;
}

static Elf64_Phdr get_phdr(const struct image *im, unsigned i)
{
	Elf64_Phdr ph;
	memcpy(&ph, im->buf + phdr_pos(im, i), sizeof(ph));
	return ph;
}

static void put_phdr(struct image *im, unsigned i, const Elf64_Phdr *ph)
{
	memcpy(im->buf + phdr_pos(im, i), ph, sizeof(*ph));
}

/* A zeroed file of size bytes with a valid x86-64 header; the program headers still to be filled. */
static struct image img_new(size_t size, uint16_t type, uint64_t phoff, uint16_t phnum)
{
	struct image im = {calloc(1, size), size};
	assert_non_null(im.buf);
	Elf64_Ehdr eh;
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh.e_type = type;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_entry = type == ET_DYN ? 0x1000 : 0x401000;
	eh.e_phoff = phoff;
	eh.e_ehsize = (uint16_t)EHSIZE;
	eh.e_phentsize = (uint16_t)PHENT;
	eh.e_phnum = phnum;
	put_ehdr(&im, &eh);
	return im;
}

static void set_phdr(struct image *im, unsigned i, uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr,
		     uint64_t filesz, uint64_t memsz)
{
	Elf64_Phdr ph = {.p_type = type, .p_flags = flags, .p_offset = offset, .p_vaddr = vaddr, .p_paddr = vaddr,
			 .p_filesz = filesz, .p_memsz = memsz, .p_align = type == PT_LOAD ? PAGE : 8};
	put_phdr(im, i, &ph);
}

static void img_free(struct image *im)
{
	free(im->buf);
	im->buf = NULL;
}

/* Fills the file range with a recognizable pattern (so "data" is not all zeros). */
static void fill(struct image *im, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++)
		im->buf[i] = (uint8_t)(0x90 + i * 7);
}

/*
 * Everything a successful parse reports, checked against the program headers
 * in the bytes it parsed: the header fields, every PT_LOAD with memsz > 0 in
 * order and within the file and user space, the page-rounded span, no two
 * segments sharing a byte, the interpreter path, PT_GNU_STACK and where the
 * program headers are in memory.
 */
static void check_info(const uint8_t *data, size_t size, const struct elf_info *info)
{
	Elf64_Ehdr eh;
	assert_true(size >= EHSIZE);
	memcpy(&eh, data, sizeof(eh));
	assert_true(info->type == ELF_ET_EXEC || info->type == ELF_ET_DYN);
	assert_int_equal(info->type, eh.e_type);
	assert_int_equal(info->entry, eh.e_entry);
	assert_int_equal(info->phoff, eh.e_phoff);
	assert_int_equal(info->phnum, eh.e_phnum);
	assert_int_equal(info->phentsize, PHENT);
	assert_int_equal(eh.e_phentsize, PHENT);
	assert_true(eh.e_phnum >= 1 && eh.e_phnum <= ELF_MAX_PHNUM);
	assert_true(eh.e_phoff <= size && eh.e_phnum * PHENT <= size - eh.e_phoff);

	unsigned nload = 0, nstack = 0, ninterp = 0;
	bool have_phdr = false, last_stack_x = false;
	uint64_t phdr_vaddr = 0, lo = UINT64_MAX, hi = 0;
	bool phdr_candidate_ok = false;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, data + eh.e_phoff + i * PHENT, sizeof(ph));
		if (ph.p_type == PT_PHDR) {
			have_phdr = true;
			phdr_vaddr = ph.p_vaddr;
		} else if (ph.p_type == PT_GNU_STACK) {
			nstack++;
			last_stack_x = (ph.p_flags & PF_X) != 0;
		} else if (ph.p_type == PT_INTERP) {
			ninterp++;
			assert_true(ph.p_offset <= size && ph.p_filesz <= size - ph.p_offset);
			assert_true(ph.p_filesz >= 2 && ph.p_filesz <= ELF_INTERP_MAX);
			assert_int_equal(data[ph.p_offset + ph.p_filesz - 1], 0);
			assert_int_equal(strlen((const char *)data + ph.p_offset), ph.p_filesz - 1);
		} else if (ph.p_type == PT_LOAD && ph.p_memsz != 0) {
			assert_true(nload < info->nsegments);
			const struct elf_segment *s = &info->segments[nload++];
			assert_int_equal(s->vaddr, ph.p_vaddr);
			assert_int_equal(s->memsz, ph.p_memsz);
			assert_int_equal(s->offset, ph.p_offset);
			assert_int_equal(s->filesz, ph.p_filesz);
			assert_int_equal(s->flags, ph.p_flags);
			assert_true(s->filesz <= s->memsz);
			assert_true(s->offset <= size && s->filesz <= size - s->offset);
			assert_int_equal(s->vaddr % PAGE, s->offset % PAGE);
			assert_true(s->vaddr < USER_LIMIT && s->memsz <= USER_LIMIT - s->vaddr);
			if (page_down(s->vaddr) < lo)
				lo = page_down(s->vaddr);
			if (page_up(s->vaddr + s->memsz) > hi)
				hi = page_up(s->vaddr + s->memsz);
			if (eh.e_phoff >= ph.p_offset && eh.e_phoff - ph.p_offset < ph.p_filesz &&
			    info->phdr_vaddr == ph.p_vaddr + (eh.e_phoff - ph.p_offset))
				phdr_candidate_ok = true;
		}
	}
	assert_int_equal(nload, info->nsegments);
	assert_true(info->nsegments >= 1 && info->nsegments <= ELF_MAX_SEGMENTS);
	assert_int_equal(info->min_vaddr, lo);
	assert_int_equal(info->max_vaddr, hi);
	for (unsigned i = 0; i < info->nsegments; i++) {
		for (unsigned j = 0; j < info->nsegments; j++) {
			const struct elf_segment *a = &info->segments[i], *b = &info->segments[j];
			if (i != j)
				assert_true(a->vaddr + a->memsz <= b->vaddr || b->vaddr + b->memsz <= a->vaddr);
		}
	}
	assert_int_equal(info->has_interp, ninterp > 0);
	if (info->has_interp) {
		size_t n = strnlen(info->interp, ELF_INTERP_MAX);
		assert_true(n >= 1 && n < ELF_INTERP_MAX);
	}
	if (nstack == 0)
		assert_false(info->exec_stack);
	else if (nstack == 1)
		assert_int_equal(info->exec_stack, last_stack_x);
	if (have_phdr)
		assert_int_equal(info->phdr_vaddr, phdr_vaddr);
	else if (info->phdr_vaddr != 0)
		assert_true(phdr_candidate_ok);
}

static void check_rejection(int rc, const char *why)
{
	assert_int_equal(rc, -ENOEXEC);
	assert_non_null(why);
	assert_true(why[0] != '\0');
}

/* Parses the first len bytes from an exact-size copy; checks the result either way. */
static int parse_len(const struct image *im, size_t len, struct elf_info *info)
{
	assert_true(len <= im->size);
	uint8_t *copy = malloc(len);
	assert_true(copy != NULL || len == 0);
	if (len > 0)
		memcpy(copy, im->buf, len);
	const char *why = NULL;
	int rc = elf_parse(copy, len, len, info, &why);
	if (rc == 0)
		check_info(copy, len, info);
	else
		check_rejection(rc, why);
	free(copy);
	return rc;
}

static void expect_ok(const struct image *im, struct elf_info *info)
{
	assert_int_equal(parse_len(im, im->size, info), 0);
}

/* Rejects the image and frees it. */
static void expect_reject(struct image *im)
{
	static struct elf_info info;
	assert_int_equal(parse_len(im, im->size, &info), -ENOEXEC);
	img_free(im);
}

/*
 * A static executable: headers, text, data with bss.
 *   0: PT_PHDR   0x400040        5 headers
 *   1: PT_LOAD R 0x400000 off 0      filesz 0x200 memsz 0x200
 *   2: PT_LOAD RX 0x401000 off 0x1000 filesz 0x800 memsz 0x800
 *   3: PT_LOAD RW 0x403000 off 0x2000 filesz 0x100 memsz 0x2345
 *   4: PT_GNU_STACK RW
 */
#define STD_SIZE 0x2100
static struct image std_exec(void)
{
	struct image im = img_new(STD_SIZE, ET_EXEC, EHSIZE, 5);
	set_phdr(&im, 0, PT_PHDR, PF_R, EHSIZE, 0x400000 + EHSIZE, 5 * PHENT, 5 * PHENT);
	set_phdr(&im, 1, PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200);
	set_phdr(&im, 2, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x800, 0x800);
	set_phdr(&im, 3, PT_LOAD, PF_R | PF_W, 0x2000, 0x403000, 0x100, 0x2345);
	set_phdr(&im, 4, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	fill(&im, 0x1000, STD_SIZE);
	return im;
}

/* A static-pie: the same at vaddr 0, data sharing text's last page. */
static struct image std_dyn(void)
{
	struct image im = img_new(0x1900, ET_DYN, EHSIZE, 5);
	set_phdr(&im, 0, PT_PHDR, PF_R, EHSIZE, EHSIZE, 5 * PHENT, 5 * PHENT);
	set_phdr(&im, 1, PT_LOAD, PF_R, 0, 0, 0x1b0, 0x1b0);
	set_phdr(&im, 2, PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x700, 0x700);
	set_phdr(&im, 3, PT_LOAD, PF_R | PF_W, 0x1700, 0x2700, 0x200, 0x1000);
	set_phdr(&im, 4, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	fill(&im, 0x1000, 0x1900);
	return im;
}

static void expect_segment(const struct elf_segment *s, uint64_t vaddr, uint64_t memsz, uint64_t offset,
			   uint64_t filesz, uint32_t flags)
{
	assert_int_equal(s->vaddr, vaddr);
	assert_int_equal(s->memsz, memsz);
	assert_int_equal(s->offset, offset);
	assert_int_equal(s->filesz, filesz);
	assert_int_equal(s->flags, flags);
}

static void test_valid_exec(void **state)
{
	(void)state;
	struct image im = std_exec();
	struct elf_info info;
	memset(&info, 0xcc, sizeof(info));
	expect_ok(&im, &info);
	assert_int_equal(info.type, ELF_ET_EXEC);
	assert_int_equal(info.entry, 0x401000);
	assert_int_equal(info.phoff, 64);
	assert_int_equal(info.phnum, 5);
	assert_int_equal(info.phentsize, 56);
	assert_int_equal(info.phdr_vaddr, 0x400040);
	assert_int_equal(info.nsegments, 3);
	expect_segment(&info.segments[0], 0x400000, 0x200, 0, 0x200, ELF_PF_R);
	expect_segment(&info.segments[1], 0x401000, 0x800, 0x1000, 0x800, ELF_PF_R | ELF_PF_X);
	expect_segment(&info.segments[2], 0x403000, 0x2345, 0x2000, 0x100, ELF_PF_R | ELF_PF_W);
	assert_int_equal(info.min_vaddr, 0x400000);
	assert_int_equal(info.max_vaddr, 0x406000);
	assert_false(info.has_interp);
	assert_false(info.exec_stack);
	img_free(&im);
}

static void test_valid_dyn(void **state)
{
	(void)state;
	struct image im = std_dyn();
	struct elf_info info;
	expect_ok(&im, &info);
	assert_int_equal(info.type, ELF_ET_DYN);
	assert_int_equal(info.entry, 0x1000);
	assert_int_equal(info.phdr_vaddr, 0x40);
	assert_int_equal(info.nsegments, 3);
	expect_segment(&info.segments[0], 0, 0x1b0, 0, 0x1b0, ELF_PF_R);
	expect_segment(&info.segments[1], 0x1000, 0x700, 0x1000, 0x700, ELF_PF_R | ELF_PF_X);
	expect_segment(&info.segments[2], 0x2700, 0x1000, 0x1700, 0x200, ELF_PF_R | ELF_PF_W);
	assert_int_equal(info.min_vaddr, 0);
	assert_int_equal(info.max_vaddr, 0x4000);
	assert_false(info.has_interp);
	img_free(&im);

	/* The plain dynamic-executable shape: no PT_PHDR, phdrs computed from the first PT_LOAD. */
	im = std_dyn();
	set_phdr(&im, 0, PT_NULL, 0, 0, 0, 0, 0);
	expect_ok(&im, &info);
	assert_int_equal(info.phdr_vaddr, 0x40);
	img_free(&im);
}

static void test_phdr_vaddr(void **state)
{
	(void)state;
	struct elf_info info;

	/* No PT_PHDR: the table inside the first PT_LOAD's file bytes. */
	struct image im = std_exec();
	set_phdr(&im, 0, PT_NOTE, PF_R, 0x1f0, 0x4001f0, 0x10, 0x10);
	expect_ok(&im, &info);
	assert_int_equal(info.phdr_vaddr, 0x400040);
	img_free(&im);

	/* ... inside the second one (at a different vaddr-offset delta). */
	im = img_new(0x2000, ET_EXEC, 0x1010, 3);
	set_phdr(&im, 0, PT_LOAD, PF_R, 0, 0x400000, 0x40, 0x40);
	set_phdr(&im, 1, PT_LOAD, PF_R | PF_X, 0x1000, 0x801000, 0x1000, 0x1000);
	set_phdr(&im, 2, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	expect_ok(&im, &info);
	assert_int_equal(info.phdr_vaddr, 0x801010);
	img_free(&im);

	/* ... in no PT_LOAD's file bytes: not loaded, 0. */
	im = img_new(0x2000, ET_EXEC, EHSIZE, 2);
	set_phdr(&im, 0, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1000, 0x1000);
	set_phdr(&im, 1, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	expect_ok(&im, &info);
	assert_int_equal(info.phdr_vaddr, 0);
	img_free(&im);

	/* ... just past a segment's file bytes (in its bss): not loaded from the file, 0. */
	im = img_new(0x2000, ET_EXEC, 0x100, 2);
	set_phdr(&im, 0, PT_LOAD, PF_R, 0, 0x400000, 0x100, 0x1000);
	set_phdr(&im, 1, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1000, 0x1000);
	expect_ok(&im, &info);
	assert_int_equal(info.phdr_vaddr, 0);
	img_free(&im);

	/* ... inside a PT_LOAD with memsz 0 (skipped): 0. */
	im = img_new(0x2000, ET_EXEC, EHSIZE, 2);
	set_phdr(&im, 0, PT_LOAD, PF_R, 0, 0x400000, 0, 0);
	set_phdr(&im, 1, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x1000, 0x1000);
	expect_ok(&im, &info);
	assert_int_equal(info.nsegments, 1);
	assert_int_equal(info.phdr_vaddr, 0);
	img_free(&im);

	/* PT_PHDR wins over the computed address, before or after the PT_LOADs. */
	im = std_exec();
	set_phdr(&im, 0, PT_PHDR, PF_R, EHSIZE, 0x400100, 5 * PHENT, 5 * PHENT);
	expect_ok(&im, &info);
	assert_int_equal(info.phdr_vaddr, 0x400100);
	img_free(&im);

	im = std_exec();
	set_phdr(&im, 0, PT_NULL, 0, 0, 0, 0, 0);
	set_phdr(&im, 4, PT_PHDR, PF_R, EHSIZE, 0x400120, 5 * PHENT, 5 * PHENT);
	expect_ok(&im, &info);
	assert_int_equal(info.phdr_vaddr, 0x400120);
	assert_false(info.exec_stack);
	img_free(&im);
}

/* A compact executable with an interpreter (shared by the interp and truncation tests). */
static const char MUSL[] = "/lib/ld-musl-x86_64.so.1";

static struct image interp_exec(const void *path, uint64_t pathsz)
{
	struct image im = img_new(0x800, ET_EXEC, EHSIZE, 5);
	set_phdr(&im, 0, PT_PHDR, PF_R, EHSIZE, 0x400000 + EHSIZE, 5 * PHENT, 5 * PHENT);
	set_phdr(&im, 1, PT_INTERP, PF_R, 0x200, 0x400200, pathsz, pathsz);
	set_phdr(&im, 2, PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200);
	set_phdr(&im, 3, PT_LOAD, PF_R | PF_X, 0x300, 0x401300, 0x300, 0x300);
	set_phdr(&im, 4, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	fill(&im, 0x300, 0x800);
	assert_true(pathsz <= 0x100);
	memcpy(im.buf + 0x200, path, pathsz);
	return im;
}

static void test_interp(void **state)
{
	(void)state;
	struct elf_info info;

	struct image im = interp_exec(MUSL, sizeof(MUSL));
	memset(&info, 0xcc, sizeof(info));
	expect_ok(&im, &info);
	assert_true(info.has_interp);
	assert_string_equal(info.interp, MUSL);
	img_free(&im);

	/* The shortest path ("a\0") and the longest (255 bytes and the NUL). */
	im = interp_exec("a", 2);
	expect_ok(&im, &info);
	assert_true(info.has_interp);
	assert_string_equal(info.interp, "a");
	img_free(&im);

	char longest[ELF_INTERP_MAX];
	memset(longest, 'x', sizeof(longest));
	longest[0] = '/';
	longest[ELF_INTERP_MAX - 1] = '\0';
	im = interp_exec(longest, ELF_INTERP_MAX);
	expect_ok(&im, &info);
	assert_true(info.has_interp);
	assert_string_equal(info.interp, longest);
	img_free(&im);

	/* The path at the very end of the file. */
	im = interp_exec(MUSL, sizeof(MUSL));
	Elf64_Phdr ph = get_phdr(&im, 1);
	ph.p_offset = im.size - sizeof(MUSL);
	put_phdr(&im, 1, &ph);
	memcpy(im.buf + ph.p_offset, MUSL, sizeof(MUSL));
	expect_ok(&im, &info);
	assert_string_equal(info.interp, MUSL);
	img_free(&im);
}

static void test_bad_interp(void **state)
{
	(void)state;
	struct image im;
	Elf64_Phdr ph;

	/* Offset out of the file, at its end with a size, and so large that offset + size wraps. */
	static const uint64_t offsets[] = {0x800, 0x801, 0x800 - 5, 0x100000, UINT64_MAX, UINT64_MAX - 4,
					   UINT64_MAX - sizeof(MUSL) + 2, 1ull << 63};
	for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
		im = interp_exec(MUSL, sizeof(MUSL));
		ph = get_phdr(&im, 1);
		ph.p_offset = offsets[i];
		put_phdr(&im, 1, &ph);
		expect_reject(&im);
	}
	/* Sizes 0 and 1 (an empty path), over the limit, huge. */
	static const uint64_t sizes[] = {0, 1, ELF_INTERP_MAX + 1, 0x1000, UINT64_MAX};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		im = interp_exec(MUSL, sizeof(MUSL));
		memset(im.buf + 0x200, 0, 0x100);
		ph = get_phdr(&im, 1);
		ph.p_filesz = ph.p_memsz = sizes[i];
		put_phdr(&im, 1, &ph);
		expect_reject(&im);
	}
	/* Not NUL-terminated: the size one short, and a full-size path without its NUL. */
	im = interp_exec(MUSL, sizeof(MUSL) - 1);
	im.buf[0x200 + sizeof(MUSL) - 1] = 'x';
	expect_reject(&im);
	char longest[ELF_INTERP_MAX];
	memset(longest, 'y', sizeof(longest));
	im = interp_exec(longest, ELF_INTERP_MAX);
	expect_reject(&im);
	/* A NUL inside. */
	im = interp_exec("/lib\0ld.so", 11);
	expect_reject(&im);
	im = interp_exec("\0abc", 5);
	expect_reject(&im);
}

static void test_gnu_stack(void **state)
{
	(void)state;
	struct elf_info info;
	static const struct {
		uint32_t type, flags;
		bool exec;
	} cases[] = {
		{PT_GNU_STACK, PF_R | PF_W, false},
		{PT_GNU_STACK, PF_R | PF_W | PF_X, true},
		{PT_GNU_STACK, PF_X, true},
		{PT_GNU_STACK, 0, false},
		{PT_NULL, PF_X, false}, /* no PT_GNU_STACK at all */
		{PT_NOTE, PF_R | PF_W | PF_X, false},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct image im = std_exec();
		set_phdr(&im, 4, cases[i].type, cases[i].flags, 0, 0, 0, 0);
		expect_ok(&im, &info);
		assert_int_equal(info.exec_stack, cases[i].exec);
		img_free(&im);
	}
}

static void test_page_rounding(void **state)
{
	(void)state;
	struct elf_info info;

	/* Unaligned start and end within one page. */
	struct image im = img_new(0x400, ET_EXEC, EHSIZE, 1);
	set_phdr(&im, 0, PT_LOAD, PF_R, 0x123, 0x400123, 0x10, 0x10);
	expect_ok(&im, &info);
	assert_int_equal(info.min_vaddr, 0x400000);
	assert_int_equal(info.max_vaddr, 0x401000);
	img_free(&im);

	/* Ending exactly at a page boundary; starting at one. */
	im = img_new(0x400, ET_EXEC, EHSIZE, 1);
	set_phdr(&im, 0, PT_LOAD, PF_R, 0, 0x400000, 0x400, 0x3000);
	expect_ok(&im, &info);
	assert_int_equal(info.min_vaddr, 0x400000);
	assert_int_equal(info.max_vaddr, 0x403000);
	img_free(&im);

	/* Listed highest first; the span still covers all, bss included. */
	im = img_new(0x3000, ET_EXEC, EHSIZE, 3);
	set_phdr(&im, 0, PT_LOAD, PF_R | PF_W, 0x2ff8, 0x7fff8, 0x8, 0x1009);
	set_phdr(&im, 1, PT_LOAD, PF_R | PF_X, 0x1001, 0x11001, 0x10, 0x10);
	set_phdr(&im, 2, PT_LOAD, PF_R, 0x80, 0x10080, 0x20, 0x20);
	expect_ok(&im, &info);
	assert_int_equal(info.min_vaddr, 0x10000);
	assert_int_equal(info.max_vaddr, 0x82000);
	assert_int_equal(info.segments[0].vaddr, 0x7fff8);
	img_free(&im);

	/* The highest page of user space, exactly. */
	im = img_new(0x400, ET_EXEC, EHSIZE, 1);
	set_phdr(&im, 0, PT_LOAD, PF_R, 0x100, USER_LIMIT - PAGE + 0x100, 0x10, PAGE - 0x100);
	expect_ok(&im, &info);
	assert_int_equal(info.min_vaddr, USER_LIMIT - PAGE);
	assert_int_equal(info.max_vaddr, USER_LIMIT);
	img_free(&im);
}

static void test_memsz_zero_skipped(void **state)
{
	(void)state;
	struct elf_info info;
	struct image im = img_new(0x2000, ET_EXEC, EHSIZE, 4);
	set_phdr(&im, 0, PT_LOAD, PF_R, 0, 0x10000000, 0, 0); /* would widen the span */
	set_phdr(&im, 1, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100);
	set_phdr(&im, 2, PT_LOAD, PF_R | PF_W, 0x1000, 0x401000, 0, 0); /* same address as 1 */
	set_phdr(&im, 3, PT_LOAD, PF_R, 0x100, 0x100, 0, 0);
	expect_ok(&im, &info);
	assert_int_equal(info.nsegments, 1);
	expect_segment(&info.segments[0], 0x401000, 0x100, 0x1000, 0x100, ELF_PF_R | ELF_PF_X);
	assert_int_equal(info.min_vaddr, 0x401000);
	assert_int_equal(info.max_vaddr, 0x402000);
	img_free(&im);

	/* Only empty PT_LOADs: nothing to load. */
	im = img_new(0x400, ET_EXEC, EHSIZE, 2);
	set_phdr(&im, 0, PT_LOAD, PF_R, 0, 0x400000, 0, 0);
	set_phdr(&im, 1, PT_LOAD, PF_R, 0, 0x401000, 0, 0);
	expect_reject(&im);
}

static void test_shared_page(void **state)
{
	(void)state;
	struct elf_info info;
	for (int reversed = 0; reversed < 2; reversed++) {
		/* Text ends mid-page; data starts on the next byte of the same page. */
		struct image im = img_new(0x2000, ET_EXEC, EHSIZE, 2);
		set_phdr(&im, reversed, PT_LOAD, PF_R | PF_X, 0, 0x400000, 0x1234, 0x1234);
		set_phdr(&im, !reversed, PT_LOAD, PF_R | PF_W, 0x1234, 0x401234, 0x100, 0x200);
		expect_ok(&im, &info);
		assert_int_equal(info.nsegments, 2);
		assert_int_equal(info.min_vaddr, 0x400000);
		assert_int_equal(info.max_vaddr, 0x402000);
		img_free(&im);

		/* A bss ending mid-page and the next segment starting right after it. */
		im = img_new(0x2000, ET_EXEC, EHSIZE, 2);
		set_phdr(&im, reversed, PT_LOAD, PF_R | PF_W, 0x100, 0x400100, 0x10, 0x700);
		set_phdr(&im, !reversed, PT_LOAD, PF_R, 0x800, 0x400800, 0x10, 0x10);
		expect_ok(&im, &info);
		assert_int_equal(info.nsegments, 2);
		assert_int_equal(info.max_vaddr, 0x401000);
		img_free(&im);

		/* The same file bytes mapped twice at different addresses. */
		im = img_new(0x2000, ET_EXEC, EHSIZE, 2);
		set_phdr(&im, reversed, PT_LOAD, PF_R, 0, 0x400000, 0x2000, 0x2000);
		set_phdr(&im, !reversed, PT_LOAD, PF_R, 0, 0x500000, 0x2000, 0x2000);
		expect_ok(&im, &info);
		img_free(&im);
	}
}

static void test_overlapping_segments(void **state)
{
	(void)state;
	static const struct {
		uint64_t va, sa, vb, sb;
	} cases[] = {
		{0x400000, 0x1235, 0x401234, 0x100}, /* one byte */
		{0x400000, 0x2000, 0x401000, 0x10},  /* contained */
		{0x400000, 0x1000, 0x400000, 0x1000}, /* identical */
		{0x400010, 0x10, 0x400000, 0x1000},   /* contained, listed first */
		{0x400000, 0x10000, 0x40fff0, 0x20},  /* through the bss */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int reversed = 0; reversed < 2; reversed++) {
			struct image im = img_new(0x3000, ET_EXEC, EHSIZE, 3);
			set_phdr(&im, 0, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
			set_phdr(&im, 1 + reversed, PT_LOAD, PF_R, cases[i].va % PAGE, cases[i].va, 0, cases[i].sa);
			set_phdr(&im, 2 - reversed, PT_LOAD, PF_R, cases[i].vb % PAGE, cases[i].vb, 0, cases[i].sb);
			expect_reject(&im);
		}
	}
	/* A third segment overlapping only the last of several. */
	struct image im = img_new(0x3000, ET_EXEC, EHSIZE, 4);
	set_phdr(&im, 0, PT_LOAD, PF_R, 0, 0x400000, 0x100, 0x100);
	set_phdr(&im, 1, PT_LOAD, PF_R, 0, 0x500000, 0x100, 0x100);
	set_phdr(&im, 2, PT_LOAD, PF_R, 0, 0x600000, 0x100, 0x100);
	set_phdr(&im, 3, PT_LOAD, PF_R, 0x80, 0x600080, 0x100, 0x100);
	expect_reject(&im);
}

static void test_reject_header(void **state)
{
	(void)state;
	struct image im;
	Elf64_Ehdr eh;

	/* Shorter than a header (the full header present only at 64 bytes). */
	im = std_exec();
	struct elf_info info;
	for (size_t len = 0; len < EHSIZE; len++)
		assert_int_equal(parse_len(&im, len, &info), -ENOEXEC);
	img_free(&im);

	/* Magic: each byte wrong. */
	for (int i = 0; i < 4; i++) {
		im = std_exec();
		im.buf[i] ^= 0x20;
		expect_reject(&im);
	}
	/* Class: none, 32-bit, unknown. */
	static const uint8_t classes[] = {ELFCLASSNONE, ELFCLASS32, 3, 0xff};
	for (size_t i = 0; i < sizeof(classes); i++) {
		im = std_exec();
		im.buf[EI_CLASS] = classes[i];
		expect_reject(&im);
	}
	/* Data encoding: big-endian, none. */
	static const uint8_t datas[] = {ELFDATA2MSB, ELFDATANONE, 3};
	for (size_t i = 0; i < sizeof(datas); i++) {
		im = std_exec();
		im.buf[EI_DATA] = datas[i];
		expect_reject(&im);
	}
	/* Machine: ARM, i386, AArch64, none, and x86-64 byte-swapped. */
	static const uint16_t machines[] = {EM_ARM, EM_386, EM_AARCH64, EM_NONE, 0x3e00, EM_X86_64 + 1};
	for (size_t i = 0; i < sizeof(machines) / sizeof(machines[0]); i++) {
		im = std_exec();
		eh = get_ehdr(&im);
		eh.e_machine = machines[i];
		put_ehdr(&im, &eh);
		expect_reject(&im);
	}
	/* Type: none, relocatable, core, OS- and processor-specific. */
	static const uint16_t types[] = {ET_NONE, ET_REL, ET_CORE, 5, 0xfe00, 0xff00, 0xffff, 0x0200};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		im = std_exec();
		eh = get_ehdr(&im);
		eh.e_type = types[i];
		put_ehdr(&im, &eh);
		expect_reject(&im);
	}
	/* Program header entry size: anything but 56. */
	static const uint16_t phentsizes[] = {0, 1, 32, 55, 57, 64, 112, 0xffff};
	for (size_t i = 0; i < sizeof(phentsizes) / sizeof(phentsizes[0]); i++) {
		im = std_exec();
		eh = get_ehdr(&im);
		eh.e_phentsize = phentsizes[i];
		put_ehdr(&im, &eh);
		expect_reject(&im);
	}
}

static void test_phnum_limits(void **state)
{
	(void)state;
	struct image im;
	Elf64_Ehdr eh;
	struct elf_info info;

	/* 0, 129 and PN_XNUM (0xffff: the real count in section 0, not supported), the table present. */
	static const uint16_t counts[] = {0, ELF_MAX_PHNUM + 1, 200, 0xffff};
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		size_t size = EHSIZE + (counts[i] + 1) * PHENT;
		im = img_new(size, ET_EXEC, EHSIZE, 1);
		set_phdr(&im, 0, PT_LOAD, PF_R, 0, 0x400000, 0x40, 0x40);
		eh = get_ehdr(&im);
		eh.e_phnum = counts[i];
		put_ehdr(&im, &eh);
		expect_reject(&im);
	}
	/* Exactly 128, one PT_LOAD among PT_NULLs and PT_NOTEs. */
	im = img_new(EHSIZE + ELF_MAX_PHNUM * PHENT, ET_EXEC, EHSIZE, ELF_MAX_PHNUM);
	for (unsigned i = 0; i < ELF_MAX_PHNUM; i++)
		set_phdr(&im, i, i % 3 == 0 ? PT_NOTE : PT_NULL, PF_R, 0, 0, 0, 0);
	set_phdr(&im, 77, PT_LOAD, PF_R, 0, 0x400000, 0x40, 0x40);
	expect_ok(&im, &info);
	assert_int_equal(info.phnum, ELF_MAX_PHNUM);
	assert_int_equal(info.nsegments, 1);
	img_free(&im);
}

static void test_phoff_beyond_file(void **state)
{
	(void)state;
	struct image im;
	Elf64_Ehdr eh;
	struct elf_info info;
	/* The table ends exactly at the end of the file: accepted. */
	im = img_new(0x400, ET_EXEC, 0x400 - 2 * PHENT, 2);
	set_phdr(&im, 0, PT_LOAD, PF_R, 0, 0x400000, 0x400, 0x400);
	set_phdr(&im, 1, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	expect_ok(&im, &info);
	assert_int_equal(info.phdr_vaddr, 0x400000 + 0x400 - 2 * PHENT);
	img_free(&im);

	/* One entry more than fits, partly or wholly past the end, and offsets that wrap. */
	const uint64_t size = 0x400;
	const uint64_t phoffs[] = {size - 2 * PHENT + 1,  size - PHENT, size, size + 1, 0x100000, UINT32_MAX,
				   UINT64_MAX, UINT64_MAX - PHENT + 1, UINT64_MAX - 2 * PHENT + 1,
				   /* phoff + 2 * 56 wraps to 64 */
				   (uint64_t)0 - 2 * PHENT + EHSIZE, 1ull << 63};
	for (size_t i = 0; i < sizeof(phoffs) / sizeof(phoffs[0]); i++) {
		im = img_new(size, ET_EXEC, size - 2 * PHENT, 2);
		set_phdr(&im, 0, PT_LOAD, PF_R, 0, 0x400000, 0x40, 0x40);
		set_phdr(&im, 1, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
		/* a valid-looking table at the start too, in case the reader wraps around to it */
		memcpy(im.buf + EHSIZE, im.buf + size - 2 * PHENT, 2 * PHENT);
		eh = get_ehdr(&im);
		eh.e_phoff = phoffs[i];
		put_ehdr(&im, &eh);
		expect_reject(&im);
	}
	/* phnum larger than the table in the file. */
	im = std_exec();
	eh = get_ehdr(&im);
	eh.e_phoff = STD_SIZE - 5 * PHENT;
	memcpy(im.buf + eh.e_phoff, im.buf + EHSIZE, 5 * PHENT);
	eh.e_phnum = 6;
	put_ehdr(&im, &eh);
	expect_reject(&im);
}

/* std_exec with its data segment (phdr 3) changed. */
static void reject_data_segment(uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	struct image im = std_exec();
	set_phdr(&im, 3, PT_LOAD, PF_R | PF_W, offset, vaddr, filesz, memsz);
	expect_reject(&im);
}

static void accept_data_segment(uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz)
{
	struct elf_info info;
	struct image im = std_exec();
	set_phdr(&im, 3, PT_LOAD, PF_R | PF_W, offset, vaddr, filesz, memsz);
	expect_ok(&im, &info);
	img_free(&im);
}

static void test_reject_segment_sizes(void **state)
{
	(void)state;
	/* filesz > memsz */
	reject_data_segment(0x2000, 0x403000, 0x100, 0xff);
	reject_data_segment(0x2000, 0x403000, 0x100, 1);
	accept_data_segment(0x2000, 0x403000, 0x100, 0x100);

	/* Past the end of the file: by one byte, wholly, and offset + filesz wrapping. */
	accept_data_segment(0x2000, 0x403000, STD_SIZE - 0x2000, 0x1000);
	reject_data_segment(0x2000, 0x403000, STD_SIZE - 0x2000 + 1, 0x1000);
	reject_data_segment(0x3000, 0x403000, 0x10, 0x1000);
	reject_data_segment(0x2000, 0x403000, UINT64_MAX, UINT64_MAX);
	reject_data_segment(UINT64_MAX - 0xfff, 0x403000, 0x2000, 0x2000);
	reject_data_segment(UINT64_MAX - 0xfff, 0x403000, 0x1000, 0x1000); /* offset + filesz == 2^64 */
	reject_data_segment(0xfffffffffffff000ull, 0x403000, 0x1001, 0x2000);
	reject_data_segment(1ull << 63, 0x403000, 1ull << 63, 1ull << 63);
}

static void test_reject_congruence(void **state)
{
	(void)state;
	reject_data_segment(0x2000, 0x403001, 0x10, 0x10);
	reject_data_segment(0x2001, 0x403000, 0x10, 0x10);
	reject_data_segment(0x2080, 0x403000, 0x10, 0x10);
	reject_data_segment(0x2000, 0x403fff, 0x10, 0x10);
	accept_data_segment(0x2010, 0x405010, 0x10, 0x10);
	/* Congruent mod 4096 but not mod 2 MiB: fine. */
	accept_data_segment(0x2000, 0x60b000, 0x10, 0x10);
}

static void test_reject_outside_user_space(void **state)
{
	(void)state;
	/* At or above the limit, kernel addresses, and vaddr + memsz past it or wrapping. */
	reject_data_segment(0x2000, USER_LIMIT, 0x10, 0x10);
	reject_data_segment(0x2000, USER_LIMIT + PAGE, 0x10, 0x10);
	reject_data_segment(0x2000, 0x0000800000000000ull, 0x10, 0x10);
	reject_data_segment(0x2000, 0xffff800000000000ull, 0x10, 0x10);
	reject_data_segment(0x2000, 0xffffffff80000000ull, 0x10, 0x10);
	reject_data_segment(0x2000, 0xfffffffffffff000ull, 0x10, 0x2000);
	reject_data_segment(0x2000, USER_LIMIT - PAGE, 0x10, PAGE + 1);
	reject_data_segment(0x2000, 0x403000, 0x10, UINT64_MAX);
	reject_data_segment(0x2000, 0x403000, 0x10, UINT64_MAX - 0x403000 + 1); /* vaddr + memsz == 2^64 */
	reject_data_segment(0x2000, 0x403000, 0x10, USER_LIMIT - 0x403000 + 1);
	accept_data_segment(0x2000, USER_LIMIT - PAGE, 0x10, PAGE);
}

/* n PT_LOADs (and extra empty ones), one page apart. */
static struct image many_loads(unsigned n, unsigned empty)
{
	struct image im = img_new(EHSIZE + (n + empty) * PHENT, ET_EXEC, EHSIZE, (uint16_t)(n + empty));
	for (unsigned i = 0; i < n + empty; i++) {
		if (i < empty)
			set_phdr(&im, i, PT_LOAD, PF_R, 0, 0x10000000 + i * PAGE, 0, 0);
		else
			set_phdr(&im, i, PT_LOAD, i % 2 ? PF_R | PF_X : PF_R, 0, 0x400000 + i * PAGE, 0x40, 0x800);
	}
	return im;
}

static void test_segment_count(void **state)
{
	(void)state;
	struct elf_info info;
	struct image im = many_loads(ELF_MAX_SEGMENTS, 0);
	expect_ok(&im, &info);
	assert_int_equal(info.nsegments, ELF_MAX_SEGMENTS);
	img_free(&im);

	im = many_loads(ELF_MAX_SEGMENTS, 40); /* empty ones do not count */
	expect_ok(&im, &info);
	assert_int_equal(info.nsegments, ELF_MAX_SEGMENTS);
	img_free(&im);

	im = many_loads(ELF_MAX_SEGMENTS + 1, 0);
	expect_reject(&im);
	im = many_loads(ELF_MAX_PHNUM, 0);
	expect_reject(&im);

	/* No PT_LOAD at all: only notes, PT_PHDR, PT_GNU_STACK, PT_INTERP. */
	im = interp_exec(MUSL, sizeof(MUSL));
	set_phdr(&im, 2, PT_NOTE, PF_R, 0, 0x400000, 0x200, 0x200);
	set_phdr(&im, 3, PT_DYNAMIC, PF_R, 0x300, 0x401300, 0x300, 0x300);
	expect_reject(&im);
}

static void test_dyn_span(void **state)
{
	(void)state;
	struct elf_info info;
	struct image im = std_dyn();
	set_phdr(&im, 3, PT_LOAD, PF_R | PF_W, 0x1700, 0x500000000700ull, 0x200, 0x1000);
	expect_reject(&im);

	im = std_dyn();
	set_phdr(&im, 1, PT_LOAD, PF_R, 0, 0x7ff000000000ull, 0x1b0, 0x1b0);
	set_phdr(&im, 3, PT_LOAD, PF_R | PF_W, 0x1700, 0x2700, 0x200, 0x1000);
	expect_reject(&im);

	/* A large but reasonable span (1 GiB of bss). */
	im = std_dyn();
	set_phdr(&im, 3, PT_LOAD, PF_R | PF_W, 0x1700, 0x2700, 0x200, 1ull << 30);
	expect_ok(&im, &info);
	assert_int_equal(info.max_vaddr, page_up(0x2700 + (1ull << 30)));
	img_free(&im);
}

/* Bytes a parse must read: the header, the table, every PT_LOAD's and the PT_INTERP's file bytes. */
static size_t referenced_bytes(const struct image *im)
{
	Elf64_Ehdr eh = get_ehdr(im);
	uint64_t need = EHSIZE;
	if (eh.e_phoff + eh.e_phnum * PHENT > need)
		need = eh.e_phoff + eh.e_phnum * PHENT;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph = get_phdr(im, i);
		if ((ph.p_type == PT_LOAD && ph.p_memsz != 0) || ph.p_type == PT_INTERP)
			if (ph.p_offset + ph.p_filesz > need)
				need = ph.p_offset + ph.p_filesz;
	}
	return need;
}

static void assert_same_info(const struct elf_info *a, const struct elf_info *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->entry, b->entry);
	assert_int_equal(a->phoff, b->phoff);
	assert_int_equal(a->phnum, b->phnum);
	assert_int_equal(a->phdr_vaddr, b->phdr_vaddr);
	assert_int_equal(a->nsegments, b->nsegments);
	for (unsigned i = 0; i < a->nsegments; i++)
		expect_segment(&a->segments[i], b->segments[i].vaddr, b->segments[i].memsz, b->segments[i].offset,
			       b->segments[i].filesz, b->segments[i].flags);
	assert_int_equal(a->min_vaddr, b->min_vaddr);
	assert_int_equal(a->max_vaddr, b->max_vaddr);
	assert_int_equal(a->has_interp, b->has_interp);
	assert_string_equal(a->interp, b->interp);
	assert_int_equal(a->exec_stack, b->exec_stack);
}

/* Every prefix of the image: success exactly when every referenced byte is there, and then the same result. */
static void truncate_everywhere(const struct image *im, size_t expect_need)
{
	struct elf_info full, part;
	size_t need = referenced_bytes(im);
	assert_int_equal(need, expect_need);
	expect_ok(im, &full);
	for (size_t len = 0; len <= im->size; len++) {
		int rc = parse_len(im, len, &part);
		if (len < need) {
			assert_int_equal(rc, -ENOEXEC);
		} else {
			assert_int_equal(rc, 0);
			assert_same_info(&part, &full);
		}
	}
}

static void test_truncated_everywhere(void **state)
{
	(void)state;
	/* Headers in the first segment, the interpreter path, the second segment's data, unreferenced bytes. */
	struct image im = interp_exec(MUSL, sizeof(MUSL));
	truncate_everywhere(&im, 0x600);
	img_free(&im);

	/* The program headers last in the file (outside every segment). */
	const size_t size = 0x300 + 4 * PHENT;
	im = img_new(size, ET_DYN, 0x300, 4);
	set_phdr(&im, 0, PT_INTERP, PF_R, EHSIZE, EHSIZE, sizeof(MUSL), sizeof(MUSL));
	memcpy(im.buf + EHSIZE, MUSL, sizeof(MUSL));
	set_phdr(&im, 1, PT_LOAD, PF_R, 0, 0, 0x100, 0x100);
	set_phdr(&im, 2, PT_LOAD, PF_R | PF_X, 0x100, 0x1100, 0x200, 0x300);
	set_phdr(&im, 3, PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0);
	fill(&im, 0x100, 0x300);
	truncate_everywhere(&im, size);
	img_free(&im);

	/* The interpreter path last in the file, after all segment data. */
	im = interp_exec(MUSL, sizeof(MUSL));
	Elf64_Phdr ph = get_phdr(&im, 1);
	ph.p_offset = im.size - sizeof(MUSL);
	put_phdr(&im, 1, &ph);
	memcpy(im.buf + ph.p_offset, MUSL, sizeof(MUSL));
	truncate_everywhere(&im, im.size);
	img_free(&im);

	/* The standard executables: the data segment's file bytes end the file. */
	im = std_exec();
	truncate_everywhere(&im, 0x2100);
	img_free(&im);
	im = std_dyn();
	truncate_everywhere(&im, 0x1900);
	img_free(&im);
}

/* Values that sit on the checks' edges for this image. */
static uint64_t interesting(size_t size, uint64_t old)
{
	static const uint64_t fixed[] = {0,
					 1,
					 2,
					 55,
					 56,
					 64,
					 0xfff,
					 PAGE,
					 PAGE + 1,
					 0x400000,
					 USER_LIMIT,
					 USER_LIMIT - 1,
					 USER_LIMIT - PAGE,
					 USER_LIMIT / 2,
					 1ull << 63,
					 UINT32_MAX,
					 UINT64_MAX,
					 UINT64_MAX - 0xfff,
					 UINT64_MAX - 55};
	switch (rng_below(6)) {
	case 0:
		return fixed[rng_below(sizeof(fixed) / sizeof(fixed[0]))];
	case 1:
		return size - rng_below(64) + rng_below(64);
	case 2:
		return old + rng_below(16) - 8;
	case 3:
		return old + (rng_range(-4, 4) * (int64_t)PAGE);
	case 4:
		return (uint64_t)0 - old;
	default:
		return rng_next() >> rng_below(64);
	}
}

static void mutate_field(struct image *im)
{
	Elf64_Ehdr eh = get_ehdr(im);
	unsigned which = (unsigned)rng_below(8);
	if (which == 0 || eh.e_phoff > im->size || eh.e_phnum == 0 ||
	    eh.e_phnum * PHENT > im->size - eh.e_phoff || eh.e_phentsize != PHENT) {
		switch (rng_below(5)) {
		case 0:
			eh.e_phoff = interesting(im->size, eh.e_phoff);
			break;
		case 1:
			eh.e_phnum = (uint16_t)interesting(im->size, eh.e_phnum);
			break;
		case 2:
			eh.e_phentsize = (uint16_t)interesting(im->size, eh.e_phentsize);
			break;
		case 3:
			eh.e_type = (uint16_t)rng_below(5);
			break;
		default:
			eh.e_entry = interesting(im->size, eh.e_entry);
			break;
		}
		put_ehdr(im, &eh);
		return;
	}
	unsigned i = (unsigned)rng_below(eh.e_phnum);
	Elf64_Phdr ph = get_phdr(im, i);
	static const uint32_t types[] = {PT_NULL, PT_LOAD, PT_INTERP, PT_PHDR, PT_GNU_STACK, PT_NOTE, PT_DYNAMIC};
	switch (rng_below(7)) {
	case 0:
		ph.p_type = types[rng_below(sizeof(types) / sizeof(types[0]))];
		break;
	case 1:
		ph.p_flags = (uint32_t)rng_next();
		break;
	case 2:
		ph.p_offset = interesting(im->size, ph.p_offset);
		break;
	case 3:
		ph.p_vaddr = interesting(im->size, ph.p_vaddr);
		break;
	case 4:
		ph.p_filesz = interesting(im->size, ph.p_filesz);
		break;
	case 5:
		ph.p_memsz = interesting(im->size, ph.p_memsz);
		break;
	default: /* keep it loadable: congruent, but anywhere */
		ph.p_vaddr = (interesting(im->size, ph.p_vaddr) & ~(PAGE - 1)) | (ph.p_offset & (PAGE - 1));
		break;
	}
	put_phdr(im, i, &ph);
}

/* Random damage to valid images: never a crash or an out-of-bounds read; any success is consistent. */
static void test_random_mutation(void **state)
{
	(void)state;
	struct image bases[4];
	bases[0] = std_exec();
	bases[1] = std_dyn();
	bases[2] = interp_exec(MUSL, sizeof(MUSL));
	bases[3] = many_loads(ELF_MAX_SEGMENTS, 3);
	unsigned accepted = 0, rejected = 0;

	rng_seed(unit_seed());
	for (int iter = 0; iter < 6000; iter++) {
		const struct image *base = &bases[rng_below(4)];
		struct image im = {malloc(base->size), base->size};
		assert_non_null(im.buf);
		memcpy(im.buf, base->buf, base->size);
		int n = 1 + (int)rng_below(4);
		for (int k = 0; k < n; k++) {
			if (rng_below(3) == 0) {
				size_t pos = rng_below(rng_below(2) ? im.size : 0x200 < im.size ? 0x200 : im.size);
				im.buf[pos] = (uint8_t)rng_next();
			} else {
				mutate_field(&im);
			}
		}
		size_t len = rng_below(8) == 0 ? rng_below(im.size + 1) : im.size;
		struct elf_info info;
		if (parse_len(&im, len, &info) == 0)
			accepted++;
		else
			rejected++;
		free(im.buf);
	}
	/* Both outcomes well represented. */
	assert_true(accepted > 300);
	assert_true(rejected > 300);
	for (int i = 0; i < 4; i++)
		img_free(&bases[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_exec),
		cmocka_unit_test(test_valid_dyn),
		cmocka_unit_test(test_phdr_vaddr),
		cmocka_unit_test(test_interp),
		cmocka_unit_test(test_bad_interp),
		cmocka_unit_test(test_gnu_stack),
		cmocka_unit_test(test_page_rounding),
		cmocka_unit_test(test_memsz_zero_skipped),
		cmocka_unit_test(test_shared_page),
		cmocka_unit_test(test_overlapping_segments),
		cmocka_unit_test(test_reject_header),
		cmocka_unit_test(test_phnum_limits),
		cmocka_unit_test(test_phoff_beyond_file),
		cmocka_unit_test(test_reject_segment_sizes),
		cmocka_unit_test(test_reject_congruence),
		cmocka_unit_test(test_reject_outside_user_space),
		cmocka_unit_test(test_segment_count),
		cmocka_unit_test(test_dyn_span),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_random_mutation),
	};
	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
