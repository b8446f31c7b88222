#include "linux/syscall.h"

#include "asm/trap.h"
#include "core/log.h"
#include "ipc/native.h"
#include "lib/errno.h"
#include "proc/entry.h"
#include "proc/process.h"

/* Logs an unknown call once per process and number (numbers past the bitmap share its last bit). */
static void log_unknown(uint64_t nr)
{
	struct process *p = current_process();
	uint64_t slot = nr < 64 * 8 - 1 ? nr : 64 * 8 - 1;
	uint64_t bit = 1ull << (slot % 64);

	if (p->unknown_syscalls[slot / 64] & bit)
		return;
	p->unknown_syscalls[slot / 64] |= bit;
	pr_info("tern: pid %d (%s): unimplemented system call %llu, returned ENOSYS\n", p->pid, p->name,
		(unsigned long long)nr);
}

void syscall_dispatch(struct trap_frame *f)
{
	struct thread *t = current_thread();
	uint64_t nr = f->rax;
	struct syscall_args args = {{f->rdi, f->rsi, f->rdx, f->r10, f->r8, f->r9}, f};
	long ret;

	entry_from_user();
	t->arch.syscall_nr = nr;
	if (nr < SYSCALL_TABLE_SIZE && syscall_table[nr].fn != NULL) {
		ret = syscall_table[nr].fn(&args);
	} else if (native_syscall(nr, &args, &ret)) {
		/* a native Tern call */
	} else {
		log_unknown(nr);
		ret = -ENOSYS;
	}
	f->rax = (uint64_t)ret;
}
