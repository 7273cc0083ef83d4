/*
 * search.h — the problem list's filters as one SQL condition, with Chinese
 * text search through an index (SQLite FTS5 trigram table problems_fts,
 * filled in batches up to a mark, migration 025; PostgreSQL pg_trgm GIN
 * index problems_text_trgm, migration 007), and the
 * streamed exports of a filtered list (CSV and XLSX, issue 10 item 5).
 */
#ifndef XZ_SEARCH_H
#define XZ_SEARCH_H

#include <stdbool.h>
#include <stdint.h>

#include "domain/authz.h"
#include "store/db.h"

struct xz_ctx;

/* The list's filters (NULL / 0 / false: not set). */
struct xz_search_filter {
	struct xz_place place; /* the caller's place (authz) */
	const char *state, *channel, *category, *q, *light;
	int64_t township_id, unit_id, cell_id;
	int64_t mine_user_id; /* problems reported by this user */
	bool supervised, overdue;
};

#define XZ_SEARCH_MAX_ARGS 16

/* The condition: " AND …" over problems alias p with its parameters,
 * numbered from first ($first, $first+1, …). */
struct xz_problem_where {
	const char *sql; /* arena memory */
	struct xz_val args[XZ_SEARCH_MAX_ARGS];
	int nargs;
};

/* xz_search_text: the condition for the text query q alone (an id, or text
 * in the description or address), through the trigram index when q has 3
 * characters or more (a LIKE scan for shorter ones, which no trigram index
 * can answer). Parameters from $first; fills w. */
void xz_search_text(struct xz_ctx *c, const char *q, int first, struct xz_problem_where *w);

/* xz_search_where: the whole condition for f (place, filters, text),
 * parameters from $first. Returns 0, or 400 invalid_query described in c
 * for an unknown state, channel or light. */
int xz_search_where(struct xz_ctx *c, const struct xz_search_filter *f, int first,
		    struct xz_problem_where *w);

/* xz_search_export: the filtered list, newest first, written page by page
 * (a page of rows in memory at a time) to a temporary file as CSV (UTF-8
 * BOM, CRLF, every field quoted) or XLSX (constant memory); a cell that
 * starts with = + - @ tab or CR gets a leading apostrophe so no
 * spreadsheet reads it as a formula. *fd is the open file (already
 * unlinked; the caller owns and closes it), *len its size. */
int xz_search_export(struct xz_ctx *c, const struct xz_search_filter *f, bool xlsx, int *fd,
		     size_t *len);

/* xz_search_index: SQLite's text index caught up: the problems above
 * problems_fts_mark's last_id put into it in id order, XZ_FTS_BATCH per
 * transaction of its own (the caller has none open; a report waits for
 * one batch at most), the mark moved with each; until none is left or
 * *stop (may be NULL) is set. The search scans the rows above the mark, so
 * calling this late only makes searches slower, never wrong. The
 * scheduler calls it every second; a no-op on PostgreSQL, whose index is
 * kept by the table. */
int xz_search_index(struct xz_db *db, const volatile int *stop);

#endif
