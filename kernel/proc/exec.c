/*
 * execve: replace the calling process's program. Loads static ELF executables
 * (ET_EXEC) and static-pie or dynamic ones (ET_DYN, at a random base, with a
 * PT_INTERP interpreter when present), and "#!" scripts. Everything that can
 * fail is done before the point of no return, so a failed execve leaves the
 * caller untouched.
 *
 * Programs come from the I/O server: the file is opened for execution (the
 * server refuses writers while it is open: ETXTBSY), its headers are read,
 * and its segments are mapped from the server's own file pages, copied only
 * when written. The one exception is the I/O server itself, loaded from the
 * boot initramfs archive before any file service exists.
 */
#include "proc/exec.h"

#include "asm/cpufeature.h"
#include "asm/gdt.h"
#include "asm/layout.h"
#include "asm/sigframe.h"
#include "asm/thread.h"
#include "asm/trap.h"
#include "core/random.h"
#include "core/initrd.h"
#include "fd/file.h"
#include "fd/remote.h"
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
#define EXEC_HEAD_MAX (64u * 1024) /* headers and #! lines must lie in the first 64 KiB */
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

/* An executable: a server file, or an image in the initramfs archive (the I/O server's). */
struct exec_file {
	struct file *file;    /* a reference; NULL for an archive image */
	const uint8_t *data;  /* the first head_len bytes (the whole image from the archive) */
	uint8_t *head;        /* kmalloc'd copy of the head of a server file */
	uint64_t head_len;
	uint64_t size;
	char *path;           /* its absolute path (kmalloc'd), for /proc/<pid>/exe */
};

static void exec_file_put(struct exec_file *f)
{
	if (f->file != NULL)
		file_put(f->file);
	kfree(f->head);
	kfree(f->path);
	memset(f, 0, sizeof(*f));
}

static int open_from_archive(const char *path, struct exec_file *out)
{
	const void *data;
	size_t size;
	uint32_t mode;
	int err = initrd_find(path, &data, &size, &mode);

	if (err != 0)
		return err;
	if ((mode & 0111) == 0)
		return -EACCES;
	out->data = data;
	out->head_len = out->size = size;
	out->path = kstrdup(path);
	return out->path != NULL ? 0 : -ENOMEM;
}

static int open_executable(const char *path, bool from_archive, struct exec_file *out)
{
	struct kstat st;

	exec_file_put(out);
	if (path[0] == '\0')
		return -ENOENT;
	if (from_archive)
		return open_from_archive(path, out);
	int err = path_open_kernel(path, O_RDONLY | TERN_O_EXEC, &out->file);
	if (err != 0)
		return err;
	if (!file_is_remote(out->file) || out->file->ops->stat == NULL ||
	    out->file->ops->stat(out->file, &st) != 0 || (st.mode & S_IFMT) != S_IFREG) {
		exec_file_put(out);
		return -EACCES;
	}
	out->size = st.size;
	out->head_len = st.size < EXEC_HEAD_MAX ? st.size : EXEC_HEAD_MAX;
	out->head = kmalloc(out->head_len + 1);
	out->path = kmalloc(PATH_MAX);
	if (out->head == NULL || out->path == NULL) {
		exec_file_put(out);
		return -ENOMEM;
	}
	int64_t n = remote_read_kernel(out->file, out->head, out->head_len, 0);
	if (n < 0 || (uint64_t)n != out->head_len) {
		exec_file_put(out);
		return n < 0 ? (int)n : -EIO;
	}
	out->data = out->head;
	if (remote_getpath(out->file, out->path, PATH_MAX) < 0)
		strlcpy(out->path, path, PATH_MAX);
	return 0;
}

/* "#!interpreter [arg]": fills interp and arg from the first line; false if not a script. */
static bool parse_script(const struct exec_file *f, char *interp, char *arg, size_t cap)
{
	if (f->head_len < 3 || f->data[0] != '#' || f->data[1] != '!')
		return false;
	char line[SCRIPT_LINE_MAX];
	size_t n = 0;
	for (size_t i = 2; i < f->head_len && f->data[i] != '\n' && n < sizeof(line) - 1; i++)
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
			uint64_t bytes = s->offset - file_start + s->filesz;
			if (f->file != NULL)
				obj = f->file->ops->mmap_object(f->file, file_start, (bytes + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1),
							       false);
			else /* a copy: the archive is given back once the I/O server serves */
				obj = vm_object_data_copy(f->data + file_start, bytes);
			if (obj == NULL)
				return -ENOMEM;
			if (f->file != NULL) {
				/* The object reads whole file pages: past the segment's file bytes it must be zeros
				 * (.bss that shares a page with .data), so it is cut to the segment. */
				obj->size = bytes;
			}
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
		       const struct image *interp, bool has_interp, struct exec_stack_layout *layout)
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
	err = exec_stack_build(buf, buf_size, top, s, layout);
	if (err == 0)
		err = vmspace_write(vs, layout->sp, buf + (layout->sp - (top - buf_size)), top - layout->sp);
	kfree(buf);
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

static int commit(struct vmspace *vs, const char *path, uint64_t entry, const struct exec_stack_layout *layout,
		  char *exe_path)
{
	struct thread *t = current_thread();
	struct process *p = t->proc;

	kill_other_threads(p);
	/* Descriptor table and handlers stop being shared with anyone else. Every swap below
	 * happens under the tree lock: other processes (/proc, a parent's signals) read them under it. */
	uint64_t tree;
	if (p->fds->refs > 1) {
		struct fd_table *copy = fd_table_copy(p->fds);
		if (copy == NULL)
			return -ENOMEM;
		tree = spin_lock_irqsave(&proc_tree_lock);
		struct fd_table *old = p->fds;
		p->fds = copy;
		spin_unlock_irqrestore(&proc_tree_lock, tree);
		fd_table_put(old);
	}
	if (p->sighand->refs > 1) {
		struct sighand *copy = sighand_copy(p->sighand);
		if (copy == NULL)
			return -ENOMEM;
		tree = spin_lock_irqsave(&proc_tree_lock);
		struct sighand *old = p->sighand;
		p->sighand = copy;
		spin_unlock_irqrestore(&proc_tree_lock, tree);
		sighand_put(old);
	}
	struct vmspace *old_vm = p->vm;
	char *old_exe_path = p->exe_path;
	tree = spin_lock_irqsave(&proc_tree_lock);
	p->vm = vs;
	p->arg_start = layout->arg_start;
	p->arg_end = layout->arg_end;
	p->env_start = layout->env_start;
	p->env_end = layout->env_end;
	p->exe_path = exe_path;
	spin_unlock_irqrestore(&proc_tree_lock, tree);
	vmspace_activate(vs);
	vmspace_put(old_vm);
	kfree(old_exe_path);
	proc_release_vfork_parent(p);

	p->did_exec = true;
	p->caps = 0; /* rights belong to the program the kernel started, not to what it runs */
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
	f->rsp = layout->sp;
	f->rflags = RFLAGS_USER_DEFAULT;
	f->cs = SEL_USER_CODE | 3;
	f->ss = SEL_USER_DATA | 3;
	return 0;
}

static void image_free(struct image *img)
{
	if (img != NULL)
		exec_file_put(&img->file);
	kfree(img);
}

static int exec_common(const char *path, struct exec_args *a, bool from_archive)
{
	char interp_path[SCRIPT_LINE_MAX], interp_arg[SCRIPT_LINE_MAX];
	char *current_path = kmalloc(PATH_MAX);
	struct image *main = kzalloc(sizeof(*main)), *interp = kzalloc(sizeof(*interp));
	const char *why = NULL;
	int err;

	if (main == NULL || interp == NULL || current_path == NULL) {
		err = -ENOMEM;
		goto out;
	}
	if (strlen(path) >= PATH_MAX) {
		err = -ENAMETOOLONG;
		goto out;
	}
	strlcpy(current_path, path, PATH_MAX);
	for (int depth = 0;; depth++) {
		err = open_executable(current_path, from_archive, &main->file);
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
		strlcpy(current_path, interp_path, PATH_MAX);
	}
	err = elf_parse(main->file.data, main->file.head_len, main->file.size, &main->elf, &why);
	if (err != 0)
		goto out;
	if (main->elf.has_interp) {
		err = open_executable(main->elf.interp, from_archive, &interp->file);
		if (err == -EACCES)
			err = -ENOENT;
		if (err != 0)
			goto out;
		err = elf_parse(interp->file.data, interp->file.head_len, interp->file.size, &interp->elf, &why);
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
	uint64_t entry = 0;
	struct exec_stack_layout layout;
	err = load_program(vs, main, interp, main->elf.has_interp, &entry);
	if (err == 0)
		err = build_stack(vs, a, path, main, interp, main->elf.has_interp, &layout);
	if (err == 0)
		err = commit(vs, path, entry, &layout, main->file.path);
	if (err == 0)
		main->file.path = NULL; /* the process keeps it */
	else
		vmspace_put(vs);
out:
	image_free(main);
	image_free(interp);
	kfree(current_path);
	return err;
}

int exec_kernel(const char *path, const char *const argv[], const char *const envp[], bool from_archive)
{
	struct exec_args a = {0};
	int err = 0;

	for (size_t i = 0; argv[i] != NULL && err == 0; i++, a.argc++)
		err = args_push(&a, argv[i], strlen(argv[i]));
	for (size_t i = 0; envp[i] != NULL && err == 0; i++, a.envc++)
		err = args_push(&a, envp[i], strlen(envp[i]));
	if (err == 0)
		err = exec_common(path, &a, from_archive);
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
		err = exec_common(path, &a, false);
	args_free(&a);
	return err;
}
