/*
 * joint_plan.c — a joint action's plan (R5.1, R9.2): the checks shared by
 * creating and editing it, who may draft each mechanism, county-wide
 * actions split into one routine child per township, the police-support
 * rule of the township (applied once, here), and the links to units and
 * problems as rows (a problem taken up has the action in its history).
 */
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/joint_internal.h"
#include "domain/jointaction.h"

#define jint xz__jint
#define jstr xz__jstr

/* ---- plans ---- */

/* Who drafts an action of each mechanism (§4.2): the office for routine
 * and emergency, a unit's contact of the township for a special
 * application, the owning county department for a county-wide one. */
static const struct {
	unsigned kind, who;
} drafters[] = {
    {XZ_JM_ROUTINE, XZ_JW_OFFICE},
    {XZ_JM_EMERGENCY, XZ_JW_OFFICE},
    {XZ_JM_SPECIAL, XZ_JW_CONTACT},
    {XZ_JM_COUNTY, XZ_JW_OWNER},
};

static const char *const modes[] = {"centralised", "dispersed", NULL};

struct plan {
	const struct xz_joint_plan *in;
	int64_t start, end;
	json_t *units; /* owned: the units as they will be stored */
	const char *domain;
};

static bool one_of(const char *v, const char *const *set)
{
	for (; v && *set; set++)
		if (!strcmp(v, *set))
			return true;
	return false;
}

static bool over(const char *s, size_t max)
{
	return s && strlen(s) > max;
}

/* check_plan: the shape of a plan as created or edited (400 naming the
 * field); fills p->start and p->end. */
static int check_plan(struct xz_ctx *c, struct plan *p)
{
	const struct xz_joint_plan *in = p->in;
	size_t i;
	json_t *v;
	if (xz__joint_blank(in->title) || over(in->title, XZ_MAX_NAME))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "标题不能为空且不超过200字节",
				   "title is required (at most 200 bytes)", "title");
	if (xz_time_parse(in->planned_start, &p->start) < 0 ||
	    xz_time_parse(in->planned_end, &p->end) < 0 || p->end < p->start)
		return xz_ctx_fail(
		    c, XZ_EMALFORMED, "invalid_time",
		    "计划起止时间须为ISO 8601格式且结束不早于开始",
		    "planned_start/planned_end must be ISO 8601, end not before start",
		    "planned_start");
	if (in->mode && !one_of(in->mode, modes))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "mode须为centralised（集中办公）或dispersed（分散管理）",
				   "mode must be centralised or dispersed", "mode");
	if (over(in->targets, XZ_MAX_TEXT) || over(in->place, XZ_MAX_TEXT) ||
	    over(in->tasks, XZ_MAX_TEXT) || over(in->domain, XZ_MAX_NAME))
		return xz_ctx_fail(c, XZ_EMALFORMED, "too_long", "文字过长", "Text too long", NULL);
	if (in->problems &&
	    (!json_is_array(in->problems) || json_array_size(in->problems) > XZ_JOINT_MAX_PROBLEMS))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "problem_ids须为问题编号数组",
				   "problem_ids must be an array of ids", "problem_ids");
	json_array_foreach(in->problems, i,
			   v) if (!json_is_integer(v) ||
				  json_integer_value(v) <=
				      0) return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
							    "problem_ids须为正整数",
							    "problem_ids must be positive integers",
							    "problem_ids");
	p->domain = in->domain && !xz__joint_blank(in->domain) ? in->domain : NULL;
	return 0;
}

/* check_units: every id of arr is a unit of township (or, township 0, of
 * the county); 422 invalid_reference otherwise. */
static int check_units(struct xz_ctx *c, const json_t *arr, int64_t township, int64_t county,
		       const char *field)
{
	size_t i;
	json_t *v;
	if (!json_is_array(arr) || json_array_size(arr) > XZ_JOINT_MAX_UNITS)
		return xz_ctx_fail(
		    c, XZ_EMALFORMED, "invalid_body",
		    xz_arena_printf(c->arena, "%s须为派驻机构编号数组（至多50个）", field),
		    xz_arena_printf(c->arena, "%s must be an array of at most 50 unit ids", field),
		    field);
	json_array_foreach(arr, i, v)
	{
		int64_t n = 0, u = json_integer_value(v);
		if (!json_is_integer(v) || u <= 0)
			return xz_ctx_fail(
			    c, XZ_EMALFORMED, "invalid_body",
			    xz_arena_printf(c->arena, "%s须为正整数编号", field),
			    xz_arena_printf(c->arena, "%s must hold positive ids", field), field);
		if (xz_db_int(c->db,
			      "SELECT COUNT(*) FROM units WHERE id = $1 AND county_id = $2 AND "
			      "(CAST($3 AS BIGINT) IS NULL OR township_id = $3)",
			      XZ_ARGS(XZ_INT(u), XZ_INT(county), XZ_ID(township)), &n) < 0 ||
		    n == 0)
			return xz_ctx_fail(
			    c, XZ_ERULE, "invalid_reference",
			    xz_arena_printf(c->arena, "派驻机构%lld不在本乡镇（街道）",
					    (long long)u),
			    xz_arena_printf(c->arena, "Unit %lld is not in the township",
					    (long long)u),
			    field);
	}
	return 0;
}

static void add_unit(json_t *units, int64_t id)
{
	if (id > 0 && !xz__joint_has(units, id))
		json_array_append_new(units, json_integer(id));
}

/* police: the township's rule decides whether support is required; when
 * support is set (asked or required) the police station takes part. */
static int police(struct xz_ctx *c, unsigned kind, int64_t township, json_t *units, bool asked,
		  int *support, int *required)
{
	struct xz_joint_police_rule rule;
	int rc;
	*support = asked;
	*required = 0;
	if (township <= 0)
		return 0;
	if ((rc = xz_joint_police_rule(c->db, township, &rule)) < 0)
		return xz_ctx_fail_db(c, rc);
	*required = (rule.emergency && kind == XZ_JM_EMERGENCY) ||
		    (rule.major_units > 0 && (int64_t)json_array_size(units) > rule.major_units);
	*support = asked || *required;
	if (*support)
		add_unit(units, xz__joint_police_unit(c->db, township));
	return 0;
}

/* links: the action's units and problems as rows, in order; a problem
 * taken up for the first time has the action in its history. */
static int links(struct xz_ctx *c, int64_t id, const char *title, const json_t *units,
		 const json_t *problems)
{
	json_t *v;
	size_t i;
	int rc;
	if ((rc = xz_db_exec(c->db, "DELETE FROM joint_action_units WHERE action_id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) < 0)
		return xz_ctx_fail_db(c, rc);
	json_array_foreach(
	    units, i,
	    v) if ((rc = xz_db_exec(c->db,
				    "INSERT INTO joint_action_units (action_id, unit_id, position) "
				    "VALUES ($1, $2, $3)",
				    XZ_ARGS(XZ_INT(id), XZ_INT(json_integer_value(v)), XZ_INT(i)),
				    NULL)) < 0) return xz_ctx_fail_db(c, rc);
	if (!problems)
		return 0;
	if ((rc = xz_db_exec(c->db, "DELETE FROM joint_action_problems WHERE action_id = $1",
			     XZ_ARGS(XZ_INT(id)), NULL)) < 0)
		return xz_ctx_fail_db(c, rc);
	json_array_foreach(problems, i, v)
	{
		int64_t pid = json_integer_value(v), seen = 0;
		rc = xz_db_exec(
		    c->db,
		    "INSERT INTO joint_action_problems (action_id, problem_id, position) "
		    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
		    XZ_ARGS(XZ_INT(id), XZ_INT(pid), XZ_INT(i)), &seen);
		/* the problem's history shows the action that takes it up */
		if (rc == 0 && seen)
			rc = xz_db_exec(
			    c->db,
			    "INSERT INTO problem_history (problem_id, at, action, from_state, "
			    "to_state, user_id, user_name, note, data_json) SELECT id, $2, "
			    "'joint_action', state, state, $3, $4, $5, $6 FROM problems WHERE id = "
			    "$1 "
			    "AND NOT EXISTS (SELECT 1 FROM problem_history h WHERE h.problem_id = "
			    "$1 "
			    "AND h.action = 'joint_action' AND h.data_json = $6)",
			    XZ_ARGS(
				XZ_INT(pid), XZ_INT(c->now), XZ_ID(c->user ? c->user->id : 0),
				XZ_TEXT(c->user ? (c->user->display_name ?: c->user->username)
						: "系统"),
				XZ_TEXT(xz_arena_printf(c->arena, "纳入联合执法行动 #%lld「%s」",
							(long long)id, title)),
				XZ_TEXT(xz_arena_printf(c->arena, "{\"joint_action_id\":%lld}",
							(long long)id))),
			    NULL);
		if (rc < 0)
			return xz_ctx_fail_db(c, rc);
	}
	return 0;
}

/* insert: one action row with its links and its first history step. */
static int insert(struct xz_ctx *c, struct plan *p, unsigned kind, const char *scope,
		  int64_t parent, int64_t township, int64_t county, int64_t dept, int64_t applicant,
		  int64_t lead, json_t *units, int64_t *id)
{
	const struct xz_joint_plan *in = p->in;
	int support = 0, required = 0, rc;
	if ((rc = police(c, kind, township, units, in->police_support, &support, &required)) < 0)
		return rc;
	rc = xz_db_int(
	    c->db,
	    "INSERT INTO joint_actions (parent_id, scope, mechanism, state, title, targets, place, "
	    "mode, domain, tasks, township_id, county_id, department_id, applicant_unit_id, "
	    "lead_unit_id, police_support, police_required, planned_start, planned_end, "
	    "created_by, created_at, updated_at) VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, "
	    "$9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $20) RETURNING id",
	    XZ_ARGS(XZ_ID(parent), XZ_TEXT(scope), XZ_TEXT(in->mechanism), XZ_TEXT(in->title),
		    XZ_TEXT(in->targets ?: ""), XZ_TEXT(in->place ?: ""),
		    XZ_TEXT(in->mode ?: "centralised"), XZ_TEXT(p->domain),
		    XZ_TEXT(in->tasks ?: ""), XZ_ID(township), XZ_INT(county), XZ_ID(dept),
		    XZ_ID(applicant), XZ_ID(lead), XZ_INT(support), XZ_INT(required),
		    XZ_INT(p->start), XZ_INT(p->end), XZ_INT(c->user ? c->user->id : 0),
		    XZ_INT(c->now)),
	    id);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	if ((rc = links(c, *id, in->title, units, in->problems)) < 0)
		return rc;
	return xz__joint_history(c, *id, "create", NULL, "draft",
				 required ? "依本乡镇（街道）规则，须公安派出所参与保障" : NULL);
}

/* create_county: a county-wide unified action (R9.2) and one routine child
 * per township, in that township's office's hands, led locally by the
 * creating department's unit there. */
static int create_county(struct xz_ctx *c, struct plan *p, int64_t *id)
{
	const struct xz_joint_plan *in = p->in;
	int64_t county = c->user ? c->user->county_id : 0,
		dept = c->user ? c->user->department_id : 0;
	json_t *v, *u, *units = NULL;
	size_t i, k;
	int rc;
	if (strcmp(in->mechanism, "routine"))
		return xz_ctx_fail(c, XZ_ERULE, "invalid_mechanism", "县级统一行动以常规机制启动",
				   "A county-wide action uses the routine mechanism", "mechanism");
	if (!json_is_array(in->townships) || json_array_size(in->townships) < 1 ||
	    json_array_size(in->townships) > XZ_JOINT_MAX_TOWNSHIPS)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "township_ids须为乡镇编号数组",
				   "township_ids must be an array of township ids", "township_ids");
	json_array_foreach(in->townships, i, v)
	{
		int64_t n = 0;
		if (!json_is_integer(v) ||
		    xz_db_int(
			c->db,
			"SELECT COUNT(*) FROM regions WHERE id = $1 AND level = 'township' AND "
			"county_id = $2",
			XZ_ARGS(XZ_INT(json_integer_value(v)), XZ_INT(county)), &n) < 0 ||
		    !n)
			return xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "乡镇（街道）不在本县",
					   "A township is not in your county", "township_ids");
	}
	if ((rc = check_units(c, p->units, 0, county, "participating_units")) < 0 ||
	    (rc = insert(c, p, XZ_JM_COUNTY, "county", 0, 0, county, dept, 0, 0, p->units, id)) < 0)
		return rc;
	json_array_foreach(in->townships, i, v)
	{
		int64_t town = json_integer_value(v), child = 0, local = 0, ut;
		units = json_array();
		json_array_foreach(p->units, k, u)
		{
			if (xz_db_int(c->db, "SELECT township_id FROM units WHERE id = $1",
				      XZ_ARGS(XZ_INT(json_integer_value(u))), &ut) == 0 &&
			    ut == town)
				json_array_append(units, u);
		}
		if (dept > 0)
			xz_db_int(
			    c->db,
			    "SELECT id FROM units WHERE department_id = $1 AND township_id = $2 "
			    "ORDER BY id LIMIT 1",
			    XZ_ARGS(XZ_INT(dept), XZ_INT(town)), &local);
		add_unit(units, local);
		rc = insert(c, p, XZ_JM_ROUTINE, "township", *id, town, county, dept, 0, local,
			    units, &child);
		json_decref(units);
		if (rc < 0)
			return rc;
	}
	return 0;
}

struct create_arg {
	const struct xz_joint_plan *in;
	int64_t *id;
};

static int create_tx(struct xz_ctx *c, void *arg)
{
	struct create_arg *a = arg;
	const struct xz_joint_plan *in = a->in;
	struct plan p = {.in = in};
	struct xz_joint_rel rel = {.township_id = in->township_id};
	unsigned kind = xz_joint_mech_parse(in->mechanism), who;
	int64_t applicant = 0, lead = in->lead_unit_id, county;
	size_t i;
	bool may = false;
	int rc;

	if (!kind)
		return xz_ctx_fail(
		    c, XZ_EMALFORMED, "invalid_mechanism",
		    "mechanism须为routine（常规）、special（专项）或emergency（应急）",
		    "mechanism must be routine, special or emergency", "mechanism");
	if ((rc = check_plan(c, &p)) < 0)
		return rc;
	if (in->townships)
		kind = XZ_JM_COUNTY;
	else if (in->township_id <= 0)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "须指定township_id",
				   "township_id is required", "township_id");
	rel.county_id = c->user ? c->user->county_id : 0;
	rel.department_id = c->user ? c->user->department_id : 0;
	who = c->user ? xz_authz_joint_relation(c->user, &rel) : ~0u;
	for (i = 0; i < XZ_ARRAY_LEN(drafters); i++)
		may = may || (drafters[i].kind == kind && (drafters[i].who & who));
	if (!may)
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden",
				   "您无权对该联合执法行动执行此操作",
				   "You may not do this to this joint action", NULL);
	p.units = in->units ? json_copy(in->units) : json_array();
	if (kind == XZ_JM_COUNTY) {
		rc = create_county(c, &p, a->id);
		goto out;
	}
	if (xz_db_int(c->db, "SELECT county_id FROM regions WHERE id = $1",
		      XZ_ARGS(XZ_INT(in->township_id)), &county) < 0) {
		rc = xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "乡镇（街道）不存在",
				 "No such township", "township_id");
		goto out;
	}
	if ((rc = check_units(c, p.units, in->township_id, county, "participating_units")) < 0)
		goto out;
	if (kind == XZ_JM_SPECIAL) {
		applicant = c->user ? c->user->unit_id : lead;
		lead = 0; /* the applicant leads once launched */
		add_unit(p.units, applicant);
	} else if (lead > 0) {
		json_t *one = json_pack("[I]", (json_int_t)lead);
		rc = check_units(c, one, in->township_id, county, "lead_unit_id");
		json_decref(one);
		if (rc < 0)
			goto out;
		add_unit(p.units, lead);
	}
	rc = insert(c, &p, kind, "township", 0, in->township_id, county, 0, applicant, lead,
		    p.units, a->id);
out:
	if (rc == 0)
		rc = xz_ctx_audit(c, "joint.create", "joint_action", *a->id, NULL, NULL);
	json_decref(p.units);
	return rc;
}

int xz_joint_create(struct xz_ctx *c, const struct xz_joint_plan *p, int64_t *id)
{
	struct create_arg a = {p, id};
	*id = 0;
	return xz_ctx_tx(c, create_tx, &a);
}

struct edit_arg {
	int64_t id;
	const struct xz_joint_plan *in;
};

static int edit_tx(struct xz_ctx *c, void *arg)
{
	struct edit_arg *a = arg;
	struct plan p = {.in = a->in};
	json_t *row = NULL;
	int64_t town, county, lead, changes = 0;
	unsigned kind;
	int support = 0, required = 0, rc;

	if ((rc = check_plan(c, &p)) < 0 || (rc = xz_joint_load(c, a->id, &row)) < 0)
		return rc;
	kind = xz_joint_kind(row);
	if ((rc = xz__joint_may(c, "edit", row, xz__joint_who(c, row, 0, 0))) < 0)
		goto out;
	if (a->in->version != jint(row, "version")) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "方案已被他人修改，请刷新",
				 "Changed by someone else", "version");
		goto out;
	}
	town = jint(row, "township_id");
	county = jint(row, "county_id");
	lead = kind == XZ_JM_SPECIAL ? 0 : a->in->lead_unit_id;
	if (a->in->units)
		p.units = json_copy(a->in->units);
	else if ((rc = xz__joint_units(c->db, a->id, &p.units)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	if ((rc = check_units(c, p.units, town, county, "participating_units")) < 0)
		goto out;
	add_unit(p.units, jint(row, "applicant_unit_id"));
	if (lead > 0) {
		json_t *one = json_pack("[I]", (json_int_t)lead);
		rc = check_units(c, one, town, county, "lead_unit_id");
		json_decref(one);
		if (rc < 0)
			goto out;
		add_unit(p.units, lead);
	}
	if ((rc = police(c, kind, town, p.units, a->in->police_support, &support, &required)) < 0)
		goto out;
	rc = xz_db_exec(
	    c->db,
	    "UPDATE joint_actions SET title = $3, targets = $4, place = $5, mode = $6, domain = "
	    "$7, "
	    "tasks = $8, lead_unit_id = $9, police_support = $10, police_required = $11, "
	    "planned_start = $12, planned_end = $13, version = version + 1, updated_at = $14 "
	    "WHERE id = $1 AND version = $2 AND state = 'draft'",
	    XZ_ARGS(XZ_INT(a->id), XZ_INT(a->in->version), XZ_TEXT(a->in->title),
		    XZ_TEXT(a->in->targets ?: ""), XZ_TEXT(a->in->place ?: ""),
		    XZ_TEXT(a->in->mode ?: "centralised"), XZ_TEXT(p.domain),
		    XZ_TEXT(a->in->tasks ?: ""), XZ_ID(lead), XZ_INT(support), XZ_INT(required),
		    XZ_INT(p.start), XZ_INT(p.end), XZ_INT(c->now)),
	    &changes);
	if (rc == 0 && !changes)
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "方案已被他人修改，请刷新",
				 "Changed by someone else", "version");
	if (rc == 0) {
		json_t *none = json_array();
		rc = links(c, a->id, a->in->title, p.units,
			   a->in->problems ? a->in->problems : none);
		json_decref(none);
	}
	if (rc == 0)
		rc = xz__joint_history(c, a->id, "edit", "draft", "draft", "修改行动方案");
	if (rc == 0)
		rc = xz_ctx_audit(c, "joint.update", "joint_action", a->id, NULL, NULL);
out:
	json_decref(p.units);
	json_decref(row);
	return rc < 0 && !c->err_code ? xz_ctx_fail_db(c, rc) : rc;
}

int xz_joint_edit(struct xz_ctx *c, int64_t id, const struct xz_joint_plan *p)
{
	struct edit_arg a = {id, p};
	return xz_ctx_tx(c, edit_tx, &a);
}
