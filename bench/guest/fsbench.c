/*
 * fsbench: file-system microbenchmarks on the RAM file system, one static binary for
 * every guest.
 *
 * The same binary runs as a Tern program (init=/bench/fsbench), as /init of the Linux
 * baseline guest and natively on the host, like procbench.c. Everything happens in
 * /tmp/fsbench: on Tern /tmp is the I/O server's RAM file system (the kernel forwards
 * every file system call to the server over an IPC channel), on Linux a tmpfs. Each benchmark
 * creates the files it needs (untimed), runs one untimed warm-up (a tenth of the
 * operations; under TCG it also pays for translating the code once), then several timed
 * repetitions, removes its files and prints one line with the median:
 *
 *   bench NAME ns_per_op=MEDIAN ops=N reps=R min=MIN max=MAX [bytes=B mib_per_s=M]
 *
 * Benchmarks (operation = what one ns_per_op figure costs):
 *   open_close     open(O_RDONLY) + close of an existing 4 KiB file
 *   stat           stat() of that file's path
 *   create_unlink  open(O_CREAT|O_EXCL|O_WRONLY) + write of 100 bytes + close + unlink
 *   read_4k        pread of 4 KiB at offset 0 of a 4 KiB file
 *   write_4k       pwrite of 4 KiB at offset 0 of a 4 KiB file (no size change)
 *   read_1m        pread of 1 MiB at offset 0 of a 1 MiB file
 *   write_1m       pwrite of 1 MiB at offset 0 of a 1 MiB file (no size change)
 *   fstat          syscall(SYS_fstat) on an open file: on Tern the cheapest call that
 *                  goes to the I/O server, one request/answer round trip
 *   getppid        syscall(SYS_getppid): a call the kernel answers itself, for reference
 * The read and write lines add bytes (per operation) and mib_per_s (bytes / ns_per_op).
 * Reads check the data against the pattern the files were written with (once, after the
 * timed repetitions), stat and fstat the size: a mismatch is an error.
 *
 * As PID 1 (a guest's init), when /tmp is not a tmpfs (statfs f_type) it mounts one
 * there first; natively it leaves the host's /tmp alone. The start line says what /tmp
 * is: "tmp_fs=tmpfs tmp_mounted=0|1" (or ramfs, or f_type in hex, or statfs_errno_E).
 *
 * A benchmark that goes wrong prints "bench NAME error=WORD errno=E (...)" and the exit
 * status becomes 1. Before each benchmark it prints "fsbench: running NAME", so that a
 * guest that hangs shows where.
 *
 * Usage: fsbench [-r REPS] [-s SCALE] [-v] [NAME...]
 *   -r REPS   timed repetitions per benchmark (default 5)
 *   -s SCALE  multiply every operation count by SCALE (default 1)
 *   -v        also print every repetition ("rep NAME I value=X at_ms=T")
 *   NAME...   run only these (default all, in the order above)
 *
 * As PID 1 it ends the VM the way procbench does (benchlib.c: isa-debug-exit on Linux,
 * PID 1's exit on Tern).
 *
 * Build: musl-gcc -std=gnu11 -static -O2 -Wall -Wextra -Werror -o build/bench/fsbench \
 *            bench/guest/fsbench.c bench/guest/benchlib.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "benchlib.h"

#define TMP_DIR "/tmp"
#define BENCH_DIR TMP_DIR "/fsbench"
#define FILE_PATH BENCH_DIR "/file" /* the benchmark's existing file */
#define NEW_PATH BENCH_DIR "/new"   /* create_unlink's file */

/* statfs f_type values, from <linux/magic.h> (not on musl-gcc's include path). */
#define TMPFS_MAGIC 0x01021994L
#define RAMFS_MAGIC 0x858458f6L

#define SMALL_FILE 4096L          /* open_close, stat, fstat, read_4k, write_4k */
#define LARGE_FILE (1024L * 1024) /* read_1m, write_1m */
#define CREATE_BYTES 100          /* create_unlink's write */

/*
 * Default operation counts, sized for ~0.05-0.3 s per repetition in the slower guest
 * under TCG (Tern's forwarded calls cost an IPC round trip each; Linux's large copies
 * and path walks cost more there).
 */
#define OPEN_CLOSE_OPS 2000L
#define STAT_OPS 3000L
#define CREATE_OPS 1000L
#define SMALL_IO_OPS 3000L
#define LARGE_IO_OPS 80L
#define FSTAT_OPS 5000L
#define GETPPID_OPS 50000L

static uint8_t pattern[LARGE_FILE]; /* what every file holds: byte i is pattern_byte(i) */
static uint8_t buffer[LARGE_FILE];  /* what reads land in */

static uint8_t pattern_byte(long i)
{
	return (uint8_t)(i * 7 + 1);
}

/* --- one benchmark -------------------------------------------------------------------- */

/*
 * A benchmark: setup() makes its file (size: file_size; 0 for none) and leaves it open
 * in fd; op() is one operation, returning 0 or an errno (with step naming what failed);
 * check() (optional) looks at the result after the timed repetitions. bytes: what one
 * operation moves (read/write), for the mib_per_s field.
 */
struct fs_case {
	const char *name;
	long base_ops;
	long file_size;
	size_t bytes;
	int (*op)(struct fs_case *c);
	int (*check)(struct fs_case *c);
	int fd;
	const char *step;
};

/* Creates FILE_PATH holding the first `size` bytes of the pattern, open read-write in c->fd. */
static int make_file(struct fs_case *c)
{
	c->fd = open(FILE_PATH, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (c->fd < 0) {
		c->step = "create_file";
		return errno;
	}
	if (pwrite(c->fd, pattern, (size_t)c->file_size, 0) != c->file_size) {
		c->step = "fill_file";
		return errno ? errno : EIO;
	}
	return 0;
}

static void remove_files(struct fs_case *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	unlink(FILE_PATH);
	unlink(NEW_PATH);
}

/* `ops` operations: the elapsed ns, or -1 (c->step and the errno in *err). */
static int64_t run_ops(struct fs_case *c, long ops, int *err)
{
	uint64_t t0 = now_ns();

	for (long i = 0; i < ops; i++) {
		*err = c->op(c);
		if (*err)
			return -1;
	}
	return (int64_t)(now_ns() - t0);
}

static void print_result(struct fs_case *c, double *per_op, long ops)
{
	double copy[BENCH_MAX_REPS], med;

	memcpy(copy, per_op, sizeof(copy[0]) * (size_t)bench_reps);
	med = median(copy, bench_reps);
	bench_ns_line(c->name, per_op, ops);
	if (c->bytes)
		printf(" bytes=%zu mib_per_s=%.1f", c->bytes, (double)c->bytes / (1024.0 * 1024.0) / (med / 1e9));
	bench_end_line();
}

static void run_case(struct fs_case *c)
{
	double per_op[BENCH_MAX_REPS];
	long ops = ops_for(c->base_ops);
	int err = 0;
	int64_t ns;

	bench_running(c->name);
	c->fd = -1;
	c->step = NULL;
	if (c->file_size && (err = make_file(c)) != 0)
		goto fail;
	if (run_ops(c, warm_ops(ops), &err) < 0)
		goto fail;
	for (int r = 0; r < bench_reps; r++) {
		ns = run_ops(c, ops, &err);
		if (ns < 0)
			goto fail;
		per_op[r] = (double)ns / (double)ops;
		bench_rep(c->name, r, "value", per_op[r]);
	}
	if (c->check && (err = c->check(c)) != 0)
		goto fail;
	remove_files(c);
	print_result(c, per_op, ops);
	return;
fail:
	bench_fail(c->name, c->step ? c->step : "unknown", err);
	remove_files(c);
}

/* --- the operations ------------------------------------------------------------------- */

/* 0, or the errno (EIO when the call worked but moved fewer bytes), with c->step = step. */
static int io_result(struct fs_case *c, ssize_t n, size_t want, const char *step)
{
	if (n == (ssize_t)want)
		return 0;
	c->step = step;
	return n < 0 ? errno : EIO;
}

static int op_open_close(struct fs_case *c)
{
	int fd = open(FILE_PATH, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		c->step = "open";
		return errno;
	}
	if (close(fd) != 0) {
		c->step = "close";
		return errno;
	}
	return 0;
}

static int op_stat(struct fs_case *c)
{
	struct stat st;

	if (stat(FILE_PATH, &st) != 0) {
		c->step = "stat";
		return errno;
	}
	return io_result(c, (ssize_t)st.st_size, (size_t)c->file_size, "stat_size");
}

static int op_create_unlink(struct fs_case *c)
{
	int fd = open(NEW_PATH, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	int err;

	if (fd < 0) {
		c->step = "create";
		return errno;
	}
	err = io_result(c, write(fd, pattern, CREATE_BYTES), CREATE_BYTES, "write");
	if (close(fd) != 0 && !err) {
		c->step = "close";
		err = errno;
	}
	if (unlink(NEW_PATH) != 0 && !err) {
		c->step = "unlink";
		err = errno;
	}
	return err;
}

static int op_read(struct fs_case *c)
{
	return io_result(c, pread(c->fd, buffer, c->bytes, 0), c->bytes, "pread");
}

static int op_write(struct fs_case *c)
{
	return io_result(c, pwrite(c->fd, pattern, c->bytes, 0), c->bytes, "pwrite");
}

static int op_fstat(struct fs_case *c)
{
	struct stat st;

	if (syscall(SYS_fstat, c->fd, &st) != 0) {
		c->step = "fstat";
		return errno;
	}
	return io_result(c, (ssize_t)st.st_size, (size_t)c->file_size, "fstat_size");
}

static int op_getppid(struct fs_case *c)
{
	(void)c;
	syscall(SYS_getppid);
	return 0;
}

/* After the reads: the buffer holds the pattern. */
static int check_read(struct fs_case *c)
{
	if (memcmp(buffer, pattern, c->bytes) == 0)
		return 0;
	c->step = "data_mismatch";
	return EIO;
}

/* After the writes: reading the file back gives the pattern. */
static int check_written(struct fs_case *c)
{
	memset(buffer, 0, c->bytes);
	int err = io_result(c, pread(c->fd, buffer, c->bytes, 0), c->bytes, "read_back");
	return err ? err : check_read(c);
}

static struct fs_case cases[] = {
	{.name = "open_close", .base_ops = OPEN_CLOSE_OPS, .file_size = SMALL_FILE, .op = op_open_close},
	{.name = "stat", .base_ops = STAT_OPS, .file_size = SMALL_FILE, .op = op_stat},
	{.name = "create_unlink", .base_ops = CREATE_OPS, .op = op_create_unlink},
	{.name = "read_4k", .base_ops = SMALL_IO_OPS, .file_size = SMALL_FILE, .bytes = SMALL_FILE,
	 .op = op_read, .check = check_read},
	{.name = "write_4k", .base_ops = SMALL_IO_OPS, .file_size = SMALL_FILE, .bytes = SMALL_FILE,
	 .op = op_write, .check = check_written},
	{.name = "read_1m", .base_ops = LARGE_IO_OPS, .file_size = LARGE_FILE, .bytes = LARGE_FILE,
	 .op = op_read, .check = check_read},
	{.name = "write_1m", .base_ops = LARGE_IO_OPS, .file_size = LARGE_FILE, .bytes = LARGE_FILE,
	 .op = op_write, .check = check_written},
	{.name = "fstat", .base_ops = FSTAT_OPS, .file_size = SMALL_FILE, .op = op_fstat},
	{.name = "getppid", .base_ops = GETPPID_OPS, .op = op_getppid},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* --- the program ---------------------------------------------------------------------- */

/* What /tmp is, as the start line's tmp_fs field. */
static void fs_type_name(char *buf, size_t size)
{
	struct statfs sf;

	if (statfs(TMP_DIR, &sf) != 0)
		snprintf(buf, size, "statfs_errno_%d", errno);
	else if ((long)sf.f_type == TMPFS_MAGIC)
		snprintf(buf, size, "tmpfs");
	else if ((long)sf.f_type == RAMFS_MAGIC)
		snprintf(buf, size, "ramfs");
	else
		snprintf(buf, size, "0x%lx", (unsigned long)sf.f_type);
}

static void remove_dir(void)
{
	rmdir(BENCH_DIR);
}

/* Makes sure /tmp is a tmpfs (as a guest's init only), makes /tmp/fsbench and the pattern. */
static void prepare(char *buf, size_t size)
{
	char type[32];
	int mounted = 0;

	for (long i = 0; i < LARGE_FILE; i++)
		pattern[i] = pattern_byte(i);
	fs_type_name(type, sizeof(type));
	if (getpid() == 1 && strcmp(type, "tmpfs") != 0) {
		mkdir(TMP_DIR, 01777);
		mounted = mount("tmpfs", TMP_DIR, "tmpfs", 0, "mode=1777") == 0 ? 1 : -errno;
		fs_type_name(type, sizeof(type));
	}
	if (mkdir(BENCH_DIR, 0755) == 0)
		atexit(remove_dir);
	snprintf(buf, size, "dir=%s tmp_fs=%s tmp_mounted=%d ", BENCH_DIR, type, mounted);
}

static const char *bench_name(size_t i)
{
	return cases[i].name;
}

static void run(size_t i)
{
	run_case(&cases[i]);
}

int main(int argc, char **argv)
{
	static const struct bench_program fsbench = {
		.name = "fsbench",
		.count = NCASES,
		.bench_name = bench_name,
		.run = run,
		.prepare = prepare,
	};

	return bench_main(&fsbench, argc, argv);
}
