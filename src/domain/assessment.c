/*
 * assessment.c — the township's assessment scheme (考核办法), the daily
 * ratings, the annual results and the personnel consultation (R8.1–R8.4,
 * R1.7; issue 12). Scores are assessment_score.c; the signs of 不作为、
 * 慢作为、乱作为 are assessment_flags.c.
 *
 * Three life cycles are tables walked by domain/fsm.c:
 *   scheme        draft → submitted (the office) → approved (the leader; in
 *                 use, immutable) → closed; the leader may return it with a
 *                 reason. A new version is a new scheme naming the previous
 *                 one, for a period after the previous one's.
 *   result        draft (from the scores) → finalised (the office grades)
 *                 → sent (the leader approves; the department is told) →
 *                 final (the department of the unit's line records its own
 *                 grade beside the township's; nothing changes after).
 *   consultation  requested (the department asks) → opinion_given (the
 *                 township) → decided (the department); or recommended
 *                 (the township) → decided.
 * Who may take a row is its authz permission on the record's place:
 * assessment.write (the office), assessment.approve (the leadership
 * group), assessment.rate (both), assessment.final (the department, its
 * own line). Every change is audited in its transaction.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "core/xz.h"
#include "core/limits.h"
#include "core/xtime.h"
#include "domain/assessment.h"
#include "domain/assessment_int.h"
#include "domain/ctx.h"
#include "domain/fsm.h"
#include "domain/notify.h"
#include "domain/officialdoc.h"
#include "store/db.h"

#define jint xz__jint
#define jstr xz__jstr
#define jnum xz__jnum

int xz__allow(struct xz_ctx *c, const char *perm, const struct xz_place *place)
{
	if (!c->user || xz_authz(c->user, perm, place))
		return 0;
	return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权执行此操作", "Not allowed", NULL);
}

int xz__read_scope(struct xz_ctx *c, const struct xz_place *place, int64_t *unit_only)
{
	*unit_only = 0;
	if (!c->user || xz_authz(c->user, "assessment.read", place))
		return 0;
	/* a unit's people see their own unit's rows of their own township */
	if (c->user->unit_id && c->user->township_id == place->township_id &&
	    xz_authz(c->user, "assessment.read", &(struct xz_place){.unit_id = c->user->unit_id})) {
		*unit_only = c->user->unit_id;
		return 0;
	}
	return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权查看此考核", "Not allowed", NULL);
}

static int town_place(struct xz_ctx *c, int64_t town, struct xz_place *p)
{
	json_t *row = NULL;
	int rc = xz_db_one(c->db,
			   "SELECT id, county_id FROM regions WHERE id = $1 AND level = 'township'",
			   XZ_ARGS(XZ_INT(town)), &row);
	memset(p, 0, sizeof(*p));
	if (rc < 0)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_township", "乡镇（街道）不存在",
				   "No such township", "township_id");
	p->county_id = jint(row, "county_id");
	p->township_id = town;
	json_decref(row);
	return 0;
}

/* ---- schemes --------------------------------------------------------------- */

enum { F_REASON = 1, F_GRADE = 2, F_OPINION = 4, F_AGREE = 8, F_DECISION = 16, F_NOTE = 32 };

static const struct xz_fsm_field fields[] = {
    {F_REASON, "reason", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "reason_required", "须说明理由",
     "A reason is required"},
    {F_GRADE, "grade", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "grade_required",
     "须给出考核等次（优秀、称职、基本称职、不称职）",
     "A grade is required (优秀, 称职, 基本称职 or 不称职)"},
    {F_OPINION, "opinion", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "opinion_required", "须填写乡镇意见",
     "The township's opinion is required"},
    {F_AGREE, "agree", XZ_FSM_BOOL, 0, 0, XZ_ERULE, "agree_required", "须说明是否同意（agree）",
     "Say whether the township agrees (agree)"},
    {F_DECISION, "decision", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "decision_required", "须填写主管部门决定",
     "The department's decision is required"},
    {F_NOTE, "note", XZ_FSM_TEXT, 0, 0, XZ_ERULE, "note_required", "须填写说明",
     "A note is required"},
};

static const char *const scheme_states[] = {"draft", "submitted", "approved", "closed", NULL};
static const char *const scheme_labels[] = {"草稿", "待审批", "已批准（执行中）", "已结束", NULL};

static const struct xz_fsm_row scheme_rows[] = {
    {0, "draft", "submit", XZ_FSM_ANY, "submitted", "assessment.write", 0, 0, NULL, NULL, 0, 0,
     "提交审批"},
    {0, "submitted", "approve", XZ_FSM_ANY, "approved", "assessment.approve", 0, 0, NULL, NULL, 0,
     0, "批准"},
    {0, "submitted", "return", XZ_FSM_ANY, "draft", "assessment.approve", 0, F_REASON, NULL, NULL,
     0, 0, "退回修改"},
    {0, "approved", "close", XZ_FSM_ANY, "closed", "assessment.write", 0, 0, NULL, NULL, 0, 0,
     "结束"},
    {0, "approved", "close", XZ_FSM_ANY, "closed", "assessment.approve", 0, 0, NULL, NULL, 0, 0,
     "结束"},
};

const struct xz_fsm xz_assessment_scheme_fsm = {"assessment_scheme",
					 scheme_rows,
					 XZ_ARRAY_LEN(scheme_rows),
					 scheme_states,
					 scheme_labels,
					 "draft submitted approved",
					 NULL,
					 fields,
					 XZ_ARRAY_LEN(fields)};

#define SCHEME_SELECT                                                                              \
	"SELECT id, county_id, township_id, name, period_kind, period_start, period_end, "         \
	"subjects_json, parts_json, state, scheme_version, previous_id, return_reason, "           \
	"created_by, submitted_at, approved_by, approved_at, closed_at, version, created_at, "     \
	"updated_at FROM assessment_schemes "

static void parse_json_col(json_t *row, const char *col, const char *key)
{
	json_t *v = json_loads(jstr(row, col), 0, NULL);
	json_object_set_new(row, key, v ? v : json_array());
	json_object_del(row, col);
}

int xz__scheme_load(struct xz_ctx *c, int64_t id, struct xz_place *place, json_t **out)
{
	json_t *row = NULL;
	int rc = xz_db_one(c->db, SCHEME_SELECT "WHERE id = $1", XZ_ARGS(XZ_INT(id)), &row);
	*out = NULL;
	if (rc < 0)
		return rc == XZ_ENOTFOUND
			   ? xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "考核办法不存在",
					 "No such assessment scheme", "scheme_id")
			   : xz_ctx_fail_db(c, rc);
	parse_json_col(row, "parts_json", "parts");
	parse_json_col(row, "subjects_json", "subjects");
	if (place) {
		memset(place, 0, sizeof(*place));
		place->county_id = jint(row, "county_id");
		place->township_id = jint(row, "township_id");
	}
	*out = row;
	return 0;
}

void xz__scheme_period(const json_t *scheme, int64_t *from, int64_t *to)
{
	int64_t s = 0, e = 0;
	xz_date_parse(jstr(scheme, "period_start"), &s);
	xz_date_parse(jstr(scheme, "period_end"), &e);
	*from = xz_day_start(s);
	*to = xz_day_start(e + 1);
}

static const char *guess_kind(int64_t s, int64_t e)
{
	int y1, m1, d1, y2, m2, d2, y3, m3, d3;
	xz_civil_from_days(s, &y1, &m1, &d1);
	xz_civil_from_days(e, &y2, &m2, &d2);
	xz_civil_from_days(e + 1, &y3, &m3, &d3);
	if (d1 != 1 || d3 != 1)
		return "custom";
	if (y1 == y2 && m1 == 1 && m2 == 12)
		return "year";
	if (y1 == y2 && m1 == m2)
		return "month";
	if (y1 == y2 && m2 == m1 + 2 && (m1 - 1) % 3 == 0)
		return "quarter";
	return "custom";
}

static int part_fail(struct xz_ctx *c, size_t i, const char *key, const char *code, const char *zh,
		     const char *en)
{
	return xz_ctx_fail(c, XZ_ERULE, code, zh, en,
			   key ? xz_arena_printf(c->arena, "parts[%zu].%s", i, key)
			       : xz_arena_printf(c->arena, "parts[%zu]", i));
}

/* num_or: a number field of a part, or dflt when absent; -1 when present
 * but not a number. */
static int num_or(const json_t *o, const char *k, double dflt, double *v)
{
	json_t *x = json_object_get(o, k);
	if (!x) {
		*v = dflt;
		return 0;
	}
	if (!json_is_number(x))
		return -1;
	*v = json_number_value(x);
	return isfinite(*v) ? 0 : -1;
}

/* check_parts: the parts as the office wrote them → the stored form, each
 * with its rule filled in; 422 naming the field at fault. */
static int check_parts(struct xz_ctx *c, json_t *parts, unsigned subj, json_t **norm)
{
	static const char *const keys[] = {"kind", "indicator", "weight", "rule", "good",
					   "bad",  "per",	"cap",	  NULL};
	json_t *out = json_array(), *p, *v;
	double sum = 0;
	size_t i, k;
	bool rating = false;
	const char *key;
	int rc = 0;
	*norm = NULL;
	if (!json_is_array(parts) || !json_array_size(parts) || json_array_size(parts) > 32) {
		rc = xz_ctx_fail(c, XZ_ERULE, "invalid_parts", "parts须为1至32项的数组",
				 "parts must be an array of 1 to 32 items", "parts");
		goto out;
	}
	json_array_foreach(parts, i, p)
	{
		const char *kind, *code, *rule;
		double w, a, b;
		if (!json_is_object(p)) {
			rc = part_fail(c, i, NULL, "invalid_part", "每一项须为对象",
				       "Each part must be an object");
			goto out;
		}
		json_object_foreach(p, key, v)
		{
			for (k = 0; keys[k] && strcmp(keys[k], key); k++)
				;
			if (!keys[k]) {
				rc = part_fail(c, i, key, "unknown_field", "未知字段",
					       "Unknown field");
				goto out;
			}
		}
		kind = json_object_get(p, "kind") ? json_string_value(json_object_get(p, "kind"))
						  : "indicator";
		if (!kind || (strcmp(kind, "indicator") && strcmp(kind, "rating"))) {
			rc = part_fail(c, i, "kind", "invalid_kind", "kind须为indicator或rating",
				       "kind must be indicator or rating");
			goto out;
		}
		if (num_or(p, "weight", -1, &w) < 0 || w <= 0 || w > 100) {
			rc = part_fail(c, i, "weight", "invalid_weight", "权重须为0至100之间的数",
				       "weight must be a number above 0 and at most 100");
			goto out;
		}
		sum += w;
		if (!strcmp(kind, "rating")) {
			if (rating) {
				rc = part_fail(c, i, "kind", "duplicate_rating",
					       "日常评价只能有一项", "Only one rating part");
				goto out;
			}
			rating = true;
			json_array_append_new(out, json_pack("{s:s,s:s,s:f}", "kind", "rating",
							     "indicator", "rating", "weight", w));
			continue;
		}
		code = json_string_value(json_object_get(p, "indicator"));
		if (!code || !xz__indicator_subjects(code) ||
		    !(xz__indicator_subjects(code) & subj)) {
			rc = part_fail(
			    c, i, "indicator", "unknown_indicator",
			    xz_arena_printf(c->arena, "未知指标或不适用于考核对象：%s",
					    code ? code : ""),
			    xz_arena_printf(c->arena,
					    "Unknown indicator, or none of the subjects has "
					    "it: %s",
					    code ? code : ""));
			goto out;
		}
		json_array_foreach(out, k, v) if (!strcmp(jstr(v, "indicator"), code))
		{
			rc = part_fail(c, i, "indicator", "duplicate_indicator", "指标重复",
				       "The indicator appears twice");
			goto out;
		}
		rule = json_object_get(p, "rule")    ? json_string_value(json_object_get(p, "rule"))
		       : xz__indicator_percent(code) ? "linear"
						     : "per_event";
		if (!rule || (strcmp(rule, "linear") && strcmp(rule, "per_event"))) {
			rc = part_fail(c, i, "rule", "invalid_rule", "rule须为linear或per_event",
				       "rule must be linear or per_event");
			goto out;
		}
		if (!strcmp(rule, "linear")) {
			bool low = xz__indicator_lower_better(code);
			if (num_or(p, "good", low ? 0 : 100, &a) < 0 ||
			    num_or(p, "bad", low ? 100 : 0, &b) < 0 || a == b) {
				rc = part_fail(c, i, "good", "invalid_thresholds",
					       "good与bad须为不相等的数",
					       "good and bad must be different numbers");
				goto out;
			}
			json_array_append_new(out,
					      json_pack("{s:s,s:s,s:f,s:s,s:f,s:f}", "kind",
							"indicator", "indicator", code, "weight", w,
							"rule", "linear", "good", a, "bad", b));
		} else {
			bool low = xz__indicator_lower_better(code);
			if (num_or(p, "per", low ? -1 : 1, &a) < 0 || a == 0) {
				rc = part_fail(c, i, "per", "invalid_per", "per须为非零的数",
					       "per must be a non-zero number");
				goto out;
			}
			if (num_or(p, "cap", a < 0 ? -w : w, &b) < 0 || (a < 0) != (b < 0) ||
			    b == 0) {
				rc = part_fail(c, i, "cap", "invalid_cap", "cap须与per同号且非零",
					       "cap must be non-zero with the sign of per");
				goto out;
			}
			json_array_append_new(out,
					      json_pack("{s:s,s:s,s:f,s:s,s:f,s:f}", "kind",
							"indicator", "indicator", code, "weight", w,
							"rule", "per_event", "per", a, "cap", b));
		}
	}
	if (fabs(sum - 100.0) > 1e-6) {
		rc = xz_ctx_fail(
		    c, XZ_ERULE, "weights_not_100",
		    xz_arena_printf(c->arena, "各项权重之和须为100（现为%g）", sum),
		    xz_arena_printf(c->arena, "The weights must sum to 100 (they sum to %g)", sum),
		    "parts");
		goto out;
	}
	*norm = out;
	out = NULL;
out:
	json_decref(out);
	return rc;
}

/* check_subjects: ["unit","person"] (NULL: both) → bits 1 unit, 2 person */
static int check_subjects(struct xz_ctx *c, json_t *s, unsigned *bits, json_t **norm)
{
	json_t *v;
	size_t i;
	*bits = 0;
	if (!s) {
		*bits = 3;
		*norm = json_pack("[s,s]", "unit", "person");
		return 0;
	}
	json_array_foreach(s, i, v)
	{
		const char *k = json_string_value(v);
		if (k && !strcmp(k, "unit"))
			*bits |= 1;
		else if (k && !strcmp(k, "person"))
			*bits |= 2;
		else
			*bits |= 8;
	}
	if (!json_is_array(s) || !*bits || (*bits & 8))
		return xz_ctx_fail(c, XZ_ERULE, "invalid_subjects",
				   "subjects须为unit、person组成的数组",
				   "subjects must be an array of unit and person", "subjects");
	*norm = json_pack("[]");
	if (*bits & 1)
		json_array_append_new(*norm, json_string("unit"));
	if (*bits & 2)
		json_array_append_new(*norm, json_string("person"));
	return 0;
}

struct scheme_tx {
	const struct xz_scheme_in *in;
	struct xz_place place;
	const char *kind;
	char *parts, *subjects;
	int64_t id, version_no;
	json_t *before;
};

static int check_scheme(struct xz_ctx *c, const struct xz_scheme_in *in, struct scheme_tx *t)
{
	json_t *norm = NULL, *subj = NULL;
	unsigned bits;
	int rc;
	if (!in->name || !*in->name || strlen(in->name) > XZ_MAX_NAME)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_name", "须填写名称（至多200字节）",
				   "A name of at most 200 bytes is required", "name");
	if (in->end_day < in->start_day)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_period", "考核期间的结束日期早于开始日期",
				   "The period ends before it starts", "period_end");
	if (in->end_day - in->start_day >= 5 * 366)
		return xz_ctx_fail(c, XZ_ERULE, "period_too_long", "考核期间不得超过5年",
				   "The period must not exceed 5 years", "period_end");
	if (in->period_kind && strcmp(in->period_kind, "year") &&
	    strcmp(in->period_kind, "quarter") && strcmp(in->period_kind, "month") &&
	    strcmp(in->period_kind, "custom"))
		return xz_ctx_fail(c, XZ_ERULE, "invalid_period_kind",
				   "period_kind须为year、quarter、month或custom",
				   "period_kind must be year, quarter, month or custom",
				   "period_kind");
	t->kind = in->period_kind ? in->period_kind : guess_kind(in->start_day, in->end_day);
	if ((rc = check_subjects(c, in->subjects, &bits, &subj)) < 0 ||
	    (rc = check_parts(c, in->parts, bits, &norm)) < 0) {
		json_decref(subj);
		return rc;
	}
	t->parts = json_dumps(norm, JSON_COMPACT);
	t->subjects = json_dumps(subj, JSON_COMPACT);
	json_decref(norm);
	json_decref(subj);
	return 0;
}

static int scheme_insert(struct xz_ctx *c, void *arg)
{
	struct scheme_tx *t = arg;
	const struct xz_scheme_in *in = t->in;
	char a[XZ_DATE_LEN], b[XZ_DATE_LEN];
	json_t *row = NULL;
	int rc = xz_db_one(
	    c->db,
	    "INSERT INTO assessment_schemes (county_id, township_id, name, period_kind, "
	    "period_start, period_end, subjects_json, parts_json, scheme_version, previous_id, "
	    "created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
	    "$11, $12, $12) RETURNING id",
	    XZ_ARGS(XZ_INT(t->place.county_id), XZ_INT(t->place.township_id), XZ_TEXT(in->name),
		    XZ_TEXT(t->kind), XZ_TEXT(xz_date_format(in->start_day, a)),
		    XZ_TEXT(xz_date_format(in->end_day, b)), XZ_TEXT(t->subjects),
		    XZ_TEXT(t->parts), XZ_INT(t->version_no), XZ_ID(in->previous_id),
		    XZ_ID(c->user ? c->user->id : 0), XZ_INT(c->now)),
	    &row);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	t->id = jint(row, "id");
	json_decref(row);
	return xz_ctx_audit_new(c, "assessment.scheme.create", "assessment_scheme", t->id, NULL,
				json_pack("{s:s,s:s,s:s,s:s}", "name", in->name, "period_start", a,
					  "period_end", b, "parts", t->parts));
}

int xz_scheme_create(struct xz_ctx *c, const struct xz_scheme_in *in, json_t **out)
{
	struct scheme_tx t = {.in = in, .version_no = 1};
	int rc;
	*out = NULL;
	if ((rc = town_place(c,
			     in->township_id ? in->township_id
			     : c->user	     ? c->user->township_id
					     : 0,
			     &t.place)) < 0 ||
	    (rc = xz__allow(c, "assessment.write", &t.place)) < 0 ||
	    (rc = check_scheme(c, in, &t)) < 0)
		goto out;
	if (in->previous_id) {
		json_t *prev = NULL;
		struct xz_place pp;
		int64_t pe = 0;
		if ((rc = xz__scheme_load(c, in->previous_id, &pp, &prev)) < 0)
			goto out;
		xz_date_parse(jstr(prev, "period_end"), &pe);
		t.version_no = jint(prev, "scheme_version") + 1;
		if (pp.township_id != t.place.township_id)
			rc = xz_ctx_fail(
			    c, XZ_ERULE, "invalid_previous", "新版本须与原办法属于同一乡镇",
			    "A new version belongs to the same township", "previous_id");
		else if (strcmp(jstr(prev, "state"), "approved") &&
			 strcmp(jstr(prev, "state"), "closed"))
			rc = xz_ctx_fail(
			    c, XZ_ERULE, "invalid_previous", "只有已批准的考核办法才能出新版本",
			    "Only an approved scheme gets a new version", "previous_id");
		else if (in->start_day <= pe)
			rc = xz_ctx_fail(
			    c, XZ_ERULE, "period_overlaps",
			    "新版本须开始新的考核期间（晚于原办法的结束日期）",
			    "A new version starts a new period, after the previous one's",
			    "period_start");
		json_decref(prev);
		if (rc < 0)
			goto out;
	}
	if ((rc = xz_ctx_tx(c, scheme_insert, &t)) < 0)
		goto out;
	rc = xz_scheme_get(c, t.id, out);
out:
	free(t.parts);
	free(t.subjects);
	return rc;
}

static int scheme_update(struct xz_ctx *c, void *arg)
{
	struct scheme_tx *t = arg;
	const struct xz_scheme_in *in = t->in;
	char a[XZ_DATE_LEN], b[XZ_DATE_LEN];
	int64_t changed = 0;
	int rc = xz_db_exec(
	    c->db,
	    "UPDATE assessment_schemes SET name = $2, period_kind = $3, period_start = $4, "
	    "period_end = $5, subjects_json = $6, parts_json = $7, version = version + 1, "
	    "updated_at = $8 WHERE id = $1 AND state = 'draft'",
	    XZ_ARGS(XZ_INT(t->id), XZ_TEXT(in->name), XZ_TEXT(t->kind),
		    XZ_TEXT(xz_date_format(in->start_day, a)),
		    XZ_TEXT(xz_date_format(in->end_day, b)), XZ_TEXT(t->subjects),
		    XZ_TEXT(t->parts), XZ_INT(c->now)),
	    &changed);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	if (!changed)
		return xz_ctx_fail(c, XZ_ECONFLICT, "scheme_in_use",
				   "考核办法已提交或在用，不能修改",
				   "The scheme is submitted or in use "
				   "and cannot change",
				   NULL);
	return xz_ctx_audit_new(c, "assessment.scheme.edit", "assessment_scheme", t->id,
				json_incref(t->before),
				json_pack("{s:s,s:s,s:s,s:s}", "name", in->name, "period_start", a,
					  "period_end", b, "parts", t->parts));
}

int xz_scheme_edit(struct xz_ctx *c, int64_t id, const struct xz_scheme_in *in, json_t **out)
{
	struct scheme_tx t = {.in = in, .id = id};
	json_t *cur = NULL;
	int rc;
	*out = NULL;
	if ((rc = xz__scheme_load(c, id, &t.place, &cur)) < 0 ||
	    (rc = xz__allow(c, "assessment.write", &t.place)) < 0)
		goto out;
	if (strcmp(jstr(cur, "state"), "draft")) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "scheme_in_use", "考核办法已提交或在用，不能修改",
				 "The scheme is submitted or in use and cannot change", NULL);
		goto out;
	}
	t.before = json_pack("{s:O,s:O}", "name", json_object_get(cur, "name"), "parts",
			     json_object_get(cur, "parts"));
	if ((rc = check_scheme(c, in, &t)) < 0 || (rc = xz_ctx_tx(c, scheme_update, &t)) < 0)
		goto out;
	rc = xz_scheme_get(c, id, out);
out:
	json_decref(cur);
	json_decref(t.before);
	free(t.parts);
	free(t.subjects);
	return rc;
}

int xz_scheme_get(struct xz_ctx *c, int64_t id, json_t **out)
{
	struct xz_place place;
	int64_t unit_only;
	int rc;
	if ((rc = xz__scheme_load(c, id, &place, out)) < 0)
		return rc;
	if ((rc = xz__read_scope(c, &place, &unit_only)) < 0) {
		json_decref(*out);
		*out = NULL;
		return rc;
	}
	{
		struct xz_fsm_subject s = {
		    .state = jstr(*out, "state"), .user = c->user, .place = &place};
		json_object_set_new(*out, "state_label",
				    json_string(xz_fsm_state_label(&xz_assessment_scheme_fsm, s.state)));
		json_object_set_new(*out, "allowed_actions", xz_fsm_allowed(&xz_assessment_scheme_fsm, &s));
	}
	return 0;
}

int xz_scheme_list(struct xz_ctx *c, int64_t town, json_t **out)
{
	struct xz_place place;
	json_t *rows = NULL, *row;
	int64_t unit_only;
	size_t i;
	int rc;
	*out = NULL;
	if (!town && c->user)
		town = c->user->township_id;
	if ((rc = town_place(c, town, &place)) < 0 ||
	    (rc = xz__read_scope(c, &place, &unit_only)) < 0)
		return rc;
	if ((rc = xz_db_query(c->db, SCHEME_SELECT "WHERE township_id = $1 ORDER BY id DESC",
			      XZ_ARGS(XZ_INT(town)), &rows)) < 0)
		return xz_ctx_fail_db(c, rc);
	json_array_foreach(rows, i, row)
	{
		parse_json_col(row, "parts_json", "parts");
		parse_json_col(row, "subjects_json", "subjects");
		json_object_set_new(
		    row, "state_label",
		    json_string(xz_fsm_state_label(&xz_assessment_scheme_fsm, jstr(row, "state"))));
	}
	*out = rows;
	return 0;
}

struct act_tx {
	int64_t id;
	const char *action;
	json_t *in, *rec;
	struct xz_place place;
	const struct xz_fsm *m;
	unsigned kind;
	const char *grade;
};

static int scheme_walk(struct xz_ctx *c, void *arg)
{
	struct act_tx *t = arg;
	struct xz_fsm_subject s = {
	    .state = jstr(t->rec, "state"), .user = c->user, .place = &t->place};
	struct xz_fsm_run run = {.c = c, .m = &xz_assessment_scheme_fsm, .s = &s, .record = t->rec, .in = t->in};
	const char *to, *reason;
	int64_t changed = 0;
	int rc;
	if ((rc = xz_fsm_walk(&run, t->action)) < 0)
		return rc;
	to = run.row->to ? run.row->to : s.state;
	reason = json_string_value(json_object_get(t->in, "reason"));
	rc = xz_db_exec(
	    c->db,
	    "UPDATE assessment_schemes SET state = $3, return_reason = CASE WHEN $3 = 'draft' THEN "
	    "$4 ELSE return_reason END, submitted_at = CASE WHEN $3 = 'submitted' THEN $5 ELSE "
	    "submitted_at END, approved_at = CASE WHEN $3 = 'approved' THEN $5 ELSE approved_at "
	    "END, "
	    "approved_by = CASE WHEN $3 = 'approved' THEN $6 ELSE approved_by END, closed_at = "
	    "CASE "
	    "WHEN $3 = 'closed' THEN $5 ELSE closed_at END, version = version + 1, updated_at = $5 "
	    "WHERE id = $1 AND state = $2",
	    XZ_ARGS(XZ_INT(t->id), XZ_TEXT(s.state), XZ_TEXT(to), XZ_TEXT(reason), XZ_INT(c->now),
		    XZ_ID(c->user ? c->user->id : 0)),
	    &changed);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	if (!changed)
		return xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict",
				   "考核办法已被他人处理，请刷新",
				   "The scheme changed meanwhile; reload", NULL);
	/* a new version in use ends the one before it */
	if (!strcmp(to, "approved") && jint(t->rec, "previous_id") &&
	    (rc = xz_db_exec(
		 c->db,
		 "UPDATE assessment_schemes SET state = 'closed', closed_at = $2, version "
		 "= version + 1, updated_at = $2 WHERE id = $1 AND state = 'approved'",
		 XZ_ARGS(XZ_INT(jint(t->rec, "previous_id")), XZ_INT(c->now)), NULL)) < 0)
		return xz_ctx_fail_db(c, rc);
	return xz_ctx_audit_new(c, xz_arena_printf(c->arena, "assessment.scheme.%s", t->action),
				"assessment_scheme", t->id, json_pack("{s:s}", "state", s.state),
				json_pack("{s:s,s:s?}", "state", to, "reason", reason));
}

int xz_scheme_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in, json_t **out)
{
	struct act_tx t = {.id = id, .action = action, .in = in};
	int rc;
	*out = NULL;
	if ((rc = xz__scheme_load(c, id, &t.place, &t.rec)) < 0)
		return rc;
	rc = xz_ctx_tx(c, scheme_walk, &t);
	json_decref(t.rec);
	if (rc < 0)
		return rc;
	return xz_scheme_get(c, id, out);
}

/* ---- ratings ------------------------------------------------------------------ */

struct rating_tx {
	const struct xz_rating_in *in;
	int64_t town, unit, id;
};

static int rating_insert(struct xz_ctx *c, void *arg)
{
	struct rating_tx *t = arg;
	const struct xz_rating_in *in = t->in;
	json_t *row = NULL;
	int rc = xz_db_one(
	    c->db,
	    "INSERT INTO assessment_ratings (scheme_id, township_id, subject_kind, subject_id, "
	    "unit_id, score, remarks, event_kind, event_id, rated_by, rater_name, created_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
	    XZ_ARGS(XZ_INT(in->scheme_id), XZ_INT(t->town), XZ_TEXT(in->subject),
		    XZ_INT(in->subject_id), XZ_INT(t->unit), XZ_REAL(in->score),
		    XZ_TEXT(in->remarks ? in->remarks : ""), XZ_TEXT(in->event_kind),
		    XZ_ID(in->event_id), XZ_INT(c->user ? c->user->id : 0),
		    XZ_TEXT(c->user ? c->user->display_name : "系统"), XZ_INT(c->now)),
	    &row);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	t->id = jint(row, "id");
	json_decref(row);
	return xz_ctx_audit_new(c, "assessment.rate", "assessment_rating", t->id, NULL,
				json_pack("{s:s,s:I,s:f,s:s?}", "subject", in->subject,
					  "subject_id", (json_int_t)in->subject_id, "score",
					  in->score, "remarks", in->remarks));
}

int xz_rating_create(struct xz_ctx *c, const struct xz_rating_in *in, json_t **out)
{
	struct rating_tx t = {.in = in};
	struct xz_place place;
	json_t *scheme = NULL, *row = NULL;
	int rc;
	*out = NULL;
	if ((rc = xz__scheme_load(c, in->scheme_id, &place, &scheme)) < 0 ||
	    (rc = xz__allow(c, "assessment.rate", &place)) < 0)
		goto out;
	t.town = place.township_id;
	if (strcmp(jstr(scheme, "state"), "approved")) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "scheme_not_in_use",
				 "只能在执行中的考核办法下评价",
				 "Ratings are made under a scheme in use", "scheme_id");
		goto out;
	}
	if (!in->subject || (strcmp(in->subject, "unit") && strcmp(in->subject, "person"))) {
		rc = xz_ctx_fail(c, XZ_ERULE, "invalid_subject", "subject须为unit或person",
				 "subject must be unit or person", "subject");
		goto out;
	}
	if (!(in->score >= 0 && in->score <= 100)) {
		rc = xz_ctx_fail(c, XZ_ERULE, "invalid_score", "评分须在0至100之间",
				 "The score must be between 0 and 100", "score");
		goto out;
	}
	if (in->remarks && strlen(in->remarks) > XZ_MAX_TEXT) {
		rc = xz_ctx_fail(c, XZ_ERULE, "too_long", "评价意见过长", "Remarks too long",
				 "remarks");
		goto out;
	}
	/* only the township's own units and their staff */
	rc = !strcmp(in->subject, "unit")
		 ? xz_db_one(c->db, "SELECT id AS unit_id, township_id FROM units WHERE id = $1",
			     XZ_ARGS(XZ_INT(in->subject_id)), &row)
		 : xz_db_one(c->db,
			     "SELECT p.unit_id, n.township_id FROM people p JOIN units n ON n.id = "
			     "p.unit_id WHERE p.id = $1",
			     XZ_ARGS(XZ_INT(in->subject_id)), &row);
	if (rc < 0 || jint(row, "township_id") != place.township_id) {
		rc = xz_ctx_fail(
		    c, XZ_ERULE, "not_own_unit", "只能评价本乡镇（街道）的派驻机构及其人员",
		    "Only the township's own units and their staff are rated here", "subject_id");
		goto out;
	}
	t.unit = jint(row, "unit_id");
	if (in->event_kind) {
		const char *sql =
		    !strcmp(in->event_kind, "problem")
			? "SELECT id FROM problems WHERE id = $1 AND township_id = $2"
		    : !strcmp(in->event_kind, "joint_action")
			? "SELECT id FROM joint_actions WHERE id = $1 AND township_id = $2"
		    : !strcmp(in->event_kind, "notice")
			? "SELECT id FROM joint_notices WHERE id = $1 AND township_id = $2"
			: NULL;
		json_t *ev = NULL;
		if (!sql) {
			rc = xz_ctx_fail(c, XZ_ERULE, "invalid_event_kind",
					 "event_kind须为problem、joint_action或notice",
					 "event_kind must be problem, joint_action or notice",
					 "event_kind");
			goto out;
		}
		if (xz_db_one(c->db, sql, XZ_ARGS(XZ_INT(in->event_id), XZ_INT(place.township_id)),
			      &ev) < 0) {
			rc = xz_ctx_fail(c, XZ_ERULE, "invalid_event", "所指事件不存在或不属本乡镇",
					 "The event does not exist in this township", "event_id");
			goto out;
		}
		json_decref(ev);
	}
	if ((rc = xz_ctx_tx(c, rating_insert, &t)) < 0)
		goto out;
	rc = xz_db_one(c->db,
		       "SELECT id, scheme_id, subject_kind, subject_id, unit_id, score, remarks, "
		       "event_kind, event_id, rater_name, created_at FROM assessment_ratings WHERE "
		       "id = $1",
		       XZ_ARGS(XZ_INT(t.id)), out);
	if (rc < 0)
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(scheme);
	json_decref(row);
	return rc;
}

int xz_rating_list(struct xz_ctx *c, int64_t scheme_id, int64_t unit_id, json_t **out)
{
	struct xz_place place;
	json_t *scheme = NULL;
	int64_t unit_only = 0;
	int rc;
	*out = NULL;
	if ((rc = xz__scheme_load(c, scheme_id, &place, &scheme)) < 0 ||
	    (rc = xz__read_scope(c, &place, &unit_only)) < 0)
		goto out;
	if (unit_only)
		unit_id = unit_only;
	rc = xz_db_query(c->db,
			 "SELECT r.id, r.scheme_id, r.subject_kind, r.subject_id, CASE WHEN "
			 "r.subject_kind = 'unit' THEN n.name ELSE p.name END AS subject_name, "
			 "r.unit_id, r.score, r.remarks, r.event_kind, r.event_id, r.rater_name, "
			 "r.created_at FROM assessment_ratings r JOIN units n ON n.id = r.unit_id "
			 "LEFT JOIN people p ON r.subject_kind = 'person' AND p.id = r.subject_id "
			 "WHERE r.scheme_id = $1 AND ($2 = 0 OR r.unit_id = $2) ORDER BY r.id DESC",
			 XZ_ARGS(XZ_INT(scheme_id), XZ_INT(unit_id)), out);
	if (rc < 0)
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(scheme);
	return rc;
}

/* ---- annual results ------------------------------------------------------------- */

static const char *const grades[] = {"优秀", "称职", "基本称职", "不称职", NULL};
static const char *const grade_en[] = {"excellent", "competent", "basically_competent",
				       "incompetent", NULL};

/* grade_ok: the grade given, in its Chinese form (English names accepted). */
static int grade_ok(struct xz_fsm_run *run)
{
	struct act_tx *t = run->data;
	const char *g = json_string_value(json_object_get(run->in, "grade"));
	size_t i;
	for (i = 0; g && grades[i]; i++)
		if (!strcmp(g, grades[i]) || !strcmp(g, grade_en[i])) {
			t->grade = grades[i];
			return 0;
		}
	return xz_ctx_fail(run->c, XZ_ERULE, "invalid_grade",
			   "考核等次须为优秀、称职、基本称职或不称职",
			   "The grade must be 优秀, 称职, 基本称职 or 不称职", "grade");
}

static const char *const result_states[] = {"draft", "finalised", "sent", "final", NULL};
static const char *const result_labels[] = {"待评定", "乡镇已评定（待审定）", "已报送主管部门",
					    "主管部门已确定", NULL};

static const struct xz_fsm_row result_rows[] = {
    {0, "draft", "finalise", XZ_FSM_ANY, "finalised", "assessment.write", 0, F_GRADE, grade_ok,
     NULL, 0, 0, "乡镇评定"},
    {0, "finalised", "return", XZ_FSM_ANY, "draft", "assessment.approve", 0, F_REASON, NULL, NULL,
     0, 0, "退回重评"},
    {0, "finalised", "send", XZ_FSM_ANY, "sent", "assessment.approve", 0, 0, NULL, NULL, 0, 0,
     "审定并报送主管部门"},
    {0, "sent", "department_final", XZ_FSM_ANY, "final", "assessment.final", 0, F_GRADE, grade_ok,
     NULL, 0, 0, "确定年度考核结果"},
};

static const struct xz_fsm result_fsm = {"assessment_result",
					 result_rows,
					 XZ_ARRAY_LEN(result_rows),
					 result_states,
					 result_labels,
					 "draft finalised sent",
					 NULL,
					 fields,
					 XZ_ARRAY_LEN(fields)};

#define RESULT_SELECT                                                                              \
	"SELECT r.id, r.scheme_id, s.name AS scheme_name, r.county_id, r.township_id, t.name AS "  \
	"township_name, r.year, r.subject_kind, r.subject_id, r.subject_name, r.unit_id, n.name "  \
	"AS unit_name, r.department_id, d.name AS department_name, r.total, r.parts_json, "        \
	"r.state, r.township_grade, r.township_remarks, r.finalised_at, r.sent_at, "               \
	"r.return_reason, r.department_grade, r.department_remarks, r.department_at, r.version, "  \
	"r.created_at, r.updated_at FROM assessment_results r JOIN assessment_schemes s ON s.id "  \
	"= "                                                                                       \
	"r.scheme_id JOIN regions t ON t.id = r.township_id JOIN units n ON n.id = r.unit_id "     \
	"JOIN departments d ON d.id = r.department_id "

static void result_place(const json_t *r, struct xz_place *p)
{
	memset(p, 0, sizeof(*p));
	p->county_id = jint(r, "county_id");
	p->township_id = jint(r, "township_id");
	p->department_id = jint(r, "department_id");
	p->unit_id = jint(r, "unit_id");
}

static int result_load(struct xz_ctx *c, int64_t id, json_t **out)
{
	int rc = xz_db_one(c->db, RESULT_SELECT "WHERE r.id = $1", XZ_ARGS(XZ_INT(id)), out);
	if (rc < 0)
		return rc == XZ_ENOTFOUND ? xz_ctx_fail(c, XZ_ENOTFOUND, "not_found",
							"考核结果不存在", "No such result", NULL)
					  : xz_ctx_fail_db(c, rc);
	parse_json_col(*out, "parts_json", "parts");
	return 0;
}

struct gen_tx {
	const json_t *scheme;
	const struct xz_place *place;
	json_t *sets[2];
	int64_t year;
	int n;
};

static int results_write(struct xz_ctx *c, void *arg)
{
	struct gen_tx *t = arg;
	static const char *const kinds[] = {"unit", "person"};
	json_t *it;
	size_t i;
	int k, rc;
	for (k = 0; k < 2; k++) {
		json_array_foreach(t->sets[k], i, it)
		{
			json_t *s = json_object_get(it, "subject");
			char *parts = json_dumps(json_object_get(it, "parts"), JSON_COMPACT);
			int64_t changed = 0;
			rc = xz_db_exec(
			    c->db,
			    "UPDATE assessment_results SET total = $4, parts_json = $5, version = "
			    "version + 1, updated_at = $6 WHERE scheme_id = $1 AND subject_kind = "
			    "$2 "
			    "AND subject_id = $3 AND state = 'draft'",
			    XZ_ARGS(XZ_INT(jint(t->scheme, "id")), XZ_TEXT(kinds[k]),
				    XZ_INT(jint(s, "id")), XZ_REAL(jnum(it, "total")),
				    XZ_TEXT(parts), XZ_INT(c->now)),
			    &changed);
			if (rc >= 0 && !changed)
				rc = xz_db_exec(
				    c->db,
				    "INSERT INTO assessment_results (scheme_id, county_id, "
				    "township_id, "
				    "year, subject_kind, subject_id, subject_name, unit_id, "
				    "department_id, total, parts_json, created_at, updated_at) "
				    "SELECT "
				    "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12 WHERE "
				    "NOT "
				    "EXISTS (SELECT 1 FROM assessment_results WHERE scheme_id = $1 "
				    "AND "
				    "subject_kind = $5 AND subject_id = $6)",
				    XZ_ARGS(
					XZ_INT(jint(t->scheme, "id")), XZ_INT(t->place->county_id),
					XZ_INT(t->place->township_id), XZ_INT(t->year),
					XZ_TEXT(kinds[k]), XZ_INT(jint(s, "id")),
					XZ_TEXT(jstr(s, "name")), XZ_INT(jint(s, "unit_id")),
					XZ_INT(jint(s, "department_id")),
					XZ_REAL(jnum(it, "total")), XZ_TEXT(parts), XZ_INT(c->now)),
				    NULL);
			free(parts);
			if (rc < 0)
				return xz_ctx_fail_db(c, rc);
			t->n++;
		}
	}
	return xz_ctx_audit_new(c, "assessment.results.generate", "assessment_scheme",
				jint(t->scheme, "id"), NULL, json_pack("{s:i}", "subjects", t->n));
}

int xz_results_generate(struct xz_ctx *c, int64_t scheme_id, json_t **out)
{
	struct xz_place place;
	struct gen_tx t = {0};
	struct xz_results_filter f = {.scheme_id = scheme_id};
	json_t *scheme = NULL, *v;
	int64_t e = 0;
	size_t i;
	int y, m, d, rc;
	*out = NULL;
	if ((rc = xz__scheme_load(c, scheme_id, &place, &scheme)) < 0 ||
	    (rc = xz__allow(c, "assessment.write", &place)) < 0)
		goto out;
	if (strcmp(jstr(scheme, "state"), "approved") && strcmp(jstr(scheme, "state"), "closed")) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "scheme_not_approved",
				 "考核办法尚未批准，不能生成考核结果",
				 "The scheme is not approved yet", "scheme_id");
		goto out;
	}
	xz_date_parse(jstr(scheme, "period_end"), &e);
	xz_civil_from_days(e, &y, &m, &d);
	t.year = y;
	t.scheme = scheme;
	t.place = &place;
	json_array_foreach(json_object_get(scheme, "subjects"), i, v)
	{
		int k = !strcmp(json_string_value(v), "unit") ? 0 : 1;
		if ((rc = xz__compute(c, scheme, &place, k ? "person" : "unit", &t.sets[k])) < 0)
			goto out;
	}
	if ((rc = xz_ctx_tx(c, results_write, &t)) < 0)
		goto out;
	rc = xz_results_list(c, &f, out);
out:
	json_decref(scheme);
	json_decref(t.sets[0]);
	json_decref(t.sets[1]);
	return rc;
}

static void present_result(const struct xz_ctx *c, json_t *r)
{
	struct xz_place p;
	struct xz_fsm_subject s = {.state = jstr(r, "state"), .user = c->user, .place = &p};
	result_place(r, &p);
	json_object_set_new(r, "state_label",
			    json_string(xz_fsm_state_label(&result_fsm, s.state)));
	json_object_set_new(r, "allowed_actions", xz_fsm_allowed(&result_fsm, &s));
}

int xz_results_list(struct xz_ctx *c, const struct xz_results_filter *f, json_t **out)
{
	struct xz_place p = {0};
	json_t *rows = NULL, *r;
	size_t i;
	int rc;
	*out = NULL;
	if (c->user && !xz_authz_filter(c->user, "assessment.read", &p))
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权查看考核结果", "Not allowed",
				   NULL);
	rc = xz_db_query(
	    c->db,
	    RESULT_SELECT
	    "WHERE ($1 = 0 OR r.county_id = $1) AND ($2 = 0 OR r.township_id = $2) AND ($3 = 0 OR "
	    "r.department_id = $3) AND ($4 = 0 OR r.unit_id = $4) AND ($5 = 0 OR r.scheme_id = $5) "
	    "AND ($6 = 0 OR r.township_id = $6) AND ($7 = 0 OR r.unit_id = $7) AND ($8 = 0 OR "
	    "(r.subject_kind = 'person' AND r.subject_id = $8)) AND ($9 = 0 OR r.year = $9) AND "
	    "(CAST($10 AS TEXT) IS NULL OR r.subject_kind = $10) AND (CAST($11 AS TEXT) IS NULL OR "
	    "r.state = $11) ORDER BY r.year DESC, r.township_id, r.subject_kind DESC, r.subject_id",
	    XZ_ARGS(XZ_INT(p.county_id), XZ_INT(p.township_id), XZ_INT(p.department_id),
		    XZ_INT(p.unit_id), XZ_INT(f->scheme_id), XZ_INT(f->township_id),
		    XZ_INT(f->unit_id), XZ_INT(f->person_id), XZ_INT(f->year), XZ_TEXT(f->subject),
		    XZ_TEXT(f->state)),
	    &rows);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	json_array_foreach(rows, i, r)
	{
		parse_json_col(r, "parts_json", "parts");
		present_result(c, r);
	}
	*out = rows;
	return 0;
}

int xz_result_get(struct xz_ctx *c, int64_t id, json_t **out)
{
	struct xz_place p;
	int rc;
	if ((rc = result_load(c, id, out)) < 0)
		return rc;
	result_place(*out, &p);
	if (c->user && !xz_authz(c->user, "assessment.read", &p)) {
		json_decref(*out);
		*out = NULL;
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权查看此考核结果",
				   "Not allowed", NULL);
	}
	present_result(c, *out);
	return 0;
}

static int result_walk(struct xz_ctx *c, void *arg)
{
	struct act_tx *t = arg;
	struct xz_fsm_subject s = {
	    .state = jstr(t->rec, "state"), .user = c->user, .place = &t->place};
	struct xz_fsm_run run = {
	    .c = c, .m = &result_fsm, .s = &s, .record = t->rec, .in = t->in, .data = t};
	const char *to, *remarks = json_string_value(json_object_get(t->in, "remarks")),
			*reason = json_string_value(json_object_get(t->in, "reason"));
	int64_t changed = 0, uid = c->user ? c->user->id : 0;
	int rc;
	if ((rc = xz_fsm_walk(&run, t->action)) < 0)
		return rc;
	to = run.row->to;
	if (remarks && strlen(remarks) > XZ_MAX_TEXT)
		return xz_ctx_fail(c, XZ_ERULE, "too_long", "评语过长", "Remarks too long",
				   "remarks");
	if (!strcmp(t->action, "finalise"))
		rc = xz_db_exec(
		    c->db,
		    "UPDATE assessment_results SET state = $3, township_grade = $4, "
		    "township_remarks = $5, finalised_by = $6, finalised_at = $7, "
		    "return_reason = NULL, version = version + 1, updated_at = $7 WHERE id "
		    "= $1 AND state = $2",
		    XZ_ARGS(XZ_INT(t->id), XZ_TEXT(s.state), XZ_TEXT(to), XZ_TEXT(t->grade),
			    XZ_TEXT(remarks ? remarks : ""), XZ_ID(uid), XZ_INT(c->now)),
		    &changed);
	else if (!strcmp(t->action, "department_final"))
		rc = xz_db_exec(
		    c->db,
		    "UPDATE assessment_results SET state = $3, department_grade = $4, "
		    "department_remarks = $5, department_by = $6, department_at = $7, "
		    "version = version + 1, updated_at = $7 WHERE id = $1 AND state = $2",
		    XZ_ARGS(XZ_INT(t->id), XZ_TEXT(s.state), XZ_TEXT(to), XZ_TEXT(t->grade),
			    XZ_TEXT(remarks ? remarks : ""), XZ_ID(uid), XZ_INT(c->now)),
		    &changed);
	else
		rc = xz_db_exec(
		    c->db,
		    "UPDATE assessment_results SET state = $3, sent_by = CASE WHEN $3 = "
		    "'sent' THEN $4 ELSE sent_by END, sent_at = CASE WHEN $3 = 'sent' THEN "
		    "$5 ELSE sent_at END, return_reason = CASE WHEN $3 = 'draft' THEN $6 "
		    "ELSE return_reason END, version = version + 1, updated_at = $5 WHERE id "
		    "= $1 AND state = $2",
		    XZ_ARGS(XZ_INT(t->id), XZ_TEXT(s.state), XZ_TEXT(to), XZ_ID(uid),
			    XZ_INT(c->now), XZ_TEXT(reason)),
		    &changed);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	if (!changed)
		return xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict",
				   "考核结果已被他人处理，请刷新",
				   "The result changed meanwhile; reload", NULL);
	if (!strcmp(to, "sent")) {
		/* to the competent department's inbox */
		struct xz_note n = {
		    "assessment_result", "assessment_result", t->id,
		    xz_arena_printf(c->arena, "年度考核结果待确定：%s", jstr(t->rec, "subject_name")),
		    xz_arena_printf(c->arena,
				    "%s报送%s（%s）%lld年度考核结果：总分%.2f，乡镇评定%s。"
				    "请依据乡镇通报情况确定年度考核结果（考核结果 %lld）。",
				    jstr(t->rec, "township_name"), jstr(t->rec, "subject_name"),
				    jstr(t->rec, "unit_name"), (long long)jint(t->rec, "year"),
				    jnum(t->rec, "total"), jstr(t->rec, "township_grade"),
				    (long long)t->id),
		    0};
		rc = xz_tell(c, &n, XZ_TOS(XZ_TO(XZ_TO_DEPARTMENT, t->place.department_id)));
		if (rc < 0)
			return rc;
	}
	return xz_ctx_audit_new(c, xz_arena_printf(c->arena, "assessment.result.%s", t->action),
				"assessment_result", t->id, json_pack("{s:s}", "state", s.state),
				json_pack("{s:s,s:s?,s:s?,s:s?}", "state", to, "grade", t->grade,
					  "remarks", remarks, "reason", reason));
}

int xz_result_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in, json_t **out)
{
	struct act_tx t = {.id = id, .action = action, .in = in};
	int rc;
	*out = NULL;
	if ((rc = result_load(c, id, &t.rec)) < 0)
		return rc;
	result_place(t.rec, &t.place);
	rc = xz_ctx_tx(c, result_walk, &t);
	json_decref(t.rec);
	if (rc < 0)
		return rc;
	return xz_result_get(c, id, out);
}

/* ---- exports --------------------------------------------------------------------- */

static int scheme_results(struct xz_ctx *c, int64_t scheme_id, json_t **scheme, json_t **rows)
{
	struct xz_results_filter f = {.scheme_id = scheme_id};
	struct xz_place place;
	int64_t unit_only;
	int rc;
	*rows = NULL;
	if ((rc = xz__scheme_load(c, scheme_id, &place, scheme)) < 0)
		return rc;
	if ((rc = xz__read_scope(c, &place, &unit_only)) < 0 || unit_only ||
	    (rc = xz_results_list(c, &f, rows)) < 0) {
		json_decref(*scheme);
		*scheme = NULL;
		return rc < 0 ? rc
			      : xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权导出考核结果",
					    "Not allowed", NULL);
	}
	return 0;
}

/* Spreadsheet formula injection: every text goes through
 * worksheet_write_string, which writes a shared-string cell — text, never a
 * formula, whatever it starts with (= + - @ tab CR); only the total is a
 * number. Nothing is written with worksheet_write_formula. */
int xz_results_xlsx(struct xz_ctx *c, int64_t scheme_id, unsigned char **buf, size_t *len)
{
	static const char *const heads[] = {
	    "类别",	    "考核对象", "所属派驻机构",	    "主管部门",	    "总分",
	    "乡镇评定等次", "乡镇评语", "主管部门确定等次", "主管部门意见", "状态"};
	json_t *scheme = NULL, *rows = NULL, *r;
	char path[] = "/tmp/xz-assessment-XXXXXX";
	lxw_workbook *wb = NULL;
	lxw_worksheet *ws;
	lxw_format *bold;
	FILE *f = NULL;
	size_t i, j;
	long n;
	int fd = -1, rc;
	*buf = NULL;
	*len = 0;
	if ((rc = scheme_results(c, scheme_id, &scheme, &rows)) < 0)
		return rc;
	if ((fd = mkstemp(path)) < 0 || (close(fd), !(wb = workbook_new(path)))) {
		rc = xz_ctx_fail(c, XZ_EIO, "export_failed", "导出失败", "Export failed", NULL);
		goto out;
	}
	bold = workbook_add_format(wb);
	format_set_bold(bold);
	ws = workbook_add_worksheet(wb, "年度考核结果");
	for (j = 0; j < XZ_ARRAY_LEN(heads); j++) {
		worksheet_write_string(ws, 0, (lxw_col_t)j, heads[j], bold);
		worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, j == 6 || j == 8 ? 40 : 16,
				     NULL);
	}
	json_array_foreach(rows, i, r)
	{
		const char *cells[] = {!strcmp(jstr(r, "subject_kind"), "unit") ? "派驻机构"
										: "派驻人员",
				       jstr(r, "subject_name"),
				       jstr(r, "unit_name"),
				       jstr(r, "department_name"),
				       NULL,
				       jstr(r, "township_grade"),
				       jstr(r, "township_remarks"),
				       jstr(r, "department_grade"),
				       jstr(r, "department_remarks"),
				       jstr(r, "state_label")};
		lxw_row_t row = (lxw_row_t)(i + 1);
		for (j = 0; j < XZ_ARRAY_LEN(cells); j++) {
			if (j == 4)
				worksheet_write_number(ws, row, 4, jnum(r, "total"), NULL);
			else
				worksheet_write_string(ws, row, (lxw_col_t)j, cells[j], NULL);
		}
	}
	worksheet_freeze_panes(ws, 1, 0);
	rc = workbook_close(wb) == LXW_NO_ERROR ? 0 : XZ_EIO;
	wb = NULL;
	if (!rc && (f = fopen(path, "rb")) && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		*buf = xz_malloc((size_t)n);
		if (fread(*buf, 1, (size_t)n, f) == (size_t)n)
			*len = (size_t)n;
		else {
			xz_free(*buf);
			*buf = NULL;
			rc = XZ_EIO;
		}
	} else if (!rc)
		rc = XZ_EIO;
	if (rc < 0)
		rc = xz_ctx_fail(c, rc, "export_failed", "导出失败", "Export failed", NULL);
out:
	if (f)
		fclose(f);
	if (fd >= 0)
		unlink(path);
	json_decref(scheme);
	json_decref(rows);
	return rc;
}

int xz_results_pdf(struct xz_ctx *c, int64_t scheme_id, unsigned char **buf, size_t *len)
{
	json_t *scheme = NULL, *rows = NULL, *r, *town = NULL;
	char date[XZ_DATE_CN_LEN];
	char *body = NULL;
	size_t i, cap = 4096, used = 0;
	int rc;
	*buf = NULL;
	*len = 0;
	if ((rc = scheme_results(c, scheme_id, &scheme, &rows)) < 0)
		return rc;
	if ((rc = xz_db_one(c->db, "SELECT name FROM regions WHERE id = $1",
			    XZ_ARGS(XZ_INT(jint(scheme, "township_id"))), &town)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	body = xz_malloc(cap);
	used = (size_t)snprintf(
	    body, cap,
	    "根据《%s》（考核期间%s至%s），现将派驻机构及派驻人员年度考核结果通报"
	    "如下：",
	    jstr(scheme, "name"), jstr(scheme, "period_start"), jstr(scheme, "period_end"));
	json_array_foreach(rows, i, r)
	{
		const char *line = xz_arena_printf(
		    c->arena, "\n%zu. %s%s（%s）：总分%.2f；乡镇评定：%s；主管部门确定：%s。",
		    i + 1, !strcmp(jstr(r, "subject_kind"), "unit") ? "派驻机构" : "派驻人员",
		    jstr(r, "subject_name"), jstr(r, "unit_name"), jnum(r, "total"),
		    *jstr(r, "township_grade") ? jstr(r, "township_grade") : "待评定",
		    *jstr(r, "department_grade") ? jstr(r, "department_grade") : "待确定");
		size_t l = strlen(line);
		if (used + l + 1 > XZ_MAX_DOC_BODY)
			break;
		if (used + l + 1 > cap) {
			cap = (used + l + 1) * 2;
			body = xz_realloc(body, cap);
		}
		memcpy(body + used, line, l + 1);
		used += l;
	}
	{
		const char *iss = xz_arena_printf(c->arena, "%s综合行政执法", jstr(town, "name"));
		struct xz_doc doc = {
		    .issuer = iss,
		    .header_suffix = "通报",
		    .title =
			xz_arena_printf(c->arena, "关于%s年度考核结果的通报", jstr(scheme, "name")),
		    .recipient = "各派驻机构、各主管部门",
		    .body = body,
		    .signer = iss,
		    .date_cn = xz_date_cn(xz_day_of(c->now), date),
		};
		if ((rc = xz_doc_render_pdf(&doc, buf, len)) < 0)
			rc = xz_ctx_fail(c, rc, "render_failed", "考核结果PDF生成失败",
					 "The results PDF could not be rendered", NULL);
	}
out:
	xz_free(body);
	json_decref(town);
	json_decref(scheme);
	json_decref(rows);
	return rc;
}

/* ---- personnel consultation (R1.7) -------------------------------------------------- */

enum { K_ASK = 1, K_RECOMMEND = 2 };

static const char *const consult_states[] = {"requested", "opinion_given", "recommended", "decided",
					     NULL};
static const char *const consult_labels[] = {"征求乡镇意见中", "乡镇已提出意见", "乡镇已推荐",
					     "主管部门已决定", NULL};

static const struct xz_fsm_row consult_rows[] = {
    {K_ASK, "requested", "opinion", XZ_FSM_ANY, "opinion_given", "assessment.write", 0,
     F_OPINION | F_AGREE, NULL, NULL, 0, 0, "提出乡镇意见"},
    {K_ASK, "opinion_given", "decide", XZ_FSM_ANY, "decided", "assessment.final", 0, F_DECISION,
     NULL, NULL, 0, 0, "主管部门决定"},
    {K_RECOMMEND, "recommended", "decide", XZ_FSM_ANY, "decided", "assessment.final", 0, F_DECISION,
     NULL, NULL, 0, 0, "主管部门决定"},
};

static const struct xz_fsm consult_fsm = {"assessment_consultation",
					  consult_rows,
					  XZ_ARRAY_LEN(consult_rows),
					  consult_states,
					  consult_labels,
					  "requested opinion_given recommended",
					  NULL,
					  fields,
					  XZ_ARRAY_LEN(fields)};

#define CONSULT_SELECT                                                                             \
	"SELECT k.id, k.county_id, k.township_id, k.unit_id, n.name AS unit_name, "                \
	"k.department_id, d.name AS department_name, k.kind, k.person_name, k.person_id, k.post, " \
	"k.note, k.state, k.opinion, k.opinion_agree, k.opinion_at, k.decision, k.decision_at, "   \
	"k.created_at, k.updated_at FROM assessment_consultations k JOIN units n ON n.id = "       \
	"k.unit_id JOIN departments d ON d.id = k.department_id "

static void consult_present(const struct xz_ctx *c, json_t *k)
{
	struct xz_place p = {.county_id = jint(k, "county_id"),
			     .township_id = jint(k, "township_id"),
			     .department_id = jint(k, "department_id"),
			     .unit_id = jint(k, "unit_id")};
	struct xz_fsm_subject s = {.kind = strcmp(jstr(k, "kind"), "recommendation") ? K_ASK
										     : K_RECOMMEND,
				   .state = jstr(k, "state"),
				   .user = c->user,
				   .place = &p};
	json_object_set_new(k, "state_label",
			    json_string(xz_fsm_state_label(&consult_fsm, s.state)));
	json_object_set_new(k, "allowed_actions", xz_fsm_allowed(&consult_fsm, &s));
}

struct consult_tx {
	const struct xz_consult_in *in;
	json_t *unit;
	int64_t id;
};

static int consult_insert(struct xz_ctx *c, void *arg)
{
	struct consult_tx *t = arg;
	const struct xz_consult_in *in = t->in;
	json_t *row = NULL;
	int rc = xz_db_one(
	    c->db,
	    "INSERT INTO assessment_consultations (county_id, township_id, unit_id, department_id, "
	    "kind, person_name, person_id, post, note, state, created_by, created_at, updated_at) "
	    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id",
	    XZ_ARGS(XZ_INT(jint(t->unit, "county_id")), XZ_INT(jint(t->unit, "township_id")),
		    XZ_INT(in->unit_id), XZ_INT(jint(t->unit, "department_id")), XZ_TEXT(in->kind),
		    XZ_TEXT(in->person_name), XZ_ID(in->person_id),
		    XZ_TEXT(in->post ? in->post : ""), XZ_TEXT(in->note ? in->note : ""),
		    XZ_TEXT(strcmp(in->kind, "recommendation") ? "requested" : "recommended"),
		    XZ_INT(c->user ? c->user->id : 0), XZ_INT(c->now)),
	    &row);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	t->id = jint(row, "id");
	json_decref(row);
	return xz_ctx_audit_new(c, "assessment.consultation.create", "assessment_consultation",
				t->id, NULL,
				json_pack("{s:s,s:I,s:s}", "kind", in->kind, "unit_id",
					  (json_int_t)in->unit_id, "person_name", in->person_name));
}

int xz_consult_create(struct xz_ctx *c, const struct xz_consult_in *in, json_t **out)
{
	struct consult_tx t = {.in = in};
	struct xz_place p;
	int rc;
	*out = NULL;
	if (!in->kind || (strcmp(in->kind, "appointment") && strcmp(in->kind, "removal") &&
			  strcmp(in->kind, "recommendation")))
		return xz_ctx_fail(c, XZ_ERULE, "invalid_kind",
				   "kind须为appointment、removal或recommendation",
				   "kind must be appointment, removal or recommendation", "kind");
	if (!in->person_name || !*in->person_name || strlen(in->person_name) > XZ_MAX_NAME)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_name", "须填写人员姓名",
				   "person_name is required", "person_name");
	if ((in->post && strlen(in->post) > XZ_MAX_NAME) ||
	    (in->note && strlen(in->note) > XZ_MAX_TEXT))
		return xz_ctx_fail(c, XZ_ERULE, "too_long", "内容过长", "Text too long", "note");
	if (xz_db_one(c->db,
		      "SELECT id, county_id, township_id, department_id FROM units WHERE id = $1",
		      XZ_ARGS(XZ_INT(in->unit_id)), &t.unit) < 0)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_unit", "派驻机构不存在", "No such unit",
				   "unit_id");
	p = (struct xz_place){.county_id = jint(t.unit, "county_id"),
			      .township_id = jint(t.unit, "township_id"),
			      .department_id = jint(t.unit, "department_id"),
			      .unit_id = in->unit_id};
	/* the department asks about appointing or removing; the township recommends */
	if ((rc = xz__allow(
		 c, strcmp(in->kind, "recommendation") ? "assessment.final" : "assessment.write",
		 &p)) < 0 ||
	    (rc = xz_ctx_tx(c, consult_insert, &t)) < 0)
		goto out;
	if (!(rc = xz_db_one(c->db, CONSULT_SELECT "WHERE k.id = $1", XZ_ARGS(XZ_INT(t.id)), out)))
		consult_present(c, *out);
	else
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(t.unit);
	return rc;
}

int xz_consult_list(struct xz_ctx *c, int64_t town, json_t **out)
{
	struct xz_place p = {0};
	json_t *r;
	size_t i;
	int rc;
	*out = NULL;
	if (c->user && !xz_authz_filter(c->user, "assessment.read", &p))
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权查看", "Not allowed", NULL);
	rc =
	    xz_db_query(c->db,
			CONSULT_SELECT
			"WHERE ($1 = 0 OR k.county_id = $1) AND ($2 = 0 OR k.township_id = $2) AND "
			"($3 = 0 OR k.department_id = $3) AND ($4 = 0 OR k.unit_id = $4) AND ($5 = "
			"0 OR k.township_id = $5) ORDER BY k.id DESC",
			XZ_ARGS(XZ_INT(p.county_id), XZ_INT(p.township_id), XZ_INT(p.department_id),
				XZ_INT(p.unit_id), XZ_INT(town)),
			out);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	json_array_foreach(*out, i, r) consult_present(c, r);
	return 0;
}

static int consult_walk(struct xz_ctx *c, void *arg)
{
	struct act_tx *t = arg;
	struct xz_fsm_subject s = {
	    .kind = t->kind, .state = jstr(t->rec, "state"), .user = c->user, .place = &t->place};
	struct xz_fsm_run run = {.c = c, .m = &consult_fsm, .s = &s, .record = t->rec, .in = t->in};
	int64_t changed = 0, uid = c->user ? c->user->id : 0;
	const char *opinion = json_string_value(json_object_get(t->in, "opinion")),
		   *decision = json_string_value(json_object_get(t->in, "decision"));
	int rc;
	if ((rc = xz_fsm_walk(&run, t->action)) < 0)
		return rc;
	if (!strcmp(t->action, "opinion"))
		rc = xz_db_exec(
		    c->db,
		    "UPDATE assessment_consultations SET state = $3, opinion = $4, "
		    "opinion_agree = $5, opinion_by = $6, opinion_at = $7, updated_at = $7 "
		    "WHERE id = $1 AND state = $2",
		    XZ_ARGS(XZ_INT(t->id), XZ_TEXT(s.state), XZ_TEXT(run.row->to), XZ_TEXT(opinion),
			    XZ_INT(json_is_true(json_object_get(t->in, "agree"))), XZ_ID(uid),
			    XZ_INT(c->now)),
		    &changed);
	else
		rc = xz_db_exec(
		    c->db,
		    "UPDATE assessment_consultations SET state = $3, decision = $4, "
		    "decision_by = $5, decision_at = $6, updated_at = $6 WHERE id = $1 AND "
		    "state = $2",
		    XZ_ARGS(XZ_INT(t->id), XZ_TEXT(s.state), XZ_TEXT(run.row->to),
			    XZ_TEXT(decision), XZ_ID(uid), XZ_INT(c->now)),
		    &changed);
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	if (!changed)
		return xz_ctx_fail(c, XZ_ECONFLICT, "version_conflict", "记录已被他人处理，请刷新",
				   "The record changed meanwhile; reload", NULL);
	return xz_ctx_audit_new(
	    c, xz_arena_printf(c->arena, "assessment.consultation.%s", t->action),
	    "assessment_consultation", t->id, json_pack("{s:s}", "state", s.state),
	    json_pack("{s:s,s:s?,s:s?}", "state", run.row->to, "opinion", opinion, "decision",
		      decision));
}

int xz_consult_act(struct xz_ctx *c, int64_t id, const char *action, json_t *in, json_t **out)
{
	struct act_tx t = {.id = id, .action = action, .in = in};
	int rc = xz_db_one(c->db, CONSULT_SELECT "WHERE k.id = $1", XZ_ARGS(XZ_INT(id)), &t.rec);
	*out = NULL;
	if (rc < 0)
		return rc == XZ_ENOTFOUND ? xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "记录不存在",
							"Record not found", NULL)
					  : xz_ctx_fail_db(c, rc);
	t.place = (struct xz_place){.county_id = jint(t.rec, "county_id"),
				    .township_id = jint(t.rec, "township_id"),
				    .department_id = jint(t.rec, "department_id"),
				    .unit_id = jint(t.rec, "unit_id")};
	t.kind = strcmp(jstr(t.rec, "kind"), "recommendation") ? K_ASK : K_RECOMMEND;
	if (c->user && !xz_authz(c->user, "assessment.read", &t.place)) {
		json_decref(t.rec);
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权执行此操作", "Not allowed",
				   NULL);
	}
	rc = xz_ctx_tx(c, consult_walk, &t);
	json_decref(t.rec);
	if (rc < 0)
		return rc;
	if ((rc = xz_db_one(c->db, CONSULT_SELECT "WHERE k.id = $1", XZ_ARGS(XZ_INT(id)), out)) < 0)
		return xz_ctx_fail_db(c, rc);
	consult_present(c, *out);
	return 0;
}
