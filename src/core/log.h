/*
 * log.h — one-line logs to stderr with a Shanghai timestamp.
 * Never pass passwords, tokens or reporter identities to these.
 */
#ifndef XZ_LOG_H
#define XZ_LOG_H

void xz_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void xz_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* xz_log_quiet: suppress info lines (tests and CLI). */
void xz_log_quiet(int quiet);

#endif
