/*
 * procfs - /proc: the process's own entries (stat, status, statm, cmdline,
 * environ, comm, maps, limits), the links self, thread-self, exe, cwd, root
 * and fd/N (readlink, stat through them, opening them again), listings of
 * /proc, fd/ and task/, threads, a child seen while running, as a zombie and
 * after it was reaped, another user's entries (EACCES), the system files
 * (meminfo, uptime, cpuinfo, version, mounts, sys/kernel) and Linux's errors
 * for names that do not exist, writes and creation.
 *
 * Prints only what is the same on every Linux and on Tern: relations between
 * what /proc says and what the system calls say, never the values themselves.
 * Expects the runner's start: ./procfs in the test directory, stdin on
 * /dev/null, descriptors 0-2 only.
 */
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define TEXT_MAX 65536
#define STAT_FIELDS 52
#define NOBODY 65534
#define ZOMBIE_WAIT_MS 5000
#define FD_PROBE_MAX 1024

static char text[TEXT_MAX];

/* Reads a whole file (as procfs files are read: until a read returns 0); its length or -errno. */
static long read_file_at(int dirfd, const char *path, char *buf, size_t cap)
{
	int fd = openat(dirfd, path, O_RDONLY);
	if (fd < 0)
		return -errno;
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			int err = errno;
			close(fd);
			return -err;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == cap - 1)
			break;
	}
	buf[len] = '\0';
	close(fd);
	return (long)len;
}

static long read_file(const char *path, char *buf, size_t cap)
{
	return read_file_at(AT_FDCWD, path, buf, cap);
}

static const char *read_link(const char *path)
{
	static char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return errno_name(errno);
	buf[n] = '\0';
	return buf;
}

static bool has_line(const char *s, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = s; (p = strstr(p, line)) != NULL; p++) {
		if ((p == s || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	}
	return false;
}

/* The fields of a stat line: the name in parentheses (may hold spaces and ')') is field 2. */
struct stat_line {
	int nfields;
	long pid, ppid, pgrp, session, threads;
	char comm[64], state;
};

static bool parse_stat(const char *s, struct stat_line *out)
{
	memset(out, 0, sizeof(*out));
	const char *open = strchr(s, '('), *close = strrchr(s, ')');
	if (open == NULL || close == NULL || close < open || (size_t)(close - open - 1) >= sizeof(out->comm))
		return false;
	out->pid = strtol(s, NULL, 10);
	memcpy(out->comm, open + 1, (size_t)(close - open - 1));
	out->nfields = 2;
	long values[STAT_FIELDS + 1] = {0};
	const char *p = close + 1;
	while (*p == ' ') {
		p++;
		out->nfields++;
		if (out->nfields == 3)
			out->state = *p;
		else if (out->nfields <= STAT_FIELDS)
			values[out->nfields] = strtol(p, NULL, 10);
		while (*p != ' ' && *p != '\n' && *p != '\0')
			p++;
	}
	out->ppid = values[4];
	out->pgrp = values[5];
	out->session = values[6];
	out->threads = values[20];
	return *p == '\n';
}

/* ---------------------------------------------------------------- the process's own files */

static void test_stat_and_status(void)
{
	section("stat, status, statm");
	struct stat_line st;
	char path[64];

	check(read_file("/proc/self/stat", text, sizeof(text)) > 0, "read /proc/self/stat");
	check(parse_stat(text, &st), "one line in Linux's format");
	check_long(st.nfields, STAT_FIELDS, "fields");
	check(st.pid == getpid(), "pid is getpid()");
	check_str(st.comm, "procfs", "comm");
	check(st.state == 'R', "state R while reading it");
	check(st.ppid == getppid(), "ppid is getppid()");
	check(st.pgrp == getpgrp() && st.session == getsid(0), "process group and session");
	check_long(st.threads, 1, "threads");

	snprintf(path, sizeof(path), "/proc/%d/stat", getpid());
	check(read_file(path, text, sizeof(text)) > 0 && parse_stat(text, &st) && st.pid == getpid(),
	      "/proc/<pid>/stat is the same process");
	check(read_file("/proc/thread-self/stat", text, sizeof(text)) > 0 && parse_stat(text, &st) &&
		      st.pid == syscall(SYS_gettid),
	      "/proc/thread-self/stat is the calling thread");

	check(read_file("/proc/self/status", text, sizeof(text)) > 0, "read /proc/self/status");
	char line[128];
	snprintf(line, sizeof(line), "Pid:\t%d", getpid());
	check(has_line(text, line), "Pid line is getpid()");
	snprintf(line, sizeof(line), "PPid:\t%d", getppid());
	check(has_line(text, line), "PPid line is getppid()");
	snprintf(line, sizeof(line), "Tgid:\t%d", getpid());
	check(has_line(text, line), "Tgid line");
	check(has_line(text, "Name:\tprocfs"), "Name line");
	check(has_line(text, "State:\tR (running)"), "State line");
	check(has_line(text, "Threads:\t1"), "Threads line");
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;
	getresuid(&ruid, &euid, &suid);
	getresgid(&rgid, &egid, &sgid);
	snprintf(line, sizeof(line), "Uid:\t%u\t%u\t%u\t%u", ruid, euid, suid, euid);
	check(has_line(text, line), "Uid line: real, effective, saved, file system");
	snprintf(line, sizeof(line), "Gid:\t%u\t%u\t%u\t%u", rgid, egid, sgid, egid);
	check(has_line(text, line), "Gid line");
	check(strstr(text, "\nVmRSS:") != NULL && strstr(text, "\nSigBlk:\t") != NULL &&
		      strstr(text, "\nCpus_allowed_list:\t") != NULL,
	      "memory, signal and CPU lines");

	unsigned long size, resident, shared, textpages, lib, data, dt;
	check(read_file("/proc/self/statm", text, sizeof(text)) > 0 &&
		      sscanf(text, "%lu %lu %lu %lu %lu %lu %lu", &size, &resident, &shared, &textpages, &lib, &data,
			     &dt) == 7,
	      "statm has seven numbers");
	check(size > 0 && resident > 0 && resident <= size, "0 < resident <= size");

	/* The text is made again by a read at offset 0; SEEK_END is refused (seq_file). */
	int fd = open("/proc/self/stat", O_RDONLY);
	char a[32], b[32];
	check(read(fd, a, 10) == 10 && read(fd, a + 10, 10) == 10, "two short reads");
	check(lseek(fd, 0, SEEK_SET) == 0 && read(fd, b, 20) == 20 && memcmp(a, b, 20) == 0,
	      "after lseek to 0 the same start");
	CHECK_ERR(lseek(fd, 0, SEEK_END), EINVAL, "lseek SEEK_END");
	check(pread(fd, b, 5, 0) == 5 && memcmp(a, b, 5) == 0, "pread at 0");
	close(fd);
}

static void test_strings(int argc, char **argv, char **envp)
{
	section("cmdline, environ, comm");
	char want[4096];
	size_t len = 0;

	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]) + 1;
		memcpy(want + len, argv[i], n);
		len += n;
	}
	long got = read_file("/proc/self/cmdline", text, sizeof(text));
	check(got == (long)len && memcmp(text, want, len) == 0, "cmdline is argv, each with its NUL");

	len = 0;
	for (char **e = envp; *e != NULL && len < sizeof(want) - 256; e++) {
		size_t n = strlen(*e) + 1;
		memcpy(want + len, *e, n);
		len += n;
	}
	got = read_file("/proc/self/environ", text, sizeof(text));
	check(got == (long)len && memcmp(text, want, len) == 0, "environ is the initial environment");

	check(read_file("/proc/self/comm", text, sizeof(text)) > 0, "read comm");
	check_str(text, "procfs\n", "comm");
	int fd = open("/proc/self/comm", O_WRONLY);
	check(fd >= 0, "open comm for writing");
	check_long(write(fd, "renamed", 7), 7, "write a new name");
	close(fd);
	char name[17] = "";
	prctl(PR_GET_NAME, name);
	check_str(name, "renamed", "PR_GET_NAME after it");
	check(read_file("/proc/self/comm", text, sizeof(text)) > 0, "read comm again");
	check_str(text, "renamed\n", "comm");
	prctl(PR_SET_NAME, "procfs");

	check(read_file("/proc/self/maps", text, sizeof(text)) > 0, "read maps");
	check(strstr(text, "[stack]\n") != NULL, "maps shows the stack");
	unsigned long lo, hi;
	char perms[8];
	check(sscanf(text, "%lx-%lx %4s", &lo, &hi, perms) == 3 && lo < hi, "first line: a range and permissions");

	check(read_file("/proc/self/limits", text, sizeof(text)) > 0, "read limits");
	const char *header = "Limit                     Soft Limit           Hard Limit           Units     \n";
	check(strncmp(text, header, strlen(header)) == 0, "limits header");
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	char line[160];
	snprintf(line, sizeof(line), "Max open files            %-20lu %-20lu files     ", (unsigned long)rl.rlim_cur,
		 (unsigned long)rl.rlim_max);
	check(has_line(text, line), "Max open files line is getrlimit's");
}

/* A mapped file's line in maps: its offset, device, inode and absolute path. */
static void test_file_maps(const char *cwd)
{
	static char text[65536];
	char path[PATH_MAX + 16], want[PATH_MAX + 64];

	section("a mapped file in maps");
	snprintf(path, sizeof(path), "%s/procfs.map", cwd);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	check(fd >= 0 && ftruncate(fd, 3 * 4096) == 0, "a 3-page file");
	struct stat st;
	fstat(fd, &st);
	void *p = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, fd, 4096);
	check(p != MAP_FAILED, "mapped from offset 4096");
	check(read_file("/proc/self/maps", text, sizeof(text)) > 0, "read maps");
	snprintf(want, sizeof(want), "%lx-%lx r--s 00001000 %02x:%02x %lu", (unsigned long)p,
		 (unsigned long)p + 2 * 4096, major(st.st_dev), minor(st.st_dev), (unsigned long)st.st_ino);
	char *line = strstr(text, want);
	char *end = line != NULL ? strchr(line, '\n') : NULL;
	check(line != NULL, "its range, offset, device and inode");
	check(end != NULL && (size_t)(end - line) > strlen(path) &&
		      strncmp(end - strlen(path), path, strlen(path)) == 0 && end[-(long)strlen(path) - 1] == ' ',
	      "and its path");
	munmap(p, 2 * 4096);
	close(fd);
	unlink(path);
}

/* ---------------------------------------------------------------- links */

static void test_links(const char *cwd)
{
	section("self, thread-self, exe, cwd, root");
	char want[PATH_MAX + 64];
	struct stat a, b;

	snprintf(want, sizeof(want), "%d", getpid());
	check_bool(strcmp(read_link("/proc/self"), want) == 0, true, "readlink /proc/self is the pid");
	snprintf(want, sizeof(want), "%d/task/%ld", getpid(), syscall(SYS_gettid));
	check_bool(strcmp(read_link("/proc/thread-self"), want) == 0, true, "readlink /proc/thread-self");
	check(lstat("/proc/self", &a) == 0 && S_ISLNK(a.st_mode), "lstat /proc/self: a symlink");
	check(stat("/proc/self", &a) == 0 && S_ISDIR(a.st_mode), "stat /proc/self: a directory");

	snprintf(want, sizeof(want), "%s/procfs", cwd);
	check_bool(strcmp(read_link("/proc/self/exe"), want) == 0, true, "exe is the program's absolute path");
	check(stat("/proc/self/exe", &a) == 0 && stat("./procfs", &b) == 0 && a.st_ino == b.st_ino &&
		      a.st_dev == b.st_dev,
	      "stat through exe is the program file");
	int fd = open("/proc/self/exe", O_RDONLY);
	char magic[4] = "";
	check(fd >= 0 && read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0, "open exe reads the ELF file");
	close(fd);
	CHECK_ERR(open("/proc/self/exe", O_RDONLY | O_NOFOLLOW), ELOOP, "open exe with O_NOFOLLOW");

	check_bool(strcmp(read_link("/proc/self/cwd"), cwd) == 0, true, "cwd is getcwd()");
	check_str(read_link("/proc/self/root"), "/", "root");
	check(stat("/proc/self/cwd/procfs", &a) == 0 && a.st_ino == b.st_ino, "a path through cwd leaves /proc");
	check(stat("/proc/self/root/proc/self/cwd/procfs", &a) == 0 && a.st_ino == b.st_ino,
	      "root/proc/self/cwd: out of /proc and back in");
	check(stat("/proc/self/..", &a) == 0 && stat("/proc", &b) == 0 && a.st_ino == b.st_ino, "self/.. is /proc");
	check(stat("/proc/../proc/self/../..", &a) == 0 && stat("/", &b) == 0 && a.st_ino == b.st_ino,
	      "/proc/.. is /");
	check_str(read_link("/proc/mounts"), "self/mounts", "readlink /proc/mounts");
}

static void test_fd_links(const char *cwd)
{
	section("fd/N");
	char path[64], want[PATH_MAX + 64];
	struct stat a, b;

	check_str(read_link("/proc/self/fd/0"), "/dev/null", "fd 0 (the runner's /dev/null)");
	int file = open("procfs", O_RDONLY);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", file);
	snprintf(want, sizeof(want), "%s/procfs", cwd);
	check_bool(strcmp(read_link(path), want) == 0, true, "a file opened by a relative name: its absolute path");
	check(stat(path, &a) == 0 && fstat(file, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
	      "stat through it is fstat of the descriptor");
	check(lstat(path, &a) == 0 && S_ISLNK(a.st_mode) && (a.st_mode & 0777) == 0500,
	      "lstat: a symlink, r-x for a read-only descriptor");

	/* Opening it again: a new open file description with its own offset. */
	char buf[4];
	check(lseek(file, 100, SEEK_SET) == 100, "move the descriptor's offset");
	int again = open(path, O_RDONLY);
	check(again >= 0 && read(again, buf, 4) == 4 && memcmp(buf, "\177ELF", 4) == 0,
	      "reopened through /proc: reads from offset 0");
	check(lseek(file, 0, SEEK_CUR) == 100, "the first one's offset did not move");
	close(again);
	close(file);
	CHECK_ERR(readlink(path, want, sizeof(want)), ENOENT, "readlink of a closed descriptor");

	int p[2];
	check(pipe(p) == 0, "pipe");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	char link0[64], link1[64];
	snprintf(link0, sizeof(link0), "%s", read_link(path));
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[1]);
	snprintf(link1, sizeof(link1), "%s", read_link(path));
	fstat(p[0], &a);
	snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long)a.st_ino);
	check(strcmp(link0, want) == 0 && strcmp(link1, want) == 0, "both ends: pipe:[inode of fstat]");
	check(lstat(path, &a) == 0 && (a.st_mode & 0777) == 0300, "lstat of the write end: -wx");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	int writer = open(path, O_WRONLY);
	check(writer >= 0, "open the read end's link for writing");
	check(write(writer, "hi", 2) == 2 && read(p[0], buf, 2) == 2 && memcmp(buf, "hi", 2) == 0,
	      "what it writes comes out of the pipe");
	close(writer);
	close(p[0]);
	close(p[1]);

	int efd = eventfd(0, 0), ep = epoll_create1(0);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", efd);
	check_str(read_link(path), "anon_inode:[eventfd]", "eventfd");
	CHECK_ERR(open(path, O_RDONLY), ENXIO, "open an eventfd's link");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ep);
	check_str(read_link(path), "anon_inode:[eventpoll]", "epoll");
	close(efd);
	close(ep);

	int null = open("/dev/null", O_WRONLY);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", null);
	check_str(read_link(path), "/dev/null", "/dev/null");
	int null2 = open(path, O_RDONLY);
	check(null2 >= 0 && read(null2, buf, 1) == 0, "reopened /dev/null reads end of file");
	close(null2);
	close(null);
}

static int int_compare(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The numeric names of a directory, sorted; their count (the directory's own descriptor in *dirfd). */
static int list_numbers(const char *path, int *ids, int cap, int *dirfd_out)
{
	DIR *d = opendir(path);
	int n = 0;
	if (d == NULL)
		return -errno;
	if (dirfd_out != NULL)
		*dirfd_out = dirfd(d);
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		if (*end == '\0' && e->d_name[0] != '\0' && n < cap)
			ids[n++] = (int)v;
	}
	closedir(d);
	qsort(ids, (size_t)n, sizeof(int), int_compare);
	return n;
}

static void test_listings(void)
{
	section("listings");
	int ids[256], want[256], dfd = -1, nwant = 0;
	int extra = open("/dev/null", O_RDONLY);
	int n = list_numbers("/proc/self/fd", ids, 256, &dfd);
	/* Whatever the runner's caller left open too: every descriptor fcntl knows, and the listing's own. */
	for (int fd = 0; fd < FD_PROBE_MAX && nwant < 255; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || fd == dfd)
			want[nwant++] = fd;
	}
	bool extra_listed = false;
	for (int i = 0; i < n; i++)
		extra_listed |= ids[i] == extra;
	check(n == nwant && memcmp(ids, want, (size_t)n * sizeof(int)) == 0 && extra_listed,
	      "fd/ lists the open descriptors (and its own)");
	close(extra);

	n = list_numbers("/proc/self/task", ids, 256, NULL);
	check(n == 1 && ids[0] == syscall(SYS_gettid), "task/ lists the one thread");

	n = list_numbers("/proc", ids, 256, NULL);
	bool found = false;
	for (int i = 0; i < n; i++)
		found |= ids[i] == getpid();
	check(found, "/proc lists this process");

	DIR *d = opendir("/proc");
	bool self = false, meminfo = false, dots = false;
	struct dirent *e;
	while (d != NULL && (e = readdir(d)) != NULL) {
		self |= strcmp(e->d_name, "self") == 0 && e->d_type == DT_LNK;
		meminfo |= strcmp(e->d_name, "meminfo") == 0 && e->d_type == DT_REG;
		dots |= strcmp(e->d_name, "..") == 0 && e->d_type == DT_DIR;
	}
	if (d != NULL)
		closedir(d);
	check(self && meminfo && dots, "/proc lists self (a link), meminfo (a file) and ..");

	d = opendir("/proc/self");
	bool stat_file = false, fd_dir = false, exe_link = false;
	while (d != NULL && (e = readdir(d)) != NULL) {
		stat_file |= strcmp(e->d_name, "stat") == 0 && e->d_type == DT_REG;
		fd_dir |= strcmp(e->d_name, "fd") == 0 && e->d_type == DT_DIR;
		exe_link |= strcmp(e->d_name, "exe") == 0 && e->d_type == DT_LNK;
	}
	if (d != NULL)
		closedir(d);
	check(stat_file && fd_dir && exe_link, "/proc/self lists stat, fd and exe with their types");
}

static void test_chdir(const char *cwd)
{
	section("working directory inside /proc");
	char buf[PATH_MAX], want[64];

	check(chdir("/proc/self") == 0, "chdir /proc/self");
	snprintf(want, sizeof(want), "/proc/%d", getpid());
	check_bool(getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, want) == 0, true, "getcwd is /proc/<pid>");
	check(read_file("stat", text, sizeof(text)) > 0 && strtol(text, NULL, 10) == getpid(), "stat by relative name");
	check_bool(strcmp(read_link("/proc/self/cwd"), want) == 0, true, "cwd link points into /proc");
	check(chdir("..") == 0 && getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, "/proc") == 0, "chdir .. : /proc");
	check(chdir("..") == 0 && getcwd(buf, sizeof(buf)) != NULL && strcmp(buf, "/") == 0, "chdir .. again: /");
	check(chdir(cwd) == 0, "back to the test directory");

	int dir = open("/proc/self", O_RDONLY | O_DIRECTORY);
	check(dir >= 0 && read_file_at(dir, "status", text, sizeof(text)) > 0 && has_line(text, "Name:\tprocfs"),
	      "openat a /proc directory descriptor");
	struct stat st;
	check(fstatat(dir, "..", &st, 0) == 0 && S_ISDIR(st.st_mode), "fstatat its ..");
	close(dir);
}

/* ---------------------------------------------------------------- threads and children */

static int thread_ready[2], thread_go[2];

static void *thread_main(void *arg)
{
	(void)arg;
	char c = 0;
	prctl(PR_SET_NAME, "worker");
	long tid = syscall(SYS_gettid);
	write(thread_ready[1], &tid, sizeof(tid));
	read(thread_go[0], &c, 1);
	return NULL;
}

static void test_threads(void)
{
	section("threads");
	pthread_t th;
	long tid = 0;
	char path[96];
	int ids[16];
	struct stat_line st;

	check(pipe(thread_ready) == 0 && pipe(thread_go) == 0, "pipes");
	check(pthread_create(&th, NULL, thread_main, NULL) == 0, "start a thread");
	check(read(thread_ready[0], &tid, sizeof(tid)) == sizeof(tid), "it told its id");
	int n = list_numbers("/proc/self/task", ids, 16, NULL);
	check(n == 2 && (ids[0] == tid || ids[1] == tid) && (ids[0] == getpid() || ids[1] == getpid()),
	      "task/ lists both threads");
	check(read_file("/proc/self/status", text, sizeof(text)) > 0 && has_line(text, "Threads:\t2"),
	      "status: Threads 2");
	snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", tid);
	check(read_file(path, text, sizeof(text)) > 0 && parse_stat(text, &st), "the thread's stat");
	check(st.pid == tid && strcmp(st.comm, "worker") == 0 && st.threads == 2,
	      "its own id and name, the process's thread count");
	snprintf(path, sizeof(path), "/proc/self/task/%ld/comm", tid);
	check(read_file(path, text, sizeof(text)) > 0 && strcmp(text, "worker\n") == 0, "its comm");
	check(read_file("/proc/self/comm", text, sizeof(text)) > 0 && strcmp(text, "procfs\n") == 0,
	      "the process keeps the leader's name");
	snprintf(path, sizeof(path), "/proc/%ld/status", tid);
	check(read_file(path, text, sizeof(text)) > 0, "/proc/<tid> also works (not listed)");
	snprintf(path, sizeof(path), "/proc/self/task/%ld/task", tid);
	CHECK_ERR(open(path, O_RDONLY), ENOENT, "a thread's directory has no task/");
	write(thread_go[1], "x", 1);
	pthread_join(th, NULL);
	/* Linux wakes the joiner just before it unhashes the thread: give it a moment. */
	snprintf(path, sizeof(path), "/proc/self/task/%ld/stat", tid);
	for (int waited = 0; waited < ZOMBIE_WAIT_MS && access(path, F_OK) == 0; waited++)
		sleep_ms(1);
	CHECK_ERR(open(path, O_RDONLY), ENOENT, "a joined thread is gone");
	close(thread_ready[0]);
	close(thread_ready[1]);
	close(thread_go[0]);
	close(thread_go[1]);
}

static char state_of(int fd)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	const char *close = strrchr(buf, ')');
	return close != NULL && close[1] == ' ' ? close[2] : '?';
}

static void test_child_exit(void)
{
	section("a child's files while it runs, as a zombie, after it was reaped");
	int go[2];
	char path[64];

	check(pipe(go) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		read(go[0], &c, 1);
		_exit(3);
	}
	close(go[0]);
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	int fd = open(path, O_RDONLY);
	snprintf(path, sizeof(path), "/proc/%d", pid);
	int dir = open(path, O_RDONLY | O_DIRECTORY);
	check(fd >= 0 && dir >= 0, "open its stat and its directory");
	char state = '?';
	for (int waited = 0; waited < ZOMBIE_WAIT_MS && (state = state_of(fd)) != 'S'; waited++)
		sleep_ms(1);
	check(state == 'S', "sleeping while it waits");
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	long len = read_file(path, text, sizeof(text));
	check(len == 9 && memcmp(text, "./procfs", 9) == 0, "its cmdline");
	close(go[1]);
	for (int waited = 0; waited < ZOMBIE_WAIT_MS && (state = state_of(fd)) != 'Z'; waited++)
		sleep_ms(1);
	check(state == 'Z', "a zombie once it exited");
	check(read_file_at(dir, "cmdline", text, sizeof(text)) == 0, "a zombie's cmdline is empty");
	check_wait(pid, "exited 3", "reap it");
	char buf[64];
	CHECK_ERR(pread(fd, buf, sizeof(buf), 0), ESRCH, "read its open stat after the reap");
	CHECK_ERR(openat(dir, "status", O_RDONLY), ESRCH, "open a file in its open directory");
	snprintf(path, sizeof(path), "/proc/%d", pid);
	CHECK_ERR(open(path, O_RDONLY), ENOENT, "open its directory by name");
	close(fd);
	close(dir);
}

/* Checks from a process that does not own target (uid NOBODY); prints one line each. */
static int other_user_checks(void *arg)
{
	pid_t target = *(pid_t *)arg;
	char path[64];
	int failed_before = check_failures();

	if (getuid() == 0 && (setgid(NOBODY) != 0 || setuid(NOBODY) != 0))
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/stat", target);
	check(read_file(path, text, sizeof(text)) > 0, "another user's stat is readable");
	snprintf(path, sizeof(path), "/proc/%d/environ", target);
	CHECK_ERR(open(path, O_RDONLY), EACCES, "another user's environ");
	snprintf(path, sizeof(path), "/proc/%d/maps", target);
	CHECK_ERR(open(path, O_RDONLY), EACCES, "another user's maps");
	snprintf(path, sizeof(path), "/proc/%d/exe", target);
	CHECK_ERR(readlink(path, text, sizeof(text)), EACCES, "readlink another user's exe");
	snprintf(path, sizeof(path), "/proc/%d/cwd", target);
	CHECK_ERR(readlink(path, text, sizeof(text)), EACCES, "readlink another user's cwd");
	snprintf(path, sizeof(path), "/proc/%d/fd", target);
	CHECK_ERR(open(path, O_RDONLY | O_DIRECTORY), EACCES, "list another user's fd/");
	CHECK_ERR(open("/proc/self/stat", O_WRONLY), EACCES, "open its own stat for writing");
	return check_failures() == failed_before ? 0 : 1;
}

static void test_permissions(void)
{
	section("another user's entries");
	pid_t target = getpid();

	if (getuid() == 0) {
		/* Root may open anything for writing; files without a write operation refuse the write. */
		int fd = open("/proc/self/stat", O_WRONLY);
		if (fd < 0 || write(fd, "x", 1) != -1 || errno != EINVAL)
			fail("root: open /proc/self/stat for writing succeeds and write fails with EINVAL");
		if (fd >= 0)
			close(fd);
		int status = run_child(other_user_checks, &target);
		check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "all held for uid %d", NOBODY);
	} else {
		/* Not root: init is another user's process (the checks run here). */
		target = 1;
		int ok = other_user_checks(&target);
		check(ok == 0, "all held for uid %d", NOBODY);
	}
}

/* ---------------------------------------------------------------- system files and errors */

static void test_system_files(void)
{
	section("system files");
	struct utsname u;
	char want[256];

	uname(&u);
	check(read_file("/proc/meminfo", text, sizeof(text)) > 0, "read meminfo");
	unsigned long total = 0, avail = 0;
	check(sscanf(text, "MemTotal: %lu kB\nMemFree: %*u kB\nMemAvailable: %lu kB", &total, &avail) == 2 &&
		      total > 0 && avail <= total,
	      "MemTotal, MemFree, MemAvailable lines first");
	double up = -1, idle = -1;
	check(read_file("/proc/uptime", text, sizeof(text)) > 0 && sscanf(text, "%lf %lf", &up, &idle) == 2 && up > 0 &&
		      idle >= 0,
	      "uptime: two numbers");
	check(read_file("/proc/cpuinfo", text, sizeof(text)) > 0 && strncmp(text, "processor\t: 0\n", 14) == 0,
	      "cpuinfo starts with processor 0");
	check(strstr(text, "\nflags\t\t:") != NULL, "cpuinfo has flags");
	check(read_file("/proc/version", text, sizeof(text)) > 0 && strncmp(text, "Linux version ", 14) == 0,
	      "version");
	snprintf(want, sizeof(want), "%s\n", u.release);
	check(read_file("/proc/sys/kernel/osrelease", text, sizeof(text)) > 0 && strcmp(text, want) == 0,
	      "sys/kernel/osrelease is uname's release");
	snprintf(want, sizeof(want), "%s\n", u.nodename);
	check(read_file("/proc/sys/kernel/hostname", text, sizeof(text)) > 0 && strcmp(text, want) == 0,
	      "sys/kernel/hostname is uname's nodename");
	check(read_file("/proc/sys/kernel/ostype", text, sizeof(text)) > 0 && strcmp(text, "Linux\n") == 0, "ostype");
	unsigned long running = 0, threads = 0;
	check(read_file("/proc/loadavg", text, sizeof(text)) > 0 &&
		      sscanf(text, "%*f %*f %*f %lu/%lu", &running, &threads) == 2 && running >= 1 &&
		      running <= threads,
	      "loadavg: running/threads");
	check(read_file("/proc/stat", text, sizeof(text)) > 0 && strncmp(text, "cpu ", 4) == 0 &&
		      strstr(text, "\nbtime ") != NULL,
	      "stat: cpu and btime lines");
	check(read_file("/proc/mounts", text, sizeof(text)) > 0 && strstr(text, " /proc proc ") != NULL,
	      "mounts lists /proc");
	check(read_file("/proc/filesystems", text, sizeof(text)) > 0 && has_line(text, "nodev\tproc"),
	      "filesystems lists proc");
	check(read_file("/proc/cmdline", text, sizeof(text)) > 0 && text[strlen(text) - 1] == '\n',
	      "cmdline: one line");
}

static void test_errors(void)
{
	section("errors");
	char buf[64];
	struct stat st;

	CHECK_ERR(open("/proc/nonexistent", O_RDONLY), ENOENT, "open /proc/nonexistent");
	CHECK_ERR(stat("/proc/self/nonexistent", &st), ENOENT, "stat /proc/self/nonexistent");
	CHECK_ERR(stat("/proc/2147483647", &st), ENOENT, "a pid nobody has");
	CHECK_ERR(stat("/proc/99999999999", &st), ENOENT, "a number past any pid");
	CHECK_ERR(open("/proc/newfile", O_CREAT | O_WRONLY, 0644), ENOENT, "create /proc/newfile");
	CHECK_ERR(open("/proc/self/newfile", O_CREAT | O_WRONLY, 0644), ENOENT, "create /proc/self/newfile");
	CHECK_ERR(open("/proc/self/stat", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST, "O_EXCL on an existing file");
	CHECK_ERR(mkdir("/proc/newdir", 0755), ENOENT, "mkdir /proc/newdir");
	CHECK_ERR(open("/proc/self", O_WRONLY), EISDIR, "open a directory for writing");
	CHECK_ERR(open("/proc/self/stat/", O_RDONLY), ENOTDIR, "a file with a trailing slash");
	CHECK_ERR(open("/proc/self/stat", O_RDONLY | O_DIRECTORY), ENOTDIR, "O_DIRECTORY on a file");
	CHECK_ERR(stat("/proc/self/stat/x", &st), ENOTDIR, "a file in the middle of a path");
	CHECK_ERR(readlink("/proc", buf, sizeof(buf)), EINVAL, "readlink /proc (not a link)");
	CHECK_ERR(readlink("/proc/self/stat", buf, sizeof(buf)), EINVAL, "readlink a file");
	int fd = open("/proc/self", O_RDONLY | O_DIRECTORY);
	CHECK_ERR(read(fd, buf, sizeof(buf)), EISDIR, "read a directory");
	close(fd);
}

int main(int argc, char **argv, char **envp)
{
	static char cwd[PATH_MAX];

	if (getcwd(cwd, sizeof(cwd)) == NULL) {
		fail("getcwd");
		return check_done();
	}
	test_stat_and_status();
	test_strings(argc, argv, envp);
	test_file_maps(cwd);
	test_links(cwd);
	test_fd_links(cwd);
	test_listings();
	test_chdir(cwd);
	test_threads();
	test_child_exit();
	test_permissions();
	test_system_files();
	test_errors();
	return check_done();
}
