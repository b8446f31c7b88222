#include "proc/exec_stack.h"

#include "lib/errno.h"
#include "lib/string.h"

/* Room for the pointer arrays, auxv and alignment besides the strings. */
static size_t vectors_size(const struct exec_stack_args *a)
{
	return (1 + a->argc + 1 + a->envc + 1 + 2 * (a->nauxv + 4)) * sizeof(uint64_t) + 16 + 16 + 16;
}

size_t exec_stack_size(const struct exec_stack_args *a)
{
	size_t n = vectors_size(a) + strlen(a->execfn) + 1 + strlen(a->platform) + 1;

	for (size_t i = 0; i < a->argc; i++)
		n += strlen(a->argv[i]) + 1;
	for (size_t i = 0; i < a->envc; i++)
		n += strlen(a->envp[i]) + 1;
	return n;
}

struct builder {
	uint8_t *buf;
	size_t size;
	uint64_t top;   /* user address of buf + size */
	uint64_t sp;    /* user address of the lowest byte used so far */
	int error;
};

static uint64_t push_bytes(struct builder *b, const void *data, size_t n)
{
	if (b->error != 0 || n > b->sp - (b->top - b->size)) {
		b->error = -E2BIG;
		return 0;
	}
	b->sp -= n;
	memcpy(b->buf + (b->sp - (b->top - b->size)), data, n);
	return b->sp;
}

static uint64_t push_string(struct builder *b, const char *s)
{
	return push_bytes(b, s, strlen(s) + 1);
}

int exec_stack_build(uint8_t *buf, size_t buf_size, uint64_t stack_top, const struct exec_stack_args *a,
		     struct exec_stack_layout *out)
{
	struct builder b = {buf, buf_size, stack_top, stack_top, 0};
	uint64_t zero = 0;

	push_bytes(&b, &zero, sizeof(zero)); /* an end marker above everything, as Linux has */
	uint64_t execfn = push_string(&b, a->execfn);
	uint64_t platform = push_string(&b, a->platform);
	uint64_t env_end = b.sp;
	/* Pushed last-first, the strings lie in order in memory, each right after the previous. */
	for (size_t i = a->envc; i-- > 0;)
		push_string(&b, a->envp[i]);
	uint64_t env_strings = b.sp;
	for (size_t i = a->argc; i-- > 0;)
		push_string(&b, a->argv[i]);
	uint64_t arg_strings = b.sp;
	uint64_t random = push_bytes(&b, a->random, sizeof(a->random));
	if (b.error != 0)
		return b.error;

	/* Align so that the final rsp (after argc) is 16-byte aligned. */
	size_t words = 1 + a->argc + 1 + a->envc + 1 + 2 * (a->nauxv + 4);
	uint64_t sp = (b.sp - words * sizeof(uint64_t)) & ~15ull;
	if (sp < stack_top - buf_size)
		return -E2BIG;
	/* Fill upward from sp: build the vector in order. */
	uint64_t cursor = sp;
	uint64_t base = stack_top - buf_size;
#define PUT(v)                                                                   \
	do {                                                                     \
		uint64_t value_ = (v);                                           \
		memcpy(buf + (cursor - base), &value_, sizeof(value_));          \
		cursor += sizeof(value_);                                        \
	} while (0)
	PUT(a->argc);
	uint64_t walk = arg_strings;
	for (size_t i = 0; i < a->argc; i++) {
		PUT(walk);
		walk += strlen(a->argv[i]) + 1;
	}
	PUT(0);
	walk = env_strings;
	for (size_t i = 0; i < a->envc; i++) {
		PUT(walk);
		walk += strlen(a->envp[i]) + 1;
	}
	PUT(0);
	for (size_t i = 0; i < a->nauxv; i++) {
		PUT(a->auxv[i][0]);
		PUT(a->auxv[i][1]);
	}
	PUT(AT_RANDOM);
	PUT(random);
	PUT(AT_EXECFN);
	PUT(execfn);
	PUT(AT_PLATFORM);
	PUT(platform);
	PUT(AT_NULL);
	PUT(0);
#undef PUT
	out->sp = sp;
	out->arg_start = arg_strings;
	out->arg_end = env_strings;
	out->env_start = env_strings;
	out->env_end = env_end;
	return 0;
}
