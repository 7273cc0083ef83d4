/*
 * audit.c — appending to and verifying the hash-chained audit trail.
 *
 * Appends are serialised through the single row of audit_head: the
 * UPDATE … RETURNING takes its row lock on PostgreSQL and the write lock on
 * SQLite, so two appends can never link to the same predecessor.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/audit.h"
#include "domain/ctx.h"
#include "domain/export.h"

#define HASH_HEX (crypto_hash_sha256_BYTES * 2 + 1)

static void feed(crypto_hash_sha256_state *st, const char *s)
{
	unsigned char len[8];
	uint64_t n = s ? strlen(s) : UINT64_MAX;
	int i;
	for (i = 0; i < 8; i++)
		len[i] = (unsigned char)(n >> (8 * i));
	crypto_hash_sha256_update(st, len, sizeof(len));
	if (s)
		crypto_hash_sha256_update(st, (const unsigned char *)s, strlen(s));
}

static void feed_int(crypto_hash_sha256_state *st, int64_t v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%lld", (long long)v);
	feed(st, buf);
}

/* entry_hash: the hash of one entry given as strings, into hex[HASH_HEX]. */
static void entry_hash(const char *prev, int64_t seq, int64_t at, int64_t user_id,
		       const char *username, const char *roles, const char *source,
		       int64_t county_id, const char *action, const char *otype, const char *oid,
		       const char *outcome, const char *detail, const char *before,
		       const char *after, char *hex)
{
	crypto_hash_sha256_state st;
	unsigned char out[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	feed(&st, prev);
	feed_int(&st, seq);
	feed_int(&st, at);
	feed_int(&st, user_id);
	feed(&st, username);
	feed(&st, roles);
	feed(&st, source);
	feed_int(&st, county_id);
	feed(&st, action);
	feed(&st, otype);
	feed(&st, oid);
	feed(&st, outcome);
	feed(&st, detail);
	feed(&st, before);
	feed(&st, after);
	crypto_hash_sha256_final(&st, out);
	sodium_bin2hex(hex, HASH_HEX, out, sizeof(out));
}

int xz_audit_append(struct xz_db *db, const struct xz_audit_entry *e)
{
	json_t *head = NULL;
	char *before = NULL, *after = NULL, hex[HASH_HEX];
	const char *prev;
	int64_t seq, at = xz_now();
	int rc;

	if ((rc = xz_db_begin(db)) < 0)
		return rc;
	rc = xz_db_one(db, "UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash",
		       XZ_NOARGS, &head);
	if (rc < 0)
		goto out;
	seq = json_integer_value(json_object_get(head, "seq"));
	prev = json_string_value(json_object_get(head, "hash"));
	if (e->before)
		before = json_dumps(e->before, JSON_COMPACT | JSON_SORT_KEYS);
	if (e->after)
		after = json_dumps(e->after, JSON_COMPACT | JSON_SORT_KEYS);
	entry_hash(prev, seq, at, e->user_id, e->username, e->roles, e->source, e->county_id,
		   e->action, e->object_type, e->object_id, e->outcome, e->detail, before, after,
		   hex);
	rc = xz_db_exec(db,
			"INSERT INTO audit_log (seq, at, user_id, username, roles, source, "
			"county_id, action, object_type, object_id, outcome, detail, before, after, "
			"prev_hash, hash) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)",
			XZ_ARGS(XZ_INT(seq), XZ_INT(at), XZ_INT(e->user_id), XZ_TEXT(e->username),
				XZ_TEXT(e->roles), XZ_TEXT(e->source), XZ_INT(e->county_id),
				XZ_TEXT(e->action), XZ_TEXT(e->object_type), XZ_TEXT(e->object_id),
				XZ_TEXT(e->outcome), XZ_TEXT(e->detail), XZ_TEXT(before),
				XZ_TEXT(after), XZ_TEXT(prev), XZ_TEXT(hex)),
			NULL);
	if (rc < 0)
		goto out;
	rc = xz_db_exec(db, "UPDATE audit_head SET hash = $1 WHERE id = 1", XZ_ARGS(XZ_TEXT(hex)),
			NULL);
out:
	free(before);
	free(after);
	json_decref(head);
	if (rc < 0) {
		xz_db_rollback(db);
		return rc;
	}
	return xz_db_commit(db);
}

static const char *str(json_t *row, const char *k)
{
	return json_string_value(json_object_get(row, k));
}

static int64_t num(json_t *row, const char *k)
{
	return json_integer_value(json_object_get(row, k));
}

int xz_audit_verify(struct xz_db *db, int64_t *count, int64_t *bad_seq)
{
	char prev[HASH_HEX], hex[HASH_HEX];
	json_t *rows = NULL, *row, *head = NULL;
	int64_t after = 0, expect = 1, n = 0;
	size_t i;
	int rc = 0;

	*bad_seq = 0;
	memset(prev, '0', HASH_HEX - 1);
	prev[HASH_HEX - 1] = 0;
	for (;;) {
		rc = xz_db_query(db,
				 "SELECT seq, at, user_id, username, roles, source, county_id, action, "
				 "object_type, object_id, outcome, detail, before, after, prev_hash, "
				 "hash FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 5000",
				 XZ_ARGS(XZ_INT(after)), &rows);
		if (rc < 0)
			goto out;
		if (json_array_size(rows) == 0)
			break;
		json_array_foreach(rows, i, row)
		{
			int64_t seq = num(row, "seq");
			entry_hash(prev, seq, num(row, "at"), num(row, "user_id"),
				   str(row, "username"), str(row, "roles"), str(row, "source"),
				   num(row, "county_id"), str(row, "action"), str(row, "object_type"),
				   str(row, "object_id"), str(row, "outcome"), str(row, "detail"),
				   str(row, "before"), str(row, "after"), hex);
			if (seq != expect || !str(row, "prev_hash") ||
			    strcmp(str(row, "prev_hash"), prev) || !str(row, "hash") ||
			    strcmp(str(row, "hash"), hex)) {
				*bad_seq = seq != expect ? expect : seq;
				rc = XZ_ECONFLICT;
				goto out;
			}
			memcpy(prev, hex, HASH_HEX);
			expect++;
			n++;
			after = seq;
		}
		json_decref(rows);
		rows = NULL;
	}
	/* The head must point at the last entry: a truncated tail is a break. */
	rc = xz_db_one(db, "SELECT seq, hash FROM audit_head WHERE id = 1", XZ_NOARGS, &head);
	if (rc < 0)
		goto out;
	if (num(head, "seq") != n || strcmp(str(head, "hash"), prev)) {
		*bad_seq = n + 1;
		rc = XZ_ECONFLICT;
	}
out:
	if (count)
		*count = n;
	json_decref(rows);
	json_decref(head);
	return rc;
}

/* ---- search and export (the auditor's screen) ---------------------------- */

#define EXPORT_PAGE 1000 /* entries read at a time while exporting */

/* One SQL text for the list and the export: $1 the seq to stay below, $9 the
 * page size; the filter's parts are NULL when not asked for. An action
 * ending in '.' names a family: the prefix is matched with LIKE (the dot and
 * letters need no escaping; the filter is checked by the caller). */
static const char *const search_sql =
    "SELECT seq, seq AS id, at, user_id, username, roles, source, action, object_type, object_id, "
    "outcome, detail, before, after, hash FROM audit_log WHERE seq < $1 AND (county_id = $2 "
    "OR county_id = 0 OR county_id IS NULL) AND (CAST($3 AS TEXT) IS NULL OR action = $3 OR "
    "(action LIKE $3 || '%' AND $3 LIKE '%.')) AND (CAST($4 AS TEXT) IS NULL OR object_type = "
    "$4) AND (CAST($5 AS TEXT) IS NULL OR object_id = $5) AND (CAST($6 AS TEXT) IS NULL OR "
    "username = $6) AND (CAST($7 AS BIGINT) IS NULL OR at >= $7) AND (CAST($8 AS BIGINT) IS "
    "NULL OR at <= $8) ORDER BY seq DESC LIMIT $9";

/* search_each: one page of entries, each handed to fn (rows is NULL) or
 * built into *rows */
static int search_each(struct xz_ctx *c, const struct xz_audit_filter *f, int64_t before_seq,
		       int64_t limit, xz_row_fn fn, void *arg, json_t **rows)
{
	const struct xz_val p[] = {XZ_INT(before_seq > 0 ? before_seq : INT64_MAX),
				   XZ_INT(f->county_id),
				   XZ_TEXT(f->action),
				   XZ_TEXT(f->object_type),
				   XZ_TEXT(f->object_id),
				   XZ_TEXT(f->actor),
				   XZ_ID(f->from),
				   XZ_ID(f->to),
				   XZ_INT(limit)};
	int rc = rows ? xz_db_query(c->db, search_sql, p, (int)XZ_ARRAY_LEN(p), rows)
		      : xz_db_each(c->db, search_sql, p, (int)XZ_ARRAY_LEN(p), fn, arg);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

static int search_page(struct xz_ctx *c, const struct xz_audit_filter *f, int64_t before_seq,
		       int64_t limit, json_t **rows)
{
	return search_each(c, f, before_seq, limit, NULL, NULL, rows);
}

int xz_audit_search(struct xz_ctx *c, const struct xz_audit_filter *f, int64_t before_seq,
		    int64_t limit, xz_row_fn fn, void *arg)
{
	return search_each(c, f, before_seq, limit, fn, arg, NULL);
}

static const char *const export_heads[] = {"序号", "时间",     "用户",	"角色",	  "来源",
					   "操作", "对象类型", "对象编号", "结果",	  "说明",
					   "变更前", "变更后", "哈希"};
#define EXPORT_COLS 13

int xz_audit_export(struct xz_ctx *c, const struct xz_audit_filter *f, bool xlsx, int *fd,
		    size_t *len)
{
	static const double width[EXPORT_COLS] = {8, 26, 12, 14, 16, 22, 12, 10, 8, 24, 40, 40, 20};
	struct xz_export *ex = NULL;
	int64_t last = 0;
	int rc;
	*fd = -1;
	*len = 0;
	if ((rc = xz_export_open(xlsx, "审计日志", export_heads, width, EXPORT_COLS, &ex)) < 0)
		goto out;
	for (;;) {
		json_t *rows = NULL, *row;
		size_t i, n;
		if ((rc = search_page(c, f, last, EXPORT_PAGE, &rows)) < 0)
			goto out;
		json_array_foreach(rows, i, row)
		{
			char seq[24], at[XZ_TIME_LEN];
			const char *v[EXPORT_COLS];
			last = num(row, "seq");
			snprintf(seq, sizeof(seq), "%lld", (long long)last);
			v[0] = seq;
			v[1] = xz_time_format(num(row, "at"), at);
			v[2] = str(row, "username");
			v[3] = str(row, "roles");
			v[4] = str(row, "source");
			v[5] = str(row, "action");
			v[6] = str(row, "object_type");
			v[7] = str(row, "object_id");
			v[8] = str(row, "outcome");
			v[9] = str(row, "detail");
			v[10] = str(row, "before");
			v[11] = str(row, "after");
			v[12] = str(row, "hash");
			if (xz_export_row(ex, v, 0) < 0)
				break; /* a worksheet's last row */
		}
		n = json_array_size(rows);
		json_decref(rows);
		if (i < n || n < EXPORT_PAGE)
			break;
	}
	rc = xz_export_finish(ex, fd, len);
	ex = NULL;
out:
	xz_export_abort(ex);
	if (rc < 0 && !c->err_code)
		rc = xz_ctx_fail(c, rc, "export_failed", "导出失败", "Export failed", NULL);
	return rc;
}
