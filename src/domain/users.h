/*
 * users.h — creating accounts and changing their roles, shared by the HTTP
 * routes and the `xiezhi user` command so both apply the same rules.
 */
#ifndef XZ_USERS_H
#define XZ_USERS_H

#include <stdbool.h>
#include <stdint.h>

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
 * policy failure returns XZ_ERULE with *why a static snake_case code.
 * *id gets the new id. Writes no audit entry (callers do). */
int xz_user_create(struct xz_db *db, const struct xz_user_spec *s, int64_t granted_by,
		   int64_t *id, const char **why);

/* xz_user_set_password: set a password after the policy check. */
int xz_user_set_password(struct xz_db *db, int64_t id, const char *password, bool skip_policy,
			 const char **why);

#endif
