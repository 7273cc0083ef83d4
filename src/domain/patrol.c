/*
 * patrol.c — the patrol checklist and patrol records (see patrol.h): the
 * rules (a patrol is for a cell the grid member may patrol, its times in
 * order, its track of valid positions) and their SQL. A live patrol's
 * writes lock its row first and rebuild what readers read (track_json,
 * distance_m, checked_json) from the rows they add, in one transaction, so
 * every reader sees one patrol whichever way it was recorded.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/limits.h"
#include "store/db.h"
#include "domain/geo.h"
#include "domain/grid.h"
#include "domain/patrol.h"
#include "domain/scope.h"

int xz_patrol_items(struct xz_ctx *c, json_t **rows)
{
	int rc = xz_db_query(c->db,
			     "SELECT id, groupname AS \"group\", name, category_code, sort, active "
			     "AS is_active FROM patrol_items ORDER BY sort, id",
			     XZ_NOARGS, rows);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

static int items_tx(struct xz_ctx *c, void *arg)
{
	const json_t *items = arg, *it;
	size_t i;
	int rc;
	if ((rc = xz_db_exec(c->db, "UPDATE patrol_items SET active = 0", XZ_NOARGS, NULL)) < 0)
		return rc;
	for (i = 0; i < json_array_size(items); i++) {
		int64_t id, changes = 0, known = 0;
		const char *code;
		it = json_array_get(items, i);
		id = xz_row_int(it, "id");
		/* a finding of the item is reported in its category: it must exist */
		if ((code = xz_row_str(it, "category_code")) && *code) {
			if ((rc =
				 xz_db_int(c->db, "SELECT COUNT(*) FROM categories WHERE code = $1",
					   XZ_ARGS(XZ_TEXT(code)), &known)) < 0)
				return rc;
			if (!known)
				return xz_ctx_fail(
				    c, XZ_ERULE, "unknown_category",
				    xz_arena_printf(c->arena, "第%zu项的问题类别%s不存在", i + 1,
						    code),
				    xz_arena_printf(c->arena, "item %zu: no category %s", i + 1,
						    code),
				    "items");
		}
		if (id > 0 &&
		    (rc = xz_db_exec(
			 c->db,
			 "UPDATE patrol_items SET groupname = $2, name = $3, category_code "
			 "= $4, sort = $5, active = 1 WHERE id = $1",
			 XZ_ARGS(XZ_INT(id), XZ_TEXT(xz_row_str(it, "group")),
				 XZ_TEXT(xz_row_str(it, "name")),
				 XZ_TEXT(xz_row_str(it, "category_code")), XZ_INT(i)),
			 &changes)) < 0)
			return rc;
		if (!changes &&
		    (rc = xz_db_exec(
			 c->db,
			 "INSERT INTO patrol_items (groupname, name, category_code, sort) "
			 "VALUES ($1, $2, $3, $4)",
			 XZ_ARGS(XZ_TEXT(xz_row_str(it, "group")), XZ_TEXT(xz_row_str(it, "name")),
				 XZ_TEXT(xz_row_str(it, "category_code")), XZ_INT(i)),
			 NULL)) < 0)
			return rc;
	}
	return xz_ctx_audit(c, "patrol.items", "patrol_items", 0, NULL, (json_t *)items);
}

int xz_patrol_items_put(struct xz_ctx *c, const json_t *items)
{
	return xz_ctx_tx(c, items_tx, (void *)items);
}

double xz_patrol_track_m(const json_t *track)
{
	double d = 0;
	size_t i;
	const json_t *a, *b;
	if (!json_is_array(track) || json_array_size(track) > XZ_MAX_TRACK_POINTS)
		return -1;
	for (i = 0; i < json_array_size(track); i++) {
		b = json_array_get(track, i);
		if (!json_is_number(json_array_get(b, 0)) || !json_is_number(json_array_get(b, 1)))
			return -1;
		if (!i)
			continue;
		a = json_array_get(track, i - 1);
		d += xz_distance_m(json_number_value(json_array_get(a, 0)),
				   json_number_value(json_array_get(a, 1)),
				   json_number_value(json_array_get(b, 0)),
				   json_number_value(json_array_get(b, 1)));
	}
	return d;
}

/* ENDED_AT: a patrol in progress has no end yet (the column holds its
 * start until it is stopped). */
#define ENDED_AT "CASE WHEN p.state = 'in_progress' THEN NULL ELSE p.ended_at END AS ended_at"

struct record_args {
	const struct xz_patrol_in *in;
	int64_t id;
};

static int record_tx(struct xz_ctx *c, void *arg)
{
	struct record_args *a = arg;
	const struct xz_patrol_in *in = a->in;
	json_t *cell = NULL;
	char *tj = NULL, *cj = NULL, *fj = NULL;
	double dist = in->track ? xz_patrol_track_m(in->track) : 0;
	int rc;
	if (in->ended_at < in->started_at)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_time", "起止时间无效",
				   "started_at/ended_at must be ISO 8601 and in order",
				   "started_at");
	if (dist < 0)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_track", "轨迹须为[[经度,纬度],…]",
				   "track must be [[lon,lat],…]", "track");
	if ((rc = xz_grid_cell_row(c, "patrol.write", in->cell_id, &cell)) < 0)
		return rc;
	tj = in->track ? json_dumps(in->track, JSON_COMPACT) : NULL;
	cj = in->checked ? json_dumps(in->checked, JSON_COMPACT) : NULL;
	fj = in->findings ? json_dumps(in->findings, JSON_COMPACT) : NULL;
	if ((rc = xz_db_int(
		 c->db,
		 "INSERT INTO patrols (user_id, person_id, cell_id, township_id, "
		 "county_id, started_at, ended_at, distance_m, track_json, checked_json, "
		 "findings_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
		 "$10, $11, $12) RETURNING id",
		 XZ_ARGS(XZ_INT(c->user ? c->user->id : 0), XZ_ID(c->user ? c->user->person_id : 0),
			 XZ_INT(in->cell_id), XZ_INT(xz_row_int(cell, "township_id")),
			 XZ_INT(xz_row_int(cell, "county_id")), XZ_INT(in->started_at),
			 XZ_INT(in->ended_at), XZ_REAL(dist), XZ_TEXT(tj ? tj : "[]"),
			 XZ_TEXT(cj ? cj : "[]"), XZ_TEXT(fj ? fj : "[]"), XZ_INT(c->now)),
		 &a->id)) == 0)
		rc = xz_ctx_audit(c, "patrol.create", "patrol", a->id, NULL, NULL);
	free(tj);
	free(cj);
	free(fj);
	json_decref(cell);
	return rc;
}

int xz_patrol_record(struct xz_ctx *c, const struct xz_patrol_in *in, int64_t *id)
{
	struct record_args a = {.in = in};
	int rc = xz_ctx_tx(c, record_tx, &a);
	*id = a.id;
	return rc;
}

int xz_patrols_list(struct xz_ctx *c, int64_t cell, const char *state, int64_t after, int64_t limit,
		    xz_row_fn fn, void *arg)
{
	struct xz_place f = {0};
	int rc;
	if (c->user && !xz_authz_filter(c->user, "patrol.read", &f))
		return xz_scope_deny(c, "patrol.read");
	rc = xz_db_each(
	    c->db,
	    "SELECT p.id, p.user_id, u.display_name AS patroller, p.cell_id, c.name AS "
	    "cell_name, p.township_id, p.state, p.mode, p.started_at, " ENDED_AT
	    ", p.distance_m, p.checked_json, p.findings_json, (SELECT COUNT(*) FROM "
	    "problems q WHERE q.patrol_id = p.id) AS problem_count FROM patrols p JOIN "
	    "users u ON u.id = p.user_id JOIN grid_cells c ON c.id = p.cell_id WHERE p.id > "
	    "$1 AND (CAST($2 AS BIGINT) IS NULL OR p.township_id = $2) AND (CAST($3 AS "
	    "BIGINT) IS NULL OR p.county_id = $3) AND (CAST($4 AS BIGINT) IS NULL OR "
	    "p.user_id = $4) AND (CAST($5 AS BIGINT) IS NULL OR p.cell_id = $5) AND "
	    "(CAST($7 AS TEXT) IS NULL OR p.state = $7) ORDER BY p.id LIMIT $6",
	    XZ_ARGS(XZ_INT(after), XZ_ID(f.township_id), XZ_ID(f.county_id), XZ_ID(f.user_id),
		    XZ_ID(cell), XZ_INT(limit), XZ_TEXT(state)),
	    fn, arg);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz_patrol_get(struct xz_ctx *c, int64_t id, json_t **row)
{
	json_t *raised = NULL, *checks = NULL;
	struct xz_place pl;
	int rc =
	    xz_db_one(c->db,
		      "SELECT p.id, p.user_id, p.cell_id, p.township_id, p.county_id, p.state, "
		      "p.mode, p.started_at, " ENDED_AT ", p.distance_m, p.track_json, "
		      "p.checked_json, p.findings_json FROM patrols p WHERE p.id = $1",
		      XZ_ARGS(XZ_INT(id)), row);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "巡查记录不存在", "No such patrol",
				   NULL);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	pl = (struct xz_place){.county_id = xz_row_int(*row, "county_id"),
			       .township_id = xz_row_int(*row, "township_id"),
			       .user_id = xz_row_int(*row, "user_id")};
	if (!xz_scope_may(c, "patrol.read", &pl)) {
		json_decref(*row);
		*row = NULL;
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "巡查记录不存在", "No such patrol",
				   NULL);
	}
	/* the problems its findings raised (reported with this patrol_id) */
	if ((rc = xz_db_query(c->db,
			      "SELECT id, state, category, description, lon, lat, created_at FROM "
			      "problems WHERE patrol_id = $1 ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &raised)) < 0 ||
	    (rc = xz_db_query(
		 c->db,
		 "SELECT item_id, checked AS is_checked, note, checked_at FROM patrol_checks "
		 "WHERE patrol_id = $1 ORDER BY item_id",
		 XZ_ARGS(XZ_INT(id)), &checks)) < 0) {
		json_decref(raised);
		json_decref(*row);
		*row = NULL;
		return xz_ctx_fail_db(c, rc);
	}
	json_object_set_new(*row, "problems", raised);
	json_object_set_new(*row, "checks", checks);
	return 0;
}

/* ---- recorded as it happens ---- */

int xz_patrol_points_parse(const json_t *arr, size_t max, struct xz_patrol_point *out, size_t *n,
			   size_t *bad)
{
	size_t i;
	*n = 0;
	*bad = 0;
	if (!json_is_array(arr) || json_array_size(arr) > max) {
		*bad = json_is_array(arr) ? json_array_size(arr) : 0;
		return -1;
	}
	for (i = 0; i < json_array_size(arr); i++) {
		const json_t *pt = json_array_get(arr, i), *t = json_array_get(pt, 2);
		double lon, lat;
		*bad = i;
		if (!json_is_array(pt) || json_array_size(pt) != 3 ||
		    !json_is_number(json_array_get(pt, 0)) ||
		    !json_is_number(json_array_get(pt, 1)) || !json_is_integer(t))
			return -1;
		lon = json_number_value(json_array_get(pt, 0));
		lat = json_number_value(json_array_get(pt, 1));
		if (!xz_geo_in_china(lon, lat) || json_integer_value(t) < XZ_PATROL_T_MIN ||
		    json_integer_value(t) > XZ_PATROL_T_MAX)
			return -1;
		out[i] =
		    (struct xz_patrol_point){.lon = lon, .lat = lat, .t = json_integer_value(t)};
	}
	*n = i;
	return 0;
}

static int no_patrol(struct xz_ctx *c)
{
	return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "巡查记录不存在", "No such patrol", NULL);
}

static struct xz_place place_of(const json_t *row)
{
	return (struct xz_place){.county_id = xz_row_int(row, "county_id"),
				 .township_id = xz_row_int(row, "township_id"),
				 .user_id = xz_row_int(row, "user_id")};
}

/* own_live: lock one's own live patrol for writing — its row first, so two
 * batches of one patrol take turns on PostgreSQL — and read it into *row
 * (caller owns). open: it must still be in progress. A patrol the caller
 * may not read is 404; one they may read but not record into, 403. */
static int own_live(struct xz_ctx *c, int64_t id, bool open, json_t **row)
{
	struct xz_place pl;
	int rc;
	*row = NULL;
	if ((rc = xz_db_exec(c->db, "UPDATE patrols SET updated_at = $2 WHERE id = $1",
			     XZ_ARGS(XZ_INT(id), XZ_INT(c->now)), NULL)) < 0)
		return rc;
	rc = xz_db_one(c->db,
		       "SELECT id, user_id, township_id, county_id, state, mode, started_at, "
		       "ended_at, findings_json FROM patrols WHERE id = $1",
		       XZ_ARGS(XZ_INT(id)), row);
	if (rc == XZ_ENOTFOUND)
		return no_patrol(c);
	if (rc < 0)
		return rc;
	pl = place_of(*row);
	if (!xz_scope_may(c, "patrol.record", &pl))
		rc = xz_scope_may(c, "patrol.read", &pl) ? xz_scope_deny(c, "patrol.record")
							 : no_patrol(c);
	else if (strcmp(xz_row_str(*row, "mode"), "live"))
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "patrol_not_live",
				 "该巡查记录为整体上传，不能追加",
				 "This patrol was uploaded whole and cannot be added to", NULL);
	else if (open && strcmp(xz_row_str(*row, "state"), "in_progress"))
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "patrol_done", "巡查已结束",
				 "This patrol has been stopped", NULL);
	if (rc < 0) {
		json_decref(*row);
		*row = NULL;
	}
	return rc;
}

struct start_args {
	int64_t cell_id, started_at, id;
};

static int start_tx(struct xz_ctx *c, void *arg)
{
	struct start_args *a = arg;
	json_t *cell = NULL;
	int64_t open = 0;
	int64_t uid = c->user ? c->user->id : 0;
	int rc;
	if ((rc = xz_grid_cell_row(c, "patrol.write", a->cell_id, &cell)) < 0)
		return rc;
	rc = xz_db_int(c->db,
		       "SELECT id FROM patrols WHERE user_id = $1 AND state = 'in_progress' "
		       "ORDER BY id LIMIT 1",
		       XZ_ARGS(XZ_INT(uid)), &open);
	if (rc == 0)
		rc = xz_ctx_fail(
		    c, XZ_ECONFLICT, "patrol_in_progress",
		    xz_arena_printf(c->arena, "巡查#%lld尚未结束，请先结束", (long long)open),
		    xz_arena_printf(c->arena, "Patrol %lld is still in progress; stop it first",
				    (long long)open),
		    NULL);
	else if (rc == XZ_ENOTFOUND &&
		 (rc = xz_db_int(
		      c->db,
		      "INSERT INTO patrols (user_id, person_id, cell_id, township_id, county_id, "
		      "started_at, ended_at, state, mode, created_at, updated_at) VALUES ($1, $2, "
		      "$3, $4, $5, $6, $6, 'in_progress', 'live', $7, $7) RETURNING id",
		      XZ_ARGS(XZ_INT(uid), XZ_ID(c->user ? c->user->person_id : 0),
			      XZ_INT(a->cell_id), XZ_INT(xz_row_int(cell, "township_id")),
			      XZ_INT(xz_row_int(cell, "county_id")), XZ_INT(a->started_at),
			      XZ_INT(c->now)),
		      &a->id)) == 0)
		rc = xz_ctx_audit_new(c, "patrol.start", "patrol", a->id, NULL,
				      json_pack("{s:I,s:I}", "cell_id", (json_int_t)a->cell_id,
						"started_at", (json_int_t)a->started_at));
	json_decref(cell);
	return rc;
}

int xz_patrol_start(struct xz_ctx *c, int64_t cell_id, int64_t started_at, int64_t *id)
{
	struct start_args a = {.cell_id = cell_id, .started_at = started_at ? started_at : c->now};
	int rc = xz_ctx_tx(c, start_tx, &a);
	*id = a.id;
	return rc;
}

/* rebuild_track: track_json [[lon, lat, t], …] by time and distance_m from
 * the patrol's stored positions; XZ_ERULE when there are too many. */
static int rebuild_track(struct xz_ctx *c, int64_t id)
{
	json_t *rows = NULL, *track = NULL, *r;
	char *tj = NULL;
	double d = 0, plon = 0, plat = 0;
	size_t i;
	int rc = xz_db_query(
	    c->db, "SELECT lon, lat, t FROM patrol_points WHERE patrol_id = $1 ORDER BY t",
	    XZ_ARGS(XZ_INT(id)), &rows);
	if (rc < 0)
		goto out;
	if (json_array_size(rows) > XZ_MAX_TRACK_POINTS) {
		rc = xz_ctx_fail(
		    c, XZ_ERULE, "track_full",
		    xz_arena_printf(c->arena, "一次巡查的轨迹至多%d个位置", XZ_MAX_TRACK_POINTS),
		    xz_arena_printf(c->arena, "A patrol's track holds at most %d positions",
				    XZ_MAX_TRACK_POINTS),
		    "points");
		goto out;
	}
	track = json_array();
	json_array_foreach(rows, i, r)
	{
		double lon = json_number_value(json_object_get(r, "lon"));
		double lat = json_number_value(json_object_get(r, "lat"));
		if (i)
			d += xz_distance_m(plon, plat, lon, lat);
		json_array_append_new(
		    track, json_pack("[f,f,I]", lon, lat, (json_int_t)xz_row_int(r, "t")));
		plon = lon;
		plat = lat;
	}
	tj = json_dumps(track, JSON_COMPACT | JSON_REAL_PRECISION(10));
	rc = xz_db_exec(c->db, "UPDATE patrols SET track_json = $2, distance_m = $3 WHERE id = $1",
			XZ_ARGS(XZ_INT(id), XZ_TEXT(tj ? tj : "[]"), XZ_REAL(d)), NULL);
out:
	free(tj);
	json_decref(track);
	json_decref(rows);
	return rc;
}

struct track_args {
	int64_t id;
	const struct xz_patrol_point *pts;
	size_t n;
	int64_t added;
};

static int track_tx(struct xz_ctx *c, void *arg)
{
	struct track_args *a = arg;
	json_t *row = NULL;
	size_t i;
	int rc;
	if ((rc = own_live(c, a->id, true, &row)) < 0)
		return rc;
	for (i = 0; i < a->n && rc == 0; i++) {
		int64_t ch = 0;
		rc =
		    xz_db_exec(c->db,
			       "INSERT INTO patrol_points (patrol_id, t, lon, lat) VALUES ($1, $2, "
			       "$3, $4) ON CONFLICT (patrol_id, t) DO NOTHING",
			       XZ_ARGS(XZ_INT(a->id), XZ_INT(a->pts[i].t), XZ_REAL(a->pts[i].lon),
				       XZ_REAL(a->pts[i].lat)),
			       &ch);
		a->added += ch;
	}
	if (rc == 0 && a->added)
		rc = rebuild_track(c, a->id);
	if (rc == 0)
		rc = xz_ctx_audit_new(c, "patrol.track", "patrol", a->id, NULL,
				      json_pack("{s:I,s:I}", "points", (json_int_t)a->n, "added",
						(json_int_t)a->added));
	json_decref(row);
	return rc;
}

int xz_patrol_track_add(struct xz_ctx *c, int64_t id, const struct xz_patrol_point *pts, size_t n,
			int64_t *added)
{
	struct track_args a = {.id = id, .pts = pts, .n = n};
	int rc = xz_ctx_tx(c, track_tx, &a);
	if (added)
		*added = rc < 0 ? 0 : a.added;
	return rc;
}

struct check_args {
	int64_t id, item_id;
	bool checked;
	const char *note;
};

/* item_exists: a checklist item of that id (a deactivated one still names
 * itself in the patrols that checked it). */
static int item_exists(struct xz_ctx *c, int64_t item_id)
{
	int64_t x;
	int rc = xz_db_int(c->db, "SELECT id FROM patrol_items WHERE id = $1",
			   XZ_ARGS(XZ_INT(item_id)), &x);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "巡查清单中没有该项",
				   "No such checklist item", "item_id");
	return rc;
}

static int check_tx(struct xz_ctx *c, void *arg)
{
	struct check_args *a = arg;
	json_t *row = NULL, *ids = NULL, *r, *list = NULL;
	char *cj = NULL;
	size_t i;
	int rc;
	if ((rc = own_live(c, a->id, true, &row)) < 0 || (rc = item_exists(c, a->item_id)) < 0)
		goto out;
	if ((rc = xz_db_exec(c->db,
			     "INSERT INTO patrol_checks (patrol_id, item_id, checked, note, "
			     "checked_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (patrol_id, "
			     "item_id) DO UPDATE SET checked = excluded.checked, note = "
			     "excluded.note, checked_at = excluded.checked_at",
			     XZ_ARGS(XZ_INT(a->id), XZ_INT(a->item_id), XZ_INT(a->checked ? 1 : 0),
				     XZ_TEXT(a->note), XZ_INT(c->now)),
			     NULL)) < 0 ||
	    (rc =
		 xz_db_query(c->db,
			     "SELECT item_id FROM patrol_checks WHERE patrol_id = $1 AND checked = "
			     "1 ORDER BY item_id",
			     XZ_ARGS(XZ_INT(a->id)), &ids)) < 0)
		goto out;
	list = json_array();
	json_array_foreach(ids, i, r) json_array_append(list, json_object_get(r, "item_id"));
	cj = json_dumps(list, JSON_COMPACT);
	if ((rc = xz_db_exec(c->db, "UPDATE patrols SET checked_json = $2 WHERE id = $1",
			     XZ_ARGS(XZ_INT(a->id), XZ_TEXT(cj ? cj : "[]")), NULL)) == 0)
		rc = xz_ctx_audit_new(c, "patrol.check", "patrol", a->id, NULL,
				      json_pack("{s:I,s:b,s:s?}", "item_id", (json_int_t)a->item_id,
						"checked", a->checked, "note", a->note));
out:
	free(cj);
	json_decref(list);
	json_decref(ids);
	json_decref(row);
	return rc;
}

int xz_patrol_check(struct xz_ctx *c, int64_t id, int64_t item_id, bool checked, const char *note)
{
	struct check_args a = {.id = id, .item_id = item_id, .checked = checked, .note = note};
	return xz_ctx_tx(c, check_tx, &a);
}

struct finding_args {
	int64_t id, problem_id, item_id;
	const char *note;
};

/* link_problem: the problem raised on this patrol: of its township and not
 * raised by another patrol; its patrol_id is set when it had none. */
static int link_problem(struct xz_ctx *c, const json_t *patrol, int64_t pid)
{
	json_t *p = NULL;
	int64_t other;
	int rc = xz_db_one(c->db, "SELECT id, township_id, patrol_id FROM problems WHERE id = $1",
			   XZ_ARGS(XZ_INT(pid)), &p);
	if (rc == XZ_ENOTFOUND ||
	    (rc == 0 && xz_row_int(p, "township_id") != xz_row_int(patrol, "township_id")))
		rc = xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "问题不存在或不在本乡镇",
				 "No such problem in this patrol's township", "problem_id");
	else if (rc == 0 && (other = xz_row_int(p, "patrol_id")) &&
		 other != xz_row_int(patrol, "id"))
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "problem_linked", "该问题已由另一次巡查上报",
				 "This problem was raised by another patrol", "problem_id");
	else if (rc == 0)
		rc = xz_db_exec(c->db,
				"UPDATE problems SET patrol_id = $1 WHERE id = $2 AND patrol_id IS "
				"NULL",
				XZ_ARGS(XZ_INT(xz_row_int(patrol, "id")), XZ_INT(pid)), NULL);
	json_decref(p);
	return rc;
}

static int finding_tx(struct xz_ctx *c, void *arg)
{
	struct finding_args *a = arg;
	json_t *row = NULL, *list = NULL, *f, *entry = NULL;
	char *fj = NULL;
	size_t i;
	int rc;
	if ((rc = own_live(c, a->id, false, &row)) < 0 ||
	    (a->item_id && (rc = item_exists(c, a->item_id)) < 0) ||
	    (a->problem_id && (rc = link_problem(c, row, a->problem_id)) < 0))
		goto out;
	list = json_loads(xz_row_str(row, "findings_json"), 0, NULL);
	if (!json_is_array(list)) {
		json_decref(list);
		list = json_array();
	}
	json_array_foreach(list, i, f) if (a->problem_id &&
					   json_integer_value(json_object_get(f, "problem_id")) ==
					       a->problem_id) goto out; /* linked already */
	entry = json_object();
	if (a->item_id)
		json_object_set_new(entry, "item_id", json_integer(a->item_id));
	if (a->note && *a->note)
		json_object_set_new(entry, "note", json_string(a->note));
	if (a->problem_id)
		json_object_set_new(entry, "problem_id", json_integer(a->problem_id));
	json_array_append(list, entry);
	fj = json_dumps(list, JSON_COMPACT);
	if ((rc = xz_db_exec(c->db, "UPDATE patrols SET findings_json = $2 WHERE id = $1",
			     XZ_ARGS(XZ_INT(a->id), XZ_TEXT(fj ? fj : "[]")), NULL)) == 0)
		rc = xz_ctx_audit(c, "patrol.finding", "patrol", a->id, NULL, entry);
out:
	free(fj);
	json_decref(entry);
	json_decref(list);
	json_decref(row);
	return rc;
}

int xz_patrol_finding(struct xz_ctx *c, int64_t id, int64_t problem_id, int64_t item_id,
		      const char *note)
{
	struct finding_args a = {
	    .id = id, .problem_id = problem_id, .item_id = item_id, .note = note};
	return xz_ctx_tx(c, finding_tx, &a);
}

struct stop_args {
	int64_t id, ended_at;
};

static int stop_tx(struct xz_ctx *c, void *arg)
{
	struct stop_args *a = arg;
	json_t *row = NULL;
	int64_t end = a->ended_at ? a->ended_at : c->now;
	int rc;
	if ((rc = own_live(c, a->id, false, &row)) < 0)
		return rc;
	if (strcmp(xz_row_str(row, "state"), "in_progress"))
		; /* stopped already: as it was */
	else if (end < xz_row_int(row, "started_at"))
		rc = xz_ctx_fail(c, XZ_EMALFORMED, "invalid_time", "结束时间早于开始时间",
				 "ended_at is before the patrol started", "ended_at");
	else if ((rc = xz_db_exec(c->db,
				  "UPDATE patrols SET state = 'done', ended_at = $2 WHERE id = $1",
				  XZ_ARGS(XZ_INT(a->id), XZ_INT(end)), NULL)) == 0)
		rc = xz_ctx_audit_new(c, "patrol.stop", "patrol", a->id, NULL,
				      json_pack("{s:I}", "ended_at", (json_int_t)end));
	json_decref(row);
	return rc;
}

int xz_patrol_stop(struct xz_ctx *c, int64_t id, int64_t ended_at)
{
	struct stop_args a = {.id = id, .ended_at = ended_at};
	return xz_ctx_tx(c, stop_tx, &a);
}

int xz_patrol_summary(struct xz_ctx *c, int64_t id, json_t **out)
{
	json_t *row = NULL, *raised = NULL, *checked = NULL, *findings = NULL, *track = NULL, *f,
	       *r;
	struct xz_place pl;
	int64_t points, nfind = 0, end;
	size_t i, j;
	int rc;
	*out = NULL;
	rc = xz_db_one(c->db,
		       "SELECT p.id, p.user_id, p.township_id, p.county_id, p.state, p.mode, "
		       "p.started_at, " ENDED_AT ", p.distance_m, p.checked_json, p.findings_json, "
		       "CASE WHEN p.mode = 'upload' THEN p.track_json END AS track_json, (SELECT "
		       "COUNT(*) FROM patrol_points pp WHERE pp.patrol_id = p.id) AS points FROM "
		       "patrols p WHERE p.id = $1",
		       XZ_ARGS(XZ_INT(id)), &row);
	if (rc == XZ_ENOTFOUND)
		return no_patrol(c);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	pl = place_of(row);
	if (!xz_scope_may(c, "patrol.read", &pl)) {
		rc = no_patrol(c);
		goto out;
	}
	if ((rc = xz_db_query(c->db, "SELECT id FROM problems WHERE patrol_id = $1 ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &raised)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	checked = json_loads(xz_row_str(row, "checked_json"), 0, NULL);
	findings = json_loads(xz_row_str(row, "findings_json"), 0, NULL);
	track = xz_row_str(row, "track_json") ? json_loads(xz_row_str(row, "track_json"), 0, NULL)
					      : NULL;
	points = track ? (int64_t)json_array_size(track) : xz_row_int(row, "points");
	/* findings: each note or problem once, and each problem raised with
	 * this patrol_id that no finding names */
	nfind = (int64_t)json_array_size(findings);
	json_array_foreach(raised, i, r)
	{
		bool named = false;
		json_array_foreach(findings, j, f) named |=
		    json_integer_value(json_object_get(f, "problem_id")) == xz_row_int(r, "id");
		nfind += !named;
	}
	end = json_is_null(json_object_get(row, "ended_at")) ? c->now : xz_row_int(row, "ended_at");
	*out = json_pack(
	    "{s:O,s:O,s:O,s:O,s:O,s:I,s:O,s:I,s:o,s:I,s:I}", "id", json_object_get(row, "id"),
	    "state", json_object_get(row, "state"), "mode", json_object_get(row, "mode"),
	    "started_at", json_object_get(row, "started_at"), "ended_at",
	    json_object_get(row, "ended_at"), "duration_s",
	    (json_int_t)(end - xz_row_int(row, "started_at")), "distance_m",
	    json_object_get(row, "distance_m"), "points", (json_int_t)points, "checked",
	    json_is_array(checked) ? json_incref(checked) : json_array(), "items_checked",
	    (json_int_t)json_array_size(checked), "findings", (json_int_t)nfind);
	rc = *out ? 0 : xz_ctx_fail_db(c, XZ_EINTERNAL);
out:
	json_decref(track);
	json_decref(findings);
	json_decref(checked);
	json_decref(raised);
	json_decref(row);
	return rc;
}
