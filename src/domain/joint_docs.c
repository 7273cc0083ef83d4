/*
 * joint_docs.c — the official documents of joint enforcement (R5.7) as
 * GB/T 9704 公文 (domain/officialdoc.h): the leadership group's written
 * decision on a special application (§4.2.2), the action plan, and the
 * interactive-enforcement notice to the responsible unit (§4.3.3). Each
 * function fills a struct xz_doc for a visible action; the HTTP layer
 * renders it.
 */
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/joint_internal.h"
#include "domain/jointaction.h"
#include "domain/officialdoc.h"

#define jint xz__jint

static const char *str(const json_t *o, const char *k)
{
	const char *s = xz__jstr(o, k);
	return s ? s : "";
}

static const char *unit_name(struct xz_ctx *c, int64_t id)
{
	json_t *row = NULL;
	const char *name = "";
	if (id > 0 && xz_db_one(c->db, "SELECT name FROM units WHERE id = $1", XZ_ARGS(XZ_INT(id)),
				&row) == 0)
		name = xz_arena_strdup(c->arena, str(row, "name"));
	json_decref(row);
	return name;
}

static const char *township_name(struct xz_ctx *c, int64_t id)
{
	json_t *row = NULL;
	const char *name = "";
	if (id > 0 && xz_db_one(c->db, "SELECT name FROM regions WHERE id = $1",
				XZ_ARGS(XZ_INT(id)), &row) == 0)
		name = xz_arena_strdup(c->arena, str(row, "name"));
	json_decref(row);
	return name;
}

/* first_char: the first UTF-8 character of s (the township's short name
 * in a document number: 碧湖镇 → 碧). */
static const char *first_char(struct xz_ctx *c, const char *s)
{
	size_t n = 1;
	if (!s || !*s)
		return "";
	if (((unsigned char)s[0] & 0xE0) == 0xC0)
		n = 2;
	else if (((unsigned char)s[0] & 0xF0) == 0xE0)
		n = 3;
	else if (((unsigned char)s[0] & 0xF8) == 0xF0)
		n = 4;
	return xz_arena_printf(c->arena, "%.*s", (int)n, s);
}

static const char *when_cn(struct xz_ctx *c, int64_t t)
{
	char d[XZ_DATE_CN_LEN];
	int64_t local = t + XZ_TZ_OFFSET;
	return xz_arena_printf(c->arena, "%s%02d时%02d分", xz_date_cn(xz_day_of(t), d),
			       (int)((local % 86400 + 86400) % 86400 / 3600),
			       (int)((local % 3600 + 3600) % 3600 / 60));
}

static const char *date_cn(struct xz_ctx *c, int64_t t)
{
	char d[XZ_DATE_CN_LEN];
	return xz_arena_strdup(c->arena, xz_date_cn(xz_day_of(t), d));
}

int xz_joint_doc_decision(struct xz_ctx *c, int64_t id, struct xz_doc *doc)
{
	json_t *row = NULL;
	const char *town, *app, *date;
	int y, m, d, rc;
	bool launch;
	if ((rc = xz_joint_load(c, id, &row)) < 0)
		return rc;
	if (jint(row, "decided_at") <= 0) {
		rc = xz_ctx_fail(c, XZ_ECONFLICT, "no_decision",
				 "尚无书面决定（专项申请经组长审定后才有）",
				 "There is no written decision yet", NULL);
		goto out;
	}
	town = township_name(c, jint(row, "township_id"));
	app = unit_name(c, jint(row, "applicant_unit_id"));
	launch = jint(row, "launch") == 1;
	xz_civil_from_days(xz_day_of(jint(row, "decided_at")), &y, &m, &d);
	date = date_cn(c, jint(row, "decided_at"));
	doc->body = xz_arena_printf(
	    c->arena,
	    "你单位%s提出的“%s”专项联合执法申请及行动方案收悉。经执法办公室报送，领导小组组长审定，"
	    "现作出如下决定：\n%s\n理由：%s\n%s",
	    date_cn(c, jint(row, "received_at")), str(row, "title"),
	    launch
		? xz_arena_printf(c->arena,
				  "同意启动专项联合执法，由你单位牵头组织实施。计划时间：%s至%s；"
				  "地点：%s。",
				  when_cn(c, jint(row, "planned_start")),
				  when_cn(c, jint(row, "planned_end")),
				  *str(row, "place") ? str(row, "place") : "按方案")
		: "不予启动专项联合执法。",
	    str(row, "reasons"),
	    launch ? "请按方案做好人员、装备和执法保障准备，行动结束后及时报送结果小结。"
		   : "请你单位依法继续履行职责。");
	doc->issuer = xz_arena_printf(c->arena, "%s综合行政执法工作领导小组", town);
	doc->doc_number = xz_arena_printf(c->arena, "%s执领〔%d〕%lld号", first_char(c, town), y,
					  (long long)jint(row, "decision_no"));
	doc->title =
	    xz_arena_printf(c->arena, "关于%s“%s”专项联合执法申请的决定", app, str(row, "title"));
	doc->recipient = app;
	doc->signer = doc->issuer;
	doc->date_cn = date;
	doc->seal_area = 1;
	doc->cc = xz_arena_printf(c->arena, "%s综合行政执法办公室", town);
	doc->printer_line = xz_arena_printf(c->arena, "%s综合行政执法办公室\t%s印发", town, date);
out:
	json_decref(row);
	return rc;
}

int xz_joint_doc_notice(struct xz_ctx *c, int64_t id, int64_t nid, struct xz_doc *doc)
{
	json_t *row = NULL, *n = NULL;
	const char *town;
	int y, m, d, rc;
	if ((rc = xz_joint_load(c, id, &row)) < 0)
		return rc;
	if (xz_db_one(
		c->db,
		"SELECT n.issued_at, n.due_at, n.description, n.routing_reason, u.name AS "
		"unit_name FROM joint_notices n JOIN units u ON u.id = n.unit_id WHERE n.id = "
		"$1 AND n.action_id = $2",
		XZ_ARGS(XZ_INT(nid), XZ_INT(id)), &n) < 0) {
		rc = xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "协同通知不存在", "No such notice",
				 NULL);
		goto out;
	}
	town = township_name(c, jint(row, "township_id"));
	xz_civil_from_days(xz_day_of(jint(n, "issued_at")), &y, &m, &d);
	doc->issuer = xz_arena_printf(c->arena, "%s综合行政执法办公室", town);
	doc->doc_number =
	    xz_arena_printf(c->arena, "%s执协〔%d〕%lld号", first_char(c, town), y, (long long)nid);
	doc->title = "互动执法协同通知";
	doc->recipient = xz_arena_strdup(c->arena, str(n, "unit_name"));
	doc->body = xz_arena_printf(
	    c->arena,
	    "%s，在“%s”联合执法行动中发现以下问题，经对照权责清单，属你单位职责范围：\n%s\n"
	    "依据：%s\n请你单位于%s前派员到场处置，并在平台上报送到场人员。逾期未派员的，"
	    "记入考评。",
	    when_cn(c, jint(n, "issued_at")), str(row, "title"), str(n, "description"),
	    *str(n, "routing_reason") ? str(n, "routing_reason") : "权责清单",
	    when_cn(c, jint(n, "due_at")));
	doc->signer = doc->issuer;
	doc->date_cn = date_cn(c, jint(n, "issued_at"));
	doc->seal_area = 1;
out:
	json_decref(n);
	json_decref(row);
	return rc;
}

int xz_joint_doc_plan(struct xz_ctx *c, int64_t id, struct xz_doc *doc)
{
	static const char *const mech_cn[] = {"常规启动", "专项启动", "应急启动"};
	json_t *row = NULL, *parts = NULL, *units = NULL, *v;
	const char *town, *mech = "", *unames = "", *people = "";
	unsigned mb;
	size_t i;
	int rc;
	if ((rc = xz_joint_load(c, id, &row)) < 0)
		return rc;
	mb = xz_joint_mech_parse(str(row, "mechanism"));
	for (i = 0; i < XZ_ARRAY_LEN(mech_cn); i++)
		if (mb == 1u << i)
			mech = mech_cn[i];
	if ((rc = xz__joint_units(c->db, id, &units)) < 0 ||
	    (rc = xz_db_query(
		 c->db,
		 "SELECT p.name, u.name AS unit_name, jp.role FROM joint_participants jp "
		 "JOIN people p ON p.id = jp.person_id JOIN units u ON u.id = jp.unit_id "
		 "WHERE jp.action_id = $1 ORDER BY jp.id",
		 XZ_ARGS(XZ_INT(id)), &parts)) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
	json_array_foreach(units, i, v) unames = xz_arena_printf(
	    c->arena, "%s%s%s", unames, i ? "、" : "", unit_name(c, json_integer_value(v)));
	json_array_foreach(parts, i, v) people = xz_arena_printf(
	    c->arena, "%s%s%s（%s，%s）", people, i ? "、" : "", str(v, "name"),
	    str(v, "unit_name"), !strcmp(str(v, "role"), "enforcer") ? "执法" : "辅助");
	town = township_name(c, jint(row, "township_id"));
	doc->issuer = xz_arena_printf(c->arena, "%s综合行政执法办公室", *town ? town : "县级");
	doc->title = xz_arena_printf(c->arena, "%s联合执法行动方案", str(row, "title"));
	doc->body = xz_arena_printf(
	    c->arena,
	    "一、行动目标\n%s\n二、启动机制和组织方式\n%s；%s。\n三、时间和地点\n%s至%s，%s。\n"
	    "四、牵头单位和参加单位\n牵头单位：%s。参加单位：%s。\n五、参加人员\n%"
	    "s\n六、任务分工\n%s\n"
	    "七、执法保障\n%s",
	    *str(row, "targets") ? str(row, "targets") : "（未填写）", mech,
	    !strcmp(str(row, "mode"), "dispersed") ? "分散管理" : "集中办公",
	    when_cn(c, jint(row, "planned_start")), when_cn(c, jint(row, "planned_end")),
	    *str(row, "place") ? str(row, "place") : "地点按现场安排",
	    jint(row, "lead_unit_id") > 0 ? unit_name(c, jint(row, "lead_unit_id")) : "执法办公室",
	    *unames ? unames : "（未定）", *people ? people : "由各参加单位负责人确定。",
	    *str(row, "tasks") ? str(row, "tasks") : "（未填写）",
	    jint(row, "police_support")
		? "公安派出所参与行动，负责现场秩序，依法处置阻挠执法、暴力抗法行为。"
		: "一般行动，如遇阻挠执法、暴力抗法，立即移交公安派出所处置。");
	doc->signer = doc->issuer;
	doc->date_cn = date_cn(c, jint(row, "created_at"));
out:
	json_decref(parts);
	json_decref(units);
	json_decref(row);
	return rc;
}
