/*
 * Kernel command-line options:
 *   loglevel=N        console log level 0..8 (messages below N are shown; default 7)
 *   quiet             loglevel=4
 *   init=PATH         the first program (default /sbin/init)
 *   panic=poweroff|halt   what a panic does (default poweroff)
 *   test=NAME         a built-in system-test action (see selftest.h)
 * Options meant for other programs (console=, earlyprintk= ...) are ignored;
 * anything else gets a warning and is ignored.
 */
#ifndef CORE_OPTIONS_H
#define CORE_OPTIONS_H

#define OPTIONS_PATH_MAX 256
#define OPTIONS_TEST_MAX 64

struct kernel_options {
	char init[OPTIONS_PATH_MAX];
	char test[OPTIONS_TEST_MAX];
};

extern struct kernel_options kernel_options;

/* Applies the command line; warnings go to the log. */
void options_parse(const char *cmdline, unsigned long len);

#endif
