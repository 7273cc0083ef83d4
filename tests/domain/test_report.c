/* test_report.c — a report's reads made before its write transaction
 * (src/domain/problem_report.c): the reference data's revision moves with
 * every change a report's reads depend on (migration 022) and not with a
 * login's counters or a new problem; when it moved between the reads and
 * the transaction, the problem is stored as reads inside the transaction
 * give it (the routing that changed meanwhile), and when it did not, the
 * reads made before are the ones stored.
 *
 * A demo database in a temporary directory (SQLite). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "domain/auth.h"
#include "domain/ctx.h"
#include "domain/problem.h"
#include "domain/problem_int.h"
#include "store/db.h"
#include "unit.h"

int xz_demo_create(struct xz_db *db);

static char dir[64], path[128];
static struct xz_db *db;

static void setup(void)
{
	int applied = 0;
	if (xz_auth_init() < 0)
		abort();
	snprintf(dir, sizeof(dir), "/tmp/xz-report-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (xz_db_connect(path, &db) < 0 || xz_db_migrate(db, &applied) < 0 ||
	    xz_demo_create(db) < 0)
		abort();
}

static void teardown(void)
{
	char f[160];
	const char *ext[] = {"", "-wal", "-shm"};
	xz_db_disconnect(db);
	for (size_t i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s%s", path, ext[i]);
		unlink(f);
	}
	rmdir(dir);
}

static int64_t rev(void)
{
	int64_t n = -1;
	xz_db_int(db, "SELECT n FROM ref_revision WHERE id = 1", XZ_NOARGS, &n);
	return n;
}

/* moves: whether running sql changes the revision */
static int moves(const char *sql)
{
	int64_t before = rev();
	if (xz_db_exec(db, sql, XZ_NOARGS, NULL) < 0)
		return -1;
	return rev() != before;
}

static void test_revision_moves_with_reference_data(void)
{
	CHECK(rev() >= 1);
	CHECK_EQ_INT(moves("UPDATE categories SET name = name || '' WHERE code = 'CS01'"), 1);
	CHECK_EQ_INT(moves("UPDATE units SET name = name || '' WHERE id = (SELECT MIN(id) FROM "
			   "units)"),
		     1);
	CHECK_EQ_INT(moves("UPDATE regions SET name = name || '' WHERE level = 'township'"), 1);
	CHECK_EQ_INT(moves("UPDATE departments SET name = name || ''"), 1);
	CHECK_EQ_INT(moves("UPDATE power_items SET name = name || ''"), 1);
	CHECK_EQ_INT(moves("UPDATE list_versions SET number = number"), 1);
	CHECK_EQ_INT(moves("INSERT INTO settings (key, value) VALUES ('grid_rev', '7') ON CONFLICT "
			   "(key) DO UPDATE SET value = excluded.value"),
		     1);
	CHECK_EQ_INT(moves("UPDATE users SET disabled = disabled WHERE username = 'office'"), 1);
	CHECK_EQ_INT(
	    moves("INSERT INTO user_roles (user_id, role, granted_at) SELECT id, 'office', "
		  "0 FROM users WHERE username = 'grid'"),
	    1);
	/* what happens on every request does not make reports read twice */
	CHECK_EQ_INT(moves("UPDATE users SET failed_count = 0, locked_until = 0 WHERE username = "
			   "'office'"),
		     0);
	CHECK_EQ_INT(moves("UPDATE problems SET description = description WHERE id = (SELECT "
			   "MIN(id) FROM problems)"),
		     0);
}

struct stored {
	int64_t unit_id;
	char reason[1024];
};

static void stored(int64_t id, struct stored *out)
{
	json_t *row = NULL;
	memset(out, 0, sizeof(*out));
	if (xz_db_one(db, "SELECT unit_id, routing_reason FROM problems WHERE id = $1",
		      XZ_ARGS(XZ_INT(id)), &row) < 0)
		return;
	out->unit_id = xz_pj_int(row, "unit_id");
	snprintf(out->reason, sizeof(out->reason), "%s", xz_pj_str(row, "routing_reason") ?: "");
	json_decref(row);
}

/* report_between: read a report's plan, run `meanwhile` (committed, as
 * another request would), then write the plan in a transaction. */
static int64_t report_between(const char *meanwhile, struct stored *out)
{
	struct xz_arena *arena = xz_arena_new();
	struct xz_ctx c;
	struct xz_report_plan pl;
	struct xz_problem_report in = {.channel = "patrol",
				       .category = "CS01",
				       .description = "读写分离测试",
				       .has_pos = true,
				       .lon = 119.87,
				       .lat = 28.42};
	int64_t id = 0;
	xz_ctx_system(&c, db, arena, "test");
	CHECK_EQ_INT(xz_problem__report_read(&c, &in, &pl), 0);
	if (meanwhile)
		CHECK_EQ_INT(xz_db_exec(db, meanwhile, XZ_NOARGS, NULL), 0);
	CHECK_EQ_INT(xz_db_begin(db), 0);
	CHECK_EQ_INT(xz_problem__report_write(&c, &in, &pl, &id), 0);
	CHECK_EQ_INT(xz_db_commit(db), 0);
	xz_arena_free(arena);
	stored(id, out);
	return id;
}

static void test_changed_meanwhile_is_read_again(void)
{
	struct stored a, b, c;
	/* nothing changed: the reads made before are stored */
	CHECK(report_between(NULL, &a) > 0);
	CHECK(a.unit_id > 0);
	/* the category loses its power items between the reads and the write:
	 * stored as reading inside the transaction gives, for the office */
	CHECK(report_between("UPDATE categories SET power_codes = '[]' WHERE code = 'CS01'", &b) >
	      0);
	CHECK_EQ_INT(b.unit_id, 0);
	CHECK(strcmp(a.reason, b.reason) != 0);
	/* and a report made after the change is stored the same way */
	CHECK(report_between(NULL, &c) > 0);
	CHECK_EQ_INT(c.unit_id, b.unit_id);
	CHECK_EQ_STR(c.reason, b.reason);
}

int main(void)
{
	setup();
	RUN(test_revision_moves_with_reference_data);
	RUN(test_changed_meanwhile_is_read_again);
	teardown();
	return unit_done();
}
