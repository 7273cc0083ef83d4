/*
 * db_pg.c — the PostgreSQL driver behind db.h, through libpq.
 *
 * Every statement is prepared and executed with its values bound
 * separately, so user text never becomes SQL. Values are sent in text form
 * and typed by the server from context. Results are typed back into JSON by
 * the column's type OID.
 *
 * Each connection keeps the statements it has prepared (up to
 * XZ_PG_STMTS, by SQL text): planning the problem list's seven-table join
 * costs PostgreSQL more (≈ 16 ms) than running it (≈ 1 ms), and a prepared
 * statement lets the server reuse its plan. A statement that cannot be
 * prepared, or whose cached plan the server refuses (the schema changed),
 * is run once through PQexecParams instead, which reports the error.
 */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/log.h"
#include "store/db.h"

/* Type OIDs from pg_type.h (stable across versions). */
enum { OID_BOOL = 16, OID_INT8 = 20, OID_INT2 = 21, OID_INT4 = 23, OID_FLOAT4 = 700,
       OID_FLOAT8 = 701, OID_NUMERIC = 1700 };

static void notice_quiet(void *arg, const char *msg)
{
	XZ_UNUSED(arg);
	XZ_UNUSED(msg);
}

#define XZ_PG_STMTS 256

struct pgc {
	PGconn *c;
	int n;
	struct {
		uint64_t hash;
		char *sql;
	} stmts[XZ_PG_STMTS];
};

static int pg_connect(const char *url, void **conn)
{
	struct pgc *pc;
	PGconn *c = PQconnectdb(url);
	PGresult *r;
	if (PQstatus(c) != CONNECTION_OK) {
		xz_log_error("postgresql connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return XZ_EDB;
	}
	PQsetNoticeProcessor(c, notice_quiet, NULL);
	r = PQexec(c, "SET TIME ZONE 'UTC'; SET client_min_messages = warning");
	PQclear(r);
	pc = xz_calloc(1, sizeof(*pc));
	pc->c = c;
	*conn = pc;
	return 0;
}

static void pg_disconnect(void *conn)
{
	struct pgc *pc = conn;
	int i;
	for (i = 0; i < pc->n; i++)
		xz_free(pc->stmts[i].sql);
	PQfinish(pc->c);
	xz_free(pc);
}

static const char *pg_errmsg(void *conn)
{
	return PQerrorMessage(((struct pgc *)conn)->c);
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* prepared: the name of sql's prepared statement on this connection,
 * preparing it if need be; false when it is not (or cannot be) prepared.
 * A statement PostgreSQL refuses to prepare (a missing column, say) is
 * that statement's failure: *failed gets the result, since inside a
 * transaction the refusal has already aborted it and running the text
 * again would only report "current transaction is aborted". */
static bool prepared(struct pgc *pc, const char *sql, int n, char name[32], PGresult **failed)
{
	uint64_t h = fnv1a(sql);
	PGresult *r;
	int i;
	for (i = 0; i < pc->n; i++)
		if (pc->stmts[i].hash == h && !strcmp(pc->stmts[i].sql, sql)) {
			snprintf(name, 32, "xz%d", i);
			return true;
		}
	if (pc->n >= XZ_PG_STMTS || PQtransactionStatus(pc->c) == PQTRANS_INERROR)
		return false;
	snprintf(name, 32, "xz%d", pc->n);
	r = PQprepare(pc->c, name, sql, n, NULL);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		*failed = r;
		return false;
	}
	PQclear(r);
	pc->stmts[pc->n].hash = h;
	pc->stmts[pc->n].sql = xz_strdup(sql);
	pc->n++;
	return true;
}

/* read_cell: a value as the interface gives it (booleans as 0/1) */
static void read_cell(PGresult *r, int row, int c, struct xz_col *col)
{
	const char *s;
	if (PQgetisnull(r, row, c)) {
		col->t = XZ_COL_NULL;
		return;
	}
	s = PQgetvalue(r, row, c);
	switch (PQftype(r, c)) {
	case OID_INT2:
	case OID_INT4:
	case OID_INT8: col->t = XZ_COL_INT, col->i = strtoll(s, NULL, 10); break;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC: col->t = XZ_COL_REAL, col->d = strtod(s, NULL); break;
	case OID_BOOL: col->t = XZ_COL_INT, col->i = s[0] == 't'; break;
	default: col->t = XZ_COL_TEXT, col->s = s, col->len = (size_t)PQgetlength(r, row, c);
	}
}

static int map_state(PGresult *r)
{
	const char *st = PQresultErrorField(r, PG_DIAG_SQLSTATE);
	if (st && (!strcmp(st, "23505") || !strcmp(st, "23503")))
		return XZ_ECONFLICT;
	if (st && !strcmp(st, "42501"))
		return XZ_EFORBIDDEN;
	if (st && !strcmp(st, "P0001")) /* raised by our triggers */
		return XZ_EFORBIDDEN;
	return XZ_EDB;
}

static int pg_each(void *connp, const char *sql, const struct xz_val *p, int n, xz_row_fn fn,
		   void *arg, int64_t *changes)
{
	struct pgc *pc = connp;
	PGconn *conn = pc->c;
	char name[32];
	const char *vals[XZ_MAX_SQL_PARAMS];
	char nums[XZ_MAX_SQL_PARAMS][32];
	PGresult *r = NULL;
	struct xz_col few[64], *cols = few;
	int i, rc = 0, nrows, ncols, row, c;

	if (n > XZ_MAX_SQL_PARAMS)
		return XZ_EINTERNAL;
	for (i = 0; i < n; i++) {
		switch (p[i].t) {
		case XZ_V_NULL: vals[i] = NULL; break;
		case XZ_V_INT:
			snprintf(nums[i], sizeof(nums[i]), "%lld", (long long)p[i].i);
			vals[i] = nums[i];
			break;
		case XZ_V_REAL:
			snprintf(nums[i], sizeof(nums[i]), "%.17g", p[i].d);
			vals[i] = nums[i];
			break;
		case XZ_V_TEXT: vals[i] = p[i].s; break;
		}
	}
	if (prepared(pc, sql, n, name, &r)) {
		r = PQexecPrepared(conn, name, n, vals, NULL, NULL, 0);
		/* a plan invalidated by a schema change: run it unprepared once */
		if (PQresultStatus(r) == PGRES_FATAL_ERROR && PQresultErrorField(r, PG_DIAG_SQLSTATE) &&
		    !strcmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "0A000") &&
		    PQtransactionStatus(conn) != PQTRANS_INERROR) {
			PQclear(r);
			r = PQexecParams(conn, sql, n, NULL, vals, NULL, NULL, 0);
		}
	} else if (!r) {
		r = PQexecParams(conn, sql, n, NULL, vals, NULL, NULL, 0);
	}
	switch (PQresultStatus(r)) {
	case PGRES_COMMAND_OK:
	case PGRES_TUPLES_OK: break;
	default:
		rc = map_state(r);
		if (rc == XZ_EDB)
			xz_log_error("postgresql: %s in: %.200s", PQerrorMessage(conn), sql);
		goto out;
	}
	if (changes) {
		const char *t = PQcmdTuples(r);
		*changes = t && *t ? strtoll(t, NULL, 10) : 0;
	}
	if (!fn)
		goto out;
	ncols = PQnfields(r);
	nrows = PQntuples(r);
	if (nrows > XZ_MAX_ROWS) {
		rc = XZ_ETOOBIG;
		goto out;
	}
	if (ncols > (int)XZ_ARRAY_LEN(few))
		cols = xz_calloc((size_t)ncols, sizeof(*cols));
	for (c = 0; c < ncols; c++)
		cols[c].name = PQfname(r, c);
	for (row = 0; row < nrows && rc == 0; row++) {
		for (c = 0; c < ncols; c++)
			read_cell(r, row, c, &cols[c]);
		rc = fn(arg, cols, ncols);
	}
out:
	if (cols != few)
		xz_free(cols);
	PQclear(r);
	return rc;
}

static int pg_script(void *connp, const char *sql)
{
	PGconn *conn = ((struct pgc *)connp)->c;
	PGresult *r = PQexec(conn, sql);
	int rc = 0;
	/* a migration with nothing for this engine is comments alone: empty */
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_EMPTY_QUERY) {
		xz_log_error("postgresql script: %s", PQerrorMessage(conn));
		rc = XZ_EDB;
	}
	PQclear(r);
	return rc;
}

static bool pg_writes(void *connp, const char *sql)
{
	XZ_UNUSED(connp);
	XZ_UNUSED(sql);
	return false; /* PostgreSQL has no single-writer routing */
}

static bool pg_in_tx(void *connp)
{
	return PQtransactionStatus(((struct pgc *)connp)->c) != PQTRANS_IDLE;
}

const struct xz_db_driver xz_db_pg_driver = {
	.connect = pg_connect,
	.disconnect = pg_disconnect,
	.each = pg_each,
	.script = pg_script,
	.errmsg = pg_errmsg,
	.writes = pg_writes,
	.in_tx = pg_in_tx,
};
