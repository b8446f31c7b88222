/*
 * epoll, as Linux does it: each watched file gets a callback on its wait
 * queues; the callback puts the item on the ready list and wakes epoll_wait.
 * Level-triggered items stay on the ready list while they are ready;
 * EPOLLET items leave it once reported; EPOLLONESHOT items are disabled
 * until EPOLL_CTL_MOD. Items do not keep their file open: when the file's
 * last reference goes, its items are removed (epoll_file_released).
 *
 * Locking: ep->mutex serializes ctl and wait; ep->lock (a spinlock, taken by
 * the callbacks inside file queue locks) protects the ready list;
 * epoll_files_lock protects file->epitems, each item's file pointer and its
 * hooks (order: epoll_files_lock, then a file's queue lock, then ep->lock).
 * Files are polled with neither lock's spin part held.
 */
#include "fd/epoll.h"

#include "core/clock.h"
#include "fd/file.h"
#include "fd/poll.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "sched/mutex.h"
#include "sched/sched.h"

#define EPOLL_MAX_QUEUES 4 /* wait queues one file may register an item on */
#define EPOLL_PRIVATE_BITS (EPOLLET | EPOLLONESHOT | EPOLLWAKEUP | EPOLLEXCLUSIVE)
#define EPOLL_ALWAYS (POLLERR | POLLHUP)

struct epoll;

struct epitem {
	struct epoll *ep;
	struct file *file;           /* not referenced: see epoll_file_released */
	int fd;
	uint32_t events;             /* requested, with EPOLLET / EPOLLONESHOT */
	uint64_t data;
	bool ready;                  /* on ep->ready */
	bool disabled;               /* EPOLLONESHOT fired */
	struct list_node link;       /* ep->items */
	struct list_node ready_link; /* ep->ready */
	struct list_node file_link;  /* file->epitems (epoll_files_lock) */
	struct waiter waiters[EPOLL_MAX_QUEUES];
	unsigned nwaiters;
};

struct epoll {
	struct mutex mutex;       /* ctl and wait */
	struct spinlock lock;     /* ready list and items' ready flags */
	struct list_node items;
	struct list_node ready;
	struct wait_queue wait;   /* threads in epoll_wait, and pollers of the epoll fd */
	struct file *self;
};

#define EPOLL_MAX_NESTS 4
/* Serializes loop checks, which read other sets' item lists (Linux's epmutex). */
static struct mutex epoll_loop_mutex = MUTEX_INIT(epoll_loop_mutex);

/* Protects every file->epitems list and each item's file pointer. */
static struct spinlock epoll_files_lock = SPINLOCK_INIT("epoll-files");

static void item_callback(struct waiter *w)
{
	struct epitem *it = w->data;
	struct epoll *ep = it->ep;

	spin_lock(&ep->lock);
	if (!it->ready && !it->disabled) {
		it->ready = true;
		list_push_back(&ep->ready, &it->ready_link);
	}
	spin_unlock(&ep->lock);
	wake_up_all(&ep->wait);
}

static void item_queue(struct poll_table *pt, struct wait_queue *q)
{
	struct epitem *it = pt->data;

	if (it->nwaiters == EPOLL_MAX_QUEUES) {
		pt->failed = true;
		return;
	}
	waiter_add_callback(q, &it->waiters[it->nwaiters++], item_callback, it);
}

/* Caller holds epoll_files_lock (a released file and its epoll set may unhook at once). */
static void item_unhook_locked(struct epitem *it)
{
	for (unsigned i = 0; i < it->nwaiters; i++)
		waiter_remove(&it->waiters[i]);
	it->nwaiters = 0;
}

static void item_unhook(struct epitem *it)
{
	uint64_t flags = spin_lock_irqsave(&epoll_files_lock);
	item_unhook_locked(it);
	spin_unlock_irqrestore(&epoll_files_lock, flags);
}

/* Current readiness of the item's file, restricted to what it asked for. */
static uint32_t item_poll(struct epitem *it, struct file *f)
{
	uint32_t mask = f->ops->poll != NULL ? f->ops->poll(f, NULL) : (POLLIN | POLLOUT);
	return mask & ((it->events & ~(uint32_t)EPOLL_PRIVATE_BITS) | EPOLL_ALWAYS);
}

/* Removes an item whose waiters are already unhooked. Caller holds ep->mutex. */
static void item_free(struct epoll *ep, struct epitem *it)
{
	uint64_t flags = spin_lock_irqsave(&ep->lock);
	if (it->ready)
		list_remove(&it->ready_link);
	it->ready = false;
	spin_unlock_irqrestore(&ep->lock, flags);
	list_remove(&it->link);
	flags = spin_lock_irqsave(&epoll_files_lock);
	if (it->file != NULL)
		list_remove(&it->file_link);
	it->file = NULL;
	spin_unlock_irqrestore(&epoll_files_lock, flags);
	kfree(it);
}

static struct epitem *find_item(struct epoll *ep, struct file *f, int fd)
{
	for (struct list_node *n = ep->items.next; n != &ep->items; n = n->next) {
		struct epitem *it = list_entry(n, struct epitem, link);
		if (it->file == f && it->fd == fd)
			return it;
	}
	return NULL;
}

/* Registers the callbacks and queues the item if its file is ready now. */
static void item_arm(struct epoll *ep, struct epitem *it, struct file *f)
{
	struct poll_table pt;

	poll_table_init(&pt);
	pt.queue = item_queue;
	pt.data = it;
	uint32_t mask = f->ops->poll != NULL ? f->ops->poll(f, &pt) : (POLLIN | POLLOUT);
	mask &= (it->events & ~(uint32_t)EPOLL_PRIVATE_BITS) | EPOLL_ALWAYS;
	if (mask != 0)
		item_callback(&(struct waiter){.data = it});
	(void)ep;
}

/* Does epoll set `from` (transitively) watch `to`? Depth-limited like Linux (EP_MAX_NESTS). */
static bool reaches(struct epoll *from, struct file *to, int depth)
{
	if (depth > EPOLL_MAX_NESTS)
		return true;
	for (struct list_node *n = from->items.next; n != &from->items; n = n->next) {
		struct epitem *it = list_entry(n, struct epitem, link);
		if (it->file == to)
			return true;
		if (it->file != NULL && file_is_epoll(it->file) && reaches(it->file->priv, to, depth + 1))
			return true;
	}
	return false;
}

int epoll_ctl_op(struct file *epf, int op, int fd, struct file *target, const struct epoll_event_abi *ev)
{
	struct epoll *ep = epf->priv;
	int err = 0;

	if (target == epf)
		return -EINVAL;
	/* Adding a set that (through others) watches this one would make a wake-up loop. */
	if (op == EPOLL_CTL_ADD && file_is_epoll(target)) {
		mutex_lock(&epoll_loop_mutex);
		bool loop = reaches(target->priv, epf, 0);
		mutex_unlock(&epoll_loop_mutex);
		if (loop)
			return -ELOOP;
	}
	if (target->ops->poll == NULL)
		return -EPERM;
	mutex_lock(&ep->mutex);
	struct epitem *it = find_item(ep, target, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (it != NULL) {
			err = -EEXIST;
			break;
		}
		it = kzalloc(sizeof(*it));
		if (it == NULL) {
			err = -ENOMEM;
			break;
		}
		it->ep = ep;
		it->file = target;
		it->fd = fd;
		it->events = ev->events;
		it->data = ev->data;
		list_push_back(&ep->items, &it->link);
		uint64_t flags = spin_lock_irqsave(&epoll_files_lock);
		list_push_back(&target->epitems, &it->file_link);
		spin_unlock_irqrestore(&epoll_files_lock, flags);
		item_arm(ep, it, target);
		break;
	case EPOLL_CTL_MOD:
		if (it == NULL) {
			err = -ENOENT;
			break;
		}
		item_unhook(it);
		flags = spin_lock_irqsave(&ep->lock);
		it->events = ev->events;
		it->data = ev->data;
		it->disabled = false;
		if (it->ready)
			list_remove(&it->ready_link);
		it->ready = false;
		spin_unlock_irqrestore(&ep->lock, flags);
		item_arm(ep, it, target);
		break;
	case EPOLL_CTL_DEL:
		if (it == NULL) {
			err = -ENOENT;
			break;
		}
		item_unhook(it);
		item_free(ep, it);
		break;
	default:
		err = -EINVAL;
		break;
	}
	mutex_unlock(&ep->mutex);
	return err;
}

void epoll_file_released(struct file *f)
{
	for (;;) {
		uint64_t flags = spin_lock_irqsave(&epoll_files_lock);
		if (list_empty(&f->epitems)) {
			spin_unlock_irqrestore(&epoll_files_lock, flags);
			return;
		}
		struct epitem *it = list_entry(f->epitems.next, struct epitem, file_link);
		struct epoll *ep = it->ep;
		/* Keep the epoll alive while we take its mutex. */
		bool alive = file_tryget(ep->self);
		list_remove(&it->file_link);
		it->file = NULL;
		/* The file's queues go away with it: no callback may stay on them. Under
		 * the lock, so an epoll_release racing with us cannot free the item first. */
		item_unhook_locked(it);
		spin_unlock_irqrestore(&epoll_files_lock, flags);
		if (!alive)
			continue; /* the epoll is being released too and frees the item */
		mutex_lock(&ep->mutex);
		item_free(ep, it);
		mutex_unlock(&ep->mutex);
		file_put(ep->self);
	}
}

/*
 * Collects up to max ready events; caller holds ep->mutex. Files are polled
 * with a reference taken here; they go to *held so the caller drops them after
 * the mutex (a last reference would re-enter epoll_file_released).
 */
static int collect(struct epoll *ep, struct epoll_event_abi *out, int max, struct file **held, int *nheld)
{
	struct list_node batch;
	int n = 0;

	list_init(&batch);
	uint64_t flags = spin_lock_irqsave(&ep->lock);
	while (!list_empty(&ep->ready)) {
		struct list_node *node = ep->ready.next;
		list_remove(node);
		list_push_back(&batch, node);
	}
	spin_unlock_irqrestore(&ep->lock, flags);

	while (!list_empty(&batch)) {
		struct epitem *it = list_entry(batch.next, struct epitem, ready_link);
		list_remove(&it->ready_link);
		flags = spin_lock_irqsave(&ep->lock);
		it->ready = false;
		spin_unlock_irqrestore(&ep->lock, flags);
		if (it->disabled)
			continue;
		if (n == max || *nheld == EPOLL_COLLECT_MAX) {
			/* No room this time: this item and the rest of the batch go back to the
			 * front, in order, ahead of the items just reported (Linux's round robin). */
			flags = spin_lock_irqsave(&ep->lock);
			struct list_node *front = &ep->ready;
			list_insert_between(&it->ready_link, front, front->next);
			it->ready = true;
			front = &it->ready_link;
			while (!list_empty(&batch)) {
				struct epitem *rest = list_entry(batch.next, struct epitem, ready_link);
				list_remove(&rest->ready_link);
				list_insert_between(&rest->ready_link, front, front->next);
				rest->ready = true;
				front = &rest->ready_link;
			}
			spin_unlock_irqrestore(&ep->lock, flags);
			break;
		}
		flags = spin_lock_irqsave(&epoll_files_lock);
		struct file *f = it->file;
		bool got = f != NULL && file_tryget(f);
		spin_unlock_irqrestore(&epoll_files_lock, flags);
		if (!got)
			continue;
		held[(*nheld)++] = f;
		uint32_t mask = item_poll(it, f);
		if (mask == 0)
			continue;
		out[n].events = mask;
		out[n].data = it->data;
		n++;
		if (it->events & EPOLLONESHOT) {
			it->disabled = true;
		} else if (!(it->events & EPOLLET)) {
			/* Level-triggered: stays ready until a poll finds it idle. */
			flags = spin_lock_irqsave(&ep->lock);
			if (!it->ready) {
				it->ready = true;
				list_push_back(&ep->ready, &it->ready_link);
			}
			spin_unlock_irqrestore(&ep->lock, flags);
		}
	}
	return n;
}

int epoll_wait_events(struct file *epf, struct epoll_event_abi *out, int max, uint64_t deadline, bool forever)
{
	struct epoll *ep = epf->priv;
	struct waiter w;
	int n = 0;
	/* At most one reference per item polled; items outnumbering max wait for the next call. */
	struct file **held = kmalloc(EPOLL_COLLECT_MAX * sizeof(*held));

	if (held == NULL)
		return -ENOMEM;
	if (max > EPOLL_COLLECT_MAX)
		max = EPOLL_COLLECT_MAX;
	waiter_add(&ep->wait, &w);
	for (;;) {
		sched_prepare_block();
		int nheld = 0;
		mutex_lock(&ep->mutex);
		n = collect(ep, out, max, held, &nheld);
		mutex_unlock(&ep->mutex);
		for (int i = 0; i < nheld; i++)
			file_put(held[i]);
		if (n > 0)
			break;
		if (!forever && clock_monotonic_ns() >= deadline)
			break;
		if (signal_pending_current()) {
			n = -EINTR;
			break;
		}
		if (forever)
			schedule();
		else
			schedule_until(deadline);
	}
	sched_cancel_block();
	waiter_remove(&w);
	kfree(held);
	return n;
}

static unsigned epoll_poll(struct file *f, struct poll_table *pt)
{
	struct epoll *ep = f->priv;

	poll_wait(pt, &ep->wait);
	uint64_t flags = spin_lock_irqsave(&ep->lock);
	bool any = !list_empty(&ep->ready);
	spin_unlock_irqrestore(&ep->lock, flags);
	return any ? POLLIN | POLLRDNORM : 0;
}

static void epoll_release(struct file *f)
{
	struct epoll *ep = f->priv;

	mutex_lock(&ep->mutex);
	while (!list_empty(&ep->items)) {
		struct epitem *it = list_entry(ep->items.next, struct epitem, link);
		item_unhook(it);
		item_free(ep, it);
	}
	mutex_unlock(&ep->mutex);
	kfree(ep);
}

static int epoll_stat(struct file *f, struct kstat *st)
{
	(void)f;
	st->mode = 0600;
	st->nlink = 1;
	st->blksize = 4096;
	return 0;
}

static const struct file_ops epoll_ops = {
	.name = "epoll",
	.poll = epoll_poll,
	.stat = epoll_stat,
	.release = epoll_release,
};

int epoll_create_file(struct file **out)
{
	struct epoll *ep = kzalloc(sizeof(*ep));

	if (ep == NULL)
		return -ENOMEM;
	mutex_init(&ep->mutex);
	spin_init(&ep->lock, "epoll");
	list_init(&ep->items);
	list_init(&ep->ready);
	wait_queue_init(&ep->wait);
	*out = file_create(&epoll_ops, O_RDWR, ep);
	if (*out == NULL) {
		kfree(ep);
		return -ENOMEM;
	}
	ep->self = *out;
	return 0;
}

bool file_is_epoll(const struct file *f)
{
	return f->ops == &epoll_ops;
}
