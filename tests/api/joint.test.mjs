// joint.test.mjs — joint enforcement (R5, R9.2; seed §4.2–4.3): the three
// launch mechanisms end to end with the seed's people (office, leader,
// contact), the special mechanism's time limits at their exact boundaries
// (3 days before the action; 2 days after receipt), the written decision as
// a PDF, the qualification rule, interactive notices answered at 23:59:59
// and at 00:00:00, an obstruction handed to the police, and county-wide
// actions split into township parts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, expectError } from './lib.mjs';

let h, t, me, ids;
const NAMES = ['office', 'office2', 'leader', 'contact', 'staff', 'grid', 'dept', 'admin', 'police', 'market'];
// clock: pin the server clock; sessions idle out across the jump, so log in again
async function clock(iso) { await h.setClock(iso); t = await h.tokens(NAMES); }

// full stacks under ASan, so a leak can be traced to the file that made it
if (/asan/.test(process.env.XZ_BIN || '')) process.env.ASAN_OPTIONS = `${process.env.ASAN_OPTIONS || 'detect_leaks=1'}:fast_unwind_on_malloc=0`;

before(async () => {
  h = await startServer();
  t = await h.tokens(NAMES);
  me = (await h.api('GET', '/api/v1/me', { token: t.contact })).body;
  const q = (s) => Number(h.sql(s));
  const unit = (code) => q(`SELECT id FROM units WHERE code = '${code}'`);
  const people = h.sql(`SELECT id FROM people WHERE unit_id = ${me.unit_id} ORDER BY id`).split('\n').map(Number);
  ids = {
    town: me.township_id,
    town2: q("SELECT id FROM regions WHERE code = '331102101'"),
    zf: me.unit_id, ga: unit('GA-331102100'), sj: unit('SJ-331102100'), zr: unit('ZR-331102100'),
    hb: unit('HB-331102100'), yj: unit('YJ-331102100'),
    head: people[0], officer: people[1], officer2: people[2], expired: people[3], aux: people[4],
    sjPerson: q(`SELECT id FROM people WHERE unit_id = ${unit('SJ-331102100')} ORDER BY id LIMIT 1`),
  };
  // known qualification dates for the people this file uses
  for (const p of [ids.head, ids.officer, ids.officer2])
    h.sql(`UPDATE qualifications SET valid_from = '2025-01-01', valid_to = '2028-12-31', domains = '["村镇建设","市容环境","综合执法"]' WHERE person_id = ${p}`);
});
after(async () => {
  await h.setClock(null);
  await h.stop();
  const err = h.stderr;
  await h.close();
  // under the ASan build: no undefined behaviour, and no leak made by joint-action code
  // (leak reports are blocks separated by blank lines; ours name these files)
  assert.ok(!/runtime error|AddressSanitizer: (heap|stack|global)/.test(err), err.slice(0, 8000));
  const ours = err.split(/\n\s*\n/).filter((b) => /leak of/.test(b) && /routes_joint\.c|jointaction\.c|joint_\w+\.c|demo_joint\.c/.test(b));
  assert.deepEqual(ours, []);
});

const api = (...a) => h.api(...a);
const act = (id, who, body) => api('POST', `/api/v1/joint-actions/${id}/actions`, { token: t[who], body });
const get = async (id, who = 'office') => (await api('GET', `/api/v1/joint-actions/${id}`, { token: t[who] })).body;

async function create(who, body) {
  const r = await api('POST', '/api/v1/joint-actions', { token: t[who], body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}
const special = (start, extra = {}) => ({
  mechanism: 'special', title: '上赵村违法建设专项整治', planned_start: start, planned_end: start.replace(/T.*/, 'T23:30:00+08:00'),
  township_id: ids.town, participating_units: [ids.zr], targets: '上赵村在建违法建筑3处', place: '上赵村', domain: '村镇建设',
  tasks: '综合执法中队牵头拆除；自然资源所认定用地', ...extra,
});
const routine = (start, end, extra = {}) => ({
  mechanism: 'routine', title: '碧湖村占道经营联合整治', planned_start: start, planned_end: end, township_id: ids.town,
  participating_units: [ids.zf], lead_unit_id: ids.zf, domain: '市容环境', mode: 'dispersed', ...extra,
});

function pdfText(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'xz-pdf-'));
  try {
    writeFileSync(join(dir, 'd.pdf'), bytes);
    return execFileSync('pdftotext', ['-layout', join(dir, 'd.pdf'), '-']).toString();
  } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('special: exactly 3 days before is accepted; 2 days 23 hours before is refused', async () => {
  await clock('2026-12-01T23:59:59+08:00');
  const ok = await create('contact', special('2026-12-04T23:00:00+08:00'));
  assert.equal(ok.state, 'draft');
  assert.equal(ok.applicant_unit_id, ids.zf);
  assert.deepEqual(ok.allowed_actions.sort(), ['cancel', 'submit']);
  const s = await act(ok.id, 'contact', { action: 'submit' });
  assert.equal(s.status, 200, JSON.stringify(s.body));
  assert.equal(s.body.state, 'submitted');
  assert.equal(s.body.received_at, '2026-12-01T23:59:59+08:00');
  assert.equal(s.body.forward_due_at, '2026-12-03T23:59:59+08:00');
  assert.equal(s.body.forward_overdue, false);

  await clock('2026-12-02T00:00:00+08:00');
  const late = await create('contact', special('2026-12-04T23:00:00+08:00'));
  expectError(assert, await act(late.id, 'contact', { action: 'submit' }), 422, 'too_late_to_apply');
  assert.equal((await get(late.id)).state, 'draft', 'a refused application changes nothing');
});

test('special: forwarded within 2 days is on time; one second later it is overdue; the leader decides in writing', async () => {
  await clock('2026-12-07T09:30:00+08:00');
  const a = await create('contact', special('2026-12-14T09:00:00+08:00'));
  const b = await create('contact', special('2026-12-14T09:00:00+08:00', { title: '上赵村废品站专项整治' }));
  for (const x of [a, b]) assert.equal((await act(x.id, 'contact', { action: 'submit' })).status, 200);
  assert.equal((await get(a.id)).forward_due_at, '2026-12-09T23:59:59+08:00');

  await clock('2026-12-09T23:59:59+08:00');
  assert.equal((await get(a.id)).forward_overdue, false);
  // wrong person: the leader cannot forward, the contact cannot forward; wrong state: decide before forwarding
  expectError(assert, await act(a.id, 'leader', { action: 'forward' }), 403, 'forbidden');
  expectError(assert, await act(a.id, 'contact', { action: 'forward' }), 403, 'forbidden');
  expectError(assert, await act(a.id, 'leader', { action: 'decide', launch: true, reasons: '理由' }), 409, 'invalid_transition');
  const f = await act(a.id, 'office', { action: 'forward' });
  assert.equal(f.status, 200, JSON.stringify(f.body));
  assert.equal(f.body.state, 'forwarded');
  assert.equal(f.body.forward_late, false);
  assert.equal(f.body.forward_overdue, false);

  await clock('2026-12-10T00:00:00+08:00');
  const bb = await get(b.id);
  assert.equal(bb.state, 'submitted');
  assert.equal(bb.forward_overdue, true, 'one second past forward_due_at');
  const fb = await act(b.id, 'office', { action: 'forward' });
  assert.equal(fb.body.forward_late, true, 'forwarded late is recorded');
  assert.equal(fb.body.forward_overdue, true);

  // the decision: only the group leader, only with written reasons
  expectError(assert, await act(a.id, 'office', { action: 'decide', launch: true, reasons: 'x' }), 403, 'forbidden');
  expectError(assert, await act(a.id, 'contact', { action: 'decide', launch: true, reasons: 'x' }), 403, 'forbidden');
  expectError(assert, await act(a.id, 'leader', { action: 'decide', launch: true }), 422, 'reasons_required');
  expectError(assert, await act(a.id, 'leader', { action: 'decide', reasons: '缺少是否启动' }), 400, 'launch_required');
  expectError(assert, await api('GET', `/api/v1/joint-actions/${a.id}/documents/decision.pdf`, { token: t.office }), 409, 'no_decision');
  const reasons = '上赵村违法建设涉及多个部门职责，单一派驻机构难以纠正，同意启动专项联合执法。';
  const d = await act(a.id, 'leader', { action: 'decide', launch: true, reasons });
  assert.equal(d.status, 200, JSON.stringify(d.body));
  assert.equal(d.body.state, 'approved');
  assert.equal(d.body.launch, true);
  assert.equal(d.body.lead_unit_id, ids.zf, 'the applying unit leads');
  assert.equal(d.body.reasons, reasons);
  assert.ok(d.body.history.some((s) => s.action === 'decide' && s.note === reasons && s.username === 'leader'));
  const no = await act(b.id, 'leader', { action: 'decide', launch: false, reasons: '属单一单位日常职责，不予启动。' });
  assert.equal(no.body.state, 'not_launched');
  assert.equal(no.body.lead_unit_id, null);
  assert.deepEqual(no.body.allowed_actions, []);

  const pdf = await api('GET', `/api/v1/joint-actions/${a.id}/documents/decision.pdf`, { token: t.contact, raw: true });
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  const text = pdfText(Buffer.from(await pdf.arrayBuffer())).replace(/\s+/g, '');
  assert.ok(text.includes(reasons.replace(/\s+/g, '')), 'the reasons are in the decision:\n' + text);
  assert.ok(text.includes('碧湖镇综合行政执法工作领导小组'));
  assert.ok(/碧执领〔2026〕\d+号/.test(text), 'document number');
  assert.ok(text.includes('专项联合执法申请的决定'));
  assert.ok(text.includes('2026年12月10日'), 'date in Chinese');

  // the launched action: the lead unit's contact starts and concludes it
  await clock('2026-12-14T08:30:00+08:00');
  const st = await act(a.id, 'contact', { action: 'start' });
  assert.equal(st.body.state, 'in_progress');
  expectError(assert, await act(a.id, 'contact', { action: 'conclude' }), 422, 'summary_required');
  const c = await act(a.id, 'contact', { action: 'conclude', summary: '拆除违法建筑3处。' });
  assert.equal(c.body.state, 'concluded');
  expectError(assert, await act(a.id, 'contact', { action: 'start' }), 409, 'invalid_transition');
});

test('special: the working-day setting counts working days', async () => {
  h.sql("INSERT INTO settings (key, value) VALUES ('joint.special_days_working', '1')");
  try {
    // Friday 2026-12-11: the 2nd working day after it is Tuesday 12-15
    await clock('2026-12-11T10:00:00+08:00');
    const a = await create('contact', special('2026-12-16T09:00:00+08:00'));
    const s = await act(a.id, 'contact', { action: 'submit' });
    assert.equal(s.status, 200, JSON.stringify(s.body));
    assert.equal(s.body.forward_due_at, '2026-12-15T23:59:59+08:00');
    // Monday 12-14 is three calendar days before, but only one working day (Tue 12-15 … Wed 12-16 is two)
    const b = await create('contact', special('2026-12-14T09:00:00+08:00'));
    expectError(assert, await act(b.id, 'contact', { action: 'submit' }), 422, 'too_late_to_apply');
  } finally { h.sql("DELETE FROM settings WHERE key = 'joint.special_days_working'"); }
});

test('routine: office drafts, leader returns and approves, office starts, participants, notices, incident, findings, conclude', async () => {
  await clock('2026-12-15T09:00:00+08:00');
  expectError(assert, await api('POST', '/api/v1/joint-actions', { token: t.contact, body: routine('2026-12-17T09:00:00+08:00', '2026-12-17T18:00:00+08:00') }), 403, 'forbidden');
  expectError(assert, await api('POST', '/api/v1/joint-actions', { token: t.office2, body: routine('2026-12-17T09:00:00+08:00', '2026-12-17T18:00:00+08:00') }), 403, 'forbidden');
  expectError(assert, await api('POST', '/api/v1/joint-actions', { token: t.office, body: { ...routine('2026-12-17T09:00:00+08:00', '2026-12-17T18:00:00+08:00'), mechanism: 'weekly' } }), 400, 'invalid_mechanism');
  expectError(assert, await api('POST', '/api/v1/joint-actions', { token: t.office, body: { ...routine('2026-12-17T09:00:00+08:00', '2026-12-17T18:00:00+08:00'), surprise: 1 } }), 400, 'invalid_body');
  const a = await create('office', routine('2026-12-17T09:00:00+08:00', '2026-12-17T18:00:00+08:00', { targets: '碧湖村早市占道', tasks: '劝导、登记、处罚', problem_ids: [7, 9] }));
  assert.equal(a.mechanism, 'routine');
  assert.deepEqual(a.problem_ids, [7, 9]);
  assert.equal(a.police_support, false);
  assert.equal(a.planned_start, '2026-12-17T09:00:00+08:00');
  expectError(assert, await act(a.id, 'leader', { action: 'approve' }), 409, 'invalid_transition');
  expectError(assert, await act(a.id, 'contact', { action: 'submit' }), 403, 'forbidden');
  expectError(assert, await act(a.id, 'office', { action: 'fly' }), 400, 'invalid_action');
  assert.equal((await act(a.id, 'office', { action: 'submit' })).body.state, 'submitted');
  assert.deepEqual((await get(a.id, 'leader')).allowed_actions.sort(), ['approve', 'return']);
  expectError(assert, await act(a.id, 'office', { action: 'approve' }), 403, 'forbidden');
  expectError(assert, await act(a.id, 'leader', { action: 'return' }), 422, 'reason_required');
  const back = (await act(a.id, 'leader', { action: 'return', reason: '补充任务分工' })).body;
  assert.equal(back.state, 'draft');
  // the office revises the returned plan (the version guards concurrent edits), then resubmits
  const edit = { version: back.version, title: back.title, planned_start: back.planned_start, planned_end: back.planned_end, participating_units: back.participating_units, targets: back.targets, tasks: '综合执法中队劝导登记；市场监管所核查证照；分片包干', problem_ids: [7, 9] };
  expectError(assert, await api('PUT', `/api/v1/joint-actions/${a.id}`, { token: t.contact, body: edit }), 403, 'forbidden');
  const ed = await api('PUT', `/api/v1/joint-actions/${a.id}`, { token: t.office, body: edit });
  assert.equal(ed.status, 200, JSON.stringify(ed.body));
  assert.equal(ed.body.tasks, edit.tasks);
  assert.equal(ed.body.version, back.version + 1);
  assert.equal(ed.body.history.at(-1).action, 'edit');
  expectError(assert, await api('PUT', `/api/v1/joint-actions/${a.id}`, { token: t.office, body: edit }), 409, 'version_conflict');
  expectError(assert, await api('PUT', `/api/v1/joint-actions/${a.id}`, { token: t.office, body: { ...edit, version: ed.body.version, planned_end: '2026-12-16T09:00:00+08:00' } }), 400, 'invalid_time');
  await act(a.id, 'office', { action: 'submit' });
  expectError(assert, await api('PUT', `/api/v1/joint-actions/${a.id}`, { token: t.office, body: { ...edit, version: ed.body.version + 1 } }), 409, 'invalid_transition');
  assert.equal((await act(a.id, 'leader', { action: 'approve' })).body.state, 'approved');

  // participants: each unit names its own; qualification rules
  const add = (who, body) => api('POST', `/api/v1/joint-actions/${a.id}/participants`, { token: t[who], body });
  assert.equal((await add('contact', { unit_id: ids.zf, person_id: ids.officer, role: 'enforcer' })).status, 201);
  const auxName = h.sql(`SELECT name FROM people WHERE id = ${ids.aux}`);
  const ra = await add('contact', { unit_id: ids.zf, person_id: ids.aux, role: 'enforcer' });
  expectError(assert, ra, 422, 'qualification_required');
  assert.ok(ra.body.error.message.includes(auxName), 'names the person');
  assert.equal((await add('contact', { unit_id: ids.zf, person_id: ids.aux, role: 'support' })).status, 201);
  const exName = h.sql(`SELECT name FROM people WHERE id = ${ids.expired}`);
  h.sql(`UPDATE qualifications SET valid_to = '2026-06-30' WHERE person_id = ${ids.expired}`);
  const re = await add('office', { unit_id: ids.zf, person_id: ids.expired, role: 'enforcer' });
  expectError(assert, re, 422, 'qualification_required');
  assert.ok(re.body.error.message.includes(exName));
  expectError(assert, await add('market', { unit_id: ids.zf, person_id: ids.officer2, role: 'enforcer' }), 403, 'forbidden');
  expectError(assert, await add('office', { unit_id: ids.sj, person_id: ids.sjPerson, role: 'support' }), 422, 'unit_not_participating');
  expectError(assert, await add('contact', { unit_id: ids.zf, person_id: ids.officer, role: 'enforcer' }), 409, 'duplicate');
  const parts = (await api('GET', `/api/v1/joint-actions/${a.id}/participants`, { token: t.office })).body.items;
  assert.equal(parts.length, 2);

  // notices only during the action
  expectError(assert, await api('POST', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office, body: { category: 'SC01', description: '无照经营' } }), 409, 'invalid_transition');
  await clock('2026-12-17T08:00:00+08:00');
  expectError(assert, await act(a.id, 'leader', { action: 'start' }), 403, 'forbidden');
  assert.equal((await act(a.id, 'office', { action: 'start' })).body.state, 'in_progress');
  const pid = parts[0].id;
  await clock('2026-12-16T20:00:00+08:00');
  expectError(assert, await api('POST', `/api/v1/joint-actions/${a.id}/participants/${pid}/check-in`, { token: t.contact }), 422, 'not_action_day');
  await clock('2026-12-17T08:30:00+08:00');
  const ci = await api('POST', `/api/v1/joint-actions/${a.id}/participants/${pid}/check-in`, { token: t.contact });
  assert.equal(ci.status, 200, JSON.stringify(ci.body));
  assert.equal(ci.body.checked_in_at, '2026-12-17T08:30:00+08:00');
  expectError(assert, await api('POST', `/api/v1/joint-actions/${a.id}/participants/${pid}/check-in`, { token: t.contact }), 409, 'already_checked_in');

  // interactive enforcement: a violation of a non-participating unit
  expectError(assert, await api('POST', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office, body: { category: 'SR01', description: '占道经营' } }), 422, 'unit_participating');
  await clock('2026-12-17T10:15:00+08:00');
  const n1 = await api('POST', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office, body: { category: 'SC01', description: '无照经营小吃店', lon: 119.87, lat: 28.42 } });
  assert.equal(n1.status, 201, JSON.stringify(n1.body));
  assert.equal(n1.body.unit_id, ids.sj);
  assert.equal(n1.body.due_at, '2026-12-17T23:59:59+08:00');
  assert.equal(n1.body.answered_at, null);
  assert.equal(n1.body.late, false);
  // the notice prints as an official document naming the unit, the finding and the deadline
  const npdf = await api('GET', `/api/v1/joint-actions/${a.id}/notices/${n1.body.id}/notice.pdf`, { token: t.office, raw: true });
  assert.equal(npdf.status, 200);
  const ntext = pdfText(Buffer.from(await npdf.arrayBuffer())).replace(/\s+/g, '');
  for (const want of ['互动执法协同通知', '碧湖镇市场监管所', '无照经营小吃店', '2026年12月17日23时59分']) assert.ok(ntext.includes(want), want);
  const n2 = (await api('POST', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office, body: { category: 'SC02', description: '销售过期食品' } })).body;
  const inbox = (await api('GET', '/api/v1/notices', { token: t.market })).body.items;
  assert.ok(inbox.some((n) => n.id === n1.body.id) && inbox.every((n) => n.unit_id === ids.sj));
  assert.equal((await api('GET', '/api/v1/notices', { token: t.contact })).body.items.filter((n) => n.action_id === a.id).length, 0);
  const answer = (n, who) => api('POST', `/api/v1/joint-actions/${a.id}/notices/${n}/answer`, { token: t[who], body: { officers: [ids.sjPerson] } });
  expectError(assert, await answer(n1.body.id, 'contact'), 403, 'forbidden');
  await clock('2026-12-17T23:59:59+08:00');
  const a1 = await answer(n1.body.id, 'market');
  assert.equal(a1.status, 200, JSON.stringify(a1.body));
  assert.equal(a1.body.answered_at, '2026-12-17T23:59:59+08:00');
  assert.equal(a1.body.late, false);
  assert.deepEqual(a1.body.officers, [ids.sjPerson]);
  expectError(assert, await answer(n1.body.id, 'market'), 409, 'already_answered');
  await clock('2026-12-18T00:00:00+08:00');
  const a2 = await answer(n2.id, 'market');
  assert.equal(a2.body.late, true, 'answered at 00:00:00 of the next day is late');
  // the action's own view of its notices agrees with the unit's (regression: it read ISO text as 0)
  const view = (await api('GET', `/api/v1/joint-actions/${a.id}`, { token: t.office })).body;
  const v1 = view.notices.find((n) => n.id === n1.body.id), v2 = view.notices.find((n) => n.id === n2.id);
  assert.deepEqual([v1.late, v2.late], [false, true]);
  assert.deepEqual(v1.officers, [ids.sjPerson]);
  const listed = (await api('GET', `/api/v1/joint-actions/${a.id}/notices`, { token: t.office })).body.items;
  assert.equal(listed.find((n) => n.id === n1.body.id).late, false);
  assert.match(view.history[0].at, /\+08:00$/);

  // enforcement protection: an obstruction handed to the police at once
  await clock('2026-12-17T11:00:00+08:00');
  const inc = await api('POST', `/api/v1/joint-actions/${a.id}/incidents`, { token: t.contact, body: { kind: 'obstruction', description: '摊主阻挡执法人员并推搡', occurred_at: '2026-12-17T10:50:00+08:00' } });
  assert.equal(inc.status, 201, JSON.stringify(inc.body));
  assert.equal(inc.body.handed_to_unit_id, ids.ga);
  assert.equal(inc.body.handed_at, '2026-12-17T11:00:00+08:00');
  assert.equal(inc.body.state, 'handed');
  expectError(assert, await api('POST', `/api/v1/joint-actions/${a.id}/incidents/${inc.body.id}/follow-up`, { token: t.contact, body: { state: 'accepted' } }), 403, 'forbidden');
  const fu = await api('POST', `/api/v1/joint-actions/${a.id}/incidents/${inc.body.id}/follow-up`, { token: t.police, body: { state: 'accepted', note: '已出警' } });
  assert.equal(fu.body.state, 'accepted');
  assert.equal((await api('POST', `/api/v1/joint-actions/${a.id}/incidents/${inc.body.id}/follow-up`, { token: t.police, body: { state: 'closed', note: '行政拘留5日' } })).body.state, 'closed');

  // findings, then the result summary
  const fd = await api('POST', `/api/v1/joint-actions/${a.id}/findings`, { token: t.contact, body: { description: '违规户外广告一处', category: 'SR03' } });
  assert.equal(fd.status, 201);
  // the finding enters the closed loop as a problem for the office to accept
  assert.ok(fd.body.problem_id > 0);
  const prob = (await api('GET', `/api/v1/problems/${fd.body.problem_id}`, { token: t.office })).body;
  assert.equal(prob.state, 'reported');
  assert.equal(prob.category, 'SR03');
  assert.match(prob.history[0].note, /联合执法行动/);
  expectError(assert, await api('POST', `/api/v1/joint-actions/${a.id}/findings`, { token: t.contact, body: { description: '类别不存在', category: 'NOPE' } }), 422, 'invalid_category');
  expectError(assert, await act(a.id, 'office', { action: 'conclude' }), 422, 'summary_required');
  const done = await act(a.id, 'office', { action: 'conclude', summary: '劝离占道摊位15处，移交派出所1起。' });
  assert.equal(done.body.state, 'concluded');
  const steps = done.body.history.map((s) => s.action);
  for (const s of ['create', 'submit', 'return', 'approve', 'start', 'participant.add', 'notice', 'notice.answer', 'incident', 'finding', 'conclude']) assert.ok(steps.includes(s), s);
  const audit = await api('GET', '/api/v1/audit?limit=500', { token: (await h.login('auditor')) });
  assert.ok(audit.body.items.some((e) => e.action === 'joint.conclude'));

  const plan = await api('GET', `/api/v1/joint-actions/${a.id}/documents/plan.pdf`, { token: t.leader, raw: true });
  assert.equal(plan.status, 200);
  const text = pdfText(Buffer.from(await plan.arrayBuffer())).replace(/\s+/g, '');
  assert.ok(text.includes('碧湖村占道经营联合整治联合执法行动方案'));
  assert.ok(text.includes('综合执法中队劝导登记'), 'the plan prints the revised tasks');
});

test('a qualification that expires during the action is refused; one lasting to its last day is accepted', async () => {
  await clock('2026-12-01T09:00:00+08:00');
  h.sql(`UPDATE qualifications SET valid_to = '2026-12-05' WHERE person_id = ${ids.officer2}`);
  try {
    const long = await create('office', routine('2026-12-04T09:00:00+08:00', '2026-12-06T17:00:00+08:00', { domain: '村镇建设' }));
    const r = await api('POST', `/api/v1/joint-actions/${long.id}/participants`, { token: t.contact, body: { unit_id: ids.zf, person_id: ids.officer2, role: 'enforcer' } });
    expectError(assert, r, 422, 'qualification_required');
    const short = await create('office', routine('2026-12-04T09:00:00+08:00', '2026-12-05T23:00:00+08:00', { domain: '村镇建设' }));
    assert.equal((await api('POST', `/api/v1/joint-actions/${short.id}/participants`, { token: t.contact, body: { unit_id: ids.zf, person_id: ids.officer2, role: 'enforcer' } })).status, 201);
    // a qualification not covering the action's domain
    const other = await create('office', routine('2026-12-04T09:00:00+08:00', '2026-12-04T17:00:00+08:00', { domain: '食品安全' }));
    expectError(assert, await api('POST', `/api/v1/joint-actions/${other.id}/participants`, { token: t.contact, body: { unit_id: ids.zf, person_id: ids.officer, role: 'enforcer' } }), 422, 'qualification_required');
  } finally { h.sql(`UPDATE qualifications SET valid_to = '2028-12-31' WHERE person_id = ${ids.officer2}`); }
});

test('emergency: the leader approves from a phone and it starts at once; police support is forced', async () => {
  await clock('2026-12-20T21:00:00+08:00');
  const e = await create('office', { mechanism: 'emergency', title: '城郊仓库非法储存烟花爆竹应急处置', planned_start: '2026-12-20T21:30:00+08:00', planned_end: '2026-12-21T02:00:00+08:00', township_id: ids.town, participating_units: [ids.yj, ids.zf], lead_unit_id: ids.yj, domain: '安全生产', police_support: false });
  assert.equal(e.police_support, true);
  assert.equal(e.police_required, true);
  assert.ok(e.participating_units.includes(ids.ga), 'the police station takes part');
  await act(e.id, 'office', { action: 'submit' });
  await clock('2026-12-20T21:07:30+08:00');
  const ap = await act(e.id, 'leader', { action: 'approve' });
  assert.equal(ap.status, 200, JSON.stringify(ap.body));
  assert.equal(ap.body.state, 'in_progress');
  assert.equal(ap.body.approval_seconds, 450);
  assert.equal(ap.body.started_at, '2026-12-20T21:07:30+08:00');
});

test('a major action (more units than joint.major_units) needs the police', async () => {
  await clock('2026-12-01T09:00:00+08:00');
  const a = await create('office', routine('2026-12-10T09:00:00+08:00', '2026-12-10T17:00:00+08:00', { participating_units: [ids.zf, ids.sj, ids.zr, ids.hb] }));
  assert.equal(a.police_support, true);
  assert.equal(a.police_required, true);
  const b = await create('office', routine('2026-12-10T09:00:00+08:00', '2026-12-10T17:00:00+08:00', { participating_units: [ids.zf, ids.sj, ids.zr] }));
  assert.equal(b.police_support, false);
});

test('county-wide unified action: one child per township, each in its office hands', async () => {
  await clock('2026-12-01T09:00:00+08:00');
  expectError(assert, await api('POST', '/api/v1/joint-actions', { token: t.office, body: { mechanism: 'routine', title: '全区统一行动', planned_start: '2026-12-20', planned_end: '2026-12-21', township_ids: [ids.town, ids.town2] } }), 403, 'forbidden');
  const p = await create('dept', { mechanism: 'routine', title: '全区建筑垃圾乱倒统一整治', planned_start: '2026-12-20T09:00:00+08:00', planned_end: '2026-12-21T17:00:00+08:00', township_ids: [ids.town, ids.town2], domain: '市容环境' });
  assert.equal(p.scope, 'county');
  assert.equal(p.children.length, 2);
  assert.deepEqual(p.children.map((c) => c.township_id).sort(), [ids.town, ids.town2].sort());
  for (const c of p.children) { assert.equal(c.mechanism, 'routine'); assert.equal(c.state, 'draft'); assert.equal(c.parent_id, p.id); assert.ok(c.lead_unit_id > 0); }
  const mine = p.children.find((c) => c.township_id === ids.town);
  const theirs = p.children.find((c) => c.township_id === ids.town2);
  assert.deepEqual((await get(mine.id, 'office')).allowed_actions.sort(), ['cancel', 'submit']);
  assert.equal((await api('GET', `/api/v1/joint-actions/${theirs.id}`, { token: t.office })).status, 404, 'another township is invisible');
  assert.equal((await act(theirs.id, 'office2', { action: 'submit' })).body.state, 'submitted');
  expectError(assert, await act(p.id, 'office', { action: 'start' }), 403, 'forbidden');
  assert.equal((await act(p.id, 'dept', { action: 'start' })).body.state, 'in_progress');
  const list = (await api('GET', `/api/v1/joint-actions?township=${ids.town2}`, { token: t.dept })).body.items;
  assert.ok(list.some((x) => x.id === theirs.id));
});

test('lists filter by state and mechanism and page by cursor; the demo has every mechanism and state', async () => {
  const all = [];
  let cursor = '';
  for (let i = 0; i < 50; i++) {
    const r = await api('GET', `/api/v1/joint-actions?limit=5${cursor ? '&cursor=' + cursor : ''}`, { token: t.office });
    assert.equal(r.status, 200);
    all.push(...r.body.items);
    if (!r.body.next) break;
    cursor = r.body.next;
  }
  assert.equal(new Set(all.map((x) => x.id)).size, all.length);
  for (const m of ['routine', 'special', 'emergency']) assert.ok(all.some((x) => x.mechanism === m), m);
  for (const s of ['draft', 'submitted', 'forwarded', 'approved', 'not_launched', 'in_progress', 'concluded', 'cancelled']) assert.ok(all.some((x) => x.state === s), s);
  const sp = (await api('GET', '/api/v1/joint-actions?mechanism=special&state=submitted', { token: t.office })).body.items;
  assert.ok(sp.length && sp.every((x) => x.mechanism === 'special' && x.state === 'submitted'));
  expectError(assert, await api('GET', '/api/v1/joint-actions?mechanism=weekly', { token: t.office }), 400, 'invalid_query');
  assert.ok((await api('GET', '/api/v1/joint-actions', { token: t.office2 })).body.items.every((x) => x.township_id !== ids.town));
  expectError(assert, await api('GET', '/api/v1/joint-actions'), 401);
});

// pages: every page of a list, one row a page, then the whole list at once
async function pages(path, who) {
  const paged = [];
  let cursor = '';
  for (let i = 0; i < 100; i++) {
    const r = await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=1${cursor ? '&cursor=' + cursor : ''}`, { token: t[who] });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    paged.push(...r.body.items);
    if (!r.body.next) break;
    assert.equal(r.body.next, String(r.body.items[0].id));
    cursor = r.body.next;
  }
  const all = (await api('GET', `${path}${path.includes('?') ? '&' : '?'}limit=500`, { token: t[who] })).body;
  assert.equal(all.next, null);
  assert.deepEqual(paged, all.items, `${path} for ${who}: one row a page as the whole list`);
  return all.items;
}
const picked = (o, keys) => Object.fromEntries(keys.map((k) => [k, o[k]]));

test('a list shows each action as its own view does, units, problems and clocks too, one a page or all at once', async () => {
  await clock('2026-12-01T09:00:00+08:00');
  // two actions side by side with units and problems in their own order
  const a = await create('office', routine('2026-12-22T09:00:00+08:00', '2026-12-22T17:00:00+08:00', { participating_units: [ids.sj, ids.zf], problem_ids: [9, 7] }));
  const b = await create('office', routine('2026-12-23T09:00:00+08:00', '2026-12-23T17:00:00+08:00', { problem_ids: [7] }));
  for (const who of ['office', 'dept', 'office2']) {
    const items = await pages('/api/v1/joint-actions', who);
    for (const x of items) assert.deepEqual(x, picked(await get(x.id, who), Object.keys(x)), `action ${x.id} for ${who}`);
  }
  const mine = await pages(`/api/v1/joint-actions?township=${ids.town}&mechanism=routine`, 'office');
  const [la, lb] = [a, b].map((x) => mine.find((y) => y.id === x.id));
  assert.deepEqual([la.participating_units, la.problem_ids, lb.participating_units, lb.problem_ids], [a.participating_units, [9, 7], b.participating_units, [7]]);
  assert.ok(mine.some((x) => x.participating_units.length > 1) && mine.every((x) => x.mechanism === 'routine'));
});

test('the notices of a unit or a township page by cursor, each as the action\'s own list shows it', async () => {
  await clock('2026-12-18T08:00:00+08:00');
  for (const who of ['market', 'office', 'contact']) {
    for (const path of ['/api/v1/notices', '/api/v1/notices?open=1']) {
      const items = await pages(path, who);
      for (const n of items) {
        const own = (await api('GET', `/api/v1/joint-actions/${n.action_id}/notices`, { token: t.office })).body.items;
        assert.deepEqual(n, own.find((x) => x.id === n.id), `notice ${n.id} for ${who}`);
      }
      if (path.endsWith('open=1')) assert.ok(items.every((n) => !n.answered));
    }
  }
  const market = await pages('/api/v1/notices', 'market');
  assert.ok(market.length >= 2 && market.some((n) => n.answered && n.late) && market.some((n) => n.answered && !n.late));
});
