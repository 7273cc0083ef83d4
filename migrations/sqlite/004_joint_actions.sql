-- 004 joint enforcement actions (R5, R9.2): the action with its life cycle
-- (state machine in src/domain/jointaction.c), its history, participants,
-- interactive-enforcement notices, incidents handed to the police and
-- findings. problem_ids and finding.problem_id refer to the closed loop's
-- problems without a foreign key (that table arrives separately).

CREATE TABLE joint_actions (
  id INTEGER PRIMARY KEY,
  parent_id BIGINT REFERENCES joint_actions(id),
  scope TEXT NOT NULL DEFAULT 'township' CHECK (scope IN ('township','county')),
  mechanism TEXT NOT NULL CHECK (mechanism IN ('routine','special','emergency')),
  state TEXT NOT NULL,
  title TEXT NOT NULL,
  targets TEXT NOT NULL DEFAULT '',
  place TEXT NOT NULL DEFAULT '',
  mode TEXT NOT NULL DEFAULT 'centralised' CHECK (mode IN ('centralised','dispersed')),
  domain TEXT,
  tasks TEXT NOT NULL DEFAULT '',
  township_id BIGINT REFERENCES regions(id),
  county_id BIGINT NOT NULL REFERENCES regions(id),
  department_id BIGINT REFERENCES departments(id),
  applicant_unit_id BIGINT REFERENCES units(id),
  lead_unit_id BIGINT REFERENCES units(id),
  units_json TEXT NOT NULL DEFAULT '[]',
  problem_ids_json TEXT NOT NULL DEFAULT '[]',
  police_support INTEGER NOT NULL DEFAULT 0,
  police_required INTEGER NOT NULL DEFAULT 0,
  planned_start BIGINT NOT NULL,
  planned_end BIGINT NOT NULL,
  received_at BIGINT,
  forward_due_at BIGINT,
  forwarded_at BIGINT,
  forward_late INTEGER NOT NULL DEFAULT 0,
  decided_at BIGINT,
  decided_by BIGINT REFERENCES users(id),
  launch INTEGER,
  reasons TEXT,
  decision_no INTEGER,
  approved_at BIGINT,
  approval_seconds BIGINT,
  started_at BIGINT,
  concluded_at BIGINT,
  summary TEXT,
  created_by BIGINT NOT NULL REFERENCES users(id),
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX joint_actions_township ON joint_actions(township_id, state);
CREATE INDEX joint_actions_parent ON joint_actions(parent_id);

CREATE TABLE joint_history (
  id INTEGER PRIMARY KEY,
  action_id BIGINT NOT NULL REFERENCES joint_actions(id),
  at BIGINT NOT NULL,
  user_id BIGINT REFERENCES users(id),
  username TEXT,
  action TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  note TEXT
);
CREATE INDEX joint_history_action ON joint_history(action_id);

CREATE TABLE joint_participants (
  id INTEGER PRIMARY KEY,
  action_id BIGINT NOT NULL REFERENCES joint_actions(id),
  unit_id BIGINT NOT NULL REFERENCES units(id),
  person_id BIGINT NOT NULL REFERENCES people(id),
  role TEXT NOT NULL CHECK (role IN ('enforcer','support')),
  added_by BIGINT REFERENCES users(id),
  added_at BIGINT NOT NULL,
  checked_in_at BIGINT,
  checked_out_at BIGINT,
  UNIQUE (action_id, person_id)
);

CREATE TABLE joint_notices (
  id INTEGER PRIMARY KEY,
  action_id BIGINT NOT NULL REFERENCES joint_actions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  unit_id BIGINT NOT NULL REFERENCES units(id),
  category TEXT NOT NULL,
  description TEXT NOT NULL,
  lon REAL,
  lat REAL,
  power_code TEXT,
  routing_reason TEXT,
  issued_by BIGINT REFERENCES users(id),
  issued_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  answered_at BIGINT,
  answered_by BIGINT REFERENCES users(id),
  officers_json TEXT,
  late INTEGER
);
CREATE INDEX joint_notices_unit ON joint_notices(unit_id);
CREATE INDEX joint_notices_action ON joint_notices(action_id);

CREATE TABLE joint_incidents (
  id INTEGER PRIMARY KEY,
  action_id BIGINT NOT NULL REFERENCES joint_actions(id),
  kind TEXT NOT NULL CHECK (kind IN ('obstruction','violence')),
  description TEXT NOT NULL,
  evidence_json TEXT NOT NULL DEFAULT '[]',
  occurred_at BIGINT NOT NULL,
  reported_by BIGINT REFERENCES users(id),
  handed_to_unit_id BIGINT NOT NULL REFERENCES units(id),
  handed_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'handed' CHECK (state IN ('handed','accepted','closed')),
  follow_up TEXT,
  followed_up_at BIGINT,
  followed_up_by BIGINT REFERENCES users(id)
);
CREATE INDEX joint_incidents_action ON joint_incidents(action_id);

CREATE TABLE joint_findings (
  id INTEGER PRIMARY KEY,
  action_id BIGINT NOT NULL REFERENCES joint_actions(id),
  description TEXT NOT NULL,
  category TEXT,
  lon REAL,
  lat REAL,
  problem_id BIGINT,
  reported_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX joint_findings_action ON joint_findings(action_id);
