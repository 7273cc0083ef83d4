/*
 * notify.h — the one notifier (R7.3): whoever must act is told in the inbox
 * (a `notifications` row naming the record it is about), live (a
 * "notification" Server-Sent Event to the user) and through the outbound
 * hook (the scheduler posts unsent rows to the configured gateway).
 *
 * A domain file says what happened and to whom, in terms of the
 * organisation — a person, an account, a unit's contact or members, a role
 * in a township, a department, the units of a place, a problem's watchers or
 * verifiers — and notify.c resolves that to active accounts, tells each
 * account once, and writes the rows in the caller's transaction. The live
 * events wait for that transaction to commit (xz_db_after): a use case that
 * rolls back tells nobody, neither in the inbox nor live nor outbound.
 * See docs/internals/notify.md.
 */
#ifndef XZ_NOTIFY_H
#define XZ_NOTIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/db.h"

struct xz_db;
struct xz_ctx;
struct xz_sub_place;

/* Whom to tell. Every kind resolves to accounts that are not disabled. */
enum xz_to_kind {
	XZ_TO_USER = 1,	    /* id: one account */
	XZ_TO_PERSON,	    /* id: the accounts of a person */
	XZ_TO_UNIT_CONTACT, /* id: a unit's accounts holding the contact role */
	XZ_TO_UNIT_HEAD,    /* id: the accounts of the person the unit names as its
			       contact (units.contact_person_id) */
	XZ_TO_UNIT_MEMBERS, /* id: a unit's accounts holding staff or contact */
	XZ_TO_ROLE,	    /* id: a township; role: the role held there (office,
			       leader …) by an account of that township */
	XZ_TO_DEPARTMENT,   /* id: a department's accounts holding the dept role */
	XZ_TO_UNITS_IN,	    /* every account of every unit in a place: id a county,
			       township and department narrowing it when > 0 */
	XZ_TO_WATCHERS,	    /* id: a problem: its watchers */
	XZ_TO_VERIFIERS,    /* id: a problem, cell: its cell — the grid members who
			       verify it (its watchers and the cell's members
			       holding the grid role) */
};

struct xz_to {
	enum xz_to_kind kind;
	int64_t id;
	const char *role;	      /* XZ_TO_ROLE */
	int64_t township, department; /* XZ_TO_UNITS_IN */
	int64_t cell;		      /* XZ_TO_VERIFIERS */
};

/* Shorthands for the common recipients. */
#define XZ_TO(k, i) ((struct xz_to){.kind = (k), .id = (i)})
#define XZ_TO_OFFICE(town) ((struct xz_to){.kind = XZ_TO_ROLE, .id = (town), .role = "office"})
#define XZ_TO_LEADERS(town) ((struct xz_to){.kind = XZ_TO_ROLE, .id = (town), .role = "leader"})
/* XZ_TOS(...): a compound-literal array of struct xz_to and its length. */
#define XZ_TOS(...)                                                                                \
	((const struct xz_to[]){__VA_ARGS__}),                                                     \
	    (sizeof((const struct xz_to[]){__VA_ARGS__}) / sizeof(struct xz_to))

/* What the notification says and which record it opens. record_kind is one
 * of "problem", "joint_action", "joint_notice", "meeting", "meeting_item",
 * "inspection", "bulletin", "assessment_flag", "assessment_result", or NULL
 * for a notification about no record (a lock-out). A "problem" record also
 * fills the legacy problem_id column. */
struct xz_note {
	const char *kind; /* the inbox kind: "notice", "meeting", "overdue" … */
	const char *record_kind;
	int64_t record_id;
	const char *title, *body; /* body NULL: "" */
	int64_t except_user;	  /* this account is not told (the actor); 0: none */
};

/* xz_notify_kinds: the Chinese labels of the inbox kinds the domain files
 * send besides an action's name and the problem's own kinds
 * (xz_problem_notification_kinds), {NULL, NULL}-ended; GET
 * /api/v1/meta/labels serves them so the inbox shows no codes. */
struct xz_notify_kind {
	const char *code, *label;
};
extern const struct xz_notify_kind xz_notify_kinds[];

/* xz_notify: tell every account the targets name (each once, in account
 * order, except n->except_user) at instant now, in db's open transaction;
 * each account's live event is published when that transaction commits.
 * *told (may be NULL) gets the number of accounts told. 0 or a storage
 * code. Strings are borrowed. */
int xz_notify(struct xz_db *db, int64_t now, const struct xz_note *n, const struct xz_to *to,
	      size_t nto, size_t *told);

/* xz_tell: xz_notify for a use case: c->db at c->now, a failure described
 * in c. The actor is told only if the caller leaves except_user 0; most
 * callers set it to xz_notify_actor(c). */
int xz_tell(struct xz_ctx *c, const struct xz_note *n, const struct xz_to *to, size_t nto);

/* xz_notify_actor: c's acting account id, 0 for the system. */
int64_t xz_notify_actor(const struct xz_ctx *c);

/* xz_notify_event: publish the live event `name` (data stolen) to the place
 * `to` (copied; its perm must be a literal) once db's open transaction
 * commits, at once when none is open; dropped if it rolls back. For the
 * page-refresh events ("problem", "joint") that accompany a notification. */
void xz_notify_event(struct xz_db *db, const char *name, json_t *data,
		     const struct xz_sub_place *to);

/* xz_notify_link: the web route that opens a record ("#/problem/7"), or NULL
 * for an unknown kind. Written into buf (size at least 64). */
const char *xz_notify_link(const char *record_kind, int64_t record_id, char *buf, size_t size);

/* xz_notify_outbound: hand up to 200 unsent notifications to the outbound
 * hook (settings key notify.webhook, an http(s) URL of an SMS or messaging
 * gateway: a JSON POST per notification) and mark them sent at now; without
 * a hook they are marked sent at once. A failing hook stops the pass (the
 * rest wait for the next). The scheduler calls it every pass. */
int xz_notify_outbound(struct xz_db *db, int64_t now);

/* The inbox, c->user's notifications. */
/* xz_inbox_list: newest first, before id `before` (0: from the newest), at
 * most limit rows, each handed to fn as the database reads it (columns id,
 * kind, title, body, problem_id, record_kind, record_id, created_at,
 * read_at; the web link is xz_notify_link's of record_kind and record_id),
 * and *unread, the unread count — counted up to XZ_UNREAD_MAX, not further
 * (*capped then): an office that never reads its messages gets one for
 * every new problem, and the badge each page asks for would otherwise
 * count every one of them on each call. */
int xz_inbox_list(struct xz_ctx *c, int64_t before, int64_t limit, xz_row_fn fn, void *arg,
		  int64_t *unread, bool *capped);
/* xz_inbox_read: mark one of c->user's notifications read (another's: no change). */
int xz_inbox_read(struct xz_ctx *c, int64_t id);
/* xz_inbox_read_all: mark all of c->user's notifications read; *n counts them. */
int xz_inbox_read_all(struct xz_ctx *c, int64_t *n);

#endif
