/*
 * grid.c — locating a point in the grid cells with an in-process spatial
 * index. The index is a uniform bucket grid (XZ_GRID_BUCKETS per side) laid
 * over the bounding box of all cells; each cell is listed in every bucket its
 * own bounding box overlaps, in id order, so the first cell in a bucket that
 * contains the point is the lowest id that does (the tie rule). The index is
 * built from the database on first use and rebuilt whenever `grid_rev` in
 * settings changes; one integer query per lookup keeps it exact when another
 * process changed the grid.
 */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/log.h"
#include "store/db.h"
#include "domain/geo.h"
#include "domain/grid.h"

#define XZ_GRID_BUCKETS 64

struct cell {
	int64_t id, village_id, township_id, county_id;
	struct xz_geom *geom;
};

struct index {
	int64_t rev;
	size_t ncells;
	struct cell *cells;
	double minx, miny, maxx, maxy;
	/* bucket b holds cells idx[start[b] .. start[b+1]) */
	size_t start[XZ_GRID_BUCKETS * XZ_GRID_BUCKETS + 1];
	size_t *idx;
};

static pthread_mutex_t index_lock = PTHREAD_MUTEX_INITIALIZER;
static struct index *current;

static void index_free(struct index *ix)
{
	size_t i;
	if (!ix)
		return;
	for (i = 0; i < ix->ncells; i++)
		xz_geom_free(ix->cells[i].geom);
	xz_free(ix->cells);
	xz_free(ix->idx);
	xz_free(ix);
}

static int bucket_of(const struct index *ix, double v, double lo, double hi)
{
	int b;
	if (hi <= lo)
		return 0;
	b = (int)floor((v - lo) / (hi - lo) * XZ_GRID_BUCKETS);
	return b < 0 ? 0 : b >= XZ_GRID_BUCKETS ? XZ_GRID_BUCKETS - 1 : b;
}

static int64_t stored_rev(struct xz_db *db, int *rc)
{
	json_t *row = NULL;
	int64_t rev = 0;
	*rc = xz_db_one(db, "SELECT value FROM settings WHERE key = 'grid_rev'", XZ_NOARGS, &row);
	if (*rc == XZ_ENOTFOUND)
		*rc = 0;
	else if (*rc == 0)
		rev = strtoll(json_string_value(json_object_get(row, "value")) ?: "0", NULL, 10);
	json_decref(row);
	return rev;
}

/* index_build: read every cell and lay the buckets. */
static int index_build(struct xz_db *db, int64_t rev, struct index **out)
{
	json_t *rows = NULL, *row, *geo = NULL;
	struct index *ix = xz_calloc(1, sizeof(*ix));
	size_t i, n, *count = NULL, *fill = NULL, total = 0;
	int rc, bx0, bx1, by0, by1, bx, by;

	ix->rev = rev;
	rc = xz_db_query(db,
			 "SELECT id, village_id, township_id, county_id, geometry_json FROM grid_cells "
			 "ORDER BY id",
			 XZ_NOARGS, &rows);
	if (rc < 0)
		goto out;
	n = json_array_size(rows);
	ix->cells = xz_calloc(n ? n : 1, sizeof(struct cell));
	ix->minx = ix->miny = INFINITY;
	ix->maxx = ix->maxy = -INFINITY;
	json_array_foreach(rows, i, row) {
		struct cell *c = &ix->cells[ix->ncells];
		const char *why = NULL;
		geo = json_loads(json_string_value(json_object_get(row, "geometry_json")) ?: "", 0, NULL);
		if (!geo || xz_geom_from_geojson(geo, &c->geom, &why) < 0) {
			xz_log_error("grid: cell %lld has an unreadable shape (%s)",
				    (long long)json_integer_value(json_object_get(row, "id")),
				    why ? why : "json");
			json_decref(geo);
			geo = NULL;
			continue;
		}
		json_decref(geo);
		geo = NULL;
		c->id = json_integer_value(json_object_get(row, "id"));
		c->village_id = json_integer_value(json_object_get(row, "village_id"));
		c->township_id = json_integer_value(json_object_get(row, "township_id"));
		c->county_id = json_integer_value(json_object_get(row, "county_id"));
		ix->minx = fmin(ix->minx, c->geom->minx);
		ix->miny = fmin(ix->miny, c->geom->miny);
		ix->maxx = fmax(ix->maxx, c->geom->maxx);
		ix->maxy = fmax(ix->maxy, c->geom->maxy);
		ix->ncells++;
	}
	count = xz_calloc(XZ_GRID_BUCKETS * XZ_GRID_BUCKETS, sizeof(size_t));
	fill = xz_calloc(XZ_GRID_BUCKETS * XZ_GRID_BUCKETS, sizeof(size_t));
	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < ix->ncells; i++) {
			const struct xz_geom *g = ix->cells[i].geom;
			bx0 = bucket_of(ix, g->minx, ix->minx, ix->maxx);
			bx1 = bucket_of(ix, g->maxx, ix->minx, ix->maxx);
			by0 = bucket_of(ix, g->miny, ix->miny, ix->maxy);
			by1 = bucket_of(ix, g->maxy, ix->miny, ix->maxy);
			for (by = by0; by <= by1; by++)
				for (bx = bx0; bx <= bx1; bx++) {
					size_t b = (size_t)by * XZ_GRID_BUCKETS + (size_t)bx;
					if (pass == 0)
						count[b]++;
					else
						ix->idx[ix->start[b] + fill[b]++] = i;
				}
		}
		if (pass == 0) {
			for (i = 0; i < XZ_GRID_BUCKETS * XZ_GRID_BUCKETS; i++) {
				ix->start[i] = total;
				total += count[i];
			}
			ix->start[XZ_GRID_BUCKETS * XZ_GRID_BUCKETS] = total;
			ix->idx = xz_calloc(total ? total : 1, sizeof(size_t));
		}
	}
	*out = ix;
	ix = NULL;
out:
	xz_free(count);
	xz_free(fill);
	json_decref(rows);
	index_free(ix);
	return rc;
}

static bool index_find(const struct index *ix, double lon, double lat, struct xz_located *out)
{
	size_t b, k;
	if (!ix->ncells || lon < ix->minx || lon > ix->maxx || lat < ix->miny || lat > ix->maxy)
		return false;
	b = (size_t)bucket_of(ix, lat, ix->miny, ix->maxy) * XZ_GRID_BUCKETS +
	    (size_t)bucket_of(ix, lon, ix->minx, ix->maxx);
	for (k = ix->start[b]; k < ix->start[b + 1]; k++) {
		const struct cell *c = &ix->cells[ix->idx[k]];
		if (xz_geom_contains(c->geom, lon, lat)) {
			out->cell_id = c->id;
			out->village_id = c->village_id;
			out->township_id = c->township_id;
			out->county_id = c->county_id;
			return true;
		}
	}
	return false;
}

int xz_grid_locate(struct xz_db *db, double lon, double lat, struct xz_located *out)
{
	struct index *ix = NULL;
	int rc = 0;
	int64_t rev;
	bool found;

	memset(out, 0, sizeof(*out));
	if (!isfinite(lon) || !isfinite(lat))
		return XZ_EMALFORMED;
	rev = stored_rev(db, &rc);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&index_lock);
	if (!current || current->rev != rev) {
		if ((rc = index_build(db, rev, &ix)) < 0)
			goto out;
		index_free(current);
		current = ix;
	}
	found = index_find(current, lon, lat, out);
	rc = found ? 0 : XZ_ENOTFOUND;
out:
	pthread_mutex_unlock(&index_lock);
	return rc;
}

int xz_grid_touch(struct xz_db *db)
{
	return xz_db_exec(db,
			  "INSERT INTO settings (key, value) VALUES ('grid_rev', '1') "
			  "ON CONFLICT (key) DO UPDATE SET value = "
			  "CAST(CAST(settings.value AS BIGINT) + 1 AS TEXT)",
			  XZ_NOARGS, NULL);
}

int xz_grid_township_of(struct xz_db *db, double lon, double lat, int64_t *township_id)
{
	json_t *rows = NULL, *row, *geo = NULL;
	struct xz_geom *g = NULL;
	size_t i;
	int rc;

	*township_id = 0;
	rc = xz_db_query(db,
			 "SELECT s.region_id, s.geometry_json FROM region_shapes s "
			 "JOIN regions r ON r.id = s.region_id WHERE r.level = 'township' "
			 "AND s.minx <= $1 AND s.maxx >= $1 AND s.miny <= $2 AND s.maxy >= $2 "
			 "ORDER BY s.region_id",
			 XZ_ARGS(XZ_REAL(lon), XZ_REAL(lat)), &rows);
	if (rc < 0)
		goto out;
	json_array_foreach(rows, i, row) {
		geo = json_loads(json_string_value(json_object_get(row, "geometry_json")) ?: "", 0, NULL);
		if (geo && xz_geom_from_geojson(geo, &g, NULL) == 0 && xz_geom_contains(g, lon, lat)) {
			*township_id = json_integer_value(json_object_get(row, "region_id"));
			break;
		}
		xz_geom_free(g);
		g = NULL;
		json_decref(geo);
		geo = NULL;
	}
out:
	xz_geom_free(g);
	json_decref(geo);
	json_decref(rows);
	return rc;
}
