/*
 * events_pg.h — live updates across servers sharing one PostgreSQL
 * database (events_pg.c).
 */
#ifndef XZ_EVENTS_PG_H
#define XZ_EVENTS_PG_H

/* xz_events_pg_start: when url is a PostgreSQL URL, relay every event this
 * process publishes to the other servers on the database (NOTIFY) and
 * deliver theirs to this process's subscribers (LISTEN, a thread of its
 * own). A no-op (0) on SQLite. XZ_EDB when the database cannot be reached. */
int xz_events_pg_start(const char *url);
/* xz_events_pg_stop: stop relaying and listening; joins the thread. */
void xz_events_pg_stop(void);

#endif
