/*
 * shape.c — value checks of declared input shapes (see shape.h): one
 * function per kind of value, so a position, a text limit or an id array is
 * checked the same way by every route.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "http/shape.h"

bool xz_point_valid(double lon, double lat)
{
	return isfinite(lon) && isfinite(lat) && lon >= -180 && lon <= 180 && lat >= -90 &&
	       lat <= 90;
}

static int bad_point(struct xz_req *r, const char *code, const char *field)
{
	return xz_fail(r, XZ_EMALFORMED, code,
		       "位置须同时给出经度lon（-180到180）和纬度lat（-90到90）",
		       "lon (-180..180) and lat (-90..90) must be numbers, given together", field);
}

/* point: check a pair whose presence is lon_ok / lat_ok; the error names
 * lon or lat, whichever is at fault. */
static int point(struct xz_req *r, const char *code, bool lon_ok, bool lat_ok, double lon,
		 double lat, bool required, struct xz_point *p, bool *given)
{
	*given = false;
	p->lon = p->lat = 0;
	if (!lon_ok && !lat_ok)
		return required ? bad_point(r, code, "lon") : 0;
	if (!lon_ok || !isfinite(lon) || lon < -180 || lon > 180)
		return bad_point(r, code, "lon");
	if (!lat_ok || !isfinite(lat) || lat < -90 || lat > 90)
		return bad_point(r, code, "lat");
	p->lon = lon;
	p->lat = lat;
	*given = true;
	return 0;
}

int xz_shape_point(struct xz_req *r, const json_t *lon, const json_t *lat, bool required,
		   struct xz_point *p, bool *given)
{
	bool g = false;
	int rc;
	if ((lon && !json_is_number(lon)) || (!lon && lat))
		rc = bad_point(r, "invalid_field", "lon");
	else if ((lat && !json_is_number(lat)) || (lon && !lat))
		rc = bad_point(r, "invalid_field", "lat");
	else
		rc = point(r, "invalid_field", lon != NULL, lat != NULL,
			   lon ? json_number_value(lon) : NAN, lat ? json_number_value(lat) : NAN,
			   required, p, &g);
	if (given)
		*given = g;
	return rc;
}

/* number: a query argument as a finite number; false when absent or not one. */
static bool number(const char *s, double *v)
{
	char *end = NULL;
	if (!s || !*s)
		return false;
	*v = strtod(s, &end);
	return end && !*end;
}

int xz_shape_point_query(struct xz_req *r, bool required, struct xz_point *p, bool *given)
{
	const char *ls = xz_req_query(r, "lon"), *as = xz_req_query(r, "lat");
	double lon = NAN, lat = NAN;
	bool g = false;
	int rc;
	if ((ls && *ls && !number(ls, &lon)) || (!(ls && *ls) && as && *as))
		rc = bad_point(r, "invalid_query", "lon");
	else if ((as && *as && !number(as, &lat)) || (ls && *ls && !(as && *as)))
		rc = bad_point(r, "invalid_query", "lat");
	else
		rc = point(r, "invalid_query", ls && *ls, as && *as, lon, lat, required, p, &g);
	if (given)
		*given = g;
	return rc;
}

int xz_shape_texts(struct xz_req *r, const struct xz_text_rule *rules, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		const struct xz_text_rule *t = &rules[i];
		size_t len = t->value ? strlen(t->value) : 0;
		if ((t->required && !len) || len > t->max)
			return xz_fail(
			    r, XZ_EMALFORMED, "invalid_field",
			    xz_arena_printf(r->arena, "%s%s（至多%zu字节）", t->field,
					    len > t->max ? "过长" : "不能为空", t->max),
			    xz_arena_printf(r->arena, "%s %s (at most %zu bytes)", t->field,
					    len > t->max ? "is too long" : "is required", t->max),
			    t->field);
	}
	return 0;
}

int xz_shape_enum(struct xz_req *r, const char *field, const char *v, const char *const *allowed,
		  bool required)
{
	const char *const *a;
	if (!v && !required)
		return 0;
	for (a = allowed; v && *a; a++)
		if (!strcmp(*a, v))
			return 0;
	return xz_fail(
	    r, XZ_EMALFORMED, "invalid_field", xz_arena_printf(r->arena, "%s的取值不允许", field),
	    xz_arena_printf(r->arena, "%s has a value that is not allowed", field), field);
}

int xz_shape_range(struct xz_req *r, const char *field, int64_t v, int64_t lo, int64_t hi)
{
	if (v >= lo && v <= hi)
		return 0;
	return xz_fail(r, XZ_EMALFORMED, "invalid_field",
		       xz_arena_printf(r->arena, "%s须为%lld到%lld之间的整数", field, (long long)lo,
				       (long long)hi),
		       xz_arena_printf(r->arena, "%s must be an integer from %lld to %lld", field,
				       (long long)lo, (long long)hi),
		       field);
}

int xz_shape_ids(struct xz_req *r, const char *field, const json_t *arr, size_t max, int64_t *out,
		 size_t *n)
{
	size_t i;
	const json_t *v;
	if (n)
		*n = 0;
	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > max)
		goto bad;
	for (i = 0; i < json_array_size(arr); i++) {
		v = json_array_get(arr, i);
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			goto bad;
		if (out)
			out[i] = json_integer_value(v);
	}
	if (n)
		*n = json_array_size(arr);
	return 0;
bad:
	return xz_fail(r, XZ_EMALFORMED, "invalid_field",
		       xz_arena_printf(r->arena, "%s须为正整数编号数组（至多%zu个）", field, max),
		       xz_arena_printf(r->arena, "%s must be an array of at most %zu positive ids",
				       field, max),
		       field);
}

int xz_shape_strings(struct xz_req *r, const char *field, const json_t *arr, size_t min, size_t max,
		     size_t maxlen)
{
	size_t i;
	const json_t *v;
	if (!arr && !min)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) < min || json_array_size(arr) > max)
		goto bad;
	for (i = 0; i < json_array_size(arr); i++) {
		v = json_array_get(arr, i);
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    json_string_length(v) > maxlen)
			goto bad;
	}
	return 0;
bad:
	return xz_fail(
	    r, XZ_EMALFORMED, "invalid_field",
	    xz_arena_printf(r->arena, "%s须为%zu到%zu项的字符串数组（每项至多%zu字节）", field, min,
			    max, maxlen),
	    xz_arena_printf(r->arena,
			    "%s must be an array of %zu to %zu strings of at most %zu bytes", field,
			    min, max, maxlen),
	    field);
}

int xz_shape_positions(struct xz_req *r, const char *field, const char *code, const json_t *arr,
		       size_t max)
{
	size_t i;
	const json_t *pt;
	if (!arr)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > max)
		goto bad;
	for (i = 0; i < json_array_size(arr); i++) {
		pt = json_array_get(arr, i);
		if (!json_is_array(pt) || !json_is_number(json_array_get(pt, 0)) ||
		    !json_is_number(json_array_get(pt, 1)) ||
		    !xz_point_valid(json_number_value(json_array_get(pt, 0)),
				    json_number_value(json_array_get(pt, 1))))
			goto bad;
	}
	return 0;
bad:
	return xz_fail(r, XZ_EMALFORMED, code,
		       xz_arena_printf(r->arena,
				       "%s须为至多%zu个位置[经度(-180到180),纬度(-90到90)]的数组",
				       field, max),
		       xz_arena_printf(r->arena,
				       "%s must be an array of at most %zu positions [lon, lat] "
				       "(lon -180..180, lat -90..90)",
				       field, max),
		       field);
}

int xz_shape_query_text(struct xz_req *r, const char *name, size_t max, const char **out)
{
	*out = xz_req_query(r, name);
	if (!*out || strlen(*out) <= max)
		return 0;
	return xz_fail(r, XZ_EMALFORMED, "invalid_query",
		       xz_arena_printf(r->arena, "查询参数%s过长（至多%zu字节）", name, max),
		       xz_arena_printf(r->arena,
				       "Query argument %s is too long (at most %zu bytes)", name,
				       max),
		       name);
}
