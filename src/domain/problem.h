/*
 * problem.h — the closed loop's rules (R4): the problem life cycle as one
 * table of transitions, step deadlines through the calendar, the warning
 * light, notifications, and the scheduler that finds what falls due.
 *
 * The table is data: for each action, the states it leaves, the condition
 * on its input (verify passed / failed), the state it reaches (NULL: stays),
 * the permission that decides who may take it (checked against the
 * problem's place by authz.c), what its body must carry, which step's
 * deadline it starts and whom it tells. routes_problems.c walks it.
 */
#ifndef XZ_PROBLEM_H
#define XZ_PROBLEM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct xz_db;

enum xz_preq {
	XZ_PREQ_REASON = 1 << 0,   /* "reason" text                   */
	XZ_PREQ_FEEDBACK = 1 << 1, /* "feedback" text                 */
	XZ_PREQ_INTO = 1 << 2,     /* "into_id" an open problem       */
	XZ_PREQ_PASSED = 1 << 3,   /* "passed" boolean                */
	XZ_PREQ_SCORE = 1 << 4,    /* "score" 1..5                    */
	XZ_PREQ_NOTE = 1 << 5,     /* "note" text                     */
};

enum xz_pstep { XZ_STEP_KEEP = 0, XZ_STEP_NONE, XZ_STEP_ACCEPT, XZ_STEP_HANDLE, XZ_STEP_VERIFY,
		XZ_STEP_CLOSE };

enum xz_pcond { XZ_COND_ANY = 0, XZ_COND_PASSED, XZ_COND_FAILED };

enum xz_pnotify { XZ_TELL_UNIT = 1, XZ_TELL_OFFICE = 2, XZ_TELL_WATCHERS = 4,
		  XZ_TELL_VERIFIERS = 8 };

struct xz_ptrans {
	const char *action;
	const char *from;  /* space-separated states */
	enum xz_pcond cond;
	const char *to;    /* NULL: the state stays */
	const char *perm;  /* authz permission on the problem's place */
	unsigned requires; /* XZ_PREQ_* */
	enum xz_pstep starts;
	unsigned tell;     /* XZ_TELL_* */
	const char *label; /* Chinese name shown in history */
};

extern const struct xz_ptrans xz_problem_transitions[];
extern const char *const xz_problem_states[];
extern const char *const xz_problem_channels[];

/* xz_problem_trans: the row for action in state under cond, or NULL when
 * the action is not allowed there. *known says whether the action exists. */
const struct xz_ptrans *xz_problem_trans(const char *action, const char *state,
					 enum xz_pcond cond, bool *known);
/* xz_problem_open: true for states still in the loop. */
bool xz_problem_open(const char *state);

/* xz_problem_step_due: the deadline of `step` started at `from` for the
 * category (its accept_hours / handle_days / verify_days; close: one
 * working day), and the instant the light turns yellow. */
int xz_problem_step_due(struct xz_db *db, const char *category, enum xz_pstep step, int64_t from,
			int64_t *due, int64_t *warn);

/* xz_problem_light: "green", "yellow" or "red" at `now`. */
const char *xz_problem_light(int64_t due, int64_t warn, int64_t now);

/* xz_problem_notify: put a notification in the inbox of everyone `tell`
 * names for the problem (row with id, township_id, unit_id, cell_id), and
 * announce the change to open pages (SSE). Does not notify `except_user`. */
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
 * transaction; the caller audits. *id is the new problem's id. */
int xz_problem_insert(struct xz_db *db, const struct xz_problem_in *in, int64_t *id);

/* xz_problem_tick: the scheduler's pass at `now`: problems whose deadline
 * is near (yellow) or past (red) and not yet announced are marked and their
 * people told; found through the due_at index, never a full scan. Pending
 * outbound messages go to the configured hook. *found counts problems. */
int xz_problem_tick(struct xz_db *db, int64_t now, int *found);

#endif
