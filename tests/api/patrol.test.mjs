// patrol.test.mjs — a grid member's patrol recorded as it happens (R3.3,
// R4.7): started in a cell, its track appended in batches from a phone on a
// weak signal (a batch sent twice is stored once, with or without an
// Idempotency-Key), checklist items ticked, the problems it raised linked,
// stopped with a summary; the office reads it; bad input changes nothing;
// a patrol uploaded whole still works as before (grid.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError, walkPages } from './lib.mjs';

let h, t, cell, items;
before(async () => {
  h = await startServer();
  t = await h.tokens(['office', 'office2', 'grid', 'staff', 'admin']);
  cell = (await h.api('GET', '/api/v1/grid/locate?lon=119.845&lat=28.405', { token: t.grid })).body.cell_id;
  items = (await h.api('GET', '/api/v1/patrol-items', { token: t.grid })).body.items;
});
after(async () => { await h.close(); });

const T0 = 1795000000; // Unix seconds, the phone's clock
const pts = (from, n) => Array.from({ length: n }, (_, i) => [119.841 + (from + i) * 0.001, 28.401, T0 + (from + i) * 5]);
const start = (token = t.grid, body = {}) => h.api('POST', '/api/v1/patrols', { token, body: { cell_id: cell, state: 'in_progress', ...body } });
const post = (id, what, body, opts = {}) => h.api('POST', `/api/v1/patrols/${id}/${what}`, { token: t.grid, body, ...opts });
const count = (sql) => Number(h.sql(sql));

test('start, track in batches (each position once), tick, raise a finding, stop: the office reads it all', async () => {
  let r = await start(t.grid, { started_at: '2026-11-20T09:00:00+08:00' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  assert.equal(r.body.state, 'in_progress');
  assert.equal(r.body.mode, 'live');
  assert.equal(r.body.ended_at, null);
  assert.equal(r.body.started_at, '2026-11-20T09:00:00+08:00');
  expectError(assert, await start(), 409, 'patrol_in_progress');

  // the first batch, then the same batch again (a lost answer): stored once
  r = await post(id, 'track', { points: pts(0, 3) });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.added, 3);
  assert.equal(r.body.points, 3);
  assert.ok(Math.abs(r.body.distance_m - 195) < 5, `distance ${r.body.distance_m}`);
  r = await post(id, 'track', { points: pts(0, 3) });
  assert.equal(r.body.added, 0);
  assert.equal(r.body.points, 3);
  // with the outbox's Idempotency-Key, a replay answers the first result
  const key = { 'Idempotency-Key': 'patrol-batch-0001' };
  const a = await post(id, 'track', { points: pts(3, 2) }, { headers: key });
  const b = await post(id, 'track', { points: pts(3, 2) }, { headers: key });
  assert.equal(a.body.added, 2);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.deepEqual(b.body, a.body);
  // a batch that overlaps an earlier one and arrives out of order
  r = await post(id, 'track', { points: [...pts(6, 2), ...pts(4, 2)] });
  assert.equal(r.body.added, 3);
  assert.equal(r.body.points, 8);
  assert.equal(count(`SELECT COUNT(*) FROM patrol_points WHERE patrol_id = ${id}`), 8);

  // the checklist: the last word stands
  for (const [it, checked] of [[items[0], true], [items[1], true], [items[2], true], [items[1], false]]) {
    r = await post(id, 'checks', { item_id: it.id, checked, ...(it === items[2] ? { note: '河道无异常' } : {}) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  assert.deepEqual(r.body.checked, [items[0].id, items[2].id].sort((x, y) => x - y));
  assert.equal(r.body.items_checked, 2);

  // a finding straight into a problem report, linked to the patrol
  const p = await h.api('POST', '/api/v1/problems', { token: t.grid, body: { channel: 'patrol', category: 'CS01', description: '巡查发现：河边新建砖房', lon: 119.845, lat: 28.405, patrol_id: id } });
  assert.equal(p.status, 201, JSON.stringify(p.body));
  r = await post(id, 'findings', { problem_id: p.body.id, item_id: items[0].id });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.findings, 1);
  r = await post(id, 'findings', { problem_id: p.body.id, item_id: items[0].id });
  assert.equal(r.body.findings, 1, 'a problem is linked once');
  // a problem reported without the patrol, linked afterwards
  const q = await h.api('POST', '/api/v1/problems', { token: t.grid, body: { channel: 'patrol', category: 'CS01', description: '巡查发现：路边堆放垃圾', lon: 119.846, lat: 28.405 } });
  r = await post(id, 'findings', { problem_id: q.body.id });
  assert.equal(r.body.findings, 2);
  assert.equal(count(`SELECT patrol_id FROM problems WHERE id = ${q.body.id}`), id);
  r = await post(id, 'findings', { note: '桥头护栏松动，已告知村委' });
  assert.equal(r.body.findings, 3);

  // stop: the summary; stopping again answers the same
  r = await post(id, 'stop', { ended_at: '2026-11-20T10:30:00+08:00' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'done');
  assert.equal(r.body.duration_s, 5400);
  assert.equal(r.body.items_checked, 2);
  assert.equal(r.body.findings, 3);
  assert.equal(r.body.points, 8);
  assert.ok(Math.abs(r.body.distance_m - 7 * 97.8) < 10, `distance ${r.body.distance_m}`);
  const again = await post(id, 'stop', {});
  assert.deepEqual(again.body, r.body);
  expectError(assert, await post(id, 'track', { points: pts(20, 1) }), 409, 'patrol_done');
  expectError(assert, await post(id, 'checks', { item_id: items[3].id, checked: true }), 409, 'patrol_done');

  // the office reads it: the track in time order, the checks, the problems
  const list = (await h.api('GET', '/api/v1/patrols?state=done', { token: t.office })).body.items;
  const row = list.find((x) => x.id === id);
  assert.equal(row.state, 'done');
  assert.equal(row.problem_count, 2);
  const got = (await h.api('GET', `/api/v1/patrols/${id}`, { token: t.office })).body;
  assert.equal(got.track.length, 8);
  assert.deepEqual(got.track.map((x) => x[2]), pts(0, 8).map((x) => x[2]));
  assert.deepEqual(got.track[0], pts(0, 1)[0]);
  assert.deepEqual(got.checks.map((c) => [c.item_id, c.is_checked]), [[items[0].id, true], [items[1].id, false], [items[2].id, true]].sort((x, y) => x[0] - y[0]));
  assert.equal(got.checks.find((c) => c.item_id === items[2].id).note, '河道无异常');
  assert.deepEqual(got.problems.map((x) => x.id), [p.body.id, q.body.id]);
  assert.equal(got.findings.length, 3);
  assert.equal(got.ended_at, '2026-11-20T10:30:00+08:00');
  expectError(assert, await h.api('GET', `/api/v1/patrols/${id}`, { token: t.office2 }), 404, 'not_found');
  // each step is in the audit trail
  for (const act of ['patrol.start', 'patrol.track', 'patrol.check', 'patrol.finding', 'patrol.stop'])
    assert.ok(count(`SELECT COUNT(*) FROM audit_log WHERE action = '${act}' AND object_id = '${id}'`) >= 1, act);
});

test('bad input is refused with its field and changes nothing', async () => {
  const r = await start();
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  const before = () => [count(`SELECT COUNT(*) FROM patrol_points WHERE patrol_id = ${id}`), h.sql(`SELECT track_json FROM patrols WHERE id = ${id}`)];
  const was = before();
  for (const points of [[[-1, -1, T0]], [[119.84, 28.4]], [[119.84, 28.4, T0 + 0.5]], [[119.84, 28.4, '1795000000']], [[200, 28.4, T0]],
    [[119.84, 28.4, 12]], [], [...pts(0, 1), [119.84, 60, T0 + 99]], Array.from({ length: 2001 }, (_, i) => [119.84, 28.4, T0 + i])]) {
    const x = await post(id, 'track', { points });
    expectError(assert, x, 400, 'invalid_track');
    assert.equal(x.body.error.field, 'points');
  }
  expectError(assert, await post(id, 'track', { points: pts(0, 1), extra: 1 }), 400, 'invalid_body');
  assert.deepEqual(before(), was, 'nothing stored');
  expectError(assert, await post(id, 'checks', { item_id: 999999, checked: true }), 422, 'invalid_reference');
  expectError(assert, await post(id, 'checks', { item_id: items[0].id, checked: 'yes' }), 400, 'invalid_body');
  expectError(assert, await post(id, 'findings', {}), 400, 'invalid_field');
  const other = Number(h.sql("SELECT MIN(p.id) FROM problems p JOIN regions r ON r.id = p.township_id WHERE r.code = '331102101'"));
  if (other) expectError(assert, await post(id, 'findings', { problem_id: other }), 422, 'invalid_reference');
  expectError(assert, await post(id, 'stop', { ended_at: '2000-01-01T00:00:00+08:00' }), 400, 'invalid_time');
  expectError(assert, await start(t.grid, { state: 'done' }), 400, 'invalid_field');
  // who may write into it: only its own grid member
  expectError(assert, await h.api('POST', `/api/v1/patrols/${id}/track`, { token: t.office, body: { points: pts(0, 1) } }), 403, 'forbidden');
  expectError(assert, await h.api('POST', `/api/v1/patrols/${id}/stop`, { token: t.staff, body: {} }), 403, 'forbidden');
  expectError(assert, await post(999999, 'track', { points: pts(0, 1) }), 404, 'not_found');
  // a patrol uploaded whole is not added to
  const up = await h.api('POST', '/api/v1/patrols', { token: t.grid, body: { cell_id: cell, started_at: '2026-11-21T09:00:00+08:00', ended_at: '2026-11-21T10:00:00+08:00', track: [[119.841, 28.401]] } });
  assert.equal(up.status, 201);
  assert.equal(up.body.state, 'done');
  expectError(assert, await post(up.body.id, 'track', { points: pts(0, 1) }), 409, 'patrol_not_live');
  assert.equal((await post(id, 'stop', {})).status, 200);
});

test('two batches of one patrol at once: both kept in the track', async () => {
  const id = (await start()).body.id;
  const res = await Promise.all([0, 1, 2, 3].map((k) => post(id, 'track', { points: pts(k * 10, 10) })));
  for (const r of res) assert.equal(r.status, 200, JSON.stringify(r.body));
  const got = (await h.api('GET', `/api/v1/patrols/${id}`, { token: t.grid })).body;
  assert.equal(got.track.length, 40);
  assert.equal((await post(id, 'stop', {})).body.points, 40);
});

test('the patrols list, page after page and by state, with what each one checked and found', async () => {
  const all = (await h.api('GET', '/api/v1/patrols?limit=500', { token: t.office })).body.items;
  assert.ok(all.length >= 3, `${all.length} patrols`);
  for (const p of all) assert.ok(Array.isArray(p.checked) && Array.isArray(p.findings) && typeof p.problem_count === 'number', JSON.stringify(p));
  assert.deepEqual(await walkPages(assert, h, '/api/v1/patrols', t.office, 2), all);
  assert.deepEqual(await walkPages(assert, h, '/api/v1/patrols?state=done', t.office, 1), all.filter((p) => p.state === 'done'));
});
