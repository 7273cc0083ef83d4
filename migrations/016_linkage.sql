-- 016 county–township linkage (R9.3, R9.4, R1.6; seed §3.5): a county
-- department's inspections of a township platform (督促检查) with findings
-- the township rectifies by a deadline and the department accepts; each
-- unit's funding, equipment and premises as provided; a frontline flag on
-- people for the share of frontline enforcement staff; and the county
-- departments' own leading groups beside the townships'.

CREATE TABLE inspections (
  id {{ID}},
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  department_id BIGINT REFERENCES departments(id),
  inspected_on TEXT NOT NULL,
  scope TEXT NOT NULL,
  created_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX inspections_township ON inspections(township_id, id);

CREATE TABLE inspection_findings (
  id {{ID}},
  inspection_id BIGINT NOT NULL REFERENCES inspections(id),
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  seq INTEGER NOT NULL,
  text TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  state TEXT NOT NULL,
  reply_note TEXT,
  replied_at BIGINT,
  accepted_at BIGINT,
  reopen_reason TEXT,
  version INTEGER NOT NULL DEFAULT 1,
  updated_at BIGINT NOT NULL
);
CREATE INDEX inspection_findings_inspection ON inspection_findings(inspection_id, seq);

CREATE TABLE inspection_history (
  id {{ID}},
  finding_id BIGINT NOT NULL REFERENCES inspection_findings(id),
  at BIGINT NOT NULL,
  user_id BIGINT REFERENCES users(id),
  username TEXT NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT,
  note TEXT
);
CREATE INDEX inspection_history_finding ON inspection_history(finding_id);

CREATE TABLE unit_resources (
  id {{ID}},
  unit_id BIGINT NOT NULL REFERENCES units(id),
  kind TEXT NOT NULL CHECK (kind IN ('funding','equipment','premises')),
  description TEXT NOT NULL,
  amount {{REAL}},
  provided_by TEXT NOT NULL CHECK (provided_by IN ('township','department')),
  year INTEGER NOT NULL,
  created_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX unit_resources_unit ON unit_resources(unit_id, year);

ALTER TABLE people ADD COLUMN frontline INTEGER NOT NULL DEFAULT 0;

CREATE TABLE county_leadership (
  id {{ID}},
  department_id BIGINT NOT NULL REFERENCES departments(id),
  person_id BIGINT NOT NULL REFERENCES people(id),
  position TEXT NOT NULL CHECK (position IN ('leader','deputy','member')),
  created_at BIGINT NOT NULL,
  UNIQUE (department_id, person_id)
);
