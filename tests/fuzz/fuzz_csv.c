/*
 * fuzz_csv.c — sheet import as CSV (power lists, calendars, grid members):
 * any bytes give rows or a reason, and rows written back read the same.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "core/alloc.h"
#include "domain/sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *rows = NULL, *back = NULL;
	const char *why = NULL;
	unsigned char *out = NULL;
	size_t len = 0;
	if (xz_sheet_read(data, size, "csv", &rows, &why) == 0 &&
	    xz_sheet_write_csv(rows, &out, &len) == 0) {
		(void)xz_sheet_read(out, len, "csv", &back, &why);
	}
	xz_free(out);
	json_decref(back);
	json_decref(rows);
	return 0;
}
