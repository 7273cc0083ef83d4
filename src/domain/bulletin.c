/*
 * bulletin.c — bulletins (通报) composed from the figures, published to the
 * units, read and exported; and the units' own periodic reports (R7.2,
 * R7.4; see bulletin.h).
 *
 * Composition asks domain/figures.c for everything it shows (it counts
 * nothing itself): the period's values of the bulletin's indicators, the
 * same for the previous period and for the same period a year before, the
 * values per unit (ranked by on-time closing), by channel and category,
 * the hot spots, and the problems behind "overdue" and "rework". The
 * result is stored as the bulletin's content, so a published bulletin
 * shows what was published even when later corrections change the
 * figures. Drafts may be recomposed.
 */
#include <cairo.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/xz.h"
#include "core/limits.h"
#include "core/xtime.h"
#include "domain/bulletin.h"
#include "domain/ctx.h"
#include "domain/figures.h"
#include "domain/notify.h"
#include "domain/officialdoc.h"
#include "store/db.h"

/* The indicators a bulletin shows, in this order. */
static const char *const bulletin_codes[] = {
    "reported",
    "accepted",
    "rejected",
    "merged",
    "dispatched",
    "accurate_dispatch_rate",
    "handled",
    "on_time_handling_rate",
    "closed",
    "closing_rate",
    "on_time_closing_rate",
    "rework_rate",
    "return_rate",
    "overdue",
    "supervised",
    "avg_handling_hours",
    "repeated_places",
    "joint_actions",
    "joint_routine",
    "joint_special",
    "joint_emergency",
    "special_forward_rate",
    "notice_same_day_rate",
};
/* The per-unit columns of the ranking. */
static const char *const unit_codes[] = {"reported", "closed",	    "on_time_closing_rate",
					 "overdue",  "rework_rate", "return_rate"};

#define LIST_MAX 50 /* problems listed as overdue or reworked */

static int64_t jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (int64_t)json_integer_value(v)
	       : json_is_real(v)  ? (int64_t)json_real_value(v)
				  : 0;
}

static const char *jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

/* ---- periods ------------------------------------------------------------ */

static int month_days(int y, int m)
{
	int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
	return (int)(xz_days_from_civil(ny, nm, 1) - xz_days_from_civil(y, m, 1));
}

/* guess_kind: week (Monday to Sunday), month, quarter, year, or custom. */
static const char *guess_kind(int64_t s, int64_t e)
{
	int y1, m1, d1, y2, m2, d2;
	xz_civil_from_days(s, &y1, &m1, &d1);
	xz_civil_from_days(e, &y2, &m2, &d2);
	if (e - s == 6 && xz_weekday(s) == 0)
		return "week";
	if (d1 == 1 && y1 == y2 && d2 == month_days(y2, m2)) {
		if (m1 == m2)
			return "month";
		if (m2 == m1 + 2 && m1 % 3 == 1)
			return "quarter";
		if (m1 == 1 && m2 == 12)
			return "year";
	}
	return "custom";
}

/* shift_years: the same civil date n years away (29 February → 28th). */
static int64_t shift_years(int64_t day, int n)
{
	int y, m, d;
	xz_civil_from_days(day, &y, &m, &d);
	y += n;
	if (d > month_days(y, m))
		d = month_days(y, m);
	return xz_days_from_civil(y, m, d);
}

/* previous: the period before [s, e] of the same kind. */
static void previous(const char *kind, int64_t s, int64_t e, int64_t *ps, int64_t *pe)
{
	int y, m, d, months = !strcmp(kind, "month") ? 1 : !strcmp(kind, "quarter") ? 3 : 0;
	if (!strcmp(kind, "year")) {
		*ps = shift_years(s, -1);
		*pe = s - 1;
		return;
	}
	if (months) {
		xz_civil_from_days(s, &y, &m, &d);
		m -= months;
		if (m < 1) {
			m += 12;
			y--;
		}
		*ps = xz_days_from_civil(y, m, 1);
		*pe = s - 1;
		return;
	}
	*pe = s - 1;
	*ps = s - (e - s + 1);
}

static const char *period_label(struct xz_arena *a, const char *kind, int64_t s, int64_t e)
{
	int y1, m1, d1, y2, m2, d2;
	xz_civil_from_days(s, &y1, &m1, &d1);
	xz_civil_from_days(e, &y2, &m2, &d2);
	if (!strcmp(kind, "month"))
		return xz_arena_printf(a, "%d年%d月", y1, m1);
	if (!strcmp(kind, "quarter"))
		return xz_arena_printf(a, "%d年第%d季度", y1, (m1 + 2) / 3);
	if (!strcmp(kind, "year"))
		return xz_arena_printf(a, "%d年", y1);
	if (y1 == y2)
		return xz_arena_printf(a, "%d年%d月%d日至%d月%d日", y1, m1, d1, m2, d2);
	return xz_arena_printf(a, "%d年%d月%d日至%d年%d月%d日", y1, m1, d1, y2, m2, d2);
}

static json_t *period_json(const char *kind, int64_t s, int64_t e)
{
	char a[XZ_DATE_LEN], b[XZ_DATE_LEN];
	return json_pack("{s:s,s:s,s:s?}", "start", xz_date_format(s, a), "end",
			 xz_date_format(e, b), "kind", kind);
}

/* ---- composition -------------------------------------------------------- */

static void set_codes(struct xz_fig_query *q, const char *const *codes, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		q->codes[i] = codes[i];
	q->ncodes = (int)n;
}

static int values_all(struct xz_ctx *c, const struct xz_place *p, int64_t s, int64_t e,
		      json_t **vals)
{
	struct xz_fig_query q = {
	    .place = *p, .from = xz_day_start(s), .to = xz_day_start(e + 1), .group = "all"};
	json_t *items = NULL;
	int rc;
	set_codes(&q, bulletin_codes, XZ_ARRAY_LEN(bulletin_codes));
	if ((rc = xz_figures_values(c, &q, &items)) < 0)
		return rc;
	*vals = json_incref(json_object_get(json_array_get(items, 0), "values"));
	json_decref(items);
	return 0;
}

/* change: 环比/同比 — for a count the relative change in percent, for a
 * rate or a mean the difference (percentage points, hours); null when
 * there is nothing to compare with. */
static json_t *change(const struct xz_indicator *x, json_t *now, json_t *then)
{
	json_t *a = json_object_get(now, "value"), *b = json_object_get(then, "value");
	if (!json_is_number(a) || !json_is_number(b))
		return json_null();
	if (x->unit == XZ_FIG_COUNT) {
		double bv = json_number_value(b);
		if (bv == 0)
			return json_null();
		return json_real((double)llround(10000.0 * (json_number_value(a) - bv) / bv) /
				 100.0);
	}
	return json_real((double)llround(100.0 * (json_number_value(a) - json_number_value(b))) /
			 100.0);
}

static int grouped(struct xz_ctx *c, const struct xz_place *p, int64_t s, int64_t e,
		   const char *group, const char *const *codes, size_t n, json_t **items)
{
	struct xz_fig_query q = {
	    .place = *p, .from = xz_day_start(s), .to = xz_day_start(e + 1), .group = group};
	set_codes(&q, codes, n);
	return xz_figures_values(c, &q, items);
}

/* rank_units: by on-time closing rate (none last), then closed, then id. */
static int cmp_units(const void *pa, const void *pb)
{
	const json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
	json_t *ra = json_object_get(a, "on_time_closing_rate"),
	       *rb = json_object_get(b, "on_time_closing_rate");
	double x = json_is_number(ra) ? json_number_value(ra) : -1,
	       y = json_is_number(rb) ? json_number_value(rb) : -1;
	if (x != y)
		return x < y ? 1 : -1;
	if (jint(a, "closed") != jint(b, "closed"))
		return jint(a, "closed") < jint(b, "closed") ? 1 : -1;
	return jint(a, "unit_id") < jint(b, "unit_id") ? -1 : 1;
}

static json_t *rank_units(json_t *items)
{
	size_t i, n = 0, k;
	json_t *it, **v = xz_calloc(json_array_size(items) + 1, sizeof(*v)), *out = json_array();
	json_array_foreach(items, i, it)
	{
		json_t *vals = json_object_get(it, "values"), *g = json_object_get(it, "group");
		json_t *row;
		if (!jint(g, "id"))
			continue; /* not dispatched: no unit to rank */
		row = json_pack("{s:O,s:O}", "unit_id", json_object_get(g, "id"), "name",
				json_object_get(g, "name"));
		for (k = 0; k < XZ_ARRAY_LEN(unit_codes); k++)
			json_object_set(
			    row, unit_codes[k],
			    json_object_get(json_object_get(vals, unit_codes[k]), "value"));
		v[n++] = row;
	}
	qsort(v, n, sizeof(*v), cmp_units);
	for (i = 0; i < n; i++) {
		json_object_set_new(v[i], "rank", json_integer((json_int_t)i + 1));
		json_array_append_new(out, v[i]);
	}
	xz_free(v);
	return out;
}

static json_t *flat(json_t *items, const char *code, size_t max)
{
	json_t *out = json_array(), *it;
	size_t i;
	json_array_foreach(items, i, it)
	{
		json_t *v = json_object_get(json_object_get(it, "values"), code);
		if (!jint(v, "value"))
			continue;
		json_array_append_new(
		    out, json_pack("{s:O,s:O,s:O}", "id",
				   json_object_get(json_object_get(it, "group"), "id"), "name",
				   json_object_get(json_object_get(it, "group"), "name"), code,
				   json_object_get(v, "value")));
	}
	/* most first */
	for (i = 1; i < json_array_size(out); i++) {
		size_t j = i;
		while (j > 0 && jint(json_array_get(out, j - 1), code) <
				    jint(json_array_get(out, j), code)) {
			json_t *a = json_incref(json_array_get(out, j - 1));
			json_array_set(out, j - 1, json_array_get(out, j));
			json_array_set_new(out, j, a);
			j--;
		}
	}
	while (json_array_size(out) > max)
		json_array_remove(out, json_array_size(out) - 1);
	return out;
}

static int records(struct xz_ctx *c, const struct xz_place *p, int64_t s, int64_t e,
		   const char *code, json_t **rows)
{
	struct xz_fig_query q = {
	    .place = *p, .from = xz_day_start(s), .to = xz_day_start(e + 1), .group = "all"};
	json_t *row, *v;
	const char *k;
	size_t i;
	int rc;
	q.codes[0] = code;
	q.ncodes = 1;
	if ((rc = xz_figures_records(c, &q, false, 0, LIST_MAX, rows)) < 0)
		return rc;
	/* instants as people read them, as the API presents them */
	json_array_foreach(*rows, i, row)
	{
		void *tmp;
		json_object_foreach_safe(row, tmp, k, v)
		{
			size_t n = strlen(k);
			char t[XZ_TIME_LEN];
			if (n > 3 && !strcmp(k + n - 3, "_at") && json_is_integer(v))
				json_object_set_new(
				    row, k, json_string(xz_time_format(json_integer_value(v), t)));
		}
	}
	return 0;
}

/* compose: the bulletin's content for the place and period. */
static int compose(struct xz_ctx *c, const struct xz_place *p, const char *kind, int64_t s,
		   int64_t e, json_t **out)
{
	int64_t ps, pe, ys = shift_years(s, -1), ye = shift_years(e, -1);
	json_t *cur = NULL, *prev = NULL, *last = NULL, *units = NULL, *chan = NULL, *cat = NULL,
	       *hot = NULL, *overdue = NULL, *rework = NULL, *reports = NULL, *figs, *res = NULL;
	const char *counts[] = {"reported"};
	size_t i;
	int rc;
	previous(kind, s, e, &ps, &pe);
	if ((rc = values_all(c, p, s, e, &cur)) < 0 || (rc = values_all(c, p, ps, pe, &prev)) < 0 ||
	    (rc = values_all(c, p, ys, ye, &last)) < 0 ||
	    (rc = grouped(c, p, s, e, "unit", unit_codes, XZ_ARRAY_LEN(unit_codes), &units)) < 0 ||
	    (rc = grouped(c, p, s, e, "channel", counts, 1, &chan)) < 0 ||
	    (rc = grouped(c, p, s, e, "category", counts, 1, &cat)) < 0 ||
	    (rc = xz_figures_hotspots(c, p, xz_day_start(s), xz_day_start(e + 1), 10, &hot)) < 0 ||
	    (rc = records(c, p, s, e, "overdue", &overdue)) < 0 ||
	    (rc = records(c, p, s, e, "rework_rate", &rework)) < 0)
		goto out;
	{
		char a[XZ_DATE_LEN], b[XZ_DATE_LEN];
		rc = xz_db_query(
		    c->db,
		    "SELECT r.unit_id, u.name AS unit_name, r.analysis, r.figures_json, "
		    "r.filed_at FROM unit_reports r JOIN units u ON u.id = r.unit_id "
		    "WHERE r.period_start = $1 AND r.period_end = $2 AND (CAST($3 AS "
		    "BIGINT) IS NULL OR r.township_id = $3) AND (CAST($4 AS BIGINT) IS "
		    "NULL OR u.department_id = $4) AND (CAST($5 AS BIGINT) IS NULL OR "
		    "u.county_id = $5) ORDER BY r.unit_id",
		    XZ_ARGS(XZ_TEXT(xz_date_format(s, a)), XZ_TEXT(xz_date_format(e, b)),
			    XZ_ID(p->township_id), XZ_ID(p->department_id), XZ_ID(p->county_id)),
		    &reports);
		if (rc < 0) {
			rc = xz_ctx_fail_db(c, rc);
			goto out;
		}
	}
	figs = json_array();
	for (i = 0; i < XZ_ARRAY_LEN(bulletin_codes); i++) {
		const struct xz_indicator *x = xz_figures_find(bulletin_codes[i]);
		json_t *v = json_object_get(cur, x->code), *pv = json_object_get(prev, x->code),
		       *lv = json_object_get(last, x->code);
		json_array_append_new(figs,
				      json_pack("{s:s,s:s,s:s,s:O,s:O,s:O,s:O,s:O,s:o,s:o}", "code",
						x->code, "name", x->name, "unit",
						x->unit == XZ_FIG_PERCENT ? "%"
						: x->unit == XZ_FIG_HOURS ? "小时"
									  : "件",
						"value", json_object_get(v, "value"), "numerator",
						json_object_get(v, "numerator"), "denominator",
						json_object_get(v, "denominator"), "previous",
						json_object_get(pv, "value"), "last_year",
						json_object_get(lv, "value"), "mom",
						change(x, v, pv), "yoy", change(x, v, lv)));
	}
	res = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:O,s:O,s:O,s:O}", "period",
			period_json(kind, s, e), "previous", period_json(NULL, ps, pe), "last_year",
			period_json(NULL, ys, ye), "figures", figs, "units", rank_units(units),
			"by_channel", flat(chan, "reported", 10), "by_category",
			flat(cat, "reported", 10), "hotspots", hot, "overdue", overdue, "rework",
			rework, "unit_reports", reports);
	{
		json_t *j = json_object(), *v;
		const char *k[] = {"joint_routine", "joint_special",	    "joint_emergency",
				   "joint_actions", "special_forward_rate", "notice_same_day_rate"};
		for (i = 0; i < XZ_ARRAY_LEN(k); i++)
			if ((v = json_object_get(cur, k[i])))
				json_object_set(j, k[i], v);
		json_object_set_new(res, "joint", j);
	}
	*out = res;
	res = NULL;
out:
	json_decref(cur);
	json_decref(prev);
	json_decref(last);
	json_decref(units);
	json_decref(chan);
	json_decref(cat);
	json_decref(hot);
	json_decref(overdue);
	json_decref(rework);
	json_decref(reports);
	json_decref(res);
	return rc;
}

/* issuer: the township's or the department's name. */
static const char *issuer(struct xz_ctx *c, const struct xz_place *p)
{
	json_t *row = NULL;
	const char *name = "";
	int rc;
	if (p->township_id)
		rc = xz_db_one(c->db, "SELECT name FROM regions WHERE id = $1",
			       XZ_ARGS(XZ_INT(p->township_id)), &row);
	else
		rc = xz_db_one(c->db, "SELECT name FROM departments WHERE id = $1",
			       XZ_ARGS(XZ_INT(p->department_id)), &row);
	if (rc == 0)
		name = xz_arena_strdup(c->arena, jstr(row, "name"));
	json_decref(row);
	return name;
}

#define BULLETIN_SELECT                                                                            \
	"SELECT b.id, b.county_id, b.township_id, b.department_id, b.period_kind, "                \
	"b.period_start, b.period_end, b.state, b.title, b.analysis, b.content_json, b.year, "     \
	"b.seq, b.number, b.created_by, b.created_at, b.published_by, b.published_at, "            \
	"b.version, b.updated_at FROM bulletins b "

int xz_bulletin_load(struct xz_ctx *c, int64_t id, struct xz_place *place, json_t **out)
{
	json_t *row = NULL, *content;
	int rc = xz_db_one(c->db, BULLETIN_SELECT "WHERE b.id = $1", XZ_ARGS(XZ_INT(id)), &row);
	*out = NULL;
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	content = json_loads(jstr(row, "content_json"), 0, NULL);
	json_object_set_new(row, "content", content ? content : json_object());
	json_object_del(row, "content_json");
	if (place) {
		memset(place, 0, sizeof(*place));
		place->county_id = jint(row, "county_id");
		place->township_id = jint(row, "township_id");
		place->department_id = jint(row, "department_id");
	}
	*out = row;
	return 0;
}

struct compose_tx {
	const struct xz_bulletin_in *in;
	const char *kind, *title;
	json_t *content;
	int64_t id;
};

static int compose_write(struct xz_ctx *c, void *arg)
{
	struct compose_tx *t = arg;
	const struct xz_bulletin_in *in = t->in;
	char *text = json_dumps(t->content, JSON_COMPACT);
	char a[XZ_DATE_LEN], b[XZ_DATE_LEN];
	json_t *row = NULL;
	int rc;
	rc = xz_db_one(
	    c->db,
	    "INSERT INTO bulletins (county_id, township_id, department_id, period_kind, "
	    "period_start, period_end, title, analysis, content_json, created_by, "
	    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
	    "$11) RETURNING id",
	    XZ_ARGS(XZ_INT(in->place.county_id), XZ_ID(in->place.township_id),
		    XZ_ID(in->place.department_id), XZ_TEXT(t->kind),
		    XZ_TEXT(xz_date_format(in->start_day, a)),
		    XZ_TEXT(xz_date_format(in->end_day, b)), XZ_TEXT(t->title),
		    XZ_TEXT(in->analysis ? in->analysis : ""), XZ_TEXT(text),
		    XZ_INT(c->user ? c->user->id : 0), XZ_INT(c->now)),
	    &row);
	free(text);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	t->id = jint(row, "id");
	json_decref(row);
	return xz_ctx_audit_new(c, "bulletin.compose", "bulletin", t->id, NULL,
				json_pack("{s:s,s:s}", "title", t->title, "kind", t->kind));
}

static int check_period(struct xz_ctx *c, int64_t s, int64_t e)
{
	if (e < s)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_period", "通报期间的结束日期早于开始日期",
				   "The period ends before it starts", "period_end");
	if (e - s >= 5 * 366)
		return xz_ctx_fail(c, XZ_ERULE, "period_too_long", "通报期间不得超过5年",
				   "The period must not exceed 5 years", "period_end");
	return 0;
}

int xz_bulletin_compose(struct xz_ctx *c, const struct xz_bulletin_in *in, json_t **out)
{
	struct compose_tx t = {.in = in};
	int rc;
	*out = NULL;
	if ((rc = check_period(c, in->start_day, in->end_day)) < 0)
		return rc;
	t.kind = in->kind ? in->kind : guess_kind(in->start_day, in->end_day);
	t.title = in->title && *in->title
		      ? in->title
		      : xz_arena_printf(c->arena, "%s综合执法工作通报（%s）", issuer(c, &in->place),
					period_label(c->arena, t.kind, in->start_day, in->end_day));
	if ((rc = compose(c, &in->place, t.kind, in->start_day, in->end_day, &t.content)) < 0)
		return rc;
	rc = xz_ctx_tx(c, compose_write, &t);
	json_decref(t.content);
	if (rc < 0)
		return rc;
	return xz_bulletin_load(c, t.id, NULL, out);
}

struct edit_tx {
	int64_t id, version;
	const char *title, *analysis;
	json_t *content;
	json_t *row;
};

static int edit_write(struct xz_ctx *c, void *arg)
{
	struct edit_tx *t = arg;
	char *text = t->content ? json_dumps(t->content, JSON_COMPACT) : NULL;
	int64_t changed = 0;
	int rc;
	rc = xz_db_exec(c->db,
			"UPDATE bulletins SET title = COALESCE($3, title), analysis = COALESCE($4, "
			"analysis), content_json = COALESCE($5, content_json), version = version + "
			"1, updated_at = $6 WHERE id = $1 AND version = $2 AND state = 'draft'",
			XZ_ARGS(XZ_INT(t->id), XZ_INT(t->version), XZ_TEXT(t->title),
				XZ_TEXT(t->analysis), XZ_TEXT(text), XZ_INT(c->now)),
			&changed);
	free(text);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	if (!changed)
		return xz_ctx_fail(
		    c, XZ_ECONFLICT, "version_conflict", "通报已被他人修改，请刷新后重试",
		    "The bulletin was changed meanwhile; reload and retry", "version");
	return xz_ctx_audit_new(
	    c, "bulletin.edit", "bulletin", t->id, NULL,
	    json_pack("{s:s?,s:b}", "title", t->title, "recomposed", t->content != NULL));
}

static int already_published(struct xz_ctx *c)
{
	return xz_ctx_fail(c, XZ_ECONFLICT, "already_published", "通报已发布，不可再修改",
			   "The bulletin is published and cannot change", NULL);
}

int xz_bulletin_edit(struct xz_ctx *c, int64_t id, int64_t version, const char *title,
		     const char *analysis, int recompose, json_t **out)
{
	struct edit_tx t = {.id = id, .version = version, .title = title, .analysis = analysis};
	struct xz_place p;
	json_t *b = NULL;
	int rc;
	*out = NULL;
	if ((rc = xz_bulletin_load(c, id, &p, &b)) < 0)
		return rc;
	if (strcmp(jstr(b, "state"), "draft")) {
		json_decref(b);
		return already_published(c);
	}
	if (recompose) {
		int64_t s = 0, e = 0;
		if (xz_date_parse(jstr(b, "period_start"), &s) < 0 ||
		    xz_date_parse(jstr(b, "period_end"), &e) < 0) {
			json_decref(b);
			return xz_ctx_fail(c, XZ_EINTERNAL, "internal", "通报期间有误",
					   "Stored period is invalid", NULL);
		}
		if ((rc = compose(c, &p, jstr(b, "period_kind"), s, e, &t.content)) < 0) {
			json_decref(b);
			return rc;
		}
	}
	json_decref(b);
	rc = xz_ctx_tx(c, edit_write, &t);
	json_decref(t.content);
	if (rc < 0)
		return rc;
	return xz_bulletin_load(c, id, NULL, out);
}

struct publish_tx {
	int64_t id;
	json_t *b;
	struct xz_place p;
};

static int publish_write(struct xz_ctx *c, void *arg)
{
	struct publish_tx *t = arg;
	int y, m, d;
	int64_t seq = 0, changed = 0;
	const char *number, *iss = issuer(c, &t->p), *title = jstr(t->b, "title");
	int rc;
	xz_civil_from_days(xz_day_of(c->now), &y, &m, &d);
	if ((rc = xz_db_int(
		 c->db,
		 "SELECT COALESCE(MAX(seq), 0) + 1 FROM bulletins WHERE county_id = $1 AND "
		 "COALESCE(township_id, 0) = $2 AND COALESCE(department_id, 0) = $3 AND "
		 "year = $4",
		 XZ_ARGS(XZ_INT(t->p.county_id), XZ_INT(t->p.township_id),
			 XZ_INT(t->p.department_id), XZ_INT(y)),
		 &seq)) < 0)
		return xz_ctx_fail_db(c, rc);
	number = xz_arena_printf(c->arena, "%s综合执法通报〔%d〕第%lld期", iss, y, (long long)seq);
	if ((rc = xz_db_exec(
		 c->db,
		 "UPDATE bulletins SET state = 'published', year = $2, seq = $3, number = "
		 "$4, published_by = $5, published_at = $6, version = version + 1, "
		 "updated_at = $6 WHERE id = $1 AND state = 'draft'",
		 XZ_ARGS(XZ_INT(t->id), XZ_INT(y), XZ_INT(seq), XZ_TEXT(number),
			 XZ_INT(c->user ? c->user->id : 0), XZ_INT(c->now)),
		 &changed)) < 0)
		return xz_ctx_fail_db(c, rc);
	if (!changed)
		return already_published(c);
	/* everyone of the units of its township (or of its department's line) */
	{
		struct xz_note n = {"bulletin", "bulletin", t->id,
				    xz_arena_printf(c->arena, "通报：%s", title),
				    xz_arena_printf(c->arena, "%s 已发布，请及时查阅（通报 %lld）",
						    number, (long long)t->id),
				    0};
		if ((rc = xz_tell(c, &n,
				  XZ_TOS((struct xz_to){.kind = XZ_TO_UNITS_IN,
							.id = t->p.county_id,
							.township = t->p.township_id,
							.department = t->p.department_id}))) < 0)
			return rc;
	}
	return xz_ctx_audit_new(c, "bulletin.publish", "bulletin", t->id, NULL,
				json_pack("{s:s}", "number", number));
}

int xz_bulletin_publish(struct xz_ctx *c, int64_t id, json_t **out)
{
	struct publish_tx t = {.id = id};
	int rc;
	*out = NULL;
	if ((rc = xz_bulletin_load(c, id, &t.p, &t.b)) < 0)
		return rc;
	if (strcmp(jstr(t.b, "state"), "draft"))
		rc = already_published(c);
	else
		rc = xz_ctx_tx(c, publish_write, &t);
	json_decref(t.b);
	if (rc < 0)
		return rc;
	return xz_bulletin_load(c, id, NULL, out);
}

int xz_bulletin_read(struct xz_ctx *c, int64_t id)
{
	int rc;
	if (!c->user)
		return 0;
	/* insert once; a concurrent first read loses the race harmlessly */
	rc = xz_db_exec(
	    c->db,
	    "INSERT INTO bulletin_reads (bulletin_id, user_id, read_at) SELECT $1, $2, $3 "
	    "WHERE NOT EXISTS (SELECT 1 FROM bulletin_reads WHERE bulletin_id = $1 AND "
	    "user_id = $2)",
	    XZ_ARGS(XZ_INT(id), XZ_INT(c->user->id), XZ_INT(c->now)), NULL);
	if (rc < 0 && rc != XZ_ECONFLICT)
		return xz_ctx_fail_db(c, rc);
	return 0;
}

int xz_bulletin_readers(struct xz_ctx *c, int64_t id, json_t **out)
{
	struct xz_place p;
	json_t *b = NULL;
	int rc;
	*out = NULL;
	if ((rc = xz_bulletin_load(c, id, &p, &b)) < 0)
		return rc;
	json_decref(b);
	rc = xz_db_query(
	    c->db,
	    "SELECT u.id AS user_id, u.display_name, n.id AS unit_id, n.name AS "
	    "unit_name, r.read_at FROM users u JOIN units n ON n.id = u.unit_id LEFT "
	    "JOIN bulletin_reads r ON r.bulletin_id = $4 AND r.user_id = u.id WHERE "
	    "u.disabled = 0 AND n.county_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR "
	    "n.township_id = $2) AND (CAST($3 AS BIGINT) IS NULL OR n.department_id = "
	    "$3) UNION SELECT u.id, u.display_name, u.unit_id, NULL, r.read_at FROM "
	    "bulletin_reads r JOIN users u ON u.id = r.user_id WHERE r.bulletin_id = $4 "
	    "AND u.unit_id IS NULL ORDER BY 3, 1",
	    XZ_ARGS(XZ_INT(p.county_id), XZ_ID(p.township_id), XZ_ID(p.department_id), XZ_INT(id)),
	    out);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	return 0;
}

int xz_bulletin_list(struct xz_ctx *c, const struct xz_place *place,
		     const struct xz_place *drafts_of, int64_t before, int64_t limit, xz_row_fn fn,
		     void *arg)
{
	int rc = xz_db_each(
	    c->db,
	    "SELECT b.id, b.county_id, b.township_id, b.department_id, b.period_kind, "
	    "b.period_start, b.period_end, b.state, b.title, b.number, b.created_at, "
	    "b.published_at, (SELECT COUNT(*) FROM bulletin_reads r WHERE r.bulletin_id = b.id) "
	    "AS reads FROM bulletins b WHERE b.county_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR "
	    "b.township_id = $2 OR b.township_id IS NULL) AND (CAST($3 AS BIGINT) IS NULL OR "
	    "b.department_id = $3) AND (b.state = 'published' OR ($4 = 1 AND "
	    "COALESCE(b.township_id, 0) = $7 AND COALESCE(b.department_id, 0) = $8)) AND "
	    "(CAST($5 AS BIGINT) IS NULL OR b.id < $5) ORDER BY b.id DESC LIMIT $6",
	    XZ_ARGS(XZ_INT(place->county_id), XZ_ID(place->township_id),
		    XZ_ID(place->department_id), XZ_INT(drafts_of ? 1 : 0), XZ_ID(before),
		    XZ_INT(limit), XZ_INT(drafts_of ? drafts_of->township_id : 0),
		    XZ_INT(drafts_of ? drafts_of->department_id : 0)),
	    fn, arg);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	return 0;
}

/* ---- the units' own reports ------------------------------------------------ */

static const char *const report_codes[] = {
    "reported", "handled", "closed", "on_time_closing_rate", "overdue", "return_rate"};

struct report_tx {
	int64_t unit_id, township_id, s, e;
	const char *analysis;
	json_t *figures;
};

static int report_write(struct xz_ctx *c, void *arg)
{
	struct report_tx *t = arg;
	char a[XZ_DATE_LEN], b[XZ_DATE_LEN], *text = json_dumps(t->figures, JSON_COMPACT);
	int rc;
	/* one report per unit and period: a refiling replaces it */
	rc = xz_db_exec(c->db,
			"DELETE FROM unit_reports WHERE unit_id = $1 AND period_start = $2 AND "
			"period_end = $3",
			XZ_ARGS(XZ_INT(t->unit_id), XZ_TEXT(xz_date_format(t->s, a)),
				XZ_TEXT(xz_date_format(t->e, b))),
			NULL);
	if (rc >= 0)
		rc = xz_db_exec(
		    c->db,
		    "INSERT INTO unit_reports (unit_id, township_id, period_start, "
		    "period_end, figures_json, analysis, filed_by, filed_at) VALUES ($1, "
		    "$2, $3, $4, $5, $6, $7, $8)",
		    XZ_ARGS(XZ_INT(t->unit_id), XZ_INT(t->township_id), XZ_TEXT(a), XZ_TEXT(b),
			    XZ_TEXT(text), XZ_TEXT(t->analysis), XZ_INT(c->user ? c->user->id : 0),
			    XZ_INT(c->now)),
		    NULL);
	free(text);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	return xz_ctx_audit_new(c, "unit_report.file", "unit", t->unit_id, NULL,
				json_pack("{s:s,s:s}", "period_start", a, "period_end", b));
}

int xz_unit_report_file(struct xz_ctx *c, int64_t unit_id, int64_t start_day, int64_t end_day,
			const char *analysis, json_t **out)
{
	struct report_tx t = {
	    .unit_id = unit_id, .s = start_day, .e = end_day, .analysis = analysis};
	struct xz_fig_query q = {.place.unit_id = unit_id,
				 .from = xz_day_start(start_day),
				 .to = xz_day_start(end_day + 1),
				 .group = "all"};
	json_t *items = NULL;
	char a[XZ_DATE_LEN], b[XZ_DATE_LEN];
	int rc;
	*out = NULL;
	if ((rc = check_period(c, start_day, end_day)) < 0)
		return rc;
	if ((rc = xz_db_int(c->db, "SELECT township_id FROM units WHERE id = $1",
			    XZ_ARGS(XZ_INT(unit_id)), &t.township_id)) < 0)
		return xz_ctx_fail_db(c, rc);
	set_codes(&q, report_codes, XZ_ARRAY_LEN(report_codes));
	if ((rc = xz_figures_values(c, &q, &items)) < 0)
		return rc;
	t.figures = json_incref(json_object_get(json_array_get(items, 0), "values"));
	json_decref(items);
	rc = xz_ctx_tx(c, report_write, &t);
	json_decref(t.figures);
	if (rc < 0)
		return rc;
	rc =
	    xz_db_one(c->db,
		      "SELECT r.id, r.unit_id, u.name AS unit_name, r.township_id, r.period_start, "
		      "r.period_end, r.figures_json, r.analysis, r.filed_by, r.filed_at FROM "
		      "unit_reports r JOIN units u ON u.id = r.unit_id WHERE r.unit_id = $1 AND "
		      "r.period_start = $2 AND r.period_end = $3",
		      XZ_ARGS(XZ_INT(unit_id), XZ_TEXT(xz_date_format(start_day, a)),
			      XZ_TEXT(xz_date_format(end_day, b))),
		      out);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz_unit_report_status(struct xz_ctx *c, const struct xz_place *place, int64_t start_day,
			  int64_t end_day, json_t **out)
{
	char a[XZ_DATE_LEN], b[XZ_DATE_LEN];
	int rc = xz_db_query(
	    c->db,
	    "SELECT n.id AS unit_id, n.name AS unit_name, r.id AS report_id, r.analysis, "
	    "r.figures_json, r.filed_by, r.filed_at FROM units n LEFT JOIN unit_reports r ON "
	    "r.unit_id = n.id AND r.period_start = $1 AND r.period_end = $2 WHERE (CAST($3 AS "
	    "BIGINT) IS NULL OR n.county_id = $3) AND (CAST($4 AS BIGINT) IS NULL OR "
	    "n.township_id = $4) AND (CAST($5 AS BIGINT) IS NULL OR n.department_id = $5) AND "
	    "(CAST($6 AS BIGINT) IS NULL OR n.id = $6) ORDER BY n.id",
	    XZ_ARGS(XZ_TEXT(xz_date_format(start_day, a)), XZ_TEXT(xz_date_format(end_day, b)),
		    XZ_ID(place->county_id), XZ_ID(place->township_id), XZ_ID(place->department_id),
		    XZ_ID(place->unit_id)),
	    out);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

/* ---- exports ------------------------------------------------------------------ */

static const char *num_text(struct xz_arena *a, json_t *v, const char *unit)
{
	if (!json_is_number(v))
		return "—";
	if (json_is_integer(v))
		return xz_arena_printf(a, "%lld%s", (long long)json_integer_value(v),
				       !strcmp(unit, "件") ? "件" : unit);
	return xz_arena_printf(a, "%.2f%s", json_real_value(v), unit);
}

static const char *change_text(struct xz_arena *a, json_t *v, const char *unit)
{
	double d;
	if (!json_is_number(v))
		return "无可比数据";
	d = json_number_value(v);
	if (d == 0)
		return "持平";
	if (!strcmp(unit, "件"))
		return xz_arena_printf(a, "%s%.2f%%",
				       d > 0   ? "上升"
				       : d < 0 ? "下降"
					       : "持平",
				       d < 0 ? -d : d);
	return xz_arena_printf(a, "%s%.2f%s",
			       d > 0   ? "上升"
			       : d < 0 ? "下降"
				       : "持平",
			       d < 0 ? -d : d, !strcmp(unit, "%") ? "个百分点" : unit);
}

/* A growing text, bounded by what an official document's body may hold
 * (XZ_MAX_DOC_BODY): past it the rest is left out, and said so. */
struct text {
	char *p;
	size_t len, cap;
	bool full;
};

static void tx(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tx(struct text *t, const char *fmt, ...)
{
	static const char more[] = "\n（以下从略）";
	va_list ap;
	int n;
	if (t->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (t->len + (size_t)n + sizeof(more) > XZ_MAX_DOC_BODY) {
		t->full = true;
		fmt = "%s";
		n = (int)sizeof(more) - 1;
	}
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->p = xz_realloc(t->p, t->cap);
	}
	if (t->full)
		memcpy(t->p + t->len, more, sizeof(more));
	else {
		va_start(ap, fmt);
		vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	t->len += (size_t)n;
}

/* body_text: the bulletin as the paragraphs of an official document. */
static char *body_text(struct xz_ctx *c, const json_t *b)
{
	struct xz_arena *a = c->arena;
	json_t *ct = json_object_get(b, "content"), *it;
	struct text t = {0};
	size_t i;
	tx(&t, "一、总体情况");
	json_array_foreach(json_object_get(ct, "figures"), i, it)
	{
		const char *unit = jstr(it, "unit");
		tx(&t, "\n%s：%s，环比%s，同比%s。", jstr(it, "name"),
		   num_text(a, json_object_get(it, "value"), unit),
		   change_text(a, json_object_get(it, "mom"), unit),
		   change_text(a, json_object_get(it, "yoy"), unit));
	}
	tx(&t, "\n二、各派驻机构办理情况（按按期结案率排名）");
	json_array_foreach(json_object_get(ct, "units"), i, it)
	{
		tx(&t, "\n%lld. %s：上报%s，结案%s，按期结案率%s，超期%s。",
		   (long long)jint(it, "rank"), jstr(it, "name"),
		   num_text(a, json_object_get(it, "reported"), "件"),
		   num_text(a, json_object_get(it, "closed"), "件"),
		   num_text(a, json_object_get(it, "on_time_closing_rate"), "%"),
		   num_text(a, json_object_get(it, "overdue"), "件"));
	}
	tx(&t, "\n三、热点问题");
	json_array_foreach(json_object_get(ct, "hotspots"), i, it)
	{
		json_t *rep = json_object_get(it, "repeated"), *r;
		size_t k;
		tx(&t, "\n%s：%lld件", jstr(it, "name"), (long long)jint(it, "n"));
		json_array_foreach(rep, k, r)
		{
			tx(&t, "，%s重复%lld次", jstr(r, "name"), (long long)jint(r, "n"));
		}
		tx(&t, "。");
	}
	tx(&t, "\n四、超期未办结问题（%zu件）", json_array_size(json_object_get(ct, "overdue")));
	json_array_foreach(json_object_get(ct, "overdue"), i, it)
	{
		if (i < 20)
			tx(&t, "\n%lld号：%s", (long long)jint(it, "id"), jstr(it, "description"));
	}
	tx(&t, "\n五、返工问题（%zu件）", json_array_size(json_object_get(ct, "rework")));
	json_array_foreach(json_object_get(ct, "rework"), i, it)
	{
		if (i < 20)
			tx(&t, "\n%lld号：%s", (long long)jint(it, "id"), jstr(it, "description"));
	}
	{
		json_t *j = json_object_get(ct, "joint");
		tx(&t,
		   "\n六、联合执法\n本期发起常规联合执法%s、专项联合执法%s、应急联合执法%"
		   "s；专项申"
		   "请按时转呈率%s，互动告知当日反馈率%s。",
		   num_text(a, json_object_get(json_object_get(j, "joint_routine"), "value"), "件"),
		   num_text(a, json_object_get(json_object_get(j, "joint_special"), "value"), "件"),
		   num_text(a, json_object_get(json_object_get(j, "joint_emergency"), "value"),
			    "件"),
		   num_text(a, json_object_get(json_object_get(j, "special_forward_rate"), "value"),
			    "%"),
		   num_text(a, json_object_get(json_object_get(j, "notice_same_day_rate"), "value"),
			    "%"));
	}
	if (json_array_size(json_object_get(ct, "unit_reports"))) {
		tx(&t, "\n七、派驻机构报告摘要");
		json_array_foreach(json_object_get(ct, "unit_reports"), i, it)
		{
			tx(&t, "\n%s：%.300s", jstr(it, "unit_name"), jstr(it, "analysis"));
		}
	}
	if (*jstr(b, "analysis"))
		tx(&t, "\n%s、分析研判\n%s",
		   json_array_size(json_object_get(ct, "unit_reports")) ? "八" : "七",
		   jstr(b, "analysis"));
	return t.p ? t.p : xz_strdup("");
}

/* The charts of the attachment: horizontal bars, one chart per table. */
struct chart_set {
	const json_t *content;
};

static void bars(cairo_t *cr, PangoLayout *lay, double x, double y, double w, const char *title,
		 json_t *rows, const char *label_key, const char *value_key, size_t max)
{
	double maxv = 0, bar_x = x + w * 0.38, bar_w = w * 0.5, row_h = 16;
	json_t *it;
	size_t i;
	char buf[64];
	json_array_foreach(rows, i, it)
	{
		if (i < max && json_number_value(json_object_get(it, value_key)) > maxv)
			maxv = json_number_value(json_object_get(it, value_key));
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	pango_layout_set_text(lay, title, -1);
	cairo_move_to(cr, x, y);
	pango_cairo_show_layout(cr, lay);
	y += 24;
	json_array_foreach(rows, i, it)
	{
		double v = json_number_value(json_object_get(it, value_key));
		if (i >= max)
			break;
		cairo_set_source_rgb(cr, 0, 0, 0);
		pango_layout_set_text(lay, jstr(it, label_key), -1);
		pango_layout_set_width(lay, (int)(w * 0.36 * PANGO_SCALE));
		pango_layout_set_ellipsize(lay, PANGO_ELLIPSIZE_END);
		cairo_move_to(cr, x, y);
		pango_cairo_show_layout(cr, lay);
		pango_layout_set_width(lay, -1);
		cairo_set_source_rgb(cr, 0.75, 0.1, 0.1);
		cairo_rectangle(cr, bar_x, y + 2, maxv > 0 ? bar_w * v / maxv : 0, row_h - 6);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		snprintf(buf, sizeof(buf), "%g", v);
		pango_layout_set_text(lay, buf, -1);
		cairo_move_to(cr, bar_x + (maxv > 0 ? bar_w * v / maxv : 0) + 4, y);
		pango_cairo_show_layout(cr, lay);
		y += row_h;
	}
}

static void draw_charts(void *arg, int page, cairo_t *cr, double x, double y, double w, double h)
{
	const struct chart_set *cs = arg;
	PangoLayout *lay = pango_cairo_create_layout(cr);
	PangoFontDescription *fd = pango_font_description_from_string("Noto Sans CJK SC 10");
	pango_context_set_language(pango_layout_get_context(lay),
				   pango_language_from_string("zh-cn"));
	pango_layout_set_font_description(lay, fd);
	(void)page;
	(void)h;
	bars(cr, lay, x, y, w, "附件：图表　图1 各派驻机构按期结案率（%）",
	     json_object_get(cs->content, "units"), "name", "on_time_closing_rate", 12);
	bars(cr, lay, x, y + 260, w, "图2 问题来源渠道（件）",
	     json_object_get(cs->content, "by_channel"), "name", "reported", 8);
	bars(cr, lay, x, y + 420, w, "图3 热点网格（件）", json_object_get(cs->content, "hotspots"),
	     "name", "n", 10);
	pango_font_description_free(fd);
	g_object_unref(lay);
}

int xz_bulletin_pdf(struct xz_ctx *c, const json_t *b, unsigned char **buf, size_t *len)
{
	struct chart_set cs = {.content = json_object_get(b, "content")};
	char date[XZ_DATE_CN_LEN];
	const char *iss;
	struct xz_place p = {.county_id = jint(b, "county_id"),
			     .township_id = jint(b, "township_id"),
			     .department_id = jint(b, "department_id")};
	char *body = body_text(c, b);
	int rc;
	iss = xz_arena_printf(c->arena, "%s综合行政执法", issuer(c, &p));
	struct xz_doc doc = {
	    .issuer = iss,
	    .header_suffix = "通报",
	    .doc_number =
		json_is_string(json_object_get(b, "number")) ? jstr(b, "number") : "（草稿）",
	    .title = jstr(b, "title"),
	    .recipient = "各派驻机构、有关单位",
	    .body = body,
	    .signer = iss,
	    .date_cn = xz_date_cn(
		xz_day_of(jint(b, "published_at") ? jint(b, "published_at") : c->now), date),
	    .attach = draw_charts,
	    .attach_arg = &cs,
	    .attach_pages = 1,
	};
	rc = xz_doc_render_pdf(&doc, buf, len);
	xz_free(body);
	if (rc < 0)
		return xz_ctx_fail(c, rc, "render_failed", "通报PDF生成失败",
				   "The bulletin PDF could not be rendered", NULL);
	return 0;
}

/* sheet: one worksheet: a bold header, numbers as numbers, widths from the
 * content (CJK counts double), text never a formula. */
static void sheet(lxw_workbook *wb, lxw_format *bold, const char *name, const char *const *heads,
		  const char *const *keys, size_t ncols, json_t *rows)
{
	lxw_worksheet *ws = workbook_add_worksheet(wb, name);
	double width[16] = {0};
	json_t *it;
	size_t i, j;
	for (j = 0; j < ncols && j < 16; j++) {
		worksheet_write_string(ws, 0, (lxw_col_t)j, heads[j], bold);
		width[j] = (double)strlen(heads[j]) * 2 / 3 + 2;
	}
	json_array_foreach(rows, i, it)
	{
		for (j = 0; j < ncols && j < 16; j++) {
			json_t *v = json_object_get(it, keys[j]);
			double wd = 8;
			if (json_is_number(v))
				worksheet_write_number(ws, (lxw_row_t)(i + 1), (lxw_col_t)j,
						       json_number_value(v), NULL);
			else if (json_is_string(v)) {
				worksheet_write_string(ws, (lxw_row_t)(i + 1), (lxw_col_t)j,
						       json_string_value(v), NULL);
				wd = (double)strlen(json_string_value(v)) * 2 / 3 + 2;
			}
			if (wd > width[j])
				width[j] = wd > 60 ? 60 : wd;
		}
	}
	for (j = 0; j < ncols && j < 16; j++)
		worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, width[j], NULL);
	worksheet_freeze_panes(ws, 1, 0);
}

int xz_bulletin_xlsx(struct xz_ctx *c, const json_t *b, unsigned char **buf, size_t *len)
{
	json_t *ct = json_object_get(b, "content");
	char path[] = "/tmp/xz-bulletin-XXXXXX";
	lxw_workbook *wb;
	lxw_format *bold;
	FILE *f = NULL;
	long n;
	int fd = mkstemp(path), rc = 0;
	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return xz_ctx_fail(c, XZ_EIO, "export_failed", "导出失败", "Export failed", NULL);
	close(fd);
	wb = workbook_new(path);
	if (!wb) {
		unlink(path);
		return xz_ctx_fail(c, XZ_EIO, "export_failed", "导出失败", "Export failed", NULL);
	}
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	{
		const char *h[] = {"指标", "代码", "本期", "单位",     "分子",
				   "分母", "上期", "环比", "去年同期", "同比"};
		const char *k[] = {"name",	  "code",     "value", "unit",	    "numerator",
				   "denominator", "previous", "mom",   "last_year", "yoy"};
		sheet(wb, bold, "指标", h, k, 10, json_object_get(ct, "figures"));
	}
	{
		const char *h[] = {"名次",	    "派驻机构", "上报",	     "结案",
				   "按期结案率(%)", "超期",	"返工率(%)", "退回率(%)"};
		const char *k[] = {
		    "rank",    "name",	      "reported",   "closed", "on_time_closing_rate",
		    "overdue", "rework_rate", "return_rate"};
		sheet(wb, bold, "单位排名", h, k, 8, json_object_get(ct, "units"));
	}
	{
		const char *h[] = {"网格", "网格编号", "问题数"};
		const char *k[] = {"name", "cell_id", "n"};
		sheet(wb, bold, "热点网格", h, k, 3, json_object_get(ct, "hotspots"));
	}
	{
		const char *h[] = {"编号", "类别", "问题描述", "状态", "上报时间", "时限"};
		const char *k[] = {"id",    "category",	  "description",
				   "state", "created_at", "due_at"};
		sheet(wb, bold, "超期问题", h, k, 6, json_object_get(ct, "overdue"));
		sheet(wb, bold, "返工问题", h, k, 6, json_object_get(ct, "rework"));
	}
	{
		const char *h[] = {"渠道", "上报数"};
		const char *k[] = {"name", "reported"};
		sheet(wb, bold, "来源渠道", h, k, 2, json_object_get(ct, "by_channel"));
		const char *h2[] = {"类别", "上报数"};
		sheet(wb, bold, "问题类别", h2, k, 2, json_object_get(ct, "by_category"));
	}
	{
		const char *h[] = {"派驻机构", "报告内容", "报送时间"};
		const char *k[] = {"unit_name", "analysis", "filed_at"};
		sheet(wb, bold, "派驻机构报告", h, k, 3, json_object_get(ct, "unit_reports"));
	}
	if (workbook_close(wb) != LXW_NO_ERROR)
		rc = XZ_EIO;
	if (!rc && (f = fopen(path, "rb")) && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		*buf = xz_malloc((size_t)n);
		if (fread(*buf, 1, (size_t)n, f) == (size_t)n)
			*len = (size_t)n;
		else {
			xz_free(*buf);
			*buf = NULL;
			rc = XZ_EIO;
		}
	} else if (!rc)
		rc = XZ_EIO;
	if (f)
		fclose(f);
	unlink(path);
	if (rc < 0)
		return xz_ctx_fail(c, rc, "export_failed", "导出失败", "Export failed", NULL);
	return 0;
}
