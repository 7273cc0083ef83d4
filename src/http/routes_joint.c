/*
 * routes_joint.c — joint enforcement coordination and command over HTTP
 * (R5, R9.2; seed §4). Each handler reads its declared input shape, makes
 * one call into the joint domain (domain/jointaction.h: plans, the life
 * cycle, participants, notices, incidents, findings, documents) and
 * presents the answer. Rules, storage and who-may decisions live there;
 * a denial is audited here, after the use case has rolled back.
 */
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "domain/jointaction.h"
#include "domain/officialdoc.h"
#include "http/resource.h"

/* ---- presenting ---- */

static void set_time(json_t *o, const char *key)
{
	char buf[XZ_TIME_LEN];
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		json_object_set_new(o, key,
				    json_string(xz_time_format(json_integer_value(v), buf)));
}

static void set_bool(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		json_object_set_new(o, key, json_boolean(json_integer_value(v)));
}

/* an action's instants and 0/1 flags that xz_present does not know by name */
static const char *const action_times[] = {"planned_start", "planned_end"};
static const char *const action_flags[] = {"police_support", "police_required", "forward_late",
					   "decision_late", "launch"};

/* present: an action row for the API (in place; returns row). */
static json_t *present(json_t *row)
{
	json_t *v;
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(action_times); i++)
		set_time(row, action_times[i]);
	for (i = 0; i < XZ_ARRAY_LEN(action_flags); i++)
		set_bool(row, action_flags[i]);
	json_array_foreach(json_object_get(row, "history"), i, v) set_time(v, "at");
	json_array_foreach(json_object_get(row, "children"), i, v) present(v);
	xz_present_all(json_object_get(row, "participants"));
	xz_present_all(json_object_get(row, "notices"));
	xz_present_all(json_object_get(row, "incidents"));
	xz_present_all(json_object_get(row, "findings"));
	return xz_present(row);
}

/* ---- rows written straight to a page: as present() / xz_present show them ---- */

/* How a column of a list's row is shown: as xz_page_column does, as an
 * instant, as a boolean, or as xz_page_column does but after the row's
 * other fields (where xz_present leaves a JSON column it renames). Found
 * by name on the page's first row (pg->tag). */
enum { C_PLAIN, C_TIME, C_FLAG, C_LAST };

static bool named(const char *name, const char *const *names, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

static unsigned char action_tag(const char *name)
{
	/* the clocks xz_joint_list adds are 0/1 too */
	static const char *const clocks[] = {"forward_overdue", "decision_overdue"};
	if (named(name, action_times, XZ_ARRAY_LEN(action_times)))
		return C_TIME;
	return named(name, action_flags, XZ_ARRAY_LEN(action_flags)) ||
		       named(name, clocks, XZ_ARRAY_LEN(clocks))
		   ? C_FLAG
		   : C_PLAIN;
}

static unsigned char notice_tag(const char *name)
{
	if (!strcmp(name, "late") || !strcmp(name, "answered"))
		return C_FLAG;
	return strcmp(name, "officers_json") ? C_PLAIN : C_LAST;
}

static unsigned char tag_of(struct xz_page *pg, const struct xz_col *cols, int c,
			    unsigned char (*tag)(const char *name))
{
	if (c >= XZ_PAGE_COLS)
		return tag(cols[c].name);
	if (pg->first_row)
		pg->tag[c] = tag(cols[c].name);
	return pg->tag[c];
}

static void tagged_row(struct xz_page *pg, const struct xz_col *cols, int n,
		       unsigned char (*tag)(const char *name))
{
	char buf[XZ_TIME_LEN];
	const char *t;
	int c;
	for (c = 0; c < n; c++) {
		unsigned char how = tag_of(pg, cols, c, tag);
		if (how == C_LAST)
			continue;
		if (cols[c].t != XZ_COL_INT || how == C_PLAIN) {
			xz_page_column(pg, cols, c);
			continue;
		}
		xz_page_key(pg, cols[c].name);
		if (how == C_FLAG) {
			xz_jw_bool(&pg->w, cols[c].i);
		} else {
			t = xz_time_format(cols[c].i, buf);
			xz_jw_str(&pg->w, t, strlen(t));
		}
	}
	for (c = 0; c < n; c++)
		if (tag_of(pg, cols, c, tag) == C_LAST)
			xz_page_column(pg, cols, c);
}

static void action_row(struct xz_page *pg, const struct xz_col *cols, int n)
{
	tagged_row(pg, cols, n, action_tag);
}

static void notice_row(struct xz_page *pg, const struct xz_col *cols, int n)
{
	tagged_row(pg, cols, n, notice_tag);
}

/* done: a use case's answer; a denial is audited (outside its rollback). */
static int done(struct xz_req *r, int rc, const char *what, int64_t id)
{
	if (rc == XZ_EFORBIDDEN)
		xz_req_audit(r, xz_arena_printf(r->arena, "joint.%s", what), "joint_action", id,
			     "denied", NULL, NULL);
	return rc;
}

static int view(struct xz_req *r, int64_t id, unsigned status)
{
	json_t *v = NULL;
	int rc = xz_joint_view(xz_req_ctx(r), id, &v);
	return rc < 0 ? rc : xz_reply(r, status, present(v));
}

/* item: answer one record of a list under an action. */
static int item(struct xz_req *r, const char *what, int64_t item_id, unsigned status)
{
	json_t *v = NULL;
	int rc = xz_joint_item(xz_req_ctx(r), what, item_id, &v);
	return rc < 0 ? rc : xz_reply(r, status, xz_present(v));
}

static int point(struct xz_req *r, json_t *lon, json_t *lat, struct xz_joint_point *at)
{
	if ((lon && !json_is_number(lon)) || (lat && !json_is_number(lat)) || (!lon != !lat) ||
	    (lon && (json_number_value(lon) < -180 || json_number_value(lon) > 180 ||
		     json_number_value(lat) < -90 || json_number_value(lat) > 90)))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "经纬度无效",
			       "lon/lat must be valid numbers, given together", "lon");
	at->set = lon != NULL;
	at->lon = lon ? json_number_value(lon) : 0;
	at->lat = lat ? json_number_value(lat) : 0;
	return 0;
}

/* ---- actions ---- */

static int actions_list(struct xz_req *r)
{
	struct xz_joint_filter f = {.state = xz_req_query(r, "state"),
				    .mechanism = xz_req_query(r, "mechanism")};
	struct xz_page pg;
	int rc;
	if ((rc = xz_req_page(r, &f.after, &f.limit)) < 0 ||
	    (rc = xz_req_query_id(r, "township", &f.township_id)) < 0 ||
	    (!f.township_id && (rc = xz_req_query_id(r, "township_id", &f.township_id)) < 0))
		return rc;
	xz_page_begin(r, &pg, f.limit);
	pg.row = action_row;
	return xz_page_reply(&pg, xz_joint_list(xz_req_ctx(r), &f, xz_page_row, &pg));
}

static int action_get(struct xz_req *r)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	return view(r, id, 200);
}

static int action_create(struct xz_req *r)
{
	struct xz_joint_plan p = {0};
	json_int_t town = 0, lead = 0;
	int police = 0, rc;
	int64_t id = 0;
	if ((rc = xz_req_unpack(r, "{s:s,s:s,s:s,s:s,s?I,s?o,s?o,s?s,s?s,s?s,s?I,s?s,s?b,s?o,s?s}",
				"mechanism", &p.mechanism, "title", &p.title, "planned_start",
				&p.planned_start, "planned_end", &p.planned_end, "township_id",
				&town, "township_ids", &p.townships, "participating_units",
				&p.units, "targets", &p.targets, "place", &p.place, "mode", &p.mode,
				"lead_unit_id", &lead, "tasks", &p.tasks, "police_support", &police,
				"problem_ids", &p.problems, "domain", &p.domain)) < 0)
		return rc;
	p.township_id = town;
	p.lead_unit_id = lead;
	p.police_support = police;
	if ((rc = done(r, xz_joint_create(xz_req_ctx(r), &p, &id), "create", 0)) < 0)
		return rc;
	return view(r, id, 201);
}

/* action_update: revise a draft (a plan sent back, or not yet submitted). */
static int action_update(struct xz_req *r)
{
	struct xz_joint_plan p = {0};
	json_int_t lead = 0, version = 0;
	int police = 0, rc;
	int64_t id;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(
		 r, "{s:I,s:s,s:s,s:s,s?o,s?s,s?s,s?s,s?I,s?s,s?b,s?o,s?s}", "version", &version,
		 "title", &p.title, "planned_start", &p.planned_start, "planned_end",
		 &p.planned_end, "participating_units", &p.units, "targets", &p.targets, "place",
		 &p.place, "mode", &p.mode, "lead_unit_id", &lead, "tasks", &p.tasks,
		 "police_support", &police, "problem_ids", &p.problems, "domain", &p.domain)) < 0)
		return rc;
	p.lead_unit_id = lead;
	p.version = version;
	p.police_support = police;
	if ((rc = done(r, xz_joint_edit(xz_req_ctx(r), id, &p), "update", id)) < 0)
		return rc;
	return view(r, id, 200);
}

static int action_do(struct xz_req *r)
{
	const char *action = NULL, *reasons = NULL, *reason = NULL, *summary = NULL;
	json_t *launch = NULL, *unresolved = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?o,s?s,s?s,s?s,s?o}", "action", &action, "launch",
				&launch, "reasons", &reasons, "reason", &reason, "summary",
				&summary, "unresolved", &unresolved)) < 0)
		return rc;
	if ((rc = done(r, xz_joint_act(xz_req_ctx(r), id, action, r->in), action, id)) < 0)
		return rc;
	return view(r, id, 200);
}

/* ---- the lists under an action ---- */

static int items_of(struct xz_req *r, const char *what)
{
	json_t *rows = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_joint_items(xz_req_ctx(r), id, what, &rows)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

static int participants_list(struct xz_req *r)
{
	return items_of(r, "participants");
}

static int notices_of_action(struct xz_req *r)
{
	return items_of(r, "notices");
}

static int incidents_list(struct xz_req *r)
{
	return items_of(r, "incidents");
}

static int findings_list(struct xz_req *r)
{
	return items_of(r, "findings");
}

static int participant_add(struct xz_req *r)
{
	struct xz_joint_participant_in in = {0};
	json_int_t unit = 0, person = 0;
	int64_t id, pid = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:I,s:I,s:s}", "unit_id", &unit, "person_id", &person, "role",
				&in.role)) < 0)
		return rc;
	in.unit_id = unit;
	in.person_id = person;
	if ((rc = done(r, xz_joint_participant_add(xz_req_ctx(r), id, &in, &pid), "participant",
		       id)) < 0)
		return rc;
	return item(r, "participants", pid, 201);
}

static int check(struct xz_req *r, bool in)
{
	int64_t id, pid;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_id(r, 1, &pid)) < 0 ||
	    (rc = done(r, xz_joint_check(xz_req_ctx(r), id, pid, in), in ? "check-in" : "check-out",
		       id)) < 0)
		return rc;
	return item(r, "participants", pid, 200);
}

static int check_in(struct xz_req *r)
{
	return check(r, true);
}

static int check_out(struct xz_req *r)
{
	return check(r, false);
}

static int notice_create(struct xz_req *r)
{
	struct xz_joint_notice_in in = {0};
	json_t *lon = NULL, *lat = NULL;
	int64_t id, nid = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s:s,s?o,s?o}", "category", &in.category, "description",
				&in.description, "lon", &lon, "lat", &lat)) < 0 ||
	    (rc = point(r, lon, lat, &in.at)) < 0 ||
	    (rc = done(r, xz_joint_notice_issue(xz_req_ctx(r), id, &in, &nid), "notice", id)) < 0)
		return rc;
	return item(r, "notices", nid, 201);
}

static int notice_answer(struct xz_req *r)
{
	json_t *officers = NULL;
	int64_t id, nid;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_id(r, 1, &nid)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:o}", "officers", &officers)) < 0 ||
	    (rc = done(r, xz_joint_notice_answer(xz_req_ctx(r), id, nid, officers), "notice.answer",
		       id)) < 0)
		return rc;
	return item(r, "notices", nid, 200);
}

/* notices_inbox: a unit's notices, or the township's for those who
 * coordinate; oldest first by id. */
static int notices_inbox(struct xz_req *r)
{
	const char *open = xz_req_query(r, "open");
	struct xz_page pg;
	int64_t after, limit;
	int rc;
	if ((rc = xz_req_page(r, &after, &limit)) < 0)
		return rc;
	xz_page_begin(r, &pg, limit);
	pg.row = notice_row;
	return xz_page_reply(&pg,
			     xz_joint_notices_for(xz_req_ctx(r), after, limit,
						  open && !strcmp(open, "1"), xz_page_row, &pg));
}

static int incident_create(struct xz_req *r)
{
	struct xz_joint_incident_in in = {0};
	const char *occ = NULL;
	json_t *ev = NULL;
	int64_t id, iid = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s:s,s:s,s?o}", "kind", &in.kind, "description",
				&in.description, "occurred_at", &occ, "evidence", &ev)) < 0)
		return rc;
	if (xz_time_parse(occ, &in.occurred_at) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_time", "发生时间无效",
			       "occurred_at must be ISO 8601 and not in the future", "occurred_at");
	in.evidence = ev;
	if ((rc = done(r, xz_joint_incident_report(xz_req_ctx(r), id, &in, &iid), "incident", id)) <
	    0)
		return rc;
	return item(r, "incidents", iid, 201);
}

static int incident_follow_up(struct xz_req *r)
{
	const char *state = NULL, *note = NULL;
	int64_t id, iid;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_id(r, 1, &iid)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s}", "state", &state, "note", &note)) < 0 ||
	    (rc = done(r, xz_joint_incident_follow_up(xz_req_ctx(r), id, iid, state, note),
		       "incident.follow-up", id)) < 0)
		return rc;
	return item(r, "incidents", iid, 200);
}

static int finding_create(struct xz_req *r)
{
	struct xz_joint_finding_in in = {0};
	json_t *lon = NULL, *lat = NULL;
	int64_t id, fid = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s,s?o,s?o}", "description", &in.description, "category",
				&in.category, "lon", &lon, "lat", &lat)) < 0 ||
	    (rc = point(r, lon, lat, &in.at)) < 0 ||
	    (rc = done(r, xz_joint_finding_add(xz_req_ctx(r), id, &in, &fid), "finding", id)) < 0)
		return rc;
	return item(r, "findings", fid, 201);
}

/* ---- official documents ---- */

static int send_pdf(struct xz_req *r, int rc, const struct xz_doc *doc)
{
	unsigned char *pdf = NULL;
	size_t len = 0;
	if (rc < 0)
		return rc;
	if ((rc = xz_doc_render_pdf(doc, &pdf, &len)) < 0)
		return xz_fail(r, rc, "render_failed", "公文生成失败",
			       "Rendering the document failed", NULL);
	return xz_reply_bytes(r, 200, "application/pdf", pdf, len, true);
}

static int doc_decision(struct xz_req *r)
{
	struct xz_doc doc = {0};
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	return send_pdf(r, xz_joint_doc_decision(xz_req_ctx(r), id, &doc), &doc);
}

static int doc_plan(struct xz_req *r)
{
	struct xz_doc doc = {0};
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	return send_pdf(r, xz_joint_doc_plan(xz_req_ctx(r), id, &doc), &doc);
}

/* doc_notice: the interactive-enforcement notice (§4.3.3) as the office
 * sends it to the responsible unit. */
static int doc_notice(struct xz_req *r)
{
	struct xz_doc doc = {0};
	int64_t id, nid;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_id(r, 1, &nid)) < 0)
		return rc;
	return send_pdf(r, xz_joint_doc_notice(xz_req_ctx(r), id, nid, &doc), &doc);
}

/* ---- the township's rules ---- */

static int rules_get(struct xz_req *r)
{
	json_t *out = NULL;
	int64_t town;
	int rc;
	if ((rc = xz_req_id(r, 0, &town)) < 0 ||
	    (rc = xz_joint_rules_get(xz_req_ctx(r), town, &out)) < 0)
		return rc;
	return xz_reply(r, 200, out);
}

static int rules_put(struct xz_req *r)
{
	struct xz_joint_police_rule rule = {0};
	json_int_t units = 0, people = 0;
	int emergency = 0, rc;
	int64_t town;
	if ((rc = xz_req_id(r, 0, &town)) < 0 ||
	    (rc = xz_req_unpack(r, "{s?b,s?I,s?I}", "emergency", &emergency, "major_units", &units,
				"major_participants", &people)) < 0)
		return rc;
	rule.emergency = emergency;
	rule.major_units = units;
	rule.major_participants = people;
	if ((rc = done(r, xz_joint_rules_set(xz_req_ctx(r), town, &rule), "rules", 0)) < 0)
		return rc;
	return rules_get(r);
}

const struct xz_route xz_routes_joint[] = {
    {"GET", "/api/v1/joint-actions", actions_list, "joint.read", 0},
    {"POST", "/api/v1/joint-actions", action_create, "joint.write", 0},
    {"GET", "/api/v1/joint-actions/{id}", action_get, "joint.read", 0},
    {"PUT", "/api/v1/joint-actions/{id}", action_update, "joint.write", 0},
    {"POST", "/api/v1/joint-actions/{id}/actions", action_do, "joint.write", 0},
    {"GET", "/api/v1/joint-actions/{id}/participants", participants_list, "joint.read", 0},
    {"POST", "/api/v1/joint-actions/{id}/participants", participant_add, "joint.write", 0},
    {"POST", "/api/v1/joint-actions/{id}/participants/{pid}/check-in", check_in, "joint.write", 0},
    {"POST", "/api/v1/joint-actions/{id}/participants/{pid}/check-out", check_out, "joint.write",
     0},
    {"GET", "/api/v1/joint-actions/{id}/notices", notices_of_action, "joint.read", 0},
    {"POST", "/api/v1/joint-actions/{id}/notices", notice_create, "joint.write", 0},
    {"POST", "/api/v1/joint-actions/{id}/notices/{nid}/answer", notice_answer, "joint.write", 0},
    {"GET", "/api/v1/joint-actions/{id}/incidents", incidents_list, "joint.read", 0},
    {"POST", "/api/v1/joint-actions/{id}/incidents", incident_create, "joint.write", 0},
    {"POST", "/api/v1/joint-actions/{id}/incidents/{iid}/follow-up", incident_follow_up,
     "joint.write", 0},
    {"GET", "/api/v1/joint-actions/{id}/findings", findings_list, "joint.read", 0},
    {"POST", "/api/v1/joint-actions/{id}/findings", finding_create, "joint.write", 0},
    {"GET", "/api/v1/joint-actions/{id}/documents/decision.pdf", doc_decision, "joint.read", 0},
    {"GET", "/api/v1/joint-actions/{id}/documents/plan.pdf", doc_plan, "joint.read", 0},
    {"GET", "/api/v1/joint-actions/{id}/notices/{nid}/notice.pdf", doc_notice, "joint.read", 0},
    {"GET", "/api/v1/notices", notices_inbox, "joint.read", 0},
    {"GET", "/api/v1/townships/{id}/joint-rules", rules_get, "joint.read", 0},
    {"PUT", "/api/v1/townships/{id}/joint-rules", rules_put, "joint.rules", 0},
    {NULL, NULL, NULL, NULL, 0},
};
