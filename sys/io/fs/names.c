/*
 * Operations on names: MKDIR, MKNOD, SYMLINK, LINK, UNLINK (and rmdir),
 * RENAME. Checks come in Linux's order (errnos compared with Linux 6.18 on
 * tmpfs): the walk to the parent; the last component's kind ("." and ".."
 * give each operation its own errno); the lookup (ENAMETOOLONG, ENOENT in a
 * removed directory, EEXIST); trailing slashes (allowed only on
 * directories); permissions (EACCES, EPERM in sticky directories); mount
 * points (EBUSY); then the change, which cannot fail half way.
 *
 * An operation whose path crosses into a redirect mount (/proc) answers
 * -TERN_EREDIRECT; LINK and RENAME, which name two places, answer -EXDEV.
 */
#include "fs_internal.h"

int fs_make_node(struct fs *fs, struct ramfs_node *dir, const char *name, size_t len, uint32_t mode, uint64_t rdev,
		 const char *target, size_t target_len, struct ramfs_dirent **entry)
{
	uint32_t uid, gid;
	perm_init_owner(fs, dir, &mode, &uid, &gid);
	struct ramfs_node *node = ramfs_node_new(dir->fs, mode, uid, gid, rdev, target, target_len, fs_now(fs));
	if (node == NULL)
		return -ENOMEM;
	int err = ramfs_link(dir, name, len, node, entry);
	if (err != 0) {
		ramfs_node_discard(node);
		return err;
	}
	fs_touch(fs, dir, TOUCH_MTIME | TOUCH_CTIME);
	return 0;
}

/* Walks to the parent of a name about to be made: it must not exist.
 * dir_ok: a trailing slash is allowed (mkdir). Write permission on the
 * parent is the caller's next check (perm_may_create). */
static int walk_new_name(struct fs *fs, struct walker *w, uint64_t handle, const char *path, size_t len, bool dir_ok,
			 struct walk_last *last)
{
	struct fs_loc start;
	int err = walk_start(fs, handle, path, &start);
	if (err == 0)
		err = walk_parent(w, start, path, len, last);
	if (err != 0)
		return err;
	if (last->type != LAST_NORM)
		return -EEXIST;
	struct ramfs_dirent *entry;
	err = walk_find(w, last, &entry);
	if (err != 0)
		return err;
	if (entry != NULL)
		return -EEXIST;
	/* "x/" for something that is not a directory: you asked for a directory that is not there. */
	if (last->slash && !dir_ok)
		return -ENOENT;
	return 0;
}

/* MKDIR, MKNOD and SYMLINK: the place of the new name, which may be made there. */
static int new_name(struct fs *fs, const struct fs_call *c, bool dir_ok, struct walk_last *last)
{
	struct walker w;
	walker_init(&w, fs);
	int err = walk_new_name(fs, &w, c->req.handle, c->path, c->path_len, dir_ok, last);
	return err != 0 ? err : perm_may_create(fs, last->dir.node);
}

int64_t op_mkdir(struct fs *fs, struct fs_call *c)
{
	struct walk_last last;
	int err = new_name(fs, c, true, &last);
	if (err != 0)
		return err;
	uint32_t mode = S_IFDIR | ((uint32_t)c->req.arg0 & (0777u | S_ISVTX));
	return fs_make_node(fs, last.dir.node, last.name, last.len, mode, 0, NULL, 0, NULL);
}

int64_t op_mknod(struct fs *fs, struct fs_call *c)
{
	uint32_t mode = (uint32_t)c->req.arg0;
	if (c->req.arg0 > UINT32_MAX)
		return -EINVAL;
	if ((mode & S_IFMT) == 0)
		mode |= S_IFREG;
	switch (mode & S_IFMT) {
	case S_IFREG:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	struct walk_last last;
	int err = new_name(fs, c, false, &last);
	if (err != 0)
		return err;
	bool device = (mode & S_IFMT) == S_IFCHR || (mode & S_IFMT) == S_IFBLK;
	if (device && !perm_is_root(fs))
		return -EPERM;
	mode &= S_IFMT | S_PERM_MASK;
	return fs_make_node(fs, last.dir.node, last.name, last.len, mode, device ? c->req.arg1 : 0, NULL, 0, NULL);
}

int64_t op_symlink(struct fs *fs, struct fs_call *c)
{
	if (c->path2_len == 0)
		return -ENOENT;
	struct walk_last last;
	int err = new_name(fs, c, false, &last);
	if (err != 0)
		return err;
	return fs_make_node(fs, last.dir.node, last.name, last.len, S_IFLNK | 0777u, 0, c->path2, c->path2_len, NULL);
}

/* A place in /proc is on another mount for the operations that name two places. */
static int two_place_error(int err)
{
	return err == -TERN_EREDIRECT ? -EXDEV : err;
}

int64_t op_link(struct fs *fs, struct fs_call *c)
{
	uint64_t flags = c->req.arg0;
	if (flags & ~(uint64_t)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	struct walker w;
	struct fs_loc old;
	walker_init(&w, fs);
	int err = walk_at(&w, c->req.handle, c->path, c->path_len, flags, (flags & AT_SYMLINK_FOLLOW) != 0, &old);
	if (err != 0)
		return two_place_error(err);

	struct walk_last last;
	walker_init(&w, fs);
	err = walk_new_name(fs, &w, c->req.handle2, c->path2, c->path2_len, false, &last);
	if (err != 0)
		return two_place_error(err);
	if (old.mnt != last.dir.mnt)
		return -EXDEV;
	err = perm_may_create(fs, last.dir.node);
	if (err != 0)
		return err;
	struct ramfs_node *node = old.node;
	if (ramfs_is_dir(node))
		return -EPERM;
	if (node->nlink == 0 && !node->linkable)
		return -ENOENT;
	err = ramfs_link(last.dir.node, last.name, last.len, node, NULL);
	if (err != 0)
		return err;
	node->linkable = false;
	fs_touch(fs, node, TOUCH_CTIME);
	fs_touch(fs, last.dir.node, TOUCH_MTIME | TOUCH_CTIME);
	return 0;
}

int64_t op_unlink(struct fs *fs, struct fs_call *c)
{
	uint64_t flags = c->req.arg0;
	if (flags & ~(uint64_t)AT_REMOVEDIR)
		return -EINVAL;
	bool rmdir = flags != 0;
	struct walker w;
	struct fs_loc start;
	struct walk_last last;
	walker_init(&w, fs);
	int err = walk_start(fs, c->req.handle, c->path, &start);
	if (err == 0)
		err = walk_parent(&w, start, c->path, c->path_len, &last);
	if (err != 0)
		return err;
	switch (last.type) {
	case LAST_NORM:
		break;
	case LAST_DOTDOT:
		return rmdir ? -ENOTEMPTY : -EISDIR;
	case LAST_DOT:
		return rmdir ? -EINVAL : -EISDIR;
	case LAST_ROOT:
		return rmdir ? -EBUSY : -EISDIR;
	}
	struct ramfs_dirent *entry;
	err = walk_find(&w, &last, &entry);
	if (err != 0)
		return err;
	if (entry == NULL)
		return -ENOENT;
	struct ramfs_node *dir = last.dir.node, *node = entry->node;
	if (!rmdir && last.slash)
		return ramfs_is_dir(node) ? -EISDIR : -ENOTDIR;
	err = perm_may_delete(fs, dir, node);
	if (err != 0)
		return err;
	if (rmdir && !ramfs_is_dir(node))
		return -ENOTDIR;
	if (!rmdir && ramfs_is_dir(node))
		return -EISDIR;
	if (node->covered != NULL)
		return -EBUSY;
	if (rmdir && node->dir.count > 0)
		return -ENOTEMPTY;
	fs_touch(fs, node, TOUCH_CTIME);
	fs_touch(fs, dir, TOUCH_MTIME | TOUCH_CTIME);
	ramfs_unlink(entry);
	return 0;
}

/* The two ends of a rename, looked up. */
struct rename_ends {
	struct walk_last old, new;
	struct ramfs_dirent *old_entry, *new_entry;
};

static int rename_lookup(struct fs *fs, struct fs_call *c, uint64_t flags, struct rename_ends *r)
{
	struct walker w;
	struct fs_loc start;
	walker_init(&w, fs);
	int err = walk_start(fs, c->req.handle, c->path, &start);
	if (err == 0)
		err = walk_parent(&w, start, c->path, c->path_len, &r->old);
	if (err != 0)
		return two_place_error(err);
	walker_init(&w, fs);
	err = walk_start(fs, c->req.handle2, c->path2, &start);
	if (err == 0)
		err = walk_parent(&w, start, c->path2, c->path2_len, &r->new);
	if (err != 0)
		return two_place_error(err);
	if (r->old.dir.mnt != r->new.dir.mnt)
		return -EXDEV;
	if (r->old.type != LAST_NORM || r->new.type != LAST_NORM)
		return -EBUSY;
	err = walk_find(&w, &r->old, &r->old_entry);
	if (err != 0)
		return err;
	if (r->old_entry == NULL)
		return -ENOENT;
	err = walk_find(&w, &r->new, &r->new_entry);
	if (err != 0)
		return err;
	if ((flags & RENAME_NOREPLACE) && r->new_entry != NULL)
		return -EEXIST;
	if ((flags & RENAME_EXCHANGE) && r->new_entry == NULL)
		return -ENOENT;
	return 0;
}

/* Linux's vfs_rename checks, once both ends are known. */
static int rename_check(struct fs *fs, uint64_t flags, const struct rename_ends *r)
{
	bool exchange = (flags & RENAME_EXCHANGE) != 0;
	struct ramfs_node *old_dir = r->old.dir.node, *new_dir = r->new.dir.node;
	struct ramfs_node *source = r->old_entry->node;
	struct ramfs_node *target = r->new_entry != NULL ? r->new_entry->node : NULL;
	bool source_dir = ramfs_is_dir(source), target_dir = target != NULL && ramfs_is_dir(target);

	if (!source_dir && (r->old.slash || (!exchange && r->new.slash)))
		return -ENOTDIR;
	if (exchange && !target_dir && r->new.slash)
		return -ENOTDIR;
	/* Neither end may move into its own subtree. */
	if (source_dir && walk_is_ancestor(source, new_dir))
		return -EINVAL;
	if (target_dir && walk_is_ancestor(target, old_dir))
		return exchange ? -EINVAL : -ENOTEMPTY;
	if (source == target)
		return 1; /* a name onto itself or onto another link of its node: nothing to do */
	int err = perm_may_delete(fs, old_dir, source);
	if (err != 0)
		return err;
	if (target == NULL) {
		err = perm_may_create(fs, new_dir);
	} else {
		err = perm_may_delete(fs, new_dir, target);
		if (err == 0 && !exchange && source_dir && !target_dir)
			err = -ENOTDIR;
		if (err == 0 && !exchange && !source_dir && target_dir)
			err = -EISDIR;
	}
	if (err != 0)
		return err;
	/* A directory that changes parent gets a new "..": write access to it. */
	if (old_dir != new_dir) {
		if (source_dir && (err = perm_check(fs, source, W_OK)) != 0)
			return err;
		if (exchange && target_dir && (err = perm_check(fs, target, W_OK)) != 0)
			return err;
	}
	if (source->covered != NULL || (target != NULL && target->covered != NULL))
		return -EBUSY;
	if (!exchange && target_dir && target->dir.count > 0)
		return -ENOTEMPTY;
	return 0;
}

int64_t op_rename(struct fs *fs, struct fs_call *c)
{
	uint64_t flags = c->req.arg0;
	if (flags & ~(uint64_t)(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	struct rename_ends r;
	int err = rename_lookup(fs, c, flags, &r);
	if (err == 0)
		err = rename_check(fs, flags, &r);
	if (err != 0)
		return err > 0 ? 0 : err;

	struct ramfs_node *source = r.old_entry->node;
	struct ramfs_node *target = r.new_entry != NULL ? r.new_entry->node : NULL;
	if (flags & RENAME_EXCHANGE) {
		err = ramfs_exchange(r.old_entry, r.new_entry);
	} else {
		/* Move first (it may fail and then changes nothing), then drop what it replaces. */
		err = ramfs_move(r.old_entry, r.new.dir.node, r.new.name, r.new.len);
		if (err == 0 && r.new_entry != NULL) {
			fs_touch(fs, target, TOUCH_CTIME);
			ramfs_unlink(r.new_entry);
			target = NULL;
		}
	}
	if (err != 0)
		return err;
	fs_touch(fs, r.old.dir.node, TOUCH_MTIME | TOUCH_CTIME);
	fs_touch(fs, r.new.dir.node, TOUCH_MTIME | TOUCH_CTIME);
	fs_touch(fs, source, TOUCH_CTIME);
	if (target != NULL)
		fs_touch(fs, target, TOUCH_CTIME);
	return 0;
}
