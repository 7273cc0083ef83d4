/*
 * demo_problems.c — a few hundred demo problems across channels, states,
 * townships and categories, spread over the last sixty days. Each is
 * reported and moved along the closed loop through the same use cases as
 * the API (xz_problem_report, xz_problem_apply) by the township's own
 * accounts where it has them (the system otherwise), with the context's
 * clock set to the moment of each step: routing, deadlines from the real
 * calendar, lateness, history, notifications and audit all follow the
 * rules. Closed ones lie over two months, a backlog is in hand, new ones
 * came in today. Deterministic (a fixed linear congruential sequence).
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/auth.h"
#include "domain/grid.h"
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

/* the state a demo problem reaches, with its share, and how many steps of
 * the main path (accept, dispatch, take, handle, verify, close) lead there */
static const struct {
	const char *state;
	unsigned share;
	int steps;
} outcomes[] = {
	{"reported", 6, 0}, {"accepted", 4, 1}, {"dispatched", 10, 2}, {"in_hand", 12, 3},
	{"handled", 6, 4},  {"verified", 3, 5}, {"closed", 52, 6},     {"rejected", 4, 0},
	{"merged", 2, 0},   {"escalated", 1, 1},
};

/* Who acts: the township's office, the unit's staff, the reporting grid
 * member — loaded once each, NULL (the system) when the place has none. */
struct cast {
	struct xz_arena *arena;
	json_t *users; /* "kind:id" → loaded user pointer as integer, 0 for none */
	json_t *open;  /* township id → the last problem left open there */
};

static const struct xz_user *who(struct xz_db *db, struct cast *k, const char *kind, int64_t place)
{
	static const struct {
		const char *kind, *sql;
	} q[] = {
		{"grid", "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id WHERE "
			 "u.township_id = $1 AND r.role IN ('grid','office') ORDER BY r.role = 'grid' "
			 "DESC, u.id LIMIT 1"},
		{"office", "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id WHERE "
			   "u.township_id = $1 AND r.role = 'office' ORDER BY u.id LIMIT 1"},
		{"unit", "SELECT u.id FROM users u JOIN user_roles r ON r.user_id = u.id WHERE "
			 "u.unit_id = $1 AND r.role = 'staff' ORDER BY u.id LIMIT 1"},
	};
	char key[48];
	json_t *have;
	struct xz_user *u = NULL;
	int64_t id = 0;
	size_t i;
	snprintf(key, sizeof(key), "%s:%lld", kind, (long long)place);
	if ((have = json_object_get(k->users, key)))
		return (const struct xz_user *)(uintptr_t)json_integer_value(have);
	for (i = 0; i < XZ_ARRAY_LEN(q); i++)
		if (!strcmp(q[i].kind, kind) && place)
			xz_db_int(db, q[i].sql, XZ_ARGS(XZ_INT(place)), &id);
	if (id) {
		u = xz_arena_alloc(k->arena, sizeof(*u));
		if (xz_user_load(db, k->arena, id, u) < 0)
			u = NULL;
	}
	json_object_set_new(k->users, key, json_integer((json_int_t)(uintptr_t)u));
	return u;
}

/* act: one action by `user` at `at`, or by the system when the machine
 * would not admit the user (a step must never fail half-way: a failure
 * inside the demo's transaction spoils all of it). */
static int act(struct xz_ctx *c, const struct xz_user *user, int64_t at, int64_t id,
	       const struct xz_problem_act *a)
{
	json_t *p = NULL, *allowed = NULL, *v;
	bool ok = false;
	size_t i;
	int rc;
	c->now = at;
	c->user = user;
	if (user && (rc = xz_problem_load(c, id, &p)) == 0) {
		allowed = xz_problem_allowed(c, p);
		json_array_foreach(allowed, i, v)
			ok = ok || !strcmp(json_string_value(v), a->action);
	}
	if (!ok)
		c->user = NULL;
	c->err_code = c->err_msg = c->err_msg_en = c->err_field = NULL;
	json_decref(allowed);
	json_decref(p);
	return xz_problem_apply(c, id, a, NULL);
}

static int one(struct xz_ctx *c, struct cast *k, const json_t *cell, int n, int64_t now)
{
	struct xz_db *db = c->db;
	const char *code = samples[n % XZ_ARRAY_LEN(samples)].code;
	const char *channel = channels[rnd(XZ_ARRAY_LEN(channels))], *state;
	static const char *const path[] = {"accept", "dispatch", "take", "handle", "verify", "close"};
	unsigned pick = rnd(100), acc = 0;
	size_t o;
	int steps, s, rc;
	struct xz_routing rt;
	struct xz_located at = {0};
	int64_t id = 0, created, t, town, unit, into = 0;
	char name[16], phone[16], tk[24];
	double lon, lat;
	const struct xz_user *reporter;

	for (o = 0; o < XZ_ARRAY_LEN(outcomes); o++) {
		acc += outcomes[o].share;
		if (pick < acc)
			break;
	}
	if (o == XZ_ARRAY_LEN(outcomes))
		o = 0;
	state = outcomes[o].state;
	steps = outcomes[o].steps;
	/* closed ones over two months, those in hand over the last week (a
	 * few older), new ones within the day: a working backlog, some late */
	if (!strcmp(state, "closed") || !strcmp(state, "rejected") || !strcmp(state, "merged"))
		created = now - 8 * 86400 - (int64_t)rnd(52 * 86400);
	else if (!strcmp(state, "reported") || !strcmp(state, "accepted"))
		created = now - 600 - (int64_t)rnd(3 * 3600);
	else
		created = now - 3600 - (int64_t)(rnd(6) == 0 ? rnd(14 * 86400) : rnd(4 * 86400));
	lon = json_real_value(json_object_get(cell, "minx")) +
	      (json_real_value(json_object_get(cell, "maxx")) -
	       json_real_value(json_object_get(cell, "minx"))) * (0.1 + rnd(80) / 100.0);
	lat = json_real_value(json_object_get(cell, "miny")) +
	      (json_real_value(json_object_get(cell, "maxy")) -
	       json_real_value(json_object_get(cell, "miny"))) * (0.1 + rnd(80) / 100.0);
	town = json_integer_value(json_object_get(cell, "township_id"));
	if ((rc = xz_grid_locate(db, lon, lat, &at)) == 0 && at.township_id)
		town = at.township_id;
	else if (rc < 0 && rc != XZ_ENOTFOUND)
		return rc;
	if ((rc = xz_routing_resolve(db, code, town, &rt)) < 0 && rc != XZ_ENOTFOUND)
		return rc;
	/* nothing to dispatch to: it waits at the office */
	if (!rt.unit_id && steps > 1 && strcmp(state, "escalated"))
		state = "accepted", steps = 1;
	snprintf(tk, sizeof(tk), "%lld", (long long)town);
	if (!strcmp(state, "merged") && !(into = json_integer_value(json_object_get(k->open, tk))))
		state = "rejected";

	struct xz_problem_report in = {.channel = channel,
				       .category = code,
				       .description = samples[n % XZ_ARRAY_LEN(samples)].text,
				       .has_pos = true,
				       .lon = lon,
				       .lat = lat,
				       .township_id = town};
	if (!strcmp(channel, "complaint")) {
		snprintf(name, sizeof(name), "%.3s%s", surnames + 3 * rnd(16), rnd(2) ? "先生" : "女士");
		snprintf(phone, sizeof(phone), "13%09u", rnd(1000000000));
		in.reporter_name = name;
		in.reporter_phone = phone;
	}
	reporter = who(db, k, "grid", town);
	c->user = reporter && reporter->township_id == town ? reporter : NULL;
	c->now = created;
	if ((rc = xz_problem_report(c, &in, &id, NULL)) < 0)
		return rc;

	t = created;
	if (!strcmp(state, "rejected"))
		return act(c, who(db, k, "office", town), t + 3600, id,
			   &(struct xz_problem_act){.action = "reject", .passed = -1,
						    .reason = "演示：不属于受理范围，已告知当事人"});
	if (!strcmp(state, "merged"))
		return act(c, who(db, k, "office", town), t + 3600, id,
			   &(struct xz_problem_act){.action = "merge", .passed = -1, .into_id = into});
	unit = rt.unit_id;
	for (s = 0; s < steps; s++) {
		struct xz_problem_act a = {.action = path[s], .passed = -1};
		const struct xz_user *u = who(db, k, "office", town);
		/* the office acts within the hour or so, the unit takes it within
		 * hours and handles it within days, the verifier checks next day */
		static const int64_t spread[] = {3600, 2 * 3600, 6 * 3600, 3 * 86400, 86400, 4 * 3600};
		int64_t gap = 300 + (int64_t)rnd((uint32_t)spread[s]);
		if (s == 2 || s == 3)
			u = who(db, k, "unit", unit);
		if (s == 4)
			u = reporter, a.passed = 1, a.note = "演示：现场复核已整改";
		if (s == 3) {
			a.feedback = "演示：已到现场处置，责令整改完毕";
			if (rnd(6) == 0) /* now and then a unit is slow */
				gap += (int64_t)rnd(8) * 86400;
		}
		t = t + gap < now ? t + gap : now;
		if ((rc = act(c, u, t, id, &a)) < 0)
			return rc;
	}
	if (!strcmp(state, "escalated"))
		return act(c, who(db, k, "office", town), t + 1800 < now ? t + 1800 : now, id,
			   &(struct xz_problem_act){.action = "escalate", .passed = -1,
						    .reason = "演示：需多部门联合执法"});
	if (xz_fsm_is_open(&xz_problem_fsm, state))
		json_object_set_new(k->open, tk, json_integer(id));
	return 0;
}

int xz_demo_problems(struct xz_db *db)
{
	struct cast k = {.arena = xz_arena_new(), .users = json_object(), .open = json_object()};
	struct xz_ctx c;
	json_t *cells = NULL;
	int64_t now = xz_now();
	int rc, n, found = 0;

	xz_ctx_system(&c, db, k.arena, "demo");
	if ((rc = xz_db_query(db,
			      "SELECT id, village_id, township_id, county_id, minx, miny, maxx, maxy "
			      "FROM grid_cells ORDER BY id",
			      XZ_NOARGS, &cells)) < 0)
		goto out;
	for (n = 0; n < DEMO_PROBLEMS && rc == 0 && json_array_size(cells); n++)
		/* 碧湖镇 (the first township, the demo logins' own) gets a third */
		rc = one(&c, &k,
			 json_array_get(cells, n % 3 == 0 ? rnd(9) : rnd((uint32_t)json_array_size(cells))),
			 n, now);
	if (rc < 0 && c.err_code)
		fprintf(stderr, "demo problems: %s: %s\n", c.err_code, c.err_msg_en);
	/* the scheduler's pass now marks what is late or near and tells its people */
	if (rc == 0)
		rc = xz_problem_tick(db, now, &found);
	/* the demo's past was read in its time, and nothing of it goes out */
	if (rc == 0)
		rc = xz_db_exec(db,
				"UPDATE notifications SET read_at = created_at WHERE read_at IS NULL AND "
				"created_at < $1",
				XZ_ARGS(XZ_INT(now - 86400)), NULL);
	if (rc == 0)
		rc = xz_db_exec(db, "UPDATE notifications SET sent_at = $1 WHERE sent_at IS NULL",
				XZ_ARGS(XZ_INT(now)), NULL);
out:
	json_decref(cells);
	json_decref(k.users);
	json_decref(k.open);
	xz_arena_free(k.arena);
	return rc;
}
