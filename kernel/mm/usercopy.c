#include "mm/usercopy.h"

#include "asm/layout.h"
#include "asm/usercopy.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/vmspace.h"

bool user_range_ok(uint64_t addr, size_t n)
{
	return addr <= USER_TOP && n <= USER_TOP - addr;
}

int copy_from_user(void *dst, uint64_t src, size_t n)
{
	if (!user_range_ok(src, n))
		return -EFAULT;
	return arch_copy_user(dst, (const void *)src, n) == 0 ? 0 : -EFAULT;
}

int copy_to_user(uint64_t dst, const void *src, size_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	return arch_copy_user((void *)dst, src, n) == 0 ? 0 : -EFAULT;
}

int clear_user(uint64_t dst, size_t n)
{
	if (!user_range_ok(dst, n))
		return -EFAULT;
	return arch_clear_user((void *)dst, n) == 0 ? 0 : -EFAULT;
}

long strncpy_from_user(char *dst, uint64_t src, size_t max)
{
	size_t done = 0;

	/* Copy up to each page end at a time: within a page, reading past the NUL is safe. */
	while (done < max) {
		uint64_t addr = src + done;
		size_t chunk = PAGE_SIZE - (addr & (PAGE_SIZE - 1));
		if (chunk > max - done)
			chunk = max - done;
		if (copy_from_user(dst + done, addr, chunk) != 0)
			return -EFAULT;
		for (size_t i = 0; i < chunk; i++) {
			if (dst[done + i] == '\0')
				return (long)(done + i);
		}
		done += chunk;
	}
	dst[max - 1] = '\0';
	return -ENAMETOOLONG;
}
