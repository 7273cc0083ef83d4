/*
 * sqlbuf.h — a bounds-checked builder for SQL whose shape is decided at run
 * time (optional filters, the columns of a generic record). Text appended
 * is SQL from code — table and column names, keywords — never input;
 * values are always bound as $N parameters, numbered as they are added.
 *
 * The text is at most XZ_MAX_SQL bytes and the parameters at most
 * XZ_MAX_SQL_PARAMS. Both are invariants of the code that builds the
 * statement, not of its input, so going past either aborts with a message
 * (like xz_arena_printf): nothing is truncated and nothing overflows.
 *
 *   struct xz_sqlbuf b;
 *   xz_sql_init(&b, "SELECT id FROM units WHERE id > ");
 *   xz_sql_param(&b, XZ_INT(after));
 *   xz_sql_add(&b, " AND ");
 *   xz_sql_opt_eq(&b, "county_id", XZ_ID(county));  // (CAST($2 AS BIGINT) IS NULL OR county_id =
 * $2) xz_db_query(db, b.text, b.p, b.n, &rows);
 *
 * Text values (XZ_TEXT) are borrowed: they must outlive the statement.
 */
#ifndef XZ_SQLBUF_H
#define XZ_SQLBUF_H

#include "core/xz.h"
#include "store/db.h"

struct xz_sqlbuf {
	char text[XZ_MAX_SQL];
	size_t len;
	struct xz_val p[XZ_MAX_SQL_PARAMS];
	int n;
};

/* xz_sql_init: start a statement with text (may be ""). */
void xz_sql_init(struct xz_sqlbuf *b, const char *text);
/* xz_sql_add: append SQL text from code. */
void xz_sql_add(struct xz_sqlbuf *b, const char *text);
/* xz_sql_param: bind v as the next parameter and append its "$N"; returns N. */
int xz_sql_param(struct xz_sqlbuf *b, struct xz_val v);
/* xz_sql_ref: append "$N" again for parameter n, already bound. */
void xz_sql_ref(struct xz_sqlbuf *b, int n);
/* xz_sql_opt_eq: append "(CAST($N AS BIGINT) IS NULL OR col = $N)" binding
 * v: an optional integer filter (XZ_ID(0) is NULL: no constraint). */
void xz_sql_opt_eq(struct xz_sqlbuf *b, const char *col, struct xz_val v);

/* xz_sql_like: "%q%" with q's own %, _ and \ escaped for LIKE … ESCAPE '\'
 * (so a search for "%" finds a percent sign, not everything). Arena memory. */
struct xz_arena;
char *xz_sql_like(struct xz_arena *a, const char *q);

#endif
