/*
 * routing.h — who is responsible for a reported problem (R2.3).
 *
 * A problem category maps onto power items of the power and
 * responsibility lists; the list version in force names the responsible
 * department for each, and the department's dispatched unit stationed in
 * the problem's township is the responsible unit. Implemented in
 * routing.c (the lists feature); used by the closed loop and by joint
 * enforcement (interactive notices).
 */
#ifndef XZ_ROUTING_H
#define XZ_ROUTING_H

#include <stdint.h>

struct xz_db;

struct xz_routing {
	int64_t unit_id;        /* responsible dispatched unit, 0 when none     */
	int64_t department_id;  /* its department                               */
	int64_t power_item_id;  /* the power item that decided                  */
	char power_code[64];    /* its code                                     */
	char power_name[256];   /* its name                                     */
	int64_t list_version;   /* the published list version's number          */
	int64_t list_version_id; /* and its row id                              */
	char reason[1024];       /* Chinese explanation shown to the office      */
};

/* xz_routing_resolve: route category `category_code` in `township_id` under
 * the list version in force. Returns 0 and fills *out, XZ_ENOTFOUND when no
 * unit is responsible (out->reason still explains why: the office decides
 * by hand), or a storage error. */
int xz_routing_resolve(struct xz_db *db, const char *category_code, int64_t township_id,
		       struct xz_routing *out);

/* xz_routing_explain: the use case behind GET /routing: route category
 * code in township (0: the township located from *lon, *lat, both given or
 * both NULL) for the caller (ctx.h), whose routing.read scope must hold the
 * township; the category must be one of the township's county. *out (caller
 * owns) is {unit_id, department_id, power_item{id,code,name}, list_version,
 * list_version_id, reason, category, township_id, [cell_id], unit_name,
 * department_name}. Errors: outside_grid, invalid_query (no place),
 * not_found (township outside scope), invalid_category,
 * no_responsible_unit (the reason says why). */
struct xz_ctx;
#include <jansson.h>
int xz_routing_explain(struct xz_ctx *c, const char *category, int64_t township,
		       const double *lon, const double *lat, json_t **out);

#endif
