-- 020 patrols recorded as they happen (R3.3, R4.7): a grid member starts a
-- patrol (state in_progress), the phone appends its track in batches, ticks
-- checklist items, links the problems it raised, and stops it (state done).
-- A patrol uploaded whole (POST /patrols without a state) is done at once.
-- The live track's positions are kept one row each, keyed by their time, so
-- a batch sent twice is stored once; patrols.track_json and distance_m are
-- rebuilt from them in the same transaction. The checklist ticks are one
-- row per item (the last word wins); checked_json is rebuilt from them.

ALTER TABLE patrols ADD COLUMN state TEXT NOT NULL DEFAULT 'done';
ALTER TABLE patrols ADD COLUMN mode TEXT NOT NULL DEFAULT 'upload';
ALTER TABLE patrols ADD COLUMN updated_at BIGINT;

CREATE TABLE patrol_points (
  patrol_id BIGINT NOT NULL REFERENCES patrols(id),
  t BIGINT NOT NULL,
  lon {{REAL}} NOT NULL,
  lat {{REAL}} NOT NULL,
  PRIMARY KEY (patrol_id, t)
);

CREATE TABLE patrol_checks (
  patrol_id BIGINT NOT NULL REFERENCES patrols(id),
  item_id BIGINT NOT NULL REFERENCES patrol_items(id),
  checked INTEGER NOT NULL,
  note TEXT,
  checked_at BIGINT NOT NULL,
  PRIMARY KEY (patrol_id, item_id)
);

CREATE INDEX patrols_open ON patrols(user_id, state);
CREATE INDEX problems_patrol ON problems(patrol_id);
