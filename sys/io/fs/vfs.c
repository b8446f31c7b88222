/*
 * The service itself: set-up and tear-down, the mount table, the decoding
 * of requests (every field copied out of the shared slot once and checked)
 * and their dispatch to the operations, stat records and times.
 */
#include <stdlib.h>
#include <string.h>

#include "fs_internal.h"

/* Device numbers of the mounts: anonymous devices 0:FS_DEV_MINOR_BASE + n,
 * as Linux numbers tmpfs instances. */
#define FS_DEV_MINOR_BASE 0x20u
/* st_blksize of every node (tmpfs: the page size). */
#define FS_BLKSIZE 4096u
/* relatime: atime is also refreshed once it is a day old (Linux's rule). */
#define RELATIME_SECONDS (24 * 60 * 60)

/* ---------------------------------------------------------------- set-up */

static struct mount *mount_new(struct fs *fs, uint32_t perm, uint32_t redirect)
{
	if (fs->mount_count == FS_MOUNT_MAX)
		return NULL;
	struct mount *m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	if (redirect == 0) {
		m->rfs = ramfs_create(&fs->pool, perm, 0, 0, fs_now(fs));
		if (m->rfs == NULL) {
			free(m);
			return NULL;
		}
		m->rfs->release_locks = locks_release_node;
	}
	m->redirect = redirect;
	m->dev = fs_makedev(0, FS_DEV_MINOR_BASE + fs->mount_count);
	fs->mounts[fs->mount_count++] = m;
	return m;
}

struct fs *fs_create(const struct fs_env *env)
{
	if (env->page_alloc == NULL || env->page_free == NULL || env->now == NULL || env->complete == NULL)
		return NULL;
	struct fs *fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return NULL;
	fs->env = *env;
	fs->pool = (struct page_pool){.alloc = env->page_alloc, .free = env->page_free, .ctx = env->ctx,
				      .limit = env->page_limit};
	handles_init(&fs->handles);
	locks_init(&fs->locks);
	struct mount *root = mount_new(fs, 0755, 0);
	if (root == NULL) {
		free(fs);
		return NULL;
	}
	fs->root_handle = (struct handle){.id = TERN_FS_ROOT_HANDLE, .mnt = root, .node = root->rfs->root,
					  .path_only = true};
	return fs;
}

void fs_destroy(struct fs *fs)
{
	if (fs == NULL)
		return;
	locks_destroy(fs); /* pending waits go unanswered, before closing handles could answer them */
	handles_close_all(fs);
	/* Mounts go newest first: a mount point is a node of an older mount. */
	for (unsigned i = fs->mount_count; i-- > 0;) {
		struct mount *m = fs->mounts[i];
		if (m->mountpoint != NULL) {
			m->mountpoint->covered = NULL;
			ramfs_node_put(m->mountpoint);
		}
		if (m->rfs != NULL)
			ramfs_destroy(m->rfs);
		free(m);
	}
	free(fs);
}

void fs_usage(const struct fs *fs, struct fs_usage *usage)
{
	usage->pages = fs->pool.used;
	usage->nodes = 0;
	for (unsigned i = 0; i < fs->mount_count; i++) {
		if (fs->mounts[i]->rfs != NULL)
			usage->nodes += fs->mounts[i]->rfs->nodes;
	}
	usage->handles = fs->handles.open;
	usage->pending = fs->locks.count;
}

/* ---------------------------------------------------------------- mounts */

int fs_mount(struct fs *fs, const char *path, uint32_t perm, uint32_t redirect, struct mount **out)
{
	while (*path == '/')
		path++;
	size_t len = strlen(path);
	if (len == 0 || len > TERN_NAME_MAX || memchr(path, '/', len) != NULL)
		return -EINVAL; /* mount points are names in the root */
	struct ramfs_node *root = fs->mounts[0]->rfs->root;
	struct ramfs_dirent *entry = ramfs_lookup(root, path, len);
	if (entry == NULL) {
		/* Made as root, whoever the last request came from. */
		uint32_t uid = fs->uid, gid = fs->gid;
		fs->uid = fs->gid = 0;
		int err = fs_make_node(fs, root, path, len, S_IFDIR | 0755, 0, NULL, 0, &entry);
		fs->uid = uid;
		fs->gid = gid;
		if (err != 0)
			return err;
	}
	struct ramfs_node *point = entry->node;
	if (!ramfs_is_dir(point))
		return -EEXIST;
	if (point->covered != NULL)
		return -EBUSY;
	struct mount *m = mount_new(fs, perm, redirect);
	if (m == NULL)
		return -ENOMEM;
	m->parent = fs->mounts[0];
	m->mountpoint = point;
	ramfs_node_get(point);
	point->covered = m;
	if (out != NULL)
		*out = m;
	return 0;
}

struct dev_node {
	const char *name;
	uint32_t mode;
	uint32_t major, minor;
	const char *target; /* symlinks */
};

/* /dev as a Linux system has it (devices.txt numbers). */
static const struct dev_node dev_nodes[] = {
	{"null", S_IFCHR | 0666, 1, 3, NULL},
	{"zero", S_IFCHR | 0666, 1, 5, NULL},
	{"full", S_IFCHR | 0666, 1, 7, NULL},
	{"random", S_IFCHR | 0666, 1, 8, NULL},
	{"urandom", S_IFCHR | 0666, 1, 9, NULL},
	{"tty", S_IFCHR | 0666, 5, 0, NULL},
	{"console", S_IFCHR | 0600, 5, 1, NULL},
	{"fd", S_IFLNK | 0777, 0, 0, "/proc/self/fd"},
	{"stdin", S_IFLNK | 0777, 0, 0, "/proc/self/fd/0"},
	{"stdout", S_IFLNK | 0777, 0, 0, "/proc/self/fd/1"},
	{"stderr", S_IFLNK | 0777, 0, 0, "/proc/self/fd/2"},
	{"shm", S_IFDIR | 01777, 0, 0, NULL},
};

int fs_mount_standard(struct fs *fs)
{
	struct mount *dev, *tmp;
	uint32_t uid = fs->uid, gid = fs->gid;
	int err = fs_mount(fs, "dev", 0755, 0, &dev);
	if (err == 0)
		err = fs_mount(fs, "tmp", 01777, 0, &tmp);
	if (err == 0)
		err = fs_mount(fs, "proc", 0555, TERN_FS_PROCFS, NULL);
	fs->uid = fs->gid = 0;
	for (size_t i = 0; err == 0 && i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		const struct dev_node *d = &dev_nodes[i];
		const char *target = d->target;
		size_t tlen = target != NULL ? strlen(target) : 0;
		uint64_t rdev = (d->mode & S_IFMT) == S_IFCHR ? fs_makedev(d->major, d->minor) : 0;
		err = fs_make_node(fs, dev->rfs->root, d->name, strlen(d->name), d->mode, rdev, target, tlen, NULL);
		if (err == 0 && (d->mode & S_PERM_MASK) & ~0777u) {
			/* perm_init_owner keeps the sticky bit; set the exact mode all the same. */
			struct ramfs_dirent *e = ramfs_lookup(dev->rfs->root, d->name, strlen(d->name));
			e->node->mode = d->mode;
		}
	}
	fs->uid = uid;
	fs->gid = gid;
	return err;
}

/* ---------------------------------------------------------------- helpers for the operations */

const struct tern_fs_time *fs_now(struct fs *fs)
{
	if (!fs->now_valid) {
		fs->env.now(fs->env.ctx, &fs->now);
		fs->now_valid = true;
	}
	return &fs->now;
}

struct fs_loc fs_root(struct fs *fs)
{
	return (struct fs_loc){.mnt = fs->mounts[0], .node = fs->mounts[0]->rfs->root, .entry = NULL};
}

void fs_fill_stat(const struct fs_loc *loc, struct tern_fs_stat *st)
{
	const struct ramfs_node *n = loc->node;
	*st = (struct tern_fs_stat){
		.dev = loc->mnt->dev,
		.ino = n->ino,
		.rdev = n->rdev,
		.mode = n->mode,
		.nlink = n->nlink,
		.uid = n->uid,
		.gid = n->gid,
		.size = ramfs_stat_size(n),
		.blocks = ramfs_stat_blocks(n),
		.blksize = FS_BLKSIZE,
		.atime = n->atime,
		.mtime = n->mtime,
		.ctime = n->ctime,
	};
}

void fs_touch(struct fs *fs, struct ramfs_node *node, unsigned what)
{
	const struct tern_fs_time *now = fs_now(fs);
	if (what & TOUCH_ATIME)
		node->atime = *now;
	if (what & TOUCH_MTIME)
		node->mtime = *now;
	if (what & TOUCH_CTIME)
		node->ctime = *now;
}

static bool time_le(const struct tern_fs_time *a, const struct tern_fs_time *b)
{
	return a->sec < b->sec || (a->sec == b->sec && a->nsec <= b->nsec);
}

void fs_accessed(struct fs *fs, struct ramfs_node *node)
{
	const struct tern_fs_time *now = fs_now(fs);
	if (time_le(&node->atime, &node->mtime) || time_le(&node->atime, &node->ctime) ||
	    now->sec - node->atime.sec >= RELATIME_SECONDS)
		node->atime = *now;
}

/* ---------------------------------------------------------------- requests */

static int64_t op_lock(struct fs *fs, struct fs_call *c, bool *pending)
{
	if (!c->have_in)
		return -EINVAL;
	struct handle *h = handle_find(fs, c->req.handle);
	if (h == NULL)
		return -EBADF;
	int err = locks_request(fs, h, c->req.slot, c->req.pid, c->req.arg0, &c->in.lock, pending);
	if (err == 0 && !*pending && (c->req.arg0 & TERN_LOCK_CMD_MASK) == TERN_LOCK_GET) {
		if (c->out_cap < sizeof(c->in.lock))
			return -EINVAL;
		memcpy(c->out, &c->in.lock, sizeof(c->in.lock));
		c->resp->data_len = sizeof(c->in.lock);
	}
	return err;
}

static int64_t op_unlock_process(struct fs *fs, struct fs_call *c)
{
	struct handle *h = handle_find(fs, c->req.handle);
	if (h == NULL || h == &fs->root_handle)
		return -EBADF;
	locks_unlock_process(fs, h->node, c->req.pid);
	return 0;
}

static int64_t op_cancel(struct fs *fs, struct fs_call *c)
{
	if (c->req.arg0 > UINT32_MAX)
		return -ENOENT;
	return locks_cancel(fs, (uint32_t)c->req.arg0);
}

typedef int64_t (*op_fn)(struct fs *fs, struct fs_call *c);

static const op_fn ops[TERN_FS_OP_COUNT] = {
	[TERN_FS_OPEN] = op_open,
	[TERN_FS_CLOSE] = op_close,
	[TERN_FS_READ_PAGES] = op_read_pages,
	[TERN_FS_WRITE_PAGES] = op_write_pages,
	[TERN_FS_WRITE_UNDO] = op_write_undo,
	[TERN_FS_STAT] = op_stat,
	[TERN_FS_GETDENTS] = op_getdents,
	[TERN_FS_MKDIR] = op_mkdir,
	[TERN_FS_MKNOD] = op_mknod,
	[TERN_FS_SYMLINK] = op_symlink,
	[TERN_FS_LINK] = op_link,
	[TERN_FS_UNLINK] = op_unlink,
	[TERN_FS_RENAME] = op_rename,
	[TERN_FS_READLINK] = op_readlink,
	[TERN_FS_SETATTR] = op_setattr,
	[TERN_FS_ACCESS] = op_access,
	[TERN_FS_STATFS] = op_statfs,
	[TERN_FS_FSYNC] = op_fsync,
	[TERN_FS_FALLOCATE] = op_fallocate,
	[TERN_FS_SEEK] = op_seek,
	[TERN_FS_GETPATH] = op_getpath,
	[TERN_FS_COPY] = op_copy,
	[TERN_FS_UNLOCK_PROCESS] = op_unlock_process,
	[TERN_FS_CANCEL] = op_cancel,
};

/* The size of the input structure an operation carries after its paths (0: none). */
static size_t input_size(uint16_t op)
{
	switch (op) {
	case TERN_FS_SETATTR:
		return sizeof(struct tern_fs_setattr);
	case TERN_FS_LOCK:
		return sizeof(struct tern_fs_lock);
	default:
		return 0;
	}
}

/* Copies the request's paths and input out of the slot; 0 or -errno. */
static int64_t decode(struct fs *fs, struct fs_call *c, const void *in, size_t in_len)
{
	const struct tern_fs_request *r = &c->req;
	uint64_t paths = (uint64_t)r->path_len + r->path2_len;
	if (r->data_len > in_len || paths > r->data_len)
		return -EINVAL;
	if (r->path_len >= TERN_PATH_MAX || r->path2_len >= TERN_PATH_MAX)
		return -ENAMETOOLONG;
	const char *bytes = in;
	memcpy(fs->path, bytes, r->path_len);
	fs->path[r->path_len] = '\0';
	memcpy(fs->path2, bytes + r->path_len, r->path2_len);
	fs->path2[r->path2_len] = '\0';
	/* A path with a NUL inside cannot come from a C string: forged. */
	if (strlen(fs->path) != r->path_len || strlen(fs->path2) != r->path2_len)
		return -EINVAL;
	c->path = fs->path;
	c->path_len = r->path_len;
	c->path2 = fs->path2;
	c->path2_len = r->path2_len;
	size_t need = input_size(r->op);
	if (need > 0 && r->data_len - paths >= need) {
		memcpy(&c->in, bytes + paths, need);
		c->have_in = true;
	}
	return 0;
}

enum fs_status fs_handle(struct fs *fs, const struct tern_fs_request *req, const void *in, size_t in_len, void *out,
			 size_t out_cap, struct tern_fs_response *resp)
{
	struct fs_call c = {.req = *req, .out = out, .out_cap = out_cap, .resp = resp};
	uint32_t slot = c.req.slot;
	bool pending = false;

	memset(resp, 0, sizeof(*resp));
	resp->slot = slot;
	fs->uid = c.req.uid;
	fs->gid = c.req.gid;
	fs->now_valid = false;
	fs->redirect_len = 0;
	fs->redirect_overflow = false;

	int64_t result = decode(fs, &c, in, in_len);
	if (result == 0) {
		if (c.req.op == TERN_FS_LOCK)
			result = op_lock(fs, &c, &pending);
		else if (c.req.op < TERN_FS_OP_COUNT && ops[c.req.op] != NULL)
			result = ops[c.req.op](fs, &c);
		else
			result = -ENOSYS;
	}
	if (pending)
		return FS_PENDING;
	if (result == -TERN_EREDIRECT) {
		if (fs->redirect_overflow || fs->redirect_len > out_cap) {
			result = -ENAMETOOLONG;
		} else {
			memcpy(out, fs->redirect, fs->redirect_len);
			resp->data_len = (uint32_t)fs->redirect_len;
			resp->offset = TERN_FS_PROCFS;
		}
	}
	resp->slot = slot;
	resp->result = result;
	return FS_DONE;
}
