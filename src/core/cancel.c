/*
 * cancel.c — a thread's cancellation check (see cancel.h).
 */
#include <stddef.h>

#include "core/cancel.h"

static _Thread_local bool (*check_fn)(void *arg);
static _Thread_local void *check_arg;

void xz_cancel_set(bool (*fn)(void *arg), void *arg)
{
	check_fn = fn;
	check_arg = arg;
}

bool xz_cancelled(void)
{
	return check_fn && check_fn(check_arg);
}
