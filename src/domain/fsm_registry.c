/*
 * fsm_registry.c — every life cycle the walker knows, for the labels
 * endpoint and the tests that walk each table. A new machine adds its line.
 */
#include <stddef.h>

#include "domain/fsm.h"
#include "domain/jointaction.h"

const struct xz_fsm *const xz_fsm_registry[] = {&xz_joint_fsm, NULL};
