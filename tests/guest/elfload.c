/*
 * elfload - what the ELF loader hands a static program, built twice: as a
 * normal static executable (elfload, ET_EXEC) and as a static PIE
 * (elfload_pie, ET_DYN with no interpreter, relocated by musl's rcrt1.o at
 * start-up; see guest.mk for the link command). Checks the auxiliary vector
 * (AT_PHDR/PHENT/PHNUM/ENTRY/PAGESZ/BASE/RANDOM/EXECFN/ids/SECURE/CLKTCK),
 * the initial stack layout, relocated data (pointers to data and functions),
 * TLS, segment permissions (text not writable, data not executable, W^X),
 * and brk.
 */
#include "check.h"

#include <elf.h>
#include <pthread.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef GUEST_PIE
#define GUEST_PIE 0
#endif

extern const Elf64_Ehdr __ehdr_start; /* the linker's name for the ELF header */
extern char _start[], _end[], etext[], edata[];
extern char **environ;

/* Relocated data: pointers to strings, data and functions. */
static int target_value = 1234;
static int *const data_ptr = &target_value;
static const char *const words[] = {"alpha", "beta", "gamma"};
static int add_one(int x)
{
	return x + 1;
}
static int times_two(int x)
{
	return x * 2;
}
static int (*const ops[])(int) = {add_one, times_two};
static __thread int tls_value = 77;
static __thread char tls_zero[100];

static void *tls_thread(void *arg)
{
	(void)arg;
	bool ok = tls_value == 77 && tls_zero[99] == 0;
	tls_value = 5;
	return (void *)(long)ok;
}

static void test_header(void)
{
	section("ELF header and auxiliary vector");
	const Elf64_Ehdr *eh = &__ehdr_start;
	check(memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, "the ELF header is mapped at __ehdr_start");
	check_str(eh->e_type == ET_DYN ? "ET_DYN" : eh->e_type == ET_EXEC ? "ET_EXEC" : "other",
		  GUEST_PIE ? "ET_DYN" : "ET_EXEC", "e_type");
	if (!GUEST_PIE)
		check_hex((unsigned long)eh, 0x400000, "ET_EXEC loaded at its link address");
	else
		check(((unsigned long)eh & 0xfff) == 0 && (unsigned long)eh != 0, "static PIE loaded at a page-aligned base");

	check(getauxval(AT_PHDR) == (unsigned long)eh + eh->e_phoff, "AT_PHDR = base + e_phoff");
	check_long((long)getauxval(AT_PHENT), sizeof(Elf64_Phdr), "AT_PHENT");
	check_long((long)getauxval(AT_PHNUM), eh->e_phnum, "AT_PHNUM = e_phnum");
	check(getauxval(AT_ENTRY) == (unsigned long)_start, "AT_ENTRY = _start");
	check_long((long)getauxval(AT_PAGESZ), 4096, "AT_PAGESZ");
	check_long((long)getauxval(AT_BASE), 0, "AT_BASE (no interpreter)");
	check_long((long)getauxval(AT_FLAGS), 0, "AT_FLAGS");
	check_long((long)getauxval(AT_CLKTCK), 100, "AT_CLKTCK");
	check_long((long)getauxval(AT_SECURE), 0, "AT_SECURE");
	check(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid(), "AT_UID, AT_EUID");
	check(getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid(), "AT_GID, AT_EGID");
	const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
	bool nonzero = false;
	for (int i = 0; rnd != NULL && i < 16; i++)
		nonzero = nonzero || rnd[i] != 0;
	check(nonzero, "AT_RANDOM points to 16 bytes, not all zero");

	/* The program headers include our own text and data. */
	const Elf64_Phdr *ph = (const Elf64_Phdr *)getauxval(AT_PHDR);
	int loads = 0;
	bool text_found = false;
	unsigned long base = GUEST_PIE ? (unsigned long)eh : 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		loads++;
		unsigned long start = base + ph[i].p_vaddr, end = start + ph[i].p_memsz;
		if ((unsigned long)test_header >= start && (unsigned long)test_header < end)
			text_found = (ph[i].p_flags & PF_X) != 0;
	}
	check(loads >= 2, "at least two PT_LOAD segments");
	check(text_found, "this function lies in an executable PT_LOAD");
	bool interp = false, gnu_stack_nx = false;
	for (int i = 0; i < eh->e_phnum; i++) {
		interp = interp || ph[i].p_type == PT_INTERP;
		if (ph[i].p_type == PT_GNU_STACK)
			gnu_stack_nx = (ph[i].p_flags & PF_X) == 0;
	}
	check_bool(interp, false, "has a PT_INTERP");
	check(gnu_stack_nx, "PT_GNU_STACK asks for a non-executable stack");
}

static void test_stack(int argc, char **argv)
{
	section("initial stack");
	check(argv[argc] == NULL, "argv[argc] == NULL");
	check(environ == argv + argc + 1, "envp follows argv's NULL");
	char **e = environ;
	while (*e != NULL)
		e++;
	Elf64_auxv_t *auxv = (Elf64_auxv_t *)(e + 1);
	bool found_pagesz = false;
	int n = 0;
	for (; auxv->a_type != AT_NULL && n < 64; auxv++, n++)
		found_pagesz = found_pagesz || (auxv->a_type == AT_PAGESZ && auxv->a_un.a_val == 4096);
	check(found_pagesz && n < 64, "auxv follows envp's NULL and ends with AT_NULL");
	check((char *)argv[0] > (char *)(auxv + 1), "strings lie above the vectors");
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	check(execfn != NULL && strcmp(execfn, argv[0]) == 0, "AT_EXECFN is the path we were started with (argv[0])");
	check(((unsigned long)argv & 7) == 0, "argv is 8-byte aligned");
	volatile double d = 1.5; /* SSE spills need a 16-byte aligned stack */
	check(d * 2 == 3.0, "floating point works from main");
}

static void test_relocations(void)
{
	section("relocated data and TLS");
	check_long(*data_ptr, 1234, "a pointer to data");
	check_str(words[1], "beta", "a table of string pointers");
	check_long(ops[0](41) + ops[1](21), 84, "a table of function pointers");
	check_long(tls_value, 77, "initialised TLS");
	check_long(tls_zero[50], 0, "zeroed TLS");
	pthread_t t;
	void *ok = NULL;
	pthread_create(&t, NULL, tls_thread, NULL);
	pthread_join(t, &ok);
	check(ok == (void *)1L, "a new thread gets fresh TLS copies");
	check_long(tls_value, 77, "ours unchanged");
}

static void test_permissions(void)
{
	section("segment permissions");
	check_fault(probe_write, (void *)test_permissions, SIGSEGV, SEGV_ACCERR, (void *)test_permissions,
		    "write to our own code");
	check_fault(probe_write, (void *)words[0], SIGSEGV, SEGV_ACCERR, (void *)words[0], "write to a string constant");
	check_fault(probe_write, (void *)&__ehdr_start, SIGSEGV, SEGV_ACCERR, (void *)&__ehdr_start,
		    "write to the ELF header");
	static unsigned char code_in_data[16] = {0xb8, 42, 0, 0, 0, 0xc3};
	check_fault(probe_exec, code_in_data, SIGSEGV, SEGV_ACCERR, code_in_data, "execute from .data");
	static unsigned char code_in_bss[16];
	check_fault(probe_exec, code_in_bss, SIGSEGV, SEGV_ACCERR, code_in_bss, "execute from .bss");
	target_value = 4321;
	check_long(*data_ptr, 4321, ".data is writable");
}

static void test_brk(void)
{
	section("brk");
	char *cur = (char *)syscall(SYS_brk, 0);
	if (!GUEST_PIE)
		check(cur >= _end, "the break starts above the image");
	char *grown = (char *)syscall(SYS_brk, cur + 8192);
	check(grown == cur + 8192, "brk grows");
	grown[-1] = 'x';
	cur[0] = 'y';
	check(grown[-1] == 'x' && cur[0] == 'y', "and the new memory works");
	syscall(SYS_brk, cur);
}

int main(int argc, char **argv)
{
	test_header();
	test_stack(argc, argv);
	test_relocations();
	test_permissions();
	test_brk();
	return check_done();
}
