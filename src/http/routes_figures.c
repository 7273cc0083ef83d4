/*
 * routes_figures.c — the indicators over HTTP (R7.1; issue 10): the
 * catalogue, values for a period, place and grouping, the problems behind
 * a number, and the hot spots. Each handler reads its query, narrows the
 * place its caller may see (authz's filter for "figures.read") and asks
 * domain/figures.c, the only place that counts.
 */
#include <string.h>

#include "core/xz.h"
#include "core/limits.h"
#include "core/xtime.h"
#include "domain/figures.h"
#include "domain/search.h"
#include "http/http.h"

static const char *query_arg(void *arg, const char *name)
{
	return xz_req_query(arg, name);
}

/* xz_figures_place: the place the caller may count, narrowed by the query's
 * township_id, department_id and unit_id (403 when outside its own). */
int xz_figures_place(struct xz_req *r, const char *perm, struct xz_place *f)
{
	int64_t town = 0, dept = 0, unit = 0;
	int rc;
	if (!xz_authz_filter(r->user, perm, f))
		return xz_authorize(r, perm, NULL);
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0 ||
	    (rc = xz_req_query_id(r, "department_id", &dept)) < 0 ||
	    (rc = xz_req_query_id(r, "unit_id", &unit)) < 0)
		return rc;
	if ((town && f->township_id && town != f->township_id) ||
	    (dept && f->department_id && dept != f->department_id) ||
	    (unit && f->unit_id && unit != f->unit_id))
		return xz_authorize(
		    r, perm,
		    &(struct xz_place){.county_id = f->county_id,
				       .township_id = town ? town : f->township_id,
				       .department_id = dept ? dept : f->department_id,
				       .unit_id = unit ? unit : f->unit_id});
	if (town)
		f->township_id = town;
	if (dept)
		f->department_id = dept;
	if (unit)
		f->unit_id = unit;
	return 0;
}

static const char *records_codes(void *arg, const char *name)
{
	/* the records' query names one code (code=); the parser wants codes */
	if (!strcmp(name, "codes"))
		return xz_req_query(arg, "code") ? xz_req_query(arg, "code") : "reported";
	return xz_req_query(arg, name);
}

static const char *period_only(void *arg, const char *name)
{
	return !strcmp(name, "codes") ? "reported" : xz_req_query(arg, name);
}

static int indicators_list(struct xz_req *r)
{
	return xz_reply(r, 200, xz_figures_catalogue_json());
}

static int indicators_values(struct xz_req *r)
{
	struct xz_ctx *c = xz_req_ctx(r);
	struct xz_fig_query q = {0};
	json_t *items = NULL;
	int rc;
	if ((rc = xz_figures_place(r, "figures.read", &q.place)) < 0 ||
	    (rc = xz_figures_parse(c, &q, query_arg, r)) < 0 ||
	    (rc = xz_figures_values(c, &q, &items)) < 0)
		return rc;
	{
		char f[XZ_TIME_LEN], t[XZ_TIME_LEN];
		return xz_reply(r, 200,
				json_pack("{s:o,s:s,s:s,s:s}", "items", items, "from",
					  xz_time_format(q.from, f), "to", xz_time_format(q.to, t),
					  "group_by", q.group));
	}
}

static int indicators_records(struct xz_req *r)
{
	struct xz_ctx *c = xz_req_ctx(r);
	struct xz_fig_query q = {0};
	const char *code = xz_req_query(r, "code"), *part = xz_req_query(r, "part");
	struct xz_page pg;
	int64_t after, limit;
	int rc;
	if ((rc = xz_req_page(r, &after, &limit)) < 0 ||
	    (rc = xz_figures_place(r, "figures.read", &q.place)) < 0)
		return rc;
	if (!code || !*code)
		return xz_fail(r, XZ_ERULE, "missing_indicator", "须指定指标（code）",
			       "Name the indicator (code)", "code");
	if (part && strcmp(part, "numerator") && strcmp(part, "denominator"))
		return xz_fail(r, XZ_ERULE, "invalid_query", "part须为numerator或denominator",
			       "part must be numerator or denominator", "part");
	if ((rc = xz_figures_parse(c, &q, records_codes, r)) < 0)
		return rc;
	xz_page_begin(r, &pg, limit);
	return xz_page_reply(&pg, xz_figures_records_each(c, &q, part && !strcmp(part, "denominator"),
							  after, limit, xz_page_row, &pg));
}

static int indicators_hotspots(struct xz_req *r)
{
	struct xz_ctx *c = xz_req_ctx(r);
	struct xz_fig_query q = {0};
	json_t *items = NULL;
	int64_t limit = 0;
	int rc;
	if ((rc = xz_figures_place(r, "figures.read", &q.place)) < 0 ||
	    (rc = xz_req_query_id(r, "limit", &limit)) < 0)
		return rc;
	/* the period arguments as for values */
	if ((rc = xz_figures_parse(c, &q, period_only, r)) < 0)
		return rc;
	if ((rc = xz_figures_hotspots(c, &q.place, q.from, q.to,
				      limit > 0 && limit < 1000 ? (int)limit : 1000, &items)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "items", items));
}

/* ---- the problem list's exports (CSV, XLSX): the list's filters ---- */

static bool yes(const char *v)
{
	return v && (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"));
}

static int problems_export(struct xz_req *r, bool xlsx)
{
	struct xz_search_filter f = {0};
	int fd = -1, rc;
	size_t len = 0;
	if ((rc = xz_req_query_id(r, xz_req_query(r, "township") ? "township" : "township_id",
				  &f.township_id)) < 0 ||
	    (rc = xz_req_query_id(r, xz_req_query(r, "unit") ? "unit" : "unit_id", &f.unit_id)) <
		0 ||
	    (rc = xz_req_query_id(r, xz_req_query(r, "cell") ? "cell" : "cell_id", &f.cell_id)) < 0)
		return rc;
	if (!xz_authz_filter(r->user, "export.problems", &f.place))
		return xz_authorize(r, "export.problems", NULL);
	f.state = xz_req_query(r, "state");
	f.channel = xz_req_query(r, "channel");
	f.category = xz_req_query(r, "category");
	f.q = xz_req_query(r, "q");
	f.light = xz_req_query(r, "light");
	f.overdue = yes(xz_req_query(r, "overdue"));
	f.supervised = yes(xz_req_query(r, "supervised"));
	f.mine_user_id = yes(xz_req_query(r, "mine")) ? r->user->id : 0;
	if ((rc = xz_search_export(xz_req_ctx(r), &f, xlsx, &fd, &len)) < 0)
		return rc;
	return xz_reply_export(r, "problems", xlsx, fd, len);
}

static int problems_export_csv(struct xz_req *r)
{
	return problems_export(r, false);
}

static int problems_export_xlsx(struct xz_req *r)
{
	return problems_export(r, true);
}

const struct xz_route xz_routes_figures[] = {
    {"GET", "/api/v1/problems/export.csv", problems_export_csv, "export.problems", 0},
    {"GET", "/api/v1/problems/export.xlsx", problems_export_xlsx, "export.problems", 0},
    {"GET", "/api/v1/indicators", indicators_list, "figures.read", 0},
    {"GET", "/api/v1/indicators/values", indicators_values, "figures.read", 0},
    {"GET", "/api/v1/indicators/records", indicators_records, "figures.read", 0},
    {"GET", "/api/v1/indicators/hotspots", indicators_hotspots, "figures.read", 0},
    {NULL, NULL, NULL, NULL, 0},
};
