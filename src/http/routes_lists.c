/*
 * routes_lists.c — the power and responsibility lists (R2): versions
 * (a draft is edited, diffed and published; a published version never
 * changes), power items with their responsibility (responsible department,
 * duty, time limit), import and export as CSV and XLSX with a template,
 * the problem category tree mapped onto power codes, routing a category in
 * a township to its responsible unit, and the working-day calendar with the
 * deadline arithmetic every rule uses.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"
#include "domain/grid.h"
#include "domain/routing.h"
#include "domain/sheet.h"
#include "http/resource.h"

static const char *const power_kinds[] = {"行政处罚", "行政强制", "行政检查", "行政许可",
					  "行政征收", "行政确认", "行政奖励", "行政裁决",
					  "其他行政权力", NULL};
static const char *const delegations[] = {"none", "delegated", "entrusted", NULL};

/* ---- calendar ---- */

static int calendar_list(struct xz_req *r)
{
	const char *y = xz_req_query(r, "year");
	char lo[16], hi[16];
	json_t *rows = NULL;
	long year = y ? strtol(y, NULL, 10) : 0;
	int rc;
	if (y && (year < 2000 || year > 2100))
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "year须为2000到2100之间的年份",
			       "year must be from 2000 to 2100", "year");
	snprintf(lo, sizeof(lo), "%04ld-01-01", y ? year : 2000);
	snprintf(hi, sizeof(hi), "%04ld-12-31", y ? year : 2100);
	rc = xz_db_query(xz_req_db(r),
			 "SELECT day AS date, kind, name FROM calendar_days WHERE day >= $1 AND day "
			 "<= $2 ORDER BY day",
			 XZ_ARGS(XZ_TEXT(lo), XZ_TEXT(hi)), &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	return xz_reply(r, 200, json_pack("{s:o}", "days", rows));
}

/* put_day: validate and store one exception. */
static int put_day(struct xz_req *r, const char *date, const char *kind, const char *name,
		   const char *field)
{
	int64_t day;
	int rc;
	if (xz_date_parse(date, &day) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_date", "日期须为YYYY-MM-DD",
			       "date must be YYYY-MM-DD", field);
	if (!kind || (strcmp(kind, "holiday") && strcmp(kind, "workday")))
		return xz_fail(r, XZ_EMALFORMED, "invalid_kind",
			       "kind须为holiday（节假日）或workday（调休上班）",
			       "kind must be holiday or workday", field);
	if (name && strlen(name) > XZ_MAX_NAME)
		return xz_fail(r, XZ_EMALFORMED, "too_long", "名称过长", "name too long", field);
	rc = xz_db_exec(xz_req_db(r),
			"INSERT INTO calendar_days (day, kind, name, updated_at) VALUES ($1, $2, $3, "
			"$4) ON CONFLICT (day) DO UPDATE SET kind = $2, name = $3, updated_at = $4",
			XZ_ARGS(XZ_TEXT(date), XZ_TEXT(kind), XZ_TEXT(name ? name : ""),
				XZ_INT(xz_now())),
			NULL);
	return rc < 0 ? xz_fail_db(r, rc) : 0;
}

static int calendar_put(struct xz_req *r)
{
	const char *kind = NULL, *name = NULL;
	int rc;
	if ((rc = xz_req_json(r)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s}", "kind", &kind, "name", &name)) < 0)
		return rc;
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		return xz_fail_db(r, rc);
	if ((rc = put_day(r, r->params[0], kind, name, "date")) < 0)
		goto fail;
	if ((rc = xz_caldb_touch(xz_req_db(r))) < 0 ||
	    (rc = xz_req_audit_new(r, "calendar.set", "calendar", 0, "ok", NULL,
			       json_pack("{s:s,s:s}", "date", r->params[0], "kind", kind))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		rc = xz_fail_db(r, rc);
		goto fail;
	}
	return xz_reply(r, 200, json_pack("{s:s,s:s,s:s}", "date", r->params[0], "kind", kind,
					  "name", name ? name : ""));
fail:
	xz_db_rollback(xz_req_db(r));
	return rc;
}

static int calendar_delete(struct xz_req *r)
{
	int64_t day, changes = 0;
	int rc;
	if (xz_date_parse(r->params[0], &day) < 0)
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "日期无效", "No such date", NULL);
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r), "DELETE FROM calendar_days WHERE day = $1",
			     XZ_ARGS(XZ_TEXT(r->params[0])), &changes)) < 0 ||
	    (rc = xz_caldb_touch(xz_req_db(r))) < 0 ||
	    (rc = xz_req_audit_new(r, "calendar.unset", "calendar", 0, "ok", NULL,
			       json_pack("{s:s}", "date", r->params[0]))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		return xz_fail_db(r, rc);
	}
	return xz_reply(r, 204, NULL);
}

/* calendar_import: {"days":[{"date","kind","name"}…]} — all or nothing. */
static int calendar_import(struct xz_req *r)
{
	json_t *days = NULL, *d;
	size_t i;
	int rc;
	if ((rc = xz_req_array(r, "days", 3660, &days)) < 0)
		return rc;
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		return xz_fail_db(r, rc);
	json_array_foreach(days, i, d) {
		if ((rc = put_day(r, xz_jstr(d, "date"), xz_jstr(d, "kind"), xz_jstr(d, "name"),
				  xz_arena_printf(r->arena, "days[%zu]", i))) < 0)
			goto fail;
	}
	if ((rc = xz_caldb_touch(xz_req_db(r))) < 0 ||
	    (rc = xz_req_audit_new(r, "calendar.import", "calendar", 0, "ok", NULL,
			       json_pack("{s:i}", "days", (int)json_array_size(days)))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		rc = xz_fail_db(r, rc);
		goto fail;
	}
	return xz_reply(r, 200, json_pack("{s:i}", "imported", (int)json_array_size(days)));
fail:
	xz_db_rollback(xz_req_db(r));
	return rc;
}

static int calendar_deadline(struct xz_req *r)
{
	const char *from_s = xz_req_query(r, "from"), *amount_s = xz_req_query(r, "amount"),
		   *unit_s = xz_req_query(r, "unit");
	enum xz_dl_unit unit = xz_dl_unit_parse(unit_s ? unit_s : "");
	int64_t from, due, amount = 0;
	char *end = NULL, a[XZ_TIME_LEN], b[XZ_TIME_LEN];
	int rc;
	if (!from_s)
		from = xz_now();
	else if (xz_time_parse(from_s, &from) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "from须为ISO 8601时间",
			       "from must be an ISO 8601 date-time", "from");
	if (amount_s) {
		amount = strtoll(amount_s, &end, 10);
		if (!*amount_s || *end || amount < 0 || amount > 3650)
			return xz_fail(r, XZ_EMALFORMED, "invalid_query", "amount须为0到3650的整数",
				       "amount must be an integer from 0 to 3650", "amount");
	} else if (unit != XZ_DL_END_OF_DAY) {
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "须给出amount",
			       "amount is required", "amount");
	}
	if (!unit)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query",
			       "unit须为hours、days、working_days或end_of_day",
			       "unit must be hours, days, working_days or end_of_day", "unit");
	if ((rc = xz_caldb_deadline(xz_req_db(r), from, amount, unit, &due)) < 0)
		return rc == XZ_EMALFORMED ? xz_fail(r, rc, "invalid_query", "期限参数无效",
						     "invalid deadline arguments", "amount")
					   : xz_fail_db(r, rc);
	return xz_reply(r, 200, json_pack("{s:s,s:s,s:I,s:s}", "due_at", xz_time_format(due, a),
					  "from", xz_time_format(from, b), "amount",
					  (json_int_t)amount, "unit", unit_s));
}

/* ---- versions ---- */

/* load_version: by id, within the caller's county. */
static int load_version(struct xz_req *r, int64_t id, json_t **row)
{
	int rc = xz_db_one(xz_req_db(r),
			   "SELECT id, county_id, number, state, note, created_at, published_at FROM "
			   "list_versions WHERE id = $1 AND county_id = $2",
			   XZ_ARGS(XZ_INT(id), XZ_INT(r->user->county_id)), row);
	if (rc == XZ_ENOTFOUND)
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "清单版本不存在", "No such list version",
			       NULL);
	return rc < 0 ? xz_fail_db(r, rc) : 0;
}

static int versions_list(struct xz_req *r)
{
	json_t *rows = NULL;
	int rc = xz_db_query(xz_req_db(r),
			     "SELECT v.id, v.number, v.state, v.note, v.created_at, v.published_at, "
			     "(SELECT COUNT(*) FROM power_items p WHERE p.version_id = v.id) AS items "
			     "FROM list_versions v WHERE v.county_id = $1 ORDER BY v.number DESC",
			     XZ_ARGS(XZ_INT(r->user->county_id)), &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	return xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

#define ITEM_COLS                                                                      \
	"code, name, kind, legal_basis, department_id, domain, delegation, "               \
	"resp_department_id, duty, time_limit_days"

/* version_create: a new draft, a copy of the latest published version. */
static int version_create(struct xz_req *r)
{
	const char *note = NULL;
	int64_t id = 0, number = 0, draft = 0, county = r->user->county_id;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_req_json(r)) < 0 || (rc = xz_req_unpack(r, "{s?s}", "note", &note)) < 0)
		return rc;
	if (note && strlen(note) > XZ_MAX_TEXT)
		return xz_fail(r, XZ_EMALFORMED, "too_long", "说明过长", "note too long", "note");
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		return xz_fail_db(r, rc);
	rc = xz_db_int(xz_req_db(r),
		       "SELECT id FROM list_versions WHERE county_id = $1 AND state = 'draft'",
		       XZ_ARGS(XZ_INT(county)), &draft);
	if (rc == 0) {
		rc = xz_fail(r, XZ_ECONFLICT, "draft_exists", "已有未发布的草稿版本",
			     "A draft version already exists", NULL);
		goto fail;
	}
	if (rc != XZ_ENOTFOUND ||
	    (rc = xz_db_int(xz_req_db(r),
			    "SELECT COALESCE(MAX(number), 0) FROM list_versions WHERE county_id = $1",
			    XZ_ARGS(XZ_INT(county)), &number)) < 0 ||
	    (rc = xz_db_int(xz_req_db(r),
			    "INSERT INTO list_versions (county_id, number, state, note, created_by, "
			    "created_at) VALUES ($1, $2, 'draft', $3, $4, $5) RETURNING id",
			    XZ_ARGS(XZ_INT(county), XZ_INT(number + 1), XZ_TEXT(note ? note : ""),
				    XZ_INT(r->user->id), XZ_INT(xz_now())),
			    &id)) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r),
			     "INSERT INTO power_items (version_id, " ITEM_COLS ") SELECT $1, " ITEM_COLS
			     " FROM power_items WHERE version_id = (SELECT id FROM list_versions "
			     "WHERE county_id = $2 AND state = 'published')",
			     XZ_ARGS(XZ_INT(id), XZ_INT(county)), NULL)) < 0 ||
	    (rc = xz_req_audit_new(r, "list.draft", "list_version", id, "ok", NULL, NULL)) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		rc = xz_fail_db(r, rc);
		goto fail;
	}
	if ((rc = load_version(r, id, &row)) < 0)
		return rc;
	return xz_reply(r, 201, xz_present(row));
fail:
	xz_db_rollback(xz_req_db(r));
	return rc;
}

/* draft_version: the version with path id, which must be a draft. */
static int draft_version(struct xz_req *r, int64_t id, json_t **row)
{
	int rc = load_version(r, id, row);
	if (rc < 0)
		return rc;
	if (strcmp(xz_jstr(*row, "state"), "draft")) {
		json_decref(*row);
		*row = NULL;
		return xz_fail(r, XZ_ECONFLICT, "version_published",
			       "已发布的清单版本不可修改，请新建草稿版本",
			       "A published list version is immutable; draft a new version", NULL);
	}
	return 0;
}

static int version_publish(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = draft_version(r, id, &row)) < 0)
		return rc;
	json_decref(row);
	row = NULL;
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r),
			     "UPDATE list_versions SET state = 'superseded' WHERE county_id = $1 AND "
			     "state = 'published'",
			     XZ_ARGS(XZ_INT(r->user->county_id)), NULL)) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r),
			     "UPDATE list_versions SET state = 'published', published_by = $2, "
			     "published_at = $3 WHERE id = $1 AND state = 'draft'",
			     XZ_ARGS(XZ_INT(id), XZ_INT(r->user->id), XZ_INT(xz_now())), NULL)) < 0 ||
	    (rc = xz_req_audit_new(r, "list.publish", "list_version", id, "ok", NULL, NULL)) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		return xz_fail_db(r, rc);
	}
	if ((rc = load_version(r, id, &row)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(row));
}

static int version_delete(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = draft_version(r, id, &row)) < 0)
		return rc;
	json_decref(row);
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r), "DELETE FROM power_items WHERE version_id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r), "DELETE FROM list_versions WHERE id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) < 0 ||
	    (rc = xz_req_audit_new(r, "list.discard", "list_version", id, "ok", NULL, NULL)) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		return xz_fail_db(r, rc);
	}
	return xz_reply(r, 204, NULL);
}

static json_t *items_of(struct xz_req *r, int64_t version_id, int *rc)
{
	json_t *rows = NULL;
	*rc = xz_db_query(xz_req_db(r),
			  "SELECT p.id, p.code, p.name, p.kind, p.legal_basis, p.department_id, "
			  "p.domain, p.delegation, p.resp_department_id, p.duty, p.time_limit_days, "
			  "d.code AS department_code, rd.code AS "
			  "resp_department_code FROM power_items p JOIN departments d ON d.id = "
			  "p.department_id LEFT JOIN departments rd ON rd.id = p.resp_department_id "
			  "WHERE p.version_id = $1 ORDER BY p.code",
			  XZ_ARGS(XZ_INT(version_id)), &rows);
	return rows;
}

/* version_diff: added, removed and changed items against ?against= (a
 * version id; default the published version). */
static int version_diff(struct xz_req *r)
{
	static const char *const fields[] = {"name", "kind", "legal_basis", "department_id",
					     "domain", "delegation", "resp_department_id", "duty",
					     "time_limit_days", NULL};
	int64_t id, against = 0;
	json_t *row = NULL, *base = NULL, *a = NULL, *b = NULL, *added, *removed, *changed, *it,
	       *idx = json_object();
	size_t i;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_query_id(r, "against", &against)) < 0 ||
	    (rc = load_version(r, id, &row)) < 0)
		goto out;
	if (!against &&
	    xz_db_int(xz_req_db(r),
		      "SELECT id FROM list_versions WHERE county_id = $1 AND state = 'published' "
		      "AND id <> $2",
		      XZ_ARGS(XZ_INT(r->user->county_id), XZ_INT(id)), &against) < 0)
		against = 0;
	if (against && (rc = load_version(r, against, &base)) < 0)
		goto out;
	if (!(a = items_of(r, id, &rc)) || (against && !(b = items_of(r, against, &rc)))) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	added = json_array();
	removed = json_array();
	changed = json_array();
	json_array_foreach(b, i, it)
		json_object_set(idx, xz_jstr(it, "code"), it);
	json_array_foreach(a, i, it) {
		json_t *old = json_object_get(idx, xz_jstr(it, "code")), *diff;
		const char *const *f;
		if (!old) {
			json_array_append(added, it);
			continue;
		}
		diff = json_object();
		for (f = fields; *f; f++)
			if (!json_equal(json_object_get(it, *f), json_object_get(old, *f)))
				json_object_set_new(diff, *f,
						    json_pack("{s:O,s:O}", "from",
							      json_object_get(old, *f), "to",
							      json_object_get(it, *f)));
		if (json_object_size(diff))
			json_array_append_new(changed, json_pack("{s:s,s:s,s:o}", "code",
								 xz_jstr(it, "code"), "name",
								 xz_jstr(it, "name"), "fields", diff));
		else
			json_decref(diff);
		json_object_del(idx, xz_jstr(it, "code"));
	}
	json_array_foreach(b, i, it)
		if (json_object_get(idx, xz_jstr(it, "code")))
			json_array_append(removed, it);
	rc = xz_reply(r, 200,
		      json_pack("{s:I,s:O,s:o,s:o,s:o}", "version", (json_int_t)xz_jint(row, "number"),
				"against", base ? json_object_get(base, "number") : json_null(),
				"added", added, "removed", removed, "changed", changed));
out:
	json_decref(idx);
	json_decref(row);
	json_decref(base);
	json_decref(a);
	json_decref(b);
	return rc;
}

/* ---- power items ---- */

/* check_item: validate one power item (department ids already resolved);
 * `where` names it in messages ("第3行" / "row 3"), may be "". */
static int check_item(struct xz_req *r, json_t *it, const char *where, const char *where_en)
{
	static const struct {
		const char *key, *zh;
		size_t max;
		bool required;
	} text[] = {
		{"code", "编码", XZ_MAX_CODE, true},      {"name", "名称", XZ_MAX_NAME * 2, true},
		{"kind", "类别", XZ_MAX_NAME, true},      {"legal_basis", "法律依据", XZ_MAX_TEXT, false},
		{"domain", "执法领域", XZ_MAX_NAME, false}, {"duty", "责任事项", XZ_MAX_TEXT, false},
	};
	size_t i;
	int64_t dept;
	for (i = 0; i < XZ_ARRAY_LEN(text); i++) {
		const char *v = xz_jstr(it, text[i].key);
		if ((text[i].required && (!v || !*v)) || (v && strlen(v) > text[i].max))
			return xz_fail(r, XZ_EMALFORMED, "invalid_field",
				       xz_arena_printf(r->arena, "%s%s缺失或过长", where, text[i].zh),
				       xz_arena_printf(r->arena, "%s%s missing or too long", where_en,
						       text[i].key),
				       text[i].key);
	}
	if (!xz_one_of(xz_jstr(it, "kind"), power_kinds))
		return xz_fail(r, XZ_EMALFORMED, "invalid_field",
			       xz_arena_printf(r->arena,
					       "%s类别须为行政处罚、行政强制、行政检查等权力类别之一", where),
			       xz_arena_printf(r->arena, "%skind is not a known power kind", where_en),
			       "kind");
	if (!xz_one_of(xz_jstr(it, "delegation") ?: "none", delegations))
		return xz_fail(r, XZ_EMALFORMED, "invalid_field",
			       xz_arena_printf(r->arena, "%s下放方式须为无、赋权或委托", where),
			       xz_arena_printf(r->arena, "%sdelegation must be none, delegated or entrusted",
					       where_en),
			       "delegation");
	if (xz_jint(it, "time_limit_days") < 0 || xz_jint(it, "time_limit_days") > 365)
		return xz_fail(r, XZ_EMALFORMED, "invalid_field",
			       xz_arena_printf(r->arena, "%s办理时限须为0到365个工作日", where),
			       xz_arena_printf(r->arena, "%stime_limit_days must be 0..365", where_en),
			       "time_limit_days");
	for (i = 0; i < 2; i++) {
		const char *key = i ? "resp_department_id" : "department_id";
		if (!(dept = xz_jint(it, key)) && !i)
			goto bad_dept;
		if (dept && xz_db_int(xz_req_db(r),
				      "SELECT id FROM departments WHERE id = $1 AND county_id = $2",
				      XZ_ARGS(XZ_INT(dept), XZ_INT(r->user->county_id)), &dept) < 0)
			goto bad_dept;
		continue;
	bad_dept:
		return xz_fail(r, XZ_ERULE, "invalid_reference",
			       xz_arena_printf(r->arena, "%s部门不存在", where),
			       xz_arena_printf(r->arena, "%sunknown department", where_en), key);
	}
	return 0;
}

static int insert_item(struct xz_req *r, int64_t version_id, json_t *it, int64_t *id)
{
	return xz_db_int(xz_req_db(r),
			 "INSERT INTO power_items (version_id, " ITEM_COLS ") VALUES ($1, $2, $3, $4, "
			 "$5, $6, $7, $8, $9, $10, $11) RETURNING id",
			 XZ_ARGS(XZ_INT(version_id), XZ_TEXT(xz_jstr(it, "code")),
				 XZ_TEXT(xz_jstr(it, "name")), XZ_TEXT(xz_jstr(it, "kind")),
				 XZ_TEXT(xz_jstr(it, "legal_basis") ?: ""),
				 XZ_INT(xz_jint(it, "department_id")),
				 XZ_TEXT(xz_jstr(it, "domain") ?: ""),
				 XZ_TEXT(xz_jstr(it, "delegation") ?: "none"),
				 XZ_ID(xz_jint(it, "resp_department_id")),
				 XZ_TEXT(xz_jstr(it, "duty") ?: ""),
				 XZ_INT(xz_jint(it, "time_limit_days"))),
			 id);
}

#define POWER_SELECT                                                                   \
	"SELECT p.id, p.version_id, v.number AS version, v.state AS version_state, p.code, "  \
	"p.name, p.kind, p.legal_basis, p.department_id, d.name AS department_name, "       \
	"p.domain, p.delegation, p.resp_department_id, rd.name AS resp_department_name, "   \
	"p.duty, p.time_limit_days FROM power_items p JOIN list_versions v ON v.id = "      \
	"p.version_id JOIN departments d ON d.id = p.department_id LEFT JOIN departments "  \
	"rd ON rd.id = p.resp_department_id "

/* powers_list: ?version=N (number; default the published one) or
 * ?version_id=, &department_id=, &q= (code or name contains). */
static int powers_list(struct xz_req *r)
{
	int64_t after, limit, vnum = 0, vid = 0, dept = 0;
	const char *q = xz_req_query(r, "q");
	json_t *rows = NULL;
	char *like = NULL;
	int rc;
	if ((rc = xz_req_page(r, &after, &limit)) < 0 ||
	    (rc = xz_req_query_id(r, "version", &vnum)) < 0 ||
	    (rc = xz_req_query_id(r, "version_id", &vid)) < 0 ||
	    (rc = xz_req_query_id(r, "department_id", &dept)) < 0)
		return rc;
	if (q && strlen(q) > XZ_MAX_NAME)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "q过长", "q too long", "q");
	if (q && *q)
		like = xz_req_like(r, q);
	rc = xz_db_query(xz_req_db(r),
			 POWER_SELECT "WHERE v.county_id = $1 AND p.id > $2 AND "
			 "(CASE WHEN CAST($3 AS BIGINT) IS NOT NULL THEN v.id = $3 WHEN CAST($4 AS "
			 "BIGINT) IS NOT NULL THEN v.number = $4 ELSE v.state = 'published' END) AND "
			 "(CAST($5 AS BIGINT) IS NULL OR p.department_id = $5 OR p.resp_department_id "
			 "= $5) AND (CAST($6 AS TEXT) IS NULL OR p.code LIKE $6 ESCAPE '\\' OR p.name "
			 "LIKE $6 ESCAPE '\\') "
			 "ORDER BY p.id LIMIT $7",
			 XZ_ARGS(XZ_INT(r->user->county_id), XZ_INT(after), XZ_ID(vid), XZ_ID(vnum),
				 XZ_ID(dept), XZ_TEXT(like), XZ_INT(limit)),
			 &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	return xz_reply_page(r, rows, limit);
}

static int load_power(struct xz_req *r, int64_t id, json_t **row)
{
	int rc = xz_db_one(xz_req_db(r), POWER_SELECT "WHERE p.id = $1 AND v.county_id = $2",
			   XZ_ARGS(XZ_INT(id), XZ_INT(r->user->county_id)), row);
	if (rc == XZ_ENOTFOUND)
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "权力事项不存在", "No such power item",
			       NULL);
	return rc < 0 ? xz_fail_db(r, rc) : 0;
}

static int power_get(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load_power(r, id, &row)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(row));
}

#define ITEM_SHAPE "s:s,s:s,s:s,s?s,s:I,s?s,s?s,s?I,s?s,s?I"
#define ITEM_ARGS(it)                                                                  \
	"code", &it.code, "name", &it.name, "kind", &it.kind, "legal_basis", &it.legal_basis, \
		"department_id", &it.dept, "domain", &it.domain, "delegation", &it.delegation,     \
		"resp_department_id", &it.resp, "duty", &it.duty, "time_limit_days", &it.limit

struct item_in {
	const char *code, *name, *kind, *legal_basis, *domain, *delegation, *duty;
	json_int_t dept, resp, limit;
};

static int power_create(struct xz_req *r)
{
	struct item_in in = {0};
	json_int_t vid = 0;
	int64_t id = 0;
	json_t *ver = NULL, *row = NULL;
	int rc;
	if ((rc = xz_req_json(r)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:I," ITEM_SHAPE "}", "version_id", &vid, ITEM_ARGS(in))) < 0 ||
	    (rc = draft_version(r, vid, &ver)) < 0)
		return rc;
	json_decref(ver);
	if ((rc = check_item(r, r->in, "", "")) < 0)
		return rc;
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 || (rc = insert_item(r, vid, r->in, &id)) < 0 ||
	    (rc = xz_req_audit_new(r, "power.create", "power_item", id, "ok", NULL,
			       json_incref(r->in))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		return rc == XZ_ECONFLICT ? xz_fail(r, rc, "duplicate_code", "该版本中编码已存在",
						    "The code already exists in this version", "code")
					  : xz_fail_db(r, rc);
	}
	if ((rc = load_power(r, id, &row)) < 0)
		return rc;
	return xz_reply(r, 201, xz_present(row));
}

static int power_update(struct xz_req *r)
{
	struct item_in in = {0};
	json_int_t vers = 0;
	int64_t id;
	json_t *old = NULL, *ver = NULL, *row = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_json(r)) < 0 ||
	    (rc = xz_req_unpack(r, "{s?I," ITEM_SHAPE "}", "version", &vers, ITEM_ARGS(in))) <
		    0 ||
	    (rc = load_power(r, id, &old)) < 0)
		return rc;
	if ((rc = draft_version(r, xz_jint(old, "version_id"), &ver)) < 0 ||
	    (rc = check_item(r, r->in, "", "")) < 0)
		goto out;
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r),
			     "UPDATE power_items SET code = $2, name = $3, kind = $4, legal_basis = "
			     "$5, department_id = $6, domain = $7, delegation = $8, "
			     "resp_department_id = $9, duty = $10, time_limit_days = $11 WHERE id = $1",
			     XZ_ARGS(XZ_INT(id), XZ_TEXT(in.code), XZ_TEXT(in.name),
				     XZ_TEXT(in.kind), XZ_TEXT(in.legal_basis ?: ""),
				     XZ_INT(in.dept), XZ_TEXT(in.domain ?: ""),
				     XZ_TEXT(in.delegation ?: "none"), XZ_ID(in.resp),
				     XZ_TEXT(in.duty ?: ""), XZ_INT(xz_jint(r->in, "time_limit_days"))),
			     NULL)) < 0 ||
	    (rc = xz_req_audit_new(r, "power.update", "power_item", id, "ok", json_incref(old),
			       json_incref(r->in))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		rc = rc == XZ_ECONFLICT ? xz_fail(r, rc, "duplicate_code", "该版本中编码已存在",
						  "The code already exists in this version", "code")
					: xz_fail_db(r, rc);
		goto out;
	}
	if ((rc = load_power(r, id, &row)) == 0)
		rc = xz_reply(r, 200, xz_present(row));
out:
	json_decref(old);
	json_decref(ver);
	return rc;
}

static int power_delete(struct xz_req *r)
{
	int64_t id;
	json_t *old = NULL, *ver = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load_power(r, id, &old)) < 0)
		return rc;
	if ((rc = draft_version(r, xz_jint(old, "version_id"), &ver)) < 0)
		goto out;
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r), "DELETE FROM power_items WHERE id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) < 0 ||
	    (rc = xz_req_audit_new(r, "power.delete", "power_item", id, "ok", json_incref(old), NULL)) <
		    0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		rc = xz_fail_db(r, rc);
		goto out;
	}
	rc = xz_reply(r, 204, NULL);
out:
	json_decref(old);
	json_decref(ver);
	return rc;
}

/* ---- import, export, template ---- */

static const struct {
	const char *key, *zh;
} sheet_cols[] = {
	{"code", "编码"},
	{"name", "名称"},
	{"kind", "类别"},
	{"legal_basis", "法律依据"},
	{"department_code", "实施部门编码"},
	{"domain", "执法领域"},
	{"delegation", "下放方式"},
	{"resp_department_code", "责任部门编码"},
	{"duty", "责任事项"},
	{"time_limit_days", "办理时限（工作日）"},
};

static const struct {
	const char *key, *zh;
} delegation_zh[] = {{"none", "无"}, {"delegated", "赋权"}, {"entrusted", "委托"}};

/* dept_id_of: the county department with this code, 0 when none. */
static int64_t dept_id_of(struct xz_req *r, const char *code)
{
	int64_t id = 0;
	if (!code || !*code ||
	    xz_db_int(xz_req_db(r), "SELECT id FROM departments WHERE code = $1 AND county_id = $2",
		      XZ_ARGS(XZ_TEXT(code), XZ_INT(r->user->county_id)), &id) < 0)
		return 0;
	return id;
}

/* row_item: a sheet row as an item object, by the header's column map. */
static json_t *row_item(struct xz_req *r, json_t *cells, const int *col)
{
	json_t *it = json_object();
	size_t k;
	for (k = 0; k < XZ_ARRAY_LEN(sheet_cols); k++) {
		const char *v = col[k] >= 0 ? json_string_value(json_array_get(cells, col[k])) : NULL;
		const char *key = sheet_cols[k].key;
		size_t d;
		if (!v)
			v = "";
		if (!strcmp(key, "department_code") || !strcmp(key, "resp_department_code")) {
			int64_t id = dept_id_of(r, v);
			if (*v)
				json_object_set_new(it, key[0] == 'd' ? "department_id"
								      : "resp_department_id",
						    id ? json_integer(id) : json_integer(-1));
		} else if (!strcmp(key, "time_limit_days")) {
			char *end = NULL;
			long n = strtol(v, &end, 10);
			json_object_set_new(it, key, json_integer(*v && end && !*end ? n : *v ? -1 : 0));
		} else if (!strcmp(key, "delegation")) {
			const char *val = *v ? v : "none";
			for (d = 0; d < XZ_ARRAY_LEN(delegation_zh); d++)
				if (!strcmp(delegation_zh[d].zh, v))
					val = delegation_zh[d].key;
			json_object_set_new(it, key, json_string(val));
		} else {
			json_object_set_new(it, key, json_string(v));
		}
	}
	return it;
}

/* version_import: replace a draft's items with a CSV or XLSX sheet whose
 * first row names the columns (Chinese labels or keys). All or nothing. */
static int version_import(struct xz_req *r)
{
	int64_t id, iid;
	json_t *ver = NULL, *rows = NULL, *head, *cells, *it = NULL, *seen = json_object();
	const char *why = NULL, *kind;
	int col[XZ_ARRAY_LEN(sheet_cols)];
	size_t i, k;
	int rc;

	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = draft_version(r, id, &ver)) < 0)
		goto out;
	kind = xz_sheet_sniff((const unsigned char *)r->body, r->body_len);
	if ((rc = xz_sheet_read((const unsigned char *)r->body, r->body_len, kind, &rows, &why)) <
	    0) {
		rc = xz_fail(r, rc, rc == XZ_ETOOBIG ? "too_big" : "invalid_sheet",
			     "无法读取表格（须为UTF-8 CSV或XLSX）",
			     xz_arena_printf(r->arena, "Cannot read the sheet: %s", why ? why : "?"),
			     NULL);
		goto out;
	}
	head = json_array_get(rows, 0);
	for (k = 0; k < XZ_ARRAY_LEN(sheet_cols); k++) {
		col[k] = -1;
		json_array_foreach(head, i, cells) {
			const char *h = json_string_value(cells);
			if (h && (!strcmp(h, sheet_cols[k].zh) || !strcmp(h, sheet_cols[k].key)))
				col[k] = (int)i;
		}
		if (col[k] < 0 && k < 5 && k != 3) {
			rc = xz_fail(r, XZ_EMALFORMED, "missing_column",
				     xz_arena_printf(r->arena, "表头缺少「%s」列", sheet_cols[k].zh),
				     xz_arena_printf(r->arena, "The header lacks column %s",
						     sheet_cols[k].key),
				     sheet_cols[k].key);
			goto out;
		}
	}
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r), "DELETE FROM power_items WHERE version_id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) < 0) {
		rc = xz_fail_db(r, rc);
		goto fail;
	}
	for (i = 1; i < json_array_size(rows); i++) {
		const char *where = xz_arena_printf(r->arena, "第%zu行：", i + 1);
		const char *where_en = xz_arena_printf(r->arena, "row %zu: ", i + 1);
		json_decref(it);
		it = row_item(r, json_array_get(rows, i), col);
		if (json_object_get(seen, xz_jstr(it, "code"))) {
			rc = xz_fail(r, XZ_ERULE, "duplicate_code",
				     xz_arena_printf(r->arena, "%s编码重复", where),
				     xz_arena_printf(r->arena, "%sduplicate code", where_en), "code");
			goto fail;
		}
		json_object_set_new(seen, xz_jstr(it, "code"), json_true());
		if ((rc = check_item(r, it, where, where_en)) < 0)
			goto fail;
		if ((rc = insert_item(r, id, it, &iid)) < 0) {
			rc = xz_fail_db(r, rc);
			goto fail;
		}
	}
	if ((rc = xz_req_audit_new(r, "list.import", "list_version", id, "ok", NULL,
			       json_pack("{s:i}", "items", (int)json_array_size(rows) - 1))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		rc = xz_fail_db(r, rc);
		goto fail;
	}
	rc = xz_reply(r, 200, json_pack("{s:i,s:I}", "imported", (int)json_array_size(rows) - 1,
					"version", (json_int_t)xz_jint(ver, "number")));
	goto out;
fail:
	xz_db_rollback(xz_req_db(r));
out:
	json_decref(it);
	json_decref(seen);
	json_decref(rows);
	json_decref(ver);
	return rc;
}

/* send_sheet: rows as ?format=csv (default) or xlsx, named file. */
static int send_sheet(struct xz_req *r, json_t *rows, const char *file)
{
	const char *fmt = xz_req_query(r, "format");
	unsigned char *out = NULL;
	size_t len = 0;
	bool xlsx = fmt && !strcmp(fmt, "xlsx");
	int rc;
	if (fmt && !xlsx && strcmp(fmt, "csv"))
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "format须为csv或xlsx",
			       "format must be csv or xlsx", "format");
	rc = xlsx ? xz_sheet_write_xlsx(rows, "权责清单", &out, &len)
		  : xz_sheet_write_csv(rows, &out, &len);
	if (rc < 0)
		return xz_fail(r, XZ_EINTERNAL, "export_failed", "导出失败", "Export failed", NULL);
	xz_req_header_add(r, "Content-Disposition",
			  xz_arena_printf(r->arena, "attachment; filename=\"%s.%s\"", file,
					  xlsx ? "xlsx" : "csv"));
	return xz_reply_bytes(r, 200,
			      xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
				   : "text/csv; charset=utf-8",
			      out, len, true);
}

static json_t *sheet_header(void)
{
	json_t *h = json_array();
	size_t k;
	for (k = 0; k < XZ_ARRAY_LEN(sheet_cols); k++)
		json_array_append_new(h, json_string(sheet_cols[k].zh));
	return h;
}

static int version_export(struct xz_req *r)
{
	int64_t id;
	json_t *ver = NULL, *items = NULL, *rows = NULL, *it;
	size_t i, d;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load_version(r, id, &ver)) < 0)
		return rc;
	if (!(items = items_of(r, id, &rc))) {
		json_decref(ver);
		return xz_fail_db(r, rc);
	}
	rows = json_array();
	json_array_append_new(rows, sheet_header());
	json_array_foreach(items, i, it) {
		const char *dlg = xz_jstr(it, "delegation");
		for (d = 0; d < XZ_ARRAY_LEN(delegation_zh); d++)
			if (dlg && !strcmp(delegation_zh[d].key, dlg))
				dlg = delegation_zh[d].zh;
		json_array_append_new(
			rows, json_pack("[O,O,O,O,O,O,s,O,O,O]", json_object_get(it, "code"),
					json_object_get(it, "name"), json_object_get(it, "kind"),
					json_object_get(it, "legal_basis"),
					json_object_get(it, "department_code"),
					json_object_get(it, "domain"), dlg ? dlg : "",
					json_object_get(it, "resp_department_code"),
					json_object_get(it, "duty"),
					json_object_get(it, "time_limit_days")));
	}
	rc = send_sheet(r, rows, xz_arena_printf(r->arena, "power-list-v%lld",
						 (long long)xz_jint(ver, "number")));
	json_decref(rows);
	json_decref(items);
	json_decref(ver);
	return rc;
}

static int list_template(struct xz_req *r)
{
	json_t *rows = json_array();
	int rc;
	json_array_append_new(rows, sheet_header());
	json_array_append_new(rows, json_pack("[s,s,s,s,s,s,s,s,s,i]", "ZF-CF-001",
					      "对违法建设行为的行政处罚", "行政处罚",
					      "《中华人民共和国城乡规划法》第六十四条", "ZF", "村镇建设",
					      "赋权", "ZF", "发现、制止、立案查处违法建设", 5));
	rc = send_sheet(r, rows, "power-list-template");
	json_decref(rows);
	return rc;
}

/* ---- categories ---- */

#define CAT_COLS                                                                       \
	"id, parent_id, code, name, sort, power_codes AS power_codes_json, accept_hours, "  \
	"handle_days, verify_days, version"

/* categories_tree: two levels, each node {id, code, name, children, …}. */
static int categories_tree(struct xz_req *r)
{
	json_t *rows = NULL, *row, *tree = json_array(), *byid = json_object();
	size_t i;
	char key[32];
	int rc = xz_db_query(xz_req_db(r),
			     "SELECT " CAT_COLS " FROM categories ORDER BY parent_id IS NOT NULL, "
			     "sort, id",
			     XZ_NOARGS, &rows);
	if (rc < 0) {
		json_decref(tree);
		json_decref(byid);
		return xz_fail_db(r, rc);
	}
	json_array_foreach(rows, i, row) {
		json_t *node = json_incref(xz_present(row)), *parent;
		json_object_set_new(node, "children", json_array());
		snprintf(key, sizeof(key), "%lld", (long long)xz_jint(node, "id"));
		json_object_set(byid, key, node);
		snprintf(key, sizeof(key), "%lld", (long long)xz_jint(node, "parent_id"));
		parent = xz_jint(node, "parent_id") ? json_object_get(byid, key) : NULL;
		json_array_append(parent ? json_object_get(parent, "children") : tree, node);
		json_decref(node);
	}
	json_decref(byid);
	json_decref(rows);
	return xz_reply(r, 200, json_pack("{s:o}", "items", tree));
}

static int category_write(struct xz_req *r, int64_t id)
{
	const char *code = NULL, *name = NULL;
	json_int_t parent = 0, sort = 0, accept = 24, handle = 5, verify = 2, version = 0;
	json_t *codes = NULL, *c, *old = NULL;
	char *codes_text = NULL;
	int64_t pid_parent = 0, newid = id;
	size_t i;
	int rc;
	if ((rc = xz_req_json(r)) < 0 ||
	    (rc = xz_req_unpack(r, "{s?I,s:s,s:s,s?I,s?o,s?I,s?I,s?I,s?I}", "parent_id", &parent,
				"code", &code, "name", &name, "sort", &sort, "power_codes", &codes,
				"accept_hours", &accept, "handle_days", &handle, "verify_days",
				&verify, "version", &version)) < 0)
		return rc;
	if (!*code || strlen(code) > XZ_MAX_CODE || !*name || strlen(name) > XZ_MAX_NAME)
		return xz_fail(r, XZ_EMALFORMED, "invalid_field", "编码和名称不能为空且不能过长",
			       "code and name must be non-empty and short", "code");
	if (codes && (!json_is_array(codes) || json_array_size(codes) > 20))
		return xz_fail(r, XZ_EMALFORMED, "invalid_field", "power_codes须为编码数组",
			       "power_codes must be an array of codes", "power_codes");
	json_array_foreach(codes, i, c)
		if (!json_is_string(c) || strlen(json_string_value(c)) > XZ_MAX_CODE)
			return xz_fail(r, XZ_EMALFORMED, "invalid_field", "power_codes须为编码数组",
				       "power_codes must be an array of codes", "power_codes");
	if (accept < 1 || accept > 720 || handle < 1 || handle > 365 || verify < 1 || verify > 365)
		return xz_fail(r, XZ_EMALFORMED, "invalid_field",
			       "时限须为正数（受理≤720小时，办理、核查≤365个工作日）",
			       "time limits out of range", "handle_days");
	if (parent && (xz_db_int(xz_req_db(r), "SELECT COALESCE(parent_id, 0) FROM categories WHERE id = $1",
				 XZ_ARGS(XZ_INT(parent)), &pid_parent) < 0 || pid_parent || parent == id))
		return xz_fail(r, XZ_ERULE, "invalid_parent", "上级类别须为一级类别",
			       "The parent must be a top-level category", "parent_id");
	if (id) {
		if ((rc = xz_db_one(xz_req_db(r), "SELECT " CAT_COLS " FROM categories WHERE id = $1",
				    XZ_ARGS(XZ_INT(id)), &old)) < 0)
			return xz_fail_db(r, rc);
		if ((rc = xz_check_version(r, xz_jint(old, "version"))) < 0)
			goto out;
	}
	codes_text = codes ? json_dumps(codes, JSON_COMPACT) : strdup("[]");
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		goto dbfail;
	if (id)
		rc = xz_db_exec(xz_req_db(r),
				"UPDATE categories SET parent_id = $2, code = $3, name = $4, sort = $5, "
				"power_codes = $6, accept_hours = $7, handle_days = $8, verify_days = "
				"$9, version = version + 1, updated_at = $10 WHERE id = $1",
				XZ_ARGS(XZ_INT(id), XZ_ID(parent), XZ_TEXT(code), XZ_TEXT(name),
					XZ_INT(sort), XZ_TEXT(codes_text), XZ_INT(accept),
					XZ_INT(handle), XZ_INT(verify), XZ_INT(xz_now())),
				NULL);
	else
		rc = xz_db_int(xz_req_db(r),
			       "INSERT INTO categories (parent_id, code, name, sort, power_codes, "
			       "accept_hours, handle_days, verify_days, created_at, updated_at) VALUES "
			       "($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
			       XZ_ARGS(XZ_ID(parent), XZ_TEXT(code), XZ_TEXT(name), XZ_INT(sort),
				       XZ_TEXT(codes_text), XZ_INT(accept), XZ_INT(handle),
				       XZ_INT(verify), XZ_INT(xz_now())),
			       &newid);
	if (rc < 0 ||
	    (rc = xz_req_audit_new(r, id ? "category.update" : "category.create", "category", newid,
			       "ok", old ? json_incref(old) : NULL, json_incref(r->in))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		goto dbfail;
	}
	json_decref(old);
	old = NULL;
	rc = xz_db_one(xz_req_db(r), "SELECT " CAT_COLS " FROM categories WHERE id = $1",
		       XZ_ARGS(XZ_INT(newid)), &old);
	if (rc < 0)
		goto dbfail;
	rc = xz_reply(r, id ? 200 : 201, xz_present(old));
	old = NULL;
	goto out;
dbfail:
	rc = rc == XZ_ECONFLICT ? xz_fail(r, rc, "duplicate_code", "类别编码已存在",
					  "The category code already exists", "code")
				: xz_fail_db(r, rc);
out:
	free(codes_text);
	json_decref(old);
	return rc;
}

static int category_create(struct xz_req *r) { return category_write(r, 0); }

static int category_update(struct xz_req *r)
{
	int64_t id;
	int rc = xz_req_id(r, 0, &id);
	return rc < 0 ? rc : category_write(r, id);
}

/* ---- routing ---- */

/* routing_get: ?category=CODE&township=ID, or &lon=&lat= located first. */
static int routing_get(struct xz_req *r)
{
	const char *cat = xz_req_query(r, "category"), *lon_s = xz_req_query(r, "lon"),
		   *lat_s = xz_req_query(r, "lat");
	int64_t town = 0, cell = 0, cat_id = 0;
	struct xz_routing rt;
	json_t *unit = NULL, *out;
	int rc;
	if ((rc = xz_req_query_id(r, "township", &town)) < 0)
		return rc;
	if (!cat || !*cat)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "须给出问题类别category",
			       "category is required", "category");
	if (!town && lon_s && lat_s) {
		struct xz_located at;
		char *e1 = NULL, *e2 = NULL;
		double lon = strtod(lon_s, &e1), lat = strtod(lat_s, &e2);
		if (*e1 || *e2 || !isfinite(lon) || !isfinite(lat))
			return xz_fail(r, XZ_EMALFORMED, "invalid_query", "经纬度无效",
				       "lon/lat must be numbers", "lon");
		rc = xz_grid_locate(xz_req_db(r), lon, lat, &at);
		if (rc == XZ_ENOTFOUND)
			return xz_fail(r, XZ_ENOTFOUND, "outside_grid", "该位置不在任何网格内",
				       "The point lies outside every grid cell", "lon");
		if (rc < 0)
			return xz_fail_db(r, rc);
		town = at.township_id;
		cell = at.cell_id;
	}
	if (!town)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "须给出乡镇township或经纬度",
			       "township or lon/lat is required", "township");
	if (xz_db_int(xz_req_db(r), "SELECT id FROM categories WHERE code = $1",
		      XZ_ARGS(XZ_TEXT(cat)), &cat_id) < 0)
		return xz_fail(r, XZ_ERULE, "invalid_category", "问题类别不存在",
			       "No such problem category", "category");
	rc = xz_routing_resolve(xz_req_db(r), cat, town, &rt);
	if (rc == XZ_ENOTFOUND)
		return xz_fail(r, XZ_ENOTFOUND, "no_responsible_unit",
			       xz_arena_printf(r->arena, "%s", rt.reason),
			       "No responsible unit: the enforcement office decides by hand", "category");
	if (rc < 0)
		return xz_fail_db(r, rc);
	xz_db_one(xz_req_db(r),
		  "SELECT u.name AS unit_name, d.name AS department_name FROM units u JOIN "
		  "departments d ON d.id = u.department_id WHERE u.id = $1",
		  XZ_ARGS(XZ_INT(rt.unit_id)), &unit);
	out = json_pack("{s:I,s:I,s:{s:I,s:s,s:s},s:I,s:I,s:s,s:s,s:I}", "unit_id",
			(json_int_t)rt.unit_id, "department_id", (json_int_t)rt.department_id,
			"power_item", "id", (json_int_t)rt.power_item_id, "code", rt.power_code,
			"name", rt.power_name, "list_version", (json_int_t)rt.list_version,
			"list_version_id", (json_int_t)rt.list_version_id, "reason", rt.reason,
			"category", cat, "township_id", (json_int_t)town);
	if (cell)
		json_object_set_new(out, "cell_id", json_integer(cell));
	if (unit)
		json_object_update(out, unit);
	json_decref(unit);
	return xz_reply(r, 200, out);
}

const struct xz_route xz_routes_lists[] = {
	{"GET", "/api/v1/calendar", calendar_list, "calendar.read", 0},
	{"PUT", "/api/v1/calendar/days/{date}", calendar_put, "calendar.write", 0},
	{"DELETE", "/api/v1/calendar/days/{date}", calendar_delete, "calendar.write", 0},
	{"POST", "/api/v1/calendar/import", calendar_import, "calendar.write", 0},
	{"GET", "/api/v1/calendar/deadline", calendar_deadline, "calendar.read", 0},
	{"GET", "/api/v1/lists/versions", versions_list, "list.read", 0},
	{"POST", "/api/v1/lists/versions", version_create, "list.write", 0},
	{"DELETE", "/api/v1/lists/versions/{id}", version_delete, "list.write", 0},
	{"POST", "/api/v1/lists/versions/{id}/publish", version_publish, "list.write", 0},
	{"GET", "/api/v1/lists/versions/{id}/diff", version_diff, "list.read", 0},
	{"POST", "/api/v1/lists/versions/{id}/import", version_import, "list.write", 8u << 20},
	{"GET", "/api/v1/lists/versions/{id}/export", version_export, "list.read", 0},
	{"GET", "/api/v1/lists/template", list_template, "list.read", 0},
	{"GET", "/api/v1/powers", powers_list, "list.read", 0},
	{"POST", "/api/v1/powers", power_create, "list.write", 0},
	{"GET", "/api/v1/powers/{id}", power_get, "list.read", 0},
	{"PUT", "/api/v1/powers/{id}", power_update, "list.write", 0},
	{"DELETE", "/api/v1/powers/{id}", power_delete, "list.write", 0},
	{"GET", "/api/v1/categories", categories_tree, "list.read", 0},
	{"POST", "/api/v1/categories", category_create, "list.write", 0},
	{"PUT", "/api/v1/categories/{id}", category_update, "list.write", 0},
	{"GET", "/api/v1/routing", routing_get, "routing.read", 0},
	{NULL, NULL, NULL, NULL, 0},
};
