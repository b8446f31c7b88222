/*
 * Parsing ELF64 executables for execve (System V gABI and the x86-64 psABI).
 * Pure: it only reads the bytes it is given and checks every offset and size
 * against them, so a malformed or truncated file gives -ENOEXEC, never a
 * fault. Host-tested with corrupted inputs.
 */
#ifndef PROC_ELF_H
#define PROC_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16
#define ELF_MAX_PHNUM 128
#define ELF_INTERP_MAX 256

#define ELF_ET_EXEC 2
#define ELF_ET_DYN 3
#define ELF_PF_X 1
#define ELF_PF_W 2
#define ELF_PF_R 4

struct elf_segment {
	uint64_t vaddr;   /* as in the file (add the load bias for ET_DYN) */
	uint64_t memsz;
	uint64_t offset;
	uint64_t filesz;
	uint32_t flags;   /* ELF_PF_* */
};

struct elf_info {
	uint16_t type;            /* ELF_ET_EXEC or ELF_ET_DYN */
	uint64_t entry;
	uint64_t phoff;
	uint16_t phnum, phentsize;
	uint64_t phdr_vaddr;      /* where the program headers are in memory (0: not loaded) */
	struct elf_segment segments[ELF_MAX_SEGMENTS];
	unsigned nsegments;
	uint64_t min_vaddr, max_vaddr; /* page-rounded span of the PT_LOAD segments */
	bool has_interp;
	char interp[ELF_INTERP_MAX];
	bool exec_stack;
};

/*
 * Parses and validates; returns 0 or -ENOEXEC with *why set to a short reason.
 * data holds the first size bytes of a file of file_size bytes (size <=
 * file_size): the headers and the interpreter's name must lie in them, the
 * segments in the whole file.
 */
int elf_parse(const void *data, size_t size, uint64_t file_size, struct elf_info *out, const char **why);

#endif
