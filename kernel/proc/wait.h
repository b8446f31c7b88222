/* Waiting for children (proc/wait.c). */
#ifndef PROC_WAIT_H
#define PROC_WAIT_H

#include <stdint.h>

/* Linux's wait options (include/uapi/linux/wait.h). */
#define WNOHANG_FLAG 0x00000001
#define WSTOPPED_FLAG 0x00000002 /* WUNTRACED */
#define WEXITED_FLAG 0x00000004
#define WCONTINUED_FLAG 0x00000008
#define WNOWAIT_FLAG 0x01000000
#define WNOTHREAD_FLAG 0x20000000
#define WALL_FLAG 0x40000000
#define WCLONE_FLAG 0x80000000

enum wait_which { WAIT_ANY, WAIT_PID, WAIT_PGID };

struct wait_request {
	enum wait_which which;
	int id;           /* pid, or pgid (0: the caller's group) */
	unsigned options; /* W*_FLAG */
};

struct wait_result {
	int pid;
	int status;       /* wait4's status word */
	int code;         /* waitid's si_code (CLD_*) */
	int si_status;
	uint64_t user_ns, system_ns;
	uint64_t max_rss_pages;
};

/* Returns the pid reported, 0 (WNOHANG, nothing yet), -ECHILD or -ERESTARTSYS. */
long proc_wait(const struct wait_request *r, struct wait_result *out);

#endif
