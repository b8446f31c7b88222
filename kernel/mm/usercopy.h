/*
 * Checked access to user memory: every pointer a system call receives goes
 * through these. A bad pointer (kernel address, unmapped, wrong protection)
 * gives -EFAULT; the kernel never faults on it.
 */
#ifndef MM_USERCOPY_H
#define MM_USERCOPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True if [addr, addr+n) lies in user space (it may still be unmapped). */
bool user_range_ok(uint64_t addr, size_t n);

int copy_from_user(void *dst, uint64_t src, size_t n);
int copy_to_user(uint64_t dst, const void *src, size_t n);
int clear_user(uint64_t dst, size_t n);
/* Copies a NUL-terminated string of at most max-1 bytes; returns its length, -EFAULT or -ENAMETOOLONG. */
long strncpy_from_user(char *dst, uint64_t src, size_t max);

#define get_user(dst, addr) copy_from_user(&(dst), (addr), sizeof(dst))
#define put_user(addr, value)                                                \
	({                                                                   \
		__typeof__(value) put_user_tmp = (value);                    \
		copy_to_user((addr), &put_user_tmp, sizeof(put_user_tmp));   \
	})

#endif
