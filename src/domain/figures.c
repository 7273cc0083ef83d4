/*
 * figures.c — the only place that counts (issue 10, issue 9 item 3).
 *
 * The catalogue below is the indicators as data: each names its formula as
 * people read it and, for the closed loop's figures, two row predicates
 * over the facts of migration 007 (what a problem contributes: 'c' the day
 * it was reported with its current state and flags, 'h' the day of its
 * latest feedback, 'x' the day it was closed). A value is the sum of the
 * rows satisfying the numerator's predicate over the count satisfying the
 * denominator's. The same predicates read the day sums (figures_daily,
 * kept by triggers) for periods of whole days, the view figures_facts for
 * any other period, and the problem ids behind a number (drill-down), so
 * the three cannot disagree.
 *
 * Overdue depends on the instant: a problem is overdue when it is open and
 * its step's deadline has passed. Deadlines on earlier days come from the
 * sums (due_day < today); today's are counted exactly from the view.
 *
 * Places: the caller passes the place its authorisation allows (county,
 * township, department line, unit) and may narrow to a cell or a person
 * (the reporter). Joint-enforcement indicators read the joint tables.
 */
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/limits.h"
#include "core/xtime.h"
#include "domain/ctx.h"
#include "domain/figures.h"
#include "domain/problem.h"
#include "store/db.h"

/* The states still in the loop, as the facts' due_day uses them. */
#define DISPATCHED                                                                                 \
	"(f.state IN ('dispatched','in_hand','handled','verified','closed') OR "                   \
	"(f.flags & 2) <> 0 OR (f.state = 'escalated' AND f.unit_id <> 0))"

static const struct xz_indicator catalogue[] = {
    {"reported", "上报数", "期内上报（立案）的问题数", "期内上报的问题", NULL, XZ_FIG_COUNT,
     XZ_FIG_FACTS, "f.kind = 'c'", NULL, NULL, false, NULL},
    {"accepted", "受理数", "期内上报且已受理的问题数（不含不予受理、合并、待受理）",
     "期内上报、已受理的问题", NULL, XZ_FIG_COUNT, XZ_FIG_FACTS,
     "f.kind = 'c' AND f.state NOT IN ('reported','rejected','merged')", NULL, NULL, false, NULL},
    {"rejected", "不予受理数", "期内上报且不予受理的问题数", "期内上报、不予受理的问题", NULL,
     XZ_FIG_COUNT, XZ_FIG_FACTS, "f.kind = 'c' AND f.state = 'rejected'", NULL, NULL, false, NULL},
    {"merged", "合并数", "期内上报且作为重复问题合并的问题数", "期内上报、被合并的问题", NULL,
     XZ_FIG_COUNT, XZ_FIG_FACTS, "f.kind = 'c' AND f.state = 'merged'", NULL, NULL, false, NULL},
    {"dispatched", "派遣数", "期内上报且已派遣至派驻机构的问题数", "期内上报、已派遣的问题", NULL,
     XZ_FIG_COUNT, XZ_FIG_FACTS, "f.kind = 'c' AND " DISPATCHED, NULL, NULL, false, NULL},
    {"accurate_dispatch_rate", "派遣准确率", "派遣准确率 = 未被退回的派遣数 / 派遣数 × 100%",
     "期内上报、已派遣且从未被退回的问题", "期内上报、已派遣的问题", XZ_FIG_PERCENT, XZ_FIG_FACTS,
     "f.kind = 'c' AND " DISPATCHED " AND (f.flags & 2) = 0", "f.kind = 'c' AND " DISPATCHED, NULL,
     false, NULL},
    {"handled", "处置数", "期内完成处置反馈的问题数（以最近一次反馈时间计）", "期内处置反馈的问题",
     NULL, XZ_FIG_COUNT, XZ_FIG_FACTS, "f.kind = 'h'", NULL, NULL, false, NULL},
    {"on_time_handling_rate", "按期处置率", "按期处置率 = 未超时的处置数 / 处置数 × 100%",
     "期内处置反馈、没有环节超时的问题", "期内处置反馈的问题", XZ_FIG_PERCENT, XZ_FIG_FACTS,
     "f.kind = 'h' AND (f.flags & 16) = 0", "f.kind = 'h'", NULL, false, NULL},
    {"closed", "结案数", "期内结案的问题数", "期内结案的问题", NULL, XZ_FIG_COUNT, XZ_FIG_FACTS,
     "f.kind = 'x'", NULL, NULL, false, NULL},
    {"closing_rate", "结案率", "结案率 = 已结案数 / (上报数 − 不予受理数 − 合并数) × 100%",
     "期内上报、已结案的问题", "期内上报、未被不予受理或合并的问题", XZ_FIG_PERCENT, XZ_FIG_FACTS,
     "f.kind = 'c' AND f.state = 'closed'", "f.kind = 'c' AND f.state NOT IN ('rejected','merged')",
     NULL, false, NULL},
    {"on_time_closing_rate", "按期结案率", "按期结案率 = 按期结案数 / 应结案数 × 100%",
     "期内结案、各环节均未超时的问题", "期内结案的问题（应结案数）", XZ_FIG_PERCENT, XZ_FIG_FACTS,
     "f.kind = 'x' AND (f.flags & 8) <> 0", "f.kind = 'x'", NULL, false, NULL},
    {"rework_rate", "返工率", "返工率 = 核查不通过（返工）过的处置数 / 处置数 × 100%",
     "期内处置反馈、曾被核查退回返工的问题", "期内处置反馈的问题", XZ_FIG_PERCENT, XZ_FIG_FACTS,
     "f.kind = 'h' AND (f.flags & 1) <> 0", "f.kind = 'h'", NULL, false, NULL},
    {"return_rate", "退回率", "退回率 = 被派驻机构退回过的问题数 / 派遣数 × 100%",
     "期内上报、曾被退回（非本单位职责）的问题", "期内上报、已派遣的问题", XZ_FIG_PERCENT,
     XZ_FIG_FACTS, "f.kind = 'c' AND (f.flags & 2) <> 0", "f.kind = 'c' AND " DISPATCHED, NULL,
     false, NULL},
    {"overdue", "超期数", "期内上报、尚未办结且当前环节已超过时限的问题数",
     "期内上报、当前环节超时未办结的问题", NULL, XZ_FIG_COUNT, XZ_FIG_FACTS,
     "f.kind = 'c' AND f.due_day > 0 AND f.due_day < $today", NULL, NULL, true, NULL},
    {"supervised", "督办数", "期内上报且被督办的问题数", "期内上报、被督办的问题", NULL,
     XZ_FIG_COUNT, XZ_FIG_FACTS, "f.kind = 'c' AND (f.flags & 4) <> 0", NULL, NULL, false, NULL},
    {"avg_handling_hours", "平均处置时长", "平均处置时长 = Σ(反馈时间 − 上报时间) / 处置数（小时）",
     "期内处置反馈问题的用时合计（小时）", "期内处置反馈的问题", XZ_FIG_HOURS, XZ_FIG_FACTS,
     "f.kind = 'h'", "f.kind = 'h'", "hours", false, NULL},
    {"repeated_places", "重复问题点位数", "同一网格、同一类别期内上报 3 次及以上的点位数",
     "重复问题点位（网格×类别）", "这些点位上报的问题", XZ_FIG_COUNT, XZ_FIG_FACTS,
     "f.kind = 'c' AND f.cell_id <> 0", NULL, NULL, false, NULL},
    {"joint_actions", "联合执法行动数", "期内发起的联合执法行动数（各机制合计）",
     "期内发起的联合执法行动", NULL, XZ_FIG_COUNT, XZ_FIG_JOINT, NULL, NULL, NULL, false,
     "SELECT {G} AS g, COUNT(*) AS num, 0 AS den FROM joint_actions a WHERE {W}"},
    {"joint_routine", "常规联合执法数", "期内发起的常规联合执法行动数", "期内发起的常规行动", NULL,
     XZ_FIG_COUNT, XZ_FIG_JOINT, NULL, NULL, NULL, false,
     "SELECT {G} AS g, COUNT(*) AS num, 0 AS den FROM joint_actions a WHERE a.mechanism = "
     "'routine' AND {W}"},
    {"joint_special", "专项联合执法数", "期内发起的专项联合执法行动数（含申请）",
     "期内发起的专项行动", NULL, XZ_FIG_COUNT, XZ_FIG_JOINT, NULL, NULL, NULL, false,
     "SELECT {G} AS g, COUNT(*) AS num, 0 AS den FROM joint_actions a WHERE a.mechanism = "
     "'special' AND {W}"},
    {"joint_emergency", "应急联合执法数", "期内发起的应急联合执法行动数", "期内发起的应急行动",
     NULL, XZ_FIG_COUNT, XZ_FIG_JOINT, NULL, NULL, NULL, false,
     "SELECT {G} AS g, COUNT(*) AS num, 0 AS den FROM joint_actions a WHERE a.mechanism = "
     "'emergency' AND {W}"},
    {"special_forward_rate", "专项申请按时转呈率",
     "专项申请按时转呈率 = 收到后 2 个工作日内转呈数 / 收到的专项申请数 × 100%",
     "期内收到、2 个工作日内转呈的专项申请", "期内收到的专项申请", XZ_FIG_PERCENT, XZ_FIG_JOINT,
     NULL, NULL, NULL, false,
     "SELECT {G} AS g, SUM(CASE WHEN a.forwarded_at IS NOT NULL AND a.forwarded_at <= "
     "a.forward_due_at THEN 1 ELSE 0 END) AS num, COUNT(*) AS den FROM joint_actions a WHERE "
     "a.mechanism = 'special' AND a.received_at IS NOT NULL AND {W}"},
    {"notice_same_day_rate", "互动告知当日反馈率",
     "互动告知当日反馈率 = 当日反馈的告知数 / 发出的告知数 × 100%", "期内发出、当日反馈的互动告知",
     "期内发出的互动告知", XZ_FIG_PERCENT, XZ_FIG_JOINT, NULL, NULL, NULL, false,
     "SELECT {G} AS g, SUM(CASE WHEN n.answered_at IS NOT NULL AND n.answered_at <= n.due_at "
     "THEN 1 ELSE 0 END) AS num, COUNT(*) AS den FROM joint_notices n JOIN joint_actions a ON "
     "a.id = n.action_id WHERE {W}"},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, false, NULL},
};

#define REPEAT_MIN 3 /* same cell and category this many times: a repeated place */

const struct xz_indicator *xz_figures_catalogue(size_t *n)
{
	*n = XZ_ARRAY_LEN(catalogue) - 1;
	return catalogue;
}

const struct xz_indicator *xz_figures_find(const char *code)
{
	const struct xz_indicator *i;
	for (i = catalogue; code && i->code; i++)
		if (!strcmp(i->code, code))
			return i;
	return NULL;
}

static const char *unit_name(enum xz_fig_unit u)
{
	return u == XZ_FIG_PERCENT ? "%" : u == XZ_FIG_HOURS ? "小时" : "件";
}

json_t *xz_figures_catalogue_json(void)
{
	json_t *items = json_array();
	const struct xz_indicator *i;
	for (i = catalogue; i->code; i++)
		json_array_append_new(
		    items, json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s}", "code", i->code, "name", i->name,
				     "formula", i->formula, "numerator", i->numerator,
				     "denominator", i->denominator, "unit", unit_name(i->unit)));
	return json_pack("{s:o}", "items", items);
}

/* ---- small helpers ---------------------------------------------------- */

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

/* A bounded SQL text with its parameters, numbered $1… as appended. */
struct sqlb {
	char text[16384];
	size_t len;
	struct xz_val args[XZ_MAX_SQL_PARAMS];
	int n;
	bool overflow;
};

static void sb_add(struct sqlb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_add(struct sqlb *b, const char *fmt, ...)
{
	va_list ap;
	int w;
	if (b->overflow)
		return;
	va_start(ap, fmt);
	w = vsnprintf(b->text + b->len, sizeof(b->text) - b->len, fmt, ap);
	va_end(ap);
	if (w < 0 || (size_t)w >= sizeof(b->text) - b->len)
		b->overflow = true;
	else
		b->len += (size_t)w;
}

/* sb_arg: bind v as the next parameter and answer its number. */
static int sb_arg(struct sqlb *b, struct xz_val v)
{
	if (b->n >= XZ_MAX_SQL_PARAMS) {
		b->overflow = true;
		return 1;
	}
	b->args[b->n++] = v;
	return b->n;
}

/* sb_pred: append predicate text, replacing the token $today by a
 * parameter holding today's day number (bound on first use: PostgreSQL
 * refuses a parameter no text refers to). */
static void sb_pred(struct sqlb *b, const char *pred, int *today_arg, int64_t today)
{
	const char *p = pred, *t;
	while ((t = strstr(p, "$today"))) {
		if (!*today_arg)
			*today_arg = sb_arg(b, XZ_INT(today));
		sb_add(b, "%.*s$%d", (int)(t - p), p, *today_arg);
		p = t + 6;
	}
	sb_add(b, "%s", p);
}

/* sb_each: b's statement, each row handed to fn as read */
static int sb_each(struct xz_ctx *c, struct sqlb *b, xz_row_fn fn, void *arg)
{
	int rc;
	if (b->overflow)
		return xz_ctx_fail(c, XZ_EINTERNAL, "internal", "统计查询过长",
				   "Figures query too long", NULL);
	if ((rc = xz_db_each(c->db, b->text, b->args, b->n, fn, arg)) < 0)
		return xz_ctx_fail_db(c, rc);
	return 0;
}

/* sb_query: b's rows as a tree (*rows, caller owns; NULL on failure) */
static int sb_query(struct xz_ctx *c, struct sqlb *b, json_t **rows)
{
	int rc;
	*rows = json_array();
	if ((rc = sb_each(c, b, xz_db_rows, *rows)) < 0) {
		json_decref(*rows);
		*rows = NULL;
	}
	return rc;
}

/* scope: the place conditions on facts alias a (plain comparisons, so the
 * indexes apply). */
static void sb_scope(struct sqlb *b, const char *a, const struct xz_fig_query *q)
{
	if (q->place.county_id && !q->place.township_id) /* a township lies in one county */
		sb_add(b, " AND %s.county_id = $%d", a, sb_arg(b, XZ_INT(q->place.county_id)));
	if (q->place.township_id)
		sb_add(b, " AND %s.township_id = $%d", a, sb_arg(b, XZ_INT(q->place.township_id)));
	if (q->place.department_id)
		sb_add(b, " AND %s.department_id = $%d", a,
		       sb_arg(b, XZ_INT(q->place.department_id)));
	if (q->place.unit_id)
		sb_add(b, " AND %s.unit_id = $%d", a, sb_arg(b, XZ_INT(q->place.unit_id)));
	if (q->cell_id)
		sb_add(b, " AND %s.cell_id = $%d", a, sb_arg(b, XZ_INT(q->cell_id)));
	if (q->person_id)
		sb_add(b, " AND %s.reporter_id = $%d", a, sb_arg(b, XZ_INT(q->person_id)));
}

/* The states still in the loop, as migration 007's due_day has them and
 * migration 028's problems_open_due holds them (domain/problem.h). */
#define OPEN_COND XZ_PROBLEM_TIMED_COND("p.")

/* sb_open_place: the conditions on problems p of the period (created in
 * [from, to) when has_period) and the place, each place comparison with a
 * unary plus so that the planner keeps to the partial index on deadlines
 * (problems_open_due) instead of walking a whole township. */
static void sb_open_place(struct sqlb *b, const struct xz_fig_query *q, bool has_period,
			  int64_t from, int64_t to)
{
	const struct xz_place *f = &q->place;
	if (has_period) {
		int a1 = sb_arg(b, XZ_INT(from)), a2 = sb_arg(b, XZ_INT(to));
		sb_add(b, " AND p.created_at >= $%d AND p.created_at < $%d", a1, a2);
	}
	if (f->county_id && !f->township_id) /* a township lies in one county */
		sb_add(b, " AND +p.county_id = $%d", sb_arg(b, XZ_INT(f->county_id)));
	if (f->township_id)
		sb_add(b, " AND +p.township_id = $%d", sb_arg(b, XZ_INT(f->township_id)));
	if (f->department_id)
		sb_add(b, " AND +p.department_id = $%d", sb_arg(b, XZ_INT(f->department_id)));
	if (f->unit_id)
		sb_add(b, " AND +p.unit_id = $%d", sb_arg(b, XZ_INT(f->unit_id)));
	if (q->cell_id)
		sb_add(b, " AND +p.cell_id = $%d", sb_arg(b, XZ_INT(q->cell_id)));
	if (q->person_id)
		sb_add(b, " AND +p.reported_by = $%d", sb_arg(b, XZ_INT(q->person_id)));
}

/* sb_late_today: " FROM problems p WHERE …" for the open problems of the
 * period and place whose deadline fell today before now. */
static void sb_late_today(struct sqlb *b, const struct xz_fig_query *q, int64_t now,
			  bool has_period, int64_t from, int64_t to)
{
	int t = sb_arg(b, XZ_INT(xz_day_start(xz_day_of(now)))), n = sb_arg(b, XZ_INT(now));
	sb_add(b,
	       " FROM problems p WHERE " OPEN_COND " AND p.due_at >= $%d AND "
	       "p.due_at < $%d",
	       t, n);
	sb_open_place(b, q, has_period, from, to);
}

/* ---- groups ------------------------------------------------------------ */

struct group {
	const char *name;
	const char *expr;  /* over facts alias f */
	const char *pexpr; /* the same over problems alias p */
	const char *joint; /* over joint_actions a, NULL: not for joint figures */
};

#define CREATED_DAY "(p.created_at + 28800) / 86400"

static const struct group groups[] = {
    {"all", "0", "0", "0"},
    {"township", "f.township_id", "p.township_id", "COALESCE(a.township_id, 0)"},
    {"unit", "f.unit_id", "COALESCE(p.unit_id, 0)", NULL},
    {"department", "f.department_id", "COALESCE(p.department_id, 0)",
     "COALESCE(a.department_id, 0)"},
    {"category", "f.category", "p.category", NULL},
    {"channel", "f.channel", "p.channel", NULL},
    {"cell", "f.cell_id", "COALESCE(p.cell_id, 0)", NULL},
    {"person", "f.reporter_id", "COALESCE(p.reported_by, 0)", NULL},
    {"state", "f.state", "p.state", NULL},
    {"day", "f.day", CREATED_DAY, NULL},
    {"week", "f.day", CREATED_DAY, NULL},
    {"month", "f.day", CREATED_DAY, NULL},
};

static const struct group *group_find(const char *name)
{
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(groups); i++)
		if (!strcmp(groups[i].name, name ? name : "all"))
			return &groups[i];
	return NULL;
}

static const struct {
	const char *code, *label;
} channel_labels[] = {
    {"complaint", "群众投诉"}, {"patrol", "网格巡查"},	 {"media", "媒体曝光"},
    {"video", "视频监控"},     {"transfer", "部门移交"}, {"assigned", "上级交办"},
};

/* day_key: day d as the key of its day, week (its Monday) or month. */
static const char *day_key(struct xz_arena *a, const char *group, int64_t v)
{
	char d[XZ_DATE_LEN];
	int y, m, dd;
	if (!strcmp(group, "week"))
		v -= xz_weekday(v);
	if (!strcmp(group, "month")) {
		xz_civil_from_days(v, &y, &m, &dd);
		return xz_arena_printf(a, "%04d-%02d", y, m);
	}
	return xz_arena_strdup(a, xz_date_format(v, d));
}

/* group_key: the key of group value g (a row's "g") as text: days fold
 * into their week's Monday or their month for those groupings. */
static const char *group_key(struct xz_arena *a, const char *group, json_t *g)
{
	if (json_is_string(g))
		return json_string_value(g);
	int64_t v = json_is_integer(g) ? (int64_t)json_integer_value(g) : 0;
	if (!strcmp(group, "day") || !strcmp(group, "week") || !strcmp(group, "month"))
		return day_key(a, group, v);
	return xz_arena_printf(a, "%lld", (long long)v);
}

/* item_for: the item of key in map (created with zero values on first
 * sight, remembered in order). */
static json_t *item_for(json_t *map, json_t *order, const char *key)
{
	json_t *it = json_object_get(map, key);
	if (!it) {
		it = json_pack("{s:{s:s,s:n},s:{}}", "group", "key", key, "name", "values");
		json_object_set_new(map, key, it);
		json_array_append_new(order, json_string(key));
	}
	return it;
}

static void add_num(json_t *it, const char *code, int64_t num, int64_t den)
{
	json_t *vals = json_object_get(it, "values"), *v = json_object_get(vals, code);
	if (!v) {
		v = json_pack("{s:I,s:I}", "num", (json_int_t)0, "den", (json_int_t)0);
		json_object_set_new(vals, code, v);
	}
	json_object_set_new(v, "num", json_integer(jint(v, "num") + num));
	json_object_set_new(v, "den", json_integer(jint(v, "den") + den));
}

/* seed: the groups that exist in the place, so each answers even with
 * zeros (an empty period answers zeros, not nothing). */
static int seed(struct xz_ctx *c, const struct xz_fig_query *q, const char *group, json_t *map,
		json_t *order)
{
	struct sqlb b = {0};
	json_t *rows = NULL, *row;
	size_t i;
	int rc = 0;
	if (!strcmp(group, "all")) {
		item_for(map, order, "0");
		return 0;
	}
	if (!strcmp(group, "channel")) {
		for (i = 0; i < XZ_ARRAY_LEN(channel_labels); i++)
			item_for(map, order, channel_labels[i].code);
		return 0;
	}
	if (!strcmp(group, "day") || !strcmp(group, "week") || !strcmp(group, "month")) {
		int64_t d, last = xz_day_of(q->to - 1);
		for (d = xz_day_of(q->from); q->to > q->from && d <= last; d++)
			item_for(map, order, day_key(c->arena, group, d));
		return 0;
	}
	if (!strcmp(group, "township")) {
		sb_add(&b, "SELECT id AS g FROM regions WHERE level = 'township'");
		if (q->place.county_id)
			sb_add(&b, " AND county_id = $%d", sb_arg(&b, XZ_INT(q->place.county_id)));
		if (q->place.township_id)
			sb_add(&b, " AND id = $%d", sb_arg(&b, XZ_INT(q->place.township_id)));
	} else if (!strcmp(group, "unit")) {
		sb_add(&b, "SELECT u.id AS g FROM units u WHERE 1 = 1");
		if (q->place.township_id)
			sb_add(&b, " AND u.township_id = $%d",
			       sb_arg(&b, XZ_INT(q->place.township_id)));
		if (q->place.department_id)
			sb_add(&b, " AND u.department_id = $%d",
			       sb_arg(&b, XZ_INT(q->place.department_id)));
		if (q->place.unit_id)
			sb_add(&b, " AND u.id = $%d", sb_arg(&b, XZ_INT(q->place.unit_id)));
	} else if (!strcmp(group, "department")) {
		sb_add(&b, "SELECT id AS g FROM departments WHERE 1 = 1");
		if (q->place.department_id)
			sb_add(&b, " AND id = $%d", sb_arg(&b, XZ_INT(q->place.department_id)));
	} else if (!strcmp(group, "category")) {
		sb_add(&b, "SELECT code AS g FROM categories WHERE parent_id IS NULL OR 1 = 1");
	} else
		return 0;
	sb_add(&b, " ORDER BY 1");
	if ((rc = sb_query(c, &b, &rows)) < 0)
		return rc;
	json_array_foreach(rows, i, row)
	    item_for(map, order, group_key(c->arena, group, json_object_get(row, "g")));
	json_decref(rows);
	return 0;
}

/* name_groups: give every item its id and name. */
static int name_groups(struct xz_ctx *c, const char *group, json_t *map)
{
	const char *sql = NULL, *key;
	json_t *rows = NULL, *row, *it, *names = json_object();
	size_t i;
	int rc = 0;
	if (!strcmp(group, "township"))
		sql = "SELECT CAST(id AS TEXT) AS k, name FROM regions WHERE level = 'township'";
	else if (!strcmp(group, "unit"))
		sql = "SELECT CAST(id AS TEXT) AS k, name FROM units";
	else if (!strcmp(group, "department"))
		sql = "SELECT CAST(id AS TEXT) AS k, name FROM departments";
	else if (!strcmp(group, "category"))
		sql = "SELECT code AS k, name FROM categories";
	else if (!strcmp(group, "cell"))
		sql = "SELECT CAST(id AS TEXT) AS k, name FROM grid_cells";
	else if (!strcmp(group, "person"))
		sql = "SELECT CAST(id AS TEXT) AS k, display_name AS name FROM users";
	if (sql && (rc = xz_db_query(c->db, sql, XZ_NOARGS, &rows)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	json_array_foreach(rows, i, row)
	    json_object_set(names, jstr(row, "k"), json_object_get(row, "name"));
	for (i = 0; i < XZ_ARRAY_LEN(channel_labels) && !strcmp(group, "channel"); i++)
		json_object_set_new(names, channel_labels[i].code,
				    json_string(channel_labels[i].label));
	json_object_foreach(map, key, it)
	{
		json_t *g = json_object_get(it, "group"), *id, *name = json_object_get(names, key);
		bool numeric = strcmp(group, "category") && strcmp(group, "channel") &&
			       strcmp(group, "state") && strcmp(group, "day") &&
			       strcmp(group, "week") && strcmp(group, "month");
		if (!strcmp(group, "all"))
			id = json_null();
		else if (numeric)
			id = json_integer(strtoll(key, NULL, 10));
		else
			id = json_string(key);
		json_object_set_new(g, "id", id);
		if (!strcmp(group, "all"))
			json_object_set_new(g, "name", json_string("合计"));
		else if (name)
			json_object_set(g, "name", name);
		else if (numeric && !strcmp(key, "0"))
			json_object_set_new(
			    g, "name",
			    json_string(!strcmp(group, "unit") || !strcmp(group, "department")
					    ? "（未派遣）"
					    : "（无）"));
		else if (!strcmp(group, "month")) {
			int y = 0, m = 0;
			if (sscanf(key, "%d-%d", &y, &m) == 2)
				json_object_set_new(
				    g, "name",
				    json_string(xz_arena_printf(c->arena, "%d年%d月", y, m)));
		} else if (!strcmp(group, "week"))
			json_object_set_new(
			    g, "name", json_string(xz_arena_printf(c->arena, "%s 起一周", key)));
		else
			json_object_set_new(g, "name", json_string(key));
		json_object_del(g, "key");
	}
out:
	json_decref(rows);
	json_decref(names);
	return rc;
}

/* ---- the period's source ------------------------------------------------ */

/* aligned: both ends of the period fall on a day's start (Asia/Shanghai),
 * so the day sums answer it exactly. */
static bool aligned(int64_t from, int64_t to)
{
	return xz_day_start(xz_day_of(from)) == from && xz_day_start(xz_day_of(to)) == to;
}

/* sb_source: " FROM <sums or view> f WHERE f.kind IN (kinds) AND <period>" */
static void sb_source(struct sqlb *b, const char *kinds, int64_t from, int64_t to, bool exact)
{
	if (!exact && aligned(from, to)) {
		int d1 = sb_arg(b, XZ_INT(xz_day_of(from)));
		int d2 = sb_arg(b, XZ_INT(xz_day_of(to)));
		sb_add(
		    b,
		    " FROM figures_daily f WHERE f.kind IN (%s) AND f.day >= $%d AND f.day < $%d",
		    kinds, d1, d2);
	} else {
		int a1 = sb_arg(b, XZ_INT(from)), a2 = sb_arg(b, XZ_INT(to));
		sb_add(b,
		       " FROM figures_facts f WHERE f.kind IN (%s) AND f.at >= $%d AND f.at < $%d",
		       kinds, a1, a2);
	}
}

/* ---- values ------------------------------------------------------------- */

static const char *arg_or_null(const char *s)
{
	return s && *s ? s : NULL;
}

int xz_figures_parse(struct xz_ctx *c, struct xz_fig_query *q,
		     const char *(*get)(void *arg, const char *name), void *arg)
{
	const char *codes = arg_or_null(get(arg, "codes")), *from_s = arg_or_null(get(arg, "from")),
		   *to_s = arg_or_null(get(arg, "to")), *group = arg_or_null(get(arg, "group_by"));
	const char *ids[] = {"cell_id", "person_id"};
	int64_t *idv[] = {&q->cell_id, &q->person_id};
	int64_t today = xz_day_of(c->now);
	size_t i;
	q->ncodes = 0;
	if (codes) {
		char *copy = xz_arena_strdup(c->arena, codes), *save = NULL, *tok;
		for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
			if (!xz_figures_find(tok))
				return xz_ctx_fail(
				    c, XZ_ERULE, "unknown_indicator",
				    xz_arena_printf(c->arena, "未知指标：%s", tok),
				    xz_arena_printf(c->arena, "Unknown indicator: %s", tok),
				    "codes");
			if (q->ncodes >= (int)XZ_ARRAY_LEN(q->codes))
				return xz_ctx_fail(c, XZ_ERULE, "too_many_indicators",
						   "一次至多查询32项指标",
						   "At most 32 indicators at once", "codes");
			q->codes[q->ncodes++] = tok;
		}
	}
	if (!q->ncodes)
		return xz_ctx_fail(c, XZ_ERULE, "missing_indicator", "须指定指标（codes）",
				   "Name the indicators (codes)", "codes");
	if (!group_find(group))
		return xz_ctx_fail(
		    c, XZ_ERULE, "unknown_group", xz_arena_printf(c->arena, "未知分组：%s", group),
		    xz_arena_printf(c->arena, "Unknown grouping: %s", group), "group_by");
	q->group = group ? group : "all";
	/* the default period: the last 30 days, today included */
	q->from = xz_day_start(today - 29);
	q->to = xz_day_start(today + 1);
	/* a date (tried first: the time parser takes it as its midnight) names
	 * its whole day: from its start, to its end */
	if (from_s) {
		int64_t d;
		if (xz_date_parse(from_s, &d) == 0)
			q->from = xz_day_start(d);
		else if (xz_time_parse(from_s, &q->from) < 0)
			return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_query",
					   "from须为ISO 8601时间", "from must be ISO 8601", "from");
	}
	if (to_s) {
		int64_t d;
		if (xz_date_parse(to_s, &d) == 0)
			q->to = xz_day_start(d + 1);
		else if (xz_time_parse(to_s, &q->to) < 0)
			return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_query", "to须为ISO 8601时间",
					   "to must be ISO 8601", "to");
	}
	if (q->to < q->from)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_period", "to不得早于from",
				   "to must not be before from", "to");
	if (q->to - q->from > (int64_t)(5 * 366) * 86400)
		return xz_ctx_fail(c, XZ_ERULE, "period_too_long", "统计期间不得超过5年",
				   "The period must not exceed 5 years", "to");
	for (i = 0; i < XZ_ARRAY_LEN(ids); i++) {
		const char *s = arg_or_null(get(arg, ids[i]));
		char *end = NULL;
		long long v;
		if (!s)
			continue;
		v = strtoll(s, &end, 10);
		if (*end || v <= 0)
			return xz_ctx_fail(
			    c, XZ_EMALFORMED, "invalid_query",
			    xz_arena_printf(c->arena, "%s须为正整数", ids[i]),
			    xz_arena_printf(c->arena, "%s must be a positive integer", ids[i]),
			    ids[i]);
		*idv[i] = v;
	}
	return 0;
}

/* facts_values: one grouped pass for every closed-loop indicator of q. */
static int facts_values(struct xz_ctx *c, const struct xz_fig_query *q, const struct group *g,
			json_t *map, json_t *order)
{
	struct sqlb *b = xz_arena_alloc(c->arena, sizeof(*b));
	const struct xz_indicator *ind[32];
	json_t *rows = NULL, *row;
	int n = 0, k, today = 0, rc = 0;
	bool any_today = false;
	size_t i;
	memset(b, 0, sizeof(*b));
	for (k = 0; k < q->ncodes; k++) {
		const struct xz_indicator *x = xz_figures_find(q->codes[k]);
		if (x->source == XZ_FIG_FACTS && strcmp(x->code, "repeated_places")) {
			ind[n++] = x;
			any_today |= x->today;
		}
	}
	if (!n)
		return 0;
	sb_add(b, "SELECT %s AS g", g->expr);
	for (k = 0; k < n; k++) {
		sb_add(b, ", SUM(CASE WHEN ");
		sb_pred(b, ind[k]->num, &today, xz_day_of(c->now));
		sb_add(b, " THEN f.%s ELSE 0 END) AS n%d", ind[k]->measure ? ind[k]->measure : "n",
		       k);
		if (ind[k]->den) {
			sb_add(b, ", SUM(CASE WHEN ");
			sb_pred(b, ind[k]->den, &today, xz_day_of(c->now));
			sb_add(b, " THEN f.n ELSE 0 END) AS d%d", k);
		}
	}
	sb_source(b, "'c','h','x'", q->from, q->to, false);
	sb_scope(b, "f", q);
	if (strcmp(g->name, "all"))
		sb_add(b, " GROUP BY %s", g->expr);
	if ((rc = sb_query(c, b, &rows)) < 0)
		goto out;
	json_array_foreach(rows, i, row)
	{
		json_t *it =
		    item_for(map, order, group_key(c->arena, g->name, json_object_get(row, "g")));
		for (k = 0; k < n; k++) {
			char nk[16], dk[16];
			snprintf(nk, sizeof(nk), "n%d", k);
			snprintf(dk, sizeof(dk), "d%d", k);
			add_num(it, ind[k]->code, jint(row, nk), ind[k]->den ? jint(row, dk) : 0);
		}
	}
	json_decref(rows);
	rows = NULL;
	if (any_today) {
		/* today's deadlines, exactly: open, due today, already passed */
		memset(b, 0, sizeof(*b));
		sb_add(b, "SELECT %s AS g, COUNT(*) AS n", g->pexpr);
		sb_late_today(b, q, c->now, true, q->from, q->to);
		if (strcmp(g->name, "all"))
			sb_add(b, " GROUP BY %s", g->pexpr);
		if ((rc = sb_query(c, b, &rows)) < 0)
			goto out;
		json_array_foreach(rows, i, row)
		{
			json_t *it = item_for(
			    map, order, group_key(c->arena, g->name, json_object_get(row, "g")));
			for (k = 0; k < n; k++)
				if (ind[k]->today)
					add_num(it, ind[k]->code, jint(row, "n"), 0);
		}
	}
out:
	json_decref(rows);
	return rc;
}

/* repeat_values: (cell, category) pairs reported REPEAT_MIN times or more. */
static int repeat_values(struct xz_ctx *c, const struct xz_fig_query *q, const struct group *g,
			 json_t *map, json_t *order)
{
	struct sqlb *b = xz_arena_alloc(c->arena, sizeof(*b));
	json_t *rows = NULL, *row;
	size_t i;
	int rc;
	memset(b, 0, sizeof(*b));
	sb_add(b, "SELECT %s AS g, f.cell_id, f.category, SUM(f.n) AS n", g->expr);
	sb_source(b, "'c'", q->from, q->to, false);
	sb_add(b, " AND f.cell_id <> 0");
	sb_scope(b, "f", q);
	sb_add(b, " GROUP BY %s%sf.cell_id, f.category HAVING SUM(f.n) >= %d",
	       strcmp(g->name, "all") ? g->expr : "", strcmp(g->name, "all") ? ", " : "",
	       REPEAT_MIN);
	if ((rc = sb_query(c, b, &rows)) < 0)
		return rc;
	json_array_foreach(rows, i, row)
	    add_num(item_for(map, order, group_key(c->arena, g->name, json_object_get(row, "g"))),
		    "repeated_places", 1, jint(row, "n"));
	json_decref(rows);
	return 0;
}

/* joint_values: a joint-enforcement indicator over the joint tables. Its
 * query names the grouping {G} and the conditions {W}. */
static int joint_values(struct xz_ctx *c, const struct xz_fig_query *q, const struct group *g,
			const struct xz_indicator *x, json_t *map, json_t *order)
{
	struct sqlb *b = xz_arena_alloc(c->arena, sizeof(*b));
	json_t *rows = NULL, *row;
	bool notice = !strcmp(x->code, "notice_same_day_rate");
	const char *at = notice					    ? "n.issued_at"
			 : !strcmp(x->code, "special_forward_rate") ? "a.received_at"
								    : "a.created_at";
	const char *where, *p, *t;
	size_t i;
	int rc;
	memset(b, 0, sizeof(*b));
	if (!g->joint || q->cell_id || q->person_id)
		return xz_ctx_fail(
		    c, XZ_ERULE, "unsupported_group",
		    xz_arena_printf(c->arena, "指标%s不支持按%s分组或按网格、人员筛选", x->code,
				    g->name),
		    xz_arena_printf(c->arena,
				    "Indicator %s cannot be grouped by %s or narrowed "
				    "to a cell or person",
				    x->code, g->name),
		    "group_by");
	where = xz_arena_printf(c->arena, "%s >= $%d AND %s < $%d", at, sb_arg(b, XZ_INT(q->from)),
				at, sb_arg(b, XZ_INT(q->to)));
	if (q->place.county_id)
		where = xz_arena_printf(c->arena, "%s AND a.county_id = $%d", where,
					sb_arg(b, XZ_INT(q->place.county_id)));
	if (q->place.township_id)
		where = xz_arena_printf(c->arena, "%s AND a.township_id = $%d", where,
					sb_arg(b, XZ_INT(q->place.township_id)));
	if (q->place.department_id)
		where = xz_arena_printf(c->arena, "%s AND a.department_id = $%d", where,
					sb_arg(b, XZ_INT(q->place.department_id)));
	if (q->place.unit_id) {
		int u = sb_arg(b, XZ_INT(q->place.unit_id));
		where = notice
			    ? xz_arena_printf(c->arena, "%s AND n.unit_id = $%d", where, u)
			    : xz_arena_printf(c->arena,
					      "%s AND (a.lead_unit_id = $%d OR a.applicant_unit_id "
					      "= $%d)",
					      where, u, u);
	}
	for (p = x->joint; (t = strchr(p, '{')); p = t + 3) {
		sb_add(b, "%.*s%s", (int)(t - p), p, t[1] == 'G' ? g->joint : where);
	}
	sb_add(b, "%s", p);
	if (strcmp(g->name, "all"))
		sb_add(b, " GROUP BY %s", g->joint);
	if ((rc = sb_query(c, b, &rows)) < 0)
		return rc;
	json_array_foreach(rows, i, row)
	    add_num(item_for(map, order, group_key(c->arena, g->name, json_object_get(row, "g"))),
		    x->code, jint(row, "num"), jint(row, "den"));
	json_decref(rows);
	return 0;
}

/* hundredths: v rounded to two decimals (the double nearest that decimal) */
static double hundredths(double v)
{
	return (double)llround(v * 100.0) / 100.0;
}

/* present_value: {"value","numerator","denominator"} from the sums. */
static json_t *present_value(const struct xz_indicator *x, json_t *sums)
{
	int64_t num = jint(sums, "num"), den = jint(sums, "den");
	switch (x->unit) {
	case XZ_FIG_PERCENT:
		return json_pack(
		    "{s:o,s:I,s:I}", "value",
		    den ? json_real((double)llround(10000.0 * (double)num / (double)den) / 100.0)
			: json_null(),
		    "numerator", (json_int_t)num, "denominator", (json_int_t)den);
	case XZ_FIG_HOURS:
		return json_pack(
		    "{s:o,s:o,s:I}", "value",
		    den ? json_real((double)llround(10.0 * (double)num / 3600.0 / (double)den) /
				    10.0)
			: json_null(),
		    "numerator", json_real(hundredths((double)num / 3600.0)), "denominator",
		    (json_int_t)den);
	default:
		if (!strcmp(x->code, "repeated_places"))
			return json_pack("{s:I,s:I,s:I}", "value", (json_int_t)num, "numerator",
					 (json_int_t)num, "denominator", (json_int_t)den);
		return json_pack("{s:I,s:I,s:n}", "value", (json_int_t)num, "numerator",
				 (json_int_t)num, "denominator");
	}
}

int xz_figures_values(struct xz_ctx *c, const struct xz_fig_query *q, json_t **items)
{
	const struct group *g = group_find(q->group);
	json_t *map = json_object(), *order = json_array(), *key, *out = NULL;
	bool repeat = false;
	size_t i;
	int k, rc;
	*items = NULL;
	if (!g) {
		rc = xz_ctx_fail(c, XZ_ERULE, "unknown_group", "未知分组", "Unknown grouping",
				 "group_by");
		goto out;
	}
	if ((rc = seed(c, q, g->name, map, order)) < 0 ||
	    (rc = facts_values(c, q, g, map, order)) < 0)
		goto out;
	for (k = 0; k < q->ncodes; k++) {
		const struct xz_indicator *x = xz_figures_find(q->codes[k]);
		if (x->source == XZ_FIG_JOINT && (rc = joint_values(c, q, g, x, map, order)) < 0)
			goto out;
		repeat |= !strcmp(x->code, "repeated_places");
	}
	if (repeat && (rc = repeat_values(c, q, g, map, order)) < 0)
		goto out;
	if ((rc = name_groups(c, g->name, map)) < 0)
		goto out;
	out = json_array();
	json_array_foreach(order, i, key)
	{
		json_t *it = json_object_get(map, json_string_value(key)), *vals,
		       *sums = json_object_get(it, "values");
		vals = json_object();
		for (k = 0; k < q->ncodes; k++) {
			const struct xz_indicator *x = xz_figures_find(q->codes[k]);
			json_t *s = json_object_get(sums, x->code);
			json_t *zero = s ? NULL : json_pack("{s:i,s:i}", "num", 0, "den", 0);
			json_object_set_new(vals, x->code, present_value(x, s ? s : zero));
			json_decref(zero);
		}
		json_array_append_new(out, json_pack("{s:O,s:o}", "group",
						     json_object_get(it, "group"), "values", vals));
	}
	*items = out;
	out = NULL;
out:
	json_decref(map);
	json_decref(order);
	json_decref(out);
	return rc;
}

/* ---- drill-down ----------------------------------------------------------- */

#define RECORD_COLUMNS                                                                             \
	"SELECT p.id, p.township_id, p.unit_id, p.cell_id, p.channel, p.category, "                \
	"p.description, p.address, p.state, p.on_time, p.created_at, p.handled_at, "               \
	"p.closed_at, p.due_at FROM problems p"

/* fast_records: the problems behind overdue and rework straight from the
 * problems through their partial indexes (the same definitions as the
 * facts': open with a passed deadline among those reported in the period;
 * handled in the period after a failed verification). */
static int fast_records(struct xz_ctx *c, const struct xz_fig_query *q,
			const struct xz_indicator *x, int64_t after, int64_t limit, xz_row_fn fn,
			void *arg)
{
	struct sqlb *b = xz_arena_alloc(c->arena, sizeof(*b));
	int a1, a2;
	memset(b, 0, sizeof(*b));
	a1 = sb_arg(b, XZ_INT(q->from));
	a2 = sb_arg(b, XZ_INT(q->to));
	if (!strcmp(x->code, "overdue"))
		sb_add(b,
		       RECORD_COLUMNS " WHERE " OPEN_COND " AND p.due_at < $%d AND "
				      "p.created_at >= $%d AND p.created_at < $%d",
		       sb_arg(b, XZ_INT(c->now)), a1, a2);
	else
		sb_add(b,
		       RECORD_COLUMNS " WHERE p.rework_count > 0 AND p.handled_at >= $%d AND "
				      "p.handled_at < $%d",
		       a1, a2);
	if (q->place.county_id)
		sb_add(b, " AND +p.county_id = $%d", sb_arg(b, XZ_INT(q->place.county_id)));
	if (q->place.township_id)
		sb_add(b, " AND +p.township_id = $%d", sb_arg(b, XZ_INT(q->place.township_id)));
	if (q->place.department_id)
		sb_add(b, " AND +p.department_id = $%d", sb_arg(b, XZ_INT(q->place.department_id)));
	if (q->place.unit_id)
		sb_add(b, " AND +p.unit_id = $%d", sb_arg(b, XZ_INT(q->place.unit_id)));
	if (q->cell_id)
		sb_add(b, " AND +p.cell_id = $%d", sb_arg(b, XZ_INT(q->cell_id)));
	if (q->person_id)
		sb_add(b, " AND +p.reported_by = $%d", sb_arg(b, XZ_INT(q->person_id)));
	if (after > 0)
		sb_add(b, " AND p.id < $%d", sb_arg(b, XZ_INT(after)));
	sb_add(b, " ORDER BY p.id DESC LIMIT %lld", (long long)limit);
	return sb_each(c, b, fn, arg);
}

int xz_figures_records_each(struct xz_ctx *c, const struct xz_fig_query *q, bool den,
			    int64_t after, int64_t limit, xz_row_fn fn, void *arg)
{
	const struct xz_indicator *x = q->ncodes ? xz_figures_find(q->codes[0]) : NULL;
	struct sqlb *b = xz_arena_alloc(c->arena, sizeof(*b));
	const char *pred;
	int today = 0;
	memset(b, 0, sizeof(*b));
	if (!x || x->source != XZ_FIG_FACTS)
		return xz_ctx_fail(c, XZ_ERULE, "no_records", "该指标没有可下钻的问题记录",
				   "This indicator has no problem records to drill into", "code");
	pred = den && x->den ? x->den : x->num;
	if (!den && (!strcmp(x->code, "overdue") || !strcmp(x->code, "rework_rate")))
		return fast_records(c, q, x, after, limit, fn, arg);
	sb_add(b, "SELECT p.id, p.township_id, p.unit_id, p.cell_id, p.channel, p.category, "
		  "p.description, p.address, p.state, p.on_time, p.created_at, p.handled_at, "
		  "p.closed_at, "
		  "p.due_at FROM problems p WHERE p.id IN (SELECT f.id");
	sb_source(b, "'c','h','x'", q->from, q->to, true);
	sb_scope(b, "f", q);
	sb_add(b, " AND ");
	if (x->today && pred == x->num)
		/* exactly: open with a due deadline that has passed now */
		sb_add(b, "f.kind = 'c' AND f.due_day > 0 AND f.due_at < $%d",
		       sb_arg(b, XZ_INT(c->now)));
	else
		sb_pred(b, pred, &today, xz_day_of(c->now));
	if (!strcmp(x->code, "repeated_places")) {
		/* only the pairs seen REPEAT_MIN times: the same source, grouped */
		sb_add(b,
		       " AND EXISTS (SELECT 1 FROM figures_facts r WHERE r.kind = 'c' AND "
		       "r.cell_id = f.cell_id AND r.category = f.category AND r.at >= $%d AND "
		       "r.at < $%d",
		       sb_arg(b, XZ_INT(q->from)), sb_arg(b, XZ_INT(q->to)));
		sb_scope(b, "r", q);
		sb_add(b, " GROUP BY r.cell_id, r.category HAVING COUNT(*) >= %d)", REPEAT_MIN);
	}
	sb_add(b, ")");
	if (after > 0)
		sb_add(b, " AND p.id < $%d", sb_arg(b, XZ_INT(after)));
	sb_add(b, " ORDER BY p.id DESC LIMIT %lld", (long long)limit);
	return sb_each(c, b, fn, arg);
}

int xz_figures_records(struct xz_ctx *c, const struct xz_fig_query *q, bool den, int64_t after,
		       int64_t limit, json_t **ids)
{
	int rc;
	*ids = json_array();
	if ((rc = xz_figures_records_each(c, q, den, after, limit, xz_db_rows, *ids)) < 0) {
		json_decref(*ids);
		*ids = NULL;
	}
	return rc;
}
/* ---- hot spots ------------------------------------------------------------ */

int xz_figures_hotspots(struct xz_ctx *c, const struct xz_place *place, int64_t from, int64_t to,
			int limit, json_t **out)
{
	struct xz_fig_query q = {.place = *place, .from = from, .to = to};
	struct sqlb *b = xz_arena_alloc(c->arena, sizeof(*b));
	json_t *rows = NULL, *row, *cells = json_object(), *order = json_array(), *names = NULL,
	       *cats = NULL, *res = NULL, *key;
	size_t i;
	int rc;
	memset(b, 0, sizeof(*b));
	*out = NULL;
	sb_add(b, "SELECT f.cell_id, f.category, SUM(f.n) AS n");
	sb_source(b, "'c'", from, to, false);
	sb_add(b, " AND f.cell_id <> 0");
	sb_scope(b, "f", &q);
	sb_add(b, " GROUP BY f.cell_id, f.category");
	if ((rc = sb_query(c, b, &rows)) < 0 ||
	    (rc = xz_db_query(c->db, "SELECT CAST(id AS TEXT) AS k, name FROM grid_cells",
			      XZ_NOARGS, &names)) < 0 ||
	    (rc = xz_db_query(c->db, "SELECT code AS k, name FROM categories", XZ_NOARGS, &cats)) <
		0) {
		if (rc != 0 && !c->err_code)
			rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	{
		json_t *nm = json_object(), *cm = json_object();
		json_array_foreach(names, i, row)
		    json_object_set(nm, jstr(row, "k"), json_object_get(row, "name"));
		json_array_foreach(cats, i, row)
		    json_object_set(cm, jstr(row, "k"), json_object_get(row, "name"));
		json_array_foreach(rows, i, row)
		{
			const char *k =
			    xz_arena_printf(c->arena, "%lld", (long long)jint(row, "cell_id"));
			json_t *cell = json_object_get(cells, k);
			if (!cell) {
				cell = json_pack("{s:I,s:O,s:i,s:[]}", "cell_id",
						 (json_int_t)jint(row, "cell_id"), "name",
						 json_object_get(nm, k) ?: json_null(), "n", 0,
						 "repeated");
				json_object_set_new(cells, k, cell);
				json_array_append_new(order, json_string(k));
			}
			json_object_set_new(cell, "n",
					    json_integer(jint(cell, "n") + jint(row, "n")));
			if (jint(row, "n") >= REPEAT_MIN)
				json_array_append_new(
				    json_object_get(cell, "repeated"),
				    json_pack(
					"{s:s,s:O,s:I}", "category", jstr(row, "category"), "name",
					json_object_get(cm, jstr(row, "category")) ?: json_null(),
					"n", (json_int_t)jint(row, "n")));
		}
		json_decref(nm);
		json_decref(cm);
	}
	res = json_array();
	json_array_foreach(order, i, key)
	    json_array_append(res, json_object_get(cells, json_string_value(key)));
	/* most first; ties by cell id for a stable order (insertion sort: the
	 * list is one township's cells) */
	for (i = 1; i < json_array_size(res); i++) {
		size_t j = i;
		while (j > 0) {
			json_t *a = json_array_get(res, j - 1), *bb = json_array_get(res, j);
			if (jint(a, "n") > jint(bb, "n") ||
			    (jint(a, "n") == jint(bb, "n") &&
			     jint(a, "cell_id") < jint(bb, "cell_id")))
				break;
			json_incref(a);
			json_array_set(res, j - 1, bb);
			json_array_set_new(res, j, a);
			j--;
		}
	}
	while (limit > 0 && json_array_size(res) > (size_t)limit)
		json_array_remove(res, json_array_size(res) - 1);
	*out = res;
	res = NULL;
out:
	json_decref(rows);
	json_decref(cells);
	json_decref(order);
	json_decref(names);
	json_decref(cats);
	json_decref(res);
	return rc;
}

/* ---- the dashboard ---------------------------------------------------------- */

static void sort_desc_n(json_t *arr)
{
	size_t i;
	for (i = 1; i < json_array_size(arr); i++) {
		size_t j = i;
		while (j > 0) {
			json_t *a = json_array_get(arr, j - 1), *b = json_array_get(arr, j);
			int64_t na = jint(a, "n"), nb = jint(b, "n");
			const char *ka = jstr(a, "code"), *kb = jstr(b, "code");
			if (na > nb ||
			    (na == nb && (*ka ? strcmp(ka, kb) <= 0
					      : jint(a, "unit_id") <= jint(b, "unit_id"))))
				break;
			json_incref(a);
			json_array_set(arr, j - 1, b);
			json_array_set_new(arr, j, a);
			j--;
		}
	}
}

/* dash_source: the problems created in the period (all time: the 'a'
 * sums; whole days: the 'c' sums; otherwise the view). */
static void dash_source(struct sqlb *b, bool has_period, int64_t from, int64_t to)
{
	if (!has_period)
		sb_add(b, " FROM figures_daily f WHERE f.kind = 'a'");
	else
		sb_source(b, "'c'", from, to, false);
}

/* dash_compute: the dashboard at this instant's day, without the part of
 * overdue that depends on the instant (today's deadlines). */
static int dash_compute(struct xz_ctx *c, const struct xz_place *place, bool has_period,
			int64_t from, int64_t to, json_t **out)
{
	struct xz_fig_query q = {.place = *place};
	struct sqlb *b = xz_arena_alloc(c->arena, sizeof(*b));
	int64_t now = c->now, today = xz_day_of(now), closed = 0, ontime = 0, overdue = 0;
	json_t *grouped = NULL, *cats = NULL, *units = NULL, *trend = NULL, *closed_by_day = NULL,
	       *res = NULL, *row, *by_cat = NULL, *by_unit = NULL;
	size_t i;
	int rc, t;
	*out = NULL;
	memset(b, 0, sizeof(*b));
	/* one grouped pass over the sums, folded into the breakdowns */
	t = sb_arg(b, XZ_INT(today));
	sb_add(b,
	       "SELECT f.state, f.channel, f.category, f.unit_id, SUM(f.n) AS n, SUM(CASE WHEN "
	       "f.due_day > 0 AND f.due_day < $%d THEN f.n ELSE 0 END) AS od, SUM(CASE WHEN "
	       "(f.flags & 8) <> 0 AND f.state = 'closed' THEN f.n ELSE 0 END) AS ot",
	       t);
	dash_source(b, has_period, from, to);
	sb_scope(b, "f", &q);
	sb_add(b, " GROUP BY f.state, f.channel, f.category, f.unit_id");
	if ((rc = sb_query(c, b, &grouped)) < 0)
		goto out;
	/* reported per day over the last thirty days (within the period) */
	memset(b, 0, sizeof(*b));
	sb_add(b, "SELECT f.day AS d, SUM(f.n) AS n");
	if (has_period && aligned(from, to)) {
		sb_source(b, "'c'", from, to, false);
		sb_add(b, " AND f.day >= $%d", sb_arg(b, XZ_INT(today - 29)));
	} else if (has_period) {
		sb_source(b, "'c'", from, to, true);
		sb_add(b, " AND f.at >= $%d", sb_arg(b, XZ_INT(xz_day_start(today - 29))));
	} else
		sb_add(b, " FROM figures_daily f WHERE f.kind = 'c' AND f.day >= $%d",
		       sb_arg(b, XZ_INT(today - 29)));
	sb_scope(b, "f", &q);
	sb_add(b, " GROUP BY f.day");
	if ((rc = sb_query(c, b, &trend)) < 0)
		goto out;
	/* closed per day over the last thirty days (of problems created in the
	 * period: read from the problems themselves when a period is set) */
	memset(b, 0, sizeof(*b));
	if (has_period) {
		int a1 = sb_arg(b, XZ_INT(from)), a2 = sb_arg(b, XZ_INT(to)),
		    a3 = sb_arg(b, XZ_INT(xz_day_start(today - 29)));
		sb_add(b,
		       "SELECT f.day AS d, COUNT(*) AS n FROM figures_facts f WHERE f.kind = 'x' "
		       "AND f.at >= $%d AND EXISTS (SELECT 1 FROM problems p WHERE p.id = f.id AND "
		       "p.created_at >= $%d AND p.created_at < $%d)",
		       a3, a1, a2);
	} else
		sb_add(b,
		       "SELECT f.day AS d, SUM(f.n) AS n FROM figures_daily f WHERE f.kind = 'x' "
		       "AND f.day >= $%d",
		       sb_arg(b, XZ_INT(today - 29)));
	sb_scope(b, "f", &q);
	sb_add(b, " GROUP BY f.day");
	if ((rc = sb_query(c, b, &closed_by_day)) < 0)
		goto out;
	if ((rc = xz_db_query(c->db, "SELECT code, name FROM categories", XZ_NOARGS, &cats)) < 0 ||
	    (rc = xz_db_query(c->db, "SELECT id, name FROM units", XZ_NOARGS, &units)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	{
		json_t *st = json_object(), *ch = json_object(), *ca = json_object(),
		       *un = json_object(), *names = json_object(), *unames = json_object(), *e,
		       *val;
		const char *key;
		char k[32];
		json_array_foreach(cats, i, row)
		    json_object_set(names, jstr(row, "code"), json_object_get(row, "name"));
		json_array_foreach(units, i, row)
		{
			snprintf(k, sizeof(k), "%lld", (long long)jint(row, "id"));
			json_object_set(unames, k, json_object_get(row, "name"));
		}
		json_array_foreach(grouped, i, row)
		{
			int64_t n = jint(row, "n"), od = jint(row, "od"), ot = jint(row, "ot");
			bool is_closed = !strcmp(jstr(row, "state"), "closed");
			const char *cat = jstr(row, "category");
			if (!n && !od && !ot)
				continue; /* a sum left at zero by a change */
			json_object_set_new(st, jstr(row, "state"),
					    json_integer(jint(st, jstr(row, "state")) + n));
			json_object_set_new(ch, jstr(row, "channel"),
					    json_integer(jint(ch, jstr(row, "channel")) + n));
			if (!(e = json_object_get(ca, cat))) {
				e = json_pack("{s:s,s:O,s:i}", "code", cat, "name",
					      json_object_get(names, cat) ?: json_null(), "n", 0);
				json_object_set_new(ca, cat, e);
			}
			json_object_set_new(e, "n", json_integer(jint(e, "n") + n));
			overdue += od;
			if (is_closed) {
				closed += n;
				ontime += ot;
			}
			if (jint(row, "unit_id")) {
				snprintf(k, sizeof(k), "%lld", (long long)jint(row, "unit_id"));
				if (!(e = json_object_get(un, k))) {
					e = json_pack("{s:I,s:O,s:i,s:i,s:i,s:i}", "unit_id",
						      (json_int_t)jint(row, "unit_id"), "name",
						      json_object_get(unames, k) ?: json_null(),
						      "n", 0, "overdue", 0, "on_time", 0, "closed",
						      0);
					json_object_set_new(un, k, e);
				}
				json_object_set_new(e, "n", json_integer(jint(e, "n") + n));
				json_object_set_new(e, "overdue",
						    json_integer(jint(e, "overdue") + od));
				json_object_set_new(e, "on_time",
						    json_integer(jint(e, "on_time") + ot));
				if (is_closed)
					json_object_set_new(e, "closed",
							    json_integer(jint(e, "closed") + n));
			}
		}
		/* drop the states and channels whose sums went back to zero */
		by_cat = json_array();
		json_object_foreach(ca, key, val)
		{
			if (jint(val, "n"))
				json_array_append(by_cat, val);
		}
		by_unit = json_array();
		json_object_foreach(un, key, val)
		{
			if (jint(val, "n"))
				json_array_append(by_unit, val);
		}
		sort_desc_n(by_cat);
		sort_desc_n(by_unit);
		while (json_array_size(by_cat) > 20)
			json_array_remove(by_cat, json_array_size(by_cat) - 1);
		res = json_object();
		{
			json_t *st2 = json_object(), *ch2 = json_object();
			json_object_foreach(st, key, val)
			{
				if (json_integer_value(val))
					json_object_set(st2, key, val);
			}
			json_object_foreach(ch, key, val)
			{
				if (json_integer_value(val))
					json_object_set(ch2, key, val);
			}
			json_object_set_new(res, "by_state", st2);
			json_object_set_new(res, "by_channel", ch2);
		}
		json_decref(st);
		json_decref(ch);
		json_decref(ca);
		json_decref(un);
		json_decref(names);
		json_decref(unames);
	}
	json_object_set(res, "by_category", by_cat);
	json_object_set(res, "by_unit", by_unit);
	json_object_set_new(res, "overdue", json_integer(overdue));
	json_object_set_new(res, "closed", json_integer(closed));
	json_object_set_new(res, "on_time_rate",
			    closed ? json_real((double)ontime / (double)closed) : json_null());
	{
		json_t *tr = json_array();
		for (int64_t d = today - 29; d <= today; d++) {
			char day[XZ_DATE_LEN];
			int64_t rep = 0, clo = 0;
			json_array_foreach(trend, i, row)
			{
				if (jint(row, "d") == d)
					rep = jint(row, "n");
			}
			json_array_foreach(closed_by_day, i, row)
			{
				if (jint(row, "d") == d)
					clo = jint(row, "n");
			}
			json_array_append_new(
			    tr, json_pack("{s:s,s:I,s:I}", "day", xz_date_format(d, day),
					  "reported", (json_int_t)rep, "closed", (json_int_t)clo));
		}
		json_object_set_new(res, "trend", tr);
	}
	*out = res;
	res = NULL;
out:
	json_decref(grouped);
	json_decref(cats);
	json_decref(units);
	json_decref(trend);
	json_decref(closed_by_day);
	json_decref(by_cat);
	json_decref(by_unit);
	json_decref(res);
	return rc;
}

/* The dashboard is asked often and changes only when problems do: answers
 * are kept per place and period with the version of the place's figures
 * (figures_version, bumped by the triggers in the writing transaction), so
 * a kept answer is used only while nothing it counts has changed. The part
 * of overdue that moves with the clock (today's deadlines) is added fresh. */
#define DASH_CACHE 32
static pthread_mutex_t dash_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char key[128];
	int64_t version;
	uint64_t used;
	json_t *body;
	json_t *late;	    /* today's passed deadlines per unit, counted at … */
	int64_t late_from;  /* … this instant, unchanged before … */
	int64_t late_until; /* … this one (the next deadline) */
} dash_cache[DASH_CACHE];
static uint64_t dash_tick;

int xz_figures_dashboard(struct xz_ctx *c, const struct xz_place *place, bool has_period,
			 int64_t from, int64_t to, json_t **out)
{
	struct xz_fig_query q = {.place = *place};
	struct sqlb *b = xz_arena_alloc(c->arena, sizeof(*b));
	json_t *late = NULL, *res = NULL, *row, *e;
	int64_t version = 0, overdue;
	char key[128];
	size_t i, k, slot = 0;
	int rc;
	*out = NULL;
	/* the version first: data read after it is at least as new */
	if (place->township_id)
		rc = xz_db_int(
		    c->db, "SELECT COALESCE(SUM(v), 0) FROM figures_version WHERE township_id = $1",
		    XZ_ARGS(XZ_INT(place->township_id)), &version);
	else
		rc = xz_db_int(
		    c->db, "SELECT COALESCE(SUM(v), 0) FROM figures_version WHERE county_id = $1",
		    XZ_ARGS(XZ_INT(place->county_id)), &version);
	if (rc < 0 && rc != XZ_ENOTFOUND)
		return xz_ctx_fail_db(c, rc);
	snprintf(key, sizeof(key), "%lld/%lld/%lld/%lld/%d/%lld/%lld/%lld",
		 (long long)place->county_id, (long long)place->township_id,
		 (long long)place->department_id, (long long)place->unit_id, has_period,
		 (long long)(has_period ? from : 0), (long long)(has_period ? to : 0),
		 (long long)xz_day_of(c->now));
	pthread_mutex_lock(&dash_lock);
	for (i = 0; i < DASH_CACHE; i++)
		if (dash_cache[i].body && !strcmp(dash_cache[i].key, key) &&
		    dash_cache[i].version == version) {
			res = json_deep_copy(dash_cache[i].body);
			if (dash_cache[i].late && dash_cache[i].late_from <= c->now &&
			    c->now < dash_cache[i].late_until)
				late = json_incref(dash_cache[i].late);
			dash_cache[i].used = ++dash_tick;
			break;
		}
	pthread_mutex_unlock(&dash_lock);
	if (!res && (rc = dash_compute(c, place, has_period, from, to, &res)) < 0)
		return rc;
	if (!late) {
		/* the deadlines of today that have passed, exactly, now; and the
		 * next deadline to come, until which this count holds */
		int64_t next = 0, tomorrow = xz_day_start(xz_day_of(c->now) + 1);
		memset(b, 0, sizeof(*b));
		sb_add(b, "SELECT COALESCE(p.unit_id, 0) AS unit_id, COUNT(*) AS n");
		sb_late_today(b, &q, c->now, has_period, from, to);
		sb_add(b, " GROUP BY COALESCE(p.unit_id, 0)");
		if ((rc = sb_query(c, b, &late)) < 0) {
			json_decref(res);
			return rc;
		}
		memset(b, 0, sizeof(*b));
		sb_add(
		    b,
		    "SELECT COALESCE(MIN(p.due_at), 0) FROM problems p WHERE " OPEN_COND
		    " AND p.due_at >= $%d AND p.due_at < $%d",
		    sb_arg(b, XZ_INT(c->now)), sb_arg(b, XZ_INT(tomorrow)));
		sb_open_place(b, &q, has_period, from, to);
		if (!b->overflow && (rc = xz_db_int(c->db, b->text, b->args, b->n, &next)) < 0) {
			json_decref(res);
			json_decref(late);
			return xz_ctx_fail_db(c, rc);
		}
		pthread_mutex_lock(&dash_lock);
		for (i = 0; i < DASH_CACHE; i++) {
			if (!strcmp(dash_cache[i].key, key)) {
				slot = i;
				break;
			}
			if (dash_cache[i].used < dash_cache[slot].used)
				slot = i;
		}
		if (strcmp(dash_cache[slot].key, key) || dash_cache[slot].version != version) {
			json_decref(dash_cache[slot].body);
			snprintf(dash_cache[slot].key, sizeof(dash_cache[slot].key), "%s", key);
			dash_cache[slot].version = version;
			dash_cache[slot].body = json_deep_copy(res);
		}
		json_decref(dash_cache[slot].late);
		dash_cache[slot].late = json_incref(late);
		dash_cache[slot].late_from = c->now;
		dash_cache[slot].late_until = next > 0 ? next : tomorrow;
		dash_cache[slot].used = ++dash_tick;
		pthread_mutex_unlock(&dash_lock);
	}
	overdue = jint(res, "overdue");
	json_array_foreach(late, i, row)
	{
		json_t *units = json_object_get(res, "by_unit");
		overdue += jint(row, "n");
		json_array_foreach(units, k, e)
		{
			if (jint(row, "unit_id") && jint(e, "unit_id") == jint(row, "unit_id"))
				json_object_set_new(
				    e, "overdue",
				    json_integer(jint(e, "overdue") + jint(row, "n")));
		}
	}
	json_object_set_new(res, "overdue", json_integer(overdue));
	json_decref(late);
	*out = res;
	return 0;
}
