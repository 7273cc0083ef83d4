/* test_figures.c — the indicator catalogue as data: every indicator is
 * named once, reads as a formula, has a unit, and a closed-loop indicator
 * has the predicates its values and its drill-down are computed from; the
 * parser of a values request refuses unknown codes and groups and periods
 * over five years, naming the field. */
#include <jansson.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/xtime.h"
#include "domain/ctx.h"
#include "domain/figures.h"
#include "unit.h"

static void test_catalogue(void)
{
	size_t n, i, j;
	const struct xz_indicator *c = xz_figures_catalogue(&n);
	CHECK(n >= 20);
	for (i = 0; i < n; i++) {
		CHECK(c[i].code && c[i].name && c[i].formula && c[i].numerator);
		CHECK(c[i].unit == XZ_FIG_COUNT || c[i].unit == XZ_FIG_PERCENT ||
		      c[i].unit == XZ_FIG_HOURS);
		/* a rate or a mean has a denominator; a count has none */
		CHECK((c[i].unit == XZ_FIG_COUNT) == (c[i].denominator == NULL) ||
		      !strcmp(c[i].code, "repeated_places"));
		if (c[i].source == XZ_FIG_FACTS)
			CHECK(c[i].num != NULL && (c[i].unit == XZ_FIG_COUNT || c[i].den != NULL));
		else
			CHECK(c[i].joint != NULL && strstr(c[i].joint, "{G}") &&
			      strstr(c[i].joint, "{W}"));
		for (j = 0; j < i; j++)
			CHECK(strcmp(c[i].code, c[j].code));
		CHECK(xz_figures_find(c[i].code) == &c[i]);
	}
	CHECK(xz_figures_find("nonesuch") == NULL);
	CHECK(strstr(xz_figures_find("on_time_closing_rate")->formula, "按期结案数 / 应结案数"));
}

struct args {
	const char *codes, *from, *to, *group;
};

static const char *get(void *a, const char *name)
{
	struct args *x = a;
	if (!strcmp(name, "codes"))
		return x->codes;
	if (!strcmp(name, "from"))
		return x->from;
	if (!strcmp(name, "to"))
		return x->to;
	if (!strcmp(name, "group_by"))
		return x->group;
	return NULL;
}

static int parse(struct args a, struct xz_ctx *c, struct xz_fig_query *q)
{
	memset(q, 0, sizeof(*q));
	c->err_code = c->err_field = NULL;
	return xz_figures_parse(c, q, get, &a);
}

static void test_parse(void)
{
	struct xz_arena *arena = xz_arena_new();
	struct xz_ctx c = {.arena = arena, .now = 1790000000};
	struct xz_fig_query q;
	CHECK_EQ_INT(
	    parse((struct args){"reported,closed", "2026-11-01", "2026-11-30", "unit"}, &c, &q), 0);
	CHECK_EQ_INT(q.ncodes, 2);
	CHECK_EQ_STR(q.group, "unit");
	CHECK_EQ_INT(q.from, xz_day_start(xz_days_from_civil(2026, 11, 1)));
	CHECK_EQ_INT(q.to,
		     xz_day_start(xz_days_from_civil(2026, 12, 1))); /* a date names its day */
	CHECK_EQ_INT(parse((struct args){"reported,bogus", NULL, NULL, NULL}, &c, &q), XZ_ERULE);
	CHECK_EQ_STR(c.err_field, "codes");
	CHECK_EQ_INT(parse((struct args){"reported", NULL, NULL, "planet"}, &c, &q), XZ_ERULE);
	CHECK_EQ_STR(c.err_field, "group_by");
	CHECK_EQ_INT(parse((struct args){"reported", "2019-01-01", "2026-01-01", NULL}, &c, &q),
		     XZ_ERULE);
	CHECK_EQ_STR(c.err_code, "period_too_long");
	CHECK_EQ_INT(parse((struct args){"reported", "soon", NULL, NULL}, &c, &q), XZ_EMALFORMED);
	CHECK_EQ_STR(c.err_field, "from");
	CHECK_EQ_INT(parse((struct args){NULL, NULL, NULL, NULL}, &c, &q), XZ_ERULE);
	/* an empty period is a period */
	CHECK_EQ_INT(parse((struct args){"reported", "2026-03-01T00:00:00+08:00",
					 "2026-03-01T00:00:00+08:00", NULL},
			   &c, &q),
		     0);
	CHECK_EQ_INT(q.from, q.to);
	xz_arena_free(arena);
}

int main(void)
{
	RUN(test_catalogue);
	RUN(test_parse);
	return unit_done();
}
