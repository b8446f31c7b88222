/*
 * sched: scheduling parameters, CPU affinity, personality, memory locking,
 * preadv2/pwritev2 and close_range — the smaller calls programs make at start-up.
 * (Affinity checks hold for any number of CPUs: Linux is the reference.)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#define CLOSE_RANGE_CLOEXEC 4
#define PERSONALITY_QUERY 0xffffffffL

static void test_sched(void)
{
	section("scheduling parameters");
	struct sched_param sp = {0};
	CHECK_OK(syscall(SYS_sched_setparam, 0, (long)&sp, 0, 0, 0, 0), "sched_setparam(0, prio 0)");
	check_long(syscall(SYS_sched_getscheduler, 0, 0, 0, 0, 0, 0), SCHED_OTHER, "policy is SCHED_OTHER");
	CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, (long)&sp, 0, 0, 0), "setscheduler(OTHER, 0)");
	CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_BATCH, (long)&sp, 0, 0, 0), "setscheduler(BATCH, 0)");
	CHECK_OK(syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, (long)&sp, 0, 0, 0), "back to OTHER");
	sp.sched_priority = 5;
	CHECK_ERR(syscall(SYS_sched_setparam, 0, (long)&sp, 0, 0, 0, 0), EINVAL, "priority 5 for SCHED_OTHER");
	CHECK_ERR(syscall(SYS_sched_setscheduler, 0, 42, (long)&sp, 0, 0, 0), EINVAL, "unknown policy");
	CHECK_ERR(syscall(SYS_sched_setparam, 0, 0, 0, 0, 0, 0), EINVAL, "NULL param");
	CHECK_ERR(syscall(SYS_sched_setparam, -1, (long)&sp, 0, 0, 0, 0), EINVAL, "negative pid");
	CHECK_ERR(syscall(SYS_sched_setparam, 0x3ffffff0, (long)&sp, 0, 0, 0, 0), ESRCH, "no such pid");
	struct timespec ts = {-1, -1};
	CHECK_OK(syscall(SYS_sched_rr_get_interval, 0, (long)&ts, 0, 0, 0, 0), "sched_rr_get_interval");
	check(ts.tv_sec >= 0 && ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000, "interval is a valid timespec");
	CHECK_ERR(syscall(SYS_sched_rr_get_interval, 0, 0, 0, 0, 0, 0), EFAULT, "interval to NULL");
}

static void test_personality(void)
{
	section("personality");
	check_long(syscall(SYS_personality, PERSONALITY_QUERY, 0, 0, 0, 0, 0), 0, "query returns PER_LINUX");
	check_long(syscall(SYS_personality, 0, 0, 0, 0, 0, 0), 0, "set PER_LINUX returns the old one");
}

static void test_mlock(void)
{
	section("memory locking");
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK_OK(mlock(p, 8192), "mlock");
	CHECK_OK(munlock(p, 8192), "munlock");
	CHECK_OK(syscall(SYS_mlockall, MCL_CURRENT, 0, 0, 0, 0, 0), "mlockall(MCL_CURRENT)");
	CHECK_OK(syscall(SYS_munlockall, 0, 0, 0, 0, 0, 0), "munlockall");
	CHECK_ERR(syscall(SYS_mlockall, 0, 0, 0, 0, 0, 0), EINVAL, "mlockall(0)");
	CHECK_ERR(syscall(SYS_mlockall, 64, 0, 0, 0, 0, 0), EINVAL, "mlockall(unknown flag)");
	munmap(p, 8192);
	CHECK_ERR(mlock(p, 8192), ENOMEM, "mlock of unmapped memory");
}

static void test_vector2(void)
{
	section("preadv2 and pwritev2");
	int fd = open("data/hello.txt", O_RDONLY);
	char a[4], b[6];
	struct iovec iov[2] = {{a, sizeof(a)}, {b, sizeof(b)}};
	/* x86-64: (fd, iov, count, pos_low, pos_high, flags); -1 means the current offset. */
	check_long(syscall(SYS_preadv2, fd, (long)iov, 2L, 0L, 0L, 0L), 10, "preadv2 at offset 0");
	check(memcmp(a, "Hell", 4) == 0 && memcmp(b, "o, Tern", 6) == 0, "data");
	check_long(lseek(fd, 0, SEEK_CUR), 0, "offset unchanged");
	check_long(syscall(SYS_preadv2, fd, (long)iov, 1L, -1L, 0L, 0L), 4, "preadv2 at the current offset (-1)");
	check_long(lseek(fd, 0, SEEK_CUR), 4, "offset advanced");
	CHECK_ERR(syscall(SYS_preadv2, fd, (long)iov, 1L, 0L, 0L, 0x10000000L), EOPNOTSUPP, "unknown flag");
	close(fd);
	int p[2];
	pipe(p);
	struct iovec w = {"xyz", 3};
	check_long(syscall(SYS_pwritev2, p[1], (long)&w, 1L, -1L, 0L, 0L), 3, "pwritev2 to a pipe at -1");
	CHECK_ERR(syscall(SYS_pwritev2, p[1], (long)&w, 1L, 0L, 0L, 0L), ESPIPE, "pwritev2 to a pipe at 0");
	close(p[0]);
	close(p[1]);
}

static void test_close_range(void)
{
	section("close_range");
	int base = dup(1);
	for (int i = 0; i < 5; i++)
		dup2(1, base + i);
	CHECK_OK(syscall(SYS_close_range, base + 1, base + 2, 0, 0, 0, 0), "close two");
	CHECK_ERR(fcntl(base + 1, F_GETFD), EBADF, "first gone");
	CHECK_ERR(fcntl(base + 2, F_GETFD), EBADF, "second gone");
	CHECK_OK(fcntl(base + 3, F_GETFD), "neighbour kept");
	CHECK_OK(syscall(SYS_close_range, base + 3, base + 4, CLOSE_RANGE_CLOEXEC, 0, 0, 0), "mark close-on-exec");
	check_long(fcntl(base + 3, F_GETFD), FD_CLOEXEC, "marked");
	check_long(fcntl(base, F_GETFD), 0, "below the range untouched");
	CHECK_OK(syscall(SYS_close_range, (long)base, (long)~0u, 0L, 0L, 0L, 0L), "close everything from base up");
	CHECK_ERR(fcntl(base + 4, F_GETFD), EBADF, "all gone");
	CHECK_OK(fcntl(1, F_GETFD), "stdout still open");
	CHECK_ERR(syscall(SYS_close_range, 10, 5, 0, 0, 0, 0), EINVAL, "first > last");
	CHECK_ERR(syscall(SYS_close_range, 0, 1, 0x80, 0, 0, 0), EINVAL, "unknown flag");
}

static long getaff(int pid, uint64_t *mask)
{
	return syscall(SYS_sched_getaffinity, pid, sizeof(*mask), mask);
}

static long setaff(int pid, uint64_t mask)
{
	return syscall(SYS_sched_setaffinity, pid, sizeof(mask), &mask);
}

static void test_affinity(void)
{
	section("CPU affinity");
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t all = 0, m = 0;
	CHECK_OK(getaff(0, &all), "getaffinity(0)");
	check(__builtin_popcountll(all) == online, "the mask has one bit per online CPU");

	unsigned char big[128];
	memset(big, 0xaa, sizeof(big));
	/* The kernel's mask size depends on how many CPUs it supports: 8 bytes in Tern. */
	long size = syscall(SYS_sched_getaffinity, 0, sizeof(big), big);
	check(size >= 8 && size % 8 == 0 && size < (long)sizeof(big), "getaffinity returns the kernel's mask size");
	check(size < 8 || size >= (long)sizeof(big) || (big[size] == 0xaa && big[127] == 0xaa),
	      "bytes past the kernel's mask size stay untouched");

	CHECK_OK(setaff(0, 1), "pin to CPU 0");
	CHECK_OK(getaff(0, &m), "read it back");
	check_long((long)m, 1, "mask is CPU 0 only");
	check_long(sched_getcpu(), 0, "running on CPU 0");
	CHECK_OK(setaff(0, 1ull | 1ull << 63), "CPU 0 and a CPU that does not exist");
	CHECK_OK(getaff(0, &m), "read it back");
	check_long((long)m, 1, "only the existing CPU is kept");
	CHECK_ERR(setaff(0, 0), EINVAL, "empty mask");
	CHECK_ERR(setaff(0, 1ull << 63), EINVAL, "only CPUs that do not exist");
	uint8_t one = 1;
	CHECK_OK(syscall(SYS_sched_setaffinity, 0, 1, &one), "a one-byte mask");
	CHECK_ERR(syscall(SYS_sched_setaffinity, 0, 8, (void *)8), EFAULT, "setaffinity from a bad pointer");
	CHECK_ERR(setaff(0x3fffffff, 1), ESRCH, "setaffinity of a missing pid");

	/* The mask is inherited by fork and can be set from outside. */
	int to_child[2], to_parent[2];
	pipe(to_child);
	pipe(to_parent);
	pid_t pid = fork();
	if (pid == 0) {
		uint64_t mine = 0;
		char c;
		getaff(0, &mine);
		int ok = mine == 1;
		write(to_parent[1], "r", 1);
		read(to_child[0], &c, 1); /* the parent has changed our mask */
		getaff(0, &mine);
		ok = ok && mine == all;
		_exit(ok ? 0 : 1);
	}
	char c;
	read(to_parent[0], &c, 1);
	CHECK_OK(setaff(pid, all), "set the child's affinity");
	write(to_child[1], "x", 1);
	int st = 0;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child inherited CPU 0 and then saw the parent's change");
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	CHECK_OK(setaff(0, all), "back to every CPU");
}

int main(void)
{
	test_sched();
	test_affinity();
	test_personality();
	test_mlock();
	test_vector2();
	test_close_range();
	return check_done();
}
