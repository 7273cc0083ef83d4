/*
 * alloc.c — abort-on-OOM allocation wrappers and a simple block arena.
 *
 * The arena is a linked list of blocks; large requests get their own block.
 * It is not thread-safe: one arena belongs to one request on one thread.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"

static void oom(size_t n)
{
	fprintf(stderr, "xiezhi: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xz_malloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

void *xz_calloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xz_realloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		oom(n);
	return q;
}

char *xz_strdup(const char *s)
{
	return s ? xz_strndup(s, strlen(s)) : NULL;
}

char *xz_strndup(const char *s, size_t n)
{
	char *p;
	if (!s)
		return NULL;
	p = xz_malloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void xz_free(void *p)
{
	free(p);
}

#define ARENA_BLOCK 8192

struct block {
	struct block *next;
	size_t used, cap;
	_Alignas(16) unsigned char data[];
};

struct xz_arena {
	struct block *head;
};

struct xz_arena *xz_arena_new(void)
{
	return xz_calloc(1, sizeof(struct xz_arena));
}

void *xz_arena_alloc(struct xz_arena *a, size_t n)
{
	struct block *b = a->head;
	void *p;
	n = (n + 15) & ~(size_t)15;
	if (!b || b->cap - b->used < n) {
		size_t cap = n > ARENA_BLOCK ? n : ARENA_BLOCK;
		b = xz_malloc(sizeof(*b) + cap);
		b->used = 0;
		b->cap = cap;
		b->next = a->head;
		a->head = b;
	}
	p = b->data + b->used;
	b->used += n;
	memset(p, 0, n);
	return p;
}

char *xz_arena_strdup(struct xz_arena *a, const char *s)
{
	size_t n;
	char *p;
	if (!s)
		return NULL;
	n = strlen(s);
	p = xz_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	return p;
}

char *xz_arena_printf(struct xz_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	/* an invariant, not an input check: callers bound what they format
	 * (limits.h), so a longer result is a bug and is never truncated */
	if (n < 0 || (size_t)n > XZ_MAX_ARENA_STRING) {
		fprintf(stderr, "xiezhi: xz_arena_printf(\"%.60s\") would make %d bytes (limit %u)\n",
			fmt, n, XZ_MAX_ARENA_STRING);
		abort();
	}
	p = xz_arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

void xz_arena_free(struct xz_arena *a)
{
	struct block *b, *next;
	if (!a)
		return;
	for (b = a->head; b; b = next) {
		next = b->next;
		free(b);
	}
	free(a);
}

const char *xz_strerror(int code)
{
	switch (code) {
	case XZ_OK: return "ok";
	case XZ_EMALFORMED: return "malformed";
	case XZ_EAUTH: return "unauthenticated";
	case XZ_EFORBIDDEN: return "forbidden";
	case XZ_ENOTFOUND: return "not found";
	case XZ_ECONFLICT: return "conflict";
	case XZ_ETOOBIG: return "too big";
	case XZ_ERULE: return "rule broken";
	case XZ_ERATE: return "rate limited";
	case XZ_EMETHOD: return "method not allowed";
	case XZ_EDB: return "database error";
	case XZ_EUNAVAIL: return "unavailable";
	case XZ_EIO: return "i/o error";
	default: return "internal error";
	}
}
