/*
 * patrol.c — the patrol checklist and patrol records (see patrol.h): the
 * rules (a patrol is for a cell the grid member may patrol, its times in
 * order, its track of valid positions) and their SQL.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
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

int xz_patrols_list(struct xz_ctx *c, int64_t cell, int64_t after, int64_t limit, json_t **rows)
{
	struct xz_place f = {0};
	int rc;
	*rows = NULL;
	if (c->user && !xz_authz_filter(c->user, "patrol.read", &f))
		return xz_scope_deny(c, "patrol.read");
	rc = xz_db_query(
	    c->db,
	    "SELECT p.id, p.user_id, u.display_name AS patroller, p.cell_id, c.name AS "
	    "cell_name, p.township_id, p.started_at, p.ended_at, p.distance_m, "
	    "p.checked_json, p.findings_json FROM patrols p JOIN users u ON u.id = "
	    "p.user_id JOIN grid_cells c ON c.id = p.cell_id WHERE p.id > $1 AND "
	    "(CAST($2 AS BIGINT) IS NULL OR p.township_id = $2) AND (CAST($3 AS BIGINT) "
	    "IS NULL OR p.county_id = $3) AND (CAST($4 AS BIGINT) IS NULL OR p.user_id = "
	    "$4) AND (CAST($5 AS BIGINT) IS NULL OR p.cell_id = $5) ORDER BY p.id LIMIT $6",
	    XZ_ARGS(XZ_INT(after), XZ_ID(f.township_id), XZ_ID(f.county_id), XZ_ID(f.user_id),
		    XZ_ID(cell), XZ_INT(limit)),
	    rows);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz_patrol_get(struct xz_ctx *c, int64_t id, json_t **row)
{
	json_t *raised = NULL;
	struct xz_place pl;
	int rc =
	    xz_db_one(c->db,
		      "SELECT id, user_id, cell_id, township_id, county_id, started_at, "
		      "ended_at, distance_m, track_json, checked_json, findings_json FROM patrols "
		      "WHERE id = $1",
		      XZ_ARGS(XZ_INT(id)), row);
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
			      "SELECT id, state, category, description, created_at FROM problems "
			      "WHERE patrol_id = $1 ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &raised)) < 0) {
		json_decref(*row);
		*row = NULL;
		return xz_ctx_fail_db(c, rc);
	}
	json_object_set_new(*row, "problems", raised);
	return 0;
}
