/*
 * Fast user-space mutexes (futex(2)): WAIT, WAKE, REQUEUE, CMP_REQUEUE,
 * WAIT_BITSET and WAKE_BITSET, private and shared, with timeouts; and the
 * robust-list cleanup at thread exit.
 */
#ifndef PROC_FUTEX_H
#define PROC_FUTEX_H

#include <stdint.h>

struct thread;

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_FD 2
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu

/* Sets up the wait buckets; before the first user thread. */
void futex_init(void);
/* The futex(2) operations; returns the syscall result. */
long futex_op(uint64_t uaddr, int op, uint32_t val, uint64_t timeout_or_val2, uint64_t uaddr2, uint32_t val3);
/* Wakes up to n waiters on a user address of the current process (CLONE_CHILD_CLEARTID). */
void futex_wake_address(uint64_t uaddr, int n);
/* Marks futexes a dying thread still holds as owner-dead and wakes a waiter on each. */
void futex_exit_robust_list(struct thread *t);

#endif
