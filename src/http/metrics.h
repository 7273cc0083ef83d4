/*
 * metrics.h — the server's counters for operators: requests by route
 * pattern, method and status with latency histograms, database time,
 * scheduler passes and failures, live streams, memory. Rendered in the
 * Prometheus text format (GET /metrics, loopback or an operator) and read
 * by /api/v1/health for the scheduler's state. Process-wide, thread-safe.
 */
#ifndef XZ_METRICS_H
#define XZ_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* xz_metrics_request: one finished request. route is the route's pattern
 * ("/api/v1/problems/{id}"), "static" or "unmatched" — never a raw path;
 * both strings must be static. */
void xz_metrics_request(const char *method, const char *route, unsigned status, double seconds);

/* xz_metrics_scheduler: one scheduler pass ended at `at` (epoch seconds);
 * why (copied) names the failure when !ok. */
void xz_metrics_scheduler(bool ok, int64_t at, const char *why);

struct xz_scheduler_state {
	int64_t last_ok;   /* last successful pass, 0 = none yet */
	int64_t last_fail; /* last failed pass, 0 = none */
	long passes, failures;
	int failing;   /* consecutive failures up to now */
	char why[256]; /* the last failure's reason */
};
void xz_metrics_scheduler_state(struct xz_scheduler_state *out);

/* XZ_SCHEDULER_FAILING: consecutive failed passes after which health
 * answers 503. */
#define XZ_SCHEDULER_FAILING 2

/* xz_metrics_render: the Prometheus text (malloc'd, caller frees) with the
 * gauges given by the caller appended. */
struct xz_metrics_gauges {
	size_t sse_clients;
	int db_busy, db_size;
	int schema_version;
	int64_t outbound_queue; /* notifications not yet handed to the outbound hook */
};
char *xz_metrics_render(const struct xz_metrics_gauges *g, size_t *len);
/* xz_metrics_start: record the process start (the server calls it once). */
void xz_metrics_start(void);

#endif
