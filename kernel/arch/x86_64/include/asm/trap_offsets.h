/* Offsets into struct trap_frame (asm/trap.h) for assembly; checked in trap.c. */
#ifndef ASM_TRAP_OFFSETS_H
#define ASM_TRAP_OFFSETS_H

#define FRAME_R11 (4 * 8)
#define FRAME_RBP (8 * 8)
#define FRAME_RCX (12 * 8)
#define FRAME_RAX (14 * 8)
#define FRAME_VECTOR (15 * 8)
#define FRAME_RIP (17 * 8)
#define FRAME_CS (18 * 8)
#define FRAME_RFLAGS (19 * 8)
#define FRAME_RSP (20 * 8)
#define FRAME_SIZE (22 * 8)

/* The vector number a system call's frame carries (beyond the 256 real vectors). */
#define SYSCALL_VECTOR 0x100
/* TF, RF (resume), NT and VM cannot go through sysret safely. */
#define RFLAGS_SYSRET_UNSAFE ((1 << 8) | (1 << 16) | (1 << 14) | (1 << 17))

#endif
