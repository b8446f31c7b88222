#include "proc/futex.h"

#include "core/clock.h"
#include "lib/errno.h"
#include "lib/list.h"
#include "linux/abi.h"
#include "linux/time.h"
#include "mm/usercopy.h"
#include "mm/vmspace.h"
#include "proc/process.h"
#include "sched/sched.h"

#define FUTEX_BUCKETS 256
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_TID_MASK 0x3fffffffu
#define ROBUST_LIST_LIMIT 2048 /* Linux ROBUST_LIST_LIMIT */

struct futex_key {
	uintptr_t space;  /* vmspace (private) or vm_object (shared) */
	uint64_t offset;  /* user address, or offset in the object */
};

struct futex_waiter {
	struct list_node link;
	struct futex_key key;
	uint32_t bitset;
	struct thread *thread;
	bool woken;
};

struct futex_bucket {
	struct spinlock lock; /* protects waiters */
	struct list_node waiters;
};

static struct futex_bucket buckets[FUTEX_BUCKETS];

void futex_init(void)
{
	for (int i = 0; i < FUTEX_BUCKETS; i++) {
		spin_init(&buckets[i].lock, "futex");
		list_init(&buckets[i].waiters);
	}
}

static struct futex_bucket *bucket_of(const struct futex_key *k)
{
	uint64_t h = (k->space ^ (k->offset * 0x9e3779b97f4a7c15ull)) >> 7;
	return &buckets[(h ^ (h >> 17)) % FUTEX_BUCKETS];
}

static bool same_key(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->offset == b->offset;
}

static int get_key(uint64_t uaddr, bool private_flag, struct futex_key *k)
{
	struct vmspace *vs = current_process()->vm;

	if ((uaddr & 3) != 0)
		return -EINVAL;
	if (!user_range_ok(uaddr, 4))
		return -EFAULT;
	if (!private_flag) {
		/* A shared futex needs its page: Linux looks it up, and fails on unmapped memory. */
		int r = vmspace_shared_key(vs, uaddr, &k->space, &k->offset);
		if (r < 0)
			return r;
		if (r > 0)
			return 0;
	}
	k->space = (uintptr_t)vs;
	k->offset = uaddr;
	return 0;
}

static int futex_wait(uint64_t uaddr, bool priv, uint32_t val, uint64_t deadline_ns, uint32_t bitset)
{
	struct futex_key key;
	struct futex_waiter w = {.bitset = bitset, .thread = current_thread()};
	int err = get_key(uaddr, priv, &key);

	if (err != 0)
		return err;
	if (bitset == 0)
		return -EINVAL;
	w.key = key;
	struct futex_bucket *b = bucket_of(&key);
	uint64_t flags = spin_lock_irqsave(&b->lock);
	uint32_t cur;
	if (get_user(cur, uaddr) != 0) {
		spin_unlock_irqrestore(&b->lock, flags);
		return -EFAULT;
	}
	if (cur != val) {
		spin_unlock_irqrestore(&b->lock, flags);
		return -EAGAIN;
	}
	list_push_back(&b->waiters, &w.link);
	for (;;) {
		sched_prepare_block();
		if (w.woken)
			break;
		if (signal_pending_current()) {
			/* A timed wait is not restarted after a handler ran, even with SA_RESTART (Linux). */
			err = deadline_ns != 0 ? -ERESTARTNOHAND : -ERESTARTSYS;
			break;
		}
		if (deadline_ns != 0 && clock_monotonic_ns() >= deadline_ns) {
			err = -ETIMEDOUT;
			break;
		}
		spin_unlock_irqrestore(&b->lock, flags);
		if (deadline_ns != 0)
			schedule_until(deadline_ns);
		else
			schedule();
		flags = spin_lock_irqsave(&b->lock);
	}
	sched_cancel_block();
	if (w.woken)
		err = 0;
	else
		list_remove(&w.link);
	spin_unlock_irqrestore(&b->lock, flags);
	return err;
}

/* Wakes up to n matching waiters; caller holds the bucket lock. */
static int wake_locked(struct futex_bucket *b, const struct futex_key *key, int n, uint32_t bitset)
{
	int woken = 0;

	for (struct list_node *node = b->waiters.next; node != &b->waiters && woken < n;) {
		struct futex_waiter *w = list_entry(node, struct futex_waiter, link);
		node = node->next;
		if (!same_key(&w->key, key) || !(w->bitset & bitset))
			continue;
		list_remove(&w->link);
		w->woken = true;
		sched_wakeup(w->thread, WAKE_NORMAL);
		woken++;
	}
	return woken;
}

static int futex_wake(uint64_t uaddr, bool priv, int n, uint32_t bitset)
{
	struct futex_key key;
	int err = get_key(uaddr, priv, &key);

	if (err != 0)
		return err;
	if (bitset == 0)
		return -EINVAL;
	struct futex_bucket *b = bucket_of(&key);
	uint64_t flags = spin_lock_irqsave(&b->lock);
	/* Linux checks the count only after a wake-up: asking for 0 wakes one. */
	int woken = wake_locked(b, &key, n > 0 ? n : 1, bitset);
	spin_unlock_irqrestore(&b->lock, flags);
	return woken;
}

static void lock_two(struct futex_bucket *a, struct futex_bucket *b, uint64_t *flags)
{
	*flags = spin_lock_irqsave(a < b ? &a->lock : &b->lock);
	if (a != b)
		spin_lock(a < b ? &b->lock : &a->lock);
}

static void unlock_two(struct futex_bucket *a, struct futex_bucket *b, uint64_t flags)
{
	if (a != b)
		spin_unlock(a < b ? &b->lock : &a->lock);
	spin_unlock_irqrestore(a < b ? &a->lock : &b->lock, flags);
}

static long futex_requeue(uint64_t uaddr, bool priv, int nr_wake, int nr_requeue, uint64_t uaddr2, bool compare,
			  uint32_t val3)
{
	struct futex_key k1, k2;
	int err = get_key(uaddr, priv, &k1);

	if (err == 0)
		err = get_key(uaddr2, priv, &k2);
	if (err != 0)
		return err;
	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	struct futex_bucket *b1 = bucket_of(&k1), *b2 = bucket_of(&k2);
	uint64_t flags;
	lock_two(b1, b2, &flags);
	if (compare) {
		uint32_t cur;
		if (get_user(cur, uaddr) != 0) {
			unlock_two(b1, b2, flags);
			return -EFAULT;
		}
		if (cur != val3) {
			unlock_two(b1, b2, flags);
			return -EAGAIN;
		}
	}
	long done = wake_locked(b1, &k1, nr_wake, FUTEX_BITSET_MATCH_ANY);
	int moved = 0;
	for (struct list_node *node = b1->waiters.next; node != &b1->waiters && moved < nr_requeue;) {
		struct futex_waiter *w = list_entry(node, struct futex_waiter, link);
		node = node->next;
		if (!same_key(&w->key, &k1))
			continue;
		list_remove(&w->link);
		w->key = k2;
		list_push_back(&b2->waiters, &w->link);
		moved++;
	}
	unlock_two(b1, b2, flags);
	return done + moved; /* woken plus requeued, for both operations (Linux) */
}

/* The absolute monotonic deadline for a futex timeout (0: none). */
static int deadline_for(int cmd, int op, uint64_t utimeout, uint64_t *deadline)
{
	struct linux_timespec ts;

	*deadline = 0;
	if (utimeout == 0)
		return 0;
	if (copy_from_user(&ts, utimeout, sizeof(ts)) != 0)
		return -EFAULT;
	if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= (int64_t)NSEC_PER_SEC)
		return -EINVAL;
	uint64_t ns = timespec_to_ns(&ts);
	if (cmd == FUTEX_WAIT) {
		*deadline = clock_monotonic_ns() + ns;
	} else if (op & FUTEX_CLOCK_REALTIME) {
		uint64_t now_real = time_realtime_ns();
		uint64_t now = clock_monotonic_ns();
		*deadline = ns > now_real ? now + (ns - now_real) : now;
	} else {
		*deadline = ns;
	}
	if (*deadline == 0)
		*deadline = 1; /* already expired, but "0" means no timeout */
	return 0;
}

long futex_op(uint64_t uaddr, int op, uint32_t val, uint64_t timeout_or_val2, uint64_t uaddr2, uint32_t val3)
{
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool priv = (op & FUTEX_PRIVATE_FLAG) != 0;
	uint64_t deadline;
	int err;

	if ((op & FUTEX_CLOCK_REALTIME) && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		err = deadline_for(cmd, op, timeout_or_val2, &deadline);
		if (err != 0)
			return err;
		return futex_wait(uaddr, priv, val, deadline, cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3);
	case FUTEX_WAKE:
		return futex_wake(uaddr, priv, (int)(val > INT32_MAX ? INT32_MAX : val), FUTEX_BITSET_MATCH_ANY);
	case FUTEX_WAKE_BITSET:
		return futex_wake(uaddr, priv, (int)(val > INT32_MAX ? INT32_MAX : val), val3);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, priv, (int)val, (int)timeout_or_val2, uaddr2, false, 0);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, priv, (int)val, (int)timeout_or_val2, uaddr2, true, val3);
	default:
		return -ENOSYS;
	}
}

void futex_wake_address(uint64_t uaddr, int n)
{
	futex_wake(uaddr, false, n, FUTEX_BITSET_MATCH_ANY);
}

/* Linux struct robust_list_head. */
struct robust_list_head {
	uint64_t next;
	int64_t futex_offset;
	uint64_t list_op_pending;
};

static void handle_robust_entry(uint64_t entry, int64_t offset, int tid)
{
	uint64_t uaddr = entry + (uint64_t)offset;
	uint32_t word;

	if (get_user(word, uaddr) != 0 || (word & FUTEX_TID_MASK) != (uint32_t)tid)
		return;
	uint32_t updated = (word & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
	if (put_user(uaddr, updated) != 0)
		return;
	if (word & FUTEX_WAITERS)
		futex_wake(uaddr, false, 1, FUTEX_BITSET_MATCH_ANY);
}

void futex_exit_robust_list(struct thread *t)
{
	struct robust_list_head head;

	if (t->robust_list == 0 || t->proc->vm == NULL)
		return;
	if (copy_from_user(&head, t->robust_list, sizeof(head)) != 0)
		return;
	uint64_t entry = head.next;
	for (int i = 0; i < ROBUST_LIST_LIMIT && entry != t->robust_list && entry != 0; i++) {
		uint64_t next;
		if (get_user(next, entry) != 0)
			return;
		if (entry != head.list_op_pending)
			handle_robust_entry(entry, head.futex_offset, t->tid);
		entry = next & ~1ull; /* bit 0 marks PI futexes */
	}
	if (head.list_op_pending != 0)
		handle_robust_entry(head.list_op_pending & ~1ull, head.futex_offset, t->tid);
}
