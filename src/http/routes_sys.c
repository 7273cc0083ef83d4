/*
 * routes_sys.c — health, and the test clock that end-to-end tests use to
 * move time across deadlines and the scheduler pass they trigger (only when
 * the server runs with --test-mode).
 */
#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/jointaction.h"
#include "domain/problem.h"
#include "http/http.h"

static int health(struct xz_req *r)
{
	char now[XZ_TIME_LEN];
	struct xz_db *db = xz_req_db(r);
	int64_t one = 0;
	int rc = xz_db_int(db, "SELECT 1", XZ_NOARGS, &one);
	if (rc < 0)
		return xz_fail(r, XZ_EUNAVAIL, "database_unavailable", "数据库不可用",
			       "Database unavailable", NULL);
	return xz_reply(r, 200,
			json_pack("{s:s,s:s,s:s,s:s}", "status", "ok", "service", "xiezhi", "engine",
				  xz_db_engine(db) == XZ_DB_PG ? "postgresql" : "sqlite", "time",
				  xz_time_format(xz_now(), now)));
}

static int set_clock(struct xz_req *r)
{
	const char *at = NULL;
	int64_t t;
	int rc;
	if (!r->app->test_mode)
		return xz_fail(r, XZ_ENOTFOUND, "no_such_endpoint", "接口不存在", "No such endpoint",
			       NULL);
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
	return health(r);
}

/* run_tick: one scheduler pass now (test mode), so tests need not wait
 * for the background thread. */
static int run_tick(struct xz_req *r)
{
	int found = 0, rc;
	if (!r->app->test_mode)
		return xz_fail(r, XZ_ENOTFOUND, "no_such_endpoint", "接口不存在", "No such endpoint",
			       NULL);
	int joint = 0;
	if ((rc = xz_joint_tick(xz_req_db(r), xz_now(), &joint)) < 0)
		return xz_fail_db(r, rc);
	if ((rc = xz_problem_tick(xz_req_db(r), xz_now(), &found)) < 0)
		return xz_fail_db(r, rc);
	found += joint;
	return xz_reply(r, 200, json_pack("{s:i}", "found", found));
}

const struct xz_route xz_routes_sys[] = {
	{"GET", "/api/v1/health", health, NULL, 0},
	{"POST", "/api/v1/test/clock", set_clock, NULL, 0},
	{"POST", "/api/v1/test/tick", run_tick, NULL, 0},
	{NULL, NULL, NULL, NULL, 0},
};
