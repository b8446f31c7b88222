/* File-descriptor system calls (read/write and friends, dup, pipe, fcntl, ioctl, lseek). */
#include "fd/eventfd.h"
#include "fd/file.h"
#include "fd/ioctl.h"
#include "fd/pipe.h"
#include "fd/remote.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "mm/heap.h"
#include "mm/usercopy.h"
#include "proc/process.h"

#define RW_MAX 0x7ffff000ull /* Linux MAX_RW_COUNT: one call moves at most this much */

static unsigned fd_limit(void)
{
	uint64_t cur = current_process()->rlimits[RLIMIT_NOFILE].cur;
	return cur > FD_HARD_MAX_LIMIT ? FD_HARD_MAX_LIMIT : (unsigned)cur;
}

static int64_t do_read(struct file *f, uint64_t buf, size_t len, int64_t offset)
{
	if (!file_readable(f))
		return -EBADF;
	if (f->ops->read == NULL)
		return -EINVAL;
	if (len > RW_MAX)
		len = RW_MAX;
	if (!user_range_ok(buf, len))
		return -EFAULT;
	if (offset >= 0) {
		uint64_t pos = (uint64_t)offset;
		return f->ops->read(f, buf, len, &pos);
	}
	uint64_t pos = f->pos;
	int64_t r = f->ops->read(f, buf, len, &pos);
	if (r > 0)
		f->pos = pos;
	return r;
}

static int64_t do_write(struct file *f, uint64_t buf, size_t len, int64_t offset)
{
	if (!file_writable(f))
		return -EBADF;
	if (f->ops->write == NULL)
		return -EINVAL;
	if (len > RW_MAX)
		len = RW_MAX;
	if (!user_range_ok(buf, len))
		return -EFAULT;
	if (offset >= 0) {
		uint64_t pos = (uint64_t)offset;
		return f->ops->write(f, buf, len, &pos);
	}
	uint64_t pos = f->pos;
	int64_t r = f->ops->write(f, buf, len, &pos);
	if (r > 0)
		f->pos = pos;
	return r;
}

SYSCALL(read)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	int64_t r = do_read(f, ARG(1), ARG(2), -1);
	file_put(f);
	return r;
}

SYSCALL(write)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	int64_t r = do_write(f, ARG(1), ARG(2), -1);
	file_put(f);
	return r;
}

static bool seekable(struct file *f)
{
	return f->ops->lseek != NULL;
}

SYSCALL(pread64)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	int64_t r = !seekable(f) ? -ESPIPE : (int64_t)ARG(3) < 0 ? -EINVAL : do_read(f, ARG(1), ARG(2), (int64_t)ARG(3));
	file_put(f);
	return r;
}

SYSCALL(pwrite64)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	int64_t r = !seekable(f) ? -ESPIPE : (int64_t)ARG(3) < 0 ? -EINVAL : do_write(f, ARG(1), ARG(2), (int64_t)ARG(3));
	file_put(f);
	return r;
}

/* Vectored I/O: each iovec in turn, stopping at the first short transfer (as Linux does for streams). */
static int64_t do_vector(int fd, uint64_t uiov, uint64_t count, int64_t offset, bool writing, bool positioned)
{
	struct linux_iovec iov[IOV_MAX > 64 ? 64 : IOV_MAX];
	int64_t total = 0;

	if (count > IOV_MAX)
		return -EINVAL;
	struct file *f = fget(fd);
	if (f == NULL)
		return -EBADF;
	if (positioned && (!seekable(f) || offset < 0)) {
		file_put(f);
		return !seekable(f) ? -ESPIPE : -EINVAL;
	}
	uint64_t done_vecs = 0;
	int64_t result = 0;
	/* Validate lengths first (Linux: EINVAL if the sum overflows ssize_t). */
	uint64_t sum = 0;
	for (uint64_t base = 0; base < count; base += 64) {
		uint64_t n = count - base < 64 ? count - base : 64;
		if (copy_from_user(iov, uiov + base * sizeof(iov[0]), n * sizeof(iov[0])) != 0) {
			file_put(f);
			return -EFAULT;
		}
		for (uint64_t i = 0; i < n; i++) {
			if ((int64_t)iov[i].len < 0 || sum + iov[i].len < sum || sum + iov[i].len > (uint64_t)INT64_MAX) {
				file_put(f);
				return -EINVAL;
			}
			sum += iov[i].len;
		}
	}
	while (done_vecs < count) {
		uint64_t n = count - done_vecs < 64 ? count - done_vecs : 64;
		if (copy_from_user(iov, uiov + done_vecs * sizeof(iov[0]), n * sizeof(iov[0])) != 0) {
			result = -EFAULT;
			break;
		}
		bool short_io = false;
		for (uint64_t i = 0; i < n; i++) {
			if (iov[i].len == 0)
				continue;
			int64_t pos = positioned ? offset + total : -1;
			int64_t r = writing ? do_write(f, iov[i].base, iov[i].len, pos) : do_read(f, iov[i].base, iov[i].len, pos);
			if (r < 0) {
				result = r;
				short_io = true;
				break;
			}
			total += r;
			if ((uint64_t)r < iov[i].len) {
				short_io = true;
				break;
			}
		}
		if (short_io)
			break;
		done_vecs += n;
	}
	file_put(f);
	return total > 0 ? total : result;
}

SYSCALL(readv) { return do_vector((int)ARG(0), ARG(1), ARG(2), -1, false, false); }
SYSCALL(writev) { return do_vector((int)ARG(0), ARG(1), ARG(2), -1, true, false); }
SYSCALL(preadv) { return do_vector((int)ARG(0), ARG(1), ARG(2), (int64_t)ARG(3), false, true); }
SYSCALL(pwritev) { return do_vector((int)ARG(0), ARG(1), ARG(2), (int64_t)ARG(3), true, true); }

SYSCALL(close)
{
	return fd_close(current_process()->fds, (int)ARG(0));
}

SYSCALL(lseek)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	int whence = (int)ARG(2);
	int64_t r;
	if (!seekable(f))
		r = -ESPIPE;
	else if (whence < SEEK_SET || whence > SEEK_HOLE || (whence > SEEK_END && !file_is_remote(f)))
		r = -EINVAL;
	else
		r = f->ops->lseek(f, (int64_t)ARG(1), whence);
	file_put(f);
	return r;
}

SYSCALL(dup)
{
	struct file *f = fget((int)ARG(0));
	if (f == NULL)
		return -EBADF;
	int r = fd_install(current_process()->fds, f, 0, false, fd_limit());
	file_put(f);
	return r;
}

static long do_dup3(int oldfd, int newfd, unsigned flags)
{
	if (flags & ~(unsigned)O_CLOEXEC)
		return -EINVAL;
	struct file *f = fget(oldfd);
	if (f == NULL)
		return -EBADF;
	long r = fd_install_at(current_process()->fds, f, newfd, (flags & O_CLOEXEC) != 0, fd_limit());
	file_put(f);
	return r;
}

SYSCALL(dup2)
{
	int oldfd = (int)ARG(0), newfd = (int)ARG(1);
	if (oldfd == newfd) {
		struct file *f = fget(oldfd);
		if (f == NULL)
			return -EBADF;
		file_put(f);
		return newfd;
	}
	return do_dup3(oldfd, newfd, 0);
}

SYSCALL(dup3)
{
	if ((int)ARG(0) == (int)ARG(1))
		return -EINVAL;
	return do_dup3((int)ARG(0), (int)ARG(1), (unsigned)ARG(2));
}

static long do_pipe(uint64_t ufds, unsigned flags)
{
	struct file *r, *w;
	struct process *p = current_process();

	if (flags & ~(unsigned)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	int err = pipe_create(&r, &w, flags);
	if (err != 0)
		return err;
	bool cloexec = (flags & O_CLOEXEC) != 0;
	int fds[2];
	fds[0] = fd_install(p->fds, r, 0, cloexec, fd_limit());
	fds[1] = fds[0] >= 0 ? fd_install(p->fds, w, 0, cloexec, fd_limit()) : -EMFILE;
	file_put(r);
	file_put(w);
	if (fds[1] < 0) {
		if (fds[0] >= 0)
			fd_close(p->fds, fds[0]);
		return fds[1];
	}
	if (copy_to_user(ufds, fds, sizeof(fds)) != 0) {
		fd_close(p->fds, fds[0]);
		fd_close(p->fds, fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL(pipe) { return do_pipe(ARG(0), 0); }
SYSCALL(pipe2) { return do_pipe(ARG(0), (unsigned)ARG(1)); }

/* Status flags F_SETFL may change (Linux SETFL_MASK). */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

SYSCALL(fcntl)
{
	int fd = (int)ARG(0);
	struct process *p = current_process();
	struct file *f = fget(fd);
	long r;

	if (f == NULL)
		return -EBADF;
	switch ((int)ARG(1)) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if ((int64_t)ARG(2) < 0 || ARG(2) >= fd_limit())
			r = -EINVAL;
		else
			r = fd_install(p->fds, f, (int)ARG(2), (int)ARG(1) == F_DUPFD_CLOEXEC, fd_limit());
		break;
	case F_GETFD:
		r = fd_get_cloexec(p->fds, fd) > 0 ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		r = fd_set_cloexec(p->fds, fd, (ARG(2) & FD_CLOEXEC) != 0);
		break;
	case F_GETFL:
		r = f->flags & ~(unsigned)(O_CLOEXEC | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC);
		break;
	case F_SETFL:
		spin_lock(&f->lock);
		f->flags = (f->flags & ~(unsigned)SETFL_MASK) | ((unsigned)ARG(2) & SETFL_MASK);
		spin_unlock(&f->lock);
		r = 0;
		break;
	case F_GETPIPE_SZ:
		r = file_is_pipe(f) ? PIPE_CAPACITY : -EBADF;
		break;
	case F_GETOWN:
		r = 0;
		break;
	case F_SETOWN:
		r = 0;
		break;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
		if (f->flags & O_PATH)
			r = -EBADF;
		else if (file_is_remote(f))
			r = remote_fcntl_lock(f, (int)ARG(1), ARG(2));
		else
			r = -EINVAL; /* pipes and devices have no byte ranges to lock here */
		break;
	default:
		r = -EINVAL;
		break;
	}
	file_put(f);
	return r;
}

SYSCALL(ioctl)
{
	struct file *f = fget((int)ARG(0));
	unsigned cmd = (unsigned)ARG(1);
	long r;

	if (f == NULL)
		return -EBADF;
	switch (cmd) {
	case FIONBIO: {
		int32_t on;
		if (get_user(on, ARG(2)) != 0) {
			r = -EFAULT;
			break;
		}
		spin_lock(&f->lock);
		f->flags = on ? (f->flags | O_NONBLOCK) : (f->flags & ~(unsigned)O_NONBLOCK);
		spin_unlock(&f->lock);
		r = 0;
		break;
	}
	case FIOCLEX:
		r = fd_set_cloexec(current_process()->fds, (int)ARG(0), true);
		break;
	case FIONCLEX:
		r = fd_set_cloexec(current_process()->fds, (int)ARG(0), false);
		break;
	default:
		r = f->ops->ioctl != NULL ? f->ops->ioctl(f, cmd, ARG(2)) : -ENOTTY;
		break;
	}
	file_put(f);
	return r;
}

static long do_eventfd(unsigned initval, unsigned flags)
{
	struct file *f;

	if (flags & ~(unsigned)(EFD_CLOEXEC | EFD_NONBLOCK | EFD_SEMAPHORE))
		return -EINVAL;
	int err = eventfd_create(initval, flags, &f);
	if (err != 0)
		return err;
	int fd = fd_install(current_process()->fds, f, 0, (flags & EFD_CLOEXEC) != 0, fd_limit());
	file_put(f);
	return fd;
}

SYSCALL(eventfd) { return do_eventfd((unsigned)ARG(0), 0); }
SYSCALL(eventfd2) { return do_eventfd((unsigned)ARG(0), (unsigned)ARG(1)); }

/* RWF_HIPRI, DSYNC, SYNC, NOWAIT, APPEND, NOAPPEND, DONTCACHE: hints that need no action here. */
#define RWF_KNOWN 0xbfull

SYSCALL(preadv2)
{
	if (ARG(5) & ~RWF_KNOWN)
		return -EOPNOTSUPP;
	int64_t off = (int64_t)ARG(3);
	return do_vector((int)ARG(0), ARG(1), ARG(2), off, false, off != -1);
}

SYSCALL(pwritev2)
{
	if (ARG(5) & ~RWF_KNOWN)
		return -EOPNOTSUPP;
	int64_t off = (int64_t)ARG(3);
	return do_vector((int)ARG(0), ARG(1), ARG(2), off, true, off != -1);
}

#define CLOSE_RANGE_UNSHARE 2
#define CLOSE_RANGE_CLOEXEC 4

SYSCALL(close_range)
{
	unsigned first = (unsigned)ARG(0), last = (unsigned)ARG(1), flags = (unsigned)ARG(2);
	struct fd_table *t = current_process()->fds;

	if (flags & ~(unsigned)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC))
		return -EINVAL;
	if (first > last)
		return -EINVAL;
	if ((flags & CLOSE_RANGE_UNSHARE) && t->refs > 1) {
		struct fd_table *copy = fd_table_copy(t);
		if (copy == NULL)
			return -ENOMEM;
		uint64_t irq = spin_lock_irqsave(&proc_tree_lock); /* /proc reads other processes' tables under it */
		current_process()->fds = copy;
		spin_unlock_irqrestore(&proc_tree_lock, irq);
		fd_table_put(t);
		t = copy;
	}
	unsigned size = t->size;
	for (unsigned fd = first; fd <= last && fd < size; fd++) {
		if (flags & CLOSE_RANGE_CLOEXEC)
			fd_set_cloexec(t, (int)fd, true);
		else
			fd_close(t, (int)fd);
		if (fd == UINT32_MAX)
			break;
	}
	return 0;
}
