// security_crash.test.mjs — crash and restore drills (issue 16 item 6):
// XZ_CRASH_CYCLES kill -9 cycles under write load on one database (5 in
// `make test`, 100 for a soak run: XZ_CRASH_CYCLES=100), every acknowledged
// write found afterwards and the audit chain intact; then an online backup
// taken under load restores to a database that passes `xiezhi check` and
// holds every write acknowledged before the backup began.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freshDb, cli, sqlOn, ENGINE } from './lib.mjs';

const CYCLES = Number(process.env.XZ_CRASH_CYCLES || 5);

// load: four writers creating people until stop(); acked collects the ids
// the API acknowledged (201).
function load(h, token, acked, tag) {
  let stop = false;
  const writers = [0, 1, 2, 3].map(async (w) => {
    for (let i = 0; !stop; i++) {
      try {
        const r = await h.api('POST', '/api/v1/people', { token, body: { name: `演练${tag}-${w}-${i}`, phone: `c${tag}w${w}i${i}` } });
        if (r.status === 201) acked.push(r.body.id);
      } catch { return; } // cut by the kill: not acknowledged
    }
  });
  return async () => { stop = true; await Promise.all(writers); };
}

test(`${CYCLES} kill -9 cycles under write load lose no acknowledged write`, async (t) => {
  const db = freshDb();
  const acked = [];
  let h = await startServer({ db: { ...db, drop: () => {} } });
  for (let c = 0; c < CYCLES; c++) {
    const token = await h.login('office');
    const stop = load(h, token, acked, c);
    await new Promise((r) => setTimeout(r, 100 + Math.floor(Math.random() * 400)));
    await h.stop('SIGKILL');
    await stop();
    h = await startServer({ demo: false, db: { ...db, drop: () => {} } });
  }
  assert.ok(acked.length >= CYCLES, `${acked.length} writes acknowledged over ${CYCLES} cycles`);
  const present = new Set(h.sql(`SELECT id FROM people WHERE id IN (${acked.join(',')})`).split('\n').map(Number));
  const missing = acked.filter((id) => !present.has(id));
  assert.deepEqual(missing, [], `all ${acked.length} acknowledged writes present`);
  const v = await h.api('GET', '/api/v1/audit/verify', { token: await h.login('auditor') });
  assert.equal(v.body.intact, true, 'audit chain intact after the crashes');
  t.diagnostic(`${ENGINE}: ${CYCLES} kill -9 cycles, ${acked.length} acknowledged writes, 0 lost, audit chain of ${v.body.entries} entries intact`);
  await h.close();
  db.drop();
});

test('an online backup under load restores to a database that passes check', async (t) => {
  const h = await startServer();
  const token = await h.login('office');
  const acked = [];
  const stop = load(h, token, acked, 'b');
  await new Promise((r) => setTimeout(r, 300));
  const before = [...acked];
  const dir = mkdtempSync(join(tmpdir(), 'xz-backup-'));
  const file = join(dir, ENGINE === 'pg' ? 'backup.sql' : 'backup.db');
  cli(h.db.url, ['backup', file]);
  await stop();
  const target = freshDb();
  try {
    cli(target.url, ['restore', file]);
    const out = cli(target.url, ['check']);
    assert.match(out, /audit chain: ok/);
    assert.doesNotMatch(out, /FAULT|BROKEN/);
    const present = new Set(sqlOn(target.url, `SELECT id FROM people WHERE id IN (${before.join(',') || 0})`).split('\n').filter(Boolean).map(Number));
    const missing = before.filter((id) => !present.has(id));
    assert.deepEqual(missing, [], `the ${before.length} writes acknowledged before the backup are in it`);
    t.diagnostic(`${ENGINE}: backup under load (${before.length} writes before it, ${acked.length} by the end) restored; check: ${out.trim().replace(/\n/g, '; ')}`);
  } finally {
    target.drop();
    rmSync(dir, { recursive: true, force: true });
    await h.close();
  }
});
