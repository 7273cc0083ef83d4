-- 023 one lock order for the figures' triggers on PostgreSQL. 007's trigger
-- added a problem's facts to the daily sums and then bumped its township's
-- figures_version row; an UPDATE runs it twice (BEFORE: the old facts out,
-- AFTER: the new facts in). Two transactions moving problems of one
-- township could each hold a daily-sum row the other wanted while one held
-- the version row: PostgreSQL broke the deadlock by aborting one (a 500).
-- Now the version row is taken first, every time: it is the township's one
-- mutex for the figures, and a daily-sum row is only ever locked by the
-- transaction that holds it. SQLite has one writer and needs nothing.
-- @pg
CREATE OR REPLACE FUNCTION figures_problems_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND TG_WHEN = 'AFTER') THEN
    INSERT INTO figures_version (township_id, county_id, v) VALUES (NEW.township_id, NEW.county_id, 1)
    ON CONFLICT (township_id) DO UPDATE SET v = figures_version.v + 1;
    PERFORM figures_problems_apply(NEW.id, 1);
  ELSE
    INSERT INTO figures_version (township_id, county_id, v) VALUES (OLD.township_id, OLD.county_id, 1)
    ON CONFLICT (township_id) DO UPDATE SET v = figures_version.v + 1;
    PERFORM figures_problems_apply(OLD.id, -1);
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END
$$;
-- @end
