// ops_upgrade.test.mjs — a database made by the first release of 003 (the
// text in fixtures/release-1, before 003 gained supervise_alerted and four
// indexes) is upgraded by the current binary: 005 repairs it, every
// migration is recorded with its checksum, and the scheduler pass works.
// Issue 9 item 7 and issue 18 finding 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, BIN, ENGINE, freshDb, cli, sqlOn, startServer, LATEST, LATEST3 } from './lib.mjs';

const eng = ENGINE === 'pg' ? 'pg' : 'sqlite';

// releaseOne: the schema and bookkeeping as the first release left them.
function releaseOne(url) {
  const text = [
    readFileSync(join(ROOT, `migrations/${eng}/001_foundation.sql`), 'utf8'),
    readFileSync(join(ROOT, `migrations/${eng}/002_grid_lists.sql`), 'utf8'),
    readFileSync(join(ROOT, `tests/api/fixtures/release-1/003_problems.${eng}.sql`), 'utf8'),
    'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL);',
    "INSERT INTO schema_migrations VALUES (1, '001_foundation', 1), (2, '002_grid_lists', 1), (3, '003_problems', 1);",
  ].join('\n');
  if (eng === 'pg') execFileSync('psql', ['-q', '-v', 'ON_ERROR_STOP=1', url], { input: text });
  else execFileSync('sqlite3', [url], { input: text });
}

const hasColumn = (url) => eng === 'pg'
  ? sqlOn(url, "SELECT COUNT(*) FROM information_schema.columns WHERE table_name = 'problems' AND column_name = 'supervise_alerted'")
  : sqlOn(url, "SELECT COUNT(*) FROM pragma_table_info('problems') WHERE name = 'supervise_alerted'");
const indexes = (url) => eng === 'pg'
  ? sqlOn(url, "SELECT indexname FROM pg_indexes WHERE tablename = 'problems' ORDER BY 1")
  : sqlOn(url, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'problems' AND name NOT LIKE 'sqlite_%' ORDER BY 1");
const bookkeeping = (url) => sqlOn(url, 'SELECT version, name, checksum FROM schema_migrations ORDER BY version');

test('a first-release database is upgraded: 005 adds what 003 gained, checksums recorded, the scheduler pass works', async () => {
  const old = freshDb(), fresh = freshDb();
  let h;
  try {
    releaseOne(old.url);
    assert.equal(hasColumn(old.url), '0', 'the fixture is the first release');
    const m = spawnSync(BIN, ['--db', old.url, 'migrate'], { encoding: 'utf8' });
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stderr, /applied migration 004_joint_actions/);
    assert.match(m.stderr, /applied migration 005_repair_003/);
    assert.equal(hasColumn(old.url), '1');
    cli(fresh.url, ['migrate']);
    assert.equal(indexes(old.url), indexes(fresh.url), 'the same indexes as a database made today');
    // every row carries the checksum of the text this binary carries
    const rows = bookkeeping(old.url);
    assert.equal(rows, bookkeeping(fresh.url));
    for (const line of rows.split('\n')) assert.match(line, /^\d+\|\d{3}_\w+\|[0-9a-f]{64}$/);
    // a second run changes nothing
    assert.match(cli(old.url, ['migrate']), new RegExp(`up to date \\(schema ${LATEST3}\\)`));
    assert.equal(bookkeeping(old.url), rows);
    assert.match(cli(old.url, ['check']), new RegExp(`schema: ok \\(${LATEST3}\\)`));
    // the demo and the scheduler on the upgraded database
    cli(old.url, ['demo']);
    h = await startServer({ demo: false, db: old });
    await h.setClock('2027-03-01T09:00:00+08:00');
    const tick = await h.api('POST', '/api/v1/test/tick');
    assert.equal(tick.status, 200, JSON.stringify(tick.body));
    assert.ok(tick.body.found > 0, 'overdue problems are flagged');
    const health = await h.api('GET', '/api/v1/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.schema_version, LATEST);
    assert.equal(health.body.scheduler.ok, true);
    assert.ok(health.body.scheduler.last_ok);
    assert.doesNotMatch(h.stderr, /pass failed/);
  } finally {
    if (h) { await h.setClock(null).catch(() => {}); await h.close(); } else old.drop();
    fresh.drop();
  }
});

test('005 on a database already made by the current 003 changes nothing', () => {
  const d = freshDb();
  try {
    cli(d.url, ['migrate']);
    const before = indexes(d.url);
    // pretend 005 had not run yet: it must apply cleanly over the current 003
    sqlOn(d.url, 'DELETE FROM schema_migrations WHERE version = 5');
    const m = spawnSync(BIN, ['--db', d.url, 'migrate'], { encoding: 'utf8' });
    assert.equal(m.status, 0, m.stderr);
    assert.match(m.stderr, /applied migration 005_repair_003/);
    assert.equal(indexes(d.url), before);
  } finally { d.drop(); }
});

test('a database upgraded by a newer release is refused by this one, naming the migration', () => {
  const d = freshDb();
  try {
    cli(d.url, ['migrate']);
    sqlOn(d.url, "INSERT INTO schema_migrations (version, name, applied_at, checksum) VALUES (999, '999_future', 1, 'x')");
    const r = spawnSync(BIN, ['--db', d.url, 'migrate'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /migration 999 \(999_future\) is recorded in the database but unknown to this binary/);
  } finally { d.drop(); }
});
