/*
 * events_pg.c — the live-updates bus across servers (issue 15, item 7).
 *
 * events.c's bus lives in one process: with several servers on one
 * PostgreSQL database, a page connected to one must also hear what the
 * others publish. Each server relays what it publishes through
 * `pg_notify('xz_events', payload)` on a connection of its own, and a
 * listener thread (`LISTEN xz_events` on another connection) delivers the
 * other servers' events to this process's subscribers with
 * xz_events_publish, exactly as if published here. The payload is
 *   {"o": <origin>, "n": <name>, "d": <data>, "t": <place or null>}
 * where origin (random per process) lets a server skip its own echoes.
 * NOTIFY is sent at once (autocommit), as local publishing is; a payload
 * over PostgreSQL's 8,000-byte limit is sent as a "resync" event, which
 * makes pages reload. A lost connection is reopened on the next use; the
 * listener reconnects every second until it succeeds.
 *
 * libpq is used directly here (and in store/db_pg.c) because LISTEN's
 * notifications are not rows: db.h has no reason to know them.
 */
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/xz.h"
#include "core/log.h"
#include "domain/events.h"
#include "domain/events_pg.h"

#define CHANNEL "xz_events"
#define MAX_PAYLOAD 7900

static struct {
	pthread_mutex_t mu; /* guards send */
	char *url;
	PGconn *send;
	char origin[17];
	pthread_t listener;
	volatile int stop;
	bool running;
} pg = {.mu = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local bool delivering; /* the listener publishing a remote event */

static PGconn *open_conn(void)
{
	PGconn *c = PQconnectdb(pg.url);
	if (PQstatus(c) != CONNECTION_OK) {
		xz_log_error("events: postgresql connect: %s", PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	return c;
}

/* relay: xz_events_relay's hook — NOTIFY the other servers. */
static void relay(const char *name, const json_t *data, const struct xz_sub_place *to)
{
	json_t *msg;
	char *text;
	const char *vals[1];
	PGresult *r;
	if (delivering)
		return;
	msg = json_pack("{s:s,s:s,s:O}", "o", pg.origin, "n", name, "d", data);
	if (!msg)
		return;
	json_object_set_new(msg, "t",
			    to ? json_pack("{s:I,s:I,s:I,s:I}", "c", (json_int_t)to->county_id, "w",
					   (json_int_t)to->township_id, "u",
					   (json_int_t)to->unit_id, "p", (json_int_t)to->user_id)
			       : json_null());
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (text && strlen(text) > MAX_PAYLOAD) {
		free(text);
		msg = json_pack("{s:s,s:s,s:{},s:n}", "o", pg.origin, "n", "resync", "d", "t");
		text = json_dumps(msg, JSON_COMPACT);
		json_decref(msg);
	}
	if (!text)
		return;
	vals[0] = text;
	pthread_mutex_lock(&pg.mu);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (!pg.send && !(pg.send = open_conn()))
			break;
		r = PQexecParams(pg.send, "SELECT pg_notify('" CHANNEL "', $1)", 1, NULL, vals,
				 NULL, NULL, 0);
		bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
		PQclear(r);
		if (ok)
			break;
		xz_log_error("events: notify: %s", PQerrorMessage(pg.send));
		PQfinish(pg.send); /* reopen once: the server may have restarted */
		pg.send = NULL;
	}
	pthread_mutex_unlock(&pg.mu);
	free(text);
}

/* deliver: one notification from another server to our subscribers. */
static void deliver(const char *payload)
{
	json_t *msg = json_loads(payload, 0, NULL), *t;
	const char *origin, *name;
	struct xz_sub_place to;
	if (!msg)
		return;
	origin = json_string_value(json_object_get(msg, "o"));
	name = json_string_value(json_object_get(msg, "n"));
	t = json_object_get(msg, "t");
	if (origin && name && strcmp(origin, pg.origin) && json_object_get(msg, "d")) {
		to = (struct xz_sub_place){
		    .county_id = json_integer_value(json_object_get(t, "c")),
		    .township_id = json_integer_value(json_object_get(t, "w")),
		    .unit_id = json_integer_value(json_object_get(t, "u")),
		    .user_id = json_integer_value(json_object_get(t, "p")),
		};
		delivering = true;
		xz_events_publish(name, json_object_get(msg, "d"), json_is_object(t) ? &to : NULL);
		delivering = false;
	}
	json_decref(msg);
}

static void *listen_loop(void *arg)
{
	PGconn *c = NULL;
	XZ_UNUSED(arg);
	while (!pg.stop) {
		struct pollfd pfd;
		PGnotify *n;
		if (!c || PQstatus(c) != CONNECTION_OK) {
			PGresult *r;
			PQfinish(c);
			if (!(c = open_conn())) {
				sleep(1);
				continue;
			}
			r = PQexec(c, "LISTEN " CHANNEL);
			PQclear(r);
		}
		pfd.fd = PQsocket(c);
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 250) < 0)
			continue;
		if (!PQconsumeInput(c)) {
			PQfinish(c);
			c = NULL;
			continue;
		}
		while ((n = PQnotifies(c))) {
			deliver(n->extra);
			PQfreemem(n);
		}
	}
	PQfinish(c);
	return NULL;
}

int xz_events_pg_start(const char *url)
{
	unsigned char rnd[8];
	PGconn *probe;
	if (strncmp(url, "postgresql://", 13) && strncmp(url, "postgres://", 11))
		return 0;
	pg.url = strdup(url);
	if (!pg.url)
		abort();
	randombytes_buf(rnd, sizeof(rnd));
	sodium_bin2hex(pg.origin, sizeof(pg.origin), rnd, sizeof(rnd));
	if (!(probe = open_conn()))
		return XZ_EDB;
	PQfinish(probe);
	pg.stop = 0;
	xz_events_relay = relay;
	if (pthread_create(&pg.listener, NULL, listen_loop, NULL) != 0) {
		xz_events_relay = NULL;
		return XZ_EDB;
	}
	pg.running = true;
	return 0;
}

void xz_events_pg_stop(void)
{
	if (!pg.running)
		return;
	xz_events_relay = NULL;
	pg.stop = 1;
	pthread_join(pg.listener, NULL);
	pg.running = false;
	pthread_mutex_lock(&pg.mu);
	PQfinish(pg.send);
	pg.send = NULL;
	pthread_mutex_unlock(&pg.mu);
	free(pg.url);
	pg.url = NULL;
}
