/*
 * resp.c — the error model and the response helpers handlers use: one
 * status per error code, the JSON error shape, pagination, presentation of
 * rows (instants as +08:00), optimistic-concurrency checks and auditing from
 * a request.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <microhttpd.h>

#include "core/xz.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "store/sqlbuf.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "http/http.h"

unsigned xz_http_status(int code)
{
	switch (code) {
	case XZ_OK: return 200;
	case XZ_EMALFORMED: return 400;
	case XZ_EAUTH: return 401;
	case XZ_EFORBIDDEN: return 403;
	case XZ_ENOTFOUND: return 404;
	case XZ_EMETHOD: return 405;
	case XZ_ECONFLICT: return 409;
	case XZ_ETOOBIG: return 413;
	case XZ_ERULE: return 422;
	case XZ_ERATE: return 429;
	case XZ_EUNAVAIL: return 503;
	default: return 500;
	}
}

int xz_fail(struct xz_req *r, int code, const char *err_code, const char *msg,
	    const char *msg_en, const char *field)
{
	r->err_code = err_code;
	r->err_msg = msg;
	r->err_msg_en = msg_en;
	r->err_field = field;
	return code;
}

struct xz_ctx *xz_req_ctx(struct xz_req *r)
{
	if (!r->ctx_ready) {
		r->ctx.db = xz_req_db(r);
		r->ctx.user = r->user;
		r->ctx.source = r->source;
		r->ctx.arena = r->arena;
		r->ctx.now = xz_now();
		r->ctx_ready = true;
	}
	return &r->ctx;
}

int xz_fail_db(struct xz_req *r, int code)
{
	/* one set of words for storage failures: the domain context's */
	struct xz_ctx t = {0};
	int rc = xz_ctx_fail_db(&t, code);
	return xz_fail(r, rc, t.err_code, t.err_msg, t.err_msg_en, t.err_field);
}

/* json_syntax_fail: our own words for a body jansson could not read; the
 * parser's text never reaches the client (it names its own options). */
static int json_syntax_fail(struct xz_req *r, const json_error_t *err)
{
	const char *zh, *en;
	switch (json_error_code(err)) {
	case json_error_null_character:
	case json_error_null_byte_in_key:
		zh = "JSON字符串中不允许出现\\u0000";
		en = "JSON strings must not contain \\u0000";
		break;
	case json_error_invalid_utf8:
		zh = "请求体不是有效的UTF-8文本";
		en = "The body is not valid UTF-8";
		break;
	case json_error_duplicate_key:
		zh = "JSON对象中有重复的字段";
		en = "A JSON object has a duplicate key";
		break;
	case json_error_premature_end_of_input:
		zh = "JSON不完整";
		en = "The JSON ends too early";
		break;
	case json_error_numeric_overflow:
		zh = "JSON中的数字超出范围";
		en = "A number in the JSON is out of range";
		break;
	case json_error_stack_overflow:
		zh = "JSON嵌套过深";
		en = "The JSON is nested too deeply";
		break;
	default:
		return xz_fail(r, XZ_EMALFORMED, "malformed_json",
			       xz_arena_printf(r->arena, "JSON格式错误（第%d行第%d列）", err->line,
					       err->column),
			       xz_arena_printf(r->arena, "Malformed JSON at line %d, column %d",
					       err->line, err->column),
			       NULL);
	}
	return xz_fail(r, XZ_EMALFORMED, "malformed_json", zh, en, NULL);
}

int xz_req_json(struct xz_req *r)
{
	json_error_t err;
	if (r->in)
		return 0;
	if (!r->body || r->body_len == 0)
		return xz_fail(r, XZ_EMALFORMED, "empty_body", "请求体为空", "Request body is empty",
			       NULL);
	r->in = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &err);
	if (!r->in)
		return json_syntax_fail(r, &err);
	if (!json_is_object(r->in))
		return xz_fail(r, XZ_EMALFORMED, "malformed_json", "请求体须为JSON对象",
			       "Request body must be a JSON object", NULL);
	return 0;
}

/* A top-level field of an unpack format: its key and declared type. */
struct shape_field {
	const char *key;
	char type; /* s b i I f F n o O { [ */
};

/* fmt_skip_value: walk one value of an unpack format from *f, consuming its
 * arguments from ap (keys of nested objects and the output pointers: every
 * argument of json_unpack is a pointer). Returns its type character. */
static char fmt_skip_value(const char **f, va_list *ap)
{
	char t;
	while (**f == ' ' || **f == ',' || **f == ':')
		(*f)++;
	t = **f;
	if (!t)
		return 0;
	(*f)++;
	if (t == '{' || t == '[') {
		char close = t == '{' ? '}' : ']';
		for (;;) {
			while (**f == ' ' || **f == ',' || **f == '!' || **f == '*')
				(*f)++;
			if (!**f || **f == close)
				break;
			if (t == '{') { /* key, optional '?', value */
				if (**f != 's')
					return 0;
				(*f)++;
				(void)va_arg(*ap, void *);
				if (**f == '?')
					(*f)++;
			}
			if (!fmt_skip_value(f, ap))
				return 0;
		}
		if (**f)
			(*f)++;
		return t;
	}
	if (strchr("sbiIfFoO", t)) {
		(void)va_arg(*ap, void *);
		if (t == 's' && **f == '%') {
			(*f)++;
			(void)va_arg(*ap, void *);
		}
		while (**f == '?' || **f == '*' || **f == '!')
			(*f)++;
	}
	return t;
}

/* shape_fields: the top-level fields of an object format "{s:s,s?I,...}". */
static int shape_fields(const char *fmt, va_list ap0, struct shape_field *out, int max)
{
	const char *f = fmt;
	va_list ap;
	int n = 0;
	va_copy(ap, ap0);
	while (*f == ' ')
		f++;
	if (*f++ != '{')
		goto out;
	for (;;) {
		while (*f == ' ' || *f == ',' || *f == '!' || *f == '*')
			f++;
		if (*f != 's' || n >= max)
			break;
		f++;
		out[n].key = va_arg(ap, const char *);
		if (*f == '?')
			f++;
		if (!(out[n].type = fmt_skip_value(&f, &ap)))
			break;
		n++;
	}
out:
	va_end(ap);
	return n;
}

static bool type_fits(char t, const json_t *v)
{
	switch (t) {
	case 's': return json_is_string(v);
	case 'b': return json_is_boolean(v);
	case 'i':
	case 'I': return json_is_integer(v);
	case 'f': return json_is_real(v);
	case 'F': return json_is_number(v);
	case 'n': return json_is_null(v);
	case '{': return json_is_object(v);
	case '[': return json_is_array(v);
	default: return true;
	}
}

static const char *type_zh(char t)
{
	switch (t) {
	case 's': return "字符串";
	case 'b': return "true或false";
	case 'i':
	case 'I': return "整数";
	case 'f':
	case 'F': return "数字";
	case '{': return "对象";
	case '[': return "数组";
	default: return "其他类型";
	}
}

static const char *type_en(char t)
{
	switch (t) {
	case 's': return "a string";
	case 'b': return "true or false";
	case 'i':
	case 'I': return "an integer";
	case 'f':
	case 'F': return "a number";
	case '{': return "an object";
	case '[': return "an array";
	default: return "another type";
	}
}

/* field_name: a client-chosen key, bounded, for our message. */
static const char *field_name(struct xz_req *r, const char *k, size_t n)
{
	if (n > XZ_MAX_CODE)
		n = XZ_MAX_CODE;
	return xz_arena_printf(r->arena, "%.*s", (int)n, k);
}

/* shape_fail: our own words for a body that does not fit its declared
 * shape, naming the field (jansson's text is only read, never passed on). */
static int shape_fail(struct xz_req *r, const json_error_t *err, const char *fmt, va_list ap)
{
	struct shape_field fields[32];
	const char *colon = strstr(err->text, ": ");
	const char *field = NULL;
	int n, i;
	switch (json_error_code(err)) {
	case json_error_item_not_found:
		if (colon)
			field = field_name(r, colon + 2, strlen(colon + 2));
		if (field)
			return xz_fail(r, XZ_EMALFORMED, "invalid_body",
				       xz_arena_printf(r->arena, "缺少字段%s", field),
				       xz_arena_printf(r->arena, "Missing field %s", field), field);
		break;
	case json_error_end_of_input_expected:
		if (colon)
			field = field_name(r, colon + 2, strcspn(colon + 2, ","));
		if (field)
			return xz_fail(r, XZ_EMALFORMED, "invalid_body",
				       xz_arena_printf(r->arena, "不认识的字段%s", field),
				       xz_arena_printf(r->arena, "Unknown field %s", field), field);
		break;
	case json_error_wrong_type:
	case json_error_null_value:
		n = shape_fields(fmt, ap, fields, (int)XZ_ARRAY_LEN(fields));
		for (i = 0; i < n; i++) {
			json_t *v = json_object_get(r->in, fields[i].key);
			if (v && !type_fits(fields[i].type, v))
				return xz_fail(r, XZ_EMALFORMED, "invalid_body",
					       xz_arena_printf(r->arena, "字段%s须为%s", fields[i].key,
							       type_zh(fields[i].type)),
					       xz_arena_printf(r->arena, "Field %s must be %s",
							       fields[i].key, type_en(fields[i].type)),
					       fields[i].key);
		}
		break;
	default: break;
	}
	return xz_fail(r, XZ_EMALFORMED, "invalid_body", "请求字段不符合要求",
		       "The request body does not have the expected fields", NULL);
}

int xz_req_unpack(struct xz_req *r, const char *fmt, ...)
{
	json_error_t err;
	va_list ap;
	int rc;
	if ((rc = xz_req_json(r)) < 0)
		return rc;
	va_start(ap, fmt);
	rc = json_vunpack_ex(r->in, &err, JSON_STRICT, fmt, ap);
	va_end(ap);
	if (rc != 0) {
		va_start(ap, fmt);
		rc = shape_fail(r, &err, fmt, ap);
		va_end(ap);
	}
	return rc;
}

const char *xz_req_query(struct xz_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *xz_req_header(struct xz_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* parse_pos_int: digits only, no sign, no leading zero, no space: one
 * spelling per id, so /problems/0306 and /problems/+306 are not 306. */
static bool parse_pos_int(const char *s, int64_t *out)
{
	char *end;
	long long v;
	if (!s || !*s || strlen(s) > 18 || s[0] == '0' || strspn(s, "0123456789") != strlen(s))
		return false;
	v = strtoll(s, &end, 10);
	if (*end || v <= 0)
		return false;
	*out = v;
	return true;
}

int xz_req_id(struct xz_req *r, int i, int64_t *id)
{
	if (!parse_pos_int(r->params[i], id))
		return xz_fail(r, XZ_ENOTFOUND, "not_found", "记录不存在", "Record not found", NULL);
	return 0;
}

int xz_req_query_id(struct xz_req *r, const char *name, int64_t *id)
{
	const char *v = xz_req_query(r, name);
	*id = 0;
	if (!v || !*v)
		return 0;
	if (!parse_pos_int(v, id))
		return xz_fail(r, XZ_EMALFORMED, "invalid_query",
			       xz_arena_printf(r->arena, "查询参数%s须为正整数", name),
			       xz_arena_printf(r->arena, "Query argument %s must be a positive integer",
					       name),
			       name);
	return 0;
}

int xz_req_page(struct xz_req *r, int64_t *after, int64_t *limit)
{
	const char *l = xz_req_query(r, "limit");
	int rc = xz_req_query_id(r, "cursor", after);
	if (rc < 0)
		return rc;
	*limit = XZ_PAGE_DEFAULT;
	if (l && (!parse_pos_int(l, limit) || *limit > XZ_PAGE_MAX))
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "limit须为1到500之间的整数",
			       "limit must be an integer from 1 to 500", "limit");
	return 0;
}

void xz_req_header_add(struct xz_req *r, const char *name, const char *value)
{
	if (r->nhdr >= XZ_MAX_EXTRA_HEADERS)
		return;
	r->hdr_name[r->nhdr] = name;
	r->hdr_value[r->nhdr] = value;
	r->nhdr++;
}

int xz_reply(struct xz_req *r, unsigned status, json_t *body)
{
	json_decref(r->out);
	r->out = body;
	r->status = status;
	return 0;
}

int xz_reply_page(struct xz_req *r, json_t *rows, int64_t limit)
{
	json_t *next = json_null();
	size_t n = json_array_size(rows);
	if (n > 0 && (int64_t)n >= limit) {
		json_t *last = json_array_get(rows, n - 1);
		next = json_sprintf("%lld", (long long)json_integer_value(json_object_get(last, "id")));
	}
	return xz_reply(r, 200, json_pack("{s:o,s:o}", "items", xz_present_all(rows), "next", next));
}

int xz_reply_bytes(struct xz_req *r, unsigned status, const char *type, unsigned char *data,
		   size_t len, bool malloced)
{
	r->status = status;
	r->raw = data;
	r->raw_len = len;
	r->raw_type = type;
	r->raw_malloced = malloced;
	return 0;
}

int xz_reply_fd(struct xz_req *r, unsigned status, const char *type, int fd, size_t len)
{
	r->status = status;
	r->raw_type = type;
	r->raw_fd = fd;
	r->raw_fd_len = len;
	r->raw_is_fd = true;
	return 0;
}

int xz_reply_export(struct xz_req *r, const char *stem, bool xlsx, int fd, size_t len)
{
	char day[XZ_DATE_LEN];
	xz_req_header_add(r, "Content-Disposition",
			  xz_arena_printf(r->arena, "attachment; filename=\"%s-%s.%s\"", stem,
					  xz_date_format(xz_day_of(xz_req_ctx(r)->now), day),
					  xlsx ? "xlsx" : "csv"));
	return xz_reply_fd(r, 200,
			   xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
				: "text/csv; charset=utf-8",
			   fd, len);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}


/* utf8_text: s[0..n) is text jansson takes as a string: UTF-8, where (unlike
 * for glib) a NUL byte is a character */
static bool utf8_text(const char *s, size_t n)
{
	const char *z;
	while ((z = memchr(s, 0, n))) {
		if (!g_utf8_validate_len(s, (gsize)(z - s), NULL))
			return false;
		n -= (size_t)(z - s) + 1;
		s = z + 1;
	}
	return g_utf8_validate_len(s, n, NULL);
}
/* what xz_present (and a page written as read) does to a column, by its
 * name */
enum { COL_PLAIN, COL_TIME, COL_FLAG, COL_JSON, COL_DOMAINS };

static unsigned char column_kind(const char *key)
{
	if (ends_with(key, "_json"))
		return COL_JSON;
	if (!strcmp(key, "domains"))
		return COL_DOMAINS;
	if (ends_with(key, "_at"))
		return COL_TIME;
	return strncmp(key, "is_", 3) ? COL_PLAIN : COL_FLAG;
}

json_t *xz_present(json_t *row)
{
	const char *key;
	json_t *v;
	void *tmp;
	char buf[XZ_TIME_LEN];
	json_object_foreach_safe(row, tmp, key, v)
	{
		unsigned char kind = column_kind(key);
		if (kind == COL_TIME && json_is_integer(v)) {
			json_object_set_new(row, key,
					    json_string(xz_time_format(json_integer_value(v), buf)));
		} else if ((kind == COL_JSON || kind == COL_DOMAINS) && json_is_string(v)) {
			json_t *parsed = json_loads(json_string_value(v), 0, NULL);
			if (kind == COL_JSON) { /* "x_json" is shown as "x" */
				char *k = xz_strndup(key, strlen(key) - 5);
				json_object_set_new(row, k, parsed ? parsed : json_null());
				json_object_del(row, key);
				xz_free(k);
			} else {
				json_object_set_new(row, key, parsed ? parsed : json_array());
			}
		} else if (kind == COL_FLAG && json_is_integer(v)) {
			json_object_set_new(row, key, json_boolean(json_integer_value(v)));
		}
	}
	return row;
}

json_t *xz_present_all(json_t *rows)
{
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) xz_present(row);
	return rows;
}

void xz_page_begin(struct xz_req *r, struct xz_page *pg, int64_t limit)
{
	memset(pg, 0, sizeof(*pg));
	pg->r = r;
	pg->limit = limit;
	pg->id_col = -1;
	xz_jw_raw(&pg->w, "{\"items\":[", 10);
}

void xz_page_key(struct xz_page *pg, const char *key)
{
	if (!pg->first)
		xz_jw_char(&pg->w, ',');
	pg->first = false;
	xz_jw_str(&pg->w, key, strlen(key));
	xz_jw_char(&pg->w, ':');
}

void xz_page_column(struct xz_page *pg, const struct xz_col *cols, int c)
{
	const struct xz_col *col = &cols[c];
	struct xz_jw *w = &pg->w;
	unsigned char kind = c < XZ_PAGE_COLS ? pg->kind[c] : column_kind(col->name);
	char buf[XZ_TIME_LEN];
	if ((kind == COL_JSON || kind == COL_DOMAINS) && col->t == XZ_COL_TEXT) {
		json_t *parsed = json_loadb(col->s, col->len, 0, NULL);
		if (kind == COL_JSON) /* "x_json" is shown as "x" */
			xz_page_key(pg, xz_arena_printf(pg->r->arena, "%.*s",
							(int)(strlen(col->name) - 5), col->name));
		else
			xz_page_key(pg, col->name);
		if (parsed)
			xz_jw_value(w, parsed);
		else
			xz_jw_raw(w, kind == COL_JSON ? "null" : "[]", kind == COL_JSON ? 4 : 2);
		json_decref(parsed);
		return;
	}
	xz_page_key(pg, col->name);
	switch (col->t) {
	case XZ_COL_INT:
		if (kind == COL_TIME) {
			const char *t = xz_time_format(col->i, buf);
			xz_jw_str(w, t, strlen(t));
		} else if (kind == COL_FLAG) {
			xz_jw_bool(w, col->i);
		} else {
			xz_jw_int(w, col->i);
		}
		break;
	case XZ_COL_REAL: xz_jw_real(w, col->d); break;
	case XZ_COL_TEXT:
		/* an answer is UTF-8: text that is not reads as "", as in the
		 * tree (xz_db_rows) */
		if (utf8_text(col->s, col->len))
			xz_jw_str(w, col->s, col->len);
		else
			xz_jw_raw(w, "\"\"", 2);
		break;
	default: xz_jw_raw(w, "null", 4);
	}
}

/* moved_last: whether xz_present moves column c to the end of its row: a
 * "x_json" column holding text becomes a new field "x", added after the
 * row's other fields */
static bool moved_last(const struct xz_page *pg, const struct xz_col *cols, int c)
{
	unsigned char kind = c < XZ_PAGE_COLS ? pg->kind[c] : column_kind(cols[c].name);
	return kind == COL_JSON && cols[c].t == XZ_COL_TEXT;
}

int xz_page_row(void *arg, const struct xz_col *cols, int n)
{
	struct xz_page *pg = arg;
	int c;
	pg->first_row = pg->rows == 0;
	if (pg->first_row)
		for (c = 0; c < n; c++) {
			if (c < XZ_PAGE_COLS)
				pg->kind[c] = column_kind(cols[c].name);
			if (!strcmp(cols[c].name, "id"))
				pg->id_col = c;
		}
	if (pg->rows++)
		xz_jw_char(&pg->w, ',');
	xz_jw_char(&pg->w, '{');
	pg->first = true;
	if (pg->id_col >= 0 && cols[pg->id_col].t == XZ_COL_INT)
		pg->last_id = cols[pg->id_col].i;
	if (pg->row) {
		pg->row(pg, cols, n);
	} else { /* in xz_present's order: the moved fields last */
		for (c = 0; c < n; c++)
			if (!moved_last(pg, cols, c))
				xz_page_column(pg, cols, c);
		for (c = 0; c < n; c++)
			if (moved_last(pg, cols, c))
				xz_page_column(pg, cols, c);
	}
	xz_jw_char(&pg->w, '}');
	return 0;
}

static void extra_key(struct xz_page *pg, const char *key)
{
	xz_jw_char(&pg->tail, ',');
	xz_jw_str(&pg->tail, key, strlen(key));
	xz_jw_char(&pg->tail, ':');
}

void xz_page_extra_int(struct xz_page *pg, const char *key, int64_t v)
{
	extra_key(pg, key);
	xz_jw_int(&pg->tail, v);
}

void xz_page_extra_bool(struct xz_page *pg, const char *key, bool v)
{
	extra_key(pg, key);
	xz_jw_bool(&pg->tail, v);
}

int xz_page_reply(struct xz_page *pg, int rc)
{
	if (rc < 0) {
		xz_free(pg->w.p);
		xz_free(pg->tail.p);
		pg->w.p = pg->tail.p = NULL;
		return rc;
	}
	xz_jw_raw(&pg->w, "],\"next\":", 9);
	if (pg->rows > 0 && pg->rows >= pg->limit) {
		/* the cursor as xz_reply_page writes it: the last id, as text */
		xz_jw_char(&pg->w, '"');
		xz_jw_int(&pg->w, pg->last_id);
		xz_jw_char(&pg->w, '"');
	} else {
		xz_jw_raw(&pg->w, "null", 4);
	}
	if (pg->tail.len)
		xz_jw_raw(&pg->w, pg->tail.p, pg->tail.len);
	xz_free(pg->tail.p);
	pg->tail.p = NULL;
	xz_jw_char(&pg->w, '}');
	return xz_reply_bytes(pg->r, 200, "application/json; charset=utf-8",
			      (unsigned char *)pg->w.p, pg->w.len, true);
}

int xz_req_audit(struct xz_req *r, const char *action, const char *object_type, int64_t object_id,
		 const char *outcome, json_t *before, json_t *after)
{
	return xz_req_audit_detail(r, action, object_type, object_id, outcome, NULL, before, after);
}

int xz_req_audit_detail(struct xz_req *r, const char *action, const char *object_type,
			int64_t object_id, const char *outcome, const char *detail, json_t *before,
			json_t *after)
{
	char roles[128], id[24];
	struct xz_audit_entry e = {
		.source = r->source,
		.action = action,
		.object_type = object_type,
		.outcome = outcome,
		.detail = detail,
		.before = before,
		.after = after,
	};
	if (object_id) {
		snprintf(id, sizeof(id), "%lld", (long long)object_id);
		e.object_id = id;
	}
	if (r->user) {
		e.user_id = r->user->id;
		e.username = r->user->username;
		e.roles = xz_roles_string(r->user->roles, roles, sizeof(roles));
		e.county_id = r->user->county_id;
	}
	return xz_audit_append(xz_req_db(r), &e);
}

int xz_check_version(struct xz_req *r, int64_t current)
{
	json_t *v = r->in ? json_object_get(r->in, "version") : NULL;
	const char *im = xz_req_header(r, "If-Match");
	int64_t given = -1;
	if (v && json_is_integer(v))
		given = json_integer_value(v);
	else if (im) {
		char *end;
		if (*im == '"')
			im++;
		given = strtoll(im, &end, 10);
		if (end == im)
			given = -1;
	}
	if (given < 0)
		return xz_fail(r, XZ_EMALFORMED, "version_required",
			       "修改须带上记录的版本号（version字段或If-Match头）",
			       "Updates must carry the record's version (field or If-Match)", "version");
	if (given != current)
		return xz_fail(r, XZ_ECONFLICT, "version_conflict",
			       "记录已被他人修改，请刷新后重试",
			       "The record was changed by someone else; reload and retry", "version");
	return 0;
}

int xz_authorize(struct xz_req *r, const char *perm, const struct xz_place *place)
{
	if (!r->user)
		return xz_fail(r, XZ_EAUTH, "unauthenticated", "请先登录", "Please log in", NULL);
	if (xz_authz(r->user, perm, place))
		return 0;
	xz_req_audit(r, "access", perm, 0, "denied", NULL, NULL);
	return xz_fail(r, XZ_EFORBIDDEN, "forbidden", "无权执行此操作", "Not allowed", NULL);
}

int xz_req_audit_new(struct xz_req *r, const char *action, const char *object_type,
		     int64_t object_id, const char *outcome, json_t *before, json_t *after)
{
	int rc = xz_req_audit(r, action, object_type, object_id, outcome, before, after);
	json_decref(before);
	json_decref(after);
	return rc;
}

int xz_req_array(struct xz_req *r, const char *key, size_t max, json_t **arr)
{
	int rc;
	*arr = NULL;
	if ((rc = xz_req_json(r)) < 0 || (rc = xz_req_unpack(r, "{s:o}", key, arr)) < 0)
		return rc;
	if (!json_is_array(*arr) || json_array_size(*arr) > max)
		return xz_fail(r, XZ_EMALFORMED, "invalid_body",
			       xz_arena_printf(r->arena, "%s须为数组（至多%zu项）", key, max),
			       xz_arena_printf(r->arena, "%s must be an array of at most %zu", key, max),
			       key);
	return 0;
}

char *xz_req_like(struct xz_req *r, const char *q)
{
	return xz_sql_like(r->arena, q);
}
