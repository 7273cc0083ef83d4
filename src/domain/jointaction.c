/*
 * jointaction.c — the joint enforcement action's state machine as a table
 * (seed §4.2: 常规、专项、应急启动; R9.2 county-wide actions), the walk over
 * it, and the qualification rule for enforcers (§4.1: 具有行政执法资格).
 *
 * Reading the table: each row says "for these mechanisms, from this state,
 * this action leads to that state, if the caller is one of `who`, given
 * what `requires`, doing `effect`". Time limits are effects: RECEIVE starts
 * the office's 2-day forwarding clock, and IN_TIME is the 3-day rule for a
 * special application; both are computed by the calendar module in
 * routes_joint.c. To change who decides, edit a row.
 */
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/jointaction.h"

#define R XZ_JM_ROUTINE
#define S XZ_JM_SPECIAL
#define E XZ_JM_EMERGENCY
#define C XZ_JM_COUNTY
#define OFFICE XZ_JW_OFFICE
#define LEADER XZ_JW_LEADER
#define HEAD XZ_JW_HEAD
#define APPLICANT XZ_JW_APPLICANT
#define LEAD XZ_JW_LEAD
#define OWNER XZ_JW_OWNER

static const struct xz_joint_transition table[] = {
	/* routine (§4.2.1): the office drafts, the group (leader or deputy)
	 * agrees or sends back, the office organises it */
	{R | E, "draft", "submit", "submitted", OFFICE, 0, XZ_JE_NONE},
	{R, "submitted", "approve", "approved", LEADER, 0, XZ_JE_APPROVE},
	{R, "submitted", "return", "draft", LEADER, XZ_JR_REASON, XZ_JE_NONE},
	{R, "approved", "start", "in_progress", OFFICE, 0, XZ_JE_START},
	/* emergency (§4.2.3): the group leader agrees and it starts at once */
	{E, "submitted", "approve", "in_progress", HEAD, 0, XZ_JE_APPROVE_START},
	{E, "submitted", "return", "draft", HEAD, XZ_JR_REASON, XZ_JE_NONE},
	/* special (§4.2.2): the unit applies at least 3 days ahead; the office
	 * forwards within 2 days of receipt; the group leader decides in
	 * writing; a launched action is led by the applying unit */
	{S, "draft", "submit", "submitted", APPLICANT, XZ_JR_IN_TIME, XZ_JE_RECEIVE},
	{S, "submitted", "forward", "forwarded", OFFICE, 0, XZ_JE_FORWARD},
	{S, "submitted", "return", "draft", OFFICE, XZ_JR_REASON, XZ_JE_NONE},
	{S, "forwarded", "decide", "approved", HEAD, XZ_JR_REASONS | XZ_JR_LAUNCH, XZ_JE_DECIDE},
	{S, "forwarded", "decide", "not_launched", HEAD, XZ_JR_REASONS | XZ_JR_NOLAUNCH,
	 XZ_JE_DECIDE},
	{S, "approved", "start", "in_progress", LEAD | OFFICE, 0, XZ_JE_START},
	/* every township mechanism: the lead unit or the office files the
	 * result summary and the action closes */
	{R | S | E, "in_progress", "conclude", "concluded", LEAD | OFFICE, XZ_JR_SUMMARY,
	 XZ_JE_CONCLUDE},
	{R | E, "draft", "cancel", "cancelled", OFFICE, 0, XZ_JE_CANCEL},
	{R | E, "submitted", "cancel", "cancelled", OFFICE, 0, XZ_JE_CANCEL},
	{R, "approved", "cancel", "cancelled", OFFICE, 0, XZ_JE_CANCEL},
	{S, "draft", "cancel", "cancelled", APPLICANT | OFFICE, 0, XZ_JE_CANCEL},
	{S, "submitted", "cancel", "cancelled", APPLICANT, 0, XZ_JE_CANCEL},
	{S, "approved", "cancel", "cancelled", LEAD | OFFICE, 0, XZ_JE_CANCEL},
	/* county-wide unified action (R9.2): the county department that owns
	 * it opens and closes it; each township's part is a routine child */
	{C, "draft", "start", "in_progress", OWNER, 0, XZ_JE_START},
	{C, "in_progress", "conclude", "concluded", OWNER, XZ_JR_SUMMARY, XZ_JE_CONCLUDE},
	{C, "draft", "cancel", "cancelled", OWNER, 0, XZ_JE_CANCEL},
};

#undef R
#undef S
#undef E
#undef C

static const char *const mech_names[] = {"routine", "special", "emergency"};

unsigned xz_joint_mech_parse(const char *name)
{
	size_t i;
	for (i = 0; name && i < XZ_ARRAY_LEN(mech_names); i++)
		if (!strcmp(mech_names[i], name))
			return 1u << i;
	return 0;
}

bool xz_joint_known_action(const char *name)
{
	size_t i;
	for (i = 0; name && i < XZ_ARRAY_LEN(table); i++)
		if (!strcmp(table[i].action, name))
			return true;
	return false;
}

const struct xz_joint_transition *xz_joint_table(size_t *n)
{
	*n = XZ_ARRAY_LEN(table);
	return table;
}

/* launch_fits: does the row's launch requirement agree with the request?
 * An absent launch (-1) fits the first decide row, whose requirement check
 * then answers "launch is required". */
static bool launch_fits(const struct xz_joint_transition *t, int launch)
{
	if (launch < 0)
		return true;
	if ((t->requires & XZ_JR_LAUNCH) && launch != 1)
		return false;
	if ((t->requires & XZ_JR_NOLAUNCH) && launch != 0)
		return false;
	return true;
}

int xz_joint_step(unsigned mech, const char *state, const char *action, unsigned who, int launch,
		  const struct xz_joint_transition **t)
{
	bool admitted = false;
	size_t i;
	*t = NULL;
	for (i = 0; i < XZ_ARRAY_LEN(table); i++) {
		const struct xz_joint_transition *row = &table[i];
		if (!(row->mechs & mech) || strcmp(row->action, action) || !(row->who & who))
			continue;
		admitted = true;
		if (!strcmp(row->from, state) && launch_fits(row, launch)) {
			*t = row;
			return 0;
		}
	}
	return admitted ? XZ_ECONFLICT : XZ_EFORBIDDEN;
}

json_t *xz_joint_allowed(unsigned mech, const char *state, unsigned who)
{
	json_t *out = json_array(), *v;
	size_t i, k;
	for (i = 0; i < XZ_ARRAY_LEN(table); i++) {
		const struct xz_joint_transition *row = &table[i];
		bool seen = false;
		if (!(row->mechs & mech) || strcmp(row->from, state) || !(row->who & who))
			continue;
		json_array_foreach(out, k, v) seen = seen || !strcmp(json_string_value(v), row->action);
		if (!seen)
			json_array_append_new(out, json_string(row->action));
	}
	return out;
}

int xz_joint_qualified(struct xz_db *db, int64_t person_id, const char *domain, int64_t from_day,
		       int64_t to_day, bool *ok)
{
	json_t *rows = NULL, *row, *domains = NULL, *d;
	char from[XZ_DATE_LEN], to[XZ_DATE_LEN];
	size_t i, k;
	int rc;

	*ok = false;
	xz_date_format(from_day, from);
	xz_date_format(to_day, to);
	/* dates are YYYY-MM-DD text, so text order is date order */
	rc = xz_db_query(db,
			 "SELECT q.domains FROM qualifications q JOIN people p ON p.id = q.person_id "
			 "WHERE q.person_id = $1 AND p.is_auxiliary = 0 AND q.valid_from <= $2 AND "
			 "q.valid_to >= $3",
			 XZ_ARGS(XZ_INT(person_id), XZ_TEXT(from), XZ_TEXT(to)), &rows);
	if (rc < 0)
		goto out;
	json_array_foreach(rows, i, row) {
		if (!domain || !*domain) {
			*ok = true;
			break;
		}
		json_decref(domains);
		domains = json_loads(json_string_value(json_object_get(row, "domains")) ?: "[]", 0,
				     NULL);
		json_array_foreach(domains, k, d) {
			if (json_is_string(d) && !strcmp(json_string_value(d), domain))
				*ok = true;
		}
		if (*ok)
			break;
	}
out:
	json_decref(domains);
	json_decref(rows);
	return rc;
}

int64_t xz_joint_setting_int(struct xz_db *db, const char *key, int64_t dflt)
{
	json_t *row = NULL;
	int64_t v = dflt;
	char *end = NULL;
	if (xz_db_one(db, "SELECT value FROM settings WHERE key = $1", XZ_ARGS(XZ_TEXT(key)),
		      &row) == 0) {
		const char *s = json_string_value(json_object_get(row, "value"));
		if (s && *s) {
			long long x = strtoll(s, &end, 10);
			if (end && !*end)
				v = x;
		}
	}
	json_decref(row);
	return v;
}
