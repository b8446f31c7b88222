/*
 * Operations on a node's attributes: STAT, SETATTR, ACCESS, STATFS and
 * READLINK, each naming its node by "dir, path" or, with an empty path and
 * AT_EMPTY_PATH, by the handle itself. Linux's rules (compared with Linux 6.18
 * on tmpfs): chmod keeps the type bits and needs ownership; chown needs root
 * (an owner may only change the group to its own) and clears set-user-ID, and
 * set-group-ID when group-executable, on anything but a directory, even for
 * root; truncate sets mtime and ctime even when the size stays; explicit times
 * need ownership, "now" needs ownership or write access; every change sets ctime.
 */
#include <string.h>

#include "fs_internal.h"

#define ATTR_TIMES (TERN_ATTR_ATIME | TERN_ATTR_MTIME | TERN_ATTR_ATIME_NOW | TERN_ATTR_MTIME_NOW)
#define ATTR_ALL (TERN_ATTR_MODE | TERN_ATTR_UID | TERN_ATTR_GID | TERN_ATTR_SIZE | ATTR_TIMES)
/* chown's "leave it": (uid_t)-1. */
#define ID_UNCHANGED UINT32_MAX
#define NSEC_PER_SEC 1000000000

/* The node a "dir, path" request names (its own handle's with an empty path and AT_EMPTY_PATH). */
static int find_node(struct fs *fs, const struct fs_call *c, uint64_t at_flags, bool follow, struct fs_loc *loc)
{
	struct walker w;
	walker_init(&w, fs);
	return walk_at(&w, c->req.handle, c->path, c->path_len, at_flags, follow, loc);
}

int64_t op_stat(struct fs *fs, struct fs_call *c)
{
	uint64_t flags = c->req.arg0;
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	struct fs_loc loc;
	int err = find_node(fs, c, flags, !(flags & AT_SYMLINK_NOFOLLOW), &loc);
	if (err != 0)
		return err;
	fs_fill_stat(&loc, &c->resp->stat);
	return 0;
}

int64_t op_access(struct fs *fs, struct fs_call *c)
{
	uint64_t mode = c->req.arg0, flags = c->req.arg1;
	if (mode & ~(uint64_t)(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH))
		return -EINVAL;
	struct fs_loc loc;
	int err = find_node(fs, c, flags, !(flags & AT_SYMLINK_NOFOLLOW), &loc);
	if (err != 0)
		return err;
	return perm_check(fs, loc.node, (unsigned)mode);
}

int64_t op_readlink(struct fs *fs, struct fs_call *c)
{
	uint64_t flags = c->req.arg0;
	if (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct fs_loc loc;
	int err = find_node(fs, c, flags, false, &loc);
	if (err != 0)
		return err;
	struct ramfs_node *node = loc.node;
	if ((node->mode & S_IFMT) != S_IFLNK)
		return c->path_len == 0 ? -ENOENT : -EINVAL;
	size_t n = node->link.len < c->out_cap ? node->link.len : c->out_cap;
	memcpy(c->out, node->link.target, n);
	c->resp->data_len = (uint32_t)n;
	fs_accessed(fs, node);
	return (int64_t)n;
}

int64_t op_statfs(struct fs *fs, struct fs_call *c)
{
	uint64_t flags = c->req.arg0;
	if (flags & ~(uint64_t)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT))
		return -EINVAL;
	if (c->out_cap < sizeof(struct tern_fs_statfs))
		return -EINVAL;
	struct fs_loc loc;
	int err = find_node(fs, c, flags, !(flags & AT_SYMLINK_NOFOLLOW), &loc);
	if (err != 0)
		return err;
	/* One page pool serves every mount, as one memory does on Linux. */
	uint64_t total = fs->pool.limit != 0 ? fs->pool.limit : FS_NOMINAL_PAGES;
	uint64_t used = fs->pool.used < total ? fs->pool.used : total;
	struct fs_usage usage;
	fs_usage(fs, &usage);
	uint64_t nodes = usage.nodes < total ? usage.nodes : total;
	struct tern_fs_statfs st = {
		.type = TMPFS_MAGIC,
		.bsize = FS_PAGE_SIZE,
		.blocks = total,
		.bfree = total - used,
		.bavail = total - used,
		.files = total,
		.ffree = total - nodes,
		.namelen = TERN_NAME_MAX,
		.frsize = FS_PAGE_SIZE,
		.flags = ST_VALID | ST_RELATIME,
	};
	memcpy(c->out, &st, sizeof(st));
	c->resp->data_len = sizeof(st);
	return 0;
}

/* SETATTR's permission and validity checks, all before any change. */
static int setattr_check(struct fs *fs, const struct fs_call *c, const struct handle *h, struct ramfs_node *node,
			 uint64_t fields)
{
	const struct tern_fs_setattr *a = &c->in.setattr;
	uint32_t type = node->mode & S_IFMT;
	bool owner = perm_is_owner(fs, node);

	if (h != NULL && h->path_only && (fields & (TERN_ATTR_MODE | TERN_ATTR_UID | TERN_ATTR_GID | TERN_ATTR_SIZE)))
		return -EBADF;
	if (fields & TERN_ATTR_SIZE) {
		if (h != NULL && !h->writable)
			return -EINVAL;
		if (type == S_IFDIR)
			return -EISDIR;
		if (type != S_IFREG)
			return -EINVAL;
		if (a->size > INT64_MAX)
			return -EINVAL;
		if (a->size > FS_MAX_FILE_SIZE)
			return -EFBIG;
		if (h == NULL) {
			int err = perm_check(fs, node, W_OK);
			if (err != 0)
				return err;
			if (node->executors > 0)
				return -ETXTBSY;
		}
	}
	if (fields & TERN_ATTR_MODE) {
		if (type == S_IFLNK)
			return -EOPNOTSUPP;
		if (!owner)
			return -EPERM;
	}
	if (!perm_is_root(fs)) {
		if ((fields & TERN_ATTR_UID) && a->uid != ID_UNCHANGED && (a->uid != node->uid || fs->uid != node->uid))
			return -EPERM;
		if ((fields & TERN_ATTR_GID) && a->gid != ID_UNCHANGED && a->gid != node->gid &&
		    (fs->uid != node->uid || a->gid != fs->gid))
			return -EPERM;
	}
	if (fields & (TERN_ATTR_ATIME | TERN_ATTR_MTIME)) {
		if ((fields & TERN_ATTR_ATIME) && (a->atime.nsec < 0 || a->atime.nsec >= NSEC_PER_SEC))
			return -EINVAL;
		if ((fields & TERN_ATTR_MTIME) && (a->mtime.nsec < 0 || a->mtime.nsec >= NSEC_PER_SEC))
			return -EINVAL;
	}
	bool explicit_time = ((fields & TERN_ATTR_ATIME) && !(fields & TERN_ATTR_ATIME_NOW)) ||
			     ((fields & TERN_ATTR_MTIME) && !(fields & TERN_ATTR_MTIME_NOW));
	if (explicit_time && !owner)
		return -EPERM;
	if ((fields & ATTR_TIMES) && !explicit_time && !owner && perm_check(fs, node, W_OK) != 0)
		return -EACCES;
	return 0;
}

int64_t op_setattr(struct fs *fs, struct fs_call *c)
{
	uint64_t fields = c->req.arg0, flags = c->req.arg1;
	if ((fields & ~(uint64_t)ATTR_ALL) || (flags & ~(uint64_t)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)))
		return -EINVAL;
	if (!c->have_in)
		return -EINVAL;
	struct fs_loc loc;
	int err = find_node(fs, c, flags, !(flags & AT_SYMLINK_NOFOLLOW), &loc);
	if (err != 0)
		return err;
	struct handle *h = c->path_len == 0 ? handle_find(fs, c->req.handle) : NULL;
	struct ramfs_node *node = loc.node;
	if (fields == 0)
		return 0;
	err = setattr_check(fs, c, h, node, fields);
	if (err != 0)
		return err;

	const struct tern_fs_setattr *a = &c->in.setattr;
	const struct tern_fs_time *now = fs_now(fs);
	if (fields & TERN_ATTR_SIZE) {
		file_truncate(fs, node, a->size);
		fs_touch(fs, node, TOUCH_MTIME);
		perm_write_kills_suid(fs, node);
	}
	if (fields & (TERN_ATTR_UID | TERN_ATTR_GID)) {
		if ((fields & TERN_ATTR_UID) && a->uid != ID_UNCHANGED)
			node->uid = a->uid;
		if ((fields & TERN_ATTR_GID) && a->gid != ID_UNCHANGED)
			node->gid = a->gid;
		if (!ramfs_is_dir(node)) {
			node->mode &= ~(uint32_t)S_ISUID;
			if (node->mode & 0010)
				node->mode &= ~(uint32_t)S_ISGID;
		}
	}
	if (fields & TERN_ATTR_MODE) {
		uint32_t perm = a->mode & S_PERM_MASK;
		if (!perm_is_root(fs) && fs->gid != node->gid)
			perm &= ~(uint32_t)S_ISGID;
		node->mode = (node->mode & S_IFMT) | perm;
	}
	if (fields & TERN_ATTR_ATIME_NOW)
		node->atime = *now;
	else if (fields & TERN_ATTR_ATIME)
		node->atime = a->atime;
	if (fields & TERN_ATTR_MTIME_NOW)
		node->mtime = *now;
	else if (fields & TERN_ATTR_MTIME)
		node->mtime = a->mtime;
	fs_touch(fs, node, TOUCH_CTIME);
	fs_fill_stat(&loc, &c->resp->stat); /* the kernel learns the node (and its new size) */
	return 0;
}
