/*
 * Shared helpers for the host unit tests: cmocka's includes in the order it
 * needs them and a seeded pseudo-random generator. Runs are deterministic;
 * UNIT_SEED=n in the environment explores other inputs.
 */
#ifndef UNIT_TEST_H
#define UNIT_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

static uint64_t unit_rng_state;

static inline uint64_t unit_seed(void)
{
	const char *s = getenv("UNIT_SEED");
	return s != NULL ? strtoull(s, NULL, 0) : 0x7465726e2d756e69ull;
}

static inline void rng_seed(uint64_t seed)
{
	unit_rng_state = seed;
}

/* splitmix64 */
static inline uint64_t rng_next(void)
{
	uint64_t z = (unit_rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. */
static inline uint64_t rng_below(uint64_t n)
{
	return rng_next() % n;
}

/* Uniform in [lo, hi]. */
static inline int64_t rng_range(int64_t lo, int64_t hi)
{
	return lo + (int64_t)rng_below((uint64_t)(hi - lo) + 1);
}

#endif
