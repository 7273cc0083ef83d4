/* test_xtime.c — civil dates and ISO 8601 at +08:00. */
#include <string.h>
#include <time.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "unit.h"

static void test_format_parse_roundtrip(void)
{
	char buf[XZ_TIME_LEN];
	int64_t t;
	CHECK_EQ_INT(xz_time_parse("2026-11-24T22:13:00+08:00", &t), 0);
	CHECK_EQ_STR(xz_time_format(t, buf), "2026-11-24T22:13:00+08:00");
	CHECK_EQ_INT(xz_time_parse("2026-11-24T14:13:00Z", &t), 0);
	CHECK_EQ_STR(xz_time_format(t, buf), "2026-11-24T22:13:00+08:00");
	CHECK_EQ_INT(xz_time_parse("2026-11-24T22:13", &t), 0); /* no zone: Shanghai */
	CHECK_EQ_STR(xz_time_format(t, buf), "2026-11-24T22:13:00+08:00");
	CHECK_EQ_INT(xz_time_parse("2026-12-31T23:59:59.999+08:00", &t), 0);
	CHECK_EQ_STR(xz_time_format(t, buf), "2026-12-31T23:59:59+08:00");
}

static void test_rejects_bad(void)
{
	int64_t t;
	CHECK_EQ_INT(xz_time_parse("2026-02-30T00:00:00Z", &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_time_parse("2026-11-24T24:00:00Z", &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_time_parse("2026-11-24X", &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_time_parse("", &t), XZ_EMALFORMED);
	/* instants whose Shanghai date would not parse back (fuzz_time found
	 * the first: it is 10000-01-01T07:59 in Shanghai) */
	CHECK_EQ_INT(xz_time_parse("9999-12-31T23:59Z", &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_time_parse("1900-01-01T07:59+08:00", &t), 0);
	CHECK_EQ_INT(xz_time_parse("1900-01-01T00:00+14:00", &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_time_parse("9999-12-31T15:59:59Z", &t), 0);
	CHECK_EQ_INT(xz_time_parse("9999-12-31T16:00:00Z", &t), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_date_parse("2024-02-29", &t), 0);
	CHECK_EQ_INT(xz_date_parse("2023-02-29", &t), XZ_EMALFORMED);
}

static void test_day_boundaries(void)
{
	int64_t t, day;
	char buf[XZ_DATE_LEN];
	/* 23:59:59 and 00:00:00 Shanghai fall on different civil days */
	xz_time_parse("2026-11-24T23:59:59+08:00", &t);
	day = xz_day_of(t);
	CHECK_EQ_STR(xz_date_format(day, buf), "2026-11-24");
	CHECK_EQ_STR(xz_date_format(xz_day_of(t + 1), buf), "2026-11-25");
	CHECK_EQ_INT(xz_day_start(day + 1), t + 1);
	/* 2026-11-24 is a Tuesday */
	CHECK_EQ_INT(xz_weekday(day), 1);
}

/* the hand-written digits against the C library's formatting of the same
 * instant, Shanghai time (UTC+8, no daylight saving), over 1970–2099 */
static void test_format_matches_libc(void)
{
	char buf[XZ_TIME_LEN], want[XZ_TIME_LEN];
	int64_t t;
	int bad = 0;
	for (t = -28800; t < 4102444800LL && bad < 3; t += 86400 * 37 + 3671) {
		time_t local = (time_t)(t + 8 * 3600);
		struct tm tm;
		gmtime_r(&local, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S+08:00", &tm);
		if (strcmp(xz_time_format(t, buf), want)) {
			CHECK_EQ_STR(buf, want);
			bad++;
		}
	}
	CHECK_EQ_INT(bad, 0);
}

int main(void)
{
	RUN(test_format_matches_libc);
	RUN(test_format_parse_roundtrip);
	RUN(test_rejects_bad);
	RUN(test_day_boundaries);
	return unit_done();
}
