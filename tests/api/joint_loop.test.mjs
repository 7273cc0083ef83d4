// joint_loop.test.mjs — joint enforcement's loops (issue 13): an escalated
// problem leaves `escalated` when the action that took it up concludes
// (closed with the result, or returned to the office), the people who must
// act are told in their inbox (submission → leader, application → office,
// decision → applicant, notice → the notified unit's contact, incident →
// police station, participant → the person), a same-day notice left
// unanswered raises an alarm at the configured hour and at its deadline,
// the written decision's 2-day clock, the police-support rule as a
// township's configuration, and qualified officers in a notice answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, expectError } from './lib.mjs';

let h, t, ids;
const NAMES = ['office', 'office2', 'leader', 'contact', 'grid', 'police', 'market'];
async function clock(iso) { await h.setClock(iso); t = await h.tokens(NAMES); }
const api = (...a) => h.api(...a);
const act = (id, who, body) => api('POST', `/api/v1/joint-actions/${id}/actions`, { token: t[who], body });
const inbox = async (who) => (await api('GET', '/api/v1/inbox?limit=200', { token: t[who] })).body.items;
const tick = async () => (await api('POST', '/api/v1/test/tick', {})).body;

before(async () => {
  h = await startServer();
  t = await h.tokens(NAMES);
  const q = (s) => Number(h.sql(s));
  const unit = (code) => q(`SELECT id FROM units WHERE code = '${code}'`);
  ids = {
    town: q("SELECT id FROM regions WHERE code = '331102100'"), town2: q("SELECT id FROM regions WHERE code = '331102101'"),
    zf: unit('ZF-331102100'), zr: unit('ZR-331102100'), sj: unit('SJ-331102100'), ga: unit('GA-331102100'),
    zf2: unit('ZF-331102101'), yj2: unit('YJ-331102101'), ga2: unit('GA-331102101'),
    contactPerson: q("SELECT person_id FROM users WHERE username = 'contact'"),
    sjPeople: h.sql(`SELECT id FROM people WHERE unit_id = ${unit('SJ-331102100')} ORDER BY id`).split('\n').map(Number),
  };
  h.sql(`UPDATE qualifications SET valid_from = '2025-01-01', valid_to = '2028-12-31' WHERE person_id IN (${ids.sjPeople.join(',')}) OR person_id = ${ids.contactPerson}`);
});
after(async () => {
  await h.setClock(null);
  await h.stop();
  const err = h.stderr;
  await h.close();
  // under the ASan build: no undefined behaviour, and no leak made by the joint code
  assert.ok(!/runtime error|AddressSanitizer: (heap|stack|global)/.test(err), err.slice(0, 8000));
  const ours = err.split(/\n\s*\n/).filter((b) => /leak of/.test(b) && /routes_joint\.c|jointaction\.c|joint_\w+\.c|demo_joint\.c/.test(b));
  assert.deepEqual(ours, []);
});
// full stacks under ASan, so a leak can be traced to the file that made it
if (/asan/.test(process.env.XZ_BIN || '')) process.env.ASAN_OPTIONS = `${process.env.ASAN_OPTIONS || 'detect_leaks=1'}:fast_unwind_on_malloc=0`;

async function create(who, body) {
  const r = await api('POST', '/api/v1/joint-actions', { token: t[who], body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const routine = (extra = {}) => ({ mechanism: 'routine', title: '碧湖村违建联合整治', planned_start: '2026-12-20T09:00:00+08:00',
  planned_end: '2026-12-20T17:00:00+08:00', township_id: ids.town, participating_units: [ids.zf, ids.zr], lead_unit_id: ids.zf, ...extra });
async function running(body) {
  const a = await create('office', body);
  for (const [who, action] of [['office', 'submit'], ['leader', 'approve'], ['office', 'start']]) {
    const r = await act(a.id, who, { action });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  return a;
}
async function escalated() {
  const p = (await api('POST', '/api/v1/problems', { token: t.grid, body: { channel: 'patrol', category: 'CS01', description: '碧湖村河边新建砖混结构房屋', lon: 119.845, lat: 28.405 } })).body;
  const e = await api('POST', `/api/v1/problems/${p.id}/actions`, { token: t.office, body: { action: 'escalate', reason: '涉及规划、国土多部门，需联合执法' } });
  assert.equal(e.body.state, 'escalated', JSON.stringify(e.body));
  return p;
}
const problem = async (id) => (await api('GET', `/api/v1/problems/${id}`, { token: t.office })).body;

test('concluding a joint action settles the escalated problems it took up: closed with its result, or returned', async () => {
  await clock('2026-12-18T09:00:00+08:00');
  const p1 = await escalated(), p2 = await escalated();
  const a = await running(routine({ problem_ids: [p1.id, p2.id] }));
  assert.deepEqual(a.problem_ids, [p1.id, p2.id]);
  const seen = await problem(p1.id);
  assert.deepEqual(seen.joint_actions.map((x) => x.id), [a.id], 'found through the link rows');
  assert.ok(seen.history.some((s) => s.action === 'joint_action' && s.note.includes(`#${a.id}`)), 'the history shows the action');
  expectError(assert, await act(a.id, 'office', { action: 'conclude', summary: '已拆除', unresolved: ['x'] }), 400, 'invalid_body');
  assert.equal((await problem(p1.id)).state, 'escalated', 'a refused conclusion changes nothing');
  const c = await act(a.id, 'office', { action: 'conclude', summary: '拆除违法建筑1处；另1处当事人已申请补办许可。', unresolved: [p2.id] });
  assert.equal(c.status, 200, JSON.stringify(c.body));
  const q1 = await problem(p1.id), q2 = await problem(p2.id);
  assert.equal(q1.state, 'closed');
  assert.ok(q1.closed_at);
  const h1 = q1.history.at(-1);
  assert.equal(h1.action, 'joint_close');
  assert.ok(h1.note.includes(`#${a.id}`) && h1.note.includes('拆除违法建筑1处'), h1.note);
  assert.equal(q2.state, 'accepted', 'returned to the office to route again');
  assert.ok(q2.due_at, 'with a fresh acceptance deadline');
  assert.equal(q2.history.at(-1).action, 'joint_return');
  assert.ok((await inbox('grid')).some((n) => n.problem_id === p1.id && n.kind === 'closed'), 'the reporter hears the outcome');
});

test('concluding by the lead unit settles its escalated problem; a problem in another state is left alone', async () => {
  await clock('2026-12-18T10:00:00+08:00');
  const p = await escalated();
  const other = (await api('POST', '/api/v1/problems', { token: t.grid, body: { channel: 'patrol', category: 'CS01', description: '另一处违建', lon: 119.845, lat: 28.405 } })).body;
  const a = await running(routine({ problem_ids: [p.id, other.id] }));
  assert.equal((await act(a.id, 'contact', { action: 'conclude', summary: '已整改' })).status, 200);
  assert.equal((await problem(p.id)).state, 'closed');
  assert.equal((await problem(other.id)).state, 'reported');
});

test('the people who must act are told in their inbox', async () => {
  await clock('2026-12-01T09:00:00+08:00');
  // submission → the leader
  const a = await create('office', routine());
  await act(a.id, 'office', { action: 'submit' });
  assert.ok((await inbox('leader')).some((n) => n.kind === 'joint_submitted' && n.body.includes('碧湖村违建联合整治')));
  // a special application → the office; the decision → the applicant
  const s = await create('contact', { mechanism: 'special', title: '农房超层专项整治（通知测试）', planned_start: '2026-12-10T09:00:00+08:00', planned_end: '2026-12-10T17:00:00+08:00', township_id: ids.town, participating_units: [ids.zr] });
  assert.equal((await act(s.id, 'contact', { action: 'submit' })).status, 200);
  assert.ok((await inbox('office')).some((n) => n.kind === 'joint_application' && n.body.includes('农房超层')));
  await act(s.id, 'office', { action: 'forward' });
  const d = await act(s.id, 'leader', { action: 'decide', launch: true, reasons: '涉及多部门，同意启动。' });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.ok((await inbox('contact')).some((n) => n.kind === 'joint_decision' && n.body.includes('农房超层')));
  // a participant added → the person
  const r = await running(routine({ title: '参加人员通知测试', planned_start: '2026-12-01T09:00:00+08:00', planned_end: '2026-12-01T18:00:00+08:00' }));
  const pa = await api('POST', `/api/v1/joint-actions/${r.id}/participants`, { token: t.office, body: { unit_id: ids.zf, person_id: ids.contactPerson, role: 'enforcer' } });
  assert.equal(pa.status, 201, JSON.stringify(pa.body));
  assert.ok((await inbox('contact')).some((n) => n.kind === 'participant' && n.body.includes('参加人员通知测试')));
  // an incident → the police station
  const inc = await api('POST', `/api/v1/joint-actions/${r.id}/incidents`, { token: t.office, body: { kind: 'violence', description: '当事人持棍殴打执法人员', occurred_at: '2026-12-01T08:55:00+08:00' } });
  assert.equal(inc.status, 201, JSON.stringify(inc.body));
  assert.ok((await inbox('police')).some((n) => n.kind === 'incident' && n.body.includes('持棍')));
});

test('an interactive notice reaches the notified unit\'s contact, and an unanswered one raises the alarm at the hour and at the deadline', async () => {
  await clock('2026-12-02T09:00:00+08:00');
  const a = await running(routine({ title: '互动执法通知测试', planned_start: '2026-12-02T08:00:00+08:00', planned_end: '2026-12-02T20:00:00+08:00' }));
  h.sql("INSERT INTO settings (key, value) VALUES ('joint.notice_alarm_hour', '15')");
  try {
    await clock('2026-12-02T10:00:00+08:00');
    const n = (await api('POST', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office, body: { category: 'SC01', description: '无照经营的小作坊（通知测试）' } })).body;
    const got = (await inbox('market')).find((x) => x.kind === 'notice' && x.body.includes('通知测试'));
    assert.ok(got, 'the notified unit\'s contact finds it in the inbox');
    assert.ok(!(await inbox('contact')).some((x) => x.kind === 'notice' && x.body.includes('通知测试')), 'nobody else');
    await clock('2026-12-02T14:59:59+08:00');
    await tick();
    assert.ok(!(await inbox('market')).some((x) => x.kind === 'notice_alarm'), 'not before the hour');
    await clock('2026-12-02T15:00:00+08:00');
    await tick(); // (the server's own scheduler may have run the pass first: judge by the inbox)
    const alarms = (await inbox('market')).filter((x) => x.kind === 'notice_alarm');
    assert.equal(alarms.length, 1);
    assert.ok((await inbox('office')).some((x) => x.kind === 'notice_alarm'), 'the office hears it too');
    await tick();
    assert.equal((await inbox('market')).filter((x) => x.kind === 'notice_alarm').length, 1, 'once');
    await clock('2026-12-03T00:00:00+08:00');
    await tick();
    assert.ok((await inbox('market')).some((x) => x.kind === 'notice_overdue'), 'and at the deadline');
    // an answered notice raises nothing
    await clock('2026-12-02T11:00:00+08:00');
    const n2 = (await api('POST', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office, body: { category: 'SC02', description: '销售过期食品（已答复）' } })).body;
    assert.equal((await api('POST', `/api/v1/joint-actions/${a.id}/notices/${n2.id}/answer`, { token: t.market, body: { officers: [ids.sjPeople[1]] } })).status, 200);
    await clock('2026-12-03T00:00:01+08:00');
    await tick();
    assert.ok(!(await inbox('market')).some((x) => x.kind === 'notice_overdue' && x.body.includes(`#${n2.id}`)));
    assert.ok(n.id);
  } finally { h.sql("DELETE FROM settings WHERE key = 'joint.notice_alarm_hour'"); }
});

test('officers named in a notice answer must hold a valid qualification for its domain that day', async () => {
  await clock('2026-12-04T09:00:00+08:00');
  const a = await running(routine({ title: '资格测试', planned_start: '2026-12-04T08:00:00+08:00', planned_end: '2026-12-04T20:00:00+08:00' }));
  const n = (await api('POST', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office, body: { category: 'SC01', description: '无照经营（资格测试）' } })).body;
  assert.equal(n.domain, '市场监管');
  const [head, officer] = ids.sjPeople;
  h.sql(`UPDATE qualifications SET valid_to = '2026-12-03' WHERE person_id = ${officer}`);
  try {
    const name = h.sql(`SELECT name FROM people WHERE id = ${officer}`);
    const r = await api('POST', `/api/v1/joint-actions/${a.id}/notices/${n.id}/answer`, { token: t.market, body: { officers: [head, officer] } });
    expectError(assert, r, 422, 'qualification_required');
    assert.ok(r.body.error.message.includes(name), 'names the officer');
    const still = (await api('GET', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office })).body.items.find((x) => x.id === n.id);
    assert.equal(still.answered, false, 'nothing changed');
    assert.equal((await api('POST', `/api/v1/joint-actions/${a.id}/notices/${n.id}/answer`, { token: t.market, body: { officers: [head] } })).status, 200);
  } finally { h.sql(`UPDATE qualifications SET valid_to = '2028-12-31' WHERE person_id = ${officer}`); }
});

test('the special launch: the written decision is due 2 days after receipt and flagged when late', async () => {
  await clock('2026-12-07T09:30:00+08:00');
  const s = await create('contact', { mechanism: 'special', title: '决定时限测试', planned_start: '2026-12-14T09:00:00+08:00', planned_end: '2026-12-14T17:00:00+08:00', township_id: ids.town, participating_units: [ids.zr] });
  const sub = (await act(s.id, 'contact', { action: 'submit' })).body;
  assert.equal(sub.decision_due_at, '2026-12-09T23:59:59+08:00');
  assert.equal(sub.decision_overdue, false);
  await act(s.id, 'office', { action: 'forward' });
  await clock('2026-12-09T12:00:00+08:00');
  await tick();
  assert.ok((await inbox('leader')).some((n) => n.kind === 'decision_due' && n.body.includes('决定时限测试')), 'the leader is told the decision is due');
  await clock('2026-12-10T00:00:00+08:00');
  const late = (await api('GET', `/api/v1/joint-actions/${s.id}`, { token: t.leader })).body;
  assert.equal(late.decision_overdue, true);
  const d = (await act(s.id, 'leader', { action: 'decide', launch: false, reasons: '单一单位可以纠正。' })).body;
  assert.equal(d.decision_late, true);
  assert.equal(d.forward_late, false, 'the two clocks are apart');
});

test('police support is a township\'s rule: nothing forced without one; support set brings the police station in', async () => {
  await clock('2026-12-01T09:00:00+08:00');
  const e = { mechanism: 'emergency', title: '大港头镇应急处置', planned_start: '2026-12-01T10:00:00+08:00', planned_end: '2026-12-01T18:00:00+08:00', township_id: ids.town2, participating_units: [ids.yj2, ids.zf2], lead_unit_id: ids.yj2 };
  const free = await create('office2', e);
  assert.equal(free.police_support, false, 'no rule, nothing forced');
  assert.equal(free.police_required, false);
  assert.ok(!free.participating_units.includes(ids.ga2));
  const asked = await create('office2', { ...e, police_support: true });
  assert.equal(asked.police_support, true);
  assert.equal(asked.police_required, false);
  assert.ok(asked.participating_units.includes(ids.ga2), 'the police station takes part');
  const rules = `/api/v1/townships/${ids.town2}/joint-rules`;
  assert.deepEqual((await api('GET', rules, { token: t.office2 })).body, { township_id: ids.town2, configured: false, emergency: false, major_units: 0, major_participants: 0 });
  expectError(assert, await api('PUT', rules, { token: t.office, body: { emergency: true } }), 403, 'forbidden');
  expectError(assert, await api('PUT', rules, { token: t.office2, body: { emergency: 'yes' } }), 400, 'invalid_body');
  expectError(assert, await api('PUT', rules, { token: t.office2, body: { major_units: -1 } }), 400, 'invalid_body');
  const set = await api('PUT', rules, { token: t.office2, body: { emergency: true, major_units: 3 } });
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.deepEqual(set.body, { township_id: ids.town2, configured: true, emergency: true, major_units: 3, major_participants: 0 });
  try {
    const ruled = await create('office2', e);
    assert.equal(ruled.police_required, true);
    assert.ok(ruled.participating_units.includes(ids.ga2));
    // a routine action of four units is major under the rule
    const units4 = h.sql(`SELECT id FROM units WHERE township_id = ${ids.town2} AND id <> ${ids.ga2} ORDER BY id LIMIT 4`).split('\n').map(Number);
    const major = await create('office2', { ...e, mechanism: 'routine', participating_units: units4, lead_unit_id: units4[0] });
    assert.equal(major.police_required, true);
  } finally { h.sql(`DELETE FROM settings WHERE key = 'joint.police.${ids.town2}'`); }
});
