/*
 * log.c — bounded one-line logging. A line longer than XZ_MAX_LOG_LINE is
 * cut, never split or overflowed.
 */
#include <stdarg.h>
#include <stdio.h>

#include "core/xz.h"
#include "core/log.h"
#include "core/xtime.h"

static int quiet_info;

void xz_log_quiet(int quiet)
{
	quiet_info = quiet;
}

static void emit(const char *level, const char *fmt, va_list ap)
{
	char line[XZ_MAX_LOG_LINE], ts[XZ_TIME_LEN];
	vsnprintf(line, sizeof(line), fmt, ap);
	fprintf(stderr, "%s %s %s\n", xz_time_format(xz_now(), ts), level, line);
}

void xz_log_info(const char *fmt, ...)
{
	va_list ap;
	if (quiet_info)
		return;
	va_start(ap, fmt);
	emit("INFO", fmt, ap);
	va_end(ap);
}

void xz_log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit("ERROR", fmt, ap);
	va_end(ap);
}
