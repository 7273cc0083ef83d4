/*
 * export.h — a table streamed to a file as CSV or XLSX (the problem list's
 * and the audit trail's exports): a header, then rows written as they are
 * read from the database a page at a time, so an export of any length holds
 * one page in memory. Every cell a spreadsheet would read as a formula
 * (starting with = + - @ tab or CR) is written as text.
 */
#ifndef XZ_EXPORT_H
#define XZ_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

struct xz_export;

/* xz_export_open: a new export to an unlinked temporary file: CSV (UTF-8
 * BOM, CRLF, every field quoted) or XLSX (constant memory, one worksheet
 * named sheet, the header bold and frozen). heads are the ncols column
 * titles; widths (XLSX column widths, may be NULL) ncols numbers. Strings
 * are copied where needed. *ex is owned by the caller: finish or abort it.
 * Returns 0 or XZ_EIO. */
int xz_export_open(bool xlsx, const char *sheet, const char *const *heads, const double *widths,
		   int ncols, struct xz_export **ex);

/* xz_export_row: one row of ncols cells (NULL writes an empty cell); a cell
 * of column number_col (-1: none) that holds an integer is written to XLSX
 * as a number. Each cell is neutralised. Returns 0, or XZ_ETOOBIG past a
 * worksheet's last row. */
int xz_export_row(struct xz_export *ex, const char *const *cells, int number_col);

/* xz_export_finish: close the export; *fd is the open file positioned at
 * its start (the caller owns and closes it), *len its size. Frees ex in
 * every case. Returns 0 or XZ_EIO. */
int xz_export_finish(struct xz_export *ex, int *fd, size_t *len);

/* xz_export_abort: drop an export not finished (NULL is fine). */
void xz_export_abort(struct xz_export *ex);

#endif
