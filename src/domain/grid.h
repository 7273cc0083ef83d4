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

#endif
