/* test_store.c — the SQLite side of the storage layer under concurrency
 * (src/store/db.c, db_sqlite.c): the one writer with group commit, the
 * prepared-statement cache, the open-state lists that migrations 015 and 024's
 * partial indexes must repeat word for word, and the visited row a domain
 * adds columns to (xz_row_with).
 *
 * A real database file in a temporary directory; threads stand in for
 * concurrent requests. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xz.h"
#include "domain/fsm.h"
#include "domain/problem.h"
#include "store/db.h"
#include "store/migrations.h"
#include "unit.h"

enum { THREADS = 16, PER_THREAD = 20 };

static char dir[64], path[128];
static struct xz_pool *pool;

static void setup(void)
{
	struct xz_db *db = NULL;
	snprintf(dir, sizeof(dir), "/tmp/xz-store-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (xz_db_connect(path, &db) < 0 ||
	    xz_db_script(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, who INTEGER NOT NULL, "
			     "k INTEGER NOT NULL UNIQUE)") < 0)
		abort();
	xz_db_disconnect(db);
	if (xz_pool_open(path, 8, &pool) < 0)
		abort();
}

static void teardown(void)
{
	char f[160];
	const char *ext[] = {"", "-wal", "-shm"};
	xz_pool_close(pool);
	for (size_t i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s%s", path, ext[i]);
		unlink(f);
	}
	rmdir(dir);
}

static int64_t count(const char *sql)
{
	struct xz_db *db = xz_pool_get(pool);
	int64_t n = -1;
	xz_db_int(db, sql, XZ_NOARGS, &n);
	xz_pool_put(pool, db);
	return n;
}

struct worker {
	int who, committed, failed, visible_after;
};

/* each transaction inserts one row; odd workers roll every third back,
 * and right after its commit returns, a row must be readable elsewhere */
static void *work(void *arg)
{
	struct worker *w = arg;
	for (int i = 0; i < PER_THREAD; i++) {
		struct xz_db *db = xz_pool_get(pool);
		int64_t k = (int64_t)w->who * 1000 + i, seen = 0;
		bool keep = !(w->who % 2 && i % 3 == 0);
		int rc = xz_db_begin(db);
		if (rc == 0)
			rc = xz_db_exec(db, "INSERT INTO t (who, k) VALUES ($1, $2)",
					XZ_ARGS(XZ_INT(w->who), XZ_INT(k)), NULL);
		if (rc == 0 && keep)
			rc = xz_db_commit(db);
		else
			xz_db_rollback(db);
		xz_pool_put(pool, db);
		if (!keep)
			continue;
		if (rc < 0) {
			w->failed++;
			continue;
		}
		w->committed++;
		db = xz_pool_get(pool); /* another connection, most likely */
		if (xz_db_int(db, "SELECT COUNT(*) FROM t WHERE k = $1", XZ_ARGS(XZ_INT(k)),
			      &seen) == 0 &&
		    seen == 1)
			w->visible_after++;
		xz_pool_put(pool, db);
	}
	return NULL;
}

static void test_group_commit(void)
{
	pthread_t th[THREADS];
	struct worker w[THREADS];
	int committed = 0, failed = 0, visible = 0;
	for (int i = 0; i < THREADS; i++) {
		w[i] = (struct worker){.who = i};
		pthread_create(&th[i], NULL, work, &w[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		committed += w[i].committed;
		failed += w[i].failed;
		visible += w[i].visible_after;
	}
	CHECK_EQ_INT(failed, 0);
	/* odd workers rolled back 7 of their 20 */
	CHECK_EQ_INT(committed, THREADS * PER_THREAD - (THREADS / 2) * 7);
	CHECK_EQ_INT(visible, committed);
	CHECK_EQ_INT(count("SELECT COUNT(*) FROM t"), committed);
	CHECK_EQ_INT(count("SELECT COUNT(*) FROM t WHERE who % 2 = 1 AND (k % 1000) % 3 = 0"), 0);
}

/* a unique violation inside a transaction costs that transaction only */
static void test_conflict_is_one_statement(void)
{
	struct xz_db *a = xz_pool_get(pool);
	int64_t before = count("SELECT COUNT(*) FROM t");
	CHECK_EQ_INT(xz_db_begin(a), 0);
	CHECK_EQ_INT(xz_db_exec(a, "INSERT INTO t (who, k) VALUES (99, 990001)", XZ_NOARGS, NULL),
		     0);
	CHECK_EQ_INT(xz_db_exec(a, "INSERT INTO t (who, k) VALUES (99, 990001)", XZ_NOARGS, NULL),
		     XZ_ECONFLICT);
	CHECK_EQ_INT(xz_db_commit(a), 0);
	xz_pool_put(pool, a);
	CHECK_EQ_INT(count("SELECT COUNT(*) FROM t"), before + 1);
}

/* a reader is not held up by an open write transaction: it sees the
 * last committed state at once */
static void test_reader_does_not_wait(void)
{
	struct xz_db *w = xz_pool_get(pool), *r = xz_pool_get(pool);
	int64_t before = -1, during = -1;
	xz_db_int(r, "SELECT COUNT(*) FROM t", XZ_NOARGS, &before);
	CHECK_EQ_INT(xz_db_begin(w), 0);
	CHECK_EQ_INT(xz_db_exec(w, "INSERT INTO t (who, k) VALUES (98, 980001)", XZ_NOARGS, NULL),
		     0);
	CHECK_EQ_INT(xz_db_int(r, "SELECT COUNT(*) FROM t", XZ_NOARGS, &during), 0);
	CHECK_EQ_INT(during, before);
	CHECK_EQ_INT(xz_db_commit(w), 0);
	CHECK_EQ_INT(xz_db_int(r, "SELECT COUNT(*) FROM t", XZ_NOARGS, &during), 0);
	CHECK_EQ_INT(during, before + 1);
	xz_pool_put(pool, w);
	xz_pool_put(pool, r);
}

/* a write outside a transaction goes through the writer and is kept */
static void test_single_write(void)
{
	struct xz_db *db = xz_pool_get(pool);
	int64_t ch = 0;
	CHECK_EQ_INT(xz_db_exec(db, "UPDATE t SET who = who WHERE who = 98", XZ_NOARGS, &ch), 0);
	CHECK_EQ_INT(ch, 1);
	CHECK_EQ_INT(xz_db_exec(db, "DELETE FROM t WHERE who = 98", XZ_NOARGS, &ch), 0);
	CHECK_EQ_INT(ch, 1);
	xz_pool_put(pool, db);
	CHECK_EQ_INT(count("SELECT COUNT(*) FROM t WHERE who = 98"), 0);
}

/* the statement cache: more distinct texts than it holds, each run with
 * several bindings, all answer correctly */
static void test_statement_cache(void)
{
	struct xz_db *db = xz_pool_get(pool);
	char sql[96];
	int bad = 0;
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 300; i++) {
			int64_t v = -1;
			snprintf(sql, sizeof(sql), "SELECT $1 + %d", i);
			if (xz_db_int(db, sql, XZ_ARGS(XZ_INT(round)), &v) < 0 || v != round + i)
				bad++;
		}
	CHECK_EQ_INT(bad, 0);
	xz_pool_put(pool, db);
}

/* the partial indexes on open problems (migrations 015 and 024) name the
 * open states as the machine writes them into queries; SQLite uses them
 * only on an exact match */
static void test_partial_indexes_match_machine(void)
{
	const struct xz_migration *m;
	char want[512];
	int seen = 0, lists = 0;
	snprintf(want, sizeof(want), "WHERE state IN (%s);", xz_fsm_open_sql(&xz_problem_fsm));
	for (m = xz_migrations; m->name; m++) {
		const char *p;
		if (m->version < 15 || m->engine != XZ_DB_SQLITE)
			continue;
		for (p = m->sql; (p = strstr(p, "WHERE state IN (")); p++)
			lists++;
		for (p = m->sql; (p = strstr(p, want)); p++)
			seen++;
	}
	CHECK_EQ_INT(seen, lists);
	CHECK_EQ_INT(seen, 3);
}

/* migration 028's partial indexes say the open states as the queries that
 * use them do (xz_fsm_open_cond, XZ_PROBLEM_TIMED_COND), word for word */
static void test_partial_indexes_or(void)
{
	const struct xz_migration *m;
	char open[1024], timed[1024];
	int n_open = 0, n_timed = 0, n_where = 0;
	snprintf(open, sizeof(open), "WHERE %s;", xz_fsm_open_cond(&xz_problem_fsm, ""));
	snprintf(timed, sizeof(timed), "WHERE %s;", XZ_PROBLEM_TIMED_COND(""));
	for (m = xz_migrations; m->name; m++) {
		const char *p;
		if (m->version < 28 || m->engine != XZ_DB_SQLITE)
			continue;
		for (p = m->sql; (p = strstr(p, "WHERE (state = ")); p++)
			n_where++;
		for (p = m->sql; (p = strstr(p, open)); p++)
			n_open++;
		for (p = m->sql; (p = strstr(p, timed)); p++)
			n_timed++;
	}
	CHECK_EQ_INT(n_open, 2);
	CHECK_EQ_INT(n_timed, 1);
	CHECK_EQ_INT(n_where, n_open + n_timed);
}

/* the six timed states are written twice in problem.h, as a list and as
 * comparisons: the same states in the same order, each an open state */
static void test_timed_states_agree(void)
{
	const char *l = XZ_PROBLEM_TIMED_LIST, *c = XZ_PROBLEM_TIMED_COND("");
	char open[512];
	int n = 0;
	snprintf(open, sizeof(open), ",%s,", xz_fsm_open_sql(&xz_problem_fsm));
	while ((l = strchr(l, '\''))) {
		size_t k = strcspn(l + 1, "'");
		char want[64], item[64];
		snprintf(want, sizeof(want), "state = '%.*s'", (int)k, l + 1);
		snprintf(item, sizeof(item), "'%.*s'", (int)k, l + 1);
		c = strstr(c, want);
		CHECK(c != NULL);
		CHECK(strstr(open, item) != NULL);
		if (!c)
			return;
		c += strlen(want);
		l += k + 2;
		n++;
	}
	CHECK_EQ_INT(n, 6);
	CHECK(strchr(c, '\'') == NULL);
}

/* seen: what a visitor was handed (names by pointer: the columns' own) */
struct seen {
	int n;
	const char *name[80];
	int64_t i[80];
};

static int see(void *arg, const struct xz_col *cols, int n)
{
	struct seen *s = arg;
	int c;
	s->n = n;
	for (c = 0; c < n && c < 80; c++) {
		s->name[c] = cols[c].name;
		s->i[c] = xz_col_int(cols, n, cols[c].name);
	}
	return n == 3 ? -7 : 0; /* fn's answer is xz_row_with's */
}

static void test_row_with(void)
{
	static char names[72][16];
	const struct xz_col row[] = {
	    {.name = "id", .t = XZ_COL_INT, .i = 5},
	    {.name = "late", .t = XZ_COL_NULL},
	    {.name = "state", .t = XZ_COL_TEXT, .s = "open", .len = 4},
	};
	const struct xz_col more[] = {
	    {.name = "late", .t = XZ_COL_INT, .i = 1},
	    {.name = "left", .t = XZ_COL_INT, .i = 60},
	};
	struct xz_col wide[72];
	struct seen s = {0};
	int c;
	CHECK_EQ_INT(xz_col_int(row, 3, "id"), 5);
	CHECK_EQ_INT(xz_col_int(row, 3, "state"), 0);
	CHECK_EQ_INT(xz_col_int(row, 3, "none"), 0);
	CHECK_EQ_STR(xz_col_text(row, 3, "state"), "open");
	CHECK(xz_col_text(row, 3, "id") == NULL && xz_col_text(row, 3, "late") == NULL);
	/* a column of the row is replaced in its place; the others follow */
	CHECK_EQ_INT(xz_row_with(see, &s, row, 3, more, 2), 0);
	CHECK_EQ_INT(s.n, 4);
	CHECK(s.name[0] == row[0].name && s.name[2] == row[2].name);
	CHECK_EQ_STR(s.name[1], "late");
	CHECK_EQ_STR(s.name[3], "left");
	CHECK_EQ_INT(s.i[1], 1);
	CHECK_EQ_INT(s.i[3], 60);
	CHECK_EQ_INT(xz_row_with(see, &s, row, 3, more, 0), -7);
	/* wider than the stack's 64 */
	for (c = 0; c < 72; c++) {
		snprintf(names[c], sizeof(names[c]), "c%d", c);
		wide[c] = (struct xz_col){.name = names[c], .t = XZ_COL_INT, .i = c};
	}
	CHECK_EQ_INT(xz_row_with(see, &s, wide, 70, more, 2), 0);
	CHECK_EQ_INT(s.n, 72);
	CHECK_EQ_INT(s.i[69], 69);
	CHECK_EQ_STR(s.name[70], "late");
	CHECK_EQ_INT(s.i[71], 60);
}

int main(void)
{
	setup();
	RUN(test_group_commit);
	RUN(test_conflict_is_one_statement);
	RUN(test_reader_does_not_wait);
	RUN(test_single_write);
	RUN(test_statement_cache);
	RUN(test_partial_indexes_match_machine);
	RUN(test_partial_indexes_or);
	RUN(test_timed_states_agree);
	RUN(test_row_with);
	teardown();
	return unit_done();
}
