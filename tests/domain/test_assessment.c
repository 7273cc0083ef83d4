/* test_assessment.c — the scoring rules of an assessment scheme's parts
 * (src/domain/assessment_score.c): linear between thresholds either way
 * round, points per event with a cap (deducting and earning), the daily
 * rating as a share, and a part with nothing to count scoring in full. */
#include <jansson.h>
#include <math.h>

#include "domain/assessment_int.h"
#include "unit.h"

static double pts(const char *part, const char *val)
{
	json_t *p = json_loads(part, 0, NULL), *v = json_loads(val, 0, NULL);
	double r = xz__part_points(p, v);
	json_decref(p);
	json_decref(v);
	return r;
}

#define NEAR(a, b) CHECK(fabs((a) - (b)) < 1e-9)

static void test_linear(void)
{
	const char *up =
	    "{\"kind\":\"indicator\",\"weight\":30,\"rule\":\"linear\",\"good\":100,\"bad\":60}";
	const char *down =
	    "{\"kind\":\"indicator\",\"weight\":20,\"rule\":\"linear\",\"good\":0,\"bad\":50}";
	NEAR(pts(up, "{\"value\":100,\"numerator\":9}"), 30);
	NEAR(pts(up, "{\"value\":80,\"numerator\":8}"), 15);
	NEAR(pts(up, "{\"value\":59.9,\"numerator\":5}"), 0);
	NEAR(pts(up, "{\"value\":90,\"numerator\":7}"), 22.5);
	NEAR(pts(down, "{\"value\":0,\"numerator\":0}"), 20);
	NEAR(pts(down, "{\"value\":12.5,\"numerator\":1}"), 15);
	NEAR(pts(down, "{\"value\":75,\"numerator\":3}"), 0);
	/* nothing to count: full points */
	NEAR(pts(up, "{\"value\":null,\"numerator\":0}"), 30);
	/* hundredths */
	NEAR(pts("{\"kind\":\"indicator\",\"weight\":10,\"rule\":\"linear\",\"good\":3,\"bad\":0}",
		 "{\"value\":1,\"numerator\":1}"),
	     3.33);
}

static void test_per_event(void)
{
	const char *deduct =
	    "{\"kind\":\"indicator\",\"weight\":10,\"rule\":\"per_event\",\"per\":-1,\"cap\":-10}";
	const char *half =
	    "{\"kind\":\"indicator\",\"weight\":10,\"rule\":\"per_event\",\"per\":-2,\"cap\":-5}";
	const char *earn =
	    "{\"kind\":\"indicator\",\"weight\":10,\"rule\":\"per_event\",\"per\":2,\"cap\":6}";
	NEAR(pts(deduct, "{\"value\":0,\"numerator\":0}"), 10);
	NEAR(pts(deduct, "{\"value\":7,\"numerator\":7}"), 3);
	NEAR(pts(deduct, "{\"value\":25,\"numerator\":25}"), 0);
	NEAR(pts(half, "{\"value\":1,\"numerator\":1}"), 8);
	NEAR(pts(half, "{\"value\":9,\"numerator\":9}"), 5); /* at most −5 */
	NEAR(pts(earn, "{\"value\":0,\"numerator\":0}"), 0);
	NEAR(pts(earn, "{\"value\":2,\"numerator\":2}"), 4);
	NEAR(pts(earn, "{\"value\":9,\"numerator\":9}"), 6); /* up to the cap */
}

static void test_rating(void)
{
	const char *r = "{\"kind\":\"rating\",\"indicator\":\"rating\",\"weight\":30}";
	NEAR(pts(r, "{\"value\":85.5,\"numerator\":2}"), 25.65);
	NEAR(pts(r, "{\"value\":null,\"numerator\":0}"), 30);
	NEAR(pts(r, "{\"value\":0,\"numerator\":1}"), 0);
}

int main(void)
{
	RUN(test_linear);
	RUN(test_per_event);
	RUN(test_rating);
	return unit_done();
}
