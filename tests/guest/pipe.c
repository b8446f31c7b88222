/*
 * pipe - pipes: pipe/pipe2 (O_CLOEXEC, O_NONBLOCK), read/write/readv/writev,
 * EOF once every writer is gone, EAGAIN on empty/full non-blocking ends, the
 * 64 KiB capacity and partial non-blocking writes, atomic writes of up to
 * PIPE_BUF bytes from several writers, a 1 MiB transfer between processes
 * with a checksum, a blocking write larger than the pipe, FIONREAD, ESPIPE,
 * EBADF on the wrong end.
 */
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAPACITY 65536

static void test_basics(void)
{
	section("pipe basics");
	int p[2];
	CHECK_OK(pipe(p), "pipe");
	check(p[0] == 3 && p[1] == 4, "the two lowest free fds: 3 and 4");
	check_long(fcntl(p[0], F_GETFD), 0, "F_GETFD (no FD_CLOEXEC)");
	check_hex((unsigned long)fcntl(p[0], F_GETFL), O_RDONLY, "F_GETFL of the read end");
	check_hex((unsigned long)fcntl(p[1], F_GETFL), O_WRONLY, "F_GETFL of the write end");
	struct stat st;
	fstat(p[0], &st);
	check(S_ISFIFO(st.st_mode), "fstat: S_ISFIFO");
	check_long(write(p[1], "hello", 5), 5, "write 5 bytes");
	int avail = -1;
	CHECK_OK(ioctl(p[0], FIONREAD, &avail), "FIONREAD");
	check_long(avail, 5, "bytes available");
	char buf[16] = {0};
	check_long(read(p[0], buf, 3), 3, "read 3");
	check_str(buf, "hel", "data");
	check_long(read(p[0], buf, sizeof(buf)), 2, "read returns what is there (2), not the full size");
	check_long(read(p[0], buf, 0), 0, "read of 0 bytes");
	check_long(write(p[1], buf, 0), 0, "write of 0 bytes");

	CHECK_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE, "lseek on a pipe");
	CHECK_ERR(pread(p[0], buf, 1, 0), ESPIPE, "pread on a pipe");
	CHECK_ERR(pwrite(p[1], buf, 1, 0), ESPIPE, "pwrite on a pipe");
	CHECK_ERR(write(p[0], "x", 1), EBADF, "write to the read end");
	CHECK_ERR(read(p[1], buf, 1), EBADF, "read from the write end");

	/* writev gathers, readv scatters. */
	struct iovec out[3] = {{"ab", 2}, {"", 0}, {"cdefg", 5}};
	check_long(writev(p[1], out, 3), 7, "writev of 2+0+5 bytes");
	char x[3] = {0}, y[5] = {0};
	struct iovec in[2] = {{x, 2}, {y, 5}};
	check_long(readv(p[0], in, 2), 7, "readv into 2+5 bytes");
	check(memcmp(x, "ab", 2) == 0 && memcmp(y, "cdefg", 5) == 0, "readv split the data in order");
	struct iovec bad_count[1] = {{x, 1}};
	/* volatile: the counts are meant to be wrong; keep the compiler from rejecting them */
	volatile int negative = -1, too_many = IOV_MAX + 1;
	CHECK_ERR(writev(p[1], bad_count, negative), EINVAL, "writev with a negative count");
	CHECK_ERR(writev(p[1], bad_count, too_many), EINVAL, "writev with IOV_MAX+1 entries");

	/* EOF once the write end is closed, after the remaining data. */
	write(p[1], "tail", 4);
	close(p[1]);
	check_long(read(p[0], buf, sizeof(buf)), 4, "data written before close still readable");
	check_long(read(p[0], buf, sizeof(buf)), 0, "then EOF (0)");
	check_long(read(p[0], buf, sizeof(buf)), 0, "and EOF again");
	close(p[0]);
	CHECK_ERR(read(p[0], buf, 1), EBADF, "read a closed fd");

	/* EOF needs every writer gone: a forked copy keeps the pipe open. */
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		sleep_ms(50);
		write(p[1], "late", 4);
		_exit(0);
	}
	close(p[1]);
	check_long(read_full(p[0], buf, 4), 4, "reader blocks until the child's write");
	check_long(read(p[0], buf, 4), 0, "EOF once the child exited");
	check_wait(pid, "exited 0", "writer child");
	close(p[0]);
}

static void test_flags(void)
{
	section("pipe2 flags and non-blocking ends");
	int p[2];
	CHECK_OK(pipe2(p, O_CLOEXEC), "pipe2(O_CLOEXEC)");
	check_long(fcntl(p[0], F_GETFD), FD_CLOEXEC, "read end has FD_CLOEXEC");
	check_long(fcntl(p[1], F_GETFD), FD_CLOEXEC, "write end has FD_CLOEXEC");
	close(p[0]);
	close(p[1]);
	CHECK_ERR(pipe2(p, O_APPEND), EINVAL, "pipe2 with an unsupported flag");

	CHECK_OK(pipe2(p, O_NONBLOCK), "pipe2(O_NONBLOCK)");
	check_hex((unsigned long)fcntl(p[0], F_GETFL), O_RDONLY | O_NONBLOCK, "F_GETFL of the read end");
	char buf[8192];
	CHECK_ERR(read(p[0], buf, 1), EAGAIN, "read an empty non-blocking pipe");
	memset(buf, 'f', sizeof(buf));
	long total = 0, r;
	while ((r = write(p[1], buf, 4096)) > 0)
		total += r;
	check_str(errno_name(errno), "EAGAIN", "writes until full, then");
	check_long(total, CAPACITY, "capacity");
	CHECK_ERR(write(p[1], buf, 1), EAGAIN, "one more byte");
	check_long(read(p[0], buf, 4096), 4096, "drain 4096 bytes");
	check_long(write(p[1], buf, 8192), 4096, "non-blocking write of 8192 > PIPE_BUF: partial, 4096");
	check_long(read(p[0], buf, 100), 100, "drain 100 bytes");
	CHECK_ERR(write(p[1], buf, 200), EAGAIN, "write of 200 <= PIPE_BUF with 100 free: all or nothing");
	close(p[0]);
	close(p[1]);

	/* O_NONBLOCK through F_SETFL. */
	pipe(p);
	CHECK_OK(fcntl(p[0], F_SETFL, O_NONBLOCK), "F_SETFL O_NONBLOCK");
	CHECK_ERR(read(p[0], buf, 1), EAGAIN, "now read gives EAGAIN");
	close(p[1]);
	check_long(read(p[0], buf, 1), 0, "non-blocking read with no writers: EOF, not EAGAIN");
	close(p[0]);
}

/* ---------------------------------------------------------------- atomicity */

#define WRITERS 4
#define RECORDS 50

static void test_atomic(void)
{
	section("atomic writes of PIPE_BUF bytes");
	int p[2];
	pipe(p);
	pid_t kids[WRITERS];
	for (int k = 0; k < WRITERS; k++) {
		kids[k] = fork();
		if (kids[k] == 0) {
			close(p[0]);
			char rec[PIPE_BUF];
			memset(rec, 'A' + k, sizeof(rec));
			for (int i = 0; i < RECORDS; i++)
				if (write(p[1], rec, sizeof(rec)) != (ssize_t)sizeof(rec))
					_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	int counts[WRITERS] = {0}, torn = 0, records = 0;
	char rec[PIPE_BUF];
	while (read_full(p[0], rec, sizeof(rec)) == (ssize_t)sizeof(rec)) {
		records++;
		int k = rec[0] - 'A';
		bool whole = k >= 0 && k < WRITERS;
		for (size_t i = 1; whole && i < sizeof(rec); i++)
			whole = rec[i] == rec[0];
		if (whole)
			counts[k]++;
		else
			torn++;
	}
	check_long(records, WRITERS * RECORDS, "records read");
	check_long(torn, 0, "records mixed with another writer's bytes");
	check(counts[0] == RECORDS && counts[1] == RECORDS && counts[2] == RECORDS && counts[3] == RECORDS,
	      "every writer's records arrived");
	for (int k = 0; k < WRITERS; k++)
		check_wait(kids[k], "exited 0", "writer %d", k);
	close(p[0]);
}

/* ---------------------------------------------------------------- bulk */

static uint32_t next_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 24; /* the high bits: the low ones have short periods */
}

static void test_bulk(void)
{
	section("1 MiB between processes");
	enum { TOTAL = 1 << 20 };
	/* Expected checksum, computed locally over the same byte stream. */
	uint32_t seed = 1, sum = 2166136261u; /* FNV-1a */
	for (int i = 0; i < TOTAL; i++)
		sum = (sum ^ (uint8_t)next_rand(&seed)) * 16777619u;
	int p[2];
	pipe(p);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		static uint8_t chunk[70000];
		uint32_t s = 1, sz = 7;
		for (int sent = 0; sent < TOTAL;) {
			sz = sz * 13 % 69997 + 1; /* odd sizes from 1 to ~70000 */
			int n = (int)sz < TOTAL - sent ? (int)sz : TOTAL - sent;
			for (int i = 0; i < n; i++)
				chunk[i] = (uint8_t)next_rand(&s);
			if (write_full(p[1], chunk, (size_t)n) != n)
				_exit(1);
			sent += n;
		}
		_exit(0);
	}
	close(p[1]);
	static uint8_t buf[5000];
	uint32_t got_sum = 2166136261u;
	long got = 0;
	ssize_t n;
	size_t want = 1;
	while ((n = read(p[0], buf, want)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			got_sum = (got_sum ^ buf[i]) * 16777619u;
		got += n;
		want = want * 7 % 4999 + 1;
	}
	check_long(got, TOTAL, "bytes received");
	check_hex(got_sum, sum, "checksum");
	check_wait(pid, "exited 0", "writer");
	close(p[0]);

	/* A single blocking write larger than the pipe completes once the
	 * reader has drained it. */
	pipe(p);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		static char big[3 * CAPACITY];
		memset(big, 'b', sizeof(big));
		_exit(write(p[1], big, sizeof(big)) == (ssize_t)sizeof(big) ? 0 : 1);
	}
	close(p[1]);
	sleep_ms(50);
	int avail = 0;
	ioctl(p[0], FIONREAD, &avail);
	check_long(avail, CAPACITY, "writer blocked with the pipe full (FIONREAD)");
	long total = 0;
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		total += n;
	check_long(total, 3 * CAPACITY, "one 192 KiB write arrives whole");
	check_wait(pid, "exited 0", "the write returned the full count");
	close(p[0]);
}

int main(void)
{
	test_basics();
	test_flags();
	test_atomic();
	test_bulk();
	return check_done();
}
