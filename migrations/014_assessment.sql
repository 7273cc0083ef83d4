-- 014 assessment of the dispatched units and staff (R8, R1.7; issue 12).
--
-- assessment_schemes: the township's 考核办法 — its period, subjects and
-- parts (indicators with weights and scoring rules, and the daily-management
-- rating) as JSON, walked through its life cycle (src/domain/assessment.c):
-- draft → submitted → approved (in use, immutable) → closed. A new version
-- of a scheme is a new row (previous_id) with its own period.
-- assessment_ratings: the office's and the leadership group's daily ratings
-- of a unit or a person during a scheme's period, with the event referred to.
-- assessment_flags: signs of 不作为、慢作为、乱作为 found by the rules, with
-- their evidence (record ids), open until the leader supervises or closes.
-- assessment_results: the annual result of one subject under one scheme:
-- the township's total, parts and grade beside the department's final grade.
-- assessment_consultations: 任免征求意见 and 推荐 of unit heads (R1.7).

CREATE TABLE assessment_schemes (
  id {{ID}},
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  name TEXT NOT NULL,
  period_kind TEXT NOT NULL,
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  subjects_json TEXT NOT NULL DEFAULT '["unit","person"]',
  parts_json TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'draft',
  scheme_version INTEGER NOT NULL DEFAULT 1,
  previous_id BIGINT REFERENCES assessment_schemes(id),
  return_reason TEXT,
  created_by BIGINT REFERENCES users(id),
  submitted_at BIGINT,
  approved_by BIGINT REFERENCES users(id),
  approved_at BIGINT,
  closed_at BIGINT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX assessment_schemes_township ON assessment_schemes(township_id, id);

CREATE TABLE assessment_ratings (
  id {{ID}},
  scheme_id BIGINT NOT NULL REFERENCES assessment_schemes(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('unit','person')),
  subject_id BIGINT NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  score {{REAL}} NOT NULL,
  remarks TEXT NOT NULL DEFAULT '',
  event_kind TEXT,
  event_id BIGINT,
  rated_by BIGINT NOT NULL REFERENCES users(id),
  rater_name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX assessment_ratings_scheme ON assessment_ratings(scheme_id, subject_kind, subject_id);
CREATE INDEX assessment_ratings_unit ON assessment_ratings(unit_id, id);

CREATE TABLE assessment_flags (
  id {{ID}},
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  unit_id BIGINT NOT NULL REFERENCES units(id),
  rule TEXT NOT NULL,
  evidence_json TEXT NOT NULL DEFAULT '[]',
  count INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'open',
  found_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  supervised_by BIGINT REFERENCES users(id),
  supervised_at BIGINT,
  note TEXT,
  closed_at BIGINT
);
CREATE INDEX assessment_flags_township ON assessment_flags(township_id, state, id);
-- one flag per unit and rule while it is not closed: two scans at once
-- (a reader and the scheduler) cannot both raise it
CREATE UNIQUE INDEX assessment_flags_open ON assessment_flags(unit_id, rule) WHERE state <> 'closed';

CREATE TABLE assessment_results (
  id {{ID}},
  scheme_id BIGINT NOT NULL REFERENCES assessment_schemes(id),
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  year INTEGER NOT NULL,
  subject_kind TEXT NOT NULL CHECK (subject_kind IN ('unit','person')),
  subject_id BIGINT NOT NULL,
  subject_name TEXT NOT NULL,
  unit_id BIGINT NOT NULL REFERENCES units(id),
  department_id BIGINT NOT NULL REFERENCES departments(id),
  total {{REAL}} NOT NULL,
  parts_json TEXT NOT NULL DEFAULT '[]',
  state TEXT NOT NULL DEFAULT 'draft',
  township_grade TEXT,
  township_remarks TEXT,
  finalised_by BIGINT REFERENCES users(id),
  finalised_at BIGINT,
  sent_by BIGINT REFERENCES users(id),
  sent_at BIGINT,
  return_reason TEXT,
  department_grade TEXT,
  department_remarks TEXT,
  department_by BIGINT REFERENCES users(id),
  department_at BIGINT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (scheme_id, subject_kind, subject_id)
);
CREATE INDEX assessment_results_township ON assessment_results(township_id, year);
CREATE INDEX assessment_results_department ON assessment_results(department_id, state);
CREATE INDEX assessment_results_subject ON assessment_results(subject_kind, subject_id, year);

CREATE TABLE assessment_consultations (
  id {{ID}},
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  unit_id BIGINT NOT NULL REFERENCES units(id),
  department_id BIGINT NOT NULL REFERENCES departments(id),
  kind TEXT NOT NULL CHECK (kind IN ('appointment','removal','recommendation')),
  person_name TEXT NOT NULL,
  person_id BIGINT REFERENCES people(id),
  post TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  opinion TEXT,
  opinion_agree INTEGER,
  opinion_by BIGINT REFERENCES users(id),
  opinion_at BIGINT,
  decision TEXT,
  decision_by BIGINT REFERENCES users(id),
  decision_at BIGINT,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX assessment_consultations_township ON assessment_consultations(township_id, id);
CREATE INDEX assessment_consultations_department ON assessment_consultations(department_id, id);
