/*
 * people.c — people of the organisation (R1): a person of a unit takes
 * the unit's township, county and department; one without a unit (grid
 * member, office staff) sits in a township or a county. Enforcement
 * qualifications (certificate, issuer, domains, period) with the check
 * "is this person qualified on this day for this domain"; an auxiliary
 * (协管员) never is. See org.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/org.h"
#include "domain/scope.h"

/* domains_parsed: a qualification row with its domains as a JSON array. */
static json_t *domains_parsed(json_t *row)
{
	json_t *d = json_loads(xz_row_str(row, "domains") ?: "[]", 0, NULL);
	json_object_set_new(row, "domains", d ? d : json_array());
	return row;
}

/* ---- people ---- */

static const struct xz_field person_fields[] = {
    {"name", XZ_F_TEXT, true, 0, NULL, "姓名"},
    {"unit_id", XZ_F_ID, false, 0, NULL, "所在机构"},
    {"township_id", XZ_F_ID, false, 0, NULL, "所在乡镇（街道）"},
    {"county_id", XZ_F_ID, false, 0, NULL, "所在县（市、区）"},
    {"phone", XZ_F_TEXT, false, 32, NULL, "电话"},
    {"title", XZ_F_TEXT, false, 0, NULL, "职务"},
    {"is_auxiliary", XZ_F_FLAG, false, 0, NULL, "协管员"},
    {"active", XZ_F_FLAG, false, 0, NULL, "在岗"},
    {"frontline", XZ_F_FLAG, false, 0, NULL, "一线执法力量"},
    {NULL, 0, false, 0, NULL, NULL},
};
static const char *const person_derived[] = {"department_id", NULL};

/* person_derive: a person of a unit takes the unit's township, county and
 * department; a person with no unit (grid member, office staff) sits in a
 * township or, failing that, a county. */
static int person_derive(struct xz_ctx *c, json_t *row)
{
	json_t *u = NULL, *t = NULL;
	int rc = 0;
	if (xz_row_int(row, "unit_id")) {
		if ((rc = xz_record_ref(c, "units", "id, township_id, county_id, department_id",
					xz_row_int(row, "unit_id"), "unit_id", &u)) < 0)
			goto out;
		json_object_set_new(row, "township_id", json_integer(xz_row_int(u, "township_id")));
		json_object_set_new(row, "county_id", json_integer(xz_row_int(u, "county_id")));
		json_object_set_new(row, "department_id",
				    json_integer(xz_row_int(u, "department_id")));
	} else if (xz_row_int(row, "township_id")) {
		if ((rc = xz_record_ref(c, "regions", "id, level, county_id",
					xz_row_int(row, "township_id"), "township_id", &t)) < 0)
			goto out;
		if (strcmp(xz_row_str(t, "level"), "township")) {
			rc = xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "须为乡镇（街道）",
					 "township_id must be a township", "township_id");
			goto out;
		}
		json_object_set_new(row, "county_id", json_integer(xz_row_int(t, "county_id")));
		json_object_set_new(row, "department_id", json_null());
	} else if (xz_row_int(row, "county_id")) {
		json_object_set_new(row, "department_id", json_null());
		json_object_set_new(row, "township_id", json_null());
	} else if (c->user && c->user->township_id) {
		json_object_set_new(row, "township_id", json_integer(c->user->township_id));
		json_object_set_new(row, "county_id", json_integer(c->user->county_id));
	} else {
		rc = xz_ctx_fail(c, XZ_EMALFORMED, "invalid_field", "须指定所在机构或乡镇",
				 "unit_id or township_id is required", "unit_id");
		goto out;
	}
	if (!json_object_get(row, "is_auxiliary") ||
	    json_is_null(json_object_get(row, "is_auxiliary")))
		json_object_set_new(row, "is_auxiliary", json_integer(0));
	if (!json_object_get(row, "active") || json_is_null(json_object_get(row, "active")))
		json_object_set_new(row, "active", json_integer(1));
	if (!json_object_get(row, "frontline") || json_is_null(json_object_get(row, "frontline")))
		json_object_set_new(row, "frontline", json_integer(0));
out:
	json_decref(u);
	json_decref(t);
	return rc;
}

static void person_place(const json_t *row, struct xz_place *p)
{
	p->county_id = xz_row_int(row, "county_id");
	p->township_id = xz_row_int(row, "township_id");
	p->department_id = xz_row_int(row, "department_id");
	p->unit_id = xz_row_int(row, "unit_id");
}

/* person_decorate: embed each person's qualifications, with one query for
 * the whole page (rows come sorted by id, so a range covers them). */
static int person_decorate(struct xz_ctx *c, json_t *rows)
{
	size_t i, n = json_array_size(rows);
	json_t *row, *q = NULL, *by_id = json_object();
	int64_t lo = INT64_MAX, hi = 0;
	char key[24];
	int rc = 0;
	json_array_foreach(rows, i, row)
	{
		int64_t id = xz_row_int(row, "id");
		lo = id < lo ? id : lo;
		hi = id > hi ? id : hi;
		snprintf(key, sizeof(key), "%lld", (long long)id);
		json_object_set_new(by_id, key, json_array());
	}
	if (n) {
		rc = xz_db_query(
		    c->db,
		    "SELECT id, person_id, cert_no, issuer, domains, valid_from, valid_to FROM "
		    "qualifications WHERE person_id BETWEEN $1 AND $2 ORDER BY person_id, "
		    "valid_to DESC",
		    XZ_ARGS(XZ_INT(lo), XZ_INT(hi)), &q);
		if (rc < 0) {
			rc = xz_ctx_fail_db(c, rc);
			goto out;
		}
		json_array_foreach(q, i, row)
		{
			json_t *list;
			snprintf(key, sizeof(key), "%lld", (long long)xz_row_int(row, "person_id"));
			list = json_object_get(by_id, key);
			json_object_del(row, "person_id");
			if (list)
				json_array_append(list, domains_parsed(row));
		}
	}
	json_array_foreach(rows, i, row)
	{
		snprintf(key, sizeof(key), "%lld", (long long)xz_row_int(row, "id"));
		json_object_set(row, "qualifications", json_object_get(by_id, key));
	}
out:
	json_decref(q);
	json_decref(by_id);
	return rc;
}

static const char *const person_filters[] = {"unit_id",	    "unit_id", "township_id",
					     "township_id", NULL,      NULL};

const struct xz_resource xz_kind_people = {
    .name = "people",
    .table = "people",
    .label = "人员",
    .read_perm = "people.read",
    .write_perm = "people.write",
    .columns = "id, name, unit_id, department_id, township_id, county_id, phone, title, "
	       "is_auxiliary, active, frontline, version, created_at, updated_at",
    .county_col = "county_id",
    .township_col = "township_id",
    .department_col = "department_id",
    .unit_col = "unit_id",
    .fields = person_fields,
    .derived = person_derived,
    .derive = person_derive,
    .place = person_place,
    .decorate = person_decorate,
    .filters = person_filters,
};

/* person_for: the person with this id if the caller may `perm` them. */
static int person_for(struct xz_ctx *c, const char *perm, int64_t id, json_t **row)
{
	struct xz_place pl = {0};
	int rc = xz_record_load(c, &xz_kind_people, id, row);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	person_place(*row, &pl);
	if (xz_scope_may(c, perm, &pl))
		return 0;
	json_decref(*row);
	*row = NULL;
	return xz_scope_deny(c, perm);
}

struct qual_args {
	int64_t id;
	const struct xz_qualification_in *in;
	json_t *row;
};

/* qual_check: the rules of a qualification's content, shared by add and
 * update (lengths are the caller's input shape). */
static int qual_check(struct xz_ctx *c, const struct xz_qualification_in *in)
{
	int64_t d1, d2;
	size_t i;
	if (!json_is_array(in->domains) || json_array_size(in->domains) == 0 ||
	    json_array_size(in->domains) > XZ_MAX_QUAL_DOMAINS)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_field", "执法领域须为非空数组",
				   "domains must be a non-empty array", "domains");
	for (i = 0; i < json_array_size(in->domains); i++)
		if (!json_is_string(json_array_get(in->domains, i)))
			return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_field", "执法领域须为字符串",
					   "domains must be strings", "domains");
	if (xz_date_parse(in->valid_from, &d1) < 0)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_field", "有效期须为YYYY-MM-DD格式",
				   "valid_from must be YYYY-MM-DD", "valid_from");
	if (xz_date_parse(in->valid_to, &d2) < 0)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_field", "有效期须为YYYY-MM-DD格式",
				   "valid_to must be YYYY-MM-DD", "valid_to");
	if (d2 < d1)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_period", "有效期结束早于开始",
				   "valid_to is before valid_from", "valid_to");
	return 0;
}

static int qual_add_tx(struct xz_ctx *c, void *arg)
{
	struct qual_args *a = arg;
	const struct xz_qualification_in *in = a->in;
	json_t *person = NULL;
	char *dom = NULL;
	int rc;
	if ((rc = qual_check(c, in)) < 0 ||
	    (rc = person_for(c, "people.write", a->id, &person)) < 0)
		return rc;
	dom = json_dumps(in->domains, JSON_COMPACT);
	rc = xz_db_one(
	    c->db,
	    "INSERT INTO qualifications (person_id, cert_no, issuer, domains, valid_from, "
	    "valid_to, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id, person_id, "
	    "cert_no, issuer, domains, valid_from, valid_to",
	    XZ_ARGS(XZ_INT(a->id), XZ_TEXT(in->cert_no), XZ_TEXT(in->issuer), XZ_TEXT(dom),
		    XZ_TEXT(in->valid_from), XZ_TEXT(in->valid_to), XZ_INT(c->now)),
	    &a->row);
	free(dom);
	json_decref(person);
	if (rc == XZ_ECONFLICT)
		return xz_ctx_fail(c, rc, "duplicate", "证件号已登记",
				   "This certificate number is already registered", "cert_no");
	if (rc < 0)
		return rc;
	return xz_ctx_audit(c, "qualification.create", "person", a->id, NULL, a->row);
}

/* qual_update_tx: a->id is the qualification; its person must be one the
 * caller may write. */
static int qual_update_tx(struct xz_ctx *c, void *arg)
{
	struct qual_args *a = arg;
	const struct xz_qualification_in *in = a->in;
	json_t *old = NULL, *person = NULL;
	char *dom = NULL;
	int rc;
	if ((rc = qual_check(c, in)) < 0)
		return rc;
	if ((rc = xz_db_one(c->db,
			    "SELECT id, person_id, cert_no, issuer, domains, valid_from, valid_to "
			    "FROM qualifications WHERE id = $1",
			    XZ_ARGS(XZ_INT(a->id)), &old)) < 0 ||
	    (rc = person_for(c, "people.write", xz_row_int(old, "person_id"), &person)) < 0)
		goto out;
	dom = json_dumps(in->domains, JSON_COMPACT);
	rc = xz_db_one(c->db,
		       "UPDATE qualifications SET cert_no = $2, issuer = $3, domains = $4, "
		       "valid_from = $5, valid_to = $6 WHERE id = $1 RETURNING id, person_id, "
		       "cert_no, issuer, domains, valid_from, valid_to",
		       XZ_ARGS(XZ_INT(a->id), XZ_TEXT(in->cert_no), XZ_TEXT(in->issuer),
			       XZ_TEXT(dom), XZ_TEXT(in->valid_from), XZ_TEXT(in->valid_to)),
		       &a->row);
	if (rc == XZ_ECONFLICT)
		rc = xz_ctx_fail(c, rc, "duplicate", "证件号已登记",
				 "This certificate number is already registered", "cert_no");
	if (rc == 0)
		rc = xz_ctx_audit(c, "qualification.update", "person", xz_row_int(old, "person_id"),
				  old, a->row);
out:
	free(dom);
	json_decref(person);
	json_decref(old);
	return rc;
}

int xz_qualification_update(struct xz_ctx *c, int64_t id, const struct xz_qualification_in *in,
			    json_t **row)
{
	struct qual_args a = {.id = id, .in = in};
	int rc = xz_ctx_tx(c, qual_update_tx, &a);
	if (rc < 0) {
		json_decref(a.row);
		a.row = NULL;
	}
	*row = a.row ? domains_parsed(a.row) : NULL;
	return rc;
}

int xz_qualification_add(struct xz_ctx *c, int64_t person_id, const struct xz_qualification_in *in,
			 json_t **row)
{
	struct qual_args a = {.id = person_id, .in = in};
	int rc = xz_ctx_tx(c, qual_add_tx, &a);
	if (rc < 0) {
		json_decref(a.row);
		a.row = NULL;
	}
	*row = a.row ? domains_parsed(a.row) : NULL;
	return rc;
}

static int qual_remove_tx(struct xz_ctx *c, void *arg)
{
	struct qual_args *a = arg;
	json_t *person = NULL;
	int rc;
	if ((rc = xz_db_one(
		 c->db,
		 "SELECT id, person_id, cert_no, issuer, domains, valid_from, valid_to FROM "
		 "qualifications WHERE id = $1",
		 XZ_ARGS(XZ_INT(a->id)), &a->row)) < 0 ||
	    (rc = person_for(c, "people.write", xz_row_int(a->row, "person_id"), &person)) < 0)
		return rc;
	json_decref(person);
	if ((rc = xz_db_exec(c->db, "DELETE FROM qualifications WHERE id = $1",
			     XZ_ARGS(XZ_INT(a->id)), NULL)) < 0)
		return rc;
	return xz_ctx_audit(c, "qualification.delete", "person", xz_row_int(a->row, "person_id"),
			    a->row, NULL);
}

int xz_qualification_remove(struct xz_ctx *c, int64_t id)
{
	struct qual_args a = {.id = id};
	int rc = xz_ctx_tx(c, qual_remove_tx, &a);
	json_decref(a.row);
	return rc;
}

int xz_qualification_check(struct xz_ctx *c, int64_t pid, const char *date, const char *domain,
			   json_t **out)
{
	json_t *person = NULL, *q = NULL, *match = json_null(), *row;
	const char *reason = "no_qualification";
	size_t i;
	int rc;
	*out = NULL;
	if ((rc = person_for(c, "people.read", pid, &person)) < 0) {
		json_decref(match);
		return rc == XZ_EFORBIDDEN ? xz_ctx_fail_db(c, XZ_ENOTFOUND) : rc;
	}
	if ((rc = xz_db_query(c->db,
			      "SELECT id, cert_no, issuer, domains, valid_from, valid_to FROM "
			      "qualifications WHERE person_id = $1 ORDER BY valid_to DESC",
			      XZ_ARGS(XZ_INT(pid)), &q)) < 0) {
		json_decref(person);
		return xz_ctx_fail_db(c, rc);
	}
	if (xz_row_int(person, "is_auxiliary"))
		reason = "auxiliary";
	else
		json_array_foreach(q, i, row)
		{
			bool in_period = strcmp(xz_row_str(row, "valid_from"), date) <= 0 &&
					 strcmp(xz_row_str(row, "valid_to"), date) >= 0;
			bool in_domain = !domain;
			json_t *doms = json_loads(xz_row_str(row, "domains"), 0, NULL);
			size_t k;
			for (k = 0; domain && k < json_array_size(doms); k++)
				if (!strcmp(json_string_value(json_array_get(doms, k)), domain))
					in_domain = true;
			json_decref(doms);
			if (in_period && in_domain) {
				match = domains_parsed(json_incref(row));
				reason = "valid";
				break;
			}
			if (!in_period && in_domain)
				reason = "expired_or_not_yet_valid";
			else if (in_period && !in_domain &&
				 strcmp(reason, "expired_or_not_yet_valid"))
				reason = "domain_not_covered";
		}
	*out = json_pack("{s:I,s:s,s:s?,s:b,s:s,s:o}", "person_id", (json_int_t)pid, "date", date,
			 "domain", domain, "valid", json_is_object(match), "reason", reason,
			 "qualification", match);
	json_decref(person);
	json_decref(q);
	return 0;
}
