/*
 * org.c — the organisation (R1): the regions tree (city → county →
 * township → village, each one level under its parent, county and township
 * copied down so place checks need no recursion), county departments (条),
 * dispatched units stationed in townships (块: dual leadership, both of one
 * county, the named contact one of the unit's own), and the township
 * leadership group with one leader, deputies, members and its office. The
 * record kinds are data for domain/records.c; their rules are the hooks
 * here. See org.h.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "store/db.h"
#include "domain/org.h"
#include "domain/scope.h"

static const char *const levels[] = {"city", "county", "township", "village", NULL};
static const char *const unit_kinds[] = {"enforcement", "police", "land",   "planning",
					 "environment", "market", "safety", "tourism",
					 "other",	NULL};

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
static int region_derive(struct xz_ctx *c, json_t *row)
{
	json_t *parent = NULL;
	int64_t pid = xz_row_int(row, "parent_id"), id = xz_row_int(row, "id");
	int rank = level_rank(xz_row_str(row, "level")), rc = 0;
	if (rank > 0 && !pid)
		return xz_ctx_fail(c, XZ_ERULE, "parent_required", "须指定上级区域",
				   "A parent region is required", "parent_id");
	if (pid) {
		if (pid == id)
			return xz_ctx_fail(c, XZ_ERULE, "invalid_parent", "上级区域不能是自身",
					   "A region cannot be its own parent", "parent_id");
		if ((rc = xz_record_ref(c, "regions", "id, level, county_id, township_id", pid,
					"parent_id", &parent)) < 0)
			return rc;
		if (level_rank(xz_row_str(parent, "level")) != rank - 1) {
			rc = xz_ctx_fail(
			    c, XZ_ERULE, "invalid_parent",
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
		json_object_set_new(row, "county_id",
				    json_integer(xz_row_int(parent, "county_id")));
		json_object_set_new(row, "township_id", json_integer(pid));
	}
out:
	json_decref(parent);
	return rc;
}

static void region_place(const json_t *row, struct xz_place *p)
{
	const char *level = xz_row_str(row, "level");
	p->county_id = xz_row_int(row, "county_id");
	p->township_id = xz_row_int(row, "township_id");
	/* a county's own record sits in itself; a township's in itself */
	if (level && !strcmp(level, "county"))
		p->county_id = xz_row_int(row, "id") ? xz_row_int(row, "id") : p->county_id;
	if (level && !strcmp(level, "township") && xz_row_int(row, "id"))
		p->township_id = xz_row_int(row, "id");
}

/* created: a new county or township is its own place. */
static int region_created(struct xz_ctx *c, int64_t id, const json_t *row)
{
	const char *level = xz_row_str(row, "level");
	if (!level || (strcmp(level, "county") && strcmp(level, "township")))
		return 0;
	return xz_db_exec(c->db,
			  !strcmp(level, "county")
			      ? "UPDATE regions SET county_id = $1 WHERE id = $1"
			      : "UPDATE regions SET township_id = $1 WHERE id = $1",
			  XZ_ARGS(XZ_INT(id)), NULL);
}

static const char *const region_filters[] = {"parent_id", "parent_id", NULL, NULL};

const struct xz_resource xz_kind_regions = {
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
    .created = region_created,
    .filters = region_filters,
    /* township users also see the county and city above them: list by
     * county for everyone, rely on place for writes and single gets */
    .list_township_col = "CASE WHEN CAST($3 AS BIGINT) IS NULL THEN NULL ELSE "
			 "CASE WHEN level IN ('city','county') THEN $3 ELSE "
			 "COALESCE(township_id, CASE WHEN level = 'township' THEN id END) END END",
};

/* ---- departments ---- */

static const struct xz_field dept_fields[] = {
    {"county_id", XZ_F_ID, true, 0, NULL, "所属县（市、区）"},
    {"code", XZ_F_TEXT, true, XZ_MAX_CODE, NULL, "编码"},
    {"name", XZ_F_TEXT, true, 0, NULL, "名称"},
    {"domains", XZ_F_LIST, false, 0, NULL, "执法领域"},
    {NULL, 0, false, 0, NULL, NULL},
};

static int dept_derive(struct xz_ctx *c, json_t *row)
{
	json_t *county = NULL;
	int rc = xz_record_ref(c, "regions", "id, level", xz_row_int(row, "county_id"), "county_id",
			       &county);
	if (rc == 0 && strcmp(xz_row_str(county, "level"), "county"))
		rc = xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "所属区域须为县（市、区）",
				 "county_id must be a county", "county_id");
	if (rc == 0 && !json_is_string(json_object_get(row, "domains")))
		json_object_set_new(row, "domains", json_string("[]"));
	json_decref(county);
	return rc;
}

static void dept_place(const json_t *row, struct xz_place *p)
{
	p->county_id = xz_row_int(row, "county_id");
	p->department_id = xz_row_int(row, "id");
}

static void dept_place_read(const json_t *row, struct xz_place *p)
{
	p->county_id = xz_row_int(row, "county_id"); /* every role of the county reads them */
}

const struct xz_resource xz_kind_departments = {
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
    /* every role of the county lists and reads them */
    .list_township_col = "CASE WHEN CAST($3 AS BIGINT) IS NULL THEN NULL ELSE $3 END",
    .list_department_col = "CASE WHEN CAST($4 AS BIGINT) IS NULL THEN NULL ELSE $4 END",
    .read_place = dept_place_read,
};

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
static int unit_derive(struct xz_ctx *c, json_t *row)
{
	json_t *d = NULL, *t = NULL, *p = NULL;
	int rc;
	if ((rc = xz_record_ref(c, "departments", "id, county_id", xz_row_int(row, "department_id"),
				"department_id", &d)) < 0)
		goto out;
	if ((rc = xz_record_ref(c, "regions", "id, level, county_id",
				xz_row_int(row, "township_id"), "township_id", &t)) < 0)
		goto out;
	if (strcmp(xz_row_str(t, "level"), "township")) {
		rc = xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "派驻地须为乡镇（街道）",
				 "township_id must be a township", "township_id");
		goto out;
	}
	if (xz_row_int(t, "county_id") != xz_row_int(d, "county_id")) {
		rc = xz_ctx_fail(
		    c, XZ_ERULE, "county_mismatch", "主管部门与派驻乡镇不属于同一县（市、区）",
		    "Department and township belong to different counties", "township_id");
		goto out;
	}
	json_object_set_new(row, "county_id", json_integer(xz_row_int(d, "county_id")));
	if (!xz_row_str(row, "kind"))
		json_object_set_new(row, "kind", json_string("other"));
	if (xz_row_int(row, "contact_person_id")) {
		if ((rc = xz_record_ref(c, "people", "id, unit_id",
					xz_row_int(row, "contact_person_id"), "contact_person_id",
					&p)) < 0)
			goto out;
		if (!xz_row_int(row, "id") || xz_row_int(p, "unit_id") != xz_row_int(row, "id")) {
			rc = xz_ctx_fail(c, XZ_ERULE, "contact_not_in_unit",
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
	p->county_id = xz_row_int(row, "county_id");
	p->township_id = xz_row_int(row, "township_id");
	p->department_id = xz_row_int(row, "department_id");
	p->unit_id = xz_row_int(row, "id");
}

static const char *const unit_filters[] = {"township_id",   "township_id", "department_id",
					   "department_id", NULL,	   NULL};

const struct xz_resource xz_kind_units = {
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
    /* township users see every unit of their township, not just their own */
    .list_unit_col = "CASE WHEN CAST($5 AS BIGINT) IS NULL THEN NULL ELSE id END",
};

/* ---- leadership group ---- */

static const char *const positions[] = {"leader", "deputy", "member", "office", NULL};

int xz_leadership_list(struct xz_ctx *c, int64_t tid, json_t **rows, json_t **contacts)
{
	struct xz_place f = {0};
	int rc;
	*rows = *contacts = NULL;
	if (c->user && !xz_authz_filter(c->user, "leadership.read", &f))
		return xz_scope_deny(c, "leadership.read");
	if (f.township_id && tid && tid != f.township_id) {
		*rows = json_array();
		*contacts = NULL;
		return 0;
	}
	rc = xz_db_query(
	    c->db,
	    "SELECT l.id, l.township_id, l.person_id, l.position, p.name, p.title, "
	    "p.phone FROM leadership l JOIN people p ON p.id = l.person_id JOIN regions t "
	    "ON t.id = l.township_id WHERE (CAST($1 AS BIGINT) IS NULL OR l.township_id = "
	    "$1) AND (CAST($2 AS BIGINT) IS NULL OR t.county_id = $2) AND (CAST($3 AS "
	    "BIGINT) IS NULL OR l.township_id = $3) ORDER BY l.township_id, CASE "
	    "l.position WHEN 'leader' THEN 0 WHEN 'deputy' THEN 1 WHEN 'member' THEN 2 ELSE 3 END, "
	    "l.id",
	    XZ_ARGS(XZ_ID(tid), XZ_ID(f.county_id), XZ_ID(f.township_id)), rows);
	/* the named joint-enforcement contacts of the units (§4.1) */
	if (rc == 0)
		rc = xz_db_query(
		    c->db,
		    "SELECT u.id AS unit_id, u.name AS unit_name, u.township_id, "
		    "u.contact_person_id AS person_id, p.name, p.phone FROM units u "
		    "LEFT JOIN people p ON p.id = u.contact_person_id WHERE "
		    "(CAST($1 AS BIGINT) IS NULL OR u.township_id = $1) AND (CAST($2 AS "
		    "BIGINT) IS NULL OR u.county_id = $2) AND (CAST($3 AS BIGINT) IS NULL "
		    "OR u.township_id = $3) ORDER BY u.id",
		    XZ_ARGS(XZ_ID(tid), XZ_ID(f.county_id), XZ_ID(f.township_id)), contacts);
	if (rc < 0) {
		json_decref(*rows);
		*rows = NULL;
		return xz_ctx_fail_db(c, rc);
	}
	return 0;
}

struct leader_args {
	int64_t tid, pid, id;
	const char *position;
	json_t *row;
};

static int leader_add_tx(struct xz_ctx *c, void *arg)
{
	struct leader_args *a = arg;
	json_t *t = NULL, *p = NULL;
	struct xz_place pl = {0};
	int rc;
	if (!xz_one_of(a->position, positions))
		return xz_ctx_fail(c, XZ_ERULE, "invalid_value",
				   "职位须为组长、副组长、成员或办公室",
				   "position must be leader, deputy, member or office", "position");
	if ((rc = xz_record_ref(c, "regions", "id, level, county_id", a->tid, "township_id", &t)) <
		0 ||
	    (rc = xz_record_ref(c, "people", "id, township_id", a->pid, "person_id", &p)) < 0)
		goto out;
	pl.county_id = xz_row_int(t, "county_id");
	pl.township_id = a->tid;
	if (!xz_scope_may(c, "leadership.write", &pl)) {
		rc = xz_scope_deny(c, "leadership.write");
		goto out;
	}
	if (strcmp(xz_row_str(t, "level"), "township") || xz_row_int(p, "township_id") != a->tid) {
		rc = xz_ctx_fail(c, XZ_ERULE, "not_in_township",
				 "领导小组成员须为本乡镇（街道）人员",
				 "Members must be people of the township", "person_id");
		goto out;
	}
	/* one leader (组长) per township: the new one replaces the old */
	if (!strcmp(a->position, "leader") &&
	    (rc = xz_db_exec(c->db,
			     "UPDATE leadership SET position = 'member' WHERE township_id = $1 AND "
			     "position = 'leader'",
			     XZ_ARGS(XZ_INT(a->tid)), NULL)) < 0)
		goto out;
	rc = xz_db_one(
	    c->db,
	    "INSERT INTO leadership (township_id, person_id, position, created_at) VALUES "
	    "($1,$2,$3,$4) RETURNING id, township_id, person_id, position",
	    XZ_ARGS(XZ_INT(a->tid), XZ_INT(a->pid), XZ_TEXT(a->position), XZ_INT(c->now)), &a->row);
	if (rc == XZ_ECONFLICT)
		rc = xz_ctx_fail(c, rc, "duplicate", "该人员已在领导小组中",
				 "Already in the leadership group", "person_id");
	if (rc == 0)
		rc = xz_ctx_audit(c, "leadership.create", "township", a->tid, NULL, a->row);
out:
	json_decref(t);
	json_decref(p);
	return rc;
}

int xz_leadership_add(struct xz_ctx *c, int64_t township_id, int64_t person_id,
		      const char *position, json_t **row)
{
	struct leader_args a = {.tid = township_id, .pid = person_id, .position = position};
	int rc = xz_ctx_tx(c, leader_add_tx, &a);
	if (rc < 0) {
		json_decref(a.row);
		a.row = NULL;
	}
	*row = a.row;
	return rc;
}

static int leader_remove_tx(struct xz_ctx *c, void *arg)
{
	struct leader_args *a = arg;
	struct xz_place pl = {0};
	int rc;
	if ((rc = xz_db_one(c->db,
			    "SELECT l.id, l.township_id, l.person_id, l.position, t.county_id FROM "
			    "leadership l JOIN regions t ON t.id = l.township_id WHERE l.id = $1",
			    XZ_ARGS(XZ_INT(a->id)), &a->row)) < 0)
		return rc;
	pl.county_id = xz_row_int(a->row, "county_id");
	pl.township_id = xz_row_int(a->row, "township_id");
	if (!xz_scope_may(c, "leadership.write", &pl))
		return xz_scope_deny(c, "leadership.write");
	if ((rc = xz_db_exec(c->db, "DELETE FROM leadership WHERE id = $1", XZ_ARGS(XZ_INT(a->id)),
			     NULL)) < 0)
		return rc;
	return xz_ctx_audit(c, "leadership.delete", "township", pl.township_id, a->row, NULL);
}

int xz_leadership_remove(struct xz_ctx *c, int64_t id)
{
	struct leader_args a = {.id = id};
	int rc = xz_ctx_tx(c, leader_remove_tx, &a);
	json_decref(a.row);
	return rc;
}

static int leader_position_tx(struct xz_ctx *c, void *arg)
{
	struct leader_args *a = arg;
	struct xz_place pl = {0};
	json_t *old = NULL;
	int rc;
	if (!xz_one_of(a->position, positions))
		return xz_ctx_fail(c, XZ_ERULE, "invalid_value",
				   "职位须为组长、副组长、成员或办公室",
				   "position must be leader, deputy, member or office", "position");
	if ((rc = xz_db_one(c->db,
			    "SELECT l.id, l.township_id, l.person_id, l.position, t.county_id FROM "
			    "leadership l JOIN regions t ON t.id = l.township_id WHERE l.id = $1",
			    XZ_ARGS(XZ_INT(a->id)), &old)) < 0)
		return rc;
	pl.county_id = xz_row_int(old, "county_id");
	pl.township_id = xz_row_int(old, "township_id");
	if (!xz_scope_may(c, "leadership.write", &pl)) {
		rc = xz_scope_deny(c, "leadership.write");
		goto out;
	}
	/* one leader (组长) per township: the new one replaces the old */
	if (!strcmp(a->position, "leader") &&
	    (rc = xz_db_exec(c->db,
			     "UPDATE leadership SET position = 'member' WHERE township_id = $1 AND "
			     "position = 'leader' AND id <> $2",
			     XZ_ARGS(XZ_INT(pl.township_id), XZ_INT(a->id)), NULL)) < 0)
		goto out;
	if ((rc = xz_db_one(c->db,
			    "UPDATE leadership SET position = $2 WHERE id = $1 RETURNING id, "
			    "township_id, person_id, position",
			    XZ_ARGS(XZ_INT(a->id), XZ_TEXT(a->position)), &a->row)) < 0)
		goto out;
	json_object_del(old, "county_id");
	rc = xz_ctx_audit(c, "leadership.update", "township", pl.township_id, old, a->row);
out:
	json_decref(old);
	return rc;
}

int xz_leadership_set_position(struct xz_ctx *c, int64_t id, const char *position, json_t **row)
{
	struct leader_args a = {.id = id, .position = position};
	int rc = xz_ctx_tx(c, leader_position_tx, &a);
	if (rc < 0) {
		json_decref(a.row);
		a.row = NULL;
	}
	*row = a.row;
	return rc;
}
