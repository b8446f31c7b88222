/*
 * IPC channels: the kernel's side of the shared-memory rings of
 * include/tern/ipc.h. Client threads (doing a forwarded system call) take a
 * slot, fill a request, publish it and sleep until the server's answer comes
 * back; the server thread hands in its answers and sleeps for more requests in
 * channel_server_wait(). Interrupts reach the server as notification bits.
 *
 * Every request is answered exactly once: a caller always waits for the answer
 * to what it published (a signal only makes it ask the server to end the
 * request early, TERN_FS_CANCEL), so a slot is never reused while the server
 * may still write it. If the server dies, channel_kill() answers everything in
 * flight with -EIO and refuses new calls.
 *
 * Locking: channel.lock (a spinlock, interrupt-safe) protects the slot states,
 * the kernel's ring indices and the notification bits. Order: channel.lock >
 * wait-queue locks > run queues.
 */
#ifndef IPC_CHANNEL_H
#define IPC_CHANNEL_H

#include <stdbool.h>
#include <stdint.h>

#include "tern/ipc.h"

struct channel;
struct vmspace;

struct channel_call {
	struct tern_fs_request req;   /* filled by the caller (slot: by channel_call_begin) */
	uint8_t *data;                /* the slot's data area, TERN_IPC_SLOT_DATA bytes (shared: the
				       * server can change it at any time; copy before checking) */
	struct tern_fs_response resp; /* the answer, copied out of the ring */
	struct channel *channel;
};

/* A new channel with its region; NULL when out of memory. */
struct channel *channel_create(void);
/* Maps the region into vs, shared and writable; returns the address or -errno. */
int64_t channel_map(struct channel *ch, struct vmspace *vs, uint64_t *size);

/* Takes a free slot (sleeping while all are busy); -EIO when the channel is dead. */
int channel_call_begin(struct channel *ch, struct channel_call *c);
/*
 * Publishes the request and sleeps until its answer; returns resp.result.
 * interruptible: a pending signal makes the kernel send TERN_FS_CANCEL for
 * it (the server answers it early, usually -EINTR); the call still ends only
 * with the answer.
 */
int64_t channel_call(struct channel_call *c, bool interruptible);
/* Gives the slot back. */
void channel_call_end(struct channel_call *c);
/* Publishes the request without waiting (TERN_FS_CLOSE); the slot goes back when it is answered. */
void channel_call_async(struct channel_call *c);

/*
 * The server's side: takes the answers it has published, then sleeps until a
 * request waits, a notification bit is set or the deadline (monotonic ns,
 * UINT64_MAX: none) passes. Returns 1 with the notification bits (cleared),
 * 0 at the deadline, -EINTR for a signal.
 */
int channel_server_wait(struct channel *ch, uint64_t deadline_ns, uint64_t *events);
/* Sets notification bits and wakes the server. Safe from interrupt handlers. */
void channel_notify(struct channel *ch, uint64_t bits);
/* The server is gone: everything in flight fails with -EIO, and so does every new call. */
void channel_kill(struct channel *ch);

#endif
