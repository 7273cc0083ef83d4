/*
 * fuzz_patrol_points.c — a live patrol's track batch as a phone sends it
 * ({"points":[[lon, lat, t], …]}, POST /patrols/{id}/track): parse it as the
 * route does; a batch accepted holds only positions within China's extent
 * with times in range, as many as the array, and its distance is finite;
 * a refused one names a position within the array.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/limits.h"
#include "domain/geo.h"
#include "domain/patrol.h"

static struct xz_patrol_point pts[XZ_MAX_TRACK_BATCH];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	const json_t *arr;
	size_t n = 0, bad = 0, i;
	if (!j)
		return 0;
	arr = json_is_object(j) ? json_object_get(j, "points") : j;
	if (xz_patrol_points_parse(arr, XZ_MAX_TRACK_BATCH, pts, &n, &bad) == 0) {
		if (n != json_array_size(arr))
			abort();
		for (i = 0; i < n; i++)
			if (!xz_geo_in_china(pts[i].lon, pts[i].lat) ||
			    pts[i].t < XZ_PATROL_T_MIN || pts[i].t > XZ_PATROL_T_MAX)
				abort();
		if (!isfinite(xz_patrol_track_m(arr)))
			abort();
	} else if (json_is_array(arr) && json_array_size(arr) <= XZ_MAX_TRACK_BATCH &&
		   bad >= json_array_size(arr)) {
		abort();
	}
	json_decref(j);
	return 0;
}
