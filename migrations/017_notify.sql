-- 017 one notifier (issue 13, R7.3): a notification names the record it is
-- about (record_kind, record_id: a problem, joint action, interactive notice,
-- meeting, decided item, inspection, bulletin, assessment flag or result), so
-- the inbox opens it. Rows written before carried only problem_id: those are
-- problems. domain/notify.c writes every row (docs/internals/notify.md).

ALTER TABLE notifications ADD COLUMN record_kind TEXT;
ALTER TABLE notifications ADD COLUMN record_id BIGINT;
UPDATE notifications SET record_kind = 'problem', record_id = problem_id
  WHERE problem_id IS NOT NULL;

-- The inbox's unread count (on every page and every live message): the
-- user's unread rows only, instead of every row the user ever received
-- through notifications_user (the office of a township receives one per
-- reported problem).
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;
