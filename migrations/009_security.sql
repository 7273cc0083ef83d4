-- 009_security.sql — issue 16 (security and reliability).
--
-- users.must_change_password: an account made or reset by the system
-- administrator must choose its own password (set by the routes, cleared by
-- POST /me/password).
-- login_throttle: failed logins counted per (account, source) and per
-- source alone, so five wrong passwords from one machine lock that machine
-- out of that account, not the account's owner at their own desk. Each lock
-- doubles the next one (growing delays).
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;

CREATE TABLE login_throttle (
  username TEXT NOT NULL,            -- '' for the per-source row
  source TEXT NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  locks INTEGER NOT NULL DEFAULT 0,  -- how many times this pair was locked
  locked_until BIGINT NOT NULL DEFAULT 0,
  last_at BIGINT NOT NULL,
  PRIMARY KEY (username, source)
);

-- idempotency.request_sha256: the body a key was first used with; the same
-- key with another body is refused (422 idempotency_key_reused) instead of
-- silently answering the first request.
ALTER TABLE idempotency ADD COLUMN request_sha256 TEXT;
