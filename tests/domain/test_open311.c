/* test_open311.c — the Open311 form decoder and the mapping of problem
 * states onto GeoReport's open/closed. */
#include <string.h>

#include "core/xz.h"
#include "domain/open311.h"
#include "unit.h"

static json_t *parse(const char *body, int *rc)
{
	json_t *o = NULL;
	*rc = xz_open311_form_parse(body, strlen(body), &o);
	return o;
}

static const char *field(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static void test_form_fields(void)
{
	int rc;
	json_t *o = parse("api_key=abc&description=%E6%B2%B3%E8%BE%B9+%E8%BF%9D%E5%BB%BA&lat=28.4"
			  "&&empty=&flag",
			  &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(field(o, "api_key"), "abc");
	CHECK_EQ_STR(field(o, "description"), "河边 违建");
	CHECK_EQ_STR(field(o, "lat"), "28.4");
	CHECK_EQ_STR(field(o, "empty"), "");
	CHECK_EQ_STR(field(o, "flag"), "");
	CHECK_EQ_INT(json_object_size(o), 5);
	json_decref(o);
	o = parse("", &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(json_object_size(o), 0);
	json_decref(o);
	/* a = inside the value belongs to the value; %2B is a plus */
	o = parse("attribute%5Bplace_type%5D=a%3Db&x=1%2B1", &rc);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_STR(field(o, "attribute[place_type]"), "a=b");
	CHECK_EQ_STR(field(o, "x"), "1+1");
	json_decref(o);
}

static void test_form_lists(void)
{
	int rc;
	json_t *o = parse("attribute[kinds][]=a&attribute[kinds][]=b&z=1", &rc), *a;
	CHECK_EQ_INT(rc, 0);
	a = json_object_get(o, "attribute[kinds][]");
	CHECK(json_is_array(a));
	CHECK_EQ_INT(json_array_size(a), 2);
	CHECK_EQ_STR(json_string_value(json_array_get(a, 1)), "b");
	json_decref(o);
}

static void test_form_rejects(void)
{
	const char *bad[] = {
	    "a=1&a=2",	/* repeated field */
	    "a=%",	/* cut escape */
	    "a=%4",	/* cut escape */
	    "a=%zz",	/* not hex */
	    "a=%00",	/* NUL */
	    "%00=1",	/* NUL in a name */
	    "a=%E4%B8", /* invalid UTF-8 */
	    "a=%FF",	/* invalid UTF-8 */
	    "=1",	/* empty name */
	};
	char many[2048] = "", key[200];
	size_t i;
	int rc;
	for (i = 0; i < XZ_ARRAY_LEN(bad); i++) {
		json_t *o = parse(bad[i], &rc);
		if (rc != XZ_EMALFORMED)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
		CHECK_EQ_INT(rc, XZ_EMALFORMED);
		CHECK(o == NULL);
	}
	for (i = 0; i <= XZ_OPEN311_FORM_FIELDS; i++) {
		char one[16];
		snprintf(one, sizeof(one), "f%zu=1&", i);
		strncat(many, one, sizeof(many) - strlen(many) - 1);
	}
	CHECK(parse(many, &rc) == NULL);
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	memset(key, 'k', XZ_OPEN311_FORM_KEY + 1);
	key[XZ_OPEN311_FORM_KEY + 1] = 0;
	strncat(key, "=1", sizeof(key) - strlen(key) - 1);
	CHECK(parse(key, &rc) == NULL);
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	/* a body with an embedded NUL byte (not %00) is cut at len, never read past */
	{
		json_t *o = NULL;
		rc = xz_open311_form_parse("a=1\0b=2", 7, &o);
		CHECK_EQ_INT(rc, XZ_EMALFORMED);
		json_decref(o);
	}
}

static void test_status_mapping(void)
{
	const char *note = NULL;
	CHECK_EQ_STR(xz_open311_status("reported", &note), "open");
	CHECK_EQ_STR(note, "已收到，待受理");
	CHECK_EQ_STR(xz_open311_status("escalated", NULL), "open");
	CHECK_EQ_STR(xz_open311_status("closed", &note), "closed");
	CHECK_EQ_STR(xz_open311_status("rejected", &note), "closed");
	CHECK_EQ_STR(note, "不予受理");
	CHECK_EQ_STR(xz_open311_status("merged", NULL), "closed");
}

int main(void)
{
	RUN(test_form_fields);
	RUN(test_form_lists);
	RUN(test_form_rejects);
	RUN(test_status_mapping);
	return unit_done();
}
