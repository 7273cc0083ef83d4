/*
 * routes_problems.c — the closed loop over HTTP (R4): each handler reads
 * its input against a declared shape, makes one call into the domain
 * (domain/problem.h, domain/evidence.h; inside xz_ctx_tx when it writes)
 * and presents the answer: warning lights, the complainant masked for
 * those who may see it at all, times in ISO 8601. The rules themselves —
 * the life cycle, who may act, deadlines, evidence storage — live in the
 * domain. Also the figures behind the dashboard (stats_problems).
 */
#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/evidence.h"
#include "domain/figures.h"
#include "domain/notify.h"
#include "domain/problem.h"
#include "http/resource.h"

/* ---- presentation ---- */

/* mask_name: the first character and a star for each other (张* / 欧阳**). */
static char *mask_name(struct xz_req *r, const char *s)
{
	size_t first = 1, n = 0, i;
	char *out;
	if (!s || !*s)
		return NULL;
	while (s[first] && (s[first] & 0xC0) == 0x80)
		first++;
	for (i = first; s[i]; i++)
		if ((s[i] & 0xC0) != 0x80)
			n++;
	out = xz_arena_alloc(r->arena, first + (n ? n : 1) + 1);
	memcpy(out, s, first);
	memset(out + first, '*', n ? n : 1);
	out[first + (n ? n : 1)] = 0;
	return out;
}

/* mask_phone: 138****1234 — the first three and the last four digits. */
static char *mask_phone(struct xz_req *r, const char *s)
{
	size_t n = s ? strlen(s) : 0, i;
	char *out;
	if (!n)
		return NULL;
	out = xz_arena_strdup(r->arena, s);
	for (i = 0; i < n; i++)
		if ((n >= 8 && i >= 3 && i < n - 4) || (n < 8 && i < n - 2))
			out[i] = '*';
	return out;
}

/* sees_reporter: the township's office, leaders and grid members see the
 * complainant masked; the units (the side complained about) never do. */
static bool sees_reporter(const struct xz_user *u)
{
	return (u->roles & (XZ_ROLE_OFFICE | XZ_ROLE_LEADER | XZ_ROLE_GRID)) &&
	       !(u->roles & (XZ_ROLE_STAFF | XZ_ROLE_CONTACT | XZ_ROLE_DEPT));
}

/* The fields a problem shows beside its columns, from its state, its
 * deadlines and its reporter's columns: one rule for the page of one
 * problem (present) and for a list's rows (list_row). */
struct face {
	const char *light;
	bool overdue, provisional;
	json_t *reporter; /* null, or the masked name and phone (new reference) */
};

static void face_of(struct xz_req *r, const char *state, int64_t due, int64_t warn,
		    const char *name, const char *phone, struct face *f)
{
	bool open = xz_fsm_is_open(&xz_problem_fsm, state);
	int64_t now = xz_req_ctx(r)->now;
	f->light = open ? xz_problem_light(due, warn, now) : "green";
	f->overdue = open && due && now > due;
	f->provisional = xz_deadline_provisional(due);
	f->reporter = (name || phone) && sees_reporter(r->user)
			  ? json_pack("{s:s?,s:s?,s:b}", "name", mask_name(r, name), "phone",
				      mask_phone(r, phone), "masked", 1)
			  : json_null();
}

/* present: a stored row for the API (in place): light, reporter, flags. */
static json_t *present(struct xz_req *r, json_t *p)
{
	json_t *ot = json_object_get(p, "on_time");
	struct face f;
	face_of(r, xz_jstr(p, "state"), xz_jint(p, "due_at"), xz_jint(p, "warn_at"),
		xz_jstr(p, "rep_name"), xz_jstr(p, "rep_phone"), &f);
	json_object_set_new(p, "light", json_string(f.light));
	json_object_set_new(p, "overdue", json_boolean(f.overdue));
	json_object_set_new(p, "deadline_provisional", json_boolean(f.provisional));
	json_object_set_new(p, "reporter", f.reporter);
	json_object_del(p, "rep_name");
	json_object_del(p, "rep_phone");
	json_object_set_new(p, "supervised", json_boolean(xz_jint(p, "supervised")));
	json_object_set_new(p, "on_time", json_is_null(ot) || !ot ? json_null()
								  : json_boolean(json_integer_value(ot)));
	json_object_del(p, "warn_at");
	return xz_present(p);
}

/* list_row: a row of the list written as present() shows it, straight
 * from the columns the database read (no tree): the same fields, the
 * routing reason left out as the list always has. Which column is which
 * is found on the page's first row (tag). */
enum { L_OTHER, L_STATE, L_DUE, L_WARN, L_REP_NAME, L_REP_PHONE, L_SUPERVISED, L_ON_TIME, L_SKIP };

static unsigned char list_tag(const char *name)
{
	static const char *const named[] = {
	    [L_STATE] = "state",	 [L_DUE] = "due_at",
	    [L_WARN] = "warn_at",	 [L_REP_NAME] = "rep_name",
	    [L_REP_PHONE] = "rep_phone", [L_SUPERVISED] = "supervised",
	    [L_ON_TIME] = "on_time",	 [L_SKIP] = "routing_reason",
	};
	size_t t;
	for (t = 1; t < XZ_ARRAY_LEN(named); t++)
		if (!strcmp(name, named[t]))
			return (unsigned char)t;
	return L_OTHER;
}

static void list_row(struct xz_page *pg, const struct xz_col *cols, int n)
{
	struct xz_req *r = pg->r;
	const char *state = "", *name = NULL, *phone = NULL;
	int64_t due = 0, warn = 0;
	struct xz_jw *w = &pg->w;
	struct face f;
	int c;
	for (c = 0; c < n; c++) {
		const struct xz_col *k = &cols[c];
		unsigned char tag;
		if (c >= XZ_PAGE_COLS)
			tag = list_tag(k->name);
		else if (pg->first_row)
			tag = pg->tag[c] = list_tag(k->name);
		else
			tag = pg->tag[c];
		switch (tag) {
		case L_STATE:
			state = k->t == XZ_COL_TEXT ? k->s : "";
			xz_page_column(pg, cols, c);
			break;
		case L_DUE:
			due = k->t == XZ_COL_INT ? k->i : 0;
			xz_page_column(pg, cols, c);
			break;
		case L_WARN: warn = k->t == XZ_COL_INT ? k->i : 0; break;
		case L_REP_NAME: name = k->t == XZ_COL_TEXT ? k->s : NULL; break;
		case L_REP_PHONE: phone = k->t == XZ_COL_TEXT ? k->s : NULL; break;
		case L_SUPERVISED:
			xz_page_key(pg, k->name);
			xz_jw_bool(w, k->t == XZ_COL_INT && k->i);
			break;
		case L_ON_TIME:
			xz_page_key(pg, k->name);
			if (k->t == XZ_COL_INT)
				xz_jw_bool(w, k->i);
			else
				xz_jw_raw(w, "null", 4);
			break;
		case L_SKIP: break;
		default: xz_page_column(pg, cols, c);
		}
	}
	face_of(r, state, due, warn, name, phone, &f);
	xz_page_key(pg, "light");
	xz_jw_str(w, f.light, strlen(f.light));
	xz_page_key(pg, "overdue");
	xz_jw_bool(w, f.overdue);
	xz_page_key(pg, "deadline_provisional");
	xz_jw_bool(w, f.provisional);
	xz_page_key(pg, "reporter");
	xz_jw_value(w, f.reporter);
	json_decref(f.reporter);
}

/* denied: a refusal by the domain is an audited access denial, as the
 * router's own (written after the use case's transaction rolled back). */
static int denied(struct xz_req *r, int rc, int64_t id)
{
	if (rc == XZ_EFORBIDDEN)
		xz_req_audit(r, "access", "problem", id, "denied", NULL, NULL);
	return rc;
}

/* full: the problem with history, evidence and the caller's actions. */
static int full(struct xz_req *r, int64_t id, unsigned status)
{
	json_t *p = NULL, *h;
	char buf[XZ_TIME_LEN];
	size_t i;
	int rc;
	if ((rc = xz_problem_full(xz_req_ctx(r), id, &p)) < 0)
		return rc;
	json_array_foreach(json_object_get(p, "history"), i, h)
		json_object_set_new(h, "at", json_string(xz_time_format(xz_jint(h, "at"), buf)));
	xz_present_all(json_object_get(p, "history"));
	xz_present_all(json_object_get(p, "evidence"));
	return xz_reply(r, status, present(r, p));
}

/* ---- reporting ---- */

struct report_call {
	struct xz_problem_report in;
	int64_t id;
	json_t *dups;
};

static int problem_create(struct xz_req *r)
{
	struct report_call k = {0};
	json_t *lon = NULL, *lat = NULL, *reporter = NULL;
	json_int_t town = 0, patrol = 0, due_days = 0;
	int rc;

	if ((rc = xz_req_json(r)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s:s,s:s,s?o,s?o,s?s,s?o,s?I,s?I,s?s,s?I,s?s}", "channel",
				&k.in.channel, "category", &k.in.category, "description",
				&k.in.description, "lon", &lon, "lat", &lat, "address", &k.in.address,
				"reporter", &reporter, "township_id", &town, "patrol_id", &patrol,
				"due_at", &k.in.assign_due_at, "due_days", &due_days, "note",
				&k.in.assign_note)) < 0)
		return rc;
	k.in.assign_due_days = due_days;
	k.in.has_pos = (lon && !json_is_null(lon)) || (lat && !json_is_null(lat));
	if (k.in.has_pos && (!json_is_number(lon) || !json_is_number(lat)))
		return xz_fail(r, XZ_EMALFORMED, "invalid_position", "经纬度须同时给出且在有效范围内",
			       "lon and lat must both be valid numbers", "lon");
	k.in.lon = k.in.has_pos ? json_number_value(lon) : 0;
	k.in.lat = k.in.has_pos ? json_number_value(lat) : 0;
	if (reporter && !json_is_null(reporter) &&
	    (!json_is_object(reporter) ||
	     json_unpack(reporter, "{s?s,s?s!}", "name", &k.in.reporter_name, "phone",
			 &k.in.reporter_phone) < 0))
		return xz_fail(r, XZ_EMALFORMED, "invalid_reporter",
			       "举报人须为{\"name\",\"phone\"}，电话为5到20位数字",
			       "reporter must be {\"name\",\"phone\"} with a 5–20 digit phone",
			       "reporter");
	k.in.township_id = town;
	k.in.patrol_id = patrol;
	if ((rc = xz_problem_report_tx(xz_req_ctx(r), &k.in, &k.id, &k.dups)) < 0) {
		json_decref(k.dups);
		return denied(r, rc, 0);
	}
	if ((rc = full(r, k.id, 201)) == 0)
		json_object_set_new(r->out, "duplicates", xz_present_all(k.dups));
	else
		json_decref(k.dups);
	return rc;
}

/* ---- list, one problem, duplicates ---- */

/* is_yes: a query flag given as 1 or true. */
static bool is_yes(const char *v)
{
	return v && (!strcmp(v, "1") || !strcmp(v, "true"));
}

static int problems_list(struct xz_req *r)
{
	struct xz_problem_filter f = {
		.state = xz_req_query(r, "state"),
		.channel = xz_req_query(r, "channel"),
		.category = xz_req_query(r, "category"),
		.q = xz_req_query(r, "q"),
		.light = xz_req_query(r, "light"),
		.mine = is_yes(xz_req_query(r, "mine")),
		.supervised = is_yes(xz_req_query(r, "supervised")),
		.overdue = is_yes(xz_req_query(r, "overdue")),
		.requested = is_yes(xz_req_query(r, "escalation_requested")),
	};
	struct xz_page pg;
	int rc;

	if ((rc = xz_req_page(r, &f.before, &f.limit)) < 0 ||
	    (rc = xz_req_query_id(r, xz_req_query(r, "township") ? "township" : "township_id",
				   &f.township_id)) < 0 ||
	    (rc = xz_req_query_id(r, xz_req_query(r, "unit") ? "unit" : "unit_id", &f.unit_id)) < 0 ||
	    (rc = xz_req_query_id(r, xz_req_query(r, "cell") ? "cell" : "cell_id", &f.cell_id)) < 0)
		return rc;
	if (!xz_authz(r->user, "problem.read", NULL))
		return xz_authorize(r, "problem.read", NULL);
	if ((f.state && !xz_one_of(f.state, xz_problem_fsm.states)) ||
	    (f.channel && !xz_one_of(f.channel, xz_problem_channels)) ||
	    (f.light && strcmp(f.light, "red") && strcmp(f.light, "yellow") &&
	     strcmp(f.light, "green")) ||
	    (f.q && strlen(f.q) > XZ_MAX_NAME))
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "筛选条件无效",
			       "Invalid filter (state, channel, light or q)", "state");
	xz_page_begin(r, &pg, f.limit);
	pg.row = list_row;
	return xz_page_reply(&pg, xz_problem_list(xz_req_ctx(r), &f, xz_page_row, &pg));
}

static int problem_get(struct xz_req *r)
{
	int64_t id;
	int rc = xz_req_id(r, 0, &id);
	return rc < 0 ? rc : full(r, id, 200);
}

static int problem_duplicates(struct xz_req *r)
{
	const char *cat = xz_req_query(r, "category"), *lo = xz_req_query(r, "lon"),
		   *la = xz_req_query(r, "lat");
	char *e1 = NULL, *e2 = NULL;
	double lon = lo ? strtod(lo, &e1) : NAN, lat = la ? strtod(la, &e2) : NAN;
	if (!cat || !lo || !la || *e1 || *e2 || !isfinite(lon) || !isfinite(lat) || fabs(lon) > 180 ||
	    fabs(lat) > 90)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "须给出category、lon、lat",
			       "category, lon and lat are required", "category");
	return xz_reply(r, 200,
			json_pack("{s:o}", "items",
				  xz_present_all(xz_problem_duplicates(xz_req_ctx(r), cat, lon, lat, 0,
									     XZ_DUP_MAX))));
}

/* ---- actions ---- */

struct act_call {
	int64_t id;
	struct xz_problem_act a;
	const char *state;
};

static int act_tx(struct xz_ctx *c, void *arg)
{
	struct act_call *k = arg;
	return xz_problem_apply(c, k->id, &k->a, &k->state);
}

static int problem_action(struct xz_req *r)
{
	struct act_call k = {.a = {.passed = -1}};
	struct xz_problem_act *a = &k.a;
	json_t *passed = NULL;
	json_int_t into = 0, unit = 0, score = 0, version = 0, due_days = 0;
	int rc;

	if ((rc = xz_req_id(r, 0, &k.id)) < 0 || (rc = xz_req_json(r)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s,s?s,s?s,s?s,s?s,s?s,s?I,s?I,s?I,s?o,s?I,s?I}", "action",
				&a->action, "reason", &a->reason, "feedback", &a->feedback, "note",
				&a->note, "comment", &a->comment, "result", &a->result, "due_at",
				&a->due_at, "into_id", &into, "unit_id", &unit, "score", &score,
				"passed", &passed, "version", &version, "due_days", &due_days)) < 0)
		return rc;
	a->due_days = due_days;
	if (passed && !json_is_boolean(passed))
		return xz_fail(r, XZ_EMALFORMED, "invalid_body", "passed须为true或false",
			       "passed must be true or false", "passed");
	a->passed = passed ? json_is_true(passed) : -1;
	a->into_id = into;
	a->unit_id = unit;
	a->score = score;
	a->version = version;
	if ((a->reason && strlen(a->reason) > XZ_MAX_TEXT) ||
	    (a->feedback && strlen(a->feedback) > XZ_MAX_TEXT) ||
	    (a->note && strlen(a->note) > XZ_MAX_TEXT) ||
	    (a->comment && strlen(a->comment) > XZ_MAX_TEXT) ||
	    (a->result && strlen(a->result) > XZ_MAX_TEXT))
		return xz_fail(r, XZ_EMALFORMED, "too_long", "文字过长", "Text too long", NULL);
	if ((rc = xz_ctx_tx(xz_req_ctx(r), act_tx, &k)) < 0)
		return denied(r, rc, k.id);
	/* a unit that returned a problem no longer sees it: answer the outcome */
	if ((rc = full(r, k.id, 200)) == XZ_ENOTFOUND) {
		struct xz_ctx *c = xz_req_ctx(r);
		c->err_code = c->err_msg = c->err_msg_en = c->err_field = NULL;
		return xz_reply(r, 200, json_pack("{s:I,s:s,s:n}", "id", (json_int_t)k.id, "state",
						  k.state, "unit_id"));
	}
	return rc;
}

/* ---- reporter ---- */

struct reporter_call {
	int64_t id;
	const char *reason;
	json_t *rep;
};

static int reporter_tx(struct xz_ctx *c, void *arg)
{
	struct reporter_call *k = arg;
	return xz_problem_reporter(c, k->id, k->reason, &k->rep);
}

/* problem_reporter: the complainant in full, for the office, with a reason
 * that goes into the audit trail. */
static int problem_reporter(struct xz_req *r)
{
	struct reporter_call k = {.reason = xz_req_query(r, "reason")};
	int rc;
	if ((rc = xz_req_id(r, 0, &k.id)) < 0)
		return rc;
	if ((rc = xz_ctx_tx(xz_req_ctx(r), reporter_tx, &k)) < 0)
		return denied(r, rc, k.id);
	return xz_reply(r, 200, k.rep);
}

/* ---- evidence ---- */

/* An upload as the multipart parser hands it over: the file part goes
 * straight to the evidence store's temporary file (never whole in memory). */
struct upload {
	struct xz_evidence_upload file;
	bool too_big, seen;
	char step[32];
};

static enum MHD_Result upload_part(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *filename, const char *content_type,
				   const char *transfer_encoding, const char *data, uint64_t off,
				   size_t size)
{
	struct upload *u = cls;
	if (!strcmp(key, "step")) {
		size_t have = strlen(u->step);
		if (size && size < sizeof(u->step) - have) {
			memcpy(u->step + have, data, size);
			u->step[have + size] = 0;
		}
		return MHD_YES;
	}
	if (strcmp(key, "file"))
		return MHD_YES;
	u->seen = true;
	if (!size) /* an empty part (an empty file) brings no bytes, maybe no buffer */
		return MHD_YES;
	if (u->file.len + size > XZ_MAX_UPLOAD) {
		u->too_big = true;
		return MHD_NO;
	}
	/* a failed write is remembered in u->file and answered by the stage */
	return xz_evidence_upload_write(&u->file, data, size) == 0 ? MHD_YES : MHD_NO;
}

struct evidence_call {
	int64_t id;
	struct xz_evidence_in in;
	json_t *row;
	bool replayed;
};

static int evidence_tx(struct xz_ctx *c, void *arg)
{
	struct evidence_call *k = arg;
	return xz_evidence_add(c, k->id, &k->in, &k->row, &k->replayed);
}

static int evidence_upload(struct xz_req *r)
{
	struct upload u = {0};
	struct evidence_call k = {0};
	struct xz_evidence_staged staged;
	struct MHD_PostProcessor *pp = NULL;
	int rc;

	xz_evidence_upload_init(&u.file, r->app->evidence_dir);
	if ((rc = xz_req_id(r, 0, &k.id)) < 0)
		goto out;
	if (!(pp = MHD_create_post_processor(r->conn, 64 * 1024, upload_part, &u))) {
		rc = xz_fail(r, XZ_EMALFORMED, "multipart_required",
			     "须以multipart/form-data上传，文件字段名为file",
			     "Upload as multipart/form-data with a field named file", "file");
		goto out;
	}
	if ((MHD_post_process(pp, r->body ? r->body : "", r->body_len) != MHD_YES &&
	     !u.file.failed) ||
	    u.too_big || !u.seen) {
		rc = u.too_big ? xz_fail(r, XZ_ETOOBIG, "too_big", "文件过大（上限64MB）",
					 "File too large (64 MB at most)", "file")
			       : xz_fail(r, XZ_EMALFORMED, "file_required", "没有收到文件（字段名file）",
					 "No file received (field name file)", "file");
		goto out;
	}
	/* the file reaches the disk before the transaction: the writer is
	 * held only for the record */
	if ((rc = xz_evidence_stage(xz_req_ctx(r), k.id, &u.file, &staged)) < 0) {
		rc = denied(r, rc, k.id);
		goto out;
	}
	k.in = (struct xz_evidence_in){.file = &staged, .step = u.step,
				       .idem_key = xz_req_header(r, "Idempotency-Key")};
	if ((rc = xz_ctx_tx(xz_req_ctx(r), evidence_tx, &k)) < 0) {
		rc = denied(r, rc, k.id);
		goto out;
	}
	if (k.replayed)
		xz_req_header_add(r, "Idempotent-Replayed", "true");
	rc = xz_reply(r, 201, xz_present(k.row));
out:
	if (pp)
		MHD_destroy_post_processor(pp);
	xz_evidence_upload_close(&u.file);
	return rc;
}

static int evidence_get(struct xz_req *r)
{
	struct xz_evidence_file f;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_evidence_read(xz_req_ctx(r), r->app->evidence_dir, id, &f)) < 0)
		return rc;
	xz_req_header_add(r, "X-Content-SHA256", f.sha256);
	xz_req_header_add(r, "Cache-Control", "private, max-age=86400");
	if (strncmp(f.mime, "image/", 6)) /* a PDF or video is never run inline */
		xz_req_header_add(r, "Content-Disposition", "attachment");
	/* sent from the file (the server closes it), never copied to the heap */
	return xz_reply_fd(r, 200, f.mime, f.fd, f.len);
}

/* ---- inbox ---- */

/* inbox_row: a notification as read, and the web route that opens its
 * record ("link", null for none) */
static void inbox_row(struct xz_page *pg, const struct xz_col *cols, int n)
{
	const char *kind = NULL, *href;
	int64_t id = 0;
	char link[64];
	int c;
	for (c = 0; c < n; c++) {
		if (!strcmp(cols[c].name, "record_kind") && cols[c].t == XZ_COL_TEXT)
			kind = cols[c].s;
		else if (!strcmp(cols[c].name, "record_id") && cols[c].t == XZ_COL_INT)
			id = cols[c].i;
		xz_page_column(pg, cols, c);
	}
	href = kind ? xz_notify_link(kind, id, link, sizeof(link)) : NULL;
	xz_page_key(pg, "link");
	if (href)
		xz_jw_str(&pg->w, href, strlen(href));
	else
		xz_jw_raw(&pg->w, "null", 4);
}

static int inbox_list(struct xz_req *r)
{
	struct xz_page pg;
	int64_t before, limit, unread = 0;
	bool capped = false;
	int rc;
	if ((rc = xz_req_page(r, &before, &limit)) < 0)
		return rc;
	xz_page_begin(r, &pg, limit);
	pg.row = inbox_row;
	rc = xz_inbox_list(xz_req_ctx(r), before, limit, xz_page_row, &pg, &unread, &capped);
	if (rc == 0) {
		xz_page_extra_int(&pg, "unread", unread);
		xz_page_extra_bool(&pg, "unread_capped", capped);
	}
	return xz_page_reply(&pg, rc);
}

static int inbox_read_tx(struct xz_ctx *c, void *arg)
{
	return xz_inbox_read(c, *(int64_t *)arg);
}

static int inbox_read(struct xz_req *r)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_ctx_tx(xz_req_ctx(r), inbox_read_tx, &id)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:b}", "read", 1));
}

static int inbox_read_all_tx(struct xz_ctx *c, void *arg)
{
	return xz_inbox_read_all(c, arg);
}

static int inbox_read_all(struct xz_req *r)
{
	int64_t n = 0;
	int rc = xz_ctx_tx(xz_req_ctx(r), inbox_read_all_tx, &n);
	return rc < 0 ? rc : xz_reply(r, 200, json_pack("{s:I}", "read", (json_int_t)n));
}

/* ---- figures for the dashboard (R7): counted by domain/figures.c ---- */

static int stats_problems(struct xz_req *r)
{
	struct xz_place f = {0};
	struct xz_ctx *c;
	int64_t town = 0, from = 0, to, now;
	const char *from_s = xz_req_query(r, "from"), *to_s = xz_req_query(r, "to");
	json_t *out = NULL;
	int rc;
	if (!xz_authz_filter(r->user, "stats.read", &f))
		return xz_authorize(r, "stats.read", NULL);
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0)
		return rc;
	if (town && f.township_id && town != f.township_id)
		return xz_authorize(r, "stats.read",
				    &(struct xz_place){.county_id = f.county_id, .township_id = town});
	if (town)
		f.township_id = town;
	c = xz_req_ctx(r);
	now = c->now;
	to = now + 86400;
	if ((from_s && xz_time_parse(from_s, &from) < 0) || (to_s && xz_time_parse(to_s, &to) < 0))
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "from/to须为ISO 8601时间",
			       "from/to must be ISO 8601", "from");
	if ((rc = xz_figures_dashboard(c, &f, from_s || to_s, from, to, &out)) < 0)
		return rc;
	return xz_reply(r, 200, out);
}

const struct xz_route xz_routes_problems[] = {
	{"POST", "/api/v1/problems", problem_create, "problem.report", 0},
	{"GET", "/api/v1/problems", problems_list, "problem.read", 0},
	{"GET", "/api/v1/problems/duplicates", problem_duplicates, "problem.read", 0},
	{"GET", "/api/v1/problems/{id}", problem_get, "problem.read", 0},
	{"POST", "/api/v1/problems/{id}/actions", problem_action, "problem.read", 0},
	{"GET", "/api/v1/problems/{id}/reporter", problem_reporter, "problem.reporter", 0},
	{"POST", "/api/v1/problems/{id}/evidence", evidence_upload, "problem.evidence",
	 XZ_MAX_UPLOAD + (1u << 20)},
	{"GET", "/api/v1/evidence/{id}", evidence_get, "problem.read", 0},
	{"GET", "/api/v1/inbox", inbox_list, "self", 0},
	{"POST", "/api/v1/inbox/{id}/read", inbox_read, "self", 0},
	{"POST", "/api/v1/inbox/read-all", inbox_read_all, "self", 0},
	{"GET", "/api/v1/stats/problems", stats_problems, "stats.read", 0},
	{NULL, NULL, NULL, NULL, 0},
};
