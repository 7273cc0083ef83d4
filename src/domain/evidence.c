/*
 * evidence.c — storing and serving a problem's evidence (see evidence.h):
 * the type from the bytes, the SHA-256 as the file's only name, a durable
 * write (temporary file, fsync, rename), the record and its audit entry in
 * the caller's transaction, and the idempotency key kept on the record so
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

/* store_blob: write data under dir/aa/bb/<sha256> unless already there
 * (same content, same name), durably: temp file, fsync, rename. */
static int store_blob(const char *dir, const char *hex, const unsigned char *data, size_t len)
{
	char path[1200], tmp[1300], sub[1024];
	struct stat st;
	int fd = -1, rc = XZ_EIO;
	if (strlen(dir) > 900)
		return XZ_EIO;
	snprintf(sub, sizeof(sub), "%s/%.2s", dir, hex);
	mkdir(dir, 0750);
	mkdir(sub, 0750);
	snprintf(sub, sizeof(sub), "%s/%.2s/%.2s", dir, hex, hex + 2);
	mkdir(sub, 0750);
	snprintf(path, sizeof(path), "%s/%s", sub, hex);
	if (stat(path, &st) == 0 && (size_t)st.st_size == len)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0640)) < 0)
		goto out;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, data + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto out;
		done += (size_t)w;
	}
	if (fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) < 0)
		goto out;
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

/* mime_of: the type the bytes say (static storage of libmagic copied to the arena). */
static int mime_of(struct xz_ctx *c, const struct xz_evidence_in *in, const char **mime)
{
	magic_t m = magic_open(MAGIC_MIME_TYPE);
	const char *t = NULL;
	int rc = 0;
	if (!m || magic_load(m, NULL) != 0 || !(t = magic_buffer(m, in->data, in->len)))
		rc = xz_ctx_fail(c, XZ_EINTERNAL, "magic_failed", "无法识别文件类型",
				 "Cannot determine the file type", "file");
	else
		*mime = xz_arena_strdup(c->arena, t);
	if (m)
		magic_close(m);
	return rc;
}

static const char *const EV_SELECT =
    "SELECT id, problem_id, sha256, mime, size, step, created_at FROM evidence ";

int xz_evidence_add(struct xz_ctx *c, const char *dir, int64_t problem_id,
		    const struct xz_evidence_in *in, json_t **row, bool *replayed)
{
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[HEX_LEN];
	const char *mime = NULL, *const * t;
	json_t *p = NULL, *prev = NULL;
	struct xz_place pl;
	int64_t eid = 0;
	int rc;

	*row = NULL;
	*replayed = false;
	if ((rc = xz_problem_load(c, problem_id, &p)) < 0)
		return rc;
	xz_problem_place(p, &pl);
	if (c->user && !xz_authz(c->user, "problem.evidence", &pl)) {
		rc = xz_ctx_fail(c, XZ_EFORBIDDEN, "forbidden", "无权执行此操作", "Not allowed",
				 NULL);
		goto out;
	}
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
	if (!in->len || !in->data) {
		rc = xz_ctx_fail(c, XZ_EMALFORMED, "empty_file", "上传的文件为空",
				 "The uploaded file is empty", "file");
		goto out;
	}
	if ((rc = mime_of(c, in, &mime)) < 0)
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
	crypto_hash_sha256(hash, in->data, in->len);
	sodium_bin2hex(hex, sizeof(hex), hash, sizeof(hash));
	if (store_blob(dir, hex, in->data, in->len) < 0) {
		rc = xz_ctx_fail(c, XZ_EIO, "storage_error", "证据文件保存失败",
				 "Could not store the file", NULL);
		goto out;
	}
	if ((rc = xz_db_int(
		 c->db,
		 "INSERT INTO evidence (problem_id, sha256, mime, size, step, uploaded_by, "
		 "created_at, idempotency_key) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
		 "RETURNING id",
		 XZ_ARGS(XZ_INT(problem_id), XZ_TEXT(hex), XZ_TEXT(mime), XZ_INT((int64_t)in->len),
			 XZ_TEXT(in->step && *in->step ? in->step : xz_pj_str(p, "state")),
			 XZ_ID(c->user ? c->user->id : 0), XZ_INT(c->now), XZ_TEXT(in->idem_key)),
		 &eid)) < 0 ||
	    (rc = xz_ctx_audit_new(c, "problem.evidence", "problem", problem_id, NULL,
				   json_pack("{s:s,s:s,s:I}", "sha256", hex, "mime", mime, "size",
					     (json_int_t)in->len))) < 0) {
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
	unsigned char hash[crypto_hash_sha256_BYTES];
	char hex[HEX_LEN], path[1024];
	json_t *ev = NULL, *p = NULL;
	const char *sha;
	FILE *f = NULL;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (xz_db_one(c->db, "SELECT problem_id, sha256, mime, size FROM evidence WHERE id = $1",
		      XZ_ARGS(XZ_INT(id)), &ev) < 0)
		return xz_ctx_fail(c, XZ_ENOTFOUND, "not_found", "证据不存在", "No such evidence",
				   NULL);
	if ((rc = xz_problem_load(c, xz_pj_int(ev, "problem_id"), &p)) < 0)
		goto out;
	sha = xz_pj_str(ev, "sha256");
	len = (size_t)xz_pj_int(ev, "size");
	snprintf(path, sizeof(path), "%s/%.2s/%.2s/%s", dir, sha, sha + 2, sha);
	out->data = xz_malloc(len ? len : 1);
	if (!(f = fopen(path, "rb")) || fread(out->data, 1, len, f) != len) {
		rc = xz_ctx_fail(c, XZ_EIO, "evidence_missing", "证据文件缺失",
				 "The stored file is missing", NULL);
		goto out;
	}
	/* served only when it is still the very file that was received */
	crypto_hash_sha256(hash, out->data, len);
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
	if (rc < 0) {
		xz_free(out->data);
		out->data = NULL;
	}
	if (f)
		fclose(f);
	json_decref(ev);
	json_decref(p);
	return rc;
}
