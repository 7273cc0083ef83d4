/*
 * jointaction.c — the joint enforcement action's life cycle (seed §4.2:
 * 常规、专项、应急启动; R9.2 county-wide actions) as a table walked by
 * domain/fsm.c, and the plan rules: the checks shared by creating and
 * editing a plan, county-wide children, the police-support rule (once),
 * decision numbering, the special mechanism's 3-day rule and its 2-day
 * clocks. Plans (create, edit, county-wide children, the police rule) are
 * in joint_plan.c.
 *
 * Reading the table: each row says "for these mechanisms, from this state,
 * this action leads to that state, if the caller holds one of the `who`
 * relations (decided in authz.c), given the fields it requires and its
 * guard, doing its effect, telling these people". To change who decides,
 * edit a row. The work done under an action (participants, notices,
 * incidents, findings) is in joint_work.c, reading in joint_read.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"
#include "domain/joint_internal.h"
#include "domain/jointaction.h"

#define jint xz__jint
#define jstr xz__jstr

/* ---- the table ---- */

/* What an effect leaves for the state move to write (run->data). */
struct effect {
	int64_t received, due, forwarded, late, decided, decided_by, launch, decision_no, lead,
	    approved, approval_seconds, started, concluded, decision_late;
	const char *reasons, *summary, *note;
};

static bool special_working(struct xz_db *db)
{
	return xz_joint_setting_int(db, "joint.special_days_working", 0) == 1;
}

/* in_time: a special application arrives at least 3 days before its start. */
static int in_time(struct xz_fsm_run *run)
{
	bool ok = false;
	int rc = xz_caldb_days_before_in(run->c->db, jint(run->record, "county_id"), run->c->now,
					 jint(run->record, "planned_start"), XZ_JOINT_APPLY_DAYS,
					 special_working(run->c->db), &ok);
	if (rc < 0)
		return xz_ctx_fail_db(run->c, rc);
	if (!ok)
		return xz_ctx_fail(run->c, XZ_ERULE, "too_late_to_apply",
				   "专项联合执法须在实施3日前提出申请",
				   "A special joint action must be applied for at least 3 days "
				   "before it starts",
				   "planned_start");
	return 0;
}

/* receive: the office's forwarding clock and the written decision's clock
 * both run 2 days from receipt (§4.2.2). */
static int receive(struct xz_fsm_run *run)
{
	struct effect *e = run->data;
	int rc;
	e->received = run->c->now;
	rc = xz_caldb_deadline_in(run->c->db, jint(run->record, "county_id"), e->received,
				  XZ_JOINT_FORWARD_DAYS,
				  special_working(run->c->db) ? XZ_DL_WORKING_DAYS : XZ_DL_DAYS,
				  &e->due);
	return rc < 0 ? xz_ctx_fail_db(run->c, rc) : 0;
}

static int forward(struct xz_fsm_run *run)
{
	struct effect *e = run->data;
	e->forwarded = run->c->now;
	e->late = e->forwarded > jint(run->record, "forward_due_at") ? 1 : 0;
	return 0;
}

/* decide: the written decision, numbered per township and year
 * (碧执领〔2026〕N号); a launched action is led by the applying unit. */
static int decide(struct xz_fsm_run *run)
{
	struct effect *e = run->data;
	int64_t n = 0, due = jint(run->record, "decision_due_at");
	int y, m, d, rc;
	xz_civil_from_days(xz_day_of(run->c->now), &y, &m, &d);
	e->decided = run->c->now;
	e->decided_by = run->c->user ? run->c->user->id : 0;
	e->launch = run->selector;
	e->reasons = json_string_value(json_object_get(run->in, "reasons"));
	e->decision_late = due > 0 && e->decided > due;
	rc = xz_db_int(run->c->db,
		       "SELECT COUNT(*) FROM joint_actions WHERE township_id = $1 AND "
		       "decision_no IS NOT NULL AND decided_at >= $2",
		       XZ_ARGS(XZ_INT(jint(run->record, "township_id")),
			       XZ_INT(xz_day_start(xz_days_from_civil(y, 1, 1)))),
		       &n);
	if (rc < 0)
		return xz_ctx_fail_db(run->c, rc);
	e->decision_no = n + 1;
	if (run->selector == 1)
		e->lead = jint(run->record, "applicant_unit_id");
	return 0;
}

static int approve(struct xz_fsm_run *run)
{
	((struct effect *)run->data)->approved = run->c->now;
	return 0;
}

static int approve_start(struct xz_fsm_run *run)
{
	struct effect *e = run->data;
	e->approved = e->started = run->c->now;
	e->approval_seconds = run->c->now - jint(run->record, "created_at");
	return 0;
}

static int start(struct xz_fsm_run *run)
{
	((struct effect *)run->data)->started = run->c->now;
	return 0;
}

/* conclude: the result summary, and every escalated problem the action
 * took up leaves `escalated` (xz__joint_settle). */
static int conclude(struct xz_fsm_run *run)
{
	struct effect *e = run->data;
	json_t *unresolved = json_object_get(run->in, "unresolved");
	e->concluded = run->c->now;
	e->summary = json_string_value(json_object_get(run->in, "summary"));
	return xz__joint_settle(run->c, run->record, e->summary, unresolved);
}

/* cancel: a county-wide action takes its unstarted township parts along. */
static int cancel(struct xz_fsm_run *run)
{
	struct xz_ctx *c = run->c;
	int64_t id = jint(run->record, "id");
	int rc;
	if (!(xz_joint_kind(run->record) & XZ_JM_COUNTY))
		return 0;
	rc = xz_db_exec(c->db,
			"INSERT INTO joint_history (action_id, at, user_id, username, action, "
			"from_state, to_state, note) SELECT id, $2, $3, $4, 'cancel', state, "
			"'cancelled', '县级统一行动取消' FROM joint_actions WHERE parent_id = $1 "
			"AND state IN ('draft','submitted','approved')",
			XZ_ARGS(XZ_INT(id), XZ_INT(c->now), XZ_ID(c->user ? c->user->id : 0),
				XZ_TEXT(c->user ? c->user->username : "系统")),
			NULL);
	if (rc == 0)
		rc = xz_db_exec(
		    c->db,
		    "UPDATE joint_actions SET state = 'cancelled', version = version + 1, "
		    "updated_at = $2 WHERE parent_id = $1 AND state IN "
		    "('draft','submitted','approved')",
		    XZ_ARGS(XZ_INT(id), XZ_INT(c->now)), NULL);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

#define R XZ_JM_ROUTINE
#define S XZ_JM_SPECIAL
#define E XZ_JM_EMERGENCY
#define C XZ_JM_COUNTY
#define OFFICE XZ_JW_OFFICE
#define LEADER XZ_JW_LEADER
#define HEAD XZ_JW_HEAD
#define APPLICANT XZ_JW_APPLICANT
#define LEAD XZ_JW_LEAD
#define OWNER XZ_JW_OWNER
#define ANY XZ_FSM_ANY
#define YES XZ_FSM_IF_TRUE
#define NO XZ_FSM_IF_FALSE

static const struct xz_fsm_row table[] = {
    /* routine (§4.2.1): the office drafts, the group (leader or deputy)
     * agrees or sends back, the office organises it */
    {R | E, "draft", "submit", ANY, "submitted", NULL, OFFICE, 0, NULL, NULL, 0, XZ_JT_LEADERS,
     "提交"},
    {R, "submitted", "approve", ANY, "approved", NULL, LEADER, 0, NULL, approve, 0, XZ_JT_OFFICE,
     "批准"},
    {R, "submitted", "return", ANY, "draft", NULL, LEADER, XZ_JF_REASON, NULL, NULL, 0,
     XZ_JT_OFFICE, "退回"},
    {R, "approved", "start", ANY, "in_progress", NULL, OFFICE, 0, NULL, start, 0, 0, "启动实施"},
    /* emergency (§4.2.3): the group leader agrees and it starts at once */
    {E, "submitted", "approve", ANY, "in_progress", NULL, HEAD, 0, NULL, approve_start, 0,
     XZ_JT_OFFICE, "批准"},
    {E, "submitted", "return", ANY, "draft", NULL, HEAD, XZ_JF_REASON, NULL, NULL, 0, XZ_JT_OFFICE,
     "退回"},
    /* special (§4.2.2): the unit applies at least 3 days ahead; the office
     * forwards within 2 days of receipt; the group leader decides in
     * writing within the same 2 days; a launched action is led by the
     * applying unit */
    {S, "draft", "submit", ANY, "submitted", NULL, APPLICANT, 0, in_time, receive,
     XZ_JC_FORWARD_DECIDE, XZ_JT_OFFICE, "提交"},
    {S, "submitted", "forward", ANY, "forwarded", NULL, OFFICE, 0, NULL, forward, 0, XZ_JT_LEADERS,
     "转报组长"},
    {S, "submitted", "return", ANY, "draft", NULL, OFFICE, XZ_JF_REASON, NULL, NULL, 0,
     XZ_JT_APPLICANT, "退回"},
    {S, "forwarded", "decide", YES, "approved", NULL, HEAD, XZ_JF_LAUNCH | XZ_JF_REASONS, NULL,
     decide, 0, XZ_JT_APPLICANT | XZ_JT_OFFICE, "书面决定"},
    {S, "forwarded", "decide", NO, "not_launched", NULL, HEAD, XZ_JF_LAUNCH | XZ_JF_REASONS, NULL,
     decide, 0, XZ_JT_APPLICANT | XZ_JT_OFFICE, "书面决定"},
    {S, "approved", "start", ANY, "in_progress", NULL, LEAD | OFFICE, 0, NULL, start, 0, 0,
     "启动实施"},
    /* every township mechanism: the lead unit or the office files the
     * result summary and the action closes, settling its problems */
    {R | S | E, "in_progress", "conclude", ANY, "concluded", NULL, LEAD | OFFICE, XZ_JF_SUMMARY,
     NULL, conclude, 0, 0, "结束并总结"},
    {R | E, "draft submitted", "cancel", ANY, "cancelled", NULL, OFFICE, 0, NULL, cancel, 0, 0,
     "取消"},
    {R, "approved", "cancel", ANY, "cancelled", NULL, OFFICE, 0, NULL, cancel, 0, 0, "取消"},
    {S, "draft", "cancel", ANY, "cancelled", NULL, APPLICANT | OFFICE, 0, NULL, cancel, 0, 0,
     "取消"},
    {S, "submitted", "cancel", ANY, "cancelled", NULL, APPLICANT, 0, NULL, cancel, 0, 0, "取消"},
    {S, "approved", "cancel", ANY, "cancelled", NULL, LEAD | OFFICE, 0, NULL, cancel, 0, 0, "取消"},
    /* county-wide unified action (R9.2): the county department that owns
     * it opens and closes it; each township's part is a routine child */
    {C, "draft", "start", ANY, "in_progress", NULL, OWNER, 0, NULL, start, 0, 0, "启动实施"},
    {C, "in_progress", "conclude", ANY, "concluded", NULL, OWNER, XZ_JF_SUMMARY, NULL, conclude, 0,
     0, "结束并总结"},
    {C, "draft", "cancel", ANY, "cancelled", NULL, OWNER, 0, NULL, cancel, 0, 0, "取消"},
};

static const struct xz_fsm_field fields[] = {
    {XZ_JF_LAUNCH, "launch", XZ_FSM_BOOL, 0, 0, XZ_EMALFORMED, "launch_required",
     "书面决定须写明是否启动（launch: true或false）",
     "The written decision must say launch: true or false"},
    {XZ_JF_REASONS, "reasons", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "reasons_required",
     "书面决定须写明理由", "The written decision must give its reasons"},
    {XZ_JF_REASON, "reason", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "reason_required", "退回须说明理由",
     "Sending back needs a reason"},
    {XZ_JF_SUMMARY, "summary", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "summary_required",
     "结束行动须提交结果小结", "Concluding needs a result summary"},
};

static const char *const states[] = {"draft",	  "submitted",	  "forwarded",
				     "approved",  "not_launched", "in_progress",
				     "concluded", "cancelled",	  NULL};
static const char *const state_labels[] = {"草稿",	 "已提交", "已转报组长", "已批准",
					   "决定不启动", "实施中", "已结束",	 "已取消"};

const struct xz_fsm xz_joint_fsm = {
    .name = "joint_action",
    .rows = table,
    .nrows = XZ_ARRAY_LEN(table),
    .states = states,
    .state_labels = state_labels,
    .open = XZ_JOINT_OPEN,
    .selector = "launch",
    .fields = fields,
    .nfields = XZ_ARRAY_LEN(fields),
};

/* The work done under an action: who may, in which states (the life
 * cycle's rows are above; these are the steps that leave the state). */
static const struct {
	const char *step;
	unsigned kinds, who;
	const char *states; /* NULL: any */
	const char *zh, *en;
} steps[] = {
    {"edit", R | E, OFFICE, "draft", "只有草稿可以修改", "Only a draft can be edited"},
    {"edit", S, APPLICANT, "draft", "只有草稿可以修改", "Only a draft can be edited"},
    {"participant.add", R | S | E, OFFICE | XZ_JW_UNIT, XZ_JOINT_OPEN, "行动已结束，不能再增加人员",
     "The action is closed"},
    {"check", R | S | E | C, OFFICE | XZ_JW_UNIT | XZ_JW_PERSON, "in_progress", "行动未在进行中",
     "The action is not in progress"},
    {"notice", R | S | E | C, OFFICE | LEAD, "in_progress", "行动未在进行中",
     "The action is not in progress"},
    {"notice.answer", R | S | E | C, XZ_JW_UNIT, NULL, NULL, NULL},
    {"incident", R | S | E | C, OFFICE | LEAD | XZ_JW_MEMBER, "in_progress", "行动未在进行中",
     "The action is not in progress"},
    {"incident.follow-up", R | S | E | C, XZ_JW_UNIT, NULL, NULL, NULL},
    {"finding", R | S | E | C, OFFICE | LEAD | XZ_JW_MEMBER, "in_progress", "行动未在进行中",
     "The action is not in progress"},
};

#undef R
#undef S
#undef E
#undef C

/* ---- shared helpers ---- */

static const char *const mech_names[] = {"routine", "special", "emergency"};

unsigned xz_joint_mech_parse(const char *name)
{
	size_t i;
	for (i = 0; name && i < XZ_ARRAY_LEN(mech_names); i++)
		if (!strcmp(mech_names[i], name))
			return 1u << i;
	return 0;
}

unsigned xz_joint_kind(const json_t *row)
{
	const char *scope = jstr(row, "scope");
	if (scope && !strcmp(scope, "county"))
		return XZ_JM_COUNTY;
	return xz_joint_mech_parse(jstr(row, "mechanism"));
}

bool xz__joint_blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

bool xz__joint_has(const json_t *ids, int64_t id)
{
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) if (json_integer_value(v) == id) return true;
	return false;
}

int xz__joint_row(struct xz_ctx *c, int64_t id, json_t **row)
{
	int rc =
	    xz_db_one(c->db, "SELECT * FROM joint_actions WHERE id = $1", XZ_ARGS(XZ_INT(id)), row);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "联合执法行动不存在", "No such joint action",
				   NULL);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz__joint_units(struct xz_db *db, int64_t id, json_t **units)
{
	json_t *rows = NULL, *v;
	size_t i;
	int rc = xz_db_query(db,
			     "SELECT unit_id FROM joint_action_units WHERE action_id = $1 ORDER BY "
			     "position, unit_id",
			     XZ_ARGS(XZ_INT(id)), &rows);
	*units = json_array();
	json_array_foreach(rows, i, v) json_array_append(*units, json_object_get(v, "unit_id"));
	json_decref(rows);
	return rc;
}

unsigned xz__joint_who(struct xz_ctx *c, const json_t *row, int64_t unit, int64_t person)
{
	const struct xz_user *u = c->user;
	struct xz_joint_rel in = {
	    .county_id = jint(row, "county_id"),
	    .township_id = jint(row, "township_id"),
	    .department_id = jint(row, "department_id"),
	    .applicant_unit_id = jint(row, "applicant_unit_id"),
	    .lead_unit_id = jint(row, "lead_unit_id"),
	    .unit_id = unit,
	    .person_id = person,
	};
	json_t *lr = NULL;
	int64_t n = 0, id = jint(row, "id");
	unsigned who;
	if (!u)
		return ~0u; /* the system acts under every rule's own checks */
	if ((u->roles & XZ_ROLE_LEADER) && u->person_id > 0 && in.township_id > 0 &&
	    xz_db_one(c->db,
		      "SELECT position FROM leadership WHERE township_id = $1 AND person_id = $2",
		      XZ_ARGS(XZ_INT(in.township_id), XZ_INT(u->person_id)), &lr) == 0)
		in.position = jstr(lr, "position");
	if (id > 0 && (u->roles & XZ_ROLE_CONTACT) && u->unit_id > 0 &&
	    xz_db_int(
		c->db,
		"SELECT COUNT(*) FROM joint_action_units WHERE action_id = $1 AND unit_id = $2",
		XZ_ARGS(XZ_INT(id), XZ_INT(u->unit_id)), &n) == 0)
		in.unit_participates = n > 0;
	if (id > 0 && u->person_id > 0 &&
	    xz_db_int(
		c->db,
		"SELECT COUNT(*) FROM joint_participants WHERE action_id = $1 AND person_id = $2",
		XZ_ARGS(XZ_INT(id), XZ_INT(u->person_id)), &n) == 0)
		in.is_participant = n > 0;
	who = xz_authz_joint_relation(u, &in);
	json_decref(lr);
	return who;
}

int xz__joint_may(struct xz_ctx *c, const char *step, const json_t *row, unsigned who)
{
	unsigned kind = xz_joint_kind(row);
	const char *state = jstr(row, "state");
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(steps); i++) {
		if (strcmp(steps[i].step, step) || !(steps[i].kinds & kind) ||
		    !(steps[i].who & who))
			continue;
		if (steps[i].states && !xz_fsm_in(steps[i].states, state))
			return xz_ctx_fail(c, XZ_ECONFLICT, "invalid_transition", steps[i].zh,
					   steps[i].en, NULL);
		return 0;
	}
	return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "您无权对该联合执法行动执行此操作",
			   "You may not do this to this joint action", NULL);
}

int xz__joint_history(struct xz_ctx *c, int64_t id, const char *action, const char *from,
		      const char *to, const char *note)
{
	int rc = xz_db_exec(c->db,
			    "INSERT INTO joint_history (action_id, at, user_id, username, action, "
			    "from_state, to_state, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
			    XZ_ARGS(XZ_INT(id), XZ_INT(c->now), XZ_ID(c->user ? c->user->id : 0),
				    XZ_TEXT(c->user ? c->user->username : "系统"), XZ_TEXT(action),
				    XZ_TEXT(from), XZ_TEXT(to), XZ_TEXT(note)),
			    NULL);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int64_t xz__joint_police_unit(struct xz_db *db, int64_t township)
{
	int64_t id = 0;
	if (township <= 0 ||
	    xz_db_int(db,
		      "SELECT u.id FROM units u JOIN departments d ON d.id = u.department_id WHERE "
		      "d.code = 'GA' AND u.township_id = $1 ORDER BY u.id LIMIT 1",
		      XZ_ARGS(XZ_INT(township)), &id) < 0)
		return 0;
	return id;
}

int64_t xz_joint_setting_int(struct xz_db *db, const char *key, int64_t dflt)
{
	json_t *row = NULL;
	int64_t v = dflt;
	char *end = NULL;
	if (xz_db_one(db, "SELECT value FROM settings WHERE key = $1", XZ_ARGS(XZ_TEXT(key)),
		      &row) == 0) {
		const char *s = jstr(row, "value");
		if (s && *s) {
			long long x = strtoll(s, &end, 10);
			if (end && !*end)
				v = x;
		}
	}
	json_decref(row);
	return v;
}

int xz_joint_police_rule(struct xz_db *db, int64_t township_id, struct xz_joint_police_rule *rule)
{
	char key[48];
	json_t *row = NULL, *v = NULL;
	int rc;
	memset(rule, 0, sizeof(*rule));
	snprintf(key, sizeof(key), "joint.police.%lld", (long long)township_id);
	rc =
	    xz_db_one(db, "SELECT value FROM settings WHERE key = $1", XZ_ARGS(XZ_TEXT(key)), &row);
	if (rc == XZ_ENOTFOUND)
		return 0;
	if (rc == 0 && (v = json_loads(jstr(row, "value") ?: "", 0, NULL)) && json_is_object(v)) {
		rule->emergency = json_is_true(json_object_get(v, "emergency"));
		rule->major_units = xz__jint(v, "major_units");
		rule->major_participants = xz__jint(v, "major_participants");
	}
	json_decref(v);
	json_decref(row);
	return rc;
}

int xz_joint_qualified(struct xz_db *db, int64_t person_id, const char *domain, int64_t from_day,
		       int64_t to_day, bool *ok)
{
	json_t *rows = NULL, *row, *domains = NULL, *d;
	char from[XZ_DATE_LEN], to[XZ_DATE_LEN];
	size_t i, k;
	int rc;

	*ok = false;
	xz_date_format(from_day, from);
	xz_date_format(to_day, to);
	/* dates are YYYY-MM-DD text, so text order is date order */
	rc = xz_db_query(
	    db,
	    "SELECT q.domains FROM qualifications q JOIN people p ON p.id = q.person_id "
	    "WHERE q.person_id = $1 AND p.is_auxiliary = 0 AND q.valid_from <= $2 AND "
	    "q.valid_to >= $3",
	    XZ_ARGS(XZ_INT(person_id), XZ_TEXT(from), XZ_TEXT(to)), &rows);
	json_array_foreach(rows, i, row)
	{
		if (!domain || !*domain) {
			*ok = true;
			break;
		}
		json_decref(domains);
		domains = json_loads(jstr(row, "domains") ?: "[]", 0, NULL);
		json_array_foreach(domains, k, d)
		{
			if (json_is_string(d) && !strcmp(json_string_value(d), domain))
				*ok = true;
		}
		if (*ok)
			break;
	}
	json_decref(domains);
	json_decref(rows);
	return rc;
}

/* ---- moving an action ---- */

static struct xz_val opt(int64_t v, bool set)
{
	return set ? XZ_INT(v) : XZ_NULL;
}

/* tell_row: the row's `tell` bits as recipients. */
static int tell_row(struct xz_ctx *c, const json_t *row, const struct xz_fsm_row *t)
{
	static const struct {
		const char *action, *kind, *title;
	} kinds[] = {
	    {"submit", "joint_submitted", "联合执法行动待审批"},
	    {"forward", "joint_forwarded", "专项联合执法申请待书面决定"},
	    {"approve", "joint_approved", "联合执法行动已批准"},
	    {"return", "joint_returned", "联合执法行动方案被退回"},
	    {"decide", "joint_decision", "专项联合执法申请已作出书面决定"},
	};
	struct xz__joint_to to = {.township_id = jint(row, "township_id")};
	const char *kind = "joint", *title = "联合执法行动";
	size_t i;
	if (!t->tell)
		return 0;
	for (i = 0; i < XZ_ARRAY_LEN(kinds); i++)
		if (!strcmp(kinds[i].action, t->action)) {
			kind = kinds[i].kind;
			title = kinds[i].title;
		}
	/* a special application arriving is the office's to forward */
	if (!strcmp(t->action, "submit") && (t->kinds & XZ_JM_SPECIAL)) {
		kind = "joint_application";
		title = "收到专项联合执法申请";
	}
	to.leaders = t->tell & XZ_JT_LEADERS;
	to.office = t->tell & XZ_JT_OFFICE;
	if (t->tell & XZ_JT_APPLICANT)
		to.unit_id = jint(row, "applicant_unit_id");
	if (t->tell & XZ_JT_LEAD)
		to.unit2_id = jint(row, "lead_unit_id");
	return xz__joint_tell(c, jint(row, "id"), &to, kind, title,
			      xz_arena_printf(c->arena, "「%s」%s", jstr(row, "title"),
					      t->label ? t->label : t->action));
}

struct act_arg {
	int64_t id;
	const char *action;
	json_t *in;
};

static int act_tx(struct xz_ctx *c, void *arg)
{
	struct act_arg *a = arg;
	struct effect e = {0};
	struct xz_place pl = {0};
	struct xz_fsm_subject s = {0};
	struct xz_fsm_run run = {.c = c, .m = &xz_joint_fsm, .s = &s, .in = a->in, .data = &e};
	json_t *row = NULL;
	const struct xz_fsm_row *t;
	const char *note;
	int64_t changes = 0;
	int rc;

	if ((rc = xz_joint_load(c, a->id, &row)) < 0)
		return rc;
	pl.county_id = jint(row, "county_id");
	pl.township_id = jint(row, "township_id");
	s.kind = xz_joint_kind(row);
	s.state = jstr(row, "state");
	s.user = c->user;
	s.place = &pl;
	s.who = xz__joint_who(c, row, 0, 0);
	run.record = row;
	if ((rc = xz_fsm_walk(&run, a->action)) < 0)
		goto out;
	t = run.row;
	rc = xz_db_exec(
	    c->db,
	    "UPDATE joint_actions SET state = $3, version = version + 1, updated_at = $4, "
	    "received_at = COALESCE($5, received_at), forward_due_at = COALESCE($6, "
	    "forward_due_at), decision_due_at = COALESCE($6, decision_due_at), forwarded_at = "
	    "COALESCE($7, forwarded_at), forward_late = COALESCE($8, forward_late), decided_at = "
	    "COALESCE($9, decided_at), decided_by = COALESCE($10, decided_by), launch = "
	    "COALESCE($11, launch), reasons = COALESCE($12, reasons), decision_no = COALESCE($13, "
	    "decision_no), lead_unit_id = COALESCE($14, lead_unit_id), approved_at = COALESCE($15, "
	    "approved_at), approval_seconds = COALESCE($16, approval_seconds), started_at = "
	    "COALESCE($17, started_at), concluded_at = COALESCE($18, concluded_at), summary = "
	    "COALESCE($19, summary), decision_late = COALESCE($20, decision_late) "
	    "WHERE id = $1 AND version = $2",
	    XZ_ARGS(
		XZ_INT(a->id), XZ_INT(jint(row, "version")), XZ_TEXT(t->to ? t->to : s.state),
		XZ_INT(c->now), opt(e.received, e.received), opt(e.due, e.due),
		opt(e.forwarded, e.forwarded), opt(e.late, e.forwarded), opt(e.decided, e.decided),
		opt(e.decided_by, e.decided_by), opt(e.launch, e.decided), XZ_TEXT(e.reasons),
		opt(e.decision_no, e.decided), opt(e.lead, e.lead > 0), opt(e.approved, e.approved),
		opt(e.approval_seconds, e.approved && e.started), opt(e.started, e.started),
		opt(e.concluded, e.concluded), XZ_TEXT(e.summary), opt(e.decision_late, e.decided)),
	    &changes);
	if (rc == 0 && changes == 0)
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict",
				 "行动已被他人修改，请刷新后重试",
				 "The action changed meanwhile; reload and retry", NULL);
	if (rc < 0)
		goto out;
	note = json_string_value(json_object_get(a->in, "reasons"));
	if (!note)
		note = json_string_value(json_object_get(a->in, "reason"));
	if (!note)
		note = json_string_value(json_object_get(a->in, "summary"));
	if ((rc = xz__joint_history(c, a->id, a->action, s.state, t->to ? t->to : s.state, note)) <
		0 ||
	    (rc = tell_row(c, row, t)) < 0)
		goto out;
	rc = xz_ctx_audit_new(c, xz_arena_printf(c->arena, "joint.%s", a->action), "joint_action",
			      a->id, json_pack("{s:s}", "state", s.state), json_incref(a->in));
out:
	json_decref(row);
	return rc < 0 && !c->err_code ? xz_ctx_fail_db(c, rc) : rc;
}

int xz_joint_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in)
{
	struct act_arg a = {id, action, in};
	if (!xz_fsm_known_action(&xz_joint_fsm, action))
		return xz_ctx_fail(
		    c, XZ_EMALFORMED, "invalid_action",
		    "action须为submit、forward、decide、approve、return、start、conclude或cancel",
		    "action must be submit, forward, decide, approve, return, start, "
		    "conclude or cancel",
		    "action");
	return xz_ctx_tx(c, act_tx, &a);
}

/* ---- the township's rules ---- */

static int township_place(struct xz_ctx *c, int64_t township_id, struct xz_place *pl)
{
	int64_t county = 0;
	memset(pl, 0, sizeof(*pl));
	if (xz_db_int(c->db, "SELECT county_id FROM regions WHERE id = $1 AND level = 'township'",
		      XZ_ARGS(XZ_INT(township_id)), &county) < 0)
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "乡镇（街道）不存在",
				   "No such township", NULL);
	pl->county_id = county;
	pl->township_id = township_id;
	return 0;
}

int xz_joint_rules_get(struct xz_ctx *c, int64_t township_id, json_t **out)
{
	struct xz_joint_police_rule rule;
	struct xz_place pl;
	char key[48];
	int64_t n = 0;
	int rc;
	*out = NULL;
	if ((rc = township_place(c, township_id, &pl)) < 0)
		return rc;
	if (c->user && !xz_authz(c->user, "joint.read", &pl))
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "乡镇（街道）不存在",
				   "No such township", NULL);
	snprintf(key, sizeof(key), "joint.police.%lld", (long long)township_id);
	if ((rc = xz_joint_police_rule(c->db, township_id, &rule)) < 0 ||
	    (rc = xz_db_int(c->db, "SELECT COUNT(*) FROM settings WHERE key = $1",
			    XZ_ARGS(XZ_TEXT(key)), &n)) < 0)
		return xz_ctx_fail_db(c, rc);
	*out = json_pack("{s:I,s:b,s:b,s:I,s:I}", "township_id", (json_int_t)township_id,
			 "configured", n > 0, "emergency", rule.emergency, "major_units",
			 (json_int_t)rule.major_units, "major_participants",
			 (json_int_t)rule.major_participants);
	return 0;
}

struct rules_arg {
	int64_t township_id;
	const struct xz_joint_police_rule *rule;
};

static int rules_tx(struct xz_ctx *c, void *arg)
{
	struct rules_arg *a = arg;
	struct xz_place pl;
	json_t *v = NULL;
	char key[48], *text = NULL;
	int rc;
	if ((rc = township_place(c, a->township_id, &pl)) < 0)
		return rc;
	if (c->user && !xz_authz(c->user, "joint.rules", &pl))
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权设置该乡镇（街道）的规则",
				   "You may not set this township's rules", NULL);
	if (a->rule->major_units < 0 || a->rule->major_units > XZ_JOINT_MAX_UNITS ||
	    a->rule->major_participants < 0 || a->rule->major_participants > 10000)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "major_units须为0到50、major_participants须为0到10000的整数",
				   "major_units must be 0..50, major_participants 0..10000",
				   "major_units");
	snprintf(key, sizeof(key), "joint.police.%lld", (long long)a->township_id);
	v = json_pack("{s:b,s:I,s:I}", "emergency", a->rule->emergency, "major_units",
		      (json_int_t)a->rule->major_units, "major_participants",
		      (json_int_t)a->rule->major_participants);
	text = json_dumps(v, JSON_COMPACT);
	rc = xz_db_exec(c->db,
			"INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO "
			"UPDATE SET value = $2",
			XZ_ARGS(XZ_TEXT(key), XZ_TEXT(text)), NULL);
	if (rc == 0)
		rc = xz_ctx_audit(c, "joint.rules", "township", a->township_id, NULL, v);
	free(text);
	json_decref(v);
	return rc < 0 && !c->err_code ? xz_ctx_fail_db(c, rc) : rc;
}

int xz_joint_rules_set(struct xz_ctx *c, int64_t township_id,
		       const struct xz_joint_police_rule *rule)
{
	struct rules_arg a = {township_id, rule};
	return xz_ctx_tx(c, rules_tx, &a);
}
