/*
 * fs_fifo - named pipes on a writable file system, in fs_fifo.scratch:
 *   - mkfifo/mknod (FIFO, regular, character device nodes; EEXIST, EPERM
 *     for a directory), stat of a FIFO (size 0 even with data in it);
 *   - open semantics: O_RDONLY|O_NONBLOCK without a writer succeeds,
 *     O_WRONLY|O_NONBLOCK without a reader is ENXIO, O_RDWR never blocks,
 *     a blocking open waits for the other side (both directions);
 *   - data between processes (256 KiB with a pattern), EOF only when every
 *     writer has closed, EPIPE without readers, data dropped when the last
 *     opener closes, ESPIPE;
 *   - readiness: poll/select/epoll on FIFO ends through their life (no
 *     writer yet, empty, data, writer gone, reader gone), regular files
 *     always ready for poll and select, and refused by epoll (EPERM);
 *   - a process blocked reading an empty FIFO and another blocked opening
 *     one while other processes create, write, read, rename and remove
 *     files: the file service does not stall behind the sleepers.
 * Handshakes go through pipes; "did not happen yet" checks wait 100 ms,
 * which can only make a broken system pass, never a correct one fail.
 */
#include "check.h"
#include "fsutil.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRATCH "fs_fifo.scratch"

/* poll() revents as names: "IN|OUT|HUP", or "0". */
static const char *events_text(short ev)
{
	static char buf[64];
	static const struct bit_name names[] = {{POLLIN, "IN"},     {POLLPRI, "PRI"},       {POLLOUT, "OUT"},
						{POLLERR, "ERR"},   {POLLHUP, "HUP"},       {POLLNVAL, "NVAL"},
						{POLLRDNORM, "RDNORM"}, {POLLWRNORM, "WRNORM"}};
	return bits_str((unsigned short)ev, names, ARRAY_SIZE(names), buf, sizeof(buf));
}

/* The revents of fd for IN|OUT right now. */
static const char *poll_now(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN | POLLOUT};
	int r = poll(&p, 1, 0);
	if (r < 0)
		return errno_name(errno);
	return events_text(p.revents);
}

/* True when a byte arrives on fd within ms milliseconds. */
static bool arrives_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	return poll(&p, 1, ms) > 0;
}

/* ---------------------------------------------------------------- creation */

static void test_mknod(void)
{
	section("mkfifo, mknod");
	CHECK_OK(mkfifo("p", 0644), "mkfifo p");
	check_str(describe_path("p", true), "fifo 0644 size=0 nlink=1", "p");
	CHECK_ERR(mkfifo("p", 0644), EEXIST, "mkfifo p again");
	CHECK_OK(mknod("p2", S_IFIFO | 0600, 0), "mknod S_IFIFO");
	check_str(describe_path("p2", true), "fifo 0600 size=0 nlink=1", "p2");
	CHECK_OK(mknod("reg", S_IFREG | 0640, 0), "mknod S_IFREG");
	check_str(describe_path("reg", true), "regular 0640 size=0 nlink=1", "reg");
	CHECK_OK(mknod("reg0", 0640, 0), "mknod without a type");
	check_str(describe_path("reg0", true), "regular 0640 size=0 nlink=1", "a regular file");
	CHECK_ERR(mknod("dir", S_IFDIR | 0755, 0), EPERM, "mknod S_IFDIR");
	CHECK_OK(mknod("chr", S_IFCHR | 0600, makedev(1, 3)), "mknod S_IFCHR 1:3 (as root)");
	struct stat st;
	lstat("chr", &st);
	check(S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3, "a character device 1:3");
	CHECK_ERR(mknod("bad", 0170000 | 0644, 0), EINVAL, "mknod with an invalid type");
	CHECK_ERR(mkfifo("nodir/p", 0644), ENOENT, "mkfifo in a missing directory");
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	CHECK_OK(mkfifoat(dfd, "p3", 0600), "mkfifoat");
	CHECK_OK(mknodat(dfd, "p4", S_IFIFO | 0600, 0), "mknodat");
	check_str(describe_path("p4", true), "fifo 0600 size=0 nlink=1", "p4");
	close(dfd);
}

/* ---------------------------------------------------------------- open */

/* Child: announces itself, opens path with flags (blocking), reports. */
static void opener(const char *path, int flags, int ready_fd, int done_fd)
{
	watchdog(20);
	send_byte(ready_fd, 'r');
	int fd = open(path, flags);
	send_byte(done_fd, fd >= 0 ? 'o' : 'e');
	if (fd < 0)
		_exit(1);
	/* Keep the end open until the parent kills us. */
	pause();
	_exit(0);
}

static void test_open(void)
{
	section("FIFO open semantics");
	int r = open("p", O_RDONLY | O_NONBLOCK);
	check(r >= 0, "O_RDONLY|O_NONBLOCK without a writer opens");
	char buf[16];
	check_long(read(r, buf, sizeof(buf)), 0, "read with no writer: EOF");
	CHECK_ERR(open("p2", O_WRONLY | O_NONBLOCK), ENXIO, "O_WRONLY|O_NONBLOCK without a reader");
	int w = open("p", O_WRONLY | O_NONBLOCK);
	check(w >= 0, "O_WRONLY|O_NONBLOCK with a reader opens");
	CHECK_ERR(read(r, buf, sizeof(buf)), EAGAIN, "read of an empty FIFO with a writer: EAGAIN");
	check_long(write(w, "hello", 5), 5, "write 5 bytes");
	struct stat st;
	fstat(r, &st);
	check_long((long)st.st_size, 0, "fstat size 0 with data inside");
	CHECK_ERR(lseek(r, 0, SEEK_SET), ESPIPE, "lseek on a FIFO");
	CHECK_ERR(pread(r, buf, 1, 0), ESPIPE, "pread on a FIFO");
	memset(buf, 0, sizeof(buf));
	check_long(read(r, buf, sizeof(buf)), 5, "read 5");
	check_str(buf, "hello", "data");
	close(w);
	close(r);
	int rw = open("p2", O_RDWR);
	check(rw >= 0, "O_RDWR without any other opener does not block");
	check_long(write(rw, "abc", 3), 3, "write through it");
	close(rw);
	rw = open("p2", O_RDWR | O_NONBLOCK);
	CHECK_ERR(read(rw, buf, sizeof(buf)), EAGAIN, "reopened: the data was dropped with the last close");
	close(rw);

	/* A blocking O_RDONLY open waits for a writer, and the other way round. */
	for (int dir = 0; dir < 2; dir++) {
		const char *who = dir == 0 ? "reader" : "writer";
		int ready[2], done[2];
		pipe(ready);
		pipe(done);
		pid_t pid = fork();
		if (pid == 0) {
			close(ready[0]);
			close(done[0]);
			opener("p", dir == 0 ? O_RDONLY : O_WRONLY, ready[1], done[1]);
		}
		close(ready[1]);
		close(done[1]);
		check(recv_byte(ready[0]) == 'r', "%s child about to open", who);
		check(!arrives_within(done[0], 100), "the %s's blocking open waits for the other side", who);
		int fd = open("p", dir == 0 ? O_WRONLY : O_RDONLY);
		check(fd >= 0, "the other side opens");
		check(recv_byte(done[0]) == 'o', "then the %s's open returns", who);
		close(fd);
		kill(pid, SIGTERM);
		check_wait(pid, "killed by SIGTERM", "%s child", who);
		close(ready[0]);
		close(done[0]);
	}
}

/* ---------------------------------------------------------------- data */

static void test_data(void)
{
	section("data through a FIFO");
	enum { TOTAL = 256 * 1024 };
	pid_t writers[2];
	int ready[2];
	pipe(ready);
	for (int k = 0; k < 2; k++) {
		writers[k] = fork();
		if (writers[k] == 0) {
			watchdog(20);
			close(ready[0]);
			int fd = open("p", O_WRONLY);
			if (fd < 0)
				_exit(1);
			send_byte(ready[1], 'w');
			if (k == 0) {
				static unsigned char chunk[TOTAL];
				pattern_fill(chunk, TOTAL, 0, 5);
				for (size_t off = 0; off < TOTAL; off += 10000) {
					size_t n = TOTAL - off < 10000 ? TOTAL - off : 10000;
					if (write_full(fd, chunk + off, n) != (ssize_t)n)
						_exit(2);
				}
				_exit(0);
			}
			/* The second writer writes nothing and stays until killed. */
			pause();
			_exit(0);
		}
	}
	close(ready[1]);
	int fd = open("p", O_RDONLY);
	check(fd >= 0, "reader opens");
	check(recv_byte(ready[0]) == 'w' && recv_byte(ready[0]) == 'w', "both writers opened");
	static unsigned char got[TOTAL];
	check_long(read_full(fd, got, TOTAL), TOTAL, "256 KiB arrive");
	check(pattern_ok(got, TOTAL, 0, 5), "in order, intact");
	check_wait(writers[0], "exited 0", "first writer");
	struct pollfd p = {.fd = fd, .events = POLLIN};
	check_long(poll(&p, 1, 100), 0, "no EOF while the second writer has it open");
	kill(writers[1], SIGTERM);
	check_wait(writers[1], "killed by SIGTERM", "second writer");
	char c;
	check_long(read(fd, &c, 1), 0, "EOF once every writer has gone");
	close(fd);
	close(ready[0]);

	/* EPIPE without readers. */
	signal(SIGPIPE, SIG_IGN);
	int rw = open("p", O_RDWR);
	int w = open("p", O_WRONLY);
	close(rw);
	CHECK_ERR(write(w, "x", 1), EPIPE, "write with no reader left: EPIPE");
	close(w);
	signal(SIGPIPE, SIG_DFL);
}

/* ---------------------------------------------------------------- readiness */

static void test_readiness(void)
{
	section("poll, select, epoll on FIFOs and files");
	int r = open("p", O_RDONLY | O_NONBLOCK);
	check_str(poll_now(r), "0", "reader, no writer yet");
	int w = open("p", O_WRONLY | O_NONBLOCK);
	check_str(poll_now(r), "0", "reader, writer present, empty");
	check_str(poll_now(w), "OUT", "writer, empty");
	write(w, "data", 4);
	check_str(poll_now(r), "IN", "reader, data");

	fd_set rs, ws;
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(r, &rs);
	FD_SET(w, &ws);
	struct timeval tv = {0, 0};
	check_long(select(w > r ? w + 1 : r + 1, &rs, &ws, NULL, &tv), 2, "select: both ready");
	check(FD_ISSET(r, &rs) && FD_ISSET(w, &ws), "the reader readable, the writer writable");

	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN}, out;
	ev.data.fd = r;
	CHECK_OK(epoll_ctl(ep, EPOLL_CTL_ADD, r, &ev), "epoll_ctl ADD the reader");
	check_long(epoll_wait(ep, &out, 1, 0), 1, "epoll: one ready");
	check(out.data.fd == r && (out.events & EPOLLIN), "the reader, EPOLLIN");

	close(w);
	check_str(poll_now(r), "IN|HUP", "reader, data, writer gone");
	char buf[8];
	read(r, buf, sizeof(buf));
	check_str(poll_now(r), "HUP", "reader, drained, writer gone");
	check_long(epoll_wait(ep, &out, 1, 0), 1, "epoll: still ready");
	check(out.events & EPOLLHUP, "with EPOLLHUP");
	close(r);

	int rw = open("p", O_RDWR | O_NONBLOCK);
	w = open("p", O_WRONLY | O_NONBLOCK);
	close(rw);
	check_str(poll_now(w), "OUT|ERR", "writer, reader gone");
	close(w);

	put_file("regular", "x", 0644);
	int f = open("regular", O_RDWR);
	struct pollfd pf = {.fd = f, .events = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM};
	check_long(poll(&pf, 1, 0), 1, "poll on a regular file");
	check_str(events_text(pf.revents), "IN|OUT|RDNORM|WRNORM", "always ready");
	lseek(f, 0, SEEK_END);
	pf.revents = 0;
	poll(&pf, 1, 0);
	check_str(events_text(pf.revents), "IN|OUT|RDNORM|WRNORM", "at EOF too");
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(f, &rs);
	FD_SET(f, &ws);
	tv.tv_usec = 0;
	check_long(select(f + 1, &rs, &ws, NULL, &tv), 2, "select on a regular file: readable and writable");
	ev.data.fd = f;
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, f, &ev), EPERM, "epoll_ctl ADD a regular file");
	int d = open(".", O_RDONLY | O_DIRECTORY);
	CHECK_ERR(epoll_ctl(ep, EPOLL_CTL_ADD, d, &ev), EPERM, "epoll_ctl ADD a directory");
	close(d);
	close(f);
	close(ep);
}

/* ---------------------------------------------------------------- sleepers */

#define WORKERS 3
#define ROUNDS 40

/* A worker: files created, written, read back, renamed, stat'ed, removed. */
static int file_worker(int k)
{
	watchdog(20);
	char a[64], b[64], data[128], back[128];
	for (int i = 0; i < ROUNDS; i++) {
		snprintf(a, sizeof(a), "work/w%d_%d", k, i);
		snprintf(b, sizeof(b), "work/w%d_%d.renamed", k, i);
		snprintf(data, sizeof(data), "worker %d round %d", k, i);
		if (put_file(a, data, 0644) != 0)
			return 1;
		if (strcmp(get_file(a), data) != 0)
			return 2;
		if (rename(a, b) != 0 || exists(a) || file_size(b) != (long long)strlen(data))
			return 3;
		int fd = open(b, O_RDONLY);
		memset(back, 0, sizeof(back));
		if (fd < 0 || read(fd, back, sizeof(back)) != (ssize_t)strlen(data) || close(fd) != 0)
			return 4;
		if (i % 2 == 0 && unlink(b) != 0)
			return 5;
	}
	return 0;
}

static void test_sleepers(void)
{
	section("sleepers on FIFOs while files are busy");
	mkfifo("sleep_read", 0644);
	mkfifo("sleep_open", 0644);
	mkdir("work", 0755);
	int ready[2], result[2];
	pipe(ready);
	pipe(result);

	/* Blocked in read(): the parent holds the write end and writes nothing. */
	pid_t reader = fork();
	if (reader == 0) {
		watchdog(20);
		close(ready[0]);
		close(result[0]);
		int fd = open("sleep_read", O_RDONLY);
		send_byte(ready[1], 'R');
		char c = 0;
		ssize_t n = read(fd, &c, 1);
		send_byte(result[1], n == 1 ? c : '?');
		_exit(0);
	}
	int hold = open("sleep_read", O_WRONLY);
	/* Blocked in open(): nobody opens sleep_open for writing until the end. */
	pid_t opener_pid = fork();
	if (opener_pid == 0) {
		watchdog(20);
		close(ready[0]);
		close(result[0]);
		close(hold);
		send_byte(ready[1], 'O');
		int fd = open("sleep_open", O_RDONLY);
		char c = 0;
		ssize_t n = fd >= 0 ? read(fd, &c, 1) : -1;
		send_byte(result[1], n == 1 ? c : '?');
		_exit(0);
	}
	close(ready[1]);
	close(result[1]);
	int a = recv_byte(ready[0]), b = recv_byte(ready[0]);
	check((a == 'R' && b == 'O') || (a == 'O' && b == 'R'), "both sleepers are on their way to block");

	pid_t workers[WORKERS];
	for (int k = 0; k < WORKERS; k++) {
		workers[k] = fork();
		if (workers[k] == 0)
			_exit(file_worker(k));
	}
	int parent_ok = file_worker(WORKERS);
	check_long(parent_ok, 0, "the parent's file work");
	for (int k = 0; k < WORKERS; k++)
		check_wait(workers[k], "exited 0", "worker %d", k);
	struct dir_list list;
	dir_read("work", 4096, &list);
	check_long(list.count, 2 + (WORKERS + 1) * ROUNDS / 2, "files left in work/");
	dir_free(&list);
	check(!arrives_within(result[0], 0), "the sleepers are still asleep");

	write(hold, "!", 1);
	check(recv_byte(result[0]) == '!', "the FIFO reader wakes with the byte");
	int fd = open("sleep_open", O_WRONLY);
	write(fd, "#", 1);
	check(recv_byte(result[0]) == '#', "the blocked opener got in and read");
	close(fd);
	close(hold);
	check_wait(reader, "exited 0", "reader");
	check_wait(opener_pid, "exited 0", "opener");
	close(ready[0]);
	close(result[0]);
}

int main(void)
{
	watchdog(30);
	umask(022);
	scratch_enter(SCRATCH);
	test_mknod();
	test_open();
	test_data();
	test_readiness();
	test_sleepers();
	scratch_leave(SCRATCH);
	return check_done();
}
