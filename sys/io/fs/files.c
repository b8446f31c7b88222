/*
 * Operations on open handles: CLOSE, the PAGES operations, WRITE_UNDO,
 * GETDENTS, FSYNC, FALLOCATE, SEEK (data and holes), GETPATH and COPY, and
 * the file-data helpers (truncate) the other operations share.
 *
 * File data is whole pool pages in each file's page map; the PAGES answers
 * are those pages' addresses, which the kernel copies to and from, so the
 * server never touches the bytes of a read or write. Whatever lies past the
 * end of a file inside its last page is kept zero (a truncate or an
 * extension zeroes it), so growing a file always shows zeros.
 */
#include <string.h>

#include "fs_internal.h"

/* The fixed part of a struct linux_dirent64: d_ino, d_off, d_reclen, d_type. */
#define DIRENT64_NAME_OFFSET 19u
#define DIRENT64_ALIGN 8u
/* COPY moves at most this much a request, so one client cannot hold the
 * event loop for long; copy_file_range callers loop on short counts. */
#define FS_COPY_MAX (8u << 20)
#define DELETED_SUFFIX " (deleted)"
#define DELETED_SUFFIX_LEN (sizeof(DELETED_SUFFIX) - 1)

static uint64_t page_index(uint64_t offset)
{
	return offset >> FS_PAGE_SHIFT;
}

static size_t page_offset(uint64_t offset)
{
	return (size_t)(offset & (FS_PAGE_SIZE - 1));
}

static void *leaf_address(uintptr_t leaf)
{
	return (void *)(leaf & ~PAGE_FLAGS_MASK);
}

/* Zeroes [from, end of its page) if that page is present. */
static void zero_page_tail(struct ramfs_node *node, uint64_t from)
{
	if (page_offset(from) == 0)
		return;
	uintptr_t leaf = page_map_get(&node->pages, page_index(from));
	if (leaf != 0)
		memset((char *)leaf_address(leaf) + page_offset(from), 0, FS_PAGE_SIZE - page_offset(from));
}

/* Zeroes [from, to) inside one page, if present. */
static void zero_in_page(struct ramfs_node *node, uint64_t from, uint64_t to)
{
	uintptr_t leaf = page_map_get(&node->pages, page_index(from));
	if (leaf != 0)
		memset((char *)leaf_address(leaf) + page_offset(from), 0, (size_t)(to - from));
}

int file_truncate(struct fs *fs, struct ramfs_node *node, uint64_t size)
{
	if (size < node->size) {
		/* Pages past the new end go, fallocated ones beyond the old end too. */
		page_map_punch(&node->pages, &fs->pool, page_index(size + FS_PAGE_SIZE - 1), PAGE_MAP_MAX_INDEX);
		zero_page_tail(node, size);
	} else {
		zero_page_tail(node, node->size);
	}
	node->size = size;
	return 0;
}

/* Grows a file to `end` if it is shorter, keeping the bytes past the old end zero. */
static void extend_to(struct ramfs_node *node, uint64_t end)
{
	if (end <= node->size)
		return;
	zero_page_tail(node, node->size);
	node->size = end;
}

/* The handle of a data operation: -EBADF for none or an O_PATH one. */
static int data_handle(struct fs *fs, uint64_t id, struct handle **out)
{
	struct handle *h = handle_find(fs, id);
	if (h == NULL || h->path_only)
		return -EBADF;
	*out = h;
	return 0;
}

int64_t op_close(struct fs *fs, struct fs_call *c)
{
	struct handle *h = handle_find(fs, c->req.handle);
	if (h == NULL || h == &fs->root_handle)
		return -EBADF;
	handle_close(fs, h);
	return 0;
}

int64_t op_fsync(struct fs *fs, struct fs_call *c)
{
	struct handle *h;
	return data_handle(fs, c->req.handle, &h);
}

/* How many bytes from offset a PAGES answer covers: at most len, and no more
 * pages than out_cap has room for. */
static uint64_t pages_span(uint64_t offset, uint64_t len, size_t out_cap)
{
	uint64_t room = out_cap / sizeof(uint64_t);
	uint64_t first = page_index(offset);
	uint64_t last = page_index(offset + len - 1);
	if (last - first + 1 > room)
		len = ((first + room) << FS_PAGE_SHIFT) - offset;
	return len;
}

/* The answer's page list for [offset, offset + n): fills holes when allocate
 * (marking the pages written) and stops early when pages run out. Returns the
 * bytes covered, or -ENOSPC when not even the first page could be had. */
static int64_t pages_answer(struct fs *fs, struct fs_call *c, struct ramfs_node *node, uint64_t offset, uint64_t n,
			    bool allocate)
{
	uint64_t first = page_index(offset), last = page_index(offset + n - 1);
	uint64_t *out = c->out;
	for (uint64_t i = first; i <= last; i++) {
		uintptr_t leaf = page_map_get(&node->pages, i);
		if (allocate && (leaf == 0 || (leaf & PAGE_UNWRITTEN))) {
			leaf = page_map_ensure(&node->pages, &fs->pool, i, 0);
			if (leaf == 0) {
				if (i == first)
					return -ENOSPC;
				n = (i << FS_PAGE_SHIFT) - offset;
				break;
			}
			page_map_set_flags(&node->pages, i, 0);
		}
		uint64_t address = (uint64_t)(uintptr_t)leaf_address(leaf);
		memcpy(&out[i - first], &address, sizeof(address));
	}
	c->resp->data_len = (uint32_t)((page_index(offset + n - 1) - first + 1) * sizeof(uint64_t));
	return (int64_t)n;
}

/* A regular file for data: EISDIR for a directory, EINVAL for the rest. */
static int regular_only(const struct ramfs_node *node)
{
	if (ramfs_is_dir(node))
		return -EISDIR;
	return (node->mode & S_IFMT) == S_IFREG ? 0 : -EINVAL;
}

/* The handle of a PAGES request: readable or writable as asked, a regular
 * file, and no arg0 bits but `allowed`. */
static int pages_handle(struct fs *fs, const struct fs_call *c, bool write, uint64_t allowed, struct handle **out)
{
	struct handle *h;
	int err = data_handle(fs, c->req.handle, &h);
	if (err != 0)
		return err;
	if (write ? !h->writable : !h->readable)
		return -EBADF;
	if ((err = regular_only(h->node)) != 0)
		return err;
	if (c->req.arg0 & ~allowed)
		return -EINVAL;
	*out = h;
	return 0;
}

int64_t op_read_pages(struct fs *fs, struct fs_call *c)
{
	struct handle *h;
	int err = pages_handle(fs, c, false, TERN_PAGES_ALLOCATE, &h);
	if (err != 0)
		return err;
	struct ramfs_node *node = h->node;
	uint64_t offset = c->req.offset, len = c->req.len;
	fs_accessed(fs, node);
	if (len == 0 || offset >= node->size)
		return 0;
	if (c->out_cap < sizeof(uint64_t))
		return -EINVAL;
	uint64_t n = len < node->size - offset ? len : node->size - offset;
	n = pages_span(offset, n, c->out_cap);
	return pages_answer(fs, c, node, offset, n, (c->req.arg0 & TERN_PAGES_ALLOCATE) != 0);
}

int64_t op_write_pages(struct fs *fs, struct fs_call *c)
{
	struct handle *h;
	int err = pages_handle(fs, c, true, TERN_PAGES_APPEND, &h);
	if (err != 0)
		return err;
	struct ramfs_node *node = h->node;
	uint64_t offset = (c->req.arg0 & TERN_PAGES_APPEND) ? node->size : c->req.offset;
	uint64_t len = c->req.len;
	c->resp->offset = offset;
	if (offset > INT64_MAX)
		return -EINVAL;
	if (len == 0)
		return 0;
	if (offset >= FS_MAX_FILE_SIZE)
		return -EFBIG;
	if (c->out_cap < sizeof(uint64_t))
		return -EINVAL;
	uint64_t n = len < FS_MAX_FILE_SIZE - offset ? len : FS_MAX_FILE_SIZE - offset;
	n = pages_span(offset, n, c->out_cap);
	int64_t done = pages_answer(fs, c, node, offset, n, true);
	if (done <= 0)
		return done;
	extend_to(node, offset + (uint64_t)done);
	fs_touch(fs, node, TOUCH_MTIME | TOUCH_CTIME);
	perm_write_kills_suid(fs, node);
	return done;
}

int64_t op_write_undo(struct fs *fs, struct fs_call *c)
{
	struct handle *h;
	int err = data_handle(fs, c->req.handle, &h);
	if (err != 0)
		return err;
	if (!h->writable)
		return -EBADF;
	if ((err = regular_only(h->node)) != 0)
		return err;
	if (h->node->size == c->req.arg0 && c->req.offset < h->node->size)
		file_truncate(fs, h->node, c->req.offset);
	return 0;
}

static uint8_t dirent_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return DT_REG;
	case S_IFDIR:
		return DT_DIR;
	case S_IFLNK:
		return DT_LNK;
	case S_IFCHR:
		return DT_CHR;
	case S_IFBLK:
		return DT_BLK;
	case S_IFIFO:
		return DT_FIFO;
	case S_IFSOCK:
		return DT_SOCK;
	default:
		return DT_UNKNOWN;
	}
}

/* Appends one linux_dirent64 to the output if it fits; returns its length or 0. */
static size_t dirent_put(char *out, size_t room, uint64_t ino, uint64_t next, uint8_t type, const char *name,
			 size_t len)
{
	size_t reclen = (DIRENT64_NAME_OFFSET + len + 1 + DIRENT64_ALIGN - 1) & ~(size_t)(DIRENT64_ALIGN - 1);
	if (reclen > room)
		return 0;
	char record[DIRENT64_NAME_OFFSET + TERN_NAME_MAX + DIRENT64_ALIGN] = {0};
	int64_t off = (int64_t)next;
	uint16_t reclen16 = (uint16_t)reclen;
	memcpy(record, &ino, sizeof(ino));
	memcpy(record + 8, &off, sizeof(off));
	memcpy(record + 16, &reclen16, sizeof(reclen16));
	record[18] = (char)type;
	memcpy(record + DIRENT64_NAME_OFFSET, name, len);
	memcpy(out, record, reclen);
	return reclen;
}

int64_t op_getdents(struct fs *fs, struct fs_call *c)
{
	struct handle *h;
	int err = data_handle(fs, c->req.handle, &h);
	if (err != 0)
		return err;
	struct ramfs_node *dir = h->node;
	if (!ramfs_is_dir(dir))
		return -ENOTDIR;
	if (dir->nlink == 0)
		return -ENOENT;
	uint64_t pos = c->req.offset;
	size_t room = c->req.len < c->out_cap ? (size_t)c->req.len : c->out_cap;
	/* A listing shows what the directory held when it began: what is added
	 * (or renamed, which re-adds) meanwhile has later cookies and cannot keep
	 * a reader going forever. */
	if (pos == 0 || !h->listing) {
		h->listing = true;
		h->list_end = dir->dir.next_cookie;
	}
	size_t used = 0;
	for (;;) {
		size_t n;
		uint64_t next;
		if (pos == 0) {
			next = 1;
			n = dirent_put((char *)c->out + used, room - used, dir->ino, next, DT_DIR, ".", 1);
		} else if (pos == 1) {
			next = RAMFS_FIRST_COOKIE;
			n = dirent_put((char *)c->out + used, room - used, ramfs_parent(dir)->ino, next, DT_DIR, "..", 2);
		} else {
			struct ramfs_dirent *e = ramfs_dir_next(dir, pos, h->list_end);
			if (e == NULL)
				break;
			next = e->cookie + 1;
			n = dirent_put((char *)c->out + used, room - used, e->node->ino, next, dirent_type(e->node->mode),
				       e->name, e->name_len);
		}
		if (n == 0) {
			if (used == 0)
				return -EINVAL;
			break;
		}
		used += n;
		pos = next;
	}
	c->resp->offset = pos;
	c->resp->data_len = (uint32_t)used;
	fs_accessed(fs, dir);
	return (int64_t)used;
}

/* Allocates [first, last] as unwritten pages where there are holes; on
 * running out, gives back the unwritten pages of the range (Linux undoes a
 * failed fallocate the same way) and returns -ENOSPC. */
static int allocate_range(struct fs *fs, struct ramfs_node *node, uint64_t first, uint64_t last)
{
	for (uint64_t i = first; i <= last; i++) {
		if (page_map_get(&node->pages, i) != 0)
			continue;
		if (page_map_ensure(&node->pages, &fs->pool, i, PAGE_UNWRITTEN) == 0) {
			for (uint64_t j = first; j < i; j++) {
				if (page_map_get(&node->pages, j) & PAGE_UNWRITTEN)
					page_map_punch(&node->pages, &fs->pool, j, j);
			}
			return -ENOSPC;
		}
	}
	return 0;
}

/* FALLOC_FL_ZERO_RANGE: zeros in [offset, end), whole pages left allocated but
 * unwritten (they read as zeros and count as holes, as ext4's unwritten extents). */
static int zero_range(struct fs *fs, struct ramfs_node *node, uint64_t offset, uint64_t end)
{
	uint64_t first = page_index(offset), last = page_index(end - 1);
	int err = allocate_range(fs, node, first, last);
	if (err != 0)
		return err;
	for (uint64_t i = first; i <= last; i++) {
		uint64_t from = i == first ? offset : i << FS_PAGE_SHIFT;
		uint64_t to = i == last ? end : (i + 1) << FS_PAGE_SHIFT;
		zero_in_page(node, from, to);
		if (page_offset(from) == 0 && page_offset(to) == 0)
			page_map_set_flags(&node->pages, i, PAGE_UNWRITTEN);
	}
	return 0;
}

/* FALLOC_FL_PUNCH_HOLE: whole pages inside go, partial ones get zeros. */
static void punch_hole(struct fs *fs, struct ramfs_node *node, uint64_t offset, uint64_t end)
{
	uint64_t first = page_index(offset), last = page_index(end - 1);
	if (first == last) {
		if (page_offset(offset) == 0 && page_offset(end) == 0)
			page_map_punch(&node->pages, &fs->pool, first, first);
		else
			zero_in_page(node, offset, end);
		return;
	}
	uint64_t whole_first = first, whole_last = last;
	if (page_offset(offset) != 0) {
		zero_in_page(node, offset, (first + 1) << FS_PAGE_SHIFT);
		whole_first++;
	}
	if (page_offset(end) != 0) {
		zero_in_page(node, last << FS_PAGE_SHIFT, end);
		whole_last--;
	}
	if (whole_first <= whole_last)
		page_map_punch(&node->pages, &fs->pool, whole_first, whole_last);
}

int64_t op_fallocate(struct fs *fs, struct fs_call *c)
{
	uint64_t mode = c->req.arg0, offset = c->req.offset, len = c->req.len;
	const uint64_t known = FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE;
	/* vfs_fallocate's order: arguments, mode, access, file type, size. */
	if (offset > INT64_MAX || len == 0 || len > INT64_MAX)
		return -EINVAL;
	if (mode & ~known)
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && (mode & FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if ((mode & FALLOC_FL_PUNCH_HOLE) && !(mode & FALLOC_FL_KEEP_SIZE))
		return -EOPNOTSUPP;
	struct handle *h;
	int err = data_handle(fs, c->req.handle, &h);
	if (err != 0)
		return err;
	if (!h->writable)
		return -EBADF;
	struct ramfs_node *node = h->node;
	uint32_t type = node->mode & S_IFMT;
	if (type == S_IFIFO)
		return -ESPIPE;
	if (type == S_IFDIR)
		return -EISDIR;
	if (type != S_IFREG)
		return -ENODEV;
	if (len > FS_MAX_FILE_SIZE || offset > FS_MAX_FILE_SIZE - len)
		return -EFBIG;
	uint64_t end = offset + len;

	if (mode & FALLOC_FL_PUNCH_HOLE)
		punch_hole(fs, node, offset, end);
	else if (mode & FALLOC_FL_ZERO_RANGE)
		err = zero_range(fs, node, offset, end);
	else
		err = allocate_range(fs, node, page_index(offset), page_index(end - 1));
	if (err != 0)
		return err;
	if (!(mode & FALLOC_FL_KEEP_SIZE))
		extend_to(node, end);
	fs_touch(fs, node, TOUCH_MTIME | TOUCH_CTIME);
	perm_write_kills_suid(fs, node);
	return 0;
}

int64_t op_seek(struct fs *fs, struct fs_call *c)
{
	struct handle *h;
	int err = data_handle(fs, c->req.handle, &h);
	if (err != 0)
		return err;
	uint64_t whence = c->req.arg0, offset = c->req.offset;
	struct ramfs_node *node = h->node;
	if ((whence != SEEK_DATA && whence != SEEK_HOLE) || (node->mode & S_IFMT) != S_IFREG)
		return -EINVAL;
	if (offset > INT64_MAX || offset >= node->size)
		return -ENXIO;
	uint64_t found;
	bool want_data = whence == SEEK_DATA;
	if (!page_map_find(&node->pages, page_index(offset), page_index(node->size - 1), want_data, &found))
		return want_data ? -ENXIO : (int64_t)node->size;
	found <<= FS_PAGE_SHIFT;
	return (int64_t)(found > offset ? found : offset);
}

/* Puts name in front of the path being built backwards in buf[*start, end). */
static int prepend(char *buf, size_t *start, const char *name, size_t len)
{
	if (len > *start)
		return -ENAMETOOLONG;
	*start -= len;
	memcpy(buf + *start, name, len);
	return 0;
}

int64_t op_getpath(struct fs *fs, struct fs_call *c)
{
	struct handle *h = handle_find(fs, c->req.handle);
	if (h == NULL)
		return -EBADF;
	/* Built backwards from the end of a scratch buffer: name, then each directory up. */
	char *buf = fs->path2;
	size_t end = sizeof(fs->path2), start = end;
	struct mount *mnt = h->mnt;
	struct ramfs_node *dir = h->node;
	bool removed = dir->nlink == 0;
	int err = 0;
	if (h->entry != NULL) {
		removed = !h->entry->linked;
		err = prepend(buf, &start, h->entry->name, h->entry->name_len);
		if (err == 0)
			err = prepend(buf, &start, "/", 1);
		dir = h->entry->dir;
	}
	while (err == 0) {
		while (mnt->rfs != NULL && dir == mnt->rfs->root && mnt->parent != NULL) {
			dir = mnt->mountpoint;
			mnt = mnt->parent;
		}
		struct ramfs_dirent *self = dir->dir.self;
		if (self == NULL)
			break;
		err = prepend(buf, &start, self->name, self->name_len);
		if (err == 0)
			err = prepend(buf, &start, "/", 1);
		dir = self->dir;
	}
	if (err == 0 && start == end)
		err = prepend(buf, &start, "/", 1);
	size_t len = end - start;
	if (err == 0 && removed && len + DELETED_SUFFIX_LEN > end)
		err = -ENAMETOOLONG;
	if (err != 0)
		return err;
	if (removed) {
		memmove(buf, buf + start, len);
		memcpy(buf + len, DELETED_SUFFIX, DELETED_SUFFIX_LEN);
		start = 0;
		len += DELETED_SUFFIX_LEN;
	}
	if (len >= TERN_PATH_MAX)
		return -ENAMETOOLONG;
	if (len > c->out_cap)
		return -ERANGE;
	memcpy(c->out, buf + start, len);
	c->resp->data_len = (uint32_t)len;
	c->resp->offset = removed ? 1 : 0;
	return (int64_t)len;
}

/* Copies n bytes between files, page piece by page piece; short when pages run out. */
static int64_t copy_bytes(struct fs *fs, struct ramfs_node *src, uint64_t pos_in, struct ramfs_node *dst,
			  uint64_t pos_out, uint64_t n)
{
	uint64_t done = 0;
	while (done < n) {
		uint64_t in = pos_in + done, out = pos_out + done;
		size_t chunk = FS_PAGE_SIZE - (page_offset(in) > page_offset(out) ? page_offset(in) : page_offset(out));
		if (chunk > n - done)
			chunk = (size_t)(n - done);
		uintptr_t to = page_map_ensure(&dst->pages, &fs->pool, page_index(out), 0);
		if (to == 0)
			break;
		page_map_set_flags(&dst->pages, page_index(out), 0);
		uintptr_t from = page_map_get(&src->pages, page_index(in));
		char *dst_bytes = (char *)leaf_address(to) + page_offset(out);
		if (from == 0)
			memset(dst_bytes, 0, chunk);
		else
			memmove(dst_bytes, (char *)leaf_address(from) + page_offset(in), chunk);
		done += chunk;
	}
	return done == 0 && n > 0 ? -ENOSPC : (int64_t)done;
}

int64_t op_copy(struct fs *fs, struct fs_call *c)
{
	struct handle *in, *out;
	int err = data_handle(fs, c->req.handle, &in);
	if (err == 0)
		err = data_handle(fs, c->req.handle2, &out);
	if (err != 0)
		return err;
	if (!in->readable || !out->writable || (out->flags & O_APPEND))
		return -EBADF;
	if ((err = regular_only(in->node)) != 0 || (err = regular_only(out->node)) != 0)
		return err;
	uint64_t pos_in = c->req.offset, pos_out = c->req.arg0, len = c->req.len;
	if (pos_in > INT64_MAX || pos_out > INT64_MAX)
		return -EINVAL;
	struct ramfs_node *src = in->node, *dst = out->node;
	if (len == 0 || pos_in >= src->size)
		return 0;
	uint64_t n = len < src->size - pos_in ? len : src->size - pos_in;
	if (n > FS_COPY_MAX)
		n = FS_COPY_MAX;
	if (src == dst && pos_out < pos_in + n && pos_in < pos_out + n)
		return -EINVAL;
	if (pos_out >= FS_MAX_FILE_SIZE)
		return -EFBIG;
	if (n > FS_MAX_FILE_SIZE - pos_out)
		n = FS_MAX_FILE_SIZE - pos_out;
	/* Bytes past the old end read as zeros: clear the old last page's tail
	 * before the copy lands in it (extend_to afterwards would clear the copy). */
	if (pos_out + n > dst->size)
		zero_page_tail(dst, dst->size);
	int64_t done = copy_bytes(fs, src, pos_in, dst, pos_out, n);
	if (done <= 0)
		return done;
	if (pos_out + (uint64_t)done > dst->size)
		dst->size = pos_out + (uint64_t)done;
	fs_touch(fs, dst, TOUCH_MTIME | TOUCH_CTIME);
	perm_write_kills_suid(fs, dst);
	fs_accessed(fs, src);
	return done;
}

int file_write_bytes(struct fs *fs, struct ramfs_node *node, uint64_t offset, const void *data, size_t len)
{
	if (offset > FS_MAX_FILE_SIZE || len > FS_MAX_FILE_SIZE - offset)
		return -EFBIG;
	extend_to(node, offset); /* the gap (and the old tail) reads as zeros */
	for (size_t done = 0; done < len;) {
		uint64_t at = offset + done;
		size_t chunk = FS_PAGE_SIZE - page_offset(at);
		if (chunk > len - done)
			chunk = len - done;
		uintptr_t leaf = page_map_ensure(&node->pages, &fs->pool, page_index(at), 0);
		if (leaf == 0)
			return -ENOSPC;
		memcpy((char *)leaf_address(leaf) + page_offset(at), (const char *)data + done, chunk);
		done += chunk;
	}
	if (offset + len > node->size)
		node->size = offset + len;
	return 0;
}
