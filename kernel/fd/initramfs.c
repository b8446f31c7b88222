#include "fd/initramfs.h"

#include "core/log.h"
#include "fd/devices.h"
#include "fd/poll.h"
#include "lib/cpio.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/usercopy.h"
#include "mm/vmspace.h"

#define MAX_SYMLINK_FOLLOWS 40
#define SYMLINK_TARGET_MAX 4096
#define ROOT_DEV 1
#define BLOCK_SIZE 4096

/* Built once at boot, read-only afterwards. */
static struct ifs_node root = {.name = "", .mode = S_IFDIR | 0755, .ino = 1, .parent = &root};
static uint64_t next_ino = 2;

struct ifs_node *initramfs_root(void)
{
	return &root;
}

static struct ifs_node *find_child(struct ifs_node *dir, const char *name, size_t len)
{
	for (struct ifs_node *c = dir->children; c != NULL; c = c->next) {
		if (strlen(c->name) == len && memcmp(c->name, name, len) == 0)
			return c;
	}
	return NULL;
}

static struct ifs_node *add_child(struct ifs_node *dir, const char *name, size_t len, uint32_t mode)
{
	struct ifs_node *n = kzalloc(sizeof(*n));
	char *copy = kmalloc(len + 1);

	if (n == NULL || copy == NULL) {
		kfree(n);
		kfree(copy);
		return NULL;
	}
	memcpy(copy, name, len);
	copy[len] = '\0';
	n->name = copy;
	n->mode = mode;
	n->ino = next_ino++;
	n->parent = dir;
	/* Keep children sorted by name: directory listings are then stable. */
	struct ifs_node **pos = &dir->children;
	while (*pos != NULL && strcmp((*pos)->name, copy) < 0)
		pos = &(*pos)->next;
	n->next = *pos;
	*pos = n;
	dir->nchildren++;
	return n;
}

/* Creates (or finds) the node for an archive path, with its parent directories. */
static struct ifs_node *make_path(const char *path, uint32_t mode)
{
	struct ifs_node *dir = &root;

	while (*path == '/' || (path[0] == '.' && path[1] == '/'))
		path += *path == '/' ? 1 : 2;
	if (*path == '\0' || strcmp(path, ".") == 0)
		return &root;
	for (;;) {
		const char *slash = strchr(path, '/');
		size_t len = slash != NULL ? (size_t)(slash - path) : strlen(path);
		bool last = slash == NULL || slash[1] == '\0';
		if (len == 0 || (len == 1 && path[0] == '.') || (len == 2 && path[0] == '.' && path[1] == '.'))
			return NULL; /* odd archive names are skipped, not trusted */
		struct ifs_node *n = find_child(dir, path, len);
		if (n == NULL)
			n = add_child(dir, path, len, last ? mode : (S_IFDIR | 0755));
		if (n == NULL || last)
			return n;
		if (!ifs_is_dir(n))
			return NULL;
		dir = n;
		path = slash + 1;
	}
}

static void add_device(struct ifs_node *dev, const char *name, uint32_t mode, uint32_t rdev)
{
	struct ifs_node *n = find_child(dev, name, strlen(name));

	if (n == NULL)
		n = add_child(dev, name, strlen(name), S_IFCHR | mode);
	if (n != NULL && (n->mode & S_IFMT) == S_IFCHR && n->rdev == 0)
		n->rdev = rdev;
}

void initramfs_init(const void *archive, size_t size)
{
	size_t offset = 0, entries = 0;
	struct cpio_entry e;
	const char *error = NULL;

	root.parent = &root;
	while (archive != NULL && cpio_next(archive, size, &offset, &e, &error) == CPIO_ENTRY) {
		struct ifs_node *n = make_path(e.name, e.mode);
		if (n == NULL || n == &root)
			continue;
		n->mode = e.mode;
		n->uid = e.uid;
		n->gid = e.gid;
		n->mtime = e.mtime;
		n->rdev = DEV_MAKE(e.rdev_major, e.rdev_minor);
		if (ifs_is_reg(n) || ifs_is_link(n)) {
			n->data = e.data;
			n->size = e.data_len;
		}
		entries++;
	}
	/* The kernel's devices, whatever the archive holds. */
	struct ifs_node *dev = make_path("dev", S_IFDIR | 0755);
	if (dev != NULL && ifs_is_dir(dev)) {
		add_device(dev, "null", 0666, DEV_MAKE(1, 3));
		add_device(dev, "zero", 0666, DEV_MAKE(1, 5));
		add_device(dev, "full", 0666, DEV_MAKE(1, 7));
		add_device(dev, "random", 0666, DEV_MAKE(1, 8));
		add_device(dev, "urandom", 0666, DEV_MAKE(1, 9));
		add_device(dev, "tty", 0666, DEV_MAKE(5, 0));
		add_device(dev, "console", 0600, DEV_MAKE(5, 1));
	}
	make_path("tmp", S_IFDIR | 01777);
	pr_info("initramfs: %zu entries\n", entries);
}

/* One lookup; depth counts symlinks followed so far. */
static int lookup(struct ifs_node *cwd, const char *path, bool follow, int *links, struct ifs_node **out)
{
	struct ifs_node *n = path[0] == '/' ? &root : cwd;

	if (path[0] == '\0')
		return -ENOENT;
	while (*path != '\0') {
		while (*path == '/')
			path++;
		if (*path == '\0')
			break;
		const char *end = path;
		while (*end != '\0' && *end != '/')
			end++;
		size_t len = (size_t)(end - path);
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		bool last = true;
		for (const char *r = end; *r != '\0'; r++) {
			if (*r != '/') {
				last = false;
				break;
			}
		}
		bool trailing_slash = *end == '/';
		if (!ifs_is_dir(n))
			return -ENOTDIR;
		struct ifs_node *next;
		if (len == 1 && path[0] == '.')
			next = n;
		else if (len == 2 && path[0] == '.' && path[1] == '.')
			next = n->parent;
		else
			next = find_child(n, path, len);
		if (next == NULL)
			return -ENOENT;
		if (ifs_is_link(next) && (!last || follow || trailing_slash)) {
			if (++*links > MAX_SYMLINK_FOLLOWS)
				return -ELOOP;
			if (next->size == 0 || next->size >= SYMLINK_TARGET_MAX)
				return -ENOENT;
			/* On the heap: symlinks nest up to 40 deep, kernel stacks are small. */
			char *target = kmalloc(next->size + 1);
			if (target == NULL)
				return -ENOMEM;
			memcpy(target, next->data, next->size);
			target[next->size] = '\0';
			struct ifs_node *resolved;
			int err = lookup(n, target, true, links, &resolved);
			kfree(target);
			if (err != 0)
				return err;
			next = resolved;
		}
		if (trailing_slash && last && !ifs_is_dir(next))
			return -ENOTDIR;
		n = next;
		path = end;
	}
	*out = n;
	return 0;
}

int initramfs_lookup(struct ifs_node *cwd, const char *path, bool follow, struct ifs_node **out)
{
	int links = 0;

	return lookup(cwd != NULL ? cwd : &root, path, follow, &links, out);
}

void initramfs_path(const struct ifs_node *n, char *buf, size_t size)
{
	/* Build from the leaf up, then reverse the components into place. */
	const struct ifs_node *chain[128];
	size_t depth = 0;

	for (const struct ifs_node *c = n; c != &root && depth < 128; c = c->parent)
		chain[depth++] = c;
	size_t len = 0;
	if (depth == 0 && size > 1)
		buf[len++] = '/';
	while (depth > 0) {
		const char *name = chain[--depth]->name;
		size_t nl = strlen(name);
		if (len + 1 + nl + 1 > size)
			break;
		buf[len++] = '/';
		memcpy(buf + len, name, nl);
		len += nl;
	}
	buf[len] = '\0';
}

void initramfs_stat(const struct ifs_node *n, struct kstat *st)
{
	memset(st, 0, sizeof(*st));
	st->dev = ROOT_DEV;
	st->ino = n->ino;
	st->mode = n->mode;
	st->nlink = 1;
	if (ifs_is_dir(n)) {
		st->nlink = 2;
		for (const struct ifs_node *c = n->children; c != NULL; c = c->next)
			st->nlink += ifs_is_dir(c) ? 1 : 0;
	}
	st->uid = n->uid;
	st->gid = n->gid;
	st->rdev = n->rdev;
	st->size = (ifs_is_reg(n) || ifs_is_link(n)) ? n->size : 0;
	st->blksize = BLOCK_SIZE;
	st->blocks = (st->size + 511) / 512;
	st->atime.tv_sec = st->mtime.tv_sec = st->ctime.tv_sec = n->mtime;
}

/* ---------------------------------------------------------------- open files */

static int64_t file_read(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	struct ifs_node *n = f->priv;

	if (*pos >= n->size)
		return 0;
	size_t k = n->size - *pos < len ? (size_t)(n->size - *pos) : len;
	if (copy_to_user(buf, n->data + *pos, k) != 0)
		return -EFAULT;
	*pos += k;
	return (int64_t)k;
}

static int64_t file_write(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	(void)f, (void)buf, (void)len, (void)pos;
	return -EBADF; /* only ever opened read-only */
}

static int64_t node_lseek(struct file *f, int64_t offset, int whence)
{
	struct ifs_node *n = f->priv;
	int64_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		base = ifs_is_dir(n) ? 0 : (int64_t)n->size;
		break;
	default:
		return -EINVAL;
	}
	if ((offset > 0 && base > INT64_MAX - offset) || base + offset < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + offset);
	return (int64_t)f->pos;
}

static int node_stat(struct file *f, struct kstat *st)
{
	initramfs_stat(f->priv, st);
	return 0;
}

static struct vm_object *file_mmap_object(struct file *f)
{
	struct ifs_node *n = f->priv;
	return vm_object_data(n->data, n->size);
}

/* linux_dirent64 (include/linux/dirent.h). */
struct dirent64_header {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
} __attribute__((packed));

static uint8_t dirent_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFDIR:
		return DT_DIR;
	case S_IFREG:
		return DT_REG;
	case S_IFLNK:
		return DT_LNK;
	case S_IFCHR:
		return DT_CHR;
	case S_IFBLK:
		return DT_BLK;
	case S_IFIFO:
		return DT_FIFO;
	case S_IFSOCK:
		return DT_SOCK;
	default:
		return DT_UNKNOWN;
	}
}

static int64_t dir_getdents(struct file *f, uint64_t buf, size_t len)
{
	struct ifs_node *dir = f->priv;
	size_t used = 0;
	uint8_t rec[sizeof(struct dirent64_header) + NAME_MAX + 1 + 8];

	for (;;) {
		/* Position 0 is ".", 1 is "..", 2 + i the i-th child. */
		const struct ifs_node *n;
		const char *name;
		uint64_t index = f->pos;
		if (index == 0) {
			n = dir;
			name = ".";
		} else if (index == 1) {
			n = dir->parent;
			name = "..";
		} else {
			n = dir->children;
			for (uint64_t i = 2; n != NULL && i < index; i++)
				n = n->next;
			if (n == NULL)
				break;
			name = n->name;
		}
		size_t nl = strlen(name);
		size_t reclen = (sizeof(struct dirent64_header) + nl + 1 + 7) & ~(size_t)7;
		if (used + reclen > len) {
			if (used == 0)
				return -EINVAL; /* buffer too small for one entry */
			break;
		}
		struct dirent64_header h = {n->ino, (int64_t)(index + 1), (uint16_t)reclen, dirent_type(n->mode)};
		memset(rec, 0, reclen);
		memcpy(rec, &h, sizeof(h));
		memcpy(rec + sizeof(h), name, nl);
		if (copy_to_user(buf + used, rec, reclen) != 0)
			return -EFAULT;
		used += reclen;
		f->pos = index + 1;
	}
	return (int64_t)used;
}

static int64_t dir_read(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	(void)f, (void)buf, (void)len, (void)pos;
	return -EISDIR;
}

static const struct file_ops file_ops = {
	.name = "initramfs-file",
	.read = file_read,
	.write = file_write,
	.lseek = node_lseek,
	.stat = node_stat,
	.mmap_object = file_mmap_object,
};

static const struct file_ops dir_ops = {
	.name = "initramfs-dir",
	.read = dir_read,
	.write = file_write,
	.lseek = node_lseek,
	.stat = node_stat,
	.getdents = dir_getdents,
};

int initramfs_open(struct ifs_node *n, unsigned flags, struct file **out)
{
	if ((flags & O_DIRECTORY) && !ifs_is_dir(n))
		return -ENOTDIR;
	if ((n->mode & S_IFMT) == S_IFCHR)
		return device_open(n->rdev, flags, out);
	if (ifs_is_dir(n) && (flags & O_ACCMODE) != O_RDONLY)
		return -EISDIR;
	if (!ifs_is_dir(n) && !ifs_is_reg(n))
		return -ENXIO;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		return -EROFS;
	*out = file_create(ifs_is_dir(n) ? &dir_ops : &file_ops, flags, n);
	return *out != NULL ? 0 : -ENOMEM;
}

struct ifs_node *initramfs_file_node(struct file *f)
{
	return f->ops == &file_ops || f->ops == &dir_ops ? f->priv : NULL;
}
