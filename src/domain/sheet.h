/*
 * sheet.h — tabular import and export (CSV and XLSX) for the power and
 * responsibility lists.
 *
 * A sheet is a JSON array of rows, each row an array of strings. Reading
 * accepts what township staff actually produce (Excel's CSV with a BOM,
 * WPS and Excel workbooks) and returns plain text; writing produces files
 * that open correctly in Excel and WPS, Chinese included.
 */
#ifndef XZ_SHEET_H
#define XZ_SHEET_H

#include <jansson.h>
#include <stddef.h>

/*
 * xz_sheet_read: parse `data` (len bytes) as `kind` ("csv" or "xlsx") into a
 * new JSON array of rows, each an array of strings, stored in *rows (caller
 * owns it, json_decref).
 *   csv:  UTF-8, optional BOM, comma separated, RFC 4180 quotes, CRLF or LF.
 *   xlsx: the first worksheet; shared strings, inline strings, numbers as
 *         their stored text, booleans as "TRUE"/"FALSE"; a cell reference
 *         ("C5") puts the value in its column, gaps are filled with "".
 * Trailing empty cells are trimmed and rows with every cell empty dropped.
 * Limits: XZ_MAX_SHEET_ROWS rows, XZ_MAX_SHEET_COLS columns, XZ_MAX_TEXT
 * bytes a cell (XLSX parts at most XZ_MAX_SHEET_XML bytes decompressed).
 * Returns 0; XZ_EMALFORMED for bad syntax, invalid UTF-8, an unknown kind;
 * XZ_ETOOBIG when a limit is passed. On failure *rows is NULL and *why (if
 * why is not NULL) points to a short English reason in static storage; on
 * success *why is NULL.
 */
int xz_sheet_read(const unsigned char *data, size_t len, const char *kind, json_t **rows,
		  const char **why);

/* xz_sheet_sniff: "xlsx" when data starts like a ZIP archive ("PK\3\4"),
 * otherwise "csv". Static storage. */
const char *xz_sheet_sniff(const unsigned char *data, size_t len);

/*
 * xz_sheet_write_csv: `rows` (an array of arrays whose cells are strings,
 * numbers, booleans or null) as CSV: a UTF-8 BOM first (so Excel reads the
 * Chinese right), CRLF line ends, a field quoted when it holds a comma,
 * quote, CR, LF or leading/trailing space. *out (len bytes, not
 * NUL-terminated) is owned by the caller: xz_free. Returns 0, XZ_EMALFORMED
 * for a bad shape, XZ_ETOOBIG past the sheet limits or XZ_MAX_RESPONSE.
 */
int xz_sheet_write_csv(const json_t *rows, unsigned char **out, size_t *len);

/*
 * xz_sheet_write_xlsx: `rows` as an XLSX workbook with one worksheet named
 * sheet_name (Excel's rules: 1–31 characters, none of []:*?/\). The first
 * row is a bold header with an autofilter and a frozen pane; column widths
 * follow the content (CJK characters count double); numbers are written as
 * numbers, strings as strings (never formulas). *out (len bytes) is owned by
 * the caller: xz_free. Returns 0, XZ_EMALFORMED for a bad shape or sheet
 * name, XZ_ETOOBIG past the sheet limits, XZ_EIO when the temporary file
 * cannot be written or read.
 */
int xz_sheet_write_xlsx(const json_t *rows, const char *sheet_name, unsigned char **out,
			size_t *len);

#endif
