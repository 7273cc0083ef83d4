/*
 * joint_work.c — the work done under a joint action (R5.1, R5.5–R5.7):
 * participants named by their units (the qualification rule, §4.1),
 * check-in on the day, interactive-enforcement notices with their
 * same-day clock and alarms (§4.3.3), incidents handed at once to the
 * police station (§4.3.5), findings that enter the closed loop, the
 * settling of escalated problems when an action concludes, and the
 * notifications that tell the people who must act (R7.3). Interactive
 * notices and the scheduler's pass are in joint_notice.c. Each public
 * function is one use case in one transaction (xz_ctx_tx).
 */
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"
#include "domain/events.h"
#include "domain/grid.h"
#include "domain/joint_internal.h"
#include "domain/officialdoc.h"
#include "domain/jointaction.h"
#include "domain/notify.h"
#include "domain/problem.h"
#include "domain/routing.h"

#define jint xz__jint
#define jstr xz__jstr

/* ---- notifications ---- */

int xz__joint_tell(struct xz_ctx *c, int64_t id, const struct xz__joint_to *to, const char *kind,
		   const char *title, const char *body)
{
	struct xz_sub_place where = {0};
	struct xz_note n = {kind, to->notice_id ? "joint_notice" : "joint_action",
			    to->notice_id ? to->notice_id : id, title, body, xz__joint_uid(c)};
	int rc = xz_tell(c, &n,
			 XZ_TOS(to->office ? XZ_TO_OFFICE(to->township_id) : XZ_TO(XZ_TO_ROLE, 0),
				to->leaders ? XZ_TO_LEADERS(to->township_id) : XZ_TO(XZ_TO_ROLE, 0),
				XZ_TO(XZ_TO_UNIT_CONTACT, to->unit_id),
				XZ_TO(XZ_TO_UNIT_CONTACT, to->unit2_id),
				XZ_TO(XZ_TO_PERSON, to->person_id)));
	if (rc < 0)
		return rc;
	/* open pages of the township refresh their joint lists */
	where.township_id = to->township_id;
	if (to->township_id > 0)
		xz_notify_event(c->db, "joint",
				json_pack("{s:I,s:s}", "id", (json_int_t)id, "kind", kind), &where);
	return 0;
}

/* step_done: a step that leaves the action's state as it is: history and audit. */
int xz__joint_step_done(struct xz_ctx *c, const json_t *row, const char *step, const char *note,
			const char *object_type, int64_t object_id)
{
	int rc = xz__joint_history(c, jint(row, "id"), step, jstr(row, "state"), jstr(row, "state"),
				   note);
	if (rc == 0)
		rc = xz_ctx_audit(c, xz_arena_printf(c->arena, "joint.%s", step), object_type,
				  object_id, NULL, NULL);
	return rc;
}

const char *xz__joint_when(struct xz_ctx *c, int64_t t)
{
	char buf[XZ_TIME_CN_LEN];
	return xz_arena_strdup(c->arena, xz_time_cn(t, buf));
}

/* ---- participants (§4.1) ---- */

/* xz__joint_person_qualified: an enforcer's qualification rule, naming the person. */
int xz__joint_person_qualified(struct xz_ctx *c, const json_t *person, const char *domain,
			       int64_t from_day, int64_t to_day, const char *field)
{
	bool ok = false;
	int rc;
	if (jint(person, "is_auxiliary"))
		return xz_ctx_fail(
		    c, XZ_ERULE, "qualification_required",
		    xz_arena_printf(c->arena, "%s为协管员，只能作为辅助人员参加",
				    jstr(person, "name")),
		    xz_arena_printf(c->arena, "%s is an auxiliary and may join only as support",
				    jstr(person, "name")),
		    !strcmp(field, "person_id") ? "role" : field);
	if ((rc = xz_joint_qualified(c->db, jint(person, "id"), domain, from_day, to_day, &ok)) < 0)
		return xz_ctx_fail_db(c, rc);
	if (!ok)
		return xz_ctx_fail(
		    c, XZ_ERULE, "qualification_required",
		    xz_arena_printf(c->arena, "%s没有在行动期间全程有效且涵盖%s领域的行政执法资格",
				    jstr(person, "name"), domain ? domain : "本行动"),
		    xz_arena_printf(c->arena,
				    "%s holds no enforcement qualification valid for the whole "
				    "action and covering its domain",
				    jstr(person, "name")),
		    field);
	return 0;
}

struct part_arg {
	int64_t id;
	const struct xz_joint_participant_in *in;
	int64_t *pid;
};

static int participant_tx(struct xz_ctx *c, void *arg)
{
	struct part_arg *a = arg;
	const struct xz_joint_participant_in *in = a->in;
	struct xz_joint_police_rule rule;
	json_t *row = NULL, *p = NULL, *units = NULL;
	int64_t count = 0, town;
	int rc;

	if (strcmp(in->role, "enforcer") && strcmp(in->role, "support"))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "role须为enforcer（执法人员）或support（辅助人员）",
				   "role must be enforcer or support", "role");
	if ((rc = xz_joint_load(c, a->id, &row)) < 0)
		return rc;
	town = jint(row, "township_id");
	if (xz_joint_kind(row) & XZ_JM_COUNTY) {
		rc = xz_ctx_fail(c, XZ_ERULE, "county_action",
				 "县级统一行动的人员由各乡镇（街道）分行动确定",
				 "Participants are named in each township's part", NULL);
		goto out;
	}
	if ((rc = xz__joint_may(c, "participant.add", row, xz__joint_who(c, row, in->unit_id, 0))) <
	    0)
		goto out;
	if ((rc = xz__joint_units(c->db, a->id, &units)) < 0)
		goto out;
	if (!xz__joint_has(units, in->unit_id)) {
		rc = xz_ctx_fail(c, XZ_ERULE, "unit_not_participating", "该单位未参加本次行动",
				 "The unit does not take part in this action", "unit_id");
		goto out;
	}
	rc = xz_db_one(c->db, "SELECT id, name, unit_id, is_auxiliary FROM people WHERE id = $1",
		       XZ_ARGS(XZ_INT(in->person_id)), &p);
	if (rc == XZ_ENOTFOUND || (rc == 0 && jint(p, "unit_id") != in->unit_id)) {
		rc = xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "人员不属于该单位",
				 "The person is not of that unit", "person_id");
		goto out;
	}
	if (rc < 0)
		goto out;
	if (!strcmp(in->role, "enforcer") &&
	    (rc = xz__joint_person_qualified(c, p, jstr(row, "domain"),
					     xz_day_of(jint(row, "planned_start")),
					     xz_day_of(jint(row, "planned_end")), "person_id")) < 0)
		goto out;
	rc = xz_db_int(c->db,
		       "INSERT INTO joint_participants (action_id, unit_id, person_id, role, "
		       "added_by, added_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
		       XZ_ARGS(XZ_INT(a->id), XZ_INT(in->unit_id), XZ_INT(in->person_id),
			       XZ_TEXT(in->role), XZ_ID(xz__joint_uid(c)), XZ_INT(c->now)),
		       a->pid);
	if (rc == XZ_ECONFLICT) {
		rc = xz_ctx_fail(c, rc, "duplicate", "该人员已在本次行动中",
				 "Already a participant", "person_id");
		goto out;
	}
	/* many people make a major action where the township's rule says so:
	 * the police station takes part */
	if (rc == 0 && (rc = xz_joint_police_rule(c->db, town, &rule)) == 0 &&
	    rule.major_participants > 0 &&
	    (rc = xz_db_int(c->db, "SELECT COUNT(*) FROM joint_participants WHERE action_id = $1",
			    XZ_ARGS(XZ_INT(a->id)), &count)) == 0 &&
	    count > rule.major_participants) {
		int64_t ga = xz__joint_police_unit(c->db, town);
		rc = xz_db_exec(c->db,
				"UPDATE joint_actions SET police_support = 1, police_required = 1 "
				"WHERE id = $1",
				XZ_ARGS(XZ_INT(a->id)), NULL);
		if (rc == 0 && ga > 0)
			rc = xz_db_exec(
			    c->db,
			    "INSERT INTO joint_action_units (action_id, unit_id, position) "
			    "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
			    XZ_ARGS(XZ_INT(a->id), XZ_INT(ga), XZ_INT(json_array_size(units))),
			    NULL);
	}
	if (rc == 0)
		rc = xz__joint_step_done(
		    c, row, "participant.add",
		    xz_arena_printf(c->arena, "%s（%s）", jstr(p, "name"),
				    !strcmp(in->role, "enforcer") ? "执法人员" : "辅助人员"),
		    "joint_action", a->id);
	if (rc == 0) {
		struct xz__joint_to to = {.person_id = in->person_id};
		rc =
		    xz__joint_tell(c, a->id, &to, "participant", "您被指派参加联合执法行动",
				   xz_arena_printf(c->arena, "「%s」%s至%s，%s", jstr(row, "title"),
						   xz__joint_when(c, jint(row, "planned_start")),
						   xz__joint_when(c, jint(row, "planned_end")),
						   jstr(row, "place") ?: ""));
	}
out:
	json_decref(units);
	json_decref(p);
	json_decref(row);
	return rc;
}

int xz_joint_participant_add(struct xz_ctx *c, int64_t id, const struct xz_joint_participant_in *in,
			     int64_t *pid)
{
	struct part_arg a = {id, in, pid};
	*pid = 0;
	return xz_ctx_tx(c, participant_tx, &a);
}

struct check_arg {
	int64_t id, pid;
	bool in;
};

static int check_tx(struct xz_ctx *c, void *arg)
{
	struct check_arg *a = arg;
	json_t *row = NULL, *p = NULL;
	int64_t day = xz_day_of(c->now);
	bool in = a->in;
	int rc;
	if ((rc = xz_joint_load(c, a->id, &row)) < 0)
		return rc;
	rc = xz_db_one(c->db,
		       "SELECT id, unit_id, person_id, checked_in_at, checked_out_at FROM "
		       "joint_participants WHERE id = $1 AND action_id = $2",
		       XZ_ARGS(XZ_INT(a->pid), XZ_INT(a->id)), &p);
	if (rc < 0)
		goto out;
	if ((rc = xz__joint_may(c, "check", row,
				xz__joint_who(c, row, jint(p, "unit_id"), jint(p, "person_id")))) <
	    0)
		goto out;
	if (day < xz_day_of(jint(row, "planned_start")) ||
	    day > xz_day_of(jint(row, "planned_end"))) {
		rc = xz_ctx_fail(c, XZ_ERULE, "not_action_day", "只能在行动当日签到、签退",
				 "Check in and out only on the days of the action", NULL);
		goto out;
	}
	if (in ? jint(p, "checked_in_at") > 0
	       : (jint(p, "checked_in_at") <= 0 || jint(p, "checked_out_at") > 0)) {
		rc =
		    xz_ctx_fail(c, XZ_ECONFLICT, in ? "already_checked_in" : "not_checked_in",
				in ? "已签到" : "未签到或已签退",
				in ? "Already checked in" : "Not checked in, or already out", NULL);
		goto out;
	}
	if ((rc = xz_db_exec(c->db,
			     in ? "UPDATE joint_participants SET checked_in_at = $2 WHERE id = $1"
				: "UPDATE joint_participants SET checked_out_at = $2 WHERE id = $1",
			     XZ_ARGS(XZ_INT(a->pid), XZ_INT(c->now)), NULL)) == 0)
		rc = xz_ctx_audit(c, in ? "joint.check-in" : "joint.check-out", "joint_participant",
				  a->pid, NULL, NULL);
out:
	json_decref(p);
	json_decref(row);
	return rc;
}

int xz_joint_check(struct xz_ctx *c, int64_t id, int64_t pid, bool in)
{
	struct check_arg a = {id, pid, in};
	return xz_ctx_tx(c, check_tx, &a);
}

/* ---- enforcement protection (§4.3.5) ---- */

struct incident_arg {
	int64_t id;
	const struct xz_joint_incident_in *in;
	int64_t *iid;
};

static int incident_tx(struct xz_ctx *c, void *arg)
{
	struct incident_arg *a = arg;
	const struct xz_joint_incident_in *in = a->in;
	json_t *row = NULL;
	int64_t ga;
	char *ej = NULL;
	int rc;

	if (strcmp(in->kind, "obstruction") && strcmp(in->kind, "violence"))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "kind须为obstruction（阻挠执法）或violence（暴力抗法）",
				   "kind must be obstruction or violence", "kind");
	if (xz__joint_blank(in->description) || strlen(in->description) > XZ_MAX_TEXT)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "须有事件经过描述",
				   "description is required", "description");
	if (in->occurred_at > c->now + 300)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_time", "发生时间无效",
				   "occurred_at must be ISO 8601 and not in the future",
				   "occurred_at");
	if (in->evidence && (!json_is_array(in->evidence) || json_array_size(in->evidence) > 50))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "evidence须为数组",
				   "evidence must be an array", "evidence");
	if ((rc = xz_joint_load(c, a->id, &row)) < 0)
		return rc;
	if ((rc = xz__joint_may(c, "incident", row, xz__joint_who(c, row, 0, 0))) < 0)
		goto out;
	if ((ga = xz__joint_police_unit(c->db, jint(row, "township_id"))) <= 0) {
		rc = xz_ctx_fail(c, XZ_ERULE, "no_police_unit", "本乡镇（街道）没有派出所",
				 "The township has no police station", NULL);
		goto out;
	}
	ej = in->evidence ? json_dumps(in->evidence, JSON_COMPACT) : NULL;
	rc =
	    xz_db_int(c->db,
		      "INSERT INTO joint_incidents (action_id, kind, description, evidence_json, "
		      "occurred_at, reported_by, handed_to_unit_id, handed_at) VALUES ($1, $2, $3, "
		      "$4, $5, $6, $7, $8) RETURNING id",
		      XZ_ARGS(XZ_INT(a->id), XZ_TEXT(in->kind), XZ_TEXT(in->description),
			      XZ_TEXT(ej ? ej : "[]"), XZ_INT(in->occurred_at),
			      XZ_ID(xz__joint_uid(c)), XZ_INT(ga), XZ_INT(c->now)),
		      a->iid);
	if (rc == 0)
		rc = xz__joint_step_done(c, row, "incident",
					 !strcmp(in->kind, "violence") ? "暴力抗法，已移交派出所"
								       : "阻挠执法，已移交派出所",
					 "joint_incident", *a->iid);
	if (rc == 0) {
		struct xz__joint_to to = {.unit_id = ga};
		rc = xz__joint_tell(
		    c, a->id, &to, "incident",
		    !strcmp(in->kind, "violence") ? "暴力抗法事件移交" : "阻挠执法事件移交",
		    xz_arena_printf(c->arena, "「%s」：%s", jstr(row, "title"), in->description));
	}
out:
	free(ej);
	json_decref(row);
	return rc;
}

int xz_joint_incident_report(struct xz_ctx *c, int64_t id, const struct xz_joint_incident_in *in,
			     int64_t *iid)
{
	struct incident_arg a = {id, in, iid};
	*iid = 0;
	return xz_ctx_tx(c, incident_tx, &a);
}

struct follow_arg {
	int64_t id, iid;
	const char *state, *note;
};

static int follow_tx(struct xz_ctx *c, void *arg)
{
	struct follow_arg *a = arg;
	json_t *row = NULL, *inc = NULL;
	const char *cur;
	int rc;
	if (strcmp(a->state, "accepted") && strcmp(a->state, "closed"))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "state须为accepted（已受理）或closed（已处理完毕）",
				   "state must be accepted or closed", "state");
	if (a->note && strlen(a->note) > XZ_MAX_TEXT)
		return xz_ctx_fail(c, XZ_EMALFORMED, "too_long", "文字过长", "Text too long",
				   "note");
	if ((rc = xz_joint_load(c, a->id, &row)) < 0)
		return rc;
	rc = xz_db_one(c->db,
		       "SELECT id, state, handed_to_unit_id FROM joint_incidents WHERE id = $1 AND "
		       "action_id = $2",
		       XZ_ARGS(XZ_INT(a->iid), XZ_INT(a->id)), &inc);
	if (rc < 0 ||
	    (rc = xz__joint_may(c, "incident.follow-up", row,
				xz__joint_who(c, row, jint(inc, "handed_to_unit_id"), 0))) < 0)
		goto out;
	cur = jstr(inc, "state");
	if (!strcmp(cur, "closed") || !strcmp(cur, a->state)) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "invalid_transition",
				 xz_arena_printf(c->arena, "事件已是%s状态", cur),
				 xz_arena_printf(c->arena, "The incident is %s already", cur),
				 "state");
		goto out;
	}
	rc = xz_db_exec(
	    c->db,
	    "UPDATE joint_incidents SET state = $2, follow_up = COALESCE($3, follow_up), "
	    "followed_up_at = $4, followed_up_by = $5 WHERE id = $1",
	    XZ_ARGS(XZ_INT(a->iid), XZ_TEXT(a->state), XZ_TEXT(a->note), XZ_INT(c->now),
		    XZ_ID(xz__joint_uid(c))),
	    NULL);
	if (rc == 0)
		rc = xz__joint_step_done(c, row, "incident.follow-up", a->note, "joint_incident",
					 a->iid);
out:
	json_decref(inc);
	json_decref(row);
	return rc;
}

int xz_joint_incident_follow_up(struct xz_ctx *c, int64_t id, int64_t iid, const char *state,
				const char *note)
{
	struct follow_arg a = {id, iid, state, note};
	return xz_ctx_tx(c, follow_tx, &a);
}

/* ---- findings (R5.7) ---- */

struct finding_arg {
	int64_t id;
	const struct xz_joint_finding_in *in;
	int64_t *fid;
};

static int finding_tx(struct xz_ctx *c, void *arg)
{
	struct finding_arg *a = arg;
	const struct xz_joint_finding_in *in = a->in;
	json_t *row = NULL;
	int64_t pid = 0, cat_id = 0;
	int rc;

	if (xz__joint_blank(in->description) || strlen(in->description) > XZ_MAX_TEXT ||
	    (in->category && strlen(in->category) > XZ_MAX_CODE))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "须有发现问题的描述",
				   "description is required", "description");
	if ((rc = xz_joint_load(c, a->id, &row)) < 0)
		return rc;
	if ((rc = xz__joint_may(c, "finding", row, xz__joint_who(c, row, 0, 0))) < 0)
		goto out;
	/* a finding with a category enters the closed loop as a problem */
	if (in->category) {
		struct xz_located at = {0};
		struct xz_problem_in pin = {
		    .county_id = jint(row, "county_id"),
		    .township_id = jint(row, "township_id"),
		    .reported_by = xz__joint_uid(c),
		    .channel = "patrol",
		    .category = in->category,
		    .description = in->description,
		    .user_name = c->user ? c->user->display_name : "系统",
		    .note = xz_arena_printf(c->arena, "联合执法行动 #%lld「%s」中发现：%s",
					    (long long)a->id, jstr(row, "title"), in->description),
		    .has_pos = in->at.set,
		    .lon = in->at.lon,
		    .lat = in->at.lat,
		};
		if (xz_db_int(c->db, "SELECT id FROM categories WHERE code = $1",
			      XZ_ARGS(XZ_TEXT(in->category)), &cat_id) < 0) {
			rc = xz_ctx_fail(c, XZ_ERULE, "invalid_category", "问题类别不存在",
					 "No such problem category", "category");
			goto out;
		}
		if (in->at.set && xz_grid_locate(c->db, in->at.lon, in->at.lat, &at) == 0 &&
		    at.county_id == pin.county_id) {
			pin.township_id = at.township_id;
			pin.village_id = at.village_id;
			pin.cell_id = at.cell_id;
		}
		if ((rc = xz_problem_insert(c->db, &pin, &pid)) < 0)
			goto out;
	}
	rc = xz_db_int(
	    c->db,
	    "INSERT INTO joint_findings (action_id, description, category, lon, lat, "
	    "problem_id, reported_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
	    "RETURNING id",
	    XZ_ARGS(XZ_INT(a->id), XZ_TEXT(in->description), XZ_TEXT(in->category),
		    in->at.set ? XZ_REAL(in->at.lon) : XZ_NULL,
		    in->at.set ? XZ_REAL(in->at.lat) : XZ_NULL, XZ_ID(pid), XZ_ID(xz__joint_uid(c)),
		    XZ_INT(c->now)),
	    a->fid);
	if (rc == 0)
		rc = xz__joint_step_done(c, row, "finding", in->description, "joint_finding",
					 *a->fid);
out:
	json_decref(row);
	return rc;
}

int xz_joint_finding_add(struct xz_ctx *c, int64_t id, const struct xz_joint_finding_in *in,
			 int64_t *fid)
{
	struct finding_arg a = {id, in, fid};
	*fid = 0;
	return xz_ctx_tx(c, finding_tx, &a);
}

/* ---- escalation closes its loop (R4.2, R5.3) ---- */

/* A system transition of the problem life cycle, outside the problem
 * table because no problem action leaves `escalated`: concluding the joint
 * action that took the problem up closes it with the action's result, or,
 * for the ids in `unresolved`, returns it to the office's queue
 * (accepted, with a fresh acceptance deadline) to be routed again. */
int xz__joint_settle(struct xz_ctx *c, const json_t *row, const char *summary,
		     const json_t *unresolved)
{
	json_t *probs = NULL, *p, *v;
	int64_t id = jint(row, "id");
	const char *who = c->user ? (c->user->display_name ?: c->user->username) : "系统";
	size_t i;
	int rc;

	if (unresolved &&
	    (!json_is_array(unresolved) || json_array_size(unresolved) > XZ_JOINT_MAX_PROBLEMS))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "unresolved须为问题编号数组",
				   "unresolved must be an array of problem ids", "unresolved");
	json_array_foreach(unresolved, i,
			   v) if (!json_is_integer(v) ||
				  json_integer_value(v) <=
				      0) return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
							    "unresolved须为正整数",
							    "unresolved must hold positive ids",
							    "unresolved");
	rc =
	    xz_db_query(c->db,
			"SELECT p.id, p.county_id, p.township_id, p.unit_id, p.cell_id, p.state, "
			"p.category FROM problems p JOIN joint_action_problems l ON l.problem_id = "
			"p.id WHERE l.action_id = $1 AND p.state = 'escalated' ORDER BY p.id",
			XZ_ARGS(XZ_INT(id)), &probs);
	json_array_foreach(probs, i, p)
	{
		int64_t pid = jint(p, "id"), due = 0, warn = 0;
		bool back = xz__joint_has(unresolved, pid);
		const char *to = back ? "accepted" : "closed";
		if (rc < 0)
			break;
		if (back &&
		    (rc = xz_problem_step_due(c->db, jint(p, "county_id"), jstr(p, "category"),
					      XZ_STEP_ACCEPT, c->now, &due, &warn)) < 0)
			break;
		if (back)
			rc = xz_db_exec(
			    c->db,
			    "UPDATE problems SET state = 'accepted', step = 'accept', "
			    "step_started_at = $2, due_at = $3, warn_at = $4, alert_level = 0, "
			    "version = version + 1, updated_at = $2 WHERE id = $1",
			    XZ_ARGS(XZ_INT(pid), XZ_INT(c->now), XZ_INT(due), XZ_INT(warn)), NULL);
		else
			rc = xz_db_exec(
			    c->db,
			    "UPDATE problems SET state = 'closed', step = NULL, "
			    "step_started_at = NULL, due_at = NULL, warn_at = NULL, closed_at = "
			    "$2, on_time = COALESCE(on_time, 1), version = version + 1, "
			    "updated_at = $2 WHERE id = $1",
			    XZ_ARGS(XZ_INT(pid), XZ_INT(c->now)), NULL);
		if (rc == 0)
			rc = xz_db_exec(
			    c->db,
			    "INSERT INTO problem_history (problem_id, at, action, from_state, "
			    "to_state, "
			    "user_id, user_name, note, data_json) VALUES ($1, $2, $3, 'escalated', "
			    "$4, "
			    "$5, $6, $7, $8)",
			    XZ_ARGS(
				XZ_INT(pid), XZ_INT(c->now),
				XZ_TEXT(back ? "joint_return" : "joint_close"), XZ_TEXT(to),
				XZ_ID(xz__joint_uid(c)), XZ_TEXT(who),
				XZ_TEXT(xz_arena_printf(
				    c->arena,
				    back
					? "联合执法行动 #%lld「%s」结束，问题未解决，退回执法办公室"
					  "重新处置。行动小结：%s"
					: "经联合执法行动 #%lld「%s」处置结案。行动小结：%s",
				    (long long)id, jstr(row, "title"), summary ? summary : "")),
				XZ_TEXT(xz_arena_printf(c->arena, "{\"joint_action_id\":%lld}",
							(long long)id))),
			    NULL);
		if (rc == 0) {
			json_object_set_new(p, "state", json_string(to));
			rc = xz_problem_notify(c->db, p,
					       back ? XZ_TELL_OFFICE | XZ_TELL_WATCHERS
						    : XZ_TELL_WATCHERS | XZ_TELL_UNIT,
					       back ? "returned" : "closed",
					       back ? "联合执法未解决，问题退回"
						    : "问题经联合执法结案",
					       jstr(row, "title"), xz__joint_uid(c));
		}
	}
	json_decref(probs);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}
