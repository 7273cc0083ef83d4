/*
 * notify.c — the one notifier (R7.3). Every domain file tells people
 * through xz_notify/xz_tell: the targets it names (a person, a unit's
 * contact or members, a role in a township, a department, the units of a
 * place, a problem's watchers or verifiers) are resolved here to active
 * accounts, each account is told once, and each gets a `notifications` row
 * naming the record it is about (record_kind, record_id). Rows are written
 * in the caller's transaction; the live "notification" event of each row is
 * queued on the connection (xz_db_after) and published only when that
 * transaction commits, so a use case that rolls back tells nobody. The
 * outbound hook reads the same rows (xz_notify_outbound, from the
 * scheduler), so the inbox, the live stream and the gateway always agree.
 * The inbox use cases (list, read) are here too: this file owns the table.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/log.h"
#include "store/db.h"
#include "domain/ctx.h"
#include "domain/events.h"
#include "domain/notify.h"

const struct xz_notify_kind xz_notify_kinds[] = {
    {"joint", "联合执法行动"},
    {"joint_submitted", "联合执法待审批"},
    {"joint_application", "专项申请待转报"},
    {"joint_forwarded", "专项申请待决定"},
    {"joint_approved", "联合执法已批准"},
    {"joint_returned", "联合执法方案退回"},
    {"joint_decision", "专项申请书面决定"},
    {"forward_due", "转报期限"},
    {"decision_due", "决定期限"},
    {"notice", "协同通知"},
    {"notice_alarm", "协同通知未响应"},
    {"notice_overdue", "协同通知超时"},
    {"participant", "参加联合执法"},
    {"incident", "执法保障事件"},
    {"closed", "问题已结案"},
    {"returned", "问题退回"},
    {"meeting", "联席会议"},
    {"meeting_answer", "会议回执"},
    {"minutes", "会议纪要"},
    {"minutes_review", "纪要审定"},
    {"meeting_item", "议定事项"},
    {"inspection", "督促检查"},
    {"bulletin", "通报"},
    {"assessment_flag", "履职预警"},
    {"assessment_result", "年度考核结果"},
    {"security.lockout", "账号安全"},
    {NULL, NULL},
};

/* ---- whom a target names ---- */

/* The accounts of each target kind: one column, id; $1 the target's id,
 * $2 and $3 what resolve() binds for the kind. Every query keeps to active
 * accounts. */
static const char *const target_sql[] = {
    [XZ_TO_USER] = "SELECT id FROM users WHERE disabled = 0 AND id = $1",
    [XZ_TO_PERSON] = "SELECT id FROM users WHERE disabled = 0 AND person_id = $1",
    [XZ_TO_UNIT_CONTACT] = "SELECT u.id FROM users u WHERE u.disabled = 0 AND u.unit_id = $1 AND "
			   "EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role "
			   "= 'contact')",
    [XZ_TO_UNIT_HEAD] = "SELECT u.id FROM users u JOIN units n ON n.contact_person_id = "
			"u.person_id WHERE n.id = $1 AND u.disabled = 0",
    [XZ_TO_UNIT_MEMBERS] = "SELECT u.id FROM users u WHERE u.disabled = 0 AND u.unit_id = $1 AND "
			   "EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role "
			   "IN ('staff','contact'))",
    [XZ_TO_ROLE] = "SELECT u.id FROM users u WHERE u.disabled = 0 AND u.township_id = $1 AND "
		   "EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $2)",
    [XZ_TO_DEPARTMENT] = "SELECT u.id FROM users u WHERE u.disabled = 0 AND u.department_id = "
			 "$1 AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND "
			 "r.role = 'dept')",
    [XZ_TO_UNITS_IN] = "SELECT u.id FROM users u JOIN units n ON n.id = u.unit_id WHERE "
		       "u.disabled = 0 AND n.county_id = $1 AND (CAST($2 AS BIGINT) IS NULL OR "
		       "n.township_id = $2) AND (CAST($3 AS BIGINT) IS NULL OR n.department_id = "
		       "$3)",
    [XZ_TO_WATCHERS] = "SELECT u.id FROM users u JOIN problem_watchers w ON w.user_id = u.id "
		       "WHERE w.problem_id = $1 AND u.disabled = 0",
    [XZ_TO_VERIFIERS] =
	"SELECT u.id FROM users u WHERE u.disabled = 0 AND (u.id IN (SELECT w.user_id FROM "
	"problem_watchers w WHERE w.problem_id = $1) OR u.person_id IN (SELECT m.person_id FROM "
	"grid_members m WHERE m.cell_id = $2)) AND EXISTS (SELECT 1 FROM user_roles r WHERE "
	"r.user_id = u.id AND r.role = 'grid')",
};

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* resolve: the distinct accounts the targets name, sorted, in *ids
 * (xz_free) and *n. */
static int resolve(struct xz_db *db, const struct xz_to *to, size_t nto, int64_t **ids, size_t *n)
{
	json_t *rows = NULL, *row;
	size_t i, j, k, cap = 0;
	int64_t *v = NULL;
	int rc = 0;
	*n = 0;
	for (i = 0; i < nto && rc == 0; i++) {
		const struct xz_to *t = &to[i];
		if (t->kind < XZ_TO_USER || t->kind > XZ_TO_VERIFIERS) {
			rc = XZ_EINTERNAL; /* a target this file does not know */
			break;
		}
		if (t->id <= 0 || (t->kind == XZ_TO_ROLE && !t->role))
			continue; /* nobody: no unit, no township, no person */
		json_decref(rows);
		rows = NULL;
		switch (t->kind) {
		case XZ_TO_ROLE:
			rc = xz_db_query(db, target_sql[t->kind],
					 XZ_ARGS(XZ_INT(t->id), XZ_TEXT(t->role)), &rows);
			break;
		case XZ_TO_UNITS_IN:
			rc = xz_db_query(
			    db, target_sql[t->kind],
			    XZ_ARGS(XZ_INT(t->id), XZ_ID(t->township), XZ_ID(t->department)),
			    &rows);
			break;
		case XZ_TO_VERIFIERS:
			rc = xz_db_query(db, target_sql[t->kind],
					 XZ_ARGS(XZ_INT(t->id), XZ_INT(t->cell)), &rows);
			break;
		default:
			rc = xz_db_query(db, target_sql[t->kind], XZ_ARGS(XZ_INT(t->id)), &rows);
			break;
		}
		if (rc < 0)
			break;
		json_array_foreach(rows, j, row)
		{
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				v = xz_realloc(v, cap * sizeof(*v));
			}
			v[(*n)++] = json_integer_value(json_object_get(row, "id"));
		}
	}
	json_decref(rows);
	if (rc < 0) {
		xz_free(v);
		*n = 0;
		return rc;
	}
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_id);
	for (i = k = 0; i < *n; i++)
		if (k == 0 || v[k - 1] != v[i])
			v[k++] = v[i];
	*n = k;
	*ids = v;
	return 0;
}

/* ---- live events after commit ---- */

struct later_event {
	char *name;
	json_t *data;
	struct xz_sub_place to;
};

static void publish_later(void *arg, bool committed)
{
	struct later_event *e = arg;
	if (committed)
		xz_events_publish(e->name, e->data, &e->to);
	json_decref(e->data);
	xz_free(e->name);
	xz_free(e);
}

void xz_notify_event(struct xz_db *db, const char *name, json_t *data,
		     const struct xz_sub_place *to)
{
	struct later_event *e;
	if (!data)
		return;
	e = xz_calloc(1, sizeof(*e));
	e->name = xz_strdup(name);
	e->data = data;
	if (to)
		e->to = *to;
	xz_db_after(db, publish_later, e);
}

/* ---- telling ---- */

const char *xz_notify_link(const char *record_kind, int64_t record_id, char *buf, size_t size)
{
	static const struct {
		const char *kind, *route;
	} routes[] = {
	    {"problem", "#/problem/"},
	    {"joint_action", "#/joint-action/"},
	    {"joint_notice", "#/notices/"},
	    {"meeting", "#/meeting/"},
	    {"meeting_item", "#/meeting-items/"},
	    {"inspection", "#/inspections/"},
	    {"bulletin", "#/bulletin/"},
	    {"assessment_flag", "#/assessment-flags/"},
	    {"assessment_result", "#/assessment-results/"},
	};
	size_t i;
	if (!record_kind || record_id <= 0)
		return NULL;
	for (i = 0; i < XZ_ARRAY_LEN(routes); i++)
		if (!strcmp(routes[i].kind, record_kind)) {
			snprintf(buf, size, "%s%lld", routes[i].route, (long long)record_id);
			return buf;
		}
	return NULL;
}

int xz_notify(struct xz_db *db, int64_t now, const struct xz_note *n, const struct xz_to *to,
	      size_t nto, size_t *told)
{
	int64_t *ids = NULL, nid = 0;
	size_t i, count = 0;
	char link[64];
	const char *href = xz_notify_link(n->record_kind, n->record_id, link, sizeof(link));
	bool problem = n->record_kind && !strcmp(n->record_kind, "problem");
	int rc = resolve(db, to, nto, &ids, &count);
	if (told)
		*told = 0;
	for (i = 0; rc == 0 && i < count; i++) {
		struct xz_sub_place where = {.user_id = ids[i]};
		json_t *ev;
		if (ids[i] == n->except_user)
			continue;
		if ((rc = xz_db_int(
			 db,
			 "INSERT INTO notifications (user_id, kind, title, body, problem_id, "
			 "record_kind, record_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, "
			 "$8) "
			 "RETURNING id",
			 XZ_ARGS(XZ_INT(ids[i]), XZ_TEXT(n->kind), XZ_TEXT(n->title),
				 XZ_TEXT(n->body ? n->body : ""),
				 problem ? XZ_ID(n->record_id) : XZ_NULL, XZ_TEXT(n->record_kind),
				 XZ_ID(n->record_id), XZ_INT(now)),
			 &nid)) < 0)
			break;
		ev = json_pack(
		    "{s:I,s:s,s:s,s:s?,s:o,s:s?}", "id", (json_int_t)nid, "kind", n->kind, "title",
		    n->title, "record_kind", n->record_kind, "record_id",
		    n->record_id > 0 ? json_integer(n->record_id) : json_null(), "link", href);
		/* the names events carried before record_kind existed */
		if (problem)
			json_object_set_new(ev, "problem_id", json_integer(n->record_id));
		else if (n->record_kind && !strcmp(n->record_kind, "joint_action"))
			json_object_set_new(ev, "joint_action_id", json_integer(n->record_id));
		xz_notify_event(db, "notification", ev, &where);
		if (told)
			(*told)++;
	}
	xz_free(ids);
	return rc;
}

int64_t xz_notify_actor(const struct xz_ctx *c)
{
	return c->user ? c->user->id : 0;
}

int xz_tell(struct xz_ctx *c, const struct xz_note *n, const struct xz_to *to, size_t nto)
{
	int rc = xz_notify(c->db, c->now, n, to, nto, NULL);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

/* ---- outbound ---- */

int xz_notify_outbound(struct xz_db *db, int64_t now)
{
	json_t *rows = NULL, *row, *hook = NULL;
	const char *url = NULL;
	size_t i;
	int rc;
	if (xz_db_one(db, "SELECT value FROM settings WHERE key = 'notify.webhook'", XZ_NOARGS,
		      &hook) == 0)
		url = json_string_value(json_object_get(hook, "value"));
	rc = xz_db_query(
	    db,
	    "SELECT n.id, n.kind, n.title, n.body, n.problem_id, n.record_kind, "
	    "n.record_id, u.username, p.phone FROM notifications n JOIN users u ON u.id "
	    "= n.user_id LEFT JOIN people p ON p.id = u.person_id WHERE n.sent_at IS "
	    "NULL ORDER BY n.id LIMIT 200",
	    XZ_NOARGS, &rows);
	json_array_foreach(rows, i, row)
	{
		if (url && *url) {
			CURL *c = curl_easy_init();
			struct curl_slist *hd =
			    curl_slist_append(NULL, "Content-Type: application/json");
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

/* ---- the inbox ---- */

int xz_inbox_list(struct xz_ctx *c, int64_t before, int64_t limit, xz_row_fn fn, void *arg,
		  int64_t *unread, bool *capped)
{
	int rc;
	*unread = 0;
	*capped = false;
	/* the count through notifications_unread (user_id) WHERE read_at IS
	 * NULL, stopping at the cap */
	if ((rc = xz_db_int(c->db,
			    "SELECT COUNT(*) FROM (SELECT 1 FROM notifications WHERE user_id = $1 AND "
			    "read_at IS NULL LIMIT $2) AS u",
			    XZ_ARGS(XZ_INT(c->user->id), XZ_INT(XZ_UNREAD_MAX)), unread)) < 0 ||
	    (rc = xz_db_each(
		 c->db,
		 "SELECT id, kind, title, body, problem_id, record_kind, record_id, created_at, "
		 "read_at FROM notifications WHERE user_id = $1 AND ($2 = 0 OR id < $2) ORDER BY "
		 "id DESC LIMIT $3",
		 XZ_ARGS(XZ_INT(c->user->id), XZ_INT(before), XZ_INT(limit)), fn, arg)) < 0)
		return xz_ctx_fail_db(c, rc);
	*capped = *unread >= XZ_UNREAD_MAX;
	return 0;
}

int xz_inbox_read(struct xz_ctx *c, int64_t id)
{
	int64_t changes = 0;
	int rc =
	    xz_db_exec(c->db,
		       "UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2 AND "
		       "read_at IS NULL",
		       XZ_ARGS(XZ_INT(id), XZ_INT(c->user->id), XZ_INT(c->now)), &changes);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz_inbox_read_all(struct xz_ctx *c, int64_t *n)
{
	int rc = xz_db_exec(
	    c->db, "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
	    XZ_ARGS(XZ_INT(c->user->id), XZ_INT(c->now)), n);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}
