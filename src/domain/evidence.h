/*
 * evidence.h — photos, video and documents attached to a problem (R4.5):
 * typed by their bytes (libmagic, never the client's word), named by their
 * SHA-256, written durably under <dir>/aa/bb/<sha256>, recorded with the
 * step they belong to, and served only while they still hash to the name
 * they were stored under. An upload with an idempotency key counts once.
 */
#ifndef XZ_EVIDENCE_H
#define XZ_EVIDENCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/ctx.h"

/* A file as it arrives: streamed to a temporary file in the store's
 * directory and hashed on the way, with its first bytes kept for typing,
 * so an upload never sits whole in memory. fd < 0 until the first byte. */
struct xz_evidence_upload {
	const char *dir;
	int fd;
	char tmp[1100];
	_Alignas(16) unsigned char sha[128]; /* crypto_hash_sha256_state, kept opaque here */
	unsigned char head[16384];
	size_t head_len, len;
	bool failed; /* a write failed: the upload is answered 500 storage_error */
};

/* xz_evidence_upload_init: an empty upload into dir. */
void xz_evidence_upload_init(struct xz_evidence_upload *u, const char *dir);
/* xz_evidence_upload_write: append n bytes (opens the temporary file at the
 * first). Returns 0, or XZ_EIO and sets u->failed. */
int xz_evidence_upload_write(struct xz_evidence_upload *u, const void *data, size_t n);
/* xz_evidence_upload_close: close and remove what is left of the temporary
 * file (nothing once staged). Always safe to call. */
void xz_evidence_upload_close(struct xz_evidence_upload *u);

/* A received file, durably stored under its name: the result of staging. */
struct xz_evidence_staged {
	const char *sha256, *mime; /* c->arena */
	size_t size;
};

/* xz_evidence_stage: before any transaction (so the writer is never held
 * while a file reaches the disk): the caller must be allowed to add
 * evidence to problem_id (404 when it cannot be read, 403 otherwise); 400
 * empty_file for no bytes, 422 unsupported_type unless a photo, video or
 * PDF; then the file is fsynced and renamed to <dir>/aa/bb/<sha256>
 * (content-addressed: storing it twice is storing it once). A file whose
 * record is then not written is an unreferenced blob, never a lost one. */
int xz_evidence_stage(struct xz_ctx *c, int64_t problem_id, struct xz_evidence_upload *u,
		      struct xz_evidence_staged *out);

/* What the transaction records. */
struct xz_evidence_in {
	const struct xz_evidence_staged *file;
	const char *step;     /* the step it documents; NULL or "": the problem's state */
	const char *idem_key; /* the client's Idempotency-Key, or NULL */
};

/* xz_evidence_add: record a staged file on problem id for c->user
 * (problem.evidence on the problem's place; 404 when the problem cannot be
 * read), audited at c->now. With an idempotency key already used by
 * c->user for this problem, nothing is recorded again and *replayed is
 * set. *row (caller owns) is the evidence record. Runs inside the caller's
 * transaction. */
int xz_evidence_add(struct xz_ctx *c, int64_t problem_id, const struct xz_evidence_in *in,
		    json_t **row, bool *replayed);

/* A stored file as read back: an open descriptor at offset 0, checked. */
struct xz_evidence_file {
	int fd; /* the caller closes it (or hands it to the server) */
	size_t len;
	const char *mime, *sha256; /* c->arena */
};

/* xz_evidence_read: evidence id's file for c->user (404 unless the user
 * may read its problem), 500 evidence_missing / evidence_altered when the
 * stored file is gone or no longer hashes to its name. */
int xz_evidence_read(struct xz_ctx *c, const char *dir, int64_t id, struct xz_evidence_file *out);

#endif
