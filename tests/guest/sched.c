/*
 * sched: scheduling parameters, personality, memory locking, preadv2/pwritev2
 * and close_range — the smaller calls programs make at start-up.
 */
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
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

int main(void)
{
	test_sched();
	test_personality();
	test_mlock();
	test_vector2();
	test_close_range();
	return check_done();
}
