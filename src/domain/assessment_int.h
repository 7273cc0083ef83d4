/*
 * assessment_int.h — what assessment.c and assessment_score.c share inside
 * the assessment module (not for other modules).
 */
#ifndef XZ_ASSESSMENT_INT_H
#define XZ_ASSESSMENT_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/authz.h"

struct xz_ctx;

/* A person-level indicator: what one officer did, read from the history
 * of the records he or she acted on. query answers (g person id, num,
 * den) with $1 township, $2 from, $3 to (and $4 now when uses_now);
 * records answers problem (or joint action, notice) rows with $1
 * township, $2 from, $3 to, $4 the person (and $5 now). */
struct xz__person_ind {
	const char *code, *name, *formula, *numerator, *denominator;
	bool percent, uses_now;
	const char *query, *records, *records_kind;
};
const struct xz__person_ind *xz__person_find(const char *code);
/* xz__indicator_known: a code a part may name, and for which subjects
 * (bit 1 unit, bit 2 person); 0 when unknown. */
unsigned xz__indicator_subjects(const char *code);
/* xz__indicator_name / percent: the indicator's name and whether it is a
 * rate (either catalogue). */
const char *xz__indicator_name(const char *code);
bool xz__indicator_percent(const char *code);
bool xz__indicator_lower_better(const char *code);

/* xz__jint / xz__jstr / xz__jnum: fields of a row (0, "" when absent). */
int64_t xz__jint(const json_t *o, const char *k);
const char *xz__jstr(const json_t *o, const char *k);
double xz__jnum(const json_t *o, const char *k);

/* xz__scheme_load: the stored scheme (parts and subjects parsed), its place
 * in *place (county, township). Caller owns *out. */
int xz__scheme_load(struct xz_ctx *c, int64_t id, struct xz_place *place, json_t **out);
/* xz__scheme_period: the scheme's period as instants [from, to). */
void xz__scheme_period(const json_t *scheme, int64_t *from, int64_t *to);
/* xz__read_scope: may the caller read the township's assessment, whole
 * (0, *unit_only = 0) or only for its own unit (0, *unit_only = its unit)?
 * 403 described otherwise. */
int xz__read_scope(struct xz_ctx *c, const struct xz_place *place, int64_t *unit_only);
/* xz__allow: 0 when the caller (or the system) holds perm at place, else 403. */
int xz__allow(struct xz_ctx *c, const char *perm, const struct xz_place *place);
/* xz__compute: the scores of every subject of the kind (see
 * xz_assessment_scores' items). Caller owns *items. */
int xz__compute(struct xz_ctx *c, const json_t *scheme, const struct xz_place *place,
		const char *subject, json_t **items);
/* xz__part_points: the points a scheme part (stored form: kind, weight,
 * rule, good/bad or per/cap) earns for a value {value, numerator}: in
 * [0, weight], rounded to hundredths. */
double xz__part_points(const json_t *part, const json_t *val);

#endif
