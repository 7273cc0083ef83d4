/*
 * static.c — the files of the built web interface, and compressed answers.
 *
 * scripts/web.sh builds web/dist: every script and style sheet renamed by
 * its content hash under /assets/ (so it never changes under that name and
 * can be cached for a year), index.html and the service worker under their
 * own names (revalidated on every visit), and next to each text file its
 * gzip (.gz) and brotli (.br) variants. Here we pick the variant the client
 * accepts, send an ETag made from the file's size and modification time
 * (suffixed by the coding, so caches keep variants apart) and answer 304
 * when the client already holds it. Paths without an extension that are
 * not files get index.html: the single-page application routes them.
 *
 * JSON answers are compressed on the fly with zlib (xz_http_gzip); the
 * server calls it for every buffered answer.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "core/xz.h"
#include "http/static.h"

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

bool xz_http_accepts(struct xz_req *r, const char *coding)
{
	const char *h = xz_req_header(r, "Accept-Encoding");
	size_t n = strlen(coding);
	while (h && *h) {
		const char *end = strchr(h, ','), *semi;
		size_t len;
		while (*h == ' ' || *h == '\t')
			h++;
		len = end ? (size_t)(end - h) : strlen(h);
		semi = memchr(h, ';', len);
		size_t tok = semi ? (size_t)(semi - h) : len;
		while (tok && (h[tok - 1] == ' ' || h[tok - 1] == '\t'))
			tok--;
		if ((tok == n && !strncasecmp(h, coding, n)) || (tok == 1 && h[0] == '*')) {
			/* q=0 (or 0.0…) refuses the coding */
			const char *q = semi ? strstr(semi, "q=") : NULL;
			if (!q || q >= h + len || strtod(q + 2, NULL) > 0)
				return true;
		}
		h = end ? end + 1 : NULL;
	}
	return false;
}

static bool compressible(const char *type)
{
	return !strncmp(type, "application/json", 16) || !strncmp(type, "text/", 5) ||
	       !strncmp(type, "application/geo+json", 20);
}

int xz_http_gzip(struct xz_req *r, const char *type, const void *data, size_t len, void **out,
		 size_t *out_len)
{
	z_stream z;
	unsigned char *buf;
	size_t cap;
	*out = NULL;
	*out_len = 0;
	if (len < XZ_GZIP_MIN || !type || !compressible(type) || !xz_http_accepts(r, "gzip"))
		return 0;
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip member, not a bare zlib stream */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return 0;
	cap = deflateBound(&z, (uLong)len);
	buf = xz_malloc(cap);
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len) {
		deflateEnd(&z);
		xz_free(buf);
		return 0;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	*out = buf;
	return 1;
}

/* safe_path: letters, digits and / . - _ only, never "..". */
static bool safe_path(const char *p)
{
	for (size_t i = 0; p[i]; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '/' || c == '.' || c == '-' || c == '_') ||
		    (c == '.' && p[i + 1] == '.'))
			return false;
	}
	return true;
}

static int open_regular(const char *file, struct stat *st)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, st) == 0 && S_ISREG(st->st_mode))
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* not_modified: If-None-Match names our ETag (or is *). */
static bool not_modified(struct xz_req *r, const char *etag)
{
	const char *inm = xz_req_header(r, "If-None-Match");
	if (!inm)
		return false;
	return !strcmp(inm, "*") || strstr(inm, etag) != NULL;
}

int xz_static_response(struct xz_req *r, struct MHD_Response **resp, unsigned *status)
{
	static const struct {
		const char *coding, *suffix;
	} variants[] = {{"br", ".br"}, {"gzip", ".gz"}};
	const char *p = r->path, *coding = NULL;
	char file[XZ_MAX_URL + 256], alt[sizeof(file) + 8], etag[96];
	struct stat st, vst;
	bool index = false;
	int fd = -1;

	*resp = NULL;
	*status = 200;
	if (strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
		return xz_fail(r, XZ_EMETHOD, "method_not_allowed", "不支持的请求方法",
			       "Method not allowed", NULL);
	if (safe_path(p) && strcmp(p, "/")) {
		int n = snprintf(file, sizeof(file), "%s%s", r->app->web_root, p);
		if (n > 0 && (size_t)n < sizeof(file) && (fd = open_regular(file, &st)) >= 0)
			goto found;
		if (strrchr(p, '.') > strrchr(p, '/'))
			return xz_fail(r, XZ_ENOTFOUND, "not_found", "页面不存在", "Not found",
				       NULL);
	}
	index = true;
	if (snprintf(file, sizeof(file), "%s/index.html", r->app->web_root) >= (int)sizeof(file) ||
	    (fd = open_regular(file, &st)) < 0)
		return xz_fail(r, XZ_ENOTFOUND, "web_not_built",
			       "网页界面尚未构建（运行 make web）",
			       "The web interface is not built (run make web)", NULL);
found:
	for (size_t i = 0; i < XZ_ARRAY_LEN(variants); i++) {
		int vfd;
		if (!xz_http_accepts(r, variants[i].coding))
			continue;
		snprintf(alt, sizeof(alt), "%s%s", file, variants[i].suffix);
		if ((vfd = open_regular(alt, &vst)) < 0)
			continue;
		close(fd);
		fd = vfd;
		coding = variants[i].coding;
		break;
	}
	/* the ETag names the original file, and the coding of the variant */
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx%s%s\"", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtim.tv_sec, (unsigned long long)st.st_mtim.tv_nsec,
		 coding ? "-" : "", coding ? coding : "");
	if (coding)
		st.st_size = vst.st_size;
	if (not_modified(r, etag)) {
		close(fd);
		*status = 304;
		*resp = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		*resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
		if (!*resp)
			close(fd);
	}
	if (!*resp)
		return xz_fail(r, XZ_EIO, "static_failed", "无法读取文件", "Cannot read the file",
			       NULL);
	if (*status == 200) {
		MHD_add_response_header(*resp, "Content-Type", mime_for(file));
		if (coding)
			MHD_add_response_header(*resp, "Content-Encoding", coding);
	}
	MHD_add_response_header(*resp, "ETag", etag);
	MHD_add_response_header(*resp, "Vary", "Accept-Encoding");
	MHD_add_response_header(*resp, "Cache-Control",
				!index && !strncmp(p, "/assets/", 8)
				    ? "public, max-age=31536000, immutable"
				    : "no-cache");
	return 0;
}
