/*
 * calendar.c — the working-day calendar and the one deadline function.
 *
 * A calendar is a sorted array of exceptions (day number, kind) to the plain
 * week, looked up by binary search. Everything else is arithmetic on civil
 * days at the fixed +08:00 of core/xtime.h: a deadline is either a clock
 * offset (hours) or the last second, 23:59:59, of some civil day. Counting
 * working days over a range is done in O(log n + exceptions in the range):
 * count Monday–Friday arithmetically, then correct for each exception.
 *
 * The module holds no state of its own and reads no database; the caller
 * loads the exceptions (xz_calendar_set, xz_calendar_load_json) and owns the
 * calendar. A calendar is not locked: build it, then share it read-only.
 */
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/xtime.h"
#include "domain/calendar.h"

struct exception {
	int64_t day;
	enum xz_day_kind kind;
};

struct xz_calendar {
	struct exception *v; /* sorted by day, no duplicates, no NORMAL entries */
	size_t n, cap;
};

/* The civil days this module accepts: the same years as xz_date_parse. */
static int64_t day_min(void)
{
	return xz_days_from_civil(1900, 1, 1);
}

static int64_t day_max(void)
{
	return xz_days_from_civil(9999, 12, 31);
}

/* day_of_clamped: xz_day_of(t) for any t, clamping it into the accepted
 * years first so that extreme instants cannot overflow. */
static int64_t day_of_clamped(int64_t t)
{
	int64_t lo = xz_day_start(day_min()), hi = xz_day_start(day_max() + 1) - 1;
	if (t < lo)
		t = lo;
	if (t > hi)
		t = hi;
	return xz_day_of(t);
}

/* end_of_day: 23:59:59 Shanghai of day. */
static int64_t end_of_day(int64_t day)
{
	return xz_day_start(day + 1) - 1;
}

/* lower_bound: index of the first exception with .day >= day (n if none). */
static size_t lower_bound(const struct xz_calendar *c, int64_t day)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->v[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct xz_calendar *xz_calendar_new(void)
{
	return xz_calloc(1, sizeof(struct xz_calendar));
}

void xz_calendar_free(struct xz_calendar *c)
{
	if (!c)
		return;
	xz_free(c->v);
	xz_free(c);
}

int xz_calendar_set(struct xz_calendar *c, int64_t day, enum xz_day_kind kind)
{
	size_t i;
	bool found;
	if (day < day_min() || day > day_max() ||
	    (kind != XZ_DAY_NORMAL && kind != XZ_DAY_HOLIDAY && kind != XZ_DAY_WORKDAY))
		return XZ_EMALFORMED;
	i = lower_bound(c, day);
	found = i < c->n && c->v[i].day == day;
	if (kind == XZ_DAY_NORMAL) {
		if (found) {
			memmove(c->v + i, c->v + i + 1, (c->n - i - 1) * sizeof(*c->v));
			c->n--;
		}
		return 0;
	}
	if (found) {
		c->v[i].kind = kind;
		return 0;
	}
	if (c->n >= XZ_CAL_MAX_EXCEPTIONS)
		return XZ_ETOOBIG;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 32;
		if (c->cap > XZ_CAL_MAX_EXCEPTIONS)
			c->cap = XZ_CAL_MAX_EXCEPTIONS;
		c->v = xz_realloc(c->v, c->cap * sizeof(*c->v));
	}
	memmove(c->v + i + 1, c->v + i, (c->n - i) * sizeof(*c->v));
	c->v[i].day = day;
	c->v[i].kind = kind;
	c->n++;
	return 0;
}

enum xz_day_kind xz_calendar_kind(const struct xz_calendar *c, int64_t day)
{
	size_t i;
	if (!c)
		return XZ_DAY_NORMAL;
	i = lower_bound(c, day);
	return i < c->n && c->v[i].day == day ? c->v[i].kind : XZ_DAY_NORMAL;
}

size_t xz_calendar_count(const struct xz_calendar *c)
{
	return c ? c->n : 0;
}

bool xz_calendar_is_working(const struct xz_calendar *c, int64_t day)
{
	switch (xz_calendar_kind(c, day)) {
	case XZ_DAY_HOLIDAY:
		return false;
	case XZ_DAY_WORKDAY:
		return true;
	default:
		return xz_weekday(day) < 5;
	}
}

/* weekdays_in: the number of Monday–Friday days in [lo, hi] (0 if hi < lo). */
static int64_t weekdays_in(int64_t lo, int64_t hi)
{
	int64_t len, count;
	int w, r;
	if (hi < lo)
		return 0;
	len = hi - lo + 1;
	count = len / 7 * 5;
	w = xz_weekday(lo);
	for (r = 0; r < (int)(len % 7); r++)
		if ((w + r) % 7 < 5)
			count++;
	return count;
}

/* working_in: the number of working days in [lo, hi] (0 if hi < lo). */
static int64_t working_in(const struct xz_calendar *c, int64_t lo, int64_t hi)
{
	int64_t count = weekdays_in(lo, hi);
	size_t i;
	if (!c || hi < lo)
		return count;
	for (i = lower_bound(c, lo); i < c->n && c->v[i].day <= hi; i++) {
		bool weekday = xz_weekday(c->v[i].day) < 5;
		if (c->v[i].kind == XZ_DAY_HOLIDAY && weekday)
			count--;
		else if (c->v[i].kind == XZ_DAY_WORKDAY && !weekday)
			count++;
	}
	return count;
}

static const struct {
	const char *name;
	enum xz_dl_unit unit;
} units[] = {
    {"hours", XZ_DL_HOURS},
    {"days", XZ_DL_DAYS},
    {"working_days", XZ_DL_WORKING_DAYS},
    {"end_of_day", XZ_DL_END_OF_DAY},
};

enum xz_dl_unit xz_dl_unit_parse(const char *s)
{
	size_t i;
	if (!s)
		return 0;
	for (i = 0; i < XZ_ARRAY_LEN(units); i++)
		if (!strcmp(s, units[i].name))
			return units[i].unit;
	return 0;
}

const char *xz_dl_unit_name(enum xz_dl_unit unit)
{
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(units); i++)
		if (units[i].unit == unit)
			return units[i].name;
	return NULL;
}

int xz_deadline(const struct xz_calendar *c, int64_t from, int64_t amount, enum xz_dl_unit unit,
		int64_t *due)
{
	int64_t day, left;
	if (amount < 0 || amount > XZ_DL_MAX_AMOUNT || from < xz_day_start(day_min()) ||
	    from > end_of_day(day_max()))
		return XZ_EMALFORMED;
	day = xz_day_of(from);
	switch (unit) {
	case XZ_DL_HOURS:
		*due = from + amount * 3600;
		return 0;
	case XZ_DL_DAYS:
	case XZ_DL_END_OF_DAY:
		*due = end_of_day(day + amount);
		return 0;
	case XZ_DL_WORKING_DAYS:
		/* Terminates: past the last exception every Monday works. */
		if (amount == 0) {
			while (!xz_calendar_is_working(c, day))
				day++;
		} else {
			for (left = amount; left > 0;)
				if (xz_calendar_is_working(c, ++day))
					left--;
		}
		*due = end_of_day(day);
		return 0;
	}
	return XZ_EMALFORMED;
}

bool xz_days_before(const struct xz_calendar *c, int64_t t, int64_t d, int64_t n, bool working)
{
	int64_t tday = day_of_clamped(t), dday = day_of_clamped(d);
	if (n < 0)
		n = 0;
	if (!working)
		return tday <= dday - n;
	return tday <= dday && working_in(c, tday + 1, dday) >= n;
}

int64_t xz_working_days_between(const struct xz_calendar *c, int64_t a, int64_t b)
{
	return working_in(c, day_of_clamped(a) + 1, day_of_clamped(b));
}

/* copy_into: make dst hold the same exceptions as src (dst's array is reused). */
static void copy_into(struct xz_calendar *dst, const struct xz_calendar *src)
{
	if (dst->cap < src->n) {
		dst->cap = src->n;
		dst->v = xz_realloc(dst->v, dst->cap * sizeof(*dst->v));
	}
	if (src->n)
		memcpy(dst->v, src->v, src->n * sizeof(*src->v));
	dst->n = src->n;
}

int xz_calendar_load_json(struct xz_calendar *c, const json_t *arr)
{
	struct xz_calendar *batch = NULL, *next = NULL, swap;
	size_t i;
	int rc = XZ_EMALFORMED;

	if (!json_is_array(arr))
		goto out;
	/* Parse every entry into `batch` first; c stays untouched until all pass. */
	batch = xz_calendar_new();
	for (i = 0; i < json_array_size(arr); i++) {
		const char *date = NULL, *kind_s = NULL, *name = NULL;
		enum xz_day_kind kind, had;
		int64_t day;
		json_error_t err;
		if (json_unpack_ex(json_array_get(arr, i), &err, JSON_STRICT, "{s:s, s:s, s?s}",
				   "date", &date, "kind", &kind_s, "name", &name) ||
		    xz_date_parse(date, &day) || (name && strlen(name) > XZ_MAX_NAME)) {
			rc = XZ_EMALFORMED;
			goto out;
		}
		if (!strcmp(kind_s, "holiday")) {
			kind = XZ_DAY_HOLIDAY;
		} else if (!strcmp(kind_s, "workday")) {
			kind = XZ_DAY_WORKDAY;
		} else {
			rc = XZ_EMALFORMED;
			goto out;
		}
		had = xz_calendar_kind(batch, day);
		if (had != XZ_DAY_NORMAL && had != kind) {
			rc = XZ_EMALFORMED;
			goto out;
		}
		if ((rc = xz_calendar_set(batch, day, kind)) < 0)
			goto out;
	}
	/* Apply to a copy of c, then swap the arrays in. */
	next = xz_calendar_new();
	copy_into(next, c);
	for (i = 0; i < batch->n; i++)
		if ((rc = xz_calendar_set(next, batch->v[i].day, batch->v[i].kind)) < 0)
			goto out;
	swap = *c;
	*c = *next;
	*next = swap;
	rc = 0;
out:
	xz_calendar_free(next);
	xz_calendar_free(batch);
	return rc;
}
