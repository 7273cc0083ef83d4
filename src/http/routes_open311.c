/*
 * routes_open311.c — Open311 GeoReport v2 over HTTP (R10.6): the
 * specification's URLs under /open311/v2/ in JSON and XML, form-encoded
 * posts, the specification's error bodies, and the administrator's routes
 * that register outside systems. Each handler reads its arguments, makes
 * one call into domain/open311.c and presents the answer in the format the
 * URL's extension names; XML is written with libxml2's xmlTextWriter.
 *
 * Who calls: an outside system with its api_key (a query argument, or a
 * field of the form body for POST). Reads without a key are answered only
 * when the administrator has made them public. Every keyed call is
 * audited under the system's name, and counted against its rate limit.
 */
#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "domain/open311.h"
#include "http/http.h"
#include "http/resource.h"

#define SPEC_URL "http://wiki.open311.org/GeoReport_v2"
#define CHANGESET "2026-12-02T00:00:00+08:00"

/* ---- formats ---- */

/* fmt_of: "json" or "xml" from a {fmt} capture or the extension of a
 * {file} capture (which loses it: "CS01.json" → "CS01"); NULL otherwise. */
static const char *fmt_of(char *s)
{
	char *dot = s ? strrchr(s, '.') : NULL;
	const char *ext = dot ? dot + 1 : s;
	if (!ext || (strcmp(ext, "json") && strcmp(ext, "xml")))
		return NULL;
	if (dot)
		*dot = 0;
	return !strcmp(ext, "xml") ? "xml" : "json";
}

static bool path_is_xml(const char *path)
{
	size_t n = strlen(path);
	const char *q = strchr(path, '?');
	if (q)
		n = (size_t)(q - path);
	return n >= 4 && !strncmp(path + n - 4, ".xml", 4);
}

/* The element of each item of a list, by the list's element. */
static const char *item_name(const char *list)
{
	static const struct {
		const char *list, *item;
	} names[] = {
	    {"services", "service"},
	    {"attributes", "attribute"},
	    {"values", "value"},
	    {"service_requests", "request"},
	    {"service_requests_updates", "request_update"},
	    {"endpoints", "endpoint"},
	    {"formats", "format"},
	    {"errors", "error"},
	};
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(names); i++)
		if (!strcmp(names[i].list, list))
			return names[i].item;
	return "item";
}

/* text_of: a string with the C0 controls XML 1.0 cannot carry dropped
 * (arena). */
static const char *text_of(struct xz_arena *a, const char *s)
{
	char *out = xz_arena_alloc(a, strlen(s) + 1), *o = out;
	for (; *s; s++)
		if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n' || *s == '\r')
			*o++ = *s;
	*o = 0;
	return out;
}

/* write_value: <name>value</name>; objects by key, lists by item_name;
 * null is left out, as the specification's XML examples do. */
static int write_value(xmlTextWriterPtr w, struct xz_arena *a, const char *name, json_t *v)
{
	char buf[64];
	int rc = 0;
	if (json_is_null(v))
		return 0;
	if (xmlTextWriterStartElement(w, BAD_CAST name) < 0)
		return -1;
	if (json_is_object(v)) {
		const char *k;
		json_t *x;
		json_object_foreach(v, k, x) if (rc == 0) rc = write_value(w, a, k, x);
	} else if (json_is_array(v)) {
		size_t i;
		json_t *x;
		json_array_foreach(v, i, x) if (rc == 0) rc = write_value(w, a, item_name(name), x);
	} else {
		const char *s = buf;
		if (json_is_string(v))
			s = text_of(a, json_string_value(v));
		else if (json_is_true(v) || json_is_false(v))
			s = json_is_true(v) ? "true" : "false";
		else if (json_is_integer(v))
			snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
		else
			snprintf(buf, sizeof(buf), "%.10g", json_real_value(v));
		rc = xmlTextWriterWriteString(w, BAD_CAST s) < 0 ? -1 : 0;
	}
	if (rc == 0 && xmlTextWriterEndElement(w) < 0)
		rc = -1;
	return rc;
}

/* to_xml: the document <root>…</root> for v; *len bytes, xz_malloc'd. */
static unsigned char *to_xml(struct xz_arena *a, const char *root, json_t *v, size_t *len)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	unsigned char *out = NULL;
	if (w && xmlTextWriterStartDocument(w, "1.0", "utf-8", NULL) >= 0 &&
	    write_value(w, a, root, v) == 0 && xmlTextWriterEndDocument(w) >= 0) {
		xmlFreeTextWriter(w); /* flushes into buf */
		w = NULL;
		*len = (size_t)xmlBufferLength(buf);
		out = xz_malloc(*len + 1);
		memcpy(out, xmlBufferContent(buf), *len);
		out[*len] = 0;
	}
	if (w)
		xmlFreeTextWriter(w);
	if (buf)
		xmlBufferFree(buf);
	return out;
}

/* answer: v (stolen) in the request's format under root (XML). */
static int answer(struct xz_req *r, const char *fmt, unsigned status, const char *root, json_t *v)
{
	unsigned char *x;
	size_t len = 0;
	if (strcmp(fmt, "xml"))
		return xz_reply(r, status, v);
	x = to_xml(r->arena, root, v, &len);
	json_decref(v);
	if (!x)
		return xz_fail(r, XZ_EINTERNAL, "internal_error", "无法生成XML", "Cannot write XML",
			       NULL);
	return xz_reply_bytes(r, status, "text/xml; charset=utf-8", x, len, true);
}

/* xz_open311_error_body: the specification's error body for a failed
 * /open311/ request: [{"code":status,"description":"…"}] or
 * <errors><error><code/><description/></error></errors> when the URL asks
 * for XML; the description is the Chinese message. Caller frees (free()). */
char *xz_open311_error_body(struct xz_req *r, int code, const char **type)
{
	const char *msg = r->err_code ? r->err_msg : r->ctx.err_code ? r->ctx.err_msg : NULL;
	unsigned status = xz_http_status(code);
	json_t *e = json_pack("[{s:i,s:s}]", "code", (int)status, "description",
			      msg ? msg : "服务器内部错误");
	char *s = NULL;
	if (path_is_xml(r->path)) {
		size_t len = 0;
		unsigned char *x = to_xml(r->arena, "errors", e, &len);
		if (x) {
			s = strdup((const char *)x);
			xz_free(x);
			*type = "text/xml; charset=utf-8";
		}
	}
	if (!s) {
		s = json_dumps(e, JSON_COMPACT);
		*type = "application/json; charset=utf-8";
	}
	json_decref(e);
	return s;
}

/* ---- who calls ---- */

struct call {
	const char *fmt;
	struct xz_open311_client cl;
	bool keyed;
	json_t *form; /* POST body fields */
};

/* caller: the system holding the api_key, counted against its rate limit;
 * with no key, reads go on only when they are public. A bad key is 403
 * and audited. */
static int caller(struct xz_req *r, struct call *k, const char *key, bool write)
{
	struct xz_ctx *c = xz_req_ctx(r);
	int rc;
	if (!key || !*key) {
		if (!write && xz_open311_public_read(c->db))
			return 0;
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "api_key_required", "缺少api_key",
				   "api_key is required", "api_key");
	}
	if ((rc = xz_open311_key_check(c, key, &k->cl)) < 0) {
		if (rc == XZ_EFORBIDDEN)
			xz_open311_audit(c, NULL, "open311.key", 0, "denied", r->path);
		return rc;
	}
	k->keyed = true;
	if (!xz_open311_rate_hit(c, &k->cl)) {
		xz_open311_audit(c, &k->cl, "open311.call", 0, "rate_limited", r->path);
		return XZ_ERATE;
	}
	return 0;
}

/* done: audit a keyed call's outcome under the system's name. */
static int done(struct xz_req *r, struct call *k, int rc)
{
	struct xz_ctx *c = xz_req_ctx(r);
	if (k->keyed)
		xz_open311_audit(c, &k->cl, "open311.call", 0, rc < 0 ? "failed" : "ok",
				 xz_arena_printf(r->arena, "%s %s", r->method, r->path));
	return rc;
}

/* begin: the format from path capture i and the caller from the query's
 * api_key. */
static int begin(struct xz_req *r, struct call *k, int i)
{
	memset(k, 0, sizeof(*k));
	k->fmt = fmt_of((char *)r->params[i]);
	if (!k->fmt) {
		k->fmt = "json";
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "仅支持.json和.xml格式",
			       "Only .json and .xml are served", NULL);
	}
	return caller(r, k, xz_req_query(r, "api_key"), false);
}

/* ---- GeoReport v2 ---- */

static int discovery(struct xz_req *r)
{
	struct call k;
	const char *host = xz_req_header(r, "Host");
	json_t *d;
	int rc;
	memset(&k, 0, sizeof(k));
	if (!(k.fmt = fmt_of((char *)r->params[0])))
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "仅支持.json和.xml格式",
			       "Only .json and .xml are served", NULL);
	if (!host || strlen(host) > 255 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
		strlen(host))
		host = "localhost";
	d = json_pack("{s:s,s:s,s:s,s:[{s:s,s:s,s:s,s:s,s:[s,s]}]}", "changeset", CHANGESET,
		      "contact", "请联系县（区）综合行政执法系统管理员", "key_service",
		      "外部系统的api_key由系统管理员登记后发放", "endpoints", "specification",
		      SPEC_URL, "url",
		      xz_arena_printf(r->arena, "%s://%s/open311/v2",
				      r->app->secure_cookies ? "https" : "http", host),
		      "changeset", CHANGESET, "type", "production", "formats", "application/json",
		      "text/xml");
	rc = answer(r, k.fmt, 200, "discovery", d);
	return rc;
}

static int services(struct xz_req *r)
{
	struct call k;
	json_t *out = NULL;
	int rc;
	if ((rc = begin(r, &k, 0)) < 0 || (rc = xz_open311_services(xz_req_ctx(r), &out)) < 0)
		return done(r, &k, rc);
	return done(r, &k, answer(r, k.fmt, 200, "services", out));
}

static int service_definition(struct xz_req *r)
{
	struct call k;
	json_t *out = NULL;
	int rc;
	if ((rc = begin(r, &k, 0)) < 0 ||
	    (rc = xz_open311_service_definition(xz_req_ctx(r), r->params[0], &out)) < 0)
		return done(r, &k, rc);
	return done(r, &k, answer(r, k.fmt, 200, "service_definition", out));
}

/* date_arg: an ISO 8601 query argument (0 when absent). */
static int date_arg(struct xz_req *r, const char *name, int64_t *t)
{
	const char *v = xz_req_query(r, name);
	*t = 0;
	if (v && (strlen(v) > 40 || xz_time_parse(v, t) < 0))
		return xz_fail(r, XZ_EMALFORMED, "invalid_date",
			       xz_arena_printf(r->arena, "%s须为ISO 8601时间", name),
			       "Dates must be ISO 8601", name);
	return 0;
}

static int requests_list(struct xz_req *r)
{
	struct call k;
	struct xz_open311_query q = {0};
	json_t *out = NULL;
	int rc;
	if ((rc = begin(r, &k, 0)) < 0 || (rc = date_arg(r, "start_date", &q.start)) < 0 ||
	    (rc = date_arg(r, "end_date", &q.end)) < 0)
		return done(r, &k, rc);
	q.ids = xz_req_query(r, "service_request_id");
	q.service_code = xz_req_query(r, "service_code");
	q.status = xz_req_query(r, "status");
	if ((rc = xz_open311_requests(xz_req_ctx(r), k.keyed ? &k.cl : NULL, &q, &out)) < 0)
		return done(r, &k, rc);
	return done(r, &k, answer(r, k.fmt, 200, "service_requests", out));
}

static int request_get(struct xz_req *r)
{
	struct call k;
	json_t *out = NULL;
	const char *s;
	int64_t id = 0;
	int rc;
	if ((rc = begin(r, &k, 0)) < 0)
		return done(r, &k, rc);
	s = r->params[0];
	if (!*s || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s) ||
	    (id = strtoll(s, NULL, 10)) <= 0)
		return done(r, &k,
			    xz_fail(r, XZ_ENOTFOUND, "not_found", "服务请求不存在",
				    "No such service request", "service_request_id"));
	if ((rc = xz_open311_request_get(xz_req_ctx(r), k.keyed ? &k.cl : NULL, id, &out)) < 0)
		return done(r, &k, rc);
	return done(r, &k, answer(r, k.fmt, 200, "service_requests", out));
}

static int token_get(struct xz_req *r)
{
	struct call k;
	json_t *out = NULL;
	int rc;
	if ((rc = begin(r, &k, 0)) < 0 ||
	    (rc = xz_open311_token(xz_req_ctx(r), k.keyed ? &k.cl : NULL, r->params[0], &out)) < 0)
		return done(r, &k, rc);
	return done(r, &k, answer(r, k.fmt, 200, "service_requests", out));
}

static int updates(struct xz_req *r)
{
	struct call k;
	int64_t start = 0, end = 0;
	json_t *out = NULL;
	int rc;
	if ((rc = begin(r, &k, 0)) < 0 || (rc = date_arg(r, "start_date", &start)) < 0 ||
	    (rc = date_arg(r, "end_date", &end)) < 0 ||
	    (rc = xz_open311_updates(xz_req_ctx(r), k.keyed ? &k.cl : NULL, start, end, &out)) < 0)
		return done(r, &k, rc);
	return done(r, &k, answer(r, k.fmt, 200, "service_requests_updates", out));
}

/* number: a decimal number form field (false when malformed). */
static bool number(const char *s, double *out)
{
	char *end = NULL;
	if (!s || !*s || strlen(s) > 32)
		return false;
	*out = strtod(s, &end);
	return end && !*end;
}

/* form_attributes: attribute[code]=v and attribute[code][]=v fields into
 * {"code": "v" | ["v", …]} (a new object). */
static json_t *form_attributes(json_t *form)
{
	json_t *attrs = json_object(), *v;
	const char *key;
	json_object_foreach(form, key, v)
	{
		size_t n = strlen(key);
		char code[XZ_OPEN311_FORM_KEY + 1];
		if (strncmp(key, "attribute[", 10) || n < 12)
			continue;
		if (json_is_array(v)) { /* attribute[code][] */
			if (n < 14 || strcmp(key + n - 3, "][]"))
				continue;
			n -= 2;
		} else if (key[n - 1] != ']') {
			continue;
		}
		snprintf(code, sizeof(code), "%.*s", (int)(n - 11), key + 10);
		if (!strchr(code, '[') && !strchr(code, ']'))
			json_object_set(attrs, code, v);
	}
	return attrs;
}

static const char *const post_fields[] = {
    "api_key",	  "jurisdiction_id", "service_code", "lat",	   "long",	 "address_string",
    "address_id", "email",	     "device_id",    "account_id", "first_name", "last_name",
    "phone",	  "description",     "media_url",    NULL};

static int request_create(struct xz_req *r)
{
	struct call k;
	struct xz_open311_request_in in = {0};
	const char *key, *lat, *lon, *token = NULL, *field;
	json_t *form = NULL, *v, *out;
	int64_t id = 0;
	char sid[24];
	int rc;

	memset(&k, 0, sizeof(k));
	if (!(k.fmt = fmt_of((char *)r->params[0])))
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "仅支持.json和.xml格式",
			       "Only .json and .xml are served", NULL);
	if (xz_open311_form_parse(r->body ? r->body : "", r->body_len, &form) < 0)
		return xz_fail(r, XZ_EMALFORMED, "invalid_form",
			       "请求体须为application/x-www-form-urlencoded表单",
			       "The body must be an application/x-www-form-urlencoded form", NULL);
	key = json_string_value(json_object_get(form, "api_key"));
	if (!key)
		key = xz_req_query(r, "api_key");
	if ((rc = caller(r, &k, key, true)) < 0)
		goto out;
	json_object_foreach(form, field, v)
	{
		if (!json_is_string(v) && strncmp(field, "attribute[", 10)) {
			rc = xz_fail(r, XZ_EMALFORMED, "invalid_form",
				     xz_arena_printf(r->arena, "字段%.64s不能重复", field),
				     "A field is repeated", field);
			goto out;
		}
		if (!xz_one_of(field, post_fields) && strncmp(field, "attribute[", 10)) {
			rc = xz_fail(r, XZ_EMALFORMED, "unknown_field",
				     xz_arena_printf(r->arena, "不认识的字段%.64s", field),
				     "Unknown field", field);
			goto out;
		}
	}
#define F(name) (json_string_value(json_object_get(form, name)))
	in.service_code = F("service_code");
	in.description = F("description");
	in.address = F("address_string");
	in.email = F("email");
	in.first_name = F("first_name");
	in.last_name = F("last_name");
	in.phone = F("phone");
	in.media_url = F("media_url");
	in.jurisdiction_id = F("jurisdiction_id");
	lat = F("lat");
	lon = F("long");
#undef F
	if (in.media_url && !*in.media_url)
		in.media_url = NULL;
	if ((lat && *lat) || (lon && *lon)) {
		if (!number(lat, &in.lat) || !number(lon, &in.lon)) {
			rc = xz_fail(r, XZ_EMALFORMED, "invalid_position",
				     "经纬度lat和long须同时给出且为数字",
				     "lat and long must both be numbers", "lat");
			goto out;
		}
		in.has_pos = true;
	}
	in.attributes = form_attributes(form);
	rc = xz_open311_request_create(xz_req_ctx(r), &k.cl, &in, &id, &token);
	json_decref(in.attributes);
	if (rc < 0)
		goto out;
	snprintf(sid, sizeof(sid), "%lld", (long long)id);
	out = json_pack("[{s:s,s:s,s:s,s:n}]", "service_request_id", sid, "token", token,
			"service_notice", "已收到，将按规定时限受理并办理", "account_id");
	rc = answer(r, k.fmt, 200, "service_requests", out);
	json_decref(form);
	return rc; /* the creation was audited with the problem */
out:
	json_decref(form);
	return done(r, &k, rc);
}

/* ---- the administrator's routes ---- */

static int clients_create(struct xz_req *r)
{
	const char *name = NULL, *channel = NULL;
	json_t *townships = NULL, *out = NULL;
	int rate = 0;
	int rc;
	if ((rc = xz_req_json(r)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s:s,s?o,s?i}", "name", &name, "channel", &channel,
				"townships", &townships, "rate_per_minute", &rate)) < 0)
		return rc;
	if (rate < 0 || (json_object_get(r->in, "rate_per_minute") && rate == 0))
		return xz_fail(r, XZ_EMALFORMED, "invalid_rate", "rate_per_minute须为1到100000",
			       "rate_per_minute must be 1 to 100000", "rate_per_minute");
	if ((rc = xz_open311_client_create(xz_req_ctx(r), name, channel, townships, rate, &out)) <
	    0)
		return rc;
	return xz_reply(r, 201, out);
}

static int clients_list(struct xz_req *r)
{
	json_t *rows = NULL;
	int rc = xz_open311_client_list(xz_req_ctx(r), &rows);
	if (rc < 0)
		return rc;
	return xz_reply(r, 200,
			json_pack("{s:o,s:b}", "items", xz_present_all(rows), "public_read",
				  xz_open311_public_read(xz_req_db(r))));
}

static int clients_revoke(struct xz_req *r)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_open311_client_revoke(xz_req_ctx(r), id)) < 0)
		return rc;
	return clients_list(r);
}

static int settings_put(struct xz_req *r)
{
	int on = 0, rc;
	if ((rc = xz_req_json(r)) < 0 || (rc = xz_req_unpack(r, "{s:b}", "public_read", &on)) < 0 ||
	    (rc = xz_open311_public_read_set(xz_req_ctx(r), on)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:b}", "public_read", on));
}

const struct xz_route xz_routes_open311[] = {
    {"GET", "/open311/v2/discovery.{fmt}", discovery, NULL, 0},
    {"GET", "/open311/v2/services.{fmt}", services, NULL, 0},
    {"GET", "/open311/v2/services/{file}", service_definition, NULL, 0},
    {"GET", "/open311/v2/requests.{fmt}", requests_list, NULL, 0},
    {"POST", "/open311/v2/requests.{fmt}", request_create, NULL, XZ_MAX_OPEN311_BODY},
    {"GET", "/open311/v2/requests/{file}", request_get, NULL, 0},
    {"GET", "/open311/v2/tokens/{file}", token_get, NULL, 0},
    {"GET", "/open311/v2/servicerequestupdates.{fmt}", updates, NULL, 0},
    {"POST", "/api/v1/open311/clients", clients_create, "open311.admin", 0},
    {"GET", "/api/v1/open311/clients", clients_list, "open311.admin", 0},
    {"POST", "/api/v1/open311/clients/{id}/revoke", clients_revoke, "open311.admin", 0},
    {"PUT", "/api/v1/open311/settings", settings_put, "open311.admin", 0},
    {NULL, NULL, NULL, NULL, 0},
};
