/*
 * routes_grid.c — the township's grid (R3): grid cells as GeoJSON, their
 * import (validated all-or-nothing), township and village shapes for the
 * map, grid members, locating a point, the patrol checklist and patrol
 * records. Geometry rules live in domain/geo.c, the spatial index in
 * domain/grid.c.
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
#include "http/resource.h"

/* query_double: a required finite number from the query string. */
static int query_double(struct xz_req *r, const char *name, double lo, double hi, double *out)
{
	const char *s = xz_req_query(r, name);
	char *end = NULL;
	if (s && *s) {
		*out = strtod(s, &end);
		if (end && !*end && isfinite(*out) && *out >= lo && *out <= hi)
			return 0;
	}
	return xz_fail(r, XZ_EMALFORMED, "invalid_query",
		       xz_arena_printf(r->arena, "%s须为%g到%g之间的数", name, lo, hi),
		       xz_arena_printf(r->arena, "%s must be a number from %g to %g", name, lo, hi),
		       name);
}

/* feature: a stored cell row as a GeoJSON Feature (steals nothing). */
static json_t *feature(json_t *row, json_t *members)
{
	json_t *geo = json_loads(xz_jstr(row, "geometry_json") ?: "null", 0, NULL);
	json_t *props = json_pack("{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "id",
				  json_object_get(row, "id"), "code", json_object_get(row, "code"),
				  "name", json_object_get(row, "name"), "village_id",
				  json_object_get(row, "village_id"), "township_id",
				  json_object_get(row, "township_id"), "village_name",
				  json_object_get(row, "village_name"), "area_m2",
				  json_object_get(row, "area_m2"), "version",
				  json_object_get(row, "version"));
	json_object_set_new(props, "members", members ? json_incref(members) : json_array());
	return json_pack("{s:s,s:O,s:o,s:o}", "type", "Feature", "id", json_object_get(row, "id"),
			 "geometry", geo ? geo : json_null(), "properties", props);
}

#define CELL_COLS                                                                      \
	"c.id, c.code, c.name, c.village_id, c.township_id, c.county_id, c.geometry_json, " \
	"c.area_m2, c.version, v.name AS village_name"

/* members_by_cell: {cell_id: [{person_id, name, role, phone}]} for rows. */
static json_t *members_by_cell(struct xz_req *r, int64_t township_id, int64_t county_id)
{
	json_t *rows = NULL, *row, *map = json_object();
	size_t i;
	if (xz_db_query(xz_req_db(r),
			"SELECT m.cell_id, m.person_id, m.role, p.name, p.phone FROM grid_members m "
			"JOIN grid_cells c ON c.id = m.cell_id JOIN people p ON p.id = m.person_id "
			"WHERE (CAST($1 AS BIGINT) IS NULL OR c.township_id = $1) AND "
			"(CAST($2 AS BIGINT) IS NULL OR c.county_id = $2) ORDER BY m.cell_id, "
			"m.role, p.id",
			XZ_ARGS(XZ_ID(township_id), XZ_ID(county_id)), &rows) < 0)
		return map;
	json_array_foreach(rows, i, row) {
		char key[32];
		json_t *list;
		snprintf(key, sizeof(key), "%lld", (long long)xz_jint(row, "cell_id"));
		if (!(list = json_object_get(map, key))) {
			list = json_array();
			json_object_set_new(map, key, list);
		}
		json_array_append_new(list, json_pack("{s:O,s:O,s:O,s:O}", "person_id",
						      json_object_get(row, "person_id"), "name",
						      json_object_get(row, "name"), "role",
						      json_object_get(row, "role"), "phone",
						      json_object_get(row, "phone")));
	}
	json_decref(rows);
	return map;
}

static int cells_list(struct xz_req *r)
{
	struct xz_place f = {0};
	int64_t town = 0, village = 0;
	json_t *rows = NULL, *row, *feats, *members;
	size_t i;
	int rc;

	if (!xz_authz_filter(r->user, "grid.read", &f))
		return xz_authorize(r, "grid.read", NULL);
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0 ||
	    (rc = xz_req_query_id(r, "village_id", &village)) < 0)
		return rc;
	if (f.township_id && town && town != f.township_id)
		return xz_authorize(r, "grid.read", &(struct xz_place){
			.county_id = f.county_id, .township_id = town});
	if (f.township_id)
		town = f.township_id;
	rc = xz_db_query(xz_req_db(r),
			 "SELECT " CELL_COLS " FROM grid_cells c JOIN regions v ON v.id = c.village_id "
			 "WHERE (CAST($1 AS BIGINT) IS NULL OR c.township_id = $1) AND "
			 "(CAST($2 AS BIGINT) IS NULL OR c.village_id = $2) AND "
			 "(CAST($3 AS BIGINT) IS NULL OR c.county_id = $3) ORDER BY c.id",
			 XZ_ARGS(XZ_ID(town), XZ_ID(village), XZ_ID(f.county_id)), &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	members = members_by_cell(r, town, f.county_id);
	feats = json_array();
	json_array_foreach(rows, i, row) {
		char key[32];
		snprintf(key, sizeof(key), "%lld", (long long)xz_jint(row, "id"));
		json_array_append_new(feats, feature(row, json_object_get(members, key)));
	}
	json_decref(members);
	json_decref(rows);
	return xz_reply(r, 200, json_pack("{s:s,s:o}", "type", "FeatureCollection", "features",
					  feats));
}

static int load_cell(struct xz_req *r, const char *perm, int64_t id, json_t **row)
{
	struct xz_place pl = {0};
	int rc = xz_db_one(xz_req_db(r),
			   "SELECT " CELL_COLS " FROM grid_cells c JOIN regions v ON v.id = "
			   "c.village_id WHERE c.id = $1",
			   XZ_ARGS(XZ_INT(id)), row);
	if (rc < 0)
		return xz_fail_db(r, rc);
	pl.county_id = xz_jint(*row, "county_id");
	pl.township_id = xz_jint(*row, "township_id");
	if (!xz_authz(r->user, perm, &pl)) {
		json_decref(*row);
		*row = NULL;
		if (!xz_authz(r->user, "grid.read", &pl))
			return xz_fail(r, XZ_ENOTFOUND, "not_found", "网格不存在", "No such cell",
				       NULL);
		return xz_authorize(r, perm, &pl);
	}
	return 0;
}

static int cell_get(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL, *members, *list;
	char key[32];
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load_cell(r, "grid.read", id, &row)) < 0)
		return rc;
	members = members_by_cell(r, xz_jint(row, "township_id"), 0);
	snprintf(key, sizeof(key), "%lld", (long long)id);
	list = json_object_get(members, key);
	rc = xz_reply(r, 200, feature(row, list));
	json_decref(members);
	json_decref(row);
	return rc;
}

/* import_fail: a 422 naming the feature and the reason. */
static int import_fail(struct xz_req *r, int code, size_t i, const char *what, const char *zh,
		       const char *en)
{
	return xz_fail(r, code, what, xz_arena_printf(r->arena, "第%zu个要素：%s", i + 1, zh),
		       xz_arena_printf(r->arena, "Feature %zu: %s", i + 1, en),
		       xz_arena_printf(r->arena, "features[%zu]", i));
}

static const char *why_zh(const char *why)
{
	static const struct {
		const char *code, *zh;
	} t[] = {
		{"ring_not_closed", "多边形的环未闭合"},   {"self_intersection", "多边形自相交"},
		{"too_few_points", "多边形的点太少"},       {"bad_coordinates", "坐标无效"},
		{"unsupported_type", "只接受Polygon或MultiPolygon"},
		{"hole_outside", "内环不在外环之内"},
	};
	size_t i;
	for (i = 0; why && i < XZ_ARRAY_LEN(t); i++)
		if (!strcmp(t[i].code, why))
			return t[i].zh;
	return "几何图形无效";
}

/* import_shape: one feature that describes a township or village shape. */
static int import_shape(struct xz_req *r, size_t i, json_t *props, const struct xz_geom *g,
			json_t *geo_in, int64_t county_id)
{
	const char *code = xz_jstr(props, "region_code");
	json_t *reg = NULL;
	char *text;
	int rc;
	rc = xz_db_one(xz_req_db(r),
		       "SELECT id, level, county_id FROM regions WHERE code = $1 AND level IN "
		       "('township','village')",
		       XZ_ARGS(XZ_TEXT(code)), &reg);
	if (rc == XZ_ENOTFOUND || (rc == 0 && xz_jint(reg, "county_id") != county_id)) {
		json_decref(reg);
		return import_fail(r, XZ_ERULE, i, "invalid_reference", "区域编码不存在",
				   "unknown region_code");
	}
	if (rc < 0)
		return xz_fail_db(r, rc);
	text = json_dumps(geo_in, JSON_COMPACT);
	rc = xz_db_exec(xz_req_db(r),
			"INSERT INTO region_shapes (region_id, geometry_json, minx, miny, maxx, maxy, "
			"updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (region_id) DO "
			"UPDATE SET geometry_json = $2, minx = $3, miny = $4, maxx = $5, maxy = $6, "
			"updated_at = $7",
			XZ_ARGS(XZ_INT(xz_jint(reg, "id")), XZ_TEXT(text), XZ_REAL(g->minx),
				XZ_REAL(g->miny), XZ_REAL(g->maxx), XZ_REAL(g->maxy),
				XZ_INT(xz_now())),
			NULL);
	free(text);
	json_decref(reg);
	return rc < 0 ? xz_fail_db(r, rc) : 0;
}

/* township_shape: the stored shape of a township, or NULL when none. */
static struct xz_geom *township_shape(struct xz_req *r, int64_t township_id)
{
	json_t *row = NULL, *geo = NULL;
	struct xz_geom *g = NULL;
	if (xz_db_one(xz_req_db(r), "SELECT geometry_json FROM region_shapes WHERE region_id = $1",
		      XZ_ARGS(XZ_INT(township_id)), &row) == 0) {
		geo = json_loads(xz_jstr(row, "geometry_json") ?: "", 0, NULL);
		if (geo && xz_geom_from_geojson(geo, &g, NULL) < 0)
			g = NULL;
	}
	json_decref(geo);
	json_decref(row);
	return g;
}

/* import_cell: validate one cell feature and upsert it by code. */
static int import_cell(struct xz_req *r, size_t i, json_t *props, const struct xz_geom *g,
		       json_t *geo_in, int64_t county_id, int *created)
{
	const char *code = xz_jstr(props, "code"), *name = xz_jstr(props, "name"),
		   *vcode = xz_jstr(props, "village_code");
	int64_t vid = xz_jint(props, "village_id");
	json_t *vil = NULL;
	struct xz_geom *town = NULL;
	struct xz_place pl = {0};
	char *text = NULL;
	int64_t changes = 0, now = xz_now();
	int rc;

	if (!code || !*code || strlen(code) > XZ_MAX_CODE || !name || !*name ||
	    strlen(name) > XZ_MAX_NAME) {
		rc = import_fail(r, XZ_EMALFORMED, i, "invalid_body", "须有编码code和名称name",
				 "properties code and name are required");
		goto out;
	}
	rc = xz_db_one(xz_req_db(r),
		       "SELECT id, county_id, township_id FROM regions WHERE level = 'village' AND "
		       "(id = $1 OR code = $2)",
		       XZ_ARGS(XZ_INT(vid), XZ_TEXT(vcode ? vcode : "")), &vil);
	if (rc == XZ_ENOTFOUND || (rc == 0 && xz_jint(vil, "county_id") != county_id)) {
		rc = import_fail(r, XZ_ERULE, i, "invalid_reference", "所属村（社区）不存在",
				 "unknown village (village_id or village_code)");
		goto out;
	}
	if (rc < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	pl.county_id = county_id;
	pl.township_id = xz_jint(vil, "township_id");
	if ((rc = xz_authorize(r, "grid.write", &pl)) < 0)
		goto out;
	if ((town = township_shape(r, pl.township_id)) && !xz_geom_within(g, town)) {
		rc = import_fail(r, XZ_ERULE, i, "outside_township", "网格超出所属乡镇（街道）范围",
				 "the cell is not inside its township");
		goto out;
	}
	text = json_dumps(geo_in, JSON_COMPACT);
	rc = xz_db_exec(xz_req_db(r),
			"UPDATE grid_cells SET name = $2, village_id = $3, township_id = $4, "
			"geometry_json = $5, minx = $6, miny = $7, maxx = $8, maxy = $9, area_m2 = "
			"$10, version = version + 1, updated_at = $11 WHERE code = $1",
			XZ_ARGS(XZ_TEXT(code), XZ_TEXT(name), XZ_INT(xz_jint(vil, "id")),
				XZ_INT(pl.township_id), XZ_TEXT(text), XZ_REAL(g->minx),
				XZ_REAL(g->miny), XZ_REAL(g->maxx), XZ_REAL(g->maxy),
				XZ_REAL(xz_geom_area_m2(g)), XZ_INT(now)),
			&changes);
	if (rc == 0 && changes == 0) {
		rc = xz_db_exec(
			xz_req_db(r),
			"INSERT INTO grid_cells (code, name, village_id, township_id, county_id, "
			"geometry_json, minx, miny, maxx, maxy, area_m2, created_at, updated_at) "
			"VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
			XZ_ARGS(XZ_TEXT(code), XZ_TEXT(name), XZ_INT(xz_jint(vil, "id")),
				XZ_INT(pl.township_id), XZ_INT(county_id), XZ_TEXT(text),
				XZ_REAL(g->minx), XZ_REAL(g->miny), XZ_REAL(g->maxx),
				XZ_REAL(g->maxy), XZ_REAL(xz_geom_area_m2(g)), XZ_INT(now)),
			NULL);
		(*created)++;
	}
	if (rc < 0)
		rc = xz_fail_db(r, rc);
out:
	free(text);
	xz_geom_free(town);
	json_decref(vil);
	return rc;
}

/* grid_import: a FeatureCollection of township/village shapes (properties
 * `region_code`) and cells (properties `code`, `name`, `village_id` or
 * `village_code`). Shapes go first so cells are checked against them. All
 * or nothing. */
static int grid_import(struct xz_req *r)
{
	json_t *feats, *ft, *props, *geo;
	struct xz_geom *g = NULL;
	const char *why = NULL, *type;
	size_t i;
	int pass, rc, created = 0, shapes = 0, cells = 0;
	int64_t county = r->user->county_id;

	if ((rc = xz_req_json(r)) < 0)
		return rc;
	type = xz_jstr(r->in, "type");
	feats = json_object_get(r->in, "features");
	if (!type || strcmp(type, "FeatureCollection") || !json_is_array(feats))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "须为GeoJSON FeatureCollection",
			       "Expected a GeoJSON FeatureCollection", "type");
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		return xz_fail_db(r, rc);
	for (pass = 0; pass < 2; pass++) {
		json_array_foreach(feats, i, ft) {
			props = json_object_get(ft, "properties");
			geo = json_object_get(ft, "geometry");
			if (!json_is_object(ft) || !json_is_object(props) || !json_is_object(geo)) {
				rc = import_fail(r, XZ_EMALFORMED, i, "invalid_body",
						 "须为带properties和geometry的Feature",
						 "expected a Feature with properties and geometry");
				goto out;
			}
			if ((pass == 0) != (xz_jstr(props, "region_code") != NULL))
				continue;
			if ((rc = xz_geom_from_geojson(geo, &g, &why)) < 0) {
				rc = import_fail(r, rc, i, why ? why : "invalid_geometry", why_zh(why),
						 why ? why : "invalid geometry");
				goto out;
			}
			if (pass == 0) {
				if ((rc = xz_authorize(r, "grid.write",
						       &(struct xz_place){.county_id = county})) < 0 ||
				    (rc = import_shape(r, i, props, g, geo, county)) < 0)
					goto out;
				shapes++;
			} else {
				if ((rc = import_cell(r, i, props, g, geo, county, &created)) < 0)
					goto out;
				cells++;
			}
			xz_geom_free(g);
			g = NULL;
		}
	}
	if ((rc = xz_grid_touch(xz_req_db(r))) < 0 ||
	    (rc = xz_req_audit_new(r, "grid.import", "grid", 0, "ok", NULL,
			       json_pack("{s:i,s:i,s:i}", "shapes", shapes, "cells", cells,
					 "created", created))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	rc = xz_reply(r, 200, json_pack("{s:i,s:i,s:i,s:i}", "shapes", shapes, "cells", cells,
					"created", created, "updated", cells - created));
out:
	if (rc < 0)
		xz_db_rollback(xz_req_db(r));
	xz_geom_free(g);
	return rc;
}

static int cell_delete(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load_cell(r, "grid.write", id, &row)) < 0)
		return rc;
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		goto fail;
	if ((rc = xz_db_exec(xz_req_db(r), "DELETE FROM grid_members WHERE cell_id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r), "DELETE FROM grid_cells WHERE id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) < 0 ||
	    (rc = xz_grid_touch(xz_req_db(r))) < 0 ||
	    (rc = xz_req_audit_new(r, "grid.delete", "grid_cell", id, "ok", json_incref(row), NULL)) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		goto fail;
	}
	json_decref(row);
	return xz_reply(r, 204, NULL);
fail:
	json_decref(row);
	return xz_fail_db(r, rc);
}

/* cell_members: replace a cell's grid members: {"members":[{"person_id","role"}]}. */
static int cell_members(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL, *members = NULL, *m, *person = NULL;
	size_t i;
	int rc;

	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_array(r, "members", 200, &members)) < 0)
		return rc;
	if ((rc = load_cell(r, "grid.write", id, &row)) < 0)
		return rc;
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r), "DELETE FROM grid_members WHERE cell_id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	json_array_foreach(members, i, m) {
		int64_t pid = xz_jint(m, "person_id");
		const char *role = xz_jstr(m, "role") ?: "member";
		if (strcmp(role, "member") && strcmp(role, "leader")) {
			rc = xz_fail(r, XZ_EMALFORMED, "invalid_body", "role须为member或leader",
				     "role must be member or leader", "members");
			goto out;
		}
		json_decref(person);
		person = NULL;
		if (xz_db_one(xz_req_db(r), "SELECT id, township_id FROM people WHERE id = $1",
			      XZ_ARGS(XZ_INT(pid)), &person) < 0 ||
		    xz_jint(person, "township_id") != xz_jint(row, "township_id")) {
			rc = xz_fail(r, XZ_ERULE, "invalid_reference",
				     "网格员须为本乡镇（街道）的人员",
				     "A grid member must be a person of the cell's township",
				     "members");
			goto out;
		}
		if ((rc = xz_db_exec(xz_req_db(r),
				     "INSERT INTO grid_members (cell_id, person_id, role) VALUES ($1, "
				     "$2, $3)",
				     XZ_ARGS(XZ_INT(id), XZ_INT(pid), XZ_TEXT(role)), NULL)) < 0) {
			rc = rc == XZ_ECONFLICT
				     ? xz_fail(r, XZ_ECONFLICT, "duplicate", "人员重复", "Duplicate person",
					       "members")
				     : xz_fail_db(r, rc);
			goto out;
		}
	}
	if ((rc = xz_req_audit_new(r, "grid.members", "grid_cell", id, "ok", NULL,
			       json_incref(members))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	json_decref(person);
	json_decref(row);
	return cell_get(r);
out:
	xz_db_rollback(xz_req_db(r));
	json_decref(person);
	json_decref(row);
	return rc;
}

static int grid_locate(struct xz_req *r)
{
	double lon, lat;
	struct xz_located at;
	json_t *row = NULL;
	int rc;
	if ((rc = query_double(r, "lon", -180, 180, &lon)) < 0 ||
	    (rc = query_double(r, "lat", -90, 90, &lat)) < 0)
		return rc;
	rc = xz_grid_locate(xz_req_db(r), lon, lat, &at);
	if (rc == XZ_ENOTFOUND)
		return xz_fail(r, XZ_ENOTFOUND, "outside_grid", "该位置不在任何网格内",
			       "The point lies outside every grid cell", NULL);
	if (rc < 0)
		return xz_fail_db(r, rc);
	rc = xz_db_one(xz_req_db(r),
		       "SELECT c.name AS cell_name, c.code AS cell_code, v.name AS village_name, "
		       "t.name AS township_name FROM grid_cells c JOIN regions v ON v.id = "
		       "c.village_id JOIN regions t ON t.id = c.township_id WHERE c.id = $1",
		       XZ_ARGS(XZ_INT(at.cell_id)), &row);
	if (rc < 0)
		return xz_fail_db(r, rc);
	json_object_set_new(row, "cell_id", json_integer(at.cell_id));
	json_object_set_new(row, "village_id", json_integer(at.village_id));
	json_object_set_new(row, "township_id", json_integer(at.township_id));
	json_object_set_new(row, "county_id", json_integer(at.county_id));
	return xz_reply(r, 200, row);
}

/* shapes_list: township and village outlines for the map. */
static int shapes_list(struct xz_req *r)
{
	struct xz_place f = {0};
	json_t *rows = NULL, *row, *feats;
	size_t i;
	int rc;
	if (!xz_authz_filter(r->user, "grid.read", &f))
		return xz_authorize(r, "grid.read", NULL);
	rc = xz_db_query(xz_req_db(r),
			 "SELECT g.region_id, g.geometry_json, r.level, r.code, r.name, r.township_id "
			 "FROM region_shapes g JOIN regions r ON r.id = g.region_id WHERE "
			 "(CAST($1 AS BIGINT) IS NULL OR r.township_id = $1) AND "
			 "(CAST($2 AS BIGINT) IS NULL OR r.county_id = $2) ORDER BY r.level, r.id",
			 XZ_ARGS(XZ_ID(f.township_id), XZ_ID(f.county_id)), &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	feats = json_array();
	json_array_foreach(rows, i, row) {
		json_t *geo = json_loads(xz_jstr(row, "geometry_json") ?: "null", 0, NULL);
		json_array_append_new(
			feats, json_pack("{s:s,s:o,s:{s:O,s:O,s:O,s:O,s:O}}", "type", "Feature",
					 "geometry", geo ? geo : json_null(), "properties", "region_id",
					 json_object_get(row, "region_id"), "level",
					 json_object_get(row, "level"), "code",
					 json_object_get(row, "code"), "name",
					 json_object_get(row, "name"), "township_id",
					 json_object_get(row, "township_id")));
	}
	json_decref(rows);
	return xz_reply(r, 200, json_pack("{s:s,s:o}", "type", "FeatureCollection", "features",
					  feats));
}

/* ---- patrols (R3.3) ---- */

static int patrol_items_list(struct xz_req *r)
{
	json_t *rows = NULL;
	int rc = xz_db_query(xz_req_db(r),
			     "SELECT id, groupname AS \"group\", name, category_code, sort, active "
			     "AS is_active FROM patrol_items ORDER BY sort, id",
			     XZ_NOARGS, &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	return xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

/* patrol_items_put: replace the checklist; items keep their ids when given
 * so past patrols still name them; omitted items are deactivated. */
static int patrol_items_put(struct xz_req *r)
{
	json_t *items = NULL, *it;
	size_t i;
	int rc;
	if ((rc = xz_req_array(r, "items", 500, &items)) < 0)
		return rc;
	json_array_foreach(items, i, it) {
		const char *g = xz_jstr(it, "group"), *n = xz_jstr(it, "name");
		if (!g || !*g || !n || !*n || strlen(g) > XZ_MAX_NAME || strlen(n) > XZ_MAX_NAME)
			return xz_fail(r, XZ_EMALFORMED, "invalid_body",
				       xz_arena_printf(r->arena, "第%zu项须有group和name", i + 1),
				       xz_arena_printf(r->arena, "item %zu needs group and name", i + 1),
				       "items");
	}
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r), "UPDATE patrol_items SET active = 0", XZ_NOARGS,
			     NULL)) < 0)
		goto fail;
	json_array_foreach(items, i, it) {
		int64_t id = xz_jint(it, "id"), changes = 0;
		const char *cat = xz_jstr(it, "category_code");
		if (id > 0 &&
		    (rc = xz_db_exec(xz_req_db(r),
				     "UPDATE patrol_items SET groupname = $2, name = $3, category_code "
				     "= $4, sort = $5, active = 1 WHERE id = $1",
				     XZ_ARGS(XZ_INT(id), XZ_TEXT(xz_jstr(it, "group")),
					     XZ_TEXT(xz_jstr(it, "name")), XZ_TEXT(cat), XZ_INT(i)),
				     &changes)) < 0)
			goto fail;
		if (!changes &&
		    (rc = xz_db_exec(xz_req_db(r),
				     "INSERT INTO patrol_items (groupname, name, category_code, sort) "
				     "VALUES ($1, $2, $3, $4)",
				     XZ_ARGS(XZ_TEXT(xz_jstr(it, "group")),
					     XZ_TEXT(xz_jstr(it, "name")), XZ_TEXT(cat), XZ_INT(i)),
				     NULL)) < 0)
			goto fail;
	}
	if ((rc = xz_req_audit_new(r, "patrol.items", "patrol_items", 0, "ok", NULL,
			       json_incref(items))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0)
		goto fail;
	return patrol_items_list(r);
fail:
	xz_db_rollback(xz_req_db(r));
	return xz_fail_db(r, rc);
}

/* track_distance: metres along [[lon,lat,(t)],…]; -1 when malformed. */
static double track_distance(const json_t *track)
{
	double d = 0, plon = 0, plat = 0;
	size_t i;
	json_t *pt;
	if (!json_is_array(track) || json_array_size(track) > 20000)
		return -1;
	json_array_foreach(track, i, pt) {
		double lon = json_number_value(json_array_get(pt, 0));
		double lat = json_number_value(json_array_get(pt, 1));
		if (!json_is_array(pt) || !json_is_number(json_array_get(pt, 0)) ||
		    !json_is_number(json_array_get(pt, 1)) || fabs(lon) > 180 || fabs(lat) > 90)
			return -1;
		if (i)
			d += xz_distance_m(plon, plat, lon, lat);
		plon = lon;
		plat = lat;
	}
	return d;
}

/* patrol_create: a finished patrol as the phone uploads it. */
static int patrol_create(struct xz_req *r)
{
	json_int_t cell_id = 0;
	const char *started = NULL, *ended = NULL;
	json_t *track = NULL, *checked = NULL, *findings = NULL, *cell = NULL, *row = NULL;
	int64_t t0, t1, id = 0;
	char *tj = NULL, *cj = NULL, *fj = NULL;
	double dist = 0;
	int rc;

	if ((rc = xz_req_json(r)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:I,s:s,s:s,s?o,s?o,s?o}", "cell_id", &cell_id, "started_at",
				&started, "ended_at", &ended, "track", &track, "checked", &checked,
				"findings", &findings)) < 0)
		return rc;
	if (xz_time_parse(started, &t0) < 0 || xz_time_parse(ended, &t1) < 0 || t1 < t0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_time", "起止时间无效",
			       "started_at/ended_at must be ISO 8601 and in order", "started_at");
	if (track && (dist = track_distance(track)) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_track", "轨迹须为[[经度,纬度],…]",
			       "track must be [[lon,lat],…]", "track");
	if ((checked && !json_is_array(checked)) || (findings && !json_is_array(findings)))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "checked与findings须为数组",
			       "checked and findings must be arrays", "checked");
	if ((rc = load_cell(r, "patrol.write", cell_id, &cell)) < 0)
		return rc;
	tj = track ? json_dumps(track, JSON_COMPACT) : strdup("[]");
	cj = checked ? json_dumps(checked, JSON_COMPACT) : strdup("[]");
	fj = findings ? json_dumps(findings, JSON_COMPACT) : strdup("[]");
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		goto fail;
	if ((rc = xz_db_int(xz_req_db(r),
			    "INSERT INTO patrols (user_id, person_id, cell_id, township_id, "
			    "county_id, started_at, ended_at, distance_m, track_json, checked_json, "
			    "findings_json, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
			    "$10, $11, $12) RETURNING id",
			    XZ_ARGS(XZ_INT(r->user->id), XZ_ID(r->user->person_id), XZ_INT(cell_id),
				    XZ_INT(xz_jint(cell, "township_id")),
				    XZ_INT(xz_jint(cell, "county_id")), XZ_INT(t0), XZ_INT(t1),
				    XZ_REAL(dist), XZ_TEXT(tj), XZ_TEXT(cj), XZ_TEXT(fj),
				    XZ_INT(xz_now())),
			    &id)) < 0 ||
	    (rc = xz_req_audit_new(r, "patrol.create", "patrol", id, "ok", NULL, NULL)) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		goto fail;
	}
	rc = xz_db_one(xz_req_db(r),
		       "SELECT id, user_id, cell_id, township_id, started_at, ended_at, distance_m, "
		       "track_json, checked_json, findings_json FROM patrols WHERE id = $1",
		       XZ_ARGS(XZ_INT(id)), &row);
	if (rc < 0)
		goto fail;
	rc = xz_reply(r, 201, xz_present(row));
	goto out;
fail:
	rc = xz_fail_db(r, rc);
out:
	free(tj);
	free(cj);
	free(fj);
	json_decref(cell);
	return rc;
}

static int patrols_list(struct xz_req *r)
{
	struct xz_place f = {0};
	int64_t after, limit, cell = 0, uid = 0;
	json_t *rows = NULL;
	int rc;
	if ((rc = xz_req_page(r, &after, &limit)) < 0 ||
	    (rc = xz_req_query_id(r, "cell_id", &cell)) < 0)
		return rc;
	if (!xz_authz_filter(r->user, "patrol.read", &f))
		return xz_authorize(r, "patrol.read", NULL);
	if (f.user_id)
		uid = f.user_id;
	rc = xz_db_query(xz_req_db(r),
			 "SELECT p.id, p.user_id, u.display_name AS patroller, p.cell_id, c.name AS "
			 "cell_name, p.township_id, p.started_at, p.ended_at, p.distance_m, "
			 "p.checked_json, p.findings_json FROM patrols p JOIN users u ON u.id = "
			 "p.user_id JOIN grid_cells c ON c.id = p.cell_id WHERE p.id > $1 AND "
			 "(CAST($2 AS BIGINT) IS NULL OR p.township_id = $2) AND (CAST($3 AS BIGINT) "
			 "IS NULL OR p.county_id = $3) AND (CAST($4 AS BIGINT) IS NULL OR p.user_id = "
			 "$4) AND (CAST($5 AS BIGINT) IS NULL OR p.cell_id = $5) ORDER BY p.id LIMIT $6",
			 XZ_ARGS(XZ_INT(after), XZ_ID(f.township_id), XZ_ID(f.county_id), XZ_ID(uid),
				 XZ_ID(cell), XZ_INT(limit)),
			 &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	return xz_reply_page(r, rows, limit);
}

static int patrol_get(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL;
	struct xz_place pl = {0};
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	rc = xz_db_one(xz_req_db(r),
		       "SELECT id, user_id, cell_id, township_id, county_id, started_at, ended_at, "
		       "distance_m, track_json, checked_json, findings_json FROM patrols WHERE id = $1",
		       XZ_ARGS(XZ_INT(id)), &row);
	if (rc < 0)
		return xz_fail_db(r, rc);
	pl.county_id = xz_jint(row, "county_id");
	pl.township_id = xz_jint(row, "township_id");
	pl.user_id = xz_jint(row, "user_id");
	if (!xz_authz(r->user, "patrol.read", &pl)) {
		json_decref(row);
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "巡查记录不存在", "No such patrol", NULL);
	}
	/* the problems its findings raised (reported with this patrol_id) */
	json_t *raised = NULL;
	if ((rc = xz_db_query(xz_req_db(r),
			      "SELECT id, state, category, description, created_at FROM problems WHERE "
			      "patrol_id = $1 ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &raised)) < 0) {
		json_decref(row);
		return xz_fail_db(r, rc);
	}
	json_object_set_new(row, "problems", xz_present_all(raised));
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
