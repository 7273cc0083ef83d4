/*
 * server.c — the HTTP server on libmicrohttpd.
 *
 * Each connection's access handler is called several times: first with the
 * headers (we find the route, reject an oversized Content-Length at once and
 * return MHD_YES — queueing on the first call would force Connection:
 * close), then with body chunks (counted against the route's limit, so a
 * chunked body cannot grow past it), then once with no data, when we
 * authenticate, authorise, run the handler and queue the answer.
 * Every response carries the security headers. A POST with an
 * Idempotency-Key runs in one transaction with the record of its answer, so
 * a repeated submission replays the first answer instead of acting twice.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "core/xz.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/auth.h"
#include "domain/events.h"
#include "domain/problem.h"
#include "http/http.h"
#include "http/jsonw.h"

#define CSP "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; " \
	    "script-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "        \
	    "frame-ancestors 'none'"

struct xz_db *xz_req_db(struct xz_req *r)
{
	if (!r->db)
		r->db = xz_pool_get(r->app->pool);
	return r->db;
}

static void add_security_headers(struct MHD_Response *resp)
{
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
}

static enum MHD_Result queue_buffer(struct xz_req *r, unsigned status, const char *type,
				    const void *data, size_t len, bool copy)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	int i;
	resp = MHD_create_response_from_buffer(len, (void *)data,
					       copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	add_security_headers(resp);
	if (!strncmp(r->path, "/api/", 5))
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (i = 0; i < r->nhdr; i++)
		MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* error_body: the one error shape. Caller frees. */
static char *error_body(struct xz_req *r, int code)
{
	if (!r->err_code && r->ctx.err_code) { /* described by a domain use case */
		r->err_code = r->ctx.err_code;
		r->err_msg = r->ctx.err_msg;
		r->err_msg_en = r->ctx.err_msg_en;
		r->err_field = r->ctx.err_field;
	}
	json_t *e = json_pack("{s:s,s:s,s:s}", "code", r->err_code ? r->err_code : "internal_error",
			      "message", r->err_msg ? r->err_msg : "服务器内部错误", "message_en",
			      r->err_msg_en ? r->err_msg_en : "Internal server error");
	char *s;
	XZ_UNUSED(code);
	if (r->err_field)
		json_object_set_new(e, "field", json_string(r->err_field));
	e = json_pack("{s:o}", "error", e);
	s = json_dumps(e, JSON_COMPACT);
	json_decref(e);
	return s;
}

static enum MHD_Result queue_error(struct xz_req *r, int code)
{
	const char *type = "application/json; charset=utf-8";
	char *body = strncmp(r->path, "/open311/", 9) ? error_body(r, code)
						       : xz_open311_error_body(r, code, &type);
	enum MHD_Result ret = queue_buffer(r, xz_http_status(code), type, body, strlen(body), true);
	free(body);
	return ret;
}

static const char *cookie_token(struct xz_req *r)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, "xz_session");
}

/* authenticate: Bearer header first, else the session cookie. A bad token
 * leaves the request anonymous; routes that need a user then answer 401. */
static int authenticate(struct xz_req *r)
{
	const char *h = xz_req_header(r, "Authorization");
	const char *tok = NULL;
	bool via_cookie = false;
	struct xz_user *u;
	int rc;
	if (h && !strncasecmp(h, "Bearer ", 7))
		tok = h + 7;
	else if ((tok = cookie_token(r)))
		via_cookie = true;
	if (!tok)
		return 0;
	u = xz_arena_alloc(r->arena, sizeof(*u));
	rc = xz_session_lookup(xz_req_db(r), r->arena, tok, u);
	if (rc == XZ_EAUTH)
		return 0;
	if (rc < 0)
		return xz_fail_db(r, rc);
	u->via_cookie = via_cookie;
	r->user = u;
	return 0;
}

static bool unsafe_method(const char *m)
{
	return strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "OPTIONS");
}

/* check_csrf: a cookie-authenticated unsafe request must echo the session's
 * CSRF token in X-CSRF-Token (compared in constant time). */
static int check_csrf(struct xz_req *r)
{
	const char *given;
	size_t n;
	if (!r->user || !r->user->via_cookie || !unsafe_method(r->method))
		return 0;
	given = xz_req_header(r, "X-CSRF-Token");
	n = r->user->csrf ? strlen(r->user->csrf) : 0;
	if (!given || strlen(given) != n || n == 0 || sodium_memcmp(given, r->user->csrf, n) != 0)
		return xz_fail(r, XZ_EFORBIDDEN, "csrf_failed", "页面已过期，请刷新后重试",
			       "CSRF check failed; reload the page", NULL);
	return 0;
}

/* idempotent_replay: when this POST carries an Idempotency-Key already
 * answered for this user, queue the stored answer. *replayed tells. */
static int idempotent_replay(struct xz_req *r, const char *key, bool *replayed)
{
	json_t *row = NULL;
	int rc;
	*replayed = false;
	rc = xz_db_one(xz_req_db(r),
		       "SELECT status, body, path FROM idempotency WHERE user_id = $1 AND key = $2",
		       XZ_ARGS(XZ_INT(r->user->id), XZ_TEXT(key)), &row);
	if (rc == XZ_ENOTFOUND)
		return 0;
	if (rc < 0)
		return xz_fail_db(r, rc);
	if (strcmp(json_string_value(json_object_get(row, "path")), r->path)) {
		json_decref(row);
		return xz_fail(r, XZ_ECONFLICT, "idempotency_key_reused",
			       "该幂等键已用于其他请求", "Idempotency-Key was used for another request",
			       "Idempotency-Key");
	}
	r->out = json_loads(json_string_value(json_object_get(row, "body")), 0, NULL);
	r->status = (unsigned)json_integer_value(json_object_get(row, "status"));
	xz_req_header_add(r, "Idempotent-Replayed", "true");
	*replayed = true;
	json_decref(row);
	return 0;
}

static int run_handler(struct xz_req *r, const struct xz_route *rt)
{
	const char *key = NULL;
	bool replayed = false;
	struct xz_db *db;
	char *body;
	int rc;

	if (!strcmp(r->method, "POST") && r->user)
		key = xz_req_header(r, "Idempotency-Key");
	if (!key)
		return rt->fn(r);
	if (strlen(key) < 8 || strlen(key) > 128)
		return xz_fail(r, XZ_EMALFORMED, "invalid_idempotency_key",
			       "幂等键长度须为8到128个字符", "Idempotency-Key must be 8 to 128 characters",
			       "Idempotency-Key");
	db = xz_req_db(r);
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = xz_db_begin(db)) < 0)
			return xz_fail_db(r, rc);
		if ((rc = idempotent_replay(r, key, &replayed)) < 0 || replayed) {
			xz_db_rollback(db);
			return rc;
		}
		rc = rt->fn(r);
		if (rc < 0 || r->status >= 300 || !r->out) {
			/* failures are not remembered: the client may retry them */
			xz_db_rollback(db);
			return rc;
		}
		body = json_dumps(r->out, JSON_COMPACT);
		rc = xz_db_exec(db,
				"INSERT INTO idempotency (user_id, key, method, path, status, body, "
				"created_at) VALUES ($1,$2,$3,$4,$5,$6,$7)",
				XZ_ARGS(XZ_INT(r->user->id), XZ_TEXT(key), XZ_TEXT(r->method),
					XZ_TEXT(r->path), XZ_INT(r->status ? r->status : 200),
					XZ_TEXT(body), XZ_INT(xz_now())),
				NULL);
		free(body);
		if (rc == 0)
			rc = xz_db_commit(db);
		else
			xz_db_rollback(db);
		if (rc != XZ_ECONFLICT)
			return rc < 0 ? xz_fail_db(r, rc) : 0;
		/* A concurrent twin committed first: drop our work, replay its. */
		json_decref(r->out);
		r->out = NULL;
		r->status = 0;
		r->nhdr = 0;
	}
	return xz_fail_db(r, XZ_ECONFLICT);
}

static const char *mime_for(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
		{".html", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"},
		{".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"},
		{".json", "application/json"},
		{".geojson", "application/geo+json"},
		{".png", "image/png"},
		{".svg", "image/svg+xml"},
		{".ico", "image/x-icon"},
		{".woff2", "font/woff2"},
		{".webmanifest", "application/manifest+json"},
		{".txt", "text/plain; charset=utf-8"},
	};
	const char *dot = strrchr(path, '.');
	size_t i;
	for (i = 0; dot && i < XZ_ARRAY_LEN(types); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

/* serve_static: files of the built web interface; unknown paths without an
 * extension get index.html (the single-page app routes them). */
static enum MHD_Result serve_static(struct xz_req *r)
{
	const char *p = r->path;
	char file[XZ_MAX_URL + 256];
	struct MHD_Response *resp;
	struct stat st;
	enum MHD_Result ret;
	int fd = -1;
	size_t i;

	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) {
		xz_fail(r, XZ_EMETHOD, "method_not_allowed", "不支持的请求方法", "Method not allowed",
			NULL);
		return queue_error(r, XZ_EMETHOD);
	}
	for (i = 0; p[i]; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '.' || c == '-' || c == '_') ||
		    (c == '.' && p[i + 1] == '.'))
			goto index;
	}
	if (!strcmp(p, "/"))
		goto index;
	snprintf(file, sizeof(file), "%s%s", r->app->web_root, p);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		goto send;
	if (fd >= 0)
		close(fd);
	fd = -1;
	if (strrchr(p, '.') > strrchr(p, '/')) {
		xz_fail(r, XZ_ENOTFOUND, "not_found", "页面不存在", "Not found", NULL);
		return queue_error(r, XZ_ENOTFOUND);
	}
index:
	snprintf(file, sizeof(file), "%s/index.html", r->app->web_root);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		if (fd >= 0)
			close(fd);
		xz_fail(r, XZ_ENOTFOUND, "web_not_built", "网页界面尚未构建（运行 make web）",
			"The web interface is not built (run make web)", NULL);
		return queue_error(r, XZ_ENOTFOUND);
	}
send:
	resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
	if (!resp) {
		close(fd);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", mime_for(file));
	MHD_add_response_header(resp, "Cache-Control",
				strstr(file, "/assets/") ? "public, max-age=31536000, immutable"
							 : "no-cache");
	add_security_headers(resp);
	ret = MHD_queue_response(r->conn, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result respond(struct xz_req *r, const struct xz_route *rt)
{
	char *body;
	enum MHD_Result ret;
	int rc;

	if (r->body_too_big) {
		xz_fail(r, XZ_ETOOBIG, "body_too_large", "请求体过大", "Request body too large", NULL);
		return queue_error(r, XZ_ETOOBIG);
	}
	if ((rc = authenticate(r)) < 0)
		return queue_error(r, rc);
	if (rt->perm) {
		if ((rc = xz_authorize(r, rt->perm, NULL)) < 0)
			return queue_error(r, rc);
	}
	if ((rc = check_csrf(r)) < 0)
		return queue_error(r, rc);
	r->perm = rt->perm;
	rc = run_handler(r, rt);
	if (rc < 0)
		return queue_error(r, rc);
	if (r->stream) {
		/* a long-lived stream holds no database connection */
		if (r->db) {
			xz_pool_put(r->app->pool, r->db);
			r->db = NULL;
		}
		MHD_add_response_header(r->stream, "Content-Type", "text/event-stream; charset=utf-8");
		MHD_add_response_header(r->stream, "Cache-Control", "no-store");
		MHD_add_response_header(r->stream, "X-Accel-Buffering", "no");
		add_security_headers(r->stream);
		ret = MHD_queue_response(r->conn, 200, r->stream);
		MHD_destroy_response(r->stream);
		r->stream = NULL;
		return ret;
	}
	if (r->raw) {
		ret = queue_buffer(r, r->status ? r->status : 200, r->raw_type, r->raw, r->raw_len,
				   true);
		return ret;
	}
	if (!r->out)
		r->out = json_object();
	body = xz_json_dump(r->out, NULL); /* json_dumps' text, faster (http/jsonw.c) */
	ret = queue_buffer(r, r->status ? r->status : 200, "application/json; charset=utf-8", body,
			   strlen(body), true);
	free(body);
	return ret;
}

static void client_address(struct xz_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(r->source, sizeof(r->source), "unknown");
	if (!ci || !ci->client_addr)
		return;
	if (ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr,
			  r->source, sizeof(r->source));
	else if (ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr,
			  r->source, sizeof(r->source));
}

struct conn_state {
	struct xz_req req;
	const struct xz_route *route;
	bool path_known;
	size_t max_body;
	bool queued;
};

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_size, void **con_cls)
{
	struct xz_app *app = cls;
	struct conn_state *cs = *con_cls;
	struct xz_req *r;
	XZ_UNUSED(version);

	if (!cs) {
		const char *cl;
		cs = xz_calloc(1, sizeof(*cs));
		*con_cls = cs;
		r = &cs->req;
		r->app = app;
		r->conn = conn;
		r->arena = xz_arena_new();
		r->method = xz_arena_strdup(r->arena, method);
		r->path = xz_arena_strdup(r->arena, strlen(url) < XZ_MAX_URL ? url : "/");
		client_address(r);
		if (!strncmp(r->path, "/api/", 5) || !strncmp(r->path, "/open311/", 9)) {
			cs->route = xz_route_find(r, &cs->path_known);
			cs->max_body = cs->route && cs->route->max_body ? cs->route->max_body
									 : XZ_MAX_BODY;
		}
		/* A body somewhat over the limit is read and dropped so the
		 * client, still sending, gets a clean 413; a grossly oversized
		 * one is refused at once (the connection then closes). */
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
		if (cl && strtoull(cl, NULL, 10) > (cs->max_body ? cs->max_body : XZ_MAX_BODY)) {
			r->body_too_big = true;
			if (strtoull(cl, NULL, 10) > 8 * (cs->max_body ? cs->max_body : XZ_MAX_BODY)) {
				xz_fail(r, XZ_ETOOBIG, "body_too_large", "请求体过大",
					"Request body too large", NULL);
				cs->queued = true;
				return queue_error(r, XZ_ETOOBIG);
			}
		}
		return MHD_YES;
	}
	r = &cs->req;
	if (*upload_size) {
		size_t n = *upload_size, max = cs->max_body ? cs->max_body : XZ_MAX_BODY;
		*upload_size = 0;
		if (cs->queued || r->body_too_big)
			return MHD_YES;
		if (r->body_len + n > max) {
			r->body_too_big = true;
			return MHD_YES;
		}
		if (r->body_len + n + 1 > r->body_cap) {
			r->body_cap = (r->body_len + n + 1) * 2;
			if (r->body_cap > max + 1)
				r->body_cap = max + 1;
			r->body = xz_realloc(r->body, r->body_cap);
		}
		memcpy(r->body + r->body_len, upload_data, n);
		r->body_len += n;
		r->body[r->body_len] = 0;
		return MHD_YES;
	}
	if (cs->queued)
		return MHD_YES;
	cs->queued = true;
	if (r->body_too_big) {
		xz_fail(r, XZ_ETOOBIG, "body_too_large", "请求体过大", "Request body too large", NULL);
		return queue_error(r, XZ_ETOOBIG);
	}
	if (strncmp(r->path, "/api/", 5) && strncmp(r->path, "/open311/", 9))
		return serve_static(r);
	if (!cs->route) {
		if (cs->path_known) {
			xz_fail(r, XZ_EMETHOD, "method_not_allowed", "不支持的请求方法",
				"Method not allowed", NULL);
			return queue_error(r, XZ_EMETHOD);
		}
		xz_fail(r, XZ_ENOTFOUND, "no_such_endpoint", "接口不存在", "No such endpoint", NULL);
		return queue_error(r, XZ_ENOTFOUND);
	}
	return respond(r, cs->route);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct xz_app *app = cls;
	struct conn_state *cs = *con_cls;
	XZ_UNUSED(conn);
	XZ_UNUSED(toe);
	if (!cs)
		return;
	if (cs->req.db)
		xz_pool_put(app->pool, cs->req.db);
	json_decref(cs->req.in);
	json_decref(cs->req.out);
	if (cs->req.raw_malloced)
		xz_free(cs->req.raw);
	xz_free(cs->req.body);
	xz_arena_free(cs->req.arena);
	xz_free(cs);
	*con_cls = NULL;
}

/* scheduler: the background pass that finds deadlines near and past
 * (domain/problem.c) every XZ_TICK_SECONDS, and keeps event streams alive. */
static volatile int scheduler_stop;

static void *scheduler(void *arg)
{
	struct xz_app *app = arg;
	int found, n = 0;
	while (!scheduler_stop) {
		sleep(1);
		xz_pool_checkpoint(app->pool); /* the WAL, off the request path */
		if (++n % 20 == 0)
			xz_events_ping();
		if (xz_pool_leader(app->pool) && n % XZ_TICK_SECONDS == 0) {
			struct xz_db *db = xz_pool_get(app->pool);
			if (xz_problem_tick(db, xz_now(), &found) < 0)
				xz_log_error("scheduler: pass failed: %s", xz_db_errmsg(db));
			xz_pool_put(app->pool, db);
		}
	}
	return NULL;
}

int xz_server_run(struct xz_app *app, const char *listen)
{
	struct sockaddr_in addr;
	struct MHD_Daemon *d;
	pthread_t sched;
	sigset_t set;
	int sig = 0;
	char host[64];
	const char *colon = strrchr(listen, ':');
	long port;
	if (!colon || (size_t)(colon - listen) >= sizeof(host))
		return XZ_EMALFORMED;
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = 0;
	port = strtol(colon + 1, NULL, 10);
	if (port <= 0 || port > 65535)
		return XZ_EMALFORMED;
	memset(&addr, 0, sizeof(addr));
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host[0] ? host : "127.0.0.1", &addr.sin_addr) != 1)
		return XZ_EMALFORMED;
	/* Block the stop signals in every thread; the main thread waits for
	 * them with sigwait, so no worker is interrupted by one. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
				     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME,
			     0, NULL, NULL, on_access, app, MHD_OPTION_SOCK_ADDR, &addr,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)XZ_HTTP_THREADS,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, app,
			     MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT,
			     1000u, MHD_OPTION_END);
	if (!d) {
		xz_log_error("cannot listen on %s: %s", listen, strerror(errno));
		return XZ_EIO;
	}
	xz_log_info("serving on http://%s", listen);
	scheduler_stop = 0;
	if (pthread_create(&sched, NULL, scheduler, app) != 0)
		xz_log_error("cannot start the scheduler");
	sigwait(&set, &sig);
	xz_log_info("stopping on signal %d", sig);
	scheduler_stop = 1;
	pthread_join(sched, NULL);
	/* wake every parked event stream: a daemon stops only with none suspended */
	xz_events_ping();
	usleep(100 * 1000);
	MHD_stop_daemon(d);
	return 0;
}
