/*
 * fuzz_xlsx.c — sheet import as XLSX: a zip of XML parts read with bounded
 * decompression (XZ_MAX_SHEET_XML) and expat.
 */
#include <stdint.h>

#include <jansson.h>

#include "domain/sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *rows = NULL;
	const char *why = NULL;
	(void)xz_sheet_read(data, size, "xlsx", &rows, &why);
	(void)xz_sheet_sniff(data, size);
	json_decref(rows);
	return 0;
}
