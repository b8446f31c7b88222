/*
 * stress_oom - guest-only stress test, and it refuses to run anywhere but
 * Tern (uname release containing "tern"): on a real host it would eat all
 * memory. A child maps and touches memory in 64 MiB steps for ever; the
 * kernel must kill it (SIGKILL) when memory runs out, while the parent keeps
 * computing and then finds the child dead by a signal and its own
 * computation intact.
 */
#include "check.h"

#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define STEP (64UL << 20)

/* A deterministic computation the parent runs while memory runs out. */
static uint64_t work(uint64_t rounds)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (uint64_t i = 0; i < rounds; i++)
		h = (h ^ (i & 0xff)) * 0x100000001b3ull;
	return h;
}

static int eat_memory(void *arg)
{
	(void)arg;
	for (;;) {
		char *p = mmap(NULL, STEP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			return 3; /* the kernel refused the mapping instead */
		for (size_t off = 0; off < STEP; off += 4096)
			p[off] = 1;
	}
}

int main(void)
{
	if (!running_on_tern()) {
		out("stress_oom: skipped on host (runs only inside Tern)\n");
		return 0;
	}
	int64_t t0 = now_ns();
	pid_t pid = spawn(eat_memory, NULL);
	check(pid > 0, "memory eater started");
	uint64_t acc = 0, rounds = 0;
	int st = 0;
	pid_t r = 0;
	while ((r = waitpid(pid, &st, WNOHANG)) == 0) {
		acc ^= work(100000);
		rounds++;
	}
	check(r == pid, "memory eater reaped");
	char buf[64];
	check_str(wait_status_str(st, buf, sizeof(buf)), "killed by SIGKILL", "memory eater");
	uint64_t again = 0;
	for (uint64_t i = 0; i < rounds; i++)
		again ^= work(100000);
	check(acc == again, "parent's computation survived intact");
	out("info: %llu rounds of work, %lld ms\n", (unsigned long long)rounds, (long long)((now_ns() - t0) / 1000000));
	/* The memory is usable again. */
	char *p = mmap(NULL, STEP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	bool ok = p != MAP_FAILED;
	for (size_t off = 0; ok && off < STEP; off += 4096)
		p[off] = 2;
	check(ok, "64 MiB can be mapped and touched again afterwards");
	out("stress_oom: %s\n", check_failures() == 0 ? "PASS" : "FAIL");
	return check_done();
}
