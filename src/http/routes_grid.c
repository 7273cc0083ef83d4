/*
 * routes_grid.c — the HTTP face of the township's grid (R3): grid cells as
 * GeoJSON, their import, township and village shapes for the map, grid
 * members, locating a point, the patrol checklist and patrol records. Each
 * handler reads its declared shape, makes one domain call and presents the
 * answer: the rules and SQL are domain/grid_cells.c and domain/patrol.c,
 * geometry domain/geo.c, the spatial index domain/grid.c.
 */
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "domain/grid.h"
#include "domain/patrol.h"
#include "http/resource.h"
#include "http/shape.h"

static int cells_list(struct xz_req *r)
{
	int64_t town = 0, village = 0;
	json_t *fc = NULL;
	int rc;
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0 ||
	    (rc = xz_req_query_id(r, "village_id", &village)) < 0 ||
	    (rc = xz_grid_cells(xz_req_ctx(r), town, village, &fc)) < 0)
		return rc;
	return xz_reply(r, 200, fc);
}

static int cell_get(struct xz_req *r)
{
	int64_t id;
	json_t *ft = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_grid_cell(xz_req_ctx(r), id, &ft)) < 0)
		return rc;
	return xz_reply(r, 200, ft);
}

/* grid_import: a FeatureCollection of township/village shapes (properties
 * `region_code`) and cells (properties `code`, `name`, `village_id` or
 * `village_code`). All or nothing. */
static int grid_import(struct xz_req *r)
{
	json_t *feats, *summary = NULL;
	const char *type;
	int rc;
	if ((rc = xz_req_json(r)) < 0)
		return rc;
	type = xz_jstr(r->in, "type");
	feats = json_object_get(r->in, "features");
	if (!type || strcmp(type, "FeatureCollection") || !json_is_array(feats))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "须为GeoJSON FeatureCollection",
			       "Expected a GeoJSON FeatureCollection", "type");
	if ((rc = xz_grid_import(xz_req_ctx(r), 0, feats, &summary)) < 0)
		return rc;
	return xz_reply(r, 200, summary);
}

static int cell_delete(struct xz_req *r)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_grid_cell_delete(xz_req_ctx(r), id)) < 0)
		return rc;
	return xz_reply(r, 204, NULL);
}

/* cell_members: replace a cell's grid members: {"members":[{"person_id","role"}]}. */
static int cell_members(struct xz_req *r)
{
	int64_t id;
	json_t *members = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_array(r, "members", XZ_MAX_CELL_MEMBERS, &members)) < 0 ||
	    (rc = xz_grid_members_set(xz_req_ctx(r), id, members)) < 0)
		return rc;
	return cell_get(r);
}

static int grid_locate(struct xz_req *r)
{
	struct xz_point p;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_shape_point_query(r, true, &p, NULL)) < 0 ||
	    (rc = xz_grid_where(xz_req_ctx(r), p.lon, p.lat, &row)) < 0)
		return rc;
	return xz_reply(r, 200, row);
}

/* shapes_list: township and village outlines for the map. */
static int shapes_list(struct xz_req *r)
{
	json_t *fc = NULL;
	int rc = xz_grid_shapes(xz_req_ctx(r), &fc);
	return rc < 0 ? rc : xz_reply(r, 200, fc);
}

/* ---- patrols (R3.3) ---- */

static int patrol_items_list(struct xz_req *r)
{
	json_t *rows = NULL;
	int rc = xz_patrol_items(xz_req_ctx(r), &rows);
	return rc < 0 ? rc : xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

/* patrol_items_put: replace the checklist; items keep their ids when given
 * so past patrols still name them; omitted items are deactivated. */
static int patrol_items_put(struct xz_req *r)
{
	json_t *items = NULL, *it;
	size_t i;
	int rc;
	if ((rc = xz_req_array(r, "items", XZ_MAX_PATROL_ITEMS, &items)) < 0)
		return rc;
	json_array_foreach(items, i, it) {
		const char *g = xz_jstr(it, "group"), *n = xz_jstr(it, "name");
		json_t *code = json_object_get(it, "category_code");
		if (code && !json_is_null(code) &&
		    (!json_is_string(code) || json_string_length(code) > XZ_MAX_CODE))
			return xz_fail(
			    r, XZ_EMALFORMED, "invalid_body",
			    xz_arena_printf(r->arena, "第%zu项的category_code须为类别编码", i + 1),
			    xz_arena_printf(r->arena, "item %zu: category_code must be a code",
					    i + 1),
			    "items");
		if (!g || !*g || !n || !*n || strlen(g) > XZ_MAX_NAME || strlen(n) > XZ_MAX_NAME)
			return xz_fail(r, XZ_EMALFORMED, "invalid_body",
				       xz_arena_printf(r->arena, "第%zu项须有group和name", i + 1),
				       xz_arena_printf(r->arena, "item %zu needs group and name", i + 1),
				       "items");
	}
	if ((rc = xz_patrol_items_put(xz_req_ctx(r), items)) < 0)
		return rc;
	return patrol_items_list(r);
}

/* patrol_start: POST /patrols with a state: a patrol recorded as it
 * happens, started now (or at the phone's started_at). */
static int patrol_start(struct xz_req *r)
{
	static const char *const states[] = {"in_progress", NULL};
	json_int_t cell_id = 0;
	const char *state = NULL, *started = NULL;
	int64_t at = 0, id = 0;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:I,s:s,s?s}", "cell_id", &cell_id, "state", &state,
				"started_at", &started)) < 0 ||
	    (rc = xz_shape_enum(r, "state", state, states, true)) < 0)
		return rc;
	if (started && xz_time_parse(started, &at) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_time", "开始时间无效",
			       "started_at must be ISO 8601", "started_at");
	if ((rc = xz_patrol_start(xz_req_ctx(r), cell_id, at, &id)) < 0 ||
	    (rc = xz_patrol_get(xz_req_ctx(r), id, &row)) < 0)
		return rc;
	json_object_del(row, "county_id");
	json_object_del(row, "problems");
	xz_present_all(json_object_get(row, "checks"));
	return xz_reply(r, 201, xz_present(row));
}

/* patrol_create: a finished patrol as the phone uploads it, or (with a
 * "state") one started to be recorded as it happens. */
static int patrol_create(struct xz_req *r)
{
	json_int_t cell_id = 0;
	const char *started = NULL, *ended = NULL;
	json_t *track = NULL, *checked = NULL, *findings = NULL, *row = NULL;
	struct xz_patrol_in in = {0};
	int64_t id = 0;
	int rc;
	if ((rc = xz_req_json(r)) < 0)
		return rc;
	if (json_object_get(r->in, "state"))
		return patrol_start(r);
	if ((rc = xz_req_unpack(r, "{s:I,s:s,s:s,s?o,s?o,s?o}", "cell_id", &cell_id, "started_at",
				&started, "ended_at", &ended, "track", &track, "checked", &checked,
				"findings", &findings)) < 0)
		return rc;
	if (xz_time_parse(started, &in.started_at) < 0 || xz_time_parse(ended, &in.ended_at) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_time", "起止时间无效",
			       "started_at/ended_at must be ISO 8601 and in order", "started_at");
	if ((rc = xz_shape_positions(r, "track", "invalid_track", track, XZ_MAX_TRACK_POINTS)) < 0)
		return rc;
	if ((checked && !json_is_array(checked)) || (findings && !json_is_array(findings)))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "checked与findings须为数组",
			       "checked and findings must be arrays", "checked");
	in.cell_id = cell_id;
	in.track = track;
	in.checked = checked;
	in.findings = findings;
	if ((rc = xz_patrol_record(xz_req_ctx(r), &in, &id)) < 0 ||
	    (rc = xz_patrol_get(xz_req_ctx(r), id, &row)) < 0)
		return rc;
	json_object_del(row, "county_id");
	json_object_del(row, "problems");
	xz_present_all(json_object_get(row, "checks"));
	return xz_reply(r, 201, xz_present(row));
}

static int patrols_list(struct xz_req *r)
{
	int64_t after, limit, cell = 0;
	const char *state = xz_req_query(r, "state");
	struct xz_page pg;
	int rc;
	if (state && !*state)
		state = NULL;
	if (state && strcmp(state, "in_progress") && strcmp(state, "done"))
		return xz_fail(r, XZ_EMALFORMED, "invalid_query",
			       "查询参数state须为in_progress或done",
			       "Query argument state must be in_progress or done", "state");
	if ((rc = xz_req_page(r, &after, &limit)) < 0 ||
	    (rc = xz_req_query_id(r, "cell_id", &cell)) < 0)
		return rc;
	xz_page_begin(r, &pg, limit);
	return xz_page_reply(
	    &pg, xz_patrols_list(xz_req_ctx(r), cell, state, after, limit, xz_page_row, &pg));
}

static int patrol_get(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_patrol_get(xz_req_ctx(r), id, &row)) < 0)
		return rc;
	xz_present_all(json_object_get(row, "problems"));
	xz_present_all(json_object_get(row, "checks"));
	return xz_reply(r, 200, xz_present(row));
}

/* ---- a patrol recorded as it happens: each write answers its summary ---- */

static int reply_summary(struct xz_req *r, int64_t id, int64_t added, bool with_added)
{
	json_t *row = NULL;
	int rc = xz_patrol_summary(xz_req_ctx(r), id, &row);
	if (rc < 0)
		return rc;
	if (with_added)
		json_object_set_new(row, "added", json_integer(added));
	return xz_reply(r, 200, xz_present(row));
}

/* patrol_track: {"points":[[lon, lat, t], …]} appended; a position whose
 * time is stored already is skipped (a batch sent twice counts once). */
static int patrol_track(struct xz_req *r)
{
	struct xz_patrol_point *pts;
	json_t *points = NULL;
	int64_t id, added = 0;
	size_t n = 0, bad = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:o}", "points", &points)) < 0)
		return rc;
	pts = xz_arena_alloc(r->arena, sizeof(*pts) * XZ_MAX_TRACK_BATCH);
	if (xz_patrol_points_parse(points, XZ_MAX_TRACK_BATCH, pts, &n, &bad) < 0 || !n)
		return xz_fail(
		    r, XZ_EMALFORMED, "invalid_track",
		    xz_arena_printf(
			r->arena,
			"points须为1至%d个位置[经度,纬度,时间]：位置在中国境内（经度73.5–"
			"135.1，纬度3.8–53.6），时间为Unix秒整数（第%zu个有误）",
			XZ_MAX_TRACK_BATCH, bad + 1),
		    xz_arena_printf(
			r->arena,
			"points must be 1 to %d positions [lon, lat, t] within China "
			"(lon 73.5-135.1, lat 3.8-53.6), t integer Unix seconds (position "
			"%zu is not)",
			XZ_MAX_TRACK_BATCH, bad + 1),
		    "points");
	if ((rc = xz_patrol_track_add(xz_req_ctx(r), id, pts, n, &added)) < 0)
		return rc;
	return reply_summary(r, id, added, true);
}

/* patrol_check: {"item_id","checked","note"?}: a checklist item ticked or
 * unticked; the last word stands. */
static int patrol_check(struct xz_req *r)
{
	json_int_t item = 0;
	int checked = 0;
	const char *note = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:I,s:b,s?s}", "item_id", &item, "checked", &checked, "note",
				&note)) < 0 ||
	    (rc = xz_shape_range(r, "item_id", item, 1, INT64_MAX)) < 0 ||
	    (rc = XZ_SHAPE_TEXTS(r, {"note", note, XZ_MAX_TEXT, false})) < 0 ||
	    (rc = xz_patrol_check(xz_req_ctx(r), id, item, checked, note)) < 0)
		return rc;
	return reply_summary(r, id, 0, false);
}

/* patrol_finding: {"problem_id"?, "item_id"?, "note"?}: a problem the patrol
 * raised, or a note; one of problem_id and note is required. */
static int patrol_finding(struct xz_req *r)
{
	json_int_t problem = 0, item = 0;
	const char *note = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s?I,s?I,s?s}", "problem_id", &problem, "item_id", &item,
				"note", &note)) < 0 ||
	    (rc = xz_shape_range(r, "problem_id", problem, 0, INT64_MAX)) < 0 ||
	    (rc = xz_shape_range(r, "item_id", item, 0, INT64_MAX)) < 0 ||
	    (rc = XZ_SHAPE_TEXTS(r, {"note", note, XZ_MAX_TEXT, !problem})) < 0 ||
	    (rc = xz_patrol_finding(xz_req_ctx(r), id, problem, item, note)) < 0)
		return rc;
	return reply_summary(r, id, 0, false);
}

/* patrol_stop: {"ended_at"?}: the patrol ends (now, or at the phone's
 * time); stopping it again answers the same. */
static int patrol_stop(struct xz_req *r)
{
	const char *ended = NULL;
	int64_t id, at = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (r->body_len && (rc = xz_req_unpack(r, "{s?s}", "ended_at", &ended)) < 0))
		return rc;
	if (ended && xz_time_parse(ended, &at) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_time", "结束时间无效",
			       "ended_at must be ISO 8601", "ended_at");
	if ((rc = xz_patrol_stop(xz_req_ctx(r), id, at)) < 0)
		return rc;
	return reply_summary(r, id, 0, false);
}

const struct xz_route xz_routes_grid[] = {
	{"GET", "/api/v1/grid/cells", cells_list, "grid.read", 0},
	{"GET", "/api/v1/grid/cells/{id}", cell_get, "grid.read", 0},
	{"DELETE", "/api/v1/grid/cells/{id}", cell_delete, "grid.write", 0},
	{"PUT", "/api/v1/grid/cells/{id}/members", cell_members, "grid.write", 0},
	{"POST", "/api/v1/grid/import", grid_import, "grid.write", 16u << 20},
	{"GET", "/api/v1/grid/shapes", shapes_list, "grid.read", 0},
	{"GET", "/api/v1/grid/locate", grid_locate, "grid.read", 0},
	{"GET", "/api/v1/patrol-items", patrol_items_list, "grid.read", 0},
	{"PUT", "/api/v1/patrol-items", patrol_items_put, "list.write", 0},
	{"POST", "/api/v1/patrols", patrol_create, "patrol.write", 4u << 20},
	{"GET", "/api/v1/patrols", patrols_list, "patrol.read", 0},
	{"GET", "/api/v1/patrols/{id}", patrol_get, "patrol.read", 0},
	{"POST", "/api/v1/patrols/{id}/track", patrol_track, "patrol.record", 0},
	{"POST", "/api/v1/patrols/{id}/checks", patrol_check, "patrol.record", 0},
	{"POST", "/api/v1/patrols/{id}/findings", patrol_finding, "patrol.record", 0},
	{"POST", "/api/v1/patrols/{id}/stop", patrol_stop, "patrol.record", 0},
	{NULL, NULL, NULL, NULL, 0},
};
