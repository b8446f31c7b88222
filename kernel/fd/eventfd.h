/* eventfd(2): a 64-bit counter with read/write/poll semantics. */
#ifndef FD_EVENTFD_H
#define FD_EVENTFD_H

struct file;

#define EFD_SEMAPHORE 00000001
#define EFD_NONBLOCK 00004000
#define EFD_CLOEXEC 02000000

int eventfd_create(unsigned initval, unsigned flags, struct file **out);

#endif
