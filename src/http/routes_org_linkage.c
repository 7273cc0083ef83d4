/*
 * routes_org_linkage.c — unit resources, the frontline share and the
 * county departments' leading groups over HTTP (R1.6, R9.4): declared
 * input shape → one call into domain/org_linkage.c → present.
 */
#include "core/xz.h"
#include "domain/org_linkage.h"
#include "http/http.h"

static int resources_list(struct xz_req *r)
{
	int64_t id;
	json_t *rows = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_unit_resources(xz_req_ctx(r), id, &rows)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

struct resource_args {
	int64_t unit, id;
	struct xz_unit_resource_in in;
};

static int tx_resource(struct xz_ctx *c, void *arg)
{
	struct resource_args *a = arg;
	return xz_unit_resource_add(c, a->unit, &a->in, &a->id);
}

static int resources_add(struct xz_req *r)
{
	struct resource_args a = {0};
	json_t *amount = NULL;
	json_int_t year = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &a.unit)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s:s,s?o,s:s,s:I}", "kind", &a.in.kind, "description",
				&a.in.description, "amount", &amount, "provided_by",
				&a.in.provided_by, "year", &year)) < 0)
		return rc;
	if (amount && !json_is_null(amount)) {
		if (!json_is_number(amount))
			return xz_fail(r, XZ_EMALFORMED, "invalid_body", "amount须为数字",
				       "amount must be a number", "amount");
		a.in.has_amount = true;
		a.in.amount = json_number_value(amount);
	}
	a.in.year = year;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_resource, &a)) < 0)
		return rc;
	return xz_reply(r, 201, json_pack("{s:I}", "id", (json_int_t)a.id));
}

struct remove_args {
	int64_t owner, id;
};

static int tx_resource_remove(struct xz_ctx *c, void *arg)
{
	struct remove_args *a = arg;
	return xz_unit_resource_remove(c, a->owner, a->id);
}

/* resources_remove: DELETE /units/{id}/resources/{rid}; no body. */
static int resources_remove(struct xz_req *r)
{
	struct remove_args a = {0};
	int rc;
	if ((rc = xz_req_id(r, 0, &a.owner)) < 0 || (rc = xz_req_id(r, 1, &a.id)) < 0 ||
	    (rc = xz_ctx_tx(xz_req_ctx(r), tx_resource_remove, &a)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

static int frontline(struct xz_req *r)
{
	int64_t town = 0;
	json_t *out = NULL;
	int rc;
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0 ||
	    (rc = xz_frontline(xz_req_ctx(r), town, &out)) < 0)
		return rc;
	return xz_reply(r, 200, out);
}

static int dept_leadership_list(struct xz_req *r)
{
	int64_t id;
	json_t *rows = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_dept_leadership(xz_req_ctx(r), id, &rows)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

struct leader_args {
	int64_t dept, person, id;
	const char *position;
};

static int tx_leader(struct xz_ctx *c, void *arg)
{
	struct leader_args *a = arg;
	return xz_dept_leadership_add(c, a->dept, a->person, a->position, &a->id);
}

static int dept_leadership_add(struct xz_req *r)
{
	struct leader_args a = {0};
	json_int_t person = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &a.dept)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:I,s:s}", "person_id", &person, "position", &a.position)) < 0)
		return rc;
	a.person = person;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_leader, &a)) < 0)
		return rc;
	return xz_reply(r, 201, json_pack("{s:I}", "id", (json_int_t)a.id));
}

static int tx_leader_remove(struct xz_ctx *c, void *arg)
{
	struct remove_args *a = arg;
	return xz_dept_leadership_remove(c, a->owner, a->id);
}

/* dept_leadership_remove: DELETE /departments/{id}/leadership/{lid}; no body. */
static int dept_leadership_remove(struct xz_req *r)
{
	struct remove_args a = {0};
	int rc;
	if ((rc = xz_req_id(r, 0, &a.owner)) < 0 || (rc = xz_req_id(r, 1, &a.id)) < 0 ||
	    (rc = xz_ctx_tx(xz_req_ctx(r), tx_leader_remove, &a)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

const struct xz_route xz_routes_org_linkage[] = {
    {"GET", "/api/v1/units/{id}/resources", resources_list, "unit.read", 0},
    {"POST", "/api/v1/units/{id}/resources", resources_add, "unit.resource.write", 0},
    {"DELETE", "/api/v1/units/{id}/resources/{rid}", resources_remove, "unit.resource.write", 0},
    {"GET", "/api/v1/org/frontline", frontline, "unit.read", 0},
    {"GET", "/api/v1/departments/{id}/leadership", dept_leadership_list, "leadership.read", 0},
    {"POST", "/api/v1/departments/{id}/leadership", dept_leadership_add, "dept.leadership.write",
     0},
    {"DELETE", "/api/v1/departments/{id}/leadership/{lid}", dept_leadership_remove,
     "dept.leadership.write", 0},
    {NULL, NULL, NULL, NULL, 0},
};
