/*
 * joint_read.c — reading joint actions: one action as its people see it
 * (units and problems from the link rows, the special mechanism's two
 * clocks, history, participants, notices with their same-day clock,
 * incidents, findings, county children, and the caller's allowed
 * actions from the state machine), lists filtered by the caller's place
 * through authz, and the notices of a unit. Instants stay epoch seconds;
 * the HTTP layer presents them.
 */
#include <stdlib.h>
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

/* A notice's same-day clock at now: answered late, or not answered and
 * past due; answered; the seconds left to answer in. */
struct notice_clock {
	bool late, answered;
	int64_t left;
};

static struct notice_clock clock_of(int64_t now, int64_t due, int64_t answered_at)
{
	struct notice_clock k = {
	    .late = answered_at > 0 ? answered_at > due : now > due,
	    .answered = answered_at > 0,
	    .left = answered_at > 0 || now > due ? 0 : due - now,
	};
	return k;
}

/* notice_clock: the notice's same-day clock at now (in place). */
static void notice_clock(struct xz_ctx *c, json_t *n)
{
	struct notice_clock k = clock_of(c->now, jint(n, "due_at"), jint(n, "answered_at"));
	json_object_set_new(n, "late", json_boolean(k.late));
	json_object_set_new(n, "answered", json_boolean(k.answered));
	json_object_set_new(n, "seconds_left", json_integer(k.left));
	if (!json_is_string(json_object_get(n, "officers_json")))
		json_object_set_new(n, "officers_json", json_string("[]"));
}

/* link_rows: the units and problems of the actions lo..hi, {action_id,
 * id} ordered by action id, then as listed (caller owns both). */
static int link_rows(struct xz_ctx *c, int64_t lo, int64_t hi, json_t **units, json_t **probs)
{
	int rc;
	*probs = NULL;
	if ((rc = xz_db_query(c->db,
			      "SELECT action_id, unit_id AS id FROM joint_action_units WHERE "
			      "action_id BETWEEN $1 AND $2 ORDER BY action_id, position, unit_id",
			      XZ_ARGS(XZ_INT(lo), XZ_INT(hi)), units)) < 0)
		return rc;
	return xz_db_query(c->db,
			   "SELECT action_id, problem_id AS id FROM joint_action_problems WHERE "
			   "action_id BETWEEN $1 AND $2 ORDER BY action_id, position, problem_id",
			   XZ_ARGS(XZ_INT(lo), XZ_INT(hi)), probs);
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
	if ((rc = link_rows(c, lo, hi, &units, &probs)) < 0)
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

/* The special mechanism's forwarding and decision clocks at now: each
 * overdue when it ran out unanswered, or was answered after it ran out. */
struct action_clocks {
	bool forward_overdue, decision_overdue;
};

static struct action_clocks clocks_of(int64_t now, const char *state, int64_t due, int64_t fwd,
				      int64_t ddue, int64_t dec)
{
	bool submitted = state && !strcmp(state, "submitted");
	bool waiting = submitted || (state && !strcmp(state, "forwarded"));
	struct action_clocks k = {
	    .forward_overdue =
		due > 0 && ((fwd <= 0 && submitted && now > due) || (fwd > 0 && fwd > due)),
	    .decision_overdue =
		ddue > 0 && ((dec <= 0 && waiting && now > ddue) || (dec > 0 && dec > ddue)),
	};
	return k;
}

/* clocks: the action's clocks at now (in place). */
static void clocks(struct xz_ctx *c, json_t *a)
{
	struct action_clocks k =
	    clocks_of(c->now, jstr(a, "state"), jint(a, "forward_due_at"), jint(a, "forwarded_at"),
		      jint(a, "decision_due_at"), jint(a, "decided_at"));
	json_object_set_new(a, "forward_overdue", json_boolean(k.forward_overdue));
	json_object_set_new(a, "decision_overdue", json_boolean(k.decision_overdue));
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

/* The list's page: the first $7 actions by id under the filter ($1-$6)
 * up to id $8 (no bound while the page's ids are found; then the last of
 * them, so the actions read are those whose links were read: one created
 * in between is left to the next request). */
#define LIST_PAGE                                                                                  \
	"WHERE a.id > $1 AND (CAST($2 AS BIGINT) IS NULL OR a.township_id = $2 OR "                \
	"a.township_id IS NULL) AND (CAST($3 AS BIGINT) IS NULL OR a.county_id = $3) "             \
	"AND (CAST($4 AS BIGINT) IS NULL OR a.township_id = $4) AND (CAST($5 AS TEXT) "            \
	"IS NULL OR a.state = $5) AND (CAST($6 AS TEXT) IS NULL OR a.mechanism = $6) "             \
	"AND a.id <= $8 ORDER BY a.id LIMIT $7"

/* list_walk: xz_joint_list's visitor: each action as read, with its
 * links (the page's, read before it, in the same order) and clocks. */
struct list_walk {
	struct xz_ctx *c;
	xz_row_fn fn;
	void *arg;
	json_t *units, *probs;
	size_t unit, prob; /* the first link row not yet handed out */
};

/* ids_of: the ids of rows from *k on that belong to action id, as the text
 * of a JSON array (free()); *k moves past them. */
static char *ids_of(json_t *rows, size_t *k, int64_t id)
{
	json_t *ids = json_array(), *v;
	char *text;
	for (; (v = json_array_get(rows, *k)) && jint(v, "action_id") <= id; (*k)++)
		if (jint(v, "action_id") == id)
			json_array_append(ids, json_object_get(v, "id"));
	text = json_dumps(ids, JSON_COMPACT);
	json_decref(ids);
	return text;
}

static int list_row(void *arg, const struct xz_col *cols, int n)
{
	struct list_walk *w = arg;
	int64_t id = xz_col_int(cols, n, "id");
	char *units = ids_of(w->units, &w->unit, id), *probs = ids_of(w->probs, &w->prob, id);
	struct action_clocks k =
	    clocks_of(w->c->now, xz_col_text(cols, n, "state"),
		      xz_col_int(cols, n, "forward_due_at"), xz_col_int(cols, n, "forwarded_at"),
		      xz_col_int(cols, n, "decision_due_at"), xz_col_int(cols, n, "decided_at"));
	const struct xz_col more[] = {
	    {.name = "participating_units_json",
	     .t = XZ_COL_TEXT,
	     .s = units,
	     .len = strlen(units)},
	    {.name = "problem_ids_json", .t = XZ_COL_TEXT, .s = probs, .len = strlen(probs)},
	    {.name = "forward_overdue", .t = XZ_COL_INT, .i = k.forward_overdue},
	    {.name = "decision_overdue", .t = XZ_COL_INT, .i = k.decision_overdue},
	};
	int rc = xz_row_with(w->fn, w->arg, cols, n, more, XZ_ARRAY_LEN(more));
	free(units);
	free(probs);
	return rc;
}

/* list_page: the page of the list at the caller's place pl: its ids first,
 * then their links, then the actions as read (an answer written row by
 * row needs each action's links with it). */
static int list_page(struct xz_ctx *c, const struct xz_joint_filter *f, const struct xz_place *pl,
		     xz_row_fn fn, void *arg)
{
	struct list_walk w = {.c = c, .fn = fn, .arg = arg};
	struct xz_val args[] = {
	    XZ_INT(f->after),  XZ_ID(pl->township_id), XZ_ID(pl->county_id), XZ_ID(f->township_id),
	    XZ_TEXT(f->state), XZ_TEXT(f->mechanism),  XZ_INT(f->limit),     XZ_INT(INT64_MAX)};
	json_t *page = NULL;
	int rc;
	if ((rc = xz_db_one(c->db,
			    "SELECT MIN(a.id) AS lo, MAX(a.id) AS hi FROM (SELECT a.id FROM "
			    "joint_actions a " LIST_PAGE ") AS a",
			    args, XZ_ARRAY_LEN(args), &page)) < 0 ||
	    !jint(page, "hi"))
		goto out;
	args[7] = XZ_INT(jint(page, "hi"));
	if ((rc = link_rows(c, jint(page, "lo"), jint(page, "hi"), &w.units, &w.probs)) < 0)
		goto out;
	rc = xz_db_each(c->db, "SELECT " ACTION_COLS ACTION_FROM LIST_PAGE, args,
			XZ_ARRAY_LEN(args), list_row, &w);
out:
	json_decref(w.units);
	json_decref(w.probs);
	json_decref(page);
	return rc;
}

int xz_joint_list(struct xz_ctx *c, const struct xz_joint_filter *f, xz_row_fn fn, void *arg)
{
	struct xz_place pl;
	int rc;
	if (f->mechanism && !xz_joint_mech_parse(f->mechanism))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_query",
				   "mechanism须为routine、special或emergency",
				   "mechanism must be routine, special or emergency", "mechanism");
	if (!xz_authz_filter(c->user, "joint.read", &pl))
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权查看", "Not allowed", NULL);
	rc = list_page(c, f, &pl, fn, arg);
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

/* notice_row: xz_joint_notices_for's visitor (arg: struct xz_walk): each
 * notice as read, with its clock (notice_clock's columns) */
static int notice_row(void *arg, const struct xz_col *cols, int n)
{
	struct xz_walk *w = arg;
	struct notice_clock k =
	    clock_of(w->c->now, xz_col_int(cols, n, "due_at"), xz_col_int(cols, n, "answered_at"));
	const struct xz_col more[] = {
	    {.name = "late", .t = XZ_COL_INT, .i = k.late},
	    {.name = "answered", .t = XZ_COL_INT, .i = k.answered},
	    {.name = "seconds_left", .t = XZ_COL_INT, .i = k.left},
	    {.name = "officers_json", .t = XZ_COL_TEXT, .s = "[]", .len = 2},
	};
	/* officers_json as read, but for a NULL: "[]" (more's last) */
	int kept = xz_col_text(cols, n, "officers_json") ? 1 : 0;
	return xz_row_with(w->fn, w->arg, cols, n, more, (int)XZ_ARRAY_LEN(more) - kept);
}

int xz_joint_notices_for(struct xz_ctx *c, int64_t after, int64_t limit, bool open_only,
			 xz_row_fn fn, void *arg)
{
	struct xz_walk w = {.c = c, .fn = fn, .arg = arg};
	struct xz_place f;
	int rc;
	/* whose notices: the township's or county's for those who coordinate,
	 * the caller's own unit's for its people (authz decides) */
	if (!xz_authz_filter(c->user, "joint.notice.read", &f) ||
	    (!f.county_id && !f.township_id && f.unit_id <= 0))
		return 0;
	rc = xz_db_each(c->db,
			NOTICE_SQL "WHERE n.id > $1 AND (CAST($2 AS BIGINT) IS NULL OR n.unit_id = "
				   "$2) AND (CAST($3 AS BIGINT) IS NULL OR n.township_id = $3) AND "
				   "(CAST($4 AS BIGINT) IS NULL OR a.county_id = $4) AND "
				   "(CAST($5 AS TEXT) IS NULL OR n.answered_at IS NULL) ORDER BY "
				   "n.id LIMIT $6",
			XZ_ARGS(XZ_INT(after), XZ_ID(f.unit_id), XZ_ID(f.township_id),
				XZ_ID(f.county_id), XZ_TEXT(open_only ? "1" : NULL), XZ_INT(limit)),
			notice_row, &w);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
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
