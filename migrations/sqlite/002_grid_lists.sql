-- 002 grid, power and responsibility lists, categories, routing, patrols
-- and the working-day calendar (R2, R3). Township and village shapes and
-- grid cells are GeoJSON text with their bounding boxes beside them.

CREATE TABLE region_shapes (
  region_id BIGINT PRIMARY KEY REFERENCES regions(id),
  geometry_json TEXT NOT NULL,
  minx REAL NOT NULL, miny REAL NOT NULL, maxx REAL NOT NULL, maxy REAL NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE grid_cells (
  id INTEGER PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  village_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  county_id BIGINT NOT NULL REFERENCES regions(id),
  geometry_json TEXT NOT NULL,
  minx REAL NOT NULL, miny REAL NOT NULL, maxx REAL NOT NULL, maxy REAL NOT NULL,
  area_m2 REAL NOT NULL DEFAULT 0,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX grid_cells_township ON grid_cells(township_id);
CREATE INDEX grid_cells_bbox ON grid_cells(minx, maxx);

CREATE TABLE grid_members (
  cell_id BIGINT NOT NULL REFERENCES grid_cells(id) ON DELETE CASCADE,
  person_id BIGINT NOT NULL REFERENCES people(id),
  role TEXT NOT NULL DEFAULT 'member' CHECK (role IN ('leader','member')),
  PRIMARY KEY (cell_id, person_id)
);
CREATE INDEX grid_members_person ON grid_members(person_id);

CREATE TABLE calendar_days (
  day TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('holiday','workday')),
  name TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL
);

CREATE TABLE list_versions (
  id INTEGER PRIMARY KEY,
  county_id BIGINT NOT NULL REFERENCES regions(id),
  number INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('draft','published','superseded')),
  note TEXT NOT NULL DEFAULT '',
  created_by BIGINT,
  created_at BIGINT NOT NULL,
  published_by BIGINT,
  published_at BIGINT,
  UNIQUE (county_id, number)
);

CREATE TABLE power_items (
  id INTEGER PRIMARY KEY,
  version_id BIGINT NOT NULL REFERENCES list_versions(id),
  code TEXT NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  legal_basis TEXT NOT NULL DEFAULT '',
  department_id BIGINT NOT NULL REFERENCES departments(id),
  domain TEXT NOT NULL DEFAULT '',
  delegation TEXT NOT NULL DEFAULT 'none' CHECK (delegation IN ('none','delegated','entrusted')),
  resp_department_id BIGINT REFERENCES departments(id),
  duty TEXT NOT NULL DEFAULT '',
  time_limit_days INTEGER NOT NULL DEFAULT 0,
  UNIQUE (version_id, code)
);
CREATE INDEX power_items_code ON power_items(code);

CREATE TABLE categories (
  id INTEGER PRIMARY KEY,
  parent_id BIGINT REFERENCES categories(id),
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  sort INTEGER NOT NULL DEFAULT 0,
  power_codes TEXT NOT NULL DEFAULT '[]',
  accept_hours INTEGER NOT NULL DEFAULT 24,
  handle_days INTEGER NOT NULL DEFAULT 5,
  verify_days INTEGER NOT NULL DEFAULT 2,
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE patrol_items (
  id INTEGER PRIMARY KEY,
  groupname TEXT NOT NULL,
  name TEXT NOT NULL,
  category_code TEXT,
  sort INTEGER NOT NULL DEFAULT 0,
  active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE patrols (
  id INTEGER PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id),
  person_id BIGINT REFERENCES people(id),
  cell_id BIGINT NOT NULL REFERENCES grid_cells(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  county_id BIGINT NOT NULL REFERENCES regions(id),
  started_at BIGINT NOT NULL,
  ended_at BIGINT NOT NULL,
  distance_m REAL NOT NULL DEFAULT 0,
  track_json TEXT NOT NULL DEFAULT '[]',
  checked_json TEXT NOT NULL DEFAULT '[]',
  findings_json TEXT NOT NULL DEFAULT '[]',
  created_at BIGINT NOT NULL
);
CREATE INDEX patrols_cell ON patrols(cell_id, started_at);
CREATE INDEX patrols_user ON patrols(user_id, started_at);
