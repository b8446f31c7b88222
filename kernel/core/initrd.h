/* The initial RAM disk (a cpio newc archive passed by the boot loader as module 0). */
#ifndef CORE_INITRD_H
#define CORE_INITRD_H

#include <stdbool.h>
#include <stddef.h>

/* Finds and checks the initrd; reports what it holds (or why it is unusable). */
bool initrd_init(void);
/* The archive, once initrd_init() succeeded. */
const void *initrd_data(size_t *size);

#endif
