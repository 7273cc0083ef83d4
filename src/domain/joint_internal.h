/*
 * joint_internal.h — what the joint enforcement files (jointaction.c,
 * joint_work.c, joint_read.c, joint_docs.c) share and nothing else sees:
 * row accessors, the caller's relation, history, notifications, the step
 * table for the work done under an action.
 */
#ifndef XZ_JOINT_INTERNAL_H
#define XZ_JOINT_INTERNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/ctx.h"

#define XZ_JOINT_OPEN "draft submitted forwarded approved in_progress"

static inline int64_t xz__jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static inline const char *xz__jstr(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static inline int64_t xz__joint_uid(const struct xz_ctx *c)
{
	return c->user ? c->user->id : 0;
}

/* xz__joint_step_done: a step that leaves the action's state as it is:
 * its history entry and audit entry. */
int xz__joint_step_done(struct xz_ctx *c, const json_t *row, const char *step, const char *note,
			const char *object_type, int64_t object_id);

/* xz__joint_when: an instant as messages name it ("2026年12月3日23时59分") in c->arena. */
const char *xz__joint_when(struct xz_ctx *c, int64_t t);

/* xz__joint_person_qualified: person (row with id, name, is_auxiliary)
 * may act as an enforcer from_day..to_day in domain (422
 * qualification_required naming the person, at field, otherwise). */
int xz__joint_person_qualified(struct xz_ctx *c, const json_t *person, const char *domain,
			       int64_t from_day, int64_t to_day, const char *field);

/* xz__joint_blank: NULL, empty or only white space. */
bool xz__joint_blank(const char *s);

/* xz__joint_row: the stored action (no visibility check). */
int xz__joint_row(struct xz_ctx *c, int64_t id, json_t **row);

/* xz__joint_who: the caller's XZ_JW_* relation to the action row, and to
 * a sub-record's unit and person (0: none); every bit for the system. */
unsigned xz__joint_who(struct xz_ctx *c, const json_t *row, int64_t unit, int64_t person);

/* xz__joint_may: the step table's answer for `step` on the action: 0, or
 * 403 forbidden (denial) / 409 invalid_transition described in c. */
int xz__joint_may(struct xz_ctx *c, const char *step, const json_t *row, unsigned who);

/* xz__joint_history: one entry in the action's history by the caller. */
int xz__joint_history(struct xz_ctx *c, int64_t id, const char *action, const char *from,
		      const char *to, const char *note);

/* xz__joint_units: the action's units in order (new array of ids). */
int xz__joint_units(struct xz_db *db, int64_t id, json_t **units);
/* xz__joint_has: does the array of ids hold id? */
bool xz__joint_has(const json_t *ids, int64_t id);

/* xz__joint_police_unit: the township's police station (department GA), 0 when none. */
int64_t xz__joint_police_unit(struct xz_db *db, int64_t township);

/* Whom a notification goes to. */
struct xz__joint_to {
	int64_t township_id; /* with office / leaders */
	bool office, leaders;
	int64_t unit_id;   /* the unit's contact */
	int64_t unit2_id;  /* a second unit's contact */
	int64_t person_id; /* the person's account */
	int64_t notice_id; /* set: the message opens this interactive notice, not the action */
};

/* xz__joint_tell: a notification (inbox row, live event, and through the
 * outbound hook by the scheduler; notify.h) to everyone `to` names but the
 * caller, about action id (or to->notice_id). */
int xz__joint_tell(struct xz_ctx *c, int64_t id, const struct xz__joint_to *to, const char *kind,
		   const char *title, const char *body);

/* xz__joint_settle: concluding action id settles every escalated problem
 * it took up (see jointaction.md); unresolved lists those returned to the
 * office's queue. */
int xz__joint_settle(struct xz_ctx *c, const json_t *row, const char *summary,
		     const json_t *unresolved);

#endif
