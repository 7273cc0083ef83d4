/*
 * records.c — the generic record use cases described in records.h: scoped
 * reads, and writes that derive, authorise at the old and the new place,
 * write and audit in one transaction.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "store/db.h"
#include "store/sqlbuf.h"
#include "domain/records.h"
#include "domain/scope.h"

/* val_of: a stored-form JSON value as a bound parameter. */
static struct xz_val val_of(const json_t *v)
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

int xz_record_load(struct xz_ctx *c, const struct xz_resource *res, int64_t id, json_t **row)
{
	struct xz_sqlbuf b;
	select_by_id(&b, res->columns, res->table, id);
	return xz_db_one(c->db, b.text, b.p, b.n, row);
}

int xz_record_ref(struct xz_ctx *c, const char *table, const char *cols, int64_t id,
		  const char *field, json_t **row)
{
	struct xz_sqlbuf b;
	int rc;
	select_by_id(&b, cols, table, id);
	rc = xz_db_one(c->db, b.text, b.p, b.n, row);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(
		    c, XZ_ERULE, "invalid_reference",
		    xz_arena_printf(c->arena, "字段%s引用的记录不存在", field),
		    xz_arena_printf(c->arena, "Field %s refers to a missing record", field), field);
	return rc < 0 ? xz_ctx_fail_db(c, rc) : 0;
}

static int decorate(struct xz_ctx *c, const struct xz_resource *res, json_t **row)
{
	json_t *rows;
	int rc;
	if (!res->decorate)
		return 0;
	rows = json_pack("[O]", *row);
	rc = res->decorate(c, rows);
	json_decref(*row);
	*row = json_incref(json_array_get(rows, 0));
	json_decref(rows);
	return rc;
}

/* list_sql: the page's statement into b; < 0 (refused, described) when
 * the caller may read none of the kind */
static int list_sql(struct xz_ctx *c, const struct xz_resource *res,
		     const struct xz_record_filter *filters, size_t nfilters, int64_t after,
		     int64_t limit, struct xz_sqlbuf *b)
{
	struct xz_place f = {0};
	size_t i;
	if (c->user && !xz_authz_filter(c->user, res->read_perm, &f))
		return xz_scope_deny(c, res->read_perm);
	/* the place filter binds $2..$5 in this order: a kind's column
	 * expressions may refer to them (regions list by $3) */
	xz_sql_init(b, "SELECT ");
	xz_sql_add(b, res->columns);
	xz_sql_add(b, " FROM ");
	xz_sql_add(b, res->table);
	xz_sql_add(b, " WHERE id > ");
	xz_sql_param(b, XZ_INT(after));
	xz_sql_add(b, " AND ");
	xz_sql_opt_eq(b, res->county_col, XZ_ID(f.county_id));
	xz_sql_add(b, " AND ");
	xz_sql_opt_eq(b, res->list_township_col ? res->list_township_col : res->township_col,
		      XZ_ID(f.township_id));
	xz_sql_add(b, " AND ");
	xz_sql_opt_eq(b, res->list_department_col ? res->list_department_col : res->department_col,
		      XZ_ID(f.department_id));
	xz_sql_add(b, " AND ");
	xz_sql_opt_eq(b, res->list_unit_col ? res->list_unit_col : res->unit_col,
		      XZ_ID(f.unit_id));
	for (i = 0; i < nfilters; i++) {
		xz_sql_add(b, " AND ");
		xz_sql_add(b, filters[i].column);
		xz_sql_add(b, " = ");
		xz_sql_param(b, XZ_INT(filters[i].value));
	}
	xz_sql_add(b, " ORDER BY id LIMIT ");
	xz_sql_param(b, XZ_INT(limit));
	return 0;
}

int xz_record_list(struct xz_ctx *c, const struct xz_resource *res,
		   const struct xz_record_filter *filters, size_t nfilters, int64_t after,
		   int64_t limit, json_t **rows)
{
	struct xz_sqlbuf b;
	int rc;
	*rows = NULL;
	if ((rc = list_sql(c, res, filters, nfilters, after, limit, &b)) < 0)
		return rc;
	if ((rc = xz_db_query(c->db, b.text, b.p, b.n, rows)) < 0)
		return xz_ctx_fail_db(c, rc);
	if (res->decorate && (rc = res->decorate(c, *rows)) < 0) {
		json_decref(*rows);
		*rows = NULL;
	}
	return rc;
}

int xz_record_each(struct xz_ctx *c, const struct xz_resource *res,
		   const struct xz_record_filter *filters, size_t nfilters, int64_t after,
		   int64_t limit, xz_row_fn fn, void *arg)
{
	struct xz_sqlbuf b;
	int rc;
	if ((rc = list_sql(c, res, filters, nfilters, after, limit, &b)) < 0)
		return rc;
	if ((rc = xz_db_each(c->db, b.text, b.p, b.n, fn, arg)) < 0)
		return xz_ctx_fail_db(c, rc);
	return 0;
}

/* scoped: load record id and check perm at its place. Outside the caller's
 * reading scope it does not exist; visible but not perm: 403, audited. */
static int scoped(struct xz_ctx *c, const struct xz_resource *res, const char *perm, int64_t id,
		  json_t **row)
{
	struct xz_place pl = {0};
	int rc = xz_record_load(c, res, id, row);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	(perm == res->read_perm && res->read_place ? res->read_place : res->place)(*row, &pl);
	if (xz_scope_may(c, perm, &pl))
		return 0;
	json_decref(*row);
	*row = NULL;
	if (perm != res->read_perm && xz_scope_may(c, res->read_perm, &pl))
		return xz_scope_deny(c, perm);
	xz_scope_deny(c, perm); /* recorded, but answered as absent */
	return xz_ctx_fail_db(c, XZ_ENOTFOUND);
}

int xz_record_get(struct xz_ctx *c, const struct xz_resource *res, int64_t id, json_t **row)
{
	int rc = scoped(c, res, res->read_perm, id, row);
	if (rc == 0 && (rc = decorate(c, res, row)) < 0) {
		json_decref(*row);
		*row = NULL;
	}
	return rc;
}

int xz_record_for_write(struct xz_ctx *c, const struct xz_resource *res, int64_t id, json_t **row)
{
	return scoped(c, res, res->write_perm, id, row);
}

/* write_row: insert (id 0) or update the fields and derived columns. */
static int write_row(struct xz_ctx *c, const struct xz_resource *res, json_t *row, int64_t id,
		     int64_t *new_id)
{
	static const char *const none[] = {NULL};
	struct xz_sqlbuf b;
	const struct xz_field *f;
	const char *const *d, *const *derived = res->derived ? res->derived : none;
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
		for (d = derived; *d; d++) {
			xz_sql_add(&b, *d);
			xz_sql_add(&b, ", ");
		}
		xz_sql_add(&b, "created_at, updated_at) VALUES (");
		for (f = res->fields; f->name; f++) {
			xz_sql_param(&b, val_of(json_object_get(row, f->name)));
			xz_sql_add(&b, ", ");
		}
		for (d = derived; *d; d++) {
			xz_sql_param(&b, val_of(json_object_get(row, *d)));
			xz_sql_add(&b, ", ");
		}
		k = xz_sql_param(&b, XZ_INT(c->now));
		xz_sql_add(&b, ", ");
		xz_sql_ref(&b, k);
		xz_sql_add(&b, ") RETURNING id");
		if ((rc = xz_db_one(c->db, b.text, b.p, b.n, &ret)) == 0)
			*new_id = xz_row_int(ret, "id");
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
	for (d = derived; *d; d++) {
		xz_sql_add(&b, *d);
		xz_sql_add(&b, " = ");
		xz_sql_param(&b, val_of(json_object_get(row, *d)));
		xz_sql_add(&b, ", ");
	}
	xz_sql_add(&b, "updated_at = ");
	xz_sql_param(&b, XZ_INT(c->now));
	xz_sql_add(&b, ", version = version + 1 WHERE id = ");
	xz_sql_param(&b, XZ_INT(id));
	xz_sql_add(&b, " AND version = ");
	xz_sql_param(&b, XZ_INT(xz_row_int(row, "version")));
	rc = xz_db_exec(c->db, b.text, b.p, b.n, &changes);
	if (rc == 0 && changes == 0)
		rc = XZ_ECONFLICT; /* changed under us since we read it */
	*new_id = id;
	return rc;
}

struct write_args {
	const struct xz_resource *res;
	json_t *row, *before, *after;
	int64_t id;
};

/* derive_at: derive the row and check the write permission at its place. */
static int derive_at(struct xz_ctx *c, const struct xz_resource *res, json_t *row)
{
	struct xz_place pl = {0};
	int rc;
	if (res->derive && (rc = res->derive(c, row)) < 0)
		return rc;
	res->place(row, &pl);
	return xz_scope_may(c, res->write_perm, &pl) ? 0 : xz_scope_deny(c, res->write_perm);
}

static int write_tx(struct xz_ctx *c, void *arg)
{
	struct write_args *a = arg;
	const struct xz_resource *res = a->res;
	bool create = !a->id;
	int rc = write_row(c, res, a->row, a->id, &a->id);
	if (rc == XZ_ECONFLICT)
		return create ? xz_ctx_fail(c, rc, "duplicate",
					    xz_arena_printf(c->arena, "%s已存在（编码或名称重复）",
							    res->label),
					    "A record with this code already exists", "code")
			      : xz_ctx_fail(c, rc, "version_conflict",
					    "记录已被他人修改或编码重复，请刷新后重试",
					    "Conflict: changed meanwhile or duplicate code",
					    "version");
	if (rc < 0 || (create && res->created && (rc = res->created(c, a->id, a->row)) < 0) ||
	    (rc = xz_record_load(c, res, a->id, &a->after)) < 0)
		return rc;
	return xz_ctx_audit(
	    c, xz_arena_printf(c->arena, "%s.%s", res->name, create ? "create" : "update"),
	    res->name, a->id, a->before, a->after);
}

static int write(struct xz_ctx *c, const struct xz_resource *res, int64_t id, json_t *before,
		 json_t *row, json_t **after)
{
	struct write_args a = {.res = res, .row = row, .before = before, .id = id};
	int rc;
	*after = NULL;
	if ((rc = derive_at(c, res, row)) < 0 || (rc = xz_ctx_tx(c, write_tx, &a)) < 0 ||
	    (rc = decorate(c, res, &a.after)) < 0) {
		json_decref(a.after);
		return rc;
	}
	*after = a.after;
	return 0;
}

int xz_record_create(struct xz_ctx *c, const struct xz_resource *res, json_t *row, json_t **after)
{
	return write(c, res, 0, NULL, row, after);
}

int xz_record_update(struct xz_ctx *c, const struct xz_resource *res, int64_t id, json_t *before,
		     json_t *row, json_t **after)
{
	return write(c, res, id, before, row, after);
}

static int delete_tx(struct xz_ctx *c, void *arg)
{
	struct write_args *a = arg;
	struct xz_sqlbuf b;
	int rc;
	xz_sql_init(&b, "DELETE FROM ");
	xz_sql_add(&b, a->res->table);
	xz_sql_add(&b, " WHERE id = ");
	xz_sql_param(&b, XZ_INT(a->id));
	if ((rc = xz_db_exec(c->db, b.text, b.p, b.n, NULL)) == XZ_ECONFLICT)
		return xz_ctx_fail(c, rc, "in_use", "该记录仍被其他记录引用，不能删除",
				   "The record is still referenced and cannot be deleted", NULL);
	if (rc < 0)
		return rc;
	return xz_ctx_audit(c, xz_arena_printf(c->arena, "%s.delete", a->res->name), a->res->name,
			    a->id, a->before, NULL);
}

int xz_record_delete(struct xz_ctx *c, const struct xz_resource *res, int64_t id)
{
	struct write_args a = {.res = res, .id = id};
	int rc;
	if ((rc = xz_record_for_write(c, res, id, &a.before)) == 0)
		rc = xz_ctx_tx(c, delete_tx, &a);
	json_decref(a.before);
	return rc;
}

bool xz_one_of(const char *v, const char *const *set)
{
	for (; v && set && *set; set++)
		if (!strcmp(*set, v))
			return true;
	return false;
}
