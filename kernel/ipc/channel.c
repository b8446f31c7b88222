#include "ipc/channel.h"

#include "asm/layout.h"
#include "core/clock.h"
#include "core/log.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/phys.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "mm/vmspace.h"
#include "proc/signal.h"
#include "sched/sched.h"
#include "sched/wait.h"

#define SLOTS TERN_IPC_SLOTS
#define REGION_SIZE (TERN_IPC_RING_AREA + SLOTS * TERN_IPC_SLOT_DATA)
#define HEADER_SIZE 64u

_Static_assert(HEADER_SIZE >= sizeof(struct tern_ipc_header), "header room");
_Static_assert(HEADER_SIZE + SLOTS * (sizeof(struct tern_fs_request) + sizeof(struct tern_fs_response)) <=
		       TERN_IPC_RING_AREA,
	       "the rings fit their area");
_Static_assert(TERN_IPC_SLOT_DATA >= 2 * TERN_PATH_MAX, "two paths fit a slot");

enum slot_state {
	SLOT_FREE,
	SLOT_CLAIMED,  /* a caller is filling it */
	SLOT_POSTED,   /* published, the server owes an answer */
	SLOT_ANSWERED, /* the answer is in resp, for the caller to take */
};

struct slot {
	enum slot_state state;
	bool async;                   /* nobody waits: the answer frees it */
	struct tern_fs_response resp;
	struct wait_queue wait;       /* the caller waiting for the answer */
};

struct channel {
	struct spinlock lock;
	uint64_t phys;                /* the region: physically contiguous, never freed */
	uint8_t *base;
	struct tern_ipc_header *hdr;
	struct tern_fs_request *sq;
	struct tern_fs_response *cq;
	uint32_t sq_tail;             /* the kernel's own copies of its indices */
	uint32_t cq_head;
	uint64_t notify;              /* notification bits not yet handed to the server */
	bool dead;
	bool complained;              /* a malformed answer was logged */
	struct slot slots[SLOTS];
	struct wait_queue free_wait;  /* callers waiting for a slot */
	int free_waiters;             /* how many (atomic): freeing a slot wakes them only then */
	struct wait_queue server_wait;
	bool server_idle;             /* the server found nothing to do and is going to sleep (lock) */
};

static unsigned region_order(void)
{
	unsigned order = 0;

	while ((PAGE_SIZE << order) < REGION_SIZE)
		order++;
	return order;
}

struct channel *channel_create(void)
{
	struct channel *ch = kzalloc(sizeof(*ch));

	if (ch == NULL)
		return NULL;
	ch->phys = pmm_alloc_zeroed(region_order());
	if (ch->phys == 0) {
		kfree(ch);
		return NULL;
	}
	spin_init(&ch->lock, "channel");
	wait_queue_init(&ch->free_wait);
	wait_queue_init(&ch->server_wait);
	for (unsigned i = 0; i < SLOTS; i++)
		wait_queue_init(&ch->slots[i].wait);
	ch->base = phys_to_virt(ch->phys);
	ch->hdr = (struct tern_ipc_header *)ch->base;
	ch->sq = (struct tern_fs_request *)(ch->base + HEADER_SIZE);
	ch->cq = (struct tern_fs_response *)(ch->base + HEADER_SIZE + SLOTS * sizeof(struct tern_fs_request));
	ch->hdr->slots = SLOTS;
	ch->hdr->slot_data = TERN_IPC_SLOT_DATA;
	ch->hdr->sq_offset = HEADER_SIZE;
	ch->hdr->cq_offset = (uint32_t)((uint8_t *)ch->cq - ch->base);
	ch->hdr->data_offset = TERN_IPC_RING_AREA;
	ch->hdr->size = REGION_SIZE;
	return ch;
}

int64_t channel_map(struct channel *ch, struct vmspace *vs, uint64_t *size)
{
	struct vm_object *o = vm_object_phys(ch->phys, REGION_SIZE, false);

	if (o == NULL)
		return -ENOMEM;
	int64_t addr = vmspace_map(vs, 0, REGION_SIZE, VM_PROT_READ | VM_PROT_WRITE, VMA_SHARED, o, 0, false, false);
	vm_object_put(o);
	*size = REGION_SIZE;
	return addr;
}

static uint8_t *slot_data(struct channel *ch, unsigned i)
{
	return ch->base + TERN_IPC_RING_AREA + (uint64_t)i * TERN_IPC_SLOT_DATA;
}

/*
 * Slot states FREE <-> CLAIMED change without the channel's lock (a compare
 * and swap claims, a store frees): only the slot's owner frees it, and the
 * lock's users only touch slots that are neither. Every file call used to
 * take the lock four times; on SMP (and worse, on oversubscribed vCPUs) the
 * lock convoy throttled all file service.
 */
static void free_slot(struct channel *ch, unsigned i)
{
	ch->slots[i].async = false;
	__atomic_store_n(&ch->slots[i].state, SLOT_FREE, __ATOMIC_SEQ_CST);
	/* A waiter counts itself before it looks for a slot: one of us sees the other. */
	if (__atomic_load_n(&ch->free_waiters, __ATOMIC_SEQ_CST) != 0)
		wake_up_all(&ch->free_wait);
}

static int claim_slot(struct channel *ch)
{
	if (__atomic_load_n(&ch->dead, __ATOMIC_ACQUIRE))
		return -EIO;
	for (unsigned i = 0; i < SLOTS; i++) {
		enum slot_state expected = SLOT_FREE;
		if (__atomic_compare_exchange_n(&ch->slots[i].state, &expected, SLOT_CLAIMED, false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			return (int)i;
	}
	return -EAGAIN;
}

int channel_call_begin(struct channel *ch, struct channel_call *c)
{
	int slot = claim_slot(ch);

	if (slot == -EAGAIN) {
		struct waiter w;
		waiter_add(&ch->free_wait, &w);
		__atomic_add_fetch(&ch->free_waiters, 1, __ATOMIC_SEQ_CST);
		for (;;) {
			sched_prepare_block();
			slot = claim_slot(ch);
			if (slot != -EAGAIN)
				break;
			schedule();
		}
		sched_cancel_block();
		__atomic_sub_fetch(&ch->free_waiters, 1, __ATOMIC_SEQ_CST);
		waiter_remove(&w);
	}
	if (slot < 0)
		return slot;
	memset(&c->req, 0, sizeof(c->req));
	memset(&c->resp, 0, sizeof(c->resp));
	c->req.slot = (uint32_t)slot;
	c->data = slot_data(ch, (unsigned)slot);
	c->channel = ch;
	return 0;
}

/* Writes the request into the submission ring and wakes the server. */
static void publish(struct channel_call *c, bool async)
{
	struct channel *ch = c->channel;
	struct slot *s = &ch->slots[c->req.slot];
	uint64_t flags = spin_lock_irqsave(&ch->lock);

	if (ch->dead) {
		s->resp.slot = c->req.slot;
		s->resp.result = -EIO;
		spin_unlock_irqrestore(&ch->lock, flags);
		if (async)
			free_slot(ch, c->req.slot);
		else
			__atomic_store_n(&s->state, SLOT_ANSWERED, __ATOMIC_RELEASE);
		return;
	}
	__atomic_store_n(&s->state, SLOT_POSTED, __ATOMIC_RELAXED); /* ours (CLAIMED) until now */
	s->async = async;
	ch->sq[ch->sq_tail % SLOTS] = c->req;
	ch->sq_tail++;
	__atomic_store_n(&ch->hdr->sq_tail, ch->sq_tail, __ATOMIC_RELEASE);
	/* A server that is busy will see the request before it sleeps: wake it only when idle. */
	bool wake = ch->server_idle;
	ch->server_idle = false;
	spin_unlock_irqrestore(&ch->lock, flags);
	if (wake)
		wake_up_all(&ch->server_wait);
}

/* Asks the server to answer the request in `slot` early. */
static void send_cancel(struct channel *ch, uint32_t slot)
{
	struct channel_call cancel;

	if (channel_call_begin(ch, &cancel) != 0)
		return;
	cancel.req.op = TERN_FS_CANCEL;
	cancel.req.arg0 = slot;
	channel_call_async(&cancel);
}

static enum slot_state slot_state(struct channel *ch, uint32_t slot)
{
	return __atomic_load_n(&ch->slots[slot].state, __ATOMIC_ACQUIRE);
}

int64_t channel_call(struct channel_call *c, bool interruptible)
{
	struct channel *ch = c->channel;
	struct slot *s = &ch->slots[c->req.slot];
	struct waiter w;
	bool cancelled = false;

	waiter_add(&s->wait, &w);
	publish(c, false);
	for (;;) {
		sched_prepare_block();
		if (slot_state(ch, c->req.slot) == SLOT_ANSWERED)
			break;
		if (interruptible && !cancelled && signal_pending_current()) {
			cancelled = true;
			sched_cancel_block();
			send_cancel(ch, c->req.slot);
			continue;
		}
		schedule();
	}
	sched_cancel_block();
	waiter_remove(&w);
	/* ANSWERED (seen with acquire) is final: nobody else touches the slot now. */
	c->resp = s->resp;
	__atomic_store_n(&s->state, SLOT_CLAIMED, __ATOMIC_RELAXED); /* the caller's until channel_call_end */
	return c->resp.result;
}

void channel_call_end(struct channel_call *c)
{
	free_slot(c->channel, c->req.slot);
}

void channel_call_async(struct channel_call *c)
{
	publish(c, true);
}

/* Takes the answers the server has published. */
static void take_answers(struct channel *ch)
{
	bool bad = false;
	uint64_t flags = spin_lock_irqsave(&ch->lock);
	uint32_t tail = __atomic_load_n(&ch->hdr->cq_tail, __ATOMIC_ACQUIRE);

	/* At most one answer per slot can be due: a tail further on is a lie. */
	for (unsigned n = 0; ch->cq_head != tail && n < SLOTS; n++) {
		struct tern_fs_response r;
		memcpy(&r, &ch->cq[ch->cq_head % SLOTS], sizeof(r));
		ch->cq_head++;
		if (r.slot >= SLOTS || ch->slots[r.slot].state != SLOT_POSTED) {
			bad = true;
			continue;
		}
		struct slot *s = &ch->slots[r.slot];
		s->resp = r;
		if (r.data_len > TERN_IPC_SLOT_DATA)
			s->resp.data_len = TERN_IPC_SLOT_DATA;
		if (s->async) {
			free_slot(ch, r.slot);
		} else {
			__atomic_store_n(&s->state, SLOT_ANSWERED, __ATOMIC_RELEASE);
			wake_up_all(&s->wait);
		}
	}
	if (ch->cq_head != tail)
		bad = true;
	ch->cq_head = tail; /* whatever it claimed, those entries are gone */
	__atomic_store_n(&ch->hdr->cq_head, ch->cq_head, __ATOMIC_RELEASE);
	bool first = bad && !ch->complained;
	if (bad)
		ch->complained = true;
	spin_unlock_irqrestore(&ch->lock, flags);
	if (first)
		pr_warn("ipc: the server answered a request it did not have; ignored\n");
}

int channel_server_wait(struct channel *ch, uint64_t deadline_ns, uint64_t *events)
{
	struct waiter w;
	int r;
	uint64_t bits = 0;

	take_answers(ch);
	waiter_add(&ch->server_wait, &w);
	for (;;) {
		sched_prepare_block();
		uint64_t flags = spin_lock_irqsave(&ch->lock);
		bool requests = ch->sq_tail != __atomic_load_n(&ch->hdr->sq_head, __ATOMIC_ACQUIRE);
		bits = ch->notify;
		ch->notify = 0;
		/* From here a new request wakes us (we are marked blocked already). */
		ch->server_idle = !requests && bits == 0;
		spin_unlock_irqrestore(&ch->lock, flags);
		if (bits != 0 || requests) {
			r = 1;
			break;
		}
		if (signal_pending_current()) {
			r = -EINTR;
			break;
		}
		if (deadline_ns != UINT64_MAX && clock_monotonic_ns() >= deadline_ns) {
			r = 0;
			break;
		}
		if (deadline_ns == UINT64_MAX)
			schedule();
		else
			schedule_until(deadline_ns);
	}
	sched_cancel_block(); /* a stale server_idle costs one needless wake-up, nothing more */
	waiter_remove(&w);
	*events = bits;
	return r;
}

void channel_notify(struct channel *ch, uint64_t bits)
{
	uint64_t flags = spin_lock_irqsave(&ch->lock);
	ch->notify |= bits;
	spin_unlock_irqrestore(&ch->lock, flags);
	wake_up_all(&ch->server_wait);
}

void channel_kill(struct channel *ch)
{
	uint64_t flags = spin_lock_irqsave(&ch->lock);

	__atomic_store_n(&ch->dead, true, __ATOMIC_RELEASE);
	for (unsigned i = 0; i < SLOTS; i++) {
		struct slot *s = &ch->slots[i];
		if (s->state != SLOT_POSTED)
			continue;
		s->resp.slot = i;
		s->resp.result = -EIO;
		s->resp.data_len = 0;
		if (s->async) {
			free_slot(ch, i);
		} else {
			__atomic_store_n(&s->state, SLOT_ANSWERED, __ATOMIC_RELEASE);
			wake_up_all(&s->wait);
		}
	}
	wake_up_all(&ch->free_wait);
	spin_unlock_irqrestore(&ch->lock, flags);
}
