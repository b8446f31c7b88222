/*
 * Driving the I/O server's file service (sys/io/fs) the way its event loop
 * does: every operation is a real struct tern_fs_request with its paths and
 * input in an exact-size heap copy of a data slot (path, then path2, then a
 * struct tern_fs_setattr or tern_fs_lock), answered into a fresh output
 * buffer, so ASan sees any access outside them. Pages come from a tracker
 * (fs_pages.h) that proves each one is returned; answers left pending arrive
 * through env->complete and are queued here.
 */
#ifndef FS_HARNESS_H
#define FS_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fs_pages.h"

#include "fs/fs.h"

/* fs_handle left the request pending (h_call's result). */
#define H_PENDING INT64_MIN
/* Room for output data in every request: up to 8192 page addresses. */
#define H_OUT_CAP (64u * 1024)
#define H_COMPLETED_MAX 64
/* struct linux_dirent64: d_reclen's offset and the name's. */
#define H_DIRENT_RECLEN 16u
#define H_DIRENT_NAME 19u
/* The clock starts here and moves one second each time the service reads it. */
#define H_CLOCK_START 1700000000

struct harness {
	struct page_tracker pages; /* first: the page callbacks' context */
	struct fs *fs;
	uint32_t uid, gid; /* credentials of the next requests */
	int32_t pid;
	uint32_t next_slot;
	uint32_t last_slot;    /* the slot of the latest request */
	struct tern_fs_time clock;
	struct tern_fs_response resp; /* the latest answer */
	unsigned char *out;           /* its output data (H_OUT_CAP bytes) */
	struct tern_fs_response completed[H_COMPLETED_MAX];
	size_t ncompleted;
};

void h_init(struct harness *h, uint64_t page_limit);
/* Closes nothing: checks that no handle, waiter or page is left once the
 * caller closed everything (fs_usage), then destroys the service. */
void h_finish(struct harness *h);
/* Destroys the service as it is (handles open, waits pending). */
void h_destroy(struct harness *h);

/* The harness of a test file that needs nothing more, and its cmocka fixtures
 * (h_init without a page limit before each test, h_finish after it). */
extern struct harness H;
int h_setup(void **state);
int h_teardown(void **state);

/* One request: fills slot, pid and credentials, builds the data slot. */
int64_t h_call(struct harness *h, struct tern_fs_request *req, const char *path, const char *path2,
	       const void *input, size_t input_len);

int64_t h_openat(struct harness *h, uint64_t dir, const char *path, uint64_t flags, uint32_t mode);
int64_t h_open(struct harness *h, const char *path, uint64_t flags, uint32_t mode);
int64_t h_close(struct harness *h, uint64_t handle);
int64_t h_mkdir(struct harness *h, const char *path, uint32_t mode);
int64_t h_mknod(struct harness *h, const char *path, uint32_t mode, uint64_t rdev);
int64_t h_symlink(struct harness *h, const char *target, const char *path);
int64_t h_link(struct harness *h, const char *old, const char *new_path, uint64_t flags);
int64_t h_unlink(struct harness *h, const char *path);
int64_t h_rmdir(struct harness *h, const char *path);
int64_t h_rename(struct harness *h, const char *old, const char *new_path, uint64_t flags);
int64_t h_stat(struct harness *h, const char *path, uint64_t flags, struct tern_fs_stat *st);
int64_t h_fstat(struct harness *h, uint64_t handle, struct tern_fs_stat *st);
int64_t h_access(struct harness *h, const char *path, uint32_t mode);
int64_t h_readlink(struct harness *h, const char *path, char *buf, size_t cap);
int64_t h_setattr(struct harness *h, const char *path, uint32_t fields, const struct tern_fs_setattr *attr);
int64_t h_truncate(struct harness *h, const char *path, uint64_t size);
int64_t h_getpath(struct harness *h, uint64_t handle, char *buf, size_t cap);

/* Data through the page addresses the service answers with (all of len,
 * looping over short answers); the byte count or the first error. */
int64_t h_write(struct harness *h, uint64_t handle, uint64_t offset, const void *data, size_t len);
int64_t h_append(struct harness *h, uint64_t handle, const void *data, size_t len);
int64_t h_read(struct harness *h, uint64_t handle, uint64_t offset, void *buf, size_t len);

/* Creates (or truncates) a file with these contents / reads a whole file. */
void h_put_file(struct harness *h, const char *path, const void *data, size_t len);
int64_t h_get_file(struct harness *h, const char *path, void *buf, size_t cap);

/* Every name a directory lists (no "." and ".."), in listing order, each
 * followed by '\n', into buf; getdents asks for `chunk` bytes at a time.
 * Returns the number of names or -errno. */
int64_t h_list(struct harness *h, uint64_t dir, size_t chunk, char *buf, size_t cap);
/* The same, sorted, for a path. */
int64_t h_list_sorted(struct harness *h, const char *path, char *buf, size_t cap);

int64_t h_lock(struct harness *h, uint64_t handle, uint64_t cmd, struct tern_fs_lock *lk);

/* The usage counters now. */
struct fs_usage h_usage(const struct harness *h);

#endif
