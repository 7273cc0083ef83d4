/*
 * db.c — engine dispatch, transactions, migrations and the connection pool.
 * The drivers do the talking; this file decides which driver and keeps the
 * rules both share (row limits, migration bookkeeping).
 *
 * On SQLite the pool also owns one writer connection (struct xz_writer),
 * the only one of the pool that writes. A pooled connection's outermost
 * xz_db_begin takes the writer; the transaction's statements run on it
 * inside a SAVEPOINT of a shared outer transaction (the batch). Its
 * xz_db_commit releases the savepoint and then either hands the writer to
 * the next waiting transaction, which joins the same batch, or — when no
 * one waits, or the batch is full — commits the batch (one fsync for all of
 * its transactions) and wakes its members. Every member's xz_db_commit
 * returns only after the COMMIT that holds its work has returned
 * (synchronous=FULL: on disk). A rollback undoes only its savepoint. Readers
 * keep their own connections and, in WAL mode, never wait for the writer.
 * A single write outside a transaction (xz_db_exec of a statement that
 * writes) is wrapped in one. See docs/internals/store.md.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "core/log.h"
#include "core/xtime.h"
#include "store/db.h"
#include "store/migrations.h"

struct xz_writer;

struct xz_db {
	const struct xz_db_driver *drv;
	enum xz_db_engine engine;
	void *conn;
	char *url;
	int depth; /* transaction nesting: only the outermost BEGIN/COMMIT is sent */
	bool failed; /* an inner scope rolled back: the outermost must too */
	char err[512]; /* the text of the last failure, kept until the next one */
	struct xz_writer *w; /* the pool's writer (SQLite pools), or NULL */
	void *own_conn; /* conn while a transaction runs on the writer's */
	/* xz_db_after: what runs when the outermost transaction ends */
	struct xz_db_later {
		void (*fn)(void *arg, bool committed);
		void *arg;
	} *later;
	size_t nlater, later_cap;
	uint64_t w_since; /* when this transaction took the writer */
	/* its first statement: a transaction that holds the writer over
	 * XZ_WRITER_SLOW_MS is logged with it (what the reports waited for) */
	char tx_first[96];
};

static void note_sql(struct xz_db *db, const char *sql)
{
	if (db->own_conn && !db->tx_first[0])
		snprintf(db->tx_first, sizeof(db->tx_first), "%s", sql);
}

/* run_later: end the outermost transaction's xz_db_after callbacks, in the
 * order they were queued. */
static void run_later(struct xz_db *db, bool committed)
{
	size_t i, n = db->nlater;
	struct xz_db_later *l = db->later;
	db->later = NULL;
	db->nlater = db->later_cap = 0;
	for (i = 0; i < n; i++)
		l[i].fn(l[i].arg, committed);
	xz_free(l);
}

void xz_db_after(struct xz_db *db, void (*fn)(void *arg, bool committed), void *arg)
{
	if (db->depth == 0) {
		fn(arg, true);
		return;
	}
	if (db->nlater == db->later_cap) {
		db->later_cap = db->later_cap ? db->later_cap * 2 : 8;
		db->later = xz_realloc(db->later, db->later_cap * sizeof(*db->later));
	}
	db->later[db->nlater].fn = fn;
	db->later[db->nlater].arg = arg;
	db->nlater++;
}

/* Statement counters for /metrics: how many, and the time they took. */
static _Atomic uint64_t stat_calls, stat_ns;

/* The writer's counters (SQLite pools): transactions that held it, the
 * COMMITs of their batches, and the time held, COMMITs included. */
static _Atomic uint64_t stat_w_tx, stat_w_commits, stat_w_held_ns, stat_w_commit_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void count_call(uint64_t t0)
{
	stat_calls++;
	stat_ns += now_ns() - t0;
}

void xz_db_writer_stats(struct xz_writer_stats *st)
{
	st->transactions = stat_w_tx;
	st->commits = stat_w_commits;
	st->held_ns = stat_w_held_ns;
	st->commit_ns = stat_w_commit_ns;
}

void xz_db_stats(uint64_t *calls, uint64_t *ns)
{
	*calls = stat_calls;
	*ns = stat_ns;
}

/* keep_error: remember why a call failed, read from the engine at once
 * (a later ROLLBACK or finalize would replace the engine's own text). */
static int keep_error(struct xz_db *db, int rc)
{
	const char *m;
	if (rc >= 0)
		return rc;
	m = db->drv->errmsg(db->conn);
	if (!m || !*m || !strcmp(m, "not an error"))
		m = xz_strerror(rc);
	if (!strncmp(m, "ERROR:  ", 8)) /* PostgreSQL's severity prefix */
		m += 8;
	snprintf(db->err, sizeof(db->err), "%s", m);
	db->err[strcspn(db->err, "\n")] = 0;
	return rc;
}


/* A member of a batch: a transaction whose savepoint was released (or
 * rolled back) and which waits for the batch's COMMIT. */
struct batch_member {
	struct batch_member *next;
	int rc;
	bool done;
};

struct xz_writer {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct xz_db *db; /* the writer connection */
	bool busy; /* a transaction (or a COMMIT) has the writer connection */
	bool open; /* the batch's BEGIN IMMEDIATE was sent */
	int waiting; /* transactions waiting in xz_db_begin */
	int members;
	struct batch_member *list;
};

#define XZ_BATCH_MAX 64 /* transactions per group commit at most */

int xz_db_connect(const char *url, struct xz_db **out)
{
	struct xz_db *db = xz_calloc(1, sizeof(*db));
	int rc;
	if (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11)) {
		db->drv = &xz_db_pg_driver;
		db->engine = XZ_DB_PG;
	} else {
		db->drv = &xz_db_sqlite_driver;
		db->engine = XZ_DB_SQLITE;
	}
	db->url = xz_strdup(url);
	rc = db->drv->connect(url, &db->conn);
	if (rc < 0) {
		xz_free(db->url);
		xz_free(db);
		return rc;
	}
	*out = db;
	return 0;
}

void xz_db_disconnect(struct xz_db *db)
{
	if (!db)
		return;
	run_later(db, false);
	db->drv->disconnect(db->conn);
	xz_free(db->url);
	xz_free(db);
}

enum xz_db_engine xz_db_engine(const struct xz_db *db)
{
	return db->engine;
}

const char *xz_db_url(const struct xz_db *db)
{
	return db->url;
}

const char *xz_db_errmsg(struct xz_db *db)
{
	return db->err;
}

int xz_db_exec(struct xz_db *db, const char *sql, const struct xz_val *p, int n,
	       int64_t *changes)
{
	int64_t ch = 0;
	int rc;
	uint64_t t0 = now_ns();
	note_sql(db, sql);
	if (db->w && db->depth == 0 && db->drv->writes(db->conn, sql)) {
		/* a single write outside a transaction: it too goes to the writer */
		if ((rc = xz_db_begin(db)) < 0)
			return rc;
		rc = keep_error(db, db->drv->each(db->conn, sql, p, n, NULL, NULL, &ch));
		if (rc < 0)
			xz_db_rollback(db);
		else
			rc = xz_db_commit(db);
	} else {
		rc = keep_error(db, db->drv->each(db->conn, sql, p, n, NULL, NULL, &ch));
	}
	count_call(t0);
	if (changes)
		*changes = ch;
	return rc;
}

/* xz_db_rows: xz_db_query's visitor, a row as a json object appended to the
 * array arg */
int xz_db_rows(void *arg, const struct xz_col *cols, int n)
{
	json_t *row = json_object();
	int c;
	for (c = 0; c < n; c++) {
		json_t *v;
		switch (cols[c].t) {
		case XZ_COL_INT: v = json_integer(cols[c].i); break;
		case XZ_COL_REAL: v = json_real(cols[c].d); break;
		case XZ_COL_TEXT:
			/* text that is not UTF-8 reads as "" (jansson refuses it) */
			if (!(v = json_stringn(cols[c].s, cols[c].len)))
				v = json_string("");
			break;
		default: v = json_null();
		}
		json_object_set_new_nocheck(row, cols[c].name, v);
	}
	json_array_append_new(arg, row);
	return 0;
}

int xz_db_query(struct xz_db *db, const char *sql, const struct xz_val *p, int n,
		json_t **rows)
{
	json_t *out = json_array();
	uint64_t t0 = now_ns();
	int rc;
	note_sql(db, sql);
	rc = keep_error(db, db->drv->each(db->conn, sql, p, n, xz_db_rows, out, NULL));
	count_call(t0);
	if (rc < 0) {
		json_decref(out);
		out = NULL;
	}
	*rows = out;
	return rc;
}

int xz_db_each(struct xz_db *db, const char *sql, const struct xz_val *p, int n, xz_row_fn fn,
	       void *arg)
{
	uint64_t t0 = now_ns();
	int rc;
	note_sql(db, sql);
	rc = keep_error(db, db->drv->each(db->conn, sql, p, n, fn, arg, NULL));
	count_call(t0);
	return rc;
}

static const struct xz_col *col_named(const struct xz_col *cols, int n, const char *name)
{
	int c;
	for (c = 0; c < n; c++)
		if (!strcmp(cols[c].name, name))
			return &cols[c];
	return NULL;
}

int64_t xz_col_int(const struct xz_col *cols, int n, const char *name)
{
	const struct xz_col *col = col_named(cols, n, name);
	return col && col->t == XZ_COL_INT ? col->i : 0;
}

const char *xz_col_text(const struct xz_col *cols, int n, const char *name)
{
	const struct xz_col *col = col_named(cols, n, name);
	return col && col->t == XZ_COL_TEXT ? col->s : NULL;
}

int xz_row_with(xz_row_fn fn, void *arg, const struct xz_col *cols, int n,
		const struct xz_col *more, int k)
{
	struct xz_col few[64], *all = few;
	int e, m = n, rc;
	if (n + k > (int)XZ_ARRAY_LEN(few))
		all = xz_calloc((size_t)(n + k), sizeof(*all));
	memcpy(all, cols, (size_t)n * sizeof(*all));
	for (e = 0; e < k; e++) {
		const struct xz_col *at = col_named(cols, n, more[e].name);
		all[at ? at - cols : m++] = more[e];
	}
	rc = fn(arg, all, m);
	if (all != few)
		xz_free(all);
	return rc;
}

int xz_db_one(struct xz_db *db, const char *sql, const struct xz_val *p, int n,
	      json_t **row)
{
	json_t *rows = NULL;
	int rc = xz_db_query(db, sql, p, n, &rows);
	*row = NULL;
	if (rc < 0)
		goto out;
	if (json_array_size(rows) == 0) {
		rc = XZ_ENOTFOUND;
		goto out;
	}
	*row = json_incref(json_array_get(rows, 0));
out:
	json_decref(rows);
	return rc;
}

int xz_db_int(struct xz_db *db, const char *sql, const struct xz_val *p, int n,
	      int64_t *out)
{
	json_t *row = NULL;
	const char *key;
	json_t *v;
	int rc = xz_db_one(db, sql, p, n, &row);
	if (rc < 0)
		return rc;
	*out = 0;
	json_object_foreach(row, key, v)
	{
		XZ_UNUSED(key);
		if (json_is_integer(v))
			*out = json_integer_value(v);
		else if (json_is_real(v))
			*out = (int64_t)json_real_value(v);
		else if (json_is_null(v))
			rc = XZ_ENOTFOUND;
		break;
	}
	json_decref(row);
	return rc;
}

int xz_db_script(struct xz_db *db, const char *sql)
{
	return keep_error(db, db->drv->script(db->conn, sql));
}

/* batch_commit: called with w->mu held by the writer's holder: commit the
 * open batch (unless crc already says it is lost), tell its members and
 * free the writer. Unlocks w->mu. */
static void batch_commit(struct xz_writer *w, int crc)
{
	struct batch_member *list = w->list, *m;
	w->list = NULL;
	w->members = 0;
	pthread_mutex_unlock(&w->mu);
	if (crc == 0 && w->open) {
		uint64_t t0 = now_ns();
		crc = xz_db_exec(w->db, "COMMIT", XZ_NOARGS, NULL);
		t0 = now_ns() - t0;
		stat_w_commits++;
		stat_w_commit_ns += t0;
		stat_w_held_ns += t0;
		if (crc < 0 && w->db->drv->in_tx(w->db->conn))
			xz_db_exec(w->db, "ROLLBACK", XZ_NOARGS, NULL);
	}
	w->open = false;
	pthread_mutex_lock(&w->mu);
	for (m = list; m; m = m->next) {
		m->rc = crc < 0 ? XZ_EDB : 0;
		m->done = true;
	}
	w->busy = false;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* writer_take: wait for the writer connection, open the batch if need be
 * and start this transaction's savepoint on it. */
static int writer_take(struct xz_db *db)
{
	struct xz_writer *w = db->w;
	int rc = 0;
	pthread_mutex_lock(&w->mu);
	w->waiting++;
	while (w->busy)
		pthread_cond_wait(&w->cv, &w->mu);
	w->waiting--;
	w->busy = true;
	pthread_mutex_unlock(&w->mu);
	if (!w->open) {
		rc = xz_db_exec(w->db, "BEGIN IMMEDIATE", XZ_NOARGS, NULL);
		w->open = rc == 0;
	}
	if (rc == 0)
		rc = xz_db_exec(w->db, "SAVEPOINT xz_tx", XZ_NOARGS, NULL);
	if (rc < 0) {
		/* the batch's members, if any, must not wait for us: commit them */
		pthread_mutex_lock(&w->mu);
		batch_commit(w, w->db->drv->in_tx(w->db->conn) ? 0 : XZ_EDB);
		return rc;
	}
	db->own_conn = db->conn;
	db->conn = w->db->conn;
	db->w_since = now_ns();
	db->tx_first[0] = 0;
	return 0;
}

/* writer_finish: end this transaction's savepoint (release it when keep,
 * roll it back otherwise), then hand the writer on or commit the batch.
 * Answers once the batch holding the work has committed (or failed). */
static int writer_finish(struct xz_db *db, bool keep)
{
	struct xz_writer *w = db->w;
	struct batch_member me = {.rc = 0};
	uint64_t held;
	int rc = 0, crc;
	db->conn = db->own_conn;
	db->own_conn = NULL;
	if (keep)
		rc = xz_db_exec(w->db, "RELEASE xz_tx", XZ_NOARGS, NULL);
	if (!keep || rc < 0) {
		xz_db_exec(w->db, "ROLLBACK TO xz_tx", XZ_NOARGS, NULL);
		xz_db_exec(w->db, "RELEASE xz_tx", XZ_NOARGS, NULL);
	}
	if (!w->db->drv->in_tx(w->db->conn)) /* the engine dropped the batch */
		crc = XZ_EDB;
	else
		crc = 0;
	stat_w_tx++;
	held = now_ns() - db->w_since;
	stat_w_held_ns += held;
	if (held > XZ_WRITER_SLOW_MS * 1000000ull)
		xz_log_warn("a transaction held the SQLite writer %.0f ms; its first statement: %s",
			    (double)held / 1e6, db->tx_first[0] ? db->tx_first : "(none)");
	pthread_mutex_lock(&w->mu);
	me.next = w->list;
	w->list = &me;
	w->members++;
	if (crc == 0 && w->waiting > 0 && w->members < XZ_BATCH_MAX) {
		/* someone waits: let them join the batch; its last member commits */
		w->busy = false;
		pthread_cond_broadcast(&w->cv);
		while (!me.done)
			pthread_cond_wait(&w->cv, &w->mu);
		pthread_mutex_unlock(&w->mu);
		return rc < 0 ? rc : me.rc;
	}
	batch_commit(w, crc); /* unlocks */
	return rc < 0 ? rc : me.rc;
}

int xz_db_begin(struct xz_db *db)
{
	int rc = 0;
	if (db->depth == 0) {
		if (db->w)
			rc = writer_take(db);
		else
			rc = xz_db_exec(db,
					db->engine == XZ_DB_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN",
					XZ_NOARGS, NULL);
		if (rc < 0)
			return rc;
		db->failed = false;
	}
	db->depth++;
	return rc;
}

int xz_db_commit(struct xz_db *db)
{
	int rc;
	if (db->depth <= 0)
		return XZ_EINTERNAL;
	if (--db->depth > 0)
		return 0;
	if (db->w) {
		rc = writer_finish(db, !db->failed);
		rc = db->failed ? XZ_EDB : rc;
	} else if (db->failed) {
		xz_db_exec(db, "ROLLBACK", XZ_NOARGS, NULL);
		rc = XZ_EDB;
	} else {
		rc = xz_db_exec(db, "COMMIT", XZ_NOARGS, NULL);
	}
	run_later(db, rc >= 0);
	return rc;
}

int xz_db_rollback(struct xz_db *db)
{
	int rc = 0;
	if (db->depth <= 0)
		return 0;
	if (--db->depth > 0) {
		db->failed = true;
		return 0;
	}
	/* On the writer a rollback still waits for the batch: what this
	 * transaction read there may be other members' work, not yet on disk. */
	if (db->w)
		writer_finish(db, false);
	else
		rc = xz_db_exec(db, "ROLLBACK", XZ_NOARGS, NULL);
	run_later(db, false);
	return rc;
}

/*
 * Migration bookkeeping. schema_migrations holds one row per applied
 * migration: its version, name, time and the SHA-256 (hex) of its text as
 * embedded for this engine. A recorded checksum that differs from the
 * binary's means the database was built from another text of that
 * migration: we refuse rather than guess. Rows written before checksums
 * were kept (checksum NULL) adopt the binary's checksum once; 005 repairs
 * the one migration (003) that changed after its release.
 *
 * A migration may guard one statement with the line
 *   -- @skip-if-column TABLE.COLUMN
 * (the next statement, up to a line ending in ';', is left out when the
 * column exists): SQLite has no ADD COLUMN IF NOT EXISTS.
 */
static void sha256_hex(const char *text, char hex[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, (const unsigned char *)text, strlen(text));
	sodium_bin2hex(hex, 65, h, sizeof(h));
}

static int column_exists(struct xz_db *db, const char *table, const char *column, bool *yes)
{
	int64_t n = 0;
	int rc = xz_db_int(db,
			   db->engine == XZ_DB_SQLITE
				   ? "SELECT COUNT(*) FROM pragma_table_info($1) WHERE name = $2"
				   : "SELECT COUNT(*) FROM information_schema.columns WHERE "
				     "table_schema = current_schema() AND table_name = $1 AND "
				     "column_name = $2",
			   XZ_ARGS(XZ_TEXT(table), XZ_TEXT(column)), &n);
	*yes = n > 0;
	return rc;
}

/* guarded_script: sql with the statements whose @skip-if-column column
 * exists left out. Caller frees *out. */
static int guarded_script(struct xz_db *db, const char *sql, char **out)
{
	static const char tag[] = "-- @skip-if-column ";
	size_t len = 0, n;
	const char *line = sql, *end;
	char *buf = xz_malloc(strlen(sql) + 1);
	bool skip = false;
	int rc = 0;
	for (; *line; line += n) {
		end = strchr(line, '\n');
		n = end ? (size_t)(end - line + 1) : strlen(line);
		if (!strncmp(line, tag, sizeof(tag) - 1)) {
			char table[128], column[128];
			const char *spec = line + sizeof(tag) - 1, *dot = strchr(spec, '.');
			size_t tl = dot ? (size_t)(dot - spec) : 0,
			       cl = dot ? strcspn(dot + 1, " \t\r\n") : 0;
			if (!dot || dot > line + n || !tl || !cl || tl >= sizeof(table) ||
			    cl >= sizeof(column)) {
				rc = XZ_EMALFORMED;
				goto out;
			}
			memcpy(table, spec, tl);
			table[tl] = 0;
			memcpy(column, dot + 1, cl);
			column[cl] = 0;
			if ((rc = column_exists(db, table, column, &skip)) < 0)
				goto out;
			continue;
		}
		if (!skip) {
			memcpy(buf + len, line, n);
			len += n;
		} else if (n >= 2 && (line[n - 2] == ';' || (line[n - 1] == ';'))) {
			skip = false; /* the guarded statement ends on this line */
		}
	}
out:
	buf[len] = 0;
	if (rc < 0) {
		xz_free(buf);
		buf = NULL;
	}
	*out = buf;
	return rc;
}

static int bookkeeping_table(struct xz_db *db)
{
	bool has = false;
	int rc = xz_db_exec(db,
			    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
			    "KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL, checksum TEXT)",
			    XZ_NOARGS, NULL);
	if (rc < 0 || (rc = column_exists(db, "schema_migrations", "checksum", &has)) < 0)
		return rc;
	if (!has) /* made by a release that kept no checksums */
		rc = xz_db_exec(db, "ALTER TABLE schema_migrations ADD COLUMN checksum TEXT",
				XZ_NOARGS, NULL);
	return rc;
}

int xz_db_schema_status(struct xz_db *db, struct xz_schema_status *st)
{
	const struct xz_migration *m;
	json_t *rows = NULL, *row;
	char hex[65];
	size_t i;
	int rc;
	memset(st, 0, sizeof(*st));
	for (m = xz_migrations; m->name; m++)
		if (m->engine == (int)db->engine && m->version > st->binary_version)
			st->binary_version = m->version;
	rc = xz_db_query(db, "SELECT * FROM schema_migrations ORDER BY version", XZ_NOARGS, &rows);
	if (rc < 0) {
		snprintf(st->problem, sizeof(st->problem), "cannot read schema_migrations: %.400s",
			 xz_db_errmsg(db));
		return rc;
	}
	json_array_foreach(rows, i, row)
	{
		int v = (int)json_integer_value(json_object_get(row, "version"));
		const char *sum = json_string_value(json_object_get(row, "checksum"));
		const struct xz_migration *known = NULL;
		if (v > st->version)
			st->version = v;
		for (m = xz_migrations; m->name; m++)
			if (m->engine == (int)db->engine && m->version == v)
				known = m;
		if (!known) {
			if (!st->problem[0])
				snprintf(st->problem, sizeof(st->problem),
					 "migration %03d (%s) is recorded in the database but unknown "
					 "to this binary: the database was upgraded by a newer release",
					 v, json_string_value(json_object_get(row, "name")));
			continue;
		}
		sha256_hex(known->sql, hex);
		if (sum && strcmp(sum, hex) && !st->problem[0])
			snprintf(st->problem, sizeof(st->problem),
				 "migration %s was applied from a different text (checksum %.12s… "
				 "recorded, %.12s… in this binary): the database was not made by a "
				 "released build; restore a backup or rebuild it",
				 known->name, sum, hex);
	}
	for (m = xz_migrations; m->name; m++) {
		bool have = false;
		if (m->engine != (int)db->engine)
			continue;
		json_array_foreach(rows, i, row)
			if (json_integer_value(json_object_get(row, "version")) == m->version)
				have = true;
		if (!have)
			st->pending++;
	}
	json_decref(rows);
	return st->problem[0] ? XZ_ECONFLICT : 0;
}

int xz_db_migrate(struct xz_db *db, int *applied)
{
	const struct xz_migration *m;
	struct xz_schema_status st;
	json_t *row = NULL;
	char hex[65], *script = NULL;
	int rc, count = 0;

	if ((rc = bookkeeping_table(db)) < 0)
		goto out;
	for (m = xz_migrations; m->name; m++) {
		if (m->engine != (int)db->engine)
			continue;
		sha256_hex(m->sql, hex);
		json_decref(row);
		row = NULL;
		rc = xz_db_one(db, "SELECT checksum FROM schema_migrations WHERE version = $1",
			       XZ_ARGS(XZ_INT(m->version)), &row);
		if (rc == 0) {
			if (json_is_null(json_object_get(row, "checksum"))) {
				rc = xz_db_exec(db,
						"UPDATE schema_migrations SET checksum = $2 WHERE "
						"version = $1 AND checksum IS NULL",
						XZ_ARGS(XZ_INT(m->version), XZ_TEXT(hex)), NULL);
				if (rc < 0)
					goto out;
			}
			continue;
		}
		if (rc != XZ_ENOTFOUND)
			goto out;
		if ((rc = xz_db_begin(db)) < 0)
			goto out;
		rc = guarded_script(db, m->sql, &script);
		if (rc == 0)
			rc = xz_db_script(db, script);
		if (rc == 0)
			rc = xz_db_exec(db,
					"INSERT INTO schema_migrations (version, name, applied_at, "
					"checksum) VALUES ($1, $2, $3, $4)",
					XZ_ARGS(XZ_INT(m->version), XZ_TEXT(m->name),
						XZ_INT(xz_now()), XZ_TEXT(hex)),
					NULL);
		xz_free(script);
		script = NULL;
		if (rc < 0) {
			xz_log_error("migration %s failed: %s", m->name, xz_db_errmsg(db));
			xz_db_rollback(db);
			goto out;
		}
		if ((rc = xz_db_commit(db)) < 0)
			goto out;
		xz_log_info("applied migration %s", m->name);
		count++;
	}
	/* every row now carries a checksum: any mismatch or unknown version is fatal */
	if ((rc = xz_db_schema_status(db, &st)) < 0)
		xz_log_error("schema: %s", st.problem);
out:
	json_decref(row);
	if (applied)
		*applied = count;
	return rc;
}

struct xz_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int size, free_count;
	struct xz_db **conns;
	bool *busy;
	struct xz_writer *w; /* SQLite: the one writer connection */
	struct xz_db *lead; /* PostgreSQL: the connection asking for the scheduler lock */
	bool leading; /* … and holding it */
};

/* Pragmas of a pooled SQLite connection: checkpoints are the scheduler's
 * (xz_pool_checkpoint), not the committing request's. */
#define POOL_SQLITE_PRAGMAS "PRAGMA wal_autocheckpoint=0"

static int writer_open(const char *url, struct xz_writer **out)
{
	struct xz_writer *w = xz_calloc(1, sizeof(*w));
	int rc = xz_db_connect(url, &w->db);
	if (rc == 0)
		rc = xz_db_script(w->db, POOL_SQLITE_PRAGMAS);
	if (rc < 0) {
		xz_db_disconnect(w->db);
		xz_free(w);
		return rc;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	*out = w;
	return 0;
}

static void writer_close(struct xz_writer *w)
{
	if (!w)
		return;
	xz_db_disconnect(w->db);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	xz_free(w);
}

int xz_pool_open(const char *url, int size, struct xz_pool **out)
{
	struct xz_pool *p = xz_calloc(1, sizeof(*p));
	int i, rc = 0;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	p->conns = xz_calloc((size_t)size, sizeof(*p->conns));
	p->busy = xz_calloc((size_t)size, sizeof(*p->busy));
	p->size = size;
	for (i = 0; i < size; i++) {
		rc = xz_db_connect(url, &p->conns[i]);
		if (rc == 0 && p->conns[i]->engine == XZ_DB_SQLITE) {
			if (!p->w)
				rc = writer_open(url, &p->w);
			if (rc == 0)
				rc = xz_db_script(p->conns[i], POOL_SQLITE_PRAGMAS);
			p->conns[i]->w = p->w;
		}
		if (rc < 0) {
			p->size = i + (p->conns[i] != NULL);
			xz_pool_close(p);
			return rc;
		}
	}
	p->free_count = size;
	*out = p;
	return 0;
}

struct xz_db *xz_pool_get(struct xz_pool *p)
{
	struct xz_db *db = NULL;
	int i;
	pthread_mutex_lock(&p->mu);
	while (p->free_count == 0)
		pthread_cond_wait(&p->cv, &p->mu);
	for (i = 0; i < p->size; i++) {
		if (!p->busy[i]) {
			p->busy[i] = true;
			db = p->conns[i];
			break;
		}
	}
	p->free_count--;
	pthread_mutex_unlock(&p->mu);
	return db;
}

void xz_pool_put(struct xz_pool *p, struct xz_db *db)
{
	int i;
	if (!db)
		return;
	while (db->depth > 0) /* a handler that forgot to finish its transaction */
		xz_db_rollback(db);
	db->err[0] = 0; /* the next borrower's failures are its own */
	pthread_mutex_lock(&p->mu);
	for (i = 0; i < p->size; i++) {
		if (p->conns[i] == db) {
			p->busy[i] = false;
			p->free_count++;
			break;
		}
	}
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void xz_pool_stats(struct xz_pool *p, int *busy, int *size)
{
	pthread_mutex_lock(&p->mu);
	*busy = p->size - p->free_count;
	*size = p->size;
	pthread_mutex_unlock(&p->mu);
}

void xz_pool_close(struct xz_pool *p)
{
	int i;
	if (!p)
		return;
	for (i = 0; i < p->size; i++)
		xz_db_disconnect(p->conns[i]);
	writer_close(p->w);
	xz_db_disconnect(p->lead);
	xz_free(p->conns);
	xz_free(p->busy);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	xz_free(p);
}

/* writer_checkpoint: the RESTART checkpoint on the writer connection, taken
 * as a transaction takes it (after committing an open batch). Run from
 * another connection it held SQLite's write lock while the writer, finding
 * it busy, slept in SQLite's busy handler (steps of up to 100 ms) and every
 * report queued behind it; here the reports wait on the writer's condition
 * variable and go on the moment it ends. A slow one is logged. */
static int writer_checkpoint(struct xz_writer *w)
{
	uint64_t t0;
	int rc;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		w->waiting++;
		while (w->busy)
			pthread_cond_wait(&w->cv, &w->mu);
		w->waiting--;
		w->busy = true;
		if (!w->open)
			break;
		batch_commit(w, 0); /* unlocks, frees the writer */
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	t0 = now_ns();
	rc = xz_db_script(w->db, "PRAGMA wal_checkpoint(RESTART)");
	t0 = now_ns() - t0;
	if (t0 > XZ_WRITER_SLOW_MS * 1000000ull)
		xz_log_warn("checkpoint: RESTART held the writer %.0f ms", (double)t0 / 1e6);
	pthread_mutex_lock(&w->mu);
	w->busy = false;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	return rc;
}

int xz_pool_checkpoint(struct xz_pool *p)
{
	struct xz_db *db;
	uint64_t t0;
	int rc;
	if (!p->w)
		return 0;
	json_t *row = NULL;
	/* PASSIVE: copies what no reader still needs, takes no write lock */
	db = xz_pool_get(p);
	t0 = now_ns();
	rc = xz_db_one(db, "PRAGMA wal_checkpoint(PASSIVE)", XZ_NOARGS, &row);
	t0 = now_ns() - t0;
	if (t0 > XZ_WRITER_SLOW_MS * 1000000ull && row)
		xz_log_warn("checkpoint: PASSIVE took %.0f ms (WAL %lld pages, %lld copied)",
			    (double)t0 / 1e6,
			    (long long)json_integer_value(json_object_get(row, "log")),
			    (long long)json_integer_value(json_object_get(row, "checkpointed")));
	/* Under a steady read load some reader always holds a snapshot in the
	 * WAL, so a writer never finds it free to start again from the top:
	 * the WAL grew without end (3 GB in 80 s of bench/mixed.lua) and with
	 * it the shared index every reader maps (RSS) and searches. RESTART
	 * waits, with the write lock, for the readers of old frames to finish
	 * (milliseconds), so that the next write starts the file again from
	 * its top: the WAL stays near XZ_WAL_RESTART_FRAMES pages. */
	if (rc >= 0 && row && json_integer_value(json_object_get(row, "log")) >= XZ_WAL_RESTART_FRAMES)
		rc = writer_checkpoint(p->w);
	json_decref(row);
	xz_pool_put(p, db);
	return rc;
}

/* The scheduler's session lock: one key for every server on the database
 * (problem.c's passes take 15016 per transaction). */
#define XZ_SCHEDULER_LOCK 15015

bool xz_pool_leader(struct xz_pool *p)
{
	int64_t got = 0;
	int rc;
	if (!p->size || p->conns[0]->engine != XZ_DB_PG)
		return true;
	if (!p->lead && xz_db_connect(p->conns[0]->url, &p->lead) < 0) {
		p->lead = NULL;
		return false;
	}
	/* the lock is ours while the connection lives: check that it answers */
	rc = p->leading ? xz_db_int(p->lead, "SELECT 1", XZ_NOARGS, &got)
			: xz_db_int(p->lead, "SELECT CAST(pg_try_advisory_lock($1) AS INTEGER)",
				    XZ_ARGS(XZ_INT(XZ_SCHEDULER_LOCK)), &got);
	if (rc < 0) {
		xz_db_disconnect(p->lead);
		p->lead = NULL;
		p->leading = false;
		return false;
	}
	p->leading = got != 0;
	return p->leading;
}
