/*
 * db.h — the narrow storage interface. Two drivers sit behind it:
 * db_sqlite.c (embedded default) and db_pg.c (libpq). Nothing above this
 * header knows which engine it talks to.
 *
 * SQL is written once with $1, $2 … placeholders; values are always bound,
 * never spliced. SQLite binds by name ("$1"), so a placeholder may repeat.
 * A placeholder whose type the server cannot infer on PostgreSQL must be
 * cast: CAST($1 AS TEXT) IS NULL.
 *
 * Results come back as a jansson array of objects, one per row, keyed by
 * column name: INTEGER → json integer, REAL/NUMERIC → json real, TEXT →
 * json string, NULL → json null. Callers own the returned json_t. A caller
 * that writes rows out as it reads them (a list's answer) visits them
 * instead (xz_db_each): the same values, no tree built.
 *
 * Instants are stored as BIGINT epoch seconds; dates as TEXT YYYY-MM-DD;
 * flags as INTEGER 0/1; structured values as TEXT holding JSON.
 */
#ifndef XZ_DB_H
#define XZ_DB_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

enum xz_db_engine { XZ_DB_SQLITE = 1, XZ_DB_PG = 2 };

enum xz_val_type { XZ_V_NULL = 0, XZ_V_INT, XZ_V_REAL, XZ_V_TEXT };

struct xz_val {
	enum xz_val_type t;
	int64_t i;
	double d;
	const char *s;
};

#define XZ_NULL ((struct xz_val){.t = XZ_V_NULL})
#define XZ_INT(x) ((struct xz_val){.t = XZ_V_INT, .i = (int64_t)(x)})
#define XZ_REAL(x) ((struct xz_val){.t = XZ_V_REAL, .d = (double)(x)})
#define XZ_TEXT(x) xz_val_text(x)
/* XZ_INT_OR_NULL: NULL when x <= 0 (ids are positive). */
#define XZ_ID(x) ((x) > 0 ? XZ_INT(x) : XZ_NULL)
/* XZ_ARGS(...): a compound-literal parameter array followed by its length. */
#define XZ_ARGS(...)                                                                   \
	((const struct xz_val[]){__VA_ARGS__}),                                        \
		(int)(sizeof((const struct xz_val[]){__VA_ARGS__}) / sizeof(struct xz_val))
#define XZ_NOARGS NULL, 0

static inline struct xz_val xz_val_text(const char *s)
{
	struct xz_val v = {.t = s ? XZ_V_TEXT : XZ_V_NULL, .s = s};
	return v;
}

struct xz_db;

/* xz_db_connect: open a connection. url is a file path (SQLite) or a
 * postgresql:// / postgres:// URL. On success *out is owned by the caller. */
int xz_db_connect(const char *url, struct xz_db **out);
void xz_db_disconnect(struct xz_db *db);
enum xz_db_engine xz_db_engine(const struct xz_db *db);
/* xz_db_url: the url this connection was opened with (owned by db). */
const char *xz_db_url(const struct xz_db *db);

/* xz_db_exec: run one statement, ignoring rows. *changes (may be NULL) gets
 * the number of rows changed. XZ_ECONFLICT on a unique/foreign-key violation,
 * XZ_EDB otherwise. */
int xz_db_exec(struct xz_db *db, const char *sql, const struct xz_val *p, int n,
	       int64_t *changes);
/* xz_db_query: run one statement and materialise its rows (at most
 * XZ_MAX_ROWS) into *rows, a new json array the caller owns. */
int xz_db_query(struct xz_db *db, const char *sql, const struct xz_val *p, int n,
		json_t **rows);
/* A column of a visited row: its name, and its value as xz_db_query would
 * make it (TEXT ends in a NUL on both engines; len is its bytes). Valid
 * during the visit only. */
enum xz_col_type { XZ_COL_NULL = 0, XZ_COL_INT, XZ_COL_REAL, XZ_COL_TEXT };
struct xz_col {
	const char *name;
	enum xz_col_type t;
	int64_t i;
	double d;
	const char *s;
	size_t len;
};
/* xz_row_fn: called once per row with its n columns; a negative answer
 * stops the statement and is xz_db_each's. */
typedef int (*xz_row_fn)(void *arg, const struct xz_col *cols, int n);
/* xz_db_each: run one statement and call fn on each row as the engine
 * reads it (at most XZ_MAX_ROWS: more is XZ_ETOOBIG). */
int xz_db_each(struct xz_db *db, const char *sql, const struct xz_val *p, int n, xz_row_fn fn,
	       void *arg);
/* xz_db_rows: the visitor xz_db_query builds its tree with, for a caller of
 * a function that hands rows to a visitor and wants them all: the row as
 * an object of its columns appended to the json array arg. */
int xz_db_rows(void *arg, const struct xz_col *cols, int n);
/* xz_col_int, xz_col_text: the column named name of a visited row, as an
 * integer (0 when it is absent or not one) or as text (NULL likewise). */
int64_t xz_col_int(const struct xz_col *cols, int n, const char *name);
const char *xz_col_text(const struct xz_col *cols, int n, const char *name);
/* xz_row_with: hand fn the row's n columns with the k of more: one named as
 * a column of the row takes that column's place, the others follow in
 * their order (a domain's visitor adding what it works out of a row to the
 * columns the database read). fn's answer. */
int xz_row_with(xz_row_fn fn, void *arg, const struct xz_col *cols, int n,
		const struct xz_col *more, int k);
/* xz_db_one: like xz_db_query but answers the first row (caller owns) or
 * XZ_ENOTFOUND when there is none. */
int xz_db_one(struct xz_db *db, const char *sql, const struct xz_val *p, int n,
	      json_t **row);
/* xz_db_int: the first column of the first row as an integer, or XZ_ENOTFOUND. */
int xz_db_int(struct xz_db *db, const char *sql, const struct xz_val *p, int n,
	      int64_t *out);
/* xz_db_script: run several ;-separated statements with no parameters
 * (migrations only). */
int xz_db_script(struct xz_db *db, const char *sql);

int xz_db_begin(struct xz_db *db);
int xz_db_commit(struct xz_db *db);
int xz_db_rollback(struct xz_db *db);
/* xz_db_after: call fn(arg, committed) once the outermost transaction open
 * on db ends: committed is true when its COMMIT succeeded, false when it
 * rolled back (or its commit failed). With no transaction open fn runs at
 * once with true. For what must happen only if the work is kept — the live
 * events of notifications (domain/notify.c). fn must not use db. */
void xz_db_after(struct xz_db *db, void (*fn)(void *arg, bool committed), void *arg);
/* xz_db_errmsg: the text of this connection's last failed statement, read
 * from the engine when it failed ("" when none since it was lent from the
 * pool); owned by db, for logs. */
const char *xz_db_errmsg(struct xz_db *db);

/* Migrations: applies every embedded migration for the engine that is not
 * yet recorded in schema_migrations, each in its own transaction, with the
 * SHA-256 of its text. XZ_ECONFLICT (and an ERROR log line naming the
 * migration) when a recorded checksum differs from the binary's or the
 * database holds a migration this binary does not know. */
int xz_db_migrate(struct xz_db *db, int *applied);

/* What the database's schema is, compared with this binary's. */
struct xz_schema_status {
	int version;        /* highest migration recorded in the database */
	int binary_version; /* highest migration this binary carries */
	int pending;        /* migrations of the binary not yet applied */
	char problem[512];  /* why the schema does not match ("" when it does) */
};
/* xz_db_schema_status: read schema_migrations without changing anything.
 * 0 when every recorded migration is known with the same checksum (pending
 * ones may remain), XZ_ECONFLICT with st->problem set otherwise. */
int xz_db_schema_status(struct xz_db *db, struct xz_schema_status *st);

/* A fixed pool of connections shared by the server's threads. */
struct xz_pool;
int xz_pool_open(const char *url, int size, struct xz_pool **out);
/* xz_pool_get: borrow a connection, waiting while all are in use. */
struct xz_db *xz_pool_get(struct xz_pool *p);
void xz_pool_put(struct xz_pool *p, struct xz_db *db);
void xz_pool_close(struct xz_pool *p);
/* xz_pool_stats: connections lent out and the pool's size (metrics). */
void xz_pool_stats(struct xz_pool *p, int *busy, int *size);
/* xz_db_stats: statements run by every connection of the process and the
 * nanoseconds they took (metrics). */
void xz_db_stats(uint64_t *calls, uint64_t *ns);

/* The SQLite writer's counters since the process started (every pool):
 * transactions that ran on it, the COMMITs that made them durable (group
 * commit: transactions / commits is the mean batch), the time the writer
 * was held by transactions and by COMMITs, and by COMMITs alone. */
struct xz_writer_stats {
	uint64_t transactions, commits, held_ns, commit_ns;
};
void xz_db_writer_stats(struct xz_writer_stats *st);
/* xz_db_sqlite_memory: the bytes SQLite holds (page caches, schemas,
 * prepared statements) and the statements held in the connections' caches
 * (metrics: what a server's memory is made of). */
void xz_db_sqlite_memory(int64_t *bytes, long *statements);
/* xz_db_sqlite_budget: one budget for the page caches of every SQLite
 * connection of the process (the server's nine caches each filling to its
 * own 2 MB as the database grew made its memory creep for hours); over it
 * SQLite reuses its least recently used pages, with the operating system's
 * file cache behind them. */
void xz_db_sqlite_budget(int64_t bytes);
/* xz_pool_checkpoint: copy the SQLite WAL into the database (PASSIVE);
 * request connections never checkpoint, the scheduler calls this. No-op on
 * PostgreSQL. */
int xz_pool_checkpoint(struct xz_pool *p);
/* xz_pool_leader: whether this server runs the scheduler. On PostgreSQL the
 * servers sharing a database elect one by a session advisory lock held on a
 * connection of its own: when that server dies its connection closes and
 * the next server to ask takes the lock over. Cheap enough to ask every
 * second (one query). Always true on SQLite. Called from the scheduler
 * thread only. */
bool xz_pool_leader(struct xz_pool *p);

/* Driver entry points (used by db.c only). */
struct xz_db_driver {
	int (*connect)(const char *url, void **conn);
	void (*disconnect)(void *conn);
	/* each: run sql, calling fn (may be NULL) on each row, XZ_ETOOBIG
	 * past XZ_MAX_ROWS of them; *changes (may be NULL) gets the rows
	 * changed */
	int (*each)(void *conn, const char *sql, const struct xz_val *p, int n, xz_row_fn fn,
		    void *arg, int64_t *changes);
	int (*script)(void *conn, const char *sql);
	const char *(*errmsg)(void *conn);
	/* writes: whether sql changes the database (SQLite's writer routing) */
	bool (*writes)(void *conn, const char *sql);
	/* in_tx: whether a transaction is open on the connection */
	bool (*in_tx)(void *conn);
};
extern const struct xz_db_driver xz_db_sqlite_driver;
extern const struct xz_db_driver xz_db_pg_driver;

#endif
