/*
 * jsonw.h — a fast compact JSON writer for answers (jsonw.c).
 */
#ifndef XZ_JSONW_H
#define XZ_JSONW_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* xz_json_dump: v as compact JSON text, byte for byte what
 * json_dumps(v, JSON_COMPACT) writes (keys in insertion order, UTF-8 kept,
 * reals as "%.17g" with ".0" added and exponents trimmed). *len (may be
 * NULL) gets its length. Caller frees with free(). */
char *xz_json_dump(const json_t *v, size_t *len);

/* A growing buffer of JSON text, written piece by piece in the same
 * forms as xz_json_dump: p (xz_realloc'd; free with free()), len bytes. */
struct xz_jw {
	char *p;
	size_t len, cap;
};
void xz_jw_raw(struct xz_jw *w, const char *s, size_t n); /* as it is */
void xz_jw_char(struct xz_jw *w, char c);
void xz_jw_str(struct xz_jw *w, const char *s, size_t n); /* a JSON string */
void xz_jw_int(struct xz_jw *w, int64_t i);
void xz_jw_bool(struct xz_jw *w, bool b);
void xz_jw_real(struct xz_jw *w, double d);
void xz_jw_value(struct xz_jw *w, const json_t *v);

#endif
