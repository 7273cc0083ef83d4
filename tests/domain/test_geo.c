/* test_geo.c — grid-cell polygons: validation, point in polygon, within, area, distance. */
#include <math.h>

#include <time.h>

#include "core/xz.h"
#include "core/cancel.h"
#include "domain/geo.h"
#include "unit.h"

/* load: parse GeoJSON text into a geometry; rc and why report a rejection. */
static struct xz_geom *load(const char *text, int *rc, const char **why)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	struct xz_geom *g = NULL;

	*why = NULL;
	*rc = j ? xz_geom_from_geojson(j, &g, why) : 999;
	json_decref(j);
	return g;
}

static struct xz_geom *must(const char *text)
{
	int rc;
	const char *why;
	struct xz_geom *g = load(text, &rc, &why);
	CHECK_EQ_INT(rc, 0);
	CHECK(g != NULL);
	return g;
}

static void expect_reject(const char *text, int code, const char *reason)
{
	int rc;
	const char *why;
	struct xz_geom *g = load(text, &rc, &why);
	CHECK_EQ_INT(rc, code);
	CHECK_EQ_STR(why, reason);
	CHECK(g == NULL);
	xz_geom_free(g);
}

#define SQUARE                                                                                     \
	"{\"type\":\"Polygon\",\"coordinates\":[[[116.30,39.90],[116.40,39.90],"                   \
	"[116.40,40.00],[116.30,40.00],[116.30,39.90]]]}"

/* L: the unit square [0,2]x[0,2] without its top-right quarter. */
#define L_SHAPE                                                                                    \
	"{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[2,0],[2,1],[1,1],[1,2],[0,2],"             \
	"[0,0]]]}"

/* 0..10 square with a 4..6 hole */
#define HOLED                                                                                      \
	"{\"type\":\"Polygon\",\"coordinates\":[[[0.0,0.0],[10.0,0.0],[10.0,10.0],"                \
	"[0.0,10.0],[0.0,0.0]],[[4.0,4.0],[4.0,6.0],[6.0,6.0],[6.0,4.0],[4.0,4.0]]]}"

static void test_square(void)
{
	struct xz_geom *g = must(SQUARE);
	if (!g)
		return;
	CHECK(xz_geom_contains(g, 116.35, 39.95));
	CHECK(!xz_geom_contains(g, 116.45, 39.95));
	CHECK(!xz_geom_contains(g, 116.35, 40.0000001));
	CHECK(xz_geom_contains(g, 116.35, 39.90)); /* on the bottom edge */
	CHECK(xz_geom_contains(g, 116.40, 39.95)); /* on the right edge */
	CHECK(xz_geom_contains(g, 116.40, 40.00)); /* on a vertex */
	CHECK(xz_geom_contains(g, 116.30, 39.90)); /* on the first vertex */
	CHECK(!xz_geom_contains(g, 116.4000001, 39.95));
	CHECK(!xz_geom_contains(g, NAN, 39.95));
	CHECK(!xz_geom_contains(g, 500, 39.95));
	CHECK(g->minx == 116.30 && g->maxx == 116.40 && g->miny == 39.90 && g->maxy == 40.00);
	xz_geom_free(g);
}

static void test_diagonal_edge(void)
{
	/* the hypotenuse runs from (116.3, 39.9) to (116.4, 40.0); its decimal midpoint is on it */
	struct xz_geom *g = must("{\"type\":\"Polygon\",\"coordinates\":[[[116.3,39.9],"
				 "[116.4,40.0],[116.3,40.0],[116.3,39.9]]]}");
	if (!g)
		return;
	CHECK(xz_geom_contains(g, 116.35, 39.95));
	CHECK(xz_geom_contains(g, 116.31234567, 39.91234567));
	CHECK(!xz_geom_contains(g, 116.3500001, 39.95)); /* 1e-7 degree (1 cm) outside */
	CHECK(xz_geom_contains(g, 116.3499999, 39.95));
	xz_geom_free(g);
}

static void test_l_shape(void)
{
	struct xz_geom *g = must(L_SHAPE);
	if (!g)
		return;
	CHECK(xz_geom_contains(g, 0.5, 0.5));
	CHECK(xz_geom_contains(g, 0.5, 1.5));
	CHECK(xz_geom_contains(g, 1.5, 0.5));
	CHECK(!xz_geom_contains(g, 1.5, 1.5)); /* in the notch */
	CHECK(xz_geom_contains(g, 1, 1));      /* the reflex vertex */
	CHECK(xz_geom_contains(g, 1.5, 1));    /* on the notch's lower edge */
	CHECK(xz_geom_contains(g, 1, 1.5));    /* on the notch's left edge */
	CHECK(xz_geom_contains(g, 0.5, 1));    /* ray passes through vertices (1,1) and (2,1) */
	CHECK(!xz_geom_contains(g, -0.5, 1));
	CHECK(!xz_geom_contains(g, -0.5, 2)); /* ray along the top edge */
	CHECK(!xz_geom_contains(g, 2.5, 1));
	xz_geom_free(g);
}

static void test_hole(void)
{
	struct xz_geom *g = must(HOLED);
	if (!g)
		return;
	CHECK(xz_geom_contains(g, 2, 2));
	CHECK(!xz_geom_contains(g, 5, 5)); /* in the hole */
	CHECK(xz_geom_contains(g, 4, 5));  /* on the hole's edge */
	CHECK(xz_geom_contains(g, 6, 6));  /* on the hole's vertex */
	CHECK(xz_geom_contains(g, 5, 7));
	xz_geom_free(g);
}

static void test_multipolygon(void)
{
	struct xz_geom *g = must("{\"type\":\"MultiPolygon\",\"coordinates\":["
				 "[[[0,0],[1,0],[1,1],[0,1],[0,0]]],"
				 "[[[3,0],[4,0],[4,1],[3,1],[3,0]],[[3.2,0.2],[3.8,0.2],[3.8,0.8],"
				 "[3.2,0.8],[3.2,0.2]]]]}");
	if (!g)
		return;
	CHECK_EQ_INT(g->npolys, 2);
	CHECK_EQ_INT(g->polys[1].nrings, 2);
	CHECK(xz_geom_contains(g, 0.5, 0.5));
	CHECK(xz_geom_contains(g, 3.1, 0.5));
	CHECK(!xz_geom_contains(g, 3.5, 0.5)); /* hole of the second polygon */
	CHECK(!xz_geom_contains(g, 2, 0.5));   /* between them, inside the bbox */
	CHECK(xz_geom_contains(g, 4, 0));
	CHECK(g->minx == 0 && g->maxx == 4 && g->miny == 0 && g->maxy == 1);
	xz_geom_free(g);
}

static void test_invalid(void)
{
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[0,1]]]}",
		      XZ_ERULE, "ring_not_closed");
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}",
		      XZ_ERULE, "self_intersection"); /* bow-tie */
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[0,0]]]}", XZ_ERULE,
		      "too_few_points");
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1]]]}", XZ_ERULE,
		      "too_few_points");
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[\"1\",0],[1,1],[0,1],"
		      "[0,0]]]}",
		      XZ_EMALFORMED, "bad_coordinates");
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,95],[0,1],[0,0]]]}",
		      XZ_EMALFORMED, "bad_coordinates");
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[181,0],[1,1],[0,0]]]}",
		      XZ_EMALFORMED, "bad_coordinates");
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1],[1,1],[0,1],[0,0]]]}",
		      XZ_EMALFORMED, "bad_coordinates");
	expect_reject("{\"type\":\"Point\",\"coordinates\":[116.3,39.9]}", XZ_EMALFORMED,
		      "unsupported_type");
	expect_reject("{\"coordinates\":[]}", XZ_EMALFORMED, "bad_shape");
	expect_reject("{\"type\":\"Polygon\"}", XZ_EMALFORMED, "bad_shape");
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[7]}", XZ_EMALFORMED, "bad_shape");
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[]}", XZ_ERULE, "empty_polygon");
	expect_reject("{\"type\":\"MultiPolygon\",\"coordinates\":[]}", XZ_ERULE, "empty_polygon");
	/* figure eight: two loops meeting at (1,1) */
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,1],[2,1],[2,2],"
		      "[1,2],[1,1],[0,1],[0,0]]]}",
		      XZ_ERULE, "self_intersection");
	/* a spike: the ring runs out to (2,0) and back along itself */
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[2,0],[1,0],[1,1],[0,1],"
		      "[0,0]]]}",
		      XZ_ERULE, "self_intersection");
	/* a zero-area ring: two adjacent edges fold back over each other */
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[2,0],[1,0],[0,0]]]}",
		      XZ_ERULE, "self_intersection");
	/* a vertex touching a non-adjacent edge */
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[2,0],[2,2],[1,0],[0,2],"
		      "[0,0]]]}",
		      XZ_ERULE, "self_intersection");
	/* a hole reaching outside the outer ring */
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,0],[10,10],[0,10],[0,0]],"
		      "[[8,8],[12,8],[12,9],[8,9],[8,8]]]}",
		      XZ_ERULE, "hole_outside");
	/* a hole entirely outside */
	expect_reject("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10,0],[10,10],[0,10],[0,0]],"
		      "[[20,20],[21,20],[21,21],[20,20]]]}",
		      XZ_ERULE, "hole_outside");
	/* the second polygon of a MultiPolygon is the bad one */
	expect_reject("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[0,0],[1,0],[1,1],[0,0]]],"
		      "[[[3,0],[4,1],[4,0],[3,1],[3,0]]]]}",
		      XZ_ERULE, "self_intersection");

	/* why may be NULL; *out stays NULL */
	json_t *j = json_loads("{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}", 0, NULL);
	struct xz_geom *g = (struct xz_geom *)1;
	CHECK_EQ_INT(xz_geom_from_geojson(j, &g, NULL), XZ_EMALFORMED);
	CHECK(g == NULL);
	json_decref(j);
	CHECK_EQ_INT(xz_geom_from_geojson(NULL, &g, NULL), XZ_EMALFORMED);
}

static void test_limits(void)
{
	json_t *ring = json_array(), *geom;
	struct xz_geom *g = NULL;
	const char *why = NULL;
	int n = XZ_MAX_RING_POINTS + 1;

	/* a circle with one position too many */
	for (int i = 0; i < n - 1; i++) {
		double t = 2 * 3.14159265358979 * i / (n - 1);
		json_array_append_new(ring,
				      json_pack("[ff]", 116 + 0.01 * cos(t), 39 + 0.01 * sin(t)));
	}
	json_array_append(ring, json_array_get(ring, 0));
	geom = json_pack("{s:s, s:[O]}", "type", "Polygon", "coordinates", ring);
	CHECK_EQ_INT(xz_geom_from_geojson(geom, &g, &why), XZ_ERULE);
	CHECK_EQ_STR(why, "too_many_points");
	json_decref(geom);

	/* the largest allowed ring is accepted (and checked for self-intersection quickly) */
	json_array_remove(ring, (size_t)n - 2);
	geom = json_pack("{s:s, s:[O]}", "type", "Polygon", "coordinates", ring);
	CHECK_EQ_INT(xz_geom_from_geojson(geom, &g, &why), 0);
	CHECK(g && xz_geom_contains(g, 116, 39));
	xz_geom_free(g);
	json_decref(geom);
	json_decref(ring);

	/* repeated consecutive positions add no edge and are dropped */
	g = must("{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[1,0],[1,0],[1,1],[0,1],[0,0],"
		 "[0,0]]]}");
	if (g)
		CHECK_EQ_INT(g->polys[0].rings[0].n, 5);
	xz_geom_free(g);
}

static void test_within(void)
{
	struct xz_geom *town = must(SQUARE), *l = must(L_SHAPE), *holed = must(HOLED), *c;
	if (!town || !l || !holed)
		goto out;
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[116.31,39.91],[116.32,39.91],"
		 "[116.32,39.92],[116.31,39.92],[116.31,39.91]]]}");
	CHECK(xz_geom_within(c, town));
	CHECK(!xz_geom_within(town, c));
	xz_geom_free(c);
	/* a cell sharing two edges with its township */
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[116.30,39.90],[116.35,39.90],"
		 "[116.35,39.95],[116.30,39.95],[116.30,39.90]]]}");
	CHECK(xz_geom_within(c, town));
	xz_geom_free(c);
	CHECK(xz_geom_within(town, town));
	/* a cell poking out of the east edge */
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[116.38,39.91],[116.41,39.91],"
		 "[116.41,39.92],[116.38,39.92],[116.38,39.91]]]}");
	CHECK(!xz_geom_within(c, town));
	xz_geom_free(c);
	/* a cell poking out with every vertex inside: a thin wedge crossing the L's notch */
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[0.5,1.9],[1.9,0.5],[1.8,0.5],"
		 "[0.5,1.8],[0.5,1.9]]]}");
	CHECK(!xz_geom_within(c, l));
	xz_geom_free(c);
	/* every vertex on the L's boundary, the cell itself in the notch */
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[1,1],[2,1],[1,2],[1,1]]]}");
	CHECK(!xz_geom_within(c, l));
	xz_geom_free(c);
	/* the mirror triangle, inside the L along its reflex corner */
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[1,1],[1,0],[0,1],[1,1]]]}");
	CHECK(xz_geom_within(c, l));
	xz_geom_free(c);
	/* around the hole: outside; beside it: inside; in it: outside; hugging it: inside */
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[3,3],[7,3],[7,7],[3,7],[3,3]]]}");
	CHECK(!xz_geom_within(c, holed));
	xz_geom_free(c);
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[1,1],[3,1],[3,3],[1,3],[1,1]]]}");
	CHECK(xz_geom_within(c, holed));
	xz_geom_free(c);
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[4.5,4.5],[5,4.5],[5,5],[4.5,4.5]]]}");
	CHECK(!xz_geom_within(c, holed));
	xz_geom_free(c);
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[2,4],[4,4],[4,6],[2,6],[2,4]]]}");
	CHECK(xz_geom_within(c, holed));
	xz_geom_free(c);
	/* a ring with its own hole around outer's hole: the hole stays out of the cell */
	c = must("{\"type\":\"Polygon\",\"coordinates\":[[[3,3],[7,3],[7,7],[3,7],[3,3]],"
		 "[[3.5,3.5],[6.5,3.5],[6.5,6.5],[3.5,6.5],[3.5,3.5]]]}");
	CHECK(xz_geom_within(c, holed));
	xz_geom_free(c);
out:
	xz_geom_free(town);
	xz_geom_free(l);
	xz_geom_free(holed);
}

static void roundtrip(const char *text)
{
	json_t *in = json_loads(text, 0, NULL), *back = NULL;
	struct xz_geom *g = NULL;

	CHECK(in != NULL);
	CHECK_EQ_INT(xz_geom_from_geojson(in, &g, NULL), 0);
	if (g)
		back = xz_geom_to_geojson(g);
	CHECK(back && json_equal(in, back));
	json_decref(back);
	json_decref(in);
	xz_geom_free(g);
}

static void test_roundtrip(void)
{
	roundtrip(SQUARE);
	roundtrip(HOLED);
	roundtrip("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[113.123456789,28.45],"
		  "[113.13,28.45],[113.13,28.46],[113.123456789,28.45]]],"
		  "[[[113.2,28.5],[113.3,28.5],[113.3,28.6],[113.2,28.5]]]]}");
}

static void test_area(void)
{
	double k = 6371008.8 * 3.14159265358979323846 / 180, expect, a;
	struct xz_geom *g = must("{\"type\":\"Polygon\",\"coordinates\":[[[113.00,28.445],"
				 "[113.01,28.445],[113.01,28.455],[113.00,28.455],"
				 "[113.00,28.445]]]}");
	if (!g)
		return;
	/* 0.01 degree is about 1112 m north-south and 1112 * cos(28.45) m east-west */
	expect = (k * 0.01) * (k * 0.01) * cos(28.45 * 3.14159265358979323846 / 180);
	a = xz_geom_area_m2(g);
	CHECK(fabs(a - expect) < 0.01 * expect);
	CHECK(fabs(a - 1.0871e6) < 0.01 * 1.0871e6);
	xz_geom_free(g);

	/* the hole takes away its share; ring direction does not matter */
	g = must("{\"type\":\"Polygon\",\"coordinates\":[[[113.00,28.44],[113.00,28.46],"
		 "[113.02,28.46],[113.02,28.44],[113.00,28.44]],[[113.00,28.44],[113.01,28.44],"
		 "[113.01,28.45],[113.00,28.45],[113.00,28.44]]]}");
	if (g) {
		a = xz_geom_area_m2(g);
		CHECK(fabs(a - 3 * expect) < 0.01 * 3 * expect);
	}
	xz_geom_free(g);
}

static void test_distance(void)
{
	/* one degree along the equator on the mean sphere */
	CHECK(fabs(xz_distance_m(0, 0, 1, 0) - 111195.08) < 0.1);
	/* pole to equator: a quarter meridian */
	CHECK(fabs(xz_distance_m(116, 0, 116, 90) - 10007557.2) < 1);
	/* Beijing (Tian'anmen) to Shanghai (People's Square): about 1067 km */
	double d = xz_distance_m(116.3975, 39.9087, 121.4737, 31.2304);
	CHECK(fabs(d - 1067e3) < 0.01 * 1067e3);
	CHECK(xz_distance_m(113, 28.45, 113, 28.45) == 0);
}

/* circle: a closed ring of n positions around (cx, cy). */
static json_t *circle(double cx, double cy, double r, int n)
{
	json_t *ring = json_array();
	for (int i = 0; i <= n; i++) {
		double a = 2 * 3.14159265358979 * (i % n) / n;
		json_array_append_new(ring, json_pack("[f,f]", cx + r * cos(a), cy + r * sin(a)));
	}
	return ring;
}

static json_t *holed(int shell_points, int holes, int hole_points)
{
	json_t *rings = json_array();
	json_array_append_new(rings, circle(0.5, 0.5, 0.45, shell_points));
	for (int k = 0; k < holes; k++) {
		double a = 2 * 3.14159265358979 * k / holes;
		json_array_append_new(rings, circle(0.5 + 0.25 * cos(a), 0.5 + 0.25 * sin(a), 0.05,
						    hole_points));
	}
	return json_pack("{s:s,s:o}", "type", "Polygon", "coordinates", rings);
}

static double seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts); /* CPU: the machine may be busy */
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool always(void *arg)
{
	(void)arg;
	return true;
}

/* issue 16 finding 6: 8 holes of 10k points took 15.5 s; now the work is
 * bounded by the input's size and refused quickly as too_complex. */
static void test_budget(void)
{
	struct xz_geom *g = NULL;
	const char *why = NULL;
	json_t *j = holed(9990, 8, 9990);
	double t0 = seconds();
	CHECK_EQ_INT(xz_geom_from_geojson(j, &g, &why), XZ_ERULE);
	CHECK_EQ_STR(why, "too_complex");
	CHECK(seconds() - t0 < 20.0); /* was minutes; ≈3 s of CPU at -O2, ≈5 s under ASan */
	json_decref(j);
	/* a real township: a detailed boundary and a hole or two passes */
	j = holed(9990, 2, 400);
	CHECK_EQ_INT(xz_geom_from_geojson(j, &g, &why), 0);
	CHECK(g && !xz_geom_contains(g, 0.75, 0.5) && xz_geom_contains(g, 0.5, 0.5));
	xz_geom_free(g);
	g = NULL;
	json_decref(j);
	/* a client that has gone: the work is abandoned at the next check */
	j = holed(9990, 8, 2000);
	xz_cancel_set(always, NULL);
	t0 = seconds();
	CHECK_EQ_INT(xz_geom_from_geojson(j, &g, &why), XZ_ERULE);
	CHECK_EQ_STR(why, "abandoned");
	CHECK(seconds() - t0 < 2.0);
	xz_cancel_set(NULL, NULL);
	json_decref(j);
}

int main(void)
{
	RUN(test_budget);
	RUN(test_square);
	RUN(test_diagonal_edge);
	RUN(test_l_shape);
	RUN(test_hole);
	RUN(test_multipolygon);
	RUN(test_invalid);
	RUN(test_limits);
	RUN(test_within);
	RUN(test_roundtrip);
	RUN(test_area);
	RUN(test_distance);
	return unit_done();
}
