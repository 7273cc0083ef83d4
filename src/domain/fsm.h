/*
 * fsm.h — the one walker of every life cycle: problems (problem.c), joint
 * actions (jointaction.c), and the meeting items and assessment workflows
 * to come. A life cycle is data: a struct xz_fsm naming its states (with
 * their Chinese labels and which are still open), the fields its actions
 * may require, and a table of rows
 *
 *   {kinds, from states, action, condition, to, permission, relation,
 *    required fields, guard, effect, deadline started, who is told, label}
 *
 * The walker picks the row for a request, checks who may take it (the
 * permission through authz on the record's place, and/or a relation bit
 * the concept computed in authz), checks the required fields, runs the
 * row's guard and effect; the concept's use case writes the state, the
 * history, the audit entry and the notifications around it. Nothing
 * outside a table decides who may move a record, or where to.
 * See docs/internals/fsm.md.
 */
#ifndef XZ_FSM_H
#define XZ_FSM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/authz.h"
#include "domain/ctx.h"

/* The condition on the machine's boolean selector (problems: "passed",
 * joint actions: "launch"): rows sharing an action are told apart by it. */
enum xz_fsm_if { XZ_FSM_ANY = 0, XZ_FSM_IF_TRUE, XZ_FSM_IF_FALSE };

/* What a required field must hold. */
enum xz_fsm_ftype {
	XZ_FSM_TEXT = 1, /* a non-empty string of at most XZ_MAX_TEXT bytes */
	XZ_FSM_ID,       /* a positive integer                               */
	XZ_FSM_BOOL,     /* true or false                                    */
	XZ_FSM_INT,      /* an integer in [min, max]                         */
};

/* A field a row may require: bit in the rows' `requires`, its name in the
 * input object, its type, and the error answered when it is missing. */
struct xz_fsm_field {
	unsigned bit;
	const char *name;
	enum xz_fsm_ftype type;
	int64_t min, max;  /* XZ_FSM_INT only */
	int rc;            /* XZ_EMALFORMED (400) or XZ_ERULE (422) */
	const char *code;  /* e.g. "missing_field", "reasons_required" */
	const char *zh, *en;
};

struct xz_fsm_run;

struct xz_fsm_row {
	unsigned kinds;       /* variant bits the row serves (joint mechanisms); 0: every kind */
	const char *from;     /* space-separated states the row leaves */
	const char *action;
	enum xz_fsm_if cond;  /* on the machine's selector */
	const char *to;       /* NULL: the state stays */
	const char *perm;     /* authz permission on the record's place; NULL: none asked */
	unsigned who;         /* relation bits, any one suffices; 0: the permission decides */
	unsigned requires;    /* xz_fsm_field bits the input must carry */
	int (*guard)(struct xz_fsm_run *run);  /* a rule beyond the fields; NULL: none */
	int (*effect)(struct xz_fsm_run *run); /* the change beyond the state; NULL: none */
	int starts;           /* the deadline it starts (machine-defined; 0 keeps the running one) */
	unsigned tell;        /* who is told (machine-defined bits) */
	const char *label;    /* Chinese name, for history and buttons */
};

struct xz_fsm {
	const char *name;                /* "problem", "joint_action" */
	const struct xz_fsm_row *rows;
	size_t nrows;
	const char *const *states;       /* NULL-terminated */
	const char *const *state_labels; /* parallel to states: Chinese labels */
	const char *open;                /* space-separated: states still in the loop */
	const char *selector;            /* the boolean input choosing between rows, or NULL */
	const struct xz_fsm_field *fields;
	size_t nfields;
};

/* Who asks, about which record. */
struct xz_fsm_subject {
	unsigned kind;                /* the record's variant bit (0 when the machine has none) */
	const char *state;            /* its current state */
	const struct xz_user *user;   /* the caller; NULL: the system itself, admitted by every row */
	const struct xz_place *place; /* where the record sits, for permissions */
	unsigned who;                 /* the caller's relation bits to the record */
};

/* A walk in progress, handed to guards and effects. */
struct xz_fsm_run {
	struct xz_ctx *c;
	const struct xz_fsm *m;
	const struct xz_fsm_row *row;
	const struct xz_fsm_subject *s;
	json_t *record; /* the record as loaded (borrowed) */
	json_t *in;     /* the request's input object (borrowed) */
	int selector;   /* -1 absent, else 0/1 */
	void *data;     /* the concept's own state for this walk */
};

/* xz_fsm_select: the row for `action` on the subject, given the input.
 * Returns 0 and sets *row; otherwise describes the error in c:
 *   400 unknown_action   — no row has this action;
 *   403 forbidden        — no row of this action (for the kind) admits the caller;
 *   409 invalid_transition — rows admit the caller, none leaves this state;
 *   400 invalid_body     — the selector is not a boolean.
 * Requirements are not checked here (xz_fsm_check). */
int xz_fsm_select(struct xz_ctx *c, const struct xz_fsm *m, const struct xz_fsm_subject *s,
		  const char *action, const json_t *in, const struct xz_fsm_row **row);

/* xz_fsm_check: the row's required fields are present and well-typed in
 * run->in (each field's own error otherwise), then its guard. */
int xz_fsm_check(struct xz_fsm_run *run);

/* xz_fsm_walk: select, check, run the effect. On 0, run->row is the row
 * taken and the caller writes the state move (to = run->row->to, or the
 * state it was when NULL). The caller owns the transaction. */
int xz_fsm_walk(struct xz_fsm_run *run, const char *action);

/* xz_fsm_admits: does the row admit the subject (permission and relation)? */
bool xz_fsm_admits(const struct xz_fsm_row *row, const struct xz_fsm_subject *s);

/* xz_fsm_allowed: the actions the subject may take now, as a new array of
 * {"action","label"} objects in table order (caller owns). */
json_t *xz_fsm_allowed(const struct xz_fsm *m, const struct xz_fsm_subject *s);

/* xz_fsm_allowed_names: the same as a new array of action names. */
json_t *xz_fsm_allowed_names(const struct xz_fsm *m, const struct xz_fsm_subject *s);

/* xz_fsm_in: is state one of the space-separated list? */
bool xz_fsm_in(const char *list, const char *state);

/* xz_fsm_is_open: is state one of the machine's open states? */
bool xz_fsm_is_open(const struct xz_fsm *m, const char *state);

/* xz_fsm_known_action: does any row carry this action? */
bool xz_fsm_known_action(const struct xz_fsm *m, const char *action);

/* xz_fsm_state_label: the Chinese label of a state (the state itself when unknown). */
const char *xz_fsm_state_label(const struct xz_fsm *m, const char *state);

/* xz_fsm_open_sql: "'a','b',…" — the open states as an SQL list for
 * `state IN (…)`, built once from the machine (static storage). */
const char *xz_fsm_open_sql(const struct xz_fsm *m);

/* xz_fsm_open_cond: "(<alias>state = 'a' OR <alias>state = 'b' OR …)" —
 * the open states as comparisons joined by OR, for a query that must match
 * a partial index written so (migration 028: SQLite builds a constant IN
 * list of more than two into a temporary b-tree on every run). alias is ""
 * or "p." (static storage, built once per machine and alias). */
const char *xz_fsm_open_cond(const struct xz_fsm *m, const char *alias);

/* xz_fsm_labels: {"states":{state:label},"actions":{action:label}} for the
 * web (caller owns). */
json_t *xz_fsm_labels(const struct xz_fsm *m);

#endif
