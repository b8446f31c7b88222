/*
 * fsutil.h - helpers for the file-system tests (file.c, fs_*.c), linked
 * next to check.c by the programs guest.mk lists in GUEST_FS_PROGRAMS.
 *
 * The writing tests work in a scratch directory of their own under the
 * current directory (the test directory: build/guest/ on the host, /tests in
 * Tern): scratch_enter() removes what an aborted earlier run left, creates
 * it and changes into it; scratch_leave() goes back and removes it. Every
 * path a test prints is relative to it, so nothing host-specific shows.
 */
#ifndef GUEST_FSUTIL_H
#define GUEST_FSUTIL_H

#include "check.h"

#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

/* statx is not in musl 1.2.3: the UAPI layout. */
struct statx_timestamp_raw {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};
struct statx_raw {
	uint32_t stx_mask, stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink, stx_uid, stx_gid;
	uint16_t stx_mode, pad1;
	uint64_t stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_timestamp_raw stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	uint64_t spare[14];
};
#ifndef STATX_BASIC_STATS
#define STATX_BASIC_STATS 0x7ffu
#endif

/* getdents64 records. */
struct linux_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* "regular", "directory", "symlink", "fifo", "chardev", "other". */
const char *type_name(mode_t mode);
/* "reg", "dir", "lnk", "fifo", "chr", "unknown", "other" for a d_type. */
const char *dtype_name(unsigned char type);
/* "regular 0644 size=13 nlink=1" (no size for directories: it depends on the
 * file system). Returns a static buffer. */
const char *describe_stat(const struct stat *st);
/* describe_stat() of stat(path) (lstat when nofollow), or the errno name. */
const char *describe_path(const char *path, bool nofollow);

/* "<desc> = 0644": mode bits (got < 0: the errno name of a failed stat). */
bool check_mode(long got, long want, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The permission bits (07777) of path (lstat) or fd, or -errno. */
long mode_of(const char *path);
long fd_mode(int fd);

/* A directory read with getdents64 through a buffer of bufsize bytes: the
 * entries' names and d_types, sorted by name, and the number of calls made. */
struct dir_list {
	int count;
	int calls;
	char **names;
	unsigned char *types;
};
/* Returns 0, or -1 with errno set (open, getdents64 or memory). */
int dir_read(const char *path, size_t bufsize, struct dir_list *list);
void dir_free(struct dir_list *list);
/* The list as one line of "name(type)" words, without "." and ".." when
 * skip_dots. Returns line. */
const char *dir_line(const struct dir_list *list, bool skip_dots, char *line, size_t size);

/* Removes path and, for a directory, everything below it (symlinks are
 * removed, not followed). Returns 0, or -1 (a missing path counts as 0). */
int remove_tree(const char *path);
/* remove_tree(name), mkdir(name, 0755), chdir(name); exits loudly (status
 * 2) when that fails: nothing after it could mean anything. */
void scratch_enter(const char *name);
/* chdir(".."), remove_tree(name), and a check line that it worked. */
void scratch_leave(const char *name);

/* Creates (or truncates) path with mode (subject to the umask) and writes
 * text. Returns 0 or -1. */
int put_file(const char *path, const char *text, mode_t mode);
/* The first bytes (at most 4095) of path, as a string in a static buffer,
 * or "<ENOENT>"-style text when it cannot be read. */
const char *get_file(const char *path);
/* The size of path (lstat), or -1. */
long long file_size(const char *path);
/* True when path exists (lstat). */
bool exists(const char *path);

/* A byte pattern that depends on the file offset and a seed, so any range of
 * a file written with it can be checked on its own. */
unsigned char pattern_byte(uint64_t offset, unsigned seed);
void pattern_fill(void *buf, size_t n, uint64_t offset, unsigned seed);
/* True when buf holds the pattern for [offset, offset + n). */
bool pattern_ok(const void *buf, size_t n, uint64_t offset, unsigned seed);
/* True when the n bytes at buf are all zero. */
bool all_zero(const void *buf, size_t n);

/* Kills the calling process with SIGALRM after this many seconds: a step
 * that blocks for ever makes the test fail loudly (the runner reports
 * signal=14) instead of hanging. Forked children call it again (an alarm is
 * not inherited). */
void watchdog(unsigned seconds);

/* Waits for pid and returns its wait status as text (wait_status_str), or
 * "wait errno=E..." - for children whose end is reported on a line of its
 * own (check_wait prints the line itself). */
const char *wait_text(pid_t pid);

/* One byte through a pipe: the handshakes between processes. send_byte
 * returns 0 or -1; recv_byte returns the byte, or -1 at EOF or on error. */
int send_byte(int fd, char c);
int recv_byte(int fd);

#endif
