/*
 * problem_report.c — a problem coming in and being read: the report use
 * case (check, locate, route, store with its history and watcher, tell the
 * office, audit, find the duplicates nearby), the reads of one problem and
 * of a filtered list within the caller's place, the complainant's full
 * record for the office (audited), and the inbox of notifications.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/geo.h"
#include "domain/grid.h"
#include "domain/jointaction.h"
#include "domain/problem.h"
#include "domain/search.h"
#include "domain/problem_int.h"
#include "domain/routing.h"

void xz_problem_place(const json_t *p, struct xz_place *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->county_id = xz_pj_int(p, "county_id");
	pl->township_id = xz_pj_int(p, "township_id");
	pl->department_id = xz_pj_int(p, "department_id");
	pl->unit_id = xz_pj_int(p, "unit_id");
}

static int not_found(struct xz_ctx *c)
{
	return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "问题不存在", "No such problem", NULL);
}

static int forbidden(struct xz_ctx *c)
{
	return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权执行此操作", "Not allowed", NULL);
}

/* ---- storing a new problem ---- */

static int insert_read(struct xz_ctx *c, const struct xz_problem_in *in, struct xz_insert_reads *r)
{
	int rc;
	memset(r, 0, sizeof(*r));
	if ((rc = xz_routing_resolve(c->db, in->category, in->township_id, &r->rt)) < 0 &&
	    rc != XZ_ENOTFOUND)
		return rc;
	return xz_problem_step_due(c->db, in->county_id, in->category, XZ_STEP_ACCEPT, c->now,
				   &r->due, &r->warn);
}

/* insert_write: the writes of a new problem, from what insert_read found:
 * the row, its reporter, its watcher, its first history entry, the office's
 * notifications. Nothing here reads but the new row's id. */
static int insert_write(struct xz_ctx *c, const struct xz_problem_in *in,
			const struct xz_insert_reads *r, int64_t *id)
{
	struct xz_db *db = c->db;
	const struct xz_routing *rt = &r->rt;
	json_t *row = NULL;
	int64_t now = c->now;
	int rc;

	rc = xz_db_int(
	    db,
	    "INSERT INTO problems (county_id, township_id, village_id, cell_id, channel, category, "
	    "description, address, lon, lat, state, unit_id, department_id, routed_unit_id, "
	    "power_item_id, list_version_id, routing_reason, reported_by, patrol_id, step, "
	    "step_started_at, due_at, warn_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
	    "$6, $7, $8, $9, $10, 'reported', $11, $12, $11, $13, $14, $15, $16, $17, 'accept', "
	    "$18, $19, $20, $18, $18) RETURNING id",
	    XZ_ARGS(XZ_INT(in->county_id), XZ_INT(in->township_id), XZ_ID(in->village_id),
		    XZ_ID(in->cell_id), XZ_TEXT(in->channel), XZ_TEXT(in->category),
		    XZ_TEXT(in->description), XZ_TEXT(in->address),
		    in->has_pos ? XZ_REAL(in->lon) : XZ_NULL,
		    in->has_pos ? XZ_REAL(in->lat) : XZ_NULL, XZ_ID(rt->unit_id),
		    XZ_ID(rt->department_id), XZ_ID(rt->power_item_id), XZ_ID(rt->list_version_id),
		    XZ_TEXT(rt->reason), XZ_ID(in->reported_by), XZ_ID(in->patrol_id), XZ_INT(now),
		    XZ_INT(r->due), XZ_INT(r->warn)),
	    id);
	if (rc == 0 && (in->reporter_name || in->reporter_phone))
		rc = xz_db_exec(
		    db,
		    "INSERT INTO problem_reporters (problem_id, name, phone) VALUES ($1, $2, "
		    "$3)",
		    XZ_ARGS(XZ_INT(*id), XZ_TEXT(in->reporter_name), XZ_TEXT(in->reporter_phone)),
		    NULL);
	if (rc == 0 && in->reported_by)
		rc = xz_db_exec(
		    db, "INSERT INTO problem_watchers (problem_id, user_id) VALUES ($1, $2)",
		    XZ_ARGS(XZ_INT(*id), XZ_INT(in->reported_by)), NULL);
	if (rc == 0) {
		char *hj = NULL;
		json_t *hist = json_pack("{s:s,s:I}", "channel", in->channel, "routed_unit_id",
					 (json_int_t)rt->unit_id);
		hj = json_dumps(hist, JSON_COMPACT);
		rc = xz_db_exec(
		    db,
		    "INSERT INTO problem_history (problem_id, at, action, from_state, to_state, "
		    "user_id, user_name, note, data_json) VALUES ($1, $2, 'report', NULL, "
		    "'reported', $3, $4, $5, $6)",
		    XZ_ARGS(XZ_INT(*id), XZ_INT(now), XZ_ID(in->reported_by),
			    XZ_TEXT(in->user_name ? in->user_name : "系统"),
			    XZ_TEXT(in->note ? in->note : in->description), XZ_TEXT(hj)),
		    NULL);
		free(hj);
		json_decref(hist);
	}
	if (rc == 0) {
		/* the new row as just written: what the notifications name */
		row = json_pack("{s:I,s:I,s:I,s:I,s:I,s:s}", "id", (json_int_t)*id, "county_id",
				(json_int_t)in->county_id, "township_id",
				(json_int_t)in->township_id, "unit_id", (json_int_t)rt->unit_id,
				"cell_id", (json_int_t)in->cell_id, "state", "reported");
		rc = xz_problem__notify_at(db, now, row, XZ_TELL_OFFICE, "new_problem",
					   "新问题待受理", in->description, in->reported_by);
	}
	json_decref(row);
	return rc;
}

int xz_problem__insert(struct xz_ctx *c, const struct xz_problem_in *in, int64_t *id)
{
	struct xz_insert_reads r;
	int rc = insert_read(c, in, &r);
	if (rc == 0)
		rc = insert_write(c, in, &r, id);
	return rc;
}

int xz_problem_insert(struct xz_db *db, const struct xz_problem_in *in, int64_t *id)
{
	struct xz_ctx c;
	struct xz_arena *arena = xz_arena_new();
	int rc;
	xz_ctx_system(&c, db, arena, "system");
	rc = xz_problem__insert(&c, in, id);
	xz_arena_free(arena);
	return rc;
}

/* ---- reporting ---- */

static bool one_of(const char *v, const char *const *set)
{
	for (; v && *set; set++)
		if (!strcmp(*set, v))
			return true;
	return false;
}

/* check_report: the rules on a report's own content, in the order a
 * person fixes them; nothing is looked up yet but the category. */
static int check_report(struct xz_ctx *c, const struct xz_problem_report *in)
{
	const char *ph = in->reporter_phone;
	json_t *cat = NULL;
	if (!one_of(in->channel, xz_problem_channels))
		return xz_ctx_fail(
		    c, XZ_EMALFORMED, "invalid_channel",
		    "渠道须为complaint、patrol、media、video、transfer或assigned",
		    "channel must be complaint, patrol, media, video, transfer or assigned",
		    "channel");
	if (!in->description || !*in->description || strlen(in->description) > XZ_MAX_TEXT)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_description",
				   "问题描述不能为空且不超过2万字节",
				   "description must be 1 to 20000 bytes", "description");
	if (in->address && strlen(in->address) > XZ_MAX_NAME * 2)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_address", "地址过长",
				   "address too long", "address");
	if (in->has_pos && (!isfinite(in->lon) || !isfinite(in->lat) || fabs(in->lon) > 180 ||
			    fabs(in->lat) > 90 || !xz_geo_in_china(in->lon, in->lat)))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_position",
				   "经纬度须同时给出且在有效范围内",
				   "lon and lat must both be valid numbers", "lon");
	if (!in->has_pos && (!in->address || !*in->address))
		return xz_ctx_fail(c, XZ_EMALFORMED, "position_required",
				   "须给出位置（经纬度）或地址",
				   "Give a position (lon/lat) or an address", "lon");
	if ((in->reporter_name && strlen(in->reporter_name) > XZ_MAX_NAME) ||
	    (ph && (strlen(ph) < 5 || strlen(ph) > 20 || strspn(ph, "0123456789+-") != strlen(ph))))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_reporter",
				   "举报人须为{\"name\",\"phone\"}，电话为5到20位数字",
				   "reporter must be {\"name\",\"phone\"} with a 5–20 digit phone",
				   "reporter");
	if (xz_db_one(c->db, "SELECT id FROM categories WHERE code = $1",
		      XZ_ARGS(XZ_TEXT(in->category)), &cat) < 0)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_category", "问题类别不存在",
				   "No such problem category", "category");
	json_decref(cat);
	cat = NULL;
	if (in->patrol_id && xz_db_one(c->db, "SELECT id FROM patrols WHERE id = $1",
				       XZ_ARGS(XZ_INT(in->patrol_id)), &cat) < 0)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "巡查记录不存在",
				   "No such patrol", "patrol_id");
	json_decref(cat);
	return 0;
}

/* assign_new: may the reporter of the new problem id set its deadline
 * (the department of its line, problem.assign on its place)? */
static int assign_new(struct xz_ctx *c, int64_t id)
{
	struct xz_place pl;
	json_t *p = NULL;
	int rc = xz_db_one(c->db,
			   "SELECT county_id, township_id, department_id, unit_id FROM problems WHERE "
			   "id = $1",
			   XZ_ARGS(XZ_INT(id)), &p);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	xz_problem_place(p, &pl);
	json_decref(p);
	if (c->user && !xz_authz(c->user, "problem.assign", &pl))
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden",
				   "只有问题所属条线的县级主管部门可以限期交办",
				   "Only the county department of the problem's line assigns it with a "
				   "deadline",
				   "category");
	return 0;
}

/* ref_rev: the reference data's revision (migration 022): every change to
 * what a report reads — categories, regions, lists, units, settings (grid
 * and calendar revisions), users and roles — moves it. */
static int ref_rev(struct xz_db *db, int64_t *n)
{
	return xz_db_int(db, "SELECT n FROM ref_revision WHERE id = 1", XZ_NOARGS, n);
}

int xz_problem__report_read(struct xz_ctx *c, const struct xz_problem_report *in,
			    struct xz_report_plan *pl)
{
	struct xz_located at = {0};
	struct xz_place place = {0};
	json_t *row = NULL;
	int64_t town = 0;
	int rc;

	memset(pl, 0, sizeof(*pl));
	/* the revision first: a change committed after it moves it */
	if ((rc = ref_rev(c->db, &pl->rev)) < 0)
		return xz_ctx_fail_db(c, rc);
	if ((rc = check_report(c, in)) < 0)
		return rc;
	if ((in->assign_due_at || in->assign_due_days) && strcmp(in->channel, "assigned"))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_deadline",
				   "只有上级交办（channel为assigned）的问题可以带交办期限",
				   "Only a problem assigned from above (channel assigned) has a deadline",
				   "due_at");
	if (in->assign_note && strlen(in->assign_note) > XZ_MAX_TEXT)
		return xz_ctx_fail(c, XZ_EMALFORMED, "too_long", "文字过长", "Text too long", "note");
	/* where it is: the cell containing the point, else the township the
	 * point or the reporter's own place names */
	if (in->has_pos) {
		rc = xz_grid_locate(c->db, in->lon, in->lat, &at);
		if (rc < 0 && rc != XZ_ENOTFOUND)
			return xz_ctx_fail_db(c, rc);
		town = at.township_id;
		if (!town && (rc = xz_grid_township_of(c->db, in->lon, in->lat, &town)) < 0)
			return xz_ctx_fail_db(c, rc);
	}
	if (!town)
		town = in->township_id ? in->township_id : c->user ? c->user->township_id : 0;
	if (!town)
		return xz_ctx_fail(c, XZ_ERULE, "township_required",
				   "位置不在网格内，须指明所属乡镇（街道）township_id",
				   "The position is outside the grid: give township_id",
				   "township_id");
	if (xz_db_one(c->db,
		      "SELECT id, county_id FROM regions WHERE id = $1 AND level = 'township'",
		      XZ_ARGS(XZ_INT(town)), &row) < 0)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "乡镇（街道）不存在",
				   "No such township", "township_id");
	place.county_id = xz_pj_int(row, "county_id");
	place.township_id = town;
	json_decref(row);
	if (c->user && !xz_authz(c->user, "problem.report", &place))
		return forbidden(c);
	pl->pin = (struct xz_problem_in){.county_id = place.county_id,
					 .township_id = town,
					 .village_id = at.village_id,
					 .cell_id = at.cell_id,
					 .reported_by = c->user ? c->user->id : 0,
					 .patrol_id = in->patrol_id,
					 .channel = in->channel,
					 .category = in->category,
					 .description = in->description,
					 .address = in->address,
					 .reporter_name = in->reporter_name,
					 .reporter_phone = in->reporter_phone,
					 .user_name = xz_problem__actor(c),
					 .has_pos = in->has_pos,
					 .lon = in->lon,
					 .lat = in->lat};
	if ((rc = insert_read(c, &pl->pin, &pl->reads)) < 0)
		return xz_ctx_fail_db(c, rc);
	return 0;
}

int xz_problem__report_write(struct xz_ctx *c, const struct xz_problem_report *in,
			     struct xz_report_plan *pl, int64_t *id)
{
	int64_t rev = 0;
	int rc;
	if ((rc = ref_rev(c->db, &rev)) < 0)
		return xz_ctx_fail_db(c, rc);
	if (rev != pl->rev) {
		if ((rc = xz_problem__report_read(c, in, pl)) < 0)
			return rc;
	}
	if ((rc = insert_write(c, &pl->pin, &pl->reads, id)) < 0 ||
	    (rc = xz_ctx_audit_new(c, "problem.report", "problem", *id, NULL,
				   json_pack("{s:s,s:s,s:I}", "channel", in->channel, "category",
					     in->category, "township_id",
					     (json_int_t)pl->pin.township_id))) < 0)
		return xz_ctx_fail_db(c, rc);
	/* a department's problem assigned down with its deadline: in the same
	 * transaction, so it is never stored without it */
	if ((in->assign_due_at || in->assign_due_days) && (rc = assign_new(c, *id)) == 0) {
		struct xz_problem_act a = {.action = "assign", .due_at = in->assign_due_at,
					   .due_days = in->assign_due_days, .note = in->assign_note,
					   .passed = -1};
		rc = xz_problem_apply(c, *id, &a, NULL);
	}
	return rc;
}

int xz_problem_report(struct xz_ctx *c, const struct xz_problem_report *in, int64_t *id,
		      json_t **dups)
{
	struct xz_report_plan pl;
	int rc;

	if (dups)
		*dups = NULL;
	if ((rc = xz_problem__report_read(c, in, &pl)) == 0 &&
	    (rc = xz_problem__report_write(c, in, &pl, id)) == 0 && dups)
		*dups = in->has_pos ? xz_problem_duplicates(c, in->category, in->lon, in->lat, *id,
								 XZ_DUP_IN_REPORT)
				    : json_array();
	return rc;
}

struct report_tx {
	const struct xz_problem_report *in;
	struct xz_report_plan *pl;
	int64_t *id;
};

static int report_tx(struct xz_ctx *c, void *arg)
{
	struct report_tx *k = arg;
	return xz_problem__report_write(c, k->in, k->pl, k->id);
}

int xz_problem_report_tx(struct xz_ctx *c, const struct xz_problem_report *in, int64_t *id,
			 json_t **dups)
{
	struct xz_report_plan pl;
	struct report_tx k = {.in = in, .pl = &pl, .id = id};
	int rc;

	if (dups)
		*dups = NULL;
	if ((rc = xz_problem__report_read(c, in, &pl)) == 0 &&
	    (rc = xz_ctx_tx(c, report_tx, &k)) == 0 && dups)
		/* after the commit, on a reader: sees every problem committed so far */
		*dups = in->has_pos ? xz_problem_duplicates(c, in->category, in->lon, in->lat, *id,
								 XZ_DUP_IN_REPORT)
				    : json_array();
	return rc;
}

/* ---- reading ---- */

int xz_problem_load(struct xz_ctx *c, int64_t id, json_t **p)
{
	struct xz_place pl;
	int rc = xz_db_one(c->db, XZ_PROBLEM_SELECT "WHERE p.id = $1", XZ_ARGS(XZ_INT(id)), p);
	if (rc == XZ_ENOTFOUND)
		return not_found(c);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	xz_problem_place(*p, &pl);
	if (c->user && !xz_authz(c->user, "problem.read", &pl)) {
		json_decref(*p);
		*p = NULL;
		return not_found(c); /* its existence does not leak */
	}
	return 0;
}

/* joint_actions_of: the joint enforcement actions that took this problem
 * up (an escalated problem is taken up by one, R5.3), through the link rows. */
static json_t *joint_actions_of(struct xz_ctx *c, const json_t *p)
{
	json_t *rows = NULL;
	if (xz_joint_actions_of_problem(c->db, xz_pj_int(p, "id"), &rows) < 0) {
		json_decref(rows);
		return json_array();
	}
	return rows;
}

int xz_problem_full(struct xz_ctx *c, int64_t id, json_t **out)
{
	json_t *p = NULL, *hist = NULL, *ev = NULL;
	int rc;
	*out = NULL;
	if ((rc = xz_problem_load(c, id, &p)) < 0)
		return rc;
	if ((rc = xz_db_query(c->db,
			      "SELECT at, action, from_state, to_state, user_name, note, data_json "
			      "FROM problem_history WHERE problem_id = $1 ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &hist)) < 0 ||
	    (rc = xz_db_query(c->db,
			      "SELECT id, sha256, mime, size, step, created_at FROM evidence WHERE "
			      "problem_id = $1 ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &ev)) < 0) {
		json_decref(p);
		json_decref(hist);
		return xz_ctx_fail_db(c, rc);
	}
	json_object_set_new(p, "allowed_actions", xz_problem_allowed(c, p));
	json_object_set_new(p, "joint_actions", joint_actions_of(c, p));
	json_object_set_new(p, "routing",
			    json_pack("{s:O,s:O,s:O,s:O}", "unit_id",
				      json_object_get(p, "routed_unit_id"), "power_item_id",
				      json_object_get(p, "power_item_id"), "list_version",
				      json_object_get(p, "list_version"), "reason",
				      json_object_get(p, "routing_reason")));
	json_object_set_new(p, "history", hist);
	json_object_set_new(p, "evidence", ev);
	*out = p;
	return 0;
}

int xz_problem_list(struct xz_ctx *c, const struct xz_problem_filter *in, xz_row_fn fn,
		    void *arg)
{
	struct xz_place f = {0};
	struct xz_val p[XZ_MAX_SQL_PARAMS];
	/* open_cond as migration 028's problems_open_list holds it */
	const char *open = xz_fsm_open_sql(&xz_problem_fsm),
		   *open_cond = xz_fsm_open_cond(&xz_problem_fsm, "p.");
	char *sql;
	int n = 0, rc;

	if (c->user && !xz_authz_filter(c->user, "problem.read", &f))
		return forbidden(c);
	/* only the conditions that apply, each a plain comparison, so that the
	 * planner can use the (township, id), (unit, …) and due_at indexes */
	sql = xz_arena_printf(c->arena, XZ_PROBLEM_SELECT "WHERE 1 = 1");
#define FILTER(cond, val)                                                                          \
	do {                                                                                       \
		sql = xz_arena_printf(c->arena, "%s AND " cond, sql, n + 1);                       \
		p[n++] = val;                                                                      \
	} while (0)
	if (in->before)
		FILTER("p.id < $%d", XZ_INT(in->before));
	if (f.county_id)
		FILTER("p.county_id = $%d", XZ_INT(f.county_id));
	if (f.township_id)
		FILTER("p.township_id = $%d", XZ_INT(f.township_id));
	if (f.department_id)
		FILTER("p.department_id = $%d", XZ_INT(f.department_id));
	if (f.unit_id)
		FILTER("p.unit_id = $%d", XZ_INT(f.unit_id));
	if (in->state)
		FILTER("p.state = $%d", XZ_TEXT(in->state));
	if (in->township_id)
		FILTER("p.township_id = $%d", XZ_INT(in->township_id));
	if (in->unit_id)
		FILTER("p.unit_id = $%d", XZ_INT(in->unit_id));
	if (in->cell_id)
		FILTER("p.cell_id = $%d", XZ_INT(in->cell_id));
	if (in->channel)
		FILTER("p.channel = $%d", XZ_TEXT(in->channel));
	if (in->category) {
		sql = xz_arena_printf(
		    c->arena,
		    "%s AND p.category IN (SELECT code FROM categories WHERE code = $%d "
		    "OR parent_id = (SELECT id FROM categories WHERE code = $%d))",
		    sql, n + 1, n + 1);
		p[n++] = XZ_TEXT(in->category);
	}
	if (in->q && *in->q) {
		/* Chinese text through the trigram index (search.c) */
		struct xz_problem_where w;
		int k;
		xz_search_text(c, in->q, n + 1, &w);
		sql = xz_arena_printf(c->arena, "%s%s", sql, w.sql);
		for (k = 0; k < w.nargs; k++)
			p[n++] = w.args[k];
	}
	if (in->mine && c->user)
		FILTER("p.reported_by = $%d", XZ_INT(c->user->id));
	if (in->supervised)
		sql = xz_arena_printf(c->arena, "%s AND p.supervised = 1", sql);
	if (in->requested)
		sql = xz_arena_printf(c->arena, "%s AND p.escalation_requested_at IS NOT NULL", sql);
	if (in->overdue || (in->light && !strcmp(in->light, "red"))) {
		sql = xz_arena_printf(c->arena, "%s AND p.due_at < $%d AND %s", sql, n + 1,
				      open_cond);
		p[n++] = XZ_INT(c->now);
	} else if (in->light && !strcmp(in->light, "yellow")) {
		sql = xz_arena_printf(
		    c->arena, "%s AND p.due_at >= $%d AND p.warn_at <= $%d AND %s", sql, n + 1,
		    n + 1, open_cond);
		p[n++] = XZ_INT(c->now);
	} else if (in->light && !strcmp(in->light, "green")) {
		sql =
		    xz_arena_printf(c->arena,
				    "%s AND (p.due_at IS NULL OR p.warn_at > $%d OR p.state NOT IN "
				    "(%s))",
				    sql, n + 1, open);
		p[n++] = XZ_INT(c->now);
	}
#undef FILTER
	sql = xz_arena_printf(c->arena, "%s ORDER BY p.id DESC LIMIT $%d", sql, n + 1);
	p[n++] = XZ_INT(in->limit > 0 ? in->limit : XZ_PAGE_DEFAULT);
	if ((rc = xz_db_each(c->db, sql, p, n, fn, arg)) < 0)
		return xz_ctx_fail_db(c, rc);
	return 0;
}

/* The rows of latitude migration 024's problems_open_cell cuts the map
 * into (1/XZ_DUP_ROW_PER_DEGREE of a degree), and how many of them one
 * search names at most; a wider search (a duplicate distance set over
 * ~1 km) reads the latitude band instead. */
#define XZ_DUP_ROW_PER_DEGREE 360
#define XZ_DUP_ROWS 8

json_t *xz_problem_duplicates(struct xz_ctx *c, const char *category, double lon, double lat,
			      int64_t except, int limit)
{
	json_t *rows = NULL, *row, *out = json_array(), *set = NULL;
	double metres = 300, days = 30, dlat, dlon;
	struct xz_val p[7 + XZ_DUP_ROWS];
	int64_t first, last;
	const char *cells = " AND p.created_at >= $2";
	size_t i;
	int n = 7, k;
	if (xz_db_query(c->db,
			"SELECT key, value FROM settings WHERE key IN ('problems.duplicate_m', "
			"'problems.duplicate_days')",
			XZ_NOARGS, &set) == 0)
		json_array_foreach(set, i, row)
		{
			const char *text = xz_pj_str(row, "value");
			double v = strtod(text ? text : "0", NULL);
			if (v > 0 && !strcmp(xz_pj_str(row, "key"), "problems.duplicate_m"))
				metres = v;
			else if (v > 0)
				days = v;
		}
	json_decref(set);
	dlat = metres / 111195.0;
	dlon = dlat / fmax(cos(lat * M_PI / 180), 0.01);
	p[0] = XZ_TEXT(category);
	p[1] = XZ_INT(c->now - (int64_t)(days * 86400));
	p[2] = XZ_REAL(lat - dlat);
	p[3] = XZ_REAL(lat + dlat);
	p[4] = XZ_REAL(lon - dlon);
	p[5] = XZ_REAL(lon + dlon);
	p[6] = XZ_INT(except);
	/* the rows the box crosses, as the index computes them on either
	 * engine (migration 024): always XZ_DUP_ROWS parameters, the last row
	 * repeated, so that the statement's text (and its cached plan) is one */
	first = (int64_t)floor((lat - dlat) * XZ_DUP_ROW_PER_DEGREE);
	last = (int64_t)floor((lat + dlat) * XZ_DUP_ROW_PER_DEGREE) + 1;
	if (last - first < XZ_DUP_ROWS) {
		for (k = 0; k < XZ_DUP_ROWS; k++)
			p[n++] = XZ_INT(first + k < last ? first + k : last);
		/* "+created_at": not through problems_category, which SQLite
		 * (without statistics) would otherwise prefer */
		cells = " AND CAST(p.lat * 360 AS INTEGER) IN ($8, $9, $10, $11, $12, $13, $14, $15) "
			"AND +p.created_at >= $2";
	}
	_Static_assert(XZ_DUP_ROWS == 8 && XZ_DUP_ROW_PER_DEGREE == 360, "the IN list above");
	if (xz_db_query(c->db,
			xz_arena_printf(
			    c->arena,
			    "SELECT p.id, p.state, p.description, p.lon, p.lat, p.created_at, "
			    "p.county_id, p.township_id, p.department_id, p.unit_id FROM "
			    "problems p WHERE p.category = $1%s AND p.lon BETWEEN $5 AND $6 AND "
			    "p.lat BETWEEN $3 AND $4 AND p.id <> $7 AND %s "
			    /* nearest first: the squared distance in the box's own
			     * proportions (its height over its width is cos(lat)) */
			    "ORDER BY ((p.lon - ($5 + $6) / 2) * ($4 - $3) / ($6 - $5)) * "
			    "((p.lon - ($5 + $6) / 2) * ($4 - $3) / ($6 - $5)) + "
			    "(p.lat - ($3 + $4) / 2) * (p.lat - ($3 + $4) / 2), p.id LIMIT %d",
			    cells, xz_fsm_open_cond(&xz_problem_fsm, "p."), limit),
			p, n, &rows) < 0)
		return out;
	json_array_foreach(rows, i, row)
	{
		double d = xz_distance_m(lon, lat, json_real_value(json_object_get(row, "lon")),
					 json_real_value(json_object_get(row, "lat")));
		struct xz_place pl;
		xz_problem_place(row, &pl);
		if (d > metres || (c->user && !xz_authz(c->user, "problem.read", &pl)))
			continue;
		json_object_set_new(row, "distance_m", json_real(round(d)));
		json_array_append(out, row);
	}
	json_decref(rows);
	return out;
}

int xz_problem_reporter(struct xz_ctx *c, int64_t id, const char *reason, json_t **rep)
{
	json_t *p = NULL;
	struct xz_place pl;
	int rc;
	*rep = NULL;
	if ((rc = xz_problem_load(c, id, &p)) < 0)
		return rc;
	xz_problem_place(p, &pl);
	json_decref(p);
	if (c->user && !xz_authz(c->user, "problem.reporter", &pl))
		return forbidden(c);
	if (!reason || strlen(reason) < 2 || strlen(reason) > XZ_MAX_NAME)
		return xz_ctx_fail(c, XZ_EMALFORMED, "reason_required", "查看举报人信息须说明理由",
				   "Viewing the reporter requires a reason", "reason");
	rc = xz_db_one(c->db, "SELECT name, phone FROM problem_reporters WHERE problem_id = $1",
		       XZ_ARGS(XZ_INT(id)), rep);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "no_reporter", "该问题没有举报人信息",
				   "No reporter recorded", NULL);
	if (rc < 0 || (rc = xz_ctx_audit_new(c, "problem.reporter.view", "problem", id, NULL,
					     json_pack("{s:s}", "reason", reason))) < 0) {
		json_decref(*rep);
		*rep = NULL;
		return xz_ctx_fail_db(c, rc);
	}
	return 0;
}
