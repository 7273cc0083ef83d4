/*
 * alloc.h — allocation that never returns NULL, and the per-request arena.
 *
 * xz_malloc and friends abort the process on out-of-memory: Xiezhi treats an
 * exhausted heap as fatal rather than threading ENOMEM through every caller.
 * An arena hands out memory that lives until xz_arena_free(); each HTTP
 * request owns one, so handlers allocate freely and free nothing.
 */
#ifndef XZ_ALLOC_H
#define XZ_ALLOC_H

#include <stddef.h>

void *xz_malloc(size_t n);
void *xz_calloc(size_t n, size_t size);
void *xz_realloc(void *p, size_t n);
char *xz_strdup(const char *s);
char *xz_strndup(const char *s, size_t n);
void xz_free(void *p);

struct xz_arena;

/* xz_arena_new: an empty arena. Caller owns it; free with xz_arena_free. */
struct xz_arena *xz_arena_new(void);
/* xz_arena_alloc: n zeroed bytes, aligned for any type, owned by the arena. */
void *xz_arena_alloc(struct xz_arena *a, size_t n);
/* xz_arena_strdup: copy of s (NULL gives NULL), owned by the arena. */
char *xz_arena_strdup(struct xz_arena *a, const char *s);
/* xz_arena_printf: formatted string owned by the arena. A result longer than
 * XZ_MAX_ARENA_STRING (or a format error) aborts with a message: callers
 * bound what they format; nothing is silently truncated. */
char *xz_arena_printf(struct xz_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* xz_arena_free: release every block. NULL is allowed. */
void xz_arena_free(struct xz_arena *a);

#endif
