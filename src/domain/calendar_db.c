/*
 * calendar_db.c — keeps one parsed copy of the stored calendar per process
 * and reloads it when settings.calendar_rev changes (one indexed read per
 * use, so several processes sharing PostgreSQL agree). The arithmetic is
 * calendar.c's; this file only feeds it.
 */
#include <pthread.h>
#include <stdlib.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"

static pthread_mutex_t cal_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xz_calendar *cal;
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

/* fresh: make `cal` current; called with cal_lock held. */
static int fresh(struct xz_db *db)
{
	json_t *rows = NULL, *row;
	struct xz_calendar *c = NULL;
	int64_t rev, day;
	size_t i;
	int rc;

	if ((rc = read_rev(db, &rev)) < 0)
		return rc;
	if (cal && rev == cal_rev)
		return 0;
	if ((rc = xz_db_query(db, "SELECT day, kind FROM calendar_days ORDER BY day", XZ_NOARGS,
			      &rows)) < 0)
		goto out;
	c = xz_calendar_new();
	json_array_foreach(rows, i, row) {
		const char *kind = json_string_value(json_object_get(row, "kind"));
		if (xz_date_parse(json_string_value(json_object_get(row, "day")), &day) < 0)
			continue;
		xz_calendar_set(c, day,
				kind && kind[0] == 'h' ? XZ_DAY_HOLIDAY : XZ_DAY_WORKDAY);
	}
	xz_calendar_free(cal);
	cal = c;
	c = NULL;
	cal_rev = rev;
out:
	xz_calendar_free(c);
	json_decref(rows);
	return rc;
}

int xz_caldb_deadline(struct xz_db *db, int64_t from, int64_t amount, enum xz_dl_unit unit,
		      int64_t *due)
{
	int rc;
	pthread_mutex_lock(&cal_lock);
	if ((rc = fresh(db)) == 0)
		rc = xz_deadline(cal, from, amount, unit, due);
	pthread_mutex_unlock(&cal_lock);
	return rc;
}

int xz_caldb_days_before(struct xz_db *db, int64_t t, int64_t d, int64_t n, bool working,
			 bool *ok)
{
	int rc;
	pthread_mutex_lock(&cal_lock);
	if ((rc = fresh(db)) == 0)
		*ok = xz_days_before(cal, t, d, n, working);
	pthread_mutex_unlock(&cal_lock);
	return rc;
}

int xz_caldb_is_working(struct xz_db *db, int64_t day, bool *working)
{
	int rc;
	pthread_mutex_lock(&cal_lock);
	if ((rc = fresh(db)) == 0)
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
