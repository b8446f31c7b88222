#include "core/initrd.h"

#include <stdint.h>

#include "core/bootinfo.h"
#include "core/log.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "lib/cpio.h"
#include "mm/phys.h"
#include "mm/pmm.h"

/* Set once during boot. */
static const void *archive;
static size_t archive_size;
static uint64_t archive_phys;

/* The module must lie inside one usable RAM region (so the direct map covers it). */
static bool inside_ram(uint64_t pa, uint64_t size)
{
	for (size_t i = 0; i < boot_info.nregions; i++) {
		const struct mem_region *r = &boot_info.regions[i];
		if (r->type == MEM_USABLE && pa >= r->base && size <= r->size && pa - r->base <= r->size - size)
			return true;
	}
	return false;
}

bool initrd_init(void)
{
	if (boot_info.nmodules == 0) {
		pr_warn("initrd: none given (QEMU: -initrd build/initrd.img); there is nothing to start\n");
		return false;
	}
	const struct boot_module *m = &boot_info.modules[0];
	if (!inside_ram(m->paddr, m->size)) {
		pr_err("initrd: module at %#llx (+%llu bytes) is not in RAM; ignored\n", (unsigned long long)m->paddr,
		       (unsigned long long)m->size);
		return false;
	}
	const void *data = phys_to_virt(m->paddr);
	size_t offset = 0, files = 0, bytes = 0;
	const char *error = NULL;
	struct cpio_entry e;
	enum cpio_status st;
	while ((st = cpio_next(data, m->size, &offset, &e, &error)) == CPIO_ENTRY) {
		files++;
		bytes += e.data_len;
	}
	if (st == CPIO_ERROR) {
		pr_err("initrd: not a valid cpio newc archive (%s at offset %zu); ignored\n", error, offset);
		return false;
	}
	archive = data;
	archive_size = m->size;
	archive_phys = m->paddr;
	pr_info("initrd: %zu entries, %zu bytes of file data, %llu KiB archive\n", files, bytes,
		(unsigned long long)(m->size >> 10));
	return true;
}

const void *initrd_data(size_t *size)
{
	*size = archive_size;
	return archive;
}

size_t initrd_release(void)
{
	uint64_t start = archive_phys, end = archive_phys + archive_size;

	if (archive == NULL)
		return 0;
	archive = NULL;
	archive_size = 0;
	archive_phys = 0;
	pmm_release_reserved(start, end);
	return (size_t)(end - start);
}

void initrd_range(uint64_t *phys, size_t *size)
{
	*phys = archive_phys;
	*size = archive_size;
}

int initrd_find(const char *path, const void **data, size_t *size, uint32_t *mode)
{
	size_t offset = 0;
	const char *error = NULL;
	struct cpio_entry e;

	while (*path == '/')
		path++;
	if (archive == NULL)
		return -ENOENT;
	while (cpio_next(archive, archive_size, &offset, &e, &error) == CPIO_ENTRY) {
		const char *name = e.name;
		if (name[0] == '.' && name[1] == '/')
			name += 2;
		if (strcmp(name, path) != 0)
			continue;
		if ((e.mode & 0170000) != 0100000)
			return -EACCES;
		*data = e.data;
		*size = e.data_len;
		*mode = e.mode;
		return 0;
	}
	return -ENOENT;
}
