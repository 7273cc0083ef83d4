/*
 * export.c — tables streamed to CSV or XLSX files (see export.h).
 *
 * The file is made with mkstemp under /tmp and unlinked as soon as it is
 * closed by the writer, so nothing is left behind whatever happens to the
 * request; the server sends it from disk and closes it. CSV is written with
 * stdio (every field quoted, quotes doubled); XLSX with libxlsxwriter in
 * constant-memory mode (rows must come in order, which they do). A cell
 * starting with = + - @ tab or CR gets a leading apostrophe: a spreadsheet
 * reads it as text, never as a formula (CSV injection).
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "domain/export.h"

#define XLSX_LAST_ROW 1048575 /* a worksheet's last row (0-based) */

struct xz_export {
	bool xlsx;
	int ncols;
	char path[32];
	lxw_workbook *wb;
	lxw_worksheet *ws;
	FILE *out;
	int64_t rows; /* rows written after the header */
};

static bool formula_like(const char *s)
{
	return *s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r';
}

static void csv_field(FILE *out, const char *s, bool neutral, bool last)
{
	fputc('"', out);
	if (neutral && formula_like(s))
		fputc('\'', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
	fputs(last ? "\r\n" : ",", out);
}

static void xlsx_text(struct xz_export *ex, lxw_row_t row, lxw_col_t col, const char *s,
		      lxw_format *f)
{
	if (formula_like(s)) {
		size_t n = strlen(s);
		char *t = xz_malloc(n + 2);
		t[0] = '\'';
		memcpy(t + 1, s, n + 1);
		worksheet_write_string(ex->ws, row, col, t, f);
		xz_free(t);
	} else {
		worksheet_write_string(ex->ws, row, col, s, f);
	}
}

int xz_export_open(bool xlsx, const char *sheet, const char *const *heads, const double *widths,
		   int ncols, struct xz_export **out)
{
	struct xz_export *ex = xz_calloc(1, sizeof(*ex));
	int tmp;
	*out = NULL;
	ex->xlsx = xlsx;
	ex->ncols = ncols;
	snprintf(ex->path, sizeof(ex->path), "/tmp/xz-export-XXXXXX");
	if ((tmp = mkstemp(ex->path)) < 0) {
		xz_free(ex);
		return XZ_EIO;
	}
	if (xlsx) {
		lxw_workbook_options opt = {.constant_memory = 1, .tmpdir = "/tmp"};
		lxw_format *bold;
		close(tmp);
		if (!(ex->wb = workbook_new_opt(ex->path, &opt)) ||
		    !(ex->ws = workbook_add_worksheet(ex->wb, sheet)))
			goto fail;
		bold = workbook_add_format(ex->wb);
		format_set_bold(bold);
		for (int i = 0; i < ncols; i++) {
			if (widths)
				worksheet_set_column(ex->ws, (lxw_col_t)i, (lxw_col_t)i, widths[i],
						     NULL);
			xlsx_text(ex, 0, (lxw_col_t)i, heads[i], bold);
		}
		worksheet_freeze_panes(ex->ws, 1, 0);
	} else {
		if (!(ex->out = fdopen(tmp, "w+b"))) {
			close(tmp);
			goto fail;
		}
		fputs("\xEF\xBB\xBF", ex->out);
		for (int i = 0; i < ncols; i++)
			csv_field(ex->out, heads[i], false, i == ncols - 1);
	}
	*out = ex;
	return 0;
fail:
	xz_export_abort(ex);
	return XZ_EIO;
}

static bool integer_text(const char *s, double *v)
{
	char *end;
	long long n;
	if (!*s)
		return false;
	n = strtoll(s, &end, 10);
	if (*end)
		return false;
	*v = (double)n;
	return true;
}

int xz_export_row(struct xz_export *ex, const char *const *cells, int number_col)
{
	if (ex->xlsx && ex->rows >= XLSX_LAST_ROW)
		return XZ_ETOOBIG;
	ex->rows++;
	for (int k = 0; k < ex->ncols; k++) {
		const char *s = cells[k] ? cells[k] : "";
		double v;
		if (!ex->xlsx)
			csv_field(ex->out, s, true, k == ex->ncols - 1);
		else if (k == number_col && integer_text(s, &v))
			worksheet_write_number(ex->ws, (lxw_row_t)ex->rows, (lxw_col_t)k, v, NULL);
		else
			xlsx_text(ex, (lxw_row_t)ex->rows, (lxw_col_t)k, s, NULL);
	}
	return 0;
}

int xz_export_finish(struct xz_export *ex, int *fd, size_t *len)
{
	int tmp = -1, rc = XZ_EIO;
	off_t end;
	*fd = -1;
	*len = 0;
	if (ex->xlsx) {
		lxw_error e = workbook_close(ex->wb);
		ex->wb = NULL;
		if (e != LXW_NO_ERROR || (tmp = open(ex->path, O_RDONLY)) < 0)
			goto out;
	} else if (fflush(ex->out) != 0 || (tmp = dup(fileno(ex->out))) < 0) {
		goto out;
	}
	end = lseek(tmp, 0, SEEK_END);
	if (end < 0 || lseek(tmp, 0, SEEK_SET) < 0)
		goto out;
	*len = (size_t)end;
	*fd = tmp;
	tmp = -1;
	rc = 0;
out:
	if (tmp >= 0)
		close(tmp);
	xz_export_abort(ex);
	return rc;
}

void xz_export_abort(struct xz_export *ex)
{
	if (!ex)
		return;
	if (ex->wb)
		workbook_close(ex->wb);
	if (ex->out)
		fclose(ex->out);
	unlink(ex->path);
	xz_free(ex);
}
