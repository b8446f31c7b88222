/*
 * fs_stress - the file service under concurrent load, in fs_stress.scratch
 * (compared with Linux like the other tests, so only summaries print):
 *   - appends: 8 processes, each with its own O_APPEND open, and 4 more
 *     sharing one O_APPEND description, write 200 records of 100 bytes
 *     each to one file: the size is exact, every record is intact (no
 *     interleaving inside a record), each writer's records are all there
 *     and in its order;
 *   - rename races: two processes rename a file back and forth between two
 *     names while two others stat and read both names: renames fail only
 *     with ENOENT, lookups see either nothing or the whole file, and at the
 *     end exactly one name exists, with the data intact;
 *   - atomic replacement: writers rename fresh files over one name while
 *     readers open it: the name never goes missing, and every read finds
 *     one complete version; RENAME_EXCHANGE of two names while readers
 *     stat both: neither ever goes missing;
 *   - a client killed in the middle of one 32 MiB write(): the file is at
 *     most 32 MiB and holds only written data (or zeros), and the system
 *     goes on: new files can be created, written, read back and removed,
 *     the half-written file can be unlinked, and another 32 MiB file can be
 *     written and read back afterwards.
 * Every loop is bounded; every child arms its own watchdog.
 */
#include "check.h"
#include "fsutil.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRATCH "fs_stress.scratch"

#ifndef RENAME_EXCHANGE
#define RENAME_EXCHANGE 2
#endif

/* ---------------------------------------------------------------- appends */

#define OWN_WRITERS 8
#define SHARED_WRITERS 4
#define WRITERS (OWN_WRITERS + SHARED_WRITERS)
#define RECORDS 200
#define RECSIZE 100

/* Record i of writer k: "w05 r0123 " then a fill letter for k, ending in '\n'. */
static void make_record(char *rec, int k, int i)
{
	int n = snprintf(rec, RECSIZE, "w%02d r%04d ", k, i);
	memset(rec + n, 'a' + k, RECSIZE - 1 - (size_t)n);
	rec[RECSIZE - 1] = '\n';
}

static int appender(int k, int shared_fd)
{
	watchdog(30);
	int fd = shared_fd >= 0 ? shared_fd : open("append", O_WRONLY | O_APPEND);
	if (fd < 0)
		return 1;
	char rec[RECSIZE];
	for (int i = 0; i < RECORDS; i++) {
		make_record(rec, k, i);
		if (write(fd, rec, RECSIZE) != RECSIZE)
			return 2;
	}
	return 0;
}

static void test_appends(void)
{
	section("concurrent O_APPEND writers");
	put_file("append", "", 0644);
	int shared = open("append", O_WRONLY | O_APPEND);
	pid_t pids[WRITERS];
	for (int k = 0; k < WRITERS; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			_exit(appender(k, k < OWN_WRITERS ? -1 : shared));
	}
	close(shared);
	int ok = 0;
	for (int k = 0; k < WRITERS; k++)
		ok += strcmp(wait_text(pids[k]), "exited 0") == 0;
	check_long(ok, WRITERS, "writers that finished cleanly");
	check_long(file_size("append"), (long)WRITERS * RECORDS * RECSIZE, "size");

	int fd = open("append", O_RDONLY);
	static char all[WRITERS * RECORDS * RECSIZE];
	ssize_t n = read_full(fd, all, sizeof(all));
	close(fd);
	int next[WRITERS] = {0}, torn = 0, out_of_order = 0;
	char want[RECSIZE];
	for (ssize_t off = 0; off + RECSIZE <= n; off += RECSIZE) {
		int k, i;
		if (sscanf(all + off, "w%02d r%04d ", &k, &i) != 2 || k < 0 || k >= WRITERS || i < 0 || i >= RECORDS) {
			torn++;
			continue;
		}
		make_record(want, k, i);
		if (memcmp(all + off, want, RECSIZE) != 0) {
			torn++;
			continue;
		}
		if (i != next[k])
			out_of_order++;
		next[k] = i + 1;
	}
	int complete = 0;
	for (int k = 0; k < WRITERS; k++)
		complete += next[k] == RECORDS;
	check_long(torn, 0, "records torn or mixed");
	check_long(out_of_order, 0, "records out of their writer's order");
	check_long(complete, WRITERS, "writers with all %d records", RECORDS);
}

/* ---------------------------------------------------------------- renames */

#define RENAMES 1500
#define LOOKUPS 3000
static const char payload[] = "the one and only file";

static int renamer(int k)
{
	watchdog(30);
	for (int i = 0; i < RENAMES; i++) {
		const char *from = (i + k) % 2 ? "A" : "B", *to = (i + k) % 2 ? "B" : "A";
		if (rename(from, to) != 0 && errno != ENOENT)
			return 1;
	}
	return 0;
}

static int looker(int k)
{
	watchdog(30);
	char buf[64];
	for (int i = 0; i < LOOKUPS; i++) {
		const char *name = (i + k) % 2 ? "A" : "B";
		struct stat st;
		if (stat(name, &st) == 0) {
			if (st.st_size != (off_t)strlen(payload))
				return 2;
		} else if (errno != ENOENT) {
			return 3;
		}
		int fd = open(name, O_RDONLY);
		if (fd >= 0) {
			memset(buf, 0, sizeof(buf));
			ssize_t n = read(fd, buf, sizeof(buf));
			close(fd);
			if (n != (ssize_t)strlen(payload) || memcmp(buf, payload, (size_t)n) != 0)
				return 4;
		} else if (errno != ENOENT) {
			return 5;
		}
	}
	return 0;
}

static void test_rename_race(void)
{
	section("rename races");
	put_file("A", payload, 0644);
	pid_t pids[4];
	for (int k = 0; k < 4; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			_exit(k < 2 ? renamer(k) : looker(k));
	}
	check_str(wait_text(pids[0]), "exited 0", "renamer 1 (only ENOENT failures)");
	check_str(wait_text(pids[1]), "exited 0", "renamer 2");
	check_str(wait_text(pids[2]), "exited 0", "looker 1 (nothing, or the whole file)");
	check_str(wait_text(pids[3]), "exited 0", "looker 2");
	bool a = exists("A"), b = exists("B");
	check(a != b, "exactly one name exists");
	const char *name = a ? "A" : "B";
	check_str(get_file(name), payload, "its data");
	struct stat st;
	lstat(name, &st);
	check_long((long)st.st_nlink, 1, "nlink");
	unlink(name);
}

#define VERSIONS 400
#define VERSION_SIZE 3000

static void make_version(char *buf, int k, int v)
{
	memset(buf, 'A' + (v % 26), VERSION_SIZE);
	snprintf(buf, 32, "k%d v%04d|", k, v);
}

static int replacer(int k)
{
	watchdog(30);
	char tmp[32], buf[VERSION_SIZE];
	snprintf(tmp, sizeof(tmp), "tmp.%d", k);
	for (int v = 0; v < VERSIONS; v++) {
		make_version(buf, k, v);
		int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write_full(fd, buf, VERSION_SIZE) != VERSION_SIZE || close(fd) != 0)
			return 1;
		if (rename(tmp, "target") != 0)
			return 2;
	}
	return 0;
}

static int target_reader(int k)
{
	watchdog(30);
	(void)k;
	char buf[VERSION_SIZE + 1], want[VERSION_SIZE];
	for (int i = 0; i < VERSIONS * 2; i++) {
		int fd = open("target", O_RDONLY);
		if (fd < 0)
			return 1; /* the name went missing */
		ssize_t n = read_full(fd, buf, sizeof(buf));
		close(fd);
		int wk, v;
		if (n != VERSION_SIZE || sscanf(buf, "k%d v%04d|", &wk, &v) != 2)
			return 2;
		make_version(want, wk, v);
		if (memcmp(buf, want, VERSION_SIZE) != 0)
			return 3;
	}
	return 0;
}

static int exchanger(int k)
{
	watchdog(30);
	(void)k;
	for (int i = 0; i < RENAMES; i++)
		if (syscall(SYS_renameat2, AT_FDCWD, "X", AT_FDCWD, "Y", RENAME_EXCHANGE) != 0)
			return 1;
	return 0;
}

static int pair_looker(int k)
{
	watchdog(30);
	struct stat st;
	for (int i = 0; i < LOOKUPS; i++)
		if (stat((i + k) % 2 ? "X" : "Y", &st) != 0)
			return 1;
	return 0;
}

static void test_atomic_replace(void)
{
	section("atomic replacement");
	char buf[VERSION_SIZE];
	make_version(buf, 9, 0);
	int fd = open("target", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write_full(fd, buf, VERSION_SIZE);
	close(fd);
	pid_t pids[4];
	for (int k = 0; k < 4; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			_exit(k < 2 ? replacer(k) : target_reader(k));
	}
	check_str(wait_text(pids[0]), "exited 0", "replacer 1");
	check_str(wait_text(pids[1]), "exited 0", "replacer 2");
	check_str(wait_text(pids[2]), "exited 0", "reader 1 (never ENOENT, always one whole version)");
	check_str(wait_text(pids[3]), "exited 0", "reader 2");
	struct dir_list list;
	dir_read(".", 4096, &list);
	check_long(list.count, 2 + 1 + 1, "entries left (., .., append, target)");
	dir_free(&list);

	put_file("X", "x", 0644);
	put_file("Y", "y", 0644);
	for (int k = 0; k < 4; k++) {
		pids[k] = fork();
		if (pids[k] == 0)
			_exit(k < 1 ? exchanger(k) : pair_looker(k));
	}
	check_str(wait_text(pids[0]), "exited 0", "RENAME_EXCHANGE loop");
	for (int k = 1; k < 4; k++)
		check_str(wait_text(pids[k]), "exited 0", "looker %d (both names always there)", k);
	check(strcmp(get_file("X"), "x") == 0 && strcmp(get_file("Y"), "y") == 0, "an even number of swaps: back in place");
	unlink("X");
	unlink("Y");
}

/* ---------------------------------------------------------------- killed writer */

#define BIG (32u << 20)

static void test_killed_writer(void)
{
	section("a writer killed in the middle of a 32 MiB write");
	unsigned char *data = malloc(BIG);
	check(data != NULL, "32 MiB buffer");
	if (data == NULL)
		return;
	pattern_fill(data, BIG, 0, 11);
	int ready[2];
	pipe(ready);
	int fd = open("victim", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	pid_t pid = fork();
	if (pid == 0) {
		watchdog(30);
		close(ready[0]);
		send_byte(ready[1], 'w');
		ssize_t n = write(fd, data, BIG);
		_exit(n == (ssize_t)BIG ? 0 : 1);
	}
	close(fd);
	close(ready[1]);
	check(recv_byte(ready[0]) == 'w', "the writer is about to write");
	close(ready[0]);
	bool grew = false;
	for (long tries = 0; tries < 2000000 && !grew; tries++) {
		grew = file_size("victim") > 0;
		if (!grew && tries % 64 == 63)
			sched_yield();
	}
	kill(pid, SIGKILL);
	const char *end = wait_text(pid);
	check(grew, "the file became non-empty");
	check(strcmp(end, "killed by SIGKILL") == 0 || strcmp(end, "exited 0") == 0,
	      "the writer ended (killed, or done first)");
	long long size = file_size("victim");
	check(size >= 0 && size <= (long long)BIG, "the size is at most 32 MiB");
	unsigned char *back = malloc(BIG);
	fd = open("victim", O_RDONLY);
	ssize_t n = read_full(fd, back, BIG);
	close(fd);
	check(n == size, "the whole file reads back");
	long bad_pages = 0;
	for (ssize_t off = 0; off < n; off += 4096) {
		size_t len = (size_t)(n - off) < 4096 ? (size_t)(n - off) : 4096;
		if (!pattern_ok(back + off, len, (uint64_t)off, 11) && !all_zero(back + off, len))
			bad_pages++;
	}
	check_long(bad_pages, 0, "pages holding anything but the written data or zeros");

	/* The system goes on. */
	int made = 0;
	char name[32], text[64];
	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "after%02d", i);
		snprintf(text, sizeof(text), "file %d after the kill", i);
		made += put_file(name, text, 0644) == 0 && strcmp(get_file(name), text) == 0 && unlink(name) == 0;
	}
	check_long(made, 20, "files created, written, read back and removed afterwards");
	CHECK_OK(unlink("victim"), "unlink the half-written file");
	fd = open("again", O_RDWR | O_CREAT | O_TRUNC, 0644);
	check_long(write_full(fd, data, BIG), BIG, "another 32 MiB file written");
	memset(back, 0, BIG);
	check_long(pread(fd, back, BIG, 0), BIG, "and read back");
	check(memcmp(back, data, BIG) == 0, "intact");
	close(fd);
	CHECK_OK(unlink("again"), "and removed");
	free(back);
	free(data);
}

int main(void)
{
	watchdog(60);
	umask(022);
	scratch_enter(SCRATCH);
	test_appends();
	test_rename_race();
	test_atomic_replace();
	test_killed_writer();
	unlink("append");
	unlink("target");
	scratch_leave(SCRATCH);
	return check_done();
}
