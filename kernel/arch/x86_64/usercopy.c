#include "asm/usercopy.h"

struct extable_entry {
	uint64_t insn, fixup;
};

extern const struct extable_entry usercopy_extable[], usercopy_extable_end[];

uint64_t usercopy_fixup(uint64_t rip)
{
	for (const struct extable_entry *e = usercopy_extable; e < usercopy_extable_end; e++) {
		if (e->insn == rip)
			return e->fixup;
	}
	return 0;
}
