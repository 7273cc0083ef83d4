/*
 * jointaction.h — joint enforcement (R5, R9.2; seed §4): the joint
 * action's life cycle as one table walked by the state-machine walker
 * (domain/fsm.h), and every rule around it as a use case:
 *
 *   create / edit a plan (the plan checks, county-wide children, the
 *   police-support rule), move an action (submit … conclude, with the
 *   3-day and 2-day clocks and decision numbering), participants (the
 *   qualification rule), interactive notices (same-day clock, alarms),
 *   incidents handed to the police, findings that become problems, and
 *   the settling of the escalated problems an action took up.
 *
 * A use case has the shape `int xz_joint_<verb>(struct xz_ctx *c, …)` and
 * runs its own transaction through xz_ctx_tx(): the change, its history
 * entry, its notifications and its audit entry commit together, or the
 * error is described in c and nothing changes. Who may do what is the
 * caller's relation to the action (authz.c, xz_authz_joint_relation),
 * named by the rows of xz_joint_fsm and of the step table in
 * jointaction.c. The HTTP layer (routes_joint.c) and the CLI demo
 * (demo_joint.c) call the same functions. See docs/internals/jointaction.md.
 *
 * Rows handed back (json_t **) are owned by the caller; instants in them
 * are epoch seconds (the HTTP layer presents them).
 */
#ifndef XZ_JOINTACTION_H
#define XZ_JOINTACTION_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/ctx.h"
#include "domain/fsm.h"
#include "store/db.h"

struct xz_db;
struct xz_doc;

/* Mechanisms as bits (the machine's kinds), so a row can serve several. A
 * county-wide unified action (R9.2, scope 'county') walks its own rows. */
enum xz_joint_mech {
	XZ_JM_ROUTINE = 1u << 0,   /* 常规启动 */
	XZ_JM_SPECIAL = 1u << 1,   /* 专项启动 */
	XZ_JM_EMERGENCY = 1u << 2, /* 应急启动 */
	XZ_JM_COUNTY = 1u << 3,	   /* 县级统一行动（父行动） */
};

/* The fields a transition may require (xz_joint_fsm.fields). */
enum xz_joint_field {
	XZ_JF_LAUNCH = 1u << 0,	 /* "launch": true/false (400 launch_required)   */
	XZ_JF_REASONS = 1u << 1, /* "reasons" of a written decision (422)        */
	XZ_JF_REASON = 1u << 2,	 /* "reason" for sending back (422)              */
	XZ_JF_SUMMARY = 1u << 3, /* "summary" of the result (422)                */
};

/* Who is told when a row is taken (xz_fsm_row.tell). */
enum xz_joint_tell {
	XZ_JT_LEADERS = 1u << 0,   /* the township's leadership group  */
	XZ_JT_OFFICE = 1u << 1,	   /* the township's office            */
	XZ_JT_APPLICANT = 1u << 2, /* the applying unit's contact      */
	XZ_JT_LEAD = 1u << 3,	   /* the lead unit's contact          */
};

/* The clocks a row starts (xz_fsm_row.starts). */
enum xz_joint_clock { XZ_JC_FORWARD_DECIDE = 1 };

/* Days of the special mechanism (§4.2.2). */
#define XZ_JOINT_APPLY_DAYS 3	   /* apply at least 3 days before the action   */
#define XZ_JOINT_FORWARD_DAYS 2	   /* forward within 2 days of receipt          */
#define XZ_JOINT_DECIDE_DAYS 2	   /* the written decision within 2 days of receipt */
#define XZ_JOINT_MAX_UNITS 50	   /* units one plan may name                   */
#define XZ_JOINT_MAX_PROBLEMS 200  /* problems one plan may take up           */
#define XZ_JOINT_MAX_TOWNSHIPS 100 /* townships of a county-wide action      */
#define XZ_JOINT_MAX_OFFICERS 100  /* officers one notice answer may name     */
#define XZ_JOINT_ALARM_HOUR 16	   /* default hour of a same-day notice's alarm */

/* The joint action's life cycle. */
extern const struct xz_fsm xz_joint_fsm;

/* xz_joint_mech_parse: "routine" → XZ_JM_ROUTINE …; 0 when unknown. */
unsigned xz_joint_mech_parse(const char *name);

/* xz_joint_kind: the machine kind of a stored action row (county-wide
 * parents are XZ_JM_COUNTY whatever their mechanism). */
unsigned xz_joint_kind(const json_t *action);

/* ---- plans ---- */

/* A plan as created or edited. Strings and arrays are borrowed. */
struct xz_joint_plan {
	const char *mechanism; /* create only */
	const char *title, *targets, *place, *mode, *tasks, *domain;
	const char *planned_start, *planned_end; /* ISO 8601 */
	int64_t township_id;			 /* create, township action */
	int64_t lead_unit_id;			 /* 0: none */
	int64_t version;			 /* edit: the version the editor saw */
	bool police_support;			 /* asked for */
	json_t *units;				 /* unit ids, or NULL */
	json_t *problems;			 /* problem ids, or NULL */
	json_t *townships; /* create: township ids of a county-wide action, or NULL */
};

/* xz_joint_create: a new action in draft (and, county-wide, one routine
 * child per township). *id is the new action's id. */
int xz_joint_create(struct xz_ctx *c, const struct xz_joint_plan *p, int64_t *id);

/* xz_joint_edit: revise a draft (mechanism and township stay). */
int xz_joint_edit(struct xz_ctx *c, int64_t id, const struct xz_joint_plan *p);

/* ---- the life cycle ---- */

/* xz_joint_act: take `action` on action id with the request's input object
 * in ({"launch","reasons","reason","summary","unresolved"}; borrowed):
 * the row of xz_joint_fsm for the caller's relation, its fields, guard
 * and effect, the state move, history, notifications and audit. */
int xz_joint_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in);

/* ---- work during an action ---- */

struct xz_joint_participant_in {
	int64_t unit_id, person_id;
	const char *role; /* "enforcer" or "support" */
};
int xz_joint_participant_add(struct xz_ctx *c, int64_t id, const struct xz_joint_participant_in *in,
			     int64_t *pid);
/* xz_joint_check: check participant pid in (in = true) or out. */
int xz_joint_check(struct xz_ctx *c, int64_t id, int64_t pid, bool in);

struct xz_joint_point {
	bool set;
	double lon, lat;
};
struct xz_joint_notice_in {
	const char *category, *description;
	struct xz_joint_point at;
};
int xz_joint_notice_issue(struct xz_ctx *c, int64_t id, const struct xz_joint_notice_in *in,
			  int64_t *nid);
/* xz_joint_notice_answer: officers is an array of person ids (borrowed). */
int xz_joint_notice_answer(struct xz_ctx *c, int64_t id, int64_t nid, const json_t *officers);

struct xz_joint_incident_in {
	const char *kind, *description;
	int64_t occurred_at;
	const json_t *evidence; /* array or NULL */
};
int xz_joint_incident_report(struct xz_ctx *c, int64_t id, const struct xz_joint_incident_in *in,
			     int64_t *iid);
int xz_joint_incident_follow_up(struct xz_ctx *c, int64_t id, int64_t iid, const char *state,
				const char *note);

struct xz_joint_finding_in {
	const char *description, *category; /* category may be NULL */
	struct xz_joint_point at;
};
int xz_joint_finding_add(struct xz_ctx *c, int64_t id, const struct xz_joint_finding_in *in,
			 int64_t *fid);

/* xz_joint_tick: the scheduler's joint pass at `now`: same-day notices
 * still unanswered at the alarm hour (setting joint.notice_alarm_hour) and
 * at their deadline raise an alarm once each; special applications whose
 * forwarding or decision clock runs out tell the office / the leader once.
 * *found counts alarms raised. */
int xz_joint_tick(struct xz_db *db, int64_t now, int *found);

/* ---- reading (joint_read.c) ---- */

struct xz_joint_filter {
	int64_t after, limit, township_id;
	const char *state, *mechanism;
};

/* xz_joint_load: the action row if the caller may read it (404 otherwise). */
int xz_joint_load(struct xz_ctx *c, int64_t id, json_t **row);
/* xz_joint_view: the action with its units, problems, clocks, history,
 * participants, notices, incidents, findings, children and the caller's
 * allowed_actions. */
int xz_joint_view(struct xz_ctx *c, int64_t id, json_t **view);
/* xz_joint_list: actions the caller may read under the filter, by id,
 * each handed to fn as the database reads it with what xz_joint_view adds
 * to a row: participating_units_json and problem_ids_json (the ids as a
 * JSON array's text), forward_overdue and decision_overdue (0/1). */
int xz_joint_list(struct xz_ctx *c, const struct xz_joint_filter *f, xz_row_fn fn, void *arg);
/* xz_joint_items: one list under a visible action: "participants",
 * "notices", "incidents" or "findings". */
int xz_joint_items(struct xz_ctx *c, int64_t id, const char *what, json_t **rows);
/* xz_joint_item: one record of such a list by its id (no visibility check:
 * for answering the caller that just wrote it). */
int xz_joint_item(struct xz_ctx *c, const char *what, int64_t item_id, json_t **row);
/* xz_joint_notices_for: the caller's notices (their unit's, or the
 * township's / county's), open ones only when open_only, by id, each handed
 * to fn as the database reads it with its same-day clock: late (0/1, in
 * the column's place), answered (0/1) and seconds_left after the columns,
 * and officers_json "[]" for none. */
int xz_joint_notices_for(struct xz_ctx *c, int64_t after, int64_t limit, bool open_only,
			 xz_row_fn fn, void *arg);
/* xz_joint_actions_of_problem: the actions that took problem_id up (id,
 * title, mechanism, state), through joint_action_problems. */
int xz_joint_actions_of_problem(struct xz_db *db, int64_t problem_id, json_t **rows);

/* ---- documents (joint_docs.c): fill doc for a visible action; the
 * strings live in c->arena ---- */
int xz_joint_doc_decision(struct xz_ctx *c, int64_t id, struct xz_doc *doc);
int xz_joint_doc_plan(struct xz_ctx *c, int64_t id, struct xz_doc *doc);
int xz_joint_doc_notice(struct xz_ctx *c, int64_t id, int64_t nid, struct xz_doc *doc);

/* ---- rules shared with tests ---- */

/* xz_joint_qualified: may person_id act as an enforcer from day `from_day`
 * to day `to_day` (day numbers, inclusive) in `domain` (NULL or "" = any)?
 * True when the person is not an auxiliary and one qualification is valid
 * on every one of those days and lists the domain. */
int xz_joint_qualified(struct xz_db *db, int64_t person_id, const char *domain, int64_t from_day,
		       int64_t to_day, bool *ok);

/* xz_joint_setting_int: integer setting `key` from settings, or dflt. */
int64_t xz_joint_setting_int(struct xz_db *db, const char *key, int64_t dflt);

/* The township's police-support rule (setting joint.police.<township id>,
 * JSON {"emergency":bool,"major_units":n,"major_participants":n}); fields
 * absent or 0 set no condition, and no setting forces nothing. */
struct xz_joint_police_rule {
	bool emergency;
	int64_t major_units, major_participants;
};
int xz_joint_police_rule(struct xz_db *db, int64_t township_id, struct xz_joint_police_rule *rule);

/* xz_joint_rules_get: the township's police rule as {"township_id",
 * "configured","emergency","major_units","major_participants"}, for a
 * caller who may read the township's joint actions (404 otherwise). */
int xz_joint_rules_get(struct xz_ctx *c, int64_t township_id, json_t **out);

/* xz_joint_rules_set: set the township's police rule (the township's
 * office or the county administrator: permission joint.rules). */
int xz_joint_rules_set(struct xz_ctx *c, int64_t township_id,
		       const struct xz_joint_police_rule *rule);

#endif
