/*
 * lists.c — the power and responsibility lists and the category tree: the
 * rules (one draft per county, a published version never changes, items
 * checked field by field, departments of the version's county, parents one
 * level deep in the same county) and their SQL. See lists.h; the HTTP layer
 * (routes_lists.c) only reads input and presents what these return, and the
 * demo county is built through the same functions.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "store/db.h"
#include "store/sqlbuf.h"
#include "domain/lists.h"
#include "domain/scope.h"

const char *const xz_power_kinds[] = {"行政处罚",     "行政强制", "行政检查", "行政许可",
				      "行政征收",     "行政确认", "行政奖励", "行政裁决",
				      "其他行政权力", NULL};
const char *const xz_power_delegations[] = {"none", "delegated", "entrusted", NULL};

#define ITEM_COLS                                                                                  \
	"code, name, kind, legal_basis, department_id, domain, delegation, "                       \
	"resp_department_id, duty, time_limit_days"

#define CAT_COLS                                                                                   \
	"id, parent_id, code, name, sort, power_codes AS power_codes_json, accept_hours, "         \
	"handle_days, verify_days, version, county_id"

#define POWER_SELECT                                                                               \
	"SELECT p.id, p.version_id, v.number AS version, v.state AS version_state, p.code, "       \
	"p.name, p.kind, p.legal_basis, p.department_id, d.name AS department_name, "              \
	"p.domain, p.delegation, p.resp_department_id, rd.name AS resp_department_name, "          \
	"p.duty, p.time_limit_days, v.county_id FROM power_items p JOIN list_versions v ON "       \
	"v.id = p.version_id JOIN departments d ON d.id = p.department_id LEFT JOIN "              \
	"departments rd ON rd.id = p.resp_department_id "

static bool one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

/* in_scope: may the caller use perm on a record of county? */
static bool in_scope(struct xz_ctx *c, const char *perm, int64_t county)
{
	return xz_scope_may(c, perm, &(struct xz_place){.county_id = county});
}

/* scoped_one: one row by sql($1 = id) whose county_id is in the caller's
 * scope under perm; XZ_ENOTFOUND (described with what) otherwise. */
static int scoped_one(struct xz_ctx *c, const char *perm, const char *sql, int64_t id,
		      const char *what, const char *what_en, json_t **row)
{
	int rc = xz_db_one(c->db, sql, XZ_ARGS(XZ_INT(id)), row);
	if (rc == 0 && !in_scope(c, perm, xz_row_int(*row, "county_id"))) {
		json_decref(*row);
		*row = NULL;
		rc = XZ_ENOTFOUND;
	}
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", what, what_en, NULL);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

/* ---- versions ---- */

static int load_version(struct xz_ctx *c, const char *perm, int64_t id, json_t **row)
{
	return scoped_one(
	    c, perm,
	    "SELECT id, county_id, number, state, note, created_at, published_at FROM "
	    "list_versions WHERE id = $1",
	    id, "清单版本不存在", "No such list version", row);
}

int xz_lists_version(struct xz_ctx *c, int64_t id, json_t **row)
{
	return load_version(c, "list.read", id, row);
}

/* draft_version: the version id, which must be a draft the caller may write. */
static int draft_version(struct xz_ctx *c, int64_t id, json_t **row)
{
	int rc = load_version(c, "list.write", id, row);
	if (rc < 0)
		return rc;
	if (strcmp(xz_row_str(*row, "state"), "draft")) {
		json_decref(*row);
		*row = NULL;
		return xz_ctx_fail(c, XZ_ECONFLICT, "version_published",
				   "已发布的清单版本不可修改，请新建草稿版本",
				   "A published list version is immutable; draft a new version",
				   NULL);
	}
	return 0;
}

int xz_lists_versions(struct xz_ctx *c, json_t **rows)
{
	int64_t county;
	int rc;
	*rows = NULL;
	if ((rc = xz_scope_county(c, "list.read", 0, &county)) < 0)
		return rc;
	rc = xz_db_query(c->db,
			 "SELECT v.id, v.number, v.state, v.note, v.created_at, v.published_at, "
			 "(SELECT COUNT(*) FROM power_items p WHERE p.version_id = v.id) AS items "
			 "FROM list_versions v WHERE v.county_id = $1 ORDER BY v.number DESC",
			 XZ_ARGS(XZ_INT(county)), rows);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

struct draft_args {
	int64_t county, id;
	const char *note;
};

static int draft_tx(struct xz_ctx *c, void *arg)
{
	struct draft_args *a = arg;
	int64_t number = 0, draft = 0;
	int rc = xz_db_int(c->db,
			   "SELECT id FROM list_versions WHERE county_id = $1 AND state = 'draft'",
			   XZ_ARGS(XZ_INT(a->county)), &draft);
	if (rc == 0)
		return xz_ctx_fail(c, XZ_ECONFLICT, "draft_exists", "已有未发布的草稿版本",
				   "A draft version already exists", NULL);
	if (rc != XZ_ENOTFOUND ||
	    (rc = xz_db_int(
		 c->db, "SELECT COALESCE(MAX(number), 0) FROM list_versions WHERE county_id = $1",
		 XZ_ARGS(XZ_INT(a->county)), &number)) < 0 ||
	    (rc = xz_db_int(
		 c->db,
		 "INSERT INTO list_versions (county_id, number, state, note, created_by, "
		 "created_at) VALUES ($1, $2, 'draft', $3, $4, $5) RETURNING id",
		 XZ_ARGS(XZ_INT(a->county), XZ_INT(number + 1), XZ_TEXT(a->note ? a->note : ""),
			 XZ_ID(c->user ? c->user->id : 0), XZ_INT(c->now)),
		 &a->id)) < 0 ||
	    (rc = xz_db_exec(c->db,
			     "INSERT INTO power_items (version_id, " ITEM_COLS
			     ") SELECT $1, " ITEM_COLS
			     " FROM power_items WHERE version_id = (SELECT id FROM list_versions "
			     "WHERE county_id = $2 AND state = 'published')",
			     XZ_ARGS(XZ_INT(a->id), XZ_INT(a->county)), NULL)) < 0)
		return rc;
	return xz_ctx_audit(c, "list.draft", "list_version", a->id, NULL, NULL);
}

int xz_lists_draft(struct xz_ctx *c, int64_t county, const char *note, int64_t *id)
{
	struct draft_args a = {.note = note};
	int rc;
	if ((rc = xz_scope_county(c, "list.write", county, &a.county)) < 0 ||
	    (rc = xz_ctx_tx(c, draft_tx, &a)) < 0)
		return rc;
	*id = a.id;
	return 0;
}

static int publish_tx(struct xz_ctx *c, void *arg)
{
	int64_t id = *(int64_t *)arg;
	json_t *row = NULL;
	int rc;
	if ((rc = draft_version(c, id, &row)) < 0)
		return rc;
	if ((rc = xz_db_exec(
		 c->db,
		 "UPDATE list_versions SET state = 'superseded' WHERE county_id = $1 AND "
		 "state = 'published'",
		 XZ_ARGS(XZ_INT(xz_row_int(row, "county_id"))), NULL)) < 0 ||
	    (rc = xz_db_exec(c->db,
			     "UPDATE list_versions SET state = 'published', published_by = $2, "
			     "published_at = $3 WHERE id = $1 AND state = 'draft'",
			     XZ_ARGS(XZ_INT(id), XZ_ID(c->user ? c->user->id : 0), XZ_INT(c->now)),
			     NULL)) >= 0)
		rc = xz_ctx_audit(c, "list.publish", "list_version", id, NULL, NULL);
	json_decref(row);
	return rc;
}

int xz_lists_publish(struct xz_ctx *c, int64_t id)
{
	return xz_ctx_tx(c, publish_tx, &id);
}

static int discard_tx(struct xz_ctx *c, void *arg)
{
	int64_t id = *(int64_t *)arg;
	json_t *row = NULL;
	int rc;
	if ((rc = draft_version(c, id, &row)) < 0)
		return rc;
	json_decref(row);
	if ((rc = xz_db_exec(c->db, "DELETE FROM power_items WHERE version_id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) < 0 ||
	    (rc = xz_db_exec(c->db, "DELETE FROM list_versions WHERE id = $1", XZ_ARGS(XZ_INT(id)),
			     NULL)) < 0)
		return rc;
	return xz_ctx_audit(c, "list.discard", "list_version", id, NULL, NULL);
}

int xz_lists_discard(struct xz_ctx *c, int64_t id)
{
	return xz_ctx_tx(c, discard_tx, &id);
}

static int items_of(struct xz_ctx *c, int64_t version_id, json_t **rows)
{
	int rc = xz_db_query(c->db,
			     "SELECT p.id, p.code, p.name, p.kind, p.legal_basis, p.department_id, "
			     "p.domain, p.delegation, p.resp_department_id, p.duty, "
			     "p.time_limit_days, d.code AS department_code, rd.code AS "
			     "resp_department_code FROM power_items p JOIN departments d ON d.id = "
			     "p.department_id LEFT JOIN departments rd ON rd.id = "
			     "p.resp_department_id WHERE p.version_id = $1 ORDER BY p.code",
			     XZ_ARGS(XZ_INT(version_id)), rows);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz_lists_items(struct xz_ctx *c, int64_t version_id, json_t **rows)
{
	json_t *ver = NULL;
	int rc;
	*rows = NULL;
	if ((rc = load_version(c, "list.read", version_id, &ver)) == 0)
		rc = items_of(c, version_id, rows);
	json_decref(ver);
	return rc;
}

/* diff_items: added, removed and changed items of a against b (by code). */
static json_t *diff_items(json_t *a, json_t *b)
{
	static const char *const fields[] = {"name",
					     "kind",
					     "legal_basis",
					     "department_id",
					     "domain",
					     "delegation",
					     "resp_department_id",
					     "duty",
					     "time_limit_days",
					     NULL};
	json_t *added = json_array(), *removed = json_array(), *changed = json_array(), *it,
	       *idx = json_object();
	size_t i;
	json_array_foreach(b, i, it) json_object_set(idx, xz_row_str(it, "code"), it);
	json_array_foreach(a, i, it)
	{
		json_t *old = json_object_get(idx, xz_row_str(it, "code")), *diff;
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
			json_array_append_new(
			    changed, json_pack("{s:s,s:s,s:o}", "code", xz_row_str(it, "code"),
					       "name", xz_row_str(it, "name"), "fields", diff));
		else
			json_decref(diff);
		json_object_del(idx, xz_row_str(it, "code"));
	}
	json_array_foreach(b, i, it) if (json_object_get(idx, xz_row_str(it, "code")))
	    json_array_append(removed, it);
	json_decref(idx);
	return json_pack("{s:o,s:o,s:o}", "added", added, "removed", removed, "changed", changed);
}

int xz_lists_diff(struct xz_ctx *c, int64_t id, int64_t against, json_t **out)
{
	json_t *row = NULL, *base = NULL, *a = NULL, *b = NULL;
	int rc;
	*out = NULL;
	if ((rc = load_version(c, "list.read", id, &row)) < 0)
		goto out;
	if (!against &&
	    xz_db_int(c->db,
		      "SELECT id FROM list_versions WHERE county_id = $1 AND state = 'published' "
		      "AND id <> $2",
		      XZ_ARGS(XZ_INT(xz_row_int(row, "county_id")), XZ_INT(id)), &against) < 0)
		against = 0;
	if ((against && (rc = load_version(c, "list.read", against, &base)) < 0) ||
	    (rc = items_of(c, id, &a)) < 0 || (against && (rc = items_of(c, against, &b)) < 0))
		goto out;
	*out = diff_items(a, b);
	json_object_set_new(*out, "version", json_integer(xz_row_int(row, "number")));
	json_object_set(*out, "against", base ? json_object_get(base, "number") : json_null());
out:
	json_decref(row);
	json_decref(base);
	json_decref(a);
	json_decref(b);
	return rc;
}

/* ---- power items ---- */

/* check_item: validate one item in county; `where` names it in messages
 * ("第3行：" / "row 3: "), may be "". */
static int check_item(struct xz_ctx *c, int64_t county, const struct xz_power_in *in,
		      const char *where, const char *where_en)
{
	const struct {
		const char *key, *zh, *v;
		size_t max;
		bool required;
	} text[] = {
	    {"code", "编码", in->code, XZ_MAX_CODE, true},
	    {"name", "名称", in->name, XZ_MAX_NAME * 2, true},
	    {"kind", "类别", in->kind, XZ_MAX_NAME, true},
	    {"legal_basis", "法律依据", in->legal_basis, XZ_MAX_TEXT, false},
	    {"domain", "执法领域", in->domain, XZ_MAX_NAME, false},
	    {"duty", "责任事项", in->duty, XZ_MAX_TEXT, false},
	};
	size_t i;
	int64_t dept;
	for (i = 0; i < XZ_ARRAY_LEN(text); i++) {
		const char *v = text[i].v;
		if ((text[i].required && (!v || !*v)) || (v && strlen(v) > text[i].max))
			return xz_ctx_fail(
			    c, XZ_EMALFORMED, "invalid_field",
			    xz_arena_printf(c->arena, "%s%s缺失或过长", where, text[i].zh),
			    xz_arena_printf(c->arena, "%s%s missing or too long", where_en,
					    text[i].key),
			    text[i].key);
	}
	if (!one_of(in->kind, xz_power_kinds))
		return xz_ctx_fail(
		    c, XZ_EMALFORMED, "invalid_field",
		    xz_arena_printf(c->arena,
				    "%s类别须为行政处罚、行政强制、行政检查等权力类别之一", where),
		    xz_arena_printf(c->arena, "%skind is not a known power kind", where_en),
		    "kind");
	if (!one_of(in->delegation ? in->delegation : "none", xz_power_delegations))
		return xz_ctx_fail(
		    c, XZ_EMALFORMED, "invalid_field",
		    xz_arena_printf(c->arena, "%s下放方式须为无、赋权或委托", where),
		    xz_arena_printf(c->arena, "%sdelegation must be none, delegated or entrusted",
				    where_en),
		    "delegation");
	if (in->time_limit_days < 0 || in->time_limit_days > 365)
		return xz_ctx_fail(
		    c, XZ_EMALFORMED, "invalid_field",
		    xz_arena_printf(c->arena, "%s办理时限须为0到365个工作日", where),
		    xz_arena_printf(c->arena, "%stime_limit_days must be 0..365", where_en),
		    "time_limit_days");
	for (i = 0; i < 2; i++) {
		const char *key = i ? "resp_department_id" : "department_id";
		dept = i ? in->resp_department_id : in->department_id;
		if (!dept && i)
			continue;
		if (dept &&
		    xz_db_int(c->db, "SELECT id FROM departments WHERE id = $1 AND county_id = $2",
			      XZ_ARGS(XZ_INT(dept), XZ_INT(county)), &dept) == 0)
			continue;
		return xz_ctx_fail(c, XZ_ERULE, "invalid_reference",
				   xz_arena_printf(c->arena, "%s部门不存在", where),
				   xz_arena_printf(c->arena, "%sunknown department", where_en),
				   key);
	}
	return 0;
}

static int duplicate_code(struct xz_ctx *c, int rc)
{
	return rc == XZ_ECONFLICT ? xz_ctx_fail(c, rc, "duplicate_code", "该版本中编码已存在",
						"The code already exists in this version", "code")
				  : rc;
}

static int insert_item(struct xz_ctx *c, int64_t version_id, const struct xz_power_in *in,
		       int64_t *id)
{
	return duplicate_code(
	    c, xz_db_int(c->db,
			 "INSERT INTO power_items (version_id, " ITEM_COLS
			 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
			 XZ_ARGS(XZ_INT(version_id), XZ_TEXT(in->code), XZ_TEXT(in->name),
				 XZ_TEXT(in->kind), XZ_TEXT(in->legal_basis ? in->legal_basis : ""),
				 XZ_INT(in->department_id), XZ_TEXT(in->domain ? in->domain : ""),
				 XZ_TEXT(in->delegation ? in->delegation : "none"),
				 XZ_ID(in->resp_department_id), XZ_TEXT(in->duty ? in->duty : ""),
				 XZ_INT(in->time_limit_days)),
			 id));
}

static json_t *item_json(const struct xz_power_in *in)
{
	return json_pack("{s:s?,s:s?,s:s?,s:s?,s:I,s:s?,s:s?,s:I,s:s?,s:I}", "code", in->code,
			 "name", in->name, "kind", in->kind, "legal_basis", in->legal_basis,
			 "department_id", (json_int_t)in->department_id, "domain", in->domain,
			 "delegation", in->delegation, "resp_department_id",
			 (json_int_t)in->resp_department_id, "duty", in->duty, "time_limit_days",
			 (json_int_t)in->time_limit_days);
}

int xz_powers_list(struct xz_ctx *c, const struct xz_power_query *q, xz_row_fn fn, void *arg)
{
	int64_t county;
	char *like = NULL;
	int rc;
	if ((rc = xz_scope_county(c, "list.read", 0, &county)) < 0)
		return rc;
	if (q->q && *q->q)
		like = xz_sql_like(c->arena, q->q);
	rc = xz_db_each(
	    c->db,
	    POWER_SELECT
	    "WHERE v.county_id = $1 AND p.id > $2 AND "
	    "(CASE WHEN CAST($3 AS BIGINT) IS NOT NULL THEN v.id = $3 WHEN CAST($4 AS "
	    "BIGINT) IS NOT NULL THEN v.number = $4 ELSE v.state = 'published' END) AND "
	    "(CAST($5 AS BIGINT) IS NULL OR p.department_id = $5 OR p.resp_department_id "
	    "= $5) AND (CAST($6 AS TEXT) IS NULL OR p.code LIKE $6 ESCAPE '\\' OR p.name LIKE $6 "
	    "ESCAPE '\\') "
	    "ORDER BY p.id LIMIT $7",
	    XZ_ARGS(XZ_INT(county), XZ_INT(q->after), XZ_ID(q->version_id),
		    XZ_ID(q->version_number), XZ_ID(q->department_id), XZ_TEXT(like),
		    XZ_INT(q->limit)),
	    fn, arg);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

static int load_power(struct xz_ctx *c, const char *perm, int64_t id, json_t **row)
{
	return scoped_one(c, perm, POWER_SELECT "WHERE p.id = $1", id, "权力事项不存在",
			  "No such power item", row);
}

int xz_power_get(struct xz_ctx *c, int64_t id, json_t **row)
{
	return load_power(c, "list.read", id, row);
}

struct power_args {
	int64_t id, version_id;
	const struct xz_power_in *in;
};

static int power_create_tx(struct xz_ctx *c, void *arg)
{
	struct power_args *a = arg;
	json_t *ver = NULL;
	int rc;
	if ((rc = draft_version(c, a->version_id, &ver)) == 0 &&
	    (rc = check_item(c, xz_row_int(ver, "county_id"), a->in, "", "")) == 0 &&
	    (rc = insert_item(c, a->version_id, a->in, &a->id)) == 0)
		rc = xz_ctx_audit_new(c, "power.create", "power_item", a->id, NULL,
				      item_json(a->in));
	json_decref(ver);
	return rc;
}

int xz_power_create(struct xz_ctx *c, int64_t version_id, const struct xz_power_in *in, int64_t *id)
{
	struct power_args a = {.version_id = version_id, .in = in};
	int rc = xz_ctx_tx(c, power_create_tx, &a);
	*id = a.id;
	return rc;
}

static int power_update_tx(struct xz_ctx *c, void *arg)
{
	struct power_args *a = arg;
	const struct xz_power_in *in = a->in;
	json_t *old = NULL, *ver = NULL;
	int rc;
	if ((rc = load_power(c, "list.write", a->id, &old)) < 0 ||
	    (rc = draft_version(c, xz_row_int(old, "version_id"), &ver)) < 0 ||
	    (rc = check_item(c, xz_row_int(ver, "county_id"), in, "", "")) < 0)
		goto out;
	rc = duplicate_code(
	    c,
	    xz_db_exec(c->db,
		       "UPDATE power_items SET code = $2, name = $3, kind = $4, legal_basis = "
		       "$5, department_id = $6, domain = $7, delegation = $8, "
		       "resp_department_id = $9, duty = $10, time_limit_days = $11 WHERE id = $1",
		       XZ_ARGS(XZ_INT(a->id), XZ_TEXT(in->code), XZ_TEXT(in->name),
			       XZ_TEXT(in->kind), XZ_TEXT(in->legal_basis ? in->legal_basis : ""),
			       XZ_INT(in->department_id), XZ_TEXT(in->domain ? in->domain : ""),
			       XZ_TEXT(in->delegation ? in->delegation : "none"),
			       XZ_ID(in->resp_department_id), XZ_TEXT(in->duty ? in->duty : ""),
			       XZ_INT(in->time_limit_days)),
		       NULL));
	if (rc == 0)
		rc = xz_ctx_audit_new(c, "power.update", "power_item", a->id, json_incref(old),
				      item_json(in));
out:
	json_decref(old);
	json_decref(ver);
	return rc;
}

int xz_power_update(struct xz_ctx *c, int64_t id, const struct xz_power_in *in)
{
	struct power_args a = {.id = id, .in = in};
	return xz_ctx_tx(c, power_update_tx, &a);
}

static int power_delete_tx(struct xz_ctx *c, void *arg)
{
	int64_t id = *(int64_t *)arg;
	json_t *old = NULL, *ver = NULL;
	int rc;
	if ((rc = load_power(c, "list.write", id, &old)) == 0 &&
	    (rc = draft_version(c, xz_row_int(old, "version_id"), &ver)) == 0 &&
	    (rc = xz_db_exec(c->db, "DELETE FROM power_items WHERE id = $1", XZ_ARGS(XZ_INT(id)),
			     NULL)) == 0)
		rc = xz_ctx_audit(c, "power.delete", "power_item", id, old, NULL);
	json_decref(old);
	json_decref(ver);
	return rc;
}

int xz_power_delete(struct xz_ctx *c, int64_t id)
{
	return xz_ctx_tx(c, power_delete_tx, &id);
}

/* ---- sheets: import, export, template ---- */

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
enum {
	COL_CODE,
	COL_NAME,
	COL_KIND,
	COL_BASIS,
	COL_DEPT,
	COL_DOMAIN,
	COL_DELEG,
	COL_RESP,
	COL_DUTY,
	COL_DAYS,
	NCOLS
};

static const struct {
	const char *key, *zh;
} delegation_zh[] = {{"none", "无"}, {"delegated", "赋权"}, {"entrusted", "委托"}};

/* dept_of: the county's department with this code; -1 when unknown, 0 blank. */
static int64_t dept_of(struct xz_ctx *c, int64_t county, const char *code)
{
	int64_t id = 0;
	if (!*code)
		return 0;
	if (xz_db_int(c->db, "SELECT id FROM departments WHERE code = $1 AND county_id = $2",
		      XZ_ARGS(XZ_TEXT(code), XZ_INT(county)), &id) < 0)
		return -1;
	return id;
}

/* row_item: a sheet row as an item, by the header's column map. Strings
 * are borrowed from cells. */
static void row_item(struct xz_ctx *c, int64_t county, json_t *cells, const int *col,
		     struct xz_power_in *in)
{
	const char *v[NCOLS];
	size_t k, d;
	char *end = NULL;
	for (k = 0; k < NCOLS; k++) {
		v[k] = col[k] >= 0 ? json_string_value(json_array_get(cells, col[k])) : NULL;
		if (!v[k])
			v[k] = "";
	}
	memset(in, 0, sizeof(*in));
	in->code = v[COL_CODE];
	in->name = v[COL_NAME];
	in->kind = v[COL_KIND];
	in->legal_basis = v[COL_BASIS];
	in->domain = v[COL_DOMAIN];
	in->duty = v[COL_DUTY];
	in->department_id = dept_of(c, county, v[COL_DEPT]);
	in->resp_department_id = dept_of(c, county, v[COL_RESP]);
	in->delegation = *v[COL_DELEG] ? v[COL_DELEG] : "none";
	for (d = 0; d < XZ_ARRAY_LEN(delegation_zh); d++)
		if (!strcmp(delegation_zh[d].zh, v[COL_DELEG]))
			in->delegation = delegation_zh[d].key;
	in->time_limit_days = strtol(v[COL_DAYS], &end, 10);
	if (*v[COL_DAYS] && (!end || *end))
		in->time_limit_days = -1;
}

struct import_args {
	int64_t id;
	json_t *sheet;
	int count;
};

static int import_tx(struct xz_ctx *c, void *arg)
{
	struct import_args *a = arg;
	json_t *ver = NULL, *head = json_array_get(a->sheet, 0), *cell, *seen = json_object();
	struct xz_power_in in;
	int col[NCOLS];
	int64_t county, iid;
	size_t i, k;
	int rc;
	if ((rc = draft_version(c, a->id, &ver)) < 0)
		goto out;
	county = xz_row_int(ver, "county_id");
	for (k = 0; k < NCOLS; k++) {
		col[k] = -1;
		json_array_foreach(head, i, cell)
		{
			const char *h = json_string_value(cell);
			if (h && (!strcmp(h, sheet_cols[k].zh) || !strcmp(h, sheet_cols[k].key)))
				col[k] = (int)i;
		}
		if (col[k] < 0 && k <= COL_DEPT && k != COL_BASIS) {
			rc = xz_ctx_fail(
			    c, XZ_EMALFORMED, "missing_column",
			    xz_arena_printf(c->arena, "表头缺少「%s」列", sheet_cols[k].zh),
			    xz_arena_printf(c->arena, "The header lacks column %s",
					    sheet_cols[k].key),
			    sheet_cols[k].key);
			goto out;
		}
	}
	if ((rc = xz_db_exec(c->db, "DELETE FROM power_items WHERE version_id = $1",
			     XZ_ARGS(XZ_INT(a->id)), NULL)) < 0)
		goto out;
	for (i = 1; i < json_array_size(a->sheet); i++) {
		const char *where = xz_arena_printf(c->arena, "第%zu行：", i + 1);
		const char *where_en = xz_arena_printf(c->arena, "row %zu: ", i + 1);
		row_item(c, county, json_array_get(a->sheet, i), col, &in);
		if (json_object_get(seen, in.code)) {
			rc = xz_ctx_fail(c, XZ_ERULE, "duplicate_code",
					 xz_arena_printf(c->arena, "%s编码重复", where),
					 xz_arena_printf(c->arena, "%sduplicate code", where_en),
					 "code");
			goto out;
		}
		json_object_set_new(seen, in.code, json_true());
		if ((rc = check_item(c, county, &in, where, where_en)) < 0 ||
		    (rc = insert_item(c, a->id, &in, &iid)) < 0)
			goto out;
	}
	a->count = (int)json_array_size(a->sheet) - 1;
	rc = xz_ctx_audit_new(c, "list.import", "list_version", a->id, NULL,
			      json_pack("{s:i}", "items", a->count));
out:
	json_decref(seen);
	json_decref(ver);
	return rc;
}

int xz_lists_import(struct xz_ctx *c, int64_t version_id, json_t *sheet, int *count)
{
	struct import_args a = {.id = version_id, .sheet = sheet};
	int rc = xz_ctx_tx(c, import_tx, &a);
	*count = a.count;
	return rc;
}

static json_t *sheet_header(void)
{
	json_t *h = json_array();
	size_t k;
	for (k = 0; k < NCOLS; k++)
		json_array_append_new(h, json_string(sheet_cols[k].zh));
	return h;
}

int xz_lists_sheet(struct xz_ctx *c, int64_t version_id, json_t **rows, int64_t *number)
{
	json_t *ver = NULL, *items = NULL, *it;
	size_t i, d;
	int rc = 0;
	*rows = json_array();
	*number = 0;
	json_array_append_new(*rows, sheet_header());
	if (!version_id) {
		json_array_append_new(*rows, json_pack("[s,s,s,s,s,s,s,s,s,i]", "ZF-CF-001",
						       "对违法建设行为的行政处罚", "行政处罚",
						       "《中华人民共和国城乡规划法》第六十四条",
						       "ZF", "村镇建设", "赋权", "ZF",
						       "发现、制止、立案查处违法建设", 5));
		return 0;
	}
	if ((rc = load_version(c, "list.read", version_id, &ver)) < 0 ||
	    (rc = items_of(c, version_id, &items)) < 0)
		goto out;
	*number = xz_row_int(ver, "number");
	json_array_foreach(items, i, it)
	{
		const char *dlg = xz_row_str(it, "delegation");
		for (d = 0; d < XZ_ARRAY_LEN(delegation_zh); d++)
			if (dlg && !strcmp(delegation_zh[d].key, dlg))
				dlg = delegation_zh[d].zh;
		json_array_append_new(
		    *rows,
		    json_pack("[O,O,O,O,O,O,s,O,O,O]", json_object_get(it, "code"),
			      json_object_get(it, "name"), json_object_get(it, "kind"),
			      json_object_get(it, "legal_basis"),
			      json_object_get(it, "department_code"), json_object_get(it, "domain"),
			      dlg ? dlg : "", json_object_get(it, "resp_department_code"),
			      json_object_get(it, "duty"), json_object_get(it, "time_limit_days")));
	}
out:
	if (rc < 0) {
		json_decref(*rows);
		*rows = NULL;
	}
	json_decref(items);
	json_decref(ver);
	return rc;
}

/* ---- categories ---- */

int xz_categories_tree(struct xz_ctx *c, json_t **tree)
{
	json_t *rows = NULL, *row, *byid = json_object();
	int64_t county;
	size_t i;
	char key[32];
	int rc;
	*tree = NULL;
	if ((rc = xz_scope_county(c, "list.read", 0, &county)) < 0)
		goto out;
	if ((rc = xz_db_query(c->db,
			      "SELECT " CAT_COLS " FROM categories WHERE county_id = $1 ORDER BY "
			      "parent_id IS NOT NULL, sort, id",
			      XZ_ARGS(XZ_INT(county)), &rows)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	*tree = json_array();
	json_array_foreach(rows, i, row)
	{
		json_t *parent;
		json_object_del(row, "county_id");
		json_object_set_new(row, "children", json_array());
		snprintf(key, sizeof(key), "%lld", (long long)xz_row_int(row, "id"));
		json_object_set(byid, key, row);
		snprintf(key, sizeof(key), "%lld", (long long)xz_row_int(row, "parent_id"));
		parent = xz_row_int(row, "parent_id") ? json_object_get(byid, key) : NULL;
		json_array_append(parent ? json_object_get(parent, "children") : *tree, row);
	}
out:
	json_decref(byid);
	json_decref(rows);
	return rc;
}

int xz_category_get(struct xz_ctx *c, const char *perm, int64_t id, json_t **row)
{
	int rc = scoped_one(c, perm, "SELECT " CAT_COLS " FROM categories WHERE id = $1", id,
			    "类别不存在", "No such category", row);
	if (rc == 0)
		json_object_del(*row, "county_id");
	return rc;
}

static int check_category(struct xz_ctx *c, int64_t county, int64_t id,
			  const struct xz_category_in *in)
{
	int64_t grand = 0;
	/* lengths and the codes' shape are the caller's input shape */
	if (!in->code || !*in->code || !in->name || !*in->name ||
	    (in->power_codes && !json_is_array(in->power_codes)))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_field", "编码和名称不能为空",
				   "code and name are required", "code");
	/* each limit names its own field, so a form marks the one at fault */
	if (in->accept_hours < 1 || in->accept_hours > 720)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_field", "受理时限须为1至720小时",
				   "accept_hours must be 1..720", "accept_hours");
	if (in->handle_days < 1 || in->handle_days > 365)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_field", "处置时限须为1至365个工作日",
				   "handle_days must be 1..365", "handle_days");
	if (in->verify_days < 1 || in->verify_days > 365)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_field", "核查时限须为1至365个工作日",
				   "verify_days must be 1..365", "verify_days");
	if (in->parent_id &&
	    (in->parent_id == id ||
	     xz_db_int(
		 c->db,
		 "SELECT COALESCE(parent_id, 0) FROM categories WHERE id = $1 AND county_id = $2",
		 XZ_ARGS(XZ_INT(in->parent_id), XZ_INT(county)), &grand) < 0 ||
	     grand))
		return xz_ctx_fail(c, XZ_ERULE, "invalid_parent", "上级类别须为一级类别",
				   "The parent must be a top-level category", "parent_id");
	return 0;
}

struct category_args {
	int64_t county, id;
	const struct xz_category_in *in;
};

static int category_tx(struct xz_ctx *c, void *arg)
{
	struct category_args *a = arg;
	const struct xz_category_in *in = a->in;
	json_t *old = NULL, *after;
	char *codes = NULL;
	int rc;
	if (a->id) {
		if ((rc = scoped_one(c, "list.write",
				     "SELECT " CAT_COLS " FROM categories WHERE id = $1", a->id,
				     "类别不存在", "No such category", &old)) < 0)
			return rc;
		a->county = xz_row_int(old, "county_id");
		json_object_del(old, "county_id");
	}
	if ((rc = check_category(c, a->county, a->id, in)) < 0)
		goto out;
	codes = in->power_codes ? json_dumps(in->power_codes, JSON_COMPACT) : NULL;
	if (a->id)
		rc = xz_db_exec(
		    c->db,
		    "UPDATE categories SET parent_id = $2, code = $3, name = $4, sort = $5, "
		    "power_codes = $6, accept_hours = $7, handle_days = $8, verify_days = "
		    "$9, version = version + 1, updated_at = $10 WHERE id = $1",
		    XZ_ARGS(XZ_INT(a->id), XZ_ID(in->parent_id), XZ_TEXT(in->code),
			    XZ_TEXT(in->name), XZ_INT(in->sort), XZ_TEXT(codes ? codes : "[]"),
			    XZ_INT(in->accept_hours), XZ_INT(in->handle_days),
			    XZ_INT(in->verify_days), XZ_INT(c->now)),
		    NULL);
	else
		rc = xz_db_int(c->db,
			       "INSERT INTO categories (county_id, parent_id, code, name, sort, "
			       "power_codes, accept_hours, handle_days, verify_days, created_at, "
			       "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) "
			       "RETURNING id",
			       XZ_ARGS(XZ_INT(a->county), XZ_ID(in->parent_id), XZ_TEXT(in->code),
				       XZ_TEXT(in->name), XZ_INT(in->sort),
				       XZ_TEXT(codes ? codes : "[]"), XZ_INT(in->accept_hours),
				       XZ_INT(in->handle_days), XZ_INT(in->verify_days),
				       XZ_INT(c->now)),
			       &a->id);
	if (rc == XZ_ECONFLICT) {
		rc = xz_ctx_fail(c, rc, "duplicate_code", "类别编码已存在",
				 "The category code already exists", "code");
		goto out;
	}
	after =
	    json_pack("{s:I,s:s,s:s,s:I,s:O,s:I,s:I,s:I}", "parent_id", (json_int_t)in->parent_id,
		      "code", in->code, "name", in->name, "sort", (json_int_t)in->sort,
		      "power_codes", in->power_codes ? in->power_codes : json_null(),
		      "accept_hours", (json_int_t)in->accept_hours, "handle_days",
		      (json_int_t)in->handle_days, "verify_days", (json_int_t)in->verify_days);
	if (rc == 0)
		rc = xz_ctx_audit_new(c, old ? "category.update" : "category.create", "category",
				      a->id, json_incref(old), after);
	else
		json_decref(after);
out:
	free(codes);
	json_decref(old);
	return rc;
}

int xz_category_save(struct xz_ctx *c, int64_t county, int64_t id, const struct xz_category_in *in,
		     int64_t *out_id)
{
	struct category_args a = {.id = id, .in = in};
	int rc;
	if (!id && (rc = xz_scope_county(c, "list.write", county, &a.county)) < 0)
		return rc;
	rc = xz_ctx_tx(c, category_tx, &a);
	*out_id = a.id;
	return rc;
}
