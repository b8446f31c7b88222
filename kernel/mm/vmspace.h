/*
 * User address spaces: a set of regions (struct vma) and the page tables that
 * map them, filled in lazily by page faults. Private pages are shared
 * copy-on-write after fork; shared anonymous memory lives in a vm_object that
 * every sharer maps. Kernel data (the I/O server's own program image) is
 * copied into private pages on first touch. File pages come from the I/O
 * server through a FILE object's fill operation, which may sleep: the fault
 * path drops the lock for it and tries again. PHYS objects map fixed physical
 * memory (device windows, the initramfs) that nobody reference counts.
 *
 * Locking: vmspace.lock (a spinlock, never held across a user-memory access or a
 * block) protects the region list and the page tables' user half.
 */
#ifndef MM_VMSPACE_H
#define MM_VMSPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/spinlock.h"
#include "lib/list.h"

/* The top of user space (Linux's TASK_SIZE: the last page below the canonical hole is unused). */
#define USER_TOP 0x00007ffffffff000ull
#define USER_BOTTOM 0x10000ull /* mmap_min_addr: NULL-pointer accesses always fault */

/* Region protection: Linux's PROT_* values. */
#define VM_PROT_READ 0x1
#define VM_PROT_WRITE 0x2
#define VM_PROT_EXEC 0x4

/* Region flags. */
#define VMA_SHARED 0x1    /* writes are seen by every mapper */
#define VMA_GROWSDOWN 0x2 /* the stack: faults just below extend it */
#define VMA_NOWRITE 0x4   /* may never be made writable (mprotect: EACCES), like a read-only file */

enum vm_object_kind { VM_OBJECT_ANON, VM_OBJECT_DATA, VM_OBJECT_PHYS, VM_OBJECT_FILE };

struct vm_object;

/* How a FILE object gets its pages (kernel/fd/remote.c for I/O server files). */
struct vm_object_ops {
	/*
	 * The page at index (file offset index * PAGE_SIZE), with a reference for the
	 * caller: for a shared mapping (shared) a page of the file itself, created if
	 * the file has a hole there; else the file's page or the zero page for a hole.
	 * -EFAULT past the end of the file (SIGBUS), -ENOMEM, -EIO. May sleep.
	 */
	int (*fill)(struct vm_object *o, uint64_t index, bool shared, uint64_t *pa);
	void (*release)(struct vm_object *o);
	/* For /proc/<pid>/maps: the file's absolute path (NUL-terminated in path), device,
	 * inode and the file offset of the object's first page; 0 or -errno. May sleep.
	 * Optional. */
	int (*describe)(struct vm_object *o, char *path, size_t cap, uint64_t *dev, uint64_t *ino, uint64_t *base);
};

/* Backing store shared between regions (reference counted). */
struct vm_object {
	int refs;
	enum vm_object_kind kind;
	struct spinlock lock;   /* protects pages */
	uint64_t *pages;        /* ANON, FILE: physical page per index, 0 = not there yet */
	uint64_t npages;
	const uint8_t *data;    /* DATA: bytes to copy from (stays valid for the object's life) */
	uint64_t size;
	uint64_t phys;          /* PHYS: the first physical address */
	bool uncached;          /* PHYS: device memory */
	bool owns_data;         /* DATA: data is the object's own copy (freed with it) */
	const struct vm_object_ops *ops; /* FILE */
	void *source;           /* FILE: the ops' own (the open file) */
};

struct vma {
	uint64_t start, end;    /* page aligned, [start, end) */
	unsigned prot;
	unsigned flags;
	struct vm_object *object; /* NULL: private anonymous memory */
	uint64_t offset;        /* object offset of start */
	struct list_node link;  /* in vmspace.vmas, sorted by address */
};

struct vmspace {
	int refs;               /* threads sharing it (CLONE_VM) */
	struct spinlock lock;
	uint64_t root;          /* physical address of the top-level page table */
	struct list_node vmas;
	uint64_t brk_start, brk;
	uint64_t mmap_base;     /* top-down placement starts below here */
	uint64_t stack_top;
	uint64_t stack_limit;   /* how far the stack may grow (RLIMIT_STACK) */
	uint64_t rss_pages;
	uint64_t cpu_mask;      /* CPUs that have it loaded (TLB shootdown targets) */
};

/* Fault outcomes (besides 0 for handled). */
#define FAULT_SEGV_MAPERR 1 /* no region there */
#define FAULT_SEGV_ACCERR 2 /* region forbids the access */
#define FAULT_OOM 3         /* no memory for the page */
#define FAULT_SIGBUS 4      /* a file mapping past the end of its file, or its file is gone */

#define FAULT_WRITE 0x1
#define FAULT_EXEC 0x2
#define FAULT_USER 0x4

struct vmspace *vmspace_create(void);
void vmspace_get(struct vmspace *vs);
/* Drops a reference; the last one frees every page and table. */
void vmspace_put(struct vmspace *vs);
/* A copy-on-write copy for fork; NULL when out of memory. */
struct vmspace *vmspace_fork(struct vmspace *parent);
/* Switches the CPU to vs (NULL: kernel tables only). */
void vmspace_activate(struct vmspace *vs);

/* Handles a fault at addr; returns 0 or FAULT_*. May sleep (file pages). */
int vmspace_fault(struct vmspace *vs, uint64_t addr, unsigned access);

/*
 * Maps a region. With fixed, [addr, addr+len) replaces whatever was there
 * (unless noreplace: -EEXIST); otherwise addr is a hint and a free range is
 * chosen top-down. object may be NULL (private anonymous); the vmspace takes a
 * reference on it. Returns the address or a -errno.
 */
int64_t vmspace_map(struct vmspace *vs, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		    struct vm_object *object, uint64_t offset, bool fixed, bool noreplace);
int vmspace_unmap(struct vmspace *vs, uint64_t addr, uint64_t len);
int vmspace_protect(struct vmspace *vs, uint64_t addr, uint64_t len, unsigned prot);
/* Drops the pages of private anonymous memory in the range (MADV_DONTNEED). */
int vmspace_discard(struct vmspace *vs, uint64_t addr, uint64_t len);
int64_t vmspace_remap(struct vmspace *vs, uint64_t old_addr, uint64_t old_len, uint64_t new_len, bool may_move,
		      bool fixed, uint64_t new_addr);
/* Moves the program break; returns the new break (the old one on failure), like Linux. */
uint64_t vmspace_brk(struct vmspace *vs, uint64_t new_brk);
/* True when [addr, addr+len) is wholly covered by regions allowing prot. */
bool vmspace_range_ok(struct vmspace *vs, uint64_t addr, uint64_t len, unsigned prot);

struct vm_object *vm_object_anon(uint64_t size);
struct vm_object *vm_object_data(const void *data, uint64_t size);
/* The same over a private copy of the bytes (the source may go away afterwards); NULL when out of memory. */
struct vm_object *vm_object_data_copy(const void *data, uint64_t size);
/* Physical memory [phys, phys + size) mapped as is (uncached: device memory). */
struct vm_object *vm_object_phys(uint64_t phys, uint64_t size, bool uncached);
/* An object of `size` bytes whose pages ops->fill provides; ops->release(o) at the last put. */
struct vm_object *vm_object_file(const struct vm_object_ops *ops, void *source, uint64_t size);
/* Gives an anonymous object the page at index (the object takes the reference); false if taken. */
bool vm_object_set_page(struct vm_object *o, uint64_t index, uint64_t pa);
void vm_object_put(struct vm_object *o);
/* Takes a reference unless the object is already being freed; false then. */
bool vm_object_tryget(struct vm_object *o);
/* A FILE object forgets its pages with index in [first, end) (fetched again on the next fault). */
void vm_object_drop_pages(struct vm_object *o, uint64_t first, uint64_t end);
/* Removes vs's page-table entries for pages of object o with index in [first, end), in every
 * region mapping it (private copies of them too, as Linux's truncation does), and flushes the TLBs. */
void vmspace_zap_object(struct vmspace *vs, struct vm_object *o, uint64_t first, uint64_t end);

/* Is a page present at addr (mincore)? */
bool vmspace_page_resident(struct vmspace *vs, uint64_t addr);

/* For futexes: 1 and the stable identity (object, offset) if addr is in shared memory, 0 if in private
 * memory, -EFAULT if unmapped. */
int vmspace_shared_key(struct vmspace *vs, uint64_t addr, uintptr_t *object, uint64_t *offset);

/* Writes kernel data into vs at a user address (faulting pages in), for exec; 0 or -EFAULT/-ENOMEM. */
int vmspace_write(struct vmspace *vs, uint64_t addr, const void *src, size_t len);

/* The page mapped at a user address, with a reference; 0 if none (faults it in if needed). */
uint64_t vmspace_get_page(struct vmspace *vs, uint64_t addr, bool write);

#endif
