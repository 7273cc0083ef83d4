/*
 * calendar_db.c — keeps one parsed copy of the stored calendar per process
 * and reloads it when settings.calendar_rev changes (one indexed read per
 * use, so several processes sharing PostgreSQL agree). The arithmetic is
 * calendar.c's; this file only feeds it.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"
#include "domain/ctx.h"
#include "domain/scope.h"

static pthread_mutex_t cal_lock = PTHREAD_MUTEX_INITIALIZER;
/* one parsed calendar per county, all stale when the revision moves */
static struct {
	int64_t county;
	struct xz_calendar *cal;
} cals[XZ_MAX_CALENDARS];
static size_t ncals, next_evict;
static int64_t cal_rev = -1;

static int read_rev(struct xz_db *db, int64_t *rev)
{
	json_t *row = NULL;
	int rc = xz_db_one(db, "SELECT value FROM settings WHERE key = 'calendar_rev'", XZ_NOARGS,
			   &row);
	*rev = 0;
	if (rc == XZ_ENOTFOUND)
		rc = 0;
	else if (rc == 0)
		*rev = strtoll(json_string_value(json_object_get(row, "value")) ?: "0", NULL, 10);
	json_decref(row);
	return rc;
}

/* fresh: the current calendar of county (0: the first county, for callers
 * that do not yet name one) in *out; called with cal_lock held. */
static int fresh(struct xz_db *db, int64_t county, struct xz_calendar **out)
{
	json_t *rows = NULL, *row;
	struct xz_calendar *c = NULL;
	int64_t rev, day;
	size_t i;
	int rc;

	if ((rc = read_rev(db, &rev)) < 0)
		return rc;
	if (rev != cal_rev) {
		for (i = 0; i < ncals; i++)
			xz_calendar_free(cals[i].cal);
		ncals = next_evict = 0;
		cal_rev = rev;
	}
	for (i = 0; i < ncals; i++)
		if (cals[i].county == county) {
			*out = cals[i].cal;
			return 0;
		}
	if ((rc = xz_db_query(db,
			      "SELECT day, kind FROM calendar_days WHERE county_id = COALESCE(CAST($1 "
			      "AS BIGINT), (SELECT MIN(id) FROM regions WHERE level = 'county')) "
			      "ORDER BY day",
			      XZ_ARGS(XZ_ID(county)), &rows)) < 0)
		goto out;
	c = xz_calendar_new();
	json_array_foreach(rows, i, row) {
		const char *kind = json_string_value(json_object_get(row, "kind"));
		if (xz_date_parse(json_string_value(json_object_get(row, "day")), &day) < 0)
			continue;
		xz_calendar_set(c, day,
				kind && kind[0] == 'h' ? XZ_DAY_HOLIDAY : XZ_DAY_WORKDAY);
	}
	if (ncals < XZ_MAX_CALENDARS) {
		i = ncals++;
	} else {
		i = next_evict;
		next_evict = (next_evict + 1) % XZ_MAX_CALENDARS;
		xz_calendar_free(cals[i].cal);
	}
	cals[i].county = county;
	cals[i].cal = *out = c;
	c = NULL;
out:
	xz_calendar_free(c);
	json_decref(rows);
	return rc;
}

int xz_caldb_deadline_in(struct xz_db *db, int64_t county, int64_t from, int64_t amount,
			 enum xz_dl_unit unit, int64_t *due)
{
	struct xz_calendar *cal = NULL;
	int rc;
	pthread_mutex_lock(&cal_lock);
	if ((rc = fresh(db, county, &cal)) == 0)
		rc = xz_deadline(cal, from, amount, unit, due);
	pthread_mutex_unlock(&cal_lock);
	return rc;
}

int xz_caldb_deadline(struct xz_db *db, int64_t from, int64_t amount, enum xz_dl_unit unit,
		      int64_t *due)
{
	return xz_caldb_deadline_in(db, 0, from, amount, unit, due);
}

int xz_caldb_days_before_in(struct xz_db *db, int64_t county, int64_t t, int64_t d, int64_t n,
			    bool working, bool *ok)
{
	struct xz_calendar *cal = NULL;
	int rc;
	pthread_mutex_lock(&cal_lock);
	if ((rc = fresh(db, county, &cal)) == 0)
		*ok = xz_days_before(cal, t, d, n, working);
	pthread_mutex_unlock(&cal_lock);
	return rc;
}

int xz_caldb_days_before(struct xz_db *db, int64_t t, int64_t d, int64_t n, bool working,
			 bool *ok)
{
	return xz_caldb_days_before_in(db, 0, t, d, n, working, ok);
}

int xz_caldb_is_working(struct xz_db *db, int64_t day, bool *working)
{
	struct xz_calendar *cal = NULL;
	int rc;
	pthread_mutex_lock(&cal_lock);
	if ((rc = fresh(db, 0, &cal)) == 0)
		*working = xz_calendar_is_working(cal, day);
	pthread_mutex_unlock(&cal_lock);
	return rc;
}

int xz_caldb_touch(struct xz_db *db)
{
	return xz_db_exec(db,
			  "INSERT INTO settings (key, value) VALUES ('calendar_rev', '1') "
			  "ON CONFLICT (key) DO UPDATE SET value = "
			  "CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)",
			  XZ_NOARGS, NULL);
}

/* ---- use cases: the calendar a county keeps ---- */

int xz_calendar_days(struct xz_ctx *c, int64_t county, const char *from, const char *to,
		     json_t **rows)
{
	int rc;
	*rows = NULL;
	if ((rc = xz_scope_county(c, "calendar.read", county, &county)) < 0)
		return rc;
	rc = xz_db_query(c->db,
			 "SELECT day AS date, kind, name FROM calendar_days WHERE county_id = $1 AND "
			 "day >= $2 AND day <= $3 ORDER BY day",
			 XZ_ARGS(XZ_INT(county), XZ_TEXT(from), XZ_TEXT(to)), rows);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

struct put_args {
	int64_t county;
	const json_t *days;
	bool single;
};

static int put_tx(struct xz_ctx *c, void *arg)
{
	struct put_args *a = arg;
	const json_t *d;
	size_t i;
	int64_t day;
	int rc = 0;
	for (i = 0; i < json_array_size(a->days); i++) {
		const char *date, *kind, *name, *field;
		d = json_array_get(a->days, i);
		date = json_string_value(json_object_get(d, "date"));
		kind = json_string_value(json_object_get(d, "kind"));
		name = json_string_value(json_object_get(d, "name"));
		field = a->single ? "date" : xz_arena_printf(c->arena, "days[%zu]", i);
		if (xz_date_parse(date, &day) < 0)
			return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_date", "日期须为YYYY-MM-DD",
					   "date must be YYYY-MM-DD", field);
		if (!kind || (strcmp(kind, "holiday") && strcmp(kind, "workday")))
			return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_kind",
					   "kind须为holiday（节假日）或workday（调休上班）",
					   "kind must be holiday or workday", field);
		if (name && strlen(name) > XZ_MAX_NAME)
			return xz_ctx_fail(c, XZ_EMALFORMED, "too_long", "名称过长", "name too long",
					   field);
		if ((rc = xz_db_exec(c->db,
				     "INSERT INTO calendar_days (county_id, day, kind, name, "
				     "updated_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (county_id, "
				     "day) DO UPDATE SET kind = $3, name = $4, updated_at = $5",
				     XZ_ARGS(XZ_INT(a->county), XZ_TEXT(date), XZ_TEXT(kind),
					     XZ_TEXT(name ? name : ""), XZ_INT(c->now)),
				     NULL)) < 0)
			return rc;
	}
	if ((rc = xz_caldb_touch(c->db)) < 0)
		return rc;
	d = json_array_get(a->days, 0);
	return a->single ? xz_ctx_audit_new(c, "calendar.set", "calendar", 0, NULL,
					    json_pack("{s:I,s:O,s:O}", "county_id",
						      (json_int_t)a->county, "date",
						      json_object_get(d, "date"), "kind",
						      json_object_get(d, "kind")))
			 : xz_ctx_audit_new(c, "calendar.import", "calendar", 0, NULL,
					    json_pack("{s:I,s:i}", "county_id", (json_int_t)a->county,
						      "days", (int)json_array_size(a->days)));
}

int xz_calendar_put(struct xz_ctx *c, int64_t county, const json_t *days, bool single)
{
	struct put_args a = {.days = days, .single = single};
	int rc;
	if ((rc = xz_scope_county(c, "calendar.write", county, &a.county)) < 0)
		return rc;
	return xz_ctx_tx(c, put_tx, &a);
}

struct unset_args {
	int64_t county;
	const char *date;
};

static int unset_tx(struct xz_ctx *c, void *arg)
{
	struct unset_args *a = arg;
	int rc;
	if ((rc = xz_db_exec(c->db, "DELETE FROM calendar_days WHERE county_id = $1 AND day = $2",
			     XZ_ARGS(XZ_INT(a->county), XZ_TEXT(a->date)), NULL)) < 0 ||
	    (rc = xz_caldb_touch(c->db)) < 0)
		return rc;
	return xz_ctx_audit_new(c, "calendar.unset", "calendar", 0, NULL,
				json_pack("{s:I,s:s}", "county_id", (json_int_t)a->county, "date",
					  a->date));
}

int xz_calendar_unset(struct xz_ctx *c, int64_t county, const char *date)
{
	struct unset_args a = {.date = date};
	int64_t day;
	int rc;
	if (xz_date_parse(date, &day) < 0)
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "日期无效", "No such date", NULL);
	if ((rc = xz_scope_county(c, "calendar.write", county, &a.county)) < 0)
		return rc;
	return xz_ctx_tx(c, unset_tx, &a);
}
