/* test_joint_fsm.c — the joint action's life cycle table (src/domain/jointaction.c)
 * walked by the one walker (src/domain/fsm.c), and the relations authz.c
 * decides for it: each mechanism's path from draft to concluded taken by
 * the right relation; a wrong relation is forbidden, a wrong state a
 * conflict; the two decide rows chosen by `launch`; the fields with their
 * own error codes. No storage: rows with a guard are selected, not run. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "domain/authz.h"
#include "domain/fsm.h"
#include "domain/jointaction.h"
#include "unit.h"

static struct xz_arena *arena;
static struct xz_user someone = {.id = 1, .roles = XZ_ROLE_OFFICE};

/* sel: select the row for action on (kind, state) by relation who, with
 * the input in (may be NULL); answers the return code, *to the state. */
static int sel(unsigned kind, const char *state, const char *action, unsigned who, json_t *in,
	       const char **to, const char **code)
{
	struct xz_ctx c = {.arena = arena};
	struct xz_place pl = {.county_id = 1, .township_id = 2};
	struct xz_fsm_subject s = {
	    .kind = kind, .state = state, .user = &someone, .place = &pl, .who = who};
	const struct xz_fsm_row *row = NULL;
	int rc = xz_fsm_select(&c, &xz_joint_fsm, &s, action, in, &row);
	*to = rc == 0 ? (row->to ? row->to : state) : NULL;
	*code = c.err_code;
	return rc;
}

struct step {
	const char *action;
	unsigned who;
	int launch; /* -1 absent */
	const char *to;
};

static void walk(unsigned kind, const struct step *steps, size_t n)
{
	const char *state = "draft", *to, *code;
	size_t i;
	for (i = 0; i < n; i++) {
		json_t *in =
		    steps[i].launch < 0 ? NULL : json_pack("{s:b}", "launch", steps[i].launch);
		int rc = sel(kind, state, steps[i].action, steps[i].who, in, &to, &code);
		CHECK_EQ_INT(rc, 0);
		CHECK_EQ_STR(to, steps[i].to);
		json_decref(in);
		if (rc)
			return;
		state = to;
	}
}

static void test_routine_path(void)
{
	static const struct step s[] = {
	    {"submit", XZ_JW_OFFICE, -1, "submitted"},	{"return", XZ_JW_LEADER, -1, "draft"},
	    {"submit", XZ_JW_OFFICE, -1, "submitted"},	{"approve", XZ_JW_LEADER, -1, "approved"},
	    {"start", XZ_JW_OFFICE, -1, "in_progress"}, {"conclude", XZ_JW_LEAD, -1, "concluded"},
	};
	walk(XZ_JM_ROUTINE, s, XZ_ARRAY_LEN(s));
}

static void test_emergency_path(void)
{
	static const struct step s[] = {
	    {"submit", XZ_JW_OFFICE, -1, "submitted"},
	    {"approve", XZ_JW_LEADER | XZ_JW_HEAD, -1, "in_progress"}, /* starts at once */
	    {"conclude", XZ_JW_OFFICE, -1, "concluded"},
	};
	walk(XZ_JM_EMERGENCY, s, XZ_ARRAY_LEN(s));
}

static void test_special_path(void)
{
	static const struct step s[] = {
	    {"submit", XZ_JW_APPLICANT, -1, "submitted"},
	    {"forward", XZ_JW_OFFICE, -1, "forwarded"},
	    {"decide", XZ_JW_HEAD, 1, "approved"},
	    {"start", XZ_JW_LEAD, -1, "in_progress"},
	    {"conclude", XZ_JW_LEAD, -1, "concluded"},
	};
	walk(XZ_JM_SPECIAL, s, XZ_ARRAY_LEN(s));
}

static void test_county_path(void)
{
	static const struct step s[] = {
	    {"start", XZ_JW_OWNER, -1, "in_progress"},
	    {"conclude", XZ_JW_OWNER, -1, "concluded"},
	};
	walk(XZ_JM_COUNTY, s, XZ_ARRAY_LEN(s));
}

static void test_wrong_relation_is_forbidden(void)
{
	const char *to, *code;
	/* the office cannot approve its own plan; a deputy cannot approve an
	 * emergency (the group leader does); the leader cannot forward; the
	 * office cannot decide; a township office cannot start a county action */
	CHECK_EQ_INT(sel(XZ_JM_ROUTINE, "submitted", "approve", XZ_JW_OFFICE, NULL, &to, &code),
		     XZ_EFORBIDDEN);
	CHECK_EQ_STR(code, "forbidden");
	CHECK_EQ_INT(sel(XZ_JM_EMERGENCY, "submitted", "approve", XZ_JW_LEADER, NULL, &to, &code),
		     XZ_EFORBIDDEN);
	CHECK_EQ_INT(
	    sel(XZ_JM_SPECIAL, "submitted", "forward", XZ_JW_LEADER | XZ_JW_HEAD, NULL, &to, &code),
	    XZ_EFORBIDDEN);
	CHECK_EQ_INT(sel(XZ_JM_SPECIAL, "forwarded", "decide", XZ_JW_OFFICE, NULL, &to, &code),
		     XZ_EFORBIDDEN);
	CHECK_EQ_INT(sel(XZ_JM_COUNTY, "draft", "start", XZ_JW_OFFICE, NULL, &to, &code),
		     XZ_EFORBIDDEN);
	CHECK_EQ_INT(sel(XZ_JM_SPECIAL, "draft", "submit", XZ_JW_OFFICE, NULL, &to, &code),
		     XZ_EFORBIDDEN);
	/* nobody: no relation at all */
	CHECK_EQ_INT(sel(XZ_JM_ROUTINE, "draft", "submit", 0, NULL, &to, &code), XZ_EFORBIDDEN);
}

static void test_wrong_state_is_conflict(void)
{
	const char *to, *code;
	CHECK_EQ_INT(sel(XZ_JM_ROUTINE, "draft", "approve", XZ_JW_LEADER, NULL, &to, &code),
		     XZ_ECONFLICT);
	CHECK_EQ_STR(code, "invalid_transition");
	CHECK_EQ_INT(sel(XZ_JM_SPECIAL, "submitted", "decide", XZ_JW_HEAD, NULL, &to, &code),
		     XZ_ECONFLICT);
	CHECK_EQ_INT(sel(XZ_JM_SPECIAL, "concluded", "start", XZ_JW_LEAD, NULL, &to, &code),
		     XZ_ECONFLICT);
	CHECK_EQ_INT(sel(XZ_JM_ROUTINE, "in_progress", "cancel", XZ_JW_OFFICE, NULL, &to, &code),
		     XZ_ECONFLICT);
	/* an unknown action */
	CHECK_EQ_INT(sel(XZ_JM_ROUTINE, "draft", "fly", XZ_JW_OFFICE, NULL, &to, &code),
		     XZ_EMALFORMED);
}

static void test_decide_rows_by_launch(void)
{
	const char *to, *code;
	json_t *yes = json_pack("{s:b,s:s}", "launch", 1, "reasons", "理由"),
	       *no = json_pack("{s:b,s:s}", "launch", 0, "reasons", "理由"),
	       *bad = json_pack("{s:s}", "launch", "yes");
	CHECK_EQ_INT(sel(XZ_JM_SPECIAL, "forwarded", "decide", XZ_JW_HEAD, yes, &to, &code), 0);
	CHECK_EQ_STR(to, "approved");
	CHECK_EQ_INT(sel(XZ_JM_SPECIAL, "forwarded", "decide", XZ_JW_HEAD, no, &to, &code), 0);
	CHECK_EQ_STR(to, "not_launched");
	CHECK_EQ_INT(sel(XZ_JM_SPECIAL, "forwarded", "decide", XZ_JW_HEAD, bad, &to, &code),
		     XZ_EMALFORMED);
	CHECK_EQ_STR(code, "invalid_body");
	json_decref(yes);
	json_decref(no);
	json_decref(bad);
}

/* check: the required fields of the row taken, with their own codes. */
static void check(unsigned kind, const char *state, const char *action, unsigned who,
		  const char *body, int want_rc, const char *want_code)
{
	struct xz_ctx c = {.arena = arena};
	struct xz_place pl = {.county_id = 1, .township_id = 2};
	struct xz_fsm_subject s = {
	    .kind = kind, .state = state, .user = &someone, .place = &pl, .who = who};
	json_t *in = json_loads(body, 0, NULL);
	struct xz_fsm_run run = {.c = &c, .m = &xz_joint_fsm, .s = &s, .in = in};
	int rc = xz_fsm_select(&c, &xz_joint_fsm, &s, action, in, &run.row);
	CHECK_EQ_INT(rc, 0);
	if (rc == 0) {
		rc = xz_fsm_check(&run);
		CHECK_EQ_INT(rc, want_rc);
		if (want_code)
			CHECK_EQ_STR(c.err_code, want_code);
	}
	json_decref(in);
}

static void test_fields_and_their_codes(void)
{
	check(XZ_JM_SPECIAL, "forwarded", "decide", XZ_JW_HEAD, "{\"reasons\":\"理由\"}",
	      XZ_EMALFORMED, "launch_required");
	check(XZ_JM_SPECIAL, "forwarded", "decide", XZ_JW_HEAD, "{\"launch\":true}", XZ_ERULE,
	      "reasons_required");
	check(XZ_JM_SPECIAL, "forwarded", "decide", XZ_JW_HEAD,
	      "{\"launch\":true,\"reasons\":\"  \"}", XZ_ERULE, "reasons_required");
	check(XZ_JM_ROUTINE, "submitted", "return", XZ_JW_LEADER, "{}", XZ_ERULE,
	      "reason_required");
	check(XZ_JM_ROUTINE, "in_progress", "conclude", XZ_JW_OFFICE, "{}", XZ_ERULE,
	      "summary_required");
	check(XZ_JM_ROUTINE, "in_progress", "conclude", XZ_JW_OFFICE, "{\"summary\":\"小结\"}", 0,
	      NULL);
}

static void test_allowed_actions(void)
{
	struct xz_place pl = {.county_id = 1, .township_id = 2};
	struct xz_fsm_subject s = {.kind = XZ_JM_ROUTINE,
				   .state = "submitted",
				   .user = &someone,
				   .place = &pl,
				   .who = XZ_JW_LEADER};
	json_t *a = xz_fsm_allowed_names(&xz_joint_fsm, &s);
	char *txt = json_dumps(a, JSON_COMPACT);
	CHECK_EQ_STR(txt, "[\"approve\",\"return\"]");
	free(txt);
	json_decref(a);
	s.kind = XZ_JM_SPECIAL;
	s.state = "draft";
	s.who = XZ_JW_APPLICANT;
	a = xz_fsm_allowed_names(&xz_joint_fsm, &s);
	txt = json_dumps(a, JSON_COMPACT);
	CHECK_EQ_STR(txt, "[\"submit\",\"cancel\"]");
	free(txt);
	json_decref(a);
	CHECK(xz_fsm_is_open(&xz_joint_fsm, "in_progress"));
	CHECK(!xz_fsm_is_open(&xz_joint_fsm, "concluded"));
	CHECK_EQ_STR(xz_fsm_state_label(&xz_joint_fsm, "not_launched"), "决定不启动");
}

static void test_relations(void)
{
	struct xz_user
	    office = {.id = 1, .county_id = 1, .township_id = 2, .roles = XZ_ROLE_OFFICE},
	    leader = {.id = 2,
		      .county_id = 1,
		      .township_id = 2,
		      .person_id = 9,
		      .roles = XZ_ROLE_LEADER},
	    contact = {.id = 3,
		       .county_id = 1,
		       .township_id = 2,
		       .unit_id = 7,
		       .roles = XZ_ROLE_CONTACT | XZ_ROLE_STAFF},
	    office2 = {.id = 4, .county_id = 1, .township_id = 3, .roles = XZ_ROLE_OFFICE},
	    dept = {.id = 5, .county_id = 1, .department_id = 4, .roles = XZ_ROLE_DEPT},
	    staff = {.id = 6,
		     .county_id = 1,
		     .township_id = 2,
		     .unit_id = 7,
		     .person_id = 11,
		     .roles = XZ_ROLE_STAFF};
	struct xz_joint_rel town = {.county_id = 1,
				    .township_id = 2,
				    .applicant_unit_id = 7,
				    .lead_unit_id = 7},
			    county = {.county_id = 1, .department_id = 4};
	CHECK_EQ_INT(xz_authz_joint_relation(&office, &town), XZ_JW_OFFICE);
	CHECK_EQ_INT(xz_authz_joint_relation(&office2, &town), 0);
	CHECK_EQ_INT(xz_authz_joint_relation(&contact, &town),
		     XZ_JW_APPLICANT | XZ_JW_LEAD | XZ_JW_CONTACT);
	CHECK_EQ_INT(xz_authz_joint_relation(&staff, &town), 0);  /* staff is not the contact */
	CHECK_EQ_INT(xz_authz_joint_relation(&leader, &town), 0); /* not in the group */
	town.position = "deputy";
	CHECK_EQ_INT(xz_authz_joint_relation(&leader, &town), XZ_JW_LEADER);
	town.position = "leader";
	CHECK_EQ_INT(xz_authz_joint_relation(&leader, &town), XZ_JW_LEADER | XZ_JW_HEAD);
	CHECK_EQ_INT(xz_authz_joint_relation(&dept, &county), XZ_JW_OWNER);
	CHECK_EQ_INT(xz_authz_joint_relation(&dept, &town), 0);
	town.person_id = 11;
	town.is_participant = true;
	CHECK_EQ_INT(xz_authz_joint_relation(&staff, &town), XZ_JW_PERSON | XZ_JW_MEMBER);
	CHECK_EQ_INT(xz_authz_joint_relation(NULL, &town), 0);
}

int main(void)
{
	arena = xz_arena_new();
	RUN(test_routine_path);
	RUN(test_emergency_path);
	RUN(test_special_path);
	RUN(test_county_path);
	RUN(test_wrong_relation_is_forbidden);
	RUN(test_wrong_state_is_conflict);
	RUN(test_decide_rows_by_launch);
	RUN(test_fields_and_their_codes);
	RUN(test_allowed_actions);
	RUN(test_relations);
	xz_arena_free(arena);
	return unit_done();
}
