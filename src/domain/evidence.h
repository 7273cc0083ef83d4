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

/* What an upload hands in. data is borrowed. */
struct xz_evidence_in {
	const unsigned char *data;
	size_t len;
	const char *step;     /* the step it documents; NULL or "": the problem's state */
	const char *idem_key; /* the client's Idempotency-Key, or NULL */
};

/* xz_evidence_add: attach a file to problem id for c->user (problem.evidence
 * on the problem's place; 404 when the problem cannot be read): 400
 * empty_file for no bytes, 422 unsupported_type unless a photo, video or
 * PDF, stored under dir, recorded and audited at c->now. With an
 * idempotency key already used by c->user for this problem, nothing is
 * stored again and *replayed is set. *row (caller owns) is the evidence
 * record. Runs inside the caller's transaction. */
int xz_evidence_add(struct xz_ctx *c, const char *dir, int64_t problem_id,
		    const struct xz_evidence_in *in, json_t **row, bool *replayed);

/* A stored file as read back. */
struct xz_evidence_file {
	unsigned char *data; /* xz_malloc'd, caller frees with xz_free */
	size_t len;
	const char *mime, *sha256; /* c->arena */
};

/* xz_evidence_read: evidence id's bytes for c->user (404 unless the user
 * may read its problem), 500 evidence_missing / evidence_altered when the
 * stored file is gone or no longer hashes to its name. */
int xz_evidence_read(struct xz_ctx *c, const char *dir, int64_t id, struct xz_evidence_file *out);

#endif
