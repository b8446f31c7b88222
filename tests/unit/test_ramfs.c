/*
 * sys/io/fs/ramfs.c: nodes, directory entries and their link counts, names
 * (link, unlink, move, exchange, lookup), directory cookies and listings
 * that stay stable while entries come and go, lifetimes of removed but
 * referenced nodes and entries, and ramfs_destroy giving every page back.
 * Page maps themselves: test_pagemap.c.
 */
#include <stdbool.h>
#include <string.h>

#include "fs_pages.h"
#include "unit_test.h"

#include "fs/fs_abi.h"
#include "fs/ramfs.h"

#define ROOT_PERM 0755u
#define FILE_MODE (S_IFREG | 0644u)
#define DIR_MODE (S_IFDIR | 0755u)
#define MANY 1000
#define NAME_LEN 32

static const struct tern_fs_time NOW = {.sec = 1700000000, .nsec = 12345};

struct fixture {
	struct page_tracker pages;
	struct page_pool pool;
	struct ramfs *fs;
};

static struct fixture *fixture_new(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	tracker_init(&f->pages);
	f->pool = (struct page_pool){.alloc = tracker_alloc, .free = tracker_free, .ctx = &f->pages};
	f->fs = ramfs_create(&f->pool, ROOT_PERM, 0, 0, &NOW);
	assert_non_null(f->fs);
	return f;
}

static void fixture_free(struct fixture *f)
{
	ramfs_destroy(f->fs);
	assert_int_equal(f->pool.used, 0);
	tracker_finish(&f->pages);
	free(f);
}

static struct ramfs_node *new_node(struct fixture *f, uint32_t mode)
{
	struct ramfs_node *n = ramfs_node_new(f->fs, mode, 1, 2, 0, NULL, 0, &NOW);
	assert_non_null(n);
	return n;
}

/* A new node linked as name in dir; returns its entry. */
static struct ramfs_dirent *add(struct fixture *f, struct ramfs_node *dir, const char *name, uint32_t mode)
{
	struct ramfs_node *n = new_node(f, mode);
	struct ramfs_dirent *e = NULL;
	assert_int_equal(ramfs_link(dir, name, strlen(name), n, &e), 0);
	assert_non_null(e);
	assert_ptr_equal(e->node, n);
	assert_ptr_equal(e->dir, dir);
	return e;
}

static struct ramfs_dirent *find(struct ramfs_node *dir, const char *name)
{
	return ramfs_lookup(dir, name, strlen(name));
}

/* Writes a byte into page `index` of a file (allocating it). */
static void touch_page(struct fixture *f, struct ramfs_node *file, uint64_t index)
{
	uintptr_t leaf = page_map_ensure(&file->pages, &f->pool, index, 0);
	assert_true(leaf != 0);
	((char *)(leaf & ~PAGE_FLAGS_MASK))[FS_PAGE_SIZE - 1] = 'x';
}

static void test_create_root(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	assert_int_equal(root->mode, S_IFDIR | ROOT_PERM);
	assert_int_equal(root->nlink, 2);
	assert_int_equal(f->fs->nodes, 1);
	assert_ptr_equal(ramfs_parent(root), root);
	assert_null(root->dir.self);
	assert_int_equal(ramfs_stat_size(root), 2 * RAMFS_DIRENT_BOGO_SIZE);
	assert_int_equal(ramfs_stat_blocks(root), 0);
	assert_int_equal(root->atime.sec, NOW.sec);
	assert_int_equal(root->mtime.nsec, NOW.nsec);
	assert_null(find(root, "x"));
	assert_null(ramfs_dir_next(root, 0, UINT64_MAX));
	fixture_free(f);
}

static void test_node_kinds(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *link = ramfs_node_new(f->fs, S_IFLNK | 0777, 0, 0, 0, "a/b/c", 5, &NOW);
	assert_non_null(link);
	assert_int_equal(link->link.len, 5);
	assert_string_equal(link->link.target, "a/b/c");
	assert_int_equal(ramfs_stat_size(link), 5);

	struct ramfs_node *chr = ramfs_node_new(f->fs, S_IFCHR | 0666, 0, 0, 0x103, NULL, 0, &NOW);
	assert_non_null(chr);
	assert_int_equal(chr->rdev, 0x103);
	/* rdev only means something for devices. */
	struct ramfs_node *reg = ramfs_node_new(f->fs, FILE_MODE, 0, 0, 0x103, NULL, 0, &NOW);
	assert_non_null(reg);
	assert_int_equal(reg->rdev, 0);
	assert_true(link->ino != chr->ino && chr->ino != reg->ino && reg->ino != f->fs->root->ino);
	assert_int_equal(f->fs->nodes, 4);

	ramfs_node_discard(link);
	ramfs_node_discard(chr);
	ramfs_node_discard(reg);
	assert_int_equal(f->fs->nodes, 1);
	fixture_free(f);
}

static void test_link_lookup_unlink(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	struct ramfs_dirent *a = add(f, root, "a", FILE_MODE);
	struct ramfs_dirent *d = add(f, root, "dir", DIR_MODE);

	assert_ptr_equal(find(root, "a"), a);
	assert_ptr_equal(find(root, "dir"), d);
	assert_null(find(root, "ab"));
	assert_null(ramfs_lookup(root, "a", 0));
	/* Lengths, not terminators, delimit names. */
	assert_ptr_equal(ramfs_lookup(root, "abc", 1), a);
	assert_int_equal(a->node->nlink, 1);
	assert_int_equal(d->node->nlink, 2);
	assert_int_equal(root->nlink, 3);
	assert_ptr_equal(d->node->dir.self, d);
	assert_ptr_equal(ramfs_parent(d->node), root);
	assert_int_equal(root->dir.count, 2);
	assert_int_equal(ramfs_stat_size(root), 4 * RAMFS_DIRENT_BOGO_SIZE);
	assert_int_equal(f->fs->nodes, 3);

	ramfs_unlink(a);
	assert_null(find(root, "a"));
	assert_int_equal(f->fs->nodes, 2);
	ramfs_unlink(d);
	assert_null(find(root, "dir"));
	assert_int_equal(root->nlink, 2);
	assert_int_equal(root->dir.count, 0);
	assert_int_equal(f->fs->nodes, 1);
	fixture_free(f);
}

static void test_hard_links(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	struct ramfs_dirent *sub = add(f, root, "sub", DIR_MODE);
	struct ramfs_dirent *a = add(f, root, "a", FILE_MODE);
	struct ramfs_node *node = a->node;
	struct ramfs_dirent *b = NULL;
	assert_int_equal(ramfs_link(sub->node, "b", 1, node, &b), 0);
	assert_int_equal(ramfs_link(root, "c", 1, node, NULL), 0);
	assert_int_equal(node->nlink, 3);
	assert_ptr_equal(find(sub->node, "b")->node, node);
	touch_page(f, node, 3);
	assert_int_equal(f->pool.used, 2); /* the page and one tree node */

	ramfs_unlink(a);
	assert_int_equal(node->nlink, 2);
	ramfs_unlink(b);
	assert_int_equal(node->nlink, 1);
	assert_int_equal(f->fs->nodes, 3);
	assert_int_equal(f->pool.used, 2);
	ramfs_unlink(find(root, "c"));
	assert_int_equal(f->fs->nodes, 2);
	assert_int_equal(f->pool.used, 0);
	fixture_free(f);
}

/* An open (referenced) node outlives its last link; its pages go with the last put. */
static void test_unlinked_but_referenced(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	struct ramfs_dirent *a = add(f, root, "a", FILE_MODE);
	struct ramfs_node *node = a->node;
	touch_page(f, node, 0);
	touch_page(f, node, 1000);
	ramfs_node_get(node);
	ramfs_dirent_get(a);

	ramfs_unlink(a);
	assert_int_equal(node->nlink, 0);
	assert_false(a->linked);
	assert_null(a->node);
	assert_ptr_equal(a->dir, root);
	assert_string_equal(a->name, "a");
	assert_int_equal(root->refs, 1); /* the removed entry holds its directory */
	assert_int_equal(f->fs->nodes, 2);
	assert_true(f->pool.used > 0);

	ramfs_dirent_put(a);
	assert_int_equal(root->refs, 0);
	assert_int_equal(f->fs->nodes, 2);
	ramfs_node_put(node);
	assert_int_equal(f->fs->nodes, 1);
	assert_int_equal(f->pool.used, 0);
	fixture_free(f);
}

/* A never-linked node dropped by put goes at once. */
static void test_get_put_unlinked(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *n = new_node(f, FILE_MODE);
	ramfs_node_get(n);
	ramfs_node_get(n);
	ramfs_node_put(n);
	assert_int_equal(f->fs->nodes, 2);
	ramfs_node_put(n);
	assert_int_equal(f->fs->nodes, 1);
	fixture_free(f);
}

/* A removed directory still open keeps its own entry, hence its parent:
 * ".." and the path stay; a long chain of them is freed by the last put. */
static void test_removed_directory_chain(void **state)
{
	(void)state;
	enum { DEPTH = 20000 };
	struct fixture *f = fixture_new();
	struct ramfs_node *dir = f->fs->root;
	struct ramfs_dirent **entries = calloc(DEPTH, sizeof(*entries));
	assert_non_null(entries);
	for (int i = 0; i < DEPTH; i++) {
		entries[i] = add(f, dir, "d", DIR_MODE);
		dir = entries[i]->node;
	}
	struct ramfs_node *deepest = dir;
	ramfs_node_get(deepest);
	/* Remove bottom-up, as rmdir must (each is empty when it goes). */
	for (int i = DEPTH - 1; i >= 0; i--)
		ramfs_unlink(entries[i]);
	assert_int_equal(f->fs->root->nlink, 2);
	assert_int_equal(deepest->nlink, 0);
	assert_int_equal(f->fs->nodes, DEPTH + 1);
	/* ".." still climbs the removed chain. */
	struct ramfs_node *up = deepest;
	for (int i = 0; i < DEPTH; i++)
		up = ramfs_parent(up);
	assert_ptr_equal(up, f->fs->root);
	ramfs_node_put(deepest);
	assert_int_equal(f->fs->nodes, 1);
	assert_int_equal(f->fs->root->refs, 0);
	free(entries);
	fixture_free(f);
}

static void test_move(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	struct ramfs_node *x = add(f, root, "x", DIR_MODE)->node;
	struct ramfs_node *y = add(f, root, "y", DIR_MODE)->node;
	struct ramfs_dirent *file = add(f, x, "file", FILE_MODE);
	struct ramfs_dirent *sub = add(f, x, "sub", DIR_MODE);
	assert_int_equal(x->nlink, 3);

	/* Rename inside one directory: a new cookie, the same entry. */
	uint64_t cookie = file->cookie;
	assert_int_equal(ramfs_move(file, x, "renamed", 7), 0);
	assert_null(find(x, "file"));
	assert_ptr_equal(find(x, "renamed"), file);
	assert_true(file->cookie > cookie);
	assert_int_equal(x->dir.count, 2);

	/* A file across directories: no ".." to count. */
	assert_int_equal(ramfs_move(file, y, "f", 1), 0);
	assert_ptr_equal(find(y, "f"), file);
	assert_ptr_equal(file->dir, y);
	assert_int_equal(x->nlink, 3);
	assert_int_equal(y->nlink, 2);

	/* A directory across directories: its ".." moves. */
	assert_int_equal(ramfs_move(sub, y, "sub2", 4), 0);
	assert_int_equal(x->nlink, 2);
	assert_int_equal(y->nlink, 3);
	assert_ptr_equal(ramfs_parent(sub->node), y);
	assert_ptr_equal(sub->node->dir.self, sub);
	assert_int_equal(sub->node->nlink, 2);
	assert_int_equal(x->dir.count, 0);
	assert_int_equal(y->dir.count, 2);
	assert_string_equal(sub->name, "sub2");
	assert_int_equal(sub->name_len, 4);
	fixture_free(f);
}

static void test_exchange(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	struct ramfs_node *x = add(f, root, "x", DIR_MODE)->node;
	struct ramfs_node *y = add(f, root, "y", DIR_MODE)->node;
	struct ramfs_dirent *file = add(f, x, "file", FILE_MODE);
	struct ramfs_dirent *dir = add(f, y, "dir", DIR_MODE);
	struct ramfs_node *file_node = file->node, *dir_node = dir->node;

	/* Across directories, a file for a directory: the ".." count moves. */
	assert_int_equal(ramfs_exchange(file, dir), 0);
	assert_ptr_equal(find(x, "file")->node, dir_node);
	assert_ptr_equal(find(y, "dir")->node, file_node);
	assert_int_equal(x->nlink, 3);
	assert_int_equal(y->nlink, 2);
	assert_ptr_equal(ramfs_parent(dir_node), x);
	assert_ptr_equal(dir_node->dir.self, find(x, "file"));
	assert_int_equal(file_node->nlink, 1);
	assert_int_equal(dir_node->nlink, 2);

	/* Inside one directory. */
	struct ramfs_dirent *other = add(f, x, "other", FILE_MODE);
	struct ramfs_node *other_node = other->node;
	assert_int_equal(ramfs_exchange(find(x, "file"), other), 0);
	assert_ptr_equal(find(x, "file")->node, other_node);
	assert_ptr_equal(find(x, "other")->node, dir_node);
	assert_int_equal(x->nlink, 3);
	assert_int_equal(x->dir.count, 2);

	/* Two directories: nothing moves in the counts. */
	struct ramfs_node *d2 = add(f, y, "d2", DIR_MODE)->node;
	assert_int_equal(ramfs_exchange(find(x, "other"), d2->dir.self), 0);
	assert_int_equal(x->nlink, 3);
	assert_int_equal(y->nlink, 3);
	assert_ptr_equal(ramfs_parent(d2), x);
	assert_ptr_equal(ramfs_parent(dir_node), y);
	fixture_free(f);
}

/* Every linked entry appears once in a full walk, in increasing cookie order. */
static size_t walk_all(const struct ramfs_node *dir, struct ramfs_dirent **seen, size_t max)
{
	size_t n = 0;
	uint64_t last = 0;
	for (struct ramfs_dirent *e = ramfs_dir_next(dir, RAMFS_FIRST_COOKIE, UINT64_MAX); e != NULL;
	     e = ramfs_dir_next(dir, e->cookie + 1, UINT64_MAX)) {
		assert_true(e->cookie > last);
		assert_true(e->linked);
		last = e->cookie;
		assert_true(n < max);
		seen[n++] = e;
	}
	return n;
}

static void name_of(char *buf, int i)
{
	snprintf(buf, NAME_LEN, "entry-%d", i);
}

static void test_many_entries_hash_and_cookies(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	static struct ramfs_dirent *entries[MANY], *seen[MANY];
	char name[NAME_LEN];
	for (int i = 0; i < MANY; i++) {
		name_of(name, i);
		entries[i] = add(f, root, name, FILE_MODE);
		assert_int_equal(entries[i]->cookie, RAMFS_FIRST_COOKIE + (uint64_t)i);
	}
	for (int i = 0; i < MANY; i++) {
		name_of(name, i);
		assert_ptr_equal(find(root, name), entries[i]);
	}
	assert_int_equal(walk_all(root, seen, MANY), MANY);
	for (int i = 0; i < MANY; i++)
		assert_ptr_equal(seen[i], entries[i]);

	/* Remove most of them: the cookie array compacts, lookups still work. */
	for (int i = 0; i < MANY; i++) {
		if (i % 10 != 0)
			ramfs_unlink(entries[i]);
	}
	add(f, root, "late", FILE_MODE); /* a reservation compacts */
	assert_true(root->dir.slots_used < MANY / 2);
	size_t n = walk_all(root, seen, MANY);
	assert_int_equal(n, MANY / 10 + 1);
	for (int i = 0; i < MANY; i += 10) {
		name_of(name, i);
		assert_ptr_equal(find(root, name), entries[i]);
		assert_ptr_equal(seen[i / 10], entries[i]);
	}
	name_of(name, 1);
	assert_null(find(root, name));
	assert_string_equal(seen[n - 1]->name, "late");
	/* Cookies never repeat. */
	assert_int_equal(seen[n - 1]->cookie, RAMFS_FIRST_COOKIE + MANY);
	fixture_free(f);
}

/*
 * A listing in progress (cookie `pos`, upper bound `end` taken when it began)
 * while entries are removed and added: every entry present throughout is seen
 * exactly once, nothing added after the start is seen, nothing is seen twice.
 */
static void test_listing_stable_under_changes(void **state)
{
	(void)state;
	enum { COUNT = 300, ROUNDS = 5 };
	rng_seed(unit_seed());
	for (int round = 0; round < ROUNDS; round++) {
		struct fixture *f = fixture_new();
		struct ramfs_node *root = f->fs->root;
		static struct ramfs_dirent *entries[COUNT];
		static bool removed[COUNT], seen_flag[COUNT];
		char name[NAME_LEN];
		for (int i = 0; i < COUNT; i++) {
			name_of(name, i);
			entries[i] = add(f, root, name, FILE_MODE);
			removed[i] = seen_flag[i] = false;
		}
		uint64_t end = root->dir.next_cookie;
		uint64_t pos = RAMFS_FIRST_COOKIE;
		int added = 0;
		for (;;) {
			struct ramfs_dirent *e = ramfs_dir_next(root, pos, end);
			if (e == NULL)
				break;
			assert_true(e->cookie >= pos && e->cookie < end);
			int idx = -1;
			for (int i = 0; i < COUNT; i++) {
				if (entries[i] == e && !removed[i])
					idx = i;
			}
			if (idx < 0)
				fail_msg("listing returned an entry added after it began: %s", e->name);
			assert_false(seen_flag[idx]);
			seen_flag[idx] = true;
			pos = e->cookie + 1;
			/* Churn: remove a few random entries (seen or not), add a few. */
			for (int k = 0; k < 3; k++) {
				int victim = (int)rng_below(COUNT);
				if (!removed[victim] && entries[victim] != e) {
					ramfs_unlink(entries[victim]);
					removed[victim] = true;
				}
				snprintf(name, sizeof(name), "new-%d", added++);
				add(f, root, name, FILE_MODE);
			}
		}
		for (int i = 0; i < COUNT; i++) {
			if (!removed[i] && !seen_flag[i])
				fail_msg("entry %d present throughout but never listed", i);
		}
		fixture_free(f);
	}
}

/* A moved (renamed) entry gets a later cookie: a listing bounded at its start misses it, never loops. */
static void test_move_gets_new_cookie(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	struct ramfs_dirent *a = add(f, root, "a", FILE_MODE);
	add(f, root, "b", FILE_MODE);
	uint64_t end = root->dir.next_cookie;
	struct ramfs_dirent *e = ramfs_dir_next(root, RAMFS_FIRST_COOKIE, end);
	assert_ptr_equal(e, a);
	uint64_t pos = e->cookie + 1;
	assert_int_equal(ramfs_move(a, root, "a2", 2), 0);
	e = ramfs_dir_next(root, pos, end);
	assert_string_equal(e->name, "b");
	assert_null(ramfs_dir_next(root, e->cookie + 1, end));
	/* Unbounded, the renamed entry shows at the end. */
	assert_ptr_equal(ramfs_dir_next(root, e->cookie + 1, UINT64_MAX), a);
	fixture_free(f);
}

static void test_detached_entry(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	struct ramfs_node *dir = add(f, root, "tmp", DIR_MODE)->node;
	struct ramfs_dirent *e = ramfs_dirent_detached(dir, "#42", 3);
	assert_non_null(e);
	assert_false(e->linked);
	assert_null(e->node);
	assert_int_equal(e->refs, 1);
	assert_int_equal(dir->refs, 1);
	assert_null(find(dir, "#42"));
	assert_int_equal(dir->dir.count, 0);
	ramfs_dirent_put(e);
	assert_int_equal(dir->refs, 0);
	fixture_free(f);
}

/* A directory removed while its detached entry still holds it stays until the put. */
static void test_detached_entry_outlives_directory(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	struct ramfs_dirent *de = add(f, root, "tmp", DIR_MODE);
	struct ramfs_node *dir = de->node;
	struct ramfs_dirent *e = ramfs_dirent_detached(dir, "#7", 2);
	assert_non_null(e);
	ramfs_unlink(de);
	assert_int_equal(f->fs->nodes, 2);
	ramfs_dirent_put(e);
	assert_int_equal(f->fs->nodes, 1);
	fixture_free(f);
}

static void test_stat_size_and_blocks(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *file = add(f, f->fs->root, "f", FILE_MODE)->node;
	file->size = 123456;
	assert_int_equal(ramfs_stat_size(file), 123456);
	assert_int_equal(ramfs_stat_blocks(file), 0);
	touch_page(f, file, 0);
	touch_page(f, file, 20);
	assert_int_equal(ramfs_stat_blocks(file), 2 * FS_PAGE_SIZE / 512);
	struct ramfs_node *fifo = add(f, f->fs->root, "p", S_IFIFO | 0600)->node;
	assert_int_equal(ramfs_stat_size(fifo), 0);
	assert_int_equal(ramfs_stat_blocks(fifo), 0);
	fixture_free(f);
}

static unsigned released;

static void release_locks(struct ramfs_node *node)
{
	released++;
	node->locks = NULL;
}

/* A node freed with locks attached calls the file system's release hook. */
static void test_release_locks_hook(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	static int dummy;
	f->fs->release_locks = release_locks;
	released = 0;
	struct ramfs_dirent *e = add(f, f->fs->root, "f", FILE_MODE);
	e->node->locks = (struct lock_state *)(void *)&dummy;
	ramfs_unlink(e);
	assert_int_equal(released, 1);
	struct ramfs_dirent *g = add(f, f->fs->root, "g", FILE_MODE);
	g->node->locks = (struct lock_state *)(void *)&dummy;
	ramfs_destroy(f->fs); /* and at destroy */
	f->fs = NULL;
	assert_int_equal(released, 2);
	fixture_free(f);
}

/*
 * ramfs_destroy frees everything whatever holds it: a populated tree with
 * file pages, a referenced unlinked file, open removed directories (each
 * holding its parent through its entry), a detached entry. ASan's leak check
 * and the page tracker see the rest.
 */
static void test_destroy_frees_everything(void **state)
{
	(void)state;
	struct fixture *f = fixture_new();
	struct ramfs_node *root = f->fs->root;
	struct ramfs_node *a = add(f, root, "a", DIR_MODE)->node;
	struct ramfs_node *b = add(f, a, "b", DIR_MODE)->node;
	struct ramfs_node *file = add(f, b, "file", FILE_MODE)->node;
	for (uint64_t i = 0; i < 600; i += 7)
		touch_page(f, file, i);
	touch_page(f, file, 1u << 20);
	struct ramfs_node *ln = ramfs_node_new(f->fs, S_IFLNK | 0777, 0, 0, 0, "file", 4, &NOW);
	assert_non_null(ln);
	assert_int_equal(ramfs_link(b, "link", 4, ln, NULL), 0);
	assert_int_equal(ramfs_link(a, "hard", 4, file, NULL), 0);

	/* An open, removed directory: c in a. */
	struct ramfs_dirent *ce = add(f, a, "c", DIR_MODE);
	struct ramfs_node *c = ce->node;
	ramfs_node_get(c);
	ramfs_unlink(ce);
	/* An open, removed file with pages. */
	struct ramfs_dirent *ge = add(f, root, "gone", FILE_MODE);
	struct ramfs_node *gone = ge->node;
	touch_page(f, gone, 5);
	ramfs_node_get(gone);
	ramfs_unlink(ge);
	/* A removed file whose entry a handle still holds (for GETPATH). */
	struct ramfs_dirent *he = add(f, b, "held", FILE_MODE);
	ramfs_dirent_get(he);
	ramfs_node_get(he->node);
	ramfs_unlink(he);
	/* A detached entry in b. */
	assert_non_null(ramfs_dirent_detached(b, "#9", 2));
	/* A node never linked. */
	new_node(f, FILE_MODE);
	assert_true(f->pool.used > 0);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_root),
		cmocka_unit_test(test_node_kinds),
		cmocka_unit_test(test_link_lookup_unlink),
		cmocka_unit_test(test_hard_links),
		cmocka_unit_test(test_unlinked_but_referenced),
		cmocka_unit_test(test_get_put_unlinked),
		cmocka_unit_test(test_removed_directory_chain),
		cmocka_unit_test(test_move),
		cmocka_unit_test(test_exchange),
		cmocka_unit_test(test_many_entries_hash_and_cookies),
		cmocka_unit_test(test_listing_stable_under_changes),
		cmocka_unit_test(test_move_gets_new_cookie),
		cmocka_unit_test(test_detached_entry),
		cmocka_unit_test(test_detached_entry_outlives_directory),
		cmocka_unit_test(test_stat_size_and_blocks),
		cmocka_unit_test(test_release_locks_hook),
		cmocka_unit_test(test_destroy_frees_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
