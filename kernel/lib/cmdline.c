#include "lib/cmdline.h"

static bool is_space(char c)
{
	return (unsigned char)c <= ' ' || c == 0x7f;
}

/* Appends c to buf if it fits; records truncation otherwise. */
static void append(char *buf, size_t cap, size_t *len, char c, bool *truncated)
{
	if (*len + 1 < cap)
		buf[(*len)++] = c;
	else
		*truncated = true;
}

int cmdline_parse(const char *line, size_t len, cmdline_word_fn fn, void *ctx)
{
	char key[CMDLINE_KEY_MAX];
	char value[CMDLINE_VALUE_MAX];
	size_t i = 0;
	int words = 0;

	for (;;) {
		while (i < len && line[i] != '\0' && is_space(line[i]))
			i++;
		if (i >= len || line[i] == '\0')
			break;

		size_t klen = 0, vlen = 0;
		bool has_value = false, truncated = false, quoted = false;

		for (; i < len && line[i] != '\0'; i++) {
			char c = line[i];
			if (c == '"') {
				quoted = !quoted;
				continue;
			}
			if (!quoted && is_space(c))
				break;
			if (!has_value && c == '=' && !quoted) {
				has_value = true;
				continue;
			}
			if (quoted && (unsigned char)c < ' ')
				c = ' ';
			if (has_value)
				append(value, sizeof(value), &vlen, c, &truncated);
			else
				append(key, sizeof(key), &klen, c, &truncated);
		}
		key[klen] = '\0';
		value[vlen] = '\0';
		fn(ctx, key, has_value ? value : NULL, truncated);
		words++;
	}
	return words;
}

bool cmdline_parse_u64(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;
	unsigned base = 10;

	if (s == NULL || *s == '\0')
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (*s == '\0')
			return false;
	}
	for (; *s != '\0'; s++) {
		unsigned d;
		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return false;
		if (v > (~0ull - d) / base)
			return false; /* overflow */
		v = v * base + d;
	}
	*out = v;
	return true;
}
