// assign.test.mjs — a county department assigns a problem down to a
// township (交办, R9.1) with a deadline of its own choosing: a new problem
// (channel assigned) or one of its line already in a township's loop or
// taken up by it. The department's deadline wins over the category's
// limits, the township reads it, and the lights, the overdue list and the
// scheduler's alarm follow it. Bad deadlines are refused and change nothing.
// Also: the office's list of escalation requests waiting for its decision.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib.mjs';

let h, t, ids;
const NAMES = ['office', 'office2', 'dept', 'grid', 'contact', 'staff', 'leader'];
const q = (s) => Number(h.sql(s));
async function clock(iso) { await h.setClock(iso); t = await h.tokens(NAMES); }
const get = async (who, id) => (await h.api('GET', `/api/v1/problems/${id}`, { token: t[who] })).body;
const act = (who, id, body) => h.api('POST', `/api/v1/problems/${id}/actions`, { token: t[who], body });
const report = (who, body) => h.api('POST', '/api/v1/problems', { token: t[who], body });
const inbox = async (who) => (await h.api('GET', '/api/v1/inbox?limit=200', { token: t[who] })).body.items;
const list = async (who, qs) => (await h.api('GET', `/api/v1/problems?${qs}&limit=200`, { token: t[who] })).body.items;
const base = { channel: 'assigned', category: 'CS01', description: '县局交办：碧湖村河边违法建房线索', lon: 119.845, lat: 28.405 };

before(async () => {
  h = await startServer();
  t = await h.tokens(NAMES);
  const me = (await h.api('GET', '/api/v1/me', { token: t.office })).body;
  ids = { town: me.township_id };
});
after(async () => { await h.setClock(null).catch(() => {}); await h.close(); });

test('a department assigns a new problem down with a date: the township reads the deadline, and it wins over the category\'s', async () => {
  await clock('2026-12-07T09:00:00+08:00'); // a Monday
  const r = await report('dept', { ...base, township_id: ids.town, due_at: '2026-12-18', note: '请于12月18日前查处并反馈' });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = r.body.id;
  assert.equal(r.body.channel, 'assigned');
  assert.equal(r.body.state, 'reported');
  assert.equal(r.body.assigned_due_at, '2026-12-18T23:59:59+08:00');
  assert.equal(r.body.due_at, '2026-12-18T23:59:59+08:00', 'not the category\'s 24-hour acceptance limit');
  assert.equal(r.body.light, 'green');
  const seen = await get('office', id);
  assert.equal(seen.assigned_due_at, '2026-12-18T23:59:59+08:00');
  assert.equal(seen.assigned_by_department_name, '莲都区综合行政执法局');
  const step = seen.history.find((x) => x.action === 'assign');
  assert.ok(step, 'the history shows the assignment');
  assert.equal(step.data.due_at, '2026-12-18T23:59:59+08:00');
  assert.equal(step.data.department.name, '莲都区综合行政执法局');
  assert.equal(step.note, '请于12月18日前查处并反馈');
  assert.ok((await inbox('office')).some((n) => n.problem_id === id && n.kind === 'assign'), 'the office is told');

  // the township's steps fall due at the department's deadline
  assert.equal((await act('office', id, { action: 'accept' })).status, 200);
  const d = await act('office', id, { action: 'dispatch' });
  assert.equal(d.body.state, 'dispatched');
  assert.equal(d.body.step, 'handle');
  assert.equal(d.body.due_at, '2026-12-18T23:59:59+08:00', 'the handling step too');

  // the light turns yellow in the last quarter and red after the deadline
  await clock('2026-12-16T12:00:00+08:00');
  assert.equal((await get('office', id)).light, 'yellow');
  assert.ok(!(await list('office', 'overdue=1')).some((p) => p.id === id));
  await clock('2026-12-19T00:00:01+08:00');
  const late = await get('office', id);
  assert.equal(late.light, 'red');
  assert.equal(late.overdue, true);
  assert.ok((await list('office', 'overdue=1')).some((p) => p.id === id), 'in the overdue list');
  assert.ok((await list('dept', `overdue=1&township_id=${ids.town}`)).some((p) => p.id === id), 'the department sees it overdue in its line');
  await h.api('POST', '/api/v1/test/tick', {});
  assert.ok((await inbox('office')).some((n) => n.problem_id === id && n.kind === 'overdue'), 'the scheduler raises it');
});

test('working days count under the calendar; an existing problem keeps its state; a taken-up one goes back to the office', async () => {
  await clock('2026-12-07T09:00:00+08:00');
  const r = await report('dept', { ...base, township_id: ids.town, due_days: 3 });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.due_at, '2026-12-10T23:59:59+08:00', 'three working days after Monday');

  // a problem of the line in the township's loop: the state stays, the deadline moves
  const p = (await report('grid', { ...base, channel: 'patrol', description: '巡查发现违建' })).body;
  await act('office', p.id, { action: 'dispatch' });
  await act('staff', p.id, { action: 'take' });
  assert.ok((await get('dept', p.id)).allowed_actions.includes('assign'));
  assert.ok(!(await get('office', p.id)).allowed_actions.includes('assign'));
  const a = await act('dept', p.id, { action: 'assign', due_at: '2026-12-11T18:00:00+08:00' });
  assert.equal(a.status, 200, JSON.stringify(a.body));
  assert.equal(a.body.state, 'in_hand');
  assert.equal(a.body.due_at, '2026-12-11T18:00:00+08:00');
  assert.ok((await inbox('contact')).some((n) => n.problem_id === p.id && n.kind === 'assign'), 'the unit holding it is told');
  // rework after a failed verification falls due at the department's deadline too
  await act('staff', p.id, { action: 'handle', feedback: '已责令停工' });
  const v = await act('grid', p.id, { action: 'verify', passed: false, note: '仍在施工' });
  assert.equal(v.body.state, 'in_hand');
  assert.equal(v.body.due_at, '2026-12-11T18:00:00+08:00');

  // taken up, then assigned down: back to the office with the deadline
  const u = (await report('grid', { ...base, channel: 'patrol', description: '上提后交办' })).body;
  await act('dept', u.id, { action: 'take_up', reason: '县局研判' });
  const b = await act('dept', u.id, { action: 'assign', due_days: 5, note: '由乡镇限期处置' });
  assert.equal(b.status, 200, JSON.stringify(b.body));
  assert.equal(b.body.state, 'accepted');
  assert.equal(b.body.due_at, '2026-12-14T23:59:59+08:00');
  assert.equal(b.body.assigned_due_at, '2026-12-14T23:59:59+08:00');
  const seen = await get('office', u.id);
  assert.deepEqual(seen.history.slice(-2).map((x) => [x.action, x.to_state]), [['take_up', 'taken_up'], ['assign', 'accepted']]);
});

test('only the department of the line assigns; bad deadlines are refused in both languages and change nothing', async () => {
  await clock('2026-12-07T09:00:00+08:00');
  const n = q('SELECT COUNT(*) FROM problems');
  const bad = [
    [{ due_at: '2026-12-18', due_days: 3 }, 400, 'invalid_deadline'],
    [{ due_at: '2026-13-40' }, 400, 'invalid_deadline'],
    [{ due_at: 'next week' }, 400, 'invalid_deadline'],
    [{ due_days: 61 }, 400, 'invalid_deadline'],
    [{ due_days: -2 }, 400, 'invalid_deadline'],
    [{ due_days: '3' }, 400, 'invalid_body'],
    [{ due_at: '2026-12-06' }, 422, 'deadline_in_past'],
    [{ due_at: '2026-12-07T08:00:00+08:00' }, 422, 'deadline_in_past'],
    [{ due_at: '2027-03-20' }, 422, 'deadline_too_far'],
  ];
  for (const [extra, status, code] of bad) {
    const r = await report('dept', { ...base, township_id: ids.town, ...extra });
    expectError(assert, r, status, code);
    if (code !== 'invalid_body') assert.ok(['due_at', 'due_days'].includes(r.body.error.field), JSON.stringify(r.body));
  }
  expectError(assert, await report('dept', { ...base, channel: 'media', township_id: ids.town, due_at: '2026-12-18' }), 400, 'invalid_deadline');
  expectError(assert, await report('office', { ...base, due_at: '2026-12-18' }), 403, 'forbidden');
  expectError(assert, await report('dept', { ...base, category: 'SC01', township_id: ids.town, due_at: '2026-12-18' }), 403, 'forbidden');
  assert.equal(q('SELECT COUNT(*) FROM problems'), n, 'no problem stored by a refused assignment');

  const p = (await report('grid', { ...base, channel: 'patrol', description: '校验测试' })).body;
  const before = await get('office', p.id);
  expectError(assert, await act('dept', p.id, { action: 'assign' }), 400, 'deadline_required');
  expectError(assert, await act('dept', p.id, { action: 'assign', due_at: '2026-12-01' }), 422, 'deadline_in_past');
  expectError(assert, await act('dept', p.id, { action: 'assign', due_days: 100 }), 400, 'invalid_deadline');
  expectError(assert, await act('office', p.id, { action: 'assign', due_days: 3 }), 403, 'forbidden');
  expectError(assert, await act('office2', p.id, { action: 'assign', due_days: 3 }), 404, 'not_found');
  const same = await get('office', p.id);
  assert.equal(same.due_at, before.due_at);
  assert.equal(same.assigned_due_at, null);
  assert.equal(same.version, before.version);
  // an escalated problem belongs to joint enforcement: not assigned down
  await act('office', p.id, { action: 'escalate', reason: '多部门' });
  expectError(assert, await act('dept', p.id, { action: 'assign', due_days: 3 }), 409, 'invalid_transition');
});

test('the office lists the escalation requests waiting for its decision', async () => {
  await clock('2026-12-07T10:00:00+08:00');
  const p = (await report('grid', { ...base, channel: 'patrol', description: '申请联合执法列表测试' })).body;
  await act('office', p.id, { action: 'dispatch' });
  assert.ok(!(await list('office', 'escalation_requested=1')).some((x) => x.id === p.id));
  const r = await act('contact', p.id, { action: 'request_escalation', reason: '涉及国土、规划，本单位无法单独纠正' });
  assert.ok(r.status >= 200 && r.status < 300, JSON.stringify(r.body));
  assert.ok((await list('office', 'escalation_requested=1')).some((x) => x.id === p.id));
  assert.equal((await list('office2', 'escalation_requested=1')).length, 0, 'another township sees none');
  await act('office', p.id, { action: 'decline_escalation', reason: '可依法单独处置' });
  assert.ok(!(await list('office', 'escalation_requested=1')).some((x) => x.id === p.id), 'a decided request leaves the list');
});
