/*
 * joint_notice.c — interactive enforcement (互动执法, §4.3.3; R5.5): the
 * lead body notifies the unit responsible under the lists of a violation
 * found during an action; the unit must send qualified officers the same
 * day. The notice's clock, its answer, the alarm when it is still
 * unanswered at the configured hour and at its deadline, and the
 * scheduler's pass that also watches a special application's forwarding
 * and decision clocks.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"
#include "domain/joint_internal.h"
#include "domain/jointaction.h"
#include "domain/routing.h"

#define jint xz__jint
#define jstr xz__jstr

/* ---- interactive enforcement (§4.3.3) ---- */

struct notice_arg {
	int64_t id;
	const struct xz_joint_notice_in *in;
	int64_t *nid;
};

static int notice_tx(struct xz_ctx *c, void *arg)
{
	struct notice_arg *a = arg;
	const struct xz_joint_notice_in *in = a->in;
	struct xz_routing rt;
	json_t *row = NULL, *units = NULL, *pi = NULL;
	int64_t due = 0, alarm, hour;
	int rc;

	if (xz__joint_blank(in->description) || strlen(in->description) > XZ_MAX_TEXT ||
	    !in->category || strlen(in->category) > XZ_MAX_CODE)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "须有违法行为描述",
				   "description is required", "description");
	if ((rc = xz_joint_load(c, a->id, &row)) < 0)
		return rc;
	if ((rc = xz__joint_may(c, "notice", row, xz__joint_who(c, row, 0, 0))) < 0)
		goto out;
	rc = xz_routing_resolve(c->db, in->category, jint(row, "township_id"), &rt);
	if (rc == XZ_ENOTFOUND) {
		rc = xz_ctx_fail(c, XZ_ERULE, "no_responsible_unit",
				 xz_arena_strdup(c->arena, rt.reason),
				 "No unit is responsible for this category here", "category");
		goto out;
	}
	if (rc < 0 || (rc = xz__joint_units(c->db, a->id, &units)) < 0)
		goto out;
	if (xz__joint_has(units, rt.unit_id)) {
		rc = xz_ctx_fail(c, XZ_ERULE, "unit_participating",
				 "责任单位已参加本次联合执法，由其直接处理，无需告知",
				 "The responsible unit takes part in this action already",
				 "category");
		goto out;
	}
	if ((rc = xz_caldb_deadline_in(c->db, jint(row, "county_id"), c->now, 0, XZ_DL_END_OF_DAY,
					&due)) < 0)
		goto out;
	/* the alarm rings at the configured hour of the day, if still ahead */
	hour = xz_joint_setting_int(c->db, "joint.notice_alarm_hour", XZ_JOINT_ALARM_HOUR);
	alarm = xz_day_start(xz_day_of(c->now)) + hour * 3600;
	if (hour < 0 || hour > 23 || alarm <= c->now)
		alarm = 0;
	xz_db_one(c->db, "SELECT domain FROM power_items WHERE id = $1",
		  XZ_ARGS(XZ_INT(rt.power_item_id)), &pi);
	rc = xz_db_int(c->db,
		       "INSERT INTO joint_notices (action_id, township_id, unit_id, category, "
		       "description, lon, lat, power_code, routing_reason, issued_by, issued_at, "
		       "due_at, domain, alarm_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
		       "$11, $12, $13, $14) RETURNING id",
		       XZ_ARGS(XZ_INT(a->id), XZ_INT(jint(row, "township_id")), XZ_INT(rt.unit_id),
			       XZ_TEXT(in->category), XZ_TEXT(in->description),
			       in->at.set ? XZ_REAL(in->at.lon) : XZ_NULL,
			       in->at.set ? XZ_REAL(in->at.lat) : XZ_NULL, XZ_TEXT(rt.power_code),
			       XZ_TEXT(rt.reason), XZ_ID(xz__joint_uid(c)), XZ_INT(c->now),
			       XZ_INT(due), XZ_TEXT(jstr(pi, "domain")), XZ_ID(alarm)),
		       a->nid);
	if (rc == 0)
		rc = xz__joint_step_done(c, row, "notice",
					 xz_arena_printf(c->arena, "告知责任单位：%s", rt.reason),
					 "joint_notice", *a->nid);
	if (rc == 0) {
		struct xz__joint_to to = {.unit_id = rt.unit_id, .notice_id = *a->nid};
		rc = xz__joint_tell(
		    c, a->id, &to, "notice", "互动执法协同通知：请当日派员",
		    xz_arena_printf(c->arena, "「%s」中发现：%s。请于%s前派员到场处置。",
				    jstr(row, "title"), in->description, xz__joint_when(c, due)));
	}
out:
	json_decref(pi);
	json_decref(units);
	json_decref(row);
	return rc;
}

int xz_joint_notice_issue(struct xz_ctx *c, int64_t id, const struct xz_joint_notice_in *in,
			  int64_t *nid)
{
	struct notice_arg a = {id, in, nid};
	*nid = 0;
	return xz_ctx_tx(c, notice_tx, &a);
}

struct answer_arg {
	int64_t id, nid;
	const json_t *officers;
};

static int answer_tx(struct xz_ctx *c, void *arg)
{
	struct answer_arg *a = arg;
	json_t *row = NULL, *n = NULL, *v, *p = NULL;
	int64_t day = xz_day_of(c->now);
	char *oj = NULL;
	size_t i;
	bool late;
	int rc;

	if (!json_is_array(a->officers) || !json_array_size(a->officers) ||
	    json_array_size(a->officers) > XZ_JOINT_MAX_OFFICERS)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "officers须为派出人员编号数组",
				   "officers must be a non-empty array of person ids", "officers");
	if ((rc = xz_joint_load(c, a->id, &row)) < 0)
		return rc;
	rc = xz_db_one(c->db,
		       "SELECT id, unit_id, due_at, answered_at, domain FROM joint_notices "
		       "WHERE id = $1 AND action_id = $2",
		       XZ_ARGS(XZ_INT(a->nid), XZ_INT(a->id)), &n);
	if (rc < 0)
		goto out;
	if ((rc = xz__joint_may(c, "notice.answer", row,
				xz__joint_who(c, row, jint(n, "unit_id"), 0))) < 0)
		goto out;
	if (jint(n, "answered_at") > 0) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "already_answered", "该告知已答复",
				 "The notice was answered already", NULL);
		goto out;
	}
	/* officers sent are the unit's own, qualified for the notice's domain today */
	json_array_foreach(a->officers, i, v)
	{
		json_decref(p);
		p = NULL;
		if (!json_is_integer(v) ||
		    xz_db_one(
			c->db,
			"SELECT id, name, is_auxiliary FROM people WHERE id = $1 AND unit_id = $2",
			XZ_ARGS(XZ_INT(json_integer_value(v)), XZ_INT(jint(n, "unit_id"))),
			&p) < 0) {
			rc =
			    xz_ctx_fail(c, XZ_ERULE, "invalid_reference", "派出人员须为本单位人员",
					"Officers must be people of the notified unit", "officers");
			goto out;
		}
		if ((rc = xz__joint_person_qualified(c, p, jstr(n, "domain"), day, day,
						     "officers")) < 0)
			goto out;
	}
	late = c->now > jint(n, "due_at");
	oj = json_dumps(a->officers, JSON_COMPACT);
	rc = xz_db_exec(
	    c->db,
	    "UPDATE joint_notices SET answered_at = $2, answered_by = $3, officers_json = "
	    "$4, late = $5 WHERE id = $1 AND answered_at IS NULL",
	    XZ_ARGS(XZ_INT(a->nid), XZ_INT(c->now), XZ_ID(xz__joint_uid(c)), XZ_TEXT(oj),
		    XZ_INT(late)),
	    NULL);
	if (rc == 0)
		rc =
		    xz__joint_step_done(c, row, "notice.answer", late ? "告知答复逾期" : "当日派员",
					"joint_notice", a->nid);
out:
	free(oj);
	json_decref(p);
	json_decref(n);
	json_decref(row);
	return rc;
}

int xz_joint_notice_answer(struct xz_ctx *c, int64_t id, int64_t nid, const json_t *officers)
{
	struct answer_arg a = {id, nid, officers};
	return xz_ctx_tx(c, answer_tx, &a);
}

/* ---- the scheduler's pass ---- */

struct alarm {
	int level;
	const char *sql, *kind, *title;
};

static int tick_notices(struct xz_ctx *c, int *found)
{
	static const struct alarm alarms[] = {
	    {2,
	     "SELECT n.id, n.action_id, n.township_id, n.unit_id, n.due_at, a.title FROM "
	     "joint_notices n JOIN joint_actions a ON a.id = n.action_id WHERE n.due_at <= $1 "
	     "AND n.answered_at IS NULL AND n.alarm_level < 2 ORDER BY n.due_at LIMIT 500",
	     "notice_overdue", "互动执法通知逾期未派员"},
	    {1,
	     "SELECT n.id, n.action_id, n.township_id, n.unit_id, n.due_at, a.title FROM "
	     "joint_notices n JOIN joint_actions a ON a.id = n.action_id WHERE n.alarm_at <= $1 "
	     "AND n.due_at > $1 AND n.answered_at IS NULL AND n.alarm_level < 1 ORDER BY "
	     "n.alarm_at LIMIT 500",
	     "notice_alarm", "互动执法通知尚未响应，请当日派员"},
	};
	json_t *rows = NULL, *n;
	size_t k, i;
	int rc = 0;
	for (k = 0; k < XZ_ARRAY_LEN(alarms) && rc == 0; k++) {
		json_decref(rows);
		rows = NULL;
		if ((rc = xz_db_query(c->db, alarms[k].sql, XZ_ARGS(XZ_INT(c->now)), &rows)) < 0)
			break;
		json_array_foreach(rows, i, n)
		{
			struct xz__joint_to to = {.township_id = jint(n, "township_id"),
						  .office = true,
						  .unit_id = jint(n, "unit_id"),
						  .notice_id = jint(n, "id")};
			if ((rc = xz_db_begin(c->db)) < 0)
				break;
			if ((rc = xz_db_exec(
				 c->db, "UPDATE joint_notices SET alarm_level = $2 WHERE id = $1",
				 XZ_ARGS(XZ_INT(jint(n, "id")), XZ_INT(alarms[k].level)), NULL)) <
				0 ||
			    (rc = xz__joint_tell(
				 c, jint(n, "action_id"), &to, alarms[k].kind, alarms[k].title,
				 xz_arena_printf(c->arena, "「%s」协同通知 #%lld，时限 %s",
						 jstr(n, "title"), (long long)jint(n, "id"),
						 xz__joint_when(c, jint(n, "due_at"))))) < 0 ||
			    (rc = xz_db_commit(c->db)) < 0) {
				xz_db_rollback(c->db);
				break;
			}
			(*found)++;
		}
	}
	json_decref(rows);
	return rc;
}

/* tick_clocks: a special application's forwarding clock (the office) and
 * decision clock (the leader) announced once each when 12 hours or less
 * remain, or when past. */
static int tick_clocks(struct xz_ctx *c, int *found)
{
	static const struct {
		int bit;
		const char *sql, *kind, *title;
		bool office;
	} clocks[] = {
	    {1,
	     "SELECT id, township_id, title, forward_due_at AS due FROM joint_actions WHERE "
	     "state = 'submitted' AND forward_due_at <= $1 + 43200 AND (clock_alerted & 1) = 0 "
	     "ORDER BY forward_due_at LIMIT 500",
	     "forward_due", "专项申请转报期限临近或已过", true},
	    {2,
	     "SELECT id, township_id, title, decision_due_at AS due FROM joint_actions WHERE "
	     "state IN ('submitted','forwarded') AND decision_due_at <= $1 + 43200 AND "
	     "(clock_alerted & 2) = 0 ORDER BY decision_due_at LIMIT 500",
	     "decision_due", "专项申请书面决定期限临近或已过", false},
	};
	json_t *rows = NULL, *a;
	size_t k, i;
	int rc = 0;
	for (k = 0; k < XZ_ARRAY_LEN(clocks) && rc == 0; k++) {
		json_decref(rows);
		rows = NULL;
		if ((rc = xz_db_query(c->db, clocks[k].sql, XZ_ARGS(XZ_INT(c->now)), &rows)) < 0)
			break;
		json_array_foreach(rows, i, a)
		{
			struct xz__joint_to to = {.township_id = jint(a, "township_id"),
						  .office = clocks[k].office,
						  .leaders = !clocks[k].office};
			if ((rc = xz_db_begin(c->db)) < 0)
				break;
			if ((rc = xz_db_exec(
				 c->db,
				 "UPDATE joint_actions SET clock_alerted = clock_alerted + "
				 "$2 WHERE id = $1",
				 XZ_ARGS(XZ_INT(jint(a, "id")), XZ_INT(clocks[k].bit)), NULL)) <
				0 ||
			    (rc = xz__joint_tell(
				 c, jint(a, "id"), &to, clocks[k].kind, clocks[k].title,
				 xz_arena_printf(c->arena, "「%s」期限 %s", jstr(a, "title"),
						 xz__joint_when(c, jint(a, "due"))))) < 0 ||
			    (rc = xz_db_commit(c->db)) < 0) {
				xz_db_rollback(c->db);
				break;
			}
			(*found)++;
		}
	}
	json_decref(rows);
	return rc;
}

int xz_joint_tick(struct xz_db *db, int64_t now, int *found)
{
	struct xz_arena *arena = xz_arena_new();
	struct xz_ctx c;
	int rc;
	xz_ctx_system(&c, db, arena, "scheduler");
	c.now = now;
	*found = 0;
	rc = tick_notices(&c, found);
	if (rc == 0)
		rc = tick_clocks(&c, found);
	xz_arena_free(arena);
	return rc;
}
