/*
 * meeting.c — joint meetings (R6, seed §4.3.2) and their decided items:
 * two life cycles as tables walked by fsm.c, the status report computed
 * from the records and frozen with the meeting, minutes numbered on
 * publication, notifications to the people who must act, the scheduler's
 * pass over decided items, and the two official documents. See meeting.h
 * and docs/internals/meeting.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/authz.h"
#include "domain/calendar_db.h"
#include "domain/meeting.h"
#include "domain/notify.h"
#include "domain/officialdoc.h"
#include "domain/problem.h"

#define MAX_AGENDA 50   /* agenda entries of one meeting        */
#define MAX_LINKS 100   /* linked records of one entry or item  */
#define MAX_INVITED 200 /* invited units or people of a meeting */

static int64_t jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : json_is_true(v) ? 1 : 0;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static bool blank(const char *s)
{
	return !s || strspn(s, " \t\r\n") == strlen(s);
}

/* ---- the two life cycles ---- */

/* relation bits: the chair of this meeting (the person the meeting names) */
#define CHAIR 1u

enum { F_REASON = 1u << 0, F_NOTE = 1u << 1, F_RESULT = 1u << 2 };

static const struct xz_fsm_field fields[] = {
	{F_REASON, "reason", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "reason_required", "须说明理由",
	 "A reason is required"},
	{F_NOTE, "note", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "note_required", "须填写督办意见",
	 "A note is required"},
	{F_RESULT, "result", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "result_required",
	 "须填写办理结果", "The result is required"},
};

static int meeting_start(struct xz_fsm_run *run);
static int meeting_finish(struct xz_fsm_run *run);
static int minutes_guard(struct xz_fsm_run *run);
static int minutes_approve(struct xz_fsm_run *run);
static int minutes_publish(struct xz_fsm_run *run);

static const char *const meeting_states[] = {"scheduled", "in_session", "held",
					     "minutes_submitted", "minutes_approved", "published",
					     "cancelled", NULL};
static const char *const meeting_labels[] = {"已安排", "进行中", "已召开", "纪要待审定",
					     "纪要已审定", "纪要已印发", "已取消"};

/* Who may: the office or the leadership group run the meeting; the office
 * drafts and publishes the minutes; the chair approves or sends back. */
static const struct xz_fsm_row meeting_rows[] = {
	{0, "scheduled", "start", XZ_FSM_ANY, "in_session", "meeting.write", 0, 0, NULL,
	 meeting_start, 0, 0, "开始会议"},
	{0, "in_session", "finish", XZ_FSM_ANY, "held", "meeting.write", 0, 0, NULL, meeting_finish,
	 0, 0, "结束会议"},
	{0, "held", "submit_minutes", XZ_FSM_ANY, "minutes_submitted", "meeting.office", 0, 0,
	 minutes_guard, NULL, 0, 0, "提交纪要审定"},
	{0, "minutes_submitted", "approve_minutes", XZ_FSM_ANY, "minutes_approved", NULL, CHAIR, 0,
	 NULL, minutes_approve, 0, 0, "审定纪要"},
	{0, "minutes_submitted", "return_minutes", XZ_FSM_ANY, "held", NULL, CHAIR, F_REASON, NULL,
	 NULL, 0, 0, "退回纪要"},
	{0, "minutes_approved", "publish", XZ_FSM_ANY, "published", "meeting.office", 0, 0, NULL,
	 minutes_publish, 0, 0, "印发纪要"},
	{0, "scheduled", "cancel", XZ_FSM_ANY, "cancelled", "meeting.write", 0, F_REASON, NULL, NULL,
	 0, 0, "取消会议"},
};

const struct xz_fsm xz_meeting_fsm = {
	.name = "meeting",
	.rows = meeting_rows,
	.nrows = XZ_ARRAY_LEN(meeting_rows),
	.states = meeting_states,
	.state_labels = meeting_labels,
	.open = "scheduled in_session held minutes_submitted minutes_approved",
	.fields = fields,
	.nfields = XZ_ARRAY_LEN(fields),
};

static int item_done(struct xz_fsm_run *run);
static int item_verify(struct xz_fsm_run *run);
static int item_supervise(struct xz_fsm_run *run);

static const char *const item_states[] = {"open", "in_progress", "done", "verified", NULL};
static const char *const item_labels[] = {"待办理", "办理中", "已办结待核验", "已核验办结"};

/* tell bits of the item table */
enum { TELL_UNIT = 1u, TELL_OFFICE = 2u };

static const struct xz_fsm_row item_rows[] = {
	{0, "open", "start", XZ_FSM_ANY, "in_progress", "meeting.item.handle", 0, 0, NULL, NULL, 0,
	 TELL_OFFICE, "开始办理"},
	{0, "open in_progress", "done", XZ_FSM_ANY, "done", "meeting.item.handle", 0, F_RESULT,
	 NULL, item_done, 0, TELL_OFFICE, "报告办结"},
	{0, "done", "verify", XZ_FSM_ANY, "verified", "meeting.item.verify", 0, 0, NULL,
	 item_verify, 0, TELL_UNIT, "核验办结"},
	{0, "done", "reopen", XZ_FSM_ANY, "in_progress", "meeting.item.verify", 0, F_REASON, NULL,
	 NULL, 0, TELL_UNIT, "退回重办"},
	{0, "open in_progress done", "supervise", XZ_FSM_ANY, NULL, "meeting.item.supervise", 0,
	 F_NOTE, NULL, item_supervise, 0, TELL_UNIT | TELL_OFFICE, "督办"},
};

const struct xz_fsm xz_meeting_item_fsm = {
	.name = "meeting_item",
	.rows = item_rows,
	.nrows = XZ_ARRAY_LEN(item_rows),
	.states = item_states,
	.state_labels = item_labels,
	.open = "open in_progress done",
	.fields = fields,
	.nfields = XZ_ARRAY_LEN(fields),
};

/* ---- places, loading, people to tell ---- */

#define MEETING_SELECT                                                                        \
	"SELECT m.*, r.name AS township_name, p.name AS chair_name FROM meetings m JOIN regions r " \
	"ON r.id = m.township_id JOIN people p ON p.id = m.chair_person_id "

#define ITEM_SELECT                                                                            \
	"SELECT i.*, u.name AS owner_unit_name, p.name AS owner_person_name, m.title AS "          \
	"meeting_title FROM meeting_items i JOIN units u ON u.id = i.owner_unit_id JOIN meetings " \
	"m ON m.id = i.meeting_id LEFT JOIN people p ON p.id = i.owner_person_id "

static void meeting_place(const json_t *m, struct xz_place *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->county_id = jint(m, "county_id");
	pl->township_id = jint(m, "township_id");
}

static void item_place(const json_t *i, struct xz_place *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->county_id = jint(i, "county_id");
	pl->township_id = jint(i, "township_id");
	pl->unit_id = jint(i, "owner_unit_id");
}

/* may_read_item: the township's roles read every item of their township's
 * meetings; a unit's people read their own unit's items. */
static bool may_read_item(const struct xz_ctx *c, const json_t *item)
{
	struct xz_place pl;
	item_place(item, &pl);
	return !c->user || xz_authz(c->user, "meeting.read", &pl) ||
	       xz_authz(c->user, "meeting.item.handle", &pl);
}

static int load_meeting(struct xz_ctx *c, int64_t id, json_t **m)
{
	struct xz_place pl;
	int rc = xz_db_one(c->db, MEETING_SELECT "WHERE m.id = $1", XZ_ARGS(XZ_INT(id)), m);
	if (rc == 0) {
		meeting_place(*m, &pl);
		if (c->user && !xz_authz(c->user, "meeting.read", &pl)) {
			json_decref(*m);
			*m = NULL;
			rc = XZ_ENOTFOUND;
		}
	}
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "会议不存在", "No such meeting", NULL);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

static int load_item(struct xz_ctx *c, int64_t id, json_t **it)
{
	int rc = xz_db_one(c->db, ITEM_SELECT "WHERE i.id = $1", XZ_ARGS(XZ_INT(id)), it);
	if (rc == 0 && !may_read_item(c, *it)) {
		json_decref(*it);
		*it = NULL;
		rc = XZ_ENOTFOUND;
	}
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "议定事项不存在", "No such decided item",
				   NULL);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

/* tell: the notifier (notify.h) on the meeting's or the item's record: an
 * inbox entry, a live event after commit and the outbound hook, for every
 * account `to` names but the caller's. */
static int tell(struct xz_ctx *c, const char *record_kind, int64_t record_id,
		const struct xz_to *to, size_t nto, const char *kind, const char *title,
		const char *body)
{
	struct xz_note n = {kind, record_kind, record_id, title, body, xz_notify_actor(c)};
	return xz_notify(c->db, c->now, &n, to, nto, NULL);
}

/* tell_unit: the active accounts of a unit's contact (and its staff unless
 * contacts_only). */
static int tell_unit(struct xz_ctx *c, const char *record_kind, int64_t record_id, int64_t unit,
		     bool contacts_only, const char *kind, const char *title, const char *body)
{
	return tell(c, record_kind, record_id,
		    XZ_TOS(XZ_TO(contacts_only ? XZ_TO_UNIT_CONTACT : XZ_TO_UNIT_MEMBERS, unit)), kind,
		    title, body);
}

/* tell_units: the units of rows {unit_id} (borrowed), each account once. */
static int tell_units(struct xz_ctx *c, const char *record_kind, int64_t record_id,
		      const json_t *units, bool contacts_only, const char *kind, const char *title,
		      const char *body)
{
	struct xz_to *to = xz_arena_alloc(c->arena, (json_array_size(units) + 1) * sizeof(*to));
	json_t *u;
	size_t i;
	json_array_foreach(units, i, u)
		to[i] = XZ_TO(contacts_only ? XZ_TO_UNIT_CONTACT : XZ_TO_UNIT_MEMBERS,
			      jint(u, "unit_id"));
	return tell(c, record_kind, record_id, to, json_array_size(units), kind, title, body);
}

/* tell_office: the township's enforcement office. */
static int tell_office(struct xz_ctx *c, const char *record_kind, int64_t record_id,
		       int64_t township, const char *kind, const char *title, const char *body)
{
	return tell(c, record_kind, record_id, XZ_TOS(XZ_TO_OFFICE(township)), kind, title, body);
}

/* tell_person: the accounts of one person (the chair, an invited person). */
static int tell_person(struct xz_ctx *c, const char *record_kind, int64_t record_id,
		       int64_t person, const char *kind, const char *title, const char *body)
{
	return tell(c, record_kind, record_id, XZ_TOS(XZ_TO(XZ_TO_PERSON, person)), kind, title,
		    body);
}

static int history(struct xz_ctx *c, int64_t meeting, int64_t item, const char *action,
		   const char *from, const char *to, const char *note)
{
	return xz_db_exec(c->db,
			  "INSERT INTO meeting_history (meeting_id, item_id, at, user_id, username, "
			  "action, from_state, to_state, note) VALUES ($1, $2, $3, $4, $5, $6, $7, "
			  "$8, $9)",
			  XZ_ARGS(XZ_INT(meeting), XZ_ID(item), XZ_INT(c->now),
				  XZ_ID(c->user ? c->user->id : 0),
				  XZ_TEXT(c->user ? c->user->display_name : "系统"), XZ_TEXT(action),
				  XZ_TEXT(from), XZ_TEXT(to), XZ_TEXT(note)),
			  NULL);
}

static const char *when_cn(struct xz_ctx *c, int64_t t)
{
	char buf[XZ_TIME_CN_LEN];
	return xz_arena_strdup(c->arena, xz_time_cn(t, buf));
}

/* ---- scheduling ---- */

/* ids_of: a JSON array of at most max positive integers (NULL is empty). */
static int ids_of(struct xz_ctx *c, const json_t *arr, size_t max, const char *field)
{
	json_t *v;
	size_t i;
	if (!arr || json_is_null(arr))
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > max)
		goto bad;
	json_array_foreach(arr, i, v) if (!json_is_integer(v) || json_integer_value(v) <= 0) goto bad;
	return 0;
bad:
	return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
			   xz_arena_printf(c->arena, "%s须为编号数组（至多%zu项）", field, max),
			   xz_arena_printf(c->arena, "%s must be an array of at most %zu ids", field,
					   max),
			   field);
}

/* link: record that an agenda entry or item concerns a record of the
 * township; the record must exist there. */
static int link(struct xz_ctx *c, int64_t meeting, int64_t agenda, int64_t item, int64_t town,
		const char *kind, const json_t *ids, const char *field)
{
	static const struct {
		const char *kind, *sql;
	} where[] = {
		{"problem", "SELECT COUNT(*) FROM problems WHERE id = $1 AND township_id = $2"},
		{"joint_action", "SELECT COUNT(*) FROM joint_actions WHERE id = $1 AND (township_id = $2 "
				 "OR township_id IS NULL)"},
		{"bulletin", NULL}, /* bulletins are checked by their own module when it exists */
	};
	json_t *v;
	size_t i, k;
	int rc;
	if ((rc = ids_of(c, ids, MAX_LINKS, field)) < 0)
		return rc;
	for (k = 0; k < XZ_ARRAY_LEN(where) && strcmp(where[k].kind, kind); k++)
		;
	json_array_foreach(ids, i, v) {
		int64_t n = 1, ref = json_integer_value(v);
		if (where[k].sql &&
		    (rc = xz_db_int(c->db, where[k].sql, XZ_ARGS(XZ_INT(ref), XZ_INT(town)), &n)) < 0)
			return xz_ctx_fail_db(c, rc);
		if (!n)
			return xz_ctx_fail(c, XZ_ERULE, "invalid_link",
					   xz_arena_printf(c->arena, "关联的记录 #%lld 不存在或不属本乡镇",
							   (long long)ref),
					   xz_arena_printf(c->arena,
							   "Linked record %lld is not in this township",
							   (long long)ref),
					   field);
		if ((rc = xz_db_exec(c->db,
				     "INSERT INTO meeting_links (meeting_id, agenda_id, item_id, kind, "
				     "ref_id) VALUES ($1, $2, $3, $4, $5)",
				     XZ_ARGS(XZ_INT(meeting), XZ_ID(agenda), XZ_ID(item), XZ_TEXT(kind),
					     XZ_INT(ref)),
				     NULL)) < 0)
			return xz_ctx_fail_db(c, rc);
	}
	return 0;
}

static int add_agenda(struct xz_ctx *c, int64_t id, int64_t town, json_t *agenda)
{
	static const struct {
		const char *key, *kind;
	} links[] = {{"problem_ids", "problem"},
		     {"joint_action_ids", "joint_action"},
		     {"bulletin_ids", "bulletin"}};
	json_t *e;
	size_t i, k;
	int rc;
	if (!agenda || json_is_null(agenda))
		return 0;
	if (!json_is_array(agenda) || json_array_size(agenda) > MAX_AGENDA)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "议程须为数组（至多50项）",
				   "agenda must be an array of at most 50 entries", "agenda");
	json_array_foreach(agenda, i, e) {
		const char *title = jstr(e, "title"), *note = jstr(e, "note"), *key;
		json_t *v;
		int64_t aid;
		if (!json_is_object(e) || blank(title) || strlen(title) > XZ_MAX_NAME ||
		    (note && strlen(note) > XZ_MAX_TEXT))
			return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
					   "每个议程须有标题（至多200字节）",
					   "Each agenda entry needs a title (at most 200 bytes)",
					   "agenda");
		json_object_foreach(e, key, v) {
			bool known = !strcmp(key, "title") || !strcmp(key, "note");
			for (k = 0; k < XZ_ARRAY_LEN(links); k++)
				known = known || !strcmp(key, links[k].key);
			if (!known)
				return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
						   xz_arena_printf(c->arena, "议程中有未知字段%s", key),
						   xz_arena_printf(c->arena,
								   "Unknown field %s in agenda", key),
						   "agenda");
		}
		if ((rc = xz_db_int(c->db,
				    "INSERT INTO meeting_agenda (meeting_id, seq, title, note) VALUES "
				    "($1, $2, $3, $4) RETURNING id",
				    XZ_ARGS(XZ_INT(id), XZ_INT((int64_t)i + 1), XZ_TEXT(title),
					    XZ_TEXT(note ? note : "")),
				    &aid)) < 0)
			return xz_ctx_fail_db(c, rc);
		for (k = 0; k < XZ_ARRAY_LEN(links); k++)
			if ((rc = link(c, id, aid, 0, town, links[k].kind,
				       json_object_get(e, links[k].key), "agenda")) < 0)
				return rc;
	}
	return 0;
}

/* invite: the invited units and people, told together with the chair
 * (each account once). */
static int invite(struct xz_ctx *c, int64_t id, int64_t town, json_t *units, json_t *people,
		  int64_t chair, const char *title, const char *body)
{
	json_t *rows = NULL, *v;
	struct xz_to *to;
	size_t i, nto = 0;
	int rc;
	if ((rc = ids_of(c, units, MAX_INVITED, "invited_unit_ids")) < 0 ||
	    (rc = ids_of(c, people, MAX_INVITED, "invited_person_ids")) < 0)
		return rc;
	if (!units || json_is_null(units)) {
		/* by default every dispatched unit stationed in the township */
		if ((rc = xz_db_query(c->db, "SELECT id FROM units WHERE township_id = $1 ORDER BY id",
				      XZ_ARGS(XZ_INT(town)), &rows)) < 0)
			return xz_ctx_fail_db(c, rc);
		units = rows;
	}
	to = xz_arena_alloc(c->arena,
			    (json_array_size(units) + json_array_size(people) + 1) * sizeof(*to));
	to[nto++] = XZ_TO(XZ_TO_PERSON, chair);
	json_array_foreach(units, i, v) {
		int64_t unit = json_is_integer(v) ? json_integer_value(v) : jint(v, "id"), n = 0;
		if ((rc = xz_db_int(c->db, "SELECT COUNT(*) FROM units WHERE id = $1 AND township_id = $2",
				    XZ_ARGS(XZ_INT(unit), XZ_INT(town)), &n)) < 0)
			goto dbfail;
		if (!n) {
			rc = xz_ctx_fail(c, XZ_ERULE, "invalid_unit", "受邀单位须为本乡镇的派驻机构",
					 "Invited units must be stationed in the township",
					 "invited_unit_ids");
			goto out;
		}
		rc = xz_db_exec(c->db,
				"INSERT INTO meeting_invitees (meeting_id, unit_id) VALUES ($1, $2) "
				"ON CONFLICT DO NOTHING",
				XZ_ARGS(XZ_INT(id), XZ_INT(unit)), NULL);
		if (rc < 0)
			goto dbfail;
		to[nto++] = XZ_TO(XZ_TO_UNIT_CONTACT, unit);
	}
	json_array_foreach(people, i, v) {
		int64_t person = json_integer_value(v), n = 0;
		if ((rc = xz_db_int(c->db,
				    "SELECT COUNT(*) FROM people p LEFT JOIN units u ON u.id = p.unit_id "
				    "WHERE p.id = $1 AND (p.township_id = $2 OR u.township_id = $2)",
				    XZ_ARGS(XZ_INT(person), XZ_INT(town)), &n)) < 0)
			goto dbfail;
		if (!n) {
			rc = xz_ctx_fail(c, XZ_ERULE, "invalid_person", "受邀人员须为本乡镇的人员",
					 "Invited people must belong to the township",
					 "invited_person_ids");
			goto out;
		}
		if ((rc = xz_db_exec(c->db,
				     "INSERT INTO meeting_invitees (meeting_id, person_id) VALUES ($1, "
				     "$2)",
				     XZ_ARGS(XZ_INT(id), XZ_INT(person)), NULL)) < 0)
			goto dbfail;
		to[nto++] = XZ_TO(XZ_TO_PERSON, person);
	}
	if ((rc = tell(c, "meeting", id, to, nto, "meeting", title, body)) < 0)
		goto dbfail;
	rc = 0;
	goto out;
dbfail:
	rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(rows);
	return rc;
}

int xz_meeting_create(struct xz_ctx *c, const struct xz_meeting_in *in, int64_t *id)
{
	json_t *town = NULL;
	struct xz_place pl = {0};
	int64_t n = 0;
	const char *title, *body;
	int rc;

	*id = 0;
	if (!in->kind || (strcmp(in->kind, "regular") && strcmp(in->kind, "special")))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "kind须为regular（例会）或special（专题会）",
				   "kind must be regular or special", "kind");
	if (blank(in->title) || strlen(in->title) > XZ_MAX_NAME)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "会议名称不能为空（至多200字节）",
				   "title is required (at most 200 bytes)", "title");
	if (in->place && strlen(in->place) > XZ_MAX_NAME)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "地点过长（至多200字节）",
				   "place is too long (at most 200 bytes)", "place");
	rc = xz_db_one(c->db, "SELECT id, county_id, name FROM regions WHERE id = $1 AND level = "
			      "'township'",
		       XZ_ARGS(XZ_INT(in->township_id)), &town);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_township", "乡镇（街道）不存在",
				   "No such township", "township_id");
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	pl.county_id = jint(town, "county_id");
	pl.township_id = in->township_id;
	if (c->user && !xz_authz(c->user, "meeting.write", &pl)) {
		rc = xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden",
				 "只有本乡镇的执法办公室和领导小组可以安排联席会议",
				 "Only the township's office and leadership group schedule meetings",
				 NULL);
		goto out;
	}
	if (in->starts_at <= c->now) {
		rc = xz_ctx_fail(c, XZ_ERULE, "starts_in_past", "会议时间须晚于当前时间",
				 "A meeting cannot be scheduled in the past", "starts_at");
		goto out;
	}
	if (in->ends_at && in->ends_at <= in->starts_at) {
		rc = xz_ctx_fail(c, XZ_ERULE, "invalid_period", "结束时间须晚于开始时间",
				 "ends_at must be after starts_at", "ends_at");
		goto out;
	}
	/* the chair is the group leader or a deputy of this township (§4.3.2) */
	if ((rc = xz_db_int(c->db,
			    "SELECT COUNT(*) FROM leadership WHERE township_id = $1 AND person_id = $2 "
			    "AND position IN ('leader','deputy')",
			    XZ_ARGS(XZ_INT(in->township_id), XZ_INT(in->chair_person_id)), &n)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	if (!n) {
		rc = xz_ctx_fail(c, XZ_ERULE, "chair_not_leader",
				 "主持人须为本乡镇领导小组的组长或副组长",
				 "The chair must be the township's group leader or a deputy",
				 "chair_person_id");
		goto out;
	}
	if ((rc = xz_db_int(c->db,
			    "INSERT INTO meetings (county_id, township_id, kind, title, starts_at, "
			    "ends_at, place, chair_person_id, state, created_by, created_at, "
			    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'scheduled', $9, $10, "
			    "$10) RETURNING id",
			    XZ_ARGS(XZ_INT(pl.county_id), XZ_INT(in->township_id), XZ_TEXT(in->kind),
				    XZ_TEXT(in->title), XZ_INT(in->starts_at), XZ_ID(in->ends_at),
				    XZ_TEXT(in->place ? in->place : ""), XZ_INT(in->chair_person_id),
				    XZ_ID(c->user ? c->user->id : 0), XZ_INT(c->now)),
			    id)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	title = xz_arena_printf(c->arena, "联席会议通知：%s", in->title);
	body = xz_arena_printf(c->arena, "%s在%s召开%s，请安排参会并在平台回复。",
			       when_cn(c, in->starts_at), in->place && *in->place ? in->place : "（地点另行通知）",
			       in->title);
	if ((rc = add_agenda(c, *id, in->township_id, in->agenda)) < 0 ||
	    (rc = invite(c, *id, in->township_id, in->invited_unit_ids, in->invited_person_ids,
			 in->chair_person_id, title, body)) < 0)
		goto out;
	if ((rc = history(c, *id, 0, "create", NULL, "scheduled", in->title)) < 0 ||
	    (rc = xz_ctx_audit_new(c, "meeting.create", "meeting", *id, NULL,
				   json_pack("{s:s,s:s,s:I,s:I}", "kind", in->kind, "title", in->title,
					     "starts_at", (json_int_t)in->starts_at, "chair_person_id",
					     (json_int_t)in->chair_person_id))) < 0)
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(town);
	return rc;
}

/* ---- invitations and attendance ---- */

static int invitee_of(struct xz_ctx *c, int64_t meeting, int64_t unit, json_t **row)
{
	int rc = xz_db_one(c->db, "SELECT * FROM meeting_invitees WHERE meeting_id = $1 AND unit_id = $2",
			   XZ_ARGS(XZ_INT(meeting), XZ_INT(unit)), row);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, XZ_ERULE, "not_invited", "该单位未受邀参加本次会议",
				   "The unit is not invited to this meeting", "unit_id");
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz_meeting_answer(struct xz_ctx *c, int64_t id, int64_t unit_id, const char *answer,
		      const char *reason, const char *substitute)
{
	json_t *m = NULL, *inv = NULL;
	struct xz_place pl;
	int rc;
	if (!answer || (strcmp(answer, "attend") && strcmp(answer, "absent") &&
			strcmp(answer, "substitute")))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "answer须为attend、absent或substitute",
				   "answer must be attend, absent or substitute", "answer");
	if (!strcmp(answer, "absent") && blank(reason))
		return xz_ctx_fail(c, XZ_ERULE, "reason_required", "请假须说明理由",
				   "An absence needs a reason", "reason");
	if (!strcmp(answer, "substitute") && blank(substitute))
		return xz_ctx_fail(c, XZ_ERULE, "substitute_required", "须填写代为参会人员",
				   "Name the substitute", "substitute_name");
	if ((reason && strlen(reason) > XZ_MAX_TEXT) ||
	    (substitute && strlen(substitute) > XZ_MAX_NAME))
		return xz_ctx_fail(c, XZ_EMALFORMED, "too_long", "文字过长", "Text too long", NULL);
	if ((rc = load_meeting(c, id, &m)) < 0)
		return rc;
	if (!unit_id && c->user)
		unit_id = c->user->unit_id;
	meeting_place(m, &pl);
	pl.unit_id = unit_id;
	if (c->user && !xz_authz(c->user, "meeting.answer", &pl)) {
		rc = xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "只能为本单位答复会议通知",
				 "You answer for your own unit only", "unit_id");
		goto out;
	}
	if (strcmp(jstr(m, "state"), "scheduled")) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "invalid_transition", "会议已开始或已取消，不能再答复",
				 "The meeting has started or was cancelled", NULL);
		goto out;
	}
	if ((rc = invitee_of(c, id, unit_id, &inv)) < 0)
		goto out;
	if ((rc = xz_db_exec(c->db,
			     "UPDATE meeting_invitees SET answer = $2, reason = $3, substitute_name = "
			     "$4, answered_at = $5, answered_by = $6 WHERE id = $1",
			     XZ_ARGS(XZ_INT(jint(inv, "id")), XZ_TEXT(answer), XZ_TEXT(reason),
				     XZ_TEXT(substitute), XZ_INT(c->now),
				     XZ_ID(c->user ? c->user->id : 0)),
			     NULL)) < 0 ||
	    (rc = history(c, id, 0, "answer", NULL, NULL,
			  xz_arena_printf(c->arena, "单位 #%lld：%s%s%s", (long long)unit_id, answer,
					  reason ? "，" : "", reason ? reason : ""))) < 0 ||
	    (rc = tell_office(c, "meeting", id, jint(m, "township_id"), "meeting_answer",
			      xz_arena_printf(c->arena, "会议回执：%s", jstr(m, "title")),
			      answer)) < 0 ||
	    (rc = xz_ctx_audit_new(c, "meeting.answer", "meeting", id,
				   json_pack("{s:s?}", "answer", jstr(inv, "answer")),
				   json_pack("{s:s,s:I}", "answer", answer, "unit_id",
					     (json_int_t)unit_id))) < 0)
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(inv);
	json_decref(m);
	return rc;
}

/* attendance_open: attendance is taken on the meeting's day, during it and
 * right after it (before the minutes go up). */
static int attendance_open(struct xz_ctx *c, const json_t *m)
{
	const char *s = jstr(m, "state");
	if (!strcmp(s, "in_session") || !strcmp(s, "held") ||
	    (!strcmp(s, "scheduled") && xz_day_of(c->now) == xz_day_of(jint(m, "starts_at"))))
		return 0;
	return xz_ctx_fail(c, XZ_ECONFLICT, "invalid_transition",
			   "只能在会议当天、会中或会后记录考勤",
			   "Attendance is taken on the meeting's day, during it or just after it",
			   NULL);
}

static int set_attendance(struct xz_ctx *c, const json_t *m, int64_t unit, const char *status,
			  const char *note, const char *substitute, bool signin)
{
	json_t *inv = NULL;
	int64_t id = jint(m, "id");
	int rc;
	if ((rc = invitee_of(c, id, unit, &inv)) < 0)
		return rc;
	if (signin && jint(inv, "signed_in_at")) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "already_signed_in", "本单位已签到",
				 "Your unit has signed in already", NULL);
		goto out;
	}
	if ((rc = xz_db_exec(c->db,
			     "UPDATE meeting_invitees SET attendance = $2, attendance_note = $3, "
			     "substitute_name = COALESCE($4, substitute_name), signed_in_at = CASE "
			     "WHEN $5 = 1 THEN $6 ELSE signed_in_at END, recorded_by = $7 WHERE id = $1",
			     XZ_ARGS(XZ_INT(jint(inv, "id")), XZ_TEXT(status), XZ_TEXT(note),
				     XZ_TEXT(substitute), XZ_INT(signin), XZ_INT(c->now),
				     XZ_ID(c->user ? c->user->id : 0)),
			     NULL)) < 0 ||
	    (rc = history(c, id, 0, signin ? "signin" : "attendance", NULL, NULL,
			  xz_arena_printf(c->arena, "单位 #%lld：%s", (long long)unit, status))) < 0 ||
	    (rc = xz_ctx_audit_new(c, signin ? "meeting.signin" : "meeting.attendance", "meeting",
				   id, json_pack("{s:s?}", "attendance", jstr(inv, "attendance")),
				   json_pack("{s:s,s:I}", "attendance", status, "unit_id",
					     (json_int_t)unit))) < 0)
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(inv);
	return rc;
}

int xz_meeting_attendance(struct xz_ctx *c, int64_t id, int64_t unit_id, const char *status,
			  const char *note, const char *substitute)
{
	json_t *m = NULL;
	struct xz_place pl;
	int rc;
	if (!status || (strcmp(status, "present") && strcmp(status, "late") &&
			strcmp(status, "absent") && strcmp(status, "substitute")))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   "status须为present、late、absent或substitute",
				   "status must be present, late, absent or substitute", "status");
	if (unit_id <= 0)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "须指明单位unit_id",
				   "unit_id is required", "unit_id");
	if (!strcmp(status, "substitute") && blank(substitute))
		return xz_ctx_fail(c, XZ_ERULE, "substitute_required", "须填写代为参会人员",
				   "Name the substitute", "substitute_name");
	if ((note && strlen(note) > XZ_MAX_TEXT) || (substitute && strlen(substitute) > XZ_MAX_NAME))
		return xz_ctx_fail(c, XZ_EMALFORMED, "too_long", "文字过长", "Text too long", NULL);
	if ((rc = load_meeting(c, id, &m)) < 0)
		return rc;
	meeting_place(m, &pl);
	if (c->user && !xz_authz(c->user, "meeting.office", &pl))
		rc = xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "只有执法办公室记录考勤",
				 "Only the office records attendance", NULL);
	else if ((rc = attendance_open(c, m)) == 0)
		rc = set_attendance(c, m, unit_id, status, note, substitute, false);
	json_decref(m);
	return rc;
}

int xz_meeting_signin(struct xz_ctx *c, int64_t id)
{
	json_t *m = NULL;
	struct xz_place pl;
	int rc;
	if ((rc = load_meeting(c, id, &m)) < 0)
		return rc;
	meeting_place(m, &pl);
	pl.unit_id = c->user ? c->user->unit_id : 0;
	if (!c->user || !c->user->unit_id || !xz_authz(c->user, "meeting.answer", &pl))
		rc = xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "只有受邀单位的人员可以签到",
				 "Only people of an invited unit sign in", NULL);
	else if ((rc = attendance_open(c, m)) == 0)
		rc = set_attendance(c, m, c->user->unit_id,
				    c->now > jint(m, "starts_at") + 5 * 60 ? "late" : "present",
				    c->user->display_name, NULL, true);
	json_decref(m);
	return rc;
}

/* ---- the status report (R6.2): computed from the records, frozen ---- */

/* The problem states still in the loop. */
#define PROBLEM_OPEN_SQL xz_fsm_open_sql(&xz_problem_fsm)

static json_t *iso(int64_t t)
{
	char buf[XZ_TIME_LEN];
	return t ? json_string(xz_time_format(t, buf)) : json_null();
}

static json_t *rate(int64_t num, int64_t den)
{
	return den > 0 ? json_real((double)(num * 1000 / den) / 10.0) : json_null();
}

static const char *mech_label(const char *m)
{
	return !strcmp(m, "routine") ? "常规启动" : !strcmp(m, "special") ? "专项启动" : "应急启动";
}

static int report_joint(struct xz_ctx *c, int64_t town, int64_t from, int64_t to, json_t *out)
{
	static const char *const mechs[] = {"routine", "special", "emergency"};
	json_t *rows = NULL, *row, *by = json_array(), *e;
	int64_t total = 0;
	size_t i, k;
	int rc = xz_db_query(c->db,
			     "SELECT mechanism, state, COUNT(*) AS n FROM joint_actions WHERE "
			     "township_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY "
			     "mechanism, state ORDER BY mechanism, state",
			     XZ_ARGS(XZ_INT(town), XZ_INT(from), XZ_INT(to)), &rows);
	for (k = 0; rc == 0 && k < XZ_ARRAY_LEN(mechs); k++) {
		json_t *states = json_object();
		int64_t n = 0;
		json_array_foreach(rows, i, row) {
			if (strcmp(jstr(row, "mechanism"), mechs[k]))
				continue;
			json_object_set_new(states, jstr(row, "state"), json_integer(jint(row, "n")));
			n += jint(row, "n");
		}
		total += n;
		e = json_pack("{s:s,s:s,s:I,s:o}", "mechanism", mechs[k], "label", mech_label(mechs[k]),
			      "total", (json_int_t)n, "states", states);
		json_array_append_new(by, e);
	}
	json_object_set_new(out, "joint_actions",
			    json_pack("{s:I,s:o}", "total", (json_int_t)total, "by_mechanism", by));
	json_decref(rows);
	return rc;
}

static int report_units(struct xz_ctx *c, int64_t town, int64_t from, int64_t to, json_t *out)
{
	json_t *rows = NULL;
	const char *sql = xz_arena_printf(
		c->arena,
		"SELECT u.id AS unit_id, u.name AS unit_name, "
		"(SELECT COUNT(*) FROM problems p WHERE p.unit_id = u.id AND p.created_at >= $2 AND "
		"p.created_at < $3) AS assigned, "
		"(SELECT COUNT(*) FROM problems p WHERE p.unit_id = u.id AND p.closed_at >= $2 AND "
		"p.closed_at < $3) AS closed, "
		"(SELECT COUNT(*) FROM problems p WHERE p.unit_id = u.id AND p.state IN (%s)) AS "
		"open, "
		"(SELECT COUNT(*) FROM problems p WHERE p.unit_id = u.id AND p.state IN (%s) AND "
		"p.due_at < $4) AS overdue, "
		"(SELECT COUNT(*) FROM problems p WHERE p.unit_id = u.id AND p.rework_count > 0 AND "
		"p.updated_at >= $2 AND p.updated_at < $3) AS rework "
		"FROM units u WHERE u.township_id = $1 ORDER BY u.id",
		PROBLEM_OPEN_SQL, PROBLEM_OPEN_SQL);
	int rc = xz_db_query(c->db, sql,
			     XZ_ARGS(XZ_INT(town), XZ_INT(from), XZ_INT(to), XZ_INT(c->now)), &rows);
	if (rc == 0)
		json_object_set(out, "units", rows);
	json_decref(rows);
	return rc;
}

static int report_notices(struct xz_ctx *c, int64_t town, int64_t from, int64_t to, json_t *out)
{
	json_t *n = NULL, *s = NULL;
	int rc = xz_db_one(c->db,
			   "SELECT COUNT(*) AS issued, COALESCE(SUM(CASE WHEN answered_at IS NOT NULL "
			   "AND answered_at <= due_at THEN 1 ELSE 0 END), 0) AS same_day, "
			   "COALESCE(SUM(CASE WHEN answered_at > due_at OR (answered_at IS NULL AND "
			   "due_at < $4) THEN 1 ELSE 0 END), 0) AS late, COALESCE(SUM(CASE WHEN "
			   "answered_at IS NULL THEN 1 ELSE 0 END), 0) AS unanswered FROM "
			   "joint_notices WHERE township_id = $1 AND issued_at >= $2 AND issued_at < $3",
			   XZ_ARGS(XZ_INT(town), XZ_INT(from), XZ_INT(to), XZ_INT(c->now)), &n);
	if (rc == 0)
		rc = xz_db_one(c->db,
			       "SELECT COUNT(*) AS received, COALESCE(SUM(CASE WHEN forwarded_at IS "
			       "NOT NULL THEN 1 ELSE 0 END), 0) AS forwarded, COALESCE(SUM(CASE WHEN "
			       "forwarded_at IS NOT NULL AND forward_late = 0 THEN 1 ELSE 0 END), 0) "
			       "AS forwarded_in_time FROM joint_actions WHERE township_id = $1 AND "
			       "mechanism = 'special' AND received_at >= $2 AND received_at < $3",
			       XZ_ARGS(XZ_INT(town), XZ_INT(from), XZ_INT(to)), &s);
	if (rc == 0) {
		json_object_set_new(n, "same_day_rate", rate(jint(n, "same_day"), jint(n, "issued")));
		json_object_set_new(s, "in_time_rate",
				    rate(jint(s, "forwarded_in_time"), jint(s, "received")));
		json_object_set(out, "notices", n);
		json_object_set(out, "special_applications", s);
	}
	json_decref(n);
	json_decref(s);
	return rc;
}

static int report_open(struct xz_ctx *c, int64_t id, int64_t town, json_t *out)
{
	json_t *esc = NULL, *items = NULL, *row;
	int64_t overdue = 0;
	size_t i;
	int rc = xz_db_query(c->db,
			     "SELECT id, category, description, created_at, updated_at FROM problems "
			     "WHERE township_id = $1 AND state = 'escalated' ORDER BY id LIMIT 100",
			     XZ_ARGS(XZ_INT(town)), &esc);
	if (rc == 0)
		rc = xz_db_query(
			c->db,
			xz_arena_printf(c->arena,
					ITEM_SELECT "WHERE i.township_id = $1 AND i.meeting_id <> $2 "
						    "AND i.state IN (%s) ORDER BY i.due_at, i.id LIMIT 200",
					xz_fsm_open_sql(&xz_meeting_item_fsm)),
			XZ_ARGS(XZ_INT(town), XZ_INT(id)), &items);
	if (rc < 0)
		goto out;
	json_array_foreach(esc, i, row) {
		json_object_set_new(row, "created_at", iso(jint(row, "created_at")));
		json_object_set_new(row, "updated_at", iso(jint(row, "updated_at")));
	}
	json_array_foreach(items, i, row) {
		const char *light = xz_problem_light(jint(row, "due_at"), jint(row, "warn_at"), c->now);
		overdue += !strcmp(light, "red");
		json_t *e = json_pack("{s:I,s:s,s:I,s:s,s:s,s:s,s:o,s:s,s:s}", "id",
				      (json_int_t)jint(row, "id"), "title", jstr(row, "title"),
				      "meeting_id", (json_int_t)jint(row, "meeting_id"),
				      "meeting_title", jstr(row, "meeting_title"), "owner_unit_name",
				      jstr(row, "owner_unit_name"), "state", jstr(row, "state"),
				      "due_at", iso(jint(row, "due_at")), "light", light,
				      "state_label",
				      xz_fsm_state_label(&xz_meeting_item_fsm, jstr(row, "state")));
		json_array_set_new(items, i, e);
	}
	json_object_set_new(out, "escalations_open",
			    json_pack("{s:I,s:O}", "count", (json_int_t)json_array_size(esc), "items",
				      esc));
	json_object_set_new(out, "open_items",
			    json_pack("{s:I,s:I,s:O}", "count", (json_int_t)json_array_size(items),
				      "overdue", (json_int_t)overdue, "items", items));
out:
	json_decref(esc);
	json_decref(items);
	return rc;
}

/* report_period: since the previous meeting of the township (its start),
 * else the 30 days before; up to now. */
static int report_period(struct xz_ctx *c, const json_t *m, int64_t *from, int64_t *to)
{
	int64_t prev = 0;
	int rc = xz_db_int(c->db,
			   "SELECT COALESCE(MAX(starts_at), 0) FROM meetings WHERE township_id = $1 AND "
			   "id <> $2 AND starts_at < $3 AND state <> 'cancelled'",
			   XZ_ARGS(XZ_INT(jint(m, "township_id")), XZ_INT(jint(m, "id")),
				   XZ_INT(jint(m, "starts_at"))),
			   &prev);
	*to = c->now;
	*from = prev > 0 && prev < *to ? prev : *to - 30 * 86400;
	return rc;
}

static int freeze_report(struct xz_ctx *c, const json_t *m, int64_t from, int64_t to)
{
	json_t *rep = json_object();
	int64_t town = jint(m, "township_id");
	char *text = NULL;
	int rc;
	if (!from && !to && (rc = report_period(c, m, &from, &to)) < 0)
		goto out;
	json_object_set_new(rep, "period", json_pack("{s:o,s:o}", "from", iso(from), "to", iso(to)));
	json_object_set_new(rep, "generated_at", iso(c->now));
	if ((rc = report_joint(c, town, from, to, rep)) < 0 ||
	    (rc = report_units(c, town, from, to, rep)) < 0 ||
	    (rc = report_notices(c, town, from, to, rep)) < 0 ||
	    (rc = report_open(c, jint(m, "id"), town, rep)) < 0)
		goto out;
	text = json_dumps(rep, JSON_COMPACT);
	rc = xz_db_exec(c->db,
			"UPDATE meetings SET report_json = $2, report_at = $3, period_from = $4, "
			"period_to = $5, updated_at = $3, version = version + 1 WHERE id = $1",
			XZ_ARGS(XZ_INT(jint(m, "id")), XZ_TEXT(text), XZ_INT(c->now), XZ_INT(from),
				XZ_INT(to)),
			NULL);
	if (rc == 0)
		rc = history(c, jint(m, "id"), 0, "report", NULL, NULL, "生成会议情况报告");
out:
	free(text);
	json_decref(rep);
	return rc < 0 && !c->err_code ? xz_ctx_fail_db(c, rc) : rc;
}

int xz_meeting_report(struct xz_ctx *c, int64_t id, int64_t from, int64_t to)
{
	json_t *m = NULL;
	struct xz_place pl;
	int rc;
	if ((from || to) && (from <= 0 || to <= from || to - from > 5 * 366 * 86400LL))
		return xz_ctx_fail(c, XZ_ERULE, "invalid_period",
				   "统计期间无效（起止须有序，至多5年）",
				   "Invalid period (from before to, at most 5 years)", "from");
	if ((rc = load_meeting(c, id, &m)) < 0)
		return rc;
	meeting_place(m, &pl);
	if (c->user && !xz_authz(c->user, "meeting.write", &pl))
		rc = xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权生成会议情况报告", "Not allowed",
				 NULL);
	else if (!xz_fsm_in("scheduled in_session held", jstr(m, "state")))
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "report_frozen",
				 "纪要已提交，会议情况报告不能再更新",
				 "The minutes are submitted: the report is frozen", NULL);
	else if ((rc = freeze_report(c, m, from, to)) == 0)
		rc = xz_ctx_audit_new(c, "meeting.report", "meeting", id, NULL,
				      json_pack("{s:I,s:I}", "from", (json_int_t)from, "to",
						(json_int_t)to));
	json_decref(m);
	return rc;
}

/* ---- minutes and the meeting's life cycle ---- */

int xz_meeting_minutes(struct xz_ctx *c, int64_t id, int64_t version, const char *text)
{
	json_t *m = NULL;
	struct xz_place pl;
	int64_t changed = 0;
	int rc;
	if (!text || strlen(text) > XZ_MAX_DOC_BODY / 2)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "纪要正文须为文字（至多128KB）",
				   "minutes must be text of at most 128 KB", "minutes");
	if ((rc = load_meeting(c, id, &m)) < 0)
		return rc;
	meeting_place(m, &pl);
	if (c->user && !xz_authz(c->user, "meeting.office", &pl)) {
		rc = xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "只有执法办公室起草会议纪要",
				 "Only the office drafts the minutes", NULL);
		goto out;
	}
	if (!xz_fsm_in("in_session held", jstr(m, "state"))) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "minutes_locked",
				 !strcmp(jstr(m, "state"), "scheduled")
					 ? "会议尚未召开，不能起草纪要"
					 : "纪要已提交审定或已印发，不能再修改",
				 "The minutes can be edited only during or after the meeting, before "
				 "they are submitted",
				 "minutes");
		goto out;
	}
	if (version && version != jint(m, "version")) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "会议已被他人更新，请刷新",
				 "Changed by someone else", "version");
		goto out;
	}
	if ((rc = xz_db_exec(c->db,
			     "UPDATE meetings SET minutes = $2, version = version + 1, updated_at = $3 "
			     "WHERE id = $1 AND version = $4",
			     XZ_ARGS(XZ_INT(id), XZ_TEXT(text), XZ_INT(c->now),
				     XZ_INT(jint(m, "version"))),
			     &changed)) < 0 ||
	    (rc = xz_ctx_audit_new(c, "meeting.minutes", "meeting", id, NULL,
				   json_pack("{s:I}", "length", (json_int_t)strlen(text)))) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	if (!changed)
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "会议已被他人更新，请刷新",
				 "Changed by someone else", "version");
out:
	json_decref(m);
	return rc;
}

static int meeting_start(struct xz_fsm_run *run)
{
	/* the report is frozen when the meeting opens, unless the office made it */
	if (jint(run->record, "report_at"))
		return 0;
	return freeze_report(run->c, run->record, 0, 0);
}

static int meeting_finish(struct xz_fsm_run *run)
{
	/* units that neither signed in nor were recorded were absent */
	int rc = xz_db_exec(run->c->db,
			    "UPDATE meeting_invitees SET attendance = 'absent', attendance_note = "
			    "COALESCE(reason, '未到会') WHERE meeting_id = $1 AND attendance IS NULL "
			    "AND unit_id IS NOT NULL",
			    XZ_ARGS(XZ_INT(jint(run->record, "id"))), NULL);
	if (rc == 0)
		rc = xz_db_exec(run->c->db, "UPDATE meetings SET ends_at = $2 WHERE id = $1",
				XZ_ARGS(XZ_INT(jint(run->record, "id")), XZ_INT(run->c->now)), NULL);
	return rc;
}

static int minutes_guard(struct xz_fsm_run *run)
{
	if (blank(jstr(run->record, "minutes")))
		return xz_ctx_fail(run->c, XZ_ERULE, "minutes_required", "请先起草会议纪要",
				   "Draft the minutes first", "minutes");
	return 0;
}

static int minutes_approve(struct xz_fsm_run *run)
{
	return xz_db_exec(run->c->db,
			  "UPDATE meetings SET minutes_approved_at = $2, minutes_approved_by = $3 "
			  "WHERE id = $1",
			  XZ_ARGS(XZ_INT(jint(run->record, "id")), XZ_INT(run->c->now),
				  XZ_ID(run->c->user ? run->c->user->id : 0)),
			  NULL);
}

/* minutes_publish: number the minutes within the township's year and send
 * them to the units that attended (and everyone owning a decided item). */
static int minutes_publish(struct xz_fsm_run *run)
{
	struct xz_ctx *c = run->c;
	json_t *units = NULL;
	int64_t id = jint(run->record, "id"), town = jint(run->record, "township_id"), seq = 0;
	int y, mo, d, rc;
	xz_civil_from_days(xz_day_of(c->now), &y, &mo, &d);
	if ((rc = xz_db_int(c->db,
			    "SELECT COALESCE(MAX(minutes_seq), 0) FROM meetings WHERE township_id = $1 "
			    "AND minutes_year = $2",
			    XZ_ARGS(XZ_INT(town), XZ_INT(y)), &seq)) < 0 ||
	    (rc = xz_db_exec(c->db,
			     "UPDATE meetings SET minutes_year = $2, minutes_seq = $3, "
			     "minutes_published_at = $4 WHERE id = $1",
			     XZ_ARGS(XZ_INT(id), XZ_INT(y), XZ_INT(seq + 1), XZ_INT(c->now)), NULL)) < 0)
		return rc;
	if ((rc = xz_db_query(c->db,
			      "SELECT unit_id FROM meeting_invitees WHERE meeting_id = $1 AND unit_id IS "
			      "NOT NULL AND attendance IN ('present','late','substitute') UNION SELECT "
			      "owner_unit_id FROM meeting_items WHERE meeting_id = $1",
			      XZ_ARGS(XZ_INT(id)), &units)) < 0)
		return rc;
	rc = tell_units(c, "meeting", id, units, false, "minutes",
			xz_arena_printf(c->arena, "%s综合执法联席会议纪要〔%d〕第%lld期",
					jstr(run->record, "township_name"), y, (long long)seq + 1),
			jstr(run->record, "title"));
	json_decref(units);
	return rc;
}

/* who_of: the caller's relation to the meeting (the chair). */
static unsigned who_of(const struct xz_ctx *c, const json_t *m)
{
	return c->user && xz_authz_is_person(c->user, jint(m, "chair_person_id")) ? CHAIR : 0;
}

int xz_meeting_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in)
{
	json_t *m = NULL;
	struct xz_place pl;
	struct xz_fsm_subject s = {0};
	struct xz_fsm_run run = {0};
	const char *from, *to, *note;
	int64_t changed = 0;
	int rc;
	if ((rc = load_meeting(c, id, &m)) < 0)
		return rc;
	meeting_place(m, &pl);
	from = jstr(m, "state");
	s.state = from;
	s.user = c->user;
	s.place = &pl;
	s.who = who_of(c, m);
	run.c = c;
	run.m = &xz_meeting_fsm;
	run.s = &s;
	run.record = m;
	run.in = in;
	if ((rc = xz_fsm_walk(&run, action)) < 0)
		goto fail;
	to = run.row->to ? run.row->to : from;
	note = jstr(in, "reason");
	if ((rc = xz_db_exec(c->db,
			     "UPDATE meetings SET state = $2, return_reason = CASE WHEN $4 = 1 THEN $5 "
			     "ELSE return_reason END, version = version + 1, updated_at = $3 WHERE id "
			     "= $1 AND state = $6",
			     XZ_ARGS(XZ_INT(id), XZ_TEXT(to), XZ_INT(c->now),
				     XZ_INT(!strcmp(action, "return_minutes")), XZ_TEXT(note),
				     XZ_TEXT(from)),
			     &changed)) < 0 ||
	    (rc = history(c, id, 0, action, from, to, note ? note : run.row->label)) < 0 ||
	    (rc = xz_ctx_audit_new(c, xz_arena_printf(c->arena, "meeting.%s", action), "meeting",
				   id, json_pack("{s:s}", "state", from),
				   json_pack("{s:s}", "state", to))) < 0)
		goto fail;
	if (!changed) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "会议已被他人更新，请刷新",
				 "Changed by someone else", NULL);
		goto out;
	}
	if (!strcmp(action, "submit_minutes"))
		rc = tell_person(c, "meeting", id, jint(m, "chair_person_id"), "minutes_review",
				 xz_arena_printf(c->arena, "请审定会议纪要：%s", jstr(m, "title")), "");
	else if (!strcmp(action, "return_minutes") || !strcmp(action, "approve_minutes"))
		rc = tell_office(c, "meeting", id, jint(m, "township_id"), "minutes_review",
				 xz_arena_printf(c->arena, "会议纪要%s：%s", run.row->label,
						 jstr(m, "title")),
				 note ? note : "");
	else if (!strcmp(action, "cancel")) {
		json_t *units = NULL;
		rc = xz_db_query(c->db,
				 "SELECT unit_id FROM meeting_invitees WHERE meeting_id = $1 AND unit_id "
				 "IS NOT NULL",
				 XZ_ARGS(XZ_INT(id)), &units);
		if (rc == 0)
			rc = tell_units(c, "meeting", id, units, true, "meeting",
					xz_arena_printf(c->arena, "会议取消：%s", jstr(m, "title")),
					note);
		json_decref(units);
	}
	if (rc < 0)
		goto fail;
	goto out;
fail:
	if (!c->err_code)
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(m);
	return rc;
}

/* ---- decided items (议定事项, R6.3) ---- */

int xz_meeting_item_create(struct xz_ctx *c, const struct xz_meeting_item_in *in, int64_t *id)
{
	json_t *m = NULL;
	struct xz_place pl;
	int64_t due = in->due_at, warn, span, n = 0;
	int rc;
	*id = 0;
	if (blank(in->title) || strlen(in->title) > XZ_MAX_NAME)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body", "议定事项须有标题（至多200字节）",
				   "title is required (at most 200 bytes)", "title");
	if (in->detail && strlen(in->detail) > XZ_MAX_TEXT)
		return xz_ctx_fail(c, XZ_EMALFORMED, "too_long", "文字过长", "Text too long", "detail");
	if (in->owner_unit_id <= 0)
		return xz_ctx_fail(c, XZ_ERULE, "owner_required", "议定事项须指定责任单位",
				   "A decided item needs an owner unit", "owner_unit_id");
	if (!due && in->due_days <= 0)
		return xz_ctx_fail(c, XZ_ERULE, "deadline_required",
				   "议定事项须有完成时限（due_at或due_days）",
				   "A decided item needs a deadline (due_at or due_days)", "due_at");
	if (in->due_days > 366)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_deadline", "完成时限至多366个工作日",
				   "due_days is at most 366", "due_days");
	if ((rc = load_meeting(c, in->meeting_id, &m)) < 0)
		return rc;
	meeting_place(m, &pl);
	if (c->user && !xz_authz(c->user, "meeting.office", &pl)) {
		rc = xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "只有执法办公室登记议定事项",
				 "Only the office records decided items", NULL);
		goto out;
	}
	if (!xz_fsm_in("in_session held minutes_submitted minutes_approved", jstr(m, "state"))) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "invalid_transition",
				 "只有会中或会后、纪要印发前可以登记议定事项",
				 "Decided items are recorded during or after the meeting, before the "
				 "minutes are published",
				 NULL);
		goto out;
	}
	if ((rc = xz_db_int(c->db, "SELECT COUNT(*) FROM units WHERE id = $1 AND township_id = $2",
			    XZ_ARGS(XZ_INT(in->owner_unit_id), XZ_INT(pl.township_id)), &n)) < 0)
		goto dbfail;
	if (!n) {
		rc = xz_ctx_fail(c, XZ_ERULE, "invalid_unit", "责任单位须为本乡镇的派驻机构",
				 "The owner must be a unit stationed in the township", "owner_unit_id");
		goto out;
	}
	if (in->owner_person_id > 0) {
		if ((rc = xz_db_int(c->db, "SELECT COUNT(*) FROM people WHERE id = $1 AND unit_id = $2",
				    XZ_ARGS(XZ_INT(in->owner_person_id), XZ_INT(in->owner_unit_id)),
				    &n)) < 0)
			goto dbfail;
		if (!n) {
			rc = xz_ctx_fail(c, XZ_ERULE, "invalid_person", "责任人须为责任单位的人员",
					 "The owner person must belong to the owner unit",
					 "owner_person_id");
			goto out;
		}
	}
	if (due) {
		if (due <= c->now) {
			rc = xz_ctx_fail(c, XZ_ERULE, "invalid_deadline", "完成时限须晚于当前时间",
					 "The deadline must be in the future", "due_at");
			goto out;
		}
	} else if ((rc = xz_caldb_deadline_in(c->db, pl.county_id, c->now, in->due_days,
					      XZ_DL_WORKING_DAYS, &due)) < 0) {
		goto dbfail;
	}
	span = (due - c->now) / 4;
	warn = due - (span > 3600 ? span : 3600);
	if ((rc = xz_db_int(c->db,
			    "INSERT INTO meeting_items (meeting_id, county_id, township_id, title, "
			    "detail, owner_unit_id, owner_person_id, state, due_at, warn_at, created_by, "
			    "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, "
			    "$10, $11, $11) RETURNING id",
			    XZ_ARGS(XZ_INT(in->meeting_id), XZ_INT(pl.county_id),
				    XZ_INT(pl.township_id), XZ_TEXT(in->title),
				    XZ_TEXT(in->detail ? in->detail : ""), XZ_INT(in->owner_unit_id),
				    XZ_ID(in->owner_person_id), XZ_INT(due), XZ_INT(warn),
				    XZ_ID(c->user ? c->user->id : 0), XZ_INT(c->now)),
			    id)) < 0)
		goto dbfail;
	if ((rc = link(c, in->meeting_id, 0, *id, pl.township_id, "problem", in->problem_ids,
		       "problem_ids")) < 0 ||
	    (rc = link(c, in->meeting_id, 0, *id, pl.township_id, "joint_action",
		       in->joint_action_ids, "joint_action_ids")) < 0)
		goto out;
	if ((rc = history(c, in->meeting_id, *id, "create", NULL, "open", in->title)) < 0 ||
	    (rc = tell_unit(c, "meeting_item", *id, in->owner_unit_id, false, "meeting_item",
			    xz_arena_printf(c->arena, "联席会议议定事项：%s", in->title),
			    xz_arena_printf(c->arena, "完成时限：%s", when_cn(c, due)))) < 0 ||
	    (rc = xz_ctx_audit_new(c, "meeting_item.create", "meeting_item", *id, NULL,
				   json_pack("{s:s,s:I,s:I}", "title", in->title, "owner_unit_id",
					     (json_int_t)in->owner_unit_id, "due_at",
					     (json_int_t)due))) < 0)
		goto dbfail;
	goto out;
dbfail:
	rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(m);
	return rc;
}

static int item_done(struct xz_fsm_run *run)
{
	const json_t *it = run->record;
	return xz_db_exec(run->c->db,
			  "UPDATE meeting_items SET result = $2, done_at = $3, on_time = CASE WHEN $3 "
			  "<= due_at THEN 1 ELSE 0 END WHERE id = $1",
			  XZ_ARGS(XZ_INT(jint(it, "id")), XZ_TEXT(jstr(run->in, "result")),
				  XZ_INT(run->c->now)),
			  NULL);
}

static int item_verify(struct xz_fsm_run *run)
{
	return xz_db_exec(run->c->db, "UPDATE meeting_items SET verified_at = $2 WHERE id = $1",
			  XZ_ARGS(XZ_INT(jint(run->record, "id")), XZ_INT(run->c->now)), NULL);
}

static int item_supervise(struct xz_fsm_run *run)
{
	return xz_db_exec(run->c->db,
			  "UPDATE meeting_items SET supervised = 1, supervise_note = $2 WHERE id = $1",
			  XZ_ARGS(XZ_INT(jint(run->record, "id")), XZ_TEXT(jstr(run->in, "note"))),
			  NULL);
}

int xz_meeting_item_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in)
{
	json_t *it = NULL;
	struct xz_place pl;
	struct xz_fsm_subject s = {0};
	struct xz_fsm_run run = {0};
	const char *from, *to, *note, *title;
	int64_t changed = 0;
	int rc;
	if ((rc = load_item(c, id, &it)) < 0)
		return rc;
	item_place(it, &pl);
	from = jstr(it, "state");
	s.state = from;
	s.user = c->user;
	s.place = &pl;
	run.c = c;
	run.m = &xz_meeting_item_fsm;
	run.s = &s;
	run.record = it;
	run.in = in;
	if ((rc = xz_fsm_walk(&run, action)) < 0)
		goto fail;
	to = run.row->to ? run.row->to : from;
	note = jstr(in, "reason") ? jstr(in, "reason") : jstr(in, "note") ? jstr(in, "note")
										: jstr(in, "result");
	if ((rc = xz_db_exec(c->db,
			     "UPDATE meeting_items SET state = $2, version = version + 1, updated_at = "
			     "$3 WHERE id = $1 AND version = $4",
			     XZ_ARGS(XZ_INT(id), XZ_TEXT(to), XZ_INT(c->now),
				     XZ_INT(jint(it, "version"))),
			     &changed)) < 0 ||
	    (rc = history(c, jint(it, "meeting_id"), id, action, from, to,
			  note ? note : run.row->label)) < 0 ||
	    (rc = xz_ctx_audit_new(c, xz_arena_printf(c->arena, "meeting_item.%s", action),
				   "meeting_item", id, json_pack("{s:s}", "state", from),
				   json_pack("{s:s}", "state", to))) < 0)
		goto fail;
	if (!changed) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "事项已被他人更新，请刷新",
				 "Changed by someone else", NULL);
		goto out;
	}
	title = xz_arena_printf(c->arena, "议定事项“%s”：%s", jstr(it, "title"), run.row->label);
	if ((rc = tell(c, "meeting_item", id,
		       XZ_TOS(XZ_TO(XZ_TO_UNIT_MEMBERS,
				    run.row->tell & TELL_UNIT ? jint(it, "owner_unit_id") : 0),
			      XZ_TO_OFFICE(run.row->tell & TELL_OFFICE ? jint(it, "township_id") : 0)),
		       "meeting_item", title, note)) < 0)
		goto fail;
	goto out;
fail:
	if (!c->err_code)
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(it);
	return rc;
}

/* An item as shown beside its columns at now: its light, whether it is
 * overdue, its state's label, and the actions the caller may take
 * (a new array, the caller's). */
struct item_face {
	const char *light, *label;
	bool overdue;
	json_t *allowed;
};

static struct item_face item_face(struct xz_ctx *c, const char *state, int64_t due, int64_t warn,
				  const struct xz_place *pl)
{
	struct xz_fsm_subject s = {.state = state, .user = c->user, .place = pl};
	bool open = xz_fsm_is_open(&xz_meeting_item_fsm, state);
	struct item_face f = {
	    .light = open ? xz_problem_light(due, warn, c->now) : "none",
	    .label = xz_fsm_state_label(&xz_meeting_item_fsm, state),
	    .overdue = open && c->now > due,
	    .allowed = xz_fsm_allowed(&xz_meeting_item_fsm, &s),
	};
	return f;
}

/* item_shown: an item row with its light, state label and, for one item,
 * its links and the actions the caller may take. */
static void item_shown(struct xz_ctx *c, json_t *it)
{
	struct xz_place pl;
	struct item_face f;
	item_place(it, &pl);
	f = item_face(c, jstr(it, "state"), jint(it, "due_at"), jint(it, "warn_at"), &pl);
	json_object_set_new(it, "light", json_string(f.light));
	json_object_set_new(it, "overdue", json_boolean(f.overdue));
	json_object_set_new(it, "state_label", json_string(f.label));
	json_object_set_new(it, "allowed_actions", f.allowed);
}

/* item_row: xz_meeting_items' visitor (arg: struct xz_walk): each item
 * as read, with what item_shown adds to it */
static int item_row(void *arg, const struct xz_col *cols, int n)
{
	struct xz_walk *w = arg;
	struct xz_place pl = {.county_id = xz_col_int(cols, n, "county_id"),
			      .township_id = xz_col_int(cols, n, "township_id"),
			      .unit_id = xz_col_int(cols, n, "owner_unit_id")};
	struct item_face f =
	    item_face(w->c, xz_col_text(cols, n, "state"), xz_col_int(cols, n, "due_at"),
		      xz_col_int(cols, n, "warn_at"), &pl);
	char *allowed = json_dumps(f.allowed, JSON_COMPACT);
	const struct xz_col more[] = {
	    {.name = "light", .t = XZ_COL_TEXT, .s = f.light, .len = strlen(f.light)},
	    {.name = "overdue", .t = XZ_COL_INT, .i = f.overdue},
	    {.name = "state_label",
	     .t = f.label ? XZ_COL_TEXT : XZ_COL_NULL,
	     .s = f.label,
	     .len = f.label ? strlen(f.label) : 0},
	    {.name = "allowed_actions_json",
	     .t = XZ_COL_TEXT,
	     .s = allowed,
	     .len = strlen(allowed)},
	};
	int rc = xz_row_with(w->fn, w->arg, cols, n, more, XZ_ARRAY_LEN(more));
	free(allowed);
	json_decref(f.allowed);
	return rc;
}

int xz_meeting_item_get(struct xz_ctx *c, int64_t id, json_t **out)
{
	json_t *it = NULL, *links = NULL, *hist = NULL;
	int rc;
	*out = NULL;
	if ((rc = load_item(c, id, &it)) < 0)
		return rc;
	if ((rc = xz_db_query(c->db,
			      "SELECT kind, ref_id FROM meeting_links WHERE item_id = $1 ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &links)) < 0 ||
	    (rc = xz_db_query(c->db,
			      "SELECT at, username, action, from_state, to_state, note FROM "
			      "meeting_history WHERE item_id = $1 ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &hist)) < 0) {
		json_decref(it);
		json_decref(links);
		return xz_ctx_fail_db(c, rc);
	}
	item_shown(c, it);
	json_object_set_new(it, "links", links);
	json_object_set_new(it, "history", hist);
	*out = it;
	return 0;
}

int xz_meeting_items(struct xz_ctx *c, int64_t township_id, int64_t unit_id, int64_t meeting_id,
		     const char *state, int64_t after, int64_t limit, xz_row_fn fn, void *arg)
{
	struct xz_walk w = {.c = c, .fn = fn, .arg = arg};
	struct xz_place f = {0}, u = {0};
	bool town_scope = false, unit_scope = false;
	const char *states = NULL;
	int rc;
	if (c->user) {
		town_scope = xz_authz_filter(c->user, "meeting.read", &f);
		unit_scope = xz_authz_filter(c->user, "meeting.item.handle", &u);
		if (!town_scope && !unit_scope)
			return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权查看议定事项",
					   "Not allowed", NULL);
	}
	if (state && !strcmp(state, "open"))
		states = xz_fsm_open_sql(&xz_meeting_item_fsm);
	else if (state && *state) {
		if (!xz_fsm_in("open in_progress done verified", state))
			return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_query",
					   "state须为open、in_progress、done或verified",
					   "state must be open, in_progress, done or verified", "state");
		states = xz_arena_printf(c->arena, "'%s'", state);
	}
	rc = xz_db_each(
		c->db,
		xz_arena_printf(
			c->arena,
			ITEM_SELECT
			"WHERE ($1 = 0 OR i.county_id = $1) AND ($2 = 0 OR i.township_id = $2) AND "
			"($3 = 0 OR i.owner_unit_id = $3) AND ($4 = 0 OR i.meeting_id = $4) AND ($5 = 0 "
			"OR i.township_id = $5) AND ($6 = 0 OR i.owner_unit_id = $6) AND ($7 = 0 OR "
			"i.id > $7) %s%s%s ORDER BY i.id LIMIT $8",
			states ? "AND i.state IN (" : "", states ? states : "", states ? ")" : ""),
		XZ_ARGS(XZ_INT(town_scope ? f.county_id : 0), XZ_INT(town_scope ? f.township_id : 0),
			XZ_INT(town_scope ? f.unit_id : unit_scope ? u.unit_id : 0),
			XZ_INT(meeting_id), XZ_INT(township_id), XZ_INT(unit_id), XZ_INT(after),
			XZ_INT(limit)),
		item_row, &w);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

/* ---- reading ---- */

int xz_meeting_get(struct xz_ctx *c, int64_t id, json_t **out)
{
	json_t *m = NULL, *agenda = NULL, *links = NULL, *inv = NULL, *items = NULL, *hist = NULL;
	json_t *rep, *a, *l, *mine = NULL;
	struct xz_place pl;
	struct xz_fsm_subject s = {0};
	size_t i, k;
	int rc;
	*out = NULL;
	if ((rc = load_meeting(c, id, &m)) < 0)
		return rc;
	if ((rc = xz_db_query(c->db,
			      "SELECT id, seq, title, note FROM meeting_agenda WHERE meeting_id = $1 "
			      "ORDER BY seq",
			      XZ_ARGS(XZ_INT(id)), &agenda)) < 0 ||
	    (rc = xz_db_query(c->db,
			      "SELECT agenda_id, kind, ref_id FROM meeting_links WHERE meeting_id = $1 "
			      "AND agenda_id IS NOT NULL ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &links)) < 0 ||
	    (rc = xz_db_query(c->db,
			      "SELECT i.unit_id, un.name AS unit_name, i.person_id, p.name AS "
			      "person_name, i.answer, i.reason, i.substitute_name, i.answered_at, "
			      "i.attendance, i.signed_in_at, i.attendance_note FROM meeting_invitees i "
			      "LEFT JOIN units un ON un.id = i.unit_id LEFT JOIN people p ON p.id = "
			      "i.person_id WHERE i.meeting_id = $1 ORDER BY i.id",
			      XZ_ARGS(XZ_INT(id)), &inv)) < 0 ||
	    (rc = xz_db_query(c->db, ITEM_SELECT "WHERE i.meeting_id = $1 ORDER BY i.id",
			      XZ_ARGS(XZ_INT(id)), &items)) < 0 ||
	    (rc = xz_db_query(c->db,
			      "SELECT at, username, action, from_state, to_state, note FROM "
			      "meeting_history WHERE meeting_id = $1 AND item_id IS NULL ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &hist)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	json_array_foreach(agenda, i, a) {
		json_t *mine_links = json_array();
		json_array_foreach(links, k, l) if (jint(l, "agenda_id") == jint(a, "id"))
			json_array_append_new(mine_links, json_pack("{s:s,s:I}", "kind", jstr(l, "kind"),
								    "ref_id",
								    (json_int_t)jint(l, "ref_id")));
		json_object_set_new(a, "links", mine_links);
	}
	json_array_foreach(items, i, a) item_shown(c, a);
	meeting_place(m, &pl);
	s.state = jstr(m, "state");
	s.user = c->user;
	s.place = &pl;
	s.who = who_of(c, m);
	rep = json_loads(jstr(m, "report_json") ? jstr(m, "report_json") : "null",
			 JSON_DECODE_ANY, NULL);
	json_object_del(m, "report_json");
	json_object_set_new(m, "report", rep ? rep : json_null());
	json_object_set_new(m, "state_label",
			    json_string(xz_fsm_state_label(&xz_meeting_fsm, s.state)));
	if (jint(m, "minutes_seq")) {
		json_object_set_new(m, "minutes_no",
				    json_string(xz_arena_printf(
					    c->arena, "%s综合执法联席会议纪要〔%lld〕第%lld期",
					    jstr(m, "township_name"), (long long)jint(m, "minutes_year"),
					    (long long)jint(m, "minutes_seq"))));
	}
	/* minutes are the office's draft until published: units read them then */
	pl.unit_id = 0;
	if (c->user && strcmp(s.state, "published") && !xz_authz(c->user, "meeting.write", &pl) &&
	    !(s.who & CHAIR))
		json_object_set_new(m, "minutes", json_string(""));
	json_object_set(m, "agenda", agenda);
	json_object_set(m, "invitees", inv);
	/* attendance: the invited units as they were (or are being) recorded */
	json_object_set(m, "attendance", inv);
	json_object_set(m, "items", items);
	json_object_set(m, "history", hist);
	json_object_set_new(m, "allowed_actions", xz_fsm_allowed(&xz_meeting_fsm, &s));
	/* what the caller's own unit may still do: answer the invitation, sign in */
	if (c->user && c->user->unit_id) {
		json_array_foreach(inv, i, a) if (jint(a, "unit_id") == c->user->unit_id) mine = a;
		if (mine)
			json_object_set(m, "my_invitation", mine);
	}
	*out = m;
	m = NULL;
out:
	json_decref(m);
	json_decref(agenda);
	json_decref(links);
	json_decref(inv);
	json_decref(items);
	json_decref(hist);
	return rc;
}

/* list_row: a meeting as the list shows it: without its minutes and its
 * report (a page of them is read for the meeting's own page), with its
 * state's label */
static int list_row(void *arg, const struct xz_col *cols, int n)
{
	struct xz_walk *w = arg;
	struct xz_col kept[64], label = {.name = "state_label", .t = XZ_COL_TEXT}; /* ~25 read */
	int i, m = 0;
	for (i = 0; i < n && m < (int)XZ_ARRAY_LEN(kept); i++)
		if (strcmp(cols[i].name, "report_json") && strcmp(cols[i].name, "minutes"))
			kept[m++] = cols[i];
	label.s = xz_fsm_state_label(&xz_meeting_fsm, xz_col_text(cols, n, "state"));
	if (label.s)
		label.len = strlen(label.s);
	else
		label.t = XZ_COL_NULL;
	return xz_row_with(w->fn, w->arg, kept, m, &label, 1);
}

int xz_meeting_list(struct xz_ctx *c, int64_t township_id, int64_t from, int64_t to,
		    int64_t after, int64_t limit, xz_row_fn fn, void *arg)
{
	struct xz_place f = {0};
	struct xz_walk w = {.c = c, .fn = fn, .arg = arg};
	int rc;
	if (c->user && !xz_authz_filter(c->user, "meeting.read", &f))
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权查看联席会议", "Not allowed",
				   NULL);
	rc = xz_db_each(
		c->db,
		MEETING_SELECT
		"WHERE ($1 = 0 OR m.county_id = $1) AND ($2 = 0 OR m.township_id = $2) AND ($3 = 0 OR "
		"m.township_id = $3) AND ($4 = 0 OR m.starts_at >= $4) AND ($5 = 0 OR m.starts_at < "
		"$5) AND ($6 = 0 OR m.id < $6) ORDER BY m.id DESC LIMIT $7",
		XZ_ARGS(XZ_INT(f.county_id), XZ_INT(f.township_id), XZ_INT(township_id), XZ_INT(from),
			XZ_INT(to), XZ_INT(after), XZ_INT(limit)),
		list_row, &w);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

/* ---- official documents ---- */

static const char *first_char(struct xz_ctx *c, const char *s)
{
	size_t n = 1;
	unsigned char b = s && *s ? (unsigned char)s[0] : 0;
	if (!b)
		return "";
	n = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
	return xz_arena_printf(c->arena, "%.*s", (int)n, s);
}

static const char *report_text(struct xz_ctx *c, const json_t *rep)
{
	json_t *v, *e;
	size_t i;
	const json_t *n = json_object_get(rep, "notices"), *s = json_object_get(rep,
										 "special_applications");
	char *t = xz_arena_printf(c->arena, "一、联合执法行动\n本期新建联合执法行动%lld起，",
				  (long long)jint(json_object_get(rep, "joint_actions"), "total"));
	json_array_foreach(json_object_get(json_object_get(rep, "joint_actions"), "by_mechanism"),
			   i, e)
		t = xz_arena_printf(c->arena, "%s%s%lld起%s", t, jstr(e, "label"),
				    (long long)jint(e, "total"), i < 2 ? "，" : "。");
	t = xz_arena_printf(c->arena, "%s\n二、各派驻机构问题办理情况\n", t);
	json_array_foreach(json_object_get(rep, "units"), i, e)
		t = xz_arena_printf(c->arena,
				    "%s%s：本期交办%lld件，办结%lld件，在办%lld件，其中逾期%lld件，"
				    "返工%lld件。\n",
				    t, jstr(e, "unit_name"), (long long)jint(e, "assigned"),
				    (long long)jint(e, "closed"), (long long)jint(e, "open"),
				    (long long)jint(e, "overdue"), (long long)jint(e, "rework"));
	v = json_object_get(n, "same_day_rate");
	t = xz_arena_printf(c->arena,
			    "%s三、互动执法\n本期发出协同通知%lld份，当日派员%lld份，逾期%lld份，"
			    "当日响应率%s。\n",
			    t, (long long)jint(n, "issued"), (long long)jint(n, "same_day"),
			    (long long)jint(n, "late"),
			    json_is_number(v) ? xz_arena_printf(c->arena, "%.1f%%", json_number_value(v))
					      : "—");
	v = json_object_get(s, "in_time_rate");
	t = xz_arena_printf(c->arena,
			    "%s四、专项申请\n本期收到专项联合执法申请%lld件，已报送%lld件，其中2日内"
			    "报送%lld件，及时率%s。\n",
			    t, (long long)jint(s, "received"), (long long)jint(s, "forwarded"),
			    (long long)jint(s, "forwarded_in_time"),
			    json_is_number(v) ? xz_arena_printf(c->arena, "%.1f%%", json_number_value(v))
					      : "—");
	t = xz_arena_printf(c->arena, "%s五、尚未办结的提请联合执法问题%lld件。\n", t,
			    (long long)jint(json_object_get(rep, "escalations_open"), "count"));
	e = json_object_get(rep, "open_items");
	t = xz_arena_printf(c->arena, "%s六、以往会议议定事项未办结%lld项，其中逾期%lld项：\n", t,
			    (long long)jint(e, "count"), (long long)jint(e, "overdue"));
	json_array_foreach(json_object_get(e, "items"), i, v)
		t = xz_arena_printf(c->arena, "%s%zu. %s（%s，%s%s）\n", t, i + 1, jstr(v, "title"),
				    jstr(v, "owner_unit_name"), jstr(v, "state_label"),
				    !strcmp(jstr(v, "light"), "red") ? "，已逾期" : "");
	return t;
}

int xz_meeting_pdf(struct xz_ctx *c, int64_t id, const char *which, unsigned char **pdf,
		   size_t *len)
{
	json_t *m = NULL, *full = NULL, *e;
	struct xz_doc doc = {0};
	char date[XZ_DATE_CN_LEN];
	const char *town, *body;
	size_t i;
	int rc;
	*pdf = NULL;
	*len = 0;
	if ((rc = xz_meeting_get(c, id, &full)) < 0)
		return rc;
	m = full;
	town = jstr(m, "township_name");
	if (!strcmp(which, "report")) {
		json_t *rep = json_object_get(m, "report");
		if (!json_is_object(rep)) {
			rc = xz_ctx_fail(c, XZ_ECONFLICT, "no_report", "尚未生成会议情况报告",
					 "The status report has not been generated yet", NULL);
			goto out;
		}
		xz_date_cn(xz_day_of(jint(m, "report_at")), date);
		doc.issuer = xz_arena_printf(c->arena, "%s综合行政执法办公室", town);
		doc.title = xz_arena_printf(c->arena, "关于提请%s审议的综合执法工作情况报告",
					    jstr(m, "title"));
		doc.recipient = xz_arena_printf(c->arena, "%s综合执法联席会议", town);
		doc.body = xz_arena_printf(c->arena, "统计期间：%s至%s。\n%s",
					   when_cn(c, jint(m, "period_from")),
					   when_cn(c, jint(m, "period_to")), report_text(c, rep));
		doc.signer = doc.issuer;
	} else {
		if (!jint(m, "minutes_seq")) {
			rc = xz_ctx_fail(c, XZ_ECONFLICT, "minutes_not_published", "会议纪要尚未印发",
					 "The minutes have not been published", NULL);
			goto out;
		}
		xz_date_cn(xz_day_of(jint(m, "minutes_published_at")), date);
		body = xz_arena_printf(c->arena, "%s，%s在%s召开%s，%s主持。出席单位：", 
				       when_cn(c, jint(m, "starts_at")), town, jstr(m, "place"),
				       jstr(m, "title"), jstr(m, "chair_name"));
		{
			const char *sep = "";
			json_array_foreach(json_object_get(m, "attendance"), i, e) {
				const char *at = jstr(e, "attendance");
				if (!at || !strcmp(at, "absent") || !jstr(e, "unit_name"))
					continue;
				body = xz_arena_printf(c->arena, "%s%s%s%s", body, sep,
						       jstr(e, "unit_name"),
						       !strcmp(at, "substitute") ? "（委托参会）" : "");
				sep = "、";
			}
		}
		body = xz_arena_printf(c->arena, "%s。\n%s", body, jstr(m, "minutes"));
		if (json_array_size(json_object_get(m, "items")))
			body = xz_arena_printf(c->arena, "%s\n会议议定事项：", body);
		json_array_foreach(json_object_get(m, "items"), i, e)
			body = xz_arena_printf(c->arena, "%s\n%zu. %s。责任单位：%s；完成时限：%s。",
					       body, i + 1, jstr(e, "title"), jstr(e, "owner_unit_name"),
					       when_cn(c, jint(e, "due_at")));
		doc.issuer = xz_arena_printf(c->arena, "%s综合执法联席会议", town);
		doc.header_suffix = "纪要";
		doc.doc_number = xz_arena_printf(c->arena, "%s综联纪〔%lld〕第%lld期",
						 first_char(c, town), (long long)jint(m, "minutes_year"),
						 (long long)jint(m, "minutes_seq"));
		doc.title = jstr(m, "title");
		doc.body = body;
		doc.signer = xz_arena_printf(c->arena, "%s综合行政执法办公室", town);
	}
	doc.date_cn = date;
	doc.seal_area = 1;
	doc.printer_line = xz_arena_printf(c->arena, "%s综合行政执法办公室\t%s印发", town, date);
	if ((rc = xz_doc_render_pdf(&doc, pdf, len)) < 0)
		rc = xz_ctx_fail(c, rc, "render_failed", "公文生成失败", "Rendering the document failed",
				 NULL);
out:
	json_decref(full);
	return rc;
}

/* ---- the scheduler's pass ---- */

int xz_meeting_tick(struct xz_db *db, int64_t now, int *found)
{
	struct xz_ctx c;
	struct xz_arena *arena = xz_arena_new();
	json_t *rows = NULL, *row;
	size_t i;
	int rc;
	*found = 0;
	xz_ctx_system(&c, db, arena, "scheduler");
	c.now = now;
	if ((rc = xz_db_begin(db)) < 0)
		goto out;
	rc = xz_db_query(db,
			 xz_arena_printf(arena,
					 "SELECT id, title, township_id, owner_unit_id, due_at, warn_at, "
					 "alert_level FROM meeting_items WHERE state IN (%s) AND due_at "
					 "<= $1 AND alert_level < 2 ORDER BY id LIMIT 500",
					 xz_fsm_open_sql(&xz_meeting_item_fsm)),
			 XZ_ARGS(XZ_INT(now + 30 * 86400)), &rows);
	json_array_foreach(rows, i, row) {
		int level = now > jint(row, "due_at") ? 2 : now >= jint(row, "warn_at") ? 1 : 0;
		const char *title;
		if (rc < 0 || level <= jint(row, "alert_level"))
			continue;
		title = xz_arena_printf(arena, "议定事项“%s”%s", jstr(row, "title"),
					level == 2 ? "已逾期" : "即将到期");
		(*found)++;
		/* the unit, and the office too once it is overdue */
		if ((rc = xz_db_exec(db, "UPDATE meeting_items SET alert_level = $2 WHERE id = $1",
				     XZ_ARGS(XZ_INT(jint(row, "id")), XZ_INT(level)), NULL)) == 0)
			rc = tell(&c, "meeting_item", jint(row, "id"),
				  XZ_TOS(XZ_TO(XZ_TO_UNIT_MEMBERS, jint(row, "owner_unit_id")),
					 XZ_TO_OFFICE(level == 2 ? jint(row, "township_id") : 0)),
				  level == 2 ? "overdue" : "deadline_near", title, "");
	}
	if (rc < 0)
		xz_db_rollback(db);
	else
		rc = xz_db_commit(db);
out:
	json_decref(rows);
	xz_arena_free(arena);
	return rc;
}
