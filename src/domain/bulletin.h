/*
 * bulletin.h — bulletins (通报, R7.2) and the dispatched units' own periodic
 * reports (R7.4).
 *
 * A bulletin is composed for a period by a township's office (for its
 * township) or a county department (for its line): the figures beside the
 * previous period (环比) and the same period a year before (同比), the units
 * ranked, hot spots, the overdue and rework lists, joint enforcement, the
 * units' reports for the period and the office's analysis. Every number
 * comes from domain/figures.c. It stays a draft (its analysis and title may
 * be edited, its figures recomposed) until published; publishing numbers
 * it per issuer and year (碧湖镇综合执法通报〔2026〕第3期), freezes it, puts
 * it in the inbox of every user of the units it concerns, and from then on
 * each reader is recorded. Exports: PDF (GB/T 9704 layout through
 * officialdoc.c, charts as an attachment drawn by cairo) and XLSX (one
 * sheet per table).
 */
#ifndef XZ_BULLETIN_H
#define XZ_BULLETIN_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/authz.h"
#include "store/db.h"

struct xz_ctx;

/* What to compose: the place (county, and a township or a department's
 * line, or both), the period as civil days [start_day, end_day] inclusive,
 * its kind (week, month, quarter, year, custom; NULL: guessed from the
 * dates), and optionally a title and the analysis text. */
struct xz_bulletin_in {
	struct xz_place place;
	int64_t start_day, end_day;
	const char *kind, *title, *analysis;
};

/* xz_bulletin_compose: compose and store a draft; *out is the bulletin as
 * xz_bulletin_get answers it (caller owns). Runs its own transaction. 422
 * invalid_period for an empty, reversed or over-long (5 years) period. */
int xz_bulletin_compose(struct xz_ctx *c, const struct xz_bulletin_in *in, json_t **out);

/* xz_bulletin_load: the stored row (content parsed) or XZ_ENOTFOUND;
 * *place gets its place for the authorisation check. Caller owns *out. */
int xz_bulletin_load(struct xz_ctx *c, int64_t id, struct xz_place *place, json_t **out);

/* xz_bulletin_edit: a draft's title and/or analysis (NULL: unchanged),
 * with version check; recompose: recompute its figures now. 409
 * already_published after publication, version_conflict on a stale
 * version. */
int xz_bulletin_edit(struct xz_ctx *c, int64_t id, int64_t version, const char *title,
		     const char *analysis, int recompose, json_t **out);

/* xz_bulletin_publish: number, freeze and deliver a draft (409
 * already_published otherwise). */
int xz_bulletin_publish(struct xz_ctx *c, int64_t id, json_t **out);

/* xz_bulletin_read: record that the acting user read a published bulletin
 * (once; later reads keep the first instant). */
int xz_bulletin_read(struct xz_ctx *c, int64_t id);

/* xz_bulletin_readers: [{user_id, display_name, unit_id, unit_name, read_at}]
 * for a bulletin, plus the users told who have not read it yet (read_at
 * null). Caller owns *out. */
int xz_bulletin_readers(struct xz_ctx *c, int64_t id, json_t **out);

/* xz_bulletin_list: published bulletins in the place, newest first, keyset
 * paged, and the drafts composed at drafts_of (the caller's composing
 * place; NULL: none), each handed to fn as the database reads it. */
int xz_bulletin_list(struct xz_ctx *c, const struct xz_place *place,
		     const struct xz_place *drafts_of, int64_t before, int64_t limit, xz_row_fn fn,
		     void *arg);

/* xz_bulletin_pdf / xz_bulletin_xlsx: the exports of a loaded bulletin
 * (borrowed). *buf (len bytes) is the caller's: xz_free. */
int xz_bulletin_pdf(struct xz_ctx *c, const json_t *b, unsigned char **buf, size_t *len);
int xz_bulletin_xlsx(struct xz_ctx *c, const json_t *b, unsigned char **buf, size_t *len);

/* Units' own reports (R7.4). xz_unit_report_file: the unit files (or
 * refiles) its report for [start_day, end_day], prefilled with its own
 * figures for the period; *out is the report (caller owns). */
int xz_unit_report_file(struct xz_ctx *c, int64_t unit_id, int64_t start_day, int64_t end_day,
			const char *analysis, json_t **out);
/* xz_unit_report_status: every unit of the township with its report for
 * the period or null: [{unit_id, unit_name, report}] (caller owns). */
int xz_unit_report_status(struct xz_ctx *c, const struct xz_place *place, int64_t start_day,
			  int64_t end_day, json_t **out);

#endif
