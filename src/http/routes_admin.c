/*
 * routes_admin.c — accounts, roles, security settings and the audit trail,
 * split among the three administrators (MLPS 2.0 separation of powers):
 * the system administrator creates, disables and resets accounts; the
 * security administrator grants and revokes roles, unlocks accounts and sets
 * the password profile; the audit administrator reads the trail and checks
 * the chain. Nobody grants a role to themselves.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/users.h"
#include "http/resource.h"

#define XZ_MAX_RETENTION_DAYS 3650 /* ten years: a bound, and an integer */

static const char *const user_cols =
	"u.id, u.username, u.display_name, u.person_id, u.region_id, u.county_id, u.township_id, "
	"u.unit_id, u.department_id, u.disabled AS is_disabled, u.locked_until, "
	"u.password_changed_at, u.must_change_password, u.version, u.created_at";

static int load_user(struct xz_req *r, int64_t id, json_t **row)
{
	const char *sql = xz_arena_printf(r->arena, "SELECT %s FROM users u WHERE u.id = $1", user_cols);
	return xz_db_one(xz_req_db(r), sql, XZ_ARGS(XZ_INT(id)), row);
}

/* user_roles_each: an account's roles, in name order, each to fn (one
 * column, "role") */
static int user_roles_each(struct xz_req *r, int64_t id, xz_row_fn fn, void *arg)
{
	return xz_db_each(xz_req_db(r),
			  "SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role",
			  XZ_ARGS(XZ_INT(id)), fn, arg);
}

/* role_append: user_roles_each's visitor adding a role to the array arg */
static int role_append(void *arg, const struct xz_col *cols, int n)
{
	json_array_append_new(arg, cols[0].t == XZ_COL_TEXT ? json_string(cols[0].s) : json_null());
	return 0;
}

/* user_rows_fix: add each account's roles (none when they cannot be read)
 * and present the rows. user_row writes a listed account the same way. */
static void user_rows_fix(struct xz_req *r, json_t *rows)
{
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row)
	{
		json_t *a = json_array();
		if (user_roles_each(r, xz_jint(row, "id"), role_append, a) < 0)
			json_array_clear(a);
		json_object_set_new(row, "roles", a);
		json_object_set_new(row, "must_change_password",
				    json_boolean(xz_jint(row, "must_change_password")));
	}
	xz_present_all(rows);
}

/* role_write: user_roles_each's visitor writing a role as an item of the
 * JSON array being written (its count in n) */
struct roles_out {
	struct xz_jw *w;
	int n;
};

static int role_write(void *arg, const struct xz_col *cols, int n)
{
	struct roles_out *o = arg;
	if (o->n++)
		xz_jw_char(o->w, ',');
	if (cols[0].t == XZ_COL_TEXT)
		xz_jw_str(o->w, cols[0].s, cols[0].len);
	else
		xz_jw_raw(o->w, "null", 4);
	return 0;
}

/* user_row: a listed account as read, written as users_list presented it
 * before it wrote rows as read (user_rows_fix on a tree): locked_until is
 * the latest lock-out from any source (the account's own, throttle_until
 * the login throttle's) while it lasts, null otherwise; throttle_until is
 * not shown; must_change_password is a boolean; then "locked" and the
 * account's "roles". pg->arg points at the request's now. */
static void user_row(struct xz_page *pg, const struct xz_col *cols, int n)
{
	int64_t now = *(const int64_t *)pg->arg, until = 0, id = 0;
	struct roles_out roles = {&pg->w, 0};
	char buf[XZ_TIME_LEN];
	size_t mark;
	int c;
	for (c = 0; c < n; c++)
		if (cols[c].t == XZ_COL_INT && !strcmp(cols[c].name, "id"))
			id = cols[c].i;
		else if (cols[c].t == XZ_COL_INT && cols[c].i > until &&
			 (!strcmp(cols[c].name, "locked_until") ||
			  !strcmp(cols[c].name, "throttle_until")))
			until = cols[c].i;
	for (c = 0; c < n; c++)
		if (!strcmp(cols[c].name, "locked_until")) {
			xz_page_key(pg, "locked_until");
			if (until > now) {
				const char *t = xz_time_format(until, buf);
				xz_jw_str(&pg->w, t, strlen(t));
			} else {
				xz_jw_raw(&pg->w, "null", 4);
			}
		} else if (!strcmp(cols[c].name, "must_change_password")) {
			xz_page_key(pg, "must_change_password");
			xz_jw_bool(&pg->w, cols[c].t == XZ_COL_INT && cols[c].i);
		} else if (strcmp(cols[c].name, "throttle_until")) {
			xz_page_column(pg, cols, c);
		}
	xz_page_key(pg, "locked");
	xz_jw_bool(&pg->w, until > now);
	xz_page_key(pg, "roles");
	xz_jw_char(&pg->w, '[');
	mark = pg->w.len;
	if (user_roles_each(pg->r, id, role_write, &roles) < 0)
		pg->w.len = mark; /* as user_rows_fix: none when they cannot be read */
	xz_jw_char(&pg->w, ']');
}

/* users_list: the county's accounts, ?q= searching the login and the name;
 * each with the names of its region, unit, department and person, `locked`
 * (true while a lock-out from any source lasts) and `locked_until` the
 * latest such lock (user_row). */
static int users_list(struct xz_req *r)
{
	int64_t after, limit, now = xz_now();
	const char *q = xz_req_query(r, "q");
	struct xz_page pg;
	int rc;
	if ((rc = xz_req_page(r, &after, &limit)) < 0)
		return rc;
	if (q && strlen(q) > 100)
		return xz_fail(r, XZ_EMALFORMED, "query_too_long", "搜索词过长",
			       "The search text is too long", "q");
	xz_page_begin(r, &pg, limit);
	pg.row = user_row;
	pg.arg = &now;
	rc = xz_db_each(
	    xz_req_db(r),
	    xz_arena_printf(r->arena,
			    "SELECT %s, (SELECT MAX(t.locked_until) FROM login_throttle t "
			    "WHERE t.username = u.username) AS throttle_until, g.name AS "
			    "region_name, n.name AS unit_name, d.name AS department_name, "
			    "p.name AS person_name FROM users u LEFT JOIN regions g ON g.id = "
			    "u.region_id LEFT JOIN units n ON n.id = u.unit_id LEFT JOIN "
			    "departments d ON d.id = u.department_id LEFT JOIN people p ON p.id "
			    "= u.person_id "
			    "WHERE u.id > $1 AND u.county_id = $2 AND (CAST($4 AS TEXT) IS "
			    "NULL OR u.username LIKE $4 ESCAPE '\\' OR u.display_name LIKE "
			    "$4 ESCAPE '\\') ORDER BY u.id LIMIT $3",
			    user_cols),
	    XZ_ARGS(XZ_INT(after), XZ_INT(r->user->county_id), XZ_INT(limit),
		    XZ_TEXT(q && *q ? xz_req_like(r, q) : NULL)),
	    xz_page_row, &pg);
	return xz_page_reply(&pg, rc < 0 ? xz_fail_db(r, rc) : 0);
}

static int user_place_check(struct xz_req *r, const char *perm, int64_t id, json_t **row)
{
	struct xz_place pl = {0};
	int rc = load_user(r, id, row);
	if (rc < 0)
		return xz_fail_db(r, rc);
	pl.county_id = xz_jint(*row, "county_id");
	if ((rc = xz_authorize(r, perm, &pl)) < 0) {
		json_decref(*row);
		*row = NULL;
	}
	return rc;
}

static int why_fail(struct xz_req *r, int rc, const char *why)
{
	if (rc == XZ_ERULE && why && !strncmp(why, "password", 8))
		return xz_fail(r, rc, why, "密码不符合安全策略（至少12位、不能是常见密码、不能包含用户名）",
			       "Password does not meet the policy", "password");
	if (why && !strcmp(why, "username_taken"))
		return xz_fail(r, XZ_ECONFLICT, why, "用户名已被使用", "Username already taken",
			       "username");
	if (why && !strcmp(why, "invalid_username"))
		return xz_fail(r, XZ_EMALFORMED, why, "用户名只能包含小写字母、数字和 _ - .",
			       "Username may contain a-z, 0-9, _ - . only", "username");
	if (why && (!strcmp(why, "invalid_region") || !strcmp(why, "invalid_unit")))
		return xz_fail(r, XZ_ERULE, why, "所属区域或机构无效", "Invalid region or unit",
			       "region_id");
	return xz_fail_db(r, rc);
}

/* admin_guard: refuse (403, audited) acting on another administrator's
 * account: the system administrator cannot take over the security
 * administrator or the auditor, nor they each other (MLPS 2.0 §8.1.4.2). */
static int admin_guard(struct xz_req *r, const char *action, int64_t id, const char *detail)
{
	unsigned roles = 0;
	int rc = xz_user_roles(xz_req_db(r), id, &roles);
	if (rc < 0)
		return xz_fail_db(r, rc);
	if (!xz_user_protected(r->user->id, id, roles))
		return 0;
	xz_req_audit_detail(r, action, "user", id, "denied", detail, NULL, NULL);
	return xz_fail(r, XZ_EFORBIDDEN, "admin_account_protected",
		       "不能修改其他管理员的账号（系统、安全、审计管理员互不管理）",
		       "Another administrator's account cannot be changed (separation of the three "
		       "administrators)",
		       NULL);
}

/* users_create: the system administrator creates an account (without
 * roles: granting them is the security administrator's part). */
static int users_create(struct xz_req *r)
{
	struct xz_user_spec s = {0};
	json_int_t region = 0, unit = 0, dept = 0, person = 0;
	struct xz_place pl = {0};
	json_t *reg = NULL, *after = NULL;
	int64_t id;
	const char *why;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:s,s?s,s:s,s?I,s?I,s?I,s?I}", "username", &s.username,
				"display_name", &s.display_name, "password", &s.password,
				"region_id", &region, "unit_id", &unit, "department_id", &dept,
				"person_id", &person)) < 0)
		return rc;
	s.region_id = region ? region : r->user->county_id;
	s.unit_id = unit;
	s.department_id = dept;
	s.person_id = person;
	if ((rc = xz_res_ref(r, "regions", "id, level, county_id, township_id", s.region_id,
			     "region_id", &reg)) < 0)
		return rc;
	pl.county_id = xz_jint(reg, "county_id");
	json_decref(reg);
	if ((rc = xz_authorize(r, "user.write", &pl)) < 0)
		return rc;
	rc = xz_user_create(xz_req_db(r), &s, r->user->id, &id, &why);
	if (rc < 0)
		return why_fail(r, rc, why);
	/* the administrator chose this password: its owner must replace it */
	if ((rc = xz_user_must_change(xz_req_db(r), id, true)) < 0)
		return xz_fail_db(r, rc);
	load_user(r, id, &after);
	xz_req_audit(r, "user.create", "user", id, "ok", NULL, after);
	{
		json_t *rows = json_pack("[o]", after);
		user_rows_fix(r, rows);
		after = json_incref(json_array_get(rows, 0));
		json_decref(rows);
	}
	return xz_reply(r, 201, after);
}

/* users_update: display name and disabled flag (system administrator). */
static int users_update(struct xz_req *r)
{
	json_t *before = NULL, *after = NULL;
	const char *name = NULL;
	int disabled = -1;
	json_int_t version = -1;
	int64_t id, changes = 0;
	struct xz_db *db = xz_req_db(r);
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	if ((rc = xz_req_unpack(r, "{s?s,s?b,s?I}", "display_name", &name, "disabled", &disabled,
				"version", &version)) < 0)
		return rc;
	if ((rc = user_place_check(r, "user.write", id, &before)) < 0)
		return rc;
	if ((rc = admin_guard(r, "user.update", id, NULL)) < 0)
		goto out;
	if ((rc = xz_check_version(r, xz_jint(before, "version"))) < 0)
		goto out;
	if (id == r->user->id && disabled == 1) {
		rc = xz_fail(r, XZ_ERULE, "cannot_disable_self", "不能停用自己的账号",
			     "You cannot disable your own account", "disabled");
		goto out;
	}
	xz_db_begin(db);
	rc = xz_db_exec(db,
			"UPDATE users SET display_name = COALESCE($2, display_name), disabled = "
			"COALESCE($3, disabled), version = version + 1, updated_at = $4 WHERE id = $1 "
			"AND version = $5",
			XZ_ARGS(XZ_INT(id), XZ_TEXT(name), disabled < 0 ? XZ_NULL : XZ_INT(disabled),
				XZ_INT(xz_now()), XZ_INT(xz_jint(before, "version"))),
			&changes);
	if (rc == 0 && !changes)
		rc = XZ_ECONFLICT;
	if (rc == 0 && disabled == 1) /* a disabled account's sessions end now */
		rc = xz_db_exec(db, "UPDATE sessions SET ended_at = $2 WHERE user_id = $1 AND ended_at IS NULL",
				XZ_ARGS(XZ_INT(id), XZ_INT(xz_now())), NULL);
	if (rc == 0)
		rc = load_user(r, id, &after);
	if (rc == 0)
		rc = xz_req_audit(r, "user.update", "user", id, "ok", before, after);
	if (rc == 0)
		rc = xz_db_commit(db);
	else
		xz_db_rollback(db);
	if (rc < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	{
		json_t *rows = json_pack("[O]", after);
		user_rows_fix(r, rows);
		rc = xz_reply(r, 200, json_incref(json_array_get(rows, 0)));
		json_decref(rows);
	}
out:
	json_decref(before);
	json_decref(after);
	return rc;
}

static int users_password(struct xz_req *r)
{
	json_t *before = NULL;
	const char *pw, *why;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	if ((rc = xz_req_unpack(r, "{s:s}", "password", &pw)) < 0)
		return rc;
	if ((rc = user_place_check(r, "user.write", id, &before)) < 0)
		return rc;
	json_decref(before);
	if ((rc = admin_guard(r, "user.password_reset", id, NULL)) < 0)
		return rc;
	rc = xz_user_set_password(xz_req_db(r), id, pw, false, &why);
	if (rc < 0)
		return why_fail(r, rc, why);
	if (id != r->user->id && (rc = xz_user_must_change(xz_req_db(r), id, true)) < 0)
		return xz_fail_db(r, rc);
	xz_req_audit(r, "user.password_reset", "user", id, "ok", NULL, NULL);
	return xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

/* with_roles: a copy of an account row with its roles, for the audit. */
static json_t *with_roles(struct xz_req *r, json_t *row)
{
	json_t *rows = json_pack("[O]", row), *one;
	user_rows_fix(r, rows);
	one = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return one;
}

/* roles_change: the security administrator grants or revokes one role.
 * No account holds two of the three administrator roles (422
 * roles_exclusive); an administrator's account is not re-roled by another
 * administrator (403). Every outcome is audited with the role as detail and
 * the account's roles before and after. */
static int roles_change(struct xz_req *r, bool grant)
{
	json_t *before = NULL, *after = NULL;
	const char *role_name, *action = grant ? "role.grant" : "role.revoke";
	unsigned role, held = 0;
	int64_t id;
	struct xz_db *db = xz_req_db(r);
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	role_name = r->params[1];
	role = xz_role_parse(role_name);
	if (!role)
		return xz_fail(r, XZ_ENOTFOUND, "unknown_role", "没有这个角色", "No such role", "role");
	if ((rc = user_place_check(r, "role.grant", id, &before)) < 0)
		return rc;
	role_name = xz_role_name(role); /* static: outlives the request */
	if (id == r->user->id) {
		rc = xz_fail(r, XZ_EFORBIDDEN, "self_grant", "不能修改自己的角色",
			     "You cannot change your own roles", "role");
		xz_req_audit_detail(r, action, "user", id, "denied", role_name, NULL, NULL);
		goto out;
	}
	if ((rc = xz_user_roles(db, id, &held)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	if (grant && !xz_roles_exclusive_ok(held, role)) {
		rc = xz_fail(r, XZ_ERULE, "roles_exclusive",
			     "系统管理员、安全管理员、审计管理员三种角色不能由同一账号兼任",
			     "One account cannot hold two of the system, security and audit "
			     "administrator roles",
			     "role");
		xz_req_audit_detail(r, action, "user", id, "denied", role_name, NULL, NULL);
		goto out;
	}
	if ((rc = admin_guard(r, action, id, role_name)) < 0)
		goto out;
	{
		json_t *b = with_roles(r, before);
		json_decref(before);
		before = b;
	}
	xz_db_begin(db);
	if (grant)
		rc = xz_db_exec(db,
				"INSERT INTO user_roles (user_id, role, granted_by, granted_at) VALUES "
				"($1,$2,$3,$4) ON CONFLICT (user_id, role) DO NOTHING",
				XZ_ARGS(XZ_INT(id), XZ_TEXT(role_name), XZ_INT(r->user->id),
					XZ_INT(xz_now())),
				NULL);
	else
		rc = xz_db_exec(db, "DELETE FROM user_roles WHERE user_id = $1 AND role = $2",
				XZ_ARGS(XZ_INT(id), XZ_TEXT(role_name)), NULL);
	if (rc == 0)
		rc = load_user(r, id, &after);
	if (rc == 0) {
		json_t *a = with_roles(r, after);
		json_decref(after);
		after = a;
		rc = xz_req_audit_detail(r, action, "user", id, "ok", role_name, before, after);
	}
	if (rc == 0)
		rc = xz_db_commit(db);
	else
		xz_db_rollback(db);
	if (rc < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	rc = xz_reply(r, 200, json_incref(after));
out:
	json_decref(before);
	json_decref(after);
	return rc;
}

static int roles_grant(struct xz_req *r) { return roles_change(r, true); }
static int roles_revoke(struct xz_req *r) { return roles_change(r, false); }

static int users_unlock(struct xz_req *r)
{
	json_t *before = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	if ((rc = user_place_check(r, "security.write", id, &before)) < 0)
		return rc;
	json_decref(before);
	rc = xz_db_exec(xz_req_db(r), "UPDATE users SET failed_count = 0, locked_until = 0 WHERE id = $1",
			XZ_ARGS(XZ_INT(id)), NULL);
	if (rc == 0)
		rc = xz_login_unlock(xz_req_db(r), id);
	if (rc < 0)
		return xz_fail_db(r, rc);
	xz_req_audit(r, "user.unlock", "user", id, "ok", NULL, NULL);
	return xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

static int settings_get(struct xz_req *r)
{
	json_t *rows = NULL, *o = json_pack("{s:s,s:i,s:i,s:i,s:i}", "password.profile", "default",
					    "audit.retention_days", 184, "session.idle_seconds",
					    XZ_SESSION_IDLE, "session.absolute_seconds",
					    XZ_SESSION_ABSOLUTE, "lockout.failures", XZ_LOCK_FAILURES);
	size_t i;
	json_t *row;
	int rc = xz_db_query(xz_req_db(r), "SELECT key, value FROM settings ORDER BY key", XZ_NOARGS,
			     &rows);
	if (rc < 0) {
		json_decref(o);
		return xz_fail_db(r, rc);
	}
	json_array_foreach(rows, i, row)
	{
		const char *key = xz_jstr(row, "key"), *v = xz_jstr(row, "value");
		char *end;
		long long n;
		/* numeric settings are stored as text and answered as numbers */
		if (key && v && !strcmp(key, "audit.retention_days") &&
		    (n = strtoll(v, &end, 10)) > 0 && !*end)
			json_object_set_new(o, key, json_integer(n));
		else
			json_object_set(o, key, json_object_get(row, "value"));
	}
	json_decref(rows);
	return xz_reply(r, 200, o);
}

/* settings_put: the security administrator sets the password profile and
 * the audit retention (never under 184 days: 《网络安全法》 requires logs be
 * kept at least six months). */
static int settings_put(struct xz_req *r)
{
	const char *profile = NULL;
	json_int_t retention = 0;
	struct xz_db *db = xz_req_db(r);
	int rc;
	if ((rc = xz_req_unpack(r, "{s?s,s?I}", "password.profile", &profile,
				"audit.retention_days", &retention)) < 0)
		return rc;
	if (profile && strcmp(profile, "default") && strcmp(profile, "mlps"))
		return xz_fail(r, XZ_ERULE, "invalid_value", "密码策略须为default或mlps",
			       "password.profile must be default or mlps", "password.profile");
	if (retention > XZ_MAX_RETENTION_DAYS)
		return xz_fail(r, XZ_ERULE, "retention_too_long", "审计日志保存期限至多3650天",
			       "Audit retention can be at most 3650 days", "audit.retention_days");
	if (retention && retention < 184)
		return xz_fail(r, XZ_ERULE, "retention_too_short", "审计日志至少保存184天",
			       "Audit retention must be at least 184 days", "audit.retention_days");
	xz_db_begin(db);
	if (profile)
		rc = xz_db_exec(db,
				"INSERT INTO settings (key, value) VALUES ('password.profile', $1) ON "
				"CONFLICT (key) DO UPDATE SET value = $1",
				XZ_ARGS(XZ_TEXT(profile)), NULL);
	if (rc == 0 && retention) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%lld", (long long)retention);
		rc = xz_db_exec(db,
				"INSERT INTO settings (key, value) VALUES ('audit.retention_days', $1) "
				"ON CONFLICT (key) DO UPDATE SET value = $1",
				XZ_ARGS(XZ_TEXT(buf)), NULL);
	}
	if (rc == 0)
		rc = xz_req_audit(r, "settings.update", "settings", 0, "ok", NULL, r->in);
	if (rc == 0)
		rc = xz_db_commit(db);
	else
		xz_db_rollback(db);
	if (rc < 0)
		return xz_fail_db(r, rc);
	return settings_get(r);
}

/* audit_filter: the auditor's search from the query string: actor (a
 * username), action (exact, or a family "role."), object_kind (or its older
 * name object_type) and object_id, from and to (ISO 8601 or a date; a bare
 * `to` date takes in the whole day). 400 with the field on a bad time. */
static int audit_filter(struct xz_req *r, struct xz_audit_filter *f)
{
	const char *from = xz_req_query(r, "from"), *to = xz_req_query(r, "to");
	memset(f, 0, sizeof(*f));
	f->county_id = r->user->county_id;
	f->actor = xz_req_query(r, "actor");
	f->action = xz_req_query(r, "action");
	f->object_type = xz_req_query(r, "object_kind");
	if (!f->object_type)
		f->object_type = xz_req_query(r, "object_type");
	f->object_id = xz_req_query(r, "object_id");
	if (f->actor && !*f->actor)
		f->actor = NULL;
	if (f->action && !*f->action)
		f->action = NULL;
	if (f->object_type && !*f->object_type)
		f->object_type = NULL;
	if (f->object_id && !*f->object_id)
		f->object_id = NULL;
	if (from && *from && (strlen(from) > 40 || xz_time_parse(from, &f->from) < 0))
		return xz_fail(r, XZ_EMALFORMED, "invalid_time", "起始时间格式不正确",
			       "from must be an ISO 8601 time or a date", "from");
	if (to && *to && (strlen(to) > 40 || xz_time_parse(to, &f->to) < 0))
		return xz_fail(r, XZ_EMALFORMED, "invalid_time", "截止时间格式不正确",
			       "to must be an ISO 8601 time or a date", "to");
	if (to && strlen(to) == 10) /* a day: up to its last second */
		f->to += 86399;
	if (f->from && f->to && f->from > f->to)
		return xz_fail(r, XZ_EMALFORMED, "invalid_range", "起始时间不能晚于截止时间",
			       "from must not be after to", "from");
	return 0;
}

/* audit_row: an entry as read, its time ("at") in ISO 8601 */
static void audit_row(struct xz_page *pg, const struct xz_col *cols, int n)
{
	char buf[XZ_TIME_LEN];
	int c;
	for (c = 0; c < n; c++)
		if (cols[c].t == XZ_COL_INT && !strcmp(cols[c].name, "at")) {
			const char *at = xz_time_format(cols[c].i, buf);
			xz_page_key(pg, "at");
			xz_jw_str(&pg->w, at, strlen(at));
		} else {
			xz_page_column(pg, cols, c);
		}
}

static int audit_list(struct xz_req *r)
{
	struct xz_audit_filter f;
	struct xz_page pg;
	int64_t after, limit;
	int rc;
	if ((rc = xz_req_page(r, &after, &limit)) < 0 || (rc = audit_filter(r, &f)) < 0)
		return rc;
	/* newest first: the cursor is the smallest seq seen (named id) */
	xz_page_begin(r, &pg, limit);
	pg.row = audit_row;
	return xz_page_reply(&pg, xz_audit_search(xz_req_ctx(r), &f, after, limit, xz_page_row, &pg));
}

/* audit_export: the filtered trail as a file; the export is itself audited
 * (who took a copy of the trail, with which filter). */
static int audit_export(struct xz_req *r, bool xlsx)
{
	struct xz_audit_filter f;
	int fd = -1, rc;
	size_t len = 0;
	if ((rc = audit_filter(r, &f)) < 0)
		return rc;
	if ((rc = xz_audit_export(xz_req_ctx(r), &f, xlsx, &fd, &len)) < 0)
		return rc;
	xz_req_audit_detail(r, "audit.export", "audit", 0, "ok", xlsx ? "xlsx" : "csv", NULL,
			    NULL);
	return xz_reply_export(r, "audit", xlsx, fd, len);
}

static int audit_export_csv(struct xz_req *r)
{
	return audit_export(r, false);
}

static int audit_export_xlsx(struct xz_req *r)
{
	return audit_export(r, true);
}

static int audit_verify(struct xz_req *r)
{
	int64_t count = 0, bad = 0;
	int rc = xz_audit_verify(xz_req_db(r), &count, &bad);
	if (rc < 0 && rc != XZ_ECONFLICT)
		return xz_fail_db(r, rc);
	return xz_reply(r, 200,
			json_pack("{s:b,s:I,s:o}", "intact", rc == 0, "entries", (json_int_t)count,
				  "first_broken_seq", bad ? json_integer(bad) : json_null()));
}

const struct xz_route xz_routes_admin[] = {
	{"GET", "/api/v1/users", users_list, "user.read", 0},
	{"POST", "/api/v1/users", users_create, "user.write", 0},
	{"PATCH", "/api/v1/users/{id}", users_update, "user.write", 0},
	{"POST", "/api/v1/users/{id}/password", users_password, "user.write", 0},
	{"POST", "/api/v1/users/{id}/unlock", users_unlock, "security.write", 0},
	{"PUT", "/api/v1/users/{id}/roles/{role}", roles_grant, "role.grant", 0},
	{"DELETE", "/api/v1/users/{id}/roles/{role}", roles_revoke, "role.grant", 0},
	{"GET", "/api/v1/settings", settings_get, "security.write", 0},
	{"PUT", "/api/v1/settings", settings_put, "security.write", 0},
	{"GET", "/api/v1/audit", audit_list, "audit.read", 0},
	{"GET", "/api/v1/audit/verify", audit_verify, "audit.read", 0},
	{"GET", "/api/v1/audit/export.csv", audit_export_csv, "audit.read", 0},
	{"GET", "/api/v1/audit/export.xlsx", audit_export_xlsx, "audit.read", 0},
	{NULL, NULL, NULL, NULL, 0},
};
