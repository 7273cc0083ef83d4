-- 026 figures_facts without constant IN lists (SQLite).
-- SQLite evaluates "x IN (a, b, c, …)" over more than two constants by
-- building a temporary b-tree of the list, once for each run of the
-- statement. 007's view has two such lists, and the figures triggers read
-- the view for every problem they change: a report's INSERT built two of
-- them, an UPDATE's before and after triggers four. Measured on the demo
-- database, one prepared INSERT into problems: 514,609 → 445,429
-- instructions. The view is the same rows, its open-state test written as
-- comparisons joined by OR (the same six states as 007's due_day rule).
-- PostgreSQL evaluates IN lists without a temporary table: its view is
-- unchanged.
-- @sqlite
DROP VIEW figures_facts;
CREATE VIEW figures_facts AS
SELECT p.id, 'c' AS kind, p.created_at AS at, (p.created_at + 28800) / 86400 AS day,
  p.county_id, p.township_id, COALESCE(p.unit_id, 0) AS unit_id,
  COALESCE(p.department_id, 0) AS department_id, p.category, p.channel,
  COALESCE(p.cell_id, 0) AS cell_id, COALESCE(p.reported_by, 0) AS reporter_id, p.state,
  (CASE WHEN p.rework_count > 0 THEN 1 ELSE 0 END) + (CASE WHEN p.return_count > 0 THEN 2 ELSE 0 END)
    + (CASE WHEN p.supervised <> 0 THEN 4 ELSE 0 END)
    + (CASE WHEN p.on_time = 1 THEN 8 WHEN p.on_time = 0 THEN 16 ELSE 0 END) AS flags,
  CASE WHEN p.due_at IS NOT NULL AND (p.state = 'reported' OR p.state = 'accepted' OR p.state = 'dispatched'
      OR p.state = 'in_hand' OR p.state = 'handled' OR p.state = 'verified')
    THEN (p.due_at + 28800) / 86400 ELSE 0 END AS due_day,
  p.due_at, 1 AS n, 0 AS hours
FROM problems p
UNION ALL
SELECT p.id, 'h', p.handled_at, (p.handled_at + 28800) / 86400,
  p.county_id, p.township_id, COALESCE(p.unit_id, 0), COALESCE(p.department_id, 0), p.category,
  p.channel, COALESCE(p.cell_id, 0), COALESCE(p.reported_by, 0), p.state,
  (CASE WHEN p.rework_count > 0 THEN 1 ELSE 0 END) + (CASE WHEN p.return_count > 0 THEN 2 ELSE 0 END)
    + (CASE WHEN p.supervised <> 0 THEN 4 ELSE 0 END)
    + (CASE WHEN p.on_time = 1 THEN 8 WHEN p.on_time = 0 THEN 16 ELSE 0 END),
  0, p.due_at, 1, p.handled_at - p.created_at
FROM problems p WHERE p.handled_at IS NOT NULL
UNION ALL
SELECT p.id, 'x', p.closed_at, (p.closed_at + 28800) / 86400,
  p.county_id, p.township_id, COALESCE(p.unit_id, 0), COALESCE(p.department_id, 0), p.category,
  p.channel, COALESCE(p.cell_id, 0), COALESCE(p.reported_by, 0), p.state,
  (CASE WHEN p.rework_count > 0 THEN 1 ELSE 0 END) + (CASE WHEN p.return_count > 0 THEN 2 ELSE 0 END)
    + (CASE WHEN p.supervised <> 0 THEN 4 ELSE 0 END)
    + (CASE WHEN p.on_time = 1 THEN 8 WHEN p.on_time = 0 THEN 16 ELSE 0 END),
  0, p.due_at, 1, 0
FROM problems p WHERE p.closed_at IS NOT NULL
UNION ALL
SELECT p.id, 'a', 0, 0,
  p.county_id, p.township_id, COALESCE(p.unit_id, 0), COALESCE(p.department_id, 0), p.category,
  p.channel, COALESCE(p.cell_id, 0), COALESCE(p.reported_by, 0), p.state,
  (CASE WHEN p.rework_count > 0 THEN 1 ELSE 0 END) + (CASE WHEN p.return_count > 0 THEN 2 ELSE 0 END)
    + (CASE WHEN p.supervised <> 0 THEN 4 ELSE 0 END)
    + (CASE WHEN p.on_time = 1 THEN 8 WHEN p.on_time = 0 THEN 16 ELSE 0 END),
  CASE WHEN p.due_at IS NOT NULL AND (p.state = 'reported' OR p.state = 'accepted' OR p.state = 'dispatched'
      OR p.state = 'in_hand' OR p.state = 'handled' OR p.state = 'verified')
    THEN (p.due_at + 28800) / 86400 ELSE 0 END,
  p.due_at, 1, 0
FROM problems p;
