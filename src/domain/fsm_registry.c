/*
 * fsm_registry.c — every life cycle the walker knows (see fsm_registry.h),
 * for the labels endpoint and the tests that walk each table. A concept
 * that adds a machine adds one line here.
 */
#include <stddef.h>

#include "domain/fsm_registry.h"
#include "domain/assessment.h"
#include "domain/inspection.h"
#include "domain/jointaction.h"
#include "domain/meeting.h"
#include "domain/problem.h"

const struct xz_fsm *const xz_fsm_registry[] = {
    &xz_problem_fsm,
    &xz_joint_fsm,
    &xz_meeting_fsm,
    &xz_meeting_item_fsm,
    &xz_inspection_finding_fsm,
    &xz_assessment_scheme_fsm,
    NULL,
};
