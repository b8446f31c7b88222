/*
 * Scratch buffers for system calls: path-sized (SCRATCH_SIZE bytes), a few
 * per thread, taken and given back without any lock. File system calls need
 * several such buffers for every call (the user's path, the rest of a path
 * crossing to or from /proc, page lists); taking them from the heap made
 * every file call contend for the heap's lock on SMP.
 *
 * A thread's buffers are one block allocated at its first use and freed with
 * the thread. When all of them are in use, scratch_get falls back to kmalloc;
 * scratch_put takes either kind (and kmalloc'd pointers of any size).
 * Only the thread itself uses its buffers (never an interrupt handler).
 */
#ifndef MM_SCRATCH_H
#define MM_SCRATCH_H

#include <stddef.h>

/* Room for PATH_MAX bytes and a terminating NUL, with some to spare. */
#define SCRATCH_SIZE 4160u
#define SCRATCH_PER_THREAD 6u

struct thread;

/* A buffer of SCRATCH_SIZE bytes (contents undefined), or NULL when out of memory. */
void *scratch_get(void);
/* Gives back a buffer from scratch_get, or frees a kmalloc'd one; NULL is ignored. */
void scratch_put(void *p);
/* Frees a dead thread's buffers (thread_free). */
void scratch_release(struct thread *t);

#endif
