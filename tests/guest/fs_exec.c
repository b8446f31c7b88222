/*
 * fs_exec - executing files written at run time, in fs_exec.scratch:
 *   - a copy of this program (read through argv[0]: there is no /proc in
 *     Tern) is written, fails with EACCES until chmod +x, then runs with
 *     arguments (execve by name, execveat relative to a dirfd and with
 *     AT_EMPTY_PATH);
 *   - EACCES for a directory and for files without an x bit, ENOENT and
 *     ENOTDIR for bad paths, ENOEXEC for garbage, an empty file and a
 *     "#!" line without an interpreter;
 *   - "#!" scripts written at run time: the interpreter's argv (the
 *     optional argument as one word, the script's path as given, the
 *     caller's arguments), a script as another script's interpreter, a
 *     missing interpreter (ENOENT);
 *   - ETXTBSY: opening a running executable for writing (and truncating
 *     it) while a child runs it, and executing a file that is open for
 *     writing; both work again afterwards.
 * Whether an execve succeeded is told by a close-on-exec pipe: the child
 * writes its errno into it only when execve returns (exec_result()).
 */
#include "check.h"
#include "fsutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SCRATCH "fs_exec.scratch"

static char *const env[] = {"PATH=/bin:/usr/bin", NULL};

/* --- modes of the exec'd copy --- */

/* "--child ARGS...": print the arguments after argv[0]. */
static int mode_child(int argc, char **argv)
{
	char line[512] = "";
	for (int i = 1; i < argc; i++) {
		strncat(line, argv[i], sizeof(line) - strlen(line) - 2);
		if (i + 1 < argc)
			strncat(line, "|", sizeof(line) - strlen(line) - 1);
	}
	out("  exec'd copy: argc=%d args=%s\n", argc, line);
	return 0;
}

/* "--wait READY GO": tell the parent we run, wait for its word, exit. */
static int mode_wait(char **argv)
{
	watchdog(20);
	int ready = atoi(argv[2]), go = atoi(argv[3]);
	send_byte(ready, 'r');
	recv_byte(go);
	return 0;
}

/* --- the tests --- */

/* exec_result() (check.h): "exited N" or "errno=E...". */
static const char *exec_outcome(int dirfd, const char *path, char *const argv[], int flags)
{
	static char buf[64];
	return exec_result(dirfd, path, argv, env, flags, NULL, NULL, buf, sizeof(buf));
}

static bool copy_fd_to(int src, const char *path, mode_t mode)
{
	int dst = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (dst < 0 || lseek(src, 0, SEEK_SET) != 0)
		return false;
	static char buf[65536];
	ssize_t n;
	bool ok = true;
	while ((n = read(src, buf, sizeof(buf))) > 0)
		ok = ok && write_full(dst, buf, (size_t)n) == n;
	return close(dst) == 0 && ok && n == 0;
}

static void test_copy(int self)
{
	section("a copy of this program");
	check(copy_fd_to(self, "prog", 0644), "copied argv[0] to prog (mode 0644)");
	struct stat a, b;
	fstat(self, &a);
	stat("prog", &b);
	check(a.st_size == b.st_size, "same size");
	char *args[] = {"prog", "--child", "hello", "world", NULL};
	check_str(exec_outcome(AT_FDCWD, "prog", args, 0), "errno=EACCES", "execve without an x bit");
	chmod("prog", 0744);
	check_str(exec_outcome(AT_FDCWD, "prog", args, 0), "exited 0", "execve after chmod 0744");
	check_str(exec_outcome(AT_FDCWD, "./prog", args, 0), "exited 0", "execve ./prog");
	chmod("prog", 0010);
	check_str(exec_outcome(AT_FDCWD, "prog", args, 0), "exited 0", "execve of a 0010 file (any x bit; root)");
	chmod("prog", 0755);
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	char *args2[] = {"by-dirfd", "--child", "execveat", NULL};
	check_str(exec_outcome(dfd, "prog", args2, 0), "exited 0", "execveat relative to a dirfd");
	int fd = open("prog", O_RDONLY);
	char *args3[] = {"by-fd", "--child", "AT_EMPTY_PATH", NULL};
	check_str(exec_outcome(fd, "", args3, AT_EMPTY_PATH), "exited 0", "execveat AT_EMPTY_PATH");
	close(fd);
	close(dfd);
	char *none[] = {"prog", "--child", NULL};
	mkdir("dir", 0755);
	check_str(exec_outcome(AT_FDCWD, "dir", none, 0), "errno=EACCES", "execve of a directory");
	check_str(exec_outcome(AT_FDCWD, "missing", none, 0), "errno=ENOENT", "execve of a missing file");
	check_str(exec_outcome(AT_FDCWD, "prog/x", none, 0), "errno=ENOTDIR", "execve through a file");
	put_file("garbage", "this is not a program at all\n\x01\x02\x03", 0755);
	check_str(exec_outcome(AT_FDCWD, "garbage", none, 0), "errno=ENOEXEC", "execve of garbage");
	put_file("empty", "", 0755);
	check_str(exec_outcome(AT_FDCWD, "empty", none, 0), "errno=ENOEXEC", "execve of an empty file");
	put_file("nointerp", "#!\n", 0755);
	check_str(exec_outcome(AT_FDCWD, "nointerp", none, 0), "errno=ENOEXEC", "execve of \"#!\" alone");
}

static void test_scripts(void)
{
	section("#! scripts");
	put_file("script", "#!./prog --child\necho not a shell\n", 0755);
	char *args[] = {"script", "a1", "a 2", NULL};
	check_str(exec_outcome(AT_FDCWD, "script", args, 0), "exited 0", "a script with ./prog as interpreter");
	put_file("script2", "#!   ./prog   --child  two words  \t\n", 0755);
	char *args2[] = {"ignored-argv0", "x", NULL};
	check_str(exec_outcome(AT_FDCWD, "script2", args2, 0), "exited 0",
		  "blanks around the interpreter and its argument");
	put_file("script3", "#!./script\n", 0755);
	char *args3[] = {"script3", "z", NULL};
	check_str(exec_outcome(AT_FDCWD, "./script3", args3, 0), "exited 0", "a script as the interpreter of a script");
	put_file("badinterp", "#!./no-such-interpreter\n", 0755);
	check_str(exec_outcome(AT_FDCWD, "badinterp", args, 0), "errno=ENOENT", "a missing interpreter");
	put_file("noexec", "#!./prog --child\n", 0644);
	check_str(exec_outcome(AT_FDCWD, "noexec", args, 0), "errno=EACCES", "a script without an x bit");
}

static void test_txtbsy(void)
{
	section("ETXTBSY");
	int ready[2], go[2];
	pipe(ready);
	pipe(go);
	pid_t pid = fork();
	if (pid == 0) {
		char rs[16], gs[16];
		snprintf(rs, sizeof(rs), "%d", ready[1]);
		snprintf(gs, sizeof(gs), "%d", go[0]);
		char *args[] = {"prog", "--wait", rs, gs, NULL};
		execve("prog", args, env);
		_exit(127);
	}
	close(ready[1]);
	close(go[0]);
	check(recv_byte(ready[0]) == 'r', "a child runs prog");
	CHECK_ERR(open("prog", O_WRONLY), ETXTBSY, "open it O_WRONLY");
	CHECK_ERR(open("prog", O_RDWR), ETXTBSY, "open it O_RDWR");
	CHECK_ERR(truncate("prog", 0), ETXTBSY, "truncate it");
	int fd = open("prog", O_RDONLY);
	check(fd >= 0, "O_RDONLY is fine");
	close(fd);
	send_byte(go[1], 'g');
	check_wait(pid, "exited 0", "the child");
	close(ready[0]);
	close(go[1]);
	fd = open("prog", O_WRONLY);
	check(fd >= 0, "after it exited, O_WRONLY opens");
	char *args[] = {"prog", "--child", "busy", NULL};
	check_str(exec_outcome(AT_FDCWD, "prog", args, 0), "errno=ETXTBSY", "execve while it is open for writing");
	close(fd);
	check_str(exec_outcome(AT_FDCWD, "prog", args, 0), "exited 0", "execve after the close");
}

int main(int argc, char **argv)
{
	if (argc > 1 && strncmp(argv[1], "--child", 7) == 0)
		return mode_child(argc, argv);
	if (argc > 3 && strcmp(argv[1], "--wait") == 0)
		return mode_wait(argv);
	watchdog(30);
	umask(022);
	int self = open(argc > 0 ? argv[0] : "./fs_exec", O_RDONLY | O_CLOEXEC);
	scratch_enter(SCRATCH);
	check(self >= 0, "open argv[0]");
	test_copy(self);
	test_scripts();
	test_txtbsy();
	close(self);
	scratch_leave(SCRATCH);
	return check_done();
}
