/*
 * patrol.h — grid members' patrols (R3.3): the checklist a patrol walks
 * through (one for the deployment, edited by the administrator; items keep
 * their ids so past patrols still name them) and the patrols themselves,
 * recorded by a grid member for a cell of their township, with the track,
 * the items checked and the findings; the problems a patrol raised are
 * reported with its id.
 *
 * Use cases (ctx.h); patrols are scoped through authz (patrol.read /
 * patrol.write on the cell's place). Rows are owned by the caller and not
 * yet presented.
 */
#ifndef XZ_PATROL_H
#define XZ_PATROL_H

#include <jansson.h>
#include <stdint.h>

#include "domain/ctx.h"

/* A patrol as uploaded. track, checked and findings are borrowed (may be
 * NULL); track is [[lon, lat, (t)], …] of valid positions. */
struct xz_patrol_in {
	int64_t cell_id, started_at, ended_at;
	const json_t *track, *checked, *findings;
};

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
 * optionally of one cell. */
int xz_patrols_list(struct xz_ctx *c, int64_t cell_id, int64_t after, int64_t limit, json_t **rows);
/* xz_patrol_get: one patrol in scope with "problems" it raised. */
int xz_patrol_get(struct xz_ctx *c, int64_t id, json_t **row);

#endif
