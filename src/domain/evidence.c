/*
 * evidence.c — storing and serving a problem's evidence (see evidence.h):
 * the upload streamed to a temporary file and hashed on the way, the type
 * from its first bytes, the SHA-256 as the file's only name, a durable
 * place (fsync, rename, fsync of the directory) before any transaction,
 * the record and its audit entry in the caller's transaction, and the idempotency key kept on the record so
 * that a retried upload counts once.
 */
#include <errno.h>
#include <fcntl.h>
#include <magic.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/xz.h"
#include "store/db.h"
#include "domain/evidence.h"
#include "domain/problem.h"
#include "domain/problem_int.h"

#define HEX_LEN (crypto_hash_sha256_BYTES * 2 + 1)

static const char *const types[] = {"image/jpeg",      "image/png",	  "image/webp",
				    "image/gif",       "image/heic",	  "video/mp4",
				    "video/quicktime", "application/pdf", NULL};

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(((struct xz_evidence_upload *)0)->sha),
	       "the upload's hash state fits");

static crypto_hash_sha256_state *sha_of(struct xz_evidence_upload *u)
{
	return (crypto_hash_sha256_state *)(void *)u->sha;
}

void xz_evidence_upload_init(struct xz_evidence_upload *u, const char *dir)
{
	memset(u, 0, sizeof(*u));
	u->dir = dir;
	u->fd = -1;
	crypto_hash_sha256_init(sha_of(u));
}

int xz_evidence_upload_write(struct xz_evidence_upload *u, const void *data, size_t n)
{
	const unsigned char *p = data;
	if (u->failed)
		return XZ_EIO;
	if (u->fd < 0) {
		mkdir(u->dir, 0750);
		if (strlen(u->dir) > 900 ||
		    snprintf(u->tmp, sizeof(u->tmp), "%s/.upload.XXXXXX", u->dir) < 0 ||
		    (u->fd = mkostemp(u->tmp, O_CLOEXEC)) < 0) {
			u->tmp[0] = '\0';
			u->failed = true;
			return XZ_EIO;
		}
	}
	if (u->head_len < sizeof(u->head)) {
		size_t k = sizeof(u->head) - u->head_len < n ? sizeof(u->head) - u->head_len : n;
		memcpy(u->head + u->head_len, p, k);
		u->head_len += k;
	}
	crypto_hash_sha256_update(sha_of(u), p, n);
	for (size_t done = 0; done < n;) {
		ssize_t w = write(u->fd, p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			u->failed = true;
			return XZ_EIO;
		}
		done += (size_t)w;
	}
	u->len += n;
	return 0;
}

void xz_evidence_upload_close(struct xz_evidence_upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (u->tmp[0])
		unlink(u->tmp);
	u->tmp[0] = '\0';
}

/* fsync_dir: make a rename in dir durable. */
static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;
	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* place_blob: the upload becomes dir/aa/bb/<hex> unless that is already
 * there (same content, same name): fsync, rename, fsync the directory. */
static int place_blob(struct xz_evidence_upload *u, const char *hex)
{
	char path[1200], sub[1024];
	struct stat st;
	snprintf(sub, sizeof(sub), "%s/%.2s", u->dir, hex);
	mkdir(sub, 0750);
	snprintf(sub, sizeof(sub), "%s/%.2s/%.2s", u->dir, hex, hex + 2);
	mkdir(sub, 0750);
	snprintf(path, sizeof(path), "%s/%s", sub, hex);
	if (stat(path, &st) == 0 && (size_t)st.st_size == u->len)
		return 0; /* the temporary file goes with xz_evidence_upload_close */
	if (fsync(u->fd) < 0 || fchmod(u->fd, 0640) < 0 || rename(u->tmp, path) < 0 ||
	    fsync_dir(sub) < 0)
		return XZ_EIO;
	u->tmp[0] = '\0';
	return 0;
}

/* mime_of: the type the first bytes say (libmagic's static storage copied to the arena). */
static int mime_of(struct xz_ctx *c, const struct xz_evidence_upload *u, const char **mime)
{
	magic_t m = magic_open(MAGIC_MIME_TYPE);
	const char *t = NULL;
	int rc = 0;
	if (!m || magic_load(m, NULL) != 0 || !(t = magic_buffer(m, u->head, u->head_len)))
		rc = xz_ctx_fail(c, XZ_EINTERNAL, "magic_failed", "无法识别文件类型",
				 "Cannot determine the file type", "file");
	else
		*mime = xz_arena_strdup(c->arena, t);
	if (m)
		magic_close(m);
	return rc;
}

/* may_add: the caller may add evidence to the problem (404 / 403). */
static int may_add(struct xz_ctx *c, int64_t problem_id, json_t **p)
{
	struct xz_place pl;
	int rc;
	if ((rc = xz_problem_load(c, problem_id, p)) < 0)
		return rc;
	xz_problem_place(*p, &pl);
	if (c->user && !xz_authz(c->user, "problem.evidence", &pl))
		return xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权执行此操作", "Not allowed",
				   NULL);
	return 0;
}

int xz_evidence_stage(struct xz_ctx *c, int64_t problem_id, struct xz_evidence_upload *u,
		      struct xz_evidence_staged *out)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[HEX_LEN];
	const char *mime = NULL, *const *t;
	json_t *p = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = may_add(c, problem_id, &p)) < 0)
		goto out;
	if (u->failed) {
		rc = xz_ctx_fail(c, XZ_EIO, "storage_error", "证据文件保存失败",
				 "Could not store the file", NULL);
		goto out;
	}
	if (!u->len) {
		rc = xz_ctx_fail(c, XZ_EMALFORMED, "empty_file", "上传的文件为空",
				 "The uploaded file is empty", "file");
		goto out;
	}
	if ((rc = mime_of(c, u, &mime)) < 0)
		goto out;
	for (t = types; *t && strcmp(*t, mime); t++)
		;
	if (!*t) {
		rc = xz_ctx_fail(
		    c, XZ_ERULE, "unsupported_type",
		    xz_arena_printf(c->arena, "不支持的文件类型（%s）：只接受照片、视频和PDF",
				    mime),
		    xz_arena_printf(c->arena, "Unsupported type %s: photos, videos and PDF only",
				    mime),
		    "file");
		goto out;
	}
	crypto_hash_sha256_final(sha_of(u), hash);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	if (place_blob(u, hex) < 0) {
		rc = xz_ctx_fail(c, XZ_EIO, "storage_error", "证据文件保存失败",
				 "Could not store the file", NULL);
		goto out;
	}
	out->sha256 = xz_arena_strdup(c->arena, hex);
	out->mime = mime;
	out->size = u->len;
out:
	json_decref(p);
	return rc;
}

static const char *const EV_SELECT =
    "SELECT id, problem_id, sha256, mime, size, step, created_at FROM evidence ";

int xz_evidence_add(struct xz_ctx *c, int64_t problem_id, const struct xz_evidence_in *in,
		    json_t **row, bool *replayed)
{
	json_t *p = NULL, *prev = NULL;
	int64_t eid = 0;
	int rc;

	*row = NULL;
	*replayed = false;
	if ((rc = may_add(c, problem_id, &p)) < 0)
		goto out;
	/* the same upload again (its answer was lost on the way back) */
	if (in->idem_key && c->user &&
	    (rc = xz_db_one(c->db,
			    "SELECT id, problem_id FROM evidence WHERE uploaded_by = $1 AND "
			    "idempotency_key = $2",
			    XZ_ARGS(XZ_INT(c->user->id), XZ_TEXT(in->idem_key)), &prev)) !=
		XZ_ENOTFOUND) {
		if (rc < 0) {
			rc = xz_ctx_fail_db(c, rc);
			goto out;
		}
		if (xz_pj_int(prev, "problem_id") != problem_id) {
			rc = xz_ctx_fail(
			    c, XZ_ECONFLICT, "idempotency_key_reused", "该幂等键已用于其他请求",
			    "Idempotency-Key was used for another request", "Idempotency-Key");
			goto out;
		}
		eid = xz_pj_int(prev, "id");
		*replayed = true;
		goto reply;
	}
	const struct xz_evidence_staged *f = in->file;
	if ((rc = xz_db_int(
		 c->db,
		 "INSERT INTO evidence (problem_id, sha256, mime, size, step, uploaded_by, "
		 "created_at, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
		 "RETURNING id",
		 XZ_ARGS(XZ_INT(problem_id), XZ_TEXT(f->sha256), XZ_TEXT(f->mime),
			 XZ_INT((int64_t)f->size),
			 XZ_TEXT(in->step && *in->step ? in->step : xz_pj_str(p, "state")),
			 XZ_ID(c->user ? c->user->id : 0), XZ_INT(c->now), XZ_TEXT(in->idem_key)),
		 &eid)) < 0 ||
	    (rc = xz_ctx_audit_new(c, "problem.evidence", "problem", problem_id, NULL,
				   json_pack("{s:s,s:s,s:I}", "sha256", f->sha256, "mime",
					     f->mime, "size", (json_int_t)f->size))) < 0) {
		rc = xz_ctx_fail_db(c, rc);
		goto out;
	}
reply:
	if ((rc = xz_db_one(c->db, xz_arena_printf(c->arena, "%sWHERE id = $1", EV_SELECT),
			    XZ_ARGS(XZ_INT(eid)), row)) < 0)
		rc = xz_ctx_fail_db(c, rc);
out:
	json_decref(prev);
	json_decref(p);
	return rc;
}

int xz_evidence_read(struct xz_ctx *c, const char *dir, int64_t id, struct xz_evidence_file *out)
{
	unsigned char hash[crypto_hash_sha256_BYTES], buf[65536];
	crypto_hash_sha256_state st;
	char hex[HEX_LEN], path[1024];
	json_t *ev = NULL, *p = NULL;
	const char *sha;
	size_t len, got = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	if (xz_db_one(c->db, "SELECT problem_id, sha256, mime, size FROM evidence WHERE id = $1",
		      XZ_ARGS(XZ_INT(id)), &ev) < 0)
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "证据不存在", "No such evidence",
				   NULL);
	if ((rc = xz_problem_load(c, xz_pj_int(ev, "problem_id"), &p)) < 0)
		goto out;
	sha = xz_pj_str(ev, "sha256");
	len = (size_t)xz_pj_int(ev, "size");
	snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", dir, sha, sha + 2, sha);
	/* served only when it is still the very file that was received: hashed
	 * through a small buffer, then sent from the descriptor */
	crypto_hash_sha256_init(&st);
	if ((out->fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0)
		for (;;) {
			ssize_t n = read(out->fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			crypto_hash_sha256_update(&st, buf, (size_t)n);
			got += (size_t)n;
		}
	if (out->fd < 0 || got != len || lseek(out->fd, 0, SEEK_SET) != 0) {
		rc = xz_ctx_fail(c, XZ_EIO, "evidence_missing", "证据文件缺失",
				 "The stored file is missing", NULL);
		goto out;
	}
	crypto_hash_sha256_final(&st, hash);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	if (strcmp(hex, sha)) {
		rc = xz_ctx_fail(c, XZ_EIO, "evidence_altered", "证据文件已被改动",
				 "The stored file changed", NULL);
		goto out;
	}
	out->len = len;
	out->mime = xz_arena_strdup(c->arena, xz_pj_str(ev, "mime"));
	out->sha256 = xz_arena_strdup(c->arena, hex);
	rc = 0;
out:
	if (rc < 0 && out->fd >= 0) {
		close(out->fd);
		out->fd = -1;
	}
	json_decref(ev);
	json_decref(p);
	return rc;
}
