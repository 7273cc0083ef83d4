/*
 * scheduler.c — one list of the passes the scheduler runs (see
 * scheduler.h). A concept with deadlines adds its pass here.
 */
#include "core/xz.h"
#include "domain/assessment.h"
#include "domain/jointaction.h"
#include "domain/meeting.h"
#include "domain/problem.h"
#include "domain/scheduler.h"

static int (*const passes[])(struct xz_db *, int64_t, int *) = {
	xz_joint_tick,
	xz_problem_tick,
	xz_meeting_tick,
	xz_assessment_tick,
};

int xz_scheduler_pass(struct xz_db *db, int64_t now, int *found)
{
	size_t i;
	int first = 0, rc, n;
	*found = 0;
	for (i = 0; i < XZ_ARRAY_LEN(passes); i++) {
		n = 0;
		rc = passes[i](db, now, &n);
		*found += n;
		if (rc < 0 && !first)
			first = rc;
	}
	return first;
}
