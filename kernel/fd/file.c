#include "fd/file.h"

#include "fd/epoll.h"
#include "fd/remote.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "proc/process.h"

struct file *file_create(const struct file_ops *ops, unsigned flags, void *priv)
{
	struct file *f = kzalloc(sizeof(*f));

	if (f == NULL)
		return NULL;
	f->refs = 1;
	f->ops = ops;
	f->flags = flags;
	f->priv = priv;
	spin_init(&f->lock, "file");
	list_init(&f->epitems);
	return f;
}

void file_get(struct file *f)
{
	__atomic_add_fetch(&f->refs, 1, __ATOMIC_RELAXED);
}

bool file_tryget(struct file *f)
{
	int refs = __atomic_load_n(&f->refs, __ATOMIC_RELAXED);

	while (refs > 0) {
		if (__atomic_compare_exchange_n(&f->refs, &refs, refs + 1, true, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return true;
	}
	return false;
}

void file_put(struct file *f)
{
	if (f == NULL || __atomic_sub_fetch(&f->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	epoll_file_released(f);
	if (f->ops->release != NULL)
		f->ops->release(f);
	kfree(f);
}

/* O_PATH files can be neither read nor written (EBADF), as on Linux. */
bool file_readable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY && !(f->flags & O_PATH);
}

bool file_writable(const struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY && !(f->flags & O_PATH);
}

/* ---------------------------------------------------------------- descriptor tables */

/* A descriptor of f was closed: POSIX record locks go with any close (Linux), then the reference. */
static void descriptor_closed(struct file *f)
{
	if (f == NULL)
		return;
	remote_file_closed(f, 0);
	file_put(f);
}

#define FD_INITIAL_SLOTS 64

struct fd_table *fd_table_create(void)
{
	struct fd_table *t = kzalloc(sizeof(*t));

	if (t == NULL)
		return NULL;
	t->size = FD_INITIAL_SLOTS;
	t->files = kzalloc(t->size * sizeof(*t->files));
	t->cloexec = kzalloc(t->size);
	if (t->files == NULL || t->cloexec == NULL) {
		kfree(t->files);
		kfree(t->cloexec);
		kfree(t);
		return NULL;
	}
	t->refs = 1;
	spin_init(&t->lock, "fd-table");
	return t;
}

/* Grows the table to hold fd; caller holds the lock. false when out of memory. */
static bool grow(struct fd_table *t, unsigned fd)
{
	if (fd < t->size)
		return true;
	unsigned size = t->size;
	while (size <= fd)
		size *= 2;
	struct file **files = kzalloc(size * sizeof(*files));
	uint8_t *cloexec = kzalloc(size);
	if (files == NULL || cloexec == NULL) {
		kfree(files);
		kfree(cloexec);
		return false;
	}
	memcpy(files, t->files, t->size * sizeof(*files));
	memcpy(cloexec, t->cloexec, t->size);
	kfree(t->files);
	kfree(t->cloexec);
	t->files = files;
	t->cloexec = cloexec;
	t->size = size;
	return true;
}

struct fd_table *fd_table_copy(struct fd_table *src)
{
	struct fd_table *t = fd_table_create();

	if (t == NULL)
		return NULL;
	spin_lock(&src->lock);
	if (!grow(t, src->size - 1)) {
		spin_unlock(&src->lock);
		fd_table_put(t);
		return NULL;
	}
	for (unsigned i = 0; i < src->size; i++) {
		t->files[i] = src->files[i];
		t->cloexec[i] = src->cloexec[i];
		if (t->files[i] != NULL)
			file_get(t->files[i]);
	}
	spin_unlock(&src->lock);
	return t;
}

void fd_table_put(struct fd_table *t)
{
	if (t == NULL || __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (unsigned i = 0; i < t->size; i++)
		descriptor_closed(t->files[i]);
	kfree(t->files);
	kfree(t->cloexec);
	kfree(t);
}

int fd_install(struct fd_table *t, struct file *f, int min, bool cloexec, unsigned limit)
{
	if (min < 0 || (unsigned)min >= limit)
		return -EINVAL;
	spin_lock(&t->lock);
	unsigned fd = (unsigned)min;
	while (fd < t->size && t->files[fd] != NULL)
		fd++;
	if (fd >= limit || !grow(t, fd)) {
		spin_unlock(&t->lock);
		return fd >= limit ? -EMFILE : -ENOMEM;
	}
	file_get(f);
	t->files[fd] = f;
	t->cloexec[fd] = cloexec;
	spin_unlock(&t->lock);
	return (int)fd;
}

int fd_install_at(struct fd_table *t, struct file *f, int fd, bool cloexec, unsigned limit)
{
	if (fd < 0 || (unsigned)fd >= limit)
		return -EBADF;
	spin_lock(&t->lock);
	if (!grow(t, (unsigned)fd)) {
		spin_unlock(&t->lock);
		return -ENOMEM;
	}
	struct file *old = t->files[fd];
	file_get(f);
	t->files[fd] = f;
	t->cloexec[fd] = cloexec;
	spin_unlock(&t->lock);
	descriptor_closed(old);
	return fd;
}

struct file *fd_get(struct fd_table *t, int fd)
{
	struct file *f = NULL;

	spin_lock(&t->lock);
	if (fd >= 0 && (unsigned)fd < t->size && t->files[fd] != NULL) {
		f = t->files[fd];
		file_get(f);
	}
	spin_unlock(&t->lock);
	return f;
}

int fd_close(struct fd_table *t, int fd)
{
	spin_lock(&t->lock);
	if (fd < 0 || (unsigned)fd >= t->size || t->files[fd] == NULL) {
		spin_unlock(&t->lock);
		return -EBADF;
	}
	struct file *f = t->files[fd];
	t->files[fd] = NULL;
	t->cloexec[fd] = 0;
	spin_unlock(&t->lock);
	descriptor_closed(f);
	return 0;
}

int fd_set_cloexec(struct fd_table *t, int fd, bool on)
{
	int r = -EBADF;

	spin_lock(&t->lock);
	if (fd >= 0 && (unsigned)fd < t->size && t->files[fd] != NULL) {
		t->cloexec[fd] = on;
		r = 0;
	}
	spin_unlock(&t->lock);
	return r;
}

int fd_get_cloexec(struct fd_table *t, int fd)
{
	int r = -EBADF;

	spin_lock(&t->lock);
	if (fd >= 0 && (unsigned)fd < t->size && t->files[fd] != NULL)
		r = t->cloexec[fd];
	spin_unlock(&t->lock);
	return r;
}

void fd_close_on_exec(struct fd_table *t)
{
	for (unsigned i = 0; i < t->size; i++) {
		spin_lock(&t->lock);
		struct file *f = NULL;
		if (t->files[i] != NULL && t->cloexec[i]) {
			f = t->files[i];
			t->files[i] = NULL;
			t->cloexec[i] = 0;
		}
		spin_unlock(&t->lock);
		descriptor_closed(f);
	}
}

struct file *fget(int fd)
{
	return fd_get(current_process()->fds, fd);
}
