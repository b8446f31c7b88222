/* ls [-l] [-a] [PATH...]: lists directories (sorted) or names files. */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int long_format, show_all;

static void mode_string(mode_t m, char *s)
{
	s[0] = S_ISDIR(m) ? 'd' : S_ISLNK(m) ? 'l' : S_ISCHR(m) ? 'c' : S_ISBLK(m) ? 'b' : S_ISFIFO(m) ? 'p'
		 : S_ISSOCK(m) ? 's' : '-';
	const char *rwx = "rwxrwxrwx";
	for (int i = 0; i < 9; i++)
		s[1 + i] = (m & (0400 >> i)) ? rwx[i] : '-';
	s[10] = '\0';
}

static void show(const char *dir, const char *name)
{
	if (!long_format) {
		printf("%s\n", name);
		return;
	}
	char path[4096], mode[11], target[4096];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &st) != 0) {
		printf("?????????? %s\n", name);
		return;
	}
	mode_string(st.st_mode, mode);
	printf("%s %3lu %4u %4u %8lld %s", mode, (unsigned long)st.st_nlink, st.st_uid, st.st_gid,
	       (long long)st.st_size, name);
	ssize_t n;
	if (S_ISLNK(st.st_mode) && (n = readlink(path, target, sizeof(target) - 1)) >= 0) {
		target[n] = '\0';
		printf(" -> %s", target);
	}
	putchar('\n');
}

static int compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int list(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (!S_ISDIR(st.st_mode)) {
		show(".", path);
		return 0;
	}
	DIR *d = opendir(path);
	if (d == NULL) {
		fprintf(stderr, "ls: %s: %s\n", path, strerror(errno));
		return 1;
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' && !show_all)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = realloc(names, cap * sizeof(*names));
			if (names == NULL)
				return 1;
		}
		names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), compare);
	for (size_t i = 0; i < n; i++) {
		show(path, names[i]);
		free(names[i]);
	}
	free(names);
	return 0;
}

int main(int argc, char **argv)
{
	int opt, status = 0;

	while ((opt = getopt(argc, argv, "la")) != -1) {
		if (opt == 'l')
			long_format = 1;
		else if (opt == 'a')
			show_all = 1;
		else
			return 2;
	}
	if (optind == argc)
		return list(".");
	/* As GNU ls: what is not a directory first, then each directory under a heading
	 * when there are several operands. */
	bool printed = false;
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) {
			status |= list(argv[i]);
			printed = true;
		}
	}
	for (int i = optind; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode))
			continue;
		if (argc - optind > 1)
			printf("%s%s:\n", printed ? "\n" : "", argv[i]);
		printed = true;
		status |= list(argv[i]);
	}
	return status;
}
