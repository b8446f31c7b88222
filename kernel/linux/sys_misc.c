/* uname, sysinfo, getrandom. */
#include "core/clock.h"
#include "core/random.h"
#include "lib/errno.h"
#include "lib/string.h"
#include "linux/syscall.h"
#include "linux/uts.h"
#include "mm/pmm.h"
#include "mm/usercopy.h"
#include "proc/process.h"
#include "sched/sched.h"

#define GRND_NONBLOCK 0x0001
#define GRND_RANDOM 0x0002
#define GRND_INSECURE 0x0004
#define GETRANDOM_MAX (32u << 20)

struct utsname_abi {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domainname[65];
};

SYSCALL(uname)
{
	struct utsname_abi u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, UTS_SYSNAME, sizeof(u.sysname));
	strlcpy(u.nodename, UTS_NODENAME, sizeof(u.nodename));
	strlcpy(u.release, UTS_RELEASE, sizeof(u.release));
	strlcpy(u.version, UTS_VERSION, sizeof(u.version));
	strlcpy(u.machine, UTS_MACHINE, sizeof(u.machine));
	strlcpy(u.domainname, UTS_DOMAINNAME, sizeof(u.domainname));
	return copy_to_user(ARG(0), &u, sizeof(u));
}

struct sysinfo_abi {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs;
	uint16_t pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};

SYSCALL(sysinfo)
{
	struct sysinfo_abi s;

	memset(&s, 0, sizeof(s));
	s.uptime = (int64_t)(clock_monotonic_ns() / NSEC_PER_SEC);
	s.totalram = pmm_total_pages() * 4096;
	s.freeram = pmm_free_pages() * 4096;
	s.mem_unit = 1;
	uint64_t flags = spin_lock_irqsave(&proc_tree_lock);
	unsigned n = 0;
	for (struct list_node *node = proc_all.next; node != &proc_all; node = node->next)
		n += (unsigned)list_entry(node, struct process, all_link)->nthreads;
	spin_unlock_irqrestore(&proc_tree_lock, flags);
	s.procs = (uint16_t)n;
	return copy_to_user(ARG(0), &s, sizeof(s));
}

SYSCALL(getrandom)
{
	uint8_t chunk[256];
	size_t len = ARG(1), done = 0;
	unsigned flags = (unsigned)ARG(2);

	if (flags & ~(unsigned)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	if (len > GETRANDOM_MAX)
		len = GETRANDOM_MAX;
	while (done < len) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		random_bytes(chunk, n);
		if (copy_to_user(ARG(0) + done, chunk, n) != 0) {
			memset(chunk, 0, sizeof(chunk));
			return done > 0 ? (long)done : -EFAULT;
		}
		done += n;
		/* Long requests yield to signals like Linux (after the first chunk). */
		if (done < len && signal_pending_current())
			break;
	}
	memset(chunk, 0, sizeof(chunk));
	return (long)done;
}
