/*
 * authz.c — roles, scopes and the permission table.
 *
 * Each row says: this role holds this permission within this scope. A scope
 * compares the record's place with the user's place:
 *   COUNTY    the record is in the user's county
 *   TOWNSHIP  the record is in the user's township, or is a county-level
 *             record (township 0) of the user's county
 *   LINE      the record belongs to the user's department (条), in any
 *             township of the county; county-level records of the county too
 *   UNIT      the record belongs to the user's dispatched unit
 *   SELF      the record is the user's own
 * The three administrators (system, security, audit) hold disjoint
 * permissions: MLPS 2.0's separation of powers. Later features add rows;
 * no code outside this table decides who may do what.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "domain/authz.h"

enum scope { S_COUNTY = 1, S_TOWNSHIP, S_LINE, S_UNIT, S_SELF };

#define TOWNSHIP_ROLES (XZ_ROLE_GRID | XZ_ROLE_STAFF | XZ_ROLE_CONTACT | XZ_ROLE_OFFICE | XZ_ROLE_LEADER)
#define ALL_ROLES                                                                      \
	(TOWNSHIP_ROLES | XZ_ROLE_DEPT | XZ_ROLE_ADMIN | XZ_ROLE_SECADMIN | XZ_ROLE_AUDITOR)

struct grant {
	const char *perm;
	unsigned roles;
	enum scope scope;
};

static const struct grant grants[] = {
	/* organisation (R1) */
	{"region.read", TOWNSHIP_ROLES, S_TOWNSHIP},
	{"region.read", XZ_ROLE_DEPT | XZ_ROLE_ADMIN | XZ_ROLE_SECADMIN | XZ_ROLE_AUDITOR, S_COUNTY},
	{"dept.read", ALL_ROLES, S_COUNTY},
	{"unit.read", TOWNSHIP_ROLES, S_TOWNSHIP},
	{"unit.read", XZ_ROLE_DEPT, S_LINE},
	{"unit.read", XZ_ROLE_ADMIN, S_COUNTY}, /* not the security admin (issue 16 #9) */
	{"org.write", XZ_ROLE_ADMIN, S_COUNTY},
	{"people.read", XZ_ROLE_OFFICE | XZ_ROLE_LEADER | XZ_ROLE_CONTACT, S_TOWNSHIP},
	{"people.read", XZ_ROLE_STAFF, S_UNIT},
	{"people.read", XZ_ROLE_DEPT, S_LINE},
	{"people.read", XZ_ROLE_ADMIN, S_COUNTY}, /* not the security admin (issue 16 #9) */
	{"people.write", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"people.write", XZ_ROLE_ADMIN, S_COUNTY},
	{"leadership.read", TOWNSHIP_ROLES, S_TOWNSHIP},
	{"leadership.read", XZ_ROLE_DEPT | XZ_ROLE_ADMIN, S_COUNTY},
	{"leadership.write", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"leadership.write", XZ_ROLE_ADMIN, S_COUNTY},
	/* grid, lists, calendar and routing (R2, R3): the administrator keeps
	 * them; everyone of the county reads lists and the calendar. */
	{"grid.read", TOWNSHIP_ROLES, S_TOWNSHIP},
	{"grid.read", XZ_ROLE_DEPT | XZ_ROLE_ADMIN, S_COUNTY},
	{"grid.write", XZ_ROLE_ADMIN, S_COUNTY},
	{"grid.write", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"patrol.write", XZ_ROLE_GRID, S_TOWNSHIP},
	{"patrol.read", XZ_ROLE_GRID, S_SELF},
	{"patrol.record", XZ_ROLE_GRID, S_SELF}, /* into one's own live patrol */
	{"patrol.read", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"patrol.read", XZ_ROLE_ADMIN, S_COUNTY},
	{"list.read", TOWNSHIP_ROLES | XZ_ROLE_DEPT | XZ_ROLE_ADMIN, S_COUNTY},
	{"list.write", XZ_ROLE_ADMIN, S_COUNTY},
	{"calendar.read", ALL_ROLES, S_COUNTY},
	{"calendar.write", XZ_ROLE_ADMIN, S_COUNTY},
	/* operations: the server's metrics (also open to loopback) */
	{"system.metrics", XZ_ROLE_ADMIN | XZ_ROLE_SECADMIN, S_COUNTY},
	{"routing.read", TOWNSHIP_ROLES | XZ_ROLE_DEPT | XZ_ROLE_ADMIN, S_COUNTY},
	/* the closed loop (R4): reporters, the office that accepts and
	 * dispatches, the unit that handles, verifiers, supervisors */
	{"problem.report", XZ_ROLE_GRID | XZ_ROLE_OFFICE | XZ_ROLE_STAFF | XZ_ROLE_CONTACT, S_TOWNSHIP},
	{"problem.report", XZ_ROLE_DEPT, S_COUNTY},
	{"problem.read", XZ_ROLE_OFFICE | XZ_ROLE_LEADER | XZ_ROLE_GRID, S_TOWNSHIP},
	{"problem.read", XZ_ROLE_STAFF | XZ_ROLE_CONTACT, S_UNIT},
	{"problem.read", XZ_ROLE_DEPT, S_LINE},
	{"problem.office", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"problem.handle", XZ_ROLE_STAFF | XZ_ROLE_CONTACT, S_UNIT},
	{"problem.verify", XZ_ROLE_GRID | XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"problem.supervise", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"problem.supervise", XZ_ROLE_DEPT, S_LINE},
	{"problem.evaluate", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"problem.reporter", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"problem.evidence", XZ_ROLE_GRID | XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"problem.evidence", XZ_ROLE_STAFF | XZ_ROLE_CONTACT, S_UNIT},
	{"problem.request_escalation", XZ_ROLE_CONTACT, S_UNIT},
	{"problem.take_up", XZ_ROLE_DEPT, S_LINE},
	{"problem.assign", XZ_ROLE_DEPT, S_LINE},
	{"stats.read", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"stats.read", XZ_ROLE_DEPT, S_LINE},
	{"stats.read", XZ_ROLE_ADMIN, S_COUNTY},
	/* figures and bulletins (R7): each role counts only its place — a
	 * department its own line, a unit itself */
	{"figures.read", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"figures.read", XZ_ROLE_CONTACT | XZ_ROLE_STAFF, S_UNIT},
	{"figures.read", XZ_ROLE_DEPT, S_LINE},
	{"figures.read", XZ_ROLE_ADMIN, S_COUNTY},
	{"bulletin.compose", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"bulletin.compose", XZ_ROLE_DEPT, S_LINE},
	{"bulletin.read", TOWNSHIP_ROLES, S_TOWNSHIP},
	{"bulletin.read", XZ_ROLE_DEPT, S_LINE},
	{"bulletin.read", XZ_ROLE_ADMIN, S_COUNTY},
	{"report.file", XZ_ROLE_CONTACT | XZ_ROLE_STAFF, S_UNIT},
	{"report.read", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"report.read", XZ_ROLE_CONTACT | XZ_ROLE_STAFF, S_UNIT},
	{"export.problems", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"export.problems", XZ_ROLE_STAFF | XZ_ROLE_CONTACT, S_UNIT},
	{"export.problems", XZ_ROLE_DEPT, S_LINE},
	/* joint enforcement (R5, R9.2): who may move an action is the state
	 * machine's table (domain/jointaction.c); these rows admit the roles */
	{"joint.read", TOWNSHIP_ROLES, S_TOWNSHIP},
	{"joint.read", XZ_ROLE_DEPT | XZ_ROLE_ADMIN, S_COUNTY},
	{"joint.write", XZ_ROLE_OFFICE | XZ_ROLE_LEADER | XZ_ROLE_CONTACT | XZ_ROLE_STAFF, S_TOWNSHIP},
	{"joint.write", XZ_ROLE_DEPT | XZ_ROLE_ADMIN, S_COUNTY},
	/* whose interactive notices a list shows: the township's, the county's,
	 * or the caller's own unit's (relations to one action: below) */
	{"joint.notice.read", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"joint.notice.read", XZ_ROLE_DEPT | XZ_ROLE_ADMIN, S_COUNTY},
	{"joint.notice.read", XZ_ROLE_STAFF | XZ_ROLE_CONTACT, S_UNIT},
	/* a township's joint-enforcement rules (police support) */
	{"joint.rules", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"joint.rules", XZ_ROLE_ADMIN, S_COUNTY},
	/* assessment (R8, R1.7): the office configures and grades, the
	 * leadership group approves, both rate; a unit reads its own; the
	 * department reads and completes results for its own line */
	{"assessment.read", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"assessment.read", XZ_ROLE_CONTACT | XZ_ROLE_STAFF, S_UNIT},
	{"assessment.read", XZ_ROLE_DEPT, S_LINE},
	{"assessment.read", XZ_ROLE_ADMIN, S_COUNTY},
	{"assessment.write", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"assessment.approve", XZ_ROLE_LEADER, S_TOWNSHIP},
	{"assessment.rate", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"assessment.final", XZ_ROLE_DEPT, S_LINE},
	/* accounts and security (R10.2): system admin manages accounts, the
	 * security admin grants roles and sets policy, the auditor reads. */
	{"user.read", XZ_ROLE_ADMIN | XZ_ROLE_SECADMIN, S_COUNTY},
	{"user.write", XZ_ROLE_ADMIN, S_COUNTY},
	{"role.grant", XZ_ROLE_SECADMIN, S_COUNTY},
	{"security.write", XZ_ROLE_SECADMIN, S_COUNTY},
	{"audit.read", XZ_ROLE_AUDITOR, S_COUNTY},
	/* joint meetings (R6): the office and the leadership group convene
	 * them; the invited units answer and sign in; decided items are the
	 * owner unit's to carry out and the office's to verify */
	{"meeting.read", TOWNSHIP_ROLES, S_TOWNSHIP},
	{"meeting.read", XZ_ROLE_DEPT | XZ_ROLE_ADMIN, S_COUNTY},
	{"meeting.write", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"meeting.office", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"meeting.answer", XZ_ROLE_CONTACT | XZ_ROLE_STAFF, S_UNIT},
	{"meeting.item.handle", XZ_ROLE_CONTACT | XZ_ROLE_STAFF, S_UNIT},
	{"meeting.item.verify", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"meeting.item.supervise", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"self", ALL_ROLES, S_SELF},
	/* Open311 (R10.6): the system administrator registers outside systems */
	{"open311.admin", XZ_ROLE_ADMIN, S_COUNTY},
	/* inspections of a township platform (R9.3): a county department or the
	 * administrator records them; the township's office replies per finding */
	{"inspection.read", XZ_ROLE_OFFICE | XZ_ROLE_LEADER, S_TOWNSHIP},
	{"inspection.read", XZ_ROLE_DEPT | XZ_ROLE_ADMIN, S_COUNTY},
	{"inspection.write", XZ_ROLE_DEPT | XZ_ROLE_ADMIN, S_COUNTY},
	{"inspection.reply", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"inspection.accept", XZ_ROLE_DEPT, S_LINE},
	{"inspection.accept", XZ_ROLE_ADMIN, S_COUNTY},
	/* organisation records (R1.6, R9.4): a unit's funding, equipment and
	 * premises as the township or the department provides them; a county
	 * department's own leading group */
	{"unit.resource.write", XZ_ROLE_OFFICE, S_TOWNSHIP},
	{"unit.resource.write", XZ_ROLE_DEPT, S_LINE},
	{"unit.resource.write", XZ_ROLE_ADMIN, S_COUNTY},
	{"dept.leadership.write", XZ_ROLE_DEPT, S_LINE},
	{"dept.leadership.write", XZ_ROLE_ADMIN, S_COUNTY},
};

const unsigned xz_all_roles[] = {XZ_ROLE_GRID,   XZ_ROLE_STAFF, XZ_ROLE_CONTACT,
				 XZ_ROLE_OFFICE, XZ_ROLE_LEADER, XZ_ROLE_DEPT,
				 XZ_ROLE_ADMIN,  XZ_ROLE_SECADMIN, XZ_ROLE_AUDITOR};

static const struct {
	unsigned role;
	const char *name, *label;
} role_names[] = {
	{XZ_ROLE_GRID, "grid", "网格员"},
	{XZ_ROLE_STAFF, "staff", "派驻人员"},
	{XZ_ROLE_CONTACT, "contact", "派驻机构负责人"},
	{XZ_ROLE_OFFICE, "office", "执法办公室"},
	{XZ_ROLE_LEADER, "leader", "领导小组"},
	{XZ_ROLE_DEPT, "dept", "主管部门"},
	{XZ_ROLE_ADMIN, "admin", "系统管理员"},
	{XZ_ROLE_SECADMIN, "secadmin", "安全管理员"},
	{XZ_ROLE_AUDITOR, "auditor", "审计管理员"},
};

unsigned xz_role_parse(const char *name)
{
	size_t i;
	for (i = 0; name && i < XZ_ARRAY_LEN(role_names); i++)
		if (!strcmp(role_names[i].name, name))
			return role_names[i].role;
	return 0;
}

const char *xz_role_name(unsigned role)
{
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(role_names); i++)
		if (role_names[i].role == role)
			return role_names[i].name;
	return "unknown";
}

const char *xz_role_label(unsigned role)
{
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(role_names); i++)
		if (role_names[i].role == role)
			return role_names[i].label;
	return "未知";
}

static bool in_scope(const struct xz_user *u, enum scope s, const struct xz_place *p)
{
	switch (s) {
	case S_COUNTY: return u->county_id > 0 && p->county_id == u->county_id;
	case S_TOWNSHIP:
		if (p->township_id)
			return u->township_id > 0 && p->township_id == u->township_id;
		return u->county_id > 0 && p->county_id == u->county_id;
	case S_LINE:
		if (p->department_id)
			return u->department_id > 0 && p->department_id == u->department_id;
		return u->county_id > 0 && p->county_id == u->county_id && !p->township_id &&
		       !p->unit_id;
	case S_UNIT: return u->unit_id > 0 && p->unit_id == u->unit_id;
	case S_SELF: return p->user_id == u->id;
	}
	return false;
}

/* The table's index, built once: its distinct permission names sorted (with
 * the rows of each, in table order, and the roles any of them grants) and
 * in the order the table first names them. A check is a binary search and
 * the rows of one name, not a strcmp over every row (/me asked each of ~100
 * names: 58% of its instructions went to that). */
struct perm_ix {
	const char *perm;
	unsigned roles;      /* the roles some row of this name grants */
	unsigned short lo, n; /* its rows: rows[lo .. lo + n) */
};
_Static_assert(XZ_ARRAY_LEN(grants) < 65536, "row numbers are unsigned short");
static struct perm_ix by_name[XZ_ARRAY_LEN(grants)];
/* rows: the table's row numbers by name; name_of: each row's entry in by_name */
static unsigned short rows[XZ_ARRAY_LEN(grants)], name_of[XZ_ARRAY_LEN(grants)];
static size_t nperms;
static pthread_once_t ix_once = PTHREAD_ONCE_INIT;

static int row_cmp(const void *a, const void *b)
{
	unsigned short x = *(const unsigned short *)a, y = *(const unsigned short *)b;
	int c = strcmp(grants[x].perm, grants[y].perm);
	return c ? c : (x > y) - (x < y); /* a name's rows stay in table order */
}

static void build_ix(void)
{
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(grants); i++)
		rows[i] = (unsigned short)i;
	qsort(rows, XZ_ARRAY_LEN(grants), sizeof(rows[0]), row_cmp);
	for (i = 0; i < XZ_ARRAY_LEN(grants); i++) {
		const struct grant *g = &grants[rows[i]];
		if (!nperms || strcmp(by_name[nperms - 1].perm, g->perm))
			by_name[nperms++] = (struct perm_ix){g->perm, 0, (unsigned short)i, 0};
		by_name[nperms - 1].roles |= g->roles;
		by_name[nperms - 1].n++;
		name_of[rows[i]] = (unsigned short)(nperms - 1);
	}
}

static int ix_cmp(const void *key, const void *e)
{
	return strcmp(key, ((const struct perm_ix *)e)->perm);
}

static const struct perm_ix *find_perm(const char *perm)
{
	pthread_once(&ix_once, build_ix);
	return bsearch(perm, by_name, nperms, sizeof(by_name[0]), ix_cmp);
}

bool xz_authz_known(const char *perm)
{
	return perm && find_perm(perm);
}

bool xz_authz(const struct xz_user *u, const char *perm, const struct xz_place *place)
{
	const struct perm_ix *x;
	size_t i;
	if (!u || !perm)
		return false;
	/* every account, even one holding no role yet, acts on itself */
	if (!strcmp(perm, "self"))
		return !place || place->user_id == u->id;
	if (!u->roles || !(x = find_perm(perm)) || !(x->roles & u->roles))
		return false;
	if (!place)
		return true;
	for (i = x->lo; i < (size_t)x->lo + x->n; i++) {
		const struct grant *g = &grants[rows[i]];
		if ((g->roles & u->roles) && in_scope(u, g->scope, place))
			return true;
	}
	return false;
}

bool xz_authz_filter(const struct xz_user *u, const char *perm, struct xz_place *f)
{
	/* The widest scope the user holds wins. */
	static const enum scope order[] = {S_COUNTY, S_LINE, S_TOWNSHIP, S_UNIT, S_SELF};
	size_t i, k;
	const struct perm_ix *x;
	memset(f, 0, sizeof(*f));
	if (!u || !perm || !(x = find_perm(perm)) || !(x->roles & u->roles))
		return false;
	for (k = 0; k < XZ_ARRAY_LEN(order); k++) {
		for (i = x->lo; i < (size_t)x->lo + x->n; i++) {
			if (!(grants[rows[i]].roles & u->roles) || grants[rows[i]].scope != order[k])
				continue;
			switch (order[k]) {
			case S_COUNTY: f->county_id = u->county_id; break;
			case S_LINE:
				f->county_id = u->county_id;
				f->department_id = u->department_id;
				break;
			case S_TOWNSHIP:
				f->county_id = u->county_id;
				f->township_id = u->township_id;
				break;
			case S_UNIT: f->unit_id = u->unit_id; break;
			case S_SELF: f->user_id = u->id; break;
			}
			return true;
		}
	}
	return false;
}

bool xz_authz_is_person(const struct xz_user *u, int64_t person_id)
{
	return u && person_id > 0 && u->person_id == person_id;
}

unsigned xz_authz_joint_relation(const struct xz_user *u, const struct xz_joint_rel *in)
{
	unsigned who = 0;
	bool contact;
	if (!u || !in)
		return 0;
	contact = (u->roles & XZ_ROLE_CONTACT) && u->unit_id > 0;
	if (in->township_id > 0 && u->township_id == in->township_id) {
		if (u->roles & XZ_ROLE_OFFICE)
			who |= XZ_JW_OFFICE;
		if ((u->roles & XZ_ROLE_LEADER) && in->position) {
			if (!strcmp(in->position, "leader"))
				who |= XZ_JW_LEADER | XZ_JW_HEAD;
			else if (!strcmp(in->position, "deputy"))
				who |= XZ_JW_LEADER;
		}
		if (contact)
			who |= XZ_JW_CONTACT;
	}
	if (contact && u->unit_id == in->applicant_unit_id)
		who |= XZ_JW_APPLICANT;
	if (contact && u->unit_id == in->lead_unit_id)
		who |= XZ_JW_LEAD;
	if ((contact && in->unit_participates) || in->is_participant)
		who |= XZ_JW_MEMBER;
	if (contact && in->unit_id > 0 && u->unit_id == in->unit_id)
		who |= XZ_JW_UNIT;
	if (in->person_id > 0 && u->person_id == in->person_id)
		who |= XZ_JW_PERSON;
	if (in->township_id <= 0 && u->county_id > 0 && u->county_id == in->county_id &&
	    (((u->roles & XZ_ROLE_DEPT) && u->department_id > 0 &&
	      u->department_id == in->department_id) ||
	     (u->roles & XZ_ROLE_ADMIN)))
		who |= XZ_JW_OWNER;
	return who;
}

int64_t xz_authz_county(const struct xz_user *u, const char *perm, int64_t county)
{
	struct xz_place f;
	if (!u)
		return county > 0 ? county : 0;
	if (!county)
		return xz_authz_filter(u, perm, &f) ? f.county_id : 0;
	f = (struct xz_place){.county_id = county};
	return xz_authz(u, perm, &f) ? county : 0;
}

size_t xz_authz_permissions(const struct xz_user *u, const char **out, size_t max)
{
	size_t i, n = 0;
	if (!u)
		return 0;
	pthread_once(&ix_once, build_ix);
	for (i = 0; i < XZ_ARRAY_LEN(grants); i++) {
		const struct perm_ix *x = &by_name[name_of[i]];
		/* at the first row of its name; "self" is everyone's */
		if (rows[x->lo] == i && (!strcmp(x->perm, "self") || (x->roles & u->roles))) {
			if (n < max)
				out[n] = x->perm;
			n++;
		}
	}
	return n;
}
