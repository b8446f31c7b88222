/*
 * Copying between kernel and user memory. A fault inside the copy either is
 * resolved (lazy allocation, copy-on-write, stack growth) and the copy goes on,
 * or ends the copy early: the caller gets how much was not copied and turns
 * that into EFAULT. With SMAP, user memory is reachable only inside these copies.
 */
#ifndef ASM_USERCOPY_H
#define ASM_USERCOPY_H

#include <stdint.h>

/* Copies n bytes; returns the number of bytes NOT copied (0 on success). No range checks. */
uint64_t arch_copy_user(void *dst, const void *src, uint64_t n);
/* Fills n user bytes with zero; returns the number not written. */
uint64_t arch_clear_user(void *dst, uint64_t n);

/* If rip is inside a user copy, returns where to resume after a fault; else 0. */
uint64_t usercopy_fixup(uint64_t rip);

#endif
