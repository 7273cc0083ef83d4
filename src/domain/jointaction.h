/*
 * jointaction.h — the joint enforcement action's life cycle (R5, seed §4.2)
 * as one state machine whose rules are data: a table of transitions
 * {mechanisms, from state, action, to state, who may, what it requires,
 * what it does (effect)}. The HTTP layer (routes_joint.c) computes who the
 * caller is with respect to one action (a set of XZ_JW_* bits), asks
 * xz_joint_step() for the transition and then applies its effect. Nothing
 * outside the table decides who may move an action, or where to.
 * See docs/internals/jointaction.md.
 */
#ifndef XZ_JOINTACTION_H
#define XZ_JOINTACTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct xz_db;

/* Mechanisms as bits, so a transition row can serve several. A county-wide
 * unified action (R9.2, scope 'county') walks its own rows. */
enum xz_joint_mech {
	XZ_JM_ROUTINE = 1u << 0,   /* 常规启动 */
	XZ_JM_SPECIAL = 1u << 1,   /* 专项启动 */
	XZ_JM_EMERGENCY = 1u << 2, /* 应急启动 */
	XZ_JM_COUNTY = 1u << 3,    /* 县级统一行动（父行动） */
};

/* Who the caller is with respect to one action (role + place). */
enum xz_joint_who {
	XZ_JW_OFFICE = 1u << 0,    /* office of the action's township           */
	XZ_JW_LEADER = 1u << 1,    /* leader or deputy of its leadership group  */
	XZ_JW_HEAD = 1u << 2,      /* the group's leader (组长) himself          */
	XZ_JW_APPLICANT = 1u << 3, /* contact of the applying unit              */
	XZ_JW_LEAD = 1u << 4,      /* contact of the lead unit                  */
	XZ_JW_OWNER = 1u << 5,     /* county department/admin owning a county action */
};

/* What a transition requires of the request. */
enum xz_joint_req {
	XZ_JR_REASONS = 1u << 0, /* non-empty "reasons" (a written decision)   */
	XZ_JR_LAUNCH = 1u << 1,  /* "launch": true                              */
	XZ_JR_NOLAUNCH = 1u << 2, /* "launch": false                            */
	XZ_JR_SUMMARY = 1u << 3, /* non-empty "summary"                         */
	XZ_JR_REASON = 1u << 4,  /* non-empty "reason" (sending back)           */
	XZ_JR_IN_TIME = 1u << 5, /* arrives >= 3 days before the planned start  */
};

/* What the transition does besides changing the state. */
enum xz_joint_effect {
	XZ_JE_NONE = 0,
	XZ_JE_RECEIVE,       /* received_at = now; forward_due_at = +2 days   */
	XZ_JE_FORWARD,       /* forwarded_at = now; forward_late recorded     */
	XZ_JE_DECIDE,        /* written decision; launch → lead = applicant   */
	XZ_JE_APPROVE,       /* approved_at = now                             */
	XZ_JE_APPROVE_START, /* approved_at = started_at = now; approval_seconds */
	XZ_JE_START,         /* started_at = now                              */
	XZ_JE_CONCLUDE,      /* concluded_at = now; summary                   */
	XZ_JE_CANCEL,        /* cancelled                                     */
};

struct xz_joint_transition {
	unsigned mechs;  /* enum xz_joint_mech bits            */
	const char *from;
	const char *action;
	const char *to;
	unsigned who;    /* enum xz_joint_who bits: any one suffices */
	unsigned requires; /* enum xz_joint_req bits            */
	enum xz_joint_effect effect;
};

/* Days of the special mechanism (§4.2.2). */
#define XZ_JOINT_APPLY_DAYS 3   /* apply at least 3 days before the action */
#define XZ_JOINT_FORWARD_DAYS 2 /* forward within 2 days of receipt        */
#define XZ_JOINT_MAJOR_UNITS 3  /* default: more than 3 units is major     */
#define XZ_JOINT_MAJOR_PEOPLE 20 /* default: more than 20 participants     */

/* xz_joint_mech_parse: "routine" → XZ_JM_ROUTINE …; 0 when unknown. */
unsigned xz_joint_mech_parse(const char *name);

/* xz_joint_known_action: whether name is one of the table's actions. */
bool xz_joint_known_action(const char *name);

/* xz_joint_step: the transition for `action` on an action of mechanism bit
 * `mech` in `state`, by a caller whose relation to it is `who`. launch is
 * -1 when absent, else 0/1 (it selects between the two decide rows).
 * Returns 0 and sets *t (static storage); XZ_EFORBIDDEN when no row for
 * this mechanism and action admits the caller in any state; XZ_ECONFLICT
 * when rows admit the caller but none starts from `state`. */
int xz_joint_step(unsigned mech, const char *state, const char *action, unsigned who, int launch,
		  const struct xz_joint_transition **t);

/* xz_joint_allowed: the distinct actions the caller may take now, as a new
 * JSON array of strings (caller owns). */
json_t *xz_joint_allowed(unsigned mech, const char *state, unsigned who);

/* xz_joint_table: the whole table (for documentation and tests); *n rows. */
const struct xz_joint_transition *xz_joint_table(size_t *n);

/* xz_joint_qualified: may person_id act as an enforcer from day `from_day`
 * to day `to_day` (day numbers, inclusive) in `domain` (NULL or "" = any)?
 * True when the person is not an auxiliary and one qualification is valid
 * on every one of those days and lists the domain. Returns 0 and sets *ok,
 * or a storage error. */
int xz_joint_qualified(struct xz_db *db, int64_t person_id, const char *domain, int64_t from_day,
		       int64_t to_day, bool *ok);

/* xz_joint_setting_int: integer setting `key` from settings, or dflt. */
int64_t xz_joint_setting_int(struct xz_db *db, const char *key, int64_t dflt);

#endif
