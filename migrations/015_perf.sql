-- 015 performance at scale (issue 15): indexes shaped like the queries that
-- run on every report and on the open-problem lists. Each is justified by
-- its query in docs/internals/store.md.
--
-- The state lists below are the problem machine's open states, in the
-- machine's order (src/domain/problem.c OPEN, as xz_fsm_open_sql writes
-- them): SQLite uses a partial index only when the query repeats the
-- index's condition word for word. tests/store/test_store.c checks that
-- these lists are the machine's, so a change to OPEN fails a test instead of
-- silently losing the indexes.

-- The duplicate search at report time (xz_problem_duplicates): one
-- category's open problems near a point. Was a walk over every problem of
-- the category in the last 30 days through problems_category.
CREATE INDEX problems_open_near ON problems(category, lat, lon)
  WHERE state IN ('reported','accepted','dispatched','in_hand','handled','verified','escalated','taken_up');

-- overdue=1 and the red and yellow lights of a township's list: its open
-- problems newest first with their deadline at hand, so the list walks the
-- open problems only and stops at its page, with no sort.
CREATE INDEX problems_open_list ON problems(township_id, id, due_at)
  WHERE state IN ('reported','accepted','dispatched','in_hand','handled','verified','escalated','taken_up');
