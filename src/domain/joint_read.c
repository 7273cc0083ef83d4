/*
 * joint_read.c — reading joint actions: one action as its people see it
 * (units and problems from the link rows, the special mechanism's two
 * clocks, history, participants, notices with their same-day clock,
 * incidents, findings, county children, and the caller's allowed
 * actions from the state machine), lists filtered by the caller's place
 * through authz, and the notices of a unit. Instants stay epoch seconds;
 * the HTTP layer presents them.
 */
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/joint_internal.h"
#include "domain/jointaction.h"

#define jint xz__jint
#define jstr xz__jstr

#define ACTION_COLS                                                                                \
	"a.id, a.parent_id, a.scope, a.mechanism, a.state, a.title, a.targets, a.place, "          \
	"a.mode, a.domain, a.tasks, a.township_id, a.county_id, a.department_id, "                 \
	"a.applicant_unit_id, a.lead_unit_id, a.police_support, a.police_required, "               \
	"a.planned_start, a.planned_end, a.received_at, a.forward_due_at, a.forwarded_at, "        \
	"a.forward_late, a.decision_due_at, a.decision_late, a.decided_at, a.decided_by, "         \
	"a.launch, a.reasons, a.decision_no, a.approved_at, a.approval_seconds, a.started_at, "    \
	"a.concluded_at, a.summary, a.created_by, a.version, a.created_at, a.updated_at, "         \
	"t.name AS township_name"
#define ACTION_FROM " FROM joint_actions a LEFT JOIN regions t ON t.id = a.township_id "

#define PARTICIPANT_SQL                                                                            \
	"SELECT jp.id, jp.action_id, jp.unit_id, u.name AS unit_name, jp.person_id, p.name, "      \
	"p.is_auxiliary, jp.role, jp.added_at, jp.checked_in_at, jp.checked_out_at FROM "          \
	"joint_participants jp JOIN people p ON p.id = jp.person_id JOIN units u ON u.id = "       \
	"jp.unit_id "
#define NOTICE_SQL                                                                                 \
	"SELECT n.id, n.action_id, a.title AS action_title, n.unit_id, u.name AS unit_name, "      \
	"n.category, n.description, n.lon, n.lat, n.power_code, n.routing_reason, n.domain, "      \
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

static const struct {
	const char *what, *list, *one;
} items[] = {
    {"participants", PARTICIPANT_SQL "WHERE jp.action_id = $1 ORDER BY jp.id",
     PARTICIPANT_SQL "WHERE jp.id = $1"},
    {"notices", NOTICE_SQL "WHERE n.action_id = $1 ORDER BY n.id", NOTICE_SQL "WHERE n.id = $1"},
    {"incidents", INCIDENT_SQL "WHERE i.action_id = $1 ORDER BY i.id",
     INCIDENT_SQL "WHERE i.id = $1"},
    {"findings", FINDING_SQL "WHERE action_id = $1 ORDER BY id", FINDING_SQL "WHERE id = $1"},
};

static void place_of(const json_t *row, struct xz_place *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->county_id = jint(row, "county_id");
	pl->township_id = jint(row, "township_id");
}

int xz_joint_load(struct xz_ctx *c, int64_t id, json_t **row)
{
	struct xz_place pl;
	int rc = xz__joint_row(c, id, row);
	if (rc < 0)
		return rc;
	place_of(*row, &pl);
	if (c->user && !xz_authz(c->user, "joint.read", &pl)) {
		json_decref(*row);
		*row = NULL;
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "联合执法行动不存在",
				   "No such joint action", NULL);
	}
	return 0;
}

/* notice_clock: the notice's same-day clock at now (in place). */
static void notice_clock(struct xz_ctx *c, json_t *n)
{
	int64_t due = jint(n, "due_at"), ans = jint(n, "answered_at");
	json_object_set_new(n, "late", json_boolean(ans > 0 ? ans > due : c->now > due));
	json_object_set_new(n, "answered", json_boolean(ans > 0));
	json_object_set_new(n, "seconds_left",
			    json_integer(ans > 0 || c->now > due ? 0 : due - c->now));
	if (!json_is_string(json_object_get(n, "officers_json")))
		json_object_set_new(n, "officers_json", json_string("[]"));
}

/* links: the actions' units and problems (ids lo..hi) by action id. */
static int links(struct xz_ctx *c, json_t *actions)
{
	json_t *units = NULL, *probs = NULL, *a, *v;
	int64_t lo = 0, hi = 0;
	size_t i, k;
	int rc;
	json_array_foreach(actions, i, a)
	{
		int64_t id = jint(a, "id");
		lo = !lo || id < lo ? id : lo;
		hi = id > hi ? id : hi;
		json_object_set_new(a, "participating_units", json_array());
		json_object_set_new(a, "problem_ids", json_array());
	}
	if (!json_array_size(actions))
		return 0;
	if ((rc = xz_db_query(c->db,
			      "SELECT action_id, unit_id AS id FROM joint_action_units WHERE "
			      "action_id BETWEEN $1 AND $2 ORDER BY action_id, position, unit_id",
			      XZ_ARGS(XZ_INT(lo), XZ_INT(hi)), &units)) < 0 ||
	    (rc =
		 xz_db_query(c->db,
			     "SELECT action_id, problem_id AS id FROM joint_action_problems WHERE "
			     "action_id BETWEEN $1 AND $2 ORDER BY action_id, position, problem_id",
			     XZ_ARGS(XZ_INT(lo), XZ_INT(hi)), &probs)) < 0)
		goto out;
	json_array_foreach(actions, i, a)
	{
		int64_t id = jint(a, "id");
		json_array_foreach(units, k, v) if (jint(v, "action_id") == id) json_array_append(
		    json_object_get(a, "participating_units"), json_object_get(v, "id"));
		json_array_foreach(probs, k, v) if (jint(v, "action_id") == id)
		    json_array_append(json_object_get(a, "problem_ids"), json_object_get(v, "id"));
	}
out:
	json_decref(units);
	json_decref(probs);
	return rc;
}

/* clocks: the special mechanism's forwarding and decision clocks at now. */
static void clocks(struct xz_ctx *c, json_t *a)
{
	int64_t due = jint(a, "forward_due_at"), fwd = jint(a, "forwarded_at");
	int64_t ddue = jint(a, "decision_due_at"), dec = jint(a, "decided_at");
	const char *state = jstr(a, "state");
	bool waiting = state && (!strcmp(state, "submitted") || !strcmp(state, "forwarded"));
	json_object_set_new(
	    a, "forward_overdue",
	    json_boolean(due > 0 &&
			 ((fwd <= 0 && state && !strcmp(state, "submitted") && c->now > due) ||
			  (fwd > 0 && fwd > due))));
	json_object_set_new(a, "decision_overdue",
			    json_boolean(ddue > 0 && ((dec <= 0 && waiting && c->now > ddue) ||
						      (dec > 0 && dec > ddue))));
}

static int finish(struct xz_ctx *c, json_t *actions)
{
	json_t *a;
	size_t i;
	int rc = links(c, actions);
	json_array_foreach(actions, i, a) clocks(c, a);
	return rc;
}

static int sub(struct xz_ctx *c, const char *sql, int64_t id, json_t *into, const char *key)
{
	json_t *rows = NULL;
	int rc = xz_db_query(c->db, sql, XZ_ARGS(XZ_INT(id)), &rows);
	json_object_set_new(into, key, rows ? rows : json_array());
	return rc;
}

int xz_joint_view(struct xz_ctx *c, int64_t id, json_t **view)
{
	struct xz_fsm_subject s = {0};
	struct xz_place pl;
	json_t *row = NULL, *rows = NULL, *children = NULL, *n;
	size_t i;
	int rc;
	*view = NULL;
	if ((rc = xz_joint_load(c, id, &row)) < 0)
		return rc;
	json_decref(row);
	row = NULL;
	if ((rc = xz_db_query(c->db, "SELECT " ACTION_COLS ACTION_FROM "WHERE a.id = $1",
			      XZ_ARGS(XZ_INT(id)), &rows)) < 0 ||
	    (rc = finish(c, rows)) < 0)
		goto out;
	row = json_incref(json_array_get(rows, 0));
	place_of(row, &pl);
	s.kind = xz_joint_kind(row);
	s.state = jstr(row, "state");
	s.user = c->user;
	s.place = &pl;
	s.who = c->user ? xz__joint_who(c, row, 0, 0) : 0;
	json_object_set_new(row, "allowed_actions", xz_fsm_allowed_names(&xz_joint_fsm, &s));
	if ((rc = sub(c,
		      "SELECT at, username, action, from_state, to_state, note FROM joint_history "
		      "WHERE action_id = $1 ORDER BY id",
		      id, row, "history")) < 0 ||
	    (rc = sub(c, items[0].list, id, row, "participants")) < 0 ||
	    (rc = sub(c, items[1].list, id, row, "notices")) < 0 ||
	    (rc = sub(c, items[2].list, id, row, "incidents")) < 0 ||
	    (rc = sub(c, items[3].list, id, row, "findings")) < 0 ||
	    (rc = xz_db_query(
		 c->db, "SELECT " ACTION_COLS ACTION_FROM "WHERE a.parent_id = $1 ORDER BY a.id",
		 XZ_ARGS(XZ_INT(id)), &children)) < 0 ||
	    (rc = finish(c, children)) < 0)
		goto out;
	json_array_foreach(json_object_get(row, "notices"), i, n) notice_clock(c, n);
	json_object_set(row, "children", children);
	*view = row;
	row = NULL;
out:
	json_decref(children);
	json_decref(rows);
	json_decref(row);
	return rc < 0 && !c->err_code ? xz_ctx_fail_db(c, rc) : rc;
}

int xz_joint_list(struct xz_ctx *c, const struct xz_joint_filter *f, json_t **rows)
{
	struct xz_place pl;
	int rc;
	*rows = NULL;
	if (f->mechanism && !xz_joint_mech_parse(f->mechanism))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_query",
				   "mechanism须为routine、special或emergency",
				   "mechanism must be routine, special or emergency", "mechanism");
	if (!xz_authz_filter(c->user, "joint.read", &pl))
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权查看", "Not allowed", NULL);
	rc = xz_db_query(
	    c->db,
	    "SELECT " ACTION_COLS ACTION_FROM
	    "WHERE a.id > $1 AND (CAST($2 AS BIGINT) IS NULL OR a.township_id = $2 OR "
	    "a.township_id IS NULL) AND (CAST($3 AS BIGINT) IS NULL OR a.county_id = $3) "
	    "AND (CAST($4 AS BIGINT) IS NULL OR a.township_id = $4) AND (CAST($5 AS TEXT) "
	    "IS NULL OR a.state = $5) AND (CAST($6 AS TEXT) IS NULL OR a.mechanism = $6) "
	    "ORDER BY a.id LIMIT $7",
	    XZ_ARGS(XZ_INT(f->after), XZ_ID(pl.township_id), XZ_ID(pl.county_id),
		    XZ_ID(f->township_id), XZ_TEXT(f->state), XZ_TEXT(f->mechanism),
		    XZ_INT(f->limit)),
	    rows);
	if (rc == 0)
		rc = finish(c, *rows);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

static int which(const char *what)
{
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(items); i++)
		if (!strcmp(items[i].what, what))
			return (int)i;
	return -1;
}

int xz_joint_items(struct xz_ctx *c, int64_t id, const char *what, json_t **rows)
{
	json_t *row = NULL, *n;
	int k = which(what), rc;
	size_t i;
	*rows = NULL;
	if (k < 0)
		return xz_ctx_fail(c, XZ_EINTERNAL, "internal_error", "内部错误", "Internal error",
				   NULL);
	if ((rc = xz_joint_load(c, id, &row)) < 0)
		return rc;
	json_decref(row);
	if ((rc = xz_db_query(c->db, items[k].list, XZ_ARGS(XZ_INT(id)), rows)) < 0)
		return xz_ctx_fail_db(c, rc);
	if (!strcmp(what, "notices"))
		json_array_foreach(*rows, i, n) notice_clock(c, n);
	return 0;
}

int xz_joint_item(struct xz_ctx *c, const char *what, int64_t item_id, json_t **row)
{
	int k = which(what), rc;
	*row = NULL;
	if (k < 0)
		return xz_ctx_fail(c, XZ_EINTERNAL, "internal_error", "内部错误", "Internal error",
				   NULL);
	rc = xz_db_one(c->db, items[k].one, XZ_ARGS(XZ_INT(item_id)), row);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "记录不存在", "No such record", NULL);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	if (!strcmp(what, "notices"))
		notice_clock(c, *row);
	return 0;
}

int xz_joint_notices_for(struct xz_ctx *c, int64_t after, int64_t limit, bool open_only,
			 json_t **rows)
{
	struct xz_place f;
	json_t *n;
	size_t i;
	int rc;
	*rows = NULL;
	/* whose notices: the township's or county's for those who coordinate,
	 * the caller's own unit's for its people (authz decides) */
	if (!xz_authz_filter(c->user, "joint.notice.read", &f) ||
	    (!f.county_id && !f.township_id && f.unit_id <= 0)) {
		*rows = json_array();
		return 0;
	}
	rc =
	    xz_db_query(c->db,
			NOTICE_SQL "WHERE n.id > $1 AND (CAST($2 AS BIGINT) IS NULL OR n.unit_id = "
				   "$2) AND (CAST($3 AS BIGINT) IS NULL OR n.township_id = $3) AND "
				   "(CAST($4 AS BIGINT) IS NULL OR a.county_id = $4) AND "
				   "(CAST($5 AS TEXT) IS NULL OR n.answered_at IS NULL) ORDER BY "
				   "n.id LIMIT $6",
			XZ_ARGS(XZ_INT(after), XZ_ID(f.unit_id), XZ_ID(f.township_id),
				XZ_ID(f.county_id), XZ_TEXT(open_only ? "1" : NULL), XZ_INT(limit)),
			rows);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	json_array_foreach(*rows, i, n) notice_clock(c, n);
	return 0;
}

int xz_joint_actions_of_problem(struct xz_db *db, int64_t problem_id, json_t **rows)
{
	return xz_db_query(
	    db,
	    "SELECT a.id, a.title, a.mechanism, a.state FROM joint_action_problems l "
	    "JOIN joint_actions a ON a.id = l.action_id WHERE l.problem_id = $1 ORDER "
	    "BY a.id",
	    XZ_ARGS(XZ_INT(problem_id)), rows);
}
