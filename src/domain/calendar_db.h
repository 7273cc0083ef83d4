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

#include "domain/calendar.h"

struct xz_db;

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

#endif
