#include "fd/pipe.h"

#include "asm/layout.h"
#include "fd/file.h"
#include "fd/ioctl.h"
#include "fd/poll.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "proc/signal.h"
#include "sched/mutex.h"
#include "sched/sched.h"

#define PIPE_BUFFER_ORDER 4 /* 2^4 pages = PIPE_CAPACITY */

struct pipe {
	struct mutex mutex;     /* protects everything below */
	uint8_t *buf;
	uint64_t head, tail;    /* bytes ever written / read */
	unsigned readers, writers;
	int refs;               /* ends still open */
	struct wait_queue wait; /* readers, writers and pollers */
};

static uint64_t used(const struct pipe *p) { return p->head - p->tail; }

/* Sleeps until woken; returns false (with the mutex held again) on a signal. */
static bool wait_for_change(struct pipe *p)
{
	struct waiter w;

	waiter_add(&p->wait, &w);
	sched_prepare_block();
	mutex_unlock(&p->mutex);
	bool interrupted = signal_pending_current();
	if (!interrupted)
		schedule();
	sched_cancel_block();
	waiter_remove(&w);
	mutex_lock(&p->mutex);
	return !interrupted && !signal_pending_current();
}

static int64_t pipe_read(struct file *f, uint64_t ubuf, size_t len, uint64_t *pos)
{
	struct pipe *p = f->priv;
	int64_t done = 0;

	(void)pos;
	if (len == 0)
		return 0;
	mutex_lock(&p->mutex);
	while (used(p) == 0) {
		if (p->writers == 0)
			goto out;
		if (f->flags & O_NONBLOCK) {
			done = -EAGAIN;
			goto out;
		}
		if (!wait_for_change(p)) {
			done = -ERESTARTSYS;
			goto out;
		}
	}
	while ((size_t)done < len && used(p) > 0) {
		uint64_t off = p->tail % PIPE_CAPACITY;
		size_t n = PIPE_CAPACITY - off;
		if (n > used(p))
			n = used(p);
		if (n > len - (size_t)done)
			n = len - (size_t)done;
		if (copy_to_user(ubuf + (uint64_t)done, p->buf + off, n) != 0) {
			if (done == 0)
				done = -EFAULT;
			break;
		}
		p->tail += n;
		done += (int64_t)n;
	}
	wake_up_all(&p->wait);
out:
	mutex_unlock(&p->mutex);
	return done;
}

static int64_t pipe_write(struct file *f, uint64_t ubuf, size_t len, uint64_t *pos)
{
	struct pipe *p = f->priv;
	size_t done = 0;
	int64_t err = 0;

	(void)pos;
	mutex_lock(&p->mutex);
	while (done < len) {
		if (p->readers == 0) {
			struct siginfo info = signal_info_from_current(SIGPIPE);
			signal_send_thread(current_thread(), SIGPIPE, &info);
			err = -EPIPE;
			break;
		}
		size_t room = PIPE_CAPACITY - used(p);
		size_t want = len - done;
		/* Writes of at most PIPE_BUF bytes go in whole or not at all. */
		if (room == 0 || (want <= PIPE_BUF && room < want)) {
			if (f->flags & O_NONBLOCK) {
				err = -EAGAIN;
				break;
			}
			if (!wait_for_change(p)) {
				err = -ERESTARTSYS;
				break;
			}
			continue;
		}
		while (done < len && used(p) < PIPE_CAPACITY) {
			uint64_t off = p->head % PIPE_CAPACITY;
			size_t n = PIPE_CAPACITY - off;
			if (n > PIPE_CAPACITY - used(p))
				n = PIPE_CAPACITY - used(p);
			if (n > len - done)
				n = len - done;
			if (copy_from_user(p->buf + off, ubuf + done, n) != 0) {
				err = -EFAULT;
				break;
			}
			p->head += n;
			done += n;
		}
		wake_up_all(&p->wait);
		if (err != 0)
			break;
	}
	mutex_unlock(&p->mutex);
	return done > 0 ? (int64_t)done : err;
}

static unsigned pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	unsigned mask = 0;

	poll_wait(pt, &p->wait);
	mutex_lock(&p->mutex);
	if (file_readable(f)) {
		if (used(p) > 0)
			mask |= POLLIN | POLLRDNORM;
		if (p->writers == 0)
			mask |= POLLHUP;
	}
	if (file_writable(f)) {
		if (PIPE_CAPACITY - used(p) >= PIPE_BUF)
			mask |= POLLOUT | POLLWRNORM;
		if (p->readers == 0)
			mask |= POLLERR;
	}
	mutex_unlock(&p->mutex);
	return mask;
}

static long pipe_ioctl(struct file *f, unsigned cmd, uint64_t arg)
{
	struct pipe *p = f->priv;

	if (cmd != FIONREAD)
		return -ENOTTY;
	mutex_lock(&p->mutex);
	int n = (int)used(p);
	mutex_unlock(&p->mutex);
	return put_user(arg, n);
}

static int pipe_stat(struct file *f, struct kstat *st)
{
	(void)f;
	st->mode = S_IFIFO | 0600;
	st->nlink = 1;
	st->blksize = PAGE_SIZE;
	return 0;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;

	mutex_lock(&p->mutex);
	if (file_readable(f))
		p->readers--;
	if (file_writable(f))
		p->writers--;
	bool last = --p->refs == 0;
	wake_up_all(&p->wait);
	mutex_unlock(&p->mutex);
	if (last) {
		pmm_free(virt_to_phys(p->buf), PIPE_BUFFER_ORDER);
		kfree(p);
	}
}

static const struct file_ops pipe_ops = {
	.name = "pipe",
	.read = pipe_read,
	.write = pipe_write,
	.poll = pipe_poll,
	.ioctl = pipe_ioctl,
	.stat = pipe_stat,
	.release = pipe_release,
};

int pipe_create(struct file **read_end, struct file **write_end, unsigned flags)
{
	struct pipe *p = kzalloc(sizeof(*p));
	uint64_t pa = pmm_alloc(PIPE_BUFFER_ORDER);

	if (p == NULL || pa == 0) {
		kfree(p);
		if (pa != 0)
			pmm_free(pa, PIPE_BUFFER_ORDER);
		return -ENOMEM;
	}
	p->buf = phys_to_virt(pa);
	mutex_init(&p->mutex);
	wait_queue_init(&p->wait);
	p->readers = p->writers = 1;
	p->refs = 2;
	*read_end = file_create(&pipe_ops, O_RDONLY | (flags & O_NONBLOCK), p);
	*write_end = file_create(&pipe_ops, O_WRONLY | (flags & O_NONBLOCK), p);
	if (*read_end == NULL || *write_end == NULL) {
		kfree(*read_end);
		kfree(*write_end);
		pmm_free(pa, PIPE_BUFFER_ORDER);
		kfree(p);
		return -ENOMEM;
	}
	return 0;
}

bool file_is_pipe(const struct file *f)
{
	return f->ops == &pipe_ops;
}
