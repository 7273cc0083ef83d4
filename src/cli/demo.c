/*
 * demo.c — a plausible demo county modelled on Liandu District (莲都区) of
 * Lishui: four townships and streets, the county departments of the seed,
 * their dispatched units stationed in each township (dual leadership),
 * 50-odd people with enforcement qualifications (some expired, some
 * auxiliaries), leadership groups and named contacts, and one login per
 * role. Deterministic: the same database every time.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/audit.h"
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

static int64_t insert_id(struct xz_db *db, const char *sql, const struct xz_val *p, int n, int *rc)
{
	json_t *row = NULL;
	int64_t id = 0;
	if (*rc < 0)
		return 0;
	*rc = xz_db_one(db, sql, p, n, &row);
	if (*rc == 0)
		id = json_integer_value(json_object_get(row, "id"));
	else
		xz_log_error("demo insert failed: %s", xz_db_errmsg(db));
	json_decref(row);
	return id;
}

static int64_t region(struct xz_db *db, int64_t parent, const char *level, const char *code,
		      const char *name, int64_t county, int64_t township, int *rc)
{
	int64_t now = xz_now();
	return insert_id(db,
			 "INSERT INTO regions (parent_id, level, code, name, county_id, township_id, "
			 "created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$7) RETURNING id",
			 XZ_ARGS(XZ_ID(parent), XZ_TEXT(level), XZ_TEXT(code), XZ_TEXT(name),
				 XZ_ID(county), XZ_ID(township), XZ_INT(now)),
			 rc);
}

static int64_t person(struct xz_db *db, const char *name, int64_t unit, int64_t dept,
		      int64_t township, int64_t county, const char *title, int aux, int n, int *rc)
{
	char phone[32];
	snprintf(phone, sizeof(phone), "1390578%04d", 1000 + n);
	return insert_id(db,
			 "INSERT INTO people (name, unit_id, department_id, township_id, county_id, phone, "
			 "title, is_auxiliary, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,"
			 "$9,$9) RETURNING id",
			 XZ_ARGS(XZ_TEXT(name), XZ_ID(unit), XZ_ID(dept), XZ_ID(township),
				 XZ_INT(county), XZ_TEXT(phone), XZ_TEXT(title), XZ_INT(aux),
				 XZ_INT(xz_now())),
			 rc);
}

static void qualification(struct xz_db *db, int64_t pid, int n, const char *domains, bool expired,
			  int *rc)
{
	char cert[32], from[XZ_DATE_LEN], to[XZ_DATE_LEN];
	int64_t today = xz_day_of(xz_now());
	if (*rc < 0)
		return;
	snprintf(cert, sizeof(cert), "浙执%07d", 3311020 + n);
	xz_date_format(today - 900 - n, from);
	/* expired ones ended last month; one in five valid ones ends within 30 days */
	xz_date_format(expired ? today - 20 - n % 10 : (n % 5 == 0 ? today + 20 : today + 700 + n),
		       to);
	*rc = xz_db_exec(db,
			 "INSERT INTO qualifications (person_id, cert_no, issuer, domains, valid_from, "
			 "valid_to, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
			 XZ_ARGS(XZ_INT(pid), XZ_TEXT(cert), XZ_TEXT("浙江省人民政府法制办公室"),
				 XZ_TEXT(domains), XZ_TEXT(from), XZ_TEXT(to), XZ_INT(xz_now())),
			 NULL);
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
	int64_t now = xz_now(), have = 0, pid, first_office = 0, first_leader = 0;
	int64_t first_contact = 0, first_staff = 0, first_grid = 0;
	char name[64], code[32];
	size_t t, d, v;
	int rc = 0, n = 0;

	if ((rc = xz_db_int(db, "SELECT COUNT(*) FROM regions", XZ_NOARGS, &have)) < 0)
		return rc;
	if (have)
		return XZ_ECONFLICT;
	if ((rc = xz_db_begin(db)) < 0)
		return rc;
	city = region(db, 0, "city", "331100", "丽水市", 0, 0, &rc);
	county = region(db, city, "county", "331102", "莲都区", 0, 0, &rc);
	if (rc == 0)
		rc = xz_db_exec(db, "UPDATE regions SET county_id = $1 WHERE id = $1",
				XZ_ARGS(XZ_INT(county)), NULL);
	for (t = 0; t < XZ_ARRAY_LEN(townships); t++) {
		town[t] = region(db, county, "township", townships[t][0], townships[t][1], county, 0, &rc);
		if (rc == 0)
			rc = xz_db_exec(db, "UPDATE regions SET township_id = $1 WHERE id = $1",
					XZ_ARGS(XZ_INT(town[t])), NULL);
	}
	for (v = 0; v < XZ_ARRAY_LEN(villages); v++) {
		t = (size_t)(villages[v][0][0] - '0');
		snprintf(code, sizeof(code), "%s%s", townships[t][0], villages[v][1]);
		region(db, town[t], "village", code, villages[v][2], county, town[t], &rc);
	}
	for (d = 0; d < XZ_ARRAY_LEN(depts); d++)
		dept[d] = insert_id(db,
				    "INSERT INTO departments (county_id, code, name, domains, created_at, "
				    "updated_at) VALUES ($1,$2,$3,$4,$5,$5) RETURNING id",
				    XZ_ARGS(XZ_INT(county), XZ_TEXT(depts[d].code),
					    XZ_TEXT(depts[d].name), XZ_TEXT(depts[d].domains),
					    XZ_INT(now)),
				    &rc);
	for (t = 0; t < XZ_ARRAY_LEN(townships); t++) {
		for (d = 0; d < XZ_ARRAY_LEN(depts); d++) {
			const char *tn = townships[t][1];
			snprintf(name, sizeof(name), "%s%s", tn, depts[d].unit_suffix);
			snprintf(code, sizeof(code), "%s-%s", depts[d].code, townships[t][0]);
			unit[t][d] = insert_id(db,
					       "INSERT INTO units (department_id, township_id, county_id, code, "
					       "name, kind, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,"
					       "$7,$7) RETURNING id",
					       XZ_ARGS(XZ_INT(dept[d]), XZ_INT(town[t]), XZ_INT(county),
						       XZ_TEXT(code), XZ_TEXT(name),
						       XZ_TEXT(depts[d].unit_kind), XZ_INT(now)),
					       &rc);
			/* each unit: a head (the named contact), an officer, and in the
			 * enforcement squad two more officers and an auxiliary */
			for (int k = 0; k < (d == 0 ? 5 : 2); k++) {
				bool aux = d == 0 && k == 4;
				name_for(++n, name, sizeof(name));
				pid = person(db, name, unit[t][d], dept[d], town[t], county,
					     k == 0 ? "负责人" : (aux ? "协管员" : "执法队员"), aux, n,
					     &rc);
				if (!aux)
					qualification(db, pid, n, depts[d].domains, n % 9 == 4, &rc);
				if (k == 0 && rc == 0)
					rc = xz_db_exec(db,
							"UPDATE units SET contact_person_id = $2 WHERE id = $1",
							XZ_ARGS(XZ_INT(unit[t][d]), XZ_INT(pid)), NULL);
				if (t == 0 && d == 0 && k == 0)
					first_contact = pid;
				if (t == 0 && d == 0 && k == 1)
					first_staff = pid;
			}
		}
		/* the township's own people: office staff, leader, deputy, grid members */
		name_for(++n, name, sizeof(name));
		pid = person(db, name, 0, 0, town[t], county, "执法办公室主任", 0, n, &rc);
		if (!first_office)
			first_office = pid;
		name_for(++n, name, sizeof(name));
		pid = person(db, name, 0, 0, town[t], county, "镇长（组长）", 0, n, &rc);
		if (!first_leader)
			first_leader = pid;
		if (rc == 0)
			rc = xz_db_exec(db,
					"INSERT INTO leadership (township_id, person_id, position, "
					"created_at) VALUES ($1,$2,'leader',$3)",
					XZ_ARGS(XZ_INT(town[t]), XZ_INT(pid), XZ_INT(now)), NULL);
		name_for(++n, name, sizeof(name));
		pid = person(db, name, 0, 0, town[t], county, "副镇长（副组长）", 0, n, &rc);
		if (rc == 0)
			rc = xz_db_exec(db,
					"INSERT INTO leadership (township_id, person_id, position, "
					"created_at) VALUES ($1,$2,'deputy',$3)",
					XZ_ARGS(XZ_INT(town[t]), XZ_INT(pid), XZ_INT(now)), NULL);
		for (int g = 0; g < 3; g++) {
			name_for(++n, name, sizeof(name));
			pid = person(db, name, 0, 0, town[t], county, "全科网格员", 0, n, &rc);
			if (!first_grid)
				first_grid = pid;
		}
	}
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
	if (rc < 0) {
		xz_db_rollback(db);
		return rc;
	}
	return xz_db_commit(db);
}
