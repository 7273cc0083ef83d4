-- 027 three indexes of problems without the rows whose key is NULL (issue
-- 15). A new problem has no closing time, no supervision deadline and, when
-- not found on a patrol, no patrol; each of these indexes still took an
-- entry for it, a leaf page written to the WAL with every report (3 of the
-- 30 pages a report wrote on the 1M fill, counted from the WAL's frames).
-- Every query these indexes serve names a value of its key (closed_at >=,
-- supervise_due_at <=, patrol_id =), which implies the key is not NULL, so
-- both engines still choose them (docs/internals/store.md).
DROP INDEX problems_township_closed;
CREATE INDEX problems_township_closed ON problems(township_id, closed_at) WHERE closed_at IS NOT NULL;
DROP INDEX problems_supervise_due;
CREATE INDEX problems_supervise_due ON problems(supervise_due_at) WHERE supervise_due_at IS NOT NULL;
DROP INDEX problems_patrol;
CREATE INDEX problems_patrol ON problems(patrol_id) WHERE patrol_id IS NOT NULL;
