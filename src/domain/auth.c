/*
 * auth.c — password hashing and policy, login with lock-out, sessions, and
 * the per-source login rate limiter. Tokens and passwords are never logged;
 * only their hashes touch the database.
 */
#include <ctype.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/notify.h"

static sem_t hash_sem;
/* A real argon2id hash of a random password: checking an unknown username
 * against it costs what checking a real one costs. */
static char dummy_hash[crypto_pwhash_STRBYTES];

int xz_auth_init(void)
{
	static int done;
	char pw[XZ_TOKEN_LEN];
	if (done)
		return 0;
	if (sodium_init() < 0)
		return XZ_EINTERNAL;
	sem_init(&hash_sem, 0, XZ_HASH_CONCURRENCY);
	xz_token_new(pw);
	if (xz_password_hash(pw, dummy_hash, sizeof(dummy_hash)) < 0)
		return XZ_EINTERNAL;
	done = 1;
	return 0;
}

int xz_password_hash(const char *password, char *out, size_t size)
{
	int rc;
	if (size < crypto_pwhash_STRBYTES)
		return XZ_EINTERNAL;
	sem_wait(&hash_sem);
	rc = crypto_pwhash_str(out, password, strlen(password),
			       crypto_pwhash_OPSLIMIT_INTERACTIVE,
			       crypto_pwhash_MEMLIMIT_INTERACTIVE);
	sem_post(&hash_sem);
	return rc == 0 ? 0 : XZ_EINTERNAL;
}

bool xz_password_verify(const char *hash, const char *password)
{
	int rc;
	sem_wait(&hash_sem);
	rc = crypto_pwhash_str_verify(hash, password, strlen(password));
	sem_post(&hash_sem);
	return rc == 0;
}

/* is_common: the password (lower-cased) is on the shipped list. */
static bool is_common(const char *pw)
{
	char low[XZ_MAX_PASSWORD + 1];
	size_t n = strlen(pw), i;
	const char *p = xz_data_common_passwords, *nl;
	if (n > XZ_MAX_PASSWORD)
		return false;
	for (i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)pw[i]);
	low[n] = 0;
	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		if ((size_t)(nl - p) == n && !memcmp(p, low, n))
			return true;
		p = *nl ? nl + 1 : nl;
	}
	return false;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle), i;
	if (n < 3)
		return false;
	for (; *hay; hay++) {
		for (i = 0; i < n; i++)
			if (!hay[i] || tolower((unsigned char)hay[i]) != tolower((unsigned char)needle[i]))
				break;
		if (i == n)
			return true;
	}
	return false;
}

/* utf8_chars: number of code points (the length rule counts characters). */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static const char *setting(struct xz_db *db, const char *key, const char *dflt, char *buf,
			   size_t size)
{
	json_t *row = NULL;
	const char *v = dflt;
	if (db && xz_db_one(db, "SELECT value FROM settings WHERE key = $1", XZ_ARGS(XZ_TEXT(key)),
			    &row) == 0) {
		snprintf(buf, size, "%s", json_string_value(json_object_get(row, "value")));
		v = buf;
	}
	json_decref(row);
	return v;
}

int xz_password_check(struct xz_db *db, const char *username, const char *password,
		      const json_t *history, const char **code, const char **msg,
		      const char **msg_en)
{
	char buf[64];
	const char *profile = setting(db, "password.profile", "default", buf, sizeof(buf));
	size_t len = utf8_chars(password), i;
	json_t *h;

	if (strlen(password) > XZ_MAX_PASSWORD) {
		*code = "password_too_long";
		*msg = "密码过长";
		*msg_en = "Password is too long";
		return XZ_ERULE;
	}
	if (len < XZ_MIN_PASSWORD) {
		*code = "password_too_short";
		*msg = "密码至少需要12个字符";
		*msg_en = "Password must have at least 12 characters";
		return XZ_ERULE;
	}
	if (is_common(password)) {
		*code = "password_common";
		*msg = "密码过于常见，请换一个";
		*msg_en = "Password is too common";
		return XZ_ERULE;
	}
	if (username && contains_ci(password, username)) {
		*code = "password_contains_username";
		*msg = "密码不能包含用户名";
		*msg_en = "Password must not contain the username";
		return XZ_ERULE;
	}
	if (!strcmp(profile, "mlps")) {
		int lower = 0, upper = 0, digit = 0, other = 0;
		for (i = 0; password[i]; i++) {
			unsigned char c = (unsigned char)password[i];
			if (islower(c))
				lower = 1;
			else if (isupper(c))
				upper = 1;
			else if (isdigit(c))
				digit = 1;
			else
				other = 1;
		}
		if (lower + upper + digit + other < 3) {
			*code = "password_classes";
			*msg = "密码须包含大写字母、小写字母、数字、符号中的至少三类";
			*msg_en = "Password needs three of: upper case, lower case, digits, symbols";
			return XZ_ERULE;
		}
		json_array_foreach(history, i, h)
		{
			if (i >= 5)
				break;
			if (json_is_string(h) && xz_password_verify(json_string_value(h), password)) {
				*code = "password_reused";
				*msg = "不能重复使用最近5次用过的密码";
				*msg_en = "Password was used recently";
				return XZ_ERULE;
			}
		}
	}
	return 0;
}

void xz_token_new(char *tok)
{
	unsigned char raw[32];
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(tok, XZ_TOKEN_LEN, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

void xz_token_hash(const char *tok, char *hex)
{
	unsigned char out[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(out, (const unsigned char *)tok, strlen(tok));
	sodium_bin2hex(hex, 65, out, sizeof(out));
}

char *xz_roles_string(unsigned roles, char *buf, size_t size)
{
	size_t i, off = 0;
	buf[0] = 0;
	for (i = 0; i < XZ_ROLE_COUNT; i++) {
		if (!(roles & xz_all_roles[i]))
			continue;
		off += (size_t)snprintf(buf + off, off < size ? size - off : 0, "%s%s",
					off ? "," : "", xz_role_name(xz_all_roles[i]));
		if (off >= size)
			break;
	}
	return buf;
}

static void audit_login(struct xz_db *db, int64_t uid, const char *username, int64_t county,
			const char *source, const char *action, const char *outcome,
			const char *detail)
{
	struct xz_audit_entry e = {
		.user_id = uid,
		.username = username,
		.source = source,
		.county_id = county,
		.action = action,
		.object_type = "user",
		.outcome = outcome,
		.detail = detail,
	};
	char id[24];
	snprintf(id, sizeof(id), "%lld", (long long)uid);
	e.object_id = uid ? id : NULL;
	if (xz_audit_append(db, &e) < 0)
		xz_log_error("audit append failed for %s", action);
}

/* A throttle row: failures of one (account, source) pair, or of one source
 * across accounts (username ""). */
struct throttle {
	int64_t failures, locks, locked_until;
};

static int throttle_get(struct xz_db *db, const char *username, const char *source, int64_t now,
			struct throttle *t)
{
	json_t *row = NULL;
	int rc = xz_db_one(db,
			   "SELECT failures, locks, locked_until, last_at FROM login_throttle WHERE "
			   "username = $1 AND source = $2",
			   XZ_ARGS(XZ_TEXT(username), XZ_TEXT(source)), &row);
	memset(t, 0, sizeof(*t));
	if (rc == XZ_ENOTFOUND)
		return 0;
	if (rc < 0)
		return rc;
	t->failures = json_integer_value(json_object_get(row, "failures"));
	t->locks = json_integer_value(json_object_get(row, "locks"));
	t->locked_until = json_integer_value(json_object_get(row, "locked_until"));
	/* failures spread over more than the window are forgiven */
	if (json_integer_value(json_object_get(row, "last_at")) < now - XZ_THROTTLE_WINDOW)
		t->failures = 0;
	json_decref(row);
	return 0;
}

/* throttle_fail: count one failure; at `limit` the pair (or source) is
 * locked, each lock twice as long as the one before (capped). *locked
 * tells whether this failure locked it. */
static int throttle_fail(struct xz_db *db, const char *username, const char *source, int64_t now,
			 struct throttle *t, int limit, bool *locked)
{
	*locked = false;
	t->failures++;
	if (t->failures >= limit) {
		int64_t d = XZ_LOCK_SECONDS;
		for (int64_t i = 0; i < t->locks && d < XZ_LOCK_MAX_SECONDS; i++)
			d *= 2;
		if (d > XZ_LOCK_MAX_SECONDS)
			d = XZ_LOCK_MAX_SECONDS;
		t->locks++;
		t->locked_until = now + d;
		t->failures = 0;
		*locked = true;
	}
	return xz_db_exec(db,
			  "INSERT INTO login_throttle (username, source, failures, locks, locked_until, "
			  "last_at) VALUES ($1,$2,$3,$4,$5,$6) ON CONFLICT (username, source) DO "
			  "UPDATE SET failures = $3, locks = $4, locked_until = $5, last_at = $6",
			  XZ_ARGS(XZ_TEXT(username), XZ_TEXT(source), XZ_INT(t->failures),
				  XZ_INT(t->locks), XZ_INT(t->locked_until), XZ_INT(now)),
			  NULL);
}

/* tell_owner: the account's owner learns that a source was locked out of
 * their account (a notification, sent by the outbound hook like any). */
static void tell_owner(struct xz_db *db, int64_t uid, const char *source, int64_t until,
		       int64_t now)
{
	char when[XZ_TIME_LEN], body[512];
	snprintf(body, sizeof(body),
		 "来自 %s 的登录连续失败，已暂停该来源登录至 %s。如非本人操作，请联系安全管理员。",
		 source, xz_time_format(until, when));
	struct xz_note n = {"security.lockout", NULL, 0, "账号登录异常提醒", body, 0};
	if (xz_notify(db, now, &n, XZ_TOS(XZ_TO(XZ_TO_USER, uid)), NULL) < 0)
		xz_log_error("lock-out notification failed");
}

int xz_login(struct xz_db *db, const char *username, const char *password, const char *source,
	     const char *user_agent, enum xz_login_result *result, int64_t *user_id, char *token,
	     char *csrf, int64_t *expires_at)
{
	json_t *u = NULL;
	char hex[65];
	int64_t now = xz_now(), uid, county, locked_until;
	struct throttle src, pair;
	bool locked = false, src_locked = false;
	int rc;

	*result = XZ_LOGIN_BAD;
	/* a source that failed too often, on any accounts, waits first */
	if ((rc = throttle_get(db, "", source, now, &src)) < 0)
		goto out;
	if (src.locked_until > now) {
		*result = XZ_LOGIN_THROTTLED;
		audit_login(db, 0, username, 0, source, "login", "denied", "source throttled");
		goto out;
	}
	rc = xz_db_one(db,
		       "SELECT id, password_hash, disabled, failed_count, locked_until, county_id "
		       "FROM users WHERE username = $1",
		       XZ_ARGS(XZ_TEXT(username)), &u);
	if (rc == XZ_ENOTFOUND) {
		/* Spend the same time as a real check so timing does not tell
		 * which usernames exist. */
		xz_password_verify(dummy_hash, password);
		audit_login(db, 0, username, 0, source, "login", "failed", "unknown user");
		rc = throttle_fail(db, "", source, now, &src, XZ_SOURCE_FAILURES, &src_locked);
		goto out;
	}
	if (rc < 0)
		goto out;
	uid = json_integer_value(json_object_get(u, "id"));
	county = json_integer_value(json_object_get(u, "county_id"));
	locked_until = json_integer_value(json_object_get(u, "locked_until"));
	*user_id = uid;
	if (json_integer_value(json_object_get(u, "disabled"))) {
		*result = XZ_LOGIN_DISABLED;
		audit_login(db, uid, username, county, source, "login", "denied", "account disabled");
		goto out;
	}
	/* Lock-out is by (account, source): wrong passwords from one machine
	 * lock that machine out of the account, never the owner at their own
	 * desk, and never an administrator's account as a whole. */
	if ((rc = throttle_get(db, username, source, now, &pair)) < 0)
		goto out;
	if (pair.locked_until > now || locked_until > now) {
		*result = XZ_LOGIN_LOCKED;
		audit_login(db, uid, username, county, source, "login", "denied", "locked for this source");
		goto out;
	}
	if (!xz_password_verify(json_string_value(json_object_get(u, "password_hash")), password)) {
		audit_login(db, uid, username, county, source, "login", "failed", "wrong password");
		rc = throttle_fail(db, username, source, now, &pair, XZ_LOCK_FAILURES, &locked);
		if (rc == 0)
			rc = throttle_fail(db, "", source, now, &src, XZ_SOURCE_FAILURES, &src_locked);
		if (locked) {
			audit_login(db, uid, username, county, source, "lockout", "locked",
				    "too many failures from this source");
			tell_owner(db, uid, source, pair.locked_until, now);
			*result = XZ_LOGIN_LOCKED;
		}
		goto out;
	}
	xz_token_new(token);
	xz_token_new(csrf);
	xz_token_hash(token, hex);
	*expires_at = now + XZ_SESSION_ABSOLUTE;
	if ((rc = xz_db_begin(db)) < 0)
		goto out;
	rc = xz_db_exec(db, "DELETE FROM login_throttle WHERE username = $1 AND source = $2",
			XZ_ARGS(XZ_TEXT(username), XZ_TEXT(source)), NULL);
	if (rc == 0)
		rc = xz_db_exec(db,
				"INSERT INTO sessions (token_hash, user_id, csrf, source, user_agent, "
				"created_at, last_seen_at, expires_at) VALUES ($1,$2,$3,$4,$5,$6,$6,$7)",
				XZ_ARGS(XZ_TEXT(hex), XZ_INT(uid), XZ_TEXT(csrf), XZ_TEXT(source),
					XZ_TEXT(user_agent), XZ_INT(now), XZ_INT(*expires_at)),
				NULL);
	if (rc < 0) {
		xz_db_rollback(db);
		goto out;
	}
	audit_login(db, uid, username, county, source, "login", "ok", NULL);
	rc = xz_db_commit(db);
	if (rc == 0)
		*result = XZ_LOGIN_OK;
out:
	if (src_locked)
		audit_login(db, 0, username, 0, source, "lockout", "locked",
			    "too many failures from this source on any account");
	json_decref(u);
	return rc;
}

int xz_login_unlock(struct xz_db *db, int64_t user_id)
{
	return xz_db_exec(db,
			  "DELETE FROM login_throttle WHERE username = (SELECT username FROM users "
			  "WHERE id = $1)",
			  XZ_ARGS(XZ_INT(user_id)), NULL);
}

static const char *dup_str(struct xz_arena *a, json_t *row, const char *key)
{
	return xz_arena_strdup(a, json_string_value(json_object_get(row, key)));
}

static int64_t get_int(json_t *row, const char *key)
{
	return json_integer_value(json_object_get(row, key));
}

int xz_user_load(struct xz_db *db, struct xz_arena *arena, int64_t id, struct xz_user *user)
{
	json_t *u = NULL, *roles = NULL, *r;
	size_t i;
	int rc;
	rc = xz_db_one(db,
		       "SELECT id, username, display_name, person_id, region_id, county_id, "
		       "township_id, unit_id, department_id, disabled FROM users WHERE id = $1",
		       XZ_ARGS(XZ_INT(id)), &u);
	if (rc < 0)
		goto out;
	if (get_int(u, "disabled")) {
		rc = XZ_EAUTH;
		goto out;
	}
	user->id = id;
	user->username = dup_str(arena, u, "username");
	user->display_name = dup_str(arena, u, "display_name");
	user->person_id = get_int(u, "person_id");
	user->region_id = get_int(u, "region_id");
	user->county_id = get_int(u, "county_id");
	user->township_id = get_int(u, "township_id");
	user->unit_id = get_int(u, "unit_id");
	user->department_id = get_int(u, "department_id");
	rc = xz_db_query(db, "SELECT role FROM user_roles WHERE user_id = $1", XZ_ARGS(XZ_INT(id)),
			 &roles);
	if (rc < 0)
		goto out;
	user->roles = 0;
	json_array_foreach(roles, i, r) user->roles |= xz_role_parse(json_string_value(json_object_get(r, "role")));
out:
	json_decref(u);
	json_decref(roles);
	return rc;
}

int xz_session_lookup(struct xz_db *db, struct xz_arena *arena, const char *token,
		      struct xz_user *user)
{
	json_t *rows = NULL, *s, *r;
	char hex[65];
	int64_t now = xz_now();
	size_t i;
	int rc;
	if (!token || strlen(token) >= XZ_TOKEN_LEN)
		return XZ_EAUTH;
	xz_token_hash(token, hex);
	/* One statement (cached per connection): the session, its user and one
	 * row per role. A session whose user is gone or disabled is no session. */
	rc = xz_db_query(db,
			 "SELECT s.id, s.user_id, s.csrf, s.last_seen_at, s.expires_at, u.username, "
			 "u.display_name, u.person_id, u.region_id, u.county_id, u.township_id, "
			 "u.unit_id, u.department_id, u.disabled, r.role FROM sessions s "
			 "JOIN users u ON u.id = s.user_id "
			 "LEFT JOIN user_roles r ON r.user_id = s.user_id "
			 "WHERE s.token_hash = $1 AND s.ended_at IS NULL",
			 XZ_ARGS(XZ_TEXT(hex)), &rows);
	if (rc < 0)
		goto out;
	s = json_array_get(rows, 0);
	if (!s || get_int(s, "disabled") || get_int(s, "expires_at") <= now ||
	    get_int(s, "last_seen_at") + XZ_SESSION_IDLE <= now) {
		rc = XZ_EAUTH;
		goto out;
	}
	user->id = get_int(s, "user_id");
	user->username = dup_str(arena, s, "username");
	user->display_name = dup_str(arena, s, "display_name");
	user->person_id = get_int(s, "person_id");
	user->region_id = get_int(s, "region_id");
	user->county_id = get_int(s, "county_id");
	user->township_id = get_int(s, "township_id");
	user->unit_id = get_int(s, "unit_id");
	user->department_id = get_int(s, "department_id");
	user->roles = 0;
	json_array_foreach(rows, i, r)
	{
		if (json_is_string(json_object_get(r, "role")))
			user->roles |= xz_role_parse(json_string_value(json_object_get(r, "role")));
	}
	user->session_id = get_int(s, "id");
	user->csrf = dup_str(arena, s, "csrf");
	/* Touch at most once a minute: idle expiry needs no finer grain, and a
	 * write per request would dominate read-heavy traffic. */
	if (now - get_int(s, "last_seen_at") >= 60)
		rc = xz_db_exec(db, "UPDATE sessions SET last_seen_at = $2 WHERE id = $1",
				XZ_ARGS(XZ_INT(user->session_id), XZ_INT(now)), NULL);
out:
	json_decref(rows);
	return rc;
}

int xz_session_end(struct xz_db *db, int64_t session_id)
{
	return xz_db_exec(db, "UPDATE sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL",
			  XZ_ARGS(XZ_INT(session_id), XZ_INT(xz_now())), NULL);
}

struct rl_slot {
	char source[64];
	int64_t window;
	int count;
};

struct xz_ratelimit {
	pthread_mutex_t mu;
	int per_minute;
	struct rl_slot slots[XZ_RATE_SOURCES];
};

struct xz_ratelimit *xz_ratelimit_new(int per_minute)
{
	struct xz_ratelimit *rl = xz_calloc(1, sizeof(*rl));
	pthread_mutex_init(&rl->mu, NULL);
	rl->per_minute = per_minute;
	return rl;
}

bool xz_ratelimit_hit(struct xz_ratelimit *rl, const char *source, int64_t now)
{
	uint64_t h = 1469598103934665603ull;
	const char *p;
	struct rl_slot *s;
	bool ok;
	for (p = source; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	pthread_mutex_lock(&rl->mu);
	s = &rl->slots[h % XZ_RATE_SOURCES];
	if (strcmp(s->source, source) || s->window != now / 60) {
		/* A collision evicts the older source: the limiter may forget
		 * an attacker under heavy churn, never block an innocent one
		 * longer than a minute. */
		snprintf(s->source, sizeof(s->source), "%s", source);
		s->window = now / 60;
		s->count = 0;
	}
	ok = ++s->count <= rl->per_minute;
	pthread_mutex_unlock(&rl->mu);
	return ok;
}

bool xz_ratelimit_over(struct xz_ratelimit *rl, const char *source, int64_t now)
{
	uint64_t h = 1469598103934665603ull;
	const char *p;
	struct rl_slot *s;
	bool over;
	for (p = source; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	pthread_mutex_lock(&rl->mu);
	s = &rl->slots[h % XZ_RATE_SOURCES];
	over = !strcmp(s->source, source) && s->window == now / 60 && s->count >= rl->per_minute;
	pthread_mutex_unlock(&rl->mu);
	return over;
}

void xz_ratelimit_free(struct xz_ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->mu);
	xz_free(rl);
}
