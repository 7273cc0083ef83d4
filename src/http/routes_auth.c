/*
 * routes_auth.c — login, logout, the current user, one's own sessions and
 * one's own password. Login is rate limited per source address; the
 * session token goes back both in the body (API clients use Bearer) and as
 * an HttpOnly SameSite=Strict cookie (the browser), with a CSRF token the
 * browser echoes on unsafe requests.
 */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/auth.h"
#include "http/http.h"

static json_t *roles_json(unsigned roles)
{
	json_t *a = json_array();
	int i;
	for (i = 0; i < XZ_ROLE_COUNT; i++)
		if (roles & xz_all_roles[i])
			json_array_append_new(a, json_string(xz_role_name(xz_all_roles[i])));
	return a;
}

static json_t *id_or_null(int64_t id)
{
	return id > 0 ? json_integer(id) : json_null();
}

/* user_json: the public view of a user, with the names of their places. */
static json_t *user_json(struct xz_req *r, const struct xz_user *u)
{
	json_t *o = json_pack("{s:I,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "id", (json_int_t)u->id,
			      "username", u->username, "display_name", u->display_name, "roles",
			      roles_json(u->roles), "county_id", id_or_null(u->county_id),
			      "township_id", id_or_null(u->township_id), "unit_id",
			      id_or_null(u->unit_id), "department_id", id_or_null(u->department_id),
			      "person_id", id_or_null(u->person_id));
	json_t *names = NULL, *pw = NULL;
	/* the mlps profile rotates passwords every 90 days: the screens ask
	 * for a new one when this is true */
	if (xz_db_one(xz_req_db(r),
		      "SELECT CASE WHEN (SELECT value FROM settings WHERE key = 'password.profile') = "
		      "'mlps' AND password_changed_at < $2 THEN 1 ELSE 0 END AS expired, "
		      "must_change_password FROM users WHERE id = $1",
		      XZ_ARGS(XZ_INT(u->id), XZ_INT(xz_now() - 90 * 86400)), &pw) == 0) {
		json_object_set_new(o, "password_expired",
				    json_boolean(json_integer_value(json_object_get(pw, "expired"))));
		/* an account made or reset by the administrator: choose one's own */
		json_object_set_new(
			o, "must_change_password",
			json_boolean(json_integer_value(json_object_get(pw, "must_change_password"))));
	}
	json_decref(pw);
	if (xz_db_one(xz_req_db(r),
		      "SELECT (SELECT name FROM regions WHERE id = $1) AS township_name, "
		      "(SELECT name FROM regions WHERE id = $2) AS county_name, "
		      "(SELECT name FROM units WHERE id = $3) AS unit_name, "
		      "(SELECT name FROM departments WHERE id = $4) AS department_name",
		      XZ_ARGS(XZ_INT(u->township_id), XZ_INT(u->county_id), XZ_INT(u->unit_id),
			      XZ_INT(u->department_id)),
		      &names) == 0)
		json_object_update(o, names);
	json_decref(names);
	return o;
}

static void set_cookie(struct xz_req *r, const char *token, int64_t max_age)
{
	char *c = xz_arena_printf(r->arena, "xz_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%lld%s",
				  token, (long long)max_age, r->app->secure_cookies ? "; Secure" : "");
	xz_req_header_add(r, "Set-Cookie", c);
}

static int login(struct xz_req *r)
{
	const char *username, *password;
	char token[XZ_TOKEN_LEN], csrf[XZ_TOKEN_LEN], exp[XZ_TIME_LEN];
	enum xz_login_result res;
	int64_t uid = 0, expires = 0;
	struct xz_user *u;
	int rc;

	if ((rc = xz_req_unpack(r, "{s:s,s:s}", "username", &username, "password", &password)) < 0)
		return rc;
	/* the limit counts failed attempts only: an office of twenty behind
	 * one address logging in each morning is not an attack */
	if (xz_ratelimit_over(r->app->login_rl, r->source, xz_now()))
		return xz_fail(r, XZ_ERATE, "rate_limited", "登录尝试过于频繁，请稍后再试",
			       "Too many login attempts; try again later", NULL);
	if (strlen(username) > XZ_MAX_CODE || strlen(password) > XZ_MAX_PASSWORD)
		return xz_fail(r, XZ_EAUTH, "bad_credentials", "用户名或密码错误",
			       "Wrong username or password", NULL);
	rc = xz_login(xz_req_db(r), username, password, r->source, xz_req_header(r, "User-Agent"),
		      &res, &uid, token, csrf, &expires);
	if (rc < 0)
		return xz_fail_db(r, rc);
	if (res != XZ_LOGIN_OK)
		xz_ratelimit_hit(r->app->login_rl, r->source, xz_now());
	switch (res) {
	case XZ_LOGIN_OK: break;
	case XZ_LOGIN_LOCKED:
		return xz_fail(r, XZ_EFORBIDDEN, "account_locked",
			       "连续登录失败次数过多，已暂停从此处登录该账号（首次15分钟，再犯加倍）",
			       "Too many failed logins; this account is locked from this address for "
			       "15 minutes (doubling on each repeat)",
			       NULL);
	case XZ_LOGIN_THROTTLED:
		return xz_fail(r, XZ_ERATE, "source_throttled",
			       "此来源登录失败次数过多，已暂停登录，请稍后再试",
			       "Too many failed logins from this address; try again later", NULL);
	case XZ_LOGIN_DISABLED:
		return xz_fail(r, XZ_EFORBIDDEN, "account_disabled", "账号已停用",
			       "The account is disabled", NULL);
	default:
		return xz_fail(r, XZ_EAUTH, "bad_credentials", "用户名或密码错误",
			       "Wrong username or password", NULL);
	}
	u = xz_arena_alloc(r->arena, sizeof(*u));
	if ((rc = xz_user_load(xz_req_db(r), r->arena, uid, u)) < 0)
		return xz_fail_db(r, rc);
	r->user = u;
	set_cookie(r, token, XZ_SESSION_ABSOLUTE);
	return xz_reply(r, 200,
			json_pack("{s:s,s:s,s:s,s:o}", "token", token, "csrf", csrf, "expires_at",
				  xz_time_format(expires, exp), "user", user_json(r, u)));
}

static int logout(struct xz_req *r)
{
	int rc = xz_session_end(xz_req_db(r), r->user->session_id);
	if (rc < 0)
		return xz_fail_db(r, rc);
	xz_req_audit(r, "logout", "session", r->user->session_id, "ok", NULL, NULL);
	set_cookie(r, "", 0);
	return xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

/* me: the caller's profile, the CSRF token, and "permissions": every
 * permission the caller's roles grant anywhere (authz.c's table), so the
 * screens ask the server what the user may do instead of listing roles. */
static int me(struct xz_req *r)
{
	const char *perms[XZ_AUTHZ_MAX_PERMS];
	size_t i, n = xz_authz_permissions(r->user, perms, XZ_ARRAY_LEN(perms));
	json_t *o, *p;
	/* an invariant of the grants table, not of the request: never a
	 * shortened list */
	assert(n <= XZ_ARRAY_LEN(perms));
	o = user_json(r, r->user);
	p = json_array();
	for (i = 0; i < n && i < XZ_ARRAY_LEN(perms); i++)
		json_array_append_new(p, json_string(perms[i]));
	json_object_set_new(o, "csrf", json_string(r->user->csrf));
	json_object_set_new(o, "permissions", p);
	return xz_reply(r, 200, o);
}

static int sessions_list(struct xz_req *r)
{
	json_t *rows = NULL;
	size_t i;
	json_t *row;
	int rc = xz_db_query(xz_req_db(r),
			     "SELECT id, source, user_agent, created_at, last_seen_at, expires_at "
			     "FROM sessions WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2 "
			     "AND last_seen_at > $3 ORDER BY id DESC LIMIT 100",
			     XZ_ARGS(XZ_INT(r->user->id), XZ_INT(xz_now()),
				     XZ_INT(xz_now() - XZ_SESSION_IDLE)),
			     &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	json_array_foreach(rows, i, row) json_object_set_new(
		row, "current",
		json_boolean(json_integer_value(json_object_get(row, "id")) == r->user->session_id));
	return xz_reply(r, 200, json_pack("{s:o,s:n}", "items", xz_present_all(rows), "next"));
}

static int sessions_end(struct xz_req *r)
{
	int64_t id, changes = 0;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	rc = xz_db_exec(xz_req_db(r),
			"UPDATE sessions SET ended_at = $3 WHERE id = $1 AND user_id = $2 AND "
			"ended_at IS NULL",
			XZ_ARGS(XZ_INT(id), XZ_INT(r->user->id), XZ_INT(xz_now())), &changes);
	if (rc < 0)
		return xz_fail_db(r, rc);
	if (!changes)
		return xz_fail_db(r, XZ_ENOTFOUND);
	xz_req_audit(r, "session.end", "session", id, "ok", NULL, NULL);
	return xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
}

static int change_password(struct xz_req *r)
{
	const char *old_pw, *new_pw, *code, *msg, *msg_en;
	json_t *u = NULL, *hist = NULL;
	char hash[128];
	int rc;
	if ((rc = xz_req_unpack(r, "{s:s,s:s}", "old_password", &old_pw, "new_password", &new_pw)) < 0)
		return rc;
	rc = xz_db_one(xz_req_db(r), "SELECT password_hash, password_history FROM users WHERE id = $1",
		       XZ_ARGS(XZ_INT(r->user->id)), &u);
	if (rc < 0)
		return xz_fail_db(r, rc);
	if (!xz_password_verify(json_string_value(json_object_get(u, "password_hash")), old_pw)) {
		rc = xz_fail(r, XZ_ERULE, "wrong_password", "原密码不正确", "Current password is wrong",
			     "old_password");
		goto out;
	}
	hist = json_loads(json_string_value(json_object_get(u, "password_history")), 0, NULL);
	if (!hist)
		hist = json_array();
	json_array_insert(hist, 0, json_object_get(u, "password_hash"));
	if ((rc = xz_password_check(xz_req_db(r), r->user->username, new_pw, hist, &code, &msg,
				    &msg_en)) < 0) {
		rc = xz_fail(r, rc, code, msg, msg_en, "new_password");
		goto out;
	}
	while (json_array_size(hist) > 5)
		json_array_remove(hist, json_array_size(hist) - 1);
	if ((rc = xz_password_hash(new_pw, hash, sizeof(hash))) < 0)
		goto out;
	{
		char *h = json_dumps(hist, JSON_COMPACT);
		struct xz_db *db = xz_req_db(r);
		xz_db_begin(db);
		rc = xz_db_exec(db,
				"UPDATE users SET password_hash = $2, password_history = $3, "
				"password_changed_at = $4, must_change_password = 0, "
				"version = version + 1 WHERE id = $1",
				XZ_ARGS(XZ_INT(r->user->id), XZ_TEXT(hash), XZ_TEXT(h),
					XZ_INT(xz_now())),
				NULL);
		free(h);
		/* every other session of this user ends with the old password */
		if (rc == 0)
			rc = xz_db_exec(db,
					"UPDATE sessions SET ended_at = $3 WHERE user_id = $1 AND id <> $2 "
					"AND ended_at IS NULL",
					XZ_ARGS(XZ_INT(r->user->id), XZ_INT(r->user->session_id),
						XZ_INT(xz_now())),
					NULL);
		if (rc == 0)
			rc = xz_req_audit(r, "password.change", "user", r->user->id, "ok", NULL, NULL);
		if (rc < 0) {
			xz_db_rollback(db);
			rc = xz_fail_db(r, rc);
			goto out;
		}
		if ((rc = xz_db_commit(db)) < 0) {
			rc = xz_fail_db(r, rc);
			goto out;
		}
	}
	rc = xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
out:
	json_decref(u);
	json_decref(hist);
	return rc;
}

const struct xz_route xz_routes_auth[] = {
	{"POST", "/api/v1/auth/login", login, NULL, 0},
	{"POST", "/api/v1/auth/logout", logout, "self", 0},
	{"GET", "/api/v1/me", me, "self", 0},
	{"POST", "/api/v1/me/password", change_password, "self", 0},
	{"GET", "/api/v1/sessions", sessions_list, "self", 0},
	{"DELETE", "/api/v1/sessions/{id}", sessions_end, "self", 0},
	{NULL, NULL, NULL, NULL, 0},
};
