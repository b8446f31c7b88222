/*
 * Path lookup, as Linux's namei: components separated by any number of
 * slashes; "." and ".." (".." stops at the root and climbs out of a mount's
 * root to the directory it covers); symlinks in the middle of a path are
 * always followed, a final one as the operation asks (a trailing slash always
 * follows it and then requires a directory); TERN_SYMLINK_MAX follows in one
 * operation, then ELOOP. Every directory a component is looked up in needs
 * search permission. A lookup that enters a redirect mount (/proc) stops with
 * -TERN_EREDIRECT and leaves the rest of the path, relative to that mount's
 * root, in fs->redirect: each level of symlink that led there appends what
 * followed it, so the kernel gets the whole remaining path. Symlink following
 * recurses, at most TERN_SYMLINK_MAX + 1 levels deep.
 */
#include <string.h>

#include "fs_internal.h"

void walker_init(struct walker *w, struct fs *fs)
{
	w->fs = fs;
	w->links = 0;
	fs->redirect_len = 0;
	fs->redirect_overflow = false;
}

static bool is_dot(const char *name, size_t len)
{
	return len == 1 && name[0] == '.';
}

static bool is_dotdot(const char *name, size_t len)
{
	return len == 2 && name[0] == '.' && name[1] == '.';
}

static void redirect_append(struct fs *fs, const char *s, size_t n)
{
	if (n > sizeof(fs->redirect) - 1 - fs->redirect_len) {
		fs->redirect_overflow = true;
		return;
	}
	memcpy(fs->redirect + fs->redirect_len, s, n);
	fs->redirect_len += n;
}

int walk_redirect(struct walker *w, const char *name, size_t len)
{
	w->fs->redirect_len = 0;
	redirect_append(w->fs, name, len);
	return -TERN_EREDIRECT;
}

static struct ramfs_node *mount_root(const struct mount *m)
{
	return m->rfs != NULL ? m->rfs->root : NULL;
}

/* Into whatever is mounted on cur (a redirect leaves node NULL). */
static void cross_mounts(struct fs_loc *cur)
{
	while (cur->node != NULL && cur->node->covered != NULL) {
		struct mount *m = cur->node->covered;
		cur->mnt = m;
		cur->node = mount_root(m);
		cur->entry = NULL;
	}
}

/* "..": out of mount roots to what they cover, then to the parent; the root stays. */
static void go_up(struct fs_loc *cur)
{
	while ((cur->node == NULL || cur->node == mount_root(cur->mnt)) && cur->mnt->parent != NULL) {
		cur->node = cur->mnt->mountpoint;
		cur->mnt = cur->mnt->parent;
	}
	cur->node = ramfs_parent(cur->node);
	cur->entry = NULL;
}

int walk_start(struct fs *fs, uint64_t handle, const char *path, struct fs_loc *start)
{
	if (path[0] == '\0')
		return -ENOENT;
	if (path[0] == '/') {
		*start = fs_root(fs);
		return 0;
	}
	struct handle *h = handle_find(fs, handle);
	if (h == NULL)
		return -EBADF;
	if (!ramfs_is_dir(h->node))
		return -ENOTDIR;
	*start = (struct fs_loc){.mnt = h->mnt, .node = h->node, .entry = h->entry};
	return 0;
}

static int lookup_in(struct walker *w, struct fs_loc *cur, const char *path, size_t len, bool follow);

static int follow_link(struct walker *w, struct fs_loc *cur, struct ramfs_node *link)
{
	if (++w->links > TERN_SYMLINK_MAX)
		return -ELOOP;
	fs_accessed(w->fs, link);
	if (link->link.len == 0)
		return -ENOENT;
	return lookup_in(w, cur, link->link.target, link->link.len, true);
}

/* Moves *cur (a directory, or a redirect's root) through one component. */
static int walk_component(struct walker *w, struct fs_loc *cur, const char *name, size_t len, bool follow)
{
	if (cur->node == NULL) {
		if (is_dot(name, len))
			return 0;
		if (is_dotdot(name, len)) {
			go_up(cur);
			return 0;
		}
		return walk_redirect(w, name, len);
	}
	int err = perm_check(w->fs, cur->node, X_OK);
	if (err != 0)
		return err;
	if (is_dot(name, len))
		return 0;
	if (is_dotdot(name, len)) {
		go_up(cur);
		return 0;
	}
	if (len > TERN_NAME_MAX)
		return -ENAMETOOLONG;
	if (cur->node->nlink == 0)
		return -ENOENT; /* a removed directory has no entries */
	struct ramfs_dirent *entry = ramfs_lookup(cur->node, name, len);
	if (entry == NULL)
		return -ENOENT;
	if ((entry->node->mode & S_IFMT) == S_IFLNK && follow)
		return follow_link(w, cur, entry->node);
	cur->node = entry->node;
	cur->entry = entry;
	cross_mounts(cur);
	return 0;
}

static enum walk_last_type last_type(const char *name, size_t len)
{
	if (is_dot(name, len))
		return LAST_DOT;
	if (is_dotdot(name, len))
		return LAST_DOTDOT;
	return LAST_NORM;
}

/* Walks every component of path but the last, from *cur, and describes the last. */
static int walk_to_last(struct walker *w, struct fs_loc *cur, const char *path, size_t len, struct walk_last *last)
{
	size_t i = 0;
	if (len == 0)
		return -ENOENT;
	if (path[0] == '/') {
		*cur = fs_root(w->fs);
		while (i < len && path[i] == '/')
			i++;
		if (i == len) {
			*last = (struct walk_last){.dir = *cur, .name = path, .len = 0, .type = LAST_ROOT,
						   .rest = path + len};
			return 0;
		}
	}
	for (;;) {
		size_t start = i;
		while (i < len && path[i] != '/')
			i++;
		size_t end = i;
		while (i < len && path[i] == '/')
			i++;
		if (i == len) {
			*last = (struct walk_last){.dir = *cur, .name = path + start, .len = end - start,
						   .type = last_type(path + start, end - start), .slash = end < len,
						   .rest = path + end, .rest_len = len - end};
			if (cur->node != NULL)
				return perm_check(w->fs, cur->node, X_OK);
			return 0;
		}
		int err = walk_component(w, cur, path + start, end - start, true);
		if (err == -TERN_EREDIRECT)
			redirect_append(w->fs, path + end, len - end);
		if (err != 0)
			return err;
		if (cur->node != NULL && !ramfs_is_dir(cur->node))
			return -ENOTDIR;
	}
}

static int lookup_in(struct walker *w, struct fs_loc *cur, const char *path, size_t len, bool follow)
{
	struct walk_last last;
	int err = walk_to_last(w, cur, path, len, &last);
	if (err != 0 || last.type == LAST_ROOT)
		return err;
	err = walk_component(w, cur, last.name, last.len, follow || last.slash);
	if (err == 0 && cur->node == NULL)
		err = walk_redirect(w, "", 0);
	if (err == -TERN_EREDIRECT)
		redirect_append(w->fs, last.rest, last.rest_len);
	if (err != 0)
		return err;
	if (last.slash && !ramfs_is_dir(cur->node))
		return -ENOTDIR;
	return 0;
}

int walk_lookup(struct walker *w, struct fs_loc start, const char *path, size_t len, bool follow, struct fs_loc *out)
{
	*out = start;
	return lookup_in(w, out, path, len, follow);
}

int walk_at(struct walker *w, uint64_t handle, const char *path, size_t len, uint64_t at_flags, bool follow,
	    struct fs_loc *out)
{
	if (len == 0 && (at_flags & AT_EMPTY_PATH)) {
		struct handle *h = handle_find(w->fs, handle);
		if (h == NULL)
			return -EBADF;
		*out = (struct fs_loc){.mnt = h->mnt, .node = h->node, .entry = h->entry};
		return 0;
	}
	struct fs_loc start;
	int err = walk_start(w->fs, handle, path, &start);
	if (err != 0)
		return err;
	return walk_lookup(w, start, path, len, follow, out);
}

int walk_parent(struct walker *w, struct fs_loc start, const char *path, size_t len, struct walk_last *last)
{
	struct fs_loc cur = start;
	int err = walk_to_last(w, &cur, path, len, last);
	if (err != 0 || last->dir.node != NULL)
		return err;
	/* The last component's directory is a redirect's root. ".." leads back
	 * to us (only its type matters to the operations); the rest is not ours. */
	if (last->type == LAST_DOTDOT) {
		go_up(&last->dir);
		return 0;
	}
	walk_redirect(w, last->name, last->len);
	redirect_append(w->fs, last->rest, last->rest_len);
	return -TERN_EREDIRECT;
}

int walk_find(struct walker *w, const struct walk_last *last, struct ramfs_dirent **entry)
{
	(void)w;
	*entry = NULL;
	if (last->len > TERN_NAME_MAX)
		return -ENAMETOOLONG;
	if (last->dir.node->nlink == 0)
		return -ENOENT;
	*entry = ramfs_lookup(last->dir.node, last->name, last->len);
	return 0;
}

int walk_follow(struct walker *w, struct ramfs_node *link, struct walk_last *last)
{
	if (++w->links > TERN_SYMLINK_MAX)
		return -ELOOP;
	fs_accessed(w->fs, link);
	if (link->link.len == 0)
		return -ENOENT;
	return walk_parent(w, last->dir, link->link.target, link->link.len, last);
}

int walk_enter(struct walker *w, const struct walk_last *last, struct ramfs_dirent *entry, struct fs_loc *out)
{
	*out = (struct fs_loc){.mnt = last->dir.mnt, .node = entry->node, .entry = entry};
	cross_mounts(out);
	if (out->node != NULL)
		return 0;
	walk_redirect(w, "", 0);
	redirect_append(w->fs, last->rest, last->rest_len);
	return -TERN_EREDIRECT;
}

bool walk_is_ancestor(const struct ramfs_node *a, const struct ramfs_node *b)
{
	for (const struct ramfs_node *n = b;; n = ramfs_parent(n)) {
		if (n == a)
			return true;
		if (ramfs_parent(n) == n)
			return false;
	}
}
