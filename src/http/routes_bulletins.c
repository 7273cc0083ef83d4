/*
 * routes_bulletins.c — bulletins (通报) and the units' own reports over HTTP
 * (R7.2, R7.4; issue 10). Each handler checks its declared input, decides
 * the place through authz ("bulletin.compose" for the office of a township
 * or a department's line, "bulletin.read" for the units and everyone of the
 * place, "report.file" for a unit) and makes one call to domain/bulletin.c.
 */
#include <string.h>

#include "core/xz.h"
#include "core/limits.h"
#include "core/xtime.h"
#include "domain/bulletin.h"
#include "http/http.h"
#include "http/resource.h"

/* parse_day: "YYYY-MM-DD", or an ISO 8601 instant taken as its day (an end
 * at exactly midnight means the day before: the period is inclusive). */
static int parse_day(struct xz_req *r, const char *s, bool end, const char *field, int64_t *day)
{
	int64_t t;
	if (s && xz_date_parse(s, day) == 0)
		return 0;
	if (s && xz_time_parse(s, &t) == 0) {
		*day = xz_day_of(t);
		if (end && xz_day_start(*day) == t)
			(*day)--;
		return 0;
	}
	return xz_fail(r, XZ_EMALFORMED, "invalid_date",
		       xz_arena_printf(r->arena, "%s须为日期（YYYY-MM-DD）", field),
		       xz_arena_printf(r->arena, "%s must be a date (YYYY-MM-DD)", field), field);
}

static int text_limit(struct xz_req *r, const char *s, size_t max, const char *field)
{
	if (s && strlen(s) > max)
		return xz_fail(
		    r, XZ_ERULE, "too_long",
		    xz_arena_printf(r->arena, "%s过长（至多%zu字节）", field, max),
		    xz_arena_printf(r->arena, "%s is too long (at most %zu bytes)", field, max),
		    field);
	return 0;
}

static int bulletin_create(struct xz_req *r)
{
	struct xz_bulletin_in in = {0};
	json_int_t town = 0, dept = 0;
	const char *start = NULL, *end = NULL, *kind = NULL;
	json_t *out = NULL;
	int rc;
	if ((rc = xz_req_unpack(r, "{s?I,s?I,s:s,s:s,s?s,s?s,s?s}", "township_id", &town,
				"department_id", &dept, "period_start", &start, "period_end", &end,
				"kind", &kind, "title", &in.title, "analysis", &in.analysis)) < 0 ||
	    (rc = parse_day(r, start, false, "period_start", &in.start_day)) < 0 ||
	    (rc = parse_day(r, end, true, "period_end", &in.end_day)) < 0 ||
	    (rc = text_limit(r, in.title, XZ_MAX_NAME, "title")) < 0 ||
	    (rc = text_limit(r, in.analysis, XZ_MAX_TEXT, "analysis")) < 0)
		return rc;
	if (kind && !xz_one_of(kind, (const char *const[]){"week", "month", "quarter", "year",
							   "custom", NULL}))
		return xz_fail(r, XZ_EMALFORMED, "invalid_kind",
			       "kind须为week、month、quarter、year或custom",
			       "kind must be week, month, quarter, year or custom", "kind");
	in.kind = kind;
	if (!xz_authz_filter(r->user, "bulletin.compose", &in.place))
		return xz_authorize(r, "bulletin.compose", NULL);
	/* the office composes for its township, a department for its line
	 * (optionally within one township) */
	if ((town && in.place.township_id && town != in.place.township_id) ||
	    (dept && in.place.department_id && dept != in.place.department_id))
		return xz_authorize(r, "bulletin.compose",
				    &(struct xz_place){.county_id = in.place.county_id,
						       .township_id = town,
						       .department_id = dept});
	if (town)
		in.place.township_id = town;
	if (dept && !in.place.department_id)
		in.place.department_id = dept;
	if (!in.place.township_id && !in.place.department_id)
		return xz_fail(r, XZ_ERULE, "township_required", "须指定乡镇（township_id）",
			       "Name the township (township_id)", "township_id");
	if ((rc = xz_bulletin_compose(xz_req_ctx(r), &in, &out)) < 0)
		return rc;
	return xz_reply(r, 201, xz_present(out));
}

/* composes: may the caller compose (edit, publish) a bulletin at p? Only at
 * its own composing place: an office its township's, a department its
 * line's. (authz's township scope alone would also admit a county-level
 * record, i.e. a department's bulletin, to every office of the county.) */
static bool composes(struct xz_req *r, const struct xz_place *p)
{
	struct xz_place m;
	if (!xz_authz_filter(r->user, "bulletin.compose", &m) || m.county_id != p->county_id ||
	    !xz_authz(r->user, "bulletin.compose", p))
		return false;
	if (m.township_id)
		return p->township_id == m.township_id && !p->department_id;
	if (m.department_id)
		return p->department_id == m.department_id;
	return false;
}

/* load: the bulletin the caller may see (drafts only for who may compose
 * it); *composer says whether the caller may compose at its place. */
static int load(struct xz_req *r, int64_t *id, json_t **b, bool *composer)
{
	struct xz_place p;
	int rc;
	*b = NULL;
	if ((rc = xz_req_id(r, 0, id)) < 0 ||
	    (rc = xz_bulletin_load(xz_req_ctx(r), *id, &p, b)) < 0)
		return rc;
	*composer = composes(r, &p);
	if (!*composer && (strcmp(xz_jstr(*b, "state"), "published") ||
			   !xz_authz(r->user, "bulletin.read", &p))) {
		json_decref(*b);
		*b = NULL;
		/* a draft is not there for a reader */
		if (xz_authz(r->user, "bulletin.read", &p))
			return xz_fail(r, XZ_ENOTFOUND, "not_found", "记录不存在",
				       "Record not found", NULL);
		return xz_authorize(r, "bulletin.read", &p);
	}
	return 0;
}

static int bulletin_get(struct xz_req *r)
{
	int64_t id;
	json_t *b = NULL, *readers = NULL;
	bool composer;
	int rc;
	if ((rc = load(r, &id, &b, &composer)) < 0)
		return rc;
	if (!strcmp(xz_jstr(b, "state"), "published") &&
	    (rc = xz_bulletin_read(xz_req_ctx(r), id)) < 0)
		goto fail;
	if (composer) {
		if ((rc = xz_bulletin_readers(xz_req_ctx(r), id, &readers)) < 0)
			goto fail;
		json_object_set_new(b, "readers", xz_present_all(readers));
	}
	return xz_reply(r, 200, xz_present(b));
fail:
	json_decref(b);
	return rc;
}

static int bulletin_list(struct xz_req *r)
{
	struct xz_place f, mine;
	struct xz_page pg;
	int64_t before, limit;
	bool drafts;
	int rc;
	if ((rc = xz_req_page(r, &before, &limit)) < 0)
		return rc;
	if (!xz_authz_filter(r->user, "bulletin.read", &f))
		return xz_authorize(r, "bulletin.read", NULL);
	/* drafts: only those composed at the caller's own composing place */
	drafts = xz_authz_filter(r->user, "bulletin.compose", &mine);
	xz_page_begin(r, &pg, limit);
	return xz_page_reply(&pg, xz_bulletin_list(xz_req_ctx(r), &f, drafts ? &mine : NULL, before,
						   limit, xz_page_row, &pg));
}

static int bulletin_edit(struct xz_req *r)
{
	int64_t id;
	json_int_t version = 0;
	const char *title = NULL, *analysis = NULL;
	json_t *b = NULL, *out = NULL;
	bool composer;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:I,s?s,s?s}", "version", &version, "title", &title,
				"analysis", &analysis)) < 0 ||
	    (rc = text_limit(r, title, XZ_MAX_NAME, "title")) < 0 ||
	    (rc = text_limit(r, analysis, XZ_MAX_TEXT, "analysis")) < 0 ||
	    (rc = load(r, &id, &b, &composer)) < 0)
		return rc;
	json_decref(b);
	if (!composer)
		return xz_authorize(r, "bulletin.compose", &(struct xz_place){.user_id = -1});
	if ((rc = xz_bulletin_edit(xz_req_ctx(r), id, version, title, analysis, 0, &out)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(out));
}

static int bulletin_action(struct xz_req *r)
{
	int64_t id;
	const char *action = NULL;
	json_t *b = NULL, *out = NULL;
	bool composer;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:s}", "action", &action)) < 0)
		return rc;
	if (strcmp(action, "publish") && strcmp(action, "recompose"))
		return xz_fail(r, XZ_EMALFORMED, "invalid_action", "action须为publish或recompose",
			       "action must be publish or recompose", "action");
	if ((rc = load(r, &id, &b, &composer)) < 0)
		return rc;
	if (!composer) {
		json_decref(b);
		return xz_authorize(r, "bulletin.compose", &(struct xz_place){.user_id = -1});
	}
	if (!strcmp(action, "publish"))
		rc = xz_bulletin_publish(xz_req_ctx(r), id, &out);
	else
		rc =
		    xz_bulletin_edit(xz_req_ctx(r), id, xz_jint(b, "version"), NULL, NULL, 1, &out);
	json_decref(b);
	if (rc < 0)
		return rc;
	return xz_reply(r, 200, xz_present(out));
}

static int bulletin_export(struct xz_req *r, bool pdf)
{
	int64_t id;
	json_t *b = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	bool composer;
	int rc;
	if ((rc = load(r, &id, &b, &composer)) < 0)
		return rc;
	rc = pdf ? xz_bulletin_pdf(xz_req_ctx(r), b, &buf, &len)
		 : xz_bulletin_xlsx(xz_req_ctx(r), b, &buf, &len);
	json_decref(b);
	if (rc < 0)
		return rc;
	xz_req_header_add(r, "Content-Disposition",
			  xz_arena_printf(r->arena, "attachment; filename=\"bulletin-%lld.%s\"",
					  (long long)id, pdf ? "pdf" : "xlsx"));
	return xz_reply_bytes(
	    r, 200,
	    pdf ? "application/pdf"
		: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	    buf, len, true);
}

static int bulletin_pdf(struct xz_req *r)
{
	return bulletin_export(r, true);
}

static int bulletin_xlsx(struct xz_req *r)
{
	return bulletin_export(r, false);
}

/* ---- the units' own reports (R7.4) ---- */

static int report_file(struct xz_req *r)
{
	const char *start = NULL, *end = NULL, *analysis = NULL;
	int64_t s, e;
	json_t *out = NULL;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:s,s:s,s:s}", "period_start", &start, "period_end", &end,
				"analysis", &analysis)) < 0 ||
	    (rc = parse_day(r, start, false, "period_start", &s)) < 0 ||
	    (rc = parse_day(r, end, true, "period_end", &e)) < 0 ||
	    (rc = text_limit(r, analysis, XZ_MAX_TEXT, "analysis")) < 0)
		return rc;
	if (!*analysis)
		return xz_fail(r, XZ_ERULE, "analysis_required", "须填写分析研判内容",
			       "The analysis is required", "analysis");
	if (!r->user->unit_id)
		return xz_authorize(r, "report.file", &(struct xz_place){.user_id = -1});
	if ((rc = xz_authorize(r, "report.file", &(struct xz_place){.unit_id = r->user->unit_id})) <
	    0)
		return rc;
	if ((rc = xz_unit_report_file(xz_req_ctx(r), r->user->unit_id, s, e, analysis, &out)) < 0)
		return rc;
	return xz_reply(r, 201, xz_present(out));
}

static int report_status(struct xz_req *r)
{
	struct xz_place f;
	int64_t s, e;
	json_t *rows = NULL;
	int rc;
	if ((rc = parse_day(r, xz_req_query(r, "period_start"), false, "period_start", &s)) < 0 ||
	    (rc = parse_day(r, xz_req_query(r, "period_end"), true, "period_end", &e)) < 0 ||
	    (rc = xz_figures_place(r, "report.read", &f)) < 0)
		return rc;
	if ((rc = xz_unit_report_status(xz_req_ctx(r), &f, s, e, &rows)) < 0)
		return rc;
	{
		json_t *row;
		size_t i, filed = 0;
		json_array_foreach(rows, i, row)
		{
			filed += json_is_integer(json_object_get(row, "report_id"));
		}
		xz_present_all(rows);
		return xz_reply(r, 200,
				json_pack("{s:o,s:I,s:I}", "items", rows, "filed",
					  (json_int_t)filed, "missing",
					  (json_int_t)(json_array_size(rows) - filed)));
	}
}

const struct xz_route xz_routes_bulletins[] = {
    {"GET", "/api/v1/bulletins", bulletin_list, "bulletin.read", 0},
    {"POST", "/api/v1/bulletins", bulletin_create, "bulletin.compose", 0},
    {"GET", "/api/v1/bulletins/{id}", bulletin_get, "bulletin.read", 0},
    {"PUT", "/api/v1/bulletins/{id}", bulletin_edit, "bulletin.compose", 0},
    {"POST", "/api/v1/bulletins/{id}/actions", bulletin_action, "bulletin.compose", 0},
    {"GET", "/api/v1/bulletins/{id}/bulletin.pdf", bulletin_pdf, "bulletin.read", 0},
    {"GET", "/api/v1/bulletins/{id}/bulletin.xlsx", bulletin_xlsx, "bulletin.read", 0},
    {"GET", "/api/v1/unit-reports", report_status, "report.read", 0},
    {"POST", "/api/v1/unit-reports", report_file, "report.file", 0},
    {NULL, NULL, NULL, NULL, 0},
};
