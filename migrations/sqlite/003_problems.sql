-- 003 the closed loop (R4, R7.3): problems from every channel, their
-- reporters kept apart, every step's history, evidence by content hash,
-- watchers (everyone to tell of the outcome) and the notification inbox.

CREATE TABLE problems (
  id INTEGER PRIMARY KEY,
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  village_id BIGINT REFERENCES regions(id),
  cell_id BIGINT REFERENCES grid_cells(id),
  channel TEXT NOT NULL CHECK (channel IN ('complaint','patrol','media','video','transfer','assigned')),
  category TEXT NOT NULL,
  description TEXT NOT NULL,
  address TEXT,
  lon REAL,
  lat REAL,
  state TEXT NOT NULL,
  unit_id BIGINT REFERENCES units(id),
  department_id BIGINT REFERENCES departments(id),
  routed_unit_id BIGINT REFERENCES units(id),
  power_item_id BIGINT,
  list_version_id BIGINT,
  routing_reason TEXT,
  reported_by BIGINT REFERENCES users(id),
  patrol_id BIGINT,
  step TEXT,
  step_started_at BIGINT,
  due_at BIGINT,
  warn_at BIGINT,
  alert_level INTEGER NOT NULL DEFAULT 0,
  supervised INTEGER NOT NULL DEFAULT 0,
  supervise_note TEXT,
  supervise_due_at BIGINT,
  supervise_alerted INTEGER NOT NULL DEFAULT 0,
  merged_into BIGINT REFERENCES problems(id),
  rework_count INTEGER NOT NULL DEFAULT 0,
  return_count INTEGER NOT NULL DEFAULT 0,
  handled_at BIGINT,
  closed_at BIGINT,
  on_time INTEGER,
  score INTEGER,
  evaluation TEXT,
  evaluated_at BIGINT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX problems_township ON problems(township_id, id);
CREATE INDEX problems_township_state ON problems(township_id, state, id);
CREATE INDEX problems_unit ON problems(unit_id, state, id);
CREATE INDEX problems_category ON problems(category, created_at);
CREATE INDEX problems_township_created ON problems(township_id, created_at);
CREATE INDEX problems_township_closed ON problems(township_id, closed_at);
-- covers the dashboard's grouped pass (stats/problems) without reading rows
CREATE INDEX problems_stats ON problems(township_id, state, channel, category, unit_id, on_time, due_at, created_at);
CREATE INDEX problems_cell ON problems(cell_id, id);
CREATE INDEX problems_due ON problems(due_at);
CREATE INDEX problems_supervise_due ON problems(supervise_due_at);
CREATE INDEX problems_reported_by ON problems(reported_by, id);

CREATE TABLE problem_reporters (
  problem_id BIGINT PRIMARY KEY REFERENCES problems(id),
  name TEXT,
  phone TEXT
);

CREATE TABLE problem_history (
  id INTEGER PRIMARY KEY,
  problem_id BIGINT NOT NULL REFERENCES problems(id),
  at BIGINT NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT NOT NULL,
  user_id BIGINT,
  user_name TEXT NOT NULL,
  note TEXT,
  data_json TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX problem_history_problem ON problem_history(problem_id, id);

CREATE TABLE evidence (
  id INTEGER PRIMARY KEY,
  problem_id BIGINT NOT NULL REFERENCES problems(id),
  sha256 TEXT NOT NULL,
  mime TEXT NOT NULL,
  size BIGINT NOT NULL,
  step TEXT NOT NULL,
  uploaded_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX evidence_problem ON evidence(problem_id, id);

CREATE TABLE problem_watchers (
  problem_id BIGINT NOT NULL REFERENCES problems(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  PRIMARY KEY (problem_id, user_id)
);

CREATE TABLE notifications (
  id INTEGER PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  problem_id BIGINT,
  created_at BIGINT NOT NULL,
  read_at BIGINT,
  sent_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, id);
CREATE INDEX notifications_unsent ON notifications(sent_at, id);
