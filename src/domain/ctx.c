/*
 * ctx.c — the domain context: error descriptions, auditing and the one
 * transaction tail (begin → use case → commit, or roll back) that every
 * writing use case runs through. See ctx.h.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/ctx.h"

int xz_ctx_fail(struct xz_ctx *c, int code, const char *err_code, const char *msg,
		const char *msg_en, const char *field)
{
	c->err_code = err_code;
	c->err_msg = msg;
	c->err_msg_en = msg_en;
	c->err_field = field;
	return code;
}

int xz_ctx_fail_db(struct xz_ctx *c, int code)
{
	switch (code) {
	case XZ_ENOTFOUND:
		return xz_ctx_fail(c, code, "not_found", "记录不存在", "Record not found", NULL);
	case XZ_ECONFLICT:
		return xz_ctx_fail(c, code, "conflict", "与已有记录冲突（重复或仍被引用）",
				   "Conflicts with an existing record (duplicate or still referenced)",
				   NULL);
	case XZ_ETOOBIG:
		return xz_ctx_fail(c, code, "too_many_rows", "结果过多，请缩小范围",
				   "Too many rows; narrow the query", NULL);
	case XZ_EFORBIDDEN:
		return xz_ctx_fail(c, code, "forbidden", "不允许的操作", "Operation not allowed",
				   NULL);
	default:
		return xz_ctx_fail(c, code < 0 ? code : XZ_EDB, "storage_error",
				   "存储错误，请稍后重试", "Storage error; try again later", NULL);
	}
}

int xz_ctx_audit(struct xz_ctx *c, const char *action, const char *object_type,
		 int64_t object_id, json_t *before, json_t *after)
{
	char roles[128], id[24];
	struct xz_audit_entry e = {
		.source = c->source ? c->source : "system",
		.action = action,
		.object_type = object_type,
		.outcome = "ok",
		.before = before,
		.after = after,
	};
	if (object_id) {
		snprintf(id, sizeof(id), "%lld", (long long)object_id);
		e.object_id = id;
	}
	if (c->user) {
		e.user_id = c->user->id;
		e.username = c->user->username;
		e.roles = xz_roles_string(c->user->roles, roles, sizeof(roles));
		e.county_id = c->user->county_id;
	}
	return xz_audit_append(c->db, &e);
}

int xz_ctx_audit_new(struct xz_ctx *c, const char *action, const char *object_type,
		     int64_t object_id, json_t *before, json_t *after)
{
	int rc = xz_ctx_audit(c, action, object_type, object_id, before, after);
	json_decref(before);
	json_decref(after);
	return rc;
}

int xz_ctx_tx(struct xz_ctx *c, int (*fn)(struct xz_ctx *c, void *arg), void *arg)
{
	int rc;
	if ((rc = xz_db_begin(c->db)) < 0)
		return xz_ctx_fail_db(c, rc);
	if ((rc = fn(c, arg)) < 0) {
		xz_db_rollback(c->db);
		return c->err_code ? rc : xz_ctx_fail_db(c, rc);
	}
	if ((rc = xz_db_commit(c->db)) < 0) {
		xz_db_rollback(c->db);
		return xz_ctx_fail_db(c, rc);
	}
	return 0;
}

void xz_ctx_system(struct xz_ctx *c, struct xz_db *db, struct xz_arena *arena,
		   const char *source)
{
	memset(c, 0, sizeof(*c));
	c->db = db;
	c->arena = arena;
	c->source = source;
	c->now = xz_now();
}
