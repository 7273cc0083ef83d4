-- 029 the scheduler's deadline passes read their index alone (issue 15).
-- The overdue pass (due_at <= now AND alert_level < 2) and the
-- deadline-near pass (due_at within 30 days AND warn_at <= now AND
-- alert_level < 1) walked problems_due (due_at) and read every entry's
-- table row for alert_level and warn_at: on the 10M fill ~100,000 random
-- row reads a pass, 0.3–1.2 s holding the SQLite writer every 30 s (the
-- reports' p99 of 0.5–1 s there; logged by the writer's slow-transaction
-- warning). With both columns in the index, SQLite and PostgreSQL test
-- them on the entry and read the row only of a problem to mark. A closed
-- problem has no deadline (due_at NULL): it is left out, which keeps the
-- index to the open problems (a twentieth of the rows on the fills);
-- every query that uses it names a value of due_at.
DROP INDEX problems_due;
CREATE INDEX problems_due ON problems(due_at, alert_level, warn_at) WHERE due_at IS NOT NULL;
