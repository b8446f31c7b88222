#include "proc/elf.h"

#include "lib/errno.h"
#include "lib/string.h"

/* ELF64 header and program header layouts (gABI, "ELF Header" and "Program Header"). */
struct elf64_ehdr {
	uint8_t ident[16];
	uint16_t type, machine;
	uint32_t version;
	uint64_t entry, phoff, shoff;
	uint32_t flags;
	uint16_t ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};

struct elf64_phdr {
	uint32_t type, flags;
	uint64_t offset, vaddr, paddr, filesz, memsz, align;
};

#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_GNU_STACK 0x6474e551
#define PAGE 4096ull
/* User space ends here (kernel/mm/vmspace.h USER_TOP); segments must fit below it. */
#define ELF_USER_LIMIT 0x00007ffffffff000ull

static int reject(const char **why, const char *reason)
{
	*why = reason;
	return -ENOEXEC;
}

int elf_parse(const void *data, size_t size, uint64_t file_size, struct elf_info *out, const char **why)
{
	const uint8_t *bytes = data;
	struct elf64_ehdr eh;

	memset(out, 0, sizeof(*out));
	if (size < sizeof(eh))
		return reject(why, "shorter than an ELF header");
	memcpy(&eh, bytes, sizeof(eh));
	if (memcmp(eh.ident, "\177ELF", 4) != 0)
		return reject(why, "not an ELF file");
	if (eh.ident[EI_CLASS] != ELFCLASS64)
		return reject(why, "not a 64-bit ELF");
	if (eh.ident[EI_DATA] != ELFDATA2LSB || eh.ident[EI_VERSION] != EV_CURRENT)
		return reject(why, "unsupported ELF encoding");
	if (eh.machine != EM_X86_64)
		return reject(why, "not an x86-64 program");
	if (eh.type != ELF_ET_EXEC && eh.type != ELF_ET_DYN)
		return reject(why, "not an executable");
	if (eh.phentsize != sizeof(struct elf64_phdr) || eh.phnum == 0 || eh.phnum > ELF_MAX_PHNUM)
		return reject(why, "bad program header table");
	if (eh.phoff > size || (uint64_t)eh.phnum * sizeof(struct elf64_phdr) > size - eh.phoff)
		return reject(why, "program headers beyond the end of the file");

	out->type = eh.type;
	out->entry = eh.entry;
	out->phoff = eh.phoff;
	out->phnum = eh.phnum;
	out->phentsize = eh.phentsize;
	out->min_vaddr = UINT64_MAX;
	uint64_t phdr_vaddr = 0;
	bool have_phdr = false;

	for (unsigned i = 0; i < eh.phnum; i++) {
		struct elf64_phdr ph;
		memcpy(&ph, bytes + eh.phoff + (uint64_t)i * sizeof(ph), sizeof(ph));
		if (ph.type == PT_GNU_STACK) {
			out->exec_stack = (ph.flags & ELF_PF_X) != 0;
		} else if (ph.type == PT_PHDR) {
			phdr_vaddr = ph.vaddr;
			have_phdr = true;
		} else if (ph.type == PT_INTERP) {
			if (ph.offset > size || ph.filesz > size - ph.offset || ph.filesz < 2 || ph.filesz > ELF_INTERP_MAX)
				return reject(why, "bad interpreter path");
			memcpy(out->interp, bytes + ph.offset, ph.filesz);
			if (out->interp[ph.filesz - 1] != '\0' || strlen(out->interp) != ph.filesz - 1)
				return reject(why, "interpreter path not terminated");
			out->has_interp = true;
		} else if (ph.type == PT_LOAD) {
			if (ph.memsz == 0)
				continue;
			if (out->nsegments == ELF_MAX_SEGMENTS)
				return reject(why, "too many loadable segments");
			if (ph.filesz > ph.memsz)
				return reject(why, "segment file size exceeds its memory size");
			if (ph.offset > file_size || ph.filesz > file_size - ph.offset)
				return reject(why, "segment beyond the end of the file");
			if ((ph.vaddr & (PAGE - 1)) != (ph.offset & (PAGE - 1)))
				return reject(why, "segment offset and address not congruent");
			if (ph.vaddr >= ELF_USER_LIMIT || ph.memsz > ELF_USER_LIMIT - ph.vaddr)
				return reject(why, "segment outside user space");
			struct elf_segment *s = &out->segments[out->nsegments++];
			s->vaddr = ph.vaddr;
			s->memsz = ph.memsz;
			s->offset = ph.offset;
			s->filesz = ph.filesz;
			s->flags = ph.flags;
			uint64_t lo = ph.vaddr & ~(PAGE - 1);
			uint64_t hi = (ph.vaddr + ph.memsz + PAGE - 1) & ~(PAGE - 1);
			if (lo < out->min_vaddr)
				out->min_vaddr = lo;
			if (hi > out->max_vaddr)
				out->max_vaddr = hi;
			if (!have_phdr && eh.phoff >= ph.offset && eh.phoff - ph.offset < ph.filesz)
				phdr_vaddr = ph.vaddr + (eh.phoff - ph.offset);
		}
	}
	if (out->nsegments == 0)
		return reject(why, "no loadable segment");
	/* Segments may share a page at their ends (the loader merges it) but not bytes. */
	for (unsigned i = 0; i < out->nsegments; i++) {
		for (unsigned j = i + 1; j < out->nsegments; j++) {
			const struct elf_segment *a = &out->segments[i], *b = &out->segments[j];
			if (a->vaddr < b->vaddr + b->memsz && b->vaddr < a->vaddr + a->memsz)
				return reject(why, "overlapping segments");
		}
	}
	if (out->type == ELF_ET_DYN && out->max_vaddr - out->min_vaddr > ELF_USER_LIMIT / 2)
		return reject(why, "image too large");
	out->phdr_vaddr = phdr_vaddr;
	return 0;
}
