/*
 * jsonw.h — a fast compact JSON writer for answers (jsonw.c).
 */
#ifndef XZ_JSONW_H
#define XZ_JSONW_H

#include <jansson.h>
#include <stddef.h>

/* xz_json_dump: v as compact JSON text, byte for byte what
 * json_dumps(v, JSON_COMPACT) writes (keys in insertion order, UTF-8 kept,
 * reals as "%.17g" with ".0" added and exponents trimmed). *len (may be
 * NULL) gets its length. Caller frees with free(). */
char *xz_json_dump(const json_t *v, size_t *len);

#endif
