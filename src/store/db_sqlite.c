/*
 * db_sqlite.c — the SQLite driver behind db.h.
 *
 * Durability: WAL journal with synchronous=FULL, so a COMMIT that returned
 * has reached the disk and survives a power cut. foreign_keys=ON, and a busy
 * timeout so concurrent writers queue instead of failing. Placeholders $N are
 * bound by name because SQLite numbers them by first appearance.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/log.h"
#include "store/db.h"

static int sq_connect(const char *url, void **conn)
{
	sqlite3 *h = NULL;
	char *err = NULL;
	int rc;
	if (!strncmp(url, "sqlite://", 9))
		url += 9;
	rc = sqlite3_open_v2(url, &h,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		xz_log_error("sqlite open %s: %s", url, h ? sqlite3_errmsg(h) : "no memory");
		sqlite3_close(h);
		return XZ_EDB;
	}
	sqlite3_busy_timeout(h, 10000);
	rc = sqlite3_exec(h,
			  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
			  "PRAGMA foreign_keys=ON;",
			  NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		xz_log_error("sqlite pragmas: %s", err ? err : "?");
		sqlite3_free(err);
		sqlite3_close(h);
		return XZ_EDB;
	}
	*conn = h;
	return 0;
}

static void sq_disconnect(void *conn)
{
	sqlite3_close_v2(conn);
}

static const char *sq_errmsg(void *conn)
{
	return sqlite3_errmsg(conn);
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

static int bind_all(sqlite3_stmt *st, const struct xz_val *p, int n)
{
	char name[16];
	int i, idx, rc = SQLITE_OK;
	for (i = 0; i < n && rc == SQLITE_OK; i++) {
		snprintf(name, sizeof(name), "$%d", i + 1);
		idx = sqlite3_bind_parameter_index(st, name);
		if (idx == 0)
			continue; /* parameter not used by this statement */
		switch (p[i].t) {
		case XZ_V_NULL: rc = sqlite3_bind_null(st, idx); break;
		case XZ_V_INT: rc = sqlite3_bind_int64(st, idx, p[i].i); break;
		case XZ_V_REAL: rc = sqlite3_bind_double(st, idx, p[i].d); break;
		case XZ_V_TEXT: rc = sqlite3_bind_text(st, idx, p[i].s, -1, SQLITE_STATIC); break;
		}
	}
	return rc;
}

static json_t *column_value(sqlite3_stmt *st, int c)
{
	switch (sqlite3_column_type(st, c)) {
	case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, c));
	case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, c));
	case SQLITE_NULL: return json_null();
	default: {
		const char *s = (const char *)sqlite3_column_text(st, c);
		json_t *v = json_stringn(s ? s : "", (size_t)sqlite3_column_bytes(st, c));
		return v ? v : json_string("");
	}
	}
}

static int sq_query(void *conn, const char *sql, const struct xz_val *p, int n, json_t **rows,
		    int64_t *changes)
{
	sqlite3 *h = conn;
	sqlite3_stmt *st = NULL;
	json_t *out = NULL;
	int rc, step, c, cols, count = 0;

	rc = sqlite3_prepare_v2(h, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		xz_log_error("sqlite prepare: %s in: %.200s", sqlite3_errmsg(h), sql);
		rc = XZ_EDB;
		goto out;
	}
	if (bind_all(st, p, n) != SQLITE_OK) {
		rc = XZ_EDB;
		goto out;
	}
	if (rows)
		out = json_array();
	cols = sqlite3_column_count(st);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *row;
		if (!rows)
			continue;
		if (++count > XZ_MAX_ROWS) {
			rc = XZ_ETOOBIG;
			goto out;
		}
		row = json_object();
		for (c = 0; c < cols; c++)
			json_object_set_new(row, sqlite3_column_name(st, c), column_value(st, c));
		json_array_append_new(out, row);
	}
	if (step != SQLITE_DONE) {
		rc = map_rc(h, step);
		if (rc == XZ_EDB)
			xz_log_error("sqlite step: %s in: %.200s", sqlite3_errmsg(h), sql);
		goto out;
	}
	if (changes)
		*changes = sqlite3_changes64(h);
	if (rows) {
		*rows = out;
		out = NULL;
	}
	rc = 0;
out:
	json_decref(out);
	sqlite3_finalize(st);
	return rc;
}

static int sq_script(void *conn, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(conn, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		xz_log_error("sqlite script: %s", err ? err : "?");
		sqlite3_free(err);
		return XZ_EDB;
	}
	return 0;
}

const struct xz_db_driver xz_db_sqlite_driver = {
	.connect = sq_connect,
	.disconnect = sq_disconnect,
	.query = sq_query,
	.script = sq_script,
	.errmsg = sq_errmsg,
};
