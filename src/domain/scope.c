/*
 * scope.c — how use cases apply the one authorisation decision (see
 * scope.h): the county a county-keyed record belongs to, a place check that
 * admits the system, and the audited denial.
 */
#include "core/xz.h"
#include "domain/audit.h"
#include "domain/auth.h"
#include "domain/scope.h"

bool xz_scope_may(struct xz_ctx *c, const char *perm, const struct xz_place *place)
{
	return !c->user || xz_authz(c->user, perm, place);
}

int xz_scope_county(struct xz_ctx *c, const char *perm, int64_t want, int64_t *county)
{
	if ((*county = xz_authz_county(c->user, perm, want)) > 0)
		return 0;
	if (want)
		return xz_ctx_fail_db(c, XZ_ENOTFOUND);
	return xz_scope_deny(c, perm);
}

int xz_scope_deny(struct xz_ctx *c, const char *perm)
{
	char roles[128];
	struct xz_audit_entry e = {.source = c->source ? c->source : "system",
				   .action = "access",
				   .object_type = perm,
				   .outcome = "denied"};
	if (c->user) {
		e.user_id = c->user->id;
		e.username = c->user->username;
		e.roles = xz_roles_string(c->user->roles, roles, sizeof(roles));
		e.county_id = c->user->county_id;
	}
	xz_audit_append(c->db, &e);
	return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权执行此操作", "Not allowed", NULL);
}
