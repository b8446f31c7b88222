/*
 * Permission checks with the request's credentials, as Linux's
 * generic_permission, may_create, may_delete and inode_init_owner do. Root
 * (uid 0) holds every capability: it may read and write anything, search any
 * directory, and execute what has at least one execute bit. A process is in
 * one group only: the request carries no supplementary groups.
 */
#include "fs_internal.h"

bool perm_is_root(struct fs *fs)
{
	return fs->uid == 0;
}

int perm_check(struct fs *fs, const struct ramfs_node *node, unsigned mask)
{
	mask &= R_OK | W_OK | X_OK;
	if (perm_is_root(fs)) {
		if ((mask & X_OK) && !ramfs_is_dir(node) && (node->mode & S_IXUGO) == 0)
			return -EACCES;
		return 0;
	}
	unsigned bits;
	if (fs->uid == node->uid)
		bits = (node->mode >> 6) & 7;
	else if (fs->gid == node->gid)
		bits = (node->mode >> 3) & 7;
	else
		bits = node->mode & 7;
	return (mask & ~bits) == 0 ? 0 : -EACCES;
}

bool perm_is_owner(struct fs *fs, const struct ramfs_node *node)
{
	return perm_is_root(fs) || fs->uid == node->uid;
}

int perm_may_create(struct fs *fs, const struct ramfs_node *dir)
{
	if (dir->nlink == 0)
		return -ENOENT;
	return perm_check(fs, dir, W_OK | X_OK);
}

int perm_may_delete(struct fs *fs, const struct ramfs_node *dir, const struct ramfs_node *victim)
{
	int err = perm_check(fs, dir, W_OK | X_OK);
	if (err != 0)
		return err;
	/* Sticky directories (/tmp): only the file's or the directory's owner removes it. */
	if ((dir->mode & S_ISVTX) && !perm_is_root(fs) && fs->uid != victim->uid && fs->uid != dir->uid)
		return -EPERM;
	return 0;
}

void perm_init_owner(struct fs *fs, const struct ramfs_node *dir, uint32_t *mode, uint32_t *uid, uint32_t *gid)
{
	*uid = fs->uid;
	if (dir != NULL && (dir->mode & S_ISGID)) {
		/* BSD group semantics below a set-group-ID directory; directories inherit the bit. */
		*gid = dir->gid;
		if ((*mode & S_IFMT) == S_IFDIR)
			*mode |= S_ISGID;
	} else {
		*gid = fs->gid;
	}
	/* A set-group-ID executable for a group its creator is not in loses the bit. */
	if ((*mode & S_IFMT) != S_IFDIR && (*mode & (S_ISGID | 0010)) == (S_ISGID | 0010) && *gid != fs->gid &&
	    !perm_is_root(fs))
		*mode &= ~(uint32_t)S_ISGID;
}

void perm_write_kills_suid(struct fs *fs, struct ramfs_node *node)
{
	if (perm_is_root(fs) || (node->mode & S_IFMT) != S_IFREG)
		return;
	uint32_t kill = S_ISUID;
	if ((node->mode & 0010) != 0)
		kill |= S_ISGID;
	if (node->mode & kill) {
		node->mode &= ~kill;
		fs_touch(fs, node, TOUCH_CTIME);
	}
}
