/*
 * inspection.h — a competent department's inspections of a township
 * platform (督促检查, R9.3, seed §3.5): findings with a rectification
 * deadline that the township's office replies to and the department
 * accepts or reopens. See docs/internals/inspection.md.
 */
#ifndef XZ_INSPECTION_H
#define XZ_INSPECTION_H

#include <jansson.h>
#include <stdint.h>

#include "domain/ctx.h"
#include "domain/fsm.h"
#include "store/db.h"

/* The life cycle of one finding: open → replied → accepted (reopen:
 * replied → open). */
extern const struct xz_fsm xz_inspection_finding_fsm;

struct xz_inspection_in {
	int64_t township_id;
	const char *inspected_on; /* YYYY-MM-DD */
	const char *scope;
	json_t *findings; /* [{"text","due_at"}] (borrowed) */
};

/* xz_inspection_create: record an inspection with its findings (each open
 * with its deadline) and tell the township's office. Caller owns the
 * transaction. On 0 *id is the new inspection. */
int xz_inspection_create(struct xz_ctx *c, const struct xz_inspection_in *in, int64_t *id);

/* xz_inspection_get: the inspection with its findings (state, label,
 * overdue, light, allowed actions, history). *out is new (caller owns). */
int xz_inspection_get(struct xz_ctx *c, int64_t id, json_t **out);

/* xz_inspection_list: inspections the caller may read, newest first,
 * each with counts of open and overdue findings, handed to fn as read. */
int xz_inspection_list(struct xz_ctx *c, int64_t township_id, int64_t after, int64_t limit,
		       xz_row_fn fn, void *arg);

/* xz_inspection_finding_act: walk a finding (reply, accept, reopen) with
 * `in` ({"note"} for reply, {"reason"} for reopen). Caller owns the
 * transaction. *inspection_id is the finding's inspection. */
int xz_inspection_finding_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in,
			      int64_t *inspection_id);

#endif
