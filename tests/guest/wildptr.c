/*
 * wildptr - bad pointers handed to the kernel. Every system call that takes
 * a user pointer gets, in turn: NULL, an unmapped user address, the start of
 * Linux's direct map (0xffff888000000000), a kernel text address
 * (0xffffffff80100000), the first non-canonical address (0x800000000000)
 * and a read-only page of this program (.rodata). Each call runs in its own
 * child, so a kernel that kills instead of failing shows up as a cell, not
 * as a lost test. A line prints what happened per pointer:
 *
 *   read(pipe, P, 8): EFAULT EFAULT EFAULT EFAULT EFAULT EFAULT
 *
 * ("ok=N" for success, "-" where the pointer makes no sense). The expected
 * line is what Linux 6.x does; where Linux does not say EFAULT it is noted.
 * The second part checks that pointers the kernel writes behind the
 * program's back (signal frames, alternate stacks, clear_child_tid, robust
 * lists, PARENT/CHILD_SETTID) cannot hurt the kernel either.
 */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NPTR 6
static const char *const ptr_names[NPTR] = {"NULL", "unmapped", "kdirect", "ktext", "noncanon", "rodata"};
static void *ptrs[NPTR];

/* A zero-filled read-only page (valid to read, not to write). */
static const char rodata_page[4096] __attribute__((aligned(4096))) = {0};

static const char *self;

/* Fixtures, set up once in the parent and inherited by every child. */
static int pipe_rd, pipe_wr;     /* pipe holding data */
static int empty_rd, empty_wr;   /* empty pipe */
static int zero_fd, null_fd, file_fd, dir_fd, event_fd, ep_ready, ep_idle;

/* ---------------------------------------------------------------- probes */

#define SYS(...) syscall(__VA_ARGS__)

static long p_read_pipe(void *p) { return SYS(SYS_read, pipe_rd, p, 8); }
static long p_read_zero(void *p) { return SYS(SYS_read, zero_fd, p, 8); }
static long p_write_pipe(void *p) { return SYS(SYS_write, pipe_wr, p, 8); }
static long p_write_null(void *p) { return SYS(SYS_write, null_fd, p, 8); }
static long p_readv_iov(void *p) { return SYS(SYS_readv, pipe_rd, p, 1); }
static long p_readv_buf(void *p)
{
	struct iovec iov = {p, 8};
	return SYS(SYS_readv, pipe_rd, &iov, 1);
}
static long p_writev_iov(void *p) { return SYS(SYS_writev, pipe_wr, p, 1); }
static long p_writev_buf(void *p)
{
	struct iovec iov = {p, 8};
	return SYS(SYS_writev, pipe_wr, &iov, 1);
}
static long p_pread(void *p) { return SYS(SYS_pread64, file_fd, p, 8, 0); }
static long p_open(void *p) { return SYS(SYS_open, p, O_RDONLY); }
static long p_openat(void *p) { return SYS(SYS_openat, AT_FDCWD, p, O_RDONLY); }
static long p_stat_path(void *p)
{
	struct stat st;
	return SYS(SYS_stat, p, &st);
}
static long p_stat_buf(void *p) { return SYS(SYS_stat, "data/hello.txt", p); }
static long p_lstat_buf(void *p) { return SYS(SYS_lstat, "data/link", p); }
static long p_fstat_buf(void *p) { return SYS(SYS_fstat, file_fd, p); }
static long p_fstatat_buf(void *p) { return SYS(SYS_newfstatat, AT_FDCWD, "data/hello.txt", p, 0); }
static long p_statx_path(void *p)
{
	char sx[256];
	return SYS(SYS_statx, AT_FDCWD, p, 0, 0x7ff, sx);
}
static long p_statx_buf(void *p) { return SYS(SYS_statx, AT_FDCWD, "data/hello.txt", 0, 0x7ff, p); }
static long p_getdents(void *p)
{
	lseek(dir_fd, 0, SEEK_SET);
	return SYS(SYS_getdents64, dir_fd, p, 4096);
}
static long p_readlink_path(void *p)
{
	char buf[64];
	return SYS(SYS_readlink, p, buf, sizeof(buf));
}
static long p_readlink_buf(void *p) { return SYS(SYS_readlink, "data/link", p, 64); }
static long p_access(void *p) { return SYS(SYS_access, p, F_OK); }
static long p_faccessat(void *p) { return SYS(SYS_faccessat, AT_FDCWD, p, F_OK); }
static long p_getcwd(void *p) { return SYS(SYS_getcwd, p, 4096); }

/* File calls the I/O server answers: the kernel copies every path and record before
 * a request leaves, so a wild pointer is EFAULT here as on Linux. "wild.tmp" is a
 * scratch file in the test directory (made before the table, removed after it). */
static long p_mkdir(void *p) { return SYS(SYS_mkdir, p, 0755); }
static long p_unlink(void *p) { return SYS(SYS_unlink, p); }
static long p_rmdir(void *p) { return SYS(SYS_rmdir, p); }
static long p_rename_new(void *p) { return SYS(SYS_rename, "wild.none", p); }
static long p_link_new(void *p) { return SYS(SYS_link, "wild.tmp", p); }
static long p_symlink_target(void *p) { return SYS(SYS_symlink, p, "wild.none"); }
static long p_chmod(void *p) { return SYS(SYS_chmod, p, 0644); }
static long p_truncate(void *p) { return SYS(SYS_truncate, p, 0); }
static long p_utimensat_times(void *p) { return SYS(SYS_utimensat, AT_FDCWD, "wild.tmp", p, 0); }
static long p_statfs_buf(void *p) { return SYS(SYS_statfs, "wild.tmp", p); }
static long p_fcntl_lock(void *p) { return SYS(SYS_fcntl, file_fd, F_GETLK, p); }
static long p_sendfile_off(void *p) { return SYS(SYS_sendfile, null_fd, file_fd, p, 1); }
static long p_copy_range_off(void *p)
{
	int out = open("wild.tmp", O_WRONLY);
	long r = SYS(SYS_copy_file_range, file_fd, p, out, NULL, 1, 0);
	close(out);
	return r;
}

static long p_chdir(void *p) { return SYS(SYS_chdir, p); }
static long p_execve_path(void *p)
{
	char *argv[] = {"x", "--exec-probe", NULL};
	char *envp[] = {NULL};
	return SYS(SYS_execve, p, argv, envp);
}
static long p_execve_argv(void *p)
{
	char *envp[] = {NULL};
	return SYS(SYS_execve, self, p, envp);
}
static long p_execve_envp(void *p)
{
	char *argv[] = {"x", "--exec-probe", NULL};
	return SYS(SYS_execve, self, argv, p);
}
static pid_t zombie(void)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(3);
	siginfo_t si;
	waitid(P_PID, pid, &si, WEXITED | WNOWAIT);
	return pid;
}
static long p_wait4_status(void *p) { return SYS(SYS_wait4, zombie(), p, 0, NULL) > 0 ? 1 : -1; }
static long p_wait4_rusage(void *p)
{
	int st;
	return SYS(SYS_wait4, zombie(), &st, 0, p) > 0 ? 1 : -1;
}
static long p_waitid(void *p) { return SYS(SYS_waitid, P_PID, zombie(), p, WEXITED, NULL); }
static long p_pipe(void *p) { return SYS(SYS_pipe, p); }
static long p_pipe2(void *p) { return SYS(SYS_pipe2, p, 0); }
static long p_clock_gettime(void *p) { return SYS(SYS_clock_gettime, CLOCK_MONOTONIC, p); }
static long p_clock_getres(void *p) { return SYS(SYS_clock_getres, CLOCK_MONOTONIC, p); }
static long p_gettimeofday_tv(void *p) { return SYS(SYS_gettimeofday, p, NULL); }
static long p_gettimeofday_tz(void *p)
{
	struct timeval tv;
	return SYS(SYS_gettimeofday, &tv, p);
}
static long p_time(void *p) { return SYS(SYS_time, p) > 0 ? 1 : -1; }
static long p_nanosleep_req(void *p) { return SYS(SYS_nanosleep, p, NULL); }
static long p_nanosleep_rem(void *p)
{
	struct timespec ts = {0, 1000};
	return SYS(SYS_nanosleep, &ts, p);
}
static long p_clock_nanosleep(void *p) { return SYS(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, p, NULL); }
static long p_setitimer_new(void *p) { return SYS(SYS_setitimer, ITIMER_REAL, p, NULL); }
static long p_setitimer_old(void *p)
{
	struct itimerval zero = {{0, 0}, {0, 0}};
	return SYS(SYS_setitimer, ITIMER_REAL, &zero, p);
}
static long p_getitimer(void *p) { return SYS(SYS_getitimer, ITIMER_REAL, p); }
static long p_sigaction_act(void *p) { return SYS(SYS_rt_sigaction, SIGUSR1, p, NULL, 8); }
static long p_sigaction_old(void *p) { return SYS(SYS_rt_sigaction, SIGUSR1, NULL, p, 8); }
static long p_sigprocmask_set(void *p) { return SYS(SYS_rt_sigprocmask, SIG_BLOCK, p, NULL, 8); }
static long p_sigprocmask_old(void *p) { return SYS(SYS_rt_sigprocmask, SIG_BLOCK, NULL, p, 8); }
static long p_sigpending(void *p) { return SYS(SYS_rt_sigpending, p, 8); }
static long p_sigsuspend(void *p) { return SYS(SYS_rt_sigsuspend, p, 8); }
static long p_sigaltstack_new(void *p) { return SYS(SYS_sigaltstack, p, NULL); }
static long p_sigaltstack_old(void *p) { return SYS(SYS_sigaltstack, NULL, p); }
static long p_uname(void *p) { return SYS(SYS_uname, p); }
static long p_sysinfo(void *p) { return SYS(SYS_sysinfo, p); }
static long p_getrandom(void *p) { return SYS(SYS_getrandom, p, 16, 0); }
static long p_getrlimit(void *p) { return SYS(SYS_getrlimit, RLIMIT_NOFILE, p); }
static long p_setrlimit(void *p) { return SYS(SYS_setrlimit, RLIMIT_NOFILE, p); }
static long p_prlimit_new(void *p) { return SYS(SYS_prlimit64, 0, RLIMIT_NOFILE, p, NULL); }
static long p_prlimit_old(void *p) { return SYS(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, p); }
static long p_getrusage(void *p) { return SYS(SYS_getrusage, RUSAGE_SELF, p); }
static long p_times(void *p) { return SYS(SYS_times, p) == -1 ? -1 : 1; }
static long p_sched_getaffinity(void *p) { return SYS(SYS_sched_getaffinity, 0, 128, p) > 0 ? 1 : -1; }
static long p_poll(void *p) { return SYS(SYS_poll, p, 1, 0); }
static long p_ppoll_fds(void *p)
{
	struct timespec ts = {0, 0};
	return SYS(SYS_ppoll, p, 1, &ts, NULL, 8);
}
static long p_ppoll_ts(void *p)
{
	struct pollfd pfd = {.fd = pipe_rd, .events = POLLIN};
	return SYS(SYS_ppoll, &pfd, 1, p, NULL, 8);
}
static long p_ppoll_mask(void *p)
{
	struct pollfd pfd = {.fd = pipe_rd, .events = POLLIN};
	struct timespec ts = {0, 0};
	return SYS(SYS_ppoll, &pfd, 1, &ts, p, 8);
}
static long p_select_set(void *p)
{
	struct timeval tv = {0, 0};
	return SYS(SYS_select, 1, p, NULL, NULL, &tv);
}
static long p_select_tv(void *p) { return SYS(SYS_select, 0, NULL, NULL, NULL, p); }
static long p_pselect_set(void *p)
{
	struct timespec ts = {0, 0};
	return SYS(SYS_pselect6, 1, p, NULL, NULL, &ts, NULL);
}
static long p_epoll_ctl(void *p) { return SYS(SYS_epoll_ctl, ep_idle, EPOLL_CTL_ADD, pipe_wr, p); }
static long p_epoll_wait_idle(void *p) { return SYS(SYS_epoll_wait, ep_idle, p, 4, 0); }
static long p_epoll_wait_ready(void *p) { return SYS(SYS_epoll_wait, ep_ready, p, 4, 0); }
static long p_epoll_pwait_mask(void *p)
{
	struct epoll_event ev[4];
	return SYS(SYS_epoll_pwait, ep_ready, ev, 4, 0, p, 8);
}
static long p_futex_wait(void *p) { return SYS(SYS_futex, p, FUTEX_WAIT, 1, NULL, NULL, 0); }
static long p_futex_wake(void *p) { return SYS(SYS_futex, p, FUTEX_WAKE, 1, NULL, NULL, 0); }
static long p_futex_wake_private(void *p) { return SYS(SYS_futex, p, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0); }
static long p_futex_timeout(void *p)
{
	int word = 0;
	return SYS(SYS_futex, &word, FUTEX_WAIT, 0, p, NULL, 0);
}
static long p_set_tid_address(void *p) { return SYS(SYS_set_tid_address, p) > 0 ? 1 : -1; }
static long p_set_robust_list(void *p) { return SYS(SYS_set_robust_list, p, 24); }
static long p_get_robust_list(void *p)
{
	size_t len;
	return SYS(SYS_get_robust_list, 0, p, &len);
}
static long p_arch_get_fs(void *p) { return SYS(SYS_arch_prctl, ARCH_GET_FS, p); }
static long p_arch_set_fs(void *p)
{
	/* Raw on both sides: with a bad FS base, errno (TLS) is unusable. */
	unsigned long old = 0;
	raw_syscall(SYS_arch_prctl, ARCH_GET_FS, (long)&old, 0, 0, 0, 0);
	long r = raw_syscall(SYS_arch_prctl, ARCH_SET_FS, (long)p, 0, 0, 0, 0);
	raw_syscall(SYS_arch_prctl, ARCH_SET_FS, (long)old, 0, 0, 0, 0);
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}
static long p_prctl_set_name(void *p) { return SYS(SYS_prctl, PR_SET_NAME, p, 0, 0, 0); }
static long p_prctl_get_name(void *p) { return SYS(SYS_prctl, PR_GET_NAME, p, 0, 0, 0); }
static long p_getresuid(void *p)
{
	uid_t a, b;
	return SYS(SYS_getresuid, p, &a, &b);
}
static long p_getresgid(void *p)
{
	gid_t a, b;
	return SYS(SYS_getresgid, &a, &b, p);
}
static long p_ioctl_fionread(void *p) { return SYS(SYS_ioctl, pipe_rd, FIONREAD, p); }
static long p_eventfd_read(void *p)
{
	/* Refill first: Linux takes the count before it finds the buffer bad,
	 * and the eventfd is shared by all the cells. */
	uint64_t one = 1;
	SYS(SYS_write, event_fd, &one, 8);
	return SYS(SYS_read, event_fd, p, 8);
}
static long p_eventfd_write(void *p) { return SYS(SYS_write, event_fd, p, 8); }
static long p_munmap(void *p) { return SYS(SYS_munmap, p, 4096); }
static long p_mprotect(void *p) { return SYS(SYS_mprotect, p, 4096, PROT_READ); }
static long p_madvise(void *p) { return SYS(SYS_madvise, p, 4096, MADV_DONTNEED); }
static long p_mremap(void *p) { return SYS(SYS_mremap, p, 4096, 8192, MREMAP_MAYMOVE) == -1 ? -1 : 1; }
static long p_clone_parent_settid(void *p)
{
	long pid = raw_syscall(SYS_clone, SIGCHLD | CLONE_PARENT_SETTID, 0, (long)p, 0, 0, 0);
	if (pid == 0)
		raw_syscall(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	if (pid < 0) {
		errno = (int)-pid;
		return -1;
	}
	int st;
	waitpid((pid_t)pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}
static long p_clone_child_settid(void *p)
{
	long pid = raw_syscall(SYS_clone, SIGCHLD | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, 0, 0, (long)p, 0, 0);
	if (pid == 0)
		raw_syscall(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	if (pid < 0) {
		errno = (int)-pid;
		return -1;
	}
	int st;
	waitpid((pid_t)pid, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* The table. want: one word per pointer, in ptr_names order. */
#define E6(e) e " " e " " e " " e " " e " " e
#define EF5 "EFAULT EFAULT EFAULT EFAULT EFAULT"
static const struct probe {
	const char *name;
	long (*fn)(void *);
	const char *want;
	const char *note; /* why Linux does not say EFAULT everywhere */
} probes[] = {
	{"read(pipe, P, 8)", p_read_pipe, E6("EFAULT"), NULL},
	{"read(/dev/zero, P, 8)", p_read_zero, E6("EFAULT"), NULL},
	{"write(pipe, P, 8)", p_write_pipe, EF5 " ok=8", NULL},
	{"write(/dev/null, P, 8)", p_write_null, "ok=8 ok=8 EFAULT EFAULT EFAULT ok=8",
	 "write() range-checks the buffer, then /dev/null never reads it"},
	{"readv(pipe, P, 1)", p_readv_iov, EF5 " ok=0", "rodata: an all-zero iovec reads 0 bytes"},
	{"readv(pipe, {P, 8}, 1)", p_readv_buf, E6("EFAULT"), NULL},
	{"writev(pipe, P, 1)", p_writev_iov, EF5 " ok=0", NULL},
	{"writev(pipe, {P, 8}, 1)", p_writev_buf, EF5 " ok=8", NULL},
	{"pread64(file, P, 8, 0)", p_pread, E6("EFAULT"), NULL},
	{"open(P)", p_open, EF5 " ENOENT", "rodata: the empty string"},
	{"openat(AT_FDCWD, P)", p_openat, EF5 " ENOENT", NULL},
	{"stat(P, buf)", p_stat_path, EF5 " ENOENT", NULL},
	{"stat(file, P)", p_stat_buf, E6("EFAULT"), NULL},
	{"lstat(link, P)", p_lstat_buf, E6("EFAULT"), NULL},
	{"fstat(file, P)", p_fstat_buf, E6("EFAULT"), NULL},
	{"newfstatat(file, P)", p_fstatat_buf, E6("EFAULT"), NULL},
	{"statx(P, buf)", p_statx_path, EF5 " ENOENT", NULL},
	{"statx(file, P)", p_statx_buf, E6("EFAULT"), NULL},
	{"getdents64(dir, P, 4096)", p_getdents, E6("EFAULT"), NULL},
	{"readlink(P, buf)", p_readlink_path, EF5 " ENOENT", NULL},
	{"readlink(link, P)", p_readlink_buf, E6("EFAULT"), NULL},
	{"access(P)", p_access, EF5 " ENOENT", NULL},
	{"faccessat(AT_FDCWD, P)", p_faccessat, EF5 " ENOENT", NULL},
	{"getcwd(P, 4096)", p_getcwd, E6("EFAULT"), NULL},
	{"mkdir(P)", p_mkdir, EF5 " ENOENT", NULL},
	{"unlink(P)", p_unlink, EF5 " ENOENT", NULL},
	{"rmdir(P)", p_rmdir, EF5 " ENOENT", NULL},
	{"rename(missing, P)", p_rename_new, EF5 " ENOENT", NULL},
	{"link(file, P)", p_link_new, EF5 " ENOENT", NULL},
	{"symlink(P, name)", p_symlink_target, EF5 " ENOENT", "rodata: an empty target"},
	{"chmod(P)", p_chmod, EF5 " ENOENT", NULL},
	{"truncate(P, 0)", p_truncate, EF5 " ENOENT", NULL},
	{"utimensat(file, P, 0)", p_utimensat_times, "ok=0 EFAULT EFAULT EFAULT EFAULT ok=0",
	 "NULL: both times now; rodata: both times the epoch"},
	{"statfs(file, P)", p_statfs_buf, E6("EFAULT"), NULL},
	{"fcntl(file, F_GETLK, P)", p_fcntl_lock, E6("EFAULT"), NULL},
	{"sendfile(null, file, P, 1)", p_sendfile_off, "ok=1 " EF5, "NULL: the input's own offset"},
	{"copy_file_range(file, P, out, NULL, 1)", p_copy_range_off, "ok=1 " EF5, "NULL: the input's own offset"},
	{"chdir(P)", p_chdir, EF5 " ENOENT", NULL},
	{"execve(P, argv, envp)", p_execve_path, EF5 " ENOENT", NULL},
	{"execve(self, P, envp)", p_execve_argv, "exec EFAULT EFAULT EFAULT EFAULT exec",
	 "NULL or an empty list: argv = {\"\"} (Linux >= 5.18)"},
	{"execve(self, argv, P)", p_execve_envp, "exec EFAULT EFAULT EFAULT EFAULT exec", "NULL: no environment"},
	{"wait4(zombie, P, 0, NULL)", p_wait4_status, "ok=1 " EF5, "NULL: status not wanted; the zombie is reaped even on EFAULT"},
	{"wait4(zombie, &st, 0, P)", p_wait4_rusage, "ok=1 " EF5, "NULL: rusage not wanted"},
	{"waitid(P_PID, zombie, P, WEXITED)", p_waitid, "ok=0 " EF5, "NULL: siginfo not wanted"},
	{"pipe(P)", p_pipe, E6("EFAULT"), NULL},
	{"pipe2(P, 0)", p_pipe2, E6("EFAULT"), NULL},
	{"clock_gettime(MONOTONIC, P)", p_clock_gettime, E6("EFAULT"), NULL},
	{"clock_getres(MONOTONIC, P)", p_clock_getres, "ok=0 " EF5, "NULL: result not wanted"},
	{"gettimeofday(P, NULL)", p_gettimeofday_tv, "ok=0 " EF5, "NULL: not wanted"},
	{"gettimeofday(&tv, P)", p_gettimeofday_tz, "ok=0 " EF5, "NULL: timezone not wanted"},
	{"time(P)", p_time, "ok=1 " EF5, "NULL: not wanted"},
	{"nanosleep(P, NULL)", p_nanosleep_req, EF5 " ok=0", "rodata: a zero duration"},
	{"nanosleep(&1us, P)", p_nanosleep_rem, E6("ok=0"), "rem is only written when interrupted"},
	{"clock_nanosleep(MONOTONIC, 0, P)", p_clock_nanosleep, EF5 " ok=0", NULL},
	{"setitimer(REAL, P, NULL)", p_setitimer_new, "ok=0 EFAULT EFAULT EFAULT EFAULT ok=0",
	 "NULL: taken as a zero timer (with a kernel warning)"},
	{"setitimer(REAL, &zero, P)", p_setitimer_old, "ok=0 " EF5, "NULL: old value not wanted"},
	{"getitimer(REAL, P)", p_getitimer, E6("EFAULT"), NULL},
	{"rt_sigaction(USR1, P, NULL)", p_sigaction_act, "ok=0 EFAULT EFAULT EFAULT EFAULT ok=0", "NULL: query only"},
	{"rt_sigaction(USR1, NULL, P)", p_sigaction_old, "ok=0 " EF5, "NULL: query not wanted"},
	{"rt_sigprocmask(BLOCK, P, NULL)", p_sigprocmask_set, "ok=0 EFAULT EFAULT EFAULT EFAULT ok=0", "NULL: query only"},
	{"rt_sigprocmask(BLOCK, NULL, P)", p_sigprocmask_old, "ok=0 " EF5, NULL},
	{"rt_sigpending(P)", p_sigpending, E6("EFAULT"), NULL},
	{"rt_sigsuspend(P)", p_sigsuspend, EF5 " -", "rodata would suspend for ever: not run"},
	{"sigaltstack(P, NULL)", p_sigaltstack_new, "ok=0 EFAULT EFAULT EFAULT EFAULT ok=0",
	 "NULL: query only; rodata: an all-zero stack_t equals the unset one, a no-op before the size check"},
	{"sigaltstack(NULL, P)", p_sigaltstack_old, "ok=0 " EF5, NULL},
	{"uname(P)", p_uname, E6("EFAULT"), NULL},
	{"sysinfo(P)", p_sysinfo, E6("EFAULT"), NULL},
	{"getrandom(P, 16, 0)", p_getrandom, E6("EFAULT"), NULL},
	{"getrlimit(NOFILE, P)", p_getrlimit, E6("EFAULT"), NULL},
	{"setrlimit(NOFILE, P)", p_setrlimit, EF5 " ok=0", "rodata: limits {0, 0} (lowering is allowed)"},
	{"prlimit64(0, NOFILE, P, NULL)", p_prlimit_new, "ok=0 EFAULT EFAULT EFAULT EFAULT ok=0", "NULL: query only"},
	{"prlimit64(0, NOFILE, NULL, P)", p_prlimit_old, "ok=0 " EF5, NULL},
	{"getrusage(SELF, P)", p_getrusage, E6("EFAULT"), NULL},
	{"times(P)", p_times, "ok=1 " EF5, "NULL: only the return value"},
	{"sched_getaffinity(0, 128, P)", p_sched_getaffinity, E6("EFAULT"), NULL},
	{"poll(P, 1, 0)", p_poll, E6("EFAULT"), NULL},
	{"ppoll(P, 1, &0, NULL)", p_ppoll_fds, E6("EFAULT"), NULL},
	{"ppoll(fds, 1, P, NULL)", p_ppoll_ts, "ok=1 EFAULT EFAULT EFAULT EFAULT ok=1", "NULL: no timeout"},
	{"ppoll(fds, 1, &0, P)", p_ppoll_mask, "ok=1 EFAULT EFAULT EFAULT EFAULT ok=1", "NULL: no mask"},
	{"select(1, P, NULL, NULL, &0)", p_select_set, "ok=0 " EF5, "NULL: empty set"},
	{"select(0, NULL, NULL, NULL, P)", p_select_tv, "- EFAULT EFAULT EFAULT EFAULT ok=0",
	 "NULL would wait for ever: not run"},
	{"pselect6(1, P, NULL, NULL, &0)", p_pselect_set, "ok=0 " EF5, NULL},
	{"epoll_ctl(ADD, fd, P)", p_epoll_ctl, EF5 " ok=0", NULL},
	{"epoll_wait(idle, P, 4, 0)", p_epoll_wait_idle, "ok=0 ok=0 EFAULT EFAULT EFAULT ok=0",
	 "only range-checked up front: a user address is not touched when nothing is ready"},
	{"epoll_wait(ready, P, 4, 0)", p_epoll_wait_ready, E6("EFAULT"), NULL},
	{"epoll_pwait(ready, ev, 4, 0, P)", p_epoll_pwait_mask, "ok=1 EFAULT EFAULT EFAULT EFAULT ok=1", NULL},
	{"futex(P, WAIT, 1)", p_futex_wait, EF5 " EAGAIN", NULL},
	{"futex(P, WAKE, 1)", p_futex_wake, EF5 " ok=0", NULL},
	{"futex(P, WAKE_PRIVATE, 1)", p_futex_wake_private, "ok=0 ok=0 EFAULT EFAULT EFAULT ok=0",
	 "a private wake only range-checks the address"},
	{"futex(&w, WAIT, 0, P)", p_futex_timeout, "- EFAULT EFAULT EFAULT EFAULT ETIMEDOUT",
	 "NULL would wait for ever: not run"},
	{"set_tid_address(P)", p_set_tid_address, E6("ok=1"), "stored, not checked"},
	{"set_robust_list(P, 24)", p_set_robust_list, E6("ok=0"), "stored, not checked"},
	{"get_robust_list(0, P, &len)", p_get_robust_list, E6("EFAULT"), NULL},
	{"arch_prctl(ARCH_GET_FS, P)", p_arch_get_fs, E6("EFAULT"), NULL},
	{"arch_prctl(ARCH_SET_FS, P)", p_arch_set_fs, "ok=0 ok=0 EPERM EPERM EPERM ok=0",
	 "a base is only checked to be below the top of user space"},
	{"prctl(PR_SET_NAME, P)", p_prctl_set_name, EF5 " ok=0", NULL},
	{"prctl(PR_GET_NAME, P)", p_prctl_get_name, E6("EFAULT"), NULL},
	{"getresuid(P, &a, &b)", p_getresuid, E6("EFAULT"), NULL},
	{"getresgid(&a, &b, P)", p_getresgid, E6("EFAULT"), NULL},
	{"ioctl(pipe, FIONREAD, P)", p_ioctl_fionread, E6("EFAULT"), NULL},
	{"read(eventfd, P, 8)", p_eventfd_read, E6("EFAULT"), NULL},
	{"write(eventfd, P, 8)", p_eventfd_write, EF5 " ok=8", NULL},
	{"munmap(P, 4096)", p_munmap, "ok=0 ok=0 EINVAL EINVAL EINVAL -", "unmapping nothing succeeds"},
	{"mprotect(P, 4096, PROT_READ)", p_mprotect, "ENOMEM ENOMEM ENOMEM ENOMEM ENOMEM -", "nothing mapped there"},
	{"madvise(P, 4096, DONTNEED)", p_madvise, "ENOMEM ENOMEM ENOMEM ENOMEM ENOMEM -", "nothing mapped there"},
	{"mremap(P, 4096, 8192, MAYMOVE)", p_mremap, "EFAULT EFAULT EFAULT EFAULT EFAULT -", "no mapping at the old address"},
	{"clone(CLONE_PARENT_SETTID, ptid=P)", p_clone_parent_settid, E6("ok=0"), "a failed tid store is ignored"},
	{"clone(CLONE_CHILD_SETTID|CLEARTID, ctid=P)", p_clone_child_settid, E6("ok=0"), "a failed tid store is ignored"},
};

/* Result of one cell: ret and errno from the child, through a pipe. */
struct cell {
	long ret;
	int err;
};

static void run_cell(const struct probe *pr, int i, char *out, size_t size)
{
	int p[2];
	pipe2(p, O_CLOEXEC);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		struct cell c;
		errno = 0;
		c.ret = pr->fn(ptrs[i]);
		c.err = errno;
		write(p[1], &c, sizeof(c));
		_exit(0);
	}
	close(p[1]);
	struct cell c;
	ssize_t n = read_full(p[0], &c, sizeof(c));
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	if (n == (ssize_t)sizeof(c)) {
		if (c.ret == -1)
			snprintf(out, size, "%s", errno_name(c.err));
		else
			snprintf(out, size, "ok=%ld", c.ret);
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		snprintf(out, size, "exec");
	} else {
		char ws[48];
		wait_status_str(st, ws, sizeof(ws));
		/* "killed by SIGSEGV" -> "killed:SIGSEGV" keeps one word per cell */
		snprintf(out, size, "%s", ws);
		for (char *s = out; *s; s++)
			if (*s == ' ')
				*s = ':';
	}
}

static void test_table(void)
{
	section("wild pointers per system call");
	out("columns: %s %s %s %s %s %s\n", ptr_names[0], ptr_names[1], ptr_names[2], ptr_names[3], ptr_names[4],
	    ptr_names[5]);
	for (size_t k = 0; k < ARRAY_SIZE(probes); k++) {
		const struct probe *pr = &probes[k];
		char line[512] = "";
		char want_words[NPTR][32];
		/* Split the expected line so "-" cells are skipped. */
		const char *w = pr->want;
		for (int i = 0; i < NPTR; i++) {
			int len = 0;
			while (*w == ' ')
				w++;
			while (w[len] != '\0' && w[len] != ' ')
				len++;
			snprintf(want_words[i], sizeof(want_words[i]), "%.*s", len, w);
			w += len;
		}
		for (int i = 0; i < NPTR; i++) {
			char cell[64];
			if (strcmp(want_words[i], "-") == 0)
				snprintf(cell, sizeof(cell), "-");
			else
				run_cell(pr, i, cell, sizeof(cell));
			if (i > 0)
				strcat(line, " ");
			strcat(line, cell);
		}
		check_str(line, pr->want, "%s", pr->name);
		if (pr->note != NULL)
			out("  note: %s\n", pr->note);
	}
}

/* ---------------------------------------------------------------- implicit pointers */

static void nop_handler(int sig)
{
	(void)sig;
}

/* Signal delivery onto an alternate stack that is not memory. */
static int altstack_wild(void *arg)
{
	stack_t ss = {.ss_sp = arg, .ss_size = 65536};
	if (sigaltstack(&ss, NULL) != 0)
		return 10 + errno;
	struct sigaction sa = {.sa_handler = nop_handler, .sa_flags = SA_ONSTACK};
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	return 0;
}

/* Signal delivery with the stack pointer itself wild. */
static int stack_pointer_wild(void *arg)
{
	signal(SIGUSR1, nop_handler);
	long pid = getpid(), tid = gettid();
	__asm__ volatile("mov %%rsp, %%r12\n"
			 "mov %[bad], %%rsp\n"
			 "mov %[nr], %%eax\n"
			 "syscall\n"
			 "mov %%r12, %%rsp\n"
			 :
			 : [bad] "r"(arg), [nr] "i"(SYS_tgkill), "D"(pid), "S"(tid), "d"(SIGUSR1)
			 : "rax", "rcx", "r11", "r12", "memory");
	return 0;
}

/* A second thread whose clear_child_tid is wild exits; the process lives on. */
static int thread_fn(void *arg)
{
	(void)arg;
	return 0;
}

static int cleartid_wild(void *arg)
{
	static char stack[16384] __attribute__((aligned(16)));
	int flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
		    CLONE_CHILD_CLEARTID;
	int tid = clone(thread_fn, stack + sizeof(stack), flags, NULL, NULL, NULL, arg);
	if (tid < 0)
		return 2;
	/* The thread is gone once tgkill says so. */
	for (int i = 0; i < 5000; i++) {
		if (syscall(SYS_tgkill, getpid(), tid, 0) != 0)
			return 0;
		sleep_ms(1);
	}
	return 3;
}

/* Exit with a wild robust list head (and a wild list entry). */
static int robust_wild(void *arg)
{
	raw_syscall(SYS_set_robust_list, (long)arg, 24, 0, 0, 0, 0);
	return 0;
}

static int robust_entry_wild(void *arg)
{
	static struct {
		void *next;
		long offset;
		void *pending;
	} head;
	head.next = arg; /* first entry points into nowhere */
	head.offset = 0;
	head.pending = arg;
	raw_syscall(SYS_set_robust_list, (long)&head, 24, 0, 0, 0, 0);
	return 0;
}

static void test_implicit(void)
{
	section("pointers the kernel writes on its own");
	for (int i = 0; i < NPTR; i++) {
		if (i == 0)
			continue; /* a NULL ss_sp is simply a stack at 0 */
		check_wait(spawn(altstack_wild, ptrs[i]), "killed by SIGSEGV", "signal onto an alternate stack at %s",
			   ptr_names[i]);
	}
	for (int i = 0; i < NPTR; i++)
		check_wait(spawn(stack_pointer_wild, ptrs[i]), "killed by SIGSEGV", "signal with RSP = %s", ptr_names[i]);
	for (int i = 0; i < NPTR; i++)
		check_wait(spawn(cleartid_wild, ptrs[i]), "exited 0", "thread exit with clear_child_tid = %s",
			   ptr_names[i]);
	for (int i = 0; i < NPTR; i++)
		check_wait(spawn(robust_wild, ptrs[i]), "exited 0", "exit with robust list head = %s", ptr_names[i]);
	for (int i = 0; i < NPTR; i++)
		check_wait(spawn(robust_entry_wild, ptrs[i]), "exited 0", "exit with a robust list entry = %s",
			   ptr_names[i]);
}

int main(int argc, char **argv)
{
	/* An execve probe that succeeded lands here. */
	if (argc < 1 || argv[0] == NULL || argv[0][0] == '\0' || (argc > 1 && strcmp(argv[1], "--exec-probe") == 0))
		return 77;
	self = argv[0];

	char *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(gone, 4096);
	ptrs[0] = NULL;
	ptrs[1] = gone;
	ptrs[2] = WILD_KERNEL_DIRECT;
	ptrs[3] = WILD_KERNEL_TEXT;
	ptrs[4] = WILD_NONCANONICAL;
	ptrs[5] = (void *)rodata_page;

	int p[2];
	pipe(p);
	pipe_rd = p[0];
	pipe_wr = p[1];
	write(pipe_wr, "0123456789abcdef", 16);
	pipe(p);
	empty_rd = p[0];
	empty_wr = p[1];
	zero_fd = open("/dev/zero", O_RDONLY);
	null_fd = open("/dev/null", O_WRONLY);
	file_fd = open("data/lines.txt", O_RDONLY);
	dir_fd = open("data/dir", O_RDONLY | O_DIRECTORY);
	event_fd = eventfd(1, EFD_NONBLOCK);
	ep_ready = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	epoll_ctl(ep_ready, EPOLL_CTL_ADD, pipe_rd, &ev);
	ep_idle = epoll_create1(0);
	epoll_ctl(ep_idle, EPOLL_CTL_ADD, empty_rd, &ev);

	close(open("wild.tmp", O_WRONLY | O_CREAT | O_TRUNC, 0644));
	test_table();
	unlink("wild.tmp");
	unlink("wild.none");
	test_implicit();
	return check_done();
}
