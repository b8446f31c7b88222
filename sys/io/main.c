/*
 * iod, the I/O server: the first process the kernel starts. It builds the
 * file systems (the RAM root from the boot initramfs, /dev, /tmp), takes the
 * kernel's file channel (TERN_SYS_SERVE, after which the kernel starts init)
 * and serves requests for ever: one thread, one event loop, never blocking on
 * a client (a lock wait is answered later, when the lock is free).
 *
 * If it ever exits, the kernel reports it and powers off: file service is
 * not optional.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "devtest.h"
#include "fs/fs.h"
#include "tern/ipc.h"
#include "tern/syscall.h"

#define PAGE 4096u
/* File pages come from the kernel in chunks of this many bytes. */
#define POOL_CHUNK (2u << 20)

/* Self-tests asked for on the kernel command line (iod.test=NAME). */
static bool test_devices, test_debugcon, test_crash;

static long native(long nr, long a0, long a1)
{
	return syscall(nr, a0, a1);
}

/* ---------------------------------------------------------------- the channel */

struct ring {
	uint8_t *base;
	struct tern_ipc_header *hdr;
	struct tern_fs_request *sq;
	struct tern_fs_response *cq;
	uint8_t *data;
	uint32_t slots, slot_data;
	uint32_t sq_head, cq_tail; /* our own indices */
};

static struct ring ring;

/* Publishes an answer; the kernel takes it at the next TERN_SYS_WAIT. */
static void post(const struct tern_fs_response *resp)
{
	ring.cq[ring.cq_tail % ring.slots] = *resp;
	ring.cq_tail++;
	__atomic_store_n(&ring.hdr->cq_tail, ring.cq_tail, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- file pages */

/*
 * Pages for file data: taken from anonymous mappings in chunks and handed
 * back with MADV_DONTNEED, which lets the frame go (the kernel may still have
 * it mapped into a client, so it must not be reused for another file) and
 * makes the page read as zeros when it is taken again.
 */
struct free_page {
	struct free_page *next;
};

static struct free_page *free_pages;
static uint8_t *chunk_next, *chunk_end;

static void *page_alloc(void *ctx)
{
	(void)ctx;
	if (free_pages != NULL) {
		struct free_page *p = free_pages;
		free_pages = p->next;
		p->next = NULL; /* the page must read as zeros */
		return p;
	}
	if (chunk_next == chunk_end) {
		void *c = mmap(NULL, POOL_CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (c == MAP_FAILED)
			return NULL;
		chunk_next = c;
		chunk_end = chunk_next + POOL_CHUNK;
	}
	void *p = chunk_next;
	chunk_next += PAGE;
	return p;
}

static void page_free(void *ctx, void *page)
{
	(void)ctx;
	madvise(page, PAGE, MADV_DONTNEED);
	struct free_page *p = page;
	p->next = free_pages;
	free_pages = p;
}

static void now(void *ctx, struct tern_fs_time *t)
{
	struct timespec ts;
	(void)ctx;
	clock_gettime(CLOCK_REALTIME, &ts);
	t->sec = ts.tv_sec;
	t->nsec = ts.tv_nsec;
}

static void complete(void *ctx, const struct tern_fs_response *resp)
{
	(void)ctx;
	post(resp);
}

/* ---------------------------------------------------------------- serving */

static void serve_one(struct fs *fs)
{
	struct tern_fs_request req;
	struct tern_fs_response resp;

	memcpy(&req, &ring.sq[ring.sq_head % ring.slots], sizeof(req));
	ring.sq_head++;
	__atomic_store_n(&ring.hdr->sq_head, ring.sq_head, __ATOMIC_RELEASE);
	if (req.slot >= ring.slots) {
		fprintf(stderr, "iod: a request names slot %u of %u; dropped\n", req.slot, ring.slots);
		return;
	}
	uint8_t *slot = ring.data + (size_t)req.slot * ring.slot_data;
	memset(&resp, 0, sizeof(resp));
	resp.slot = req.slot;
	if (test_crash) {
		/* iod.test=crash: die on the first request, for the supervision test. */
		fprintf(stderr, "iod: test=crash: crashing on request %u as asked\n", req.op);
		*(volatile int *)0 = 0;
	}
	if (fs_handle(fs, &req, slot, ring.slot_data, slot, ring.slot_data, &resp) == FS_DONE) {
		resp.slot = req.slot;
		post(&resp);
	}
}

static void serve_forever(struct fs *fs)
{
	for (;;) {
		uint64_t events = 0;
		if (native(TERN_SYS_WAIT, (long)&events, (long)UINT64_MAX) < 0 && errno != EINTR)
			fprintf(stderr, "iod: wait failed: %s\n", strerror(errno));
		uint32_t tail;
		while ((tail = __atomic_load_n(&ring.hdr->sq_tail, __ATOMIC_ACQUIRE)) != ring.sq_head) {
			/* More than a ring's worth outstanding would be the kernel's bug: resync. */
			if (tail - ring.sq_head > ring.slots) {
				fprintf(stderr, "iod: the submission ring claims %u requests; resynchronizing\n",
					tail - ring.sq_head);
				ring.sq_head = tail;
				break;
			}
			serve_one(fs);
		}
	}
}

static void parse_arguments(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "test=devices") == 0)
			test_devices = true;
		else if (strcmp(argv[i], "test=devices+debugcon") == 0)
			test_devices = test_debugcon = true;
		else if (strcmp(argv[i], "test=crash") == 0)
			test_crash = true;
		else
			fprintf(stderr, "iod: unknown argument '%s' ignored\n", argv[i]);
	}
}

int main(int argc, char **argv)
{
	struct tern_initrd initrd;
	struct tern_serve serve;
	struct sysinfo si;
	static char errors[4096];

	parse_arguments(argc, argv);
	if (test_devices)
		devtest_run(test_debugcon);
	if (native(TERN_SYS_INITRD, (long)&initrd, 0) != 0) {
		perror("iod: no initramfs");
		return 1;
	}
	struct fs_env env = {.page_alloc = page_alloc, .page_free = page_free, .now = now, .complete = complete};
	/* Like Linux's tmpfs: the RAM file systems may fill half of memory. */
	if (sysinfo(&si) == 0)
		env.page_limit = (uint64_t)si.totalram * si.mem_unit / 2 / PAGE;
	struct fs *fs = fs_create(&env);
	if (fs == NULL) {
		fprintf(stderr, "iod: out of memory for the file systems\n");
		return 1;
	}
	int skipped = fs_populate_cpio(fs, (const void *)(uintptr_t)initrd.address, initrd.size, errors,
				       sizeof(errors));
	if (skipped != 0)
		fprintf(stderr, "iod: the initramfs was not read whole (%d):\n%s", skipped, errors);
	if (skipped < 0 && skipped != -EINVAL)
		return 1;
	int err = fs_mount_standard(fs);
	if (err != 0) {
		fprintf(stderr, "iod: cannot mount /dev, /tmp and /proc: error %d\n", -err);
		return 1;
	}
	/* The archive is in the file systems now; its mapping is no longer needed. */
	uint64_t base = initrd.address & ~(uint64_t)(PAGE - 1);
	munmap((void *)(uintptr_t)base, initrd.size + (initrd.address - base));
	if (native(TERN_SYS_SERVE, (long)&serve, 0) != 0) {
		perror("iod: cannot serve");
		return 1;
	}
	ring.base = (uint8_t *)(uintptr_t)serve.ring;
	ring.hdr = (struct tern_ipc_header *)ring.base;
	ring.slots = ring.hdr->slots;
	ring.slot_data = ring.hdr->slot_data;
	ring.sq = (struct tern_fs_request *)(ring.base + ring.hdr->sq_offset);
	ring.cq = (struct tern_fs_response *)(ring.base + ring.hdr->cq_offset);
	ring.data = ring.base + ring.hdr->data_offset;
	serve_forever(fs);
}
