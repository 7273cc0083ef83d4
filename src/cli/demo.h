/*
 * demo.h — the demo county (莲都区, Lishui) used by `xiezhi demo`, the
 * tests and the README. Only the demo creates accounts with a known
 * password; a production database has none.
 */
#ifndef XZ_DEMO_H
#define XZ_DEMO_H

struct xz_db;

#define XZ_DEMO_PASSWORD "Xiezhi-demo-2026"

/* xz_demo_create: fill an empty, migrated database with the demo county.
 * XZ_ECONFLICT when the database already has regions. */
int xz_demo_create(struct xz_db *db);

#include <stdint.h>
/* xz_demo_grid: the demo county's grid, lists, categories, patrol checklist
 * and holiday calendar (demo_grid.c); called by xz_demo_create. */
int xz_demo_grid(struct xz_db *db, int64_t county, const int64_t town[4]);
/* xz_demo_problems: a few hundred problems over the last sixty days. */
int xz_demo_problems(struct xz_db *db);

/* xz_demo_joint: demo joint enforcement actions of every mechanism and
 * state, with participants, notices, incidents and findings (demo_joint.c);
 * called by xz_demo_create after the grid and lists. */
int xz_demo_joint(struct xz_db *db);

#endif
