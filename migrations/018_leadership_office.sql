-- 018 leadership office: the township's leadership group has an office
-- (领导小组下设办公室, seed §4.1) whose people sit in the group's roster
-- beside the leader, the deputies and the members: position 'office'.
-- SQLite cannot change a CHECK constraint in place, so the table is
-- rebuilt (nothing references it); PostgreSQL swaps the constraint.

-- @sqlite
CREATE TABLE leadership_018 (
  id INTEGER PRIMARY KEY,
  township_id BIGINT NOT NULL REFERENCES regions(id),
  person_id BIGINT NOT NULL REFERENCES people(id),
  position TEXT NOT NULL CHECK (position IN ('leader','deputy','member','office')),
  created_at BIGINT NOT NULL,
  UNIQUE (township_id, person_id)
);
INSERT INTO leadership_018 (id, township_id, person_id, position, created_at)
  SELECT id, township_id, person_id, position, created_at FROM leadership;
DROP TABLE leadership;
ALTER TABLE leadership_018 RENAME TO leadership;
-- @end

-- @pg
ALTER TABLE leadership DROP CONSTRAINT leadership_position_check;
ALTER TABLE leadership ADD CONSTRAINT leadership_position_check
  CHECK (position IN ('leader','deputy','member','office'));
-- @end
