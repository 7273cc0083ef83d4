/*
 * xz.h — the one header every Xiezhi file includes first.
 *
 * It fixes the return convention used across the code base: a function that
 * can fail returns 0 on success or one of the negative XZ_E* codes below.
 * The HTTP layer maps each code to exactly one status in xz_http_status()
 * (src/http/resp.c); nothing else decides a status.
 */
#ifndef XZ_H
#define XZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "core/limits.h"

enum {
	XZ_OK = 0,
	XZ_EMALFORMED = -1,  /* 400: syntactically bad input            */
	XZ_EAUTH = -2,       /* 401: not logged in / bad credentials    */
	XZ_EFORBIDDEN = -3,  /* 403: logged in, not allowed             */
	XZ_ENOTFOUND = -4,   /* 404                                     */
	XZ_ECONFLICT = -5,   /* 409: version mismatch, wrong state      */
	XZ_ETOOBIG = -6,     /* 413                                     */
	XZ_ERULE = -7,       /* 422: well-formed but breaks a rule      */
	XZ_ERATE = -8,       /* 429                                     */
	XZ_EMETHOD = -9,     /* 405                                     */
	XZ_EDB = -10,        /* 500: storage failure                    */
	XZ_EINTERNAL = -11,  /* 500                                     */
	XZ_EUNAVAIL = -12,   /* 503                                     */
	XZ_EIO = -13,        /* 500: file system                        */
};

#define XZ_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define XZ_UNUSED(x) ((void)(x))

/* xz_strerror: a short English name for a code (for logs). Static storage. */
const char *xz_strerror(int code);

#endif
