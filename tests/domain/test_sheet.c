/* test_sheet.c — CSV and XLSX import/export of the power and responsibility lists. */
#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "domain/sheet.h"
#include "unit.h"

static const char *sample_json =
	"[[\"序号\", \"职权名称\", \"依据\", \"备注\"],"
	" [\"1\", \"对违法建设的行政处罚\", \"《城乡规划法》第六十四条\"],"
	" [\"2\", \"名称, 含逗号\", \"他说\\\"依法\\\"办事\", \"第一行\\n第二行\"],"
	" [\"3\", \"  前后空格  \", \"\", \"末尾\"],"
	" [\"4\", \"\", \"\", \"x\"]]";

static json_t *sample(void)
{
	return json_loads(sample_json, 0, NULL);
}

static json_t *read_str(const char *s, const char *kind, int *rc, const char **why)
{
	json_t *rows = NULL;
	*rc = xz_sheet_read((const unsigned char *)s, strlen(s), kind, &rows, why);
	return rows;
}

static void test_csv_roundtrip(void)
{
	json_t *rows = sample(), *back = NULL;
	unsigned char *csv = NULL;
	size_t len = 0;
	const char *why = "unset";
	CHECK(rows != NULL);
	CHECK_EQ_INT(xz_sheet_write_csv(rows, &csv, &len), 0);
	CHECK(len > 3 && memcmp(csv, "\xEF\xBB\xBF", 3) == 0);
	/* CRLF line ends; the quoted newline inside a field stays LF */
	CHECK(memmem(csv, len, "\r\n1,", 4) != NULL);
	CHECK(memmem(csv, len, "\"名称, 含逗号\"", strlen("\"名称, 含逗号\"")) != NULL);
	CHECK(memmem(csv, len, "\"他说\"\"依法\"\"办事\"", strlen("\"他说\"\"依法\"\"办事\"")));
	CHECK_EQ_INT(xz_sheet_read(csv, len, "csv", &back, &why), 0);
	CHECK(why == NULL);
	CHECK(json_equal(rows, back));
	xz_free(csv);
	json_decref(back);
	json_decref(rows);
}

/* issue 16 finding 5: cells a spreadsheet would run as formulas are text */
static void test_csv_formulas(void)
{
	json_t *rows = json_loads("[[\"=HYPERLINK(1)\", \"+cmd|calc!A0\", \"@SUM(1+1)\", \"-2+3\", "
				  "\"\\tx\", \"a=b\", -5]]",
				  0, NULL);
	unsigned char *csv = NULL;
	size_t len = 0;
	const char *want = "'=HYPERLINK(1),'+cmd|calc!A0,'@SUM(1+1),'-2+3,'\tx,a=b,-5\r\n";
	CHECK(rows != NULL);
	CHECK_EQ_INT(xz_sheet_write_csv(rows, &csv, &len), 0);
	CHECK_EQ_INT(len, 3 + strlen(want));
	CHECK(len == 3 + strlen(want) && memcmp(csv + 3, want, len - 3) == 0);
	xz_free(csv);
	json_decref(rows);
}

static void test_csv_numbers_and_null(void)
{
	json_t *rows = json_loads("[[\"a\", 15, 2.5, null, true]]", 0, NULL);
	unsigned char *csv = NULL;
	size_t len = 0;
	CHECK_EQ_INT(xz_sheet_write_csv(rows, &csv, &len), 0);
	CHECK_EQ_INT(len, 3 + strlen("a,15,2.5,,TRUE\r\n"));
	CHECK(len >= 3 && memcmp(csv + 3, "a,15,2.5,,TRUE\r\n", len - 3) == 0);
	xz_free(csv);
	json_decref(rows);
}

static void test_xlsx_roundtrip(void)
{
	json_t *rows = sample(), *back = NULL, *nums, *want;
	unsigned char *x = NULL;
	size_t len = 0;
	const char *why = NULL;
	CHECK_EQ_INT(xz_sheet_write_xlsx(rows, "权责清单", &x, &len), 0);
	CHECK_EQ_STR(xz_sheet_sniff(x, len), "xlsx");
	CHECK_EQ_INT(xz_sheet_read(x, len, "xlsx", &back, &why), 0);
	CHECK(json_equal(rows, back));
	xz_free(x);
	json_decref(back);
	json_decref(rows);

	/* numbers stay numbers in the workbook and come back as their text */
	nums = json_loads("[[\"编号\", \"天数\"], [\"A-1\", 15], [\"A-2\", 2.5], [\"A-3\", null]]", 0,
			  NULL);
	want = json_loads("[[\"编号\", \"天数\"], [\"A-1\", \"15\"], [\"A-2\", \"2.5\"], [\"A-3\"]]", 0,
			  NULL);
	back = NULL;
	CHECK_EQ_INT(xz_sheet_write_xlsx(nums, "Sheet1", &x, &len), 0);
	CHECK_EQ_INT(xz_sheet_read(x, len, "xlsx", &back, &why), 0);
	CHECK(json_equal(want, back));
	xz_free(x);
	json_decref(back);
	json_decref(want);
	json_decref(nums);
}

static void test_xlsx_write_rejects(void)
{
	json_t *rows = sample();
	unsigned char *x = (unsigned char *)"sentinel";
	size_t len = 1;
	CHECK_EQ_INT(xz_sheet_write_xlsx(rows, "bad/name", &x, &len), XZ_EMALFORMED);
	CHECK(x == NULL && len == 0);
	json_decref(rows);
	rows = json_loads("[[{\"a\": 1}]]", 0, NULL);
	CHECK_EQ_INT(xz_sheet_write_xlsx(rows, "Sheet1", &x, &len), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_sheet_write_csv(rows, &x, &len), XZ_EMALFORMED);
	json_decref(rows);
	rows = json_loads("{\"a\": 1}", 0, NULL);
	CHECK_EQ_INT(xz_sheet_write_csv(rows, &x, &len), XZ_EMALFORMED);
	json_decref(rows);
}

/* write_gap: an XLSX (written directly with libxlsxwriter) whose second row
 * holds cells A and C only, plus an empty-looking formatted row between. */
static unsigned char *write_gap(size_t *len)
{
	char path[] = "/tmp/xz-test-sheet-XXXXXX";
	lxw_workbook_options opt = {.constant_memory = 0, .tmpdir = "/tmp"};
	lxw_workbook *wb;
	lxw_worksheet *ws;
	lxw_format *f;
	unsigned char *buf = NULL;
	FILE *fp;
	long n;
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	close(fd);
	wb = workbook_new_opt(path, &opt);
	ws = workbook_add_worksheet(wb, NULL);
	f = workbook_add_format(wb);
	format_set_bold(f);
	worksheet_write_string(ws, 0, 0, "甲", NULL);
	worksheet_write_string(ws, 0, 1, "乙", NULL);
	worksheet_write_string(ws, 0, 2, "丙", NULL);
	worksheet_write_string(ws, 1, 0, "左", NULL);
	worksheet_write_string(ws, 1, 2, "右", NULL);
	worksheet_write_blank(ws, 2, 1, f); /* a formatted blank row: dropped */
	worksheet_write_number(ws, 4, 3, 42, NULL);
	worksheet_write_boolean(ws, 5, 0, 1, NULL);
	workbook_close(wb);
	fp = fopen(path, "rb");
	if (fp && fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) > 0 && fseek(fp, 0, SEEK_SET) == 0) {
		buf = xz_malloc((size_t)n);
		*len = fread(buf, 1, (size_t)n, fp);
	}
	if (fp)
		fclose(fp);
	unlink(path);
	return buf;
}

static void test_xlsx_gap(void)
{
	size_t len = 0;
	unsigned char *x = write_gap(&len);
	json_t *rows = NULL, *want;
	const char *why = NULL;
	CHECK(x != NULL);
	CHECK_EQ_INT(xz_sheet_read(x, len, "xlsx", &rows, &why), 0);
	want = json_loads("[[\"甲\",\"乙\",\"丙\"], [\"左\",\"\",\"右\"], [\"\",\"\",\"\",\"42\"], [\"TRUE\"]]",
			  0, NULL);
	CHECK(json_equal(want, rows));
	CHECK_EQ_STR(json_string_value(json_array_get(json_array_get(rows, 1), 2)), "右");
	json_decref(want);
	json_decref(rows);
	xz_free(x);
}

static void test_csv_bom_crlf(void)
{
	int rc;
	const char *why = NULL;
	json_t *rows = read_str("\xEF\xBB\xBF"
				"名称,依据\r\n"
				"\"甲\",乙\r\n"
				"\r\n"
				",,\r\n"
				"丙,\"多\r\n行\",,\r\n"
				"last,no newline",
				"csv", &rc, &why);
	json_t *want = json_loads("[[\"名称\",\"依据\"],[\"甲\",\"乙\"],[\"丙\",\"多\\r\\n行\"],"
				  "[\"last\",\"no newline\"]]",
				  0, NULL);
	CHECK_EQ_INT(rc, 0);
	CHECK(json_equal(want, rows));
	json_decref(want);
	json_decref(rows);

	/* LF only, and spaces around unquoted fields are kept */
	rows = read_str("a, b \nc,d\n", "csv", &rc, &why);
	want = json_loads("[[\"a\",\" b \"],[\"c\",\"d\"]]", 0, NULL);
	CHECK_EQ_INT(rc, 0);
	CHECK(json_equal(want, rows));
	json_decref(want);
	json_decref(rows);

	rows = read_str("", "csv", &rc, &why);
	CHECK_EQ_INT(rc, 0);
	CHECK(json_is_array(rows) && json_array_size(rows) == 0);
	json_decref(rows);
}

static void test_csv_malformed(void)
{
	int rc;
	const char *why = NULL;
	json_t *rows = read_str("a,\"unterminated\nb,c\n", "csv", &rc, &why);
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	CHECK(rows == NULL);
	CHECK(why != NULL && strlen(why) > 0);

	why = NULL;
	rows = read_str("a,b\"c\n", "csv", &rc, &why);
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	CHECK(rows == NULL && why != NULL);

	why = NULL;
	rows = read_str("ok,\xC3\x28\n", "csv", &rc, &why); /* invalid UTF-8 */
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	CHECK(rows == NULL && why != NULL);

	rows = read_str("\xE4\xB8\n", "csv", &rc, &why); /* truncated 中 */
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	rows = read_str("\xED\xA0\x80\n", "csv", &rc, &why); /* surrogate */
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	rows = read_str("\xC0\xAF\n", "csv", &rc, &why); /* overlong */
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	/* GBK bytes, the usual mistake: 名称 */
	rows = read_str("\xC3\xFB\xB3\xC6\n", "csv", &rc, &why);
	CHECK_EQ_INT(rc, XZ_EMALFORMED);

	rows = read_str("a,b\n", "xls", &rc, &why);
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	CHECK(rows == NULL);
}

static void test_xlsx_garbage(void)
{
	int rc;
	const char *why = NULL;
	json_t *rows = read_str("this is not a workbook at all", "xlsx", &rc, &why);
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	CHECK(rows == NULL && why != NULL);
	why = NULL;
	rows = read_str("PK\x03\x04garbage after the magic", "xlsx", &rc, &why);
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
	CHECK(rows == NULL && why != NULL);
	rows = read_str("", "xlsx", &rc, &why);
	CHECK_EQ_INT(rc, XZ_EMALFORMED);
}

static void test_limits(void)
{
	char line[XZ_MAX_SHEET_COLS * 3 + 16];
	size_t n = 0, i;
	int rc;
	const char *why = NULL;
	json_t *rows, *wide;
	unsigned char *out = NULL;
	size_t len = 0;
	char *big;

	/* 65 columns */
	for (i = 0; i <= XZ_MAX_SHEET_COLS; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%sx", i ? "," : "");
	rows = read_str(line, "csv", &rc, &why);
	CHECK_EQ_INT(rc, XZ_ETOOBIG);
	CHECK(rows == NULL);
	CHECK_EQ_STR(why, "too many columns");

	/* 64 columns then empty trailing fields is fine */
	n = 0;
	for (i = 0; i < XZ_MAX_SHEET_COLS; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%sx", i ? "," : "");
	snprintf(line + n, sizeof(line) - n, ",,,");
	rows = read_str(line, "csv", &rc, &why);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(json_array_size(json_array_get(rows, 0)), XZ_MAX_SHEET_COLS);
	json_decref(rows);

	/* writing refuses what reading would refuse */
	wide = json_array();
	json_array_append_new(wide, json_array());
	for (i = 0; i <= XZ_MAX_SHEET_COLS; i++)
		json_array_append_new(json_array_get(wide, 0), json_string("x"));
	CHECK_EQ_INT(xz_sheet_write_csv(wide, &out, &len), XZ_ETOOBIG);
	CHECK_EQ_INT(xz_sheet_write_xlsx(wide, "S", &out, &len), XZ_ETOOBIG);
	json_decref(wide);

	/* a cell past XZ_MAX_TEXT */
	big = xz_malloc(XZ_MAX_TEXT + 3);
	memset(big, 'a', XZ_MAX_TEXT + 1);
	big[XZ_MAX_TEXT + 1] = '\n';
	big[XZ_MAX_TEXT + 2] = '\0';
	rows = read_str(big, "csv", &rc, &why);
	CHECK_EQ_INT(rc, XZ_ETOOBIG);
	CHECK(rows == NULL);
	xz_free(big);

	/* too many rows */
	big = xz_malloc((XZ_MAX_SHEET_ROWS + 1) * 2 + 1);
	for (i = 0; i < XZ_MAX_SHEET_ROWS + 1; i++)
		memcpy(big + 2 * i, "r\n", 2);
	big[(XZ_MAX_SHEET_ROWS + 1) * 2] = '\0';
	rows = read_str(big, "csv", &rc, &why);
	CHECK_EQ_INT(rc, XZ_ETOOBIG);
	CHECK_EQ_STR(why, "too many rows");
	big[XZ_MAX_SHEET_ROWS * 2] = '\0';
	rows = read_str(big, "csv", &rc, &why);
	CHECK_EQ_INT(rc, 0);
	CHECK_EQ_INT(json_array_size(rows), XZ_MAX_SHEET_ROWS);
	json_decref(rows);
	xz_free(big);
}

/* CR, control characters and look-alikes of OOXML's _xHHHH_ escapes survive
 * the XLSX round trip. */
static void test_xlsx_escapes(void)
{
	json_t *rows = json_loads("[[\"a\\r\\nb\", \"c\\u0001d\", \"_x0041_\", \"tab\\there\"]]", 0,
				  NULL),
	       *back = NULL;
	unsigned char *x = NULL;
	size_t len = 0;
	CHECK_EQ_INT(xz_sheet_write_xlsx(rows, "S", &x, &len), 0);
	CHECK_EQ_INT(xz_sheet_read(x, len, "xlsx", &back, NULL), 0);
	CHECK(json_equal(rows, back));
	xz_free(x);
	json_decref(back);
	json_decref(rows);
}

/* make_zip: an in-memory archive of (name, text) pairs, NULL-terminated. */
static unsigned char *make_zip(const char *const *parts, size_t *len)
{
	zip_error_t err;
	zip_source_t *src;
	zip_t *z;
	zip_stat_t st;
	unsigned char *buf = NULL;
	size_t i;
	zip_error_init(&err);
	src = zip_source_buffer_create(NULL, 0, 0, &err);
	zip_source_keep(src);
	z = zip_open_from_source(src, ZIP_TRUNCATE, &err);
	for (i = 0; parts[i]; i += 2) {
		zip_source_t *f = zip_source_buffer(z, parts[i + 1], strlen(parts[i + 1]), 0);
		zip_file_add(z, parts[i], f, ZIP_FL_ENC_UTF_8);
	}
	zip_close(z);
	if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
		buf = xz_malloc((size_t)st.size);
		*len = (size_t)zip_source_read(src, buf, st.size);
		zip_source_close(src);
	}
	zip_source_free(src);
	zip_error_fini(&err);
	return buf;
}

#define WB                                                                                 \
	"<workbook xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main' "      \
	"xmlns:r='http://schemas.openxmlformats.org/officeDocument/2006/relationships'>"    \
	"<sheets><sheet name='清单' sheetId='7' r:id='rId9'/></sheets></workbook>"
#define RELS                                                                               \
	"<Relationships xmlns='http://schemas.openxmlformats.org/package/2006/relationships'>" \
	"<Relationship Id='rId9' Type='http://schemas.openxmlformats.org/officeDocument/"  \
	"2006/relationships/worksheet' Target='/xl/worksheets/data.xml'/>"                  \
	"<Relationship Id='rId2' Type='http://schemas.openxmlformats.org/officeDocument/"  \
	"2006/relationships/sharedStrings' Target='strings.xml'/></Relationships>"
#define NS "xmlns:x='http://schemas.openxmlformats.org/spreadsheetml/2006/main'"

/* A workbook as other producers write it: prefixed names, the sheet and the
 * shared strings at non-default paths, rich text with phonetic runs, inline
 * strings, formula results, cells without references. */
static void test_xlsx_other_producers(void)
{
	const char *parts[] = {
		"xl/workbook.xml", WB,
		"xl/_rels/workbook.xml.rels", RELS,
		"xl/strings.xml",
		"<x:sst " NS "><x:si><x:t>标题</x:t></x:si>"
		"<x:si><x:r><x:t>执</x:t></x:r><x:r><x:t>法</x:t></x:r>"
		"<x:rPh sb='0' eb='1'><x:t>zhi</x:t></x:rPh></x:si></x:sst>",
		"xl/worksheets/data.xml",
		"<x:worksheet " NS "><x:sheetData>"
		"<x:row r='1'><x:c r='A1' t='s'><x:v>0</x:v></x:c><x:c r='B1' t='s'><x:v>1</x:v></x:c></x:row>"
		"<x:row r='3'><x:c t='inlineStr'><x:is><x:t>内联</x:t></x:is></x:c>"
		"<x:c t='str'><x:f>A1&amp;\"!\"</x:f><x:v>标题!</x:v></x:c>"
		"<x:c t='e'><x:v>#N/A</x:v></x:c><x:c t='b'><x:v>0</x:v></x:c></x:row>"
		"</x:sheetData></x:worksheet>",
		NULL};
	size_t len = 0;
	unsigned char *x = make_zip(parts, &len);
	json_t *rows = NULL,
	       *want = json_loads("[[\"标题\", \"执法\"], [\"内联\", \"标题!\", \"#N/A\", \"FALSE\"]]",
				  0, NULL);
	const char *why = NULL;
	CHECK(x != NULL);
	CHECK_EQ_INT(xz_sheet_read(x, len, "xlsx", &rows, &why), 0);
	CHECK(json_equal(want, rows));
	xz_free(x);
	json_decref(rows);
	json_decref(want);
}

static void test_xlsx_bad_parts(void)
{
	const char *dtd[] = {
		"xl/workbook.xml",
		"<!DOCTYPE w [<!ENTITY a 'aaaa'>]><workbook><sheets><sheet/></sheets></workbook>",
		NULL};
	const char *bad_index[] = {
		"xl/workbook.xml", WB,
		"xl/_rels/workbook.xml.rels", RELS,
		"xl/worksheets/data.xml",
		"<x:worksheet " NS "><x:sheetData><x:row><x:c t='s'><x:v>5</x:v></x:c></x:row>"
		"</x:sheetData></x:worksheet>",
		NULL};
	const char *bad_ref[] = {
		"xl/workbook.xml", WB,
		"xl/_rels/workbook.xml.rels", RELS,
		"xl/worksheets/data.xml",
		"<x:worksheet " NS "><x:sheetData><x:row><x:c r='1A'><x:v>5</x:v></x:c></x:row>"
		"</x:sheetData></x:worksheet>",
		NULL};
	const char *far_col[] = {
		"xl/workbook.xml", WB,
		"xl/_rels/workbook.xml.rels", RELS,
		"xl/worksheets/data.xml",
		"<x:worksheet " NS "><x:sheetData><x:row><x:c r='BM1'><x:v>5</x:v></x:c></x:row>"
		"</x:sheetData></x:worksheet>",
		NULL};
	const char *no_sheet[] = {"xl/workbook.xml", WB, "xl/_rels/workbook.xml.rels", RELS, NULL};
	const char *const *cases[] = {dtd, bad_index, bad_ref, far_col, no_sheet};
	int want[] = {XZ_EMALFORMED, XZ_EMALFORMED, XZ_EMALFORMED, XZ_ETOOBIG, XZ_EMALFORMED};
	size_t i;
	for (i = 0; i < XZ_ARRAY_LEN(cases); i++) {
		size_t len = 0;
		unsigned char *x = make_zip(cases[i], &len);
		json_t *rows = NULL;
		const char *why = NULL;
		CHECK(x != NULL);
		CHECK_EQ_INT(xz_sheet_read(x, len, "xlsx", &rows, &why), want[i]);
		CHECK(rows == NULL && why != NULL);
		xz_free(x);
	}
}

static void test_sniff(void)
{
	CHECK_EQ_STR(xz_sheet_sniff((const unsigned char *)"PK\x03\x04rest", 8), "xlsx");
	CHECK_EQ_STR(xz_sheet_sniff((const unsigned char *)"PK\x03", 3), "csv");
	CHECK_EQ_STR(xz_sheet_sniff((const unsigned char *)"\xEF\xBB\xBF" "a,b", 6), "csv");
	CHECK_EQ_STR(xz_sheet_sniff((const unsigned char *)"", 0), "csv");
}

int main(void)
{
	RUN(test_csv_roundtrip);
	RUN(test_csv_numbers_and_null);
	RUN(test_csv_formulas);
	RUN(test_xlsx_roundtrip);
	RUN(test_xlsx_write_rejects);
	RUN(test_xlsx_gap);
	RUN(test_csv_bom_crlf);
	RUN(test_csv_malformed);
	RUN(test_xlsx_garbage);
	RUN(test_limits);
	RUN(test_xlsx_escapes);
	RUN(test_xlsx_other_producers);
	RUN(test_xlsx_bad_parts);
	RUN(test_sniff);
	return unit_done();
}
