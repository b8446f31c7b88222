/*
 * The file service against a model: a random sequence of create, write,
 * truncate, punch, copy, rename, link, unlink, open and close on a handful
 * of names in three directories, each applied both to the service (through
 * fs_handle) and to a plain in-test model of names, inodes and bytes; the
 * two are compared as it goes (results, sizes, link counts, contents,
 * listings, node counts) and every page must be back at the end.
 * UNIT_SEED=n explores other sequences.
 */
#include <string.h>

#include "fs_harness.h"
#include "unit_test.h"

#include "fs/fs_abi.h"

#define DIRS 3
#define NAMES_PER_DIR 6
#define PATHS (DIRS * NAMES_PER_DIR)
#define MAX_SIZE (6 * FS_TEST_PAGE)
#define MAX_INODES 4096
#define MAX_HELD 4
#define STEPS 3000
#define CHECK_EVERY 100
#define RUNS 4
#define PATH_LEN 32

struct inode {
	unsigned char *data; /* MAX_SIZE bytes */
	uint64_t size;
	uint32_t links;
	uint32_t held; /* handles open on it */
};

struct model {
	struct inode inodes[MAX_INODES];
	int ninodes;
	int name[PATHS]; /* inode index, or -1 */
	struct {
		uint64_t fd;
		int inode;
	} held[MAX_HELD];
	int nheld;
	uint64_t base_nodes; /* the root and the directories */
};

static struct model M;

static void path_of(int p, char *buf)
{
	snprintf(buf, PATH_LEN, "/d%d/n%d", p / NAMES_PER_DIR, p % NAMES_PER_DIR);
}

static int live_inodes(void)
{
	int n = 0;
	for (int i = 0; i < M.ninodes; i++)
		n += M.inodes[i].links > 0 || M.inodes[i].held > 0;
	return n;
}

static void inode_drop_if_dead(int i)
{
	struct inode *ino = &M.inodes[i];
	if (ino->links == 0 && ino->held == 0 && ino->data != NULL) {
		free(ino->data);
		ino->data = NULL;
	}
}

static int new_inode(void)
{
	assert_true(M.ninodes < MAX_INODES);
	int i = M.ninodes++;
	M.inodes[i] = (struct inode){.data = calloc(1, MAX_SIZE), .links = 1};
	assert_non_null(M.inodes[i].data);
	return i;
}

static uint64_t open_path(int p, uint64_t flags)
{
	char path[PATH_LEN];
	path_of(p, path);
	int64_t fd = h_open(&H, path, flags, 0644);
	if (fd <= 0)
		fail_msg("open %s: %lld", path, (long long)fd);
	return (uint64_t)fd;
}

/* A random handle on a live inode: held, or a fresh one on a name (closed by the caller when fresh). */
static bool pick_target(uint64_t *fd, int *inode, bool *fresh)
{
	if (M.nheld > 0 && rng_below(3) == 0) {
		int k = (int)rng_below((uint64_t)M.nheld);
		*fd = M.held[k].fd;
		*inode = M.held[k].inode;
		*fresh = false;
		return true;
	}
	int p = (int)rng_below(PATHS);
	if (M.name[p] < 0)
		return false;
	*fd = open_path(p, O_RDWR);
	*inode = M.name[p];
	*fresh = true;
	return true;
}

static void op_create(void)
{
	int p = (int)rng_below(PATHS);
	char path[PATH_LEN];
	path_of(p, path);
	bool excl = rng_below(4) == 0;
	int64_t fd = h_open(&H, path, O_CREAT | O_RDWR | (excl ? O_EXCL : 0), 0644);
	if (M.name[p] >= 0 && excl) {
		assert_int_equal(fd, -EEXIST);
		return;
	}
	assert_true(fd > 0);
	if (M.name[p] < 0)
		M.name[p] = new_inode();
	assert_int_equal(H.resp.stat.size, M.inodes[M.name[p]].size);
	assert_int_equal(h_close(&H, (uint64_t)fd), 0);
}

static void op_write(void)
{
	uint64_t fd;
	int i;
	bool fresh;
	if (!pick_target(&fd, &i, &fresh))
		return;
	static unsigned char buf[MAX_SIZE];
	uint64_t off = rng_below(MAX_SIZE);
	uint64_t len = 1 + rng_below(MAX_SIZE - off);
	for (uint64_t k = 0; k < len; k++)
		buf[k] = (unsigned char)rng_next();
	assert_int_equal(h_write(&H, fd, off, buf, len), (int64_t)len);
	struct inode *ino = &M.inodes[i];
	memcpy(ino->data + off, buf, len);
	if (off + len > ino->size)
		ino->size = off + len;
	if (fresh)
		assert_int_equal(h_close(&H, fd), 0);
}

/* Truncation through SETATTR on a handle (ftruncate). */
static void op_truncate(void)
{
	uint64_t fd;
	int i;
	bool fresh;
	if (!pick_target(&fd, &i, &fresh))
		return;
	uint64_t size = rng_below(MAX_SIZE + 1);
	struct tern_fs_setattr a = {.size = size};
	struct tern_fs_request req = {.op = TERN_FS_SETATTR, .handle = fd, .arg0 = TERN_ATTR_SIZE,
				      .arg1 = AT_EMPTY_PATH};
	assert_int_equal(h_call(&H, &req, NULL, NULL, &a, sizeof(a)), 0);
	struct inode *ino = &M.inodes[i];
	if (size < ino->size)
		memset(ino->data + size, 0, ino->size - size);
	ino->size = size;
	if (fresh)
		assert_int_equal(h_close(&H, fd), 0);
}

static void op_punch(void)
{
	uint64_t fd;
	int i;
	bool fresh;
	if (!pick_target(&fd, &i, &fresh))
		return;
	uint64_t off = rng_below(MAX_SIZE), len = 1 + rng_below(MAX_SIZE - off);
	struct tern_fs_request req = {.op = TERN_FS_FALLOCATE, .handle = fd, .offset = off, .len = len,
				      .arg0 = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE};
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), 0);
	struct inode *ino = &M.inodes[i];
	if (off < ino->size)
		memset(ino->data + off, 0, (off + len < ino->size ? off + len : ino->size) - off);
	if (fresh)
		assert_int_equal(h_close(&H, fd), 0);
}

static void op_copy(void)
{
	int p = (int)rng_below(PATHS), q = (int)rng_below(PATHS);
	if (M.name[p] < 0 || M.name[q] < 0 || M.name[p] == M.name[q])
		return;
	uint64_t in = open_path(p, O_RDONLY), out = open_path(q, O_WRONLY);
	struct inode *src = &M.inodes[M.name[p]], *dst = &M.inodes[M.name[q]];
	uint64_t pos_in = rng_below(MAX_SIZE), pos_out = rng_below(MAX_SIZE);
	uint64_t len = 1 + rng_below(MAX_SIZE - (pos_in > pos_out ? pos_in : pos_out));
	struct tern_fs_request req = {.op = TERN_FS_COPY, .handle = in, .handle2 = out, .offset = pos_in, .len = len,
				      .arg0 = pos_out};
	uint64_t n = pos_in >= src->size ? 0 : (len < src->size - pos_in ? len : src->size - pos_in);
	assert_int_equal(h_call(&H, &req, NULL, NULL, NULL, 0), (int64_t)n);
	if (n > 0) {
		memmove(dst->data + pos_out, src->data + pos_in, n);
		if (pos_out + n > dst->size)
			dst->size = pos_out + n;
	}
	assert_int_equal(h_close(&H, in), 0);
	assert_int_equal(h_close(&H, out), 0);
}

static void op_rename(void)
{
	int p = (int)rng_below(PATHS), q = (int)rng_below(PATHS);
	char a[PATH_LEN], b[PATH_LEN];
	path_of(p, a);
	path_of(q, b);
	bool noreplace = rng_below(4) == 0;
	int64_t r = h_rename(&H, a, b, noreplace ? RENAME_NOREPLACE : 0);
	if (M.name[p] < 0) {
		assert_int_equal(r, -ENOENT);
		return;
	}
	if (noreplace && M.name[q] >= 0 && p != q) {
		assert_int_equal(r, -EEXIST);
		return;
	}
	if (noreplace && p == q) {
		assert_int_equal(r, -EEXIST);
		return;
	}
	assert_int_equal(r, 0);
	if (p == q || M.name[p] == M.name[q])
		return; /* the same file: nothing happens */
	if (M.name[q] >= 0) {
		M.inodes[M.name[q]].links--;
		inode_drop_if_dead(M.name[q]);
	}
	M.name[q] = M.name[p];
	M.name[p] = -1;
}

static void op_link(void)
{
	int p = (int)rng_below(PATHS), q = (int)rng_below(PATHS);
	char a[PATH_LEN], b[PATH_LEN];
	path_of(p, a);
	path_of(q, b);
	int64_t r = h_link(&H, a, b, 0);
	if (M.name[p] < 0) {
		assert_int_equal(r, -ENOENT);
	} else if (M.name[q] >= 0) {
		assert_int_equal(r, -EEXIST);
	} else {
		assert_int_equal(r, 0);
		M.name[q] = M.name[p];
		M.inodes[M.name[p]].links++;
	}
}

static void op_unlink(void)
{
	int p = (int)rng_below(PATHS);
	char path[PATH_LEN];
	path_of(p, path);
	int64_t r = h_unlink(&H, path);
	if (M.name[p] < 0) {
		assert_int_equal(r, -ENOENT);
		return;
	}
	assert_int_equal(r, 0);
	M.inodes[M.name[p]].links--;
	inode_drop_if_dead(M.name[p]);
	M.name[p] = -1;
}

static void op_hold(void)
{
	if (M.nheld == MAX_HELD || rng_below(2) == 0) {
		if (M.nheld == 0)
			return;
		int k = (int)rng_below((uint64_t)M.nheld);
		assert_int_equal(h_close(&H, M.held[k].fd), 0);
		int i = M.held[k].inode;
		M.held[k] = M.held[--M.nheld];
		M.inodes[i].held--;
		inode_drop_if_dead(i);
		return;
	}
	int p = (int)rng_below(PATHS);
	if (M.name[p] < 0)
		return;
	M.held[M.nheld].fd = open_path(p, O_RDWR);
	M.held[M.nheld].inode = M.name[p];
	M.inodes[M.name[p]].held++;
	M.nheld++;
}

static void check_inode_via(uint64_t fd, int i)
{
	static unsigned char buf[MAX_SIZE + 1];
	const struct inode *ino = &M.inodes[i];
	struct tern_fs_stat st;
	assert_int_equal(h_fstat(&H, fd, &st), 0);
	assert_int_equal(st.size, ino->size);
	assert_int_equal(st.nlink, ino->links);
	assert_int_equal(h_read(&H, fd, 0, buf, sizeof(buf)), (int64_t)ino->size);
	assert_memory_equal(buf, ino->data, ino->size);
}

static void check_all(void)
{
	char names[1024], expect[1024], path[PATH_LEN];
	for (int d = 0; d < DIRS; d++) {
		expect[0] = '\0';
		for (int n = 0; n < NAMES_PER_DIR; n++) {
			if (M.name[d * NAMES_PER_DIR + n] < 0)
				continue;
			snprintf(path, sizeof(path), "%sn%d", expect[0] != '\0' ? " " : "", n);
			strcat(expect, path);
		}
		snprintf(path, sizeof(path), "/d%d", d);
		assert_true(h_list_sorted(&H, path, names, sizeof(names)) >= 0);
		assert_string_equal(names, expect);
	}
	for (int p = 0; p < PATHS; p++) {
		if (M.name[p] < 0)
			continue;
		uint64_t fd = open_path(p, O_RDONLY);
		check_inode_via(fd, M.name[p]);
		assert_int_equal(h_close(&H, fd), 0);
	}
	for (int k = 0; k < M.nheld; k++)
		check_inode_via(M.held[k].fd, M.held[k].inode);
	struct fs_usage u = h_usage(&H);
	assert_int_equal(u.nodes, M.base_nodes + (uint64_t)live_inodes());
	assert_int_equal(u.handles, (uint64_t)M.nheld);
}

static void run_once(uint64_t seed)
{
	rng_seed(seed);
	h_init(&H, 0);
	memset(&M, 0, sizeof(M));
	for (int p = 0; p < PATHS; p++)
		M.name[p] = -1;
	char path[PATH_LEN];
	for (int d = 0; d < DIRS; d++) {
		snprintf(path, sizeof(path), "/d%d", d);
		assert_int_equal(h_mkdir(&H, path, 0755), 0);
	}
	M.base_nodes = h_usage(&H).nodes;
	static void (*const ops[])(void) = {op_create, op_create, op_write, op_write, op_write, op_truncate,
					     op_punch,  op_copy,   op_rename, op_rename, op_link,  op_unlink,
					     op_hold};
	for (int step = 0; step < STEPS; step++) {
		ops[rng_below(sizeof(ops) / sizeof(ops[0]))]();
		if (step % CHECK_EVERY == 0)
			check_all();
	}
	check_all();
	/* Everything away: no node, handle or page left behind. */
	while (M.nheld > 0)
		assert_int_equal(h_close(&H, M.held[--M.nheld].fd), 0);
	for (int p = 0; p < PATHS; p++) {
		if (M.name[p] >= 0) {
			path_of(p, path);
			assert_int_equal(h_unlink(&H, path), 0);
		}
	}
	struct fs_usage u = h_usage(&H);
	assert_int_equal(u.nodes, M.base_nodes);
	assert_int_equal(u.pages, 0);
	for (int i = 0; i < M.ninodes; i++)
		free(M.inodes[i].data);
	h_finish(&H);
}

static void test_random_against_model(void **state)
{
	(void)state;
	uint64_t seed = unit_seed();
	for (int run = 0; run < RUNS; run++)
		run_once(seed + (uint64_t)run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_against_model),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
