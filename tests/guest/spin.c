/*
 * spin SECONDS: a helper for the system tests (not a compared test). Burns CPU
 * without making a system call for SECONDS of CPU time per check, so only timer
 * preemption can give the CPU to anyone else; then prints how long it ran.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 1.0;
	double start = now();
	volatile unsigned long sink = 0;

	while (now() - start < seconds) {
		for (unsigned long i = 0; i < 10000000ul; i++)
			sink += i;
	}
	printf("spin: done after %.1f s\n", now() - start);
	return 0;
}
