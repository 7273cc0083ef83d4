/*
 * authz.h — the one authorisation decision: may this user do `perm` to a
 * record at this place? Roles and their scopes are a table of data in
 * authz.c; the decision walks it and fails closed (an unknown permission,
 * a user with no role, a place that does not match: all deny).
 */
#ifndef XZ_AUTHZ_H
#define XZ_AUTHZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum xz_role {
	XZ_ROLE_GRID = 1u << 0,     /* 网格员 */
	XZ_ROLE_STAFF = 1u << 1,    /* 派驻人员 */
	XZ_ROLE_CONTACT = 1u << 2,  /* 派驻机构负责人 */
	XZ_ROLE_OFFICE = 1u << 3,   /* 执法办公室 */
	XZ_ROLE_LEADER = 1u << 4,   /* 领导小组 */
	XZ_ROLE_DEPT = 1u << 5,     /* 主管部门 */
	XZ_ROLE_ADMIN = 1u << 6,    /* 系统管理员 */
	XZ_ROLE_SECADMIN = 1u << 7, /* 安全管理员 */
	XZ_ROLE_AUDITOR = 1u << 8,  /* 审计管理员 */
};

/* The authenticated caller. */
struct xz_user {
	int64_t id, session_id, person_id;
	int64_t region_id, county_id, township_id, unit_id, department_id;
	const char *username, *display_name, *csrf;
	unsigned roles;
	bool via_cookie;
};

/* Where a record sits. 0 means "not applicable" (a county-level record has
 * township_id 0). */
struct xz_place {
	int64_t county_id, township_id, department_id, unit_id, user_id;
};

/* xz_role_parse: "office" → XZ_ROLE_OFFICE; 0 for an unknown name. */
unsigned xz_role_parse(const char *name);
/* xz_role_name: XZ_ROLE_OFFICE → "office" (static). */
const char *xz_role_name(unsigned role);
/* xz_role_label: XZ_ROLE_OFFICE → "执法办公室" (static). */
const char *xz_role_label(unsigned role);
/* All roles, for iteration. */
extern const unsigned xz_all_roles[];
#define XZ_ROLE_COUNT 9

/* xz_authz: true when u may exercise perm on a record at place. place NULL
 * asks only whether some role of u grants perm anywhere (route check). */
bool xz_authz(const struct xz_user *u, const char *perm, const struct xz_place *place);

/* xz_authz_known: true when perm is in the table (routes must use known ones). */
bool xz_authz_known(const char *perm);

/* xz_authz_filter: the place constraint for listing records under perm:
 * fields left 0 are unconstrained. Returns false when u has no role for perm. */
bool xz_authz_filter(const struct xz_user *u, const char *perm, struct xz_place *f);

/* xz_authz_is_person: is u the account of person_id? The relation behind
 * "the chair of this meeting", "the officer named here". */
bool xz_authz_is_person(const struct xz_user *u, int64_t person_id);
/* ---- joint enforcement: the caller's relation to one action (issue 9) ----
 * The joint state machine's rows (domain/jointaction.c) name these bits;
 * which bits a caller holds is decided here, from role and place. */
enum xz_joint_who {
	XZ_JW_OFFICE = 1u << 0,    /* office of the action's township                 */
	XZ_JW_LEADER = 1u << 1,    /* leader or deputy of its leadership group        */
	XZ_JW_HEAD = 1u << 2,      /* the group's leader (组长) himself                */
	XZ_JW_APPLICANT = 1u << 3, /* contact of the applying unit                    */
	XZ_JW_LEAD = 1u << 4,      /* contact of the lead unit                        */
	XZ_JW_OWNER = 1u << 5,     /* county department/admin owning a county action  */
	XZ_JW_MEMBER = 1u << 6,    /* contact of a participating unit, or a participant */
	XZ_JW_UNIT = 1u << 7,      /* contact of the unit a sub-record names           */
	XZ_JW_PERSON = 1u << 8,    /* the person a sub-record names                    */
	XZ_JW_CONTACT = 1u << 9,   /* a unit contact stationed in the action's township */
};

/* What the relation is decided from: the action's place and units, and
 * what the caller's own records say (looked up by the joint module). */
struct xz_joint_rel {
	int64_t county_id, township_id, department_id; /* township 0: a county action */
	int64_t applicant_unit_id, lead_unit_id;
	const char *position;   /* caller's seat in the township's leadership group:
				   "leader", "deputy" or NULL */
	bool unit_participates; /* the caller's unit is among the action's units */
	bool is_participant;    /* the caller's person is a named participant     */
	int64_t unit_id, person_id; /* the sub-record's unit and person (0: none)  */
};

/* xz_authz_joint_relation: the XZ_JW_* bits u holds towards the action
 * described by in (0 for NULL u). */
unsigned xz_authz_joint_relation(const struct xz_user *u, const struct xz_joint_rel *in);
/* xz_authz_county: the county a county-keyed record (list, category,
 * calendar day) is read or written in under perm. u NULL is the system
 * (the CLI, the scheduler), which acts in the county it names. For a user, county 0 means
 * "my own": the county of xz_authz_filter; a named county must be within
 * the user's scope. Returns 0 when the user may not act there. */
int64_t xz_authz_county(const struct xz_user *u, const char *perm, int64_t county);

/* xz_authz_permissions: the names of every permission some role of u grants
 * anywhere ("self" included), each once, in table order, into out[max];
 * answers how many there are, which may exceed max (then only max were
 * written: the caller's buffer is too small). The strings are static. */
size_t xz_authz_permissions(const struct xz_user *u, const char **out, size_t max);

/* The number of distinct permission names is at most this. */
#define XZ_AUTHZ_MAX_PERMS 128

#endif
