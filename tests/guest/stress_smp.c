/*
 * stress_smp: the kernel under concurrent load on every CPU (guest only; not
 * compared with the host, it prints a PASS/FAIL summary).
 *
 * For a bounded time, at once: pairs of threads pass a token back and forth
 * through futexes, threads fork children that exit with a computed status,
 * threads map, fill, check and unmap memory, and every thread checks that
 * CLOCK_MONOTONIC never goes backwards even across CPUs. Afterwards the
 * futex token count, the exit statuses and the memory checksums must all be
 * exact. Then a thread pinned to each CPU in turn must find itself there
 * (sched_getcpu), also after sleeping.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

#define RUN_SECONDS 3
#define MAX_PAIRS 16

static atomic_int stop;
static atomic_long clock_max;
static atomic_long clock_backwards;
static atomic_long failures;

static long now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Reads the clock and checks it against the largest value any thread has seen before. */
static void clock_check(void)
{
	long seen = atomic_load(&clock_max);
	long t = now_mono();
	if (t < seen)
		atomic_fetch_add(&clock_backwards, 1);
	while (t > seen && !atomic_compare_exchange_weak(&clock_max, &seen, t))
		;
}

/* ---- futex ping-pong: the token alternates between the two threads of a pair */

struct pair {
	atomic_int turn; /* 0: ping's move, 1: pong's */
	long passes[2];
};

static struct pair pairs[MAX_PAIRS];

struct side {
	struct pair *p;
	int me;
};

static void *pingpong(void *arg)
{
	struct side *s = arg;
	struct pair *p = s->p;

	for (;;) {
		int t = atomic_load(&p->turn);
		if (t != s->me) {
			if (atomic_load(&stop))
				break;
			struct timespec ts = {0, 10000000};
			syscall(SYS_futex, &p->turn, FUTEX_WAIT_PRIVATE, t, &ts, NULL, 0);
			continue;
		}
		p->passes[s->me]++;
		atomic_store(&p->turn, !s->me);
		syscall(SYS_futex, &p->turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
		clock_check();
	}
	/* Wake the partner to see `stop` (its waits time out anyway). The turn is left
	 * alone: handing it over here could give the partner one pass too many after it
	 * had already passed the turn back (a false "lost alternation"). */
	syscall(SYS_futex, &p->turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
	return NULL;
}

/* ---- fork storm */

static void *forker(void *arg)
{
	long *done = arg;

	while (!atomic_load(&stop)) {
		int code = (int)((*done * 7 + 3) & 0x7f);
		pid_t pid = fork();
		if (pid == 0)
			_exit(code);
		if (pid < 0) {
			atomic_fetch_add(&failures, 1);
			continue;
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != code)
			atomic_fetch_add(&failures, 1);
		(*done)++;
		clock_check();
	}
	return NULL;
}

/* ---- mmap churn */

static void *mapper(void *arg)
{
	long *done = arg;
	unsigned seed = (unsigned)(uintptr_t)arg;

	while (!atomic_load(&stop)) {
		seed = seed * 1103515245u + 12345u;
		size_t pages = 1 + (seed >> 16) % 64;
		size_t len = pages * 4096;
		unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED) {
			atomic_fetch_add(&failures, 1);
			continue;
		}
		for (size_t i = 0; i < len; i += 512)
			m[i] = (unsigned char)(i / 512 + pages);
		unsigned long sum = 0, want = 0;
		for (size_t i = 0; i < len; i += 512) {
			sum += m[i];
			want += (unsigned char)(i / 512 + pages);
		}
		if (sum != want)
			atomic_fetch_add(&failures, 1);
		if (munmap(m, len) != 0)
			atomic_fetch_add(&failures, 1);
		(*done)++;
		clock_check();
	}
	return NULL;
}

/* ---- pinning */

struct pin {
	int cpu;
	int wrong;
};

static void *pinned(void *arg)
{
	struct pin *p = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(p->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0) {
		p->wrong = -1;
		return NULL;
	}
	for (int i = 0; i < 50; i++) {
		if (sched_getcpu() != p->cpu)
			p->wrong++;
		if (i % 10 == 0)
			usleep(1000); /* sleeping and waking must keep it there */
	}
	return NULL;
}

int main(void)
{
	int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	int npairs = ncpu < MAX_PAIRS ? ncpu : MAX_PAIRS;
	pthread_t pp[2 * MAX_PAIRS], fk[4], mp[4];
	struct side sides[2 * MAX_PAIRS];
	long forks[4] = {0}, maps[4] = {0};
	int nfork = ncpu > 4 ? 4 : ncpu, nmap = ncpu > 4 ? 4 : ncpu;

	for (int i = 0; i < npairs; i++) {
		for (int k = 0; k < 2; k++) {
			sides[2 * i + k] = (struct side){&pairs[i], k};
			pthread_create(&pp[2 * i + k], NULL, pingpong, &sides[2 * i + k]);
		}
	}
	for (int i = 0; i < nfork; i++)
		pthread_create(&fk[i], NULL, forker, &forks[i]);
	for (int i = 0; i < nmap; i++)
		pthread_create(&mp[i], NULL, mapper, &maps[i]);
	sleep(RUN_SECONDS);
	atomic_store(&stop, 1);
	for (int i = 0; i < 2 * npairs; i++)
		pthread_join(pp[i], NULL);
	for (int i = 0; i < nfork; i++)
		pthread_join(fk[i], NULL);
	for (int i = 0; i < nmap; i++)
		pthread_join(mp[i], NULL);

	long passes = 0, bad_pairs = 0, forked = 0, mapped = 0;
	for (int i = 0; i < npairs; i++) {
		passes += pairs[i].passes[0] + pairs[i].passes[1];
		/* Strict alternation: the two sides differ by at most one. */
		if (labs(pairs[i].passes[0] - pairs[i].passes[1]) > 1)
			bad_pairs++;
	}
	for (int i = 0; i < nfork; i++)
		forked += forks[i];
	for (int i = 0; i < nmap; i++)
		mapped += maps[i];
	check_long(bad_pairs, 0, "futex pairs that lost alternation");
	check(passes > 0 && forked > 0 && mapped > 0, "every kind of work made progress");
	check_long(atomic_load(&failures), 0, "wrong exit statuses, failed maps or bad checksums");
	check_long(atomic_load(&clock_backwards), 0, "CLOCK_MONOTONIC reads that went backwards");

	int misplaced = 0;
	for (int cpu = 0; cpu < ncpu; cpu++) {
		struct pin p = {cpu, 0};
		pthread_t t;
		pthread_create(&t, NULL, pinned, &p);
		pthread_join(t, NULL);
		if (p.wrong != 0)
			misplaced++;
	}
	check_long(misplaced, 0, "CPUs where a pinned thread found itself elsewhere");
	out("info: %d CPUs, %ld token passes, %ld forks, %ld maps\n", ncpu, passes, forked, mapped);
	out("stress_smp: %s\n", check_failures() == 0 ? "PASS" : "FAIL");
	return check_done();
}
