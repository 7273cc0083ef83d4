/*
 * resource.h — the HTTP face of the generic records (domain/records.h):
 * list with keyset pagination and place filtering, get with ETag, create,
 * update with version check, delete. A body is checked field by field
 * against the kind's declared fields here, before the domain use case
 * applies the kind's rules.
 */
#ifndef XZ_RESOURCE_H
#define XZ_RESOURCE_H

#include "domain/records.h"
#include "http/http.h"

int xz_res_list(struct xz_req *r, const struct xz_resource *res);
int xz_res_get(struct xz_req *r, const struct xz_resource *res);
int xz_res_create(struct xz_req *r, const struct xz_resource *res);
int xz_res_update(struct xz_req *r, const struct xz_resource *res);
int xz_res_delete(struct xz_req *r, const struct xz_resource *res);

/* xz_res_ref: check that id exists in table and load `cols` of it into *row
 * (caller owns). Answers 422 invalid_reference naming field otherwise. */
int xz_res_ref(struct xz_req *r, const char *table, const char *cols, int64_t id,
	       const char *field, json_t **row);

/* helpers for json rows */
int64_t xz_jint(const json_t *o, const char *key);
const char *xz_jstr(const json_t *o, const char *key);

#endif
