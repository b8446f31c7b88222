/*
 * Formatted output for the kernel: a subset of C99 printf that covers what the
 * kernel prints. Conversions: d i u x X o c s p %; flags - 0 + space #;
 * width and precision (also *); length modifiers hh h l ll z t j.
 * %p prints 0x followed by 16 hex digits. A NULL %s prints "(null)".
 * Unknown conversions are printed literally, never crash.
 */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

/* Called for each run of output characters. */
typedef void (*fmt_sink_fn)(void *ctx, const char *s, size_t n);

/* Formats to a sink; returns the number of characters produced. */
int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap);

/* Like C's vsnprintf: always terminates when size > 0; returns the full length. */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
