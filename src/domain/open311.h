/*
 * open311.h — Open311 GeoReport v2 (R10.6): outside systems (the 12345
 * hotline, a media desk, video analytics) hand problems in and follow them.
 *
 * The rules live here; src/http/routes_open311.c only translates the
 * specification's URLs, form bodies and JSON/XML answers.
 *   - clients: an outside system registered by the administrator, with the
 *     channel it stands for, the townships it may report into and a key
 *     shown once and kept only as SHA-256; revocable; a per-key rate limit;
 *   - services: the leaf problem categories, with the attributes a
 *     category asks for (table open311_attributes);
 *   - requests: a request becomes a problem of the key's channel, located
 *     in the grid and routed like any report (xz_problem_insert), the
 *     complainant's contact kept in the protected reporter record;
 *   - status: open/closed with notes saying which (closed, rejected,
 *     merged) and why, and the updates feed (mySociety's extension);
 *   - the form decoder for application/x-www-form-urlencoded bodies.
 * Nothing here ever returns the complainant's name, e-mail or phone.
 */
#ifndef XZ_OPEN311_H
#define XZ_OPEN311_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/ctx.h"

#define XZ_OPEN311_KEY_LEN 43	   /* base64url of 32 random bytes         */
#define XZ_OPEN311_DESC_MAX 4000   /* characters, as the schema allows     */
#define XZ_OPEN311_FORM_FIELDS 64  /* fields in one form body              */
#define XZ_OPEN311_FORM_KEY 128	   /* bytes of one field name              */
#define XZ_OPEN311_IDS 100	   /* service_request_id values in a query */
#define XZ_OPEN311_LIST_MAX 1000   /* requests or updates in one answer    */
#define XZ_OPEN311_RATE_SLOTS 1024 /* per-key rate limiter entries         */

extern const char *const xz_open311_channels[]; /* complaint media video transfer */

/* An authenticated outside system: its townships are in
 * open311_client_townships (none listed: every township of its county). */
struct xz_open311_client {
	int64_t id, county_id;
	const char *name, *channel; /* arena memory */
	int rate_per_minute;
};

/* ---- clients (the administrator's use cases, in ctx->user's county) ---- */

/* xz_open311_client_create: register a system. townships may be NULL (all
 * of the county) or an array of township ids of the county; rate 0 takes
 * the default (60 a minute). Runs its own transaction and audits. *out gets
 * {"id","api_key","name","channel","townships","rate_per_minute"} — the
 * only time the key exists in clear (caller owns *out). */
int xz_open311_client_create(struct xz_ctx *c, const char *name, const char *channel,
			     const json_t *townships, int rate, json_t **out);

/* xz_open311_client_list: the county's systems (never a key). Caller owns. */
int xz_open311_client_list(struct xz_ctx *c, json_t **rows);

/* xz_open311_client_revoke: the key stops working at once. Audited. */
int xz_open311_client_revoke(struct xz_ctx *c, int64_t id);

/* xz_open311_public_read / _set: whether reading needs no key (setting
 * open311.public_read, default off). The setter audits. */
bool xz_open311_public_read(struct xz_db *db);
int xz_open311_public_read_set(struct xz_ctx *c, bool on);

/* ---- keys and calls ---- */

/* xz_open311_key_check: the system holding key (arena strings in *out), or
 * XZ_EFORBIDDEN for an unknown, malformed or revoked key (described). */
int xz_open311_key_check(struct xz_ctx *c, const char *key, struct xz_open311_client *out);

/* xz_open311_rate_hit: count one call of the client in the current minute;
 * false (and XZ_ERATE described) past its limit. Thread-safe. */
bool xz_open311_rate_hit(struct xz_ctx *c, const struct xz_open311_client *cl);

/* xz_open311_audit: one audit entry for a call, under the system's name
 * ("open311:<name>"), inside the open transaction if there is one. cl may
 * be NULL (no key / bad key). detail is a short text (never a key). */
int xz_open311_audit(struct xz_ctx *c, const struct xz_open311_client *cl, const char *action,
		     int64_t object_id, const char *outcome, const char *detail);

/* ---- services ---- */

/* xz_open311_services: the leaf categories as GeoReport services
 * {service_code, service_name, description, metadata, type, keywords,
 * group}. Caller owns. */
int xz_open311_services(struct xz_ctx *c, json_t **out);

/* xz_open311_service_definition: {service_code, attributes:[{variable,
 * code, datatype, required, datatype_description, order, description,
 * values:[{key,name}]}]}; XZ_ENOTFOUND (described) for an unknown or
 * non-leaf code. Caller owns. */
int xz_open311_service_definition(struct xz_ctx *c, const char *code, json_t **out);

/* ---- requests ---- */

/* What a client posts (strings borrowed; NULL when absent). */
struct xz_open311_request_in {
	const char *service_code, *description, *address, *email, *first_name, *last_name, *phone,
	    *media_url, *jurisdiction_id;
	bool has_pos;
	double lat, lon;
	json_t *attributes; /* {"code": "value" | ["v", …]}, borrowed, may be NULL */
};

/* xz_open311_request_create: check the request (service, description,
 * place within the grid and the client's townships, attributes, contact),
 * then in one transaction store the problem of the client's channel via
 * xz_problem_insert, the reporter's contact, the request's token and the
 * audit entry. *id is the problem id; token (arena) the request's token. */
int xz_open311_request_create(struct xz_ctx *c, const struct xz_open311_client *cl,
			      const struct xz_open311_request_in *in, int64_t *id,
			      const char **token);

/* A read of requests. cl NULL: an anonymous public read (every township). */
struct xz_open311_query {
	const char *ids;	  /* comma list of service_request_id, overrides the rest */
	const char *service_code; /* comma list */
	const char *status;	  /* open | closed | NULL */
	int64_t start, end;	  /* requested_datetime range, 0 = open */
};

/* xz_open311_requests: GeoReport request objects, newest first, at most
 * XZ_OPEN311_LIST_MAX; with no dates, the last 90 days. Bad arguments are
 * XZ_EMALFORMED (described). Caller owns. */
int xz_open311_requests(struct xz_ctx *c, const struct xz_open311_client *cl,
			const struct xz_open311_query *q, json_t **out);

/* xz_open311_request_get: one request as a one-element array; XZ_ENOTFOUND
 * (described) when it is not an Open311 request the caller may read. */
int xz_open311_request_get(struct xz_ctx *c, const struct xz_open311_client *cl, int64_t id,
			   json_t **out);

/* xz_open311_token: [{"service_request_id","token"}] for a token. */
int xz_open311_token(struct xz_ctx *c, const struct xz_open311_client *cl, const char *token,
		     json_t **out);

/* xz_open311_updates: the status changes of Open311 requests in [start,
 * end] (0 = open), oldest first: {update_id, service_request_id, status,
 * updated_datetime, description, media_url, external_status_code}. */
int xz_open311_updates(struct xz_ctx *c, const struct xz_open311_client *cl, int64_t start,
		       int64_t end, json_t **out);

/* xz_open311_status: the GeoReport status ("open"/"closed") of a problem
 * state, and the Chinese note saying which state it is (static). */
const char *xz_open311_status(const char *state, const char **note);

/* ---- form bodies ---- */

/* xz_open311_form_parse: decode an application/x-www-form-urlencoded body
 * of len bytes into a JSON object of strings. `name[]` keys (repeatable)
 * collect into arrays; any other repeated key, a bad %-escape, invalid
 * UTF-8, a NUL, more than XZ_OPEN311_FORM_FIELDS fields or a field name
 * over XZ_OPEN311_FORM_KEY bytes is XZ_EMALFORMED. Caller owns *out. */
int xz_open311_form_parse(const char *body, size_t len, json_t **out);

#endif
