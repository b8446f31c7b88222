/*
 * A read-only view of the initramfs (the cpio archive from the boot loader),
 * so programs can be loaded and read before the I/O server exists. It is a
 * tree built once at boot; nodes are never freed. /dev is synthesized with the
 * kernel's own character devices. Path lookup follows Linux: ".", "..",
 * symlinks (at most 40 per lookup: ELOOP), trailing slashes, ENOTDIR, ENOENT,
 * ENAMETOOLONG.
 */
#ifndef FD_INITRAMFS_H
#define FD_INITRAMFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fd/file.h"

#define NAME_MAX 255

struct ifs_node {
	char *name;
	uint32_t mode;
	uint32_t uid, gid;
	uint32_t mtime;
	uint32_t rdev;
	uint64_t ino;
	const uint8_t *data; /* file contents or symlink target */
	uint64_t size;
	struct ifs_node *parent;
	struct ifs_node *children; /* first child */
	struct ifs_node *next;     /* next sibling */
	unsigned nchildren;
};

/* Builds the tree from the archive (which must stay in memory). */
void initramfs_init(const void *archive, size_t size);
struct ifs_node *initramfs_root(void);

/* Resolves path relative to cwd (absolute paths ignore it). follow: follow a final symlink. */
int initramfs_lookup(struct ifs_node *cwd, const char *path, bool follow, struct ifs_node **out);
/* The absolute path of a directory node. */
void initramfs_path(const struct ifs_node *n, char *buf, size_t size);
/* Opens a node (regular file, directory or device) with open(2) flags. */
int initramfs_open(struct ifs_node *n, unsigned flags, struct file **out);
/* The node behind an open initramfs file, or NULL for other files. */
struct ifs_node *initramfs_file_node(struct file *f);
void initramfs_stat(const struct ifs_node *n, struct kstat *st);

static inline bool ifs_is_dir(const struct ifs_node *n) { return (n->mode & 0170000) == 0040000; }
static inline bool ifs_is_link(const struct ifs_node *n) { return (n->mode & 0170000) == 0120000; }
static inline bool ifs_is_reg(const struct ifs_node *n) { return (n->mode & 0170000) == 0100000; }

#endif
