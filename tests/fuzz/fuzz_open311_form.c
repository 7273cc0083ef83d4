/*
 * fuzz_open311_form.c — libFuzzer harness for the Open311 form decoder
 * (xz_open311_form_parse, domain/open311.c): any bytes, decoded or refused,
 * never a read past the input, a leak or undefined behaviour; what it
 * accepts is an object of valid UTF-8 strings (or arrays of them for
 * `name[]` keys) with at most XZ_OPEN311_FORM_FIELDS fields.
 *
 * Build (until the fuzz layout wires it):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE \
 *     -Isrc -Ibuild/gen $(pkg-config --cflags jansson) tests/fuzz/fuzz_open311_form.c \
 *     src/domain/open311.c src/core/alloc.c ... (or link build/asan/libxz.a with its PKG_LIBS)
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/xz.h"
#include "domain/open311.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *o = NULL, *v, *x;
	const char *k;
	size_t i;
	int rc = xz_open311_form_parse((const char *)data, size, &o);
	if (rc < 0) {
		assert(rc == XZ_EMALFORMED && o == NULL);
		return 0;
	}
	assert(json_is_object(o) && json_object_size(o) <= XZ_OPEN311_FORM_FIELDS);
	json_object_foreach(o, k, v)
	{
		size_t n = strlen(k);
		assert(n > 0 && n <= XZ_OPEN311_FORM_KEY);
		if (json_is_array(v)) {
			assert(n > 2 && !strcmp(k + n - 2, "[]"));
			json_array_foreach(v, i, x) assert(json_is_string(x));
		} else {
			assert(json_is_string(v));
		}
	}
	json_decref(o);
	return 0;
}
