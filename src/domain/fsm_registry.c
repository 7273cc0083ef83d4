/*
 * fsm_registry.c — the list of every life cycle (see fsm_registry.h). A
 * concept that adds a machine adds one line here.
 */
#include <stddef.h>

#include "domain/fsm_registry.h"
#include "domain/meeting.h"
#include "domain/problem.h"

const struct xz_fsm *const xz_fsm_registry[] = {
    &xz_problem_fsm,
    &xz_meeting_fsm,
    &xz_meeting_item_fsm,
    NULL,
};
