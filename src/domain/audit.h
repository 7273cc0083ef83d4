/*
 * audit.h — the append-only, hash-chained audit trail (R10.1).
 *
 * Each entry's hash is SHA-256 over the previous entry's hash and every
 * field of the entry, each length-prefixed so no two field lists hash the
 * same. The storage refuses UPDATE and DELETE on audit_log (triggers on both
 * engines); xz_audit_verify recomputes the chain and names the first entry
 * that does not match.
 */
#ifndef XZ_AUDIT_H
#define XZ_AUDIT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

struct xz_db;
struct xz_ctx;

struct xz_audit_entry {
	int64_t user_id;        /* 0 for anonymous / system */
	const char *username;   /* may be NULL */
	const char *roles;      /* comma-separated role names, may be NULL */
	const char *source;     /* client address or "cli" */
	int64_t county_id;      /* place, for the auditor's scope */
	const char *action;     /* "login", "user.create", "problem.dispatch" … */
	const char *object_type;
	const char *object_id;
	const char *outcome;    /* "ok", "denied", "failed" … */
	const char *detail;     /* short free text, never secrets */
	json_t *before, *after; /* borrowed; may be NULL */
};

/* xz_audit_append: append e to the chain inside the caller's transaction if
 * one is open (so the entry commits or rolls back with the change it
 * records), else in its own. */
int xz_audit_append(struct xz_db *db, const struct xz_audit_entry *e);

/* xz_audit_verify: recompute the chain. *count gets the entries checked;
 * *bad_seq the first entry whose hash or link is wrong (0 when intact).
 * Returns 0 when intact, XZ_ECONFLICT when broken, or a storage error. */
int xz_audit_verify(struct xz_db *db, int64_t *count, int64_t *bad_seq);

/* What an auditor searches the trail for; every part optional (NULL or 0). */
struct xz_audit_filter {
	int64_t county_id;       /* the reader's county: its entries and those of none */
	const char *actor;       /* username, exact */
	const char *action;      /* exact ("role.grant"), or a family ending in '.' ("role.") */
	const char *object_type; /* "user", "problem" … */
	const char *object_id;
	int64_t from, to; /* at >= from, at <= to (Unix seconds; 0: open) */
};

/* xz_audit_search: entries matching f, newest first, with seq below
 * before_seq (0: from the newest), at most limit, each handed to fn as the
 * database reads it (seq, the same as id — the list's cursor —, at in Unix
 * seconds, and the entry's columns). Returns 0 or a storage error
 * described in c. */
int xz_audit_search(struct xz_ctx *c, const struct xz_audit_filter *f, int64_t before_seq,
		    int64_t limit, xz_row_fn fn, void *arg);

/* xz_audit_export: every entry matching f, newest first, streamed to a file
 * as CSV or XLSX (export.h: formulas neutralised). *fd (caller closes) and
 * *len as xz_export_finish. Returns 0 or an error described in c. */
int xz_audit_export(struct xz_ctx *c, const struct xz_audit_filter *f, bool xlsx, int *fd,
		    size_t *len);

#endif
