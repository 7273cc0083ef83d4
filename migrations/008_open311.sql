-- 008 Open311 GeoReport v2 (R10.6, issue 14): the outside systems that
-- report problems in (12345 hotline, media desk, video analytics), their
-- keys kept only as SHA-256, the requests they handed in (each one a
-- problem), and the attributes a service (a leaf category) asks for.

CREATE TABLE open311_clients (
  id {{ID}},
  county_id BIGINT NOT NULL REFERENCES regions(id),
  name TEXT NOT NULL,
  channel TEXT NOT NULL CHECK (channel IN ('complaint','media','video','transfer')),
  key_hash TEXT NOT NULL UNIQUE,
  key_prefix TEXT NOT NULL,
  rate_per_minute INTEGER NOT NULL DEFAULT 60,
  revoked_at BIGINT,
  created_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

-- the townships a system may report into; none listed: every township of its county
CREATE TABLE open311_client_townships (
  client_id BIGINT NOT NULL REFERENCES open311_clients(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  PRIMARY KEY (client_id, township_id)
);

CREATE TABLE open311_requests (
  problem_id BIGINT PRIMARY KEY REFERENCES problems(id),
  client_id BIGINT NOT NULL REFERENCES open311_clients(id),
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  token TEXT NOT NULL UNIQUE,
  media_url TEXT,
  attributes_json TEXT NOT NULL DEFAULT '{}',
  jurisdiction_id TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX open311_requests_township ON open311_requests(township_id, problem_id);
CREATE INDEX open311_requests_created ON open311_requests(created_at);

-- the complainant's e-mail joins name and phone in the protected record
ALTER TABLE problem_reporters ADD COLUMN email TEXT;

-- attributes of a service definition; category_code NULL applies to every
-- service. values_json: [{"key","name"}] for the list datatypes.
CREATE TABLE open311_attributes (
  id {{ID}},
  category_code TEXT,
  code TEXT NOT NULL,
  datatype TEXT NOT NULL CHECK (datatype IN ('string','number','datetime','text','singlevaluelist','multivaluelist')),
  required INTEGER NOT NULL DEFAULT 0,
  description TEXT NOT NULL,
  datatype_description TEXT,
  sort INTEGER NOT NULL DEFAULT 0,
  values_json TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX open311_attributes_category ON open311_attributes(category_code, sort);

INSERT INTO open311_attributes (category_code, code, datatype, required, description, datatype_description, sort, values_json)
VALUES (NULL, 'place_type', 'singlevaluelist', 0, '发生场所类型', '从列表中选择一项', 1,
 '[{"key":"road","name":"道路街巷"},{"key":"residential","name":"居民小区"},{"key":"village","name":"村庄"},{"key":"river","name":"河道水域"},{"key":"market","name":"集贸市场"},{"key":"shop","name":"沿街店铺"},{"key":"site","name":"工地"},{"key":"scenic","name":"景区"},{"key":"other","name":"其他"}]');
INSERT INTO open311_attributes (category_code, code, datatype, required, description, datatype_description, sort, values_json)
VALUES ('CS01', 'floors', 'number', 0, '在建层数', '整数，单位：层', 2, '[]');
INSERT INTO open311_attributes (category_code, code, datatype, required, description, datatype_description, sort, values_json)
VALUES ('HJ03', 'noise_period', 'singlevaluelist', 0, '噪声发生时段', '从列表中选择一项', 2,
 '[{"key":"day","name":"昼间（6:00—22:00）"},{"key":"night","name":"夜间（22:00—次日6:00）"}]');
