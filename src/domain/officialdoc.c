/*
 * officialdoc.c — typesetting a 公文 (official document) as PDF, in memory.
 *
 * The page follows GB/T 9704-2012: A4, text block 156 × 225 mm (margins top
 * 37, left 28, right 26, bottom 35 mm) holding 22 lines of 28 characters of
 * 3号 (16 pt) type. Pango shapes and breaks each block of text (always with
 * language zh-cn, or fallback would pick Japanese glyph forms); we then place
 * its lines ourselves on a fixed line pitch, turning the page whenever the
 * next line would cross the bottom of the text block. cairo writes the PDF
 * through a callback into a buffer capped at XZ_MAX_PDF, so nothing touches
 * the file system. Licensed official fonts (仿宋_GB2312, 方正小标宋) are used
 * when installed; otherwise Noto Serif CJK SC stands in for both.
 */
#include <assert.h>
#include <cairo.h>
#include <cairo-pdf.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/xtime.h"
#include "domain/officialdoc.h"

#define MM(x) ((x)*72.0 / 25.4)
#define PAGE_W 595.28
#define PAGE_H 841.89
#define TEXT_TOP MM(37)
#define TEXT_LEFT MM(28)
#define TEXT_W (PAGE_W - MM(28) - MM(26))
#define TEXT_RIGHT (TEXT_LEFT + TEXT_W)
#define TEXT_BOTTOM (PAGE_H - MM(35))
#define LINES_PER_PAGE 22
#define CHARS_PER_LINE 28
#define PITCH ((TEXT_BOTTOM - TEXT_TOP) / LINES_PER_PAGE) /* ≈ 28.9 pt */

#define SIZE_2 22.0 /* 2号: title */
#define SIZE_3 16.0 /* 3号: body, number, signature */
#define SIZE_4 14.0 /* 4号: 版记, page numbers */
#define HEADER_MAX 40.0
#define TITLE_PITCH 33.0
#define EM_ASCENT 0.88	      /* ideographic em box above the baseline, in em */
#define SEAL_R MM(21)	      /* a 42 mm seal */
#define RED 0.902, 0.0, 0.071 /* #E60012 */

static const char *const body_fonts[] = {"FangSong_GB2312", "仿宋_GB2312",     "FangSong", "仿宋",
					 "方正仿宋_GBK",    "FZFangSong-Z02S", NULL};
static const char *const title_fonts[] = {"FZXiaoBiaoSong-B05S", "方正小标宋简体", "方正小标宋_GBK",
					  "FZXiaoBiaoSong-B05", NULL};
static const char *const number_fonts[] = {"SimSun", "宋体", NULL};
#define FALLBACK_FONT "Noto Serif CJK SC"

struct sink {
	unsigned char *buf;
	size_t len, cap;
	int over;
};

struct render {
	cairo_t *cr;
	PangoContext *pc;
	PangoLanguage *lang;
	const char *body_family, *title_family, *number_family;
	PangoWeight title_weight;
	double spacing; /* letter spacing that puts 28 characters on a line */
	double y;	/* top of the next line slot */
	int page;
};

static cairo_status_t sink_write(void *closure, const unsigned char *data, unsigned int n)
{
	struct sink *s = closure;
	if (s->len + n > XZ_MAX_PDF) {
		s->over = 1;
		return CAIRO_STATUS_WRITE_ERROR;
	}
	if (s->len + n > s->cap) {
		size_t cap = s->cap ? s->cap : 64 * 1024;
		while (cap < s->len + n)
			cap *= 2;
		if (cap > XZ_MAX_PDF)
			cap = XZ_MAX_PDF;
		s->buf = xz_realloc(s->buf, cap);
		s->cap = cap;
	}
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	return CAIRO_STATUS_SUCCESS;
}

/* The first of want that is installed, else the fallback. */
static const char *pick_family(const char *const *want, const char *fallback)
{
	PangoFontMap *fm = pango_cairo_font_map_get_default();
	PangoFontFamily **fams = NULL;
	const char *got = fallback;
	int n = 0, i;
	pango_font_map_list_families(fm, &fams, &n);
	for (; *want && got == fallback; want++)
		for (i = 0; i < n; i++)
			if (!g_ascii_strcasecmp(*want, pango_font_family_get_name(fams[i]))) {
				got = *want;
				break;
			}
	g_free(fams);
	return got;
}

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = xz_malloc(n);
	snprintf(s, n, "%s%s", a, b);
	return s;
}

/* A layout of text in family at size pt; width <= 0 means no wrapping. */
static PangoLayout *layout(struct render *r, const char *text, const char *family,
			   PangoWeight weight, double size, double width, double spacing)
{
	PangoLayout *lay = pango_layout_new(r->pc);
	PangoFontDescription *fd = pango_font_description_new();
	PangoAttrList *attrs = pango_attr_list_new();
	pango_font_description_set_family(fd, family);
	pango_font_description_set_weight(fd, weight);
	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	pango_layout_set_font_description(lay, fd);
	pango_attr_list_insert(attrs, pango_attr_language_new(r->lang));
	if (spacing != 0)
		pango_attr_list_insert(
		    attrs, pango_attr_letter_spacing_new((int)floor(spacing * PANGO_SCALE)));
	pango_layout_set_attributes(lay, attrs);
	if (width > 0) {
		pango_layout_set_width(lay, (int)floor(width * PANGO_SCALE));
		pango_layout_set_wrap(lay, PANGO_WRAP_WORD_CHAR);
	}
	pango_layout_set_text(lay, text, -1);
	pango_attr_list_unref(attrs);
	pango_font_description_free(fd);
	return lay;
}

static double layout_width(PangoLayout *lay)
{
	PangoRectangle log;
	pango_layout_get_extents(lay, NULL, &log);
	return pango_units_to_double(log.width);
}

static void page_number(struct render *r)
{
	char text[32];
	PangoLayout *lay;
	double w, x;
	snprintf(text, sizeof(text), "— %d —", r->page);
	lay = layout(r, text, r->number_family, PANGO_WEIGHT_NORMAL, SIZE_4, 0, 0);
	w = layout_width(lay);
	/* odd pages on the right, even on the left, one character in */
	x = r->page % 2 ? TEXT_RIGHT - SIZE_4 - w : TEXT_LEFT + SIZE_4;
	cairo_set_source_rgb(r->cr, 0, 0, 0);
	cairo_move_to(r->cr, x, TEXT_BOTTOM + MM(7) + 0.4 * SIZE_4);
	pango_cairo_show_layout_line(r->cr, pango_layout_get_line_readonly(lay, 0));
	g_object_unref(lay);
}

static void next_page(struct render *r)
{
	page_number(r);
	cairo_show_page(r->cr);
	r->page++;
	r->y = TEXT_TOP;
}

/* Place every line of lay, left edge x0, one per pitch, turning pages. */
static void show_lines(struct render *r, PangoLayout *lay, double x0, double size, double pitch)
{
	PangoLayoutIter *it = pango_layout_get_iter(lay);
	do {
		PangoRectangle log;
		pango_layout_iter_get_line_extents(it, NULL, &log);
		if (r->y + pitch > TEXT_BOTTOM + 0.01)
			next_page(r);
		cairo_move_to(r->cr, x0 + pango_units_to_double(log.x),
			      r->y + (pitch - size) / 2 + EM_ASCENT * size);
		pango_cairo_show_layout_line(r->cr, pango_layout_iter_get_line_readonly(it));
		r->y += pitch;
	} while (pango_layout_iter_next_line(it));
	pango_layout_iter_free(it);
}

static void hline(cairo_t *cr, double y, double width)
{
	cairo_set_line_width(cr, width);
	cairo_move_to(cr, TEXT_LEFT, y);
	cairo_line_to(cr, TEXT_RIGHT, y);
	cairo_stroke(cr);
}

/* 发文机关标志, 发文字号 and the red separator (GB/T 9704 7.2). */
static void header(struct render *r, const struct xz_doc *doc)
{
	char *text = join(doc->issuer, doc->header_suffix ? doc->header_suffix : "");
	PangoLayout *lay = NULL;
	double size, pitch, sep;
	/* as large as fits on one line, between 2号 and HEADER_MAX */
	for (size = HEADER_MAX;; size -= 1) {
		lay = layout(r, text, r->title_family, r->title_weight, size, 0, 0);
		if (size <= SIZE_2 || layout_width(lay) <= TEXT_W)
			break;
		g_object_unref(lay);
	}
	g_object_unref(lay);
	lay = layout(r, text, r->title_family, r->title_weight, size, TEXT_W, 0);
	pango_layout_set_alignment(lay, PANGO_ALIGN_CENTER);
	pitch = size * 1.15;
	r->y = TEXT_TOP + MM(35) - (pitch - size) / 2; /* top edge 35 mm into the block */
	cairo_set_source_rgb(r->cr, RED);
	show_lines(r, lay, TEXT_LEFT, size, pitch);
	g_object_unref(lay);
	r->y += 2 * PITCH; /* 下空二行 */
	if (doc->doc_number) {
		lay = layout(r, doc->doc_number, r->body_family, PANGO_WEIGHT_NORMAL, SIZE_3,
			     TEXT_W, 0);
		pango_layout_set_alignment(lay, PANGO_ALIGN_CENTER);
		cairo_set_source_rgb(r->cr, 0, 0, 0);
		show_lines(r, lay, TEXT_LEFT, SIZE_3, PITCH);
		g_object_unref(lay);
	}
	sep = r->y - (PITCH - SIZE_3) / 2 + MM(4); /* 4 mm below the number */
	cairo_set_source_rgb(r->cr, RED);
	hline(r->cr, sep, 2.0);
	r->y = sep + 2 * PITCH - (TITLE_PITCH - SIZE_2) / 2; /* 下空二行 */
	xz_free(text);
}

/* 标题: 2号, centred, lines balanced so a long title wraps symmetrically. */
static void title(struct render *r, const char *text)
{
	PangoLayout *lay = layout(r, text, r->title_family, r->title_weight, SIZE_2, TEXT_W, 0);
	int lines = pango_layout_get_line_count(lay);
	if (lines > 1) {
		double lo = TEXT_W / lines, hi = TEXT_W;
		while (hi - lo > 1) {
			double mid = (lo + hi) / 2;
			pango_layout_set_width(lay, (int)(mid * PANGO_SCALE));
			if (pango_layout_get_line_count(lay) > lines)
				lo = mid;
			else
				hi = mid;
		}
		pango_layout_set_width(lay, (int)(hi * PANGO_SCALE));
	}
	pango_layout_set_alignment(lay, PANGO_ALIGN_CENTER);
	cairo_set_source_rgb(r->cr, 0, 0, 0);
	show_lines(r, lay,
		   TEXT_LEFT + (TEXT_W - pango_units_to_double(pango_layout_get_width(lay))) / 2,
		   SIZE_2, TITLE_PITCH);
	r->y -= (TITLE_PITCH - PITCH) / 2;
	g_object_unref(lay);
}

/* One body paragraph: 3号, indented two characters, justified. */
static void paragraph(struct render *r, const char *text, int indent)
{
	PangoLayout *lay =
	    layout(r, text, r->body_family, PANGO_WEIGHT_NORMAL, SIZE_3, TEXT_W, r->spacing);
	if (indent)
		pango_layout_set_indent(lay, (int)(2 * (SIZE_3 + r->spacing) * PANGO_SCALE));
	pango_layout_set_justify(lay, TRUE);
	show_lines(r, lay, TEXT_LEFT, SIZE_3, PITCH);
	g_object_unref(lay);
}

/* Paragraphs of body (a private copy, cut in place); blank ones skipped. */
static void body(struct render *r, char *text)
{
	char *p = text, *nl;
	for (; p; p = nl) {
		size_t n;
		nl = strchr(p, '\n');
		if (nl)
			*nl++ = '\0';
		for (;;) { /* leading blanks, including U+3000 typed as an indent */
			if (*p == ' ' || *p == '\t')
				p++;
			else if (!strncmp(p, "\xe3\x80\x80", 3))
				p += 3;
			else
				break;
		}
		n = strlen(p);
		while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
			p[--n] = '\0';
		if (n)
			paragraph(r, p, 1);
	}
}

/* 发文机关署名 and 成文日期 (GB/T 9704 7.3.5). With a seal: date four
 * characters from the right, signer centred over it, both a little below the
 * centre of a 42 mm seal whose top is within a line of the body. Without:
 * signer two characters from the right, date shifted two characters right. */
static void signature(struct render *r, const struct xz_doc *doc)
{
	PangoLayout *sl = NULL, *dl = NULL;
	double c = SIZE_3 + r->spacing, sw = 0, dw = 0, sx, dx, need;
	if (doc->signer)
		sl = layout(r, doc->signer, r->body_family, PANGO_WEIGHT_NORMAL, SIZE_3, 0,
			    r->spacing);
	if (doc->date_cn)
		dl = layout(r, doc->date_cn, r->body_family, PANGO_WEIGHT_NORMAL, SIZE_3, 0,
			    r->spacing);
	if (sl)
		sw = layout_width(sl);
	if (dl)
		dw = layout_width(dl);
	if (doc->seal_area) {
		dx = TEXT_RIGHT - 4 * c - dw;
		sx = dx + dw / 2 - sw / 2;
		need = 0.25 * PITCH + 2 * SEAL_R;
	} else {
		sx = TEXT_RIGHT - 2 * c - sw;
		dx = sx + 2 * c;
		if (dx + dw > TEXT_RIGHT - 2 * c) {
			dx = TEXT_RIGHT - 2 * c - dw;
			sx = dx - 2 * c;
		}
		need = 3 * PITCH;
	}
	if (sx + sw > TEXT_RIGHT)
		sx = TEXT_RIGHT - sw;
	if (sx < TEXT_LEFT)
		sx = TEXT_LEFT;
	if (dx < TEXT_LEFT)
		dx = TEXT_LEFT;
	if (r->y + need > TEXT_BOTTOM)
		next_page(r);
	cairo_set_source_rgb(r->cr, 0, 0, 0);
	if (doc->seal_area) {
		double cy = r->y + 0.25 * PITCH + SEAL_R;
		double cx = dx + dw / 2;
		if (!dl)
			cx = sx + sw / 2;
		r->y = cy + 0.25 * PITCH - PITCH; /* signer slot; the pair sits below centre */
		if (sl)
			show_lines(r, sl, sx, SIZE_3, PITCH);
		else
			r->y += PITCH;
		if (dl)
			show_lines(r, dl, dx, SIZE_3, PITCH);
		cairo_set_source_rgb(r->cr, RED);
		cairo_set_line_width(r->cr, 1.5);
		cairo_new_path(r->cr);
		cairo_arc(r->cr, cx, cy, SEAL_R, 0, 2 * G_PI);
		cairo_stroke(r->cr);
		r->y = cy + SEAL_R;
	} else {
		r->y += PITCH; /* 下空一行 */
		if (sl)
			show_lines(r, sl, sx, SIZE_3, PITCH);
		if (dl)
			show_lines(r, dl, dx, SIZE_3, PITCH);
	}
	if (dl)
		g_object_unref(dl);
	if (sl)
		g_object_unref(sl);
}

/* 版记: 抄送 and 印发机关/日期 between rules, its last line on the last line
 * of the text block (GB/T 9704 7.4). 4号, one character in from each side. */
static void footer(struct render *r, const struct xz_doc *doc)
{
	PangoLayout *cl = NULL, *pl = NULL, *rl = NULL;
	char *cc = NULL, *left = NULL;
	const char *tab = NULL;
	double c = SIZE_4, h = 0;
	if (!doc->cc && !doc->printer_line)
		return;
	if (doc->cc) {
		PangoLayout *label =
		    layout(r, "抄送：", r->body_family, PANGO_WEIGHT_NORMAL, SIZE_4, 0, 0);
		double lw = layout_width(label);
		g_object_unref(label);
		cc = join("抄送：", doc->cc);
		cl = layout(r, cc, r->body_family, PANGO_WEIGHT_NORMAL, SIZE_4, TEXT_W - 2 * c, 0);
		pango_layout_set_indent(cl, -(int)(lw * PANGO_SCALE)); /* wrap under the name */
		h += pango_layout_get_line_count(cl) * PITCH;
	}
	if (doc->printer_line) {
		tab = strchr(doc->printer_line, '\t');
		left = tab ? xz_strndup(doc->printer_line, (size_t)(tab - doc->printer_line))
			   : xz_strdup(doc->printer_line);
		pl =
		    layout(r, left, r->body_family, PANGO_WEIGHT_NORMAL, SIZE_4, TEXT_W - 2 * c, 0);
		if (tab) {
			rl = layout(r, tab + 1, r->body_family, PANGO_WEIGHT_NORMAL, SIZE_4,
				    TEXT_W - 2 * c, 0);
			pango_layout_set_alignment(rl, PANGO_ALIGN_RIGHT);
		}
		h += pango_layout_get_line_count(pl) * PITCH;
	}
	if (r->y + h > TEXT_BOTTOM)
		next_page(r);
	r->y = TEXT_BOTTOM - h;
	cairo_set_source_rgb(r->cr, 0, 0, 0);
	hline(r->cr, r->y, MM(0.35));
	if (cl)
		show_lines(r, cl, TEXT_LEFT + c, SIZE_4, PITCH);
	if (cl && pl)
		hline(r->cr, r->y, MM(0.25));
	if (pl) {
		double y = r->y;
		show_lines(r, pl, TEXT_LEFT + c, SIZE_4, PITCH);
		if (rl) {
			r->y = y;
			show_lines(r, rl, TEXT_LEFT + c, SIZE_4, PITCH);
		}
	}
	hline(r->cr, TEXT_BOTTOM, MM(0.35));
	if (rl)
		g_object_unref(rl);
	if (pl)
		g_object_unref(pl);
	if (cl)
		g_object_unref(cl);
	xz_free(left);
	xz_free(cc);
}

/* Non-blank after removing ASCII blanks, newlines and U+3000. */
static int has_text(const char *s)
{
	for (; s && *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
			continue;
		if (!strncmp(s, "\xe3\x80\x80", 3)) {
			s += 2;
			continue;
		}
		return 1;
	}
	return 0;
}

static int check_field(const char *s, size_t max)
{
	size_t n;
	if (!s)
		return 0;
	n = strlen(s);
	if (n > max)
		return XZ_ETOOBIG;
	if (!g_utf8_validate(s, (gssize)n, NULL))
		return XZ_EMALFORMED;
	return 0;
}

static int check_doc(const struct xz_doc *doc)
{
	const char *fields[9];
	size_t i;
	int rc;
	if (!doc || !has_text(doc->issuer) || !has_text(doc->title) || !has_text(doc->body))
		return XZ_EMALFORMED;
	fields[0] = doc->issuer;
	fields[1] = doc->header_suffix;
	fields[2] = doc->doc_number;
	fields[3] = doc->title;
	fields[4] = doc->recipient;
	fields[5] = doc->signer;
	fields[6] = doc->date_cn;
	fields[7] = doc->cc;
	fields[8] = doc->printer_line;
	for (i = 0; i < XZ_ARRAY_LEN(fields); i++)
		if ((rc = check_field(fields[i], XZ_MAX_TEXT)))
			return rc;
	return check_field(doc->body, XZ_MAX_DOC_BODY);
}

int xz_doc_render_pdf(const struct xz_doc *doc, unsigned char **pdf, size_t *len)
{
	struct sink sink = {0};
	struct render r = {0};
	cairo_surface_t *surface = NULL;
	cairo_font_options_t *fo = NULL;
	char *text = NULL;
	int rc;

	assert(pdf && len);
	*pdf = NULL;
	*len = 0;
	if ((rc = check_doc(doc)))
		goto out;

	surface = cairo_pdf_surface_create_for_stream(sink_write, &sink, PAGE_W, PAGE_H);
	r.cr = cairo_create(surface);
	if (cairo_status(r.cr) != CAIRO_STATUS_SUCCESS) {
		rc = sink.over ? XZ_ETOOBIG : XZ_EINTERNAL;
		goto out;
	}
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, doc->title);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_AUTHOR, doc->issuer);
	cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "Xiezhi");

	r.pc = pango_cairo_create_context(r.cr);
	r.lang = pango_language_from_string("zh-cn");
	pango_context_set_language(r.pc, r.lang);
	pango_cairo_context_set_resolution(r.pc, 72);
	fo = cairo_font_options_create();
	cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
	cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_NONE);
	pango_cairo_context_set_font_options(r.pc, fo);
	r.body_family = pick_family(body_fonts, FALLBACK_FONT);
	r.title_family = pick_family(title_fonts, FALLBACK_FONT);
	/* a licensed 小标宋 is already heavy; only the stand-in needs Bold */
	r.title_weight =
	    strcmp(r.title_family, FALLBACK_FONT) ? PANGO_WEIGHT_NORMAL : PANGO_WEIGHT_BOLD;
	r.number_family = pick_family(number_fonts, FALLBACK_FONT);
	r.spacing = (TEXT_W - CHARS_PER_LINE * SIZE_3) / CHARS_PER_LINE - 1.0 / PANGO_SCALE;
	r.page = 1;

	header(&r, doc);
	title(&r, doc->title);
	r.y += PITCH; /* 下空一行 */
	if (has_text(doc->recipient)) {
		char *to = join(doc->recipient, "：");
		paragraph(&r, to, 0);
		xz_free(to);
	}
	text = xz_strdup(doc->body);
	body(&r, text);
	if (doc->signer || doc->date_cn)
		signature(&r, doc);
	footer(&r, doc);
	page_number(&r);
	cairo_show_page(r.cr);
	for (int i = 0; doc->attach && i < doc->attach_pages; i++) {
		r.page++;
		cairo_save(r.cr);
		doc->attach(doc->attach_arg, i, r.cr, TEXT_LEFT, TEXT_TOP, TEXT_W, TEXT_BOTTOM - TEXT_TOP);
		cairo_restore(r.cr);
		page_number(&r);
		cairo_show_page(r.cr);
	}

	if (cairo_status(r.cr) != CAIRO_STATUS_SUCCESS) {
		rc = sink.over ? XZ_ETOOBIG : XZ_EINTERNAL;
		goto out;
	}
	cairo_surface_finish(surface);
	if (cairo_surface_status(surface) != CAIRO_STATUS_SUCCESS) {
		rc = sink.over ? XZ_ETOOBIG : XZ_EINTERNAL;
		goto out;
	}
	*pdf = sink.buf;
	*len = sink.len;
	sink.buf = NULL;
	rc = 0;
out:
	xz_free(text);
	if (fo)
		cairo_font_options_destroy(fo);
	if (r.pc)
		g_object_unref(r.pc);
	if (r.cr)
		cairo_destroy(r.cr);
	if (surface)
		cairo_surface_destroy(surface);
	xz_free(sink.buf);
	return rc;
}

char *xz_date_cn(int64_t day, char *buf)
{
	int y, m, d;
	xz_civil_from_days(day, &y, &m, &d);
	snprintf(buf, XZ_DATE_CN_LEN, "%d年%d月%d日", y, m, d);
	return buf;
}

char *xz_time_cn(int64_t t, char *buf)
{
	char d[XZ_DATE_CN_LEN];
	int64_t local = t + XZ_TZ_OFFSET;
	snprintf(buf, XZ_TIME_CN_LEN, "%s%02d时%02d分", xz_date_cn(xz_day_of(t), d),
		 (int)((local % 86400 + 86400) % 86400 / 3600),
		 (int)((local % 3600 + 3600) % 3600 / 60));
	return buf;
}
