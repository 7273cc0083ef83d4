/*
 * demo.c — a plausible demo county modelled on Liandu District (莲都区) of
 * Lishui: four townships and streets, the county departments of the seed,
 * their dispatched units stationed in each township (dual leadership),
 * 50-odd people with enforcement qualifications (some expired, some
 * auxiliaries), leadership groups and named contacts, and one login per
 * role. Deterministic: the same database every time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/audit.h"
#include "domain/ctx.h"
#include "domain/org.h"
#include "domain/search.h"
#include "domain/authz.h"
#include "domain/users.h"
#include "cli/demo.h"

static const char *const townships[][2] = {
	{"331102100", "碧湖镇"},
	{"331102101", "大港头镇"},
	{"331102102", "老竹畲族镇"},
	{"331102001", "紫金街道"},
};

static const char *const villages[][3] = {
	/* township index, code suffix, name */
	{"0", "201", "碧湖村"}, {"0", "202", "上赵村"}, {"0", "203", "堰头村"},
	{"1", "201", "大港头村"}, {"1", "202", "河边村"}, {"1", "203", "利山村"},
	{"2", "201", "老竹村"}, {"2", "202", "黄弄村"}, {"2", "203", "沙溪村"},
	{"3", "001", "厦河社区"}, {"3", "002", "紫金社区"}, {"3", "003", "白云社区"},
};

static const struct {
	const char *code, *name, *domains, *unit_suffix, *unit_kind;
} depts[] = {
	{"ZF", "莲都区综合行政执法局", "[\"村镇建设\",\"市容环境\",\"综合执法\"]", "综合行政执法中队", "enforcement"},
	{"ZR", "丽水市自然资源和规划局莲都分局", "[\"国土资源\",\"规划管理\"]", "自然资源所", "land"},
	{"HB", "丽水市生态环境局莲都分局", "[\"环境保护\"]", "环保所", "environment"},
	{"YJ", "莲都区应急管理局", "[\"安全生产\"]", "应急管理站", "safety"},
	{"WL", "莲都区文化和广电旅游体育局", "[\"旅游\",\"文化市场\"]", "文旅服务站", "tourism"},
	{"SJ", "莲都区市场监督管理局", "[\"市场监管\",\"食品安全\"]", "市场监管所", "market"},
	{"GA", "丽水市公安局莲都区分局", "[\"治安管理\"]", "派出所", "police"},
};

static const char *const surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文";
static const char *const given[] = {"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇",
				    "艳", "杰", "涛", "明", "超", "秀英", "霞", "平", "刚", "桂英",
				    "建华", "志强", "海燕", "晓东", "丽华", "国平", "卫东", "春梅"};

/* name_for: a deterministic Chinese name for person number n. */
static void name_for(int n, char *buf, size_t size)
{
	/* every surname character above is 3 bytes in UTF-8 */
	size_t count = strlen(surnames) / 3;
	size_t s = (size_t)(n * 7 + 3) % count;
	snprintf(buf, size, "%.3s%s", surnames + s * 3, given[(n * 5 + 1) % XZ_ARRAY_LEN(given)]);
}

/* record: create a record of kind through the domain (its rules, its
 * audit entry); answers its id, 0 after a failure (kept in *rc). */
static int64_t record(struct xz_ctx *c, const struct xz_resource *kind, json_t *row, int *rc)
{
	json_t *after = NULL;
	int64_t id = 0;
	if (*rc == 0 && (*rc = xz_record_create(c, kind, row, &after)) == 0)
		id = json_integer_value(json_object_get(after, "id"));
	else if (*rc < 0 && c->err_code)
		xz_log_error("demo %s: %s", kind->name, c->err_msg_en);
	json_decref(after);
	json_decref(row);
	return id;
}

static int64_t region(struct xz_ctx *c, int64_t parent, const char *level, const char *code,
		      const char *name, int *rc)
{
	return record(c, &xz_kind_regions,
		      json_pack("{s:o,s:s,s:s,s:s}", "parent_id",
				parent ? json_integer(parent) : json_null(), "level", level, "code",
				code, "name", name),
		      rc);
}

/* person: of a unit, or (unit 0) of a township. */
static int64_t person(struct xz_ctx *c, const char *name, int64_t unit, int64_t township,
		      const char *title, int aux, int n, int *rc)
{
	char phone[32];
	snprintf(phone, sizeof(phone), "1390578%04d", 1000 + n);
	return record(c, &xz_kind_people,
		      json_pack("{s:s,s:o,s:o,s:s,s:s,s:i}", "name", name, "unit_id",
				unit ? json_integer(unit) : json_null(), "township_id",
				unit ? json_null() : json_integer(township), "phone", phone, "title",
				title, "is_auxiliary", aux),
		      rc);
}

static void qualification(struct xz_ctx *c, int64_t pid, int n, const char *domains,
			  bool expired, int *rc)
{
	char cert[32], from[XZ_DATE_LEN], to[XZ_DATE_LEN];
	int64_t today = xz_day_of(c->now);
	struct xz_qualification_in in = {.cert_no = cert,
					 .issuer = "浙江省人民政府法制办公室",
					 .valid_from = from,
					 .valid_to = to};
	json_t *row = NULL;
	if (*rc < 0)
		return;
	snprintf(cert, sizeof(cert), "浙执%07d", 3311020 + n);
	xz_date_format(today - 900 - n, from);
	/* expired ones ended last month; one in five valid ones ends within 30 days */
	xz_date_format(expired ? today - 20 - n % 10 : (n % 5 == 0 ? today + 20 : today + 700 + n),
		       to);
	in.domains = json_loads(domains, 0, NULL);
	*rc = xz_qualification_add(c, pid, &in, &row);
	json_decref(in.domains);
	json_decref(row);
}

/* contact: name the unit's joint-enforcement contact (one of its own). */
static void contact(struct xz_ctx *c, int64_t unit, int64_t pid, int *rc)
{
	json_t *before = NULL, *row, *after = NULL;
	if (*rc < 0 || (*rc = xz_record_for_write(c, &xz_kind_units, unit, &before)) < 0)
		return;
	row = json_deep_copy(before);
	json_object_set_new(row, "contact_person_id", json_integer(pid));
	*rc = xz_record_update(c, &xz_kind_units, unit, before, row, &after);
	json_decref(before);
	json_decref(row);
	json_decref(after);
}

static void leader(struct xz_ctx *c, int64_t town, int64_t pid, const char *position, int *rc)
{
	json_t *row = NULL;
	if (*rc == 0)
		*rc = xz_leadership_add(c, town, pid, position, &row);
	json_decref(row);
}

static void account(struct xz_db *db, const char *username, const char *display, int64_t region_id,
		    int64_t unit, int64_t dept, int64_t pid, unsigned roles, int *rc)
{
	struct xz_user_spec s = {
		.username = username,
		.display_name = display,
		.password = XZ_DEMO_PASSWORD,
		.region_id = region_id,
		.unit_id = unit,
		.department_id = dept,
		.person_id = pid,
		.roles = roles,
		.skip_policy = true,
	};
	int64_t id;
	const char *why;
	if (*rc < 0)
		return;
	*rc = xz_user_create(db, &s, 0, &id, &why);
	if (*rc < 0)
		xz_log_error("demo account %s: %s", username, why ? why : "?");
}

int xz_demo_create(struct xz_db *db)
{
	int64_t city, county, town[4], dept[XZ_ARRAY_LEN(depts)], unit[4][XZ_ARRAY_LEN(depts)];
	int64_t have = 0, pid, first_office = 0, first_leader = 0;
	int64_t first_contact = 0, first_staff = 0, first_grid = 0;
	struct xz_arena *arena = xz_arena_new();
	struct xz_ctx ctx, *c = &ctx;
	char name[64], code[32];
	size_t t, d, v;
	int rc = 0, n = 0;

	xz_ctx_system(c, db, arena, "cli");
	if ((rc = xz_db_int(db, "SELECT COUNT(*) FROM regions", XZ_NOARGS, &have)) < 0 ||
	    (have && (rc = XZ_ECONFLICT)) || (rc = xz_db_begin(db)) < 0) {
		xz_arena_free(arena);
		return rc;
	}
	/* the organisation, through the same use cases as the administrator's
	 * screens (domain/records.c with the kinds of org.c and people.c) */
	city = region(c, 0, "city", "331100", "丽水市", &rc);
	county = region(c, city, "county", "331102", "莲都区", &rc);
	for (t = 0; t < XZ_ARRAY_LEN(townships); t++)
		town[t] = region(c, county, "township", townships[t][0], townships[t][1], &rc);
	for (v = 0; v < XZ_ARRAY_LEN(villages); v++) {
		t = (size_t)(villages[v][0][0] - '0');
		snprintf(code, sizeof(code), "%s%s", townships[t][0], villages[v][1]);
		region(c, town[t], "village", code, villages[v][2], &rc);
	}
	for (d = 0; d < XZ_ARRAY_LEN(depts); d++) {
		json_t *domains = json_loads(depts[d].domains, 0, NULL);
		char *text = json_dumps(domains, JSON_COMPACT);
		dept[d] = record(c, &xz_kind_departments,
				 json_pack("{s:I,s:s,s:s,s:s}", "county_id", (json_int_t)county, "code",
					   depts[d].code, "name", depts[d].name, "domains", text),
				 &rc);
		free(text);
		json_decref(domains);
	}
	for (t = 0; t < XZ_ARRAY_LEN(townships); t++) {
		for (d = 0; d < XZ_ARRAY_LEN(depts); d++) {
			const char *tn = townships[t][1];
			snprintf(name, sizeof(name), "%s%s", tn, depts[d].unit_suffix);
			snprintf(code, sizeof(code), "%s-%s", depts[d].code, townships[t][0]);
			unit[t][d] = record(c, &xz_kind_units,
					    json_pack("{s:I,s:I,s:s,s:s,s:s}", "department_id",
						      (json_int_t)dept[d], "township_id",
						      (json_int_t)town[t], "code", code, "name", name,
						      "kind", depts[d].unit_kind),
					    &rc);
			/* each unit: a head (the named contact), an officer, and in the
			 * enforcement squad two more officers and an auxiliary */
			for (int k = 0; k < (d == 0 ? 5 : 2); k++) {
				bool aux = d == 0 && k == 4;
				name_for(++n, name, sizeof(name));
				pid = person(c, name, unit[t][d], town[t],
					     k == 0 ? "负责人" : (aux ? "协管员" : "执法队员"), aux, n,
					     &rc);
				if (!aux)
					qualification(c, pid, n, depts[d].domains, n % 9 == 4, &rc);
				if (k == 0)
					contact(c, unit[t][d], pid, &rc);
				if (t == 0 && d == 0 && k == 0)
					first_contact = pid;
				if (t == 0 && d == 0 && k == 1)
					first_staff = pid;
			}
		}
		/* the township's own people: office staff, leader, deputy, grid members */
		name_for(++n, name, sizeof(name));
		pid = person(c, name, 0, town[t], "执法办公室主任", 0, n, &rc);
		if (!first_office)
			first_office = pid;
		name_for(++n, name, sizeof(name));
		pid = person(c, name, 0, town[t], "镇长（组长）", 0, n, &rc);
		if (!first_leader)
			first_leader = pid;
		leader(c, town[t], pid, "leader", &rc);
		name_for(++n, name, sizeof(name));
		pid = person(c, name, 0, town[t], "副镇长（副组长）", 0, n, &rc);
		leader(c, town[t], pid, "deputy", &rc);
		for (int g = 0; g < 3; g++) {
			name_for(++n, name, sizeof(name));
			pid = person(c, name, 0, town[t], "全科网格员", 0, n, &rc);
			if (!first_grid)
				first_grid = pid;
		}
	}
	if (rc < 0 && c->err_code)
		xz_log_error("demo: %s: %s", c->err_code, c->err_msg_en);
	account(db, "admin", "系统管理员", county, 0, 0, 0, XZ_ROLE_ADMIN, &rc);
	account(db, "secadmin", "安全管理员", county, 0, 0, 0, XZ_ROLE_SECADMIN, &rc);
	account(db, "auditor", "审计管理员", county, 0, 0, 0, XZ_ROLE_AUDITOR, &rc);
	account(db, "dept", "区综合行政执法局", county, 0, dept[0], 0, XZ_ROLE_DEPT, &rc);
	account(db, "office", "碧湖镇执法办公室", town[0], 0, 0, first_office, XZ_ROLE_OFFICE, &rc);
	account(db, "leader", "碧湖镇镇长", town[0], 0, 0, first_leader, XZ_ROLE_LEADER, &rc);
	account(db, "contact", "碧湖镇综合行政执法中队负责人", 0, unit[0][0], 0, first_contact,
		XZ_ROLE_CONTACT | XZ_ROLE_STAFF, &rc);
	account(db, "staff", "碧湖镇综合行政执法中队队员", 0, unit[0][0], 0, first_staff,
		XZ_ROLE_STAFF, &rc);
	account(db, "grid", "碧湖镇网格员", town[0], 0, 0, first_grid, XZ_ROLE_GRID, &rc);
	/* a second township's office, for place tests */
	account(db, "office2", "大港头镇执法办公室", town[1], 0, 0, 0, XZ_ROLE_OFFICE, &rc);
	if (rc == 0)
		rc = xz_demo_grid(db, county, town);
	if (rc == 0)
		rc = xz_demo_problems(db);
	if (rc == 0)
		rc = xz_demo_joint(db);
	if (rc == 0) {
		struct xz_audit_entry e = {.source = "cli", .county_id = county, .action = "demo.create",
					   .object_type = "region", .outcome = "ok",
					   .detail = "demo county created"};
		rc = xz_audit_append(db, &e);
	}
	xz_arena_free(arena);
	if (rc < 0) {
		xz_db_rollback(db);
		return rc;
	}
	if ((rc = xz_db_commit(db)) < 0)
		return rc;
	/* the demo's problems in the text index now, not in the first second
	 * of the first server (whose batches would then hold the writer) */
	return xz_search_index(db, NULL);
}
