/*
 * patrol.h — grid members' patrols (R3.3): the checklist a patrol walks
 * through (one for the deployment, edited by the administrator; items keep
 * their ids so past patrols still name them) and the patrols themselves,
 * recorded by a grid member for a cell of their township, with the track,
 * the items checked and the findings; the problems a patrol raised are
 * reported with its id.
 *
 * A patrol is either uploaded whole (mode "upload", done at once) or
 * recorded as it happens (mode "live"): started (state in_progress), its
 * track appended in batches of timed positions (a position already stored
 * for that time is kept, so a batch sent twice counts once), checklist
 * items ticked, the problems it raised linked as findings, and stopped
 * (state done). See docs/internals/patrol.md.
 *
 * Use cases (ctx.h); patrols are scoped through authz (patrol.read /
 * patrol.write on the cell's place; patrol.record on one's own patrol).
 * Rows are owned by the caller and not yet presented.
 */
#ifndef XZ_PATROL_H
#define XZ_PATROL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/ctx.h"
#include "store/db.h"

/* A patrol as uploaded. track, checked and findings are borrowed (may be
 * NULL); track is [[lon, lat, (t)], …] of valid positions. */
struct xz_patrol_in {
	int64_t cell_id, started_at, ended_at;
	const json_t *track, *checked, *findings;
};

/* One timed position of a live track: WGS 84 degrees, t Unix seconds. */
struct xz_patrol_point {
	double lon, lat;
	int64_t t;
};

/* Bounds of a track position's time t (Unix seconds, 2000-01-01 ..
 * 2100-01-01): a phone's clock, not the server's. */
#define XZ_PATROL_T_MIN 946684800
#define XZ_PATROL_T_MAX 4102444800

/* xz_patrol_points_parse: a batch [[lon, lat, t], …] of at most max
 * positions (exactly three numbers each: lon and lat within China's extent,
 * geo.h xz_geo_in_china; t an integer in XZ_PATROL_T_MIN..MAX) into
 * out[max]; *n their count. Returns 0, or -1 with *bad the index of the
 * first position at fault (the array's length when arr is not an array of
 * at most max). Pure: no allocation, arr borrowed. */
int xz_patrol_points_parse(const json_t *arr, size_t max, struct xz_patrol_point *out, size_t *n,
			   size_t *bad);

/* xz_patrol_items: the checklist {id, group, name, category_code, sort,
 * is_active}, by sort. */
int xz_patrol_items(struct xz_ctx *c, json_t **rows);
/* xz_patrol_items_put: replace the checklist with items [{id?, group, name,
 * category_code?}] (borrowed, checked by the caller's shape): given ids are
 * kept, omitted items deactivated. */
int xz_patrol_items_put(struct xz_ctx *c, const json_t *items);
/* xz_patrol_track_m: metres along a track of [lon, lat, …] positions (their
 * ranges are the caller's input shape, http/shape.c); -1 when it is not an
 * array of at most XZ_MAX_TRACK_POINTS pairs of numbers. */
double xz_patrol_track_m(const json_t *track);
/* xz_patrol_record: store a finished patrol by the acting user; *id. */
int xz_patrol_record(struct xz_ctx *c, const struct xz_patrol_in *in, int64_t *id);
/* xz_patrols_list: patrols the caller may read, keyset after/limit,
 * optionally of one cell and in one state (NULL: any), each handed to fn as
 * the database reads it. */
int xz_patrols_list(struct xz_ctx *c, int64_t cell_id, const char *state, int64_t after,
		    int64_t limit, xz_row_fn fn, void *arg);
/* xz_patrol_get: one patrol in scope with "problems" it raised and the
 * checklist ticks "checks" [{item_id, is_checked, note, checked_at}]. */
int xz_patrol_get(struct xz_ctx *c, int64_t id, json_t **row);

/* ---- recorded as it happens (mode "live") ---- */

/* xz_patrol_start: the acting grid member starts a patrol of a cell they
 * may patrol, at started_at (0: now); *id. 409 patrol_in_progress while
 * they have another in progress. */
int xz_patrol_start(struct xz_ctx *c, int64_t cell_id, int64_t started_at, int64_t *id);
/* xz_patrol_track_add: append n positions (checked by
 * xz_patrol_points_parse) to one's own patrol in progress; positions whose
 * time is already stored are skipped. The track and its distance are
 * rebuilt in the same transaction. *added (may be NULL): positions new. */
int xz_patrol_track_add(struct xz_ctx *c, int64_t id, const struct xz_patrol_point *pts, size_t n,
			int64_t *added);
/* xz_patrol_check: tick (or untick) checklist item item_id, with an
 * optional note, on one's own patrol in progress; the last word stands. */
int xz_patrol_check(struct xz_ctx *c, int64_t id, int64_t item_id, bool checked, const char *note);
/* xz_patrol_finding: record a finding of one's own live patrol (in
 * progress or done): a problem it raised (of the patrol's township, not
 * raised by another patrol; its patrol_id is set) and/or a note, with an
 * optional checklist item. A problem already linked is not linked twice. */
int xz_patrol_finding(struct xz_ctx *c, int64_t id, int64_t problem_id, int64_t item_id,
		      const char *note);
/* xz_patrol_stop: end one's own patrol at ended_at (0: now); a patrol
 * already done is left as it is. */
int xz_patrol_stop(struct xz_ctx *c, int64_t id, int64_t ended_at);
/* xz_patrol_summary: {id, state, mode, started_at, ended_at (NULL in
 * progress), duration_s, distance_m, points, checked [ids], items_checked,
 * findings (notes and problems raised, each once)} of a patrol in scope. */
int xz_patrol_summary(struct xz_ctx *c, int64_t id, json_t **row);

#endif
