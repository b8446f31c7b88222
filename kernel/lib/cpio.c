#include "lib/cpio.h"

#include <stdbool.h>

#include "lib/string.h"

/* The newc header: a 6-byte magic and 13 fields of 8 hex digits. */
#define CPIO_HEADER_SIZE 110
#define CPIO_FIELD_COUNT 13
#define CPIO_TRAILER "TRAILER!!!"

enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE, F_DEVMAJOR, F_DEVMINOR,
	F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK
};

static bool parse_hex8(const char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = p[i];
		uint32_t d;
		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return false;
		v = (v << 4) | d;
	}
	*out = v;
	return true;
}

static size_t align4(size_t v)
{
	return (v + 3) & ~(size_t)3;
}

enum cpio_status cpio_next(const void *archive, size_t size, size_t *offset, struct cpio_entry *entry,
			   const char **error)
{
	const char *base = archive;
	size_t off = *offset;
	uint32_t f[CPIO_FIELD_COUNT];

	if (off > size || size - off < CPIO_HEADER_SIZE) {
		*error = "truncated header";
		return CPIO_ERROR;
	}
	const char *h = base + off;
	if (memcmp(h, "070701", 6) != 0 && memcmp(h, "070702", 6) != 0) {
		*error = "bad magic (not a cpio newc archive)";
		return CPIO_ERROR;
	}
	for (int i = 0; i < CPIO_FIELD_COUNT; i++) {
		if (!parse_hex8(h + 6 + 8 * i, &f[i])) {
			*error = "bad header field";
			return CPIO_ERROR;
		}
	}
	size_t name_off = off + CPIO_HEADER_SIZE;
	if (f[F_NAMESIZE] == 0 || f[F_NAMESIZE] > size - name_off) {
		*error = "bad name size";
		return CPIO_ERROR;
	}
	const char *name = base + name_off;
	if (name[f[F_NAMESIZE] - 1] != '\0') {
		*error = "name not terminated";
		return CPIO_ERROR;
	}
	size_t data_off = align4(name_off + f[F_NAMESIZE]);
	if (data_off > size || f[F_FILESIZE] > size - data_off) {
		*error = "truncated file data";
		return CPIO_ERROR;
	}
	entry->name = name;
	entry->name_len = f[F_NAMESIZE] - 1;
	if (strnlen(name, entry->name_len) != entry->name_len) {
		*error = "NUL inside name";
		return CPIO_ERROR;
	}
	if (strcmp(name, CPIO_TRAILER) == 0) {
		*offset = align4(data_off + f[F_FILESIZE]);
		return CPIO_END;
	}
	entry->data = base + data_off;
	entry->data_len = f[F_FILESIZE];
	entry->mode = f[F_MODE];
	entry->uid = f[F_UID];
	entry->gid = f[F_GID];
	entry->nlink = f[F_NLINK];
	entry->mtime = f[F_MTIME];
	entry->ino = f[F_INO];
	entry->dev_major = f[F_DEVMAJOR];
	entry->dev_minor = f[F_DEVMINOR];
	entry->rdev_major = f[F_RDEVMAJOR];
	entry->rdev_minor = f[F_RDEVMINOR];
	size_t next = align4(data_off + f[F_FILESIZE]);
	*offset = next < size ? next : size;
	return CPIO_ENTRY;
}
