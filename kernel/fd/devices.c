#include "fd/devices.h"

#include "core/random.h"
#include "fd/file.h"
#include "fd/poll.h"
#include "fd/tty.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/usercopy.h"

/* Device numbers (Linux Documentation/admin-guide/devices.txt). */
#define MEM_MAJOR 1
#define MINOR_NULL 3
#define MINOR_ZERO 5
#define MINOR_FULL 7
#define MINOR_RANDOM 8
#define MINOR_URANDOM 9
#define TTYAUX_MAJOR 5
#define MINOR_TTY 0
#define MINOR_CONSOLE 1

static int64_t read_nothing(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	(void)f, (void)buf, (void)len, (void)pos;
	return 0;
}

static int64_t write_all(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	(void)f, (void)buf, (void)pos;
	return (int64_t)len;
}

static int64_t write_full(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	(void)f, (void)buf, (void)len, (void)pos;
	return -ENOSPC;
}

static int64_t read_zeros(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	(void)f, (void)pos;
	return clear_user(buf, len) == 0 ? (int64_t)len : -EFAULT;
}

static int64_t read_random(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	uint8_t chunk[256];
	size_t done = 0;

	(void)f, (void)pos;
	while (done < len) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		random_bytes(chunk, n);
		if (copy_to_user(buf + done, chunk, n) != 0)
			return done > 0 ? (int64_t)done : -EFAULT;
		done += n;
	}
	memset(chunk, 0, sizeof(chunk));
	return (int64_t)done;
}

static int64_t seek_nowhere(struct file *f, int64_t off, int whence)
{
	(void)f, (void)off, (void)whence;
	return 0;
}

static int mem_stat(struct file *f, struct kstat *st)
{
	st->mode = S_IFCHR | 0666;
	st->nlink = 1;
	st->rdev = (uint32_t)(uintptr_t)f->priv;
	st->blksize = 4096;
	return 0;
}

#define MEM_DEVICE(n, rd, wr)                                                                  \
	{                                                                                      \
		.name = n, .read = rd, .write = wr, .lseek = seek_nowhere,                       \
		.stat = mem_stat                                                               \
	}

static const struct file_ops null_ops = MEM_DEVICE("null", read_nothing, write_all);
static const struct file_ops zero_ops = MEM_DEVICE("zero", read_zeros, write_all);
static const struct file_ops full_ops = MEM_DEVICE("full", read_zeros, write_full);
static const struct file_ops random_ops = MEM_DEVICE("random", read_random, write_all);

int device_open(uint32_t rdev, unsigned flags, struct file **out)
{
	const struct file_ops *ops = NULL;

	switch (rdev) {
	case DEV_MAKE(MEM_MAJOR, MINOR_NULL):
		ops = &null_ops;
		break;
	case DEV_MAKE(MEM_MAJOR, MINOR_ZERO):
		ops = &zero_ops;
		break;
	case DEV_MAKE(MEM_MAJOR, MINOR_FULL):
		ops = &full_ops;
		break;
	case DEV_MAKE(MEM_MAJOR, MINOR_RANDOM):
	case DEV_MAKE(MEM_MAJOR, MINOR_URANDOM):
		ops = &random_ops;
		break;
	case DEV_MAKE(TTYAUX_MAJOR, MINOR_TTY):
	case DEV_MAKE(TTYAUX_MAJOR, MINOR_CONSOLE):
		*out = tty_open_console(flags);
		return *out != NULL ? 0 : -ENOMEM;
	default:
		return -ENXIO;
	}
	*out = file_create(ops, flags, (void *)(uintptr_t)rdev);
	return *out != NULL ? 0 : -ENOMEM;
}
