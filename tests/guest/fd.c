/*
 * fd - the fd table: dup, dup2, dup3 (EINVAL for the same fd, O_CLOEXEC),
 * fcntl (F_GETFD/F_SETFD, F_GETFL/F_SETFL, F_DUPFD, F_DUPFD_CLOEXEC, errors),
 * shared file status flags and offsets between duplicates, close errors,
 * O_CLOEXEC honoured by execve (an exec'd copy of this program reports which
 * fds it still has), fds across fork, and eventfd2 (counter, EFD_SEMAPHORE,
 * EFD_NONBLOCK, limits, a blocked reader woken by another process).
 */
#include "check.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *self;

/* ---------------------------------------------------------------- dup */

static void test_dup(void)
{
	section("dup, dup2, dup3");
	int fd = open("data/lines.txt", O_RDONLY);
	check_long(fd, 3, "open gives the lowest free fd");
	int d = dup(fd);
	check_long(d, 4, "dup gives the next lowest");
	char buf[16] = {0};
	read(fd, buf, 10);
	check_long(lseek(d, 0, SEEK_CUR), 10, "duplicates share the offset");
	check_long(dup2(fd, 10), 10, "dup2 to 10");
	check_long(dup2(fd, 10), 10, "dup2 onto an fd that is open (closes it quietly)");
	check_long(dup2(fd, fd), fd, "dup2(fd, fd) returns fd");
	CHECK_ERR(dup2(42, 43), EBADF, "dup2 of a closed fd");
	CHECK_ERR(dup2(42, 42), EBADF, "dup2(closed, same)");
	CHECK_ERR(dup2(fd, -1), EBADF, "dup2 to -1");
	CHECK_ERR(dup(42), EBADF, "dup of a closed fd");
	/* Raw: musl's dup3 checks the same-fd case itself and turns flags 0
	 * into dup2. */
	CHECK_ERR(syscall(SYS_dup3, fd, fd, 0), EINVAL, "dup3 with the same fd");
	CHECK_ERR(syscall(SYS_dup3, fd, fd, O_CLOEXEC), EINVAL, "dup3 with the same fd and O_CLOEXEC");
	CHECK_ERR(syscall(SYS_dup3, fd, 11, 0x40000), EINVAL, "dup3 with an unknown flag");
	check_long(dup3(fd, 11, O_CLOEXEC), 11, "dup3 O_CLOEXEC");
	check_long(fcntl(11, F_GETFD), FD_CLOEXEC, "new fd has FD_CLOEXEC");
	check_long(fcntl(fd, F_GETFD), 0, "the original does not");
	check_long(dup3(fd, 11, 0), 11, "dup3 again without O_CLOEXEC");
	check_long(fcntl(11, F_GETFD), 0, "flag cleared");

	/* After closing 4, the next dup reuses it. */
	close(d);
	check_long(dup(fd), 4, "dup reuses the freed fd 4");
	CHECK_OK(close(4), "close");
	CHECK_ERR(close(4), EBADF, "close twice");
	CHECK_ERR(close(-1), EBADF, "close(-1)");
	CHECK_ERR(close(100000), EBADF, "close(100000)");
	close(10);
	close(11);
	close(fd);
}

/* ---------------------------------------------------------------- fcntl */

static void test_fcntl(void)
{
	section("fcntl");
	int fd = open("data/hello.txt", O_RDONLY);
	check_hex((unsigned long)fcntl(fd, F_GETFL), O_RDONLY | O_LARGEFILE,
		  "F_GETFL of a file opened O_RDONLY (x86-64 adds O_LARGEFILE)");
	check_long(fcntl(fd, F_GETFD), 0, "F_GETFD");
	CHECK_OK(fcntl(fd, F_SETFD, FD_CLOEXEC), "F_SETFD FD_CLOEXEC");
	check_long(fcntl(fd, F_GETFD), FD_CLOEXEC, "F_GETFD");
	int d = fcntl(fd, F_DUPFD, 20);
	check_long(d, 20, "F_DUPFD with minimum 20");
	check_long(fcntl(d, F_GETFD), 0, "F_DUPFD copy has no FD_CLOEXEC");
	check_long(fcntl(fd, F_DUPFD, 20), 21, "next F_DUPFD(20) gives 21");
	int dc = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	check_long(dc, 4, "F_DUPFD_CLOEXEC(0) gives the lowest free");
	check_long(fcntl(dc, F_GETFD), FD_CLOEXEC, "with FD_CLOEXEC");

	/* File status flags are shared by duplicates, fd flags are not. */
	CHECK_OK(fcntl(fd, F_SETFL, O_NONBLOCK), "F_SETFL O_NONBLOCK");
	check(fcntl(d, F_GETFL) & O_NONBLOCK, "the duplicate sees O_NONBLOCK");
	CHECK_OK(fcntl(fd, F_SETFL, O_WRONLY), "F_SETFL cannot change the access mode (ignored)");
	check_hex((unsigned long)fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY, "access mode still O_RDONLY");
	check_bool(fcntl(d, F_GETFL) & O_NONBLOCK, false, "F_SETFL replaced the flags: O_NONBLOCK cleared");

	CHECK_ERR(fcntl(42, F_GETFD), EBADF, "F_GETFD on a closed fd");
	CHECK_ERR(fcntl(42, F_GETFL), EBADF, "F_GETFL on a closed fd");
	CHECK_ERR(fcntl(fd, F_DUPFD, -1), EINVAL, "F_DUPFD with a negative minimum");
	CHECK_ERR(fcntl(fd, 0x7777), EINVAL, "unknown command");
	close(21);
	close(20);
	close(dc);
	close(fd);
}

/* ---------------------------------------------------------------- fork and exec */

/* Exec'd: reports, for each fd named in argv, open or EBADF, and for an open
 * file its offset. */
static int mode_report_fds(int argc, char **argv)
{
	for (int i = 2; i < argc; i++) {
		int fd = atoi(argv[i]);
		errno = 0;
		int flags = fcntl(fd, F_GETFD);
		if (flags < 0) {
			out("  exec'd: fd %d: errno=%s\n", fd, errno_name(errno));
			continue;
		}
		off_t off = lseek(fd, 0, SEEK_CUR);
		if (off < 0)
			out("  exec'd: fd %d: open, flags %d, not seekable\n", fd, flags);
		else
			out("  exec'd: fd %d: open, flags %d, offset %ld\n", fd, flags, (long)off);
	}
	return 0;
}

static void test_cloexec(void)
{
	section("O_CLOEXEC across execve, fds across fork");
	int p[2];
	pipe2(p, O_CLOEXEC);                                  /* 3, 4 */
	int file = open("data/lines.txt", O_RDONLY | O_CLOEXEC); /* 5 */
	int keep = open("data/lines.txt", O_RDONLY);            /* 6 */
	lseek(keep, 123, SEEK_SET);
	int dupc = dup3(keep, 7, O_CLOEXEC);
	int dupfd = fcntl(keep, F_DUPFD_CLOEXEC, 8); /* 8 */
	int cleared = fcntl(file, F_DUPFD_CLOEXEC, 9); /* 9, then cleared */
	fcntl(cleared, F_SETFD, 0);
	int set = dup2(keep, 10);
	fcntl(set, F_SETFD, FD_CLOEXEC);
	check(p[0] == 3 && p[1] == 4 && file == 5 && keep == 6 && dupc == 7 && dupfd == 8 && cleared == 9 && set == 10,
	      "fds 3..10 set up");
	out("expect: 3, 4, 5, 7, 8, 10 closed; 6 and 9 open; 6 at offset 123\n");
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = {"fd", "--report-fds", "3", "4", "5", "6", "7", "8", "9", "10", "11", NULL};
		char *envp[] = {NULL};
		execve(self, argv, envp);
		_exit(99);
	}
	check_wait(pid, "exited 0", "exec'd copy reported");

	/* A child closing an fd does not close the parent's. */
	pid = fork();
	if (pid == 0) {
		close(keep);
		lseek(file, 7, SEEK_SET);
		_exit(0);
	}
	check_wait(pid, "exited 0", "child closed fd 6 and moved fd 5's offset");
	CHECK_OK(fcntl(keep, F_GETFD), "our fd 6 still open");
	check_long(lseek(file, 0, SEEK_CUR), 7, "fd 5's offset moved (shared description)");
	for (int fd = 3; fd <= 10; fd++)
		close(fd);
}

/* ---------------------------------------------------------------- eventfd */

static void test_eventfd(void)
{
	section("eventfd");
	int e = eventfd(5, 0);
	check_long(e, 3, "eventfd(5) gives fd 3");
	uint64_t v = 0;
	check_long(read(e, &v, 8), 8, "read 8 bytes");
	check_long((long)v, 5, "initial counter");
	v = 3;
	check_long(write(e, &v, 8), 8, "write 3");
	v = 4;
	write(e, &v, 8);
	v = 0;
	read(e, &v, 8);
	check_long((long)v, 7, "writes add up, read returns the sum and resets");
	CHECK_ERR(read(e, &v, 4), EINVAL, "read with a 4-byte buffer");
	CHECK_ERR(write(e, &v, 4), EINVAL, "write with a 4-byte buffer");
	v = UINT64_MAX;
	CHECK_ERR(write(e, &v, 8), EINVAL, "write of 2^64-1");
	check_long(fcntl(e, F_GETFD), 0, "no FD_CLOEXEC by default");
	close(e);

	e = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	check_long(fcntl(e, F_GETFD), FD_CLOEXEC, "EFD_CLOEXEC");
	check(fcntl(e, F_GETFL) & O_NONBLOCK, "EFD_NONBLOCK");
	CHECK_ERR(read(e, &v, 8), EAGAIN, "read of a zero counter, non-blocking");
	v = UINT64_MAX - 1;
	check_long(write(e, &v, 8), 8, "counter to the maximum 2^64-2");
	v = 1;
	CHECK_ERR(write(e, &v, 8), EAGAIN, "one more would overflow: EAGAIN");
	close(e);

	e = eventfd(3, EFD_SEMAPHORE | EFD_NONBLOCK);
	int got = 0;
	for (int i = 0; i < 3; i++) {
		v = 0;
		if (read(e, &v, 8) == 8 && v == 1)
			got++;
	}
	check_long(got, 3, "EFD_SEMAPHORE: three reads of 1");
	CHECK_ERR(read(e, &v, 8), EAGAIN, "then empty");
	close(e);
	CHECK_ERR(eventfd(0, 0x1234), EINVAL, "unknown flags");

	/* A blocked reader woken by another process's write. */
	e = eventfd(0, 0);
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(50);
		uint64_t one = 42;
		write(e, &one, 8);
		_exit(0);
	}
	v = 0;
	int64_t t0 = now_ns();
	check_long(read(e, &v, 8), 8, "blocking read returns once the child wrote");
	check_long((long)v, 42, "value");
	check(now_ns() - t0 >= 40 * 1000000, "it waited");
	check_wait(pid, "exited 0", "writer child");
	close(e);
}

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc > 1 && strcmp(argv[1], "--report-fds") == 0)
		return mode_report_fds(argc, argv);
	test_dup();
	test_fcntl();
	test_cloexec();
	test_eventfd();
	return check_done();
}
