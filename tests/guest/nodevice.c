/*
 * nodevice - guest-only: an ordinary program (started by the runner, no
 * capabilities) calls every native Tern system call of
 * include/tern/syscall.h. TERN_SYS_CAPS must answer 0 (no capabilities),
 * every privileged call -1 with EPERM - the file-server calls (SERVE, WAIT,
 * INITRD) and the device calls (PCI_CONFIG, MMIO_MAP, DMA_ALLOC, IRQ_BIND,
 * IRQ_ACK, IOPORT) - without touching its output arguments, a forked child
 * the same, and a native number past the last one ENOSYS.
 *
 * Not compared with Linux: there these numbers are unknown (ENOSYS), so on
 * a host whose TERN_SYS_CAPS gives ENOSYS it prints "skipped on host".
 * Plausible arguments throughout, and no call that would do harm if a
 * broken check let it through (IOPORT writes only to the POST port 0x80).
 */
#include "check.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <tern/syscall.h>

#define MARK 0x5a5a5a5a5a5a5a5aull

/* Every privileged call; out-arguments start as MARK and must stay so. */
static void check_denied(const char *who)
{
	struct tern_serve serve;
	struct tern_initrd initrd;
	uint64_t events = MARK, phys = MARK, msi = MARK;
	memset(&serve, 0x5a, sizeof(serve));
	memset(&initrd, 0x5a, sizeof(initrd));

	CHECK_ERR(syscall(TERN_SYS_SERVE, &serve), EPERM, "%s: TERN_SYS_SERVE", who);
	CHECK_ERR(syscall(TERN_SYS_WAIT, &events, 0ull), EPERM, "%s: TERN_SYS_WAIT", who);
	CHECK_ERR(syscall(TERN_SYS_INITRD, &initrd), EPERM, "%s: TERN_SYS_INITRD", who);
	/* Vendor/device ID of 00:00.0. */
	CHECK_ERR(syscall(TERN_SYS_PCI_CONFIG, 0u, 0u, 4u, 0u, 0), EPERM, "%s: TERN_SYS_PCI_CONFIG read", who);
	/* The I/O APIC's window: device memory, not RAM. */
	CHECK_ERR(syscall(TERN_SYS_MMIO_MAP, 0xfec00000ull, 4096ull), EPERM, "%s: TERN_SYS_MMIO_MAP", who);
	CHECK_ERR(syscall(TERN_SYS_DMA_ALLOC, 4096ull, &phys), EPERM, "%s: TERN_SYS_DMA_ALLOC", who);
	CHECK_ERR(syscall(TERN_SYS_IRQ_BIND, TERN_IRQ_GSI, 11u, 0u, &msi), EPERM, "%s: TERN_SYS_IRQ_BIND GSI",
		  who);
	CHECK_ERR(syscall(TERN_SYS_IRQ_BIND, TERN_IRQ_MSI, 0u, 1u, &msi), EPERM, "%s: TERN_SYS_IRQ_BIND MSI",
		  who);
	CHECK_ERR(syscall(TERN_SYS_IRQ_ACK, 0u), EPERM, "%s: TERN_SYS_IRQ_ACK", who);
	CHECK_ERR(syscall(TERN_SYS_IOPORT, 0x80u, 1u, 0u, 0), EPERM, "%s: TERN_SYS_IOPORT read", who);
	CHECK_ERR(syscall(TERN_SYS_IOPORT, 0x80u, 1u, 0x42u, 1), EPERM, "%s: TERN_SYS_IOPORT write", who);

	struct tern_serve serve_mark;
	struct tern_initrd initrd_mark;
	memset(&serve_mark, 0x5a, sizeof(serve_mark));
	memset(&initrd_mark, 0x5a, sizeof(initrd_mark));
	check(events == MARK && phys == MARK && msi == MARK &&
		      memcmp(&serve, &serve_mark, sizeof(serve)) == 0 &&
		      memcmp(&initrd, &initrd_mark, sizeof(initrd)) == 0,
	      "%s: no output argument was written", who);
}

static int child(void *arg)
{
	(void)arg;
	check_long(syscall(TERN_SYS_CAPS), 0, "child: TERN_SYS_CAPS");
	check_denied("child");
	return check_failures() == 0 ? 0 : 1;
}

int main(void)
{
	errno = 0;
	long caps = syscall(TERN_SYS_CAPS);
	if (caps == -1 && errno == ENOSYS) {
		out("nodevice: skipped on host (native Tern calls are ENOSYS here)\n");
		return 0;
	}
	check_long(caps, 0, "TERN_SYS_CAPS: an ordinary program has no capabilities");
	check_denied("parent");
	pid_t pid = spawn(child, NULL);
	check_wait(pid, "exited 0", "a forked child is denied the same");
	CHECK_ERR(syscall(TERN_SYS_END), ENOSYS, "the first number past the native calls");
	CHECK_ERR(syscall(TERN_SYS_END + 100), ENOSYS, "a number further on");
	check_long(syscall(TERN_SYS_CAPS), 0, "TERN_SYS_CAPS still 0");
	out("nodevice: %s\n", check_failures() == 0 ? "PASS" : "FAIL");
	return check_done();
}
