/*
 * File and directory system calls. The kernel holds no file system: each call
 * becomes a request to the I/O server (fd/remote.h) on a directory handle and
 * a path, or goes to the kernel's /proc (fd/procfs.h) when the path starts in
 * or enters it. A path that crosses between the two comes back as a redirect
 * with the rest of the path, and the other side carries on.
 */
#include "asm/layout.h"
#include "fd/file.h"
#include "fd/pipe.h"
#include "fd/procfs.h"
#include "lib/printf.h"
#include "mm/scratch.h"
#include "fd/remote.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "mm/heap.h"
#include "mm/usercopy.h"
#include "mm/vmspace.h"
#include "proc/exec.h"
#include "proc/process.h"

#define R_OK 4
#define W_OK 2
#define X_OK 1
#define STATX_RESERVED 0x80000000u
#define AT_STATX_SYNC_TYPE 0x6000
#define STATFS_MAGIC_PIPEFS 0x50495045
/* Crossings between the server and /proc one lookup may make (each also counts as a symlink). */
#define REDIRECTS_MAX 8

static unsigned fd_limit(void)
{
	uint64_t cur = current_process()->rlimits[RLIMIT_NOFILE].cur;
	return cur > FD_HARD_MAX_LIMIT ? FD_HARD_MAX_LIMIT : (unsigned)cur;
}

static unsigned current_umask(void)
{
	struct fs_context *fs = current_process()->fs;
	spin_lock(&fs->lock);
	unsigned m = fs->umask;
	spin_unlock(&fs->lock);
	return m;
}

/* The working directory, with a reference (NULL: "/"). */
static struct file *cwd_get(void)
{
	struct fs_context *fs = current_process()->fs;
	spin_lock(&fs->lock);
	struct file *f = fs->cwd;
	if (f != NULL)
		file_get(f);
	spin_unlock(&fs->lock);
	return f;
}

/* ---------------------------------------------------------------- path arguments */

_Static_assert(SCRATCH_SIZE >= PATH_MAX + 1, "a path and its NUL fit a scratch buffer");

/* A path argument and the directory it is relative to. */
struct at_path {
	char *path;       /* copy of the user's path (mm/scratch.h; scratch_put frees it) */
	struct file *dir; /* the dirfd or cwd (a reference); NULL: the root */
};

static void at_path_put(struct at_path *ap)
{
	scratch_put(ap->path);
	if (ap->dir != NULL)
		file_put(ap->dir);
	ap->path = NULL;
	ap->dir = NULL;
}

static bool is_directory_file(struct file *f)
{
	struct kstat st;

	if (file_is_procfs(f) || file_is_remote(f)) {
		memset(&st, 0, sizeof(st));
		return f->ops->stat != NULL && f->ops->stat(f, &st) == 0 && (st.mode & S_IFMT) == S_IFDIR;
	}
	return false;
}

/*
 * Copies a path and finds its starting directory. Linux: EFAULT for a bad
 * pointer, ENAMETOOLONG past PATH_MAX, ENOENT for "" (unless empty_ok), EBADF
 * for a bad dirfd, ENOTDIR when dirfd is not a directory.
 */
static long at_path_get(int dirfd, uint64_t upath, bool empty_ok, struct at_path *ap)
{
	ap->dir = NULL;
	ap->path = scratch_get();
	if (ap->path == NULL)
		return -ENOMEM;
	long len = strncpy_from_user(ap->path, upath, PATH_MAX);
	if (len < 0) {
		at_path_put(ap);
		return len;
	}
	if (len == 0 && !empty_ok) {
		at_path_put(ap);
		return -ENOENT;
	}
	if (ap->path[0] == '/')
		return 0;
	if (dirfd == AT_FDCWD) {
		ap->dir = cwd_get();
		return 0;
	}
	ap->dir = fget(dirfd);
	if (ap->dir == NULL) {
		at_path_put(ap);
		return -EBADF;
	}
	if (len > 0 && !is_directory_file(ap->dir)) {
		at_path_put(ap);
		return -ENOTDIR;
	}
	return 0;
}

static bool at_proc(const struct at_path *ap)
{
	return ap->dir != NULL && file_is_procfs(ap->dir);
}

/* The server handle a path is resolved against. */
static uint64_t at_handle(const struct at_path *ap)
{
	if (ap->dir == NULL)
		return TERN_FS_ROOT_HANDLE;
	uint64_t h = remote_handle(ap->dir);
	return h != TERN_FS_NO_HANDLE ? h : TERN_FS_ROOT_HANDLE;
}

/* Does the path (or its empty-path file) name something on neither side (a pipe dirfd with "")? */
static bool at_foreign(const struct at_path *ap)
{
	return ap->dir != NULL && !file_is_remote(ap->dir) && !file_is_procfs(ap->dir);
}

/*
 * A lookup that may cross between the server and /proc: run() gets the side,
 * the base (server handle or procfs dir) and the path; it returns
 * -TERN_EREDIRECT with the rest of the path in next to cross over.
 */
struct crossing {
	bool proc;
	uint64_t handle;
	struct file *proc_dir;
	const char *path;
	char *next; /* PATH_MAX + 1 bytes */
	char *scratch;
};

typedef long (*crossing_fn)(struct crossing *c, void *ctx);

static long cross(const struct at_path *ap, crossing_fn run, void *ctx)
{
	struct crossing c = {at_proc(ap), at_handle(ap), at_proc(ap) ? ap->dir : NULL, ap->path,
			     scratch_get(), scratch_get()};
	long r = -ENOMEM;

	if (c.next == NULL || c.scratch == NULL)
		goto out;
	for (int hop = 0; hop <= REDIRECTS_MAX; hop++) {
		r = run(&c, ctx);
		if (r != -TERN_EREDIRECT)
			goto out;
		/* The rest of the path continues on the other side, from its root. */
		strlcpy(c.scratch, c.next, PATH_MAX + 1);
		char *t = c.next;
		c.next = c.scratch;
		c.scratch = t;
		c.path = c.scratch;
		c.proc = !c.proc;
		c.handle = TERN_FS_ROOT_HANDLE;
		c.proc_dir = NULL;
	}
	r = -ELOOP;
out:
	scratch_put(c.next);
	scratch_put(c.scratch);
	return r;
}

/* ---------------------------------------------------------------- open */

struct open_args {
	uint64_t flags;
	unsigned mode;
	struct file *file;
};

static long open_step(struct crossing *c, void *ctx)
{
	struct open_args *a = ctx;

	if (c->proc)
		return procfs_open(c->proc_dir, c->path, (unsigned)a->flags, &a->file, c->next, PATH_MAX + 1);
	return remote_open(c->handle, c->path, a->flags, a->mode, &a->file, c->next, PATH_MAX + 1);
}

/* Opens an at_path; the new file in *out. */
static long open_path(struct at_path *ap, uint64_t flags, unsigned mode, struct file **out)
{
	struct open_args a = {flags, mode, NULL};
	long r = cross(ap, open_step, &a);

	if (r == 0)
		*out = a.file;
	return r;
}

static long do_open(int dirfd, uint64_t upath, uint64_t flags, unsigned mode)
{
	struct at_path ap;
	struct file *f;

	if (flags & (O_CREAT | O_TMPFILE))
		mode = (mode & 07777) & ~current_umask();
	else
		mode = 0;
	if ((flags & O_TMPFILE) == O_TMPFILE && (flags & O_ACCMODE) == O_RDONLY)
		return -EINVAL;
	long err = at_path_get(dirfd, upath, false, &ap);
	if (err != 0)
		return err;
	flags |= O_LARGEFILE; /* x86-64 Linux's force_o_largefile(): F_GETFL shows it */
	/* O_PATH keeps only what describes the lookup. */
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	err = open_path(&ap, flags & ~(uint64_t)O_CLOEXEC, mode, &f);
	at_path_put(&ap);
	if (err != 0)
		return err == -TERN_EREDIRECT ? -ENOENT : err;
	int fd = fd_install(current_process()->fds, f, 0, (flags & O_CLOEXEC) != 0, fd_limit());
	file_put(f);
	return fd;
}

SYSCALL(open) { return do_open(AT_FDCWD, ARG(0), (unsigned)ARG(1), (unsigned)ARG(2)); }
SYSCALL(openat) { return do_open((int)ARG(0), ARG(1), (unsigned)ARG(2), (unsigned)ARG(3)); }
SYSCALL(creat) { return do_open(AT_FDCWD, ARG(0), O_CREAT | O_WRONLY | O_TRUNC, (unsigned)ARG(1)); }

/* ---------------------------------------------------------------- stat */

static void to_linux_stat(const struct kstat *k, struct linux_stat *s)
{
	memset(s, 0, sizeof(*s));
	s->st_dev = k->dev;
	s->st_ino = k->ino;
	s->st_nlink = k->nlink;
	s->st_mode = k->mode;
	s->st_uid = k->uid;
	s->st_gid = k->gid;
	s->st_rdev = k->rdev;
	s->st_size = (int64_t)k->size;
	s->st_blksize = k->blksize;
	s->st_blocks = (int64_t)k->blocks;
	s->st_atim = k->atime;
	s->st_mtim = k->mtime;
	s->st_ctim = k->ctime;
}

static int stat_file(struct file *f, struct kstat *k)
{
	memset(k, 0, sizeof(*k));
	if (f->ops->stat == NULL)
		return -EINVAL;
	return f->ops->stat(f, k);
}

struct stat_args {
	unsigned flags;
	struct kstat *k;
};

static long stat_step(struct crossing *c, void *ctx)
{
	struct stat_args *a = ctx;
	bool follow = !(a->flags & AT_SYMLINK_NOFOLLOW);

	if (c->proc)
		return procfs_stat(c->proc_dir, c->path, follow, a->k, c->next, PATH_MAX + 1);
	struct remote_request r = {.op = TERN_FS_STAT, .handle = c->handle, .path = c->path,
				   .arg0 = a->flags & AT_SYMLINK_NOFOLLOW, .out = c->next, .out_cap = PATH_MAX};
	long e = remote_call(&r);
	if (e == -TERN_EREDIRECT)
		c->next[r.out_len] = '\0';
	else if (e == 0)
		remote_stat_convert(&r.resp.stat, a->k);
	return e;
}

/* Stats dirfd+path, or the file dirfd itself with AT_EMPTY_PATH and "". */
static long stat_at(int dirfd, uint64_t upath, unsigned flags, struct kstat *k)
{
	struct at_path ap;
	long err = at_path_get(dirfd, upath, (flags & AT_EMPTY_PATH) != 0, &ap);

	if (err != 0)
		return err;
	memset(k, 0, sizeof(*k));
	if (ap.path[0] == '\0' && ap.dir != NULL) {
		err = stat_file(ap.dir, k);
	} else {
		struct stat_args a = {flags, k};
		if (ap.path[0] == '\0')
			strlcpy(ap.path, "/", PATH_MAX); /* AT_EMPTY_PATH on the root cwd */
		err = cross(&ap, stat_step, &a);
	}
	at_path_put(&ap);
	return err == -TERN_EREDIRECT ? -ENOENT : err;
}

static long put_stat(uint64_t ubuf, const struct kstat *k)
{
	struct linux_stat s;
	to_linux_stat(k, &s);
	return copy_to_user(ubuf, &s, sizeof(s));
}

SYSCALL(stat)
{
	struct kstat k;
	long err = stat_at(AT_FDCWD, ARG(0), 0, &k);
	return err != 0 ? err : put_stat(ARG(1), &k);
}

SYSCALL(lstat)
{
	struct kstat k;
	long err = stat_at(AT_FDCWD, ARG(0), AT_SYMLINK_NOFOLLOW, &k);
	return err != 0 ? err : put_stat(ARG(1), &k);
}

SYSCALL(fstat)
{
	struct kstat k;
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	long err = stat_file(f, &k);
	file_put(f);
	return err != 0 ? err : put_stat(ARG(1), &k);
}

SYSCALL(newfstatat)
{
	struct kstat k;
	unsigned flags = (unsigned)ARG(3);
	if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	long err = stat_at((int)ARG(0), ARG(1), flags, &k);
	return err != 0 ? err : put_stat(ARG(2), &k);
}

SYSCALL(statx)
{
	struct kstat k;
	unsigned flags = (unsigned)ARG(2);
	struct linux_statx sx;

	if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (ARG(3) & STATX_RESERVED))
		return -EINVAL;
	long err = stat_at((int)ARG(0), ARG(1), flags & ~(unsigned)AT_STATX_SYNC_TYPE, &k);
	if (err != 0)
		return err;
	memset(&sx, 0, sizeof(sx));
	sx.stx_mask = STATX_BASIC_STATS;
	sx.stx_blksize = k.blksize;
	sx.stx_nlink = k.nlink;
	sx.stx_uid = k.uid;
	sx.stx_gid = k.gid;
	sx.stx_mode = (uint16_t)k.mode;
	sx.stx_ino = k.ino;
	sx.stx_size = k.size;
	sx.stx_blocks = k.blocks;
	sx.stx_atime.tv_sec = k.atime.tv_sec;
	sx.stx_atime.tv_nsec = (uint32_t)k.atime.tv_nsec;
	sx.stx_mtime.tv_sec = k.mtime.tv_sec;
	sx.stx_mtime.tv_nsec = (uint32_t)k.mtime.tv_nsec;
	sx.stx_ctime.tv_sec = k.ctime.tv_sec;
	sx.stx_ctime.tv_nsec = (uint32_t)k.ctime.tv_nsec;
	sx.stx_rdev_major = (uint32_t)(k.rdev >> 8);
	sx.stx_rdev_minor = (uint32_t)(k.rdev & 0xff);
	sx.stx_dev_major = (uint32_t)(k.dev >> 8);
	sx.stx_dev_minor = (uint32_t)(k.dev & 0xff);
	return copy_to_user(ARG(4), &sx, sizeof(sx));
}

/* ---------------------------------------------------------------- reading directories and links */

SYSCALL(getdents64)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	long r;
	if (f->flags & O_PATH)
		r = -EBADF;
	else if (f->ops->getdents == NULL)
		r = -ENOTDIR;
	else if (!user_range_ok(ARG(1), ARG(2)))
		r = -EFAULT;
	else
		r = f->ops->getdents(f, ARG(1), ARG(2));
	file_put(f);
	return r;
}

struct readlink_args {
	char *buf; /* PATH_MAX */
	long len;
};

static long readlink_step(struct crossing *c, void *ctx)
{
	struct readlink_args *a = ctx;

	if (c->proc) {
		int n = procfs_readlink(c->proc_dir, c->path, a->buf, PATH_MAX, c->next, PATH_MAX + 1);
		if (n >= 0)
			a->len = n;
		return n < 0 ? n : 0;
	}
	struct remote_request r = {.op = TERN_FS_READLINK, .handle = c->handle, .path = c->path, .out = a->buf,
				   .out_cap = PATH_MAX};
	long e = remote_call(&r);
	if (e == -TERN_EREDIRECT) {
		memcpy(c->next, a->buf, r.out_len);
		c->next[r.out_len] = '\0';
		return e;
	}
	if (e >= 0)
		a->len = (long)r.out_len;
	return e < 0 ? e : 0;
}

static long do_readlink(int dirfd, uint64_t upath, uint64_t ubuf, int64_t size)
{
	struct at_path ap;
	struct readlink_args a = {NULL, 0};

	if (size <= 0)
		return -EINVAL;
	long err = at_path_get(dirfd, upath, true, &ap);
	if (err != 0)
		return err;
	a.buf = scratch_get();
	if (a.buf == NULL) {
		at_path_put(&ap);
		return -ENOMEM;
	}
	if (ap.path[0] == '\0') {
		/* readlinkat(fd, "") reads the symlink fd was opened on (O_PATH | O_NOFOLLOW). */
		if (ap.dir != NULL && file_is_procfs(ap.dir)) {
			char *next = scratch_get();
			int n = next == NULL ? -ENOMEM : procfs_readlink(ap.dir, "", a.buf, PATH_MAX, next, PATH_MAX + 1);
			scratch_put(next);
			a.len = n > 0 ? n : 0;
			err = n < 0 ? (n == -TERN_EREDIRECT ? -EINVAL : n) : 0;
		} else if (ap.dir == NULL || !file_is_remote(ap.dir)) {
			err = ap.dir == NULL ? -ENOENT : -EINVAL;
		} else {
			struct remote_request r = {.op = TERN_FS_READLINK, .handle = remote_handle(ap.dir), .path = "",
						   .arg0 = AT_EMPTY_PATH, .out = a.buf, .out_cap = PATH_MAX};
			err = remote_call(&r);
			a.len = (long)r.out_len;
			if (err > 0)
				err = 0;
		}
	} else {
		err = cross(&ap, readlink_step, &a);
	}
	at_path_put(&ap);
	if (err == 0) {
		size_t n = (uint64_t)a.len < (uint64_t)size ? (size_t)a.len : (size_t)size;
		err = copy_to_user(ubuf, a.buf, n) == 0 ? (long)n : -EFAULT;
	}
	scratch_put(a.buf);
	return err == -TERN_EREDIRECT ? -ENOENT : err;
}

SYSCALL(readlink) { return do_readlink(AT_FDCWD, ARG(0), ARG(1), (int64_t)ARG(2)); }
SYSCALL(readlinkat) { return do_readlink((int)ARG(0), ARG(1), ARG(2), (int64_t)ARG(3)); }

struct access_args {
	int mode;
	unsigned flags;
};

static long access_step(struct crossing *c, void *ctx)
{
	struct access_args *a = ctx;

	if (c->proc) {
		struct kstat k;
		int e = procfs_stat(c->proc_dir, c->path, !(a->flags & AT_SYMLINK_NOFOLLOW), &k, c->next, PATH_MAX + 1);
		if (e != 0)
			return e;
		/* root reads /proc; writes go to the few writable files only; nothing executes. */
		if ((a->mode & X_OK) && (k.mode & S_IFMT) != S_IFDIR && (k.mode & 0111) == 0)
			return -EACCES;
		return 0;
	}
	struct remote_request r = {.op = TERN_FS_ACCESS, .handle = c->handle, .path = c->path,
				   .arg0 = (uint64_t)a->mode, .arg1 = a->flags, .out = c->next, .out_cap = PATH_MAX};
	long e = remote_call(&r);
	if (e == -TERN_EREDIRECT)
		c->next[r.out_len] = '\0';
	return e;
}

static long do_access(int dirfd, uint64_t upath, int mode, unsigned flags)
{
	struct at_path ap;
	struct access_args a = {mode, flags};

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(unsigned)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long err = at_path_get(dirfd, upath, (flags & AT_EMPTY_PATH) != 0, &ap);
	if (err != 0)
		return err;
	if (ap.path[0] == '\0' && at_foreign(&ap))
		err = 0;
	else
		err = cross(&ap, access_step, &a);
	at_path_put(&ap);
	return err == -TERN_EREDIRECT ? -ENOENT : err;
}

SYSCALL(access) { return do_access(AT_FDCWD, ARG(0), (int)ARG(1), 0); }
SYSCALL(faccessat) { return do_access((int)ARG(0), ARG(1), (int)ARG(2), 0); }
SYSCALL(faccessat2) { return do_access((int)ARG(0), ARG(1), (int)ARG(2), (unsigned)ARG(3)); }

/* ---------------------------------------------------------------- working directory */

/* The path of a directory file (or "/" for NULL) into buf; its length or -errno. */
static long dir_path(struct file *dir, char *buf, size_t cap)
{
	if (dir == NULL) {
		strlcpy(buf, "/", cap);
		return 1;
	}
	if (file_is_procfs(dir))
		return procfs_getpath(dir, buf, cap);
	return remote_getpath(dir, buf, cap);
}

#define DELETED_SUFFIX " (deleted)"

SYSCALL(getcwd)
{
	struct file *cwd = cwd_get();
	char *buf = scratch_get();
	long len;

	if (buf == NULL) {
		if (cwd != NULL)
			file_put(cwd);
		return -ENOMEM;
	}
	len = dir_path(cwd, buf, PATH_MAX);
	if (cwd != NULL)
		file_put(cwd);
	size_t suffix = sizeof(DELETED_SUFFIX) - 1;
	if (len >= 0 && (size_t)len > suffix && strcmp(buf + len - suffix, DELETED_SUFFIX) == 0)
		len = -ENOENT; /* the working directory was removed */
	if (len >= 0) {
		if (ARG(1) < (uint64_t)len + 1)
			len = -ERANGE;
		else if (copy_to_user(ARG(0), buf, (size_t)len + 1) != 0)
			len = -EFAULT;
		else
			len += 1;
	}
	scratch_put(buf);
	return len;
}

static void set_cwd(struct file *dir)
{
	struct fs_context *fs = current_process()->fs;

	spin_lock(&fs->lock);
	struct file *old = fs->cwd;
	fs->cwd = dir;
	spin_unlock(&fs->lock);
	if (old != NULL)
		file_put(old);
}

SYSCALL(chdir)
{
	struct at_path ap;
	struct file *dir;
	long err = at_path_get(AT_FDCWD, ARG(0), false, &ap);

	if (err != 0)
		return err;
	err = open_path(&ap, O_PATH | O_DIRECTORY, 0, &dir);
	at_path_put(&ap);
	if (err != 0)
		return err == -TERN_EREDIRECT ? -ENOENT : err;
	set_cwd(dir);
	return 0;
}

SYSCALL(fchdir)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	if (!is_directory_file(f)) {
		file_put(f);
		return -ENOTDIR;
	}
	set_cwd(f);
	return 0;
}

SYSCALL(umask)
{
	struct fs_context *fs = current_process()->fs;
	spin_lock(&fs->lock);
	unsigned old = fs->umask;
	fs->umask = (unsigned)ARG(0) & 0777;
	spin_unlock(&fs->lock);
	return old;
}

/* ---------------------------------------------------------------- changes */

/*
 * A change that lands in /proc: Linux refuses new names with ENOENT (EEXIST if
 * the name is there) and changes to existing ones with EPERM.
 */
static long proc_change_error(const char *path, bool creates)
{
	struct kstat k;
	char *next = scratch_get();
	long e = next != NULL ? procfs_stat(NULL, path, false, &k, next, PATH_MAX + 1) : -ENOMEM;

	scratch_put(next);
	if (e == -TERN_EREDIRECT)
		return -EXDEV;
	if (e != 0)
		return e;
	return creates ? -EEXIST : -EPERM;
}

/* Sends a one- or two-path change to the server; a path inside /proc gets proc_change_error(). */
static long change(struct remote_request *r, const struct at_path *ap, const struct at_path *ap2, bool creates)
{
	if (at_proc(ap) || (ap2 != NULL && at_proc(ap2)))
		return ap2 != NULL ? -EXDEV : proc_change_error(ap->path, creates);
	char *redirect = scratch_get();
	if (redirect == NULL)
		return -ENOMEM;
	r->handle = at_handle(ap);
	r->path = ap->path;
	if (ap2 != NULL) {
		r->handle2 = at_handle(ap2);
		r->path2 = ap2->path;
	}
	r->out = redirect;
	r->out_cap = PATH_MAX;
	long e = remote_call(r);
	if (e == -TERN_EREDIRECT) {
		redirect[r->out_len] = '\0';
		e = ap2 != NULL ? -EXDEV : proc_change_error(redirect, creates);
	}
	scratch_put(redirect);
	return e;
}

static long path_change(int dirfd, uint64_t upath, struct remote_request *r, bool creates)
{
	struct at_path ap;
	long err = at_path_get(dirfd, upath, false, &ap);

	if (err != 0)
		return err;
	err = change(r, &ap, NULL, creates);
	at_path_put(&ap);
	return err;
}

static long do_mkdir(int dirfd, uint64_t upath, unsigned mode)
{
	struct remote_request r = {.op = TERN_FS_MKDIR, .arg0 = (mode & 07777) & ~current_umask()};
	return path_change(dirfd, upath, &r, true);
}

SYSCALL(mkdir) { return do_mkdir(AT_FDCWD, ARG(0), (unsigned)ARG(1)); }
SYSCALL(mkdirat) { return do_mkdir((int)ARG(0), ARG(1), (unsigned)ARG(2)); }

static long do_mknod(int dirfd, uint64_t upath, unsigned mode, uint64_t dev)
{
	unsigned type = mode & S_IFMT;

	if (type == 0)
		type = S_IFREG;
	if (type == S_IFDIR)
		return -EPERM;
	if (type != S_IFREG && type != S_IFIFO && type != S_IFCHR && type != S_IFBLK && type != S_IFSOCK)
		return -EINVAL;
	struct remote_request r = {.op = TERN_FS_MKNOD, .arg0 = type | ((mode & 07777) & ~current_umask()),
				   .arg1 = (type == S_IFCHR || type == S_IFBLK) ? dev : 0};
	return path_change(dirfd, upath, &r, true);
}

SYSCALL(mknod) { return do_mknod(AT_FDCWD, ARG(0), (unsigned)ARG(1), ARG(2)); }
SYSCALL(mknodat) { return do_mknod((int)ARG(0), ARG(1), (unsigned)ARG(2), ARG(3)); }

static long do_symlink(uint64_t utarget, int dirfd, uint64_t upath)
{
	char *target = scratch_get();
	if (target == NULL)
		return -ENOMEM;
	long len = strncpy_from_user(target, utarget, PATH_MAX);
	long err = len < 0 ? len : len == 0 ? -ENOENT : 0;
	if (err == 0) {
		struct at_path ap;
		err = at_path_get(dirfd, upath, false, &ap);
		if (err == 0) {
			struct remote_request r = {.op = TERN_FS_SYMLINK};
			if (at_proc(&ap)) {
				err = proc_change_error(ap.path, true);
			} else {
				/* The target rides as the second path. */
				r.handle = at_handle(&ap);
				r.path = ap.path;
				r.path2 = target;
				char redirect[64];
				r.out = redirect;
				r.out_cap = sizeof(redirect) - 1;
				err = remote_call(&r);
				if (err == -TERN_EREDIRECT)
					err = -ENOENT;
			}
			at_path_put(&ap);
		}
	}
	scratch_put(target);
	return err;
}

SYSCALL(symlink) { return do_symlink(ARG(0), AT_FDCWD, ARG(1)); }
SYSCALL(symlinkat) { return do_symlink(ARG(0), (int)ARG(1), ARG(2)); }

static long do_link(int olddir, uint64_t uold, int newdir, uint64_t unew, unsigned flags)
{
	struct at_path a, b;

	if (flags & ~(unsigned)(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long err = at_path_get(olddir, uold, (flags & AT_EMPTY_PATH) != 0, &a);
	if (err != 0)
		return err;
	err = at_path_get(newdir, unew, false, &b);
	if (err != 0) {
		at_path_put(&a);
		return err;
	}
	if (a.path[0] == '\0' && at_foreign(&a)) {
		err = -EXDEV;
	} else {
		struct remote_request r = {.op = TERN_FS_LINK, .arg0 = flags};
		err = change(&r, &a, &b, true);
	}
	at_path_put(&a);
	at_path_put(&b);
	return err;
}

SYSCALL(link) { return do_link(AT_FDCWD, ARG(0), AT_FDCWD, ARG(1), 0); }
SYSCALL(linkat) { return do_link((int)ARG(0), ARG(1), (int)ARG(2), ARG(3), (unsigned)ARG(4)); }

static long do_unlink(int dirfd, uint64_t upath, unsigned flags)
{
	if (flags & ~(unsigned)AT_REMOVEDIR)
		return -EINVAL;
	struct remote_request r = {.op = TERN_FS_UNLINK, .arg0 = flags};
	return path_change(dirfd, upath, &r, false);
}

SYSCALL(unlink) { return do_unlink(AT_FDCWD, ARG(0), 0); }
SYSCALL(unlinkat) { return do_unlink((int)ARG(0), ARG(1), (unsigned)ARG(2)); }
SYSCALL(rmdir) { return do_unlink(AT_FDCWD, ARG(0), AT_REMOVEDIR); }

static long do_rename(int olddir, uint64_t uold, int newdir, uint64_t unew, unsigned flags)
{
	struct at_path a, b;

	if (flags & ~(unsigned)(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	long err = at_path_get(olddir, uold, false, &a);
	if (err != 0)
		return err;
	err = at_path_get(newdir, unew, false, &b);
	if (err == 0) {
		struct remote_request r = {.op = TERN_FS_RENAME, .arg0 = flags};
		err = change(&r, &a, &b, false);
		at_path_put(&b);
	}
	at_path_put(&a);
	return err;
}

SYSCALL(rename) { return do_rename(AT_FDCWD, ARG(0), AT_FDCWD, ARG(1), 0); }
SYSCALL(renameat) { return do_rename((int)ARG(0), ARG(1), (int)ARG(2), ARG(3), 0); }
SYSCALL(renameat2) { return do_rename((int)ARG(0), ARG(1), (int)ARG(2), ARG(3), (unsigned)ARG(4)); }

/* ---------------------------------------------------------------- attributes */

/* Changes attributes of dirfd+path (AT_EMPTY_PATH: of dirfd's file itself). */
static long setattr_at(int dirfd, uint64_t upath, unsigned at_flags, unsigned fields,
		       const struct tern_fs_setattr *attr)
{
	struct at_path ap;
	long err = at_path_get(dirfd, upath, (at_flags & AT_EMPTY_PATH) != 0, &ap);

	if (err != 0)
		return err;
	struct remote_request r = {.op = TERN_FS_SETATTR, .arg0 = fields, .arg1 = at_flags, .in = attr,
				   .in_len = sizeof(*attr)};
	if (ap.path[0] == '\0' && ap.dir != NULL && !file_is_remote(ap.dir))
		err = file_is_procfs(ap.dir) ? -EPERM : 0; /* a pipe or device: Linux changes its in-memory node */
	else
		err = change(&r, &ap, NULL, false);
	at_path_put(&ap);
	/* The server answers with the node's stat: a shrunk file leaves its mappings. */
	if (err == 0 && (fields & TERN_ATTR_SIZE))
		remote_file_shrunk(r.resp.stat.dev, r.resp.stat.ino, r.resp.stat.size);
	return err;
}

/* The same on an open file (fchmod, fchown, ftruncate, futimens). */
static long setattr_fd(int fd, unsigned fields, const struct tern_fs_setattr *attr)
{
	struct file *f = fget(fd);
	if (f == NULL)
		return -EBADF;
	long err = 0;
	if (file_is_remote(f)) {
		struct remote_request r = {.op = TERN_FS_SETATTR, .handle = remote_handle(f), .path = "",
					   .arg0 = fields, .arg1 = AT_EMPTY_PATH, .in = attr, .in_len = sizeof(*attr)};
		err = remote_call(&r);
		if (err == 0 && (fields & TERN_ATTR_SIZE))
			remote_file_shrunk(r.resp.stat.dev, r.resp.stat.ino, r.resp.stat.size);
	} else if (file_is_procfs(f)) {
		err = -EPERM;
	}
	file_put(f);
	return err;
}

static long do_chmod(int dirfd, uint64_t upath, unsigned mode, unsigned flags)
{
	struct tern_fs_setattr a = {.mode = mode & 07777};

	if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	/* AT_SYMLINK_NOFOLLOW (fchmodat2): the server refuses a symlink (EOPNOTSUPP). */
	return setattr_at(dirfd, upath, flags, TERN_ATTR_MODE, &a);
}

SYSCALL(chmod) { return do_chmod(AT_FDCWD, ARG(0), (unsigned)ARG(1), 0); }
SYSCALL(fchmodat) { return do_chmod((int)ARG(0), ARG(1), (unsigned)ARG(2), 0); }
/* fchmodat2 (Linux 6.6): fchmodat with flags. */
SYSCALL(fchmodat2) { return do_chmod((int)ARG(0), ARG(1), (unsigned)ARG(2), (unsigned)ARG(3)); }

SYSCALL(fchmod)
{
	struct tern_fs_setattr a = {.mode = (unsigned)ARG(1) & 07777};
	return setattr_fd((int)ARG(0), TERN_ATTR_MODE, &a);
}

/* -1 leaves an id unchanged. */
/* Both fields always: chown(-1, -1) changes no owner but still clears set-user-ID
 * and set-group-ID and sets ctime, as on Linux; the server leaves an id of -1 alone. */
static unsigned owner_fields(uint32_t uid, uint32_t gid)
{
	(void)uid;
	(void)gid;
	return TERN_ATTR_UID | TERN_ATTR_GID;
}

static long do_chown(int dirfd, uint64_t upath, uint32_t uid, uint32_t gid, unsigned flags)
{
	struct tern_fs_setattr a = {.uid = uid, .gid = gid};

	if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	return setattr_at(dirfd, upath, flags, owner_fields(uid, gid), &a);
}

SYSCALL(chown) { return do_chown(AT_FDCWD, ARG(0), (uint32_t)ARG(1), (uint32_t)ARG(2), 0); }
SYSCALL(lchown) { return do_chown(AT_FDCWD, ARG(0), (uint32_t)ARG(1), (uint32_t)ARG(2), AT_SYMLINK_NOFOLLOW); }
SYSCALL(fchownat) { return do_chown((int)ARG(0), ARG(1), (uint32_t)ARG(2), (uint32_t)ARG(3), (unsigned)ARG(4)); }

SYSCALL(fchown)
{
	struct tern_fs_setattr a = {.uid = (uint32_t)ARG(1), .gid = (uint32_t)ARG(2)};
	return setattr_fd((int)ARG(0), owner_fields(a.uid, a.gid), &a);
}

SYSCALL(truncate)
{
	struct tern_fs_setattr a = {.size = ARG(1)};
	if ((int64_t)ARG(1) < 0)
		return -EINVAL;
	return setattr_at(AT_FDCWD, ARG(0), 0, TERN_ATTR_SIZE, &a);
}

SYSCALL(ftruncate)
{
	struct tern_fs_setattr a = {.size = ARG(1)};
	if ((int64_t)ARG(1) < 0)
		return -EINVAL;
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	/* O_PATH: no file to truncate (EBADF); not open for writing: EINVAL, as on Linux. */
	long err = (f->flags & O_PATH) ? -EBADF : !file_is_remote(f) || !file_writable(f) ? -EINVAL : 0;
	file_put(f);
	return err != 0 ? err : setattr_fd((int)ARG(0), TERN_ATTR_SIZE, &a);
}

/* Fills the time fields of a setattr from utimensat-style timespecs (NULL: both now). */
static long times_to_attr(const struct linux_timespec *ts, struct tern_fs_setattr *a, unsigned *fields)
{
	*fields = 0;
	if (ts == NULL) {
		*fields = TERN_ATTR_ATIME_NOW | TERN_ATTR_MTIME_NOW;
		return 0;
	}
	for (int i = 0; i < 2; i++) {
		int64_t ns = ts[i].tv_nsec;
		if (ns == UTIME_OMIT)
			continue;
		if (ns == UTIME_NOW) {
			*fields |= i == 0 ? TERN_ATTR_ATIME_NOW : TERN_ATTR_MTIME_NOW;
			continue;
		}
		if (ns < 0 || ns >= 1000000000)
			return -EINVAL;
		struct tern_fs_time *t = i == 0 ? &a->atime : &a->mtime;
		t->sec = ts[i].tv_sec;
		t->nsec = ns;
		*fields |= i == 0 ? TERN_ATTR_ATIME : TERN_ATTR_MTIME;
	}
	return 0;
}

static long do_utimens(int dirfd, uint64_t upath, const struct linux_timespec *ts, unsigned flags)
{
	struct tern_fs_setattr a = {0};
	unsigned fields;

	if (flags & ~(unsigned)(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long err = times_to_attr(ts, &a, &fields);
	if (err != 0)
		return err;
	if (upath == 0) {
		/* Linux: a NULL path means dirfd itself (futimens). */
		if (flags & AT_SYMLINK_NOFOLLOW)
			return -EINVAL;
		if (dirfd == AT_FDCWD)
			return -EFAULT;
		return fields == 0 ? 0 : setattr_fd(dirfd, fields, &a);
	}
	if (fields == 0 && !(flags & AT_EMPTY_PATH)) {
		/* Both omitted: nothing changes, but the path must exist. */
		struct kstat k;
		return stat_at(dirfd, upath, flags, &k);
	}
	return setattr_at(dirfd, upath, flags, fields, &a);
}

SYSCALL(utimensat)
{
	struct linux_timespec ts[2];
	if (ARG(2) != 0 && copy_from_user(ts, ARG(2), sizeof(ts)) != 0)
		return -EFAULT;
	return do_utimens((int)ARG(0), ARG(1), ARG(2) != 0 ? ts : NULL, (unsigned)ARG(3));
}

struct linux_timeval_pair {
	int64_t sec, usec;
};

static long do_utimes(int dirfd, uint64_t upath, uint64_t utimes)
{
	struct linux_timeval_pair tv[2];
	struct linux_timespec ts[2];

	if (utimes == 0)
		return do_utimens(dirfd, upath, NULL, 0);
	if (copy_from_user(tv, utimes, sizeof(tv)) != 0)
		return -EFAULT;
	for (int i = 0; i < 2; i++) {
		if (tv[i].usec < 0 || tv[i].usec >= 1000000)
			return -EINVAL;
		ts[i].tv_sec = tv[i].sec;
		ts[i].tv_nsec = tv[i].usec * 1000;
	}
	return do_utimens(dirfd, upath, ts, 0);
}

SYSCALL(utimes) { return do_utimes(AT_FDCWD, ARG(0), ARG(1)); }
SYSCALL(futimesat) { return do_utimes((int)ARG(0), ARG(1), ARG(2)); }

SYSCALL(utime)
{
	int64_t times[2];
	struct linux_timespec ts[2];

	if (ARG(1) == 0)
		return do_utimens(AT_FDCWD, ARG(0), NULL, 0);
	if (copy_from_user(times, ARG(1), sizeof(times)) != 0)
		return -EFAULT;
	ts[0].tv_sec = times[0];
	ts[1].tv_sec = times[1];
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	return do_utimens(AT_FDCWD, ARG(0), ts, 0);
}

/* ---------------------------------------------------------------- data */

SYSCALL(fallocate)
{
	int mode = (int)ARG(1);
	int64_t offset = (int64_t)ARG(2), len = (int64_t)ARG(3);

	if (offset < 0 || len <= 0)
		return -EINVAL;
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	long err;
	if (!file_writable(f))
		err = -EBADF;
	else if (!file_is_remote(f))
		err = file_is_pipe(f) ? -ESPIPE : -ENODEV;
	else {
		struct remote_request r = {.op = TERN_FS_FALLOCATE, .handle = remote_handle(f),
					   .offset = (uint64_t)offset, .len = (uint64_t)len, .arg0 = (uint64_t)mode};
		err = remote_call(&r);
		if (err == 0 && (mode & FALLOC_FL_PUNCH_HOLE))
			remote_file_punched(f, (uint64_t)offset, (uint64_t)len);
	}
	file_put(f);
	return err;
}

SYSCALL(fsync)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	long err = -EINVAL; /* Linux: pipes, terminals and devices cannot be synced */
	if (file_is_remote(f)) {
		struct remote_request r = {.op = TERN_FS_FSYNC, .handle = remote_handle(f)};
		err = remote_call(&r);
	}
	file_put(f);
	return err;
}

SYSCALL(syncfs)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	file_put(f);
	return 0; /* the RAM file systems are never behind */
}

SYSCALL(sync)
{
	(void)args;
	return 0;
}

struct linux_statfs {
	int64_t f_type, f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen, f_frsize, f_flags, f_spare[4];
};

static long put_statfs(uint64_t ubuf, const struct tern_fs_statfs *in)
{
	struct linux_statfs s;
	memset(&s, 0, sizeof(s));
	s.f_type = (int64_t)in->type;
	s.f_bsize = (int64_t)in->bsize;
	s.f_blocks = in->blocks;
	s.f_bfree = in->bfree;
	s.f_bavail = in->bavail;
	s.f_files = in->files;
	s.f_ffree = in->ffree;
	s.f_namelen = (int64_t)in->namelen;
	s.f_frsize = (int64_t)in->frsize;
	s.f_flags = (int64_t)in->flags;
	return copy_to_user(ubuf, &s, sizeof(s));
}

/* What Linux reports for files outside any file system the server has (pipes, /proc). */
static void kernel_statfs(bool proc, struct tern_fs_statfs *out)
{
	memset(out, 0, sizeof(*out));
	out->type = proc ? 0x9fa0 : STATFS_MAGIC_PIPEFS; /* PROC_SUPER_MAGIC */
	out->bsize = out->frsize = 4096;
	out->namelen = 255;
}

SYSCALL(statfs)
{
	struct at_path ap;
	struct tern_fs_statfs out;
	long err = at_path_get(AT_FDCWD, ARG(0), false, &ap);

	if (err != 0)
		return err;
	struct remote_request r = {.op = TERN_FS_STATFS, .out = &out, .out_cap = sizeof(out)};
	memset(&out, 0, sizeof(out));
	if (at_proc(&ap)) {
		kernel_statfs(true, &out);
	} else {
		/* A path into /proc comes back as a redirect: that one is the kernel's. */
		char *redirect = scratch_get();
		r.handle = at_handle(&ap);
		r.path = ap.path;
		err = redirect == NULL ? -ENOMEM : remote_call(&r);
		if (err == -TERN_EREDIRECT) {
			kernel_statfs(true, &out);
			err = 0;
		} else if (err == 0 && r.out_len < sizeof(out)) {
			err = -EIO;
		}
		scratch_put(redirect);
	}
	at_path_put(&ap);
	return err != 0 ? err : put_statfs(ARG(1), &out);
}

SYSCALL(fstatfs)
{
	struct tern_fs_statfs out;
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	long err = 0;
	if (file_is_remote(f)) {
		struct remote_request r = {.op = TERN_FS_STATFS, .handle = remote_handle(f), .path = "",
					   .arg0 = AT_EMPTY_PATH, .out = &out, .out_cap = sizeof(out)};
		err = remote_call(&r);
		if (err == 0 && r.out_len < sizeof(out))
			err = -EIO;
	} else {
		kernel_statfs(file_is_procfs(f), &out);
	}
	file_put(f);
	return err != 0 ? err : put_statfs(ARG(1), &out);
}

/* ---------------------------------------------------------------- copying between files */

/* Bytes sendfile moves per round: one mapping of the source at a time. */
#define SENDFILE_CHUNK (1u << 20)

/*
 * sendfile from a server file: the source range is mapped into the caller's
 * address space for the duration (the server's pages themselves, read-only),
 * and the destination's ordinary write takes it from there, whatever the
 * destination is. Between two server files the server copies by itself.
 */
static long send_mapped(struct file *out, struct file *in, uint64_t offset, size_t count, uint64_t *in_pos_out)
{
	struct vmspace *vs = current_process()->vm;
	uint64_t done = 0;
	long err = 0;

	while (done < count) {
		uint64_t at = offset + done;
		uint64_t base = at & ~(uint64_t)(PAGE_SIZE - 1);
		size_t want = count - done < SENDFILE_CHUNK ? count - done : SENDFILE_CHUNK;
		uint64_t span = (at - base + want + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
		struct kstat st;
		err = stat_file(in, &st);
		if (err != 0)
			break;
		if (at >= st.size)
			break;
		if (want > st.size - at)
			want = st.size - at;
		struct vm_object *o = in->ops->mmap_object(in, base, span, false);
		if (o == NULL) {
			err = -ENOMEM;
			break;
		}
		int64_t addr = vmspace_map(vs, 0, span, VM_PROT_READ, 0, o, 0, false, false);
		vm_object_put(o);
		if (addr < 0) {
			err = addr;
			break;
		}
		uint64_t pos = out->pos;
		int64_t n = out->ops->write(out, (uint64_t)addr + (at - base), want, &pos);
		if (n > 0 && out->ops->lseek != NULL)
			out->pos = pos;
		vmspace_unmap(vs, (uint64_t)addr, span);
		if (n <= 0) {
			err = n;
			break;
		}
		done += (uint64_t)n;
		if ((size_t)n < want)
			break;
	}
	*in_pos_out = offset + done;
	return done > 0 ? (long)done : err;
}

static long server_copy(struct file *in, uint64_t in_off, struct file *out, uint64_t out_off, size_t count)
{
	struct remote_request r = {.op = TERN_FS_COPY, .handle = remote_handle(in), .handle2 = remote_handle(out),
				   .offset = in_off, .len = count, .arg0 = out_off};
	return remote_call(&r);
}

SYSCALL(sendfile)
{
	struct file *out = fget((int)ARG(0)), *in = fget((int)ARG(1));
	uint64_t uoffset = ARG(2);
	size_t count = ARG(3) > 0x7ffff000ull ? 0x7ffff000ull : ARG(3);
	long err = 0;
	int64_t off = 0;

	if (out == NULL || in == NULL) {
		err = -EBADF;
		goto done;
	}
	if (!file_readable(in) || !file_writable(out) || (out->flags & O_APPEND)) {
		err = out->flags & O_APPEND ? -EINVAL : -EBADF;
		goto done;
	}
	if (!file_is_remote(in)) {
		err = -EINVAL; /* Linux needs a source it can map */
		goto done;
	}
	if (uoffset != 0 && copy_from_user(&off, uoffset, sizeof(off)) != 0) {
		err = -EFAULT;
		goto done;
	}
	if (uoffset != 0 && off < 0) {
		err = -EINVAL;
		goto done;
	}
	uint64_t start = uoffset != 0 ? (uint64_t)off : in->pos, end = start;
	if (count == 0) {
		err = 0;
	} else if (file_is_remote(out)) {
		err = server_copy(in, start, out, out->pos, count);
		if (err > 0) {
			out->pos += (uint64_t)err;
			end = start + (uint64_t)err;
		}
	} else {
		err = send_mapped(out, in, start, count, &end);
	}
	if (err >= 0) {
		if (uoffset != 0) {
			int64_t now = (int64_t)end;
			if (copy_to_user(uoffset, &now, sizeof(now)) != 0)
				err = -EFAULT;
		} else {
			in->pos = end;
		}
	}
done:
	if (out != NULL)
		file_put(out);
	if (in != NULL)
		file_put(in);
	return err;
}

SYSCALL(copy_file_range)
{
	struct file *in = fget((int)ARG(0)), *out = fget((int)ARG(2));
	uint64_t uin = ARG(1), uout = ARG(3);
	size_t count = ARG(4) > 0x7ffff000ull ? 0x7ffff000ull : ARG(4);
	long err = 0;
	int64_t in_off = 0, out_off = 0;

	if (in == NULL || out == NULL) {
		err = -EBADF;
		goto done;
	}
	if (ARG(5) != 0) {
		err = -EINVAL;
		goto done;
	}
	if (!file_readable(in) || !file_writable(out) || (out->flags & O_APPEND)) {
		err = -EBADF;
		goto done;
	}
	if (!file_is_remote(in) || !file_is_remote(out)) {
		err = -EINVAL;
		goto done;
	}
	struct kstat si, so;
	if (stat_file(in, &si) != 0 || stat_file(out, &so) != 0) {
		err = -EIO;
		goto done;
	}
	if ((si.mode & S_IFMT) == S_IFDIR || (so.mode & S_IFMT) == S_IFDIR) {
		err = -EISDIR;
		goto done;
	}
	if ((si.mode & S_IFMT) != S_IFREG || (so.mode & S_IFMT) != S_IFREG) {
		err = -EINVAL;
		goto done;
	}
	if ((uin != 0 && copy_from_user(&in_off, uin, sizeof(in_off)) != 0) ||
	    (uout != 0 && copy_from_user(&out_off, uout, sizeof(out_off)) != 0)) {
		err = -EFAULT;
		goto done;
	}
	/* Linux checks pos + count for overflow in unsigned terms: a negative offset is EOVERFLOW. */
	if ((uin != 0 && in_off < 0) || (uout != 0 && out_off < 0)) {
		err = -EOVERFLOW;
		goto done;
	}
	uint64_t from = uin != 0 ? (uint64_t)in_off : in->pos, to = uout != 0 ? (uint64_t)out_off : out->pos;
	err = count == 0 ? 0 : server_copy(in, from, out, to, count);
	if (err > 0) {
		int64_t nf = (int64_t)(from + (uint64_t)err), nt = (int64_t)(to + (uint64_t)err);
		/* Linux: the data is copied, but an offset it cannot write back makes it EFAULT. */
		if (uin != 0) {
			if (copy_to_user(uin, &nf, sizeof(nf)) != 0)
				err = -EFAULT;
		} else {
			in->pos = (uint64_t)nf;
		}
		if (uout != 0) {
			if (copy_to_user(uout, &nt, sizeof(nt)) != 0)
				err = -EFAULT;
		} else {
			out->pos = (uint64_t)nt;
		}
	}
done:
	if (in != NULL)
		file_put(in);
	if (out != NULL)
		file_put(out);
	return err;
}

/* ---------------------------------------------------------------- locks */

SYSCALL(flock)
{
	unsigned op = (unsigned)ARG(1);
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	long err = 0;
	unsigned kind = op & ~(unsigned)LOCK_NB;
	if (kind != LOCK_SH && kind != LOCK_EX && kind != LOCK_UN)
		err = -EINVAL;
	else if (f->flags & O_PATH)
		err = -EBADF;
	else if (file_is_remote(f))
		err = remote_flock(f, op);
	file_put(f);
	return err;
}

/* ---------------------------------------------------------------- for the kernel's own opens */

long exec_path_at(int dirfd, uint64_t upath, unsigned flags, char *out, size_t cap)
{
	struct at_path ap;
	struct kstat st;

	if (flags & ~(unsigned)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW))
		return -EINVAL;
	long err = at_path_get(dirfd, upath, (flags & AT_EMPTY_PATH) != 0, &ap);
	if (err != 0)
		return err;
	if (ap.path[0] == '/' || (dirfd == AT_FDCWD && ap.path[0] != '\0')) {
		err = strlcpy(out, ap.path, cap) < cap ? 0 : -ENAMETOOLONG;
	} else {
		/* The directory's path (or the file's own, for an empty path) and the rest. */
		long n = dir_path(ap.dir, out, cap);
		size_t sl = sizeof(DELETED_SUFFIX) - 1;
		if (n == -TERN_EREDIRECT || (n >= (long)sl && strcmp(out + n - sl, DELETED_SUFFIX) == 0))
			n = -ENOENT;
		err = n < 0 ? n : 0;
		if (err == 0 && ap.path[0] != '\0') {
			if ((size_t)n + 1 + strlen(ap.path) >= cap)
				err = -ENAMETOOLONG;
			else
				ksnprintf(out + n, cap - (size_t)n, "%s%s", n > 1 ? "/" : "", ap.path);
		}
	}
	if (err == 0 && ap.path[0] != '\0' && (flags & AT_SYMLINK_NOFOLLOW)) {
		struct at_path abs = {kstrdup(out), NULL};
		struct stat_args sa = {AT_SYMLINK_NOFOLLOW, &st};
		err = abs.path == NULL ? -ENOMEM : cross(&abs, stat_step, &sa);
		if (err == 0 && (st.mode & S_IFMT) == S_IFLNK)
			err = -ELOOP;
		at_path_put(&abs);
	}
	at_path_put(&ap);
	return err;
}

long path_open_kernel(const char *path, uint64_t flags, struct file **out)
{
	struct at_path ap = {kstrdup(path), NULL};

	if (ap.path == NULL)
		return -ENOMEM;
	if (path[0] != '/')
		ap.dir = cwd_get();
	long err = open_path(&ap, flags, 0, out);
	at_path_put(&ap);
	return err == -TERN_EREDIRECT ? -ENOENT : err;
}
