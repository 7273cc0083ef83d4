/*
 * users.h — creating accounts and changing their roles, shared by the HTTP
 * routes and the `xiezhi user` command so both apply the same rules.
 */
#ifndef XZ_USERS_H
#define XZ_USERS_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/authz.h"

struct xz_db;

struct xz_user_spec {
	const char *username, *display_name, *password;
	int64_t region_id;     /* township or county the account belongs to */
	int64_t unit_id;       /* for staff and contacts */
	int64_t department_id; /* for competent-department accounts */
	int64_t person_id;
	unsigned roles;
	bool skip_policy;      /* demo data only: no password policy check */
};

/* xz_user_create: validate places, hash the password (after the policy
 * check unless skip_policy) and insert the account with its roles. On a
 * policy failure returns XZ_ERULE with *why a static snake_case code
 * ("roles_exclusive" when roles hold two administrator roles).
 * *id gets the new id. Writes no audit entry (callers do). */
int xz_user_create(struct xz_db *db, const struct xz_user_spec *s, int64_t granted_by,
		   int64_t *id, const char **why);

/* The three administrators of MLPS 2.0 (system, security, audit): no
 * account holds two of them, and none acts on another's account. */
#define XZ_ADMIN_ROLES (XZ_ROLE_ADMIN | XZ_ROLE_SECADMIN | XZ_ROLE_AUDITOR)

/* xz_user_roles: the role mask of account id into *roles. */
int xz_user_roles(struct xz_db *db, int64_t id, unsigned *roles);

/* xz_user_protected: true when an actor (id, roles) may not reset, disable,
 * change or re-role account target (roles target_roles): the target holds
 * an administrator role and is not the actor. */
bool xz_user_protected(int64_t actor_id, int64_t target_id, unsigned target_roles);

/* xz_roles_exclusive_ok: false when giving role to an account holding
 * roles would make it hold two administrator roles. */
bool xz_roles_exclusive_ok(unsigned roles, unsigned role);

/* xz_user_must_change: mark (or clear) that the account must choose a new
 * password at its next login. */
int xz_user_must_change(struct xz_db *db, int64_t id, bool must);

/* xz_user_set_password: set a password after the policy check. */
int xz_user_set_password(struct xz_db *db, int64_t id, const char *password, bool skip_policy,
			 const char **why);

#endif
