/*
 * File and directory system calls over the read-only initramfs view (until
 * the I/O server takes them over): open, stat, getdents64, readlink, access,
 * getcwd/chdir/fchdir. Calls that would modify the tree get EROFS (or EEXIST/
 * ENOENT first where Linux checks those before the file system's writability).
 */
#include "fd/file.h"
#include "fd/initramfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "mm/heap.h"
#include "mm/usercopy.h"
#include "proc/process.h"

#define R_OK 4
#define W_OK 2
#define X_OK 1
#define STATFS_MAGIC_RAMFS 0x858458f6
#define STATX_MASK_VALID 0x00000fffu
#define AT_STATX_SYNC_TYPE 0x6000
#define STATX_RESERVED 0x80000000u

static unsigned fd_limit(void)
{
	uint64_t cur = current_process()->rlimits[RLIMIT_NOFILE].cur;
	return cur > FD_HARD_MAX_LIMIT ? FD_HARD_MAX_LIMIT : (unsigned)cur;
}

/* Copies a path argument; Linux gives ENOENT for "", EFAULT for a bad pointer. */
static long get_path(uint64_t upath, char **out)
{
	char *path = kmalloc(PATH_MAX);
	if (path == NULL)
		return -ENOMEM;
	long len = strncpy_from_user(path, upath, PATH_MAX);
	if (len < 0) {
		kfree(path);
		return len;
	}
	*out = path;
	return len;
}

/* The directory a relative path starts from: the cwd, or dirfd's directory. */
static int base_dir(int dirfd, const char *path, struct ifs_node **base)
{
	struct process *p = current_process();

	if (path[0] == '/') {
		*base = initramfs_root();
		return 0;
	}
	if (dirfd == AT_FDCWD)
		return initramfs_lookup(NULL, p->fs->cwd, true, base) == 0 ? 0 : -ENOENT;
	struct file *f = fget(dirfd);
	if (f == NULL)
		return -EBADF;
	struct ifs_node *n = initramfs_file_node(f);
	file_put(f);
	if (n == NULL || !ifs_is_dir(n))
		return -ENOTDIR;
	*base = n;
	return 0;
}

static int resolve(int dirfd, const char *path, bool follow, struct ifs_node **out)
{
	struct ifs_node *base;
	int err = base_dir(dirfd, path, &base);

	if (err != 0)
		return err;
	return initramfs_lookup(base, path, follow, out);
}

static long do_open(int dirfd, uint64_t upath, unsigned flags, unsigned mode)
{
	char *path;
	struct ifs_node *n;
	long err = get_path(upath, &path);

	(void)mode;
	if (err < 0)
		return err;
	if (path[0] == '\0') {
		kfree(path);
		return -ENOENT;
	}
	if ((flags & O_TMPFILE) == O_TMPFILE) {
		kfree(path);
		return -EROFS;
	}
	err = resolve(dirfd, path, !(flags & O_NOFOLLOW), &n);
	kfree(path);
	if (err == -ENOENT && (flags & O_CREAT))
		return -EROFS;
	if (err != 0)
		return err;
	if ((flags & O_CREAT) && (flags & O_EXCL))
		return -EEXIST;
	if ((flags & O_NOFOLLOW) && ifs_is_link(n))
		return -ELOOP;
	if (ifs_is_dir(n) && (flags & O_CREAT))
		return -EISDIR;
	struct file *f;
	err = initramfs_open(n, flags & ~(unsigned)O_CLOEXEC, &f);
	if (err != 0)
		return err;
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

/* Stats dirfd+path, or the file dirfd itself with AT_EMPTY_PATH and "". */
static long stat_at(int dirfd, uint64_t upath, unsigned flags, struct kstat *k)
{
	char *path;
	long err = get_path(upath, &path);

	if (err < 0)
		return err;
	if (path[0] == '\0') {
		kfree(path);
		if (!(flags & AT_EMPTY_PATH))
			return -ENOENT;
		if (dirfd == AT_FDCWD) {
			struct ifs_node *n;
			if (resolve(AT_FDCWD, ".", true, &n) != 0)
				return -ENOENT;
			initramfs_stat(n, k);
			return 0;
		}
		struct file *f = fget(dirfd);
		if (f == NULL)
			return -EBADF;
		err = stat_file(f, k);
		file_put(f);
		return err;
	}
	struct ifs_node *n;
	err = resolve(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), &n);
	kfree(path);
	if (err != 0)
		return err;
	initramfs_stat(n, k);
	return 0;
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
	long err = stat_at((int)ARG(0), ARG(1), flags, &k);
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
	sx.stx_mtime.tv_sec = k.mtime.tv_sec;
	sx.stx_ctime.tv_sec = k.ctime.tv_sec;
	sx.stx_rdev_major = k.rdev >> 8;
	sx.stx_rdev_minor = k.rdev & 0xff;
	sx.stx_dev_major = (uint32_t)(k.dev >> 8);
	sx.stx_dev_minor = (uint32_t)(k.dev & 0xff);
	return copy_to_user(ARG(4), &sx, sizeof(sx));
}

/* ---------------------------------------------------------------- directories and links */

SYSCALL(getdents64)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	long r;
	if (f->ops->getdents == NULL)
		r = -ENOTDIR;
	else if (!user_range_ok(ARG(1), ARG(2)))
		r = -EFAULT;
	else
		r = f->ops->getdents(f, ARG(1), ARG(2));
	file_put(f);
	return r;
}

static long do_readlink(int dirfd, uint64_t upath, uint64_t ubuf, int64_t size)
{
	char *path;
	struct ifs_node *n;

	if (size <= 0)
		return -EINVAL;
	long err = get_path(upath, &path);
	if (err < 0)
		return err;
	err = resolve(dirfd, path, false, &n);
	kfree(path);
	if (err != 0)
		return err;
	if (!ifs_is_link(n))
		return -EINVAL;
	size_t len = n->size < (uint64_t)size ? n->size : (size_t)size;
	return copy_to_user(ubuf, n->data, len) == 0 ? (long)len : -EFAULT;
}

SYSCALL(readlink) { return do_readlink(AT_FDCWD, ARG(0), ARG(1), (int64_t)ARG(2)); }
SYSCALL(readlinkat) { return do_readlink((int)ARG(0), ARG(1), ARG(2), (int64_t)ARG(3)); }

static long do_access(int dirfd, uint64_t upath, int mode, unsigned flags)
{
	char *path;
	struct ifs_node *n;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(unsigned)(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	long err = get_path(upath, &path);
	if (err < 0)
		return err;
	err = path[0] == '\0' ? -ENOENT : resolve(dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), &n);
	kfree(path);
	if (err != 0)
		return err;
	if (mode & W_OK)
		return -EROFS;
	/* root may read anything; it may execute what has any execute bit (or a directory). */
	if ((mode & X_OK) && !ifs_is_dir(n) && (n->mode & 0111) == 0)
		return -EACCES;
	return 0;
}

SYSCALL(access) { return do_access(AT_FDCWD, ARG(0), (int)ARG(1), 0); }
SYSCALL(faccessat) { return do_access((int)ARG(0), ARG(1), (int)ARG(2), 0); }
SYSCALL(faccessat2) { return do_access((int)ARG(0), ARG(1), (int)ARG(2), (unsigned)ARG(3)); }

SYSCALL(getcwd)
{
	struct fs_context *fs = current_process()->fs;
	char buf[PATH_MAX];

	spin_lock(&fs->lock);
	size_t len = strlcpy(buf, fs->cwd, sizeof(buf)) + 1;
	spin_unlock(&fs->lock);
	if (ARG(1) < len)
		return -ERANGE;
	return copy_to_user(ARG(0), buf, len) == 0 ? (long)len : -EFAULT;
}

static long change_dir(struct ifs_node *n)
{
	struct fs_context *fs = current_process()->fs;
	char buf[PATH_MAX];

	if (!ifs_is_dir(n))
		return -ENOTDIR;
	initramfs_path(n, buf, sizeof(buf));
	spin_lock(&fs->lock);
	strlcpy(fs->cwd, buf, sizeof(fs->cwd));
	spin_unlock(&fs->lock);
	return 0;
}

SYSCALL(chdir)
{
	char *path;
	struct ifs_node *n;
	long err = get_path(ARG(0), &path);

	if (err < 0)
		return err;
	err = path[0] == '\0' ? -ENOENT : resolve(AT_FDCWD, path, true, &n);
	kfree(path);
	return err != 0 ? err : change_dir(n);
}

SYSCALL(fchdir)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	struct ifs_node *n = initramfs_file_node(f);
	file_put(f);
	return n == NULL ? -ENOTDIR : change_dir(n);
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

/* ---------------------------------------------------------------- changes: a read-only tree */

/* The error Linux gives for creating at path on a read-only file system. */
static long create_error(int dirfd, uint64_t upath)
{
	char *path;
	struct ifs_node *n;
	long err = get_path(upath, &path);

	if (err < 0)
		return err;
	err = path[0] == '\0' ? -ENOENT : resolve(dirfd, path, false, &n);
	kfree(path);
	if (err == 0)
		return -EEXIST;
	return err == -ENOENT ? -EROFS : err;
}

/* ... and for changing or removing an existing path. */
static long change_error(int dirfd, uint64_t upath)
{
	char *path;
	struct ifs_node *n;
	long err = get_path(upath, &path);

	if (err < 0)
		return err;
	err = path[0] == '\0' ? -ENOENT : resolve(dirfd, path, false, &n);
	kfree(path);
	return err != 0 ? err : -EROFS;
}

SYSCALL(mkdir) { return create_error(AT_FDCWD, ARG(0)); }
SYSCALL(mkdirat) { return create_error((int)ARG(0), ARG(1)); }
SYSCALL(mknod) { return create_error(AT_FDCWD, ARG(0)); }
SYSCALL(mknodat) { return create_error((int)ARG(0), ARG(1)); }
SYSCALL(symlink) { return create_error(AT_FDCWD, ARG(1)); }
SYSCALL(symlinkat) { return create_error((int)ARG(1), ARG(2)); }
SYSCALL(link) { long e = change_error(AT_FDCWD, ARG(0)); return e == -EROFS ? create_error(AT_FDCWD, ARG(1)) : e; }
SYSCALL(linkat) { long e = change_error((int)ARG(0), ARG(1)); return e == -EROFS ? create_error((int)ARG(2), ARG(3)) : e; }
SYSCALL(unlink) { return change_error(AT_FDCWD, ARG(0)); }
SYSCALL(unlinkat) { return change_error((int)ARG(0), ARG(1)); }
SYSCALL(rmdir) { return change_error(AT_FDCWD, ARG(0)); }
SYSCALL(rename) { return change_error(AT_FDCWD, ARG(0)); }
SYSCALL(renameat) { return change_error((int)ARG(0), ARG(1)); }
SYSCALL(renameat2) { return change_error((int)ARG(0), ARG(1)); }
SYSCALL(chmod) { return change_error(AT_FDCWD, ARG(0)); }
SYSCALL(fchmodat) { return change_error((int)ARG(0), ARG(1)); }
SYSCALL(chown) { return change_error(AT_FDCWD, ARG(0)); }
SYSCALL(lchown) { return change_error(AT_FDCWD, ARG(0)); }
SYSCALL(fchownat) { return change_error((int)ARG(0), ARG(1)); }
SYSCALL(truncate) { return change_error(AT_FDCWD, ARG(0)); }
SYSCALL(utimensat) { return ARG(1) == 0 ? -EROFS : change_error((int)ARG(0), ARG(1)); }

static long fd_change_error(int fd)
{
	struct file *f = fget(fd);
	if (f == NULL)
		return -EBADF;
	long r = initramfs_file_node(f) != NULL ? -EROFS : -EINVAL;
	file_put(f);
	return r;
}

SYSCALL(fchmod) { return fd_change_error((int)ARG(0)); }
SYSCALL(fchown) { return fd_change_error((int)ARG(0)); }

SYSCALL(ftruncate)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	long r = !file_writable(f) ? -EINVAL : -EROFS;
	file_put(f);
	return r;
}

SYSCALL(fsync)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	file_put(f);
	return 0; /* nothing is ever dirty */
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

#define ST_RDONLY 1

static long put_statfs(uint64_t ubuf)
{
	struct linux_statfs s;
	memset(&s, 0, sizeof(s));
	s.f_type = STATFS_MAGIC_RAMFS;
	s.f_bsize = 4096;
	s.f_frsize = 4096;
	s.f_namelen = NAME_MAX;
	s.f_flags = ST_RDONLY;
	return copy_to_user(ubuf, &s, sizeof(s));
}

SYSCALL(statfs)
{
	char *path;
	struct ifs_node *n;
	long err = get_path(ARG(0), &path);
	if (err < 0)
		return err;
	err = path[0] == '\0' ? -ENOENT : resolve(AT_FDCWD, path, true, &n);
	kfree(path);
	return err != 0 ? err : put_statfs(ARG(1));
}

SYSCALL(fstatfs)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	file_put(f);
	return put_statfs(ARG(1));
}
