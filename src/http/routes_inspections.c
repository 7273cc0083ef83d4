/*
 * routes_inspections.c — a county department's inspections of a township
 * platform over HTTP (R9.3): each handler reads its declared input shape,
 * makes one call into domain/inspection.c and presents the answer.
 */
#include <string.h>

#include "core/xz.h"
#include "domain/inspection.h"
#include "http/http.h"

/* present_deep: instants as ISO 8601 in the inspection, its findings and
 * their history. */
static json_t *present_deep(json_t *o)
{
	json_t *f, *h;
	size_t i, j;
	xz_present(o);
	json_array_foreach(json_object_get(o, "findings"), i, f)
	{
		xz_present(f);
		json_array_foreach(json_object_get(f, "history"), j, h) xz_present(h);
	}
	return o;
}

static int answer(struct xz_req *r, int64_t id, unsigned status)
{
	json_t *o = NULL;
	int rc = xz_inspection_get(xz_req_ctx(r), id, &o);
	return rc < 0 ? rc : xz_reply(r, status, present_deep(o));
}

static int inspections_list(struct xz_req *r)
{
	int64_t town = 0, after = 0, limit = 0;
	struct xz_page pg;
	int rc;
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0 ||
	    (rc = xz_req_page(r, &after, &limit)) < 0)
		return rc;
	xz_page_begin(r, &pg, limit);
	return xz_page_reply(&pg, xz_inspection_list(xz_req_ctx(r), town, after, limit,
						     xz_page_row, &pg));
}

struct create_args {
	struct xz_inspection_in in;
	int64_t id;
};

static int tx_create(struct xz_ctx *c, void *arg)
{
	struct create_args *a = arg;
	return xz_inspection_create(c, &a->in, &a->id);
}

static int inspection_create(struct xz_req *r)
{
	struct create_args a = {0};
	json_int_t town = 0;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:I,s:s,s:s,s:o}", "township_id", &town, "inspected_on",
				&a.in.inspected_on, "scope", &a.in.scope, "findings",
				&a.in.findings)) < 0)
		return rc;
	a.in.township_id = town;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_create, &a)) < 0)
		return rc;
	return answer(r, a.id, 201);
}

static int inspection_get(struct xz_req *r)
{
	int64_t id;
	int rc = xz_req_id(r, 0, &id);
	return rc < 0 ? rc : answer(r, id, 200);
}

struct act_args {
	int64_t id, inspection;
	const char *action;
	json_t *in;
};

static int tx_act(struct xz_ctx *c, void *arg)
{
	struct act_args *a = arg;
	return xz_inspection_finding_act(c, a->id, a->action, a->in, &a->inspection);
}

static int finding_action(struct xz_req *r)
{
	struct act_args a = {0};
	const char *note = NULL, *reason = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &a.id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s,s?s}", "action", &a.action, "note", &note, "reason",
				&reason)) < 0)
		return rc;
	a.in = r->in;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_act, &a)) < 0)
		return rc;
	return answer(r, a.inspection, 200);
}

const struct xz_route xz_routes_inspections[] = {
    {"GET", "/api/v1/inspections", inspections_list, "inspection.read", 0},
    {"POST", "/api/v1/inspections", inspection_create, "inspection.write", 0},
    {"GET", "/api/v1/inspections/{id}", inspection_get, "inspection.read", 0},
    {"POST", "/api/v1/inspection-findings/{id}/actions", finding_action, "inspection.read", 0},
    {NULL, NULL, NULL, NULL, 0},
};
