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
/* A new open file description of the pipe (or FIFO) behind the pipe end f, with these
 * flags (open of /proc/<pid>/fd/N); it never waits for the other side. 0 or -ENOMEM. */
int pipe_reopen(struct file *f, unsigned flags, struct file **out);

struct kstat;
/*
 * Opens a FIFO (a named pipe) whose node the I/O server found: every open of
 * the same node (dev, ino) shares one pipe while any end is open. Linux's
 * rules: a blocking reader waits for a writer and a blocking writer for a
 * reader; O_NONBLOCK writers without a reader get ENXIO; O_RDWR never waits.
 * -ERESTARTSYS if a signal ends the wait.
 */
int fifo_open(const struct kstat *node, unsigned flags, struct file **out);

#endif
