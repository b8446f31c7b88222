/*
 * The kernel console: where log lines go, and where early input comes from.
 * Output is serialized by one lock so lines from different CPUs never mix.
 */
#ifndef CORE_CONSOLE_H
#define CORE_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

/* Writes n bytes, turning "\n" into "\r\n". */
void console_write(const char *s, size_t n);
/* Writes n bytes as they are (no newline translation). */
void console_write_raw(const char *s, size_t n);
/* Writes without taking the lock (panic path). */
void console_write_unlocked(const char *s, size_t n);

/* Called from the serial interrupt with each received byte: it goes to the tty and the raw ring. */
void console_input_byte(char c);
/* Takes one received byte; false when none is waiting. */
bool console_read_byte(char *c);

#endif
