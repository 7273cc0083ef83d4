/*
 * meeting.h — joint meetings (联席会议, R6, seed §4.3.2): the township's
 * regular and special meetings of its dispatched units, chaired by the
 * leadership group; invitations and answers; attendance with sign-in; the
 * status report generated from the data and frozen with the meeting; the
 * minutes (会议纪要) drafted by the office, approved by the chair and
 * published with a number; and the decided items (议定事项) tracked to the
 * end on the shared state-machine walker.
 *
 * Two life cycles, each one table in meeting.c walked by fsm.c:
 *   meeting:      scheduled → in_session → held → minutes_submitted →
 *                 minutes_approved → published; scheduled → cancelled
 *   meeting item: open → in_progress → done → verified (reopen: done →
 *                 in_progress); supervise keeps the state
 * Every use case takes a context (ctx.h) and runs inside the caller's
 * transaction unless it says otherwise. See docs/internals/meeting.md.
 */
#ifndef XZ_MEETING_H
#define XZ_MEETING_H

#include <jansson.h>
#include <stdint.h>

#include "domain/ctx.h"
#include "domain/fsm.h"
#include "store/db.h"

extern const struct xz_fsm xz_meeting_fsm;
extern const struct xz_fsm xz_meeting_item_fsm;

/* A meeting to schedule. agenda: array of {"title", "note"?, "problem_ids"?,
 * "joint_action_ids"?, "bulletin_ids"?}; invited_unit_ids: array of ids, or
 * NULL for every dispatched unit of the township; invited_person_ids: NULL
 * or an array of people of the township. All borrowed. */
struct xz_meeting_in {
	int64_t township_id, chair_person_id;
	const char *kind, *title, *place;
	int64_t starts_at, ends_at; /* ends_at 0: not given */
	json_t *agenda, *invited_unit_ids, *invited_person_ids;
};

/* xz_meeting_create: check and store a meeting (the chair must be the
 * township's group leader or a deputy; it must start in the future),
 * invite the units and people and tell them (inbox, live, outbound hook).
 * Runs inside the caller's transaction; audits. *id is the new meeting. */
int xz_meeting_create(struct xz_ctx *c, const struct xz_meeting_in *in, int64_t *id);

/* xz_meeting_get: the meeting as the API shows it — with agenda (and
 * links), invitees and their answers, attendance, the frozen report, the
 * decided items with their lights, history and allowed_actions for the
 * caller. XZ_ENOTFOUND when it does not exist or the caller may not read
 * it. Caller owns *out. */
int xz_meeting_get(struct xz_ctx *c, int64_t id, json_t **out);

/* xz_meeting_list: meetings the caller may read, newest first, after the
 * keyset cursor `after` (0: from the top), at most limit; township_id 0:
 * every township the caller may read; from/to 0: unbounded (starts_at).
 * Each handed to fn as read, with its state_label, without its minutes
 * and report. */
int xz_meeting_list(struct xz_ctx *c, int64_t township_id, int64_t from, int64_t to,
		    int64_t after, int64_t limit, xz_row_fn fn, void *arg);

/* xz_meeting_answer: the invited unit's contact (or an invited person)
 * answers attend / absent (reason required) / substitute (the substitute's
 * name required). */
int xz_meeting_answer(struct xz_ctx *c, int64_t id, int64_t unit_id, const char *answer,
		      const char *reason, const char *substitute);

/* xz_meeting_attendance: the office records a unit's attendance: present,
 * late, absent (reason) or substitute (name). Only while the meeting is
 * scheduled (on its day), in session or just held. */
int xz_meeting_attendance(struct xz_ctx *c, int64_t id, int64_t unit_id, const char *status,
			  const char *note, const char *substitute);

/* xz_meeting_signin: the caller signs in for their unit on their phone:
 * present, or late when after the start. */
int xz_meeting_signin(struct xz_ctx *c, int64_t id);

/* xz_meeting_report: compute the status report for [from, to) (0, 0: since
 * the previous meeting of the township, or 30 days) and freeze it with the
 * meeting. Refused once the minutes are submitted. */
int xz_meeting_report(struct xz_ctx *c, int64_t id, int64_t from, int64_t to);

/* xz_meeting_minutes: the office drafts or edits the minutes text (with
 * the version it read); 409 once submitted or published. */
int xz_meeting_minutes(struct xz_ctx *c, int64_t id, int64_t version, const char *text);

/* xz_meeting_act: take `action` on the meeting (the meeting table); in is
 * the request body (borrowed). */
int xz_meeting_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in);

/* A decided item. due_at, or due_days working days from now. */
struct xz_meeting_item_in {
	int64_t meeting_id, owner_unit_id, owner_person_id, due_at, due_days;
	const char *title, *detail;
	json_t *problem_ids, *joint_action_ids; /* borrowed, may be NULL */
};

/* xz_meeting_item_create: a decided item of a meeting that has been held
 * (or is in session), owned by a unit of the township, with a deadline
 * through the working-day calendar; the owner unit is told. */
int xz_meeting_item_create(struct xz_ctx *c, const struct xz_meeting_item_in *in, int64_t *id);

/* xz_meeting_item_act: take `action` on a decided item (the item table). */
int xz_meeting_item_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in);

/* xz_meeting_item_get: one item as shown (light, links, history,
 * allowed_actions). Caller owns *out. */
int xz_meeting_item_get(struct xz_ctx *c, int64_t id, json_t **out);

/* xz_meeting_items: the items board: items the caller may read (a unit
 * sees its own), filtered by township, unit, meeting and state ("open" for
 * every open state), by id, each handed to fn as the database reads it with
 * what xz_meeting_item_get shows beside the columns: light, overdue (0/1),
 * state_label and allowed_actions_json (the text of the JSON array). */
int xz_meeting_items(struct xz_ctx *c, int64_t township_id, int64_t unit_id, int64_t meeting_id,
		     const char *state, int64_t after, int64_t limit, xz_row_fn fn, void *arg);

/* xz_meeting_pdf: the frozen report ("report") or the published minutes
 * ("minutes") as an official document. Caller owns *pdf (xz_free). */
int xz_meeting_pdf(struct xz_ctx *c, int64_t id, const char *which, unsigned char **pdf,
		   size_t *len);

/* xz_meeting_tick: the scheduler's pass: decided items falling due
 * (yellow) or overdue (red) are announced once each to the owner unit and
 * the office. *found counts items. Runs its own transaction. */
int xz_meeting_tick(struct xz_db *db, int64_t now, int *found);

#endif
