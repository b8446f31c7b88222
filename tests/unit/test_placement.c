/*
 * kernel/sched/placement.c: where a woken thread goes and whom an idle CPU
 * steals from, on hand-made load snapshots and on random ones checked against
 * the rules stated in placement.h.
 */
#include <stdbool.h>
#include <string.h>

#include "unit_test.h"

#include "sched/placement.h"

#define ALL (~0ull)

static struct cpu_load busy(unsigned ready)
{
	return (struct cpu_load){.online = true, .idle = false, .nr_ready = ready};
}

static const struct cpu_load IDLE = {.online = true, .idle = true, .nr_ready = 0};
static const struct cpu_load OFFLINE = {.online = false, .idle = true, .nr_ready = 0};

static void test_prefers_its_own_idle_cpu(void **state)
{
	(void)state;
	struct cpu_load c[4] = {IDLE, IDLE, IDLE, IDLE};
	assert_int_equal(placement_choose(c, 4, ALL, 2), 2);
	assert_int_equal(placement_choose(c, 4, ALL, -1), 0);
}

static void test_busy_preferred_cpu_loses_to_an_idle_one(void **state)
{
	(void)state;
	struct cpu_load c[4] = {busy(0), busy(2), IDLE, IDLE};
	assert_int_equal(placement_choose(c, 4, ALL, 1), 2);
	/* Running something with an empty queue is not idle. */
	assert_int_equal(placement_choose(c, 4, ALL, 0), 2);
}

static void test_affinity_is_obeyed(void **state)
{
	(void)state;
	struct cpu_load c[4] = {IDLE, IDLE, busy(5), busy(1)};
	assert_int_equal(placement_choose(c, 4, 1ull << 2 | 1ull << 3, 0), 3);
	assert_int_equal(placement_choose(c, 4, 1ull << 2, 0), 2);
	assert_int_equal(placement_choose(c, 4, 1ull << 1, 0), 1);
	/* Only CPUs that do not exist (or are off) allowed: nowhere. */
	assert_int_equal(placement_choose(c, 4, 1ull << 9, 0), -1);
	assert_int_equal(placement_choose(c, 4, 0, 0), -1);
}

static void test_offline_cpus_are_never_chosen(void **state)
{
	(void)state;
	struct cpu_load c[3] = {busy(3), OFFLINE, busy(4)};
	assert_int_equal(placement_choose(c, 3, ALL, 1), 0);
	assert_int_equal(placement_choose(c, 3, 1ull << 1, 1), -1);
	assert_int_equal(placement_busiest(c, 3, 0), 2);
}

static void test_least_loaded_with_ties_to_the_preferred(void **state)
{
	(void)state;
	struct cpu_load c[4] = {busy(3), busy(1), busy(2), busy(1)};
	assert_int_equal(placement_choose(c, 4, ALL, -1), 1);
	assert_int_equal(placement_choose(c, 4, ALL, 3), 3);
	assert_int_equal(placement_choose(c, 4, ALL, 0), 1);
	assert_int_equal(placement_choose(c, 4, ALL, 1), 1);
}

static void test_bad_preferences_are_ignored(void **state)
{
	(void)state;
	struct cpu_load c[2] = {busy(1), IDLE};
	assert_int_equal(placement_choose(c, 2, ALL, 7), 1);
	assert_int_equal(placement_choose(c, 2, ALL, -5), 1);
	assert_int_equal(placement_choose(c, 0, ALL, 0), -1);
}

static void test_sixty_four_cpus(void **state)
{
	(void)state;
	struct cpu_load c[64];
	for (int i = 0; i < 64; i++)
		c[i] = busy(10);
	c[63] = IDLE;
	assert_int_equal(placement_choose(c, 64, ALL, 0), 63);
	assert_int_equal(placement_choose(c, 64, 1ull << 63, -1), 63);
	c[63] = busy(20);
	assert_int_equal(placement_busiest(c, 64, 0), 63);
	assert_int_equal(placement_busiest(c, 64, 63), 0);
}

static void test_busiest(void **state)
{
	(void)state;
	struct cpu_load c[5] = {busy(9), busy(2), IDLE, busy(4), busy(4)};
	assert_int_equal(placement_busiest(c, 5, 2), 0);
	assert_int_equal(placement_busiest(c, 5, 0), 3); /* ties: the lowest */
	struct cpu_load quiet[3] = {IDLE, busy(0), IDLE};
	assert_int_equal(placement_busiest(quiet, 3, 0), -1);
	struct cpu_load alone[1] = {busy(7)};
	assert_int_equal(placement_busiest(alone, 1, 0), -1); /* never itself */
}

static void test_preemption_rule(void **state)
{
	(void)state;
	assert_true(placement_should_preempt(0, 1));
	assert_false(placement_should_preempt(0, 0));
	assert_false(placement_should_preempt(1, 5));
}

/* Random snapshots: the choice obeys every rule of placement.h. */
static void test_random_snapshots(void **state)
{
	(void)state;
	rng_seed(unit_seed());
	for (int round = 0; round < 20000; round++) {
		unsigned n = (unsigned)rng_range(0, 64);
		struct cpu_load c[64];
		for (unsigned i = 0; i < n; i++) {
			c[i].online = rng_below(8) != 0;
			c[i].nr_ready = (unsigned)rng_below(4);
			c[i].idle = c[i].nr_ready == 0 && rng_below(3) == 0;
		}
		uint64_t aff = rng_below(4) == 0 ? ALL : rng_next() & rng_next();
		int prefer = (int)rng_range(-1, 64);
		int got = placement_choose(c, n, aff, prefer);

		bool any_allowed = false, any_idle = false;
		unsigned least = ~0u;
		for (unsigned i = 0; i < n; i++) {
			if (!c[i].online || !(aff >> i & 1))
				continue;
			any_allowed = true;
			any_idle |= c[i].idle;
			if (c[i].nr_ready < least)
				least = c[i].nr_ready;
		}
		if (!any_allowed) {
			assert_int_equal(got, -1);
			continue;
		}
		assert_true(got >= 0 && (unsigned)got < n);
		assert_true(c[got].online && (aff >> got & 1));
		bool prefer_ok = prefer >= 0 && (unsigned)prefer < n && c[prefer].online && (aff >> prefer & 1);
		if (prefer_ok && c[prefer].idle) {
			assert_int_equal(got, prefer);
		} else if (any_idle) {
			assert_true(c[got].idle);
			for (int i = 0; i < got; i++)
				assert_false(c[i].online && (aff >> i & 1) && c[i].idle);
		} else {
			assert_int_equal(c[got].nr_ready, least);
			if (prefer_ok && c[prefer].nr_ready == least)
				assert_int_equal(got, prefer);
		}

		unsigned self = n > 0 ? (unsigned)rng_below(n) : 0;
		int b = placement_busiest(c, n, self);
		unsigned most = 0;
		for (unsigned i = 0; i < n; i++)
			if (i != self && c[i].online && c[i].nr_ready > most)
				most = c[i].nr_ready;
		if (most == 0) {
			assert_int_equal(b, -1);
		} else {
			assert_true(b >= 0 && (unsigned)b != self && c[b].online);
			assert_int_equal(c[b].nr_ready, most);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefers_its_own_idle_cpu),
		cmocka_unit_test(test_busy_preferred_cpu_loses_to_an_idle_one),
		cmocka_unit_test(test_affinity_is_obeyed),
		cmocka_unit_test(test_offline_cpus_are_never_chosen),
		cmocka_unit_test(test_least_loaded_with_ties_to_the_preferred),
		cmocka_unit_test(test_bad_preferences_are_ignored),
		cmocka_unit_test(test_sixty_four_cpus),
		cmocka_unit_test(test_busiest),
		cmocka_unit_test(test_preemption_rule),
		cmocka_unit_test(test_random_snapshots),
	};
	return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
