/*
 * resource.c — the generic record routes described in resource.h.
 *
 * Input is validated field by field against the kind's declared shape
 * before the domain is called: unknown fields are refused (400), a missing
 * required field or a value of the wrong type is 400 with the field named,
 * a value not allowed is 422. The rules, the place checks, the write and
 * its audit entry are domain/records.c's.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "http/resource.h"

int64_t xz_jint(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	if (json_is_integer(v))
		return json_integer_value(v);
	if (json_is_true(v))
		return 1;
	return 0;
}

const char *xz_jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static const struct xz_field *find_field(const struct xz_resource *res, const char *name)
{
	const struct xz_field *f;
	for (f = res->fields; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

static int bad_field(struct xz_req *r, const struct xz_field *f, const char *why_cn,
		     const char *why_en)
{
	return xz_fail(r, XZ_EMALFORMED, "invalid_field",
		       xz_arena_printf(r->arena, "字段“%s”%s", f->label ? f->label : f->name, why_cn),
		       xz_arena_printf(r->arena, "Field %s %s", f->name, why_en), f->name);
}

/* check_value: validate one input value against its field; normalise it
 * into the stored form (flags to 0/1, lists to JSON text) in `row`. */
static int check_value(struct xz_req *r, const struct xz_field *f, json_t *v, json_t *row)
{
	int64_t day;
	size_t i, max = f->max ? f->max : XZ_MAX_NAME;
	json_t *e;
	if (json_is_null(v)) {
		if (f->required)
			return bad_field(r, f, "不能为空", "is required");
		json_object_set_new(row, f->name, json_null());
		return 0;
	}
	switch (f->type) {
	case XZ_F_TEXT:
	case XZ_F_DATE:
		if (!json_is_string(v))
			return bad_field(r, f, "须为字符串", "must be a string");
		if (json_string_length(v) == 0 && f->required)
			return bad_field(r, f, "不能为空", "is required");
		if (json_string_length(v) > max)
			return bad_field(r, f, "过长", "is too long");
		if (f->type == XZ_F_DATE && xz_date_parse(json_string_value(v), &day) < 0)
			return bad_field(r, f, "须为YYYY-MM-DD格式的日期", "must be a date YYYY-MM-DD");
		if (f->one_of) {
			const char *const *o;
			for (o = f->one_of; *o; o++)
				if (!strcmp(*o, json_string_value(v)))
					break;
			if (!*o)
				return xz_fail(r, XZ_ERULE, "invalid_value",
					       xz_arena_printf(r->arena, "字段“%s”的取值不允许",
							       f->label ? f->label : f->name),
					       xz_arena_printf(r->arena, "Value of %s is not allowed",
							       f->name),
					       f->name);
		}
		json_object_set(row, f->name, v);
		return 0;
	case XZ_F_ID:
		if (!json_is_integer(v) || json_integer_value(v) <= 0)
			return bad_field(r, f, "须为正整数编号", "must be a positive id");
		json_object_set(row, f->name, v);
		return 0;
	case XZ_F_INT:
		if (!json_is_integer(v))
			return bad_field(r, f, "须为整数", "must be an integer");
		json_object_set(row, f->name, v);
		return 0;
	case XZ_F_REAL:
		if (!json_is_number(v))
			return bad_field(r, f, "须为数字", "must be a number");
		json_object_set(row, f->name, v);
		return 0;
	case XZ_F_FLAG:
		if (!json_is_boolean(v))
			return bad_field(r, f, "须为true或false", "must be true or false");
		json_object_set_new(row, f->name, json_integer(json_is_true(v)));
		return 0;
	case XZ_F_LIST: {
		char *s;
		if (!json_is_array(v) || json_array_size(v) > 64)
			return bad_field(r, f, "须为字符串数组", "must be an array of strings");
		json_array_foreach(v, i, e) if (!json_is_string(e) || json_string_length(e) == 0 ||
						 json_string_length(e) > XZ_MAX_NAME) return
			bad_field(r, f, "须为字符串数组", "must be an array of strings");
		s = json_dumps(v, JSON_COMPACT);
		json_object_set_new(row, f->name, json_string(s));
		free(s);
		return 0;
	}
	}
	return XZ_EINTERNAL;
}

/* read_input: validate the body into `row` (on top of the stored values for
 * an update). Unknown keys are refused; on create, required fields must be
 * present. */
static int read_input(struct xz_req *r, const struct xz_resource *res, json_t *row, bool create)
{
	const char *key;
	json_t *v;
	const struct xz_field *f;
	int rc;
	if ((rc = xz_req_json(r)) < 0)
		return rc;
	json_object_foreach(r->in, key, v)
	{
		if (!strcmp(key, "version") && !create)
			continue;
		f = find_field(res, key);
		if (!f)
			return xz_fail(r, XZ_EMALFORMED, "unknown_field",
				       xz_arena_printf(r->arena, "不认识的字段：%s", key),
				       xz_arena_printf(r->arena, "Unknown field: %s", key),
				       xz_arena_strdup(r->arena, key));
		if ((rc = check_value(r, f, v, row)) < 0)
			return rc;
	}
	for (f = res->fields; create && f->name; f++) {
		if (f->required && (!json_object_get(row, f->name) ||
				    json_is_null(json_object_get(row, f->name))))
			return bad_field(r, f, "不能为空", "is required");
	}
	return 0;
}

int xz_res_ref(struct xz_req *r, const char *table, const char *cols, int64_t id,
	       const char *field, json_t **row)
{
	return xz_record_ref(xz_req_ctx(r), table, cols, id, field, row);
}

int xz_res_list(struct xz_req *r, const struct xz_resource *res)
{
	struct xz_record_filter f[XZ_MAX_SQL_PARAMS / 2];
	const char *const *flt;
	int64_t after, limit;
	size_t n = 0;
	json_t *rows = NULL;
	int rc;
	if ((rc = xz_req_page(r, &after, &limit)) < 0)
		return rc;
	for (flt = res->filters; flt && flt[0] && n < XZ_ARRAY_LEN(f); flt += 2) {
		if (!xz_req_query(r, flt[0]))
			continue;
		if ((rc = xz_req_query_id(r, flt[0], &f[n].value)) < 0)
			return rc;
		f[n++].column = flt[1];
	}
	if (!res->decorate) { /* written as read: no tree */
		struct xz_page pg;
		xz_page_begin(r, &pg, limit);
		return xz_page_reply(&pg, xz_record_each(xz_req_ctx(r), res, f, n, after, limit,
							 xz_page_row, &pg));
	}
	/* decorate reads for the page as a whole (people: the qualifications
	 * of the page's id range, in one query), so the page is a tree first */
	if ((rc = xz_record_list(xz_req_ctx(r), res, f, n, after, limit, &rows)) < 0)
		return rc;
	return xz_reply_page(r, rows, limit);
}

/* reply_record: the record with its ETag (its version). */
static int reply_record(struct xz_req *r, unsigned status, json_t *row)
{
	xz_req_header_add(r, "ETag",
			  xz_arena_printf(r->arena, "\"%lld\"", (long long)xz_jint(row, "version")));
	return xz_reply(r, status, xz_present(row));
}

int xz_res_get(struct xz_req *r, const struct xz_resource *res)
{
	json_t *row = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_record_get(xz_req_ctx(r), res, id, &row)) < 0)
		return rc;
	return reply_record(r, 200, row);
}

int xz_res_create(struct xz_req *r, const struct xz_resource *res)
{
	json_t *row = json_object(), *after = NULL;
	int rc;
	if ((rc = read_input(r, res, row, true)) == 0 &&
	    (rc = xz_record_create(xz_req_ctx(r), res, row, &after)) == 0)
		rc = reply_record(r, 201, after);
	json_decref(row);
	return rc;
}

int xz_res_update(struct xz_req *r, const struct xz_resource *res)
{
	json_t *before = NULL, *row = NULL, *after = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_req_json(r)) < 0 ||
	    (rc = xz_record_for_write(xz_req_ctx(r), res, id, &before)) < 0)
		return rc;
	if ((rc = xz_check_version(r, xz_jint(before, "version"))) == 0) {
		row = json_deep_copy(before);
		if ((rc = read_input(r, res, row, false)) == 0 &&
		    (rc = xz_record_update(xz_req_ctx(r), res, id, before, row, &after)) == 0)
			rc = reply_record(r, 200, after);
	}
	json_decref(before);
	json_decref(row);
	return rc;
}

int xz_res_delete(struct xz_req *r, const struct xz_resource *res)
{
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_record_delete(xz_req_ctx(r), res, id)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
}
