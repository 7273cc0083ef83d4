/*
 * routing.c — who is responsible for a problem (R2.3). Walks the category's
 * power codes in order; for each, the power item in the county's published
 * list version names the responsible department (its responsibility item,
 * or the owning department), and that department's dispatched unit
 * stationed in the township is the answer. The reason string tells the
 * office, in Chinese, which rule decided or why none did.
 */
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "store/db.h"
#include "domain/ctx.h"
#include "domain/grid.h"
#include "domain/routing.h"
#include "domain/scope.h"

static void add_reason(struct xz_routing *out, const char *s)
{
	size_t len = strlen(out->reason);
	if (len < sizeof(out->reason) - 1)
		snprintf(out->reason + len, sizeof(out->reason) - len, "%s", s);
}

int xz_routing_resolve(struct xz_db *db, const char *category_code, int64_t township_id,
		       struct xz_routing *out)
{
	json_t *cat = NULL, *town = NULL, *ver = NULL, *codes = NULL, *item = NULL, *unit = NULL,
	       *v;
	char buf[512];
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	/* the category of the township's county (categories belong to one) */
	rc = xz_db_one(db,
		       "SELECT name, power_codes FROM categories WHERE code = $1 AND county_id = "
		       "(SELECT county_id FROM regions WHERE id = $2)",
		       XZ_ARGS(XZ_TEXT(category_code), XZ_INT(township_id)), &cat);
	if (rc == XZ_ENOTFOUND)
		add_reason(out, "问题类别不存在，由执法办公室人工指派。");
	if (rc < 0)
		goto out;
	rc = xz_db_one(db,
		       "SELECT id, name, county_id FROM regions WHERE id = $1 AND level = 'township'",
		       XZ_ARGS(XZ_INT(township_id)), &town);
	if (rc == XZ_ENOTFOUND)
		add_reason(out, "乡镇（街道）不存在，由执法办公室人工指派。");
	if (rc < 0)
		goto out;
	rc = xz_db_one(db,
		       "SELECT id, number FROM list_versions WHERE county_id = $1 AND state = "
		       "'published' ORDER BY number DESC LIMIT 1",
		       XZ_ARGS(XZ_INT(json_integer_value(json_object_get(town, "county_id")))),
		       &ver);
	if (rc == XZ_ENOTFOUND)
		add_reason(out, "本县尚未发布权责清单，由执法办公室人工指派。");
	if (rc < 0)
		goto out;
	out->list_version_id = json_integer_value(json_object_get(ver, "id"));
	out->list_version = json_integer_value(json_object_get(ver, "number"));
	codes = json_loads(json_string_value(json_object_get(cat, "power_codes")) ?: "[]", 0, NULL);
	json_array_foreach(codes, i, v) {
		const char *code = json_string_value(v);
		if (!code)
			continue;
		json_decref(item);
		item = NULL;
		rc = xz_db_one(db,
			       "SELECT p.id, p.code, p.name, COALESCE(p.resp_department_id, "
			       "p.department_id) AS dept_id, d.name AS dept_name FROM power_items p "
			       "JOIN departments d ON d.id = COALESCE(p.resp_department_id, "
			       "p.department_id) WHERE p.version_id = $1 AND p.code = $2",
			       XZ_ARGS(XZ_INT(out->list_version_id), XZ_TEXT(code)), &item);
		if (rc == XZ_ENOTFOUND) {
			snprintf(buf, sizeof(buf), "权力事项 %s 不在第 %lld 版清单中；", code,
				 (long long)out->list_version);
			add_reason(out, buf);
			continue;
		}
		if (rc < 0)
			goto out;
		rc = xz_db_one(db,
			       "SELECT id, name FROM units WHERE department_id = $1 AND township_id = "
			       "$2 ORDER BY id LIMIT 1",
			       XZ_ARGS(XZ_INT(json_integer_value(json_object_get(item, "dept_id"))),
				       XZ_INT(township_id)),
			       &unit);
		if (rc == XZ_ENOTFOUND) {
			snprintf(buf, sizeof(buf), "%s 在%s没有派驻机构；",
				 json_string_value(json_object_get(item, "dept_name")),
				 json_string_value(json_object_get(town, "name")));
			add_reason(out, buf);
			continue;
		}
		if (rc < 0)
			goto out;
		out->unit_id = json_integer_value(json_object_get(unit, "id"));
		out->department_id = json_integer_value(json_object_get(item, "dept_id"));
		out->power_item_id = json_integer_value(json_object_get(item, "id"));
		snprintf(out->power_code, sizeof(out->power_code), "%s", code);
		snprintf(out->power_name, sizeof(out->power_name), "%s",
			 json_string_value(json_object_get(item, "name")));
		out->reason[0] = 0;
		snprintf(out->reason, sizeof(out->reason),
			 "类别「%s」对应权力事项 %s「%s」（第 %lld 版权责清单），责任部门%s，"
			 "由其派驻%s的%s负责。",
			 json_string_value(json_object_get(cat, "name")), code, out->power_name,
			 (long long)out->list_version,
			 json_string_value(json_object_get(item, "dept_name")),
			 json_string_value(json_object_get(town, "name")),
			 json_string_value(json_object_get(unit, "name")));
		rc = 0;
		goto out;
	}
	if (!json_array_size(codes))
		add_reason(out, "该类别未对应任何权力事项；");
	add_reason(out, "没有责任单位，由执法办公室人工指派。");
	rc = XZ_ENOTFOUND;
out:
	json_decref(cat);
	json_decref(town);
	json_decref(ver);
	json_decref(codes);
	json_decref(item);
	json_decref(unit);
	return rc;
}

int xz_routing_explain(struct xz_ctx *c, const char *category, int64_t town, const double *lon,
		       const double *lat, json_t **out)
{
	struct xz_routing rt;
	struct xz_place place = {0};
	int64_t cell = 0, cat_id = 0;
	json_t *unit = NULL;
	int rc;
	*out = NULL;
	if (!town && lon && lat) {
		struct xz_located at;
		rc = xz_grid_locate(c->db, *lon, *lat, &at);
		if (rc == XZ_ENOTFOUND)
			return xz_ctx_fail(c, rc, "outside_grid", "该位置不在任何网格内",
					   "The point lies outside every grid cell", "lon");
		if (rc < 0)
			return xz_ctx_fail_db(c, rc);
		town = at.township_id;
		cell = at.cell_id;
	}
	if (!town)
		return xz_ctx_fail(c, XZ_EMALFORMED, "invalid_query", "须给出乡镇township或经纬度",
				   "township or lon/lat is required", "township");
	place.township_id = town;
	if (xz_db_int(c->db, "SELECT county_id FROM regions WHERE id = $1 AND level = 'township'",
		      XZ_ARGS(XZ_INT(town)), &place.county_id) < 0 ||
	    !xz_scope_may(c, "routing.read", &(struct xz_place){.county_id = place.county_id}))
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "乡镇（街道）不存在",
				   "No such township", "township");
	if (xz_db_int(c->db, "SELECT id FROM categories WHERE code = $1 AND county_id = $2",
		      XZ_ARGS(XZ_TEXT(category), XZ_INT(place.county_id)), &cat_id) < 0)
		return xz_ctx_fail(c, XZ_ERULE, "invalid_category", "问题类别不存在",
				   "No such problem category", "category");
	rc = xz_routing_resolve(c->db, category, town, &rt);
	if (rc == XZ_ENOTFOUND)
		return xz_ctx_fail(c, rc, "no_responsible_unit",
				   xz_arena_strdup(c->arena, rt.reason),
				   "No responsible unit: the enforcement office decides by hand",
				   "category");
	if (rc < 0)
		return xz_ctx_fail_db(c, rc);
	xz_db_one(c->db,
		  "SELECT u.name AS unit_name, d.name AS department_name FROM units u JOIN "
		  "departments d ON d.id = u.department_id WHERE u.id = $1",
		  XZ_ARGS(XZ_INT(rt.unit_id)), &unit);
	*out = json_pack("{s:I,s:I,s:{s:I,s:s,s:s},s:I,s:I,s:s,s:s,s:I}", "unit_id",
			 (json_int_t)rt.unit_id, "department_id", (json_int_t)rt.department_id,
			 "power_item", "id", (json_int_t)rt.power_item_id, "code", rt.power_code,
			 "name", rt.power_name, "list_version", (json_int_t)rt.list_version,
			 "list_version_id", (json_int_t)rt.list_version_id, "reason", rt.reason,
			 "category", category, "township_id", (json_int_t)town);
	if (cell)
		json_object_set_new(*out, "cell_id", json_integer(cell));
	if (unit)
		json_object_update(*out, unit);
	json_decref(unit);
	return 0;
}
