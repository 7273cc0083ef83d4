/*
 * lists.h — the power and responsibility lists (R2) and the problem
 * category tree mapped onto them, as use cases.
 *
 * A county keeps numbered list versions: one draft at a time is edited
 * (items added, changed, removed, or replaced from a sheet), diffed against
 * the published version and published; a published version never changes
 * and the one it replaces becomes superseded. Categories (two levels) name
 * the power codes a problem of that kind falls under; routing.c reads them.
 *
 * Every record here belongs to a county. A use case acts in the county
 * authz allows (xz_authz_county): a user's own, or the county the system
 * names when the CLI or the demo acts. A record outside the caller's scope answers
 * XZ_ENOTFOUND, so its existence does not leak. Writing use cases run in
 * their own transaction (xz_ctx_tx; nested inside a caller's one) and audit.
 * Rows handed back are owned by the caller and not yet presented.
 */
#ifndef XZ_LISTS_H
#define XZ_LISTS_H

#include <jansson.h>
#include <stdint.h>

#include "domain/ctx.h"
#include "store/db.h"

/* A power item as written by a caller. Strings may be NULL for optional
 * fields (legal_basis, domain, delegation "none", duty). */
struct xz_power_in {
	const char *code, *name, *kind, *legal_basis, *domain, *delegation, *duty;
	int64_t department_id, resp_department_id, time_limit_days;
};

/* Filters of xz_powers_list; 0/NULL = unconstrained (version: the
 * published one). */
struct xz_power_query {
	int64_t version_id, version_number, department_id, after, limit;
	const char *q; /* code or name contains */
};

/* A category as written by a caller. power_codes is borrowed (array of
 * strings, may be NULL). */
struct xz_category_in {
	int64_t parent_id, sort, accept_hours, handle_days, verify_days;
	const char *code, *name;
	json_t *power_codes;
};

/* The nine kinds of administrative power (static, NULL-terminated). */
extern const char *const xz_power_kinds[];
/* The delegations: none, delegated, entrusted (static, NULL-terminated). */
extern const char *const xz_power_delegations[];

/* ---- versions ---- */
int xz_lists_versions(struct xz_ctx *c, json_t **rows);
/* xz_lists_version: one version in scope (perm list.read). */
int xz_lists_version(struct xz_ctx *c, int64_t id, json_t **row);
/* xz_lists_draft: a new draft in county (0: the caller's), a copy of the
 * published version's items. 409 draft_exists when one is open. */
int xz_lists_draft(struct xz_ctx *c, int64_t county, const char *note, int64_t *id);
/* xz_lists_publish: the draft becomes published, the published one
 * superseded. 409 version_published when id is not a draft. */
int xz_lists_publish(struct xz_ctx *c, int64_t id);
/* xz_lists_discard: delete a draft and its items. */
int xz_lists_discard(struct xz_ctx *c, int64_t id);
/* xz_lists_diff: {version, against, added, removed, changed} of version id
 * against version `against` (0: the published one). */
int xz_lists_diff(struct xz_ctx *c, int64_t id, int64_t against, json_t **out);
/* xz_lists_items: a version's items with their departments' codes, by code. */
int xz_lists_items(struct xz_ctx *c, int64_t version_id, json_t **rows);
/* xz_lists_import: replace a draft's items with sheet rows (first row the
 * header: Chinese labels or keys). All or nothing; *count items. */
int xz_lists_import(struct xz_ctx *c, int64_t version_id, json_t *sheet, int *count);
/* xz_lists_sheet: a version's items as sheet rows (header first). With
 * version_id 0, the template (header and one example row). */
int xz_lists_sheet(struct xz_ctx *c, int64_t version_id, json_t **rows, int64_t *number);

/* ---- power items ---- */
/* xz_powers_list: the power items of q in the caller's county (perm
 * list.read), keyset paged by id, each handed to fn as the database reads
 * it. */
int xz_powers_list(struct xz_ctx *c, const struct xz_power_query *q, xz_row_fn fn, void *arg);
int xz_power_get(struct xz_ctx *c, int64_t id, json_t **row);
int xz_power_create(struct xz_ctx *c, int64_t version_id, const struct xz_power_in *in,
		    int64_t *id);
int xz_power_update(struct xz_ctx *c, int64_t id, const struct xz_power_in *in);
int xz_power_delete(struct xz_ctx *c, int64_t id);

/* ---- categories ---- */
/* xz_categories_tree: the caller's county's categories, two levels, each
 * node {id, code, name, …, children}. */
int xz_categories_tree(struct xz_ctx *c, json_t **tree);
/* xz_category_get: one category in scope (perm). */
int xz_category_get(struct xz_ctx *c, const char *perm, int64_t id, json_t **row);
/* xz_category_save: create (id 0, in county; 0 = the caller's) or update
 * (id, at the version the caller read: `version`, checked by the caller
 * with the row from xz_category_get). *out_id is the record's id. */
int xz_category_save(struct xz_ctx *c, int64_t county, int64_t id, const struct xz_category_in *in,
		     int64_t *out_id);

#endif
