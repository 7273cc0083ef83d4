/*
 * search.c — the problem list's filters as one condition, Chinese text
 * search through a trigram index, and the streamed exports of a filtered
 * list (see search.h).
 *
 * Text: FTS5's trigram tokenizer (SQLite) and pg_trgm (PostgreSQL) both
 * index every three-character window, so a query of three characters or
 * more is answered from the index as a substring match; shorter queries
 * (two-character words are common in Chinese: 垃圾, 违建) fall back to a
 * LIKE scan, as the trigram indexes themselves would.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/xz.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/xtime.h"
#include "domain/ctx.h"
#include "domain/export.h"
#include "domain/problem.h"
#include "domain/search.h"
#include "store/sqlbuf.h"

#define EXPORT_PAGE 1000 /* rows read from the database at a time */

static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static int arg(struct xz_problem_where *w, int first, struct xz_val v)
{
	if (w->nargs >= XZ_SEARCH_MAX_ARGS)
		return first + XZ_SEARCH_MAX_ARGS - 1; /* cannot happen: the filters are fewer */
	w->args[w->nargs++] = v;
	return first + w->nargs - 1;
}

void xz_search_text(struct xz_ctx *c, const char *q, int first, struct xz_problem_where *w)
{
	int idn;
	w->sql = "";
	w->nargs = 0;
	if (!q || !*q)
		return;
	idn = arg(w, first, XZ_TEXT(q));
	if (utf8_chars(q) >= 3 && xz_db_engine(c->db) == XZ_DB_SQLITE) {
		/* a phrase: the query's own quotes doubled */
		const char *p;
		char *phrase = xz_arena_alloc(c->arena, 2 * strlen(q) + 3), *o = phrase;
		*o++ = '"';
		for (p = q; *p; p++) {
			if (*p == '"')
				*o++ = '"';
			*o++ = *p;
		}
		*o++ = '"';
		*o = 0;
		int m = arg(w, first, XZ_TEXT(phrase));
		int like = arg(w, first, XZ_TEXT(xz_sql_like(c->arena, q)));
		/* the index holds the problems up to the mark; the few reported
		 * since are read by rowid above it */
		w->sql = xz_arena_printf(
		    c->arena,
		    " AND (CAST(p.id AS TEXT) = $%d OR p.id IN (SELECT rowid FROM problems_fts "
		    "WHERE problems_fts MATCH $%d) OR (p.id > (SELECT last_id FROM "
		    "problems_fts_mark) AND (p.description LIKE $%d ESCAPE '\\' OR p.address "
		    "LIKE $%d ESCAPE '\\')))",
		    idn, m, like, like);
		return;
	}
	if (utf8_chars(q) >= 3) {
		/* the expression of the GIN index problems_text_trgm */
		int like = arg(w, first, XZ_TEXT(xz_sql_like(c->arena, q)));
		w->sql =
		    xz_arena_printf(c->arena,
				    " AND (CAST(p.id AS TEXT) = $%d OR (p.description || ' ' || "
				    "COALESCE(p.address, '')) LIKE $%d ESCAPE '\\')",
				    idn, like);
	} else {
		int like = arg(w, first, XZ_TEXT(xz_sql_like(c->arena, q)));
		w->sql = xz_arena_printf(c->arena,
					 " AND (CAST(p.id AS TEXT) = $%d OR p.description LIKE $%d "
					 "ESCAPE '\\' OR p.address LIKE $%d ESCAPE '\\')",
					 idn, like, like);
	}
}

/* ---- the SQLite text index, in batches ------------------------------------- */

/* pending: whether problems above the mark wait for the index; read
 * outside a transaction, so that an idle turn never takes the writer. */
static int pending(struct xz_db *db, bool *yes)
{
	int64_t n = 0;
	int rc = xz_db_int(db,
			   "SELECT COALESCE((SELECT MAX(id) FROM problems), 0) > last_id FROM "
			   "problems_fts_mark",
			   XZ_NOARGS, &n);
	*yes = n != 0;
	return rc;
}

/* index_batch: the next batch above the mark into the index, in one
 * transaction; *indexed gets its size */
static int index_batch(struct xz_db *db, int *indexed)
{
	int64_t mark = 0, last = 0, n = 0;
	bool more = false;
	int rc;
	*indexed = 0;
	if ((rc = pending(db, &more)) < 0 || !more)
		return rc;
	if ((rc = xz_db_begin(db)) < 0)
		return rc;
	/* the mark is read again under the writer: the scheduler thread or a
	 * test's tick may have moved it since */
	if ((rc = xz_db_int(db, "SELECT last_id FROM problems_fts_mark", XZ_NOARGS, &mark)) < 0 ||
	    (rc = xz_db_int(
		 db,
		 "SELECT COALESCE(MAX(id), 0) FROM (SELECT id FROM problems WHERE id > $1 "
		 "ORDER BY id LIMIT $2)",
		 XZ_ARGS(XZ_INT(mark), XZ_INT(XZ_FTS_BATCH)), &last)) < 0)
		goto out;
	if (last > mark &&
	    ((rc = xz_db_exec(db,
			      "INSERT INTO problems_fts (rowid, description, address) SELECT id, "
			      "description, address FROM problems WHERE id > $1 AND id <= $2",
			      XZ_ARGS(XZ_INT(mark), XZ_INT(last)), &n)) < 0 ||
	     (rc = xz_db_exec(db, "UPDATE problems_fts_mark SET last_id = $1",
			      XZ_ARGS(XZ_INT(last)), NULL)) < 0))
		goto out;
	/* a batch that holds the writer long (FTS5 merges its segments in
	 * these) is logged by db.c, as every such transaction is */
	rc = xz_db_commit(db);
out:
	if (rc < 0)
		xz_db_rollback(db);
	else
		*indexed = (int)n;
	return rc;
}

int xz_search_index(struct xz_db *db, const volatile int *stop)
{
	int n = XZ_FTS_BATCH, rc = 0;
	if (xz_db_engine(db) != XZ_DB_SQLITE)
		return 0;
	while (n == XZ_FTS_BATCH && !(stop && *stop) && rc == 0)
		rc = index_batch(db, &n);
	return rc;
}

static bool one_of(const char *v, const char *const *set)
{
	for (; v && *set; set++)
		if (!strcmp(*set, v))
			return true;
	return false;
}

int xz_search_where(struct xz_ctx *c, const struct xz_search_filter *f, int first,
		    struct xz_problem_where *w)
{
	struct xz_problem_where text = {0};
	const char *s = "";
	int i;
	w->nargs = 0;
	w->sql = "";
	if ((f->state && !one_of(f->state, xz_problem_fsm.states)) ||
	    (f->channel && !one_of(f->channel, xz_problem_channels)) ||
	    (f->light &&
	     !one_of(f->light, (const char *const[]){"red", "yellow", "green", NULL})) ||
	    (f->q && strlen(f->q) > XZ_MAX_NAME))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_query", "筛选条件无效",
				   "Invalid filter (state, channel, light or q)", "state");
#define EQ(cond, v)                                                                                \
	do {                                                                                       \
		int n_ = arg(w, first, v);                                                         \
		s = xz_arena_printf(c->arena, "%s AND " cond, s, n_);                              \
	} while (0)
	if (f->place.county_id)
		EQ("p.county_id = $%d", XZ_INT(f->place.county_id));
	if (f->place.township_id)
		EQ("p.township_id = $%d", XZ_INT(f->place.township_id));
	if (f->place.department_id)
		EQ("p.department_id = $%d", XZ_INT(f->place.department_id));
	if (f->place.unit_id)
		EQ("p.unit_id = $%d", XZ_INT(f->place.unit_id));
	if (f->state)
		EQ("p.state = $%d", XZ_TEXT(f->state));
	if (f->township_id)
		EQ("p.township_id = $%d", XZ_INT(f->township_id));
	if (f->unit_id)
		EQ("p.unit_id = $%d", XZ_INT(f->unit_id));
	if (f->cell_id)
		EQ("p.cell_id = $%d", XZ_INT(f->cell_id));
	if (f->channel)
		EQ("p.channel = $%d", XZ_TEXT(f->channel));
	if (f->category) {
		int n = arg(w, first, XZ_TEXT(f->category));
		s = xz_arena_printf(
		    c->arena,
		    "%s AND p.category IN (SELECT code FROM categories WHERE code = $%d "
		    "OR parent_id = (SELECT id FROM categories WHERE code = $%d))",
		    s, n, n);
	}
	if (f->mine_user_id)
		EQ("p.reported_by = $%d", XZ_INT(f->mine_user_id));
	if (f->supervised)
		s = xz_arena_printf(c->arena, "%s AND p.supervised = 1", s);
	if (f->overdue || (f->light && !strcmp(f->light, "red")))
		EQ("p.due_at < $%d AND " XZ_PROBLEM_TIMED_COND("p."), XZ_INT(c->now));
	else if (f->light && !strcmp(f->light, "yellow")) {
		int n = arg(w, first, XZ_INT(c->now));
		s = xz_arena_printf(
		    c->arena,
		    "%s AND p.due_at >= $%d AND p.warn_at <= $%d AND " XZ_PROBLEM_TIMED_COND("p."), s, n,
		    n);
	} else if (f->light && !strcmp(f->light, "green"))
		EQ("(p.due_at IS NULL OR p.warn_at > $%d OR p.state NOT IN " XZ_PROBLEM_TIMED_LIST ")",
		   XZ_INT(c->now));
#undef EQ
	xz_search_text(c, f->q, first + w->nargs, &text);
	for (i = 0; i < text.nargs; i++)
		w->args[w->nargs++] = text.args[i];
	w->sql = xz_arena_printf(c->arena, "%s%s", s, text.sql);
	return 0;
}

/* ---- exports ---------------------------------------------------------------- */

static const char *const heads[] = {"编号",	"乡镇",	    "网格",    "渠道",	   "类别",
				    "问题描述", "地址",	    "状态",    "承办单位", "上报时间",
				    "办理时限", "结案时间", "是否按期"};
#define NCOLS 13

static const char *instant(struct xz_arena *a, json_t *row, const char *k)
{
	json_t *v = json_object_get(row, k);
	char t[XZ_TIME_LEN];
	if (!json_is_integer(v))
		return "";
	return xz_arena_strdup(a, xz_time_format(json_integer_value(v), t));
}

static void cells(struct xz_arena *a, json_t *row, const char **v)
{
	json_t *ot = json_object_get(row, "on_time");
	v[0] =
	    xz_arena_printf(a, "%lld", (long long)json_integer_value(json_object_get(row, "id")));
	v[1] = json_string_value(json_object_get(row, "township_name"));
	v[2] = json_string_value(json_object_get(row, "cell_name"));
	v[3] = json_string_value(json_object_get(row, "channel"));
	v[4] = json_string_value(json_object_get(row, "category_name"));
	v[5] = json_string_value(json_object_get(row, "description"));
	v[6] = json_string_value(json_object_get(row, "address"));
	v[7] = json_string_value(json_object_get(row, "state"));
	v[8] = json_string_value(json_object_get(row, "unit_name"));
	v[9] = instant(a, row, "created_at");
	v[10] = instant(a, row, "due_at");
	v[11] = instant(a, row, "closed_at");
	v[12] = json_is_integer(ot) ? (json_integer_value(ot) ? "是" : "否") : "";
}

int xz_search_export(struct xz_ctx *c, const struct xz_search_filter *f, bool xlsx, int *fd,
		     size_t *len)
{
	static const double width[NCOLS] = {8, 10, 16, 10, 14, 48, 24, 10, 24, 26, 26, 26, 8};
	struct xz_problem_where w = {0};
	struct xz_export *ex = NULL;
	int64_t last = 0;
	int rc;
	*fd = -1;
	*len = 0;
	if ((rc = xz_search_where(c, f, 3, &w)) < 0)
		return rc;
	if ((rc = xz_export_open(xlsx, "问题清单", heads, width, NCOLS, &ex)) < 0)
		goto out;
	for (;;) {
		/* a page at a time, newest first, by keyset */
		struct xz_val args[XZ_SEARCH_MAX_ARGS + 2];
		json_t *rows = NULL, *row;
		size_t i;
		args[0] = XZ_INT(last > 0 ? last : INT64_MAX);
		args[1] = XZ_INT(EXPORT_PAGE);
		memcpy(args + 2, w.args, sizeof(w.args[0]) * (size_t)w.nargs);
		rc = xz_db_query(
		    c->db,
		    xz_arena_printf(c->arena,
				    "SELECT p.id, t.name AS township_name, g.name AS "
				    "cell_name, p.channel, k.name AS category_name, "
				    "p.description, p.address, p.state, u.name AS unit_name, "
				    "p.created_at, p.due_at, p.closed_at, p.on_time FROM "
				    "problems p LEFT JOIN regions t ON t.id = p.township_id "
				    "LEFT JOIN grid_cells g ON g.id = p.cell_id LEFT JOIN "
				    "categories k ON k.code = p.category LEFT JOIN units u ON "
				    "u.id = p.unit_id WHERE p.id < $1%s ORDER BY p.id DESC "
				    "LIMIT $2",
				    w.sql),
		    args, w.nargs + 2, &rows);
		if (rc < 0) {
			rc = xz_ctx_fail_db(c, rc);
			goto out;
		}
		json_array_foreach(rows, i, row)
		{
			const char *v[NCOLS];
			cells(c->arena, row, v);
			if (xz_export_row(ex, v, 0) < 0)
				break; /* a worksheet's last row */
			last = json_integer_value(json_object_get(row, "id"));
		}
		if (i < json_array_size(rows) || json_array_size(rows) < EXPORT_PAGE) {
			json_decref(rows);
			break;
		}
		json_decref(rows);
	}
	rc = xz_export_finish(ex, fd, len);
	ex = NULL;
out:
	xz_export_abort(ex);
	if (rc < 0 && !c->err_code)
		rc = xz_ctx_fail(c, rc, "export_failed", "导出失败", "Export failed", NULL);
	return rc;
}
