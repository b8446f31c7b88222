/* Memory-management system calls. */
#include "asm/layout.h"
#include "fd/file.h"
#include "fd/remote.h"
#include "lib/errno.h"
#include "linux/syscall.h"
#include "mm/usercopy.h"
#include "mm/vmspace.h"
#include "proc/process.h"

#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4
#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_HUGETLB 0x40000
#define MAP_FIXED_NOREPLACE 0x100000
#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4
#define MADV_FREE 8
#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

static struct vmspace *vm(void)
{
	return current_process()->vm;
}

SYSCALL(brk)
{
	return (long)vmspace_brk(vm(), ARG(0));
}

SYSCALL(mmap)
{
	uint64_t addr = ARG(0), len = ARG(1), off = ARG(5);
	unsigned prot = (unsigned)ARG(2), flags = (unsigned)ARG(3);
	int fd = (int)ARG(4);
	struct vm_object *obj = NULL;
	unsigned vma_flags = 0;

	if (len == 0 || (off & (PAGE_SIZE - 1)) != 0)
		return -EINVAL;
	if (len > USER_TOP)
		return -ENOMEM;
	if (prot & ~(unsigned)(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	unsigned type = flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	bool fixed = (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) != 0;
	if (fixed && (addr & (PAGE_SIZE - 1)) != 0)
		return -EINVAL;
	if (flags & MAP_GROWSDOWN)
		vma_flags |= VMA_GROWSDOWN;
	if (flags & MAP_ANONYMOUS) {
		if (type != MAP_PRIVATE) {
			obj = vm_object_anon(len);
			if (obj == NULL)
				return -ENOMEM;
			vma_flags |= VMA_SHARED;
		}
		off = 0;
	} else {
		struct file *f = fget(fd);
		if (f == NULL)
			return -EBADF;
		if (f->ops->mmap_object == NULL || remote_is_dir(f)) {
			file_put(f);
			return -ENODEV;
		}
		if (!file_readable(f) || (type != MAP_PRIVATE && (prot & PROT_WRITE) && !file_writable(f))) {
			file_put(f);
			return -EACCES;
		}
		if (off + ((len + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1)) < off) {
			file_put(f);
			return -EOVERFLOW;
		}
		if (type != MAP_PRIVATE) {
			vma_flags |= VMA_SHARED;
			if (!file_writable(f))
				vma_flags |= VMA_NOWRITE; /* mprotect may not make it writable later */
		}
		obj = f->ops->mmap_object(f, off, (len + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1), type != MAP_PRIVATE);
		file_put(f);
		if (obj == NULL)
			return -ENOMEM;
		off = 0; /* the object starts at the file offset asked for */
	}
	int64_t r = vmspace_map(vm(), addr, len, prot, vma_flags, obj, off, fixed, (flags & MAP_FIXED_NOREPLACE) != 0);
	vm_object_put(obj);
	return r;
}

SYSCALL(munmap)
{
	return vmspace_unmap(vm(), ARG(0), ARG(1));
}

SYSCALL(mprotect)
{
	unsigned prot = (unsigned)ARG(2);

	if (prot & ~(unsigned)(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	return vmspace_protect(vm(), ARG(0), ARG(1), prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
}

SYSCALL(mremap)
{
	unsigned flags = (unsigned)ARG(3);

	if (flags & ~(unsigned)(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL;
	return vmspace_remap(vm(), ARG(0), ARG(1), ARG(2), (flags & MREMAP_MAYMOVE) != 0, (flags & MREMAP_FIXED) != 0,
			     ARG(4));
}

SYSCALL(madvise)
{
	uint64_t addr = ARG(0), len = ARG(1);

	if ((addr & (PAGE_SIZE - 1)) != 0)
		return -EINVAL;
	switch ((int)ARG(2)) {
	case MADV_DONTNEED:
	case MADV_FREE:
		return vmspace_discard(vm(), addr, len);
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
		return vmspace_range_ok(vm(), addr, len, 0) ? 0 : -ENOMEM;
	default:
		return -EINVAL;
	}
}

SYSCALL(msync)
{
	uint64_t addr = ARG(0);
	int flags = (int)ARG(2);

	if ((addr & (PAGE_SIZE - 1)) != 0 || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	return vmspace_range_ok(vm(), addr, ARG(1), 0) ? 0 : -ENOMEM;
}

SYSCALL(mincore)
{
	uint64_t addr = ARG(0), len = ARG(1);

	if ((addr & (PAGE_SIZE - 1)) != 0)
		return -EINVAL;
	if (!vmspace_range_ok(vm(), addr, len, 0))
		return -ENOMEM;
	uint64_t pages = (len + PAGE_SIZE - 1) / PAGE_SIZE;
	for (uint64_t i = 0; i < pages; i++) {
		uint8_t resident = vmspace_page_resident(vm(), addr + i * PAGE_SIZE) ? 1 : 0;
		if (put_user(ARG(2) + i, resident) != 0)
			return -EFAULT;
	}
	return 0;
}

/* Memory is never swapped: locking always succeeds. */
SYSCALL(mlock)
{
	return vmspace_range_ok(vm(), ARG(0) & ~(PAGE_SIZE - 1), ARG(1), 0) ? 0 : -ENOMEM;
}

SYSCALL(munlock)
{
	(void)args;
	return 0;
}
