/*
 * figures.h — the only place that counts (R7.1, R7.2; issue 10): the
 * indicator catalogue as data, values on demand for a period, a place and
 * a grouping (with numerator and denominator beside each value), the
 * problems behind a number (drill-down), and the dashboard's figures.
 *
 * What a problem contributes is defined once, in migration 007's view
 * figures_facts; its sums per day (figures_daily) are kept by triggers in
 * the writing transaction. A period of whole days (Asia/Shanghai) is read
 * from the sums; any other period from the view, with the same predicates,
 * so both answer the same. Joint-enforcement indicators read the joint
 * tables directly (they are small).
 */
#ifndef XZ_FIGURES_H
#define XZ_FIGURES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/authz.h"
#include "store/db.h"

struct xz_ctx;

enum xz_fig_unit { XZ_FIG_COUNT = 1, XZ_FIG_PERCENT, XZ_FIG_HOURS };
enum xz_fig_source { XZ_FIG_FACTS = 1, XZ_FIG_JOINT };

/* One indicator. For XZ_FIG_FACTS, num and den are row predicates over a
 * figures_facts (or figures_daily) row `f`; the value is SUM(measure) of
 * the rows satisfying num, divided by the count satisfying den when den
 * is set (× 100 for a percentage). For XZ_FIG_JOINT, joint is a query
 * over the joint tables returning (g, num, den) rows. */
struct xz_indicator {
	const char *code;
	const char *name;	 /* Chinese name */
	const char *formula;	 /* the formula as people read it */
	const char *numerator;	 /* what the numerator counts */
	const char *denominator; /* what the denominator counts (NULL: a count) */
	enum xz_fig_unit unit;
	enum xz_fig_source source;
	const char *num, *den; /* XZ_FIG_FACTS predicates */
	const char *measure;   /* "n" (default when NULL) or "hours" (seconds) */
	bool today;	       /* needs the exact part of today (overdue) */
	const char *joint;     /* XZ_FIG_JOINT: the query */
};

/* xz_figures_catalogue: the indicators (static, NULL-code terminated). */
const struct xz_indicator *xz_figures_catalogue(size_t *n);
/* xz_figures_find: the indicator named code, or NULL. */
const struct xz_indicator *xz_figures_find(const char *code);
/* xz_figures_catalogue_json: {"items":[{code,name,formula,numerator,
 * denominator,unit}]} (caller owns). */
json_t *xz_figures_catalogue_json(void);

/* A request for values. The place's fields left 0 are unconstrained. */
struct xz_fig_query {
	const char *codes[32]; /* indicator codes, ncodes of them */
	int ncodes;
	int64_t from, to;      /* the period [from, to) as instants */
	const char *group;     /* NULL or "all", township, unit, department, category,
				* channel, cell, person, state, day, week, month */
	struct xz_place place; /* county, township, department, unit */
	int64_t cell_id, person_id;
};

/* xz_figures_parse: fill q from query-string style arguments (codes, from,
 * to, group_by, cell_id, person_id; the place is the caller's). Fails 422
 * naming the field for an unknown code or group or a period longer than 5
 * years, 400 for malformed times. get(arg, name) answers an argument or
 * NULL. */
int xz_figures_parse(struct xz_ctx *c, struct xz_fig_query *q,
		     const char *(*get)(void *arg, const char *name), void *arg);

/* xz_figures_values: [{"group":{"id","name"},"values":{CODE:{"value",
 * "numerator","denominator"}}}] for q (caller owns *items). An empty period
 * answers zeros. */
int xz_figures_values(struct xz_ctx *c, const struct xz_fig_query *q, json_t **items);

/* xz_figures_records: the problems behind an indicator's numerator (or
 * denominator when den is true) for q (its first code), newest first, at
 * most limit after keyset cursor `after` (0: from the start), as rows (id,
 * place, channel, category, description, state, times). Caller owns *ids. */
int xz_figures_records(struct xz_ctx *c, const struct xz_fig_query *q, bool den, int64_t after,
		       int64_t limit, json_t **ids);
/* xz_figures_records_each: the same rows handed to fn as read */
int xz_figures_records_each(struct xz_ctx *c, const struct xz_fig_query *q, bool den,
			    int64_t after, int64_t limit, xz_row_fn fn, void *arg);

/* xz_figures_dashboard: the dashboard's figures (by_state, by_channel,
 * by_category, by_unit, overdue, closed, on_time_rate, trend) for the
 * place, over problems created in [from, to) when has_period, all time
 * otherwise. Caller owns *out. */
int xz_figures_dashboard(struct xz_ctx *c, const struct xz_place *place, bool has_period,
			 int64_t from, int64_t to, json_t **out);

/* xz_figures_hotspots: cells with the most problems reported in [from,to)
 * for the place: [{"cell_id","name","n","repeated":[{category,name,n}]}]
 * most first, at most limit; a (cell, category) pair reported 3 times or
 * more is "repeated". Caller owns *out. */
int xz_figures_hotspots(struct xz_ctx *c, const struct xz_place *place, int64_t from, int64_t to,
			int limit, json_t **out);

#endif
