#include "sched/placement.h"

static bool allowed(const struct cpu_load *c, uint64_t affinity, unsigned i)
{
	return i < 64 && c->online && (affinity & (1ull << i)) != 0;
}

int placement_choose(const struct cpu_load *cpus, unsigned n, uint64_t affinity, int prefer)
{
	if (prefer >= 0 && (unsigned)prefer < n && allowed(&cpus[prefer], affinity, (unsigned)prefer) &&
	    cpus[prefer].idle)
		return prefer;
	int best = -1;
	for (unsigned i = 0; i < n; i++) {
		const struct cpu_load *c = &cpus[i];
		if (!allowed(c, affinity, i))
			continue;
		if (c->idle)
			return (int)i;
		if (best < 0 || c->nr_ready < cpus[best].nr_ready ||
		    ((int)i == prefer && c->nr_ready == cpus[best].nr_ready))
			best = (int)i;
	}
	return best;
}

int placement_busiest(const struct cpu_load *cpus, unsigned n, unsigned self)
{
	int busiest = -1;

	for (unsigned i = 0; i < n; i++) {
		const struct cpu_load *c = &cpus[i];
		if (i != self && c->online && c->nr_ready > 0 && (busiest < 0 || c->nr_ready > cpus[busiest].nr_ready))
			busiest = (int)i;
	}
	return busiest;
}

bool placement_should_preempt(unsigned slice_left, unsigned nr_ready)
{
	return slice_left == 0 && nr_ready > 0;
}
