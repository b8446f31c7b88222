#include "ramfs.h"

#include <stdlib.h>
#include <string.h>

#include "fs_abi.h"

/* tmpfs: an empty directory reports two bogus entries' worth of size. */
#define DIR_EMPTY_SIZE (2 * RAMFS_DIRENT_BOGO_SIZE)
/* Bucket array of a directory's name hash, first size and load limit (entries per bucket). */
#define DIR_MIN_BUCKETS 8u
#define DIR_MAX_LOAD 2u
#define DIR_MIN_SLOTS 8u
/* Tombstones in a cookie array are squeezed out once they outnumber the entries. */
#define DIR_COMPACT_MIN 32u
/* FNV-1a, 64-bit. */
#define FNV_OFFSET 0xcbf29ce484222325ull
#define FNV_PRIME 0x100000001b3ull

static uint64_t name_hash(const struct ramfs *fs, const char *name, size_t len)
{
	uint64_t h = FNV_OFFSET ^ fs->hash_seed;
	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= FNV_PRIME;
	}
	return h;
}

struct ramfs *ramfs_create(struct page_pool *pool, uint32_t perm, uint32_t uid, uint32_t gid,
			   const struct tern_fs_time *now)
{
	struct ramfs *fs = calloc(1, sizeof(*fs));
	if (fs == NULL)
		return NULL;
	fs->pool = pool;
	fs->next_ino = 1;
	/* Where the instance lives varies with the allocator: enough to keep a
	 * directory's hash chains from being predictable offline. */
	fs->hash_seed = ((uint64_t)(uintptr_t)fs * FNV_PRIME) ^ (uint64_t)now->nsec;
	list_init(&fs->nodes_list);
	list_init(&fs->orphans);
	fs->root = ramfs_node_new(fs, S_IFDIR | (perm & S_PERM_MASK), uid, gid, 0, NULL, 0, now);
	if (fs->root == NULL) {
		free(fs);
		return NULL;
	}
	/* A root has no entry: "." and ".." both count. */
	fs->root->nlink = 2;
	return fs;
}

struct ramfs_node *ramfs_node_new(struct ramfs *fs, uint32_t mode, uint32_t uid, uint32_t gid, uint64_t rdev,
				  const char *target, size_t target_len, const struct tern_fs_time *now)
{
	struct ramfs_node *node = calloc(1, sizeof(*node));
	if (node == NULL)
		return NULL;
	if ((mode & S_IFMT) == S_IFLNK) {
		node->link.target = malloc(target_len + 1);
		if (node->link.target == NULL) {
			free(node);
			return NULL;
		}
		memcpy(node->link.target, target, target_len);
		node->link.target[target_len] = '\0';
		node->link.len = (uint32_t)target_len;
	}
	if ((mode & S_IFMT) == S_IFDIR)
		node->dir.next_cookie = RAMFS_FIRST_COOKIE;
	node->fs = fs;
	node->ino = fs->next_ino++;
	node->mode = mode;
	node->uid = uid;
	node->gid = gid;
	if ((mode & S_IFMT) == S_IFCHR || (mode & S_IFMT) == S_IFBLK)
		node->rdev = rdev;
	node->atime = node->mtime = node->ctime = *now;
	list_push_back(&fs->nodes_list, &node->all);
	fs->nodes++;
	return node;
}

void ramfs_node_get(struct ramfs_node *node)
{
	node->refs++;
}

static void free_dirent(struct ramfs_dirent *entry)
{
	list_remove(&entry->orphan);
	free(entry->name);
	free(entry);
}

/* Drops a reference on an entry; returns the directory whose reference the
 * entry held and the caller must now drop (NULL if none). */
static struct ramfs_node *dirent_release(struct ramfs_dirent *entry)
{
	if (--entry->refs > 0 || entry->linked)
		return NULL;
	struct ramfs_node *dir = entry->dir;
	free_dirent(entry);
	return dir;
}

/* Frees a node's own memory and pages; returns the directory whose reference
 * went with it (see dirent_release). */
static struct ramfs_node *node_free(struct ramfs_node *node)
{
	struct ramfs *fs = node->fs;
	struct ramfs_node *next = NULL;

	if (node->locks != NULL && fs->release_locks != NULL)
		fs->release_locks(node);
	switch (node->mode & S_IFMT) {
	case S_IFREG:
		page_map_clear(&node->pages, fs->pool);
		break;
	case S_IFLNK:
		free(node->link.target);
		break;
	case S_IFDIR:
		/* Only an empty directory loses its last link, so no entry is left in it. */
		free(node->dir.buckets);
		free(node->dir.slots);
		if (node->dir.self != NULL)
			next = dirent_release(node->dir.self);
		break;
	default:
		break;
	}
	list_remove(&node->all);
	fs->nodes--;
	free(node);
	return next;
}

void ramfs_node_put(struct ramfs_node *node)
{
	/* A chain of removed directories each holding its parent is freed by
	 * iteration, not recursion: directory trees can be arbitrarily deep. */
	while (node != NULL) {
		if (node->refs > 0)
			node->refs--;
		if (node->refs > 0 || node->nlink > 0)
			return;
		node = node_free(node);
	}
}

void ramfs_node_discard(struct ramfs_node *node)
{
	node->nlink = 0;
	node->refs = 0;
	node_free(node);
}

void ramfs_dirent_get(struct ramfs_dirent *entry)
{
	entry->refs++;
}

void ramfs_dirent_put(struct ramfs_dirent *entry)
{
	struct ramfs_node *dir = dirent_release(entry);
	if (dir != NULL)
		ramfs_node_put(dir);
}

static bool name_equal(const struct ramfs_dirent *e, const char *name, size_t len, uint64_t hash)
{
	return e->hash == hash && e->name_len == len && memcmp(e->name, name, len) == 0;
}

struct ramfs_dirent *ramfs_lookup(const struct ramfs_node *dir, const char *name, size_t len)
{
	const struct ramfs_dir *d = &dir->dir;
	if (d->buckets == NULL)
		return NULL;
	uint64_t hash = name_hash(dir->fs, name, len);
	for (struct ramfs_dirent *e = d->buckets[hash & d->bucket_mask]; e != NULL; e = e->hash_next) {
		if (name_equal(e, name, len, hash))
			return e;
	}
	return NULL;
}

static void compact_slots(struct ramfs_dir *d)
{
	uint32_t out = 0;
	for (uint32_t i = 0; i < d->slots_used; i++) {
		if (d->slots[i].entry == NULL)
			continue;
		d->slots[out] = d->slots[i];
		d->slots[out].entry->slot = out;
		out++;
	}
	d->slots_used = out;
}

static int grow_buckets(struct ramfs_node *dir, uint32_t want_entries)
{
	struct ramfs_dir *d = &dir->dir;
	uint32_t buckets = d->buckets == NULL ? 0 : d->bucket_mask + 1;
	if (buckets != 0 && want_entries <= buckets * DIR_MAX_LOAD)
		return 0;
	uint32_t n = buckets == 0 ? DIR_MIN_BUCKETS : buckets * 2;
	while (want_entries > n * DIR_MAX_LOAD)
		n *= 2;
	struct ramfs_dirent **fresh = calloc(n, sizeof(*fresh));
	if (fresh == NULL)
		return -ENOMEM;
	for (uint32_t b = 0; b < buckets; b++) {
		struct ramfs_dirent *e = d->buckets[b];
		while (e != NULL) {
			struct ramfs_dirent *next = e->hash_next;
			e->hash_next = fresh[e->hash & (n - 1)];
			fresh[e->hash & (n - 1)] = e;
			e = next;
		}
	}
	free(d->buckets);
	d->buckets = fresh;
	d->bucket_mask = n - 1;
	return 0;
}

/* Room for `more` insertions into dir (hash and cookie array), so that what
 * follows cannot fail half way. */
static int dir_reserve(struct ramfs_node *dir, uint32_t more)
{
	struct ramfs_dir *d = &dir->dir;
	if (d->count + more < d->count)
		return -ENOMEM;
	if (grow_buckets(dir, d->count + more) != 0)
		return -ENOMEM;
	if (d->slots_used - d->count > DIR_COMPACT_MIN && d->slots_used - d->count > d->count)
		compact_slots(d);
	if (d->slots_used + more <= d->slots_cap)
		return 0;
	uint64_t cap = d->slots_cap == 0 ? DIR_MIN_SLOTS : (uint64_t)d->slots_cap * 2;
	while (cap < (uint64_t)d->slots_used + more)
		cap *= 2;
	if (cap > UINT32_MAX / 2)
		return -ENOMEM;
	struct ramfs_dir_slot *fresh = realloc(d->slots, cap * sizeof(*fresh));
	if (fresh == NULL)
		return -ENOMEM;
	d->slots = fresh;
	d->slots_cap = (uint32_t)cap;
	return 0;
}

/* Puts a reserved-for entry (name and hash set) into dir with a new cookie. */
static void dir_insert(struct ramfs_node *dir, struct ramfs_dirent *entry)
{
	struct ramfs_dir *d = &dir->dir;
	uint32_t bucket = (uint32_t)(entry->hash & d->bucket_mask);
	entry->hash_next = d->buckets[bucket];
	d->buckets[bucket] = entry;
	entry->cookie = d->next_cookie++;
	entry->slot = d->slots_used;
	d->slots[d->slots_used++] = (struct ramfs_dir_slot){.cookie = entry->cookie, .entry = entry};
	d->count++;
	entry->dir = dir;
	entry->linked = true;
}

static void dir_remove(struct ramfs_dirent *entry)
{
	struct ramfs_dir *d = &entry->dir->dir;
	struct ramfs_dirent **p = &d->buckets[entry->hash & d->bucket_mask];
	while (*p != entry)
		p = &(*p)->hash_next;
	*p = entry->hash_next;
	entry->hash_next = NULL;
	d->slots[entry->slot].entry = NULL;
	/* Trailing tombstones can go at once: nothing has a later cookie. */
	while (d->slots_used > 0 && d->slots[d->slots_used - 1].entry == NULL)
		d->slots_used--;
	d->count--;
	entry->linked = false;
}

static char *copy_name(const char *name, size_t len)
{
	char *copy = malloc(len + 1);
	if (copy != NULL) {
		memcpy(copy, name, len);
		copy[len] = '\0';
	}
	return copy;
}

static struct ramfs_dirent *dirent_new(struct ramfs_node *dir, const char *name, size_t len)
{
	struct ramfs_dirent *entry = calloc(1, sizeof(*entry));
	char *copy = copy_name(name, len);
	if (entry == NULL || copy == NULL) {
		free(entry);
		free(copy);
		return NULL;
	}
	entry->name = copy;
	entry->name_len = (uint32_t)len;
	entry->hash = name_hash(dir->fs, name, len);
	entry->dir = dir;
	list_init(&entry->orphan);
	return entry;
}

int ramfs_link(struct ramfs_node *dir, const char *name, size_t len, struct ramfs_node *node,
	       struct ramfs_dirent **out)
{
	struct ramfs_dirent *entry = dirent_new(dir, name, len);
	if (entry == NULL || dir_reserve(dir, 1) != 0) {
		if (entry != NULL)
			free_dirent(entry);
		return -ENOMEM;
	}
	dir_insert(dir, entry);
	entry->node = node;
	node->nlink++;
	if (ramfs_is_dir(node)) {
		node->nlink++; /* its "." */
		dir->nlink++;  /* its ".." */
		node->dir.self = entry;
		entry->refs++;
	}
	if (out != NULL)
		*out = entry;
	return 0;
}

void ramfs_unlink(struct ramfs_dirent *entry)
{
	struct ramfs_node *dir = entry->dir;
	struct ramfs_node *node = entry->node;

	dir_remove(entry);
	entry->node = NULL;
	if (ramfs_is_dir(node)) {
		node->nlink = 0;
		dir->nlink--;
	} else {
		node->nlink--;
	}
	if (entry->refs > 0) {
		ramfs_node_get(dir); /* kept for GETPATH and "..": it now holds its directory */
		list_push_back(&dir->fs->orphans, &entry->orphan);
	} else
		free_dirent(entry);
	/* Take the node through put, so that it goes now if nothing holds it. */
	ramfs_node_get(node);
	ramfs_node_put(node);
}

int ramfs_move(struct ramfs_dirent *entry, struct ramfs_node *new_dir, const char *name, size_t len)
{
	char *copy = copy_name(name, len);
	if (copy == NULL || dir_reserve(new_dir, 1) != 0) {
		free(copy);
		return -ENOMEM;
	}
	struct ramfs_node *old_dir = entry->dir;
	struct ramfs_node *node = entry->node;
	dir_remove(entry);
	free(entry->name);
	entry->name = copy;
	entry->name_len = (uint32_t)len;
	entry->hash = name_hash(new_dir->fs, name, len);
	dir_insert(new_dir, entry);
	if (ramfs_is_dir(node) && old_dir != new_dir) {
		old_dir->nlink--;
		new_dir->nlink++;
	}
	return 0;
}

int ramfs_exchange(struct ramfs_dirent *a, struct ramfs_dirent *b)
{
	struct ramfs_node *dir_a = a->dir, *dir_b = b->dir;
	if (dir_reserve(dir_a, 1) != 0 || dir_reserve(dir_b, 2) != 0)
		return -ENOMEM;
	dir_remove(a);
	dir_remove(b);
	char *name = a->name;
	uint32_t len = a->name_len;
	uint64_t hash = a->hash;
	a->name = b->name;
	a->name_len = b->name_len;
	a->hash = b->hash;
	b->name = name;
	b->name_len = len;
	b->hash = hash;
	dir_insert(dir_b, a);
	dir_insert(dir_a, b);
	if (dir_a != dir_b) {
		int delta = (ramfs_is_dir(a->node) ? 1 : 0) - (ramfs_is_dir(b->node) ? 1 : 0);
		dir_a->nlink -= delta;
		dir_b->nlink += delta;
	}
	return 0;
}

struct ramfs_dirent *ramfs_dirent_detached(struct ramfs_node *dir, const char *name, size_t len)
{
	struct ramfs_dirent *entry = dirent_new(dir, name, len);
	if (entry == NULL)
		return NULL;
	entry->refs = 1;
	ramfs_node_get(dir);
	list_push_back(&dir->fs->orphans, &entry->orphan);
	return entry;
}

struct ramfs_dirent *ramfs_dir_next(const struct ramfs_node *dir, uint64_t from, uint64_t end)
{
	const struct ramfs_dir *d = &dir->dir;
	uint32_t lo = 0, hi = d->slots_used;
	/* The first slot with cookie >= from: cookies increase along the array. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (d->slots[mid].cookie < from)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (uint32_t i = lo; i < d->slots_used && d->slots[i].cookie < end; i++) {
		if (d->slots[i].entry != NULL)
			return d->slots[i].entry;
	}
	return NULL;
}

struct ramfs_node *ramfs_parent(const struct ramfs_node *dir)
{
	if (dir->dir.self == NULL)
		return (struct ramfs_node *)dir;
	return dir->dir.self->dir;
}

uint64_t ramfs_stat_size(const struct ramfs_node *node)
{
	switch (node->mode & S_IFMT) {
	case S_IFREG:
		return node->size;
	case S_IFDIR:
		return DIR_EMPTY_SIZE + (uint64_t)node->dir.count * RAMFS_DIRENT_BOGO_SIZE;
	case S_IFLNK:
		return node->link.len;
	default:
		return 0;
	}
}

uint64_t ramfs_stat_blocks(const struct ramfs_node *node)
{
	if ((node->mode & S_IFMT) != S_IFREG)
		return 0;
	return node->pages.pages * (FS_PAGE_SIZE / 512);
}

void ramfs_destroy(struct ramfs *fs)
{
	if (fs == NULL)
		return;
	/* Entries first, ignoring counts: removed ones still referenced (a
	 * removed directory's own entry among them), then every linked entry
	 * with the directory holding it. Then the nodes. */
	while (!list_empty(&fs->orphans))
		free_dirent(list_entry(fs->orphans.next, struct ramfs_dirent, orphan));
	struct list_node *n;
	for (n = fs->nodes_list.next; n != &fs->nodes_list; n = n->next) {
		struct ramfs_node *node = list_entry(n, struct ramfs_node, all);
		if (!ramfs_is_dir(node))
			continue;
		node->dir.self = NULL;
		for (uint32_t i = 0; i < node->dir.slots_used; i++) {
			if (node->dir.slots[i].entry != NULL)
				free_dirent(node->dir.slots[i].entry);
		}
		node->dir.slots_used = 0;
	}
	while (!list_empty(&fs->nodes_list))
		node_free(list_entry(fs->nodes_list.next, struct ramfs_node, all));
	free(fs);
}
