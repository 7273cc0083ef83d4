/* test_jsonw.c — the answers' JSON writer (src/http/jsonw.c) writes what
 * json_dumps(v, JSON_COMPACT) writes, byte for byte: every kind of value,
 * escapes, Chinese text, reals of every shape, nesting, a problem-list-like
 * page, and many random trees. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "http/jsonw.h"
#include "unit.h"

static int same(json_t *v)
{
	char *a = json_dumps(v, JSON_COMPACT), *b;
	size_t len = 0;
	int ok;
	b = xz_json_dump(v, &len);
	ok = a && b && !strcmp(a, b) && len == strlen(a);
	if (!ok)
		fprintf(stderr, "  jansson: %s\n  ours:    %s\n", a ? a : "(null)",
			b ? b : "(null)");
	free(a);
	free(b);
	json_decref(v);
	return ok;
}

static void test_scalars_and_escapes(void)
{
	CHECK(same(json_pack("{s:i,s:I,s:n,s:b,s:b}", "a", 0, "b", (json_int_t)-9007199254740993LL,
			     "c", "d", 1, "e", 0)));
	CHECK(same(json_pack("{s:s}", "q", "quote \" backslash \\ slash / tab \t nl \n cr \r")));
	CHECK(same(json_pack("{s:s}", "ctl", "\x01\x02\x1f\b\f\x7f end")));
	CHECK(same(json_pack("{s:s,s:s}", "中文键", "垃圾乱堆放 — 碧湖镇 🚧", "e", "")));
	CHECK(same(json_pack("[]")));
	CHECK(same(json_pack("{}")));
	CHECK(same(json_pack("[[],{},[{}],{s:[]}]", "x")));
}

static void test_reals(void)
{
	double v[] = {
	    0.0,      -0.0,  1.0,    -1.5,   0.1,      119.841234,	     28.4,
	    1e20,     1e21,  1.5e-7, 1e-300, 1e300,    123456789012345678.0, 3.14159265358979,
	    2.5e+100, -7e-5, 100.0,  1e16,   12345.678,
	    /* whole numbers, written without snprintf below 1e15 */
	    287.0, -42.0, 999999999999999.0, 1e15, -1e15, 4503599627370496.0, 9007199254740993.0};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		CHECK(same(json_pack("[f]", v[i])));
}

static void test_page(void)
{
	json_t *items = json_array();
	for (int i = 0; i < 50; i++)
		json_array_append_new(
		    items,
		    json_pack("{s:i,s:s,s:s,s:f,s:f,s:n,s:b,s:{s:s,s:s,s:b}}", "id", 1000 - i,
			      "state", "in_hand", "description", "占道经营\n第二行", "lon",
			      119.84 + i * 0.001, "lat", 28.4, "due_at", "overdue", i % 2,
			      "reporter", "name", "张*", "phone", "138****0000", "masked", 1));
	CHECK(same(json_pack("{s:o,s:i}", "items", items, "next_before", 950)));
}

static json_t *random_tree(int depth)
{
	static const char *words[] = {"a", "中", "\"", "\\", "\n", "x y", "", "\x05", "ü"};
	int k = rand() % (depth > 3 ? 5 : 8);
	switch (k) {
	case 0:
		return json_integer(rand() - RAND_MAX / 2);
	case 1:
		return json_real((double)rand() / (rand() + 1) * (rand() % 2 ? 1e-9 : 1e9));
	case 2:
		return json_string(words[rand() % 9]);
	case 3:
		return rand() % 2 ? json_true() : json_null();
	case 4:
		return json_false();
	case 5:
	case 6: {
		json_t *o = json_object();
		int n = rand() % 5;
		for (int i = 0; i < n; i++) {
			char key[16];
			snprintf(key, sizeof(key), "%s%d", words[rand() % 9], i);
			json_object_set_new(o, key, random_tree(depth + 1));
		}
		return o;
	}
	default: {
		json_t *a = json_array();
		int n = rand() % 5;
		for (int i = 0; i < n; i++)
			json_array_append_new(a, random_tree(depth + 1));
		return a;
	}
	}
}

static void test_random_trees(void)
{
	int bad = 0;
	srand(15);
	for (int i = 0; i < 2000; i++)
		if (!same(json_pack("[o]", random_tree(0))))
			bad++;
	CHECK_EQ_INT(bad, 0);
}

int main(void)
{
	RUN(test_scalars_and_escapes);
	RUN(test_reals);
	RUN(test_page);
	RUN(test_random_trees);
	return unit_done();
}
