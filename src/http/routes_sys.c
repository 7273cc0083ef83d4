/*
 * routes_sys.c — health and metrics for operators, and the test clock that
 * end-to-end tests use to move time across deadlines and the scheduler pass
 * they trigger (only when the server runs with --test-mode).
 *
 * Health tells the truth: it answers 503 when the database cannot be
 * reached, when its schema is not this binary's (a migration missing,
 * changed or unknown) or when the scheduler keeps failing, and it says
 * from November on that next year's holiday arrangement is not loaded.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/scheduler.h"
#include "domain/events.h"
#include "domain/problem.h"
#include "http/http.h"
#include "http/metrics.h"

/* calendar_state: {"year","next_year","next_year_loaded"} and, when it
 * matters (November and December), a warning. A year counts as loaded when
 * it has an arranged day after 3 January (the shipped file carries the
 * next 1 January alone). */
static json_t *calendar_state(struct xz_db *db, int64_t now, bool *warn)
{
	char day[XZ_TIME_LEN], from[32], to[32];
	int year, month;
	int64_t n = 0;
	xz_time_format(now, day);
	year = (int)strtol(day, NULL, 10);
	month = (int)strtol(day + 5, NULL, 10);
	snprintf(from, sizeof(from), "%04d-01-04", year + 1);
	snprintf(to, sizeof(to), "%04d-12-31", year + 1);
	xz_db_int(db, "SELECT COUNT(*) FROM calendar_days WHERE day >= $1 AND day <= $2",
		  XZ_ARGS(XZ_TEXT(from), XZ_TEXT(to)), &n);
	*warn = month >= 11 && n == 0;
	return json_pack("{s:i,s:b,s:b}", "next_year", year + 1, "next_year_loaded", n > 0,
			 "warning", *warn);
}

/* The last year whose holiday arrangement is loaded (0 = not read yet),
 * refreshed by every scheduler pass: a deadline after it is provisional. */
static volatile int loaded_through;

void xz_calendar_refresh(struct xz_db *db)
{
	json_t *row = NULL;
	const char *day;
	if (xz_db_one(db,
		      "SELECT MAX(day) AS last FROM calendar_days WHERE substr(day, 6) > '01-03'",
		      XZ_NOARGS, &row) == 0 &&
	    (day = json_string_value(json_object_get(row, "last"))))
		loaded_through = (int)strtol(day, NULL, 10);
	json_decref(row);
}

bool xz_deadline_provisional(int64_t due_at)
{
	char day[XZ_TIME_LEN];
	if (!due_at || !loaded_through)
		return false;
	xz_time_format(due_at, day);
	return (int)strtol(day, NULL, 10) > loaded_through;
}

static int health(struct xz_req *r)
{
	char now[XZ_TIME_LEN], last[XZ_TIME_LEN];
	struct xz_db *db = xz_req_db(r);
	struct xz_schema_status st;
	struct xz_scheduler_state sc;
	json_t *out, *problems = json_array(), *cal;
	bool schema_ok, sched_ok, cal_warn = false;
	int64_t one = 0;
	int rc = xz_db_int(db, "SELECT 1", XZ_NOARGS, &one);
	if (rc < 0) {
		json_decref(problems);
		return xz_fail(r, XZ_EUNAVAIL, "database_unavailable", "数据库不可用",
			       "Database unavailable", NULL);
	}
	schema_ok = xz_db_schema_status(db, &st) == 0 && st.pending == 0;
	if (!schema_ok)
		json_array_append_new(
		    problems,
		    json_string(st.problem[0] ? st.problem : "schema migrations pending"));
	xz_metrics_scheduler_state(&sc);
	sched_ok = sc.failing < XZ_SCHEDULER_FAILING;
	if (!sched_ok)
		json_array_append_new(problems, json_string(xz_arena_printf(
						    r->arena, "scheduler: %d passes failed: %s",
						    sc.failing, sc.why)));
	cal = calendar_state(db, xz_now(), &cal_warn);
	if (cal_warn)
		json_array_append_new(
		    problems, json_string("calendar: next year's holiday arrangement is not "
					  "loaded; deadlines there are provisional"));
	out = json_pack("{s:s,s:s,s:s,s:s,s:i,s:i,s:b,s:o,s:{s:o,s:b,s:i,s:i,s:s?},s:o,s:o}",
			"status", schema_ok && sched_ok ? "ok" : "fail", "service", "xiezhi",
			"engine", xz_db_engine(db) == XZ_DB_PG ? "postgresql" : "sqlite", "time",
			xz_time_format(xz_now(), now), "schema_version", st.version,
			"schema_expected", st.binary_version, "schema_ok", schema_ok, "database",
			json_string("ok"), "scheduler", "last_ok",
			sc.last_ok ? json_string(xz_time_format(sc.last_ok, last)) : json_null(),
			"ok", sched_ok, "passes", (int)sc.passes, "failures", (int)sc.failures,
			"error", sc.failing ? sc.why : NULL, "calendar", cal, "problems", problems);
	/* seconds since the last good pass (on the real clock's scale: the test
	 * clock may sit before it) */
	json_object_set_new(json_object_get(out, "scheduler"), "age_s",
			    sc.last_ok ? json_integer(xz_now() - sc.last_ok) : json_null());
	return xz_reply(r, schema_ok && sched_ok ? 200 : 503, out);
}

/* metrics: Prometheus text, to this machine (not relayed by a proxy) or
 * to an operator (system.metrics). */
static int metrics(struct xz_req *r)
{
	struct xz_metrics_gauges g = {0};
	struct xz_schema_status st;
	int rc;
	if (!r->local && (rc = xz_authorize(r, "system.metrics", NULL)) < 0)
		return rc;
	g.sse_clients = xz_events_count();
	xz_pool_stats(r->app->pool, &g.db_busy, &g.db_size);
	if (xz_db_schema_status(xz_req_db(r), &st) == 0 || st.version)
		g.schema_version = st.version;
	xz_db_int(xz_req_db(r), "SELECT COUNT(*) FROM notifications WHERE sent_at IS NULL", XZ_NOARGS,
		  &g.outbound_queue);
	r->raw = (unsigned char *)xz_metrics_render(&g, &r->raw_len);
	r->raw_malloced = true;
	r->raw_type = "text/plain; version=0.0.4; charset=utf-8";
	return 0;
}

static int set_clock(struct xz_req *r)
{
	const char *at = NULL;
	int64_t t;
	int rc;
	if (!r->app->test_mode)
		return xz_fail(r, XZ_ENOTFOUND, "no_such_endpoint", "接口不存在",
			       "No such endpoint", NULL);
	if ((rc = xz_req_unpack(r, "{s?s}", "now", &at)) < 0)
		return rc;
	if (!at) {
		xz_time_set_test(-1);
	} else {
		if (xz_time_parse(at, &t) < 0)
			return xz_fail(r, XZ_EMALFORMED, "invalid_time", "时间格式错误",
				       "Invalid time", "now");
		xz_time_set_test(t);
	}
	rc = health(r);
	r->status = 200; /* the clock moved; health's verdict is in the body */
	return rc;
}

/* run_tick: one scheduler pass now (test mode), so tests need not wait
 * for the background thread; recorded like the thread's. */
static int run_tick(struct xz_req *r)
{
	int found = 0, rc;
	if (!r->app->test_mode)
		return xz_fail(r, XZ_ENOTFOUND, "no_such_endpoint", "接口不存在",
			       "No such endpoint", NULL);
	if ((rc = xz_server_scheduler_pass(xz_req_db(r), &found)) < 0)
		return xz_fail_db(r, rc);
	return xz_reply(r, 200, json_pack("{s:i}", "found", found));
}

const struct xz_route xz_routes_sys[] = {
    {"GET", "/api/v1/health", health, NULL, 0},
    {"GET", "/api/v1/metrics", metrics, NULL, 0},
    {"POST", "/api/v1/test/clock", set_clock, NULL, 0},
    {"POST", "/api/v1/test/tick", run_tick, NULL, 0},
    {NULL, NULL, NULL, NULL, 0},
};
