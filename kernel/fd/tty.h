/* The console terminal (fd/tty.c). */
#ifndef FD_TTY_H
#define FD_TTY_H

#include <stdbool.h>

struct file;

/* A new open file on the console (for /dev/console, /dev/tty and init's fds 0-2). */
struct file *tty_open_console(unsigned flags);
/* Feeds one received byte through the line discipline (interrupt context). */
void tty_input(char c);
/* Makes the console the controlling terminal of a session with a foreground group. */
void tty_set_controlling(int session, int pgrp);
/* The session the console controls (0: none) and its foreground process group, for /proc. */
void tty_get_controlling(int *session, int *pgrp);
/* The console's device number in Linux's stat encoding (char 5:1, /dev/console). */
#define TTY_CONSOLE_DEV ((5u << 8) | 1u)
bool tty_is_console(const struct file *f);

#endif
