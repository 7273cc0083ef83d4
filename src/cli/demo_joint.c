/*
 * demo_joint.c — the demo county's joint enforcement (R5, R9.2): in 碧湖镇,
 * actions of each launch mechanism in each state of the state machine
 * (routine draft → concluded and cancelled; special applications submitted
 * with an overdue forwarding clock, forwarded, launched and not launched,
 * with their written decisions; an emergency action started on approval),
 * participants with check-ins, an interactive notice, an incident handed to
 * the police station, findings, and a county-wide action with township
 * parts. Also the logins `police` and `market`, the named contacts of
 * 碧湖镇派出所 and 碧湖镇市场监管所. Dates are relative to the demo's
 * creation, like the qualifications.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/authz.h"
#include "domain/users.h"
#include "cli/demo.h"

#define DAY 86400

struct spec {
	const char *mech, *state, *title, *targets, *place, *tasks, *domain, *steps, *reasons,
		*summary;
	int start_days; /* planned start, days from now (09:00) */
	int days;       /* length in days */
	int police;
	int units; /* bit i: units[i] participates */
	int lead;  /* index into units, -1 for none */
	int applicant; /* index into units, -1 for none */
	int launch;    /* -1 none */
};

/* ZF, GA, SJ, ZR, HB of 碧湖镇 */
static const char *const unit_codes[] = {"ZF-331102100", "GA-331102100", "SJ-331102100",
					 "ZR-331102100", "HB-331102100"};

static const struct spec specs[] = {
	{"routine", "draft", "碧湖村沿街占道经营整治", "碧湖村主街占道经营、乱搭乱建", "碧湖村主街",
	 "综合执法中队负责劝导和处罚；市场监管所核查无照经营", "市容环境", "", NULL, NULL, 10, 1, 0,
	 0x05, 0, -1, -1},
	{"routine", "submitted", "上赵村违法建设集中拆除", "上赵村3处在建违法建筑", "上赵村",
	 "综合执法中队组织拆除；自然资源所认定用地性质", "村镇建设", "submit", NULL, NULL, 6, 1, 0,
	 0x09, 0, -1, -1},
	{"routine", "approved", "堰头村河道两侧环境整治", "河道两侧乱倒垃圾、露天焚烧", "堰头村河道",
	 "环保所取证；综合执法中队清理处罚", "环境保护", "submit,approve", NULL, NULL, 4, 2, 0, 0x11,
	 0, -1, -1},
	{"routine", "in_progress", "碧湖镇区夜间噪声和占道联合整治", "镇区夜间施工噪声、占道经营",
	 "碧湖镇区", "综合执法中队牵头；派出所维护秩序", "市容环境", "submit,approve,start", NULL,
	 NULL, 0, 2, 1, 0x03, 0, -1, -1},
	{"routine", "concluded", "碧湖村违规户外广告清理", "违规设置的大型户外广告12处", "碧湖村",
	 "综合执法中队拆除", "市容环境", "submit,approve,start,conclude", NULL,
	 "拆除违规广告12处，责令整改3处，未发生阻挠执法。", -20, 1, 0, 0x01, 0, -1, -1},
	{"routine", "cancelled", "上赵村废品收购站检查", "废品收购站消防隐患", "上赵村",
	 "市场监管所、综合执法中队联合检查", "市场监管", "submit,cancel", NULL, NULL, 8, 1, 0, 0x05,
	 0, -1, -1},
	{"special", "submitted", "堰头村非法采砂专项整治", "堰头村河段夜间非法采砂", "堰头村河段",
	 "自然资源所牵头查处；综合执法中队、派出所配合", "国土资源", "submit", NULL, NULL, 9, 1, 1,
	 0x0b, -1, 3, -1},
	{"special", "forwarded", "碧湖村农房超层专项整治", "碧湖村农房超层加盖5处", "碧湖村",
	 "综合执法中队牵头，自然资源所配合", "村镇建设", "submit,forward", NULL, NULL, 7, 1, 0,
	 0x09, -1, 0, -1},
	{"special", "approved", "上赵村小作坊排污专项整治", "上赵村3家小作坊超标排放", "上赵村",
	 "环保所牵头取证处罚；综合执法中队配合", "环境保护", "submit,forward,decide",
	 "单一派驻机构难以纠正，涉及多部门职责，符合专项启动条件。", NULL, 5, 1, 0, 0x11, 4, 4, 1},
	{"special", "not_launched", "碧湖村占道经营专项整治", "碧湖村早市占道经营", "碧湖村",
	 "综合执法中队牵头", "市容环境", "submit,forward,decide",
	 "该事项属综合执法中队日常职责，单一单位可以纠正，不予启动专项联合执法。", NULL, 6, 1, 0,
	 0x01, -1, 0, 0},
	{"emergency", "in_progress", "碧湖镇非法储存烟花爆竹应急处置", "城郊仓库非法储存烟花爆竹",
	 "碧湖镇城郊仓库", "应急管理站现场处置；派出所警戒；综合执法中队配合", "安全生产",
	 "submit,approve", NULL, NULL, 0, 1, 1, 0x03, 0, -1, -1},
};

static int64_t lookup(struct xz_db *db, const char *sql, const char *key, int *rc)
{
	int64_t id = 0;
	if (*rc == 0)
		*rc = xz_db_int(db, sql, XZ_ARGS(XZ_TEXT(key)), &id);
	return id;
}

static int hist(struct xz_db *db, int64_t id, int64_t at, int64_t uid, const char *user,
		const char *action, const char *from, const char *to, const char *note)
{
	return xz_db_exec(db,
			  "INSERT INTO joint_history (action_id, at, user_id, username, action, "
			  "from_state, to_state, note) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
			  XZ_ARGS(XZ_INT(id), XZ_INT(at), XZ_INT(uid), XZ_TEXT(user), XZ_TEXT(action),
				  XZ_TEXT(from), XZ_TEXT(to), XZ_TEXT(note)),
			  NULL);
}

/* next_state: where a step leads for a mechanism (mirrors the table). */
static const char *next_state(const struct spec *s, const char *step)
{
	if (!strcmp(step, "submit"))
		return "submitted";
	if (!strcmp(step, "forward"))
		return "forwarded";
	if (!strcmp(step, "decide"))
		return s->launch == 1 ? "approved" : "not_launched";
	if (!strcmp(step, "approve"))
		return strcmp(s->mech, "emergency") ? "approved" : "in_progress";
	if (!strcmp(step, "start"))
		return "in_progress";
	if (!strcmp(step, "conclude"))
		return "concluded";
	return "cancelled";
}

static int one_action(struct xz_db *db, const struct spec *s, int64_t town, int64_t county,
		      const int64_t *units, const int64_t *users, int decision_no, int64_t *out)
{
	char uj[256], steps[128];
	const char *names[] = {"office", "leader", "contact"};
	int64_t now = xz_now(), today = xz_day_of(now), start, end, created, t, id = 0;
	int64_t received = 0, due = 0, forwarded = 0, decided = 0, approved = 0, started = 0,
		concluded = 0;
	const char *from = "draft";
	size_t len = 0;
	int rc, i;

	start = xz_day_start(today + s->start_days) + 9 * 3600;
	end = start + (int64_t)s->days * DAY - 9 * 3600 + 8 * 3600;
	created = xz_day_start(today - 8) + 10 * 3600;
	if (s->start_days < 0)
		created = start - 10 * DAY;
	if (!strcmp(s->mech, "emergency"))
		created = now - 900;
	uj[0] = '[';
	len = 1;
	for (i = 0; i < (int)XZ_ARRAY_LEN(unit_codes); i++)
		if (s->units & (1 << i))
			len += (size_t)snprintf(uj + len, sizeof(uj) - len - 1, "%s%lld",
						len > 1 ? "," : "", (long long)units[i]);
	uj[len] = ']';
	uj[len + 1] = 0;
	rc = xz_db_int(db,
		       "INSERT INTO joint_actions (mechanism, state, title, targets, place, domain, "
		       "tasks, township_id, county_id, applicant_unit_id, lead_unit_id, units_json, "
		       "police_support, police_required, planned_start, planned_end, created_by, "
		       "created_at, updated_at) VALUES ($1,'draft',$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,"
		       "$12,$13,$14,$15,$16,$17,$17) RETURNING id",
		       XZ_ARGS(XZ_TEXT(s->mech), XZ_TEXT(s->title), XZ_TEXT(s->targets),
			       XZ_TEXT(s->place), XZ_TEXT(s->domain), XZ_TEXT(s->tasks), XZ_INT(town),
			       XZ_INT(county), XZ_ID(s->applicant >= 0 ? units[s->applicant] : 0),
			       XZ_ID(s->lead >= 0 && strcmp(s->mech, "special") ? units[s->lead] : 0),
			       XZ_TEXT(uj), XZ_INT(s->police), XZ_INT(!strcmp(s->mech, "emergency")),
			       XZ_INT(start), XZ_INT(end),
			       XZ_INT(users[!strcmp(s->mech, "special") ? 2 : 0]), XZ_INT(created)),
		       &id);
	if (rc < 0)
		return rc;
	rc = hist(db, id, created, users[0], names[!strcmp(s->mech, "special") ? 2 : 0], "create",
		  NULL, "draft", NULL);
	snprintf(steps, sizeof(steps), "%s", s->steps);
	t = created;
	for (char *save = NULL, *step = strtok_r(steps, ",", &save); step && rc == 0;
	     step = strtok_r(NULL, ",", &save)) {
		const char *to = next_state(s, step);
		int who = 0;
		t += !strcmp(s->mech, "emergency") ? 300 : 3 * 3600;
		if (!strcmp(step, "submit")) {
			who = !strcmp(s->mech, "special") ? 2 : 0;
			if (!strcmp(s->mech, "special")) {
				/* the overdue one arrived three days ago */
				received = !strcmp(s->state, "submitted") ? xz_day_start(today - 3) + 10 * 3600
									  : t;
				t = received;
				due = xz_day_start(xz_day_of(received) + 3) - 1;
			}
		} else if (!strcmp(step, "forward")) {
			forwarded = t;
		} else if (!strcmp(step, "decide")) {
			decided = t;
			who = 1;
		} else if (!strcmp(step, "approve")) {
			approved = t;
			who = 1;
			if (!strcmp(s->mech, "emergency"))
				started = t;
		} else if (!strcmp(step, "start")) {
			started = t;
		} else if (!strcmp(step, "conclude")) {
			concluded = start + 8 * 3600;
			t = concluded;
		}
		rc = hist(db, id, t, users[who], names[who], step, from, to,
			  !strcmp(step, "decide") ? s->reasons
						  : (!strcmp(step, "conclude") ? s->summary : NULL));
		from = to;
	}
	if (rc == 0)
		rc = xz_db_exec(
			db,
			"UPDATE joint_actions SET state = $2, received_at = $3, forward_due_at = $4, "
			"forwarded_at = $5, decided_at = $6, decided_by = $7, launch = $8, reasons = "
			"$9, decision_no = $10, lead_unit_id = COALESCE($11, lead_unit_id), "
			"approved_at = $12, approval_seconds = $13, started_at = $14, concluded_at = "
			"$15, summary = $16, updated_at = $17 WHERE id = $1",
			XZ_ARGS(XZ_INT(id), XZ_TEXT(s->state), XZ_ID(received), XZ_ID(due),
				XZ_ID(forwarded), XZ_ID(decided), decided ? XZ_INT(users[1]) : XZ_NULL,
				s->launch >= 0 ? XZ_INT(s->launch) : XZ_NULL, XZ_TEXT(s->reasons),
				decided ? XZ_INT(decision_no) : XZ_NULL,
				XZ_ID(s->launch == 1 ? units[s->applicant] : 0), XZ_ID(approved),
				approved && !strcmp(s->mech, "emergency") ? XZ_INT(approved - created)
									  : XZ_NULL,
				XZ_ID(started), XZ_ID(concluded), XZ_TEXT(s->summary), XZ_INT(t)),
			NULL);
	*out = id;
	return rc;
}

static void login(struct xz_db *db, const char *username, const char *display, int64_t unit,
		  int *rc)
{
	json_t *row = NULL;
	struct xz_user_spec s = {.username = username,
				 .display_name = display,
				 .password = XZ_DEMO_PASSWORD,
				 .unit_id = unit,
				 .roles = XZ_ROLE_CONTACT | XZ_ROLE_STAFF,
				 .skip_policy = true};
	int64_t id;
	const char *why = NULL;
	if (*rc < 0)
		return;
	if ((*rc = xz_db_one(db,
			     "SELECT contact_person_id, department_id FROM units WHERE id = $1",
			     XZ_ARGS(XZ_INT(unit)), &row)) < 0)
		return;
	s.person_id = json_integer_value(json_object_get(row, "contact_person_id"));
	json_decref(row);
	*rc = xz_user_create(db, &s, 0, &id, &why);
	if (*rc < 0)
		xz_log_error("demo account %s: %s", username, why ? why : "?");
}

int xz_demo_joint(struct xz_db *db)
{
	int64_t town, town2, county, units[XZ_ARRAY_LEN(unit_codes)], users[3], ids[XZ_ARRAY_LEN(specs)];
	int64_t now = xz_now(), p, parent = 0, child = 0, dept, zf2, day = xz_day_of(now);
	json_t *people = NULL;
	size_t i;
	int rc = 0, decision = 0;

	town = lookup(db, "SELECT id FROM regions WHERE code = $1", "331102100", &rc);
	town2 = lookup(db, "SELECT id FROM regions WHERE code = $1", "331102101", &rc);
	county = lookup(db, "SELECT id FROM regions WHERE code = $1", "331102", &rc);
	for (i = 0; i < XZ_ARRAY_LEN(unit_codes); i++)
		units[i] = lookup(db, "SELECT id FROM units WHERE code = $1", unit_codes[i], &rc);
	users[0] = lookup(db, "SELECT id FROM users WHERE username = $1", "office", &rc);
	users[1] = lookup(db, "SELECT id FROM users WHERE username = $1", "leader", &rc);
	users[2] = lookup(db, "SELECT id FROM users WHERE username = $1", "contact", &rc);
	dept = lookup(db, "SELECT department_id FROM users WHERE username = $1", "dept", &rc);
	zf2 = lookup(db, "SELECT id FROM units WHERE code = $1", "ZF-331102101", &rc);
	login(db, "police", "碧湖镇派出所负责人", units[1], &rc);
	login(db, "market", "碧湖镇市场监管所负责人", units[2], &rc);
	for (i = 0; i < XZ_ARRAY_LEN(specs) && rc == 0; i++)
		rc = one_action(db, &specs[i], town, county, units, users,
				specs[i].launch >= 0 ? ++decision : 0, &ids[i]);
	/* the running routine action: its people, a notice, an incident, findings */
	if (rc == 0)
		rc = xz_db_query(db,
				 "SELECT id, unit_id, is_auxiliary FROM people WHERE unit_id IN ($1, "
				 "$2) ORDER BY id",
				 XZ_ARGS(XZ_INT(units[0]), XZ_INT(units[1])), &people);
	for (i = 0; rc == 0 && i < json_array_size(people); i++) {
		json_t *pr = json_array_get(people, i);
		int aux = (int)json_integer_value(json_object_get(pr, "is_auxiliary"));
		p = json_integer_value(json_object_get(pr, "id"));
		if (i == 3) /* the squad's officer whose qualification lapsed stays home */
			continue;
		rc = xz_db_exec(db,
				"INSERT INTO joint_participants (action_id, unit_id, person_id, role, "
				"added_by, added_at, checked_in_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
				XZ_ARGS(XZ_INT(ids[3]),
					XZ_INT(json_integer_value(json_object_get(pr, "unit_id"))),
					XZ_INT(p), XZ_TEXT(aux ? "support" : "enforcer"), XZ_INT(users[0]),
					XZ_INT(now - 3 * DAY), i < 2 ? XZ_INT(xz_day_start(day) + 8 * 3600)
								     : XZ_NULL),
				NULL);
	}
	json_decref(people);
	if (rc == 0)
		rc = xz_db_exec(
			db,
			"INSERT INTO joint_notices (action_id, township_id, unit_id, category, "
			"description, power_code, routing_reason, issued_by, issued_at, due_at) VALUES "
			"($1,$2,$3,'SC01','镇区一家无照经营的小吃店','SJ-CF-001',"
			"'类别「无照经营」对应权力事项 SJ-CF-001，由市场监管所负责。',$4,$5,$6)",
			XZ_ARGS(XZ_INT(ids[3]), XZ_INT(town), XZ_INT(units[2]), XZ_INT(users[0]),
				XZ_INT(xz_day_start(day) + 10 * 3600),
				XZ_INT(xz_day_start(day + 1) - 1)),
			NULL);
	if (rc == 0)
		rc = xz_db_exec(db,
				"INSERT INTO joint_incidents (action_id, kind, description, occurred_at, "
				"reported_by, handed_to_unit_id, handed_at, state, follow_up, "
				"followed_up_at) VALUES ($1,'obstruction','施工方负责人阻挡执法人员进入"
				"工地并辱骂执法人员',$2,$3,$4,$2,'accepted','派出所已出警，当事人接受"
				"调查',$2)",
				XZ_ARGS(XZ_INT(ids[3]), XZ_INT(xz_day_start(day) + 9 * 3600),
					XZ_INT(users[0]), XZ_INT(units[1])),
				NULL);
	if (rc == 0)
		rc = xz_db_exec(db,
				"INSERT INTO joint_findings (action_id, description, category, lon, lat, "
				"reported_by, created_at) VALUES ($1,'夜间22时后仍在施工的工地一处',"
				"'HJ03',119.87,28.42,$2,$3)",
				XZ_ARGS(XZ_INT(ids[3]), XZ_INT(users[0]), XZ_INT(now)), NULL);
	/* a county-wide unified action of the county enforcement bureau (R9.2) */
	if (rc == 0)
		rc = xz_db_int(db,
			       "INSERT INTO joint_actions (scope, mechanism, state, title, targets, "
			       "domain, county_id, department_id, units_json, planned_start, "
			       "planned_end, started_at, created_by, created_at, updated_at) VALUES "
			       "('county','routine','in_progress','全区农村违法建设统一整治行动',"
			       "'各乡镇在建违法建筑','村镇建设',$1,$2,'[]',$3,$4,$6,$5,$6,$6) "
			       "RETURNING id",
			       XZ_ARGS(XZ_INT(county), XZ_INT(dept),
				       XZ_INT(xz_day_start(day + 12) + 9 * 3600),
				       XZ_INT(xz_day_start(day + 13) + 17 * 3600),
				       XZ_INT(lookup(db, "SELECT id FROM users WHERE username = $1",
						     "dept", &rc)),
				       XZ_INT(now - DAY)),
			       &parent);
	for (i = 0; rc == 0 && i < 2; i++) {
		char uj[32];
		int64_t lead = i == 0 ? units[0] : zf2;
		snprintf(uj, sizeof(uj), "[%lld]", (long long)lead);
		rc = xz_db_int(db,
			       "INSERT INTO joint_actions (parent_id, mechanism, state, title, targets, "
			       "domain, township_id, county_id, department_id, lead_unit_id, "
			       "units_json, planned_start, planned_end, created_by, created_at, "
			       "updated_at) VALUES ($1,'routine',$2,'全区农村违法建设统一整治行动',"
			       "'各乡镇在建违法建筑','村镇建设',$3,$4,$5,$6,$7,$8,$9,$10,$11,$11) "
			       "RETURNING id",
			       XZ_ARGS(XZ_INT(parent), XZ_TEXT(i == 0 ? "approved" : "draft"),
				       XZ_INT(i == 0 ? town : town2), XZ_INT(county), XZ_INT(dept),
				       XZ_INT(lead), XZ_TEXT(uj),
				       XZ_INT(xz_day_start(day + 12) + 9 * 3600),
				       XZ_INT(xz_day_start(day + 13) + 17 * 3600), XZ_INT(users[0]),
				       XZ_INT(now - DAY)),
			       &child);
		if (rc == 0)
			rc = hist(db, child, now - DAY, users[0], "dept", "create", NULL, "draft",
				  "县级统一行动的乡镇分行动");
	}
	if (rc == 0)
		rc = hist(db, parent, now - DAY, users[0], "dept", "start", "draft", "in_progress",
			  NULL);
	return rc;
}
