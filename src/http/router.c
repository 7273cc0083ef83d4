/*
 * router.c — the list of route tables and the matcher. A pattern segment
 * "{name}" captures one path segment; everything else matches literally.
 */
#include <string.h>

#include "core/xz.h"
#include "http/http.h"

static const struct xz_route *const tables[] = {
	xz_routes_sys,
	xz_routes_auth,
	xz_routes_org,
	xz_routes_admin,
	xz_routes_grid,
	xz_routes_lists,
	xz_routes_figures, /* before problems: /problems/export.csv is not /problems/{id} */
	xz_routes_bulletins,
	xz_routes_assessment,
	xz_routes_problems,
	xz_routes_events,
	xz_routes_joint,
	xz_routes_open311,
	xz_routes_meta,
	xz_routes_meetings,
	xz_routes_inspections,
	xz_routes_org_linkage,
};

/* match: does path fit pattern? Captures go to params (pointers into a copy
 * owned by the request arena). */
static bool match(struct xz_req *r, const char *pattern, const char *path, const char **params)
{
	int n = 0;
	while (*pattern && *path) {
		if (*pattern == '{') {
			const char *end = strchr(path, '/');
			size_t len = end ? (size_t)(end - path) : strlen(path);
			if (len == 0 || n >= XZ_MAX_PATH_PARAMS)
				return false;
			{
				char *cap = xz_arena_alloc(r->arena, len + 1);
				memcpy(cap, path, len);
				params[n++] = cap;
			}
			pattern = strchr(pattern, '}');
			if (!pattern)
				return false;
			pattern++;
			path += len;
			continue;
		}
		if (*pattern != *path)
			return false;
		pattern++;
		path++;
	}
	return *pattern == 0 && *path == 0;
}

/* xz_route_find: the route for r's method and path; *path_known is set
 * when the path exists under another method. */
const struct xz_route *xz_route_find(struct xz_req *r, bool *path_known)
{
	const char *params[XZ_MAX_PATH_PARAMS];
	size_t t;
	const struct xz_route *rt;
	*path_known = false;
	for (t = 0; t < XZ_ARRAY_LEN(tables); t++) {
		for (rt = tables[t]; rt->method; rt++) {
			memset(params, 0, sizeof(params));
			if (!match(r, rt->pattern, r->path, params))
				continue;
			if (strcmp(rt->method, r->method)) {
				*path_known = true;
				continue;
			}
			memcpy(r->params, params, sizeof(params));
			return rt;
		}
	}
	return NULL;
}

/* xz_routes_each: call fn for every route (documentation and tests). */
void xz_routes_each(void (*fn)(const struct xz_route *rt, void *arg), void *arg)
{
	size_t t;
	const struct xz_route *rt;
	for (t = 0; t < XZ_ARRAY_LEN(tables); t++)
		for (rt = tables[t]; rt->method; rt++)
			fn(rt, arg);
}
