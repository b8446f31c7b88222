/*
 * thread - musl pthreads on the kernel's clone/futex/TLS support:
 * create/join with values, thread ids, thread-local storage (.tdata and
 * .tbss) per thread, mutex, condition variable, barrier, rwlock, once,
 * detached threads, pthread_exit (also from main), stack size attribute,
 * per-thread names, cancellation (musl sends a real-time signal), and many
 * short-lived threads.
 *
 * Threads never print: they leave results in memory and the main thread
 * checks after joining.
 */
#include "check.h"

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 8

static const char *self;

static __thread int tls_init = 7;      /* .tdata */
static __thread long tls_zero[64];     /* .tbss */
static __thread char tls_name[16] = "main";

/* ---------------------------------------------------------------- basics */

struct basic {
	int index;
	pid_t tid, pid;
	int tls_init_seen, tls_zero_ok, tls_kept;
	pthread_t self;
};

static void *basic_thread(void *arg)
{
	struct basic *b = arg;
	b->tid = gettid();
	b->pid = getpid();
	b->self = pthread_self();
	b->tls_init_seen = tls_init;
	bool zero = true;
	for (int i = 0; i < 64; i++)
		zero = zero && tls_zero[i] == 0;
	b->tls_zero_ok = zero;
	/* Make the TLS values ours, let the others run, and check they stayed. */
	tls_init = 100 + b->index;
	for (int i = 0; i < 64; i++)
		tls_zero[i] = b->index;
	tls_name[0] = (char)('a' + b->index);
	for (int i = 0; i < 20; i++)
		sched_yield();
	bool kept = tls_init == 100 + b->index && tls_name[0] == (char)('a' + b->index);
	for (int i = 0; i < 64; i++)
		kept = kept && tls_zero[i] == b->index;
	b->tls_kept = kept;
	return (void *)(long)(b->index * 2);
}

static void test_basics(void)
{
	section("create, join, ids, TLS");
	struct basic b[NTHREADS];
	pthread_t t[NTHREADS];
	tls_init = 1;
	int created = 0;
	for (int i = 0; i < NTHREADS; i++) {
		memset(&b[i], 0, sizeof(b[i]));
		b[i].index = i;
		if (pthread_create(&t[i], NULL, basic_thread, &b[i]) == 0)
			created++;
	}
	check_long(created, NTHREADS, "threads created");
	bool values = true;
	for (int i = 0; i < NTHREADS; i++) {
		void *ret = NULL;
		values = values && pthread_join(t[i], &ret) == 0 && ret == (void *)(long)(i * 2);
	}
	check(values, "join returns each thread's value");
	bool distinct = true, same_pid = true, init = true, zero = true, kept = true, selfs = true;
	for (int i = 0; i < NTHREADS; i++) {
		distinct = distinct && b[i].tid != getpid() && b[i].tid > 0;
		for (int j = 0; j < i; j++)
			distinct = distinct && b[i].tid != b[j].tid;
		same_pid = same_pid && b[i].pid == getpid();
		init = init && b[i].tls_init_seen == 7;
		zero = zero && b[i].tls_zero_ok;
		kept = kept && b[i].tls_kept;
		selfs = selfs && pthread_equal(b[i].self, t[i]);
	}
	check(distinct, "every thread has its own tid, none equal to the pid");
	check(same_pid, "getpid is the same in every thread");
	check(init, "each thread starts with the initial .tdata value, not main's");
	check(zero, "each thread's .tbss starts zeroed");
	check(kept, "each thread kept its own TLS values");
	check_long(tls_init, 1, "main's TLS value untouched");
	check_str(tls_name, "main", "main's TLS string untouched");
	check(pthread_equal(pthread_self(), pthread_self()) && !pthread_equal(pthread_self(), t[0]), "pthread_equal");
}

/* ---------------------------------------------------------------- mutex, condvar */

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count_thread(void *arg)
{
	(void)arg;
	for (int i = 0; i < 20000; i++) {
		pthread_mutex_lock(&counter_lock);
		counter++;
		pthread_mutex_unlock(&counter_lock);
	}
	return NULL;
}

#define QUEUE_ITEMS 2000
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_not_empty = PTHREAD_COND_INITIALIZER, q_not_full = PTHREAD_COND_INITIALIZER;
static int q_buf[8], q_head, q_count;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= QUEUE_ITEMS; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_count == 8)
			pthread_cond_wait(&q_not_full, &q_lock);
		q_buf[(q_head + q_count) % 8] = i;
		q_count++;
		pthread_cond_signal(&q_not_empty);
		pthread_mutex_unlock(&q_lock);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	long sum = 0;
	(void)arg;
	for (int i = 0; i < QUEUE_ITEMS / 2; i++) {
		pthread_mutex_lock(&q_lock);
		while (q_count == 0)
			pthread_cond_wait(&q_not_empty, &q_lock);
		sum += q_buf[q_head];
		q_head = (q_head + 1) % 8;
		q_count--;
		pthread_cond_signal(&q_not_full);
		pthread_mutex_unlock(&q_lock);
	}
	return (void *)sum;
}

static void test_mutex_cond(void)
{
	section("mutex and condition variable");
	pthread_t t[NTHREADS];
	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, count_thread, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	check_long(counter, NTHREADS * 20000L, "8 threads x 20000 locked increments");

	pthread_t p1, p2, c1, c2;
	pthread_create(&c1, NULL, consumer, NULL);
	pthread_create(&c2, NULL, consumer, NULL);
	pthread_create(&p1, NULL, producer, NULL);
	void *s1, *s2;
	pthread_join(p1, NULL);
	(void)p2;
	pthread_join(c1, &s1);
	pthread_join(c2, &s2);
	check_long((long)s1 + (long)s2, (long)QUEUE_ITEMS * (QUEUE_ITEMS + 1) / 2,
		   "2000 items through an 8-slot queue: sum");

	pthread_mutex_t m;
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
	pthread_mutex_init(&m, &a);
	check_long(pthread_mutex_lock(&m), 0, "errorcheck mutex lock");
	check_str(errno_name(pthread_mutex_lock(&m)), "EDEADLK", "relock by the owner");
	check_str(errno_name(pthread_mutex_trylock(&m)), "EBUSY", "trylock when held");
	check_long(pthread_mutex_unlock(&m), 0, "unlock");
	check_str(errno_name(pthread_mutex_unlock(&m)), "EPERM", "unlock when not held");

	/* A timed wait that times out. */
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += 30 * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&m);
	int64_t t0 = now_ns();
	int r = pthread_cond_timedwait(&cv, &m, &ts);
	int64_t waited = now_ns() - t0;
	pthread_mutex_unlock(&m);
	check_str(errno_name(r), "ETIMEDOUT", "pthread_cond_timedwait with nobody signalling");
	check(waited >= 25 * 1000000, "waited >= 25 ms");
}

/* ---------------------------------------------------------------- barrier, rwlock, once */

#define BARRIER_THREADS 4
#define ROUNDS 20
static pthread_barrier_t barrier;
static volatile int phase[BARRIER_THREADS];
static volatile int barrier_errors, serial_count;

static void *barrier_thread(void *arg)
{
	int me = (int)(long)arg;
	for (int round = 1; round <= ROUNDS; round++) {
		phase[me] = round;
		int r = pthread_barrier_wait(&barrier);
		if (r == PTHREAD_BARRIER_SERIAL_THREAD)
			__atomic_add_fetch(&serial_count, 1, __ATOMIC_SEQ_CST);
		for (int i = 0; i < BARRIER_THREADS; i++)
			if (phase[i] < round)
				__atomic_add_fetch(&barrier_errors, 1, __ATOMIC_SEQ_CST);
		pthread_barrier_wait(&barrier); /* nobody starts the next round early */
	}
	return NULL;
}

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static volatile int readers_inside, max_readers_inside, writer_overlap;
static long shared_total;

static void *rw_thread(void *arg)
{
	int me = (int)(long)arg;
	for (int i = 0; i < 2000; i++) {
		if ((i + me) % 10 == 0) {
			pthread_rwlock_wrlock(&rw);
			if (readers_inside != 0)
				writer_overlap = 1;
			shared_total++;
			pthread_rwlock_unlock(&rw);
		} else {
			pthread_rwlock_rdlock(&rw);
			int n = __atomic_add_fetch(&readers_inside, 1, __ATOMIC_SEQ_CST);
			if (n > max_readers_inside)
				max_readers_inside = n;
			__atomic_sub_fetch(&readers_inside, 1, __ATOMIC_SEQ_CST);
			pthread_rwlock_unlock(&rw);
		}
	}
	return NULL;
}

static pthread_once_t once = PTHREAD_ONCE_INIT;
static volatile int once_runs;

static void once_fn(void)
{
	once_runs++;
}

static void *once_thread(void *arg)
{
	(void)arg;
	pthread_once(&once, once_fn);
	return NULL;
}

static void test_sync(void)
{
	section("barrier, rwlock, once");
	pthread_barrier_init(&barrier, NULL, BARRIER_THREADS);
	pthread_t t[NTHREADS];
	for (int i = 0; i < BARRIER_THREADS; i++)
		pthread_create(&t[i], NULL, barrier_thread, (void *)(long)i);
	for (int i = 0; i < BARRIER_THREADS; i++)
		pthread_join(t[i], NULL);
	check_long(barrier_errors, 0, "threads that passed the barrier before all arrived");
	check_long(serial_count, ROUNDS, "one PTHREAD_BARRIER_SERIAL_THREAD per round");
	pthread_barrier_destroy(&barrier);

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, rw_thread, (void *)(long)i);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	check_long(shared_total, 800, "writer increments under the rwlock");
	check_long(writer_overlap, 0, "writer saw readers inside");

	for (int i = 0; i < NTHREADS; i++)
		pthread_create(&t[i], NULL, once_thread, NULL);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	check_long(once_runs, 1, "pthread_once ran the function once");
}

/* ---------------------------------------------------------------- detached, exit, attrs */

static sem_t detached_done;
static volatile int detached_ran;

static void *detached_thread(void *arg)
{
	(void)arg;
	detached_ran = 1;
	sem_post(&detached_done);
	return NULL;
}

static void *exit_thread(void *arg)
{
	(void)arg;
	pthread_exit((void *)1234);
	return NULL;
}

static void *big_stack_thread(void *arg)
{
	(void)arg;
	volatile char buf[512 * 1024];
	buf[0] = 1;
	buf[sizeof(buf) - 1] = 2;
	return (void *)(long)(buf[0] + buf[sizeof(buf) - 1]);
}

static void *name_thread(void *arg)
{
	char *out = arg;
	prctl(PR_SET_NAME, "worker", 0, 0, 0);
	prctl(PR_GET_NAME, out, 0, 0, 0);
	return NULL;
}

/* In the exec'd "--main-exit" image: reports on fd 3 after 50 ms. */
static void *late_thread(void *arg)
{
	(void)arg;
	sleep_ms(50);
	write(3, "L", 1);
	return NULL;
}

static int mode_main_exit(void)
{
	pthread_t late;
	pthread_create(&late, NULL, late_thread, NULL);
	pthread_exit(NULL);
}

static void test_lifecycle(void)
{
	section("detached threads, pthread_exit, attributes");
	sem_init(&detached_done, 0, 0);
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_t t;
	check_long(pthread_create(&t, &attr, detached_thread, NULL), 0, "create detached");
	sem_wait(&detached_done);
	check_long(detached_ran, 1, "detached thread ran");
	pthread_attr_destroy(&attr);

	pthread_create(&t, NULL, exit_thread, NULL);
	void *ret;
	pthread_join(t, &ret);
	check_long((long)ret, 1234, "pthread_exit value seen by join");
	pthread_create(&t, NULL, detached_thread, NULL);
	check_long(pthread_detach(t), 0, "pthread_detach");
	sem_wait(&detached_done);

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1 << 20);
	check_long(pthread_create(&t, &attr, big_stack_thread, NULL), 0, "create with a 1 MiB stack");
	pthread_join(t, &ret);
	check_long((long)ret, 3, "thread used 512 KiB of its stack");
	pthread_attr_destroy(&attr);

	char name[16] = "";
	pthread_create(&t, NULL, name_thread, name);
	pthread_join(t, NULL);
	check_str(name, "worker", "PR_SET_NAME in a thread");
	char mine[16];
	prctl(PR_GET_NAME, mine, 0, 0, 0);
	check_str(mine, "thread", "main thread's name unchanged");

	/* pthread_exit from main: the process lives until its last thread ends.
	 * In a freshly exec'd image: musl 1.2.3's fork child has no
	 * clear_child_tid on its main thread, which musl's pthread_exit from
	 * main relies on (to release its thread list lock). */
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 3);
		char *argv[] = {"thread", "--main-exit", NULL};
		char *envp[] = {NULL};
		execve(self, argv, envp);
		_exit(99);
	}
	close(p[1]);
	check_wait(pid, "exited 0", "main calls pthread_exit, other thread returns later");
	char c = 0;
	read(p[0], &c, 1);
	check_long(c, 'L', "the other thread finished its work");
	close(p[0]);

	/* Many short threads in a row. */
	int ok = 0;
	for (int i = 0; i < 200; i++) {
		if (pthread_create(&t, NULL, exit_thread, NULL) == 0 && pthread_join(t, &ret) == 0 && ret == (void *)1234)
			ok++;
	}
	check_long(ok, 200, "200 create+join cycles");
}

/* ---------------------------------------------------------------- cancellation */

static int cancel_pipe[2];

static void *blocked_reader(void *arg)
{
	(void)arg;
	char c;
	read(cancel_pipe[0], &c, 1); /* a cancellation point */
	return (void *)1;
}

static void *cancel_sleeper(void *arg)
{
	(void)arg;
	for (;;)
		sleep_ms(1000);
	return NULL;
}

static void test_cancel(void)
{
	section("cancellation");
	pipe(cancel_pipe);
	pthread_t t;
	void *ret = NULL;
	pthread_create(&t, NULL, blocked_reader, NULL);
	sleep_ms(30);
	check_long(pthread_cancel(t), 0, "pthread_cancel a thread blocked in read");
	pthread_join(t, &ret);
	check(ret == PTHREAD_CANCELED, "join returns PTHREAD_CANCELED");
	pthread_create(&t, NULL, cancel_sleeper, NULL);
	sleep_ms(30);
	pthread_cancel(t);
	pthread_join(t, &ret);
	check(ret == PTHREAD_CANCELED, "cancel a thread in nanosleep");
	close(cancel_pipe[0]);
	close(cancel_pipe[1]);
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc > 1 && strcmp(argv[1], "--main-exit") == 0)
		return mode_main_exit();
	test_basics();
	test_mutex_cond();
	test_sync();
	test_lifecycle();
	test_cancel();
	return check_done();
}
