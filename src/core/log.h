/*
 * log.h — one-line logs to stderr with a Shanghai timestamp and a level.
 * Never pass passwords, tokens, request bodies or reporter identities to
 * these. The level is set once at start (--log-level or XZ_LOG_LEVEL);
 * lines below it are dropped.
 */
#ifndef XZ_LOG_H
#define XZ_LOG_H

enum xz_log_level { XZ_LOG_ERROR = 0, XZ_LOG_WARN = 1, XZ_LOG_INFO = 2, XZ_LOG_DEBUG = 3 };

void xz_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xz_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xz_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xz_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* xz_log_at: a line at a level given at run time. */
void xz_log_at(enum xz_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* xz_log_quiet: suppress info lines (tests and CLI); same as level warn. */
void xz_log_quiet(int quiet);
/* xz_log_set_level: "error", "warn", "info" or "debug"; -1 on anything else. */
int xz_log_set_level(const char *name);
/* xz_log_enabled: whether a line at level would be written. */
int xz_log_enabled(enum xz_log_level level);

#endif
