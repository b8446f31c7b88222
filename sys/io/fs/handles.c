#include "handles.h"

#include <stdlib.h>

#include "fs_internal.h"

/* Ids: generation in the high half, slot + HANDLE_INDEX_BASE in the low half
 * (0 and 1 are TERN_FS_NO_HANDLE and TERN_FS_ROOT_HANDLE). */
#define HANDLE_INDEX_BASE 2u
#define HANDLES_FIRST_CAP 64u

void handles_init(struct handle_table *table)
{
	*table = (struct handle_table){0};
}

static int grow(struct handle_table *t)
{
	if (t->cap >= HANDLES_MAX)
		return -ENFILE;
	uint32_t cap = t->cap == 0 ? HANDLES_FIRST_CAP : t->cap * 2;
	struct handle **slots = realloc(t->slots, cap * sizeof(*slots));
	if (slots == NULL)
		return -ENOMEM;
	t->slots = slots;
	uint32_t *gens = realloc(t->generations, cap * sizeof(*gens));
	if (gens == NULL)
		return -ENOMEM;
	t->generations = gens;
	for (uint32_t i = t->cap; i < cap; i++) {
		slots[i] = NULL;
		gens[i] = 1;
	}
	t->cap = cap;
	return 0;
}

struct handle *handle_open(struct fs *fs, const struct fs_loc *loc, struct ramfs_dirent *entry, uint64_t flags,
			   int *err)
{
	struct handle_table *t = &fs->handles;
	if (t->open == t->cap && (*err = grow(t)) != 0)
		return NULL;
	struct handle *h = calloc(1, sizeof(*h));
	if (h == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	uint32_t i = t->next_free;
	while (t->slots[i] != NULL)
		i++;
	t->slots[i] = h;
	t->next_free = i + 1;
	t->open++;

	h->id = ((uint64_t)t->generations[i] << 32) | (i + HANDLE_INDEX_BASE);
	h->mnt = loc->mnt;
	h->node = loc->node;
	h->entry = entry;
	h->flags = flags;
	h->path_only = (flags & O_PATH) != 0;
	if (!h->path_only) {
		uint64_t acc = flags & O_ACCMODE;
		h->readable = acc == O_RDONLY || acc == O_RDWR;
		h->writable = acc == O_WRONLY || acc == O_RDWR;
		h->exec = (flags & TERN_O_EXEC) != 0;
	}
	ramfs_node_get(h->node);
	if (entry != NULL)
		ramfs_dirent_get(entry);
	if (h->writable)
		h->node->writers++;
	if (h->exec)
		h->node->executors++;
	return h;
}

struct handle *handle_find(struct fs *fs, uint64_t id)
{
	if (id == TERN_FS_ROOT_HANDLE)
		return &fs->root_handle;
	struct handle_table *t = &fs->handles;
	uint64_t index = (id & 0xffffffffu) - HANDLE_INDEX_BASE;
	if ((id & 0xffffffffu) < HANDLE_INDEX_BASE || index >= t->cap)
		return NULL;
	struct handle *h = t->slots[index];
	if (h == NULL || h->id != id)
		return NULL;
	return h;
}

void handle_close(struct fs *fs, struct handle *h)
{
	struct handle_table *t = &fs->handles;
	uint32_t index = (uint32_t)(h->id & 0xffffffffu) - HANDLE_INDEX_BASE;

	locks_handle_closed(fs, h);
	if (h->writable)
		h->node->writers--;
	if (h->exec)
		h->node->executors--;
	if (h->entry != NULL)
		ramfs_dirent_put(h->entry);
	ramfs_node_put(h->node);

	t->slots[index] = NULL;
	t->generations[index]++;
	if (t->generations[index] == 0)
		t->generations[index] = 1;
	if (index < t->next_free)
		t->next_free = index;
	t->open--;
	free(h);
}

void handles_close_all(struct fs *fs)
{
	struct handle_table *t = &fs->handles;
	for (uint32_t i = 0; i < t->cap; i++) {
		if (t->slots[i] != NULL)
			handle_close(fs, t->slots[i]);
	}
	free(t->slots);
	free(t->generations);
	handles_init(t);
}
