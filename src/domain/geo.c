/*
 * geo.c — polygons on lon/lat degrees for grid cells and townships.
 *
 * Shapes arrive as GeoJSON, are validated once (numbers in range, rings
 * closed with at least four positions, no ring touching or crossing itself,
 * holes inside their outer ring) and are then asked two questions: which cell
 * does a reported point fall in, and does a cell lie inside its township.
 * The plane is lon/lat itself: at a township's size the error of treating
 * degrees as planar is far below the precision of the drawn boundaries.
 *
 * Boundary rule: a point exactly on an edge or a vertex counts as inside —
 * of an outer ring and of a hole alike. When two neighbouring cells both
 * contain a point (it lies on their shared edge) the caller gives it to the
 * lowest cell id; this file only answers yes or no.
 *
 * To make "exactly on an edge" mean something, positions are snapped to a
 * grid of 1e-9 degree (about 0.1 mm) when read, and every predicate works on
 * those grid coordinates as 64-bit integers (doubled, so that the midpoint of
 * two vertices is a grid point too) with 128-bit cross products. Orientation,
 * on-segment and crossing tests are therefore exact: no epsilon, no case where
 * two tests disagree about the same point.
 *
 * Work budget: checking that holes lie inside their shell compares every hole
 * edge with every shell edge, so a crafted shape (dozens of holes of ten
 * thousand points) could keep a thread busy for minutes. Validation therefore
 * runs under a budget of steps proportional to the number of positions read
 * (GEO_WORK_PER_POINT each, at least GEO_WORK_MIN) and asks xz_cancelled()
 * every GEO_CANCEL_EVERY steps; a shape over budget is refused as
 * "too_complex", one whose client has gone as "abandoned".
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/cancel.h"
#include "domain/geo.h"

#define GEO_SCALE 1e9		 /* grid steps per degree                */
#define EARTH_RADIUS_M 6371008.8 /* IUGG mean radius                     */
#define DEG2RAD (3.14159265358979323846 / 180.0)

enum { LOC_OUT, LOC_IN, LOC_ON };

#define GEO_WORK_PER_POINT 3000u      /* edge tests allowed per position read */
#define GEO_WORK_MIN 30000000u        /* ...and at least this many (≈0.3 s)  */
#define GEO_CANCEL_EVERY (1u << 18)   /* steps between xz_cancelled() checks */

/* The running validation's budget (per thread; off for plain queries). */
static _Thread_local struct {
	bool on, out, cancelled;
	uint64_t left, tick;
} work;

static void work_start(uint64_t points)
{
	uint64_t b = points * GEO_WORK_PER_POINT;
	work.on = true;
	work.out = work.cancelled = false;
	work.left = b > GEO_WORK_MIN ? b : GEO_WORK_MIN;
	work.tick = 0;
}

/* spend: charge n steps; false once the budget is gone or the work abandoned. */
static bool spend(uint64_t n)
{
	if (!work.on)
		return true;
	if (work.out)
		return false;
	if (n >= work.left) {
		work.out = true;
		return false;
	}
	work.left -= n;
	if ((work.tick += n) >= GEO_CANCEL_EVERY) {
		work.tick = 0;
		if (xz_cancelled()) {
			work.out = work.cancelled = true;
			return false;
		}
	}
	return true;
}

/* work_why: the reason to give when validation stopped on the budget. */
static const char *work_why(void)
{
	return work.cancelled ? "abandoned" : "too_complex";
}

/* A position in doubled grid units: 2 * round(degrees * 1e9). */
struct pt {
	int64_t x, y;
};

/* A split point along an edge, sorted by its distance from the edge's start. */
struct split {
	int64_t key;
	struct pt p;
};

/* Bounding box of one segment, for the sweep in ring_is_simple. */
struct segbox {
	int64_t minx, maxx, miny, maxy;
	int i;
};

static double snap(double deg)
{
	return (double)llround(deg * GEO_SCALE) / GEO_SCALE;
}

static int64_t grid(double deg)
{
	return 2 * (int64_t)llround(deg * GEO_SCALE);
}

static struct pt vertex(const struct xz_ring *r, int i)
{
	struct pt p = {grid(r->xy[2 * i]), grid(r->xy[2 * i + 1])};
	return p;
}

static bool pt_eq(struct pt a, struct pt b)
{
	return a.x == b.x && a.y == b.y;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

/* orient: +1 when c lies left of a->b, -1 right, 0 on the line. Exact. */
static int orient(struct pt a, struct pt b, struct pt c)
{
	__int128 d = (__int128)(b.x - a.x) * (c.y - a.y) - (__int128)(b.y - a.y) * (c.x - a.x);
	return (d > 0) - (d < 0);
}

/* in_box: p lies in the bounding box of a and b (used once p is known collinear). */
static bool in_box(struct pt p, struct pt a, struct pt b)
{
	return p.x >= min64(a.x, b.x) && p.x <= max64(a.x, b.x) && p.y >= min64(a.y, b.y) &&
	       p.y <= max64(a.y, b.y);
}

/* on_segment: p lies on the closed segment a-b. */
static bool on_segment(struct pt p, struct pt a, struct pt b)
{
	return in_box(p, a, b) && orient(a, b, p) == 0;
}

/* boxes_meet: the bounding boxes of a-b and c-d share at least one point. */
static bool boxes_meet(struct pt a, struct pt b, struct pt c, struct pt d)
{
	return max64(a.x, b.x) >= min64(c.x, d.x) && max64(c.x, d.x) >= min64(a.x, b.x) &&
	       max64(a.y, b.y) >= min64(c.y, d.y) && max64(c.y, d.y) >= min64(a.y, b.y);
}

/* seg_cross: a-b and c-d cross at one point interior to both (a proper crossing). */
static bool seg_cross(struct pt a, struct pt b, struct pt c, struct pt d)
{
	return orient(a, b, c) * orient(a, b, d) < 0 && orient(c, d, a) * orient(c, d, b) < 0;
}

/* seg_touch: the closed segments a-b and c-d share at least one point. */
static bool seg_touch(struct pt a, struct pt b, struct pt c, struct pt d)
{
	int o1 = orient(a, b, c), o2 = orient(a, b, d);
	int o3 = orient(c, d, a), o4 = orient(c, d, b);
	bool touch = false;

	if (o1 * o2 < 0 && o3 * o4 < 0)
		touch = true;
	else if ((o1 == 0 && in_box(c, a, b)) || (o2 == 0 && in_box(d, a, b)) ||
		 (o3 == 0 && in_box(a, c, d)) || (o4 == 0 && in_box(b, c, d)))
		touch = true;
	return touch;
}

/*
 * ring_locate: where p lies relative to the closed ring r. Even-odd crossing
 * count over a rightward ray, each edge half-open in y so a vertex on the ray
 * is counted once; any edge through p answers LOC_ON first.
 */
static int ring_locate(const struct xz_ring *r, struct pt p)
{
	bool in = false;
	int loc = LOC_OUT;

	spend((uint64_t)r->n);
	for (int i = 0; i + 1 < r->n; i++) {
		struct pt a = vertex(r, i), b = vertex(r, i + 1);
		if (on_segment(p, a, b)) {
			loc = LOC_ON;
			goto out;
		}
		if ((a.y > p.y) != (b.y > p.y)) {
			int o = orient(a, b, p);
			if (b.y > a.y ? o > 0 : o < 0)
				in = !in;
		}
	}
	loc = in ? LOC_IN : LOC_OUT;
out:
	return loc;
}

/* poly_locate: inside the outer ring and outside every hole; any boundary is LOC_ON. */
static int poly_locate(const struct xz_poly *poly, struct pt p)
{
	int loc = ring_locate(&poly->rings[0], p);

	if (loc != LOC_IN)
		goto out;
	for (int k = 1; k < poly->nrings; k++) {
		int h = ring_locate(&poly->rings[k], p);
		if (h == LOC_ON) {
			loc = LOC_ON;
			goto out;
		}
		if (h == LOC_IN) {
			loc = LOC_OUT;
			goto out;
		}
	}
out:
	return loc;
}

/* geom_locate: the union of the polygons; boundary wins over inside. */
static int geom_locate(const struct xz_geom *g, struct pt p)
{
	int loc = LOC_OUT;

	for (int i = 0; i < g->npolys; i++) {
		int l = poly_locate(&g->polys[i], p);
		if (l == LOC_ON) {
			loc = LOC_ON;
			break;
		}
		if (l == LOC_IN)
			loc = LOC_IN;
	}
	return loc;
}

static int count_points(const struct xz_geom *g)
{
	int n = 0;

	for (int i = 0; i < g->npolys; i++)
		for (int k = 0; k < g->polys[i].nrings; k++)
			n += g->polys[i].rings[k].n;
	return n;
}

static int split_cmp(const void *pa, const void *pb)
{
	const struct split *a = pa, *b = pb;
	return (a->key > b->key) - (a->key < b->key);
}

/*
 * probe: walk ring r against geometry g and return false as soon as some
 * point of r is found at location `bad` (LOC_OUT: r must stay inside g;
 * LOC_IN: r must stay out of g's interior) or an edge of r properly crosses
 * an edge of g. The points tried are r's vertices and the midpoint of every
 * piece of an r edge between consecutive vertices of g lying on it: between
 * those points an edge meets g's boundary nowhere, so one point tells for the
 * whole piece. s has room for count_points(g) + 2 entries.
 */
static bool probe(const struct xz_ring *r, const struct xz_geom *g, int bad, struct split *s)
{
	bool ok = false;

	for (int i = 0; i + 1 < r->n; i++) {
		struct pt a = vertex(r, i), b = vertex(r, i + 1);
		int64_t dx = b.x - a.x, dy = b.y - a.y;
		bool use_x = llabs(dx) >= llabs(dy);
		int64_t sign = (use_x ? dx : dy) < 0 ? -1 : 1;
		int ns = 0;

		if (geom_locate(g, a) == bad)
			goto out;
		s[ns++] = (struct split){0, a};
		s[ns++] = (struct split){(use_x ? dx : dy) * sign, b};
		for (int pi = 0; pi < g->npolys; pi++) {
			const struct xz_poly *poly = &g->polys[pi];
			for (int k = 0; k < poly->nrings; k++) {
				const struct xz_ring *q = &poly->rings[k];
				if (!spend((uint64_t)q->n))
					goto out;
				for (int j = 0; j + 1 < q->n; j++) {
					struct pt c = vertex(q, j), d = vertex(q, j + 1);
					if (!boxes_meet(a, b, c, d))
						continue;
					if (seg_cross(a, b, c, d))
						goto out;
					if (on_segment(c, a, b) && !pt_eq(c, a) && !pt_eq(c, b)) {
						int64_t key =
						    (use_x ? c.x - a.x : c.y - a.y) * sign;
						s[ns++] = (struct split){key, c};
					}
				}
			}
		}
		qsort(s, (size_t)ns, sizeof *s, split_cmp);
		for (int k = 0; k + 1 < ns; k++) {
			struct pt m;
			if (s[k].key == s[k + 1].key)
				continue;
			m.x = (s[k].p.x + s[k + 1].p.x) / 2;
			m.y = (s[k].p.y + s[k + 1].p.y) / 2;
			if (geom_locate(g, m) == bad)
				goto out;
		}
		if (work.out)
			goto out;
	}
	ok = true;
out:
	return ok;
}

static int segbox_cmp(const void *pa, const void *pb)
{
	const struct segbox *a = pa, *b = pb;
	return (a->minx > b->minx) - (a->minx < b->minx);
}

/*
 * ring_is_simple: no two non-adjacent edges of r share a point, and no two
 * adjacent edges fold back over each other (a spike). Edges are swept in
 * order of their left end so only pairs whose boxes overlap are compared.
 */
static bool ring_is_simple(const struct xz_ring *r)
{
	int m = r->n - 1; /* edges */
	struct segbox *sb = xz_calloc((size_t)m, sizeof *sb);
	bool ok = false;

	for (int i = 0; i < m; i++) {
		struct pt prev = vertex(r, i == 0 ? m - 1 : i - 1);
		struct pt cur = vertex(r, i), next = vertex(r, i + 1);
		__int128 dot = (__int128)(prev.x - cur.x) * (next.x - cur.x) +
			       (__int128)(prev.y - cur.y) * (next.y - cur.y);
		if (orient(prev, cur, next) == 0 && dot > 0)
			goto out;
		sb[i] = (struct segbox){min64(cur.x, next.x), max64(cur.x, next.x),
					min64(cur.y, next.y), max64(cur.y, next.y), i};
	}
	qsort(sb, (size_t)m, sizeof *sb, segbox_cmp);
	for (int k = 0; k < m; k++) {
		if (!spend(1))
			goto out;
		for (int l = k + 1; l < m && sb[l].minx <= sb[k].maxx; l++) {
			if ((l - k) % 1024 == 0 && !spend(1024))
				goto out;
			int i = sb[k].i, j = sb[l].i, d = abs(i - j);
			if (sb[l].maxy < sb[k].miny || sb[l].miny > sb[k].maxy)
				continue;
			if (d == 1 || d == m - 1)
				continue; /* adjacent: share a vertex, spikes handled above */
			if (seg_touch(vertex(r, i), vertex(r, i + 1), vertex(r, j),
				      vertex(r, j + 1)))
				goto out;
		}
	}
	ok = true;
out:
	xz_free(sb);
	return ok;
}

/* parse_ring: read one ring into r (r->xy is set before any failure, for freeing). */
static int parse_ring(const json_t *arr, struct xz_ring *r, const char **why)
{
	int rc = XZ_EMALFORMED;
	size_t n, i;
	const json_t *pos;

	if (!json_is_array(arr)) {
		*why = "bad_shape";
		goto out;
	}
	n = json_array_size(arr);
	if (n > XZ_MAX_RING_POINTS) {
		rc = XZ_ERULE;
		*why = "too_many_points";
		goto out;
	}
	r->xy = xz_calloc(2 * n, sizeof *r->xy);
	r->n = 0;
	json_array_foreach(arr, i, pos)
	{
		const json_t *jx = json_array_get(pos, 0), *jy = json_array_get(pos, 1);
		double x, y;
		size_t len = json_array_size(pos);
		if (!json_is_array(pos) || len < 2 || len > 3 || !json_is_number(jx) ||
		    !json_is_number(jy) || (len == 3 && !json_is_number(json_array_get(pos, 2)))) {
			*why = "bad_coordinates";
			goto out;
		}
		x = json_number_value(jx);
		y = json_number_value(jy);
		if (!isfinite(x) || !isfinite(y) || x < -180 || x > 180 || y < -90 || y > 90) {
			*why = "bad_coordinates";
			goto out;
		}
		x = snap(x);
		y = snap(y);
		if (r->n > 0 && r->xy[2 * r->n - 2] == x && r->xy[2 * r->n - 1] == y)
			continue; /* a repeated position adds no edge */
		r->xy[2 * r->n] = x;
		r->xy[2 * r->n + 1] = y;
		r->n++;
	}
	rc = XZ_ERULE;
	if (r->n < 4) {
		*why = "too_few_points";
		goto out;
	}
	if (r->xy[0] != r->xy[2 * r->n - 2] || r->xy[1] != r->xy[2 * r->n - 1]) {
		*why = "ring_not_closed";
		goto out;
	}
	if (!ring_is_simple(r)) {
		*why = work.out ? work_why() : "self_intersection";
		goto out;
	}
	rc = 0;
out:
	return rc;
}

/* parse_poly: read one polygon's rings into poly and check its holes lie inside. */
static int parse_poly(const json_t *arr, struct xz_poly *poly, const char **why)
{
	struct split *s = NULL;
	int rc = 0;

	poly->rings = xz_calloc(json_array_size(arr), sizeof *poly->rings);
	poly->nrings = (int)json_array_size(arr);
	for (int k = 0; k < poly->nrings; k++) {
		rc = parse_ring(json_array_get(arr, (size_t)k), &poly->rings[k], why);
		if (rc)
			goto out;
	}
	s = xz_calloc((size_t)poly->rings[0].n + 2, sizeof *s);
	for (int k = 1; k < poly->nrings; k++) {
		struct xz_poly shell = {1, &poly->rings[0]};
		struct xz_geom g = {1, &shell, 0, 0, 0, 0};
		if (!probe(&poly->rings[k], &g, LOC_OUT, s)) {
			rc = XZ_ERULE;
			*why = work.out ? work_why() : "hole_outside";
			goto out;
		}
	}
out:
	xz_free(s);
	return rc;
}

int xz_geom_from_geojson(const json_t *geometry, struct xz_geom **out, const char **why)
{
	struct xz_geom *g = NULL;
	const char *reason = "bad_shape";
	const json_t *type = json_object_get(geometry, "type");
	const json_t *coords = json_object_get(geometry, "coordinates");
	const json_t *pj;
	bool multi;
	size_t npolys, nrings = 0, i;
	int rc = XZ_EMALFORMED;

	*out = NULL;
	if (!json_is_object(geometry) || !json_is_string(type))
		goto out;
	if (!strcmp(json_string_value(type), "Polygon")) {
		multi = false;
	} else if (!strcmp(json_string_value(type), "MultiPolygon")) {
		multi = true;
	} else {
		reason = "unsupported_type";
		goto out;
	}
	if (!json_is_array(coords))
		goto out;
	npolys = multi ? json_array_size(coords) : 1;
	for (i = 0; i < npolys; i++) {
		pj = multi ? json_array_get(coords, i) : coords;
		if (!json_is_array(pj))
			goto out;
		rc = XZ_ERULE;
		if (json_array_size(pj) == 0) {
			reason = "empty_polygon";
			goto out;
		}
		nrings += json_array_size(pj);
		if (nrings > XZ_MAX_RINGS) {
			reason = "too_many_rings";
			goto out;
		}
		rc = XZ_EMALFORMED;
	}
	if (npolys == 0) {
		rc = XZ_ERULE;
		reason = "empty_polygon";
		goto out;
	}

	{
		uint64_t points = 0;
		for (i = 0; i < npolys; i++) {
			pj = multi ? json_array_get(coords, i) : coords;
			for (size_t k = 0; k < json_array_size(pj); k++)
				points += json_array_size(json_array_get(pj, k));
		}
		work_start(points);
	}
	g = xz_calloc(1, sizeof *g);
	g->polys = xz_calloc(npolys, sizeof *g->polys);
	g->npolys = (int)npolys;
	for (i = 0; i < npolys; i++) {
		rc = parse_poly(multi ? json_array_get(coords, i) : coords, &g->polys[i], &reason);
		if (rc)
			goto out;
	}
	g->minx = g->miny = INFINITY;
	g->maxx = g->maxy = -INFINITY;
	for (i = 0; i < npolys; i++) {
		const struct xz_ring *r = &g->polys[i].rings[0];
		for (int k = 0; k < r->n; k++) {
			g->minx = fmin(g->minx, r->xy[2 * k]);
			g->maxx = fmax(g->maxx, r->xy[2 * k]);
			g->miny = fmin(g->miny, r->xy[2 * k + 1]);
			g->maxy = fmax(g->maxy, r->xy[2 * k + 1]);
		}
	}
	*out = g;
	g = NULL;
	rc = 0;
out:
	work.on = false;
	xz_geom_free(g);
	if (rc && why)
		*why = reason;
	return rc;
}

void xz_geom_free(struct xz_geom *g)
{
	if (!g)
		goto out;
	for (int i = 0; i < g->npolys; i++) {
		for (int k = 0; k < g->polys[i].nrings; k++)
			xz_free(g->polys[i].rings[k].xy);
		xz_free(g->polys[i].rings);
	}
	xz_free(g->polys);
	xz_free(g);
out:
	return;
}

/* in_range: a query coordinate that can be snapped to the grid. */
static bool in_range(double lon, double lat)
{
	return lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90; /* false for NaN */
}

bool xz_geom_contains(const struct xz_geom *g, double lon, double lat)
{
	bool in = false;
	struct pt p;

	if (!g || !in_range(lon, lat))
		goto out;
	p.x = grid(lon);
	p.y = grid(lat);
	if (p.x < grid(g->minx) || p.x > grid(g->maxx) || p.y < grid(g->miny) ||
	    p.y > grid(g->maxy))
		goto out;
	in = geom_locate(g, p) != LOC_OUT;
out:
	return in;
}

bool xz_geom_within(const struct xz_geom *inner, const struct xz_geom *outer)
{
	struct split *s = NULL;
	bool ok = false;
	int cap;

	if (!inner || !outer)
		goto out;
	if (inner->minx < outer->minx || inner->maxx > outer->maxx || inner->miny < outer->miny ||
	    inner->maxy > outer->maxy)
		goto out;
	cap = count_points(outer) > count_points(inner) ? count_points(outer) : count_points(inner);
	work_start((uint64_t)count_points(outer) + (uint64_t)count_points(inner));
	s = xz_calloc((size_t)cap + 2, sizeof *s);
	for (int i = 0; i < inner->npolys; i++)
		if (!probe(&inner->polys[i].rings[0], outer, LOC_OUT, s))
			goto out;
	/* inner's boundary is inside outer; now no hole of outer may sit inside inner */
	for (int i = 0; i < outer->npolys; i++)
		for (int k = 1; k < outer->polys[i].nrings; k++)
			if (!probe(&outer->polys[i].rings[k], inner, LOC_IN, s))
				goto out;
	ok = true;
out:
	work.on = false;
	xz_free(s);
	return ok;
}

json_t *xz_geom_to_geojson(const struct xz_geom *g)
{
	json_t *polys = json_array();

	for (int i = 0; i < g->npolys; i++) {
		json_t *rings = json_array();
		for (int k = 0; k < g->polys[i].nrings; k++) {
			const struct xz_ring *r = &g->polys[i].rings[k];
			json_t *pos = json_array();
			for (int j = 0; j < r->n; j++)
				json_array_append_new(
				    pos, json_pack("[ff]", r->xy[2 * j], r->xy[2 * j + 1]));
			json_array_append_new(rings, pos);
		}
		json_array_append_new(polys, rings);
	}
	if (g->npolys == 1) {
		json_t *only = json_incref(json_array_get(polys, 0));
		json_decref(polys);
		polys = only;
	}
	return json_pack("{s:s, s:o}", "type", g->npolys == 1 ? "Polygon" : "MultiPolygon",
			 "coordinates", polys);
}

/* ring_moments: signed shoelace area (deg^2) and its latitude centroid. */
static void ring_moments(const struct xz_ring *r, double *area, double *cy)
{
	double x0 = r->xy[0], y0 = r->xy[1], a = 0, my = 0;

	for (int i = 0; i + 1 < r->n; i++) {
		double xi = r->xy[2 * i] - x0, yi = r->xy[2 * i + 1] - y0;
		double xj = r->xy[2 * i + 2] - x0, yj = r->xy[2 * i + 3] - y0;
		double cross = xi * yj - xj * yi;
		a += cross;
		my += (yi + yj) * cross;
	}
	*area = a / 2;
	*cy = a != 0 ? y0 + my / (3 * a) : y0;
}

double xz_geom_area_m2(const struct xz_geom *g)
{
	double w = 0, m = 0, lat0, k = EARTH_RADIUS_M * DEG2RAD;

	for (int i = 0; i < g->npolys; i++) {
		for (int j = 0; j < g->polys[i].nrings; j++) {
			double a, cy;
			ring_moments(&g->polys[i].rings[j], &a, &cy);
			a = j == 0 ? fabs(a) : -fabs(a);
			w += a;
			m += a * cy;
		}
	}
	lat0 = w > 0 ? m / w : (g->miny + g->maxy) / 2;
	return w * k * k * cos(lat0 * DEG2RAD);
}

double xz_distance_m(double lon1, double lat1, double lon2, double lat2)
{
	double p1 = lat1 * DEG2RAD, p2 = lat2 * DEG2RAD;
	double dp = p2 - p1, dl = (lon2 - lon1) * DEG2RAD;
	double h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

	return 2 * EARTH_RADIUS_M * asin(sqrt(fmin(1.0, h)));
}

bool xz_geo_in_china(double lon, double lat)
{
	return lon >= 73.5 && lon <= 135.1 && lat >= 3.8 && lat <= 53.6; /* false for NaN */
}
