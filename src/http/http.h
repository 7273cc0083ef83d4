/*
 * http.h — the request context every route handler receives, the route
 * table, and the helpers handlers use to read input and write output.
 *
 * A handler has the shape `int fn(struct xz_req *r)`. It returns 0 after
 * putting its answer in r->out (JSON, status r->status, default 200) or
 * r->raw (bytes), or a negative XZ_E* code after describing the error with
 * xz_fail(). The server turns that into the one error shape:
 *   {"error":{"code","message","message_en","field"}}
 * Everything a handler allocates from r->arena is freed with the request.
 */
#ifndef XZ_HTTP_H
#define XZ_HTTP_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "domain/authz.h"
#include "domain/ctx.h"
#include "http/jsonw.h"
#include "store/db.h"

struct MHD_Connection;
struct MHD_Response;
struct xz_pool;
struct xz_db;
struct xz_ratelimit;

/* The server's configuration and shared state. */
struct xz_app {
	struct xz_pool *pool;
	const char *db_url;
	const char *web_root;      /* directory of the built web files */
	const char *evidence_dir;  /* where uploaded evidence is stored */
	bool test_mode;            /* enables the test clock endpoint */
	bool secure_cookies;       /* set Secure on cookies (behind TLS)     */
	const char *trusted_proxies; /* "addr,addr": whose X-Forwarded-For is believed */
	struct xz_ratelimit *login_rl;
};

#define XZ_MAX_EXTRA_HEADERS 8

struct xz_req {
	struct xz_app *app;
	struct xz_arena *arena;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	const char *params[XZ_MAX_PATH_PARAMS]; /* {…} captures of the route */
	char *body;
	size_t body_len, body_cap;
	bool body_too_big;
	bool headers_checked; /* session, permission, CSRF checked on the first call */
	json_t *in; /* parsed JSON body, owned by the request */
	struct xz_user *user; /* NULL when not logged in */
	struct xz_db *db;     /* borrowed lazily by xz_req_db() */
	char source[64];      /* client address (behind a trusted proxy: the one it names) */
	bool local;           /* the client is this machine (loopback, not relayed) */
	unsigned sent_status; /* the status queued, for the request log and metrics */
	const char *perm;     /* the route's permission */

	/* response */
	unsigned status;
	json_t *out;
	unsigned char *raw;
	size_t raw_len;
	const char *raw_type;
	bool raw_malloced;
	struct MHD_Response *stream; /* a streamed answer (SSE), queued as is */
	int raw_fd;                  /* raw_is_fd: a file sent as the body (exports); */
	size_t raw_fd_len;           /* the server closes it                          */
	bool raw_is_fd;
	const char *err_code, *err_msg, *err_msg_en, *err_field;
	const char *hdr_name[XZ_MAX_EXTRA_HEADERS];
	const char *hdr_value[XZ_MAX_EXTRA_HEADERS];
	int nhdr;
	/* the domain context of this request (xz_req_ctx); a use case's error
	 * description lands here and the server answers with it */
	struct xz_ctx ctx;
	bool ctx_ready;
};

struct xz_route {
	const char *method;
	const char *pattern; /* "/api/v1/units/{id}" */
	int (*fn)(struct xz_req *r);
	const char *perm;    /* permission in authz.c, NULL = public */
	size_t max_body;     /* 0 = XZ_MAX_BODY */
};

/* xz_route_find: the route for r's method and path (captures into
 * r->params), or NULL; *path_known says the path exists under another
 * method (405). */
const struct xz_route *xz_route_find(struct xz_req *r, bool *path_known);
/* xz_routes_each: visit every route (docs and tests). */
void xz_routes_each(void (*fn)(const struct xz_route *rt, void *arg), void *arg);

/* Route tables, one per domain file (src/http/routes_*.c), each ending with
 * an entry whose method is NULL. Listed in router.c. */
extern const struct xz_route xz_routes_sys[];
extern const struct xz_route xz_routes_auth[];
extern const struct xz_route xz_routes_org[];
extern const struct xz_route xz_routes_admin[];
extern const struct xz_route xz_routes_grid[];
extern const struct xz_route xz_routes_lists[];
extern const struct xz_route xz_routes_problems[];
extern const struct xz_route xz_routes_events[];
extern const struct xz_route xz_routes_joint[];
extern const struct xz_route xz_routes_open311[];
extern const struct xz_route xz_routes_meta[];
extern const struct xz_route xz_routes_meetings[];
extern const struct xz_route xz_routes_figures[];
extern const struct xz_route xz_routes_bulletins[];
extern const struct xz_route xz_routes_assessment[];

/* xz_figures_place (routes_figures.c): the place the caller may count under
 * perm, narrowed by the query's township_id, department_id and unit_id
 * (403 when they lie outside it). */
int xz_figures_place(struct xz_req *r, const char *perm, struct xz_place *f);

/* xz_calendar_refresh: re-read which years have their holiday arrangement
 * loaded (server start and every scheduler pass; routes_sys.c).
 * xz_deadline_provisional: due_at falls in a year after the last loaded
 * one, so its working days may still move. */
void xz_calendar_refresh(struct xz_db *db);
bool xz_deadline_provisional(int64_t due_at);

/* xz_events_streams_close: end every live-update stream (and any opened
 * later) so the server can stop; routes_events.c. */
void xz_events_streams_close(void);
extern const struct xz_route xz_routes_inspections[];
extern const struct xz_route xz_routes_org_linkage[];

/* xz_http_status: the one mapping from XZ_E* codes to HTTP status. */
unsigned xz_http_status(int code);

/* xz_fail: describe an error for the response and return code. Strings must
 * outlive the request (literals, or arena memory). */
int xz_fail(struct xz_req *r, int code, const char *err_code, const char *msg,
	    const char *msg_en, const char *field);
/* xz_fail_db: the standard answer for a storage failure code (conflict,
 * not found, or 500). */
int xz_fail_db(struct xz_req *r, int code);

/* xz_req_ctx: the domain context for this request: its connection, user,
 * source address, arena and the instant now (fixed at first call). A use
 * case that fails describes its error there; returning its code from the
 * handler answers with that description. */
struct xz_ctx *xz_req_ctx(struct xz_req *r);

/* xz_req_db: the request's database connection (borrowed from the pool on
 * first use, returned when the request ends). */
struct xz_db *xz_req_db(struct xz_req *r);

/* xz_req_json: parse the body as a JSON object into r->in (400 on failure). */
int xz_req_json(struct xz_req *r);
/* xz_req_unpack: validate r->in against a jansson unpack format with
 * JSON_STRICT; on mismatch answers 400 `invalid_body` naming the problem. */
int xz_req_unpack(struct xz_req *r, const char *fmt, ...);
/* xz_req_array: a body that is {"<key>": [ … ]} with at most max items;
 * *arr is borrowed from r->in. 400 otherwise. */
int xz_req_array(struct xz_req *r, const char *key, size_t max, json_t **arr);
/* xz_req_query: a query-string argument or NULL. */
const char *xz_req_query(struct xz_req *r, const char *name);
/* xz_req_header: a request header or NULL. */
const char *xz_req_header(struct xz_req *r, const char *name);
/* xz_req_id: path capture i as a positive id (404 `not_found` otherwise). */
int xz_req_id(struct xz_req *r, int i, int64_t *id);
/* xz_req_query_id: optional positive integer query argument (0 when absent). */
int xz_req_query_id(struct xz_req *r, const char *name, int64_t *id);
/* xz_req_page: keyset pagination arguments ?cursor=&limit= . */
int xz_req_page(struct xz_req *r, int64_t *after, int64_t *limit);
/* xz_req_like: "%q%" for `LIKE $n ESCAPE '\'`, with q's own % _ \ escaped
 * (a search for "%" finds a percent sign, not everything). Arena memory. */
char *xz_req_like(struct xz_req *r, const char *q);
/* xz_req_header_add: add a response header (strings must outlive the request). */
void xz_req_header_add(struct xz_req *r, const char *name, const char *value);

/* xz_reply: set the JSON answer (steals the reference). Returns 0. */
int xz_reply(struct xz_req *r, unsigned status, json_t *body);
/* xz_reply_page: {"items": rows, "next": cursor} where next is the last
 * row's id when the page is full. Steals rows. */
int xz_reply_page(struct xz_req *r, json_t *rows, int64_t limit);
/* xz_reply_bytes: a raw body (type e.g. "application/pdf"); malloced=true
 * means the server frees it with xz_free. */
int xz_reply_bytes(struct xz_req *r, unsigned status, const char *type, unsigned char *data,
		   size_t len, bool malloced);
/* xz_reply_fd: the body is len bytes of the open file fd (from its current
 * offset), sent from disk; the server closes fd, answered or not. */
int xz_reply_fd(struct xz_req *r, unsigned status, const char *type, int fd, size_t len);
/* xz_reply_export: a CSV or XLSX export in fd (xz_reply_fd) as the
 * attachment "<stem>-<today>.csv|xlsx". */
int xz_reply_export(struct xz_req *r, const char *stem, bool xlsx, int fd, size_t len);

/* xz_present: rewrite a row for the API in place: *_at integers become
 * ISO 8601 +08:00 strings, *_json / domains text becomes JSON, and 0/1 flag
 * columns named is_* become booleans. Returns row. */
json_t *xz_present(json_t *row);
json_t *xz_present_all(json_t *rows);

/* A page of a list written as the database reads it (xz_db_each), with no
 * tree built: the answer xz_reply_page would give, each column as
 * xz_present shows it. A list with columns of its own sets row, which
 * writes a row's fields itself with xz_page_column and xz_page_key;
 * xz_page_row is the visitor to hand xz_db_each. What a column is (its
 * name's rules) is worked out on the first row, not on every row: row may
 * keep its own in tag[] (when first_row is true). */
#define XZ_PAGE_COLS 96
struct xz_page {
	struct xz_req *r;
	struct xz_jw w;
	int64_t rows, limit, last_id;
	bool first;	/* no field written yet in the current row */
	bool first_row; /* the row being written is the page's first */
	int id_col;	/* the column "id" (-1: none) */
	unsigned char kind[XZ_PAGE_COLS], tag[XZ_PAGE_COLS];
	void (*row)(struct xz_page *pg, const struct xz_col *cols, int n);
	void *arg;	 /* for row */
	struct xz_jw tail; /* fields after "next" (xz_page_extra_*) */
};
void xz_page_begin(struct xz_req *r, struct xz_page *pg, int64_t limit);
int xz_page_row(void *pg, const struct xz_col *cols, int n);
/* xz_page_key: the next field's "key": of the current row */
void xz_page_key(struct xz_page *pg, const char *key);
/* xz_page_column: column c as the field xz_present would make of it, where
 * it is written (xz_present puts a parsed "x_json" column, "x", after the
 * row's other fields; xz_page_row does too, a row function decides) */
void xz_page_column(struct xz_page *pg, const struct xz_col *cols, int c);
/* xz_page_extra_int, xz_page_extra_bool: a field of the answer beside
 * "items" and "next" ({"items":[…],"next":…,"unread":3}) */
void xz_page_extra_int(struct xz_page *pg, const char *key, int64_t v);
void xz_page_extra_bool(struct xz_page *pg, const char *key, bool v);
/* xz_page_reply: the page is the answer (rc 0); or, with rc < 0 (the
 * query failed), dropped and rc returned */
int xz_page_reply(struct xz_page *pg, int rc);

/* xz_req_audit: append an audit entry for the current user and source;
 * before and after are borrowed. */
int xz_req_audit(struct xz_req *r, const char *action, const char *object_type, int64_t object_id,
		 const char *outcome, json_t *before, json_t *after);

/* xz_req_audit_detail: the same with a short detail (e.g. the role granted). */
int xz_req_audit_detail(struct xz_req *r, const char *action, const char *object_type,
			int64_t object_id, const char *outcome, const char *detail, json_t *before,
			json_t *after);

/* xz_req_audit_new: the same, taking ownership of before and after (for
 * values built on the spot with json_pack or json_incref). */
int xz_req_audit_new(struct xz_req *r, const char *action, const char *object_type,
		     int64_t object_id, const char *outcome, json_t *before, json_t *after);

/* xz_check_version: optimistic concurrency: the body's "version" (or the
 * If-Match header) must equal current; else 409 version_conflict. */
int xz_check_version(struct xz_req *r, int64_t current);

/* xz_authorize: authz for the current user and place (see authz.h); on
 * denial answers 403 (or 401 when not logged in) and audits the denial. */
int xz_authorize(struct xz_req *r, const char *perm, const struct xz_place *place);

/* xz_open311_error_body: the Open311 specification's error body for a
 * failed /open311/ request, JSON or XML by the URL (routes_open311.c);
 * *type gets its Content-Type. Caller frees with free(). */
char *xz_open311_error_body(struct xz_req *r, int code, const char **type);

/* Server lifecycle (server.c). */
int xz_server_run(struct xz_app *app, const char *listen);
/* xz_server_scheduler_pass: one scheduler pass on db (the background thread and
 * the test-mode tick): its outcome recorded for /health and /metrics, a
 * failure's reason logged. Negative when it failed. */
int xz_server_scheduler_pass(struct xz_db *db, int *found);


#endif
