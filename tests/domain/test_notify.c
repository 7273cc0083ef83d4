/* test_notify.c — the one notifier (src/domain/notify.c) and deadlines by
 * the record's county, on the demo county in a SQLite file:
 * - a notification written in a transaction that rolls back leaves no row
 *   and no live event; one that commits leaves both, the event only after
 *   the commit, naming the record and the web route that opens it;
 * - the targets resolve to each active account once, the actor left out;
 * - a deadline follows its own county's calendar: with a holiday in the
 *   demo county only, a second county's problem is due a day earlier. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/xz.h"
#include "core/xtime.h"
#include "cli/demo.h"
#include "domain/auth.h"
#include "domain/calendar_db.h"
#include "domain/events.h"
#include "domain/notify.h"
#include "domain/problem.h"
#include "store/db.h"
#include "unit.h"

static char dir[64], path[128];
static struct xz_db *db;
static struct xz_sub *office_sub; /* the demo office's (user 5) live stream */

enum { OFFICE = 5, LEADER = 6, CONTACT = 7, TOWN = 3, OFFICE_PERSON = 18 };

static void setup(void)
{
	int applied = 0;
	snprintf(dir, sizeof(dir), "/tmp/xz-notify-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/t.db", dir);
	if (xz_auth_init() < 0 || xz_db_connect(path, &db) < 0 || xz_db_migrate(db, &applied) < 0 ||
	    xz_demo_create(db) < 0)
		abort();
	office_sub = xz_events_subscribe(&(struct xz_sub_place){.user_id = OFFICE}, NULL, NULL);
}

static void teardown(void)
{
	char f[160];
	const char *ext[] = {"", "-wal", "-shm"};
	xz_events_unsubscribe(office_sub);
	xz_db_disconnect(db);
	for (size_t i = 0; i < 3; i++) {
		snprintf(f, sizeof(f), "%s%s", path, ext[i]);
		unlink(f);
	}
	rmdir(dir);
}

static int64_t count(const char *sql)
{
	int64_t n = -1;
	xz_db_int(db, sql, XZ_NOARGS, &n);
	return n;
}

/* drain: what the office's stream holds now ("" when nothing), static */
static const char *drain(void)
{
	static char buf[8192];
	size_t n = xz_events_read(office_sub, buf, sizeof(buf) - 1, NULL);
	buf[n] = 0;
	return buf;
}

static void test_rollback_tells_nobody(void)
{
	struct xz_note n = {"t_rollback", "problem", 1, "标题", "正文", 0};
	size_t told = 0;
	drain();
	CHECK_EQ_INT(xz_db_begin(db), 0);
	CHECK_EQ_INT(xz_notify(db, xz_now(), &n, XZ_TOS(XZ_TO_OFFICE(TOWN)), &told), 0);
	CHECK_EQ_INT(told, 1);
	CHECK_EQ_STR(drain(), ""); /* nothing live while the transaction is open */
	xz_db_rollback(db);
	CHECK_EQ_INT(count("SELECT COUNT(*) FROM notifications WHERE kind = 't_rollback'"), 0);
	CHECK_EQ_STR(drain(), "");
}

static void test_commit_tells_after_commit(void)
{
	struct xz_note n = {"t_commit", "meeting", 42, "联席会议通知", NULL, 0};
	const char *ev;
	drain();
	CHECK_EQ_INT(xz_db_begin(db), 0);
	CHECK_EQ_INT(xz_notify(db, xz_now(), &n, XZ_TOS(XZ_TO_OFFICE(TOWN)), NULL), 0);
	CHECK_EQ_STR(drain(), "");
	CHECK_EQ_INT(xz_db_commit(db), 0);
	ev = drain();
	CHECK(strstr(ev, "event: notification\n") != NULL);
	CHECK(strstr(ev, "\"record_kind\":\"meeting\"") != NULL);
	CHECK(strstr(ev, "\"link\":\"#/meeting/42\"") != NULL);
	CHECK_EQ_INT(
	    count("SELECT COUNT(*) FROM notifications WHERE kind = 't_commit' AND user_id = 5 "
		  "AND record_kind = 'meeting' AND record_id = 42 AND body = '' AND "
		  "problem_id IS NULL"),
	    1);
	/* an inner scope that rolls back takes the whole transaction with it */
	drain();
	n.kind = "t_inner";
	CHECK_EQ_INT(xz_db_begin(db), 0);
	CHECK_EQ_INT(xz_db_begin(db), 0);
	CHECK_EQ_INT(xz_notify(db, xz_now(), &n, XZ_TOS(XZ_TO_OFFICE(TOWN)), NULL), 0);
	xz_db_rollback(db);
	CHECK(xz_db_commit(db) < 0);
	CHECK_EQ_STR(drain(), "");
	CHECK_EQ_INT(count("SELECT COUNT(*) FROM notifications WHERE kind = 't_inner'"), 0);
}

static void test_each_account_once(void)
{
	/* the office through its role, its account and its person: one row */
	struct xz_note n = {"t_once", "problem", 7, "问题", "", 0};
	size_t told = 0;
	CHECK_EQ_INT(xz_notify(db, xz_now(), &n,
			       XZ_TOS(XZ_TO_OFFICE(TOWN), XZ_TO(XZ_TO_USER, OFFICE),
				      XZ_TO(XZ_TO_PERSON, OFFICE_PERSON), XZ_TO_LEADERS(TOWN)),
			       &told),
		     0);
	CHECK_EQ_INT(told, 2);
	CHECK_EQ_INT(
	    count("SELECT COUNT(*) FROM notifications WHERE kind = 't_once' AND user_id = 5 "
		  "AND problem_id = 7 AND record_kind = 'problem'"),
	    1);
	CHECK_EQ_INT(
	    count("SELECT COUNT(*) FROM notifications WHERE kind = 't_once' AND user_id = 6"), 1);
	/* the actor is not told; nobody named, nobody told */
	n.kind = "t_actor";
	n.except_user = OFFICE;
	CHECK_EQ_INT(
	    xz_notify(db, xz_now(), &n,
		      XZ_TOS(XZ_TO_OFFICE(TOWN), XZ_TO_LEADERS(TOWN), XZ_TO(XZ_TO_UNIT_CONTACT, 0)),
		      &told),
	    0);
	CHECK_EQ_INT(told, 1);
	CHECK_EQ_INT(
	    count("SELECT COUNT(*) FROM notifications WHERE kind = 't_actor' AND user_id = 5"), 0);
	/* a disabled account is told nothing */
	n.kind = "t_disabled";
	n.except_user = 0;
	xz_db_exec(db, "UPDATE users SET disabled = 1 WHERE id = 7", XZ_NOARGS, NULL);
	CHECK_EQ_INT(xz_notify(db, xz_now(), &n, XZ_TOS(XZ_TO(XZ_TO_UNIT_MEMBERS, 1)), &told), 0);
	xz_db_exec(db, "UPDATE users SET disabled = 0 WHERE id = 7", XZ_NOARGS, NULL);
	CHECK_EQ_INT(
	    count("SELECT COUNT(*) FROM notifications WHERE kind = 't_disabled' AND user_id = 7"),
	    0);
	CHECK_EQ_INT(
	    count("SELECT COUNT(*) FROM notifications WHERE kind = 't_disabled' AND user_id = 8"),
	    1);
}

static void test_links(void)
{
	char b[64];
	CHECK_EQ_STR(xz_notify_link("problem", 7, b, sizeof(b)), "#/problem/7");
	CHECK_EQ_STR(xz_notify_link("joint_action", 3, b, sizeof(b)), "#/joint-action/3");
	CHECK_EQ_STR(xz_notify_link("joint_notice", 5, b, sizeof(b)), "#/notices/5");
	CHECK_EQ_STR(xz_notify_link("meeting_item", 4, b, sizeof(b)), "#/meeting-items/4");
	CHECK_EQ_STR(xz_notify_link("inspection", 1, b, sizeof(b)), "#/inspections/1");
	CHECK_EQ_STR(xz_notify_link("bulletin", 6, b, sizeof(b)), "#/bulletin/6");
	CHECK_EQ_STR(xz_notify_link("assessment_flag", 8, b, sizeof(b)), "#/assessment-flags/8");
	CHECK_EQ_STR(xz_notify_link("assessment_result", 9, b, sizeof(b)),
		     "#/assessment-results/9");
	CHECK(xz_notify_link(NULL, 1, b, sizeof(b)) == NULL);
	CHECK(xz_notify_link("problem", 0, b, sizeof(b)) == NULL);
	CHECK(xz_notify_link("nonesuch", 1, b, sizeof(b)) == NULL);
}

static void test_deadline_follows_county(void)
{
	int64_t other = 0, from = 0, due_demo = 0, due_other = 0, warn = 0, plain = 0;
	const char *cat = NULL;
	json_t *row = NULL;
	/* a second county, and a holiday on Friday 2027-03-05 in the demo county only */
	CHECK_EQ_INT(
	    xz_db_int(db,
		      "INSERT INTO regions (parent_id, level, code, name, created_at, "
		      "updated_at) VALUES (1, 'county', 'T-OTHER', '另一县', 0, 0) RETURNING id",
		      XZ_NOARGS, &other),
	    0);
	CHECK_EQ_INT(
	    xz_db_exec(db,
		       "INSERT INTO calendar_days (county_id, day, kind, name, updated_at) "
		       "VALUES (2, '2027-03-05', 'holiday', '测试', 0)",
		       XZ_NOARGS, NULL),
	    0);
	CHECK_EQ_INT(xz_caldb_touch(db), 0);
	CHECK_EQ_INT(
	    xz_db_one(db, "SELECT code FROM categories WHERE handle_days > 0 ORDER BY id LIMIT 1",
		      XZ_NOARGS, &row),
	    0);
	cat = json_string_value(json_object_get(row, "code"));
	CHECK_EQ_INT(xz_time_parse("2027-03-04T10:00:00+08:00", &from), 0); /* a Thursday */
	CHECK_EQ_INT(xz_problem_step_due(db, 2, cat, XZ_STEP_HANDLE, from, &due_demo, &warn), 0);
	CHECK_EQ_INT(xz_problem_step_due(db, other, cat, XZ_STEP_HANDLE, from, &due_other, &warn),
		     0);
	/* the other county keeps plain weeks: Friday works there */
	CHECK_EQ_INT(due_demo - due_other, 86400);
	CHECK_EQ_INT(xz_caldb_deadline_in(db, other, from, 1, XZ_DL_WORKING_DAYS, &plain), 0);
	CHECK_EQ_INT(plain, from - 10 * 3600 + 2 * 86400 - 1); /* Friday 23:59:59 */
	CHECK_EQ_INT(xz_caldb_deadline_in(db, 2, from, 1, XZ_DL_WORKING_DAYS, &plain), 0);
	CHECK_EQ_INT(plain, from - 10 * 3600 + 5 * 86400 - 1); /* Monday 23:59:59 */
	json_decref(row);
}

int main(void)
{
	setup();
	RUN(test_rollback_tells_nobody);
	RUN(test_commit_tells_after_commit);
	RUN(test_each_account_once);
	RUN(test_links);
	RUN(test_deadline_follows_county);
	teardown();
	return unit_done();
}
