-- 013 joint meetings (R6, seed §4.3.2): the township's regular (例会) and
-- special (专题会) meetings of the dispatched units, chaired by the
-- leadership group; agenda items with links to the records they concern;
-- invitations and answers; attendance with sign-in; the status report
-- frozen with the meeting; minutes drafted, approved and published with a
-- number; and decided items (议定事项) tracked to the end.

CREATE TABLE meetings (
  id {{ID}},
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  kind TEXT NOT NULL CHECK (kind IN ('regular','special')),
  title TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT,
  place TEXT NOT NULL DEFAULT '',
  chair_person_id BIGINT NOT NULL REFERENCES people(id),
  state TEXT NOT NULL,
  period_from BIGINT,
  period_to BIGINT,
  report_json TEXT,
  report_at BIGINT,
  minutes TEXT NOT NULL DEFAULT '',
  minutes_year INTEGER,
  minutes_seq INTEGER,
  minutes_approved_at BIGINT,
  minutes_approved_by BIGINT REFERENCES users(id),
  minutes_published_at BIGINT,
  return_reason TEXT,
  created_by BIGINT REFERENCES users(id),
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX meetings_township ON meetings(township_id, starts_at);

CREATE TABLE meeting_agenda (
  id {{ID}},
  meeting_id BIGINT NOT NULL REFERENCES meetings(id),
  seq INTEGER NOT NULL,
  title TEXT NOT NULL,
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX meeting_agenda_meeting ON meeting_agenda(meeting_id, seq);

-- links of an agenda entry or a decided item to the records it concerns
CREATE TABLE meeting_links (
  id {{ID}},
  meeting_id BIGINT NOT NULL REFERENCES meetings(id),
  agenda_id BIGINT REFERENCES meeting_agenda(id),
  item_id BIGINT,
  kind TEXT NOT NULL CHECK (kind IN ('problem','joint_action','bulletin')),
  ref_id BIGINT NOT NULL
);
CREATE INDEX meeting_links_meeting ON meeting_links(meeting_id);
CREATE INDEX meeting_links_ref ON meeting_links(kind, ref_id);

CREATE TABLE meeting_invitees (
  id {{ID}},
  meeting_id BIGINT NOT NULL REFERENCES meetings(id),
  unit_id BIGINT REFERENCES units(id),
  person_id BIGINT REFERENCES people(id),
  answer TEXT NOT NULL DEFAULT 'pending' CHECK (answer IN ('pending','attend','absent','substitute')),
  reason TEXT,
  substitute_name TEXT,
  answered_at BIGINT,
  answered_by BIGINT REFERENCES users(id),
  attendance TEXT CHECK (attendance IN ('present','late','absent','substitute')),
  signed_in_at BIGINT,
  attendance_note TEXT,
  recorded_by BIGINT REFERENCES users(id)
);
CREATE INDEX meeting_invitees_meeting ON meeting_invitees(meeting_id);
CREATE INDEX meeting_invitees_unit ON meeting_invitees(unit_id);
CREATE UNIQUE INDEX meeting_invitees_one_unit ON meeting_invitees(meeting_id, unit_id);

CREATE TABLE meeting_history (
  id {{ID}},
  meeting_id BIGINT NOT NULL REFERENCES meetings(id),
  item_id BIGINT,
  at BIGINT NOT NULL,
  user_id BIGINT REFERENCES users(id),
  username TEXT,
  action TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT,
  note TEXT
);
CREATE INDEX meeting_history_meeting ON meeting_history(meeting_id, id);

CREATE TABLE meeting_items (
  id {{ID}},
  meeting_id BIGINT NOT NULL REFERENCES meetings(id),
  county_id BIGINT NOT NULL REFERENCES regions(id),
  township_id BIGINT NOT NULL REFERENCES regions(id),
  title TEXT NOT NULL,
  detail TEXT NOT NULL DEFAULT '',
  owner_unit_id BIGINT NOT NULL REFERENCES units(id),
  owner_person_id BIGINT REFERENCES people(id),
  state TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  warn_at BIGINT NOT NULL,
  alert_level INTEGER NOT NULL DEFAULT 0,
  supervised INTEGER NOT NULL DEFAULT 0,
  supervise_note TEXT,
  result TEXT,
  done_at BIGINT,
  verified_at BIGINT,
  on_time INTEGER,
  created_by BIGINT REFERENCES users(id),
  version INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX meeting_items_meeting ON meeting_items(meeting_id);
CREATE INDEX meeting_items_unit ON meeting_items(owner_unit_id, state);
CREATE INDEX meeting_items_township ON meeting_items(township_id, state);
CREATE INDEX meeting_items_due ON meeting_items(due_at);
