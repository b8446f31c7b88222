/*
 * check.c - output, checks and name tables shared by the guest tests.
 * Contract in check.h. The failure counter is the only mutable state; it is
 * per process (a forked child counts its own) and must only be touched by the
 * thread that prints.
 */
#include "check.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

/* Formats into a line buffer; the text is cut (with "...") if too long. */
static size_t vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, size, fmt, ap);
	if (n < 0)
		return 0;
	if ((size_t)n >= size) {
		memcpy(buf + size - 4, "...", 4);
		return size - 1;
	}
	return (size_t)n;
}

static void emit(const char *buf, size_t len)
{
	write_full(1, buf, len);
}

void out(const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	size_t len = vformat(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	emit(buf, len);
}

void section(const char *name)
{
	out("== %s\n", name);
}

/* Prints "<desc><middle>" plus, when !ok, "<failnote>", then a newline. */
static bool report(bool ok, const char *middle, const char *failnote, const char *fmt, va_list ap)
{
	char line[2048];
	size_t len = vformat(line, 1024, fmt, ap);
	int n;
	if (ok)
		n = snprintf(line + len, sizeof(line) - len, "%s\n", middle);
	else
		n = snprintf(line + len, sizeof(line) - len, "%s [FAIL: %s]\n", middle, failnote);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len ? (size_t)n : sizeof(line) - len - 1;
	emit(line, len);
	if (!ok)
		failures++;
	return ok;
}

bool check_bool(bool got, bool want, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool ok = report(got == want, got ? ": yes" : ": no", want ? "want yes" : "want no", fmt, ap);
	va_end(ap);
	return ok;
}

bool check(bool cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool ok = report(cond, cond ? ": yes" : ": no", "want yes", fmt, ap);
	va_end(ap);
	return ok;
}

bool check_long(long got, long want, const char *fmt, ...)
{
	char middle[64], note[64];
	snprintf(middle, sizeof(middle), " = %ld", got);
	snprintf(note, sizeof(note), "want %ld", want);
	va_list ap;
	va_start(ap, fmt);
	bool ok = report(got == want, middle, note, fmt, ap);
	va_end(ap);
	return ok;
}

bool check_hex(unsigned long got, unsigned long want, const char *fmt, ...)
{
	char middle[64], note[64];
	snprintf(middle, sizeof(middle), " = 0x%lx", got);
	snprintf(note, sizeof(note), "want 0x%lx", want);
	va_list ap;
	va_start(ap, fmt);
	bool ok = report(got == want, middle, note, fmt, ap);
	va_end(ap);
	return ok;
}

bool check_str(const char *got, const char *want, const char *fmt, ...)
{
	char middle[600], note[600];
	bool same = (got == NULL && want == NULL) ||
		    (got != NULL && want != NULL && strcmp(got, want) == 0);
	snprintf(middle, sizeof(middle), " = \"%s\"", got ? got : "(null)");
	snprintf(note, sizeof(note), "want \"%s\"", want ? want : "(null)");
	va_list ap;
	va_start(ap, fmt);
	bool ok = report(same, middle, note, fmt, ap);
	va_end(ap);
	return ok;
}

bool check_errno_(long ret, int err, int want_errno, const char *fmt, ...)
{
	char middle[64], note[64];
	bool ok;
	if (ret == -1)
		snprintf(middle, sizeof(middle), ": errno=%s", errno_name(err));
	else
		snprintf(middle, sizeof(middle), ": ok");
	if (want_errno == 0) {
		ok = ret != -1;
		snprintf(note, sizeof(note), "want success");
	} else {
		ok = ret == -1 && err == want_errno;
		snprintf(note, sizeof(note), "want errno=%s", errno_name(want_errno));
	}
	va_list ap;
	va_start(ap, fmt);
	ok = report(ok, middle, note, fmt, ap);
	va_end(ap);
	return ok;
}

void fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	report(false, "", "failed", fmt, ap);
	va_end(ap);
}

int check_failures(void)
{
	return failures;
}

int check_done(void)
{
	if (failures == 0) {
		out("result: PASS\n");
		return 0;
	}
	out("result: FAIL (%d)\n", failures);
	return 1;
}

/* ---------------------------------------------------------------- names */

const char *errno_name(int err)
{
	static char unknown[16];
	switch (err) {
	case 0:
		return "0";
#define N(e)   \
	case e: \
		return #e;
		N(EPERM) N(ENOENT) N(ESRCH) N(EINTR) N(EIO) N(ENXIO) N(E2BIG) N(ENOEXEC) N(EBADF)
		N(ECHILD) N(EAGAIN) N(ENOMEM) N(EACCES) N(EFAULT) N(ENOTBLK) N(EBUSY) N(EEXIST)
		N(EXDEV) N(ENODEV) N(ENOTDIR) N(EISDIR) N(EINVAL) N(ENFILE) N(EMFILE) N(ENOTTY)
		N(ETXTBSY) N(EFBIG) N(ENOSPC) N(ESPIPE) N(EROFS) N(EMLINK) N(EPIPE) N(EDOM)
		N(ERANGE) N(EDEADLK) N(ENAMETOOLONG) N(ENOLCK) N(ENOSYS) N(ENOTEMPTY) N(ELOOP)
		N(ENOMSG) N(EIDRM) N(ECHRNG) N(EL2NSYNC) N(EL3HLT) N(EL3RST) N(ELNRNG) N(EUNATCH)
		N(ENOCSI) N(EL2HLT) N(EBADE) N(EBADR) N(EXFULL) N(ENOANO) N(EBADRQC) N(EBADSLT)
		N(EBFONT) N(ENOSTR) N(ENODATA) N(ETIME) N(ENOSR) N(ENONET) N(ENOPKG) N(EREMOTE)
		N(ENOLINK) N(EADV) N(ESRMNT) N(ECOMM) N(EPROTO) N(EMULTIHOP) N(EDOTDOT)
		N(EBADMSG) N(EOVERFLOW) N(ENOTUNIQ) N(EBADFD) N(EREMCHG) N(ELIBACC) N(ELIBBAD)
		N(ELIBSCN) N(ELIBMAX) N(ELIBEXEC) N(EILSEQ) N(ERESTART) N(ESTRPIPE) N(EUSERS)
		N(ENOTSOCK) N(EDESTADDRREQ) N(EMSGSIZE) N(EPROTOTYPE) N(ENOPROTOOPT)
		N(EPROTONOSUPPORT) N(ESOCKTNOSUPPORT) N(EOPNOTSUPP) N(EPFNOSUPPORT)
		N(EAFNOSUPPORT) N(EADDRINUSE) N(EADDRNOTAVAIL) N(ENETDOWN) N(ENETUNREACH)
		N(ENETRESET) N(ECONNABORTED) N(ECONNRESET) N(ENOBUFS) N(EISCONN) N(ENOTCONN)
		N(ESHUTDOWN) N(ETOOMANYREFS) N(ETIMEDOUT) N(ECONNREFUSED) N(EHOSTDOWN)
		N(EHOSTUNREACH) N(EALREADY) N(EINPROGRESS) N(ESTALE) N(EUCLEAN) N(ENOTNAM)
		N(ENAVAIL) N(EISNAM) N(EREMOTEIO) N(EDQUOT) N(ENOMEDIUM) N(EMEDIUMTYPE)
		N(ECANCELED) N(ENOKEY) N(EKEYEXPIRED) N(EKEYREVOKED) N(EKEYREJECTED)
		N(EOWNERDEAD) N(ENOTRECOVERABLE) N(ERFKILL) N(EHWPOISON)
#undef N
	}
	snprintf(unknown, sizeof(unknown), "E?%d", err);
	return unknown;
}

const char *signal_name(int sig)
{
	static char other[24];
	switch (sig) {
#define N(s)   \
	case s: \
		return #s;
		N(SIGHUP) N(SIGINT) N(SIGQUIT) N(SIGILL) N(SIGTRAP) N(SIGABRT) N(SIGBUS) N(SIGFPE)
		N(SIGKILL) N(SIGUSR1) N(SIGSEGV) N(SIGUSR2) N(SIGPIPE) N(SIGALRM) N(SIGTERM)
		N(SIGSTKFLT) N(SIGCHLD) N(SIGCONT) N(SIGSTOP) N(SIGTSTP) N(SIGTTIN) N(SIGTTOU)
		N(SIGURG) N(SIGXCPU) N(SIGXFSZ) N(SIGVTALRM) N(SIGPROF) N(SIGWINCH) N(SIGIO)
		N(SIGPWR) N(SIGSYS)
#undef N
	}
	/* Kernel numbering: real-time signals are 32..64 (musl reserves 32-34). */
	if (sig >= 32 && sig <= 64)
		snprintf(other, sizeof(other), "SIGRT%d", sig - 32);
	else
		snprintf(other, sizeof(other), "SIG?%d", sig);
	return other;
}

const char *si_code_name(int sig, int code)
{
	static char other[32];
	switch (code) {
	case SI_USER:
		return "SI_USER";
	case SI_KERNEL:
		return "SI_KERNEL";
	case SI_QUEUE:
		return "SI_QUEUE";
	case SI_TIMER:
		return "SI_TIMER";
	case SI_MESGQ:
		return "SI_MESGQ";
	case SI_ASYNCIO:
		return "SI_ASYNCIO";
	case SI_SIGIO:
		return "SI_SIGIO";
	case SI_TKILL:
		return "SI_TKILL";
	}
	static const char *const segv[] = {"SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"};
	static const char *const bus[] = {"BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR",
					  "BUS_MCEERR_AO"};
	static const char *const ill[] = {"ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP",
					  "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK"};
	static const char *const fpe[] = {"FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF",
					  "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB"};
	static const char *const cld[] = {"CLD_EXITED", "CLD_KILLED", "CLD_DUMPED",
					  "CLD_TRAPPED", "CLD_STOPPED", "CLD_CONTINUED"};
	static const char *const trap[] = {"TRAP_BRKPT", "TRAP_TRACE"};
#define PICK(table)                                               \
	do {                                                      \
		if (code >= 1 && code <= (int)ARRAY_SIZE(table)) \
			return table[code - 1];                   \
	} while (0)
	switch (sig) {
	case SIGSEGV:
		PICK(segv);
		break;
	case SIGBUS:
		PICK(bus);
		break;
	case SIGILL:
		PICK(ill);
		break;
	case SIGFPE:
		PICK(fpe);
		break;
	case SIGCHLD:
		PICK(cld);
		break;
	case SIGTRAP:
		PICK(trap);
		break;
	}
#undef PICK
	snprintf(other, sizeof(other), "code?%d", code);
	return other;
}

const char *wait_status_str(int status, char *buf, size_t size)
{
	if (WIFEXITED(status))
		snprintf(buf, size, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, size, "killed by %s%s", signal_name(WTERMSIG(status)),
			 WCOREDUMP(status) ? " (core)" : "");
	else if (WIFSTOPPED(status))
		snprintf(buf, size, "stopped by %s", signal_name(WSTOPSIG(status)));
	else if (WIFCONTINUED(status))
		snprintf(buf, size, "continued");
	else
		snprintf(buf, size, "status 0x%x", status);
	return buf;
}

/* ---------------------------------------------------------------- helpers */

pid_t spawn(int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

int run_child(int (*fn)(void *), void *arg)
{
	pid_t pid = spawn(fn, arg);
	if (pid < 0)
		return -1;
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

bool check_wait(pid_t pid, const char *want, const char *fmt, ...)
{
	char got[64] = "wait failed";
	int status;
	pid_t r;
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r == pid)
		wait_status_str(status, got, sizeof(got));
	else if (r < 0)
		snprintf(got, sizeof(got), "wait errno=%s", errno_name(errno));
	char middle[80], note[80];
	snprintf(middle, sizeof(middle), ": %s", got);
	snprintf(note, sizeof(note), "want %s", want);
	va_list ap;
	va_start(ap, fmt);
	bool ok = report(strcmp(got, want) == 0, middle, note, fmt, ap);
	va_end(ap);
	return ok;
}

static sigjmp_buf fault_jump;
static siginfo_t fault_info;

static void on_fault(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)ctx;
	fault_info = *info;
	siglongjmp(fault_jump, 1);
}

int catch_fault(void (*fn)(void *), void *arg, siginfo_t *info)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
	struct sigaction sa, old[4];
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &sa, &old[i]);
	int sig = 0;
	memset(&fault_info, 0, sizeof(fault_info));
	if (sigsetjmp(fault_jump, 1) == 0)
		fn(arg);
	else
		sig = fault_info.si_signo;
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
	if (info != NULL)
		*info = fault_info;
	return sig;
}

bool check_fault(void (*fn)(void *), void *arg, int want_sig, int want_code, const void *want_addr,
		 const char *fmt, ...)
{
	siginfo_t si;
	int sig = catch_fault(fn, arg, &si);
	char middle[128], note[128];
	if (sig == 0)
		snprintf(middle, sizeof(middle), ": no fault");
	else
		snprintf(middle, sizeof(middle), ": %s %s addr=%s", signal_name(sig),
			 si_code_name(sig, si.si_code), si.si_addr == want_addr ? "expected" : "other");
	if (want_sig == 0)
		snprintf(note, sizeof(note), "want no fault");
	else
		snprintf(note, sizeof(note), "want %s %s addr=expected", signal_name(want_sig),
			 si_code_name(want_sig, want_code));
	bool ok = want_sig == 0 ? sig == 0
				: sig == want_sig && si.si_code == want_code && si.si_addr == want_addr;
	va_list ap;
	va_start(ap, fmt);
	ok = report(ok, middle, note, fmt, ap);
	va_end(ap);
	return ok;
}

void probe_read(void *addr)
{
	peek(addr);
}

void probe_write(void *addr)
{
	poke(addr, 0x5a);
}

void probe_exec(void *addr)
{
	((void (*)(void))addr)();
}

const char *exec_result(int dirfd, const char *path, char *const argv[], char *const envp[], int flags,
			void (*prepare)(const void *), const void *arg, char *buf, size_t size)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(buf, size, "pipe2 failed");
		return buf;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		if (prepare != NULL)
			prepare(arg);
		if (dirfd == AT_FDCWD && flags == 0)
			syscall(SYS_execve, path, argv, envp);
		else
			syscall(SYS_execveat, dirfd, path, argv, envp, flags);
		int err = errno;
		write_full(p[1], &err, sizeof(err));
		_exit(127);
	}
	close(p[1]);
	int err = 0;
	ssize_t n = pid > 0 ? read_full(p[0], &err, sizeof(err)) : -1;
	close(p[0]);
	int status = 0;
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (pid < 0)
		snprintf(buf, size, "fork failed");
	else if (n == (ssize_t)sizeof(err))
		snprintf(buf, size, "errno=%s", errno_name(err));
	else
		wait_status_str(status, buf, size);
	return buf;
}

const char *bits_str(unsigned long value, const struct bit_name *names, size_t count, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < count; i++) {
		if ((value & names[i].bit) == 0)
			continue;
		int n = snprintf(buf + len, size - len, "%s%s", len ? "|" : "", names[i].name);
		if (n > 0 && (size_t)n < size - len)
			len += (size_t)n;
		value &= ~names[i].bit;
	}
	if (value != 0) {
		int n = snprintf(buf + len, size - len, "%s0x%lx", len ? "|" : "", value);
		if (n > 0 && (size_t)n < size - len)
			len += (size_t)n;
	}
	if (len == 0)
		snprintf(buf, size, "0");
	return buf;
}

int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

ssize_t read_full(int fd, void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = read(fd, (char *)buf + done, n - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

ssize_t write_full(int fd, const void *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = write(fd, (const char *)buf + done, n - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)r;
	}
	return (ssize_t)done;
}

bool running_on_tern(void)
{
	struct utsname u;
	if (uname(&u) != 0)
		return false;
	return strstr(u.release, "tern") != NULL;
}
