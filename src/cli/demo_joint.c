/*
 * demo_joint.c — placeholder, filled below.
 */
#include "core/xz.h"
#include "store/db.h"
#include "cli/demo.h"

int xz_demo_joint(struct xz_db *db)
{
	XZ_UNUSED(db);
	return 0;
}
