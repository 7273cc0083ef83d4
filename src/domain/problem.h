/*
 * problem.h — the closed loop's rules (R4) and its use cases.
 *
 * The life cycle is one machine walked by domain/fsm.c: xz_problem_fsm
 * names the states (with their Chinese labels and which are still open),
 * the fields an action may require, and a row per transition — the states
 * it leaves, the condition on "passed", the state it reaches, the
 * permission deciding who may take it (on the problem's place, through
 * authz.c), the fields it requires, its guard and effect (functions in
 * problem.c), which step's deadline it starts and whom it tells.
 *
 * The use cases (`int xz_problem_<verb>(struct xz_ctx *c, …)`) each leave
 * the database consistent: reporting (locate, route, duplicates, insert,
 * history, notify, audit), applying an action (walk, state and deadline,
 * history, audit, notify), reading one problem or a list within the
 * caller's place, the reporter view, and the inbox. Those that write run
 * inside the caller's transaction (xz_ctx_tx). Evidence is in evidence.h.
 * See docs/internals/problem.md and docs/internals/fsm.md.
 */
#ifndef XZ_PROBLEM_H
#define XZ_PROBLEM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/ctx.h"
#include "domain/fsm.h"
#include "store/db.h"

struct xz_db;

/* The fields an action may require (bits of a row's `requires`). */
enum xz_pfield {
	XZ_PF_REASON = 1 << 0,   /* "reason" text             */
	XZ_PF_FEEDBACK = 1 << 1, /* "feedback" text           */
	XZ_PF_INTO = 1 << 2,     /* "into_id" an open problem */
	XZ_PF_PASSED = 1 << 3,   /* "passed" boolean          */
	XZ_PF_SCORE = 1 << 4,    /* "score" 1..5              */
	XZ_PF_NOTE = 1 << 5,     /* "note" text               */
	XZ_PF_RESULT = 1 << 6,   /* "result" text             */
};

/* The deadline a row starts (its `starts`): KEEP leaves the running one,
 * NONE stops the clock, the others start that step's limit. */
enum xz_pstep { XZ_STEP_KEEP = 0, XZ_STEP_NONE, XZ_STEP_ACCEPT, XZ_STEP_HANDLE, XZ_STEP_VERIFY,
		XZ_STEP_CLOSE };

/* Who is told (a row's `tell`). */
enum xz_pnotify { XZ_TELL_UNIT = 1, XZ_TELL_OFFICE = 2, XZ_TELL_WATCHERS = 4,
		  XZ_TELL_VERIFIERS = 8 };

/* A code shown to people and its Chinese label. */
struct xz_problem_label {
	const char *code, *label;
};

/* The notification kinds the closed loop sends besides its actions' names
 * (an action's notification has the action as its kind), {NULL, NULL}-ended. */
extern const struct xz_problem_label xz_problem_notification_kinds[];

/* The problem life cycle (R4.2, R9.1). */
extern const struct xz_fsm xz_problem_fsm;
/* The channels a problem comes in by (R4.1), NULL-terminated, and their labels. */
extern const char *const xz_problem_channels[];
extern const char *const xz_problem_channel_labels[];

/* xz_problem_step_due: the deadline of `step` started at `from` for the
 * category of county (its accept_hours / handle_days / verify_days; close:
 * one working day) under county's calendar, and the instant the light
 * turns yellow. */
int xz_problem_step_due(struct xz_db *db, int64_t county, const char *category,
			enum xz_pstep step, int64_t from, int64_t *due, int64_t *warn);

/* xz_problem_light: "green", "yellow" or "red" at `now`. */
const char *xz_problem_light(int64_t due, int64_t warn, int64_t now);

/* xz_problem_notify: put a notification in the inbox of everyone `tell`
 * names for the problem (row with id, township_id, unit_id, cell_id), and
 * announce the change to open pages (SSE) once the transaction commits —
 * through the one notifier (notify.h). Does not notify `except_user`. */
int xz_problem_notify(struct xz_db *db, const json_t *problem, unsigned tell, const char *kind,
		      const char *title, const char *body, int64_t except_user);

/* A new problem as a channel hands it in (already located and checked). */
struct xz_problem_in {
	int64_t county_id, township_id, village_id, cell_id; /* village, cell 0 when none */
	int64_t reported_by, patrol_id;                      /* 0 when none */
	const char *channel, *category, *description, *address; /* address may be NULL */
	const char *reporter_name, *reporter_phone;           /* the complainant, may be NULL */
	const char *user_name;                                /* who reports, for the history */
	const char *note;                                     /* history note (default: description) */
	bool has_pos;
	double lon, lat;
};

/* xz_problem_insert: store a new problem in state reported, routed under
 * the list version in force, with its acceptance deadline, its reporter
 * kept apart, the reporting account as watcher and the first history
 * entry, and tell the township's office. Runs inside the caller's
 * transaction at xz_now(); the caller audits. *id is the new problem's id.
 * (For callers that have located the problem themselves, e.g. joint
 * findings; a report from a person goes through xz_problem_report.) */
int xz_problem_insert(struct xz_db *db, const struct xz_problem_in *in, int64_t *id);

/* xz_problem_tick: the scheduler's pass at `now`: problems whose deadline
 * is near (yellow) or past (red) and not yet announced are marked and their
 * people told; found through the due_at index, never a full scan. Pending
 * outbound messages go to the configured hook. *found counts problems. */
int xz_problem_tick(struct xz_db *db, int64_t now, int *found);

/* ---- use cases ---- */

/* A report as a person hands it in (input shape checked by the caller;
 * the rules are checked here). */
struct xz_problem_report {
	const char *channel, *category, *description, *address; /* address may be NULL */
	const char *reporter_name, *reporter_phone;           /* the complainant, may be NULL */
	bool has_pos;
	double lon, lat;
	int64_t township_id; /* used when the position is outside the grid or absent; 0: none */
	int64_t patrol_id;   /* 0: none */
	/* assigning down (交办) with the department's deadline: a date or
	 * ISO time, or working days (0: none); only for channel "assigned" */
	const char *assign_due_at, *assign_note;
	int64_t assign_due_days;
};

/* xz_problem_report: check the report (channel, description, address,
 * position, reporter, category), locate it (cell, else the township the
 * point or the reporter names), check that c->user may report there,
 * route it, store it (history, watcher, the office told) and audit it, at
 * c->now. *id is the new problem; *dups (when not NULL) a new array of the
 * open problems nearby it may duplicate (caller owns). Runs inside the
 * caller's transaction. */
int xz_problem_report(struct xz_ctx *c, const struct xz_problem_report *in, int64_t *id,
		      json_t **dups);

/* xz_problem_report_tx: xz_problem_report in a transaction of its own,
 * holding the writer (SQLite) only for the writes: every read (the checks,
 * locating, routing, the deadline, who is told) is made before the
 * transaction on c->db's reader connection; inside it the reference data's
 * revision (ref_revision, migration 022) is read again and, if it moved,
 * everything is read once more there, so the problem stored is the same.
 * The duplicates are searched after the commit. c->db must not be in a
 * transaction. Same results, errors and ownership as xz_problem_report. */
int xz_problem_report_tx(struct xz_ctx *c, const struct xz_problem_report *in, int64_t *id,
			 json_t **dups);

/* An action on a problem (input shape checked by the caller). Texts may be
 * NULL; ids and score 0 when absent; passed -1 when absent. */
struct xz_problem_act {
	const char *action;
	const char *reason, *feedback, *note, *comment, *result, *due_at;
	int64_t into_id, unit_id, score, version;
	int64_t due_days; /* assign: the deadline in working days (0: none) */
	int passed;
};

/* xz_problem_apply: take an action on problem id for c->user (NULL: the
 * system, admitted by every row) at c->now: the row of xz_problem_fsm for
 * it (400 unknown_action, 409 invalid_transition, 403 forbidden, the
 * fields' own errors), its effect, the state and deadline moved in one
 * versioned update (409 version_conflict when someone moved it meanwhile),
 * the history entry, the audit entry, the people the row names told, and
 * on close the watchers of the problems merged into it. *state (may be
 * NULL) gets the state reached (static storage). Runs inside the caller's
 * transaction. */
int xz_problem_apply(struct xz_ctx *c, int64_t id, const struct xz_problem_act *a,
		     const char **state);

/* xz_problem_load: the stored row of problem id with its names (township,
 * cell, category, unit, list version, reporter fields rep_name/rep_phone)
 * when c->user may read it (404 otherwise). Caller owns *p. */
int xz_problem_load(struct xz_ctx *c, int64_t id, json_t **p);

/* xz_problem_full: the problem as xz_problem_load, with its history,
 * evidence, the joint actions naming it, its routing, and the actions
 * c->user may take now ("allowed_actions", from the machine). */
int xz_problem_full(struct xz_ctx *c, int64_t id, json_t **p);

/* xz_problem_allowed: the names of the actions c->user may take on the
 * loaded problem now (new array; rows whose guard refuses are left out). */
json_t *xz_problem_allowed(struct xz_ctx *c, const json_t *p);

/* A list's filter (NULL / 0: not filtered). */
struct xz_problem_filter {
	const char *state, *channel, *category, *q, *light;
	int64_t township_id, unit_id, cell_id, before, limit;
	bool mine, supervised, overdue;
	bool requested; /* a unit's escalation request awaits the office */
};

/* xz_problem_list: the problems c->user may read that match f, newest
 * first, at most f->limit, each handed to fn as the database reads it
 * (the columns of xz_problem_load's rows; a list writes its answer
 * straight from them). */
int xz_problem_list(struct xz_ctx *c, const struct xz_problem_filter *f, xz_row_fn fn,
		    void *arg);

/* The open states in which the township's step deadline runs: every open
 * state but escalated and taken_up (joint or county enforcement keeps its
 * own time), as migration 007's due_day has them. As SQL: TIMED_LIST for
 * "state IN …", TIMED_COND(alias) the same test as comparisons joined by
 * OR — what migration 028's problems_open_due holds (with alias ""), and
 * what a query must say, word for word, for SQLite to use it. SQLite builds
 * a constant IN list of more than two into a temporary b-tree on every run
 * of a statement, for an index's condition on every INSERT and UPDATE. */
#define XZ_PROBLEM_TIMED_LIST "('reported','accepted','dispatched','in_hand','handled','verified')"
#define XZ_PROBLEM_TIMED_COND(p)                                                                   \
	"(" p "state = 'reported' OR " p "state = 'accepted' OR " p "state = 'dispatched' OR " p \
	"state = 'in_hand' OR " p "state = 'handled' OR " p "state = 'verified')"

/* xz_problem_duplicates: open problems of the category within the
 * configured distance (problems.duplicate_m, default 300 m) and time
 * (problems.duplicate_days, default 30) of the point, that c->user may
 * read, except problem `except`; the nearest first, at most `limit`
 * (fewer when some are not c->user's to read); each with "distance_m".
 * New array. */
json_t *xz_problem_duplicates(struct xz_ctx *c, const char *category, double lon, double lat,
			      int64_t except, int limit);

/* xz_problem_reporter: the complainant of problem id in full for c->user
 * (problem.reporter on its place) with a reason (2..200 bytes), the view
 * audited. Caller owns *rep. Runs inside the caller's transaction. */
int xz_problem_reporter(struct xz_ctx *c, int64_t id, const char *reason, json_t **rep);

/* xz_problem_place: where a loaded problem sits, for authz. */
void xz_problem_place(const json_t *p, struct xz_place *pl);

/* The inbox (R7.3) is notify.h's. */

#endif
