/* The I/O server's device self-test (iod.test=devices): see devtest.c. */
#ifndef IO_DEVTEST_H
#define IO_DEVTEST_H

#include <stdbool.h>

/* Runs every check and prints the results; debugcon: also write to port 0xe9. */
void devtest_run(bool debugcon);

#endif
