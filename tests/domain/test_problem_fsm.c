/* test_problem_fsm.c — the problem life cycle as a table
 * (xz_problem_fsm in src/domain/problem.c, walked by src/domain/fsm.c).
 *
 * Checks the table's shape (every state reachable from reported, the open
 * states exactly those that are not settled, labels and fields for every
 * row, every permission known to authz), who may take each action in the
 * problem's own place and nobody from another place (fake users, no
 * database), and what each demo role is offered in a given state. */
#include <string.h>

#include "core/xz.h"
#include "domain/authz.h"
#include "domain/fsm.h"
#include "domain/problem.h"
#include "unit.h"

enum { COUNTY = 10, TOWN = 100, TOWN2 = 101, DEPT = 7, DEPT2 = 8, UNIT = 50, UNIT2 = 51 };

/* the problem's place: township TOWN, routed to unit UNIT of department DEPT */
static const struct xz_place here = {
    .county_id = COUNTY, .township_id = TOWN, .department_id = DEPT, .unit_id = UNIT};

static struct xz_user user(unsigned roles, int64_t town, int64_t dept, int64_t unit)
{
	struct xz_user u = {.id = 1,
			    .county_id = COUNTY,
			    .township_id = town,
			    .department_id = dept,
			    .unit_id = unit,
			    .roles = roles,
			    .username = "t",
			    .display_name = "t"};
	return u;
}

/* the demo roles, in the problem's place */
static struct xz_user role(const char *name)
{
	if (!strcmp(name, "office"))
		return user(XZ_ROLE_OFFICE, TOWN, 0, 0);
	if (!strcmp(name, "leader"))
		return user(XZ_ROLE_LEADER, TOWN, 0, 0);
	if (!strcmp(name, "grid"))
		return user(XZ_ROLE_GRID, TOWN, 0, 0);
	if (!strcmp(name, "staff"))
		return user(XZ_ROLE_STAFF, TOWN, DEPT, UNIT);
	if (!strcmp(name, "contact"))
		return user(XZ_ROLE_CONTACT | XZ_ROLE_STAFF, TOWN, DEPT, UNIT);
	if (!strcmp(name, "dept"))
		return user(XZ_ROLE_DEPT, 0, DEPT, 0);
	if (!strcmp(name, "admin"))
		return user(XZ_ROLE_ADMIN, 0, 0, 0);
	return user(XZ_ROLE_AUDITOR, 0, 0, 0);
}

/* the same role somewhere else: another township, unit or department line */
static struct xz_user elsewhere(const char *name)
{
	struct xz_user u = role(name);
	if (u.township_id)
		u.township_id = TOWN2;
	if (u.unit_id)
		u.unit_id = UNIT2;
	if (u.department_id)
		u.department_id = DEPT2;
	return u;
}

static int state_index(const char *s)
{
	int i;
	for (i = 0; xz_problem_fsm.states[i]; i++)
		if (!strcmp(xz_problem_fsm.states[i], s))
			return i;
	return -1;
}

/* from: visit each state of a space-separated list */
static void each_from(const char *list, void (*fn)(const char *state, void *arg), void *arg)
{
	char buf[256], *save = NULL, *tok;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		fn(tok, arg);
}

static void check_known_state(const char *state, void *arg)
{
	(void)arg;
	CHECK(state_index(state) >= 0);
}

static void test_shape(void)
{
	const struct xz_fsm *m = &xz_problem_fsm;
	size_t i, f;
	CHECK_EQ_STR(m->name, "problem");
	CHECK_EQ_STR(m->selector, "passed");
	for (i = 0; m->states[i]; i++)
		CHECK(m->state_labels[i] && *m->state_labels[i]);
	for (i = 0; i < m->nrows; i++) {
		const struct xz_fsm_row *r = &m->rows[i];
		unsigned bits = 0;
		CHECK(r->label && *r->label);
		CHECK(r->perm && xz_authz_known(r->perm));
		CHECK(!r->to || state_index(r->to) >= 0);
		each_from(r->from, check_known_state, NULL);
		for (f = 0; f < m->nfields; f++)
			bits |= m->fields[f].bit;
		CHECK((r->requires & ~bits) == 0); /* every required bit names a field */
	}
	for (f = 0; f < m->nfields; f++) {
		CHECK(m->fields[f].rc == XZ_EMALFORMED);
		CHECK_EQ_STR(m->fields[f].code, "missing_field");
	}
}

static void test_every_state_reachable(void)
{
	const struct xz_fsm *m = &xz_problem_fsm;
	bool seen[32] = {false};
	bool grew = true;
	size_t i;
	seen[state_index("reported")] = true;
	while (grew) {
		grew = false;
		for (i = 0; i < m->nrows; i++) {
			const struct xz_fsm_row *r = &m->rows[i];
			int to = r->to ? state_index(r->to) : -1;
			bool from_seen = false;
			for (int s = 0; m->states[s]; s++)
				from_seen =
				    from_seen || (seen[s] && xz_fsm_in(r->from, m->states[s]));
			if (from_seen && to >= 0 && !seen[to])
				seen[to] = grew = true;
		}
	}
	for (i = 0; m->states[i]; i++) {
		if (!seen[i])
			fprintf(stderr, "  unreachable: %s\n", m->states[i]);
		CHECK(seen[i]);
	}
}

/* open states are exactly those some row leaves for another state */
static void test_open_is_not_settled(void)
{
	const struct xz_fsm *m = &xz_problem_fsm;
	size_t i, s;
	for (s = 0; m->states[s]; s++) {
		bool moves = false;
		for (i = 0; i < m->nrows; i++)
			moves = moves || (m->rows[i].to && strcmp(m->rows[i].to, m->states[s]) &&
					  xz_fsm_in(m->rows[i].from, m->states[s]));
		if (moves != xz_fsm_is_open(m, m->states[s]))
			fprintf(stderr, "  %s: moves %d open %d\n", m->states[s], moves,
				xz_fsm_is_open(m, m->states[s]));
		CHECK(moves == xz_fsm_is_open(m, m->states[s]));
	}
	CHECK(!xz_fsm_is_open(m, "closed"));
	CHECK(!xz_fsm_is_open(m, "rejected"));
	CHECK(!xz_fsm_is_open(m, "merged"));
	CHECK_EQ_STR(xz_fsm_open_sql(m), "'reported','accepted','dispatched','in_hand','handled',"
					 "'verified','escalated','taken_up'");
}

/* who may take each action, in the problem's place and from elsewhere */
static void test_who_may(void)
{
	static const char *const roles[] = {"office",  "leader", "grid",  "staff",
					    "contact", "dept",	 "admin", "auditor"};
	static const struct {
		const char *action, *from, *may; /* space-separated roles */
	} want[] = {
	    {"accept", "reported", "office"},
	    {"reject", "reported", "office"},
	    {"merge", "reported", "office"},
	    {"dispatch", "accepted", "office"},
	    {"take", "dispatched", "staff contact"},
	    {"return", "in_hand", "staff contact"},
	    {"handle", "in_hand", "staff contact"},
	    {"verify", "handled", "grid office"},
	    {"close", "verified", "office"},
	    {"evaluate", "closed", "office leader"},
	    {"supervise", "in_hand", "office leader dept"},
	    {"escalate", "accepted", "office"},
	    {"request_escalation", "in_hand", "contact"},
	    {"decline_escalation", "in_hand", "office"},
	    {"take_up", "dispatched", "dept"},
	    {"conclude", "taken_up", "dept"},
	    {"conclude", "escalated", "office"},
	    {"hand_back", "taken_up", "dept"},
	    {"hand_back", "escalated", "office"},
	    {"assign", "in_hand", "dept"},
	    {"assign", "taken_up", "dept"},
	};
	size_t i, k;
	for (i = 0; i < XZ_ARRAY_LEN(want); i++)
		for (k = 0; k < XZ_ARRAY_LEN(roles); k++) {
			struct xz_user u = role(roles[k]), o = elsewhere(roles[k]);
			struct xz_fsm_subject s = {
			    .state = want[i].from, .user = &u, .place = &here};
			struct xz_fsm_subject t = {
			    .state = want[i].from, .user = &o, .place = &here};
			json_t *a = xz_fsm_allowed_names(&xz_problem_fsm, &s);
			json_t *b = xz_fsm_allowed_names(&xz_problem_fsm, &t);
			bool may = false, there = false;
			size_t j;
			json_t *v;
			json_array_foreach(a, j, v) may =
			    may || !strcmp(json_string_value(v), want[i].action);
			json_array_foreach(b, j, v) there =
			    there || !strcmp(json_string_value(v), want[i].action);
			if (may != xz_fsm_in(want[i].may, roles[k]) || there)
				fprintf(stderr, "  %s in %s by %s: may %d, from elsewhere %d\n",
					want[i].action, want[i].from, roles[k], may, there);
			CHECK(may == xz_fsm_in(want[i].may, roles[k]));
			CHECK(!there);
			json_decref(a);
			json_decref(b);
		}
}

static const char *allowed(const char *who, const char *state)
{
	static char out[256];
	struct xz_user u = role(who);
	struct xz_fsm_subject s = {.state = state, .user = &u, .place = &here};
	json_t *a = xz_fsm_allowed_names(&xz_problem_fsm, &s), *v;
	size_t i, n = 0;
	out[0] = 0;
	json_array_foreach(a, i, v) n +=
	    (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "", json_string_value(v));
	json_decref(a);
	return out;
}

static void test_allowed_per_role(void)
{
	CHECK_EQ_STR(allowed("office", "reported"),
		     "accept reject merge dispatch supervise escalate");
	CHECK_EQ_STR(allowed("grid", "reported"), "");
	CHECK_EQ_STR(allowed("staff", "dispatched"), "take return handle");
	CHECK_EQ_STR(allowed("contact", "dispatched"), "take return handle request_escalation");
	CHECK_EQ_STR(allowed("office", "dispatched"), "supervise escalate decline_escalation");
	CHECK_EQ_STR(allowed("dept", "dispatched"), "supervise take_up assign");
	CHECK_EQ_STR(allowed("grid", "handled"), "verify");
	CHECK_EQ_STR(allowed("leader", "closed"), "evaluate");
	CHECK_EQ_STR(allowed("dept", "taken_up"), "supervise conclude hand_back assign");
	CHECK_EQ_STR(allowed("office", "taken_up"), "supervise");
	CHECK_EQ_STR(allowed("office", "escalated"), "supervise conclude hand_back");
	CHECK_EQ_STR(allowed("admin", "reported"), "");
	CHECK_EQ_STR(allowed("auditor", "in_hand"), "");
	CHECK_EQ_STR(allowed("office", "rejected"), "");
}

/* the walker's answers for the problem rows (no storage is touched) */
static void test_select(void)
{
	struct xz_ctx c = {0};
	struct xz_user office = role("office"), grid = role("grid");
	struct xz_fsm_subject s = {.state = "handled", .user = &grid, .place = &here};
	const struct xz_fsm_row *row = NULL;
	json_t *failed = json_pack("{s:b}", "passed", 0), *bad = json_pack("{s:i}", "passed", 1);
	c.arena = xz_arena_new();
	CHECK_EQ_INT(xz_fsm_select(&c, &xz_problem_fsm, &s, "verify", failed, &row), 0);
	CHECK(row && !strcmp(row->to, "in_hand"));
	CHECK_EQ_INT(xz_fsm_select(&c, &xz_problem_fsm, &s, "verify", bad, &row), XZ_EMALFORMED);
	CHECK_EQ_STR(c.err_code, "invalid_body");
	CHECK_EQ_INT(xz_fsm_select(&c, &xz_problem_fsm, &s, "fly", NULL, &row), XZ_EMALFORMED);
	CHECK_EQ_STR(c.err_code, "unknown_action");
	CHECK_EQ_INT(xz_fsm_select(&c, &xz_problem_fsm, &s, "take_up", NULL, &row), XZ_EFORBIDDEN);
	s.user = &office;
	s.state = "closed";
	CHECK_EQ_INT(xz_fsm_select(&c, &xz_problem_fsm, &s, "dispatch", NULL, &row), XZ_ECONFLICT);
	CHECK_EQ_STR(c.err_code, "invalid_transition");
	s.user = NULL; /* the system is admitted by every row */
	s.state = "escalated";
	CHECK_EQ_INT(xz_fsm_select(&c, &xz_problem_fsm, &s, "conclude", NULL, &row), 0);
	json_decref(failed);
	json_decref(bad);
	xz_arena_free(c.arena);
}

int main(void)
{
	RUN(test_shape);
	RUN(test_every_state_reachable);
	RUN(test_open_is_not_settled);
	RUN(test_who_may);
	RUN(test_allowed_per_role);
	RUN(test_select);
	return unit_done();
}
