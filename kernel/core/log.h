/*
 * Kernel log: printk with Linux's levels. Every message goes into an in-memory
 * ring (for dmesg and post-mortem reports); messages more important than the
 * console level (loglevel=) also go to the console, prefixed with the time
 * since boot.
 */
#ifndef CORE_LOG_H
#define CORE_LOG_H

#include <stdarg.h>
#include <stddef.h>

#define LOG_EMERG 0
#define LOG_ALERT 1
#define LOG_CRIT 2
#define LOG_ERR 3
#define LOG_WARNING 4
#define LOG_NOTICE 5
#define LOG_INFO 6
#define LOG_DEBUG 7
/* Printed whatever the console level (boot banner, test results). */
#define LOG_ALWAYS 8

#define LOG_DEFAULT_CONSOLE_LEVEL 7 /* like Linux: everything but debug */

void printk(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vprintk(int level, const char *fmt, va_list ap);

#define pr_emerg(...) printk(LOG_EMERG, __VA_ARGS__)
#define pr_err(...) printk(LOG_ERR, __VA_ARGS__)
#define pr_warn(...) printk(LOG_WARNING, __VA_ARGS__)
#define pr_notice(...) printk(LOG_NOTICE, __VA_ARGS__)
#define pr_info(...) printk(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) printk(LOG_DEBUG, __VA_ARGS__)

/* Messages with a level below this reach the console (1..8; 0 silences all but LOG_ALWAYS). */
void log_set_console_level(int level);
int log_console_level(void);

/* Switches the console to lock-free output for a panic report (never switched back). */
void log_enter_panic_mode(void);

/* Copies up to size bytes of the newest log text into buf; returns the count. */
size_t log_read_tail(char *buf, size_t size);

#endif
