/*
 * org.h — the organisation and its people (R1) as record kinds for
 * domain/records.h and as use cases: the regions tree, departments (条),
 * dispatched units (块), people (org.c, people.c), the township leadership
 * group and the units' named contacts, and enforcement qualifications.
 * Use cases follow ctx.h; rows are owned by the caller, not yet presented.
 */
#ifndef XZ_ORG_H
#define XZ_ORG_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/ctx.h"
#include "domain/records.h"

/* The record kinds (regions: everyone of the county lists the county and
 * city above; departments: every role of the county reads them; units: a
 * township's users list all of the township's units). */
extern const struct xz_resource xz_kind_regions, xz_kind_departments, xz_kind_units, xz_kind_people;

/* xz_leadership_list: the leadership group rows of the townships the
 * caller may read (optionally one township; another one than the caller's
 * own gives none) and the units' named contacts. */
int xz_leadership_list(struct xz_ctx *c, int64_t township_id, json_t **rows, json_t **contacts);
/* xz_leadership_add: a person of the township joins as leader (replacing
 * the leader), deputy or member; *row the new entry. */
int xz_leadership_add(struct xz_ctx *c, int64_t township_id, int64_t person_id,
		      const char *position, json_t **row);
int xz_leadership_remove(struct xz_ctx *c, int64_t id);
/* xz_leadership_set_position: a member's position changes (leader, deputy,
 * member, office); a new leader replaces the old, who becomes a member.
 * Audited; *row the stored row (new). */
int xz_leadership_set_position(struct xz_ctx *c, int64_t id, const char *position, json_t **row);

/* An enforcement qualification as registered (strings borrowed; domains an
 * array of strings). */
struct xz_qualification_in {
	const char *cert_no, *issuer, *valid_from, *valid_to;
	json_t *domains;
};
/* xz_qualification_add: register one for a person the caller may write. */
int xz_qualification_add(struct xz_ctx *c, int64_t person_id, const struct xz_qualification_in *in,
			 json_t **row);
int xz_qualification_remove(struct xz_ctx *c, int64_t id);
/* xz_qualification_update: replace a registered qualification's content
 * (certificate, issuer, domains, period) for a person the caller may write;
 * the same checks as adding; audited with before and after. *row is the
 * stored qualification (new). */
int xz_qualification_update(struct xz_ctx *c, int64_t id, const struct xz_qualification_in *in,
			    json_t **row);
/* xz_qualification_check: {person_id, date, domain, valid, reason,
 * qualification}: is the person qualified on date (YYYY-MM-DD) for domain
 * (NULL: any)? reason: valid, auxiliary, no_qualification,
 * expired_or_not_yet_valid, domain_not_covered. */
int xz_qualification_check(struct xz_ctx *c, int64_t person_id, const char *date,
			   const char *domain, json_t **out);

#endif
