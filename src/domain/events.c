/*
 * events.c — the subscriber registry behind Server-Sent Events. One mutex
 * guards the list and every queue; queues are bounded (XZ_EVENT_QUEUE) so
 * a slow page cannot make the server grow without limit. Parking (the
 * stream has nothing to send: its connection is suspended) and waking (a
 * publisher resumes it) both happen under that one mutex, so no wake-up is
 * lost between an empty read and the suspension.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "domain/authz.h"
#include "domain/events.h"

#define XZ_EVENT_QUEUE (64u << 10)

struct xz_sub {
	struct xz_sub *next;
	struct xz_sub_place where;
	void (*wake)(void *arg);
	void *arg;
	char *buf;
	size_t len;
	bool overflowed;
	bool parked;
};

static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;
static struct xz_sub *subs;
static size_t nsubs;

struct xz_sub *xz_events_subscribe(const struct xz_sub_place *where, void (*wake)(void *arg),
				   void *arg)
{
	struct xz_sub *s = xz_calloc(1, sizeof(*s));
	s->where = *where;
	s->wake = wake;
	s->arg = arg;
	s->buf = xz_malloc(XZ_EVENT_QUEUE);
	pthread_mutex_lock(&bus_lock);
	s->next = subs;
	subs = s;
	nsubs++;
	pthread_mutex_unlock(&bus_lock);
	return s;
}

void xz_events_unsubscribe(struct xz_sub *s)
{
	struct xz_sub **p;
	if (!s)
		return;
	pthread_mutex_lock(&bus_lock);
	for (p = &subs; *p; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			nsubs--;
			break;
		}
	pthread_mutex_unlock(&bus_lock);
	xz_free(s->buf);
	xz_free(s);
}

size_t xz_events_read(struct xz_sub *s, char *buf, size_t max, void (*park)(void *arg))
{
	size_t n;
	pthread_mutex_lock(&bus_lock);
	n = s->len < max ? s->len : max;
	memcpy(buf, s->buf, n);
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	if (!n && park) {
		s->parked = true;
		park(s->arg);
	}
	pthread_mutex_unlock(&bus_lock);
	return n;
}

static bool reaches(const struct xz_sub_place *sub, const struct xz_sub_place *to)
{
	if (!to)
		return true;
	if (to->user_id && sub->user_id == to->user_id)
		return true;
	if (to->unit_id && sub->unit_id == to->unit_id)
		return true;
	if (to->township_id && sub->township_id == to->township_id)
		return true;
	return !sub->township_id && !sub->unit_id && sub->county_id &&
	       sub->county_id == to->county_id;
}

/* may_read: the subscriber's roles grant perm at the record's place. */
static bool may_read(const struct xz_sub_place *sub, const char *perm,
		     const struct xz_sub_place *to)
{
	struct xz_user u = {.id = sub->user_id,
			    .county_id = sub->county_id,
			    .township_id = sub->township_id,
			    .unit_id = sub->unit_id,
			    .department_id = sub->department_id,
			    .roles = sub->roles};
	struct xz_place p = {.county_id = to->county_id,
			     .township_id = to->township_id,
			     .department_id = to->department_id,
			     .unit_id = to->unit_id};
	return xz_authz(&u, perm, &p);
}

/* push: append text to one queue (lock held); wake it. */
static void push(struct xz_sub *s, const char *text, size_t n)
{
	static const char resync[] = "event: resync\ndata: {}\n\n";
	if (s->len + n > XZ_EVENT_QUEUE) {
		if (!s->overflowed && s->len + sizeof(resync) - 1 <= XZ_EVENT_QUEUE) {
			memcpy(s->buf + s->len, resync, sizeof(resync) - 1);
			s->len += sizeof(resync) - 1;
		}
		s->overflowed = true;
	} else {
		memcpy(s->buf + s->len, text, n);
		s->len += n;
		s->overflowed = false;
	}
	if (s->parked && s->wake) {
		s->parked = false;
		s->wake(s->arg);
	}
}

void (*xz_events_relay)(const char *name, const json_t *data, const struct xz_sub_place *to);

void xz_events_publish(const char *name, const json_t *data, const struct xz_sub_place *to)
{
	char *json = json_dumps(data, JSON_COMPACT), *text;
	size_t n;
	struct xz_sub *s;
	if (xz_events_relay)
		xz_events_relay(name, data, to);
	if (!json)
		return;
	n = strlen(name) + strlen(json) + 20;
	text = xz_malloc(n);
	n = (size_t)snprintf(text, n, "event: %s\ndata: %s\n\n", name, json);
	if (to && !to->perm && !strcmp(name, "problem")) {
		struct xz_sub_place t = *to;
		t.perm = "problem.read";
		to = &t;
		pthread_mutex_lock(&bus_lock);
		for (s = subs; s; s = s->next)
			if (may_read(&s->where, to->perm, to))
				push(s, text, n);
		pthread_mutex_unlock(&bus_lock);
		goto out;
	}
	pthread_mutex_lock(&bus_lock);
	for (s = subs; s; s = s->next)
		if (to && to->perm ? may_read(&s->where, to->perm, to) : reaches(&s->where, to))
			push(s, text, n);
	pthread_mutex_unlock(&bus_lock);
out:
	xz_free(text);
	free(json);
}

void xz_events_ping(void)
{
	struct xz_sub *s;
	pthread_mutex_lock(&bus_lock);
	for (s = subs; s; s = s->next)
		push(s, ": ping\n\n", 8);
	pthread_mutex_unlock(&bus_lock);
}

size_t xz_events_count(void)
{
	size_t n;
	pthread_mutex_lock(&bus_lock);
	n = nsubs;
	pthread_mutex_unlock(&bus_lock);
	return n;
}
