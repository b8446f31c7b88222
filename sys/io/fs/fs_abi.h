/*
 * The Linux ABI values the file service speaks (the protocol carries Linux's
 * open flags, modes, errnos and record-lock types unchanged). The kernel's
 * own tables (kernel/linux/abi.h, kernel/lib/errno.h) are the source; what
 * they do not define yet is defined here with Linux's values (uapi headers
 * named beside each group). Files that include this header must not include
 * libc's <fcntl.h>, <sys/stat.h> or <errno.h>: the same names, spelled
 * differently, would clash.
 */
#ifndef FS_ABI_H
#define FS_ABI_H

#include "lib/errno.h"
#include "linux/abi.h"

/* errno-base.h / errno.h */
#ifndef EXDEV
#define EXDEV 18
#endif
#ifndef ETXTBSY
#define ETXTBSY 26
#endif
#ifndef EMLINK
#define EMLINK 31
#endif

/* stat.h: the permission bits next to the type bits. */
#ifndef S_ISUID
#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000
#endif
#define S_PERM_MASK 07777u /* S_IALLUGO */
#define S_IXUGO 00111u

/* unistd.h: access(2) modes. */
#ifndef R_OK
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4
#endif

/* fcntl.h (asm-generic): record locks, renameat2, fallocate, lseek. */
#ifndef F_RDLCK
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2
#endif
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_FL_PUNCH_HOLE 0x02
#define FALLOC_FL_ZERO_RANGE 0x10
#endif
#ifndef SEEK_DATA
#define SEEK_DATA 3
#define SEEK_HOLE 4
#endif

/* magic.h: what statfs reports for our file systems and for /proc. */
#define TMPFS_MAGIC 0x01021994u
#define PROC_SUPER_MAGIC 0x9fa0u
/* statfs.h f_flags: ST_VALID (the field is filled in) and ST_RELATIME. */
#define ST_VALID 0x0020u
#define ST_RELATIME 0x1000u

/* A user-space dev_t (glibc's and musl's makedev: the 12+20-bit major/minor split
 * that Linux's new_encode_dev also uses for the low 32 bits). */
static inline uint64_t fs_makedev(uint32_t major, uint32_t minor)
{
	return ((uint64_t)(major & 0xfffff000u) << 32) | ((uint64_t)(major & 0xfffu) << 8) |
	       ((uint64_t)(minor & 0xffffff00u) << 12) | (minor & 0xffu);
}

#endif
