/*
 * Kernel command-line options:
 *   loglevel=N        console log level 0..8 (messages below N are shown; default 7)
 *   quiet             loglevel=4
 *   init=PATH         the first program (default /sbin/init)
 *   io=PATH           the I/O server, loaded from the initramfs (default /sbin/iod)
 *   iod.NAME=VALUE    passed to the I/O server as the argument NAME=VALUE
 *   panic=poweroff|halt   what a panic does (default poweroff)
 *   test=NAME         a built-in system-test action (see selftest.h)
 *   maxcpus=N, nosmp  use at most N CPUs (nosmp: 1)
 *   --                everything after it goes to init as arguments
 * Options meant for the VMM or Linux (console=, earlyprintk= ...) are ignored.
 */
#ifndef CORE_OPTIONS_H
#define CORE_OPTIONS_H

#define OPTIONS_PATH_MAX 256
#define OPTIONS_TEST_MAX 64
#define OPTIONS_INIT_ARGS 32
#define OPTIONS_INIT_ENV 16
#define OPTIONS_IO_ARGS 8
#define OPTIONS_INIT_STRINGS 2048

/*
 * Like Linux, words the kernel does not know are passed on to init: bare
 * words (and everything after "--") as arguments, key=value words as
 * environment variables.
 */
struct kernel_options {
	char init[OPTIONS_PATH_MAX];
	char io_server[OPTIONS_PATH_MAX];
	char test[OPTIONS_TEST_MAX];
	unsigned max_cpus;                            /* 0: all */
	const char *init_args[OPTIONS_INIT_ARGS + 1]; /* NULL-terminated, without argv[0] */
	const char *init_env[OPTIONS_INIT_ENV + 1];
	const char *io_args[OPTIONS_IO_ARGS + 1];     /* NULL-terminated, without argv[0] */
	unsigned n_io_args;
	char strings[OPTIONS_INIT_STRINGS];
	unsigned nargs, nenv, strings_used;
};

extern struct kernel_options kernel_options;

/* Applies the command line; warnings go to the log. */
void options_parse(const char *cmdline, unsigned long len);

#endif
