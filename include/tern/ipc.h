/*
 * The IPC channel between the kernel and a server: one shared-memory region
 * mapped into the server, holding a submission ring (requests, written by the
 * kernel), a completion ring (responses, written by the server) and one data
 * slot per request in flight.
 *
 * Ring discipline (single producer, single consumer on each ring): the
 * producer writes the entry, then publishes it by advancing its tail with a
 * release store; the consumer reads the tail with an acquire load, copies
 * the entry out, then advances its head. Indices run freely and wrap at 2^32;
 * entry i is at index i % TERN_IPC_SLOTS. Each request holds its slot until
 * its response has been consumed, so neither ring can overflow: a server
 * must answer every request exactly once (TERN_FS_CLOSE and TERN_FS_CANCEL too).
 *
 * The server calls tern_wait (include/tern/syscall.h) to hand its responses
 * to the kernel and to sleep until requests arrive.
 */
#ifndef TERN_IPC_H
#define TERN_IPC_H

#include <stdint.h>

#include "tern/fs_proto.h"

#define TERN_IPC_SLOTS 40u
/* Room for two full paths, or a setattr or lock record, or directory entries. */
#define TERN_IPC_SLOT_DATA 12288u
/* The header and both rings come first, in this many bytes; the data slots follow. */
#define TERN_IPC_RING_AREA 16384u

struct tern_ipc_header {
	uint32_t sq_head;   /* server: requests consumed */
	uint32_t sq_tail;   /* kernel: requests published */
	uint32_t cq_head;   /* kernel: responses consumed */
	uint32_t cq_tail;   /* server: responses published */
	uint32_t slots;     /* TERN_IPC_SLOTS */
	uint32_t slot_data; /* TERN_IPC_SLOT_DATA */
	uint32_t sq_offset; /* from the start of the region: struct tern_fs_request[slots] */
	uint32_t cq_offset; /* struct tern_fs_response[slots] */
	uint32_t data_offset; /* slots * slot_data bytes, page aligned */
	uint32_t size;      /* of the whole region */
};

#endif
