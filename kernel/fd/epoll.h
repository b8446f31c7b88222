/* epoll (fd/epoll.c). */
#ifndef FD_EPOLL_H
#define FD_EPOLL_H

#include <stdbool.h>
#include <stdint.h>

struct file;

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3
#define EPOLLIN 0x001
#define EPOLLPRI 0x002
#define EPOLLOUT 0x004
#define EPOLLERR 0x008
#define EPOLLHUP 0x010
#define EPOLLRDHUP 0x2000
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP (1u << 29)
#define EPOLLONESHOT (1u << 30)
#define EPOLLET (1u << 31)
#define EPOLL_COLLECT_MAX 1024 /* events one epoll_wait call returns at most */

/* struct epoll_event: packed on x86-64 (12 bytes). */
struct epoll_event_abi {
	uint32_t events;
	uint64_t data;
} __attribute__((packed));

int epoll_create_file(struct file **out);
bool file_is_epoll(const struct file *f);
int epoll_ctl_op(struct file *epf, int op, int fd, struct file *target, const struct epoll_event_abi *ev);
/* Waits for events; forever, or until the monotonic deadline. Returns the count, or -EINTR. */
int epoll_wait_events(struct file *epf, struct epoll_event_abi *out, int max, uint64_t deadline, bool forever);
/* Called when a file's last reference is dropped: its epoll registrations go. */
void epoll_file_released(struct file *f);

#endif
