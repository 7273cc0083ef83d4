/*
 * fuzz_json_body.c — request bodies through the declared shapes: the bytes
 * are a body; xz_req_json parses it and xz_req_unpack checks it against the
 * shapes routes declare (flat, optional, nested, arrays). Whatever the bytes,
 * the answer is 0 or an error described in our own words (never a parser's
 * text), with no crash, leak or undefined behaviour.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "http/http.h"

/* check_message: every English message is one of ours (a client's key may
 * follow our words; the parser's own text never stands there). */
static void check_message(const struct xz_req *r)
{
	static const char *const ours[] = {
	    "Missing field ",
	    "Unknown field ",
	    "Field ",
	    "The request body does not",
	    "JSON strings must not",
	    "The body is not valid UTF-8",
	    "A JSON object has a",
	    "The JSON ends too early",
	    "A number in the JSON",
	    "The JSON is nested",
	    "Malformed JSON at line",
	    "Request body is empty",
	    "Request body must be",
	    "items must be an array",
	};
	size_t i;
	if (!r->err_msg_en)
		return;
	for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (!strncmp(r->err_msg_en, ours[i], strlen(ours[i])))
			return;
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xz_req r;
	const char *s1 = NULL, *s2 = NULL, *s3 = NULL;
	json_int_t i1 = 0, i2 = 0;
	int b = -1;
	double f = 0;
	json_t *o = NULL, *arr = NULL;

	if (size > XZ_MAX_BODY)
		return 0;
	for (int shape = 0; shape < 5; shape++) {
		memset(&r, 0, sizeof(r));
		r.arena = xz_arena_new();
		r.body = xz_malloc(size + 1);
		memcpy(r.body, data, size);
		r.body[size] = 0;
		r.body_len = size;
		switch (shape) {
		case 0:
			xz_req_unpack(&r, "{s:s,s:s}", "username", &s1, "password", &s2);
			break;
		case 1:
			xz_req_unpack(&r, "{s:s,s?s,s:s,s?I,s?I,s?I,s?I}", "username", &s1,
				      "display_name", &s2, "password", &s3, "region_id", &i1,
				      "unit_id", &i2, "department_id", &i1, "person_id", &i2);
			break;
		case 2:
			xz_req_unpack(&r, "{s?s,s?b,s?I,s?F}", "display_name", &s1, "disabled", &b,
				      "version", &i1, "lon", &f);
			break;
		case 3:
			xz_req_unpack(&r, "{s:s,s:{s:s,s?i},s?o}", "kind", &s1, "plan", "title",
				      &s2, "days", &b, "extra", &o);
			break;
		default:
			xz_req_array(&r, "items", 100, &arr);
			break;
		}
		check_message(&r);
		json_decref(r.in);
		xz_free(r.body);
		xz_arena_free(r.arena);
	}
	return 0;
}
