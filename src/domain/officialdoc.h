/*
 * officialdoc.h — a Chinese official document (公文) rendered as PDF in the
 * layout of GB/T 9704-2012 (党政机关公文格式): red issuer header, document
 * number, red separator, centred title, recipient, 3号 body on a 22-line ×
 * 28-character grid, signature with seal area, 版记 footer and page numbers.
 * Rendering happens wholly in memory; see docs/internals/officialdoc.md.
 */
#ifndef XZ_OFFICIALDOC_H
#define XZ_OFFICIALDOC_H

#include <stddef.h>
#include <stdint.h>

struct _cairo; /* cairo_t */

/* All strings are UTF-8, borrowed for the duration of the call. */
struct xz_doc {
	const char *issuer;	   /* 发文机关, red header; required */
	const char *header_suffix; /* appended to the header, e.g. "文件"; may be NULL */
	const char *doc_number;	   /* 发文字号, e.g. "碧执领〔2026〕3号"; may be NULL */
	const char *title;	   /* 标题; required */
	const char *recipient;	   /* 主送机关, "：" is added; may be NULL */
	const char *body;	   /* 正文; required; paragraphs separated by "\n" */
	const char *signer;	   /* 发文机关署名; may be NULL */
	const char *date_cn;	   /* 成文日期, e.g. "2026年11月26日"; may be NULL */
	int seal_area;		   /* non-zero: lay out signer and date under a seal outline */
	const char *cc;		   /* 抄送, "抄送：" is prefixed; may be NULL */
	const char *printer_line;  /* 印发机关和印发日期; a "\t" splits left part from
				      right-aligned part; may be NULL */
	/* 附件 pages after the document (charts of a bulletin): attach draws
	 * page i (0 … attach_pages-1) on cr inside the text block at x, y of
	 * width w and height h (points); the page number is added. May be NULL. */
	void (*attach)(void *arg, int page, struct _cairo *cr, double x, double y, double w,
		       double h);
	void *attach_arg;
	int attach_pages;
};

/* xz_doc_render_pdf: render doc as an A4 PDF. On success returns 0 and sets
 * *pdf to a new buffer of *len bytes that the caller owns and frees with
 * xz_free. Returns XZ_EMALFORMED when issuer, title or body is missing or
 * blank or any field is not valid UTF-8; XZ_ETOOBIG when a field exceeds
 * XZ_MAX_TEXT, the body exceeds XZ_MAX_DOC_BODY or the PDF would exceed
 * XZ_MAX_PDF; XZ_EINTERNAL when cairo fails. On failure *pdf is NULL and
 * *len is 0. Safe to call from several threads at once. */
int xz_doc_render_pdf(const struct xz_doc *doc, unsigned char **pdf, size_t *len);

#define XZ_DATE_CN_LEN 32

/* xz_date_cn: day (days since 1970-01-01, see core/xtime.h) as
 * "2026年11月26日" (Arabic numerals, no leading zeros, as GB/T 9704 asks)
 * into buf, which holds at least XZ_DATE_CN_LEN bytes. Returns buf. */
char *xz_date_cn(int64_t day, char *buf);

#define XZ_TIME_CN_LEN 48

/* xz_time_cn: instant t (Asia/Shanghai) as "2026年12月3日23时59分", the
 * way a message or a document names a time, into buf (at least
 * XZ_TIME_CN_LEN bytes). Returns buf. */
char *xz_time_cn(int64_t t, char *buf);

#endif
