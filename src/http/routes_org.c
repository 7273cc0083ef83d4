/*
 * routes_org.c — organisation and people (R1): the regions tree, county
 * departments (条), dispatched units stationed in townships (块: dual
 * leadership), people with their enforcement qualifications and auxiliary
 * flag, the township leadership group and each unit's named contact.
 * Plain records go through the generic resource mechanism; the rules that
 * tie them together live in the derive hooks below.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "http/resource.h"

static const char *const levels[] = {"city", "county", "township", "village", NULL};
static const char *const unit_kinds[] = {"enforcement", "police", "land", "planning", "environment",
					 "market", "safety", "tourism", "other", NULL};
static const char *const positions[] = {"leader", "deputy", "member", NULL};

/* ---- regions ---- */

static const struct xz_field region_fields[] = {
	{"parent_id", XZ_F_ID, false, 0, NULL, "上级区域"},
	{"level", XZ_F_TEXT, true, 0, levels, "层级"},
	{"code", XZ_F_TEXT, true, XZ_MAX_CODE, NULL, "编码"},
	{"name", XZ_F_TEXT, true, 0, NULL, "名称"},
	{NULL, 0, false, 0, NULL, NULL},
};
static const char *const region_derived[] = {"county_id", "township_id", NULL};

static int level_rank(const char *l)
{
	int i;
	for (i = 0; l && levels[i]; i++)
		if (!strcmp(levels[i], l))
			return i;
	return -1;
}

/* region_derive: a region's parent is one level up; county_id and
 * township_id are copied down the tree so place checks need no recursion. */
static int region_derive(struct xz_req *r, json_t *row)
{
	json_t *parent = NULL;
	int64_t pid = xz_jint(row, "parent_id"), id = xz_jint(row, "id");
	int rank = level_rank(xz_jstr(row, "level")), rc = 0;
	if (rank > 0 && !pid)
		return xz_fail(r, XZ_ERULE, "parent_required", "须指定上级区域",
			       "A parent region is required", "parent_id");
	if (pid) {
		if (pid == id)
			return xz_fail(r, XZ_ERULE, "invalid_parent", "上级区域不能是自身",
				       "A region cannot be its own parent", "parent_id");
		if ((rc = xz_res_ref(r, "regions", "id, level, county_id, township_id", pid,
				     "parent_id", &parent)) < 0)
			return rc;
		if (level_rank(xz_jstr(parent, "level")) != rank - 1) {
			rc = xz_fail(r, XZ_ERULE, "invalid_parent",
				     "上级区域层级不对（市→县→乡镇/街道→村/社区）",
				     "Parent must be one level up (city, county, township, village)",
				     "parent_id");
			goto out;
		}
	}
	switch (rank) {
	case 0:
		json_object_set_new(row, "county_id", json_null());
		json_object_set_new(row, "township_id", json_null());
		break;
	case 1:
		json_object_set_new(row, "county_id", id ? json_integer(id) : json_null());
		json_object_set_new(row, "township_id", json_null());
		break;
	case 2:
		json_object_set_new(row, "county_id", json_integer(pid));
		json_object_set_new(row, "township_id", id ? json_integer(id) : json_null());
		break;
	default:
		json_object_set_new(row, "county_id", json_integer(xz_jint(parent, "county_id")));
		json_object_set_new(row, "township_id", json_integer(pid));
	}
out:
	json_decref(parent);
	return rc;
}

static void region_place(const json_t *row, struct xz_place *p)
{
	const char *level = xz_jstr(row, "level");
	p->county_id = xz_jint(row, "county_id");
	p->township_id = xz_jint(row, "township_id");
	/* a county's own record sits in itself; a township's in itself */
	if (level && !strcmp(level, "county"))
		p->county_id = xz_jint(row, "id") ? xz_jint(row, "id") : p->county_id;
	if (level && !strcmp(level, "township") && xz_jint(row, "id"))
		p->township_id = xz_jint(row, "id");
}

static const char *const region_filters[] = {"parent_id", "parent_id", NULL, NULL};

static const struct xz_resource regions = {
	.name = "regions",
	.table = "regions",
	.label = "区域",
	.read_perm = "region.read",
	.write_perm = "org.write",
	.columns = "id, parent_id, level, code, name, county_id, township_id, version, created_at, "
		   "updated_at",
	.county_col = "COALESCE(county_id, id)",
	.township_col = "COALESCE(township_id, CASE WHEN level = 'township' THEN id END)",
	.department_col = "NULL",
	.unit_col = "NULL",
	.fields = region_fields,
	.derived = region_derived,
	.derive = region_derive,
	.place = region_place,
	.filters = region_filters,
};

/* Township users also see the county and city above them: the list filter
 * by township would hide those, so regions list by county for everyone
 * and rely on place only for writes and single gets. */
static int regions_list(struct xz_req *r)
{
	struct xz_resource res = regions;
	res.township_col = "CASE WHEN CAST($3 AS BIGINT) IS NULL THEN NULL ELSE "
			   "CASE WHEN level IN ('city','county') THEN $3 ELSE "
			   "COALESCE(township_id, CASE WHEN level = 'township' THEN id END) END END";
	return xz_res_list(r, &res);
}
static int regions_get(struct xz_req *r) { return xz_res_get(r, &regions); }
static int regions_create(struct xz_req *r)
{
	int rc = xz_res_create(r, &regions);
	/* a new county or township is its own place: fill in its id */
	if (rc == 0 && r->status == 201) {
		json_t *o = r->out;
		const char *level = xz_jstr(o, "level");
		int64_t id = xz_jint(o, "id");
		if (level && (!strcmp(level, "county") || !strcmp(level, "township"))) {
			xz_db_exec(xz_req_db(r),
				   !strcmp(level, "county")
					   ? "UPDATE regions SET county_id = $1 WHERE id = $1"
					   : "UPDATE regions SET township_id = $1 WHERE id = $1",
				   XZ_ARGS(XZ_INT(id)), NULL);
			json_object_set_new(o, !strcmp(level, "county") ? "county_id" : "township_id",
					    json_integer(id));
		}
	}
	return rc;
}
static int regions_update(struct xz_req *r) { return xz_res_update(r, &regions); }
static int regions_delete(struct xz_req *r) { return xz_res_delete(r, &regions); }

/* ---- departments ---- */

static const struct xz_field dept_fields[] = {
	{"county_id", XZ_F_ID, true, 0, NULL, "所属县（市、区）"},
	{"code", XZ_F_TEXT, true, XZ_MAX_CODE, NULL, "编码"},
	{"name", XZ_F_TEXT, true, 0, NULL, "名称"},
	{"domains", XZ_F_LIST, false, 0, NULL, "执法领域"},
	{NULL, 0, false, 0, NULL, NULL},
};

static int dept_derive(struct xz_req *r, json_t *row)
{
	json_t *c = NULL;
	int rc = xz_res_ref(r, "regions", "id, level", xz_jint(row, "county_id"), "county_id", &c);
	if (rc == 0 && strcmp(xz_jstr(c, "level"), "county"))
		rc = xz_fail(r, XZ_ERULE, "invalid_reference", "所属区域须为县（市、区）",
			     "county_id must be a county", "county_id");
	if (rc == 0 && !json_is_string(json_object_get(row, "domains")))
		json_object_set_new(row, "domains", json_string("[]"));
	json_decref(c);
	return rc;
}

static void dept_place(const json_t *row, struct xz_place *p)
{
	p->county_id = xz_jint(row, "county_id");
	p->department_id = xz_jint(row, "id");
}

static const struct xz_resource departments = {
	.name = "departments",
	.table = "departments",
	.label = "部门",
	.read_perm = "dept.read",
	.write_perm = "org.write",
	.columns = "id, county_id, code, name, domains, version, created_at, updated_at",
	.county_col = "county_id",
	.township_col = "NULL",
	.department_col = "NULL",
	.unit_col = "NULL",
	.fields = dept_fields,
	.derive = dept_derive,
	.place = dept_place,
};

static void dept_place_read(const json_t *row, struct xz_place *p)
{
	p->county_id = xz_jint(row, "county_id"); /* every role of the county reads them */
}

static int departments_list(struct xz_req *r)
{
	struct xz_resource res = departments;
	res.township_col = "CASE WHEN CAST($3 AS BIGINT) IS NULL THEN NULL ELSE $3 END";
	res.department_col = "CASE WHEN CAST($4 AS BIGINT) IS NULL THEN NULL ELSE $4 END";
	return xz_res_list(r, &res);
}
static int departments_get(struct xz_req *r)
{
	struct xz_resource res = departments;
	res.place = dept_place_read;
	return xz_res_get(r, &res);
}
static int departments_create(struct xz_req *r) { return xz_res_create(r, &departments); }
static int departments_update(struct xz_req *r) { return xz_res_update(r, &departments); }
static int departments_delete(struct xz_req *r) { return xz_res_delete(r, &departments); }

/* ---- units ---- */

static const struct xz_field unit_fields[] = {
	{"department_id", XZ_F_ID, true, 0, NULL, "主管部门"},
	{"township_id", XZ_F_ID, true, 0, NULL, "派驻乡镇（街道）"},
	{"code", XZ_F_TEXT, true, XZ_MAX_CODE, NULL, "编码"},
	{"name", XZ_F_TEXT, true, 0, NULL, "名称"},
	{"kind", XZ_F_TEXT, false, 0, unit_kinds, "类型"},
	{"contact_person_id", XZ_F_ID, false, 0, NULL, "联合执法负责人"},
	{NULL, 0, false, 0, NULL, NULL},
};
static const char *const unit_derived[] = {"county_id", NULL};

/* unit_derive: dual leadership — the department (条) and the township (块)
 * must be of the same county; the named contact must be the unit's own. */
static int unit_derive(struct xz_req *r, json_t *row)
{
	json_t *d = NULL, *t = NULL, *p = NULL;
	int rc;
	if ((rc = xz_res_ref(r, "departments", "id, county_id", xz_jint(row, "department_id"),
			     "department_id", &d)) < 0)
		goto out;
	if ((rc = xz_res_ref(r, "regions", "id, level, county_id", xz_jint(row, "township_id"),
			     "township_id", &t)) < 0)
		goto out;
	if (strcmp(xz_jstr(t, "level"), "township")) {
		rc = xz_fail(r, XZ_ERULE, "invalid_reference", "派驻地须为乡镇（街道）",
			     "township_id must be a township", "township_id");
		goto out;
	}
	if (xz_jint(t, "county_id") != xz_jint(d, "county_id")) {
		rc = xz_fail(r, XZ_ERULE, "county_mismatch", "主管部门与派驻乡镇不属于同一县（市、区）",
			     "Department and township belong to different counties", "township_id");
		goto out;
	}
	json_object_set_new(row, "county_id", json_integer(xz_jint(d, "county_id")));
	if (!xz_jstr(row, "kind"))
		json_object_set_new(row, "kind", json_string("other"));
	if (xz_jint(row, "contact_person_id")) {
		if ((rc = xz_res_ref(r, "people", "id, unit_id", xz_jint(row, "contact_person_id"),
				     "contact_person_id", &p)) < 0)
			goto out;
		if (!xz_jint(row, "id") || xz_jint(p, "unit_id") != xz_jint(row, "id")) {
			rc = xz_fail(r, XZ_ERULE, "contact_not_in_unit",
				     "联合执法负责人须为本机构人员",
				     "The joint-enforcement contact must belong to the unit",
				     "contact_person_id");
			goto out;
		}
	}
out:
	json_decref(d);
	json_decref(t);
	json_decref(p);
	return rc;
}

static void unit_place(const json_t *row, struct xz_place *p)
{
	p->county_id = xz_jint(row, "county_id");
	p->township_id = xz_jint(row, "township_id");
	p->department_id = xz_jint(row, "department_id");
	p->unit_id = xz_jint(row, "id");
}

static const char *const unit_filters[] = {"township_id", "township_id", "department_id",
					   "department_id", NULL, NULL};

static const struct xz_resource units = {
	.name = "units",
	.table = "units",
	.label = "派驻机构",
	.read_perm = "unit.read",
	.write_perm = "org.write",
	.columns = "id, department_id, township_id, county_id, code, name, kind, "
		   "contact_person_id, version, created_at, updated_at",
	.county_col = "county_id",
	.township_col = "township_id",
	.department_col = "department_id",
	.unit_col = "id",
	.fields = unit_fields,
	.derived = unit_derived,
	.derive = unit_derive,
	.place = unit_place,
	.filters = unit_filters,
};

static int units_list(struct xz_req *r)
{
	/* township users see every unit of their township, not just their own */
	struct xz_resource res = units;
	res.unit_col = "CASE WHEN CAST($5 AS BIGINT) IS NULL THEN NULL ELSE id END";
	return xz_res_list(r, &res);
}
static int units_get(struct xz_req *r) { return xz_res_get(r, &units); }
static int units_create(struct xz_req *r) { return xz_res_create(r, &units); }
static int units_update(struct xz_req *r) { return xz_res_update(r, &units); }
static int units_delete(struct xz_req *r) { return xz_res_delete(r, &units); }

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
	{NULL, 0, false, 0, NULL, NULL},
};
static const char *const person_derived[] = {"department_id", NULL};

/* person_derive: a person of a unit takes the unit's township, county and
 * department; a person with no unit (grid member, office staff) sits in a
 * township or, failing that, a county. */
static int person_derive(struct xz_req *r, json_t *row)
{
	json_t *u = NULL, *t = NULL;
	int rc = 0;
	if (xz_jint(row, "unit_id")) {
		if ((rc = xz_res_ref(r, "units", "id, township_id, county_id, department_id",
				     xz_jint(row, "unit_id"), "unit_id", &u)) < 0)
			goto out;
		json_object_set_new(row, "township_id", json_integer(xz_jint(u, "township_id")));
		json_object_set_new(row, "county_id", json_integer(xz_jint(u, "county_id")));
		json_object_set_new(row, "department_id", json_integer(xz_jint(u, "department_id")));
	} else if (xz_jint(row, "township_id")) {
		if ((rc = xz_res_ref(r, "regions", "id, level, county_id", xz_jint(row, "township_id"),
				     "township_id", &t)) < 0)
			goto out;
		if (strcmp(xz_jstr(t, "level"), "township")) {
			rc = xz_fail(r, XZ_ERULE, "invalid_reference", "须为乡镇（街道）",
				     "township_id must be a township", "township_id");
			goto out;
		}
		json_object_set_new(row, "county_id", json_integer(xz_jint(t, "county_id")));
		json_object_set_new(row, "department_id", json_null());
	} else if (xz_jint(row, "county_id")) {
		json_object_set_new(row, "department_id", json_null());
		json_object_set_new(row, "township_id", json_null());
	} else if (r->user && r->user->township_id) {
		json_object_set_new(row, "township_id", json_integer(r->user->township_id));
		json_object_set_new(row, "county_id", json_integer(r->user->county_id));
	} else {
		rc = xz_fail(r, XZ_EMALFORMED, "invalid_field", "须指定所在机构或乡镇",
			     "unit_id or township_id is required", "unit_id");
		goto out;
	}
	if (!json_object_get(row, "is_auxiliary") || json_is_null(json_object_get(row, "is_auxiliary")))
		json_object_set_new(row, "is_auxiliary", json_integer(0));
	if (!json_object_get(row, "active") || json_is_null(json_object_get(row, "active")))
		json_object_set_new(row, "active", json_integer(1));
out:
	json_decref(u);
	json_decref(t);
	return rc;
}

static void person_place(const json_t *row, struct xz_place *p)
{
	p->county_id = xz_jint(row, "county_id");
	p->township_id = xz_jint(row, "township_id");
	p->department_id = xz_jint(row, "department_id");
	p->unit_id = xz_jint(row, "unit_id");
}

/* person_decorate: embed each person's qualifications, with one query for
 * the whole page (rows come sorted by id, so a range covers them). */
static int person_decorate(struct xz_req *r, json_t *rows)
{
	size_t i, n = json_array_size(rows);
	json_t *row, *q = NULL, *by_id = json_object();
	int64_t lo = INT64_MAX, hi = 0;
	char key[24];
	int rc = 0;
	json_array_foreach(rows, i, row)
	{
		int64_t id = xz_jint(row, "id");
		lo = id < lo ? id : lo;
		hi = id > hi ? id : hi;
		snprintf(key, sizeof(key), "%lld", (long long)id);
		json_object_set_new(by_id, key, json_array());
	}
	if (n) {
		rc = xz_db_query(xz_req_db(r),
				 "SELECT id, person_id, cert_no, issuer, domains, valid_from, valid_to FROM "
				 "qualifications WHERE person_id BETWEEN $1 AND $2 ORDER BY person_id, "
				 "valid_to DESC",
				 XZ_ARGS(XZ_INT(lo), XZ_INT(hi)), &q);
		if (rc < 0) {
			rc = xz_fail_db(r, rc);
			goto out;
		}
		json_array_foreach(q, i, row)
		{
			json_t *list;
			snprintf(key, sizeof(key), "%lld", (long long)xz_jint(row, "person_id"));
			list = json_object_get(by_id, key);
			json_object_del(row, "person_id");
			if (list)
				json_array_append(list, xz_present(row));
		}
	}
	json_array_foreach(rows, i, row)
	{
		snprintf(key, sizeof(key), "%lld", (long long)xz_jint(row, "id"));
		json_object_set(row, "qualifications", json_object_get(by_id, key));
	}
out:
	json_decref(q);
	json_decref(by_id);
	return rc;
}

static const char *const person_filters[] = {"unit_id", "unit_id", "township_id", "township_id",
					     NULL, NULL};

static const struct xz_resource people = {
	.name = "people",
	.table = "people",
	.label = "人员",
	.read_perm = "people.read",
	.write_perm = "people.write",
	.columns = "id, name, unit_id, department_id, township_id, county_id, phone, title, "
		   "is_auxiliary, active, version, created_at, updated_at",
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

static int people_list(struct xz_req *r) { return xz_res_list(r, &people); }
static int people_get(struct xz_req *r) { return xz_res_get(r, &people); }
static int people_create(struct xz_req *r) { return xz_res_create(r, &people); }
static int people_update(struct xz_req *r) { return xz_res_update(r, &people); }
static int people_delete(struct xz_req *r) { return xz_res_delete(r, &people); }

/* load_person_checked: the person with this id if the caller may `perm` it. */
static int load_person_checked(struct xz_req *r, const char *perm, int64_t id, json_t **row)
{
	struct xz_place pl = {0};
	int rc = xz_res_load(r, &people, id, row);
	if (rc < 0)
		return xz_fail_db(r, rc);
	person_place(*row, &pl);
	if ((rc = xz_authorize(r, perm, &pl)) < 0) {
		json_decref(*row);
		*row = NULL;
		return rc;
	}
	return 0;
}

static int qualification_add(struct xz_req *r)
{
	const char *cert, *issuer, *from, *to;
	json_t *domains = NULL, *person = NULL, *after = NULL;
	int64_t pid, d1, d2;
	char *dom;
	struct xz_db *db;
	int rc;
	if ((rc = xz_req_id(r, 0, &pid)) < 0)
		return rc;
	if ((rc = xz_req_unpack(r, "{s:s,s:s,s:o,s:s,s:s}", "cert_no", &cert, "issuer", &issuer,
				"domains", &domains, "valid_from", &from, "valid_to", &to)) < 0)
		return rc;
	if (!*cert || strlen(cert) > XZ_MAX_CODE || !*issuer || strlen(issuer) > XZ_MAX_NAME)
		return xz_fail(r, XZ_EMALFORMED, "invalid_field", "证件号或发证机关不合要求",
			       "cert_no or issuer invalid", "cert_no");
	if (!json_is_array(domains) || json_array_size(domains) == 0 ||
	    json_array_size(domains) > 32)
		return xz_fail(r, XZ_EMALFORMED, "invalid_field", "执法领域须为非空数组",
			       "domains must be a non-empty array", "domains");
	for (size_t i = 0; i < json_array_size(domains); i++)
		if (!json_is_string(json_array_get(domains, i)))
			return xz_fail(r, XZ_EMALFORMED, "invalid_field", "执法领域须为字符串",
				       "domains must be strings", "domains");
	if (xz_date_parse(from, &d1) < 0 || xz_date_parse(to, &d2) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_field", "有效期须为YYYY-MM-DD格式",
			       "valid_from/valid_to must be YYYY-MM-DD", "valid_from");
	if (d2 < d1)
		return xz_fail(r, XZ_ERULE, "invalid_period", "有效期结束早于开始",
			       "valid_to is before valid_from", "valid_to");
	if ((rc = load_person_checked(r, "people.write", pid, &person)) < 0)
		return rc;
	db = xz_req_db(r);
	dom = json_dumps(domains, JSON_COMPACT);
	xz_db_begin(db);
	rc = xz_db_one(db,
		       "INSERT INTO qualifications (person_id, cert_no, issuer, domains, valid_from, "
		       "valid_to, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7) RETURNING id, person_id, "
		       "cert_no, issuer, domains, valid_from, valid_to",
		       XZ_ARGS(XZ_INT(pid), XZ_TEXT(cert), XZ_TEXT(issuer), XZ_TEXT(dom),
			       XZ_TEXT(from), XZ_TEXT(to), XZ_INT(xz_now())),
		       &after);
	free(dom);
	if (rc == 0)
		rc = xz_req_audit(r, "qualification.create", "person", pid, "ok", NULL, after);
	if (rc < 0) {
		xz_db_rollback(db);
		rc = rc == XZ_ECONFLICT ? xz_fail(r, rc, "duplicate", "证件号已登记",
						  "This certificate number is already registered",
						  "cert_no")
					: xz_fail_db(r, rc);
		goto out;
	}
	if ((rc = xz_db_commit(db)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	rc = xz_reply(r, 201, xz_present(json_incref(after)));
out:
	json_decref(person);
	json_decref(after);
	return rc;
}

static int qualification_delete(struct xz_req *r)
{
	json_t *q = NULL, *person = NULL;
	int64_t id;
	struct xz_db *db = xz_req_db(r);
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	if ((rc = xz_db_one(db, "SELECT id, person_id, cert_no, issuer, domains, valid_from, valid_to "
				"FROM qualifications WHERE id = $1",
			    XZ_ARGS(XZ_INT(id)), &q)) < 0)
		return xz_fail_db(r, rc);
	if ((rc = load_person_checked(r, "people.write", xz_jint(q, "person_id"), &person)) < 0)
		goto out;
	xz_db_begin(db);
	rc = xz_db_exec(db, "DELETE FROM qualifications WHERE id = $1", XZ_ARGS(XZ_INT(id)), NULL);
	if (rc == 0)
		rc = xz_req_audit(r, "qualification.delete", "person", xz_jint(q, "person_id"), "ok",
				  q, NULL);
	if (rc == 0)
		rc = xz_db_commit(db);
	else
		xz_db_rollback(db);
	rc = rc < 0 ? xz_fail_db(r, rc) : xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
out:
	json_decref(q);
	json_decref(person);
	return rc;
}

/* qualification_check: is the person qualified on date D for domain X?
 * GET /api/v1/people/{id}/qualification?date=2026-11-24&domain=村镇建设 */
static int qualification_check(struct xz_req *r)
{
	const char *date = xz_req_query(r, "date"), *domain = xz_req_query(r, "domain");
	json_t *person = NULL, *q = NULL, *match = json_null();
	int64_t pid, day;
	char today[XZ_DATE_LEN];
	const char *reason = "no_qualification";
	int rc;
	if ((rc = xz_req_id(r, 0, &pid)) < 0)
		return rc;
	if (!date)
		date = xz_date_format(xz_day_of(xz_now()), today);
	if (xz_date_parse(date, &day) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "date须为YYYY-MM-DD",
			       "date must be YYYY-MM-DD", "date");
	if ((rc = load_person_checked(r, "people.read", pid, &person)) < 0)
		return rc == XZ_EFORBIDDEN ? xz_fail_db(r, XZ_ENOTFOUND) : rc;
	rc = xz_db_query(xz_req_db(r),
			 "SELECT id, cert_no, issuer, domains, valid_from, valid_to FROM qualifications "
			 "WHERE person_id = $1 ORDER BY valid_to DESC",
			 XZ_ARGS(XZ_INT(pid)), &q);
	if (rc < 0) {
		json_decref(person);
		return xz_fail_db(r, rc);
	}
	if (xz_jint(person, "is_auxiliary")) {
		reason = "auxiliary";
	} else {
		size_t i;
		json_t *row;
		json_array_foreach(q, i, row)
		{
			bool in_period = strcmp(xz_jstr(row, "valid_from"), date) <= 0 &&
					 strcmp(xz_jstr(row, "valid_to"), date) >= 0;
			bool in_domain = !domain;
			json_t *doms = json_loads(xz_jstr(row, "domains"), 0, NULL);
			size_t k;
			for (k = 0; domain && k < json_array_size(doms); k++)
				if (!strcmp(json_string_value(json_array_get(doms, k)), domain))
					in_domain = true;
			json_decref(doms);
			if (in_period && in_domain) {
				match = xz_present(json_incref(row));
				reason = "valid";
				break;
			}
			if (!in_period && in_domain)
				reason = "expired_or_not_yet_valid";
			else if (in_period && !in_domain && strcmp(reason, "expired_or_not_yet_valid"))
				reason = "domain_not_covered";
		}
	}
	rc = xz_reply(r, 200,
		      json_pack("{s:I,s:s,s:s?,s:b,s:s,s:o}", "person_id", (json_int_t)pid, "date",
				date, "domain", domain, "valid", json_is_object(match), "reason",
				reason, "qualification", match));
	json_decref(person);
	json_decref(q);
	return rc;
}

/* ---- leadership group ---- */

static int leadership_list(struct xz_req *r)
{
	struct xz_place f;
	int64_t tid;
	json_t *rows = NULL;
	int rc;
	if ((rc = xz_req_query_id(r, "township_id", &tid)) < 0)
		return rc;
	if (!xz_authz_filter(r->user, "leadership.read", &f))
		return xz_authorize(r, "leadership.read", NULL);
	if (f.township_id && tid && tid != f.township_id)
		return xz_reply(r, 200, json_pack("{s:[],s:n}", "items", "next"));
	rc = xz_db_query(xz_req_db(r),
			 "SELECT l.id, l.township_id, l.person_id, l.position, p.name, p.title, "
			 "p.phone FROM leadership l JOIN people p ON p.id = l.person_id JOIN regions t "
			 "ON t.id = l.township_id WHERE (CAST($1 AS BIGINT) IS NULL OR l.township_id = "
			 "$1) AND (CAST($2 AS BIGINT) IS NULL OR t.county_id = $2) AND (CAST($3 AS "
			 "BIGINT) IS NULL OR l.township_id = $3) ORDER BY l.township_id, CASE "
			 "l.position WHEN 'leader' THEN 0 WHEN 'deputy' THEN 1 ELSE 2 END, l.id",
			 XZ_ARGS(XZ_ID(tid), XZ_ID(f.county_id), XZ_ID(f.township_id)), &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	/* the named joint-enforcement contacts of the units (§4.1) */
	{
		json_t *contacts = NULL;
		rc = xz_db_query(xz_req_db(r),
				 "SELECT u.id AS unit_id, u.name AS unit_name, u.township_id, "
				 "u.contact_person_id AS person_id, p.name, p.phone FROM units u "
				 "LEFT JOIN people p ON p.id = u.contact_person_id WHERE "
				 "(CAST($1 AS BIGINT) IS NULL OR u.township_id = $1) AND (CAST($2 AS "
				 "BIGINT) IS NULL OR u.county_id = $2) AND (CAST($3 AS BIGINT) IS NULL "
				 "OR u.township_id = $3) ORDER BY u.id",
				 XZ_ARGS(XZ_ID(tid), XZ_ID(f.county_id), XZ_ID(f.township_id)),
				 &contacts);
		if (rc < 0) {
			json_decref(rows);
			return xz_fail_db(r, rc);
		}
		return xz_reply(r, 200, json_pack("{s:o,s:o,s:n}", "items", rows, "contacts",
						  contacts, "next"));
	}
}

static int leadership_add(struct xz_req *r)
{
	json_int_t tid, pid;
	const char *position;
	json_t *t = NULL, *p = NULL, *after = NULL;
	struct xz_place pl = {0};
	struct xz_db *db = xz_req_db(r);
	int rc;
	const char *const *ok;
	if ((rc = xz_req_unpack(r, "{s:I,s:I,s:s}", "township_id", &tid, "person_id", &pid,
				"position", &position)) < 0)
		return rc;
	for (ok = positions; *ok && strcmp(*ok, position); ok++)
		;
	if (!*ok)
		return xz_fail(r, XZ_ERULE, "invalid_value", "职位须为组长、副组长或成员",
			       "position must be leader, deputy or member", "position");
	if ((rc = xz_res_ref(r, "regions", "id, level, county_id", tid, "township_id", &t)) < 0)
		goto out;
	if ((rc = xz_res_ref(r, "people", "id, township_id", pid, "person_id", &p)) < 0)
		goto out;
	pl.county_id = xz_jint(t, "county_id");
	pl.township_id = tid;
	if ((rc = xz_authorize(r, "leadership.write", &pl)) < 0)
		goto out;
	if (strcmp(xz_jstr(t, "level"), "township") || xz_jint(p, "township_id") != tid) {
		rc = xz_fail(r, XZ_ERULE, "not_in_township", "领导小组成员须为本乡镇（街道）人员",
			     "Members must be people of the township", "person_id");
		goto out;
	}
	xz_db_begin(db);
	if (!strcmp(position, "leader"))
		/* one leader (组长) per township: the new one replaces the old */
		xz_db_exec(db, "UPDATE leadership SET position = 'member' WHERE township_id = $1 AND "
			       "position = 'leader'",
			   XZ_ARGS(XZ_INT(tid)), NULL);
	rc = xz_db_one(db,
		       "INSERT INTO leadership (township_id, person_id, position, created_at) VALUES "
		       "($1,$2,$3,$4) RETURNING id, township_id, person_id, position",
		       XZ_ARGS(XZ_INT(tid), XZ_INT(pid), XZ_TEXT(position), XZ_INT(xz_now())), &after);
	if (rc == 0)
		rc = xz_req_audit(r, "leadership.create", "township", tid, "ok", NULL, after);
	if (rc == 0)
		rc = xz_db_commit(db);
	else
		xz_db_rollback(db);
	rc = rc < 0 ? (rc == XZ_ECONFLICT ? xz_fail(r, rc, "duplicate", "该人员已在领导小组中",
						     "Already in the leadership group", "person_id")
					   : xz_fail_db(r, rc))
		    : xz_reply(r, 201, json_incref(after));
out:
	json_decref(t);
	json_decref(p);
	json_decref(after);
	return rc;
}

static int leadership_delete(struct xz_req *r)
{
	json_t *l = NULL;
	struct xz_place pl = {0};
	struct xz_db *db = xz_req_db(r);
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	if ((rc = xz_db_one(db,
			    "SELECT l.id, l.township_id, l.person_id, l.position, t.county_id FROM "
			    "leadership l JOIN regions t ON t.id = l.township_id WHERE l.id = $1",
			    XZ_ARGS(XZ_INT(id)), &l)) < 0)
		return xz_fail_db(r, rc);
	pl.county_id = xz_jint(l, "county_id");
	pl.township_id = xz_jint(l, "township_id");
	if ((rc = xz_authorize(r, "leadership.write", &pl)) < 0)
		goto out;
	xz_db_begin(db);
	rc = xz_db_exec(db, "DELETE FROM leadership WHERE id = $1", XZ_ARGS(XZ_INT(id)), NULL);
	if (rc == 0)
		rc = xz_req_audit(r, "leadership.delete", "township", pl.township_id, "ok", l, NULL);
	if (rc == 0)
		rc = xz_db_commit(db);
	else
		xz_db_rollback(db);
	rc = rc < 0 ? xz_fail_db(r, rc) : xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
out:
	json_decref(l);
	return rc;
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
	{"DELETE", "/api/v1/qualifications/{id}", qualification_delete, "people.write", 0},
	{"GET", "/api/v1/leadership", leadership_list, "leadership.read", 0},
	{"POST", "/api/v1/leadership", leadership_add, "leadership.write", 0},
	{"DELETE", "/api/v1/leadership/{id}", leadership_delete, "leadership.write", 0},
	{NULL, NULL, NULL, NULL, 0},
};
