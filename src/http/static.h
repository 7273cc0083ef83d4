/*
 * static.h — the built web interface's files and the compression of answers.
 *
 * xz_static_response answers a GET or HEAD for a file under the web root:
 * the variant the client accepts (precompressed .br or .gz written at build
 * by scripts/web.sh, else the file itself), an ETag with a 304 on a
 * matching If-None-Match, and the cache rule (content-hashed names under
 * /assets/ are immutable for a year; everything else is revalidated).
 * xz_http_gzip compresses a JSON or text answer on the fly with zlib.
 */
#ifndef XZ_HTTP_STATIC_H
#define XZ_HTTP_STATIC_H

#include <stddef.h>

#include <microhttpd.h>

#include "http/http.h"

/* Answers under this many bytes are sent as they are. */
#define XZ_GZIP_MIN 1024

/* xz_static_response: builds the answer for r->path into *resp (the caller
 * adds the security headers, queues it with *status and destroys it).
 * Returns 0, or a negative XZ_E* code after describing the error on r
 * (405 for other methods, 404 for a missing file with an extension or an
 * unbuilt interface). */
int xz_static_response(struct xz_req *r, struct MHD_Response **resp, unsigned *status);

/* xz_http_accepts: whether the request's Accept-Encoding allows `coding`
 * ("gzip", "br"), honouring q=0. */
bool xz_http_accepts(struct xz_req *r, const char *coding);

/* xz_http_gzip: when the client accepts gzip, `type` is text or JSON and
 * len >= XZ_GZIP_MIN, sets *out to a gzip member of data (caller frees
 * with xz_free) and *out_len, and returns 1; otherwise returns 0 and
 * leaves *out NULL. */
int xz_http_gzip(struct xz_req *r, const char *type, const void *data, size_t len, void **out,
		 size_t *out_len);

#endif
