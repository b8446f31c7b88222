/*
 * ready: the smallest useful /init for the Linux baseline guest.
 *
 * The boot benchmark times QEMU start -> the line "linux-guest: ready" on the serial
 * console, the Linux counterpart of Tern's "tern: kernel ready in N us". After printing,
 * the program powers the VM off at once, so that a boot costs no more host time than it
 * must: first through QEMU's isa-debug-exit device (port 0xf4; QEMU exits with status
 * (0 << 1) | 1 = 1, the same status Tern's test=boot gives), else reboot(RB_POWER_OFF).
 *
 * Run on the host (getpid() != 1) it only prints the line and exits 0, so the same binary
 * can be checked natively, as every guest program in this project is.
 *
 * Build: musl-gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -o build/bench/ready bench/guest/ready.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* QEMU's isa-debug-exit device, as tools/qemu.py configures it (iobase 0xf4, 4 ports). */
#define DEBUG_EXIT_PORT 0xf4
#define DEBUG_EXIT_PORTS 4

/* Writes the whole buffer to fd, retrying short writes; the console may take it in parts. */
static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Microseconds on the given clock, or -1 when the kernel lacks it. */
static long long clock_us(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return -1;
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

/*
 * Makes fds 0-2 the console when the kernel did not open it for us (no /dev/console
 * in the initramfs): mount devtmpfs on /dev and open /dev/console from there.
 */
static void ensure_console(void)
{
	int fd;

	if (fcntl(STDOUT_FILENO, F_GETFD) != -1)
		return;
	mkdir("/dev", 0755);
	if (mount("devtmpfs", "/dev", "devtmpfs", 0, NULL) != 0 && errno != EBUSY)
		return;
	fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, STDIN_FILENO);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	if (fd > STDERR_FILENO)
		close(fd);
}

/* Prints the ready line with the guest's own idea of how long it has been up. */
static void announce(void)
{
	char line[128];
	int len;

	len = snprintf(line, sizeof(line), "linux-guest: ready boottime_us=%lld monotonic_us=%lld\n",
		       clock_us(CLOCK_BOOTTIME), clock_us(CLOCK_MONOTONIC));
	if (len > 0)
		write_all(STDOUT_FILENO, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
}

static inline void outl_port(unsigned int value, unsigned short port)
{
	__asm__ volatile("outl %0, %w1" : : "a"(value), "Nd"(port));
}

/*
 * Ends the VM. isa-debug-exit is the fast path (QEMU quits at the write); reboot() is for
 * a VMM without that device. Returns only if both failed.
 */
static void power_off(void)
{
	if (ioperm(DEBUG_EXIT_PORT, DEBUG_EXIT_PORTS, 1) == 0)
		outl_port(0, DEBUG_EXIT_PORT);
	sync();
	reboot(RB_POWER_OFF);
}

int main(void)
{
	static const char failed[] = "linux-guest: power-off failed\n";

	if (getpid() != 1) {
		announce();
		return 0;
	}
	ensure_console();
	announce();
	power_off();
	/* Still here: returning makes the kernel panic, and panic=-1 with QEMU's -no-reboot
	 * ends the VM all the same (exit status 0, which the harness reports as unexpected). */
	write_all(STDERR_FILENO, failed, sizeof(failed) - 1);
	return 1;
}
