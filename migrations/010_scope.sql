-- 010 scope: problem categories and the working-day calendar belong to a
-- county, so lists and calendars are filtered through authz like every
-- other record (issue 9, item 4).
--
-- categories: a county_id column. Until now the tree was shared by every
-- county and only its power codes tied it to one (routing reads the codes in
-- the township's county list). Existing rows move to the county whose list
-- holds one of their (or their children's) power codes, else to the first
-- county; a child always lives in its parent's county. Codes stay unique
-- across the deployment, like department and unit codes, so lookups by code
-- elsewhere stay unambiguous.
--
-- calendar_days: keyed by (county_id, day). The days stored so far were the
-- deployment's one calendar (the State Council's holiday schedule), used by
-- every county: each county receives its own copy to edit from now on.

ALTER TABLE categories ADD COLUMN county_id BIGINT REFERENCES regions(id);

UPDATE categories SET county_id = (
  SELECT MIN(v.county_id) FROM list_versions v
  JOIN power_items p ON p.version_id = v.id
  JOIN categories k ON k.id = categories.id OR k.parent_id = categories.id
  WHERE k.power_codes LIKE '%"' || p.code || '"%'
) WHERE parent_id IS NULL;

UPDATE categories SET county_id = (SELECT MIN(id) FROM regions WHERE level = 'county')
  WHERE parent_id IS NULL AND county_id IS NULL;

UPDATE categories SET county_id = (
  SELECT k.county_id FROM categories k WHERE k.id = categories.parent_id
) WHERE parent_id IS NOT NULL;

CREATE INDEX categories_county ON categories(county_id, parent_id, sort);

CREATE TABLE calendar_days_010 (
  county_id BIGINT NOT NULL REFERENCES regions(id),
  day TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('holiday','workday')),
  name TEXT NOT NULL DEFAULT '',
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (county_id, day)
);

INSERT INTO calendar_days_010 (county_id, day, kind, name, updated_at)
  SELECT r.id, d.day, d.kind, d.name, d.updated_at
  FROM calendar_days d CROSS JOIN regions r WHERE r.level = 'county';

DROP TABLE calendar_days;
ALTER TABLE calendar_days_010 RENAME TO calendar_days;
