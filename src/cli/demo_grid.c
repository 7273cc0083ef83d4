/*
 * demo_grid.c — the demo county's grid, lists and calendar: township and
 * village outlines and 36 grid cells laid out around Liandu's real position
 * (about 119.9°E 28.45°N), grid members, the patrol checklist of the seed's
 * attachment, a published power and responsibility list for the seven
 * departments, the category tree mapped onto it, and China's 2026 holiday
 * arrangement. Synthetic shapes: rectangles, so every cell lies exactly in
 * its village and township.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/calendar_db.h"
#include "domain/ctx.h"
#include "domain/grid.h"
#include "domain/lists.h"
#include "cli/demo.h"

extern const char xz_data_calendar_cn_2026[];

#define TOWN_W 0.06
#define TOWN_H 0.05

static const struct {
	const char *code, *name, *kind, *basis, *dept, *domain, *delegation, *resp, *duty;
	int days;
} powers[] = {
	{"ZF-CF-001", "对未取得建设工程规划许可证进行建设的行政处罚", "行政处罚",
	 "《中华人民共和国城乡规划法》第六十四条", "ZF", "村镇建设", "delegated", "ZF",
	 "巡查发现、责令停止建设、立案查处", 5},
	{"ZF-CF-002", "对在乡村规划区内未依法取得乡村建设规划许可证进行建设的行政处罚", "行政处罚",
	 "《中华人民共和国城乡规划法》第六十五条", "ZF", "村镇建设", "delegated", "ZF",
	 "责令停止建设、限期改正，逾期不改正的依法拆除", 5},
	{"ZF-CF-003", "对擅自占用道路、公共场地摆摊设点的行政处罚", "行政处罚",
	 "《城市市容和环境卫生管理条例》第三十六条", "ZF", "市容环境", "delegated", "ZF",
	 "劝导、责令改正、依法处罚", 2},
	{"ZF-CF-004", "对随意倾倒、抛撒、堆放生活垃圾的行政处罚", "行政处罚",
	 "《中华人民共和国固体废物污染环境防治法》第一百一十一条", "ZF", "市容环境",
	 "delegated", "ZF", "责令清除、依法处罚", 2},
	{"ZF-CF-005", "对擅自设置大型户外广告的行政处罚", "行政处罚",
	 "《城市市容和环境卫生管理条例》第三十六条", "ZF", "市容环境", "delegated", "ZF",
	 "责令限期拆除、依法处罚", 5},
	{"ZF-JC-001", "对违法建设行为的行政检查", "行政检查", "《浙江省违法建筑处置规定》第六条",
	 "ZF", "村镇建设", "delegated", "ZF", "日常巡查与专项检查", 3},
	{"ZR-CF-001", "对未经批准非法占用土地的行政处罚", "行政处罚",
	 "《中华人民共和国土地管理法》第七十七条", "ZR", "国土资源", "entrusted", "ZR",
	 "责令退还、限期拆除、恢复土地原状", 10},
	{"ZR-CF-002", "对占用永久基本农田建窑、建房、建坟的行政处罚", "行政处罚",
	 "《中华人民共和国土地管理法》第七十五条", "ZR", "国土资源", "none", "ZR",
	 "责令限期改正、治理，并处罚款", 10},
	{"ZR-CF-003", "对未取得采矿许可证擅自采矿的行政处罚", "行政处罚",
	 "《中华人民共和国矿产资源法》第三十九条", "ZR", "国土资源", "none", "ZR",
	 "责令停止开采、没收违法所得", 10},
	{"HB-CF-001", "对建设项目未依法报批环境影响评价文件擅自开工建设的行政处罚", "行政处罚",
	 "《中华人民共和国环境影响评价法》第三十一条", "HB", "环境保护", "none", "HB",
	 "责令停止建设、依法处罚", 10},
	{"HB-CF-002", "对超标排放水污染物的行政处罚", "行政处罚",
	 "《中华人民共和国水污染防治法》第八十三条", "HB", "环境保护", "none", "HB",
	 "责令改正或限制生产、停产整治", 7},
	{"HB-CF-003", "对露天焚烧秸秆、落叶、垃圾的行政处罚", "行政处罚",
	 "《中华人民共和国大气污染防治法》第一百一十九条", "HB", "环境保护", "delegated", "ZF",
	 "制止焚烧、责令改正、依法处罚", 2},
	{"HB-CF-004", "对夜间建筑施工噪声污染的行政处罚", "行政处罚",
	 "《中华人民共和国噪声污染防治法》第七十七条", "HB", "环境保护", "delegated", "ZF",
	 "责令停止夜间施工、依法处罚", 2},
	{"YJ-CF-001", "对生产经营单位未采取措施消除事故隐患的行政处罚", "行政处罚",
	 "《中华人民共和国安全生产法》第一百零二条", "YJ", "安全生产", "none", "YJ",
	 "责令立即消除或限期消除隐患", 3},
	{"YJ-CF-002", "对非法储存烟花爆竹的行政处罚", "行政处罚",
	 "《烟花爆竹安全管理条例》第三十六条", "YJ", "安全生产", "none", "YJ",
	 "没收非法储存物品、依法处罚", 1},
	{"YJ-JC-001", "对小微企业安全生产的行政检查", "行政检查",
	 "《中华人民共和国安全生产法》第六十五条", "YJ", "安全生产", "entrusted", "YJ",
	 "定期检查、督促整改", 5},
	{"WL-CF-001", "对未经许可经营旅行社业务的行政处罚", "行政处罚",
	 "《中华人民共和国旅游法》第九十五条", "WL", "旅游", "none", "WL",
	 "责令改正、没收违法所得", 10},
	{"WL-CF-002", "对景区内违规经营、扰乱旅游秩序的行政处罚", "行政处罚",
	 "《浙江省旅游条例》第六十二条", "WL", "旅游", "entrusted", "WL",
	 "责令改正、维护景区秩序", 3},
	{"WL-CF-003", "对互联网上网服务营业场所接纳未成年人的行政处罚", "行政处罚",
	 "《互联网上网服务营业场所管理条例》第三十一条", "WL", "文化市场", "none", "WL",
	 "责令改正、依法处罚", 5},
	{"SJ-CF-001", "对无照经营的行政处罚", "行政处罚", "《无证无照经营查处办法》第十三条", "SJ",
	 "市场监管", "none", "SJ", "责令停止违法行为、依法处罚", 5},
	{"SJ-CF-002", "对经营不符合食品安全标准食品的行政处罚", "行政处罚",
	 "《中华人民共和国食品安全法》第一百二十四条", "SJ", "食品安全", "none", "SJ",
	 "没收违法所得和食品、依法处罚", 3},
	{"SJ-CF-003", "对销售假冒伪劣产品的行政处罚", "行政处罚",
	 "《中华人民共和国产品质量法》第五十条", "SJ", "市场监管", "none", "SJ",
	 "责令停止销售、没收产品", 5},
	{"GA-CF-001", "对阻碍国家机关工作人员依法执行职务的治安处罚", "行政处罚",
	 "《中华人民共和国治安管理处罚法》第五十条", "GA", "治安管理", "none", "GA",
	 "出警处置、依法处罚", 1},
};

static const struct {
	const char *parent, *code, *name, *codes;
	int accept_hours, handle_days, verify_days;
} categories[] = {
	{NULL, "CS", "村镇建设", "[]", 24, 5, 2},
	{"CS", "CS01", "违法建设", "[\"ZF-CF-001\",\"ZF-CF-002\"]", 24, 5, 2},
	{"CS", "CS02", "违法用地", "[\"ZR-CF-001\",\"ZR-CF-002\"]", 24, 10, 3},
	{NULL, "SR", "市容环境", "[]", 24, 3, 2},
	{"SR", "SR01", "占道经营", "[\"ZF-CF-003\"]", 4, 2, 1},
	{"SR", "SR02", "乱倒垃圾", "[\"ZF-CF-004\"]", 4, 2, 1},
	{"SR", "SR03", "违规户外广告", "[\"ZF-CF-005\"]", 24, 5, 2},
	{NULL, "HJ", "环境保护", "[]", 24, 5, 2},
	{"HJ", "HJ01", "水污染", "[\"HB-CF-002\"]", 8, 7, 2},
	{"HJ", "HJ02", "露天焚烧", "[\"HB-CF-003\"]", 2, 1, 1},
	{"HJ", "HJ03", "噪声扰民", "[\"HB-CF-004\"]", 4, 2, 1},
	{"HJ", "HJ04", "未批先建", "[\"HB-CF-001\"]", 24, 10, 3},
	{NULL, "AQ", "安全生产", "[]", 4, 3, 2},
	{"AQ", "AQ01", "安全隐患", "[\"YJ-CF-001\",\"YJ-JC-001\"]", 4, 3, 2},
	{"AQ", "AQ02", "非法储存烟花爆竹", "[\"YJ-CF-002\"]", 2, 1, 1},
	{NULL, "TD", "国土资源", "[]", 24, 10, 3},
	{"TD", "TD01", "非法采矿", "[\"ZR-CF-003\"]", 8, 10, 3},
	{NULL, "LY", "旅游", "[]", 24, 3, 2},
	{"LY", "LY01", "景区秩序", "[\"WL-CF-002\"]", 4, 2, 1},
	{"LY", "LY02", "非法经营旅行社", "[\"WL-CF-001\"]", 24, 10, 3},
	{NULL, "SC", "市场监管", "[]", 24, 5, 2},
	{"SC", "SC01", "无照经营", "[\"SJ-CF-001\"]", 24, 5, 2},
	{"SC", "SC02", "食品安全", "[\"SJ-CF-002\"]", 4, 3, 1},
	{"SC", "SC03", "假冒伪劣", "[\"SJ-CF-003\"]", 24, 5, 2},
	{NULL, "ZA", "治安秩序", "[]", 1, 1, 1},
	{"ZA", "ZA01", "妨碍执法", "[\"GA-CF-001\"]", 1, 1, 1},
	{NULL, "QT", "其他", "[]", 24, 5, 2},
	{"QT", "QT01", "其他问题", "[]", 24, 5, 2},
};

static const char *const patrol_items[][3] = {
	{"违法建设", "新建、扩建、改建建筑物未见规划许可公示", "CS01"},
	{"违法建设", "农房建设超面积、超层数", "CS01"},
	{"违法用地", "占用耕地、基本农田建房或堆放", "CS02"},
	{"违法用地", "非法采砂、采石、取土", "TD01"},
	{"垃圾及污染", "乱倒乱堆垃圾、建筑垃圾", "SR02"},
	{"垃圾及污染", "露天焚烧秸秆、垃圾", "HJ02"},
	{"垃圾及污染", "河道、沟渠排污或异常颜色", "HJ01"},
	{"安全隐患", "小作坊、出租房消防与用电隐患", "AQ01"},
	{"安全隐患", "非法储存、销售烟花爆竹", "AQ02"},
	{"无证经营", "无照经营、占道经营", "SC01"},
	{"无证经营", "销售过期或来源不明食品", "SC02"},
	{"景区秩序", "景区拉客、欺客宰客、违规经营", "LY01"},
};

/* rect: a closed rectangle as a GeoJSON Polygon text. */
static void rect(double x0, double y0, double x1, double y1, char *buf, size_t size)
{
	snprintf(buf, size,
		 "{\"type\":\"Polygon\",\"coordinates\":[[[%.6f,%.6f],[%.6f,%.6f],[%.6f,%.6f],"
		 "[%.6f,%.6f],[%.6f,%.6f]]]}",
		 x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
}

/* feature: a rectangle as a GeoJSON Feature with properties (stolen). */
static json_t *feature(double x0, double y0, double x1, double y1, json_t *props)
{
	char buf[512];
	rect(x0, y0, x1, y1, buf, sizeof(buf));
	return json_pack("{s:s,s:o,s:o}", "type", "Feature", "properties", props, "geometry",
			 json_loads(buf, 0, NULL));
}

/* grid: township and village outlines and three cells a village, imported
 * as the administrator imports a grid (domain/grid_cells.c: every cell
 * inside its township, all or nothing); each village's grid member looks
 * after its three cells, set as the office sets members. */
static int grid(struct xz_ctx *c, int64_t county, const int64_t town[4])
{
	json_t *villages = NULL, *grids = NULL, *feats = json_array(), *summary = NULL, *v;
	json_t *members = json_object(), *cells = NULL, *cell;
	char code[64], name[128];
	size_t t, i;
	int rc = 0;
	for (t = 0; t < 4 && rc == 0; t++) {
		double tx = 119.84 + (double)(t % 2) * TOWN_W, ty = 28.40 + (double)(t / 2) * TOWN_H;
		json_t *town_row = NULL;
		json_decref(villages);
		json_decref(grids);
		villages = grids = NULL;
		if ((rc = xz_db_one(c->db, "SELECT code FROM regions WHERE id = $1",
				    XZ_ARGS(XZ_INT(town[t])), &town_row)) < 0 ||
		    (rc = xz_db_query(c->db,
				      "SELECT id, code, name FROM regions WHERE parent_id = $1 ORDER BY "
				      "code",
				      XZ_ARGS(XZ_INT(town[t])), &villages)) < 0 ||
		    (rc = xz_db_query(c->db,
				      "SELECT id FROM people WHERE township_id = $1 AND title = "
				      "'全科网格员' ORDER BY id",
				      XZ_ARGS(XZ_INT(town[t])), &grids)) < 0) {
			json_decref(town_row);
			break;
		}
		json_array_append_new(feats, feature(tx, ty, tx + TOWN_W, ty + TOWN_H,
						     json_pack("{s:O}", "region_code",
							       json_object_get(town_row, "code"))));
		json_decref(town_row);
		json_array_foreach(villages, i, v) {
			double vx = tx + (double)i * (TOWN_W / 3), vw = TOWN_W / 3;
			json_array_append_new(feats, feature(vx, ty, vx + vw, ty + TOWN_H,
							     json_pack("{s:O}", "region_code",
								       json_object_get(v, "code"))));
			for (int k = 0; k < 3; k++) {
				double cy = ty + k * (TOWN_H / 3);
				snprintf(code, sizeof(code), "%s-%02d",
					 json_string_value(json_object_get(v, "code")), k + 1);
				snprintf(name, sizeof(name), "%s第%d网格",
					 json_string_value(json_object_get(v, "name")), k + 1);
				json_array_append_new(
					feats, feature(vx, cy, vx + vw, cy + TOWN_H / 3,
						       json_pack("{s:s,s:s,s:O}", "code", code, "name",
								 name, "village_id",
								 json_object_get(v, "id"))));
				if (json_array_size(grids))
					json_object_set_new(
						members, code,
						json_pack("[{s:O,s:s}]", "person_id",
							  json_object_get(json_array_get(
										  grids, i % json_array_size(grids)),
									  "id"),
							  "role", k == 0 ? "leader" : "member"));
			}
		}
	}
	if (rc == 0 && (rc = xz_grid_import(c, county, feats, &summary)) == 0)
		rc = xz_db_query(c->db, "SELECT id, code FROM grid_cells WHERE county_id = $1",
				 XZ_ARGS(XZ_INT(county)), &cells);
	json_array_foreach(cells, i, cell) {
		json_t *m = json_object_get(members, json_string_value(json_object_get(cell, "code")));
		if (rc == 0 && m)
			rc = xz_grid_members_set(c, json_integer_value(json_object_get(cell, "id")), m);
	}
	json_decref(cells);
	json_decref(members);
	json_decref(summary);
	json_decref(feats);
	json_decref(villages);
	json_decref(grids);
	return rc;
}

/* lists: the county's list, drafted, filled and published, and the
 * category tree, through the same use cases as the administrator's screens
 * (domain/lists.c), so the demo obeys the rules. */
static int lists(struct xz_ctx *c, int64_t county)
{
	int64_t ver = 0, id = 0;
	size_t i;
	int rc = xz_lists_draft(c, county, "2026年版权责清单（演示）", &ver);
	for (i = 0; i < XZ_ARRAY_LEN(powers) && rc == 0; i++) {
		struct xz_power_in in = {
			.code = powers[i].code,
			.name = powers[i].name,
			.kind = powers[i].kind,
			.legal_basis = powers[i].basis,
			.domain = powers[i].domain,
			.delegation = powers[i].delegation,
			.duty = powers[i].duty,
			.time_limit_days = powers[i].days,
		};
		if ((rc = xz_db_int(c->db, "SELECT id FROM departments WHERE code = $1",
				    XZ_ARGS(XZ_TEXT(powers[i].dept)), &in.department_id)) < 0 ||
		    (rc = xz_db_int(c->db, "SELECT id FROM departments WHERE code = $1",
				    XZ_ARGS(XZ_TEXT(powers[i].resp)), &in.resp_department_id)) < 0)
			break;
		rc = xz_power_create(c, ver, &in, &id);
	}
	if (rc == 0)
		rc = xz_lists_publish(c, ver);
	for (i = 0; i < XZ_ARRAY_LEN(categories) && rc == 0; i++) {
		struct xz_category_in in = {
			.code = categories[i].code,
			.name = categories[i].name,
			.sort = (int64_t)i,
			.accept_hours = categories[i].accept_hours,
			.handle_days = categories[i].handle_days,
			.verify_days = categories[i].verify_days,
			.power_codes = json_loads(categories[i].codes, 0, NULL),
		};
		if (!categories[i].parent ||
		    (rc = xz_db_int(c->db, "SELECT id FROM categories WHERE code = $1",
				    XZ_ARGS(XZ_TEXT(categories[i].parent)), &in.parent_id)) == 0)
			rc = xz_category_save(c, county, 0, &in, &id);
		json_decref(in.power_codes);
	}
	for (i = 0; i < XZ_ARRAY_LEN(patrol_items) && rc == 0; i++)
		rc = xz_db_exec(c->db,
				"INSERT INTO patrol_items (groupname, name, category_code, sort) VALUES "
				"($1, $2, $3, $4)",
				XZ_ARGS(XZ_TEXT(patrol_items[i][0]), XZ_TEXT(patrol_items[i][1]),
					XZ_TEXT(patrol_items[i][2]), XZ_INT(i)),
				NULL);
	return rc;
}

/* calendar: China's 2026 arrangement as the county's calendar. */
static int calendar(struct xz_ctx *c, int64_t county)
{
	json_t *days = json_loads(xz_data_calendar_cn_2026, 0, NULL);
	int rc = days ? xz_calendar_put(c, county, days, false) : XZ_EINTERNAL;
	json_decref(days);
	return rc;
}

int xz_demo_grid(struct xz_db *db, int64_t county, const int64_t town[4])
{
	struct xz_arena *arena = xz_arena_new();
	struct xz_ctx c;
	int rc;
	xz_ctx_system(&c, db, arena, "cli");
	if ((rc = grid(&c, county, town)) == 0 && (rc = lists(&c, county)) == 0)
		rc = calendar(&c, county);
	if (rc < 0 && c.err_code)
		fprintf(stderr, "xiezhi demo: %s: %s\n", c.err_code, c.err_msg_en);
	xz_arena_free(arena);
	return rc;
}
