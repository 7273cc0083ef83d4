/*
 * auth.h — passwords, sessions, lock-out and login rate limiting (R10.2).
 *
 * Passwords: argon2id through libsodium's crypto_pwhash_str at the
 * INTERACTIVE limits (≈0.05 s, 64 MiB), at most XZ_HASH_CONCURRENCY at once.
 * Policy: at least 12 characters, not on the shipped common-password list,
 * not containing the username; the "mlps" profile adds three of four
 * character classes, 90-day rotation and no reuse of the last five.
 * Sessions: 256-bit random tokens, stored only as SHA-256 hashes; idle
 * expiry 30 minutes, absolute 12 hours; a new token at every login.
 */
#ifndef XZ_AUTH_H
#define XZ_AUTH_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "domain/authz.h"

struct xz_db;
struct xz_arena;

#define XZ_SESSION_IDLE (30 * 60)
#define XZ_SESSION_ABSOLUTE (12 * 3600)
#define XZ_LOCK_FAILURES 5
#define XZ_LOCK_SECONDS (15 * 60)       /* the first lock of a (account, source) */
#define XZ_LOCK_MAX_SECONDS (24 * 3600) /* each further lock doubles, up to this */
#define XZ_SOURCE_FAILURES 20           /* failures from one source on any accounts */
#define XZ_THROTTLE_WINDOW 3600         /* failures older than this are forgiven */
#define XZ_TOKEN_LEN 64 /* base64url of 32 bytes is 43; room to spare */

/* xz_auth_init: initialise libsodium and the hashing semaphore. */
int xz_auth_init(void);

/* xz_password_hash: argon2id hash string into out[128]. */
int xz_password_hash(const char *password, char *out, size_t size);
/* xz_password_verify: true when password matches the stored hash. */
bool xz_password_verify(const char *hash, const char *password);
/* xz_password_check: policy check for a new password (db may be NULL:
 * then the default profile). On failure returns XZ_ERULE and sets *code and
 * the messages to static strings. history is the JSON array of previous
 * hashes (may be NULL). */
int xz_password_check(struct xz_db *db, const char *username, const char *password,
		      const json_t *history, const char **code, const char **msg,
		      const char **msg_en);

/* xz_token_new: a fresh random token (base64url) into tok[XZ_TOKEN_LEN]. */
void xz_token_new(char *tok);
/* xz_token_hash: hex SHA-256 of a token into hex[65]. */
void xz_token_hash(const char *tok, char *hex);

/* Login outcome codes for xz_login. */
enum xz_login_result {
	XZ_LOGIN_OK,
	XZ_LOGIN_BAD,
	XZ_LOGIN_LOCKED, /* this source is locked out of this account */
	XZ_LOGIN_DISABLED,
	XZ_LOGIN_THROTTLED, /* this source failed too often on any accounts */
};

/* xz_login: check credentials, apply lock-out, and on success create a
 * session. Lock-out is by (account, source) and by source: XZ_LOCK_FAILURES
 * wrong passwords from one source lock that source out of that account
 * (15 minutes, doubling with each further lock, the owner notified);
 * XZ_SOURCE_FAILURES on any accounts lock the source out of all. No
 * account — an administrator's least of all — is locked for everyone by
 * failures from the network. *token, *csrf receive new tokens (caller buffers of
 * XZ_TOKEN_LEN); *user_id the user. *locked_now is set when this failure
 * locked the account. Audits every outcome. */
int xz_login(struct xz_db *db, const char *username, const char *password, const char *source,
	     const char *user_agent, enum xz_login_result *result, int64_t *user_id, char *token,
	     char *csrf, int64_t *expires_at);

/* xz_login_unlock: forget the lock-outs of an account (security admin). */
int xz_login_unlock(struct xz_db *db, int64_t user_id);

/* xz_session_lookup: the user behind a token, or XZ_EAUTH when the session
 * is unknown, ended or expired. Touches last_seen_at. The user's strings
 * are allocated from arena. */
int xz_session_lookup(struct xz_db *db, struct xz_arena *arena, const char *token,
		      struct xz_user *user);
/* xz_user_load: fill a user (roles, place) by id, strings from arena. */
int xz_user_load(struct xz_db *db, struct xz_arena *arena, int64_t id, struct xz_user *user);
/* xz_session_end: end a session (logout). */
int xz_session_end(struct xz_db *db, int64_t session_id);

/* Per-source login rate limiting (in memory). */
struct xz_ratelimit;
struct xz_ratelimit *xz_ratelimit_new(int per_minute);
/* xz_ratelimit_hit: count one attempt from source; false when over the limit. */
bool xz_ratelimit_hit(struct xz_ratelimit *rl, const char *source, int64_t now);
/* xz_ratelimit_over: whether source is over the limit now, counting nothing
 * (login counts only its failures with xz_ratelimit_hit). */
bool xz_ratelimit_over(struct xz_ratelimit *rl, const char *source, int64_t now);
void xz_ratelimit_free(struct xz_ratelimit *rl);

/* xz_roles_string: "office,leader" for a role mask, into buf. */
char *xz_roles_string(unsigned roles, char *buf, size_t size);

/* Shipped data (scripts/embed.c). */
extern const char xz_data_common_passwords[];

#endif
