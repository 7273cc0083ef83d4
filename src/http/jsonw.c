/*
 * jsonw.c — a compact JSON writer for the server's answers.
 *
 * json_dumps was 37–40% of a problem list's instructions: jansson writes
 * through a callback a few bytes at a time. This writer walks the same
 * tree into one growing buffer, copying runs of plain bytes at once, and
 * writes what json_dumps(v, JSON_COMPACT) writes, byte for byte (a unit
 * test compares the two on every kind of value). Most answers are trees
 * the handlers built; a list can also be written here row by row as the
 * database reads it (xz_jw_* with xz_db_each), with no tree at all.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "http/jsonw.h"

static void grow(struct xz_jw *o, size_t n)
{
	if (o->len + n <= o->cap)
		return;
	while (o->len + n > o->cap)
		o->cap = o->cap ? o->cap * 2 : 1024;
	o->p = xz_realloc(o->p, o->cap);
}

void xz_jw_raw(struct xz_jw *o, const char *s, size_t n)
{
	grow(o, n);
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

void xz_jw_char(struct xz_jw *o, char c)
{
	grow(o, 1);
	o->p[o->len++] = c;
}

void xz_jw_str(struct xz_jw *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, run = 0;
	xz_jw_char(o, '"');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[6];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		xz_jw_raw(o, s + run, i - run);
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
			xz_jw_raw(o, u, 6);
			continue;
		}
		xz_jw_raw(o, esc, strlen(esc));
	}
	xz_jw_raw(o, s + run, n - run);
	xz_jw_char(o, '"');
}

/* xz_jw_real: jansson's dtostr — "%.17g", a ".0" when the text would read
 * back as an integer, no '+' and no leading zeros in the exponent. */
void xz_jw_real(struct xz_jw *o, double d)
{
	char b[64], *e;
	int n;
	/* a whole number (a distance in metres, a score): its digits and ".0",
	 * what "%.17g" writes below 1e15, without snprintf's ~4,000
	 * instructions */
	if (fabs(d) < 1e15 && d == (double)(int64_t)d && !(d == 0 && signbit(d))) {
		xz_jw_int(o, (int64_t)d);
		xz_jw_raw(o, ".0", 2);
		return;
	}
	n = snprintf(b, sizeof(b), "%.17g", d);
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
	xz_jw_raw(o, b, (size_t)n);
}

/* digits from the right: snprintf cost ~1,000 instructions each */
void xz_jw_int(struct xz_jw *o, int64_t i)
{
	char b[24];
	unsigned long long u = i < 0 ? 0ull - (unsigned long long)i : (unsigned long long)i;
	int n = (int)sizeof(b);
	do
		b[--n] = (char)('0' + u % 10);
	while (u /= 10);
	if (i < 0)
		b[--n] = '-';
	xz_jw_raw(o, b + n, sizeof(b) - (size_t)n);
}

void xz_jw_bool(struct xz_jw *o, bool b)
{
	xz_jw_raw(o, b ? "true" : "false", b ? 4 : 5);
}

void xz_jw_value(struct xz_jw *o, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		const char *key;
		json_t *x;
		bool first = true;
		xz_jw_char(o, '{');
		json_object_foreach((json_t *)v, key, x)
		{
			if (!first)
				xz_jw_char(o, ',');
			first = false;
			xz_jw_str(o, key, strlen(key));
			xz_jw_char(o, ':');
			xz_jw_value(o, x);
		}
		xz_jw_char(o, '}');
		break;
	}
	case JSON_ARRAY: {
		size_t i, size = json_array_size(v);
		xz_jw_char(o, '[');
		for (i = 0; i < size; i++) {
			if (i)
				xz_jw_char(o, ',');
			xz_jw_value(o, json_array_get(v, i));
		}
		xz_jw_char(o, ']');
		break;
	}
	case JSON_STRING:
		xz_jw_str(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		xz_jw_int(o, json_integer_value(v));
		break;
	case JSON_REAL:
		xz_jw_real(o, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		xz_jw_bool(o, json_is_true(v));
		break;
	case JSON_NULL:
		xz_jw_raw(o, "null", 4);
		break;
	}
}

char *xz_json_dump(const json_t *v, size_t *len)
{
	struct xz_jw o = {0};
	if (v)
		xz_jw_value(&o, v);
	xz_jw_char(&o, 0);
	if (len)
		*len = o.len - 1;
	return o.p; /* xz_realloc'd: the caller frees with free(), as json_dumps' */
}
