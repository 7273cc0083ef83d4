/*
 * grid_cells.c — the grid's records as use cases (see grid.h): cells as
 * GeoJSON features with their members, all-or-nothing import of township
 * and village shapes and cells (each cell inside its township, in the
 * importer's place), members of a cell from its township, and where a
 * point lies. The spatial index behind locating is grid.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "store/db.h"
#include "domain/geo.h"
#include "domain/grid.h"
#include "domain/scope.h"

/* feature: a stored cell row as a GeoJSON Feature (steals nothing). */
static json_t *feature(json_t *row, json_t *members)
{
	json_t *geo = json_loads(xz_row_str(row, "geometry_json") ?: "null", 0, NULL);
	json_t *props = json_pack(
	    "{s:O,s:O,s:O,s:O,s:O,s:O,s:O,s:O}", "id", json_object_get(row, "id"), "code",
	    json_object_get(row, "code"), "name", json_object_get(row, "name"), "village_id",
	    json_object_get(row, "village_id"), "township_id", json_object_get(row, "township_id"),
	    "village_name", json_object_get(row, "village_name"), "area_m2",
	    json_object_get(row, "area_m2"), "version", json_object_get(row, "version"));
	json_object_set_new(props, "members", members ? json_incref(members) : json_array());
	return json_pack("{s:s,s:O,s:o,s:o}", "type", "Feature", "id", json_object_get(row, "id"),
			 "geometry", geo ? geo : json_null(), "properties", props);
}

#define CELL_COLS                                                                                  \
	"c.id, c.code, c.name, c.village_id, c.township_id, c.county_id, c.geometry_json, "        \
	"c.area_m2, c.version, v.name AS village_name"

/* members_by_cell: {cell_id: [{person_id, name, role, phone}]}. */
static json_t *members_by_cell(struct xz_ctx *c, int64_t township_id, int64_t county_id)
{
	json_t *rows = NULL, *row, *map = json_object();
	size_t i;
	if (xz_db_query(
		c->db,
		"SELECT m.cell_id, m.person_id, m.role, p.name, p.phone FROM grid_members m "
		"JOIN grid_cells c ON c.id = m.cell_id JOIN people p ON p.id = m.person_id "
		"WHERE (CAST($1 AS BIGINT) IS NULL OR c.township_id = $1) AND "
		"(CAST($2 AS BIGINT) IS NULL OR c.county_id = $2) ORDER BY m.cell_id, "
		"m.role, p.id",
		XZ_ARGS(XZ_ID(township_id), XZ_ID(county_id)), &rows) < 0)
		return map;
	json_array_foreach(rows, i, row)
	{
		char key[32];
		json_t *list;
		snprintf(key, sizeof(key), "%lld", (long long)xz_row_int(row, "cell_id"));
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

int xz_grid_cells(struct xz_ctx *c, int64_t town, int64_t village, json_t **fc)
{
	struct xz_place f = {0};
	json_t *rows = NULL, *row, *feats, *members;
	size_t i;
	int rc;
	*fc = NULL;
	if (c->user && !xz_authz_filter(c->user, "grid.read", &f))
		return xz_scope_deny(c, "grid.read");
	if (f.township_id && town && town != f.township_id &&
	    !xz_scope_may(c, "grid.read",
			  &(struct xz_place){.county_id = f.county_id, .township_id = town}))
		return xz_scope_deny(c, "grid.read");
	if (f.township_id)
		town = f.township_id;
	rc = xz_db_query(c->db,
			 "SELECT " CELL_COLS
			 " FROM grid_cells c JOIN regions v ON v.id = c.village_id "
			 "WHERE (CAST($1 AS BIGINT) IS NULL OR c.township_id = $1) AND "
			 "(CAST($2 AS BIGINT) IS NULL OR c.village_id = $2) AND "
			 "(CAST($3 AS BIGINT) IS NULL OR c.county_id = $3) ORDER BY c.id",
			 XZ_ARGS(XZ_ID(town), XZ_ID(village), XZ_ID(f.county_id)), &rows);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	members = members_by_cell(c, town, f.county_id);
	feats = json_array();
	json_array_foreach(rows, i, row)
	{
		char key[32];
		snprintf(key, sizeof(key), "%lld", (long long)xz_row_int(row, "id"));
		json_array_append_new(feats, feature(row, json_object_get(members, key)));
	}
	json_decref(members);
	json_decref(rows);
	*fc = json_pack("{s:s,s:o}", "type", "FeatureCollection", "features", feats);
	return 0;
}

int xz_grid_cell_row(struct xz_ctx *c, const char *perm, int64_t id, json_t **row)
{
	struct xz_place pl = {0};
	int rc = xz_db_one(c->db,
			   "SELECT " CELL_COLS " FROM grid_cells c JOIN regions v ON v.id = "
			   "c.village_id WHERE c.id = $1",
			   XZ_ARGS(XZ_INT(id)), row);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	pl.county_id = xz_row_int(*row, "county_id");
	pl.township_id = xz_row_int(*row, "township_id");
	if (!xz_scope_may(c, perm, &pl)) {
		json_decref(*row);
		*row = NULL;
		if (!xz_scope_may(c, "grid.read", &pl))
			return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "网格不存在",
					   "No such cell", NULL);
		return xz_scope_deny(c, perm);
	}
	return 0;
}

int xz_grid_cell(struct xz_ctx *c, int64_t id, json_t **out)
{
	json_t *row = NULL, *members;
	char key[32];
	int rc;
	*out = NULL;
	if ((rc = xz_grid_cell_row(c, "grid.read", id, &row)) < 0)
		return rc;
	members = members_by_cell(c, xz_row_int(row, "township_id"), 0);
	snprintf(key, sizeof(key), "%lld", (long long)id);
	*out = feature(row, json_object_get(members, key));
	json_decref(members);
	json_decref(row);
	return 0;
}

static int delete_tx(struct xz_ctx *c, void *arg)
{
	int64_t id = *(int64_t *)arg;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_grid_cell_row(c, "grid.write", id, &row)) < 0)
		return rc;
	if ((rc = xz_db_exec(c->db, "DELETE FROM grid_members WHERE cell_id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) == 0 &&
	    (rc = xz_db_exec(c->db, "DELETE FROM grid_cells WHERE id = $1", XZ_ARGS(XZ_INT(id)),
			     NULL)) == 0 &&
	    (rc = xz_grid_touch(c->db)) == 0)
		rc = xz_ctx_audit(c, "grid.delete", "grid_cell", id, row, NULL);
	json_decref(row);
	return rc;
}

int xz_grid_cell_delete(struct xz_ctx *c, int64_t id)
{
	return xz_ctx_tx(c, delete_tx, &id);
}

struct members_args {
	int64_t id;
	const json_t *members;
};

static int members_tx(struct xz_ctx *c, void *arg)
{
	struct members_args *a = arg;
	json_t *row = NULL, *person = NULL;
	const json_t *m;
	size_t i;
	int rc;
	if ((rc = xz_grid_cell_row(c, "grid.write", a->id, &row)) < 0)
		return rc;
	if ((rc = xz_db_exec(c->db, "DELETE FROM grid_members WHERE cell_id = $1",
			     XZ_ARGS(XZ_INT(a->id)), NULL)) < 0)
		goto out;
	for (i = 0; i < json_array_size(a->members); i++) {
		int64_t pid;
		const char *role;
		m = json_array_get(a->members, i);
		pid = xz_row_int(m, "person_id");
		role = xz_row_str(m, "role") ?: "member";
		if (strcmp(role, "member") && strcmp(role, "leader")) {
			rc = xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "role须为member或leader",
					 "role must be member or leader", "members");
			goto out;
		}
		json_decref(person);
		person = NULL;
		if (xz_db_one(c->db, "SELECT id, township_id FROM people WHERE id = $1",
			      XZ_ARGS(XZ_INT(pid)), &person) < 0 ||
		    xz_row_int(person, "township_id") != xz_row_int(row, "township_id")) {
			rc = xz_ctx_fail(
			    c, XZ_ERULE, "invalid_reference", "网格员须为本乡镇（街道）的人员",
			    "A grid member must be a person of the cell's township", "members");
			goto out;
		}
		rc = xz_db_exec(
		    c->db,
		    "INSERT INTO grid_members (cell_id, person_id, role) VALUES ($1, $2, "
		    "$3)",
		    XZ_ARGS(XZ_INT(a->id), XZ_INT(pid), XZ_TEXT(role)), NULL);
		if (rc == XZ_ECONFLICT)
			rc = xz_ctx_fail(c, XZ_ECONFLICT, "duplicate", "人员重复",
					 "Duplicate person", "members");
		if (rc < 0)
			goto out;
	}
	rc = xz_ctx_audit(c, "grid.members", "grid_cell", a->id, NULL, (json_t *)a->members);
out:
	json_decref(person);
	json_decref(row);
	return rc;
}

int xz_grid_members_set(struct xz_ctx *c, int64_t id, const json_t *members)
{
	struct members_args a = {.id = id, .members = members};
	return xz_ctx_tx(c, members_tx, &a);
}

/* ---- import ---- */

/* import_fail: an error naming the feature and the reason. */
static int import_fail(struct xz_ctx *c, int code, size_t i, const char *what, const char *zh,
		       const char *en)
{
	return xz_ctx_fail(c, code, what, xz_arena_printf(c->arena, "第%zu个要素：%s", i + 1, zh),
			   xz_arena_printf(c->arena, "Feature %zu: %s", i + 1, en),
			   xz_arena_printf(c->arena, "features[%zu]", i));
}

static const char *why_zh(const char *why)
{
	static const struct {
		const char *code, *zh;
	} t[] = {
	    {"ring_not_closed", "多边形的环未闭合"},
	    {"self_intersection", "多边形自相交"},
	    {"too_few_points", "多边形的点太少"},
	    {"bad_coordinates", "坐标无效"},
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
static int import_shape(struct xz_ctx *c, size_t i, const json_t *props, const struct xz_geom *g,
			const json_t *geo_in, int64_t county_id)
{
	json_t *reg = NULL;
	char *text;
	int rc = xz_db_one(c->db,
			   "SELECT id, level, county_id FROM regions WHERE code = $1 AND level IN "
			   "('township','village')",
			   XZ_ARGS(XZ_TEXT(xz_row_str(props, "region_code"))), &reg);
	if (rc == XZ_ENOTFOUND || (rc == 0 && xz_row_int(reg, "county_id") != county_id)) {
		json_decref(reg);
		return import_fail(c, XZ_ERULE, i, "invalid_reference", "区域编码不存在",
				   "unknown region_code");
	}
	if (rc < 0)
		return rc;
	text = json_dumps(geo_in, JSON_COMPACT);
	rc = xz_db_exec(
	    c->db,
	    "INSERT INTO region_shapes (region_id, geometry_json, minx, miny, maxx, maxy, "
	    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (region_id) DO "
	    "UPDATE SET geometry_json = $2, minx = $3, miny = $4, maxx = $5, maxy = $6, "
	    "updated_at = $7",
	    XZ_ARGS(XZ_INT(xz_row_int(reg, "id")), XZ_TEXT(text), XZ_REAL(g->minx),
		    XZ_REAL(g->miny), XZ_REAL(g->maxx), XZ_REAL(g->maxy), XZ_INT(c->now)),
	    NULL);
	free(text);
	json_decref(reg);
	return rc;
}

/* township_shape: the stored shape of a township, or NULL when none. */
static struct xz_geom *township_shape(struct xz_ctx *c, int64_t township_id)
{
	json_t *row = NULL, *geo = NULL;
	struct xz_geom *g = NULL;
	if (xz_db_one(c->db, "SELECT geometry_json FROM region_shapes WHERE region_id = $1",
		      XZ_ARGS(XZ_INT(township_id)), &row) == 0) {
		geo = json_loads(xz_row_str(row, "geometry_json") ?: "", 0, NULL);
		if (geo && xz_geom_from_geojson(geo, &g, NULL) < 0)
			g = NULL;
	}
	json_decref(geo);
	json_decref(row);
	return g;
}

/* import_cell: validate one cell feature and upsert it by code. */
static int import_cell(struct xz_ctx *c, size_t i, const json_t *props, const struct xz_geom *g,
		       const json_t *geo_in, int64_t county_id, int *created)
{
	const char *code = xz_row_str(props, "code"), *name = xz_row_str(props, "name"),
		   *vcode = xz_row_str(props, "village_code");
	json_t *vil = NULL;
	struct xz_geom *town = NULL;
	struct xz_place pl = {0};
	char *text = NULL;
	int64_t changes = 0;
	int rc;

	if (!code || !*code || strlen(code) > XZ_MAX_CODE || !name || !*name ||
	    strlen(name) > XZ_MAX_NAME) {
		rc = import_fail(c, XZ_EMALFORMED, i, "invalid_body", "须有编码code和名称name",
				 "properties code and name are required");
		goto out;
	}
	rc = xz_db_one(
	    c->db,
	    "SELECT id, county_id, township_id FROM regions WHERE level = 'village' AND "
	    "(id = $1 OR code = $2)",
	    XZ_ARGS(XZ_INT(xz_row_int(props, "village_id")), XZ_TEXT(vcode ? vcode : "")), &vil);
	if (rc == XZ_ENOTFOUND || (rc == 0 && xz_row_int(vil, "county_id") != county_id)) {
		rc = import_fail(c, XZ_ERULE, i, "invalid_reference", "所属村（社区）不存在",
				 "unknown village (village_id or village_code)");
		goto out;
	}
	if (rc < 0)
		goto out;
	pl.county_id = county_id;
	pl.township_id = xz_row_int(vil, "township_id");
	if (!xz_scope_may(c, "grid.write", &pl)) {
		rc = xz_scope_deny(c, "grid.write");
		goto out;
	}
	if ((town = township_shape(c, pl.township_id)) && !xz_geom_within(g, town)) {
		rc = import_fail(c, XZ_ERULE, i, "outside_township", "网格超出所属乡镇（街道）范围",
				 "the cell is not inside its township");
		goto out;
	}
	text = json_dumps(geo_in, JSON_COMPACT);
	rc = xz_db_exec(c->db,
			"UPDATE grid_cells SET name = $2, village_id = $3, township_id = $4, "
			"geometry_json = $5, minx = $6, miny = $7, maxx = $8, maxy = $9, area_m2 = "
			"$10, version = version + 1, updated_at = $11 WHERE code = $1",
			XZ_ARGS(XZ_TEXT(code), XZ_TEXT(name), XZ_INT(xz_row_int(vil, "id")),
				XZ_INT(pl.township_id), XZ_TEXT(text), XZ_REAL(g->minx),
				XZ_REAL(g->miny), XZ_REAL(g->maxx), XZ_REAL(g->maxy),
				XZ_REAL(xz_geom_area_m2(g)), XZ_INT(c->now)),
			&changes);
	if (rc == 0 && changes == 0) {
		rc = xz_db_exec(
		    c->db,
		    "INSERT INTO grid_cells (code, name, village_id, township_id, county_id, "
		    "geometry_json, minx, miny, maxx, maxy, area_m2, created_at, updated_at) "
		    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
		    XZ_ARGS(XZ_TEXT(code), XZ_TEXT(name), XZ_INT(xz_row_int(vil, "id")),
			    XZ_INT(pl.township_id), XZ_INT(county_id), XZ_TEXT(text),
			    XZ_REAL(g->minx), XZ_REAL(g->miny), XZ_REAL(g->maxx), XZ_REAL(g->maxy),
			    XZ_REAL(xz_geom_area_m2(g)), XZ_INT(c->now)),
		    NULL);
		(*created)++;
	}
out:
	free(text);
	xz_geom_free(town);
	json_decref(vil);
	return rc;
}

struct import_args {
	const json_t *features;
	int64_t county;
	int shapes, cells, created;
};

static int import_tx(struct xz_ctx *c, void *arg)
{
	struct import_args *a = arg;
	const json_t *ft, *props, *geo;
	struct xz_geom *g = NULL;
	const char *why = NULL;
	size_t i;
	int pass, rc = 0;
	for (pass = 0; pass < 2 && rc == 0; pass++) {
		for (i = 0; i < json_array_size(a->features) && rc == 0; i++) {
			ft = json_array_get(a->features, i);
			props = json_object_get(ft, "properties");
			geo = json_object_get(ft, "geometry");
			if (!json_is_object(ft) || !json_is_object(props) || !json_is_object(geo))
				return import_fail(
				    c, XZ_EMALFORMED, i, "invalid_body",
				    "须为带properties和geometry的Feature",
				    "expected a Feature with properties and geometry");
			if ((pass == 0) != (xz_row_str(props, "region_code") != NULL))
				continue;
			if ((rc = xz_geom_from_geojson(geo, &g, &why)) < 0)
				return import_fail(c, rc, i, why ? why : "invalid_geometry",
						   why_zh(why), why ? why : "invalid geometry");
			if (pass == 0) {
				if (!xz_scope_may(c, "grid.write",
						  &(struct xz_place){.county_id = a->county}))
					rc = xz_scope_deny(c, "grid.write");
				else if ((rc = import_shape(c, i, props, g, geo, a->county)) == 0)
					a->shapes++;
			} else if ((rc = import_cell(c, i, props, g, geo, a->county,
						     &a->created)) == 0) {
				a->cells++;
			}
			xz_geom_free(g);
			g = NULL;
		}
	}
	if (rc < 0 || (rc = xz_grid_touch(c->db)) < 0)
		return rc;
	return xz_ctx_audit_new(c, "grid.import", "grid", 0, NULL,
				json_pack("{s:i,s:i,s:i}", "shapes", a->shapes, "cells", a->cells,
					  "created", a->created));
}

int xz_grid_import(struct xz_ctx *c, int64_t county, const json_t *features, json_t **summary)
{
	struct import_args a = {.features = features};
	int rc;
	*summary = NULL;
	if (!(a.county = xz_authz_county(c->user, "grid.write", county)) && c->user)
		a.county = c->user->county_id;
	if ((rc = xz_ctx_tx(c, import_tx, &a)) < 0)
		return rc;
	*summary = json_pack("{s:i,s:i,s:i,s:i}", "shapes", a.shapes, "cells", a.cells, "created",
			     a.created, "updated", a.cells - a.created);
	return 0;
}

int xz_grid_where(struct xz_ctx *c, double lon, double lat, json_t **row)
{
	struct xz_located at;
	int rc = xz_grid_locate(c->db, lon, lat, &at);
	*row = NULL;
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, XZ_ENOTFOUND, "outside_grid", "该位置不在任何网格内",
				   "The point lies outside every grid cell", NULL);
	if (rc < 0 ||
	    (rc = xz_db_one(
		 c->db,
		 "SELECT c.name AS cell_name, c.code AS cell_code, v.name AS village_name, "
		 "t.name AS township_name FROM grid_cells c JOIN regions v ON v.id = "
		 "c.village_id JOIN regions t ON t.id = c.township_id WHERE c.id = $1",
		 XZ_ARGS(XZ_INT(at.cell_id)), row)) < 0)
		return xz_ctx_fail_db(c, rc);
	json_object_set_new(*row, "cell_id", json_integer(at.cell_id));
	json_object_set_new(*row, "village_id", json_integer(at.village_id));
	json_object_set_new(*row, "township_id", json_integer(at.township_id));
	json_object_set_new(*row, "county_id", json_integer(at.county_id));
	return 0;
}

int xz_grid_shapes(struct xz_ctx *c, json_t **fc)
{
	struct xz_place f = {0};
	json_t *rows = NULL, *row, *feats;
	size_t i;
	int rc;
	*fc = NULL;
	if (c->user && !xz_authz_filter(c->user, "grid.read", &f))
		return xz_scope_deny(c, "grid.read");
	rc = xz_db_query(
	    c->db,
	    "SELECT g.region_id, g.geometry_json, r.level, r.code, r.name, r.township_id "
	    "FROM region_shapes g JOIN regions r ON r.id = g.region_id WHERE "
	    "(CAST($1 AS BIGINT) IS NULL OR r.township_id = $1) AND "
	    "(CAST($2 AS BIGINT) IS NULL OR r.county_id = $2) ORDER BY r.level, r.id",
	    XZ_ARGS(XZ_ID(f.township_id), XZ_ID(f.county_id)), &rows);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	feats = json_array();
	json_array_foreach(rows, i, row)
	{
		json_t *geo = json_loads(xz_row_str(row, "geometry_json") ?: "null", 0, NULL);
		json_array_append_new(
		    feats,
		    json_pack("{s:s,s:o,s:{s:O,s:O,s:O,s:O,s:O}}", "type", "Feature", "geometry",
			      geo ? geo : json_null(), "properties", "region_id",
			      json_object_get(row, "region_id"), "level",
			      json_object_get(row, "level"), "code", json_object_get(row, "code"),
			      "name", json_object_get(row, "name"), "township_id",
			      json_object_get(row, "township_id")));
	}
	json_decref(rows);
	*fc = json_pack("{s:s,s:o}", "type", "FeatureCollection", "features", feats);
	return 0;
}
