/*
 * events.h — live updates for open pages (R7.3): a process-wide bus of
 * subscribers, each with a bounded queue of Server-Sent Events text. The
 * HTTP layer (routes_events.c) holds one subscriber per open stream and is
 * woken when its queue gains something; domain code publishes. An event
 * goes to subscribers of the same township, of the named unit, to the
 * named user, and to county-level subscribers (township 0) of the county.
 */
#ifndef XZ_EVENTS_H
#define XZ_EVENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct xz_sub;

struct xz_sub_place {
	int64_t county_id, township_id, unit_id, user_id;
	/* a subscriber's department and roles, or a record's department: an
	 * event about a record (a "problem") reaches only those whose roles
	 * may read it there (authz.c, the same rule as reading the record) */
	int64_t department_id;
	unsigned roles;
	const char *perm; /* publish: the permission reading the record needs */
};

/* xz_events_subscribe: a new subscriber; wake(arg) is called (from the
 * publisher's thread, bus lock held) when its queue gains data after a read
 * parked it. */
struct xz_sub *xz_events_subscribe(const struct xz_sub_place *where, void (*wake)(void *arg),
				   void *arg);
void xz_events_unsubscribe(struct xz_sub *s);
/* xz_events_read: move up to max queued bytes into buf; when there are
 * none, answers 0 and, if park is given, calls park(arg) (bus lock held)
 * and marks the subscriber parked until the next publish wakes it. */
size_t xz_events_read(struct xz_sub *s, char *buf, size_t max, void (*park)(void *arg));
/* xz_events_publish: "event: <name>\ndata: <json>\n\n" to every subscriber
 * the place reaches. When to->perm is set (by default "problem.read" for a
 * "problem" event) a subscriber gets it only if xz_authz grants it that
 * permission at the record's place: nobody learns through the stream of a
 * record they would get 404 for. A subscriber whose queue is full drops the event and
 * gets a "resync" event instead so the page reloads its data. */
void xz_events_publish(const char *name, const json_t *data, const struct xz_sub_place *to);
/* xz_events_relay: when set, also called by xz_events_publish with what
 * it publishes (events_pg.c: to the other servers on one PostgreSQL). */
extern void (*xz_events_relay)(const char *name, const json_t *data,
			       const struct xz_sub_place *to);
/* xz_events_ping: a comment line to every subscriber (keeps proxies and
 * idle timers from closing the stream). */
void xz_events_ping(void);
/* xz_events_count: open subscribers (tests, health). */
size_t xz_events_count(void);

#endif
