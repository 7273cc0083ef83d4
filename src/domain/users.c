/*
 * users.c — account creation and password setting. An account sits in a
 * region (township or county); a unit account takes the unit's township and
 * a department account the department's county, so the place of every
 * account is derived, never typed twice.
 */
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/auth.h"
#include "domain/users.h"

int xz_user_create(struct xz_db *db, const struct xz_user_spec *s, int64_t granted_by,
		   int64_t *id, const char **why)
{
	json_t *region = NULL, *row = NULL;
	char hash[128];
	const char *code, *msg, *msg_en, *level;
	int64_t county, township = 0, region_id = s->region_id, now = xz_now();
	int rc, i;

	*why = NULL;
	if (!s->username || !*s->username || strlen(s->username) > XZ_MAX_CODE) {
		*why = "invalid_username";
		return XZ_EMALFORMED;
	}
	for (i = 0; s->username[i]; i++) {
		char c = s->username[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		      c == '.')) {
			*why = "invalid_username";
			return XZ_EMALFORMED;
		}
	}
	{ /* MLPS 2.0: no account holds two of the three administrator roles */
		unsigned adm = s->roles & XZ_ADMIN_ROLES;
		if (adm & (adm - 1)) {
			*why = "roles_exclusive";
			return XZ_ERULE;
		}
	}
	if (!s->skip_policy &&
	    xz_password_check(db, s->username, s->password, NULL, &code, &msg, &msg_en) < 0) {
		*why = code;
		return XZ_ERULE;
	}
	if (s->unit_id) {
		rc = xz_db_one(db, "SELECT township_id AS region_id FROM units WHERE id = $1",
			       XZ_ARGS(XZ_INT(s->unit_id)), &row);
		if (rc < 0) {
			*why = "invalid_unit";
			return rc == XZ_ENOTFOUND ? XZ_ERULE : rc;
		}
		region_id = json_integer_value(json_object_get(row, "region_id"));
		json_decref(row);
		row = NULL;
	}
	rc = xz_db_one(db, "SELECT id, level, county_id FROM regions WHERE id = $1",
		       XZ_ARGS(XZ_INT(region_id)), &region);
	if (rc < 0) {
		*why = "invalid_region";
		return rc == XZ_ENOTFOUND ? XZ_ERULE : rc;
	}
	level = json_string_value(json_object_get(region, "level"));
	if (!strcmp(level, "township")) {
		township = region_id;
		county = json_integer_value(json_object_get(region, "county_id"));
	} else if (!strcmp(level, "county")) {
		county = region_id;
	} else {
		*why = "invalid_region";
		rc = XZ_ERULE;
		goto out;
	}
	if ((rc = xz_password_hash(s->password, hash, sizeof(hash))) < 0)
		goto out;
	if ((rc = xz_db_begin(db)) < 0)
		goto out;
	rc = xz_db_one(db,
		       "INSERT INTO users (username, person_id, display_name, password_hash, region_id, "
		       "county_id, township_id, unit_id, department_id, password_changed_at, "
		       "created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$10,$10) "
		       "RETURNING id",
		       XZ_ARGS(XZ_TEXT(s->username), XZ_ID(s->person_id),
			       XZ_TEXT(s->display_name ? s->display_name : s->username),
			       XZ_TEXT(hash), XZ_INT(region_id), XZ_INT(county), XZ_ID(township),
			       XZ_ID(s->unit_id), XZ_ID(s->department_id), XZ_INT(now)),
		       &row);
	if (rc < 0) {
		*why = rc == XZ_ECONFLICT ? "username_taken" : "storage_error";
		xz_db_rollback(db);
		goto out;
	}
	*id = json_integer_value(json_object_get(row, "id"));
	for (i = 0; i < XZ_ROLE_COUNT && rc == 0; i++) {
		if (!(s->roles & xz_all_roles[i]))
			continue;
		rc = xz_db_exec(db,
				"INSERT INTO user_roles (user_id, role, granted_by, granted_at) VALUES "
				"($1,$2,$3,$4)",
				XZ_ARGS(XZ_INT(*id), XZ_TEXT(xz_role_name(xz_all_roles[i])),
					XZ_ID(granted_by), XZ_INT(now)),
				NULL);
	}
	if (rc < 0) {
		xz_db_rollback(db);
		goto out;
	}
	rc = xz_db_commit(db);
out:
	json_decref(region);
	json_decref(row);
	return rc;
}

int xz_user_set_password(struct xz_db *db, int64_t id, const char *password, bool skip_policy,
			 const char **why)
{
	json_t *u = NULL;
	char hash[128];
	const char *msg, *msg_en;
	int rc;
	*why = NULL;
	rc = xz_db_one(db, "SELECT username FROM users WHERE id = $1", XZ_ARGS(XZ_INT(id)), &u);
	if (rc < 0)
		return rc;
	if (!skip_policy && xz_password_check(db, json_string_value(json_object_get(u, "username")),
					      password, NULL, why, &msg, &msg_en) < 0) {
		json_decref(u);
		return XZ_ERULE;
	}
	json_decref(u);
	if ((rc = xz_password_hash(password, hash, sizeof(hash))) < 0)
		return rc;
	return xz_db_exec(db,
			  "UPDATE users SET password_hash = $2, password_changed_at = $3, "
			  "failed_count = 0, locked_until = 0, version = version + 1 WHERE id = $1",
			  XZ_ARGS(XZ_INT(id), XZ_TEXT(hash), XZ_INT(xz_now())), NULL);
}

int xz_user_roles(struct xz_db *db, int64_t id, unsigned *roles)
{
	json_t *rows = NULL, *row;
	size_t i;
	int rc = xz_db_query(db, "SELECT role FROM user_roles WHERE user_id = $1",
			     XZ_ARGS(XZ_INT(id)), &rows);
	*roles = 0;
	if (rc == 0)
		json_array_foreach(rows, i, row)
			*roles |= xz_role_parse(json_string_value(json_object_get(row, "role")));
	json_decref(rows);
	return rc;
}

bool xz_user_protected(int64_t actor_id, int64_t target_id, unsigned target_roles)
{
	return actor_id != target_id && (target_roles & XZ_ADMIN_ROLES);
}

bool xz_roles_exclusive_ok(unsigned roles, unsigned role)
{
	return !(role & XZ_ADMIN_ROLES) || !(roles & XZ_ADMIN_ROLES & ~role);
}

int xz_user_must_change(struct xz_db *db, int64_t id, bool must)
{
	return xz_db_exec(db, "UPDATE users SET must_change_password = $2 WHERE id = $1",
			  XZ_ARGS(XZ_INT(id), XZ_INT(must ? 1 : 0)), NULL);
}
