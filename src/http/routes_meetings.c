/*
 * routes_meetings.c — joint meetings over HTTP (R6): each handler reads its
 * declared input shape, makes one call into domain/meeting.c and presents
 * the answer. No rule lives here; see domain/meeting.h.
 */
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "domain/meeting.h"
#include "http/http.h"

/* present_deep: instants as ISO 8601 in the record and in the rows of its
 * arrays and objects one level down. */
static json_t *present_deep(json_t *o)
{
	const char *key;
	json_t *v, *e;
	size_t i;
	xz_present(o);
	json_object_foreach(o, key, v) {
		if (json_is_array(v))
			json_array_foreach(v, i, e) if (json_is_object(e)) xz_present(e);
		if (json_is_object(v) && strcmp(key, "report"))
			xz_present(v);
	}
	return o;
}

static int time_arg(struct xz_req *r, const char *s, const char *field, int64_t *out)
{
	*out = 0;
	if (s && xz_time_parse(s, out) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_time",
			       xz_arena_printf(r->arena, "%s须为ISO 8601时间", field),
			       xz_arena_printf(r->arena, "%s must be an ISO 8601 time", field), field);
	return 0;
}

static int query_time(struct xz_req *r, const char *name, int64_t *out)
{
	return time_arg(r, xz_req_query(r, name), name, out);
}

static int answer_meeting(struct xz_req *r, int64_t id, unsigned status)
{
	json_t *m = NULL;
	int rc = xz_meeting_get(xz_req_ctx(r), id, &m);
	return rc < 0 ? rc : xz_reply(r, status, present_deep(m));
}

static int meetings_list(struct xz_req *r)
{
	int64_t town = 0, from = 0, to = 0, after = 0, limit = 0;
	struct xz_page pg;
	int rc;
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0 ||
	    (rc = query_time(r, "from", &from)) < 0 || (rc = query_time(r, "to", &to)) < 0 ||
	    (rc = xz_req_page(r, &after, &limit)) < 0)
		return rc;
	xz_page_begin(r, &pg, limit);
	return xz_page_reply(&pg, xz_meeting_list(xz_req_ctx(r), town, from, to, after, limit,
						  xz_page_row, &pg));
}

/* Each writing handler hands its use case to xz_ctx_tx through one of
 * these adapters: the arguments in a struct, the call in a function. */
struct create_args {
	struct xz_meeting_in in;
	int64_t id;
};

static int tx_create(struct xz_ctx *c, void *arg)
{
	struct create_args *a = arg;
	return xz_meeting_create(c, &a->in, &a->id);
}

static int meeting_create(struct xz_req *r)
{
	struct create_args a = {0};
	const char *starts = NULL, *ends = NULL;
	json_int_t town = 0, chair = 0;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:I,s:s,s:s,s:s,s?s,s?s,s:I,s?o,s?o,s?o}", "township_id",
				&town, "kind", &a.in.kind, "title", &a.in.title, "starts_at", &starts,
				"ends_at", &ends, "place", &a.in.place, "chair_person_id", &chair,
				"agenda", &a.in.agenda, "invited_unit_ids", &a.in.invited_unit_ids,
				"invited_person_ids", &a.in.invited_person_ids)) < 0 ||
	    (rc = time_arg(r, starts, "starts_at", &a.in.starts_at)) < 0 ||
	    (rc = time_arg(r, ends, "ends_at", &a.in.ends_at)) < 0)
		return rc;
	a.in.township_id = town;
	a.in.chair_person_id = chair;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_create, &a)) < 0)
		return rc;
	return answer_meeting(r, a.id, 201);
}

static int meeting_get(struct xz_req *r)
{
	int64_t id;
	int rc = xz_req_id(r, 0, &id);
	return rc < 0 ? rc : answer_meeting(r, id, 200);
}

struct act_args {
	int64_t id;
	const char *action;
	json_t *in;
};

static int tx_act(struct xz_ctx *c, void *arg)
{
	struct act_args *a = arg;
	return xz_meeting_act(c, a->id, a->action, a->in);
}

static int meeting_action(struct xz_req *r)
{
	struct act_args a = {0};
	const char *reason = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &a.id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s}", "action", &a.action, "reason", &reason)) < 0)
		return rc;
	a.in = r->in;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_act, &a)) < 0)
		return rc;
	return answer_meeting(r, a.id, 200);
}

struct answer_args {
	int64_t id, unit;
	const char *answer, *reason, *substitute, *status, *note;
	bool attendance, signin;
};

static int tx_answer(struct xz_ctx *c, void *arg)
{
	struct answer_args *a = arg;
	if (a->signin)
		return xz_meeting_signin(c, a->id);
	if (a->attendance)
		return xz_meeting_attendance(c, a->id, a->unit, a->status, a->note, a->substitute);
	return xz_meeting_answer(c, a->id, a->unit, a->answer, a->reason, a->substitute);
}

static int meeting_answer(struct xz_req *r)
{
	struct answer_args a = {0};
	json_int_t unit = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &a.id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?I,s?s,s?s}", "answer", &a.answer, "unit_id", &unit,
				"reason", &a.reason, "substitute_name", &a.substitute)) < 0)
		return rc;
	a.unit = unit;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_answer, &a)) < 0)
		return rc;
	return answer_meeting(r, a.id, 200);
}

static int meeting_attendance(struct xz_req *r)
{
	struct answer_args a = {.attendance = true};
	json_int_t unit = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &a.id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:I,s:s,s?s,s?s}", "unit_id", &unit, "status", &a.status,
				"note", &a.note, "substitute_name", &a.substitute)) < 0)
		return rc;
	a.unit = unit;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_answer, &a)) < 0)
		return rc;
	return answer_meeting(r, a.id, 200);
}

static int meeting_signin(struct xz_req *r)
{
	struct answer_args a = {.signin = true};
	int rc;
	if ((rc = xz_req_id(r, 0, &a.id)) < 0 ||
	    (r->body_len && (rc = xz_req_unpack(r, "{}")) < 0) ||
	    (rc = xz_ctx_tx(xz_req_ctx(r), tx_answer, &a)) < 0)
		return rc;
	return answer_meeting(r, a.id, 200);
}

struct report_args {
	int64_t id, from, to, version;
	const char *minutes;
};

static int tx_report(struct xz_ctx *c, void *arg)
{
	struct report_args *a = arg;
	return a->minutes ? xz_meeting_minutes(c, a->id, a->version, a->minutes)
			  : xz_meeting_report(c, a->id, a->from, a->to);
}

static int meeting_report(struct xz_req *r)
{
	struct report_args a = {0};
	const char *from = NULL, *to = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &a.id)) < 0 ||
	    (r->body_len && (rc = xz_req_unpack(r, "{s?s,s?s}", "from", &from, "to", &to)) < 0) ||
	    (rc = time_arg(r, from, "from", &a.from)) < 0 || (rc = time_arg(r, to, "to", &a.to)) < 0)
		return rc;
	if ((a.from != 0) != (a.to != 0))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "from与to须同时给出",
			       "Give both from and to, or neither", a.from ? "to" : "from");
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_report, &a)) < 0)
		return rc;
	return answer_meeting(r, a.id, 200);
}

static int meeting_minutes(struct xz_req *r)
{
	struct report_args a = {0};
	json_int_t version = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &a.id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?I}", "minutes", &a.minutes, "version", &version)) < 0)
		return rc;
	a.version = version;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_report, &a)) < 0)
		return rc;
	return answer_meeting(r, a.id, 200);
}

struct item_args {
	struct xz_meeting_item_in in;
	int64_t id;
	const char *action;
	json_t *body;
};

static int tx_item(struct xz_ctx *c, void *arg)
{
	struct item_args *a = arg;
	if (a->action)
		return xz_meeting_item_act(c, a->id, a->action, a->body);
	return xz_meeting_item_create(c, &a->in, &a->id);
}

static int answer_item(struct xz_req *r, int64_t id, unsigned status)
{
	json_t *it = NULL;
	int rc = xz_meeting_item_get(xz_req_ctx(r), id, &it);
	return rc < 0 ? rc : xz_reply(r, status, present_deep(it));
}

static int item_create(struct xz_req *r)
{
	struct item_args a = {0};
	const char *due = NULL;
	json_int_t unit = 0, person = 0, days = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &a.in.meeting_id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s,s?I,s?I,s?s,s?I,s?o,s?o}", "title", &a.in.title,
				"detail", &a.in.detail, "owner_unit_id", &unit, "owner_person_id",
				&person, "due_at", &due, "due_days", &days, "problem_ids",
				&a.in.problem_ids, "joint_action_ids", &a.in.joint_action_ids)) < 0 ||
	    (rc = time_arg(r, due, "due_at", &a.in.due_at)) < 0)
		return rc;
	a.in.owner_unit_id = unit;
	a.in.owner_person_id = person;
	a.in.due_days = days;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_item, &a)) < 0)
		return rc;
	return answer_item(r, a.id, 201);
}

static int item_get(struct xz_req *r)
{
	int64_t id;
	int rc = xz_req_id(r, 0, &id);
	return rc < 0 ? rc : answer_item(r, id, 200);
}

static int item_action(struct xz_req *r)
{
	struct item_args a = {0};
	const char *result = NULL, *reason = NULL, *note = NULL;
	int rc;
	if ((rc = xz_req_id(r, 0, &a.id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s,s?s,s?s}", "action", &a.action, "result", &result,
				"reason", &reason, "note", &note)) < 0)
		return rc;
	a.body = r->in;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), tx_item, &a)) < 0)
		return rc;
	return answer_item(r, a.id, 200);
}

/* item_row: an item of the board as read; its "overdue" a boolean */
static void item_row(struct xz_page *pg, const struct xz_col *cols, int n)
{
	int c;
	for (c = 0; c < n; c++)
		if (cols[c].t == XZ_COL_INT && !strcmp(cols[c].name, "overdue")) {
			xz_page_key(pg, "overdue");
			xz_jw_bool(&pg->w, cols[c].i);
		} else {
			xz_page_column(pg, cols, c);
		}
}

static int items_list(struct xz_req *r)
{
	int64_t town = 0, unit = 0, meeting = 0, after = 0, limit = 0;
	struct xz_page pg;
	int rc;
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0 ||
	    (rc = xz_req_query_id(r, "unit_id", &unit)) < 0 ||
	    (rc = xz_req_query_id(r, "meeting_id", &meeting)) < 0 ||
	    (rc = xz_req_page(r, &after, &limit)) < 0)
		return rc;
	xz_page_begin(r, &pg, limit);
	pg.row = item_row;
	return xz_page_reply(&pg, xz_meeting_items(xz_req_ctx(r), town, unit, meeting,
						   xz_req_query(r, "state"), after, limit,
						   xz_page_row, &pg));
}

static int document(struct xz_req *r, const char *which)
{
	unsigned char *pdf = NULL;
	size_t len = 0;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_meeting_pdf(xz_req_ctx(r), id, which, &pdf, &len)) < 0)
		return rc;
	return xz_reply_bytes(r, 200, "application/pdf", pdf, len, true);
}

static int doc_report(struct xz_req *r)
{
	return document(r, "report");
}

static int doc_minutes(struct xz_req *r)
{
	return document(r, "minutes");
}

const struct xz_route xz_routes_meetings[] = {
	{"GET", "/api/v1/meetings", meetings_list, "meeting.read", 0},
	{"POST", "/api/v1/meetings", meeting_create, "meeting.write", 0},
	{"GET", "/api/v1/meetings/{id}", meeting_get, "meeting.read", 0},
	{"POST", "/api/v1/meetings/{id}/actions", meeting_action, "meeting.read", 0},
	{"POST", "/api/v1/meetings/{id}/answer", meeting_answer, "meeting.answer", 0},
	{"POST", "/api/v1/meetings/{id}/attendance", meeting_attendance, "meeting.office", 0},
	{"POST", "/api/v1/meetings/{id}/signin", meeting_signin, "meeting.answer", 0},
	{"POST", "/api/v1/meetings/{id}/report", meeting_report, "meeting.write", 0},
	{"PUT", "/api/v1/meetings/{id}/minutes", meeting_minutes, "meeting.office", 0},
	{"POST", "/api/v1/meetings/{id}/items", item_create, "meeting.office", 0},
	{"GET", "/api/v1/meetings/{id}/documents/report.pdf", doc_report, "meeting.read", 0},
	{"GET", "/api/v1/meetings/{id}/documents/minutes.pdf", doc_minutes, "meeting.read", 0},
	{"GET", "/api/v1/meeting-items", items_list, "meeting.read", 0},
	{"GET", "/api/v1/meeting-items/{id}", item_get, "meeting.read", 0},
	{"POST", "/api/v1/meeting-items/{id}/actions", item_action, "meeting.read", 0},
	{NULL, NULL, NULL, NULL, 0},
};
