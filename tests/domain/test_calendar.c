/* test_calendar.c — working days, holidays and deadlines (src/domain/calendar.c).
 *
 * Instants are compared as the strings a user sees ("2026-10-10T23:59:59+08:00").
 * The 2026 arrangement comes from data/calendar-cn-2026.json; tests run from
 * the repository root, as scripts/test.sh does. */
#include <jansson.h>
#include <stdint.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "domain/calendar.h"
#include "unit.h"

#define CN_FILE "data/calendar-cn-2026.json"

static int64_t T(const char *s)
{
	int64_t t = 0;
	if (xz_time_parse(s, &t))
		fprintf(stderr, "  bad time in test: %s\n", s);
	return t;
}

static int64_t D(const char *s)
{
	int64_t d = 0;
	if (xz_date_parse(s, &d))
		fprintf(stderr, "  bad date in test: %s\n", s);
	return d;
}

/* due: the deadline as text, or "error N". One static buffer per call site is
 * not needed: each result is compared before the next call. */
static const char *due(const struct xz_calendar *c, const char *from, int64_t amount,
		       enum xz_dl_unit unit)
{
	static char buf[XZ_TIME_LEN];
	int64_t t = 0;
	int rc = xz_deadline(c, T(from), amount, unit, &t);
	if (rc) {
		snprintf(buf, sizeof(buf), "error %d", rc);
		return buf;
	}
	return xz_time_format(t, buf);
}

static struct xz_calendar *cn(void)
{
	struct xz_calendar *c = xz_calendar_new();
	json_error_t err;
	json_t *arr = json_load_file(CN_FILE, JSON_REJECT_DUPLICATES, &err);
	if (!arr)
		fprintf(stderr, "  cannot load %s: %s\n", CN_FILE, err.text);
	CHECK(arr != NULL);
	CHECK_EQ_INT(xz_calendar_load_json(c, arr), 0);
	json_decref(arr);
	return c;
}

static void test_set_keeps_sorted_and_replaces(void)
{
	struct xz_calendar *c = xz_calendar_new();
	CHECK_EQ_INT(xz_calendar_set(c, D("2026-10-03"), XZ_DAY_HOLIDAY), 0);
	CHECK_EQ_INT(xz_calendar_set(c, D("2026-10-01"), XZ_DAY_HOLIDAY), 0);
	CHECK_EQ_INT(xz_calendar_set(c, D("2026-10-10"), XZ_DAY_WORKDAY), 0);
	CHECK_EQ_INT(xz_calendar_set(c, D("2026-10-02"), XZ_DAY_HOLIDAY), 0);
	CHECK_EQ_INT(xz_calendar_count(c), 4);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-01")), XZ_DAY_HOLIDAY);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-02")), XZ_DAY_HOLIDAY);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-03")), XZ_DAY_HOLIDAY);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-10")), XZ_DAY_WORKDAY);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-04")), XZ_DAY_NORMAL);
	/* replace, then remove with NORMAL */
	CHECK_EQ_INT(xz_calendar_set(c, D("2026-10-02"), XZ_DAY_WORKDAY), 0);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-02")), XZ_DAY_WORKDAY);
	CHECK_EQ_INT(xz_calendar_count(c), 4);
	CHECK_EQ_INT(xz_calendar_set(c, D("2026-10-02"), XZ_DAY_NORMAL), 0);
	CHECK_EQ_INT(xz_calendar_set(c, D("2026-10-05"), XZ_DAY_NORMAL), 0); /* absent: no-op */
	CHECK_EQ_INT(xz_calendar_count(c), 3);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-02")), XZ_DAY_NORMAL);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-03")), XZ_DAY_HOLIDAY);
	/* bad kind or day: nothing changes */
	CHECK_EQ_INT(xz_calendar_set(c, D("2026-10-04"), (enum xz_day_kind)7), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_calendar_set(c, D("1900-01-01") - 1, XZ_DAY_HOLIDAY), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_calendar_set(c, D("9999-12-31") + 1, XZ_DAY_HOLIDAY), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_calendar_count(c), 3);
	/* a NULL calendar is plain weeks */
	CHECK_EQ_INT(xz_calendar_kind(NULL, D("2026-10-01")), XZ_DAY_NORMAL);
	CHECK_EQ_INT(xz_calendar_count(NULL), 0);
	CHECK(xz_calendar_is_working(NULL, D("2026-10-01")));  /* Thursday */
	CHECK(!xz_calendar_is_working(NULL, D("2026-10-10"))); /* Saturday */
	xz_calendar_free(c);
	xz_calendar_free(NULL);
}

static void test_set_limit(void)
{
	struct xz_calendar *c = xz_calendar_new();
	int64_t d0 = D("2000-01-01"), i;
	json_t *arr;
	for (i = 0; i < XZ_CAL_MAX_EXCEPTIONS - 1; i++)
		CHECK_EQ_INT(xz_calendar_set(c, d0 + i, XZ_DAY_HOLIDAY), 0);
	/* two new dates do not fit: the load fails and adds neither */
	arr = json_pack("[{s:s, s:s}, {s:s, s:s}]", "date", "2200-01-01", "kind", "holiday", "date",
			"2200-01-02", "kind", "holiday");
	CHECK_EQ_INT(xz_calendar_load_json(c, arr), XZ_ETOOBIG);
	CHECK_EQ_INT(xz_calendar_count(c), XZ_CAL_MAX_EXCEPTIONS - 1);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2200-01-01")), XZ_DAY_NORMAL);
	json_decref(arr);
	CHECK_EQ_INT(xz_calendar_set(c, d0 - 1, XZ_DAY_HOLIDAY), 0);
	CHECK_EQ_INT(xz_calendar_set(c, d0 - 2, XZ_DAY_HOLIDAY), XZ_ETOOBIG);
	CHECK_EQ_INT(xz_calendar_set(c, d0, XZ_DAY_WORKDAY), 0); /* replacing still works */
	CHECK_EQ_INT(xz_calendar_count(c), XZ_CAL_MAX_EXCEPTIONS);
	xz_calendar_free(c);
}

static void test_is_working_2026(void)
{
	struct xz_calendar *c = cn();
	CHECK(!xz_calendar_is_working(c, D("2026-01-01"))); /* 元旦, Thursday */
	CHECK(!xz_calendar_is_working(c, D("2026-01-02"))); /* Friday off */
	CHECK(xz_calendar_is_working(c, D("2026-01-04")));  /* Sunday make-up */
	CHECK(xz_calendar_is_working(c, D("2026-02-14")));  /* Saturday make-up */
	CHECK(!xz_calendar_is_working(c, D("2026-02-21"))); /* Saturday in 春节 */
	CHECK(!xz_calendar_is_working(c, D("2026-02-23"))); /* Monday in 春节 */
	CHECK(xz_calendar_is_working(c, D("2026-02-24")));
	CHECK(xz_calendar_is_working(c, D("2026-02-28")));  /* Saturday make-up */
	CHECK(!xz_calendar_is_working(c, D("2026-03-07"))); /* ordinary Saturday */
	CHECK(xz_calendar_is_working(c, D("2026-05-09")));
	CHECK(xz_calendar_is_working(c, D("2026-09-20"))); /* Sunday make-up */
	CHECK(!xz_calendar_is_working(c, D("2026-10-07")));
	CHECK(xz_calendar_is_working(c, D("2026-10-10"))); /* Saturday make-up */
	CHECK(!xz_calendar_is_working(c, D("2026-10-11")));
	CHECK(!xz_calendar_is_working(c, D("2027-01-01")));
	xz_calendar_free(c);
}

static void test_data_file_is_consistent(void)
{
	struct xz_calendar *c = cn();
	int64_t d, holidays_on_weekdays = 0, workdays = 0;
	CHECK_EQ_INT(xz_calendar_count(c), 40);
	for (d = D("2026-01-01"); d <= D("2027-01-01"); d++) {
		enum xz_day_kind k = xz_calendar_kind(c, d);
		if (k == XZ_DAY_WORKDAY) {
			CHECK(xz_weekday(d) >= 5); /* make-up days are weekends */
			workdays++;
		}
		if (k == XZ_DAY_HOLIDAY && xz_weekday(d) < 5 && d < D("2027-01-01"))
			holidays_on_weekdays++;
	}
	/* 13 statutory days on weekdays plus 6 swapped ones, paid back by 6
	 * make-up days: 2026 keeps 261 - 13 = 248 working days. */
	CHECK_EQ_INT(workdays, 6);
	CHECK_EQ_INT(holidays_on_weekdays, 19);
	CHECK_EQ_INT(xz_working_days_between(c, T("2025-12-31T12:00"), T("2026-12-31T12:00")), 248);
	xz_calendar_free(c);
}

static void test_working_days_across_national_day(void)
{
	struct xz_calendar *c = cn();
	/* received Wednesday 30 Sep; 1–7 Oct off; 8 Thu, 9 Fri, 10 Sat (make-up) work */
	CHECK_EQ_STR(due(c, "2026-09-30T14:00", 1, XZ_DL_WORKING_DAYS),
		     "2026-10-08T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-09-30T14:00", 2, XZ_DL_WORKING_DAYS),
		     "2026-10-09T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-09-30T14:00", 3, XZ_DL_WORKING_DAYS),
		     "2026-10-10T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-09-30T14:00", 4, XZ_DL_WORKING_DAYS),
		     "2026-10-12T23:59:59+08:00");
	/* without the holidays: Thu 1, Fri 2, Mon 5 */
	CHECK_EQ_STR(due(NULL, "2026-09-30T14:00", 3, XZ_DL_WORKING_DAYS),
		     "2026-10-05T23:59:59+08:00");
	/* calendar days do not skip holidays */
	CHECK_EQ_STR(due(c, "2026-09-30T14:00", 3, XZ_DL_DAYS), "2026-10-03T23:59:59+08:00");
	/* received during the holiday: day 0 is the holiday, counting starts after it */
	CHECK_EQ_STR(due(c, "2026-10-03T10:00", 1, XZ_DL_WORKING_DAYS),
		     "2026-10-08T23:59:59+08:00");
	/* the receipt day never counts, even when it works */
	CHECK_EQ_STR(due(c, "2026-10-09T08:00", 1, XZ_DL_WORKING_DAYS),
		     "2026-10-10T23:59:59+08:00");
	xz_calendar_free(c);
}

static void test_make_up_days_count(void)
{
	struct xz_calendar *c = cn();
	/* Friday 13 Feb → Saturday 14 (make-up) → after 春节, Tuesday 24 */
	CHECK_EQ_STR(due(c, "2026-02-13T09:00", 1, XZ_DL_WORKING_DAYS),
		     "2026-02-14T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-02-13T09:00", 2, XZ_DL_WORKING_DAYS),
		     "2026-02-24T23:59:59+08:00");
	CHECK_EQ_STR(due(NULL, "2026-02-13T09:00", 1, XZ_DL_WORKING_DAYS),
		     "2026-02-16T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-02-27T09:00", 1, XZ_DL_WORKING_DAYS),
		     "2026-02-28T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-05-08T09:00", 1, XZ_DL_WORKING_DAYS),
		     "2026-05-09T23:59:59+08:00");
	/* Saturday 19 Sep received: the Sunday make-up day is the first working day */
	CHECK_EQ_STR(due(c, "2026-09-19T09:00", 1, XZ_DL_WORKING_DAYS),
		     "2026-09-20T23:59:59+08:00");
	/* 元旦: Wed 31 Dec 2025 → Sun 4 Jan (make-up) */
	CHECK_EQ_STR(due(c, "2025-12-31T09:00", 1, XZ_DL_WORKING_DAYS),
		     "2026-01-04T23:59:59+08:00");
	xz_calendar_free(c);
}

static void test_working_days_zero(void)
{
	struct xz_calendar *c = cn();
	/* a working receipt day: its own end */
	CHECK_EQ_STR(due(c, "2026-11-24T10:00", 0, XZ_DL_WORKING_DAYS),
		     "2026-11-24T23:59:59+08:00");
	/* a holiday: end of the next working day */
	CHECK_EQ_STR(due(c, "2026-10-03T10:00", 0, XZ_DL_WORKING_DAYS),
		     "2026-10-08T23:59:59+08:00");
	/* a make-up Saturday works */
	CHECK_EQ_STR(due(c, "2026-10-10T10:00", 0, XZ_DL_WORKING_DAYS),
		     "2026-10-10T23:59:59+08:00");
	/* an ordinary Saturday: Monday */
	CHECK_EQ_STR(due(c, "2026-11-28T10:00", 0, XZ_DL_WORKING_DAYS),
		     "2026-11-30T23:59:59+08:00");
	xz_calendar_free(c);
}

static void test_month_and_year_ends(void)
{
	struct xz_calendar *c = cn();
	/* Thu 31 Dec 2026: 1 Jan off, 2–3 weekend, Monday 4 Jan */
	CHECK_EQ_STR(due(c, "2026-12-31T10:00", 1, XZ_DL_WORKING_DAYS),
		     "2027-01-04T23:59:59+08:00");
	CHECK_EQ_STR(due(NULL, "2026-12-31T10:00", 1, XZ_DL_WORKING_DAYS),
		     "2027-01-01T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-12-31T10:00", 1, XZ_DL_DAYS), "2027-01-01T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-12-31T10:00", 0, XZ_DL_DAYS), "2026-12-31T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-02-28T10:00", 1, XZ_DL_DAYS), "2026-03-01T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2028-02-28T10:00", 1, XZ_DL_DAYS), "2028-02-29T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-01-31T10:00", 30, XZ_DL_DAYS), "2026-03-02T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-04-30T10:00", 1, XZ_DL_DAYS), "2026-05-01T23:59:59+08:00");
	/* the day is Shanghai's: 16:30 UTC on 31 Dec is already 1 Jan */
	CHECK_EQ_STR(due(c, "2026-12-31T16:30:00Z", 0, XZ_DL_DAYS), "2027-01-01T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-12-31T15:59:59Z", 0, XZ_DL_DAYS), "2026-12-31T23:59:59+08:00");
	xz_calendar_free(c);
}

static void test_end_of_day(void)
{
	int64_t from, t;
	/* from 23:59:59 the same day's end is that very second */
	from = T("2026-11-24T23:59:59+08:00");
	CHECK_EQ_INT(xz_deadline(NULL, from, 0, XZ_DL_END_OF_DAY, &t), 0);
	CHECK_EQ_INT(t, from);
	/* one second later it is the next day */
	CHECK_EQ_STR(due(NULL, "2026-11-25T00:00:00+08:00", 0, XZ_DL_END_OF_DAY),
		     "2026-11-25T23:59:59+08:00");
	CHECK_EQ_INT(xz_deadline(NULL, from + 1, 0, XZ_DL_END_OF_DAY, &t), 0);
	CHECK_EQ_INT(t - (from + 1), 86399);
	CHECK_EQ_INT(t, xz_day_start(xz_day_of(from) + 2) - 1);
	CHECK_EQ_STR(due(NULL, "2026-11-24T10:00", 1, XZ_DL_END_OF_DAY),
		     "2026-11-25T23:59:59+08:00");
	/* END_OF_DAY and DAYS agree; holidays do not move the end of day */
	CHECK_EQ_STR(due(NULL, "2026-10-01T00:00:00", 0, XZ_DL_DAYS), "2026-10-01T23:59:59+08:00");
	CHECK_EQ_STR(due(NULL, "2026-10-01T00:00:00", 0, XZ_DL_END_OF_DAY),
		     "2026-10-01T23:59:59+08:00");
}

static void test_hours(void)
{
	struct xz_calendar *c = cn();
	CHECK_EQ_STR(due(c, "2026-11-24T22:00", 4, XZ_DL_HOURS), "2026-11-25T02:00:00+08:00");
	CHECK_EQ_STR(due(c, "2026-11-24T22:13:07", 0, XZ_DL_HOURS), "2026-11-24T22:13:07+08:00");
	CHECK_EQ_STR(due(c, "2026-12-31T23:30", 1, XZ_DL_HOURS), "2027-01-01T00:30:00+08:00");
	/* the clock runs through holidays */
	CHECK_EQ_STR(due(c, "2026-09-30T20:00", 24, XZ_DL_HOURS), "2026-10-01T20:00:00+08:00");
	CHECK_EQ_STR(due(c, "2026-09-30T20:00", 72, XZ_DL_HOURS), "2026-10-03T20:00:00+08:00");
	xz_calendar_free(c);
}

static void test_deadline_rejects(void)
{
	struct xz_calendar *c = cn();
	int64_t t = 42, from = T("2026-01-01T09:00");
	CHECK_EQ_INT(xz_deadline(c, from, -1, XZ_DL_DAYS, &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_deadline(c, from, XZ_DL_MAX_AMOUNT + 1, XZ_DL_HOURS, &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_deadline(c, from, 1, (enum xz_dl_unit)0, &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_deadline(c, from, 1, (enum xz_dl_unit)99, &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_deadline(c, T("1900-01-01T00:00:00") - 1, 1, XZ_DL_DAYS, &t),
		     XZ_EMALFORMED);
	CHECK_EQ_INT(xz_deadline(c, INT64_MAX, 1, XZ_DL_DAYS, &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_deadline(c, INT64_MIN, 1, XZ_DL_HOURS, &t), XZ_EMALFORMED);
	CHECK_EQ_INT(t, 42); /* untouched on error */
	CHECK_EQ_INT(xz_deadline(c, T("1900-01-01T00:00:00"), 1, XZ_DL_DAYS, &t), 0);
	CHECK_EQ_STR(due(c, "2026-01-01T09:00", 3650, XZ_DL_DAYS), "2035-12-30T23:59:59+08:00");
	CHECK_EQ_STR(due(c, "2026-01-01T09:00", 3650, XZ_DL_HOURS), "2026-06-02T11:00:00+08:00");
	/* the largest working-day amount ends on a working day with exactly that many */
	CHECK_EQ_INT(xz_deadline(c, from, XZ_DL_MAX_AMOUNT, XZ_DL_WORKING_DAYS, &t), 0);
	CHECK(xz_calendar_is_working(c, xz_day_of(t)));
	CHECK_EQ_INT(xz_working_days_between(c, from, t), XZ_DL_MAX_AMOUNT);
	CHECK_EQ_INT(xz_working_days_between(c, from, t - 86400), XZ_DL_MAX_AMOUNT - 1);
	xz_calendar_free(c);
}

static void test_unit_parse(void)
{
	CHECK_EQ_INT(xz_dl_unit_parse("hours"), XZ_DL_HOURS);
	CHECK_EQ_INT(xz_dl_unit_parse("days"), XZ_DL_DAYS);
	CHECK_EQ_INT(xz_dl_unit_parse("working_days"), XZ_DL_WORKING_DAYS);
	CHECK_EQ_INT(xz_dl_unit_parse("end_of_day"), XZ_DL_END_OF_DAY);
	CHECK_EQ_INT(xz_dl_unit_parse("Hours"), 0);
	CHECK_EQ_INT(xz_dl_unit_parse("working days"), 0);
	CHECK_EQ_INT(xz_dl_unit_parse(""), 0);
	CHECK_EQ_INT(xz_dl_unit_parse(NULL), 0);
	CHECK_EQ_STR(xz_dl_unit_name(XZ_DL_WORKING_DAYS), "working_days");
	CHECK_EQ_STR(xz_dl_unit_name(XZ_DL_END_OF_DAY), "end_of_day");
	CHECK(xz_dl_unit_name((enum xz_dl_unit)0) == NULL);
}

static void test_days_before(void)
{
	struct xz_calendar *c = cn();
	/* exactly 3 days before: true; 2 days 23 hours that land on the next civil day: false */
	CHECK(xz_days_before(c, T("2026-11-20T09:00"), T("2026-11-23T09:00"), 3, false));
	CHECK(!xz_days_before(c, T("2026-11-21T00:00"), T("2026-11-23T23:00"), 3, false));
	CHECK(xz_days_before(c, T("2026-11-21T00:00"), T("2026-11-23T23:00"), 2, false));
	/* only civil days count: 2 days 23 hours from 01:00 to 00:00 still spans 3 days */
	CHECK(xz_days_before(c, T("2026-11-20T01:00"), T("2026-11-23T00:00"), 3, false));
	CHECK(xz_days_before(c, T("2026-11-20T23:59:59"), T("2026-11-23T00:00"), 3, false));
	CHECK(!xz_days_before(c, T("2026-11-21T00:00:00"), T("2026-11-23T23:59:59"), 3, false));
	/* plain weeks: Mon → Thu is 3 days in both modes, Mon → Wed is not */
	CHECK(xz_days_before(c, T("2026-11-23T09:00"), T("2026-11-26T09:00"), 3, false));
	CHECK(xz_days_before(c, T("2026-11-23T09:00"), T("2026-11-26T09:00"), 3, true));
	CHECK(!xz_days_before(c, T("2026-11-23T09:00"), T("2026-11-25T09:00"), 3, false));
	CHECK(!xz_days_before(c, T("2026-11-23T09:00"), T("2026-11-25T09:00"), 3, true));
	/* working days: Fri 20 Nov → Mon 23 Nov is 3 calendar days but 1 working day */
	CHECK(xz_days_before(c, T("2026-11-20T09:00"), T("2026-11-23T09:00"), 3, false));
	CHECK(!xz_days_before(c, T("2026-11-20T09:00"), T("2026-11-23T09:00"), 3, true));
	CHECK(xz_days_before(c, T("2026-11-20T09:00"), T("2026-11-23T09:00"), 1, true));
	CHECK(xz_days_before(c, T("2026-11-18T09:00"), T("2026-11-23T09:00"), 3, true));
	/* the make-up Saturday 9 May counts */
	CHECK(xz_days_before(c, T("2026-05-07T09:00"), T("2026-05-11T09:00"), 3, true));
	CHECK(!xz_days_before(c, T("2026-05-08T09:00"), T("2026-05-11T09:00"), 3, true));
	/* across 国庆: from 30 Sep, 3 working days reach Saturday 10 Oct */
	CHECK(!xz_days_before(c, T("2026-09-30T09:00"), T("2026-10-09T09:00"), 3, true));
	CHECK(xz_days_before(c, T("2026-09-30T09:00"), T("2026-10-10T09:00"), 3, true));
	/* order and edge amounts */
	CHECK(xz_days_before(c, T("2026-11-23T20:00"), T("2026-11-23T09:00"), 0, false));
	CHECK(xz_days_before(c, T("2026-11-23T20:00"), T("2026-11-23T09:00"), 0, true));
	CHECK(!xz_days_before(c, T("2026-11-24T09:00"), T("2026-11-23T09:00"), 0, false));
	CHECK(!xz_days_before(c, T("2026-11-24T09:00"), T("2026-11-23T09:00"), 0, true));
	CHECK(!xz_days_before(c, T("2026-11-24T09:00"), T("2026-11-23T09:00"), -5, true));
	CHECK(!xz_days_before(c, INT64_MAX, INT64_MIN, 0, true));
	CHECK(xz_days_before(c, INT64_MIN, INT64_MAX, 3, false));
	xz_calendar_free(c);
}

/* days_before(working) is the dual of the working-day deadline: true exactly
 * when the n-th working day after t's day is no later than d's day. */
static void test_days_before_matches_deadline(void)
{
	struct xz_calendar *c = cn();
	int64_t t, d, n, due_t;
	for (t = T("2026-09-10T10:00"); t < T("2026-10-20T10:00"); t += 86400)
		for (n = 0; n <= 6; n++) {
			CHECK_EQ_INT(xz_deadline(c, t, n, XZ_DL_WORKING_DAYS, &due_t), 0);
			for (d = t - 3 * 86400; d < t + 20 * 86400; d += 86400) {
				bool want = n == 0 ? xz_day_of(d) >= xz_day_of(t)
						   : xz_day_of(d) >= xz_day_of(due_t);
				CHECK(xz_days_before(c, t, d, n, true) == want);
				CHECK(xz_days_before(c, t, d, n, false) ==
				      (xz_day_of(d) - xz_day_of(t) >= n));
			}
		}
	xz_calendar_free(c);
}

static void test_working_days_between(void)
{
	struct xz_calendar *c = cn();
	int64_t a, b;
	uint32_t seed = 12345;
	int i;
	CHECK_EQ_INT(xz_working_days_between(c, T("2026-09-30T14:00"), T("2026-10-10T01:00")), 3);
	CHECK_EQ_INT(xz_working_days_between(c, T("2026-09-30T14:00"), T("2026-10-09T23:00")), 2);
	CHECK_EQ_INT(xz_working_days_between(c, T("2026-09-30T14:00"), T("2026-09-30T23:00")), 0);
	CHECK_EQ_INT(xz_working_days_between(c, T("2026-10-10T14:00"), T("2026-09-30T23:00")), 0);
	CHECK_EQ_INT(xz_working_days_between(NULL, T("2026-11-22T14:00"), T("2026-11-29T14:00")),
		     5);
	/* against a day-by-day count over random ranges of 2025–2028 */
	for (i = 0; i < 2000; i++) {
		int64_t want = 0, x;
		seed = seed * 1103515245u + 12345u;
		a = T("2025-06-01T00:00") + (int64_t)(seed % (3 * 365 * 86400u));
		seed = seed * 1103515245u + 12345u;
		b = a + (int64_t)(seed % (400 * 86400u));
		for (x = xz_day_of(a) + 1; x <= xz_day_of(b); x++)
			want += xz_calendar_is_working(c, x);
		CHECK_EQ_INT(xz_working_days_between(c, a, b), want);
	}
	xz_calendar_free(c);
}

/* load_bad: loading `text` fails with XZ_EMALFORMED and leaves c as it was. */
static void load_bad(struct xz_calendar *c, const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	CHECK(j != NULL);
	CHECK_EQ_INT(xz_calendar_load_json(c, j), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_calendar_count(c), 40);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-03-02")), XZ_DAY_NORMAL);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-01")), XZ_DAY_HOLIDAY);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-10")), XZ_DAY_WORKDAY);
	json_decref(j);
}

static void test_load_json_bad_changes_nothing(void)
{
	struct xz_calendar *c = cn();
	json_t *j;
	/* a good first entry followed by a bad one must not be applied */
#define GOOD "{\"date\":\"2026-03-02\",\"kind\":\"holiday\"},"
	load_bad(c, "{\"date\":\"2026-03-02\",\"kind\":\"holiday\"}"); /* not an array */
	load_bad(c, "[" GOOD "\"2026-10-11\"]");
	load_bad(c, "[" GOOD "{\"kind\":\"holiday\"}]");
	load_bad(c, "[" GOOD "{\"date\":\"2026-10-11\"}]");
	load_bad(c, "[" GOOD "{\"date\":\"2026-02-30\",\"kind\":\"holiday\"}]");
	load_bad(c, "[" GOOD "{\"date\":\"2026-1-5\",\"kind\":\"holiday\"}]");
	load_bad(c, "[" GOOD "{\"date\":20261011,\"kind\":\"holiday\"}]");
	load_bad(c, "[" GOOD "{\"date\":\"2026-10-11\",\"kind\":\"rest\"}]");
	load_bad(c, "[" GOOD "{\"date\":\"2026-10-11\",\"kind\":\"normal\"}]");
	load_bad(c, "[" GOOD "{\"date\":\"2026-10-11\",\"kind\":\"Holiday\"}]");
	load_bad(c, "[" GOOD "{\"date\":\"2026-10-11\",\"kind\":\"holiday\",\"note\":\"x\"}]");
	load_bad(c, "[" GOOD "{\"date\":\"2026-10-11\",\"kind\":\"holiday\",\"name\":1}]");
	load_bad(c, "[" GOOD "{\"date\":\"2026-10-01\",\"kind\":\"workday\"},"
		    "{\"date\":\"2026-10-01\",\"kind\":\"holiday\"}]"); /* conflicting twice */
	/* a name longer than XZ_MAX_NAME bytes */
	{
		char big[XZ_MAX_NAME + 200];
		size_t n =
		    (size_t)snprintf(big, sizeof(big),
				     "[" GOOD "{\"date\":\"2026-10-11\",\"kind\":\"holiday\","
				     "\"name\":\"");
		memset(big + n, 'x', XZ_MAX_NAME + 1);
		n += XZ_MAX_NAME + 1;
		snprintf(big + n, sizeof(big) - n, "\"}]");
		load_bad(c, big);
	}
#undef GOOD
	CHECK_EQ_INT(xz_calendar_load_json(c, NULL), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_calendar_count(c), 40);
	/* good input replaces marks and adds new ones; the same date twice alike is fine */
	j = json_loads("[{\"date\":\"2026-10-10\",\"kind\":\"holiday\",\"name\":\"改\"},"
		       "{\"date\":\"2026-03-02\",\"kind\":\"holiday\"},"
		       "{\"date\":\"2026-03-02\",\"kind\":\"holiday\"}]",
		       0, NULL);
	CHECK_EQ_INT(xz_calendar_load_json(c, j), 0);
	CHECK_EQ_INT(xz_calendar_count(c), 41);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-10-10")), XZ_DAY_HOLIDAY);
	CHECK_EQ_INT(xz_calendar_kind(c, D("2026-03-02")), XZ_DAY_HOLIDAY);
	json_decref(j);
	/* an empty array is a no-op */
	j = json_array();
	CHECK_EQ_INT(xz_calendar_load_json(c, j), 0);
	CHECK_EQ_INT(xz_calendar_count(c), 41);
	json_decref(j);
	xz_calendar_free(c);
}

int main(void)
{
	RUN(test_set_keeps_sorted_and_replaces);
	RUN(test_set_limit);
	RUN(test_is_working_2026);
	RUN(test_data_file_is_consistent);
	RUN(test_working_days_across_national_day);
	RUN(test_make_up_days_count);
	RUN(test_working_days_zero);
	RUN(test_month_and_year_ends);
	RUN(test_end_of_day);
	RUN(test_hours);
	RUN(test_deadline_rejects);
	RUN(test_unit_parse);
	RUN(test_days_before);
	RUN(test_days_before_matches_deadline);
	RUN(test_working_days_between);
	RUN(test_load_json_bad_changes_nothing);
	return unit_done();
}
