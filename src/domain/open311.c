/*
 * open311.c — the rules of Open311 GeoReport v2 (R10.6): outside systems
 * and their keys, the per-key rate limit, auditing under the system's
 * name, services as the leaf categories, a request becoming a problem of
 * the key's channel, the mapping of problem states onto open/closed with
 * notes, the updates feed, and the form decoder. See open311.h and
 * docs/open311.md; the HTTP translation is src/http/routes_open311.c.
 *
 * Keys are 32 random bytes in base64url (43 characters), kept as SHA-256
 * (a key has 256 bits of entropy, so a slow hash adds nothing, as with
 * session tokens). The complainant's name, e-mail and phone go into the
 * protected reporter record and are never read back here.
 */
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/audit.h"
#include "domain/grid.h"
#include "domain/open311.h"
#include "domain/problem.h"

const char *const xz_open311_channels[] = {"complaint", "media", "video", "transfer", NULL};

#define CLOSED_STATES "'closed','rejected','merged'"
#define RANGE_MAX_DAYS 90

static bool one_of(const char *v, const char *const *set)
{
	for (; v && *set; set++)
		if (!strcmp(v, *set))
			return true;
	return false;
}

static const char *jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static int64_t jint(const json_t *o, const char *k)
{
	return (int64_t)json_integer_value(json_object_get(o, k));
}

/* utf8_chars: code points in a valid UTF-8 string. */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* has_controls: a C0 control other than tab, LF, CR (not allowed in XML). */
static bool has_controls(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r')
			return true;
	return false;
}

static void hash_key(const char *key, char hex[crypto_hash_sha256_BYTES * 2 + 1])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)key, strlen(key));
	sodium_bin2hex(hex, crypto_hash_sha256_BYTES * 2 + 1, h, sizeof(h));
}

/* ---- clients ---- */

struct create_args {
	const char *name, *channel;
	const json_t *townships;
	int rate;
	json_t *out;
};

static int create_tx(struct xz_ctx *c, void *arg)
{
	struct create_args *a = arg;
	unsigned char raw[32];
	char key[XZ_OPEN311_KEY_LEN + 2], hex[crypto_hash_sha256_BYTES * 2 + 1], prefix[9];
	json_t *tw = json_array(), *v;
	int64_t id = 0;
	size_t i;
	int rc;

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(key, sizeof(key), raw, sizeof(raw),
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
	hash_key(key, hex);
	memcpy(prefix, key, 8);
	prefix[8] = 0;
	rc = xz_db_int(
	    c->db,
	    "INSERT INTO open311_clients (county_id, name, channel, key_hash, key_prefix, "
	    "rate_per_minute, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, "
	    "$5, $6, $7, $8, $8) RETURNING id",
	    XZ_ARGS(XZ_INT(c->user->county_id), XZ_TEXT(a->name), XZ_TEXT(a->channel), XZ_TEXT(hex),
		    XZ_TEXT(prefix), XZ_INT(a->rate), XZ_ID(c->user->id), XZ_INT(c->now)),
	    &id);
	json_array_foreach(a->townships, i, v)
	{
		int64_t t = json_integer_value(v), ok = 0;
		if (rc < 0)
			break;
		if (!json_is_integer(v) ||
		    xz_db_int(c->db,
			      "SELECT id FROM regions WHERE id = $1 AND level = 'township' AND "
			      "county_id = $2",
			      XZ_ARGS(XZ_INT(t), XZ_INT(c->user->county_id)), &ok) < 0) {
			rc = xz_ctx_fail(c, XZ_ERULE, "invalid_township",
					 "townships须为本县（区）的乡镇（街道）编号",
					 "townships must be ids of townships of your county",
					 "townships");
			break;
		}
		rc = xz_db_exec(
		    c->db,
		    "INSERT INTO open311_client_townships (client_id, township_id) VALUES "
		    "($1, $2) ON CONFLICT DO NOTHING",
		    XZ_ARGS(XZ_INT(id), XZ_INT(t)), NULL);
		json_array_append_new(tw, json_integer(t));
	}
	if (rc == 0)
		rc = xz_ctx_audit_new(c, "open311.client.create", "open311_client", id, NULL,
				      json_pack("{s:s,s:s,s:O,s:i,s:s}", "name", a->name, "channel",
						a->channel, "townships", tw, "rate_per_minute",
						a->rate, "key_prefix", prefix));
	if (rc == 0)
		a->out = json_pack("{s:I,s:s,s:s,s:s,s:O,s:i,s:s}", "id", (json_int_t)id, "api_key",
				   key, "name", a->name, "channel", a->channel, "townships", tw,
				   "rate_per_minute", a->rate, "key_prefix", prefix);
	sodium_memzero(key, sizeof(key));
	json_decref(tw);
	return rc;
}

int xz_open311_client_create(struct xz_ctx *c, const char *name, const char *channel,
			     const json_t *townships, int rate, json_t **out)
{
	struct create_args a = {
	    .name = name, .channel = channel, .townships = townships, .rate = rate ? rate : 60};
	json_t *none = NULL;
	int rc;
	*out = NULL;
	if (!name || !*name || strlen(name) > XZ_MAX_NAME || has_controls(name))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_name", "系统名称须为1到200字节",
				   "name must be 1 to 200 bytes", "name");
	if (!one_of(channel, xz_open311_channels))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_channel",
				   "渠道须为complaint、media、video或transfer",
				   "channel must be complaint, media, video or transfer",
				   "channel");
	if (rate < 0 || rate > 100000)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_rate", "rate_per_minute须为1到100000",
				   "rate_per_minute must be 1 to 100000", "rate_per_minute");
	if (townships && (!json_is_array(townships) || json_array_size(townships) > 64))
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_township",
				   "townships须为至多64个乡镇（街道）编号的数组",
				   "townships must be an array of at most 64 township ids",
				   "townships");
	if (!townships)
		a.townships = none = json_array();
	rc = xz_ctx_tx(c, create_tx, &a);
	json_decref(none);
	if (rc < 0) {
		json_decref(a.out);
		return rc;
	}
	*out = a.out;
	return 0;
}

int xz_open311_client_list(struct xz_ctx *c, json_t **rows)
{
	json_t *row, *tw = NULL;
	size_t i;
	int rc =
	    xz_db_query(c->db,
			"SELECT id, name, channel, key_prefix, rate_per_minute, revoked_at, "
			"created_at, updated_at FROM open311_clients WHERE county_id = $1 ORDER "
			"BY id",
			XZ_ARGS(XZ_INT(c->user->county_id)), rows);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	json_array_foreach(*rows, i, row)
	{
		json_t *ids = json_array(), *t;
		size_t j;
		if ((rc = xz_db_query(c->db,
				      "SELECT township_id FROM open311_client_townships WHERE "
				      "client_id = $1 ORDER BY township_id",
				      XZ_ARGS(XZ_INT(jint(row, "id"))), &tw)) < 0) {
			json_decref(ids);
			json_decref(*rows);
			*rows = NULL;
			return xz_ctx_fail_db(c, rc);
		}
		json_array_foreach(tw, j, t)
		    json_array_append(ids, json_object_get(t, "township_id"));
		json_decref(tw);
		json_object_set_new(row, "townships", ids);
		json_object_set_new(
		    row, "revoked",
		    json_boolean(!json_is_null(json_object_get(row, "revoked_at"))));
	}
	return 0;
}

struct revoke_args {
	int64_t id;
};

static int revoke_tx(struct xz_ctx *c, void *arg)
{
	struct revoke_args *a = arg;
	int64_t n = 0;
	int rc =
	    xz_db_exec(c->db,
		       "UPDATE open311_clients SET revoked_at = $3, updated_at = $3 WHERE id = "
		       "$1 AND county_id = $2 AND revoked_at IS NULL",
		       XZ_ARGS(XZ_INT(a->id), XZ_INT(c->user->county_id), XZ_INT(c->now)), &n);
	if (rc < 0)
		return rc;
	if (n == 0)
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "外部系统不存在或已吊销",
				   "No such system, or it is revoked already", NULL);
	return xz_ctx_audit(c, "open311.client.revoke", "open311_client", a->id, NULL, NULL);
}

int xz_open311_client_revoke(struct xz_ctx *c, int64_t id)
{
	struct revoke_args a = {.id = id};
	return xz_ctx_tx(c, revoke_tx, &a);
}

bool xz_open311_public_read(struct xz_db *db)
{
	json_t *row = NULL;
	bool on = false;
	if (xz_db_one(db, "SELECT value FROM settings WHERE key = 'open311.public_read'", XZ_NOARGS,
		      &row) == 0)
		on = jstr(row, "value") && !strcmp(jstr(row, "value"), "1");
	json_decref(row);
	return on;
}

struct public_args {
	bool on;
};

static int public_tx(struct xz_ctx *c, void *arg)
{
	struct public_args *a = arg;
	int rc =
	    xz_db_exec(c->db,
		       "INSERT INTO settings (key, value) VALUES ('open311.public_read', $1) ON "
		       "CONFLICT (key) DO UPDATE SET value = excluded.value",
		       XZ_ARGS(XZ_TEXT(a->on ? "1" : "0")), NULL);
	if (rc == 0)
		rc = xz_ctx_audit_new(c, "open311.settings", "settings", 0, NULL,
				      json_pack("{s:b}", "public_read", a->on));
	return rc;
}

int xz_open311_public_read_set(struct xz_ctx *c, bool on)
{
	struct public_args a = {.on = on};
	return xz_ctx_tx(c, public_tx, &a);
}

/* ---- keys, rate, audit ---- */

int xz_open311_key_check(struct xz_ctx *c, const char *key, struct xz_open311_client *out)
{
	char hex[crypto_hash_sha256_BYTES * 2 + 1];
	json_t *row = NULL;
	int rc;
	memset(out, 0, sizeof(*out));
	if (!key || strlen(key) != XZ_OPEN311_KEY_LEN ||
	    strspn(key, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") !=
		XZ_OPEN311_KEY_LEN)
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "invalid_api_key", "api_key无效",
				   "Invalid api_key", "api_key");
	hash_key(key, hex);
	rc = xz_db_one(c->db,
		       "SELECT id, county_id, name, channel, rate_per_minute, revoked_at FROM "
		       "open311_clients WHERE key_hash = $1",
		       XZ_ARGS(XZ_TEXT(hex)), &row);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "invalid_api_key", "api_key无效",
				   "Invalid api_key", "api_key");
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	if (!json_is_null(json_object_get(row, "revoked_at"))) {
		json_decref(row);
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "revoked_api_key", "api_key已被吊销",
				   "The api_key has been revoked", "api_key");
	}
	out->id = jint(row, "id");
	out->county_id = jint(row, "county_id");
	out->name = xz_arena_strdup(c->arena, jstr(row, "name"));
	out->channel = xz_arena_strdup(c->arena, jstr(row, "channel"));
	out->rate_per_minute = (int)jint(row, "rate_per_minute");
	json_decref(row);
	return 0;
}

static struct {
	pthread_mutex_t mu;
	struct {
		int64_t client, window;
		int count;
	} slot[XZ_OPEN311_RATE_SLOTS];
} rate = {.mu = PTHREAD_MUTEX_INITIALIZER};

bool xz_open311_rate_hit(struct xz_ctx *c, const struct xz_open311_client *cl)
{
	int64_t window = c->now / 60;
	size_t i = (size_t)cl->id % XZ_OPEN311_RATE_SLOTS;
	bool ok;
	pthread_mutex_lock(&rate.mu);
	if (rate.slot[i].client != cl->id || rate.slot[i].window != window) {
		rate.slot[i].client = cl->id;
		rate.slot[i].window = window;
		rate.slot[i].count = 0;
	}
	ok = ++rate.slot[i].count <= cl->rate_per_minute;
	pthread_mutex_unlock(&rate.mu);
	if (!ok)
		xz_ctx_fail(c, XZ_ERATE, "rate_limited", "调用过于频繁，请稍后再试",
			    "Too many calls for this api_key; try again in a minute", "api_key");
	return ok;
}

int xz_open311_audit(struct xz_ctx *c, const struct xz_open311_client *cl, const char *action,
		     int64_t object_id, const char *outcome, const char *detail)
{
	char id[24];
	struct xz_audit_entry e = {
	    .source = c->source ? c->source : "open311",
	    .action = action,
	    .object_type = "open311_request",
	    .outcome = outcome,
	    .detail = detail,
	};
	if (object_id) {
		snprintf(id, sizeof(id), "%lld", (long long)object_id);
		e.object_id = id;
	}
	if (cl) {
		e.username = xz_arena_printf(c->arena, "open311:%s", cl->name);
		e.roles = "open311";
		e.county_id = cl->county_id;
	}
	return xz_audit_append(c->db, &e);
}

/* ---- services ---- */

#define LEAF_SELECT                                                                                \
	"SELECT k.id, k.code, k.name, k.accept_hours, k.handle_days, p.name AS group_name "        \
	"FROM categories k LEFT JOIN categories p ON p.id = k.parent_id WHERE NOT EXISTS "         \
	"(SELECT 1 FROM categories ch WHERE ch.parent_id = k.id) "

int xz_open311_services(struct xz_ctx *c, json_t **out)
{
	json_t *rows = NULL, *items = NULL, *attrs = NULL, *row;
	size_t i;
	int rc;
	*out = NULL;
	if ((rc = xz_db_query(c->db, LEAF_SELECT "ORDER BY k.sort, k.id", XZ_NOARGS, &rows)) < 0 ||
	    (rc = xz_db_query(c->db,
			      "SELECT category_code, name FROM patrol_items WHERE active = 1 AND "
			      "category_code IS NOT NULL ORDER BY sort, id",
			      XZ_NOARGS, &items)) < 0 ||
	    (rc = xz_db_query(c->db, "SELECT category_code FROM open311_attributes", XZ_NOARGS,
			      &attrs)) < 0) {
		json_decref(rows);
		json_decref(items);
		return xz_ctx_fail_db(c, rc);
	}
	*out = json_array();
	json_array_foreach(rows, i, row)
	{
		const char *code = jstr(row, "code"), *g = jstr(row, "group_name");
		char *kw = xz_arena_strdup(c->arena, "");
		bool meta = false;
		json_t *it, *svc;
		size_t j;
		json_array_foreach(items, j, it) if (!strcmp(jstr(it, "category_code"), code)) kw =
		    xz_arena_printf(c->arena, "%s%s%s", kw, *kw ? "," : "", jstr(it, "name"));
		json_array_foreach(attrs, j, it)
		{
			const char *ac = jstr(it, "category_code");
			meta = meta || !ac || !strcmp(ac, code);
		}
		svc = json_pack("{s:s,s:s,s:s,s:b,s:s}", "service_code", code, "service_name",
				jstr(row, "name"), "description",
				xz_arena_printf(c->arena,
						"%s%s%s：受理时限%lld小时，处置时限%lld个工作日",
						g ? g : "", g ? "／" : "", jstr(row, "name"),
						(long long)jint(row, "accept_hours"),
						(long long)jint(row, "handle_days")),
				"metadata", meta, "type", "realtime");
		json_object_set_new(svc, "keywords", json_string(*kw ? kw : jstr(row, "name")));
		json_object_set_new(svc, "group", g ? json_string(g) : json_null());
		json_array_append_new(*out, svc);
	}
	json_decref(rows);
	json_decref(items);
	json_decref(attrs);
	return 0;
}

/* leaf: the leaf category with code, or XZ_ENOTFOUND described. */
static int leaf(struct xz_ctx *c, const char *code, json_t **row)
{
	int rc;
	*row = NULL;
	if (!code || !*code || strlen(code) > XZ_MAX_CODE)
		rc = XZ_ENOTFOUND;
	else
		rc = xz_db_one(c->db, LEAF_SELECT "AND k.code = $1", XZ_ARGS(XZ_TEXT(code)), row);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, XZ_ENOTFOUND, "unknown_service_code",
				   xz_arena_printf(c->arena, "服务代码（service_code）%s不存在",
						   code && strlen(code) <= XZ_MAX_CODE ? code : ""),
				   "No such service_code", "service_code");
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

static int attributes_of(struct xz_ctx *c, const char *code, json_t **rows)
{
	int rc =
	    xz_db_query(c->db,
			"SELECT code, datatype, required, description, datatype_description, "
			"sort, values_json FROM open311_attributes WHERE category_code IS NULL OR "
			"category_code = $1 ORDER BY sort, id",
			XZ_ARGS(XZ_TEXT(code)), rows);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

int xz_open311_service_definition(struct xz_ctx *c, const char *code, json_t **out)
{
	json_t *row = NULL, *rows = NULL, *a, *attrs;
	size_t i;
	int rc;
	*out = NULL;
	if ((rc = leaf(c, code, &row)) < 0 || (rc = attributes_of(c, code, &rows)) < 0) {
		json_decref(row);
		return rc;
	}
	attrs = json_array();
	json_array_foreach(rows, i, a)
	{
		const char *dt = jstr(a, "datatype");
		json_t *attr =
		    json_pack("{s:b,s:s,s:s,s:b,s:s?,s:I,s:s}", "variable", 1, "code",
			      jstr(a, "code"), "datatype", dt, "required", (int)jint(a, "required"),
			      "datatype_description", jstr(a, "datatype_description"), "order",
			      (json_int_t)jint(a, "sort"), "description", jstr(a, "description"));
		if (strstr(dt, "valuelist")) {
			json_t *vals = json_loads(jstr(a, "values_json"), 0, NULL);
			json_object_set_new(attr, "values",
					    json_is_array(vals) ? vals : json_array());
			if (!json_is_array(vals))
				json_decref(vals);
		}
		json_array_append_new(attrs, attr);
	}
	*out = json_pack("{s:s,s:o}", "service_code", code, "attributes", attrs);
	json_decref(row);
	json_decref(rows);
	return 0;
}

/* ---- requests ---- */

static int bad(struct xz_ctx *c, const char *msg, const char *msg_en, const char *field)
{
	return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_request", msg, msg_en, field);
}

/* check_attributes: every given attribute is one the service defines, with
 * a value of its datatype; every required one is given. *summary (arena)
 * names them in Chinese for the problem's history. */
static int check_attributes(struct xz_ctx *c, const char *service, const json_t *given,
			    const char **summary)
{
	json_t *defs = NULL, *d, *v;
	const char *key;
	char *sum = xz_arena_strdup(c->arena, "");
	size_t i;
	int rc;
	if ((rc = attributes_of(c, service, &defs)) < 0)
		return rc;
	json_object_foreach((json_t *)given, key, v)
	{
		bool found = false;
		json_array_foreach(defs, i, d) if (!strcmp(jstr(d, "code"), key)) found = true;
		if (!found) {
			rc =
			    bad(c, xz_arena_printf(c->arena, "该服务没有属性attribute[%.64s]", key),
				"Unknown attribute for this service", "attribute");
			goto out;
		}
	}
	json_array_foreach(defs, i, d)
	{
		const char *code = jstr(d, "code"), *dt = jstr(d, "datatype");
		json_t *vals = NULL, *val = json_object_get(given, code);
		char *shown = NULL;
		if (!val) {
			if (jint(d, "required")) {
				rc =
				    bad(c,
					xz_arena_printf(c->arena, "缺少必填属性attribute[%s]（%s）",
							code, jstr(d, "description")),
					"A required attribute is missing", "attribute");
				goto out;
			}
			continue;
		}
		if (!strcmp(dt, "multivaluelist") && json_is_string(val)) {
			/* one value given without [] */
		} else if (json_is_array(val) && strcmp(dt, "multivaluelist")) {
			rc =
			    bad(c, xz_arena_printf(c->arena, "属性attribute[%s]只能有一个值", code),
				"The attribute takes one value", "attribute");
			goto out;
		}
		if (strstr(dt, "valuelist")) {
			json_t *items = json_is_array(val) ? val : NULL, *one, *opt;
			size_t j, k, n = items ? json_array_size(items) : 1;
			vals = json_loads(jstr(d, "values_json"), 0, NULL);
			for (j = 0; j < n; j++) {
				const char *s;
				bool ok = false;
				one = items ? json_array_get(items, j) : val;
				s = json_string_value(one);
				json_array_foreach(vals, k,
						   opt) if (s && !strcmp(jstr(opt, "key"), s))
				{
					ok = true;
					shown =
					    xz_arena_printf(c->arena, "%s%s%s", shown ? shown : "",
							    shown ? "、" : "", jstr(opt, "name"));
				}
				if (!ok) {
					json_decref(vals);
					rc = bad(c,
						 xz_arena_printf(
						     c->arena,
						     "属性attribute[%s]的值不在可选列表中", code),
						 "The attribute's value is not one of its values",
						 "attribute");
					goto out;
				}
			}
			json_decref(vals);
		} else {
			const char *s = json_string_value(val);
			char *end = NULL;
			int64_t t;
			bool ok = s && !has_controls(s) &&
				  utf8_chars(s) <= (strcmp(dt, "text") ? 200 : XZ_OPEN311_DESC_MAX);
			if (ok && !strcmp(dt, "number")) {
				double x = strtod(s, &end);
				ok = *s && end && !*end && isfinite(x);
			} else if (ok && !strcmp(dt, "datetime")) {
				ok = xz_time_parse(s, &t) == 0;
			}
			if (!ok) {
				rc = bad(
				    c,
				    xz_arena_printf(c->arena, "属性attribute[%s]的值不符合类型%s",
						    code, dt),
				    "The attribute's value does not fit its datatype", "attribute");
				goto out;
			}
			shown = xz_arena_strdup(c->arena, s);
		}
		sum = xz_arena_printf(c->arena, "%s%s%s：%s", sum, *sum ? "；" : "",
				      jstr(d, "description"), shown);
	}
	*summary = sum;
	rc = 0;
out:
	json_decref(defs);
	return rc;
}

/* place_allowed: the client may report into township (same county, and in
 * its township list when it has one). */
static int place_allowed(struct xz_ctx *c, const struct xz_open311_client *cl, int64_t county,
			 int64_t township, bool *ok)
{
	int64_t n = 0, listed = 0;
	int rc;
	*ok = false;
	if (county != cl->county_id)
		return 0;
	if ((rc = xz_db_int(c->db,
			    "SELECT COUNT(*) FROM open311_client_townships WHERE client_id = $1",
			    XZ_ARGS(XZ_INT(cl->id)), &n)) < 0 ||
	    (n && (rc = xz_db_int(c->db,
				  "SELECT COUNT(*) FROM open311_client_townships WHERE client_id = "
				  "$1 AND township_id = $2",
				  XZ_ARGS(XZ_INT(cl->id), XZ_INT(township)), &listed)) < 0))
		return xz_ctx_fail_db(c, rc);
	*ok = n == 0 || listed > 0;
	return 0;
}

/* contact: the complainant's name (姓 then 名), phone and e-mail checked. */
static int contact(struct xz_ctx *c, const struct xz_open311_request_in *in, const char **name,
		   const char **phone)
{
	const char *fields[] = {in->first_name, in->last_name, in->email, in->phone};
	size_t i;
	*name = *phone = NULL;
	for (i = 0; i < XZ_ARRAY_LEN(fields); i++)
		if (fields[i] && (strlen(fields[i]) > 100 || has_controls(fields[i])))
			return bad(c, "联系人姓名、电话或电子邮箱过长或含控制字符",
				   "A contact field is too long or has control characters",
				   i < 2    ? "first_name"
				   : i == 2 ? "email"
					    : "phone");
	if (in->email && *in->email &&
	    (!strchr(in->email, '@') || strchr(in->email, ' ') || strchr(in->email, '<')))
		return bad(c, "电子邮箱格式不正确", "email is not an e-mail address", "email");
	if (in->phone && *in->phone) {
		char *p = xz_arena_alloc(c->arena, strlen(in->phone) + 1), *o = p;
		const char *s;
		for (s = in->phone; *s; s++)
			if (!strchr(" ()", *s))
				*o++ = *s;
		*o = 0;
		if (strlen(p) < 5 || strlen(p) > 20 || strspn(p, "0123456789+-") != strlen(p))
			return bad(c, "电话须为5到20位数字", "phone must be 5 to 20 digits",
				   "phone");
		*phone = p;
	}
	if ((in->last_name && *in->last_name) || (in->first_name && *in->first_name))
		*name = xz_arena_printf(c->arena, "%s%s", in->last_name ? in->last_name : "",
					in->first_name ? in->first_name : "");
	return 0;
}

struct create_req {
	const struct xz_open311_client *cl;
	const struct xz_open311_request_in *in;
	struct xz_problem_in pin;
	const char *email, *token, *attrs;
	int64_t id;
};

static int request_tx(struct xz_ctx *c, void *arg)
{
	struct create_req *a = arg;
	int64_t n = 0;
	int rc;
	if ((rc = xz_problem_insert(c->db, &a->pin, &a->id)) < 0)
		return rc;
	if (a->email && *a->email) {
		if ((rc = xz_db_exec(
			 c->db, "UPDATE problem_reporters SET email = $2 WHERE problem_id = $1",
			 XZ_ARGS(XZ_INT(a->id), XZ_TEXT(a->email)), &n)) < 0)
			return rc;
		if (n == 0 &&
		    (rc = xz_db_exec(
			 c->db, "INSERT INTO problem_reporters (problem_id, email) VALUES ($1, $2)",
			 XZ_ARGS(XZ_INT(a->id), XZ_TEXT(a->email)), NULL)) < 0)
			return rc;
	}
	if ((rc = xz_db_exec(c->db,
			     "INSERT INTO open311_requests (problem_id, client_id, county_id, "
			     "township_id, token, media_url, attributes_json, jurisdiction_id, "
			     "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			     XZ_ARGS(XZ_INT(a->id), XZ_INT(a->cl->id), XZ_INT(a->pin.county_id),
				     XZ_INT(a->pin.township_id), XZ_TEXT(a->token),
				     XZ_TEXT(a->in->media_url), XZ_TEXT(a->attrs),
				     XZ_TEXT(a->in->jurisdiction_id), XZ_INT(c->now)),
			     NULL)) < 0)
		return rc;
	return xz_open311_audit(c, a->cl, "open311.request.create", a->id, "ok",
				xz_arena_printf(c->arena, "%s %s township %lld", a->pin.channel,
						a->pin.category, (long long)a->pin.township_id));
}

int xz_open311_request_create(struct xz_ctx *c, const struct xz_open311_client *cl,
			      const struct xz_open311_request_in *in, int64_t *id,
			      const char **token)
{
	struct create_req a = {.cl = cl, .in = in};
	struct xz_located at = {0};
	json_t *svc = NULL, *row = NULL;
	const char *summary = "", *rname = NULL, *rphone = NULL;
	unsigned char raw[16];
	char tok[33], *attrs_text = NULL;
	int64_t township = 0, county = 0;
	bool ok;
	int rc;

	*id = 0;
	*token = NULL;
	if (!in->service_code || !*in->service_code)
		return bad(c, "缺少服务代码service_code", "service_code is required",
			   "service_code");
	if ((rc = leaf(c, in->service_code, &svc)) < 0)
		return rc == XZ_ENOTFOUND ? xz_ctx_fail(c, XZ_EMALFORMED, c->err_code, c->err_msg,
							c->err_msg_en, c->err_field)
					  : rc;
	json_decref(svc);
	if (!in->description || !*in->description)
		return bad(c, "缺少问题描述description", "description is required", "description");
	if (utf8_chars(in->description) > XZ_OPEN311_DESC_MAX || has_controls(in->description))
		return bad(
		    c, "问题描述不得超过4000字且不得含控制字符",
		    "description must be at most 4000 characters, without control characters",
		    "description");
	if (in->address && (strlen(in->address) > 2 * XZ_MAX_NAME || has_controls(in->address)))
		return bad(c, "地址过长", "address_string too long", "address_string");
	if (in->media_url &&
	    (strlen(in->media_url) > 2000 ||
	     (strncmp(in->media_url, "https://", 8) && strncmp(in->media_url, "http://", 7)) ||
	     strpbrk(in->media_url, " \"<>\\^`{|}") || has_controls(in->media_url)))
		return bad(c, "media_url须为http或https网址", "media_url must be an http(s) URL",
			   "media_url");
	if ((rc = contact(c, in, &rname, &rphone)) < 0)
		return rc;
	if (in->jurisdiction_id && *in->jurisdiction_id) {
		if (xz_db_one(
			c->db,
			"SELECT id FROM regions WHERE id = $1 AND (code = $2 OR CAST(id AS TEXT) "
			"= $2)",
			XZ_ARGS(XZ_INT(cl->county_id), XZ_TEXT(in->jurisdiction_id)), &row) < 0)
			return xz_ctx_fail(c, XZ_ENOTFOUND, "unknown_jurisdiction",
					   "jurisdiction_id不存在或不属于该系统",
					   "jurisdiction_id was not found", "jurisdiction_id");
		json_decref(row);
		row = NULL;
	}
	/* where: the grid cell of the point; with only an address, the one
	 * township the system reports into */
	if (in->has_pos) {
		if (!isfinite(in->lat) || !isfinite(in->lon) || fabs(in->lat) > 90 ||
		    fabs(in->lon) > 180)
			return bad(c, "经纬度lat/long超出范围", "lat/long out of range", "lat");
		rc = xz_grid_locate(c->db, in->lon, in->lat, &at);
		if (rc == XZ_ENOTFOUND)
			return bad(c, "该位置不在本系统的网格范围内",
				   "The point is outside the grid", "lat");
		if (rc < 0)
			return xz_ctx_fail_db(c, rc);
		township = at.township_id;
		county = at.county_id;
	} else if (in->address && *in->address) {
		json_t *tw = NULL;
		if ((rc = xz_db_query(
			 c->db,
			 "SELECT r.id, r.county_id FROM open311_client_townships t JOIN "
			 "regions r ON r.id = t.township_id WHERE t.client_id = $1",
			 XZ_ARGS(XZ_INT(cl->id)), &tw)) < 0)
			return xz_ctx_fail_db(c, rc);
		if (json_array_size(tw) == 1) {
			township = jint(json_array_get(tw, 0), "id");
			county = jint(json_array_get(tw, 0), "county_id");
		}
		json_decref(tw);
		if (!township)
			return bad(
			    c, "仅有地址时无法确定乡镇（街道），请提供经纬度lat和long",
			    "With only address_string the township is unknown: give lat and long",
			    "lat");
	} else {
		return bad(c, "须提供位置：经纬度lat和long，或地址address_string",
			   "Give a location: lat and long, or address_string", "lat");
	}
	if ((rc = place_allowed(c, cl, county, township, &ok)) < 0)
		return rc;
	if (!ok)
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "place_not_allowed",
				   "该外部系统无权向此乡镇（街道）报送问题",
				   "This system may not report into that township", "lat");
	if (in->attributes &&
	    (rc = check_attributes(c, in->service_code, in->attributes, &summary)) < 0)
		return rc;
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2hex(tok, sizeof(tok), raw, sizeof(raw));
	attrs_text = in->attributes ? json_dumps(in->attributes, JSON_COMPACT) : strdup("{}");
	a.pin = (struct xz_problem_in){
	    .county_id = county,
	    .township_id = township,
	    .village_id = at.village_id,
	    .cell_id = at.cell_id,
	    .channel = cl->channel,
	    .category = in->service_code,
	    .description = in->description,
	    .address = in->address,
	    .reporter_name = rname,
	    .reporter_phone = rphone,
	    .user_name = cl->name,
	    .note =
		*summary ? xz_arena_printf(c->arena, "%s\n（%s）", in->description, summary) : NULL,
	    .has_pos = in->has_pos,
	    .lon = in->lon,
	    .lat = in->lat,
	};
	a.email = in->email;
	a.token = xz_arena_strdup(c->arena, tok);
	a.attrs = attrs_text;
	rc = xz_ctx_tx(c, request_tx, &a);
	free(attrs_text);
	if (rc < 0)
		return rc;
	*id = a.id;
	*token = a.token;
	return 0;
}

/* The GeoReport status of each problem state, and what the note says. */
static const struct {
	const char *state, *status, *note;
} states[] = {
    {"reported", "open", "已收到，待受理"},	{"accepted", "open", "已受理，待派遣"},
    {"dispatched", "open", "已派遣至责任单位"}, {"in_hand", "open", "责任单位处置中"},
    {"handled", "open", "已处置，待核查"},	{"verified", "open", "核查通过，待结案"},
    {"escalated", "open", "已提请联合执法"},	{"closed", "closed", "已办结"},
    {"rejected", "closed", "不予受理"},		{"merged", "closed", "重复问题，已合并处理"},
};

const char *xz_open311_status(const char *state, const char **note)
{
	size_t i;
	for (i = 0; state && i < XZ_ARRAY_LEN(states); i++)
		if (!strcmp(states[i].state, state)) {
			if (note)
				*note = states[i].note;
			return states[i].status;
		}
	if (note)
		*note = "处理中";
	return "open";
}

/* The request select: the problem as an Open311 request, with the note of
 * the step that explains its state (the handling feedback for a closed
 * one, the reason for a rejection or merge). Never the reporter. */
#define REQUEST_SELECT                                                                             \
	"SELECT p.id, p.state, p.category, k.name AS service_name, p.description, p.address, "     \
	"p.lat, p.lon, p.due_at, p.created_at, p.updated_at, p.closed_at, p.merged_into, "         \
	"COALESCE(u.name, t.name) AS agency, o.media_url, o.token, (SELECT h.note FROM "           \
	"problem_history h WHERE h.problem_id = p.id AND h.action = (CASE p.state WHEN "           \
	"'closed' THEN 'handle' WHEN 'handled' THEN 'handle' WHEN 'verified' THEN 'handle' "       \
	"WHEN 'rejected' THEN 'reject' WHEN 'merged' THEN 'merge' WHEN 'escalated' THEN "          \
	"'escalate' ELSE '-' END) ORDER BY h.id DESC LIMIT 1) AS state_note FROM "                 \
	"open311_requests o JOIN problems p ON p.id = o.problem_id JOIN regions t ON t.id = "      \
	"p.township_id LEFT JOIN categories k ON k.code = p.category LEFT JOIN units u ON "        \
	"u.id = p.unit_id "

/* The places a caller reads: cl's county and township list ($1, $2), or
 * all of them for an anonymous public read ($1 = 0). */
#define SCOPE                                                                                      \
	"(CAST($1 AS BIGINT) = 0 OR (o.county_id = $1 AND (NOT EXISTS (SELECT 1 FROM "             \
	"open311_client_townships ct WHERE ct.client_id = $2) OR o.township_id IN (SELECT "        \
	"ct.township_id FROM open311_client_townships ct WHERE ct.client_id = $2)))) "

static json_t *present(struct xz_ctx *c, const json_t *row)
{
	const char *state = jstr(row, "state"), *note, *why = jstr(row, "state_note");
	const char *status = xz_open311_status(state, &note);
	char buf[XZ_TIME_LEN], id[24];
	int64_t upd = jint(row, "closed_at") ? jint(row, "closed_at") : jint(row, "updated_at");
	json_t *o, *lat = json_object_get(row, "lat"), *lon = json_object_get(row, "lon");

	if (!strcmp(state, "merged") && jint(row, "merged_into"))
		note = xz_arena_printf(c->arena, "与问题%lld重复，已合并处理",
				       (long long)jint(row, "merged_into"));
	if (!strcmp(state, "dispatched") && jstr(row, "agency"))
		note = xz_arena_printf(c->arena, "已派遣至%s", jstr(row, "agency"));
	if (why && *why && strcmp(state, "handled") && strcmp(state, "verified"))
		note = xz_arena_printf(c->arena, "%s：%s", note, why);
	snprintf(id, sizeof(id), "%lld", (long long)jint(row, "id"));
	o = json_pack("{s:s,s:s,s:s,s:s,s:s?,s:s,s:s}", "service_request_id", id, "status", status,
		      "status_notes", note, "service_name",
		      jstr(row, "service_name") ? jstr(row, "service_name") : jstr(row, "category"),
		      "description", jstr(row, "description"), "service_code",
		      jstr(row, "category"), "agency_responsible",
		      jstr(row, "agency") ? jstr(row, "agency") : "");
	json_object_set_new(o, "service_notice", json_null());
	json_object_set_new(o, "requested_datetime",
			    json_string(xz_time_format(jint(row, "created_at"), buf)));
	json_object_set_new(o, "updated_datetime", json_string(xz_time_format(upd, buf)));
	json_object_set_new(o, "expected_datetime",
			    !strcmp(status, "open") && jint(row, "due_at")
				? json_string(xz_time_format(jint(row, "due_at"), buf))
				: json_null());
	json_object_set_new(o, "address",
			    jstr(row, "address") ? json_string(jstr(row, "address")) : json_null());
	json_object_set_new(o, "address_id", json_null());
	json_object_set_new(o, "zipcode", json_null());
	json_object_set_new(o, "lat",
			    json_is_number(lat) ? json_real(json_number_value(lat)) : json_null());
	json_object_set_new(o, "long",
			    json_is_number(lon) ? json_real(json_number_value(lon)) : json_null());
	json_object_set_new(o, "media_url",
			    jstr(row, "media_url") ? json_string(jstr(row, "media_url"))
						   : json_null());
	return o;
}

/* comma_list: "a,b,c" of at most max items each matching chars, no empty
 * item. */
static bool comma_list(const char *s, size_t max, const char *chars)
{
	size_t n = 1;
	const char *p;
	if (!*s || *s == ',' || s[strlen(s) - 1] == ',' || strstr(s, ",,"))
		return false;
	for (p = s; *p; p++) {
		if (*p == ',')
			n++;
		else if (!strchr(chars, *p))
			return false;
	}
	return n <= max;
}

#define DIGITS "0123456789"
#define CODE_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."

static int range(struct xz_ctx *c, int64_t *start, int64_t *end)
{
	if (*start && *end && *end < *start)
		return bad(c, "end_date不得早于start_date", "end_date is before start_date",
			   "end_date");
	if (*start && *end && *end - *start > RANGE_MAX_DAYS * 86400)
		return bad(c, "start_date与end_date相隔不得超过90天",
			   "start_date and end_date may not span more than 90 days", "start_date");
	if (!*end)
		*end = *start ? *start + RANGE_MAX_DAYS * 86400 : c->now;
	if (!*start)
		*start = *end - RANGE_MAX_DAYS * 86400;
	return 0;
}

int xz_open311_requests(struct xz_ctx *c, const struct xz_open311_client *cl,
			const struct xz_open311_query *q, json_t **out)
{
	json_t *rows = NULL, *row;
	int64_t start = q->start, end = q->end;
	size_t i;
	int rc;
	*out = NULL;
	if (q->ids && !comma_list(q->ids, XZ_OPEN311_IDS, DIGITS))
		return bad(c, "service_request_id须为逗号分隔的编号（至多100个）",
			   "service_request_id must be a comma list of at most 100 ids",
			   "service_request_id");
	if (q->service_code && !comma_list(q->service_code, 50, CODE_CHARS))
		return bad(c, "service_code须为逗号分隔的服务代码",
			   "service_code must be a comma list of codes", "service_code");
	if (q->status && strcmp(q->status, "open") && strcmp(q->status, "closed"))
		return bad(c, "status须为open或closed", "status must be open or closed", "status");
	if ((rc = range(c, &start, &end)) < 0)
		return rc;
	if (q->ids)
		rc = xz_db_query(c->db,
				 REQUEST_SELECT
				 "WHERE " SCOPE "AND (',' || $3 || ',') LIKE ('%,' || "
				 "CAST(o.problem_id AS TEXT) || ',%') ORDER BY p.id DESC "
				 "LIMIT 100",
				 XZ_ARGS(XZ_INT(cl ? cl->county_id : 0), XZ_INT(cl ? cl->id : 0),
					 XZ_TEXT(q->ids)),
				 &rows);
	else
		rc = xz_db_query(
		    c->db,
		    REQUEST_SELECT
		    "WHERE " SCOPE "AND o.created_at BETWEEN $3 AND $4 AND (CAST($5 AS TEXT) IS "
		    "NULL OR (',' || $5 || ',') LIKE ('%,' || p.category || ',%')) AND (CAST($6 "
		    "AS TEXT) IS NULL OR ($6 = 'closed') = (p.state IN (" CLOSED_STATES
		    "))) ORDER BY p.id DESC LIMIT 1000",
		    XZ_ARGS(XZ_INT(cl ? cl->county_id : 0), XZ_INT(cl ? cl->id : 0), XZ_INT(start),
			    XZ_INT(end), XZ_TEXT(q->service_code), XZ_TEXT(q->status)),
		    &rows);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	*out = json_array();
	json_array_foreach(rows, i, row) json_array_append_new(*out, present(c, row));
	json_decref(rows);
	return 0;
}

int xz_open311_request_get(struct xz_ctx *c, const struct xz_open311_client *cl, int64_t id,
			   json_t **out)
{
	json_t *row = NULL;
	int rc = xz_db_one(
	    c->db, REQUEST_SELECT "WHERE " SCOPE "AND o.problem_id = $3",
	    XZ_ARGS(XZ_INT(cl ? cl->county_id : 0), XZ_INT(cl ? cl->id : 0), XZ_INT(id)), &row);
	*out = NULL;
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "服务请求不存在", "No such service request",
				   "service_request_id");
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	*out = json_array();
	json_array_append_new(*out, present(c, row));
	json_decref(row);
	return 0;
}

int xz_open311_token(struct xz_ctx *c, const struct xz_open311_client *cl, const char *token,
		     json_t **out)
{
	json_t *row = NULL;
	int rc = XZ_ENOTFOUND;
	char id[24];
	*out = NULL;
	if (token && strlen(token) == 32 && strspn(token, "0123456789abcdef") == 32)
		rc = xz_db_one(c->db,
			       "SELECT o.problem_id FROM open311_requests o WHERE " SCOPE
			       "AND o.token = $3",
			       XZ_ARGS(XZ_INT(cl ? cl->county_id : 0), XZ_INT(cl ? cl->id : 0),
				       XZ_TEXT(token)),
			       &row);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "not_found", "令牌不存在", "No such token", "token");
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	snprintf(id, sizeof(id), "%lld", (long long)jint(row, "problem_id"));
	*out = json_pack("[{s:s,s:s}]", "service_request_id", id, "token", token);
	json_decref(row);
	return 0;
}

/* What each step of the life cycle says in the updates feed. */
static const struct {
	const char *action, *says;
	bool with_note;
} steps[] = {
    {"report", "已收到，待受理", false},
    {"accept", "已受理", false},
    {"reject", "不予受理", true},
    {"merge", "重复问题，已合并处理", true},
    {"dispatch", "已派遣至责任单位", false},
    {"take", "责任单位已签收处置", false},
    {"return", "责任单位退回，重新派遣", false},
    {"handle", "已处置", true},
    {"verify", "核查", false},
    {"close", "已办结", false},
    {"escalate", "已提请联合执法", false},
};

int xz_open311_updates(struct xz_ctx *c, const struct xz_open311_client *cl, int64_t start,
		       int64_t end, json_t **out)
{
	json_t *rows = NULL, *row;
	char buf[XZ_TIME_LEN], id[24], pid[24];
	size_t i, j;
	int rc;
	*out = NULL;
	if ((rc = range(c, &start, &end)) < 0)
		return rc;
	rc = xz_db_query(
	    c->db,
	    "SELECT h.id, h.problem_id, h.at, h.action, h.to_state, h.note, "
	    "o.media_url FROM problem_history h JOIN open311_requests o ON o.problem_id "
	    "= h.problem_id WHERE " SCOPE "AND h.at BETWEEN $3 AND $4 AND (h.action = "
	    "'report' OR h.from_state <> h.to_state) ORDER BY h.id LIMIT 1000",
	    XZ_ARGS(XZ_INT(cl ? cl->county_id : 0), XZ_INT(cl ? cl->id : 0), XZ_INT(start),
		    XZ_INT(end)),
	    &rows);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	*out = json_array();
	json_array_foreach(rows, i, row)
	{
		const char *action = jstr(row, "action"), *to = jstr(row, "to_state");
		const char *says = NULL, *note = jstr(row, "note");
		json_t *u;
		for (j = 0; j < XZ_ARRAY_LEN(steps); j++)
			if (!strcmp(steps[j].action, action)) {
				says = steps[j].says;
				if (!strcmp(action, "verify"))
					says = strcmp(to, "verified") ? "核查未通过，返工处置"
								      : "核查通过";
				if (steps[j].with_note && note && *note)
					says = xz_arena_printf(c->arena, "%s：%s", says, note);
				break;
			}
		if (!says)
			xz_open311_status(to, &says);
		snprintf(id, sizeof(id), "%lld", (long long)jint(row, "id"));
		snprintf(pid, sizeof(pid), "%lld", (long long)jint(row, "problem_id"));
		u = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "update_id", id, "service_request_id",
			      pid, "status", xz_open311_status(to, NULL), "updated_datetime",
			      xz_time_format(jint(row, "at"), buf), "description", says,
			      "external_status_code", to);
		json_object_set_new(u, "media_url",
				    jstr(row, "media_url") ? json_string(jstr(row, "media_url"))
							   : json_null());
		json_array_append_new(*out, u);
	}
	json_decref(rows);
	return 0;
}

/* ---- form bodies ---- */

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* decode: s[0..n) with + as space and %XX escapes into a new NUL-ended
 * buffer (caller frees); NULL on a bad escape or a NUL byte. */
static char *decode(const char *s, size_t n, size_t *len)
{
	char *out = xz_malloc(n + 1);
	size_t i, o = 0;
	for (i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '+') {
			ch = ' ';
		} else if (ch == '%') {
			int hi, lo;
			if (i + 2 >= n) {
				xz_free(out);
				return NULL;
			}
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0) {
				xz_free(out);
				return NULL;
			}
			ch = (char)(hi * 16 + lo);
			i += 2;
		}
		if (ch == 0) {
			xz_free(out);
			return NULL;
		}
		out[o++] = ch;
	}
	out[o] = 0;
	*len = o;
	return out;
}

int xz_open311_form_parse(const char *body, size_t len, json_t **out)
{
	json_t *obj = json_object();
	size_t pos = 0, fields = 0;
	int rc = 0;
	*out = NULL;
	while (pos < len) {
		const char *field = body + pos, *amp = memchr(field, '&', len - pos), *eq;
		size_t flen = amp ? (size_t)(amp - field) : len - pos, klen = 0, vlen = 0, kraw;
		char *k = NULL, *v = NULL;
		json_t *sv = NULL, *kv = NULL, *old;
		pos += flen + 1;
		if (flen == 0)
			continue;
		if (++fields > XZ_OPEN311_FORM_FIELDS) {
			rc = XZ_EMALFORMED;
			break;
		}
		eq = memchr(field, '=', flen);
		kraw = eq ? (size_t)(eq - field) : flen;
		k = decode(field, kraw, &klen);
		v = eq ? decode(eq + 1, flen - kraw - 1, &vlen) : xz_strdup("");
		if (!k || !v || klen == 0 || klen > XZ_OPEN311_FORM_KEY ||
		    !(kv = json_stringn(k, klen)) || !(sv = json_stringn(v, vlen))) {
			json_decref(kv);
			xz_free(k);
			xz_free(v);
			rc = XZ_EMALFORMED;
			break;
		}
		json_decref(kv);
		old = json_object_get(obj, k);
		if (klen > 2 && !strcmp(k + klen - 2, "[]")) {
			if (!old)
				json_object_set_new(obj, k, old = json_array());
			json_array_append_new(old, sv);
		} else if (old) {
			json_decref(sv);
			rc = XZ_EMALFORMED;
		} else {
			json_object_set_new(obj, k, sv);
		}
		xz_free(k);
		xz_free(v);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		json_decref(obj);
		return rc;
	}
	*out = obj;
	return 0;
}
