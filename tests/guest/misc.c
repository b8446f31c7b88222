/*
 * misc - getrandom (sizes, flags), the character devices /dev/null,
 * /dev/zero and /dev/urandom, sysinfo, uname through the raw call, and
 * unknown system call numbers (ENOSYS).
 */
#include "check.h"

#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

static bool all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void test_getrandom(void)
{
	section("getrandom");
	unsigned char a[64], b[64];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	check_long(getrandom(a, sizeof(a), 0), 64, "64 bytes");
	check_long(getrandom(b, sizeof(b), GRND_NONBLOCK), 64, "64 bytes, GRND_NONBLOCK");
	check(!all_zero(a, sizeof(a)) && memcmp(a, b, sizeof(a)) != 0, "not all zero, and two draws differ");
	check_long(getrandom(a, 0, 0), 0, "0 bytes");
	check_long(getrandom(a, 1, 0), 1, "1 byte");
	static unsigned char big[1 << 20];
	long n = getrandom(big, sizeof(big), 0);
	check(n > 0 && n <= (long)sizeof(big), "1 MiB request returns a positive count");
	check(!all_zero(big + n - 64, 64), "the end of what it returned is filled");
	check_long(getrandom(a, 16, GRND_RANDOM), 16, "GRND_RANDOM");
	check_long(getrandom(a, 16, GRND_RANDOM | GRND_NONBLOCK), 16, "GRND_RANDOM | GRND_NONBLOCK");
	CHECK_ERR(getrandom(a, 16, 0x100), EINVAL, "unknown flag");
}

static void test_devices(void)
{
	section("/dev/null, /dev/zero, /dev/urandom");
	struct stat st;
	static const struct {
		const char *path;
		unsigned major, minor;
	} devs[] = {{"/dev/null", 1, 3}, {"/dev/zero", 1, 5}, {"/dev/urandom", 1, 9}};
	for (size_t i = 0; i < ARRAY_SIZE(devs); i++) {
		CHECK_OK(stat(devs[i].path, &st), "stat %s", devs[i].path);
		check(S_ISCHR(st.st_mode), "%s is a character device", devs[i].path);
		check(major(st.st_rdev) == devs[i].major && minor(st.st_rdev) == devs[i].minor, "%s is %u:%u",
		      devs[i].path, devs[i].major, devs[i].minor);
	}

	char buf[256];
	int fd = open("/dev/null", O_RDWR);
	check(fd >= 0, "open /dev/null read-write");
	check_long(read(fd, buf, sizeof(buf)), 0, "read /dev/null: EOF");
	check_long(write(fd, buf, sizeof(buf)), 256, "write /dev/null: all accepted");
	check_long(lseek(fd, 100, SEEK_SET), 0, "lseek on /dev/null returns 0");
	close(fd);

	fd = open("/dev/zero", O_RDONLY);
	memset(buf, 'x', sizeof(buf));
	check_long(read(fd, buf, sizeof(buf)), 256, "read /dev/zero");
	check(all_zero((unsigned char *)buf, sizeof(buf)), "all zero");
	static char big[1 << 20];
	memset(big, 'x', sizeof(big));
	check_long(read(fd, big, sizeof(big)), 1 << 20, "1 MiB from /dev/zero in one read");
	check(all_zero((unsigned char *)big, sizeof(big)), "all zero");
	close(fd);

	fd = open("/dev/urandom", O_RDONLY);
	unsigned char r1[64], r2[64];
	check_long(read(fd, r1, sizeof(r1)), 64, "read /dev/urandom");
	check_long(read(fd, r2, sizeof(r2)), 64, "read it again");
	check(!all_zero(r1, sizeof(r1)) && memcmp(r1, r2, sizeof(r1)) != 0, "not zero, and different");
	close(fd);
}

static void test_sysinfo(void)
{
	section("sysinfo, uname");
	struct sysinfo si;
	memset(&si, 0, sizeof(si));
	CHECK_OK(sysinfo(&si), "sysinfo");
	check(si.totalram > 0, "totalram > 0");
	check(si.mem_unit >= 1, "mem_unit >= 1");
	check(si.freeram <= si.totalram, "freeram <= totalram");
	check(si.procs >= 1, "procs >= 1");
	check((long)si.uptime >= 0, "uptime >= 0");

	struct utsname u;
	memset(&u, 0, sizeof(u));
	CHECK_OK(syscall(SYS_uname, &u), "raw uname");
	check_str(u.sysname, "Linux", "sysname");
	check_str(u.machine, "x86_64", "machine");
}

static void test_enosys(void)
{
	section("unknown system calls");
	CHECK_ERR(syscall(1000), ENOSYS, "syscall 1000");
	CHECK_ERR(syscall(100000), ENOSYS, "syscall 100000");
	CHECK_ERR(syscall(-1L), ENOSYS, "syscall -1");
	check(getpid() > 0, "still alive");
}

int main(void)
{
	test_getrandom();
	test_devices();
	test_sysinfo();
	test_enosys();
	return check_done();
}
