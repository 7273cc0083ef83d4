-- fill.sql — fill a demo SQLite database up to :rows problems (XZ_ROWS is
-- replaced by bench/fill.sh): copies of the demo's, spread over
-- townships, states, cells and two years, with their lights already
-- computed (closed ones closed, past deadlines marked overdue), so the
-- scheduler's first pass after the fill has nothing to do.
-- bench/fill.sh runs it inside its bulk load (indexes and triggers set
-- aside, the FTS index and the daily sums rebuilt after).
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < XZ_ROWS - (SELECT COUNT(*) FROM problems))
INSERT INTO problems (county_id, township_id, village_id, cell_id, channel, category, description,
  lon, lat, state, unit_id, department_id, routed_unit_id, reported_by, step, due_at, warn_at,
  alert_level, on_time, closed_at, created_at, updated_at)
SELECT p.county_id, p.township_id, p.village_id, p.cell_id, p.channel, p.category,
  p.description || ' #' || n.i, p.lon, p.lat,
  CASE WHEN n.i % 50 = 0 THEN 'in_hand' WHEN n.i % 50 = 1 THEN 'dispatched' ELSE 'closed' END,
  p.unit_id, p.department_id, p.routed_unit_id, p.reported_by,
  CASE WHEN n.i % 50 < 2 THEN 'handle' END,
  CASE WHEN n.i % 50 < 2 THEN strftime('%s', 'now') - 86400 + (n.i % 7) * 86400 END,
  CASE WHEN n.i % 50 < 2 THEN strftime('%s', 'now') - 2 * 86400 + (n.i % 7) * 86400 END,
  CASE WHEN n.i % 50 < 2 AND n.i % 7 <= 1 THEN 2 WHEN n.i % 50 < 2 AND n.i % 7 = 2 THEN 1 ELSE 0 END,
  CASE WHEN n.i % 50 < 2 AND n.i % 7 <= 1 THEN 0 WHEN n.i % 50 >= 2 THEN 1 END,
  CASE WHEN n.i % 50 >= 2 THEN strftime('%s', 'now') - (n.i % 730) * 86400 + 3 * 86400 END,
  strftime('%s', 'now') - (n.i % 730) * 86400, strftime('%s', 'now')
FROM n JOIN problems p ON p.id = 1 + n.i % 320;
