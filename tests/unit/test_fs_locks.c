/*
 * Advisory locks through TERN_FS_LOCK (sys/io/fs/locks.c): POSIX record
 * locks (split, merge, conflicts between processes, the GET answer,
 * UNLOCK_PROCESS), flock locks (shared, exclusive, conversion, release on
 * close), and waits: TERN_LOCK_WAIT left pending and answered through
 * env->complete when the holder lets go, ended by CANCEL (-EINTR) or by
 * closing the waiting handle (-EBADF), refused at once on a deadlock.
 */
#include <string.h>

#include "fs_harness.h"
#include "unit_test.h"

#include "fs/fs_abi.h"

#define PID_A 1
#define PID_B 2
#define PID_C 3
#define PID_D 4
#define PID_E 5

/* Handles on /f: a and b read-write, r read-only, w write-only. */
static uint64_t fa, fb, fr, fw;

static uint64_t must_open(const char *path, uint64_t flags)
{
	int64_t fd = h_open(&H, path, flags, 0644);
	assert_true(fd > 0);
	return (uint64_t)fd;
}

static int setup(void **state)
{
	(void)state;
	h_init(&H, 0);
	h_put_file(&H, "/f", "0123456789", 10);
	fa = must_open("/f", O_RDWR);
	fb = must_open("/f", O_RDWR);
	fr = must_open("/f", O_RDONLY);
	fw = must_open("/f", O_WRONLY);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	uint64_t fds[] = {fa, fb, fr, fw};
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (fds[i] != 0)
			assert_int_equal(h_close(&H, fds[i]), 0);
	}
	fa = fb = fr = fw = 0;
	h_finish(&H);
	return 0;
}

/* A POSIX request by pid on handle fd. */
static int64_t plock(int32_t pid, uint64_t fd, uint64_t cmd, int32_t type, uint64_t start, uint64_t len)
{
	struct tern_fs_lock lk = {.type = type, .pid = pid, .start = start, .len = len};
	H.pid = pid;
	return h_lock(&H, fd, cmd, &lk);
}

/* GET as pid: the conflicting lock, or type F_UNLCK. */
static struct tern_fs_lock get(int32_t pid, uint64_t fd, int32_t type, uint64_t start, uint64_t len)
{
	struct tern_fs_lock lk = {.type = type, .pid = pid, .start = start, .len = len};
	H.pid = pid;
	assert_int_equal(h_lock(&H, fd, TERN_LOCK_GET, &lk), 0);
	return lk;
}

static void expect_conflict(int32_t pid, int32_t type, uint64_t start, uint64_t len, int32_t holder,
			    int32_t held_type, uint64_t held_start, uint64_t held_len)
{
	struct tern_fs_lock lk = get(pid, fa, type, start, len);
	assert_int_equal(lk.type, held_type);
	assert_int_equal(lk.pid, holder);
	assert_int_equal(lk.start, held_start);
	assert_int_equal(lk.len, held_len);
}

static void expect_free(int32_t pid, int32_t type, uint64_t start, uint64_t len)
{
	assert_int_equal(get(pid, fa, type, start, len).type, F_UNLCK);
}

static int64_t flock_req(uint64_t fd, uint64_t cmd, int32_t type)
{
	struct tern_fs_lock lk = {.type = type};
	return h_lock(&H, fd, cmd | TERN_LOCK_FLOCK, &lk);
}

static void test_posix_conflicts_and_get(void **state)
{
	(void)state;
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 0, 100), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_WRLCK, 50, 10), -EAGAIN);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_RDLCK, 99, 1), -EAGAIN);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_RDLCK, 100, 1), 0);
	expect_conflict(PID_B, F_WRLCK, 50, 10, PID_A, F_WRLCK, 0, 100);
	expect_free(PID_B, F_WRLCK, 101, 5);
	/* A process's own locks never conflict with it. */
	expect_free(PID_A, F_WRLCK, 0, 100);
	/* Another process sees both, the first by start. */
	expect_conflict(PID_C, F_WRLCK, 0, 0, PID_A, F_WRLCK, 0, 100);
	expect_conflict(PID_C, F_WRLCK, 100, 0, PID_B, F_RDLCK, 100, 1);
	expect_free(PID_C, F_RDLCK, 100, 1);
	/* The same process may change its own lock's type. */
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_RDLCK, 0, 100), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_RDLCK, 0, 10), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_WRLCK, 0, 10), -EAGAIN);
}

static void test_posix_split_and_merge(void **state)
{
	(void)state;
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 0, 100), 0);
	/* Unlock the middle: two pieces left. */
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_UNLCK, 40, 20), 0);
	expect_conflict(PID_B, F_RDLCK, 0, 0, PID_A, F_WRLCK, 0, 40);
	expect_conflict(PID_B, F_RDLCK, 40, 0, PID_A, F_WRLCK, 60, 40);
	expect_free(PID_B, F_WRLCK, 40, 20);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_WRLCK, 40, 20), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_WRLCK, 39, 1), -EAGAIN);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_UNLCK, 40, 20), 0);

	/* Touching ranges of one type merge. */
	assert_int_equal(plock(PID_D, fa, TERN_LOCK_SET, F_RDLCK, 200, 10), 0);
	assert_int_equal(plock(PID_D, fa, TERN_LOCK_SET, F_RDLCK, 210, 10), 0);
	assert_int_equal(plock(PID_D, fa, TERN_LOCK_SET, F_RDLCK, 195, 6), 0);
	expect_conflict(PID_E, F_WRLCK, 200, 1, PID_D, F_RDLCK, 195, 25);
	/* Another type in the middle splits in three. */
	assert_int_equal(plock(PID_D, fa, TERN_LOCK_SET, F_WRLCK, 205, 5), 0);
	expect_conflict(PID_E, F_WRLCK, 195, 0, PID_D, F_RDLCK, 195, 10);
	expect_conflict(PID_E, F_RDLCK, 195, 0, PID_D, F_WRLCK, 205, 5);
	expect_conflict(PID_E, F_WRLCK, 210, 0, PID_D, F_RDLCK, 210, 10);
	assert_int_equal(plock(PID_E, fb, TERN_LOCK_SET, F_RDLCK, 195, 10), 0);
	assert_int_equal(plock(PID_E, fb, TERN_LOCK_SET, F_RDLCK, 209, 1), -EAGAIN);
	/* Same type again over all of it: one lock. */
	assert_int_equal(plock(PID_D, fa, TERN_LOCK_SET, F_RDLCK, 190, 40), 0);
	expect_conflict(PID_C, F_WRLCK, 220, 1, PID_D, F_RDLCK, 190, 40);
	/* Removing a range that covers everything. */
	assert_int_equal(plock(PID_D, fa, TERN_LOCK_SET, F_UNLCK, 0, 0), 0);
	assert_int_equal(plock(PID_E, fb, TERN_LOCK_SET, F_UNLCK, 0, 0), 0);
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_UNLCK, 0, 0), 0);
	expect_free(PID_C, F_WRLCK, 0, 0);
}

static void test_posix_to_end_and_bad_input(void **state)
{
	(void)state;
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 1000, 0), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_RDLCK, 1ull << 40, 1), -EAGAIN);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_RDLCK, 0, 1000), 0);
	expect_conflict(PID_C, F_RDLCK, 5000, 1, PID_A, F_WRLCK, 1000, 0);

	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, 7, 0, 1), -EINVAL);
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 1ull << 63, 1), -EINVAL);
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 10, UINT64_MAX), -EOVERFLOW);
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_GET, F_UNLCK, 0, 1), -EINVAL);
	assert_int_equal(plock(PID_A, fa, 3, F_WRLCK, 0, 1), -EINVAL);
	assert_int_equal(plock(PID_A, fa, 0x40, F_WRLCK, 0, 1), -EINVAL);
	/* Access mode: a read lock needs a readable handle, a write lock a writable one. */
	assert_int_equal(plock(PID_C, fw, TERN_LOCK_SET, F_RDLCK, 0, 1), -EBADF);
	assert_int_equal(plock(PID_C, fr, TERN_LOCK_SET, F_WRLCK, 5000, 1), -EBADF);
	assert_int_equal(plock(PID_C, fr, TERN_LOCK_SET, F_UNLCK, 0, 1), 0);
	/* No lock on the root handle, an O_PATH handle or a closed one. */
	assert_int_equal(plock(PID_C, TERN_FS_ROOT_HANDLE, TERN_LOCK_SET, F_RDLCK, 0, 1), -EBADF);
	uint64_t p = must_open("/f", O_PATH);
	assert_int_equal(plock(PID_C, p, TERN_LOCK_SET, F_RDLCK, 0, 1), -EBADF);
	assert_int_equal(h_close(&H, p), 0);
	assert_int_equal(plock(PID_C, p, TERN_LOCK_SET, F_RDLCK, 0, 1), -EBADF);
	/* Without its input structure. */
	struct tern_fs_request req = {.op = TERN_FS_LOCK, .handle = fa, .arg0 = TERN_LOCK_SET};
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), -EINVAL);
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_UNLCK, 0, 0), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_UNLCK, 0, 0), 0);
}

static int64_t unlock_process(int32_t pid, uint64_t fd)
{
	struct tern_fs_request req = {.op = TERN_FS_UNLOCK_PROCESS, .handle = fd};
	H.pid = pid;
	return h_call(&H, &req, NULL, NULL, NULL, 0);
}

static void test_unlock_process(void **state)
{
	(void)state;
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 0, 10), 0);
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 20, 10), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_WRLCK, 10, 10), 0);
	/* Any descriptor of the node will do: the locks are the process's. */
	assert_int_equal(unlock_process(PID_A, fr), 0);
	expect_conflict(PID_C, F_RDLCK, 0, 0, PID_B, F_WRLCK, 10, 10);
	assert_int_equal(plock(PID_C, fa, TERN_LOCK_SET, F_WRLCK, 0, 10), 0);
	assert_int_equal(unlock_process(PID_B, fb), 0);
	assert_int_equal(unlock_process(PID_C, fb), 0);
	expect_free(PID_D, F_WRLCK, 0, 0);
	assert_int_equal(unlock_process(PID_C, TERN_FS_ROOT_HANDLE), -EBADF);
	assert_int_equal(unlock_process(PID_C, 0x999), -EBADF);
}

static const struct tern_fs_response *completion(size_t i)
{
	assert_true(i < H.ncompleted);
	return &H.completed[i];
}

static void test_wait_granted_on_unlock(void **state)
{
	(void)state;
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 0, 10), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_WAIT, F_WRLCK, 5, 1), H_PENDING);
	uint32_t slot_b = H.last_slot;
	assert_int_equal(plock(PID_C, fr, TERN_LOCK_WAIT, F_RDLCK, 0, 2), H_PENDING);
	uint32_t slot_c = H.last_slot;
	assert_int_equal(h_usage(&H).pending, 2);
	assert_int_equal(H.ncompleted, 0);
	/* Something that does not conflict is granted at once. */
	assert_int_equal(plock(PID_D, fr, TERN_LOCK_WAIT, F_RDLCK, 50, 2), 0);

	/* Unlocking part of it lets C's read lock through, not B's. */
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_UNLCK, 0, 3), 0);
	assert_int_equal(H.ncompleted, 1);
	assert_int_equal(completion(0)->slot, slot_c);
	assert_int_equal(completion(0)->result, 0);
	expect_conflict(PID_E, F_WRLCK, 0, 2, PID_C, F_RDLCK, 0, 2);
	/* All of it: B gets its lock. */
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_UNLCK, 0, 0), 0);
	assert_int_equal(H.ncompleted, 2);
	assert_int_equal(completion(1)->slot, slot_b);
	assert_int_equal(completion(1)->result, 0);
	expect_conflict(PID_A, F_RDLCK, 5, 1, PID_B, F_WRLCK, 5, 1);
	assert_int_equal(h_usage(&H).pending, 0);
}

static void test_wait_cancel_close_deadlock(void **state)
{
	(void)state;
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 0, 1), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_SET, F_WRLCK, 1, 1), 0);
	/* A waits for B; B waiting for A would close the cycle. */
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_WAIT, F_WRLCK, 1, 1), H_PENDING);
	uint32_t slot_a = H.last_slot;
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_WAIT, F_WRLCK, 0, 1), -EDEADLK);
	/* A longer cycle: C waits for A, then B for C. */
	assert_int_equal(plock(PID_C, fw, TERN_LOCK_SET, F_WRLCK, 2, 1), 0);
	assert_int_equal(plock(PID_C, fw, TERN_LOCK_WAIT, F_WRLCK, 0, 1), H_PENDING);
	uint32_t slot_c = H.last_slot;
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_WAIT, F_WRLCK, 2, 1), -EDEADLK);
	assert_int_equal(H.ncompleted, 0);

	/* CANCEL ends A's wait with -EINTR. */
	struct tern_fs_request cancel = {.op = TERN_FS_CANCEL, .arg0 = slot_a};
	assert_int_equal(h_call(&H, &cancel, NULL, NULL, NULL, 0), 0);
	assert_int_equal(H.ncompleted, 1);
	assert_int_equal(completion(0)->slot, slot_a);
	assert_int_equal(completion(0)->result, -EINTR);
	assert_int_equal(h_call(&H, &cancel, NULL, NULL, NULL, 0), -ENOENT);
	cancel.arg0 = 1ull << 40;
	assert_int_equal(h_call(&H, &cancel, NULL, NULL, NULL, 0), -ENOENT);
	/* Now B may wait for C without a cycle. */
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_WAIT, F_WRLCK, 2, 1), H_PENDING);
	uint32_t slot_b = H.last_slot;

	/* Closing C's handle ends C's wait with -EBADF (its POSIX lock stays: the process's). */
	assert_int_equal(h_close(&H, fw), 0);
	fw = 0;
	assert_int_equal(H.ncompleted, 2);
	assert_int_equal(completion(1)->slot, slot_c);
	assert_int_equal(completion(1)->result, -EBADF);
	assert_int_equal(h_usage(&H).pending, 1);
	/* C's process lets go: B is granted. */
	assert_int_equal(unlock_process(PID_C, fa), 0);
	assert_int_equal(H.ncompleted, 3);
	assert_int_equal(completion(2)->slot, slot_b);
	assert_int_equal(completion(2)->result, 0);
	assert_int_equal(h_usage(&H).pending, 0);
}

/* A waiter holds its node: the file may go from the namespace meanwhile. */
static void test_wait_on_removed_file(void **state)
{
	(void)state;
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 0, 0), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_WAIT, F_WRLCK, 0, 0), H_PENDING);
	assert_int_equal(h_unlink(&H, "/f"), 0);
	assert_int_equal(h_close(&H, fa), 0);
	fa = 0;
	assert_int_equal(H.ncompleted, 0); /* POSIX locks outlive the descriptor */
	assert_int_equal(unlock_process(PID_A, fb), 0);
	assert_int_equal(H.ncompleted, 1);
	assert_int_equal(completion(0)->result, 0);
}

static void test_flock(void **state)
{
	(void)state;
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_RDLCK), 0);
	assert_int_equal(flock_req(fb, TERN_LOCK_SET, F_RDLCK), 0);
	/* flock needs no write access for an exclusive lock, but conflicts. */
	assert_int_equal(flock_req(fr, TERN_LOCK_SET, F_WRLCK), -EAGAIN);
	/* The same lock again is a no-op. */
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_RDLCK), 0);
	/* A failed upgrade loses the shared lock (Linux drops it first). */
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_WRLCK), -EAGAIN);
	assert_int_equal(flock_req(fb, TERN_LOCK_SET, F_WRLCK), 0);
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_RDLCK), -EAGAIN);
	/* Downgrade, then others may share. */
	assert_int_equal(flock_req(fb, TERN_LOCK_SET, F_RDLCK), 0);
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_RDLCK), 0);
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_UNLCK), 0);
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_UNLCK), 0);
	assert_int_equal(flock_req(fa, TERN_LOCK_GET, F_RDLCK), -EINVAL);
	/* Independent of POSIX locks. */
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 0, 0), 0);
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_UNLCK, 0, 0), 0);
	/* Closing a handle drops its flock lock. */
	uint64_t extra = must_open("/f", O_RDONLY);
	assert_int_equal(flock_req(fb, TERN_LOCK_SET, F_UNLCK), 0);
	assert_int_equal(flock_req(extra, TERN_LOCK_SET, F_WRLCK), 0);
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_RDLCK), -EAGAIN);
	assert_int_equal(h_close(&H, extra), 0);
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_WRLCK), 0);
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_UNLCK), 0);
}

static void test_flock_wait(void **state)
{
	(void)state;
	assert_int_equal(flock_req(fa, TERN_LOCK_SET, F_WRLCK), 0);
	assert_int_equal(flock_req(fb, TERN_LOCK_WAIT, F_RDLCK), H_PENDING);
	uint32_t slot_b = H.last_slot;
	assert_int_equal(flock_req(fr, TERN_LOCK_WAIT, F_RDLCK), H_PENDING);
	uint32_t slot_r = H.last_slot;
	assert_int_equal(flock_req(fw, TERN_LOCK_WAIT, F_WRLCK), H_PENDING);
	uint32_t slot_w = H.last_slot;
	assert_int_equal(h_usage(&H).pending, 3);
	/* The holder closes: both readers are granted, the writer keeps waiting. */
	assert_int_equal(h_close(&H, fa), 0);
	fa = 0;
	assert_int_equal(H.ncompleted, 2);
	assert_int_equal(completion(0)->slot, slot_b);
	assert_int_equal(completion(1)->slot, slot_r);
	assert_int_equal(completion(0)->result, 0);
	assert_int_equal(completion(1)->result, 0);
	assert_int_equal(flock_req(fb, TERN_LOCK_SET, F_UNLCK), 0);
	assert_int_equal(H.ncompleted, 2);
	assert_int_equal(flock_req(fr, TERN_LOCK_SET, F_UNLCK), 0);
	assert_int_equal(H.ncompleted, 3);
	assert_int_equal(completion(2)->slot, slot_w);
	assert_int_equal(completion(2)->result, 0);
	assert_int_equal(h_usage(&H).pending, 0);
}

/*
 * fs_destroy frees pending waits without answering them (fs.h). Known to
 * fail while vfs.c closes the handles (answering their waits with -EBADF)
 * before it drops the waiters: reported as skipped until that is fixed.
 */
static void test_destroy_leaves_waits_unanswered(void **state)
{
	(void)state;
	assert_int_equal(plock(PID_A, fa, TERN_LOCK_SET, F_WRLCK, 0, 0), 0);
	assert_int_equal(plock(PID_B, fb, TERN_LOCK_WAIT, F_WRLCK, 0, 0), H_PENDING);
	assert_int_equal(flock_req(fr, TERN_LOCK_SET, F_WRLCK), 0);
	assert_int_equal(flock_req(fw, TERN_LOCK_WAIT, F_WRLCK), H_PENDING);
	assert_int_equal(h_usage(&H).pending, 2);
	fa = fb = fr = fw = 0;
	h_destroy(&H);
	size_t answered = H.ncompleted;
	h_init(&H, 0); /* for the teardown */
	assert_int_equal(answered, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_posix_conflicts_and_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_posix_split_and_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_posix_to_end_and_bad_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unlock_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_granted_on_unlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_cancel_close_deadlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wait_on_removed_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flock_wait, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destroy_leaves_waits_unanswered, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
