/*
 * Filling the root file system from the initramfs (cpio "newc", as Linux's
 * init/initramfs.c reads it): names relative to the root ("./" and "/"
 * prefixes ignored, ".." refused), missing parents made 0755, a later entry
 * replacing an earlier one of the same name (a directory merging into a
 * directory), regular files with several links joined by (device, inode),
 * and the mtimes of directories set last, once nothing more is added to them.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs_internal.h"
#include "lib/cpio.h"

/* cpio's newc records are 4-byte aligned; archives may be padded with zeros between them. */
#define CPIO_ALIGN 4u

struct hardlink {
	uint32_t ino, major, minor;
	struct ramfs_node *node; /* a reference */
};

struct dir_time {
	struct ramfs_node *node; /* a reference */
	struct tern_fs_time mtime;
};

struct populate {
	struct fs *fs;
	struct ramfs *rfs;
	char *err;
	size_t errlen, errused;
	int skipped;
	struct hardlink *links;
	size_t nlinks, links_cap;
	struct dir_time *dirs;
	size_t ndirs, dirs_cap;
};

static void skip(struct populate *p, const char *name, const char *why)
{
	p->skipped++;
	if (p->errlen == 0 || p->errused >= p->errlen - 1)
		return;
	int n = snprintf(p->err + p->errused, p->errlen - p->errused, "%s: %s\n", name, why);
	if (n > 0)
		p->errused += (size_t)n < p->errlen - p->errused ? (size_t)n : p->errlen - p->errused - 1;
}

static bool grow(void **array, size_t *cap, size_t used, size_t size)
{
	if (used < *cap)
		return true;
	size_t ncap = *cap == 0 ? 16 : *cap * 2;
	void *a = realloc(*array, ncap * size);
	if (a == NULL)
		return false;
	*array = a;
	*cap = ncap;
	return true;
}

static bool type_known(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return true;
	default:
		return false;
	}
}

/* Removes what `entry` names so that a new entry can take its name: a
 * directory only when empty. */
static int clear_name(struct ramfs_dirent *entry, uint32_t new_mode)
{
	struct ramfs_node *old = entry->node;
	if (ramfs_is_dir(old)) {
		if ((new_mode & S_IFMT) == S_IFDIR)
			return 1; /* merge */
		if (old->dir.count != 0)
			return -ENOTEMPTY;
		if (old->covered != NULL)
			return -EBUSY;
	}
	ramfs_unlink(entry);
	return 0;
}

/* The directory that holds the last component of name, making what is missing. */
static int parent_of(struct populate *p, const char *name, const char **last, size_t *last_len,
		     struct ramfs_node **dir_out)
{
	struct ramfs_node *dir = p->rfs->root;
	const char *s = name;
	for (;;) {
		while (*s == '/')
			s++;
		const char *end = strchr(s, '/');
		size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
		const char *next = end;
		while (next != NULL && *next == '/')
			next++;
		if (next == NULL || *next == '\0') {
			*last = s;
			*last_len = len;
			*dir_out = dir;
			return 0;
		}
		if (len > TERN_NAME_MAX)
			return -ENAMETOOLONG;
		if ((len == 1 && s[0] == '.'))
			goto advance;
		struct ramfs_dirent *e = ramfs_lookup(dir, s, len);
		if (e == NULL) {
			struct ramfs_node *n =
				ramfs_node_new(p->rfs, S_IFDIR | 0755, 0, 0, 0, NULL, 0, fs_now(p->fs));
			if (n == NULL)
				return -ENOMEM;
			int err = ramfs_link(dir, s, len, n, &e);
			if (err != 0) {
				ramfs_node_discard(n);
				return err;
			}
		} else if (!ramfs_is_dir(e->node)) {
			return -ENOTDIR;
		}
		dir = e->node;
advance:
		s = next;
	}
}

static struct hardlink *hardlink_find(struct populate *p, const struct cpio_entry *ce)
{
	for (size_t i = 0; i < p->nlinks; i++) {
		struct hardlink *h = &p->links[i];
		if (h->ino == ce->ino && h->major == ce->dev_major && h->minor == ce->dev_minor)
			return h;
	}
	return NULL;
}

/* Remembers a directory's archive mtime, applied at the end. */
static int defer_dir_time(struct populate *p, struct ramfs_node *node, uint32_t mtime)
{
	if (!grow((void **)&p->dirs, &p->dirs_cap, p->ndirs, sizeof(*p->dirs)))
		return -ENOMEM;
	ramfs_node_get(node);
	p->dirs[p->ndirs++] = (struct dir_time){node, {.sec = mtime, .nsec = 0}};
	return 0;
}

static void set_times(struct populate *p, struct ramfs_node *node, uint32_t mtime)
{
	node->atime = node->mtime = (struct tern_fs_time){.sec = mtime, .nsec = 0};
	node->ctime = *fs_now(p->fs);
}

/* Imports one entry. 0, 1 (skipped, with a message), or -ENOMEM/-ENOSPC (stop). */
static int import(struct populate *p, const struct cpio_entry *ce)
{
	const char *name = ce->name;
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/')
		name++;
	if (!type_known(ce->mode & S_IFMT)) {
		skip(p, ce->name, "unknown file type");
		return 1;
	}
	/* ".." anywhere would leave the root. */
	for (const char *s = name; *s != '\0';) {
		const char *end = strchr(s, '/');
		size_t len = end != NULL ? (size_t)(end - s) : strlen(s);
		if (len == 2 && s[0] == '.' && s[1] == '.') {
			skip(p, ce->name, "refers to \"..\"");
			return 1;
		}
		s += len;
		while (*s == '/')
			s++;
	}
	if (strlen(name) >= TERN_PATH_MAX) {
		skip(p, ce->name, "name too long");
		return 1;
	}

	const char *last;
	size_t len;
	struct ramfs_node *dir;
	int err = parent_of(p, name, &last, &len, &dir);
	if (err == -ENOMEM || err == -ENOSPC)
		return err;
	if (err != 0) {
		skip(p, ce->name, err == -ENOTDIR ? "a parent is not a directory" : "name too long");
		return 1;
	}
	uint32_t mode = ce->mode & (S_IFMT | S_PERM_MASK); /* nothing else is a mode bit */
	/* The root itself ("." or ""): its attributes. */
	if (len == 0 || (len == 1 && last[0] == '.')) {
		if ((mode & S_IFMT) != S_IFDIR) {
			skip(p, ce->name, "the root must be a directory");
			return 1;
		}
		dir->mode = mode;
		dir->uid = ce->uid;
		dir->gid = ce->gid;
		return defer_dir_time(p, dir, ce->mtime);
	}
	if (len > TERN_NAME_MAX) {
		skip(p, ce->name, "name too long");
		return 1;
	}

	struct ramfs_dirent *existing = ramfs_lookup(dir, last, len);
	if (existing != NULL) {
		err = clear_name(existing, mode);
		if (err == 1) {
			struct ramfs_node *d = existing->node;
			d->mode = mode;
			d->uid = ce->uid;
			d->gid = ce->gid;
			return defer_dir_time(p, d, ce->mtime);
		}
		if (err != 0) {
			skip(p, ce->name, "replaces a directory that is not empty");
			return 1;
		}
	}

	/* A further name of a file with several links. */
	if ((mode & S_IFMT) == S_IFREG && ce->nlink > 1) {
		struct hardlink *h = hardlink_find(p, ce);
		if (h != NULL) {
			err = ramfs_link(dir, last, len, h->node, NULL);
			if (err != 0)
				return err;
			if (ce->data_len > 0) {
				file_truncate(p->fs, h->node, 0);
				err = file_write_bytes(p->fs, h->node, 0, ce->data, ce->data_len);
				if (err != 0)
					return err;
			}
			return 0;
		}
	}

	const char *target = NULL;
	size_t target_len = 0;
	if ((mode & S_IFMT) == S_IFLNK) {
		target = ce->data;
		target_len = ce->data_len;
		if (target_len == 0 || target_len >= TERN_PATH_MAX || memchr(target, '\0', target_len) != NULL) {
			skip(p, ce->name, "bad symlink target");
			return 1;
		}
	}
	uint64_t rdev = fs_makedev(ce->rdev_major, ce->rdev_minor);
	struct ramfs_node *node = ramfs_node_new(p->rfs, mode, ce->uid, ce->gid, rdev, target, target_len, fs_now(p->fs));
	if (node == NULL)
		return -ENOMEM;
	struct ramfs_dirent *entry;
	err = ramfs_link(dir, last, len, node, &entry);
	if (err != 0) {
		ramfs_node_discard(node);
		return err;
	}
	set_times(p, node, ce->mtime);
	if ((mode & S_IFMT) == S_IFREG && ce->data_len > 0) {
		err = file_write_bytes(p->fs, node, 0, ce->data, ce->data_len);
		if (err != 0)
			return err;
	}
	if ((mode & S_IFMT) == S_IFDIR)
		return defer_dir_time(p, node, ce->mtime);
	if ((mode & S_IFMT) == S_IFREG && ce->nlink > 1) {
		if (!grow((void **)&p->links, &p->links_cap, p->nlinks, sizeof(*p->links)))
			return -ENOMEM;
		ramfs_node_get(node);
		p->links[p->nlinks++] = (struct hardlink){ce->ino, ce->dev_major, ce->dev_minor, node};
	}
	return 0;
}

/* Past the zero padding after an archive's trailer: is another archive there? */
static bool next_archive(const unsigned char *a, size_t size, size_t *offset)
{
	size_t o = *offset;
	while (o < size && a[o] == 0)
		o++;
	if (o >= size)
		return false;
	*offset = o & ~(size_t)(CPIO_ALIGN - 1);
	return true;
}

int fs_populate_cpio(struct fs *fs, const void *archive, size_t size, char *err, size_t errlen)
{
	struct populate p = {.fs = fs, .rfs = fs->mounts[0]->rfs, .err = err, .errlen = errlen};
	size_t offset = 0;
	int result = 0;

	if (errlen > 0)
		err[0] = '\0';
	fs->now_valid = false;
	uint32_t uid = fs->uid, gid = fs->gid;
	fs->uid = fs->gid = 0;
	/* An empty archive (or nothing but padding) holds no entries. */
	if (!next_archive(archive, size, &offset))
		goto done;
	for (;;) {
		struct cpio_entry ce;
		const char *why = NULL;
		enum cpio_status st = cpio_next(archive, size, &offset, &ce, &why);
		if (st == CPIO_END) {
			if (!next_archive(archive, size, &offset))
				break;
			continue;
		}
		if (st == CPIO_ERROR) {
			skip(&p, "archive", why != NULL ? why : "corrupt");
			result = -EINVAL;
			break;
		}
		int r = import(&p, &ce);
		if (r < 0) {
			skip(&p, ce.name, "out of memory");
			result = r == -ENOSPC ? -ENOSPC : -ENOMEM;
			break;
		}
	}
done:
	for (size_t i = 0; i < p.ndirs; i++) {
		struct ramfs_node *d = p.dirs[i].node;
		d->atime = d->mtime = p.dirs[i].mtime;
		ramfs_node_put(d);
	}
	for (size_t i = 0; i < p.nlinks; i++)
		ramfs_node_put(p.links[i].node);
	free(p.dirs);
	free(p.links);
	fs->uid = uid;
	fs->gid = gid;
	return result != 0 ? result : p.skipped;
}
