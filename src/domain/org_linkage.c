/*
 * org_linkage.c — the organisation records the seed names beyond the
 * roster (R1.6, R9.4): a unit's funding, equipment and premises, as the
 * township (属地) or the department (派出) provides them, by year; the
 * share of frontline enforcement staff (一线执法力量占比: active people
 * flagged `frontline` over all active people of the unit, and of the
 * township's units together); and a county department's own leading group
 * (county_leadership), beside the township's (leadership, org.c).
 */
#include <math.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "store/db.h"
#include "domain/authz.h"
#include "domain/org_linkage.h"

static int64_t jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static bool blank(const char *s)
{
	return !s || strspn(s, " \t\r\n") == strlen(s);
}

static bool one_of(const char *v, const char *a, const char *b, const char *d)
{
	return v && (!strcmp(v, a) || !strcmp(v, b) || (d && !strcmp(v, d)));
}

/* load_unit: the unit, if the caller may `perm` it (404 otherwise, so a
 * unit out of reach does not show it exists). */
static int load_unit(struct xz_ctx *c, int64_t id, const char *perm, json_t **u)
{
	struct xz_place pl = {0};
	int rc =
	    xz_db_one(c->db,
		      "SELECT id, name, county_id, township_id, department_id FROM units WHERE "
		      "id = $1",
		      XZ_ARGS(XZ_INT(id)), u);
	if (rc == 0) {
		pl.county_id = jint(*u, "county_id");
		pl.township_id = jint(*u, "township_id");
		pl.department_id = jint(*u, "department_id");
		pl.unit_id = id;
		if (c->user && !xz_authz(c->user, "unit.read", &pl)) {
			rc = XZ_ENOTFOUND;
		} else if (c->user && strcmp(perm, "unit.read") && !xz_authz(c->user, perm, &pl)) {
			json_decref(*u);
			*u = NULL;
			return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden",
					   "无权登记该机构的保障情况",
					   "Not allowed to record this unit's resources", NULL);
		}
		if (rc) {
			json_decref(*u);
			*u = NULL;
		}
	}
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "机构不存在", "No such unit", NULL);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz_unit_resources(struct xz_ctx *c, int64_t unit_id, json_t **rows)
{
	json_t *u = NULL;
	int rc;
	*rows = NULL;
	if ((rc = load_unit(c, unit_id, "unit.read", &u)) < 0)
		return rc;
	json_decref(u);
	rc = xz_db_query(c->db,
			 "SELECT id, unit_id, kind, description, amount, provided_by, year, "
			 "created_at FROM unit_resources WHERE unit_id = $1 ORDER BY year DESC, id",
			 XZ_ARGS(XZ_INT(unit_id)), rows);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz_unit_resource_add(struct xz_ctx *c, int64_t unit_id, const struct xz_unit_resource_in *in,
			 int64_t *id)
{
	json_t *u = NULL;
	int rc;
	*id = 0;
	if (!one_of(in->kind, "funding", "equipment", "premises"))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "kind须为funding（经费）、equipment（装备）或premises（场所）",
				   "kind must be funding, equipment or premises", "kind");
	if (!one_of(in->provided_by, "township", "department", NULL))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "provided_by须为township（乡镇保障）或department（部门保障）",
				   "provided_by must be township or department", "provided_by");
	if (blank(in->description) || strlen(in->description) > XZ_MAX_TEXT)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "须填写说明",
				   "description is required", "description");
	if (in->has_amount && (!isfinite(in->amount) || in->amount < 0 || in->amount > 1e12))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "金额或数量须为非负数",
				   "amount must be a non-negative number", "amount");
	if (in->year < 2000 || in->year > 2100)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "年度须在2000至2100之间",
				   "year must be between 2000 and 2100", "year");
	if ((rc = load_unit(c, unit_id, "unit.resource.write", &u)) < 0)
		return rc;
	if ((rc = xz_db_int(
		 c->db,
		 "INSERT INTO unit_resources (unit_id, kind, description, amount, "
		 "provided_by, year, created_by, created_at) VALUES ($1, $2, $3, $4, $5, "
		 "$6, $7, $8) RETURNING id",
		 XZ_ARGS(XZ_INT(unit_id), XZ_TEXT(in->kind), XZ_TEXT(in->description),
			 in->has_amount ? XZ_REAL(in->amount) : XZ_NULL, XZ_TEXT(in->provided_by),
			 XZ_INT(in->year), XZ_ID(c->user ? c->user->id : 0), XZ_INT(c->now)),
		 id)) < 0 ||
	    (rc =
		 xz_ctx_audit_new(c, "unit.resource.add", "unit", unit_id, NULL,
				  json_pack("{s:I,s:s,s:s,s:s,s:I}", "id", (json_int_t)*id, "kind",
					    in->kind, "description", in->description, "provided_by",
					    in->provided_by, "year", (json_int_t)in->year))) < 0)
		rc = xz_ctx_fail_db(c, rc);
	json_decref(u);
	return rc;
}

int xz_unit_resource_remove(struct xz_ctx *c, int64_t unit_id, int64_t resource_id)
{
	json_t *u = NULL, *old = NULL;
	int rc;
	if ((rc = load_unit(c, unit_id, "unit.resource.write", &u)) < 0)
		return rc;
	json_decref(u);
	rc = xz_db_one(c->db,
		       "SELECT id, kind, description, amount, provided_by, year FROM "
		       "unit_resources WHERE id = $1 AND unit_id = $2",
		       XZ_ARGS(XZ_INT(resource_id), XZ_INT(unit_id)), &old);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "该保障记录不存在",
				   "No such resource of this unit", NULL);
	if (rc == 0)
		rc = xz_db_exec(c->db, "DELETE FROM unit_resources WHERE id = $1",
				XZ_ARGS(XZ_INT(resource_id)), NULL);
	if (rc == 0) { /* the audit entry takes old */
		rc = xz_ctx_audit_new(c, "unit.resource.delete", "unit", unit_id, old, NULL);
		old = NULL;
	}
	json_decref(old);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

static json_t *share(int64_t num, int64_t den)
{
	return den ? json_real(round(10000.0 * (double)num / (double)den) / 10000.0) : json_null();
}

int xz_frontline(struct xz_ctx *c, int64_t township_id, json_t **out)
{
	struct xz_place f = {0};
	json_t *rows = NULL, *row;
	int64_t act = 0, front = 0;
	size_t i;
	int rc;
	*out = NULL;
	if (!township_id && c->user)
		township_id = c->user->township_id;
	if (!township_id)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_query", "须指定township_id",
				   "township_id is required", "township_id");
	if (c->user && !xz_authz_filter(c->user, "unit.read", &f))
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权查看", "Not allowed", NULL);
	rc = xz_db_query(
	    c->db,
	    "SELECT u.id AS unit_id, u.name, (SELECT COUNT(*) FROM people p WHERE p.unit_id = "
	    "u.id AND p.active = 1) AS active, (SELECT COUNT(*) FROM people p WHERE p.unit_id "
	    "= u.id AND p.active = 1 AND p.frontline = 1) AS frontline FROM units u WHERE "
	    "u.township_id = $1 AND ($2 = 0 OR u.county_id = $2) AND ($3 = 0 OR u.township_id = "
	    "$3) AND ($4 = 0 OR u.department_id = $4) AND ($5 = 0 OR u.id = $5) ORDER BY u.id",
	    XZ_ARGS(XZ_INT(township_id), XZ_INT(f.county_id), XZ_INT(f.township_id),
		    XZ_INT(f.department_id), XZ_INT(f.unit_id)),
	    &rows);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	json_array_foreach(rows, i, row)
	{
		act += jint(row, "active");
		front += jint(row, "frontline");
		json_object_set_new(row, "share",
				    share(jint(row, "frontline"), jint(row, "active")));
	}
	*out = json_pack("{s:I,s:I,s:I,s:o,s:o}", "township_id", (json_int_t)township_id, "active",
			 (json_int_t)act, "frontline", (json_int_t)front, "share",
			 share(front, act), "units", rows);
	return 0;
}

/* dept_place: the department, if it exists (404 otherwise). */
static int dept_place(struct xz_ctx *c, int64_t id, struct xz_place *pl)
{
	json_t *d = NULL;
	int rc = xz_db_one(c->db, "SELECT id, county_id FROM departments WHERE id = $1",
			   XZ_ARGS(XZ_INT(id)), &d);
	memset(pl, 0, sizeof(*pl));
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "部门不存在", "No such department", NULL);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	pl->county_id = jint(d, "county_id");
	pl->department_id = id;
	json_decref(d);
	return 0;
}

int xz_dept_leadership(struct xz_ctx *c, int64_t department_id, json_t **rows)
{
	struct xz_place pl;
	int rc;
	*rows = NULL;
	if ((rc = dept_place(c, department_id, &pl)) < 0)
		return rc;
	if (c->user && !xz_authz(c->user, "leadership.read", &pl))
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "部门不存在", "No such department",
				   NULL);
	rc =
	    xz_db_query(c->db,
			"SELECT l.id, l.department_id, l.person_id, p.name, p.title, l.position, "
			"l.created_at FROM county_leadership l JOIN people p ON p.id = l.person_id "
			"WHERE l.department_id = $1 ORDER BY CASE l.position WHEN 'leader' THEN 0 "
			"WHEN 'deputy' THEN 1 ELSE 2 END, l.id",
			XZ_ARGS(XZ_INT(department_id)), rows);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz_dept_leadership_add(struct xz_ctx *c, int64_t department_id, int64_t person_id,
			   const char *position, int64_t *id)
{
	struct xz_place pl;
	int64_t n = 0;
	int rc;
	*id = 0;
	if (!one_of(position, "leader", "deputy", "member"))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "position须为leader（组长）、deputy（副组长）或member（成员）",
				   "position must be leader, deputy or member", "position");
	if ((rc = dept_place(c, department_id, &pl)) < 0)
		return rc;
	if (c->user && !xz_authz(c->user, "dept.leadership.write", &pl))
		return xz_ctx_fail(
		    c, XZ_EFORBIDDEN, "forbidden", "只有本部门或系统管理员可以维护部门领导小组",
		    "Only the department itself or the administrator edits its group", NULL);
	if ((rc = xz_db_int(c->db,
			    "SELECT COUNT(*) FROM people WHERE id = $1 AND department_id = $2 AND "
			    "active = 1",
			    XZ_ARGS(XZ_INT(person_id), XZ_INT(department_id)), &n)) < 0)
		return xz_ctx_fail_db(c, rc);
	if (!n)
		return xz_ctx_fail(c, XZ_ERULE, "person_not_in_department", "该人员不属于本部门",
				   "The person is not an active member of this department",
				   "person_id");
	if ((rc = xz_db_int(c->db,
			    "SELECT COUNT(*) FROM county_leadership WHERE department_id = $1 AND "
			    "person_id = $2",
			    XZ_ARGS(XZ_INT(department_id), XZ_INT(person_id)), &n)) < 0)
		return xz_ctx_fail_db(c, rc);
	if (n)
		return xz_ctx_fail(c, XZ_ECONFLICT, "already_member", "该人员已在领导小组中",
				   "The person is already in the group", "person_id");
	if ((rc = xz_db_int(c->db,
			    "INSERT INTO county_leadership (department_id, person_id, position, "
			    "created_at) VALUES ($1, $2, $3, $4) RETURNING id",
			    XZ_ARGS(XZ_INT(department_id), XZ_INT(person_id), XZ_TEXT(position),
				    XZ_INT(c->now)),
			    id)) < 0 ||
	    (rc = xz_ctx_audit_new(c, "dept.leadership.add", "department", department_id, NULL,
				   json_pack("{s:I,s:s}", "person_id", (json_int_t)person_id,
					     "position", position))) < 0)
		return xz_ctx_fail_db(c, rc);
	return 0;
}

int xz_dept_leadership_remove(struct xz_ctx *c, int64_t department_id, int64_t id)
{
	struct xz_place pl;
	json_t *old = NULL;
	int rc;
	if ((rc = dept_place(c, department_id, &pl)) < 0)
		return rc;
	if (c->user && !xz_authz(c->user, "leadership.read", &pl))
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "部门不存在", "No such department",
				   NULL);
	if (c->user && !xz_authz(c->user, "dept.leadership.write", &pl))
		return xz_ctx_fail(
		    c, XZ_EFORBIDDEN, "forbidden", "只有本部门或系统管理员可以维护部门领导小组",
		    "Only the department itself or the administrator edits its group", NULL);
	rc = xz_db_one(c->db,
		       "SELECT id, person_id, position FROM county_leadership WHERE id = $1 AND "
		       "department_id = $2",
		       XZ_ARGS(XZ_INT(id), XZ_INT(department_id)), &old);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "领导小组中没有该成员",
				   "No such member of the group", NULL);
	if (rc == 0)
		rc = xz_db_exec(c->db, "DELETE FROM county_leadership WHERE id = $1",
				XZ_ARGS(XZ_INT(id)), NULL);
	if (rc == 0) { /* the audit entry takes old */
		rc = xz_ctx_audit_new(c, "dept.leadership.delete", "department", department_id, old,
				      NULL);
		old = NULL;
	}
	json_decref(old);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}
