/*
 * sheet.c — reading and writing the spreadsheets the power and
 * responsibility lists travel in.
 *
 * Staff keep these lists in Excel or WPS and hand them over as CSV or XLSX;
 * this file turns either into a JSON array of rows of strings, and turns
 * such an array back into CSV or XLSX for download. No format is parsed by
 * hand: libcsv splits CSV, libzip opens the workbook, expat reads its XML
 * parts (streamed, never whole in memory) and libxlsxwriter writes XLSX.
 * What this file adds is policy: limits on rows, columns and cell size,
 * UTF-8 validation, placing XLSX cells by their reference, dropping empty
 * rows and trailing empty cells so both formats read back the same rows.
 */
#include <csv.h>
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>
#include <zip.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "domain/sheet.h"

#define CHUNK 65536
#define MAX_SHARED_STRINGS ((size_t)XZ_MAX_SHEET_ROWS * XZ_MAX_SHEET_COLS)
#define XLSX_MAX_COL 16384 /* column XFD, Excel's last */
#define MIN_WIDTH 8.0
#define MAX_WIDTH 60.0

/* ---- shared helpers ---------------------------------------------------- */

/* utf8_valid: s[0..n) is well-formed UTF-8 (no overlongs, surrogates or
 * code points past U+10FFFF) and holds no NUL byte. */
static bool utf8_valid(const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = s[i];
		size_t k, need;
		uint32_t cp;
		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF) {
			need = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			need = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			need = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n - i <= need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += need + 1;
	}
	return true;
}

/* check_cell: the limits every cell read must meet. */
static int check_cell(const char *s, size_t n, const char **why)
{
	if (n > XZ_MAX_TEXT) {
		*why = "cell too long";
		return XZ_ETOOBIG;
	}
	if (!utf8_valid((const unsigned char *)s, n)) {
		*why = "cell is not valid UTF-8";
		return XZ_EMALFORMED;
	}
	return 0;
}

/* put_cell: set row[col] to s[0..n), padding with "" as needed. An empty
 * value changes nothing (trailing empties are trimmed anyway). */
static int put_cell(json_t *row, size_t col, const char *s, size_t n, const char **why)
{
	int rc;
	if (n == 0)
		return 0;
	rc = check_cell(s, n, why);
	if (rc)
		return rc;
	if (col >= XZ_MAX_SHEET_COLS) {
		*why = "too many columns";
		return XZ_ETOOBIG;
	}
	while (json_array_size(row) <= col)
		json_array_append_new(row, json_string(""));
	json_array_set_new(row, col, json_stringn(s, n));
	return 0;
}

/* add_row: append row to rows unless it is empty; trims trailing "" first. */
static int add_row(json_t *rows, json_t *row, const char **why)
{
	size_t n = json_array_size(row);
	while (n > 0 && json_string_length(json_array_get(row, n - 1)) == 0)
		json_array_remove(row, --n);
	if (n == 0)
		return 0;
	if (json_array_size(rows) >= XZ_MAX_SHEET_ROWS) {
		*why = "too many rows";
		return XZ_ETOOBIG;
	}
	json_array_append(rows, row);
	return 0;
}

/* ---- CSV reading ------------------------------------------------------- */

struct csv_state {
	json_t *rows;
	json_t *row; /* the row being filled */
	size_t col;  /* fields seen in this row, including empty ones */
	int rc;
	const char *why;
};

static void csv_on_field(void *field, size_t n, void *data)
{
	struct csv_state *st = data;
	if (st->rc)
		return;
	if (!field)
		n = 0;
	st->rc = put_cell(st->row, st->col, field, n, &st->why);
	st->col++;
}

static void csv_on_row(int c, void *data)
{
	struct csv_state *st = data;
	XZ_UNUSED(c);
	if (st->rc)
		return;
	st->rc = add_row(st->rows, st->row, &st->why);
	json_decref(st->row); /* rows may hold it now */
	st->row = json_array();
	st->col = 0;
}

/* Spaces around unquoted fields are data: keep them (libcsv trims them by
 * default). */
static int csv_no_space(unsigned char c)
{
	XZ_UNUSED(c);
	return 0;
}

static int read_csv(const unsigned char *data, size_t len, json_t **rows, const char **why)
{
	struct csv_parser p;
	struct csv_state st = {0};
	bool inited = false;
	size_t off = 0;
	int rc = 0;

	if (len >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF)
		off = 3;
	if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		rc = XZ_EINTERNAL;
		*why = "CSV parser unavailable";
		goto out;
	}
	inited = true;
	csv_set_space_func(&p, csv_no_space);
	csv_set_realloc_func(&p, xz_realloc);
	csv_set_free_func(&p, xz_free);
	st.rows = json_array();
	st.row = json_array();
	while (off < len) {
		size_t n = len - off < CHUNK ? len - off : CHUNK;
		if (csv_parse(&p, data + off, n, csv_on_field, csv_on_row, &st) != n) {
			rc = XZ_EMALFORMED;
			*why = "CSV syntax error (stray or unbalanced quote)";
			goto out;
		}
		if (st.rc)
			break;
		off += n;
	}
	if (!st.rc && csv_fini(&p, csv_on_field, csv_on_row, &st) != 0) {
		rc = XZ_EMALFORMED;
		*why = "CSV ends inside a quoted field";
		goto out;
	}
	if (st.rc) {
		rc = st.rc;
		*why = st.why;
		goto out;
	}
	*rows = st.rows;
	st.rows = NULL;
out:
	json_decref(st.row);
	json_decref(st.rows);
	if (inited)
		csv_free(&p);
	return rc;
}

/* ---- XLSX reading ------------------------------------------------------ */

/* Text collected from character data, bounded at creation. The raw text
 * may hold _xHHHH_ escapes (7 bytes for one character), hence RAW_TEXT. */
#define RAW_TEXT (XZ_MAX_TEXT * 7)
struct text {
	char buf[RAW_TEXT + 1];
	size_t len;
	bool over; /* more than RAW_TEXT bytes arrived */
};

static void text_add(struct text *t, const char *s, int n)
{
	if (t->over)
		return;
	if ((size_t)n > RAW_TEXT - t->len) {
		t->over = true;
		return;
	}
	memcpy(t->buf + t->len, s, (size_t)n);
	t->len += (size_t)n;
	t->buf[t->len] = '\0';
}

static void text_reset(struct text *t)
{
	t->len = 0;
	t->over = false;
	t->buf[0] = '\0';
}

static int hex4(const char *s)
{
	int v = 0, i;
	for (i = 0; i < 4; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* is_xescape: s[0..n) starts with an OOXML character escape "_xHHHH_". */
static bool is_xescape(const char *s, size_t n)
{
	return n >= 7 && s[0] == '_' && s[1] == 'x' && s[6] == '_' && hex4(s + 2) >= 0;
}

/* text_unescape: decode _xHHHH_ escapes in place (OOXML ST_Xstring: how
 * Excel and libxlsxwriter store CR and control characters, and "_x005F_"
 * for a literal underscore that would start an escape). */
static void text_unescape(struct text *t)
{
	size_t i = 0, o = 0;
	while (i < t->len) {
		int cp;
		if (is_xescape(t->buf + i, t->len - i) && (cp = hex4(t->buf + i + 2)) > 0 &&
		    (cp < 0xD800 || cp > 0xDFFF)) {
			if (cp < 0x80) {
				t->buf[o++] = (char)cp;
			} else if (cp < 0x800) {
				t->buf[o++] = (char)(0xC0 | (cp >> 6));
				t->buf[o++] = (char)(0x80 | (cp & 0x3F));
			} else {
				t->buf[o++] = (char)(0xE0 | (cp >> 12));
				t->buf[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
				t->buf[o++] = (char)(0x80 | (cp & 0x3F));
			}
			i += 7;
		} else {
			t->buf[o++] = t->buf[i++];
		}
	}
	t->len = o;
	t->buf[o] = '\0';
}

/* local: the local part of an expat namespaced name "uri|local". */
static const char *local(const char *name)
{
	const char *bar = strrchr(name, '|');
	return bar ? bar + 1 : name;
}

/* attr: the value of the attribute whose local name is `name` and whose
 * namespace presence matches `ns` (true: prefixed like r:id). */
static const char *attr(const char **atts, const char *name, bool ns)
{
	size_t i;
	for (i = 0; atts[i]; i += 2) {
		bool has_ns = strchr(atts[i], '|') != NULL;
		if (has_ns == ns && strcmp(local(atts[i]), name) == 0)
			return atts[i + 1];
	}
	return NULL;
}

/* Common head of every parse state: the error expat handlers report. */
struct xml_common {
	XML_Parser p;
	int rc;
	const char *why;
};

static void xml_fail(struct xml_common *c, int rc, const char *why)
{
	if (c->rc)
		return;
	c->rc = rc;
	c->why = why;
	XML_StopParser(c->p, XML_FALSE);
}

/* No XLSX part carries a DTD; refusing one rules out entity expansion. */
static void xml_on_doctype(void *data, const XML_Char *name, const XML_Char *sysid,
			   const XML_Char *pubid, int has_internal)
{
	XZ_UNUSED(name);
	XZ_UNUSED(sysid);
	XZ_UNUSED(pubid);
	XZ_UNUSED(has_internal);
	xml_fail(data, XZ_EMALFORMED, "XLSX part has a DTD");
}

/* new_parser: a namespace-aware parser whose user data is `state`, which
 * must begin with struct xml_common. */
static XML_Parser new_parser(void *state)
{
	XML_Parser p = XML_ParserCreateNS("UTF-8", '|');
	if (!p)
		abort();
	((struct xml_common *)state)->p = p;
	XML_SetUserData(p, state);
	XML_SetStartDoctypeDeclHandler(p, xml_on_doctype);
	return p;
}

/* xml_run: stream zip entry `name` through parser p. Returns 0,
 * XZ_ENOTFOUND when there is no such entry, or the parse error. */
static int xml_run(zip_t *z, const char *name, XML_Parser p, struct xml_common *c, const char **why)
{
	zip_file_t *f = NULL;
	char *buf = NULL;
	size_t total = 0;
	int rc = 0;

	f = zip_fopen(z, name, 0);
	if (!f) {
		rc = XZ_ENOTFOUND;
		goto out;
	}
	buf = xz_malloc(CHUNK);
	for (;;) {
		zip_int64_t n = zip_fread(f, buf, CHUNK);
		if (n < 0) {
			rc = XZ_EMALFORMED;
			*why = "XLSX archive is damaged";
			goto out;
		}
		total += (size_t)n;
		if (total > XZ_MAX_SHEET_XML) {
			rc = XZ_ETOOBIG;
			*why = "XLSX part too large";
			goto out;
		}
		if (XML_Parse(p, buf, (int)n, n == 0) != XML_STATUS_OK) {
			if (c->rc) {
				rc = c->rc;
				*why = c->why;
			} else {
				rc = XZ_EMALFORMED;
				*why = "XLSX part is not well-formed XML";
			}
			goto out;
		}
		if (n == 0)
			break;
	}
	if (c->rc) {
		rc = c->rc;
		*why = c->why;
	}
out:
	xz_free(buf);
	if (f)
		zip_fclose(f);
	return rc;
}

/* xl/workbook.xml: the relationship id of the first <sheet>. */
struct wb_state {
	struct xml_common c;
	char rid[256];
};

static void wb_start(void *data, const XML_Char *name, const XML_Char **atts)
{
	struct wb_state *st = data;
	const char *id;
	if (st->rid[0] || strcmp(local(name), "sheet") != 0)
		return;
	id = attr(atts, "id", true);
	if (!id || !*id || strlen(id) >= sizeof(st->rid))
		xml_fail(&st->c, XZ_EMALFORMED, "XLSX sheet has no relationship id");
	else
		snprintf(st->rid, sizeof(st->rid), "%s", id);
}

/* xl/_rels/workbook.xml.rels: where the sheet and shared strings live. */
struct rels_state {
	struct xml_common c;
	const char *rid;
	char sheet[512];
	char sst[512];
};

/* part_path: a relationship target as a path inside the archive. Targets
 * are relative to xl/ unless they start with "/". */
static void part_path(char *dst, size_t size, const char *target)
{
	if (target[0] == '/')
		snprintf(dst, size, "%s", target + 1);
	else
		snprintf(dst, size, "xl/%s", target);
}

static void rels_start(void *data, const XML_Char *name, const XML_Char **atts)
{
	struct rels_state *st = data;
	const char *id, *type, *target;
	size_t tl;
	if (strcmp(local(name), "Relationship") != 0)
		return;
	id = attr(atts, "Id", false);
	type = attr(atts, "Type", false);
	target = attr(atts, "Target", false);
	if (!id || !type || !target || strlen(target) > 400)
		return;
	tl = strlen(type);
	if (strcmp(id, st->rid) == 0)
		part_path(st->sheet, sizeof(st->sheet), target);
	else if (tl >= 14 && strcmp(type + tl - 14, "/sharedStrings") == 0)
		part_path(st->sst, sizeof(st->sst), target);
}

/* xl/sharedStrings.xml: each <si> is the text of its <t> elements, leaving
 * out phonetic runs (<rPh>). */
struct sst_state {
	struct xml_common c;
	json_t *strings; /* string, or null for one longer than XZ_MAX_TEXT */
	bool in_si, in_t;
	int in_rph;
	struct text t;
};

static void sst_start(void *data, const XML_Char *name, const XML_Char **atts)
{
	struct sst_state *st = data;
	const char *n = local(name);
	XZ_UNUSED(atts);
	if (strcmp(n, "si") == 0) {
		st->in_si = true;
		text_reset(&st->t);
	} else if (strcmp(n, "rPh") == 0) {
		st->in_rph++;
	} else if (strcmp(n, "t") == 0 && st->in_si && !st->in_rph) {
		st->in_t = true;
	}
}

static void sst_end(void *data, const XML_Char *name)
{
	struct sst_state *st = data;
	const char *n = local(name);
	if (strcmp(n, "si") == 0) {
		st->in_si = false;
		text_unescape(&st->t);
		if (st->t.len > XZ_MAX_TEXT)
			st->t.over = true;
		if (json_array_size(st->strings) >= MAX_SHARED_STRINGS) {
			xml_fail(&st->c, XZ_ETOOBIG, "too many shared strings");
			return;
		}
		json_array_append_new(st->strings,
				      st->t.over ? json_null()
						 : json_stringn_nocheck(st->t.buf, st->t.len));
	} else if (strcmp(n, "rPh") == 0) {
		st->in_rph--;
	} else if (strcmp(n, "t") == 0) {
		st->in_t = false;
	}
}

static void sst_text(void *data, const XML_Char *s, int len)
{
	struct sst_state *st = data;
	if (st->in_t)
		text_add(&st->t, s, len);
}

/* The worksheet: <row><c r="C5" t="s"><v>3</v></c>…</row>. */
enum cell_type { CELL_NUMBER, CELL_SHARED, CELL_INLINE, CELL_STR, CELL_BOOL, CELL_ERROR };

struct ws_state {
	struct xml_common c;
	const json_t *strings;
	json_t *rows;
	json_t *row; /* NULL outside <row> */
	size_t next_col;
	bool in_c, in_v, in_is, in_t;
	int in_rph;
	size_t col;
	enum cell_type type;
	struct text t;
};

/* cell_col: the 0-based column of a reference like "C5"; -1 when bad. */
static long cell_col(const char *ref)
{
	long col = 0;
	const char *s = ref;
	while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')) {
		col = col * 26 + ((*s | 0x20) - 'a' + 1);
		if (col > XLSX_MAX_COL)
			return -1;
		s++;
	}
	if (s == ref)
		return -1;
	while (*s >= '0' && *s <= '9')
		s++;
	return *s ? -1 : col - 1;
}

static void ws_start(void *data, const XML_Char *name, const XML_Char **atts)
{
	struct ws_state *st = data;
	const char *n = local(name);
	if (strcmp(n, "row") == 0) {
		json_decref(st->row);
		st->row = json_array();
		st->next_col = 0;
	} else if (strcmp(n, "c") == 0 && st->row) {
		const char *r = attr(atts, "r", false), *t = attr(atts, "t", false);
		long col = r ? cell_col(r) : (long)st->next_col;
		if (col < 0) {
			xml_fail(&st->c, XZ_EMALFORMED, "bad XLSX cell reference");
			return;
		}
		st->in_c = true;
		st->col = (size_t)col;
		st->type = !t || strcmp(t, "n") == 0	 ? CELL_NUMBER
			   : strcmp(t, "s") == 0	 ? CELL_SHARED
			   : strcmp(t, "inlineStr") == 0 ? CELL_INLINE
			   : strcmp(t, "str") == 0	 ? CELL_STR
			   : strcmp(t, "b") == 0	 ? CELL_BOOL
			   : strcmp(t, "e") == 0	 ? CELL_ERROR
							 : CELL_NUMBER;
		text_reset(&st->t);
	} else if (!st->in_c) {
		return;
	} else if (strcmp(n, "v") == 0) {
		st->in_v = true;
	} else if (strcmp(n, "is") == 0) {
		st->in_is = true;
	} else if (strcmp(n, "rPh") == 0) {
		st->in_rph++;
	} else if (strcmp(n, "t") == 0 && st->in_is && !st->in_rph) {
		st->in_t = true;
	}
}

/* ws_cell_done: place the finished cell's value in the row. */
static void ws_cell_done(struct ws_state *st)
{
	const char *s = st->t.buf, *why = NULL;
	size_t n = st->t.len;
	int rc;

	st->next_col = st->col + 1;
	if (st->t.over) {
		xml_fail(&st->c, XZ_ETOOBIG, "cell too long");
		return;
	}
	if (st->type == CELL_SHARED && n > 0) {
		char *end;
		unsigned long long i;
		const json_t *v;
		errno = 0;
		i = strtoull(s, &end, 10);
		v = (errno || *end || end == s) ? NULL : json_array_get(st->strings, (size_t)i);
		if (!v) {
			xml_fail(&st->c, XZ_EMALFORMED, "bad shared string index");
			return;
		}
		if (json_is_null(v)) {
			xml_fail(&st->c, XZ_ETOOBIG, "cell too long");
			return;
		}
		s = json_string_value(v);
		n = json_string_length(v);
	} else if (st->type == CELL_INLINE || st->type == CELL_STR) {
		text_unescape(&st->t);
		n = st->t.len;
	} else if (st->type == CELL_BOOL && n > 0) {
		s = strcmp(s, "0") == 0 ? "FALSE" : "TRUE";
		n = strlen(s);
	}
	rc = put_cell(st->row, st->col, s, n, &why);
	if (rc)
		xml_fail(&st->c, rc, why);
}

static void ws_end(void *data, const XML_Char *name)
{
	struct ws_state *st = data;
	const char *n = local(name);
	if (strcmp(n, "row") == 0 && st->row) {
		const char *why = NULL;
		int rc = add_row(st->rows, st->row, &why);
		json_decref(st->row);
		st->row = NULL;
		if (rc)
			xml_fail(&st->c, rc, why);
	} else if (!st->in_c) {
		return;
	} else if (strcmp(n, "c") == 0) {
		st->in_c = st->in_v = st->in_is = st->in_t = false;
		st->in_rph = 0;
		ws_cell_done(st);
	} else if (strcmp(n, "v") == 0) {
		st->in_v = false;
	} else if (strcmp(n, "is") == 0) {
		st->in_is = false;
	} else if (strcmp(n, "rPh") == 0) {
		st->in_rph--;
	} else if (strcmp(n, "t") == 0) {
		st->in_t = false;
	}
}

static void ws_text(void *data, const XML_Char *s, int len)
{
	struct ws_state *st = data;
	if (st->in_c && (st->in_v || st->in_t))
		text_add(&st->t, s, len);
}

static int read_xlsx(const unsigned char *data, size_t len, json_t **rows, const char **why)
{
	zip_source_t *src = NULL;
	zip_t *z = NULL;
	zip_error_t zerr;
	XML_Parser p = NULL;
	struct wb_state *wb = NULL;
	struct rels_state *rels = NULL;
	struct sst_state *sst = NULL;
	struct ws_state *ws = NULL;
	int rc = 0;

	zip_error_init(&zerr);
	src = zip_source_buffer_create(data, len, 0, &zerr);
	if (!src)
		abort();
	z = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (!z) {
		rc = XZ_EMALFORMED;
		*why = "not an XLSX file (bad ZIP archive)";
		goto out;
	}
	src = NULL; /* owned by z now */

	wb = xz_calloc(1, sizeof(*wb));
	p = new_parser(wb);
	XML_SetStartElementHandler(p, wb_start);
	rc = xml_run(z, "xl/workbook.xml", p, &wb->c, why);
	XML_ParserFree(p);
	p = NULL;
	if (rc == XZ_ENOTFOUND) {
		rc = XZ_EMALFORMED;
		*why = "not an XLSX file (no xl/workbook.xml)";
	}
	if (rc)
		goto out;
	if (!wb->rid[0]) {
		rc = XZ_EMALFORMED;
		*why = "XLSX workbook has no worksheet";
		goto out;
	}

	rels = xz_calloc(1, sizeof(*rels));
	rels->rid = wb->rid;
	p = new_parser(rels);
	XML_SetStartElementHandler(p, rels_start);
	rc = xml_run(z, "xl/_rels/workbook.xml.rels", p, &rels->c, why);
	XML_ParserFree(p);
	p = NULL;
	if (rc && rc != XZ_ENOTFOUND)
		goto out;
	rc = 0;
	if (!rels->sheet[0])
		snprintf(rels->sheet, sizeof(rels->sheet), "xl/worksheets/sheet1.xml");
	if (!rels->sst[0])
		snprintf(rels->sst, sizeof(rels->sst), "xl/sharedStrings.xml");

	sst = xz_calloc(1, sizeof(*sst));
	sst->strings = json_array();
	p = new_parser(sst);
	XML_SetElementHandler(p, sst_start, sst_end);
	XML_SetCharacterDataHandler(p, sst_text);
	rc = xml_run(z, rels->sst, p, &sst->c, why);
	XML_ParserFree(p);
	p = NULL;
	if (rc && rc != XZ_ENOTFOUND)
		goto out;
	rc = 0;

	ws = xz_calloc(1, sizeof(*ws));
	ws->strings = sst->strings;
	ws->rows = json_array();
	p = new_parser(ws);
	XML_SetElementHandler(p, ws_start, ws_end);
	XML_SetCharacterDataHandler(p, ws_text);
	rc = xml_run(z, rels->sheet, p, &ws->c, why);
	if (rc == XZ_ENOTFOUND) {
		rc = XZ_EMALFORMED;
		*why = "XLSX worksheet is missing";
	}
	if (rc)
		goto out;
	*rows = ws->rows;
	ws->rows = NULL;
out:
	if (p)
		XML_ParserFree(p);
	if (ws) {
		json_decref(ws->row);
		json_decref(ws->rows);
		xz_free(ws);
	}
	if (sst) {
		json_decref(sst->strings);
		xz_free(sst);
	}
	xz_free(rels);
	xz_free(wb);
	if (z)
		zip_discard(z);
	zip_source_free(src);
	zip_error_fini(&zerr);
	return rc;
}

/* ---- reading: entry points --------------------------------------------- */

const char *xz_sheet_sniff(const unsigned char *data, size_t len)
{
	if (len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0)
		return "xlsx";
	return "csv";
}

int xz_sheet_read(const unsigned char *data, size_t len, const char *kind, json_t **rows,
		  const char **why)
{
	const char *reason = NULL;
	int rc;

	*rows = NULL;
	if (!data && len > 0) {
		rc = XZ_EMALFORMED;
		reason = "no data";
	} else if (kind && strcmp(kind, "csv") == 0) {
		rc = read_csv(data ? data : (const unsigned char *)"", len, rows, &reason);
	} else if (kind && strcmp(kind, "xlsx") == 0) {
		rc = read_xlsx(data, len, rows, &reason);
	} else {
		rc = XZ_EMALFORMED;
		reason = "unknown sheet kind (want csv or xlsx)";
	}
	if (why)
		*why = rc ? reason : NULL;
	return rc;
}

/* ---- writing ----------------------------------------------------------- */

/* check_shape: rows is an array (at most XZ_MAX_SHEET_ROWS) of arrays (at
 * most XZ_MAX_SHEET_COLS) of strings, numbers, booleans or null. */
static int check_shape(const json_t *rows)
{
	size_t i, j;
	json_t *row, *cell;
	if (!json_is_array(rows))
		return XZ_EMALFORMED;
	if (json_array_size(rows) > XZ_MAX_SHEET_ROWS)
		return XZ_ETOOBIG;
	json_array_foreach(rows, i, row)
	{
		if (!json_is_array(row))
			return XZ_EMALFORMED;
		if (json_array_size(row) > XZ_MAX_SHEET_COLS)
			return XZ_ETOOBIG;
		json_array_foreach(row, j, cell)
		{
			if (json_is_string(cell) && json_string_length(cell) > XZ_MAX_TEXT)
				return XZ_ETOOBIG;
			if (!json_is_string(cell) && !json_is_number(cell) &&
			    !json_is_boolean(cell) && !json_is_null(cell))
				return XZ_EMALFORMED;
		}
	}
	return 0;
}

/* cell_text: a cell's text. Numbers print into buf[32]. */
static const char *cell_text(const json_t *cell, char *buf, size_t size)
{
	if (json_is_string(cell))
		return json_string_value(cell);
	if (json_is_integer(cell)) {
		snprintf(buf, size, "%lld", (long long)json_integer_value(cell));
		return buf;
	}
	if (json_is_real(cell)) {
		snprintf(buf, size, "%.15g", json_real_value(cell));
		return buf;
	}
	if (json_is_boolean(cell))
		return json_is_true(cell) ? "TRUE" : "FALSE";
	return "";
}

/* A growing output buffer capped at XZ_MAX_RESPONSE. */
struct obuf {
	unsigned char *p;
	size_t len, cap;
};

static int obuf_reserve(struct obuf *b, size_t n)
{
	if (n > XZ_MAX_RESPONSE - b->len)
		return XZ_ETOOBIG;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		b->p = xz_realloc(b->p, cap);
		b->cap = cap;
	}
	return 0;
}

static int obuf_add(struct obuf *b, const void *s, size_t n)
{
	int rc = obuf_reserve(b, n);
	if (rc)
		return rc;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* csv_needs_quotes: RFC 4180's special characters, plus edge spaces that
 * some readers would trim. */
static bool csv_needs_quotes(const char *s, size_t n)
{
	if (n > 0 && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t'))
		return true;
	return strpbrk(s, ",\"\r\n") != NULL;
}

int xz_sheet_write_csv(const json_t *rows, unsigned char **out, size_t *len)
{
	struct obuf b = {0};
	size_t i, j;
	json_t *row, *cell;
	char num[32];
	int rc;

	*out = NULL;
	*len = 0;
	rc = check_shape(rows);
	if (rc)
		goto out;
	rc = obuf_add(&b, "\xEF\xBB\xBF", 3);
	if (rc)
		goto out;
	json_array_foreach(rows, i, row)
	{
		json_array_foreach(row, j, cell)
		{
			const char *s = cell_text(cell, num, sizeof(num));
			size_t n = json_is_string(cell) ? json_string_length(cell) : strlen(s);
			if (j > 0 && (rc = obuf_add(&b, ",", 1)))
				goto out;
			/* formula injection: a text cell a spreadsheet would take as a
			 * formula (= + - @, or a leading tab or CR) gets a leading
			 * apostrophe, so it stays text (OWASP "CSV injection") */
			char *safe = NULL;
			if (json_is_string(cell) && n > 0 && strchr("=+-@\t\r", s[0])) {
				safe = xz_malloc(n + 2);
				safe[0] = '\'';
				memcpy(safe + 1, s, n + 1);
				s = safe;
				n++;
			}
			if (csv_needs_quotes(s, n)) {
				size_t need = csv_write(NULL, 0, s, n);
				if ((rc = obuf_reserve(&b, need + 1)) == 0)
					b.len += csv_write(b.p + b.len, need + 1, s, n);
			} else {
				rc = obuf_add(&b, s, n);
			}
			xz_free(safe);
			if (rc)
				goto out;
		}
		if ((rc = obuf_add(&b, "\r\n", 2)))
			goto out;
	}
	*out = b.p;
	*len = b.len;
	b.p = NULL;
out:
	xz_free(b.p);
	return rc;
}

/* display_width: columns a string takes in Excel's default font, counting
 * East Asian wide characters double; the longest line of a multi-line
 * cell counts. */
static double display_width(const char *s)
{
	const unsigned char *u = (const unsigned char *)s; /* valid UTF-8 (jansson) */
	double w = 0, best = 0;
	while (*u) {
		size_t k = *u < 0x80 ? 1 : *u < 0xE0 ? 2 : *u < 0xF0 ? 3 : 4, i;
		uint32_t cp = k == 1 ? *u : *u & (0x7F >> k);
		for (i = 1; i < k && (u[i] & 0xC0) == 0x80; i++)
			cp = (cp << 6) | (u[i] & 0x3F);
		u += i;
		if (cp == '\n') {
			best = w > best ? w : best;
			w = 0;
		} else {
			bool wide =
			    (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
			    (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
			    (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
			    (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
			w += wide ? 2 : 1;
		}
	}
	return w > best ? w : best;
}

/* xstring_escape: s with every "_" that starts an "_xHHHH_" look-alike
 * written as "_x005F_", so a reader decoding escapes gets s back; NULL when
 * s needs no change. Caller frees. */
static char *xstring_escape(const char *s)
{
	size_t n = strlen(s), i, o = 0, extra = 0;
	char *r;
	for (i = 0; i < n; i++)
		if (is_xescape(s + i, n - i))
			extra += 6;
	if (!extra)
		return NULL;
	r = xz_malloc(n + extra + 1);
	for (i = 0; i < n; i++) {
		if (is_xescape(s + i, n - i)) {
			memcpy(r + o, "_x005F", 6);
			o += 6;
		}
		r[o++] = s[i];
	}
	r[o] = '\0';
	return r;
}

/* slurp: the whole file at path into a new buffer (caller frees). */
static int slurp(const char *path, unsigned char **out, size_t *len)
{
	int fd = -1, rc = 0;
	struct stat sb;
	unsigned char *buf = NULL;
	size_t got = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size < 0 ||
	    (unsigned long long)sb.st_size > XZ_MAX_RESPONSE) {
		rc = fd < 0 || sb.st_size < 0 ? XZ_EIO : XZ_ETOOBIG;
		goto out;
	}
	buf = xz_malloc((size_t)sb.st_size + 1);
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = XZ_EIO;
			goto out;
		}
		got += (size_t)n;
	}
	*out = buf;
	*len = got;
	buf = NULL;
out:
	xz_free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

int xz_sheet_write_xlsx(const json_t *rows, const char *sheet_name, unsigned char **out,
			size_t *len)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256], path[320];
	lxw_workbook_options opt = {0};
	lxw_workbook *wb = NULL;
	lxw_worksheet *ws;
	lxw_format *bold;
	double width[XZ_MAX_SHEET_COLS] = {0};
	size_t i, j, ncols = 0;
	json_t *row, *cell;
	char num[32];
	bool made = false;
	int fd, rc;

	*out = NULL;
	*len = 0;
	rc = check_shape(rows);
	if (rc)
		goto out;
	if (!sheet_name) {
		rc = XZ_EMALFORMED;
		goto out;
	}
	if (!tmp || !*tmp || strlen(tmp) >= sizeof(dir))
		tmp = "/tmp";
	snprintf(dir, sizeof(dir), "%s", tmp);
	snprintf(path, sizeof(path), "%s/xz-sheet-XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		rc = XZ_EIO;
		goto out;
	}
	close(fd);
	made = true;

	opt.constant_memory = 0; /* constant memory drops the autofilter */
	opt.tmpdir = dir;
	wb = workbook_new_opt(path, &opt);
	if (!wb) {
		rc = XZ_EIO;
		goto out;
	}
	if (workbook_validate_sheet_name(wb, sheet_name) != LXW_NO_ERROR) {
		rc = XZ_EMALFORMED;
		goto out;
	}
	ws = workbook_add_worksheet(wb, sheet_name);
	bold = workbook_add_format(wb);
	if (!ws || !bold) {
		rc = XZ_EINTERNAL;
		goto out;
	}
	format_set_bold(bold);

	json_array_foreach(rows, i, row)
	{
		lxw_format *f = i == 0 ? bold : NULL;
		json_array_foreach(row, j, cell)
		{
			double w = display_width(cell_text(cell, num, sizeof(num)));
			if (w > width[j])
				width[j] = w;
			if (json_is_string(cell)) {
				char *esc = xstring_escape(json_string_value(cell));
				worksheet_write_string(ws, (lxw_row_t)i, (lxw_col_t)j,
						       esc ? esc : json_string_value(cell), f);
				xz_free(esc);
			} else if (json_is_number(cell))
				worksheet_write_number(ws, (lxw_row_t)i, (lxw_col_t)j,
						       json_number_value(cell), f);
			else if (json_is_boolean(cell))
				worksheet_write_boolean(ws, (lxw_row_t)i, (lxw_col_t)j,
							json_is_true(cell), f);
		}
		if (json_array_size(row) > ncols)
			ncols = json_array_size(row);
	}
	for (j = 0; j < ncols; j++) {
		double w = width[j] + 2; /* padding, and room for the filter button */
		w = w < MIN_WIDTH ? MIN_WIDTH : w > MAX_WIDTH ? MAX_WIDTH : w;
		worksheet_set_column(ws, (lxw_col_t)j, (lxw_col_t)j, w, NULL);
	}
	if (json_array_size(rows) > 0 && ncols > 0) {
		worksheet_autofilter(ws, 0, 0, (lxw_row_t)(json_array_size(rows) - 1),
				     (lxw_col_t)(ncols - 1));
		worksheet_freeze_panes(ws, 1, 0);
	}
	if (workbook_close(wb) != LXW_NO_ERROR) {
		wb = NULL;
		rc = XZ_EIO;
		goto out;
	}
	wb = NULL;
	rc = slurp(path, out, len);
out:
	if (wb)
		workbook_close(wb); /* also frees; writes a file we then unlink */
	if (made)
		unlink(path);
	return rc;
}
