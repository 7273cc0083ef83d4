/*
 * ctx.h — the context every domain use case runs in: who acts (a user, or
 * the system for the CLI and the scheduler), from where, on which
 * connection, at what instant, with an arena for what it hands back, and
 * the description of its error when it fails.
 *
 * A use case has the shape `int xz_<concept>_<verb>(struct xz_ctx *c, …)`:
 * 0 on success, or a negative XZ_E* code after describing the error with
 * xz_ctx_fail() (code, Chinese and English message, the field at fault).
 * The HTTP layer turns that description into the one error shape; the CLI
 * prints it. A use case that writes runs inside a transaction its caller
 * opened with xz_ctx_tx(), so the change, its history and its audit entry
 * commit or roll back together.
 *
 * Ownership: strings in the error description are literals or arena
 * memory; rows a use case returns through an out-parameter are owned by
 * the caller (json_decref) unless its contract says they are borrowed.
 */
#ifndef XZ_CTX_H
#define XZ_CTX_H

#include <jansson.h>
#include <stdint.h>

#include "core/alloc.h"
#include "domain/authz.h"
#include "store/db.h"

struct xz_db;

struct xz_ctx {
	struct xz_db *db;
	const struct xz_user *user; /* NULL: the system itself — CLI or scheduler */
	const char *source;         /* client address, "cli" or "scheduler" */
	struct xz_arena *arena;     /* lives as long as the caller's request */
	int64_t now;                /* the instant the use case acts at */
	/* the error, when a use case fails */
	const char *err_code, *err_msg, *err_msg_en, *err_field;
};

/* xz_walk: a domain's row visitor's state: the use case's context and the
 * caller's visitor, to which it hands each row on with what it adds
 * (xz_row_with) */
struct xz_walk {
	struct xz_ctx *c;
	xz_row_fn fn;
	void *arg;
};

/* xz_ctx_fail: describe an error and return code (negative XZ_E*). Strings
 * must outlive the context (literals or c->arena memory). */
int xz_ctx_fail(struct xz_ctx *c, int code, const char *err_code, const char *msg,
		const char *msg_en, const char *field);

/* xz_ctx_fail_db: the standard description of a storage code (not found,
 * conflict, too many rows, or a storage error). Returns code. */
int xz_ctx_fail_db(struct xz_ctx *c, int code);

/* xz_ctx_audit: append an audit entry for the acting user and source inside
 * the open transaction; before and after are borrowed (may be NULL). */
int xz_ctx_audit(struct xz_ctx *c, const char *action, const char *object_type,
		 int64_t object_id, json_t *before, json_t *after);

/* xz_ctx_audit_new: the same, taking ownership of before and after. */
int xz_ctx_audit_new(struct xz_ctx *c, const char *action, const char *object_type,
		     int64_t object_id, json_t *before, json_t *after);

/* xz_ctx_tx: run fn(c, arg) in one transaction: begin, fn, commit; any
 * failure rolls back and its code is returned (storage failures described
 * with xz_ctx_fail_db when fn left no description). The one
 * commit-and-audit tail of every writing use case. */
int xz_ctx_tx(struct xz_ctx *c, int (*fn)(struct xz_ctx *c, void *arg), void *arg);

/* xz_ctx_system: a context for the system acting on db — the CLI or the scheduler:
 * no user, the given source, now = xz_now(). The caller owns arena. */
void xz_ctx_system(struct xz_ctx *c, struct xz_db *db, struct xz_arena *arena,
		   const char *source);

#endif
