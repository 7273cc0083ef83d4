/*
 * xtime.c — civil-date arithmetic (Howard Hinnant's days_from_civil) and
 * ISO 8601 formatting/parsing at a fixed +08:00. See xtime.h for why fixed.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/xz.h"
#include "core/xtime.h"

static _Atomic int64_t test_clock = -1;

int64_t xz_now(void)
{
	int64_t t = atomic_load(&test_clock);
	return t >= 0 ? t : (int64_t)time(NULL);
}

void xz_time_set_test(int64_t t)
{
	atomic_store(&test_clock, t);
}

int64_t xz_days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void xz_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int floordiv(int64_t a, int64_t b, int64_t *q)
{
	*q = a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
	return 0;
}

int64_t xz_day_of(int64_t t)
{
	int64_t q;
	floordiv(t + XZ_TZ_OFFSET, 86400, &q);
	return q;
}

int64_t xz_day_start(int64_t day)
{
	return day * 86400 - XZ_TZ_OFFSET;
}

int xz_weekday(int64_t day)
{
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	int64_t w = (day + 3) % 7;
	return (int)(w < 0 ? w + 7 : w);
}

/* two: v (0–99) as two digits at p */
static void two(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

char *xz_time_format(int64_t t, char *buf)
{
	int64_t local = t + XZ_TZ_OFFSET, day, sec;
	int y, m, d;
	floordiv(local, 86400, &day);
	sec = local - day * 86400;
	xz_civil_from_days(day, &y, &m, &d);
	if (y < 0 || y > 9999) {
		snprintf(buf, XZ_TIME_LEN, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", y, m, d,
			 (int)(sec / 3600), (int)(sec / 60 % 60), (int)(sec % 60));
		return buf;
	}
	/* the digits by hand: snprintf cost ~3,300 instructions a call, and a
	 * list of 50 problems formats 150 of them (callgrind, bench/profile.sh) */
	memcpy(buf, "0000-00-00T00:00:00+08:00", sizeof("0000-00-00T00:00:00+08:00"));
	two(buf, y / 100);
	two(buf + 2, y % 100);
	two(buf + 5, m);
	two(buf + 8, d);
	two(buf + 11, (int)(sec / 3600));
	two(buf + 14, (int)(sec / 60 % 60));
	two(buf + 17, (int)(sec % 60));
	return buf;
}

char *xz_date_format(int64_t day, char *buf)
{
	int y, m, d;
	xz_civil_from_days(day, &y, &m, &d);
	snprintf(buf, XZ_DATE_LEN, "%04d-%02d-%02d", y, m, d);
	return buf;
}

/* digits: parse exactly n decimal digits at s into *v. */
static bool digits(const char *s, int n, int *v)
{
	int i, x = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (s[i] - '0');
	}
	*v = x;
	return true;
}

static bool valid_date(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int max;
	if (y < 1900 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		max = 29;
	return d <= max;
}

int xz_date_parse(const char *s, int64_t *day)
{
	int y, m, d;
	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d) || !valid_date(y, m, d))
		return XZ_EMALFORMED;
	*day = xz_days_from_civil(y, m, d);
	return 0;
}

int xz_time_parse(const char *s, int64_t *out)
{
	int y, mo, d, h = 0, mi = 0, se = 0, oh, om, off = XZ_TZ_OFFSET;
	int64_t t, local;
	const char *p;
	if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) || !valid_date(y, mo, d))
		return XZ_EMALFORMED;
	p = s + 10;
	if (*p == 'T' || *p == ' ') {
		if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi))
			return XZ_EMALFORMED;
		p += 6;
		if (*p == ':') {
			if (!digits(p + 1, 2, &se))
				return XZ_EMALFORMED;
			p += 3;
			if (*p == '.') {
				p++;
				if (*p < '0' || *p > '9')
					return XZ_EMALFORMED;
				while (*p >= '0' && *p <= '9')
					p++;
			}
		}
		if (h > 23 || mi > 59 || se > 60)
			return XZ_EMALFORMED;
		if (*p == 'Z') {
			off = 0;
			p++;
		} else if (*p == '+' || *p == '-') {
			if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 14 ||
			    om > 59)
				return XZ_EMALFORMED;
			off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
			p += 6;
		}
	}
	if (*p)
		return XZ_EMALFORMED;
	t = xz_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
	/* an instant is shown in Shanghai: its local date must be one that
	 * parses back ("9999-12-31T23:59Z" is 10000-01-01 there) */
	local = xz_day_of(t);
	if (local < xz_days_from_civil(1900, 1, 1) || local > xz_days_from_civil(9999, 12, 31))
		return XZ_EMALFORMED;
	*out = t;
	return 0;
}
