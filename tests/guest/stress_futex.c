/*
 * stress_futex - guest-only stress test (not compared with the host): 64
 * threads each take a futex-based mutex 100000 times and increment a shared
 * counter; the final count must be exact. The mutex is the classic
 * three-state one (0 free, 1 locked, 2 locked with waiters) on raw
 * FUTEX_WAIT_PRIVATE/FUTEX_WAKE_PRIVATE, so contention really goes through
 * the kernel.
 */
#include "check.h"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#define THREADS 64
#define ROUNDS 100000

static int lock_word;
static long counter;
static long futex_waits;

static void lock(int *w)
{
	int c = __sync_val_compare_and_swap(w, 0, 1);
	if (c == 0)
		return;
	if (c != 2)
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	while (c != 0) {
		syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0);
		__atomic_add_fetch(&futex_waits, 1, __ATOMIC_RELAXED);
		c = __atomic_exchange_n(w, 2, __ATOMIC_ACQUIRE);
	}
}

static void unlock(int *w)
{
	if (__atomic_fetch_sub(w, 1, __ATOMIC_RELEASE) != 1) {
		__atomic_store_n(w, 0, __ATOMIC_RELEASE);
		syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	}
}

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < ROUNDS; i++) {
		lock(&lock_word);
		counter++;
		unlock(&lock_word);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[THREADS];
	int created = 0;
	int64_t t0 = now_ns();
	for (int i = 0; i < THREADS; i++)
		if (pthread_create(&t[i], NULL, worker, NULL) == 0)
			created++;
	for (int i = 0; i < created; i++)
		pthread_join(t[i], NULL);
	int64_t ms = (now_ns() - t0) / 1000000;
	check_long(created, THREADS, "threads created");
	check_long(counter, (long)THREADS * ROUNDS, "final count");
	check_long(lock_word, 0, "lock free at the end");
	out("info: %lld ms, %ld futex waits\n", (long long)ms, futex_waits);
	out("stress_futex: %s\n", check_failures() == 0 ? "PASS" : "FAIL");
	return check_done();
}
