/*
 * routes_events.c — Server-Sent Events for open pages (R7.3). Each stream
 * is a libmicrohttpd callback response over a subscriber of the event bus
 * (domain/events.c). With nothing to send, the reader parks: it suspends
 * the connection (no thread waits) and the next publish resumes it. The
 * server's scheduler pings every stream regularly, which also finds the
 * ones whose page has gone.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "core/xz.h"
#include "core/alloc.h"
#include "domain/events.h"
#include "http/http.h"

struct stream {
	struct MHD_Connection *conn;
	struct xz_sub *sub;
	bool greeted;
};

static void park(void *arg)
{
	struct stream *s = arg;
	MHD_suspend_connection(s->conn);
}

static void wake(void *arg)
{
	struct stream *s = arg;
	MHD_resume_connection(s->conn);
}

static volatile int closing; /* the server is stopping: streams end */

void xz_events_streams_close(void)
{
	closing = 1;
}

static ssize_t reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char hello[] = "retry: 5000\n: connected\n\n";
	struct stream *s = cls;
	XZ_UNUSED(pos);
	if (closing)
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (!s->greeted && max >= sizeof(hello)) {
		s->greeted = true;
		memcpy(buf, hello, sizeof(hello) - 1);
		return (ssize_t)(sizeof(hello) - 1);
	}
	return (ssize_t)xz_events_read(s->sub, buf, max, park);
}

static void release(void *cls)
{
	struct stream *s = cls;
	xz_events_unsubscribe(s->sub);
	xz_free(s);
}

/* events_stream: text/event-stream of `problem` (a problem of the caller's
 * place changed), `notification` (something for the caller's inbox) and
 * `resync` (events were dropped: reload). */
static int events_stream(struct xz_req *r)
{
	struct stream *s = xz_calloc(1, sizeof(*s));
	struct xz_sub_place where = {.county_id = r->user->county_id,
				     .township_id = r->user->township_id,
				     .unit_id = r->user->unit_id,
				     .user_id = r->user->id,
				     .department_id = r->user->department_id,
				     .roles = r->user->roles};
	s->conn = r->conn;
	s->sub = xz_events_subscribe(&where, wake, s);
	r->stream = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, reader, s, release);
	if (!r->stream) {
		release(s);
		return xz_fail(r, XZ_EINTERNAL, "stream_failed", "无法建立推送连接",
			       "Cannot open the event stream", NULL);
	}
	return 0;
}

const struct xz_route xz_routes_events[] = {
	{"GET", "/api/v1/events", events_stream, "self", 0},
	{NULL, NULL, NULL, NULL, 0},
};
