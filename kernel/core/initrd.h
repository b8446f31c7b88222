/* The initial RAM disk (a cpio newc archive passed by the boot loader as module 0). */
#ifndef CORE_INITRD_H
#define CORE_INITRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Finds and checks the initrd; reports what it holds (or why it is unusable). */
bool initrd_init(void);
/* The archive, once initrd_init() succeeded. */
const void *initrd_data(size_t *size);
/* Its physical range (for mapping it, read-only, into the I/O server). */
void initrd_range(uint64_t *phys, size_t *size);
/* Gives the archive's memory back to the page allocator (nobody may use it any more):
 * the archive is gone afterwards (initrd_find: ENOENT). Returns the bytes given back. */
size_t initrd_release(void);
/*
 * A regular file of the archive by its path ("/sbin/iod"; symlinks are not
 * followed): the I/O server's own program is loaded from here, since nothing
 * else can read files before it runs. 0, -ENOENT, or -EACCES (not a file).
 */
int initrd_find(const char *path, const void **data, size_t *size, uint32_t *mode);

#endif
