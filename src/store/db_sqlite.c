/*
 * db_sqlite.c — the SQLite driver behind db.h.
 *
 * Durability: WAL journal with synchronous=FULL, so a COMMIT that returned
 * has reached the disk and survives a power cut. foreign_keys=ON, and a busy
 * timeout so concurrent writers queue instead of failing. Placeholders $N are
 * bound by name because SQLite numbers them by first appearance.
 *
 * Each connection keeps the statements it has prepared (up to
 * XZ_SQ_STMTS, keyed by SQL text, prepared with SQLITE_PREPARE_PERSISTENT),
 * as db_pg.c does on PostgreSQL: parsing and planning were about half of the
 * instructions of a report and of /me. A cached statement is reset and its
 * bindings cleared after each use, so it holds no read snapshot and no
 * pointer into a caller's memory. When the cache is full, further texts are
 * prepared for one use and finalized, as before. SQLite re-prepares a cached
 * statement by itself when the schema changes.
 *
 * Connections are opened NOMUTEX: a connection is only ever used by one
 * thread at a time (the pool lends each to one request; the writer's is
 * handed from holder to holder under its mutex), so SQLite's own mutex
 * around every call — 140 instructions for each column of each row read,
 * a tenth of a 50-row list — guarded nothing.
 *
 * temp_store=MEMORY: each transaction on the writer is a SAVEPOINT inside
 * its batch, and SQLite keeps a sub-journal of the pages it changes; past
 * 64 KiB (a report changes ~30 pages) it spilled that to a temporary file,
 * created, unlinked and closed in /var/tmp for every report, and it gave
 * each small ephemeral table (an IN list, a RETURNING clause) a pager with
 * an 88 KiB bulk allocation, mmapped and unmapped each time. Held in memory
 * instead: reports went from ~950 to ~1,300 a second on the 1M fill, p99
 * 110 → 75 ms (bench/README.md). The sorter still spills large sorts to
 * temporary files; queries are capped at XZ_MAX_ROWS rows.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/limits.h"
#include "core/log.h"
#include "store/db.h"

#define XZ_SQ_STMTS 256

/* statements held in the caches of every connection (metrics) */
static _Atomic long cached_total;

struct sqc {
	sqlite3 *h;
	int n;
	struct {
		uint64_t hash;
		char *sql;
		sqlite3_stmt *st;
	} stmts[XZ_SQ_STMTS];
};

static int sq_connect(const char *url, void **conn)
{
	struct sqc *sc;
	sqlite3 *h = NULL;
	char *err = NULL;
	int rc;
	if (!strncmp(url, "sqlite://", 9))
		url += 9;
	rc = sqlite3_open_v2(url, &h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		xz_log_error("sqlite open %s: %s", url, h ? sqlite3_errmsg(h) : "no memory");
		sqlite3_close(h);
		return XZ_EDB;
	}
	sqlite3_busy_timeout(h, 10000);
	rc = sqlite3_exec(h,
			  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
			  "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
			  NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		xz_log_error("sqlite pragmas: %s", err ? err : "?");
		sqlite3_free(err);
		sqlite3_close(h);
		return XZ_EDB;
	}
	sc = xz_calloc(1, sizeof(*sc));
	sc->h = h;
	*conn = sc;
	return 0;
}

static void sq_disconnect(void *conn)
{
	struct sqc *sc = conn;
	int i;
	for (i = 0; i < sc->n; i++) {
		sqlite3_finalize(sc->stmts[i].st);
		xz_free(sc->stmts[i].sql);
	}
	cached_total -= sc->n;
	sqlite3_close_v2(sc->h);
	xz_free(sc);
}

void xz_db_sqlite_memory(int64_t *bytes, long *statements)
{
	*bytes = sqlite3_memory_used();
	*statements = cached_total;
}

void xz_db_sqlite_budget(int64_t bytes)
{
	sqlite3_soft_heap_limit64(bytes);
}

static const char *sq_errmsg(void *conn)
{
	return sqlite3_errmsg(((struct sqc *)conn)->h);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* prepare: sql's statement on this connection, from the cache or prepared
 * now (and cached while there is room). *cached tells whether the caller
 * must reset it (cached) or finalize it (not cached) after use. */
static int prepare(struct sqc *sc, const char *sql, sqlite3_stmt **st, bool *cached)
{
	uint64_t h = fnv1a(sql);
	int i, rc;
	*st = NULL;
	*cached = false;
	for (i = 0; i < sc->n; i++)
		if (sc->stmts[i].hash == h && !strcmp(sc->stmts[i].sql, sql)) {
			*st = sc->stmts[i].st;
			*cached = true;
			return SQLITE_OK;
		}
	if (sc->n >= XZ_SQ_STMTS)
		return sqlite3_prepare_v2(sc->h, sql, -1, st, NULL);
	rc = sqlite3_prepare_v3(sc->h, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc != SQLITE_OK || !*st)
		return rc;
	sc->stmts[sc->n].hash = h;
	sc->stmts[sc->n].sql = xz_strdup(sql);
	sc->stmts[sc->n].st = *st;
	sc->n++;
	cached_total++;
	*cached = true;
	return SQLITE_OK;
}

static int map_rc(sqlite3 *h, int rc)
{
	int ext = sqlite3_extended_errcode(h);
	if (rc == SQLITE_CONSTRAINT) {
		if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY ||
		    ext == SQLITE_CONSTRAINT_FOREIGNKEY)
			return XZ_ECONFLICT;
		if (ext == SQLITE_CONSTRAINT_TRIGGER)
			return XZ_EFORBIDDEN;
	}
	return XZ_EDB;
}

/* bind_all: p[k - 1] to the statement's parameter $k, for each it has
 * (a parameter past n stays NULL; a value it does not use is left out).
 * SQLite numbers "$k" by first appearance, not by k: the names are read
 * back, which costs a few compares where looking each "$k" up by name cost
 * a snprintf and a search (~1,000 instructions a value, ~86 values a
 * report; callgrind, bench/profile.sh) */
static int bind_all(sqlite3_stmt *st, const struct xz_val *p, int n)
{
	int idx, count = sqlite3_bind_parameter_count(st), rc = SQLITE_OK;
	for (idx = 1; idx <= count && rc == SQLITE_OK; idx++) {
		const char *name = sqlite3_bind_parameter_name(st, idx);
		long k;
		if (!name || name[0] != '$' || (k = strtol(name + 1, NULL, 10)) < 1 || k > n)
			continue;
		switch (p[k - 1].t) {
		case XZ_V_NULL: rc = sqlite3_bind_null(st, idx); break;
		case XZ_V_INT: rc = sqlite3_bind_int64(st, idx, p[k - 1].i); break;
		case XZ_V_REAL: rc = sqlite3_bind_double(st, idx, p[k - 1].d); break;
		case XZ_V_TEXT: rc = sqlite3_bind_text(st, idx, p[k - 1].s, -1, SQLITE_STATIC); break;
		}
	}
	return rc;
}

/* read_column: column c of the current row, as the interface gives it */
static void read_column(sqlite3_stmt *st, int c, struct xz_col *col)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_INTEGER: col->t = XZ_COL_INT, col->i = sqlite3_column_int64(st, c); break;
	case SQLITE_FLOAT: col->t = XZ_COL_REAL, col->d = sqlite3_column_double(st, c); break;
	case SQLITE_NULL: col->t = XZ_COL_NULL; break;
	default: /* TEXT, and a BLOB read as text */
		col->t = XZ_COL_TEXT;
		col->s = (const char *)sqlite3_column_text(st, c);
		col->len = (size_t)sqlite3_column_bytes(st, c);
		if (!col->s)
			col->s = "", col->len = 0;
	}
}

static int sq_each(void *conn, const char *sql, const struct xz_val *p, int n, xz_row_fn fn,
		   void *arg, int64_t *changes)
{
	struct sqc *sc = conn;
	sqlite3 *h = sc->h;
	sqlite3_stmt *st = NULL;
	struct xz_col few[64], *cols = few;
	bool cached = false;
	int rc, step, c, ncols = 0;
	long rows = 0;

	rc = prepare(sc, sql, &st, &cached);
	if (rc != SQLITE_OK) {
		xz_log_error("sqlite prepare: %s in: %.200s", sqlite3_errmsg(h), sql);
		rc = XZ_EDB;
		goto out;
	}
	if (bind_all(st, p, n) != SQLITE_OK) {
		rc = XZ_EDB;
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (!fn)
			continue;
		if (++rows > XZ_MAX_ROWS) {
			rc = XZ_ETOOBIG;
			goto out;
		}
		/* the names once, at the first row: the first step may prepare
		 * the statement again (a schema change), which frees the names
		 * read before it */
		if (rows == 1) {
			ncols = sqlite3_column_count(st);
			if (ncols > (int)XZ_ARRAY_LEN(few))
				cols = xz_calloc((size_t)ncols, sizeof(*cols));
			for (c = 0; c < ncols; c++)
				cols[c].name = sqlite3_column_name(st, c);
		}
		for (c = 0; c < ncols; c++)
			read_column(st, c, &cols[c]);
		if ((rc = fn(arg, cols, ncols)) < 0)
			goto out;
	}
	if (step != SQLITE_DONE) {
		rc = map_rc(h, step);
		if (rc == XZ_EDB)
			xz_log_error("sqlite step: %s in: %.200s", sqlite3_errmsg(h), sql);
		goto out;
	}
	if (changes)
		*changes = sqlite3_changes64(h);
	rc = 0;
out:
	if (cols != few)
		xz_free(cols);
	if (cached) {
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
	} else {
		sqlite3_finalize(st);
	}
	return rc;
}

static int sq_script(void *conn, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(((struct sqc *)conn)->h, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		xz_log_error("sqlite script: %s", err ? err : "?");
		sqlite3_free(err);
		return XZ_EDB;
	}
	return 0;
}

static bool sq_writes(void *conn, const char *sql)
{
	struct sqc *sc = conn;
	sqlite3_stmt *st = NULL;
	bool cached, w;
	if (prepare(sc, sql, &st, &cached) != SQLITE_OK || !st)
		return false;
	w = !sqlite3_stmt_readonly(st);
	if (!cached)
		sqlite3_finalize(st);
	return w;
}

static bool sq_in_tx(void *conn)
{
	return !sqlite3_get_autocommit(((struct sqc *)conn)->h);
}

const struct xz_db_driver xz_db_sqlite_driver = {
	.connect = sq_connect,
	.disconnect = sq_disconnect,
	.each = sq_each,
	.script = sq_script,
	.errmsg = sq_errmsg,
	.writes = sq_writes,
	.in_tx = sq_in_tx,
};
