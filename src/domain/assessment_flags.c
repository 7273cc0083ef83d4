/*
 * assessment_flags.c — the signs of 不作为、慢作为、乱作为 (§4.3.1, R8.5;
 * issue 12 item 4).
 *
 * The rules are data: each names the sign it shows, a query answering
 * (unit_id, id) evidence rows for a township over a window ending now, and
 * the count of rows that makes a flag. A scan applies every rule: a unit
 * with enough evidence gets a flag listing the record ids (one flag per
 * unit and rule while it is not closed: a later scan refreshes its
 * evidence), and a new flag is put in the inbox of the unit's head (its
 * named contact) and of the township's office. The leader supervises a
 * flag (督办) with a note; the office or the leader closes it. Scans run
 * when the flags are read and in the scheduler's pass (xz_assessment_tick).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/limits.h"
#include "core/xtime.h"
#include "domain/assessment.h"
#include "domain/assessment_int.h"
#include "domain/ctx.h"
#include "domain/fsm.h"
#include "domain/notify.h"
#include "domain/problem.h"
#include "store/db.h"

#define jint xz__jint
#define jstr xz__jstr

#define OPEN XZ_PROBLEM_TIMED_LIST

/* $1 township, $2 the window's start, $3 now */
static const struct rule {
	const char *code, *sign, *name, *describe, *evidence;
	int min; /* evidence rows that make a flag */
	int window_days;
	const char *sql;
} rules[] = {
    {"never_accepted", "不作为", "任务超时未接收", "派遣给本单位的任务超过时限仍未接收", "problem",
     1, 90,
     "SELECT p.unit_id, p.id FROM problems p WHERE p.township_id = $1 AND p.state = "
     "'dispatched' AND p.unit_id IS NOT NULL AND p.due_at < $3 AND p.created_at >= $2 ORDER BY "
     "p.id"},
    {"repeated_overdue", "慢作为", "多次超期",
     "期内 3 件及以上任务超过时限（已办结超时或在办已超期）", "problem", 3, 90,
     "SELECT p.unit_id, p.id FROM problems p WHERE p.township_id = $1 AND p.unit_id IS NOT "
     "NULL AND p.created_at >= $2 AND (p.on_time = 0 OR (p.state IN " OPEN
     " AND p.due_at < $3)) ORDER BY p.id"},
    {"repeated_rework", "乱作为", "同一问题反复返工", "同一问题核查不通过、返工 2 次及以上",
     "problem", 1, 90,
     "SELECT p.unit_id, p.id FROM problems p WHERE p.township_id = $1 AND p.unit_id IS NOT "
     "NULL AND p.rework_count >= 2 AND p.updated_at >= $2 AND p.created_at < $3 ORDER BY p.id"},
    {"frequent_returns", "不作为", "频繁退回", "期内以非本单位职责退回任务 3 次及以上", "problem",
     3, 90,
     "SELECT u.unit_id, h.problem_id AS id FROM problem_history h JOIN users u ON u.id = "
     "h.user_id JOIN problems p ON p.id = h.problem_id WHERE h.action = 'return' AND "
     "p.township_id = $1 AND h.at >= $2 AND h.at < $3 AND u.unit_id IS NOT NULL ORDER BY "
     "h.problem_id"},
    {"late_notices", "慢作为", "互动告知未当日反馈", "互动执法告知未在当日派员反馈", "notice", 1,
     90,
     "SELECT n.unit_id, n.id FROM joint_notices n WHERE n.township_id = $1 AND n.issued_at >= "
     "$2 AND ((n.answered_at IS NOT NULL AND n.answered_at > n.due_at) OR (n.answered_at IS "
     "NULL AND n.due_at < $3)) ORDER BY n.id"},
};

static const struct rule *rule_find(const char *code)
{
	size_t i;
	for (i = 0; code && i < XZ_ARRAY_LEN(rules); i++)
		if (!strcmp(rules[i].code, code))
			return &rules[i];
	return NULL;
}

/* tell: the unit's head (its named contact's accounts) and the office, of
 * flag id (the office is told even when its own look raised the flag) */
static int tell(struct xz_ctx *c, int64_t town, int64_t unit, const struct rule *r, int64_t id,
		json_t *ev)
{
	json_t *names = NULL;
	char *list;
	int rc =
	    xz_db_one(c->db, "SELECT name FROM units WHERE id = $1", XZ_ARGS(XZ_INT(unit)), &names);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	list = json_dumps(ev, JSON_COMPACT);
	{
		struct xz_note n = {
		    "assessment_flag", "assessment_flag", id,
		    xz_arena_printf(c->arena, "%s提示：%s（%s）", r->sign, r->name,
				    jstr(names, "name")),
		    xz_arena_printf(c->arena, "%s。涉及%s：%s（预警 %lld）", r->describe,
				    !strcmp(r->evidence, "notice") ? "互动告知" : "问题", list,
				    (long long)id),
		    0};
		rc = xz_tell(c, &n, XZ_TOS(XZ_TO(XZ_TO_UNIT_HEAD, unit), XZ_TO_OFFICE(town)));
	}
	free(list);
	json_decref(names);
	return rc;
}

struct scan_tx {
	int64_t town, county;
	int found;
};

static int scan_write(struct xz_ctx *c, void *arg)
{
	struct scan_tx *t = arg;
	size_t k, i;
	int rc = 0;
	for (k = 0; k < XZ_ARRAY_LEN(rules); k++) {
		const struct rule *r = &rules[k];
		json_t *rows = NULL, *row, *byunit = json_object(), *ev;
		const char *key;
		if ((rc = xz_db_query(c->db, r->sql,
				      XZ_ARGS(XZ_INT(t->town),
					      XZ_INT(c->now - (int64_t)r->window_days * 86400),
					      XZ_INT(c->now)),
				      &rows)) < 0) {
			json_decref(byunit);
			return xz_ctx_fail_db(c, rc);
		}
		json_array_foreach(rows, i, row)
		{
			const char *u =
			    xz_arena_printf(c->arena, "%lld", (long long)jint(row, "unit_id"));
			json_t *list = json_object_get(byunit, u), *v;
			size_t j;
			bool seen = false;
			if (!list) {
				list = json_array();
				json_object_set_new(byunit, u, list);
			}
			json_array_foreach(list, j, v) seen |=
			    json_integer_value(v) == jint(row, "id");
			if (!seen)
				json_array_append_new(list, json_integer(jint(row, "id")));
		}
		json_decref(rows);
		json_object_foreach(byunit, key, ev)
		{
			int64_t unit = strtoll(key, NULL, 10);
			json_t *cur = NULL;
			char *text;
			if ((int)json_array_size(ev) < r->min)
				continue;
			text = json_dumps(ev, JSON_COMPACT);
			rc = xz_db_one(
			    c->db,
			    "SELECT id, evidence_json FROM assessment_flags WHERE unit_id = "
			    "$1 AND rule = $2 AND state <> 'closed'",
			    XZ_ARGS(XZ_INT(unit), XZ_TEXT(r->code)), &cur);
			if (rc == 0) {
				if (strcmp(jstr(cur, "evidence_json"), text))
					rc = xz_db_exec(
					    c->db,
					    "UPDATE assessment_flags SET evidence_json = $2, "
					    "count = $3, updated_at = $4 WHERE id = $1",
					    XZ_ARGS(XZ_INT(jint(cur, "id")), XZ_TEXT(text),
						    XZ_INT((int64_t)json_array_size(ev)),
						    XZ_INT(c->now)),
					    NULL);
			} else if (rc == XZ_ENOTFOUND) {
				json_t *ins = NULL;
				rc = xz_db_one(
				    c->db,
				    "INSERT INTO assessment_flags (county_id, township_id, "
				    "unit_id, rule, "
				    "evidence_json, count, found_at, updated_at) VALUES ($1, $2, "
				    "$3, $4, "
				    "$5, $6, $7, $7) ON CONFLICT (unit_id, rule) WHERE state <> "
				    "'closed' DO "
				    "NOTHING RETURNING id",
				    XZ_ARGS(XZ_INT(t->county), XZ_INT(t->town), XZ_INT(unit),
					    XZ_TEXT(r->code), XZ_TEXT(text),
					    XZ_INT((int64_t)json_array_size(ev)), XZ_INT(c->now)),
				    &ins);
				if (rc == XZ_ENOTFOUND) /* raised meanwhile by another scan */
					rc = 0;
				else if (rc == 0) {
					int64_t id = jint(ins, "id");
					json_decref(ins);
					t->found++;
					if ((rc = tell(c, t->town, unit, r, id, ev)) == 0)
						rc = xz_ctx_audit_new(
						    c, "assessment.flag.found", "assessment_flag",
						    id, NULL,
						    json_pack("{s:s,s:I,s:O}", "rule", r->code,
							      "unit_id", (json_int_t)unit,
							      "evidence", ev));
				}
			}
			free(text);
			json_decref(cur);
			if (rc < 0) {
				json_decref(byunit);
				return c->err_code ? rc : xz_ctx_fail_db(c, rc);
			}
		}
		json_decref(byunit);
	}
	return 0;
}

int xz_flags_scan(struct xz_ctx *c, int64_t town, int *found)
{
	json_t *row = NULL;
	struct scan_tx t = {.town = town};
	int rc;
	*found = 0;
	if ((rc = xz_db_one(c->db,
			    "SELECT county_id FROM regions WHERE id = $1 AND level = 'township'",
			    XZ_ARGS(XZ_INT(town)), &row)) < 0)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_township", "乡镇（街道）不存在",
				   "No such township", "township_id");
	t.county = jint(row, "county_id");
	json_decref(row);
	if ((rc = xz_ctx_tx(c, scan_write, &t)) < 0)
		return rc;
	*found = t.found;
	return 0;
}

static const char *const flag_states[] = {"open", "supervised", "closed", NULL};
static const char *const flag_labels[] = {"待处理", "已督办", "已办结", NULL};
enum { FL_NOTE = 1 };
static const struct xz_fsm_field flag_fields[] = {
    {FL_NOTE, "note", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "note_required", "须填写督办或办结说明",
     "A note is required"},
};
static const struct xz_fsm_row flag_rows[] = {
    {0, "open", "supervise", XZ_FSM_ANY, "supervised", "assessment.approve", 0, FL_NOTE, NULL, NULL,
     0, 0, "领导督办"},
    {0, "open supervised", "close", XZ_FSM_ANY, "closed", "assessment.write", 0, FL_NOTE, NULL,
     NULL, 0, 0, "办结"},
    {0, "open supervised", "close", XZ_FSM_ANY, "closed", "assessment.approve", 0, FL_NOTE, NULL,
     NULL, 0, 0, "办结"},
};
static const struct xz_fsm flag_fsm = {"assessment_flag",
				       flag_rows,
				       XZ_ARRAY_LEN(flag_rows),
				       flag_states,
				       flag_labels,
				       "open supervised",
				       NULL,
				       flag_fields,
				       XZ_ARRAY_LEN(flag_fields)};

#define FLAG_SELECT                                                                                \
	"SELECT f.id, f.county_id, f.township_id, f.unit_id, n.name AS unit_name, f.rule, "        \
	"f.evidence_json, f.count, f.state, f.found_at, f.updated_at, f.supervised_at, f.note, "   \
	"f.closed_at FROM assessment_flags f JOIN units n ON n.id = f.unit_id "

static void flag_present(const struct xz_ctx *c, json_t *f)
{
	const struct rule *r = rule_find(jstr(f, "rule"));
	struct xz_place p = {.county_id = jint(f, "county_id"),
			     .township_id = jint(f, "township_id"),
			     .unit_id = jint(f, "unit_id")};
	struct xz_fsm_subject s = {.state = jstr(f, "state"), .user = c->user, .place = &p};
	json_t *ev = json_loads(jstr(f, "evidence_json"), 0, NULL);
	json_object_del(f, "evidence_json");
	json_object_set_new(f, "evidence",
			    json_pack("{s:s,s:o}", "kind", r ? r->evidence : "problem", "ids",
				      ev ? ev : json_array()));
	if (r)
		json_object_set_new(f, "rule_info",
				    json_pack("{s:s,s:s,s:s,s:i,s:i}", "sign", r->sign, "name",
					      r->name, "description", r->describe, "min", r->min,
					      "window_days", r->window_days));
	json_object_set_new(f, "state_label", json_string(xz_fsm_state_label(&flag_fsm, s.state)));
	json_object_set_new(f, "allowed_actions", xz_fsm_allowed(&flag_fsm, &s));
}

int xz_flags_list(struct xz_ctx *c, int64_t town, const char *state, json_t **out)
{
	struct xz_place p = {0};
	json_t *row = NULL, *f;
	int64_t unit_only = 0;
	size_t i;
	int found, rc;
	*out = NULL;
	if (!town && c->user)
		town = c->user->township_id;
	if ((rc = xz_db_one(c->db,
			    "SELECT county_id FROM regions WHERE id = $1 AND level = 'township'",
			    XZ_ARGS(XZ_INT(town)), &row)) < 0)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_township", "须指定乡镇（township_id）",
				   "Name the township (township_id)", "township_id");
	p.county_id = jint(row, "county_id");
	p.township_id = town;
	json_decref(row);
	if ((rc = xz__read_scope(c, &p, &unit_only)) < 0 ||
	    (rc = xz_flags_scan(c, town, &found)) < 0)
		return rc;
	rc =
	    xz_db_query(c->db,
			FLAG_SELECT "WHERE f.township_id = $1 AND ($2 = 0 OR f.unit_id = $2) AND "
				    "(CAST($3 AS TEXT) IS NULL OR f.state = $3) ORDER BY f.id DESC",
			XZ_ARGS(XZ_INT(town), XZ_INT(unit_only), XZ_TEXT(state)), out);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	json_array_foreach(*out, i, f) flag_present(c, f);
	return 0;
}

struct flag_tx {
	int64_t id;
	const char *action;
	json_t *in, *rec;
	struct xz_place place;
};

static int flag_walk(struct xz_ctx *c, void *arg)
{
	struct flag_tx *t = arg;
	struct xz_fsm_subject s = {
	    .state = jstr(t->rec, "state"), .user = c->user, .place = &t->place};
	struct xz_fsm_run run = {.c = c, .m = &flag_fsm, .s = &s, .record = t->rec, .in = t->in};
	const char *note = json_string_value(json_object_get(t->in, "note"));
	int64_t changed = 0;
	int rc;
	if ((rc = xz_fsm_walk(&run, t->action)) < 0)
		return rc;
	rc = xz_db_exec(
	    c->db,
	    "UPDATE assessment_flags SET state = $3, note = $4, supervised_by = CASE "
	    "WHEN $3 = 'supervised' THEN $5 ELSE supervised_by END, supervised_at = CASE "
	    "WHEN $3 = 'supervised' THEN $6 ELSE supervised_at END, closed_at = CASE WHEN "
	    "$3 = 'closed' THEN $6 ELSE closed_at END, updated_at = $6 WHERE id = $1 AND "
	    "state = $2",
	    XZ_ARGS(XZ_INT(t->id), XZ_TEXT(s.state), XZ_TEXT(run.row->to), XZ_TEXT(note),
		    XZ_ID(c->user ? c->user->id : 0), XZ_INT(c->now)),
	    &changed);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	if (!changed)
		return xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "预警已被他人处理，请刷新",
				   "The flag changed meanwhile; reload", NULL);
	if (!strcmp(run.row->to, "supervised")) {
		const struct rule *r = rule_find(jstr(t->rec, "rule"));
		/* the unit's head is told the leader supervises it */
		struct xz_note n = {"assessment_flag", "assessment_flag", t->id,
				    xz_arena_printf(c->arena, "领导督办：%s", r ? r->name : ""),
				    note, 0};
		if ((rc = xz_tell(c, &n, XZ_TOS(XZ_TO(XZ_TO_UNIT_HEAD, t->place.unit_id)))) < 0)
			return rc;
	}
	return xz_ctx_audit_new(c, xz_arena_printf(c->arena, "assessment.flag.%s", t->action),
				"assessment_flag", t->id, json_pack("{s:s}", "state", s.state),
				json_pack("{s:s,s:s?}", "state", run.row->to, "note", note));
}

int xz_flag_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in, json_t **out)
{
	struct flag_tx t = {.id = id, .action = action, .in = in};
	int rc = xz_db_one(c->db, FLAG_SELECT "WHERE f.id = $1", XZ_ARGS(XZ_INT(id)), &t.rec);
	*out = NULL;
	if (rc < 0)
		return rc == XZ_ENOTFOUND ? xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "预警不存在",
							"No such flag", NULL)
					  : xz_ctx_fail_db(c, rc);
	t.place = (struct xz_place){.county_id = jint(t.rec, "county_id"),
				    .township_id = jint(t.rec, "township_id"),
				    .unit_id = jint(t.rec, "unit_id")};
	rc = xz_ctx_tx(c, flag_walk, &t);
	json_decref(t.rec);
	if (rc < 0)
		return rc;
	if ((rc = xz_db_one(c->db, FLAG_SELECT "WHERE f.id = $1", XZ_ARGS(XZ_INT(id)), out)) < 0)
		return xz_ctx_fail_db(c, rc);
	flag_present(c, *out);
	return 0;
}

int xz_assessment_tick(struct xz_db *db, int64_t now, int *found)
{
	struct xz_arena *arena = xz_arena_new();
	struct xz_ctx c;
	json_t *towns = NULL, *t;
	size_t i;
	int rc, n;
	*found = 0;
	xz_ctx_system(&c, db, arena, "scheduler");
	c.now = now;
	/* only townships that have an assessment scheme are watched */
	rc = xz_db_query(db,
			 "SELECT DISTINCT township_id FROM assessment_schemes WHERE state = "
			 "'approved'",
			 XZ_NOARGS, &towns);
	json_array_foreach(towns, i, t)
	{
		if ((rc = xz_flags_scan(&c, jint(t, "township_id"), &n)) < 0)
			break;
		*found += n;
	}
	json_decref(towns);
	xz_arena_free(arena);
	return rc;
}
