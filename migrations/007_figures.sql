-- 007 figures, bulletins, the units' own reports and Chinese text search
-- (R7.1, R7.2, R7.4; issue 10).
--
-- figures_facts is the one definition of what a problem contributes to the
-- figures: a row per event kind — 'c' created (the day it was reported,
-- with its current state and flags), 'h' handled (the day of its latest
-- feedback, with the seconds it took), 'x' closed, and 'a' (all time, day
-- 0). figures_daily keeps the same rows summed per key; triggers on
-- problems subtract a problem's old rows before a change and add its new
-- rows after, in the same transaction as the write, so the sums cannot
-- drift. src/domain/figures.c reads the sums for whole days and the view
-- itself for any other period.
--
-- flags: 1 reworked (verification failed at least once), 2 returned by a
-- unit, 4 supervised, 8 on time, 16 late. due_day: the day of the current
-- step's deadline while the problem is open (0 otherwise).

CREATE VIEW figures_facts AS
SELECT p.id, 'c' AS kind, p.created_at AS at, (p.created_at + 28800) / 86400 AS day,
  p.county_id, p.township_id, COALESCE(p.unit_id, 0) AS unit_id,
  COALESCE(p.department_id, 0) AS department_id, p.category, p.channel,
  COALESCE(p.cell_id, 0) AS cell_id, COALESCE(p.reported_by, 0) AS reporter_id, p.state,
  (CASE WHEN p.rework_count > 0 THEN 1 ELSE 0 END) + (CASE WHEN p.return_count > 0 THEN 2 ELSE 0 END)
    + (CASE WHEN p.supervised <> 0 THEN 4 ELSE 0 END)
    + (CASE WHEN p.on_time = 1 THEN 8 WHEN p.on_time = 0 THEN 16 ELSE 0 END) AS flags,
  CASE WHEN p.due_at IS NOT NULL AND p.state IN ('reported','accepted','dispatched','in_hand','handled','verified')
    THEN (p.due_at + 28800) / 86400 ELSE 0 END AS due_day,
  p.due_at, 1 AS n, 0 AS hours
FROM problems p
UNION ALL
SELECT p.id, 'h', p.handled_at, (p.handled_at + 28800) / 86400,
  p.county_id, p.township_id, COALESCE(p.unit_id, 0), COALESCE(p.department_id, 0), p.category,
  p.channel, COALESCE(p.cell_id, 0), COALESCE(p.reported_by, 0), p.state,
  (CASE WHEN p.rework_count > 0 THEN 1 ELSE 0 END) + (CASE WHEN p.return_count > 0 THEN 2 ELSE 0 END)
    + (CASE WHEN p.supervised <> 0 THEN 4 ELSE 0 END)
    + (CASE WHEN p.on_time = 1 THEN 8 WHEN p.on_time = 0 THEN 16 ELSE 0 END),
  0, p.due_at, 1, p.handled_at - p.created_at
FROM problems p WHERE p.handled_at IS NOT NULL
UNION ALL
SELECT p.id, 'x', p.closed_at, (p.closed_at + 28800) / 86400,
  p.county_id, p.township_id, COALESCE(p.unit_id, 0), COALESCE(p.department_id, 0), p.category,
  p.channel, COALESCE(p.cell_id, 0), COALESCE(p.reported_by, 0), p.state,
  (CASE WHEN p.rework_count > 0 THEN 1 ELSE 0 END) + (CASE WHEN p.return_count > 0 THEN 2 ELSE 0 END)
    + (CASE WHEN p.supervised <> 0 THEN 4 ELSE 0 END)
    + (CASE WHEN p.on_time = 1 THEN 8 WHEN p.on_time = 0 THEN 16 ELSE 0 END),
  0, p.due_at, 1, 0
FROM problems p WHERE p.closed_at IS NOT NULL
UNION ALL
SELECT p.id, 'a', 0, 0,
  p.county_id, p.township_id, COALESCE(p.unit_id, 0), COALESCE(p.department_id, 0), p.category,
  p.channel, COALESCE(p.cell_id, 0), COALESCE(p.reported_by, 0), p.state,
  (CASE WHEN p.rework_count > 0 THEN 1 ELSE 0 END) + (CASE WHEN p.return_count > 0 THEN 2 ELSE 0 END)
    + (CASE WHEN p.supervised <> 0 THEN 4 ELSE 0 END)
    + (CASE WHEN p.on_time = 1 THEN 8 WHEN p.on_time = 0 THEN 16 ELSE 0 END),
  CASE WHEN p.due_at IS NOT NULL AND p.state IN ('reported','accepted','dispatched','in_hand','handled','verified')
    THEN (p.due_at + 28800) / 86400 ELSE 0 END,
  p.due_at, 1, 0
FROM problems p;

CREATE TABLE figures_daily (
  kind TEXT NOT NULL,
  township_id BIGINT NOT NULL,
  day BIGINT NOT NULL,
  county_id BIGINT NOT NULL,
  unit_id BIGINT NOT NULL,
  department_id BIGINT NOT NULL,
  category TEXT NOT NULL,
  channel TEXT NOT NULL,
  cell_id BIGINT NOT NULL,
  reporter_id BIGINT NOT NULL,
  state TEXT NOT NULL,
  flags INTEGER NOT NULL,
  due_day BIGINT NOT NULL,
  n BIGINT NOT NULL,
  hours BIGINT NOT NULL
);
CREATE UNIQUE INDEX figures_daily_key ON figures_daily(kind, township_id, day, unit_id, department_id,
  category, channel, cell_id, reporter_id, state, flags, due_day, county_id);
CREATE INDEX figures_daily_county ON figures_daily(kind, county_id, day);
CREATE INDEX figures_daily_unit ON figures_daily(kind, unit_id, day);
-- a counter per township, bumped by the same triggers: a figure computed
-- at version v of its place is still exact while the version is v
CREATE TABLE figures_version (
  township_id BIGINT PRIMARY KEY,
  county_id BIGINT NOT NULL,
  v BIGINT NOT NULL
);
INSERT INTO figures_version (township_id, county_id, v)
SELECT township_id, MIN(county_id), 1 FROM problems GROUP BY township_id;

-- today's deadlines that have passed are counted exactly from the open
-- problems themselves, through this index alone (and the overdue list)
CREATE INDEX problems_open_due ON problems(due_at, county_id, township_id, department_id, unit_id,
  created_at) WHERE state IN ('reported','accepted','dispatched','in_hand','handled','verified');
-- the problems behind the rework figure, for the bulletin's list
CREATE INDEX problems_rework ON problems(handled_at) WHERE rework_count > 0;

INSERT INTO figures_daily (kind, township_id, day, county_id, unit_id, department_id, category,
  channel, cell_id, reporter_id, state, flags, due_day, n, hours)
SELECT kind, township_id, day, county_id, unit_id, department_id, category, channel, cell_id,
  reporter_id, state, flags, due_day, SUM(n), SUM(hours)
FROM figures_facts
GROUP BY kind, township_id, day, county_id, unit_id, department_id, category, channel, cell_id,
  reporter_id, state, flags, due_day;

-- @sqlite
CREATE TRIGGER figures_problems_insert AFTER INSERT ON problems BEGIN
  INSERT INTO figures_daily (kind, township_id, day, county_id, unit_id, department_id, category,
    channel, cell_id, reporter_id, state, flags, due_day, n, hours)
  SELECT kind, township_id, day, county_id, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, n, hours FROM figures_facts WHERE id = NEW.id
  ON CONFLICT (kind, township_id, day, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, county_id)
  DO UPDATE SET n = figures_daily.n + excluded.n, hours = figures_daily.hours + excluded.hours;
  INSERT INTO figures_version (township_id, county_id, v) VALUES (NEW.township_id, NEW.county_id, 1)
  ON CONFLICT (township_id) DO UPDATE SET v = figures_version.v + 1;
END;
CREATE TRIGGER figures_problems_before_update BEFORE UPDATE OF created_at, handled_at, closed_at,
  county_id, township_id, unit_id, department_id, category, channel, cell_id, reported_by, state,
  rework_count, return_count, supervised, on_time, due_at ON problems BEGIN
  INSERT INTO figures_daily (kind, township_id, day, county_id, unit_id, department_id, category,
    channel, cell_id, reporter_id, state, flags, due_day, n, hours)
  SELECT kind, township_id, day, county_id, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, -n, -hours FROM figures_facts WHERE id = OLD.id
  ON CONFLICT (kind, township_id, day, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, county_id)
  DO UPDATE SET n = figures_daily.n + excluded.n, hours = figures_daily.hours + excluded.hours;
  INSERT INTO figures_version (township_id, county_id, v) VALUES (OLD.township_id, OLD.county_id, 1)
  ON CONFLICT (township_id) DO UPDATE SET v = figures_version.v + 1;
END;
CREATE TRIGGER figures_problems_after_update AFTER UPDATE OF created_at, handled_at, closed_at,
  county_id, township_id, unit_id, department_id, category, channel, cell_id, reported_by, state,
  rework_count, return_count, supervised, on_time, due_at ON problems BEGIN
  INSERT INTO figures_daily (kind, township_id, day, county_id, unit_id, department_id, category,
    channel, cell_id, reporter_id, state, flags, due_day, n, hours)
  SELECT kind, township_id, day, county_id, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, n, hours FROM figures_facts WHERE id = NEW.id
  ON CONFLICT (kind, township_id, day, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, county_id)
  DO UPDATE SET n = figures_daily.n + excluded.n, hours = figures_daily.hours + excluded.hours;
  INSERT INTO figures_version (township_id, county_id, v) VALUES (NEW.township_id, NEW.county_id, 1)
  ON CONFLICT (township_id) DO UPDATE SET v = figures_version.v + 1;
END;
CREATE TRIGGER figures_problems_delete BEFORE DELETE ON problems BEGIN
  INSERT INTO figures_daily (kind, township_id, day, county_id, unit_id, department_id, category,
    channel, cell_id, reporter_id, state, flags, due_day, n, hours)
  SELECT kind, township_id, day, county_id, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, -n, -hours FROM figures_facts WHERE id = OLD.id
  ON CONFLICT (kind, township_id, day, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, county_id)
  DO UPDATE SET n = figures_daily.n + excluded.n, hours = figures_daily.hours + excluded.hours;
  INSERT INTO figures_version (township_id, county_id, v) VALUES (OLD.township_id, OLD.county_id, 1)
  ON CONFLICT (township_id) DO UPDATE SET v = figures_version.v + 1;
END;
-- @end
-- @pg
CREATE FUNCTION figures_problems_apply(pid BIGINT, sign BIGINT) RETURNS void LANGUAGE sql AS $$
  INSERT INTO figures_daily (kind, township_id, day, county_id, unit_id, department_id, category,
    channel, cell_id, reporter_id, state, flags, due_day, n, hours)
  SELECT kind, township_id, day, county_id, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, sign * n, sign * hours FROM figures_facts WHERE id = pid
  ON CONFLICT (kind, township_id, day, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, county_id)
  DO UPDATE SET n = figures_daily.n + EXCLUDED.n, hours = figures_daily.hours + EXCLUDED.hours
$$;
CREATE FUNCTION figures_problems_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND TG_WHEN = 'AFTER') THEN
    PERFORM figures_problems_apply(NEW.id, 1);
    INSERT INTO figures_version (township_id, county_id, v) VALUES (NEW.township_id, NEW.county_id, 1)
    ON CONFLICT (township_id) DO UPDATE SET v = figures_version.v + 1;
  ELSE
    PERFORM figures_problems_apply(OLD.id, -1);
    INSERT INTO figures_version (township_id, county_id, v) VALUES (OLD.township_id, OLD.county_id, 1)
    ON CONFLICT (township_id) DO UPDATE SET v = figures_version.v + 1;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER figures_problems_insert AFTER INSERT ON problems
  FOR EACH ROW EXECUTE FUNCTION figures_problems_trigger();
CREATE TRIGGER figures_problems_before_update BEFORE UPDATE OF created_at, handled_at, closed_at,
  county_id, township_id, unit_id, department_id, category, channel, cell_id, reported_by, state,
  rework_count, return_count, supervised, on_time, due_at ON problems
  FOR EACH ROW EXECUTE FUNCTION figures_problems_trigger();
CREATE TRIGGER figures_problems_after_update AFTER UPDATE OF created_at, handled_at, closed_at,
  county_id, township_id, unit_id, department_id, category, channel, cell_id, reported_by, state,
  rework_count, return_count, supervised, on_time, due_at ON problems
  FOR EACH ROW EXECUTE FUNCTION figures_problems_trigger();
CREATE TRIGGER figures_problems_delete BEFORE DELETE ON problems
  FOR EACH ROW EXECUTE FUNCTION figures_problems_trigger();
-- @end

-- Bulletins (通报, R7.2): composed for a township (by its office) or for a
-- department's line (by the department), a draft until published; then
-- numbered per issuer and year, immutable, and read receipts kept.
CREATE TABLE bulletins (
  id {{ID}},
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT REFERENCES regions(id),
  department_id BIGINT REFERENCES departments(id),
  period_kind TEXT NOT NULL CHECK (period_kind IN ('week','month','quarter','year','custom')),
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft','published')),
  title TEXT NOT NULL,
  analysis TEXT NOT NULL DEFAULT '',
  content_json TEXT NOT NULL DEFAULT '{}',
  year INTEGER,
  seq INTEGER,
  number TEXT,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  published_by BIGINT REFERENCES users(id),
  published_at BIGINT,
  version INTEGER NOT NULL DEFAULT 1,
  updated_at BIGINT NOT NULL
);
CREATE INDEX bulletins_township ON bulletins(township_id, id);
CREATE INDEX bulletins_county ON bulletins(county_id, id);
CREATE UNIQUE INDEX bulletins_number ON bulletins(county_id, COALESCE(township_id, 0), COALESCE(department_id, 0), year, seq);

CREATE TABLE bulletin_reads (
  bulletin_id BIGINT NOT NULL REFERENCES bulletins(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  read_at BIGINT NOT NULL,
  PRIMARY KEY (bulletin_id, user_id)
);

-- The dispatched units' own periodic reports (R7.4): one per unit and
-- period, its figures as filed and its analysis.
CREATE TABLE unit_reports (
  id {{ID}},
  unit_id BIGINT NOT NULL REFERENCES units(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  period_start TEXT NOT NULL,
  period_end TEXT NOT NULL,
  figures_json TEXT NOT NULL DEFAULT '{}',
  analysis TEXT NOT NULL,
  filed_by BIGINT NOT NULL REFERENCES users(id),
  filed_at BIGINT NOT NULL,
  UNIQUE (unit_id, period_start, period_end)
);
CREATE INDEX unit_reports_township ON unit_reports(township_id, period_start);

-- Chinese text search over descriptions and addresses (the list's q=):
-- trigrams on both engines.
-- @sqlite
CREATE VIRTUAL TABLE problems_fts USING fts5(description, address, content='problems',
  content_rowid='id', tokenize='trigram');
INSERT INTO problems_fts(problems_fts) VALUES ('rebuild');
CREATE TRIGGER problems_fts_insert AFTER INSERT ON problems BEGIN
  INSERT INTO problems_fts(rowid, description, address) VALUES (NEW.id, NEW.description, NEW.address);
END;
CREATE TRIGGER problems_fts_delete AFTER DELETE ON problems BEGIN
  INSERT INTO problems_fts(problems_fts, rowid, description, address)
    VALUES ('delete', OLD.id, OLD.description, OLD.address);
END;
CREATE TRIGGER problems_fts_update AFTER UPDATE OF description, address ON problems BEGIN
  INSERT INTO problems_fts(problems_fts, rowid, description, address)
    VALUES ('delete', OLD.id, OLD.description, OLD.address);
  INSERT INTO problems_fts(rowid, description, address) VALUES (NEW.id, NEW.description, NEW.address);
END;
-- @end
-- @pg
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX problems_text_trgm ON problems USING gin ((description || ' ' || COALESCE(address, '')) gin_trgm_ops);
-- @end
