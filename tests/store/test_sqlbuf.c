/* test_sqlbuf.c — the bounds-checked SQL builder (src/store/sqlbuf.c) and
 * the arena's formatted strings (src/core/alloc.c): text and parameters as
 * built, and a limit passed ends the process loudly instead of truncating. */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "store/sqlbuf.h"
#include "unit.h"

static void test_builds_text_and_params(void)
{
	struct xz_sqlbuf b;
	xz_sql_init(&b, "SELECT id FROM units WHERE id > ");
	CHECK_EQ_INT(xz_sql_param(&b, XZ_INT(7)), 1);
	xz_sql_add(&b, " AND ");
	xz_sql_opt_eq(&b, "county_id", XZ_ID(0));
	xz_sql_add(&b, " AND name = ");
	xz_sql_param(&b, XZ_TEXT("x"));
	CHECK_EQ_STR(b.text,
		     "SELECT id FROM units WHERE id > $1 AND (CAST($2 AS BIGINT) IS NULL OR "
		     "county_id = $2) AND name = $3");
	CHECK_EQ_INT(b.n, 3);
	CHECK_EQ_INT(b.p[0].i, 7);
	CHECK_EQ_INT(b.p[1].t, XZ_V_NULL);
	CHECK_EQ_STR(b.p[2].s, "x");
	CHECK_EQ_INT(b.len, strlen(b.text));
}

/* dies: run fn in a child; true when it aborted (SIGABRT). */
static bool dies(void (*fn)(void))
{
	int st = 0;
	pid_t pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		fn();
		_exit(0);
	}
	waitpid(pid, &st, 0);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGABRT;
}

static void too_many_params(void)
{
	struct xz_sqlbuf b;
	int i;
	xz_sql_init(&b, "SELECT 1 WHERE 1 IN (");
	for (i = 0; i <= XZ_MAX_SQL_PARAMS; i++)
		xz_sql_param(&b, XZ_INT(i));
}

static void too_long(void)
{
	static char chunk[1025];
	struct xz_sqlbuf b;
	int i;
	memset(chunk, ' ', sizeof(chunk) - 1);
	xz_sql_init(&b, "SELECT 1");
	for (i = 0; i < XZ_MAX_SQL / 1024 + 1; i++)
		xz_sql_add(&b, chunk);
}

static void bad_ref(void)
{
	struct xz_sqlbuf b;
	xz_sql_init(&b, "SELECT ");
	xz_sql_ref(&b, 1);
}

static void arena_too_long(void)
{
	struct xz_arena *a = xz_arena_new();
	xz_arena_printf(a, "%*s", (int)XZ_MAX_ARENA_STRING + 1, "x");
}

static void arena_at_limit(void)
{
	struct xz_arena *a = xz_arena_new();
	char *s = xz_arena_printf(a, "%*s", (int)XZ_MAX_ARENA_STRING, "x");
	if (strlen(s) != XZ_MAX_ARENA_STRING)
		abort();
	xz_arena_free(a);
}

static void test_limits_fail_loudly(void)
{
	CHECK(dies(too_many_params));
	CHECK(dies(too_long));
	CHECK(dies(bad_ref));
	CHECK(dies(arena_too_long));
	CHECK(!dies(arena_at_limit));
}

int main(void)
{
	RUN(test_builds_text_and_params);
	RUN(test_limits_fail_loudly);
	return unit_done();
}
