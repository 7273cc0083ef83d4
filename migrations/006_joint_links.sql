-- 006 joint action links as rows (issue 9) and the clocks of issue 13.
-- The units taking part in an action and the problems it takes up were
-- JSON text found with LIKE '%id%'; they become rows with indexes both
-- ways, and the existing lists move into them in their order (the lead
-- and applying units, which the old lists left implicit, are added).
-- units_json and problem_ids_json stay in the table unwritten until no
-- code reads them.
-- New columns: the written decision's 2-day clock of a special
-- application, the scheduler's marks for its clocks and for a same-day
-- notice's alarms, and the qualification domain a notice answer needs.

CREATE TABLE joint_action_units (
  action_id BIGINT NOT NULL REFERENCES joint_actions(id),
  unit_id BIGINT NOT NULL REFERENCES units(id),
  position INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (action_id, unit_id)
);
CREATE INDEX joint_action_units_unit ON joint_action_units(unit_id, action_id);

CREATE TABLE joint_action_problems (
  action_id BIGINT NOT NULL REFERENCES joint_actions(id),
  problem_id BIGINT NOT NULL,
  position INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (action_id, problem_id)
);
CREATE INDEX joint_action_problems_problem ON joint_action_problems(problem_id, action_id);

ALTER TABLE joint_actions ADD COLUMN decision_due_at BIGINT;
ALTER TABLE joint_actions ADD COLUMN decision_late INTEGER NOT NULL DEFAULT 0;
ALTER TABLE joint_actions ADD COLUMN clock_alerted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE joint_notices ADD COLUMN domain TEXT;
ALTER TABLE joint_notices ADD COLUMN alarm_at BIGINT;
ALTER TABLE joint_notices ADD COLUMN alarm_level INTEGER NOT NULL DEFAULT 0;
CREATE INDEX joint_notices_due ON joint_notices(due_at);
CREATE INDEX joint_notices_alarm ON joint_notices(alarm_at);

-- a special application received before this migration: its decision
-- was due with its forwarding (2 days from receipt)
UPDATE joint_actions SET decision_due_at = forward_due_at WHERE received_at IS NOT NULL;
UPDATE joint_actions SET decision_late = 1 WHERE decided_at IS NOT NULL AND decision_due_at IS NOT NULL AND decided_at > decision_due_at;
-- nothing already past is announced again
UPDATE joint_actions SET clock_alerted = 3 WHERE state NOT IN ('submitted', 'forwarded');
UPDATE joint_notices SET alarm_level = 2 WHERE answered_at IS NOT NULL;

-- @sqlite
INSERT INTO joint_action_units (action_id, unit_id, position)
  SELECT a.id, CAST(j.value AS INTEGER), MIN(CAST(j.key AS INTEGER))
  FROM joint_actions a, json_each(a.units_json) j
  WHERE j.type = 'integer' AND EXISTS (SELECT 1 FROM units u WHERE u.id = j.value)
  GROUP BY a.id, CAST(j.value AS INTEGER);
INSERT INTO joint_action_problems (action_id, problem_id, position)
  SELECT a.id, CAST(j.value AS INTEGER), MIN(CAST(j.key AS INTEGER))
  FROM joint_actions a, json_each(a.problem_ids_json) j
  WHERE j.type = 'integer'
  GROUP BY a.id, CAST(j.value AS INTEGER);
-- @end
-- @pg
INSERT INTO joint_action_units (action_id, unit_id, position)
  SELECT a.id, j.value::bigint, MIN(j.n - 1)
  FROM joint_actions a CROSS JOIN LATERAL jsonb_array_elements_text(a.units_json::jsonb) WITH ORDINALITY AS j(value, n)
  WHERE j.value ~ '^[0-9]+$' AND EXISTS (SELECT 1 FROM units u WHERE u.id = j.value::bigint)
  GROUP BY a.id, j.value::bigint;
INSERT INTO joint_action_problems (action_id, problem_id, position)
  SELECT a.id, j.value::bigint, MIN(j.n - 1)
  FROM joint_actions a CROSS JOIN LATERAL jsonb_array_elements_text(a.problem_ids_json::jsonb) WITH ORDINALITY AS j(value, n)
  WHERE j.value ~ '^[0-9]+$'
  GROUP BY a.id, j.value::bigint;
-- @end

INSERT INTO joint_action_units (action_id, unit_id, position)
  SELECT a.id, a.lead_unit_id, 1000 FROM joint_actions a
  WHERE a.lead_unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM joint_action_units l WHERE l.action_id = a.id AND l.unit_id = a.lead_unit_id);
INSERT INTO joint_action_units (action_id, unit_id, position)
  SELECT a.id, a.applicant_unit_id, 1001 FROM joint_actions a
  WHERE a.applicant_unit_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM joint_action_units l WHERE l.action_id = a.id AND l.unit_id = a.applicant_unit_id);
