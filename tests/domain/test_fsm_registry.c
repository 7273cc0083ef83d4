/* test_fsm_registry.c — every life cycle in the registry
 * (src/domain/fsm_registry.c) is a well-formed table: each row leaves and
 * reaches states the machine names, carries a Chinese label and asks only
 * for fields the machine declares; every state has a label; the open
 * states are states; every state but the first is reached by some row, and
 * every open state is left by some row (no record can be stranded in the
 * loop). A table edited by hand that breaks one of these fails here. */
#include <stdbool.h>
#include <string.h>

#include "domain/fsm.h"
#include "domain/fsm_registry.h"
#include "unit.h"

static bool is_state(const struct xz_fsm *m, const char *s)
{
	for (size_t i = 0; m->states[i]; i++)
		if (!strcmp(m->states[i], s))
			return true;
	return false;
}

/* all_states: is every space-separated word of list a state of m? */
static bool all_states(const struct xz_fsm *m, const char *list)
{
	char w[64];
	const char *p = list;
	while (*p) {
		while (*p == ' ')
			p++;
		size_t n = strcspn(p, " ");
		if (!n)
			break;
		if (n >= sizeof w)
			return false;
		memcpy(w, p, n);
		w[n] = '\0';
		if (!is_state(m, w)) {
			fprintf(stderr, "  %s: unknown state \"%s\"\n", m->name, w);
			return false;
		}
		p += n;
	}
	return true;
}

static unsigned declared_bits(const struct xz_fsm *m)
{
	unsigned bits = 0;
	for (size_t i = 0; i < m->nfields; i++)
		bits |= m->fields[i].bit;
	return bits;
}

static void test_rows_name_known_states_fields_and_labels(void)
{
	for (size_t k = 0; xz_fsm_registry[k]; k++) {
		const struct xz_fsm *m = xz_fsm_registry[k];
		CHECK(m->name && *m->name);
		CHECK(m->nrows > 0);
		unsigned fields = declared_bits(m);
		for (size_t i = 0; i < m->nrows; i++) {
			const struct xz_fsm_row *r = &m->rows[i];
			CHECK(r->action && *r->action);
			CHECK(r->label && *r->label);
			CHECK(r->from && all_states(m, r->from));
			CHECK(!r->to || is_state(m, r->to));
			if ((r->requires & ~fields) != 0)
				fprintf(stderr, "  %s/%s asks for an undeclared field\n", m->name,
					r->action);
			CHECK((r->requires & ~fields) == 0);
		}
		for (size_t i = 0; m->states[i]; i++)
			CHECK(m->state_labels[i] && *m->state_labels[i]);
		CHECK(all_states(m, m->open));
	}
}

static void test_no_state_is_unreachable_and_no_open_state_a_trap(void)
{
	for (size_t k = 0; xz_fsm_registry[k]; k++) {
		const struct xz_fsm *m = xz_fsm_registry[k];
		for (size_t s = 0; m->states[s]; s++) {
			const char *st = m->states[s];
			bool reached = s == 0, left = false;
			for (size_t i = 0; i < m->nrows; i++) {
				const struct xz_fsm_row *r = &m->rows[i];
				if (r->to && !strcmp(r->to, st) && !xz_fsm_in(r->from, st))
					reached = true;
				if (xz_fsm_in(r->from, st) && r->to && strcmp(r->to, st))
					left = true;
			}
			if (!reached)
				fprintf(stderr, "  %s: no row reaches \"%s\"\n", m->name, st);
			CHECK(reached);
			if (xz_fsm_is_open(m, st)) {
				if (!left)
					fprintf(stderr, "  %s: open state \"%s\" has no way out\n",
						m->name, st);
				CHECK(left);
			}
		}
	}
}

static void test_labels_answer_every_state_and_action(void)
{
	for (size_t k = 0; xz_fsm_registry[k]; k++) {
		const struct xz_fsm *m = xz_fsm_registry[k];
		json_t *l = xz_fsm_labels(m);
		json_t *states = json_object_get(l, "states"),
		       *actions = json_object_get(l, "actions");
		for (size_t s = 0; m->states[s]; s++)
			CHECK(json_is_string(json_object_get(states, m->states[s])));
		for (size_t i = 0; i < m->nrows; i++)
			CHECK(json_is_string(json_object_get(actions, m->rows[i].action)));
		json_decref(l);
	}
}

static void test_the_registry_holds_every_machine(void)
{
	const char *want[] = {"problem",      "joint_action",	    "meeting",
			      "meeting_item", "inspection_finding", "assessment_scheme"};
	for (size_t w = 0; w < sizeof want / sizeof *want; w++) {
		bool found = false;
		for (size_t k = 0; xz_fsm_registry[k]; k++)
			found |= !strcmp(xz_fsm_registry[k]->name, want[w]);
		if (!found)
			fprintf(stderr, "  missing machine %s\n", want[w]);
		CHECK(found);
	}
}

int main(void)
{
	RUN(test_rows_name_known_states_fields_and_labels);
	RUN(test_no_state_is_unreachable_and_no_open_state_a_trap);
	RUN(test_labels_answer_every_state_and_action);
	RUN(test_the_registry_holds_every_machine);
	return unit_done();
}
