/*
 * scope.h — authorisation as the domain's use cases ask it, through the
 * context (ctx.h): the one decision stays xz_authz (authz.c, its grants
 * table); these say how a use case applies it. The system (c->user NULL:
 * the CLI, the demo, the scheduler) is admitted everywhere it names.
 *
 * A record outside the caller's scope is XZ_ENOTFOUND (its existence does
 * not leak); a record the caller may see but not change is XZ_EFORBIDDEN,
 * and that denial is written to the audit trail, as the router does.
 */
#ifndef XZ_SCOPE_H
#define XZ_SCOPE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/ctx.h"

/* xz_scope_may: may the caller use perm on a record at place? */
bool xz_scope_may(struct xz_ctx *c, const char *perm, const struct xz_place *place);

/* xz_scope_county: the county the caller acts in under perm (want 0: the
 * caller's own; see xz_authz_county). Fails not_found for a named county
 * outside scope, forbidden when the caller holds perm nowhere. */
int xz_scope_county(struct xz_ctx *c, const char *perm, int64_t want, int64_t *county);

/* xz_scope_deny: audit a denied attempt at perm and fail 403 forbidden. */
int xz_scope_deny(struct xz_ctx *c, const char *perm);

/* Row accessors for the rows store/db.h returns (borrowed strings). */
static inline const char *xz_row_str(const json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}
static inline int64_t xz_row_int(const json_t *row, const char *key)
{
	return json_integer_value(json_object_get(row, key));
}

#endif
