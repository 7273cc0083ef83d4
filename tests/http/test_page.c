/* test_page.c — a page written as the database reads it (xz_page_row,
 * src/http/resp.c) is byte for byte the answer xz_reply_page gives for the
 * same rows as a tree: the columns xz_present rewrites (times, is_* flags,
 * domains, x_json text parsed and moved after the row's other fields, or
 * left where it is when NULL), and "next" on a full page and not on a short
 * one; text that is not UTF-8 as "" and a NUL as \u0000, as the tree reads them. */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "http/http.h"
#include "http/jsonw.h"
#include "store/db.h"
#include "unit.h"

#define NCOLS 12

/* row k of the test's rows: the columns a list query might read */
static void fill(struct xz_col *cols, int k)
{
	static const char *const names[NCOLS] = {
	    "id",	 "name",    "checked_json", "is_done", "created_at", "broken_json",
	    "null_json", "domains", "distance_m",   "state",   "count",   "text"};
	static const char *const checked[] = {"[1,2]", NULL, "{\"a\":[true]}"};
	int c;
	memset(cols, 0, NCOLS * sizeof(*cols));
	for (c = 0; c < NCOLS; c++)
		cols[c].name = names[c];
	cols[0] = (struct xz_col){names[0], XZ_COL_INT, .i = 10 + k};
	cols[1] = (struct xz_col){names[1], XZ_COL_TEXT, .s = "碧湖镇 \"网格\"",
				  .len = strlen("碧湖镇 \"网格\"")};
	if (checked[k % 3])
		cols[2] = (struct xz_col){names[2], XZ_COL_TEXT, .s = checked[k % 3],
					  .len = strlen(checked[k % 3])};
	cols[3] = (struct xz_col){names[3], XZ_COL_INT, .i = k % 2};
	cols[4] = (struct xz_col){names[4], XZ_COL_INT, .i = 1795000000 + k};
	cols[5] = (struct xz_col){names[5], XZ_COL_TEXT, .s = "not json", .len = 8};
	cols[7] = (struct xz_col){names[7], XZ_COL_TEXT, .s = "[\"CS\"]", .len = 6};
	cols[8] = (struct xz_col){names[8], XZ_COL_REAL, .d = 148.09246597457914 + k};
	cols[9] = (struct xz_col){names[9], XZ_COL_TEXT, .s = "done", .len = 4};
	cols[10] = (struct xz_col){names[10], XZ_COL_INT, .i = k};
	/* not UTF-8; or UTF-8 with a NUL, which jansson keeps (as \u0000) */
	cols[11] = k % 2 ? (struct xz_col){names[11], XZ_COL_TEXT, .s = "镇\xe9\xff", .len = 5}
			 : (struct xz_col){names[11], XZ_COL_TEXT, .s = "镇\0x", .len = 5};
}

/* same_page: n rows with limit, written both ways */
static int same_page(int n, int64_t limit)
{
	struct xz_req a = {0}, b = {0};
	struct xz_col cols[NCOLS];
	struct xz_page pg;
	json_t *rows = json_array();
	char *want;
	size_t len = 0;
	int k, ok;
	a.arena = xz_arena_new();
	b.arena = xz_arena_new();
	xz_page_begin(&a, &pg, limit);
	for (k = 0; k < n; k++) {
		fill(cols, k);
		xz_page_row(&pg, cols, NCOLS);
		xz_db_rows(rows, cols, NCOLS); /* as xz_db_query makes it */
	}
	xz_page_reply(&pg, 0);
	xz_reply_page(&b, rows, limit);
	want = xz_json_dump(b.out, &len);
	ok = a.raw && a.raw_len == len && !memcmp(a.raw, want, len);
	if (!ok)
		fprintf(stderr, "  tree: %s\n  page: %.*s\n", want, (int)a.raw_len, (char *)a.raw);
	free(want);
	xz_free(a.raw);
	json_decref(b.out);
	xz_arena_free(a.arena);
	xz_arena_free(b.arena);
	return ok;
}

static void test_full_page(void)
{
	CHECK(same_page(3, 3));
}

static void test_short_and_empty_pages(void)
{
	CHECK(same_page(2, 5));
	CHECK(same_page(0, 5));
}

int main(void)
{
	RUN(test_full_page);
	RUN(test_short_and_empty_pages);
	return unit_done();
}
