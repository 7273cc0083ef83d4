/*
 * problem.c — the closed loop's life cycle as data: the problem machine
 * (states, fields, rows) walked by domain/fsm.c, each row's guard and
 * effect as a function here, the use case that applies an action, the
 * deadline of each step (through the calendar), the warning light,
 * notifications to the people who must act, and the scheduler pass.
 * Reporting and reading are in problem_report.c, evidence in evidence.c.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"
#include "domain/events.h"
#include "domain/problem.h"
#include "domain/problem_int.h"

/* ---- the machine ---- */

static const char *const states[] = {"reported", "accepted",  "rejected", "merged",
				     "dispatched", "in_hand", "handled",  "verified",
				     "closed",   "escalated", "taken_up", NULL};
static const char *const state_labels[] = {
	"待受理", "已受理", "不予受理", "已合并",     "已派遣",        "处置中",
	"已反馈", "已核查", "已结案",   "转联合执法", "上提县级执法", NULL};

const char *const xz_problem_channels[] = {"complaint", "patrol", "media", "video",
					   "transfer", "assigned", NULL};
const char *const xz_problem_channel_labels[] = {"投诉举报", "日常巡查", "媒体曝光", "视频监控",
						 "案件移送", "上级交办", NULL};

const struct xz_problem_label xz_problem_notification_kinds[] = {
	{"new_problem", "新问题待受理"},   {"deadline_near", "临近期限"},
	{"overdue", "已超期"},             {"supervise_overdue", "督办逾期"},
	{"merged_closed", "合并问题已办结"}, {NULL, NULL},
};

/* Open: still in the loop, not yet settled — every state but the three
 * that end it (rejected, merged, closed). Duplicates are found among them,
 * supervision applies, lights show; escalated and taken_up run no step
 * deadline of the township's (joint or county enforcement has its own).
 * Written here once; SQL gets it through xz_fsm_open_sql(&xz_problem_fsm). */
#define OPEN "reported accepted dispatched in_hand handled verified escalated taken_up"

static const struct xz_fsm_field fields[] = {
	{XZ_PF_REASON, "reason", XZ_FSM_TEXT, 0, 0, XZ_EMALFORMED, "missing_field", "须说明理由",
	 "reason is required"},
	{XZ_PF_FEEDBACK, "feedback", XZ_FSM_TEXT, 0, 0, XZ_EMALFORMED, "missing_field",
	 "须填写处置反馈", "feedback is required"},
	{XZ_PF_INTO, "into_id", XZ_FSM_ID, 0, 0, XZ_EMALFORMED, "missing_field", "须指明合并到的问题",
	 "into_id is required"},
	{XZ_PF_PASSED, "passed", XZ_FSM_BOOL, 0, 0, XZ_EMALFORMED, "missing_field",
	 "须给出核查结论passed", "passed is required"},
	{XZ_PF_SCORE, "score", XZ_FSM_INT, 1, 5, XZ_EMALFORMED, "missing_field",
	 "须给出1到5分的评价", "score is required"},
	{XZ_PF_NOTE, "note", XZ_FSM_TEXT, 0, 0, XZ_EMALFORMED, "missing_field", "须填写说明",
	 "note is required"},
	{XZ_PF_RESULT, "result", XZ_FSM_TEXT, 0, 0, XZ_EMALFORMED, "missing_field",
	 "须填写办理结果", "result is required"},
};

/* What an effect sees besides the walk: the typed input, and what it adds
 * to the history entry. */
struct walk {
	const struct xz_problem_act *a;
	int64_t unit;  /* the unit holding the problem after the action */
	json_t *data;  /* extra history data (owned) */
};

#define W(run) ((struct walk *)(run)->data)
#define PID(run) xz_pj_int((run)->record, "id")

static int db_fail(struct xz_fsm_run *run, int rc)
{
	return rc < 0 ? xz_ctx_fail_db(run->c, rc) : 0;
}

/* guards: they read the record only (so allowed_actions can ask them) */

static int not_evaluated(struct xz_fsm_run *run)
{
	if (xz_pj_int(run->record, "evaluated_at"))
		return xz_ctx_fail(run->c, XZ_ECONFLICT, "invalid_transition", "该问题已评价",
				   "The problem has been evaluated already", "action");
	return 0;
}

static int no_request_pending(struct xz_fsm_run *run)
{
	if (xz_pj_int(run->record, "escalation_requested_at"))
		return xz_ctx_fail(run->c, XZ_ECONFLICT, "escalation_pending",
				   "已申请提请联合执法，等待执法办公室决定",
				   "Escalation was requested already; the office decides", "action");
	return 0;
}

static int request_pending(struct xz_fsm_run *run)
{
	if (!xz_pj_int(run->record, "escalation_requested_at"))
		return xz_ctx_fail(run->c, XZ_ECONFLICT, "no_escalation_request",
				   "处置单位没有申请提请联合执法", "No escalation was requested",
				   "action");
	return 0;
}

/* effects: the change beyond state and deadline, inside the transaction */

static int dispatch_to(struct xz_fsm_run *run)
{
	struct xz_ctx *c = run->c;
	int64_t unit = W(run)->a->unit_id > 0 ? W(run)->a->unit_id : xz_pj_int(run->record, "unit_id");
	json_t *row = NULL;
	int rc;
	if (!unit)
		return xz_ctx_fail(c, XZ_ERULE, "unit_required",
				   "没有计算出责任单位，须指定派遣单位unit_id",
				   "No responsible unit was routed: give unit_id", "unit_id");
	if (xz_db_one(c->db, "SELECT id, department_id FROM units WHERE id = $1 AND township_id = $2",
		      XZ_ARGS(XZ_INT(unit), XZ_INT(xz_pj_int(run->record, "township_id"))), &row) < 0)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_unit",
				   "派遣单位须为本乡镇（街道）的派驻机构",
				   "The unit must be stationed in the problem's township", "unit_id");
	rc = xz_db_exec(c->db, "UPDATE problems SET unit_id = $2, department_id = $3 WHERE id = $1",
			XZ_ARGS(XZ_INT(PID(run)), XZ_INT(unit),
				XZ_ID(xz_pj_int(row, "department_id"))),
			NULL);
	json_decref(row);
	W(run)->unit = unit;
	return db_fail(run, rc);
}

static int merge_into(struct xz_fsm_run *run)
{
	struct xz_ctx *c = run->c;
	int64_t id = PID(run), into = W(run)->a->into_id;
	json_t *row = NULL;
	int rc;
	if (into == id ||
	    xz_db_one(c->db,
		      xz_arena_printf(c->arena,
				      "SELECT id FROM problems WHERE id = $1 AND township_id = $2 AND "
				      "state IN (%s)",
				      xz_fsm_open_sql(&xz_problem_fsm)),
		      XZ_ARGS(XZ_INT(into), XZ_INT(xz_pj_int(run->record, "township_id"))), &row) < 0)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_merge_target",
				   "只能合并到本乡镇（街道）另一件未办结的问题",
				   "Merge into another open problem of the same township", "into_id");
	json_decref(row);
	/* everyone following this one follows the survivor: they hear its outcome */
	if ((rc = xz_db_exec(c->db, "UPDATE problems SET merged_into = $2 WHERE id = $1",
			     XZ_ARGS(XZ_INT(id), XZ_INT(into)), NULL)) < 0 ||
	    (rc = xz_db_exec(c->db,
			     "INSERT INTO problem_watchers (problem_id, user_id) SELECT $2, user_id "
			     "FROM problem_watchers WHERE problem_id = $1 ON CONFLICT DO NOTHING",
			     XZ_ARGS(XZ_INT(id), XZ_INT(into)), NULL)) < 0 ||
	    (rc = xz_db_one(c->db, "SELECT state FROM problems WHERE id = $1",
			    XZ_ARGS(XZ_INT(into)), &row)) < 0)
		return db_fail(run, rc);
	rc = xz_problem__history(c, into, "merged_in", xz_pj_str(row, "state"),
				 xz_pj_str(row, "state"),
				 xz_arena_printf(c->arena, "问题 #%lld 合并至此", (long long)id),
				 json_pack("{s:I}", "merged_id", (json_int_t)id));
	json_decref(row);
	return db_fail(run, rc);
}

static int return_to_office(struct xz_fsm_run *run)
{
	W(run)->unit = 0;
	return db_fail(run, xz_db_exec(run->c->db,
				       "UPDATE problems SET unit_id = NULL, department_id = NULL, "
				       "return_count = return_count + 1 WHERE id = $1",
				       XZ_ARGS(XZ_INT(PID(run))), NULL));
}

static int mark_handled(struct xz_fsm_run *run)
{
	return db_fail(run, xz_db_exec(run->c->db, "UPDATE problems SET handled_at = $2 WHERE id = $1",
				       XZ_ARGS(XZ_INT(PID(run)), XZ_INT(run->c->now)), NULL));
}

static int count_rework(struct xz_fsm_run *run)
{
	return db_fail(run, xz_db_exec(run->c->db,
				       "UPDATE problems SET rework_count = rework_count + 1 WHERE id = $1",
				       XZ_ARGS(XZ_INT(PID(run))), NULL));
}

static int mark_closed(struct xz_fsm_run *run)
{
	return db_fail(run, xz_db_exec(run->c->db,
				       "UPDATE problems SET closed_at = $2, on_time = COALESCE(on_time, "
				       "1), escalation_requested_at = NULL WHERE id = $1",
				       XZ_ARGS(XZ_INT(PID(run)), XZ_INT(run->c->now)), NULL));
}

static int record_evaluation(struct xz_fsm_run *run)
{
	const struct xz_problem_act *a = W(run)->a;
	return db_fail(run, xz_db_exec(run->c->db,
				       "UPDATE problems SET score = $2, evaluation = $3, evaluated_at = "
				       "$4 WHERE id = $1",
				       XZ_ARGS(XZ_INT(PID(run)), XZ_INT(a->score),
					       XZ_TEXT(a->comment), XZ_INT(run->c->now)),
				       NULL));
}

static int start_supervision(struct xz_fsm_run *run)
{
	struct xz_ctx *c = run->c;
	const char *due = W(run)->a->due_at;
	int64_t v;
	int rc;
	if (due) {
		if (xz_time_parse(due, &v) < 0 || v <= c->now)
			return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_time",
					   "督办期限须为将来的ISO 8601时间",
					   "due_at must be a future ISO 8601 time", "due_at");
	} else if ((rc = xz_caldb_deadline(c->db, c->now, 1, XZ_DL_WORKING_DAYS, &v)) < 0) {
		return db_fail(run, rc);
	}
	return db_fail(run, xz_db_exec(c->db,
				       "UPDATE problems SET supervised = 1, supervise_note = $2, "
				       "supervise_due_at = $3, supervise_alerted = 0 WHERE id = $1",
				       XZ_ARGS(XZ_INT(PID(run)), XZ_TEXT(W(run)->a->note), XZ_INT(v)),
				       NULL));
}

static int record_request(struct xz_fsm_run *run)
{
	return db_fail(run, xz_db_exec(run->c->db,
				       "UPDATE problems SET escalation_requested_at = $2 WHERE id = $1",
				       XZ_ARGS(XZ_INT(PID(run)), XZ_INT(run->c->now)), NULL));
}

static int clear_request(struct xz_fsm_run *run)
{
	return db_fail(run, xz_db_exec(run->c->db,
				       "UPDATE problems SET escalation_requested_at = NULL WHERE id = $1",
				       XZ_ARGS(XZ_INT(PID(run))), NULL));
}

/* take_up_by: the department of the problem's line takes it to county-level
 * enforcement; the history names the department so the township sees where
 * the problem went. */
static int take_up_by(struct xz_fsm_run *run)
{
	json_t *d = NULL;
	int64_t dept = xz_pj_int(run->record, "department_id");
	if (dept && xz_db_one(run->c->db, "SELECT id, name FROM departments WHERE id = $1",
			      XZ_ARGS(XZ_INT(dept)), &d) == 0)
		json_object_set_new(W(run)->data, "department",
				    json_pack("{s:I,s:O}", "id", (json_int_t)dept, "name",
					      json_object_get(d, "name")));
	json_decref(d);
	return clear_request(run);
}

/* The life cycle (R4.2) and the county–township linkage (R9.1). Order
 * matters only for rows sharing an action: the first whose state and
 * condition match and that admits the caller wins. */
static const struct xz_fsm_row problem_rows[] = {
	{0, "reported", "accept", XZ_FSM_ANY, "accepted", "problem.office", 0, 0, NULL, NULL,
	 XZ_STEP_KEEP, XZ_TELL_WATCHERS, "受理"},
	{0, "reported accepted", "reject", XZ_FSM_ANY, "rejected", "problem.office", 0, XZ_PF_REASON,
	 NULL, NULL, XZ_STEP_NONE, XZ_TELL_WATCHERS, "不予受理"},
	{0, "reported accepted", "merge", XZ_FSM_ANY, "merged", "problem.office", 0, XZ_PF_INTO, NULL,
	 merge_into, XZ_STEP_NONE, XZ_TELL_WATCHERS, "合并（重复问题）"},
	{0, "reported accepted", "dispatch", XZ_FSM_ANY, "dispatched", "problem.office", 0, 0, NULL,
	 dispatch_to, XZ_STEP_HANDLE, XZ_TELL_UNIT, "派遣"},
	{0, "dispatched", "take", XZ_FSM_ANY, "in_hand", "problem.handle", 0, 0, NULL, NULL,
	 XZ_STEP_KEEP, 0, "签收处置"},
	{0, "dispatched in_hand", "return", XZ_FSM_ANY, "accepted", "problem.handle", 0, XZ_PF_REASON,
	 NULL, return_to_office, XZ_STEP_ACCEPT, XZ_TELL_OFFICE, "退回（非本单位职责）"},
	{0, "dispatched in_hand", "handle", XZ_FSM_ANY, "handled", "problem.handle", 0,
	 XZ_PF_FEEDBACK, NULL, mark_handled, XZ_STEP_VERIFY, XZ_TELL_VERIFIERS | XZ_TELL_OFFICE,
	 "处置反馈"},
	{0, "handled", "verify", XZ_FSM_IF_TRUE, "verified", "problem.verify", 0, XZ_PF_PASSED, NULL,
	 NULL, XZ_STEP_CLOSE, XZ_TELL_OFFICE, "核查通过"},
	{0, "handled", "verify", XZ_FSM_IF_FALSE, "in_hand", "problem.verify", 0,
	 XZ_PF_PASSED | XZ_PF_NOTE, NULL, count_rework, XZ_STEP_HANDLE,
	 XZ_TELL_UNIT | XZ_TELL_OFFICE, "核查不通过（返工）"},
	{0, "verified", "close", XZ_FSM_ANY, "closed", "problem.office", 0, 0, NULL, mark_closed,
	 XZ_STEP_NONE, XZ_TELL_WATCHERS, "结案"},
	{0, "closed", "evaluate", XZ_FSM_ANY, NULL, "problem.evaluate", 0, XZ_PF_SCORE,
	 not_evaluated, record_evaluation, XZ_STEP_KEEP, 0, "评价"},
	{0, OPEN, "supervise", XZ_FSM_ANY, NULL, "problem.supervise", 0, XZ_PF_NOTE, NULL,
	 start_supervision, XZ_STEP_KEEP, XZ_TELL_UNIT | XZ_TELL_OFFICE, "督办"},
	/* a unit that cannot correct it alone asks; the office escalates or declines (R5.3) */
	{0, "dispatched in_hand", "request_escalation", XZ_FSM_ANY, NULL,
	 "problem.request_escalation", 0, XZ_PF_REASON, no_request_pending, record_request,
	 XZ_STEP_KEEP, XZ_TELL_OFFICE, "申请提请联合执法"},
	{0, "reported accepted dispatched in_hand", "escalate", XZ_FSM_ANY, "escalated",
	 "problem.office", 0, XZ_PF_REASON, NULL, clear_request, XZ_STEP_NONE,
	 XZ_TELL_WATCHERS | XZ_TELL_UNIT, "提请联合执法"},
	{0, "dispatched in_hand", "decline_escalation", XZ_FSM_ANY, NULL, "problem.office", 0,
	 XZ_PF_REASON, request_pending, clear_request, XZ_STEP_KEEP, XZ_TELL_UNIT,
	 "不同意提请联合执法"},
	/* the department of the line takes a township's problem up (上提, R9.1) */
	{0, "reported accepted dispatched in_hand", "take_up", XZ_FSM_ANY, "taken_up",
	 "problem.take_up", 0, XZ_PF_REASON, NULL, take_up_by, XZ_STEP_NONE,
	 XZ_TELL_OFFICE | XZ_TELL_UNIT | XZ_TELL_WATCHERS, "上提县级执法"},
	/* a problem taken up or escalated ends with the result of the county's
	 * enforcement or of the joint action, or comes back into the loop */
	{0, "taken_up", "conclude", XZ_FSM_ANY, "closed", "problem.take_up", 0, XZ_PF_RESULT, NULL,
	 mark_closed, XZ_STEP_NONE, XZ_TELL_OFFICE | XZ_TELL_WATCHERS, "办结并反馈结果"},
	{0, "escalated", "conclude", XZ_FSM_ANY, "closed", "problem.office", 0, XZ_PF_RESULT, NULL,
	 mark_closed, XZ_STEP_NONE, XZ_TELL_OFFICE | XZ_TELL_WATCHERS, "办结并反馈结果"},
	{0, "taken_up", "hand_back", XZ_FSM_ANY, "accepted", "problem.take_up", 0, XZ_PF_REASON,
	 NULL, NULL, XZ_STEP_ACCEPT, XZ_TELL_OFFICE, "交回乡镇闭环"},
	{0, "escalated", "hand_back", XZ_FSM_ANY, "accepted", "problem.office", 0, XZ_PF_REASON,
	 NULL, NULL, XZ_STEP_ACCEPT, XZ_TELL_OFFICE, "交回乡镇闭环"},
};

const struct xz_fsm xz_problem_fsm = {
	.name = "problem",
	.rows = problem_rows,
	.nrows = XZ_ARRAY_LEN(problem_rows),
	.states = states,
	.state_labels = state_labels,
	.open = OPEN,
	.selector = "passed",
	.fields = fields,
	.nfields = XZ_ARRAY_LEN(fields),
};

/* ---- history, names ---- */

const char *xz_problem__actor(const struct xz_ctx *c)
{
	return c->user && c->user->display_name ? c->user->display_name : "系统";
}

int xz_problem__history(struct xz_ctx *c, int64_t id, const char *action, const char *from,
			const char *to, const char *note, json_t *data)
{
	char *dj = data ? json_dumps(data, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	int rc = xz_db_exec(c->db,
			    "INSERT INTO problem_history (problem_id, at, action, from_state, to_state, "
			    "user_id, user_name, note, data_json) VALUES ($1, $2, $3, $4, $5, $6, $7, "
			    "$8, $9)",
			    XZ_ARGS(XZ_INT(id), XZ_INT(c->now), XZ_TEXT(action), XZ_TEXT(from),
				    XZ_TEXT(to), XZ_ID(c->user ? c->user->id : 0),
				    XZ_TEXT(xz_problem__actor(c)), XZ_TEXT(note),
				    XZ_TEXT(dj ? dj : "{}")),
			    NULL);
	free(dj);
	json_decref(data);
	return rc;
}

/* ---- applying an action ---- */

static void subject_of(struct xz_ctx *c, const json_t *p, struct xz_place *pl,
		       struct xz_fsm_subject *s)
{
	xz_problem_place(p, pl);
	memset(s, 0, sizeof(*s));
	s->state = xz_pj_str(p, "state");
	s->user = c->user;
	s->place = pl;
}

json_t *xz_problem_allowed(struct xz_ctx *c, const json_t *p)
{
	struct xz_place pl;
	struct xz_fsm_subject s;
	json_t *names, *out = json_array(), *v;
	size_t i;
	subject_of(c, p, &pl, &s);
	names = xz_fsm_allowed_names(&xz_problem_fsm, &s);
	json_array_foreach(names, i, v) {
		/* a row whose guard refuses this record is not offered */
		struct xz_ctx scratch = *c;
		struct xz_fsm_run run = {.c = &scratch, .m = &xz_problem_fsm, .s = &s,
					 .record = (json_t *)p, .selector = -1};
		if (xz_fsm_select(&scratch, &xz_problem_fsm, &s, json_string_value(v), NULL,
				  &run.row) == 0 &&
		    (!run.row->guard || run.row->guard(&run) == 0))
			json_array_append(out, v);
	}
	json_decref(names);
	return out;
}

/* leaves: does some row of action leave state? (a move out of turn is 409
 * whoever asks, before who may is considered) */
static bool leaves(const char *action, const char *state)
{
	size_t i;
	for (i = 0; i < xz_problem_fsm.nrows; i++)
		if (!strcmp(problem_rows[i].action, action) && xz_fsm_in(problem_rows[i].from, state))
			return true;
	return false;
}

/* static_state: the machine's own copy of a state name (outlives the row). */
static const char *static_state(const char *s)
{
	size_t i;
	for (i = 0; states[i]; i++)
		if (!strcmp(states[i], s))
			return states[i];
	return "unknown";
}

static const char *step_name(int step)
{
	switch (step) {
	case XZ_STEP_ACCEPT: return "accept";
	case XZ_STEP_HANDLE: return "handle";
	case XZ_STEP_VERIFY: return "verify";
	default: return "close";
	}
}

/* tell_merged: everyone following a problem merged into id hears how it ended. */
static int tell_merged(struct xz_ctx *c, int64_t id)
{
	json_t *merged = NULL, *m;
	size_t i;
	int rc = xz_db_query(c->db,
			     "SELECT id, county_id, township_id, unit_id, cell_id, state FROM problems "
			     "WHERE merged_into = $1",
			     XZ_ARGS(XZ_INT(id)), &merged);
	json_array_foreach(merged, i, m) {
		if (rc == 0)
			rc = xz_problem__notify_at(
				c->db, c->now, m, XZ_TELL_WATCHERS, "merged_closed",
				xz_arena_printf(c->arena, "您反映的问题已随 #%lld 办结", (long long)id),
				"", c->user ? c->user->id : 0);
	}
	json_decref(merged);
	return rc;
}

int xz_problem_apply(struct xz_ctx *c, int64_t id, const struct xz_problem_act *a,
		     const char **state)
{
	struct walk w = {.a = a, .data = json_object()};
	struct xz_place pl;
	struct xz_fsm_subject s;
	struct xz_fsm_run run = {.c = c, .m = &xz_problem_fsm, .s = &s, .data = &w};
	json_t *p = NULL, *after = NULL;
	const char *from, *to, *note;
	int64_t due = 0, warn = 0, changed = 0;
	int rc;

	if ((rc = xz_problem_load(c, id, &p)) < 0)
		goto out;
	if (a->version && a->version != xz_pj_int(p, "version")) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "记录已被他人修改，请刷新后重试",
				 "The record was changed by someone else; reload and retry",
				 "version");
		goto out;
	}
	from = xz_pj_str(p, "state");
	if (a->action && xz_fsm_known_action(&xz_problem_fsm, a->action) && !leaves(a->action, from)) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "invalid_transition",
				 xz_arena_printf(c->arena, "当前状态（%s）不能执行该操作",
						 xz_fsm_state_label(&xz_problem_fsm, from)),
				 xz_arena_printf(c->arena, "Action %s is not allowed in state %s",
						 a->action, from),
				 "action");
		goto out;
	}
	subject_of(c, p, &pl, &s);
	w.unit = xz_pj_int(p, "unit_id");
	run.record = p;
	run.in = json_pack("{s:s?,s:s?,s:s?,s:s?,s:s?,s:I,s:I,s:o}", "reason", a->reason,
			   "feedback", a->feedback, "note", a->note, "comment", a->comment, "result",
			   a->result, "into_id", (json_int_t)a->into_id, "score", (json_int_t)a->score,
			   "passed", a->passed < 0 ? json_null() : json_boolean(a->passed));
	if ((rc = xz_fsm_walk(&run, a->action)) < 0)
		goto out;
	to = run.row->to ? run.row->to : from;
	if (run.row->starts != XZ_STEP_KEEP && run.row->starts != XZ_STEP_NONE &&
	    (rc = xz_problem_step_due(c->db, xz_pj_str(p, "category"), run.row->starts, c->now,
				      &due, &warn)) < 0)
		goto out;
	/* a step finished after its deadline makes the problem late for good */
	rc = xz_db_exec(
		c->db,
		"UPDATE problems SET state = $2, version = version + 1, updated_at = $3, on_time = "
		"CASE WHEN due_at IS NOT NULL AND due_at < $3 THEN 0 ELSE on_time END, step = CASE "
		"CAST($4 AS INTEGER) WHEN 0 THEN step WHEN 1 THEN NULL ELSE $5 END, step_started_at = "
		"CASE CAST($4 AS INTEGER) WHEN 0 THEN step_started_at WHEN 1 THEN NULL ELSE $3 END, "
		"due_at = CASE CAST($4 AS INTEGER) WHEN 0 THEN due_at WHEN 1 THEN NULL ELSE $6 END, "
		"warn_at = CASE CAST($4 AS INTEGER) WHEN 0 THEN warn_at WHEN 1 THEN NULL ELSE $7 END, "
		"alert_level = CASE CAST($4 AS INTEGER) WHEN 0 THEN alert_level ELSE 0 END WHERE id = "
		"$1 AND version = $8",
		XZ_ARGS(XZ_INT(id), XZ_TEXT(to), XZ_INT(c->now),
			XZ_INT(run.row->starts == XZ_STEP_KEEP   ? 0
			       : run.row->starts == XZ_STEP_NONE ? 1
								 : 2),
			XZ_TEXT(step_name(run.row->starts)), XZ_INT(due), XZ_INT(warn),
			XZ_INT(xz_pj_int(p, "version"))),
		&changed);
	if (rc == 0 && !changed) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "问题已被他人更新，请刷新",
				 "Changed by someone else", NULL);
		goto out;
	}
	note = a->reason     ? a->reason
	       : a->feedback ? a->feedback
	       : a->note     ? a->note
	       : a->result   ? a->result
			     : a->comment;
	json_object_set_new(w.data, "label", json_string(run.row->label));
	json_object_set_new(w.data, "passed", a->passed < 0 ? json_null() : json_boolean(a->passed));
	json_object_set_new(w.data, "unit_id", w.unit ? json_integer(w.unit) : json_null());
	json_object_set_new(w.data, "into_id", a->into_id ? json_integer(a->into_id) : json_null());
	json_object_set_new(w.data, "score", a->score ? json_integer(a->score) : json_null());
	if (rc == 0)
		rc = xz_problem__history(c, id, a->action, from, to, note, json_incref(w.data));
	if (rc == 0)
		rc = xz_ctx_audit_new(c, xz_arena_printf(c->arena, "problem.%s", a->action), "problem",
				      id, json_pack("{s:s}", "state", from),
				      json_pack("{s:s}", "state", to));
	if (rc == 0 && run.row->tell &&
	    (rc = xz_db_one(c->db,
			    "SELECT id, county_id, township_id, unit_id, cell_id, state FROM problems "
			    "WHERE id = $1",
			    XZ_ARGS(XZ_INT(id)), &after)) == 0)
		rc = xz_problem__notify_at(
			c->db, c->now, after, run.row->tell, a->action,
			xz_arena_printf(c->arena, "问题 #%lld：%s", (long long)id, run.row->label),
			a->reason     ? a->reason
			: a->feedback ? a->feedback
			: a->note     ? a->note
			: a->result   ? a->result
				      : "",
			c->user ? c->user->id : 0);
	if (rc == 0 && !strcmp(to, "closed"))
		rc = tell_merged(c, id);
	if (rc < 0) {
		rc = c->err_code ? rc : xz_ctx_fail_db(c, rc);
		goto out;
	}
	if (state)
		*state = static_state(to);
out:
	json_decref(run.in);
	json_decref(w.data);
	json_decref(after);
	json_decref(p);
	return rc;
}

/* ---- deadlines, lights, notifications, the scheduler ---- */

int xz_problem_step_due(struct xz_db *db, const char *category, enum xz_pstep step, int64_t from,
			int64_t *due, int64_t *warn)
{
	json_t *cat = NULL;
	int64_t amount = 1, span;
	enum xz_dl_unit unit = XZ_DL_WORKING_DAYS;
	int rc = xz_db_one(db,
			   "SELECT accept_hours, handle_days, verify_days FROM categories WHERE code = $1",
			   XZ_ARGS(XZ_TEXT(category)), &cat);
	if (rc == XZ_ENOTFOUND) {
		/* a category removed since: the defaults of a new category */
		cat = json_pack("{s:i,s:i,s:i}", "accept_hours", 24, "handle_days", 5, "verify_days", 2);
		rc = 0;
	}
	if (rc < 0)
		return rc;
	switch (step) {
	case XZ_STEP_ACCEPT:
		amount = json_integer_value(json_object_get(cat, "accept_hours"));
		unit = XZ_DL_HOURS;
		break;
	case XZ_STEP_HANDLE: amount = json_integer_value(json_object_get(cat, "handle_days")); break;
	case XZ_STEP_VERIFY: amount = json_integer_value(json_object_get(cat, "verify_days")); break;
	default: amount = 1; break;
	}
	json_decref(cat);
	if ((rc = xz_caldb_deadline(db, from, amount, unit, due)) < 0)
		return rc;
	/* yellow for the last quarter of the time allowed, at least an hour */
	span = (*due - from) / 4;
	*warn = *due - (span > 3600 ? span : 3600);
	return 0;
}

const char *xz_problem_light(int64_t due, int64_t warn, int64_t now)
{
	if (!due)
		return "green";
	if (now > due)
		return "red";
	return now >= warn ? "yellow" : "green";
}

int xz_problem__recipients(struct xz_db *db, const json_t *p, unsigned tell, json_t **rows)
{
	int64_t town = json_integer_value(json_object_get(p, "township_id"));
	int64_t unit = json_integer_value(json_object_get(p, "unit_id"));
	int64_t cell = json_integer_value(json_object_get(p, "cell_id"));
	int64_t id = json_integer_value(json_object_get(p, "id"));
	return xz_db_query(
		db,
		"SELECT DISTINCT u.id FROM users u WHERE u.disabled = 0 AND ("
		"($1 = 1 AND u.unit_id = $2 AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id "
		"= u.id AND r.role IN ('staff','contact'))) OR "
		"($3 = 1 AND u.township_id = $4 AND EXISTS (SELECT 1 FROM user_roles r WHERE "
		"r.user_id = u.id AND r.role = 'office')) OR "
		"($5 = 1 AND u.id IN (SELECT w.user_id FROM problem_watchers w WHERE w.problem_id = "
		"$6)) OR "
		"($7 = 1 AND (u.id IN (SELECT w.user_id FROM problem_watchers w WHERE w.problem_id = "
		"$6) OR u.person_id IN (SELECT m.person_id FROM grid_members m WHERE m.cell_id = $8)) "
		"AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'grid'))"
		") ORDER BY u.id",
		XZ_ARGS(XZ_INT(!!(tell & XZ_TELL_UNIT)), XZ_INT(unit), XZ_INT(!!(tell & XZ_TELL_OFFICE)),
			XZ_INT(town), XZ_INT(!!(tell & XZ_TELL_WATCHERS)), XZ_INT(id),
			XZ_INT(!!(tell & XZ_TELL_VERIFIERS)), XZ_INT(cell)),
		rows);
}

int xz_problem_notify(struct xz_db *db, const json_t *problem, unsigned tell, const char *kind,
		      const char *title, const char *body, int64_t except_user)
{
	return xz_problem__notify_at(db, xz_now(), problem, tell, kind, title, body, except_user);
}

int xz_problem__notify_at(struct xz_db *db, int64_t now, const json_t *problem, unsigned tell,
			  const char *kind, const char *title, const char *body,
			  int64_t except_user)
{
	json_t *rows = NULL;
	int rc;
	if (tell && (rc = xz_problem__recipients(db, problem, tell, &rows)) < 0)
		return rc;
	rc = xz_problem__notify_rows(db, now, problem, rows, kind, title, body, except_user);
	json_decref(rows);
	return rc;
}

int xz_problem__notify_rows(struct xz_db *db, int64_t now, const json_t *problem,
			    const json_t *rows, const char *kind, const char *title,
			    const char *body, int64_t except_user)
{
	json_t *row, *ev;
	struct xz_sub_place to = {0};
	size_t i;
	int rc = 0;
	int64_t id = json_integer_value(json_object_get(problem, "id"));
	json_array_foreach(rows, i, row) {
		int64_t uid = json_integer_value(json_object_get(row, "id"));
		if (uid == except_user)
			continue;
		if ((rc = xz_db_exec(db,
				     "INSERT INTO notifications (user_id, kind, title, body, problem_id, "
				     "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
				     XZ_ARGS(XZ_INT(uid), XZ_TEXT(kind), XZ_TEXT(title),
					     XZ_TEXT(body ? body : ""), XZ_INT(id), XZ_INT(now)),
				     NULL)) < 0)
			break;
		to.user_id = uid;
		ev = json_pack("{s:s,s:s,s:I}", "kind", kind, "title", title, "problem_id",
			       (json_int_t)id);
		xz_events_publish("notification", ev, &to);
		json_decref(ev);
	}
	/* every open page of the township and the unit refreshes its lists */
	memset(&to, 0, sizeof(to));
	to.county_id = json_integer_value(json_object_get(problem, "county_id"));
	to.township_id = json_integer_value(json_object_get(problem, "township_id"));
	to.unit_id = json_integer_value(json_object_get(problem, "unit_id"));
	to.department_id = json_integer_value(json_object_get(problem, "department_id"));
	ev = json_pack("{s:I,s:s?,s:s}", "id", (json_int_t)id, "state",
		       json_string_value(json_object_get(problem, "state")), "kind", kind);
	xz_events_publish("problem", ev, &to);
	json_decref(ev);
	return rc;
}

/* outbound: POST pending notifications to the configured hook (settings
 * key notify.webhook, an http(s) URL of an SMS or messaging gateway), and
 * mark them sent. Without a hook they are marked sent at once. */
static int outbound(struct xz_db *db, int64_t now)
{
	json_t *rows = NULL, *row, *hook = NULL;
	const char *url = NULL;
	size_t i;
	int rc;
	if (xz_db_one(db, "SELECT value FROM settings WHERE key = 'notify.webhook'", XZ_NOARGS,
		      &hook) == 0)
		url = json_string_value(json_object_get(hook, "value"));
	rc = xz_db_query(db,
			 "SELECT n.id, n.kind, n.title, n.body, n.problem_id, u.username, p.phone FROM "
			 "notifications n JOIN users u ON u.id = n.user_id LEFT JOIN people p ON p.id "
			 "= u.person_id WHERE n.sent_at IS NULL ORDER BY n.id LIMIT 200",
			 XZ_NOARGS, &rows);
	json_array_foreach(rows, i, row) {
		if (url && *url) {
			CURL *c = curl_easy_init();
			struct curl_slist *hd = curl_slist_append(NULL, "Content-Type: application/json");
			char *body = json_dumps(row, JSON_COMPACT);
			CURLcode cc = CURLE_FAILED_INIT;
			if (c) {
				curl_easy_setopt(c, CURLOPT_URL, url);
				curl_easy_setopt(c, CURLOPT_HTTPHEADER, hd);
				curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
				curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
				curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
				cc = curl_easy_perform(c);
				curl_easy_cleanup(c);
			}
			curl_slist_free_all(hd);
			free(body);
			if (cc != CURLE_OK) {
				xz_log_error("notify: hook failed: %s", curl_easy_strerror(cc));
				break; /* try again next pass */
			}
		}
		if ((rc = xz_db_exec(db, "UPDATE notifications SET sent_at = $2 WHERE id = $1",
				     XZ_ARGS(XZ_INT(json_integer_value(json_object_get(row, "id"))),
					     XZ_INT(now)),
				     NULL)) < 0)
			break;
	}
	json_decref(rows);
	json_decref(hook);
	return rc;
}

int xz_problem_tick(struct xz_db *db, int64_t now, int *found)
{
	static const struct {
		int level;
		const char *sql, *kind, *title;
		const char *open_tail; /* set: sql ends in "state IN (", the open states go there */
	} passes[] = {
		{2,
		 "SELECT id, county_id, township_id, unit_id, cell_id, state, step FROM problems "
		 "WHERE due_at <= $1 AND alert_level < 2 ORDER BY due_at LIMIT 500",
		 "overdue", "问题已超期", NULL},
		{1,
		 "SELECT id, county_id, township_id, unit_id, cell_id, state, step FROM problems "
		 "WHERE due_at > $1 AND due_at <= $1 + 2592000 AND warn_at <= $1 AND alert_level < 1 "
		 "ORDER BY due_at LIMIT 500",
		 "deadline_near", "问题临近期限", NULL},
		{3,
		 "SELECT id, county_id, township_id, unit_id, cell_id, state, step FROM problems "
		 "WHERE supervise_due_at <= $1 AND supervise_alerted = 0 AND state IN (",
		 "supervise_overdue", "督办事项已逾期", ") ORDER BY supervise_due_at LIMIT 500"},
	};
	json_t *rows = NULL, *row;
	size_t k, i;
	int rc = 0;
	*found = 0;
	for (k = 0; k < XZ_ARRAY_LEN(passes) && rc == 0; k++) {
		json_decref(rows);
		rows = NULL;
		char sql[512];
		/* the open states come from the machine */
		snprintf(sql, sizeof(sql), "%s%s%s", passes[k].sql,
			 passes[k].open_tail ? xz_fsm_open_sql(&xz_problem_fsm) : "",
			 passes[k].open_tail ? passes[k].open_tail : "");
		/* the pass's batch in one transaction: one commit, not one per
		 * problem. On PostgreSQL several servers may pass at once: a
		 * transaction lock makes the second find what the first marked. */
		if ((rc = xz_db_begin(db)) < 0)
			break;
		if ((xz_db_engine(db) == XZ_DB_PG &&
		     (rc = xz_db_exec(db, "SELECT pg_advisory_xact_lock(15016)", XZ_NOARGS, NULL)) <
			 0) ||
		    (rc = xz_db_query(db, sql, XZ_ARGS(XZ_INT(now)), &rows)) < 0) {
			xz_db_rollback(db);
			break;
		}
		json_array_foreach(rows, i, row) {
			const char *state = json_string_value(json_object_get(row, "state"));
			/* the unit is told while it holds the problem, else the office */
			unsigned tell = !strcmp(state, "dispatched") || !strcmp(state, "in_hand")
						? XZ_TELL_UNIT | XZ_TELL_OFFICE
						: XZ_TELL_OFFICE;
			char body[128];
			snprintf(body, sizeof(body), "问题 #%lld（%s）",
				 (long long)json_integer_value(json_object_get(row, "id")), state);
			/* level 3 is the supervision's own deadline, marked apart */
			if ((rc = xz_db_exec(db,
					     "UPDATE problems SET alert_level = CASE WHEN $2 = 3 THEN "
					     "alert_level ELSE $2 END, supervise_alerted = CASE WHEN $2 = 3 "
					     "THEN 1 ELSE supervise_alerted END, on_time = CASE WHEN $2 = 2 "
					     "THEN 0 ELSE on_time END WHERE id = $1",
					     XZ_ARGS(XZ_INT(json_integer_value(json_object_get(row, "id"))),
						     XZ_INT(passes[k].level)),
					     NULL)) < 0 ||
			    (rc = xz_problem_notify(db, row, tell, passes[k].kind, passes[k].title, body,
						    0)) < 0)
				break;
		}
		if (rc < 0 || (rc = xz_db_commit(db)) < 0) {
			xz_db_rollback(db);
			break;
		}
		*found += (int)json_array_size(rows);
	}
	json_decref(rows);
	if (rc == 0)
		rc = outbound(db, now);
	return rc;
}
