/* test_patrol_points.c — a live patrol's track batch as the phone sends it:
 * what xz_patrol_points_parse accepts, and which position it names when it
 * refuses (the route tells the grid member). */
#include <math.h>

#include "core/xz.h"
#include "domain/patrol.h"
#include "unit.h"

static struct xz_patrol_point pts[8];

/* parse: rc of a batch given as JSON text; *n and *bad as the parser set them. */
static int parse(const char *text, size_t max, size_t *n, size_t *bad)
{
	json_t *j = json_loads(text, 0, NULL);
	int rc;
	CHECK(j != NULL);
	rc = xz_patrol_points_parse(j, max, pts, n, bad);
	json_decref(j);
	return rc;
}

static void test_accepts_positions_in_china(void)
{
	size_t n, bad;
	CHECK_EQ_INT(parse("[[119.841,28.401,1795000000],[119.842,28.4,1795000005]]", 8, &n, &bad),
		     0);
	CHECK_EQ_INT(n, 2);
	CHECK(fabs(pts[1].lon - 119.842) < 1e-9 && fabs(pts[1].lat - 28.4) < 1e-9);
	CHECK_EQ_INT(pts[1].t, 1795000005);
	/* integers are numbers too; the edges of the extent are inside */
	CHECK_EQ_INT(parse("[[120,28,1795000000],[73.5,3.8,946684800],[135.1,53.6,4102444800]]", 8,
			   &n, &bad),
		     0);
	CHECK_EQ_INT(n, 3);
	CHECK_EQ_INT(parse("[]", 8, &n, &bad), 0);
	CHECK_EQ_INT(n, 0);
}

static void test_refuses_and_names_the_position(void)
{
	size_t n, bad;
	static const struct {
		const char *text;
		size_t bad;
	} cases[] = {
	    {"[[119.8,28.4,1795000000],[-1,-1,1795000000]]", 1},	 /* outside China */
	    {"[[119.8,28.4,1795000000],[119.8,60,1795000000]]", 1},	 /* too far north */
	    {"[[119.8,28.4]]", 0},					 /* no time */
	    {"[[119.8,28.4,1795000000,5]]", 0},				 /* a fourth value */
	    {"[[119.8,28.4,1795000000.5]]", 0},				 /* time not whole */
	    {"[[119.8,28.4,\"1795000000\"]]", 0},			 /* time as text */
	    {"[[119.8,28.4,12]]", 0},					 /* before 2000 */
	    {"[[119.8,28.4,4102444801]]", 0},				 /* after 2100 */
	    {"[[\"119.8\",28.4,1795000000]]", 0},			 /* lon as text */
	    {"[[119.8,28.4,1795000000],[119.8,28.4,1795000001],{}]", 2}, /* not an array */
	};
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(cases); i++) {
		CHECK_EQ_INT(parse(cases[i].text, 8, &n, &bad), -1);
		CHECK_EQ_INT(bad, cases[i].bad);
	}
	/* more than the batch holds, or not an array at all */
	CHECK_EQ_INT(parse("[[119.8,28.4,1795000000],[119.8,28.4,1795000001]]", 1, &n, &bad), -1);
	CHECK_EQ_INT(parse("{\"points\":[]}", 8, &n, &bad), -1);
	CHECK_EQ_INT(xz_patrol_points_parse(NULL, 8, pts, &n, &bad), -1);
}

int main(void)
{
	RUN(test_accepts_positions_in_china);
	RUN(test_refuses_and_names_the_position);
	return unit_done();
}
