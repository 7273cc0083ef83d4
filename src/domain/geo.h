/*
 * geo.h — polygons of grid cells and townships on lon/lat degrees
 * (WGS84 / CGCS2000; the two differ by centimetres, far below a grid cell).
 *
 * A geometry comes from GeoJSON (Polygon or MultiPolygon), is validated once
 * when it is read, and is then asked "does this point fall inside?" and "does
 * this cell lie inside its township?". Boundary rule: a point exactly on an
 * edge or a vertex counts as inside. When two cells contain a point the
 * caller picks the lowest cell id. Design note: docs/internals/geo.md.
 */
#ifndef XZ_GEO_H
#define XZ_GEO_H

#include <jansson.h>
#include <stdbool.h>

/* n positions, xy[2*i] = lon, xy[2*i+1] = lat; closed: first == last. */
struct xz_ring {
	int n;
	double *xy;
};

/* rings[0] is the outer ring, the rest are holes. */
struct xz_poly {
	int nrings;
	struct xz_ring *rings;
};

/* A Polygon is one poly, a MultiPolygon many; the bbox covers every outer ring. */
struct xz_geom {
	int npolys;
	struct xz_poly *polys;
	double minx, miny, maxx, maxy;
};

/*
 * xz_geom_from_geojson: parse and validate a GeoJSON geometry object of type
 * Polygon or MultiPolygon. Positions are snapped to 1e-9 degree (about 0.1 mm)
 * and consecutive repeated positions are dropped. Returns 0 and a new
 * geometry in *out (the caller frees it with xz_geom_free), or
 *   XZ_EMALFORMED  "bad_shape", "unsupported_type", "bad_coordinates"
 *   XZ_ERULE       "too_few_points", "ring_not_closed", "self_intersection",
 *                  "hole_outside", "empty_polygon", "too_many_points",
 *                  "too_many_rings", "too_complex" (over the work budget,
 *                  proportional to the positions read), "abandoned" (xz_cancelled)
 * with *out set to NULL and the reason (a static string) in *why when why is
 * not NULL.
 */
int xz_geom_from_geojson(const json_t *geometry, struct xz_geom **out, const char **why);

/* xz_geo_in_china: the position lies within the extent of the PRC's
 * territory (lon 73.5–135.1, lat 3.8–53.6): a report at (−1, −1) is a
 * client's mistake, not a place in the county. */
bool xz_geo_in_china(double lon, double lat);

/* xz_geom_free: release g and everything it owns. NULL is allowed. */
void xz_geom_free(struct xz_geom *g);

/*
 * xz_geom_contains: true when (lon, lat) lies inside some polygon of g (inside
 * its outer ring and outside its holes). A point on any edge or vertex —
 * of an outer ring or of a hole — counts as inside. Out-of-range or NaN
 * coordinates are outside.
 */
bool xz_geom_contains(const struct xz_geom *g, double lon, double lat);

/*
 * xz_geom_within: true when inner lies inside outer, boundaries allowed to
 * touch: every vertex of inner is inside or on outer, no edge of inner
 * properly crosses an edge of outer, every piece of an inner edge between
 * outer vertices has its midpoint inside or on outer, and no hole of outer
 * reaches into inner. Used to check that a cell lies inside its township.
 */
bool xz_geom_within(const struct xz_geom *inner, const struct xz_geom *outer);

/*
 * xz_geom_to_geojson: g as a new GeoJSON geometry (Polygon when g has one
 * poly, else MultiPolygon); g must not be NULL. The caller owns the
 * reference (json_decref).
 */
json_t *xz_geom_to_geojson(const struct xz_geom *g);

/*
 * xz_geom_area_m2: approximate area in square metres — equirectangular
 * projection at the centroid latitude, shoelace formula, holes subtracted.
 * Good to well under 1% for township-sized shapes. g must not be NULL.
 */
double xz_geom_area_m2(const struct xz_geom *g);

/* xz_distance_m: great-circle (haversine) distance in metres, mean earth radius. */
double xz_distance_m(double lon1, double lat1, double lon2, double lat2);

#endif
