/*
 * problem.c — the closed loop's rules as data: the transition table, the
 * deadline of each step (through the calendar module), the warning light,
 * notifications to the people who must act, and the scheduler pass.
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
#include "domain/routing.h"

const char *const xz_problem_states[] = {"reported", "accepted", "rejected", "merged",
					 "dispatched", "in_hand", "handled", "verified",
					 "closed", "escalated", NULL};
const char *const xz_problem_channels[] = {"complaint", "patrol", "media", "video",
					   "transfer", "assigned", NULL};

#define OPEN "reported accepted dispatched in_hand handled verified"

/* The life cycle (R4.2). Order matters only for rows sharing an action:
 * the first whose state and condition match wins. */
const struct xz_ptrans xz_problem_transitions[] = {
	{"accept", "reported", XZ_COND_ANY, "accepted", "problem.office", 0, XZ_STEP_KEEP,
	 XZ_TELL_WATCHERS, "受理"},
	{"reject", "reported accepted", XZ_COND_ANY, "rejected", "problem.office", XZ_PREQ_REASON,
	 XZ_STEP_NONE, XZ_TELL_WATCHERS, "不予受理"},
	{"merge", "reported accepted", XZ_COND_ANY, "merged", "problem.office", XZ_PREQ_INTO,
	 XZ_STEP_NONE, XZ_TELL_WATCHERS, "合并（重复问题）"},
	{"dispatch", "reported accepted", XZ_COND_ANY, "dispatched", "problem.office", 0,
	 XZ_STEP_HANDLE, XZ_TELL_UNIT, "派遣"},
	{"take", "dispatched", XZ_COND_ANY, "in_hand", "problem.handle", 0, XZ_STEP_KEEP, 0,
	 "签收处置"},
	{"return", "dispatched in_hand", XZ_COND_ANY, "accepted", "problem.handle", XZ_PREQ_REASON,
	 XZ_STEP_ACCEPT, XZ_TELL_OFFICE, "退回（非本单位职责）"},
	{"handle", "dispatched in_hand", XZ_COND_ANY, "handled", "problem.handle", XZ_PREQ_FEEDBACK,
	 XZ_STEP_VERIFY, XZ_TELL_VERIFIERS | XZ_TELL_OFFICE, "处置反馈"},
	{"verify", "handled", XZ_COND_PASSED, "verified", "problem.verify", XZ_PREQ_PASSED,
	 XZ_STEP_CLOSE, XZ_TELL_OFFICE, "核查通过"},
	{"verify", "handled", XZ_COND_FAILED, "in_hand", "problem.verify",
	 XZ_PREQ_PASSED | XZ_PREQ_NOTE, XZ_STEP_HANDLE, XZ_TELL_UNIT | XZ_TELL_OFFICE,
	 "核查不通过（返工）"},
	{"close", "verified", XZ_COND_ANY, "closed", "problem.office", 0, XZ_STEP_NONE,
	 XZ_TELL_WATCHERS, "结案"},
	{"evaluate", "closed", XZ_COND_ANY, NULL, "problem.evaluate", XZ_PREQ_SCORE, XZ_STEP_KEEP, 0,
	 "评价"},
	{"supervise", OPEN, XZ_COND_ANY, NULL, "problem.supervise", XZ_PREQ_NOTE, XZ_STEP_KEEP,
	 XZ_TELL_UNIT | XZ_TELL_OFFICE, "督办"},
	{"escalate", "reported accepted dispatched in_hand", XZ_COND_ANY, "escalated",
	 "problem.office", XZ_PREQ_REASON, XZ_STEP_NONE, XZ_TELL_WATCHERS | XZ_TELL_UNIT,
	 "提请联合执法"},
	{NULL, NULL, XZ_COND_ANY, NULL, NULL, 0, XZ_STEP_KEEP, 0, NULL},
};

static bool in_list(const char *list, const char *state)
{
	size_t n = strlen(state);
	const char *p = list;
	while ((p = strstr(p, state))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
		p += n;
	}
	return false;
}

const struct xz_ptrans *xz_problem_trans(const char *action, const char *state,
					 enum xz_pcond cond, bool *known)
{
	const struct xz_ptrans *t;
	*known = false;
	for (t = xz_problem_transitions; action && t->action; t++) {
		if (strcmp(t->action, action))
			continue;
		*known = true;
		if (in_list(t->from, state) && (t->cond == XZ_COND_ANY || cond == XZ_COND_ANY ||
						t->cond == cond))
			return t;
	}
	return NULL;
}

bool xz_problem_open(const char *state)
{
	return state && in_list(OPEN, state);
}

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

/* recipients: the users `tell` names for this problem. */
static int recipients(struct xz_db *db, const json_t *p, unsigned tell, json_t **rows)
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
	json_t *rows = NULL, *row, *ev;
	struct xz_sub_place to = {0};
	size_t i;
	int rc = 0;
	int64_t id = json_integer_value(json_object_get(problem, "id"));
	if (tell && (rc = recipients(db, problem, tell, &rows)) < 0)
		return rc;
	json_array_foreach(rows, i, row) {
		int64_t uid = json_integer_value(json_object_get(row, "id"));
		if (uid == except_user)
			continue;
		if ((rc = xz_db_exec(db,
				     "INSERT INTO notifications (user_id, kind, title, body, problem_id, "
				     "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
				     XZ_ARGS(XZ_INT(uid), XZ_TEXT(kind), XZ_TEXT(title),
					     XZ_TEXT(body ? body : ""), XZ_INT(id), XZ_INT(xz_now())),
				     NULL)) < 0)
			break;
		to.user_id = uid;
		ev = json_pack("{s:s,s:s,s:I}", "kind", kind, "title", title, "problem_id",
			       (json_int_t)id);
		xz_events_publish("notification", ev, &to);
		json_decref(ev);
	}
	json_decref(rows);
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
	} passes[] = {
		{2,
		 "SELECT id, county_id, township_id, unit_id, cell_id, state, step FROM problems "
		 "WHERE due_at <= $1 AND alert_level < 2 ORDER BY due_at LIMIT 500",
		 "overdue", "问题已超期"},
		{1,
		 "SELECT id, county_id, township_id, unit_id, cell_id, state, step FROM problems "
		 "WHERE due_at > $1 AND due_at <= $1 + 2592000 AND warn_at <= $1 AND alert_level < 1 "
		 "ORDER BY due_at LIMIT 500",
		 "deadline_near", "问题临近期限"},
		{3,
		 "SELECT id, county_id, township_id, unit_id, cell_id, state, step FROM problems "
		 "WHERE supervise_due_at <= $1 AND supervise_alerted = 0 AND state IN ('reported',"
		 "'accepted','dispatched','in_hand','handled','verified') ORDER BY supervise_due_at "
		 "LIMIT 500",
		 "supervise_overdue", "督办事项已逾期"},
	};
	json_t *rows = NULL, *row;
	size_t k, i;
	int rc = 0;
	*found = 0;
	for (k = 0; k < XZ_ARRAY_LEN(passes) && rc == 0; k++) {
		json_decref(rows);
		rows = NULL;
		if ((rc = xz_db_query(db, passes[k].sql, XZ_ARGS(XZ_INT(now)), &rows)) < 0)
			break;
		json_array_foreach(rows, i, row) {
			const char *state = json_string_value(json_object_get(row, "state"));
			/* the unit is told while it holds the problem, else the office */
			unsigned tell = !strcmp(state, "dispatched") || !strcmp(state, "in_hand")
						? XZ_TELL_UNIT | XZ_TELL_OFFICE
						: XZ_TELL_OFFICE;
			char body[128];
			snprintf(body, sizeof(body), "问题 #%lld（%s）",
				 (long long)json_integer_value(json_object_get(row, "id")), state);
			if ((rc = xz_db_begin(db)) < 0)
				break;
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
						    0)) < 0 ||
			    (rc = xz_db_commit(db)) < 0) {
				xz_db_rollback(db);
				break;
			}
			(*found)++;
		}
	}
	json_decref(rows);
	if (rc == 0)
		rc = outbound(db, now);
	return rc;
}

int xz_problem_insert(struct xz_db *db, const struct xz_problem_in *in, int64_t *id)
{
	struct xz_routing rt;
	json_t *row = NULL, *hist = NULL;
	char *hj = NULL;
	int64_t now = xz_now(), due = 0, warn = 0;
	int rc;

	if ((rc = xz_routing_resolve(db, in->category, in->township_id, &rt)) < 0 &&
	    rc != XZ_ENOTFOUND)
		return rc;
	if ((rc = xz_problem_step_due(db, in->category, XZ_STEP_ACCEPT, now, &due, &warn)) < 0)
		return rc;
	rc = xz_db_int(
		db,
		"INSERT INTO problems (county_id, township_id, village_id, cell_id, channel, category, "
		"description, address, lon, lat, state, unit_id, department_id, routed_unit_id, "
		"power_item_id, list_version_id, routing_reason, reported_by, patrol_id, step, "
		"step_started_at, due_at, warn_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
		"$6, $7, $8, $9, $10, 'reported', $11, $12, $11, $13, $14, $15, $16, $17, 'accept', "
		"$18, $19, $20, $18, $18) RETURNING id",
		XZ_ARGS(XZ_INT(in->county_id), XZ_INT(in->township_id), XZ_ID(in->village_id),
			XZ_ID(in->cell_id), XZ_TEXT(in->channel), XZ_TEXT(in->category),
			XZ_TEXT(in->description), XZ_TEXT(in->address),
			in->has_pos ? XZ_REAL(in->lon) : XZ_NULL, in->has_pos ? XZ_REAL(in->lat) : XZ_NULL,
			XZ_ID(rt.unit_id), XZ_ID(rt.department_id), XZ_ID(rt.power_item_id),
			XZ_ID(rt.list_version_id), XZ_TEXT(rt.reason), XZ_ID(in->reported_by),
			XZ_ID(in->patrol_id), XZ_INT(now), XZ_INT(due), XZ_INT(warn)),
		id);
	if (rc == 0 && (in->reporter_name || in->reporter_phone))
		rc = xz_db_exec(db,
				"INSERT INTO problem_reporters (problem_id, name, phone) VALUES ($1, $2, "
				"$3)",
				XZ_ARGS(XZ_INT(*id), XZ_TEXT(in->reporter_name),
					XZ_TEXT(in->reporter_phone)),
				NULL);
	if (rc == 0 && in->reported_by)
		rc = xz_db_exec(db, "INSERT INTO problem_watchers (problem_id, user_id) VALUES ($1, $2)",
				XZ_ARGS(XZ_INT(*id), XZ_INT(in->reported_by)), NULL);
	if (rc == 0) {
		hist = json_pack("{s:s,s:I}", "channel", in->channel, "routed_unit_id",
				 (json_int_t)rt.unit_id);
		hj = json_dumps(hist, JSON_COMPACT);
		rc = xz_db_exec(db,
				"INSERT INTO problem_history (problem_id, at, action, from_state, to_state, "
				"user_id, user_name, note, data_json) VALUES ($1, $2, 'report', NULL, "
				"'reported', $3, $4, $5, $6)",
				XZ_ARGS(XZ_INT(*id), XZ_INT(now), XZ_ID(in->reported_by),
					XZ_TEXT(in->user_name ? in->user_name : "系统"),
					XZ_TEXT(in->note ? in->note : in->description), XZ_TEXT(hj)),
				NULL);
	}
	if (rc == 0 && (rc = xz_db_one(db,
				       "SELECT id, county_id, township_id, unit_id, cell_id, state FROM "
				       "problems WHERE id = $1",
				       XZ_ARGS(XZ_INT(*id)), &row)) == 0)
		rc = xz_problem_notify(db, row, XZ_TELL_OFFICE, "new_problem", "新问题待受理",
				       in->description, in->reported_by);
	free(hj);
	json_decref(hist);
	json_decref(row);
	return rc;
}
