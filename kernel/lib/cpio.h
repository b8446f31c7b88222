/*
 * Reading a cpio "newc" archive (the initramfs format; see the Linux kernel's
 * Documentation/driver-api/early-userspace/buffer-format.rst and cpio(5)).
 * The reader never reads outside [archive, archive + size): a truncated or
 * corrupt archive gives CPIO_ERROR, not a crash.
 */
#ifndef LIB_CPIO_H
#define LIB_CPIO_H

#include <stddef.h>
#include <stdint.h>

struct cpio_entry {
	const char *name;  /* points into the archive; namesize-1 bytes, NUL-terminated */
	size_t name_len;
	const void *data;  /* file contents (or symlink target), data_len bytes */
	size_t data_len;
	uint32_t mode;     /* st_mode: type and permission bits */
	uint32_t uid, gid;
	uint32_t nlink;
	uint32_t mtime;
	uint32_t ino;
	uint32_t dev_major, dev_minor;   /* device holding the file */
	uint32_t rdev_major, rdev_minor; /* for device nodes */
};

enum cpio_status {
	CPIO_ENTRY = 1, /* *entry is filled in */
	CPIO_END = 0,   /* the TRAILER!!! record was reached */
	CPIO_ERROR = -1 /* malformed or truncated; *error says why */
};

/* Reads the entry at *offset and advances *offset past it. */
enum cpio_status cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_entry *entry,
			   const char **error);

#endif
