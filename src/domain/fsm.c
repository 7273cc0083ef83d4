/*
 * fsm.c — the walker of every life cycle (see fsm.h). A concept supplies a
 * struct xz_fsm (states, fields, rows); this file selects the row for a
 * request, decides admission through authz (permission on the record's
 * place, relation bits the concept computed), checks the required fields
 * and runs the row's guard and effect. It never touches storage itself.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "domain/fsm.h"

bool xz_fsm_in(const char *list, const char *state)
{
	size_t n;
	const char *p;
	if (!list || !state || !*state)
		return false;
	n = strlen(state);
	for (p = list; (p = strstr(p, state)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == 0))
			return true;
	return false;
}

bool xz_fsm_is_open(const struct xz_fsm *m, const char *state)
{
	return xz_fsm_in(m->open, state);
}

bool xz_fsm_known_action(const struct xz_fsm *m, const char *action)
{
	size_t i;
	for (i = 0; action && i < m->nrows; i++)
		if (!strcmp(m->rows[i].action, action))
			return true;
	return false;
}

const char *xz_fsm_state_label(const struct xz_fsm *m, const char *state)
{
	size_t i;
	for (i = 0; state && m->states[i]; i++)
		if (!strcmp(m->states[i], state))
			return m->state_labels[i];
	return state;
}

bool xz_fsm_admits(const struct xz_fsm_row *row, const struct xz_fsm_subject *s)
{
	if (!s->user)
		return true; /* the system acts under every rule's own checks */
	if (row->perm && !xz_authz(s->user, row->perm, s->place))
		return false;
	if (row->who && !(row->who & s->who))
		return false;
	return row->perm || row->who; /* a row naming nobody admits nobody */
}

static bool kind_fits(const struct xz_fsm_row *row, unsigned kind)
{
	return !row->kinds || (row->kinds & kind);
}

static bool cond_fits(const struct xz_fsm_row *row, int selector)
{
	if (selector < 0 || row->cond == XZ_FSM_ANY)
		return true;
	return (row->cond == XZ_FSM_IF_TRUE) == (selector == 1);
}

/* selector_of: -1 absent, 0/1, or -2 when present but not a boolean. */
static int selector_of(const struct xz_fsm *m, const json_t *in)
{
	json_t *v;
	if (!m->selector || !in || !(v = json_object_get(in, m->selector)) || json_is_null(v))
		return -1;
	return json_is_boolean(v) ? json_is_true(v) : -2;
}

int xz_fsm_select(struct xz_ctx *c, const struct xz_fsm *m, const struct xz_fsm_subject *s,
		  const char *action, const json_t *in, const struct xz_fsm_row **row)
{
	bool known = false, admitted = false;
	int sel = selector_of(m, in);
	size_t i;

	*row = NULL;
	if (sel == -2)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_body",
				   xz_arena_printf(c->arena, "%s须为true或false", m->selector),
				   xz_arena_printf(c->arena, "%s must be true or false", m->selector),
				   m->selector);
	for (i = 0; action && i < m->nrows; i++) {
		const struct xz_fsm_row *r = &m->rows[i];
		if (strcmp(r->action, action))
			continue;
		known = true;
		if (!kind_fits(r, s->kind) || !xz_fsm_admits(r, s))
			continue;
		admitted = true;
		if (xz_fsm_in(r->from, s->state) && cond_fits(r, sel)) {
			*row = r;
			return 0;
		}
	}
	if (!known)
		return xz_ctx_fail(c, XZ_EMALFORMED, "unknown_action", "未知的操作", "Unknown action",
				   "action");
	if (!admitted)
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权执行此操作", "Not allowed",
				   NULL);
	return xz_ctx_fail(c, XZ_ECONFLICT, "invalid_transition",
			   xz_arena_printf(c->arena, "当前状态（%s）不能执行该操作",
					   xz_fsm_state_label(m, s->state)),
			   xz_arena_printf(c->arena, "Action %s is not allowed in state %s", action,
					   s->state),
			   "action");
}

static bool field_ok(const struct xz_fsm_field *f, const json_t *v)
{
	switch (f->type) {
	case XZ_FSM_TEXT:
		return json_is_string(v) && json_string_length(v) > 0 &&
		       json_string_length(v) <= XZ_MAX_TEXT &&
		       strspn(json_string_value(v), " \t\r\n") < json_string_length(v);
	case XZ_FSM_ID: return json_is_integer(v) && json_integer_value(v) > 0;
	case XZ_FSM_BOOL: return json_is_boolean(v);
	case XZ_FSM_INT:
		return json_is_integer(v) && json_integer_value(v) >= f->min &&
		       json_integer_value(v) <= f->max;
	}
	return false;
}

int xz_fsm_check(struct xz_fsm_run *run)
{
	const struct xz_fsm *m = run->m;
	size_t i;
	for (i = 0; i < m->nfields; i++) {
		const struct xz_fsm_field *f = &m->fields[i];
		if (!(run->row->requires & f->bit))
			continue;
		if (!field_ok(f, run->in ? json_object_get(run->in, f->name) : NULL))
			return xz_ctx_fail(run->c, f->rc, f->code, f->zh, f->en, f->name);
	}
	return run->row->guard ? run->row->guard(run) : 0;
}

int xz_fsm_walk(struct xz_fsm_run *run, const char *action)
{
	int rc;
	run->selector = selector_of(run->m, run->in);
	if ((rc = xz_fsm_select(run->c, run->m, run->s, action, run->in, &run->row)) < 0 ||
	    (rc = xz_fsm_check(run)) < 0)
		return rc;
	return run->row->effect ? run->row->effect(run) : 0;
}

static json_t *allowed(const struct xz_fsm *m, const struct xz_fsm_subject *s, bool names)
{
	json_t *out = json_array(), *v;
	size_t i, k;
	for (i = 0; i < m->nrows; i++) {
		const struct xz_fsm_row *r = &m->rows[i];
		bool seen = false;
		if (!kind_fits(r, s->kind) || !xz_fsm_in(r->from, s->state) || !xz_fsm_admits(r, s))
			continue;
		json_array_foreach(out, k, v) {
			const char *a = names ? json_string_value(v)
					      : json_string_value(json_object_get(v, "action"));
			seen = seen || !strcmp(a, r->action);
		}
		if (seen)
			continue;
		if (names)
			json_array_append_new(out, json_string(r->action));
		else
			json_array_append_new(out, json_pack("{s:s,s:s}", "action", r->action, "label",
							     r->label ? r->label : r->action));
	}
	return out;
}

json_t *xz_fsm_allowed(const struct xz_fsm *m, const struct xz_fsm_subject *s)
{
	return allowed(m, s, false);
}

json_t *xz_fsm_allowed_names(const struct xz_fsm *m, const struct xz_fsm_subject *s)
{
	return allowed(m, s, true);
}

#define OPEN_SQL_MACHINES 16
#define OPEN_SQL_LEN 1024

/* open_text: the machine's open states written as SQL — a list
 * ('a','b',…) or, cond, the comparisons (<alias>state = 'a' OR …) — built
 * once per (machine, form) and kept (static storage). */
static const char *open_text(const struct xz_fsm *m, const char *alias, bool cond)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static struct {
		const struct xz_fsm *m;
		bool cond;
		char alias[8];
		char text[OPEN_SQL_LEN];
	} kept[OPEN_SQL_MACHINES];
	const char *out = NULL;
	size_t i;
	if (strlen(alias) >= sizeof(kept[0].alias))
		return NULL;
	pthread_mutex_lock(&mu);
	for (i = 0; i < OPEN_SQL_MACHINES && kept[i].m; i++)
		if (kept[i].m == m && kept[i].cond == cond && !strcmp(kept[i].alias, alias))
			out = kept[i].text;
	if (!out && i < OPEN_SQL_MACHINES) {
		char *w = kept[i].text;
		size_t len = 0, first;
		const char *p = m->open;
		if (cond)
			w[len++] = '(';
		first = len;
		while (*p) {
			size_t n = strcspn(p, " ");
			/* every state name is short; the buffer holds dozens */
			if (n && len + n + strlen(alias) + 24 < OPEN_SQL_LEN)
				len += (size_t)(cond ? snprintf(w + len, OPEN_SQL_LEN - len,
								"%s%sstate = '%.*s'",
								len > first ? " OR " : "", alias,
								(int)n, p)
						     : snprintf(w + len, OPEN_SQL_LEN - len, "%s'%.*s'",
								len > first ? "," : "", (int)n, p));
			p += n;
			p += strspn(p, " ");
		}
		snprintf(w + len, OPEN_SQL_LEN - len, "%s", cond ? ")" : "");
		kept[i].m = m;
		kept[i].cond = cond;
		snprintf(kept[i].alias, sizeof(kept[i].alias), "%s", alias);
		out = w;
	}
	pthread_mutex_unlock(&mu);
	return out;
}

const char *xz_fsm_open_sql(const struct xz_fsm *m)
{
	const char *out = open_text(m, "", false);
	return out ? out : "''";
}

const char *xz_fsm_open_cond(const struct xz_fsm *m, const char *alias)
{
	const char *out = open_text(m, alias, true);
	return out ? out : "(1 = 0)";
}

json_t *xz_fsm_labels(const struct xz_fsm *m)
{
	json_t *states = json_object(), *actions = json_object();
	size_t i;
	for (i = 0; m->states[i]; i++)
		json_object_set_new(states, m->states[i], json_string(m->state_labels[i]));
	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].label && !json_object_get(actions, m->rows[i].action))
			json_object_set_new(actions, m->rows[i].action,
					    json_string(m->rows[i].label));
	return json_pack("{s:o,s:o}", "states", states, "actions", actions);
}
