/*
 * The kernel's own symbol table, for backtraces with function names. The build
 * links the kernel twice: the second link embeds the sorted text symbols of the
 * first (tools/gen_ksyms.py), which sit after all code so no address moves.
 */
#ifndef CORE_KSYMS_H
#define CORE_KSYMS_H

#include <stdint.h>

/* The name of the function containing addr and addr's offset in it, or NULL. */
const char *ksyms_lookup(uint64_t addr, uint64_t *offset);

#endif
