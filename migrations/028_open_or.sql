-- 028 the partial indexes on open problems test the state with comparisons
-- joined by OR, not a constant IN list (SQLite). SQLite builds
-- "x IN (a, b, c, …)" over more than two constants into a temporary b-tree
-- on every run of a statement, and an index's condition is evaluated on
-- every INSERT and every UPDATE of the row: the three lists of 015 and 024
-- cost a report's INSERT ~107,000 of its ~515,000 instructions (one
-- prepared INSERT on the demo database, with and without them). The
-- conditions are the same states in the same order; the queries that use
-- these indexes say them the same way, word for word, as SQLite requires
-- (xz_fsm_open_cond for the machine's open states, XZ_PROBLEM_TIMED_COND
-- for the six whose step deadline runs; tests/store/test_store.c checks
-- the text). PostgreSQL reads an IN list without a temporary table and
-- proves the OR'd query conditions imply its IN-list indexes: its indexes
-- are unchanged.
-- @sqlite
DROP INDEX problems_open_due;
CREATE INDEX problems_open_due ON problems(due_at, county_id, township_id, department_id, unit_id,
  created_at) WHERE (state = 'reported' OR state = 'accepted' OR state = 'dispatched' OR state = 'in_hand' OR state = 'handled' OR state = 'verified');
DROP INDEX problems_open_list;
CREATE INDEX problems_open_list ON problems(township_id, id, due_at) WHERE (state = 'reported' OR state = 'accepted' OR state = 'dispatched' OR state = 'in_hand' OR state = 'handled' OR state = 'verified' OR state = 'escalated' OR state = 'taken_up');
DROP INDEX problems_open_cell;
CREATE INDEX problems_open_cell ON problems(category, (CAST(lat * 360 AS INTEGER)), lon, lat, created_at)
  WHERE (state = 'reported' OR state = 'accepted' OR state = 'dispatched' OR state = 'in_hand' OR state = 'handled' OR state = 'verified' OR state = 'escalated' OR state = 'taken_up');
