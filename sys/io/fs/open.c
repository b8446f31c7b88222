/*
 * TERN_FS_OPEN, in the order Linux's path_openat takes its decisions (each
 * errno below was compared with Linux 6.18 on tmpfs):
 *  - O_PATH keeps only O_DIRECTORY, O_NOFOLLOW and O_CLOEXEC and opens
 *    without permission checks on the node (a symlink itself with O_NOFOLLOW);
 *  - O_TMPFILE makes an unnamed file in a directory (needs write access,
 *    EINVAL otherwise); LINK can name it later unless O_EXCL was given;
 *  - O_CREAT|O_DIRECTORY is EINVAL; O_CREAT on a name with a trailing slash
 *    or on a directory is EISDIR; O_EXCL fails on any existing name (a
 *    dangling symlink too); without O_EXCL a final symlink is followed (so a
 *    dangling one creates its target) unless O_NOFOLLOW (ELOOP);
 *  - a final symlink without O_CREAT is ELOOP with O_NOFOLLOW;
 *  - directories: EISDIR for any write access (O_TRUNC counts), O_DIRECTORY on
 *    anything else ENOTDIR; sockets ENXIO; O_TRUNC ignored on devices and FIFOs;
 *  - TERN_O_EXEC: a regular file with execute permission (EACCES otherwise);
 *    opening for writing while an exec handle exists, or for execution while a
 *    writer exists, is ETXTBSY;
 *  - a file created by this open is opened whatever its mode; O_TRUNC of an
 *    existing regular file truncates and updates mtime and ctime even when it
 *    was empty;
 *  - an empty path opens the node of `handle` again (the kernel reopening a
 *    file through /proc/<pid>/fd/N), with the same checks.
 */
#include "fs_internal.h"

/* The bit that makes O_TMPFILE (which Linux defines with O_DIRECTORY). */
#define O_TMPFILE_BIT (O_TMPFILE & ~O_DIRECTORY)
/* What O_PATH keeps. */
#define O_PATH_KEEPS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
/* "#" and an inode number, the name Linux shows for an O_TMPFILE file. */
#define TMPFILE_NAME_MAX 24

/* Permission an open needs (Linux's ACC_MODE; access mode 3 asks for both). */
static unsigned open_needs(uint64_t flags)
{
	static const unsigned acc_needs[4] = {R_OK, W_OK, R_OK | W_OK, R_OK | W_OK};
	if (flags & TERN_O_EXEC)
		return X_OK; /* exec needs execute permission only */
	unsigned need = acc_needs[flags & O_ACCMODE];
	if (flags & O_TRUNC)
		need |= W_OK;
	return need;
}

static bool opens_for_write(uint64_t flags)
{
	uint64_t acc = flags & O_ACCMODE;
	return acc == O_WRONLY || acc == O_RDWR;
}

/* O_CREAT: resolves to the node to open, creating a regular file if absent. */
static int open_create(struct fs *fs, struct walker *w, const struct fs_call *c, uint64_t flags, struct fs_loc *loc,
		       bool *created)
{
	struct fs_loc start;
	struct walk_last last;
	int err = walk_start(fs, c->req.handle, c->path, &start);
	if (err == 0)
		err = walk_parent(w, start, c->path, c->path_len, &last);
	for (;;) {
		if (err != 0)
			return err;
		/* ".", ".." and "/" name directories; a trailing slash asks for one. */
		if (last.type != LAST_NORM || last.slash)
			return -EISDIR;
		struct ramfs_dirent *entry;
		err = walk_find(w, &last, &entry);
		if (err != 0)
			return err;
		if (entry == NULL) {
			err = perm_may_create(fs, last.dir.node);
			if (err == 0)
				err = fs_make_node(fs, last.dir.node, last.name, last.len,
						   S_IFREG | ((uint32_t)c->req.arg1 & S_PERM_MASK), 0, NULL, 0, &entry);
			if (err != 0)
				return err;
			*loc = (struct fs_loc){.mnt = last.dir.mnt, .node = entry->node, .entry = entry};
			*created = true;
			return 0;
		}
		if (flags & O_EXCL)
			return -EEXIST;
		if ((entry->node->mode & S_IFMT) != S_IFLNK)
			return walk_enter(w, &last, entry, loc);
		if (flags & O_NOFOLLOW)
			return -ELOOP;
		err = walk_follow(w, entry->node, &last);
	}
}

/* Linux's do_open and may_open checks on the node found. */
static int may_open(struct fs *fs, const struct fs_loc *loc, uint64_t flags, bool created)
{
	struct ramfs_node *node = loc->node;
	uint32_t type = node->mode & S_IFMT;

	if ((flags & O_CREAT) && type == S_IFDIR)
		return -EISDIR;
	if ((flags & O_DIRECTORY) && type != S_IFDIR)
		return -ENOTDIR;
	if (flags & O_PATH)
		return 0;
	unsigned need = open_needs(flags);
	bool exec = (flags & TERN_O_EXEC) != 0;
	switch (type) {
	case S_IFLNK:
		return -ELOOP;
	case S_IFDIR:
		if (need & W_OK)
			return -EISDIR;
		if (exec)
			return -EACCES;
		break;
	case S_IFREG:
		break;
	default:
		if (exec)
			return -EACCES;
		break;
	}
	if (!created) {
		int err = perm_check(fs, node, need);
		if (err != 0)
			return err;
	}
	if (type == S_IFSOCK)
		return -ENXIO;
	if (type == S_IFREG) {
		if (opens_for_write(flags) && node->executors > 0)
			return -ETXTBSY;
		if (exec && node->writers > 0)
			return -ETXTBSY;
		if ((flags & O_TRUNC) && !created && node->executors > 0)
			return -ETXTBSY;
	}
	return 0;
}

static int64_t open_answer(struct fs *fs, struct fs_call *c, const struct fs_loc *loc, uint64_t flags)
{
	int err;
	struct ramfs_dirent *entry = ramfs_is_dir(loc->node) ? NULL : loc->entry;
	struct handle *h = handle_open(fs, loc, entry, flags, &err);
	if (h == NULL)
		return err;
	fs_fill_stat(loc, &c->resp->stat);
	return (int64_t)h->id;
}

/* "#" and the decimal inode number; returns the length. */
static size_t tmpfile_name(uint64_t ino, char name[TMPFILE_NAME_MAX])
{
	char digits[TMPFILE_NAME_MAX];
	size_t n = 0, len = 0;
	do {
		digits[n++] = (char)('0' + ino % 10);
		ino /= 10;
	} while (ino != 0);
	name[len++] = '#';
	while (n > 0)
		name[len++] = digits[--n];
	return len;
}

/* O_TMPFILE: an unlinked regular file in the directory path names. */
static int64_t open_tmpfile(struct fs *fs, struct fs_call *c, uint64_t flags)
{
	if ((flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE || !(open_needs(flags) & W_OK))
		return -EINVAL;
	struct walker w;
	struct fs_loc dir;
	walker_init(&w, fs);
	int err = walk_at(&w, c->req.handle, c->path, c->path_len, 0, true, &dir);
	if (err != 0)
		return err;
	if (!ramfs_is_dir(dir.node))
		return -ENOTDIR;
	err = perm_may_create(fs, dir.node);
	if (err != 0)
		return err;

	uint32_t mode = S_IFREG | ((uint32_t)c->req.arg1 & S_PERM_MASK), uid, gid;
	perm_init_owner(fs, dir.node, &mode, &uid, &gid);
	struct ramfs_node *node = ramfs_node_new(dir.node->fs, mode, uid, gid, 0, NULL, 0, fs_now(fs));
	if (node == NULL)
		return -ENOMEM;
	node->linkable = (flags & O_EXCL) == 0;
	char name[TMPFILE_NAME_MAX];
	size_t len = tmpfile_name(node->ino, name);
	struct ramfs_dirent *entry = ramfs_dirent_detached(dir.node, name, len);
	if (entry == NULL) {
		ramfs_node_discard(node);
		return -ENOMEM;
	}
	struct fs_loc loc = {.mnt = dir.mnt, .node = node, .entry = entry};
	ramfs_node_get(node); /* held across the open: freed by the put below if it fails */
	int64_t result = open_answer(fs, c, &loc, flags & ~(uint64_t)O_CREAT);
	ramfs_dirent_put(entry);
	ramfs_node_put(node);
	return result;
}

int64_t op_open(struct fs *fs, struct fs_call *c)
{
	uint64_t flags = c->req.arg0;
	if (flags & O_PATH)
		flags &= O_PATH_KEEPS;
	if (flags & O_TMPFILE_BIT)
		return open_tmpfile(fs, c, flags);
	if ((flags & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT))
		return -EINVAL;

	struct walker w;
	struct fs_loc loc;
	bool created = false;
	int err;
	walker_init(&w, fs);
	if (c->path_len == 0) {
		/* The handle's own node, opened again (the kernel's /proc/<pid>/fd/N):
		 * a new description with these flags, checked like any open. */
		struct handle *h = handle_find(fs, c->req.handle);
		if (h == NULL)
			return -EBADF;
		if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL))
			return -EEXIST;
		flags &= ~(uint64_t)O_CREAT;
		loc = (struct fs_loc){.mnt = h->mnt, .node = h->node, .entry = h->entry};
		err = 0;
	} else if (flags & O_CREAT) {
		err = open_create(fs, &w, c, flags, &loc, &created);
	} else {
		struct fs_loc start;
		err = walk_start(fs, c->req.handle, c->path, &start);
		if (err == 0)
			err = walk_lookup(&w, start, c->path, c->path_len, !(flags & O_NOFOLLOW), &loc);
	}
	if (err == 0)
		err = may_open(fs, &loc, flags, created);
	if (err != 0)
		return err;

	int64_t result = open_answer(fs, c, &loc, flags);
	if (result >= 0 && !(flags & O_PATH) && (flags & O_TRUNC) && !created &&
	    (loc.node->mode & S_IFMT) == S_IFREG) {
		file_truncate(fs, loc.node, 0);
		fs_touch(fs, loc.node, TOUCH_MTIME | TOUCH_CTIME);
		perm_write_kills_suid(fs, loc.node);
		fs_fill_stat(&loc, &c->resp->stat);
	}
	return result;
}
