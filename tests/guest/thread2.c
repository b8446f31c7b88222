/*
 * thread2 - threads and the rest of the process: signals aimed at one
 * thread (pthread_kill, tgkill, tkill) or at the process (delivered to a
 * thread that does not block it), per-thread signal masks, FPU/SSE/x87
 * state and the MXCSR rounding mode per thread, robust mutexes whose owner
 * dies (thread via pthread_exit, process via the kernel's robust list),
 * set_robust_list/get_robust_list, and process-wide effects of one thread:
 * exit(), a fatal fault, execve.
 */
#include "check.h"

#include <fenv.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self;

/* ---------------------------------------------------------------- signals */

static volatile pid_t handled_by;
static volatile int handled_count;

static void on_signal(int sig)
{
	(void)sig;
	handled_by = (pid_t)raw_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
	handled_count++;
}

struct waiter {
	pid_t tid;
	volatile int ready, stop;
	bool block_usr2;
};

static void *waiter_thread(void *arg)
{
	struct waiter *w = arg;
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(w->block_usr2 ? SIG_BLOCK : SIG_UNBLOCK, &set, NULL);
	w->tid = gettid();
	w->ready = 1;
	while (!w->stop)
		sleep_ms(1);
	return NULL;
}

static void test_thread_signals(void)
{
	section("signals and threads");
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGUSR2, &sa, NULL);

	/* Main blocks SIGUSR2; new threads inherit that mask, then thread 0
	 * unblocks it and thread 1 keeps it blocked. */
	sigset_t both;
	sigemptyset(&both);
	sigaddset(&both, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &both, NULL);
	struct waiter w[2] = {{.block_usr2 = false}, {.block_usr2 = true}};
	pthread_t t[2];
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, waiter_thread, &w[i]);
	while (!w[0].ready || !w[1].ready)
		sleep_ms(1);

	/* A thread-directed signal goes to that thread only. */
	handled_count = 0;
	check_long(pthread_kill(t[0], SIGUSR2), 0, "pthread_kill(thread 0, SIGUSR2)");
	for (int i = 0; i < 1000 && handled_count == 0; i++)
		sleep_ms(1);
	check(handled_count == 1 && handled_by == w[0].tid, "handled once, by thread 0");

	handled_count = 0;
	check_long(pthread_kill(t[1], SIGUSR2), 0, "pthread_kill(thread 1, SIGUSR2), blocked there");
	sleep_ms(30);
	check_long(handled_count, 0, "not delivered to any other thread");
	sigset_t pending;
	sigpending(&pending);
	check_bool(sigismember(&pending, SIGUSR2), false, "main's sigpending does not show thread 1's signal");

	/* A process-directed signal goes to a thread that does not block it. */
	handled_count = 0;
	kill(getpid(), SIGUSR2);
	for (int i = 0; i < 1000 && handled_count == 0; i++)
		sleep_ms(1);
	check(handled_count == 1 && handled_by == w[0].tid, "kill(getpid()) handled by the one thread not blocking it");

	handled_count = 0;
	CHECK_OK(syscall(SYS_tgkill, getpid(), w[0].tid, SIGUSR2), "tgkill(pid, thread 0)");
	for (int i = 0; i < 1000 && handled_count == 0; i++)
		sleep_ms(1);
	check(handled_count == 1 && handled_by == w[0].tid, "handled by thread 0");
	handled_count = 0;
	CHECK_OK(syscall(SYS_tkill, w[0].tid, SIGUSR2), "tkill(thread 0)");
	for (int i = 0; i < 1000 && handled_count == 0; i++)
		sleep_ms(1);
	check(handled_count == 1 && handled_by == w[0].tid, "handled by thread 0");
	CHECK_ERR(syscall(SYS_tgkill, getppid(), w[0].tid, SIGUSR2), ESRCH, "tgkill with the wrong tgid");
	CHECK_ERR(syscall(SYS_tgkill, getpid(), w[0].tid, 999), EINVAL, "tgkill with a bad signal");
	CHECK_ERR(syscall(SYS_tgkill, 0, w[0].tid, SIGUSR2), EINVAL, "tgkill with tgid 0");
	CHECK_OK(syscall(SYS_tgkill, getpid(), w[1].tid, 0), "tgkill signal 0 probes a live thread");

	/* Thread 1 ends with SIGUSR2 still pending for it: it is discarded. */
	handled_count = 0;
	w[0].stop = w[1].stop = 1;
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	check_long(handled_count, 0, "thread 1's pending signal discarded at its exit");
	pthread_sigmask(SIG_UNBLOCK, &both, NULL);
	check_long(handled_count, 0, "and not handed to main when main unblocks");
	signal(SIGUSR2, SIG_DFL);
}

/* ---------------------------------------------------------------- FPU state */

/* A floating-point recurrence whose exact result depends on every step. */
static double fp_work(double seed, int steps)
{
	double x = seed, acc = 0.0;
	for (int i = 0; i < steps; i++) {
		x = x * 1.0000001 + 0.5 / (x + 1.0);
		acc += x * 1e-3;
		if ((i & 1023) == 0)
			sched_yield();
	}
	return acc + x;
}

static long double x87_work(long double seed, int steps)
{
	long double x = seed;
	for (int i = 0; i < steps; i++) {
		x = x * 1.0000001L + 1.0L / (x + 3.0L);
		if ((i & 1023) == 0)
			sched_yield();
	}
	return x;
}

struct fp_job {
	double seed;
	double result;
	long double x87_result;
	int round_mode;
	double rounded;
	int mode_after;
};

static void *fp_thread(void *arg)
{
	struct fp_job *j = arg;
	if (j->round_mode != FE_TONEAREST)
		fesetround(j->round_mode);
	j->result = fp_work(j->seed, 200000);
	j->x87_result = x87_work(j->seed, 100000);
	volatile double one = 1.0, three = 3.0;
	j->rounded = one / three;
	j->mode_after = fegetround();
	return NULL;
}

static void test_fpu(void)
{
	section("FPU state per thread");
	enum { N = 4 };
	struct fp_job jobs[N];
	double want[N];
	long double want_x87[N];
	for (int i = 0; i < N; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].seed = 1.5 + i * 0.25;
		jobs[i].round_mode = i == 3 ? FE_UPWARD : FE_TONEAREST;
		want[i] = fp_work(jobs[i].seed, 200000);
		want_x87[i] = x87_work(jobs[i].seed, 100000);
	}
	pthread_t t[N];
	for (int i = 0; i < N; i++)
		pthread_create(&t[i], NULL, fp_thread, &jobs[i]);
	/* Main does its own float work meanwhile, in the default mode. */
	double mine = fp_work(9.0, 200000);
	for (int i = 0; i < N; i++)
		pthread_join(t[i], NULL);
	bool same = true, same_x87 = true;
	for (int i = 0; i < 3; i++) {
		same = same && jobs[i].result == want[i];
		same_x87 = same_x87 && jobs[i].x87_result == want_x87[i];
	}
	check(same, "3 threads' SSE results equal the single-threaded ones, bit for bit");
	check(same_x87, "their x87 long double results too");
	check(mine == fp_work(9.0, 200000), "main's own result too");
	check(jobs[3].mode_after == FE_UPWARD, "thread 3 kept FE_UPWARD");
	check(jobs[3].rounded > jobs[0].rounded, "1/3 rounds up in thread 3, to nearest in thread 0");
	check(fegetround() == FE_TONEAREST, "main still FE_TONEAREST");
	check(jobs[0].mode_after == FE_TONEAREST, "thread 0 still FE_TONEAREST");
}

/* ---------------------------------------------------------------- robust mutexes */

static pthread_mutex_t robust;

static void *lock_and_die(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&robust);
	pthread_exit(NULL); /* without unlocking */
}

static void test_robust(void)
{
	section("robust mutexes");
	void *head = NULL, *other;
	size_t len = 0;
	CHECK_OK(syscall(SYS_get_robust_list, 0, &head, &len), "get_robust_list(self)");
	check_long((long)len, 24, "reported head size (24, even before musl registers a list)");
	CHECK_OK(syscall(SYS_set_robust_list, head, len), "set_robust_list with the same head");
	CHECK_ERR(syscall(SYS_set_robust_list, head, 16), EINVAL, "set_robust_list with a wrong length");
	CHECK_ERR(syscall(SYS_get_robust_list, 0x3fffffff, &other, &len), ESRCH, "get_robust_list(missing)");

	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
	pthread_mutex_init(&robust, &a);
	pthread_t t;
	pthread_create(&t, NULL, lock_and_die, NULL);
	pthread_join(t, NULL);
	check_str(errno_name(pthread_mutex_lock(&robust)), "EOWNERDEAD", "lock after the owner thread exited");
	check_long(pthread_mutex_consistent(&robust), 0, "pthread_mutex_consistent");
	check_long(pthread_mutex_unlock(&robust), 0, "unlock");
	check_long(pthread_mutex_lock(&robust), 0, "lock again: fine");
	pthread_mutex_unlock(&robust);

	/* Owner dies without unlocking and without consistent(): unusable. */
	pthread_create(&t, NULL, lock_and_die, NULL);
	pthread_join(t, NULL);
	check_str(errno_name(pthread_mutex_lock(&robust)), "EOWNERDEAD", "owner died again");
	pthread_mutex_unlock(&robust);
	check_str(errno_name(pthread_mutex_lock(&robust)), "ENOTRECOVERABLE", "unlocked without consistent()");

	/* Process-shared robust mutex: the kernel walks the dead process's
	 * robust list at exit and marks the futex word FUTEX_OWNER_DIED. */
	pthread_mutex_t *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
	pthread_mutex_init(shared, &a);
	int ready[2];
	pipe(ready);
	pid_t pid = fork();
	if (pid == 0) {
		pthread_mutex_lock(shared);
		write(ready[1], "l", 1);
		sleep_ms(50);
		_exit(0); /* exit_group with the mutex held */
	}
	char c;
	read(ready[0], &c, 1);
	/* We block in the futex until the kernel releases it. */
	check_str(errno_name(pthread_mutex_lock(shared)), "EOWNERDEAD", "lock after the owner process exited");
	unsigned int word = *(volatile unsigned int *)shared;
	check(word != 0, "futex word is ours now");
	check_wait(pid, "exited 0", "owner process");
	pthread_mutex_consistent(shared);
	pthread_mutex_unlock(shared);

	/* Raw: a dead process's held word gets FUTEX_OWNER_DIED and its tid
	 * cleared. The child registers its own one-entry robust list. */
	volatile unsigned int *w = (unsigned int *)shared + 256;
	*w = 0;
	pid = fork();
	if (pid == 0) {
		struct robust_list_entry {
			struct robust_list_entry *next;
		};
		static struct {
			struct robust_list_entry list;
			long futex_offset;
			struct robust_list_entry *pending;
		} rhead;
		/* The entry sits right before the futex word. */
		struct robust_list_entry *e = (void *)((char *)w - 8);
		rhead.list.next = e;
		e->next = &rhead.list;
		rhead.futex_offset = 8;
		rhead.pending = NULL;
		raw_syscall(SYS_set_robust_list, (long)&rhead, sizeof(rhead), 0, 0, 0, 0);
		*w = (unsigned int)raw_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
		raw_syscall(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	}
	check_wait(pid, "exited 0", "child holding a raw robust futex exits");
	check_hex(*w, FUTEX_OWNER_DIED, "futex word after its death");
	munmap(shared, 4096);
	close(ready[0]);
	close(ready[1]);
}

/* ---------------------------------------------------------------- process-wide effects */

static void *exit_from_thread(void *arg)
{
	(void)arg;
	exit(9);
}

static void *fault_in_thread(void *arg)
{
	(void)arg;
	poke(NULL, 1);
	return NULL;
}

static void *exec_from_thread(void *arg)
{
	char *pid_text = arg;
	char *argv[] = {"thread2", "--after-exec", pid_text, NULL};
	char *envp[] = {NULL};
	execve(self, argv, envp);
	return NULL;
}

static void *sleep_forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

/* The exec'd image: same pid as before, only one thread, tid == pid. */
static int mode_after_exec(const char *pid_text)
{
	if (getpid() != atoi(pid_text))
		return 1;
	if (gettid() != getpid())
		return 2;
	return 0;
}

static void test_process_wide(void)
{
	section("one thread acts for the process");
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, exit_from_thread, NULL);
		for (;;)
			pause();
	}
	check_wait(pid, "exited 9", "exit(9) in a thread ends the process");

	pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, fault_in_thread, NULL);
		for (;;)
			pause();
	}
	check_wait(pid, "killed by SIGSEGV", "a fault in a thread kills the process");

	pid = fork();
	if (pid == 0) {
		static char text[16];
		snprintf(text, sizeof(text), "%d", getpid());
		pthread_t t1, t2;
		pthread_create(&t1, NULL, sleep_forever, NULL);
		pthread_create(&t2, NULL, exec_from_thread, text);
		for (;;)
			pause();
	}
	check_wait(pid, "exited 0", "execve from a second thread: same pid, one thread, tid == pid");
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc > 2 && strcmp(argv[1], "--after-exec") == 0)
		return mode_after_exec(argv[2]);
	test_thread_signals();
	test_fpu();
	test_robust();
	test_process_wide();
	return check_done();
}
