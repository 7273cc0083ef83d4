/*
 * sqlbuf.c — the bounds-checked SQL builder (see sqlbuf.h). A limit passed
 * is a bug in the code building the statement: it aborts with a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "store/sqlbuf.h"

static void overflow(const struct xz_sqlbuf *b, const char *what)
{
	fprintf(stderr, "xiezhi: SQL builder: %s (statement begins \"%.60s\")\n", what, b->text);
	abort();
}

void xz_sql_init(struct xz_sqlbuf *b, const char *text)
{
	b->len = 0;
	b->n = 0;
	b->text[0] = 0;
	xz_sql_add(b, text);
}

void xz_sql_add(struct xz_sqlbuf *b, const char *text)
{
	size_t n = strlen(text);
	if (n >= sizeof(b->text) - b->len)
		overflow(b, "text longer than XZ_MAX_SQL");
	memcpy(b->text + b->len, text, n + 1);
	b->len += n;
}

void xz_sql_ref(struct xz_sqlbuf *b, int n)
{
	char num[16];
	if (n < 1 || n > b->n)
		overflow(b, "reference to a parameter not bound");
	snprintf(num, sizeof(num), "$%d", n);
	xz_sql_add(b, num);
}

int xz_sql_param(struct xz_sqlbuf *b, struct xz_val v)
{
	if (b->n >= XZ_MAX_SQL_PARAMS)
		overflow(b, "more than XZ_MAX_SQL_PARAMS parameters");
	b->p[b->n++] = v;
	xz_sql_ref(b, b->n);
	return b->n;
}

void xz_sql_opt_eq(struct xz_sqlbuf *b, const char *col, struct xz_val v)
{
	int k;
	xz_sql_add(b, "(CAST(");
	k = xz_sql_param(b, v);
	xz_sql_add(b, " AS BIGINT) IS NULL OR ");
	xz_sql_add(b, col);
	xz_sql_add(b, " = ");
	xz_sql_ref(b, k);
	xz_sql_add(b, ")");
}

char *xz_sql_like(struct xz_arena *a, const char *q)
{
	size_t n = strlen(q), i, k = 0;
	char *out = xz_arena_alloc(a, 2 * n + 3);
	out[k++] = '%';
	for (i = 0; i < n; i++) {
		if (q[i] == '%' || q[i] == '_' || q[i] == '\\')
			out[k++] = '\\';
		out[k++] = q[i];
	}
	out[k++] = '%';
	out[k] = 0;
	return out;
}
