/*
 * routes_org.c — the HTTP face of organisation and people (R1): the regions
 * tree, county departments (条), dispatched units stationed in townships
 * (块), people with their enforcement qualifications, the township
 * leadership group and each unit's named contact. Plain records go through
 * the generic record routes (resource.c) with the kinds of domain/org.c and
 * domain/people.c, where their rules live; the rest is shape → one domain
 * call → present.
 */
#include "core/xz.h"
#include "core/xtime.h"
#include "domain/org.h"
#include "http/resource.h"
#include "http/shape.h"

static int regions_list(struct xz_req *r) { return xz_res_list(r, &xz_kind_regions); }
static int regions_get(struct xz_req *r) { return xz_res_get(r, &xz_kind_regions); }
static int regions_create(struct xz_req *r) { return xz_res_create(r, &xz_kind_regions); }
static int regions_update(struct xz_req *r) { return xz_res_update(r, &xz_kind_regions); }
static int regions_delete(struct xz_req *r) { return xz_res_delete(r, &xz_kind_regions); }

static int departments_list(struct xz_req *r) { return xz_res_list(r, &xz_kind_departments); }
static int departments_get(struct xz_req *r) { return xz_res_get(r, &xz_kind_departments); }
static int departments_create(struct xz_req *r) { return xz_res_create(r, &xz_kind_departments); }
static int departments_update(struct xz_req *r) { return xz_res_update(r, &xz_kind_departments); }
static int departments_delete(struct xz_req *r) { return xz_res_delete(r, &xz_kind_departments); }

static int units_list(struct xz_req *r) { return xz_res_list(r, &xz_kind_units); }
static int units_get(struct xz_req *r) { return xz_res_get(r, &xz_kind_units); }
static int units_create(struct xz_req *r) { return xz_res_create(r, &xz_kind_units); }
static int units_update(struct xz_req *r) { return xz_res_update(r, &xz_kind_units); }
static int units_delete(struct xz_req *r) { return xz_res_delete(r, &xz_kind_units); }

static int people_list(struct xz_req *r) { return xz_res_list(r, &xz_kind_people); }
static int people_get(struct xz_req *r) { return xz_res_get(r, &xz_kind_people); }
static int people_create(struct xz_req *r) { return xz_res_create(r, &xz_kind_people); }
static int people_update(struct xz_req *r) { return xz_res_update(r, &xz_kind_people); }
static int people_delete(struct xz_req *r) { return xz_res_delete(r, &xz_kind_people); }

/* read_qualification: the declared body of a qualification (add, update). */
static int read_qualification(struct xz_req *r, struct xz_qualification_in *in)
{
	int rc;
	if ((rc = xz_req_unpack(r, "{s:s,s:s,s:o,s:s,s:s}", "cert_no", &in->cert_no, "issuer",
				&in->issuer, "domains", &in->domains, "valid_from", &in->valid_from,
				"valid_to", &in->valid_to)) < 0 ||
	    (rc = XZ_SHAPE_TEXTS(r, {"cert_no", in->cert_no, XZ_MAX_CODE, true},
				 {"issuer", in->issuer, XZ_MAX_NAME, true})) < 0 ||
	    (rc = xz_shape_strings(r, "domains", in->domains, 1, XZ_MAX_QUAL_DOMAINS,
				   XZ_MAX_NAME)) < 0)
		return rc;
	return 0;
}

static int qualification_add(struct xz_req *r)
{
	struct xz_qualification_in in = {0};
	json_t *row = NULL;
	int64_t pid;
	int rc;
	if ((rc = xz_req_id(r, 0, &pid)) < 0 || (rc = read_qualification(r, &in)) < 0 ||
	    (rc = xz_qualification_add(xz_req_ctx(r), pid, &in, &row)) < 0)
		return rc;
	return xz_reply(r, 201, xz_present(row));
}

static int qualification_update(struct xz_req *r)
{
	struct xz_qualification_in in = {0};
	json_t *row = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = read_qualification(r, &in)) < 0 ||
	    (rc = xz_qualification_update(xz_req_ctx(r), id, &in, &row)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(row));
}

static int qualification_delete(struct xz_req *r)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_qualification_remove(xz_req_ctx(r), id)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

/* qualification_check: is the person qualified on date D for domain X?
 * GET /api/v1/people/{id}/qualification?date=2026-11-24&domain=村镇建设 */
static int qualification_check(struct xz_req *r)
{
	const char *date = xz_req_query(r, "date"), *domain = NULL;
	json_t *out = NULL;
	int64_t pid, day;
	char today[XZ_DATE_LEN];
	int rc;
	if ((rc = xz_req_id(r, 0, &pid)) < 0 ||
	    (rc = xz_shape_query_text(r, "domain", XZ_MAX_NAME, &domain)) < 0)
		return rc;
	if (!date)
		date = xz_date_format(xz_day_of(xz_now()), today);
	if (xz_date_parse(date, &day) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "date须为YYYY-MM-DD",
			       "date must be YYYY-MM-DD", "date");
	if ((rc = xz_qualification_check(xz_req_ctx(r), pid, date, domain, &out)) < 0)
		return rc;
	return xz_reply(r, 200, out);
}

static int leadership_list(struct xz_req *r)
{
	int64_t tid;
	json_t *rows = NULL, *contacts = NULL;
	int rc;
	if ((rc = xz_req_query_id(r, "township_id", &tid)) < 0 ||
	    (rc = xz_leadership_list(xz_req_ctx(r), tid, &rows, &contacts)) < 0)
		return rc;
	return xz_reply(r, 200, contacts ? json_pack("{s:o,s:o,s:n}", "items", rows, "contacts",
						     contacts, "next")
					 : json_pack("{s:o,s:n}", "items", rows, "next"));
}

static int leadership_add(struct xz_req *r)
{
	json_int_t tid, pid;
	const char *position;
	json_t *row = NULL;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:I,s:I,s:s}", "township_id", &tid, "person_id", &pid,
				"position", &position)) < 0 ||
	    (rc = xz_leadership_add(xz_req_ctx(r), tid, pid, position, &row)) < 0)
		return rc;
	return xz_reply(r, 201, row);
}

/* leadership_update: {"position"} — a member's position in the group. */
static int leadership_update(struct xz_req *r)
{
	const char *position;
	json_t *row = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s}", "position", &position)) < 0 ||
	    (rc = xz_leadership_set_position(xz_req_ctx(r), id, position, &row)) < 0)
		return rc;
	return xz_reply(r, 200, row);
}

static int leadership_delete(struct xz_req *r)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_leadership_remove(xz_req_ctx(r), id)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

const struct xz_route xz_routes_org[] = {
	{"GET", "/api/v1/regions", regions_list, "region.read", 0},
	{"POST", "/api/v1/regions", regions_create, "org.write", 0},
	{"GET", "/api/v1/regions/{id}", regions_get, "region.read", 0},
	{"PUT", "/api/v1/regions/{id}", regions_update, "org.write", 0},
	{"DELETE", "/api/v1/regions/{id}", regions_delete, "org.write", 0},
	{"GET", "/api/v1/departments", departments_list, "dept.read", 0},
	{"POST", "/api/v1/departments", departments_create, "org.write", 0},
	{"GET", "/api/v1/departments/{id}", departments_get, "dept.read", 0},
	{"PUT", "/api/v1/departments/{id}", departments_update, "org.write", 0},
	{"DELETE", "/api/v1/departments/{id}", departments_delete, "org.write", 0},
	{"GET", "/api/v1/units", units_list, "unit.read", 0},
	{"POST", "/api/v1/units", units_create, "org.write", 0},
	{"GET", "/api/v1/units/{id}", units_get, "unit.read", 0},
	{"PUT", "/api/v1/units/{id}", units_update, "org.write", 0},
	{"DELETE", "/api/v1/units/{id}", units_delete, "org.write", 0},
	{"GET", "/api/v1/people", people_list, "people.read", 0},
	{"POST", "/api/v1/people", people_create, "people.write", 0},
	{"GET", "/api/v1/people/{id}", people_get, "people.read", 0},
	{"PUT", "/api/v1/people/{id}", people_update, "people.write", 0},
	{"DELETE", "/api/v1/people/{id}", people_delete, "people.write", 0},
	{"POST", "/api/v1/people/{id}/qualifications", qualification_add, "people.write", 0},
	{"GET", "/api/v1/people/{id}/qualification", qualification_check, "people.read", 0},
	{"PUT", "/api/v1/qualifications/{id}", qualification_update, "people.write", 0},
	{"DELETE", "/api/v1/qualifications/{id}", qualification_delete, "people.write", 0},
	{"GET", "/api/v1/leadership", leadership_list, "leadership.read", 0},
	{"POST", "/api/v1/leadership", leadership_add, "leadership.write", 0},
	{"PUT", "/api/v1/leadership/{id}", leadership_update, "leadership.write", 0},
	{"DELETE", "/api/v1/leadership/{id}", leadership_delete, "leadership.write", 0},
	{NULL, NULL, NULL, NULL, 0},
};
