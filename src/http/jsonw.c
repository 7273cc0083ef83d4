/*
 * jsonw.c — a compact JSON writer for the server's answers.
 *
 * json_dumps was 37–40% of a problem list's instructions: jansson writes
 * through a callback a few bytes at a time. This writer walks the same
 * tree into one growing buffer, copying runs of plain bytes at once, and
 * writes what json_dumps(v, JSON_COMPACT) writes, byte for byte (a unit
 * test compares the two on every kind of value). The tree is still built
 * by the handlers; only its serialisation changed, so every endpoint,
 * lists included, gains without a second way to present a row.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "http/jsonw.h"

struct out {
	char *p;
	size_t len, cap;
};

static void grow(struct out *o, size_t n)
{
	if (o->len + n <= o->cap)
		return;
	while (o->len + n > o->cap)
		o->cap = o->cap ? o->cap * 2 : 1024;
	o->p = xz_realloc(o->p, o->cap);
}

static void put(struct out *o, const char *s, size_t n)
{
	grow(o, n);
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

static void putc1(struct out *o, char c)
{
	grow(o, 1);
	o->p[o->len++] = c;
}

static void put_string(struct out *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;
	putc1(o, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[6];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(o, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			put(o, u, 6);
			continue;
		}
		put(o, esc, strlen(esc));
	}
	put(o, s + run, n - run);
	putc1(o, '"');
}

/* put_real: jansson's dtostr — "%.17g", a ".0" when the text would read
 * back as an integer, no '+' and no leading zeros in the exponent. */
static void put_real(struct out *o, double d)
{
	char b[64], *e;
	int n = snprintf(b, sizeof(b), "%.17g", d);
	if (n < 0 || (size_t)n >= sizeof(b) - 3)
		n = snprintf(b, sizeof(b), "0.0");
	if (!strchr(b, '.') && !strchr(b, 'e')) {
		b[n++] = '.';
		b[n++] = '0';
		b[n] = 0;
	}
	if ((e = strchr(b, 'e'))) {
		char *from = e + 1, *to = e + 1;
		if (*from == '-')
			from++, to++;
		else if (*from == '+')
			from++;
		while (*from == '0' && from[1])
			from++;
		memmove(to, from, strlen(from) + 1);
		n = (int)strlen(b);
	}
	put(o, b, (size_t)n);
}

static void put_value(struct out *o, const json_t *v)
{
	char b[32];
	int n;
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *x;
		bool first = true;
		putc1(o, '{');
		json_object_foreach((json_t *)v, key, x)
		{
			if (!first)
				putc1(o, ',');
			first = false;
			put_string(o, key, strlen(key));
			putc1(o, ':');
			put_value(o, x);
		}
		putc1(o, '}');
		break;
	}
	case JSON_ARRAY: {
		size_t i, size = json_array_size(v);
		putc1(o, '[');
		for (i = 0; i < size; i++) {
			if (i)
				putc1(o, ',');
			put_value(o, json_array_get(v, i));
		}
		putc1(o, ']');
		break;
	}
	case JSON_STRING:
		put_string(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER: {
		/* digits from the right: snprintf cost ~1,000 instructions each */
		json_int_t i = json_integer_value(v);
		unsigned long long u = i < 0 ? 0ull - (unsigned long long)i : (unsigned long long)i;
		n = (int)sizeof(b);
		do
			b[--n] = (char)('0' + u % 10);
		while (u /= 10);
		if (i < 0)
			b[--n] = '-';
		put(o, b + n, sizeof(b) - (size_t)n);
		break;
	}
	case JSON_REAL:
		put_real(o, json_real_value(v));
		break;
	case JSON_TRUE:
		put(o, "true", 4);
		break;
	case JSON_FALSE:
		put(o, "false", 5);
		break;
	case JSON_NULL:
		put(o, "null", 4);
		break;
	}
}

char *xz_json_dump(const json_t *v, size_t *len)
{
	struct out o = {0};
	if (v)
		put_value(&o, v);
	putc1(&o, 0);
	if (len)
		*len = o.len - 1;
	return o.p; /* xz_realloc'd: the caller frees with free(), as json_dumps' */
}
