/*
 * fuzz_geojson.c — GeoJSON geometries as the grid import reads them: parse,
 * validate (under the work budget), then ask every question a valid shape
 * is asked (contains, within, area, back to GeoJSON).
 */
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "domain/geo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	struct xz_geom *g = NULL, *h = NULL;
	const char *why = NULL;
	if (!j)
		return 0;
	if (xz_geom_from_geojson(j, &g, &why) == 0) {
		json_t *back = xz_geom_to_geojson(g);
		(void)xz_geom_contains(g, 119.85, 28.41);
		(void)xz_geom_contains(g, 0, 0);
		(void)xz_geom_area_m2(g);
		if (back && xz_geom_from_geojson(back, &h, &why) == 0) {
			(void)xz_geom_within(g, h);
			(void)xz_geom_within(h, g);
		}
		json_decref(back);
	}
	xz_geom_free(h);
	xz_geom_free(g);
	json_decref(j);
	return 0;
}
