/*
 * resource.c — the generic record routes described in resource.h.
 *
 * Input is validated field by field against the resource's declared shape
 * before anything is written: unknown fields are refused (400), a missing
 * required field or a value of the wrong type is 400 with the field named,
 * a broken rule (bad reference, value not allowed) is 422. Every write and
 * its audit entry commit together.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "store/sqlbuf.h"
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

static struct xz_val val_of(json_t *v)
{
	if (json_is_integer(v))
		return XZ_INT(json_integer_value(v));
	if (json_is_real(v))
		return XZ_REAL(json_real_value(v));
	if (json_is_string(v))
		return XZ_TEXT(json_string_value(v));
	if (json_is_boolean(v))
		return XZ_INT(json_is_true(v));
	return XZ_NULL;
}

/* select_by_id: "SELECT cols FROM table WHERE id = $1" with id bound. */
static void select_by_id(struct xz_sqlbuf *b, const char *cols, const char *table, int64_t id)
{
	xz_sql_init(b, "SELECT ");
	xz_sql_add(b, cols);
	xz_sql_add(b, " FROM ");
	xz_sql_add(b, table);
	xz_sql_add(b, " WHERE id = ");
	xz_sql_param(b, XZ_INT(id));
}

int xz_res_load(struct xz_req *r, const struct xz_resource *res, int64_t id, json_t **row)
{
	struct xz_sqlbuf b;
	select_by_id(&b, res->columns, res->table, id);
	return xz_db_one(xz_req_db(r), b.text, b.p, b.n, row);
}

int xz_res_ref(struct xz_req *r, const char *table, const char *cols, int64_t id,
	       const char *field, json_t **row)
{
	struct xz_sqlbuf b;
	int rc;
	select_by_id(&b, cols, table, id);
	rc = xz_db_one(xz_req_db(r), b.text, b.p, b.n, row);
	if (rc == XZ_ENOTFOUND)
		return xz_fail(r, XZ_ERULE, "invalid_reference",
			       xz_arena_printf(r->arena, "字段%s引用的记录不存在", field),
			       xz_arena_printf(r->arena, "Field %s refers to a missing record", field),
			       field);
	if (rc < 0)
		return xz_fail_db(r, rc);
	return 0;
}

int xz_res_list(struct xz_req *r, const struct xz_resource *res)
{
	struct xz_place f;
	struct xz_sqlbuf b;
	int64_t after, limit, fid;
	json_t *rows = NULL;
	const char *const *flt;
	int rc;

	if ((rc = xz_req_page(r, &after, &limit)) < 0)
		return rc;
	if (!xz_authz_filter(r->user, res->read_perm, &f))
		return xz_authorize(r, res->read_perm, NULL);
	/* the place filter binds $2..$5 in this order: a resource's column
	 * expressions may refer to them (regions_list uses $3) */
	xz_sql_init(&b, "SELECT ");
	xz_sql_add(&b, res->columns);
	xz_sql_add(&b, " FROM ");
	xz_sql_add(&b, res->table);
	xz_sql_add(&b, " WHERE id > ");
	xz_sql_param(&b, XZ_INT(after));
	xz_sql_add(&b, " AND ");
	xz_sql_opt_eq(&b, res->county_col, XZ_ID(f.county_id));
	xz_sql_add(&b, " AND ");
	xz_sql_opt_eq(&b, res->township_col, XZ_ID(f.township_id));
	xz_sql_add(&b, " AND ");
	xz_sql_opt_eq(&b, res->department_col, XZ_ID(f.department_id));
	xz_sql_add(&b, " AND ");
	xz_sql_opt_eq(&b, res->unit_col, XZ_ID(f.unit_id));
	for (flt = res->filters; flt && flt[0]; flt += 2) {
		if (!xz_req_query(r, flt[0]))
			continue;
		if ((rc = xz_req_query_id(r, flt[0], &fid)) < 0)
			return rc;
		xz_sql_add(&b, " AND ");
		xz_sql_add(&b, flt[1]);
		xz_sql_add(&b, " = ");
		xz_sql_param(&b, XZ_INT(fid));
	}
	xz_sql_add(&b, " ORDER BY id LIMIT ");
	xz_sql_param(&b, XZ_INT(limit));
	rc = xz_db_query(xz_req_db(r), b.text, b.p, b.n, &rows);
	if (rc < 0)
		return xz_fail_db(r, rc);
	if (res->decorate && (rc = res->decorate(r, rows)) < 0) {
		json_decref(rows);
		return rc;
	}
	return xz_reply_page(r, rows, limit);
}

static void set_etag(struct xz_req *r, const json_t *row)
{
	xz_req_header_add(r, "ETag",
			  xz_arena_printf(r->arena, "\"%lld\"", (long long)xz_jint(row, "version")));
}

int xz_res_get(struct xz_req *r, const struct xz_resource *res)
{
	struct xz_place pl = {0};
	json_t *row = NULL, *rows;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	rc = xz_res_load(r, res, id, &row);
	if (rc < 0)
		return xz_fail_db(r, rc);
	res->place(row, &pl);
	if ((rc = xz_authorize(r, res->read_perm, &pl)) < 0) {
		json_decref(row);
		/* a record outside one's place does not exist for the caller */
		return rc == XZ_EFORBIDDEN ? xz_fail_db(r, XZ_ENOTFOUND) : rc;
	}
	set_etag(r, row);
	rows = json_pack("[O]", row);
	json_decref(row);
	if (res->decorate && (rc = res->decorate(r, rows)) < 0) {
		json_decref(rows);
		return rc;
	}
	row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return xz_reply(r, 200, xz_present(row));
}

/* write_row: insert (id 0) or update the fields and derived columns. */
static int write_row(struct xz_req *r, const struct xz_resource *res, json_t *row, int64_t id,
		     int64_t *new_id)
{
	struct xz_sqlbuf b;
	const struct xz_field *f;
	const char *const *d;
	int rc, k;
	int64_t changes = 0;
	json_t *ret = NULL;

	if (!id) {
		xz_sql_init(&b, "INSERT INTO ");
		xz_sql_add(&b, res->table);
		xz_sql_add(&b, " (");
		for (f = res->fields; f->name; f++) {
			xz_sql_add(&b, f->name);
			xz_sql_add(&b, ", ");
		}
		for (d = res->derived; d && *d; d++) {
			xz_sql_add(&b, *d);
			xz_sql_add(&b, ", ");
		}
		xz_sql_add(&b, "created_at, updated_at) VALUES (");
		for (f = res->fields; f->name; f++) {
			xz_sql_param(&b, val_of(json_object_get(row, f->name)));
			xz_sql_add(&b, ", ");
		}
		for (d = res->derived; d && *d; d++) {
			xz_sql_param(&b, val_of(json_object_get(row, *d)));
			xz_sql_add(&b, ", ");
		}
		k = xz_sql_param(&b, XZ_INT(xz_now()));
		xz_sql_add(&b, ", ");
		xz_sql_ref(&b, k);
		xz_sql_add(&b, ") RETURNING id");
		rc = xz_db_one(xz_req_db(r), b.text, b.p, b.n, &ret);
		if (rc == 0)
			*new_id = xz_jint(ret, "id");
		json_decref(ret);
		return rc;
	}
	xz_sql_init(&b, "UPDATE ");
	xz_sql_add(&b, res->table);
	xz_sql_add(&b, " SET ");
	for (f = res->fields; f->name; f++) {
		xz_sql_add(&b, f->name);
		xz_sql_add(&b, " = ");
		xz_sql_param(&b, val_of(json_object_get(row, f->name)));
		xz_sql_add(&b, ", ");
	}
	for (d = res->derived; d && *d; d++) {
		xz_sql_add(&b, *d);
		xz_sql_add(&b, " = ");
		xz_sql_param(&b, val_of(json_object_get(row, *d)));
		xz_sql_add(&b, ", ");
	}
	xz_sql_add(&b, "updated_at = ");
	xz_sql_param(&b, XZ_INT(xz_now()));
	xz_sql_add(&b, ", version = version + 1 WHERE id = ");
	xz_sql_param(&b, XZ_INT(id));
	xz_sql_add(&b, " AND version = ");
	xz_sql_param(&b, XZ_INT(xz_jint(row, "version")));
	rc = xz_db_exec(xz_req_db(r), b.text, b.p, b.n, &changes);
	if (rc == 0 && changes == 0)
		rc = XZ_ECONFLICT; /* changed under us since we read it */
	*new_id = id;
	return rc;
}

static int finish_write(struct xz_req *r, const struct xz_resource *res, const char *verb,
			int64_t id, json_t *before, unsigned status)
{
	json_t *after = NULL;
	struct xz_db *db = xz_req_db(r);
	int rc = xz_res_load(r, res, id, &after);
	if (rc == 0)
		rc = xz_req_audit(r, xz_arena_printf(r->arena, "%s.%s", res->name, verb), res->name,
				  id, "ok", before, after);
	if (rc == 0)
		rc = xz_db_commit(db);
	else
		xz_db_rollback(db);
	if (rc < 0) {
		json_decref(after);
		return xz_fail_db(r, rc);
	}
	set_etag(r, after);
	{
		json_t *rows = json_pack("[O]", after);
		if (res->decorate)
			res->decorate(r, rows);
		json_decref(after);
		after = json_incref(json_array_get(rows, 0));
		json_decref(rows);
	}
	return xz_reply(r, status, xz_present(after));
}

int xz_res_create(struct xz_req *r, const struct xz_resource *res)
{
	struct xz_place pl = {0};
	json_t *row = json_object();
	int64_t id = 0;
	int rc;
	struct xz_db *db;

	if ((rc = read_input(r, res, row, true)) < 0)
		goto out;
	if (res->derive && (rc = res->derive(r, row)) < 0)
		goto out;
	res->place(row, &pl);
	if ((rc = xz_authorize(r, res->write_perm, &pl)) < 0)
		goto out;
	db = xz_req_db(r);
	if ((rc = xz_db_begin(db)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	if ((rc = write_row(r, res, row, 0, &id)) < 0) {
		xz_db_rollback(db);
		rc = rc == XZ_ECONFLICT
			     ? xz_fail(r, rc, "duplicate",
				       xz_arena_printf(r->arena, "%s已存在（编码或名称重复）", res->label),
				       "A record with this code already exists", "code")
			     : xz_fail_db(r, rc);
		goto out;
	}
	rc = finish_write(r, res, "create", id, NULL, 201);
out:
	json_decref(row);
	return rc;
}

int xz_res_update(struct xz_req *r, const struct xz_resource *res)
{
	struct xz_place pl = {0};
	json_t *before = NULL, *row = NULL;
	int64_t id, out_id;
	int rc;
	struct xz_db *db;

	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	if ((rc = xz_req_json(r)) < 0)
		return rc;
	if ((rc = xz_res_load(r, res, id, &before)) < 0)
		return xz_fail_db(r, rc);
	res->place(before, &pl);
	if ((rc = xz_authorize(r, res->write_perm, &pl)) < 0) {
		rc = rc == XZ_EFORBIDDEN && !xz_authz(r->user, res->read_perm, &pl)
			     ? xz_fail_db(r, XZ_ENOTFOUND)
			     : rc;
		goto out;
	}
	if ((rc = xz_check_version(r, xz_jint(before, "version"))) < 0)
		goto out;
	row = json_deep_copy(before);
	if ((rc = read_input(r, res, row, false)) < 0)
		goto out;
	if (res->derive && (rc = res->derive(r, row)) < 0)
		goto out;
	res->place(row, &pl); /* the new place must be allowed too */
	if ((rc = xz_authorize(r, res->write_perm, &pl)) < 0)
		goto out;
	db = xz_req_db(r);
	if ((rc = xz_db_begin(db)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	if ((rc = write_row(r, res, row, id, &out_id)) < 0) {
		xz_db_rollback(db);
		rc = rc == XZ_ECONFLICT ? xz_fail(r, rc, "version_conflict",
						  "记录已被他人修改或编码重复，请刷新后重试",
						  "Conflict: changed meanwhile or duplicate code",
						  "version")
					: xz_fail_db(r, rc);
		goto out;
	}
	rc = finish_write(r, res, "update", id, before, 200);
out:
	json_decref(before);
	json_decref(row);
	return rc;
}

int xz_res_delete(struct xz_req *r, const struct xz_resource *res)
{
	struct xz_sqlbuf b;
	struct xz_place pl = {0};
	json_t *before = NULL;
	int64_t id;
	int rc;
	struct xz_db *db = xz_req_db(r);

	if ((rc = xz_req_id(r, 0, &id)) < 0)
		return rc;
	if ((rc = xz_res_load(r, res, id, &before)) < 0)
		return xz_fail_db(r, rc);
	res->place(before, &pl);
	if ((rc = xz_authorize(r, res->write_perm, &pl)) < 0)
		goto out;
	if ((rc = xz_db_begin(db)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	xz_sql_init(&b, "DELETE FROM ");
	xz_sql_add(&b, res->table);
	xz_sql_add(&b, " WHERE id = ");
	xz_sql_param(&b, XZ_INT(id));
	rc = xz_db_exec(db, b.text, b.p, b.n, NULL);
	if (rc == 0)
		rc = xz_req_audit(r, xz_arena_printf(r->arena, "%s.delete", res->name), res->name, id,
				  "ok", before, NULL);
	if (rc < 0) {
		xz_db_rollback(db);
		rc = rc == XZ_ECONFLICT
			     ? xz_fail(r, rc, "in_use", "该记录仍被其他记录引用，不能删除",
				       "The record is still referenced and cannot be deleted", NULL)
			     : xz_fail_db(r, rc);
		goto out;
	}
	if ((rc = xz_db_commit(db)) < 0) {
		rc = xz_fail_db(r, rc);
		goto out;
	}
	rc = xz_reply(r, 200, json_pack("{s:b}", "ok", 1));
out:
	json_decref(before);
	return rc;
}

bool xz_one_of(const char *v, const char *const *set)
{
	for (; v && set && *set; set++)
		if (!strcmp(*set, v))
			return true;
	return false;
}
