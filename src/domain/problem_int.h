/*
 * problem_int.h — what the problem files (problem.c, problem_report.c,
 * evidence.c) share among themselves and nobody else: the row every read
 * starts from, small JSON accessors, the history entry and notifications
 * at the context's instant.
 */
#ifndef XZ_PROBLEM_INT_H
#define XZ_PROBLEM_INT_H

#include <jansson.h>
#include <stdint.h>

#include "domain/ctx.h"
#include "domain/problem.h"
#include "domain/routing.h"

#define XZ_PROBLEM_SELECT                                                                          \
	"SELECT p.id, p.county_id, p.township_id, t.name AS township_name, p.village_id, "         \
	"p.cell_id, c.name AS cell_name, p.channel, p.category, k.name AS category_name, "         \
	"p.description, p.address, p.lon, p.lat, p.state, p.unit_id, un.name AS unit_name, "       \
	"p.department_id, p.routed_unit_id, p.power_item_id, p.list_version_id, lv.number AS "     \
	"list_version, p.routing_reason, p.reported_by, p.patrol_id, p.step, p.due_at, "           \
	"p.warn_at, p.supervised, p.supervise_note, p.supervise_due_at, p.merged_into, "           \
	"p.rework_count, p.return_count, p.handled_at, p.closed_at, p.on_time, p.score, "          \
	"p.evaluation, p.evaluated_at, p.escalation_requested_at, p.version, p.created_at, "       \
	"p.updated_at, p.assigned_due_at, p.assigned_at, p.assigned_by_department_id, ad.name "    \
	"AS assigned_by_department_name, rp.name AS rep_name, rp.phone AS rep_phone FROM "         \
	"problems p JOIN regions t ON t.id = p.township_id LEFT JOIN grid_cells c ON c.id = "      \
	"p.cell_id LEFT JOIN categories k ON k.code = p.category LEFT JOIN units un ON un.id = "   \
	"p.unit_id LEFT JOIN list_versions lv ON lv.id = p.list_version_id LEFT JOIN "             \
	"departments ad ON ad.id = p.assigned_by_department_id LEFT JOIN problem_reporters rp "    \
	"ON rp.problem_id = p.id "

static inline int64_t xz_pj_int(const json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static inline const char *xz_pj_str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* xz_problem__actor: the name history gives the acting user ("系统" for the system). */
const char *xz_problem__actor(const struct xz_ctx *c);

/* xz_problem__history: a history entry for problem id at c->now by c->user;
 * takes ownership of data (may be NULL). */
int xz_problem__history(struct xz_ctx *c, int64_t id, const char *action, const char *from,
			const char *to, const char *note, json_t *data);

/* xz_problem__notify_at: xz_problem_notify with the notification's instant. */
int xz_problem__notify_at(struct xz_db *db, int64_t now, const json_t *problem, unsigned tell,
			  const char *kind, const char *title, const char *body,
			  int64_t except_user);


/* What storing a problem reads: its route under the list in force, its
 * acceptance deadline and the township's office, who is told. */
struct xz_insert_reads {
	struct xz_routing rt;
	int64_t due, warn;
};

/* A report's reads, made before its write transaction (on a reader
 * connection: they never hold SQLite's one writer), with the reference
 * data's revision (ref_revision, migration 022) read before them. */
struct xz_report_plan {
	int64_t rev;
	struct xz_problem_in pin;
	struct xz_insert_reads reads;
};

/* xz_problem__report_read: every read of a report and none of its writes:
 * check it, locate it, find its township, check that c->user may report
 * there, route it, compute its deadline and find who is told. The plan
 * points into *in; the caller frees pl->reads.office (also on failure). */
int xz_problem__report_read(struct xz_ctx *c, const struct xz_problem_report *in,
			    struct xz_report_plan *pl);

/* xz_problem__report_write: inside the transaction. The guard: when the
 * reference data's revision moved since the plan was read, everything is
 * read again here (on the writer), so the problem stored is the one reads
 * inside the transaction give. Then the writes and the audit entry. */
int xz_problem__report_write(struct xz_ctx *c, const struct xz_problem_report *in,
			     struct xz_report_plan *pl, int64_t *id);

/* xz_problem__insert: xz_problem_insert at c->now. */
int xz_problem__insert(struct xz_ctx *c, const struct xz_problem_in *in, int64_t *id);

#endif
