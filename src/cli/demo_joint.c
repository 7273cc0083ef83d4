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
 *
 * Every action is built through the joint domain's use cases
 * (domain/jointaction.h) by the demo's own people, each step at its own
 * instant (the context's clock), so demo data obeys the same rules,
 * deadlines and numbering as data entered through the API.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/authz.h"
#include "domain/ctx.h"
#include "domain/jointaction.h"
#include "domain/users.h"
#include "cli/demo.h"

#define DAY 86400

struct spec {
	const char *mech, *state, *title, *targets, *place, *tasks, *domain, *steps, *reasons,
	    *summary;
	int start_days; /* planned start, days from now (09:00) */
	int days;	/* length in days */
	int police;
	int units;     /* bit i: units[i] participates */
	int lead;      /* index into units, -1 for none */
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
     "环保所取证；综合执法中队清理处罚", "环境保护", "submit,approve", NULL, NULL, 4, 2, 0, 0x11, 0,
     -1, -1},
    {"routine", "in_progress", "碧湖镇区夜间噪声和占道联合整治", "镇区夜间施工噪声、占道经营",
     "碧湖镇区", "综合执法中队牵头；派出所维护秩序", "市容环境", "submit,approve,start", NULL, NULL,
     0, 2, 1, 0x03, 0, -1, -1},
    {"routine", "concluded", "碧湖村违规户外广告清理", "违规设置的大型户外广告12处", "碧湖村",
     "综合执法中队拆除", "市容环境", "submit,approve,start,conclude", NULL,
     "拆除违规广告12处，责令整改3处，未发生阻挠执法。", -20, 1, 0, 0x01, 0, -1, -1},
    {"routine", "cancelled", "上赵村废品收购站检查", "废品收购站消防隐患", "上赵村",
     "市场监管所、综合执法中队联合检查", "市场监管", "submit,cancel", NULL, NULL, 8, 1, 0, 0x05, 0,
     -1, -1},
    {"special", "submitted", "堰头村非法采砂专项整治", "堰头村河段夜间非法采砂", "堰头村河段",
     "自然资源所牵头查处；综合执法中队、派出所配合", "国土资源", "submit", NULL, NULL, 9, 1, 1,
     0x0b, -1, 3, -1},
    {"special", "forwarded", "碧湖村农房超层专项整治", "碧湖村农房超层加盖5处", "碧湖村",
     "综合执法中队牵头，自然资源所配合", "村镇建设", "submit,forward", NULL, NULL, 7, 1, 0, 0x09,
     -1, 0, -1},
    {"special", "approved", "上赵村小作坊排污专项整治", "上赵村3家小作坊超标排放", "上赵村",
     "环保所牵头取证处罚；综合执法中队配合", "环境保护", "submit,forward,decide",
     "单一派驻机构难以纠正，涉及多部门职责，符合专项启动条件。", NULL, 5, 1, 0, 0x11, 4, 4, 1},
    {"special", "not_launched", "碧湖村占道经营专项整治", "碧湖村早市占道经营", "碧湖村",
     "综合执法中队牵头", "市容环境", "submit,forward,decide",
     "该事项属综合执法中队日常职责，单一单位可以纠正，不予启动专项联合执法。", NULL, 6, 1, 0, 0x01,
     -1, 0, 0},
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

/* A demo person acting: the account as the server would authenticate it. */
struct actor {
	struct xz_user u;
	char username[XZ_MAX_CODE + 1], display[XZ_MAX_NAME + 1];
};

static void actor(struct xz_db *db, const char *username, struct actor *a, int *rc)
{
	json_t *row = NULL, *roles = NULL, *v;
	size_t i;
	memset(a, 0, sizeof(*a));
	if (*rc < 0)
		return;
	*rc = xz_db_one(db,
			"SELECT id, person_id, region_id, county_id, township_id, unit_id, "
			"department_id, display_name FROM users WHERE username = $1",
			XZ_ARGS(XZ_TEXT(username)), &row);
	if (*rc == 0)
		*rc = xz_db_query(db, "SELECT role FROM user_roles WHERE user_id = $1",
				  XZ_ARGS(XZ_INT(json_integer_value(json_object_get(row, "id")))),
				  &roles);
	if (*rc == 0) {
#define I(k) json_integer_value(json_object_get(row, k))
		a->u.id = I("id");
		a->u.person_id = I("person_id");
		a->u.region_id = I("region_id");
		a->u.county_id = I("county_id");
		a->u.township_id = I("township_id");
		a->u.unit_id = I("unit_id");
		a->u.department_id = I("department_id");
#undef I
		snprintf(a->username, sizeof(a->username), "%s", username);
		snprintf(a->display, sizeof(a->display), "%s",
			 json_string_value(json_object_get(row, "display_name")) ?: username);
		a->u.username = a->username;
		a->u.display_name = a->display;
		json_array_foreach(roles, i, v) a->u.roles |=
		    xz_role_parse(json_string_value(json_object_get(v, "role")));
	}
	json_decref(roles);
	json_decref(row);
}

/* as: the context for one step by who at instant t. */
static struct xz_ctx *as(struct xz_ctx *c, const struct actor *who, int64_t t)
{
	c->user = &who->u;
	c->now = t;
	c->err_code = c->err_msg = c->err_msg_en = c->err_field = NULL;
	return c;
}

static int failed(struct xz_ctx *c, const char *what, int rc)
{
	if (rc < 0)
		xz_log_error("demo joint: %s: %s %s", what, c->err_code ? c->err_code : "?",
			     c->err_msg ? c->err_msg : "");
	return rc;
}

/* step: one transition of the life cycle with its written input. */
static int step(struct xz_ctx *c, int64_t id, const struct spec *s, const char *name)
{
	json_t *in = json_object();
	int rc;
	if (!strcmp(name, "decide")) {
		json_object_set_new(in, "launch", json_boolean(s->launch == 1));
		json_object_set_new(in, "reasons", json_string(s->reasons));
	} else if (!strcmp(name, "conclude")) {
		json_object_set_new(in, "summary", json_string(s->summary));
	}
	rc = failed(c, name, xz_joint_act(c, id, name, in));
	json_decref(in);
	return rc;
}

static int one_action(struct xz_ctx *c, const struct spec *s, int64_t town, const int64_t *units,
		      const struct actor *people, int64_t *out)
{
	char steps[128];
	int64_t now = xz_now(), today = xz_day_of(now), start, end, created, t;
	bool special = !strcmp(s->mech, "special"), emergency = !strcmp(s->mech, "emergency");
	json_t *ulist = json_array();
	char ps[XZ_TIME_LEN], pe[XZ_TIME_LEN];
	struct xz_joint_plan p = {0};
	int rc, i;

	start = xz_day_start(today + s->start_days) + 9 * 3600;
	end = start + (int64_t)s->days * DAY - 9 * 3600 + 8 * 3600;
	created = xz_day_start(today - 8) + 10 * 3600;
	if (s->start_days < 0)
		created = start - 10 * DAY;
	if (emergency)
		created = now - 900;
	for (i = 0; i < (int)XZ_ARRAY_LEN(unit_codes); i++)
		if ((s->units & (1 << i)) && !(special && i == s->applicant))
			json_array_append_new(ulist, json_integer(units[i]));
	p.mechanism = s->mech;
	p.title = s->title;
	p.targets = s->targets;
	p.place = s->place;
	p.tasks = s->tasks;
	p.domain = s->domain;
	p.planned_start = xz_time_format(start, ps);
	p.planned_end = xz_time_format(end, pe);
	p.township_id = town;
	p.lead_unit_id = s->lead >= 0 && !special ? units[s->lead] : 0;
	p.police_support = s->police;
	p.units = ulist;
	/* people[0] office, [1] leader, [2] contact of the squad; a special
	 * application comes from the applying unit's contact */
	rc = failed(
	    c, "create",
	    xz_joint_create(as(c, &people[special ? 3 + s->applicant : 0], created), &p, out));
	json_decref(ulist);
	snprintf(steps, sizeof(steps), "%s", s->steps);
	t = created;
	for (char *save = NULL, *name = strtok_r(steps, ",", &save); name && rc == 0;
	     name = strtok_r(NULL, ",", &save)) {
		int who = 0;
		t += emergency ? 300 : 3 * 3600;
		if (!strcmp(name, "submit")) {
			who = special ? 3 + s->applicant : 0;
			/* the overdue application arrived three days ago */
			if (special && !strcmp(s->state, "submitted"))
				t = xz_day_start(today - 3) + 10 * 3600;
		} else if (!strcmp(name, "decide") || !strcmp(name, "approve")) {
			who = 1;
		} else if (!strcmp(name, "conclude")) {
			t = start + 8 * 3600;
		}
		rc = step(as(c, &people[who], t), *out, s, name);
	}
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
	if ((*rc = xz_db_one(db, "SELECT contact_person_id, department_id FROM units WHERE id = $1",
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
	/* people: office, leader, contact (ZF), then the contacts of the units */
	struct actor people[3 + XZ_ARRAY_LEN(unit_codes)], dept, police;
	int64_t town, town2, units[XZ_ARRAY_LEN(unit_codes)], ids[XZ_ARRAY_LEN(specs)];
	int64_t now = xz_now(), day = xz_day_of(now), parent = 0, child = 0, nid = 0, iid = 0,
		fid = 0, pid = 0;
	struct xz_arena *arena = xz_arena_new();
	struct xz_ctx c;
	json_t *staff = NULL, *towns = NULL;
	char key[48], ps[XZ_TIME_LEN], pe[XZ_TIME_LEN];
	size_t i;
	int rc = 0;

	xz_ctx_system(&c, db, arena, "cli");
	town = lookup(db, "SELECT id FROM regions WHERE code = $1", "331102100", &rc);
	town2 = lookup(db, "SELECT id FROM regions WHERE code = $1", "331102101", &rc);
	for (i = 0; i < XZ_ARRAY_LEN(unit_codes); i++)
		units[i] = lookup(db, "SELECT id FROM units WHERE code = $1", unit_codes[i], &rc);
	login(db, "police", "碧湖镇派出所负责人", units[1], &rc);
	login(db, "market", "碧湖镇市场监管所负责人", units[2], &rc);
	login(db, "land", "碧湖镇自然资源所负责人", units[3], &rc);
	login(db, "env", "碧湖镇环保所负责人", units[4], &rc);
	actor(db, "office", &people[0], &rc);
	actor(db, "leader", &people[1], &rc);
	actor(db, "contact", &people[2], &rc);
	people[3] = people[2]; /* the squad's contact is the demo `contact` */
	actor(db, "police", &people[4], &rc);
	actor(db, "market", &people[5], &rc);
	actor(db, "land", &people[6], &rc);
	actor(db, "env", &people[7], &rc);
	actor(db, "dept", &dept, &rc);
	police = people[4];
	/* 碧湖镇's police-support rule: emergencies, and actions of more than
	 * three units or twenty people (a township without a rule forces none) */
	snprintf(key, sizeof(key), "joint.police.%lld", (long long)town);
	if (rc == 0)
		rc = xz_db_exec(
		    db, "INSERT INTO settings (key, value) VALUES ($1, $2)",
		    XZ_ARGS(XZ_TEXT(key), XZ_TEXT("{\"emergency\":true,\"major_units\":3,"
						  "\"major_participants\":20}")),
		    NULL);
	for (i = 0; i < XZ_ARRAY_LEN(specs) && rc == 0; i++)
		rc = one_action(&c, &specs[i], town, units, people, &ids[i]);

	/* the running routine action: its people, a notice, an incident, a finding */
	if (rc == 0)
		rc = xz_db_query(
		    db,
		    "SELECT id, unit_id, is_auxiliary FROM people WHERE unit_id IN ($1, "
		    "$2) ORDER BY id",
		    XZ_ARGS(XZ_INT(units[0]), XZ_INT(units[1])), &staff);
	for (i = 0; rc == 0 && i < json_array_size(staff); i++) {
		json_t *pr = json_array_get(staff, i);
		int64_t unit = json_integer_value(json_object_get(pr, "unit_id"));
		struct xz_joint_participant_in in = {
		    .unit_id = unit,
		    .person_id = json_integer_value(json_object_get(pr, "id")),
		    /* the squad enforces; the police station keeps order */
		    .role =
			unit == units[0] && !json_integer_value(json_object_get(pr, "is_auxiliary"))
			    ? "enforcer"
			    : "support",
		};
		if (i == 3) /* the squad's officer whose qualification lapsed stays home */
			continue;
		rc = failed(
		    &c, "participant",
		    xz_joint_participant_add(as(&c, &people[0], now - 3 * DAY), ids[3], &in, &pid));
		if (rc == 0 && i < 2)
			rc = failed(&c, "check-in",
				    xz_joint_check(as(&c, &people[2], xz_day_start(day) + 8 * 3600),
						   ids[3], pid, true));
	}
	json_decref(staff);
	if (rc == 0) {
		struct xz_joint_notice_in in = {.category = "SC01",
						.description = "镇区一家无照经营的小吃店"};
		rc = failed(&c, "notice",
			    xz_joint_notice_issue(as(&c, &people[0], xz_day_start(day) + 10 * 3600),
						  ids[3], &in, &nid));
	}
	if (rc == 0) {
		struct xz_joint_incident_in in = {
		    .kind = "obstruction",
		    .description = "施工方负责人阻挡执法人员进入工地并辱骂执法人员",
		    .occurred_at = xz_day_start(day) + 9 * 3600};
		rc = failed(
		    &c, "incident",
		    xz_joint_incident_report(as(&c, &people[0], xz_day_start(day) + 9 * 3600),
					     ids[3], &in, &iid));
	}
	if (rc == 0)
		rc = failed(&c, "follow-up",
			    xz_joint_incident_follow_up(
				as(&c, &police, xz_day_start(day) + 9 * 3600 + 1200), ids[3], iid,
				"accepted", "派出所已出警，当事人接受调查"));
	if (rc == 0) {
		struct xz_joint_finding_in in = {.description = "夜间22时后仍在施工的工地一处",
						 .at = {true, 119.87, 28.42}};
		rc = failed(&c, "finding",
			    xz_joint_finding_add(as(&c, &people[0], now), ids[3], &in, &fid));
	}

	/* a county-wide unified action of the county enforcement bureau (R9.2):
	 * 碧湖镇's part approved, 大港头镇's still a draft, the whole started */
	if (rc == 0) {
		struct xz_joint_plan p = {
		    .mechanism = "routine",
		    .title = "全区农村违法建设统一整治行动",
		    .targets = "各乡镇在建违法建筑",
		    .domain = "村镇建设",
		    .planned_start = xz_time_format(xz_day_start(day + 12) + 9 * 3600, ps),
		    .planned_end = xz_time_format(xz_day_start(day + 13) + 17 * 3600, pe),
		    .townships = towns = json_pack("[I,I]", (json_int_t)town, (json_int_t)town2),
		};
		rc = failed(&c, "county", xz_joint_create(as(&c, &dept, now - DAY), &p, &parent));
		json_decref(towns);
	}
	if (rc == 0)
		rc = xz_db_int(
		    db, "SELECT id FROM joint_actions WHERE parent_id = $1 AND township_id = $2",
		    XZ_ARGS(XZ_INT(parent), XZ_INT(town)), &child);
	if (rc == 0)
		rc = failed(
		    &c, "county submit",
		    xz_joint_act(as(&c, &people[0], now - DAY + 3600), child, "submit", NULL));
	if (rc == 0)
		rc = failed(
		    &c, "county approve",
		    xz_joint_act(as(&c, &people[1], now - DAY + 7200), child, "approve", NULL));
	if (rc == 0)
		rc = failed(&c, "county start",
			    xz_joint_act(as(&c, &dept, now - DAY + 600), parent, "start", NULL));
	xz_arena_free(arena);
	return rc;
}
