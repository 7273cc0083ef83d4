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
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "core/xz.h"
#include "core/cancel.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "domain/auth.h"
#include "domain/events.h"
#include "domain/jointaction.h"
#include "domain/problem.h"
#include "domain/scheduler.h"
#include "domain/search.h"
#include "http/http.h"
#include "http/metrics.h"
#include "http/static.h"
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

/* has_extra_header: the handler set this header itself (one Cache-Control). */
static bool has_extra_header(const struct xz_req *r, const char *name)
{
	for (int i = 0; i < r->nhdr; i++)
		if (!strcasecmp(r->hdr_name[i], name))
			return true;
	return false;
}

static enum MHD_Result queue_buffer(struct xz_req *r, unsigned status, const char *type,
				    const void *data, size_t len, bool copy)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	void *z = NULL;
	size_t zlen;
	int i, gz = xz_http_gzip(r, type, data, len, &z, &zlen);
	if (gz)
		data = z, len = zlen, copy = true;
	resp = MHD_create_response_from_buffer(len, (void *)data,
					       copy ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
	xz_free(z);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", type);
	if (gz)
		MHD_add_response_header(resp, "Content-Encoding", "gzip");
	MHD_add_response_header(resp, "Vary", "Accept-Encoding");
	add_security_headers(resp);
	if (!strncmp(r->path, "/api/", 5) && !has_extra_header(r, "Cache-Control"))
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	for (i = 0; i < r->nhdr; i++)
		MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
	r->sent_status = status;
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
static int idempotent_replay(struct xz_req *r, const char *key, const char *sha,
			     bool *replayed)
{
	json_t *row = NULL;
	const char *was;
	int rc;
	*replayed = false;
	rc = xz_db_one(xz_req_db(r),
		       "SELECT status, body, path, request_sha256 FROM idempotency WHERE user_id = $1 "
		       "AND key = $2",
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
	was = json_string_value(json_object_get(row, "request_sha256"));
	if (was && strcmp(was, sha)) { /* the same key for another request */
		json_decref(row);
		return xz_fail(r, XZ_ERULE, "idempotency_key_reused",
			       "该幂等键已用于内容不同的请求",
			       "Idempotency-Key was used with a different request body",
			       "Idempotency-Key");
	}
	r->out = json_loads(json_string_value(json_object_get(row, "body")), 0, NULL);
	r->status = (unsigned)json_integer_value(json_object_get(row, "status"));
	xz_req_header_add(r, "Idempotent-Replayed", "true");
	*replayed = true;
	json_decref(row);
	return 0;
}

/* printable_key: visible ASCII only (no control characters, no spaces). */
static bool printable_key(const char *k)
{
	for (; *k; k++)
		if (*k <= ' ' || *k > '~')
			return false;
	return true;
}

/* multipart_boundary: the boundary of a multipart/form-data body, or NULL
 * (*len its length). A client that sends the same upload again makes a new
 * boundary, so the boundary is not part of what the request stands for. */
static const char *multipart_boundary(struct xz_req *r, size_t *len)
{
	const char *ct = xz_req_header(r, "Content-Type"), *b;
	if (!ct || strncasecmp(ct, "multipart/form-data", 19) || !(b = strstr(ct, "boundary=")))
		return NULL;
	b += 9;
	if (*b == '"')
		b++;
	*len = strcspn(b, "\"; ");
	return *len ? b : NULL;
}

/* request_sha256: hex SHA-256 of the path and body, what a key stands for
 * (a multipart body without its boundary strings). */
static void request_sha256(struct xz_req *r, char hex[65])
{
	unsigned char out[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	size_t blen = 0;
	const char *boundary = multipart_boundary(r, &blen);
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)r->path, strlen(r->path) + 1);
	if (r->body && boundary) {
		const char *p = r->body, *end = r->body + r->body_len, *hit;
		while ((hit = memmem(p, (size_t)(end - p), boundary, blen))) {
			crypto_hash_sha256_update(&st, (const unsigned char *)p, (size_t)(hit - p));
			p = hit + blen;
		}
		crypto_hash_sha256_update(&st, (const unsigned char *)p, (size_t)(end - p));
	} else if (r->body) {
		crypto_hash_sha256_update(&st, (const unsigned char *)r->body, r->body_len);
	}
	crypto_hash_sha256_final(&st, out);
	sodium_bin2hex(hex, 65, out, sizeof(out));
}

static int run_handler(struct xz_req *r, const struct xz_route *rt)
{
	char sha[65];
	const char *key = NULL;
	bool replayed = false;
	struct xz_db *db;
	char *body;
	int rc;

	if (!strcmp(r->method, "POST") && r->user)
		key = xz_req_header(r, "Idempotency-Key");
	if (!key)
		return rt->fn(r);
	if (strlen(key) < 8 || strlen(key) > 128 || !printable_key(key))
		return xz_fail(r, XZ_EMALFORMED, "invalid_idempotency_key",
			       "幂等键须为8到128个可见ASCII字符",
			       "Idempotency-Key must be 8 to 128 visible ASCII characters",
			       "Idempotency-Key");
	request_sha256(r, sha);
	db = xz_req_db(r);
	for (int attempt = 0; attempt < 2; attempt++) {
		if ((rc = xz_db_begin(db)) < 0)
			return xz_fail_db(r, rc);
		if ((rc = idempotent_replay(r, key, sha, &replayed)) < 0 || replayed) {
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
				"created_at, request_sha256) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)",
				XZ_ARGS(XZ_INT(r->user->id), XZ_TEXT(key), XZ_TEXT(r->method),
					XZ_TEXT(r->path), XZ_INT(r->status ? r->status : 200),
					XZ_TEXT(body), XZ_INT(xz_now()), XZ_TEXT(sha)),
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

/* serve_static: a file of the built web interface (static.c). */
static enum MHD_Result serve_static(struct xz_req *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned status;
	int rc = xz_static_response(r, &resp, &status);
	if (rc < 0)
		return queue_error(r, rc);
	add_security_headers(resp);
	r->sent_status = status;
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* check_headers: who is asking and may they use this route at all —
 * decided from the headers alone (session, permission, CSRF). */
static int check_headers(struct xz_req *r, const struct xz_route *rt)
{
	int rc;
	r->headers_checked = true;
	if ((rc = authenticate(r)) < 0)
		return rc;
	if (rt->perm && (rc = xz_authorize(r, rt->perm, NULL)) < 0)
		return rc;
	return check_csrf(r);
}

/* client_gone: the peer closed its side (or the socket failed): the answer
 * of a long computation would reach nobody (xz_cancelled). */
static bool client_gone(void *arg)
{
	struct xz_req *r = arg;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	char c;
	ssize_t n;
	if (!ci)
		return false;
	n = recv(ci->connect_fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
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
	if (!r->headers_checked && (rc = check_headers(r, rt)) < 0)
		return queue_error(r, rc);
	r->perm = rt->perm;
	xz_cancel_set(client_gone, r);
	rc = run_handler(r, rt);
	xz_cancel_set(NULL, NULL);
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
		r->sent_status = 200;
		ret = MHD_queue_response(r->conn, 200, r->stream);
		MHD_destroy_response(r->stream);
		r->stream = NULL;
		return ret;
	}
	if (r->raw_is_fd) { /* a file (an export), sent from disk and closed by MHD */
		struct MHD_Response *resp = MHD_create_response_from_fd(r->raw_fd_len, r->raw_fd);
		int i;
		r->raw_is_fd = false;
		if (!resp) {
			close(r->raw_fd);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Content-Type", r->raw_type);
		add_security_headers(resp);
		if (!has_extra_header(r, "Cache-Control"))
			MHD_add_response_header(resp, "Cache-Control", "no-store");
		for (i = 0; i < r->nhdr; i++)
			MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
		r->sent_status = r->status ? r->status : 200;
		ret = MHD_queue_response(r->conn, r->sent_status, resp);
		MHD_destroy_response(resp);
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

/* parse_addr: text to 16 bytes (IPv4 as IPv4-mapped IPv6); false if not one. */
static bool parse_addr(const char *text, size_t len, unsigned char out[16])
{
	char buf[64];
	struct in_addr v4;
	while (len && (*text == ' ' || *text == '\t'))
		text++, len--;
	while (len && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, text, len);
	buf[len] = 0;
	if (inet_pton(AF_INET6, buf, out) == 1)
		return true;
	if (inet_pton(AF_INET, buf, &v4) != 1)
		return false;
	memset(out, 0, 10);
	out[10] = out[11] = 0xff;
	memcpy(out + 12, &v4, 4);
	return true;
}

/* trusted: addr is one of the configured proxies ("a,b,…"). */
static bool trusted(const char *list, const unsigned char addr[16])
{
	unsigned char p[16];
	while (list && *list) {
		size_t n = strcspn(list, ",");
		if (parse_addr(list, n, p) && !memcmp(p, addr, 16))
			return true;
		list += n + (list[n] == ',');
	}
	return false;
}

static bool loopback(const unsigned char a[16])
{
	static const unsigned char v6[16] = {[15] = 1};
	return !memcmp(a, v6, 16) || (a[10] == 0xff && a[11] == 0xff && a[12] == 127 &&
				      !memcmp(a, "\0\0\0\0\0\0\0\0\0\0", 10));
}

static void format_addr(const unsigned char a[16], char *out, size_t size)
{
	if (a[10] == 0xff && a[11] == 0xff && !memcmp(a, "\0\0\0\0\0\0\0\0\0\0", 10))
		inet_ntop(AF_INET, a + 12, out, (socklen_t)size);
	else
		inet_ntop(AF_INET6, a, out, (socklen_t)size);
}

/* client_address: the peer's address; when the peer is a trusted proxy,
 * the right-most address of X-Forwarded-For that is not itself a trusted
 * proxy (earlier entries are whatever the client claimed). r->local says
 * the client is this machine and nothing relayed for someone else. */
static void client_address(struct xz_req *r)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const char *xff = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Forwarded-For");
	bool relayed = xff || MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Forwarded") ||
		       MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Real-IP");
	unsigned char peer[16], a[16];
	snprintf(r->source, sizeof(r->source), "unknown");
	r->local = false;
	if (!ci || !ci->client_addr)
		return;
	memset(peer, 0, sizeof(peer));
	if (ci->client_addr->sa_family == AF_INET) {
		peer[10] = peer[11] = 0xff;
		memcpy(peer + 12, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, 4);
	} else if (ci->client_addr->sa_family == AF_INET6) {
		memcpy(peer, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, 16);
	} else {
		return;
	}
	format_addr(peer, r->source, sizeof(r->source));
	r->local = loopback(peer) && !relayed;
	if (!xff || !trusted(r->app->trusted_proxies, peer))
		return;
	for (size_t end = strlen(xff); end > 0;) {
		size_t start = end;
		while (start > 0 && xff[start - 1] != ',')
			start--;
		if (!parse_addr(xff + start, end - start, a))
			return; /* garbage: keep the proxy's own address */
		format_addr(a, r->source, sizeof(r->source));
		r->local = loopback(a);
		if (!trusted(r->app->trusted_proxies, a))
			return;
		end = start ? start - 1 : 0;
	}
}

struct conn_state {
	struct xz_req req;
	struct timespec t0; /* when the headers arrived */
	const struct xz_route *route;
	bool path_known;
	size_t max_body;
	bool queued;
	int spool_fd;      /* a large body goes to this unlinked file, not the heap */
	size_t map_len;    /* r->body is then a private mapping of it, this long */
	bool spool_failed;
};

/* first_call: the headers have arrived, no body byte has been read. An API
 * route's session, permission and CSRF token are checked now, so an
 * anonymous or unauthorised upload is refused before its body costs memory
 * or time; the answer is queued at once and the connection closes unread.
 * Returns MHD_YES to go on to the body, or the queued refusal. */
static enum MHD_Result first_call(struct conn_state *cs)
{
	struct xz_req *r = &cs->req;
	int rc;
	if (!cs->route)
		return MHD_YES;
	rc = check_headers(r, cs->route);
	/* the body may take a while to arrive: hold no database connection */
	if (r->db) {
		xz_pool_put(r->app->pool, r->db);
		r->db = NULL;
	}
	if (rc == 0)
		return MHD_YES;
	cs->queued = true;
	return queue_error(r, rc);
}

/* spool_open: move the body read so far to an unlinked temporary file. */
static int spool_open(struct conn_state *cs)
{
	struct xz_req *r = &cs->req;
	const char *dir = r->app->evidence_dir ? r->app->evidence_dir : "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		char tmpl[] = "/tmp/xz-body-XXXXXX";
		if ((fd = mkostemp(tmpl, O_CLOEXEC)) < 0)
			return XZ_EIO;
		unlink(tmpl);
	}
	cs->spool_fd = fd;
	if (r->body_len && write(fd, r->body, r->body_len) != (ssize_t)r->body_len)
		return XZ_EIO;
	xz_free(r->body);
	r->body = NULL;
	r->body_cap = 0;
	return 0;
}

/* body_chunk: take n more body bytes, in memory up to XZ_SPOOL_BODY, on
 * disk beyond (large evidence uploads never sit in the heap whole). */
static void body_chunk(struct conn_state *cs, const char *data, size_t n, size_t max)
{
	struct xz_req *r = &cs->req;
	if (cs->spool_fd < 0 && r->body_len + n > XZ_SPOOL_BODY && spool_open(cs) < 0)
		cs->spool_failed = true;
	if (cs->spool_failed)
		return;
	if (cs->spool_fd >= 0) {
		for (size_t done = 0; done < n;) {
			ssize_t w = write(cs->spool_fd, data + done, n - done);
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				cs->spool_failed = true;
				return;
			}
			done += (size_t)w;
		}
		r->body_len += n;
		return;
	}
	if (r->body_len + n + 1 > r->body_cap) {
		r->body_cap = (r->body_len + n + 1) * 2;
		if (r->body_cap > max + 1)
			r->body_cap = max + 1;
		r->body = xz_realloc(r->body, r->body_cap);
	}
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = 0;
}

/* body_finish: a spooled body becomes r->body: a private mapping of the
 * file (the page cache holds it, not the heap), NUL-terminated like any. */
static int body_finish(struct conn_state *cs)
{
	struct xz_req *r = &cs->req;
	void *m;
	if (cs->spool_failed)
		return XZ_EIO;
	if (cs->spool_fd < 0)
		return 0;
	if (write(cs->spool_fd, "", 1) != 1)
		return XZ_EIO;
	m = mmap(NULL, r->body_len + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE, cs->spool_fd, 0);
	close(cs->spool_fd);
	cs->spool_fd = -1;
	if (m == MAP_FAILED)
		return XZ_EIO;
	r->body = m;
	cs->map_len = r->body_len + 1;
	return 0;
}

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
		cs->spool_fd = -1;
		*con_cls = cs;
		r = &cs->req;
		r->app = app;
		r->conn = conn;
		r->arena = xz_arena_new();
		r->method = xz_arena_strdup(r->arena, method);
		r->path = xz_arena_strdup(r->arena, strlen(url) < XZ_MAX_URL ? url : "/");
		clock_gettime(CLOCK_MONOTONIC, &cs->t0);
		client_address(r);
		if (!strcmp(r->path, "/metrics")) /* the operators' conventional address */
			r->path = "/api/v1/metrics";
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
		return first_call(cs);
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
		body_chunk(cs, upload_data, n, max);
		return MHD_YES;
	}
	if (cs->queued)
		return MHD_YES;
	cs->queued = true;
	if (r->body_too_big) {
		xz_fail(r, XZ_ETOOBIG, "body_too_large", "请求体过大", "Request body too large", NULL);
		return queue_error(r, XZ_ETOOBIG);
	}
	if (body_finish(cs) < 0) {
		xz_fail(r, XZ_EUNAVAIL, "body_not_stored", "暂时无法接收请求体，请稍后重试",
			"The request body could not be stored; try again later", NULL);
		return queue_error(r, XZ_EUNAVAIL);
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

/* request_done: the request's one log line and its metrics. The line
 * names the route pattern (never the raw path: it may hold identifiers
 * the log should not collect), never a token or a body. A 5xx logs its
 * cause at ERROR, with the database's own text when it failed. */
static void request_done(struct conn_state *cs, enum MHD_RequestTerminationCode toe)
{
	struct xz_req *r = &cs->req;
	struct timespec t1;
	const char *route = cs->route ? cs->route->pattern
			    : strncmp(r->path, "/api/", 5) ? "static"
							   : "unmatched";
	unsigned status = r->sent_status;
	double secs;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - cs->t0.tv_sec) + (double)(t1.tv_nsec - cs->t0.tv_nsec) / 1e9;
	if (!status) /* queued elsewhere (a file) when it completed; else the client left first */
		status = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? 200 : 499;
	xz_metrics_request(r->method, route, status, secs);
	if (status >= 500) {
		char dberr[300];
		snprintf(dberr, sizeof(dberr), "%s", r->db ? xz_db_errmsg(r->db) : "");
		for (char *q = dberr; *q; q++) /* keep the line's quoting intact */
			if (*q == '"')
				*q = '\'';
		if (!r->err_code && r->ctx.err_code) {
			r->err_code = r->ctx.err_code;
			r->err_msg_en = r->ctx.err_msg_en;
		}
		xz_log_error("request method=%s route=%s status=%u ms=%.1f user=%lld source=%s "
			     "error=%s cause=\"%s\"%s%s%s",
			     r->method, route, status, secs * 1000,
			     r->user ? (long long)r->user->id : 0LL, r->source,
			     r->err_code ? r->err_code : "internal_error",
			     r->err_msg_en ? r->err_msg_en : "", dberr[0] ? " db=\"" : "", dberr,
			     dberr[0] ? "\"" : "");
	} else if (xz_log_enabled(XZ_LOG_INFO)) {
		xz_log_info("request method=%s route=%s status=%u ms=%.1f user=%lld source=%s%s",
			    r->method, route, status, secs * 1000,
			    r->user ? (long long)r->user->id : 0LL, r->source,
			    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " cut=1");
	} else {
		xz_log_debug("request method=%s route=%s status=%u ms=%.1f source=%s", r->method,
			     route, status, secs * 1000, r->source);
	}
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct xz_app *app = cls;
	struct conn_state *cs = *con_cls;
	XZ_UNUSED(conn);
	if (!cs)
		return;
	request_done(cs, toe);
	if (cs->req.db)
		xz_pool_put(app->pool, cs->req.db);
	json_decref(cs->req.in);
	json_decref(cs->req.out);
	if (cs->req.raw_malloced)
		xz_free(cs->req.raw);
	if (cs->req.raw_is_fd) /* answered before it could be queued */
		close(cs->req.raw_fd);
	if (cs->spool_fd >= 0)
		close(cs->spool_fd);
	if (cs->map_len)
		munmap(cs->req.body, cs->map_len);
	else
		xz_free(cs->req.body);
	xz_arena_free(cs->req.arena);
	xz_free(cs);
	*con_cls = NULL;
}

/* scheduler: the background pass that finds deadlines near and past
 * (domain/problem.c) every XZ_TICK_SECONDS, puts new problems into SQLite's
 * text index every second, and keeps event streams alive.
 * Each pass's outcome goes to the metrics, which /health reads; a failed
 * pass logs its reason. */
static volatile int scheduler_stop;

/* index_text: SQLite's text index caught up (domain/search.c) */
static int index_text(struct xz_db *db)
{
	int rc = xz_search_index(db, &scheduler_stop);
	if (rc < 0)
		xz_log_error("scheduler: text index: %s", xz_db_errmsg(db));
	return rc;
}

#define XZ_PG_SCHEDULER_KEY 7424002
int xz_server_scheduler_pass(struct xz_db *db, int *found)
{
	int64_t mine = 1;
	int rc;
	*found = 0;
	/* several servers on one PostgreSQL: one pass at a time; a server that
	 * finds another's pass running leaves this turn to it */
	if (xz_db_engine(db) == XZ_DB_PG &&
	    (rc = xz_db_int(db, "SELECT CASE WHEN pg_try_advisory_lock($1) THEN 1 ELSE 0 END",
			    XZ_ARGS(XZ_INT(XZ_PG_SCHEDULER_KEY)), &mine)) < 0)
		goto out;
	if (!mine) /* its holder records the pass's outcome; this turn says nothing */
		return 0;
	rc = xz_scheduler_pass(db, xz_now(), found);
	if (rc == 0)
		rc = index_text(db);
	xz_calendar_refresh(db);
	if (xz_db_engine(db) == XZ_DB_PG)
		xz_db_exec(db, "SELECT pg_advisory_unlock($1)", XZ_ARGS(XZ_INT(XZ_PG_SCHEDULER_KEY)),
			   NULL);
out:
	if (rc < 0) {
		const char *why = xz_db_errmsg(db);
		if (!why[0])
			why = xz_strerror(rc);
		xz_log_error("scheduler: pass failed: %s", why);
		xz_metrics_scheduler(false, xz_now(), why);
	} else {
		xz_metrics_scheduler(true, xz_now(), NULL);
	}
	return rc;
}

static void *scheduler(void *arg)
{
	struct xz_app *app = arg;
	struct xz_db *db;
	int found, n = 0;
	while (!scheduler_stop) {
		sleep(1);
		xz_pool_checkpoint(app->pool); /* the WAL, off the request path */
		db = xz_pool_get(app->pool);
		index_text(db);
		xz_pool_put(app->pool, db);
		if (++n % 20 == 0)
			xz_events_ping();
		/* malloc keeps what the request threads freed in their arenas,
		 * scattered between live blocks: the resident memory crept up
		 * under a steady load while the bytes in use did not (the soak,
		 * bench/soak.sh). Give the free pages back every 10 s. */
		if (n % 10 == 0)
			malloc_trim(0);
		if (xz_pool_leader(app->pool) && n % XZ_TICK_SECONDS == 0 && !scheduler_stop) {
			db = xz_pool_get(app->pool);
			xz_server_scheduler_pass(db, &found);
			xz_pool_put(app->pool, db);
		}
	}
	return NULL;
}

/* mhd_log: libmicrohttpd's own messages, through our logger (one line,
 * with the time and a level). */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;
	XZ_UNUSED(cls);
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
		line[--n] = 0;
	xz_log_warn("libmicrohttpd: %s", line);
}

/* open_listener: the listening socket for "host:port", "[v6]:port" or
 * ":port"; a clear message and -1 when it cannot be had (a busy port is
 * the common case: nothing is announced before this succeeds). */
static int open_listener(const char *listen_at)
{
	char host[128];
	const char *colon = strrchr(listen_at, ':'), *h = listen_at;
	size_t hl;
	struct addrinfo hints = {0}, *ai = NULL;
	long port;
	char *end;
	int fd = -1, one = 1, zero = 0, gai;
	if (!colon) {
		xz_log_error("--listen %s: expected HOST:PORT (e.g. 127.0.0.1:8080 or [::]:8080)",
			     listen_at);
		return -1;
	}
	hl = (size_t)(colon - listen_at);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']')
		h++, hl -= 2;
	if (hl >= sizeof(host))
		hl = sizeof(host) - 1;
	memcpy(host, h, hl);
	host[hl] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || port <= 0 || port > 65535) {
		xz_log_error("--listen %s: the port must be 1 to 65535", listen_at);
		return -1;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((gai = getaddrinfo(host[0] ? host : "127.0.0.1", colon + 1, &hints, &ai)) != 0) {
		xz_log_error("--listen %s: %s", listen_at, gai_strerror(gai));
		return -1;
	}
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		xz_log_error("cannot listen on %s: %s", listen_at, strerror(errno));
		goto out;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6) /* [::] takes IPv4 too */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		int e = errno;
		xz_log_error("cannot listen on %s: %s%s", listen_at, strerror(e),
			     e == EADDRINUSE ? " (another program, or another xiezhi, holds the port;"
					       " stop it or choose another --listen)"
			     : e == EACCES   ? " (ports below 1024 need privilege; use a proxy)"
			     : e == EADDRNOTAVAIL ? " (no such address on this machine)"
						  : "");
		close(fd);
		fd = -1;
	}
out:
	freeaddrinfo(ai);
	return fd;
}

/* stop_daemon: end every live stream (a daemon stops only with no
 * connection suspended), wait up to 3 s for them to go, then stop. */
static void stop_daemon(struct MHD_Daemon *d)
{
	MHD_socket ls = MHD_quiesce_daemon(d); /* no new connections */
	xz_events_streams_close();
	for (int i = 0; i < 300 && xz_events_count() > 0; i++) {
		xz_events_ping(); /* resumes parked streams, whose reader then ends */
		usleep(10 * 1000);
	}
	if (xz_events_count() > 0)
		xz_log_warn("stopping with %zu live streams still open", xz_events_count());
	MHD_stop_daemon(d);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
}

int xz_server_run(struct xz_app *app, const char *listen_at)
{
	struct MHD_Daemon *d;
	pthread_t sched;
	sigset_t set;
	int sig = 0, fd;
	/* Block the stop signals in every thread; the main thread waits for
	 * them with sigwait, so no worker is interrupted by one. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Two malloc arenas, not eight per core: each request thread had its
	 * own, and what one freed stayed scattered in it (bench/soak.sh: the
	 * free bytes kept in the arenas grew 3 → 10 MB in four minutes). */
	mallopt(M_ARENA_MAX, 2);
	/* A fixed threshold: glibc otherwise raises it to the size of each
	 * large block freed, and the lists' answers (tens of KB) then came
	 * from the heap and left holes in it; now they are mapped and given
	 * back whole. */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	/* SQLite's page caches share one budget (XZ_SQLITE_HEAP_LIMIT) */
	xz_db_sqlite_budget(XZ_SQLITE_HEAP_LIMIT);
	xz_metrics_start();
	if ((fd = open_listener(listen_at)) < 0)
		return XZ_EIO;
	{
		struct xz_db *db = xz_pool_get(app->pool);
		xz_calendar_refresh(db);
		xz_pool_put(app->pool, db);
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
				     MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME,
			     0, NULL, NULL, on_access, app, MHD_OPTION_EXTERNAL_LOGGER, mhd_log,
			     NULL, MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_THREAD_POOL_SIZE, (unsigned)XZ_HTTP_THREADS,
			     MHD_OPTION_NOTIFY_COMPLETED, on_completed, app,
			     MHD_OPTION_CONNECTION_TIMEOUT, 60u, MHD_OPTION_CONNECTION_LIMIT,
			     1000u, MHD_OPTION_END);
	if (!d) {
		xz_log_error("cannot start the HTTP server on %s", listen_at);
		close(fd);
		return XZ_EIO;
	}
	xz_log_info("serving on http://%s", listen_at);
	scheduler_stop = 0;
	if (pthread_create(&sched, NULL, scheduler, app) != 0) {
		xz_log_error("cannot start the scheduler");
		sched = 0;
	}
	for (;;) {
		sigwait(&set, &sig);
		if (sig != SIGHUP)
			break;
		/* logs go to stderr (journald keeps them); nothing to reopen */
		xz_log_info("SIGHUP: nothing to reload (logs go to stderr; restart to change "
			    "options)");
	}
	xz_log_info("stopping on signal %d", sig);
	scheduler_stop = 1;
	if (sched)
		pthread_join(sched, NULL);
	stop_daemon(d);
	xz_log_info("stopped");
	return 0;
}
