/*
 * calendar.h — working days, statutory holidays and every deadline.
 *
 * Every due instant in Xiezhi is computed here and nowhere else. The module
 * is pure arithmetic on Shanghai civil days (see core/xtime.h): it never
 * touches the database. A calendar is the set of exceptions to the plain
 * Monday–Friday week — statutory holidays (放假) and make-up working days
 * (调休上班) — loaded by the caller, e.g. from data/calendar-cn-2026.json.
 *
 * Exact definitions (docs/internals/calendar.md repeats them):
 *   - the receipt day is day 0: "within N days" ends on day_of(from) + N;
 *   - the end of a day is 23:59:59 Shanghai, the last whole second of it;
 *   - a day works when it is Mon–Fri and not a HOLIDAY, or it is a WORKDAY.
 */
#ifndef XZ_CALENDAR_H
#define XZ_CALENDAR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

/* Largest number of exceptions one calendar holds (about 100 years of a
 * dense holiday arrangement). Belongs with core/limits.h. */
#define XZ_CAL_MAX_EXCEPTIONS 40000
/* Largest deadline amount accepted, in any unit (ten years of days). */
#define XZ_DL_MAX_AMOUNT 3650

enum xz_day_kind {
	XZ_DAY_NORMAL = 0,  /* no exception: Mon–Fri work, Sat–Sun rest     */
	XZ_DAY_HOLIDAY = 1, /* statutory holiday, no work (放假)              */
	XZ_DAY_WORKDAY = 2, /* make-up working day on a weekend (调休上班)     */
};

enum xz_dl_unit {
	XZ_DL_HOURS = 1,	/* clock hours, through nights and holidays     */
	XZ_DL_DAYS = 2,		/* calendar days, receipt day is day 0          */
	XZ_DL_WORKING_DAYS = 3, /* working days after the receipt day           */
	XZ_DL_END_OF_DAY = 4,	/* end of the receipt day (+ amount days)       */
};

/* Opaque: a sorted array of (day, kind) exceptions. */
struct xz_calendar;

/* xz_calendar_new: an empty calendar (plain Mon–Fri weeks). Caller owns it;
 * free with xz_calendar_free. Never NULL (aborts on out-of-memory). */
struct xz_calendar *xz_calendar_new(void);
/* xz_calendar_free: release c. NULL is allowed. */
void xz_calendar_free(struct xz_calendar *c);

/* xz_calendar_set: mark civil day `day` (a day number, see xz_date_parse) as
 * HOLIDAY or WORKDAY, replacing any earlier mark, or as NORMAL, which removes
 * the exception. Days outside 1900-01-01..9999-12-31 or an unknown kind give
 * XZ_EMALFORMED; a new exception beyond XZ_CAL_MAX_EXCEPTIONS gives
 * XZ_ETOOBIG. Nothing changes on error. */
int xz_calendar_set(struct xz_calendar *c, int64_t day, enum xz_day_kind kind);
/* xz_calendar_kind: the mark on `day` (XZ_DAY_NORMAL when none). c may be NULL. */
enum xz_day_kind xz_calendar_kind(const struct xz_calendar *c, int64_t day);
/* xz_calendar_count: the number of exceptions held. c may be NULL (0). */
size_t xz_calendar_count(const struct xz_calendar *c);

/* xz_calendar_is_working: Mon–Fri are working days unless marked HOLIDAY;
 * Sat and Sun are not unless marked WORKDAY. c may be NULL (plain weeks). */
bool xz_calendar_is_working(const struct xz_calendar *c, int64_t day);

/* xz_dl_unit_parse: "hours" | "days" | "working_days" | "end_of_day" → the
 * unit; 0 for anything else, NULL included. */
enum xz_dl_unit xz_dl_unit_parse(const char *s);
/* xz_dl_unit_name: the inverse of xz_dl_unit_parse; NULL for an unknown unit.
 * Static storage. */
const char *xz_dl_unit_name(enum xz_dl_unit unit);

/* xz_deadline: the due instant for something received at instant `from`.
 * With D = xz_day_of(from) (the receipt day, day 0) and "end of day X" =
 * 23:59:59 Shanghai of X:
 *   HOURS         from + amount * 3600 (the clock runs through nights and holidays)
 *   DAYS          end of day D + amount (calendar days; holidays are not skipped)
 *   WORKING_DAYS  amount >= 1: end of the amount-th working day after D (D itself
 *                 never counts, even when it is a working day);
 *                 amount == 0: end of D if D works, else end of the next working day
 *   END_OF_DAY    end of day D + amount (amount is usually 0: "the same day")
 * amount must be 0..XZ_DL_MAX_AMOUNT, unit one of the above and `from` within
 * 1900-01-01..9999-12-31; otherwise XZ_EMALFORMED and *due is untouched.
 * c may be NULL (plain weeks). Returns 0 and sets *due. */
int xz_deadline(const struct xz_calendar *c, int64_t from, int64_t amount, enum xz_dl_unit unit,
		int64_t *due);

/* xz_days_before: is instant t at least n days before instant d? Only civil
 * days count, never the time of day. With T = xz_day_of(t), E = xz_day_of(d):
 *   working == false:  T <= E - n                  (calendar days)
 *   working == true:   T <= E and the number of working days in (T, E] —
 *                      after T, up to and including E — is at least n.
 * So n days before means "the n-th (working) day after T is no later than E":
 * exactly when xz_deadline(t, n, DAYS or WORKING_DAYS) falls on a day <= E.
 * With no weekend or holiday in between both modes agree. A negative n counts
 * as 0. c may be NULL. Used for "a special application must arrive at least
 * 3 days before the planned start". */
bool xz_days_before(const struct xz_calendar *c, int64_t t, int64_t d, int64_t n, bool working);

/* xz_working_days_between: the number of working days in
 * (xz_day_of(a), xz_day_of(b)] — after a's day, up to and including b's day.
 * 0 when b's day is not after a's day. c may be NULL. For reports. */
int64_t xz_working_days_between(const struct xz_calendar *c, int64_t a, int64_t b);

/* xz_calendar_load_json: add the exceptions in `arr`, a JSON array of objects
 *   {"date": "2026-10-01", "kind": "holiday" | "workday", "name": "国庆节"}
 * ("name" optional, at most XZ_MAX_NAME bytes; no other keys). Entries
 * replace existing marks on the same dates. All or nothing: on any bad entry
 * (not an array, bad date, unknown kind or key, the same date twice with
 * different kinds) it returns XZ_EMALFORMED without saying which, or
 * XZ_ETOOBIG past XZ_CAL_MAX_EXCEPTIONS, and c is unchanged. Returns 0. */
int xz_calendar_load_json(struct xz_calendar *c, const json_t *arr);

#endif
