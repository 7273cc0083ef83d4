// figures_locks.test.mjs — on PostgreSQL, two transactions moving problems
// of one township never deadlock on the figures' daily sums (migration 023:
// the township's version row is taken before any daily-sum row). The race
// is made deterministic with two psql sessions and pg_sleep: the first
// moves one problem, waits, then moves a second; the other, started in
// between, moves a problem whose facts share the second's daily-sum row.
// Under 007's order the second statement waited on a row the other held
// while it held the version row the other wanted: PostgreSQL aborted one.
// Then the daily sums still equal a recount from the problems.
// SQLite has one writer; the lock order is PostgreSQL's alone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startServer, ENGINE } from './lib.mjs';

const pg = ENGINE === 'pg';
let h;
before(async () => { if (pg) h = await startServer(); });
after(async () => { if (h) await h.close(); });

const psql = (url, script) => new Promise((resolve) => {
  const p = spawn('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qAt'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  p.stderr.on('data', (c) => { err += c; });
  p.on('exit', (code) => resolve({ code, err }));
  p.stdin.end(script);
});

// clone: a copy of problem `id` with every column but the key, so that its
// facts fall in the same daily-sum rows; answers the new id.
function clone(id, state) {
  const cols = h.sql(`SELECT string_agg(quote_ident(column_name), ',' ORDER BY ordinal_position) FROM information_schema.columns
    WHERE table_name = 'problems' AND column_name NOT IN ('id', 'code', 'no', 'serial')`);
  const nid = Number(h.sql(`INSERT INTO problems (${cols}) SELECT ${cols} FROM problems WHERE id = ${id} RETURNING id`).split('\n')[0]);
  h.sql(`UPDATE problems SET state = '${state}' WHERE id = ${nid}`);
  return nid;
}

test('opposite moves of one township\'s problems commit both, and the sums stay exact', { skip: !pg && 'PostgreSQL only' }, async () => {
  const src = Number(h.sql(`SELECT id FROM problems WHERE state = 'reported' ORDER BY id LIMIT 1`));
  assert.ok(src > 0, 'a reported problem in the demo');
  const p1 = clone(src, 'accepted');
  const p2 = clone(src, 'reported');
  const p3 = clone(src, 'reported');
  const url = h.db.url;
  const first = psql(url, `BEGIN;
UPDATE problems SET state = 'dispatched' WHERE id = ${p1};
SELECT pg_sleep(1.5);
UPDATE problems SET state = 'in_hand' WHERE id = ${p3};
COMMIT;`);
  await new Promise((r) => setTimeout(r, 500));
  const second = psql(url, `BEGIN;
UPDATE problems SET state = 'accepted' WHERE id = ${p2};
COMMIT;`);
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.code, 0, a.err);
  assert.equal(b.code, 0, b.err);
  assert.equal(h.sql(`SELECT state FROM problems WHERE id IN (${p1}, ${p2}, ${p3}) ORDER BY id`), 'dispatched\naccepted\nin_hand');
  const drift = h.sql(`SELECT COUNT(*) FROM (
      SELECT kind, township_id, day, unit_id, department_id, category, channel, cell_id, reporter_id, state, flags, due_day, county_id, SUM(n) AS n
      FROM figures_facts GROUP BY kind, township_id, day, unit_id, department_id, category, channel, cell_id, reporter_id, state, flags, due_day, county_id) f
    FULL JOIN (SELECT * FROM figures_daily WHERE n <> 0) d USING (kind, township_id, day, unit_id, department_id, category, channel, cell_id, reporter_id, state, flags, due_day, county_id)
    WHERE COALESCE(f.n, 0) <> COALESCE(d.n, 0)`);
  assert.equal(Number(drift), 0, 'the daily sums equal a recount from the problems');
});

// migration 031: the facts wait in figures_pending until the COMMIT, which
// moves them, netted per key, into the sums and bumps the version once
test('the facts are moved into the sums at commit: none left pending, a no-op move touches no sum', { skip: !pg && 'PostgreSQL only' }, async () => {
  const id = Number(h.sql(`SELECT id FROM problems WHERE state = 'reported' ORDER BY id DESC LIMIT 1`));
  const town = h.sql(`SELECT township_id FROM problems WHERE id = ${id}`);
  const sums = () => h.sql('SELECT md5(string_agg(d::text, \'|\' ORDER BY d::text)) FROM figures_daily d');
  const version = () => Number(h.sql(`SELECT v FROM figures_version WHERE township_id = ${town}`));
  const before = sums(), v0 = version();
  // inside the transaction the facts are pending and the sums not yet moved
  const seen = h.sql(`BEGIN;
UPDATE problems SET state = 'accepted' WHERE id = ${id};
SELECT COUNT(*) FROM figures_pending WHERE xid = txid_current();
ROLLBACK;`).split('\n').filter((l) => /^\d+$/.test(l));
  assert.ok(Number(seen.at(-1)) > 0, 'facts pending before the commit');
  assert.equal(sums(), before, 'a rolled back move leaves the sums');
  assert.equal(version(), v0, 'and the version');
  h.sql(`UPDATE problems SET state = state WHERE id = ${id}`);
  assert.equal(sums(), before, 'facts that net to nothing touch no sum');
  assert.equal(version(), v0 + 1, 'the version moves once per transaction');
  h.sql(`UPDATE problems SET state = 'accepted' WHERE id = ${id}`);
  assert.notEqual(sums(), before);
  assert.equal(version(), v0 + 2);
  assert.equal(h.sql('SELECT COUNT(*) FROM figures_pending'), '0', 'nothing left pending after a commit');
});
