/*
 * routes_assessment.c — the assessment of dispatched units and staff over
 * HTTP (R8, R1.7; issue 12). Each handler checks its declared input shape,
 * makes one call to domain/assessment.c (which decides who may act through
 * authz and the life-cycle tables) and presents the answer.
 */
#include <string.h>

#include "core/xz.h"
#include "core/limits.h"
#include "core/xtime.h"
#include "domain/assessment.h"
#include "http/http.h"
#include "http/resource.h"

static int parse_date(struct xz_req *r, const char *s, const char *field, int64_t *day)
{
	if (s && xz_date_parse(s, day) == 0)
		return 0;
	return xz_fail(r, XZ_EMALFORMED, "invalid_date",
		       xz_arena_printf(r->arena, "%s须为日期（YYYY-MM-DD）", field),
		       xz_arena_printf(r->arena, "%s must be a date (YYYY-MM-DD)", field), field);
}

static int scheme_in(struct xz_req *r, struct xz_scheme_in *in, bool create)
{
	json_int_t town = 0, prev = 0, version = 0;
	const char *start = NULL, *end = NULL;
	int rc;
	if (create)
		rc = xz_req_unpack(r, "{s?I,s:s,s:s,s:s,s?s,s?o,s:o,s?I}", "township_id", &town,
				   "name", &in->name, "period_start", &start, "period_end", &end,
				   "period_kind", &in->period_kind, "subjects", &in->subjects,
				   "parts", &in->parts, "previous_id", &prev);
	else
		rc = xz_req_unpack(r, "{s:s,s:s,s:s,s?s,s?o,s:o,s?I}", "name", &in->name,
				   "period_start", &start, "period_end", &end, "period_kind",
				   &in->period_kind, "subjects", &in->subjects, "parts", &in->parts,
				   "version", &version);
	if (rc < 0 || (rc = parse_date(r, start, "period_start", &in->start_day)) < 0 ||
	    (rc = parse_date(r, end, "period_end", &in->end_day)) < 0)
		return rc;
	in->township_id = town;
	in->previous_id = prev;
	return 0;
}

static int scheme_create(struct xz_req *r)
{
	struct xz_scheme_in in = {0};
	json_t *out = NULL;
	int rc;
	if ((rc = scheme_in(r, &in, true)) < 0 ||
	    (rc = xz_scheme_create(xz_req_ctx(r), &in, &out)) < 0)
		return rc;
	return xz_reply(r, 201, xz_present(out));
}

static int scheme_edit(struct xz_req *r)
{
	struct xz_scheme_in in = {0};
	json_t *out = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = scheme_in(r, &in, false)) < 0 ||
	    (rc = xz_scheme_edit(xz_req_ctx(r), id, &in, &out)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(out));
}

static int scheme_get(struct xz_req *r)
{
	json_t *out = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_scheme_get(xz_req_ctx(r), id, &out)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(out));
}

static int scheme_list(struct xz_req *r)
{
	json_t *rows = NULL;
	int64_t town;
	int rc;
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0 ||
	    (rc = xz_scheme_list(xz_req_ctx(r), town, &rows)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

static int scheme_action(struct xz_req *r)
{
	const char *action = NULL, *reason = NULL;
	json_t *out = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s}", "action", &action, "reason", &reason)) < 0 ||
	    (rc = xz_scheme_act(xz_req_ctx(r), id, action, r->in, &out)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(out));
}

static int indicators(struct xz_req *r)
{
	return xz_reply(r, 200, xz_assessment_indicators());
}

static int scores(struct xz_req *r)
{
	const char *subject = xz_req_query(r, "subject");
	json_t *out = NULL;
	int64_t scheme;
	int rc;
	if ((rc = xz_req_query_id(r, "scheme_id", &scheme)) < 0)
		return rc;
	if (!scheme)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "须指定scheme_id",
			       "scheme_id is required", "scheme_id");
	if ((rc = xz_assessment_scores(xz_req_ctx(r), scheme, subject ? subject : "unit", &out)) <
	    0)
		return rc;
	return xz_reply(r, 200, out);
}

static int score_records(struct xz_req *r)
{
	const char *indicator = xz_req_query(r, "indicator");
	json_t *out = NULL;
	int64_t scheme, id;
	int rc;
	if ((rc = xz_req_query_id(r, "scheme_id", &scheme)) < 0 ||
	    (rc = xz_req_query_id(r, "id", &id)) < 0)
		return rc;
	if (!scheme || !id || !indicator)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "须指定scheme_id、id和indicator",
			       "scheme_id, id and indicator are required",
			       !scheme ? "scheme_id"
			       : !id   ? "id"
				       : "indicator");
	if ((rc = xz_assessment_records(xz_req_ctx(r), scheme, xz_req_query(r, "subject"), id,
					indicator, &out)) < 0)
		return rc;
	xz_present_all(json_object_get(out, "items"));
	return xz_reply(r, 200, out);
}

static int rating_create(struct xz_req *r)
{
	struct xz_rating_in in = {0};
	json_int_t scheme = 0, subject_id = 0, event_id = 0;
	json_t *out = NULL;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:I,s:s,s:I,s:F,s?s,s?s,s?I}", "scheme_id", &scheme, "subject",
				&in.subject, "subject_id", &subject_id, "score", &in.score,
				"remarks", &in.remarks, "event_kind", &in.event_kind, "event_id",
				&event_id)) < 0)
		return rc;
	in.scheme_id = scheme;
	in.subject_id = subject_id;
	in.event_id = event_id;
	if ((rc = xz_rating_create(xz_req_ctx(r), &in, &out)) < 0)
		return rc;
	return xz_reply(r, 201, xz_present(out));
}

static int rating_list(struct xz_req *r)
{
	json_t *rows = NULL;
	int64_t scheme, unit;
	int rc;
	if ((rc = xz_req_query_id(r, "scheme_id", &scheme)) < 0 ||
	    (rc = xz_req_query_id(r, "unit_id", &unit)) < 0)
		return rc;
	if (!scheme)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "须指定scheme_id",
			       "scheme_id is required", "scheme_id");
	if ((rc = xz_rating_list(xz_req_ctx(r), scheme, unit, &rows)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

static int flag_list(struct xz_req *r)
{
	json_t *rows = NULL;
	int64_t town;
	int rc;
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0 ||
	    (rc = xz_flags_list(xz_req_ctx(r), town, xz_req_query(r, "state"), &rows)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

static int flag_action(struct xz_req *r)
{
	const char *action = NULL, *note = NULL;
	json_t *out = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s}", "action", &action, "note", &note)) < 0 ||
	    (rc = xz_flag_act(xz_req_ctx(r), id, action, r->in, &out)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(out));
}

static int result_generate(struct xz_req *r)
{
	json_int_t scheme = 0;
	json_t *rows = NULL;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:I}", "scheme_id", &scheme)) < 0 ||
	    (rc = xz_results_generate(xz_req_ctx(r), scheme, &rows)) < 0)
		return rc;
	return xz_reply(r, 201, json_pack("{s:o}", "items", xz_present_all(rows)));
}

static int result_list(struct xz_req *r)
{
	struct xz_results_filter f = {0};
	const char *year = xz_req_query(r, "year");
	json_t *rows = NULL;
	int rc;
	if ((rc = xz_req_query_id(r, "scheme_id", &f.scheme_id)) < 0 ||
	    (rc = xz_req_query_id(r, "township_id", &f.township_id)) < 0 ||
	    (rc = xz_req_query_id(r, "unit_id", &f.unit_id)) < 0 ||
	    (rc = xz_req_query_id(r, "person_id", &f.person_id)) < 0 ||
	    (rc = xz_req_query_id(r, "year", &f.year)) < 0)
		return rc;
	(void)year;
	f.subject = xz_req_query(r, "subject");
	f.state = xz_req_query(r, "state");
	if ((rc = xz_results_list(xz_req_ctx(r), &f, &rows)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

static int result_get(struct xz_req *r)
{
	json_t *out = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 || (rc = xz_result_get(xz_req_ctx(r), id, &out)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(out));
}

static int result_action(struct xz_req *r)
{
	const char *action = NULL, *grade = NULL, *remarks = NULL, *reason = NULL;
	json_t *out = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s,s?s,s?s}", "action", &action, "grade", &grade,
				"remarks", &remarks, "reason", &reason)) < 0 ||
	    (rc = xz_result_act(xz_req_ctx(r), id, action, r->in, &out)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(out));
}

static int result_export(struct xz_req *r, bool pdf)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int64_t scheme;
	int rc;
	if ((rc = xz_req_query_id(r, "scheme_id", &scheme)) < 0)
		return rc;
	if (!scheme)
		return xz_fail(r, XZ_EMALFORMED, "invalid_query", "须指定scheme_id",
			       "scheme_id is required", "scheme_id");
	rc = pdf ? xz_results_pdf(xz_req_ctx(r), scheme, &buf, &len)
		 : xz_results_xlsx(xz_req_ctx(r), scheme, &buf, &len);
	if (rc < 0)
		return rc;
	xz_req_header_add(r, "Content-Disposition",
			  xz_arena_printf(r->arena, "attachment; filename=\"assessment-%lld.%s\"",
					  (long long)scheme, pdf ? "pdf" : "xlsx"));
	return xz_reply_bytes(
	    r, 200,
	    pdf ? "application/pdf"
		: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	    buf, len, true);
}

static int result_pdf(struct xz_req *r)
{
	return result_export(r, true);
}

static int result_xlsx(struct xz_req *r)
{
	return result_export(r, false);
}

static int consult_create(struct xz_req *r)
{
	struct xz_consult_in in = {0};
	json_int_t unit = 0, person = 0;
	json_t *out = NULL;
	int rc;
	if ((rc = xz_req_unpack(r, "{s:s,s:I,s:s,s?I,s?s,s?s}", "kind", &in.kind, "unit_id", &unit,
				"person_name", &in.person_name, "person_id", &person, "post",
				&in.post, "note", &in.note)) < 0)
		return rc;
	in.unit_id = unit;
	in.person_id = person;
	if ((rc = xz_consult_create(xz_req_ctx(r), &in, &out)) < 0)
		return rc;
	return xz_reply(r, 201, xz_present(out));
}

static int consult_list(struct xz_req *r)
{
	json_t *rows = NULL;
	int64_t town;
	int rc;
	if ((rc = xz_req_query_id(r, "township_id", &town)) < 0 ||
	    (rc = xz_consult_list(xz_req_ctx(r), town, &rows)) < 0)
		return rc;
	return xz_reply(r, 200, json_pack("{s:o}", "items", xz_present_all(rows)));
}

static int consult_action(struct xz_req *r)
{
	const char *action = NULL, *opinion = NULL, *decision = NULL;
	int agree = 0;
	json_t *out = NULL;
	int64_t id;
	int rc;
	if ((rc = xz_req_id(r, 0, &id)) < 0 ||
	    (rc = xz_req_unpack(r, "{s:s,s?s,s?b,s?s}", "action", &action, "opinion", &opinion,
				"agree", &agree, "decision", &decision)) < 0 ||
	    (rc = xz_consult_act(xz_req_ctx(r), id, action, r->in, &out)) < 0)
		return rc;
	return xz_reply(r, 200, xz_present(out));
}

const struct xz_route xz_routes_assessment[] = {
    {"GET", "/api/v1/assessment/indicators", indicators, "assessment.read", 0},
    {"GET", "/api/v1/assessment/schemes", scheme_list, "assessment.read", 0},
    {"POST", "/api/v1/assessment/schemes", scheme_create, "assessment.write", 0},
    {"GET", "/api/v1/assessment/schemes/{id}", scheme_get, "assessment.read", 0},
    {"PUT", "/api/v1/assessment/schemes/{id}", scheme_edit, "assessment.write", 0},
    {"POST", "/api/v1/assessment/schemes/{id}/actions", scheme_action, "assessment.read", 0},
    {"GET", "/api/v1/assessment/scores", scores, "assessment.read", 0},
    {"GET", "/api/v1/assessment/scores/records", score_records, "assessment.read", 0},
    {"GET", "/api/v1/assessment/ratings", rating_list, "assessment.read", 0},
    {"POST", "/api/v1/assessment/ratings", rating_create, "assessment.rate", 0},
    {"GET", "/api/v1/assessment/flags", flag_list, "assessment.read", 0},
    {"POST", "/api/v1/assessment/flags/{id}/actions", flag_action, "assessment.read", 0},
    {"GET", "/api/v1/assessment/results", result_list, "assessment.read", 0},
    {"POST", "/api/v1/assessment/results", result_generate, "assessment.write", 0},
    {"GET", "/api/v1/assessment/results/export.xlsx", result_xlsx, "assessment.read", 0},
    {"GET", "/api/v1/assessment/results/export.pdf", result_pdf, "assessment.read", 0},
    {"GET", "/api/v1/assessment/results/{id}", result_get, "assessment.read", 0},
    {"POST", "/api/v1/assessment/results/{id}/actions", result_action, "assessment.read", 0},
    {"GET", "/api/v1/assessment/consultations", consult_list, "assessment.read", 0},
    {"POST", "/api/v1/assessment/consultations", consult_create, "assessment.read", 0},
    {"POST", "/api/v1/assessment/consultations/{id}/actions", consult_action, "assessment.read", 0},
    {NULL, NULL, NULL, NULL, 0},
};
