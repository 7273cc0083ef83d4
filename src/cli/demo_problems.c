/*
 * demo_problems.c — a few hundred demo problems across channels, states,
 * townships and categories, spread over the last sixty days, routed by the
 * real routing and with deadlines from the real calendar, some overdue, so
 * that the console, the map and the dashboard have something to show.
 * Deterministic (a fixed linear congruential sequence).
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/problem.h"
#include "domain/routing.h"
#include "cli/demo.h"

#define DEMO_PROBLEMS 320

static uint32_t seed = 20261126;
static uint32_t rnd(uint32_t n)
{
	seed = seed * 1103515245u + 12345u;
	return (seed >> 8) % n;
}

static const struct {
	const char *code, *text;
} samples[] = {
	{"CS01", "村口新建砖混房屋，未见规划许可公示"},
	{"CS01", "农户在自家院内加盖第四层"},
	{"CS02", "占用耕地堆放建材并硬化地面"},
	{"SR01", "集镇主街早市占道摆摊，影响通行"},
	{"SR02", "桥下河岸倾倒建筑垃圾"},
	{"SR03", "沿街店铺擅自设置大型广告牌"},
	{"HJ01", "溪流出现异常颜色，疑似排污"},
	{"HJ02", "田间焚烧秸秆，浓烟较大"},
	{"HJ03", "工地夜间施工噪声扰民"},
	{"HJ04", "新建厂房未见环评公示即开工"},
	{"AQ01", "出租房内电动车违规充电"},
	{"AQ02", "小卖部疑似存放大量烟花爆竹"},
	{"TD01", "山坡有人夜间无证采砂"},
	{"LY01", "景区入口有人拉客、强行兜售"},
	{"LY02", "无资质人员组织游客一日游"},
	{"SC01", "无照经营的流动早餐摊点"},
	{"SC02", "农贸市场销售来源不明的冻品"},
	{"SC03", "小超市销售疑似假冒品牌饮料"},
	{"QT01", "其他需要执法办公室研判的问题"},
};

static const char *const channels[] = {"patrol", "patrol", "patrol", "complaint", "complaint",
				       "video", "media", "transfer", "assigned"};
static const char *const surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林";

/* the state a demo problem has reached, with its share */
static const struct {
	const char *state;
	unsigned share;
	enum xz_pstep step;
} outcomes[] = {
	{"reported", 6, XZ_STEP_ACCEPT},  {"accepted", 4, XZ_STEP_ACCEPT},
	{"dispatched", 10, XZ_STEP_HANDLE}, {"in_hand", 12, XZ_STEP_HANDLE},
	{"handled", 6, XZ_STEP_VERIFY},   {"verified", 3, XZ_STEP_CLOSE},
	{"closed", 52, XZ_STEP_NONE},     {"rejected", 4, XZ_STEP_NONE},
	{"merged", 2, XZ_STEP_NONE},      {"escalated", 1, XZ_STEP_NONE},
};

static const char *const path[] = {"accept", "dispatch", "take", "handle", "verify", "close"};
static const char *const path_to[] = {"accepted", "dispatched", "in_hand", "handled", "verified",
				      "closed"};

static int one(struct xz_db *db, const json_t *cell, int n, int64_t now)
{
	const char *code = samples[n % XZ_ARRAY_LEN(samples)].code;
	const char *state;
	const char *channel = channels[rnd(XZ_ARRAY_LEN(channels))];
	unsigned pick = rnd(100), acc = 0;
	size_t k, steps = 0;
	enum xz_pstep step = XZ_STEP_NONE;
	struct xz_routing rt;
	int64_t id = 0, created, due = 0, warn = 0, town, uid = 0, t;
	double lon, lat;
	char name[16], phone[16];
	int rc;

	for (k = 0; k < XZ_ARRAY_LEN(outcomes); k++) {
		acc += outcomes[k].share;
		if (pick < acc)
			break;
	}
	if (k == XZ_ARRAY_LEN(outcomes))
		k = 0;
	state = outcomes[k].state;
	step = outcomes[k].step;
	/* older problems are mostly closed; open ones are recent */
	/* closed ones over two months, those in hand over the last week (a
	 * few older), new ones within the day: a working backlog, some late */
	if (!strcmp(state, "closed") || !strcmp(state, "rejected") || !strcmp(state, "merged"))
		created = now - 3600 - (int64_t)rnd(60 * 86400);
	else if (!strcmp(state, "reported") || !strcmp(state, "accepted"))
		created = now - 600 - (int64_t)rnd(3 * 3600);
	else
		created = now - 3600 - (int64_t)(rnd(6) == 0 ? rnd(14 * 86400) : rnd(4 * 86400));
	town = json_integer_value(json_object_get(cell, "township_id"));
	lon = json_real_value(json_object_get(cell, "minx")) +
	      (json_real_value(json_object_get(cell, "maxx")) -
	       json_real_value(json_object_get(cell, "minx"))) * (0.1 + rnd(80) / 100.0);
	lat = json_real_value(json_object_get(cell, "miny")) +
	      (json_real_value(json_object_get(cell, "maxy")) -
	       json_real_value(json_object_get(cell, "miny"))) * (0.1 + rnd(80) / 100.0);
	if ((rc = xz_routing_resolve(db, code, town, &rt)) < 0 && rc != XZ_ENOTFOUND)
		return rc;
	if (!rt.unit_id && strcmp(state, "reported") && strcmp(state, "rejected"))
		state = "accepted", step = XZ_STEP_ACCEPT;
	if (step != XZ_STEP_NONE &&
	    (rc = xz_problem_step_due(db, code, step, created + (int64_t)rnd(3) * 3600, &due, &warn)) <
		    0)
		return rc;
	xz_db_int(db,
		  "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id WHERE "
		  "u.township_id = $1 AND r.role IN ('grid','office') ORDER BY r.role = 'grid' DESC, "
		  "u.id LIMIT 1",
		  XZ_ARGS(XZ_INT(town)), &uid);
	rc = xz_db_int(
		db,
		"INSERT INTO problems (county_id, township_id, village_id, cell_id, channel, category, "
		"description, lon, lat, state, unit_id, department_id, routed_unit_id, power_item_id, "
		"list_version_id, routing_reason, reported_by, step, step_started_at, due_at, warn_at, "
		"alert_level, on_time, handled_at, closed_at, created_at, updated_at) VALUES ($1, $2, "
		"$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $11, $13, $14, $15, $16, $17, $18, $19, $20, "
		"$21, $22, $23, $24, $18, $18) RETURNING id",
		XZ_ARGS(XZ_INT(json_integer_value(json_object_get(cell, "county_id"))), XZ_INT(town),
			XZ_INT(json_integer_value(json_object_get(cell, "village_id"))),
			XZ_INT(json_integer_value(json_object_get(cell, "id"))), XZ_TEXT(channel),
			XZ_TEXT(code), XZ_TEXT(samples[n % XZ_ARRAY_LEN(samples)].text), XZ_REAL(lon),
			XZ_REAL(lat), XZ_TEXT(state), XZ_ID(rt.unit_id), XZ_ID(rt.department_id),
			XZ_ID(rt.power_item_id), XZ_ID(rt.list_version_id), XZ_TEXT(rt.reason),
			XZ_ID(uid),
			XZ_TEXT(step == XZ_STEP_NONE     ? NULL
				: step == XZ_STEP_ACCEPT ? "accept"
				: step == XZ_STEP_HANDLE ? "handle"
				: step == XZ_STEP_VERIFY ? "verify"
							 : "close"),
			XZ_INT(created), due ? XZ_INT(due) : XZ_NULL, due ? XZ_INT(warn) : XZ_NULL,
			XZ_INT(due && due < now ? 2 : 0),
			!strcmp(state, "closed") ? XZ_INT(rnd(10) < 8) : due && due < now ? XZ_INT(0) : XZ_NULL,
			XZ_NULL, !strcmp(state, "closed") ? XZ_INT(created + 86400 + rnd(6 * 86400)) : XZ_NULL),
		&id);
	if (rc == 0 && uid)
		rc = xz_db_exec(db, "INSERT INTO problem_watchers (problem_id, user_id) VALUES ($1, $2)",
				XZ_ARGS(XZ_INT(id), XZ_INT(uid)), NULL);
	if (rc == 0 && !strcmp(channel, "complaint")) {
		snprintf(name, sizeof(name), "%.3s%s", surnames + 3 * rnd(16), rnd(2) ? "先生" : "女士");
		snprintf(phone, sizeof(phone), "13%09u", rnd(1000000000));
		rc = xz_db_exec(db,
				"INSERT INTO problem_reporters (problem_id, name, phone) VALUES ($1, $2, "
				"$3)",
				XZ_ARGS(XZ_INT(id), XZ_TEXT(name), XZ_TEXT(phone)), NULL);
	}
	/* the history up to the state reached */
	if (rc == 0)
		rc = xz_db_exec(db,
				"INSERT INTO problem_history (problem_id, at, action, from_state, to_state, "
				"user_id, user_name, note) VALUES ($1, $2, 'report', NULL, 'reported', $3, "
				"'演示数据', $4)",
				XZ_ARGS(XZ_INT(id), XZ_INT(created), XZ_ID(uid),
					XZ_TEXT(samples[n % XZ_ARRAY_LEN(samples)].text)),
				NULL);
	for (k = 0; k < XZ_ARRAY_LEN(path) && rc == 0; k++)
		if (!strcmp(path_to[k], state))
			steps = k + 1;
	if (!strcmp(state, "rejected") || !strcmp(state, "merged") || !strcmp(state, "escalated"))
		steps = 0;
	for (k = 0, t = created; k < steps && rc == 0; k++) {
		t += 1800 + rnd(86400);
		rc = xz_db_exec(db,
				"INSERT INTO problem_history (problem_id, at, action, from_state, to_state, "
				"user_name) VALUES ($1, $2, $3, $4, $5, '演示数据')",
				XZ_ARGS(XZ_INT(id), XZ_INT(t < now ? t : now), XZ_TEXT(path[k]),
					XZ_TEXT(k ? path_to[k - 1] : "reported"), XZ_TEXT(path_to[k])),
				NULL);
	}
	if (rc == 0 && steps == 0 && strcmp(state, "reported"))
		rc = xz_db_exec(db,
				"INSERT INTO problem_history (problem_id, at, action, from_state, to_state, "
				"user_name, note) VALUES ($1, $2, $3, 'reported', $4, '演示数据', $5)",
				XZ_ARGS(XZ_INT(id), XZ_INT(created + 3600),
					XZ_TEXT(!strcmp(state, "rejected")  ? "reject"
						: !strcmp(state, "merged") ? "merge"
									   : "escalate"),
					XZ_TEXT(state), XZ_TEXT("演示：不属于受理范围或需联合执法")),
				NULL);
	return rc;
}

int xz_demo_problems(struct xz_db *db)
{
	json_t *cells = NULL;
	int64_t now = xz_now();
	int rc, n;
	if ((rc = xz_db_query(db,
			      "SELECT id, village_id, township_id, county_id, minx, miny, maxx, maxy "
			      "FROM grid_cells ORDER BY id",
			      XZ_NOARGS, &cells)) < 0)
		return rc;
	for (n = 0; n < DEMO_PROBLEMS && rc == 0 && json_array_size(cells); n++)
		/* 碧湖镇 (the first township, the demo logins' own) gets a third */
		rc = one(db, json_array_get(cells, n % 3 == 0 ? rnd(9) : rnd((uint32_t)json_array_size(cells))),
			 n, now);
	json_decref(cells);
	return rc;
}
