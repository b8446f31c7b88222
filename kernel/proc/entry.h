/*
 * The kernel's side of every entry from and exit to user mode: CPU-time
 * accounting, page faults on user addresses (with the out-of-memory killer),
 * and the work done on the way back: rescheduling and signals.
 */
#ifndef PROC_ENTRY_H
#define PROC_ENTRY_H

#include <stdint.h>

struct trap_frame;

/* Called first on every interrupt, exception or system call from user mode. */
void entry_from_user(void);
/* Called last before returning to user mode (interrupts off on return). */
void exit_to_user(struct trap_frame *frame);
/* A user-mode page fault; 0 when resolved, else FAULT_SEGV_* (the caller signals). */
int user_page_fault(uint64_t addr, unsigned access);
/* A kernel access to user memory faulted; 0 when resolved. */
int kernel_user_fault(uint64_t addr, unsigned access);

#endif
