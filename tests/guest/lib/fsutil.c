/*
 * fsutil.c - helpers for the file-system tests. Contract in fsutil.h.
 */
#include "fsutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

const char *type_name(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return "regular";
	case S_IFDIR:
		return "directory";
	case S_IFLNK:
		return "symlink";
	case S_IFIFO:
		return "fifo";
	case S_IFCHR:
		return "chardev";
	default:
		return "other";
	}
}

const char *dtype_name(unsigned char type)
{
	switch (type) {
	case DT_REG:
		return "reg";
	case DT_DIR:
		return "dir";
	case DT_LNK:
		return "lnk";
	case DT_FIFO:
		return "fifo";
	case DT_CHR:
		return "chr";
	case DT_UNKNOWN:
		return "unknown";
	default:
		return "other";
	}
}

const char *describe_stat(const struct stat *st)
{
	static char buf[96];
	if (S_ISDIR(st->st_mode))
		snprintf(buf, sizeof(buf), "%s %04o nlink=%lu", type_name(st->st_mode),
			 (unsigned)(st->st_mode & 07777), (unsigned long)st->st_nlink);
	else
		snprintf(buf, sizeof(buf), "%s %04o size=%lld nlink=%lu", type_name(st->st_mode),
			 (unsigned)(st->st_mode & 07777), (long long)st->st_size, (unsigned long)st->st_nlink);
	return buf;
}

const char *describe_path(const char *path, bool nofollow)
{
	struct stat st;
	if ((nofollow ? lstat(path, &st) : stat(path, &st)) != 0)
		return errno_name(errno);
	return describe_stat(&st);
}

static void mode_text(long mode, char *buf, size_t size)
{
	if (mode < 0)
		snprintf(buf, size, "%s", errno_name((int)-mode));
	else
		snprintf(buf, size, "%04lo", mode);
}

bool check_mode(long got, long want, const char *fmt, ...)
{
	char desc[1024], got_text[32], want_text[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(desc, sizeof(desc), fmt, ap);
	va_end(ap);
	mode_text(got, got_text, sizeof(got_text));
	mode_text(want, want_text, sizeof(want_text));
	return check_str(got_text, want_text, "%s", desc);
}

long mode_of(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return -errno;
	return (long)(st.st_mode & 07777);
}

long fd_mode(int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	return (long)(st.st_mode & 07777);
}

/* ---------------------------------------------------------------- directories */

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

int dir_read(const char *path, size_t bufsize, struct dir_list *list)
{
	memset(list, 0, sizeof(*list));
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	char *buf = malloc(bufsize);
	int cap = 0, err = 0;
	char **names = NULL;
	unsigned char *types = NULL;
	long n;
	while (buf != NULL && (n = syscall(SYS_getdents64, fd, buf, bufsize)) > 0) {
		list->calls++;
		for (long off = 0; off < n;) {
			struct linux_dirent64 *d = (void *)(buf + off);
			if (list->count == cap) {
				cap = cap ? 2 * cap : 64;
				names = realloc(names, (size_t)cap * sizeof(*names));
				types = realloc(types, (size_t)cap);
				if (names == NULL || types == NULL) {
					n = -1;
					errno = ENOMEM;
					break;
				}
			}
			names[list->count] = strdup(d->d_name);
			types[list->count] = d->d_type;
			list->count++;
			off += d->d_reclen;
		}
		if (n < 0)
			break;
	}
	if (buf == NULL || n < 0)
		err = buf == NULL ? ENOMEM : errno;
	free(buf);
	close(fd);
	/* Sort the names and carry each type along: sort pointers into names[]. */
	char ***order = malloc((size_t)(list->count + 1) * sizeof(*order));
	char **sorted = malloc((size_t)(list->count + 1) * sizeof(*sorted));
	unsigned char *sorted_types = malloc((size_t)list->count + 1);
	if (order == NULL || sorted == NULL || sorted_types == NULL) {
		err = ENOMEM;
	} else {
		for (int i = 0; i < list->count; i++)
			order[i] = &names[i];
		qsort(order, (size_t)list->count, sizeof(*order), cmp_entry);
		for (int i = 0; i < list->count; i++) {
			sorted[i] = *order[i];
			sorted_types[i] = types[order[i] - names];
		}
	}
	free(order);
	free(names);
	free(types);
	list->names = sorted;
	list->types = sorted_types;
	if (err != 0) {
		dir_free(list);
		errno = err;
		return -1;
	}
	return 0;
}

void dir_free(struct dir_list *list)
{
	for (int i = 0; list->names != NULL && i < list->count; i++)
		free(list->names[i]);
	free(list->names);
	free(list->types);
	memset(list, 0, sizeof(*list));
}

const char *dir_line(const struct dir_list *list, bool skip_dots, char *line, size_t size)
{
	size_t len = 0;
	line[0] = '\0';
	for (int i = 0; i < list->count; i++) {
		const char *name = list->names[i];
		if (skip_dots && (strcmp(name, ".") == 0 || strcmp(name, "..") == 0))
			continue;
		int n = snprintf(line + len, size - len, "%s%s(%s)", len > 0 ? " " : "", name, dtype_name(list->types[i]));
		if (n > 0 && (size_t)n < size - len)
			len += (size_t)n;
	}
	return line;
}

int remove_tree(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	struct dir_list list;
	if (dir_read(path, 32768, &list) != 0)
		return -1;
	int ret = 0;
	for (int i = 0; i < list.count; i++) {
		const char *name = list.names[i];
		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		size_t len = strlen(path) + strlen(name) + 2;
		char *child = malloc(len);
		if (child == NULL) {
			ret = -1;
			continue;
		}
		snprintf(child, len, "%s/%s", path, name);
		if (remove_tree(child) != 0)
			ret = -1;
		free(child);
	}
	dir_free(&list);
	if (rmdir(path) != 0)
		ret = -1;
	return ret;
}

void scratch_enter(const char *name)
{
	if (remove_tree(name) != 0 || mkdir(name, 0755) != 0 || chdir(name) != 0) {
		out("cannot set up the scratch directory %s: %s\n", name, errno_name(errno));
		exit(2);
	}
}

void scratch_leave(const char *name)
{
	int ok = chdir("..") == 0 && remove_tree(name) == 0;
	check(ok && !exists(name), "scratch directory removed");
}

/* ---------------------------------------------------------------- files */

int put_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	int ret = write_full(fd, text, len) == (ssize_t)len ? 0 : -1;
	if (close(fd) != 0)
		ret = -1;
	return ret;
}

const char *get_file(const char *path)
{
	static char buf[4096];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(buf, sizeof(buf), "<%s>", errno_name(errno));
		return buf;
	}
	ssize_t n = read_full(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		snprintf(buf, sizeof(buf), "<read %s>", errno_name(errno));
	else
		buf[n] = '\0';
	close(fd);
	return buf;
}

long long file_size(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return -1;
	return (long long)st.st_size;
}

bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

unsigned char pattern_byte(uint64_t offset, unsigned seed)
{
	return (unsigned char)((offset * 131u) ^ (offset >> 9) ^ (seed * 77u) ^ 0x5a);
}

void pattern_fill(void *buf, size_t n, uint64_t offset, unsigned seed)
{
	unsigned char *p = buf;
	for (size_t i = 0; i < n; i++)
		p[i] = pattern_byte(offset + i, seed);
}

bool pattern_ok(const void *buf, size_t n, uint64_t offset, unsigned seed)
{
	const unsigned char *p = buf;
	for (size_t i = 0; i < n; i++)
		if (p[i] != pattern_byte(offset + i, seed))
			return false;
	return true;
}

bool all_zero(const void *buf, size_t n)
{
	const unsigned char *p = buf;
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* ---------------------------------------------------------------- processes */

void watchdog(unsigned seconds)
{
	signal(SIGALRM, SIG_DFL);
	alarm(seconds);
}

const char *wait_text(pid_t pid)
{
	static char buf[64];
	int status;
	pid_t r;
	do
		r = waitpid(pid, &status, 0);
	while (r < 0 && errno == EINTR);
	if (r != pid) {
		snprintf(buf, sizeof(buf), "wait errno=%s", errno_name(errno));
		return buf;
	}
	return wait_status_str(status, buf, sizeof(buf));
}

int send_byte(int fd, char c)
{
	return write_full(fd, &c, 1) == 1 ? 0 : -1;
}

int recv_byte(int fd)
{
	unsigned char c;
	return read_full(fd, &c, 1) == 1 ? c : -1;
}
