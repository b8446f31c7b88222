/*
 * signal2 - signals from faults and the signal frame: SIGSEGV/SIGILL/SIGFPE
 * from real instructions with si_code, si_addr and the trap number / error
 * code / CR2 in the ucontext; a handler that edits the ucontext (skips the
 * faulting instruction, sets a register, changes the mask restored by
 * sigreturn); FPU/SSE registers and MXCSR preserved across a handler;
 * sigaltstack (handler on it, SS_ONSTACK, errors); SIGSTOP/SIGTSTP/SIGCONT;
 * which blocking calls SA_RESTART restarts and which return EINTR; SIGALRM
 * from setitimer interrupting a pipe read.
 */
#include "check.h"

#include <fcntl.h>
#include <fenv.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

/* ---------------------------------------------------------------- fault sites */

/* Each fault site is an asm block with global labels for the faulting
 * instruction and the one after it. The handler checks RIP and resumes at
 * the "after" label, optionally setting a register. */
extern const char ud2_at[], ud2_after[], div_at[], div_after[], load_at[], load_after[], store_at[],
	store_after[];

__attribute__((noipa)) static long do_ud2(void)
{
	long rbx = 1;
	__asm__ volatile(".globl ud2_at, ud2_after\n"
			 "ud2_at: ud2\n"
			 "ud2_after:\n"
			 : "+b"(rbx)
			 :
			 : "memory");
	return rbx;
}

__attribute__((noipa)) static long do_div(long a, long b)
{
	long q;
	__asm__ volatile(".globl div_at, div_after\n"
			 "cqo\n"
			 "div_at: idivq %2\n"
			 "div_after:\n"
			 : "=a"(q)
			 : "a"(a), "r"(b)
			 : "rdx", "memory");
	return q;
}

__attribute__((noipa)) static long do_load(const void *addr)
{
	long v = 7;
	__asm__ volatile(".globl load_at, load_after\n"
			 "load_at: movq (%1), %0\n"
			 "load_after:\n"
			 : "+r"(v)
			 : "r"(addr)
			 : "memory");
	return v;
}

__attribute__((noipa)) static void do_store(void *addr)
{
	__asm__ volatile(".globl store_at, store_after\n"
			 "store_at: movl $1, (%0)\n"
			 "store_after:\n"
			 :
			 : "r"(addr)
			 : "memory");
}

/* What the handler saw, and how to resume. */
static volatile struct {
	int sig, code;
	void *addr;
	unsigned long rip, trapno, err, cr2;
	const char *resume;  /* RIP to continue at */
	int set_reg;         /* REG_* to overwrite, or -1 */
	long reg_value;
} fault;

static void on_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	fault.sig = sig;
	fault.code = si->si_code;
	fault.addr = si->si_addr;
	fault.rip = (unsigned long)uc->uc_mcontext.gregs[REG_RIP];
	fault.trapno = (unsigned long)uc->uc_mcontext.gregs[REG_TRAPNO];
	fault.err = (unsigned long)uc->uc_mcontext.gregs[REG_ERR];
	fault.cr2 = (unsigned long)uc->uc_mcontext.gregs[REG_CR2];
	uc->uc_mcontext.gregs[REG_RIP] = (greg_t)fault.resume;
	if (fault.set_reg >= 0)
		uc->uc_mcontext.gregs[fault.set_reg] = (greg_t)fault.reg_value;
}

static void arm(const char *resume, int set_reg, long value)
{
	memset((void *)&fault, 0, sizeof(fault));
	fault.resume = resume;
	fault.set_reg = set_reg;
	fault.reg_value = value;
}

static void test_faults(void)
{
	section("faults and the ucontext");
	struct sigaction sa = {.sa_sigaction = on_fault, .sa_flags = SA_SIGINFO};
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);

	arm(ud2_after, REG_RBX, 99);
	long r = do_ud2();
	check_str(signal_name(fault.sig), "SIGILL", "ud2");
	check_str(si_code_name(SIGILL, fault.code), "ILL_ILLOPN", "si_code");
	check(fault.addr == ud2_at, "si_addr is the ud2 instruction");
	check(fault.rip == (unsigned long)ud2_at, "RIP in the ucontext is the ud2");
	check_long((long)fault.trapno, 6, "trap number (#UD)");
	check_long(r, 99, "resumed after it with RBX set by the handler");

	arm(div_after, REG_RAX, -5);
	r = do_div(10, 0);
	check_str(signal_name(fault.sig), "SIGFPE", "integer divide by zero");
	check_str(si_code_name(SIGFPE, fault.code), "FPE_INTDIV", "si_code");
	check(fault.addr == div_at, "si_addr is the idiv instruction");
	check_long((long)fault.trapno, 0, "trap number (#DE)");
	check_long(r, -5, "resumed with RAX set by the handler");
	arm(div_after, -1, 0);
	do_div(-0x7fffffffffffffffL - 1, -1);
	check_str(si_code_name(SIGFPE, fault.code), "FPE_INTDIV", "LONG_MIN / -1 (also #DE)");

	arm(load_after, -1, 0);
	r = do_load(NULL);
	check_str(signal_name(fault.sig), "SIGSEGV", "load from NULL");
	check_str(si_code_name(SIGSEGV, fault.code), "SEGV_MAPERR", "si_code");
	check(fault.addr == NULL, "si_addr = 0");
	check(fault.rip == (unsigned long)load_at, "RIP is the load");
	check_long((long)fault.trapno, 14, "trap number (#PF)");
	check_hex(fault.err, 0x4, "page fault error code (user read, not present)");
	check_hex(fault.cr2, 0, "CR2");
	check_long(r, 7, "resumed; the destination register untouched");

	arm(store_after, -1, 0);
	do_store((char *)NULL + 0x123);
	check_str(si_code_name(SIGSEGV, fault.code), "SEGV_MAPERR", "store to 0x123");
	check(fault.addr == (char *)NULL + 0x123, "si_addr = 0x123");
	check_hex(fault.err, 0x6, "error code (user write, not present)");

	static const char rodata_word[8] = "rodata";
	arm(store_after, -1, 0);
	do_store((void *)rodata_word);
	check_str(si_code_name(SIGSEGV, fault.code), "SEGV_ACCERR", "store to .rodata");
	check(fault.addr == rodata_word, "si_addr is the word");
	check_hex(fault.err, 0x7, "error code (user write, present)");
	check(fault.cr2 == (unsigned long)rodata_word, "CR2 is the word");

	arm(load_after, -1, 0);
	do_load(WILD_KERNEL_TEXT);
	check_str(si_code_name(SIGSEGV, fault.code), "SEGV_MAPERR", "load from a kernel address");
	check(fault.addr == WILD_KERNEL_TEXT, "si_addr is that address");
	arm(load_after, -1, 0);
	do_load(WILD_NONCANONICAL);
	/* A non-canonical address raises #GP, not #PF: Linux reports SI_KERNEL
	 * with si_addr 0. */
	check_str(signal_name(fault.sig), "SIGSEGV", "load from a non-canonical address");
	check_str(si_code_name(SIGSEGV, fault.code), "SI_KERNEL", "si_code");
	check(fault.addr == NULL, "si_addr = 0");
	check_long((long)fault.trapno, 13, "trap number (#GP)");

	signal(SIGSEGV, SIG_DFL);
	signal(SIGILL, SIG_DFL);
	signal(SIGFPE, SIG_DFL);

	/* Unhandled. */
	pid_t pid = fork();
	if (pid == 0) {
		do_ud2();
		_exit(0);
	}
	check_wait(pid, "killed by SIGILL", "unhandled ud2");
	pid = fork();
	if (pid == 0) {
		do_div(1, 0);
		_exit(0);
	}
	check_wait(pid, "killed by SIGFPE", "unhandled divide by zero");
	/* A blocked or ignored fault signal cannot stop the fault: the kernel
	 * forces the default action. */
	pid = fork();
	if (pid == 0) {
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		do_load(NULL);
		_exit(0);
	}
	check_wait(pid, "killed by SIGSEGV", "fault with SIGSEGV blocked");
	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_IGN);
		do_load(NULL);
		_exit(0);
	}
	check_wait(pid, "killed by SIGSEGV", "fault with SIGSEGV ignored");
}

/* ---------------------------------------------------------------- mask in the frame */

static void add_usr2_to_frame_mask(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	ucontext_t *uc = ctx;
	sigaddset(&uc->uc_sigmask, SIGUSR2);
}

static void test_frame_mask(void)
{
	section("signal mask restored from the frame");
	struct sigaction sa = {.sa_sigaction = add_usr2_to_frame_mask, .sa_flags = SA_SIGINFO};
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	sigset_t now;
	sigprocmask(SIG_BLOCK, NULL, &now);
	check(sigismember(&now, SIGUSR2), "SIGUSR2 blocked after the handler added it to uc_sigmask");
	check_bool(sigismember(&now, SIGUSR1), false, "SIGUSR1 not blocked");
	sigprocmask(SIG_UNBLOCK, &now, NULL);
	signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------- FPU across a handler */

static volatile int handler_round;

static void clobber_fpu(int sig)
{
	(void)sig;
	handler_round = fegetround();
	fesetround(FE_DOWNWARD);
	__asm__ volatile("xorps %%xmm0, %%xmm0\n"
			 "xorps %%xmm1, %%xmm1\n"
			 "xorps %%xmm7, %%xmm7\n"
			 "xorps %%xmm8, %%xmm8\n"
			 "xorps %%xmm15, %%xmm15\n"
			 "fldpi\n"
			 "fldpi\n"
			 "fstp %%st(0)\n"
			 "fstp %%st(0)\n"
			 :
			 :
			 : "xmm0", "xmm1", "xmm7", "xmm8", "xmm15");
	volatile double x = 3.0;
	x = x / 7.0;
	(void)x;
}

static void test_fpu_frame(void)
{
	section("FPU state across a handler");
	signal(SIGUSR1, clobber_fpu);
	double in[4] = {1.25, -2.5, 3.75, 1e300}, got[4] = {0};
	long pid = getpid(), tid = gettid();
	fesetround(FE_UPWARD);
	/* Load xmm0/1/7/15, send ourselves a signal (handled on the way back to
	 * user mode, inside this asm), then read the registers back. */
	__asm__ volatile("movsd 0(%[in]), %%xmm0\n"
			 "movsd 8(%[in]), %%xmm1\n"
			 "movsd 16(%[in]), %%xmm7\n"
			 "movsd 24(%[in]), %%xmm15\n"
			 "mov %[nr], %%eax\n"
			 "syscall\n"
			 "movsd %%xmm0, 0(%[out])\n"
			 "movsd %%xmm1, 8(%[out])\n"
			 "movsd %%xmm7, 16(%[out])\n"
			 "movsd %%xmm15, 24(%[out])\n"
			 :
			 : [in] "r"(in), [out] "r"(got), [nr] "i"(SYS_tgkill), "D"(pid), "S"(tid), "d"(SIGUSR1)
			 : "rax", "rcx", "r11", "xmm0", "xmm1", "xmm7", "xmm15", "memory");
	int mode = fegetround();
	fesetround(FE_TONEAREST);
	check(got[0] == in[0] && got[1] == in[1] && got[2] == in[2] && got[3] == in[3],
	      "xmm0, xmm1, xmm7, xmm15 intact after the handler zeroed them");
	check(handler_round == FE_TONEAREST, "the handler starts with the default MXCSR (round to nearest)");
	check(mode == FE_UPWARD, "our FE_UPWARD is back after the handler set FE_DOWNWARD");
	signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------- sigaltstack */

static char alt[65536] __attribute__((aligned(16)));
static volatile int on_alt, ss_flags_inside;
static volatile int depth;

static void altstack_handler(int sig)
{
	(void)sig;
	char marker;
	on_alt = &marker >= alt && &marker < alt + sizeof(alt);
	stack_t cur;
	sigaltstack(NULL, &cur);
	ss_flags_inside = cur.ss_flags;
	if (depth++ == 0) {
		/* While on the alternate stack it cannot be changed. */
		stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt)};
		ss_flags_inside |= sigaltstack(&ss, NULL) == -1 && errno == EPERM ? 0x1000 : 0;
	}
}

static void test_altstack(void)
{
	section("sigaltstack");
	stack_t ss, old;
	CHECK_OK(sigaltstack(NULL, &old), "query");
	check(old.ss_flags == SS_DISABLE, "initially SS_DISABLE");
	ss.ss_sp = alt;
	ss.ss_size = sizeof(alt);
	ss.ss_flags = 0;
	CHECK_OK(sigaltstack(&ss, NULL), "install a 64 KiB alternate stack");
	sigaltstack(NULL, &old);
	check(old.ss_sp == alt && old.ss_size == sizeof(alt) && old.ss_flags == 0, "query returns it");

	struct sigaction sa = {.sa_handler = altstack_handler, .sa_flags = SA_ONSTACK};
	sigaction(SIGUSR1, &sa, NULL);
	depth = 0;
	raise(SIGUSR1);
	check_long(on_alt, 1, "SA_ONSTACK handler runs on the alternate stack");
	check(ss_flags_inside & SS_ONSTACK, "sigaltstack reports SS_ONSTACK inside");
	check(ss_flags_inside & 0x1000, "changing it while on it fails with EPERM");
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	check_long(on_alt, 0, "without SA_ONSTACK the handler runs on the normal stack");

	ss.ss_size = 1024;
	CHECK_ERR(sigaltstack(&ss, NULL), ENOMEM, "a stack smaller than MINSIGSTKSZ");
	ss.ss_size = sizeof(alt);
	ss.ss_flags = 0x1234;
	CHECK_ERR(sigaltstack(&ss, NULL), EINVAL, "unknown flags");
	ss.ss_flags = SS_DISABLE;
	CHECK_OK(sigaltstack(&ss, NULL), "SS_DISABLE");
	sigaltstack(NULL, &old);
	check(old.ss_flags == SS_DISABLE, "disabled");
	sa.sa_flags = SA_ONSTACK;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	check_long(on_alt, 0, "SA_ONSTACK with no alternate stack: normal stack");

	/* The alternate stack is inherited by fork. */
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		raise(SIGUSR1);
		_exit(on_alt ? 0 : 1);
	}
	check_wait(pid, "exited 0", "fork child delivers on the inherited alternate stack");
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, NULL);
	signal(SIGUSR1, SIG_DFL);
}

/* ---------------------------------------------------------------- stop and continue */

static int report_fd = -1;

static void note_signal(int sig)
{
	char c = sig == SIGCONT ? 'C' : 'U';
	write(report_fd, &c, 1);
}

static void test_stop_continue(void)
{
	section("SIGSTOP, SIGTSTP, SIGCONT");
	int p[2];
	pipe2(p, O_NONBLOCK);
	pid_t pid = fork();
	if (pid == 0) {
		report_fd = p[1];
		signal(SIGCONT, note_signal);
		signal(SIGUSR1, note_signal);
		write(p[1], "R", 1);
		for (;;)
			pause();
	}
	char c = 0;
	while (read(p[0], &c, 1) != 1)
		sleep_ms(1);
	int st;
	kill(pid, SIGTSTP);
	check(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP,
	      "SIGTSTP's default action stops the child");
	kill(pid, SIGUSR1);
	sleep_ms(50);
	CHECK_ERR(read(p[0], &c, 1), EAGAIN, "a signal sent while stopped is not handled yet");
	kill(pid, SIGCONT);
	check(waitpid(pid, &st, WCONTINUED) == pid && WIFCONTINUED(st), "continued");
	char got[3] = {0};
	for (int i = 0; i < 2; i++) {
		while (read(p[0], &got[i], 1) != 1)
			sleep_ms(1);
	}
	check((got[0] == 'C' && got[1] == 'U') || (got[0] == 'U' && got[1] == 'C'),
	      "after SIGCONT both the SIGCONT and SIGUSR1 handlers ran");
	kill(pid, SIGSTOP);
	check(waitpid(pid, &st, WUNTRACED) == pid && WSTOPSIG(st) == SIGSTOP, "stopped by SIGSTOP");
	kill(pid, SIGKILL);
	check_wait(pid, "killed by SIGKILL", "SIGKILL ends a stopped child");
	close(p[0]);
	close(p[1]);

	/* SIGSTOP cannot be caught, blocked or ignored. */
	pid = fork();
	if (pid == 0) {
		signal(SIGSTOP, SIG_IGN);
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_BLOCK, &all, NULL);
		raise(SIGSTOP);
		_exit(5);
	}
	check(waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st), "SIGSTOP stops even with everything blocked");
	kill(pid, SIGCONT);
	check_wait(pid, "exited 5", "then continues");
}

/* ---------------------------------------------------------------- EINTR and SA_RESTART */

static volatile int alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/* One-shot ITIMER_REAL in ms. */
static void arm_timer(long ms)
{
	struct itimerval it = {{0, 0}, {ms / 1000, (ms % 1000) * 1000}};
	setitimer(ITIMER_REAL, &it, NULL);
}

/* A child that writes one byte into fd after ms. */
static pid_t delayed_writer(int fd, long ms)
{
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(ms);
		write(fd, "d", 1);
		_exit(0);
	}
	return pid;
}

static const char *call_result(long r, int err, char *buf, size_t size)
{
	if (r < 0)
		snprintf(buf, size, "errno=%s", errno_name(err));
	else
		snprintf(buf, size, "returned %ld", r);
	return buf;
}

static void test_restart(void)
{
	section("EINTR and SA_RESTART");
	char buf[64], c;
	int p[2];
	pipe(p);
	for (int restart = 0; restart < 2; restart++) {
		struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = restart ? SA_RESTART : 0};
		sigaction(SIGALRM, &sa, NULL);
		const char *how = restart ? "SA_RESTART" : "no SA_RESTART";

		/* read(2) on an empty pipe: restartable. */
		alarms = 0;
		pid_t w = delayed_writer(p[1], 150);
		arm_timer(30);
		int64_t t0 = now_ns();
		errno = 0;
		long r = read(p[0], &c, 1);
		int err = errno;
		int64_t took = now_ns() - t0;
		check_str(call_result(r, err, buf, sizeof(buf)), restart ? "returned 1" : "errno=EINTR", "%s: read", how);
		check_long(alarms, 1, "%s: handler ran", how);
		if (restart)
			check(took >= 140 * 1000000LL, "%s: read waited for the data", how);
		waitpid(w, NULL, 0);
		if (!restart)
			read(p[0], &c, 1);

		/* wait4: restartable. */
		alarms = 0;
		w = fork();
		if (w == 0) {
			sleep_ms(150);
			_exit(3);
		}
		arm_timer(30);
		int st;
		errno = 0;
		r = waitpid(w, &st, 0);
		err = errno;
		check_str(call_result(r == w ? 1 : r, err, buf, sizeof(buf)), restart ? "returned 1" : "errno=EINTR",
			  "%s: wait4", how);
		if (!restart)
			waitpid(w, &st, 0);

		/* These are never restarted once a handler ran. */
		struct timespec ts = {1, 0}, rem = {0, 0};
		alarms = 0;
		arm_timer(30);
		errno = 0;
		r = nanosleep(&ts, &rem);
		check_str(call_result(r, errno, buf, sizeof(buf)), "errno=EINTR", "%s: nanosleep", how);
		check(rem.tv_sec == 0 && rem.tv_nsec > 500000000, "%s: nanosleep's remaining time > 0.5 s", how);

		struct pollfd pfd = {.fd = p[0], .events = POLLIN};
		arm_timer(30);
		errno = 0;
		r = poll(&pfd, 1, 1000);
		check_str(call_result(r, errno, buf, sizeof(buf)), "errno=EINTR", "%s: poll", how);

		fd_set rd;
		FD_ZERO(&rd);
		FD_SET(p[0], &rd);
		struct timeval tv = {1, 0};
		arm_timer(30);
		errno = 0;
		r = select(p[0] + 1, &rd, NULL, NULL, &tv);
		check_str(call_result(r, errno, buf, sizeof(buf)), "errno=EINTR", "%s: select", how);

		arm_timer(30);
		errno = 0;
		r = pause();
		check_str(call_result(r, errno, buf, sizeof(buf)), "errno=EINTR", "%s: pause", how);

		volatile int word = 0;
		arm_timer(30);
		errno = 0;
		r = syscall(SYS_futex, &word, FUTEX_WAIT, 0, &ts, NULL, 0);
		check_str(call_result(r, errno, buf, sizeof(buf)), "errno=EINTR", "%s: futex wait with a timeout", how);
	}
	close(p[0]);
	close(p[1]);
	signal(SIGALRM, SIG_DFL);
}

int main(void)
{
	test_faults();
	test_frame_mask();
	test_fpu_frame();
	test_altstack();
	test_stop_continue();
	test_restart();
	return check_done();
}
