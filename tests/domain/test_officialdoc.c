/* test_officialdoc.c — 公文 PDF: the text a reader sees, A4 pages, embedded
 * CJK fonts, red header, and refusal of bad input. Checked with poppler's
 * pdftotext, pdfinfo, pdffonts and pdftoppm on a temporary file.
 * Set XZ_OFFICIALDOC_OUT=/tmp/x.pdf to keep the long document for a look. */
#include <stdlib.h>
#include <unistd.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/xtime.h"
#include "domain/officialdoc.h"
#include "unit.h"

#define OUT_MAX (1u << 20)

static const char *const sentences[] = {
    "为深入推进基层综合行政执法改革，进一步规范执法行为，提升执法效能，现就有关事项通知如下。",
    "各村（社区）要建立健全网格化巡查机制，做到问题早发现、早报告、早处置。",
    "镇综合行政执法队要会同市场监管、自然资源、生态环境等部门开展联合执法行动。",
    "对群众反映强烈的违法建设、占道经营、噪声扰民等问题，要依法从严从快查处。",
    "执法人员必须持证上岗，亮证执法，全程记录执法过程，确保程序合法、证据确凿。",
    "各责任单位要于每月25日前将工作进展情况报送镇综合行政执法工作领导小组办公室。",
    "本通知自印发之日起施行，未尽事宜由镇综合行政执法工作领导小组办公室负责解释。",
};

/* A body of many paragraphs: the sentences above, repeated with numbers. */
static char *long_body(void)
{
	size_t cap = 64 * 1024, n = 0, i;
	char *b = xz_malloc(cap);
	b[0] = '\0';
	for (i = 0; i < 21; i++) {
		int w = snprintf(b + n, cap - n, "%s（%zu）%s%s", i ? "\n" : "", i + 1,
				 sentences[i % XZ_ARRAY_LEN(sentences)],
				 "请各单位结合实际，认真抓好贯彻落实，确保各项工作取得实效。");
		if (w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
	return b;
}

static struct xz_doc sample(const char *body)
{
	struct xz_doc d = {0};
	d.issuer = "碧湖镇综合行政执法工作领导小组";
	d.header_suffix = "文件";
	d.doc_number = "碧执领〔2026〕3号";
	d.title = "关于开展2026年冬季城乡环境综合整治联合执法行动的通知";
	d.recipient = "各村（社区），镇属各部门、各站所";
	d.body = body;
	d.signer = "碧湖镇综合行政执法工作领导小组";
	d.date_cn = "2026年11月26日";
	d.seal_area = 1;
	d.cc = "镇党委、镇人大、镇政府领导，县综合行政执法局。";
	d.printer_line = "碧湖镇综合行政执法工作领导小组办公室\t2026年11月26日印发";
	return d;
}

/* Write pdf to a new temporary file; path gets its name. 0 or -1. */
static int write_temp(const unsigned char *pdf, size_t len, char *path, size_t cap)
{
	int fd;
	FILE *f;
	snprintf(path, cap, "/tmp/xz_doc_XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "wb");
	if (!f) {
		close(fd);
		return -1;
	}
	if (fwrite(pdf, 1, len, f) != len) {
		fclose(f);
		return -1;
	}
	return fclose(f) ? -1 : 0;
}

/* Output of "tool path tail" (NUL-terminated, caller frees). */
static char *run(const char *tool, const char *path, const char *tail)
{
	char cmd[512];
	char *out = xz_malloc(OUT_MAX);
	size_t n = 0, got;
	FILE *p;
	out[0] = '\0';
	snprintf(cmd, sizeof(cmd), "%s '%s' %s 2>/dev/null", tool, path, tail);
	p = popen(cmd, "r");
	if (!p)
		return out;
	while (n < OUT_MAX - 1 && (got = fread(out + n, 1, OUT_MAX - 1 - n, p)) > 0)
		n += got;
	out[n] = '\0';
	pclose(p);
	return out;
}

/* s without ASCII white space or U+3000, in place, so wrapped lines join. */
static char *squeeze(char *s)
{
	char *w = s, *r = s;
	while (*r) {
		if (*r == ' ' || *r == '\n' || *r == '\r' || *r == '\t' || *r == '\f')
			r++;
		else if (!strncmp(r, "\xe3\x80\x80", 3))
			r += 3;
		else
			*w++ = *r++;
	}
	*w = '\0';
	return s;
}

static int contains(const char *hay, const char *needle)
{
	char *n = squeeze(xz_strdup(needle));
	int ok = strstr(hay, n) != NULL;
	if (!ok)
		fprintf(stderr, "  missing from PDF text: %s\n", needle);
	xz_free(n);
	return ok;
}

static void test_long_document(void)
{
	char *body = long_body(), *text = NULL, *info = NULL, *fonts = NULL, *pages;
	struct xz_doc d = sample(body);
	unsigned char *pdf = NULL;
	size_t len = 0, i;
	char path[64] = "";
	const char *keep = getenv("XZ_OFFICIALDOC_OUT");
	int npages = 0, embedded = 0;

	CHECK_EQ_INT(xz_doc_render_pdf(&d, &pdf, &len), 0);
	CHECK(pdf != NULL && len > 1000);
	if (!pdf)
		goto out;
	CHECK(!memcmp(pdf, "%PDF-", 5));
	CHECK_EQ_INT(write_temp(pdf, len, path, sizeof(path)), 0);
	if (keep) {
		FILE *f = fopen(keep, "wb");
		if (f) {
			fwrite(pdf, 1, len, f);
			fclose(f);
		}
	}

	text = squeeze(run("pdftotext -layout", path, "-"));
	CHECK(contains(text, "碧湖镇综合行政执法工作领导小组文件"));
	CHECK(contains(text, d.doc_number));
	CHECK(contains(text, d.title));
	CHECK(contains(text, "各村（社区），镇属各部门、各站所："));
	for (i = 0; i < XZ_ARRAY_LEN(sentences); i++)
		CHECK(contains(text, sentences[i]));
	CHECK(contains(text, "（21）"));
	CHECK(contains(text, d.signer));
	CHECK(contains(text, d.date_cn));
	CHECK(contains(text, "抄送：镇党委、镇人大、镇政府领导，县综合行政执法局。"));
	CHECK(contains(text, "2026年11月26日印发"));
	CHECK(contains(text, "— 1 —"));
	CHECK(contains(text, "— 2 —"));

	info = run("pdfinfo", path, "");
	CHECK(strstr(info, "595.28 x 841.89 pts (A4)") != NULL);
	pages = strstr(info, "Pages:");
	if (pages)
		npages = (int)strtol(pages + 6, NULL, 10);
	CHECK(npages >= 2);

	fonts = run("pdffonts", path, "");
	{
		char *line = fonts, *nl;
		for (; line && *line; line = nl) {
			nl = strchr(line, '\n');
			if (nl)
				*nl++ = '\0';
			if ((strstr(line, "NotoSerifCJK") || strstr(line, "FangSong") ||
			     strstr(line, "XiaoBiaoSong")) &&
			    strstr(line, " yes "))
				embedded++;
		}
	}
	CHECK(embedded >= 1);
out:
	if (path[0])
		unlink(path);
	xz_free(fonts);
	xz_free(info);
	xz_free(text);
	xz_free(pdf);
	xz_free(body);
}

/* The header and separator are red: page 1 rendered small has red pixels in
 * its top half and none in the bottom third (no seal asked for). */
static void test_header_is_red(void)
{
	struct xz_doc d = sample("本通知自印发之日起施行。");
	unsigned char *pdf = NULL;
	size_t len = 0;
	char path[64] = "", cmd[160];
	unsigned char *img = xz_malloc(OUT_MAX);
	int w = 0, h = 0, maxv = 0, top_red = 0, bottom_red = 0, x, y;
	FILE *p = NULL;
	size_t got = 0;

	d.cc = NULL;
	d.printer_line = NULL;
	d.seal_area = 0;
	CHECK_EQ_INT(xz_doc_render_pdf(&d, &pdf, &len), 0);
	if (!pdf || write_temp(pdf, len, path, sizeof(path)))
		goto out;
	snprintf(cmd, sizeof(cmd), "pdftoppm -r 30 -f 1 -l 1 '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	if (!p)
		goto out;
	CHECK_EQ_INT(fscanf(p, "P6 %d %d %d", &w, &h, &maxv), 3);
	fgetc(p);
	if (w > 0 && h > 0 && (size_t)w * (size_t)h * 3 <= OUT_MAX)
		got = fread(img, 1, (size_t)w * (size_t)h * 3, p);
	CHECK(w > 0 && got == (size_t)w * (size_t)h * 3);
	for (y = 0; got && y < h; y++)
		for (x = 0; x < w; x++) {
			const unsigned char *px = img + ((size_t)y * (size_t)w + (size_t)x) * 3;
			int red = px[0] > 180 && px[1] < 110 && px[2] < 110;
			if (red && y < h / 2)
				top_red++;
			if (red && y > 2 * h / 3)
				bottom_red++;
		}
	CHECK(top_red > 20);
	CHECK_EQ_INT(bottom_red, 0);
out:
	if (p)
		pclose(p);
	if (path[0])
		unlink(path);
	xz_free(img);
	xz_free(pdf);
}

static void test_optional_fields_absent(void)
{
	struct xz_doc d = {0};
	unsigned char *pdf = NULL;
	size_t len = 0;
	d.issuer = "碧湖镇人民政府";
	d.title = "关于调整工作时间的通知";
	d.body = "　　自2026年12月1日起，镇政府机关实行冬季作息时间。";
	CHECK_EQ_INT(xz_doc_render_pdf(&d, &pdf, &len), 0);
	CHECK(pdf != NULL && len > 0);
	xz_free(pdf);
}

static void test_rejects_bad_input(void)
{
	struct xz_doc d = sample("正文。");
	unsigned char *pdf = (unsigned char *)"x";
	size_t len = 7;
	char *big;

	d.title = NULL;
	CHECK_EQ_INT(xz_doc_render_pdf(&d, &pdf, &len), XZ_EMALFORMED);
	CHECK(pdf == NULL && len == 0);
	d.title = " \n　";
	CHECK_EQ_INT(xz_doc_render_pdf(&d, &pdf, &len), XZ_EMALFORMED);
	d = sample(NULL);
	CHECK_EQ_INT(xz_doc_render_pdf(&d, &pdf, &len), XZ_EMALFORMED);
	d = sample("\n\n");
	CHECK_EQ_INT(xz_doc_render_pdf(&d, &pdf, &len), XZ_EMALFORMED);
	d = sample("正文。");
	d.issuer = NULL;
	CHECK_EQ_INT(xz_doc_render_pdf(&d, &pdf, &len), XZ_EMALFORMED);
	CHECK_EQ_INT(xz_doc_render_pdf(NULL, &pdf, &len), XZ_EMALFORMED);
	d = sample("正文。");
	d.recipient = "\xff\xfe"; /* not UTF-8 */
	CHECK_EQ_INT(xz_doc_render_pdf(&d, &pdf, &len), XZ_EMALFORMED);

	big = xz_malloc(XZ_MAX_DOC_BODY + 2);
	memset(big, 'a', XZ_MAX_DOC_BODY + 1);
	big[XZ_MAX_DOC_BODY + 1] = '\0';
	d = sample(big);
	CHECK_EQ_INT(xz_doc_render_pdf(&d, &pdf, &len), XZ_ETOOBIG);
	CHECK(pdf == NULL);
	xz_free(big);
}

static void test_date_cn(void)
{
	char buf[XZ_DATE_CN_LEN];
	CHECK_EQ_STR(xz_date_cn(xz_days_from_civil(2026, 11, 26), buf), "2026年11月26日");
	CHECK_EQ_STR(xz_date_cn(xz_days_from_civil(2027, 1, 5), buf), "2027年1月5日");
	CHECK_EQ_STR(xz_date_cn(0, buf), "1970年1月1日");
}

int main(void)
{
	RUN(test_date_cn);
	RUN(test_rejects_bad_input);
	RUN(test_optional_fields_absent);
	RUN(test_long_document);
	RUN(test_header_is_red);
	return unit_done();
}
