/*
 * fs_lock - file locks, in fs_lock.scratch:
 *   - fcntl F_SETLK/F_GETLK between a parent and its children: conflicts
 *     (EAGAIN), shared read locks, byte ranges (adjacent ranges do not
 *     conflict), what F_GETLK reports (type, start, length, l_pid, SEEK_SET),
 *     a process never conflicting with itself, lock splitting, conversion and
 *     merging, length 0 (to EOF and beyond), negative lengths, SEEK_CUR and
 *     SEEK_END starts, errors (EBADF for the wrong access mode, EINVAL);
 *   - POSIX locks released when the process closes any fd of the file (a
 *     second open, a dup) and at exit, not inherited by fork;
 *   - F_SETLKW sleeping until another process unlocks, interrupted by a
 *     signal (EINTR), and deadlock detection (EDEADLK for exactly one side);
 *   - flock LOCK_SH/LOCK_EX/LOCK_UN/LOCK_NB (EWOULDBLOCK): per open file
 *     description (two opens conflict even in one process, dups and forks
 *     share), a blocking LOCK_EX waiting for the holder;
 *   - flock and fcntl locks do not see each other.
 * Children print their own checks while the parent waits for them; a
 * "still blocked" check waits 100 ms, which cannot fail a correct system.
 */
#include "check.h"
#include "fsutil.h"

#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRATCH "fs_lock.scratch"

static int set_lock(int fd, int cmd, short type, short whence, off_t start, off_t len)
{
	struct flock fl = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &fl);
}

/* The child the parent forked last (for naming lock owners). */
static pid_t last_child;

/* F_GETLK for [start, start+len) as "unlocked" or "W 0+100 pid=parent"
 * (the owner named as our parent or our last child). */
static const char *query(int fd, short type, off_t start, off_t len)
{
	pid_t parent = getppid(), child = last_child;
	static char buf[96];
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	if (fcntl(fd, F_GETLK, &fl) != 0)
		return errno_name(errno);
	if (fl.l_type == F_UNLCK)
		return "unlocked";
	const char *who = fl.l_pid == parent ? "parent" : fl.l_pid == child ? "child" : "other";
	snprintf(buf, sizeof(buf), "%s %lld+%lld pid=%s%s", fl.l_type == F_WRLCK ? "W" : "R", (long long)fl.l_start,
		 (long long)fl.l_len, who, fl.l_whence == SEEK_SET ? "" : " whence?");
	return buf;
}

/* Runs fn in a child that prints its own checks; the parent waits. */
static void in_child(const char *what, int (*fn)(void *), void *arg)
{
	pid_t pid = spawn(fn, arg);
	check_wait(pid, "exited 0", "%s", what);
}

static int child_done(void)
{
	return check_failures() == 0 ? 0 : 1;
}

/* ---------------------------------------------------------------- fcntl basics */

static int child_conflicts(void *arg)
{
	(void)arg;
	int fd = open("lk", O_RDWR);
	check_str(query(fd, F_WRLCK, 50, 10), "W 0+100 pid=parent", "child: F_GETLK [50,60)");
	check_str(query(fd, F_RDLCK, 99, 1), "W 0+100 pid=parent", "child: F_GETLK F_RDLCK [99,100)");
	check_str(query(fd, F_WRLCK, 100, 10), "unlocked", "child: F_GETLK [100,110)");
	CHECK_ERR(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 10), EAGAIN, "child: F_SETLK F_RDLCK [0,10)");
	CHECK_ERR(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 99, 2), EAGAIN, "child: F_SETLK F_WRLCK [99,101)");
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 100, 10), "child: F_SETLK F_WRLCK [100,110) (adjacent)");
	CHECK_OK(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 150, 10), "child: F_SETLK F_RDLCK [150,160)");
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 155, .l_len = 1, .l_pid = 12345};
	fcntl(fd, F_GETLK, &fl);
	check(fl.l_type == F_UNLCK && fl.l_start == 155 && fl.l_len == 1, "child: its own locks never conflict (F_UNLCK)");
	return child_done();
}

static int child_readers(void *arg)
{
	(void)arg;
	int fd = open("lk", O_RDWR);
	CHECK_OK(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 100), "child: F_RDLCK over the parent's F_RDLCK");
	CHECK_ERR(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100), EAGAIN, "child: F_WRLCK over it");
	check_str(query(fd, F_RDLCK, 0, 100), "unlocked", "child: F_GETLK F_RDLCK: no conflict");
	check_str(query(fd, F_WRLCK, 0, 100), "R 0+100 pid=parent", "child: F_GETLK F_WRLCK");
	return child_done();
}

static int child_ranges(void *arg)
{
	(void)arg;
	int fd = open("lk", O_RDWR);
	check_str(query(fd, F_WRLCK, 10, 1), "W 0+20 pid=parent", "child: [10] (two adjacent locks merged)");
	check_str(query(fd, F_WRLCK, 22, 1), "unlocked", "child: [22] (a gap)");
	check_str(query(fd, F_WRLCK, 30, 1), "W 25+15 pid=parent", "child: [30] (left of the split)");
	check_str(query(fd, F_WRLCK, 45, 1), "unlocked", "child: [45] (the hole split out)");
	check_str(query(fd, F_WRLCK, 61, 1), "W 60+2 pid=parent", "child: [61] (right of the split)");
	check_str(query(fd, F_RDLCK, 65, 1), "unlocked", "child: F_RDLCK [65] (converted to a read lock)");
	check_str(query(fd, F_WRLCK, 65, 1), "R 62+6 pid=parent", "child: F_WRLCK [65]");
	check_str(query(fd, F_WRLCK, 70, 1), "W 68+32 pid=parent", "child: [70] (after the read lock)");
	check_str(query(fd, F_WRLCK, 1000000, 1), "W 600+0 pid=parent", "child: [1000000] (length 0)");
	check_str(query(fd, F_WRLCK, 160, 1), "W 150+50 pid=parent", "child: [160] (a negative length)");
	check_str(query(fd, F_WRLCK, 127, 1), "W 125+5 pid=parent", "child: [127] (SEEK_CUR)");
	check_str(query(fd, F_WRLCK, 495, 1), "W 490+10 pid=parent", "child: [495] (SEEK_END)");
	check_str(query(fd, F_WRLCK, 0, 0), "W 0+20 pid=parent", "child: the whole file: the first lock");
	return child_done();
}

static void test_fcntl_basics(void)
{
	section("F_SETLK, F_GETLK");
	int fd = open("lk", O_RDWR | O_CREAT | O_TRUNC, 0644);
	char zeros[500] = {0};
	write(fd, zeros, sizeof(zeros));
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100), "parent: F_WRLCK [0,100)");
	in_child("child checks conflicts", child_conflicts, NULL);
	check_str(query(fd, F_WRLCK, 0, 200), "unlocked", "parent: the child's locks went with it");
	CHECK_OK(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 100), "parent: downgrade to F_RDLCK");
	in_child("child checks shared read locks", child_readers, NULL);
	CHECK_OK(set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), "parent: unlock everything");

	/* Merge, split, convert, special lengths and whences. */
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), "parent: F_WRLCK [0,10)");
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 10), "parent: F_WRLCK [10,20)");
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 25, 75), "parent: F_WRLCK [25,100)");
	CHECK_OK(set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 40, 20), "parent: F_UNLCK [40,60)");
	CHECK_OK(set_lock(fd, F_SETLK, F_RDLCK, SEEK_SET, 62, 6), "parent: F_RDLCK [62,68)");
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 600, 0), "parent: F_WRLCK [600,...) (length 0)");
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 200, -50), "parent: F_WRLCK start 200, length -50");
	lseek(fd, 120, SEEK_SET);
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_CUR, 5, 5), "parent: F_WRLCK SEEK_CUR+5 (offset 120), length 5");
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_END, -10, 10), "parent: F_WRLCK SEEK_END-10 (size 500), length 10");
	in_child("child checks the ranges", child_ranges, NULL);
	CHECK_OK(set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0), "parent: unlock everything");

	CHECK_ERR(set_lock(fd, F_SETLK, 42, SEEK_SET, 0, 1), EINVAL, "a bad l_type");
	CHECK_ERR(set_lock(fd, F_SETLK, F_WRLCK, 42, 0, 1), EINVAL, "a bad l_whence");
	CHECK_ERR(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 1), EINVAL, "a negative start");
	CHECK_ERR(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 5, -10), EINVAL, "a negative length reaching before 0");
	CHECK_ERR(set_lock(42, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF, "a closed fd");
	CHECK_ERR(fcntl(fd, F_GETLK, WILD_KERNEL_DIRECT), EFAULT, "a struct flock in kernel memory");
	close(fd);
	int ro = open("lk", O_RDONLY), wo = open("lk", O_WRONLY);
	CHECK_ERR(set_lock(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1), EBADF, "F_WRLCK on an O_RDONLY fd");
	CHECK_ERR(set_lock(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), EBADF, "F_RDLCK on an O_WRONLY fd");
	CHECK_OK(set_lock(ro, F_SETLK, F_RDLCK, SEEK_SET, 0, 1), "F_RDLCK on an O_RDONLY fd");
	CHECK_OK(set_lock(wo, F_SETLK, F_WRLCK, SEEK_SET, 1, 1), "F_WRLCK on an O_WRONLY fd");
	close(ro);
	close(wo);
}

/* ---------------------------------------------------------------- release on close */

static int child_expect(void *arg)
{
	const char *want = arg;
	int fd = open("lk", O_RDWR);
	check_str(query(fd, F_WRLCK, 0, 1), want, "child: F_GETLK [0]");
	return child_done();
}

static void test_release(void)
{
	section("POSIX locks go with any close");
	int fd = open("lk", O_RDWR);
	set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	in_child("child sees the lock", child_expect, "W 0+10 pid=parent");
	int other = open("lk", O_RDONLY);
	close(other);
	in_child("after the parent closed another fd of the file", child_expect, "unlocked");
	check_str(query(fd, F_WRLCK, 0, 1), "unlocked", "parent: the first fd is still open, the lock gone");

	set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	int d = dup(fd);
	close(d);
	in_child("after closing a dup", child_expect, "unlocked");

	set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	put_file("unrelated", "", 0644);
	other = open("unrelated", O_RDONLY);
	close(other);
	in_child("closing an fd of another file does not release", child_expect, "W 0+10 pid=parent");
	close(fd);

	/* Exit releases; fork does not inherit. */
	int ready[2], go[2];
	pipe(ready);
	pipe(go);
	pid_t holder = last_child = fork();
	if (holder == 0) {
		watchdog(20);
		int h = open("lk", O_RDWR);
		set_lock(h, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
		pid_t grandchild = fork();
		if (grandchild == 0) {
			struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
			fcntl(h, F_GETLK, &fl);
			_exit(fl.l_type == F_WRLCK && fl.l_pid == getppid() ? 0 : 1);
		}
		int st;
		waitpid(grandchild, &st, 0);
		send_byte(ready[1], WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 'y' : 'n');
		recv_byte(go[0]);
		_exit(0);
	}
	check(recv_byte(ready[0]) == 'y', "a fork of the holder sees the holder's lock as someone else's");
	fd = open("lk", O_RDWR);
	check_str(query(fd, F_WRLCK, 0, 1), "W 0+10 pid=child", "parent: the child holds [0,10)");
	send_byte(go[1], 'g');
	check_wait(holder, "exited 0", "holder");
	check_str(query(fd, F_WRLCK, 0, 1), "unlocked", "parent: released at its exit");
	close(fd);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
}

/* ---------------------------------------------------------------- F_SETLKW */

static volatile int ticks;
static void on_tick(int sig)
{
	(void)sig;
	ticks++;
}

static int child_interrupted(void *arg)
{
	(void)arg;
	int fd = open("lk", O_RDWR);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_tick; /* no SA_RESTART */
	sigaction(SIGALRM, &sa, NULL);
	/* A repeating timer: whichever tick comes after the call blocked ends it. */
	struct itimerval it = {{0, 50000}, {0, 50000}};
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK_ERR(set_lock(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 10), EINTR, "child: F_SETLKW interrupted by a signal");
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_REAL, &off, NULL);
	check(ticks > 0, "child: the handler ran");
	return child_done();
}

static void test_setlkw(void)
{
	section("F_SETLKW");
	int fd = open("lk", O_RDWR);
	set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10);
	int ready[2], got[2], go[2];
	pipe(ready);
	pipe(got);
	pipe(go);
	pid_t pid = last_child = fork();
	if (pid == 0) {
		watchdog(20);
		int c = open("lk", O_RDWR);
		send_byte(ready[1], 'w');
		int r = set_lock(c, F_SETLKW, F_WRLCK, SEEK_SET, 5, 10);
		send_byte(got[1], r == 0 ? 'g' : 'e');
		recv_byte(go[0]);
		_exit(0);
	}
	check(recv_byte(ready[0]) == 'w', "child about to F_SETLKW [5,15)");
	struct pollfd p = {.fd = got[0], .events = POLLIN};
	check_long(poll(&p, 1, 100), 0, "it waits while the parent holds [0,10)");
	CHECK_OK(set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 10), "parent unlocks");
	check(recv_byte(got[0]) == 'g', "the child gets the lock");
	check_str(query(fd, F_WRLCK, 0, 20), "W 5+10 pid=child", "parent: F_GETLK shows the child's lock");
	CHECK_ERR(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), EAGAIN, "parent: F_SETLK [0,10) now fails");
	send_byte(go[1], 'q');
	check_wait(pid, "exited 0", "child");
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10), "parent: F_SETLK after the child's exit");
	in_child("child blocked in F_SETLKW", child_interrupted, NULL);
	set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
	close(ready[0]);
	close(ready[1]);
	close(got[0]);
	close(got[1]);
	close(go[0]);
	close(go[1]);

	/* Deadlock: parent holds A=[0,1) and waits for B=[1,2); child holds B and
	 * waits for A. Whichever asks second gets EDEADLK and gives its lock up. */
	pipe(ready);
	pipe(got);
	set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1);
	pid = fork();
	if (pid == 0) {
		watchdog(20);
		int c = open("lk", O_RDWR);
		set_lock(c, F_SETLK, F_WRLCK, SEEK_SET, 1, 1);
		send_byte(ready[1], 'b');
		int r = set_lock(c, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1);
		char res = r == 0 ? 'g' : errno == EDEADLK ? 'd' : 'e';
		if (res == 'd')
			set_lock(c, F_SETLK, F_UNLCK, SEEK_SET, 1, 1);
		send_byte(got[1], res);
		_exit(0);
	}
	recv_byte(ready[0]);
	int r = set_lock(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1);
	char mine = r == 0 ? 'g' : errno == EDEADLK ? 'd' : 'e';
	if (mine == 'd')
		set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 1);
	char theirs = (char)recv_byte(got[0]);
	check((mine == 'd' && theirs == 'g') || (mine == 'g' && theirs == 'd'),
	      "a lock cycle: one side gets EDEADLK, the other its lock");
	check_wait(pid, "exited 0", "child");
	set_lock(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
	close(fd);
	close(ready[0]);
	close(ready[1]);
	close(got[0]);
	close(got[1]);
}

/* ---------------------------------------------------------------- flock */

static int child_flock(void *arg)
{
	const char *mode = arg;
	int fd = open("fl", O_RDONLY);
	if (strcmp(mode, "shared") == 0) {
		CHECK_OK(flock(fd, LOCK_SH | LOCK_NB), "child: LOCK_SH|LOCK_NB beside a shared lock");
		CHECK_ERR(flock(fd, LOCK_EX | LOCK_NB), EWOULDBLOCK, "child: LOCK_EX|LOCK_NB");
	} else {
		CHECK_ERR(flock(fd, LOCK_SH | LOCK_NB), EWOULDBLOCK, "child: LOCK_SH|LOCK_NB beside an exclusive lock");
		CHECK_ERR(flock(fd, LOCK_EX | LOCK_NB), EWOULDBLOCK, "child: LOCK_EX|LOCK_NB");
	}
	return child_done();
}

static int child_fcntl_free(void *arg)
{
	(void)arg;
	int fd = open("fl", O_RDWR);
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0), "child: fcntl F_WRLCK beside a flock LOCK_EX");
	return child_done();
}

static int child_flock_free(void *arg)
{
	(void)arg;
	int fd = open("fl", O_RDWR);
	CHECK_OK(flock(fd, LOCK_EX | LOCK_NB), "child: flock LOCK_EX beside an fcntl F_WRLCK");
	return child_done();
}

static void test_flock(void)
{
	section("flock");
	put_file("fl", "flock", 0644);
	int fd = open("fl", O_RDONLY);
	CHECK_OK(flock(fd, LOCK_SH), "parent: LOCK_SH");
	in_child("child beside a shared lock", child_flock, "shared");
	CHECK_OK(flock(fd, LOCK_EX), "parent: convert to LOCK_EX (on an O_RDONLY fd)");
	in_child("child beside an exclusive lock", child_flock, "exclusive");
	int second = open("fl", O_RDONLY);
	CHECK_ERR(flock(second, LOCK_EX | LOCK_NB), EWOULDBLOCK, "a second open in the same process conflicts");
	CHECK_ERR(flock(second, LOCK_SH | LOCK_NB), EWOULDBLOCK, "also for LOCK_SH");
	int d = dup(fd);
	CHECK_OK(flock(d, LOCK_EX | LOCK_NB), "a dup shares the lock: LOCK_EX again is fine");
	CHECK_OK(flock(d, LOCK_UN), "LOCK_UN through the dup");
	CHECK_OK(flock(second, LOCK_EX | LOCK_NB), "releases it for the original too");
	close(d);
	CHECK_OK(flock(second, LOCK_UN), "unlock");
	close(second);

	/* A forked child shares the open file description and its lock. */
	CHECK_OK(flock(fd, LOCK_EX), "parent: LOCK_EX");
	int go[2];
	pipe(go);
	pid_t pid = fork();
	if (pid == 0) {
		watchdog(20);
		recv_byte(go[0]);
		_exit(0);
	}
	close(fd);
	second = open("fl", O_RDONLY);
	CHECK_ERR(flock(second, LOCK_EX | LOCK_NB), EWOULDBLOCK, "parent closed its fd: the child's copy keeps the lock");
	send_byte(go[1], 'q');
	check_wait(pid, "exited 0", "child");
	CHECK_OK(flock(second, LOCK_EX | LOCK_NB), "the lock went with the last fd");

	/* A blocking LOCK_EX waits for the holder. */
	int ready[2], got[2];
	pipe(ready);
	pipe(got);
	pid = fork();
	if (pid == 0) {
		watchdog(20);
		int c = open("fl", O_RDONLY);
		send_byte(ready[1], 'w');
		int r = flock(c, LOCK_EX);
		send_byte(got[1], r == 0 ? 'g' : 'e');
		_exit(0);
	}
	check(recv_byte(ready[0]) == 'w', "child about to LOCK_EX");
	struct pollfd p = {.fd = got[0], .events = POLLIN};
	check_long(poll(&p, 1, 100), 0, "it waits while the parent holds LOCK_EX");
	CHECK_OK(flock(second, LOCK_UN), "parent: LOCK_UN");
	check(recv_byte(got[0]) == 'g', "the child gets the lock");
	check_wait(pid, "exited 0", "child");
	close(ready[0]);
	close(ready[1]);
	close(got[0]);
	close(got[1]);
	close(go[0]);
	close(go[1]);

	CHECK_ERR(flock(second, 0), EINVAL, "operation 0");
	CHECK_ERR(flock(second, LOCK_SH | LOCK_EX), EINVAL, "LOCK_SH|LOCK_EX");
	CHECK_ERR(flock(42, LOCK_SH), EBADF, "a closed fd");
	close(second);

	section("flock and fcntl locks are independent");
	fd = open("fl", O_RDWR);
	CHECK_OK(flock(fd, LOCK_EX), "parent: flock LOCK_EX");
	in_child("child takes an fcntl lock", child_fcntl_free, NULL);
	CHECK_OK(flock(fd, LOCK_UN), "parent: LOCK_UN");
	CHECK_OK(set_lock(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0), "parent: fcntl F_WRLCK on the whole file");
	in_child("child takes a flock lock", child_flock_free, NULL);
	close(fd);
}

int main(void)
{
	watchdog(30);
	umask(022);
	scratch_enter(SCRATCH);
	test_fcntl_basics();
	test_release();
	test_setlkw();
	test_flock();
	scratch_leave(SCRATCH);
	return check_done();
}
