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

/* patrol_create: a finished patrol as the phone uploads it. */
static int patrol_create(struct xz_req *r)
{
	json_int_t cell_id = 0;
	const char *started = NULL, *ended = NULL;
	json_t *track = NULL, *checked = NULL, *findings = NULL, *row = NULL;
	struct xz_patrol_in in = {0};
	int64_t id = 0;
	int rc;
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
	return xz_reply(r, 201, xz_present(row));
}

static int patrols_list(struct xz_req *r)
{
	int64_t after, limit, cell = 0;
	json_t *rows = NULL;
	int rc;
	if ((rc = xz_req_page(r, &after, &limit)) < 0 ||
	    (rc = xz_req_query_id(r, "cell_id", &cell)) < 0 ||
	    (rc = xz_patrols_list(xz_req_ctx(r), cell, after, limit, &rows)) < 0)
		return rc;
	return xz_reply_page(r, rows, limit);
}

static int patrol_get(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_patrol_get(xz_req_ctx(r), id, &row)) < 0)
		return rc;
	xz_present_all(json_object_get(row, "problems"));
	return xz_reply(r, 200, xz_present(row));
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
	{NULL, NULL, NULL, NULL, 0},
};
