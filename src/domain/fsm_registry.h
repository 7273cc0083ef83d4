/*
 * fsm_registry.h — every life cycle the system walks, so that what is
 * shown to people (state and action labels for the web, GET
 * /api/v1/meta/labels) comes from the machines themselves.
 */
#ifndef XZ_FSM_REGISTRY_H
#define XZ_FSM_REGISTRY_H

#include "domain/fsm.h"

/* The machines, NULL-terminated; each is known by its `name`. */
extern const struct xz_fsm *const xz_fsm_registry[];

#endif
