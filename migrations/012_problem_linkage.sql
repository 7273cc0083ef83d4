-- 012 the closed loop's linkage (R9.1, R5.3) and idempotent evidence (R4.7):
-- a unit's pending request to escalate a problem to joint enforcement, and
-- the client's Idempotency-Key kept with the evidence it uploaded, so that a
-- retried upload counts once.
ALTER TABLE problems ADD COLUMN escalation_requested_at BIGINT;
ALTER TABLE evidence ADD COLUMN idempotency_key TEXT;
CREATE UNIQUE INDEX evidence_idempotency ON evidence(uploaded_by, idempotency_key);
