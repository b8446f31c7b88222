#include "fs_harness.h"

#include <string.h>

#include "fs/fs_abi.h"

#define NAMES_MAX 4096

_Static_assert(offsetof(struct harness, pages) == 0, "the tracker must start the harness");

static void clock_now(void *ctx, struct tern_fs_time *t)
{
	struct harness *h = ctx;
	h->clock.sec++;
	*t = h->clock;
}

static void complete(void *ctx, const struct tern_fs_response *resp)
{
	struct harness *h = ctx;
	assert_true(h->ncompleted < H_COMPLETED_MAX);
	h->completed[h->ncompleted++] = *resp;
}

void h_init(struct harness *h, uint64_t page_limit)
{
	memset(h, 0, sizeof(*h));
	tracker_init(&h->pages);
	h->clock = (struct tern_fs_time){.sec = H_CLOCK_START, .nsec = 500};
	h->pid = 100;
	h->next_slot = 1;
	/* The harness is every callback's context; the page callbacks see its
	 * first member, the tracker. */
	struct fs_env env = {.ctx = h, .page_alloc = tracker_alloc, .page_free = tracker_free, .now = clock_now,
			     .complete = complete, .page_limit = page_limit};
	h->fs = fs_create(&env);
	assert_non_null(h->fs);
}

struct fs_usage h_usage(const struct harness *h)
{
	struct fs_usage u;
	fs_usage(h->fs, &u);
	return u;
}

void h_destroy(struct harness *h)
{
	fs_destroy(h->fs);
	h->fs = NULL;
	free(h->out);
	h->out = NULL;
	tracker_finish(&h->pages);
}

void h_finish(struct harness *h)
{
	struct fs_usage u = h_usage(h);
	assert_int_equal(u.handles, 0);
	assert_int_equal(u.pending, 0);
	h_destroy(h);
}

int64_t h_call(struct harness *h, struct tern_fs_request *req, const char *path, const char *path2,
	       const void *input, size_t input_len)
{
	size_t p1 = path != NULL ? strlen(path) : 0, p2 = path2 != NULL ? strlen(path2) : 0;
	size_t len = p1 + p2 + input_len;
	unsigned char *slot = malloc(len > 0 ? len : 1);
	assert_non_null(slot);
	if (p1 > 0)
		memcpy(slot, path, p1);
	if (p2 > 0)
		memcpy(slot + p1, path2, p2);
	if (input_len > 0)
		memcpy(slot + p1 + p2, input, input_len);
	req->slot = h->next_slot++;
	req->pid = h->pid;
	req->uid = h->uid;
	req->gid = h->gid;
	req->path_len = (uint32_t)p1;
	req->path2_len = (uint32_t)p2;
	req->data_len = (uint32_t)len;
	h->last_slot = req->slot;

	free(h->out);
	h->out = malloc(H_OUT_CAP);
	assert_non_null(h->out);
	memset(h->out, 0xee, H_OUT_CAP);
	memset(&h->resp, 0xcc, sizeof(h->resp));
	enum fs_status st = fs_handle(h->fs, req, slot, len, h->out, H_OUT_CAP, &h->resp);
	free(slot);
	if (st == FS_PENDING)
		return H_PENDING;
	assert_int_equal(st, FS_DONE);
	assert_int_equal(h->resp.slot, req->slot);
	assert_true(h->resp.data_len <= H_OUT_CAP);
	return h->resp.result;
}

static int64_t simple(struct harness *h, uint16_t op, uint64_t handle, const char *path, const char *path2,
		      uint64_t arg0, uint64_t arg1)
{
	struct tern_fs_request req = {.op = op, .handle = handle, .arg0 = arg0, .arg1 = arg1};
	return h_call(h, &req, path, path2, NULL, 0);
}

int64_t h_openat(struct harness *h, uint64_t dir, const char *path, uint64_t flags, uint32_t mode)
{
	return simple(h, TERN_FS_OPEN, dir, path, NULL, flags, mode);
}

int64_t h_open(struct harness *h, const char *path, uint64_t flags, uint32_t mode)
{
	return h_openat(h, TERN_FS_ROOT_HANDLE, path, flags, mode);
}

int64_t h_close(struct harness *h, uint64_t handle)
{
	return simple(h, TERN_FS_CLOSE, handle, NULL, NULL, 0, 0);
}

int64_t h_mkdir(struct harness *h, const char *path, uint32_t mode)
{
	return simple(h, TERN_FS_MKDIR, TERN_FS_ROOT_HANDLE, path, NULL, mode, 0);
}

int64_t h_mknod(struct harness *h, const char *path, uint32_t mode, uint64_t rdev)
{
	return simple(h, TERN_FS_MKNOD, TERN_FS_ROOT_HANDLE, path, NULL, mode, rdev);
}

int64_t h_symlink(struct harness *h, const char *target, const char *path)
{
	return simple(h, TERN_FS_SYMLINK, TERN_FS_ROOT_HANDLE, path, target, 0, 0);
}

int64_t h_link(struct harness *h, const char *old, const char *new_path, uint64_t flags)
{
	struct tern_fs_request req = {.op = TERN_FS_LINK, .handle = TERN_FS_ROOT_HANDLE,
				      .handle2 = TERN_FS_ROOT_HANDLE, .arg0 = flags};
	return h_call(h, &req, old, new_path, NULL, 0);
}

int64_t h_unlink(struct harness *h, const char *path)
{
	return simple(h, TERN_FS_UNLINK, TERN_FS_ROOT_HANDLE, path, NULL, 0, 0);
}

int64_t h_rmdir(struct harness *h, const char *path)
{
	return simple(h, TERN_FS_UNLINK, TERN_FS_ROOT_HANDLE, path, NULL, AT_REMOVEDIR, 0);
}

int64_t h_rename(struct harness *h, const char *old, const char *new_path, uint64_t flags)
{
	struct tern_fs_request req = {.op = TERN_FS_RENAME, .handle = TERN_FS_ROOT_HANDLE,
				      .handle2 = TERN_FS_ROOT_HANDLE, .arg0 = flags};
	return h_call(h, &req, old, new_path, NULL, 0);
}

int64_t h_stat(struct harness *h, const char *path, uint64_t flags, struct tern_fs_stat *st)
{
	int64_t r = simple(h, TERN_FS_STAT, TERN_FS_ROOT_HANDLE, path, NULL, flags, 0);
	if (r == 0 && st != NULL)
		*st = h->resp.stat;
	return r;
}

int64_t h_fstat(struct harness *h, uint64_t handle, struct tern_fs_stat *st)
{
	int64_t r = simple(h, TERN_FS_STAT, handle, NULL, NULL, AT_EMPTY_PATH, 0);
	if (r == 0 && st != NULL)
		*st = h->resp.stat;
	return r;
}

int64_t h_access(struct harness *h, const char *path, uint32_t mode)
{
	return simple(h, TERN_FS_ACCESS, TERN_FS_ROOT_HANDLE, path, NULL, mode, 0);
}

int64_t h_readlink(struct harness *h, const char *path, char *buf, size_t cap)
{
	int64_t r = simple(h, TERN_FS_READLINK, TERN_FS_ROOT_HANDLE, path, NULL, 0, 0);
	if (r >= 0) {
		assert_int_equal(h->resp.data_len, (uint64_t)r);
		assert_true((size_t)r < cap);
		memcpy(buf, h->out, (size_t)r);
		buf[r] = '\0';
	}
	return r;
}

int64_t h_setattr(struct harness *h, const char *path, uint32_t fields, const struct tern_fs_setattr *attr)
{
	struct tern_fs_request req = {.op = TERN_FS_SETATTR, .handle = TERN_FS_ROOT_HANDLE, .arg0 = fields};
	return h_call(h, &req, path, NULL, attr, sizeof(*attr));
}

int64_t h_truncate(struct harness *h, const char *path, uint64_t size)
{
	struct tern_fs_setattr a = {.size = size};
	return h_setattr(h, path, TERN_ATTR_SIZE, &a);
}

int64_t h_getpath(struct harness *h, uint64_t handle, char *buf, size_t cap)
{
	int64_t r = simple(h, TERN_FS_GETPATH, handle, NULL, NULL, 0, 0);
	if (r >= 0) {
		assert_true((size_t)r < cap);
		memcpy(buf, h->out, (size_t)r);
		buf[r] = '\0';
	}
	return r;
}

/* One PAGES request; copies between buf and the answered pages. */
static int64_t pages_once(struct harness *h, uint16_t op, uint64_t handle, uint64_t offset, unsigned char *buf,
			  size_t len, uint64_t arg0, uint64_t *landed)
{
	struct tern_fs_request req = {.op = op, .handle = handle, .offset = offset, .len = len, .arg0 = arg0};
	int64_t n = h_call(h, &req, NULL, NULL, NULL, 0);
	if (n <= 0)
		return n;
	uint64_t at = op == TERN_FS_WRITE_PAGES ? h->resp.offset : offset;
	*landed = at;
	uint64_t first = at / FS_TEST_PAGE, last = (at + (uint64_t)n - 1) / FS_TEST_PAGE;
	assert_int_equal(h->resp.data_len, (last - first + 1) * sizeof(uint64_t));
	for (uint64_t done = 0; done < (uint64_t)n;) {
		uint64_t pos = at + done;
		size_t in_page = (size_t)(pos % FS_TEST_PAGE);
		size_t chunk = FS_TEST_PAGE - in_page;
		if (chunk > (uint64_t)n - done)
			chunk = (size_t)((uint64_t)n - done);
		uint64_t address;
		memcpy(&address, h->out + (pos / FS_TEST_PAGE - first) * sizeof(uint64_t), sizeof(address));
		if (address == 0) {
			assert_int_equal(op, TERN_FS_READ_PAGES);
			memset(buf + done, 0, chunk);
		} else {
			unsigned char *page = (unsigned char *)(uintptr_t)address;
			assert_int_equal(address % FS_TEST_PAGE, 0);
			assert_true(tracker_owns(&h->pages, page));
			if (op == TERN_FS_WRITE_PAGES)
				memcpy(page + in_page, buf + done, chunk);
			else
				memcpy(buf + done, page + in_page, chunk);
		}
		done += chunk;
	}
	return n;
}

static int64_t pages_all(struct harness *h, uint16_t op, uint64_t handle, uint64_t offset, unsigned char *buf,
			 size_t len, uint64_t arg0)
{
	size_t done = 0;
	while (done < len) {
		uint64_t landed = 0;
		int64_t n = pages_once(h, op, handle, offset + done, buf + done, len - done, arg0, &landed);
		if (n < 0)
			return done > 0 ? (int64_t)done : n;
		if (n == 0)
			break;
		done += (size_t)n;
	}
	return (int64_t)done;
}

int64_t h_write(struct harness *h, uint64_t handle, uint64_t offset, const void *data, size_t len)
{
	if (len == 0) {
		struct tern_fs_request req = {.op = TERN_FS_WRITE_PAGES, .handle = handle, .offset = offset};
		return h_call(h, &req, NULL, NULL, NULL, 0);
	}
	return pages_all(h, TERN_FS_WRITE_PAGES, handle, offset, (unsigned char *)(uintptr_t)data, len, 0);
}

int64_t h_append(struct harness *h, uint64_t handle, const void *data, size_t len)
{
	return pages_all(h, TERN_FS_WRITE_PAGES, handle, 0, (unsigned char *)(uintptr_t)data, len, TERN_PAGES_APPEND);
}

int64_t h_read(struct harness *h, uint64_t handle, uint64_t offset, void *buf, size_t len)
{
	return pages_all(h, TERN_FS_READ_PAGES, handle, offset, buf, len, 0);
}

void h_put_file(struct harness *h, const char *path, const void *data, size_t len)
{
	int64_t fd = h_open(h, path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	if (fd < 0)
		fail_msg("creating %s: %lld", path, (long long)fd);
	assert_int_equal(h_write(h, (uint64_t)fd, 0, data, len), len);
	assert_int_equal(h_close(h, (uint64_t)fd), 0);
}

int64_t h_get_file(struct harness *h, const char *path, void *buf, size_t cap)
{
	int64_t fd = h_open(h, path, O_RDONLY, 0);
	if (fd < 0)
		return fd;
	int64_t n = h_read(h, (uint64_t)fd, 0, buf, cap);
	assert_int_equal(h_close(h, (uint64_t)fd), 0);
	return n;
}

int64_t h_list(struct harness *h, uint64_t dir, size_t chunk, char *buf, size_t cap)
{
	uint64_t cookie = 0;
	size_t used = 0;
	int64_t names = 0;
	buf[0] = '\0';
	for (;;) {
		struct tern_fs_request req = {.op = TERN_FS_GETDENTS, .handle = dir, .offset = cookie, .len = chunk};
		int64_t n = h_call(h, &req, NULL, NULL, NULL, 0);
		if (n < 0)
			return n;
		if (n == 0)
			return names;
		assert_int_equal(h->resp.data_len, (uint64_t)n);
		for (size_t off = 0; off < (size_t)n;) {
			uint16_t reclen;
			memcpy(&reclen, h->out + off + H_DIRENT_RECLEN, sizeof(reclen));
			assert_true(reclen >= H_DIRENT_NAME + 2 && reclen % 8 == 0 && off + reclen <= (size_t)n);
			const char *name = (const char *)h->out + off + H_DIRENT_NAME;
			size_t len = strnlen(name, reclen - H_DIRENT_NAME);
			assert_true(len < reclen - H_DIRENT_NAME);
			if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) {
				assert_true(used + len + 2 <= cap);
				memcpy(buf + used, name, len);
				used += len;
				buf[used++] = '\n';
				buf[used] = '\0';
				names++;
			}
			off += reclen;
		}
		cookie = h->resp.offset;
	}
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int64_t h_list_sorted(struct harness *h, const char *path, char *buf, size_t cap)
{
	int64_t fd = h_open(h, path, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0)
		return fd;
	char *raw = malloc(cap);
	assert_non_null(raw);
	int64_t n = h_list(h, (uint64_t)fd, H_OUT_CAP, raw, cap);
	assert_int_equal(h_close(h, (uint64_t)fd), 0);
	if (n < 0) {
		free(raw);
		return n;
	}
	static char *names[NAMES_MAX];
	size_t count = 0;
	for (char *s = raw; *s != '\0';) {
		char *nl = strchr(s, '\n');
		*nl = '\0';
		assert_true(count < NAMES_MAX);
		names[count++] = s;
		s = nl + 1;
	}
	qsort(names, count, sizeof(names[0]), compare_names);
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		size_t len = strlen(names[i]);
		memcpy(buf + used, names[i], len);
		used += len;
		buf[used++] = ' ';
		buf[used] = '\0';
	}
	if (used > 0)
		buf[used - 1] = '\0';
	free(raw);
	return n;
}

int64_t h_lock(struct harness *h, uint64_t handle, uint64_t cmd, struct tern_fs_lock *lk)
{
	struct tern_fs_request req = {.op = TERN_FS_LOCK, .handle = handle, .arg0 = cmd};
	int64_t r = h_call(h, &req, NULL, NULL, lk, sizeof(*lk));
	if (r == 0 && (cmd & TERN_LOCK_CMD_MASK) == TERN_LOCK_GET && !(cmd & TERN_LOCK_FLOCK)) {
		assert_int_equal(h->resp.data_len, sizeof(*lk));
		memcpy(lk, h->out, sizeof(*lk));
	}
	return r;
}

struct harness H;

int h_setup(void **state)
{
	(void)state;
	h_init(&H, 0);
	return 0;
}

int h_teardown(void **state)
{
	(void)state;
	h_finish(&H);
	return 0;
}
