/*
 * metrics.c — counters kept in fixed tables under one mutex (a request
 * adds to three numbers; contention is far below the database's). Routes
 * are keyed by the pattern's address, so the table holds at most one row
 * per route and method whatever paths clients send. Rendered in the
 * Prometheus text exposition format, version 0.0.4.
 */
#include <pthread.h>
#include <stdarg.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "store/db.h"
#include "http/metrics.h"

#define ROUTES 512
#define STATUSES 16

static const double bounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define NB XZ_ARRAY_LEN(bounds)

struct row {
	const char *method, *route;
	unsigned status[STATUSES];
	unsigned long count[STATUSES];
	unsigned long bucket[NB + 1]; /* last: +Inf */
	double sum;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct row rows[ROUTES];
static int nrows;
static unsigned long dropped; /* requests past the table (never expected) */
static struct xz_scheduler_state sched;
static time_t started;

void xz_metrics_request(const char *method, const char *route, unsigned status, double seconds)
{
	struct row *r = NULL;
	int i;
	size_t b;
	pthread_mutex_lock(&mu);
	if (!started)
		started = time(NULL);
	for (i = 0; i < nrows; i++)
		if (rows[i].route == route && !strcmp(rows[i].method, method)) {
			r = &rows[i];
			break;
		}
	if (!r && nrows < ROUTES) {
		r = &rows[nrows++];
		/* methods outside this set are counted as OTHER */
		static const char *const known[] = {"GET",   "HEAD",   "POST",	 "PUT",
						    "PATCH", "DELETE", "OPTIONS"};
		r->method = "OTHER";
		for (b = 0; b < XZ_ARRAY_LEN(known); b++)
			if (!strcmp(known[b], method))
				r->method = known[b];
		r->route = route;
	}
	if (!r) {
		dropped++;
		goto out;
	}
	for (i = 0; i < STATUSES; i++)
		if (r->status[i] == status || r->status[i] == 0) {
			r->status[i] = status;
			r->count[i]++;
			break;
		}
	for (b = 0; b < NB && seconds > bounds[b]; b++)
		;
	r->bucket[b]++;
	r->sum += seconds;
out:
	pthread_mutex_unlock(&mu);
}

void xz_metrics_scheduler(bool ok, int64_t at, const char *why)
{
	pthread_mutex_lock(&mu);
	sched.passes++;
	if (ok) {
		sched.last_ok = at;
		sched.failing = 0;
	} else {
		sched.failures++;
		sched.failing++;
		sched.last_fail = at;
		snprintf(sched.why, sizeof(sched.why), "%s", why ? why : "");
	}
	pthread_mutex_unlock(&mu);
}

void xz_metrics_scheduler_state(struct xz_scheduler_state *out)
{
	pthread_mutex_lock(&mu);
	*out = sched;
	pthread_mutex_unlock(&mu);
}

struct buf {
	char *p;
	size_t len, cap;
};

__attribute__((format(printf, 2, 3))) static void put(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		b->cap *= 2;
		b->p = xz_realloc(b->p, b->cap);
	}
}

static long rss_bytes(void)
{
	long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

char *xz_metrics_render(const struct xz_metrics_gauges *g, size_t *len)
{
	struct buf b = {xz_malloc(16384), 0, 16384};
	uint64_t db_calls = 0, db_ns = 0;
	struct xz_writer_stats ws;
	int i, k;
	size_t j;
	pthread_mutex_lock(&mu);
	put(&b, "# HELP xiezhi_http_requests_total HTTP requests by route pattern, method and "
		"status.\n# TYPE xiezhi_http_requests_total counter\n");
	for (i = 0; i < nrows; i++)
		for (k = 0; k < STATUSES && rows[i].status[k]; k++)
			put(&b,
			    "xiezhi_http_requests_total{method=\"%s\",route=\"%s\",status=\"%u\"} "
			    "%lu\n",
			    rows[i].method, rows[i].route, rows[i].status[k], rows[i].count[k]);
	put(&b, "# HELP xiezhi_http_request_duration_seconds Time from the request's headers to "
		"its answer.\n# TYPE xiezhi_http_request_duration_seconds histogram\n");
	for (i = 0; i < nrows; i++) {
		unsigned long cum = 0, total = 0;
		for (j = 0; j <= NB; j++)
			total += rows[i].bucket[j];
		for (j = 0; j < NB; j++) {
			cum += rows[i].bucket[j];
			put(&b,
			    "xiezhi_http_request_duration_seconds_bucket{method=\"%s\",route=\"%"
			    "s\","
			    "le=\"%g\"} %lu\n",
			    rows[i].method, rows[i].route, bounds[j], cum);
		}
		put(&b,
		    "xiezhi_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+"
		    "Inf\"} "
		    "%lu\n",
		    rows[i].method, rows[i].route, total);
		put(&b,
		    "xiezhi_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
		    rows[i].method, rows[i].route, rows[i].sum);
		put(&b,
		    "xiezhi_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %lu\n",
		    rows[i].method, rows[i].route, total);
	}
	put(&b,
	    "# HELP xiezhi_http_requests_untracked_total Requests past the route table.\n"
	    "# TYPE xiezhi_http_requests_untracked_total counter\n"
	    "xiezhi_http_requests_untracked_total %lu\n",
	    dropped);
	put(&b,
	    "# HELP xiezhi_scheduler_passes_total Scheduler passes (deadlines, outbound).\n"
	    "# TYPE xiezhi_scheduler_passes_total counter\nxiezhi_scheduler_passes_total %ld\n"
	    "# HELP xiezhi_scheduler_failures_total Scheduler passes that failed.\n"
	    "# TYPE xiezhi_scheduler_failures_total counter\n"
	    "xiezhi_scheduler_failures_total %ld\n"
	    "# HELP xiezhi_scheduler_last_success_timestamp_seconds The last good pass.\n"
	    "# TYPE xiezhi_scheduler_last_success_timestamp_seconds gauge\n"
	    "xiezhi_scheduler_last_success_timestamp_seconds %lld\n",
	    sched.passes, sched.failures, (long long)sched.last_ok);
	pthread_mutex_unlock(&mu);
	xz_db_stats(&db_calls, &db_ns);
	xz_db_writer_stats(&ws);
	put(&b,
	    "# HELP xiezhi_db_writer_transactions_total Transactions run on the SQLite writer.\n"
	    "# TYPE xiezhi_db_writer_transactions_total counter\n"
	    "xiezhi_db_writer_transactions_total %llu\n"
	    "# HELP xiezhi_db_writer_commits_total Group commits (COMMITs of batches) on the "
	    "SQLite "
	    "writer.\n"
	    "# TYPE xiezhi_db_writer_commits_total counter\nxiezhi_db_writer_commits_total %llu\n"
	    "# HELP xiezhi_db_writer_held_seconds_total Time the SQLite writer was held "
	    "(transactions and COMMITs).\n"
	    "# TYPE xiezhi_db_writer_held_seconds_total counter\n"
	    "xiezhi_db_writer_held_seconds_total %.6f\n"
	    "# HELP xiezhi_db_writer_commit_seconds_total Time in the SQLite writer's COMMITs.\n"
	    "# TYPE xiezhi_db_writer_commit_seconds_total counter\n"
	    "xiezhi_db_writer_commit_seconds_total %.6f\n",
	    (unsigned long long)ws.transactions, (unsigned long long)ws.commits,
	    (double)ws.held_ns / 1e9, (double)ws.commit_ns / 1e9);
	put(&b,
	    "# HELP xiezhi_db_queries_total Statements sent to the database.\n"
	    "# TYPE xiezhi_db_queries_total counter\nxiezhi_db_queries_total %llu\n"
	    "# HELP xiezhi_db_seconds_total Time spent in database statements.\n"
	    "# TYPE xiezhi_db_seconds_total counter\nxiezhi_db_seconds_total %.6f\n",
	    (unsigned long long)db_calls, (double)db_ns / 1e9);
	put(&b,
	    "# HELP xiezhi_db_connections_busy Pool connections lent out.\n"
	    "# TYPE xiezhi_db_connections_busy gauge\nxiezhi_db_connections_busy %d\n"
	    "# HELP xiezhi_db_connections Pool size.\n"
	    "# TYPE xiezhi_db_connections gauge\nxiezhi_db_connections %d\n"
	    "# HELP xiezhi_sse_clients Open live-update streams.\n"
	    "# TYPE xiezhi_sse_clients gauge\nxiezhi_sse_clients %zu\n"
	    "# HELP xiezhi_outbound_queue Notifications not yet sent to the outbound hook.\n"
	    "# TYPE xiezhi_outbound_queue gauge\nxiezhi_outbound_queue %lld\n"
	    "# HELP xiezhi_schema_version The database's schema migration.\n"
	    "# TYPE xiezhi_schema_version gauge\nxiezhi_schema_version %d\n"
	    "# HELP process_resident_memory_bytes Resident memory.\n"
	    "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %ld\n"
	    "# HELP process_start_time_seconds When the process started.\n"
	    "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %lld\n",
	    g->db_busy, g->db_size, g->sse_clients, (long long)g->outbound_queue, g->schema_version,
	    rss_bytes(), (long long)started);
	{
		struct mallinfo2 mi = mallinfo2();
		int64_t sq_bytes;
		long sq_stmts;
		xz_db_sqlite_memory(&sq_bytes, &sq_stmts);
		put(&b,
		    "# HELP xiezhi_db_sqlite_memory_bytes Memory SQLite holds (page caches, "
		    "schemas, statements).\n"
		    "# TYPE xiezhi_db_sqlite_memory_bytes gauge\nxiezhi_db_sqlite_memory_bytes "
		    "%lld\n"
		    "# HELP xiezhi_db_statements_cached Prepared statements kept by the "
		    "connections.\n"
		    "# TYPE xiezhi_db_statements_cached gauge\nxiezhi_db_statements_cached %ld\n"
		    "# HELP process_heap_in_use_bytes malloc's bytes in use (main arena and "
		    "threads').\n"
		    "# TYPE process_heap_in_use_bytes gauge\nprocess_heap_in_use_bytes %zu\n"
		    "# HELP process_heap_free_bytes malloc's free bytes not returned to the "
		    "system.\n"
		    "# TYPE process_heap_free_bytes gauge\nprocess_heap_free_bytes %zu\n",
		    (long long)sq_bytes, sq_stmts, mi.uordblks + mi.hblkhd, mi.fordblks);
	}
	*len = b.len;
	return b.p;
}

/* xz_metrics_start: note the start time (called once by the server). */
void xz_metrics_start(void)
{
	pthread_mutex_lock(&mu);
	started = time(NULL);
	pthread_mutex_unlock(&mu);
}
