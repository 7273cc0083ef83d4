/*
 * org_linkage.h — what the organisation records beyond the roster (R1.6,
 * R9.4): each unit's funding, equipment and premises as the township and
 * the department provide them; the share of frontline enforcement staff
 * per unit and per township; and the county departments' own leading
 * groups beside the townships'. See docs/internals/inspection.md.
 */
#ifndef XZ_ORG_LINKAGE_H
#define XZ_ORG_LINKAGE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/ctx.h"

struct xz_unit_resource_in {
	const char *kind; /* funding | equipment | premises */
	const char *description;
	bool has_amount;
	double amount;		 /* yuan for funding, a count otherwise */
	const char *provided_by; /* township | department */
	int64_t year;
};

/* xz_unit_resources: the unit's resources, newest year first (*rows new). */
int xz_unit_resources(struct xz_ctx *c, int64_t unit_id, json_t **rows);

/* xz_unit_resource_add: record one resource of a unit; *id the new row.
 * Caller owns the transaction. */
int xz_unit_resource_add(struct xz_ctx *c, int64_t unit_id, const struct xz_unit_resource_in *in,
			 int64_t *id);

/* xz_unit_resource_remove: delete one resource row of the unit (404 when
 * the unit has no such row), with its audit entry. Caller owns the
 * transaction. */
int xz_unit_resource_remove(struct xz_ctx *c, int64_t unit_id, int64_t resource_id);

/* xz_frontline: {"township_id","active","frontline","share","units":[{unit_id,
 * name, active, frontline, share}]} over the units the caller may read in
 * the township (share = frontline / active, null when no one is active).
 * *out new. */
int xz_frontline(struct xz_ctx *c, int64_t township_id, json_t **out);

/* xz_dept_leadership: a county department's leading group (*rows new). */
int xz_dept_leadership(struct xz_ctx *c, int64_t department_id, json_t **rows);

/* xz_dept_leadership_add: add a person of the department to its leading
 * group; *id the new row. Caller owns the transaction. */
int xz_dept_leadership_add(struct xz_ctx *c, int64_t department_id, int64_t person_id,
			   const char *position, int64_t *id);

/* xz_dept_leadership_remove: take a person off the department's leading
 * group (404 when the group has no such row), audited. Caller owns the
 * transaction. */
int xz_dept_leadership_remove(struct xz_ctx *c, int64_t department_id, int64_t id);

#endif
