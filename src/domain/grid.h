/*
 * grid.h — the township's grid (R3): locating a point in the grid cells.
 *
 * Cells live in grid_cells as GeoJSON with their bounding boxes. Locating
 * keeps an in-process spatial index (a uniform bucket grid over the cells'
 * bounding boxes) that is rebuilt when the stored grid revision (settings
 * key `grid_rev`, bumped by every change to cells) differs from the one it
 * was built from, so several server processes on one PostgreSQL stay exact.
 * Boundary rule: a point on an edge is inside; when two cells contain a
 * point, the lowest cell id wins (docs/internals/geo.md).
 */
#ifndef XZ_GRID_H
#define XZ_GRID_H

#include <stdint.h>

struct xz_db;

struct xz_located {
	int64_t cell_id, village_id, township_id, county_id;
};

/* xz_grid_locate: the cell containing (lon, lat). 0 and *out, XZ_ENOTFOUND
 * outside every cell, or a storage error. Thread-safe. */
int xz_grid_locate(struct xz_db *db, double lon, double lat, struct xz_located *out);

/* xz_grid_touch: record that cells changed (bumps grid_rev); call inside the
 * transaction that changed them. */
int xz_grid_touch(struct xz_db *db);

/* xz_grid_township_of: the township whose stored shape contains the point
 * (0 when none), for points outside every cell. */
int xz_grid_township_of(struct xz_db *db, double lon, double lat, int64_t *township_id);

/* ---- use cases (grid_cells.c; ctx.h): the grid's records, scoped through
 * authz (grid.read / grid.write on the cell's place). A cell outside the
 * caller's reading scope answers XZ_ENOTFOUND; one the caller may read but
 * not change answers 403 and the denial is audited. Returned JSON is owned
 * by the caller and not yet presented. */
struct xz_ctx;
#include <jansson.h>
/* xz_grid_cells: a FeatureCollection of the cells the caller may read,
 * optionally of one township / village (0: any), with their members. */
int xz_grid_cells(struct xz_ctx *c, int64_t township_id, int64_t village_id, json_t **fc);
/* xz_grid_cell: one cell as a Feature with its members. */
int xz_grid_cell(struct xz_ctx *c, int64_t id, json_t **feature);
/* xz_grid_cell_row: the stored row of a cell the caller holds perm on. */
int xz_grid_cell_row(struct xz_ctx *c, const char *perm, int64_t id, json_t **row);
/* xz_grid_cell_delete: delete a cell and its members. */
int xz_grid_cell_delete(struct xz_ctx *c, int64_t id);
/* xz_grid_members_set: replace a cell's members [{person_id, role?}]
 * (borrowed): people of the cell's township, role member or leader. */
int xz_grid_members_set(struct xz_ctx *c, int64_t id, const json_t *members);
/* xz_grid_import: township/village shapes (properties region_code) and
 * cells (code, name, village_id or village_code) of a FeatureCollection's
 * features (borrowed) into county (0: the caller's). Shapes first, so cells
 * are checked against them; all or nothing. *summary {shapes, cells,
 * created, updated}. */
int xz_grid_import(struct xz_ctx *c, int64_t county, const json_t *features, json_t **summary);
/* xz_grid_where: the cell, village and township at a valid position. */
int xz_grid_where(struct xz_ctx *c, double lon, double lat, json_t **row);
/* xz_grid_shapes: township and village outlines the caller may read. */
int xz_grid_shapes(struct xz_ctx *c, json_t **fc);

#endif
