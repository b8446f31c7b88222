/*
 * bss - a program with a 64 MiB .bss and 1 MiB of initialised .data: the
 * loader must map the file part, zero the rest of the last file page (the
 * bytes between the end of .data and the page end come from the file and
 * must not leak), and back the remainder with zero pages, lazily.
 */
#include "check.h"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define BSS_SIZE (64UL << 20)
#define DATA_SIZE (1UL << 20)

extern char edata[], end[]; /* linker symbols: end of .data, end of .bss */

static unsigned char big_bss[BSS_SIZE];
static unsigned int big_data[DATA_SIZE / 4] = {
	[0] = 0x01020304, [1] = 0xa5a5a5a5, [DATA_SIZE / 8] = 0xdeadbeef, [DATA_SIZE / 4 - 1] = 0x55aa55aa};
static int small_bss_after;

static bool zero_range(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

int main(void)
{
	section("large .data");
	check_hex(big_data[0], 0x01020304, "first word");
	check_hex(big_data[1], 0xa5a5a5a5, "second word");
	check_hex(big_data[DATA_SIZE / 8], 0xdeadbeef, "middle word");
	check_hex(big_data[DATA_SIZE / 4 - 1], 0x55aa55aa, "last word");
	check(zero_range((unsigned char *)&big_data[2], 4096), "zeros in between");

	section("large .bss");
	/* (The zeroing of the file page's tail is also tested with junk bytes
	 * by data/elf/tiny_bss in the elf test: here musl's own .bss variables
	 * share that page and are written at start-up.) */
	check((unsigned long)big_bss >= (unsigned long)edata, "the array lies above the end of .data");
	check(zero_range(big_bss, 4096), "first page of the big array is zero");
	check(zero_range(big_bss + BSS_SIZE - 4096, 4096), "last page is zero");
	bool sampled = true;
	for (size_t off = 0; off < BSS_SIZE; off += 1 << 20)
		sampled = sampled && big_bss[off + 777] == 0;
	check(sampled, "one byte per MiB is zero");
	check_long(small_bss_after, 0, "a small .bss variable");
	check((char *)&big_bss[BSS_SIZE - 1] < end, "the array lies below _end");

	for (size_t off = 0; off < BSS_SIZE; off += 4 << 20)
		big_bss[off] = (unsigned char)(off >> 22);
	big_bss[BSS_SIZE - 1] = 0x77;
	bool kept = big_bss[BSS_SIZE - 1] == 0x77;
	for (size_t off = 0; off < BSS_SIZE; off += 4 << 20)
		kept = kept && big_bss[off] == (unsigned char)(off >> 22) && big_bss[off + 1] == 0;
	check(kept, "writes across it read back");
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	check(ru.ru_maxrss < 48 * 1024, "max RSS < 48 MiB: the untouched .bss was never populated");
	return check_done();
}
