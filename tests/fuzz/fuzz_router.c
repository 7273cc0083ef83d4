/*
 * fuzz_router.c — the router's path matching and id parsing: any path and
 * method find a route or none, captures stay within XZ_MAX_PATH_PARAMS, and
 * an id capture is digits only or a 404.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"};
	struct xz_req r;
	const struct xz_route *rt;
	bool known;
	char *path;
	int64_t id;
	if (size < 1 || size > XZ_MAX_URL)
		return 0;
	memset(&r, 0, sizeof(r));
	r.arena = xz_arena_new();
	path = xz_arena_alloc(r.arena, size);
	memcpy(path, data + 1, size - 1);
	path[size - 1] = 0;
	r.path = path;
	r.method = methods[data[0] % 6];
	rt = xz_route_find(&r, &known);
	if (rt)
		for (int i = 0; i < XZ_MAX_PATH_PARAMS && r.params[i]; i++)
			if (xz_req_id(&r, i, &id) == 0 &&
			    (id <= 0 || r.params[i][0] == '0' || r.params[i][0] == '+'))
				abort();
	xz_arena_free(r.arena);
	return 0;
}
