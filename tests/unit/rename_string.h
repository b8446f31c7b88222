/*
 * Forced into kernel/lib/string.c for the host tests (-include): the kernel's
 * string functions get tern_ names so the test binary keeps using libc's for
 * itself and can compare the two.
 */
#ifndef UNIT_RENAME_STRING_H
#define UNIT_RENAME_STRING_H

#define memcpy tern_memcpy
#define memmove tern_memmove
#define memset tern_memset
#define memcmp tern_memcmp
#define strlen tern_strlen
#define strnlen tern_strnlen
#define strcmp tern_strcmp
#define strncmp tern_strncmp
#define strchr tern_strchr
#define strlcpy tern_strlcpy
#define str_escape tern_str_escape

#endif
