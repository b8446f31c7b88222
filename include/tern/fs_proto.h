/*
 * The file-service protocol between the kernel and the I/O server (sys/io).
 *
 * The kernel turns file system calls into requests on one IPC channel
 * (include/tern/ipc.h): a request names an operation, the open-file handles
 * and paths it works on, and the caller's credentials; the server answers
 * each one with a response carrying a result or a negative errno. Paths,
 * stat records and directory entries travel in the request's data slot.
 *
 * File data never travels through the channel: the server answers the
 * PAGES operations with the addresses, in its own address space, of the
 * pages that hold the data (its RAM file system keeps every file in whole
 * pages); the kernel finds the physical pages behind them and copies between
 * them and the client's buffer, or maps them into the client (mmap, exec).
 *
 * Positions are the kernel's: it keeps the offset of every open file
 * description and sends explicit offsets. A handle is the server's open file:
 * a node plus the flags it was opened with; it lives until TERN_FS_CLOSE.
 *
 * Everything the server writes is untrusted by the kernel and every request
 * is untrusted by the server: both sides copy what they read out of shared
 * memory once and check it before use.
 */
#ifndef TERN_FS_PROTO_H
#define TERN_FS_PROTO_H

#include <stdint.h>

/* The handle that means "the root directory" (absolute paths ignore the handle). */
#define TERN_FS_ROOT_HANDLE 1ull
/* No handle. */
#define TERN_FS_NO_HANDLE 0ull

/* Path length limits, as on Linux (PATH_MAX includes the NUL; NAME_MAX excludes it). */
#define TERN_PATH_MAX 4096
#define TERN_NAME_MAX 255
/* Symbolic links followed in one lookup before ELOOP (Linux: 40). */
#define TERN_SYMLINK_MAX 40

/*
 * Operations. "dir, path" means: resolve path relative to the directory
 * handle `handle` (an absolute path starts at the root). Unless stated,
 * the result is 0 or -errno and no data comes back.
 */
enum tern_fs_op {
	TERN_FS_NOP = 0,
	/* dir, path; arg0 = open flags (Linux O_*, plus TERN_O_EXEC), arg1 = mode (umask
	 * already applied). Result: a new handle. Response: stat of the opened node. */
	TERN_FS_OPEN,
	/* handle: forget it. Also drops flock locks held through it. */
	TERN_FS_CLOSE,
	/* handle, offset, len. Result: bytes of file data from offset (0 at or past EOF,
	 * at most len). Data: one uint64_t per page spanned, the server address of the
	 * page (0 for a hole, which reads as zeros). arg0 & TERN_PAGES_ALLOCATE: fill
	 * holes inside the file with pages (for shared writable mappings). */
	TERN_FS_READ_PAGES,
	/* handle, offset, len; arg0 & TERN_PAGES_APPEND: write at the end of the file.
	 * The server extends the file and updates its times. Result: len (or -errno, e.g.
	 * EFBIG, ENOSPC). Response offset: where the write lands. Data: page addresses as
	 * for READ_PAGES (never 0). */
	TERN_FS_WRITE_PAGES,
	/* handle, offset (the new end): a write that failed part way (the client's buffer
	 * faulted) gives back what it did not write: if the file's size is still
	 * arg0 (what the write made it), it becomes offset. */
	TERN_FS_WRITE_UNDO,
	/* dir, path (empty with AT_EMPTY_PATH: the handle itself); arg0 = AT_SYMLINK_NOFOLLOW
	 * | AT_EMPTY_PATH. Response: stat. */
	TERN_FS_STAT,
	/* handle (a directory), offset = position cookie, len = room. Result: bytes of
	 * struct linux_dirent64 records in data (0 at the end). Response offset: the next
	 * cookie. */
	TERN_FS_GETDENTS,
	/* dir, path; arg0 = mode. */
	TERN_FS_MKDIR,
	/* dir, path; arg0 = mode (with the file type: S_IFREG, S_IFIFO, S_IFCHR, S_IFBLK,
	 * S_IFSOCK), arg1 = device number (Linux encoding). */
	TERN_FS_MKNOD,
	/* dir, path = the new link's name, path2 = the target text. */
	TERN_FS_SYMLINK,
	/* handle + path (the existing file), handle2 + path2 (the new name);
	 * arg0 = AT_SYMLINK_FOLLOW | AT_EMPTY_PATH. */
	TERN_FS_LINK,
	/* dir, path; arg0 = AT_REMOVEDIR (rmdir) or 0 (unlink). */
	TERN_FS_UNLINK,
	/* handle + path -> handle2 + path2; arg0 = RENAME_NOREPLACE | RENAME_EXCHANGE. */
	TERN_FS_RENAME,
	/* dir, path (empty with AT_EMPTY_PATH... as for STAT). Result: length of the
	 * target text in data (not NUL-terminated). */
	TERN_FS_READLINK,
	/* dir, path; arg0 = TERN_ATTR_* fields to change, arg1 = AT_SYMLINK_NOFOLLOW |
	 * AT_EMPTY_PATH; the new values in data as struct tern_fs_setattr. Response: stat
	 * of the node after the change (the kernel drops mappings past a new, smaller size). */
	TERN_FS_SETATTR,
	/* dir, path; arg0 = access mode (F_OK, R_OK, W_OK, X_OK), arg1 = AT_* flags. */
	TERN_FS_ACCESS,
	/* dir, path (or the handle with AT_EMPTY_PATH in arg0). Data: struct tern_fs_statfs. */
	TERN_FS_STATFS,
	/* handle. */
	TERN_FS_FSYNC,
	/* handle, offset, len; arg0 = fallocate mode (0, FALLOC_FL_KEEP_SIZE,
	 * FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, FALLOC_FL_ZERO_RANGE). */
	TERN_FS_FALLOCATE,
	/* handle, offset; arg0 = SEEK_DATA or SEEK_HOLE. Result: the offset found. */
	TERN_FS_SEEK,
	/* handle. Result: length of the absolute path of its node in data (no NUL);
	 * -ENOENT when the node has been removed. */
	TERN_FS_GETPATH,
	/* handle (source) at offset, handle2 (destination) at arg0, len bytes.
	 * Result: bytes copied. */
	TERN_FS_COPY,
	/* Record locks. handle; data: struct tern_fs_lock. arg0 = TERN_LOCK_GET (result
	 * in data), TERN_LOCK_SET, TERN_LOCK_WAIT (answered when granted: the request
	 * stays pending; TERN_FS_CANCEL ends it with -EINTR). Owner: the pid in the
	 * request for POSIX locks, the handle for flock locks (TERN_LOCK_FLOCK). */
	TERN_FS_LOCK,
	/* handle: the process `pid` closed a descriptor of this file: its POSIX locks on
	 * the node go (Linux semantics). */
	TERN_FS_UNLOCK_PROCESS,
	/* arg0 = the slot of a pending request to end early (its answer: -EINTR). Result 0,
	 * or -ENOENT if that request was not pending. */
	TERN_FS_CANCEL,
	TERN_FS_OP_COUNT
};

/* TERN_FS_OPEN flag (outside Linux's O_* bits): open for execution: the node must be a
 * regular file with an execute bit (else EACCES), and it may not be opened for
 * writing while such a handle exists (ETXTBSY). */
#define TERN_O_EXEC 0x100000000ull

/* READ_PAGES / WRITE_PAGES arg0 bits. */
#define TERN_PAGES_ALLOCATE 1u
#define TERN_PAGES_APPEND 2u

/* SETATTR fields (arg0). */
#define TERN_ATTR_MODE 0x01u
#define TERN_ATTR_UID 0x02u
#define TERN_ATTR_GID 0x04u
#define TERN_ATTR_SIZE 0x08u
#define TERN_ATTR_ATIME 0x10u
#define TERN_ATTR_MTIME 0x20u
#define TERN_ATTR_ATIME_NOW 0x40u
#define TERN_ATTR_MTIME_NOW 0x80u

/* LOCK commands (arg0) and flags. */
#define TERN_LOCK_GET 0u
#define TERN_LOCK_SET 1u
#define TERN_LOCK_WAIT 2u
#define TERN_LOCK_CMD_MASK 3u
#define TERN_LOCK_FLOCK 4u   /* a whole-file flock lock owned by the handle */

/* A time in the protocol: seconds and nanoseconds since the epoch. */
struct tern_fs_time {
	int64_t sec;
	int64_t nsec;
};

/* What the server knows about a node (Linux struct stat fields). */
struct tern_fs_stat {
	uint64_t dev, ino, rdev;
	uint32_t mode, nlink, uid, gid;
	uint64_t size, blocks; /* blocks: 512-byte units */
	uint32_t blksize, pad;
	struct tern_fs_time atime, mtime, ctime;
};

struct tern_fs_setattr {
	uint32_t mode, uid, gid, pad;
	uint64_t size;
	struct tern_fs_time atime, mtime;
};

struct tern_fs_statfs {
	uint64_t type, bsize, blocks, bfree, bavail, files, ffree, namelen, frsize, flags;
};

/* A record lock (struct flock with a process id). type: F_RDLCK, F_WRLCK, F_UNLCK. */
struct tern_fs_lock {
	int32_t type, pid;
	uint64_t start; /* absolute: the kernel resolves SEEK_CUR / SEEK_END */
	uint64_t len;   /* 0: to the end of the file (and beyond) */
};

/*
 * A request, as the kernel writes it into the submission ring. Paths are in
 * the slot's data area: path at offset 0 (path_len bytes, no NUL), path2 right
 * after it. The server's answer names the same slot.
 */
struct tern_fs_request {
	uint32_t slot;      /* the data slot, and the request's identity until answered */
	uint16_t op;        /* enum tern_fs_op */
	uint16_t pad;
	int32_t pid;        /* the calling process (lock owner, /proc-like answers) */
	uint32_t uid, gid;  /* its effective credentials */
	uint32_t path_len, path2_len;
	uint32_t data_len;  /* bytes of input in the data slot (paths, setattr, lock) */
	uint64_t handle, handle2;
	uint64_t offset, len;
	uint64_t arg0, arg1;
};

/* The answer. */
struct tern_fs_response {
	uint32_t slot;
	uint32_t data_len;  /* bytes of output in the data slot */
	int64_t result;     /* >= 0: success (op-specific), < 0: -errno */
	uint64_t offset;    /* op-specific (next cookie, where a write landed) */
	struct tern_fs_stat stat; /* OPEN, STAT and SETATTR */
};

/*
 * A node that is not the server's to serve. -TERN_EREDIRECT answers an OPEN,
 * STAT, READLINK or ACCESS whose path crossed into a kernel file system
 * (/proc): data holds the rest of the path (relative to that file system's
 * root, no NUL) and arg0 of the response's offset names it (TERN_FS_PROCFS).
 */
#define TERN_EREDIRECT 4096
#define TERN_FS_PROCFS 1u

#endif
