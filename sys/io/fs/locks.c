#include "locks.h"

#include <stdlib.h>

#include "fs_internal.h"

struct posix_lock {
	struct posix_lock *next; /* by increasing start */
	int32_t pid;
	uint32_t type; /* F_RDLCK or F_WRLCK */
	uint64_t start, end; /* inclusive; end LOCK_OFFSET_MAX: to the end of the file */
};

struct flock_lock {
	struct flock_lock *next;
	uint64_t owner; /* handle id */
	uint32_t type;
};

struct lock_state {
	struct posix_lock *posix;
	struct flock_lock *flocks;
};

/* A request waiting for its lock. */
struct lock_waiter {
	struct list_node link;
	uint32_t slot;
	uint64_t handle_id;
	struct ramfs_node *node; /* a reference */
	bool flock;
	int32_t pid;
	uint32_t type;
	uint64_t start, end;
};

void locks_init(struct lock_table *table)
{
	list_init(&table->waiters);
	table->count = 0;
}

static struct lock_state *state_of(struct ramfs_node *node, bool create)
{
	if (node->locks == NULL && create)
		node->locks = calloc(1, sizeof(struct lock_state));
	return node->locks;
}

/* Frees the node's lock state once it holds nothing. */
static void state_trim(struct ramfs_node *node)
{
	struct lock_state *st = node->locks;
	if (st != NULL && st->posix == NULL && st->flocks == NULL) {
		free(st);
		node->locks = NULL;
	}
}

void locks_release_node(struct ramfs_node *node)
{
	struct lock_state *st = node->locks;
	if (st == NULL)
		return;
	while (st->posix != NULL) {
		struct posix_lock *next = st->posix->next;
		free(st->posix);
		st->posix = next;
	}
	while (st->flocks != NULL) {
		struct flock_lock *next = st->flocks->next;
		free(st->flocks);
		st->flocks = next;
	}
	state_trim(node);
}

/* POSIX locks. */

static bool ranges_overlap(uint64_t s1, uint64_t e1, uint64_t s2, uint64_t e2)
{
	return s1 <= e2 && s2 <= e1;
}

static bool types_conflict(uint32_t a, uint32_t b)
{
	return a == F_WRLCK || b == F_WRLCK;
}

/* The first lock of another process that stops pid locking [start, end] as type. */
static struct posix_lock *posix_conflict(struct ramfs_node *node, int32_t pid, uint32_t type, uint64_t start,
					 uint64_t end)
{
	struct lock_state *st = node->locks;
	for (struct posix_lock *l = st == NULL ? NULL : st->posix; l != NULL; l = l->next) {
		if (l->pid != pid && ranges_overlap(l->start, l->end, start, end) && types_conflict(l->type, type))
			return l;
	}
	return NULL;
}

static void posix_insert_sorted(struct lock_state *st, struct posix_lock *lock)
{
	struct posix_lock **p = &st->posix;
	while (*p != NULL && (*p)->start <= lock->start)
		p = &(*p)->next;
	lock->next = *p;
	*p = lock;
}

/*
 * Sets pid's lock on [start, end] to type (F_UNLCK: removes it): the new
 * range absorbs pid's locks of the same type it touches or overlaps; pid's
 * locks of another type lose the overlap, one of them split in two at most.
 * Two records are allocated up front so that nothing fails half way.
 */
static int posix_apply(struct ramfs_node *node, int32_t pid, uint32_t type, uint64_t start, uint64_t end)
{
	struct lock_state *st = state_of(node, true);
	struct posix_lock *spare[2] = {malloc(sizeof(struct posix_lock)), malloc(sizeof(struct posix_lock))};
	if (st == NULL || spare[0] == NULL || spare[1] == NULL) {
		free(spare[0]);
		free(spare[1]);
		if (st != NULL)
			state_trim(node);
		return -ENOLCK;
	}
	unsigned spares = 2;

	/* Merge: widen [start, end] over pid's same-type locks it overlaps or touches. */
	if (type != F_UNLCK) {
		for (struct posix_lock **p = &st->posix; *p != NULL;) {
			struct posix_lock *l = *p;
			bool touches = ranges_overlap(l->start, l->end, start, end) ||
				       (l->end != LOCK_OFFSET_MAX && l->end + 1 == start) ||
				       (end != LOCK_OFFSET_MAX && end + 1 == l->start);
			if (l->pid == pid && l->type == type && touches) {
				start = l->start < start ? l->start : start;
				end = l->end > end ? l->end : end;
				*p = l->next;
				free(l);
				continue;
			}
			p = &l->next;
		}
	}
	/* Carve [start, end] out of pid's other locks; re-insert what is left. */
	struct posix_lock *cut = NULL;
	for (struct posix_lock **p = &st->posix; *p != NULL;) {
		struct posix_lock *l = *p;
		if (l->pid != pid || !ranges_overlap(l->start, l->end, start, end)) {
			p = &l->next;
			continue;
		}
		*p = l->next;
		if (l->start < start && l->end > end) {
			struct posix_lock *right = spare[--spares];
			*right = *l;
			right->start = end + 1;
			right->next = cut;
			cut = right;
		}
		if (l->start < start) {
			l->end = start - 1;
			l->next = cut;
			cut = l;
		} else if (l->end > end) {
			l->start = end + 1;
			l->next = cut;
			cut = l;
		} else {
			free(l);
		}
	}
	while (cut != NULL) {
		struct posix_lock *next = cut->next;
		posix_insert_sorted(st, cut);
		cut = next;
	}
	if (type != F_UNLCK) {
		struct posix_lock *lock = spare[--spares];
		*lock = (struct posix_lock){.pid = pid, .type = type, .start = start, .end = end};
		posix_insert_sorted(st, lock);
	}
	while (spares > 0)
		free(spare[--spares]);
	state_trim(node);
	return 0;
}

/* flock locks. */

static struct flock_lock **flock_find(struct lock_state *st, uint64_t owner)
{
	struct flock_lock **p = &st->flocks;
	while (*p != NULL && (*p)->owner != owner)
		p = &(*p)->next;
	return p;
}

static bool flock_conflict(struct ramfs_node *node, uint64_t owner, uint32_t type)
{
	struct lock_state *st = node->locks;
	for (struct flock_lock *l = st == NULL ? NULL : st->flocks; l != NULL; l = l->next) {
		if (l->owner != owner && types_conflict(l->type, type))
			return true;
	}
	return false;
}

static void flock_remove(struct ramfs_node *node, uint64_t owner)
{
	struct lock_state *st = node->locks;
	if (st == NULL)
		return;
	struct flock_lock **p = flock_find(st, owner);
	if (*p != NULL) {
		struct flock_lock *l = *p;
		*p = l->next;
		free(l);
	}
	state_trim(node);
}

static int flock_add(struct ramfs_node *node, uint64_t owner, uint32_t type)
{
	struct lock_state *st = state_of(node, true);
	struct flock_lock *l = malloc(sizeof(*l));
	if (st == NULL || l == NULL) {
		free(l);
		if (st != NULL)
			state_trim(node);
		return -ENOLCK;
	}
	*l = (struct flock_lock){.next = st->flocks, .owner = owner, .type = type};
	st->flocks = l;
	return 0;
}

/* Waiters. */

static void answer(struct fs *fs, uint32_t slot, int64_t result)
{
	struct tern_fs_response resp = {.slot = slot, .result = result};
	fs->env.complete(fs->env.ctx, &resp);
}

static void waiter_end(struct fs *fs, struct lock_waiter *w, int64_t result)
{
	list_remove(&w->link);
	fs->locks.count--;
	uint32_t slot = w->slot;
	ramfs_node_put(w->node);
	free(w);
	answer(fs, slot, result);
}

static bool waiter_blocked(const struct lock_waiter *w)
{
	if (w->flock)
		return flock_conflict(w->node, w->handle_id, w->type);
	return posix_conflict(w->node, w->pid, w->type, w->start, w->end) != NULL;
}

/* Grants, oldest first, every wait on node that nothing blocks now. */
static void wake(struct fs *fs, struct ramfs_node *node)
{
	struct list_node *n = fs->locks.waiters.next;
	while (n != &fs->locks.waiters) {
		struct lock_waiter *w = list_entry(n, struct lock_waiter, link);
		n = n->next;
		if (w->node != node || waiter_blocked(w))
			continue;
		int err = w->flock ? flock_add(node, w->handle_id, w->type)
				   : posix_apply(node, w->pid, w->type, w->start, w->end);
		/* Granting may have changed what the next waiter sees; n stays valid:
		 * only w leaves the list here. */
		waiter_end(fs, w, err);
	}
}

static struct lock_waiter *waiter_in_slot(struct fs *fs, uint32_t slot)
{
	for (struct list_node *n = fs->locks.waiters.next; n != &fs->locks.waiters; n = n->next) {
		struct lock_waiter *w = list_entry(n, struct lock_waiter, link);
		if (w->slot == slot)
			return w;
	}
	return NULL;
}

/* Would pid waiting for `blocker` close a cycle? Follows which process each
 * blocking process itself waits for, as Linux's posix_locks_deadlock does. */
static bool would_deadlock(struct fs *fs, int32_t pid, const struct posix_lock *blocker)
{
	int32_t owner = blocker->pid;
	for (unsigned depth = 0; depth < LOCKS_DEADLOCK_DEPTH; depth++) {
		if (owner == pid)
			return true;
		const struct posix_lock *next = NULL;
		for (struct list_node *n = fs->locks.waiters.next; n != &fs->locks.waiters && next == NULL; n = n->next) {
			struct lock_waiter *w = list_entry(n, struct lock_waiter, link);
			if (!w->flock && w->pid == owner)
				next = posix_conflict(w->node, w->pid, w->type, w->start, w->end);
		}
		if (next == NULL)
			return false;
		owner = next->pid;
	}
	return false;
}

static int wait_for(struct fs *fs, struct handle *h, uint32_t slot, int32_t pid, bool flock, uint32_t type,
		    uint64_t start, uint64_t end)
{
	if (waiter_in_slot(fs, slot) != NULL)
		return -EBUSY; /* that slot is already waiting: the kernel broke the ring rules */
	struct lock_waiter *w = malloc(sizeof(*w));
	if (w == NULL)
		return -ENOLCK;
	*w = (struct lock_waiter){.slot = slot, .handle_id = h->id, .node = h->node, .flock = flock, .pid = pid,
				  .type = type, .start = start, .end = end};
	ramfs_node_get(h->node);
	list_push_back(&fs->locks.waiters, &w->link);
	fs->locks.count++;
	return 0;
}

/* The byte range of a request: [start, start + len - 1], len 0 to the end. */
static int lock_range(const struct tern_fs_lock *lk, uint64_t *start, uint64_t *end)
{
	if (lk->start > LOCK_OFFSET_MAX)
		return -EINVAL;
	*start = lk->start;
	if (lk->len == 0) {
		*end = LOCK_OFFSET_MAX;
		return 0;
	}
	if (lk->len - 1 > LOCK_OFFSET_MAX - lk->start)
		return -EOVERFLOW;
	*end = lk->start + lk->len - 1;
	return 0;
}

static int posix_request(struct fs *fs, struct handle *h, uint32_t slot, int32_t pid, uint32_t cmd,
			 struct tern_fs_lock *lk, bool *pending)
{
	uint64_t start, end;
	int err = lock_range(lk, &start, &end);
	if (err != 0)
		return err;
	uint32_t type = (uint32_t)lk->type;
	if (cmd == TERN_LOCK_GET) {
		if (type == F_UNLCK)
			return -EINVAL;
		struct posix_lock *l = posix_conflict(h->node, pid, type, start, end);
		if (l == NULL) {
			lk->type = F_UNLCK;
			return 0;
		}
		lk->type = (int32_t)l->type;
		lk->pid = l->pid;
		lk->start = l->start;
		lk->len = l->end == LOCK_OFFSET_MAX ? 0 : l->end - l->start + 1;
		return 0;
	}
	if ((type == F_RDLCK && !h->readable) || (type == F_WRLCK && !h->writable))
		return -EBADF;
	if (type != F_UNLCK) {
		struct posix_lock *blocker = posix_conflict(h->node, pid, type, start, end);
		if (blocker != NULL) {
			if (cmd != TERN_LOCK_WAIT)
				return -EAGAIN;
			if (would_deadlock(fs, pid, blocker))
				return -EDEADLK;
			err = wait_for(fs, h, slot, pid, false, type, start, end);
			*pending = err == 0;
			return err;
		}
	}
	err = posix_apply(h->node, pid, type, start, end);
	if (err == 0)
		wake(fs, h->node);
	return err;
}

static int flock_request(struct fs *fs, struct handle *h, uint32_t slot, uint32_t cmd, uint32_t type, bool *pending)
{
	if (cmd == TERN_LOCK_GET)
		return -EINVAL;
	struct lock_state *st = h->node->locks;
	struct flock_lock *own = st == NULL ? NULL : *flock_find(st, h->id);
	if (own != NULL && own->type == type)
		return 0;
	int err = 0;
	if (own != NULL)
		flock_remove(h->node, h->id);
	if (type != F_UNLCK) {
		if (flock_conflict(h->node, h->id, type)) {
			if (cmd == TERN_LOCK_WAIT) {
				err = wait_for(fs, h, slot, 0, true, type, 0, 0);
				*pending = err == 0;
			} else {
				err = -EAGAIN;
			}
		} else {
			err = flock_add(h->node, h->id, type);
		}
	}
	if (own != NULL)
		wake(fs, h->node);
	return err;
}

int locks_request(struct fs *fs, struct handle *h, uint32_t slot, int32_t pid, uint64_t cmd, struct tern_fs_lock *lk,
		  bool *pending)
{
	*pending = false;
	if (cmd & ~(uint64_t)(TERN_LOCK_CMD_MASK | TERN_LOCK_FLOCK))
		return -EINVAL;
	uint32_t op = (uint32_t)(cmd & TERN_LOCK_CMD_MASK);
	if (op != TERN_LOCK_GET && op != TERN_LOCK_SET && op != TERN_LOCK_WAIT)
		return -EINVAL;
	if (h->path_only || h == &fs->root_handle)
		return -EBADF;
	if (lk->type != F_RDLCK && lk->type != F_WRLCK && lk->type != F_UNLCK)
		return -EINVAL;
	if (cmd & TERN_LOCK_FLOCK)
		return flock_request(fs, h, slot, op, (uint32_t)lk->type, pending);
	return posix_request(fs, h, slot, pid, op, lk, pending);
}

void locks_unlock_process(struct fs *fs, struct ramfs_node *node, int32_t pid)
{
	if (node->locks == NULL)
		return;
	struct lock_state *st = node->locks;
	for (struct posix_lock **p = &st->posix; *p != NULL;) {
		struct posix_lock *l = *p;
		if (l->pid == pid) {
			*p = l->next;
			free(l);
		} else {
			p = &l->next;
		}
	}
	state_trim(node);
	wake(fs, node);
}

int locks_cancel(struct fs *fs, uint32_t slot)
{
	struct lock_waiter *w = waiter_in_slot(fs, slot);
	if (w == NULL)
		return -ENOENT;
	waiter_end(fs, w, -EINTR);
	return 0;
}

void locks_handle_closed(struct fs *fs, struct handle *h)
{
	struct list_node *n = fs->locks.waiters.next;
	while (n != &fs->locks.waiters) {
		struct lock_waiter *w = list_entry(n, struct lock_waiter, link);
		n = n->next;
		if (w->handle_id == h->id)
			waiter_end(fs, w, -EBADF);
	}
	struct lock_state *st = h->node->locks;
	if (st != NULL && *flock_find(st, h->id) != NULL) {
		flock_remove(h->node, h->id);
		wake(fs, h->node);
	}
}

void locks_destroy(struct fs *fs)
{
	while (!list_empty(&fs->locks.waiters)) {
		struct lock_waiter *w = list_entry(fs->locks.waiters.next, struct lock_waiter, link);
		list_remove(&w->link);
		ramfs_node_put(w->node);
		free(w);
	}
	fs->locks.count = 0;
}
