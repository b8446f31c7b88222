/* Pipes (pipe, pipe2): a 64 KiB buffer between a read end and a write end. */
#ifndef FD_PIPE_H
#define FD_PIPE_H

#include <stdbool.h>

struct file;

#define PIPE_CAPACITY 65536 /* Linux's default: 16 pages */
#define PIPE_BUF 4096       /* writes up to this size are atomic (POSIX) */

/* Creates both ends; flags may hold O_NONBLOCK. Returns 0 or -ENOMEM. */
int pipe_create(struct file **read_end, struct file **write_end, unsigned flags);

bool file_is_pipe(const struct file *f);

#endif
