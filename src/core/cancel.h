/*
 * cancel.h — the one way long work learns that nobody waits for it any more.
 *
 * The HTTP server installs a check for the request a thread is running (has
 * the client gone?); CPU-heavy code (polygon validation) asks xz_cancelled()
 * now and then and abandons its work when it answers true. Thread-local: each
 * worker thread has its own check. Without a check installed (the CLI, unit
 * tests) nothing is ever cancelled.
 */
#ifndef XZ_CANCEL_H
#define XZ_CANCEL_H

#include <stdbool.h>

/* xz_cancel_set: install fn(arg) as this thread's check (NULL removes it). */
void xz_cancel_set(bool (*fn)(void *arg), void *arg);

/* xz_cancelled: true when this thread's check says the work is abandoned.
 * Costs one system call at most; callers ask every few thousand steps. */
bool xz_cancelled(void);

#endif
