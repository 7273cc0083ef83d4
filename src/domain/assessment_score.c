/*
 * assessment_score.c — scores from the data (R8.1, R8.2; issue 12 item 2).
 *
 * A scheme's part names an indicator, a weight and a scoring rule. For a
 * unit the indicator's value comes from domain/figures.c (the catalogue,
 * values for the scheme's period with the place narrowed to the unit) and
 * its records from xz_figures_records. For a person — an officer of a
 * dispatched unit — the figures' catalogue has no grouping by the officer
 * who acted (its "person" is the reporter), so the person-level
 * indicators are the table below: each a query over the history of the
 * records he or she acted on (problem_history, joint_participants,
 * joint_notices) with the same codes as the unit-level ones, so one part
 * scores both. Each row names its formula, numerator and denominator.
 *
 * Rules: linear between thresholds (value at or beyond `good` scores the
 * part's weight, at or beyond `bad` nothing, linear between; a part with no
 * value — nothing to count — scores in full), points per event with a cap
 * (−1 per overdue task down to −10 off the weight, or +1 per joint action
 * up to the cap), and the daily-management rating (the average of the
 * period's ratings, 0–100, as a share of the weight). A subject's total is
 * the sum of its points over the weights of the parts that apply to it,
 * out of 100.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/limits.h"
#include "core/xtime.h"
#include "domain/assessment.h"
#include "domain/assessment_int.h"
#include "domain/ctx.h"
#include "domain/figures.h"
#include "store/db.h"

/* the history rows of one officer's actions on the township's problems */
#define PH                                                                                         \
	" FROM problem_history h JOIN users u ON u.id = h.user_id JOIN problems p ON p.id = "      \
	"h.problem_id WHERE p.township_id = $1 AND h.at >= $2 AND h.at < $3 AND u.person_id IS "   \
	"NOT NULL"
/* the problems behind one officer's actions (person $4) */
#define PR                                                                                         \
	"SELECT p.id, p.category, p.description, p.state, p.unit_id, p.created_at, "               \
	"p.handled_at, p.due_at, p.on_time, p.rework_count, p.return_count FROM problems p "       \
	"WHERE p.township_id = $1 AND p.id IN (SELECT h.problem_id FROM problem_history h JOIN "   \
	"users u ON u.id = h.user_id WHERE h.at >= $2 AND h.at < $3 AND u.person_id = $4 AND "
#define PR_END " ORDER BY p.id DESC LIMIT 500"

static const struct xz__person_ind person_catalogue[] = {
    {"dispatched", "承办任务数（个人）", "期内本人接收、退回或处置反馈过的问题数",
     "期内本人经手的问题", NULL, false, false,
     "SELECT u.person_id AS g, COUNT(DISTINCT h.problem_id) AS num, 0 AS den" PH
     " AND h.action IN ('take','return','handle') GROUP BY u.person_id",
     PR "h.action IN ('take','return','handle'))" PR_END, "problem"},
    {"handled", "处置任务数（个人）", "期内本人处置反馈的问题数", "期内本人处置反馈的问题", NULL,
     false, false,
     "SELECT u.person_id AS g, COUNT(DISTINCT h.problem_id) AS num, 0 AS den" PH
     " AND h.action = 'handle' GROUP BY u.person_id",
     PR "h.action = 'handle')" PR_END, "problem"},
    {"on_time_handling_rate", "按期处置率（个人）",
     "按期处置率 = 本人处置反馈且未超时的问题数 / 本人处置反馈的问题数 × 100%",
     "期内本人处置反馈、没有环节超时的问题", "期内本人处置反馈的问题", true, false,
     "SELECT u.person_id AS g, COUNT(DISTINCT CASE WHEN COALESCE(p.on_time, 1) <> 0 THEN "
     "h.problem_id END) AS num, COUNT(DISTINCT h.problem_id) AS den" PH
     " AND h.action = 'handle' GROUP BY u.person_id",
     PR "h.action = 'handle') AND COALESCE(p.on_time, 1) <> 0" PR_END, "problem"},
    {"rework_rate", "返工率（个人）",
     "返工率 = 本人处置反馈且曾被核查退回返工的问题数 / 本人处置反馈的问题数 × 100%",
     "期内本人处置反馈、曾返工的问题", "期内本人处置反馈的问题", true, false,
     "SELECT u.person_id AS g, COUNT(DISTINCT CASE WHEN p.rework_count > 0 THEN h.problem_id "
     "END) AS num, COUNT(DISTINCT h.problem_id) AS den" PH
     " AND h.action = 'handle' GROUP BY u.person_id",
     PR "h.action = 'handle') AND p.rework_count > 0" PR_END, "problem"},
    {"return_rate", "退回率（个人）", "退回率 = 本人退回的问题数 / 本人经手的问题数 × 100%",
     "期内本人以非本单位职责退回的问题", "期内本人经手的问题", true, false,
     "SELECT u.person_id AS g, COUNT(DISTINCT CASE WHEN h.action = 'return' THEN h.problem_id "
     "END) AS num, COUNT(DISTINCT h.problem_id) AS den" PH
     " AND h.action IN ('take','return','handle') GROUP BY u.person_id",
     PR "h.action = 'return')" PR_END, "problem"},
    {"overdue", "超期数（个人）", "本人接收、期内上报、尚未处置且已超过时限的问题数",
     "本人接收后超时未处置的问题", NULL, false, true,
     "SELECT u.person_id AS g, COUNT(DISTINCT p.id) AS num, 0 AS den FROM problem_history h "
     "JOIN users u ON u.id = h.user_id JOIN problems p ON p.id = h.problem_id WHERE "
     "p.township_id = $1 AND p.created_at >= $2 AND p.created_at < $3 AND h.action = 'take' "
     "AND u.person_id IS NOT NULL AND p.state IN ('dispatched','in_hand') AND p.due_at < $4 "
     "GROUP BY u.person_id",
     "SELECT p.id, p.category, p.description, p.state, p.unit_id, p.created_at, p.handled_at, "
     "p.due_at, p.on_time, p.rework_count, p.return_count FROM problems p WHERE p.township_id "
     "= $1 AND p.created_at >= $2 AND p.created_at < $3 AND p.state IN ('dispatched','in_hand') "
     "AND p.due_at < $5 AND p.id IN (SELECT h.problem_id FROM problem_history h JOIN users u "
     "ON u.id = h.user_id WHERE h.action = 'take' AND u.person_id = $4)" PR_END,
     "problem"},
    {"joint_actions", "参加联合执法次数（个人）",
     "期内计划开展的联合执法行动中本人列为参与人员的次数", "期内本人参加的联合执法行动", NULL,
     false, false,
     "SELECT jp.person_id AS g, COUNT(DISTINCT jp.action_id) AS num, 0 AS den FROM "
     "joint_participants jp JOIN joint_actions a ON a.id = jp.action_id WHERE a.township_id = "
     "$1 AND a.planned_start >= $2 AND a.planned_start < $3 GROUP BY jp.person_id",
     "SELECT a.id, a.title, a.mechanism, a.state, a.planned_start, a.created_at FROM "
     "joint_actions a WHERE a.township_id = $1 AND a.planned_start >= $2 AND a.planned_start < "
     "$3 AND a.id IN (SELECT jp.action_id FROM joint_participants jp WHERE jp.person_id = $4) "
     "ORDER BY a.id DESC LIMIT 500",
     "joint_action"},
    {"notice_same_day_rate", "互动告知当日反馈率（个人）",
     "互动告知当日反馈率 = 本人当日反馈的告知数 / 本人反馈的告知数 × 100%",
     "期内发出、由本人当日反馈的互动告知", "期内发出、由本人反馈的互动告知", true, false,
     "SELECT u.person_id AS g, SUM(CASE WHEN n.answered_at <= n.due_at THEN 1 ELSE 0 END) AS "
     "num, COUNT(*) AS den FROM joint_notices n JOIN users u ON u.id = n.answered_by WHERE "
     "n.township_id = $1 AND n.issued_at >= $2 AND n.issued_at < $3 AND u.person_id IS NOT "
     "NULL GROUP BY u.person_id",
     "SELECT n.id, n.action_id, n.unit_id, n.category, n.description, n.issued_at, n.due_at, "
     "n.answered_at FROM joint_notices n JOIN users u ON u.id = n.answered_by WHERE "
     "n.township_id = $1 AND n.issued_at >= $2 AND n.issued_at < $3 AND u.person_id = $4 AND "
     "n.answered_at <= n.due_at ORDER BY n.id DESC LIMIT 500",
     "notice"},
};

/* rates where less is better: a linear rule's default runs from 0 down */
static const char *const lower_better[] = {"rework_rate",     "return_rate", "overdue",
					   "rejected",	      "supervised",  "avg_handling_hours",
					   "repeated_places", NULL};

int64_t xz__jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v)  ? (int64_t)json_integer_value(v)
	       : json_is_real(v)   ? (int64_t)json_real_value(v)
	       : json_is_string(v) ? strtoll(json_string_value(v), NULL, 10)
				   : 0;
}

const char *xz__jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

double xz__jnum(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (json_is_number(v))
		return json_number_value(v);
	if (json_is_string(v))
		return strtod(json_string_value(v), NULL);
	return 0;
}

const struct xz__person_ind *xz__person_find(const char *code)
{
	size_t i;
	for (i = 0; code && i < XZ_ARRAY_LEN(person_catalogue); i++)
		if (!strcmp(person_catalogue[i].code, code))
			return &person_catalogue[i];
	return NULL;
}

unsigned xz__indicator_subjects(const char *code)
{
	return (xz_figures_find(code) ? 1u : 0u) | (xz__person_find(code) ? 2u : 0u);
}

const char *xz__indicator_name(const char *code)
{
	const struct xz_indicator *x = xz_figures_find(code);
	const struct xz__person_ind *p = xz__person_find(code);
	return x ? x->name : p ? p->name : code;
}

bool xz__indicator_percent(const char *code)
{
	const struct xz_indicator *x = xz_figures_find(code);
	const struct xz__person_ind *p = xz__person_find(code);
	return x ? x->unit == XZ_FIG_PERCENT : p ? p->percent : false;
}

bool xz__indicator_lower_better(const char *code)
{
	size_t i;
	for (i = 0; lower_better[i]; i++)
		if (!strcmp(lower_better[i], code))
			return true;
	return false;
}

json_t *xz_assessment_indicators(void)
{
	json_t *items = json_array();
	size_t n, i;
	const struct xz_indicator *cat = xz_figures_catalogue(&n);
	for (i = 0; i < n; i++) {
		const struct xz__person_ind *p = xz__person_find(cat[i].code);
		json_t *subj = json_pack("[s]", "unit");
		if (p)
			json_array_append_new(subj, json_string("person"));
		json_array_append_new(
		    items, json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s,s:o,s:b,s:s?}", "code", cat[i].code,
				     "name", cat[i].name, "formula", cat[i].formula, "numerator",
				     cat[i].numerator, "denominator", cat[i].denominator, "unit",
				     cat[i].unit == XZ_FIG_PERCENT ? "%"
				     : cat[i].unit == XZ_FIG_HOURS ? "小时"
								   : "件",
				     "subjects", subj, "lower_is_better",
				     xz__indicator_lower_better(cat[i].code), "person_formula",
				     p ? p->formula : NULL));
	}
	for (i = 0; i < XZ_ARRAY_LEN(person_catalogue); i++) {
		const struct xz__person_ind *p = &person_catalogue[i];
		if (xz_figures_find(p->code))
			continue;
		json_array_append_new(
		    items, json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s,s:[s],s:b}", "code", p->code,
				     "name", p->name, "formula", p->formula, "numerator",
				     p->numerator, "denominator", p->denominator, "unit",
				     p->percent ? "%" : "件", "subjects", "person",
				     "lower_is_better", xz__indicator_lower_better(p->code)));
	}
	return json_pack("{s:o,s:{s:s,s:s}}", "items", items, "rating", "name", "日常管理评价",
			 "formula", "期内执法办公室、领导小组日常评价得分（0–100）的平均值");
}

/* ---- scoring ----------------------------------------------------------- */

static double round2(double v)
{
	return (double)llround(v * 100.0) / 100.0;
}

double xz__part_points(const json_t *part, const json_t *val)
{
	double w = xz__jnum(part, "weight"), pts = w;
	const char *rule = xz__jstr(part, "rule");
	json_t *v = json_object_get(val, "value");
	if (!strcmp(xz__jstr(part, "kind"), "rating")) {
		if (json_is_number(v))
			pts = w * json_number_value(v) / 100.0;
	} else if (!strcmp(rule, "per_event")) {
		double per = xz__jnum(part, "per"), cap = xz__jnum(part, "cap");
		double n = xz__jnum(val, "numerator"), d = per * n;
		if (per < 0)
			pts = w + (d < cap ? cap : d);
		else
			pts = d > cap ? cap : d;
	} else if (json_is_number(v)) {
		double good = xz__jnum(part, "good"), bad = xz__jnum(part, "bad");
		double f = (json_number_value(v) - bad) / (good - bad);
		pts = w * (f < 0 ? 0 : f > 1 ? 1 : f);
	}
	if (pts < 0)
		pts = 0;
	if (pts > w)
		pts = w;
	return round2(pts);
}

/* subjects: the units (id, name, unit_id) or the active people of the
 * township's units (id, name, unit_id), by id. */
static int subjects(struct xz_ctx *c, int64_t town, const char *kind, json_t **rows)
{
	int rc = !strcmp(kind, "unit")
		     ? xz_db_query(c->db,
				   "SELECT id, name, id AS unit_id, department_id FROM units WHERE "
				   "township_id = $1 ORDER BY id",
				   XZ_ARGS(XZ_INT(town)), rows)
		     : xz_db_query(c->db,
				   "SELECT p.id, p.name, p.unit_id, n.department_id FROM people p "
				   "JOIN units n ON n.id = p.unit_id WHERE n.township_id = $1 AND "
				   "p.active = 1 ORDER BY p.id",
				   XZ_ARGS(XZ_INT(town)), rows);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

/* person_values: {code: {person id: {num, den}}} for the person-level
 * indicators the parts name. */
static int person_values(struct xz_ctx *c, const json_t *parts, int64_t town, int64_t from,
			 int64_t to, json_t *map)
{
	json_t *part, *rows = NULL, *row;
	size_t i, k;
	int rc;
	json_array_foreach(parts, i, part)
	{
		const struct xz__person_ind *p = xz__person_find(xz__jstr(part, "indicator"));
		json_t *m;
		if (!p || json_object_get(map, p->code))
			continue;
		rc = p->uses_now
			 ? xz_db_query(
			       c->db, p->query,
			       XZ_ARGS(XZ_INT(town), XZ_INT(from), XZ_INT(to), XZ_INT(c->now)),
			       &rows)
			 : xz_db_query(c->db, p->query,
				       XZ_ARGS(XZ_INT(town), XZ_INT(from), XZ_INT(to)), &rows);
		if (rc < 0)
			return xz_ctx_fail_db(c, rc);
		m = json_object();
		json_array_foreach(rows, k, row) json_object_set_new(
		    m, xz_arena_printf(c->arena, "%lld", (long long)xz__jint(row, "g")),
		    json_pack("{s:I,s:I}", "num", (json_int_t)xz__jint(row, "num"), "den",
			      (json_int_t)xz__jint(row, "den")));
		json_object_set_new(map, p->code, m);
		json_decref(rows);
		rows = NULL;
	}
	return 0;
}

static json_t *present_person(const struct xz__person_ind *p, const json_t *sums)
{
	int64_t num = xz__jint(sums, "num"), den = xz__jint(sums, "den");
	if (p->percent)
		return json_pack("{s:o,s:I,s:I}", "value",
				 den ? json_real(round2(100.0 * (double)num / (double)den))
				     : json_null(),
				 "numerator", (json_int_t)num, "denominator", (json_int_t)den);
	return json_pack("{s:I,s:I,s:n}", "value", (json_int_t)num, "numerator", (json_int_t)num,
			 "denominator");
}

/* unit_values: the figures of one unit for the parts' unit-level codes. */
static int unit_values(struct xz_ctx *c, const json_t *parts, const struct xz_place *place,
		       int64_t unit, int64_t from, int64_t to, json_t **vals)
{
	struct xz_fig_query q = {.from = from, .to = to, .group = "all"};
	json_t *items = NULL, *part;
	size_t i;
	int rc;
	*vals = NULL;
	q.place.county_id = place->county_id;
	q.place.township_id = place->township_id;
	q.place.unit_id = unit;
	json_array_foreach(parts, i, part)
	{
		const char *code = xz__jstr(part, "indicator");
		int k;
		bool dup = false;
		if (!xz_figures_find(code))
			continue;
		for (k = 0; k < q.ncodes; k++)
			dup |= !strcmp(q.codes[k], code);
		if (!dup && q.ncodes < (int)XZ_ARRAY_LEN(q.codes))
			q.codes[q.ncodes++] = code;
	}
	if (!q.ncodes) {
		*vals = json_object();
		return 0;
	}
	if ((rc = xz_figures_values(c, &q, &items)) < 0)
		return rc;
	*vals = json_incref(json_object_get(json_array_get(items, 0), "values"));
	if (!*vals)
		*vals = json_object();
	json_decref(items);
	return 0;
}

int xz__compute(struct xz_ctx *c, const json_t *scheme, const struct xz_place *place,
		const char *subject, json_t **items)
{
	json_t *parts = json_object_get(scheme, "parts"), *subs = NULL, *pmap = json_object(),
	       *ratings = NULL, *rmap = json_object(), *out = json_array(), *s, *row;
	bool unit = !strcmp(subject, "unit");
	int64_t from, to;
	size_t i, k;
	int rc;
	*items = NULL;
	xz__scheme_period(scheme, &from, &to);
	if ((rc = subjects(c, place->township_id, subject, &subs)) < 0 ||
	    (!unit && (rc = person_values(c, parts, place->township_id, from, to, pmap)) < 0))
		goto out;
	if ((rc = xz_db_query(
		 c->db,
		 "SELECT subject_id, SUM(score) AS total, COUNT(*) AS n FROM "
		 "assessment_ratings WHERE scheme_id = $1 AND subject_kind = $2 GROUP BY "
		 "subject_id",
		 XZ_ARGS(XZ_INT(xz__jint(scheme, "id")), XZ_TEXT(subject)), &ratings)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	json_array_foreach(ratings, i, row) json_object_set(
	    rmap, xz_arena_printf(c->arena, "%lld", (long long)xz__jint(row, "subject_id")), row);
	json_array_foreach(subs, i, s)
	{
		int64_t id = xz__jint(s, "id");
		const char *key = xz_arena_printf(c->arena, "%lld", (long long)id);
		json_t *vals = NULL, *plist = json_array(), *part;
		double sum = 0, weights = 0;
		if (unit && (rc = unit_values(c, parts, place, id, from, to, &vals)) < 0) {
			json_decref(plist);
			goto out;
		}
		json_array_foreach(parts, k, part)
		{
			const char *code = xz__jstr(part, "indicator");
			json_t *val = NULL, *e;
			if (!strcmp(xz__jstr(part, "kind"), "rating")) {
				json_t *r = json_object_get(rmap, key);
				int64_t n = xz__jint(r, "n");
				val = json_pack(
				    "{s:o,s:I,s:n}", "value",
				    n ? json_real(round2(xz__jnum(r, "total") / (double)n))
				      : json_null(),
				    "numerator", (json_int_t)n, "denominator");
				code = "rating";
			} else if (unit && xz_figures_find(code)) {
				val = json_incref(json_object_get(vals, code));
			} else if (!unit && xz__person_find(code)) {
				json_t *sums = json_object_get(json_object_get(pmap, code), key);
				json_t *zero =
				    sums ? NULL : json_pack("{s:i,s:i}", "num", 0, "den", 0);
				val = present_person(xz__person_find(code), sums ? sums : zero);
				json_decref(zero);
			}
			if (!val) {
				json_array_append_new(
				    plist,
				    json_pack("{s:s,s:s,s:O,s:n,s:n,s:n,s:n,s:b}", "indicator",
					      code, "name", xz__indicator_name(code), "weight",
					      json_object_get(part, "weight"), "value", "numerator",
					      "denominator", "points", "applies", 0));
				continue;
			}
			e = json_pack(
			    "{s:s,s:s,s:O,s:O,s:O,s:O,s:f,s:b}", "indicator", code, "name",
			    strcmp(code, "rating") ? xz__indicator_name(code) : "日常管理评价",
			    "weight", json_object_get(part, "weight"), "value",
			    json_object_get(val, "value") ?: json_null(), "numerator",
			    json_object_get(val, "numerator") ?: json_null(), "denominator",
			    json_object_get(val, "denominator") ?: json_null(), "points",
			    xz__part_points(part, val), "applies", 1);
			sum += xz__part_points(part, val);
			weights += xz__jnum(part, "weight");
			json_decref(val);
			json_array_append_new(plist, e);
		}
		json_decref(vals);
		json_array_append_new(
		    out,
		    json_pack("{s:{s:I,s:O,s:I,s:I},s:f,s:o}", "subject", "id", (json_int_t)id,
			      "name", json_object_get(s, "name"), "unit_id",
			      (json_int_t)xz__jint(s, "unit_id"), "department_id",
			      (json_int_t)xz__jint(s, "department_id"), "total",
			      weights > 0 ? round2(sum * 100.0 / weights) : 0.0, "parts", plist));
	}
	*items = out;
	out = NULL;
out:
	json_decref(subs);
	json_decref(pmap);
	json_decref(ratings);
	json_decref(rmap);
	json_decref(out);
	return rc;
}

int xz_assessment_scores(struct xz_ctx *c, int64_t scheme_id, const char *subject, json_t **out)
{
	struct xz_place place;
	json_t *scheme = NULL, *items = NULL, *keep, *it;
	int64_t unit_only = 0;
	size_t i;
	int rc;
	*out = NULL;
	if (strcmp(subject, "unit") && strcmp(subject, "person"))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_query", "subject须为unit或person",
				   "subject must be unit or person", "subject");
	if ((rc = xz__scheme_load(c, scheme_id, &place, &scheme)) < 0 ||
	    (rc = xz__read_scope(c, &place, &unit_only)) < 0 ||
	    (rc = xz__compute(c, scheme, &place, subject, &items)) < 0)
		goto out;
	keep = json_array();
	json_array_foreach(items, i, it)
	{
		if (!unit_only || xz__jint(json_object_get(it, "subject"), "unit_id") == unit_only)
			json_array_append(keep, it);
	}
	json_decref(items);
	json_object_del(scheme, "allowed_actions");
	*out = json_pack("{s:{s:I,s:O,s:O,s:O,s:O},s:s,s:o}", "scheme", "id", (json_int_t)scheme_id,
			 "name", json_object_get(scheme, "name"), "state",
			 json_object_get(scheme, "state"), "period_start",
			 json_object_get(scheme, "period_start"), "period_end",
			 json_object_get(scheme, "period_end"), "subject", subject, "items", keep);
out:
	json_decref(scheme);
	return rc;
}

/* ---- drill-down ----------------------------------------------------------- */

static int unit_records(struct xz_ctx *c, const struct xz_place *place, int64_t unit,
			const char *code, int64_t from, int64_t to, json_t **rows,
			const char **kind)
{
	const struct xz_indicator *x = xz_figures_find(code);
	int rc;
	if (x && x->source == XZ_FIG_FACTS) {
		struct xz_fig_query q = {.from = from, .to = to, .group = "all", .ncodes = 1};
		q.codes[0] = code;
		q.place.county_id = place->county_id;
		q.place.township_id = place->township_id;
		q.place.unit_id = unit;
		*kind = "problem";
		return xz_figures_records(c, &q, false, 0, 500, rows);
	}
	if (x && !strcmp(code, "notice_same_day_rate")) {
		*kind = "notice";
		rc = xz_db_query(
		    c->db,
		    "SELECT n.id, n.action_id, n.unit_id, n.category, n.description, "
		    "n.issued_at, n.due_at, n.answered_at FROM joint_notices n WHERE "
		    "n.township_id = $1 AND n.issued_at >= $2 AND n.issued_at < $3 AND "
		    "n.unit_id = $4 ORDER BY n.id DESC LIMIT 500",
		    XZ_ARGS(XZ_INT(place->township_id), XZ_INT(from), XZ_INT(to), XZ_INT(unit)),
		    rows);
		return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
	}
	if (x && !strncmp(code, "joint_", 6)) {
		const char *mech = !strcmp(code, "joint_routine")     ? "routine"
				   : !strcmp(code, "joint_special")   ? "special"
				   : !strcmp(code, "joint_emergency") ? "emergency"
								      : NULL;
		*kind = "joint_action";
		rc = xz_db_query(
		    c->db,
		    "SELECT a.id, a.title, a.mechanism, a.state, a.planned_start, "
		    "a.created_at FROM joint_actions a WHERE a.township_id = $1 AND "
		    "a.created_at >= $2 AND a.created_at < $3 AND (a.lead_unit_id = $4 OR "
		    "a.applicant_unit_id = $4) AND (CAST($5 AS TEXT) IS NULL OR a.mechanism "
		    "= $5) ORDER BY a.id DESC LIMIT 500",
		    XZ_ARGS(XZ_INT(place->township_id), XZ_INT(from), XZ_INT(to), XZ_INT(unit),
			    XZ_TEXT(mech)),
		    rows);
		return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
	}
	return xz_ctx_fail(c, XZ_ERULE, "no_records", "该指标没有可下钻的记录",
			   "This indicator has no records to drill into", "indicator");
}

int xz_assessment_records(struct xz_ctx *c, int64_t scheme_id, const char *subject,
			  int64_t subject_id, const char *indicator, json_t **out)
{
	struct xz_place place;
	json_t *scheme = NULL, *rows = NULL, *subj = NULL;
	const char *kind = "problem";
	int64_t unit_only = 0, from, to;
	bool unit = subject && !strcmp(subject, "unit");
	int rc;
	*out = NULL;
	if (!subject || (strcmp(subject, "unit") && strcmp(subject, "person")))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_query", "subject须为unit或person",
				   "subject must be unit or person", "subject");
	if ((rc = xz__scheme_load(c, scheme_id, &place, &scheme)) < 0 ||
	    (rc = xz__read_scope(c, &place, &unit_only)) < 0)
		goto out;
	rc =
	    unit
		? xz_db_one(
		      c->db,
		      "SELECT id, id AS unit_id FROM units WHERE id = $1 AND township_id = $2",
		      XZ_ARGS(XZ_INT(subject_id), XZ_INT(place.township_id)), &subj)
		: xz_db_one(c->db,
			    "SELECT p.id, p.unit_id FROM people p JOIN units n ON n.id = p.unit_id "
			    "WHERE p.id = $1 AND n.township_id = $2",
			    XZ_ARGS(XZ_INT(subject_id), XZ_INT(place.township_id)), &subj);
	if (rc < 0 || (unit_only && xz__jint(subj, "unit_id") != unit_only)) {
		rc = xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "考核对象不存在",
				 "No such subject under this scheme", "id");
		goto out;
	}
	xz__scheme_period(scheme, &from, &to);
	if (indicator && !strcmp(indicator, "rating")) {
		kind = "rating";
		rc = xz_db_query(c->db,
				 "SELECT id, score, remarks, event_kind, event_id, rater_name, "
				 "created_at FROM assessment_ratings WHERE scheme_id = $1 AND "
				 "subject_kind = $2 AND subject_id = $3 ORDER BY id DESC",
				 XZ_ARGS(XZ_INT(scheme_id), XZ_TEXT(subject), XZ_INT(subject_id)),
				 &rows);
		if (rc < 0)
			rc = xz_ctx_fail_db(c, rc);
	} else if (unit && xz_figures_find(indicator)) {
		rc = unit_records(c, &place, subject_id, indicator, from, to, &rows, &kind);
	} else if (!unit && xz__person_find(indicator)) {
		const struct xz__person_ind *p = xz__person_find(indicator);
		kind = p->records_kind;
		rc = p->uses_now
			 ? xz_db_query(c->db, p->records,
				       XZ_ARGS(XZ_INT(place.township_id), XZ_INT(from), XZ_INT(to),
					       XZ_INT(subject_id), XZ_INT(c->now)),
				       &rows)
			 : xz_db_query(c->db, p->records,
				       XZ_ARGS(XZ_INT(place.township_id), XZ_INT(from), XZ_INT(to),
					       XZ_INT(subject_id)),
				       &rows);
		if (rc < 0)
			rc = xz_ctx_fail_db(c, rc);
	} else
		rc = xz_ctx_fail(c, XZ_ERULE, "unknown_indicator",
				 "该指标不适用于此类考核对象或不存在",
				 "Unknown indicator for this kind of subject", "indicator");
	if (rc < 0)
		goto out;
	*out = json_pack("{s:s,s:s,s:I,s:s,s:o}", "kind", kind, "subject", subject, "id",
			 (json_int_t)subject_id, "indicator", indicator, "items", rows);
	rows = NULL;
out:
	json_decref(scheme);
	json_decref(rows);
	json_decref(subj);
	return rc;
}
