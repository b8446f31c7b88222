/*
 * futex - the raw futex(2) operations: FUTEX_WAIT (EAGAIN on a changed value,
 * ETIMEDOUT, EINTR from a signal), FUTEX_WAKE counts, FUTEX_REQUEUE and
 * FUTEX_CMP_REQUEUE, FUTEX_WAIT_BITSET/FUTEX_WAKE_BITSET with absolute
 * CLOCK_MONOTONIC and CLOCK_REALTIME timeouts, FUTEX_PRIVATE_FLAG, a shared
 * futex in MAP_SHARED memory between processes, and the errors (EFAULT,
 * EINVAL, ENOSYS).
 *
 * Waiters are threads. Before a wake whose count is checked, the main thread
 * lets the waiters announce themselves and then sleeps SETTLE_MS so that all
 * of them are inside FUTEX_WAIT.
 */
#include "check.h"

#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SETTLE_MS 100

static long futex(volatile int *uaddr, int op, int val, const struct timespec *timeout, volatile int *uaddr2,
		  int val3)
{
	return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

/* A waiter thread: FUTEX_WAIT(_BITSET) on word, records the outcome. */
struct waiter {
	volatile int *word;
	int op;
	unsigned int bitset;
	volatile int started, done;
	int result; /* 0 or an errno */
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;
	__atomic_store_n(&w->started, 1, __ATOMIC_SEQ_CST);
	long r = futex(w->word, w->op, 0, NULL, NULL, (int)w->bitset);
	w->result = r == 0 ? 0 : errno;
	__atomic_store_n(&w->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static void start_waiters(struct waiter *w, pthread_t *t, int n, volatile int *word, int op, unsigned int bitset)
{
	for (int i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].word = word;
		w[i].op = op;
		w[i].bitset = bitset;
		pthread_create(&t[i], NULL, wait_thread, &w[i]);
	}
	for (int i = 0; i < n; i++)
		while (!__atomic_load_n(&w[i].started, __ATOMIC_SEQ_CST))
			sleep_ms(1);
	sleep_ms(SETTLE_MS);
}

static int count_done(struct waiter *w, int n)
{
	int done = 0;
	for (int i = 0; i < n; i++)
		done += __atomic_load_n(&w[i].done, __ATOMIC_SEQ_CST);
	return done;
}

static void join_all(pthread_t *t, int n)
{
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
}

static int64_t ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static struct timespec clock_plus(clockid_t clock, long ms)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	ts.tv_nsec += ms * 1000000;
	while (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return ts;
}

/* ---------------------------------------------------------------- wait and wake */

static volatile int word_a, word_b;

static void test_wait_wake(void)
{
	section("FUTEX_WAIT and FUTEX_WAKE");
	word_a = 1;
	CHECK_ERR(futex(&word_a, FUTEX_WAIT, 0, NULL, NULL, 0), EAGAIN, "FUTEX_WAIT when the value differs");
	CHECK_ERR(futex(&word_a, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0), EAGAIN, "FUTEX_WAIT_PRIVATE when it differs");
	struct timespec rel = {0, 30 * 1000000};
	int64_t t0 = now_ns();
	CHECK_ERR(futex(&word_a, FUTEX_WAIT, 1, &rel, NULL, 0), ETIMEDOUT, "FUTEX_WAIT with a 30 ms timeout");
	check(now_ns() - t0 >= 30 * 1000000, "waited >= 30 ms");
	struct timespec zero = {0, 0};
	CHECK_ERR(futex(&word_a, FUTEX_WAIT_PRIVATE, 1, &zero, NULL, 0), ETIMEDOUT, "zero timeout");
	struct timespec bad = {0, 1000000000};
	CHECK_ERR(futex(&word_a, FUTEX_WAIT, 1, &bad, NULL, 0), EINVAL, "tv_nsec = 1e9");
	struct timespec neg = {-1, 0};
	CHECK_ERR(futex(&word_a, FUTEX_WAIT, 1, &neg, NULL, 0), EINVAL, "negative timeout");
	check_long(futex(&word_a, FUTEX_WAKE, 5, NULL, NULL, 0), 0, "FUTEX_WAKE with no waiters returns");

	enum { N = 4 };
	struct waiter w[N];
	pthread_t t[N];
	word_a = 0;
	start_waiters(w, t, N, &word_a, FUTEX_WAIT, 0);
	check_long(count_done(w, N), 0, "4 waiters blocked");
	check_long(futex(&word_a, FUTEX_WAKE, 2, NULL, NULL, 0), 2, "FUTEX_WAKE(2) returns");
	sleep_ms(SETTLE_MS);
	check_long(count_done(w, N), 2, "waiters woken");
	check_long(futex(&word_a, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 2, "FUTEX_WAKE(INT_MAX) returns");
	join_all(t, N);
	bool all_zero = true;
	for (int i = 0; i < N; i++)
		all_zero = all_zero && w[i].result == 0;
	check(all_zero, "every waiter's FUTEX_WAIT returned 0");

	/* Private waiters woken by a private wake. */
	start_waiters(w, t, 2, &word_a, FUTEX_WAIT_PRIVATE, 0);
	check_long(futex(&word_a, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0), 2, "FUTEX_WAKE_PRIVATE returns");
	join_all(t, 2);

	/* A wake on another word wakes nobody. */
	start_waiters(w, t, 1, &word_a, FUTEX_WAIT, 0);
	check_long(futex(&word_b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0, "FUTEX_WAKE on a different word");
	/* Linux counts "woken >= nr_wake" only after waking one: 0 acts as 1. */
	check_long(futex(&word_a, FUTEX_WAKE, 0, NULL, NULL, 0), 1, "FUTEX_WAKE(0) still wakes one");
	join_all(t, 1);
	check_long(futex(&word_a, FUTEX_WAKE, 1, NULL, NULL, 0), 0, "then FUTEX_WAKE(1) finds nobody");
}

/* ---------------------------------------------------------------- signals */

static void on_usr1(int sig)
{
	(void)sig;
}

static void test_interrupt(void)
{
	section("FUTEX_WAIT interrupted by a signal");
	struct sigaction sa = {.sa_handler = on_usr1}; /* no SA_RESTART */
	sigaction(SIGUSR1, &sa, NULL);
	struct waiter w[1];
	pthread_t t[1];
	word_a = 0;
	start_waiters(w, t, 1, &word_a, FUTEX_WAIT, 0);
	pthread_kill(t[0], SIGUSR1);
	join_all(t, 1);
	check_str(errno_name(w[0].result), "EINTR", "FUTEX_WAIT with a handler, no SA_RESTART");
	signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------- requeue */

static void test_requeue(void)
{
	section("FUTEX_REQUEUE and FUTEX_CMP_REQUEUE");
	enum { N = 3 };
	struct waiter w[N];
	pthread_t t[N];
	word_a = 0;
	word_b = 0;
	start_waiters(w, t, N, &word_a, FUTEX_WAIT, 0);
	/* val = nr_wake, the timeout argument carries nr_requeue. */
	long r = syscall(SYS_futex, &word_a, FUTEX_REQUEUE, 1, (void *)1L, &word_b, 0);
	check_long(r, 2, "FUTEX_REQUEUE(wake 1, requeue 1) returns woken + requeued");
	sleep_ms(SETTLE_MS);
	check_long(count_done(w, N), 1, "one woken");
	check_long(futex(&word_a, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 1, "one left on the first word");
	sleep_ms(SETTLE_MS);
	check_long(futex(&word_b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 1, "one moved to the second word");
	join_all(t, N);

	start_waiters(w, t, N, &word_a, FUTEX_WAIT, 0);
	word_a = 5;
	CHECK_ERR(syscall(SYS_futex, &word_a, FUTEX_CMP_REQUEUE, 1, (void *)1L, &word_b, 4), EAGAIN,
		  "FUTEX_CMP_REQUEUE with a stale value");
	check_long(count_done(w, N), 0, "nobody moved or woken");
	r = syscall(SYS_futex, &word_a, FUTEX_CMP_REQUEUE, 0, (void *)INT_MAX, &word_b, 5);
	check_long(r, 3, "FUTEX_CMP_REQUEUE(wake 0, requeue all) returns");
	check_long(futex(&word_a, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 0, "first word now empty");
	check_long(futex(&word_b, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 3, "all three woken from the second word");
	join_all(t, N);
	CHECK_ERR(syscall(SYS_futex, &word_a, FUTEX_CMP_REQUEUE, -1, (void *)1L, &word_b, 5), EINVAL,
		  "negative nr_wake");
}

/* ---------------------------------------------------------------- bitsets */

static void test_bitset(void)
{
	section("FUTEX_WAIT_BITSET and FUTEX_WAKE_BITSET");
	struct waiter w[2];
	pthread_t t[2];
	word_a = 0;
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 2; i++) {
		w[i].word = &word_a;
		w[i].op = FUTEX_WAIT_BITSET;
		w[i].bitset = 1u << i;
		pthread_create(&t[i], NULL, wait_thread, &w[i]);
	}
	while (!w[0].started || !w[1].started)
		sleep_ms(1);
	sleep_ms(SETTLE_MS);
	check_long(futex(&word_a, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 4), 0, "wake bitset 0x4 matches nobody");
	check_long(futex(&word_a, FUTEX_WAKE_BITSET, INT_MAX, NULL, NULL, 2), 1, "wake bitset 0x2");
	sleep_ms(SETTLE_MS);
	check(w[1].done && !w[0].done, "only the 0x2 waiter woke");
	check_long(futex(&word_a, FUTEX_WAKE, INT_MAX, NULL, NULL, 0), 1, "plain FUTEX_WAKE matches any bitset");
	join_all(t, 2);
	CHECK_ERR(futex(&word_a, FUTEX_WAIT_BITSET, 0, NULL, NULL, 0), EINVAL, "wait with bitset 0");
	CHECK_ERR(futex(&word_a, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0), EINVAL, "wake with bitset 0");

	/* Absolute timeouts. */
	struct timespec dl = clock_plus(CLOCK_MONOTONIC, 30);
	CHECK_ERR(futex(&word_a, FUTEX_WAIT_BITSET, 0, &dl, NULL, (int)FUTEX_BITSET_MATCH_ANY), ETIMEDOUT,
		  "absolute CLOCK_MONOTONIC deadline 30 ms ahead");
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	check(ts_ns(&now) >= ts_ns(&dl), "returned at or after the deadline");
	dl = clock_plus(CLOCK_REALTIME, 30);
	CHECK_ERR(futex(&word_a, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &dl, NULL, (int)FUTEX_BITSET_MATCH_ANY),
		  ETIMEDOUT, "absolute CLOCK_REALTIME deadline 30 ms ahead");
	clock_gettime(CLOCK_REALTIME, &now);
	check(ts_ns(&now) >= ts_ns(&dl), "returned at or after the deadline");
	dl = clock_plus(CLOCK_MONOTONIC, 0);
	dl.tv_sec -= 1;
	int64_t t0 = now_ns();
	CHECK_ERR(futex(&word_a, FUTEX_WAIT_BITSET, 0, &dl, NULL, (int)FUTEX_BITSET_MATCH_ANY), ETIMEDOUT,
		  "deadline in the past");
	check(now_ns() - t0 < 1000000000, "returned at once");
	struct timespec rel = {0, 20 * 1000000};
	/* Only the absolute-timeout waits take FUTEX_CLOCK_REALTIME. */
	CHECK_ERR(futex(&word_a, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 0, &rel, NULL, 0), ENOSYS,
		  "FUTEX_CLOCK_REALTIME with FUTEX_WAIT");
	CHECK_ERR(futex(&word_a, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0), ENOSYS,
		  "FUTEX_CLOCK_REALTIME with FUTEX_WAKE");
}

/* ---------------------------------------------------------------- between processes */

static void test_shared(void)
{
	section("shared futex between processes");
	volatile int *word = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*word = 0;
	word[1] = 0;
	pid_t pid = fork();
	if (pid == 0) {
		word[1] = 1; /* about to wait */
		long r = futex(word, FUTEX_WAIT, 0, NULL, NULL, 0);
		_exit(r == 0 && *word == 1 ? 0 : 1);
	}
	while (word[1] == 0)
		sleep_ms(1);
	sleep_ms(SETTLE_MS);
	*word = 1;
	check_long(futex(word, FUTEX_WAKE, 1, NULL, NULL, 0), 1, "parent's FUTEX_WAKE wakes the child");
	check_wait(pid, "exited 0", "child woke with the new value");

	/* The other way round, and a private wake across processes finds nobody. */
	*word = 0;
	word[1] = 0;
	pid = fork();
	if (pid == 0) {
		while (word[1] == 0)
			sleep_ms(1);
		struct timespec ts = {0, SETTLE_MS * 1000000};
		nanosleep(&ts, NULL);
		long priv = futex(word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		*word = 2;
		long shared = futex(word, FUTEX_WAKE, 1, NULL, NULL, 0);
		_exit(priv == 0 && shared == 1 ? 0 : 1);
	}
	word[1] = 1;
	long r = futex(word, FUTEX_WAIT, 0, NULL, NULL, 0);
	check(r == 0 && *word == 2, "woken by the child");
	check_wait(pid, "exited 0", "child: private wake found 0 waiters, shared wake found 1");
	munmap((void *)word, 4096);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(void)
{
	section("errors");
	CHECK_ERR(futex(NULL, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT, "FUTEX_WAIT on NULL");
	CHECK_ERR(futex(WILD_KERNEL_DIRECT, FUTEX_WAIT, 0, NULL, NULL, 0), EFAULT, "FUTEX_WAIT on a kernel address");
	CHECK_ERR(futex((volatile int *)((char *)&word_a + 1), FUTEX_WAIT, 0, NULL, NULL, 0), EINVAL,
		  "FUTEX_WAIT on an unaligned address");
	CHECK_ERR(futex((volatile int *)((char *)&word_a + 2), FUTEX_WAKE, 1, NULL, NULL, 0), EINVAL,
		  "FUTEX_WAKE on an unaligned address");
	CHECK_ERR(futex(&word_a, 99, 0, NULL, NULL, 0), ENOSYS, "unknown op 99");
	CHECK_ERR(futex(&word_a, 99 | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0), ENOSYS, "unknown private op");
	word_a = 0;
	struct timespec *bad_ts = (struct timespec *)WILD_KERNEL_TEXT;
	CHECK_ERR(futex(&word_a, FUTEX_WAIT, 0, bad_ts, NULL, 0), EFAULT, "FUTEX_WAIT with a bad timeout pointer");
	CHECK_ERR(syscall(SYS_futex, &word_a, FUTEX_CMP_REQUEUE, 1, (void *)1L, NULL, 0), EFAULT,
		  "FUTEX_CMP_REQUEUE to NULL");
}

int main(void)
{
	test_wait_wake();
	test_interrupt();
	test_requeue();
	test_bitset();
	test_shared();
	test_errors();
	return check_done();
}
