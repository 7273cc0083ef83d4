-- 005 repair 003: databases created by the first released text of
-- 003_problems (before 9e16aeb and 933872f) lack the supervision's alert
-- flag and four indexes that 003 gained after its release, and every
-- scheduler pass failed on them. This brings them up to date; on a
-- database made by the current 003 it changes nothing.
--
-- SQLite has no ADD COLUMN IF NOT EXISTS: the migration runner
-- (src/store/db.c) leaves out the statement after "@skip-if-column" when
-- the column is already there.

-- @sqlite
-- @skip-if-column problems.supervise_alerted
ALTER TABLE problems ADD COLUMN supervise_alerted INTEGER NOT NULL DEFAULT 0;
-- @end
-- @pg
ALTER TABLE problems ADD COLUMN IF NOT EXISTS supervise_alerted INTEGER NOT NULL DEFAULT 0;
-- @end

CREATE INDEX IF NOT EXISTS problems_township_created ON problems(township_id, created_at);
CREATE INDEX IF NOT EXISTS problems_township_closed ON problems(township_id, closed_at);
-- covers the dashboard's grouped pass (stats/problems) without reading rows
CREATE INDEX IF NOT EXISTS problems_stats ON problems(township_id, state, channel, category, unit_id, on_time, due_at, created_at);
CREATE INDEX IF NOT EXISTS problems_supervise_due ON problems(supervise_due_at);
