-- 031 the figures' day sums applied when a transaction commits
-- (PostgreSQL). Since 007 a problem's row trigger added its facts to the
-- township's day sums and (023) first bumped the township's figures_version
-- row: from a report's INSERT to its COMMIT the transaction held that row,
-- the township's one mutex, while it wrote the history, the messages and
-- the audit entry. Every other report of the township waited for it
-- ("Lock: transactionid" on the INSERT, sampled from pg_stat_activity:
-- 3 waiting for every running backend with two servers on one database).
-- Now the row trigger only records the facts, signed, in figures_pending,
-- a table no one else writes; a deferred constraint trigger moves the
-- transaction's facts into the day sums at COMMIT, netted per key (an
-- update that leaves a problem's facts as they were touches no sum), and
-- takes the rows in one order for every transaction: the townships'
-- version rows by township, then the sums by their key, so none waits on
-- another in a cycle (023's deadlock) and each holds them only while it
-- commits. The figures read the same sums at the same moments: a
-- transaction's facts become visible with its commit, as before. SQLite
-- has one writer and keeps 007's triggers.
-- @pg
-- the day sums' columns, and the transaction that recorded the facts
CREATE UNLOGGED TABLE figures_pending (
  xid BIGINT NOT NULL DEFAULT txid_current(),
  LIKE figures_daily INCLUDING DEFAULTS
);
CREATE INDEX figures_pending_xid ON figures_pending(xid);

CREATE OR REPLACE FUNCTION figures_problems_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  pid BIGINT;
  sign BIGINT;
BEGIN
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND TG_WHEN = 'AFTER') THEN
    pid := NEW.id;
    sign := 1;
  ELSE
    pid := OLD.id;
    sign := -1;
  END IF;
  INSERT INTO figures_pending (kind, township_id, day, county_id, unit_id, department_id, category,
    channel, cell_id, reporter_id, state, flags, due_day, n, hours)
  SELECT kind, township_id, day, county_id, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, sign * n, sign * hours FROM figures_facts WHERE id = pid;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;

-- once per pending row, at COMMIT: the first moves them all, the others
-- find none
CREATE FUNCTION figures_pending_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO figures_version (township_id, county_id, v)
  SELECT township_id, MIN(county_id), 1 FROM figures_pending WHERE xid = txid_current()
  GROUP BY township_id ORDER BY township_id
  ON CONFLICT (township_id) DO UPDATE SET v = figures_version.v + 1;
  WITH moved AS (DELETE FROM figures_pending WHERE xid = txid_current() RETURNING *)
  INSERT INTO figures_daily (kind, township_id, day, county_id, unit_id, department_id, category,
    channel, cell_id, reporter_id, state, flags, due_day, n, hours)
  SELECT kind, township_id, day, county_id, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, SUM(n), SUM(hours) FROM moved
  GROUP BY kind, township_id, day, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, county_id
  HAVING SUM(n) <> 0 OR SUM(hours) <> 0
  ORDER BY kind, township_id, day, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, county_id
  ON CONFLICT (kind, township_id, day, unit_id, department_id, category, channel, cell_id,
    reporter_id, state, flags, due_day, county_id)
  DO UPDATE SET n = figures_daily.n + EXCLUDED.n, hours = figures_daily.hours + EXCLUDED.hours;
  RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER figures_pending_apply AFTER INSERT ON figures_pending
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION figures_pending_apply();
-- @end
