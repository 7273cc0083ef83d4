/*
 * routes_problems.c — the closed loop over HTTP (R4): reporting from every
 * channel (located, routed, checked for duplicates), the list with its
 * filters and warning lights, one problem with its whole history, actions
 * through the transition table of domain/problem.c, the reporter kept
 * apart and masked, evidence stored by SHA-256 and typed by content, the
 * inbox, and the figures behind the dashboard.
 */
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <math.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"
#include "domain/geo.h"
#include "domain/grid.h"
#include "domain/problem.h"
#include "domain/routing.h"
#include "http/resource.h"

#define PROBLEM_SELECT                                                                 \
	"SELECT p.id, p.county_id, p.township_id, t.name AS township_name, p.village_id, "   \
	"p.cell_id, c.name AS cell_name, p.channel, p.category, k.name AS category_name, "    \
	"p.description, p.address, p.lon, p.lat, p.state, p.unit_id, un.name AS unit_name, "  \
	"p.department_id, p.routed_unit_id, p.power_item_id, p.list_version_id, lv.number AS " \
	"list_version, p.routing_reason, p.reported_by, p.patrol_id, p.step, p.due_at, "      \
	"p.warn_at, p.supervised, p.supervise_note, p.supervise_due_at, p.merged_into, "       \
	"p.rework_count, p.return_count, p.handled_at, p.closed_at, p.on_time, p.score, "      \
	"p.evaluation, p.evaluated_at, p.version, p.created_at, p.updated_at, rp.name AS "     \
	"rep_name, rp.phone AS rep_phone FROM problems p JOIN regions t ON t.id = "             \
	"p.township_id LEFT JOIN grid_cells c ON c.id = p.cell_id LEFT JOIN categories k ON "  \
	"k.code = p.category LEFT JOIN units un ON un.id = p.unit_id LEFT JOIN list_versions " \
	"lv ON lv.id = p.list_version_id LEFT JOIN problem_reporters rp ON rp.problem_id = "   \
	"p.id "

static void problem_place(const json_t *p, struct xz_place *pl)
{
	memset(pl, 0, sizeof(*pl));
	pl->county_id = xz_jint(p, "county_id");
	pl->township_id = xz_jint(p, "township_id");
	pl->department_id = xz_jint(p, "department_id");
	pl->unit_id = xz_jint(p, "unit_id");
}

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

/* present: a stored row for the API (in place): light, reporter, flags. */
static json_t *present(struct xz_req *r, json_t *p)
{
	const char *name = xz_jstr(p, "rep_name"), *phone = xz_jstr(p, "rep_phone");
	json_t *rep = json_null(), *ot = json_object_get(p, "on_time");
	json_object_set_new(p, "light", json_string(xz_problem_open(xz_jstr(p, "state"))
							    ? xz_problem_light(xz_jint(p, "due_at"),
									       xz_jint(p, "warn_at"),
									       xz_now())
							    : "green"));
	json_object_set_new(p, "overdue",
			    json_boolean(xz_problem_open(xz_jstr(p, "state")) && xz_jint(p, "due_at") &&
					 xz_now() > xz_jint(p, "due_at")));
	if ((name || phone) && sees_reporter(r->user))
		rep = json_pack("{s:s?,s:s?,s:b}", "name", mask_name(r, name), "phone",
				mask_phone(r, phone), "masked", 1);
	json_object_set_new(p, "reporter", rep);
	json_object_del(p, "rep_name");
	json_object_del(p, "rep_phone");
	json_object_set_new(p, "supervised", json_boolean(xz_jint(p, "supervised")));
	json_object_set_new(p, "on_time", json_is_null(ot) || !ot ? json_null()
								  : json_boolean(json_integer_value(ot)));
	json_object_del(p, "warn_at");
	return xz_present(p);
}

/* load: the problem if the caller may read it (404 otherwise). */
static int load(struct xz_req *r, int64_t id, json_t **p)
{
	struct xz_place pl;
	int rc = xz_db_one(xz_req_db(r), PROBLEM_SELECT "WHERE p.id = $1", XZ_ARGS(XZ_INT(id)), p);
	if (rc == XZ_ENOTFOUND)
		return xz_fail(r, rc, "not_found", "问题不存在", "No such problem", NULL);
	if (rc < 0)
		return xz_fail_db(r, rc);
	problem_place(*p, &pl);
	if (!xz_authz(r->user, "problem.read", &pl)) {
		json_decref(*p);
		*p = NULL;
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "问题不存在", "No such problem", NULL);
	}
	return 0;
}

static int history(struct xz_req *r, int64_t id, const char *action, const char *from,
		   const char *to, const char *note, json_t *data)
{
	char *dj = data ? json_dumps(data, JSON_COMPACT) : strdup("{}");
	int rc = xz_db_exec(xz_req_db(r),
			    "INSERT INTO problem_history (problem_id, at, action, from_state, to_state, "
			    "user_id, user_name, note, data_json) VALUES ($1, $2, $3, $4, $5, $6, $7, "
			    "$8, $9)",
			    XZ_ARGS(XZ_INT(id), XZ_INT(xz_now()), XZ_TEXT(action), XZ_TEXT(from),
				    XZ_TEXT(to), XZ_INT(r->user->id), XZ_TEXT(r->user->display_name),
				    XZ_TEXT(note), XZ_TEXT(dj)),
			    NULL);
	free(dj);
	json_decref(data);
	return rc;
}

/* allowed: the actions the caller may take now, from the table. */
static json_t *allowed(struct xz_req *r, const json_t *p)
{
	const struct xz_ptrans *t;
	struct xz_place pl;
	json_t *out = json_array();
	problem_place(p, &pl);
	for (t = xz_problem_transitions; t->action; t++) {
		bool known, dup = false;
		size_t i;
		json_t *v;
		if (xz_problem_trans(t->action, xz_jstr(p, "state"), t->cond, &known) != t ||
		    !xz_authz(r->user, t->perm, &pl))
			continue;
		if (!strcmp(t->action, "evaluate") && xz_jint(p, "evaluated_at"))
			continue;
		json_array_foreach(out, i, v)
			dup |= !strcmp(json_string_value(v), t->action);
		if (!dup)
			json_array_append_new(out, json_string(t->action));
	}
	return out;
}

/* joint_actions_of: the joint enforcement actions that name this problem
 * (an escalated problem is taken up by one, R5.3). */
static json_t *joint_actions_of(struct xz_req *r, const json_t *p)
{
	json_t *rows = NULL, *row, *out = json_array(), *ids, *v;
	int64_t id = xz_jint(p, "id");
	size_t i, k;
	if (xz_db_query(xz_req_db(r),
			"SELECT id, title, mechanism, state, problem_ids_json FROM joint_actions WHERE "
			"township_id = $1 AND problem_ids_json LIKE $2 ORDER BY id",
			XZ_ARGS(XZ_INT(xz_jint(p, "township_id")),
				XZ_TEXT(xz_arena_printf(r->arena, "%%%lld%%", (long long)id))),
			&rows) < 0)
		return out;
	json_array_foreach(rows, i, row) {
		ids = json_loads(xz_jstr(row, "problem_ids_json") ?: "[]", 0, NULL);
		json_array_foreach(ids, k, v)
			if (json_integer_value(v) == id) {
				json_object_del(row, "problem_ids_json");
				json_array_append(out, row);
				break;
			}
		json_decref(ids);
	}
	json_decref(rows);
	return out;
}

/* full: the problem with history, evidence and the caller's actions. */
static int full(struct xz_req *r, int64_t id, unsigned status)
{
	json_t *p = NULL, *hist = NULL, *ev = NULL;
	int rc;
	if ((rc = load(r, id, &p)) < 0)
		return rc;
	if ((rc = xz_db_query(xz_req_db(r),
			      "SELECT at, action, from_state, to_state, user_name, note, data_json "
			      "FROM problem_history WHERE problem_id = $1 ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &hist)) < 0 ||
	    (rc = xz_db_query(xz_req_db(r),
			      "SELECT id, sha256, mime, size, step, created_at FROM evidence WHERE "
			      "problem_id = $1 ORDER BY id",
			      XZ_ARGS(XZ_INT(id)), &ev)) < 0) {
		json_decref(p);
		json_decref(hist);
		return xz_fail_db(r, rc);
	}
	json_object_set_new(p, "allowed_actions", allowed(r, p));
	json_object_set_new(p, "joint_actions", joint_actions_of(r, p));
	json_object_set_new(p, "routing",
			    json_pack("{s:O,s:O,s:O,s:O}", "unit_id", json_object_get(p, "routed_unit_id"),
				      "power_item_id", json_object_get(p, "power_item_id"),
				      "list_version", json_object_get(p, "list_version"), "reason",
				      json_object_get(p, "routing_reason")));
	present(r, p);
	{
		json_t *h;
		size_t i;
		char buf[XZ_TIME_LEN];
		json_array_foreach(hist, i, h)
			json_object_set_new(h, "at", json_string(xz_time_format(xz_jint(h, "at"), buf)));
	}
	json_object_set_new(p, "history", xz_present_all(hist));
	json_object_set_new(p, "evidence", xz_present_all(ev));
	return xz_reply(r, status, p);
}

/* duplicates: open problems of the category within the configured
 * distance (problems.duplicate_m, default 300 m) and time
 * (problems.duplicate_days, default 30). */
static json_t *duplicates(struct xz_req *r, const char *category, double lon, double lat,
			  int64_t except)
{
	json_t *rows = NULL, *row, *out = json_array(), *set = NULL;
	double metres = 300, days = 30, dlat, dlon;
	size_t i;
	if (xz_db_query(xz_req_db(r),
			"SELECT key, value FROM settings WHERE key IN ('problems.duplicate_m', "
			"'problems.duplicate_days')",
			XZ_NOARGS, &set) == 0)
		json_array_foreach(set, i, row) {
			double v = strtod(xz_jstr(row, "value") ?: "0", NULL);
			if (v > 0 && !strcmp(xz_jstr(row, "key"), "problems.duplicate_m"))
				metres = v;
			else if (v > 0)
				days = v;
		}
	json_decref(set);
	dlat = metres / 111195.0;
	dlon = dlat / fmax(cos(lat * M_PI / 180), 0.01);
	if (xz_db_query(xz_req_db(r),
			"SELECT p.id, p.state, p.description, p.lon, p.lat, p.created_at, p.county_id, "
			"p.township_id, p.department_id, p.unit_id "
			"FROM problems p WHERE p.category = $1 AND p.created_at >= $2 AND p.lat "
			"BETWEEN $3 AND $4 AND p.lon BETWEEN $5 AND $6 AND p.id <> $7 AND p.state IN "
			"('reported','accepted','dispatched','in_hand','handled','verified') ORDER BY "
			"p.id LIMIT 50",
			XZ_ARGS(XZ_TEXT(category), XZ_INT(xz_now() - (int64_t)(days * 86400)),
				XZ_REAL(lat - dlat), XZ_REAL(lat + dlat), XZ_REAL(lon - dlon),
				XZ_REAL(lon + dlon), XZ_INT(except)),
			&rows) < 0)
		return out;
	json_array_foreach(rows, i, row) {
		double d = xz_distance_m(lon, lat, json_real_value(json_object_get(row, "lon")),
					 json_real_value(json_object_get(row, "lat")));
		struct xz_place pl;
		problem_place(row, &pl);
		if (d > metres || !xz_authz(r->user, "problem.read", &pl))
			continue;
		json_object_set_new(row, "distance_m", json_real(round(d)));
		json_array_append(out, xz_present(row));
	}
	json_decref(rows);
	return out;
}

static int problem_create(struct xz_req *r)
{
	const char *channel = NULL, *category = NULL, *desc = NULL, *address = NULL;
	json_t *lon_j = NULL, *lat_j = NULL, *reporter = NULL, *dups = NULL, *cat = NULL,
	       *row = NULL;
	json_int_t town_in = 0, patrol = 0;
	const char *rname = NULL, *rphone = NULL;
	double lon = 0, lat = 0;
	bool has_pos;
	struct xz_located at = {0};
	struct xz_place pl = {0};
	int64_t id = 0, town = 0;
	int rc;

	if ((rc = xz_req_json(r)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s:s,s:s,s?o,s?o,s?s,s?o,s?I,s?I}", "channel", &channel,
				"category", &category, "description", &desc, "lon", &lon_j, "lat",
				&lat_j, "address", &address, "reporter", &reporter, "township_id",
				&town_in, "patrol_id", &patrol)) < 0)
		return rc;
	if (!xz_one_of(channel, xz_problem_channels))
		return xz_fail(r, XZ_EMALFORMED, "invalid_channel",
			       "渠道须为complaint、patrol、media、video、transfer或assigned",
			       "channel must be complaint, patrol, media, video, transfer or assigned",
			       "channel");
	if (!*desc || strlen(desc) > XZ_MAX_TEXT)
		return xz_fail(r, XZ_EMALFORMED, "invalid_description", "问题描述不能为空且不超过2万字节",
			       "description must be 1 to 20000 bytes", "description");
	if (address && strlen(address) > XZ_MAX_NAME * 2)
		return xz_fail(r, XZ_EMALFORMED, "invalid_address", "地址过长", "address too long",
			       "address");
	has_pos = (lon_j && !json_is_null(lon_j)) || (lat_j && !json_is_null(lat_j));
	if (has_pos) {
		if (!json_is_number(lon_j) || !json_is_number(lat_j) ||
		    fabs(lon = json_number_value(lon_j)) > 180 ||
		    fabs(lat = json_number_value(lat_j)) > 90 || !xz_geo_in_china(lon, lat))
			return xz_fail(r, XZ_EMALFORMED, "invalid_position",
				       "经纬度须同时给出且在有效范围内",
				       "lon and lat must both be valid numbers", "lon");
	} else if (!address || !*address) {
		return xz_fail(r, XZ_EMALFORMED, "position_required", "须给出位置（经纬度）或地址",
			       "Give a position (lon/lat) or an address", "lon");
	}
	if (reporter && !json_is_null(reporter)) {
		if (!json_is_object(reporter) ||
		    json_unpack(reporter, "{s?s,s?s!}", "name", &rname, "phone", &rphone) < 0 ||
		    (rname && strlen(rname) > XZ_MAX_NAME) ||
		    (rphone && (strlen(rphone) < 5 || strlen(rphone) > 20 ||
				strspn(rphone, "0123456789+-") != strlen(rphone))))
			return xz_fail(r, XZ_EMALFORMED, "invalid_reporter",
				       "举报人须为{\"name\",\"phone\"}，电话为5到20位数字",
				       "reporter must be {\"name\",\"phone\"} with a 5–20 digit phone",
				       "reporter");
	}
	if (xz_db_one(xz_req_db(r), "SELECT id, parent_id FROM categories WHERE code = $1",
		      XZ_ARGS(XZ_TEXT(category)), &cat) < 0)
		return xz_fail(r, XZ_ERULE, "invalid_category", "问题类别不存在",
			       "No such problem category", "category");
	json_decref(cat);
	if (patrol && xz_db_one(xz_req_db(r), "SELECT id FROM patrols WHERE id = $1",
				XZ_ARGS(XZ_INT(patrol)), &row) < 0)
		return xz_fail(r, XZ_ERULE, "invalid_reference", "巡查记录不存在",
			       "No such patrol", "patrol_id");
	json_decref(row);
	row = NULL;
	/* where it is: the cell containing the point, else the township the
	 * point or the reporter's own place names */
	if (has_pos) {
		rc = xz_grid_locate(xz_req_db(r), lon, lat, &at);
		if (rc < 0 && rc != XZ_ENOTFOUND)
			return xz_fail_db(r, rc);
		town = at.township_id;
		if (!town && (rc = xz_grid_township_of(xz_req_db(r), lon, lat, &town)) < 0)
			return xz_fail_db(r, rc);
	}
	if (!town)
		town = town_in ? town_in : r->user->township_id;
	if (!town)
		return xz_fail(r, XZ_ERULE, "township_required",
			       "位置不在网格内，须指明所属乡镇（街道）township_id",
			       "The position is outside the grid: give township_id", "township_id");
	if (xz_db_one(xz_req_db(r),
		      "SELECT id, county_id FROM regions WHERE id = $1 AND level = 'township'",
		      XZ_ARGS(XZ_INT(town)), &row) < 0)
		return xz_fail(r, XZ_ERULE, "invalid_reference", "乡镇（街道）不存在",
			       "No such township", "township_id");
	pl.county_id = xz_jint(row, "county_id");
	pl.township_id = town;
	json_decref(row);
	row = NULL;
	if ((rc = xz_authorize(r, "problem.report", &pl)) < 0)
		return rc;
	struct xz_problem_in pin = {.county_id = pl.county_id,
				    .township_id = town,
				    .village_id = at.village_id,
				    .cell_id = at.cell_id,
				    .reported_by = r->user->id,
				    .patrol_id = patrol,
				    .channel = channel,
				    .category = category,
				    .description = desc,
				    .address = address,
				    .reporter_name = rname,
				    .reporter_phone = rphone,
				    .user_name = r->user->display_name,
				    .has_pos = has_pos,
				    .lon = lon,
				    .lat = lat};
	if ((rc = xz_db_begin(xz_req_db(r))) < 0)
		return xz_fail_db(r, rc);
	rc = xz_problem_insert(xz_req_db(r), &pin, &id);
	if (rc == 0)
		rc = xz_req_audit_new(r, "problem.report", "problem", id, "ok", NULL,
				      json_pack("{s:s,s:s,s:I}", "channel", channel, "category",
						category, "township_id", (json_int_t)town));
	if (rc < 0 || (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		json_decref(row);
		return xz_fail_db(r, rc);
	}
	json_decref(row);
	if ((rc = full(r, id, 201)) < 0)
		return rc;
	dups = has_pos ? duplicates(r, category, lon, lat, id) : json_array();
	json_object_set_new(r->out, "duplicates", dups);
	return 0;
}

/* ---- list ---- */

/* is_yes: a query flag given as 1 or true. */
static bool is_yes(const char *v)
{
	return v && (!strcmp(v, "1") || !strcmp(v, "true"));
}

static int problems_list(struct xz_req *r)
{
	struct xz_place f = {0};
	struct xz_val p[XZ_MAX_SQL_PARAMS];
	int64_t before, limit, town = 0, unit = 0, cell = 0, now = xz_now();
	const char *state = xz_req_query(r, "state"), *channel = xz_req_query(r, "channel"),
		   *category = xz_req_query(r, "category"), *q = xz_req_query(r, "q"),
		   *light = xz_req_query(r, "light"), *overdue = xz_req_query(r, "overdue"),
		   *mine = xz_req_query(r, "mine"), *sup = xz_req_query(r, "supervised");
	json_t *rows = NULL, *row;
	char *sql;
	size_t i;
	int n = 0, rc;

	if ((rc = xz_req_page(r, &before, &limit)) < 0 ||
	    (rc = xz_req_query_id(r, xz_req_query(r, "township") ? "township" : "township_id",
				   &town)) < 0 ||
	    (rc = xz_req_query_id(r, xz_req_query(r, "unit") ? "unit" : "unit_id", &unit)) < 0 ||
	    (rc = xz_req_query_id(r, xz_req_query(r, "cell") ? "cell" : "cell_id", &cell)) < 0)
		return rc;
	if (!xz_authz_filter(r->user, "problem.read", &f))
		return xz_authorize(r, "problem.read", NULL);
	if ((state && !xz_one_of(state, xz_problem_states)) ||
	    (channel && !xz_one_of(channel, xz_problem_channels)) ||
	    (light && strcmp(light, "red") && strcmp(light, "yellow") && strcmp(light, "green")) ||
	    (q && strlen(q) > XZ_MAX_NAME))
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "筛选条件无效",
			       "Invalid filter (state, channel, light or q)", "state");
	/* only the conditions that apply, each a plain comparison, so that the
	 * planner can use the (township, id), (unit, …) and due_at indexes */
	sql = xz_arena_printf(r->arena, PROBLEM_SELECT "WHERE 1 = 1");
#define FILTER(cond, val)                                                              \
	do {                                                                           \
		sql = xz_arena_printf(r->arena, "%s AND " cond, sql, n + 1);           \
		p[n++] = val;                                                          \
	} while (0)
	if (before)
		FILTER("p.id < $%d", XZ_INT(before));
	if (f.county_id)
		FILTER("p.county_id = $%d", XZ_INT(f.county_id));
	if (f.township_id)
		FILTER("p.township_id = $%d", XZ_INT(f.township_id));
	if (f.department_id)
		FILTER("p.department_id = $%d", XZ_INT(f.department_id));
	if (f.unit_id)
		FILTER("p.unit_id = $%d", XZ_INT(f.unit_id));
	if (state)
		FILTER("p.state = $%d", XZ_TEXT(state));
	if (town)
		FILTER("p.township_id = $%d", XZ_INT(town));
	if (unit)
		FILTER("p.unit_id = $%d", XZ_INT(unit));
	if (cell)
		FILTER("p.cell_id = $%d", XZ_INT(cell));
	if (channel)
		FILTER("p.channel = $%d", XZ_TEXT(channel));
	if (category) {
		sql = xz_arena_printf(r->arena,
				      "%s AND p.category IN (SELECT code FROM categories WHERE code = $%d "
				      "OR parent_id = (SELECT id FROM categories WHERE code = $%d))",
				      sql, n + 1, n + 1);
		p[n++] = XZ_TEXT(category);
	}
	if (q && *q) {
		sql = xz_arena_printf(r->arena,
				      "%s AND (p.description LIKE $%d ESCAPE '\\' OR p.address LIKE $%d "
				      "ESCAPE '\\' OR CAST(p.id AS TEXT) = $%d)",
				      sql, n + 1, n + 1, n + 2);
		p[n++] = XZ_TEXT(xz_req_like(r, q));
		p[n++] = XZ_TEXT(q);
	}
	if (is_yes(mine))
		FILTER("p.reported_by = $%d", XZ_INT(r->user->id));
	if (is_yes(sup))
		sql = xz_arena_printf(r->arena, "%s AND p.supervised = 1", sql);
	if (is_yes(overdue) || (light && !strcmp(light, "red")))
		FILTER("p.due_at < $%d AND p.state IN ('reported','accepted','dispatched','in_hand',"
		       "'handled','verified')",
		       XZ_INT(now));
	else if (light && !strcmp(light, "yellow")) {
		sql = xz_arena_printf(r->arena,
				      "%s AND p.due_at >= $%d AND p.warn_at <= $%d AND p.state IN "
				      "('reported','accepted','dispatched','in_hand','handled','verified')",
				      sql, n + 1, n + 1);
		p[n++] = XZ_INT(now);
	} else if (light && !strcmp(light, "green")) {
		sql = xz_arena_printf(r->arena,
				      "%s AND (p.due_at IS NULL OR p.warn_at > $%d OR p.state NOT IN "
				      "('reported','accepted','dispatched','in_hand','handled','verified'))",
				      sql, n + 1);
		p[n++] = XZ_INT(now);
	}
#undef FILTER
	sql = xz_arena_printf(r->arena, "%s ORDER BY p.id DESC LIMIT $%d", sql, n + 1);
	p[n++] = XZ_INT(limit);
	if ((rc = xz_db_query(xz_req_db(r), sql, p, n, &rows)) < 0)
		return xz_fail_db(r, rc);
	json_array_foreach(rows, i, row) {
		json_object_del(row, "routing_reason");
		present(r, row);
	}
	{
		json_t *next = json_null();
		size_t cnt = json_array_size(rows);
		if (cnt && (int64_t)cnt >= limit)
			next = json_sprintf("%lld", (long long)xz_jint(json_array_get(rows, cnt - 1),
								     "id"));
		return xz_reply(r, 200, json_pack("{s:o,s:o}", "items", rows, "next", next));
	}
}

static int problem_get(struct xz_req *r)
{
	int64_t id;
	int rc = xz_req_id(r, 0, &id);
	return rc < 0 ? rc : full(r, id, 200);
}

/* ---- actions ---- */

struct action_in {
	const char *action, *reason, *feedback, *note, *comment, *due;
	json_int_t into, unit, score, version;
	int passed; /* -1 absent */
};

/* require: the body carries what the transition asks for (400 naming it). */
static int require(struct xz_req *r, const struct xz_ptrans *t, const struct action_in *in)
{
	static const struct {
		unsigned bit;
		const char *field, *zh;
	} need[] = {
		{XZ_PREQ_REASON, "reason", "须说明理由"},
		{XZ_PREQ_FEEDBACK, "feedback", "须填写处置反馈"},
		{XZ_PREQ_INTO, "into_id", "须指明合并到的问题"},
		{XZ_PREQ_PASSED, "passed", "须给出核查结论passed"},
		{XZ_PREQ_SCORE, "score", "须给出1到5分的评价"},
		{XZ_PREQ_NOTE, "note", "须填写说明"},
	};
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(need); i++) {
		bool ok = true;
		if (!(t->requires & need[i].bit))
			continue;
		switch (need[i].bit) {
		case XZ_PREQ_REASON: ok = in->reason && *in->reason; break;
		case XZ_PREQ_FEEDBACK: ok = in->feedback && *in->feedback; break;
		case XZ_PREQ_INTO: ok = in->into > 0; break;
		case XZ_PREQ_PASSED: ok = in->passed >= 0; break;
		case XZ_PREQ_SCORE: ok = in->score >= 1 && in->score <= 5; break;
		case XZ_PREQ_NOTE: ok = in->note && *in->note; break;
		}
		if (!ok)
			return xz_fail(r, XZ_EMALFORMED, "missing_field", need[i].zh,
				       xz_arena_printf(r->arena, "%s is required", need[i].field),
				       need[i].field);
	}
	return 0;
}

/* effects: the action's own changes beyond state and deadline. */
static int effects(struct xz_req *r, const struct xz_ptrans *t, const struct action_in *in,
		   json_t *p, int64_t *unit_out)
{
	struct xz_db *db = xz_req_db(r);
	int64_t id = xz_jint(p, "id"), now = xz_now(), v;
	json_t *row = NULL;
	int rc = 0;

	*unit_out = xz_jint(p, "unit_id");
	if (!strcmp(t->action, "dispatch")) {
		int64_t unit = in->unit > 0 ? in->unit : xz_jint(p, "unit_id");
		if (!unit)
			return xz_fail(r, XZ_ERULE, "unit_required",
				       "没有计算出责任单位，须指定派遣单位unit_id",
				       "No responsible unit was routed: give unit_id", "unit_id");
		if (xz_db_one(db, "SELECT id, department_id FROM units WHERE id = $1 AND township_id = $2",
			      XZ_ARGS(XZ_INT(unit), XZ_INT(xz_jint(p, "township_id"))), &row) < 0)
			return xz_fail(r, XZ_ERULE, "invalid_unit", "派遣单位须为本乡镇（街道）的派驻机构",
				       "The unit must be stationed in the problem's township",
				       "unit_id");
		rc = xz_db_exec(db, "UPDATE problems SET unit_id = $2, department_id = $3 WHERE id = $1",
				XZ_ARGS(XZ_INT(id), XZ_INT(unit), XZ_INT(xz_jint(row, "department_id"))),
				NULL);
		json_decref(row);
		*unit_out = unit;
	} else if (!strcmp(t->action, "merge")) {
		if (in->into == id ||
		    xz_db_one(db,
			      "SELECT id FROM problems WHERE id = $1 AND township_id = $2 AND state IN "
			      "('reported','accepted','dispatched','in_hand','handled','verified')",
			      XZ_ARGS(XZ_INT(in->into), XZ_INT(xz_jint(p, "township_id"))), &row) < 0)
			return xz_fail(r, XZ_ERULE, "invalid_merge_target",
				       "只能合并到本乡镇（街道）另一件未办结的问题",
				       "Merge into another open problem of the same township",
				       "into_id");
		json_decref(row);
		/* everyone following this one follows the survivor: they hear its outcome */
		if ((rc = xz_db_exec(db, "UPDATE problems SET merged_into = $2 WHERE id = $1",
				     XZ_ARGS(XZ_INT(id), XZ_INT(in->into)), NULL)) == 0 &&
		    (rc = xz_db_exec(db,
				     "INSERT INTO problem_watchers (problem_id, user_id) SELECT $2, "
				     "user_id FROM problem_watchers WHERE problem_id = $1 ON CONFLICT DO "
				     "NOTHING",
				     XZ_ARGS(XZ_INT(id), XZ_INT(in->into)), NULL)) == 0) {
			rc = xz_db_exec(db,
					"INSERT INTO problem_history (problem_id, at, action, from_state, "
					"to_state, user_id, user_name, note, data_json) SELECT $1, $2, "
					"'merged_in', state, state, $3, $4, $5, $6 FROM problems WHERE id = $1",
					XZ_ARGS(XZ_INT(in->into), XZ_INT(now), XZ_INT(r->user->id),
						XZ_TEXT(r->user->display_name),
						XZ_TEXT(xz_arena_printf(r->arena, "问题 #%lld 合并至此",
									(long long)id)),
						XZ_TEXT(xz_arena_printf(r->arena, "{\"merged_id\":%lld}",
									(long long)id))),
					NULL);
		}
	} else if (!strcmp(t->action, "return")) {
		rc = xz_db_exec(db,
				"UPDATE problems SET unit_id = NULL, department_id = NULL, return_count = "
				"return_count + 1 WHERE id = $1",
				XZ_ARGS(XZ_INT(id)), NULL);
		*unit_out = 0;
	} else if (!strcmp(t->action, "handle")) {
		rc = xz_db_exec(db, "UPDATE problems SET handled_at = $2 WHERE id = $1",
				XZ_ARGS(XZ_INT(id), XZ_INT(now)), NULL);
	} else if (!strcmp(t->action, "verify") && t->cond == XZ_COND_FAILED) {
		rc = xz_db_exec(db, "UPDATE problems SET rework_count = rework_count + 1 WHERE id = $1",
				XZ_ARGS(XZ_INT(id)), NULL);
	} else if (!strcmp(t->action, "close")) {
		rc = xz_db_exec(db,
				"UPDATE problems SET closed_at = $2, on_time = COALESCE(on_time, 1) "
				"WHERE id = $1",
				XZ_ARGS(XZ_INT(id), XZ_INT(now)), NULL);
	} else if (!strcmp(t->action, "evaluate")) {
		if (xz_jint(p, "evaluated_at"))
			return xz_fail(r, XZ_ECONFLICT, "invalid_transition", "该问题已评价",
				       "The problem has been evaluated already", "action");
		rc = xz_db_exec(db,
				"UPDATE problems SET score = $2, evaluation = $3, evaluated_at = $4 WHERE "
				"id = $1",
				XZ_ARGS(XZ_INT(id), XZ_INT(in->score), XZ_TEXT(in->comment),
					XZ_INT(now)),
				NULL);
	} else if (!strcmp(t->action, "supervise")) {
		if (in->due) {
			if (xz_time_parse(in->due, &v) < 0 || v <= now)
				return xz_fail(r, XZ_EMALFORMED, "invalid_time",
					       "督办期限须为将来的ISO 8601时间",
					       "due_at must be a future ISO 8601 time", "due_at");
		} else if ((rc = xz_caldb_deadline(db, now, 1, XZ_DL_WORKING_DAYS, &v)) < 0) {
			return xz_fail_db(r, rc);
		}
		rc = xz_db_exec(db,
				"UPDATE problems SET supervised = 1, supervise_note = $2, "
				"supervise_due_at = $3, supervise_alerted = 0 WHERE id = $1",
				XZ_ARGS(XZ_INT(id), XZ_TEXT(in->note), XZ_INT(v)), NULL);
	}
	return rc < 0 ? xz_fail_db(r, rc) : 0;
}

static int problem_action(struct xz_req *r)
{
	struct action_in in = {.passed = -1};
	json_t *p = NULL, *passed = NULL, *after = NULL;
	const struct xz_ptrans *t;
	struct xz_place pl;
	bool known;
	const char *from;
	int64_t id, now = xz_now(), due = 0, warn = 0, unit = 0;
	int rc;

	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_json(r)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s,s?s,s?s,s?s,s?s,s?I,s?I,s?I,s?o,s?I}", "action",
				&in.action, "reason", &in.reason, "feedback", &in.feedback, "note",
				&in.note, "comment", &in.comment, "due_at", &in.due, "into_id",
				&in.into, "unit_id", &in.unit, "score", &in.score, "passed", &passed,
				"version", &in.version)) < 0)
		return rc;
	if (passed) {
		if (!json_is_boolean(passed))
			return xz_fail(r, XZ_EMALFORMED, "invalid_body", "passed须为true或false",
				       "passed must be true or false", "passed");
		in.passed = json_is_true(passed);
	}
	if ((in.reason && strlen(in.reason) > XZ_MAX_TEXT) ||
	    (in.feedback && strlen(in.feedback) > XZ_MAX_TEXT) ||
	    (in.note && strlen(in.note) > XZ_MAX_TEXT) ||
	    (in.comment && strlen(in.comment) > XZ_MAX_TEXT))
		return xz_fail(r, XZ_EMALFORMED, "too_long", "文字过长", "Text too long", NULL);
	if ((rc = load(r, id, &p)) < 0)
		return rc;
	if (in.version && (rc = xz_check_version(r, xz_jint(p, "version"))) < 0)
		goto out;
	from = xz_jstr(p, "state");
	t = xz_problem_trans(in.action, from,
			     in.passed < 0 ? XZ_COND_ANY : in.passed ? XZ_COND_PASSED : XZ_COND_FAILED,
			     &known);
	if (!known) {
		rc = xz_fail(r, XZ_EMALFORMED, "unknown_action", "未知的操作", "Unknown action",
			     "action");
		goto out;
	}
	if (!t) {
		rc = xz_fail(r, XZ_ECONFLICT, "invalid_transition",
			     xz_arena_printf(r->arena, "当前状态（%s）不能执行该操作", from),
			     xz_arena_printf(r->arena, "Action %s is not allowed in state %s", in.action,
					     from),
			     "action");
		goto out;
	}
	problem_place(p, &pl);
	if ((rc = xz_authorize(r, t->perm, &pl)) < 0 || (rc = require(r, t, &in)) < 0)
		goto out;
	if (t->starts != XZ_STEP_KEEP && t->starts != XZ_STEP_NONE &&
	    (rc = xz_problem_step_due(xz_req_db(r), xz_jstr(p, "category"), t->starts, now, &due,
				      &warn)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	if ((rc = xz_db_begin(xz_req_db(r))) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	if ((rc = effects(r, t, &in, p, &unit)) < 0)
		goto fail;
	/* a step finished after its deadline makes the problem late for good */
	int64_t changed = 0;
	rc = xz_db_exec(
		xz_req_db(r),
		"UPDATE problems SET state = $2, version = version + 1, updated_at = $3, on_time = "
		"CASE WHEN due_at IS NOT NULL AND due_at < $3 THEN 0 ELSE on_time END, step = CASE "
		"CAST($4 AS INTEGER) WHEN 0 THEN step WHEN 1 THEN NULL ELSE $5 END, step_started_at = CASE CAST($4 AS INTEGER) WHEN 0 "
		"THEN step_started_at WHEN 1 THEN NULL ELSE $3 END, due_at = CASE CAST($4 AS INTEGER) WHEN 0 THEN "
		"due_at WHEN 1 THEN NULL ELSE $6 END, warn_at = CASE CAST($4 AS INTEGER) WHEN 0 THEN warn_at WHEN 1 "
		"THEN NULL ELSE $7 END, alert_level = CASE CAST($4 AS INTEGER) WHEN 0 THEN alert_level ELSE 0 END "
		"WHERE id = $1 AND version = $8",
		XZ_ARGS(XZ_INT(id), XZ_TEXT(t->to ? t->to : from), XZ_INT(now),
			XZ_INT(t->starts == XZ_STEP_KEEP ? 0 : t->starts == XZ_STEP_NONE ? 1 : 2),
			XZ_TEXT(t->starts == XZ_STEP_ACCEPT   ? "accept"
				: t->starts == XZ_STEP_HANDLE ? "handle"
				: t->starts == XZ_STEP_VERIFY ? "verify"
							      : "close"),
			XZ_INT(due), XZ_INT(warn), XZ_INT(xz_jint(p, "version"))),
		&changed);
	if (rc == 0 && !changed)
		rc = XZ_ENOTFOUND; /* someone else moved it meanwhile */
	if (rc == 0)
		rc = history(r, id, in.action, from, t->to ? t->to : from,
			     in.reason   ? in.reason
			     : in.feedback ? in.feedback
			     : in.note   ? in.note
					 : in.comment,
			     json_pack("{s:s,s:o,s:o,s:o,s:o}", "label", t->label, "passed",
				       in.passed < 0 ? json_null() : json_boolean(in.passed), "unit_id",
				       unit ? json_integer(unit) : json_null(), "into_id",
				       in.into ? json_integer(in.into) : json_null(), "score",
				       in.score ? json_integer(in.score) : json_null()));
	if (rc == 0)
		rc = xz_req_audit_new(r, xz_arena_printf(r->arena, "problem.%s", in.action), "problem", id,
				  "ok", json_pack("{s:s}", "state", from),
				  json_pack("{s:s}", "state", t->to ? t->to : from));
	if (rc == 0 && t->tell &&
	    (rc = xz_db_one(xz_req_db(r), PROBLEM_SELECT "WHERE p.id = $1", XZ_ARGS(XZ_INT(id)),
			    &after)) == 0)
		rc = xz_problem_notify(
			xz_req_db(r), after, t->tell, in.action,
			xz_arena_printf(r->arena, "问题 #%lld：%s", (long long)id, t->label),
			in.reason ? in.reason : in.feedback ? in.feedback : in.note ? in.note : "",
			r->user->id);
	/* everyone following a merged problem hears how the survivor ended */
	if (rc == 0 && !strcmp(in.action, "close")) {
		json_t *merged = NULL, *m;
		size_t i;
		rc = xz_db_query(xz_req_db(r),
				 "SELECT id, county_id, township_id, unit_id, cell_id, state FROM problems "
				 "WHERE merged_into = $1",
				 XZ_ARGS(XZ_INT(id)), &merged);
		json_array_foreach(merged, i, m) {
			if (rc == 0)
				rc = xz_problem_notify(
					xz_req_db(r), m, XZ_TELL_WATCHERS, "merged_closed",
					xz_arena_printf(r->arena, "您反映的问题已随 #%lld 办结",
							(long long)id),
					"", r->user->id);
		}
		json_decref(merged);
	}
	if (rc < 0 || (rc = xz_db_commit(xz_req_db(r))) < 0) {
		rc = rc == XZ_ENOTFOUND ? xz_fail(r, XZ_ECONFLICT, "version_conflict",
						  "问题已被他人更新，请刷新", "Changed by someone else", NULL)
					: xz_fail_db(r, rc);
		goto fail;
	}
	json_decref(after);
	json_decref(p);
	/* a unit that returned a problem no longer sees it: answer the outcome */
	if ((rc = full(r, id, 200)) == XZ_ENOTFOUND) {
		r->err_code = r->err_msg = r->err_msg_en = r->err_field = NULL;
		return xz_reply(r, 200, json_pack("{s:I,s:s,s:n}", "id", (json_int_t)id, "state",
						  t->to ? t->to : from, "unit_id"));
	}
	return rc;
fail:
	xz_db_rollback(xz_req_db(r));
out:
	json_decref(after);
	json_decref(p);
	return rc;
}

/* ---- reporter, duplicates ---- */

/* problem_reporter: the complainant in full, for the office, with a reason
 * that goes into the audit trail. */
static int problem_reporter(struct xz_req *r)
{
	const char *reason = xz_req_query(r, "reason");
	json_t *p = NULL, *rep = NULL;
	struct xz_place pl;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load(r, id, &p)) < 0)
		return rc;
	problem_place(p, &pl);
	json_decref(p);
	if ((rc = xz_authorize(r, "problem.reporter", &pl)) < 0)
		return rc;
	if (!reason || strlen(reason) < 2 || strlen(reason) > XZ_MAX_NAME)
		return xz_fail(r, XZ_EMALFORMED, "reason_required", "查看举报人信息须说明理由",
			       "Viewing the reporter requires a reason", "reason");
	rc = xz_db_one(xz_req_db(r), "SELECT name, phone FROM problem_reporters WHERE problem_id = $1",
		       XZ_ARGS(XZ_INT(id)), &rep);
	if (rc == XZ_ENOTFOUND)
		return xz_fail(r, rc, "no_reporter", "该问题没有举报人信息", "No reporter recorded",
			       NULL);
	if (rc < 0 || (rc = xz_req_audit_new(r, "problem.reporter.view", "problem", id, "ok", NULL,
					 json_pack("{s:s}", "reason", reason))) < 0) {
		json_decref(rep);
		return xz_fail_db(r, rc);
	}
	return xz_reply(r, 200, rep);
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
	return xz_reply(r, 200, json_pack("{s:o}", "items", duplicates(r, cat, lon, lat, 0)));
}

/* ---- evidence ---- */

static const char *const evidence_types[] = {"image/jpeg", "image/png",  "image/webp",
					     "image/gif",  "image/heic", "video/mp4",
					     "video/quicktime", "application/pdf", NULL};

struct upload {
	unsigned char *data;
	size_t len, cap;
	bool too_big, seen;
	char step[32];
};

static enum MHD_Result upload_part(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *filename, const char *content_type,
				   const char *transfer_encoding, const char *data, uint64_t off,
				   size_t size)
{
	struct upload *u = cls;
	XZ_UNUSED(kind);
	XZ_UNUSED(filename);
	XZ_UNUSED(content_type);
	XZ_UNUSED(transfer_encoding);
	XZ_UNUSED(off);
	if (!strcmp(key, "step")) {
		size_t have = strlen(u->step);
		if (size < sizeof(u->step) - have) {
			memcpy(u->step + have, data, size);
			u->step[have + size] = 0;
		}
		return MHD_YES;
	}
	if (strcmp(key, "file"))
		return MHD_YES;
	u->seen = true;
	if (u->len + size > XZ_MAX_UPLOAD) {
		u->too_big = true;
		return MHD_NO;
	}
	if (u->len + size > u->cap) {
		u->cap = (u->len + size) * 2 > XZ_MAX_UPLOAD ? XZ_MAX_UPLOAD : (u->len + size) * 2;
		u->data = xz_realloc(u->data, u->cap);
	}
	memcpy(u->data + u->len, data, size);
	u->len += size;
	return MHD_YES;
}

/* store_blob: write data under dir/aa/bb/<sha256> unless already there
 * (same content, same name), durably: temp file, fsync, rename. */
static int store_blob(const char *dir, const char *hex, const unsigned char *data, size_t len)
{
	char path[1200], tmp[1300], sub[1024];
	struct stat st;
	int fd = -1, rc = XZ_EIO;
	if (strlen(dir) > 900)
		return XZ_EIO;
	snprintf(sub, sizeof(sub), "%s/%.2s", dir, hex);
	mkdir(dir, 0750);
	mkdir(sub, 0750);
	snprintf(sub, sizeof(sub), "%s/%.2s/%.2s", dir, hex, hex + 2);
	mkdir(sub, 0750);
	snprintf(path, sizeof(path), "%s/%s", sub, hex);
	if (stat(path, &st) == 0 && (size_t)st.st_size == len)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640)) < 0)
		goto out;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		done += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static int evidence_upload(struct xz_req *r)
{
	struct upload u = {0};
	struct MHD_PostProcessor *pp = NULL;
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	const char *mime = NULL;
	magic_t m = NULL;
	json_t *p = NULL, *row = NULL;
	struct xz_place pl;
	int64_t id, eid = 0;
	int rc;

	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = load(r, id, &p)) < 0)
		return rc;
	problem_place(p, &pl);
	if ((rc = xz_authorize(r, "problem.evidence", &pl)) < 0)
		goto out;
	if (!(pp = MHD_create_post_processor(r->conn, 64 * 1024, upload_part, &u))) {
		rc = xz_fail(r, XZ_EMALFORMED, "multipart_required",
			     "须以multipart/form-data上传，文件字段名为file",
			     "Upload as multipart/form-data with a field named file", "file");
		goto out;
	}
	if (MHD_post_process(pp, r->body ? r->body : "", r->body_len) != MHD_YES || u.too_big ||
	    !u.seen || !u.len) {
		rc = u.too_big ? xz_fail(r, XZ_ETOOBIG, "too_big", "文件过大（上限64MB）",
					 "File too large (64 MB at most)", "file")
			       : xz_fail(r, XZ_EMALFORMED, "file_required", "没有收到文件（字段名file）",
					 "No file received (field name file)", "file");
		goto out;
	}
	/* the type is what the bytes are, not what the client says */
	if (!(m = magic_open(MAGIC_MIME_TYPE)) || magic_load(m, NULL) != 0 ||
	    !(mime = magic_buffer(m, u.data, u.len))) {
		rc = xz_fail(r, XZ_EINTERNAL, "magic_failed", "无法识别文件类型",
			     "Cannot determine the file type", "file");
		goto out;
	}
	{
		bool ok = false;
		for (const char *const *t = evidence_types; *t; t++)
			ok |= !strcmp(*t, mime);
		if (!ok) {
			rc = xz_fail(r, XZ_ERULE, "unsupported_type",
				     xz_arena_printf(r->arena,
						     "不支持的文件类型（%s）：只接受照片、视频和PDF",
						     mime),
				     xz_arena_printf(r->arena,
						     "Unsupported type %s: photos, videos and PDF only",
						     mime),
				     "file");
			goto out;
		}
	}
	crypto_hash_sha256(hash, u.data, u.len);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	if (store_blob(r->app->evidence_dir, hex, u.data, u.len) < 0) {
		rc = xz_fail(r, XZ_EIO, "storage_error", "证据文件保存失败", "Could not store the file",
			     NULL);
		goto out;
	}
	if ((rc = xz_db_begin(xz_req_db(r))) < 0 ||
	    (rc = xz_db_int(xz_req_db(r),
			    "INSERT INTO evidence (problem_id, sha256, mime, size, step, uploaded_by, "
			    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
			    XZ_ARGS(XZ_INT(id), XZ_TEXT(hex), XZ_TEXT(mime), XZ_INT(u.len),
				    XZ_TEXT(u.step[0] ? u.step : xz_jstr(p, "state")),
				    XZ_INT(r->user->id), XZ_INT(xz_now())),
			    &eid)) < 0 ||
	    (rc = xz_req_audit_new(r, "problem.evidence", "problem", id, "ok", NULL,
			       json_pack("{s:s,s:s,s:I}", "sha256", hex, "mime", mime, "size",
					 (json_int_t)u.len))) < 0 ||
	    (rc = xz_db_commit(xz_req_db(r))) < 0) {
		xz_db_rollback(xz_req_db(r));
		rc = xz_fail_db(r, rc);
		goto out;
	}
	rc = xz_db_one(xz_req_db(r),
		       "SELECT id, problem_id, sha256, mime, size, step, created_at FROM evidence "
		       "WHERE id = $1",
		       XZ_ARGS(XZ_INT(eid)), &row);
	rc = rc < 0 ? xz_fail_db(r, rc) : xz_reply(r, 201, xz_present(row));
out:
	if (m)
		magic_close(m);
	if (pp)
		MHD_destroy_post_processor(pp);
	xz_free(u.data);
	json_decref(p);
	return rc;
}

static int evidence_get(struct xz_req *r)
{
	json_t *ev = NULL, *p = NULL;
	unsigned char hash[crypto_hash_sha256_BYTES], *data = NULL;
	char hex[crypto_hash_sha256_BYTES * 2 + 1], path[1024];
	int64_t id;
	FILE *f = NULL;
	size_t len;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	rc = xz_db_one(xz_req_db(r), "SELECT problem_id, sha256, mime, size FROM evidence WHERE id = $1",
		       XZ_ARGS(XZ_INT(id)), &ev);
	if (rc < 0)
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "证据不存在", "No such evidence", NULL);
	if ((rc = load(r, xz_jint(ev, "problem_id"), &p)) < 0)
		goto out;
	len = (size_t)xz_jint(ev, "size");
	snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", r->app->evidence_dir, xz_jstr(ev, "sha256"),
		 xz_jstr(ev, "sha256") + 2, xz_jstr(ev, "sha256"));
	data = xz_malloc(len ? len : 1);
	if (!(f = fopen(path, "rb")) || fread(data, 1, len, f) != len) {
		rc = xz_fail(r, XZ_EIO, "evidence_missing", "证据文件缺失", "The stored file is missing",
			     NULL);
		goto out;
	}
	/* served only when it is still the very file that was received */
	crypto_hash_sha256(hash, data, len);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	if (strcmp(hex, xz_jstr(ev, "sha256"))) {
		rc = xz_fail(r, XZ_EIO, "evidence_altered", "证据文件已被改动", "The stored file changed",
			     NULL);
		goto out;
	}
	xz_req_header_add(r, "X-Content-SHA256", xz_arena_strdup(r->arena, hex));
	xz_req_header_add(r, "Cache-Control", "private, max-age=86400");
	if (strncmp(xz_jstr(ev, "mime"), "image/", 6)) /* a PDF or video is never run inline */
		xz_req_header_add(r, "Content-Disposition", "attachment");
	rc = xz_reply_bytes(r, 200, xz_arena_strdup(r->arena, xz_jstr(ev, "mime")), data, len, true);
	data = NULL;
out:
	if (f)
		fclose(f);
	xz_free(data);
	json_decref(ev);
	json_decref(p);
	return rc;
}

/* ---- inbox ---- */

static int inbox_list(struct xz_req *r)
{
	int64_t before, limit, unread = 0;
	json_t *rows = NULL, *next = json_null();
	int rc;
	if ((rc = xz_req_page(r, &before, &limit)) < 0)
		return rc;
	if ((rc = xz_db_query(xz_req_db(r),
			      "SELECT id, kind, title, body, problem_id, created_at, read_at FROM "
			      "notifications WHERE user_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC "
			      "LIMIT $3",
			      XZ_ARGS(XZ_INT(r->user->id), XZ_INT(before), XZ_INT(limit)), &rows)) < 0 ||
	    (rc = xz_db_int(xz_req_db(r),
			    "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL",
			    XZ_ARGS(XZ_INT(r->user->id)), &unread)) < 0) {
		json_decref(rows);
		return xz_fail_db(r, rc);
	}
	if ((int64_t)json_array_size(rows) >= limit)
		next = json_sprintf("%lld", (long long)xz_jint(json_array_get(rows, limit - 1), "id"));
	return xz_reply(r, 200, json_pack("{s:o,s:o,s:I}", "items", xz_present_all(rows), "next",
					  next, "unread", (json_int_t)unread));
}

static int inbox_read(struct xz_req *r)
{
	int64_t id, changes = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	if ((rc = xz_db_exec(xz_req_db(r),
			     "UPDATE notifications SET read_at = $3 WHERE id = $1 AND user_id = $2 AND "
			     "read_at IS NULL",
			     XZ_ARGS(XZ_INT(id), XZ_INT(r->user->id), XZ_INT(xz_now())), &changes)) < 0)
		return xz_fail_db(r, rc);
	return xz_reply(r, 200, json_pack("{s:b}", "read", 1));
}

static int inbox_read_all(struct xz_req *r)
{
	int64_t changes = 0;
	int rc = xz_db_exec(xz_req_db(r),
			    "UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL",
			    XZ_ARGS(XZ_INT(r->user->id), XZ_INT(xz_now())), &changes);
	if (rc < 0)
		return xz_fail_db(r, rc);
	return xz_reply(r, 200, json_pack("{s:I}", "read", (json_int_t)changes));
}

/* ---- figures for the dashboard and bulletins (R7) ---- */

/* sort_desc_n: rows by "n" descending, then by code or unit_id. */
static int cmp_n(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int64_t d = xz_jint(y, "n") - xz_jint(x, "n");
	if (d)
		return d > 0 ? 1 : -1;
	if (xz_jstr(x, "code") && xz_jstr(y, "code"))
		return strcmp(xz_jstr(x, "code"), xz_jstr(y, "code"));
	d = xz_jint(x, "unit_id") - xz_jint(y, "unit_id");
	return d > 0 ? 1 : d < 0 ? -1 : 0;
}

static void sort_desc_n(json_t *arr)
{
	size_t n = json_array_size(arr), i;
	json_t **v;
	if (n < 2)
		return;
	v = xz_malloc(n * sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(arr, i));
	qsort(v, n, sizeof(*v), cmp_n);
	json_array_clear(arr);
	for (i = 0; i < n; i++)
		json_array_append_new(arr, v[i]);
	xz_free(v);
}

static int stats_problems(struct xz_req *r)
{
	struct xz_place f = {0};
	int64_t town = 0, now = xz_now(), from, to, closed = 0, ontime = 0, overdue = 0;
	const char *from_s = xz_req_query(r, "from"), *to_s = xz_req_query(r, "to");
	json_t *groups = NULL, *cats = NULL, *units = NULL, *by_cat = NULL, *by_unit = NULL,
	       *trend = NULL, *closed_by_day = NULL, *out = NULL, *row, *obj;
	size_t i;
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
	from = 0;
	to = now + 86400;
	if ((from_s && xz_time_parse(from_s, &from) < 0) || (to_s && xz_time_parse(to_s, &to) < 0))
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "from/to须为ISO 8601时间",
			       "from/to must be ISO 8601", "from");
	/* each place condition is either a plain comparison or a constant
	 * test of its (unset) parameter: no OR, so indexes apply */
	const char *where = xz_arena_printf(
		r->arena,
		" WHERE %s AND %s AND %s AND %s AND %s",
		/* a township lies in one county: its condition alone keeps the
		 * pass inside the covering index problems_stats */
		f.county_id && !f.township_id
			? "p.county_id = $1"
			: "(CAST($1 AS BIGINT) IS NULL OR CAST($1 AS BIGINT) IS NOT NULL)",
		f.township_id ? "p.township_id = $2" : "CAST($2 AS BIGINT) IS NULL",
		f.department_id ? "p.department_id = $3" : "CAST($3 AS BIGINT) IS NULL",
		f.unit_id ? "p.unit_id = $4" : "CAST($4 AS BIGINT) IS NULL",
		from_s || to_s ? "p.created_at >= $5 AND p.created_at < $6"
			       : "CAST($5 AS BIGINT) IS NOT NULL AND CAST($6 AS BIGINT) IS NOT NULL");
#define PLACE                                                                          \
	XZ_ID(f.county_id), XZ_ID(f.township_id), XZ_ID(f.department_id), XZ_ID(f.unit_id),      \
		XZ_INT(from), XZ_INT(to)
	struct xz_db *db = xz_req_db(r);
	/* one grouped pass over the place's problems, folded here into the
	 * breakdowns; the two trends read the (township, created_at) and
	 * (township, closed_at) indexes for the last thirty days */
	if ((rc = xz_db_query(
		     db,
		     xz_arena_printf(r->arena,
				     "SELECT p.state, p.channel, p.category, p.unit_id, COUNT(*) AS n, "
				     "SUM(CASE WHEN p.due_at < $7 AND p.state IN ('reported','accepted',"
				     "'dispatched','in_hand','handled','verified') THEN 1 ELSE 0 END) AS "
				     "od, SUM(CASE WHEN p.on_time = 1 AND p.state = 'closed' THEN 1 ELSE 0 "
				     "END) AS ot FROM problems p%s GROUP BY p.state, p.channel, "
				     "p.category, p.unit_id",
				     where),
		     XZ_ARGS(PLACE, XZ_INT(now)), &groups)) < 0 ||
	    (rc = xz_db_query(db, "SELECT code, name FROM categories", XZ_NOARGS, &cats)) < 0 ||
	    (rc = xz_db_query(db,
			      "SELECT id, name FROM units",
			      XZ_NOARGS, &units)) < 0 ||
	    (rc = xz_db_query(db,
			      xz_arena_printf(r->arena,
					      "SELECT (p.created_at + 28800) / 86400 AS d, COUNT(*) AS n "
					      "FROM problems p%s AND p.created_at >= $7 GROUP BY "
					      "(p.created_at + 28800) / 86400",
					      where),
			      XZ_ARGS(PLACE, XZ_INT(now - 30 * 86400)), &trend)) < 0 ||
	    (rc = xz_db_query(db,
			      xz_arena_printf(r->arena,
					      "SELECT (p.closed_at + 28800) / 86400 AS d, COUNT(*) AS n "
					      "FROM problems p%s AND p.closed_at >= $7 GROUP BY "
					      "(p.closed_at + 28800) / 86400",
					      where),
			      XZ_ARGS(PLACE, XZ_INT(now - 30 * 86400)), &closed_by_day)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
#undef PLACE
	{
		json_t *st = json_object(), *ch = json_object(), *ca = json_object(), *un = json_object(),
		       *names = json_object(), *unames = json_object(), *e, *val;
		const char *key;
		char k[32];
		json_array_foreach(cats, i, row)
			json_object_set(names, xz_jstr(row, "code"), json_object_get(row, "name"));
		json_array_foreach(units, i, row) {
			snprintf(k, sizeof(k), "%lld", (long long)xz_jint(row, "id"));
			json_object_set(unames, k, json_object_get(row, "name"));
		}
		json_array_foreach(groups, i, row) {
			int64_t n = xz_jint(row, "n"), od = xz_jint(row, "od"), ot = xz_jint(row, "ot");
			bool is_closed = !strcmp(xz_jstr(row, "state"), "closed");
			const char *cat = xz_jstr(row, "category");
			json_object_set_new(st, xz_jstr(row, "state"),
					    json_integer(xz_jint(st, xz_jstr(row, "state")) + n));
			json_object_set_new(ch, xz_jstr(row, "channel"),
					    json_integer(xz_jint(ch, xz_jstr(row, "channel")) + n));
			if (!(e = json_object_get(ca, cat))) {
				e = json_pack("{s:s,s:O,s:i}", "code", cat, "name",
					      json_object_get(names, cat) ?: json_null(), "n", 0);
				json_object_set_new(ca, cat, e);
			}
			json_object_set_new(e, "n", json_integer(xz_jint(e, "n") + n));
			overdue += od;
			if (is_closed) {
				closed += n;
				ontime += ot;
			}
			if (xz_jint(row, "unit_id")) {
				snprintf(k, sizeof(k), "%lld", (long long)xz_jint(row, "unit_id"));
				if (!(e = json_object_get(un, k))) {
					e = json_pack("{s:I,s:O,s:i,s:i,s:i,s:i}", "unit_id",
						      (json_int_t)xz_jint(row, "unit_id"), "name",
						      json_object_get(unames, k) ?: json_null(), "n", 0,
						      "overdue", 0, "on_time", 0, "closed", 0);
					json_object_set_new(un, k, e);
				}
				json_object_set_new(e, "n", json_integer(xz_jint(e, "n") + n));
				json_object_set_new(e, "overdue", json_integer(xz_jint(e, "overdue") + od));
				json_object_set_new(e, "on_time", json_integer(xz_jint(e, "on_time") + ot));
				if (is_closed)
					json_object_set_new(e, "closed",
							    json_integer(xz_jint(e, "closed") + n));
			}
		}
		by_cat = json_array();
		json_object_foreach(ca, key, val)
			json_array_append(by_cat, val);
		by_unit = json_array();
		json_object_foreach(un, key, val)
			json_array_append(by_unit, val);
		/* most first, then by code or id for a stable order */
		sort_desc_n(by_cat);
		sort_desc_n(by_unit);
		while (json_array_size(by_cat) > 20)
			json_array_remove(by_cat, json_array_size(by_cat) - 1);
		out = json_object();
		json_object_set_new(out, "by_state", st);
		json_object_set_new(out, "by_channel", ch);
		json_decref(ca);
		json_decref(un);
		json_decref(names);
		json_decref(unames);
	}
	json_object_set(out, "by_category", by_cat);
	json_object_set(out, "by_unit", by_unit);
	json_object_set_new(out, "overdue", json_integer(overdue));
	json_object_set_new(out, "closed", json_integer(closed));
	json_object_set_new(out, "on_time_rate", closed ? json_real((double)ontime / (double)closed)
							: json_null());
	obj = json_array();
	for (int64_t d = xz_day_of(now) - 29; d <= xz_day_of(now); d++) {
		char day[XZ_DATE_LEN];
		int64_t rep = 0, clo = 0;
		json_array_foreach(trend, i, row)
			if (xz_jint(row, "d") == d)
				rep = xz_jint(row, "n");
		json_array_foreach(closed_by_day, i, row)
			if (xz_jint(row, "d") == d)
				clo = xz_jint(row, "n");
		json_array_append_new(obj, json_pack("{s:s,s:I,s:I}", "day", xz_date_format(d, day),
						     "reported", (json_int_t)rep, "closed",
						     (json_int_t)clo));
	}
	json_object_set_new(out, "trend", obj);
	rc = xz_reply(r, 200, out);
out:
	json_decref(groups);
	json_decref(cats);
	json_decref(units);
	json_decref(by_cat);
	json_decref(by_unit);
	json_decref(trend);
	json_decref(closed_by_day);
	return rc;
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
