#include "fd/remote.h"

#include "asm/layout.h"
#include "core/log.h"
#include "fd/devices.h"
#include "fd/file.h"
#include "fd/ioctl.h"
#include "fd/pipe.h"
#include "ipc/channel.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/scratch.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/usercopy.h"
#include "mm/vmspace.h"
#include "proc/process.h"

/* Pages one READ_PAGES / WRITE_PAGES request may span: 1 MiB of data per round trip. */
#define IO_CHUNK_PAGES 256u
/* Linux's MAX_RW_COUNT: one read or write moves at most this much. */
#define MAX_RW_COUNT 0x7ffff000ull

static struct channel *server_channel;
static struct vmspace *server_vm;

void remote_attach(struct channel *ch, struct vmspace *vm)
{
	vmspace_get(vm);
	server_vm = vm;
	__atomic_store_n(&server_channel, ch, __ATOMIC_RELEASE);
}

bool remote_available(void)
{
	return __atomic_load_n(&server_channel, __ATOMIC_ACQUIRE) != NULL;
}

/* A result from the server: an errno Linux could give, the redirect, or a plain success. */
static int64_t checked_result(int64_t r)
{
	if (r >= 0 || r == -TERN_EREDIRECT || r >= -4095)
		return r;
	return -EIO;
}

int64_t remote_call(struct remote_request *r)
{
	struct channel *ch = __atomic_load_n(&server_channel, __ATOMIC_ACQUIRE);
	struct channel_call c;

	r->out_len = 0;
	memset(&r->resp, 0, sizeof(r->resp));
	if (ch == NULL)
		return -EIO;
	size_t p1 = r->path != NULL ? strlen(r->path) : 0, p2 = r->path2 != NULL ? strlen(r->path2) : 0;
	if (p1 + p2 + r->in_len > TERN_IPC_SLOT_DATA)
		return -ENAMETOOLONG;
	int err = channel_call_begin(ch, &c);
	if (err != 0)
		return err;
	memcpy(c.data, r->path, p1);
	memcpy(c.data + p1, r->path2, p2);
	if (r->in_len > 0)
		memcpy(c.data + p1 + p2, r->in, r->in_len);
	struct process *p = current_process();
	c.req.op = r->op;
	c.req.pid = p != NULL ? p->pid : 0;
	c.req.path_len = (uint32_t)p1;
	c.req.path2_len = (uint32_t)p2;
	c.req.data_len = (uint32_t)(p1 + p2 + r->in_len);
	c.req.handle = r->handle;
	c.req.handle2 = r->handle2;
	c.req.offset = r->offset;
	c.req.len = r->len;
	c.req.arg0 = r->arg0;
	c.req.arg1 = r->arg1;
	int64_t result = checked_result(channel_call(&c, r->interruptible));
	r->resp = c.resp;
	r->resp.result = result;
	if (r->out != NULL && c.resp.data_len > 0) {
		size_t n = c.resp.data_len < r->out_cap ? c.resp.data_len : r->out_cap;
		memcpy(r->out, c.data, n);
		r->out_len = n;
	}
	channel_call_end(&c);
	return result;
}

void remote_stat_convert(const struct tern_fs_stat *in, struct kstat *out)
{
	memset(out, 0, sizeof(*out));
	out->dev = in->dev;
	out->ino = in->ino;
	out->rdev = in->rdev;
	out->mode = in->mode;
	out->nlink = in->nlink;
	out->uid = in->uid;
	out->gid = in->gid;
	out->size = in->size;
	out->blocks = in->blocks;
	out->blksize = in->blksize;
	out->atime.tv_sec = in->atime.sec;
	out->atime.tv_nsec = in->atime.nsec;
	out->mtime.tv_sec = in->mtime.sec;
	out->mtime.tv_nsec = in->mtime.nsec;
	out->ctime.tv_sec = in->ctime.sec;
	out->ctime.tv_nsec = in->ctime.nsec;
}

/* ---------------------------------------------------------------- open files */

struct remote_file {
	uint64_t handle;
	uint32_t mode;
	uint64_t dev, ino;     /* the node, for finding its mappings */
	bool locked;           /* POSIX locks may have been taken through it */
};

static const struct file_ops remote_ops;

static struct remote_file *rf(const struct file *f)
{
	return f->priv;
}

uint64_t remote_handle(const struct file *f)
{
	return f->ops == &remote_ops ? rf(f)->handle : TERN_FS_NO_HANDLE;
}

bool file_is_remote(const struct file *f)
{
	return f->ops == &remote_ops;
}

static bool is_dir(const struct file *f)
{
	return (rf(f)->mode & S_IFMT) == S_IFDIR;
}

bool remote_is_dir(const struct file *f)
{
	return file_is_remote(f) && is_dir(f);
}

/* The frame behind a server address (a reference for the caller), 0 if there is none. */
static uint64_t server_page(uint64_t va, bool write)
{
	if ((va & (PAGE_SIZE - 1)) != 0)
		return 0;
	return vmspace_get_page(server_vm, va, write);
}

/* Pages spanned by [offset, offset + n). */
static uint64_t pages_spanned(uint64_t offset, uint64_t n)
{
	return n == 0 ? 0 : ((offset + n - 1) / PAGE_SIZE) - offset / PAGE_SIZE + 1;
}

/* Bytes of one request starting at offset: at most IO_CHUNK_PAGES pages. */
static size_t chunk_at(uint64_t offset, size_t left)
{
	size_t room = IO_CHUNK_PAGES * PAGE_SIZE - offset % PAGE_SIZE;
	return left < room ? left : room;
}

/* Where copy_pages moves data: to or from a user buffer, or into a kernel buffer. */
enum copy_dir { TO_USER, FROM_USER, TO_KERNEL };

/*
 * Copies n bytes between the file pages listed in pages (the file range starts
 * at offset) and buf. Returns the bytes moved before a fault, or -EIO if the
 * server named a page it does not have.
 */
static int64_t copy_pages(const uint64_t *pages, uint64_t offset, uint64_t n, uint64_t buf, enum copy_dir dir)
{
	uint64_t done = 0;

	for (uint64_t i = 0; done < n; i++) {
		uint64_t in_page = (offset + done) % PAGE_SIZE;
		uint64_t piece = PAGE_SIZE - in_page < n - done ? PAGE_SIZE - in_page : n - done;
		uint64_t va = pages[i];
		int fault = 0;
		if (va == 0) {
			if (dir == FROM_USER)
				return -EIO; /* a write must get real pages */
			if (dir == TO_USER)
				fault = clear_user(buf + done, piece);
			else
				memset((uint8_t *)(uintptr_t)buf + done, 0, piece);
		} else {
			uint64_t pa = server_page(va, dir == FROM_USER);
			if (pa == 0)
				return -EIO;
			uint8_t *data = (uint8_t *)phys_to_virt(pa) + in_page;
			if (dir == TO_USER)
				fault = copy_to_user(buf + done, data, piece);
			else if (dir == FROM_USER)
				fault = copy_from_user(data, buf + done, piece);
			else
				memcpy((uint8_t *)(uintptr_t)buf + done, data, piece);
			pmm_page_unref(pa);
		}
		if (fault != 0)
			break;
		done += piece;
	}
	return (int64_t)done;
}

/* Reads at offset into buf (user or kernel); bytes read or -errno. */
static int64_t read_at(uint64_t handle, uint64_t buf, size_t len, uint64_t offset, enum copy_dir dir)
{
	uint64_t *pages = scratch_get();
	uint64_t done = 0;
	int64_t err = 0;

	if (pages == NULL)
		return -ENOMEM;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	while (done < len) {
		uint64_t off = offset + done;
		size_t want = chunk_at(off, len - done);
		struct remote_request r = {.op = TERN_FS_READ_PAGES, .handle = handle, .offset = off, .len = want,
					   .out = pages, .out_cap = IO_CHUNK_PAGES * sizeof(uint64_t)};
		int64_t n = remote_call(&r);
		if (n <= 0) {
			err = n;
			break;
		}
		if ((uint64_t)n > want)
			n = (int64_t)want;
		if (r.out_len < pages_spanned(off, (uint64_t)n) * sizeof(uint64_t)) {
			err = -EIO;
			break;
		}
		int64_t moved = copy_pages(pages, off, (uint64_t)n, buf + done, dir);
		if (moved < 0) {
			err = moved;
			break;
		}
		done += (uint64_t)moved;
		if (moved < n) {
			err = -EFAULT;
			break;
		}
		if ((size_t)n < want)
			break; /* the end of the file */
	}
	scratch_put(pages);
	return done > 0 ? (int64_t)done : err;
}

int64_t remote_read_kernel(struct file *f, void *buf, size_t len, uint64_t offset)
{
	if (!file_is_remote(f))
		return -EINVAL;
	return read_at(rf(f)->handle, (uint64_t)(uintptr_t)buf, len, offset, TO_KERNEL);
}

static int64_t remote_read(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	if (is_dir(f))
		return -EISDIR;
	if (len == 0)
		return 0;
	int64_t n = read_at(rf(f)->handle, buf, len, *pos, TO_USER);
	if (n > 0)
		*pos += (uint64_t)n;
	return n;
}

static int64_t remote_write(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	uint64_t *pages;
	uint64_t done = 0;
	int64_t err = 0;
	bool append = (f->flags & O_APPEND) != 0;

	if (is_dir(f))
		return -EISDIR;
	if (len == 0)
		return 0;
	pages = scratch_get();
	if (pages == NULL)
		return -ENOMEM;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	uint64_t offset = *pos;
	while (done < len) {
		size_t want = chunk_at(append ? 0 : offset, len - done);
		if (append && want > (IO_CHUNK_PAGES - 1) * PAGE_SIZE)
			want = (IO_CHUNK_PAGES - 1) * PAGE_SIZE; /* wherever the end is, it fits the list */
		struct remote_request r = {.op = TERN_FS_WRITE_PAGES, .handle = rf(f)->handle, .offset = offset,
					   .len = want, .arg0 = append ? TERN_PAGES_APPEND : 0, .out = pages,
					   .out_cap = IO_CHUNK_PAGES * sizeof(uint64_t)};
		int64_t n = remote_call(&r);
		if (n <= 0) {
			err = n == 0 ? -EIO : n;
			break;
		}
		if ((uint64_t)n > want)
			n = (int64_t)want;
		uint64_t at = append ? r.resp.offset : offset;
		if (r.out_len < pages_spanned(at, (uint64_t)n) * sizeof(uint64_t)) {
			err = -EIO;
			break;
		}
		int64_t moved = copy_pages(pages, at, (uint64_t)n, buf + done, FROM_USER);
		if (moved < n) {
			/* The buffer faulted (or the server lied): give back what was not written. */
			uint64_t kept = moved > 0 ? (uint64_t)moved : 0;
			struct remote_request undo = {.op = TERN_FS_WRITE_UNDO, .handle = rf(f)->handle,
						      .offset = at + kept, .arg0 = at + (uint64_t)n};
			remote_call(&undo);
			done += kept;
			offset = at + kept;
			err = moved < 0 ? moved : -EFAULT;
			break;
		}
		done += (uint64_t)n;
		offset = at + (uint64_t)n;
	}
	scratch_put(pages);
	if (done > 0)
		*pos = offset;
	return done > 0 ? (int64_t)done : err;
}

static int remote_stat_handle(uint64_t handle, struct kstat *st)
{
	struct remote_request r = {.op = TERN_FS_STAT, .handle = handle, .path = "", .arg0 = AT_EMPTY_PATH};
	int64_t e = remote_call(&r);

	if (e < 0)
		return (int)e;
	remote_stat_convert(&r.resp.stat, st);
	return 0;
}

static int remote_fstat(struct file *f, struct kstat *st)
{
	return remote_stat_handle(rf(f)->handle, st);
}

static int64_t set_pos(struct file *f, int64_t pos)
{
	if (pos >= 0)
		f->pos = (uint64_t)pos;
	return pos;
}

static int64_t remote_lseek(struct file *f, int64_t offset, int whence)
{
	int64_t base;

	if (is_dir(f)) {
		/* Directory positions are the server's cookies: only rewinding and asking make sense. */
		if (whence == SEEK_SET && offset >= 0)
			return set_pos(f, offset);
		if (whence == SEEK_CUR && offset == 0)
			return (int64_t)f->pos;
		return -EINVAL;
	}
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END: {
		struct kstat st;
		int e = remote_fstat(f, &st);
		if (e != 0)
			return e;
		base = (int64_t)st.size;
		break;
	}
	case SEEK_DATA:
	case SEEK_HOLE: {
		if (offset < 0)
			return -ENXIO;
		struct remote_request r = {.op = TERN_FS_SEEK, .handle = rf(f)->handle, .offset = (uint64_t)offset,
					   .arg0 = (uint64_t)whence};
		return set_pos(f, remote_call(&r));
	}
	default:
		return -EINVAL;
	}
	if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
		return -EINVAL;
	return set_pos(f, base + offset);
}

static int64_t remote_getdents(struct file *f, uint64_t buf, size_t len)
{
	if (!is_dir(f))
		return -ENOTDIR;
	size_t cap = len < TERN_IPC_SLOT_DATA ? len : TERN_IPC_SLOT_DATA;
	uint8_t *tmp = kmalloc(cap + 1);
	if (tmp == NULL)
		return -ENOMEM;
	struct remote_request r = {.op = TERN_FS_GETDENTS, .handle = rf(f)->handle, .offset = f->pos,
				   .len = cap, .out = tmp, .out_cap = cap};
	int64_t n = remote_call(&r);
	if (n > 0) {
		if ((uint64_t)n > r.out_len)
			n = (int64_t)r.out_len;
		if (copy_to_user(buf, tmp, (size_t)n) != 0)
			n = -EFAULT;
		else
			f->pos = r.resp.offset;
	}
	kfree(tmp);
	return n;
}

static long remote_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	if (cmd != FIONREAD || is_dir(f))
		return -ENOTTY;
	struct kstat st;
	int e = remote_fstat(f, &st);
	if (e != 0)
		return e;
	int left = st.size > f->pos ? (int)(st.size - f->pos > INT32_MAX ? INT32_MAX : st.size - f->pos) : 0;
	return put_user(arg, left);
}

_Static_assert(IO_CHUNK_PAGES * sizeof(uint64_t) <= SCRATCH_SIZE, "a page list fits a scratch buffer");

/* ---------------------------------------------------------------- mappings */

struct mapping_source {
	struct file *file;        /* a reference */
	uint64_t base;            /* the file offset of the object's first page */
	struct vm_object *object; /* the object it feeds (no reference: it owns us) */
	struct list_node link;    /* in mappings, under mappings_lock */
};

/* Every live mapping object of a server file, so a truncation can find the
 * pages it must take away from every address space. */
static struct spinlock mappings_lock = SPINLOCK_INIT("file-mappings");
static struct list_node mappings = LIST_HEAD_INIT(mappings);

/* The objects mapping node (dev, ino), each with a reference, in a kmalloc'd
 * array (*out, NULL when there are none); their number. */
static unsigned mappings_of(uint64_t dev, uint64_t ino, struct vm_object ***out)
{
	unsigned count = 0, n = 0;
	uint64_t flags = spin_lock_irqsave(&mappings_lock);
	for (struct list_node *l = mappings.next; l != &mappings; l = l->next) {
		struct mapping_source *m = list_entry(l, struct mapping_source, link);
		count += rf(m->file)->dev == dev && rf(m->file)->ino == ino;
	}
	spin_unlock_irqrestore(&mappings_lock, flags);
	*out = NULL;
	if (count == 0)
		return 0;
	/* Mappings made meanwhile were made after the change: they fault in the file as it is now. */
	struct vm_object **objects = kmalloc(count * sizeof(*objects));
	if (objects == NULL)
		return 0;
	flags = spin_lock_irqsave(&mappings_lock);
	for (struct list_node *l = mappings.next; l != &mappings && n < count; l = l->next) {
		struct mapping_source *m = list_entry(l, struct mapping_source, link);
		struct remote_file *r = rf(m->file);
		/* An object already on its way out (no references) is skipped. */
		if (r->dev == dev && r->ino == ino && vm_object_tryget(m->object))
			objects[n++] = m->object;
	}
	spin_unlock_irqrestore(&mappings_lock, flags);
	*out = objects;
	return n;
}

/* Pages of node (dev, ino) wholly inside [from, to) (byte offsets) leave every mapping. */
static void invalidate(uint64_t dev, uint64_t ino, uint64_t from, uint64_t to)
{
	struct vm_object **objects;
	unsigned n = mappings_of(dev, ino, &objects);

	from = (from + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	to &= ~(uint64_t)(PAGE_SIZE - 1);
	for (unsigned i = 0; i < n; i++) {
		struct mapping_source *m = objects[i]->source;
		uint64_t first = from > m->base ? (from - m->base) / PAGE_SIZE : 0;
		uint64_t end = to > m->base ? (to - m->base) / PAGE_SIZE : 0;
		if (first < end) {
			proc_zap_object(objects[i], first, end);
			vm_object_drop_pages(objects[i], first, end);
		}
		vm_object_put(objects[i]);
	}
	kfree(objects);
}

void remote_file_shrunk(uint64_t dev, uint64_t ino, uint64_t size)
{
	/* A fault there afterwards gets SIGBUS, or the new data once the file grows again, as on Linux. */
	invalidate(dev, ino, size, UINT64_MAX & ~(uint64_t)(PAGE_SIZE - 1));
}

void remote_file_punched(struct file *f, uint64_t offset, uint64_t len)
{
	if (file_is_remote(f))
		invalidate(rf(f)->dev, rf(f)->ino, offset, len > UINT64_MAX - offset ? UINT64_MAX : offset + len);
}

static int mapping_fill(struct vm_object *o, uint64_t index, bool shared, uint64_t *pa)
{
	struct mapping_source *m = o->source;
	uint64_t offset = m->base + index * PAGE_SIZE;
	uint64_t va = 0;
	struct remote_request r = {.op = TERN_FS_READ_PAGES, .handle = rf(m->file)->handle, .offset = offset,
				   .len = PAGE_SIZE, .arg0 = shared ? TERN_PAGES_ALLOCATE : 0, .out = &va,
				   .out_cap = sizeof(va)};
	int64_t n = remote_call(&r);

	if (n < 0)
		return (int)n;
	if (n == 0)
		return -EFAULT; /* past the end of the file: SIGBUS */
	if (r.out_len < sizeof(va))
		return -EIO;
	if (va == 0) {
		if (shared)
			return -EIO;
		*pa = pmm_alloc_zeroed(0); /* a hole, private: a page of zeros of its own */
		return *pa != 0 ? 0 : -ENOMEM;
	}
	*pa = server_page(va, shared);
	return *pa != 0 ? 0 : -EIO;
}

static void mapping_release(struct vm_object *o)
{
	struct mapping_source *m = o->source;

	uint64_t flags = spin_lock_irqsave(&mappings_lock);
	list_remove(&m->link);
	spin_unlock_irqrestore(&mappings_lock, flags);
	file_put(m->file);
	kfree(m);
}

static int mapping_describe(struct vm_object *o, char *path, size_t cap, uint64_t *dev, uint64_t *ino,
			    uint64_t *base)
{
	struct mapping_source *m = o->source;

	*base = m->base;
	*dev = rf(m->file)->dev;
	*ino = rf(m->file)->ino;
	int n = remote_getpath(m->file, path, cap);
	return n < 0 ? n : 0;
}

static const struct vm_object_ops mapping_ops = {
	.fill = mapping_fill,
	.release = mapping_release,
	.describe = mapping_describe,
};

static struct vm_object *remote_mmap_object(struct file *f, uint64_t offset, uint64_t len, bool shared)
{
	(void)shared;
	if ((rf(f)->mode & S_IFMT) != S_IFREG)
		return NULL;
	struct mapping_source *m = kmalloc(sizeof(*m));
	if (m == NULL)
		return NULL;
	struct vm_object *o = vm_object_file(&mapping_ops, m, len);
	if (o == NULL) {
		kfree(m);
		return NULL;
	}
	file_get(f);
	m->file = f;
	m->base = offset;
	m->object = o;
	uint64_t flags = spin_lock_irqsave(&mappings_lock);
	list_push_back(&mappings, &m->link);
	spin_unlock_irqrestore(&mappings_lock, flags);
	return o;
}

/* ---------------------------------------------------------------- closing */

static void send_close(uint64_t handle)
{
	struct channel *ch = __atomic_load_n(&server_channel, __ATOMIC_ACQUIRE);
	struct channel_call c;

	if (ch == NULL || channel_call_begin(ch, &c) != 0)
		return;
	c.req.op = TERN_FS_CLOSE;
	c.req.handle = handle;
	channel_call_async(&c);
}

static void remote_release(struct file *f)
{
	send_close(rf(f)->handle);
	kfree(f->priv);
}

void remote_file_closed(struct file *f, int pid)
{
	struct process *p = current_process();

	if (!file_is_remote(f) || p == NULL || !p->posix_locks)
		return;
	struct remote_request r = {.op = TERN_FS_UNLOCK_PROCESS, .handle = rf(f)->handle};
	(void)pid;
	remote_call(&r);
}

static const struct file_ops remote_ops = {
	.name = "file",
	.read = remote_read,
	.write = remote_write,
	.lseek = remote_lseek,
	/* No poll: poll/select see Linux's DEFAULT_POLLMASK, epoll refuses (EPERM), as for tmpfs files. */
	.ioctl = remote_ioctl,
	.stat = remote_fstat,
	.getdents = remote_getdents,
	.mmap_object = remote_mmap_object,
	.release = remote_release,
};

/* ---------------------------------------------------------------- opening */

/* Open flags the file keeps (status flags; the creation flags are spent). */
#define KEPT_FLAGS (O_ACCMODE | O_LARGEFILE | O_APPEND | O_NONBLOCK | O_DIRECT | O_NOATIME | O_PATH | O_DSYNC | O_SYNC)

int remote_open(uint64_t dir, const char *path, uint64_t flags, unsigned mode, struct file **out, char *redirect,
		size_t redirect_cap)
{
	struct remote_request r = {.op = TERN_FS_OPEN, .handle = dir, .path = path, .arg0 = flags, .arg1 = mode,
				   .out = redirect, .out_cap = redirect_cap > 0 ? redirect_cap - 1 : 0};
	int64_t h = remote_call(&r);

	if (h == -TERN_EREDIRECT) {
		if (redirect == NULL || redirect_cap == 0)
			return -ENOENT;
		redirect[r.out_len] = '\0';
		return -TERN_EREDIRECT;
	}
	if (h < 0)
		return (int)h;
	if ((uint64_t)h == TERN_FS_NO_HANDLE)
		return -EIO;
	struct kstat st;
	remote_stat_convert(&r.resp.stat, &st);
	uint32_t type = st.mode & S_IFMT;
	if (!(flags & O_PATH) && (type == S_IFCHR || type == S_IFIFO || type == S_IFBLK || type == S_IFSOCK)) {
		/* The node is the server's; what it stands for is the kernel's. */
		send_close((uint64_t)h);
		if (type == S_IFCHR)
			return device_open((uint32_t)st.rdev, (unsigned)flags, out);
		if (type == S_IFIFO)
			return fifo_open(&st, (unsigned)flags, out);
		return -ENXIO;
	}
	struct remote_file *priv = kzalloc(sizeof(*priv));
	struct file *f = priv != NULL ? file_create(&remote_ops, (unsigned)flags & KEPT_FLAGS, priv) : NULL;
	if (f == NULL) {
		kfree(priv);
		send_close((uint64_t)h);
		return -ENOMEM;
	}
	priv->handle = (uint64_t)h;
	priv->mode = st.mode;
	priv->dev = st.dev;
	priv->ino = st.ino;
	*out = f;
	if ((flags & O_TRUNC) && type == S_IFREG && !(flags & O_PATH))
		remote_file_shrunk(st.dev, st.ino, st.size);
	return 0;
}

/* ---------------------------------------------------------------- paths and reopening */

int remote_getpath(struct file *f, char *buf, size_t cap)
{
	if (!file_is_remote(f) || cap == 0)
		return -EINVAL;
	struct remote_request r = {.op = TERN_FS_GETPATH, .handle = rf(f)->handle, .out = buf, .out_cap = cap - 1};
	int64_t n = remote_call(&r);
	if (n < 0)
		return (int)n;
	if ((uint64_t)n > r.out_len)
		return (uint64_t)n >= cap ? -ENAMETOOLONG : -EIO;
	buf[n] = '\0';
	return (int)n;
}

int remote_reopen(struct file *f, unsigned flags, struct file **out)
{
	if (!file_is_remote(f))
		return -EINVAL;
	/* An empty path opens the handle's own node again. */
	return remote_open(rf(f)->handle, "", flags, 0, out, NULL, 0);
}

/* ---------------------------------------------------------------- record locks */

static long lock_call(struct file *f, uint64_t cmd, struct tern_fs_lock *l, bool want_result)
{
	struct remote_request r = {.op = TERN_FS_LOCK, .handle = rf(f)->handle, .arg0 = cmd, .in = l,
				   .in_len = sizeof(*l), .out = want_result ? l : NULL,
				   .out_cap = want_result ? sizeof(*l) : 0,
				   .interruptible = (cmd & TERN_LOCK_CMD_MASK) == TERN_LOCK_WAIT};
	int64_t e = remote_call(&r);

	if (e == -EINTR)
		return -ERESTARTSYS; /* a signal ended the wait: restartable, as on Linux */
	if (e == 0 && want_result && r.out_len < sizeof(*l))
		return -EIO;
	return e;
}

long remote_flock(struct file *f, unsigned op)
{
	unsigned kind = op & ~(unsigned)LOCK_NB;
	struct tern_fs_lock l = {.type = kind == LOCK_SH ? F_RDLCK : kind == LOCK_EX ? F_WRLCK : F_UNLCK,
				 .pid = current_process()->pid};
	uint64_t cmd = TERN_LOCK_FLOCK | ((op & LOCK_NB) || kind == LOCK_UN ? TERN_LOCK_SET : TERN_LOCK_WAIT);

	return lock_call(f, cmd, &l, false);
}

long remote_fcntl_lock(struct file *f, int cmd, uint64_t uflock)
{
	struct linux_flock fl;
	struct kstat st;

	if (copy_from_user(&fl, uflock, sizeof(fl)) != 0)
		return -EFAULT;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
		return -EINVAL;
	if (cmd != F_GETLK && fl.l_type == F_RDLCK && !file_readable(f))
		return -EBADF;
	if (cmd != F_GETLK && fl.l_type == F_WRLCK && !file_writable(f))
		return -EBADF;
	int64_t base;
	switch (fl.l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		if (remote_fstat(f, &st) != 0)
			return -EIO;
		base = (int64_t)st.size;
		break;
	default:
		return -EINVAL;
	}
	/* Linux: a negative length covers the bytes before start. */
	int64_t start = base + fl.l_start, len = fl.l_len;
	if ((fl.l_start > 0 && base > INT64_MAX - fl.l_start) || start < 0)
		return -EINVAL;
	if (len < 0) {
		if (start + len < 0)
			return -EINVAL;
		start += len;
		len = -len;
	}
	if (len > 0 && start > INT64_MAX - (len - 1))
		return -EOVERFLOW;
	struct tern_fs_lock l = {.type = fl.l_type, .pid = current_process()->pid, .start = (uint64_t)start,
				 .len = (uint64_t)len};
	uint64_t op = cmd == F_GETLK ? TERN_LOCK_GET : cmd == F_SETLK ? TERN_LOCK_SET : TERN_LOCK_WAIT;
	if (op != TERN_LOCK_GET)
		current_process()->posix_locks = true;
	long e = lock_call(f, op, &l, op == TERN_LOCK_GET);
	if (e != 0 || op != TERN_LOCK_GET)
		return e;
	fl.l_type = (int16_t)l.type;
	if (l.type != F_UNLCK) {
		fl.l_whence = SEEK_SET;
		fl.l_start = (int64_t)l.start;
		fl.l_len = (int64_t)l.len;
		fl.l_pid = l.pid;
	}
	return copy_to_user(uflock, &fl, sizeof(fl));
}
