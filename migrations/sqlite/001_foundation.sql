-- 001 foundation: settings, organisation (R1), accounts and sessions (R10.2),
-- the hash-chained audit trail (R10.1) and idempotency keys (R4.7).
-- Instants are BIGINT epoch seconds (UTC); dates are TEXT YYYY-MM-DD.

CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE regions (
  id INTEGER PRIMARY KEY,
  parent_id BIGINT REFERENCES regions(id),
  level TEXT NOT NULL CHECK (level IN ('city','county','township','village')),
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  county_id BIGINT,
  township_id BIGINT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX regions_parent ON regions(parent_id);

CREATE TABLE departments (
  id INTEGER PRIMARY KEY,
  county_id BIGINT NOT NULL REFERENCES regions(id),
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  domains TEXT NOT NULL DEFAULT '[]',
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE units (
  id INTEGER PRIMARY KEY,
  department_id BIGINT NOT NULL REFERENCES departments(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  county_id BIGINT NOT NULL REFERENCES regions(id),
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  kind TEXT NOT NULL DEFAULT 'other',
  contact_person_id BIGINT,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX units_township ON units(township_id);
CREATE INDEX units_department ON units(department_id);

CREATE TABLE people (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  unit_id BIGINT REFERENCES units(id),
  department_id BIGINT REFERENCES departments(id),
  township_id BIGINT REFERENCES regions(id),
  county_id BIGINT NOT NULL REFERENCES regions(id),
  phone TEXT,
  title TEXT,
  is_auxiliary INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX people_unit ON people(unit_id);
CREATE INDEX people_township ON people(township_id);

CREATE TABLE qualifications (
  id INTEGER PRIMARY KEY,
  person_id BIGINT NOT NULL REFERENCES people(id),
  cert_no TEXT NOT NULL UNIQUE,
  issuer TEXT NOT NULL,
  domains TEXT NOT NULL DEFAULT '[]',
  valid_from TEXT NOT NULL,
  valid_to TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX qualifications_person ON qualifications(person_id);

CREATE TABLE leadership (
  id INTEGER PRIMARY KEY,
  township_id BIGINT NOT NULL REFERENCES regions(id),
  person_id BIGINT NOT NULL REFERENCES people(id),
  position TEXT NOT NULL CHECK (position IN ('leader','deputy','member')),
  created_at BIGINT NOT NULL,
  UNIQUE (township_id, person_id)
);

CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  person_id BIGINT REFERENCES people(id),
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  region_id BIGINT NOT NULL REFERENCES regions(id),
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT REFERENCES regions(id),
  unit_id BIGINT REFERENCES units(id),
  department_id BIGINT REFERENCES departments(id),
  disabled INTEGER NOT NULL DEFAULT 0,
  failed_count INTEGER NOT NULL DEFAULT 0,
  locked_until BIGINT NOT NULL DEFAULT 0,
  password_changed_at BIGINT NOT NULL,
  password_history TEXT NOT NULL DEFAULT '[]',
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE user_roles (
  user_id BIGINT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  granted_by BIGINT,
  granted_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
  id INTEGER PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users(id),
  csrf TEXT NOT NULL,
  source TEXT,
  user_agent TEXT,
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  ended_at BIGINT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE audit_log (
  seq BIGINT PRIMARY KEY,
  at BIGINT NOT NULL,
  user_id BIGINT,
  username TEXT,
  roles TEXT,
  source TEXT,
  county_id BIGINT,
  action TEXT NOT NULL,
  object_type TEXT,
  object_id TEXT,
  outcome TEXT NOT NULL,
  detail TEXT,
  before TEXT,
  after TEXT,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_object ON audit_log(object_type, object_id);

CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

CREATE TABLE idempotency (
  user_id BIGINT NOT NULL,
  key TEXT NOT NULL,
  method TEXT NOT NULL,
  path TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, key)
);
