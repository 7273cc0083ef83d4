// problems.test.mjs — the closed loop (R4): a problem reported by a grid
// member with a position is located, routed, accepted, dispatched, handled
// with photos, verified and closed, with its whole story in its history and
// the audit chain intact; every transition's rule, role boundaries,
// deadlines across a holiday, duplicates and merging, idempotent field
// submission, reporter masking, evidence typed by content and kept intact,
// notifications and live events.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import http from 'node:http';
import { startServer, expectError, ENGINE } from './lib.mjs';

let h, t;
before(async () => { h = await startServer(); t = await h.tokens(['admin', 'office', 'office2', 'leader', 'grid', 'staff', 'contact', 'dept', 'auditor']); });
after(async () => { await h.close(); });

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const report = (token, body, headers = {}) => h.api('POST', '/api/v1/problems', { token, body, headers });
const act = (token, id, body) => h.api('POST', `/api/v1/problems/${id}/actions`, { token, body });
const get = async (token, id) => (await h.api('GET', `/api/v1/problems/${id}`, { token })).body;
async function upload(token, id, bytes, name = 'photo.jpg', type = 'image/jpeg') {
  const fd = new FormData();
  fd.append('file', new Blob([bytes], { type }), name);
  const res = await fetch(`${h.url}/api/v1/problems/${id}/evidence`, { method: 'POST', headers: { Authorization: 'Bearer ' + token }, body: fd });
  return { status: res.status, body: await res.json() };
}
const base = { channel: 'patrol', category: 'CS01', description: '碧湖村河边新建砖混结构房屋，未见规划许可公示', lon: 119.845, lat: 28.405 };

test('the whole loop: report, accept, dispatch, take, handle with a photo, verify, close, evaluate', async () => {
  let r = await report(t.grid, base);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const p = r.body;
  for (const k of ['id', 'state', 'channel', 'category', 'township_id', 'cell_id', 'unit_id', 'due_at', 'light', 'history', 'reporter']) assert.ok(k in p, k);
  assert.equal(p.state, 'reported');
  assert.equal(p.township_id, Number(h.sql("SELECT id FROM regions WHERE name = '碧湖镇'")));
  assert.equal(p.cell_id, (await h.api('GET', `/api/v1/grid/locate?lon=${base.lon}&lat=${base.lat}`, { token: t.grid })).body.cell_id);
  assert.equal(p.unit_name, '碧湖镇综合行政执法中队');
  assert.match(p.due_at, /\+08:00$/);
  assert.equal(p.light, 'green');
  assert.match(p.routing.reason, /ZF-CF-001/);
  assert.deepEqual(p.allowed_actions, []);
  assert.ok((await get(t.office, p.id)).allowed_actions.includes('accept'));
  r = await act(t.office, p.id, { action: 'accept' });
  assert.equal(r.body.state, 'accepted', JSON.stringify(r.body));
  r = await act(t.office, p.id, { action: 'dispatch' });
  assert.equal(r.body.state, 'dispatched');
  assert.equal(r.body.unit_name, '碧湖镇综合行政执法中队');
  const handleDue = r.body.due_at;
  assert.notEqual(handleDue, p.due_at, 'dispatch starts the handling deadline');
  assert.deepEqual((await get(t.staff, p.id)).allowed_actions.sort(), ['handle', 'return', 'take']);
  r = await act(t.staff, p.id, { action: 'take' });
  assert.equal(r.body.state, 'in_hand');
  const up = await upload(t.staff, p.id, PNG);
  assert.equal(up.status, 201, JSON.stringify(up.body));
  assert.equal(up.body.mime, 'image/png', 'typed by content, not by the name photo.jpg');
  assert.equal(up.body.sha256, createHash('sha256').update(PNG).digest('hex'));
  expectError(assert, await act(t.staff, p.id, { action: 'handle' }), 400, 'missing_field');
  r = await act(t.staff, p.id, { action: 'handle', feedback: '已责令停工，当事人自行拆除违建部分' });
  assert.equal(r.body.state, 'handled');
  r = await act(t.grid, p.id, { action: 'verify', passed: true, note: '现场已拆除' });
  assert.equal(r.body.state, 'verified');
  r = await act(t.office, p.id, { action: 'close' });
  assert.equal(r.body.state, 'closed');
  assert.equal(r.body.on_time, true);
  r = await act(t.leader, p.id, { action: 'evaluate', score: 5, comment: '处置及时' });
  assert.equal(r.status, 200);
  expectError(assert, await act(t.office, p.id, { action: 'evaluate', score: 4 }), 409, 'invalid_transition');
  const full = await get(t.office, p.id);
  assert.deepEqual(full.history.map((x) => x.action), ['report', 'accept', 'dispatch', 'take', 'handle', 'verify', 'close', 'evaluate']);
  assert.equal(full.history[4].note, '已责令停工，当事人自行拆除违建部分');
  assert.equal(full.evidence.length, 1);
  assert.equal(full.score, 5);
  // the photo is served to those who may see the problem, with its hash
  const res = await h.api('GET', `/api/v1/evidence/${up.body.id}`, { token: t.grid, raw: true });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-content-sha256'), up.body.sha256);
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), PNG);
  // the audit trail has every step and is intact
  const audit = (await h.api('GET', `/api/v1/audit?object_type=problem&object_id=${p.id}&limit=100`, { token: t.auditor })).body.items.map((e) => e.action);
  for (const a of ['problem.report', 'problem.accept', 'problem.dispatch', 'problem.handle', 'problem.verify', 'problem.close']) assert.ok(audit.includes(a), a);
  assert.equal((await h.api('GET', '/api/v1/audit/verify', { token: t.auditor })).body.intact, true);
});

test('actions out of turn are 409 invalid_transition; by the wrong person 403; unknown 400', async () => {
  const p = (await report(t.grid, base)).body;
  expectError(assert, await act(t.office, p.id, { action: 'close' }), 409, 'invalid_transition');
  expectError(assert, await act(t.office, p.id, { action: 'handle', feedback: 'x' }), 409, 'invalid_transition');
  expectError(assert, await act(t.grid, p.id, { action: 'accept' }), 403, 'forbidden');
  expectError(assert, await act(t.leader, p.id, { action: 'dispatch' }), 403, 'forbidden');
  expectError(assert, await act(t.office, p.id, { action: 'fly' }), 400, 'unknown_action');
  expectError(assert, await act(t.office, p.id, { action: 'accept', bogus: 1 }), 400, 'invalid_body');
  // another township's office does not see it at all
  expectError(assert, await act(t.office2, p.id, { action: 'accept' }), 404, 'not_found');
  expectError(assert, await h.api('GET', `/api/v1/problems/${p.id}`, { token: t.office2 }), 404, 'not_found');
  await act(t.office, p.id, { action: 'dispatch' });
  // a unit acts only on its own problems; the office does not handle them
  const other = Number(h.sql("SELECT id FROM units WHERE code = 'HB-331102100'"));
  h.sql(`UPDATE problems SET unit_id = ${other} WHERE id = ${p.id}`);
  expectError(assert, await act(t.staff, p.id, { action: 'take' }), 404, 'not_found');
  h.sql(`UPDATE problems SET unit_id = (SELECT id FROM units WHERE code = 'ZF-331102100') WHERE id = ${p.id}`);
  expectError(assert, await act(t.office, p.id, { action: 'take' }), 403, 'forbidden');
  // nothing changed by the refused attempts
  assert.deepEqual((await get(t.office, p.id)).history.map((x) => x.action), ['report', 'dispatch']);
});

test('a report out of scope is rejected with a reason and its reporter is told', async () => {
  const p = (await report(t.grid, { ...base, description: '邻里纠纷（非执法事项）' })).body;
  expectError(assert, await act(t.office, p.id, { action: 'reject' }), 400, 'missing_field');
  expectError(assert, await act(t.grid, p.id, { action: 'reject', reason: '不属于执法事项' }), 403, 'forbidden');
  const r = await act(t.office, p.id, { action: 'reject', reason: '属民事纠纷，已告知当事人向村调委会申请调解' });
  assert.equal(r.body.state, 'rejected');
  assert.equal(r.body.due_at, null, 'no deadline runs on a rejected problem');
  assert.deepEqual(r.body.allowed_actions, []);
  for (const action of ['accept', 'dispatch', 'close', 'supervise']) expectError(assert, await act(t.office, p.id, { action, note: 'x' }), 409, 'invalid_transition');
  const inbox = (await h.api('GET', '/api/v1/inbox?limit=100', { token: t.grid })).body.items;
  assert.ok(inbox.some((n) => n.problem_id === p.id && n.kind === 'reject' && n.body.includes('调解')));
});

test('rework when verification fails; return by a unit that is not responsible, then routed again', async () => {
  const p = (await report(t.grid, base)).body;
  await act(t.office, p.id, { action: 'dispatch' });
  await act(t.staff, p.id, { action: 'handle', feedback: '已处理' });
  expectError(assert, await act(t.grid, p.id, { action: 'verify', passed: false }), 400, 'missing_field');
  let r = await act(t.grid, p.id, { action: 'verify', passed: false, note: '现场仍在施工' });
  assert.equal(r.body.state, 'in_hand');
  assert.equal(r.body.rework_count, 1);
  expectError(assert, await act(t.staff, p.id, { action: 'return' }), 400, 'missing_field');
  r = await act(t.staff, p.id, { action: 'return', reason: '该地块属基本农田，应由自然资源所查处' });
  assert.equal(r.body.state, 'accepted');
  assert.equal(r.body.unit_id, null);
  expectError(assert, await act(t.office, p.id, { action: 'dispatch' }), 422, 'unit_required');
  const zr = Number(h.sql("SELECT id FROM units WHERE code = 'ZR-331102100'"));
  const far = Number(h.sql("SELECT id FROM units WHERE code = 'ZR-331102101'"));
  expectError(assert, await act(t.office, p.id, { action: 'dispatch', unit_id: far }), 422, 'invalid_unit');
  r = await act(t.office, p.id, { action: 'dispatch', unit_id: zr });
  assert.equal(r.body.unit_name, '碧湖镇自然资源所');
  assert.ok((await h.api('GET', '/api/v1/inbox', { token: t.office })).body.items.some((n) => n.kind === 'return' && n.problem_id === p.id));
  // the enforcement team no longer sees it
  expectError(assert, await h.api('GET', `/api/v1/problems/${p.id}`, { token: t.staff }), 404, 'not_found');
});

test('the complainant is masked, never shown to the unit, and seen in full only with a reason that is audited', async () => {
  const r = await report(t.office, { ...base, channel: 'complaint', reporter: { name: '张三丰', phone: '13812341234' } });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  assert.deepEqual(r.body.reporter, { name: '张**', phone: '138****1234', masked: true });
  assert.equal((await get(t.grid, id)).reporter.phone, '138****1234');
  await act(t.office, id, { action: 'dispatch' });
  assert.equal((await get(t.staff, id)).reporter, null);
  const list = (await h.api('GET', '/api/v1/problems?limit=500', { token: t.staff })).body.items;
  assert.ok(list.some((p) => p.id === id) && list.every((p) => p.reporter === null));
  expectError(assert, await h.api('GET', `/api/v1/problems/${id}/reporter`, { token: t.office }), 400, 'reason_required');
  expectError(assert, await h.api('GET', `/api/v1/problems/${id}/reporter?reason=${encodeURIComponent('回访举报人')}`, { token: t.staff }), 403, 'forbidden');
  const full = await h.api('GET', `/api/v1/problems/${id}/reporter?reason=${encodeURIComponent('回访举报人')}`, { token: t.office });
  assert.deepEqual(full.body, { name: '张三丰', phone: '13812341234' });
  const audit = (await h.api('GET', `/api/v1/audit?action=problem.reporter.view&object_id=${id}`, { token: t.auditor })).body.items;
  assert.equal(audit.length, 1);
  assert.match(JSON.stringify(audit[0]), /回访举报人/);
  assert.ok(!JSON.stringify((await h.api('GET', '/api/v1/inbox', { token: t.staff })).body).includes('13812341234'), 'nothing sent to the unit names the complainant');
  expectError(assert, await report(t.office, { ...base, channel: 'complaint', reporter: { name: '李四', phone: 'call me' } }), 400, 'invalid_reporter');
});

test('a repeated submission with the same Idempotency-Key counts once', async () => {
  const before = Number(h.sql('SELECT COUNT(*) FROM problems'));
  const key = 'phone-draft-7f3a9c21';
  const a = await report(t.grid, { ...base, description: '弱信号重复提交' }, { 'Idempotency-Key': key });
  const b = await report(t.grid, { ...base, description: '弱信号重复提交' }, { 'Idempotency-Key': key });
  assert.equal(a.status, 201);
  assert.equal(b.status, 201);
  assert.equal(b.body.id, a.body.id);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.equal(Number(h.sql('SELECT COUNT(*) FROM problems')), before + 1);
});

test('deadlines follow the calendar across the National Day holiday; overdue turns red and is announced', async () => {
  await h.setClock('2026-09-30T10:00:00+08:00');
  try {
    const p = (await report(t.grid, base)).body;
    assert.equal(p.due_at, '2026-10-01T10:00:00+08:00', 'acceptance: 24 hours');
    const d = (await act(t.office, p.id, { action: 'dispatch' })).body;
    // 5 working days after Sep 30: Oct 8, 9, 10 (make-up Saturday), 12, 13
    assert.equal(d.due_at, '2026-10-13T23:59:59+08:00');
    assert.equal(d.light, 'green');
    await h.setClock('2026-10-13T12:00:00+08:00');
    assert.equal((await get(t.office, p.id)).light, 'yellow');
    assert.equal((await h.api('POST', '/api/v1/test/tick', {})).status, 200);
    assert.ok((await h.api('GET', '/api/v1/inbox', { token: t.staff })).body.items.some((n) => n.kind === 'deadline_near' && n.problem_id === p.id));
    await h.setClock('2026-10-14T00:00:00+08:00');
    const late = await get(t.office, p.id);
    assert.equal(late.light, 'red');
    assert.equal(late.overdue, true);
    const od = (await h.api('GET', '/api/v1/problems?overdue=1&limit=500', { token: t.office })).body.items;
    assert.ok(od.some((x) => x.id === p.id));
    assert.ok(od.every((x) => x.light === 'red'));
    const tick = (await h.api('POST', '/api/v1/test/tick', {})).body;
    assert.ok(tick.found >= 1);
    const inbox = (await h.api('GET', '/api/v1/inbox', { token: t.staff })).body;
    const n = inbox.items.find((x) => x.kind === 'overdue' && x.problem_id === p.id);
    assert.ok(n, 'the unit is told');
    assert.ok(inbox.unread >= 1);
    assert.equal((await h.api('POST', '/api/v1/test/tick', {})).body.found, 0, 'told once');
    // supervision by the leader, with its own deadline
    const s = await act(t.leader, p.id, { action: 'supervise', note: '请于明日前办结' });
    assert.equal(s.body.supervised, true);
    assert.match(s.body.supervise_due_at, /^2026-10-15T23:59:59/);
    await act(t.staff, p.id, { action: 'handle', feedback: '已办' });
    await act(t.grid, p.id, { action: 'verify', passed: true });
    assert.equal((await act(t.office, p.id, { action: 'close' })).body.on_time, false);
    assert.equal((await h.api('POST', `/api/v1/inbox/${n.id}/read`, { token: t.staff })).status, 200);
  } finally {
    await h.setClock(null);
  }
});

test('a supervision has its own deadline; missing it is announced once', async () => {
  await h.setClock('2026-11-02T09:00:00+08:00');
  try {
    const p = (await report(t.grid, base)).body;
    await act(t.office, p.id, { action: 'dispatch' });
    expectError(assert, await act(t.leader, p.id, { action: 'supervise', note: '限期办结', due_at: '2026-11-01T00:00:00+08:00' }), 400, 'invalid_time');
    const s = (await act(t.leader, p.id, { action: 'supervise', note: '请于明日12时前办结', due_at: '2026-11-03T12:00:00+08:00' })).body;
    assert.equal(s.supervise_due_at, '2026-11-03T12:00:00+08:00');
    await h.api('POST', '/api/v1/test/tick', {});
    const kinds = async () => (await h.api('GET', '/api/v1/inbox?limit=200', { token: t.staff })).body.items.filter((n) => n.problem_id === p.id).map((n) => n.kind);
    assert.ok(!(await kinds()).includes('supervise_overdue'));
    await h.setClock('2026-11-03T12:00:01+08:00');
    await h.api('POST', '/api/v1/test/tick', {});
    assert.equal((await kinds()).filter((k) => k === 'supervise_overdue').length, 1);
    await h.api('POST', '/api/v1/test/tick', {});
    assert.equal((await kinds()).filter((k) => k === 'supervise_overdue').length, 1, 'announced once');
  } finally {
    await h.setClock(null);
  }
});

test('duplicates are offered on report; merging keeps every reporter informed of the outcome', async () => {
  const first = (await report(t.grid, { ...base, category: 'SR02', description: '路边堆放建筑垃圾', lon: 119.8601, lat: 28.4101 })).body;
  const second = (await report(t.dept, { ...base, category: 'SR02', description: '有人在路边倒垃圾', lon: 119.8602, lat: 28.4102 })).body;
  assert.ok(second.duplicates.some((d) => d.id === first.id && d.distance_m < 50));
  const far = (await report(t.office, { ...base, category: 'SR02', description: '远处垃圾', lon: 119.8801, lat: 28.4301 })).body;
  assert.ok(!far.duplicates.some((d) => d.id === first.id));
  assert.ok((await h.api('GET', `/api/v1/problems/duplicates?category=SR02&lon=119.8601&lat=28.4101`, { token: t.grid })).body.items.some((d) => d.id === first.id));
  expectError(assert, await act(t.office, second.id, { action: 'merge', into_id: second.id }), 422, 'invalid_merge_target');
  const m = await act(t.office, second.id, { action: 'merge', into_id: first.id });
  assert.equal(m.body.state, 'merged');
  assert.equal(m.body.merged_into, first.id);
  assert.ok((await get(t.office, first.id)).history.some((x) => x.action === 'merged_in'));
  await act(t.office, first.id, { action: 'dispatch' });
  await act(t.staff, first.id, { action: 'handle', feedback: '已清运' });
  await act(t.grid, first.id, { action: 'verify', passed: true });
  await act(t.office2, first.id, { action: 'close' }); // not theirs: refused
  await act(t.office, first.id, { action: 'close' });
  // the county department reported the merged one; it hears that the survivor closed
  const inbox = (await h.api('GET', '/api/v1/inbox?limit=100', { token: t.dept })).body.items;
  assert.ok(inbox.some((n) => n.problem_id === second.id && n.kind === 'merged_closed'), JSON.stringify(inbox));
  const gridInbox = (await h.api('GET', '/api/v1/inbox?limit=100', { token: t.grid })).body.items;
  assert.ok(gridInbox.some((n) => n.problem_id === first.id && n.kind === 'close'), 'the first reporter is told');
});

test('a report offers its ten nearest duplicates, the search its fifty nearest, not the oldest', async () => {
  // 14 open problems on a line east of a point, 20 m apart, reported from the far end inward
  const lat = 28.4105, lon0 = 119.8505, step = 20 / (111195 * Math.cos(lat * Math.PI / 180));
  const ids = [];
  for (let k = 13; k >= 0; k--) {
    const r = await report(t.grid, { ...base, category: 'QT01', description: `占道 ${k}`, lon: lon0 + (k + 1) * step, lat });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ids[k] = r.body.id;
  }
  const r = await report(t.grid, { ...base, category: 'QT01', description: '占道经营', lon: lon0, lat });
  assert.deepEqual(r.body.duplicates.map((d) => d.id), ids.slice(0, 10));
  const metres = r.body.duplicates.map((d) => d.distance_m);
  assert.ok(metres[0] >= 19 && metres[0] <= 21 && metres[9] >= 199 && metres[9] <= 201, JSON.stringify(metres));
  const all = await h.api('GET', `/api/v1/problems/duplicates?category=QT01&lon=${lon0}&lat=${lat}`, { token: t.office });
  assert.deepEqual(all.body.items.map((d) => d.id).filter((id) => ids.includes(id)), ids);
});

test('a list row, written straight from the database, says what the problem itself says', async () => {
  for (const [who, query] of [['office', 'limit=30'], ['office', 'overdue=1&limit=10'], ['grid', 'limit=10'], ['staff', 'limit=10']]) {
    const list = await h.api('GET', `/api/v1/problems?${query}`, { token: t[who] });
    assert.equal(list.status, 200);
    assert.match(list.headers.get('content-type'), /^application\/json; charset=utf-8/);
    assert.ok(list.body.items.length > 0, `${who} ${query}`);
    for (const item of list.body.items) {
      const one = await h.api('GET', `/api/v1/problems/${item.id}`, { token: t[who] });
      assert.equal(one.status, 200);
      assert.ok(!('routing_reason' in item) && !('warn_at' in item) && !('rep_name' in item));
      for (const k of Object.keys(item)) assert.deepEqual(item[k], one.body[k], `${who} #${item.id} ${k}`);
      for (const k of ['light', 'overdue', 'deadline_provisional', 'reporter', 'supervised', 'created_at', 'lon', 'lat']) assert.ok(k in item, k);
    }
  }
});

test('the duplicate search finds every open problem within the distance, across the rows of latitude its index cuts', async () => {
  // a row boundary of migration 024's index (1/360 of a degree), with points
  // just either side of it and at 289 m (in) and 334 m (out) north and south,
  // 293 m (in) and 332 m (out) east
  const lat0 = 10228 / 360, lon0 = 119.852;
  const offsets = [[-0.0030, 0], [-0.0026, 0], [-0.0001, 0], [-0.000001, 0], [0.000001, 0], [0.0001, 0], [0.0026, 0], [0.0030, 0], [0, 0.0030], [0, 0.0034]];
  const rad = (d) => d * Math.PI / 180;
  const dist = (a, b) => 2 * 6371008.8 * Math.asin(Math.sqrt(Math.sin(rad(b[0] - a[0]) / 2) ** 2 + Math.cos(rad(a[0])) * Math.cos(rad(b[0])) * Math.sin(rad(b[1] - a[1]) / 2) ** 2));
  const want = [], ours = new Set();
  for (const [dlat, dlon] of offsets) {
    const r = await report(t.grid, { ...base, category: 'SR03', description: '广告牌查重', lat: lat0 + dlat, lon: lon0 + dlon });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    ours.add(r.body.id);
    if (dist([lat0, lon0], [lat0 + dlat, lon0 + dlon]) <= 300) want.push(r.body.id);
  }
  assert.equal(want.length, 7);
  for (const lat of [lat0, lat0 - 0.000001]) {
    const r = await h.api('GET', `/api/v1/problems/duplicates?category=SR03&lon=${lon0}&lat=${lat}`, { token: t.office });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.items.map((d) => d.id).filter((id) => ours.has(id)).sort((a, b) => a - b), want.sort((a, b) => a - b));
    const metres = r.body.items.map((d) => d.distance_m);
    assert.deepEqual(metres, [...metres].sort((a, b) => a - b), 'the nearest first');
  }
  if (ENGINE === 'pg') {
    assert.equal(h.sql("SELECT COUNT(*) FROM pg_indexes WHERE indexname IN ('problems_open_cell', 'problems_open_near')"), '1');
    return;
  }
  const plan = h.sql(`EXPLAIN QUERY PLAN SELECT p.id FROM problems p WHERE p.category = 'SR03' AND CAST(p.lat * 360 AS INTEGER) IN (1, 2, 3, 4, 5, 6, 7, 8) AND +p.created_at >= 0 AND p.lon BETWEEN 1 AND 2 AND p.lat BETWEEN 1 AND 2 AND p.id <> 0 AND (p.state = 'reported' OR p.state = 'accepted' OR p.state = 'dispatched' OR p.state = 'in_hand' OR p.state = 'handled' OR p.state = 'verified' OR p.state = 'escalated' OR p.state = 'taken_up') ORDER BY p.id LIMIT 50`);
  assert.match(plan, /problems_open_cell \(category=\? AND <expr>=\? AND lon>\? AND lon<\?\)/);
});

test('the indexes without NULL keys (migration 027) still serve their queries', async () => {
  if (ENGINE === 'pg') {
    const defs = h.sql("SELECT string_agg(indexdef, ' | ' ORDER BY indexname) FROM pg_indexes WHERE indexname IN ('problems_township_closed', 'problems_supervise_due', 'problems_patrol')");
    assert.match(defs, /problems_patrol .* WHERE \(patrol_id IS NOT NULL\) \| .*problems_supervise_due .* WHERE \(supervise_due_at IS NOT NULL\) \| .*problems_township_closed .* WHERE \(closed_at IS NOT NULL\)/);
    return;
  }
  const plan = (q) => h.sql(`EXPLAIN QUERY PLAN ${q}`);
  assert.match(plan('SELECT id FROM problems WHERE supervise_due_at <= 5 AND supervise_alerted = 0 ORDER BY supervise_due_at LIMIT 500'), /INDEX problems_supervise_due \(supervise_due_at<\?\)/);
  assert.match(plan('SELECT id FROM problems WHERE patrol_id = 3 ORDER BY id'), /INDEX problems_patrol \(patrol_id=\?\)/);
  assert.match(plan('SELECT COUNT(*) FROM problems p WHERE p.township_id = 3 AND p.closed_at >= 5 AND p.closed_at < 9'), /INDEX problems_township_closed \(township_id=\? AND closed_at>\? AND closed_at<\?\)/);
  for (const [name, key] of [['problems_township_closed', 'closed_at'], ['problems_supervise_due', 'supervise_due_at'], ['problems_patrol', 'patrol_id']])
    assert.match(h.sql(`SELECT sql FROM sqlite_master WHERE name = '${name}'`), new RegExp(`WHERE ${key} IS NOT NULL$`));
});

test('the scheduler\'s deadline passes test alert_level and warn_at in their index (migration 029)', async () => {
  if (ENGINE === 'pg') {
    assert.match(h.sql("SELECT indexdef FROM pg_indexes WHERE indexname = 'problems_due'"), /\(due_at, alert_level, warn_at\) WHERE \(due_at IS NOT NULL\)/);
    return;
  }
  assert.match(h.sql("SELECT sql FROM sqlite_master WHERE name = 'problems_due'"), /\(due_at, alert_level, warn_at\) WHERE due_at IS NOT NULL$/);
  const plan = (q) => h.sql(`EXPLAIN QUERY PLAN ${q}`);
  assert.match(plan('SELECT id, county_id, township_id, unit_id, cell_id, state, step FROM problems WHERE due_at <= 5 AND alert_level < 2 ORDER BY due_at LIMIT 500'), /INDEX problems_due \(due_at<\?\)/);
  assert.match(plan('SELECT id, county_id, township_id, unit_id, cell_id, state, step FROM problems WHERE due_at > 5 AND due_at <= 5 + 2592000 AND warn_at <= 5 AND alert_level < 1 ORDER BY due_at LIMIT 500'), /INDEX problems_due \(due_at>\? AND due_at<\?\)/);
});

test('evidence: type by content, size and place checks, and tampering detected', async () => {
  const p = (await report(t.grid, base)).body;
  let r = await upload(t.grid, p.id, Buffer.from('#!/bin/sh\necho hi\n'), 'photo.jpg');
  expectError(assert, r, 422, 'unsupported_type');
  r = await upload(t.office2, p.id, PNG);
  expectError(assert, r, 404, 'not_found');
  r = await upload(t.grid, p.id, PNG);
  assert.equal(r.status, 201);
  const files = [];
  const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : files.push(join(d, e.name)); };
  walk(h.evidence);
  const stored = files.find((f) => f.endsWith(r.body.sha256));
  assert.ok(stored, 'stored under its hash, never the client file name');
  assert.ok(!files.some((f) => f.includes('photo')));
  expectError(assert, await h.api('GET', `/api/v1/evidence/${r.body.id}`, { token: t.office2 }), 404, 'not_found');
  writeFileSync(stored, Buffer.concat([PNG, Buffer.from('x')]).subarray(0, PNG.length));
  writeFileSync(stored, Buffer.from(PNG.map((b, i) => (i === 40 ? b ^ 1 : b))));
  expectError(assert, await h.api('GET', `/api/v1/evidence/${r.body.id}`, { token: t.grid }), 500, 'evidence_altered');
  const bad = await fetch(`${h.url}/api/v1/problems/${p.id}/evidence`, { method: 'POST', headers: { Authorization: 'Bearer ' + t.grid, 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(bad.status, 400);
});

test('reporting validates its input and changes nothing on error', async () => {
  const before = Number(h.sql('SELECT COUNT(*) FROM problems'));
  expectError(assert, await report(t.grid, { ...base, channel: 'rumour' }), 400, 'invalid_channel');
  expectError(assert, await report(t.grid, { ...base, category: 'NOPE' }), 422, 'invalid_category');
  expectError(assert, await report(t.grid, { ...base, lon: undefined, lat: 28.4 }), 400, 'invalid_position');
  expectError(assert, await report(t.grid, { channel: 'patrol', category: 'CS01', description: '无位置' }), 400, 'position_required');
  expectError(assert, await report(t.grid, { ...base, description: '' }), 400, 'invalid_description');
  expectError(assert, await report(t.auditor, base), 403, 'forbidden');
  // another township's grid member position: the grid member may not report there
  expectError(assert, await report(t.grid, { ...base, lon: 119.905, lat: 28.405 }), 403, 'forbidden');
  assert.equal(Number(h.sql('SELECT COUNT(*) FROM problems')), before);
  // an address without a position is allowed and placed in the reporter's township
  const r = await report(t.grid, { channel: 'media', category: 'SC01', description: '媒体报道无证经营', address: '碧湖镇新街12号' });
  assert.equal(r.status, 201);
  assert.equal(r.body.cell_id, null);
  assert.equal(r.body.unit_name, '碧湖镇市场监管所');
});

test('a problem one unit cannot correct alone escalates and is taken up by a joint action', async () => {
  const p = (await report(t.grid, base)).body;
  expectError(assert, await act(t.office, p.id, { action: 'escalate' }), 400, 'missing_field');
  const e = await act(t.office, p.id, { action: 'escalate', reason: '涉及规划、国土、公安多部门，需联合执法' });
  assert.equal(e.body.state, 'escalated');
  const units = ['ZF-331102100', 'ZR-331102100'].map((c) => Number(h.sql(`SELECT id FROM units WHERE code = '${c}'`)));
  const ja = await h.api('POST', '/api/v1/joint-actions', { token: t.office, body: { mechanism: 'routine', title: '违建联合整治', planned_start: '2026-12-20T09:00:00+08:00', planned_end: '2026-12-20T17:00:00+08:00', township_id: p.township_id, participating_units: units, problem_ids: [p.id] } });
  assert.equal(ja.status, 201, JSON.stringify(ja.body));
  const back = await get(t.office, p.id);
  assert.deepEqual(back.joint_actions.map((a) => a.id), [ja.body.id]);
  expectError(assert, await act(t.office, p.id, { action: 'dispatch' }), 409, 'invalid_transition');
});

test('a patrol finding raises a problem linked to its patrol', async () => {
  const cell = (await h.api('GET', `/api/v1/grid/locate?lon=${base.lon}&lat=${base.lat}`, { token: t.grid })).body.cell_id;
  const patrol = (await h.api('POST', '/api/v1/patrols', { token: t.grid, body: { cell_id: cell, started_at: '2026-11-25T09:00:00+08:00', ended_at: '2026-11-25T10:00:00+08:00', findings: [{ note: '发现违建' }] } })).body;
  const p = (await report(t.grid, { ...base, patrol_id: patrol.id })).body;
  assert.equal(p.patrol_id, patrol.id);
  const back = (await h.api('GET', `/api/v1/patrols/${patrol.id}`, { token: t.grid })).body;
  assert.deepEqual(back.problems.map((x) => x.id), [p.id]);
});

test('lists filter by state, channel, category, text in Chinese, and page by cursor', async () => {
  await report(t.grid, { ...base, channel: 'video', category: 'HJ02', description: '监控发现田间焚烧秸秆浓烟' });
  let r = await h.api('GET', `/api/v1/problems?q=${encodeURIComponent('焚烧秸秆')}`, { token: t.office });
  assert.ok(r.body.items.length >= 1 && r.body.items.every((p) => p.description.includes('焚烧秸秆')));
  r = await h.api('GET', '/api/v1/problems?channel=video', { token: t.office });
  assert.ok(r.body.items.every((p) => p.channel === 'video'));
  r = await h.api('GET', '/api/v1/problems?category=HJ', { token: t.office });
  assert.ok(r.body.items.length >= 1 && r.body.items.every((p) => p.category.startsWith('HJ')));
  r = await h.api('GET', '/api/v1/problems?state=reported', { token: t.office });
  assert.ok(r.body.items.every((p) => p.state === 'reported'));
  const seen = new Set();
  let cursor = '';
  for (let i = 0; i < 200; i++) {
    r = await h.api('GET', `/api/v1/problems?limit=7${cursor ? '&cursor=' + cursor : ''}`, { token: t.office });
    for (const p of r.body.items) { assert.ok(!seen.has(p.id)); seen.add(p.id); }
    if (!r.body.next) break;
    cursor = r.body.next;
  }
  assert.equal(seen.size, Number(h.sql(`SELECT COUNT(*) FROM problems WHERE township_id = (SELECT id FROM regions WHERE name = '碧湖镇')`)));
  expectError(assert, await h.api('GET', '/api/v1/problems?state=lost', { token: t.office }), 400, 'invalid_query');
  // the names of the filters work as well as the *_id forms
  const town = Number(h.sql("SELECT id FROM regions WHERE name = '碧湖镇'"));
  const unit = Number(h.sql("SELECT id FROM units WHERE code = 'ZF-331102100'"));
  const byUnit = (await h.api('GET', `/api/v1/problems?township=${town}&unit=${unit}&limit=500`, { token: t.office })).body.items;
  assert.ok(byUnit.length > 0 && byUnit.every((p) => p.unit_id === unit && p.township_id === town));
  const od = (await h.api('GET', '/api/v1/problems?overdue=true&limit=500', { token: t.office })).body.items;
  assert.ok(od.every((p) => p.overdue === true));
  const mine = (await h.api('GET', '/api/v1/problems?mine=1&limit=500', { token: t.grid })).body.items;
  assert.ok(mine.length > 0);
  assert.equal((await h.api('GET', '/api/v1/problems', { token: t.admin })).status, 403);
});

test('open pages hear of changes at once (Server-Sent Events)', async () => {
  const ctrl = new AbortController();
  const res = await fetch(`${h.url}/api/v1/events`, { headers: { Authorization: 'Bearer ' + t.office }, signal: ctrl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /text\/event-stream/);
  const reader = res.body.getReader();
  let text = '';
  const readUntil = async (re) => {
    const deadline = Date.now() + 5000;
    while (!re.test(text) && Date.now() < deadline) {
      const { value, done } = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r({ value: null }), 500))]);
      if (done) break;
      if (value) text += new TextDecoder().decode(value);
    }
    return re.test(text);
  };
  assert.ok(await readUntil(/connected/));
  const p = (await report(t.grid, { ...base, description: 'SSE测试' })).body;
  assert.ok(await readUntil(new RegExp(`event: problem\\ndata: \\{"id":${p.id}`)), text);
  assert.ok(await readUntil(/event: notification/), 'the office is told of the new task');
  ctrl.abort();
});

test('the dashboard figures count by state, channel, category and unit', async () => {
  const r = await h.api('GET', '/api/v1/stats/problems', { token: t.office });
  assert.equal(r.status, 200);
  const total = Object.values(r.body.by_state).reduce((a, b) => a + b, 0);
  assert.equal(total, Number(h.sql(`SELECT COUNT(*) FROM problems WHERE township_id = (SELECT id FROM regions WHERE name = '碧湖镇')`)));
  assert.ok(r.body.by_category.length > 0 && r.body.by_category[0].name);
  assert.equal(r.body.trend.length, 30);
  assert.ok(r.body.on_time_rate === null || (r.body.on_time_rate >= 0 && r.body.on_time_rate <= 1));
  expectError(assert, await h.api('GET', '/api/v1/stats/problems', { token: t.grid }), 403, 'forbidden');
});

test('pending notifications go to the configured outbound hook (an SMS gateway)', async () => {
  const got = [];
  const hook = http.createServer((req, res) => { let b = ''; req.on('data', (c) => { b += c; }); req.on('end', () => { got.push(JSON.parse(b)); res.end('ok'); }); });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  try {
    h.sql(`INSERT INTO settings (key, value) VALUES ('notify.webhook', 'http://127.0.0.1:${hook.address().port}/sms')`);
    const p = (await report(t.grid, { ...base, description: '外发通道测试' })).body;
    await act(t.office, p.id, { action: 'dispatch' });
    assert.equal((await h.api('POST', '/api/v1/test/tick', {})).status, 200);
    const mine = got.filter((m) => m.problem_id === p.id);
    assert.ok(mine.some((m) => m.kind === 'dispatch' && m.username === 'staff'), JSON.stringify(got.slice(-3)));
    assert.ok(mine.every((m) => !JSON.stringify(m).includes('13812341234')));
    const before = got.length;
    await h.api('POST', '/api/v1/test/tick', {});
    assert.equal(got.length, before, 'each message is sent once');
  } finally {
    h.sql("DELETE FROM settings WHERE key = 'notify.webhook'");
    hook.close();
  }
});

async function uploadWithKey(token, id, bytes, key) {
  const fd = new FormData();
  fd.append('file', new Blob([bytes], { type: 'image/png' }), 'photo.png');
  const res = await fetch(`${h.url}/api/v1/problems/${id}/evidence`, { method: 'POST', headers: { Authorization: 'Bearer ' + token, 'Idempotency-Key': key }, body: fd });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

test('the department of the line takes a problem up; the township reads taken_up, then the outcome', async () => {
  const p = (await report(t.grid, { ...base, description: '上提测试：跨乡镇违建' })).body;
  await act(t.office, p.id, { action: 'accept' });
  assert.ok((await get(t.dept, p.id)).allowed_actions.includes('take_up'));
  assert.ok(!(await get(t.office, p.id)).allowed_actions.includes('take_up'));
  expectError(assert, await act(t.office, p.id, { action: 'take_up', reason: 'x' }), 403, 'forbidden');
  expectError(assert, await act(t.dept, p.id, { action: 'take_up' }), 400, 'missing_field');
  const r = await act(t.dept, p.id, { action: 'take_up', reason: '案情复杂，由县综合行政执法局直接查处' });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.state, 'taken_up');
  const seen = await get(t.office, p.id);
  assert.equal(seen.state, 'taken_up');
  const step = seen.history.at(-1);
  assert.equal(step.action, 'take_up');
  assert.equal(step.data.department.name, '莲都区综合行政执法局');
  assert.ok((await h.api('GET', '/api/v1/inbox?limit=100', { token: t.office })).body.items.some((n) => n.kind === 'take_up' && n.problem_id === p.id));
  // the township cannot move it meanwhile; the department ends it with a result
  expectError(assert, await act(t.office, p.id, { action: 'dispatch' }), 409, 'invalid_transition');
  expectError(assert, await act(t.dept, p.id, { action: 'conclude' }), 400, 'missing_field');
  const done = await act(t.dept, p.id, { action: 'conclude', result: '已立案查处，责令限期拆除并处罚款' });
  assert.equal(done.body.state, 'closed');
  const after = await get(t.office, p.id);
  assert.equal(after.state, 'closed');
  assert.equal(after.history.at(-1).note, '已立案查处，责令限期拆除并处罚款');
  assert.ok((await h.api('GET', '/api/v1/inbox?limit=100', { token: t.grid })).body.items.some((n) => n.kind === 'conclude' && n.problem_id === p.id), 'the reporter hears the outcome');
  // another department's line cannot take a problem up
  const q = (await report(t.grid, { ...base, category: 'SC01', description: '市场监管条线问题' })).body;
  expectError(assert, await act(t.dept, q.id, { action: 'take_up', reason: 'x' }), 404, 'not_found');
});

test('a taken-up problem can be handed back to the township loop', async () => {
  const p = (await report(t.grid, { ...base, description: '上提后交回测试' })).body;
  await act(t.dept, p.id, { action: 'take_up', reason: '县局先行研判' });
  const r = await act(t.dept, p.id, { action: 'hand_back', reason: '属一般违法，由乡镇处置' });
  assert.equal(r.body.state, 'accepted');
  assert.equal((await act(t.office, p.id, { action: 'dispatch' })).body.state, 'dispatched');
});

test('the handling unit asks for escalation; the office declines or escalates', async () => {
  const p = (await report(t.grid, { ...base, description: '申请提请联合执法测试' })).body;
  await act(t.office, p.id, { action: 'dispatch' });
  expectError(assert, await act(t.contact, p.id, { action: 'request_escalation' }), 400, 'missing_field');
  expectError(assert, await act(t.staff, p.id, { action: 'request_escalation', reason: 'x' }), 403, 'forbidden');
  let r = await act(t.contact, p.id, { action: 'request_escalation', reason: '涉及国土、规划，本单位无法单独纠正' });
  assert.ok(r.status >= 200 && r.status < 300, JSON.stringify(r.body));
  assert.equal(r.body.state, 'dispatched');
  assert.ok(r.body.escalation_requested_at);
  expectError(assert, await act(t.contact, p.id, { action: 'request_escalation', reason: '再次申请' }), 409, 'escalation_pending');
  assert.ok((await h.api('GET', '/api/v1/inbox?limit=100', { token: t.office })).body.items.some((n) => n.kind === 'request_escalation' && n.problem_id === p.id), 'the office is told');
  const office = await get(t.office, p.id);
  assert.ok(office.allowed_actions.includes('decline_escalation') && office.allowed_actions.includes('escalate'));
  r = await act(t.office, p.id, { action: 'decline_escalation', reason: '本单位可依法处置，请继续办理' });
  assert.equal(r.body.state, 'dispatched');
  assert.equal(r.body.escalation_requested_at, null);
  assert.ok(!(await get(t.office, p.id)).allowed_actions.includes('decline_escalation'));
  expectError(assert, await act(t.office, p.id, { action: 'decline_escalation', reason: 'x' }), 409, 'no_escalation_request');
  await act(t.contact, p.id, { action: 'request_escalation', reason: '当事人暴力抗拒，需公安配合' });
  r = await act(t.office, p.id, { action: 'escalate', reason: '同意提请联合执法' });
  assert.equal(r.body.state, 'escalated');
  // the joint action's outcome settles it: closed with the result, or back in the loop
  r = await act(t.office, p.id, { action: 'conclude', result: '联合执法已拆除违建' });
  assert.equal(r.body.state, 'closed');
  assert.deepEqual((await get(t.office, p.id)).history.map((x) => x.action).slice(-5), ['request_escalation', 'decline_escalation', 'request_escalation', 'escalate', 'conclude']);
});

test('an evidence upload with the same Idempotency-Key twice stores one file and answers the same', async () => {
  const p = (await report(t.grid, { ...base, description: '弱信号重复上传照片' })).body;
  const photo = Buffer.concat([PNG, Buffer.from('idempotent-evidence-' + p.id)]);
  const key = `photo-${p.id}-4b1e9d`;
  const a = await uploadWithKey(t.grid, p.id, photo, key);
  const b = await uploadWithKey(t.grid, p.id, photo, key);
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal(b.status, 201);
  assert.deepEqual(b.body, a.body);
  assert.equal(b.headers.get('idempotent-replayed'), 'true');
  assert.equal(Number(h.sql(`SELECT COUNT(*) FROM evidence WHERE problem_id = ${p.id}`)), 1);
  assert.equal((await get(t.grid, p.id)).evidence.length, 1);
  const files = [];
  const walk = (d) => { for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : files.push(e.name); };
  walk(h.evidence);
  assert.equal(files.filter((f) => f === a.body.sha256).length, 1);
  // a different key is a different upload
  const c = await uploadWithKey(t.grid, p.id, photo, key + '-2');
  assert.notEqual(c.body.id, a.body.id);
});

test('an empty evidence file is refused with 400 empty_file', async () => {
  const p = (await report(t.grid, { ...base, description: '空文件测试' })).body;
  const r = await upload(t.grid, p.id, Buffer.alloc(0), 'empty.jpg');
  expectError(assert, r, 400, 'empty_file');
  assert.equal(Number(h.sql(`SELECT COUNT(*) FROM evidence WHERE problem_id = ${p.id}`)), 0);
});

test('the labels of states, actions, channels, roles and notification kinds come from the server', async () => {
  const r = await h.api('GET', '/api/v1/meta/labels', { token: t.grid });
  assert.equal(r.status, 200);
  const m = r.body.machines.problem;
  assert.equal(m.states.reported, '待受理');
  assert.equal(m.states.taken_up, '上提县级执法');
  assert.equal(m.actions.take_up, '上提县级执法');
  assert.equal(m.actions.request_escalation, '申请提请联合执法');
  // every life cycle of the walker is listed, the assessment scheme's too
  for (const k of ['joint_action', 'meeting', 'meeting_item', 'inspection_finding', 'assessment_scheme']) assert.ok(r.body.machines[k], k);
  assert.equal(r.body.machines.assessment_scheme.actions.approve, '批准');
  assert.equal(r.body.channels.patrol, '日常巡查');
  assert.equal(r.body.roles.office, '执法办公室');
  assert.equal(r.body.notification_kinds.new_problem, '新问题待受理');
  assert.equal(r.body.notification_kinds.dispatch, '派遣');
  assert.equal((await h.api('GET', '/api/v1/meta/labels')).status, 401);
});
