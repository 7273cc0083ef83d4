/*
 * calendar_db.h — the deployment's working-day calendar as stored in
 * calendar_days (holidays and make-up working days, edited by the
 * administrator), applied through calendar.h's arithmetic. Every deadline
 * the system sets goes through these functions.
 */
#ifndef XZ_CALENDAR_DB_H
#define XZ_CALENDAR_DB_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "domain/calendar.h"

struct xz_db;

/* Each county keeps its own calendar (calendar_days.county_id). The
 * functions without a county use the first county's: they stay for callers
 * written before calendars were per county (a deployment of one county). */

/* xz_caldb_deadline_in: xz_deadline() under county's stored calendar. */
int xz_caldb_deadline_in(struct xz_db *db, int64_t county, int64_t from, int64_t amount,
			 enum xz_dl_unit unit, int64_t *due);
/* xz_caldb_days_before_in: xz_days_before() under county's calendar. */
int xz_caldb_days_before_in(struct xz_db *db, int64_t county, int64_t t, int64_t d, int64_t n,
			    bool working, bool *ok);

/* xz_caldb_deadline: xz_deadline() under the stored calendar. */
int xz_caldb_deadline(struct xz_db *db, int64_t from, int64_t amount, enum xz_dl_unit unit,
		      int64_t *due);
/* xz_caldb_days_before: xz_days_before() under the stored calendar. */
int xz_caldb_days_before(struct xz_db *db, int64_t t, int64_t d, int64_t n, bool working,
			 bool *ok);
/* xz_caldb_is_working: whether day (day number) is a working day. */
int xz_caldb_is_working(struct xz_db *db, int64_t day, bool *working);
/* xz_caldb_touch: record that calendar_days changed (call in the same
 * transaction); cached calendars are reloaded on next use. */
int xz_caldb_touch(struct xz_db *db);

/* Use cases (ctx.h): the calendar of a county (0: the caller's own; the
 * system names one), scoped through authz (calendar.read / .write). */
struct xz_ctx;
/* xz_calendar_days: [{date, kind, name}] with from <= date <= to. */
int xz_calendar_days(struct xz_ctx *c, int64_t county, const char *from, const char *to,
		     json_t **rows);
/* xz_calendar_put: store days [{date, kind, name?}] (borrowed), all or
 * nothing; single names the error field "date" and audits calendar.set,
 * else fields are days[i] and it audits calendar.import. */
int xz_calendar_put(struct xz_ctx *c, int64_t county, const json_t *days, bool single);
/* xz_calendar_unset: remove one exception (date YYYY-MM-DD). */
int xz_calendar_unset(struct xz_ctx *c, int64_t county, const char *date);

#endif
