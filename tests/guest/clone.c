/*
 * clone - the raw clone(2) flags under pthreads and fork, and the thread
 * pointer: a thread made by hand with musl's pthread flags (SETTLS,
 * PARENT_SETTID, CHILD_SETTID, CHILD_CLEARTID + futex wake), CLONE_VM /
 * CLONE_FILES / CLONE_FS / CLONE_SIGHAND / CLONE_VFORK each shared or not,
 * invalid flag combinations, thread exit vs exit_group, the exit status of a
 * process whose main thread left first, arch_prctl (SET/GET FS and GS).
 *
 * Children made by clone() here run on their own stacks and share (or copy)
 * our memory; while one runs, the parent only waits. The children use
 * raw_syscall() where errno or TLS could be wrong.
 */
#include "check.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK_SIZE (64 * 1024)

/* A thread control block for a hand-made thread: word 0 points to itself,
 * as the x86-64 TLS ABI wants (and musl reads). */
struct fake_tcb {
	struct fake_tcb *self;
	unsigned long words[31];
} __attribute__((aligned(64)));

/* What the hand-made thread saw; written by it, read after it is gone. */
struct thread_report {
	long tid, pid, ppid, fs0, getfs, ctid_at_start;
	volatile int done;
};

static struct fake_tcb tcb;
static struct thread_report report;
static volatile pid_t ctid_word, ptid_word;
static volatile int shared_value;

static void *new_stack(void)
{
	char *s = mmap(NULL, STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return s == MAP_FAILED ? NULL : s + STACK_SIZE;
}

static void free_stack(void *top)
{
	munmap((char *)top - STACK_SIZE, STACK_SIZE);
}

static unsigned long read_fs0(void)
{
	unsigned long v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	return v;
}

static unsigned long read_gs0(void)
{
	unsigned long v;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

/* Waits until a CHILD_CLEARTID word is cleared by the kernel. */
static void wait_cleared(volatile pid_t *word)
{
	pid_t v;
	while ((v = *word) != 0)
		raw_syscall(SYS_futex, (long)word, FUTEX_WAIT, v, 0, 0, 0);
}

/* ---------------------------------------------------------------- a thread by hand */

static int thread_fn(void *arg)
{
	(void)arg;
	unsigned long fs = 0;
	report.tid = raw_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
	report.pid = raw_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0);
	report.ppid = raw_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0);
	report.fs0 = (long)read_fs0();
	raw_syscall(SYS_arch_prctl, ARCH_GET_FS, (long)&fs, 0, 0, 0, 0);
	report.getfs = (long)fs;
	report.ctid_at_start = ctid_word;
	report.done = 1;
	return 0; /* musl's __clone then calls SYS_exit */
}

static void test_thread_by_hand(void)
{
	section("clone with pthread flags");
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		    CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;
	void *stack = new_stack();
	tcb.self = &tcb;
	ctid_word = -1;
	ptid_word = -1;
	int tid = clone(thread_fn, stack, flags, NULL, &ptid_word, &tcb, &ctid_word);
	check(tid > 0, "clone returns a tid");
	check(ptid_word == tid, "PARENT_SETTID stored the tid before clone returned");
	wait_cleared(&ctid_word);
	check(report.done == 1, "thread ran");
	check(report.tid == tid, "thread's gettid equals clone's return");
	check(report.tid != getpid(), "thread tid != pid");
	check(report.pid == getpid(), "thread's getpid is ours (CLONE_THREAD)");
	check(report.ppid == getppid(), "thread's getppid is our parent");
	check(report.fs0 == (long)&tcb, "SETTLS: %%fs:0 reads the new TCB");
	check(report.getfs == (long)&tcb, "SETTLS: ARCH_GET_FS in the thread");
	check(report.ctid_at_start == tid, "CHILD_SETTID stored the tid in the child");
	check_long(ctid_word, 0, "CHILD_CLEARTID cleared the word at exit");
	int st;
	CHECK_ERR(waitpid(tid, &st, __WALL | WNOHANG), ECHILD, "a thread is not a waitable child");
	CHECK_ERR(syscall(SYS_tgkill, getpid(), tid, 0), ESRCH, "tgkill(exited thread, 0)");
	free_stack(stack);
}

/* ---------------------------------------------------------------- thread exit */

static int sleeper_then_exit(void *arg)
{
	volatile int *flag = arg;
	struct timespec ts = {0, 50 * 1000000};
	raw_syscall(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
	*flag = 1;
	raw_syscall(SYS_exit, 3, 0, 0, 0, 0, 0);
	return 0;
}

static int exit_group_fn(void *arg)
{
	(void)arg;
	raw_syscall(SYS_exit_group, 33, 0, 0, 0, 0, 0);
	return 0;
}

static const int thread_flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM;

static void test_thread_exit(void)
{
	section("thread exit");
	/* A thread calling exit_group ends the whole process. */
	pid_t pid = fork();
	if (pid == 0) {
		clone(exit_group_fn, new_stack(), thread_flags, NULL);
		for (;;)
			pause();
	}
	check_wait(pid, "exited 33", "exit_group from a second thread");

	/* The main thread leaves with SYS_exit(3); the other thread exits 50 ms
	 * later. The process ends (and becomes waitable) only when its last
	 * thread does. Both use the same code: which thread's code becomes the
	 * process status differs between Linux versions (6.18 reports the last
	 * thread's). */
	volatile int *flag = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*flag = 0;
	pid = fork();
	if (pid == 0) {
		clone(sleeper_then_exit, new_stack(), thread_flags, (void *)flag);
		raw_syscall(SYS_exit, 3, 0, 0, 0, 0, 0);
	}
	check_wait(pid, "exited 3", "main thread SYS_exit(3), then the last thread SYS_exit(3)");
	check_long(*flag, 1, "the other thread ran to its end first");
	munmap((void *)flag, 4096);
}

/* ---------------------------------------------------------------- sharing */

static int set_shared(void *arg)
{
	shared_value = (int)(long)arg;
	return 0;
}

static int close_fd(void *arg)
{
	close((int)(long)arg);
	return 0;
}

static int chdir_data(void *arg)
{
	(void)arg;
	return chdir("data") == 0 ? 0 : 1;
}

static void on_usr1(int sig)
{
	(void)sig;
}

static int install_handler(void *arg)
{
	(void)arg;
	struct sigaction sa = {.sa_handler = on_usr1};
	return sigaction(SIGUSR1, &sa, NULL) == 0 ? 0 : 1;
}

static int vfork_child(void *arg)
{
	(void)arg;
	struct timespec ts = {0, 30 * 1000000};
	raw_syscall(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
	shared_value = 77;
	return 0;
}

/* clone(fn) with flags | SIGCHLD, waits for it; returns its wait status text. */
static bool run_clone(int (*fn)(void *), int flags, void *arg, const char *desc)
{
	void *stack = new_stack();
	pid_t pid = clone(fn, stack, flags | SIGCHLD, arg);
	bool ok = check_wait(pid, "exited 0", "%s", desc);
	free_stack(stack);
	return ok;
}

static bool handler_installed(void)
{
	struct sigaction sa;
	sigaction(SIGUSR1, NULL, &sa);
	return sa.sa_handler == on_usr1;
}

static void test_sharing(void)
{
	section("what clone shares");
	shared_value = 0;
	run_clone(set_shared, CLONE_VM, (void *)1L, "CLONE_VM child");
	check_long(shared_value, 1, "CLONE_VM: parent sees the child's write");
	run_clone(set_shared, 0, (void *)2L, "plain clone child");
	check_long(shared_value, 1, "no CLONE_VM: the child wrote its own copy");

	shared_value = 0;
	void *stack = new_stack();
	pid_t pid = clone(vfork_child, stack, CLONE_VM | CLONE_VFORK | SIGCHLD, NULL);
	check_long(shared_value, 77, "CLONE_VFORK: parent resumed only after the child exited");
	check_wait(pid, "exited 0", "vfork-style child");
	free_stack(stack);

	int fd = open("data/hello.txt", O_RDONLY);
	run_clone(close_fd, CLONE_VM, (void *)(long)fd, "child closes an fd (own table)");
	CHECK_OK(fcntl(fd, F_GETFD), "no CLONE_FILES: our fd still open");
	run_clone(close_fd, CLONE_VM | CLONE_FILES, (void *)(long)fd, "child closes an fd (shared table)");
	CHECK_ERR(fcntl(fd, F_GETFD), EBADF, "CLONE_FILES: our fd is closed");

	run_clone(chdir_data, CLONE_VM, NULL, "child chdir(data) (own cwd)");
	CHECK_ERR(access("hello.txt", F_OK), ENOENT, "no CLONE_FS: our cwd unchanged");
	run_clone(chdir_data, CLONE_VM | CLONE_FS, NULL, "child chdir(data) (shared cwd)");
	CHECK_OK(access("hello.txt", F_OK), "CLONE_FS: our cwd moved too");
	chdir("..");

	run_clone(install_handler, CLONE_VM, NULL, "child installs a SIGUSR1 handler (own table)");
	check_bool(handler_installed(), false, "no CLONE_SIGHAND: our SIGUSR1 handler set");
	run_clone(install_handler, CLONE_VM | CLONE_SIGHAND, NULL, "child installs a SIGUSR1 handler (shared)");
	check(handler_installed(), "CLONE_SIGHAND: our SIGUSR1 handler set");
	signal(SIGUSR1, SIG_DFL);
}

static int must_not_run(void *arg)
{
	(void)arg;
	raw_syscall(SYS_exit_group, 99, 0, 0, 0, 0, 0);
	return 0;
}

static void test_bad_flags(void)
{
	section("invalid clone flags");
	void *stack = new_stack();
	CHECK_ERR(clone(must_not_run, stack, CLONE_SIGHAND | SIGCHLD, NULL), EINVAL, "CLONE_SIGHAND without CLONE_VM");
	CHECK_ERR(clone(must_not_run, stack, CLONE_VM | CLONE_THREAD, NULL), EINVAL, "CLONE_THREAD without CLONE_SIGHAND");
	CHECK_ERR(clone(must_not_run, stack, CLONE_VM | CLONE_FS | CLONE_NEWNS, NULL), EINVAL,
		  "CLONE_FS with CLONE_NEWNS");
	free_stack(stack);
}

/* ---------------------------------------------------------------- arch_prctl */

static void test_arch_prctl(void)
{
	section("arch_prctl");
	unsigned long fs = 0, gs = 1;
	CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs), "ARCH_GET_FS");
	check(fs == (unsigned long)pthread_self(), "FS base is musl's thread pointer");
	check(read_fs0() == fs, "%%fs:0 points to itself");
	CHECK_OK(syscall(SYS_arch_prctl, ARCH_GET_GS, &gs), "ARCH_GET_GS");
	check_hex(gs, 0, "initial GS base");

	/* Switch FS to our own block and back, with no libc call in between
	 * (errno lives behind FS). */
	static struct fake_tcb mine;
	mine.self = &mine;
	mine.words[0] = 0x1234;
	long r1 = raw_syscall(SYS_arch_prctl, ARCH_SET_FS, (long)&mine, 0, 0, 0, 0);
	unsigned long seen = read_fs0(), got = 0;
	unsigned long word1;
	__asm__ volatile("mov %%fs:8, %0" : "=r"(word1));
	raw_syscall(SYS_arch_prctl, ARCH_GET_FS, (long)&got, 0, 0, 0, 0);
	long r2 = raw_syscall(SYS_arch_prctl, ARCH_SET_FS, (long)fs, 0, 0, 0, 0);
	check(r1 == 0 && r2 == 0, "ARCH_SET_FS to a new block and back");
	check(seen == (unsigned long)&mine && word1 == 0x1234, "%%fs reads the new block");
	check(got == (unsigned long)&mine, "ARCH_GET_FS returns it");

	CHECK_OK(syscall(SYS_arch_prctl, ARCH_SET_GS, &mine), "ARCH_SET_GS");
	check(read_gs0() == (unsigned long)&mine, "%%gs:0 reads the block");
	pid_t pid = fork();
	if (pid == 0) {
		unsigned long cfs = 0, cgs = 0;
		syscall(SYS_arch_prctl, ARCH_GET_FS, &cfs);
		syscall(SYS_arch_prctl, ARCH_GET_GS, &cgs);
		_exit(cfs == fs && cgs == (unsigned long)&mine && read_gs0() == (unsigned long)&mine ? 0 : 1);
	}
	check_wait(pid, "exited 0", "fork child inherits FS and GS bases");
	CHECK_OK(syscall(SYS_arch_prctl, ARCH_SET_GS, 0), "ARCH_SET_GS 0");

	CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, WILD_NONCANONICAL), EPERM, "ARCH_SET_FS non-canonical");
	CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, WILD_KERNEL_TEXT), EPERM, "ARCH_SET_FS kernel address");
	CHECK_ERR(syscall(SYS_arch_prctl, ARCH_SET_GS, WILD_KERNEL_DIRECT), EPERM, "ARCH_SET_GS kernel address");
	CHECK_ERR(syscall(SYS_arch_prctl, ARCH_GET_FS, NULL), EFAULT, "ARCH_GET_FS to NULL");
	CHECK_ERR(syscall(SYS_arch_prctl, 0x1fff, &fs), EINVAL, "unknown arch_prctl code");
	check(read_fs0() == fs, "FS intact after the failed calls");
}

int main(void)
{
	test_thread_by_hand();
	test_thread_exit();
	test_sharing();
	test_bad_flags();
	test_arch_prctl();
	return check_done();
}
