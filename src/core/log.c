/*
 * log.c — bounded one-line logging. A line longer than XZ_MAX_LOG_LINE is
 * cut, never split or overflowed; a newline inside a message is written as
 * a space, so one event is always one line (journald, grep). Each line is
 * one write(2) of at most a pipe buffer, so threads never interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/xz.h"
#include "core/log.h"
#include "core/xtime.h"

static volatile int level = XZ_LOG_INFO;

static const char *const names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void xz_log_quiet(int quiet)
{
	level = quiet ? XZ_LOG_WARN : XZ_LOG_INFO;
}

int xz_log_set_level(const char *name)
{
	static const char *const lower[] = {"error", "warn", "info", "debug"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(name, lower[i])) {
			level = i;
			return 0;
		}
	return -1;
}

int xz_log_enabled(enum xz_log_level l)
{
	return (int)l <= level;
}

static void emit(enum xz_log_level l, const char *fmt, va_list ap)
{
	char line[XZ_MAX_LOG_LINE + 64], ts[XZ_TIME_LEN];
	int head, n;
	if ((int)l > level)
		return;
	head = snprintf(line, sizeof(line), "%s %s ", xz_time_format(xz_now(), ts), names[l]);
	n = vsnprintf(line + head, sizeof(line) - (size_t)head - 1, fmt, ap);
	n = n < 0 ? 0 : head + n;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	for (int i = head; i < n; i++)
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	line[n++] = '\n';
	if (write(2, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}

#define XZ_LOG_FN(fn, l)                                                                           \
	void fn(const char *fmt, ...)                                                              \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		emit(l, fmt, ap);                                                                  \
		va_end(ap);                                                                        \
	}
XZ_LOG_FN(xz_log_error, XZ_LOG_ERROR)
XZ_LOG_FN(xz_log_warn, XZ_LOG_WARN)
XZ_LOG_FN(xz_log_info, XZ_LOG_INFO)
XZ_LOG_FN(xz_log_debug, XZ_LOG_DEBUG)

void xz_log_at(enum xz_log_level l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(l, fmt, ap);
	va_end(ap);
}
