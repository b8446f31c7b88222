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
	/* A FIFO (named pipe): opens so far by each side (a blocking open waits for the
	 * other side's count to move, as Linux does), and its node for fstat. */
	bool named;
	unsigned read_opens, write_opens;
	struct kstat node;
	int fifo_opens;              /* open ends, under fifo_lock: the last one removes it */
	struct list_node fifo_link;  /* fifos, under fifo_lock */
};

/* Inode numbers of unnamed pipes, for fstat and /proc/<pid>/fd (Linux counts them from get_next_ino). */
#define PIPE_FIRST_INO 0x1000
static uint64_t next_pipe_ino = PIPE_FIRST_INO;

/* The FIFOs that are open somewhere, by their node (device and inode number). */
static struct spinlock fifo_lock = SPINLOCK_INIT("fifos");
static struct list_node fifos = LIST_HEAD_INIT(fifos);

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
		/* No writer: hang-up, except for a FIFO reader that has seen none yet. */
		if (p->writers == 0 && (f->version == 0 || f->version - 1 != p->write_opens))
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
	struct pipe *p = f->priv;

	if (p->named) {
		*st = p->node;
		return 0;
	}
	st->mode = S_IFIFO | 0600;
	st->ino = p->node.ino;
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
	/* Read before unlocking: once the mutex is free, the other end's release may free
	 * an unnamed pipe (a FIFO stays until fifo_opens says so). */
	bool named = p->named;
	wake_up_all(&p->wait);
	mutex_unlock(&p->mutex);
	if (named) {
		/* A FIFO goes when its last end closes; a new open may have found it meanwhile. */
		uint64_t flags = spin_lock_irqsave(&fifo_lock);
		last = --p->fifo_opens == 0;
		if (last)
			list_remove(&p->fifo_link);
		spin_unlock_irqrestore(&fifo_lock, flags);
	}
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

static struct pipe *pipe_alloc(void)
{
	struct pipe *p = kzalloc(sizeof(*p));
	uint64_t pa = pmm_alloc(PIPE_BUFFER_ORDER);

	if (p == NULL || pa == 0) {
		kfree(p);
		if (pa != 0)
			pmm_free(pa, PIPE_BUFFER_ORDER);
		return NULL;
	}
	p->buf = phys_to_virt(pa);
	mutex_init(&p->mutex);
	wait_queue_init(&p->wait);
	list_init(&p->fifo_link);
	return p;
}

int pipe_create(struct file **read_end, struct file **write_end, unsigned flags)
{
	struct pipe *p = pipe_alloc();

	if (p == NULL)
		return -ENOMEM;
	p->readers = p->writers = 1;
	p->refs = 2;
	p->node.ino = __atomic_fetch_add(&next_pipe_ino, 1, __ATOMIC_RELAXED);
	*read_end = file_create(&pipe_ops, O_RDONLY | (flags & O_NONBLOCK), p);
	*write_end = file_create(&pipe_ops, O_WRONLY | (flags & O_NONBLOCK), p);
	if (*read_end == NULL || *write_end == NULL) {
		kfree(*read_end);
		kfree(*write_end);
		pmm_free(virt_to_phys(p->buf), PIPE_BUFFER_ORDER);
		kfree(p);
		return -ENOMEM;
	}
	return 0;
}

bool file_is_pipe(const struct file *f)
{
	return f->ops == &pipe_ops;
}

int pipe_reopen(struct file *f, unsigned flags, struct file **out)
{
	struct pipe *p = f->priv;
	struct file *end = file_create(&pipe_ops, flags & (O_ACCMODE | O_NONBLOCK), p);

	if (end == NULL)
		return -ENOMEM;
	if (p->named) {
		uint64_t irq = spin_lock_irqsave(&fifo_lock);
		p->fifo_opens++; /* f keeps it open meanwhile: it cannot be going */
		spin_unlock_irqrestore(&fifo_lock, irq);
	}
	mutex_lock(&p->mutex);
	p->refs++;
	if (file_readable(end))
		p->readers++;
	if (file_writable(end))
		p->writers++;
	wake_up_all(&p->wait);
	mutex_unlock(&p->mutex);
	*out = end;
	return 0;
}

/* The open FIFO for a node, with an open counted, or a new one; NULL when out of memory. */
static struct pipe *fifo_find(const struct kstat *node)
{
	struct pipe *fresh = NULL;

	for (;;) {
		uint64_t flags = spin_lock_irqsave(&fifo_lock);
		for (struct list_node *n = fifos.next; n != &fifos; n = n->next) {
			struct pipe *p = list_entry(n, struct pipe, fifo_link);
			if (p->node.dev == node->dev && p->node.ino == node->ino) {
				p->fifo_opens++;
				spin_unlock_irqrestore(&fifo_lock, flags);
				if (fresh != NULL) {
					pmm_free(virt_to_phys(fresh->buf), PIPE_BUFFER_ORDER);
					kfree(fresh);
				}
				return p;
			}
		}
		if (fresh != NULL) {
			fresh->fifo_opens = 1;
			list_push_back(&fifos, &fresh->fifo_link);
			spin_unlock_irqrestore(&fifo_lock, flags);
			return fresh;
		}
		spin_unlock_irqrestore(&fifo_lock, flags);
		fresh = pipe_alloc(); /* outside the lock; then look again */
		if (fresh == NULL)
			return NULL;
		fresh->named = true;
		fresh->node = *node;
	}
}

/* Sleeps until *count moves away from seen; false on a signal. Caller holds the mutex. */
static bool wait_for_partner(struct pipe *p, const unsigned *count, unsigned seen)
{
	while (*count == seen) {
		if (!wait_for_change(p))
			return false;
	}
	return true;
}

int fifo_open(const struct kstat *node, unsigned flags, struct file **out)
{
	unsigned acc = flags & O_ACCMODE;
	struct pipe *p = fifo_find(node);

	if (p == NULL)
		return -ENOMEM;
	struct file *f = file_create(&pipe_ops, flags & (O_ACCMODE | O_NONBLOCK), p);
	int err = f == NULL ? -ENOMEM : 0;
	mutex_lock(&p->mutex);
	if (err == 0 && acc == O_WRONLY && (flags & O_NONBLOCK) && p->readers == 0)
		err = -ENXIO; /* no reader: Linux refuses a non-blocking writer */
	if (err == 0) {
		p->refs++;
		if (acc != O_WRONLY) {
			p->readers++;
			p->read_opens++;
		}
		if (acc != O_RDONLY) {
			p->writers++;
			p->write_opens++;
		}
		wake_up_all(&p->wait);
		/* A blocking open waits for the other side (O_RDWR never does). */
		bool ok = true;
		if (acc == O_RDONLY && (flags & O_NONBLOCK) && p->writers == 0)
			f->version = (uint64_t)p->write_opens + 1; /* no POLLHUP until a writer comes */
		if (acc == O_RDONLY && !(flags & O_NONBLOCK) && p->writers == 0)
			ok = wait_for_partner(p, &p->write_opens, p->write_opens);
		else if (acc == O_WRONLY && p->readers == 0)
			ok = wait_for_partner(p, &p->read_opens, p->read_opens);
		if (!ok) {
			mutex_unlock(&p->mutex);
			file_put(f); /* pipe_release undoes the counts */
			return -ERESTARTSYS;
		}
	}
	mutex_unlock(&p->mutex);
	if (err != 0) {
		if (f != NULL) {
			f->priv = NULL;
			kfree(f);
		}
		uint64_t irq = spin_lock_irqsave(&fifo_lock);
		bool last = --p->fifo_opens == 0;
		if (last)
			list_remove(&p->fifo_link);
		spin_unlock_irqrestore(&fifo_lock, irq);
		if (last) {
			pmm_free(virt_to_phys(p->buf), PIPE_BUFFER_ORDER);
			kfree(p);
		}
		return err;
	}
	*out = f;
	return 0;
}
