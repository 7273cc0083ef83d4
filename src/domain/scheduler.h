/*
 * scheduler.h — the scheduler's one pass over everything that falls due:
 * problems (problem.c), decided items of joint meetings (meeting.c) and the
 * passes later concepts add. The server's scheduler thread and the test
 * clock endpoint call only this.
 */
#ifndef XZ_SCHEDULER_H
#define XZ_SCHEDULER_H

#include <stdint.h>

struct xz_db;

/* xz_scheduler_pass: every concept's pass at `now`; *found counts the
 * records announced. The first failure is returned after the other passes
 * have still run. */
int xz_scheduler_pass(struct xz_db *db, int64_t now, int *found);

#endif
