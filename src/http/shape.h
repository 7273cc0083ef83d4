/*
 * shape.h — the checks a declared input shape makes, each written once:
 * positions (lon −180..180, lat −90..90, finite), texts (required, at most
 * a limit of limits.h), enumerations, integer ranges and id arrays with a
 * maximum. xz_req_unpack (JSON_STRICT) checks the JSON types and the set
 * of keys; these check the values. A failed check answers the one error
 * shape with a stable code — "invalid_field" for a body, "invalid_query"
 * for a query argument — naming the field, before any logic runs.
 *
 * Every function returns 0 or a negative XZ_E* code after xz_fail().
 */
#ifndef XZ_SHAPE_H
#define XZ_SHAPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"

/* A position on the earth (WGS 84 degrees). */
struct xz_point {
	double lon, lat;
};

/* xz_point_valid: both finite and within range. */
bool xz_point_valid(double lon, double lat);

/* xz_shape_point: a position given in a body as two JSON numbers lon, lat
 * (borrowed, NULL when absent). Both or neither; when neither, *given is
 * false and required answers 400. The field named is the one at fault. */
int xz_shape_point(struct xz_req *r, const json_t *lon, const json_t *lat, bool required,
		   struct xz_point *p, bool *given);

/* xz_shape_point_query: the same from query arguments ?lon=&lat=. */
int xz_shape_point_query(struct xz_req *r, bool required, struct xz_point *p, bool *given);

/* A text field: its name, value (may be NULL), the maximum length in bytes
 * and whether it must be present and non-empty. */
struct xz_text_rule {
	const char *field;
	const char *value;
	size_t max;
	bool required;
};

/* xz_shape_texts: check every rule in order; the first failure answers 400
 * invalid_field naming its field. */
int xz_shape_texts(struct xz_req *r, const struct xz_text_rule *rules, size_t n);
#define XZ_SHAPE_TEXTS(r, ...)                                                                     \
	xz_shape_texts((r), (const struct xz_text_rule[]){__VA_ARGS__},                            \
		       sizeof((const struct xz_text_rule[]){__VA_ARGS__}) /                        \
			   sizeof(struct xz_text_rule))

/* xz_shape_enum: v (may be NULL unless required) is one of the
 * NULL-terminated set; 400 invalid_field otherwise. */
int xz_shape_enum(struct xz_req *r, const char *field, const char *v, const char *const *allowed,
		  bool required);

/* xz_shape_range: lo <= v <= hi; 400 invalid_field otherwise. */
int xz_shape_range(struct xz_req *r, const char *field, int64_t v, int64_t lo, int64_t hi);

/* xz_shape_ids: arr (borrowed; NULL allowed) is an array of at most max
 * positive integers; copied into out[max] when out is given, *n their count. */
int xz_shape_ids(struct xz_req *r, const char *field, const json_t *arr, size_t max, int64_t *out,
		 size_t *n);

/* xz_shape_strings: arr (borrowed; NULL allowed unless min > 0) is an array
 * of min..max non-empty strings of at most maxlen bytes each. */
int xz_shape_strings(struct xz_req *r, const char *field, const json_t *arr, size_t min, size_t max,
		     size_t maxlen);

/* xz_shape_positions: arr (borrowed; NULL allowed) is an array of at most
 * max positions [lon, lat, …] each valid as xz_point_valid says; on failure
 * 400 with the given code (e.g. "invalid_track") naming field. */
int xz_shape_positions(struct xz_req *r, const char *field, const char *code, const json_t *arr,
		       size_t max);

/* xz_shape_query_text: an optional query argument of at most max bytes
 * (NULL when absent). */
int xz_shape_query_text(struct xz_req *r, const char *name, size_t max, const char **out);

#endif
