#include "lib/printf.h"

#include <stdbool.h>
#include <stdint.h>

#include "lib/string.h"

struct spec {
	bool left, zero, plus, space, alt;
	int width;
	int precision; /* -1: none */
	int length;    /* 'H' hh, 'h', 'l', 'L' ll, 'z', 't', 'j', 0 */
};

struct out {
	fmt_sink_fn sink;
	void *ctx;
	int count;
};

static void emit(struct out *o, const char *s, size_t n)
{
	if (n > 0)
		o->sink(o->ctx, s, n);
	o->count += (int)n;
}

static void emit_pad(struct out *o, char c, int n)
{
	char pad[16];

	memset(pad, c, sizeof(pad));
	while (n > 0) {
		int k = n < (int)sizeof(pad) ? n : (int)sizeof(pad);
		emit(o, pad, (size_t)k);
		n -= k;
	}
}

/* Writes the digits of v in base into the end of buf; returns the start. */
static char *format_digits(char *end, uint64_t v, unsigned base, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char *p = end;

	do {
		*--p = digits[v % base];
		v /= base;
	} while (v != 0);
	return p;
}

static void format_integer(struct out *o, const struct spec *sp, uint64_t magnitude, bool negative,
			   unsigned base, bool upper, bool is_signed)
{
	char buf[24];
	char *end = buf + sizeof(buf);
	char *digits = format_digits(end, magnitude, base, upper);
	int ndigits = (int)(end - digits);
	char prefix[2];
	int nprefix = 0;
	int zeros = 0;

	/* C: precision 0 with value 0 prints no digits (but %#o prints "0"). */
	if (sp->precision == 0 && magnitude == 0)
		ndigits = 0;
	if (is_signed) {
		if (negative)
			prefix[nprefix++] = '-';
		else if (sp->plus)
			prefix[nprefix++] = '+';
		else if (sp->space)
			prefix[nprefix++] = ' ';
	}
	if (sp->alt && base == 16 && magnitude != 0) {
		prefix[nprefix++] = '0';
		prefix[nprefix++] = upper ? 'X' : 'x';
	}
	if (sp->alt && base == 8 && (ndigits == 0 || digits[0] != '0')) {
		if (sp->precision <= ndigits)
			zeros = 1;
	}
	if (sp->precision > ndigits)
		zeros = sp->precision - ndigits;
	int total = nprefix + zeros + ndigits;
	int pad = sp->width > total ? sp->width - total : 0;

	if (!sp->left && !(sp->zero && sp->precision < 0))
		emit_pad(o, ' ', pad);
	emit(o, prefix, (size_t)nprefix);
	if (!sp->left && sp->zero && sp->precision < 0)
		emit_pad(o, '0', pad);
	emit_pad(o, '0', zeros);
	emit(o, digits, (size_t)ndigits);
	if (sp->left)
		emit_pad(o, ' ', pad);
}

static void format_string(struct out *o, const struct spec *sp, const char *s)
{
	if (s == NULL)
		s = "(null)";
	size_t len = sp->precision >= 0 ? strnlen(s, (size_t)sp->precision) : strlen(s);
	int pad = sp->width > (int)len ? sp->width - (int)len : 0;

	if (!sp->left)
		emit_pad(o, ' ', pad);
	emit(o, s, len);
	if (sp->left)
		emit_pad(o, ' ', pad);
}

static int parse_number(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		if (v < 100000)
			v = v * 10 + (**p - '0');
		(*p)++;
	}
	return v;
}

static const char *parse_spec(const char *p, struct spec *sp, va_list *ap)
{
	memset(sp, 0, sizeof(*sp));
	sp->precision = -1;
	for (;; p++) {
		if (*p == '-')
			sp->left = true;
		else if (*p == '0')
			sp->zero = true;
		else if (*p == '+')
			sp->plus = true;
		else if (*p == ' ')
			sp->space = true;
		else if (*p == '#')
			sp->alt = true;
		else
			break;
	}
	if (*p == '*') {
		sp->width = va_arg(*ap, int);
		if (sp->width < 0) {
			sp->left = true;
			sp->width = sp->width == INT32_MIN ? 0 : -sp->width;
		}
		p++;
	} else {
		sp->width = parse_number(&p);
	}
	if (*p == '.') {
		p++;
		if (*p == '*') {
			sp->precision = va_arg(*ap, int);
			if (sp->precision < 0)
				sp->precision = -1;
			p++;
		} else {
			sp->precision = parse_number(&p);
		}
	}
	switch (*p) {
	case 'h':
		p++;
		sp->length = 'h';
		if (*p == 'h') {
			p++;
			sp->length = 'H';
		}
		break;
	case 'l':
		p++;
		sp->length = 'l';
		if (*p == 'l') {
			p++;
			sp->length = 'L';
		}
		break;
	case 'z':
	case 't':
	case 'j':
		sp->length = *p++;
		break;
	default:
		break;
	}
	return p;
}

static int64_t fetch_signed(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (signed char)va_arg(*ap, int);
	case 'h':
		return (short)va_arg(*ap, int);
	case 'l':
		return va_arg(*ap, long);
	case 'L':
		return va_arg(*ap, long long);
	case 'z':
	case 't':
		return va_arg(*ap, ptrdiff_t);
	case 'j':
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static uint64_t fetch_unsigned(const struct spec *sp, va_list *ap)
{
	switch (sp->length) {
	case 'H':
		return (unsigned char)va_arg(*ap, unsigned int);
	case 'h':
		return (unsigned short)va_arg(*ap, unsigned int);
	case 'l':
		return va_arg(*ap, unsigned long);
	case 'L':
		return va_arg(*ap, unsigned long long);
	case 'z':
	case 't':
		return va_arg(*ap, size_t);
	case 'j':
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

int fmt_vformat(fmt_sink_fn sink, void *ctx, const char *fmt, va_list ap_in)
{
	struct out o = {sink, ctx, 0};
	va_list ap;

	va_copy(ap, ap_in);
	while (*fmt != '\0') {
		const char *start = fmt;

		while (*fmt != '\0' && *fmt != '%')
			fmt++;
		emit(&o, start, (size_t)(fmt - start));
		if (*fmt == '\0')
			break;
		const char *conv_start = fmt;
		struct spec sp;
		fmt = parse_spec(fmt + 1, &sp, &ap);
		char c = *fmt;
		if (c == '\0') {
			emit(&o, conv_start, (size_t)(fmt - conv_start));
			break;
		}
		fmt++;
		switch (c) {
		case 'd':
		case 'i': {
			int64_t v = fetch_signed(&sp, &ap);
			uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
			format_integer(&o, &sp, mag, v < 0, 10, false, true);
			break;
		}
		case 'u':
			format_integer(&o, &sp, fetch_unsigned(&sp, &ap), false, 10, false, false);
			break;
		case 'x':
		case 'X':
			format_integer(&o, &sp, fetch_unsigned(&sp, &ap), false, 16, c == 'X', false);
			break;
		case 'o':
			format_integer(&o, &sp, fetch_unsigned(&sp, &ap), false, 8, false, false);
			break;
		case 'p': {
			struct spec ps = sp;
			ps.alt = false;
			ps.zero = true;
			ps.precision = -1;
			ps.width = 16;
			emit(&o, "0x", 2);
			format_integer(&o, &ps, (uintptr_t)va_arg(ap, void *), false, 16, false, false);
			break;
		}
		case 'c': {
			char ch = (char)va_arg(ap, int);
			int pad = sp.width > 1 ? sp.width - 1 : 0;
			if (!sp.left)
				emit_pad(&o, ' ', pad);
			emit(&o, &ch, 1);
			if (sp.left)
				emit_pad(&o, ' ', pad);
			break;
		}
		case 's':
			format_string(&o, &sp, va_arg(ap, const char *));
			break;
		case '%':
			emit(&o, "%", 1);
			break;
		default:
			/* Unknown conversion: show it as written. */
			emit(&o, conv_start, (size_t)(fmt - conv_start));
			break;
		}
	}
	va_end(ap);
	return o.count;
}

struct buffer_sink {
	char *buf;
	size_t size;
	size_t used;
};

static void buffer_write(void *ctx, const char *s, size_t n)
{
	struct buffer_sink *b = ctx;

	if (b->size > 0 && b->used < b->size - 1) {
		size_t room = b->size - 1 - b->used;
		size_t k = n < room ? n : room;
		memcpy(b->buf + b->used, s, k);
		b->used += k;
	}
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buffer_sink b = {buf, size, 0};
	int n = fmt_vformat(buffer_write, &b, fmt, ap);

	if (size > 0)
		buf[b.used] = '\0';
	return n;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
