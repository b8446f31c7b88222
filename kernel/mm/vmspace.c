#include "mm/vmspace.h"

#include "asm/layout.h"
#include "asm/paging.h"
#include "asm/tlb.h"
#include "core/log.h"
#include "core/panic.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "sched/cpu.h"

/* A gap of free pages kept under a growing stack (Linux's stack_guard_gap). */
#define STACK_GUARD_GAP (256 * PAGE_SIZE)
/* The kernel half of every address space is the kernel's own: PML4 slots 256..511. */
#define KERNEL_PML4_FIRST 256

/* Set up once by the first vmspace_create(); a page of zeros mapped read-only for read faults. */
static uint64_t zero_page;
/* The address space each CPU has loaded (NULL: the kernel's tables); each CPU writes its own. */
static struct vmspace *loaded[MAX_CPUS];

uint64_t kernel_vm_root(void);

static uint64_t page_down(uint64_t v) { return v & ~(PAGE_SIZE - 1); }
static uint64_t page_up(uint64_t v) { return (v + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1); }

static uint64_t alloc_table(void)
{
	return pmm_alloc_zeroed(0);
}

static void free_table(uint64_t pa)
{
	pmm_free(pa, 0);
}

/* ---------------------------------------------------------------- objects */

struct vm_object *vm_object_anon(uint64_t size)
{
	struct vm_object *o = kzalloc(sizeof(*o));

	if (o == NULL)
		return NULL;
	o->npages = page_up(size) / PAGE_SIZE;
	o->pages = kzalloc(o->npages * sizeof(uint64_t) + 1);
	if (o->pages == NULL) {
		kfree(o);
		return NULL;
	}
	o->refs = 1;
	o->kind = VM_OBJECT_ANON;
	spin_init(&o->lock, "vm-object");
	return o;
}

struct vm_object *vm_object_data(const void *data, uint64_t size)
{
	struct vm_object *o = kzalloc(sizeof(*o));

	if (o == NULL)
		return NULL;
	o->refs = 1;
	o->kind = VM_OBJECT_DATA;
	o->data = data;
	o->size = size;
	spin_init(&o->lock, "vm-object");
	return o;
}

struct vm_object *vm_object_data_copy(const void *data, uint64_t size)
{
	void *copy = kmalloc(size > 0 ? size : 1);
	if (copy == NULL)
		return NULL;
	memcpy(copy, data, size);
	struct vm_object *o = vm_object_data(copy, size);
	if (o == NULL) {
		kfree(copy);
		return NULL;
	}
	o->owns_data = true;
	return o;
}

struct vm_object *vm_object_phys(uint64_t phys, uint64_t size, bool uncached)
{
	struct vm_object *o = kzalloc(sizeof(*o));

	if (o == NULL)
		return NULL;
	o->refs = 1;
	o->kind = VM_OBJECT_PHYS;
	o->phys = phys;
	o->size = size;
	o->npages = page_up(size) / PAGE_SIZE;
	o->uncached = uncached;
	spin_init(&o->lock, "vm-object");
	return o;
}

struct vm_object *vm_object_file(const struct vm_object_ops *ops, void *source, uint64_t size)
{
	struct vm_object *o = vm_object_anon(size);

	if (o == NULL)
		return NULL;
	o->kind = VM_OBJECT_FILE;
	o->ops = ops;
	o->source = source;
	o->size = size;
	return o;
}

bool vm_object_set_page(struct vm_object *o, uint64_t index, uint64_t pa)
{
	bool taken = false;

	spin_lock(&o->lock);
	if (index < o->npages && o->pages[index] == 0) {
		o->pages[index] = pa;
		taken = true;
	}
	spin_unlock(&o->lock);
	return taken;
}

static void vm_object_get(struct vm_object *o)
{
	__atomic_add_fetch(&o->refs, 1, __ATOMIC_RELAXED);
}

void vm_object_put(struct vm_object *o)
{
	if (o == NULL || __atomic_sub_fetch(&o->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (o->kind == VM_OBJECT_ANON || o->kind == VM_OBJECT_FILE) {
		for (uint64_t i = 0; i < o->npages; i++) {
			if (o->pages[i] != 0)
				pmm_page_unref(o->pages[i]);
		}
		kfree(o->pages);
	}
	if (o->kind == VM_OBJECT_FILE && o->ops->release != NULL)
		o->ops->release(o);
	if (o->owns_data)
		kfree((void *)(uintptr_t)o->data);
	kfree(o);
}

bool vm_object_tryget(struct vm_object *o)
{
	int refs = __atomic_load_n(&o->refs, __ATOMIC_RELAXED);
	while (refs > 0) {
		if (__atomic_compare_exchange_n(&o->refs, &refs, refs + 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

void vm_object_drop_pages(struct vm_object *o, uint64_t first, uint64_t end)
{
	for (uint64_t i = first; i < o->npages && i < end; i++) {
		spin_lock(&o->lock);
		uint64_t pa = o->pages[i];
		o->pages[i] = 0;
		spin_unlock(&o->lock);
		if (pa != 0)
			pmm_page_unref(pa);
	}
}

/* A FILE object's page at index with a new reference, or 0 if it has not been fetched yet. */
static uint64_t file_object_page(struct vm_object *o, uint64_t index)
{
	uint64_t pa = 0;

	spin_lock(&o->lock);
	if (index < o->npages && o->pages[index] != 0) {
		pa = o->pages[index];
		pmm_page_ref(pa);
	}
	spin_unlock(&o->lock);
	return pa;
}

/* Fetches a FILE object's page (no locks held: the fill may sleep). 0 or a FAULT_* code. */
static int file_object_fill(struct vm_object *o, uint64_t index, bool shared)
{
	uint64_t pa = 0;

	if (index >= o->npages)
		return FAULT_SIGBUS;
	int e = o->ops->fill(o, index, shared, &pa);
	if (e == -ENOMEM)
		return FAULT_OOM;
	if (e != 0)
		return FAULT_SIGBUS;
	if (!vm_object_set_page(o, index, pa))
		pmm_page_unref(pa); /* another fault fetched it first */
	return 0;
}

/* The page at index i of an anonymous object, allocated on first use (zeroed), with a new reference. */
static uint64_t anon_object_page(struct vm_object *o, uint64_t index)
{
	uint64_t pa = 0;

	spin_lock(&o->lock);
	if (index < o->npages) {
		if (o->pages[index] == 0)
			o->pages[index] = pmm_alloc_zeroed(0);
		pa = o->pages[index];
		if (pa != 0)
			pmm_page_ref(pa);
	}
	spin_unlock(&o->lock);
	return pa;
}

/* ---------------------------------------------------------------- regions */

/* The first region ending above addr (it may start above addr too), or NULL. */
static struct vma *find_vma_above(struct vmspace *vs, uint64_t addr)
{
	for (struct list_node *n = vs->vmas.next; n != &vs->vmas; n = n->next) {
		struct vma *v = list_entry(n, struct vma, link);
		if (v->end > addr)
			return v;
	}
	return NULL;
}

static struct vma *find_vma(struct vmspace *vs, uint64_t addr)
{
	struct vma *v = find_vma_above(vs, addr);
	return v != NULL && v->start <= addr ? v : NULL;
}

static struct vma *prev_vma(struct vmspace *vs, struct vma *v)
{
	return v->link.prev == &vs->vmas ? NULL : list_entry(v->link.prev, struct vma, link);
}

static struct vma *next_vma(struct vmspace *vs, struct vma *v)
{
	return v->link.next == &vs->vmas ? NULL : list_entry(v->link.next, struct vma, link);
}

static void insert_vma(struct vmspace *vs, struct vma *nv)
{
	struct list_node *pos = vs->vmas.next;

	while (pos != &vs->vmas && list_entry(pos, struct vma, link)->start < nv->start)
		pos = pos->next;
	list_insert_between(&nv->link, pos->prev, pos);
}

/* Splits v at addr (inside it); the upper part becomes a new region. Returns it or NULL. */
static struct vma *split_vma(struct vmspace *vs, struct vma *v, uint64_t addr)
{
	struct vma *upper = kmalloc(sizeof(*upper));

	if (upper == NULL)
		return NULL;
	*upper = *v;
	upper->start = addr;
	upper->offset = v->offset + (addr - v->start);
	if (upper->object != NULL)
		vm_object_get(upper->object);
	v->end = addr;
	insert_vma(vs, upper);
	return upper;
}

/* Makes region boundaries fall at start and end; -ENOMEM if a split fails. */
static int split_at(struct vmspace *vs, uint64_t start, uint64_t end)
{
	struct vma *v = find_vma(vs, start);

	if (v != NULL && v->start < start && split_vma(vs, v, start) == NULL)
		return -ENOMEM;
	v = find_vma(vs, end);
	if (v != NULL && v->start < end && split_vma(vs, v, end) == NULL)
		return -ENOMEM;
	return 0;
}

/* ---------------------------------------------------------------- pages */

/*
 * Unmapping gathers the pages it takes out and frees them only after the TLB
 * flush: until then another CPU running this space may still reach them
 * through a stale entry, and a freed page may already belong to someone else.
 */
#define UNMAP_BATCH 64

struct unmap_ctx {
	struct vmspace *vs;
	uint64_t start, end;
	unsigned n;
	uint64_t pages[UNMAP_BATCH];
};

static void unmap_flush(struct unmap_ctx *u)
{
	tlb_flush_range(u->vs->root, &u->vs->cpu_mask, u->start, u->end);
	for (unsigned i = 0; i < u->n; i++)
		pmm_page_unref(u->pages[i]);
	u->n = 0;
}

static void drop_leaf(void *ctx, uint64_t va, uint64_t *pte)
{
	struct unmap_ctx *u = ctx;

	(void)va;
	if (pte_unmanaged(*pte)) {
		*pte = 0; /* not the allocator's: nothing to give back */
		return;
	}
	if (u->n == UNMAP_BATCH)
		unmap_flush(u);
	u->pages[u->n++] = pte_address(*pte);
	*pte = 0;
	u->vs->rss_pages--;
}

/* Removes the pages of [start, end) from the page tables, flushes the TLBs, then frees them. */
static void drop_pages(struct vmspace *vs, uint64_t start, uint64_t end)
{
	struct unmap_ctx u = {.vs = vs, .start = start, .end = end, .n = 0};

	pt_for_each_leaf(vs->root, start, end, drop_leaf, &u);
	unmap_flush(&u);
}

static void free_vma(struct vma *v)
{
	vm_object_put(v->object);
	kfree(v);
}

/* Unmaps [start, end), which must be page aligned. Caller holds the lock. */
static int unmap_locked(struct vmspace *vs, uint64_t start, uint64_t end)
{
	int err = split_at(vs, start, end);

	if (err != 0)
		return err;
	struct vma *v = find_vma_above(vs, start);
	while (v != NULL && v->start < end) {
		struct vma *next = next_vma(vs, v);
		list_remove(&v->link);
		free_vma(v);
		v = next;
	}
	drop_pages(vs, start, end);
	return 0;
}

/* The PTE bits for a page of region v; writable only where it may be written without a copy. */
static uint64_t leaf_bits(const struct vma *v, bool writable)
{
	unsigned flags = VM_USER;

	if ((v->prot & VM_PROT_WRITE) && writable)
		flags |= VM_WRITE;
	if (v->prot & VM_PROT_EXEC)
		flags |= VM_EXEC;
	if (v->object != NULL && v->object->kind == VM_OBJECT_PHYS) {
		if (v->object->uncached)
			flags |= VM_NOCACHE;
		return paging_pte_flags(flags) | PTE_UNMANAGED;
	}
	return paging_pte_flags(flags);
}

/* ---------------------------------------------------------------- faults */

/* Fills a new private page for region v at va; returns its physical address or 0 (out of memory). */
static uint64_t fill_private_page(const struct vma *v, uint64_t va)
{
	uint64_t pa = pmm_alloc(0);

	if (pa == 0)
		return 0;
	uint8_t *dst = phys_to_virt(pa);
	uint64_t off = v->offset + (va - v->start);
	uint64_t n = 0;
	if (v->object != NULL && v->object->kind == VM_OBJECT_DATA && off < v->object->size) {
		n = v->object->size - off < PAGE_SIZE ? v->object->size - off : PAGE_SIZE;
		memcpy(dst, v->object->data + off, n);
	}
	memset(dst + n, 0, PAGE_SIZE - n);
	return pa;
}

/* A page was touched that is mapped read-only in a writable private region: copy it (or just take it). */
static int break_cow(struct vmspace *vs, uint64_t *pte, const struct vma *v, uint64_t va)
{
	uint64_t old = pte_address(*pte);

	if (old != zero_page && pmm_page_refcount(old) == 1) {
		/* Only a permission upgrade: a stale read-only TLB entry just faults again, and the
		 * fault itself drops it, so no flush is needed. */
		*pte |= PTE_WRITE;
		return 0;
	}
	uint64_t pa = pmm_alloc(0);
	if (pa == 0)
		return FAULT_OOM;
	memcpy(phys_to_virt(pa), phys_to_virt(old), PAGE_SIZE);
	*pte = pa | leaf_bits(v, true);
	/* Flush before letting go: until then other CPUs may read the old page through stale entries. */
	tlb_flush_page(vs->root, &vs->cpu_mask, va);
	pmm_page_unref(old);
	return 0;
}

/* Extends a stack region down to cover addr if the rules allow; returns it or NULL. */
static struct vma *grow_stack(struct vmspace *vs, uint64_t addr)
{
	struct vma *v = find_vma_above(vs, addr);

	if (v == NULL || !(v->flags & VMA_GROWSDOWN) || addr >= v->start)
		return NULL;
	uint64_t new_start = page_down(addr);
	if (vs->stack_top - new_start > vs->stack_limit)
		return NULL;
	struct vma *below = prev_vma(vs, v);
	if (below != NULL && below->end + STACK_GUARD_GAP > new_start)
		return NULL;
	v->start = new_start;
	return v;
}

static bool access_allowed(const struct vma *v, unsigned access)
{
	if (access & FAULT_WRITE)
		return (v->prot & VM_PROT_WRITE) != 0;
	if (access & FAULT_EXEC)
		return (v->prot & VM_PROT_EXEC) != 0;
	return (v->prot & (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC)) != 0;
}

/* A FILE page the fault needs fetched first (fault_locked answers FAULT_NEED_PAGE). */
#define FAULT_NEED_PAGE 100
struct page_need {
	struct vm_object *object; /* with a reference */
	uint64_t index;
	bool shared;
};

/* The page for a not-present fault in a FILE region, or FAULT_NEED_PAGE. */
static int file_fault_page(const struct vma *v, uint64_t va, unsigned access, struct page_need *need,
			   uint64_t *pa, bool *writable)
{
	struct vm_object *o = v->object;
	uint64_t index = (v->offset + (va - v->start)) / PAGE_SIZE;
	bool shared = (v->flags & VMA_SHARED) != 0;

	if (!shared && index * PAGE_SIZE >= o->size) {
		/* Past the object's bytes in a private region: a program's .bss. */
		*pa = pmm_alloc_zeroed(0);
		*writable = true;
		return *pa != 0 ? 0 : FAULT_OOM;
	}
	uint64_t src = file_object_page(o, index);

	if (src == 0) {
		if (index >= o->npages)
			return FAULT_SIGBUS;
		vm_object_get(o);
		need->object = o;
		need->index = index;
		need->shared = (v->flags & VMA_SHARED) != 0;
		return FAULT_NEED_PAGE;
	}
	uint64_t valid = o->size - index * PAGE_SIZE < PAGE_SIZE ? o->size - index * PAGE_SIZE : PAGE_SIZE;
	if (shared || (!(access & FAULT_WRITE) && valid == PAGE_SIZE)) {
		/* Shared: the file's page itself. Private read: the same, read-only until a write copies it. */
		*pa = src;
		*writable = shared;
		return 0;
	}
	/* A private copy: for a write, or for a last page the object covers only in part
	 * (a segment ending inside a page: the rest of the page reads as zeros). */
	*pa = pmm_alloc(0);
	if (*pa != 0) {
		memcpy(phys_to_virt(*pa), phys_to_virt(src), valid);
		memset((uint8_t *)phys_to_virt(*pa) + valid, 0, PAGE_SIZE - valid);
	}
	pmm_page_unref(src);
	*writable = true;
	return *pa != 0 ? 0 : FAULT_OOM;
}

static int fault_locked(struct vmspace *vs, uint64_t addr, unsigned access, struct page_need *need)
{
	struct vma *v = find_vma(vs, addr);

	if (v == NULL)
		v = grow_stack(vs, addr);
	if (v == NULL)
		return FAULT_SEGV_MAPERR;
	if (!access_allowed(v, access))
		return FAULT_SEGV_ACCERR;
	uint64_t va = page_down(addr);
	uint64_t *pte = pt_walk(vs->root, va, true, alloc_table);
	if (pte == NULL)
		return FAULT_OOM;
	if (pte_present(*pte)) {
		if ((access & FAULT_WRITE) && !pte_writable(*pte)) {
			if (v->flags & VMA_SHARED) {
				*pte |= PTE_WRITE; /* an upgrade: no flush needed (see break_cow) */
				return 0;
			}
			return break_cow(vs, pte, v, va);
		}
		return 0; /* another thread got here first */
	}
	uint64_t pa = 0;
	bool writable = true;
	struct vm_object *o = v->object;
	if (o != NULL && o->kind == VM_OBJECT_PHYS) {
		uint64_t index = (v->offset + (va - v->start)) / PAGE_SIZE;
		if (index >= o->npages)
			return FAULT_SIGBUS;
		*pte = (o->phys + index * PAGE_SIZE) | leaf_bits(v, true);
		return 0;
	}
	if (o != NULL && o->kind == VM_OBJECT_FILE) {
		int r = file_fault_page(v, va, access, need, &pa, &writable);
		if (r != 0)
			return r;
	} else if (v->flags & VMA_SHARED) {
		pa = anon_object_page(v->object, (v->offset + (va - v->start)) / PAGE_SIZE);
	} else if (v->object == NULL && !(access & FAULT_WRITE)) {
		pa = zero_page;
		pmm_page_ref(pa);
		writable = false;
	} else {
		pa = fill_private_page(v, va);
	}
	if (pa == 0)
		return FAULT_OOM;
	*pte = pa | leaf_bits(v, writable);
	vs->rss_pages++;
	return 0;
}

/* A region may be unmapped and remapped while a fill sleeps: give up after this many rounds. */
#define FAULT_FILL_ROUNDS 8

int vmspace_fault(struct vmspace *vs, uint64_t addr, unsigned access)
{
	if (addr >= USER_TOP)
		return FAULT_SEGV_MAPERR;
	for (int round = 0; round < FAULT_FILL_ROUNDS; round++) {
		struct page_need need = {0};
		spin_lock(&vs->lock);
		int r = fault_locked(vs, addr, access, &need);
		spin_unlock(&vs->lock);
		if (r != FAULT_NEED_PAGE)
			return r;
		r = file_object_fill(need.object, need.index, need.shared);
		vm_object_put(need.object);
		if (r != 0)
			return r;
	}
	return FAULT_SIGBUS;
}

uint64_t vmspace_get_page(struct vmspace *vs, uint64_t addr, bool write)
{
	if (addr >= USER_TOP)
		return 0;
	for (int round = 0; round < FAULT_FILL_ROUNDS; round++) {
		uint64_t pa = 0;
		struct page_need need = {0};
		int r = 0;
		spin_lock(&vs->lock);
		uint64_t *pte = pt_walk(vs->root, page_down(addr), false, alloc_table);
		if (pte == NULL || !pte_present(*pte) || (write && !pte_writable(*pte))) {
			r = fault_locked(vs, addr, write ? FAULT_WRITE : 0, &need);
			pte = r == 0 ? pt_walk(vs->root, page_down(addr), false, alloc_table) : NULL;
		}
		/* Device memory and the initramfs are nobody's to hand out. */
		if (pte != NULL && pte_present(*pte) && !pte_unmanaged(*pte)) {
			pa = pte_address(*pte);
			pmm_page_ref(pa);
		}
		spin_unlock(&vs->lock);
		if (r != FAULT_NEED_PAGE)
			return pa;
		r = file_object_fill(need.object, need.index, need.shared);
		vm_object_put(need.object);
		if (r != 0)
			return 0;
	}
	return 0;
}

/* ---------------------------------------------------------------- whole spaces */

struct vmspace *vmspace_create(void)
{
	struct vmspace *vs = kzalloc(sizeof(*vs));

	if (vs == NULL)
		return NULL;
	if (zero_page == 0) {
		zero_page = pmm_alloc_zeroed(0); /* its first reference is never dropped */
		if (zero_page == 0) {
			kfree(vs);
			return NULL;
		}
	}
	vs->root = pmm_alloc_zeroed(0);
	if (vs->root == 0) {
		kfree(vs);
		return NULL;
	}
	uint64_t *dst = phys_to_virt(vs->root), *src = phys_to_virt(kernel_vm_root());
	for (unsigned i = KERNEL_PML4_FIRST; i < PT_ENTRIES; i++)
		dst[i] = src[i];
	vs->refs = 1;
	spin_init(&vs->lock, "vmspace");
	list_init(&vs->vmas);
	return vs;
}

void vmspace_get(struct vmspace *vs)
{
	__atomic_add_fetch(&vs->refs, 1, __ATOMIC_RELAXED);
}

void vmspace_put(struct vmspace *vs)
{
	if (vs == NULL || __atomic_sub_fetch(&vs->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (loaded[this_cpu()->id] == vs)
		vmspace_activate(NULL); /* the last thread is leaving it */
	while (!list_empty(&vs->vmas)) {
		struct vma *v = list_entry(vs->vmas.next, struct vma, link);
		list_remove(&v->link);
		free_vma(v);
	}
	drop_pages(vs, 0, USER_TOP);
	pt_free_user_tables(vs->root, free_table);
	pmm_free(vs->root, 0);
	kfree(vs);
}

void vmspace_activate(struct vmspace *vs)
{
	unsigned cpu = this_cpu()->id;
	uint64_t bit = 1ull << cpu;
	struct vmspace *old = loaded[cpu];

	if (old == vs)
		return;
	/* Join the new space's mask before loading it: a shootdown then cannot miss us. */
	if (vs != NULL)
		__atomic_or_fetch(&vs->cpu_mask, bit, __ATOMIC_SEQ_CST);
	load_cr3_root(vs != NULL ? vs->root : kernel_vm_root());
	loaded[cpu] = vs;
	if (old != NULL)
		__atomic_and_fetch(&old->cpu_mask, ~bit, __ATOMIC_SEQ_CST);
}

struct fork_ctx {
	struct vmspace *child;
	const struct vma *vma;
	bool failed;
};

static void fork_leaf(void *arg, uint64_t va, uint64_t *pte)
{
	struct fork_ctx *f = arg;

	if (f->failed)
		return;
	uint64_t *cpte = pt_walk(f->child->root, va, true, alloc_table);
	if (cpte == NULL) {
		f->failed = true;
		return;
	}
	if (!(f->vma->flags & VMA_SHARED))
		*pte &= ~PTE_WRITE; /* both sides copy on their next write */
	*cpte = *pte;
	if (!pte_unmanaged(*pte)) {
		pmm_page_ref(pte_address(*pte));
		f->child->rss_pages++;
	}
}

struct vmspace *vmspace_fork(struct vmspace *parent)
{
	struct vmspace *child = vmspace_create();
	bool failed = false;

	if (child == NULL)
		return NULL;
	spin_lock(&parent->lock);
	child->brk_start = parent->brk_start;
	child->brk = parent->brk;
	child->mmap_base = parent->mmap_base;
	child->stack_top = parent->stack_top;
	child->stack_limit = parent->stack_limit;
	for (struct list_node *n = parent->vmas.next; n != &parent->vmas && !failed; n = n->next) {
		const struct vma *v = list_entry(n, struct vma, link);
		struct vma *copy = kmalloc(sizeof(*copy));
		if (copy == NULL) {
			failed = true;
			break;
		}
		*copy = *v;
		if (copy->object != NULL)
			vm_object_get(copy->object);
		list_push_back(&child->vmas, &copy->link);
		struct fork_ctx f = {child, v, false};
		pt_for_each_leaf(parent->root, v->start, v->end, fork_leaf, &f);
		failed = f.failed;
	}
	tlb_flush_all(parent->root, &parent->cpu_mask);
	spin_unlock(&parent->lock);
	if (failed) {
		vmspace_put(child);
		return NULL;
	}
	return child;
}

/* ---------------------------------------------------------------- mapping calls */

/*
 * Linux's default overcommit heuristic (OVERCOMMIT_GUESS): one request for more
 * memory than the machine has at all fails at once. Only memory that will
 * need fresh pages counts (private writable or shared anonymous).
 */
static bool enough_memory(uint64_t len)
{
	return len / PAGE_SIZE <= pmm_total_pages();
}

/* The highest free range of len bytes below limit (and above USER_BOTTOM); 0 if none. */
static uint64_t find_free_range(struct vmspace *vs, uint64_t len, uint64_t limit)
{
	uint64_t top = limit;

	for (struct list_node *n = vs->vmas.prev; n != &vs->vmas; n = n->prev) {
		struct vma *v = list_entry(n, struct vma, link);
		if (v->start >= top)
			continue;
		if (v->end < top && top - v->end >= len)
			return top - len;
		top = v->start;
	}
	if (top > USER_BOTTOM && top - USER_BOTTOM >= len)
		return top - len;
	return 0;
}

static bool range_free(struct vmspace *vs, uint64_t start, uint64_t end)
{
	struct vma *v = find_vma_above(vs, start);
	return v == NULL || v->start >= end;
}

int64_t vmspace_map(struct vmspace *vs, uint64_t addr, uint64_t len, unsigned prot, unsigned flags,
		    struct vm_object *object, uint64_t offset, bool fixed, bool noreplace)
{
	len = page_up(len);
	if (len == 0 || len > USER_TOP)
		return -ENOMEM;
	if (((prot & VM_PROT_WRITE) || (flags & VMA_SHARED)) && !enough_memory(len))
		return -ENOMEM;
	struct vma *nv = kzalloc(sizeof(*nv));
	if (nv == NULL)
		return -ENOMEM;
	spin_lock(&vs->lock);
	if (fixed) {
		if (addr < USER_BOTTOM || addr > USER_TOP - len) {
			spin_unlock(&vs->lock);
			kfree(nv);
			return -ENOMEM;
		}
		if (!range_free(vs, addr, addr + len)) {
			if (noreplace) {
				spin_unlock(&vs->lock);
				kfree(nv);
				return -EEXIST;
			}
			int err = unmap_locked(vs, addr, addr + len);
			if (err != 0) {
				spin_unlock(&vs->lock);
				kfree(nv);
				return err;
			}
		}
	} else {
		uint64_t hint = page_down(addr);
		if (hint >= USER_BOTTOM && hint <= USER_TOP - len && range_free(vs, hint, hint + len))
			addr = hint;
		else
			addr = find_free_range(vs, len, vs->mmap_base);
		if (addr == 0) {
			spin_unlock(&vs->lock);
			kfree(nv);
			return -ENOMEM;
		}
	}
	nv->start = addr;
	nv->end = addr + len;
	nv->prot = prot;
	nv->flags = flags;
	nv->object = object;
	nv->offset = offset;
	if (object != NULL)
		vm_object_get(object);
	insert_vma(vs, nv);
	spin_unlock(&vs->lock);
	return (int64_t)addr;
}

int vmspace_unmap(struct vmspace *vs, uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) != 0 || len == 0 || addr >= USER_TOP || page_up(len) > USER_TOP - addr)
		return -EINVAL;
	spin_lock(&vs->lock);
	int err = unmap_locked(vs, addr, addr + page_up(len));
	spin_unlock(&vs->lock);
	return err;
}

struct protect_ctx {
	struct vma *vma;
};

static void protect_leaf(void *arg, uint64_t va, uint64_t *pte)
{
	struct protect_ctx *p = arg;
	uint64_t pa = pte_address(*pte);
	/* A private page may be written in place only while nobody else maps it. */
	bool unmanaged = pte_unmanaged(*pte);
	bool writable = (p->vma->flags & VMA_SHARED) ||
			(!unmanaged && pa != zero_page && pmm_page_refcount(pa) == 1);

	(void)va;
	if (!(p->vma->prot & (VM_PROT_READ | VM_PROT_WRITE | VM_PROT_EXEC))) {
		/* PROT_NONE: keep the page, make every access fault. */
		*pte = pa | PTE_SAVED | (unmanaged ? PTE_UNMANAGED : 0);
		return;
	}
	*pte = pa | leaf_bits(p->vma, writable);
}

int vmspace_protect(struct vmspace *vs, uint64_t addr, uint64_t len, unsigned prot)
{
	if ((addr & (PAGE_SIZE - 1)) != 0 || page_up(len) < len)
		return -EINVAL;
	if (addr >= USER_TOP || page_up(len) > USER_TOP - addr)
		return -ENOMEM;
	uint64_t end = addr + page_up(len);
	if (len == 0)
		return 0;
	spin_lock(&vs->lock);
	/* Linux: every page of the range must be mapped, else ENOMEM and nothing changes. */
	for (uint64_t a = addr; a < end;) {
		struct vma *v = find_vma(vs, a);
		if (v == NULL) {
			spin_unlock(&vs->lock);
			return -ENOMEM;
		}
		if ((prot & VM_PROT_WRITE) && (v->flags & VMA_NOWRITE)) {
			spin_unlock(&vs->lock);
			return -EACCES; /* Linux: a shared mapping of a file opened read-only */
		}
		a = v->end;
	}
	int err = split_at(vs, addr, end);
	if (err != 0) {
		spin_unlock(&vs->lock);
		return err;
	}
	for (struct vma *v = find_vma(vs, addr); v != NULL && v->start < end; v = next_vma(vs, v)) {
		v->prot = prot;
		struct protect_ctx p = {v};
		pt_for_each_leaf(vs->root, v->start, v->end, protect_leaf, &p);
	}
	tlb_flush_range(vs->root, &vs->cpu_mask, addr, end);
	spin_unlock(&vs->lock);
	return 0;
}

int vmspace_discard(struct vmspace *vs, uint64_t addr, uint64_t len)
{
	if ((addr & (PAGE_SIZE - 1)) != 0 || addr + page_up(len) < addr)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (addr >= USER_TOP || page_up(len) > USER_TOP - addr)
		return -ENOMEM;
	uint64_t end = addr + page_up(len);
	int err = 0;
	spin_lock(&vs->lock);
	/* Linux applies the advice to what is mapped and reports ENOMEM for any hole. */
	for (uint64_t a = addr; a < end;) {
		struct vma *v = find_vma_above(vs, a);
		if (v == NULL || v->start > a) {
			err = -ENOMEM;
			if (v == NULL)
				break;
		}
		a = v->end;
	}
	for (uint64_t a = addr; a < end;) {
		struct vma *v = find_vma_above(vs, a);
		if (v == NULL || v->start >= end)
			break;
		uint64_t s = v->start > a ? v->start : a, e = v->end < end ? v->end : end;
		/* Private mappings read back zeros (or the file) afterwards; shared ones keep their data. */
		if (!(v->flags & VMA_SHARED))
			drop_pages(vs, s, e);
		a = e;
	}
	spin_unlock(&vs->lock);
	return err;
}

void vmspace_zap_object(struct vmspace *vs, struct vm_object *o, uint64_t first, uint64_t end)
{
	/* Object offsets, clipped to what the object holds. */
	uint64_t from = first * PAGE_SIZE, to = end < o->npages ? end * PAGE_SIZE : o->npages * PAGE_SIZE;

	spin_lock(&vs->lock);
	for (struct list_node *l = vs->vmas.next; l != &vs->vmas; l = l->next) {
		struct vma *v = list_entry(l, struct vma, link);
		uint64_t vend = v->offset + (v->end - v->start);
		if (v->object != o || from >= vend || to <= v->offset)
			continue;
		uint64_t s = from > v->offset ? v->start + (from - v->offset) : v->start;
		uint64_t e = to < vend ? v->start + (to - v->offset) : v->end;
		drop_pages(vs, s, e);
	}
	spin_unlock(&vs->lock);
}

bool vmspace_range_ok(struct vmspace *vs, uint64_t addr, uint64_t len, unsigned prot)
{
	uint64_t end = addr + len;
	bool ok = true;

	if (end < addr || end > USER_TOP)
		return false;
	spin_lock(&vs->lock);
	for (uint64_t a = addr; a < end && ok;) {
		struct vma *v = find_vma(vs, a);
		if (v == NULL || (v->prot & prot) != prot)
			ok = false;
		else
			a = v->end;
	}
	spin_unlock(&vs->lock);
	return ok;
}

struct move_ctx {
	struct vmspace *vs;
	int64_t delta;
	bool failed;
};

static void move_leaf(void *arg, uint64_t va, uint64_t *pte)
{
	struct move_ctx *m = arg;
	uint64_t *dst = pt_walk(m->vs->root, (uint64_t)((int64_t)va + m->delta), true, alloc_table);

	if (dst == NULL) {
		m->failed = true;
		return;
	}
	*dst = *pte;
	*pte = 0;
}

int64_t vmspace_remap(struct vmspace *vs, uint64_t old_addr, uint64_t old_len, uint64_t new_len, bool may_move,
		      bool fixed, uint64_t new_addr)
{
	old_len = page_up(old_len);
	new_len = page_up(new_len);
	if ((old_addr & (PAGE_SIZE - 1)) != 0 || new_len == 0 || old_len == 0)
		return -EINVAL;
	if (old_addr >= USER_TOP || old_len > USER_TOP - old_addr)
		return -EFAULT; /* nothing of ours is mapped there (Linux: no vma) */
	if (fixed && (!may_move || (new_addr & (PAGE_SIZE - 1)) != 0 || new_addr >= USER_TOP ||
		      new_len > USER_TOP - new_addr ||
		      (new_addr < old_addr + old_len && old_addr < new_addr + new_len)))
		return -EINVAL;
	spin_lock(&vs->lock);
	struct vma *v = find_vma(vs, old_addr);
	if (v == NULL || v->end < old_addr + old_len) {
		spin_unlock(&vs->lock);
		return -EFAULT;
	}
	if (!fixed && new_len <= old_len) {
		int err = new_len < old_len ? unmap_locked(vs, old_addr + new_len, old_addr + old_len) : 0;
		spin_unlock(&vs->lock);
		return err != 0 ? err : (int64_t)old_addr;
	}
	if (!fixed && v->end == old_addr + old_len && range_free(vs, v->end, old_addr + new_len) &&
	    old_addr + new_len <= USER_TOP && (v->object == NULL || v->object->kind == VM_OBJECT_DATA)) {
		v->end = old_addr + new_len; /* grow in place */
		spin_unlock(&vs->lock);
		return (int64_t)old_addr;
	}
	if (!may_move) {
		spin_unlock(&vs->lock);
		return -ENOMEM;
	}
	if (split_at(vs, old_addr, old_addr + old_len) != 0) {
		spin_unlock(&vs->lock);
		return -ENOMEM;
	}
	v = find_vma(vs, old_addr);
	uint64_t dest;
	if (fixed) {
		if (unmap_locked(vs, new_addr, new_addr + new_len) != 0) {
			spin_unlock(&vs->lock);
			return -ENOMEM;
		}
		dest = new_addr;
	} else {
		dest = find_free_range(vs, new_len, vs->mmap_base);
		if (dest == 0) {
			spin_unlock(&vs->lock);
			return -ENOMEM;
		}
	}
	/* Move the region and its pages, then cut or extend it to new_len. */
	uint64_t keep = old_len < new_len ? old_len : new_len;
	if (keep < old_len)
		unmap_locked(vs, old_addr + keep, old_addr + old_len);
	v = find_vma(vs, old_addr);
	struct move_ctx m = {vs, (int64_t)(dest - old_addr), false};
	pt_for_each_leaf(vs->root, old_addr, old_addr + keep, move_leaf, &m);
	list_remove(&v->link);
	v->start = dest;
	v->end = dest + new_len;
	insert_vma(vs, v);
	tlb_flush_all(vs->root, &vs->cpu_mask);
	spin_unlock(&vs->lock);
	return m.failed ? -ENOMEM : (int64_t)dest;
}

uint64_t vmspace_brk(struct vmspace *vs, uint64_t new_brk)
{
	spin_lock(&vs->lock);
	uint64_t old = vs->brk;
	if (new_brk < vs->brk_start || new_brk >= USER_TOP) {
		spin_unlock(&vs->lock);
		return old;
	}
	uint64_t old_end = page_up(old), new_end = page_up(new_brk);
	if (new_end > old_end && !enough_memory(new_end - old_end)) {
		spin_unlock(&vs->lock);
		return old;
	}
	if (new_end > old_end) {
		if (!range_free(vs, old_end, new_end + STACK_GUARD_GAP)) {
			spin_unlock(&vs->lock);
			return old;
		}
		struct vma *heap = old_end > vs->brk_start ? find_vma(vs, old_end - 1) : NULL;
		if (heap != NULL && heap->end == old_end && heap->object == NULL && !(heap->flags & VMA_SHARED)) {
			heap->end = new_end;
		} else {
			struct vma *nv = kzalloc(sizeof(*nv));
			if (nv == NULL) {
				spin_unlock(&vs->lock);
				return old;
			}
			nv->start = old_end;
			nv->end = new_end;
			nv->prot = VM_PROT_READ | VM_PROT_WRITE;
			insert_vma(vs, nv);
		}
	} else if (new_end < old_end) {
		unmap_locked(vs, new_end, old_end);
	}
	vs->brk = new_brk;
	spin_unlock(&vs->lock);
	return new_brk;
}

int vmspace_write(struct vmspace *vs, uint64_t addr, const void *src, size_t len)
{
	const uint8_t *from = src;

	while (len > 0) {
		uint64_t pa = vmspace_get_page(vs, addr, true);
		if (pa == 0)
			return -EFAULT;
		size_t off = addr & (PAGE_SIZE - 1);
		size_t n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
		memcpy((uint8_t *)phys_to_virt(pa) + off, from, n);
		pmm_page_unref(pa);
		addr += n;
		from += n;
		len -= n;
	}
	return 0;
}

int vmspace_shared_key(struct vmspace *vs, uint64_t addr, uintptr_t *object, uint64_t *offset)
{
	int r = 0;

	spin_lock(&vs->lock);
	struct vma *v = find_vma(vs, addr);
	if (v == NULL) {
		r = -EFAULT;
	} else if ((v->flags & VMA_SHARED) && v->object != NULL) {
		*object = (uintptr_t)v->object;
		*offset = v->offset + (addr - v->start);
		r = 1;
	}
	spin_unlock(&vs->lock);
	return r;
}

bool vmspace_page_resident(struct vmspace *vs, uint64_t addr)
{
	spin_lock(&vs->lock);
	uint64_t *pte = pt_walk(vs->root, page_down(addr), false, alloc_table);
	bool present = pte != NULL && (pte_present(*pte) || (*pte & PTE_SAVED));
	spin_unlock(&vs->lock);
	return present;
}
