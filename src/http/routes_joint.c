/*
 * routes_joint.c — joint enforcement coordination and command (R5, R9.2;
 * seed §4): actions of the three launch mechanisms moved through the state
 * machine of domain/jointaction.c, participants with the qualification
 * rule, interactive-enforcement notices with their same-day clock,
 * incidents handed to the police station, findings, the written decision
 * and the plan as official-document PDFs, and county-wide unified actions
 * whose township parts are routine children. Every deadline goes through
 * the calendar module; every change is in the action's history and the
 * audit trail.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"
#include "domain/grid.h"
#include "domain/jointaction.h"
#include "domain/problem.h"
#include "domain/officialdoc.h"
#include "domain/routing.h"
#include "http/resource.h"

#define ACTION_COLS                                                                                \
	"a.id, a.parent_id, a.scope, a.mechanism, a.state, a.title, a.targets, a.place, "          \
	"a.mode, a.domain, a.tasks, a.township_id, a.county_id, a.department_id, "                 \
	"a.applicant_unit_id, a.lead_unit_id, a.units_json, a.problem_ids_json, "                  \
	"a.police_support, a.police_required, a.planned_start, a.planned_end, "                    \
	"a.received_at, a.forward_due_at, a.forwarded_at, a.forward_late, a.decided_at, "          \
	"a.decided_by, a.launch, a.reasons, a.decision_no, a.approved_at, "                        \
	"a.approval_seconds, a.started_at, a.concluded_at, a.summary, a.created_by, "              \
	"a.version, a.created_at, a.updated_at, t.name AS township_name"

#define ACTION_FROM " FROM joint_actions a LEFT JOIN regions t ON t.id = a.township_id "

static const char *const modes[] = {"centralised", "dispersed", NULL};
static const char *const open_states[] = {"draft",    "submitted",   "forwarded",
					  "approved", "in_progress", NULL};

/* blank: NULL, empty or only ASCII spaces. */
static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static bool json_has_id(const json_t *arr, int64_t id)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v) if (json_integer_value(v) == id) return true;
	return false;
}

/* units_of: the action's participating units (new array, caller owns),
 * including the lead and applying units. */
static json_t *units_of(const json_t *row)
{
	json_t *u = json_loads(xz_jstr(row, "units_json") ?: "[]", 0, NULL);
	int64_t lead = xz_jint(row, "lead_unit_id"), app = xz_jint(row, "applicant_unit_id");
	if (!json_is_array(u)) {
		json_decref(u);
		u = json_array();
	}
	if (lead > 0 && !json_has_id(u, lead))
		json_array_append_new(u, json_integer(lead));
	if (app > 0 && !json_has_id(u, app))
		json_array_append_new(u, json_integer(app));
	return u;
}

static void place_of(const json_t *row, struct xz_place *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->county_id = xz_jint(row, "county_id");
	pl->township_id = xz_jint(row, "township_id");
}

static unsigned mech_of(const json_t *row)
{
	const char *scope = xz_jstr(row, "scope");
	if (scope && !strcmp(scope, "county"))
		return XZ_JM_COUNTY;
	return xz_joint_mech_parse(xz_jstr(row, "mechanism"));
}

/* who_of: the caller's relation to the action (XZ_JW_* bits). */
static unsigned who_of(struct xz_req *r, const json_t *row)
{
	const struct xz_user *u = r->user;
	int64_t town = xz_jint(row, "township_id");
	unsigned who = 0;
	if (!u)
		return 0;
	if (town > 0 && u->township_id == town) {
		if (u->roles & XZ_ROLE_OFFICE)
			who |= XZ_JW_OFFICE;
		if ((u->roles & XZ_ROLE_LEADER) && u->person_id > 0) {
			json_t *lr = NULL;
			if (xz_db_one(xz_req_db(r),
				      "SELECT position FROM leadership WHERE township_id = $1 AND "
				      "person_id = $2",
				      XZ_ARGS(XZ_INT(town), XZ_INT(u->person_id)), &lr) == 0) {
				const char *pos = xz_jstr(lr, "position");
				if (pos && !strcmp(pos, "leader"))
					who |= XZ_JW_LEADER | XZ_JW_HEAD;
				else if (pos && !strcmp(pos, "deputy"))
					who |= XZ_JW_LEADER;
			}
			json_decref(lr);
		}
	}
	if ((u->roles & XZ_ROLE_CONTACT) && u->unit_id > 0) {
		if (u->unit_id == xz_jint(row, "applicant_unit_id"))
			who |= XZ_JW_APPLICANT;
		if (u->unit_id == xz_jint(row, "lead_unit_id"))
			who |= XZ_JW_LEAD;
	}
	if (town <= 0 && u->county_id == xz_jint(row, "county_id") &&
	    (((u->roles & XZ_ROLE_DEPT) && u->department_id > 0 &&
	      u->department_id == xz_jint(row, "department_id")) ||
	     (u->roles & XZ_ROLE_ADMIN)))
		who |= XZ_JW_OWNER;
	return who;
}

/* is_member: a contact of a participating unit, or a named participant. */
static bool is_member(struct xz_req *r, const json_t *row)
{
	json_t *units = units_of(row);
	int64_t n = 0;
	bool yes = (r->user->roles & XZ_ROLE_CONTACT) && json_has_id(units, r->user->unit_id);
	json_decref(units);
	if (!yes && r->user->person_id > 0 &&
	    xz_db_int(
		xz_req_db(r),
		"SELECT COUNT(*) FROM joint_participants WHERE action_id = $1 AND person_id = $2",
		XZ_ARGS(XZ_INT(xz_jint(row, "id")), XZ_INT(r->user->person_id)), &n) == 0)
		yes = n > 0;
	return yes;
}

/* deny: 403 forbidden, audited. */
static int deny(struct xz_req *r, const char *what, int64_t id)
{
	xz_req_audit(r, xz_arena_printf(r->arena, "joint.%s", what), "joint_action", id, "denied",
		     NULL, NULL);
	return xz_fail(r, XZ_EFORBIDDEN, "forbidden", "您无权对该联合执法行动执行此操作",
		       "You may not do this to this joint action", NULL);
}

static bool special_working(struct xz_req *r)
{
	return xz_joint_setting_int(xz_req_db(r), "joint.special_days_working", 0) == 1;
}

/* load_action: the stored action, visible to the caller under joint.read
 * (404 otherwise). Caller owns *row. */
static int load_action(struct xz_req *r, int64_t id, json_t **row)
{
	struct xz_place pl;
	int rc = xz_db_one(xz_req_db(r), "SELECT " ACTION_COLS ACTION_FROM "WHERE a.id = $1",
			   XZ_ARGS(XZ_INT(id)), row);
	if (rc == XZ_ENOTFOUND)
		return xz_fail(r, rc, "not_found", "联合执法行动不存在", "No such joint action",
			       NULL);
	if (rc < 0)
		return xz_fail_db(r, rc);
	place_of(*row, &pl);
	if (!xz_authz(r->user, "joint.read", &pl)) {
		json_decref(*row);
		*row = NULL;
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "联合执法行动不存在",
			       "No such joint action", NULL);
	}
	return 0;
}

static void set_time(json_t *o, const char *key)
{
	char buf[XZ_TIME_LEN];
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		json_object_set_new(o, key,
				    json_string(xz_time_format(json_integer_value(v), buf)));
}

static void set_bool(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		json_object_set_new(o, key, json_boolean(json_integer_value(v)));
}

/* present: an action row for the API (in place; returns row). */
static json_t *present(json_t *row)
{
	int64_t due = xz_jint(row, "forward_due_at"), fwd = xz_jint(row, "forwarded_at");
	const char *state = xz_jstr(row, "state");
	bool overdue =
	    due > 0 && ((fwd <= 0 && state && !strcmp(state, "submitted") && xz_now() > due) ||
			(fwd > 0 && fwd > due));
	json_t *units = units_of(row);
	json_object_set_new(row, "participating_units", units);
	json_object_set_new(row, "forward_overdue", json_boolean(overdue));
	set_time(row, "planned_start");
	set_time(row, "planned_end");
	set_bool(row, "police_support");
	set_bool(row, "police_required");
	set_bool(row, "forward_late");
	set_bool(row, "launch");
	xz_present(row);
	if (json_object_get(row, "units"))
		json_object_del(row, "units");
	return row;
}

/* ---- reading ---- */

static int actions_list(struct xz_req *r)
{
	struct xz_place f;
	int64_t after, limit, town = 0;
	const char *state = xz_req_query(r, "state"), *mech = xz_req_query(r, "mechanism");
	json_t *rows = NULL, *row;
	size_t i;
	int rc;
	if ((rc = xz_req_page(r, &after, &limit)) < 0 ||
	    (rc = xz_req_query_id(r, "township", &town)) < 0)
		return rc;
	if (!town && (rc = xz_req_query_id(r, "township_id", &town)) < 0)
		return rc;
	if (mech && !xz_joint_mech_parse(mech))
		return xz_fail(r, XZ_EMALFORMED, "invalid_query",
			       "mechanism须为routine、special或emergency",
			       "mechanism must be routine, special or emergency", "mechanism");
	if (!xz_authz_filter(r->user, "joint.read", &f))
		return xz_authorize(r, "joint.read", NULL);
	rc = xz_db_query(
	    xz_req_db(r),
	    "SELECT " ACTION_COLS ACTION_FROM
	    "WHERE a.id > $1 AND (CAST($2 AS BIGINT) IS NULL OR a.township_id = $2 OR "
	    "a.township_id IS NULL) AND (CAST($3 AS BIGINT) IS NULL OR a.county_id = $3) "
	    "AND (CAST($4 AS BIGINT) IS NULL OR a.township_id = $4) AND (CAST($5 AS TEXT) "
	    "IS NULL OR a.state = $5) AND (CAST($6 AS TEXT) IS NULL OR a.mechanism = $6) "
	    "ORDER BY a.id LIMIT $7",
	    XZ_ARGS(XZ_INT(after), XZ_ID(f.township_id), XZ_ID(f.county_id), XZ_ID(town),
		    XZ_TEXT(state), XZ_TEXT(mech), XZ_INT(limit)),
	    &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	json_array_foreach(rows, i, row) present(row);
	return xz_reply_page(r, rows, limit);
}

static int sub_list(struct xz_req *r, const char *sql, int64_t id, json_t **out)
{
	json_t *rows = NULL;
	int rc = xz_db_query(xz_req_db(r), sql, XZ_ARGS(XZ_INT(id)), &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	*out = xz_present_all(rows);
	return 0;
}

/* items_of_action: {"items": rows of sql ($1 = the action's id)} for an
 * action the caller may see (participants, incidents, findings). */
static int items_of_action(struct xz_req *r, const char *sql)
{
	int64_t id;
	json_t *row = NULL, *rows = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load_action(r, id, &row)) < 0)
		return rc;
	json_decref(row);
	if ((rc = sub_list(r, sql, id, &rows)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "items", rows));
}

#define PARTICIPANT_SQL                                                                            \
	"SELECT jp.id, jp.action_id, jp.unit_id, u.name AS unit_name, jp.person_id, p.name, "      \
	"p.is_auxiliary, jp.role, jp.added_at, jp.checked_in_at, jp.checked_out_at FROM "          \
	"joint_participants jp JOIN people p ON p.id = jp.person_id JOIN units u ON u.id = "       \
	"jp.unit_id "
#define NOTICE_SQL                                                                                 \
	"SELECT n.id, n.action_id, a.title AS action_title, n.unit_id, u.name AS unit_name, "      \
	"n.category, n.description, n.lon, n.lat, n.power_code, n.routing_reason, "                \
	"n.issued_at, n.due_at, n.answered_at, n.officers_json, n.late FROM joint_notices n "      \
	"JOIN units u ON u.id = n.unit_id JOIN joint_actions a ON a.id = n.action_id "
#define INCIDENT_SQL                                                                               \
	"SELECT i.id, i.action_id, i.kind, i.description, i.evidence_json, i.occurred_at, "        \
	"i.handed_to_unit_id, u.name AS handed_to_unit_name, i.handed_at, i.state, "               \
	"i.follow_up, i.followed_up_at FROM joint_incidents i JOIN units u ON u.id = "             \
	"i.handed_to_unit_id "
#define FINDING_SQL                                                                                \
	"SELECT id, action_id, description, category, lon, lat, problem_id, reported_by, "         \
	"created_at FROM joint_findings "

/* notice_present: the notice's same-day clock (in place). */
static json_t *notice_present(json_t *n)
{
	int64_t due = xz_jint(n, "due_at"), ans = xz_jint(n, "answered_at"), now = xz_now();
	bool late = ans > 0 ? ans > due : now > due;
	json_object_set_new(n, "late", json_boolean(late));
	json_object_set_new(n, "answered", json_boolean(ans > 0));
	json_object_set_new(n, "seconds_left", json_integer(ans > 0 || now > due ? 0 : due - now));
	if (!json_object_get(n, "officers_json") ||
	    json_is_null(json_object_get(n, "officers_json")))
		json_object_set_new(n, "officers_json", json_string("[]"));
	return xz_present(n);
}

static int action_view(struct xz_req *r, int64_t id, unsigned status)
{
	json_t *row = NULL, *hist = NULL, *parts = NULL, *notices = NULL, *inc = NULL,
	       *finds = NULL, *children = NULL, *n;
	size_t i;
	int rc;
	if ((rc = load_action(r, id, &row)) < 0)
		return rc;
	if ((rc = sub_list(r,
			   "SELECT at, username, action, from_state, to_state, note FROM "
			   "joint_history WHERE action_id = $1 ORDER BY id",
			   id, &hist)) < 0 ||
	    (rc = sub_list(r, PARTICIPANT_SQL "WHERE jp.action_id = $1 ORDER BY jp.id", id,
			   &parts)) < 0 ||
	    (rc = xz_db_query(xz_req_db(r), NOTICE_SQL "WHERE n.action_id = $1 ORDER BY n.id",
			      XZ_ARGS(XZ_INT(id)), &notices)) < 0 ||
	    (rc = sub_list(r, INCIDENT_SQL "WHERE i.action_id = $1 ORDER BY i.id", id, &inc)) < 0 ||
	    (rc = sub_list(r, FINDING_SQL "WHERE action_id = $1 ORDER BY id", id, &finds)) < 0)
		goto out;
	if (rc == 0)
		json_array_foreach(hist, i, n)
		{
			char buf[XZ_TIME_LEN];
			json_object_set_new(n, "at",
					    json_string(xz_time_format(xz_jint(n, "at"), buf)));
		}
	rc = xz_db_query(xz_req_db(r),
			 "SELECT " ACTION_COLS ACTION_FROM "WHERE a.parent_id = $1 "
			 "ORDER BY a.id",
			 XZ_ARGS(XZ_INT(id)), &children);
	if (rc < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	json_array_foreach(children, i, n) present(n);
	json_array_foreach(notices, i, n) notice_present(n);
	json_object_set_new(row, "allowed_actions",
			    xz_joint_allowed(mech_of(row), xz_jstr(row, "state"), who_of(r, row)));
	present(row);
	json_object_set_new(row, "history", hist);
	json_object_set_new(row, "participants", parts);
	json_object_set_new(row, "notices", notices);
	json_object_set_new(row, "incidents", inc);
	json_object_set_new(row, "findings", finds);
	json_object_set_new(row, "children", children);
	hist = parts = notices = inc = finds = children = NULL;
	rc = xz_reply(r, status, row);
	row = NULL;
out:
	json_decref(hist);
	json_decref(parts);
	json_decref(notices);
	json_decref(inc);
	json_decref(finds);
	json_decref(children);
	json_decref(row);
	return rc;
}

static int action_get(struct xz_req *r)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	return action_view(r, id, 200);
}

/* history: one step in the action's history. */
static int history(struct xz_req *r, int64_t id, const char *action, const char *from,
		   const char *to, const char *note)
{
	return xz_db_exec(xz_req_db(r),
			  "INSERT INTO joint_history (action_id, at, user_id, username, action, "
			  "from_state, to_state, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			  XZ_ARGS(XZ_INT(id), XZ_INT(xz_now()), XZ_ID(r->user->id),
				  XZ_TEXT(r->user->username), XZ_TEXT(action), XZ_TEXT(from),
				  XZ_TEXT(to), XZ_TEXT(note)),
			  NULL);
}

/* record_step: a step that leaves the action's state as it is: its
 * history entry, the audit entry (with the request body) and the commit of
 * the caller's transaction. The caller rolls back on failure. */
static int record_step(struct xz_req *r, int64_t id, const json_t *row, const char *action,
		       const char *note, const char *audit_action, const char *object_type,
		       int64_t object_id)
{
	int rc = history(r, id, action, xz_jstr(row, "state"), xz_jstr(row, "state"), note);
	if (rc == 0)
		rc = xz_req_audit(r, audit_action, object_type, object_id, "ok", NULL, r->in);
	if (rc == 0)
		rc = xz_db_commit(xz_req_db(r));
	return rc;
}

/* ---- creating ---- */

/* Who drafts an action of each mechanism (§4.2): the office for routine
 * and emergency, a unit's contact for a special application. */
static const struct {
	unsigned mech;
	unsigned roles;
} drafters[] = {
    {XZ_JM_ROUTINE, XZ_ROLE_OFFICE},
    {XZ_JM_EMERGENCY, XZ_ROLE_OFFICE},
    {XZ_JM_SPECIAL, XZ_ROLE_CONTACT},
};

struct plan {
	const char *mechanism, *title, *targets, *place, *mode, *tasks, *domain;
	int64_t start, end, lead;
	int police;
	json_t *units, *problems;
};

/* check_units: every id of arr is a unit of township (or, township 0, of
 * the county); answers 422 invalid_reference otherwise. */
static int check_units(struct xz_req *r, json_t *arr, int64_t township, int64_t county,
		       const char *field)
{
	size_t i;
	json_t *v;
	if (!json_is_array(arr) || json_array_size(arr) > 50)
		return xz_fail(
		    r, XZ_EMALFORMED, "invalid_body",
		    xz_arena_printf(r->arena, "%s须为派驻机构编号数组（至多50个）", field),
		    xz_arena_printf(r->arena, "%s must be an array of at most 50 unit ids", field),
		    field);
	json_array_foreach(arr, i, v)
	{
		int64_t n = 0;
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return xz_fail(
			    r, XZ_EMALFORMED, "invalid_body",
			    xz_arena_printf(r->arena, "%s须为正整数编号", field),
			    xz_arena_printf(r->arena, "%s must hold positive ids", field), field);
		if (xz_db_int(
			xz_req_db(r),
			"SELECT COUNT(*) FROM units WHERE id = $1 AND county_id = $2 AND "
			"(CAST($3 AS BIGINT) IS NULL OR township_id = $3)",
			XZ_ARGS(XZ_INT(json_integer_value(v)), XZ_INT(county), XZ_ID(township)),
			&n) < 0 ||
		    n == 0)
			return xz_fail(r, XZ_ERULE, "invalid_reference",
				       xz_arena_printf(r->arena, "派驻机构%lld不在本乡镇（街道）",
						       (long long)json_integer_value(v)),
				       xz_arena_printf(r->arena, "Unit %lld is not in the township",
						       (long long)json_integer_value(v)),
				       field);
	}
	return 0;
}

static int64_t police_unit(struct xz_req *r, int64_t township)
{
	int64_t id = 0;
	if (xz_db_int(xz_req_db(r),
		      "SELECT u.id FROM units u JOIN departments d ON d.id = u.department_id WHERE "
		      "d.code = 'GA' AND u.township_id = $1 ORDER BY u.id LIMIT 1",
		      XZ_ARGS(XZ_INT(township)), &id) < 0)
		return 0;
	return id;
}

/* insert_action: one action row with its first history step. */
static int insert_action(struct xz_req *r, const struct plan *p, const char *scope, int64_t parent,
			 int64_t township, int64_t county, int64_t dept, int64_t applicant,
			 json_t *units, int64_t *id)
{
	char *uj = json_dumps(units, JSON_COMPACT), *pj = json_dumps(p->problems, JSON_COMPACT);
	int64_t now = xz_now(), major = xz_joint_setting_int(xz_req_db(r), "joint.major_units",
							     XZ_JOINT_MAJOR_UNITS);
	bool required =
	    !strcmp(p->mechanism, "emergency") || (int64_t)json_array_size(units) > major;
	int police = p->police || required;
	int rc;
	if (police && township > 0) {
		int64_t ga = police_unit(r, township);
		if (ga > 0 && !json_has_id(units, ga)) {
			json_array_append_new(units, json_integer(ga));
			free(uj);
			uj = json_dumps(units, JSON_COMPACT);
		}
	}
	rc = xz_db_int(
	    xz_req_db(r),
	    "INSERT INTO joint_actions (parent_id, scope, mechanism, state, title, "
	    "targets, place, mode, domain, tasks, township_id, county_id, department_id, "
	    "applicant_unit_id, lead_unit_id, units_json, problem_ids_json, "
	    "police_support, police_required, planned_start, planned_end, created_by, "
	    "created_at, updated_at) VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $8, $9, "
	    "$10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22) "
	    "RETURNING id",
	    XZ_ARGS(XZ_ID(parent), XZ_TEXT(scope), XZ_TEXT(p->mechanism), XZ_TEXT(p->title),
		    XZ_TEXT(p->targets ?: ""), XZ_TEXT(p->place ?: ""),
		    XZ_TEXT(p->mode ?: "centralised"), XZ_TEXT(p->domain), XZ_TEXT(p->tasks ?: ""),
		    XZ_ID(township), XZ_INT(county), XZ_ID(dept), XZ_ID(applicant), XZ_ID(p->lead),
		    XZ_TEXT(uj), XZ_TEXT(pj), XZ_INT(police), XZ_INT(required), XZ_INT(p->start),
		    XZ_INT(p->end), XZ_INT(r->user->id), XZ_INT(now)),
	    id);
	if (rc == 0)
		rc = history(r, *id, "create", NULL, "draft",
			     required ? "重大或应急行动，须公安派出所参与保障" : NULL);
	free(uj);
	free(pj);
	return rc;
}

/* create_county: a county-wide unified action (R9.2) and one routine child
 * per township, in that township's office's hands, led locally by the
 * creating department's unit there. */
static int create_county(struct xz_req *r, struct plan *p, json_t *towns, int64_t *id)
{
	int64_t county = r->user->county_id, dept = r->user->department_id;
	json_t *v, *u, *units = NULL;
	size_t i, k;
	int rc;
	if (!(r->user->roles & (XZ_ROLE_DEPT | XZ_ROLE_ADMIN)))
		return deny(r, "create", 0);
	if (strcmp(p->mechanism, "routine"))
		return xz_fail(r, XZ_ERULE, "invalid_mechanism", "县级统一行动以常规机制启动",
			       "A county-wide action uses the routine mechanism", "mechanism");
	if (!json_is_array(towns) || json_array_size(towns) < 1 || json_array_size(towns) > 100)
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "township_ids须为乡镇编号数组",
			       "township_ids must be an array of township ids", "township_ids");
	json_array_foreach(towns, i, v)
	{
		int64_t n = 0;
		if (!json_is_integer(v) ||
		    xz_db_int(
			xz_req_db(r),
			"SELECT COUNT(*) FROM regions WHERE id = $1 AND level = 'township' AND "
			"county_id = $2",
			XZ_ARGS(XZ_INT(json_integer_value(v)), XZ_INT(county)), &n) < 0 ||
		    !n)
			return xz_fail(r, XZ_ERULE, "invalid_reference", "乡镇（街道）不在本县",
				       "A township is not in your county", "township_ids");
	}
	if ((rc = check_units(r, p->units, 0, county, "participating_units")) < 0)
		return rc;
	p->lead = 0;
	if ((rc = insert_action(r, p, "county", 0, 0, county, dept, 0, p->units, id)) < 0)
		return xz_fail_db(r, rc);
	json_array_foreach(towns, i, v)
	{
		int64_t town = json_integer_value(v), child = 0, local = 0, ut;
		struct plan cp = *p;
		units = json_array();
		json_array_foreach(p->units, k, u)
		{
			if (xz_db_int(xz_req_db(r), "SELECT township_id FROM units WHERE id = $1",
				      XZ_ARGS(XZ_INT(json_integer_value(u))), &ut) == 0 &&
			    ut == town)
				json_array_append(units, u);
		}
		if (dept > 0 &&
		    xz_db_int(xz_req_db(r),
			      "SELECT id FROM units WHERE department_id = $1 AND township_id = $2 "
			      "ORDER BY id LIMIT 1",
			      XZ_ARGS(XZ_INT(dept), XZ_INT(town)), &local) == 0 &&
		    !json_has_id(units, local))
			json_array_append_new(units, json_integer(local));
		cp.lead = local;
		rc = insert_action(r, &cp, "township", *id, town, county, dept, 0, units, &child);
		json_decref(units);
		if (rc < 0)
			return xz_fail_db(r, rc);
	}
	return 0;
}

/* check_plan: the shape of a plan as created or edited (400 naming the
 * field); fills p->start and p->end. */
static int check_plan(struct xz_req *r, struct plan *p, const char *ps, const char *pe,
		      const json_t *problems)
{
	size_t i;
	json_t *v;
	if (blank(p->title) || strlen(p->title) > XZ_MAX_NAME)
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "标题不能为空且不超过200字节",
			       "title is required (at most 200 bytes)", "title");
	if (xz_time_parse(ps, &p->start) < 0 || xz_time_parse(pe, &p->end) < 0 ||
	    p->end < p->start)
		return xz_fail(r, XZ_EMALFORMED, "invalid_time",
			       "计划起止时间须为ISO 8601格式且结束不早于开始",
			       "planned_start/planned_end must be ISO 8601, end not before start",
			       "planned_start");
	if (p->mode && !xz_one_of(p->mode, modes))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body",
			       "mode须为centralised（集中办公）或dispersed（分散管理）",
			       "mode must be centralised or dispersed", "mode");
	if ((p->targets && strlen(p->targets) > XZ_MAX_TEXT) ||
	    (p->place && strlen(p->place) > XZ_MAX_TEXT) ||
	    (p->tasks && strlen(p->tasks) > XZ_MAX_TEXT) ||
	    (p->domain && strlen(p->domain) > XZ_MAX_NAME))
		return xz_fail(r, XZ_EMALFORMED, "too_long", "文字过长", "Text too long", NULL);
	if (problems && (!json_is_array(problems) || json_array_size(problems) > 200))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "problem_ids须为问题编号数组",
			       "problem_ids must be an array of ids", "problem_ids");
	json_array_foreach(problems, i, v)
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return xz_fail(r, XZ_EMALFORMED, "invalid_body", "problem_ids须为正整数",
				       "problem_ids must be positive integers", "problem_ids");
	return 0;
}

static int action_create(struct xz_req *r)
{
	struct plan p = {0};
	const char *ps = NULL, *pe = NULL;
	json_int_t town = 0, lead = 0;
	json_t *towns = NULL, *units = NULL, *problems = NULL;
	int64_t id = 0, applicant = 0;
	unsigned mech;
	size_t i;
	int rc;

	if ((rc = xz_req_unpack(r, "{s:s,s:s,s:s,s:s,s?I,s?o,s?o,s?s,s?s,s?s,s?I,s?s,s?b,s?o,s?s}",
				"mechanism", &p.mechanism, "title", &p.title, "planned_start", &ps,
				"planned_end", &pe, "township_id", &town, "township_ids", &towns,
				"participating_units", &units, "targets", &p.targets, "place",
				&p.place, "mode", &p.mode, "lead_unit_id", &lead, "tasks", &p.tasks,
				"police_support", &p.police, "problem_ids", &problems, "domain",
				&p.domain)) < 0)
		return rc;
	if (!(mech = xz_joint_mech_parse(p.mechanism)))
		return xz_fail(r, XZ_EMALFORMED, "invalid_mechanism",
			       "mechanism须为routine（常规）、special（专项）或emergency（应急）",
			       "mechanism must be routine, special or emergency", "mechanism");
	if ((rc = check_plan(r, &p, ps, pe, problems)) < 0)
		return rc;
	p.problems = problems ? problems : json_array();
	p.units = units ? json_copy(units) : json_array();
	p.lead = lead;
	if (p.domain && blank(p.domain))
		p.domain = NULL;

	if ((rc = xz_db_begin(xz_req_db(r))) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	if (towns) {
		if ((rc = create_county(r, &p, towns, &id)) < 0)
			goto out;
	} else {
		bool may = false;
		if (town <= 0) {
			rc = xz_fail(r, XZ_EMALFORMED, "invalid_body", "须指定township_id",
				     "township_id is required", "township_id");
			goto out;
		}
		for (i = 0; i < XZ_ARRAY_LEN(drafters); i++)
			may = may ||
			      (drafters[i].mech == mech && (drafters[i].roles & r->user->roles));
		if (!may || r->user->township_id != town) {
			rc = deny(r, "create", 0);
			goto out;
		}
		if ((rc = check_units(r, p.units, town, r->user->county_id,
				      "participating_units")) < 0)
			goto out;
		if (mech == XZ_JM_SPECIAL) {
			applicant = r->user->unit_id;
			p.lead = 0; /* the applicant leads once launched */
			if (!json_has_id(p.units, applicant))
				json_array_append_new(p.units, json_integer(applicant));
		} else if (p.lead > 0) {
			json_t *one = json_pack("[I]", (json_int_t)p.lead);
			rc = check_units(r, one, town, r->user->county_id, "lead_unit_id");
			json_decref(one);
			if (rc < 0)
				goto out;
			if (!json_has_id(p.units, p.lead))
				json_array_append_new(p.units, json_integer(p.lead));
		}
		if ((rc = insert_action(r, &p, "township", 0, town, r->user->county_id, 0,
					applicant, p.units, &id)) < 0) {
			rc = xz_fail_db(r, rc);
			goto out;
		}
	}
	if ((rc = xz_req_audit(r, "joint.create", "joint_action", id, "ok", NULL, r->in)) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	rc = action_view(r, id, 201);
out:
	if (rc < 0)
		xz_db_rollback(xz_req_db(r));
	json_decref(p.units);
	if (!problems)
		json_decref(p.problems);
	return rc;
}

/* action_update: revise a draft (a plan sent back by the leader, or not
 * yet submitted): the drafting office, or the applying unit's contact for a
 * special application. Mechanism and township stay; the version guards
 * against two people editing at once. */
static int action_update(struct xz_req *r)
{
	struct plan p = {0};
	const char *ps = NULL, *pe = NULL;
	json_int_t lead = 0, version = 0;
	json_t *units = NULL, *problems = NULL, *row = NULL;
	char *uj = NULL, *pj = NULL;
	int64_t id, town, major, applicant, changes = 0;
	unsigned mech, who;
	bool required;
	int rc;

	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:I,s:s,s:s,s:s,s?o,s?s,s?s,s?s,s?I,s?s,s?b,s?o,s?s}",
				"version", &version, "title", &p.title, "planned_start", &ps,
				"planned_end", &pe, "participating_units", &units, "targets",
				&p.targets, "place", &p.place, "mode", &p.mode, "lead_unit_id", &lead,
				"tasks", &p.tasks, "police_support", &p.police, "problem_ids",
				&problems, "domain", &p.domain)) < 0 ||
	    (rc = check_plan(r, &p, ps, pe, problems)) < 0 || (rc = load_action(r, id, &row)) < 0)
		return rc;
	mech = mech_of(row);
	who = who_of(r, row);
	town = xz_jint(row, "township_id");
	applicant = xz_jint(row, "applicant_unit_id");
	if (mech == XZ_JM_COUNTY || !(who & (mech == XZ_JM_SPECIAL ? XZ_JW_APPLICANT : XZ_JW_OFFICE))) {
		rc = deny(r, "update", id);
		goto out;
	}
	if (strcmp(xz_jstr(row, "state"), "draft")) {
		rc = xz_fail(r, XZ_ECONFLICT, "invalid_transition", "只有草稿可以修改",
			     "Only a draft can be edited", "state");
		goto out;
	}
	if ((rc = xz_check_version(r, xz_jint(row, "version"))) < 0)
		goto out;
	p.mechanism = xz_jstr(row, "mechanism");
	p.units = units ? json_copy(units) : units_of(row);
	p.problems = problems ? json_incref(problems) : json_array();
	p.lead = mech == XZ_JM_SPECIAL ? 0 : lead;
	if (p.domain && blank(p.domain))
		p.domain = NULL;
	if ((rc = check_units(r, p.units, town, xz_jint(row, "county_id"),
			      "participating_units")) < 0)
		goto out;
	if (applicant > 0 && !json_has_id(p.units, applicant))
		json_array_append_new(p.units, json_integer(applicant));
	if (p.lead > 0) {
		json_t *one = json_pack("[I]", (json_int_t)p.lead);
		rc = check_units(r, one, town, xz_jint(row, "county_id"), "lead_unit_id");
		json_decref(one);
		if (rc < 0)
			goto out;
		if (!json_has_id(p.units, p.lead))
			json_array_append_new(p.units, json_integer(p.lead));
	}
	/* the police rule as at creation: emergencies and major actions */
	major = xz_joint_setting_int(xz_req_db(r), "joint.major_units", XZ_JOINT_MAJOR_UNITS);
	required = mech == XZ_JM_EMERGENCY || (int64_t)json_array_size(p.units) > major;
	if ((p.police || required) && police_unit(r, town) > 0 &&
	    !json_has_id(p.units, police_unit(r, town)))
		json_array_append_new(p.units, json_integer(police_unit(r, town)));
	uj = json_dumps(p.units, JSON_COMPACT);
	pj = json_dumps(p.problems, JSON_COMPACT);
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		goto dbfail;
	rc = xz_db_exec(
	    xz_req_db(r),
	    "UPDATE joint_actions SET title = $3, targets = $4, place = $5, mode = $6, domain = $7, "
	    "tasks = $8, lead_unit_id = $9, units_json = $10, problem_ids_json = $11, "
	    "police_support = $12, police_required = $13, planned_start = $14, planned_end = $15, "
	    "version = version + 1, updated_at = $16 WHERE id = $1 AND version = $2 AND state = "
	    "'draft'",
	    XZ_ARGS(XZ_INT(id), XZ_INT(version), XZ_TEXT(p.title), XZ_TEXT(p.targets ?: ""),
		    XZ_TEXT(p.place ?: ""), XZ_TEXT(p.mode ?: "centralised"), XZ_TEXT(p.domain),
		    XZ_TEXT(p.tasks ?: ""), XZ_ID(p.lead), XZ_TEXT(uj), XZ_TEXT(pj),
		    XZ_INT(p.police || required), XZ_INT(required), XZ_INT(p.start), XZ_INT(p.end),
		    XZ_INT(xz_now())),
	    &changes);
	if (rc == 0 && !changes)
		rc = XZ_ECONFLICT;
	if (rc == 0)
		rc = record_step(r, id, row, "edit", "修改行动方案", "joint.update", "joint_action", id);
	if (rc < 0) {
		xz_db_rollback(xz_req_db(r));
		goto dbfail;
	}
	rc = action_view(r, id, 200);
	goto out;
dbfail:
	rc = rc == XZ_ECONFLICT ? xz_fail(r, rc, "version_conflict", "方案已被他人修改，请刷新",
					  "Changed by someone else", "version")
				: xz_fail_db(r, rc);
out:
	free(uj);
	free(pj);
	json_decref(p.units);
	json_decref(p.problems);
	json_decref(row);
	return rc;
}

/* ---- the state machine ---- */

/* requirements: what the transition needs of the request (400/422). */
static int requirements(struct xz_req *r, const struct xz_joint_transition *t, const json_t *row,
			int launch, const char *reasons, const char *reason, const char *summary)
{
	if ((t->requires & (XZ_JR_LAUNCH | XZ_JR_NOLAUNCH)) && launch < 0)
		return xz_fail(r, XZ_EMALFORMED, "launch_required",
			       "书面决定须写明是否启动（launch: true或false）",
			       "The written decision must say launch: true or false", "launch");
	if ((t->requires & XZ_JR_REASONS) && (blank(reasons) || strlen(reasons) > XZ_MAX_TEXT))
		return xz_fail(r, XZ_ERULE, "reasons_required", "书面决定须写明理由",
			       "The written decision must give its reasons", "reasons");
	if ((t->requires & XZ_JR_REASON) && (blank(reason) || strlen(reason) > XZ_MAX_TEXT))
		return xz_fail(r, XZ_ERULE, "reason_required", "退回须说明理由",
			       "Sending back needs a reason", "reason");
	if ((t->requires & XZ_JR_SUMMARY) && (blank(summary) || strlen(summary) > XZ_MAX_TEXT))
		return xz_fail(r, XZ_ERULE, "summary_required", "结束行动须提交结果小结",
			       "Concluding needs a result summary", "summary");
	if (t->requires & XZ_JR_IN_TIME) {
		bool ok = false;
		int rc = xz_caldb_days_before(xz_req_db(r), xz_now(), xz_jint(row, "planned_start"),
					      XZ_JOINT_APPLY_DAYS, special_working(r), &ok);
		if (rc < 0)
			return xz_fail_db(r, rc);
		if (!ok)
			return xz_fail(r, XZ_ERULE, "too_late_to_apply",
				       "专项联合执法须在实施3日前提出申请",
				       "A special joint action must be applied for at least 3 days "
				       "before it starts",
				       "planned_start");
	}
	return 0;
}

struct effect {
	int64_t received, due, forwarded, late, decided, decided_by, launch, decision_no, lead,
	    approved, approval_seconds, started, concluded;
	const char *reasons, *summary;
};

/* compute_effect: fill e for transition t at instant now. */
static int compute_effect(struct xz_req *r, const struct xz_joint_transition *t, const json_t *row,
			  int64_t now, int launch, struct effect *e)
{
	int rc = 0;
	switch (t->effect) {
	case XZ_JE_RECEIVE:
		e->received = now;
		rc = xz_caldb_deadline(xz_req_db(r), now, XZ_JOINT_FORWARD_DAYS,
				       special_working(r) ? XZ_DL_WORKING_DAYS : XZ_DL_DAYS,
				       &e->due);
		break;
	case XZ_JE_FORWARD:
		e->forwarded = now;
		e->late = now > xz_jint(row, "forward_due_at") ? 1 : 0;
		break;
	case XZ_JE_DECIDE: {
		int y, m, d;
		int64_t n = 0;
		xz_civil_from_days(xz_day_of(now), &y, &m, &d);
		e->decided = now;
		e->decided_by = r->user->id;
		e->launch = launch;
		rc = xz_db_int(xz_req_db(r),
			       "SELECT COUNT(*) FROM joint_actions WHERE township_id = $1 AND "
			       "decision_no IS NOT NULL AND decided_at >= $2",
			       XZ_ARGS(XZ_INT(xz_jint(row, "township_id")),
				       XZ_INT(xz_day_start(xz_days_from_civil(y, 1, 1)))),
			       &n);
		e->decision_no = n + 1;
		if (launch == 1)
			e->lead = xz_jint(row, "applicant_unit_id");
		break;
	}
	case XZ_JE_APPROVE:
		e->approved = now;
		break;
	case XZ_JE_APPROVE_START:
		e->approved = e->started = now;
		e->approval_seconds = now - xz_jint(row, "created_at");
		break;
	case XZ_JE_START:
		e->started = now;
		break;
	case XZ_JE_CONCLUDE:
		e->concluded = now;
		break;
	case XZ_JE_CANCEL:
	case XZ_JE_NONE:
		break;
	}
	return rc;
}

static struct xz_val opt(int64_t v, bool set)
{
	return set ? XZ_INT(v) : XZ_NULL;
}

static int action_do(struct xz_req *r)
{
	const char *action = NULL, *reasons = NULL, *reason = NULL, *summary = NULL;
	const struct xz_joint_transition *t = NULL;
	json_t *row = NULL, *launch_j = NULL;
	struct effect e = {0};
	int64_t id, now = xz_now(), changes = 0;
	int launch = -1, rc;

	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?o,s?s,s?s,s?s}", "action", &action, "launch", &launch_j,
				"reasons", &reasons, "reason", &reason, "summary", &summary)) < 0)
		return rc;
	if (launch_j && !json_is_boolean(launch_j))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "launch须为true或false",
			       "launch must be true or false", "launch");
	if (launch_j)
		launch = json_is_true(launch_j) ? 1 : 0;
	if (!xz_joint_known_action(action))
		return xz_fail(
		    r, XZ_EMALFORMED, "invalid_action",
		    "action须为submit、forward、decide、approve、return、start、conclude或cancel",
		    "action must be submit, forward, decide, approve, return, start, "
		    "conclude or cancel",
		    "action");
	if ((rc = load_action(r, id, &row)) < 0)
		return rc;
	rc = xz_joint_step(mech_of(row), xz_jstr(row, "state"), action, who_of(r, row), launch, &t);
	if (rc == XZ_EFORBIDDEN) {
		rc = deny(r, action, id);
		goto out;
	}
	if (rc == XZ_ECONFLICT) {
		rc = xz_fail(r, XZ_ECONFLICT, "invalid_transition",
			     xz_arena_printf(r->arena, "当前状态（%s）不能执行%s",
					     xz_jstr(row, "state"), action),
			     xz_arena_printf(r->arena, "Cannot %s an action that is %s", action,
					     xz_jstr(row, "state")),
			     "action");
		goto out;
	}
	if ((rc = requirements(r, t, row, launch, reasons, reason, summary)) < 0)
		goto out;
	if ((rc = compute_effect(r, t, row, now, launch, &e)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	if (t->requires & XZ_JR_REASONS)
		e.reasons = reasons;
	if (t->requires & XZ_JR_SUMMARY)
		e.summary = summary;
	if ((rc = xz_db_begin(xz_req_db(r))) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	rc = xz_db_exec(
	    xz_req_db(r),
	    "UPDATE joint_actions SET state = $3, version = version + 1, updated_at = $4, "
	    "received_at = COALESCE($5, received_at), forward_due_at = COALESCE($6, "
	    "forward_due_at), forwarded_at = COALESCE($7, forwarded_at), forward_late = "
	    "COALESCE($8, forward_late), decided_at = COALESCE($9, decided_at), decided_by = "
	    "COALESCE($10, decided_by), launch = COALESCE($11, launch), reasons = COALESCE($12, "
	    "reasons), decision_no = COALESCE($13, decision_no), lead_unit_id = COALESCE($14, "
	    "lead_unit_id), approved_at = COALESCE($15, approved_at), approval_seconds = "
	    "COALESCE($16, approval_seconds), started_at = COALESCE($17, started_at), "
	    "concluded_at = COALESCE($18, concluded_at), summary = COALESCE($19, summary) "
	    "WHERE id = $1 AND version = $2",
	    XZ_ARGS(XZ_INT(id), XZ_INT(xz_jint(row, "version")), XZ_TEXT(t->to), XZ_INT(now),
		    opt(e.received, e.received), opt(e.due, e.due), opt(e.forwarded, e.forwarded),
		    opt(e.late, e.forwarded), opt(e.decided, e.decided),
		    opt(e.decided_by, e.decided_by), opt(e.launch, e.decided), XZ_TEXT(e.reasons),
		    opt(e.decision_no, e.decided), opt(e.lead, e.lead > 0),
		    opt(e.approved, e.approved), opt(e.approval_seconds, e.approved && e.started),
		    opt(e.started, e.started), opt(e.concluded, e.concluded), XZ_TEXT(e.summary)),
	    &changes);
	if (rc == 0 && changes == 0)
		rc = XZ_ECONFLICT;
	/* a county-wide action that is cancelled takes its unstarted parts along */
	if (rc == 0 && t->effect == XZ_JE_CANCEL && (mech_of(row) & XZ_JM_COUNTY)) {
		rc = xz_db_exec(
		    xz_req_db(r),
		    "INSERT INTO joint_history (action_id, at, user_id, username, action, "
		    "from_state, to_state, note) SELECT id, $2, $3, $4, 'cancel', state, "
		    "'cancelled', '县级统一行动取消' FROM joint_actions WHERE parent_id = $1 "
		    "AND state IN ('draft','submitted','approved')",
		    XZ_ARGS(XZ_INT(id), XZ_INT(now), XZ_INT(r->user->id),
			    XZ_TEXT(r->user->username)),
		    NULL);
		if (rc == 0)
			rc = xz_db_exec(
			    xz_req_db(r),
			    "UPDATE joint_actions SET state = 'cancelled', version = "
			    "version + 1, updated_at = $2 WHERE parent_id = $1 AND state IN "
			    "('draft','submitted','approved')",
			    XZ_ARGS(XZ_INT(id), XZ_INT(now)), NULL);
	}
	if (rc == 0)
		rc = history(r, id, action, xz_jstr(row, "state"), t->to,
			     reasons ? reasons : (reason ? reason : summary));
	if (rc == 0) {
		json_t *before = json_pack("{s:s}", "state", xz_jstr(row, "state"));
		/* the audit entry borrows before and after */
		rc = xz_req_audit(r, xz_arena_printf(r->arena, "joint.%s", action), "joint_action",
				  id, "ok", before, r->in);
		json_decref(before);
	}
	if (rc == 0)
		rc = xz_db_commit(xz_req_db(r));
	if (rc < 0) {
		xz_db_rollback(xz_req_db(r));
		rc = rc == XZ_ECONFLICT
			 ? xz_fail(r, rc, "version_conflict", "行动已被他人修改，请刷新后重试",
				   "The action changed meanwhile; reload and retry", NULL)
			 : xz_fail_db(r, rc);
		goto out;
	}
	rc = action_view(r, id, 200);
out:
	json_decref(row);
	return rc;
}

/* ---- participants (§4.1) ---- */

static bool is_open(const json_t *row)
{
	return xz_one_of(xz_jstr(row, "state"), open_states);
}

static int participant_add(struct xz_req *r)
{
	json_int_t unit = 0, person = 0;
	const char *role = NULL;
	json_t *row = NULL, *p = NULL, *units = NULL;
	int64_t id, pid = 0, count = 0;
	unsigned who;
	bool ok = false;
	int rc;

	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:I,s:I,s:s}", "unit_id", &unit, "person_id", &person, "role",
				&role)) < 0)
		return rc;
	if (strcmp(role, "enforcer") && strcmp(role, "support"))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body",
			       "role须为enforcer（执法人员）或support（辅助人员）",
			       "role must be enforcer or support", "role");
	if ((rc = load_action(r, id, &row)) < 0)
		return rc;
	units = units_of(row);
	who = who_of(r, row);
	if (mech_of(row) & XZ_JM_COUNTY) {
		rc = xz_fail(r, XZ_ERULE, "county_action",
			     "县级统一行动的人员由各乡镇（街道）分行动确定",
			     "Participants are named in each township's part", NULL);
		goto out;
	}
	if (!(who & XZ_JW_OFFICE) &&
	    !((r->user->roles & XZ_ROLE_CONTACT) && r->user->unit_id == unit)) {
		rc = deny(r, "participant", id);
		goto out;
	}
	if (!is_open(row)) {
		rc = xz_fail(r, XZ_ECONFLICT, "invalid_transition", "行动已结束，不能再增加人员",
			     "The action is closed", NULL);
		goto out;
	}
	if (!json_has_id(units, unit)) {
		rc = xz_fail(r, XZ_ERULE, "unit_not_participating", "该单位未参加本次行动",
			     "The unit does not take part in this action", "unit_id");
		goto out;
	}
	rc = xz_db_one(xz_req_db(r),
		       "SELECT id, name, unit_id, is_auxiliary FROM people WHERE id = $1",
		       XZ_ARGS(XZ_INT(person)), &p);
	if (rc == XZ_ENOTFOUND || (rc == 0 && xz_jint(p, "unit_id") != unit)) {
		rc = xz_fail(r, XZ_ERULE, "invalid_reference", "人员不属于该单位",
			     "The person is not of that unit", "person_id");
		goto out;
	}
	if (rc < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	if (!strcmp(role, "enforcer")) {
		if (xz_jint(p, "is_auxiliary")) {
			rc =
			    xz_fail(r, XZ_ERULE, "qualification_required",
				    xz_arena_printf(r->arena, "%s为协管员，只能作为辅助人员参加",
						    xz_jstr(p, "name")),
				    xz_arena_printf(
					r->arena, "%s is an auxiliary and may join only as support",
					xz_jstr(p, "name")),
				    "role");
			goto out;
		}
		if ((rc = xz_joint_qualified(xz_req_db(r), person, xz_jstr(row, "domain"),
					     xz_day_of(xz_jint(row, "planned_start")),
					     xz_day_of(xz_jint(row, "planned_end")), &ok)) < 0) {
			rc = xz_fail_db(r, rc);
			goto out;
		}
		if (!ok) {
			rc = xz_fail(
			    r, XZ_ERULE, "qualification_required",
			    xz_arena_printf(r->arena,
					    "%s没有在行动期间全程有效且涵盖%s领域的行政执法资格",
					    xz_jstr(p, "name"), xz_jstr(row, "domain") ?: "本行动"),
			    xz_arena_printf(r->arena,
					    "%s holds no enforcement qualification valid for the "
					    "whole action and covering its domain",
					    xz_jstr(p, "name")),
			    "person_id");
			goto out;
		}
	}
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		goto dbfail;
	rc = xz_db_int(xz_req_db(r),
		       "INSERT INTO joint_participants (action_id, unit_id, person_id, role, "
		       "added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
		       XZ_ARGS(XZ_INT(id), XZ_INT(unit), XZ_INT(person), XZ_TEXT(role),
			       XZ_INT(r->user->id), XZ_INT(xz_now())),
		       &pid);
	if (rc == XZ_ECONFLICT) {
		xz_db_rollback(xz_req_db(r));
		rc = xz_fail(r, rc, "duplicate", "该人员已在本次行动中", "Already a participant",
			     "person_id");
		goto out;
	}
	/* many people make a major action: the police station takes part */
	if (rc == 0)
		rc = xz_db_int(xz_req_db(r),
			       "SELECT COUNT(*) FROM joint_participants WHERE action_id = $1",
			       XZ_ARGS(XZ_INT(id)), &count);
	if (rc == 0 && count > xz_joint_setting_int(xz_req_db(r), "joint.major_participants",
						    XZ_JOINT_MAJOR_PEOPLE))
		rc = xz_db_exec(xz_req_db(r),
				"UPDATE joint_actions SET police_support = 1, police_required = 1 "
				"WHERE id = $1",
				XZ_ARGS(XZ_INT(id)), NULL);
	if (rc == 0)
		rc = record_step(
		    r, id, row, "participant.add",
		    xz_arena_printf(r->arena, "%s（%s）", xz_jstr(p, "name"),
				    !strcmp(role, "enforcer") ? "执法人员" : "辅助人员"),
		    "joint.participant.add", "joint_action", id);
	if (rc < 0) {
		xz_db_rollback(xz_req_db(r));
		goto dbfail;
	}
	json_decref(row);
	row = NULL;
	rc =
	    xz_db_one(xz_req_db(r), PARTICIPANT_SQL "WHERE jp.id = $1", XZ_ARGS(XZ_INT(pid)), &row);
	if (rc < 0)
		goto dbfail;
	rc = xz_reply(r, 201, xz_present(row));
	row = NULL;
	goto out;
dbfail:
	rc = xz_fail_db(r, rc);
out:
	json_decref(units);
	json_decref(p);
	json_decref(row);
	return rc;
}

static int participants_list(struct xz_req *r)
{
	return items_of_action(r, PARTICIPANT_SQL "WHERE jp.action_id = $1 ORDER BY jp.id");
}

/* check: check in (in = true) or out on the day of the action. */
static int check(struct xz_req *r, bool in)
{
	int64_t id, pid, now = xz_now(), day = xz_day_of(now), changes = 0;
	json_t *row = NULL, *p = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_id(r, 1, &pid)) < 0 ||
	    (rc = load_action(r, id, &row)) < 0)
		return rc;
	rc = xz_db_one(xz_req_db(r),
		       "SELECT id, unit_id, person_id, checked_in_at, checked_out_at FROM "
		       "joint_participants WHERE id = $1 AND action_id = $2",
		       XZ_ARGS(XZ_INT(pid), XZ_INT(id)), &p);
	if (rc < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	if (!(who_of(r, row) & XZ_JW_OFFICE) && r->user->person_id != xz_jint(p, "person_id") &&
	    !((r->user->roles & XZ_ROLE_CONTACT) && r->user->unit_id == xz_jint(p, "unit_id"))) {
		rc = deny(r, in ? "check-in" : "check-out", id);
		goto out;
	}
	if (strcmp(xz_jstr(row, "state"), "in_progress")) {
		rc = xz_fail(r, XZ_ECONFLICT, "invalid_transition", "行动未在进行中",
			     "The action is not in progress", NULL);
		goto out;
	}
	if (day < xz_day_of(xz_jint(row, "planned_start")) ||
	    day > xz_day_of(xz_jint(row, "planned_end"))) {
		rc = xz_fail(r, XZ_ERULE, "not_action_day", "只能在行动当日签到、签退",
			     "Check in and out only on the days of the action", NULL);
		goto out;
	}
	if (in ? xz_jint(p, "checked_in_at") > 0
	       : (xz_jint(p, "checked_in_at") <= 0 || xz_jint(p, "checked_out_at") > 0)) {
		rc = xz_fail(r, XZ_ECONFLICT, in ? "already_checked_in" : "not_checked_in",
			     in ? "已签到" : "未签到或已签退",
			     in ? "Already checked in" : "Not checked in, or already out", NULL);
		goto out;
	}
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 ||
	    (rc = xz_db_exec(xz_req_db(r),
			     in ? "UPDATE joint_participants SET checked_in_at = $2 WHERE id = $1"
				: "UPDATE joint_participants SET checked_out_at = $2 WHERE id = $1",
			     XZ_ARGS(XZ_INT(pid), XZ_INT(now)), &changes)) < 0 ||
	    (rc = xz_req_audit(r, in ? "joint.check-in" : "joint.check-out", "joint_participant",
			       pid, "ok", NULL, NULL)) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		rc = xz_fail_db(r, rc);
		goto out;
	}
	json_decref(p);
	p = NULL;
	if ((rc = xz_db_one(xz_req_db(r), PARTICIPANT_SQL "WHERE jp.id = $1", XZ_ARGS(XZ_INT(pid)),
			    &p)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	rc = xz_reply(r, 200, xz_present(p));
	p = NULL;
out:
	json_decref(p);
	json_decref(row);
	return rc;
}

static int check_in(struct xz_req *r)
{
	return check(r, true);
}

static int check_out(struct xz_req *r)
{
	return check(r, false);
}

/* ---- interactive enforcement (§4.3.3) ---- */

static int in_progress(struct xz_req *r, const json_t *row)
{
	if (strcmp(xz_jstr(row, "state"), "in_progress"))
		return xz_fail(r, XZ_ECONFLICT, "invalid_transition", "行动未在进行中",
			       "The action is not in progress", NULL);
	return 0;
}

static int read_point(struct xz_req *r, json_t *lon, json_t *lat, double *x, double *y)
{
	if ((lon && !json_is_number(lon)) || (lat && !json_is_number(lat)) || (!lon != !lat) ||
	    (lon && (json_number_value(lon) < -180 || json_number_value(lon) > 180 ||
		     json_number_value(lat) < -90 || json_number_value(lat) > 90)))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "经纬度无效",
			       "lon/lat must be valid numbers, given together", "lon");
	*x = lon ? json_number_value(lon) : 0;
	*y = lat ? json_number_value(lat) : 0;
	return 0;
}

static int notice_create(struct xz_req *r)
{
	const char *cat = NULL, *desc = NULL;
	json_t *row = NULL, *lon = NULL, *lat = NULL, *units = NULL, *n = NULL;
	struct xz_routing rt;
	int64_t id, nid = 0, now = xz_now(), due = 0;
	double x = 0, y = 0;
	int rc;

	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s:s,s?o,s?o}", "category", &cat, "description", &desc,
				"lon", &lon, "lat", &lat)) < 0 ||
	    (rc = read_point(r, lon, lat, &x, &y)) < 0)
		return rc;
	if (blank(desc) || strlen(desc) > XZ_MAX_TEXT || strlen(cat) > XZ_MAX_CODE)
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "须有违法行为描述",
			       "description is required", "description");
	if ((rc = load_action(r, id, &row)) < 0)
		return rc;
	if (!(who_of(r, row) & (XZ_JW_OFFICE | XZ_JW_LEAD))) {
		rc = deny(r, "notice", id);
		goto out;
	}
	if ((rc = in_progress(r, row)) < 0)
		goto out;
	rc = xz_routing_resolve(xz_req_db(r), cat, xz_jint(row, "township_id"), &rt);
	if (rc == XZ_ENOTFOUND) {
		rc = xz_fail(r, XZ_ERULE, "no_responsible_unit",
			     xz_arena_strdup(r->arena, rt.reason),
			     "No unit is responsible for this category here", "category");
		goto out;
	}
	if (rc < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	units = units_of(row);
	if (json_has_id(units, rt.unit_id)) {
		rc = xz_fail(r, XZ_ERULE, "unit_participating",
			     "责任单位已参加本次联合执法，由其直接处理，无需告知",
			     "The responsible unit takes part in this action already", "category");
		goto out;
	}
	if ((rc = xz_caldb_deadline(xz_req_db(r), now, 0, XZ_DL_END_OF_DAY, &due)) < 0 ||
	    (rc = xz_db_begin(xz_req_db(r))) < 0)
		goto dbfail;
	rc = xz_db_int(xz_req_db(r),
		       "INSERT INTO joint_notices (action_id, township_id, unit_id, category, "
		       "description, lon, lat, power_code, routing_reason, issued_by, issued_at, "
		       "due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) "
		       "RETURNING id",
		       XZ_ARGS(XZ_INT(id), XZ_INT(xz_jint(row, "township_id")), XZ_INT(rt.unit_id),
			       XZ_TEXT(cat), XZ_TEXT(desc), lon ? XZ_REAL(x) : XZ_NULL,
			       lat ? XZ_REAL(y) : XZ_NULL, XZ_TEXT(rt.power_code),
			       XZ_TEXT(rt.reason), XZ_INT(r->user->id), XZ_INT(now), XZ_INT(due)),
		       &nid);
	if (rc == 0)
		rc = record_step(r, id, row, "notice",
				 xz_arena_printf(r->arena, "告知责任单位：%s", rt.reason),
				 "joint.notice", "joint_notice", nid);
	if (rc < 0) {
		xz_db_rollback(xz_req_db(r));
		goto dbfail;
	}
	if ((rc = xz_db_one(xz_req_db(r), NOTICE_SQL "WHERE n.id = $1", XZ_ARGS(XZ_INT(nid)), &n)) <
	    0)
		goto dbfail;
	rc = xz_reply(r, 201, notice_present(n));
	goto out;
dbfail:
	rc = xz_fail_db(r, rc);
out:
	json_decref(units);
	json_decref(row);
	return rc;
}

static int notice_answer(struct xz_req *r)
{
	json_t *row = NULL, *n = NULL, *officers = NULL, *v;
	int64_t id, nid, now = xz_now(), cnt;
	char *oj = NULL;
	size_t i;
	int rc;

	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_id(r, 1, &nid)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:o}", "officers", &officers)) < 0)
		return rc;
	if (!json_is_array(officers) || !json_array_size(officers) ||
	    json_array_size(officers) > 100)
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "officers须为派出人员编号数组",
			       "officers must be a non-empty array of person ids", "officers");
	if ((rc = load_action(r, id, &row)) < 0)
		return rc;
	rc = xz_db_one(xz_req_db(r),
		       "SELECT id, unit_id, due_at, answered_at FROM joint_notices "
		       "WHERE id = $1 AND action_id = $2",
		       XZ_ARGS(XZ_INT(nid), XZ_INT(id)), &n);
	if (rc < 0)
		goto dbfail;
	if (!(r->user->roles & XZ_ROLE_CONTACT) || r->user->unit_id != xz_jint(n, "unit_id")) {
		rc = deny(r, "notice.answer", id);
		goto out;
	}
	if (xz_jint(n, "answered_at") > 0) {
		rc = xz_fail(r, XZ_ECONFLICT, "already_answered", "该告知已答复",
			     "The notice was answered already", NULL);
		goto out;
	}
	json_array_foreach(officers, i, v)
	{
		cnt = 0;
		if (!json_is_integer(v) ||
		    xz_db_int(xz_req_db(r),
			      "SELECT COUNT(*) FROM people WHERE id = $1 AND unit_id = $2",
			      XZ_ARGS(XZ_INT(json_integer_value(v)), XZ_INT(xz_jint(n, "unit_id"))),
			      &cnt) < 0 ||
		    !cnt) {
			rc = xz_fail(r, XZ_ERULE, "invalid_reference", "派出人员须为本单位人员",
				     "Officers must be people of the notified unit", "officers");
			goto out;
		}
	}
	oj = json_dumps(officers, JSON_COMPACT);
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		goto dbfail;
	rc = xz_db_exec(
	    xz_req_db(r),
	    "UPDATE joint_notices SET answered_at = $2, answered_by = $3, officers_json = "
	    "$4, late = $5 WHERE id = $1 AND answered_at IS NULL",
	    XZ_ARGS(XZ_INT(nid), XZ_INT(now), XZ_INT(r->user->id), XZ_TEXT(oj),
		    XZ_INT(now > xz_jint(n, "due_at"))),
	    NULL);
	if (rc == 0)
		rc = record_step(r, id, row, "notice.answer",
				 now > xz_jint(n, "due_at") ? "告知答复逾期" : "当日派员",
				 "joint.notice.answer", "joint_notice", nid);
	if (rc < 0) {
		xz_db_rollback(xz_req_db(r));
		goto dbfail;
	}
	json_decref(n);
	n = NULL;
	if ((rc = xz_db_one(xz_req_db(r), NOTICE_SQL "WHERE n.id = $1", XZ_ARGS(XZ_INT(nid)), &n)) <
	    0)
		goto dbfail;
	rc = xz_reply(r, 200, notice_present(n));
	n = NULL;
	goto out;
dbfail:
	rc = xz_fail_db(r, rc);
out:
	free(oj);
	json_decref(n);
	json_decref(row);
	return rc;
}

static int notices_of_action(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL, *rows = NULL, *n;
	size_t i;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load_action(r, id, &row)) < 0)
		return rc;
	json_decref(row);
	/* raw rows: notice_present reads the instants before presenting them */
	if ((rc = xz_db_query(xz_req_db(r), NOTICE_SQL "WHERE n.action_id = $1 ORDER BY n.id",
			      XZ_ARGS(XZ_INT(id)), &rows)) < 0)
		return xz_fail_db(r, rc);
	json_array_foreach(rows, i, n) notice_present(n);
	return xz_reply(r, 200, json_pack("{s:o}", "items", rows));
}

/* notices_inbox: a unit contact's notices (staff too), or the township's
 * for the office and leaders; newest first by id. */
static int notices_inbox(struct xz_req *r)
{
	struct xz_place f;
	int64_t unit = 0, town = 0, after, limit;
	json_t *rows = NULL, *n;
	const char *open = xz_req_query(r, "open");
	size_t i;
	int rc;
	if ((rc = xz_req_page(r, &after, &limit)) < 0)
		return rc;
	if (!xz_authz_filter(r->user, "joint.read", &f))
		return xz_authorize(r, "joint.read", NULL);
	if (!(r->user->roles & (XZ_ROLE_OFFICE | XZ_ROLE_LEADER | XZ_ROLE_DEPT | XZ_ROLE_ADMIN))) {
		if (r->user->unit_id <= 0)
			return xz_reply_page(r, json_array(), limit);
		unit = r->user->unit_id;
	}
	town = f.township_id;
	rc =
	    xz_db_query(xz_req_db(r),
			NOTICE_SQL "WHERE n.id > $1 AND (CAST($2 AS BIGINT) IS NULL OR n.unit_id = "
				   "$2) AND (CAST($3 AS BIGINT) IS NULL OR n.township_id = $3) AND "
				   "(CAST($4 AS BIGINT) IS NULL OR a.county_id = $4) AND "
				   "(CAST($5 AS TEXT) IS NULL OR n.answered_at IS NULL) ORDER BY "
				   "n.id LIMIT $6",
			XZ_ARGS(XZ_INT(after), XZ_ID(unit), XZ_ID(town), XZ_ID(f.county_id),
				XZ_TEXT(open && !strcmp(open, "1") ? "1" : NULL), XZ_INT(limit)),
			&rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	json_array_foreach(rows, i, n) notice_present(n);
	return xz_reply_page(r, rows, limit);
}

/* ---- enforcement protection (§4.3.5) ---- */

static int incident_create(struct xz_req *r)
{
	const char *kind = NULL, *desc = NULL, *occ = NULL;
	json_t *row = NULL, *ev = NULL, *inc = NULL;
	int64_t id, iid = 0, when, ga, now = xz_now();
	char *ej = NULL;
	int rc;

	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s:s,s:s,s?o}", "kind", &kind, "description", &desc,
				"occurred_at", &occ, "evidence", &ev)) < 0)
		return rc;
	if (strcmp(kind, "obstruction") && strcmp(kind, "violence"))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body",
			       "kind须为obstruction（阻挠执法）或violence（暴力抗法）",
			       "kind must be obstruction or violence", "kind");
	if (blank(desc) || strlen(desc) > XZ_MAX_TEXT)
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "须有事件经过描述",
			       "description is required", "description");
	if (xz_time_parse(occ, &when) < 0 || when > now + 300)
		return xz_fail(r, XZ_EMALFORMED, "invalid_time", "发生时间无效",
			       "occurred_at must be ISO 8601 and not in the future", "occurred_at");
	if (ev && (!json_is_array(ev) || json_array_size(ev) > 50))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "evidence须为数组",
			       "evidence must be an array", "evidence");
	if ((rc = load_action(r, id, &row)) < 0)
		return rc;
	if (!(who_of(r, row) & (XZ_JW_OFFICE | XZ_JW_LEAD)) && !is_member(r, row)) {
		rc = deny(r, "incident", id);
		goto out;
	}
	if ((rc = in_progress(r, row)) < 0)
		goto out;
	if ((ga = police_unit(r, xz_jint(row, "township_id"))) <= 0) {
		rc = xz_fail(r, XZ_ERULE, "no_police_unit", "本乡镇（街道）没有派出所",
			     "The township has no police station", NULL);
		goto out;
	}
	ej = ev ? json_dumps(ev, JSON_COMPACT) : xz_strdup("[]");
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		goto dbfail;
	rc =
	    xz_db_int(xz_req_db(r),
		      "INSERT INTO joint_incidents (action_id, kind, description, evidence_json, "
		      "occurred_at, reported_by, handed_to_unit_id, handed_at) VALUES ($1, $2, $3, "
		      "$4, $5, $6, $7, $8) RETURNING id",
		      XZ_ARGS(XZ_INT(id), XZ_TEXT(kind), XZ_TEXT(desc), XZ_TEXT(ej), XZ_INT(when),
			      XZ_INT(r->user->id), XZ_INT(ga), XZ_INT(now)),
		      &iid);
	if (rc == 0)
		rc = record_step(r, id, row, "incident",
				 !strcmp(kind, "violence") ? "暴力抗法，已移交派出所"
							   : "阻挠执法，已移交派出所",
				 "joint.incident", "joint_incident", iid);
	if (rc < 0) {
		xz_db_rollback(xz_req_db(r));
		goto dbfail;
	}
	if ((rc = xz_db_one(xz_req_db(r), INCIDENT_SQL "WHERE i.id = $1", XZ_ARGS(XZ_INT(iid)),
			    &inc)) < 0)
		goto dbfail;
	rc = xz_reply(r, 201, xz_present(inc));
	goto out;
dbfail:
	rc = xz_fail_db(r, rc);
out:
	free(ej);
	json_decref(row);
	return rc;
}

static int incident_follow_up(struct xz_req *r)
{
	const char *state = NULL, *note = NULL, *cur;
	json_t *row = NULL, *inc = NULL;
	int64_t id, iid;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_id(r, 1, &iid)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s}", "state", &state, "note", &note)) < 0)
		return rc;
	if (strcmp(state, "accepted") && strcmp(state, "closed"))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body",
			       "state须为accepted（已受理）或closed（已处理完毕）",
			       "state must be accepted or closed", "state");
	if (note && strlen(note) > XZ_MAX_TEXT)
		return xz_fail(r, XZ_EMALFORMED, "too_long", "文字过长", "Text too long", "note");
	if ((rc = load_action(r, id, &row)) < 0)
		return rc;
	rc = xz_db_one(xz_req_db(r),
		       "SELECT id, state, handed_to_unit_id FROM joint_incidents WHERE id = $1 AND "
		       "action_id = $2",
		       XZ_ARGS(XZ_INT(iid), XZ_INT(id)), &inc);
	if (rc < 0)
		goto dbfail;
	if (!(r->user->roles & XZ_ROLE_CONTACT) ||
	    r->user->unit_id != xz_jint(inc, "handed_to_unit_id")) {
		rc = deny(r, "incident.follow-up", id);
		goto out;
	}
	cur = xz_jstr(inc, "state");
	if (!strcmp(cur, "closed") || !strcmp(cur, state)) {
		rc = xz_fail(r, XZ_ECONFLICT, "invalid_transition",
			     xz_arena_printf(r->arena, "事件已是%s状态", cur),
			     xz_arena_printf(r->arena, "The incident is %s already", cur), "state");
		goto out;
	}
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		goto dbfail;
	rc = xz_db_exec(
	    xz_req_db(r),
	    "UPDATE joint_incidents SET state = $2, follow_up = COALESCE($3, follow_up), "
	    "followed_up_at = $4, followed_up_by = $5 WHERE id = $1",
	    XZ_ARGS(XZ_INT(iid), XZ_TEXT(state), XZ_TEXT(note), XZ_INT(xz_now()),
		    XZ_INT(r->user->id)),
	    NULL);
	if (rc == 0)
		rc = record_step(r, id, row, "incident.follow-up", note, "joint.incident.follow-up",
				 "joint_incident", iid);
	if (rc < 0) {
		xz_db_rollback(xz_req_db(r));
		goto dbfail;
	}
	json_decref(inc);
	inc = NULL;
	if ((rc = xz_db_one(xz_req_db(r), INCIDENT_SQL "WHERE i.id = $1", XZ_ARGS(XZ_INT(iid)),
			    &inc)) < 0)
		goto dbfail;
	rc = xz_reply(r, 200, xz_present(inc));
	inc = NULL;
	goto out;
dbfail:
	rc = xz_fail_db(r, rc);
out:
	json_decref(inc);
	json_decref(row);
	return rc;
}

static int incidents_list(struct xz_req *r)
{
	return items_of_action(r, INCIDENT_SQL "WHERE i.action_id = $1 ORDER BY i.id");
}

/* ---- results (R5.7) ---- */

static int finding_create(struct xz_req *r)
{
	const char *desc = NULL, *cat = NULL;
	json_t *row = NULL, *lon = NULL, *lat = NULL, *f = NULL;
	int64_t id, fid = 0;
	double x = 0, y = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s,s?o,s?o}", "description", &desc, "category", &cat,
				"lon", &lon, "lat", &lat)) < 0 ||
	    (rc = read_point(r, lon, lat, &x, &y)) < 0)
		return rc;
	if (blank(desc) || strlen(desc) > XZ_MAX_TEXT || (cat && strlen(cat) > XZ_MAX_CODE))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "须有发现问题的描述",
			       "description is required", "description");
	if ((rc = load_action(r, id, &row)) < 0)
		return rc;
	if (!(who_of(r, row) & (XZ_JW_OFFICE | XZ_JW_LEAD)) && !is_member(r, row)) {
		rc = deny(r, "finding", id);
		goto out;
	}
	if ((rc = in_progress(r, row)) < 0)
		goto out;
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		goto dbfail;
	rc = xz_db_int(xz_req_db(r),
		       "INSERT INTO joint_findings (action_id, description, category, lon, lat, "
		       "reported_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
		       XZ_ARGS(XZ_INT(id), XZ_TEXT(desc), XZ_TEXT(cat), lon ? XZ_REAL(x) : XZ_NULL,
			       lat ? XZ_REAL(y) : XZ_NULL, XZ_INT(r->user->id), XZ_INT(xz_now())),
		       &fid);
	/* a finding with a category enters the closed loop as a problem (R5.7) */
	if (rc == 0 && cat) {
		struct xz_located at = {0};
		int64_t pid = 0, cat_id = 0;
		struct xz_problem_in pin = {
		    .county_id = xz_jint(row, "county_id"),
		    .township_id = xz_jint(row, "township_id"),
		    .reported_by = r->user->id,
		    .channel = "patrol",
		    .category = cat,
		    .description = desc,
		    .user_name = r->user->display_name,
		    .note = xz_arena_printf(r->arena, "联合执法行动 #%lld「%s」中发现：%s",
					    (long long)id, xz_jstr(row, "title"), desc),
		    .has_pos = lon != NULL,
		    .lon = x,
		    .lat = y,
		};
		if (xz_db_int(xz_req_db(r), "SELECT id FROM categories WHERE code = $1",
			      XZ_ARGS(XZ_TEXT(cat)), &cat_id) < 0) {
			xz_db_rollback(xz_req_db(r));
			rc = xz_fail(r, XZ_ERULE, "invalid_category", "问题类别不存在",
				     "No such problem category", "category");
			goto out;
		}
		if (lon && xz_grid_locate(xz_req_db(r), x, y, &at) == 0 &&
		    at.county_id == pin.county_id) {
			pin.township_id = at.township_id;
			pin.village_id = at.village_id;
			pin.cell_id = at.cell_id;
		}
		rc = xz_problem_insert(xz_req_db(r), &pin, &pid);
		if (rc == 0)
			rc = xz_db_exec(xz_req_db(r),
					"UPDATE joint_findings SET problem_id = $2 WHERE id = $1",
					XZ_ARGS(XZ_INT(fid), XZ_INT(pid)), NULL);
	}
	if (rc == 0)
		rc =
		    record_step(r, id, row, "finding", desc, "joint.finding", "joint_finding", fid);
	if (rc < 0) {
		xz_db_rollback(xz_req_db(r));
		goto dbfail;
	}
	if ((rc = xz_db_one(xz_req_db(r), FINDING_SQL "WHERE id = $1", XZ_ARGS(XZ_INT(fid)), &f)) <
	    0)
		goto dbfail;
	rc = xz_reply(r, 201, xz_present(f));
	goto out;
dbfail:
	rc = xz_fail_db(r, rc);
out:
	json_decref(row);
	return rc;
}

static int findings_list(struct xz_req *r)
{
	return items_of_action(r, FINDING_SQL "WHERE action_id = $1 ORDER BY id");
}

/* ---- official documents ---- */

static const char *unit_name(struct xz_req *r, int64_t id)
{
	json_t *row = NULL;
	const char *name = "";
	if (id > 0 && xz_db_one(xz_req_db(r), "SELECT name FROM units WHERE id = $1",
				XZ_ARGS(XZ_INT(id)), &row) == 0)
		name = xz_arena_strdup(r->arena, xz_jstr(row, "name"));
	json_decref(row);
	return name;
}

/* first_char: the first UTF-8 character of s (the township's short name
 * in a document number: 碧湖镇 → 碧). */
static const char *first_char(struct xz_req *r, const char *s)
{
	size_t n = 1;
	if (!s || !*s)
		return "";
	if (((unsigned char)s[0] & 0xE0) == 0xC0)
		n = 2;
	else if (((unsigned char)s[0] & 0xF0) == 0xE0)
		n = 3;
	else if (((unsigned char)s[0] & 0xF8) == 0xF0)
		n = 4;
	return xz_arena_printf(r->arena, "%.*s", (int)n, s);
}

static const char *when_cn(struct xz_req *r, int64_t t)
{
	char d[XZ_DATE_CN_LEN];
	int64_t local = t + XZ_TZ_OFFSET;
	return xz_arena_printf(r->arena, "%s%02d时%02d分", xz_date_cn(xz_day_of(t), d),
			       (int)((local % 86400 + 86400) % 86400 / 3600),
			       (int)((local % 3600 + 3600) % 3600 / 60));
}

static int send_pdf(struct xz_req *r, const struct xz_doc *doc)
{
	unsigned char *pdf = NULL;
	size_t len = 0;
	int rc = xz_doc_render_pdf(doc, &pdf, &len);
	if (rc < 0)
		return xz_fail(r, rc, "render_failed", "公文生成失败",
			       "Rendering the document failed", NULL);
	return xz_reply_bytes(r, 200, "application/pdf", pdf, len, true);
}

static int doc_decision(struct xz_req *r)
{
	int64_t id;
	json_t *row = NULL;
	struct xz_doc doc = {0};
	char date[XZ_DATE_CN_LEN], recv[XZ_DATE_CN_LEN];
	const char *town, *app, *body;
	int y, m, d, rc;
	bool launch;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load_action(r, id, &row)) < 0)
		return rc;
	if (xz_jint(row, "decided_at") <= 0) {
		rc = xz_fail(r, XZ_ECONFLICT, "no_decision",
			     "尚无书面决定（专项申请经组长审定后才有）",
			     "There is no written decision yet", NULL);
		goto out;
	}
	town = xz_jstr(row, "township_name") ?: "";
	app = unit_name(r, xz_jint(row, "applicant_unit_id"));
	launch = xz_jint(row, "launch") == 1;
	xz_civil_from_days(xz_day_of(xz_jint(row, "decided_at")), &y, &m, &d);
	xz_date_cn(xz_day_of(xz_jint(row, "decided_at")), date);
	xz_date_cn(xz_day_of(xz_jint(row, "received_at")), recv);
	body = xz_arena_printf(
	    r->arena,
	    "你单位%s提出的“%s”专项联合执法申请及行动方案收悉。经执法办公室报送，领导小组组长审定，"
	    "现作出如下决定：\n%s\n理由：%s\n%s",
	    recv, xz_jstr(row, "title"),
	    launch
		? xz_arena_printf(r->arena,
				  "同意启动专项联合执法，由你单位牵头组织实施。计划时间：%s至%s；"
				  "地点：%s。",
				  when_cn(r, xz_jint(row, "planned_start")),
				  when_cn(r, xz_jint(row, "planned_end")),
				  *xz_jstr(row, "place") ? xz_jstr(row, "place") : "按方案")
		: "不予启动专项联合执法。",
	    xz_jstr(row, "reasons") ?: "",
	    launch ? "请按方案做好人员、装备和执法保障准备，行动结束后及时报送结果小结。"
		   : "请你单位依法继续履行职责。");
	doc.issuer = xz_arena_printf(r->arena, "%s综合行政执法工作领导小组", town);
	doc.doc_number = xz_arena_printf(r->arena, "%s执领〔%d〕%lld号", first_char(r, town), y,
					 (long long)xz_jint(row, "decision_no"));
	doc.title = xz_arena_printf(r->arena, "关于%s“%s”专项联合执法申请的决定", app,
				    xz_jstr(row, "title"));
	doc.recipient = app;
	doc.body = body;
	doc.signer = doc.issuer;
	doc.date_cn = date;
	doc.seal_area = 1;
	doc.cc = xz_arena_printf(r->arena, "%s综合行政执法办公室", town);
	doc.printer_line = xz_arena_printf(r->arena, "%s综合行政执法办公室\t%s印发", town, date);
	rc = send_pdf(r, &doc);
out:
	json_decref(row);
	return rc;
}

/* doc_notice: the interactive-enforcement notice (§4.3.3) as the office
 * sends it to the responsible unit: what was found, where, the power item
 * that makes it theirs, and the same-day deadline. */
static int doc_notice(struct xz_req *r)
{
	int64_t id, nid;
	json_t *row = NULL, *n = NULL;
	struct xz_doc doc = {0};
	char date[XZ_DATE_CN_LEN];
	const char *town;
	int y, m, d, rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_id(r, 1, &nid)) < 0 ||
	    (rc = load_action(r, id, &row)) < 0)
		return rc;
	if (xz_db_one(xz_req_db(r), NOTICE_SQL "WHERE n.id = $1 AND n.action_id = $2",
		      XZ_ARGS(XZ_INT(nid), XZ_INT(id)), &n) < 0) {
		rc =
		    xz_fail(r, XZ_ENOTFOUND, "not_found", "协同通知不存在", "No such notice", NULL);
		goto out;
	}
	town = xz_jstr(row, "township_name") ?: "";
	xz_civil_from_days(xz_day_of(xz_jint(n, "issued_at")), &y, &m, &d);
	xz_date_cn(xz_day_of(xz_jint(n, "issued_at")), date);
	doc.issuer = xz_arena_printf(r->arena, "%s综合行政执法办公室", town);
	doc.doc_number =
	    xz_arena_printf(r->arena, "%s执协〔%d〕%lld号", first_char(r, town), y, (long long)nid);
	doc.title = "互动执法协同通知";
	doc.recipient = xz_jstr(n, "unit_name");
	doc.body = xz_arena_printf(
	    r->arena,
	    "%s，在“%s”联合执法行动中发现以下问题，经对照权责清单，属你单位职责范围：\n%s\n"
	    "依据：%s\n请你单位于%s前派员到场处置，并在平台上报送到场人员。逾期未派员的，"
	    "记入考评。",
	    when_cn(r, xz_jint(n, "issued_at")), xz_jstr(row, "title"), xz_jstr(n, "description"),
	    xz_jstr(n, "routing_reason") ?: "权责清单", when_cn(r, xz_jint(n, "due_at")));
	doc.signer = doc.issuer;
	doc.date_cn = date;
	doc.seal_area = 1;
	rc = send_pdf(r, &doc);
out:
	json_decref(n);
	json_decref(row);
	return rc;
}

static int doc_plan(struct xz_req *r)
{
	static const char *const mech_cn[] = {"常规启动", "专项启动", "应急启动"};
	int64_t id;
	json_t *row = NULL, *parts = NULL, *units = NULL, *v;
	struct xz_doc doc = {0};
	char date[XZ_DATE_CN_LEN];
	const char *town, *mech = NULL, *unames = "", *people = "";
	unsigned mb;
	size_t i;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load_action(r, id, &row)) < 0)
		return rc;
	mb = xz_joint_mech_parse(xz_jstr(row, "mechanism"));
	for (i = 0; i < 3; i++)
		if (mb == 1u << i)
			mech = mech_cn[i];
	units = units_of(row);
	json_array_foreach(units, i, v) unames = xz_arena_printf(
	    r->arena, "%s%s%s", unames, i ? "、" : "", unit_name(r, json_integer_value(v)));
	if ((rc = sub_list(r, PARTICIPANT_SQL "WHERE jp.action_id = $1 ORDER BY jp.id", id,
			   &parts)) < 0)
		goto out;
	json_array_foreach(parts, i, v) people = xz_arena_printf(
	    r->arena, "%s%s%s（%s，%s）", people, i ? "、" : "", xz_jstr(v, "name"),
	    xz_jstr(v, "unit_name"), !strcmp(xz_jstr(v, "role"), "enforcer") ? "执法" : "辅助");
	town = xz_jstr(row, "township_name") ?: "";
	xz_date_cn(xz_day_of(xz_jint(row, "created_at")), date);
	doc.issuer = xz_arena_printf(r->arena, "%s综合行政执法办公室", *town ? town : "县级");
	doc.title = xz_arena_printf(r->arena, "%s联合执法行动方案", xz_jstr(row, "title"));
	doc.body = xz_arena_printf(
	    r->arena,
	    "一、行动目标\n%s\n二、启动机制和组织方式\n%s；%s。\n三、时间和地点\n%s至%s，%s。\n"
	    "四、牵头单位和参加单位\n牵头单位：%s。参加单位：%s。\n五、参加人员\n%"
	    "s\n六、任务分工\n%s\n"
	    "七、执法保障\n%s",
	    *xz_jstr(row, "targets") ? xz_jstr(row, "targets") : "（未填写）", mech ? mech : "",
	    !strcmp(xz_jstr(row, "mode"), "dispersed") ? "分散管理" : "集中办公",
	    when_cn(r, xz_jint(row, "planned_start")), when_cn(r, xz_jint(row, "planned_end")),
	    *xz_jstr(row, "place") ? xz_jstr(row, "place") : "地点按现场安排",
	    xz_jint(row, "lead_unit_id") > 0 ? unit_name(r, xz_jint(row, "lead_unit_id"))
					     : "执法办公室",
	    *unames ? unames : "（未定）", *people ? people : "由各参加单位负责人确定。",
	    *xz_jstr(row, "tasks") ? xz_jstr(row, "tasks") : "（未填写）",
	    xz_jint(row, "police_support")
		? "公安派出所参与行动，负责现场秩序，依法处置阻挠执法、暴力抗法行为。"
		: "一般行动，如遇阻挠执法、暴力抗法，立即移交公安派出所处置。");
	doc.signer = doc.issuer;
	doc.date_cn = date;
	rc = send_pdf(r, &doc);
out:
	json_decref(parts);
	json_decref(units);
	json_decref(row);
	return rc;
}

const struct xz_route xz_routes_joint[] = {
    {"GET", "/api/v1/joint-actions", actions_list, "joint.read", 0},
    {"POST", "/api/v1/joint-actions", action_create, "joint.write", 0},
    {"GET", "/api/v1/joint-actions/{id}", action_get, "joint.read", 0},
    {"PUT", "/api/v1/joint-actions/{id}", action_update, "joint.write", 0},
    {"POST", "/api/v1/joint-actions/{id}/actions", action_do, "joint.write", 0},
    {"GET", "/api/v1/joint-actions/{id}/participants", participants_list, "joint.read", 0},
    {"POST", "/api/v1/joint-actions/{id}/participants", participant_add, "joint.write", 0},
    {"POST", "/api/v1/joint-actions/{id}/participants/{pid}/check-in", check_in, "joint.write", 0},
    {"POST", "/api/v1/joint-actions/{id}/participants/{pid}/check-out", check_out, "joint.write",
     0},
    {"GET", "/api/v1/joint-actions/{id}/notices", notices_of_action, "joint.read", 0},
    {"POST", "/api/v1/joint-actions/{id}/notices", notice_create, "joint.write", 0},
    {"POST", "/api/v1/joint-actions/{id}/notices/{nid}/answer", notice_answer, "joint.write", 0},
    {"GET", "/api/v1/joint-actions/{id}/incidents", incidents_list, "joint.read", 0},
    {"POST", "/api/v1/joint-actions/{id}/incidents", incident_create, "joint.write", 0},
    {"POST", "/api/v1/joint-actions/{id}/incidents/{iid}/follow-up", incident_follow_up,
     "joint.write", 0},
    {"GET", "/api/v1/joint-actions/{id}/findings", findings_list, "joint.read", 0},
    {"POST", "/api/v1/joint-actions/{id}/findings", finding_create, "joint.write", 0},
    {"GET", "/api/v1/joint-actions/{id}/documents/decision.pdf", doc_decision, "joint.read", 0},
    {"GET", "/api/v1/joint-actions/{id}/documents/plan.pdf", doc_plan, "joint.read", 0},
    {"GET", "/api/v1/joint-actions/{id}/notices/{nid}/notice.pdf", doc_notice, "joint.read", 0},
    {"GET", "/api/v1/notices", notices_inbox, "joint.read", 0},
    {NULL, NULL, NULL, NULL, 0},
};
