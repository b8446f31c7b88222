#include "fd/eventfd.h"

#include "fd/file.h"
#include "fd/poll.h"
#include "lib/errno.h"
#include "mm/heap.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "sched/sched.h"

#define EVENTFD_MAX 0xfffffffffffffffeull

struct eventfd {
	struct spinlock lock; /* protects count */
	uint64_t count;
	bool semaphore;
	struct wait_queue wait;
};

/* Waits until ready() holds (under the lock) or a signal arrives; returns 0 or an error. */
static int wait_until(struct file *f, struct eventfd *e, bool (*ready)(struct eventfd *, uint64_t), uint64_t arg,
		      uint64_t *flags)
{
	struct waiter w;
	int err = 0;

	if (ready(e, arg))
		return 0;
	if (f->flags & O_NONBLOCK)
		return -EAGAIN;
	waiter_add(&e->wait, &w);
	for (;;) {
		sched_prepare_block();
		if (ready(e, arg))
			break;
		if (signal_pending_current()) {
			err = -ERESTARTSYS;
			break;
		}
		spin_unlock_irqrestore(&e->lock, *flags);
		schedule();
		*flags = spin_lock_irqsave(&e->lock);
	}
	sched_cancel_block();
	waiter_remove(&w);
	return err;
}

static bool has_count(struct eventfd *e, uint64_t unused)
{
	(void)unused;
	return e->count > 0;
}

static bool has_room(struct eventfd *e, uint64_t add)
{
	return EVENTFD_MAX - e->count >= add;
}

static int64_t eventfd_read(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t value;

	(void)pos;
	if (len < sizeof(value))
		return -EINVAL;
	uint64_t flags = spin_lock_irqsave(&e->lock);
	int err = wait_until(f, e, has_count, 0, &flags);
	if (err != 0) {
		spin_unlock_irqrestore(&e->lock, flags);
		return err;
	}
	value = e->semaphore ? 1 : e->count;
	e->count -= value;
	spin_unlock_irqrestore(&e->lock, flags);
	wake_up_all(&e->wait);
	if (copy_to_user(buf, &value, sizeof(value)) != 0)
		return -EFAULT;
	return sizeof(value);
}

static int64_t eventfd_write(struct file *f, uint64_t buf, size_t len, uint64_t *pos)
{
	struct eventfd *e = f->priv;
	uint64_t value;

	(void)pos;
	if (len < sizeof(value))
		return -EINVAL;
	if (copy_from_user(&value, buf, sizeof(value)) != 0)
		return -EFAULT;
	if (value == 0xffffffffffffffffull)
		return -EINVAL;
	uint64_t flags = spin_lock_irqsave(&e->lock);
	int err = wait_until(f, e, has_room, value, &flags);
	if (err == 0)
		e->count += value;
	spin_unlock_irqrestore(&e->lock, flags);
	if (err != 0)
		return err;
	wake_up_all(&e->wait);
	return sizeof(value);
}

static unsigned eventfd_poll(struct file *f, struct poll_table *pt)
{
	struct eventfd *e = f->priv;
	unsigned mask = 0;

	poll_wait(pt, &e->wait);
	uint64_t flags = spin_lock_irqsave(&e->lock);
	if (e->count > 0)
		mask |= POLLIN | POLLRDNORM;
	if (e->count < EVENTFD_MAX)
		mask |= POLLOUT | POLLWRNORM;
	spin_unlock_irqrestore(&e->lock, flags);
	return mask;
}

static int eventfd_stat(struct file *f, struct kstat *st)
{
	(void)f;
	st->mode = 0600; /* anonymous inode: no file type bits, like Linux */
	st->nlink = 1;
	st->blksize = 4096;
	return 0;
}

static void eventfd_release(struct file *f)
{
	kfree(f->priv);
}

static const struct file_ops eventfd_ops = {
	.name = "eventfd",
	.read = eventfd_read,
	.write = eventfd_write,
	.poll = eventfd_poll,
	.stat = eventfd_stat,
	.release = eventfd_release,
};

int eventfd_create(unsigned initval, unsigned flags, struct file **out)
{
	struct eventfd *e = kzalloc(sizeof(*e));

	if (e == NULL)
		return -ENOMEM;
	spin_init(&e->lock, "eventfd");
	wait_queue_init(&e->wait);
	e->count = initval;
	e->semaphore = (flags & EFD_SEMAPHORE) != 0;
	*out = file_create(&eventfd_ops, O_RDWR | (flags & EFD_NONBLOCK), e);
	if (*out == NULL) {
		kfree(e);
		return -ENOMEM;
	}
	return 0;
}
