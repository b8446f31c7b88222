/*
 * Built-in actions for system tests, chosen with test=NAME on the command line
 * (see selftest.c for the list). A passing action powers off with status 0; a
 * failing one panics. Unknown names are reported and ignored.
 */
#ifndef CORE_SELFTEST_H
#define CORE_SELFTEST_H

void selftest_run(const char *name);

#endif
