/*
 * routes_lists.c — the HTTP face of the power and responsibility lists
 * (R2), the problem category tree, routing and the working-day calendar:
 * each handler reads its declared input shape, makes one domain call
 * (domain/lists.c, domain/calendar_db.c, domain/routing.c) and presents the
 * answer. Rules, SQL and the county scope live in the domain; lists and
 * calendars belong to a county and are filtered through authz there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"
#include "domain/grid.h"
#include "domain/lists.h"
#include "domain/routing.h"
#include "domain/sheet.h"
#include "http/resource.h"
#include "http/shape.h"

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
	if ((rc = xz_calendar_days(xz_req_ctx(r), 0, lo, hi, &rows)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "days", rows));
}

static int calendar_put(struct xz_req *r)
{
	const char *kind = NULL, *name = NULL;
	json_t *days;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:s,s?s}", "kind", &kind, "name", &name)) < 0)
		return rc;
	days = json_pack("[{s:s,s:s,s:s?}]", "date", r->params[0], "kind", kind, "name", name);
	rc = xz_calendar_put(xz_req_ctx(r), 0, days, true);
	json_decref(days);
	if (rc < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:s,s:s,s:s}", "date", r->params[0], "kind", kind,
					  "name", name ? name : ""));
}

static int calendar_delete(struct xz_req *r)
{
	int rc = xz_calendar_unset(xz_req_ctx(r), 0, r->params[0]);
	return rc < 0 ? rc : xz_reply(r, 204, NULL);
}

/* calendar_import: {"days":[{"date","kind","name"}…]} — all or nothing. */
static int calendar_import(struct xz_req *r)
{
	json_t *days = NULL;
	int rc;
	if ((rc = xz_req_array(r, "days", XZ_MAX_CALENDAR_DAYS, &days)) < 0 ||
	    (rc = xz_calendar_put(xz_req_ctx(r), 0, days, false)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:i}", "imported", (int)json_array_size(days)));
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
	if ((rc = xz_caldb_deadline_in(xz_req_db(r),
					xz_authz_county(r->user, "calendar.read", 0), from,
					amount, unit, &due)) < 0)
		return rc == XZ_EMALFORMED ? xz_fail(r, rc, "invalid_query", "期限参数无效",
						     "invalid deadline arguments", "amount")
					   : xz_fail_db(r, rc);
	return xz_reply(r, 200, json_pack("{s:s,s:s,s:I,s:s}", "due_at", xz_time_format(due, a),
					  "from", xz_time_format(from, b), "amount",
					  (json_int_t)amount, "unit", unit_s));
}

/* ---- versions ---- */

/* reply_version: load version id and answer it with status. */
static int reply_version(struct xz_req *r, unsigned status, int64_t id)
{
	json_t *row = NULL;
	int rc = xz_lists_version(xz_req_ctx(r), id, &row);
	return rc < 0 ? rc : xz_reply(r, status, xz_present(row));
}

static int versions_list(struct xz_req *r)
{
	json_t *rows = NULL;
	int rc = xz_lists_versions(xz_req_ctx(r), &rows);
	return rc < 0 ? rc : xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

/* version_create: a new draft, a copy of the latest published version. */
static int version_create(struct xz_req *r)
{
	const char *note = NULL;
	int64_t id = 0;
	int rc;
	if ((rc = xz_req_unpack(r, "{s?s}", "note", &note)) < 0 ||
	    (rc = XZ_SHAPE_TEXTS(r, {"note", note, XZ_MAX_TEXT, false})) < 0 ||
	    (rc = xz_lists_draft(xz_req_ctx(r), 0, note, &id)) < 0)
		return rc;
	return reply_version(r, 201, id);
}

static int version_publish(struct xz_req *r)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_lists_publish(xz_req_ctx(r), id)) < 0)
		return rc;
	return reply_version(r, 200, id);
}

static int version_delete(struct xz_req *r)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_lists_discard(xz_req_ctx(r), id)) < 0)
		return rc;
	return xz_reply(r, 204, NULL);
}

/* version_diff: added, removed and changed items against ?against= (a
 * version id; default the published version). */
static int version_diff(struct xz_req *r)
{
	int64_t id, against = 0;
	json_t *out = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_query_id(r, "against", &against)) < 0 ||
	    (rc = xz_lists_diff(xz_req_ctx(r), id, against, &out)) < 0)
		return rc;
	return xz_reply(r, 200, out);
}

/* ---- power items ---- */

/* powers_list: ?version=N (number; default the published one) or
 * ?version_id=, &department_id=, &q= (code or name contains). */
static int powers_list(struct xz_req *r)
{
	struct xz_power_query q = {0};
	struct xz_page pg;
	int rc;
	if ((rc = xz_req_page(r, &q.after, &q.limit)) < 0 ||
	    (rc = xz_req_query_id(r, "version", &q.version_number)) < 0 ||
	    (rc = xz_req_query_id(r, "version_id", &q.version_id)) < 0 ||
	    (rc = xz_req_query_id(r, "department_id", &q.department_id)) < 0 ||
	    (rc = xz_shape_query_text(r, "q", XZ_MAX_NAME, &q.q)) < 0)
		return rc;
	xz_page_begin(r, &pg, q.limit);
	return xz_page_reply(&pg, xz_powers_list(xz_req_ctx(r), &q, xz_page_row, &pg));
}

static int reply_power(struct xz_req *r, unsigned status, int64_t id)
{
	json_t *row = NULL;
	int rc = xz_power_get(xz_req_ctx(r), id, &row);
	if (rc < 0)
		return rc;
	json_object_del(row, "county_id");
	return xz_reply(r, status, xz_present(row));
}

static int power_get(struct xz_req *r)
{
	int64_t id;
	int rc = xz_req_id(r, 0, &id);
	return rc < 0 ? rc : reply_power(r, 200, id);
}

/* The declared shape of a power item in a body. */
#define ITEM_SHAPE "s:s,s:s,s:s,s?s,s:I,s?s,s?s,s?I,s?s,s?I"
#define ITEM_ARGS(it)                                                                  \
	"code", &it.code, "name", &it.name, "kind", &it.kind, "legal_basis", &it.legal_basis, \
		"department_id", &it.department_id, "domain", &it.domain, "delegation",        \
		&it.delegation, "resp_department_id", &it.resp_department_id, "duty", &it.duty, \
		"time_limit_days", &it.time_limit_days

static int power_create(struct xz_req *r)
{
	struct xz_power_in in = {0};
	json_int_t vid = 0;
	int64_t id = 0;
	int rc;
	_Static_assert(sizeof(json_int_t) == sizeof(int64_t), "json_int_t is 64 bits");
	if ((rc = xz_req_unpack(r, "{s:I," ITEM_SHAPE "}", "version_id", &vid, ITEM_ARGS(in))) < 0 ||
	    (rc = xz_power_create(xz_req_ctx(r), vid, &in, &id)) < 0)
		return rc;
	return reply_power(r, 201, id);
}

static int power_update(struct xz_req *r)
{
	struct xz_power_in in = {0};
	json_int_t vers = 0;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s?I," ITEM_SHAPE "}", "version", &vers, ITEM_ARGS(in))) < 0 ||
	    (rc = xz_power_update(xz_req_ctx(r), id, &in)) < 0)
		return rc;
	return reply_power(r, 200, id);
}

static int power_delete(struct xz_req *r)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_power_delete(xz_req_ctx(r), id)) < 0)
		return rc;
	return xz_reply(r, 204, NULL);
}

/* ---- import, export, template ---- */

/* version_import: replace a draft's items with a CSV or XLSX sheet whose
 * first row names the columns (Chinese labels or keys). All or nothing. */
static int version_import(struct xz_req *r)
{
	int64_t id;
	json_t *rows = NULL, *ver = NULL;
	const char *why = NULL, *kind;
	int rc, count = 0;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	kind = xz_sheet_sniff((const unsigned char *)r->body, r->body_len);
	if ((rc = xz_sheet_read((const unsigned char *)r->body, r->body_len, kind, &rows, &why)) <
	    0)
		return xz_fail(r, rc, rc == XZ_ETOOBIG ? "too_big" : "invalid_sheet",
			       "无法读取表格（须为UTF-8 CSV或XLSX）",
			       xz_arena_printf(r->arena, "Cannot read the sheet: %s", why ? why : "?"),
			       NULL);
	if ((rc = xz_lists_import(xz_req_ctx(r), id, rows, &count)) == 0 &&
	    (rc = xz_lists_version(xz_req_ctx(r), id, &ver)) == 0)
		rc = xz_reply(r, 200, json_pack("{s:i,s:I}", "imported", count, "version",
						(json_int_t)xz_jint(ver, "number")));
	json_decref(ver);
	json_decref(rows);
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

static int version_export(struct xz_req *r)
{
	int64_t id, number = 0;
	json_t *rows = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_lists_sheet(xz_req_ctx(r), id, &rows, &number)) < 0)
		return rc;
	rc = send_sheet(r, rows, xz_arena_printf(r->arena, "power-list-v%lld", (long long)number));
	json_decref(rows);
	return rc;
}

static int list_template(struct xz_req *r)
{
	int64_t number;
	json_t *rows = NULL;
	int rc = xz_lists_sheet(xz_req_ctx(r), 0, &rows, &number);
	if (rc == 0)
		rc = send_sheet(r, rows, "power-list-template");
	json_decref(rows);
	return rc;
}

/* ---- categories ---- */

/* present_tree: present every node of a category tree, in place. */
static json_t *present_tree(json_t *nodes)
{
	size_t i;
	json_t *n;
	json_array_foreach(nodes, i, n) {
		xz_present(n);
		present_tree(json_object_get(n, "children"));
	}
	return nodes;
}

/* categories_tree: two levels, each node {id, code, name, children, …}. */
static int categories_tree(struct xz_req *r)
{
	json_t *tree = NULL;
	int rc = xz_categories_tree(xz_req_ctx(r), &tree);
	return rc < 0 ? rc : xz_reply(r, 200, json_pack("{s:o}", "items", present_tree(tree)));
}

static int category_write(struct xz_req *r, int64_t id)
{
	struct xz_category_in in = {.accept_hours = 24, .handle_days = 5, .verify_days = 2};
	json_int_t version = 0;
	json_t *row = NULL;
	bool update = id != 0;
	int rc;
	if ((rc = xz_req_unpack(r, "{s?I,s:s,s:s,s?I,s?o,s?I,s?I,s?I,s?I}", "parent_id",
				&in.parent_id, "code", &in.code, "name", &in.name, "sort", &in.sort,
				"power_codes", &in.power_codes, "accept_hours", &in.accept_hours,
				"handle_days", &in.handle_days, "verify_days", &in.verify_days,
				"version", &version)) < 0 ||
	    (rc = XZ_SHAPE_TEXTS(r, {"code", in.code, XZ_MAX_CODE, true},
				 {"name", in.name, XZ_MAX_NAME, true})) < 0 ||
	    (rc = xz_shape_strings(r, "power_codes", in.power_codes, 0, XZ_MAX_CATEGORY_CODES,
				   XZ_MAX_CODE)) < 0)
		return rc;
	if (id) {
		if ((rc = xz_category_get(xz_req_ctx(r), "list.write", id, &row)) < 0)
			return rc;
		rc = xz_check_version(r, xz_jint(row, "version"));
		json_decref(row);
		row = NULL;
		if (rc < 0)
			return rc;
	}
	if ((rc = xz_category_save(xz_req_ctx(r), 0, id, &in, &id)) < 0 ||
	    (rc = xz_category_get(xz_req_ctx(r), "list.read", id, &row)) < 0)
		return rc;
	return xz_reply(r, update ? 200 : 201, xz_present(row));
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
	const char *cat = NULL;
	int64_t town = 0;
	struct xz_point at;
	bool located;
	json_t *out = NULL;
	int rc;
	if ((rc = xz_req_query_id(r, "township", &town)) < 0 ||
	    (rc = xz_shape_point_query(r, false, &at, &located)) < 0 ||
	    (rc = xz_shape_query_text(r, "category", XZ_MAX_CODE, &cat)) < 0)
		return rc;
	if (!cat || !*cat)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "须给出问题类别category",
			       "category is required", "category");
	if ((rc = xz_routing_explain(xz_req_ctx(r), cat, town, located ? &at.lon : NULL,
				     located ? &at.lat : NULL, &out)) < 0)
		return rc;
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
