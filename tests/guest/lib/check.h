/*
 * check.h - the small library every guest test links (lib/check.c).
 *
 * A guest test runs natively on the host Linux and inside Tern, and a system
 * test asserts that both runs print the same bytes. So:
 *   - Output goes straight to fd 1 with one write(2) per call: nothing is
 *     buffered, so nothing is duplicated or reordered across fork().
 *   - Everything printed is a deterministic fact: a relation ("yes"/"no"), a
 *     symbolic errno or signal name, or a value the test itself chose. Never a
 *     pid, an address, a time or a count that depends on the machine.
 *   - A failed check prints the same line with the value actually seen (plus
 *     "[FAIL: ...]"), so a diff of two runs points at the difference, and the
 *     test goes on; check_done() gives the exit status (0 = every check held).
 *
 * Printing rule for tests: only one process or thread prints at a time (a
 * parent prints only while its child is stopped or after waiting for it;
 * threads hand results to the main thread, which prints after joining), and
 * signal handlers never print.
 */
#ifndef GUEST_CHECK_H
#define GUEST_CHECK_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- constants musl 1.2.3's headers lack (values from the Linux UAPI) ---- */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#define FUTEX_OWNER_DIED 0x40000000u
#define FUTEX_WAITERS 0x80000000u
#define FUTEX_TID_MASK 0x3fffffffu

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

/* Addresses no user process may touch: the start of Linux's direct map, the
 * kernel image, and the first non-canonical address above user space. */
#define WILD_KERNEL_DIRECT ((void *)0xffff888000000000ul)
#define WILD_KERNEL_TEXT ((void *)0xffffffff80100000ul)
#define WILD_NONCANONICAL ((void *)0x0000800000000000ul)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Memory accesses the compiler can neither drop nor reorder: for touching
 * addresses that are meant to fault (a plain NULL store may be deleted). */
static inline void poke(volatile void *addr, unsigned char value)
{
	__asm__ volatile("movb %1, (%0)" : : "r"(addr), "q"(value) : "memory");
}
static inline unsigned char peek(const volatile void *addr)
{
	unsigned char value;
	__asm__ volatile("movb (%1), %0" : "=q"(value) : "r"(addr) : "memory");
	return value;
}

/* A system call with no libc involvement: returns -errno on failure and never
 * touches errno or TLS, so it is safe in raw clone children and handlers. */
static inline long raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5, long a6)
{
	long ret;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = a6;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* ---- output ---- */

/* Prints formatted text exactly as given (no newline added), in one write. */
void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a section header "== name". */
void section(const char *name);

/* ---- checks: each prints one line and counts a failure when it does not hold ---- */

/* "<desc>: yes" when got == want, else the value seen and a FAIL mark. */
bool check_bool(bool got, bool want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* check_bool(cond, true, ...): the relation must hold. */
bool check(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "<desc> = <got>"; a FAIL mark with the wanted value on mismatch. */
bool check_long(long got, long want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "<desc> = 0x<got>" (hex), same rule. */
bool check_hex(unsigned long got, unsigned long want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "<desc> = \"<got>\"", same rule (NULL prints as (null)). */
bool check_str(const char *got, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Result of a call that returns -1 and sets errno on failure.
 * want_errno == 0: the call must succeed ("<desc>: ok").
 * want_errno != 0: it must fail with that errno ("<desc>: errno=EFAULT").
 * Use the CHECK_ERR macro so errno is read right after the call.
 */
bool check_errno_(long ret, int err, int want_errno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define CHECK_ERR(call, want_errno, ...)                                   \
	({                                                                 \
		errno = 0;                                                 \
		long check_ret_ = (long)(call);                            \
		int check_err_ = errno;                                    \
		check_errno_(check_ret_, check_err_, (want_errno), __VA_ARGS__); \
	})
#define CHECK_OK(call, ...) CHECK_ERR(call, 0, __VA_ARGS__)

/* Records a failure with a message (for conditions with no natural line). */
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Number of failed checks so far in this process. */
int check_failures(void);
/* Prints "result: PASS" or "result: FAIL (n)" and returns the exit status. */
int check_done(void);

/* ---- names ---- */
const char *errno_name(int err);   /* "EFAULT"; "E?123" for an unknown value */
const char *signal_name(int sig);  /* "SIGSEGV", "SIGRTMIN+3"; "SIG?99" */
/* si_code for a given signal: "SEGV_MAPERR", "SI_USER", "CLD_EXITED", ... */
const char *si_code_name(int sig, int code);
/* A wait status as text: "exited 3", "killed by SIGTERM", "killed by SIGSEGV
 * (core)", "stopped by SIGSTOP", "continued". Returns buf. */
const char *wait_status_str(int status, char *buf, size_t size);

/* ---- helpers ---- */

/* Forks; the child runs fn(arg) and _exits with its return value. Returns the
 * child's pid (or -1). The caller waits. */
pid_t spawn(int (*fn)(void *), void *arg);
/* spawn() + waitpid(): returns the wait status (or -1 when fork failed). */
int run_child(int (*fn)(void *), void *arg);
/* Waits for pid and checks that it ended as `want` describes (wait_status_str
 * form): "<desc>: exited 0". Returns true when it matched. */
bool check_wait(pid_t pid, const char *want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Runs fn(arg) with SIGSEGV, SIGBUS, SIGILL and SIGFPE caught (handlers are
 * put back afterwards). Returns 0 when fn returned, else the signal number,
 * with *info filled in (info may be NULL).
 */
int catch_fault(void (*fn)(void *), void *arg, siginfo_t *info);
/* catch_fault() and check: prints "<desc>: SIGSEGV SEGV_ACCERR addr=expected"
 * (or what happened instead: "no fault", another code, "addr=other"). Use
 * want_sig 0 for "must not fault". */
bool check_fault(void (*fn)(void *), void *arg, int want_sig, int want_code, const void *want_addr,
		 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Probes for check_fault: arg is the address. */
void probe_read(void *addr);
void probe_write(void *addr);
void probe_exec(void *addr);

/*
 * Runs a program in a forked child: prepare(arg) first when prepare is not
 * NULL, then execve(path, argv, envp), or execveat(dirfd, path, argv, envp,
 * flags) when dirfd is not AT_FDCWD or flags is not 0 (raw system calls).
 * Describes the result in buf: "errno=ENOEXEC" when the exec failed
 * (reported through a close-on-exec pipe), else the child's wait status
 * ("exited 42"). Returns buf.
 */
const char *exec_result(int dirfd, const char *path, char *const argv[], char *const envp[], int flags,
			void (*prepare)(const void *), const void *arg, char *buf, size_t size);

/* Names for the bits of a flag word (poll events, epoll events...). */
struct bit_name {
	unsigned long bit;
	const char *name;
};
/* The set bits of value as "NAME|NAME" in table order, any others as a
 * trailing "|0x..", and "0" when none is set. Returns buf. */
const char *bits_str(unsigned long value, const struct bit_name *names, size_t count, char *buf, size_t size);

/* Monotonic time in nanoseconds. */
int64_t now_ns(void);
/* Sleeps this many milliseconds (nanosleep, restarted after signals). */
void sleep_ms(long ms);
/* Reads/writes exactly n bytes (retrying short transfers and EINTR); returns
 * n, or the short count at EOF, or -1 on error. */
ssize_t read_full(int fd, void *buf, size_t n);
ssize_t write_full(int fd, const void *buf, size_t n);
/* True when running inside Tern (uname release contains "tern"). */
bool running_on_tern(void);

#endif
