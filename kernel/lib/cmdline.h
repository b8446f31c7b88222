/*
 * Splitting a Linux-style command line into words: `key`, `key=value` or
 * `key="value with spaces"`, separated by white space. Control characters count
 * as white space, so a garbage command line yields garbage words, never a crash.
 */
#ifndef LIB_CMDLINE_H
#define LIB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_KEY_MAX 64
#define CMDLINE_VALUE_MAX 256

/* One word: value is NULL for a bare key; truncated is set if either part did not fit. */
typedef void (*cmdline_word_fn)(void *ctx, const char *key, const char *value, bool truncated);

/* Calls fn for each word of line[0..len) (stops early at a NUL); returns the word count. */
int cmdline_parse(const char *line, size_t len, cmdline_word_fn fn, void *ctx);

/* Parses a decimal or 0x-prefixed unsigned number; false if s is not entirely one. */
bool cmdline_parse_u64(const char *s, unsigned long long *out);

#endif
