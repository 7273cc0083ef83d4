/*
 * assessment.h — the township's hold over the units stationed in it and
 * their staff (R8, R1.7; issue 12): the assessment scheme (考核办法) and its
 * life cycle, scores computed from the data with every point traceable to
 * its records, the daily-management ratings, the signs of 不作为、慢作为、
 * 乱作为, the annual results the competent department completes, and the
 * consultation on appointing, removing and recommending unit heads.
 *
 * Every use case has the shape int fn(struct xz_ctx *c, …): it checks who
 * may act through authz (the acting user is c->user; NULL is the system),
 * runs its writes through xz_ctx_tx with an audit entry, and hands back
 * JSON the caller owns. Life cycles are tables walked by domain/fsm.c.
 * See docs/internals/assessment.md.
 */
#ifndef XZ_ASSESSMENT_H
#define XZ_ASSESSMENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/authz.h"
#include "domain/fsm.h"

/* The assessment scheme's life cycle (draft → submitted → approved → closed). */
extern const struct xz_fsm xz_assessment_scheme_fsm;

struct xz_ctx;
struct xz_db;

/* A scheme as the office proposes it. parts and subjects are borrowed. */
struct xz_scheme_in {
	int64_t township_id;
	const char *name;
	const char *period_kind;    /* year, quarter, month, custom; NULL: guessed */
	int64_t start_day, end_day; /* civil days, inclusive */
	json_t *subjects;	    /* ["unit","person"] or NULL (both) */
	json_t *parts;		    /* [{indicator, weight, rule…} | {kind:"rating", weight}] */
	int64_t previous_id;	    /* a new version of this scheme (0: none) */
};

/* xz_assessment_indicators: {"items":[{code,name,formula,numerator,
 * denominator,unit,subjects:["unit","person"]}]} — what a part may name. */
json_t *xz_assessment_indicators(void);

/* Schemes. create: 201 body in *out; 422 naming parts (weights not 100),
 * parts[i].indicator, parts[i].rule …; 403 outside the caller's township. */
int xz_scheme_create(struct xz_ctx *c, const struct xz_scheme_in *in, json_t **out);
/* xz_scheme_edit: replace a draft's name, period and parts (409
 * scheme_in_use once submitted). */
int xz_scheme_edit(struct xz_ctx *c, int64_t id, const struct xz_scheme_in *in, json_t **out);
/* xz_scheme_get: the scheme with allowed_actions for the caller. */
int xz_scheme_get(struct xz_ctx *c, int64_t id, json_t **out);
/* xz_scheme_list: the schemes of the township (0: the caller's). */
int xz_scheme_list(struct xz_ctx *c, int64_t township_id, json_t **out);
/* xz_scheme_act: submit, approve, return (reason) or close. */
int xz_scheme_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in, json_t **out);

/* xz_assessment_scores: {"scheme":{…},"items":[{subject:{id,name,unit_id},
 * total, parts:[{indicator,name,weight,value,numerator,denominator,points,
 * formula}]}]} for subject "unit" or "person"; a unit's own people see
 * only their unit. */
int xz_assessment_scores(struct xz_ctx *c, int64_t scheme_id, const char *subject, json_t **out);
/* xz_assessment_records: the records behind one part of one subject's
 * score: {"kind":"problem"|"joint_action"|"notice"|"rating","items":[…]}. */
int xz_assessment_records(struct xz_ctx *c, int64_t scheme_id, const char *subject,
			  int64_t subject_id, const char *indicator, json_t **out);

/* A daily-management rating. */
struct xz_rating_in {
	int64_t scheme_id;
	const char *subject; /* "unit" or "person" */
	int64_t subject_id;
	double score; /* 0..100 */
	const char *remarks;
	const char *event_kind; /* problem, joint_action, notice or NULL */
	int64_t event_id;
};
/* xz_rating_create: the office or the leadership group rates a unit or a
 * person of its own township during an approved scheme. */
int xz_rating_create(struct xz_ctx *c, const struct xz_rating_in *in, json_t **out);
/* xz_rating_list: ratings under a scheme (a unit sees its own). */
int xz_rating_list(struct xz_ctx *c, int64_t scheme_id, int64_t unit_id, json_t **out);

/* Signs of 不作为、慢作为、乱作为. xz_flags_scan: apply the rules to the
 * township now, record new flags (notifying the unit's head and the
 * office) and refresh the evidence of open ones; *found counts new flags. */
int xz_flags_scan(struct xz_ctx *c, int64_t township_id, int *found);
/* xz_flags_list: the flags of the township (scanned first), newest first. */
int xz_flags_list(struct xz_ctx *c, int64_t township_id, const char *state, json_t **out);
/* xz_flag_act: supervise (leader, note) or close (office or leader, note). */
int xz_flag_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in, json_t **out);
/* xz_assessment_tick: the scheduler's pass: scan every township. */
int xz_assessment_tick(struct xz_db *db, int64_t now, int *found);

/* Annual results. generate: one draft result per subject of an approved
 * scheme, from its scores (existing drafts are refreshed). */
int xz_results_generate(struct xz_ctx *c, int64_t scheme_id, json_t **out);
/* xz_results_list: filters may be 0/NULL; the caller's place limits them. */
struct xz_results_filter {
	int64_t scheme_id, township_id, unit_id, person_id, year;
	const char *subject, *state;
};
int xz_results_list(struct xz_ctx *c, const struct xz_results_filter *f, json_t **out);
int xz_result_get(struct xz_ctx *c, int64_t id, json_t **out);
/* xz_result_act: finalise (office, grade), return (leader, reason), send
 * (leader: to the department's inbox), department_final (the department
 * of the line, grade). Final results never change. */
int xz_result_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in, json_t **out);
/* Exports of a scheme's results: XLSX (text cells never formulas) and PDF. */
int xz_results_xlsx(struct xz_ctx *c, int64_t scheme_id, unsigned char **buf, size_t *len);
int xz_results_pdf(struct xz_ctx *c, int64_t scheme_id, unsigned char **buf, size_t *len);

/* Personnel consultation (R1.7). */
struct xz_consult_in {
	const char
	    *kind; /* appointment, removal (the department asks), recommendation (the township) */
	int64_t unit_id, person_id;
	const char *person_name, *post, *note;
};
int xz_consult_create(struct xz_ctx *c, const struct xz_consult_in *in, json_t **out);
int xz_consult_list(struct xz_ctx *c, int64_t township_id, json_t **out);
/* xz_consult_act: opinion (office: opinion text, agree) or decide
 * (department: decision text). */
int xz_consult_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in, json_t **out);

#endif
