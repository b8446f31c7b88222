/*
 * execve: replace the calling process's program. Loads static ELF executables
 * (ET_EXEC) and static-pie or dynamic ones (ET_DYN, at a random base, with a
 * PT_INTERP interpreter when present), and "#!" scripts. Everything that can
 * fail is done before the point of no return, so a failed execve leaves the
 * caller untouched.
 */
#include "proc/exec.h"

#include "asm/cpufeature.h"
#include "asm/gdt.h"
#include "asm/layout.h"
#include "asm/sigframe.h"
#include "asm/thread.h"
#include "asm/trap.h"
#include "core/random.h"
#include "fd/file.h"
#include "fd/initramfs.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "mm/heap.h"
#include "mm/usercopy.h"
#include "mm/vmspace.h"
#include "proc/elf.h"
#include "proc/exec_stack.h"
#include "proc/process.h"
#include "sched/sched.h"

#define ARG_MAX (2u << 20)          /* total argument and environment bytes (Linux with an 8 MiB stack) */
#define MAX_ARG_STRLEN (32 * 4096)  /* one string (Linux MAX_ARG_STRLEN) */
#define MAX_ARG_STRINGS 0x7fffffff
#define ARGS_INITIAL 16384
#define SCRIPT_DEPTH_MAX 4          /* nested #! interpreters (Linux BINPRM_MAX_RECURSION) */
#define SCRIPT_LINE_MAX 256
#define STACK_INITIAL (128 * 1024)
#define STACK_GUARD 4096
#define ET_DYN_BASE 0x555555554000ull /* Linux ELF_ET_DYN_BASE for x86-64 */
#define MMAP_RANDOM_PAGES (1ull << 28) /* 28 bits of mmap randomization, as Linux's default */
#define STACK_RANDOM_PAGES (1ull << 22)
#define BRK_RANDOM_PAGES 8192 /* up to 32 MiB */
#define MMAP_GAP_MIN (128ull << 20)
#define RFLAGS_USER_DEFAULT 0x202 /* IF and the reserved bit */
#define HWCAP_X86 0x178bfbffull /* CPUID 1 EDX, as Linux reports it for these CPUs */

/* Argument strings copied out of the old program, in one growing buffer. */
struct exec_args {
	char *buf;
	size_t used, size;
	size_t argc, envc;
	size_t *offsets; /* argc + envc string offsets into buf */
	size_t noffsets, offsets_cap;
};

static void args_free(struct exec_args *a)
{
	kfree(a->buf);
	kfree(a->offsets);
}

static int args_push(struct exec_args *a, const char *s, size_t len)
{
	if (a->used + len + 1 > ARG_MAX)
		return -E2BIG;
	if (a->used + len + 1 > a->size) {
		size_t size = a->size == 0 ? ARGS_INITIAL : a->size;
		while (size < a->used + len + 1)
			size *= 2;
		char *buf = kmalloc(size);
		if (buf == NULL)
			return -ENOMEM;
		memcpy(buf, a->buf, a->used);
		kfree(a->buf);
		a->buf = buf;
		a->size = size;
	}
	if (a->noffsets == a->offsets_cap) {
		size_t cap = a->offsets_cap == 0 ? 64 : a->offsets_cap * 2;
		size_t *o = kmalloc(cap * sizeof(*o));
		if (o == NULL)
			return -ENOMEM;
		memcpy(o, a->offsets, a->noffsets * sizeof(*o));
		kfree(a->offsets);
		a->offsets = o;
		a->offsets_cap = cap;
	}
	memcpy(a->buf + a->used, s, len);
	a->buf[a->used + len] = '\0';
	a->offsets[a->noffsets++] = a->used;
	a->used += len + 1;
	return 0;
}

/* Copies a NULL-terminated array of user string pointers. */
static int args_copy_user(struct exec_args *a, uint64_t uarray, size_t *count)
{
	char *tmp;
	int err = 0;

	*count = 0;
	if (uarray == 0)
		return 0; /* Linux accepts NULL as an empty list */
	tmp = kmalloc(MAX_ARG_STRLEN);
	if (tmp == NULL)
		return -ENOMEM;
	for (;;) {
		uint64_t ptr;
		if (get_user(ptr, uarray + *count * sizeof(uint64_t)) != 0) {
			err = -EFAULT;
			break;
		}
		if (ptr == 0)
			break;
		long len = strncpy_from_user(tmp, ptr, MAX_ARG_STRLEN);
		if (len < 0) {
			err = len == -ENAMETOOLONG ? -E2BIG : (int)len;
			break;
		}
		err = args_push(a, tmp, (size_t)len);
		if (err != 0)
			break;
		(*count)++;
	}
	kfree(tmp);
	return err;
}

static const char *arg_at(const struct exec_args *a, size_t i)
{
	return a->buf + a->offsets[i];
}

const char *exec_error_name(int err)
{
	switch (err) {
	case -ENOENT:
		return "no such file";
	case -EACCES:
		return "not executable";
	case -ENOEXEC:
		return "not a valid program";
	case -ENOMEM:
		return "out of memory";
	case -E2BIG:
		return "arguments too long";
	default:
		return "error";
	}
}

/* ---------------------------------------------------------------- finding the file */

struct exec_file {
	const uint8_t *data;
	uint64_t size;
};

static int open_executable(const char *path, struct exec_file *out)
{
	struct process *p = current_process();
	struct ifs_node *cwd = NULL, *n;

	if (path[0] == '\0')
		return -ENOENT;
	if (path[0] != '/' && initramfs_lookup(NULL, p->fs->cwd, true, &cwd) != 0)
		return -ENOENT;
	int err = initramfs_lookup(cwd, path, true, &n);
	if (err != 0)
		return err;
	if (!ifs_is_reg(n) || (n->mode & 0111) == 0)
		return -EACCES;
	out->data = n->data;
	out->size = n->size;
	return 0;
}

/* "#!interpreter [arg]": fills interp and arg from the first line; false if not a script. */
static bool parse_script(const struct exec_file *f, char *interp, char *arg, size_t cap)
{
	if (f->size < 3 || f->data[0] != '#' || f->data[1] != '!')
		return false;
	char line[SCRIPT_LINE_MAX];
	size_t n = 0;
	for (size_t i = 2; i < f->size && f->data[i] != '\n' && n < sizeof(line) - 1; i++)
		line[n++] = (char)f->data[i];
	line[n] = '\0';
	char *s = line;
	while (*s == ' ' || *s == '\t')
		s++;
	char *end = s;
	while (*end != '\0' && *end != ' ' && *end != '\t')
		end++;
	size_t ilen = (size_t)(end - s);
	if (ilen == 0 || ilen >= cap)
		return false;
	memcpy(interp, s, ilen);
	interp[ilen] = '\0';
	while (*end == ' ' || *end == '\t')
		end++;
	/* The rest of the line is one argument (trailing blanks removed), as on Linux. */
	size_t alen = strlen(end);
	while (alen > 0 && (end[alen - 1] == ' ' || end[alen - 1] == '\t' || end[alen - 1] == '\r'))
		alen--;
	if (alen >= cap)
		alen = cap - 1;
	memcpy(arg, end, alen);
	arg[alen] = '\0';
	return true;
}

/* ---------------------------------------------------------------- building the image */

static unsigned segment_prot(uint32_t flags)
{
	unsigned prot = 0;

	if (flags & ELF_PF_R)
		prot |= VM_PROT_READ;
	if (flags & ELF_PF_W)
		prot |= VM_PROT_WRITE;
	if (flags & ELF_PF_X)
		prot |= VM_PROT_EXEC;
	return prot;
}

/* Maps every PT_LOAD segment of an image at bias; objects view the file lazily. */
static int map_image(struct vmspace *vs, const struct exec_file *f, const struct elf_info *e, uint64_t bias)
{
	for (unsigned i = 0; i < e->nsegments; i++) {
		const struct elf_segment *s = &e->segments[i];
		uint64_t vaddr = s->vaddr + bias;
		uint64_t start = vaddr & ~(PAGE_SIZE - 1);
		uint64_t end = (vaddr + s->memsz + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		uint64_t file_start = s->offset & ~(PAGE_SIZE - 1);
		struct vm_object *obj = NULL;
		if (s->filesz > 0) {
			obj = vm_object_data(f->data + file_start, s->offset - file_start + s->filesz);
			if (obj == NULL)
				return -ENOMEM;
		}
		int64_t r = vmspace_map(vs, start, end - start, segment_prot(s->flags), 0, obj, 0, true, false);
		vm_object_put(obj);
		if (r < 0)
			return (int)r;
	}
	return 0;
}

static uint64_t random_pages(uint64_t range)
{
	return (random_u64() % range) * PAGE_SIZE;
}

struct image {
	struct elf_info elf;
	struct exec_file file;
	uint64_t bias;
};

static int load_program(struct vmspace *vs, struct image *main, struct image *interp, bool has_interp,
			uint64_t *entry)
{
	if (main->elf.type == ELF_ET_DYN)
		main->bias = ET_DYN_BASE + random_pages(MMAP_RANDOM_PAGES / 16) - main->elf.min_vaddr;
	int err = map_image(vs, &main->file, &main->elf, main->bias);
	if (err != 0)
		return err;
	*entry = main->elf.entry + main->bias;
	if (has_interp) {
		/* The interpreter goes where mmap would put it. */
		uint64_t span = interp->elf.max_vaddr - interp->elf.min_vaddr;
		int64_t base = vmspace_map(vs, 0, span, VM_PROT_READ, 0, NULL, 0, false, false);
		if (base < 0)
			return (int)base;
		vmspace_unmap(vs, (uint64_t)base, span);
		interp->bias = (uint64_t)base - interp->elf.min_vaddr;
		err = map_image(vs, &interp->file, &interp->elf, interp->bias);
		if (err != 0)
			return err;
		*entry = interp->elf.entry + interp->bias;
	}
	uint64_t brk = (main->elf.max_vaddr + main->bias + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	brk += random_pages(BRK_RANDOM_PAGES);
	vs->brk_start = vs->brk = brk;
	return 0;
}

static int build_stack(struct vmspace *vs, const struct exec_args *a, const char *execfn, const struct image *main,
		       const struct image *interp, bool has_interp, uint64_t *sp_out)
{
	struct process *p = current_process();
	const char **argv = kmalloc((a->argc + a->envc + 2) * sizeof(char *));
	struct exec_stack_args *s = kzalloc(sizeof(*s));
	int err = -ENOMEM;

	if (argv == NULL || s == NULL)
		goto out;
	for (size_t i = 0; i < a->argc + a->envc; i++)
		argv[i] = arg_at(a, i);
	s->argv = argv;
	s->argc = a->argc;
	s->envp = argv + a->argc;
	s->envc = a->envc;
	s->execfn = execfn;
	s->platform = "x86_64";
	random_bytes(s->random, sizeof(s->random));
	uint64_t phdr = main->elf.phdr_vaddr != 0 ? main->elf.phdr_vaddr + main->bias : 0;
	const uint64_t aux[][2] = {
		{AT_HWCAP, HWCAP_X86},
		{AT_PAGESZ, PAGE_SIZE},
		{AT_CLKTCK, 100},
		{AT_PHDR, phdr},
		{AT_PHENT, main->elf.phentsize},
		{AT_PHNUM, main->elf.phnum},
		{AT_BASE, has_interp ? interp->bias + interp->elf.min_vaddr : 0},
		{AT_FLAGS, 0},
		{AT_ENTRY, main->elf.entry + main->bias},
		{AT_UID, p->uid},
		{AT_EUID, p->euid},
		{AT_GID, p->gid},
		{AT_EGID, p->egid},
		{AT_SECURE, 0},
		{AT_MINSIGSTKSZ, sigframe_min_stack()},
	};
	s->nauxv = sizeof(aux) / sizeof(aux[0]);
	memcpy(s->auxv, aux, sizeof(aux));

	size_t need = exec_stack_size(s);
	size_t stack_size = ((need + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)) + STACK_INITIAL;
	uint64_t top = USER_TOP - STACK_GUARD - random_pages(STACK_RANDOM_PAGES);
	uint64_t limit = p->rlimits[RLIMIT_STACK].cur;
	if (limit < stack_size || limit > (1ull << 40))
		limit = limit < stack_size ? stack_size : (1ull << 40);
	vs->stack_top = top;
	vs->stack_limit = limit;
	uint64_t gap = limit < MMAP_GAP_MIN ? MMAP_GAP_MIN : limit;
	vs->mmap_base = (top - gap - random_pages(MMAP_RANDOM_PAGES)) & ~(PAGE_SIZE - 1);
	int64_t r = vmspace_map(vs, top - stack_size, stack_size, VM_PROT_READ | VM_PROT_WRITE, VMA_GROWSDOWN, NULL, 0,
				true, false);
	if (r < 0) {
		err = (int)r;
		goto out;
	}
	size_t buf_size = (need + 15) & ~(size_t)15;
	uint8_t *buf = kmalloc(buf_size);
	if (buf == NULL)
		goto out;
	uint64_t sp;
	err = exec_stack_build(buf, buf_size, top, s, &sp);
	if (err == 0)
		err = vmspace_write(vs, sp, buf + (sp - (top - buf_size)), top - sp);
	kfree(buf);
	*sp_out = sp;
out:
	kfree(argv);
	kfree(s);
	return err;
}

/* ---------------------------------------------------------------- the point of no return */

/* Ends every other thread of the process and waits for them (Linux de_thread). */
static void kill_other_threads(struct process *p)
{
	struct thread *self = current_thread();
	struct waiter w;

	waiter_add(&p->exec_wait, &w);
	for (;;) {
		sched_prepare_block();
		uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
		int others = p->nthreads - 1;
		for (struct list_node *n = p->threads.next; n != &p->threads; n = n->next) {
			struct thread *t = list_entry(n, struct thread, proc_link);
			if (t != self && !t->exit_pending) {
				t->exit_pending = true;
				sched_wakeup(t, WAKE_SIGNAL);
				sched_continue(t);
			}
		}
		spin_unlock_irqrestore(&proc_tree_lock, flags);
		if (others == 0)
			break;
		schedule();
	}
	sched_cancel_block();
	waiter_remove(&w);
	/* The exec'ing thread takes over the process id (Linux: a thread that execs becomes the leader). */
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	if (self->tid != p->pid) {
		proc_change_tid_locked(self, p->pid);
	}
	p->leader = self;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
}

static void set_name_from_path(struct process *p, const char *path)
{
	const char *base = path;

	for (const char *s = path; *s != '\0'; s++) {
		if (*s == '/' && s[1] != '\0')
			base = s + 1;
	}
	strlcpy(p->name, base, sizeof(p->name));
	strlcpy(current_thread()->name, base, sizeof(current_thread()->name));
}

static int commit(struct vmspace *vs, const char *path, uint64_t entry, uint64_t sp)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;

	kill_other_threads(p);
	/* Descriptor table and handlers stop being shared with anyone else. */
	if (p->fds->refs > 1) {
		struct fd_table *copy = fd_table_copy(p->fds);
		if (copy == NULL)
			return -ENOMEM;
		struct fd_table *old = p->fds;
		p->fds = copy;
		fd_table_put(old);
	}
	if (p->sighand->refs > 1) {
		struct sighand *copy = sighand_copy(p->sighand);
		if (copy == NULL)
			return -ENOMEM;
		struct sighand *old = p->sighand;
		p->sighand = copy;
		sighand_put(old);
	}
	struct vmspace *old_vm = p->vm;
	p->vm = vs;
	vmspace_activate(vs);
	vmspace_put(old_vm);
	proc_release_vfork_parent(p);

	p->did_exec = true;
	fd_close_on_exec(p->fds);
	sighand_reset_for_exec(p->sighand);
	set_name_from_path(p, path);
	t->altstack_sp = 0;
	t->altstack_size = 0;
	t->altstack_flags = 0;
	t->robust_list = 0;
	t->clear_child_tid = 0;
	t->arch.fs_base = 0;
	t->arch.gs_base = 0;
	arch_set_user_bases(t);
	fpu_reset(t);
	fpu_restore_current();

	struct trap_frame *f = t->arch.user_frame;
	memset(f, 0, sizeof(*f));
	f->rip = entry;
	f->rsp = sp;
	f->rflags = RFLAGS_USER_DEFAULT;
	f->cs = SEL_USER_CODE | 3;
	f->ss = SEL_USER_DATA | 3;
	return 0;
}

static int exec_common(const char *path, struct exec_args *a)
{
	char interp_path[SCRIPT_LINE_MAX], interp_arg[SCRIPT_LINE_MAX];
	char current_path[SCRIPT_LINE_MAX + 1];
	struct image *main = kzalloc(sizeof(*main)), *interp = kzalloc(sizeof(*interp));
	const char *why = NULL;
	int err;

	if (main == NULL || interp == NULL) {
		err = -ENOMEM;
		goto out;
	}
	if (strlen(path) > SCRIPT_LINE_MAX) {
		err = -ENAMETOOLONG;
		goto out;
	}
	strlcpy(current_path, path, sizeof(current_path));
	for (int depth = 0;; depth++) {
		err = open_executable(current_path, &main->file);
		if (err != 0)
			goto out;
		if (!parse_script(&main->file, interp_path, interp_arg, sizeof(interp_path)))
			break;
		if (depth == SCRIPT_DEPTH_MAX) {
			err = -ELOOP;
			goto out;
		}
		/* argv becomes: interpreter [arg] script-path argv[1..] */
		struct exec_args na = {0};
		err = args_push(&na, interp_path, strlen(interp_path));
		if (err == 0 && interp_arg[0] != '\0')
			err = args_push(&na, interp_arg, strlen(interp_arg));
		if (err == 0)
			err = args_push(&na, current_path, strlen(current_path));
		for (size_t i = 1; err == 0 && i < a->argc + a->envc; i++)
			err = args_push(&na, arg_at(a, i), strlen(arg_at(a, i)));
		if (err != 0) {
			args_free(&na);
			goto out;
		}
		na.argc = na.noffsets - a->envc;
		na.envc = a->envc;
		args_free(a);
		*a = na;
		strlcpy(current_path, interp_path, sizeof(current_path));
	}
	err = elf_parse(main->file.data, main->file.size, &main->elf, &why);
	if (err != 0)
		goto out;
	if (main->elf.has_interp) {
		err = open_executable(main->elf.interp, &interp->file);
		if (err == -EACCES)
			err = -ENOENT;
		if (err != 0)
			goto out;
		err = elf_parse(interp->file.data, interp->file.size, &interp->elf, &why);
		if (err == 0 && (interp->elf.type != ELF_ET_DYN || interp->elf.has_interp))
			err = -ENOEXEC;
		if (err != 0)
			goto out;
	}
	struct vmspace *vs = vmspace_create();
	if (vs == NULL) {
		err = -ENOMEM;
		goto out;
	}
	uint64_t entry = 0, sp = 0;
	err = load_program(vs, main, interp, main->elf.has_interp, &entry);
	if (err == 0)
		err = build_stack(vs, a, path, main, interp, main->elf.has_interp, &sp);
	if (err == 0)
		err = commit(vs, path, entry, sp);
	if (err != 0)
		vmspace_put(vs);
out:
	kfree(main);
	kfree(interp);
	return err;
}

int exec_kernel(const char *path, const char *const argv[], const char *const envp[])
{
	struct exec_args a = {0};
	int err = 0;

	for (size_t i = 0; argv[i] != NULL && err == 0; i++, a.argc++)
		err = args_push(&a, argv[i], strlen(argv[i]));
	for (size_t i = 0; envp[i] != NULL && err == 0; i++, a.envc++)
		err = args_push(&a, envp[i], strlen(envp[i]));
	if (err == 0)
		err = exec_common(path, &a);
	args_free(&a);
	return err;
}

long sys_execve_common(const char *path, uint64_t uargv, uint64_t uenvp)
{
	struct exec_args a = {0};
	int err = args_copy_user(&a, uargv, &a.argc);

	/* An empty argv becomes {""}: programs may rely on argv[0] (Linux 5.18+). */
	if (err == 0 && a.argc == 0) {
		err = args_push(&a, "", 0);
		a.argc = 1;
	}
	if (err == 0)
		err = args_copy_user(&a, uenvp, &a.envc);
	if (err == 0)
		err = exec_common(path, &a);
	args_free(&a);
	return err;
}
