/*
 * inspection.c — inspections of a township platform by a competent county
 * department (督促检查, R9.3, seed §3.5). A department (or the county's
 * administrator) records what it inspected on a day and its findings, each
 * with a rectification deadline; the township's office is told and replies
 * per finding; the department accepts the rectification or sends it back.
 * A finding's life cycle is a table walked by domain/fsm.c:
 *
 *   open --reply(note)--> replied --accept--> accepted
 *                         replied --reopen(reason)--> open
 *
 * An open finding past its deadline is overdue and shows red.
 */
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/authz.h"
#include "domain/inspection.h"
#include "domain/notify.h"

#define MAX_FINDINGS 50 /* findings of one inspection */

static int64_t jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool blank(const char *s)
{
	return !s || strspn(s, " \t\r\n") == strlen(s);
}

/* ---- the finding's life cycle ---- */

enum { F_NOTE = 1u << 0, F_REASON = 1u << 1 };

static const struct xz_fsm_field fields[] = {
    {F_NOTE, "note", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "note_required", "须说明整改情况",
     "A note on the rectification is required"},
    {F_REASON, "reason", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "reason_required", "须说明退回理由",
     "A reason is required"},
};

static int finding_reply(struct xz_fsm_run *run);
static int finding_accept(struct xz_fsm_run *run);
static int finding_reopen(struct xz_fsm_run *run);

static const char *const finding_states[] = {"open", "replied", "accepted", NULL};
static const char *const finding_labels[] = {"待整改", "已回复待验收", "已验收"};

/* tell bits */
enum { TELL_OFFICE = 1u, TELL_INSPECTOR = 2u };

static const struct xz_fsm_row finding_rows[] = {
    {0, "open", "reply", XZ_FSM_ANY, "replied", "inspection.reply", 0, F_NOTE, NULL, finding_reply,
     0, TELL_INSPECTOR, "回复整改情况"},
    {0, "replied", "accept", XZ_FSM_ANY, "accepted", "inspection.accept", 0, 0, NULL,
     finding_accept, 0, TELL_OFFICE, "验收通过"},
    {0, "replied", "reopen", XZ_FSM_ANY, "open", "inspection.accept", 0, F_REASON, NULL,
     finding_reopen, 0, TELL_OFFICE, "退回重新整改"},
};

const struct xz_fsm xz_inspection_finding_fsm = {
    .name = "inspection_finding",
    .rows = finding_rows,
    .nrows = XZ_ARRAY_LEN(finding_rows),
    .states = finding_states,
    .state_labels = finding_labels,
    .open = "open replied",
    .fields = fields,
    .nfields = XZ_ARRAY_LEN(fields),
};

/* ---- places, loading, telling ---- */

#define INSPECTION_SELECT                                                                          \
	"SELECT i.*, r.name AS township_name, d.name AS department_name, u.display_name AS "       \
	"inspector_name FROM inspections i JOIN regions r ON r.id = i.township_id LEFT JOIN "      \
	"departments d ON d.id = i.department_id LEFT JOIN users u ON u.id = i.created_by "

static void place_of(const json_t *o, struct xz_place *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->county_id = jint(o, "county_id");
	pl->township_id = jint(o, "township_id");
	pl->department_id = jint(o, "department_id");
}

static int load_inspection(struct xz_ctx *c, int64_t id, json_t **out)
{
	struct xz_place pl;
	int rc = xz_db_one(c->db, INSPECTION_SELECT "WHERE i.id = $1", XZ_ARGS(XZ_INT(id)), out);
	if (rc == 0) {
		place_of(*out, &pl);
		if (c->user && !xz_authz(c->user, "inspection.read", &pl)) {
			json_decref(*out);
			*out = NULL;
			rc = XZ_ENOTFOUND;
		}
	}
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "检查记录不存在", "No such inspection",
				   NULL);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

static int load_finding(struct xz_ctx *c, int64_t id, json_t **out)
{
	struct xz_place pl;
	int rc = xz_db_one(c->db,
			   "SELECT f.*, i.created_by AS inspector_id, i.department_id FROM "
			   "inspection_findings f JOIN "
			   "inspections i ON i.id = f.inspection_id WHERE f.id = $1",
			   XZ_ARGS(XZ_INT(id)), out);
	if (rc == 0) {
		place_of(*out, &pl);
		if (c->user && !xz_authz(c->user, "inspection.read", &pl)) {
			json_decref(*out);
			*out = NULL;
			rc = XZ_ENOTFOUND;
		}
	}
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "检查发现的问题不存在", "No such finding",
				   NULL);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

/* tell: the inspection's office and/or inspector, through the notifier
 * (notify.h): inbox kind "inspection", opening the inspection. */
static int tell(struct xz_ctx *c, int64_t inspection, int64_t township, int64_t inspector,
		const char *title, const char *body)
{
	struct xz_note n = {"inspection", "inspection", inspection, title, body,
			    xz_notify_actor(c)};
	return xz_notify(c->db, c->now, &n,
			 XZ_TOS(XZ_TO_OFFICE(township), XZ_TO(XZ_TO_USER, inspector)), NULL);
}

static int history(struct xz_ctx *c, int64_t finding, const char *action, const char *from,
		   const char *to, const char *note)
{
	return xz_db_exec(
	    c->db,
	    "INSERT INTO inspection_history (finding_id, at, user_id, username, action, "
	    "from_state, to_state, note) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	    XZ_ARGS(XZ_INT(finding), XZ_INT(c->now), XZ_ID(c->user ? c->user->id : 0),
		    XZ_TEXT(c->user ? c->user->display_name : "系统"), XZ_TEXT(action),
		    XZ_TEXT(from), XZ_TEXT(to), XZ_TEXT(note)),
	    NULL);
}

/* ---- recording an inspection ---- */

/* check_findings: a non-empty array of at most MAX_FINDINGS objects, each
 * {"text": non-empty, "due_at": ISO 8601 after now}; nothing else. */
static int check_findings(struct xz_ctx *c, const json_t *arr)
{
	const json_t *f;
	const char *key;
	json_t *v;
	size_t i;
	int64_t due;
	if (!json_is_array(arr) || !json_array_size(arr) || json_array_size(arr) > MAX_FINDINGS)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "findings须为1至50项检查发现的问题",
				   "findings must hold 1 to 50 findings", "findings");
	json_array_foreach(arr, i, f)
	{
		if (!json_is_object(f))
			goto bad;
		json_object_foreach((json_t *)f, key,
				    v) if (strcmp(key, "text") && strcmp(key, "due_at")) goto bad;
		if (!json_is_string(json_object_get(f, "text")) || blank(jstr(f, "text")) ||
		    strlen(jstr(f, "text")) > XZ_MAX_TEXT)
			goto bad;
		if (!json_is_string(json_object_get(f, "due_at")) ||
		    xz_time_parse(jstr(f, "due_at"), &due) < 0)
			goto bad;
		if (due <= c->now)
			return xz_ctx_fail(c, XZ_ERULE, "due_in_past", "整改期限须晚于当前时间",
					   "A rectification deadline must be in the future",
					   "findings");
	}
	return 0;
bad:
	return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
			   "每项问题须有text（问题描述）和due_at（整改期限，ISO 8601）",
			   "each finding needs text and due_at (ISO 8601)", "findings");
}

int xz_inspection_create(struct xz_ctx *c, const struct xz_inspection_in *in, int64_t *id)
{
	json_t *town = NULL, *f;
	struct xz_place pl = {0};
	int64_t day, due, fid;
	size_t i;
	const char *title, *body;
	int rc;

	*id = 0;
	rc = xz_db_one(
	    c->db, "SELECT id, county_id, name FROM regions WHERE id = $1 AND level = 'township'",
	    XZ_ARGS(XZ_INT(in->township_id)), &town);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_township", "乡镇（街道）不存在",
				   "No such township", "township_id");
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	pl.county_id = jint(town, "county_id");
	pl.township_id = in->township_id;
	if (c->user && !xz_authz(c->user, "inspection.write", &pl)) {
		rc = xz_ctx_fail(
		    c, XZ_EFORBIDDEN, "forbidden", "只有县级主管部门或系统管理员可以记录督促检查",
		    "Only a county department or the administrator records inspections", NULL);
		goto out;
	}
	if (!in->inspected_on || xz_date_parse(in->inspected_on, &day) < 0) {
		rc = xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "inspected_on须为YYYY-MM-DD日期",
				 "inspected_on must be a date YYYY-MM-DD", "inspected_on");
		goto out;
	}
	if (day > xz_day_of(c->now)) {
		rc = xz_ctx_fail(c, XZ_ERULE, "inspected_in_future", "检查日期不能晚于今天",
				 "An inspection cannot be dated in the future", "inspected_on");
		goto out;
	}
	if (blank(in->scope) || strlen(in->scope) > XZ_MAX_TEXT) {
		rc = xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "须填写检查范围",
				 "scope is required", "scope");
		goto out;
	}
	if ((rc = check_findings(c, in->findings)) < 0)
		goto out;
	if ((rc = xz_db_int(
		 c->db,
		 "INSERT INTO inspections (county_id, township_id, department_id, "
		 "inspected_on, scope, created_by, created_at) VALUES ($1, $2, $3, $4, $5, "
		 "$6, $7) RETURNING id",
		 XZ_ARGS(XZ_INT(pl.county_id), XZ_INT(in->township_id),
			 XZ_ID(c->user ? c->user->department_id : 0), XZ_TEXT(in->inspected_on),
			 XZ_TEXT(in->scope), XZ_ID(c->user ? c->user->id : 0), XZ_INT(c->now)),
		 id)) < 0)
		goto fail;
	json_array_foreach(in->findings, i, f)
	{
		xz_time_parse(jstr(f, "due_at"), &due);
		if ((rc = xz_db_int(
			 c->db,
			 "INSERT INTO inspection_findings (inspection_id, county_id, "
			 "township_id, seq, text, due_at, state, updated_at) VALUES ($1, $2, "
			 "$3, $4, $5, $6, 'open', $7) RETURNING id",
			 XZ_ARGS(XZ_INT(*id), XZ_INT(pl.county_id), XZ_INT(in->township_id),
				 XZ_INT(i + 1), XZ_TEXT(jstr(f, "text")), XZ_INT(due),
				 XZ_INT(c->now)),
			 &fid)) < 0 ||
		    (rc = history(c, fid, "create", NULL, "open", jstr(f, "text"))) < 0)
			goto fail;
	}
	title = xz_arena_printf(c->arena, "督促检查：%s", in->scope);
	body = xz_arena_printf(
	    c->arena, "%s对本乡镇平台进行了督促检查，发现问题%zu项，请按期整改并逐项回复。",
	    in->inspected_on, json_array_size(in->findings));
	if ((rc = tell(c, *id, in->township_id, 0, title, body)) < 0 ||
	    (rc = xz_ctx_audit_new(c, "inspection.create", "inspection", *id, NULL,
				   json_pack("{s:I,s:s,s:s,s:I}", "township_id",
					     (json_int_t)in->township_id, "inspected_on",
					     in->inspected_on, "scope", in->scope, "findings",
					     (json_int_t)json_array_size(in->findings)))) < 0)
		goto fail;
	goto out;
fail:
	if (!c->err_code)
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(town);
	return rc;
}

/* ---- a finding's walk ---- */

static int finding_reply(struct xz_fsm_run *run)
{
	return xz_db_exec(
	    run->c->db,
	    "UPDATE inspection_findings SET reply_note = $2, replied_at = $3 WHERE id = $1",
	    XZ_ARGS(XZ_INT(jint(run->record, "id")), XZ_TEXT(jstr(run->in, "note")),
		    XZ_INT(run->c->now)),
	    NULL);
}

static int finding_accept(struct xz_fsm_run *run)
{
	return xz_db_exec(run->c->db,
			  "UPDATE inspection_findings SET accepted_at = $2 WHERE id = $1",
			  XZ_ARGS(XZ_INT(jint(run->record, "id")), XZ_INT(run->c->now)), NULL);
}

static int finding_reopen(struct xz_fsm_run *run)
{
	return xz_db_exec(
	    run->c->db, "UPDATE inspection_findings SET reopen_reason = $2 WHERE id = $1",
	    XZ_ARGS(XZ_INT(jint(run->record, "id")), XZ_TEXT(jstr(run->in, "reason"))), NULL);
}

int xz_inspection_finding_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in,
			      int64_t *inspection_id)
{
	json_t *f = NULL;
	struct xz_place pl;
	struct xz_fsm_subject s = {0};
	struct xz_fsm_run run = {0};
	const char *from, *to, *note, *title;
	int64_t changed = 0;
	int rc;
	*inspection_id = 0;
	if ((rc = load_finding(c, id, &f)) < 0)
		return rc;
	*inspection_id = jint(f, "inspection_id");
	place_of(f, &pl);
	from = jstr(f, "state");
	s.state = from;
	s.user = c->user;
	s.place = &pl;
	run.c = c;
	run.m = &xz_inspection_finding_fsm;
	run.s = &s;
	run.record = f;
	run.in = in;
	if ((rc = xz_fsm_walk(&run, action)) < 0)
		goto fail;
	to = run.row->to ? run.row->to : from;
	note = jstr(in, "note") ? jstr(in, "note") : jstr(in, "reason");
	if ((rc = xz_db_exec(
		 c->db,
		 "UPDATE inspection_findings SET state = $2, version = version + 1, "
		 "updated_at = $3 WHERE id = $1 AND version = $4",
		 XZ_ARGS(XZ_INT(id), XZ_TEXT(to), XZ_INT(c->now), XZ_INT(jint(f, "version"))),
		 &changed)) < 0 ||
	    (rc = history(c, id, action, from, to, note ? note : run.row->label)) < 0 ||
	    (rc = xz_ctx_audit_new(c, xz_arena_printf(c->arena, "inspection_finding.%s", action),
				   "inspection_finding", id, json_pack("{s:s}", "state", from),
				   json_pack("{s:s}", "state", to))) < 0)
		goto fail;
	if (!changed) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "已被他人更新，请刷新",
				 "Changed by someone else", NULL);
		goto out;
	}
	title = xz_arena_printf(c->arena, "督促检查问题“%s”：%s", jstr(f, "text"), run.row->label);
	if ((rc = tell(c, jint(f, "inspection_id"),
		       run.row->tell & TELL_OFFICE ? jint(f, "township_id") : 0,
		       run.row->tell & TELL_INSPECTOR ? jint(f, "inspector_id") : 0, title, note)) <
	    0)
		goto fail;
	goto out;
fail:
	if (!c->err_code)
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(f);
	return rc;
}

/* ---- reading ---- */

static void finding_shown(struct xz_ctx *c, json_t *f)
{
	struct xz_place pl;
	struct xz_fsm_subject s = {0};
	const char *state = jstr(f, "state");
	bool overdue = !strcmp(state, "open") && c->now > jint(f, "due_at");
	place_of(f, &pl);
	s.state = state;
	s.user = c->user;
	s.place = &pl;
	json_object_set_new(f, "overdue", json_boolean(overdue));
	json_object_set_new(f, "light",
			    json_string(overdue			     ? "red"
					: !strcmp(state, "accepted") ? "none"
								     : "green"));
	json_object_set_new(f, "state_label",
			    json_string(xz_fsm_state_label(&xz_inspection_finding_fsm, state)));
	json_object_set_new(f, "allowed_actions", xz_fsm_allowed(&xz_inspection_finding_fsm, &s));
}

int xz_inspection_get(struct xz_ctx *c, int64_t id, json_t **out)
{
	json_t *i = NULL, *fs = NULL, *hist = NULL, *f;
	size_t k;
	int rc;
	*out = NULL;
	if ((rc = load_inspection(c, id, &i)) < 0)
		return rc;
	if ((rc = xz_db_query(c->db,
			      "SELECT f.*, i.department_id FROM inspection_findings f JOIN "
			      "inspections i ON i.id = "
			      "f.inspection_id WHERE f.inspection_id = $1 ORDER BY f.seq",
			      XZ_ARGS(XZ_INT(id)), &fs)) < 0)
		goto fail;
	json_array_foreach(fs, k, f)
	{
		finding_shown(c, f);
		if ((rc =
			 xz_db_query(c->db,
				     "SELECT at, username, action, from_state, to_state, note FROM "
				     "inspection_history WHERE finding_id = $1 ORDER BY id",
				     XZ_ARGS(XZ_INT(jint(f, "id"))), &hist)) < 0)
			goto fail;
		json_object_set_new(f, "history", hist);
		hist = NULL;
	}
	json_object_set_new(i, "findings", fs);
	*out = i;
	return 0;
fail:
	json_decref(i);
	json_decref(fs);
	return xz_ctx_fail_db(c, rc);
}

int xz_inspection_list(struct xz_ctx *c, int64_t township_id, int64_t after, int64_t limit,
		       xz_row_fn fn, void *arg)
{
	struct xz_place f = {0};
	int rc;
	if (c->user && !xz_authz_filter(c->user, "inspection.read", &f))
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权查看督促检查", "Not allowed",
				   NULL);
	rc = xz_db_each(
	    c->db,
	    "SELECT i.*, r.name AS township_name, d.name AS department_name, (SELECT COUNT(*) "
	    "FROM inspection_findings f WHERE f.inspection_id = i.id AND f.state <> "
	    "'accepted') AS findings_open, (SELECT COUNT(*) FROM inspection_findings f WHERE "
	    "f.inspection_id = i.id AND f.state = 'open' AND f.due_at < $6) AS findings_overdue "
	    "FROM inspections i JOIN regions r ON r.id = i.township_id LEFT JOIN departments d "
	    "ON d.id = i.department_id WHERE ($1 = 0 OR i.county_id = $1) AND ($2 = 0 OR "
	    "i.township_id = $2) AND ($3 = 0 OR i.township_id = $3) AND ($4 = 0 OR i.id < $4) "
	    "ORDER BY i.id DESC LIMIT $5",
	    XZ_ARGS(XZ_INT(f.county_id), XZ_INT(f.township_id), XZ_INT(township_id), XZ_INT(after),
		    XZ_INT(limit), XZ_INT(c->now)),
	    fn, arg);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}
