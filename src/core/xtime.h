/*
 * xtime.h — instants and civil dates in Asia/Shanghai.
 *
 * Instants are stored as int64 seconds since the Unix epoch (UTC): one
 * unambiguous number in both databases. People see them as ISO 8601 with
 * +08:00. China has observed no daylight saving since 1991, so Asia/Shanghai
 * is a fixed UTC+8 for every date this system handles; the offset lives in
 * XZ_TZ_OFFSET alone.
 *
 * Civil dates ("2026-10-01") are day numbers: days since 1970-01-01.
 */
#ifndef XZ_XTIME_H
#define XZ_XTIME_H

#include <stdint.h>
#include <stdbool.h>

#define XZ_TZ_OFFSET (8 * 3600)
#define XZ_TIME_LEN 32 /* buffer for xz_time_format, with room to spare */
#define XZ_DATE_LEN 11 /* "YYYY-MM-DD" + NUL */

/* xz_now: current instant. Honours a test clock set by xz_time_set_test(). */
int64_t xz_now(void);
/* xz_time_set_test: pin the clock to t (t < 0 releases it). Test mode only. */
void xz_time_set_test(int64_t t);

/* xz_time_format: t as "YYYY-MM-DDTHH:MM:SS+08:00" into buf[XZ_TIME_LEN]. Returns buf. */
char *xz_time_format(int64_t t, char *buf);
/* xz_time_parse: ISO 8601 date-time, with Z or ±HH:MM (none means +08:00),
 * or a bare date (its 00:00 in Shanghai). Returns 0 or XZ_EMALFORMED. */
int xz_time_parse(const char *s, int64_t *out);

/* Civil dates as day numbers. */
int64_t xz_days_from_civil(int y, int m, int d);
void xz_civil_from_days(int64_t z, int *y, int *m, int *d);
/* xz_date_parse: strict "YYYY-MM-DD" (a real date). 0 or XZ_EMALFORMED. */
int xz_date_parse(const char *s, int64_t *day);
/* xz_date_format: day as "YYYY-MM-DD" into buf[XZ_DATE_LEN]. Returns buf. */
char *xz_date_format(int64_t day, char *buf);
/* xz_day_of: the Shanghai civil day of instant t. */
int64_t xz_day_of(int64_t t);
/* xz_day_start: the instant 00:00:00 Shanghai of day. */
int64_t xz_day_start(int64_t day);
/* xz_weekday: 0 = Monday … 6 = Sunday. */
int xz_weekday(int64_t day);

#endif
